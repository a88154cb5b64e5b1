#!/usr/bin/env bash
# Benchmark: `cargo slotlint check` against a plain `syn` parse and `rg` over the same files:
# wall and CPU seconds, files/s, MB/s and peak RSS of each (medians), and the ratios between
# them. Builds this checkout (release) and runs scripts/bench.py; figures only, no pass/fail on
# time.
#
#   scripts/bench.sh                   # the corpus (`cargo vendor` of scripts/bench-corpus),
#                                      # a synthetic ~1,500-file service crate, a ~7 MB one and
#                                      # the same with its non-redis part doubled
#   scripts/bench.sh DIR...            # any folders of Rust sources
#   scripts/bench.sh --double PKG      # a package, then with its non-redis part doubled
#   scripts/bench.sh --double PKG --double-with DIR
#                                      # the same, doubled with another crate's sources (DIR)
#   scripts/bench.sh --before BIN ...  # also time another cargo-slotlint (e.g. main's) in the same run
#   scripts/bench.sh --compare ...     # also fail unless --no-prefilter finds exactly the same
#   scripts/bench.sh --runs N ...      # runs per figure (default 5)
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=target/bench-corpus/vendor
if [ ! -d "$corpus" ]; then
    echo "vendoring the corpus into $corpus (needs crates.io once)..." >&2
    mkdir -p target/bench-corpus
    cargo vendor --manifest-path scripts/bench-corpus/Cargo.toml --versioned-dirs "$corpus" >/dev/null 2>&1
fi
cargo build --release -q --bin cargo-slotlint
cargo build --release -q -p slotlint-analyzer --example syn_parse
target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
exec python3 scripts/bench.py --bin "$target_dir/release/cargo-slotlint" \
    --syn "$target_dir/release/examples/syn_parse" "$@"
