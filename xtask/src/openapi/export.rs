//! Specs → OpenAPI 3.1: one document per API, `x-` extensions for what OpenAPI cannot say.

use heck::ToUpperCamelCase;
use hookspec_spec::{Api, Auth, Endpoint, EnumDef, Field, Model, Param, TypeRef, rust_ident};
use serde_json::{Map, Value, json};

fn schema_ref(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

/// The JSON Schema of a spec type.
fn type_schema(ty: &TypeRef) -> Value {
    match ty {
        TypeRef::String => json!({"type": "string"}),
        TypeRef::Integer => json!({"type": "integer", "format": "int64"}),
        TypeRef::Float => json!({"type": "number", "format": "double"}),
        TypeRef::Bool => json!({"type": "boolean"}),
        TypeRef::UnixSeconds => {
            json!({"type": "integer", "format": "int64", "x-hookspec-type": "unix_seconds"})
        }
        TypeRef::DateTime => json!({"type": "string", "format": "date-time"}),
        TypeRef::UnixMillis => json!({
            "anyOf": [{"type": "integer", "format": "int64"}, {"type": "string", "pattern": "^-?[0-9]+$"}],
            "x-hookspec-type": "unix_millis"
        }),
        TypeRef::CivilDateTime => json!({
            "type": "string",
            "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}$",
            "x-hookspec-type": "civil_datetime"
        }),
        TypeRef::TimeRange => json!({"type": "string", "x-hookspec-type": "time_range"}),
        TypeRef::Json => json!({}),
        TypeRef::RawJson => json!({"x-hookspec-type": "raw_json"}),
        TypeRef::Array(inner) => json!({"type": "array", "items": type_schema(inner)}),
        TypeRef::Map(inner) => {
            json!({"type": "object", "additionalProperties": type_schema(inner)})
        }
        TypeRef::Model(n) | TypeRef::Enum(n) => schema_ref(n),
    }
}

fn with_null(mut schema: Value) -> Value {
    if let Some(t) = schema
        .get("type")
        .and_then(Value::as_str)
        .map(str::to_owned)
    {
        schema["type"] = json!([t, "null"]);
        schema
    } else if schema.get("$ref").is_some() {
        json!({"anyOf": [schema, {"type": "null"}]})
    } else {
        schema
    }
}

fn field_schema(f: &Field) -> Value {
    let mut s = type_schema(&f.ty);
    if f.nullable {
        s = with_null(s);
    }
    let obj = s.as_object_mut().expect("schemas are objects");
    if !f.doc.is_empty() {
        obj.insert("description".into(), json!(f.doc));
    }
    if f.nullable {
        obj.insert("x-nullable".into(), json!(true));
    }
    if !f.aliases.is_empty() {
        obj.insert("x-aliases".into(), json!(f.aliases));
    }
    if f.zero_as_none {
        obj.insert("x-zero-as-none".into(), json!(true));
    }
    if f.lenient {
        obj.insert("x-lenient".into(), json!(true));
    }
    if f.boxed {
        obj.insert("x-boxed".into(), json!(true));
    }
    if rust_ident(&f.name).as_deref() != Some(f.rust_name.as_str()) {
        obj.insert("x-rust-name".into(), json!(f.rust_name));
    }
    s
}

fn model_schema(m: &Model) -> Value {
    let mut props = Map::new();
    let mut required = Vec::new();
    for f in &m.fields {
        props.insert(f.name.clone(), field_schema(f));
        if !f.optional && m.group_of(&f.name).is_none() {
            required.push(json!(f.name));
        }
    }
    let mut s = json!({"type": "object", "properties": props, "required": required});
    if !m.doc.is_empty() {
        s["description"] = json!(m.doc);
    }
    let groups: Vec<Value> = m
        .one_of
        .iter()
        .map(|g| json!({"oneOf": g.members.iter().map(|x| json!({"required": [x]})).collect::<Vec<_>>()}))
        .collect();
    match groups.len() {
        0 => {}
        1 => s["oneOf"] = groups[0]["oneOf"].clone(),
        _ => s["allOf"] = json!(groups),
    }
    if !m.one_of.is_empty() {
        s["x-one-of"] = json!(m
            .one_of
            .iter()
            .map(|g| json!({"field": g.field, "type_name": g.type_name, "doc": g.doc, "members": g.members}))
            .collect::<Vec<_>>());
    }
    if let Some(ex) = m
        .example
        .as_deref()
        .and_then(|t| serde_json::from_str::<Value>(t).ok())
    {
        s["example"] = ex;
    }
    s
}

fn enum_schema(e: &EnumDef) -> Value {
    let mut s = json!({
        "type": "string",
        "enum": e.values.iter().map(|v| json!(v.value)).collect::<Vec<_>>(),
        "x-enum-descriptions": e.values.iter().map(|v| (v.value.clone(), json!(v.doc))).collect::<Map<_, _>>(),
        "x-extensible-enum": true,
    });
    if !e.doc.is_empty() {
        s["description"] = json!(e.doc);
    }
    let renamed: Map<String, Value> = e
        .values
        .iter()
        .filter(|v| v.rust_name != v.value.to_upper_camel_case())
        .map(|v| (v.value.clone(), json!(v.rust_name)))
        .collect();
    if !renamed.is_empty() {
        s["x-enum-rust-names"] = Value::Object(renamed);
    }
    s
}

fn param_json(p: &Param, place: &str) -> Value {
    let mut v = json!({
        "name": p.name,
        "in": place,
        "required": place == "path" || !p.optional,
        "schema": type_schema(&p.ty),
    });
    if !p.doc.is_empty() {
        v["description"] = json!(p.doc);
    }
    if let Some(ex) = &p.example {
        v["example"] = json!(ex);
    }
    if rust_ident(&p.name).as_deref() != Some(p.rust_name.as_str()) {
        v["x-rust-name"] = json!(p.rust_name);
    }
    if let Some(rf) = &p.range {
        v["x-hookspec-range"] = json!({
            "format": rf.format,
            "separator": rf.separator,
            "max_days": rf.max_days,
        });
    }
    v
}

fn parse_or_text(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|_| json!(text))
}

fn operation(api: &Api, ep: &Endpoint) -> Value {
    let mut op = json!({ "operationId": ep.name, "x-idempotent": ep.idempotent });
    if !ep.summary.is_empty() {
        op["summary"] = json!(ep.summary);
    }
    if !ep.doc.is_empty() {
        op["description"] = json!(ep.doc);
    }
    let params: Vec<Value> = ep
        .path_params
        .iter()
        .map(|p| param_json(p, "path"))
        .chain(ep.query.iter().map(|p| param_json(p, "query")))
        .chain(ep.headers.iter().map(|p| param_json(p, "header")))
        .collect();
    if !params.is_empty() {
        op["parameters"] = json!(params);
    }
    let named = |pick: fn(&hookspec_spec::Example) -> Option<&String>| -> Map<String, Value> {
        ep.examples
            .iter()
            .enumerate()
            .filter_map(|(i, ex)| {
                let value = pick(ex)?;
                let mut e = json!({"value": parse_or_text(value)});
                if !ex.title.is_empty() {
                    e["summary"] = json!(ex.title);
                }
                Some((format!("example{}", i + 1), e))
            })
            .collect()
    };
    if let Some(b) = &ep.body {
        let mut content = json!({"schema": schema_ref(&b.model)});
        let examples = named(|e| e.request.as_ref());
        if !examples.is_empty() {
            content["examples"] = Value::Object(examples);
        }
        let mut body = json!({"required": true, "content": {"application/json": content}});
        if !b.doc.is_empty() {
            body["description"] = json!(b.doc);
        }
        op["requestBody"] = body;
    }
    let mut ok = json!({"schema": type_schema(&ep.response.ty)});
    let examples = named(|e| e.response.as_ref().filter(|_| true));
    if !examples.is_empty() {
        ok["examples"] = Value::Object(examples);
    }
    let description = if ep.response.doc.is_empty() {
        "Success".to_owned()
    } else {
        ep.response.doc.clone()
    };
    let mut responses = Map::new();
    responses.insert(
        ep.response.status.to_string(),
        json!({"description": description, "content": {"application/json": ok}}),
    );
    if !api.error_models.is_empty() {
        let refs: Vec<Value> = api.error_models.iter().map(|m| schema_ref(m)).collect();
        let schema = if refs.len() == 1 {
            refs[0].clone()
        } else {
            json!({"anyOf": refs})
        };
        responses.insert(
            "default".into(),
            json!({"description": "Error response, in one of the API's error models", "content": {"application/json": {"schema": schema}}}),
        );
    }
    op["responses"] = Value::Object(responses);
    let x_examples: Vec<Value> = ep
        .examples
        .iter()
        .map(|ex| {
            let mut v = json!({"title": ex.title, "status": ex.status});
            if let Some(r) = &ex.request {
                v["request"] = parse_or_text(r);
            }
            if let Some(r) = &ex.response {
                v["response"] = parse_or_text(r);
            }
            if !ex.path_params.is_empty() {
                v["path_params"] = ex
                    .path_params
                    .iter()
                    .map(|(k, v)| (k.clone(), json!(v)))
                    .collect::<Map<_, _>>()
                    .into();
            }
            v
        })
        .collect();
    if !x_examples.is_empty() {
        op["x-examples"] = json!(x_examples);
    }
    op
}

/// The OpenAPI 3.1 document of an API.
pub fn export(api: &Api) -> Value {
    let mut info = json!({
        "title": if api.title.is_empty() { &api.name } else { &api.title },
        "version": "1.0.0",
        "x-generated": format!("by `cargo xtask regen` from api-specs/{}/; do not edit", api.name),
    });
    if !api.doc.is_empty() {
        info["description"] = json!(api.doc);
    }
    let mut doc = json!({
        "openapi": "3.1.0",
        "info": info,
        "x-hookspec-api": api.name,
        "servers": [{"url": api.base_url}],
    });
    let mut components = Map::new();
    match &api.auth {
        Auth::Header { name } => {
            components.insert(
                "securitySchemes".into(),
                json!({"apiKey": {"type": "apiKey", "in": "header", "name": name}}),
            );
            doc["security"] = json!([{"apiKey": []}]);
        }
        Auth::Bearer => {
            components.insert(
                "securitySchemes".into(),
                json!({"bearerAuth": {"type": "http", "scheme": "bearer"}}),
            );
            doc["security"] = json!([{"bearerAuth": []}]);
        }
        Auth::None => {}
    }
    if let Some(rl) = api.rate_limit {
        doc["x-rate-limit"] = json!({"requests": rl.requests, "per_seconds": rl.per_seconds});
    }
    if !api.error_models.is_empty() {
        doc["x-error-models"] = json!(api.error_models);
    }
    if !api.error_examples.is_empty() {
        doc["x-error-examples"] = json!(api
            .error_examples
            .iter()
            .map(|e| json!({"title": e.title, "status": e.status, "response": parse_or_text(e.response.as_deref().unwrap_or("null"))}))
            .collect::<Vec<_>>());
    }
    let mut paths = Map::new();
    for ep in &api.endpoints {
        let item = paths.entry(ep.path.clone()).or_insert_with(|| json!({}));
        item[ep.method.as_str().to_ascii_lowercase()] = operation(api, ep);
    }
    doc["paths"] = Value::Object(paths);
    let mut schemas = Map::new();
    for m in &api.models {
        schemas.insert(m.name.clone(), model_schema(m));
    }
    for e in &api.enums {
        schemas.insert(e.name.clone(), enum_schema(e));
    }
    components.insert("schemas".into(), Value::Object(schemas));
    doc["components"] = Value::Object(components);
    doc
}
