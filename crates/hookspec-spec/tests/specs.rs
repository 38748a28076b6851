//! The real specs load; broken specs report every problem with its position.

use std::path::Path;

use hookspec_spec::{
    ApiSources, Auth, Method, SourceFile, TypeRef, parse_api, parse_type, read_api_dir,
};

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
        Some(TypeRef::Array(Box::new(TypeRef::Model(
            "WebhookCall".into()
        ))))
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
    assert!(err.contains("api-specs/t/ep.toml:6:14: example does not match `array<integer>`: [0]: expected an integer, found a string"), "{err}");
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

    // The error models are decoded through serde's buffer too (one untagged error body).
    let api = r#"name = "t"
base_url = "https://example.com"
[errors]
models = ["Problem"]
[models.Problem.fields.detail]
type = "Detail"
[models.Detail.fields.raw]
type = "raw_json"
"#;
    let ep = "method = \"GET\"\npath = \"/a\"\n[response]\ntype = \"json\"\n";
    let err = parse_api(&sources(api, ep)).unwrap_err().to_string();
    assert!(
        err.contains("api-specs/t/api.toml:7:23: `raw_json` field `raw` is reachable from model `Problem`, an error model"),
        "{err}"
    );
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
            "api-specs/broken/get_thing.toml:3:1: unknown key `sumary` in the endpoint file; did you mean `summary`? (expected one of: body, doc, emulator, enums, examples, headers, idempotent, method, models, name, pagination, path, path_params, query, response, summary)",
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
            "api-specs/broken/get_thing.toml:3:1: unknown key `idempotnet` in the endpoint file; did you mean `idempotent`? (expected one of: body, doc, emulator, enums, examples, headers, idempotent, method, models, name, pagination, path, path_params, query, response, summary)",
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
        &[&format!(
            "api-specs/broken/get_thing.toml:5:8: {}",
            unknown_type_message("strng", "string")
        )],
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

// Rust names: what would otherwise be a rustc error at the `include_api!` call.

/// Every diagnostic of the API `broken` made of `api` and the endpoint files `(name, text)`.
fn diagnostics_of(api: &str, endpoints: &[(&str, &str)]) -> Vec<String> {
    let sources = ApiSources {
        api: SourceFile {
            path: "api-specs/broken/api.toml".into(),
            text: api.into(),
        },
        endpoints: endpoints
            .iter()
            .map(|(file, text)| SourceFile {
                path: format!("api-specs/broken/{file}"),
                text: (*text).into(),
            })
            .collect(),
    };
    match parse_api(&sources) {
        Ok(api) => panic!("expected diagnostics, the spec loaded: {api:?}"),
        Err(d) => d.to_string().lines().map(str::to_owned).collect(),
    }
}

const GET_JSON: &str = "method = \"GET\"\npath = \"/things\"\n\n[response]\ntype = \"json\"\n";

#[test]
fn rust_name_keyword_or_not_an_identifier() {
    let ep = r#"method = "GET"
path = "/things"

[query.kind]
type = "string"
rust_name = "type"

[query.other]
type = "string"
rust_name = "Other-Name"

[response]
type = "Thing"

[models.Thing.fields.kind]
type = "string"
rust_name = "type"

[models.Thing.fields.mode]
type = "string"
rust_name = "Mode"

[models.Thing.fields.x]
type = "integer"

[models.Thing.fields.y]
type = "integer"

[[models.Thing.one_of]]
field = "match"
type_name = "Pick"
members = ["x", "y"]

[enums.Kind]
values = [
  { value = "a", rust_name = "Self" },
  { value = "b", rust_name = "Unknown" },
  { value = "c", rust_name = "third_one" },
]
"#;
    assert_diagnostics(
        BROKEN_API,
        "get_thing.toml",
        ep,
        &[
            "api-specs/broken/get_thing.toml:6:13: rust_name `type` is a Rust keyword; use `type_`",
            "api-specs/broken/get_thing.toml:10:13: rust_name `Other-Name` must be a snake_case identifier; use `other_name`",
            "api-specs/broken/get_thing.toml:17:13: rust_name `type` is a Rust keyword; use `type_`",
            "api-specs/broken/get_thing.toml:21:13: rust_name `Mode` must be a snake_case identifier; use `mode`",
            "api-specs/broken/get_thing.toml:30:9: one_of field `match` is a Rust keyword; use `match_`",
            "api-specs/broken/get_thing.toml:36:30: rust_name `Self` is a Rust keyword; use `SelfValue`",
            "api-specs/broken/get_thing.toml:37:30: rust_name `Unknown` is the variant kept for values the spec does not list; choose another",
            "api-specs/broken/get_thing.toml:38:30: rust_name `third_one` must be a PascalCase identifier; use `ThirdOne`",
        ],
    );
}

#[test]
fn endpoint_names_taken_by_the_client() {
    for (name, what) in [
        ("new", "`Client::new`"),
        ("builder", "`Client::builder`"),
        ("core", "`Client::core`"),
        ("all", "`endpoints::ALL` (every endpoint's metadata)"),
    ] {
        assert_eq!(
            diagnostics_of(BROKEN_API, &[(&format!("{name}.toml"), GET_JSON)]),
            [format!(
                "api-specs/broken/{name}.toml:1:1: endpoint name `{name}` is taken by the generated {what}; set `name` to another snake_case name (e.g. `{name}_thing`)"
            )],
        );
    }
    // `name` wins over the file name.
    assert_eq!(
        diagnostics_of(
            BROKEN_API,
            &[("make.toml", &format!("name = \"new\"\n{GET_JSON}"))]
        ),
        [
            "api-specs/broken/make.toml:1:1: endpoint name `new` is taken by the generated `Client::new`; set `name` to another snake_case name (e.g. `new_thing`)"
        ],
    );
}

/// Names the generated code also spells in UpperCamelCase (the builder, a variant) and
/// SHOUTY_SNAKE_CASE (the metadata) must start with a letter: `_1` has no such forms.
#[test]
fn item_names_start_with_a_letter() {
    for name in ["_1", "__", "_2fa_setup"] {
        assert_eq!(
            diagnostics_of(
                BROKEN_API,
                &[("a.toml", &format!("name = \"{name}\"\n{GET_JSON}"))]
            ),
            [format!(
                "api-specs/broken/a.toml:1:8: endpoint name `{name}` must be a snake_case identifier that starts with a letter"
            )],
        );
    }
    assert_eq!(
        diagnostics_of(BROKEN_API, &[("_1.toml", GET_JSON)]),
        [
            "api-specs/broken/_1.toml:1:1: file name `_1` is not a snake_case identifier that starts with a letter; set `name`"
        ],
    );
    for name in ["type", "_x"] {
        assert_eq!(
            diagnostics_of(
                &BROKEN_API.replace("\"broken\"", &format!("\"{name}\"")),
                &[("a.toml", GET_JSON)]
            ),
            [format!(
                "api-specs/broken/api.toml:1:8: API name `{name}` must be a snake_case identifier that starts with a letter and is not a keyword (it names the generated module)"
            )],
        );
    }
}

/// Spec mistakes that used to load and then fail in rustc, in the emulator, or silently.
#[test]
fn mistakes_that_used_to_load() {
    let has = |d: &[String], file_line_col: &str, text: &str| {
        assert!(
            d.iter().any(
                |l| l.starts_with(&format!("api-specs/broken/{file_line_col}: "))
                    && l.contains(text)
            ),
            "no `{file_line_col}: …{text}…` in {d:#?}"
        );
    };
    // A parameter's own example, of its type.
    let d = diagnostics_of(
        BROKEN_API,
        &[(
            "a.toml",
            "method = \"GET\"\npath = \"/things\"\n[query.limit]\ntype = \"integer\"\nexample = \"ten\"\n\
             [response]\ntype = \"json\"\n",
        )],
    );
    has(
        &d,
        "a.toml:3:8",
        "the example `ten` of parameter `limit` is not a `integer`",
    );
    // An example's path parameters: declared ones, of their types.
    let d = diagnostics_of(
        BROKEN_API,
        &[(
            "a.toml",
            "method = \"GET\"\npath = \"/things/{n}\"\n[path_params.n]\ntype = \"integer\"\n\
             [response]\ntype = \"json\"\n\
             [[examples]]\ntitle = \"One\"\npath_params = { n = \"seven\", id = \"x\" }\nresponse = '{}'\n",
        )],
    );
    has(
        &d,
        "a.toml:7:1",
        "example `One` gives path parameter `n` the value `seven`, which is not a `integer`",
    );
    has(
        &d,
        "a.toml:7:1",
        "example `One` gives path parameter `id`, which `/things/{n}` does not have (it has: n)",
    );
    // The answer to a HEAD has no body: no `type`, whatever the status (it needed a 204).
    let d = diagnostics_of(
        BROKEN_API,
        &[(
            "a.toml",
            "method = \"HEAD\"\npath = \"/a\"\n[response]\ntype = \"json\"\n",
        )],
    );
    has(
        &d,
        "a.toml:4:8",
        "the answer to a HEAD request has no body: leave `type` out of `[response]`",
    );
    let head = parse_api(&ApiSources {
        api: SourceFile {
            path: "api-specs/broken/api.toml".into(),
            text: BROKEN_API.into(),
        },
        endpoints: vec![SourceFile {
            path: "api-specs/broken/a.toml".into(),
            text: "method = \"HEAD\"\npath = \"/a\"\n[response]\ndoc = \"Whether it exists.\"\n"
                .into(),
        }],
    })
    .unwrap_or_else(|d| panic!("{d}"));
    assert_eq!(head.endpoints[0].response.ty, None);
    assert_eq!(head.endpoints[0].response.status, 200);
    // A header name beside a bearer token was ignored.
    let d = diagnostics_of(
        &BROKEN_API.replace(
            "scheme = \"bearer\"",
            "scheme = \"bearer\"\nheader = \"X-Token\"",
        ),
        &[("a.toml", GET_JSON)],
    );
    has(
        &d,
        "api.toml:6:10",
        "`header` applies to `scheme = \"header\"`; with `bearer` it would be ignored",
    );
    // Half a rate limit was no rate limit at all.
    let d = diagnostics_of(
        &format!("{BROKEN_API}[rate_limit]\nrequests = 5\n"),
        &[("a.toml", GET_JSON)],
    );
    has(
        &d,
        "api.toml:6:1",
        "`rate_limit` is missing the required key `per_seconds`",
    );
    // `lenient` where the decoders do not implement it; `time_range` where it has no JSON form.
    let d = diagnostics_of(
        BROKEN_API,
        &[(
            "a.toml",
            "method = \"GET\"\npath = \"/a\"\n[response]\ntype = \"time_range\"\n\
             [models.Thing.fields.when]\ntype = \"unix_seconds\"\nlenient = true\n\
             [models.Thing.fields.spans]\ntype = \"array<time_range>\"\n",
        )],
    );
    has(
        &d,
        "a.toml:4:8",
        "`time_range` is a query parameter type, not a response type",
    );
    has(
        &d,
        "a.toml:5:22",
        "`lenient` applies to `string`, `integer` and `float` fields, not `unix_seconds`",
    );
    has(
        &d,
        "a.toml:9:8",
        "`time_range` is a query parameter type, not a field type",
    );
    // A body that names an enum: every request refused by the emulator and the CLI.
    let d = diagnostics_of(
        BROKEN_API,
        &[(
            "a.toml",
            "method = \"POST\"\npath = \"/a\"\n[body]\ntype = \"Kind\"\n[response]\ntype = \"json\"\n\
             [enums.Kind]\nvalues = [{ value = \"x\" }]\n",
        )],
    );
    has(
        &d,
        "a.toml:1:1",
        "`[body] type = \"Kind\"` names an enum: a body must be a model",
    );
}

/// A GET marked `idempotent = false` cannot be paginated (one request per page) either.
#[test]
fn a_paginated_endpoint_marked_not_idempotent_is_refused_whatever_its_method() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixture/api-specs/fixture");
    let (mut sources, _) = read_api_dir(&root, &|p| p.display().to_string()).unwrap();
    let pages = sources
        .endpoints
        .iter_mut()
        .find(|f| f.path.ends_with("list_pages.toml"))
        .unwrap();
    pages.text = pages.text.replace(
        "path = \"/widgets\"\n",
        "path = \"/widgets\"\nidempotent = false\n",
    );
    let err = parse_api(&sources).unwrap_err().to_string();
    assert!(
        err.contains("must be idempotent; `GET /widgets` is not"),
        "{err}"
    );
}

#[test]
fn endpoint_names_that_collide_in_generated_code() {
    assert_eq!(
        diagnostics_of(
            BROKEN_API,
            &[
                ("get_thing.toml", GET_JSON),
                ("get_thing_builder.toml", GET_JSON),
                ("page1.toml", GET_JSON),
                ("page_1.toml", GET_JSON),
            ]
        ),
        [
            "api-specs/broken/get_thing_builder.toml:1:1: endpoint name `get_thing_builder` is taken by the builder method of endpoint `get_thing` (`Client::get_thing_builder`, api-specs/broken/get_thing.toml:1:1); set `name` to another name",
            "api-specs/broken/page_1.toml:1:1: endpoints `page1` (api-specs/broken/page1.toml:1:1) and `page_1` both generate the builder type `Page1Builder`; set `name` on one of them",
        ],
    );
}

#[test]
fn one_of_names_that_collide() {
    let ep = r#"method = "GET"
path = "/things"

[response]
type = "Thing"

[models.Thing.fields.job]
type = "string"

[models.Thing.fields.index]
type = "integer"

[models.Thing.fields.infile]
type = "string"

[models.Thing.fields.page1]
type = "integer"

[models.Thing.fields.page_1]
type = "integer"

[[models.Thing.one_of]]
field = "job"
type_name = "Job"
members = ["index", "infile"]

[[models.Thing.one_of]]
field = "page"
type_name = "Thing"
members = ["page1", "page_1"]

[models.Other.fields.a]
type = "integer"

[models.Other.fields.b]
type = "integer"

[[models.Other.one_of]]
field = "pick"
type_name = "Job"
members = ["a", "b"]
"#;
    assert_diagnostics(
        BROKEN_API,
        "get_thing.toml",
        ep,
        &[
            "api-specs/broken/get_thing.toml:19:22: one_of members `page1` and `page_1` both become the variant `Page1` of `Thing`; set `rust_name` on one of them",
            "api-specs/broken/get_thing.toml:22:1: one_of field `job` is also the Rust name of field `job` of `Thing` (api-specs/broken/get_thing.toml:7:22); choose another `field`",
            "api-specs/broken/get_thing.toml:27:1: one_of type_name `Thing` is already the name of the model declared at api-specs/broken/get_thing.toml:7:9; choose another `type_name`",
            "api-specs/broken/get_thing.toml:38:1: one_of type_name `Job` is already the name of the one_of group declared at api-specs/broken/get_thing.toml:22:1; choose another `type_name`",
        ],
    );
}

/// `unknown type `word`; did you mean `fix`? (expected …)`, with the list of types the
/// parser gives.
fn unknown_type_message(word: &str, fix: &str) -> String {
    parse_type(word).unwrap_err().replacen(
        " (expected",
        &format!("; did you mean `{fix}`? (expected"),
        1,
    )
}

#[test]
fn did_you_mean_for_unknown_types_and_models() {
    let api = r#"name = "broken"
base_url = "https://api.example.com/v1"

[auth]
scheme = "bearer"

[errors]
models = ["ErrorBdy"]

[models.ErrorBody.fields.message]
type = "string"
"#;
    let ep = r#"method = "GET"
path = "/things"

[response]
type = "array<Thnig>"

[models.Thing.fields.a]
type = "int"

[models.Thing.fields.b]
type = "thing"

[models.Thing.fields.c]
type = "String"

[models.Thing.fields.d]
type = "map<EventTyp>"

[models.Thing.fields.e]
type = "Nope"

[enums.EventType]
values = [{ value = "a" }]
"#;
    assert_eq!(
        diagnostics_of(api, &[("get_thing.toml", ep)]),
        [
            "api-specs/broken/api.toml:8:11: unknown model reference `ErrorBdy` in `errors.models`; did you mean `ErrorBody`?".to_owned(),
            "api-specs/broken/get_thing.toml:5:8: unknown model reference `Thnig`: no model or enum of that name in this API; did you mean `Thing`?".to_owned(),
            format!("api-specs/broken/get_thing.toml:8:8: {}", unknown_type_message("int", "integer")),
            format!("api-specs/broken/get_thing.toml:11:8: {}", unknown_type_message("thing", "Thing")),
            "api-specs/broken/get_thing.toml:14:8: unknown model reference `String`: no model or enum of that name in this API; did you mean `string`?".to_owned(),
            "api-specs/broken/get_thing.toml:17:8: unknown model reference `EventTyp`: no model or enum of that name in this API; did you mean `EventType`?".to_owned(),
            "api-specs/broken/get_thing.toml:20:8: unknown model reference `Nope`: no model or enum of that name in this API".to_owned(),
        ],
    );
}

#[test]
fn duplicate_keys_are_reported_once_with_both_definitions() {
    let ep = r#"method = "GET"
path = "/things"
method = "POST"

[response]
type = "Thing"

[response]
type = "Thing"
doc = "Again."

[models.Thing.fields.a]
type = "string"

[models.Thing.fields.a]
type = "integer"

[models.Thing.fields.b]
type = "string"
doc = "One."
doc = "Two."

[[examples]]
title = "x"
title = "y"
response = '{"a": "x", "b": "y"}'
"#;
    assert_diagnostics(
        BROKEN_API,
        "get_thing.toml",
        ep,
        &[
            "api-specs/broken/get_thing.toml:3:1: duplicate key `method`: already defined at api-specs/broken/get_thing.toml:1:1; keep one of the two",
            "api-specs/broken/get_thing.toml:8:2: duplicate table `[response]`: already defined at api-specs/broken/get_thing.toml:5:2; keep one of the two",
            "api-specs/broken/get_thing.toml:15:22: duplicate table `[models.Thing.fields.a]`: already defined at api-specs/broken/get_thing.toml:12:22; keep one of the two",
            "api-specs/broken/get_thing.toml:21:1: duplicate key `doc` in `[models.Thing.fields.b]`: already defined at api-specs/broken/get_thing.toml:20:1; keep one of the two",
            "api-specs/broken/get_thing.toml:25:1: duplicate key `title` in `[examples]`: already defined at api-specs/broken/get_thing.toml:24:1; keep one of the two",
        ],
    );
}

#[test]
fn example_mismatches_point_inside_the_example() {
    let ep = r#"method = "POST"
path = "/things"

[body.fields.count]
type = "integer"

[response]
type = "array<Thing>"

[models.Thing]
example = '{"id": "t1", "tags": ["a", 2]}'

[models.Thing.fields.id]
type = "string"

[models.Thing.fields.tags]
type = "array<string>"

[models.Thing.fields."created.at"]
type = "datetime"
optional = true

[[examples]]
request = "{\"count\": \"three\"}"
response = '''
[
  {"id": "t1", "tags": []},
  {
    "id": 7,
    "tags": ["x"],
    "created.at": "yesterday"
  },
  {"tags": []}
]'''
"#;
    assert_diagnostics(
        BROKEN_API,
        "make_thing.toml",
        ep,
        &[
            "api-specs/broken/make_thing.toml:11:39: example does not match `Thing`: tags[1]: expected a string, found a number",
            "api-specs/broken/make_thing.toml:24:24: example does not match `MakeThingRequest`: count: expected an integer, found a string",
            "api-specs/broken/make_thing.toml:29:11: example does not match `array<Thing>`: [1].id: expected a string, found a number",
            "api-specs/broken/make_thing.toml:31:19: example does not match `array<Thing>`: [1].created.at: expected an RFC 3339 date-time, found a string",
            "api-specs/broken/make_thing.toml:33:3: example does not match `array<Thing>`: [2].id: required field is missing",
        ],
    );
}

/// What `cargo xtask new-endpoint broken create_thing POST /things/{id}` writes
/// (`xtask/src/scaffold.rs`; `xtask/tests/todo_markers.rs` checks the real output).
const SKELETON: &str = r#"# POST /things/{id}
# Fill in the docs, the response type and an example, then run `cargo xtask regen`.
# Format: api-specs/README.md.
summary = "TODO: one line saying what create_thing does"
doc = """
TODO: what the endpoint does, in Markdown. This becomes the rustdoc of
`Client::create_thing` and the help of `hookspec broken create-thing`."""
method = "POST"
path = "/things/{id}"
# Whether sending the request twice has the effect of sending it once. POST and PATCH
# default to false: the client then never re-sends once the request may have arrived.
idempotent = false

[path_params.id]
type = "string"
doc = "TODO: what `id` identifies."

# Optional query parameters and headers:
# [query.limit]
# type = "integer"
# optional = true
# doc = "Page size."

# The JSON body: an inline model (or `type = "ModelName"`).
[body]
doc = "TODO: what the body says."

# [body.fields.example]
# type = "string"
# doc = "TODO"

[response]
type = "json"
doc = "TODO: what comes back."

[[examples]]
title = "TODO"
path_params = { id = "TODO" }
response = '''
null'''
"#;

#[test]
fn each_todo_of_a_skeleton_is_reported_at_its_position() {
    let sources = ApiSources {
        api: SourceFile {
            path: "api-specs/broken/api.toml".into(),
            text: BROKEN_API.into(),
        },
        endpoints: vec![SourceFile {
            path: "api-specs/broken/create_thing.toml".into(),
            text: SKELETON.into(),
        }],
    };
    let found: Vec<String> = hookspec_spec::todo_markers(&sources)
        .iter()
        .map(ToString::to_string)
        .collect();
    let todo = |at: &str, key: &str| {
        format!(
            "api-specs/broken/create_thing.toml:{at}: `{key}` still holds a TODO of the spec skeleton: write what it asks for (the rustdoc, the CLI help and the examples show this text)"
        )
    };
    assert_eq!(
        found,
        [
            todo("4:12", "summary"),
            todo("6:1", "doc"),
            todo("16:8", "path_params.id.doc"),
            todo("26:8", "body.doc"),
            todo("34:8", "response.doc"),
            todo("37:10", "examples[0].title"),
            todo("38:23", "examples[0].path_params.id"),
        ]
    );
    // A filled-in spec has none; a TODO in a comment is the author's own note.
    let filled = SKELETON
        .lines()
        .filter(|l| l.starts_with('#') || !l.contains("TODO"))
        .collect::<Vec<_>>()
        .join("\n");
    let sources = ApiSources {
        endpoints: vec![SourceFile {
            path: "api-specs/broken/create_thing.toml".into(),
            text: filled,
        }],
        ..sources
    };
    assert_eq!(hookspec_spec::todo_markers(&sources), []);
}
