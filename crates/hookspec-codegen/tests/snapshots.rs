//! Snapshots of the code generated for every API in `api-specs/`. The `hookspec-tests` crate
//! compiles these very snapshots, so a snapshot that is accepted also builds.

use std::path::{Path, PathBuf};

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn generated_code_for_every_api() {
    let root = workspace_root();
    let dirs = hookspec_spec::read_specs_root(&root.join("api-specs")).unwrap();
    assert!(dirs.len() >= 2, "expected the seed APIs in api-specs/");
    for dir in dirs {
        let display = |p: &Path| {
            let rel = p.strip_prefix(&root).unwrap_or(p);
            rel.components()
                .filter(|c| {
                    !matches!(
                        c,
                        std::path::Component::ParentDir | std::path::Component::CurDir
                    )
                })
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/")
        };
        let (sources, _) = hookspec_spec::read_api_dir(&dir, &display).unwrap();
        let api = hookspec_spec::parse_api(&sources).unwrap_or_else(|d| panic!("{d}"));
        let code = hookspec_codegen::pretty(&hookspec_codegen::generate_api(&api)).unwrap();
        insta::assert_snapshot!(api.name.clone(), code);
    }
}

#[test]
fn output_is_deterministic() {
    let root = workspace_root();
    let dir = root.join("api-specs/omegastream");
    let gen_once = || {
        let (sources, _) = hookspec_spec::read_api_dir(&dir, &|p| p.display().to_string()).unwrap();
        let api = hookspec_spec::parse_api(&sources).unwrap();
        hookspec_codegen::generate_api(&api).to_string()
    };
    assert_eq!(gen_once(), gen_once());
}
