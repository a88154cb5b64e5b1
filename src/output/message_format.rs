//! `--message-format=json`: cargo's JSON message stream, one object per line, as `cargo check
//! --message-format=json` prints it:
//!
//! ```text
//! {"reason":"compiler-message","package_id":…,"manifest_path":…,"target":{…},"message":{rustc diagnostic}}
//! …
//! {"reason":"build-finished","success":false}
//! ```
//!
//! That is what rust-analyzer's `check.overrideCommand` and bacon's `cargo_json` analyzer read,
//! so findings show inline in editors. The diagnostic has rustc's shape: `message`, `code`,
//! `level`, `spans` (1-based lines and character columns, `is_primary`, `label`, the lines'
//! `text`), `children` (help, notes, and the fix as a suggestion an editor offers as a quick fix)
//! and `rendered` (the human output of the finding). File names are absolute, so that a reader
//! resolves them whatever folder it runs in.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use slotlint_analyzer::workspace::Unit;
use slotlint_analyzer::{Diagnostic, SourceFile, Span};
use slotlint_fix::Applicability;

use super::{human, Context};
use crate::paths::printable;

/// How `rendered` is written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Rendering {
    /// `json-diagnostic-rendered-ansi`: with colors.
    pub ansi: bool,
    /// `json-diagnostic-short`: the one-line form.
    pub short: bool,
}

/// A cargo package as the message stream names it.
struct Package {
    id: String,
    manifest_path: PathBuf,
    root: PathBuf,
    name: String,
    edition: String,
}

fn manifest_value(manifest: &Path) -> Option<toml::Table> {
    std::fs::read_to_string(manifest).ok()?.parse().ok()
}

/// `package.KEY`, or the workspace's `workspace.package.KEY` when it is inherited.
fn package_field(manifest: &toml::Table, key: &str, workspace_root: &Path) -> Option<String> {
    let value = manifest.get("package")?.get(key)?;
    if let Some(s) = value.as_str() {
        return Some(s.to_owned());
    }
    if value.get("workspace").and_then(|w| w.as_bool()) == Some(true) {
        for dir in workspace_root.ancestors() {
            if let Some(ws) = manifest_value(&dir.join("Cargo.toml")) {
                if let Some(v) = ws
                    .get("workspace")
                    .and_then(|w| w.get("package"))
                    .and_then(|p| p.get(key))
                    .and_then(|v| v.as_str())
                {
                    return Some(v.to_owned());
                }
            }
        }
    }
    None
}

fn package_of(unit: &Unit) -> Package {
    let manifest_path = unit
        .manifest
        .clone()
        .unwrap_or_else(|| unit.root.join("Cargo.toml"));
    let manifest = manifest_value(&manifest_path).unwrap_or_default();
    let version = package_field(&manifest, "version", &unit.root).unwrap_or_else(|| "0.0.0".into());
    let edition = package_field(&manifest, "edition", &unit.root).unwrap_or_else(|| "2015".into());
    let name = manifest
        .get("package")
        .and_then(|p| p.get("name"))
        .and_then(|n| n.as_str())
        .map(str::to_owned)
        .unwrap_or_else(|| {
            unit.root
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "slotlint-files".into())
        });
    // cargo's spelling: the name is left out when the folder has the package's name.
    let folder_is_name = unit.root.file_name().is_some_and(|f| f == name.as_str());
    let id = if folder_is_name {
        format!("path+file://{}#{version}", unit.root.display())
    } else {
        format!("path+file://{}#{name}@{version}", unit.root.display())
    };
    Package {
        id,
        manifest_path,
        root: unit.root.clone(),
        name,
        edition,
    }
}

/// The cargo target a file of `package` belongs to (`lib`, a `bin`, a test, an example…).
fn target_of(package: &Package, file: &Path) -> Value {
    let rel = file.strip_prefix(&package.root).unwrap_or(file);
    let mut parts = rel.iter().map(|p| p.to_string_lossy().into_owned());
    let first = parts.next().unwrap_or_default();
    let second = parts.next();
    let stem = |s: &str| s.trim_end_matches(".rs").to_owned();
    let (kind, name, src) = match (first.as_str(), second.as_deref()) {
        ("tests" | "examples" | "benches", Some(f)) => {
            let kind = match first.as_str() {
                "tests" => "test",
                "examples" => "example",
                _ => "bench",
            };
            (kind, stem(f), package.root.join(&first).join(f))
        }
        ("src", Some("bin")) => {
            let f = parts.next().unwrap_or_default();
            ("bin", stem(&f), package.root.join("src/bin").join(&f))
        }
        _ if package.root.join("src/lib.rs").is_file()
            || !package.root.join("src/main.rs").is_file() =>
        {
            (
                "lib",
                package.name.replace('-', "_"),
                package.root.join("src/lib.rs"),
            )
        }
        _ => (
            "bin",
            package.name.clone(),
            package.root.join("src/main.rs"),
        ),
    };
    let crate_type = if kind == "lib" { "lib" } else { "bin" };
    json!({
        "kind": [kind],
        "crate_types": [crate_type],
        "name": name,
        "src_path": src,
        "edition": package.edition,
        "doc": kind == "lib" || kind == "bin",
        "doctest": kind == "lib",
        "test": true,
    })
}

/// A rustc span: absolute file, byte range, 1-based lines and character columns, and the text
/// of its lines with the highlighted columns.
fn span_json(
    file: &Path,
    source: Option<&SourceFile>,
    span: &Span,
    primary: bool,
    label: Option<&str>,
) -> Value {
    let (line, column) = (span.line.max(1), span.column.max(1));
    let (end_line, end_column) = if span.end_line >= line {
        (span.end_line, span.end_column.max(1))
    } else {
        (line, column)
    };
    let text: Vec<Value> = match source {
        Some(s) if span.line > 0 => (line..=end_line)
            .map(|l| {
                let t = s.line_text(l);
                let from = if l == line { column } else { 1 };
                let to = if l == end_line {
                    end_column
                } else {
                    t.chars().count() + 1
                };
                json!({ "text": t, "highlight_start": from, "highlight_end": to })
            })
            .collect(),
        _ => Vec::new(),
    };
    json!({
        "file_name": file,
        "byte_start": span.start,
        "byte_end": span.end.max(span.start),
        "line_start": line,
        "line_end": end_line,
        "column_start": column,
        "column_end": end_column,
        "is_primary": primary,
        "text": text,
        "label": label,
        "suggested_replacement": null,
        "suggestion_applicability": null,
        "expansion": null,
    })
}

fn child(level: &str, message: &str, spans: Vec<Value>) -> Value {
    json!({
        "$message_type": "diagnostic",
        "message": message,
        "code": null,
        "level": level,
        "spans": spans,
        "children": [],
        "rendered": null,
    })
}

/// The rustc diagnostic of one finding.
fn diagnostic(cx: &Context<'_>, d: &Diagnostic, rendering: Rendering) -> Value {
    let base = cx.path_base;
    let file = base.join(&d.file);
    let source = cx.report.source(&d.file);
    let mut spans = vec![span_json(
        &file,
        source,
        if d.span.line > 0 { &d.focus } else { &d.span },
        true,
        Some(&d.primary_label)
            .filter(|l| !l.is_empty())
            .map(|s| s.as_str()),
    )];
    for l in d
        .labels
        .iter()
        .filter(|l| l.span != d.focus && d.span.line > 0)
    {
        spans.push(span_json(&file, source, &l.span, false, Some(&l.message)));
    }
    let mut children = Vec::new();
    if let Some(h) = &d.help {
        children.push(child("help", h, Vec::new()));
    }
    for n in &d.notes {
        children.push(child("note", n, Vec::new()));
    }
    if let Some(fix) = cx.fixes.suggested(d) {
        let applicability = match fix.applicability {
            Applicability::Safe => "MachineApplicable",
            Applicability::Unsafe => "MaybeIncorrect",
        };
        let spans: Vec<Value> = fix
            .edits
            .iter()
            .map(|e| {
                let mut s = span_json(
                    &base.join(&e.file),
                    cx.report.source(&e.file),
                    &e.span,
                    true,
                    None,
                );
                s["suggested_replacement"] = json!(e.replacement);
                s["suggestion_applicability"] = json!(applicability);
                s
            })
            .collect();
        children.push(child("help", &fix.description, spans));
    }
    let style = human::Style {
        width: cx.width,
        color: rendering.ansi,
        short: rendering.short,
    };
    let rendered = if rendering.short {
        format!("{}\n", super::short::short_line(d, rendering.ansi))
    } else {
        human::render(d, source, cx.fixes.applicability(d), style)
    };
    json!({
        "$message_type": "diagnostic",
        "message": printable(&d.message),
        "code": { "code": d.code, "explanation": null },
        "level": d.severity.as_str(),
        "spans": spans,
        "children": children,
        "rendered": rendered,
    })
}

/// The message stream: one `compiler-message` per finding, then `build-finished`.
pub fn stream(cx: &Context<'_>, rendering: Rendering, out: &mut dyn Write) -> io::Result<()> {
    let packages: Vec<Package> = cx.units.iter().map(package_of).collect();
    for d in &cx.report.diagnostics {
        let file = cx.path_base.join(&d.file);
        // The package whose folder holds the file (the deepest, for nested packages).
        let package = packages
            .iter()
            .filter(|p| file.starts_with(&p.root))
            .max_by_key(|p| p.root.components().count());
        let (id, manifest, target) = match package {
            Some(p) => (p.id.clone(), p.manifest_path.clone(), target_of(p, &file)),
            None => {
                let dir = file.parent().unwrap_or(cx.path_base).to_path_buf();
                let loose = Package {
                    id: format!("path+file://{}#slotlint-files@0.0.0", dir.display()),
                    manifest_path: dir.join("Cargo.toml"),
                    root: dir,
                    name: "slotlint-files".into(),
                    edition: "2021".into(),
                };
                let target = target_of(&loose, &file);
                (loose.id, loose.manifest_path, target)
            }
        };
        let message = json!({
            "reason": "compiler-message",
            "package_id": id,
            "manifest_path": manifest,
            "target": target,
            "message": diagnostic(cx, d, rendering),
        });
        serde_json::to_writer(&mut *out, &message)?;
        writeln!(out)?;
    }
    let failing = cx
        .report
        .diagnostics
        .iter()
        .any(|d| d.severity >= cx.fail_at);
    let success = cx.others_succeeded && !failing;
    writeln!(
        out,
        "{}",
        json!({ "reason": "build-finished", "success": success })
    )
}
