//! Hostile and unlucky input (issue 16): each test builds its minimal input and is named after
//! the item it guards. Nothing here may leak, hang, crash or lose a plan.
//!
//! Items of issue 16 covered here: 1 (symlinks out of the workspace, no file text in
//! parse-error notes), 4 (FIFOs and devices), 5 (memory bounds), 6 (`--threads`), 9 (nesting),
//! 11–12 and 14–16 (`fix` data safety). Items 2, 7 and 13 (`migrate`) are in tests/migrate.rs.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use slotlint_analyzer::parse::{self, MAX_LUA_DEPTH, MAX_RUST_DEPTH};

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_cargo-slotlint")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A package named `app` depending on redis, with `files` (path → content) in a fresh folder.
fn package(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix("slotlint-hostile-")
        .tempdir()
        .unwrap();
    std::fs::write(
        dir.path().join("Cargo.toml"),
        "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\nredis = { version = \"1\", features = [\"cluster\"] }\n",
    )
    .unwrap();
    for (path, content) in files {
        let p = dir.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, content).unwrap();
    }
    dir
}

/// A file whose one call is a certain CROSSSLOT: a finding `fix` can rewrite.
const CROSS_SLOT: &str = "use redis::Commands;\n\npub fn move_profile(con: &mut redis::Connection, id: u64) {\n    let _: () = con.rename(format!(\"user:{id}:profile\"), format!(\"user:{id}:settings\")).unwrap();\n}\n";

/// Run the binary in `cwd` with a deadline: a run that hangs is killed and fails the test.
fn run_in(cwd: &Path, args: &[&str], env: &[(&str, &str)], budget: Duration) -> Output {
    let mut cmd = Command::new(bin());
    cmd.args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("run cargo-slotlint");
    // Drain both pipes while waiting: a full pipe would block the child.
    let drain = |pipe: Option<Box<dyn std::io::Read + Send>>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut p) = pipe {
                let _ = p.read_to_end(&mut buf);
            }
            buf
        })
    };
    let stdout = drain(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn std::io::Read + Send>),
    );
    let stderr = drain(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn std::io::Read + Send>),
    );
    let deadline = Instant::now() + budget;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "cargo-slotlint {args:?} did not finish within {budget:?}: it hangs\nstderr: {}",
                text(&stderr.join().unwrap())
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output {
        status,
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
    }
}

fn run(cwd: &Path, args: &[&str]) -> Output {
    run_in(cwd, args, &[], Duration::from_secs(120))
}

// ----- item 9: nesting -----

/// The largest `n` for which `make(n)` stays within `bound` by `depth`.
fn largest_within(make: &dyn Fn(usize) -> String, depth: fn(&str) -> usize, bound: usize) -> usize {
    let (mut lo, mut hi) = (1, 4 * bound);
    assert!(depth(&make(lo)) <= bound && depth(&make(hi)) > bound);
    while hi - lo > 1 {
        let mid = (lo + hi) / 2;
        if depth(&make(mid)) <= bound {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    lo
}

type Maker = (&'static str, Box<dyn Fn(usize) -> String>);

/// Rust constructs that nest, each in a function that also makes a redis call.
fn rust_nestings() -> Vec<Maker> {
    let wrap = |body: String| {
        format!("use redis::Commands;\npub fn f(con: &mut redis::Connection, id: u64) {{\n{body}\n    let _: () = con.rename(format!(\"a:{{id}}:x\"), format!(\"a:{{id}}:y\")).unwrap();\n}}\n")
    };
    let r = |n: usize, s: &str| s.repeat(n);
    vec![
        (
            "parentheses",
            Box::new(move |n| wrap(format!("let _x = {}1{};", r(n, "("), r(n, ")")))),
        ),
        (
            "blocks",
            Box::new(move |n| wrap(format!("{}{}", r(n, "{"), r(n, "}")))),
        ),
        (
            "closures",
            Box::new(move |n| wrap(format!("let _c = {}1;", r(n, "|| ")))),
        ),
        (
            "closures with parameters",
            Box::new(move |n| wrap(format!("let _c = {}1;", r(n, "|a, b| ")))),
        ),
        (
            "pipeline chain",
            Box::new(move |n| {
                wrap(format!(
                    "let mut p = redis::pipe(); p{};",
                    r(n, ".cmd(\"GET\").arg(\"k\")")
                ))
            }),
        ),
        (
            "else if",
            Box::new(move |n| wrap(format!("if id == 0 {{}}{}", r(n, " else if id == 1 {}")))),
        ),
        (
            "binary operators",
            Box::new(move |n| wrap(format!("let _x = 1{};", r(n, " + 1")))),
        ),
        (
            "unary operators",
            Box::new(move |n| wrap(format!("let _x = {}true;", r(n, "!")))),
        ),
        (
            "references",
            Box::new(move |n| wrap(format!("let _x = {}1;", r(n, "&")))),
        ),
        (
            "generic types",
            Box::new(move |n| {
                wrap(format!(
                    "let _x: {}u8{} = todo!();",
                    r(n, "Vec<"),
                    r(n, ">")
                ))
            }),
        ),
        (
            "generic arguments",
            Box::new(move |n| {
                wrap(format!(
                    "let _x: {}u8{} = todo!();",
                    r(n, "A<(), "),
                    r(n, ">")
                ))
            }),
        ),
        (
            "format!",
            Box::new(move |n| {
                wrap(format!(
                    "let _k = {}id{};",
                    r(n, "format!(\"{}:\", "),
                    r(n, ")")
                ))
            }),
        ),
        (
            "vec!",
            Box::new(move |n| wrap(format!("let _k = {}1{};", r(n, "vec!["), r(n, "]")))),
        ),
        (
            "match",
            Box::new(move |n| {
                wrap(format!(
                    "let _x = {}1{};",
                    r(n, "match id { _ => "),
                    r(n, " }")
                ))
            }),
        ),
        (
            "arrays",
            Box::new(move |n| wrap(format!("let _x = {}1{};", r(n, "[0, "), r(n, "]")))),
        ),
        (
            "returns",
            Box::new(move |n| wrap(format!("if id == 7 {{ {}1; }}", r(n, "return ")))),
        ),
        (
            "casts",
            Box::new(move |n| wrap(format!("let _x = id{};", r(n, " as u64")))),
        ),
        (
            "modules",
            Box::new(move |n| {
                format!("{}{}\n{}", r(n, "mod m { "), r(n, "}"), wrap(String::new()))
            }),
        ),
        (
            "function types",
            Box::new(move |n| wrap(format!("let _f: {}u8 = todo!();", r(n, "fn() -> ")))),
        ),
    ]
}

/// Lua constructs that nest, each in a script body that also calls redis.
fn lua_nestings() -> Vec<Maker> {
    let r = |n: usize, s: &str| s.repeat(n);
    vec![
        (
            "functions",
            Box::new(move |n| format!("{}return 1 {}", r(n, "local function f() "), r(n, "end "))),
        ),
        (
            "tables",
            Box::new(move |n| format!("local t = {}1{}", r(n, "{"), r(n, "}"))),
        ),
        (
            "calls",
            Box::new(move |n| format!("local t = {}1{}", r(n, "tostring("), r(n, ")"))),
        ),
        (
            "if",
            Box::new(move |n| {
                format!(
                    "{}redis.call('GET', KEYS[1]) {}",
                    r(n, "if KEYS[1] then "),
                    r(n, "end ")
                )
            }),
        ),
        (
            "do",
            Box::new(move |n| {
                format!("{}redis.call('GET', KEYS[1]) {}", r(n, "do "), r(n, "end "))
            }),
        ),
        (
            "while",
            Box::new(move |n| format!("{}break {}", r(n, "while true do "), r(n, "end "))),
        ),
        (
            "concatenation",
            Box::new(move |n| format!("return redis.call('GET', 'k'{})", r(n, " .. 'x'"))),
        ),
        (
            "unary minus",
            Box::new(move |n| format!("return {}1", r(n, "- "))),
        ),
    ]
}

/// `check` with the analyzer's workers on half their normal stack, over a package holding
/// `src/lib.rs` (and `src/script.lua`, read by `include_str!`).
fn analyze_on_half_stack(lib: &str, lua: Option<&str>) -> slotlint_analyzer::Report {
    let mut files = vec![("src/lib.rs", lib)];
    if let Some(lua) = lua {
        files.push(("src/script.lua", lua));
    }
    let dir = package(&files);
    let discovery = slotlint_analyzer::discover_workspace(dir.path(), None).unwrap();
    let options = slotlint_analyzer::Options {
        threads: 1,
        worker_stack: parse::PARSE_STACK_BYTES / 2,
        ..Default::default()
    };
    slotlint_analyzer::analyze(&discovery, &options)
}

fn too_deep_notes(report: &slotlint_analyzer::Report) -> Vec<&str> {
    report
        .diagnostics
        .iter()
        .filter(|d| d.rule == "parse-error" && d.message.contains("nests deeper than"))
        .map(|d| d.message.as_str())
        .collect()
}

/// At the bound, every construct is parsed and analyzed on half the workers' stack (a debug
/// build: the release build needs far less), so the full stack has at least twice what it
/// needs. An overflow would abort this test binary.
#[test]
fn item_9_nesting_at_the_bound_fits_half_the_stack() {
    for (name, make) in rust_nestings() {
        let n = largest_within(&*make, parse::rust_depth, MAX_RUST_DEPTH);
        let report = analyze_on_half_stack(&make(n), None);
        assert!(
            report.internal_errors.is_empty() && too_deep_notes(&report).is_empty(),
            "{name} ×{n}: {:?} {:?}",
            report.internal_errors,
            too_deep_notes(&report)
        );
    }
    for (name, make) in lua_nestings() {
        let n = largest_within(&*make, parse::lua_depth, MAX_LUA_DEPTH);
        let lib = "use redis::Commands;\npub fn f(con: &mut redis::Connection) {\n    let _: () = redis::Script::new(include_str!(\"script.lua\")).key(\"a\").invoke(con).unwrap();\n}\n";
        let report = analyze_on_half_stack(lib, Some(&make(n)));
        assert!(
            report.internal_errors.is_empty(),
            "Lua {name} ×{n}: {:?}",
            report.internal_errors
        );
        let body = make(n);
        let analysis = parse::with_parse_stack(|| {
            slotlint_analyzer::lua::analyze(&body, &slotlint_commands::CommandTable::builtin())
        });
        assert!(
            analysis.error.is_none(),
            "Lua {name} ×{n}: {:?}",
            analysis.error
        );
    }
}

/// `fix` parses the files it edits again, off the main thread's 8 MiB: a file nested just
/// within the bound is edited; at 3,000 and 30,000 parentheses (which crashed `fix`), a note.
#[test]
fn item_9_fix_edits_deeply_nested_files_without_crashing() {
    let makers = rust_nestings();
    let parens = &makers.iter().find(|(m, _)| *m == "parentheses").unwrap().1;
    let n = largest_within(&**parens, parse::rust_depth, MAX_RUST_DEPTH);
    for (levels, edited) in [(n, true), (3_000, false), (30_000, false)] {
        let lib = parens(levels)
            .replace("a:{id}:x", "user:{id}:profile")
            .replace("a:{id}:y", "user:{id}:settings");
        let dir = package(&[("src/lib.rs", &lib)]);
        let out = run(
            dir.path(),
            &["slotlint", "fix", "--unsafe", "--allow-no-vcs"],
        );
        assert_eq!(
            out.status.code(),
            Some(0),
            "×{levels}: {}",
            text(&out.stderr)
        );
        let after = std::fs::read_to_string(dir.path().join("src/lib.rs")).unwrap();
        assert_eq!(after.contains("{{user:{id}}}:profile"), edited, "×{levels}");
    }
}

/// Past the bound, and ten times past the depths that crashed (issue 16, item 9): a
/// `parse-error` note, never an abort.
#[test]
fn item_9_deep_nesting_is_a_parse_error_note_not_a_crash() {
    let cases: [(&str, usize); 7] = [
        ("parentheses", 300_000),
        ("blocks", 200_000),
        ("closures", 200_000),
        ("pipeline chain", 500_000),
        ("generic types", 200_000),
        ("format!", 50_000),
        ("vec!", 500_000),
    ];
    let makers = rust_nestings();
    for (name, n) in cases {
        let make = &makers.iter().find(|(m, _)| *m == name).unwrap().1;
        let dir = package(&[("src/lib.rs", &make(n))]);
        let out = run(dir.path(), &["slotlint", "check", "--format", "json"]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{name} ×{n}: {}",
            text(&out.stderr)
        );
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let notes: Vec<&str> = doc["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["rule"] == "parse-error")
            .map(|d| d["message"].as_str().unwrap())
            .collect();
        assert_eq!(
            notes,
            vec![format!(
                "src/lib.rs nests deeper than {MAX_RUST_DEPTH} levels; skipped (slotlint bounds how deep it reads, so that it cannot run out of stack)"
            )],
            "{name} ×{n}"
        );
    }
    for (name, n) in [
        ("functions", 45_000),
        ("tables", 100_000),
        ("calls", 100_000),
        ("if", 100_000),
        ("do", 100_000),
    ] {
        let makers = lua_nestings();
        let make = &makers.iter().find(|(m, _)| *m == name).unwrap().1;
        let lib = "use redis::Commands;\npub fn f(con: &mut redis::Connection) {\n    let _: () = redis::Script::new(include_str!(\"script.lua\")).key(\"a\").invoke(con).unwrap();\n}\n";
        let body = make(n);
        let dir = package(&[("src/lib.rs", lib), ("src/script.lua", &body)]);
        let out = run(dir.path(), &["slotlint", "check", "--format", "short"]);
        assert!(
            out.status.code().is_some_and(|c| c < 2),
            "Lua {name} ×{n}: {:?} {}",
            out.status,
            text(&out.stderr)
        );
        let stdout = text(&out.stdout);
        // Past 1 MiB a script is not read at all; below, the depth bound stops it.
        let want = if body.len() as u64 > slotlint_analyzer::MAX_INCLUDED_BYTES {
            "larger than the 1 MiB slotlint reads".to_owned()
        } else {
            format!("nests deeper than {MAX_LUA_DEPTH} levels")
        };
        assert!(stdout.contains(&want), "Lua {name} ×{n}: {stdout}");
    }
}

// ----- item 1: nothing outside the workspace is read, no file text in parse-error notes -----

const FORMATS: [&str; 6] = ["human", "short", "json", "json-lines", "github", "sarif"];

/// A committed `src/env.rs -> /proc/self/environ`, a link to a readable file outside the
/// repository, and a file that does not parse: no format prints the environment, the outside
/// file or the broken file's text; each is a `parse-error` note.
#[test]
fn item_1_symlinks_out_of_the_workspace_and_broken_files_leak_nothing() {
    let secret = format!("hunter2-{}", std::process::id());
    let outside = tempfile::tempdir().unwrap();
    let outside_file = outside.path().join("credentials");
    std::fs::write(&outside_file, "AWS_SECRET=outside-canary-7f3a\n").unwrap();
    let dir = package(&[
        ("src/lib.rs", CROSS_SLOT),
        (
            "src/broken.rs",
            "use redis::Commands;\nfn f( {\n    let token = \"broken-canary-91c2\";\n",
        ),
    ]);
    std::os::unix::fs::symlink("/proc/self/environ", dir.path().join("src/env.rs")).unwrap();
    std::os::unix::fs::symlink(&outside_file, dir.path().join("src/creds.rs")).unwrap();
    for format in FORMATS {
        let out = run_in(
            dir.path(),
            &["slotlint", "check", "--format", format],
            &[("MY_CI_SECRET", &secret)],
            Duration::from_secs(120),
        );
        assert_eq!(
            out.status.code(),
            Some(1),
            "{format}: {}",
            text(&out.stderr)
        );
        let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
        for canary in [
            secret.as_str(),
            "MY_CI_SECRET",
            "outside-canary-7f3a",
            "broken-canary-91c2",
        ] {
            assert!(!all.contains(canary), "{format} prints `{canary}`:\n{all}");
        }
        if format != "sarif" {
            // SARIF carries notes as results too, with the file in its location.
            for file in ["src/env.rs", "src/creds.rs"] {
                assert!(
                    all.contains(file) && all.contains("leads outside the workspace"),
                    "{format}: no note for {file}:\n{all}"
                );
            }
            assert!(all.contains("src/broken.rs"), "{format}:\n{all}");
        }
    }
    // `fix` reads the same way: its listing and its diff leak nothing either.
    for args in [
        &["slotlint", "fix", "--dry-run", "--unsafe"][..],
        &["slotlint", "fix", "--diff", "--unsafe"],
        &["slotlint", "fix", "--dry-run", "--format", "json"],
    ] {
        let out = run_in(
            dir.path(),
            args,
            &[("MY_CI_SECRET", &secret)],
            Duration::from_secs(120),
        );
        let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
        for canary in [secret.as_str(), "outside-canary-7f3a", "broken-canary-91c2"] {
            assert!(!all.contains(canary), "{args:?} prints `{canary}`:\n{all}");
        }
    }
}

/// A package's path dependencies are read for the connections and keys they make: one outside
/// the workspace is not read at all, and a dependency's FIFO, symlink loop or broken file neither
/// hangs the run nor leaks its text, and is reported once (as the dependency's own problem).
#[test]
fn item_1_path_dependencies_leak_nothing_and_never_hang() {
    let far = tempfile::tempdir().unwrap();
    std::fs::write(
        far.path().join("Cargo.toml"),
        "[package]\nname = \"far\"\nversion = \"0.1.0\"\n",
    )
    .unwrap();
    std::fs::create_dir_all(far.path().join("src")).unwrap();
    std::fs::write(
        far.path().join("src/lib.rs"),
        "pub fn connect() -> redis::Client { let _ = \"far-canary-52d1\"; todo!() }\n",
    )
    .unwrap();
    let dir = package(&[]);
    let root = dir.path();
    let manifest = |name: &str, deps: &str| {
        format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\nredis = \"1\"\n{deps}")
    };
    let write = |path: &str, text: &str| {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    write("Cargo.toml", "[workspace]\nmembers = [\"app\", \"kit\"]\n");
    write(
        "app/Cargo.toml",
        &manifest(
            "app",
            &format!(
                "kit = {{ path = \"../kit\" }}\nfar = {{ path = \"{}\" }}\n",
                far.path().display()
            ),
        ),
    );
    write(
        "app/src/lib.rs",
        &format!(
            "pub fn run() {{ let _ = kit::connect(); let _ = far::connect(); }}\n{CROSS_SLOT}"
        ),
    );
    write("kit/Cargo.toml", &manifest("kit", ""));
    write(
        "kit/src/lib.rs",
        "pub fn connect() -> redis::Client { redis::Client::open(\"redis://127.0.0.1\").unwrap() }\n",
    );
    write(
        "kit/src/broken.rs",
        "use redis::Commands;\nfn f( {\n    let token = \"broken-canary-91c2\";\n",
    );
    mkfifo(&root.join("kit/src/pipe.rs"));
    std::os::unix::fs::symlink("loop.rs", root.join("kit/src/loop.rs")).unwrap();
    let out = run_in(
        root,
        &["slotlint", "check", "--format", "short"],
        &[],
        Duration::from_secs(60),
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    for canary in ["far-canary-52d1", "broken-canary-91c2"] {
        assert!(!all.contains(canary), "prints `{canary}`:\n{all}");
    }
    assert!(all.contains("app/src/lib.rs:5:17: error[SL101]"), "{all}");
    assert!(
        all.contains("kit/src/loop.rs is a symbolic link that leads back to itself (a loop)"),
        "{all}"
    );
    for file in ["kit/src/pipe.rs", "kit/src/broken.rs", "kit/src/loop.rs"] {
        assert_eq!(
            all.matches(&format!("{file}:")).count(),
            1,
            "{file}:\n{all}"
        );
    }
}

/// A package named on the command line that lies inside a workspace's folder only through a
/// symbolic link (or that the workspace excludes) is checked on its own: its files are read
/// (the boundary is the package, not the workspace around the link), not silently dropped.
#[test]
fn item_1_a_package_reached_through_a_link_is_read() {
    let tmp = tempfile::tempdir().unwrap();
    let real = tmp.path().join("real");
    std::fs::create_dir_all(real.join("src")).unwrap();
    std::fs::write(
        real.join("Cargo.toml"),
        "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\nredis = { version = \"1\", features = [\"cluster\"] }\n",
    )
    .unwrap();
    std::fs::write(real.join("src/lib.rs"), CROSS_SLOT).unwrap();
    let ws = tmp.path().join("ws");
    std::fs::create_dir_all(&ws).unwrap();
    std::fs::write(ws.join("Cargo.toml"), "[workspace]\nmembers = []\n").unwrap();
    std::os::unix::fs::symlink(&real, ws.join("linked")).unwrap();
    let out = run(&ws, &["slotlint", "check", "linked", "--format", "short"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains("error[SL101]"), "{stdout}");
}

/// A crate whose redis code is in a file that cannot be read (not UTF-8), or none of whose files
/// can be read, is not silently "no use of redis": the read problem is reported, with and
/// without the prefilter. A crate without redis keeps quiet about a file that does not name it.
#[test]
fn item_3_unreadable_redis_code_is_reported_not_dropped() {
    let not_utf8 = b"use redis::Commands;\n// caf\xe9\npub fn f(con: &mut redis::Connection) {\n    let _: () = con.rename(\"a\", \"b\").unwrap();\n}\n";
    let dir = package(&[]);
    std::fs::create_dir_all(dir.path().join("src")).unwrap();
    std::fs::write(dir.path().join("src/lib.rs"), not_utf8).unwrap();
    std::fs::write(dir.path().join("src/other.rs"), b"// caf\xe9\n").unwrap();
    std::fs::write(dir.path().join("src/plain.rs"), "pub fn plain() {}\n").unwrap();
    for extra in [&[][..], &["--no-prefilter"]] {
        let mut args = vec!["slotlint", "check", "--format", "short"];
        args.extend(extra);
        let out = run(dir.path(), &args);
        let stdout = text(&out.stdout);
        assert!(
            stdout.contains("src/lib.rs is not valid UTF-8"),
            "{extra:?}: {stdout}"
        );
        assert!(!stdout.contains("src/other.rs"), "{extra:?}: {stdout}");
    }
    let only_fifo = package(&[]);
    std::fs::create_dir_all(only_fifo.path().join("src")).unwrap();
    mkfifo(&only_fifo.path().join("src/lib.rs"));
    let out = run_in(
        only_fifo.path(),
        &["slotlint", "check", "--format", "short"],
        &[],
        Duration::from_secs(60),
    );
    assert!(
        text(&out.stdout).contains("src/lib.rs is a FIFO"),
        "{}",
        text(&out.stdout)
    );
}

/// Nothing of the scanned project runs: a build script, a cargo configuration that names a
/// rustc wrapper, a git hook or fsmonitor command would each leave a marker; none does,
/// through `check`, `fix` (which asks git for uncommitted changes) and its listing.
#[test]
fn no_code_of_the_project_runs() {
    let marker = tempfile::tempdir().unwrap();
    let mark = |name: &str| format!("{}/{name}", marker.path().display());
    let build = format!(
        "fn main() {{ std::fs::write({:?}, \"ran\").unwrap(); }}\n",
        mark("build-rs")
    );
    let dir = package(&[
        ("src/lib.rs", CROSS_SLOT),
        ("build.rs", &build),
        (
            ".cargo/config.toml",
            &format!(
                "[build]\nrustc-wrapper = \"/bin/sh -c 'touch {}'\"\n",
                mark("wrapper")
            ),
        ),
    ]);
    let git = |args: &[&str]| {
        let out = Command::new("git")
            .args(args)
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(out.status.success(), "git {args:?}: {}", text(&out.stderr));
    };
    git(&["init", "-q"]);
    std::fs::write(
        dir.path().join(".git/hooks/post-checkout"),
        format!("#!/bin/sh\ntouch {}\n", mark("hook")),
    )
    .unwrap();
    git(&["add", "-A"]);
    git(&[
        "-c",
        "user.name=t",
        "-c",
        "user.email=t@e",
        "commit",
        "-qm",
        "x",
    ]);
    // A repository-configured command that `git status` would run.
    let monitor = marker.path().join("fsmonitor.sh");
    std::fs::write(
        &monitor,
        format!("#!/bin/sh\ntouch {}\n", mark("fsmonitor")),
    )
    .unwrap();
    std::fs::set_permissions(
        &monitor,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    git(&["config", "core.fsmonitor", monitor.to_str().unwrap()]);
    for args in [
        &["slotlint", "check"][..],
        &["slotlint", "fix", "--dry-run", "--unsafe"],
        &["slotlint", "fix", "--unsafe"],
    ] {
        let out = run(dir.path(), args);
        assert!(
            out.status.code().is_some_and(|c| c < 2),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
    assert!(
        std::fs::read(dir.path().join("src/lib.rs")).unwrap() != CROSS_SLOT.as_bytes(),
        "fix did not run"
    );
    let left: Vec<String> = std::fs::read_dir(marker.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "fsmonitor.sh")
        .collect();
    assert!(left.is_empty(), "project code ran: {left:?}");
}

// ----- item 4: FIFOs and devices -----

fn mkfifo(path: &Path) {
    let c = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
    assert_eq!(
        unsafe { libc::mkfifo(c.as_ptr(), 0o644) },
        0,
        "mkfifo {}",
        path.display()
    );
}

/// A FIFO in `src/`, one reached through a symlink, one named on the command line or given as
/// `--baseline`, `/dev/zero` and `/dev/ptmx` through symlinks: each run ends promptly (a hang
/// is killed after 60 s and fails), with a note naming what was not read.
#[test]
fn item_4_fifos_and_devices_are_reported_not_read() {
    let dir = package(&[("src/lib.rs", CROSS_SLOT)]);
    let src = dir.path().join("src");
    mkfifo(&src.join("pipe.rs"));
    mkfifo(&dir.path().join("fifo"));
    std::os::unix::fs::symlink("../fifo", src.join("via_link.rs")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", src.join("zero.rs")).unwrap();
    std::os::unix::fs::symlink("/dev/ptmx", src.join("ptmx.rs")).unwrap();
    let budget = Duration::from_secs(60);
    let out = run_in(
        dir.path(),
        &["slotlint", "check", "--format", "short"],
        &[],
        budget,
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    for (file, why) in [
        ("src/pipe.rs", "is a FIFO (named pipe), not a regular file"),
        (
            "src/via_link.rs",
            "is a FIFO (named pipe), not a regular file",
        ),
        (
            "src/zero.rs",
            "is a symbolic link that leads outside the workspace",
        ),
        (
            "src/ptmx.rs",
            "is a symbolic link that leads outside the workspace",
        ),
    ] {
        assert!(
            stdout.contains(&format!("{file}:1:1: note[SL001]: {file} {why}")),
            "{file}:\n{stdout}"
        );
    }
    // Named on the command line.
    let out = run_in(
        dir.path(),
        &[
            "slotlint",
            "check",
            "fifo",
            "src/lib.rs",
            "--format",
            "short",
        ],
        &[],
        budget,
    );
    assert!(
        text(&out.stdout).contains("fifo is a FIFO (named pipe), not a regular file"),
        "{}",
        text(&out.stdout)
    );
    let out = run_in(
        dir.path(),
        &["slotlint", "check", "/dev/zero", "/dev/ptmx"],
        &[],
        budget,
    );
    assert!(
        out.status.code().is_some_and(|c| c < 2),
        "{}",
        text(&out.stderr)
    );
    // As the baseline: an error, exit 2, without waiting for a writer.
    let out = run_in(
        dir.path(),
        &["slotlint", "check", "--baseline", "fifo"],
        &[],
        budget,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("is a FIFO (named pipe), not a regular file"),
        "{}",
        text(&out.stderr)
    );
    // `fix` reads the same files the same way.
    let out = run_in(dir.path(), &["slotlint", "fix", "--dry-run"], &[], budget);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

/// An `include_str!`'d script that is a FIFO: the interpreter reads included files with
/// `input::read_included`, so the FIFO is a note at the macro, never a wait for a writer.
#[test]
fn item_4_an_included_fifo_is_not_read() {
    let lib = "use redis::Commands;\npub fn f(con: &mut redis::Connection) {\n    let _: () = redis::Script::new(include_str!(\"s.lua\")).key(\"a\").invoke(con).unwrap();\n}\n";
    let dir = package(&[("src/lib.rs", lib)]);
    mkfifo(&dir.path().join("src/s.lua"));
    let out = run_in(
        dir.path(),
        &["slotlint", "check", "--format", "short"],
        &[],
        Duration::from_secs(60),
    );
    assert!(
        out.status.code().is_some_and(|c| c < 2),
        "{}",
        text(&out.stderr)
    );
    let shown = text(&out.stdout);
    assert!(
        shown.contains("src/lib.rs:3:") && shown.contains("`include_str!` is not followed"),
        "{shown}"
    );
    let out = run_in(
        dir.path(),
        &["slotlint", "fix", "--dry-run"],
        &[],
        Duration::from_secs(60),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

/// `.gitignore` files are read like sources: a FIFO in their place, or a link out of the
/// workspace, is a note (their rules are not applied), never a hang or an outside read; the
/// rules of regular ones still apply, from the workspace root down.
#[test]
fn item_4_ignore_files_that_are_fifos_or_links_out_are_reported() {
    let dir = package(&[
        ("src/lib.rs", CROSS_SLOT),
        ("src/gen/skipped.rs", CROSS_SLOT),
        (".gitignore", "/src/gen/\n"),
        // `tests/t.rs` is test code: reported only when asked.
        ("slotlint.toml", "test-code = \"check\"\n"),
    ]);
    mkfifo(&dir.path().join("src/.gitignore"));
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("rules"), "lib.rs\n").unwrap();
    std::fs::create_dir_all(dir.path().join("tests")).unwrap();
    std::fs::write(dir.path().join("tests/t.rs"), CROSS_SLOT).unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("rules"),
        dir.path().join("tests/.gitignore"),
    )
    .unwrap();
    let out = run_in(
        dir.path(),
        &["slotlint", "check", "--format", "short"],
        &[],
        Duration::from_secs(60),
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("src/.gitignore:1:1: note[SL001]: src/.gitignore is a FIFO (named pipe), not a regular file; not read; its rules are not applied"), "{stdout}");
    assert!(
        stdout.contains("tests/.gitignore is a symbolic link that leads outside the workspace"),
        "{stdout}"
    );
    assert!(
        stdout.contains("src/lib.rs:4:17") && stdout.contains("tests/t.rs:4:17"),
        "{stdout}"
    );
    assert!(
        !stdout.contains("src/gen/skipped.rs"),
        "the root .gitignore applies: {stdout}"
    );
}

// ----- items 11, 12, 14, 15, 16: `fix` data safety -----

fn snapshot(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    fn walk(base: &Path, dir: &Path, out: &mut std::collections::BTreeMap<String, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let entry = entry.unwrap();
            let path = entry.path();
            if entry.file_type().unwrap().is_dir() {
                walk(base, &path, out);
            } else if entry.file_type().unwrap().is_file() {
                let rel = path
                    .strip_prefix(base)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                out.insert(rel, std::fs::read(&path).unwrap());
            }
        }
    }
    let mut out = std::collections::BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// A shell run of the binary with stdout sent to `/dev/full`.
fn run_into_dev_full(cwd: &Path, args: &str) -> Output {
    Command::new("sh")
        .arg("-c")
        .arg(format!("exec \"$0\" slotlint {args} > /dev/full"))
        .arg(bin())
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

/// `fix --unsafe --plan - > /dev/full` must fail before any source is rewritten (a second run
/// could not make the plan again); `fix --diff` into a full disk must not exit 0.
#[test]
fn item_11_a_plan_that_cannot_be_written_leaves_every_source_alone() {
    let dir = package(&[("src/lib.rs", CROSS_SLOT)]);
    let before = snapshot(dir.path());
    let out = run_into_dev_full(dir.path(), "fix --unsafe --allow-no-vcs --plan -");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("cannot write the migration plan to stdout")
            && text(&out.stderr).contains("no file was changed"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(snapshot(dir.path()), before);
    let out = run_into_dev_full(dir.path(), "fix --unsafe --diff");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("cannot write the diff"),
        "{}",
        text(&out.stderr)
    );
    // A plan file: on disk (flushed) before the sources, both or neither.
    let out = run(
        dir.path(),
        &["slotlint", "fix", "--unsafe", "--allow-no-vcs"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let plan = std::fs::read_to_string(dir.path().join("slotlint-migration.json")).unwrap();
    assert!(plan.contains("user:{}:profile"), "{plan}");
}

/// `fix` must not rename a family that a file it could not read builds (over the size limit)
/// or that a Lua script builds by concatenation: the fix is blocked, and the site named.
#[test]
fn item_12_families_built_where_fix_cannot_edit_are_blocked_and_named() {
    // A source larger than slotlint reads, which builds keys of the family on line 3.
    let mut big = String::from(
        "// generated\npub fn more(id: u64) -> String {\n    format!(\"user:{id}:profile\")\n}\n",
    );
    let padding = "// ".to_owned() + &"x".repeat(1000) + "\n";
    while big.len() as u64 <= slotlint_analyzer::MAX_FILE_BYTES {
        big.push_str(&padding);
    }
    let dir = package(&[
        ("src/lib.rs", &format!("mod big;\n{CROSS_SLOT}")),
        ("src/big.rs", &big),
    ]);
    let out = run(dir.path(), &["slotlint", "fix", "--unsafe", "--dry-run"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let listing = text(&out.stdout);
    assert!(listing.contains("[blocked]"), "{listing}");
    assert!(
        listing.contains("blocked: src/big.rs:3:23: src/big.rs is larger than the 16 MiB slotlint reads; skipped; it mentions `:profile` here"),
        "{listing}"
    );
    // Applying changes nothing.
    let before = snapshot(dir.path());
    let out = run(
        dir.path(),
        &["slotlint", "fix", "--unsafe", "--allow-no-vcs"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(snapshot(dir.path()), before);

    // A script that builds `user:<id>:profile` itself, in a literal and in an included file.
    let lib = format!(
        "{CROSS_SLOT}\npub fn touch(con: &mut redis::Connection, id: u64) {{\n    let _: () = redis::Script::new(\"return redis.call('GET', 'user:' .. ARGV[1] .. ':profile')\").arg(id).invoke(con).unwrap();\n    let _: () = redis::Script::new(include_str!(\"touch.lua\")).arg(id).invoke(con).unwrap();\n}}\n"
    );
    let dir = package(&[
        ("src/lib.rs", &lib),
        (
            "src/touch.lua",
            "local k = string.format('user:%s:settings', ARGV[1])\nreturn redis.call('GET', k)\n",
        ),
    ]);
    let out = run(dir.path(), &["slotlint", "check", "--format", "short"]);
    assert!(
        text(&out.stdout).contains("error[SL204]"),
        "{}",
        text(&out.stdout)
    );
    let out = run(dir.path(), &["slotlint", "fix", "--unsafe", "--dry-run"]);
    let listing = text(&out.stdout);
    assert!(listing.contains("[blocked]"), "{listing}");
    assert!(
        listing.contains("blocked: src/lib.rs:8:62: the Lua script builds keys of this family itself (`'user:' .. ARGV[1] .. ':profile'`)"),
        "{listing}"
    );
    assert!(
        listing.contains(
            "blocked: src/touch.lua:2:26: the Lua script builds keys of this family itself (`k`)"
        ),
        "{listing}"
    );
}

/// Makes a file immutable (`chattr +i`): even root cannot replace it. Undone on drop.
struct Immutable(std::path::PathBuf);

impl Immutable {
    fn new(path: &Path) -> Immutable {
        let out = Command::new("chattr")
            .arg("+i")
            .arg(path)
            .output()
            .expect("chattr (e2fsprogs)");
        assert!(
            out.status.success(),
            "chattr +i {}: {}",
            path.display(),
            text(&out.stderr)
        );
        Immutable(path.to_owned())
    }
}

impl Drop for Immutable {
    fn drop(&mut self) {
        let _ = Command::new("chattr").arg("-i").arg(&self.0).status();
    }
}

/// A failed `fix` puts every file back with its owner, group and mode (the tests run as
/// root: the files belong to another user).
#[test]
fn item_14_a_rollback_keeps_owners_and_modes() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let dir = package(&[
        ("src/lib.rs", &format!("mod z;\n{CROSS_SLOT}")),
        (
            "src/z.rs",
            "pub fn settings(id: u64) -> String { format!(\"user:{id}:settings\") }\n",
        ),
    ]);
    let lib = dir.path().join("src/lib.rs");
    std::os::unix::fs::chown(&lib, Some(65534), Some(65534)).expect("the tests run as root");
    std::fs::set_permissions(&lib, std::fs::Permissions::from_mode(0o640)).unwrap();
    let before_meta = std::fs::metadata(&lib).unwrap();
    let before = snapshot(dir.path());
    // src/z.rs is replaced after src/lib.rs, and cannot be.
    let _guard = Immutable::new(&dir.path().join("src/z.rs"));
    let out = run(
        dir.path(),
        &["slotlint", "fix", "--unsafe", "--allow-no-vcs"],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("every file was left as it was"),
        "{}",
        text(&out.stderr)
    );
    let after = std::fs::metadata(&lib).unwrap();
    assert_eq!((after.uid(), after.gid()), (65534, 65534));
    assert_eq!(after.permissions().mode() & 0o777, 0o640);
    assert_eq!(after.ino(), before_meta.ino());
    assert_eq!(
        snapshot(dir.path()),
        before,
        "files changed, or temporary files left"
    );
}

/// A byte-order mark and a shebang line shift no column, and do not block `fix`.
#[test]
fn item_15_bom_and_shebang_keep_columns_and_fixes() {
    for prefix in [
        "\u{feff}",
        "#!/usr/bin/env run-cargo-script\n",
        "\u{feff}#!/usr/bin/env x\n",
    ] {
        let lib = format!("{prefix}{CROSS_SLOT}");
        let dir = package(&[("src/lib.rs", &lib)]);
        let out = run(dir.path(), &["slotlint", "check", "--format", "short"]);
        let line = lib.lines().position(|l| l.contains(".rename(")).unwrap() + 1;
        let column = lib
            .lines()
            .nth(line - 1)
            .unwrap()
            .find("con.rename")
            .unwrap()
            + 1;
        let want = format!("src/lib.rs:{line}:{column}: error[SL101]");
        assert!(
            text(&out.stdout).contains(&want),
            "{prefix:?}: want {want}\n{}",
            text(&out.stdout)
        );
        let out = run(
            dir.path(),
            &["slotlint", "fix", "--unsafe", "--allow-no-vcs"],
        );
        assert_eq!(
            out.status.code(),
            Some(0),
            "{prefix:?}: {}",
            text(&out.stderr)
        );
        let fixed = std::fs::read_to_string(dir.path().join("src/lib.rs")).unwrap();
        assert!(fixed.starts_with(prefix), "{prefix:?}");
        assert!(
            fixed.contains("format!(\"{{user:{id}}}:profile\")"),
            "{prefix:?}: {fixed}"
        );
    }
}

/// Workspace members that match no package: a clear error and exit 2, for `check` and `fix`.
#[test]
fn item_16_members_that_match_nothing_are_an_error() {
    for members in [r#"["crates/*"]"#, r#"["services/api", "crates/*"]"#] {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("Cargo.toml"),
            format!("[workspace]\nmembers = {members}\n"),
        )
        .unwrap();
        std::fs::create_dir_all(dir.path().join("crates/not-a-package")).unwrap();
        for cmd in [
            &["slotlint", "check"][..],
            &["slotlint", "fix", "--dry-run"],
        ] {
            let out = run(dir.path(), cmd);
            assert_eq!(out.status.code(), Some(2), "{members} {cmd:?}");
            let stderr = text(&out.stderr);
            assert!(
                stderr.contains("matches no package") || stderr.contains("match no package"),
                "{stderr}"
            );
            assert!(stderr.contains("`crates/*`"), "{stderr}");
        }
    }
}

/// Member globs through directory symbolic links (here a loop) cost no more than the folders.
#[test]
fn item_8_member_globs_follow_each_real_folder_once() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("Cargo.toml"), "[workspace]\nmembers = [\"a/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*\", \"crates/*\"]\n").unwrap();
    let app = package(&[("src/lib.rs", CROSS_SLOT)]);
    std::fs::create_dir_all(dir.path().join("crates")).unwrap();
    std::fs::rename(app.path(), dir.path().join("crates/app")).unwrap();
    // `a/x -> ..` and `a/y -> ..`: without care, 2^24 paths to walk, each a loop.
    std::fs::create_dir_all(dir.path().join("a")).unwrap();
    std::os::unix::fs::symlink("..", dir.path().join("a/x")).unwrap();
    std::os::unix::fs::symlink("..", dir.path().join("a/y")).unwrap();
    let out = run_in(
        dir.path(),
        &["slotlint", "check", "--format", "short"],
        &[],
        Duration::from_secs(60),
    );
    // The loop glob matches no package: said so; the run still ends at once.
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr)
            .contains("`a/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*` matches no package"),
        "{}",
        text(&out.stderr)
    );
}

// ----- items 5 and 6: bounded memory and threads -----

/// A package whose sources exceed what slotlint reads per package: the files past the budget
/// are notes, not memory (three 9 MiB files: the smaller files are read first, the last big
/// one is skipped).
#[test]
fn item_5_a_package_reads_at_most_its_budget_and_says_what_it_skipped() {
    // Mostly a comment: cheap to parse even in a debug build.
    let filler = |n: usize| format!("/*{}*/\n", "x".repeat((9 << 20) + n));
    let dir = package(&[
        (
            "src/lib.rs",
            &format!("mod a;\nmod b;\nmod c;\n{CROSS_SLOT}"),
        ),
        ("src/a.rs", &filler(0)),
        ("src/b.rs", &filler(1)),
        ("src/c.rs", &filler(2)),
    ]);
    let out = run(dir.path(), &["slotlint", "check", "--format", "short"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains(&format!(
            "src/c.rs:1:1: note[SL001]: src/c.rs was not read: its package's sources are larger than the {} MiB slotlint reads per package; skipped",
            slotlint_analyzer::MAX_UNIT_BYTES >> 20
        )),
        "{stdout}"
    );
}

/// An `include_str!`'d script larger than slotlint reads of a script: a note, not gigabytes.
#[test]
fn item_5_a_large_included_script_is_skipped_and_reported() {
    let lua = "-- ".to_owned()
        + &"x".repeat((slotlint_analyzer::MAX_INCLUDED_BYTES + 10) as usize)
        + "\nreturn redis.call('GET', 'k')\n";
    let lib = "use redis::Commands;\npub fn f(con: &mut redis::Connection) {\n    let _: () = redis::Script::new(include_str!(\"big.lua\")).key(\"a\").invoke(con).unwrap();\n}\n";
    let dir = package(&[("src/lib.rs", lib), ("src/big.lua", &lua)]);
    let out = run(dir.path(), &["slotlint", "check", "--format", "short"]);
    assert!(
        out.status.code().is_some_and(|c| c < 2),
        "{}",
        text(&out.stderr)
    );
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("src/big.lua is larger than the 1 MiB slotlint reads; skipped"),
        "{stdout}"
    );
}

/// `--threads 100000` starts at most four threads per core, and the run succeeds.
#[test]
fn item_6_threads_are_clamped() {
    let cores = std::thread::available_parallelism().unwrap().get();
    let options = slotlint_analyzer::Options {
        threads: 100_000,
        ..Default::default()
    };
    assert_eq!(options.worker_threads(), 4 * cores);
    let dir = package(&[("src/lib.rs", CROSS_SLOT)]);
    let out = run(dir.path(), &["slotlint", "check", "--threads", "100000"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
}
