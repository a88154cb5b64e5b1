#!/usr/bin/env bash
# Benchmark of `cargo slotlint trace`: commands/s through the tracer and its peak memory while
# redis-benchmark sends 1,000,000 commands, and what a MONITOR client costs the server (its
# throughput with and without the tracer attached).
#
#   scripts/bench-trace.sh          # 1,000,000 commands (SET, GET, LPUSH, MSET of 10 keys; random keys)
#   scripts/bench-trace.sh N        # N commands
#
# Needs redis-server and redis-benchmark (Debian: redis-server, redis-tools) and GNU time.
set -euo pipefail
cd "$(dirname "$0")/.."
total="${1:-1000000}"
per_test=$((total / 4))
cargo build --release -q
bin="$PWD/target/release/cargo-slotlint"
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$work" >"$work/server.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.05; done

# The load: four tests of $per_test requests each, 50 clients, keys drawn from 100,000. The
# machine may be shared: each condition runs $rounds times, alternating, and the best run counts.
load=(redis-benchmark -p "$port" --csv -n "$per_test" -r 100000 -t set,get,lpush,mset)
rounds="${ROUNDS:-3}"

# `"SET","26752.28",…` lines → `SET 26752.28`.
rps() { grep -E '^"[A-Z]' | tr -d '"' | cut -d, -f1,2 | sed -E 's/ \([^,]*\)//' | tr , ' ' || true; }

echo "server: redis-server $(redis-server --version | sed -E 's/.*v=([0-9.]+).*/\1/') on 127.0.0.1:$port, $(nproc) cores"
echo "load:   $total commands per run (redis-benchmark -t set,get,lpush,mset -n $per_test -r 100000, 50 clients), best of $rounds runs"
: >"$work/without.txt"
: >"$work/with.txt"
: >"$work/tracer.txt"
for round in $(seq "$rounds"); do
    "${load[@]}" | rps >>"$work/without.txt"
    /usr/bin/time -f '%M' -o "$work/time.txt" \
        "$bin" trace --from "redis://127.0.0.1:$port" -o "$work/trace.json" --format short -- "${load[@]}" \
        >"$work/trace.out" 2>"$work/trace.err" || { cat "$work/trace.err" >&2; exit 1; }
    rps <"$work/trace.out" >>"$work/with.txt"
    python3 -c 'import json,sys; t=json.load(open(sys.argv[1])); print(t["commands"], t["duration_secs"], len(t["shapes"]), t["overflow"], open(sys.argv[2]).read().split()[0])' \
        "$work/trace.json" "$work/time.txt" >>"$work/tracer.txt"
    echo "  run $round of $rounds done" >&2
done
python3 - "$work/without.txt" "$work/with.txt" "$work/tracer.txt" <<'EOF2'
import sys
def best(p):
    out = {}
    for line in open(p):
        name, value = line.rsplit(None, 1)
        out[name] = max(out.get(name, 0.0), float(value))
    return out
without, with_ = best(sys.argv[1]), best(sys.argv[2])
print("server throughput, without -> with a MONITOR client (cargo slotlint trace):")
for name in without:
    if name in with_:
        cost = 100.0 * (1 - with_[name] / without[name])
        print(f"  {name:<6} {without[name]:>9.0f} -> {with_[name]:>9.0f} requests/s ({cost:+.0f}% cost)")
runs = [line.split() for line in open(sys.argv[3])]
rate = max(int(c) / float(s) for c, s, *_ in runs)
peak = max(int(r[4]) for r in runs)
commands, _, shapes, overflow, _ = runs[-1]
print(f"tracer: {commands} commands judged per run, best {rate:,.0f} commands/s (as fast as the server sent them)")
print(f"tracer: peak memory {peak / 1024:.1f} MiB (max RSS), {shapes} shapes kept, {overflow} in overflow")
EOF2
