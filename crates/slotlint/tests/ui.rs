//! Compile-pass and compile-fail cases of the macros, with the compiler's output as snapshots.
//! `TRYBUILD=overwrite cargo test -p slotlint --test ui` rewrites the `.stderr` files; read
//! them before committing (see `ui/README.md`).

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.pass("tests/ui/pass/*.rs");
    cases.compile_fail("tests/ui/fail/*.rs");
}
