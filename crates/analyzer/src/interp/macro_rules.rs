//! Declarative macros of the crate (`macro_rules!`): an invocation is expanded by matching its
//! tokens against the macro's arms and substituting the captured fragments into the arm's body,
//! so the redis calls a local macro makes (`watch_all!(con, &[&meta, &jobs])`) are seen.
//!
//! Tokens of the body are given the invocation's span (a finding inside a macro is reported where
//! the macro is used, as rustc does); captured fragments keep their own spans.
//!
//! Not here: macros of other crates (never expanded: their bodies are not in view) and
//! procedural macros (never run).

use proc_macro2::{Delimiter, Span, TokenStream, TokenTree};

/// Expansions nested inside expansions, at most.
const MAX_DEPTH: usize = 8;
/// Tokens an expansion may have.
const MAX_TOKENS: usize = 100_000;

/// One arm of a `macro_rules!`: what it matches and what it expands to.
struct Rule {
    matcher: Vec<Matcher>,
    body: TokenStream,
}

#[derive(Debug)]
enum Matcher {
    /// A literal token (punctuation, identifier, literal), compared by text.
    Token(String),
    /// A delimited group.
    Group(Delimiter, Vec<Matcher>),
    /// `$name:kind`.
    Fragment(String, String),
    /// `$( … ) sep? op`.
    Repeat {
        inner: Vec<Matcher>,
        separator: Option<String>,
        op: char,
    },
}

/// What a fragment captured: its tokens, or one capture per repetition.
#[derive(Clone, Debug)]
enum Capture {
    Tokens(TokenStream),
    Repeated(Vec<Bindings>),
}

type Bindings = Vec<(String, Capture)>;

/// Expand an invocation of the macro whose definition body (the tokens inside
/// `macro_rules! name { … }`) is `definition`, with arguments `input`. `None` when no arm
/// matches or the expansion is too large.
pub(super) fn expand(
    definition: &TokenStream,
    input: &TokenStream,
    call_span: Span,
    depth: usize,
) -> Option<TokenStream> {
    if depth > MAX_DEPTH {
        return None;
    }
    let rules = parse_rules(definition)?;
    let input: Vec<TokenTree> = input.clone().into_iter().collect();
    for rule in &rules {
        let mut bindings = Vec::new();
        if match_seq(&rule.matcher, &input, &mut bindings) == Some(input.len()) {
            let mut out = Vec::new();
            transcribe(rule.body.clone(), &bindings, call_span, &mut out)?;
            if out.len() > MAX_TOKENS {
                return None;
            }
            return Some(out.into_iter().collect());
        }
    }
    None
}

/// `(matcher) => { body };` arms.
fn parse_rules(definition: &TokenStream) -> Option<Vec<Rule>> {
    let tokens: Vec<TokenTree> = definition.clone().into_iter().collect();
    let mut rules = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let TokenTree::Group(matcher) = &tokens[i] else {
            return None;
        };
        // `=>`
        match (tokens.get(i + 1), tokens.get(i + 2)) {
            (Some(TokenTree::Punct(a)), Some(TokenTree::Punct(b)))
                if a.as_char() == '=' && b.as_char() == '>' => {}
            _ => return None,
        }
        let TokenTree::Group(body) = tokens.get(i + 3)? else {
            return None;
        };
        rules.push(Rule {
            matcher: parse_matcher(matcher.stream())?,
            body: body.stream(),
        });
        i += 4;
        if matches!(tokens.get(i), Some(TokenTree::Punct(p)) if p.as_char() == ';') {
            i += 1;
        }
    }
    Some(rules)
}

fn parse_matcher(stream: TokenStream) -> Option<Vec<Matcher>> {
    let tokens: Vec<TokenTree> = stream.into_iter().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        match &tokens[i] {
            TokenTree::Punct(p) if p.as_char() == '$' => match tokens.get(i + 1)? {
                TokenTree::Ident(name) => {
                    // `$name:kind`
                    match (tokens.get(i + 2), tokens.get(i + 3)) {
                        (Some(TokenTree::Punct(c)), Some(TokenTree::Ident(kind)))
                            if c.as_char() == ':' =>
                        {
                            out.push(Matcher::Fragment(name.to_string(), kind.to_string()));
                            i += 4;
                        }
                        _ => return None,
                    }
                }
                TokenTree::Group(g) if g.delimiter() == Delimiter::Parenthesis => {
                    let inner = parse_matcher(g.stream())?;
                    let (separator, op, used) = repeat_tail(&tokens[i + 2..])?;
                    out.push(Matcher::Repeat {
                        inner,
                        separator,
                        op,
                    });
                    i += 2 + used;
                }
                _ => return None,
            },
            TokenTree::Group(g) => {
                out.push(Matcher::Group(g.delimiter(), parse_matcher(g.stream())?));
                i += 1;
            }
            t => {
                out.push(Matcher::Token(t.to_string()));
                i += 1;
            }
        }
    }
    Some(out)
}

/// After `$( … )`: an optional separator and `*`, `+` or `?`; how many tokens that took.
fn repeat_tail(rest: &[TokenTree]) -> Option<(Option<String>, char, usize)> {
    let op_of = |t: &TokenTree| match t {
        TokenTree::Punct(p) if matches!(p.as_char(), '*' | '+' | '?') => Some(p.as_char()),
        _ => None,
    };
    if let Some(op) = op_of(rest.first()?) {
        return Some((None, op, 1));
    }
    let op = op_of(rest.get(1)?)?;
    Some((Some(rest[0].to_string()), op, 2))
}

/// Match `matchers` against a prefix of `input`; how many tokens matched.
fn match_seq(matchers: &[Matcher], input: &[TokenTree], bindings: &mut Bindings) -> Option<usize> {
    let mut at = 0;
    for (m, matcher) in matchers.iter().enumerate() {
        match matcher {
            Matcher::Token(text) => {
                if input.get(at)?.to_string() != *text {
                    return None;
                }
                at += 1;
            }
            Matcher::Group(delim, inner) => {
                let TokenTree::Group(g) = input.get(at)? else {
                    return None;
                };
                if g.delimiter() != *delim {
                    return None;
                }
                let tokens: Vec<TokenTree> = g.stream().into_iter().collect();
                if match_seq(inner, &tokens, bindings)? != tokens.len() {
                    return None;
                }
                at += 1;
            }
            Matcher::Fragment(name, kind) => {
                let next = matchers.get(m + 1);
                let len = fragment_len(kind, &input[at..], next)?;
                let tokens: TokenStream = input[at..at + len].iter().cloned().collect();
                bindings.push((name.clone(), Capture::Tokens(tokens)));
                at += len;
            }
            Matcher::Repeat {
                inner,
                separator,
                op,
            } => {
                let mut reps = Vec::new();
                loop {
                    if *op == '?' && reps.len() == 1 {
                        break;
                    }
                    let mut start = at;
                    if !reps.is_empty() {
                        if let Some(sep) = separator {
                            match input.get(at) {
                                Some(t) if t.to_string() == *sep => start = at + 1,
                                _ => break,
                            }
                        }
                    }
                    let mut b = Vec::new();
                    match match_seq(inner, &input[start.min(input.len())..], &mut b) {
                        Some(n) if n > 0 || inner.is_empty() => {
                            reps.push(b);
                            at = start + n;
                            if n == 0 {
                                break;
                            }
                        }
                        _ => break,
                    }
                }
                if *op == '+' && reps.is_empty() {
                    return None;
                }
                // Each name of the repetition binds to the list of its captures.
                let mut names = Vec::new();
                collect_names(inner, &mut names);
                for name in names {
                    bindings.push((name, Capture::Repeated(reps.clone())));
                }
            }
        }
    }
    Some(at)
}

fn collect_names(matchers: &[Matcher], out: &mut Vec<String>) {
    for m in matchers {
        match m {
            Matcher::Fragment(name, _) => out.push(name.clone()),
            Matcher::Group(_, inner) | Matcher::Repeat { inner, .. } => collect_names(inner, out),
            Matcher::Token(_) => {}
        }
    }
}

/// How many tokens a fragment of `kind` takes at the start of `input`: one token for
/// `ident`, `literal`, `lifetime`, `tt`, `block`; for expressions and the like, everything up
/// to the token the next matcher expects (a `,` or `;` at this level by default).
fn fragment_len(kind: &str, input: &[TokenTree], next: Option<&Matcher>) -> Option<usize> {
    if input.is_empty() {
        return None;
    }
    match kind {
        "ident" | "literal" | "tt" | "block" | "lifetime" => Some(1),
        _ => {
            let stop = match next {
                Some(Matcher::Token(t)) => Some(t.clone()),
                Some(Matcher::Repeat {
                    separator: Some(s), ..
                }) => Some(s.clone()),
                _ => None,
            };
            let len = input
                .iter()
                .position(|t| match &stop {
                    Some(s) => t.to_string() == *s,
                    None => matches!(t, TokenTree::Punct(p) if matches!(p.as_char(), ',' | ';')),
                })
                .unwrap_or(input.len());
            (len > 0).then_some(len)
        }
    }
}

/// Substitute captures into a body. Body tokens take the invocation's span.
fn transcribe(
    body: TokenStream,
    bindings: &[(String, Capture)],
    call_span: Span,
    out: &mut Vec<TokenTree>,
) -> Option<()> {
    let tokens: Vec<TokenTree> = body.into_iter().collect();
    let mut i = 0;
    while i < tokens.len() {
        if out.len() > MAX_TOKENS {
            return None;
        }
        match &tokens[i] {
            TokenTree::Punct(p) if p.as_char() == '$' => match tokens.get(i + 1) {
                Some(TokenTree::Ident(name)) => {
                    match lookup(bindings, &name.to_string()) {
                        Some(Capture::Tokens(t)) => {
                            // A captured expression stays one expression.
                            let mut g = proc_macro2::Group::new(Delimiter::None, t.clone());
                            g.set_span(call_span);
                            out.push(TokenTree::Group(g));
                        }
                        // `$crate`: the macro's crate, this one (`$crate::keys::of(id)`).
                        _ if name == "crate" => out.push(respan(tokens[i + 1].clone(), call_span)),
                        // Unbound names: the tokens as written.
                        _ => {
                            out.push(respan(tokens[i].clone(), call_span));
                            out.push(respan(tokens[i + 1].clone(), call_span));
                        }
                    }
                    i += 2;
                }
                Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Parenthesis => {
                    let (separator, _, used) = repeat_tail(&tokens[i + 2..])?;
                    let inner = g.stream();
                    let reps = repetitions(&inner, bindings);
                    for (n, rep) in reps.iter().enumerate() {
                        if n > 0 {
                            if let Some(sep) = &separator {
                                let sep: TokenStream = sep.parse().ok()?;
                                out.extend(sep.into_iter().map(|t| respan(t, call_span)));
                            }
                        }
                        let mut scoped: Vec<(String, Capture)> = rep.clone();
                        scoped.extend(bindings.iter().cloned());
                        transcribe(inner.clone(), &scoped, call_span, out)?;
                    }
                    i += 2 + used;
                }
                _ => {
                    out.push(respan(tokens[i].clone(), call_span));
                    i += 1;
                }
            },
            TokenTree::Group(g) => {
                let mut inner = Vec::new();
                transcribe(g.stream(), bindings, call_span, &mut inner)?;
                let mut group = proc_macro2::Group::new(g.delimiter(), inner.into_iter().collect());
                group.set_span(call_span);
                out.push(TokenTree::Group(group));
                i += 1;
            }
            t => {
                out.push(respan(t.clone(), call_span));
                i += 1;
            }
        }
    }
    Some(())
}

fn lookup<'b>(bindings: &'b [(String, Capture)], name: &str) -> Option<&'b Capture> {
    bindings.iter().find(|(n, _)| n == name).map(|(_, c)| c)
}

/// The repetitions a `$( … )` of the body iterates: those of the first repeated name it uses.
fn repetitions(inner: &TokenStream, bindings: &[(String, Capture)]) -> Vec<Bindings> {
    fn names_in(stream: &TokenStream, out: &mut Vec<String>) {
        let tokens: Vec<TokenTree> = stream.clone().into_iter().collect();
        for (i, t) in tokens.iter().enumerate() {
            match (t, tokens.get(i + 1)) {
                (TokenTree::Punct(p), Some(TokenTree::Ident(name))) if p.as_char() == '$' => {
                    out.push(name.to_string())
                }
                (TokenTree::Group(g), _) => names_in(&g.stream(), out),
                _ => {}
            }
        }
    }
    let mut names = Vec::new();
    names_in(inner, &mut names);
    for name in names {
        if let Some(Capture::Repeated(reps)) = lookup(bindings, &name) {
            return reps.clone();
        }
    }
    Vec::new()
}

fn respan(mut t: TokenTree, span: Span) -> TokenTree {
    t.set_span(span);
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expanded(def: &str, input: &str) -> Option<String> {
        let def: TokenStream = def.parse().unwrap();
        let input: TokenStream = input.parse().unwrap();
        expand(&def, &input, Span::call_site(), 0).map(|t| t.to_string())
    }

    #[test]
    fn fragments_and_repetitions() {
        let def = r#"($con:expr, $keys:expr) => { redis::cmd("WATCH").arg($keys).query($con) };"#;
        let out = expanded(def, "con, &[&a, &b]").unwrap();
        assert!(out.contains("arg (& [& a , & b])"), "{out}");
        let def = r#"($kind:literal, $id:expr) => { format!(concat!($kind, ":{}"), $id) }"#;
        assert!(expanded(def, r#""cart", id"#).unwrap().contains("\"cart\""));
        let def = r#"($($k:expr),+ $(,)?) => { vec![$($k),+] }"#;
        let out = expanded(def, "a, b, c").unwrap();
        assert_eq!(out.replace(' ', ""), "vec![a,b,c]");
        // A repeated name inside a group of the repetition.
        let def = r#"($con:expr, $($key:expr),+) => { cmd("MGET")$(.arg($key))+.query($con) }"#;
        let out = expanded(def, "con, k(1), k(2)").unwrap().replace(' ', "");
        assert!(out.contains(".arg(k(1)).arg(k(2))"), "{out}");
        // The second arm matches when the first does not.
        let def = r#"(one $x:ident) => { 1 }; (two $x:ident) => { 2 };"#;
        assert_eq!(expanded(def, "two y").unwrap(), "2");
        assert!(expanded(def, "three y").is_none());
    }
}
