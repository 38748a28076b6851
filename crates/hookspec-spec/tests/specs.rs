//! The real specs load; broken specs report every problem with its position.

use std::path::Path;

use hookspec_spec::{ApiSources, Auth, Method, SourceFile, TypeRef, parse_api, read_api_dir};

fn load(dir: &str) -> hookspec_spec::Api {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../api-specs")
        .join(dir);
    let (sources, _) = read_api_dir(&root, &|p| p.display().to_string()).unwrap();
    parse_api(&sources).unwrap_or_else(|d| panic!("{d}"))
}

#[test]
fn fivecents_spec_loads() {
    let api = load("fivecents");
    assert_eq!(api.name, "fivecents");
    assert_eq!(
        api.auth,
        Auth::Header {
            name: "X-API-Key".into()
        }
    );
    assert_eq!(
        api.rate_limit.map(|r| (r.requests, r.per_seconds)),
        Some((5, 1))
    );
    let ep = api.endpoint("resend_notification").unwrap();
    assert_eq!(ep.method, Method::Post);
    assert!(!ep.idempotent);
    let body = api.model(&ep.body.as_ref().unwrap().model).unwrap();
    assert_eq!(body.one_of[0].members, ["index", "infile", "outfile"]);
    assert_eq!(
        ep.response.ty,
        TypeRef::Array(Box::new(TypeRef::Model("WebhookCall".into())))
    );
}

#[test]
fn omegastream_spec_loads() {
    let api = load("omegastream");
    assert_eq!(api.auth, Auth::Bearer);
    let ep = api.endpoint("get_webhook_event").unwrap();
    assert!(ep.idempotent);
    assert_eq!(
        ep.path_params
            .iter()
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>(),
        ["id", "eid"]
    );
    let event = api.model("WebhookEvent").unwrap();
    let ty = event.fields.iter().find(|f| f.name == "type").unwrap();
    assert_eq!(ty.ty, TypeRef::Enum("EventType".into()));
    assert_eq!(ty.rust_name, "event_type");
}

fn sources(api: &str, endpoint: &str) -> ApiSources {
    ApiSources {
        api: SourceFile {
            path: "api-specs/t/api.toml".into(),
            text: api.into(),
        },
        endpoints: vec![SourceFile {
            path: "api-specs/t/ep.toml".into(),
            text: endpoint.into(),
        }],
    }
}

const API: &str = r#"name = "t"
base_url = "https://example.com/v1"
[auth]
scheme = "bearer"
"#;

/// `err` reports each of `expected` (one per line) and nothing else.
fn assert_reports_exactly(err: &str, expected: &[&str]) {
    for e in expected {
        assert!(err.contains(e), "missing {e:?} in:\n{err}");
    }
    assert_eq!(err.lines().count(), expected.len(), "{err}");
}

#[test]
fn every_error_of_a_file_is_reported_with_its_position() {
    let ep = r#"method = "FETCH"
path = "/things/{id}"
mehtod = "GET"
[path_params.other]
type = "string"
[response]
type = "array<Thing>"
[models.Thing.fields.a]
type = "strng"
[models.Thing.fields.b]
type = "Missing"
[models.Pick.fields.x]
type = "integer"
[models.Pick.fields.y]
type = "integer"
[[models.Pick.one_of]]
field = "choice"
type_name = "Choice"
members = ["x", "z"]
"#;
    let err = parse_api(&sources(API, ep)).unwrap_err().to_string();
    let expected = [
        "api-specs/t/ep.toml:1:10: invalid method `FETCH`",
        "api-specs/t/ep.toml:2:8: path parameter `{id}` is not declared",
        "api-specs/t/ep.toml:3:1: unknown key `mehtod` in the endpoint file; did you mean `method`?",
        "api-specs/t/ep.toml:4:14: path parameter `other` is declared but not in the path",
        "api-specs/t/ep.toml:9:8: unknown type `strng`",
        "api-specs/t/ep.toml:11:8: unknown model reference `Missing`",
        "api-specs/t/ep.toml:19:17: one_of group names unknown field `z`",
    ];
    assert_reports_exactly(&err, &expected);
}

#[test]
fn api_file_errors() {
    let api = r#"name = "t"
base_url = "ftp://example.com"
[auth]
scheme = "header"
header = "X-Key"
[models.A.fields.x]
type = "string"
[models.A.fields.y]
type = "string"
rust_name = "x"
"#;
    let ep = "method = \"GET\"\npath = \"/a\"\n[response]\ntype = \"A\"\n";
    let err = parse_api(&sources(api, ep)).unwrap_err().to_string();
    assert!(
        err.contains(
            "api-specs/t/api.toml:2:12: base URL `ftp://example.com` must use http or https"
        ),
        "{err}"
    );
    assert!(
        err.contains("api-specs/t/api.toml:8:18: duplicate field"),
        "{err}"
    );
}

#[test]
fn toml_syntax_errors_have_positions() {
    let err = parse_api(&sources(API, "method = \"GET\"\npath = \n"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("api-specs/t/ep.toml:2:8: invalid TOML"),
        "{err}"
    );
    assert!(err.contains("invalid TOML"), "{err}");
}

#[test]
fn examples_are_checked_against_their_types() {
    let ep = r#"method = "GET"
path = "/a"
[response]
type = "array<integer>"
[[examples]]
response = '["x"]'
"#;
    let err = parse_api(&sources(API, ep)).unwrap_err().to_string();
    assert!(err.contains("api-specs/t/ep.toml:5:1: example does not match `array<integer>`: [0]: expected an integer, found a string"), "{err}");
}

#[test]
fn boxed_needs_a_model_and_raw_json_cannot_sit_under_a_one_of_model() {
    let ep = r#"method = "GET"
path = "/a"
[response]
type = "Outer"
[models.Outer.fields.inner]
type = "Inner"
nullable = true
boxed = true
[models.Outer.fields.n]
type = "integer"
boxed = true
[models.Inner.fields.raw]
type = "raw_json"
[models.Pick.fields.x]
type = "integer"
[models.Pick.fields.y]
type = "integer"
[models.Pick.fields.z]
type = "array<Inner>"
[[models.Pick.one_of]]
field = "choice"
type_name = "Choice"
members = ["x", "y"]
"#;
    let err = parse_api(&sources(API, ep)).unwrap_err().to_string();
    let expected = [
        "api-specs/t/ep.toml:9:22: `boxed` applies to fields whose type is a model; `n` is `integer`",
        "api-specs/t/ep.toml:12:22: `raw_json` field `raw` is reachable from model `Pick`",
    ];
    assert_reports_exactly(&err, &expected);

    // A boxed model field, and raw_json away from one_of models, are fine.
    let ok = r#"method = "GET"
path = "/a"
[response]
type = "Outer"
[models.Outer.fields.inner]
type = "Inner"
nullable = true
boxed = true
[models.Inner.fields.raw]
type = "raw_json"
"#;
    let api = parse_api(&sources(API, ok)).expect("valid");
    assert!(api.model("Outer").unwrap().fields[0].boxed);
    assert_eq!(api.model("Inner").unwrap().fields[0].ty, TypeRef::RawJson);
}

// The spec diagnostics that used to be trybuild cases (`tests/ui/spec_*`): each message and
// its `file:line:col`, exactly as the macro reports them (`tests/ui/spec_many_errors` checks
// that the macro turns these into compile errors).

const BROKEN_API: &str = r#"name = "broken"
base_url = "https://api.example.com/v1"

[auth]
scheme = "bearer"
"#;

/// Every diagnostic of the API `broken` made of `api` and one endpoint file, one per line.
fn diagnostics(api: &str, file: &str, endpoint: &str) -> Vec<String> {
    let sources = ApiSources {
        api: SourceFile {
            path: "api-specs/broken/api.toml".into(),
            text: api.into(),
        },
        endpoints: vec![SourceFile {
            path: format!("api-specs/broken/{file}"),
            text: endpoint.into(),
        }],
    };
    match parse_api(&sources) {
        Ok(api) => panic!("expected diagnostics, the spec loaded: {api:?}"),
        Err(d) => d.to_string().lines().map(str::to_owned).collect(),
    }
}

#[track_caller]
fn assert_diagnostics(api: &str, file: &str, endpoint: &str, expected: &[&str]) {
    assert_eq!(diagnostics(api, file, endpoint), expected);
}

#[test]
fn bad_base_url() {
    let api =
        "name = \"broken\"\nbase_url = \"api.example.com/v1\"\n\n[auth]\nscheme = \"bearer\"\n";
    assert_diagnostics(
        api,
        "get_thing.toml",
        "method = \"GET\"\npath = \"/things\"\n\n[response]\ntype = \"json\"\n",
        &[
            "api-specs/broken/api.toml:2:12: invalid base URL `api.example.com/v1`: relative URL without a base",
        ],
    );
}

#[test]
fn duplicate_field() {
    let ep = r#"method = "GET"
path = "/things"

[response]
type = "Thing"

[models.Thing.fields.createdAt]
type = "unix_seconds"

[models.Thing.fields.created_at]
type = "datetime"
"#;
    assert_diagnostics(
        BROKEN_API,
        "get_thing.toml",
        ep,
        &[
            "api-specs/broken/get_thing.toml:10:22: duplicate field: `createdAt` and `created_at` both become the Rust field `created_at`; set `rust_name`",
        ],
    );
}

#[test]
fn invalid_method() {
    assert_diagnostics(
        BROKEN_API,
        "get_thing.toml",
        "method = \"FETCH\"\npath = \"/things\"\n\n[response]\ntype = \"json\"\n",
        &[
            "api-specs/broken/get_thing.toml:1:10: invalid method `FETCH` (expected GET, POST, PUT, PATCH, DELETE or HEAD)",
        ],
    );
}

#[test]
fn many_errors_are_reported_at_once_in_file_order() {
    let ep = r#"method = "get"
path = "/things/{id}"
sumary = "typo"

[response]
type = "Nope"
"#;
    assert_diagnostics(
        BROKEN_API,
        "get_thing.toml",
        ep,
        &[
            "api-specs/broken/get_thing.toml:1:10: invalid method `get` (expected GET, POST, PUT, PATCH, DELETE or HEAD)",
            "api-specs/broken/get_thing.toml:2:8: path parameter `{id}` is not declared; add `[path_params.id]`",
            "api-specs/broken/get_thing.toml:3:1: unknown key `sumary` in the endpoint file; did you mean `summary`? (expected one of: body, doc, enums, examples, headers, idempotent, method, models, name, path, path_params, query, response, summary)",
            "api-specs/broken/get_thing.toml:6:8: unknown model reference `Nope`: no model or enum of that name in this API",
        ],
    );
}

#[test]
fn one_of_unknown_field() {
    let ep = r#"method = "POST"
path = "/things"

[body.fields.zoneid]
type = "integer"

[body.fields.index]
type = "integer"

[[body.one_of]]
field = "job"
type_name = "Job"
members = ["index", "infile"]

[response]
type = "json"
"#;
    assert_diagnostics(
        BROKEN_API,
        "send_thing.toml",
        ep,
        &[
            "api-specs/broken/send_thing.toml:13:21: one_of group names unknown field `infile` (fields of `SendThingRequest`: zoneid, index)",
        ],
    );
}

#[test]
fn toml_syntax() {
    assert_diagnostics(
        BROKEN_API,
        "get_thing.toml",
        "method = \"GET\"\npath = \"/things\n\n[response]\ntype = \"json\"\n",
        &[
            "api-specs/broken/get_thing.toml:2:16: invalid TOML: invalid basic string, expected `\"`",
        ],
    );
}

#[test]
fn undeclared_path_param() {
    assert_diagnostics(
        BROKEN_API,
        "get_thing.toml",
        "method = \"GET\"\npath = \"/things/{thing_id}\"\n\n[response]\ntype = \"json\"\n",
        &[
            "api-specs/broken/get_thing.toml:2:8: path parameter `{thing_id}` is not declared; add `[path_params.thing_id]`",
        ],
    );
}

#[test]
fn unknown_key() {
    assert_diagnostics(
        BROKEN_API,
        "get_thing.toml",
        "method = \"GET\"\npath = \"/things\"\nidempotnet = true\n\n[response]\ntype = \"json\"\n",
        &[
            "api-specs/broken/get_thing.toml:3:1: unknown key `idempotnet` in the endpoint file; did you mean `idempotent`? (expected one of: body, doc, enums, examples, headers, idempotent, method, models, name, path, path_params, query, response, summary)",
        ],
    );
}

#[test]
fn unknown_model_reference() {
    assert_diagnostics(
        BROKEN_API,
        "get_thing.toml",
        "method = \"GET\"\npath = \"/things\"\n\n[response]\ntype = \"array<Thingy>\"\n",
        &[
            "api-specs/broken/get_thing.toml:5:8: unknown model reference `Thingy`: no model or enum of that name in this API",
        ],
    );
}

#[test]
fn unknown_type() {
    assert_diagnostics(
        BROKEN_API,
        "get_thing.toml",
        "method = \"GET\"\npath = \"/things\"\n\n[response]\ntype = \"array<strng>\"\n",
        &[
            "api-specs/broken/get_thing.toml:5:8: unknown type `strng` (expected string, integer, float, bool, unix_seconds, datetime, json, raw_json, array<T>, map<T> or the PascalCase name of a model or enum)",
        ],
    );
}

#[test]
fn unused_path_param() {
    let ep = r#"method = "GET"
path = "/things"

[path_params.thing_id]
type = "string"

[response]
type = "json"
"#;
    assert_diagnostics(
        BROKEN_API,
        "get_thing.toml",
        ep,
        &[
            "api-specs/broken/get_thing.toml:4:14: path parameter `thing_id` is declared but not in the path",
        ],
    );
}
