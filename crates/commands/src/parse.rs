//! Parsing of the table format of `data/commands.tsv` (documented in that file's header).

use std::fmt;

use crate::{BeginSearch, CommandSpec, FindKeys, KeySpec};

const COLUMNS: [&str; 10] = [
    "command",
    "subcommand",
    "arity",
    "flags",
    "key_specs",
    "group",
    "since",
    "tips",
    "deprecated_since",
    "origin",
];

/// A malformed command table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// 1-based line number; 0 when the problem is not one line's.
    pub line: usize,
    pub message: String,
}

impl ParseError {
    pub(crate) fn new(line: usize, message: impl Into<String>) -> ParseError {
        ParseError {
            line,
            message: message.into(),
        }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "command table: {}", self.message)
        } else {
            write!(f, "command table, line {}: {}", self.line, self.message)
        }
    }
}

impl std::error::Error for ParseError {}

pub(crate) fn parse_table(text: &str) -> Result<Vec<CommandSpec>, ParseError> {
    let mut specs = Vec::new();
    let mut header_seen = false;
    for (n, line) in text.lines().enumerate() {
        let lineno = n + 1;
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let cells: Vec<&str> = line.split('\t').collect();
        if !header_seen {
            if cells != COLUMNS {
                return Err(ParseError::new(
                    lineno,
                    format!("expected the header row {:?}", COLUMNS.join("\t")),
                ));
            }
            header_seen = true;
            continue;
        }
        if cells.len() != COLUMNS.len() {
            return Err(ParseError::new(
                lineno,
                format!("{} cells, expected {}", cells.len(), COLUMNS.len()),
            ));
        }
        specs.push(parse_row(&cells).map_err(|m| ParseError::new(lineno, m))?);
    }
    if !header_seen {
        return Err(ParseError::new(0, "no header row"));
    }
    Ok(specs)
}

fn parse_row(cells: &[&str]) -> Result<CommandSpec, String> {
    let name = cells[0].to_ascii_uppercase();
    if name.is_empty() || name == "-" {
        return Err("empty command name".into());
    }
    let subcommand = match cells[1] {
        "" | "-" => None,
        s => Some(s.to_ascii_uppercase()),
    };
    let arity: i32 = cells[2]
        .parse()
        .map_err(|_| format!("bad arity {:?}", cells[2]))?;
    Ok(CommandSpec {
        name,
        subcommand,
        arity,
        flags: list(cells[3]),
        key_specs: parse_key_specs(cells[4])?,
        group: cells[5].to_string(),
        since: cells[6].to_string(),
        tips: list(cells[7]),
        deprecated_since: optional(cells[8]),
        origin: cells[9].to_string(),
    })
}

fn list(cell: &str) -> Vec<String> {
    if cell == "-" || cell.is_empty() {
        Vec::new()
    } else {
        cell.split(',').map(str::to_string).collect()
    }
}

fn optional(cell: &str) -> Option<String> {
    if cell == "-" || cell.is_empty() {
        None
    } else {
        Some(cell.to_string())
    }
}

/// `-`, or `#0[flags] BEGIN FIND ; #1[flags] BEGIN FIND ; …`.
pub(crate) fn parse_key_specs(cell: &str) -> Result<Vec<KeySpec>, String> {
    if cell == "-" || cell.is_empty() {
        return Ok(Vec::new());
    }
    cell.split(" ; ")
        .enumerate()
        .map(|(i, part)| parse_key_spec(i, part).map_err(|m| format!("key spec {part:?}: {m}")))
        .collect()
}

fn parse_key_spec(index: usize, text: &str) -> Result<KeySpec, String> {
    let rest = text.strip_prefix('#').ok_or("no leading #")?;
    let (idx, rest) = rest.split_once('[').ok_or("no [flags]")?;
    if idx.parse::<usize>() != Ok(index) {
        return Err(format!("index {idx:?}, expected {index}"));
    }
    let (flags, rest) = rest.split_once("] ").ok_or("no ] after the flags")?;
    let (begin, find) = rest.split_once(' ').ok_or("no FIND part")?;
    Ok(KeySpec {
        begin: parse_begin(begin)?,
        find: parse_find(find)?,
        flags: flags
            .split(',')
            .filter(|f| !f.is_empty())
            .map(str::to_string)
            .collect(),
    })
}

fn parse_begin(text: &str) -> Result<BeginSearch, String> {
    if text == "unknown" {
        return Ok(BeginSearch::Unknown);
    }
    if let Some(arg) = call(text, "index") {
        return Ok(BeginSearch::Index(num(arg)?));
    }
    if let Some(args) = call(text, "keyword") {
        let (keyword, start) = args.split_once(',').ok_or("keyword(KW,startfrom=N)")?;
        let start = start.strip_prefix("startfrom=").ok_or("no startfrom=")?;
        if keyword.is_empty() {
            return Err("empty keyword".into());
        }
        return Ok(BeginSearch::Keyword {
            keyword: keyword.to_string(),
            start_from: num(start)?,
        });
    }
    Err(format!("unknown begin search {text:?}"))
}

fn parse_find(text: &str) -> Result<FindKeys, String> {
    if text == "unknown" {
        return Ok(FindKeys::Unknown);
    }
    if let Some(args) = call(text, "range") {
        let [last_key, step, limit] = fields(args, ["lastkey=", "step=", "limit="])?;
        let step: usize = num(step)?;
        if step == 0 {
            return Err("step 0".into());
        }
        return Ok(FindKeys::Range {
            last_key: num(last_key)?,
            step,
            limit: num(limit)?,
        });
    }
    if let Some(args) = call(text, "keynum") {
        let [at, first, step] = fields(args, ["numkeys_at=+", "firstkey=+", "step="])?;
        let step: usize = num(step)?;
        if step == 0 {
            return Err("step 0".into());
        }
        return Ok(FindKeys::Keynum {
            numkeys_at: num(at)?,
            first_key: num(first)?,
            step,
        });
    }
    Err(format!("unknown find keys {text:?}"))
}

/// `name(args)` → `args`.
fn call<'a>(text: &'a str, name: &str) -> Option<&'a str> {
    text.strip_prefix(name)?
        .strip_prefix('(')?
        .strip_suffix(')')
}

fn fields<'a>(args: &'a str, names: [&str; 3]) -> Result<[&'a str; 3], String> {
    let parts: Vec<&str> = args.split(',').collect();
    if parts.len() != 3 {
        return Err(format!("expected 3 fields in {args:?}"));
    }
    let mut out = [""; 3];
    for (i, (part, name)) in parts.iter().zip(names).enumerate() {
        out[i] = part
            .strip_prefix(name)
            .ok_or_else(|| format!("expected {name} in {args:?}"))?;
    }
    Ok(out)
}

fn num<T: std::str::FromStr>(text: &str) -> Result<T, String> {
    text.parse().map_err(|_| format!("bad number {text:?}"))
}
