# docker/k8s: the manifests parse as YAML, the Indexed Job runs as many
# workers as the ConfigMap's SHARDS, each writing its own result with
# --shard, and the merge Job reads exactly those files. No cluster needed.
. "$(dirname "$0")/lib.sh"

# Debian's python3 with python3-yaml (scripts/setup installs it); a missing
# parser fails the test instead of letting it pass unchecked.
PY3=/usr/bin/python3; [ -x "$PY3" ] || PY3=python3
"$PY3" - "$SRC/docker/k8s" <<'PY'
import glob, os, sys
try:
    import yaml
except ImportError:
    print("FAIL: python3 yaml module missing (Debian's python3-yaml; scripts/setup installs it)")
    sys.exit(1)
docs = {}
for f in sorted(glob.glob(os.path.join(sys.argv[1], "*.yaml"))):
    for d in yaml.safe_load_all(open(f)):
        if d:
            assert d.get("apiVersion") and d.get("kind") and d["metadata"].get("name"), f
            docs[(d["kind"], d["metadata"]["name"])] = d
cm = docs[("ConfigMap", "mtlsprobe-load")]["data"]
job = docs[("Job", "mtlsprobe-load")]["spec"]
assert job["completionMode"] == "Indexed"
assert str(job["completions"]) == cm["SHARDS"] == str(job["parallelism"]), "completions, parallelism and SHARDS differ"
args = job["template"]["spec"]["containers"][0]["args"]
assert args[0] == "load" and "$(INDEX)/$(SHARDS)" in args and "/results/worker-$(INDEX).json" in args, args
env = job["template"]["spec"]["containers"][0]["env"][0]
assert "job-completion-index" in env["valueFrom"]["fieldRef"]["fieldPath"]
merge = docs[("Job", "mtlsprobe-merge")]["spec"]["template"]["spec"]["containers"][0]["args"][0]
assert "report merge /results/worker-*.json -o /results/merged.json" in merge and "mtlsprobe report /results/merged.json --out" in merge
for (kind, name), d in docs.items():
    if kind == "Job":
        vols = d["spec"]["template"]["spec"]["volumes"]
        assert vols[0]["persistentVolumeClaim"]["claimName"] == "mtlsprobe-results", name
print("k8s manifests ok:", ", ".join(f"{k}/{n}" for k, n in docs))
PY
check "docker/k8s manifests are valid and consistent" test $? = 0
check "README explains it" grep -q "^## Beyond one machine" "$SRC/README.md"
finish
