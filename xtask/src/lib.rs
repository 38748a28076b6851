//! `cargo xtask`: the spec workflow.
//!
//! - [`derived`]: everything committed that is derived from the specs (codegen snapshots, the
//!   README endpoint table, the OpenAPI documents): `regen` writes it, `check` compares.
//! - [`scaffold`]: `new-endpoint` writes a spec skeleton.
//! - [`openapi`]: specs → OpenAPI 3.1 (and 3.0.3 from it), OpenAPI 3.0/3.1 → specs.

pub mod bench;
pub mod derived;
pub mod openapi;
pub mod scaffold;

use std::path::{Path, PathBuf};

use hookspec_spec::{Api, parse_api, read_api_dir, read_specs_root};

/// The workspace root (the parent of `xtask/`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// `path` relative to `root`, with `/` separators, for messages and spec display paths.
pub fn rel(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

/// Loads every API under `<root>/api-specs`, or every problem found.
/// The fixture API's folder (not shipped: `tests/fixture` expands and tests it) and the crate
/// that expands it, whose name its doc examples use.
pub const FIXTURE: (&str, &str) = ("tests/fixture/api-specs/fixture", "hookspec_fixture");

/// The test-only API whose webhook deliveries are signed (`hookspec-tests` compiles it).
pub const SIGNED_FIXTURE: &str = "tests/webhook-fixture";

/// The API of the folder `dir` (relative to `root`), loaded and validated.
pub fn load_dir(root: &Path, dir: &str) -> Result<Api, String> {
    let (sources, _) =
        read_api_dir(&root.join(dir), &|p| rel(root, p)).map_err(|e| e.to_string())?;
    parse_api(&sources).map_err(|d| d.to_string())
}

/// The fixture API ([`FIXTURE`]), loaded and validated like the APIs of `api-specs/`.
pub fn load_fixture(root: &Path) -> Result<Api, String> {
    load_dir(root, FIXTURE.0)
}

pub fn load_apis(root: &Path) -> Result<Vec<Api>, String> {
    let dirs = read_specs_root(&root.join("api-specs")).map_err(|e| format!("api-specs/: {e}"))?;
    let mut apis = Vec::new();
    let mut problems = Vec::new();
    for dir in dirs {
        let (sources, _) = read_api_dir(&dir, &|p| rel(root, p)).map_err(|e| e.to_string())?;
        match parse_api(&sources) {
            Ok(api) => apis.push(api),
            Err(d) => problems.push(d.to_string()),
        }
    }
    if problems.is_empty() {
        Ok(apis)
    } else {
        Err(problems.join("\n"))
    }
}
