//! Re-embed migrations when they change, and fingerprint what goes into a fresh database (migrations, demo data,
//! and the code that loads and derives it) so that the test harness can tell when its migrated template database is
//! stale. Whole folders, not a list of files: what a fresh database holds depends on the demo loader and on every
//! rule it calls (deadlines, calendars, figures), and a list would miss the next one. A change anywhere in `src/`
//! therefore rebuilds the template once (a few seconds), which is cheaper than a stale one.
use std::hash::{Hash, Hasher};
use std::path::Path;

fn visit(dir: &Path, hasher: &mut std::collections::hash_map::DefaultHasher) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            visit(&path, hasher);
        } else {
            path.to_string_lossy().hash(hasher);
            std::fs::read(&path).unwrap().hash(hasher);
        }
    }
}

fn main() {
    let folders = ["migrations", "data", "src"];
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    for folder in folders {
        println!("cargo:rerun-if-changed={folder}");
        visit(Path::new(folder), &mut hasher);
    }
    println!("cargo:rustc-env=DATABASE_FINGERPRINT={:016x}", hasher.finish());
    // The commit built, for `/metrics`' build information (`unknown` outside a git checkout).
    let revision = std::process::Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .filter(|r| !r.is_empty())
        .unwrap_or_else(|| "unknown".to_owned());
    println!("cargo:rustc-env=BUILD_REVISION={revision}");
}
