//! Re-embed migrations when they change, and fingerprint what goes into a fresh database (migrations and demo data)
//! so that the test harness can tell when its migrated template database is stale.
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
    println!("cargo:rerun-if-changed=migrations");
    println!("cargo:rerun-if-changed=data");
    // The demo loader and the deadline rules decide what a fresh database holds (case_deadlines).
    let sources = ["src/demo.rs", "src/case_work/history.rs", "src/domain/lifecycle.rs", "src/domain/deadline.rs"];
    for source in sources {
        println!("cargo:rerun-if-changed={source}");
    }
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    visit(Path::new("migrations"), &mut hasher);
    visit(Path::new("data"), &mut hasher);
    for source in sources {
        std::fs::read(source).unwrap_or_default().hash(&mut hasher);
    }
    println!("cargo:rustc-env=DATABASE_FINGERPRINT={:016x}", hasher.finish());
}
