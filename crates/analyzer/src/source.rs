//! Source files as read from disk, with a line index for positions
//! (`slotlint_syntax::line_index`).

use std::path::PathBuf;

use slotlint_syntax::line_index::LineIndex;

/// A position range in one file: byte offsets and 1-based line/column (columns count chars).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    pub start: usize,
    pub end: usize,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

/// A file's text and where its lines start.
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// Path on disk.
    pub path: PathBuf,
    /// Path as shown to users: as given on the command line, or relative to the workspace root.
    pub display: String,
    pub text: String,
    /// Built on the first question about lines: most files read are never asked (a crate that
    /// names no redis, a file the analysis does not need).
    lines: std::sync::OnceLock<LineIndex>,
}

impl SourceFile {
    pub fn new(path: PathBuf, display: String, text: String) -> SourceFile {
        SourceFile {
            path,
            display,
            text,
            lines: std::sync::OnceLock::new(),
        }
    }

    fn lines(&self) -> &LineIndex {
        self.lines.get_or_init(|| LineIndex::new(&self.text))
    }

    /// Byte offsets where each line starts (line 1 at index 0).
    pub fn line_starts(&self) -> &[usize] {
        self.lines().starts()
    }

    /// 0-based line index of a byte offset.
    pub fn line_index(&self, offset: usize) -> usize {
        self.lines().line_of(offset)
    }

    /// 1-based (line, column in chars) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        self.lines().line_col(&self.text, offset)
    }

    /// A span from byte offsets.
    pub fn span(&self, start: usize, end: usize) -> Span {
        let (line, column) = self.line_col(start);
        let (end_line, end_column) = self.line_col(end);
        Span {
            start,
            end,
            line,
            column,
            end_line,
            end_column,
        }
    }

    /// The text of line `line` (1-based), without its newline.
    pub fn line_text(&self, line: usize) -> &str {
        self.text[self.lines().line_range(&self.text, line)].trim_end_matches(['\n', '\r'])
    }
}
