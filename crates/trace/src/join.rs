//! The join: observed shapes matched to the static call sites of the code (`check --trace`).
//!
//! A shape matches a site when the site runs the same kind of thing (a command, or a pipeline
//! holding it; a transaction; a script) and each observed command has a command of the site with
//! the same name whose keys fit: every observed key matches the site's key pattern in its place,
//! a hole (`{}`) matching any text, an unresolved key matching any key, and a collection of keys
//! (`many`) matching a run of them. Shapes are matched through their stored examples (real keys).
//!
//! A finding observed on a shape is reported at every site it matches, judged for that site's
//! redis-rs version and context (inside a pipeline, redis-rs splits nothing); when a site already
//! has a static finding of that rule, the joined one replaces it ([`Joined::replaces`]). A shape
//! that matches no site is still reported, with the sites that run the same command as
//! candidates. [`JoinReport::exercised`] says how many observations matched each site, so that a
//! static finding never exercised can say so.
//!
//! Pure: plain data in ([`StaticSite`], built by the binary from the analyzer's call sites, and a
//! [`TraceFile`]), plain data out. Not here: rendering (the binary turns [`Joined`] into
//! diagnostics).

use std::collections::BTreeMap;

use slotlint_analyzer::{Severity, Version};
use slotlint_fix::pattern::{match_offsets, parse_skeleton, Atom};

use crate::file::{
    Example, Finding, FindingKind, Shape, ShapeCommand, SlotKey, TraceFile, UnitKind,
};
use crate::judge::{observed_text, verdict, Context};
use crate::observe::{MAX_ARG_BYTES, MAX_EXAMPLE_ARGS, MAX_EXAMPLE_KEYS};
use crate::shape::display_pattern;

/// How a site runs its commands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SiteKind {
    Command,
    Pipeline,
    /// `pipe().atomic()`: MULTI/EXEC.
    AtomicPipeline,
    /// `redis::transaction`, `transaction_async`: WATCH, then an atomic pipeline.
    Transaction,
    /// `redis::Script`, EVAL/EVALSHA/FCALL.
    Script,
}

/// A key argument of a site.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StaticKey {
    /// The key pattern as a Rust format string (`user:{}:profile`, literal braces doubled);
    /// `None` when the analyzer could not resolve it (it matches any key).
    pub pattern: Option<String>,
    /// The argument is a collection of keys of this pattern.
    pub many: bool,
}

/// A command of a site.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StaticCommand {
    /// Upper case, as sent (`MGET`, `XINFO STREAM`).
    pub name: String,
    pub keys: Vec<StaticKey>,
    /// False when the analyzer guessed positions after a collection of unknown length: only a
    /// prefix of the keys must fit.
    pub exact: bool,
    /// For raw commands (`cmd("SORT").arg(..)`): the arguments after the name, `None` where not
    /// a literal; empty for redis-rs methods. Literal ones must equal the observed arguments.
    pub argv: Vec<Option<String>>,
}

/// A static finding at a site.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StaticFinding {
    pub rule: String,
    pub severity: Severity,
}

/// A call site of the code, as the join sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StaticSite {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub kind: SiteKind,
    /// The command (Command), the pipeline's or transaction's commands, or the script's command
    /// (`EVALSHA` for `redis::Script`).
    pub commands: Vec<StaticCommand>,
    /// The WATCHed keys of a transaction, the declared KEYS of a script.
    pub keys: Vec<StaticKey>,
    /// The redis-rs version of the crate the site is in.
    pub version: Version,
    pub findings: Vec<StaticFinding>,
}

/// One finding of the joined report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Joined {
    pub rule: &'static str,
    pub severity: Severity,
    pub message: String,
    pub help: String,
    pub notes: Vec<String>,
    /// The observed keys behind it (two in different slots, an undeclared key…).
    pub keys: Vec<SlotKey>,
    /// The patterns of the observed shape (`MGET jobs:{}…`), for messages.
    pub shape: String,
    /// Index into the sites; `None` when no site matched.
    pub site: Option<usize>,
    /// Index into that site's `findings`: the static finding of the same rule this one replaces.
    pub replaces: Option<usize>,
    /// When no site matched: the sites that run the same command.
    pub candidates: Vec<usize>,
}

/// The join's result.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct JoinReport {
    pub findings: Vec<Joined>,
    /// Per site: observations matched to it (0: never exercised by the trace).
    pub exercised: Vec<u64>,
}

struct CompiledKey {
    atoms: Option<Vec<Atom>>,
    many: bool,
}

struct CompiledCommand<'a> {
    name: &'a str,
    keys: Vec<CompiledKey>,
    exact: bool,
    argv: &'a [Option<String>],
}

struct CompiledSite<'a> {
    site: &'a StaticSite,
    commands: Vec<CompiledCommand<'a>>,
    keys: Vec<CompiledKey>,
}

fn compile_keys(keys: &[StaticKey]) -> Vec<CompiledKey> {
    keys.iter()
        .map(|k| CompiledKey {
            // A pattern that is not a format string is matched as nothing more than any key.
            atoms: k.pattern.as_deref().and_then(|p| parse_skeleton(p).ok()),
            many: k.many,
        })
        .collect()
}

fn key_fits(atoms: &Option<Vec<Atom>>, key: &str) -> bool {
    match atoms {
        None => true,
        Some(atoms) => !match_offsets(atoms, key, &|_| true, true, 1).is_empty(),
    }
}

/// Whether observed `keys` fit the site's key arguments, in order. `exact: false` (or an
/// example cut at [`MAX_EXAMPLE_KEYS`]) needs only the observed keys to fit a prefix.
fn keys_fit(keys: &[String], site: &[CompiledKey], exact: bool) -> bool {
    let cut = keys.len() >= MAX_EXAMPLE_KEYS;
    // fits[i][j]: keys[i..] fit site[j..].
    let (n, m) = (keys.len(), site.len());
    let mut fits = vec![vec![false; m + 1]; n + 1];
    fits[n][m] = true;
    for j in (0..m).rev() {
        // Observed keys exhausted: the rest of the site may be missing only when not exact.
        fits[n][j] = !exact || cut;
    }
    for i in (0..n).rev() {
        // Site exhausted: extra observed keys only when not exact.
        fits[i][m] = !exact;
        for j in (0..m).rev() {
            let k = &site[j];
            if !key_fits(&k.atoms, &keys[i]) {
                fits[i][j] = false;
                continue;
            }
            fits[i][j] = fits[i + 1][j + 1] || (k.many && fits[i + 1][j]);
        }
    }
    fits[0][0]
}

fn command_fits(name: &str, keys: &[String], cmd: &CompiledCommand<'_>, loose: bool) -> bool {
    let same = if loose {
        family(name) == family(cmd.name)
    } else {
        name == cmd.name
    };
    same && keys_fit(keys, &cmd.keys, cmd.exact)
}

/// Whether observed arguments (the first [`MAX_EXAMPLE_ARGS`], each cut at [`MAX_ARG_BYTES`])
/// agree with a raw command's literal arguments. A fully literal argv must be all there is.
fn args_fit(observed: &[String], argv: &[Option<String>]) -> bool {
    if argv.is_empty() || observed.is_empty() {
        return true;
    }
    let seen_all = observed.len() < MAX_EXAMPLE_ARGS;
    for (i, want) in argv.iter().enumerate() {
        match (want, observed.get(i)) {
            (Some(want), Some(got))
                if got.len() < MAX_ARG_BYTES && !want.eq_ignore_ascii_case(got) =>
            {
                return false
            }
            (Some(_), None) if seen_all => return false,
            _ => {}
        }
    }
    let literal = argv.iter().all(Option::is_some);
    !(literal && seen_all && observed.len() > argv.len())
}

/// Commands one call of the code may send under either name, tried when no site sends the
/// observed name itself: a script by body or by SHA, `xread_options` with or without a group.
fn family(name: &str) -> &str {
    match name {
        "EVAL" | "EVALSHA" => "EVAL",
        "EVAL_RO" | "EVALSHA_RO" => "EVAL_RO",
        "XREAD" | "XREADGROUP" => "XREAD",
        other => other,
    }
}

/// Whether one example of `shape` is a run of `site`.
fn example_fits(shape: &Shape, example: &Example, site: &CompiledSite<'_>, loose: bool) -> bool {
    let commands = &shape.signature.commands;
    let keys = |i: usize| example.commands.get(i).map(Vec::as_slice).unwrap_or(&[]);
    let each_command_fits = |allowed: &[CompiledCommand<'_>]| {
        commands.iter().enumerate().all(|(i, c)| {
            allowed
                .iter()
                .any(|sc| command_fits(&c.name, keys(i), sc, loose))
        })
    };
    match (shape.signature.kind, site.site.kind) {
        (UnitKind::Command, SiteKind::Command | SiteKind::Pipeline) => {
            commands.first().is_some_and(|c| {
                site.commands.iter().any(|sc| {
                    args_fit(&example.args, sc.argv) && command_fits(&c.name, keys(0), sc, loose)
                })
            })
        }
        (UnitKind::Pipeline, SiteKind::Pipeline) => each_command_fits(&site.commands),
        (UnitKind::Transaction, SiteKind::Transaction | SiteKind::AtomicPipeline) => {
            let watch_fits = example.watch.is_empty()
                || site.keys.is_empty()
                || keys_fit(&example.watch, &site.keys, false);
            watch_fits
                && (!commands.is_empty() || !site.keys.is_empty())
                && each_command_fits(&site.commands)
        }
        (UnitKind::Script, SiteKind::Script) => {
            let Some(call) = commands.first() else {
                return false;
            };
            site.commands.iter().any(|sc| {
                if loose {
                    family(sc.name) == family(&call.name)
                } else {
                    sc.name == call.name
                }
            }) && keys_fit(keys(0), &site.keys, false)
        }
        _ => false,
    }
}

fn shape_fits(shape: &Shape, site: &CompiledSite<'_>, loose: bool) -> bool {
    !shape.signature.overflow
        && shape
            .examples
            .iter()
            .any(|e| example_fits(shape, e, site, loose))
}

/// `MGET jobs:{}…`, `MULTI SET u:{} SET v:{} EXEC`.
pub fn shape_text(shape: &Shape) -> String {
    let command = |c: &ShapeCommand| {
        let mut s = c.name.clone();
        for k in &c.keys {
            s.push(' ');
            s.push_str(&display_pattern(&k.pattern));
            if k.many {
                s.push('…');
            }
        }
        s
    };
    let list = |cs: &[ShapeCommand]| cs.iter().map(command).collect::<Vec<_>>().join("; ");
    match shape.signature.kind {
        UnitKind::Command => list(&shape.signature.commands),
        UnitKind::Pipeline => format!("pipeline: {}", list(&shape.signature.commands)),
        UnitKind::Transaction => {
            let watch: Vec<&str> = shape
                .signature
                .watch
                .iter()
                .map(|k| k.pattern.as_str())
                .collect();
            let watch = if watch.is_empty() {
                String::new()
            } else {
                format!("WATCH {}; ", watch.join(" "))
            };
            format!("{watch}MULTI; {}; EXEC", list(&shape.signature.commands))
        }
        UnitKind::Script => {
            let lua = list(&shape.signature.lua);
            if lua.is_empty() {
                list(&shape.signature.commands)
            } else {
                format!("{} (runs {lua})", list(&shape.signature.commands))
            }
        }
    }
}

/// Joins `trace` to `sites`. `default_version` judges what matches no site.
pub fn join(trace: &TraceFile, sites: &[StaticSite], default_version: Version) -> JoinReport {
    let compiled: Vec<CompiledSite<'_>> = sites
        .iter()
        .map(|site| CompiledSite {
            site,
            commands: site
                .commands
                .iter()
                .map(|c| CompiledCommand {
                    name: &c.name,
                    keys: compile_keys(&c.keys),
                    exact: c.exact,
                    argv: &c.argv,
                })
                .collect(),
            keys: compile_keys(&site.keys),
        })
        .collect();
    let mut exercised = vec![0u64; sites.len()];
    // Findings per (site, rule), merged over shapes: (finding facts, shape text).
    let mut at_sites: BTreeMap<(usize, &'static str), Vec<(Finding, String)>> = BTreeMap::new();
    let mut findings = Vec::new();
    for shape in &trace.shapes {
        let fitting = |loose: bool| -> Vec<usize> {
            compiled
                .iter()
                .enumerate()
                .filter(|(_, c)| shape_fits(shape, c, loose))
                .map(|(i, _)| i)
                .collect()
        };
        let mut matched = fitting(false);
        if matched.is_empty() {
            matched = fitting(true);
        }
        for &i in &matched {
            exercised[i] += shape.count;
        }
        let text = shape_text(shape);
        for f in &shape.findings {
            if matched.is_empty() {
                let v = verdict(f, default_version, Context::Alone);
                let first = shape
                    .signature
                    .commands
                    .first()
                    .map(|c| c.name.as_str())
                    .unwrap_or("");
                let candidates = sites
                    .iter()
                    .enumerate()
                    .filter(|(_, s)| {
                        s.commands.iter().any(|c| {
                            c.name == first
                                || c.name == f.command
                                || (shape.signature.kind == UnitKind::Script
                                    && family(&c.name) == family(first))
                        })
                    })
                    .map(|(i, _)| i)
                    .collect();
                findings.push(Joined {
                    rule: f.kind.rule(),
                    severity: v.severity,
                    message: v.message,
                    help: v.help,
                    notes: v.notes,
                    keys: f.keys.clone(),
                    shape: text.clone(),
                    site: None,
                    replaces: None,
                    candidates,
                });
                continue;
            }
            for &i in &matched {
                let list = at_sites.entry((i, f.kind.rule())).or_default();
                match list
                    .iter_mut()
                    .find(|(g, _)| g.kind == f.kind && g.command == f.command)
                {
                    Some((g, _)) => g.count += f.count,
                    None => list.push((f.clone(), text.clone())),
                }
            }
        }
    }
    for ((i, rule), list) in at_sites {
        let site = &sites[i];
        let context = if site.kind == SiteKind::Pipeline {
            Context::InPipeline
        } else {
            Context::Alone
        };
        // The most severe fact leads; the others are notes.
        let mut judged: Vec<(crate::judge::Verdict, &Finding, &String)> = list
            .iter()
            .map(|(f, text)| (verdict(f, site.version, context), f, text))
            .collect();
        judged.sort_by(|a, b| {
            b.0.severity
                .cmp(&a.0.severity)
                .then(b.1.count.cmp(&a.1.count))
        });
        let (lead, f, text) = judged.remove(0);
        let mut notes = lead.notes;
        for (v, _, _) in &judged {
            notes.push(format!("also: {}", v.message));
        }
        findings.push(Joined {
            rule,
            severity: lead.severity,
            message: lead.message,
            help: lead.help,
            notes,
            keys: f.keys.clone(),
            shape: text.clone(),
            site: Some(i),
            replaces: site.findings.iter().position(|s| s.rule == rule),
            candidates: Vec::new(),
        });
    }
    for db in &trace.databases {
        let candidates = sites
            .iter()
            .enumerate()
            .filter(|(_, s)| s.findings.iter().any(|f| f.rule == "non-zero-database"))
            .map(|(i, _)| i)
            .collect();
        let f = Finding {
            rule: FindingKind::OtherDatabase.rule().into(),
            kind: FindingKind::OtherDatabase,
            command: String::new(),
            count: db.count,
            keys: Vec::new(),
            detail: None,
        };
        findings.push(Joined {
            rule: FindingKind::OtherDatabase.rule(),
            severity: Severity::Error,
            message: format!(
                "commands ran in database {}: a cluster only has database 0; {}, e.g. `{}`",
                db.db,
                observed_text(&f),
                db.example
            ),
            help: "stay in database 0 (no `/N` in the connection URL, no SELECT) and keep data sets apart by key prefix".into(),
            notes: Vec::new(),
            keys: Vec::new(),
            shape: db.example.clone(),
            site: None,
            replaces: None,
            candidates,
        });
    }
    findings.sort_by(|a, b| (a.site, a.rule, &a.shape).cmp(&(b.site, b.rule, &b.shape)));
    JoinReport {
        findings,
        exercised,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::monitor::parse_line;
    use crate::observe::{Observer, Options};

    fn trace(lines: &[&str]) -> TraceFile {
        let mut o = Observer::new(Options::default(), None);
        for l in lines {
            o.feed(parse_line(l).unwrap());
        }
        o.finish()
    }

    fn key(p: Option<&str>, many: bool) -> StaticKey {
        StaticKey {
            pattern: p.map(str::to_owned),
            many,
        }
    }

    fn site(
        kind: SiteKind,
        commands: Vec<(&str, Vec<StaticKey>)>,
        findings: &[(&str, Severity)],
    ) -> StaticSite {
        StaticSite {
            file: "src/main.rs".into(),
            line: 1,
            column: 1,
            kind,
            commands: commands
                .into_iter()
                .map(|(name, keys)| StaticCommand {
                    name: name.into(),
                    keys,
                    exact: true,
                    argv: Vec::new(),
                })
                .collect(),
            keys: Vec::new(),
            version: (1, 8, 1),
            findings: findings
                .iter()
                .map(|(r, s)| StaticFinding {
                    rule: (*r).into(),
                    severity: *s,
                })
                .collect(),
        }
    }

    #[test]
    fn keys_fit_patterns_with_holes_and_collections() {
        let c = |keys: Vec<StaticKey>, exact| CompiledCommand {
            name: "MGET",
            keys: compile_keys(&keys),
            exact,
            argv: &[],
        };
        let keys = |ks: &[&str]| ks.iter().map(|k| k.to_string()).collect::<Vec<_>>();
        let two = c(
            vec![
                key(Some("user:{}:profile"), false),
                key(Some("user:{}:prefs"), false),
            ],
            true,
        );
        assert!(command_fits(
            "MGET",
            &keys(&["user:7:profile", "user:7:prefs"]),
            &two,
            false
        ));
        assert!(!command_fits(
            "MGET",
            &keys(&["user:7:prefs", "user:7:profile"]),
            &two,
            false
        ));
        assert!(!command_fits(
            "MGET",
            &keys(&["user:7:profile"]),
            &two,
            false
        ));
        assert!(!command_fits(
            "GET",
            &keys(&["user:7:profile", "user:7:prefs"]),
            &two,
            false
        ));
        let many = c(vec![key(Some("jobs:{}"), true)], true);
        assert!(command_fits(
            "MGET",
            &keys(&["jobs:a", "jobs:b", "jobs:c"]),
            &many,
            false
        ));
        assert!(!command_fits(
            "MGET",
            &keys(&["jobs:a", "other"]),
            &many,
            false
        ));
        let unknown = c(vec![key(None, false), key(None, false)], true);
        assert!(command_fits("MGET", &keys(&["a", "b"]), &unknown, false));
        let tagged = c(vec![key(Some("{{cart:{}}}:saved"), false)], true);
        assert!(command_fits(
            "MGET",
            &keys(&["{cart:42}:saved"]),
            &tagged,
            false
        ));
        assert!(!command_fits(
            "MGET",
            &keys(&["cart:42:saved"]),
            &tagged,
            false
        ));
        let xread = CompiledCommand {
            name: "XREAD",
            keys: compile_keys(&[key(None, true)]),
            exact: true,
            argv: &[],
        };
        assert!(!command_fits("XREADGROUP", &keys(&["s"]), &xread, false));
        assert!(command_fits("XREADGROUP", &keys(&["s"]), &xread, true));
        let guessed = c(vec![key(Some("a:{}"), false)], false);
        assert!(command_fits(
            "MGET",
            &keys(&["a:1", "b:2"]),
            &guessed,
            false
        ));
    }

    #[test]
    fn a_note_becomes_an_error_at_its_site() {
        let t = trace(&[r#"1.000000 [0 10.0.0.1:1] "RENAME" "jobs:alpha" "jobs:beta""#]);
        let sites = vec![
            site(
                SiteKind::Command,
                vec![("RENAME", vec![key(None, false), key(None, false)])],
                &[("cross-slot-command", Severity::Note)],
            ),
            site(
                SiteKind::Command,
                vec![("GET", vec![key(None, false)])],
                &[],
            ),
        ];
        let report = join(&t, &sites, (1, 8, 1));
        assert_eq!(report.exercised, vec![1, 0]);
        assert_eq!(report.findings.len(), 1);
        let j = &report.findings[0];
        assert_eq!(
            (j.rule, j.severity, j.site, j.replaces),
            ("cross-slot-command", Severity::Error, Some(0), Some(0))
        );
        assert!(
            j.message.contains("observed once, e.g. `jobs:alpha` (slot"),
            "{}",
            j.message
        );
    }

    #[test]
    fn a_split_command_is_an_error_inside_a_pipeline() {
        let t = trace(&[
            r#"1.000000 [0 10.0.0.1:1] "MGET" "cache:user:7:profile" "cache:user:7:prefs""#,
            r#"1.000010 [0 10.0.0.1:1] "TTL" "cache:user:7:profile""#,
        ]);
        let alone = vec![site(
            SiteKind::Command,
            vec![(
                "MGET",
                vec![
                    key(Some("cache:user:{}:profile"), false),
                    key(Some("cache:user:{}:prefs"), false),
                ],
            )],
            &[],
        )];
        let report = join(&t, &alone, (1, 8, 1));
        let severities: Vec<(&str, Severity, Option<usize>)> = report
            .findings
            .iter()
            .map(|j| (j.rule, j.severity, j.site))
            .collect();
        // The pipeline (MGET + TTL) matches no pipeline site: a warning of its own.
        assert_eq!(
            severities,
            [
                ("cross-slot-pipeline", Severity::Warning, None),
                ("cross-slot-command", Severity::Warning, Some(0))
            ]
        );
        let piped = vec![site(
            SiteKind::Pipeline,
            vec![
                (
                    "MGET",
                    vec![
                        key(Some("cache:user:{}:profile"), false),
                        key(Some("cache:user:{}:prefs"), false),
                    ],
                ),
                ("TTL", vec![key(Some("cache:user:{}:profile"), false)]),
            ],
            &[],
        )];
        let report = join(&t, &piped, (1, 8, 1));
        let severities: Vec<(&str, Severity, Option<usize>)> = report
            .findings
            .iter()
            .map(|j| (j.rule, j.severity, j.site))
            .collect();
        assert_eq!(
            severities,
            [
                ("cross-slot-command", Severity::Error, Some(0)),
                ("cross-slot-pipeline", Severity::Error, Some(0))
            ]
        );
    }

    #[test]
    fn unmatched_shapes_keep_their_candidates_and_scripts_match_by_family() {
        let t = trace(&[
            r#"1.000000 [0 10.0.0.1:1] "MSETNX" "p:1" "a" "q:1" "b""#,
            r#"2.000000 [0 10.0.0.1:1] "EVALSHA" "abc" "1" "hz:visits" "home""#,
            r#"2.000010 [0 lua] "SET" "hz:last:home" "1""#,
        ]);
        let mut script = site(SiteKind::Script, vec![("EVALSHA", Vec::new())], &[]);
        script.keys = vec![key(Some("hz:visits"), false)];
        let sites = vec![
            site(
                SiteKind::Command,
                vec![("MSETNX", vec![key(Some("other:{}"), false)])],
                &[],
            ),
            script,
        ];
        let report = join(&t, &sites, (1, 8, 1));
        let msetnx = report
            .findings
            .iter()
            .find(|j| j.rule == "cross-slot-command")
            .unwrap();
        assert_eq!((msetnx.site, &msetnx.candidates[..]), (None, &[0][..]));
        let undeclared = report
            .findings
            .iter()
            .find(|j| j.rule == "undeclared-script-key")
            .unwrap();
        assert_eq!(
            (undeclared.site, undeclared.severity),
            (Some(1), Severity::Error)
        );
    }

    #[test]
    fn literal_arguments_tell_raw_commands_apart() {
        let t = trace(&[
            r#"1.000000 [0 10.0.0.1:1] "SORT" "hz:ids""#,
            r#"2.000000 [0 10.0.0.1:1] "SORT" "hz:ids" "BY" "hz:w_*""#,
        ]);
        let sort = |argv: &[Option<&str>]| {
            let mut s = site(
                SiteKind::Command,
                vec![("SORT", vec![key(None, false)])],
                &[],
            );
            s.commands[0].argv = argv.iter().map(|a| a.map(str::to_owned)).collect();
            s
        };
        let sites = vec![
            sort(&[None]),
            sort(&[None, Some("BY"), Some("hz:w_*")]),
            sort(&[Some("hz:ids")]),
        ];
        let report = join(&t, &sites, (1, 8, 1));
        // Plain SORT: the site with an unknown argument and the literal one; SORT BY: the first two.
        assert_eq!(report.exercised, vec![2, 1, 1]);
        let sites_with_errors: Vec<Option<usize>> =
            report.findings.iter().map(|j| j.site).collect();
        assert_eq!(sites_with_errors, [Some(0), Some(1)]);
        assert!(args_fit(
            &["a".into(), "BY".into()],
            &[None, Some("by".into())]
        ));
        assert!(!args_fit(
            &["a".into()],
            &[Some("a".into()), Some("BY".into())]
        ));
    }

    #[test]
    fn transactions_match_transaction_sites() {
        let t = trace(&[
            r#"1.000000 [0 10.0.0.1:1] "WATCH" "cart:42:items""#,
            r#"1.000100 [0 10.0.0.1:1] "MULTI""#,
            r#"1.000200 [0 10.0.0.1:1] "HINCRBY" "cart:42:items" "sku" "1""#,
            r#"1.000201 [0 10.0.0.1:1] "DEL" "cart:42:coupon""#,
            r#"1.000202 [0 10.0.0.1:1] "EXEC""#,
        ]);
        let mut tx = site(
            SiteKind::Transaction,
            vec![
                ("HINCRBY", vec![key(Some("cart:{}:items"), false)]),
                ("DEL", vec![key(None, false)]),
            ],
            &[("cross-slot-transaction", Severity::Warning)],
        );
        tx.keys = vec![key(Some("cart:{}:items"), false)];
        let other = site(
            SiteKind::AtomicPipeline,
            vec![("HINCRBY", vec![key(Some("other:{}"), false)])],
            &[],
        );
        let report = join(&t, &[tx, other], (1, 8, 1));
        assert_eq!(report.exercised, vec![1, 0]);
        let j = &report.findings[0];
        assert_eq!(
            (j.rule, j.severity, j.replaces),
            ("cross-slot-transaction", Severity::Error, Some(0))
        );
        assert!(
            j.shape.starts_with("WATCH cart:{}:items; MULTI; HINCRBY"),
            "{}",
            j.shape
        );
    }
}
