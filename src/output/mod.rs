//! Rendering a report: one file per face. `human` (rustc's shape, fitted to the terminal),
//! `short` and `github` (one line per finding), `json` and `json-lines` (the documented JSON),
//! SARIF ([`crate::sarif`]) and cargo's JSON message stream for editors ([`message_format`]).
//! The closing lines (summary, statistics) are here.

pub mod human;
pub mod json;
pub mod message_format;
pub mod short;
pub mod wrap;

use std::io::{self, Write};
use std::path::Path;

use slotlint_analyzer::workspace::Unit;
use slotlint_analyzer::{Report, Severity};

use crate::baseline::Outcome;
use crate::fixable::{fixable, Fixes};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Code frames in rustc's shape, with labels on each key (the default).
    Human,
    /// One object: `{"version":1,"diagnostics":[…],"summary":{…}}`.
    Json,
    /// One JSON object per finding and line, as in `json`'s `diagnostics`.
    JsonLines,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
    Sarif,
    /// GitHub Actions workflow commands (`::error file=…::…`): annotations on the pull request.
    Github,
    /// One line per finding, as rustc's short format: `path:line:col: error[SL101]: message`.
    Short,
}

/// What is printed: a `--format`, or cargo's message stream (`--message-format=json…`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Output {
    Format(Format),
    CargoJson(message_format::Rendering),
}

impl Output {
    /// `--message-format` as cargo spells it: `human`, `short`, `json`,
    /// `json-diagnostic-short`, `json-diagnostic-rendered-ansi`, or a comma-separated list.
    pub fn parse_message_format(value: &str) -> Result<Output, String> {
        let mut json = false;
        let mut rendering = message_format::Rendering::default();
        let mut plain = None;
        for word in value.split(',').map(str::trim) {
            match word {
                "human" => plain = Some(Format::Human),
                "short" => plain = Some(Format::Short),
                "json" => json = true,
                "json-diagnostic-short" => {
                    json = true;
                    rendering.short = true;
                }
                "json-diagnostic-rendered-ansi" => {
                    json = true;
                    rendering.ansi = true;
                }
                other => {
                    return Err(format!(
                        "`--message-format {other}` is not one of human, short, json, json-diagnostic-short, json-diagnostic-rendered-ansi"
                    ))
                }
            }
        }
        match (json, plain) {
            (true, Some(_)) => Err(format!(
                "`--message-format {value}`: human and short cannot be combined with json"
            )),
            (true, None) => Ok(Output::CargoJson(rendering)),
            (false, Some(f)) => Ok(Output::Format(f)),
            (false, None) => Err("`--message-format` needs a value".into()),
        }
    }

    /// Whether rendering it needs the fix planner's result.
    pub fn wants_fixes(self) -> bool {
        matches!(
            self,
            Output::Format(Format::Human | Format::Sarif) | Output::CargoJson(_)
        )
    }
}

/// What a renderer needs besides the report.
pub struct Context<'a> {
    /// Findings after configuration and baseline; suppressed ones in `report.suppressed`.
    pub report: &'a Report,
    pub color: bool,
    /// Columns of the terminal (human output).
    pub width: usize,
    /// Print the number of findings per rule (on stderr for the machine-readable formats).
    pub statistics: bool,
    /// `-q`: findings only, no closing lines.
    pub quiet: bool,
    pub baseline: Option<&'a Outcome>,
    /// The fixes of the report's findings (empty when the format does not show them).
    pub fixes: &'a Fixes,
    /// Every printed path is relative to this folder.
    pub path_base: &'a Path,
    /// The packages checked (for cargo's message stream).
    pub units: &'a [Unit],
    /// SARIF: keep suppressed findings, marked as suppressed.
    pub sarif_include_suppressed: bool,
    /// The failing severity (for `build-finished`).
    pub fail_at: Severity,
    /// `--with-cargo-check`/`--with-clippy` succeeded (or did not run).
    pub others_succeeded: bool,
}

pub fn render(output: Output, cx: &Context<'_>) -> io::Result<()> {
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let machine = match output {
        Output::Format(Format::Human) => {
            human_report(cx, &mut out)?;
            false
        }
        Output::Format(Format::Short) => {
            short::short(cx, &mut out)?;
            false
        }
        Output::Format(Format::Github) => {
            short::github(cx, &mut out)?;
            false
        }
        Output::Format(Format::Json) => {
            json::json(cx, &mut out)?;
            true
        }
        Output::Format(Format::JsonLines) => {
            json::json_lines(cx, &mut out)?;
            true
        }
        Output::Format(Format::Sarif) => {
            let doc = crate::sarif::log(cx);
            serde_json::to_writer_pretty(&mut out, &doc)?;
            writeln!(out)?;
            true
        }
        Output::CargoJson(rendering) => {
            message_format::stream(cx, rendering, &mut out)?;
            true
        }
    };
    out.flush()?;
    if cx.statistics && machine {
        // Keep stdout one document.
        statistics(cx.report, &mut io::stderr().lock())?;
    }
    Ok(())
}

pub fn count(report: &Report, s: Severity) -> usize {
    report
        .diagnostics
        .iter()
        .filter(|d| d.severity == s)
        .count()
}

/// `N word` with the word in the plural unless N is 1.
pub fn counted(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// The findings per rule, most frequent first, with whether `cargo slotlint fix` fixes them.
pub fn statistics(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let mut per_rule: std::collections::BTreeMap<(&str, &str), usize> =
        std::collections::BTreeMap::new();
    for d in &report.diagnostics {
        *per_rule.entry((d.code, d.rule)).or_default() += 1;
    }
    let mut rows: Vec<((&str, &str), usize)> = per_rule.into_iter().collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    writeln!(out, "{:>5}  {:<6} {:<7} rule", "count", "code", "fixable")?;
    for ((code, rule), c) in rows {
        let fix = if fixable(rule) { "yes" } else { "no" };
        writeln!(out, "{c:>5}  {code:<6} {fix:<7} {rule}")?;
    }
    resolution(&report.stats.resolution, out)
}

/// How far keys were followed: per kind of call site, all / some / no keys resolved, and why
/// keys were not.
fn resolution(r: &slotlint_analyzer::Resolution, out: &mut dyn Write) -> io::Result<()> {
    if r.by_kind.is_empty() && r.not_understood == 0 {
        return Ok(());
    }
    writeln!(out, "keys followed, per call site:  all  some  none")?;
    for (kind, [all, some, none]) in &r.by_kind {
        writeln!(out, "  {kind:<27} {all:>4}  {some:>4}  {none:>4}")?;
    }
    let [all, some, none] = r.multi_key;
    writeln!(
        out,
        "  {:<27} {all:>4}  {some:>4}  {none:>4}",
        "(with several keys)"
    )?;
    let mut reasons: Vec<(&String, &usize)> = r.reasons.iter().collect();
    reasons.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    for (why, n) in reasons {
        writeln!(out, "  unresolved keys: {n:>4} {why}")?;
    }
    if r.not_understood > 0 {
        writeln!(out, "  redis calls not understood: {}", r.not_understood)?;
    }
    Ok(())
}

/// The closing lines of the human and short formats.
fn summary(cx: &Context<'_>, out: &mut dyn Write) -> io::Result<()> {
    if cx.statistics {
        statistics(cx.report, out)?;
    }
    if cx.quiet {
        return Ok(());
    }
    for line in summary_lines(cx) {
        writeln!(out, "{line}")?;
    }
    Ok(())
}

/// The summary, and the baseline's counts.
fn summary_lines(cx: &Context<'_>) -> Vec<String> {
    let report = cx.report;
    let mut lines = Vec::new();
    let (e, w, n) = (
        count(report, Severity::Error),
        count(report, Severity::Warning),
        count(report, Severity::Note),
    );
    let s = &report.stats;
    if s.units_using_redis == 0 {
        lines.push(format!(
            "slotlint: no use of the redis crate found in {} ({}); nothing to check",
            counted(s.files, "file"),
            counted(s.units, "crate")
        ));
    } else {
        let suppressed = match report.suppressed.len() {
            0 => String::new(),
            k => format!(", {k} suppressed"),
        };
        let not_understood = match s.resolution.not_understood {
            0 => String::new(),
            k => format!(", {k} not understood"),
        };
        lines.push(format!(
            "slotlint: {}, {}, {} in {} ({}{not_understood}{suppressed})",
            counted(e, "error"),
            counted(w, "warning"),
            counted(n, "note"),
            counted(s.files, "file"),
            counted(s.call_sites, "redis call"),
        ));
    }
    if let Some(b) = cx.baseline {
        lines.push(format!(
            "slotlint: baseline {}: {} new, {} known, {} fixed",
            crate::paths::printable(&b.file),
            b.new,
            b.known,
            b.fixed
        ));
    }
    lines
}

/// `N fixable with `cargo slotlint fix` (M more with `--unsafe`)`, or nothing.
fn fixable_line(safe: usize, unsafe_: usize) -> Option<String> {
    match (safe, unsafe_) {
        (0, 0) => None,
        (s, 0) => Some(format!("slotlint: {s} fixable with `cargo slotlint fix`")),
        (0, u) => Some(format!(
            "slotlint: {u} fixable with `cargo slotlint fix --unsafe`"
        )),
        (s, u) => Some(format!(
            "slotlint: {s} fixable with `cargo slotlint fix` ({u} more with `--unsafe`)"
        )),
    }
}

fn human_report(cx: &Context<'_>, out: &mut dyn Write) -> io::Result<()> {
    let report = cx.report;
    let style = human::Style {
        width: cx.width,
        color: cx.color,
        short: false,
    };
    for d in &report.diagnostics {
        let text = human::render(d, report.source(&d.file), cx.fixes.applicability(d), style);
        writeln!(out, "{}", text.trim_end())?;
        writeln!(out)?;
    }
    if cx.statistics {
        statistics(report, out)?;
    }
    if cx.quiet {
        return Ok(());
    }
    let mut lines = summary_lines(cx);
    let (safe, unsafe_) = cx.fixes.counts(&report.diagnostics);
    lines.extend(fixable_line(safe, unsafe_));
    if let Some(d) = report.diagnostics.first() {
        lines.push(format!(
            "For more information about a rule, try `cargo slotlint explain {}`.",
            d.code
        ));
    }
    // Fitted to the terminal like the findings, continuation lines under the text.
    for line in lines {
        let indent = if line.starts_with("slotlint: ") {
            10
        } else {
            4
        };
        let room = cx.width.saturating_sub(indent).max(20);
        let wrapped = wrap::wrap(&line, cx.width.max(20), room);
        for (i, part) in wrapped.lines().enumerate() {
            if i == 0 {
                writeln!(out, "{part}")?;
            } else {
                writeln!(out, "{:indent$}{part}", "")?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grammar() {
        assert_eq!(counted(1, "redis call"), "1 redis call");
        assert_eq!(counted(0, "file"), "0 files");
        assert_eq!(counted(2, "file"), "2 files");
        assert_eq!(fixable_line(0, 0), None);
        assert_eq!(
            fixable_line(2, 3).unwrap(),
            "slotlint: 2 fixable with `cargo slotlint fix` (3 more with `--unsafe`)"
        );
        assert_eq!(
            fixable_line(0, 1).unwrap(),
            "slotlint: 1 fixable with `cargo slotlint fix --unsafe`"
        );
    }

    #[test]
    fn message_formats_as_cargo_spells_them() {
        assert_eq!(
            Output::parse_message_format("json").unwrap(),
            Output::CargoJson(message_format::Rendering::default())
        );
        assert_eq!(
            Output::parse_message_format("json-diagnostic-rendered-ansi").unwrap(),
            Output::CargoJson(message_format::Rendering {
                ansi: true,
                short: false
            })
        );
        assert_eq!(
            Output::parse_message_format("short").unwrap(),
            Output::Format(Format::Short)
        );
        assert!(Output::parse_message_format("json,human").is_err());
        assert!(Output::parse_message_format("xml").is_err());
    }
}
