//! Turns the committed codegen snapshots (`crates/hookspec-codegen/tests/snapshots/*.snap`)
//! into plain Rust files in OUT_DIR, so that `tests/compiled_snapshots.rs` compiles exactly
//! what the snapshots show (as typify does).

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let dir = Path::new("../crates/hookspec-codegen/tests/snapshots");
    println!("cargo:rerun-if-changed={}", dir.display());
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("snapshot folder exists")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "snap"))
        .collect();
    entries.sort();
    let mut index = String::new();
    for path in entries {
        let text = std::fs::read_to_string(&path).expect("snapshot is readable");
        // insta's header is the block between the first two `---` lines.
        let body = text
            .strip_prefix("---\n")
            .and_then(|rest| rest.split_once("\n---\n"))
            .map_or(text.as_str(), |(_, code)| code);
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .expect("utf-8 file name");
        let file = Path::new(&out).join(format!("{stem}.rs"));
        std::fs::write(&file, body).expect("OUT_DIR is writable");
        let module = stem.trim_start_matches("snapshots__");
        writeln!(
            index,
            "/// The `{module}` snapshot, compiled.\npub mod {module}_snapshot {{ include!(concat!(env!(\"OUT_DIR\"), \"/{stem}.rs\")); }}"
        )
        .expect("write to String");
    }
    std::fs::write(Path::new(&out).join("snapshots.rs"), index).expect("OUT_DIR is writable");
}
