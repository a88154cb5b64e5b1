//! Where printed paths start from, and how a path is printed safely.
//!
//! Every output format shows files relative to one folder, the *path base*: `--path-base`, else
//! `GITHUB_WORKSPACE` (the checkout under GitHub Actions), else the git top level above what is
//! checked, else the cargo workspace root (or, for paths on the command line, the current
//! folder). So the paths of annotations, SARIF, JSON and baselines are the repository's, whatever
//! the current folder and the path arguments.
//!
//! Not here: the analyzer's own `display_path` (it is handed the base as `display_root`).

use std::borrow::Cow;
use std::path::{Component, Path, PathBuf};

/// `path` made absolute against `cwd`, with `.` and `..` resolved lexically (no file system
/// access: a path that does not exist yet is fine).
pub fn absolute(cwd: &Path, path: &Path) -> PathBuf {
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        cwd.join(path)
    };
    let mut out = PathBuf::new();
    for c in joined.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// The nearest folder at or above `dir` holding `.git` (a folder, or a file in a worktree).
pub fn git_top_level(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .find(|d| d.join(".git").exists())
        .map(Path::to_path_buf)
}

/// The path base of a run (see the module docs). `checked` is the folder checked (the workspace
/// root, or the first path argument); `fallback` is the analyzer's own display root.
pub fn path_base(
    explicit: Option<&Path>,
    github_workspace: Option<&Path>,
    checked: &Path,
    fallback: &Path,
) -> PathBuf {
    if let Some(dir) = explicit {
        return dir.to_path_buf();
    }
    if let Some(ws) = github_workspace.filter(|ws| checked.starts_with(ws)) {
        return ws.to_path_buf();
    }
    git_top_level(checked).unwrap_or_else(|| fallback.to_path_buf())
}

/// Unicode characters that reorder text on screen (Trojan Source): shown escaped like controls.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `text` with control characters (newlines, escapes, bidi overrides) written as Rust escapes
/// (`\n`, `\u{1b}`), so that a file name or a key cannot start a new line in a CI log (and forge
/// a workflow command) or drive the terminal.
pub fn printable(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| c.is_control() || is_bidi_control(c)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_control() || is_bidi_control(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lexical_absolute_paths() {
        let cwd = Path::new("/repo/sub");
        assert_eq!(
            absolute(cwd, Path::new("../other/./x.rs")),
            Path::new("/repo/other/x.rs")
        );
        assert_eq!(absolute(cwd, Path::new("/abs")), Path::new("/abs"));
        assert_eq!(absolute(cwd, Path::new(".")), Path::new("/repo/sub"));
    }

    #[test]
    fn controls_are_escaped() {
        assert_eq!(printable("src/a.rs"), "src/a.rs");
        assert_eq!(
            printable("a\n::error file=x::forged"),
            "a\\n::error file=x::forged"
        );
        assert_eq!(printable("\u{1b}[31mred"), "\\u{1b}[31mred");
        assert_eq!(printable("a\u{202e}b"), "a\\u{202e}b");
        assert_eq!(printable("漢字.rs"), "漢字.rs");
    }

    #[test]
    fn the_base_prefers_the_flag_then_github_then_git() {
        let dir = tempfile::tempdir().unwrap();
        let repo = dir.path().join("repo");
        let ws = repo.join("services/api");
        std::fs::create_dir_all(&ws).unwrap();
        std::fs::create_dir_all(repo.join(".git")).unwrap();
        assert_eq!(path_base(None, None, &ws, &ws), repo);
        assert_eq!(path_base(None, Some(&ws), &ws, &ws), ws);
        // A GITHUB_WORKSPACE that does not hold the checked folder is not the base.
        assert_eq!(
            path_base(None, Some(Path::new("/elsewhere")), &ws, &ws),
            repo
        );
        assert_eq!(
            path_base(Some(Path::new("/base")), None, &ws, &ws),
            Path::new("/base")
        );
        let loose = dir.path().join("loose");
        std::fs::create_dir_all(&loose).unwrap();
        assert_eq!(
            path_base(None, None, &loose, Path::new("/cwd")),
            Path::new("/cwd")
        );
    }
}
