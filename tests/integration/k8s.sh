# docker/k8s: the manifests parse as YAML, the Indexed Job runs as many
# workers as the ConfigMap's SHARDS, each writing its own result with
# --shard, and the merge Job reads exactly those files. No manifest passes
# --seed (its keys are predictable); the fixtures come from a Secret or are
# generated in the cluster, and the workers verify the gateway with --ca from
# that Secret. No cluster needed; without python3's yaml module (scripts/setup
# installs python3-yaml) this test fails rather than skipping.
. "$(dirname "$0")/lib.sh"

# Debian's python3 with python3-yaml (scripts/setup installs it); a missing
# parser fails the test instead of letting it pass unchecked.
PY3=/usr/bin/python3; [ -x "$PY3" ] || PY3=python3
"$PY3" - "$SRC/docker/k8s" <<'PY'
import glob, os, sys
try:
    import yaml
except ImportError:
    print("FAIL: python3's yaml module is missing (scripts/setup installs python3-yaml)", file=sys.stderr)
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
        for c in d["spec"]["template"]["spec"]["containers"]:
            words = " ".join(c.get("command", []) + c.get("args", []))
            assert "--seed" not in words, f"{name} passes --seed: its keys are predictable"
            assert "--no-verify" not in words and " -k" not in f" {words} ", f"{name} does not verify the gateway"
# the load workers verify the gateway with --ca, a file of the Secret's volume
spec = job["template"]["spec"]
secrets = {v["name"]: v["secret"]["secretName"] for v in spec["volumes"] if "secret" in v}
ca = args[args.index("--ca") + 1] if "--ca" in args else None
assert ca, "the load Job passes no --ca"
mounts = {m["mountPath"]: m["name"] for m in spec["containers"][0]["volumeMounts"]}
assert any(ca.startswith(p.rstrip("/") + "/") and mounts[p] in secrets for p in mounts), \
    f"--ca {ca} is not on a Secret volume"
# the fixtures Job takes the fixtures from the same Secret, or generates them
fx = docs[("Job", "mtlsprobe-fixtures")]["spec"]["template"]["spec"]
fx_secrets = {v["secret"]["secretName"] for v in fx["volumes"] if "secret" in v}
assert fx_secrets & set(secrets.values()), "the fixtures and load Jobs use different Secrets"
fx_words = " ".join(fx["containers"][0].get("command", []) + fx["containers"][0].get("args", []))
assert "mtlsprobe fixtures" in fx_words and "fixtures.tgz" in fx_words, fx_words
print("k8s manifests ok:", ", ".join(f"{k}/{n}" for k, n in docs))
PY
check "docker/k8s manifests are valid and consistent" test $? = 0
check "docs/load.md explains it" grep -q "^## Beyond one machine" "$SRC/docs/load.md"
finish
