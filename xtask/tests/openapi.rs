//! The exported OpenAPI documents are valid OpenAPI 3.1, and export → import gives back the
//! same specs (up to formatting and positions).

use std::path::Path;

use hookspec_spec::{Api, Pos, parse_api, read_api_dir};
use xtask::{load_apis, openapi, workspace_root};

#[test]
fn exported_documents_validate_against_the_openapi_3_1_schema() {
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../schemas/oas-3.1-schema-2022-10-07.json")).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the OAS 3.1 schema compiles");
    for api in load_apis(&workspace_root()).unwrap() {
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
    // Where a model is declared (API file or endpoint file) is formatting.
    api.models.sort_by(|a, b| a.name.cmp(&b.name));
    api.enums.sort_by(|a, b| a.name.cmp(&b.name));
    api
}

fn load_dir(dir: &Path) -> Api {
    let (sources, _) = read_api_dir(dir, &|p| p.display().to_string()).unwrap();
    parse_api(&sources).unwrap_or_else(|d| panic!("{d}"))
}

#[test]
fn export_then_import_gives_back_the_same_specs() {
    for api in load_apis(&workspace_root()).unwrap() {
        let doc = openapi::export(&api);
        let imported = openapi::import(&doc, &api.name).unwrap();
        assert!(
            imported.warnings.is_empty(),
            "{}: {:?}",
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
            "{} did not survive the round trip",
            api.name
        );
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
    assert!(openapi::import(&serde_json::json!({"swagger": "2.0"}), "x").is_err());
}
