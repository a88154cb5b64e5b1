//! All-or-nothing writes of several files: each new content goes to a temporary file in the
//! target's folder (with the target's permissions and owner), flushed to disk, and only when
//! every temporary file is written are they renamed over their targets, in the order given (so
//! that a migration plan given first is on disk before any source changes). Before each
//! rename the target's content is checked again, so that an edit made since slotlint read it
//! is never overwritten. A failure at any point leaves every target as it was: each target
//! replaced is kept as a hard link (its inode: owner, permissions and all) until the end, and
//! renamed back on failure.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// One file to write.
#[derive(Clone, Debug)]
pub struct FileWrite {
    pub path: PathBuf,
    /// What the file must hold now (`None`: it must not exist); checked before writing and
    /// again right before the file is replaced, so that a file changed since it was read is
    /// never overwritten.
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

struct Staged<'w> {
    write: &'w FileWrite,
    temp: PathBuf,
    /// The original, kept under another name while the new content is in place (`None`: the
    /// target did not exist).
    backup: Option<PathBuf>,
}

fn side_path(target: &Path, n: usize, what: &str) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let dir = target.parent().unwrap_or(Path::new("."));
    dir.join(format!(
        ".{name}.slotlint-{}-{n}.{what}",
        std::process::id()
    ))
}

/// The target as it is now: `Ok(None)` when it does not exist.
fn current(path: &Path) -> std::io::Result<Option<Vec<u8>>> {
    match fs::read(path) {
        Ok(b) => Ok(Some(b)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// `Err` (a sentence) unless the target holds what the write expects.
fn check_unchanged(w: &FileWrite) -> Result<(), WriteError> {
    let now = current(&w.path).map_err(|e| {
        err(format!(
            "cannot read {}: {e}; nothing was written",
            w.path.display()
        ))
    })?;
    match (&w.expected, now) {
        (Some(want), Some(bytes)) if want.as_bytes() == &bytes[..] => Ok(()),
        (None, None) => Ok(()),
        (Some(_), None) => Err(err(format!(
            "{} disappeared since slotlint read it: nothing was written",
            w.path.display()
        ))),
        (None, Some(_)) => Err(err(format!(
            "{} appeared since slotlint looked: nothing was written",
            w.path.display()
        ))),
        (Some(_), Some(_)) => Err(err(format!(
            "{} changed since slotlint read it; run the fix again: nothing was written",
            w.path.display()
        ))),
    }
}

/// Write every file or none.
pub fn write_all(writes: &[FileWrite]) -> Result<(), WriteError> {
    // 1. Check every target before touching anything.
    let mut metas = Vec::with_capacity(writes.len());
    for w in writes {
        match fs::symlink_metadata(&w.path) {
            Ok(meta) => {
                if meta.file_type().is_symlink() {
                    return Err(err(format!(
                        "{} is a symbolic link; slotlint edits files in place only: nothing was written",
                        w.path.display()
                    )));
                }
                if !meta.is_file() {
                    return Err(err(format!(
                        "{} is not a regular file: nothing was written",
                        w.path.display()
                    )));
                }
                if meta.permissions().readonly() {
                    return Err(err(format!(
                        "{} is read-only; make it writable to apply the fix: nothing was written",
                        w.path.display()
                    )));
                }
                metas.push(Some(meta));
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => metas.push(None),
            Err(e) => {
                return Err(err(format!(
                    "cannot read {}: {e}; nothing was written",
                    w.path.display()
                )))
            }
        }
        check_unchanged(w)?;
    }
    // 2. Stage every new content in a temporary file beside its target.
    let mut staged: Vec<Staged> = Vec::new();
    for (n, (w, meta)) in writes.iter().zip(&metas).enumerate() {
        let temp = side_path(&w.path, n, "tmp");
        if let Err(e) = stage(&temp, w.content.as_bytes(), meta.as_ref()) {
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
            write: w,
            temp,
            backup: None,
        });
    }
    // 3. Replace the targets in order, each checked right before; undo on failure.
    for i in 0..staged.len() {
        if let Err(message) = replace(&mut staged[i], i, metas[i].as_ref()) {
            // This target was not replaced: its backup, if made, is not needed.
            if let Some(b) = &staged[i].backup {
                let _ = fs::remove_file(b);
            }
            for s in &staged[i..] {
                let _ = fs::remove_file(&s.temp);
            }
            let mut undo_failures = Vec::new();
            for s in staged[..i].iter().rev() {
                if let Err(u) = undo(s) {
                    undo_failures.push(format!("{}: {u}", s.write.path.display()));
                }
            }
            let mut message = message;
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
    let mut dirs: Vec<&Path> = Vec::new();
    for s in &staged {
        if let Some(b) = &s.backup {
            let _ = fs::remove_file(b);
        }
        dirs.extend(s.write.path.parent());
    }
    // The renames on disk too: each folder once.
    dirs.sort_unstable();
    dirs.dedup();
    for dir in dirs {
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
    }
    Ok(())
}

/// Put one staged file in place: the target checked again, kept as a backup, replaced.
fn replace(s: &mut Staged, n: usize, meta: Option<&fs::Metadata>) -> Result<(), String> {
    let target = &s.write.path;
    check_unchanged(s.write).map_err(|e| e.message.replace(": nothing was written", ""))?;
    if s.write.expected.is_none() {
        // A new file: linking fails if something appeared there meanwhile.
        fs::hard_link(&s.temp, target)
            .map_err(|e| format!("cannot create {}: {e}", target.display()))?;
        let _ = fs::remove_file(&s.temp);
        return Ok(());
    }
    let backup = side_path(target, n, "orig");
    if fs::hard_link(target, &backup).is_err() {
        // No hard links here: a copy with the same permissions and owner.
        let bytes =
            fs::read(target).map_err(|e| format!("cannot read {}: {e}", target.display()))?;
        stage(&backup, &bytes, meta)
            .map_err(|e| format!("cannot keep a copy of {}: {e}", target.display()))?;
    }
    s.backup = Some(backup);
    fs::rename(&s.temp, target).map_err(|e| format!("cannot replace {}: {e}", target.display()))
}

/// Write `content` to a new file `temp`, flushed to disk, with `meta`'s permissions and owner.
fn stage(temp: &Path, content: &[u8], meta: Option<&fs::Metadata>) -> std::io::Result<()> {
    let mut f = OpenOptions::new().write(true).create_new(true).open(temp)?;
    f.write_all(content)?;
    f.sync_all()?;
    drop(f);
    if let Some(meta) = meta {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            // The owner first (it may clear set-id bits), where we may (as root or the owner).
            let _ = std::os::unix::fs::chown(temp, Some(meta.uid()), Some(meta.gid()));
        }
        fs::set_permissions(temp, meta.permissions())?;
    }
    Ok(())
}

/// Put the original back (or remove a file that did not exist).
fn undo(s: &Staged) -> std::io::Result<()> {
    match (&s.write.expected, &s.backup) {
        (None, _) => fs::remove_file(&s.write.path),
        (Some(_), Some(backup)) => fs::rename(backup, &s.write.path),
        // Never replaced.
        (Some(_), None) => Ok(()),
    }
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

    /// The second write finds the file changed by the first (as by another program between
    /// the first check and its rename): it stops, and the first is undone.
    #[test]
    fn each_target_is_checked_again_right_before_it_is_replaced() {
        let d = dir("recheck");
        let a = d.join("a.rs");
        fs::write(&a, "x").unwrap();
        let e = write_all(&[
            FileWrite {
                path: a.clone(),
                expected: Some("x".into()),
                content: "y".into(),
            },
            FileWrite {
                path: a.clone(),
                expected: Some("x".into()),
                content: "z".into(),
            },
        ])
        .unwrap_err();
        assert!(e.message.contains("changed since slotlint read it"), "{e}");
        assert!(e.message.contains("every file was left as it was"), "{e}");
        assert_eq!(fs::read_to_string(&a).unwrap(), "x");
        assert_eq!(
            fs::read_dir(&d).unwrap().count(),
            1,
            "no temporary file left"
        );
        fs::remove_dir_all(&d).unwrap();
    }

    /// Issue 16, item 14: a rolled-back file keeps its inode, owner and permissions.
    #[cfg(unix)]
    #[test]
    fn a_rollback_keeps_owner_and_permissions() {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        let d = dir("owner");
        let a = d.join("a.rs");
        fs::write(&a, "old").unwrap();
        fs::set_permissions(&a, fs::Permissions::from_mode(0o640)).unwrap();
        // Another owner where we may (the tests run as root in CI); else our own.
        let _ = std::os::unix::fs::chown(&a, Some(65534), Some(65534));
        let before = fs::metadata(&a).unwrap();
        // The second write fails after the first replaced `a` (see the test above).
        let result = write_all(&[
            FileWrite {
                path: a.clone(),
                expected: Some("old".into()),
                content: "new".into(),
            },
            FileWrite {
                path: a.clone(),
                expected: Some("old".into()),
                content: "newer".into(),
            },
        ]);
        assert!(result.is_err());
        let after = fs::metadata(&a).unwrap();
        assert_eq!(fs::read_to_string(&a).unwrap(), "old");
        assert_eq!((after.uid(), after.gid()), (before.uid(), before.gid()));
        assert_eq!(after.permissions().mode() & 0o777, 0o640);
        assert_eq!(after.ino(), before.ino(), "the original inode is back");
        assert_eq!(
            fs::read_dir(&d).unwrap().count(),
            1,
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
