//! The documented, stable JSON (`version` 1) and JSON lines.

use std::io::{self, Write};

use serde_json::json;
use slotlint_analyzer::{Diagnostic, Severity};

use super::{count, Context};

/// One finding in the documented JSON shape.
pub fn diagnostic_json(d: &Diagnostic) -> serde_json::Value {
    json!({
        "rule": d.rule,
        "code": d.code,
        "severity": d.severity.as_str(),
        "message": d.message,
        "file": d.file,
        "line": d.span.line,
        "column": d.span.column,
        "end_line": d.span.end_line,
        "end_column": d.span.end_column,
        "keys": d.keys.iter().map(|k| json!({
            "text": k.text,
            "pattern": k.pattern,
            "hash_tag": k.hash_tag,
            "slot": k.slot,
            "many": k.many,
            "line": k.span.line,
            "column": k.span.column,
        })).collect::<Vec<_>>(),
        "help": d.help,
        "notes": d.notes,
    })
}

/// `{"command": {"all": 3, "some": 0, "none": 1}, …, "reasons": {"parameter": 1}, "not_understood": 0}`.
fn resolution_json(r: &slotlint_analyzer::Resolution) -> serde_json::Value {
    let mut doc = serde_json::Map::new();
    for (kind, [all, some, none]) in &r.by_kind {
        doc.insert(
            (*kind).to_owned(),
            json!({"all": all, "some": some, "none": none}),
        );
    }
    doc.insert("reasons".into(), json!(r.reasons));
    doc.insert("not_understood".into(), json!(r.not_understood));
    doc.insert(
        "multi_key".into(),
        json!({"all": r.multi_key[0], "some": r.multi_key[1], "none": r.multi_key[2]}),
    );
    serde_json::Value::Object(doc)
}

/// `{"version":1,"diagnostics":[…],"summary":{…}}`. `summary.suppressed` appears when findings
/// were suppressed, `baseline` with a baseline.
pub fn json(cx: &Context<'_>, out: &mut dyn Write) -> io::Result<()> {
    let report = cx.report;
    let diagnostics: Vec<serde_json::Value> =
        report.diagnostics.iter().map(diagnostic_json).collect();
    let mut doc = json!({
        "version": 1,
        "diagnostics": diagnostics,
        "summary": {
            "errors": count(report, Severity::Error),
            "warnings": count(report, Severity::Warning),
            "notes": count(report, Severity::Note),
            "files": report.stats.files,
            "redis_calls": report.stats.call_sites,
            "uses_redis": report.stats.units_using_redis > 0,
            "resolution": resolution_json(&report.stats.resolution),
        },
    });
    if !report.suppressed.is_empty() {
        doc["summary"]["suppressed"] = json!(report.suppressed.len());
    }
    if let Some(b) = cx.baseline {
        doc["baseline"] = json!({
            "file": b.file,
            "new": b.new,
            "known": b.known,
            "fixed": b.fixed,
        });
    }
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}

/// One finding per line, the objects of `json`'s `diagnostics`.
pub fn json_lines(cx: &Context<'_>, out: &mut dyn Write) -> io::Result<()> {
    for d in &cx.report.diagnostics {
        serde_json::to_writer(&mut *out, &diagnostic_json(d))?;
        writeln!(out)?;
    }
    Ok(())
}
