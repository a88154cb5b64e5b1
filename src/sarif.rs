//! SARIF 2.1.0: for GitHub code scanning and other SARIF viewers.
//!
//! One run; the driver lists every rule of `slotlint_analyzer::rules::RULES` (id = rule name,
//! with its code, summary, docs, a help URI, `precision` and `problem.severity`); each finding is
//! a result with its region, the labelled keys as related locations that its message links to
//! (`[`key`](1)`: GitHub shows related locations only when the message names them), the fix
//! engine's edits as `fixes` where a fix exists, and a line-independent fingerprint (the
//! baseline's). Paths are relative to `%SRCROOT%`, the path base, which `originalUriBaseIds`
//! gives. Suppressed findings are left out (GitHub code scanning ignores `suppressions` and would
//! open an alert for each); `--sarif-include-suppressed` keeps them, with
//! `suppressions: [{"kind": "inSource"}]`. Validated against the OASIS schema
//! (`fixtures/sarif/sarif-schema-2.1.0.json`) in the tests.

use std::path::Path;

use serde_json::{json, Value};
use slotlint_analyzer::rules::{Rule, RULES};
use slotlint_analyzer::{Diagnostic, Report, Severity, Span, Suppressed};

use crate::baseline;
use crate::fixable::{Fixes, SuggestedFix};
use crate::output::Context;

pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

/// `cross-slot-command` → `CrossSlotCommand` (SARIF's `name` is an identifier-like string).
fn pascal(name: &str) -> String {
    name.split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// A URI reference for a displayed path: relative paths under `%SRCROOT%`, absolute ones as
/// `file://` URIs. Characters outside the unreserved set and `/` are percent-encoded.
fn artifact_location(file: &str) -> Value {
    let mut encoded = String::with_capacity(file.len());
    for b in file.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    if file.starts_with('/') {
        json!({ "uri": format!("file://{encoded}") })
    } else {
        json!({ "uri": encoded, "uriBaseId": "%SRCROOT%" })
    }
}

fn region(span: &Span) -> Value {
    json!({
        "startLine": span.line.max(1),
        "startColumn": span.column.max(1),
        "endLine": span.end_line.max(span.line).max(1),
        "endColumn": span.end_column.max(1),
    })
}

/// SARIF message text: `[` and `]` are link syntax, so literal ones are escaped.
fn escaped(text: &str) -> String {
    text.replace('[', "\\[").replace(']', "\\]")
}

/// The labels of `d` that become related locations (the primary label is the location itself),
/// with their ids (1, 2, …).
fn related_labels(d: &Diagnostic) -> impl Iterator<Item = (usize, &slotlint_analyzer::Label)> {
    d.labels
        .iter()
        .filter(move |l| l.span != d.focus)
        .enumerate()
        .map(|(i, l)| (i + 1, l))
}

/// The message: the finding, then a link to each related location (`[label](id)`), then help and
/// notes.
fn message_text(d: &Diagnostic) -> String {
    let mut text = escaped(&d.message);
    let links: Vec<String> = related_labels(d)
        .map(|(id, l)| format!("[{}]({id})", escaped(&l.message)))
        .collect();
    if !links.is_empty() {
        text.push_str(" (");
        text.push_str(&links.join(", "));
        text.push(')');
    }
    if let Some(h) = &d.help {
        text.push_str("\nhelp: ");
        text.push_str(&escaped(h));
    }
    for n in &d.notes {
        text.push_str("\nnote: ");
        text.push_str(&escaped(n));
    }
    text
}

/// How often a rule's findings are right, as code scanning ranks it.
fn precision(rule: &Rule) -> &'static str {
    match rule.name {
        // Read off the source and the manifests: no inference involved.
        "parse-error"
        | "unused-suppression"
        | "non-zero-database"
        | "node-local-command"
        | "sort-pattern"
        | "cluster-feature-missing" => "very-high",
        // Depends on how the client is configured at run time.
        "cluster-client-config" => "medium",
        _ => "high",
    }
}

/// `problem.severity` of code scanning: error, warning, recommendation.
fn problem_severity(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "recommendation",
    }
}

fn rule_descriptor(rule: &Rule) -> Value {
    json!({
        "id": rule.name,
        "name": pascal(rule.name),
        "shortDescription": { "text": rule.summary },
        "fullDescription": { "text": rule.summary },
        "help": { "text": rule.docs, "markdown": rule.docs },
        "helpUri": crate::rule_docs::doc_url(rule),
        "defaultConfiguration": { "level": level(rule.severity) },
        "properties": {
            "code": rule.code,
            "tags": ["redis", "redis-cluster", "correctness"],
            "precision": precision(rule),
            "problem.severity": problem_severity(rule.severity),
        },
    })
}

fn fix_value(fix: &SuggestedFix) -> Value {
    let mut by_file: Vec<(&str, Vec<&crate::fixable::Edit>)> = Vec::new();
    for e in &fix.edits {
        match by_file.iter_mut().find(|(f, _)| *f == e.file) {
            Some((_, edits)) => edits.push(e),
            None => by_file.push((&e.file, vec![e])),
        }
    }
    json!({
        "description": { "text": fix.description },
        "artifactChanges": by_file.iter().map(|(file, edits)| json!({
            "artifactLocation": artifact_location(file),
            "replacements": edits.iter().map(|e| json!({
                "deletedRegion": region(&e.span),
                "insertedContent": { "text": e.replacement },
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}

fn result(
    d: &Diagnostic,
    report: &Report,
    fixes: &Fixes,
    suppressed: Option<&Suppressed>,
) -> Value {
    let rule_index = RULES.iter().position(|r| r.name == d.rule);
    let mut r = json!({
        "ruleId": d.rule,
        "level": level(d.severity),
        "message": { "text": message_text(d) },
        "locations": [{
            "physicalLocation": {
                "artifactLocation": artifact_location(&d.file),
                "region": region(&d.span),
            },
        }],
        "partialFingerprints": { "slotlint/v1": baseline::fingerprint(d, report) },
        "properties": { "code": d.code },
    });
    let obj = r.as_object_mut().expect("an object");
    if let Some(i) = rule_index {
        obj.insert("ruleIndex".into(), json!(i));
    }
    let related: Vec<Value> = related_labels(d)
        .map(|(i, l)| {
            json!({
                "id": i,
                "physicalLocation": {
                    "artifactLocation": artifact_location(&d.file),
                    "region": region(&l.span),
                },
                "message": { "text": l.message },
            })
        })
        .collect();
    if !related.is_empty() {
        obj.insert("relatedLocations".into(), Value::Array(related));
    }
    if !d.keys.is_empty() {
        obj["properties"]["keys"] = json!(d
            .keys
            .iter()
            .map(|k| json!({
                "text": k.text,
                "pattern": k.pattern,
                "hash_tag": k.hash_tag,
                "slot": k.slot,
            }))
            .collect::<Vec<_>>());
    }
    if let Some(fix) = fixes.suggested(d) {
        obj.insert("fixes".into(), json!([fix_value(&fix)]));
    }
    if let Some(s) = suppressed {
        let mut sup = json!({
            "kind": "inSource",
            "status": "accepted",
            "location": {
                "physicalLocation": {
                    "artifactLocation": artifact_location(&d.file),
                    "region": region(&s.at),
                },
            },
            "properties": { "form": s.kind.as_str() },
        });
        if let Some(reason) = &s.reason {
            sup["justification"] = json!(reason);
        }
        obj.insert("suppressions".into(), json!([sup]));
    }
    r
}

/// `file:///base/` for `originalUriBaseIds`.
fn base_uri(base: &Path) -> String {
    let mut uri = String::from("file://");
    for b in base.to_string_lossy().bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            uri.push(b as char);
        } else {
            uri.push_str(&format!("%{b:02X}"));
        }
    }
    if !uri.ends_with('/') {
        uri.push('/');
    }
    uri
}

/// The SARIF log of a run: the findings of the report (after configuration and baseline: known
/// findings are left out), and its suppressed findings with `--sarif-include-suppressed`.
pub fn log(cx: &Context<'_>) -> Value {
    let report = cx.report;
    let suppressed = report
        .suppressed
        .iter()
        .filter(|_| cx.sarif_include_suppressed);
    let mut results: Vec<(&Diagnostic, Value)> = report
        .diagnostics
        .iter()
        .map(|d| (d, result(d, report, cx.fixes, None)))
        .chain(suppressed.map(|s| {
            (
                &s.diagnostic,
                result(&s.diagnostic, report, cx.fixes, Some(s)),
            )
        }))
        .collect();
    results.sort_by(|a, b| a.0.sort_key().cmp(&b.0.sort_key()));
    let notifications: Vec<Value> = report
        .internal_errors
        .iter()
        .map(|e| json!({ "level": "error", "message": { "text": e } }))
        .collect();
    let mut invocation = json!({ "executionSuccessful": report.internal_errors.is_empty() });
    if !notifications.is_empty() {
        invocation["toolExecutionNotifications"] = Value::Array(notifications);
    }
    json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "slotlint",
                    "fullName": "cargo-slotlint",
                    "version": env!("CARGO_PKG_VERSION"),
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "informationUri": crate::rule_docs::repository(),
                    "rules": RULES.iter().map(|r| rule_descriptor(r)).collect::<Vec<_>>(),
                },
            },
            "invocations": [invocation],
            "originalUriBaseIds": {
                "%SRCROOT%": {
                    "uri": base_uri(cx.path_base),
                    "description": { "text": "The folder paths are relative to (the repository root, or --path-base)." },
                },
            },
            "columnKind": "unicodeCodePoints",
            "results": results.into_iter().map(|(_, v)| v).collect::<Vec<_>>(),
        }],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_uris() {
        assert_eq!(pascal("cross-slot-command"), "CrossSlotCommand");
        assert_eq!(
            artifact_location("src/a b.rs")["uri"],
            json!("src/a%20b.rs")
        );
        assert_eq!(
            artifact_location("/tmp/x.rs"),
            json!({ "uri": "file:///tmp/x.rs" })
        );
        assert_eq!(base_uri(Path::new("/w/my repo")), "file:///w/my%20repo/");
    }

    #[test]
    fn brackets_are_not_links() {
        assert_eq!(escaped("a[0] `k`"), "a\\[0\\] `k`");
    }
}
