//! `#[slotlint::allow]` checks rule names at compile time against a list of its own
//! (`crates/macros/src/rule_names.rs`), since a proc-macro crate cannot depend on the analyzer.
//! This test compiles that file here and holds it to the analyzer's registry: the same rules,
//! and every spelling resolved as the analyzer's suppressions resolve it.

#[path = "../../macros/src/rule_names.rs"]
mod rule_names;

use slotlint_analyzer::rules;

#[test]
fn the_macros_list_the_analyzers_rules() {
    let analyzer: Vec<(&str, &str)> = rules::RULES.iter().map(|r| (r.name, r.code)).collect();
    assert_eq!(
        rule_names::RULES,
        analyzer.as_slice(),
        "crates/macros/src/rule_names.rs must list the rules of slotlint_analyzer::rules::RULES"
    );
}

#[test]
fn every_spelling_resolves_as_in_the_analyzer() {
    let mut spellings: Vec<String> = [
        "",
        " ",
        "sl",
        "SL",
        "SL999",
        "SL10",
        "cross-slot",
        "cross slot command",
        "allow",
        "reason",
        "CrossSlotCommand",
        "cross--slot-command",
        "crossslotcommand",
    ]
    .map(String::from)
    .to_vec();
    for rule in rules::RULES {
        let snake = rule.name.replace('-', "_");
        spellings.extend([
            rule.name.to_owned(),
            snake.clone(),
            snake.to_ascii_uppercase(),
            format!(" {} ", rule.name),
            rule.code.to_owned(),
            rule.code.to_ascii_lowercase(),
            format!("{}s", rule.name),
            rule.name[1..].to_owned(),
            format!("\"{}\"", rule.name),
        ]);
    }
    for written in &spellings {
        assert_eq!(
            rule_names::resolve(written),
            rules::find(written).map(|r| r.name),
            "`{written}`: the macros and the analyzer disagree"
        );
    }
}
