//! `parse-error`: a file slotlint could not read or parse; the run goes on without it.

use super::Rule;
use crate::diagnostic::{Diagnostic, Severity};
use crate::source::Span;

pub const RULE: Rule = Rule {
    name: "parse-error",
    code: "SL001",
    severity: Severity::Note,
    summary: "a file slotlint could not read or parse (it is skipped, the rest is checked)",
    docs: r#"## What it finds
Rust files that are not valid UTF-8, larger than 16 MiB, unreadable, or that name `redis` (or a
crate that re-exports it) and do not parse as Rust (syntax errors, or syntax newer than
slotlint's parser), and folders that cannot be walked. A file that names neither holds no Redis
call, so slotlint reads it only when it needs one of its items.

## Why it matters
slotlint cannot see the Redis calls in such a file, so their hazards go unreported. The run goes
on with the other files; the exit code is not affected unless you deny notes.

## Example
```text
note[SL001]: src/broken.rs does not parse as Rust: expected an expression
 --> src/broken.rs:2:13
```

## Fix
Make the file compile, or exclude it from the check.
"#,
    fixable: false,
    check: None,
};

/// A finding for `file` (display path) at `span` (or the start of the file).
pub fn diagnostic(file: &str, span: Option<Span>, message: String) -> Diagnostic {
    let span = span.unwrap_or(Span {
        start: 0,
        end: 0,
        line: 1,
        column: 1,
        end_line: 1,
        end_column: 1,
    });
    Diagnostic {
        rule: RULE.name,
        code: RULE.code,
        severity: Severity::Note,
        message,
        file: file.to_owned(),
        span,
        focus: span,
        primary_label: "slotlint stopped reading here".into(),
        labels: Vec::new(),
        keys: Vec::new(),
        help: Some("the rest of this file is not checked; fix the file or exclude it".into()),
        notes: Vec::new(),
    }
}
