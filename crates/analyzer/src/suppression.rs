//! Suppressions: findings the user has looked at and allowed.
//!
//! Three spellings, from the narrowest to the widest:
//! - `// slotlint: allow(RULE, …) reason` covers findings of those rules that start on the line
//!   of the comment, or on the next line when the comment stands alone on its line;
//! - `#[slotlint::allow(RULE, …)]` (the inert attribute of the `slotlint` crate) covers findings
//!   inside the function, `impl`, `mod`, trait, `const` or `static` it is written on;
//! - `// slotlint: allow-file(RULE, …)` before the first item of a file covers the whole file.
//!
//! `RULE` is a rule's name (`cross-slot-command`), its snake_case spelling or its code (`SL101`).
//! A suppression that suppresses nothing (or names no rule, or is malformed, or is misplaced) is
//! itself reported, as `unused-suppression`. Suppressed findings are kept, with the suppression,
//! so that outputs such as SARIF can list them as suppressed.

use std::ops::Range;

use syn::parse::ParseStream;
use syn::spanned::Spanned;

use crate::diagnostic::Diagnostic;
use crate::rules::{self, unused_suppression};
use crate::source::{SourceFile, Span};

/// How a finding was suppressed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SuppressionKind {
    /// `// slotlint: allow(..)` on the finding's line or the line before.
    Line,
    /// `#[slotlint::allow(..)]` on an enclosing item.
    Attribute,
    /// `// slotlint: allow-file(..)` at the top of the file.
    File,
}

impl SuppressionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SuppressionKind::Line => "comment",
            SuppressionKind::Attribute => "attribute",
            SuppressionKind::File => "file-comment",
        }
    }
}

/// A finding that a suppression covers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suppressed {
    pub diagnostic: Diagnostic,
    pub kind: SuppressionKind,
    /// The reason written with the suppression (text after the rule list, or `reason = ".."`).
    pub reason: Option<String>,
    /// Where the suppression is written.
    pub at: Span,
}

#[derive(Debug)]
enum Scope {
    /// Findings starting on `line`, or on `line + 1` when `next_too`.
    Lines {
        line: usize,
        next_too: bool,
    },
    /// Findings starting inside these bytes (an item).
    Bytes(Range<usize>),
    File,
}

#[derive(Debug)]
struct RuleRef {
    written: String,
    rule: Option<&'static str>,
    focus: Span,
    used: bool,
}

#[derive(Debug)]
struct Directive {
    kind: SuppressionKind,
    span: Span,
    scope: Scope,
    rules: Vec<RuleRef>,
    reason: Option<String>,
    /// Why the directive applies to nothing (malformed, misplaced).
    problem: Option<String>,
}

impl Directive {
    fn covers(&self, d: &Diagnostic) -> bool {
        if self.problem.is_some() {
            return false;
        }
        match &self.scope {
            Scope::Lines { line, next_too } => {
                d.span.line == *line || (*next_too && d.span.line == line + 1)
            }
            Scope::Bytes(r) => r.contains(&d.span.start),
            Scope::File => true,
        }
    }

    fn rule_index(&self, rule: &str) -> Option<usize> {
        self.rules.iter().position(|r| r.rule == Some(rule))
    }

    /// Narrowest first: line comments, then the innermost item, then the file.
    fn rank(&self) -> (u8, usize) {
        match &self.scope {
            Scope::Lines { .. } => (0, 0),
            Scope::Bytes(r) => (1, r.len()),
            Scope::File => (2, 0),
        }
    }
}

/// Applies the suppressions of a unit's files to its findings. Returns the findings that remain,
/// with `unused-suppression` findings added, and the suppressed ones.
///
/// `index` holds the `#[slotlint::allow]` attributes of every file that parsed (comments need
/// no tree). Findings of files not in `sources` pass through. Only files for which `reported`
/// holds are looked at (the others were read only for their key helpers).
///
/// `silent(file, offset)` says where findings are not reported (test code, unless checked): a
/// suppression there suppresses findings that were never made, and is not reported as unused.
pub fn apply(
    sources: &[SourceFile],
    index: &crate::index::CrateIndex<'_>,
    diagnostics: Vec<Diagnostic>,
    reported: impl Fn(usize) -> bool,
    silent: impl Fn(usize, usize) -> bool,
) -> (Vec<Diagnostic>, Vec<Suppressed>) {
    let mut per_file: Vec<Vec<Diagnostic>> = vec![Vec::new(); sources.len()];
    let mut kept = Vec::new();
    for d in diagnostics {
        match sources.iter().position(|s| s.display == d.file) {
            Some(i) => per_file[i].push(d),
            None => kept.push(d),
        }
    }
    let mut suppressed = Vec::new();
    for (i, (source, found)) in sources.iter().zip(per_file).enumerate() {
        // Every spelling contains the word: files without it are left alone, cheaply.
        if !reported(i) || !source.text.contains("slotlint") {
            kept.extend(found);
            continue;
        }
        let directives = directives(source, index.allow_attributes(i));
        let (k, s) = apply_file(source, directives, found, &|offset| silent(i, offset));
        kept.extend(k);
        suppressed.extend(s);
    }
    (kept, suppressed)
}

fn apply_file(
    source: &SourceFile,
    mut directives: Vec<Directive>,
    found: Vec<Diagnostic>,
    silent: &dyn Fn(usize) -> bool,
) -> (Vec<Diagnostic>, Vec<Suppressed>) {
    directives.sort_by_key(Directive::rank);
    let mut kept = Vec::new();
    let mut suppressed = Vec::new();
    let mut suppress = |d: Diagnostic, directives: &mut [Directive], kept: &mut Vec<Diagnostic>| {
        let hit = directives.iter_mut().find_map(|dir| {
            let i = dir.rule_index(d.rule)?;
            dir.covers(&d).then_some((dir, i))
        });
        match hit {
            Some((dir, i)) => {
                dir.rules[i].used = true;
                suppressed.push(Suppressed {
                    diagnostic: d,
                    kind: dir.kind,
                    reason: dir.reason.clone(),
                    at: dir.span,
                });
            }
            None => kept.push(d),
        }
    };
    for d in found {
        suppress(d, &mut directives, &mut kept);
    }
    // Unused suppressions, which a suppression of `unused-suppression` may cover in turn; not
    // where findings are not reported at all (test code).
    let unused = unused_findings(source, &directives, false);
    for d in unused.into_iter().filter(|d| !silent(d.span.start)) {
        suppress(d, &mut directives, &mut kept);
    }
    kept.extend(
        unused_findings(source, &directives, true)
            .into_iter()
            .filter(|d| !silent(d.span.start)),
    );
    (kept, suppressed)
}

/// `unused-suppression` findings: for the rules other than `unused-suppression` itself
/// (`meta == false`, with malformed directives), or only for it (`meta == true`).
fn unused_findings(source: &SourceFile, directives: &[Directive], meta: bool) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for dir in directives {
        if let Some(problem) = &dir.problem {
            if !meta {
                out.push(unused_suppression::diagnostic(
                    &source.display,
                    dir.span,
                    dir.span,
                    problem.clone(),
                    "this suppresses nothing".into(),
                    match dir.kind {
                        SuppressionKind::File => "move it above the first item of the file, or \
                                                  use `// slotlint: allow(RULE)` on the line of \
                                                  the finding"
                            .into(),
                        _ => "write `// slotlint: allow(RULE, …) reason`, with rule names from \
                              `cargo slotlint rules`"
                            .into(),
                    },
                ));
            }
            continue;
        }
        for r in &dir.rules {
            if r.used || (r.rule == Some(unused_suppression::RULE.name)) != meta {
                continue;
            }
            let Some(rule) = r.rule else {
                let names: Vec<&str> = rules::RULES.iter().map(|r| r.name).collect();
                let normalized = r.written.to_ascii_lowercase().replace('_', "-");
                let help = match closest(&normalized, &names) {
                    Some(near) => {
                        format!("did you mean `{near}`? `cargo slotlint rules` lists the rules")
                    }
                    None => "`cargo slotlint rules` lists the rules".into(),
                };
                out.push(unused_suppression::diagnostic(
                    &source.display,
                    dir.span,
                    r.focus,
                    format!(
                        "no rule is named `{}`: this suppression suppresses nothing",
                        r.written
                    ),
                    "unknown rule".into(),
                    help,
                ));
                continue;
            };
            let (message, help) = match (&dir.kind, &dir.scope) {
                (SuppressionKind::Line, Scope::Lines { next_too, .. }) => (
                    format!(
                        "`allow({rule})` suppresses nothing: no `{rule}` finding starts on this line{}",
                        if *next_too { " or the next" } else { "" }
                    ),
                    "remove it, or put it on the line where the finding starts (or alone on the line before)",
                ),
                (SuppressionKind::Attribute, _) => (
                    format!("`#[slotlint::allow({rule})]` suppresses nothing: no `{rule}` finding in this item"),
                    "remove it: a stale suppression would hide the next finding here",
                ),
                _ => (
                    format!("`allow-file({rule})` suppresses nothing: no `{rule}` finding in this file"),
                    "remove it: a stale suppression would hide the next finding here",
                ),
            };
            out.push(unused_suppression::diagnostic(
                &source.display,
                dir.span,
                r.focus,
                message,
                "unused".into(),
                help.into(),
            ));
        }
    }
    out
}

/// The suppressions written in one file.
fn directives(source: &SourceFile, allows: &[(&syn::Attribute, Range<usize>)]) -> Vec<Directive> {
    let lexed = lex(&source.text);
    let mut out: Vec<Directive> = lexed
        .comments
        .iter()
        .filter_map(|c| comment_directive(source, c.clone(), lexed.first_item))
        .collect();
    out.extend(
        allows
            .iter()
            .map(|(attr, item)| attribute_directive(source, attr, item.clone())),
    );
    out
}

fn resolve(written: &str) -> Option<&'static str> {
    rules::find(written).map(|r| r.name)
}

/// `// slotlint: allow(a, b) reason` or `// slotlint: allow-file(a)`; other comments are `None`.
fn comment_directive(
    source: &SourceFile,
    range: Range<usize>,
    first_item: usize,
) -> Option<Directive> {
    let text = &source.text[range.clone()];
    let mut body_at = 2;
    if matches!(text.as_bytes().get(2), Some(b'/' | b'!')) {
        body_at = 3;
    }
    let body = &text[body_at..];
    let trimmed = body.trim_start();
    let rest = trimmed.strip_prefix("slotlint:")?;
    let rest_at = range.start + body_at + (body.len() - trimmed.len()) + "slotlint:".len();
    let rest_trimmed = rest.trim_start();
    let mut at = rest_at + (rest.len() - rest_trimmed.len());
    let (kind, after) = if let Some(a) = rest_trimmed.strip_prefix("allow-file") {
        at += "allow-file".len();
        (SuppressionKind::File, a)
    } else if let Some(a) = rest_trimmed.strip_prefix("allow") {
        at += "allow".len();
        (SuppressionKind::Line, a)
    } else {
        // Prose that happens to start with `slotlint:`.
        return None;
    };
    let span = source.span(range.start, range.end);
    let (line, _) = source.line_col(range.start);
    let alone = source.line_text(line).trim_start().starts_with("//");
    let scope = match kind {
        SuppressionKind::File => Scope::File,
        _ => Scope::Lines {
            line,
            next_too: alone,
        },
    };
    let mut directive = Directive {
        kind,
        span,
        scope,
        rules: Vec::new(),
        reason: None,
        problem: None,
    };
    let malformed = || {
        Some(format!(
            "malformed suppression: expected `slotlint: {}(RULE, …)`",
            if kind == SuppressionKind::File {
                "allow-file"
            } else {
                "allow"
            }
        ))
    };
    let open = after.trim_start();
    at += after.len() - open.len();
    let Some(list) = open.strip_prefix('(') else {
        directive.problem = malformed();
        return Some(directive);
    };
    at += 1;
    let Some(close) = list.find(')') else {
        directive.problem = malformed();
        return Some(directive);
    };
    let mut offset = at;
    for part in list[..close].split(',') {
        let word = part.trim();
        let lead = part.len() - part.trim_start().len();
        if !word.is_empty() {
            let written = word.trim_matches('"').to_owned();
            let start = offset + lead;
            directive.rules.push(RuleRef {
                rule: resolve(&written),
                written,
                focus: source.span(start, start + word.len()),
                used: false,
            });
        }
        offset += part.len() + 1;
    }
    if directive.rules.is_empty() {
        directive.problem = malformed();
        return Some(directive);
    }
    let reason = list[close + 1..].trim();
    directive.reason = (!reason.is_empty()).then(|| reason.to_owned());
    if kind == SuppressionKind::File && range.start > first_item {
        directive.problem = Some(
            "`allow-file` applies only before the first item of a file: this one suppresses nothing"
                .into(),
        );
    }
    Some(directive)
}

/// A `#[slotlint::allow(..)]` attribute on the item spanning `item`.
fn attribute_directive(
    source: &SourceFile,
    attr: &syn::Attribute,
    item: Range<usize>,
) -> Directive {
    let r = attr.span().byte_range();
    let span = source.span(r.start, r.end);
    let mut directive = Directive {
        kind: SuppressionKind::Attribute,
        span,
        scope: Scope::Bytes(item),
        rules: Vec::new(),
        reason: None,
        problem: None,
    };
    let mut found: Vec<(String, Range<usize>)> = Vec::new();
    let mut reason = None;
    let parsed = attr.parse_args_with(|input: ParseStream| {
        while !input.is_empty() {
            if input.peek(syn::LitStr) {
                let lit: syn::LitStr = input.parse()?;
                found.push((lit.value(), lit.span().byte_range()));
            } else {
                let ident: syn::Ident = input.parse()?;
                if input.peek(syn::Token![=]) {
                    input.parse::<syn::Token![=]>()?;
                    let lit: syn::LitStr = input.parse()?;
                    reason = Some(lit.value());
                } else {
                    found.push((ident.to_string(), ident.span().byte_range()));
                }
            }
            if !input.is_empty() {
                input.parse::<syn::Token![,]>()?;
            }
        }
        Ok(())
    });
    if parsed.is_err() || found.is_empty() {
        directive.problem = Some(
            "malformed `#[slotlint::allow]`: expected rule names, as in \
             `#[slotlint::allow(cross_slot_command)]`"
                .into(),
        );
    }
    directive.reason = reason;
    directive.rules = found
        .into_iter()
        .map(|(written, r)| RuleRef {
            rule: resolve(&written),
            written,
            focus: source.span(r.start, r.end),
            used: false,
        })
        .collect();
    directive
}

/// Line comments of a Rust source (strings, chars and block comments skipped) and where its first
/// item starts (after a shebang, comments and inner attributes).
struct Lexed {
    comments: Vec<Range<usize>>,
    first_item: usize,
}

fn lex(text: &str) -> Lexed {
    let b = text.as_bytes();
    let mut comments = Vec::new();
    // Starts of significant tokens, with their first byte (identifiers and literals as `a`).
    let mut tokens: Vec<(usize, u8)> = Vec::new();
    let mut i = 0;
    if text.starts_with("#!") && !text[2..].trim_start().starts_with('[') {
        i = text.find('\n').unwrap_or(text.len());
    }
    while i < b.len() {
        let c = b[i];
        match c {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                let end = text[i..].find('\n').map_or(text.len(), |n| i + n);
                let end = if end > i && b[end - 1] == b'\r' {
                    end - 1
                } else {
                    end
                };
                comments.push(i..end);
                i = end;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let mut depth = 0usize;
                while i < b.len() {
                    if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
                        depth += 1;
                        i += 2;
                    } else if b[i] == b'*' && b.get(i + 1) == Some(&b'/') {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        i += 1;
                    }
                }
            }
            b'"' => {
                tokens.push((i, b'a'));
                i = skip_string(b, i + 1);
            }
            b'\'' => {
                tokens.push((i, b'a'));
                i = skip_char_or_lifetime(text, i);
            }
            c if c.is_ascii_whitespace() => i += 1,
            c if c == b'_' || c.is_ascii_alphanumeric() || c >= 0x80 => {
                let start = i;
                while i < b.len() && (b[i] == b'_' || b[i].is_ascii_alphanumeric() || b[i] >= 0x80)
                {
                    i += 1;
                }
                tokens.push((start, b'a'));
                match (&text[start..i], b.get(i)) {
                    ("r" | "br" | "cr", Some(b'"' | b'#')) => {
                        let hashes = b[i..].iter().take_while(|&&c| c == b'#').count();
                        if b.get(i + hashes) == Some(&b'"') {
                            let close: String = std::iter::once('"')
                                .chain((0..hashes).map(|_| '#'))
                                .collect();
                            let from = i + hashes + 1;
                            i = text[from..]
                                .find(&close)
                                .map_or(text.len(), |n| from + n + close.len());
                        }
                    }
                    ("b" | "c", Some(b'"')) => i = skip_string(b, i + 1),
                    ("b", Some(b'\'')) => i = skip_char_or_lifetime(text, i),
                    _ => {}
                }
            }
            _ => {
                tokens.push((i, c));
                i += 1;
            }
        }
    }
    // Inner attributes `#![..]` come before the first item.
    let mut t = 0;
    while tokens.get(t).map(|t| t.1) == Some(b'#')
        && tokens.get(t + 1).map(|t| t.1) == Some(b'!')
        && tokens.get(t + 2).map(|t| t.1) == Some(b'[')
    {
        let mut depth = 0usize;
        t += 2;
        while let Some(&(_, c)) = tokens.get(t) {
            t += 1;
            match c {
                b'[' => depth += 1,
                b']' => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                _ => {}
            }
        }
    }
    Lexed {
        comments,
        first_item: tokens.get(t).map_or(text.len(), |t| t.0),
    }
}

/// After the opening quote at `i`: the offset after the closing one.
fn skip_string(b: &[u8], mut i: usize) -> usize {
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    b.len()
}

/// At a `'`: skip a char literal, or just the quote of a lifetime or label.
fn skip_char_or_lifetime(text: &str, i: usize) -> usize {
    let b = text.as_bytes();
    if b.get(i + 1) == Some(&b'\\') {
        // `'\n'`, `'\''`, `'\u{..}'`: the closing quote comes after the escaped char.
        return text
            .get(i + 3..)
            .and_then(|rest| rest.find('\''))
            .map_or(text.len(), |n| i + 3 + n + 1);
    }
    let Some(c) = text.get(i + 1..).and_then(|s| s.chars().next()) else {
        return i + 1;
    };
    let after = i + 1 + c.len_utf8();
    if b.get(after) == Some(&b'\'') {
        after + 1
    } else {
        i + 1
    }
}

/// The candidate closest to `word` by edit distance, if close enough to be a likely typo.
/// (`warning` for `warn` counts: one is a prefix of the other).
pub fn closest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let prefix =
        |c: &str| c.len().min(word.len()) >= 3 && (c.starts_with(word) || word.starts_with(c));
    candidates
        .iter()
        .map(|c| (edit_distance(word, c), *c))
        .filter(|(d, c)| *d <= (c.len().max(word.len()) / 3).max(2) || prefix(c))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> SourceFile {
        SourceFile::new("t.rs".into(), "t.rs".into(), text.into())
    }

    #[test]
    fn comments_inside_strings_and_chars_are_not_comments() {
        let text = "#![allow(x)]\n// a\nconst A: &str = \"// b\"; const B: char = '\"'; // c\nfn f<'a>() { let _ = r#\"// d\"#; /* // e */ } // f\n";
        let lexed = lex(text);
        let found: Vec<&str> = lexed.comments.iter().map(|r| &text[r.clone()]).collect();
        assert_eq!(found, ["// a", "// c", "// f"]);
        assert_eq!(&text[lexed.first_item..lexed.first_item + 5], "const");
    }

    #[test]
    fn first_item_skips_a_shebang_and_inner_attributes() {
        let text = "#!/usr/bin/env run\n//! docs\n#![cfg_attr(x, allow(y))]\n#[derive(Debug)]\nstruct S;\n";
        let lexed = lex(text);
        assert_eq!(&text[lexed.first_item..lexed.first_item + 8], "#[derive");
    }

    #[test]
    fn directives_are_parsed_with_their_rules_and_reason() {
        let src = file("// slotlint: allow-file(SL101)\nfn f() {\n    // slotlint: allow(cross_slot_pipeline, \"cross-slot-script\") all one tenant\n    x(); // slotlint: allow(nope)\n}\n// slotlint: allow-file(parse-error)\n// slotlint: allow cross-slot-command\n// slotlint: the analyzer, in prose\n");
        let d = directives(&src, &[]);
        assert_eq!(d.len(), 5, "{d:#?}");
        assert_eq!(d[0].kind, SuppressionKind::File);
        assert_eq!(d[0].rules[0].rule, Some("cross-slot-command"));
        assert!(d[0].problem.is_none());
        let rules: Vec<_> = d[1].rules.iter().map(|r| r.rule).collect();
        assert_eq!(
            rules,
            [Some("cross-slot-pipeline"), Some("cross-slot-script")]
        );
        assert_eq!(d[1].reason.as_deref(), Some("all one tenant"));
        assert!(matches!(
            d[1].scope,
            Scope::Lines {
                line: 3,
                next_too: true
            }
        ));
        assert!(matches!(
            d[2].scope,
            Scope::Lines {
                line: 4,
                next_too: false
            }
        ));
        assert_eq!(d[2].rules[0].rule, None);
        assert_eq!(
            src.text[d[2].rules[0].focus.start..d[2].rules[0].focus.end].to_string(),
            "nope"
        );
        assert!(d[3].problem.is_some(), "allow-file after the first item");
        assert!(d[4].problem.is_some(), "no parentheses");
    }

    #[test]
    fn closest_names() {
        let names = ["cross-slot-command", "cross-slot-pipeline", "exclude"];
        assert_eq!(
            closest("cross-slot-comand", &names),
            Some("cross-slot-command")
        );
        assert_eq!(closest("exlcude", &names), Some("exclude"));
        assert_eq!(closest("color", &names), None);
        assert_eq!(
            closest("warning", &["allow", "note", "warn", "deny"]),
            Some("warn")
        );
    }
}
