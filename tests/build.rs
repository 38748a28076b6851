//! Turns the committed codegen snapshots (`crates/hookspec-codegen/tests/snapshots/*.snap`)
//! into plain Rust files in OUT_DIR, so that `tests/compiled_snapshots.rs` compiles exactly
//! what the snapshots show (as typify does).
//!
//! It also plays the first steps of the spec workflow on a copy of `api-specs/omegastream`:
//! `cargo xtask new-endpoint` (xtask's `scaffold::new_endpoint`), then the code `regen` would
//! snapshot, written to OUT_DIR for `tests/scaffolded_endpoint.rs` to compile and call. This is
//! the "the new function builds" step of the workflow, without building a second copy of the
//! dependencies (xtask/tests/workflow.rs checks the rest on a temporary copy of the tree).

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
        // `snapshots__fivecents` → `fivecents`; another test file's `webhook_snapshots__x`
        // → `webhook_snapshots_x` (a module name must be snake case).
        let module = stem.trim_start_matches("snapshots__").replace("__", "_");
        writeln!(
            index,
            "/// The `{module}` snapshot, compiled.\npub mod {module}_snapshot {{ include!(concat!(env!(\"OUT_DIR\"), \"/{stem}.rs\")); }}"
        )
        .expect("write to String");
    }
    std::fs::write(Path::new(&out).join("snapshots.rs"), index).expect("OUT_DIR is writable");
    scaffolded_api(Path::new(&out));
}

/// The endpoint scaffolded by `tests/scaffolded_endpoint.rs`'s build step.
const NEW_ENDPOINT: (&str, &str, &str) = (
    "get_webhook_endpoint_detail",
    "GET",
    "/client/webhooks/{id}/detail",
);

fn scaffolded_api(out: &Path) {
    let specs = Path::new("../api-specs/omegastream");
    println!("cargo:rerun-if-changed={}", specs.display());
    let root = out.join("scaffold");
    let dir = root.join("api-specs/omegastream");
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&dir).expect("OUT_DIR is writable");
    for entry in std::fs::read_dir(specs).expect("api-specs/omegastream exists") {
        let path = entry.expect("readable folder").path();
        println!("cargo:rerun-if-changed={}", path.display());
        std::fs::copy(&path, dir.join(path.file_name().expect("a file name")))
            .expect("copy a spec file");
    }
    let (name, method, path) = NEW_ENDPOINT;
    let file = xtask::scaffold::new_endpoint(&root, "omegastream", name, method, path)
        .expect("new-endpoint writes the skeleton");
    // An unfilled skeleton does not load (one error per TODO); fill it as its author would.
    let skeleton = std::fs::read_to_string(&file).expect("the skeleton is readable");
    assert!(
        xtask::load_apis(&root).is_err(),
        "an unfilled skeleton must not load"
    );
    std::fs::write(&file, skeleton.replace("TODO", "Filled in")).expect("OUT_DIR is writable");
    let apis = xtask::load_apis(&root).unwrap_or_else(|e| panic!("the skeleton loads:\n{e}"));
    let snapshot = xtask::derived::snapshot(&apis[0]).expect("the skeleton generates code");
    let code = snapshot
        .strip_prefix("---\n")
        .and_then(|rest| rest.split_once("\n---\n"))
        .map_or(snapshot.as_str(), |(_, code)| code);
    std::fs::write(out.join("scaffolded_omegastream.rs"), code).expect("OUT_DIR is writable");
}
