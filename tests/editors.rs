//! Diagnostics in editors without an LSP: cargo's JSON message stream (`--message-format=json`)
//! read the way rust-analyzer's `check.overrideCommand` reads it (cargo_metadata's `Message`,
//! then the fields of `diagnostics/to_proto.rs`) and checked against a JSON schema of those
//! fields; `--with-cargo-check` passing cargo's own messages through; the `short` format and the
//! human header in the shape editors' problem matchers read.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use cargo_metadata::diagnostic::DiagnosticLevel;
use cargo_metadata::Message;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn slotlint_in(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cargo-slotlint"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_WORKSPACE")
        .output()
        .expect("run cargo-slotlint")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn schema() -> jsonschema::Validator {
    let text =
        std::fs::read_to_string(root().join("fixtures/editors/cargo-message.schema.json")).unwrap();
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    jsonschema::validator_for(&schema).expect("the schema compiles")
}

/// The `--format json` diagnostics of the same run, to compare with.
fn json_diagnostics(target: &str) -> Vec<serde_json::Value> {
    let out = slotlint_in(&["check", target, "--format", "json"], &root());
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    doc["diagnostics"].as_array().unwrap().clone()
}

#[test]
fn the_message_stream_is_what_rust_analyzer_reads() {
    let out = slotlint_in(
        &["check", "fixtures/demo", "--message-format=json"],
        &root(),
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    // Every line is one JSON object of the schema.
    let validator = schema();
    for line in stdout.lines() {
        let value: serde_json::Value = serde_json::from_str(line).expect("one object per line");
        let errors: Vec<String> = validator
            .iter_errors(&value)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{line}\n{errors:#?}");
    }
    // Parsed as rust-analyzer parses it.
    let messages: Vec<Message> = Message::parse_stream(stdout.as_bytes())
        .map(|m| m.expect("a cargo message"))
        .collect();
    let json = json_diagnostics("fixtures/demo");
    let compiler: Vec<&cargo_metadata::CompilerMessage> = messages
        .iter()
        .filter_map(|m| match m {
            Message::CompilerMessage(c) => Some(c),
            _ => None,
        })
        .collect();
    assert_eq!(compiler.len(), json.len());
    assert!(matches!(
        messages.last(),
        Some(Message::BuildFinished(f)) if !f.success
    ));
    let demo = root().join("fixtures/demo");
    let mut quick_fixes = 0;
    for (c, d) in compiler.iter().zip(&json) {
        assert!(
            c.package_id
                .repr
                .starts_with(&format!("path+file://{}#", demo.display())),
            "{}",
            c.package_id.repr
        );
        let m = &c.message;
        assert_eq!(m.message, d["message"].as_str().unwrap());
        assert_eq!(m.code.as_ref().unwrap().code, d["code"].as_str().unwrap());
        let level = match d["severity"].as_str().unwrap() {
            "error" => DiagnosticLevel::Error,
            "warning" => DiagnosticLevel::Warning,
            _ => DiagnosticLevel::Note,
        };
        assert_eq!(m.level, level);
        // One primary span, in the file the JSON names, at a line of the finding's call.
        let primary: Vec<_> = m.spans.iter().filter(|s| s.is_primary).collect();
        assert_eq!(primary.len(), 1, "{m:?}");
        let span = primary[0];
        let file = root().join(d["file"].as_str().unwrap());
        assert_eq!(Path::new(&span.file_name), file);
        let (first, last) = (d["line"].as_u64().unwrap(), d["end_line"].as_u64().unwrap());
        assert!(
            (first..=last).contains(&(span.line_start as u64)),
            "{span:?} {d}"
        );
        // `text` is the source line, highlighted at the span's 1-based character columns.
        let source = std::fs::read_to_string(&file).unwrap();
        let line = source.lines().nth(span.line_start - 1).unwrap();
        assert_eq!(span.text[0].text, line);
        assert_eq!(span.text[0].highlight_start, span.column_start);
        let marked: String = line
            .chars()
            .skip(span.column_start - 1)
            .take(span.column_end - span.column_start)
            .collect();
        assert!(!marked.trim().is_empty(), "{span:?}");
        // Help and notes are children; `rendered` is the human output, rustc's shape.
        if let Some(help) = d["help"].as_str() {
            assert!(m
                .children
                .iter()
                .any(|ch| ch.level == DiagnosticLevel::Help && ch.message == help));
        }
        for note in d["notes"].as_array().unwrap() {
            assert!(m.children.iter().any(
                |ch| ch.level == DiagnosticLevel::Note && ch.message == note.as_str().unwrap()
            ));
        }
        let rendered = m.rendered.as_deref().unwrap();
        let header = format!(
            "{}[{}]: ",
            d["severity"].as_str().unwrap(),
            d["code"].as_str().unwrap()
        );
        assert!(rendered.starts_with(&header), "{rendered}");
        assert!(
            rendered.contains(&format!(
                " --> {}:{}:{}",
                d["file"].as_str().unwrap(),
                span.line_start,
                span.column_start
            )),
            "{rendered}"
        );
        // A fixable finding carries the fix as a suggestion: rust-analyzer's quick fix.
        for ch in &m.children {
            if ch.spans.iter().any(|s| s.suggested_replacement.is_some()) {
                quick_fixes += 1;
                for s in &ch.spans {
                    let replacement = s.suggested_replacement.as_deref().unwrap();
                    assert!(replacement.contains('{'), "{replacement}");
                    let file = std::fs::read_to_string(&s.file_name).unwrap();
                    let old = &file[s.byte_start as usize..s.byte_end as usize];
                    assert!(
                        old.starts_with('"') && replacement.starts_with('"'),
                        "{old}"
                    );
                }
            }
        }
    }
    assert!(quick_fixes > 0, "the demo has fixable findings");
}

#[test]
fn with_cargo_check_passes_cargo_messages_through_first() {
    let dir = tempfile::tempdir().unwrap();
    let pkg = small_package(dir.path());
    let out = Command::new(env!("CARGO_BIN_EXE_cargo-slotlint"))
        .args(["check", "--message-format=json", "--with-cargo-check"])
        .current_dir(&pkg)
        .env("CARGO_TARGET_DIR", dir.path().join("target"))
        .env_remove("GITHUB_WORKSPACE")
        .output()
        .unwrap();
    let stdout = text(&out.stdout);
    let messages: Vec<Message> = Message::parse_stream(stdout.as_bytes())
        .map(|m| m.unwrap())
        .collect();
    let codes: Vec<String> = messages
        .iter()
        .filter_map(|m| match m {
            Message::CompilerMessage(c) => Some(
                c.message
                    .code
                    .as_ref()
                    .map_or(c.message.message.clone(), |c| c.code.clone()),
            ),
            _ => None,
        })
        .collect();
    let first_slotlint = codes
        .iter()
        .position(|c| c.starts_with("SL"))
        .expect("a slotlint finding");
    assert!(first_slotlint > 0, "cargo's messages come first: {codes:?}");
    assert!(
        codes[..first_slotlint].iter().any(|c| c.contains("unused")),
        "{codes:?}"
    );
    assert!(
        codes[first_slotlint..].iter().all(|c| c.starts_with("SL")),
        "{codes:?}"
    );
    // One build-finished, last, failed (cargo failed and slotlint found an error).
    let finished: Vec<bool> = messages
        .iter()
        .filter_map(|m| match m {
            Message::BuildFinished(f) => Some(f.success),
            _ => None,
        })
        .collect();
    assert_eq!(finished, [false]);
    assert!(matches!(messages.last(), Some(Message::BuildFinished(_))));
    // The package ids agree with cargo's own.
    let ids: std::collections::BTreeSet<String> = messages
        .iter()
        .filter_map(|m| match m {
            Message::CompilerMessage(c) => Some(c.package_id.repr.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(ids.len(), 1, "{ids:?}");
}

#[test]
fn with_cargo_check_needs_the_message_stream() {
    let out = slotlint_in(&["check", "fixtures/demo", "--with-clippy"], &root());
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--message-format=json"));
}

#[test]
fn short_and_human_headers_are_what_problem_matchers_read() {
    // rustc's short shape: `path:line:col: level[CODE]: message`.
    let out = slotlint_in(&["check", "fixtures/demo", "--format", "short"], &root());
    let json = json_diagnostics("fixtures/demo");
    let short: Vec<String> = text(&out.stdout)
        .lines()
        .filter(|l| !l.starts_with("slotlint:"))
        .map(str::to_owned)
        .collect();
    assert_eq!(short.len(), json.len());
    for (line, d) in short.iter().zip(&json) {
        assert_eq!(
            line,
            &format!(
                "{}:{}:{}: {}[{}]: {}",
                d["file"].as_str().unwrap(),
                d["line"],
                d["column"],
                d["severity"].as_str().unwrap(),
                d["code"].as_str().unwrap(),
                d["message"].as_str().unwrap()
            )
        );
    }
    // `--message-format short` is the same.
    let same = slotlint_in(
        &["check", "fixtures/demo", "--message-format", "short"],
        &root(),
    );
    assert_eq!(same.stdout, out.stdout);

    // Human: VS Code's `$rustc` problem matcher, line by line.
    let out = slotlint_in(&["check", "fixtures/demo"], &root());
    let human = text(&out.stdout);
    let lines: Vec<&str> = human.lines().collect();
    let mut headers = 0;
    for (i, l) in lines.iter().enumerate() {
        let Some((level, rest)) = l.split_once('[') else {
            continue;
        };
        if !["error", "warning", "note"].contains(&level) || !rest.starts_with("SL") {
            continue;
        }
        headers += 1;
        let location = lines[i + 1..]
            .iter()
            .find(|l| l.trim_start().starts_with("--> "))
            .unwrap();
        let (file, pos) = location.trim_start()[4..].split_once(':').unwrap();
        let (line, col) = pos.split_once(':').unwrap();
        let source = std::fs::read_to_string(root().join(file)).unwrap();
        let at = source
            .lines()
            .nth(line.parse::<usize>().unwrap() - 1)
            .unwrap();
        // The primary column, not 1: it points at the method or call that a cluster refuses.
        let col: usize = col.parse().unwrap();
        assert!(col > 1, "{location}");
        assert!(
            !at.chars().nth(col - 1).unwrap().is_whitespace(),
            "{location}: {at}"
        );
    }
    assert_eq!(headers, json.len());
}

/// The fenced code blocks of `lang` in README.md's `## In editors`.
fn readme_editor_blocks(lang: &str) -> Vec<String> {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let section = &readme[readme.find("\n## In editors\n").expect("## In editors")..];
    let fence = format!("```{lang}\n");
    section
        .split(&fence)
        .skip(1)
        .map(|b| b[..b.find("```").unwrap()].to_owned())
        .collect()
}

/// A package without dependencies, with one rustc warning and one slotlint finding.
fn small_package(dir: &Path) -> PathBuf {
    let pkg = dir.join("svc");
    std::fs::create_dir_all(pkg.join("src")).unwrap();
    std::fs::write(
        pkg.join("Cargo.toml"),
        "[package]\nname = \"svc\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n",
    )
    .unwrap();
    std::fs::write(
        pkg.join("src/lib.rs"),
        "pub fn unused() { let x = 1; }\npub async fn f(con: &mut redis::aio::MultiplexedConnection, id: u64) -> redis::RedisResult<()> {\n    redis::AsyncCommands::rename(con, format!(\"a:{id}\"), format!(\"b:{id}\")).await\n}\n",
    )
    .unwrap();
    pkg
}

/// Runs an editor's `cargo slotlint …` command with this build, and reads its messages.
fn run_editor_command(command: &[String], dir: &Path, pkg: &Path) -> Vec<Message> {
    assert_eq!(&command[..2], ["cargo", "slotlint"], "{command:?}");
    let out = Command::new(env!("CARGO_BIN_EXE_cargo-slotlint"))
        .args(&command[1..])
        .current_dir(pkg)
        .env("CARGO_TARGET_DIR", dir.join("target"))
        .env_remove("GITHUB_WORKSPACE")
        .output()
        .unwrap();
    Message::parse_stream(out.stdout.as_slice())
        .map(|m| m.expect("a cargo message"))
        .collect()
}

#[test]
fn readme_editor_settings_run_as_written() {
    // VS Code's settings, parsed as JSON; Neovim's Lua holds the same command.
    let json = readme_editor_blocks("json");
    assert_eq!(json.len(), 1);
    let settings: serde_json::Value = serde_json::from_str(&json[0]).unwrap();
    let command: Vec<String> = settings["rust-analyzer.check.overrideCommand"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_owned())
        .collect();
    let lua = readme_editor_blocks("lua");
    let quoted: Vec<String> = command.iter().map(|a| format!("\"{a}\"")).collect();
    assert!(lua[0].contains(&quoted.join(", ")), "{}", lua[0]);

    let dir = tempfile::tempdir().unwrap();
    let pkg = small_package(dir.path());
    let messages = run_editor_command(&command, dir.path(), &pkg);
    let codes: Vec<String> = messages
        .iter()
        .filter_map(|m| match m {
            Message::CompilerMessage(c) => c.message.code.as_ref().map(|c| c.code.clone()),
            _ => None,
        })
        .collect();
    assert!(codes.iter().any(|c| c == "SL101"), "{codes:?}");
    // clippy's own lints and rustc's warnings come through.
    assert!(codes.iter().any(|c| !c.starts_with("SL")), "{codes:?}");

    // bacon's job: the same stream, `rendered` with colors.
    let toml = readme_editor_blocks("toml");
    let job: toml::Table = toml[0].parse().unwrap();
    let job = &job["jobs"]["slotlint"];
    assert_eq!(job["analyzer"].as_str(), Some("cargo_json"));
    let command: Vec<String> = job["command"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_owned())
        .collect();
    let messages = run_editor_command(&command, dir.path(), &pkg);
    let rendered: Vec<String> = messages
        .iter()
        .filter_map(|m| match m {
            Message::CompilerMessage(c)
                if c.message
                    .code
                    .as_ref()
                    .is_some_and(|c| c.code.starts_with("SL")) =>
            {
                c.message.rendered.clone()
            }
            _ => None,
        })
        .collect();
    assert!(!rendered.is_empty());
    assert!(rendered.iter().all(|r| r.contains("\x1b[")), "{rendered:?}");
    assert!(matches!(messages.last(), Some(Message::BuildFinished(_))));
}
