//! What `cargo slotlint check --format json` predicts for a fixture app: its findings, read
//! back as [`Diagnostic`]s, with the findings inside a Lua body attributed to the operations that
//! run that body.

use std::path::Path;
use std::process::Command;

use super::apps::{self, Op};

/// One finding of `cargo slotlint check --format json`.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    pub rule: String,
    pub severity: String,
    pub message: String,
    pub file: String,
    pub line: u32,
    pub end_line: u32,
    /// Lines of the operations that run the Lua body this finding lies in (see
    /// [`map_script_bodies`]); empty for every other finding.
    pub script_ops: Vec<u32>,
}

impl Diagnostic {
    pub fn covers(&self, line: u32) -> bool {
        (self.line <= line && line <= self.end_line) || self.script_ops.contains(&line)
    }

    pub fn is(&self, severity: &str) -> bool {
        self.severity == severity
    }

    /// A warning that says redis-rs splits the command per slot.
    pub fn says_split(&self) -> bool {
        self.is("warning") && self.message.to_ascii_lowercase().contains("split")
    }

    pub fn label(&self) -> String {
        let span = if self.end_line == self.line {
            format!("{}", self.line)
        } else {
            format!("{}-{}", self.line, self.end_line)
        };
        let split = if self.says_split() { " (split)" } else { "" };
        let script = match self.script_ops.first() {
            Some(op) => format!(" (script run at {op})"),
            None => String::new(),
        };
        format!("{} {}{split} @{span}{script}", self.severity, self.rule)
    }
}

/// Runs `cargo slotlint check --format json <target>` (a folder relative to the repository
/// root, or absolute) and reads its diagnostics.
pub fn predictions_at(target: &str) -> Result<Vec<Diagnostic>, String> {
    let bin = env!("CARGO_BIN_EXE_cargo-slotlint");
    let output = Command::new(bin)
        .args(["check", "--format", "json", target])
        .current_dir(apps::repo_root())
        .output()
        .map_err(|e| format!("running {bin}: {e}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let shown = || {
        format!("`cargo slotlint check --format json {target}` ({}):\nstdout:\n{stdout}\nstderr:\n{stderr}", output.status)
    };
    if !matches!(output.status.code(), Some(0) | Some(1)) {
        return Err(format!("expected exit 0 or 1 from {}", shown()));
    }
    let json: serde_json::Value =
        serde_json::from_str(&stdout).map_err(|e| format!("{e}: not JSON from {}", shown()))?;
    if json["version"] != 1 {
        return Err(format!("expected \"version\": 1 from {}", shown()));
    }
    let list = json["diagnostics"]
        .as_array()
        .ok_or_else(|| format!("no \"diagnostics\" array from {}", shown()))?;
    let mut diagnostics = Vec::new();
    for d in list {
        let text = |field: &str| d[field].as_str().map(str::to_string);
        let number = |field: &str| d[field].as_u64().map(|n| n as u32);
        let parsed = (|| {
            let line = number("line")?;
            Some(Diagnostic {
                rule: text("rule")?,
                severity: text("severity")?,
                message: text("message")?,
                file: text("file")?.replace('\\', "/"),
                line,
                end_line: number("end_line").unwrap_or(line).max(line),
                script_ops: Vec::new(),
            })
        })();
        diagnostics
            .push(parsed.ok_or_else(|| format!("malformed diagnostic {d} from {}", shown()))?);
    }
    Ok(diagnostics)
}

/// The lines (1-based, first and last) of the string literal of `const <name>` in `source`:
/// `"…"`, `r"…"` or `r#"…"#`, on one line or several.
pub fn const_literal_lines(source: &str, name: &str) -> Option<(u32, u32)> {
    let decl = format!("const {name}:");
    let start = source.find(&decl)?;
    let first_line = source[..start].matches('\n').count() as u32 + 1;
    let after_eq = start + source[start..].find('=')? + 1;
    let rest = &source[after_eq..];
    let open = rest.find('"')?;
    let hashes = rest[..open].trim_start();
    let end = if let Some(hashes) = hashes.strip_prefix('r') {
        let closer = format!("\"{hashes}");
        open + 1 + rest[open + 1..].find(&closer)?
    } else {
        let mut escaped = false;
        open + 1
            + rest[open + 1..].find(|c| {
                let close = c == '"' && !escaped;
                escaped = c == '\\' && !escaped;
                close
            })?
    };
    let last_line = first_line
        + rest[..end].matches('\n').count() as u32
        + source[start..after_eq].matches('\n').count() as u32;
    Some((first_line, last_line))
}

/// For each (operation, name of the `const` holding the Lua body it runs) of `bodies`:
/// attributes the findings of `rule` whose span lies inside that `const`'s string literal (in
/// `main_rs`) to every line at which `ops` ran that operation. No other finding is moved.
pub fn map_script_bodies(
    bodies: &[(&str, &str)],
    rule: &str,
    main_rs: &Path,
    ops: &[Op],
    diagnostics: &mut [Diagnostic],
) {
    for (op, body) in bodies {
        let source = std::fs::read_to_string(main_rs)
            .unwrap_or_else(|e| panic!("{}: {e}", main_rs.display()));
        let (first, last) = const_literal_lines(&source, body).unwrap_or_else(|| {
            panic!(
                "script bodies: no `const {body}` string in {}",
                main_rs.display()
            )
        });
        let mut lines: Vec<u32> = ops
            .iter()
            .filter(|o| o.name == *op)
            .map(|o| o.line)
            .collect();
        lines.dedup();
        assert!(
            !lines.is_empty(),
            "script bodies: {} ran no operation {op}",
            main_rs.display()
        );
        for d in diagnostics.iter_mut() {
            if d.rule == rule && first <= d.line && d.end_line <= last {
                d.script_ops.extend(&lines);
            }
        }
    }
}
