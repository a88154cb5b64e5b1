//! Rendering a report: rustc-like code frames (miette) and stable JSON.

use std::fmt;
use std::io::{self, IsTerminal, Write};

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteSpanContents, SourceCode,
    SourceSpan, SpanContents,
};
use serde_json::json;
use slotlint_analyzer::{Diagnostic, Report, Severity, SourceFile};

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

pub fn human(report: &Report, color: bool, statistics: bool) -> io::Result<()> {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(110)
        .with_context_lines(1);
    let stdout = io::stdout();
    let mut out = stdout.lock();
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
    let count = |s: Severity| {
        report
            .diagnostics
            .iter()
            .filter(|d| d.severity == s)
            .count()
    };
    let (e, w, n) = (
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Note),
    );
    if statistics {
        let mut per_rule: std::collections::BTreeMap<(&str, &str), usize> =
            std::collections::BTreeMap::new();
        for d in &report.diagnostics {
            *per_rule.entry((d.code, d.rule)).or_default() += 1;
        }
        for ((code, rule), c) in per_rule {
            writeln!(out, "{c:>5}  {code:<6} {rule}")?;
        }
    }
    let s = &report.stats;
    if s.units_using_redis == 0 {
        writeln!(
            out,
            "slotlint: no use of the redis crate found in {} files ({} crates); nothing to check",
            s.files, s.units
        )?;
    } else {
        writeln!(
            out,
            "slotlint: {e} {}, {w} {}, {n} {} in {} {} ({} redis calls)",
            plural(e, "error"),
            plural(w, "warning"),
            plural(n, "note"),
            s.files,
            plural(s.files, "file"),
            s.call_sites
        )?;
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

/// The documented, stable JSON shape (`version` 1).
pub fn json(report: &Report) -> io::Result<()> {
    let diagnostics: Vec<serde_json::Value> = report
        .diagnostics
        .iter()
        .map(|d| {
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
        })
        .collect();
    let count = |s: Severity| {
        report
            .diagnostics
            .iter()
            .filter(|d| d.severity == s)
            .count()
    };
    let doc = json!({
        "version": 1,
        "diagnostics": diagnostics,
        "summary": {
            "errors": count(Severity::Error),
            "warnings": count(Severity::Warning),
            "notes": count(Severity::Note),
            "files": report.stats.files,
            "redis_calls": report.stats.call_sites,
            "uses_redis": report.stats.units_using_redis > 0,
        },
    });
    let stdout = io::stdout();
    let mut out = stdout.lock();
    serde_json::to_writer_pretty(&mut out, &doc)?;
    writeln!(out)
}
