//! Specs → OpenAPI 3.1: one document per API, `x-` extensions for what OpenAPI cannot say.
//!
//! What the spec accepts is said in standard JSON Schema too, so that a validator (Prism,
//! ajv…) accepts the document's own examples: a lenient number is `anyOf` the number and a
//! numeric string, an aliased field is declared under each name with an `anyOf` of
//! `required` alternatives, a `zero_as_none` date-time may be null. The `x-` extensions stay
//! beside them, so that importing an export gives back the same specs.

use heck::ToUpperCamelCase;
use hookspec_spec::{Api, Auth, Endpoint, EnumDef, Field, Model, Param, TypeRef, rust_ident};
use serde_json::{Map, Value, json};

fn schema_ref(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

/// The JSON Schema of a spec type.
pub(super) fn type_schema(ty: &TypeRef) -> Value {
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
            "anyOf": [{"type": "integer", "format": "int64"}, {"type": "string", "pattern": INTEGER_TEXT}],
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

/// The text of a number a lenient integer field accepts (what `str::parse` takes once trimmed).
const INTEGER_TEXT: &str = r"^\s*[+-]?[0-9]+\s*$";
/// The text of a number a lenient float field accepts (decimal, with an optional exponent).
const NUMBER_TEXT: &str = r"^\s*[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?\s*$";

/// The schema of a `lenient` field's type: a number may arrive as a string and a string as a
/// number (inside arrays and maps too).
fn lenient_schema(ty: &TypeRef) -> Value {
    match ty {
        TypeRef::Integer | TypeRef::UnixSeconds => {
            json!({"anyOf": [type_schema(ty), {"type": "string", "pattern": INTEGER_TEXT}]})
        }
        TypeRef::Float => {
            json!({"anyOf": [type_schema(ty), {"type": "string", "pattern": NUMBER_TEXT}]})
        }
        TypeRef::String | TypeRef::Enum(_) => {
            json!({"anyOf": [type_schema(ty), {"type": "number"}]})
        }
        TypeRef::Array(inner) => json!({"type": "array", "items": lenient_schema(inner)}),
        TypeRef::Map(inner) => {
            json!({"type": "object", "additionalProperties": lenient_schema(inner)})
        }
        _ => type_schema(ty),
    }
}

/// `schema`, accepting `null` too: `type: [T, "null"]`, or a `{type: null}` alternative.
fn with_null(mut schema: Value) -> Value {
    if let Some(t) = schema
        .get("type")
        .and_then(Value::as_str)
        .map(str::to_owned)
    {
        schema["type"] = json!([t, "null"]);
        schema
    } else if let Some(alts) = schema.get_mut("anyOf").and_then(Value::as_array_mut) {
        alts.push(json!({"type": "null"}));
        schema
    } else if schema.get("$ref").is_some() {
        json!({"anyOf": [schema, {"type": "null"}]})
    } else {
        schema // no type: anything, null included
    }
}

/// The schema of a field's values (under its name or any alias).
fn value_schema(f: &Field) -> Value {
    let s = if f.lenient {
        lenient_schema(&f.ty)
    } else {
        type_schema(&f.ty)
    };
    // A zero-time field decodes `null` as `None` too.
    if f.nullable || f.zero_as_none {
        with_null(s)
    } else {
        s
    }
}

fn field_schema(f: &Field) -> Value {
    let mut s = value_schema(f);
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

/// The property of an alias: the field's values, and which field it stands for.
fn alias_schema(f: &Field) -> Value {
    let mut s = value_schema(f);
    s["description"] = json!(format!(
        "Another name of `{}`, accepted when decoding.",
        f.name
    ));
    s["x-alias-of"] = json!(f.name);
    s
}

/// A model's schema; `deny_unknown` (the model's, else the API's) is `additionalProperties:
/// false`.
fn model_schema(m: &Model, deny_unknown: bool) -> Value {
    let mut props = Map::new();
    let mut required = Vec::new();
    // Object-level constraints: `oneOf` per "exactly one of" group, `anyOf` per required
    // field with aliases (it must be there under one of its names).
    let mut constraints: Vec<Value> = m
        .one_of
        .iter()
        .map(|g| json!({"oneOf": g.members.iter().map(|x| json!({"required": [x]})).collect::<Vec<_>>()}))
        .collect();
    for f in &m.fields {
        props.insert(f.name.clone(), field_schema(f));
        for a in &f.aliases {
            props.insert(a.clone(), alias_schema(f));
        }
        if !f.optional && m.group_of(&f.name).is_none() {
            if f.aliases.is_empty() {
                required.push(json!(f.name));
            } else {
                let names = std::iter::once(&f.name).chain(&f.aliases);
                constraints.push(
                    json!({"anyOf": names.map(|n| json!({"required": [n]})).collect::<Vec<_>>()}),
                );
            }
        }
    }
    let mut s = json!({"type": "object", "properties": props, "required": required});
    if deny_unknown {
        s["additionalProperties"] = json!(false);
    }
    if !m.doc.is_empty() {
        s["description"] = json!(m.doc);
    }
    match constraints.len() {
        0 => {}
        1 => {
            let (k, v) = constraints[0]
                .as_object()
                .and_then(|c| c.iter().next())
                .expect("one keyword");
            s[k] = v.clone();
        }
        _ => s["allOf"] = json!(constraints),
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
        s["examples"] = json!([ex]);
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
        v["example"] = param_example(&p.ty, ex);
    }
    if rust_ident(&p.name).as_deref() != Some(p.rust_name.as_str()) {
        v["x-rust-name"] = json!(p.rust_name);
    }
    if let Some(list) = &p.list {
        v["style"] = json!("form");
        v["explode"] = json!(list.explode);
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

/// A parameter's example (spec text) as the JSON value its schema describes: a number for a
/// number, unless that would change the text.
fn param_example(ty: &TypeRef, text: &str) -> Value {
    // A list parameter's example is one item (what the generated doc example passes).
    if let TypeRef::Array(inner) = ty {
        return json!([param_example(inner, text)]);
    }
    let typed = match ty {
        TypeRef::Integer | TypeRef::UnixSeconds | TypeRef::UnixMillis => {
            text.parse::<i64>().ok().map(Value::from)
        }
        TypeRef::Float => text.parse::<f64>().ok().map(Value::from),
        TypeRef::Bool => text.parse::<bool>().ok().map(Value::from),
        _ => None,
    };
    typed
        .filter(|v| serde_json::to_string(v).is_ok_and(|t| t == text))
        .unwrap_or_else(|| json!(text))
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
    // Standard example objects, for the tools that read OpenAPI; `x-examples` (below) keeps
    // each example whole (title, status, path parameters) for the import.
    let named = |examples: &mut dyn Iterator<Item = (usize, &hookspec_spec::Example, &String)>| {
        examples
            .map(|(i, ex, value)| {
                let mut e = json!({"value": parse_or_text(value)});
                if !ex.title.is_empty() {
                    e["summary"] = json!(ex.title);
                }
                (format!("example{}", i + 1), e)
            })
            .collect::<Map<String, Value>>()
    };
    let numbered = || ep.examples.iter().enumerate();
    if let Some(b) = &ep.body {
        let mut content = json!({"schema": schema_ref(&b.model)});
        let examples =
            named(&mut numbered().filter_map(|(i, ex)| Some((i, ex, ex.request.as_ref()?))));
        if !examples.is_empty() {
            content["examples"] = Value::Object(examples);
        }
        let mut body = json!({"required": true, "content": {"application/json": content}});
        if !b.doc.is_empty() {
            body["description"] = json!(b.doc);
        }
        op["requestBody"] = body;
    }
    // 2xx examples are checked against the response type: they go with the success response.
    let ok = ep.response.ty.as_ref().map(|ty| {
        let mut ok = json!({"schema": type_schema(ty)});
        let examples = named(&mut numbered().filter_map(|(i, ex)| {
            Some((i, ex, ex.response.as_ref()?)).filter(|_| (200..300).contains(&ex.status))
        }));
        if !examples.is_empty() {
            ok["examples"] = Value::Object(examples);
        }
        ok
    });
    let description = if ep.response.doc.is_empty() {
        "Success".to_owned()
    } else {
        ep.response.doc.clone()
    };
    let mut responses = Map::new();
    // A response without a type has no content (a 204).
    let mut success = json!({"description": description});
    if let Some(ok) = ok {
        success["content"] = json!({"application/json": ok});
    }
    responses.insert(ep.response.status.to_string(), success);
    let error_schema = match api.error_models.as_slice() {
        [] => None,
        [one] => Some(schema_ref(one)),
        many => Some(json!({"anyOf": many.iter().map(|m| schema_ref(m)).collect::<Vec<_>>()})),
    };
    let fits_error_model = |text: &str| {
        serde_json::from_str::<Value>(text).is_ok_and(|v| {
            api.error_models
                .iter()
                .any(|m| api.check_value(&TypeRef::Model(m.clone()), &v).is_empty())
        })
    };
    // Other statuses: a response of their own, with the error schema when its examples fit it.
    let mut statuses: Vec<u16> = ep
        .examples
        .iter()
        .filter(|ex| ex.response.is_some() && !(200..300).contains(&ex.status))
        .map(|ex| ex.status)
        .collect();
    statuses.sort_unstable();
    statuses.dedup();
    for status in statuses {
        let picked: Vec<(usize, &hookspec_spec::Example, &String)> = numbered()
            .filter_map(|(i, ex)| {
                Some((i, ex, ex.response.as_ref()?)).filter(|_| ex.status == status)
            })
            .collect();
        let mut content = json!({"examples": named(&mut picked.iter().copied())});
        if let Some(schema) = &error_schema
            && picked.iter().all(|(_, _, text)| fits_error_model(text))
        {
            content["schema"] = schema.clone();
        }
        responses.insert(
            status.to_string(),
            json!({"description": format!("Example response with status {status}"), "content": {"application/json": content}}),
        );
    }
    // Error responses as the ranges `4XX` and `5XX` rather than `default`: that is what they
    // mean, and a generator that wants one type per outcome (progenitor) reads `default` as a
    // success too. The API's error examples go with their status class.
    if let Some(schema) = error_schema {
        for class in [4, 5] {
            let mut content = json!({"schema": schema});
            let examples: Map<String, Value> = api
                .error_examples
                .iter()
                .enumerate()
                .filter(|(_, ex)| (ex.status / 100 == 5) == (class == 5))
                .filter_map(|(i, ex)| {
                    let mut e = json!({"value": parse_or_text(ex.response.as_deref()?)});
                    let title = if ex.title.is_empty() {
                        "Error"
                    } else {
                        &ex.title
                    };
                    e["summary"] = json!(format!("{title} (status {})", ex.status));
                    Some((format!("error{}", i + 1), e))
                })
                .collect();
            if !examples.is_empty() {
                content["examples"] = Value::Object(examples);
            }
            responses.insert(
                format!("{class}XX"),
                json!({"description": "Error response, in one of the API's error models", "content": {"application/json": content}}),
            );
        }
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
    if let Some(pg) = &ep.pagination {
        op["x-hookspec-pagination"] = pagination_json(pg);
    }
    if let Some(e) = &ep.emulator {
        op["x-hookspec-emulator"] = emulation_json(e);
    }
    op
}

/// `[pagination]` as the `x-hookspec-pagination` extension: the spec's keys, as written.
fn pagination_json(pg: &hookspec_spec::Pagination) -> Value {
    let mut v = json!({"style": pg.style.as_str(), "param": pg.param, "items": pg.items});
    match &pg.style {
        hookspec_spec::PageStyle::Page {
            first_page,
            next,
            total_pages,
        } => {
            v["first_page"] = json!(first_page);
            if let Some(n) = next {
                v["next"] = json!(n);
            }
            if let Some(t) = total_pages {
                v["total_pages"] = json!(t);
            }
        }
        hookspec_spec::PageStyle::Cursor { next_cursor } => {
            v["next_cursor"] = json!(next_cursor);
        }
    }
    v
}

/// `[emulator]` as `x-hookspec-emulator` (the keys of the spec, only those given).
fn emulation_json(e: &hookspec_spec::Emulation) -> Value {
    let pairs = |v: &[(String, String)]| {
        v.iter()
            .map(|(a, b)| (a.clone(), json!(b)))
            .collect::<Map<_, _>>()
    };
    let mut o = Map::new();
    if let Some(r) = &e.resource {
        o.insert("resource".into(), json!(r));
    }
    if let Some(op) = e.op {
        o.insert("op".into(), json!(op.as_str()));
    }
    if let Some(p) = &e.id_param {
        o.insert("id_param".into(), json!(p));
    }
    if !e.filters.is_empty() {
        o.insert("filters".into(), Value::Object(pairs(&e.filters)));
    }
    if !e.set.is_empty() {
        o.insert("set".into(), Value::Object(pairs(&e.set)));
    }
    if let Some((r, p)) = &e.parent {
        o.insert("parent".into(), json!({ r: p }));
    }
    if let Some(f) = &e.items_field {
        o.insert("items_field".into(), json!(f));
    }
    let v = &e.list_view;
    if !(v.nulls.is_empty() && v.rename.is_empty() && v.set.is_empty()) {
        let mut lv = Map::new();
        if !v.nulls.is_empty() {
            lv.insert("nulls".into(), json!(v.nulls));
        }
        if !v.rename.is_empty() {
            lv.insert("rename".into(), Value::Object(pairs(&v.rename)));
        }
        if !v.set.is_empty() {
            lv.insert(
                "set".into(),
                v.set
                    .iter()
                    .map(|(k, x)| (k.clone(), x.clone()))
                    .collect::<Map<_, _>>()
                    .into(),
            );
        }
        o.insert("list_view".into(), Value::Object(lv));
    }
    if let Some(r) = &e.response {
        o.insert("response".into(), r.clone());
    }
    if let Some(f) = &e.effect {
        o.insert("effect".into(), json!(f));
    }
    if !e.in_range.is_empty() {
        o.insert("in_range".into(), Value::Object(pairs(&e.in_range)));
    }
    if let Some(p) = &e.paging {
        let mut pg = Map::new();
        if let Some(s) = &p.size_param {
            pg.insert("size_param".into(), json!(s));
        }
        pg.insert("default_size".into(), json!(p.default_size));
        if let Some(m) = p.max_size {
            pg.insert("max_size".into(), json!(m));
        }
        for (key, field) in [
            ("total", &p.total),
            ("page", &p.page),
            ("size", &p.size),
            ("prev", &p.prev),
        ] {
            if let Some(f) = field {
                pg.insert(key.into(), json!(f));
            }
        }
        o.insert("paging".into(), Value::Object(pg));
    }
    Value::Object(o)
}

/// `[resources.*]` as `x-hookspec-resources`.
fn resources_json(api: &Api) -> Value {
    api.resources
        .iter()
        .map(|r| {
            let mut o = json!({"model": r.model, "id": r.id_field, "not_found": r.not_found, "seed": r.seed});
            if let Some(c) = &r.created_field {
                o["created"] = json!(c);
            }
            if let Some(u) = &r.updated_field {
                o["updated"] = json!(u);
            }
            if !r.unique.is_empty() {
                o["unique"] = json!(r.unique);
            }
            if !r.defaults.is_empty() {
                o["defaults"] = Value::Object(r.defaults.clone());
            }
            (r.name.clone(), o)
        })
        .collect::<Map<_, _>>()
        .into()
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
    if let Some((webhooks, ext)) = super::webhooks::export(api) {
        doc["webhooks"] = webhooks;
        doc["x-hookspec-webhooks"] = ext;
    }
    let mut schemas = Map::new();
    for m in &api.models {
        schemas.insert(m.name.clone(), model_schema(m, api.denies_unknown(m)));
    }
    for e in &api.enums {
        schemas.insert(e.name.clone(), enum_schema(e));
    }
    components.insert("schemas".into(), Value::Object(schemas));
    doc["components"] = Value::Object(components);
    if !api.resources.is_empty() {
        doc["x-hookspec-resources"] = resources_json(api);
    }
    doc
}
