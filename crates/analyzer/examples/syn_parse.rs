//! The benchmark's reference point (`scripts/bench.sh`): read every `.rs` file under the folders
//! given and parse each with a plain `syn::parse_file`, on one thread, dropping each tree at
//! once. Prints the files, bytes and files that did not parse; the script times it.
//!
//!     cargo run --release --example syn_parse -- DIR...

fn main() {
    // A stack as large as slotlint's workers', for deeply nested files.
    let worker = std::thread::Builder::new().stack_size(64 << 20).spawn(run);
    worker.expect("a thread").join().expect("no panic");
}

fn run() {
    let (mut files, mut bytes, mut failed) = (0usize, 0usize, 0usize);
    for dir in std::env::args_os().skip(1) {
        let mut stack = vec![std::path::PathBuf::from(dir)];
        while let Some(path) = stack.pop() {
            let Ok(meta) = std::fs::symlink_metadata(&path) else {
                continue;
            };
            if meta.is_dir() {
                if let Ok(entries) = std::fs::read_dir(&path) {
                    stack.extend(entries.flatten().map(|e| e.path()));
                }
            } else if meta.is_file() && path.extension().is_some_and(|x| x == "rs") {
                let Ok(text) = std::fs::read_to_string(&path) else {
                    continue;
                };
                files += 1;
                bytes += text.len();
                if syn::parse_file(&text).is_err() {
                    failed += 1;
                }
            }
        }
    }
    println!("{files} files, {bytes} bytes, {failed} did not parse");
}
