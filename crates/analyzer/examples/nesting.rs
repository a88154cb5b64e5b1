//! Prints the nesting estimate ([`slotlint_analyzer::parse`]) of each file named on the command
//! line (`.lua` files with the Lua estimate), deepest first, with the line where it peaks: how
//! far real code stays below the bounds (`scripts/nesting.sh`).

use slotlint_analyzer::parse;

fn main() {
    let mut rows = Vec::new();
    for arg in std::env::args().skip(1) {
        let Ok(text) = std::fs::read_to_string(&arg) else {
            continue;
        };
        let lua = arg.ends_with(".lua");
        let depth = if lua {
            parse::lua_depth(&text)
        } else {
            parse::rust_depth(&text)
        };
        let bound = depth.saturating_sub(1);
        let at = if lua {
            parse::lua_depth_over(&text, bound)
        } else {
            parse::rust_depth_over(&text, bound)
        }
        .unwrap_or(0);
        let line = text[..at].matches('\n').count() + 1;
        rows.push((depth, format!("{arg}:{line}")));
    }
    rows.sort_by(|a, b| b.cmp(a));
    let mut out = std::io::stdout().lock();
    for (depth, place) in rows {
        use std::io::Write;
        if writeln!(out, "{depth:>6}  {place}").is_err() {
            break;
        }
    }
}
