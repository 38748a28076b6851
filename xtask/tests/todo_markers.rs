//! The skeleton `cargo xtask new-endpoint` writes: `hookspec_spec::todo_markers` reports each
//! TODO it leaves in a value, one diagnostic each, at its line and column.

use std::path::Path;

use hookspec_spec::{read_api_dir, todo_markers};
use xtask::scaffold;

/// `line:col` of every `TODO` outside comments, counted by hand.
fn todos_in(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim_start().starts_with('#') {
            continue;
        }
        for (i, _) in line.match_indices("TODO") {
            out.push(format!("{}:{}", n + 1, line[..i].chars().count() + 1));
        }
    }
    out
}

#[test]
fn every_todo_of_a_fresh_skeleton_is_reported_once_at_its_position() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("api-specs/t");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("api.toml"),
        "name = \"t\"\nbase_url = \"https://api.example.com\"\n",
    )
    .unwrap();
    for (name, method, path) in [
        ("create_thing", "POST", "/things/{id}/parts/{part}"),
        ("list_things", "GET", "/things"),
    ] {
        scaffold::new_endpoint(tmp.path(), "t", name, method, path).unwrap();
    }
    let (sources, _) = read_api_dir(&dir, &|p: &Path| xtask::rel(tmp.path(), p)).unwrap();
    let found = todo_markers(&sources);
    for file in &sources.endpoints {
        let expected = todos_in(&file.text);
        assert!(expected.len() >= 4, "the skeleton marks what to fill in");
        let reported: Vec<String> = found
            .iter()
            .filter(|d| *d.pos.file == *file.path)
            .map(|d| format!("{}:{}", d.pos.line, d.pos.col))
            .collect();
        assert_eq!(reported, expected, "{}", file.path);
    }
    assert!(
        found.iter().all(|d| d
            .message
            .contains("still holds a TODO of the spec skeleton")),
        "{found:?}"
    );
}
