//! `unused-suppression`: a suppression that suppresses nothing (see [`crate::suppression`]).

use super::Rule;
use crate::diagnostic::{Diagnostic, Severity};
use crate::source::Span;

pub const RULE: Rule = Rule {
    name: "unused-suppression",
    code: "SL002",
    severity: Severity::Warning,
    summary: "a `// slotlint: allow(…)` or `#[slotlint::allow]` that suppresses nothing",
    docs: r#"## What it finds
Suppressions that no finding needs:
- `// slotlint: allow(RULE, …) reason` with no finding of `RULE` starting on its line (or, for a
  comment alone on its line, on the next line);
- `// slotlint: allow-file(RULE, …)` with no finding of `RULE` in the file, or written after the
  first item of the file, where it does not apply;
- `#[slotlint::allow(RULE, …)]` with no finding of `RULE` inside the item it is on;
- suppressions naming a rule that does not exist, and `slotlint:` comments that are not
  well-formed directives.

## Why it matters
A suppression outlives the code it was written for: once the call is fixed or moved, a stale
`allow` silently hides the next real finding at that place. A misspelled rule name suppresses
nothing at all, which is worse: the author believes the finding is handled.

## Example
```rust
// slotlint: allow(cross-slot-comand) all keys of one tenant   <- misspelled: nothing suppressed
let _: () = con.rename(a, b).await?;
```

## Fix
Remove the suppression, correct the rule name (`cargo slotlint rules` lists them), or move it to
the line where the finding starts (or the line before). To keep a suppression on purpose, allow
this rule too: `// slotlint: allow-file(unused-suppression)`.
"#,
    fixable: false,
    check: None,
};

/// A finding for a suppression at `span` (the whole comment or attribute), underlining `focus`.
pub fn diagnostic(
    file: &str,
    span: Span,
    focus: Span,
    message: String,
    label: String,
    help: String,
) -> Diagnostic {
    Diagnostic {
        rule: RULE.name,
        code: RULE.code,
        severity: RULE.severity,
        message,
        file: file.to_owned(),
        span,
        focus,
        primary_label: label,
        labels: Vec::new(),
        keys: Vec::new(),
        help: Some(help),
        notes: Vec::new(),
    }
}
