//! The evaluator's value model (`slotlint_analyzer::interp::value`) through its public API:
//! alternatives and their bound, joins of control-flow paths, substitution of holes by a
//! caller's (or a constructor's) values, and per-element holes. The unit tests inside
//! `value.rs` cover a first case of each; these pin the rest of the contract.

use std::collections::BTreeMap;
use std::rc::Rc;

use slotlint_analyzer::interp::value::{
    has_text, one_of, substitute_keys, ConnInfo, ObjectInfo, PendingCommand, PipeState, Value,
    MAX_ALTERNATIVES,
};
use slotlint_analyzer::sites::{CommandCall, KeyArg};
use slotlint_analyzer::Span;
use slotlint_keys::{Hole, HoleId, KeyPattern};

fn hole(name: &str) -> Hole {
    Hole::new(HoleId::named(name), name)
}

/// `"user:$id:a"`: text, with `$name` for a hole named `name`.
fn pat(spec: &str) -> KeyPattern {
    let mut p = KeyPattern::new();
    let mut rest = spec;
    while let Some(start) = rest.find('$') {
        p.push_text(&rest[..start]);
        let after = &rest[start + 1..];
        let end = after
            .find(|c: char| !c.is_ascii_alphanumeric() && c != '_')
            .unwrap_or(after.len());
        p.push_hole(hole(&after[..end]));
        rest = &after[end..];
    }
    p.push_text(rest);
    p
}

fn s(spec: &str) -> Value<'static> {
    Value::Str(pat(spec))
}

/// The text of each alternative (`<name>` for holes, the bound value for bound ones).
fn texts(v: &Value<'_>) -> Vec<String> {
    v.alternatives()
        .iter()
        .map(|a| match a.as_pattern() {
            Some(p) => p.to_string(),
            None => format!("{a:?}"),
        })
        .collect()
}

fn fills<'a>(name: &'static str, with: Value<'a>) -> impl Fn(&Hole) -> Option<Value<'a>> {
    move |h| (h.id == HoleId::named(name)).then(|| with.clone())
}

#[test]
fn alternatives_flatten_deduplicate_and_give_up_past_the_bound() {
    let v = one_of(vec![one_of(vec![s("a"), s("b")]), s("b"), s("c")]);
    assert_eq!(texts(&v), ["a", "b", "c"]);
    assert!(
        matches!(one_of(vec![s("a")]), Value::Str(_)),
        "one value is itself"
    );
    assert!(matches!(one_of(vec![]), Value::Unknown));
    assert!(
        matches!(one_of(vec![s("a"), Value::Unknown]), Value::Unknown),
        "an unknown branch makes the whole unknown"
    );
    let at_bound: Vec<Value<'_>> = (0..MAX_ALTERNATIVES)
        .map(|i| Value::str(&format!("k{i}")))
        .collect();
    assert_eq!(one_of(at_bound).alternatives().len(), MAX_ALTERNATIVES);
}

#[test]
fn joins_of_texts_numbers_and_holes_are_alternatives() {
    assert_eq!(texts(&Value::Int(1).join(s("a"))), ["1", "a"]);
    let same_hole = Value::Opaque(hole("id")).join(Value::Opaque(hole("id")));
    assert!(matches!(same_hole, Value::Opaque(_)), "{same_hole:?}");
    assert_eq!(texts(&s("a:$id").join(s("b:$id"))), ["a:<id>", "b:<id>"]);
    assert!(matches!(s("a").join(Value::Unknown), Value::Str(_)));
    assert!(matches!(
        s("a").join(Value::Conn(ConnInfo::unknown())),
        Value::Unknown
    ));
}

#[test]
fn joined_connections_keep_only_what_both_paths_agree_on() {
    let cluster = |what: &str| Value::Conn(ConnInfo::of(Some(true), what));
    let single = Value::Conn(ConnInfo::of(Some(false), "redis::Client"));
    let Value::Conn(both) = cluster("redis::cluster::ClusterClient").join(cluster("a pool")) else {
        panic!("a connection")
    };
    assert_eq!(both.cluster(), Some(true));
    let Value::Conn(either) = cluster("redis::cluster::ClusterClient").join(single) else {
        panic!("a connection")
    };
    assert_eq!(either.cluster(), None);
}

fn command(name: &str, key: &str) -> PendingCommand<'static> {
    PendingCommand::Ready(CommandCall {
        name: name.into(),
        keys: vec![KeyArg {
            pattern: Some(pat(key)),
            many: false,
            span: Span::default(),
            text: key.into(),
            hole: None,
            parts: Vec::new(),
            alternatives: Vec::new(),
            arms: None,
            why: None,
            run_time: Vec::new(),
        }],
        span: Span::default(),
        method: Some(name.to_ascii_lowercase()),
        keys_exact: true,
        argv: Vec::new(),
    })
}

fn keys_of(v: &Value<'_>) -> Vec<String> {
    let Value::Pipe(state) = v else {
        panic!("a pipeline: {v:?}")
    };
    state
        .commands
        .iter()
        .flat_map(|c| match c {
            PendingCommand::Ready(call) => call.keys.clone(),
            PendingCommand::Raw { .. } => Vec::new(),
        })
        .map(|k| k.pattern.map_or("?".into(), |p| p.to_string()))
        .collect()
}

#[test]
fn joined_pipelines_stay_atomic_incomplete_and_keep_each_command_once() {
    let mut atomic = PipeState::new(false, true);
    atomic.atomic = true;
    atomic.commands.push(command("LREM", "q:$id:running"));
    let mut partial = PipeState::new(false, false);
    partial.commands.push(command("LREM", "q:$id:running"));
    partial.commands.push(command("RPUSH", "q:$id:done"));
    let joined = Value::Pipe(Box::new(atomic)).join(Value::Pipe(Box::new(partial)));
    let Value::Pipe(state) = &joined else {
        panic!("a pipeline: {joined:?}")
    };
    assert!(state.atomic, "one atomic path makes the pipeline atomic");
    assert!(!state.complete, "one path added commands out of sight");
    assert_eq!(keys_of(&joined), ["q:<id>:running", "q:<id>:done"]);
}

#[test]
fn substitution_fills_a_constructors_fields_with_its_arguments() {
    // `Keys { running: format!("{ns}:running"), done: format!("{ns}:done") }` built by
    // `Keys::new("tracker:emails")`: both fields take the one argument.
    let fields: BTreeMap<String, Value<'static>> = [
        ("running".to_string(), s("$ns:running")),
        ("done".to_string(), s("$ns:done")),
    ]
    .into_iter()
    .collect();
    let keys = Value::Object(ObjectInfo {
        fields: Some(Rc::new(fields)),
        ..ObjectInfo::of(Some("Keys".into()))
    });
    let built = keys.substitute(&fills("ns", Value::str("tracker:emails")));
    let Value::Object(built) = built else {
        panic!("an object")
    };
    let fields = built.fields.expect("fields");
    let text = |f: &str| {
        let Value::Str(p) = &fields[f] else {
            panic!("{f}: {:?}", fields[f])
        };
        (p.as_literal(), p.template().to_string())
    };
    assert_eq!(
        text("running"),
        (Some("tracker:emails:running".into()), "<ns>:running".into())
    );
    assert_eq!(
        text("done"),
        (Some("tracker:emails:done".into()), "<ns>:done".into())
    );
}

#[test]
fn substitution_reaches_the_keys_of_builders_returned_by_helpers() {
    let mut state = PipeState::new(false, true);
    state
        .commands
        .push(command("LLEN", "outbox:$channel:pending"));
    state
        .commands
        .push(command("LLEN", "outbox:$channel:failed"));
    let filled = Value::Pipe(Box::new(state)).substitute(&fills("channel", Value::str("sms")));
    assert_eq!(
        keys_of(&filled),
        ["outbox:sms:pending", "outbox:sms:failed"]
    );
}

#[test]
fn a_hole_filled_by_a_run_time_value_stays_a_hole() {
    let filled = s("jobs:$q:pending").substitute(&fills("q", Value::Opaque(hole("arg"))));
    assert_eq!(texts(&filled), ["jobs:<arg>:pending"]);
}

#[test]
fn alternatives_of_several_holes_multiply_and_give_up_past_the_bound() {
    let three = || one_of(vec![Value::str("a"), Value::str("b"), Value::str("c")]);
    let two_holes = s("$x:$y");
    let one = two_holes.substitute(&fills("x", three()));
    assert_eq!(texts(&one), ["a:<y>", "b:<y>", "c:<y>"]);
    let both = two_holes.substitute(&|_: &Hole| Some(three()));
    assert!(
        matches!(both, Value::Unknown),
        "9 alternatives > {MAX_ALTERNATIVES}: {both:?}"
    );
}

#[test]
fn a_whole_parameter_key_takes_the_callers_value_only_when_it_has_text() {
    let parameter_key = || KeyArg {
        pattern: None,
        many: false,
        span: Span::default(),
        text: "from".into(),
        hole: Some(HoleId::named("from")),
        parts: Vec::new(),
        alternatives: Vec::new(),
        arms: None,
        why: None,
        run_time: Vec::new(),
    };
    let mut keys = vec![parameter_key()];
    substitute_keys(&mut keys, &fills("from", Value::str("jobs:pending")));
    assert_eq!(
        keys[0].pattern.as_ref().and_then(KeyPattern::as_literal),
        Some("jobs:pending".into())
    );
    let mut keys = vec![parameter_key()];
    substitute_keys(&mut keys, &fills("from", Value::Opaque(hole("argv"))));
    assert_eq!(keys[0].pattern, None, "a run-time value alone has no text");
    assert!(has_text(&pat("a:$x")));
    assert!(!has_text(&pat("$x")));
}

#[test]
fn values_as_key_text() {
    let text = |v: Value<'_>| v.as_pattern().map(|p| p.to_string());
    assert_eq!(text(Value::Int(42)), Some("42".into()));
    assert_eq!(text(Value::Opaque(hole("id"))), Some("<id>".into()));
    assert_eq!(text(Value::List(vec![s("a:$id")])), Some("a:<id>".into()));
    assert_eq!(text(Value::List(vec![s("a"), s("b")])), None);
    assert_eq!(text(Value::Conn(ConnInfo::unknown())), None);
}

#[test]
fn per_element_holes_reach_into_collections_and_one_element_drops_them() {
    let by_id = |h: &Hole| h.id == HoleId::named("id");
    let each = Value::Each(Box::new(Value::List(vec![
        s("u:$id"),
        Value::Opaque(hole("id")),
    ])));
    let Value::Each(marked) = each.mark_per_element(&by_id) else {
        panic!("a collection")
    };
    let Value::List(items) = marked.as_ref() else {
        panic!("a list")
    };
    assert!(matches!(&items[0], Value::Str(p) if p.has_per_element_hole()));
    assert!(matches!(&items[1], Value::Opaque(h) if h.per_element));
    let Value::List(one) = marked.single_element() else {
        panic!("a list")
    };
    assert!(matches!(&one[0], Value::Str(p) if !p.has_per_element_hole()));
    assert!(matches!(&one[1], Value::Opaque(h) if !h.per_element));
    // Another hole is left alone.
    let other = s("u:$other").mark_per_element(&by_id);
    assert!(matches!(other, Value::Str(p) if !p.has_per_element_hole()));
}
