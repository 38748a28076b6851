//! `webhooks.toml`: the real specs' webhooks load; a broken file reports every problem at its
//! `file:line:col`.

use std::path::Path;

use hookspec_spec::{
    ApiSources, SignatureScheme, SourceFile, TypeRef, Webhooks, parse_api, read_api_dir,
};

fn load(dir: &str) -> hookspec_spec::Api {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../api-specs")
        .join(dir);
    let (sources, _) = read_api_dir(&root, &|p| p.display().to_string()).unwrap();
    parse_api(&sources).unwrap_or_else(|d| panic!("{d}"))
}

const API: &str = r#"name = "t"
base_url = "https://example.com/v1"

[models.Envelope.fields.id]
type = "string"
[models.Envelope.fields.type]
type = "Kind"
rust_name = "kind"
[models.Envelope.fields.data]
type = "raw_json"
[models.Envelope.fields.count]
type = "integer"
[enums.Kind]
values = [{ value = "thing.created" }, { value = "thing.deleted" }]
[models.Thing.fields.name]
type = "string"
"#;

fn with_webhooks(text: &str) -> ApiSources {
    ApiSources {
        api: SourceFile {
            path: "api-specs/t/api.toml".into(),
            text: API.into(),
        },
        endpoints: vec![SourceFile {
            path: "api-specs/t/webhooks.toml".into(),
            text: text.into(),
        }],
    }
}

fn webhooks(text: &str) -> Webhooks {
    parse_api(&with_webhooks(text))
        .unwrap_or_else(|d| panic!("{d}"))
        .webhooks
        .unwrap()
}

/// `err` reports each of `expected` (one per line) and nothing else.
fn assert_reports_exactly(text: &str, expected: &[&str]) {
    let err = parse_api(&with_webhooks(text)).unwrap_err().to_string();
    for e in expected {
        assert!(err.contains(e), "missing {e:?} in:\n{err}");
    }
    assert_eq!(err.lines().count(), expected.len(), "{err}");
}

#[test]
fn omegastream_declares_tagged_video_events() {
    let api = load("omegastream");
    assert!(
        api.endpoint("webhooks").is_none(),
        "webhooks.toml is no endpoint"
    );
    let hooks = api.webhooks.as_ref().unwrap();
    let tag = hooks.tag.as_ref().unwrap();
    assert_eq!(
        (tag.field.as_str(), tag.enum_name.as_str()),
        ("type", "EventType")
    );
    assert_eq!(tag.data_wrapper.as_deref(), Some("video"));
    assert_eq!(hooks.id_field.as_deref(), Some("id"));
    assert_eq!(
        hooks.events.len(),
        api.enum_def("EventType").unwrap().values.len()
    );
    assert!(
        hooks
            .events
            .iter()
            .all(|e| e.data == TypeRef::Model("Video".into()))
    );
    assert_eq!(hooks.signature, None, "OmegaStream does not sign");
    let failed = hooks.event("video.process_failed").unwrap();
    assert_eq!(failed.rust_name, "VideoProcessFailed");
    assert!(failed.example.is_some());
    // Every event has an example: its own, or the file's with the type set.
    for e in &hooks.events {
        let ex = hooks.example_for(e).unwrap();
        assert_eq!(ex["type"], e.name.as_str());
    }
}

#[test]
fn fivecents_declares_one_untyped_completion_event() {
    let api = load("fivecents");
    let hooks = api.webhooks.unwrap();
    assert!(hooks.tag.is_none());
    assert_eq!(hooks.events.len(), 1);
    assert_eq!(hooks.events[0].name, "job_completed");
    assert_eq!(hooks.envelope.to_string(), "array<map<json>>");
    assert!(hooks.example_for(&hooks.events[0]).unwrap().is_array());
}

#[test]
fn a_tagged_file_loads_with_its_defaults_and_signature() {
    let hooks = webhooks(
        r#"envelope = "Envelope"
id_field = "id"
[tag]
field = "type"
data_field = "data"
data = "Thing"
[events."thing.deleted"]
data = "json"
doc = "Gone."
[signature]
scheme = "standard_webhooks"
"#,
    );
    assert_eq!(
        hooks.signature,
        Some(SignatureScheme::StandardWebhooks {
            tolerance_seconds: 300
        })
    );
    assert_eq!(hooks.max_body_bytes, 1024 * 1024);
    assert_eq!(hooks.events[0].data, TypeRef::Model("Thing".into()));
    assert_eq!(hooks.events[1].data, TypeRef::Json);
    assert_eq!(hooks.events[1].doc, "Gone.");
    assert_eq!(hooks.tag.unwrap().field_rust_name, "kind");
}

#[test]
fn reading_errors_have_positions() {
    assert_reports_exactly(
        r#"envelop = "Envelope"
max_body_bytes = 0
[tag]
field = "type"
[signature]
scheme = "hmac"
tolerance = 3
[events."thing.created"]
data = "Thng"
"#,
        &[
            "api-specs/t/webhooks.toml:1:1: unknown key `envelop` in the webhooks file; did you mean `envelope`?",
            "api-specs/t/webhooks.toml:1:1: the webhooks file is missing the required key `envelope`",
            "api-specs/t/webhooks.toml:2:18: `max_body_bytes` must be at least 1",
            "api-specs/t/webhooks.toml:3:1: `tag` is missing the required key `data_field`",
            "api-specs/t/webhooks.toml:6:10: unknown signature scheme `hmac`",
            "api-specs/t/webhooks.toml:7:1: unknown key `tolerance` in `signature` (expected one of: doc, scheme, tolerance_seconds)",
            "api-specs/t/webhooks.toml:9:8: unknown model reference `Thng`",
        ],
    );
}

#[test]
fn envelope_errors_have_positions() {
    assert_reports_exactly(
        r#"envelope = "Envelope"
id_field = "count"
[tag]
field = "count"
data_field = "dta"
[events."thing.craeted"]
"#,
        &[
            "api-specs/t/webhooks.toml:2:12: `id_field` `count` must be a required `string` field, not `integer`",
            "api-specs/t/webhooks.toml:4:9: `tag.field` `count` must be a required field whose type is an enum, not `integer`",
            "api-specs/t/webhooks.toml:5:14: `tag.data_field` `dta` is not a field of the envelope `Envelope`",
        ],
    );
    assert_reports_exactly(
        r#"envelope = "Envelope"
[tag]
field = "type"
data_field = "count"
[events."thing.craeted"]
"#,
        &[
            "api-specs/t/webhooks.toml:4:14: `tag.data_field` `count` must be a `raw_json` field",
            "api-specs/t/webhooks.toml:5:9: event `thing.craeted` is not a value of the enum `Kind`; did you mean `thing.created`?",
        ],
    );
}

#[test]
fn untagged_files_declare_one_event_and_examples_are_checked() {
    assert_reports_exactly(
        r#"envelope = "array<Thing>"
id_field = "name"
[events.a]
[events.b]
"#,
        &[
            "api-specs/t/webhooks.toml:1:1: without `[tag]` the webhooks file declares exactly one event",
            "api-specs/t/webhooks.toml:2:12: `id_field` needs a `[tag]` envelope model",
        ],
    );
    assert_reports_exactly(
        r#"envelope = "array<Thing>"
[events.Done]
"#,
        &[
            "api-specs/t/webhooks.toml:2:9: the event of an untagged envelope needs a snake_case name",
        ],
    );
    // Its variant is named after it: `_1` has no UpperCamelCase form, unless `rust_name` gives one.
    assert_reports_exactly(
        r#"envelope = "array<Thing>"
[events._1]
"#,
        &[
            "api-specs/t/webhooks.toml:2:9: the event of an untagged envelope needs a snake_case name that starts with a letter (or a `rust_name` for its variant), not `_1`",
        ],
    );
    // Examples are checked once everything else is right, at the offending value.
    assert_reports_exactly(
        r#"envelope = "array<Thing>"
example = '[{"name": 1}]'
[events.done]
example = '[{}]'
"#,
        &[
            "api-specs/t/webhooks.toml:2:22: example does not match `array<Thing>`: [0].name: expected a string",
            "api-specs/t/webhooks.toml:4:13: example does not match `array<Thing>`: [0].name: required field is missing",
        ],
    );
}

/// An event's example says that event in its tag, and its data fits the event's data type
/// (the envelope's own check sees only `raw_json` there): `hookspec trigger` sends these.
#[test]
fn event_examples_are_checked_against_their_event() {
    assert_reports_exactly(
        r#"envelope = "Envelope"
[tag]
field = "type"
data_field = "data"
data = "Thing"
data_wrapper = "thing"
[events."thing.created"]
example = '{"id": "e1", "type": "thing.deleted", "data": {"name": "n"}, "count": 1}'
[events."thing.deleted"]
example = '{"id": "e2", "type": "thing.deleted", "data": {"thing": {"name": 3}}, "count": 1}'
"#,
        &[
            "api-specs/t/webhooks.toml:7:9: the example of event `thing.created` has `type` \"thing.deleted\"",
            "api-specs/t/webhooks.toml:9:9: the example of event `thing.deleted` does not match `Thing` at data.name: expected a string, found a number",
        ],
    );
    // Right tag, data that fits, wrapped or not: no complaint.
    webhooks(
        r#"envelope = "Envelope"
[tag]
field = "type"
data_field = "data"
data = "Thing"
data_wrapper = "thing"
[events."thing.created"]
example = '{"id": "e1", "type": "thing.created", "data": {"name": "n"}, "count": 1}'
[events."thing.deleted"]
example = '{"id": "e2", "type": "thing.deleted", "data": {"thing": {"name": "n"}}, "count": 1}'
"#,
    );
}
