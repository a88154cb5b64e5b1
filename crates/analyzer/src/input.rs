//! Reading the files slotlint is given, and nothing else. Every text slotlint reads from a
//! scanned project — Rust sources, manifests, `include_str!`'d Lua, the files `fix` edits —
//! goes through [`read_text`], which
//!
//! - reads regular files only: FIFOs, devices (`/dev/zero`, `/dev/ptmx`), sockets and folders
//!   are refused without a blocking open (every handle is opened non-blocking and its type
//!   checked; a path other than a name in a folder inside the boundary, such as a link, has its
//!   type checked on the path before it is opened);
//! - refuses a path that resolves (through symbolic links) outside its [`Boundary`], the
//!   workspace root: a committed `src/env.rs -> /proc/self/environ` is never read;
//! - enforces the size limit on the bytes actually read (`/proc` files report a length of 0);
//! - checks UTF-8.
//!
//! Its errors name the file as shown to users and never contain any of the file's content.
//! Not here: finding the files ([`crate::workspace`]), parsing them ([`crate::parse`]).

use std::fs::{File, Metadata};
use std::io::Read;
use std::path::{Path, PathBuf};

/// A source file larger than this is reported and skipped: generated code, not service code.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// An `include_str!`'d Lua body larger than this is not read.
pub const MAX_INCLUDED_BYTES: u64 = 1024 * 1024;

/// Source bytes read per package (crate): beyond this, its largest files are skipped and
/// reported. Parsing and analysis take about 110 bytes of memory per source byte (three 15 MiB
/// files in one crate took 4 GB; now one is read, 1.7 GB), so this bounds the memory of one
/// worker to about 2 GB.
pub const MAX_UNIT_BYTES: u64 = 16 * 1024 * 1024;

/// The folder nothing is read outside of: its canonical path, computed once (when first
/// needed: a missing manifest looked for above a package needs none).
#[derive(Debug, Clone)]
pub struct Boundary {
    given: PathBuf,
    root: std::sync::OnceLock<PathBuf>,
    /// Folder → its canonical path and whether that lies inside the boundary (`None`: it has
    /// none), for [`Boundary::contains`]: the files of one folder resolve their folder once,
    /// and a folder that is not a symbolic link resolves through its parent's entry (one
    /// `lstat`, not a `readlink` per component as `realpath` does).
    folders: Folders,
}

/// Keyed by the path's bytes: a `Path` key hashes and compares component by component, and
/// every file read asks for its folder.
type Folders = std::sync::Arc<
    std::sync::Mutex<rustc_hash::FxHashMap<std::ffi::OsString, Option<(PathBuf, bool)>>>,
>;

impl Boundary {
    pub fn new(root: &Path) -> Boundary {
        Boundary {
            given: root.to_path_buf(),
            root: std::sync::OnceLock::new(),
            folders: Default::default(),
        }
    }

    pub fn root(&self) -> &Path {
        self.root.get_or_init(|| match self.given.canonicalize() {
            Ok(root) => {
                if plain(&self.given) {
                    if let Ok(mut folders) = self.folders.lock() {
                        folders.insert(
                            self.given.as_os_str().to_owned(),
                            Some((root.clone(), true)),
                        );
                    }
                }
                root
            }
            Err(_) => self.given.clone(),
        })
    }

    /// Whether `path`, every symbolic link resolved, lies inside the boundary.
    pub fn contains(&self, path: &Path) -> bool {
        match self.plain_file(path) {
            Ok(Some((_, inside))) => inside,
            Ok(None) => path
                .canonicalize()
                .is_ok_and(|c| c.starts_with(self.root())),
            Err(_) => false,
        }
    }

    /// For a `path` that is not a symbolic link itself, in a folder that resolves: its
    /// metadata (`lstat`, which is then `stat`'s) and whether it lies inside the boundary.
    /// `None` for a link or a path with `.`/`..` components (those go through
    /// `Path::canonicalize`); the error when the path does not exist.
    fn plain_file(&self, path: &Path) -> std::io::Result<Option<(Metadata, bool)>> {
        let (Some(folder), Some(name)) = (path.parent(), path.file_name()) else {
            return Ok(None);
        };
        if folder.as_os_str().is_empty() || !plain(path) {
            return Ok(None);
        }
        let meta = match std::fs::symlink_metadata(path) {
            Ok(meta) if !meta.file_type().is_symlink() => meta,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(e),
            _ => return Ok(None),
        };
        let Some((canonical, inside)) = self.folder(folder) else {
            return Ok(None);
        };
        // A folder outside holds the boundary's root only by that root's name.
        let inside = inside || canonical.join(name).starts_with(self.root());
        Ok(Some((meta, inside)))
    }

    /// The canonical path of `folder` (a [`plain`] path), and whether it lies inside.
    fn folder(&self, folder: &Path) -> Option<(PathBuf, bool)> {
        let root = self.root();
        if let Some(known) = self.folders.lock().ok()?.get(folder.as_os_str()) {
            return known.clone();
        }
        let resolved = match (folder.parent(), folder.file_name()) {
            (Some(parent), Some(name))
                if !parent.as_os_str().is_empty()
                    && std::fs::symlink_metadata(folder)
                        .is_ok_and(|m| !m.file_type().is_symlink()) =>
            {
                self.folder(parent).map(|(c, _)| c.join(name))
            }
            _ => folder.canonicalize().ok(),
        }
        .map(|c| {
            let inside = c.starts_with(root);
            (c, inside)
        });
        if let Ok(mut folders) = self.folders.lock() {
            folders.insert(folder.as_os_str().to_owned(), resolved.clone());
        }
        resolved
    }
}

/// Whether `path` names its folders plainly: no `.` or `..` component and no trailing `/`
/// (an `lstat` of `link/.` or `link/` follows the link), so that resolving it component by
/// component is right.
fn plain(path: &Path) -> bool {
    let bytes = path.as_os_str().as_encoded_bytes();
    !bytes.ends_with(b"/")
        && bytes
            .split(|&b| b == b'/')
            .skip(1)
            .all(|c| c != b"." && c != b"..")
        && !bytes.starts_with(b"..")
}

/// Why a file was not read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReadError {
    /// A FIFO, device, socket or folder (what it is).
    NotRegular(&'static str),
    /// A symbolic link (or a path through one) that leads outside the workspace.
    OutsideRoot,
    /// A symbolic link that leads back to itself (through other links or not).
    LinkLoop,
    /// More bytes than the limit.
    TooLarge { limit: u64 },
    /// Not read: its package's sources already reached [`MAX_UNIT_BYTES`].
    OverBudget { limit: u64 },
    /// Not UTF-8 (valid up to this byte).
    NotUtf8 { valid_up_to: usize },
    /// The operating system refused (missing, permissions…): its message.
    Io(String),
}

impl ReadError {
    /// Whether the file is a regular file of the workspace whose text can still be searched
    /// (too large, or not UTF-8), as opposed to one that is not a source at all.
    pub fn is_searchable(&self) -> bool {
        matches!(
            self,
            ReadError::TooLarge { .. } | ReadError::OverBudget { .. } | ReadError::NotUtf8 { .. }
        )
    }

    /// A sentence about the file shown as `shown`, without any of its content.
    pub fn message(&self, shown: &str) -> String {
        match self {
            ReadError::NotRegular(what) => {
                format!("{shown} is {what}, not a regular file; not read")
            }
            ReadError::OutsideRoot => format!(
                "{shown} is a symbolic link that leads outside the workspace; not read (slotlint reads nothing outside the workspace)"
            ),
            ReadError::LinkLoop => {
                format!("{shown} is a symbolic link that leads back to itself (a loop); not read")
            }
            ReadError::TooLarge { limit } => format!(
                "{shown} is larger than the {} slotlint reads; skipped",
                size(*limit)
            ),
            ReadError::OverBudget { limit } => format!(
                "{shown} was not read: its package's sources are larger than the {} slotlint reads per package; skipped",
                size(*limit)
            ),
            ReadError::NotUtf8 { valid_up_to } => {
                format!("{shown} is not valid UTF-8 (byte {valid_up_to}); skipped")
            }
            ReadError::Io(e) => format!("cannot read {shown}: {e}"),
        }
    }
}

/// `1 MiB`, `512 KiB`: limits as messages state them.
pub fn size(bytes: u64) -> String {
    if bytes >= 1 << 20 {
        format!("{} MiB", bytes >> 20)
    } else {
        format!("{} KiB", bytes >> 10)
    }
}

fn kind(meta: &Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if meta.is_dir() {
        "a folder"
    } else {
        "not a regular file"
    }
}

/// Open `path` for reading, non-blocking: should the path have become a FIFO since its type
/// was checked, the open does not wait for a writer (the handle's type is checked next). No
/// controlling terminal. With `no_follow`, a path that has become a symbolic link since it
/// was checked is refused rather than followed.
#[cfg(unix)]
fn open(path: &Path, no_follow: bool) -> std::io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    let follow = if no_follow { libc::O_NOFOLLOW } else { 0 };
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY | follow)
        .open(path)
}

#[cfg(not(unix))]
fn open(path: &Path, _no_follow: bool) -> std::io::Result<File> {
    File::open(path)
}

/// Whether the operating system refused a path because its symbolic links loop.
fn is_link_loop(e: &std::io::Error) -> bool {
    #[cfg(unix)]
    {
        e.raw_os_error() == Some(libc::ELOOP)
    }
    #[cfg(not(unix))]
    {
        let _ = e;
        false
    }
}

/// Open `path` for reading if it is a regular file inside `boundary`.
///
/// A name in a folder already resolved inside (nearly every file the walker found): the open
/// and an `fstat` of the handle ([`open_in_inside_folder`]). A path that is no link in another
/// resolved folder: an `lstat` for its type first. Anything else (links, missing files, `..`)
/// is resolved whole first.
fn open_regular(path: &Path, boundary: Option<&Boundary>) -> Result<(File, Metadata), ReadError> {
    #[cfg(unix)]
    if let Some(opened) = boundary.and_then(|b| open_in_inside_folder(path, b)) {
        return opened;
    }
    let mut no_follow = false;
    if let Some(b) = boundary {
        let inside = match b.plain_file(path) {
            Ok(Some((meta, inside))) => {
                if inside && !meta.is_file() {
                    return Err(ReadError::NotRegular(kind(&meta)));
                }
                no_follow = true;
                inside
            }
            Ok(None) => path.canonicalize().is_ok_and(|c| c.starts_with(b.root())),
            Err(e) => return Err(ReadError::Io(e.to_string())),
        };
        if !inside {
            // A missing file is missing, and a link loop a loop, not outside.
            return Err(match std::fs::metadata(path) {
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => ReadError::Io(e.to_string()),
                Err(e) if is_link_loop(&e) => ReadError::LinkLoop,
                _ => ReadError::OutsideRoot,
            });
        }
    }
    if !no_follow {
        let meta = std::fs::metadata(path).map_err(|e| ReadError::Io(e.to_string()))?;
        if !meta.is_file() {
            return Err(ReadError::NotRegular(kind(&meta)));
        }
    }
    let file = open(path, no_follow).map_err(|e| ReadError::Io(e.to_string()))?;
    let meta = file.metadata().map_err(|e| ReadError::Io(e.to_string()))?;
    if !meta.is_file() {
        return Err(ReadError::NotRegular(kind(&meta)));
    }
    Ok((file, meta))
}

/// [`open_regular`] for most files (those the walker found): a name in a folder already
/// resolved inside the boundary, opened without following a link and its type checked on the
/// handle, so without the `lstat` of the long way (a syscall per file: 6 % of the benchmark
/// corpus's run). `None` when the path is not such a name or does not open (a symbolic link:
/// `ELOOP`): the long way decides, with its own errors.
#[cfg(unix)]
fn open_in_inside_folder(
    path: &Path,
    boundary: &Boundary,
) -> Option<Result<(File, Metadata), ReadError>> {
    let folder = path.parent()?;
    if path.file_name().is_none()
        || folder.as_os_str().is_empty()
        || !plain(path)
        || !boundary.folder(folder)?.1
    {
        return None;
    }
    let file = open(path, true).ok()?;
    Some(match file.metadata() {
        Ok(meta) if meta.is_file() => Ok((file, meta)),
        Ok(meta) => Err(ReadError::NotRegular(kind(&meta))),
        Err(e) => Err(ReadError::Io(e.to_string())),
    })
}

/// The bytes of `path`, a regular file inside `boundary` (when given) of at most `limit` bytes.
fn read_bytes(path: &Path, boundary: Option<&Boundary>, limit: u64) -> Result<Vec<u8>, ReadError> {
    let (file, meta) = open_regular(path, boundary)?;
    let size = meta.len();
    if size > limit {
        return Err(ReadError::TooLarge { limit });
    }
    // The bytes the file holds when opened, in one `read` (no second one to find the end); a
    // file that says it is empty may not be (some file systems), and is read to its end.
    let want = if size > 0 { size } else { limit + 1 };
    let mut bytes = Vec::with_capacity(size as usize);
    file.take(want)
        .read_to_end(&mut bytes)
        .map_err(|e| ReadError::Io(e.to_string()))?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge { limit });
    }
    Ok(bytes)
}

fn utf8(bytes: Vec<u8>) -> Result<String, ReadError> {
    // Checked with SIMD first (std's check is a serial pass over every byte read); std's
    // again only for the place of the error.
    if simdutf8::basic::from_utf8(&bytes).is_ok() {
        // SAFETY: the bytes were just checked to be UTF-8.
        return Ok(unsafe { String::from_utf8_unchecked(bytes) });
    }
    String::from_utf8(bytes).map_err(|e| ReadError::NotUtf8 {
        valid_up_to: e.utf8_error().valid_up_to(),
    })
}

/// Read `path` as UTF-8 text: a regular file inside `boundary` (when given) of at most
/// `limit` bytes.
pub fn read_text(
    path: &Path,
    boundary: Option<&Boundary>,
    limit: u64,
) -> Result<String, ReadError> {
    utf8(read_bytes(path, boundary, limit)?)
}

/// An `include_str!`'d file (a Lua body): a regular file inside `root` of at most `limit`
/// bytes. The error is a sentence naming the file as `shown`. For the interpreter's `include_str!`.
pub fn read_included(path: &Path, shown: &str, root: &Path, limit: u64) -> Result<String, String> {
    read_text(path, Some(&Boundary::new(root)), limit).map_err(|e| e.message(shown))
}

/// A package's source files, read with [`read_text`]: each at most [`MAX_FILE_BYTES`], all
/// together at most [`MAX_UNIT_BYTES`]. Smaller files are read first, so that what does not fit
/// is the largest files (generated code, most likely), which are then
/// [`ReadError::OverBudget`]. Results are in the order of `files`. The analyzer and `fix` read
/// packages with this, so that they see the same files.
pub fn read_unit_sources(files: &[PathBuf], boundary: &Boundary) -> Vec<Result<String, ReadError>> {
    read_unit_sources_searched(files, boundary, &[]).0
}

/// [`read_unit_sources`], and per file over the package's budget whose text was read whole
/// before the budget ran out: whether that text contains one of `needles`, as [`find_in_file`]
/// would tell by reading it again (`None`: not known; for every other file).
pub fn read_unit_sources_searched(
    files: &[PathBuf],
    boundary: &Boundary,
    needles: &[&str],
) -> (Vec<Result<String, ReadError>>, Vec<Option<bool>>) {
    let (early, fits) = read_in_order(files, boundary);
    if fits {
        let read = early
            .into_iter()
            .map(|read| read.map_or(Err(ReadError::Io("not read".into())), |(read, _)| read))
            .collect();
        return (read, vec![None; files.len()]);
    }
    read_smallest_first(files, boundary, early, needles)
}

/// A file's result read with the limit of one file, and the bytes it holds when they were all
/// read (it is text, or not UTF-8).
type ReadWhole = (Result<String, ReadError>, Option<u64>);

/// The files read without first asking each one's size (on every worker that is free: one
/// large package is read in parallel), until their bytes reach the package's budget: the
/// results (`None`: not read, once the budget was reached), and whether all fit with room to
/// spare. Past the budget, at most a file per worker is read on.
///
/// When they do, these are the results of [`read_smallest_first`]: there, each file is read with
/// a limit of what is left, which is more than its own bytes when all files' bytes together are
/// fewer than the budget; so every file reads whole, as here. A file too large on its own is
/// too large there too (what is left is never 0), as its metadata tells (the check there).
fn read_in_order(files: &[PathBuf], boundary: &Boundary) -> (Vec<Option<ReadWhole>>, bool) {
    use rayon::prelude::*;
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
    let total = AtomicU64::new(0);
    let over = AtomicBool::new(false);
    let out: Vec<Option<ReadWhole>> = files
        .par_iter()
        .with_min_len(8)
        .map(|path| {
            if over.load(Ordering::Relaxed) {
                return None;
            }
            Some(match read_bytes(path, Some(boundary), MAX_FILE_BYTES) {
                Ok(bytes) => {
                    let n = bytes.len() as u64;
                    if total.fetch_add(n, Ordering::Relaxed) + n >= MAX_UNIT_BYTES {
                        over.store(true, Ordering::Relaxed);
                    }
                    (utf8(bytes), Some(n))
                }
                Err(ReadError::TooLarge { .. })
                    if std::fs::metadata(path).is_ok_and(|m| m.len() > MAX_FILE_BYTES) =>
                {
                    (
                        Err(ReadError::TooLarge {
                            limit: MAX_FILE_BYTES,
                        }),
                        None,
                    )
                }
                Err(ReadError::TooLarge { .. }) => {
                    over.store(true, Ordering::Relaxed);
                    return None;
                }
                Err(e) => (Err(e), None),
            })
        })
        .collect();
    let fits = !over.load(Ordering::Relaxed);
    (out, fits)
}

/// [`read_unit_sources`] for a package larger than its budget: smallest first (by the size
/// each file's metadata states), each with a limit of what is left. A file `early` read whole
/// ([`read_in_order`]) is not read again: what is left holds it, or it is over the budget (and
/// searched for `needles` in the text read, [`read_unit_sources_searched`]).
fn read_smallest_first(
    files: &[PathBuf],
    boundary: &Boundary,
    mut early: Vec<Option<ReadWhole>>,
    needles: &[&str],
) -> (Vec<Result<String, ReadError>>, Vec<Option<bool>>) {
    let mut searched = vec![None; files.len()];
    let mut order: Vec<(u64, usize)> = files
        .iter()
        .enumerate()
        .map(|(i, p)| (std::fs::metadata(p).map_or(0, |m| m.len()), i))
        .collect();
    order.sort_unstable();
    let mut left = MAX_UNIT_BYTES;
    let mut out: Vec<Option<Result<String, ReadError>>> = vec![None; files.len()];
    for (_, i) in order {
        let path = &files[i];
        let whole = early
            .get_mut(i)
            .filter(|_| left > 0)
            .and_then(|e| e.take_if(|(_, n)| n.is_some_and(|n| n <= left.min(MAX_FILE_BYTES))));
        // Read whole before, and more bytes than are left: reading it again (up to what is
        // left) would only find it over the budget.
        let known_over = early
            .get(i)
            .and_then(|e| e.as_ref()?.1)
            .is_some_and(|n| n > left);
        let read = if let Some((read, _)) = whole {
            if let Ok(text) = &read {
                left -= text.len() as u64;
            }
            read
        } else if left == 0 || known_over {
            // Not read (again): only a regular file of the workspace is over budget.
            if let Some(Some((Ok(text), _))) = early.get(i) {
                searched[i] = Some(contains_any(text.as_bytes(), needles));
            }
            open_regular(path, Some(boundary)).and(Err(ReadError::OverBudget {
                limit: MAX_UNIT_BYTES,
            }))
        } else {
            match read_text(path, Some(boundary), left.min(MAX_FILE_BYTES)) {
                Ok(text) => {
                    left -= text.len() as u64;
                    Ok(text)
                }
                // Too large for what is left: too large on its own, or over the package's budget.
                Err(ReadError::TooLarge { .. }) if left < MAX_FILE_BYTES => {
                    if std::fs::metadata(path).is_ok_and(|m| m.len() > MAX_FILE_BYTES) {
                        Err(ReadError::TooLarge {
                            limit: MAX_FILE_BYTES,
                        })
                    } else {
                        Err(ReadError::OverBudget {
                            limit: MAX_UNIT_BYTES,
                        })
                    }
                }
                Err(e) => Err(e),
            }
        };
        out[i] = Some(read);
    }
    let read = out
        .into_iter()
        .map(|r| r.unwrap_or(Err(ReadError::Io("not read".into()))))
        .collect();
    (read, searched)
}

/// Whether `bytes` contain one of `needles`, as [`find_in_file`] finds them (the names of a
/// crate: never empty; an empty one is skipped, as `find_in_file` does when all are).
fn contains_any(bytes: &[u8], needles: &[&str]) -> bool {
    needles
        .iter()
        .any(|n| !n.is_empty() && memchr::memmem::find(bytes, n.as_bytes()).is_some())
}

/// Where each of `needles` first occurs in a regular file (1-based line and column in bytes),
/// for files too large or not UTF-8 enough to be read whole. Streams the file in chunks, so
/// memory stays small whatever its size; reads at most `max_bytes` (past that,
/// `Err(TooLarge)`: the caller cannot know).
pub fn find_in_file(
    path: &Path,
    boundary: Option<&Boundary>,
    needles: &[&str],
    max_bytes: u64,
) -> Result<Vec<Option<(usize, usize)>>, ReadError> {
    let (file, _) = open_regular(path, boundary)?;
    let mut found: Vec<Option<(usize, usize)>> = vec![None; needles.len()];
    let longest = needles.iter().map(|n| n.len()).max().unwrap_or(0);
    if longest == 0 {
        return Ok(found);
    }
    let Ok(automaton) = aho_corasick::AhoCorasick::new(needles) else {
        return Err(ReadError::Io("too many needles".into()));
    };
    let mut reader = file.take(max_bytes.saturating_add(1));
    const CHUNK: usize = 1 << 20;
    let mut buf: Vec<u8> = Vec::with_capacity(CHUNK + longest);
    // Line and column at the start of `buf`, and how much of `buf` was searched already (the
    // kept tail: a match must end past it).
    let (mut line, mut col) = (1usize, 1usize);
    let mut searched = 0usize;
    let mut total: u64 = 0;
    let mut chunk = vec![0u8; CHUNK];
    loop {
        let n = reader
            .read(&mut chunk)
            .map_err(|e| ReadError::Io(e.to_string()))?;
        total += n as u64;
        if total > max_bytes {
            return Err(ReadError::TooLarge { limit: max_bytes });
        }
        buf.extend_from_slice(&chunk[..n]);
        for m in automaton.find_overlapping_iter(&buf[..]) {
            let k = m.pattern().as_usize();
            if found[k].is_none() && m.end() > searched {
                found[k] = Some(advance(&buf[..m.start()], line, col));
            }
        }
        if n == 0 {
            return Ok(found);
        }
        // Keep the tail that could start a match across the chunk boundary.
        let keep = buf.len().min(longest - 1);
        let cut = buf.len() - keep;
        (line, col) = advance(&buf[..cut], line, col);
        buf.drain(..cut);
        searched = buf.len();
    }
}

/// 1-based line and column (in characters) of each needle's first occurrence in `text`.
pub fn find_in_text(text: &str, needles: &[&str]) -> Vec<Option<(usize, usize)>> {
    let mut out = vec![None; needles.len()];
    let Ok(automaton) = aho_corasick::AhoCorasick::new(needles) else {
        return out;
    };
    for m in automaton.find_overlapping_iter(text) {
        let k = m.pattern().as_usize();
        if out[k].is_none() {
            let before = &text[..m.start()];
            let line = before.matches('\n').count() + 1;
            let start = before.rfind('\n').map_or(0, |i| i + 1);
            out[k] = Some((line, before[start..].chars().count() + 1));
        }
    }
    out
}

fn advance(bytes: &[u8], mut line: usize, mut col: usize) -> (usize, usize) {
    for &b in bytes {
        if b == b'\n' {
            line += 1;
            col = 1;
        } else {
            col += 1;
        }
    }
    (line, col)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regular_files_inside_the_boundary_only() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("ws");
        std::fs::create_dir_all(&root).unwrap();
        std::fs::write(root.join("a.rs"), "fn a() {}").unwrap();
        std::fs::write(dir.path().join("secret"), "TOKEN=hunter2").unwrap();
        let b = Boundary::new(&root);
        assert_eq!(
            read_text(&root.join("a.rs"), Some(&b), 100).unwrap(),
            "fn a() {}"
        );
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(dir.path().join("secret"), root.join("env.rs")).unwrap();
            std::os::unix::fs::symlink("a.rs", root.join("inside.rs")).unwrap();
            assert_eq!(
                read_text(&root.join("env.rs"), Some(&b), 100),
                Err(ReadError::OutsideRoot)
            );
            assert!(read_text(&root.join("inside.rs"), Some(&b), 100).is_ok());
            std::os::unix::fs::symlink("loop.rs", root.join("loop.rs")).unwrap();
            assert_eq!(
                read_text(&root.join("loop.rs"), Some(&b), 100),
                Err(ReadError::LinkLoop)
            );
            std::os::unix::fs::symlink("/dev/zero", root.join("zero.rs")).unwrap();
            // Outside the root, and a device besides: refused either way, without reading.
            assert!(read_text(&root.join("zero.rs"), None, 100).is_err());
            let fifo = root.join("pipe.rs");
            let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
            assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
            assert_eq!(
                read_text(&fifo, Some(&b), 100),
                Err(ReadError::NotRegular("a FIFO (named pipe)"))
            );
        }
        assert_eq!(
            read_text(&root.join("a.rs"), Some(&b), 4),
            Err(ReadError::TooLarge { limit: 4 })
        );
        let e = read_text(&root.join("missing.rs"), Some(&b), 4).unwrap_err();
        assert!(matches!(e, ReadError::Io(_)), "{e:?}");
    }

    /// The folder of each file is resolved once ([`Boundary::contains`]): files beside each
    /// other, under a folder link that leads out, under one that stays in, and links among
    /// regular files are still judged each on its own.
    #[cfg(unix)]
    #[test]
    fn folders_resolved_once_judge_each_file() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("ws");
        let outside = dir.path().join("outside");
        std::fs::create_dir_all(root.join("src/inner")).unwrap();
        std::fs::create_dir_all(&outside).unwrap();
        std::fs::write(root.join("src/a.rs"), "").unwrap();
        std::fs::write(root.join("src/inner/b.rs"), "").unwrap();
        std::fs::write(outside.join("c.rs"), "").unwrap();
        std::os::unix::fs::symlink(&outside, root.join("src/out")).unwrap();
        std::os::unix::fs::symlink("inner", root.join("src/in")).unwrap();
        std::os::unix::fs::symlink(outside.join("c.rs"), root.join("src/c.rs")).unwrap();
        let b = Boundary::new(&root);
        for _ in 0..2 {
            assert!(b.contains(&root.join("src/a.rs")));
            assert!(!b.contains(&root.join("src/c.rs")));
            assert!(!b.contains(&root.join("src/out/c.rs")));
            assert!(b.contains(&root.join("src/in/b.rs")));
            assert!(b.contains(&root.join("src/inner/../a.rs")));
            assert!(!b.contains(&root.join("src/missing.rs")));
        }
        assert!(!Boundary::new(&root.join("src/inner")).contains(&root.join("src/a.rs")));
        // Paths whose `lstat` would follow a link (`link/.`, `link/`) are resolved whole.
        let b = Boundary::new(&root);
        assert!(!b.contains(&root.join("src/out/./c.rs")));
        assert!(!b.contains(&root.join("src/out/.")));
        assert!(!b.contains(&root.join("src/out/")));
        assert!(b.contains(&root.join("src/in/./b.rs")));
        assert!(b.contains(&root.join("src/in/")));
        assert_eq!(
            read_text(&root.join("src/out/./c.rs"), Some(&b), 100),
            Err(ReadError::OutsideRoot)
        );
        // Read as most files are (a name in a folder resolved inside, opened without an
        // `lstat`): only when the folder is inside and the name no link.
        assert_eq!(
            read_text(&root.join("src/out/c.rs"), Some(&b), 100),
            Err(ReadError::OutsideRoot)
        );
        assert_eq!(
            read_text(&root.join("src/c.rs"), Some(&b), 100),
            Err(ReadError::OutsideRoot)
        );
        assert_eq!(
            read_text(&root.join("src/in/b.rs"), Some(&b), 100),
            Ok(String::new())
        );
        std::fs::create_dir(root.join("src/folder.rs")).unwrap();
        assert_eq!(
            read_text(&root.join("src/folder.rs"), Some(&b), 100),
            Err(ReadError::NotRegular("a folder"))
        );
    }

    /// A package read in the order given ([`read_in_order`]) gets the results it gets
    /// smallest first ([`read_smallest_first`]): also when a file that is not UTF-8 would not
    /// fit what is left.
    #[test]
    fn a_package_read_in_order_reads_as_smallest_first() {
        let dir = tempfile::tempdir().unwrap();
        let half = (MAX_UNIT_BYTES / 2) as usize;
        let mut not_utf8 = vec![b'x'; half + 1];
        not_utf8[10] = 0xff;
        std::fs::write(dir.path().join("big.rs"), &not_utf8).unwrap();
        std::fs::write(dir.path().join("half.rs"), "y".repeat(half)).unwrap();
        std::fs::write(dir.path().join("small.rs"), "fn a() {}").unwrap();
        std::fs::write(dir.path().join("bad.rs"), [0xffu8, 0xfe]).unwrap();
        std::fs::write(dir.path().join("empty.rs"), "").unwrap();
        let huge = vec![b'z'; MAX_FILE_BYTES as usize + 1];
        std::fs::write(dir.path().join("huge.rs"), huge).unwrap();
        let b = Boundary::new(dir.path());
        let files =
            |names: &[&str]| -> Vec<PathBuf> { names.iter().map(|n| dir.path().join(n)).collect() };
        for names in [
            &["big.rs", "half.rs"][..],
            &["half.rs", "big.rs", "small.rs"],
            &["small.rs", "bad.rs", "missing.rs", "half.rs"],
            &["small.rs", "bad.rs"],
            &["small.rs", "huge.rs", "bad.rs"],
            &["half.rs", "huge.rs", "big.rs", "empty.rs"],
            &["big.rs", "half.rs", "small.rs", "empty.rs", "bad.rs"],
        ] {
            let files = files(names);
            assert_eq!(
                read_unit_sources(&files, &b),
                read_smallest_first(&files, &b, Vec::new(), &[]).0,
                "{names:?}"
            );
        }
        let fits = files(&["small.rs", "bad.rs", "half.rs", "huge.rs"]);
        assert!(read_in_order(&fits, &b).1);
        assert_eq!(
            read_unit_sources(&fits, &b)[3],
            Err(ReadError::TooLarge {
                limit: MAX_FILE_BYTES
            })
        );
        let read = read_unit_sources(&files(&["big.rs", "half.rs"]), &b);
        assert_eq!(
            read[0],
            Err(ReadError::OverBudget {
                limit: MAX_UNIT_BYTES
            })
        );
    }

    #[test]
    fn a_package_reads_at_most_its_budget() {
        let dir = tempfile::tempdir().unwrap();
        let big = "x".repeat((MAX_UNIT_BYTES / 2) as usize + 1);
        let names = ["a.rs", "b.rs", "c.rs"];
        for n in names {
            std::fs::write(dir.path().join(n), &big).unwrap();
        }
        let files: Vec<PathBuf> = names.iter().map(|n| dir.path().join(n)).collect();
        let read = read_unit_sources(&files, &Boundary::new(dir.path()));
        assert!(read[0].is_ok());
        assert_eq!(
            read[1],
            Err(ReadError::OverBudget {
                limit: MAX_UNIT_BYTES
            })
        );
        assert_eq!(
            read[2],
            Err(ReadError::OverBudget {
                limit: MAX_UNIT_BYTES
            })
        );
    }

    /// The files over the budget that were read whole before it ran out are searched in the
    /// text read (whether they name redis decides whether their note is shown), as reading them
    /// again would find.
    #[test]
    fn files_over_the_budget_read_before_are_searched_as_read_again() {
        let dir = tempfile::tempdir().unwrap();
        let half = (MAX_UNIT_BYTES / 2) as usize + 1;
        let texts = [
            "x".repeat(half),
            format!("{}redis::cmd", "x".repeat(half)),
            "x".repeat(half + 20),
        ];
        let names = ["a.rs", "b.rs", "c.rs"];
        for (n, t) in names.iter().zip(&texts) {
            std::fs::write(dir.path().join(n), t).unwrap();
        }
        let files: Vec<PathBuf> = names.iter().map(|n| dir.path().join(n)).collect();
        let b = Boundary::new(dir.path());
        let (read, searched) = read_unit_sources_searched(&files, &b, &["redis"]);
        assert!(read[0].is_ok());
        assert!(read[1..]
            .iter()
            .all(|r| matches!(r, Err(ReadError::OverBudget { .. }))));
        // `b.rs` was read before the budget ran out (past it, `c.rs` may not have been: then
        // it is not known, and searched by reading it).
        assert_eq!(searched[..2], [None, Some(true)]);
        for (path, found) in files.iter().zip(&searched).skip(1) {
            let again = find_in_file(path, Some(&b), &["redis"], 1 << 30).unwrap();
            assert!(found.is_none_or(|f| f == again.iter().any(Option::is_some)));
        }
        // The over-budget file that does not name redis, read before the budget ran out.
        let (_, searched) = read_unit_sources_searched(&files[..1], &b, &["redis"]);
        assert_eq!(searched, [None]);
        let reordered = [files[0].clone(), files[2].clone(), files[1].clone()];
        let (_, searched) = read_unit_sources_searched(&reordered, &b, &["redis"]);
        assert_eq!(searched[..2], [None, Some(false)]);
    }

    #[test]
    fn proc_files_are_limited_by_what_is_read() {
        // /proc files report a length of 0: the limit holds on the bytes.
        let e = read_text(Path::new("/proc/self/maps"), None, 8);
        if Path::new("/proc/self/maps").exists() {
            assert_eq!(e, Err(ReadError::TooLarge { limit: 8 }));
        }
    }

    #[test]
    fn streaming_search_finds_needles_across_chunks() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("big.rs");
        let mut text = "x\n".repeat(600_000);
        text.push_str("  let k = \"user:profile\";\n");
        std::fs::write(&p, &text).unwrap();
        let hit = find_in_file(&p, None, &["nothing", "user:profile", "x\nx"], 1 << 30).unwrap();
        assert_eq!(hit, vec![None, Some((600_001, 12)), Some((1, 1))]);
        assert_eq!(
            find_in_file(&p, None, &["absent"], 1 << 30).unwrap(),
            vec![None]
        );
        assert!(matches!(
            find_in_file(&p, None, &["absent"], 1000),
            Err(ReadError::TooLarge { .. })
        ));
    }
}
