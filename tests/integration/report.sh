# `mtlsprobe report` and `report merge` on results of real runs against
# Debian's nginx on loopback: the conformance suite (strict and a
# misconfigured variant), a short load, and three load workers started as
# separate processes with --shard and merged. Checks the pages (well-formed,
# every scenario listed, counts equal to the JSON), the charts (valid PNG and
# SVG), baselines and regressions, merging, bad input, and the page in
# headless Chromium (no console errors, expected DOM, a screenshot kept).
. "$(dirname "$0")/lib.sh"

FX=$WORK/fx
"$MTLSPROBE" fixtures --out "$FX" -q || { echo "FAIL: fixtures generation"; exit 1; }
ARTIFACTS=$(dirname "$MTLSPROBE")/test-artifacts/report
rm -rf "$ARTIFACTS"
mkdir -p "$ARTIFACTS"

# ---- results of real runs --------------------------------------------------
start_nginx mtls.conf.in "$FX"
N="https://localhost:$NGINX_PORT/"
"$MTLSPROBE" run --target "$N" --connect-to "127.0.0.1:$NGINX_PORT" --fixtures "$FX" -j 4 -q \
  --json "$WORK/strict.json" >/dev/null 2>&1
check "suite against nginx: result written" test -s "$WORK/strict.json"
"$MTLSPROBE" load --target "$N" --fixtures "$FX" -q --threads 2 -c 4 -d 2.5s --json "$WORK/load.json" \
  --threshold 'handshake.p99<60s' --threshold 'total.p99<0.001ms' >/dev/null 2>&1
check "load against nginx: result written" test -s "$WORK/load.json"
# three workers, separate processes, one gateway
for i in 0 1 2; do
  "$MTLSPROBE" load --target "$N" --fixtures "$FX" -q --threads 1 -c 6 -n 600 --shard "$i/3" \
    --json "$WORK/worker-$i.json" >/dev/null 2>&1 &
  eval "W$i=\$!"
done
wait "$W0" "$W1" "$W2"
"$MTLSPROBE" load --target "$N" --fixtures "$FX" -q --threads 1 -c 2 -n 50 --tls 1.2 --shard 1/3 \
  --json "$WORK/other-tls.json" >/dev/null 2>&1
stop_nginx
start_nginx mtls-optional.conf.in "$FX"
"$MTLSPROBE" run --target "https://localhost:$NGINX_PORT/" --connect-to "127.0.0.1:$NGINX_PORT" \
  --fixtures "$FX" -j 4 -q --json "$WORK/optional.json" >/dev/null 2>&1
stop_nginx

# ---- merge -----------------------------------------------------------------
"$MTLSPROBE" report merge "$WORK"/worker-{0,1,2}.json -o "$WORK/merged.json" >"$WORK/merge.out" 2>&1
check "merge: exit 0" test $? = 0
m() { jq -r "$1" "$WORK/merged.json"; }
sum() { jq -s "[.[] | $1] | add" "$WORK"/worker-{0,1,2}.json; }
check "merge: 600 handshakes from 3 workers" test "$(m .totals.handshakes)" = 600
check "merge: totals add up (ok, errors)" test "$(m '.totals.ok'),$(m '.totals.errors')" = "$(sum .totals.ok),$(sum .totals.errors)"
check "merge: bucket counts add up" test "$(m '[.phases.total.buckets_ns[][2]] | add')" = "$(sum '[.phases.total.buckets_ns[][2]] | add')"
check "merge: connections summed" test "$(m .config.connections)" = "$(sum .config.connections)"
check "merge: series sums the workers' seconds" test "$(m '[.series[].ok] | add')" = "$(sum '[.series[].ok] | add')"
check "merge: records the shards" test "$(m '.merge.shards | join(",")')" = "0,1,2"
check "merge: a valid mtlsprobe-load document" test "$(m '.schema + " " + (.version|tostring)')" = "mtlsprobe-load 1"
max_p99=$(jq -s '[.[].phases.total.p99_ms] | max' "$WORK"/worker-{0,1,2}.json)
min_p99=$(jq -s '[.[].phases.total.p99_ms] | min' "$WORK"/worker-{0,1,2}.json)
check "merge: p99 within the workers' range ($min_p99..$max_p99)" awk -v p="$(m .phases.total.p99_ms)" -v lo="$min_p99" -v hi="$max_p99" 'BEGIN { exit !(p >= lo && p <= hi) }'
check "merge: summary line" grep -q "^merged 3 workers (3 of 3 shards): 600 handshakes" "$WORK/merge.out"
"$MTLSPROBE" report merge "$WORK"/worker-{0,1}.json -o "$WORK/partial.json" -q >"$WORK/partial.out" 2>&1
check "merge -q: quiet" test ! -s "$WORK/partial.out"

merge_bad() { # merge_bad "fragment" files...
  local frag=$1; shift
  "$MTLSPROBE" report merge "$@" -o "$WORK/bad-merge.json" >"$WORK/bad.out" 2>"$WORK/bad.err"
  local rc=$?
  check "merge $(basename -a "$@" | tr '\n' ' '): exit 2" test "$rc" = 2
  check "merge: one line naming '$frag'" bash -c '[ "$(wc -l < "$1")" = 1 ] && grep -qF -- "$2" "$1"' _ "$WORK/bad.err" "$frag"
}
merge_bad "differs from $WORK/worker-0.json in config.tls_version" "$WORK/worker-0.json" "$WORK/other-tls.json"
merge_bad "repeats shard 1/3" "$WORK/worker-1.json" "$WORK/worker-1.json"
merge_bad "already a merged result" "$WORK/merged.json" "$WORK/worker-0.json"
merge_bad "a conformance run result" "$WORK/strict.json"
check "merge: nothing written on refusal" test ! -e "$WORK/bad-merge.json"

# ---- the report --------------------------------------------------------------
R=$WORK/report
"$MTLSPROBE" report "$WORK/strict.json" "$WORK/optional.json" "$WORK/load.json" "$WORK/merged.json" \
  --out "$R" --title "Gateway & <nginx> report" >"$WORK/report.out" 2>&1
check "report: exit 0" test $? = 0
check "report: prints the path of index.html" grep -q "^wrote $R/index.html" "$WORK/report.out"
check "report: index.html, report.md" test -s "$R/index.html" -a -s "$R/report.md"
check "index.html is well-formed XML (XHTML-compatible)" xmllint --noout "$R/index.html"
check "index.html parses as HTML with balanced tags" python3 - "$R/index.html" <<'PY'
import sys
from html.parser import HTMLParser
VOID = {"meta", "br", "img", "hr", "input", "link", "area", "base", "col", "source", "wbr"}
class P(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.errors = [], []
    def handle_starttag(self, tag, attrs):
        if tag not in VOID:
            self.stack.append(tag)
    def handle_startendtag(self, tag, attrs):
        pass
    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> at {self.getpos()} closes {self.stack[-1:]}")
        else:
            self.stack.pop()
p = P()
p.feed(open(sys.argv[1], encoding="utf-8").read())
p.close()
if p.errors or p.stack:
    print(p.errors[:5], p.stack, file=sys.stderr)
    sys.exit(1)
PY
check "index.html: the title is escaped" grep -q "<title>Gateway &amp; &lt;nginx&gt; report</title>" "$R/index.html"
check "index.html: no external resources or scripts" bash -c '! grep -qiE "<script|<link |src=\"https?:|url\(https?:|@import" "$1"' _ "$R/index.html"
check "index.html: a policy forbids fetches" grep -q "default-src 'none'" "$R/index.html"
# every scenario verdict of both runs is a row; ids all listed
rows=$(grep -o '<tr class="scenario"' "$R/index.html" | wc -l)
json_rows=$(jq -s '[.[].results | length] | add' "$WORK/strict.json" "$WORK/optional.json")
check "index.html: one row per verdict ($rows vs $json_rows)" test "$rows" = "$json_rows"
missing=$(jq -r '.results[].id' "$WORK/strict.json" | sort -u | while read -r id; do grep -qF ">$id<" "$R/index.html" || echo "$id"; done)
check "index.html: every scenario id is listed${missing:+ (missing: $missing)}" test -z "$missing"
for v in PASS FAIL INCONCLUSIVE ERROR SKIP; do
  want=$(jq -s --arg v "$v" '[.[].results[] | select(.verdict == $v)] | length' "$WORK/strict.json" "$WORK/optional.json")
  check "index.html: $v count is $want, as in the JSON" grep -q "id=\"count-$v\">$want<" "$R/index.html"
  check "index.html: $want $v rows" test "$(grep -o "<tr class=\"scenario\" data-verdict=\"$v\"" "$R/index.html" | wc -l)" = "$want"
done
# failures first: the first row of run2 (nginx with optional client certificates) is a FAIL
first=$(grep -o '<table class="scenarios" id="scenarios-run2">.*' "$R/index.html" | head -1; sed -n '/id="scenarios-run2"/,/<\/table>/p' "$R/index.html" | grep -m1 -o 'data-verdict="[A-Z]*"')
check "index.html: failures first" grep -q 'data-verdict="FAIL"' <<<"$first"
check "index.html: evidence shows HTTP status" grep -q "HTTP 400; rejected in http" "$R/index.html"
check "index.html: evidence shows alert name and code" grep -qE "alert [a-z_]+ \([0-9]+\) (received|sent)" "$R/index.html"
check "index.html: run metadata (wolfSSL flags, manifest hash, command line)" bash -c \
  'grep -q -- "--enable-all" "$1" && grep -q "$(jq -r .fixtures.manifest_sha256 "$2")" "$1" && grep -q "mtlsprobe run --target" "$1"' _ "$R/index.html" "$WORK/strict.json"
check "index.html: compliance names PCI DSS 4.2.1" grep -q "pci-dss-4:4.2.1" "$R/index.html"
check "index.html: PCI DSS 4.2.1 not met (nginx without required client certificates)" \
  python3 -c 'import re,sys; t=open(sys.argv[1]).read(); r=re.search(r"<tr class=\"control\" data-status=\"([a-z-]+)\"><td><code>pci-dss-4:4.2.1</code>", t); sys.exit(0 if r and r.group(1)=="not-met" else 1)' "$R/index.html"
check "index.html: RFC 5280 path validation control defined" grep -q "6.1 Basic path validation" "$R/index.html"
check "index.html: merged load shown as merged" grep -q "3 workers merged" "$R/index.html"
check "index.html: load percentiles table" grep -q 'id="phases-load1"' "$R/index.html"
charts="verdicts load1-latency load1-percentiles load1-timeline load2-latency load2-percentiles"
if [ "$(jq .totals.errors "$WORK/load.json")" = 0 ]; then
  check "no errors, no errors chart" test ! -e "$R/charts/load1-errors.svg"
else
  charts="$charts load1-errors"
fi
for c in $charts; do
  check "chart $c.png is a PNG" bash -c '[ "$(head -c 8 "$1" | od -An -tx1 | tr -d " \n")" = 89504e470d0a1a0a ]' _ "$R/charts/$c.png"
  check "chart $c.svg is well-formed SVG" bash -c 'xmllint --noout "$1" && grep -q "<svg" "$1"' _ "$R/charts/$c.svg"
  check "chart $c is inlined in index.html" grep -q "<figure id=\"chart-$c\"><svg" "$R/index.html"
  check "chart $c is linked from report.md" grep -qF "(charts/$c.png)" "$R/report.md"
done
check "charts: data files and scripts kept for redrawing" test -s "$R/charts/data/load1-latency.dat" -a -s "$R/charts/gnuplot/draw-verdicts.gp"
check "charts: no temporary files left" test -z "$(find "$R" -name '.tmp-*')"
check "inline SVG ids are unique" bash -c '[ -z "$(grep -o " id=\"[^\"]*\"\| id='"'"'[^'"'"']*'"'"'" "$1" | sort | uniq -d)" ]' _ "$R/index.html"
pass=$(jq -s '[.[].results[] | select(.verdict == "PASS")] | length' "$WORK/strict.json" "$WORK/optional.json")
nfail=$(jq -s '[.[].results[] | select(.verdict == "FAIL")] | length' "$WORK/strict.json" "$WORK/optional.json")
info=$(jq -s '[.[].results[] | select(.verdict == "INFO")] | length' "$WORK/strict.json" "$WORK/optional.json")
check "report.md: the counts, INFO apart from PASS" grep -q "^\*\*[0-9]* scenario verdicts: $pass PASS, $nfail FAIL, 0 INCONCLUSIVE, 0 ERROR, 0 SKIP, $info INFO (recorded, not judged)\.\*\*" <<<"$(grep -o '\*\*[0-9]* scenario verdicts: .*judged)\.\*\*' "$R/report.md")"
check "report: some INFO verdicts to count" test "$info" -gt 0
check "report.md: failures listed with evidence" grep -q "^| \*\*FAIL\*\* | critical | client-auth/no-cert | TLSv1.2 | rejected | accepted: HTTP 200" "$R/report.md"
check "report.md: no raw HTML from the title" grep -q "^# Gateway &amp; &lt;nginx&gt; report" "$R/report.md"
# ---- the first screen, compliance, thresholds, partial seconds ---------------
check "first screen: overall verdict FAIL" grep -q '<div class="verdict" id="overall" data-verdict="FAIL">FAIL</div>' "$R/index.html"
check "first screen: before the conformance tables" bash -c '[ "$(grep -n "id=\"overall\"" "$1" | cut -d: -f1)" -lt "$(grep -n "id=\"conformance\"" "$1" | cut -d: -f1)" ]' _ "$R/index.html"
check "first screen: critical FAILs counted" grep -q "id=\"sev-critical\"><div class=\"n\">$(jq -s '[.[].results[] | select(.verdict == "FAIL" and .severity == "critical")] | length' "$WORK/strict.json" "$WORK/optional.json")<" "$R/index.html"
check "first screen: nginx recognized by its Server header" grep -q 'the gateway looks like <strong>nginx</strong> (Server header' "$R/index.html"
check "first screen: the no-cert finding with its fix" bash -c 'sed -n "/<section id=\"findings\"/,/<\/section>/p" "$1" | grep -q "client-auth/no-cert" && grep -q "Fix (nginx):</strong> <code>ssl_verify_client on;</code>" "$1"' _ "$R/index.html"
check "first screen: a breached threshold makes the verdict FAIL" grep -q "threshold total.p99&lt;0.001ms breached" "$R/index.html"
check "run metadata after the load section" bash -c '[ "$(grep -n "<section id=\"runs\"" "$1" | cut -d: -f1)" -gt "$(grep -n "<section id=\"load\"" "$1" | cut -d: -f1)" ]' _ "$R/index.html"
check "wolfSSL flags folded, once" test "$(grep -c '<details class="flags"><summary>wolfSSL build flags' "$R/index.html")" = 1
check "compliance: failing controls first" bash -c 'grep -o "<tr class=\"control\" data-status=\"[a-z-]*\"" "$1" | head -1 | grep -q not-met' _ "$R/index.html"
check "report.md: verdict first" bash -c 'sed -n 3,5p "$1" | grep -q "^## Verdict: FAIL"' _ "$R/report.md"
check "report.md: finding with its fix" grep -q "Fix (nginx): \`ssl_verify_client on;\`" "$R/report.md"
check "thresholds on the latency chart: met and breached" bash -c 'grep -q "handshake.p99<60s" "$1" && grep -q "\"✗ total.p99<0.001ms" "$1" && grep -q "\"✓ handshake.p99<60s" "$1"' _ "$R/charts/data/load1-latency-thresholds.dat"
check "thresholds drawn as lines" grep -q "set arrow from 60000, graph 0" "$R/charts/gnuplot/extra-load1-latency.gp"
# handshake mode, closed loop: no empty first-byte series, no second total
check "handshake mode: the latency chart has no first-byte series" \
  bash -c 'grep -qx "has_ttfb = 0" "$1" && grep -qx "has_handshake = 1" "$1"' _ "$R/charts/gnuplot/extra-load1-latency.gp"
check "handshake mode: no 'first byte' in the latency chart" bash -c '! grep -q "first byte" "$1"' _ "$R/charts/load1-latency.svg"
check "handshake mode: the handshake line is drawn above total" \
  bash -c 'svg=$1; [ "$(grep -n ">handshake<" "$svg" | head -1 | cut -d: -f1)" -gt "$(grep -n ">total<" "$svg" | head -1 | cut -d: -f1)" ]' _ "$R/charts/load1-latency.svg"
check "closed loop: the percentile chart draws total once" \
  bash -c 'grep -qx "uncorrected = 0" "$1" && ! grep -q "total_uncorrected" "$2"' _ "$R/charts/gnuplot/extra-load1-percentiles.gp" "$R/charts/load1-percentiles.svg"
check "closed loop: no total_uncorrected row repeating total, on the page or in the Markdown" \
  bash -c '! sed -n "/id=\"phases-load1\"/,/<\/table>/p" "$1" | grep -q "<td>total_uncorrected</td>" && ! grep -q "^| total_uncorrected |" "$2"' _ "$R/index.html" "$R/report.md"
check "gnuplot logged no warning about undefined matrix values" \
  bash -c '! grep -q "missing or undefined" "$1"' _ "$R/charts/gnuplot.log"
want_v=$(jq -rs '[.[].results[] | if .waived then "FAIL (waived)" else .verdict end] | unique | join(",")' "$WORK/strict.json" "$WORK/optional.json")
got_v=$(for v in PASS FAIL "FAIL (waived)" INCONCLUSIVE ERROR SKIP INFO; do grep -q ">$v<" "$R/charts/verdicts.svg" && echo "$v"; done | sort | paste -sd, -)
check "verdict matrix: the key lists the verdicts present, only those (key: $got_v; results: $want_v)" \
  test "$got_v" = "$(tr , '\n' <<<"$want_v" | sort | paste -sd, -)"
part=$(jq '[.series[] | select(.length_s < 1 and .length_s >= 0.2)] | length' "$WORK/load.json")
if [ "$part" = 1 ]; then
  check "the partial last second is drawn apart" bash -c 'grep -q "^partial = 1" "$1" && [ "$(awk "/^\$/{b++} b==2 && /^[0-9]/" "$2" | wc -l)" = 1 ]' _ "$R/charts/gnuplot/extra-load1-timeline.gp" "$R/charts/data/load1-timeline.dat"
fi
# a partial merge, and a baseline of another concurrency
"$MTLSPROBE" report "$WORK/partial.json" "$WORK/load.json" --baseline "$WORK/worker-0.json" --out "$WORK/part" --no-charts -q >/dev/null 2>&1
check "partial merge: exit 0" test $? = 0
check "partial merge: flagged on the page" grep -q "load1 is a partial merge: 2 of 3 shards" "$WORK/part/index.html"
check "partial merge: flagged in the Markdown" grep -q "Partial merge: 2 of 3 shards" "$WORK/part/report.md"
check "partial merge: named in the verdict's reason" grep -q 'load1 merges 2 of 3 shards' "$WORK/part/index.html"
check "partial merge: never PASS" bash -c '! grep -q "id=\"overall\" data-verdict=\"PASS\"" "$1"' _ "$WORK/part/index.html"
check "baseline of another concurrency: no match said" grep -q "load2: no baseline matched (target, handshake mode, any, 4 connections)" "$WORK/part/index.html"
check "baseline of another concurrency: no 'no regression' claim" bash -c '! grep -q "No regression" "$1" "$2"' _ "$WORK/part/index.html" "$WORK/part/report.md"
cp -r "$R" "$ARTIFACTS/report"

# ---- headless Chromium -------------------------------------------------------
if command -v chromium >/dev/null 2>&1; then
  chrome() {
    timeout 120 chromium --headless --no-sandbox --disable-gpu --user-data-dir="$WORK/chrome" \
      --disable-background-networking --disable-component-update --disable-sync --no-first-run \
      --disable-default-apps --disable-extensions --disable-breakpad --disable-domain-reliability \
      --disable-client-side-phishing-detection --no-default-browser-check --metrics-recording-only \
      --disable-features=Translate,OptimizationHints,MediaRouter,DialMediaRouteProvider,AutofillServerCommunication,CertificateTransparencyComponentUpdater \
      --enable-logging=stderr --v=0 "$@"
  }
  # the console check sees a fetch the page's policy blocks: a control page
  printf '<!DOCTYPE html><html><head><meta http-equiv="Content-Security-Policy" content="default-src %s"/><title>c</title></head><body><img src="http://127.0.0.1:9/x.png"/></body></html>' "'none'" >"$WORK/control.html"
  chrome --dump-dom "file://$WORK/control.html" >/dev/null 2>"$WORK/control.log"
  check "chromium: the console check catches a blocked fetch" grep -q "CONSOLE" "$WORK/control.log"
  chrome --dump-dom "file://$R/index.html" >"$WORK/dom.html" 2>"$WORK/chrome.log"
  check "chromium: loaded the page" grep -q "<title>Gateway &amp; &lt;nginx&gt; report</title>" "$WORK/dom.html"
  check "chromium: no console errors" bash -c '! grep -E "CONSOLE|Refused to|Uncaught" "$1"' _ "$WORK/chrome.log"
  check "chromium: DOM has the FAIL count" grep -q "id=\"count-FAIL\">$nfail<" "$WORK/dom.html"
  check "chromium: DOM has every verdict row" test "$(grep -o '<tr class="scenario"' "$WORK/dom.html" | wc -l)" = "$json_rows"
  check "chromium: DOM has the inline charts" test "$(grep -o '<figure id="chart-' "$WORK/dom.html" | wc -l)" -ge 6
  # what a reader sees: the page with a measuring script added (the page
  # itself runs none), in a 1280 px window
  sed -e 's|<meta http-equiv="Content-Security-Policy"[^>]*>||' -e 's|</body>|<script src="measure.js"></script></body>|' \
    "$R/index.html" > "$R/measure.html"
  cat > "$R/measure.js" <<'JS'
var min = 1e9, empty = [], charts = 0;
document.querySelectorAll('figure svg').forEach(function (svg) {
  charts++;
  if (!svg.querySelector('[id*="gnuplot_plot_"] path, [id*="gnuplot_plot_"] image, [id*="gnuplot_plot_"] rect, [id*="gnuplot_plot_"] polygon'))
    empty.push(svg.parentNode.id);
  svg.querySelectorAll('text').forEach(function (t) {
    if (!t.textContent.trim()) return;
    var m = t.getScreenCTM(), px = parseFloat(getComputedStyle(t).fontSize) * Math.hypot(m.a, m.b);
    if (px < min) min = px;
  });
});
var f = document.querySelector('li.finding');
var p = document.createElement('pre');
p.id = 'measure';
p.textContent = JSON.stringify({ charts: charts, empty: empty, min_text_px: Math.round(min * 10) / 10,
  verdict: document.getElementById('overall').textContent, critical: document.querySelector('#sev-critical .n').textContent,
  first_finding: f ? f.querySelector('code').textContent : '', first_finding_top: f ? f.getBoundingClientRect().top : -1 });
document.body.appendChild(p);
JS
  chrome --allow-file-access-from-files --window-size=1280,900 --dump-dom "file://$R/measure.html" >"$WORK/measure.html" 2>/dev/null
  msr=$(sed -n 's|.*<pre id="measure">\(.*\)</pre>.*|\1|p' "$WORK/measure.html" | sed 's/&quot;/"/g')
  echo "chromium measured: $msr"
  check "chromium: the measuring script ran" test -n "$msr"
  check "chromium: every chart has data" test "$(jq -r '.empty | length' <<<"$msr")" = 0
  check "chromium: charts measured" test "$(jq -r .charts <<<"$msr")" -ge 6
  jqe() { jq -e "$1" <<<"$msr" >/dev/null; }
  check "chromium: chart text at least 11 px as rendered" jqe '.min_text_px >= 11' 
  check "chromium: verdict FAIL on the first screen" test "$(jq -r .verdict <<<"$msr")" = FAIL
  check "chromium: critical count on the first screen" test "$(jq -r .critical <<<"$msr")" = "$(jq -s '[.[].results[] | select(.verdict == "FAIL" and .severity == "critical")] | length' "$WORK/strict.json" "$WORK/optional.json")"
  check "chromium: the top finding on the first screen (900 px)" jqe '.first_finding | startswith("client-auth/")' 
  check "chromium: ... within the first 900 px" jqe '.first_finding_top > 0 and .first_finding_top < 900' 
  rm -f "$R/measure.html" "$R/measure.js"
  chrome --screenshot="$ARTIFACTS/first-screen.png" --window-size=1280,900 --hide-scrollbars \
    "file://$R/index.html" >/dev/null 2>"$WORK/chrome-shot.log"
  chrome --screenshot="$ARTIFACTS/screenshot.png" --window-size=1280,2400 --hide-scrollbars \
    "file://$R/index.html" >/dev/null 2>"$WORK/chrome-shot.log"
  check "chromium: screenshot taken" bash -c '[ "$(head -c 8 "$1" | od -An -tx1 | tr -d " \n")" = 89504e470d0a1a0a ]' _ "$ARTIFACTS/screenshot.png"
  echo "report screenshot: $ARTIFACTS/screenshot.png (report: $ARTIFACTS/report/index.html)"
else
  fail "chromium is not installed (scripts/setup installs it)"
fi

# ---- escaping, fingerprints, controls ----------------------------------------
# a result whose strings try to inject markup, with certificate fingerprints
# and a control without a definition
jq '.results[0].title = "<script>alert(1)</script> & \"q\"" | .results[0].evidence.client_cert_sha256 = "ab12cd34"
    | .results[0].controls += ["acme:7.1", "nist-800-52r2:3.5"]
    | (.results | map(.verdict == "PASS") | rindex(true)) as $p | .results[$p].verdict = "INFO"
    | .results[$p].controls = ["acme:9.9"]' "$WORK/strict.json" > "$WORK/crafted.json"
"$MTLSPROBE" report "$WORK/crafted.json" --out "$WORK/crafted" --no-charts -q
check "crafted: markup from result files is escaped" bash -c 'grep -q "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;q&quot;" "$1" && ! grep -q "<script>alert" "$1"' _ "$WORK/crafted/index.html"
check "crafted: still well-formed" xmllint --noout "$WORK/crafted/index.html"
check "crafted: certificate fingerprints shown as evidence" grep -q "client_cert_sha256: ab12cd34" "$WORK/crafted/index.html"
check "crafted: an unknown control is listed without definition" grep -q "<code>acme:7.1</code> <span class=\"badge no-definition\">no definition</span>" "$WORK/crafted/index.html"
check "crafted: NIST SP 800-52r2 3.5 has its title" grep -q "3.5 Client authentication" "$WORK/crafted/index.html"
check "crafted: a control evidenced only by a recorded observation is not met" python3 -c 'import re,sys; t=open(sys.argv[1]).read(); r=re.search(r"<tr class=\"control\" data-status=\"([a-z-]+)\"><td><code>acme:9.9</code>", t); sys.exit(0 if r and r.group(1)=="not-assessed" else 1)' "$WORK/crafted/index.html"
# a version 2 document wrote an observation as a PASS expecting "recorded": read as the INFO it was
jq '.version = 2 | (.results | map(.verdict == "PASS") | rindex(true)) as $p | .results[$p].expected = "recorded"
    | .results[$p].controls = ["acme:9.9"] | .results = [.results[$p]]' "$WORK/strict.json" > "$WORK/v2.json"
"$MTLSPROBE" report "$WORK/v2.json" --out "$WORK/v2" --no-charts -q
check "version 2: a recorded PASS is read as INFO, never a pass" grep -q "0 PASS, 0 FAIL, 0 INCONCLUSIVE, 0 ERROR, 0 SKIP, 1 INFO" "$WORK/v2/report.md"
check "version 2: a run of INFO only is INCONCLUSIVE" grep -q "^## Verdict: INCONCLUSIVE" "$WORK/v2/report.md"
check "crafted: the markdown escapes it too" bash -c '! grep -q "<script>" "$1"' _ "$WORK/crafted/report.md"
# every control the built-in scenarios cite, and every id the audit suite
# uses, has a definition
cited=$(jq -r '[.results[].controls[]] | unique[]' "$WORK/strict.json")
for id in $cited pci-dss-4:4.2.1 nist-800-52r2:3.1 nist-800-52r2:3.3.1 nist-800-52r2:3.3.2 nist-800-52r2:3.5 \
          nist-800-52r2:4.2 mozilla:modern mozilla:intermediate bsi-tr-02102-2:3.2 bsi-tr-02102-2:3.3 bsi-tr-02102-2:3.4; do
  check "reports/controls.json defines $id" test "$(jq --arg id "$id" '[.controls[] | select((.id | ascii_downcase) == ($id | ascii_downcase) or ((.aliases // []) | map(ascii_downcase) | index($id | ascii_downcase)))] | length' "$SRC/reports/controls.json")" = 1
done

# ---- baselines ---------------------------------------------------------------
"$MTLSPROBE" report "$WORK/optional.json" --baseline "$WORK/strict.json" --out "$WORK/reg" --no-charts >"$WORK/reg.out" 2>&1
check "baseline: new failures give exit 1" test $? = 1
check "baseline: the regression is printed" grep -q "^regression: run1: client-auth/no-cert \[TLSv1.3\] is FAIL now, was PASS in $WORK/strict.json" "$WORK/reg.out"
check "baseline: three regressions (no-cert in both TLS versions, mode)" test "$(grep -c '^regression:' "$WORK/reg.out")" = 3
check "baseline: shown in index.html" grep -q 'class="regression-item"' "$WORK/reg/index.html"
check "baseline: shown in report.md" grep -q "REGRESSION\*\* run1: client-auth/no-cert" "$WORK/reg/report.md"
"$MTLSPROBE" report "$WORK/strict.json" "$WORK/load.json" --baseline "$WORK/strict.json" --baseline "$WORK/load.json" \
  --out "$WORK/noreg" --no-charts -q >"$WORK/noreg.out" 2>&1
check "baseline: no regression gives exit 0" test $? = 0
check "baseline: says no regression" grep -q "No regression" "$WORK/noreg/index.html"
check "--no-charts: no charts drawn" test ! -e "$WORK/noreg/charts"
check "-q: nothing printed" test ! -s "$WORK/noreg.out"
# a baseline load whose latencies were all 1 us: today's p99 is far above it
jq '.phases.total.buckets_ns = [[1000, 1003, .phases.total.count]] | .phases.total.min_ns = 1000 | .phases.total.max_ns = 1003 | .phases.total.sum_ns = (1000 * .phases.total.count)' \
  "$WORK/load.json" > "$WORK/fast-baseline.json"
"$MTLSPROBE" report "$WORK/load.json" --baseline "$WORK/fast-baseline.json" --out "$WORK/lreg" --no-charts >"$WORK/lreg.out" 2>&1
check "baseline: load p99 up gives exit 1" test $? = 1
check "baseline: load regression printed" grep -q "^regression: load1: total p99 .* was 0.001 ms in .*limit +10%" "$WORK/lreg.out"
"$MTLSPROBE" report "$WORK/load.json" --baseline "$WORK/fast-baseline.json" --regress 100000000% --out "$WORK/lreg2" --no-charts -q >/dev/null 2>&1
check "--regress raises the limit: exit 0" test $? = 0

# ---- options and bad input ---------------------------------------------------
"$MTLSPROBE" report --help >"$WORK/help.out"
for opt in --out --title --baseline --regress --no-charts --gnuplot --chart-timeout --quiet --help; do
  check "report --help lists $opt" grep -q -- "$opt" "$WORK/help.out"
done
"$MTLSPROBE" report merge --help >"$WORK/mhelp.out"
for opt in --out --quiet --help; do
  check "report merge --help lists $opt" grep -q -- "$opt" "$WORK/mhelp.out"
done

bad() { # bad "fragment" args...
  local frag=$1; shift
  "$MTLSPROBE" report "$@" >"$WORK/bad.out" 2>"$WORK/bad.err"
  local rc=$?
  check "report ${*: -3}: exit 2" test "$rc" = 2
  check "report: one line naming '$frag'" bash -c '[ "$(wc -l < "$1")" = 1 ] && grep -qF -- "$2" "$1"' _ "$WORK/bad.err" "$frag"
}
printf 'not json at all' > "$WORK/garbage.json"
head -c 300 "$WORK/strict.json" > "$WORK/truncated.json"
echo '{"schema": "something-else", "version": 1}' > "$WORK/foreign.json"
echo '{"name": "a package.json"}' > "$WORK/package.json"
jq '.version = 4' "$WORK/strict.json" > "$WORK/newer.json"
jq '.version = 7' "$WORK/load.json" > "$WORK/newer-load.json"
bad "cannot read $WORK/missing.json" "$WORK/missing.json" --out "$WORK/x"
bad "$WORK/garbage.json: not valid JSON" "$WORK/garbage.json" --out "$WORK/x"
bad "$WORK/truncated.json: not valid JSON" "$WORK/truncated.json" --out "$WORK/x"
bad "$WORK/foreign.json: schema 'something-else' is not a result file" "$WORK/foreign.json" --out "$WORK/x"
bad "$WORK/package.json: not an mtlsprobe result file" "$WORK/package.json" --out "$WORK/x"
bad "$WORK/newer.json: mtlsprobe-run version 4 is newer than this mtlsprobe reads" "$WORK/newer.json" --out "$WORK/x"
bad "$WORK/newer-load.json: mtlsprobe-load version 7 is newer" "$WORK/newer-load.json" --out "$WORK/x"
bad "--out is required" "$WORK/strict.json"
bad "give one or more result files" --out "$WORK/x"
bad "--regress 'ten'" "$WORK/strict.json" --out "$WORK/x" --regress ten
bad "cannot read $WORK/nope.json" "$WORK/strict.json" --baseline "$WORK/nope.json" --out "$WORK/x"
bad "$WORK/no-such-gnuplot not found" "$WORK/strict.json" --out "$WORK/x" --gnuplot "$WORK/no-such-gnuplot"
check "no pages written when charts fail" test ! -e "$WORK/x/index.html"
bad "report: gnuplot-missing-here not found (not installed, or not in PATH) (install Debian's gnuplot-nox" "$WORK/strict.json" --out "$WORK/x2" --gnuplot gnuplot-missing-here
printf '#!/bin/sh\nsleep 30\n' > "$WORK/slow-gnuplot"
chmod +x "$WORK/slow-gnuplot"
start=$(date +%s)
bad "did not finish within 1000 ms" "$WORK/strict.json" --out "$WORK/x3" --gnuplot "$WORK/slow-gnuplot" --chart-timeout 1s
check "--chart-timeout stops gnuplot on time" test $(( $(date +%s) - start )) -le 5

finish
