//! One line per finding: `short` in rustc's shape, and GitHub Actions workflow commands.

use std::io::{self, Write};

use slotlint_analyzer::{Diagnostic, Severity};

use super::{statistics, summary, Context};
use crate::paths::printable;

/// `path:line:col: error[SL101]: message`, as `rustc --error-format=short` prints.
pub fn short_line(d: &Diagnostic, color: bool) -> String {
    let severity = if color {
        let code = match d.severity {
            Severity::Error => "1;31",
            Severity::Warning => "1;33",
            Severity::Note => "1;36",
        };
        format!("\x1b[{code}m{}\x1b[0m", d.severity)
    } else {
        d.severity.to_string()
    };
    format!(
        "{}:{}:{}: {severity}[{}]: {}",
        printable(&d.file),
        d.span.line,
        d.span.column,
        d.code,
        printable(&d.message)
    )
}

/// Every finding as a [`short_line`], then the summary.
pub fn short(cx: &Context<'_>, out: &mut dyn Write) -> io::Result<()> {
    for d in &cx.report.diagnostics {
        writeln!(out, "{}", short_line(d, cx.color))?;
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

/// `::error file=…,line=…::message`: annotations on the pull request.
pub fn github(cx: &Context<'_>, out: &mut dyn Write) -> io::Result<()> {
    for d in &cx.report.diagnostics {
        let command = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "notice",
        };
        let mut message = printable(&d.message).into_owned();
        if let Some(h) = &d.help {
            message.push_str("\nhelp: ");
            message.push_str(&printable(h));
        }
        writeln!(
            out,
            "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}",
            github_property(&printable(&d.file)),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_escaping() {
        assert_eq!(github_data("50%\r\nnext"), "50%25%0D%0Anext");
        assert_eq!(github_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
    }
}
