//! The spec workflow on the real tree and on a temporary copy of the workspace.

use std::path::Path;

use xtask::{derived, scaffold, workspace_root};

/// The rust-analyzer pattern: an ordinary test fails when a derived file is stale.
#[test]
fn derived_files_are_up_to_date() {
    if let Err(e) = derived::check(&workspace_root()) {
        panic!("{e}");
    }
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let name = entry.file_name();
        if name == "target" || name == "wip" {
            continue;
        }
        let (src, dst) = (entry.path(), to.join(&name));
        if src.is_dir() {
            copy_tree(&src, &dst);
        } else {
            std::fs::copy(&src, &dst).unwrap();
        }
    }
}

fn workspace_copy() -> tempfile::TempDir {
    let root = workspace_root();
    let tmp = tempfile::tempdir().unwrap();
    for dir in ["crates", "api-specs", "xtask", "tests", ".cargo", "openapi"] {
        copy_tree(&root.join(dir), &tmp.path().join(dir));
    }
    for file in ["Cargo.toml", "Cargo.lock", "README.md"] {
        std::fs::copy(root.join(file), tmp.path().join(file)).unwrap();
    }
    tmp
}

#[test]
fn a_stale_derived_file_fails_check_naming_it_and_the_command() {
    let tmp = workspace_copy();
    derived::check(tmp.path()).unwrap();
    let spec = tmp
        .path()
        .join("api-specs/omegastream/get_webhook_event.toml");
    let text = std::fs::read_to_string(&spec).unwrap();
    std::fs::write(
        &spec,
        text.replace("summary = \"Get one event", "summary = \"Fetch one event"),
    )
    .unwrap();
    let err = derived::check(tmp.path()).unwrap_err();
    assert!(
        err.contains(
            "crates/hookspec-codegen/tests/snapshots/snapshots__omegastream.snap is stale"
        ),
        "{err}"
    );
    assert!(err.contains("openapi/omegastream.json is stale"), "{err}");
    assert!(err.contains("cargo xtask regen"), "{err}");
    // An invalid spec is reported with its position.
    std::fs::write(&spec, text.replace("method = \"GET\"", "method = \"GRAB\"")).unwrap();
    let err = derived::check(tmp.path()).unwrap_err();
    assert!(
        err.contains("api-specs/omegastream/get_webhook_event.toml:"),
        "{err}"
    );
    assert!(err.contains("invalid method `GRAB`"), "{err}");
    // A snapshot awaiting review is reported too.
    std::fs::write(&spec, &text).unwrap();
    let pending = tmp
        .path()
        .join("crates/hookspec-codegen/tests/snapshots/snapshots__omegastream.snap.new");
    std::fs::write(&pending, "x").unwrap();
    let err = derived::check(tmp.path()).unwrap_err();
    assert!(
        err.contains("snapshots__omegastream.snap.new is an unreviewed snapshot"),
        "{err}"
    );
    std::fs::remove_file(&pending).unwrap();

    // The signed webhooks fixture's snapshot is derived too; and a derived file of an API
    // since removed is reported, and removed by regen.
    let hooks = tmp.path().join("tests/webhook-fixture/webhooks.toml");
    let hooks_text = std::fs::read_to_string(&hooks).unwrap();
    std::fs::write(
        &hooks,
        hooks_text.replace("Orders, signed", "Orders, all signed"),
    )
    .unwrap();
    let orphan = tmp.path().join("openapi/3.0/gone.json");
    std::fs::write(&orphan, "{}").unwrap();
    let err = derived::check(tmp.path()).unwrap_err();
    assert!(
        err.contains("webhook_snapshots__signed_hooks.snap is stale"),
        "{err}"
    );
    assert!(
        err.contains("openapi/3.0/gone.json is derived from no spec"),
        "{err}"
    );
    let changed = derived::regen(tmp.path()).unwrap();
    assert!(
        changed
            .iter()
            .any(|c| c == "openapi/3.0/gone.json (removed)"),
        "{changed:?}"
    );
    assert!(!orphan.exists());
    derived::check(tmp.path()).unwrap();
}

/// new-endpoint → regen → check on a temporary copy of the tree. That the new function builds
/// and sends its request is `tests/tests/it/scaffolded_endpoint.rs` (hookspec-tests' build script
/// scaffolds the same endpoint with this library and compiles its generated code), so no
/// second copy of the dependencies is built here.
#[test]
fn new_endpoint_then_regen_then_check() {
    let tmp = workspace_copy();
    let file = scaffold::new_endpoint(
        tmp.path(),
        "omegastream",
        "get_webhook_endpoint_detail",
        "get",
        "/client/webhooks/{id}/detail",
    )
    .unwrap();
    assert!(file.ends_with("api-specs/omegastream/get_webhook_endpoint_detail.toml"));
    assert!(
        scaffold::new_endpoint(
            tmp.path(),
            "omegastream",
            "get_webhook_endpoint_detail",
            "GET",
            "/x"
        )
        .is_err(),
        "never overwrites"
    );
    assert!(scaffold::new_endpoint(tmp.path(), "nope", "x", "GET", "/x").is_err());
    assert!(scaffold::new_endpoint(tmp.path(), "omegastream", "x", "FETCH", "/x").is_err());

    // The unfilled skeleton fails regen and check, once per TODO, each at its line.
    let text = std::fs::read_to_string(&file).unwrap();
    let todos = text
        .lines()
        .filter(|l| !l.trim_start().starts_with('#') && l.contains("TODO"))
        .count();
    assert!(todos >= 3, "{text}");
    let err = derived::check(tmp.path()).unwrap_err();
    assert_eq!(
        err.matches("still holds a TODO").count(),
        todos,
        "one message per TODO:\n{err}"
    );
    assert!(derived::regen(tmp.path()).is_err());
    std::fs::write(&file, text.replace("TODO", "Filled in")).unwrap();

    let changed = derived::regen(tmp.path()).unwrap();
    assert!(
        changed
            .iter()
            .any(|c| c.ends_with("snapshots__omegastream.snap")),
        "{changed:?}"
    );
    assert!(changed.contains(&"README.md".to_owned()), "{changed:?}");
    derived::check(tmp.path()).unwrap();
    let snap = std::fs::read_to_string(
        tmp.path()
            .join("crates/hookspec-codegen/tests/snapshots/snapshots__omegastream.snap"),
    )
    .unwrap();
    assert!(
        snap.contains("pub fn get_webhook_endpoint_detail("),
        "the skeleton generates a function"
    );
    let readme = std::fs::read_to_string(tmp.path().join("README.md")).unwrap();
    assert!(readme.contains("`hookspec omegastream get-webhook-endpoint-detail`"));

    assert!(
        snap.contains("pub fn get_webhook_endpoint_detail_builder("),
        "and its builder"
    );
}
