//! Rendering a report: rustc-like code frames (miette), one-line `short`, stable JSON and JSON
//! lines, SARIF ([`crate::sarif`]) and GitHub Actions workflow commands.

use std::fmt;
use std::io::{self, IsTerminal, Write};

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteSpanContents, SourceCode,
    SourceSpan, SpanContents,
};
use serde_json::json;
use slotlint_analyzer::{Diagnostic, Report, Severity, SourceFile};

use crate::baseline::Outcome;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Code frames with labels on each key (the default).
    Human,
    /// One object: `{"version":1,"diagnostics":[…],"summary":{…}}`.
    Json,
    /// One JSON object per finding and line, as in `json`'s `diagnostics`.
    JsonLines,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
    Sarif,
    /// GitHub Actions workflow commands (`::error file=…::…`): annotations on the pull request.
    Github,
    /// One line per finding: `file:line:col: severity[code] rule: message`.
    Short,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    /// Colors for `auto` only on a terminal, and never with `NO_COLOR` set.
    pub fn enabled(self) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                    && io::stdout().is_terminal()
            }
        }
    }
}

/// A source with a line index: miette's default lookup scans from the start of the file for
/// every span, which is quadratic over a large file.
struct IndexedSource<'a> {
    file: &'a SourceFile,
}

impl SourceCode for IndexedSource<'_> {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, miette::MietteError> {
        let text = &self.file.text;
        let starts = self.file.line_starts();
        let start = span.offset().min(text.len());
        let end = (span.offset() + span.len()).min(text.len());
        let first_line = self.file.line_index(start).saturating_sub(before);
        let last_line = (self
            .file
            .line_index(end.saturating_sub(usize::from(!span.is_empty())).max(start))
            + after)
            .min(starts.len() - 1);
        let from = starts[first_line];
        let to = starts.get(last_line + 1).copied().unwrap_or(text.len());
        let to = if to > from && text.as_bytes()[to - 1] == b'\n' {
            to - 1
        } else {
            to
        };
        let to = if to > from && text.as_bytes()[to - 1] == b'\r' {
            to - 1
        } else {
            to
        };
        Ok(Box::new(MietteSpanContents::new_named(
            self.file.display.clone(),
            &text.as_bytes()[from..to],
            SourceSpan::new(from.into(), to - from),
            first_line,
            0,
            last_line - first_line + 1,
        )))
    }
}

/// One finding as a miette diagnostic.
struct Rendered<'a> {
    d: &'a Diagnostic,
    source: Option<IndexedSource<'a>>,
    help: Option<String>,
}

impl fmt::Debug for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.d.message)
    }
}

impl fmt::Display for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.d.message)
    }
}

impl std::error::Error for Rendered<'_> {}

impl miette::Diagnostic for Rendered<'_> {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(format!("{}({})", self.d.rule, self.d.code)))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.d.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Note => miette::Severity::Advice,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_ref().map(|s| s as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.source.as_ref()?;
        let focus = self.d.focus;
        let primary = LabeledSpan::new_primary_with_span(
            Some(self.d.primary_label.clone()),
            SourceSpan::new(focus.start.into(), focus.end - focus.start),
        );
        let others = self
            .d
            .labels
            .iter()
            .filter(move |l| l.span != focus)
            .map(|l| {
                LabeledSpan::new_with_span(
                    Some(l.message.clone()),
                    SourceSpan::new(l.span.start.into(), l.span.end - l.span.start),
                )
            });
        Some(Box::new(std::iter::once(primary).chain(others)))
    }
}

fn help_text(d: &Diagnostic) -> Option<String> {
    let mut parts: Vec<String> = Vec::new();
    if let Some(h) = &d.help {
        parts.push(h.clone());
    }
    for n in &d.notes {
        parts.push(format!("note: {n}"));
    }
    (!parts.is_empty()).then(|| parts.join("\n"))
}

/// What a renderer needs besides the report.
pub struct Context<'a> {
    /// Findings after configuration and baseline; suppressed ones in `report.suppressed`.
    pub report: &'a Report,
    pub color: bool,
    /// Print the number of findings per rule (on stderr for the machine-readable formats).
    pub statistics: bool,
    pub baseline: Option<&'a Outcome>,
}

pub fn render(format: Format, cx: &Context<'_>) -> io::Result<()> {
    let stdout = io::stdout();
    let mut out = stdout.lock();
    match format {
        Format::Human => human(cx, &mut out)?,
        Format::Short => short(cx, &mut out)?,
        Format::Github => github(cx, &mut out)?,
        Format::Json => json(cx, &mut out)?,
        Format::JsonLines => json_lines(cx, &mut out)?,
        Format::Sarif => {
            let doc = crate::sarif::log(cx.report);
            serde_json::to_writer_pretty(&mut out, &doc)?;
            writeln!(out)?;
        }
    }
    out.flush()?;
    if cx.statistics && matches!(format, Format::Json | Format::JsonLines | Format::Sarif) {
        // Keep stdout one document.
        statistics(cx.report, &mut io::stderr().lock())?;
    }
    Ok(())
}

fn count(report: &Report, s: Severity) -> usize {
    report
        .diagnostics
        .iter()
        .filter(|d| d.severity == s)
        .count()
}

/// `  N  CODE   rule` per rule, most frequent first.
fn statistics(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let mut per_rule: std::collections::BTreeMap<(&str, &str), usize> =
        std::collections::BTreeMap::new();
    for d in &report.diagnostics {
        *per_rule.entry((d.code, d.rule)).or_default() += 1;
    }
    for ((code, rule), c) in per_rule {
        writeln!(out, "{c:>5}  {code:<6} {rule}")?;
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
    let report = cx.report;
    if cx.statistics {
        statistics(report, out)?;
    }
    let (e, w, n) = (
        count(report, Severity::Error),
        count(report, Severity::Warning),
        count(report, Severity::Note),
    );
    let s = &report.stats;
    if s.units_using_redis == 0 {
        writeln!(
            out,
            "slotlint: no use of the redis crate found in {} files ({} crates); nothing to check",
            s.files, s.units
        )?;
    } else {
        let suppressed = match report.suppressed.len() {
            0 => String::new(),
            k => format!(", {k} suppressed"),
        };
        let not_understood = match s.resolution.not_understood {
            0 => String::new(),
            k => format!(", {k} not understood"),
        };
        writeln!(
            out,
            "slotlint: {e} {}, {w} {}, {n} {} in {} {} ({} redis calls{not_understood}{suppressed})",
            plural(e, "error"),
            plural(w, "warning"),
            plural(n, "note"),
            s.files,
            plural(s.files, "file"),
            s.call_sites
        )?;
    }
    if let Some(b) = cx.baseline {
        writeln!(
            out,
            "slotlint: baseline {}: {} new, {} known, {} fixed",
            b.file, b.new, b.known, b.fixed
        )?;
    }
    Ok(())
}

fn human(cx: &Context<'_>, out: &mut dyn Write) -> io::Result<()> {
    let report = cx.report;
    let theme = if cx.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(110)
        .with_context_lines(1);
    for d in &report.diagnostics {
        let source = report.source(&d.file).map(|file| IndexedSource { file });
        let location = format!("{}:{}:{}", d.file, d.span.line, d.span.column);
        let rendered = Rendered {
            d,
            source,
            help: help_text(d),
        };
        let mut text = String::new();
        if handler.render_report(&mut text, &rendered).is_err() {
            text = format!("{}: {} [{}]\n", d.severity, d.message, d.code);
        }
        if rendered.source.is_none() {
            writeln!(out, "{location}")?;
        }
        writeln!(out, "{text}")?;
    }
    summary(cx, out)
}

fn short(cx: &Context<'_>, out: &mut dyn Write) -> io::Result<()> {
    for d in &cx.report.diagnostics {
        let severity = if cx.color {
            let code = match d.severity {
                Severity::Error => "1;31",
                Severity::Warning => "1;33",
                Severity::Note => "1;36",
            };
            format!("\x1b[{code}m{}\x1b[0m", d.severity)
        } else {
            d.severity.to_string()
        };
        writeln!(
            out,
            "{}:{}:{}: {severity}[{}] {}: {}",
            d.file, d.span.line, d.span.column, d.code, d.rule, d.message
        )?;
    }
    summary(cx, out)
}

/// GitHub's escaping of a workflow command's message.
fn github_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// GitHub's escaping of a workflow command's property values.
fn github_property(s: &str) -> String {
    github_data(s).replace(':', "%3A").replace(',', "%2C")
}

fn github(cx: &Context<'_>, out: &mut dyn Write) -> io::Result<()> {
    for d in &cx.report.diagnostics {
        let command = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "notice",
        };
        let mut message = d.message.clone();
        if let Some(h) = &d.help {
            message.push_str("\nhelp: ");
            message.push_str(h);
        }
        writeln!(
            out,
            "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}",
            github_property(&d.file),
            d.span.line,
            d.span.column,
            d.span.end_line,
            d.span.end_column,
            github_property(&format!("{} ({})", d.rule, d.code)),
            github_data(&message)
        )?;
    }
    if cx.statistics {
        statistics(cx.report, out)?;
    }
    Ok(())
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        word.to_owned()
    } else {
        format!("{word}s")
    }
}

/// One finding in the documented JSON shape.
fn diagnostic_json(d: &Diagnostic) -> serde_json::Value {
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
    serde_json::Value::Object(doc)
}

/// The documented, stable JSON shape (`version` 1). `summary.suppressed` appears when findings
/// were suppressed, `baseline` with `--baseline`.
fn json(cx: &Context<'_>, out: &mut dyn Write) -> io::Result<()> {
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

fn json_lines(cx: &Context<'_>, out: &mut dyn Write) -> io::Result<()> {
    for d in &cx.report.diagnostics {
        serde_json::to_writer(&mut *out, &diagnostic_json(d))?;
        writeln!(out)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_escaping() {
        assert_eq!(github_data("50%\r\nnext"), "50%25%0D%0Anext");
        assert_eq!(github_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
    }
}
