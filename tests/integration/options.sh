# Every option in the verbs' tables (src/cmd_*.c, listed by mtlsprobe-gendoc
# in doc/options.tsv beside the binary) is in its verb's --help and
# `mtlsprobe help VERB`, in README.md or docs/, and in at least one test
# under tests/; every value a table allows (--suite, --mode, --profile...)
# is used by some test. Then the generated man pages render without a
# warning, and the bash and zsh completion work.
. "$(dirname "$0")/lib.sh"

DOC=$(dirname "$MTLSPROBE")/doc
TSV=$DOC/options.tsv
check "the option list was generated ($TSV)" test -s "$TSV"

# The tests that may count: every file under tests/ but this one and the
# test tools' installed packages.
mapfile -t TEST_FILES < <(find "$SRC/tests" -type f ! -path '*/node_modules/*' ! -name options.sh ! -name '*.json')
DOC_FILES=("$SRC/README.md" "$SRC"/docs/*.md)

help_of() { # the verb's --help, cached
  local f="$WORK/help-${1// /-}"
  if [ ! -f "$f" ]; then
    if [ "$1" = - ]; then "$MTLSPROBE" --help >"$f"; else "$MTLSPROBE" $1 --help >"$f"; fi
  fi
  cat "$f"
}

# "--name" as a whole word: not followed by a letter, digit or dash
word_re() { printf -- '%s([^a-z0-9-]|$)' "$1"; }

n=0
while IFS=$'\t' read -r verb long letter values arg; do
  n=$((n + 1))
  [ "$letter" = - ] && letter=""
  [ "$values" = - ] && values=""
  what="${verb/-/mtlsprobe} $long"
  help_of "$verb" | grep -Eq -- "$(word_re "$long")" || fail "$what is not in its --help"
  if [ "$verb" != - ]; then
    out=$("$MTLSPROBE" help $verb)
    grep -Eq -- "$(word_re "$long")" <<<"$out" || fail "$what is not in mtlsprobe help $verb"
  fi
  grep -Eq -- "$(word_re "$long")" "${DOC_FILES[@]}" || fail "$what is in neither README.md nor docs/"
  # a test uses it: the long form anywhere, or the short one on a line that
  # names the verb
  if ! grep -Eq -- "$(word_re "$long")" "${TEST_FILES[@]}"; then
    if [ -z "$letter" ] || ! grep -E -- "(^|[ \"'])$letter([ =\"']|$)" "${TEST_FILES[@]}" | grep -w -- "${verb%% *}" >/dev/null; then
      fail "$what is used by no test under tests/"
    fi
  fi
  # each allowed value, given to this option by some test
  if [ -n "$values" ]; then
    IFS='|' read -ra vals <<<"$values"
    for v in "${vals[@]}"; do
      forms="$long[ =]['\"]?$v(['\" ]|$)"
      [ -n "$letter" ] && forms="($forms|$letter ['\"]?$v(['\" ]|$))"
      grep -Eq -- "$forms" "${TEST_FILES[@]}" || fail "$what $v is used by no test under tests/"
    done
  fi
done <"$TSV"
check "the list has every verb's options ($n)" test "$n" -gt 60
# the built-in profiles the table names are the ones scenarios/profiles holds
# (baseline, the audit's default, besides)
want=$(cd "$SRC/scenarios/profiles" && ls *.lua | sed 's/\.lua$//' | grep -vx baseline | sort | tr '\n' ' ')
got=$(awk -F'\t' '$1 == "run" && $2 == "--profile" {print $4}' "$TSV" | tr '|' '\n' | sort | tr '\n' ' ')
check "run --profile names every built-in profile (table: $got; scenarios/profiles: $want)" test "$got" = "$want"
ok "$n options checked against --help, the docs and the tests"

# --help lists every page under docs/, and names none that does not exist
top_help=$("$MTLSPROBE" --help)
for page in "$SRC"/docs/*.md; do
  grep -q "^  docs/$(basename "$page") " <<<"$top_help" || fail "mtlsprobe --help does not list docs/$(basename "$page")"
done
for named in $(grep -o "^  docs/[a-z]*\.md" <<<"$top_help"); do
  test -f "$SRC/$named" || fail "mtlsprobe --help lists $named, which does not exist"
done
ok "mtlsprobe --help lists the $(ls "$SRC"/docs/*.md | wc -l) pages under docs/"
# the README's links to docs/ lead somewhere
for link in $(grep -o "](docs/[a-z]*\.md" "$SRC/README.md" | sed 's/^](//'); do
  test -f "$SRC/$link" || fail "README.md links $link, which does not exist"
done

# help VERB is VERB --help
for v in fixtures run load report serve "report merge"; do
  check "mtlsprobe help $v is mtlsprobe $v --help" \
    bash -c 'cmp -s <("$1" help $2) <("$1" $2 --help)' _ "$MTLSPROBE" "$v"
done
check "mtlsprobe help is mtlsprobe --help" bash -c 'cmp -s <("$1" help) <("$1" --help)' _ "$MTLSPROBE"

# man pages: one per verb, rendered by groff and man without a warning
for page in mtlsprobe mtlsprobe-fixtures mtlsprobe-run mtlsprobe-load mtlsprobe-report mtlsprobe-report-merge \
            mtlsprobe-serve; do
  f=$DOC/man/man1/$page.1
  check "$page.1 generated" test -s "$f"
  err=$(groff -man -Tutf8 -ww -z "$f" 2>&1)
  check "groff renders $page.1 without a warning${err:+: $err}" test -z "$err"
  out=$(MANWIDTH=80 man --warnings -l "$f" 2>"$WORK/man.err")
  check "man -l $page.1 without a warning: $(head -c 300 "$WORK/man.err")" test ! -s "$WORK/man.err"
  check "man -l $page.1 shows its NAME" grep -Eq "^ *$page +. " <<<"$out"
done
out=$(MANPATH=$DOC/man man mtlsprobe-run 2>/dev/null | col -b)
check "man mtlsprobe-run from the generated tree documents --suite" grep -q -- "--suite" <<<"$out"
check "  and its values" grep -q "client-auth, audit, bypass, upstream, all" <<<"$(tr -s ' \t\n' '   ' <<<"$out")"

# bash completion: bash-completion's way, the function called with COMP_WORDS
complete_bash() { # words... -> the candidates, one line
  bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMPREPLY=(); _mtlsprobe
           echo "${COMPREPLY[*]}"' _ "$DOC/completion/mtlsprobe.bash" "$@"
}
check "bash completion: syntax" bash -n "$DOC/completion/mtlsprobe.bash"
check "bash: mtlsprobe run --sui completes to --suite" test "$(complete_bash mtlsprobe run --sui)" = --suite
check "bash: the verbs" test "$(complete_bash mtlsprobe "")" = "fixtures run load report serve help --help --version"
check "bash: --suite values" test "$(complete_bash mtlsprobe run --suite a)" = "audit all"
check "bash: --mode values" test "$(complete_bash mtlsprobe load --mode k)" = keepalive
check "bash: --tls=VALUE" test "$(complete_bash mtlsprobe run --tls = 1)" = "1.2 1.3"
check "bash: report merge's options" test "$(complete_bash mtlsprobe report merge --o)" = --out
check "bash: report offers merge" test "$(complete_bash mtlsprobe report me)" = merge
check "bash: help VERB" test "$(complete_bash mtlsprobe help lo)" = load
mkdir -p "$WORK/fx"
check "bash: --fixtures completes directories" test "$(cd "$WORK" && complete_bash mtlsprobe run --fixtures f)" = fx

# zsh completion: syntax, and compinit registers it for mtlsprobe
if command -v zsh >/dev/null; then
  check "zsh completion: syntax" zsh -n "$DOC/completion/_mtlsprobe"
  check "zsh: compinit binds _mtlsprobe to mtlsprobe" test "$(zsh -fc 'fpath=("$1" $fpath); autoload -Uz compinit
    compinit -u -d "$2/zcompdump"; print -r -- ${_comps[mtlsprobe]}' _ "$DOC/completion" "$WORK")" = _mtlsprobe
else
  fail "zsh is not installed (scripts/setup --test installs it)"
fi

finish
