//! Hashes the source tree into `PERFOPT_SOURCE_HASH`: the cache keys on it, so results cached by
//! another build of the same version (other codemods, other project facts) are never read.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::Path;

fn hash_tree(dir: &Path, hasher: &mut DefaultHasher) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("src/ is readable")
        .map(|entry| entry.expect("src/ is readable").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            hash_tree(&path, hasher);
        } else {
            path.hash(hasher);
            std::fs::read(&path).expect("src/ is readable").hash(hasher);
        }
    }
}

fn main() {
    println!("cargo:rerun-if-changed=src");
    let mut hasher = DefaultHasher::new();
    hash_tree(Path::new("src"), &mut hasher);
    println!(
        "cargo:rustc-env=PERFOPT_SOURCE_HASH={:016x}",
        hasher.finish()
    );
}
