//! The name scan's output for every `.rs` file under the folders given, one line per file
//! (its path and a digest of what the scan filed): diff two builds' lines to check that a
//! change to the scanner leaves its output as it was.
//!
//!     cargo run --release -p slotlint-analyzer --example scan_digest -- DIR... > before.txt

use std::hash::{Hash, Hasher};

fn main() {
    let mut files = Vec::new();
    for dir in std::env::args().skip(1) {
        for entry in ignore::WalkBuilder::new(dir)
            .standard_filters(false)
            .build()
            .flatten()
        {
            if entry.path().extension().is_some_and(|e| e == "rs") && entry.path().is_file() {
                files.push(entry.into_path());
            }
        }
    }
    files.sort();
    for path in files {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let names = slotlint_analyzer::lexical::scan(&text);
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        format!("{names:?}").hash(&mut hasher);
        println!("{:016x} {}", hasher.finish(), path.display());
    }
}
