#!/usr/bin/env bash
# How long `cargo slotlint migrate` takes over many keys and families (issue 13: one SCAN pass
# for every family): a real redis-server on a free loopback port, KEYS keys spread over
# FAMILIES families (plus as many keys of no family), then a dry run and --apply.
#
#   scripts/migrate-scale.sh                     # 300,000 keys, 16 families, the release build
#   KEYS=100000 FAMILIES=4 scripts/migrate-scale.sh
#   BIN=path/to/cargo-slotlint scripts/migrate-scale.sh   # another binary (e.g. an older build)
set -euo pipefail
cd "$(dirname "$0")/.."
keys=${KEYS:-300000}
families=${FAMILIES:-16}
if [ -z "${BIN:-}" ]; then
    cargo build --release -q
    BIN=target/release/cargo-slotlint
fi
BIN=$(realpath "$BIN")
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$work" >/dev/null 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; rm -rf "$work"' EXIT
until redis-cli -p "$port" ping >/dev/null 2>&1; do sleep 0.05; done
python3 - "$work" "$keys" "$families" <<'PY'
import json, sys
work, keys, families = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
plan = {"version": 1, "generated_by": "scripts/migrate-scale.sh", "families": []}
for f in range(families):
    plan["families"].append({
        "old": f"fam{f}:{{id}}:data", "new": f"{{fam{f}:{{id}}}}:data",
        "old_skeleton": f"fam{f}:{{}}:data", "new_skeleton": f"{{{{fam{f}:{{}}}}}}:data",
        "scan": f"fam{f}:*:data", "tag": f"fam{f}:{{id}}", "applicability": "unsafe", "sites": [],
    })
json.dump(plan, open(f"{work}/plan.json", "w"))
def resp(*args):
    return "*%d\r\n" % len(args) + "".join("$%d\r\n%s\r\n" % (len(a), a) for a in args)
with open(f"{work}/keys.resp", "w") as out:
    for i in range(keys):
        out.write(resp("SET", f"fam{i % families}:{i}:data", str(i)))
        out.write(resp("SET", f"other:{i}", str(i)))
PY
redis-cli -p "$port" --pipe <"$work/keys.resp" >/dev/null
echo "$keys keys in $families families, and $keys keys of no family ($BIN)"
run() {
    local label=$1; shift
    local start end
    start=$(date +%s.%N)
    "$BIN" slotlint migrate --plan "$work/plan.json" --from "redis://127.0.0.1:$port" "$@" >/dev/null 2>"$work/err" || true
    end=$(date +%s.%N)
    printf "%-10s %6.2f s   %s\n" "$label" "$(awk -v a="$start" -v b="$end" 'BEGIN {print b-a}')" "$(grep 'total:' "$work/err" | sed 's/^migrate: //')"
}
run "dry run"
run "--apply" --apply
