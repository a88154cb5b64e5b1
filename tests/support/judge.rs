//! The oracle's judgment: what a cluster's behaviour says each call site deserves, and whether
//! the analyzer's findings say exactly that. Pure functions over what the apps printed
//! ([`Op`]) and what `check` predicted ([`Diagnostic`]); running things is elsewhere.
//!
//! What a run observes, and the finding it calls for:
//! - a failure → an `error` of the rule the failure means ([`rule_of_failure`]: what was sent
//!   and how it was refused);
//! - a success in which the cluster client split a command per slot → a finding of
//!   `cross-slot-command` (split MGET, DEL, MSET …) or `cross-slot-transaction` (a split WATCH
//!   guards nothing), at most a warning;
//! - a success whose result differs from one server's because the command reached one node (the
//!   fixture lists them) → a `node-local-command` warning;
//! - a call whose keys the app computes from run-time input (`keys=input`) and that nothing
//!   else flags → a note (slotlint cannot tell).
//!
//! And every finding must rest on one of those: an error on a failure of its rule, a warning on
//! a split, a node-local call or run-time keys, a note on run-time keys.

use super::apps::{Op, Shape};
use super::findings::Diagnostic;

/// Replies that name their cause (the hazards no hash tag removes), with the rule each means:
/// (text in the message, rule).
pub const REFUSALS: &[(&str, &str)] = &[
    ("BY option of SORT denied in Cluster mode", "sort-pattern"),
    ("GET option of SORT denied in Cluster mode", "sort-pattern"),
    (
        "Copying to another database is not allowed in cluster mode",
        "non-zero-database",
    ),
    ("SELECT is not allowed in cluster mode", "non-zero-database"),
    (
        "Script attempted to access a non local key",
        "undeclared-script-key",
    ),
    // redis-rs's sync `ClusterConnection` refuses `redis::pipe()` before sending anything.
    (
        "This connection does not support pipelining",
        "cross-slot-pipeline",
    ),
];

/// Commands that run a script: a cross-slot refusal of one is the script's.
pub const SCRIPT_COMMANDS: &[&str] = &[
    "EVAL",
    "EVALSHA",
    "EVAL_RO",
    "EVALSHA_RO",
    "FCALL",
    "FCALL_RO",
];

/// The rule a failed run's failure means: a named refusal ([`REFUSALS`]), else for a cross-slot
/// refusal (the server's `CROSSSLOT` or redis-rs's "Received crossed slots in pipeline") the
/// shape of the request that failed: a MULTI/EXEC pipeline or a WATCH → `cross-slot-transaction`,
/// a plain pipeline → `cross-slot-pipeline`, a script → `cross-slot-script`, any other command
/// → `cross-slot-command`. `Err` says why no rule explains it.
pub fn rule_of_failure(op: &Op) -> Result<&'static str, String> {
    let super::apps::Outcome::Fail { kind, message } = &op.outcome else {
        return Err("it did not fail".into());
    };
    if let Some((_, rule)) = REFUSALS.iter().find(|(text, _)| message.contains(text)) {
        return Ok(rule);
    }
    if kind != "CROSSSLOT" && kind != "CLIENT_CROSSSLOT" {
        return Err(format!("no rule explains {kind} {message}"));
    }
    let Some(request) = op.failed_request() else {
        return Err(format!(
            "{kind} with no failed request (via={})",
            op.via_text()
        ));
    };
    let first = request.commands.first().map(String::as_str).unwrap_or("");
    Ok(match request.shape {
        Shape::Transaction => "cross-slot-transaction",
        Shape::Pipeline => "cross-slot-pipeline",
        Shape::Command if first == "WATCH" => "cross-slot-transaction",
        Shape::Command if SCRIPT_COMMANDS.contains(&first) => "cross-slot-script",
        Shape::Command => "cross-slot-command",
    })
}

/// The rules the splits of a successful run call for: a WATCH the cluster client split per slot
/// guards nothing (`cross-slot-transaction`); any other split command is no longer atomic
/// (`cross-slot-command`).
pub fn split_rules(op: &Op) -> Vec<&'static str> {
    if op.failed() {
        return Vec::new();
    }
    let mut rules = Vec::new();
    for request in op.via.iter().filter(|r| r.split() && !r.failed) {
        let rule = if request.commands[0] == "WATCH" {
            "cross-slot-transaction"
        } else {
            "cross-slot-command"
        };
        if !rules.contains(&rule) {
            rules.push(rule);
        }
    }
    rules
}

/// One call site: every run of one operation at one line.
pub struct Site<'a> {
    pub line: u32,
    pub name: String,
    /// Its runs on the cluster.
    pub runs: Vec<&'a Op>,
    /// The fixture says its result legitimately differs from one server's: the command reached
    /// one node only.
    pub node_local: bool,
}

impl Site<'_> {
    fn input(&self) -> bool {
        self.runs.iter().any(|op| op.input)
    }

    fn succeeded(&self) -> bool {
        self.runs.iter().any(|op| !op.failed())
    }

    /// The rules its failures mean (each once), and the failures no rule explains.
    fn failure_rules(&self) -> (Vec<&'static str>, Vec<String>) {
        let (mut rules, mut unexplained) = (Vec::new(), Vec::new());
        for op in self.runs.iter().filter(|op| op.failed()) {
            match rule_of_failure(op) {
                Ok(rule) if !rules.contains(&rule) => rules.push(rule),
                Ok(_) => {}
                Err(e) if !unexplained.contains(&e) => unexplained.push(e),
                Err(_) => {}
            }
        }
        (rules, unexplained)
    }

    fn split_rules(&self) -> Vec<&'static str> {
        let mut rules = Vec::new();
        for rule in self.runs.iter().flat_map(|op| split_rules(op)) {
            if !rules.contains(&rule) {
                rules.push(rule);
            }
        }
        rules
    }
}

/// What kind of disagreement a [`Problem`] is (the key of the pending list in tests/cluster.rs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Class {
    /// A call failed on the cluster and no finding of the failure's rule covers it.
    Missed,
    /// A call failed and the findings covering it are of another rule, or an error's rule is
    /// not the rule of the failure it covers.
    WrongRule,
    /// An error where every call succeeded.
    FalseAlarm,
    /// The cluster client split a command per slot and no finding says so.
    UnseenSplit,
    /// A warning says the command is split, and no call there was.
    NotSplit,
    /// A warning of the rule of a failure it covers: the call fails, an error is due.
    UnderstatedFailure,
    /// A call whose keys come from run-time input, with no finding at all.
    NoNote,
    /// A note (slotlint cannot tell) where the app's keys are fixed in the source.
    NoteOnFixedKeys,
    /// A warning the cluster gives no ground for: no split, not node-local, keys fixed in the
    /// source.
    Ungrounded,
    /// A call whose result differs on the cluster because it reached one node, unwarned.
    UnwarnedNodeLocal,
    /// A finding on a line where no call ran, or outside the app's `main.rs`.
    Stray,
    /// The fixture misbehaves: a failure no rule explains, other failures than it is written
    /// for, a result that differs, what `fix` left.
    Fixture,
    /// After `cargo slotlint fix --unsafe`, a call still fails, or `check` still reports an
    /// error, or a result changed.
    AfterFix,
}

impl Class {
    pub fn as_str(self) -> &'static str {
        match self {
            Class::Missed => "MISSED",
            Class::WrongRule => "WRONG RULE",
            Class::FalseAlarm => "FALSE ALARM",
            Class::UnseenSplit => "UNSEEN SPLIT",
            Class::NotSplit => "NOT SPLIT",
            Class::UnderstatedFailure => "UNDERSTATED FAILURE",
            Class::NoNote => "NO NOTE",
            Class::NoteOnFixedKeys => "NOTE ON FIXED KEYS",
            Class::Ungrounded => "UNGROUNDED WARNING",
            Class::UnwarnedNodeLocal => "UNWARNED NODE-LOCAL",
            Class::Stray => "STRAY",
            Class::Fixture => "FIXTURE",
            Class::AfterFix => "AFTER FIX",
        }
    }
}

/// One disagreement, at an operation (or `(no operation)`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub op: String,
    pub line: Option<u32>,
    pub class: Class,
    pub text: String,
}

impl Problem {
    pub fn at(site: &Site<'_>, class: Class, text: String) -> Problem {
        Problem {
            op: site.name.clone(),
            line: Some(site.line),
            class,
            text,
        }
    }
}

fn rules_of(findings: &[&Diagnostic], keep: impl Fn(&Diagnostic) -> bool) -> String {
    let mut rules: Vec<String> = findings
        .iter()
        .filter(|d| keep(d))
        .map(|d| format!("{} {}", d.severity, d.rule))
        .collect();
    rules.dedup();
    rules.join(", ")
}

/// Judges every call site and every finding (`in_main`: the findings in the app's `main.rs`;
/// `elsewhere`: any other file's, all stray).
pub fn judge(sites: &[Site<'_>], in_main: &[Diagnostic], elsewhere: &[Diagnostic]) -> Vec<Problem> {
    let mut problems = Vec::new();
    for site in sites {
        let covering: Vec<&Diagnostic> = in_main.iter().filter(|d| d.covers(site.line)).collect();
        let input = site.input();
        let (failure_rules, unexplained) = site.failure_rules();
        for e in unexplained {
            problems.push(Problem::at(
                site,
                Class::Fixture,
                format!("failed on the cluster, and {e}"),
            ));
        }
        for rule in &failure_rules {
            // An error of the failure's rule; at a call whose keys come from run-time input, a
            // note or warning of that rule will do (slotlint cannot know the input).
            let said = covering
                .iter()
                .any(|d| d.rule == *rule && (d.is("error") || input));
            if said {
                continue;
            }
            let others = rules_of(&covering, |d| d.is("error") || input);
            if others.is_empty() {
                let weaker = rules_of(&covering, |_| true);
                let predicted = if weaker.is_empty() {
                    "nothing predicted".to_string()
                } else {
                    format!("predicted only {weaker}")
                };
                problems.push(Problem::at(
                    site,
                    Class::Missed,
                    format!("failed on the cluster ({rule}), {predicted}"),
                ));
            } else {
                problems.push(Problem::at(
                    site,
                    Class::WrongRule,
                    format!("failed on the cluster ({rule}), predicted {others}"),
                ));
            }
        }
        for rule in site.split_rules() {
            if !covering.iter().any(|d| d.rule == rule && !d.is("note")) {
                problems.push(Problem::at(
                    site,
                    Class::UnseenSplit,
                    format!("the cluster client split it per slot ({rule}), nothing predicted"),
                ));
            }
        }
        if site.node_local
            && !covering
                .iter()
                .any(|d| d.rule == "node-local-command" && d.is("warning"))
        {
            problems.push(Problem::at(
                site,
                Class::UnwarnedNodeLocal,
                "its result on the cluster is one node's, no node-local-command warning".into(),
            ));
        }
        if input && covering.is_empty() {
            problems.push(Problem::at(
                site,
                Class::NoNote,
                "keys from run-time input, and no note that slotlint cannot tell".into(),
            ));
        }
    }

    for d in in_main {
        let covered: Vec<&Site> = sites.iter().filter(|s| d.covers(s.line)).collect();
        let stray = |text: &str| Problem {
            op: "(no operation)".into(),
            line: Some(d.line),
            class: Class::Stray,
            text: format!("{}: {text}: {}", d.label(), d.message),
        };
        if covered.is_empty() {
            problems.push(stray("on a line where no call ran"));
            continue;
        }
        let first = covered[0];
        let at = |class: Class, text: String| {
            Problem::at(first, class, format!("{}: {text}", d.label()))
        };
        let failure_rules: Vec<&str> = covered.iter().flat_map(|s| s.failure_rules().0).collect();
        let input = covered.iter().any(|s| s.input());
        match d.severity.as_str() {
            "error" => {
                if failure_rules.contains(&d.rule.as_str()) {
                } else if !failure_rules.is_empty() {
                    problems.push(at(
                        Class::WrongRule,
                        format!(
                            "the cluster's failure there means {}",
                            failure_rules.join(", ")
                        ),
                    ));
                } else {
                    problems.push(at(
                        Class::FalseAlarm,
                        "every call it covers succeeded on the cluster".into(),
                    ));
                }
            }
            "warning" => {
                if failure_rules.contains(&d.rule.as_str()) && !input {
                    problems.push(at(
                        Class::UnderstatedFailure,
                        "the call fails on the cluster: an error is due".into(),
                    ));
                    continue;
                }
                let split: Vec<&str> = covered.iter().flat_map(|s| s.split_rules()).collect();
                let grounded = if d.says_split() {
                    split.contains(&"cross-slot-command")
                } else if d.rule == "node-local-command" {
                    covered.iter().any(|s| s.succeeded())
                } else {
                    split.contains(&d.rule.as_str()) || input
                };
                if !grounded {
                    let class = if d.says_split() {
                        Class::NotSplit
                    } else {
                        Class::Ungrounded
                    };
                    let text = if d.says_split() {
                        "says the command is split per slot; the cluster client split nothing there"
                    } else {
                        "no split, not node-local, keys fixed in the source: the cluster gives no ground for it"
                    };
                    problems.push(at(class, text.into()));
                }
            }
            _ => {
                if !input {
                    problems.push(at(
                        Class::NoteOnFixedKeys,
                        "slotlint could tell: the keys are fixed in the source".into(),
                    ));
                }
            }
        }
    }
    for d in elsewhere {
        problems.push(Problem {
            op: "(no operation)".into(),
            line: None,
            class: Class::Stray,
            text: format!(
                "{}:{}: {} outside the app's main.rs: {}",
                d.file,
                d.line,
                d.label(),
                d.message
            ),
        });
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::super::apps::parse_op;
    use super::*;

    fn op(line: &str) -> Op {
        parse_op(line).unwrap_or_else(|e| panic!("{e}"))
    }

    fn finding(severity: &str, rule: &str, line: u32, message: &str) -> Diagnostic {
        Diagnostic {
            rule: rule.into(),
            severity: severity.into(),
            message: message.into(),
            file: "fixtures/apps/x/src/main.rs".into(),
            line,
            end_line: line,
            script_ops: Vec::new(),
        }
    }

    fn sites(ops: &[Op]) -> Vec<Site<'_>> {
        ops.iter()
            .map(|op| Site {
                line: op.line,
                name: op.name.clone(),
                runs: vec![op],
                node_local: false,
            })
            .collect()
    }

    fn classes(problems: &[Problem]) -> Vec<(String, Class)> {
        problems.iter().map(|p| (p.op.clone(), p.class)).collect()
    }

    #[test]
    fn a_failure_means_the_rule_of_what_was_refused() {
        let cases = [
            ("FAIL a line=1 keys=code via=SMOVE! kind=CROSSSLOT CROSSSLOT: Keys in request don't hash to the same slot", "cross-slot-command"),
            ("FAIL a line=1 keys=code via=pipe[GET+GET]! kind=CLIENT_CROSSSLOT Received crossed slots in pipeline", "cross-slot-pipeline"),
            ("FAIL a line=1 keys=code via=multi[GET+GET]! kind=CLIENT_CROSSSLOT Received crossed slots in pipeline", "cross-slot-transaction"),
            ("FAIL a line=1 keys=code via=WATCH/1,multi[GET+GET]! kind=CROSSSLOT EXECABORT CROSSSLOT", "cross-slot-transaction"),
            ("FAIL a line=1 keys=code via=EVALSHA! kind=CROSSSLOT CROSSSLOT: Keys in request don't hash to the same slot", "cross-slot-script"),
            ("FAIL a line=1 keys=code via=EVALSHA!,EVAL! kind=OTHER ERR Script attempted to access a non local key in a cluster node", "undeclared-script-key"),
            ("FAIL a line=1 keys=code via=SORT! kind=OTHER ERR BY option of SORT denied in Cluster mode.", "sort-pattern"),
            ("FAIL a line=1 keys=code via=- kind=OTHER This connection does not support pipelining.", "cross-slot-pipeline"),
        ];
        for (line, rule) in cases {
            assert_eq!(rule_of_failure(&op(line)), Ok(rule), "{line}");
        }
        assert!(rule_of_failure(&op(
            "FAIL a line=1 keys=code via=GET! kind=OTHER ERR wrong type"
        ))
        .is_err());
        assert!(rule_of_failure(&op(
            "FAIL a line=1 keys=code via=- kind=CROSSSLOT CROSSSLOT"
        ))
        .is_err());
    }

    #[test]
    fn only_split_commands_of_a_success_call_for_a_finding() {
        let split =
            op("OK a line=1 keys=code via=WATCH/2,HLEN,multi[SET+GET],UNWATCH,MGET/3,DEL/1 x");
        assert_eq!(
            split_rules(&split),
            ["cross-slot-transaction", "cross-slot-command"]
        );
        let failed = op("FAIL a line=1 keys=code via=MGET/3,SMOVE! kind=CROSSSLOT CROSSSLOT");
        assert!(split_rules(&failed).is_empty());
    }

    /// What an app of the oracle sees, and findings that say exactly that.
    fn observed() -> Vec<Op> {
        vec![
            op("FAIL rename line=10 keys=code via=RENAME! kind=CROSSSLOT CROSSSLOT"),
            op("FAIL pipe line=11 keys=code via=pipe[GET+GET]! kind=CLIENT_CROSSSLOT Received crossed slots in pipeline"),
            op("OK mget line=12 keys=code via=MGET/2 [1,2]"),
            op("FAIL named line=13 keys=input via=LMOVE! kind=CROSSSLOT CROSSSLOT"),
            op("OK named-same line=14 keys=input via=LMOVE x"),
            op("OK get line=15 keys=code via=GET x"),
        ]
    }

    fn right() -> Vec<Diagnostic> {
        vec![
            finding(
                "error",
                "cross-slot-command",
                10,
                "`RENAME` keys are in different hash slots",
            ),
            finding(
                "error",
                "cross-slot-pipeline",
                11,
                "the commands of this pipeline …",
            ),
            finding(
                "warning",
                "cross-slot-command",
                12,
                "redis-rs splits it per slot",
            ),
            finding("note", "cross-slot-command", 13, "slotlint cannot tell"),
            finding("note", "cross-slot-command", 14, "slotlint cannot tell"),
        ]
    }

    #[test]
    fn findings_that_say_what_the_cluster_did_pass() {
        let ops = observed();
        assert_eq!(judge(&sites(&ops), &right(), &[]), []);
    }

    /// The mutation of issue 10: swap `cross-slot-command` and `cross-slot-pipeline`, drop every
    /// warning and note.
    #[test]
    fn swapped_rules_and_dropped_warnings_and_notes_fail() {
        let ops = observed();
        let mutated: Vec<Diagnostic> = right()
            .into_iter()
            .filter(|d| d.is("error"))
            .map(|mut d| {
                d.rule = match d.rule.as_str() {
                    "cross-slot-command" => "cross-slot-pipeline".into(),
                    "cross-slot-pipeline" => "cross-slot-command".into(),
                    other => other.into(),
                };
                d
            })
            .collect();
        let mut got = classes(&judge(&sites(&ops), &mutated, &[]));
        got.sort();
        got.dedup();
        let want = [
            ("mget", Class::UnseenSplit),
            ("named", Class::Missed),
            ("named", Class::NoNote),
            ("named-same", Class::NoNote),
            ("pipe", Class::WrongRule),
            ("rename", Class::WrongRule),
        ];
        let mut want: Vec<(String, Class)> =
            want.iter().map(|(o, c)| (o.to_string(), *c)).collect();
        want.sort();
        assert_eq!(got, want);
    }

    #[test]
    fn findings_without_ground_are_named() {
        let ops = observed();
        let mut findings = right();
        findings.extend([
            finding("error", "cross-slot-command", 15, "`GET` …"),
            finding(
                "warning",
                "cross-slot-command",
                15,
                "may land in different hash slots, depending on run-time values",
            ),
            finding(
                "warning",
                "cross-slot-command",
                15,
                "redis-rs splits it per slot",
            ),
            finding("note", "cross-slot-command", 15, "slotlint cannot tell"),
            finding(
                "warning",
                "cross-slot-command",
                10,
                "redis-rs splits it per slot",
            ),
            finding("error", "cross-slot-command", 99, "…"),
        ]);
        let mut got = classes(&judge(
            &sites(&ops),
            &findings,
            &[finding("note", "x", 1, "elsewhere")],
        ));
        got.sort();
        let want = [
            ("(no operation)", Class::Stray),
            ("(no operation)", Class::Stray),
            ("get", Class::FalseAlarm),
            ("get", Class::NotSplit),
            ("get", Class::NoteOnFixedKeys),
            ("get", Class::Ungrounded),
            ("rename", Class::UnderstatedFailure),
        ];
        let mut want: Vec<(String, Class)> =
            want.iter().map(|(o, c)| (o.to_string(), *c)).collect();
        want.sort();
        assert_eq!(got, want);
    }
}
