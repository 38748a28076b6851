//! The exported OpenAPI documents are valid OpenAPI 3.1, every example they embed fits its own
//! schema, and export → import gives back the same specs (up to formatting and positions).

use std::path::Path;

use hookspec_spec::{Api, Pos, parse_api, read_api_dir};
use serde_json::{Value, json};
use xtask::{load_apis, openapi, workspace_root};

#[test]
fn exported_documents_validate_against_the_openapi_3_1_schema() {
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../schemas/oas-3.1-schema-2022-10-07.json")).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the OAS 3.1 schema compiles");
    for api in all_apis() {
        let doc = openapi::export(&api);
        let errors: Vec<String> = validator
            .iter_errors(&doc)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{}: {errors:#?}", api.name);
    }
    // The validator does reject a broken document.
    let broken = serde_json::json!({"openapi": "3.1.0", "info": {"version": "1"}, "paths": {}});
    assert!(!validator.is_valid(&broken));
}

#[test]
fn the_3_0_documents_validate_against_the_openapi_3_0_schema() {
    let schema: Value =
        serde_json::from_str(include_str!("../schemas/oas-3.0-schema-2021-09-28.json")).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the OAS 3.0 schema compiles");
    for api in all_apis() {
        let doc = openapi::to_3_0(&openapi::export(&api));
        let errors: Vec<String> = validator
            .iter_errors(&doc)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{}: {errors:#?}", api.name);
        // Nothing of 3.1's dialect is left in a schema.
        let text = doc["components"].to_string();
        for needle in ["\"null\"", "\"const\"", "\"examples\":["] {
            assert!(!text.contains(needle), "{}: {needle} in {text}", api.name);
        }
    }
    // The validator does reject a 3.1-only construct in a 3.0 document.
    let typed = json!({"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {},
        "components": {"schemas": {"A": {"type": ["string", "null"]}}}});
    assert!(!validator.is_valid(&typed));
}

/// The JSON Schema meaning of an OpenAPI 3.0 schema: `nullable: true` admits `null`.
fn nullable_to_json_schema(s: &mut Value) {
    let Some(obj) = s.as_object_mut() else {
        return;
    };
    for (k, v) in obj.iter_mut() {
        match k.as_str() {
            "items" | "additionalProperties" | "not" => nullable_to_json_schema(v),
            "properties" => v
                .as_object_mut()
                .into_iter()
                .flat_map(|p| p.values_mut())
                .for_each(nullable_to_json_schema),
            "anyOf" | "oneOf" | "allOf" => v
                .as_array_mut()
                .into_iter()
                .flatten()
                .for_each(nullable_to_json_schema),
            _ => {}
        }
    }
    if obj.remove("nullable") == Some(json!(true)) {
        match obj.get("type").cloned() {
            Some(Value::String(t)) => {
                obj.insert("type".into(), json!([t, "null"]));
            }
            _ => {
                let inner = Value::Object(std::mem::take(obj));
                obj.insert("anyOf".into(), json!([inner, {"type": "null"}]));
            }
        }
    }
}

#[test]
fn every_example_of_the_3_0_documents_fits_its_schema() {
    let mut errors = Vec::new();
    for api in all_apis() {
        let mut doc = openapi::to_3_0(&openapi::export(&api));
        for s in doc["components"]["schemas"]
            .as_object_mut()
            .into_iter()
            .flat_map(|m| m.values_mut())
        {
            nullable_to_json_schema(s);
        }
        errors.extend(
            example_errors(&doc)
                .into_iter()
                .map(|e| format!("{} (3.0): {e}", api.name)),
        );
    }
    assert!(
        errors.is_empty(),
        "examples that do not fit their schemas:\n{}",
        errors.join("\n")
    );
}

/// A JSON pointer token.
fn token(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

/// One example embedded in a document: where it is (for messages), the JSON pointer of the
/// schema it must fit, and the value.
struct Embedded {
    place: String,
    schema: String,
    value: Value,
}

/// `example` and `examples` (an Example Object map or, in a Schema Object, an array) of the
/// object at `at`, each to be checked against the schema at `schema`.
fn examples_of(doc: &Value, at: &str, schema: &str, out: &mut Vec<Embedded>) {
    let Some(obj) = doc.pointer(at).and_then(Value::as_object) else {
        return;
    };
    if doc.pointer(schema).is_none() {
        return; // an example response without a schema: nothing to fit
    }
    if let Some(v) = obj.get("example") {
        out.push(Embedded {
            place: format!("{at}/example"),
            schema: schema.to_owned(),
            value: v.clone(),
        });
    }
    match obj.get("examples") {
        Some(Value::Object(named)) => {
            for (name, ex) in named {
                let title = ex.get("summary").and_then(Value::as_str).unwrap_or("");
                if let Some(v) = ex.get("value") {
                    out.push(Embedded {
                        place: format!("{at}/examples/{} ({title:?})", token(name)),
                        schema: schema.to_owned(),
                        value: v.clone(),
                    });
                }
            }
        }
        Some(Value::Array(list)) => {
            for (i, v) in list.iter().enumerate() {
                out.push(Embedded {
                    place: format!("{at}/examples/{i}"),
                    schema: schema.to_owned(),
                    value: v.clone(),
                });
            }
        }
        _ => {}
    }
}

/// Every example embedded in an exported document: model examples, parameter, request-body
/// and response examples, webhook deliveries, and hookspec's own `x-examples` and
/// `x-error-examples`.
fn embedded_examples(doc: &Value) -> Vec<Embedded> {
    let mut out = Vec::new();
    for name in doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|m| m.keys())
    {
        let at = format!("/components/schemas/{}", token(name));
        examples_of(doc, &at, &at, &mut out);
    }
    let mut error_schema = None;
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for (method, op) in item.as_object().into_iter().flatten() {
            let at = format!("/paths/{}/{method}", token(path));
            for i in 0..op
                .get("parameters")
                .and_then(Value::as_array)
                .map_or(0, Vec::len)
            {
                let p = format!("{at}/parameters/{i}");
                examples_of(doc, &p, &format!("{p}/schema"), &mut out);
            }
            let body = format!("{at}/requestBody/content/application~1json");
            examples_of(doc, &body, &format!("{body}/schema"), &mut out);
            let response_for = |status: &str| {
                let r = format!("{at}/responses/{status}/content/application~1json/schema");
                doc.pointer(&r).map(|_| r)
            };
            for code in op["responses"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(c, _)| c)
            {
                let r = format!("{at}/responses/{code}/content/application~1json");
                examples_of(doc, &r, &format!("{r}/schema"), &mut out);
            }
            if error_schema.is_none() {
                error_schema = response_for("4XX").or_else(|| response_for("default"));
            }
            for (i, ex) in op
                .get("x-examples")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                let title = ex["title"].as_str().unwrap_or("");
                if let Some(v) = ex.get("request") {
                    out.push(Embedded {
                        place: format!("{at}/x-examples/{i}/request ({title:?})"),
                        schema: format!("{body}/schema"),
                        value: v.clone(),
                    });
                }
                let status = ex["status"].as_u64().unwrap_or(200).to_string();
                let class = format!("{}XX", &status[..1]);
                if let Some(v) = ex.get("response")
                    && let Some(schema) = response_for(&status).or_else(|| response_for(&class))
                {
                    out.push(Embedded {
                        place: format!("{at}/x-examples/{i}/response ({title:?})"),
                        schema,
                        value: v.clone(),
                    });
                }
            }
        }
    }
    // The example delivery of every webhook (OpenAPI 3.1 `webhooks`).
    for name in doc
        .get("webhooks")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|m| m.keys())
    {
        let body = format!(
            "/webhooks/{}/post/requestBody/content/application~1json",
            token(name)
        );
        examples_of(doc, &body, &format!("{body}/schema"), &mut out);
    }
    for (i, ex) in doc
        .get("x-error-examples")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let title = ex["title"].as_str().unwrap_or("");
        out.push(Embedded {
            place: format!("/x-error-examples/{i} ({title:?})"),
            schema: error_schema
                .clone()
                .expect("error examples need an error response (4XX)"),
            value: ex["response"].clone(),
        });
    }
    out
}

/// Every way the examples embedded in `doc` do not fit their schemas, one line each: the
/// example's place and the validator's message. Formats (`date-time`…) are checked too.
fn example_errors(doc: &Value) -> Vec<String> {
    let mut errors = Vec::new();
    for ex in embedded_examples(doc) {
        // The schema, with the document's components beside it so that its
        // `#/components/schemas/…` references resolve.
        let mut root = doc
            .pointer(&ex.schema)
            .unwrap_or_else(|| panic!("{}: no schema at {}", ex.place, ex.schema))
            .clone();
        root["components"] = doc["components"].clone();
        let validator = match jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .should_validate_formats(true)
            .build(&root)
        {
            Ok(v) => v,
            Err(e) => {
                errors.push(format!(
                    "{}: schema {} does not compile: {e}",
                    ex.place, ex.schema
                ));
                continue;
            }
        };
        for e in validator.iter_errors(&ex.value) {
            errors.push(format!(
                "{}: {e} (at {:?})",
                ex.place,
                e.instance_path().to_string()
            ));
        }
    }
    errors
}

#[test]
fn every_embedded_example_fits_its_schema() {
    let mut errors = Vec::new();
    for api in all_apis() {
        let doc = openapi::export(&api);
        assert!(
            !embedded_examples(&doc).is_empty(),
            "{}: no examples found",
            api.name
        );
        errors.extend(
            example_errors(&doc)
                .into_iter()
                .map(|e| format!("{}: {e}", api.name)),
        );
    }
    assert!(
        errors.is_empty(),
        "examples that do not fit their schemas:\n{}",
        errors.join("\n")
    );
}

#[test]
fn the_example_check_finds_a_misfit() {
    let doc = json!({
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {"/x": {"get": {"responses": {"200": {"description": "ok", "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/M"},
            "examples": {"example1": {"summary": "bad", "value": {"n": "7", "t": "yesterday"}}}
        }}}}}}},
        "components": {"schemas": {"M": {"type": "object", "required": ["n"],
            "properties": {"n": {"type": "integer"}, "t": {"type": "string", "format": "date-time"}}}}}
    });
    let errors = example_errors(&doc).join("\n");
    assert!(
        errors.contains("example1") && errors.contains("\"bad\""),
        "{errors}"
    );
    assert!(errors.contains("is not of type \"integer\""), "{errors}");
    assert!(errors.contains("date-time"), "{errors}");
}

/// Positions, file names and example formatting do not matter for equivalence.
fn normalized(mut api: Api) -> Api {
    let p = || Pos {
        file: "x".into(),
        line: 1,
        col: 1,
    };
    let json = |t: &mut Option<String>| {
        if let Some(text) = t
            && let Ok(v) = serde_json::from_str::<serde_json::Value>(text)
        {
            *text = v.to_string();
        }
    };
    api.pos = p();
    for r in &mut api.resources {
        r.pos = p();
    }
    for m in &mut api.models {
        m.pos = p();
        json(&mut m.example);
        for f in &mut m.fields {
            f.pos = p();
        }
        for g in &mut m.one_of {
            g.pos = p();
        }
    }
    for e in &mut api.enums {
        e.pos = p();
        for v in &mut e.values {
            v.pos = p();
        }
    }
    for ex in &mut api.error_examples {
        ex.pos = p();
        json(&mut ex.response);
    }
    for ep in &mut api.endpoints {
        ep.pos = p();
        ep.file = "x".into();
        ep.response.pos = p();
        if let Some(pg) = &mut ep.pagination {
            pg.pos = p();
        }
        if let Some(e) = &mut ep.emulator {
            e.pos = p();
            if let Some(pg) = &mut e.paging {
                pg.pos = p();
            }
        }
        for q in ep
            .path_params
            .iter_mut()
            .chain(&mut ep.query)
            .chain(&mut ep.headers)
        {
            q.pos = p();
        }
        for ex in &mut ep.examples {
            ex.pos = p();
            json(&mut ex.request);
            json(&mut ex.response);
        }
    }
    if let Some(w) = &mut api.webhooks {
        w.pos = p();
        w.file = "x".into();
        json(&mut w.example);
        for e in &mut w.events {
            e.pos = p();
            json(&mut e.example);
        }
    }
    // Where a model is declared (API file or endpoint file) is formatting.
    api.models.sort_by(|a, b| a.name.cmp(&b.name));
    api.enums.sort_by(|a, b| a.name.cmp(&b.name));
    api
}

/// The shipped APIs, the fixture API of `tests/fixture`, which uses every feature of the
/// spec language (list parameters, pagination, empty responses, no auth…), and the signed
/// webhooks of `tests/webhook-fixture`.
fn all_apis() -> Vec<Api> {
    let mut apis = load_apis(&workspace_root()).unwrap();
    for dir in ["tests/fixture/api-specs/fixture", "tests/webhook-fixture"] {
        apis.push(load_dir(&workspace_root().join(dir)));
    }
    apis
}

fn load_dir(dir: &Path) -> Api {
    let (sources, _) = read_api_dir(dir, &|p| p.display().to_string()).unwrap();
    parse_api(&sources).unwrap_or_else(|d| panic!("{d}"))
}

#[test]
fn export_then_import_gives_back_the_same_specs() {
    for api in all_apis() {
        let doc = openapi::export(&api);
        for (version, doc) in [("3.1", doc.clone()), ("3.0", openapi::to_3_0(&doc))] {
            let imported = openapi::import(&doc, &api.name).unwrap();
            assert!(
                imported.warnings.is_empty(),
                "{} ({version}): {:?}",
                api.name,
                imported.warnings
            );
            let dir = tempfile::tempdir().unwrap();
            for (name, text) in &imported.files {
                std::fs::write(dir.path().join(name), text).unwrap();
            }
            let back = load_dir(dir.path());
            assert_eq!(
                normalized(back),
                normalized(api.clone()),
                "{} did not survive the round trip through OpenAPI {version}",
                api.name
            );
        }
    }
}

/// Without hookspec's `x-` extensions, the standard shapes still give back aliases, lenient
/// numbers and nullable references.
#[test]
fn import_reads_the_standard_shapes_without_extensions() {
    fn strip(v: &mut Value) {
        match v {
            Value::Object(o) => {
                o.retain(|k, _| !k.starts_with("x-"));
                o.values_mut().for_each(strip);
            }
            Value::Array(a) => a.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let api = load_apis(&workspace_root())
        .unwrap()
        .into_iter()
        .find(|a| a.name == "omegastream")
        .unwrap();
    let fivecents = load_apis(&workspace_root())
        .unwrap()
        .into_iter()
        .find(|a| a.name == "fivecents")
        .unwrap();
    for (api, version) in [(&api, "3.1"), (&fivecents, "3.1"), (&api, "3.0")] {
        let mut doc = openapi::export(api);
        if version == "3.0" {
            doc = openapi::to_3_0(&doc);
        }
        strip(&mut doc);
        let imported = openapi::import(&doc, &api.name).unwrap();
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in &imported.files {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        let back = load_dir(dir.path());
        for m in &api.models {
            let Some(mb) = back.model(&m.name) else {
                continue; // endpoint bodies get other names without `x-` extensions
            };
            for f in &m.fields {
                let fb = mb
                    .fields
                    .iter()
                    .find(|x| x.name == f.name)
                    .unwrap_or_else(|| panic!("{version}: {}.{} lost", m.name, f.name));
                let what = format!("{version}: {}.{}", m.name, f.name);
                assert_eq!(fb.aliases, f.aliases, "{what}");
                assert_eq!(fb.optional, f.optional, "{what}");
                use hookspec_spec::TypeRef::{Json, RawJson};
                if !matches!(f.ty, Json | RawJson) {
                    // (`{}` admits null: only `x-nullable` tells)
                    assert_eq!(fb.nullable, f.nullable || f.zero_as_none, "{what}");
                }
                if matches!(
                    f.ty,
                    hookspec_spec::TypeRef::Integer
                        | hookspec_spec::TypeRef::Float
                        | hookspec_spec::TypeRef::String
                ) {
                    assert_eq!(fb.lenient, f.lenient, "{what}");
                }
            }
            assert_eq!(mb.fields.len(), m.fields.len(), "{version}: {}", m.name);
        }
    }
}

#[test]
fn import_reports_what_it_cannot_express() {
    let doc = serde_json::json!({
        "openapi": "3.0.3",
        "info": {"title": "Pets", "version": "1"},
        "servers": [{"url": "https://pets.example.com/v1"}],
        "components": {"securitySchemes": {"oauth": {"type": "oauth2", "flows": {}}}},
        "paths": {
            "/pets/{petId}": {
                "get": {
                    "operationId": "getPet",
                    "parameters": [
                        {"name": "petId", "in": "path", "required": true, "schema": {"type": "string"}},
                        {"name": "session", "in": "cookie", "schema": {"type": "string"}}
                    ],
                    "responses": {"200": {"description": "A pet", "content": {"application/json": {"schema": {
                        "type": "object", "required": ["name"],
                        "properties": {"name": {"type": "string"}, "tag": {"type": "string", "nullable": true}}
                    }}}}}
                }
            }
        }
    });
    let imported = openapi::import(&doc, "pets").unwrap();
    let warnings = imported.warnings.join("\n");
    assert!(warnings.contains("oauth"), "{warnings}");
    assert!(warnings.contains("cookie"), "{warnings}");
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in &imported.files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let api = load_dir(dir.path());
    let ep = api.endpoint("get_pet").unwrap();
    assert_eq!(ep.path, "/pets/{pet_id}");
    assert_eq!(ep.path_params[0].name, "pet_id");
    let model = api.model("GetPetResponse").unwrap();
    assert!(
        model
            .fields
            .iter()
            .any(|f| f.name == "tag" && f.nullable && f.optional)
    );
    assert_eq!(
        openapi::import(&serde_json::json!({"swagger": "2.0"}), "x").unwrap_err(),
        openapi::ImportError::NotOpenApi(String::new())
    );
}

/// A third-party OpenAPI 3.1 document with a `webhooks` section and none of hookspec's `x-`
/// extensions: one event type per entry, the request body as its payload.
#[test]
fn import_reads_a_plain_webhooks_section() {
    let order = serde_json::json!({
        "type": "object", "required": ["order_id", "total"],
        "properties": {"order_id": {"type": "string"}, "total": {"type": "integer"}}
    });
    let entry = |kind: &str, summary: &str| {
        serde_json::json!({"post": {
            "summary": summary,
            "parameters": [{"name": "webhook-signature", "in": "header", "required": true, "schema": {"type": "string"}}],
            "requestBody": {"content": {"application/json": {
                "schema": {
                    "type": "object", "required": ["id", "type", "data"],
                    "properties": {
                        "id": {"type": "string"},
                        "type": {"type": "string", "const": kind},
                        "data": {"$ref": "#/components/schemas/Order"},
                        "sent_at": {"type": "string", "format": "date-time"}
                    }
                },
                "example": {"id": "evt_1", "type": kind, "data": {"order_id": "o-1", "total": 5}}
            }}},
            "responses": {"200": {"description": "Received."}}
        }})
    };
    let doc = serde_json::json!({
        "openapi": "3.1.0",
        "info": {"title": "Shop", "version": "1"},
        "servers": [{"url": "https://shop.example.com"}],
        "paths": {},
        "components": {"schemas": {"Order": order}},
        "webhooks": {
            "orderCreated": entry("order.created", "An order was created."),
            "orderPaid": entry("order.paid", "An order was paid.")
        }
    });
    let imported = openapi::import(&doc, "shop").unwrap();
    assert!(imported.warnings.is_empty(), "{:?}", imported.warnings);
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in &imported.files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let api = load_dir(dir.path());
    let hooks = api.webhooks.as_ref().expect("webhooks.toml imported");
    let tag = hooks
        .tag
        .as_ref()
        .expect("tagged by the property whose const names the event");
    assert_eq!(
        (tag.field.as_str(), tag.data_field.as_str()),
        ("type", "data")
    );
    assert_eq!(hooks.id_field.as_deref(), Some("id"));
    assert!(
        hooks.signature.is_some(),
        "a webhook-signature header means Standard Webhooks"
    );
    let events: Vec<(&str, String, &str)> = hooks
        .events
        .iter()
        .map(|e| (e.name.as_str(), e.data.to_string(), e.doc.as_str()))
        .collect();
    assert_eq!(
        events,
        [
            ("order.created", "Order".to_owned(), "An order was created."),
            ("order.paid", "Order".to_owned(), "An order was paid.")
        ]
    );
    assert!(hooks.events.iter().all(|e| e.example.is_some()));
    let envelope = api.model("WebhookEnvelope").unwrap();
    let sent_at = envelope
        .fields
        .iter()
        .find(|f| f.name == "sent_at")
        .unwrap();
    assert!(sent_at.optional);

    // One entry (the OpenAPI 3.1 specification's own example): untagged, the body is the event.
    let pets = serde_json::json!({
        "openapi": "3.1.0",
        "info": {"title": "Webhook Example", "version": "1.0.0"},
        "webhooks": {"newPet": {"post": {
            "requestBody": {"description": "Information about a new pet in the system",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}}},
            "responses": {"200": {"description": "Return a 200 status to indicate that the data was received successfully"}}
        }}},
        "components": {"schemas": {"Pet": {"required": ["id", "name"], "properties": {
            "id": {"type": "integer", "format": "int64"}, "name": {"type": "string"}, "tag": {"type": "string"}
        }}}}
    });
    let imported = openapi::import(&pets, "pets").unwrap();
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in &imported.files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let api = load_dir(dir.path());
    let hooks = api.webhooks.as_ref().expect("webhooks.toml imported");
    assert!(hooks.tag.is_none() && hooks.signature.is_none());
    assert_eq!(hooks.envelope.to_string(), "Pet");
    assert_eq!(hooks.events.len(), 1);
    assert_eq!(hooks.events[0].name, "new_pet");

    // Several entries with nothing that says which is which: a warning, no file.
    let mut vague = doc.clone();
    for e in ["orderCreated", "orderPaid"] {
        vague["webhooks"][e]["post"]["requestBody"]["content"]["application/json"]["schema"] =
            serde_json::json!({"$ref": "#/components/schemas/Order"});
    }
    let imported = openapi::import(&vague, "shop").unwrap();
    assert!(imported.files.iter().all(|(n, _)| n != "webhooks.toml"));
    assert!(
        imported
            .warnings
            .iter()
            .any(|w| w.contains("webhooks: 2 entries")),
        "{:?}",
        imported.warnings
    );
}

/// A `webhooks` section or `x-hookspec-webhooks` of the wrong shape is an error naming where,
/// not a panic and not a silently dropped file.
#[test]
fn import_refuses_malformed_webhooks() {
    let api = load_apis(&workspace_root())
        .unwrap()
        .into_iter()
        .find(|a| a.name == "omegastream")
        .unwrap();
    let good = openapi::export(&api);
    let cases: [(&str, Value, &str); 6] = [
        ("/webhooks", serde_json::json!([]), "/webhooks"),
        (
            "/webhooks",
            serde_json::json!({"newPet": {"post": {"requestBody": 3}}}),
            "/webhooks/newPet/post/requestBody",
        ),
        (
            "/x-hookspec-webhooks",
            serde_json::json!("yes"),
            "/x-hookspec-webhooks",
        ),
        (
            "/x-hookspec-webhooks/envelope",
            Value::Null,
            "/x-hookspec-webhooks/envelope",
        ),
        (
            "/x-hookspec-webhooks/events",
            serde_json::json!({}),
            "/x-hookspec-webhooks/events",
        ),
        (
            "/x-hookspec-webhooks/tag/field",
            serde_json::json!(7),
            "/x-hookspec-webhooks/tag/field",
        ),
    ];
    for (pointer, value, at) in cases {
        let mut doc = good.clone();
        if pointer == "/webhooks" {
            doc.as_object_mut().unwrap().remove("x-hookspec-webhooks");
        }
        *doc.pointer_mut(pointer).unwrap() = value;
        match openapi::import(&doc, "omegastream") {
            Err(openapi::ImportError::Malformed { at: got, message }) => {
                assert_eq!(got, at, "{pointer}: {message}");
                assert!(!message.is_empty());
            }
            other => panic!("{pointer}: expected an error at {at}, got {other:?}"),
        }
    }
    let mut doc = good.clone();
    doc["x-hookspec-webhooks"]["signature"] = serde_json::json!({"scheme": "hmac-md5"});
    let err = openapi::import(&doc, "omegastream").unwrap_err();
    assert!(err.to_string().contains("hmac-md5"), "{err}");
}
