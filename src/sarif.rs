//! SARIF 2.1.0: for GitHub code scanning and other SARIF viewers.
//!
//! One run; the driver lists every rule of `slotlint_analyzer::rules::RULES` (id = rule name,
//! with its code, summary, docs and a help URI); each finding is a result with its region, the
//! keys as related locations and a line-independent fingerprint (the baseline's). Suppressed
//! findings are kept, with `suppressions: [{"kind": "inSource"}]`. Validated against the OASIS
//! schema (`fixtures/sarif/sarif-schema-2.1.0.json`) in the tests.

use serde_json::{json, Value};
use slotlint_analyzer::rules::{Rule, RULES};
use slotlint_analyzer::{Diagnostic, Report, Severity, Span, Suppressed};

use crate::baseline;

pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// The repository URL of Cargo.toml.
fn repository() -> &'static str {
    match env!("CARGO_PKG_REPOSITORY").trim_end_matches('/') {
        "" => "https://github.com/slotlint/slotlint",
        repo => repo,
    }
}

/// Where a rule's documentation is published: `docs/rules/NAME.md` under the repository.
pub fn rule_doc_url(rule: &Rule) -> String {
    format!("{}/blob/main/docs/rules/{}.md", repository(), rule.name)
}

/// One text edit of a fix.
#[derive(Clone, Debug)]
pub struct Edit {
    /// File as displayed (the finding's `file`, or another file of the same run).
    pub file: String,
    pub span: Span,
    pub replacement: String,
}

/// A fix for a finding: a description and edits that, applied together, fix it.
#[derive(Clone, Debug)]
pub struct SuggestedFix {
    pub description: String,
    pub edits: Vec<Edit>,
}

/// HOOK for the fix engine (issue 4, `cargo slotlint fix`): the fixes known for `d`. SARIF renders
/// each as a `fixes` entry of the result. None exist yet, so this returns nothing; the fix engine
/// fills it in (e.g. from its hash-tag rewrite plan for the finding's key family).
pub fn suggested_fixes(_d: &Diagnostic, _report: &Report) -> Vec<SuggestedFix> {
    Vec::new()
}

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

fn message_text(d: &Diagnostic) -> String {
    let mut text = d.message.clone();
    if let Some(h) = &d.help {
        text.push_str("\nhelp: ");
        text.push_str(h);
    }
    for n in &d.notes {
        text.push_str("\nnote: ");
        text.push_str(n);
    }
    text
}

fn rule_descriptor(rule: &Rule) -> Value {
    json!({
        "id": rule.name,
        "name": pascal(rule.name),
        "shortDescription": { "text": rule.summary },
        "fullDescription": { "text": rule.summary },
        "help": { "text": rule.docs, "markdown": rule.docs },
        "helpUri": rule_doc_url(rule),
        "defaultConfiguration": { "level": level(rule.severity) },
        "properties": {
            "code": rule.code,
            "tags": ["redis", "redis-cluster", "correctness"],
        },
    })
}

fn fix_value(fix: &SuggestedFix) -> Value {
    let mut by_file: Vec<(&str, Vec<&Edit>)> = Vec::new();
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

fn result(d: &Diagnostic, report: &Report, suppressed: Option<&Suppressed>) -> Value {
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
    let related: Vec<Value> = d
        .labels
        .iter()
        .enumerate()
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
    let fixes: Vec<Value> = suggested_fixes(d, report).iter().map(fix_value).collect();
    if !fixes.is_empty() {
        obj.insert("fixes".into(), Value::Array(fixes));
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

/// The SARIF log of a run: the findings of `report` (after configuration and baseline: known
/// findings are left out) and its suppressed findings.
pub fn log(report: &Report) -> Value {
    let mut results: Vec<(&Diagnostic, Value)> = report
        .diagnostics
        .iter()
        .map(|d| (d, result(d, report, None)))
        .chain(
            report
                .suppressed
                .iter()
                .map(|s| (&s.diagnostic, result(&s.diagnostic, report, Some(s)))),
        )
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
                    "informationUri": repository(),
                    "rules": RULES.iter().map(|r| rule_descriptor(r)).collect::<Vec<_>>(),
                },
            },
            "invocations": [invocation],
            "columnKind": "unicodeCodePoints",
            "results": results.into_iter().map(|(_, v)| v).collect::<Vec<_>>(),
        }],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema() -> jsonschema::Validator {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/sarif/sarif-schema-2.1.0.json"
        );
        // The schema's `language` pattern has an unbalanced `]` (see tests/formats.rs).
        let text = std::fs::read_to_string(path).unwrap().replace(
            r#""^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$""#,
            r#""^[a-zA-Z]{2}(-[a-zA-Z]{2})?$""#,
        );
        let schema: Value = serde_json::from_str(&text).unwrap();
        jsonschema::validator_for(&schema).expect("the SARIF schema compiles")
    }

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
    }

    /// The shape a fix takes once the fix engine provides one (none exists yet).
    #[test]
    fn a_fix_renders_as_valid_sarif() {
        let span = Span {
            start: 10,
            end: 20,
            line: 2,
            column: 5,
            end_line: 2,
            end_column: 15,
        };
        let fix = SuggestedFix {
            description: "put `{user}` in a hash tag".into(),
            edits: vec![
                Edit {
                    file: "src/a.rs".into(),
                    span,
                    replacement: "\"{user}:a\"".into(),
                },
                Edit {
                    file: "src/b.rs".into(),
                    span,
                    replacement: "\"{user}:b\"".into(),
                },
            ],
        };
        let mut doc = log(&Report::default());
        let result = json!({
            "ruleId": "cross-slot-command",
            "message": { "text": "m" },
            "fixes": [fix_value(&fix)],
        });
        doc["runs"][0]["results"] = json!([result]);
        let validator = schema();
        let errors: Vec<String> = validator.iter_errors(&doc).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{errors:#?}");
        assert_eq!(
            doc["runs"][0]["results"][0]["fixes"][0]["artifactChanges"]
                .as_array()
                .unwrap()
                .len(),
            2
        );
    }
}
