//! Where the lines of a text start, and the 1-based line and column (in characters) of a byte
//! offset: how every position slotlint shows is counted (the analyzer's findings, `fix`'s
//! edits and blockers), so that they agree with each other and with editors.
//!
//! Not here: reading files, or the text itself (callers keep it and pass it back in).

/// The byte offsets where each line of a text starts (line 1 at index 0).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        LineIndex {
            starts: std::iter::once(0)
                .chain(text.match_indices('\n').map(|(i, _)| i + 1))
                .collect(),
        }
    }

    /// Byte offsets where each line starts (line 1 at index 0).
    pub fn starts(&self) -> &[usize] {
        &self.starts
    }

    /// 0-based line of a byte offset.
    pub fn line_of(&self, offset: usize) -> usize {
        match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        }
    }

    /// 1-based line and column (in characters) of a byte offset of `text` (the text the index
    /// was made from); an offset past the end is the end.
    pub fn line_col(&self, text: &str, offset: usize) -> (usize, usize) {
        let offset = offset.min(text.len());
        let line = self.line_of(offset);
        let start = self.starts[line];
        let column = text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count());
        (line + 1, column + 1)
    }

    /// The byte offset of 1-based line `line`, 0-based column `column` (in characters) of
    /// `text`, as proc-macro2's `LineColumn` gives a position: what `Span::byte_range` answers,
    /// found from the line's start (`byte_range` counts characters from the last offset it
    /// converted, a pass over the file for a visit of its tree). `None` past the end.
    pub fn offset_at(&self, text: &str, line: usize, column: usize) -> Option<usize> {
        let start = *self.starts.get(line.checked_sub(1)?)?;
        let rest = text.get(start..)?;
        if rest.len() >= column && rest.as_bytes()[..column].is_ascii() {
            return Some(start + column);
        }
        let mut chars = rest.char_indices().map(|(i, _)| i).chain([rest.len()]);
        chars.nth(column).map(|i| start + i)
    }

    /// Byte range of line `line` (1-based) of `text`, its newline included; empty at the end
    /// for a line past the last.
    pub fn line_range(&self, text: &str, line: usize) -> std::ops::Range<usize> {
        let at = |i: usize| self.starts.get(i).copied().unwrap_or(text.len());
        at(line.saturating_sub(1))..at(line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_columns_in_characters() {
        let text = "ab\nçé:x\r\n\nlast";
        let index = LineIndex::new(text);
        assert_eq!(index.starts(), &[0, 3, 11, 12]);
        assert_eq!(index.line_col(text, 0), (1, 1));
        assert_eq!(index.line_col(text, 2), (1, 3));
        // `ç` and `é` are two bytes each, one column each.
        assert_eq!(index.line_col(text, 7), (2, 3));
        assert_eq!(index.line_col(text, 11), (3, 1));
        assert_eq!(index.line_col(text, 12), (4, 1));
        assert_eq!(index.line_col(text, text.len() + 5), (4, 5));
        assert_eq!(&text[index.line_range(text, 2)], "çé:x\r\n");
        assert_eq!(index.line_range(text, 9), text.len()..text.len());
    }

    #[test]
    fn offsets_at_lines_and_columns_are_what_proc_macro2_gives() {
        use proc_macro2::{TokenStream, TokenTree};
        let text = "a \"çé\" b\r\n  /* ü */ c(d)\n\n\t\"x\ny\" é\n";
        let index = LineIndex::new(text);
        fn each(stream: TokenStream, out: &mut Vec<proc_macro2::Span>) {
            for token in stream {
                out.push(token.span());
                if let TokenTree::Group(g) = token {
                    out.push(g.span_open());
                    out.push(g.span_close());
                    each(g.stream(), out);
                }
            }
        }
        let mut spans = Vec::new();
        each(text.parse().unwrap(), &mut spans);
        assert!(spans.len() > 8);
        for span in spans {
            let at = |p: proc_macro2::LineColumn| index.offset_at(text, p.line, p.column);
            let expected = span.byte_range();
            assert_eq!(at(span.start()), Some(expected.start), "{span:?}");
            assert_eq!(at(span.end()), Some(expected.end), "{span:?}");
        }
        assert_eq!(index.offset_at(text, 6, 0), Some(text.len()));
        assert_eq!(index.offset_at(text, 6, 1), None);
        assert_eq!(index.offset_at(text, 7, 0), None);
        assert_eq!(index.offset_at(text, 0, 0), None);
    }
}
