#!/usr/bin/env bash
# How `cargo slotlint check`, `fix --dry-run` and `fix --unsafe` (which rewrites every file)
# scale with the number of files (issue 16, item 8): a package of N files, each with one
# CROSSSLOT finding `fix` can rewrite, for N in 1k, 2k, 4k, 20k. Prints seconds per run; the
# times should grow linearly with N.
#
#   scripts/fix-scale.sh              # N = 1000 2000 4000 20000, the release build
#   scripts/fix-scale.sh 500 1000     # other sizes
#   BIN=path/to/cargo-slotlint scripts/fix-scale.sh    # another binary (e.g. an older build)
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@")
[ ${#sizes[@]} -eq 0 ] && sizes=(1000 2000 4000 20000)
if [ -z "${BIN:-}" ]; then
    cargo build --release -q
    BIN=target/release/cargo-slotlint
fi
BIN=$(realpath "$BIN")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
seconds() {
    local start end
    start=$(date +%s.%N)
    "$@" >/dev/null 2>&1 || true
    end=$(date +%s.%N)
    awk -v a="$start" -v b="$end" 'BEGIN {printf "%.2f", b-a}'
}
printf "%8s %10s %14s %14s %16s\n" files check "fix --dry-run" "fix --unsafe" "s per 1k (fix)"
for n in "${sizes[@]}"; do
    dir="$work/ws-$n"
    mkdir -p "$dir/src"
    printf '[package]\nname = "scale"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\nredis = { version = "1", features = ["cluster"] }\n' >"$dir/Cargo.toml"
    python3 - "$dir" "$n" <<'PY'
import sys
d, n = sys.argv[1], int(sys.argv[2])
mods = []
for i in range(n):
    open(f"{d}/src/m{i}.rs", "w").write(
        "use redis::Commands;\n\n"
        f"pub fn move_{i}(con: &mut redis::Connection, id: u64) {{\n"
        f"    let _: () = con.rename(format!(\"user{i}:{{id}}:profile\"), format!(\"user{i}:{{id}}:settings\")).unwrap();\n"
        "}\n")
    mods.append(f"pub mod m{i};\n")
open(f"{d}/src/lib.rs", "w").write("".join(mods))
PY
    c=$(cd "$dir" && seconds "$BIN" slotlint check)
    f=$(cd "$dir" && seconds "$BIN" slotlint fix --dry-run)
    u=$(cd "$dir" && seconds "$BIN" slotlint fix --unsafe --allow-no-vcs)
    printf "%8d %10s %14s %14s %16s\n" "$n" "$c" "$f" "$u" "$(awk -v f="$f" -v n="$n" 'BEGIN {printf "%.2f", f*1000/n}')"
done
