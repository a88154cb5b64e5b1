//! The human face: one finding in rustc's shape, fitted to the terminal.
//!
//! ```text
//! error[SL101]: `RENAME` keys land in different hash slots: a cluster answers CROSSSLOT
//!  --> src/cross_slot_command.rs:7:9
//!   |
//! 7 |     con.rename(profile_key(user), settings_key(user)).await
//!   |         ^^^^^^ ----------------- ------------------ `user:{user}:settings`
//!   …
//!   = help: put `user:{user}` in a hash tag …
//!   = note: …
//! ```
//!
//! The header is what editors' problem matchers read (`error[CODE]: message`, then
//! `--> path:line:col` at the primary span). Every text from the report is printed with control
//! characters escaped. Lines fit `width`: the title, help and notes wrap at spaces (never inside
//! a `key` or a number), a label that does not fit is shortened to three keys and "… N more" or
//! moved to a note, and long source lines are cut around the span (annotate-snippets, which is
//! also what keeps a finding at column 65,536 and beyond from breaking the renderer).

use std::panic::{catch_unwind, AssertUnwindSafe};

use annotate_snippets::{AnnotationKind, Group, Level, Origin, Renderer, Snippet};
use slotlint_analyzer::{Diagnostic, Severity, SourceFile, Span};
use slotlint_fix::Applicability;

use super::wrap::{shorten_list, width, wrap};
use crate::paths::printable;

/// How a finding is printed.
#[derive(Clone, Copy, Debug)]
pub struct Style {
    /// Terminal width in columns.
    pub width: usize,
    pub color: bool,
    /// `short` shape (`path:line:col: error[CODE]: message`), for `json-diagnostic-short`.
    pub short: bool,
}

/// Narrower terminals get this width: a frame needs some room.
const MIN_WIDTH: usize = 40;

/// A label in the frame, as it will be printed.
struct Mark {
    span: Span,
    primary: bool,
    text: String,
    /// The label as the report has it (escaped), for the note it may move to.
    full: String,
    /// The text is a list shortened to this many items (its full form is in a note).
    shortened: Option<usize>,
    /// The text moved to a note.
    moved: bool,
}

fn level(s: Severity) -> Level<'static> {
    match s {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
        Severity::Note => Level::NOTE,
    }
}

/// The `fix:` line of a finding `cargo slotlint fix` can rewrite.
pub fn fix_line(fix: Applicability) -> &'static str {
    match fix {
        Applicability::Safe => "`cargo slotlint fix` rewrites these keys",
        Applicability::Unsafe => {
            "`cargo slotlint fix --unsafe` rewrites these keys (then move stored keys with `cargo slotlint migrate`)"
        }
    }
}

/// The byte range of `span` in `text`, clamped to the text and to character boundaries.
fn clamp(text: &str, span: &Span) -> (usize, usize) {
    let mut start = span.start.min(text.len());
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = span.end.clamp(start, text.len());
    while !text.is_char_boundary(end) {
        end += 1;
    }
    (start, end)
}

/// Everything the renderer is given for one finding.
struct Parts<'a> {
    d: &'a Diagnostic,
    file: String,
    title: String,
    /// `(level name, text)` after the frame.
    footers: Vec<(&'static str, String)>,
    marks: Vec<Mark>,
    /// The excerpt of the source the marks sit in: text, first line number, offset in the file.
    excerpt: Option<(&'a str, usize, usize)>,
}

impl Parts<'_> {
    /// Columns before the text of a `= help: ` line.
    fn footer_indent(&self, name: &str) -> usize {
        let last_line = self
            .marks
            .iter()
            .map(|m| m.span.end_line)
            .max()
            .unwrap_or(1);
        let digits = (last_line + 1).to_string().len();
        digits + 3 + name.len() + 2
    }

    fn render(&self, style: Style, colored: bool) -> String {
        let d = self.d;
        let head = format!("{}[{}]: ", d.severity, d.code);
        let title_room = style.width.saturating_sub(width(&head)).max(20);
        let title = wrap(&self.title, title_room, title_room);
        let mut group = Group::with_title(level(d.severity).primary_title(title).id(d.code));
        match self.excerpt {
            Some((text, first_line, offset)) => {
                let mut snippet = Snippet::source(text)
                    .line_start(first_line)
                    .path(self.file.as_str())
                    .fold(true);
                for m in &self.marks {
                    let (s, e) = (
                        m.span.start.saturating_sub(offset).min(text.len()),
                        m.span.end.saturating_sub(offset).min(text.len()),
                    );
                    let kind = if m.primary {
                        AnnotationKind::Primary
                    } else {
                        AnnotationKind::Context
                    };
                    let mut a = kind.span(s..e.max(s));
                    if !m.moved {
                        a = a.label(m.text.as_str());
                    }
                    snippet = snippet.annotation(a);
                }
                group = group.element(snippet);
            }
            None => {
                let mut origin = Origin::path(self.file.as_str());
                if d.span.line > 0 {
                    origin = origin.line(d.span.line).char_column(d.span.column.max(1));
                }
                group = group.element(origin);
            }
        }
        // Labels that did not fit come first: they belong to the frame.
        let mut footers: Vec<(&str, String)> = self
            .marks
            .iter()
            .filter(|m| m.moved || m.shortened.is_some())
            .map(|m| {
                (
                    "note",
                    format!("at {}:{}: {}", m.span.line, m.span.column, m.full),
                )
            })
            .collect();
        footers.extend(self.footers.iter().cloned());
        let texts: Vec<(&str, String)> = footers
            .iter()
            .map(|(name, text)| {
                let room = style.width.saturating_sub(self.footer_indent(name)).max(20);
                (*name, wrap(text, room, room))
            })
            .collect();
        for (name, text) in &texts {
            let l = match *name {
                "help" => Level::HELP,
                "note" => Level::NOTE,
                other => Level::HELP.with_name(other),
            };
            group = group.element(l.message(text.as_str()));
        }
        let renderer = if colored {
            Renderer::styled()
        } else {
            Renderer::plain()
        }
        .term_width(style.width)
        .short_message(style.short);
        renderer.render(&[group])
    }
}

fn fits(text: &str, limit: usize) -> bool {
    text.lines().all(|l| width(l) <= limit)
}

/// `line` cut to `limit` visible columns, ending in `...` (ANSI escapes kept, not counted).
fn clip(line: &str, limit: usize) -> String {
    let mut out = String::with_capacity(limit + 16);
    let mut seen = 0;
    let mut styled = false;
    let mut chars = line.chars().peekable();
    let room = limit.saturating_sub(3);
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            // CSI: ESC [ parameters final-byte.
            out.push(c);
            styled = true;
            for e in chars.by_ref() {
                out.push(e);
                if e.is_ascii_alphabetic() {
                    break;
                }
            }
            continue;
        }
        let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if seen + w > room {
            break;
        }
        seen += w;
        out.push(c);
    }
    out.push_str("...");
    if styled {
        out.push_str("\x1b[0m");
    }
    out
}

/// Lines of a rendered frame still wider than `limit` (long source lines whose marks span more
/// than the terminal) cut at the right edge.
fn clip_wide_lines(rendered: &str, plain: &str, limit: usize) -> String {
    if fits(plain, limit) {
        return rendered.to_owned();
    }
    let mut out = String::with_capacity(rendered.len());
    for (line, plain_line) in rendered.lines().zip(plain.lines()) {
        if width(plain_line) > limit {
            out.push_str(&clip(line, limit));
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    out
}

/// One finding in rustc's shape. `source` is its file's text, when the report has it; `fix`
/// marks a finding `cargo slotlint fix` can rewrite.
pub fn render(
    d: &Diagnostic,
    source: Option<&SourceFile>,
    fix: Option<Applicability>,
    style: Style,
) -> String {
    let attempt = catch_unwind(AssertUnwindSafe(|| render_fitted(d, source, fix, style)));
    attempt.unwrap_or_else(|_| {
        // The renderer failed on this input: the header and the position still tell where.
        format!(
            "{}[{}]: {}\n --> {}:{}:{}\n",
            d.severity,
            d.code,
            printable(&d.message),
            printable(&d.file),
            d.span.line,
            d.span.column
        )
    })
}

fn render_fitted(
    d: &Diagnostic,
    source: Option<&SourceFile>,
    fix: Option<Applicability>,
    style: Style,
) -> String {
    let mut footers: Vec<(&'static str, String)> = Vec::new();
    if let Some(h) = &d.help {
        footers.push(("help", printable(h).into_owned()));
    }
    for n in &d.notes {
        footers.push(("note", printable(n).into_owned()));
    }
    if let Some(f) = fix {
        footers.push(("fix", fix_line(f).to_owned()));
    }
    let mut marks = Vec::new();
    let mut excerpt = None;
    if let Some(file) = source.filter(|_| d.span.line > 0) {
        let text = file.text.as_str();
        let mark = |span: Span, primary: bool, label: &str| {
            let text = printable(label).into_owned();
            Mark {
                span,
                primary,
                full: text.clone(),
                text,
                shortened: None,
                moved: false,
            }
        };
        marks.push(mark(d.focus, true, &d.primary_label));
        for l in d.labels.iter().filter(|l| l.span != d.focus) {
            marks.push(mark(l.span, false, &l.message));
        }
        // Only the lines the marks are on (and between): the renderer reads what it is given.
        let (mut lo, mut hi) = (usize::MAX, 0);
        for m in &mut marks {
            let (s, e) = clamp(text, &m.span);
            m.span.start = s;
            m.span.end = e;
            lo = lo.min(s);
            hi = hi.max(e);
        }
        let line = file.line_index(lo);
        let from = file.line_starts()[line];
        let to = text[hi..].find('\n').map_or(text.len(), |i| hi + i);
        let to = if to > from && text.as_bytes()[to - 1] == b'\r' {
            to - 1
        } else {
            to
        };
        excerpt = Some((&text[from..to.max(from)], line + 1, from));
    }
    let mut parts = Parts {
        d,
        file: printable(&d.file).into_owned(),
        title: printable(&d.message).into_owned(),
        footers,
        marks,
        excerpt,
    };
    if style.short {
        return parts.render(style, style.color);
    }
    let style = Style {
        width: style.width.max(MIN_WIDTH),
        ..style
    };
    // Shorten or move the widest labels until the frame fits.
    let mut plain = parts.render(style, false);
    for _ in 0..parts.marks.len() * 4 {
        if fits(&plain, style.width) {
            break;
        }
        let widest = parts
            .marks
            .iter_mut()
            .filter(|m| !m.moved)
            .max_by_key(|m| width(&m.text));
        let Some(m) = widest else { break };
        // A list keeps three keys, then two, then one; other labels move to a note.
        let keep = m.shortened.map_or(3, |k| k - 1);
        match shorten_list(&m.full, keep).filter(|_| keep > 0) {
            Some(short) => {
                m.text = short;
                m.shortened = Some(keep);
            }
            None => {
                m.moved = true;
                m.shortened = None;
            }
        }
        plain = parts.render(style, false);
    }
    let rendered = if style.color {
        parts.render(style, true)
    } else {
        plain.clone()
    };
    clip_wide_lines(&rendered, &plain, style.width)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clipping_keeps_escapes_and_width() {
        let line = "\x1b[1m12 |\x1b[0m     con.rename(profile_key(user), settings_key(user))";
        let clipped = clip(line, 20);
        assert!(clipped.starts_with("\x1b[1m12 |\x1b[0m"));
        assert!(clipped.ends_with("...\x1b[0m"));
        let visible: String = clipped.replace("\x1b[1m", "").replace("\x1b[0m", "");
        assert_eq!(width(&visible), 20);
        assert_eq!(clip("漢字漢字漢字", 7), "漢字...");
    }
}
