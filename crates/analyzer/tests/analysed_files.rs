//! What the analysis reads of a package: test code only when its call sites are wanted, and
//! nothing of a package whose only mentions of redis are comments and strings.

use std::path::Path;

use slotlint_analyzer::{analyze, discover_workspace, Options, Report};

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// A crate with one cross-slot MGET in its library, one in a `#[cfg(test)]` module, one in a
/// module declared under `#[cfg(test)]` in a file of its own, and one in an integration test.
fn package(root: &Path) {
    write(
        &root.join("Cargo.toml"),
        "[package]\nname = \"app\"\nversion = \"0.1.0\"\n\n[dependencies]\nredis = \"0.27\"\n",
    );
    let mget = |a: &str, b: &str| {
        format!("redis::cmd(\"MGET\").arg(\"{a}\").arg(\"{b}\").query::<()>(con).unwrap();")
    };
    write(
        &root.join("src/lib.rs"),
        &format!(
            "pub fn both(con: &mut redis::Connection) {{\n    {}\n}}\n\n#[cfg(test)]\nmod tests {{\n    fn unit(con: &mut redis::Connection) {{\n        {}\n    }}\n}}\n\n#[cfg(test)]\nmod helper;\n",
            mget("user:1", "order:2"),
            mget("unit:1", "unit:2")
        ),
    );
    write(
        &root.join("src/helper.rs"),
        &format!(
            "pub fn helper(con: &mut redis::Connection) {{\n    {}\n}}\n",
            mget("helper:1", "helper:2")
        ),
    );
    write(
        &root.join("tests/it.rs"),
        &format!(
            "fn it(con: &mut redis::Connection) {{\n    {}\n}}\n",
            mget("it:1", "it:2")
        ),
    );
}

fn run(root: &Path, options: Options) -> Report {
    analyze(&discover_workspace(root, None).unwrap(), &options)
}

fn findings(report: &Report) -> Vec<(String, usize, &'static str)> {
    report
        .diagnostics
        .iter()
        .map(|d| (d.file.clone(), d.span.line, d.rule))
        .collect()
}

fn site_files(report: &Report) -> Vec<(String, usize)> {
    let mut sites: Vec<(String, usize)> = report
        .sites
        .iter()
        .map(|s| (s.file.clone(), s.site.span.line))
        .collect();
    sites.dedup();
    sites
}

/// Test code is walked only when its call sites are wanted: when test code is checked, or when
/// a trace recorded while the tests ran is joined to them (`Options::test_code_sites`). Either
/// way the findings outside test code are the same.
#[test]
fn test_code_is_walked_only_when_its_sites_are_wanted() {
    let tmp = tempfile::tempdir().unwrap();
    package(tmp.path());

    // Not checked: neither the integration test nor the test module is walked; the
    // integration test is not even parsed.
    let default = run(tmp.path(), Options::default());
    assert_eq!(site_files(&default), vec![("src/lib.rs".to_string(), 2)]);
    assert_eq!(default.stats.call_sites, 1);
    assert_eq!(default.stats.files_parsed, 1);
    assert_eq!(
        findings(&default),
        vec![
            ("Cargo.toml".to_string(), 6, "cluster-feature-missing"),
            ("src/lib.rs".to_string(), 2, "cross-slot-command"),
        ]
    );

    // Joined to a trace: every site, the same findings and counts.
    let traced = run(
        tmp.path(),
        Options {
            test_code_sites: true,
            ..Options::default()
        },
    );
    assert_eq!(
        site_files(&traced),
        vec![
            ("src/helper.rs".to_string(), 2),
            ("src/lib.rs".to_string(), 2),
            ("src/lib.rs".to_string(), 8),
            ("tests/it.rs".to_string(), 2),
        ]
    );
    assert_eq!(findings(&traced), findings(&default));
    assert_eq!(traced.stats.call_sites, default.stats.call_sites);

    // Checked: the test code's findings too.
    let checked = run(
        tmp.path(),
        Options {
            check_test_code: true,
            ..Options::default()
        },
    );
    assert_eq!(checked.stats.call_sites, 4);
    assert_eq!(
        findings(&checked),
        vec![
            ("Cargo.toml".to_string(), 6, "cluster-feature-missing"),
            ("src/helper.rs".to_string(), 2, "cross-slot-command"),
            ("src/lib.rs".to_string(), 2, "cross-slot-command"),
            ("src/lib.rs".to_string(), 8, "cross-slot-command"),
            ("tests/it.rs".to_string(), 2, "cross-slot-command"),
        ]
    );
}

/// A package without a redis dependency is a user of redis only if its code reaches redis
/// through a path (a wrapper's re-export: `pool::redis::cmd`); tokio's docs mentioning
/// mini-redis do not make it one, nor do identifiers that are no such path (`redis_url`,
/// `from_redis_value`), and it is not parsed. With the prefilter off the findings are the same.
#[test]
fn redis_in_comments_strings_and_other_names_of_a_package_without_redis_is_not_a_use() {
    let tmp = tempfile::tempdir().unwrap();
    let manifest = "[package]\nname = \"other\"\nversion = \"0.1.0\"\n";
    let docs = tmp.path().join("docs");
    write(&docs.join("Cargo.toml"), manifest);
    write(
        &docs.join("src/lib.rs"),
        "//! Like `redis::cmd(\"MGET\")` in mini-redis.\npub const URL: &str = \"redis://localhost\";\n",
    );
    // Identifiers that are no path into a crate: a config crate's field, the redis crate's own
    // code (whose `crate::` is redis: `self.con.bf_scandump(..)` is the library's, not a use).
    let names = tmp.path().join("names");
    write(&names.join("Cargo.toml"), manifest);
    write(
        &names.join("src/lib.rs"),
        "use crate::parser::parse_redis_value;\npub struct Conf { pub redis_url: String }\n\
         pub fn f(c: &Conf, con: &mut crate::Connection) -> i64 {\n    \
         con.mget::<_, ()>(&[\"a\", \"b\"]);\n    f64::from_redis_value(&c.redis_url);\n    \
         from_redis_value::<i64>(parse_redis_value(c.redis_url.as_bytes()))\n}\n",
    );
    let code = tmp.path().join("code");
    write(&code.join("Cargo.toml"), manifest);
    write(
        &code.join("src/lib.rs"),
        "pub fn f(con: &mut pool::redis::Connection) {\n    pool::redis::cmd(\"MGET\").arg(\"a\").arg(\"b\").query::<()>(con).unwrap();\n}\n",
    );
    for prefilter in [true, false] {
        let options = || Options {
            prefilter,
            ..Options::default()
        };
        let docs = run(&docs, options());
        assert_eq!(docs.stats.units_using_redis, 0);
        assert_eq!(docs.stats.call_sites, 0);
        if prefilter {
            assert_eq!(docs.stats.files_parsed, 0);
        }
        let names = run(&names, options());
        assert_eq!(names.stats.units_using_redis, 0);
        assert_eq!(names.stats.call_sites, 0);
        if prefilter {
            assert_eq!(names.stats.files_parsed, 0);
        }
        let code = run(&code, options());
        assert_eq!(code.stats.units_using_redis, 1);
        assert_eq!(code.stats.call_sites, 1);
    }
}

/// The values a struct's fields take come from the code that is checked: a test that builds the
/// struct with a hash-tagged prefix says nothing about the service's keys (unless test code is
/// checked, when it is one of the values).
#[test]
fn structs_built_by_tests_give_no_values_to_other_code() {
    let tmp = tempfile::tempdir().unwrap();
    write(
        &tmp.path().join("Cargo.toml"),
        "[package]\nname = \"app\"\nversion = \"0.1.0\"\n\n[dependencies]\nredis = \"0.27\"\n",
    );
    write(
        &tmp.path().join("src/lib.rs"),
        r#"pub struct Keys {
    prefix: String,
}

impl Keys {
    pub fn new() -> Keys {
        Keys { prefix: "app:".to_owned() }
    }

    pub fn both(&self, con: &mut redis::Connection) {
        let a = format!("{}a", self.prefix);
        let b = format!("{}b", self.prefix);
        redis::cmd("MGET").arg(&a).arg(&b).query::<()>(con).unwrap();
    }
}

#[cfg(test)]
mod tests {
    fn tagged() -> super::Keys {
        super::Keys { prefix: "{t}:".to_owned() }
    }
}
"#,
    );
    let messages = |report: &Report| -> Vec<(usize, &'static str, String)> {
        report
            .diagnostics
            .iter()
            .filter(|d| d.file == "src/lib.rs")
            .map(|d| (d.span.line, d.rule, d.message.clone()))
            .collect()
    };
    let default = run(tmp.path(), Options::default());
    let checked = run(
        tmp.path(),
        Options {
            check_test_code: true,
            ..Options::default()
        },
    );
    let mget = |certainty: &str| {
        vec![(
            13,
            "cross-slot-command",
            format!("`MGET` keys {certainty} different hash slots: redis-rs splits it per slot, so it works but is no longer atomic"),
        )]
    };
    // Only `new` builds `Keys` in the service: `app:a` and `app:b`.
    assert_eq!(messages(&default), mget("are in"));
    // With the test's `{t}:` too, the keys share a slot for one of the two prefixes.
    assert_eq!(messages(&checked), mget("may land in"));
}

/// What a field holds is looked for only where the crate may build the struct: another
/// module's struct of the same name without that field (a vendored `Queue`) is not walked, nor
/// what its constructor calls; a literal after a turbofish (`Padded::<T> { .. }`) builds the
/// type it names, not any type. Both would parse files the findings do not depend on.
#[test]
fn a_field_is_modelled_from_the_builders_of_its_own_struct() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    write(
        &root.join("Cargo.toml"),
        "[package]\nname = \"app\"\nversion = \"0.1.0\"\n\n[dependencies]\nredis = \"0.27\"\n",
    );
    write(
        &root.join("src/lib.rs"),
        "pub mod helper;\npub mod jobs;\npub mod other;\npub mod padded;\n",
    );
    write(
        &root.join("src/jobs.rs"),
        r#"use redis::Commands;

pub struct Queue {
    client: redis::Client,
}

impl Queue {
    pub fn new(url: &str) -> redis::RedisResult<Queue> {
        Ok(Queue { client: redis::Client::open(url)? })
    }

    pub fn take(&self) -> redis::RedisResult<Option<String>> {
        let mut con = self.client.get_connection()?;
        con.lmove("jobs:queue", "jobs:done", redis::Direction::Left, redis::Direction::Right)
    }
}
"#,
    );
    write(
        &root.join("src/other.rs"),
        "pub struct Queue {\n    items: Vec<u8>,\n}\n\nimpl Queue {\n    pub fn new() -> Self {\n        Queue { items: crate::helper::items() }\n    }\n}\n",
    );
    write(
        &root.join("src/helper.rs"),
        "pub fn items() -> Vec<u8> {\n    Vec::new()\n}\n",
    );
    write(
        &root.join("src/padded.rs"),
        "pub struct Padded<T> {\n    value: T,\n}\n\nimpl<T> Padded<T> {\n    pub fn new(value: T) -> Self {\n        Padded::<T> { value }\n    }\n}\n",
    );
    let report = run(root, Options::default());
    assert_eq!(
        findings(&report),
        vec![
            ("Cargo.toml".to_string(), 6, "cluster-feature-missing"),
            ("src/jobs.rs".to_string(), 9, "non-cluster-client"),
            ("src/jobs.rs".to_string(), 14, "cross-slot-command"),
        ]
    );
    // `jobs.rs` (it names redis) and `other.rs` (it may build a `Queue`): not `helper.rs`
    // (what the other `Queue` is built from) nor `padded.rs` (it builds no `Queue`).
    assert_eq!(report.stats.files_parsed, 2);
}
