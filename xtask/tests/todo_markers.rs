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

/// `TODO` where the skeleton never writes one is the spec's own text — a task status, a JSON
/// example — and no marker; in a doc it still is one.
#[test]
fn todo_as_a_value_of_the_api_is_no_marker() {
    let api = "name = \"t\"\nbase_url = \"https://api.example.com\"\n\
               [enums.TaskStatus]\nvalues = [{ value = \"TODO\" }, { value = \"DONE\" }]\n";
    let endpoint = "summary = \"List tasks\"\nmethod = \"GET\"\npath = \"/tasks\"\n\
                    [response]\ntype = \"json\"\ndoc = \"TODO\"\n\
                    [[examples]]\ntitle = \"Tasks\"\nresponse = '''[{\"status\": \"TODO\"}]'''\n";
    let sources = hookspec_spec::ApiSources::from_pairs(&[
        ("api-specs/t/api.toml", api),
        ("api-specs/t/list_tasks.toml", endpoint),
    ])
    .unwrap();
    let found: Vec<String> = todo_markers(&sources)
        .iter()
        .map(|d| d.to_string())
        .collect();
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0].starts_with("api-specs/t/list_tasks.toml:6:8: `response.doc`"),
        "{found:#?}"
    );
}
