//! All-or-nothing writes of several files: each new content goes to a temporary file in the
//! target's folder (with the target's permissions), and only when every temporary file is
//! written are they renamed over their targets. A failure at any point leaves every target as
//! it was (renames already done are undone).

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// One file to write.
#[derive(Clone, Debug)]
pub struct FileWrite {
    pub path: PathBuf,
    /// What the file must hold now (`None`: it must not exist); checked before writing, so
    /// that a file changed since it was read is never overwritten.
    pub expected: Option<String>,
    pub content: String,
}

/// Why nothing was written.
#[derive(Debug)]
pub struct WriteError {
    pub message: String,
}

impl std::fmt::Display for WriteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for WriteError {}

fn err(message: String) -> WriteError {
    WriteError { message }
}

struct Staged {
    target: PathBuf,
    temp: PathBuf,
    /// The target's content before, to undo a rename (`None`: the target did not exist).
    original: Option<Vec<u8>>,
}

fn temp_path(target: &Path, n: usize) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let dir = target.parent().unwrap_or(Path::new("."));
    dir.join(format!(".{name}.slotlint-{}-{n}.tmp", std::process::id()))
}

/// Write every file or none.
pub fn write_all(writes: &[FileWrite]) -> Result<(), WriteError> {
    // 1. Check every target before touching anything.
    let mut originals = Vec::with_capacity(writes.len());
    for w in writes {
        match fs::symlink_metadata(&w.path) {
            Ok(meta) => {
                if meta.file_type().is_symlink() {
                    return Err(err(format!(
                        "{} is a symbolic link; slotlint edits files in place only: nothing was written",
                        w.path.display()
                    )));
                }
                if meta.permissions().readonly() {
                    return Err(err(format!(
                        "{} is read-only; make it writable to apply the fix: nothing was written",
                        w.path.display()
                    )));
                }
                let bytes = fs::read(&w.path).map_err(|e| {
                    err(format!(
                        "cannot read {}: {e}; nothing was written",
                        w.path.display()
                    ))
                })?;
                if w.expected.as_deref().map(str::as_bytes) != Some(&bytes[..]) {
                    return Err(err(format!(
                        "{} changed since slotlint read it; run the fix again: nothing was written",
                        w.path.display()
                    )));
                }
                originals.push((Some(bytes), Some(meta)));
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if w.expected.is_some() {
                    return Err(err(format!(
                        "{} disappeared since slotlint read it: nothing was written",
                        w.path.display()
                    )));
                }
                originals.push((None, None));
            }
            Err(e) => {
                return Err(err(format!(
                    "cannot read {}: {e}; nothing was written",
                    w.path.display()
                )))
            }
        }
    }
    // 2. Stage every new content in a temporary file beside its target.
    let mut staged: Vec<Staged> = Vec::new();
    for (n, (w, (original, meta))) in writes.iter().zip(originals).enumerate() {
        let temp = temp_path(&w.path, n);
        if let Err(e) = stage(&temp, &w.content, meta.as_ref()) {
            let _ = fs::remove_file(&temp);
            for s in &staged {
                let _ = fs::remove_file(&s.temp);
            }
            return Err(err(format!(
                "cannot write {} (temporary file {}): {e}; nothing was written",
                w.path.display(),
                temp.display()
            )));
        }
        staged.push(Staged {
            target: w.path.clone(),
            temp,
            original,
        });
    }
    // 3. Rename them over their targets; undo on failure.
    for i in 0..staged.len() {
        if let Err(e) = fs::rename(&staged[i].temp, &staged[i].target) {
            for s in &staged[i..] {
                let _ = fs::remove_file(&s.temp);
            }
            let mut undo_failures = Vec::new();
            for s in staged[..i].iter().rev() {
                if let Err(u) = undo(s) {
                    undo_failures.push(format!("{}: {u}", s.target.display()));
                }
            }
            let mut message = format!("cannot replace {}: {e}", staged[i].target.display());
            if undo_failures.is_empty() {
                message.push_str("; every file was left as it was");
            } else {
                message.push_str(&format!(
                    "; restoring the files already replaced failed too ({}): restore them from version control",
                    undo_failures.join(", ")
                ));
            }
            return Err(err(message));
        }
    }
    for s in &staged {
        if let Some(dir) = s.target.parent() {
            if let Ok(d) = File::open(dir) {
                let _ = d.sync_all();
            }
        }
    }
    Ok(())
}

fn stage(temp: &Path, content: &str, meta: Option<&fs::Metadata>) -> std::io::Result<()> {
    let mut f = OpenOptions::new().write(true).create_new(true).open(temp)?;
    f.write_all(content.as_bytes())?;
    f.sync_all()?;
    drop(f);
    if let Some(meta) = meta {
        fs::set_permissions(temp, meta.permissions())?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            // Keep the owner too where we may (as root); elsewhere this fails harmlessly.
            let _ = std::os::unix::fs::chown(temp, Some(meta.uid()), Some(meta.gid()));
        }
    }
    Ok(())
}

fn undo(s: &Staged) -> std::io::Result<()> {
    match &s.original {
        None => fs::remove_file(&s.target),
        Some(bytes) => {
            let meta = fs::metadata(&s.target).ok();
            let temp = s.temp.with_extension("undo");
            stage_bytes(&temp, bytes, meta.as_ref())?;
            fs::rename(&temp, &s.target).inspect_err(|_| {
                let _ = fs::remove_file(&temp);
            })
        }
    }
}

fn stage_bytes(temp: &Path, bytes: &[u8], meta: Option<&fs::Metadata>) -> std::io::Result<()> {
    let mut f = OpenOptions::new().write(true).create_new(true).open(temp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    drop(f);
    if let Some(meta) = meta {
        fs::set_permissions(temp, meta.permissions())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("slotlint-write-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn writes_all_and_keeps_permissions() {
        let d = dir("ok");
        let a = d.join("a.rs");
        fs::write(&a, "old a").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&a, fs::Permissions::from_mode(0o640)).unwrap();
        }
        let b = d.join("new.json");
        write_all(&[
            FileWrite {
                path: a.clone(),
                expected: Some("old a".into()),
                content: "new a".into(),
            },
            FileWrite {
                path: b.clone(),
                expected: None,
                content: "{}".into(),
            },
        ])
        .unwrap();
        assert_eq!(fs::read_to_string(&a).unwrap(), "new a");
        assert_eq!(fs::read_to_string(&b).unwrap(), "{}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                fs::metadata(&a).unwrap().permissions().mode() & 0o777,
                0o640
            );
        }
        assert_eq!(
            fs::read_dir(&d).unwrap().count(),
            2,
            "no temporary file left"
        );
        fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn a_changed_or_missing_target_stops_everything() {
        let d = dir("changed");
        let a = d.join("a.rs");
        fs::write(&a, "changed").unwrap();
        let e = write_all(&[FileWrite {
            path: a.clone(),
            expected: Some("old".into()),
            content: "new".into(),
        }])
        .unwrap_err();
        assert!(e.message.contains("changed since"), "{e}");
        assert_eq!(fs::read_to_string(&a).unwrap(), "changed");
        // A target whose folder is a file: the temporary file cannot be made.
        let f = d.join("file");
        fs::write(&f, "x").unwrap();
        let e = write_all(&[
            FileWrite {
                path: a.clone(),
                expected: Some("changed".into()),
                content: "new".into(),
            },
            FileWrite {
                path: f.join("inside.json"),
                expected: None,
                content: "{}".into(),
            },
        ])
        .unwrap_err();
        assert!(e.message.contains("nothing was written"), "{e}");
        assert_eq!(fs::read_to_string(&a).unwrap(), "changed");
        assert_eq!(
            fs::read_dir(&d).unwrap().count(),
            2,
            "no temporary file left"
        );
        fs::remove_dir_all(&d).unwrap();
    }
}
