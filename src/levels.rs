//! One vocabulary for levels, in configuration files and on the command line.
//!
//! A rule's level: `allow`, `note`/`notes`, `warn`/`warning`/`warnings`, `deny`/`error`/`errors`.
//! The failing severity (`--deny`, `deny = …`): the same words but `allow`. `-A/-W/-D RULE` set a
//! rule's level like clippy's; `-D warnings` is `--deny warnings`.
//!
//! Not here: what a level does to findings (`crate::config`).

use slotlint_analyzer::suppression::closest;
use slotlint_analyzer::{rules, Severity};

/// What a rule's findings become.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// Not reported at all.
    Allow,
    Note,
    Warn,
    Deny,
}

/// Every accepted spelling, for messages and "did you mean".
pub const LEVEL_WORDS: [&str; 9] = [
    "allow", "note", "notes", "warn", "warning", "warnings", "deny", "error", "errors",
];

impl Level {
    pub fn parse(word: &str) -> Option<Level> {
        Some(match word.trim().to_ascii_lowercase().as_str() {
            "allow" => Level::Allow,
            "note" | "notes" => Level::Note,
            "warn" | "warning" | "warnings" => Level::Warn,
            "deny" | "error" | "errors" => Level::Deny,
            _ => return None,
        })
    }

    /// The severity findings get, `None` for `allow`.
    pub fn severity(self) -> Option<Severity> {
        match self {
            Level::Allow => None,
            Level::Note => Some(Severity::Note),
            Level::Warn => Some(Severity::Warning),
            Level::Deny => Some(Severity::Error),
        }
    }
}

/// Why a word is not a level: names the accepted words and the closest one.
pub fn level_error(word: &str, what: &str) -> String {
    let hint = closest(&word.to_ascii_lowercase(), &LEVEL_WORDS)
        .map(|n| format!(" (did you mean `{n}`?)"))
        .unwrap_or_default();
    format!("`{word}` is not {what}: one of allow, note, warn, deny (or notes, warning(s), error(s)){hint}")
}

/// The failing severity: `errors`, `warnings`, `notes`, or their other spellings.
pub fn parse_failing(word: &str) -> Result<Severity, String> {
    match Level::parse(word).and_then(Level::severity) {
        Some(s) => Ok(s),
        None => Err(level_error(word, "a failing severity")),
    }
}

/// A `-A/-W/-D RULE` (or `--allow/--warn/--deny RULE`) on the command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LevelFlag {
    /// `--deny warnings` / `-D notes` …: the failing severity.
    Failing(Severity),
    /// A rule's level.
    Rule(&'static str, Level),
}

/// Reads `-A RULE`, `-W RULE`, `-D RULE|LEVEL` (`level` is the flag's own level).
pub fn parse_flag(level: Level, value: &str) -> Result<LevelFlag, String> {
    if let Some(rule) = rules::find(value) {
        return Ok(LevelFlag::Rule(rule.name, level));
    }
    if level == Level::Deny {
        if let Some(s) = Level::parse(value).and_then(Level::severity) {
            return Ok(LevelFlag::Failing(s));
        }
    }
    let names: Vec<&str> = rules::RULES.iter().map(|r| r.name).collect();
    let wanted = value.to_ascii_lowercase().replace('_', "-");
    let hint = match closest(&wanted, &names) {
        Some(near) => format!("; did you mean `{near}`?"),
        None => "; `cargo slotlint rules` lists them".into(),
    };
    Err(format!("no rule named `{value}`{hint}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_of_a_level() {
        for w in ["warn", "warning", "warnings", "WARN"] {
            assert_eq!(Level::parse(w), Some(Level::Warn), "{w}");
        }
        for w in ["deny", "error", "errors"] {
            assert_eq!(Level::parse(w), Some(Level::Deny), "{w}");
        }
        for w in ["note", "notes"] {
            assert_eq!(Level::parse(w), Some(Level::Note), "{w}");
        }
        assert_eq!(Level::parse("allow"), Some(Level::Allow));
        assert_eq!(Level::parse("loud"), None);
        assert_eq!(parse_failing("warning"), Ok(Severity::Warning));
        assert_eq!(parse_failing("deny"), Ok(Severity::Error));
        assert!(parse_failing("allow").is_err());
        assert!(parse_failing("wranings")
            .unwrap_err()
            .contains("did you mean `warnings`"));
    }

    #[test]
    fn flags_name_rules_or_the_failing_severity() {
        assert_eq!(
            parse_flag(Level::Allow, "cross_slot_command"),
            Ok(LevelFlag::Rule("cross-slot-command", Level::Allow))
        );
        assert_eq!(
            parse_flag(Level::Deny, "SL203"),
            Ok(LevelFlag::Rule("node-local-command", Level::Deny))
        );
        assert_eq!(
            parse_flag(Level::Deny, "warnings"),
            Ok(LevelFlag::Failing(Severity::Warning))
        );
        assert!(parse_flag(Level::Warn, "warnings").is_err());
        assert!(parse_flag(Level::Warn, "cross-slot-comand")
            .unwrap_err()
            .contains("did you mean `cross-slot-command`"));
    }
}
