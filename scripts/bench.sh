#!/usr/bin/env bash
# Benchmark: `cargo slotlint check` over a corpus of real Rust sources. Prints files/s and MB/s,
# with the prefilter (the default) and without it (every crate parsed and walked).
#
#   scripts/bench.sh            # corpus: `cargo vendor` of scripts/bench-corpus (popular crates, redis among them)
#   scripts/bench.sh DIR        # any folder of Rust sources
set -euo pipefail
cd "$(dirname "$0")/.."
corpus="${1:-target/bench-corpus/vendor}"
if [ $# -eq 0 ] && [ ! -d "$corpus" ]; then
    echo "vendoring the corpus into $corpus (needs crates.io once)..." >&2
    mkdir -p target/bench-corpus
    cargo vendor --manifest-path scripts/bench-corpus/Cargo.toml --versioned-dirs "$corpus" >/dev/null 2>&1
fi
cargo build --release -q
bin=target/release/cargo-slotlint
files=$(find "$corpus" -name '*.rs' -type f | wc -l)
bytes=$(find "$corpus" -name '*.rs' -type f -printf '%s\n' | awk '{s+=$1} END {print s+0}')
echo "corpus: $corpus"
echo "files:  $files .rs files, $(awk -v b="$bytes" 'BEGIN {printf "%.1f", b/1e6}') MB, $(nproc) cores"
run() {
    local label=$1; shift
    local best=""
    for _ in 1 2 3; do
        local start end t status=0
        start=$(date +%s.%N)
        "$bin" check "$corpus" --format json "$@" >/tmp/slotlint-bench.json || status=$?
        end=$(date +%s.%N)
        if [ "$status" -ge 2 ]; then
            echo "slotlint failed (exit $status)" >&2
            exit 1
        fi
        t=$(awk -v a="$start" -v b="$end" 'BEGIN {print b-a}')
        if [ -z "$best" ] || awk -v t="$t" -v b="$best" 'BEGIN {exit !(t<b)}'; then best=$t; fi
    done
    local findings
    findings=$(python3 -c 'import json; s=json.load(open("/tmp/slotlint-bench.json"))["summary"]; print("%d errors, %d warnings, %d notes, %d redis calls" % (s["errors"], s["warnings"], s["notes"], s["redis_calls"]))')
    awk -v l="$label" -v t="$best" -v f="$files" -v b="$bytes" -v r="$findings" \
        'BEGIN {printf "%-14s best of 3: %6.2f s   %8.0f files/s   %6.1f MB/s   (%s)\n", l, t, f/t, b/1e6/t, r}'
}
run "prefilter"
run "no prefilter" --no-prefilter
