#!/usr/bin/env bash
# The nesting bound (issue 16, item 9), measured:
#  1. how deep real code is, by the estimate slotlint checks before parsing
#     (crates/analyzer/src/parse.rs): the deepest files of a corpus (default: the cargo
#     registry cache), with the line where each peaks;
#  2. `cargo slotlint check` on nested constructs at 5,000 and 50,000 levels (they crashed or
#     took minutes before the bound; now each is a parse-error note).
#
#   scripts/nesting.sh [CORPUS_DIR]
#   BIN=path/to/cargo-slotlint scripts/nesting.sh     # another binary (e.g. an older build)
set -euo pipefail
cd "$(dirname "$0")/.."
corpus="${1:-$HOME/.cargo/registry/src}"
cargo build --release -q -p slotlint-analyzer --example nesting
if [ -z "${BIN:-}" ]; then
    cargo build --release -q
    BIN=target/release/cargo-slotlint
fi
BIN=$(realpath "$BIN")
echo "deepest files of $corpus ($(find "$corpus" -name '*.rs' | wc -l) .rs files; bounds: Rust 512, Lua 200):"
find "$corpus" \( -name '*.rs' -o -name '*.lua' \) -print0 |
    xargs -0 target/release/examples/nesting | sort -rn >"${TMPDIR:-/tmp}/slotlint-nesting.txt"
head -5 "${TMPDIR:-/tmp}/slotlint-nesting.txt"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo
printf "%-16s %8s %8s %10s  %s\n" construct levels exit seconds "parse-error note"
for kind in parentheses blocks closures chain else-if binary unary generics format vec; do
    for n in 5000 50000; do
        dir="$work/$kind-$n"
        mkdir -p "$dir/src"
        printf '[package]\nname = "x"\nversion = "0.1.0"\nedition = "2021"\n[dependencies]\nredis = "1"\n' >"$dir/Cargo.toml"
        python3 - "$kind" "$n" "$dir/src/lib.rs" <<'PY'
import sys
kind, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
body = {
    "parentheses": lambda: "let _x = " + "(" * n + "1" + ")" * n + ";",
    "blocks": lambda: "{" * n + "}" * n,
    "closures": lambda: "let _f = " + "|| " * n + "1;",
    "chain": lambda: "let mut p = redis::pipe(); p" + '.cmd("GET")' * n + ";",
    "else-if": lambda: "if id == 0 {}" + " else if id == 1 {}" * n,
    "binary": lambda: "let _k = 1" + " + 1" * n + ";",
    "unary": lambda: "let _k = " + "!" * n + "true;",
    "generics": lambda: "let _k: " + "Vec<" * n + "u8" + ">" * n + " = todo!();",
    "format": lambda: "let _k = " + 'format!("{}", ' * n + "1" + ")" * n + ";",
    "vec": lambda: "let _k = " + "vec![" * n + "1" + "]" * n + ";",
}[kind]()
open(out, "w").write("use redis::Commands;\nfn f(con: &mut redis::Connection, id: u64) {\n" + body +
    '\nlet _: () = con.rename(format!("user:{id}:a"), format!("user:{id}:b")).unwrap();\n}\n')
PY
        start=$(date +%s.%N)
        status=0
        (cd "$dir" && timeout 300 "$BIN" slotlint check --format short >"$work/out" 2>&1) || status=$?
        end=$(date +%s.%N)
        note=$(grep -c 'nests deeper than' "$work/out" || true)
        printf "%-16s %8d %8d %10.2f  %s\n" "$kind" "$n" "$status" "$(awk -v a="$start" -v b="$end" 'BEGIN {print b-a}')" "$note"
    done
done
