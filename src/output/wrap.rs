//! Fitting text to the terminal: wrapping at spaces without ever breaking inside a `key` (a
//! backtick span) or a number, and shortening long lists of keys.

use unicode_width::UnicodeWidthStr;

/// Display width (columns) of `text`.
pub fn width(text: &str) -> usize {
    UnicodeWidthStr::width(text)
}

/// The pieces of `text` that may not be split: runs of non-space characters, where a
/// backtick span (`` `a b` ``) counts as non-space throughout.
fn words(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let mut in_ticks = false;
    for (i, c) in text.char_indices() {
        if c == '`' {
            in_ticks = !in_ticks;
        }
        if c == ' ' && !in_ticks {
            if let Some(s) = start.take() {
                out.push(&text[s..i]);
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(s) = start {
        out.push(&text[s..]);
    }
    out
}

/// A word wider than `limit` cut into pieces that fit: after punctuation (`.`, `,`, `(`, `)`,
/// `:`, `/`, `;`) where one is in reach, else at the limit. Only words that cannot fit on any line
/// are cut (a key that fits a line never is).
fn cut(word: &str, limit: usize) -> Vec<&str> {
    let mut pieces = Vec::new();
    let mut rest = word;
    while width(rest) > limit {
        let mut w = 0;
        let mut hard = 0;
        let mut soft = None;
        for (i, c) in rest.char_indices() {
            let cw = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
            if w + cw > limit {
                break;
            }
            w += cw;
            hard = i + c.len_utf8();
            if ".,():/;".contains(c) {
                soft = Some(hard);
            }
        }
        let at = soft
            .filter(|&s| s * 2 >= hard)
            .unwrap_or(hard)
            .max(rest.chars().next().map_or(1, char::len_utf8));
        pieces.push(&rest[..at]);
        rest = &rest[at..];
    }
    pieces.push(rest);
    pieces
}

/// `text` wrapped to lines of at most `first` columns for the first line and `rest` for the
/// others, breaking only at spaces outside backticks. A word wider than a whole line is cut
/// ([`cut`]). Existing newlines are kept.
pub fn wrap(text: &str, first: usize, rest: usize) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let mut limit = first.max(1);
    for (n, paragraph) in text.split('\n').enumerate() {
        if n > 0 {
            out.push('\n');
            limit = rest.max(1);
        }
        let mut line_width = 0;
        // A cut word's pieces each start a line of their own (no space is added inside it).
        let pieces = words(paragraph).into_iter().flat_map(|w| {
            cut(w, rest.max(1))
                .into_iter()
                .enumerate()
                .map(|(i, p)| (p, i > 0))
        });
        for (word, continued) in pieces {
            let w = width(word);
            if line_width > 0 && (continued || line_width + 1 + w > limit) {
                out.push('\n');
                limit = rest.max(1);
                line_width = 0;
            }
            if line_width > 0 {
                out.push(' ');
                line_width += 1;
            }
            out.push_str(word);
            line_width += w;
        }
    }
    out
}

/// The items of a label that lists keys: `` `a` (slot 1), `b` (slot 2) `` → two items. `None`
/// when the label is not such a list (it does not start with a key, or has one item).
fn list_items(label: &str) -> Option<Vec<&str>> {
    if !label.starts_with('`') {
        return None;
    }
    let mut items = Vec::new();
    let mut start = 0;
    let mut in_ticks = false;
    let mut depth = 0usize;
    let bytes = label.as_bytes();
    for (i, c) in label.char_indices() {
        match c {
            '`' => in_ticks = !in_ticks,
            '(' if !in_ticks => depth += 1,
            ')' if !in_ticks => depth = depth.saturating_sub(1),
            ',' if !in_ticks && depth == 0 && bytes.get(i + 1) == Some(&b' ') => {
                items.push(&label[start..i]);
                start = i + 2;
            }
            _ => {}
        }
    }
    items.push(&label[start..]);
    (items.len() > 1 && items.iter().all(|i| i.starts_with('`'))).then_some(items)
}

/// A label listing more than `keep` keys, shortened to its first `keep` and "… N more".
pub fn shorten_list(label: &str, keep: usize) -> Option<String> {
    let items = list_items(label)?;
    if items.len() <= keep {
        return None;
    }
    Some(format!(
        "{}, … {} more",
        items[..keep].join(", "),
        items.len() - keep
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_numbers_are_never_split() {
        let text = "put `user:{user}` in a hash tag so these keys share a slot: `{user:{user}}:profile`, `{user:{user}}:settings` (slot 12345)";
        // Down to the width of the longest key (`{user:{user}}:settings`, 24 columns + comma).
        for limit in 25..60 {
            let wrapped = wrap(text, limit, limit);
            assert_eq!(wrapped.replace('\n', " "), text, "{limit}");
            for line in wrapped.lines() {
                assert_eq!(line.matches('`').count() % 2, 0, "{limit}: {line}");
                assert!(
                    width(line) <= limit || !line.contains(' '),
                    "{limit}: {line}"
                );
            }
            assert!(wrapped.contains("12345"));
        }
        // Spaces inside backticks do not break either.
        assert_eq!(wrap("a `b c` d", 5, 5), "a\n`b c`\nd");
    }

    #[test]
    fn only_what_cannot_fit_a_line_is_cut() {
        let code = "`ClusterClient::builder(nodes).retries(3).build()?`";
        let wrapped = wrap(&format!("use {code} here"), 20, 20);
        assert!(wrapped.lines().all(|l| width(l) <= 20), "{wrapped}");
        // Nothing is lost or added but the line breaks.
        assert_eq!(wrapped.replace(['\n', ' '], ""), format!("use{code}here"));
        // Cut after punctuation when in reach.
        let second = wrapped.lines().nth(1).unwrap();
        assert!(
            ".,():/;".contains(second.chars().last().unwrap()),
            "{wrapped}"
        );
    }

    #[test]
    fn the_first_line_has_its_own_width() {
        assert_eq!(wrap("aa bb cc", 2, 5), "aa\nbb cc");
    }

    #[test]
    fn long_key_lists_keep_three() {
        let label = "`cache:item:11` (slot 5198), `cache:item:12` (slot 9261), `cache:item:13` (slot 13324), `cache:item:14` (slot 1259), `cache:item:15` (slot 5322)";
        assert_eq!(
            shorten_list(label, 3).unwrap(),
            "`cache:item:11` (slot 5198), `cache:item:12` (slot 9261), `cache:item:13` (slot 13324), … 2 more"
        );
        assert_eq!(shorten_list("`a`, `b`", 3), None);
        assert_eq!(shorten_list("RENAME is sent to one node, then, …", 1), None);
        assert_eq!(shorten_list("`a:{x, y}`", 0), None);
    }
}
