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

/// The fixture API (`tests/fixture/api-specs/fixture`, every spec feature), as the
/// `hookspec-fixture` crate expands it: its doc examples name `hookspec_fixture::fixture`.
#[test]
fn generated_code_for_the_fixture_api() {
    let root = workspace_root();
    let root = root.canonicalize().unwrap_or(root);
    let dir = root.join("tests/fixture/api-specs/fixture");
    let (sources, _) = hookspec_spec::read_api_dir(&dir, &|p| {
        p.strip_prefix(&root).unwrap_or(p).display().to_string()
    })
    .unwrap();
    let api = hookspec_spec::parse_api(&sources).unwrap_or_else(|d| panic!("{d}"));
    let code =
        hookspec_codegen::pretty(&hookspec_codegen::generate_api_in(&api, "hookspec_fixture"))
            .unwrap();
    insta::assert_snapshot!(api.name.clone(), code);
}

/// The generated code of every API in `api-specs/`, as one text (API by API, in folder order).
fn generate_every_api() -> String {
    let root = workspace_root();
    let mut out = String::new();
    for dir in hookspec_spec::read_specs_root(&root.join("api-specs")).unwrap() {
        let (sources, _) = hookspec_spec::read_api_dir(&dir, &|p| {
            p.strip_prefix(&root).unwrap_or(p).display().to_string()
        })
        .unwrap();
        let api = hookspec_spec::parse_api(&sources).unwrap_or_else(|d| panic!("{d}"));
        out.push_str(&format!("// {}\n", api.name));
        let code = hookspec_codegen::pretty(&hookspec_codegen::generate_api(&api)).unwrap();
        out.push_str(&code);
        out.push('\n');
    }
    out
}

const CHILD_OUTPUT: &str = "HOOKSPEC_CODEGEN_DETERMINISM_OUT";

/// Run by [`output_is_deterministic_across_processes`] in a child process: writes the
/// generated code to the file named by `HOOKSPEC_CODEGEN_DETERMINISM_OUT`.
#[test]
#[ignore = "a helper: run in a child process by output_is_deterministic_across_processes"]
fn write_generated_code_for_the_parent_process() {
    let path = std::env::var_os(CHILD_OUTPUT).expect("run by the determinism test");
    std::fs::write(path, generate_every_api()).unwrap();
}

/// Generation in separate processes gives the same output: each process has its own hash
/// seeds (`RandomState`), so iterating a `HashMap` anywhere between the spec text and the
/// tokens would differ between them. Generating twice in one process would not show it.
#[test]
fn output_is_deterministic_across_processes() {
    let here = generate_every_api();
    assert!(here.contains("// fivecents") && here.contains("// omegastream"));
    let dir = std::env::temp_dir().join(format!(
        "hookspec-codegen-determinism-{}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    for run in 0..3 {
        let file = dir.join(format!("child-{run}.txt"));
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "write_generated_code_for_the_parent_process",
                "--ignored",
                "--test-threads=1",
            ])
            .env(CHILD_OUTPUT, &file)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "child {run} failed:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let there = std::fs::read_to_string(&file).expect("the child wrote its output");
        if there != here {
            let line = here
                .lines()
                .zip(there.lines())
                .position(|(a, b)| a != b)
                .unwrap_or(0);
            panic!(
                "child {run} generated different code (first difference at line {line}):\n  here:  {}\n  there: {}",
                here.lines().nth(line).unwrap_or(""),
                there.lines().nth(line).unwrap_or("")
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
