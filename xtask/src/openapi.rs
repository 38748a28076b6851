//! Specs → OpenAPI 3.1 ([`export`]) and OpenAPI 3.0/3.1 → spec files ([`import`]).
//!
//! What OpenAPI cannot say is kept in `x-` extensions (`x-idempotent`, `x-rate-limit`,
//! `x-aliases`, `x-zero-as-none`, `x-lenient`, `x-boxed`, `x-rust-name`, `x-one-of`, `x-examples`…), so
//! that importing an exported document gives back the same specs.

use heck::{ToSnakeCase, ToUpperCamelCase};
use hookspec_spec::{Api, Auth, Endpoint, EnumDef, Field, Model, Param, TypeRef, rust_ident};
use serde_json::{Map, Value, json};

/// Pretty JSON with a trailing newline.
pub fn to_string(doc: &Value) -> String {
    let mut s = serde_json::to_string_pretty(doc).unwrap_or_default();
    s.push('\n');
    s
}

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

// ---------------------------------------------------------------------------------------
// Import
// ---------------------------------------------------------------------------------------

/// The spec files an OpenAPI document turns into, and what could not be expressed.
#[derive(Debug, Default)]
pub struct Imported {
    /// `(file name, TOML text)`, `api.toml` first.
    pub files: Vec<(String, String)>,
    /// What the import dropped or simplified, one line each.
    pub warnings: Vec<String>,
}

/// TOML text of a string: a multi-line literal when that reads better, else a basic string.
fn toml_str(s: &str) -> String {
    let plain = !s.chars().any(|c| c.is_control() && c != '\n' && c != '\t');
    if s.contains('\n') && plain && !s.contains("'''") && !s.ends_with('\'') {
        format!("'''\n{s}'''")
    } else {
        toml::Value::String(s.to_owned()).to_string()
    }
}

fn toml_key(k: &str) -> String {
    if !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        k.to_owned()
    } else {
        toml::Value::String(k.to_owned()).to_string()
    }
}

fn json_text(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default()
}

struct Importer<'a> {
    doc: &'a Value,
    warnings: Vec<String>,
    /// Models created for inline object schemas: (name, schema).
    extra_models: Vec<(String, Value)>,
}

impl Importer<'_> {
    fn warn(&mut self, w: String) {
        self.warnings.push(w);
    }

    fn resolve_ref<'v>(&self, v: &'v Value) -> Option<&'v str> {
        v.get("$ref")?
            .as_str()?
            .strip_prefix("#/components/schemas/")
    }

    /// A spec type for a schema (inline objects become models named `context`).
    fn type_of(&mut self, s: &Value, context: &str) -> (String, bool) {
        if let Some(name) = self.resolve_ref(s) {
            return (name.to_owned(), false);
        }
        // `anyOf: [X, {type: null}]` and `type: [T, "null"]`: nullable.
        if let Some(alts) = s
            .get("anyOf")
            .or_else(|| s.get("oneOf"))
            .and_then(Value::as_array)
        {
            let non_null: Vec<&Value> = alts
                .iter()
                .filter(|a| a.get("type") != Some(&json!("null")))
                .collect();
            if non_null.len() == 1 && alts.len() == 2 && s.get("properties").is_none() {
                let (t, _) = self.type_of(non_null[0], context);
                return (t, true);
            }
        }
        let (ty, nullable) = match s.get("type") {
            Some(Value::Array(ts)) => {
                let nullable = ts.contains(&json!("null"));
                let others: Vec<&str> = ts
                    .iter()
                    .filter_map(Value::as_str)
                    .filter(|t| *t != "null")
                    .collect();
                (others.first().copied().unwrap_or(""), nullable)
            }
            Some(Value::String(t)) => (t.as_str(), s.get("nullable") == Some(&json!(true))),
            _ => ("", s.get("nullable") == Some(&json!(true))),
        };
        let t = match ty {
            "string" if s.get("format") == Some(&json!("date-time")) => "datetime".to_owned(),
            "string" => {
                if s.get("enum").is_some() {
                    self.warn(format!("{context}: inline enum kept as string"));
                }
                "string".to_owned()
            }
            "integer" if s.get("x-hookspec-type") == Some(&json!("unix_seconds")) => {
                "unix_seconds".to_owned()
            }
            "integer" => "integer".to_owned(),
            "number" => "float".to_owned(),
            "boolean" => "bool".to_owned(),
            "array" => {
                let items = s.get("items").cloned().unwrap_or(json!({}));
                format!(
                    "array<{}>",
                    self.type_of(&items, &format!("{context}Item")).0
                )
            }
            "object" if s.get("properties").is_some() => {
                let name = context.to_upper_camel_case();
                self.extra_models.push((name.clone(), s.clone()));
                name
            }
            "object" => match s.get("additionalProperties") {
                Some(ap) if ap.is_object() => {
                    format!("map<{}>", self.type_of(ap, &format!("{context}Value")).0)
                }
                _ => "map<json>".to_owned(),
            },
            "" if s
                .as_object()
                .is_some_and(|o| o.keys().all(|k| k.starts_with("x-") || k == "description")) =>
            {
                if s.get("x-hookspec-type") == Some(&json!("raw_json")) {
                    "raw_json".to_owned()
                } else {
                    "json".to_owned()
                }
            }
            other => {
                self.warn(format!(
                    "{context}: schema {} not expressible; kept as json",
                    if other.is_empty() {
                        "without a type"
                    } else {
                        other
                    }
                ));
                "json".to_owned()
            }
        };
        (t, nullable)
    }

    fn model_toml(&mut self, table: &str, name: &str, s: &Value) -> String {
        let mut out = String::new();
        if let Some(d) = s.get("description").and_then(Value::as_str) {
            out.push_str(&format!("\n[{table}]\ndoc = {}\n", toml_str(d)));
        } else {
            out.push_str(&format!("\n[{table}]\n"));
        }
        if let Some(ex) = s.get("example") {
            out.push_str(&format!("example = {}\n", toml_str(&json_text(ex))));
        }
        let required: Vec<&str> = s
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let groups: Vec<Value> = match s.get("x-one-of").and_then(Value::as_array) {
            Some(g) => g.clone(),
            None => {
                // Plain OpenAPI: `oneOf: [{required: [a]}, {required: [b]}]`.
                let members: Option<Vec<Value>> =
                    s.get("oneOf").and_then(Value::as_array).map(|alts| {
                        alts.iter()
                            .filter_map(|a| a.get("required")?.as_array()?.first().cloned())
                            .collect()
                    });
                match members {
                    Some(m) if m.len() >= 2 => vec![
                        json!({"field": "choice", "type_name": format!("{name}Choice"), "doc": "", "members": m}),
                    ],
                    _ => Vec::new(),
                }
            }
        };
        let in_group = |f: &str| {
            groups.iter().any(|g| {
                g["members"]
                    .as_array()
                    .is_some_and(|m| m.contains(&json!(f)))
            })
        };
        let props = s
            .get("properties")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        for (fname, fs) in &props {
            let context = format!("{name}{}", fname.to_upper_camel_case());
            let (ty, nullable) = self.type_of(fs, &context);
            let nullable = nullable || fs.get("x-nullable") == Some(&json!(true));
            out.push_str(&format!(
                "\n[{table}.fields.{}]\ntype = {}\n",
                toml_key(fname),
                toml_str(&ty)
            ));
            if !required.contains(&fname.as_str()) && !in_group(fname) {
                out.push_str("optional = true\n");
            }
            if nullable {
                out.push_str("nullable = true\n");
            }
            if let Some(a) = fs.get("x-aliases").and_then(Value::as_array) {
                let list: Vec<String> = a.iter().filter_map(Value::as_str).map(toml_str).collect();
                out.push_str(&format!("aliases = [{}]\n", list.join(", ")));
            }
            for (x, key) in [
                ("x-zero-as-none", "zero_as_none"),
                ("x-lenient", "lenient"),
                ("x-boxed", "boxed"),
            ] {
                if fs.get(x) == Some(&json!(true)) {
                    out.push_str(&format!("{key} = true\n"));
                }
            }
            if let Some(r) = fs.get("x-rust-name").and_then(Value::as_str) {
                out.push_str(&format!("rust_name = {}\n", toml_str(r)));
            }
            if let Some(d) = fs.get("description").and_then(Value::as_str) {
                out.push_str(&format!("doc = {}\n", toml_str(d)));
            }
        }
        for g in &groups {
            out.push_str(&format!("\n[[{table}.one_of]]\n"));
            for key in ["field", "type_name", "doc"] {
                if let Some(v) = g.get(key).and_then(Value::as_str).filter(|v| !v.is_empty()) {
                    out.push_str(&format!("{key} = {}\n", toml_str(v)));
                }
            }
            let members: Vec<String> = g["members"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(toml_str)
                .collect();
            out.push_str(&format!("members = [{}]\n", members.join(", ")));
        }
        out
    }

    fn enum_toml(&mut self, name: &str, s: &Value) -> String {
        let mut out = format!("\n[enums.{name}]\n");
        if let Some(d) = s.get("description").and_then(Value::as_str) {
            out.push_str(&format!("doc = {}\n", toml_str(d)));
        }
        out.push_str("values = [\n");
        for v in s
            .get("enum")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Some(v) = v.as_str() else {
                self.warn(format!("enum {name}: non-string value {v} dropped"));
                continue;
            };
            let mut item = format!("  {{ value = {}", toml_str(v));
            if let Some(d) = s
                .pointer(&format!(
                    "/x-enum-descriptions/{}",
                    v.replace('~', "~0").replace('/', "~1")
                ))
                .and_then(Value::as_str)
            {
                item.push_str(&format!(", doc = {}", toml_str(d)));
            }
            if let Some(r) = s
                .get("x-enum-rust-names")
                .and_then(|m| m.get(v))
                .and_then(Value::as_str)
            {
                item.push_str(&format!(", rust_name = {}", toml_str(r)));
            }
            item.push_str(" },\n");
            out.push_str(&item);
        }
        out.push_str("]\n");
        out
    }

    fn is_enum(s: &Value) -> bool {
        s.get("type") == Some(&json!("string")) && s.get("enum").is_some()
    }

    fn drain_extra_models(&mut self) -> String {
        let mut out = String::new();
        while let Some((name, schema)) = self.extra_models.pop() {
            out.push_str(&self.model_toml(&format!("models.{name}"), &name, &schema));
        }
        out
    }
}

/// Converts an OpenAPI 3.0 or 3.1 document into the spec files of API `name`.
pub fn import(doc: &Value, name: &str) -> Result<Imported, String> {
    let version = doc.get("openapi").and_then(Value::as_str).unwrap_or("");
    if !(version.starts_with("3.0") || version.starts_with("3.1")) {
        return Err(format!(
            "not an OpenAPI 3.0/3.1 document (openapi = {version:?})"
        ));
    }
    let mut im = Importer {
        doc,
        warnings: Vec::new(),
        extra_models: Vec::new(),
    };
    let mut api = format!("name = {}\n", toml_str(name));
    if let Some(t) = doc.pointer("/info/title").and_then(Value::as_str) {
        api.push_str(&format!("title = {}\n", toml_str(t)));
    }
    if let Some(d) = doc.pointer("/info/description").and_then(Value::as_str) {
        api.push_str(&format!("doc = {}\n", toml_str(d)));
    }
    let base = doc
        .pointer("/servers/0/url")
        .and_then(Value::as_str)
        .unwrap_or_else(|| {
            im.warnings
                .push("no servers[0].url: base_url set to https://example.invalid".into());
            "https://example.invalid"
        });
    api.push_str(&format!("base_url = {}\n", toml_str(base)));
    // Security: the first scheme hookspec can express.
    let schemes = doc
        .pointer("/components/securitySchemes")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let mut auth_done = false;
    for (sname, s) in &schemes {
        let kind = (
            s.get("type").and_then(Value::as_str),
            s.get("in").and_then(Value::as_str),
            s.get("scheme").and_then(Value::as_str),
        );
        match kind {
            (Some("apiKey"), Some("header"), _) if !auth_done => {
                let h = s.get("name").and_then(Value::as_str).unwrap_or("X-API-Key");
                api.push_str(&format!("\n[auth]\nscheme = \"header\"\nheader = {}\n", toml_str(h)));
                auth_done = true;
            }
            (Some("http"), _, Some(b)) if b.eq_ignore_ascii_case("bearer") && !auth_done => {
                api.push_str("\n[auth]\nscheme = \"bearer\"\n");
                auth_done = true;
            }
            _ => im.warn(format!("security scheme `{sname}` not expressible (hookspec knows header API keys and bearer tokens)")),
        }
    }
    if let Some(rl) = doc.get("x-rate-limit") {
        api.push_str(&format!(
            "\n[rate_limit]\nrequests = {}\nper_seconds = {}\n",
            rl.get("requests").and_then(Value::as_u64).unwrap_or(1),
            rl.get("per_seconds").and_then(Value::as_u64).unwrap_or(1)
        ));
    }
    let error_models: Vec<String> = match doc.get("x-error-models").and_then(Value::as_array) {
        Some(m) => m
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        None => error_models_from_responses(doc),
    };
    if !error_models.is_empty() {
        let list: Vec<String> = error_models.iter().map(|m| toml_str(m)).collect();
        api.push_str(&format!("\n[errors]\nmodels = [{}]\n", list.join(", ")));
        for ex in doc
            .get("x-error-examples")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            api.push_str("\n[[errors.examples]]\n");
            if let Some(t) = ex.get("title").and_then(Value::as_str) {
                api.push_str(&format!("title = {}\n", toml_str(t)));
            }
            api.push_str(&format!(
                "status = {}\n",
                ex.get("status").and_then(Value::as_u64).unwrap_or(400)
            ));
            if let Some(r) = ex.get("response") {
                api.push_str(&format!("response = {}\n", toml_str(&json_text(r))));
            }
        }
    }
    let schemas = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    for (sname, s) in &schemas {
        if Importer::is_enum(s) {
            api.push_str(&im.enum_toml(sname, s));
        } else if s.get("properties").is_some() || s.get("type") == Some(&json!("object")) {
            api.push_str(&im.model_toml(&format!("models.{sname}"), sname, s));
        } else {
            im.warn(format!(
                "schema `{sname}` is neither an object nor a string enum; not imported"
            ));
        }
    }
    api.push_str(&im.drain_extra_models());
    let mut files = vec![("api.toml".to_owned(), api)];
    let paths = doc
        .get("paths")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    for (path, item) in &paths {
        for (method, op) in item.as_object().into_iter().flatten() {
            let m = method.to_ascii_uppercase();
            if !["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"].contains(&m.as_str()) {
                if !["parameters", "summary", "description", "servers"].contains(&method.as_str()) {
                    im.warn(format!("{method} {path}: method not supported"));
                }
                continue;
            }
            let (file, text) = import_operation(&mut im, path, &m, op);
            files.push((file, text));
        }
    }
    if !im.extra_models.is_empty() {
        let extra = im.drain_extra_models();
        files[0].1.push_str(&extra);
    }
    Ok(Imported {
        files,
        warnings: im.warnings,
    })
}

fn error_models_from_responses(doc: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for item in doc
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(_, v)| v)
    {
        for op in item.as_object().into_iter().flatten().map(|(_, v)| v) {
            for (code, r) in op
                .get("responses")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                if code == "default" || code.starts_with('4') || code.starts_with('5') {
                    let schema = r.pointer("/content/application~1json/schema");
                    let alts: Vec<&Value> = match schema
                        .and_then(|s| s.get("anyOf").or_else(|| s.get("oneOf")))
                        .and_then(Value::as_array)
                    {
                        Some(a) => a.iter().collect(),
                        None => schema.into_iter().collect(),
                    };
                    for a in alts {
                        if let Some(n) = a
                            .get("$ref")
                            .and_then(Value::as_str)
                            .and_then(|r| r.strip_prefix("#/components/schemas/"))
                            && !out.iter().any(|o: &String| o == n)
                        {
                            out.push(n.to_owned());
                        }
                    }
                }
            }
        }
    }
    out
}

fn import_operation(
    im: &mut Importer<'_>,
    path: &str,
    method: &str,
    op: &Value,
) -> (String, String) {
    let op_id = op
        .get("operationId")
        .and_then(Value::as_str)
        .map(|s| s.to_snake_case())
        .unwrap_or_else(|| {
            format!(
                "{}_{}",
                method.to_ascii_lowercase(),
                path.replace(['/', '{', '}', '-'], "_").trim_matches('_')
            )
            .to_snake_case()
        });
    let mut out = String::new();
    if let Some(s) = op.get("summary").and_then(Value::as_str) {
        out.push_str(&format!("summary = {}\n", toml_str(s)));
    }
    if let Some(d) = op.get("description").and_then(Value::as_str) {
        out.push_str(&format!("doc = {}\n", toml_str(d)));
    }
    out.push_str(&format!("method = \"{method}\"\n"));
    // Path placeholders must be snake_case: rename them (the wire path does not change).
    let mut new_path = String::new();
    let mut rest = path;
    let mut renames = Vec::new();
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        let pname = &rest[open + 1..open + close];
        let snake = pname.to_snake_case();
        if snake != pname {
            renames.push((pname.to_owned(), snake.clone()));
        }
        new_path.push_str(&rest[..open]);
        new_path.push_str(&format!("{{{snake}}}"));
        rest = &rest[open + close + 1..];
    }
    new_path.push_str(rest);
    out.push_str(&format!("path = {}\n", toml_str(&new_path)));
    if let Some(i) = op.get("x-idempotent").and_then(Value::as_bool) {
        out.push_str(&format!("idempotent = {i}\n"));
    }
    for p in op
        .get("parameters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let p = match im.resolve_param(p) {
            Some(p) => p,
            None => {
                im.warn(format!(
                    "{op_id}: parameter reference not resolved; dropped"
                ));
                continue;
            }
        };
        let pname = p.get("name").and_then(Value::as_str).unwrap_or("");
        let place = p.get("in").and_then(Value::as_str).unwrap_or("");
        let table = match place {
            "path" => "path_params",
            "query" => "query",
            "header" => "headers",
            other => {
                im.warn(format!(
                    "{op_id}: parameter `{pname}` in {other} not supported; dropped"
                ));
                continue;
            }
        };
        let key = if place == "path" {
            pname.to_snake_case()
        } else {
            pname.to_owned()
        };
        let schema = p
            .get("schema")
            .cloned()
            .unwrap_or(json!({"type": "string"}));
        let (ty, _) = im.type_of(&schema, &format!("{op_id}_{pname}"));
        out.push_str(&format!(
            "\n[{table}.{}]\ntype = {}\n",
            toml_key(&key),
            toml_str(&ty)
        ));
        if place != "path" && p.get("required") != Some(&json!(true)) {
            out.push_str("optional = true\n");
        }
        if let Some(d) = p.get("description").and_then(Value::as_str) {
            out.push_str(&format!("doc = {}\n", toml_str(d)));
        }
        if let Some(e) = p.get("example") {
            let text = e.as_str().map_or_else(|| e.to_string(), str::to_owned);
            out.push_str(&format!("example = {}\n", toml_str(&text)));
        }
        if let Some(r) = p.get("x-rust-name").and_then(Value::as_str) {
            out.push_str(&format!("rust_name = {}\n", toml_str(r)));
        }
    }
    if let Some(body) = op.get("requestBody") {
        match body.pointer("/content/application~1json/schema") {
            Some(schema) => {
                let pascal = op_id.to_upper_camel_case();
                if let Some(r) = im.resolve_ref(schema) {
                    out.push_str(&format!("\n[body]\ntype = {}\n", toml_str(r)));
                    if let Some(d) = body.get("description").and_then(Value::as_str) {
                        out.push_str(&format!("doc = {}\n", toml_str(d)));
                    }
                } else {
                    let model = im.model_toml("body", &format!("{pascal}Request"), schema);
                    out.push_str(&model);
                }
            }
            None => im.warn(format!(
                "{op_id}: request body is not application/json; dropped"
            )),
        }
    }
    let responses = op
        .get("responses")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let success = responses.iter().find(|(code, _)| code.starts_with('2'));
    let (status, resp) = match success {
        Some((code, r)) => (code.parse::<u16>().unwrap_or(200), r.clone()),
        None => {
            im.warn(format!(
                "{op_id}: no 2xx response; assuming 200 with any JSON"
            ));
            (200, json!({}))
        }
    };
    let ty = match resp.pointer("/content/application~1json/schema") {
        Some(s) => {
            im.type_of(s, &format!("{}Response", op_id.to_upper_camel_case()))
                .0
        }
        None => "json".to_owned(),
    };
    out.push_str(&format!("\n[response]\ntype = {}\n", toml_str(&ty)));
    if status != 200 {
        out.push_str(&format!("status = {status}\n"));
    }
    if let Some(d) = resp
        .get("description")
        .and_then(Value::as_str)
        .filter(|d| *d != "Success")
    {
        out.push_str(&format!("doc = {}\n", toml_str(d)));
    }
    let examples: Vec<Value> = match op.get("x-examples").and_then(Value::as_array) {
        Some(x) => x.clone(),
        None => resp
            .pointer("/content/application~1json/examples")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .map(|(_, e)| json!({"title": e.get("summary").cloned().unwrap_or(json!("")), "status": status, "response": e.get("value").cloned().unwrap_or(Value::Null)}))
            .collect(),
    };
    for ex in examples {
        out.push_str("\n[[examples]]\n");
        if let Some(t) = ex
            .get("title")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
        {
            out.push_str(&format!("title = {}\n", toml_str(t)));
        }
        if let Some(s) = ex
            .get("status")
            .and_then(Value::as_u64)
            .filter(|s| *s != 200)
        {
            out.push_str(&format!("status = {s}\n"));
        }
        if let Some(pp) = ex.get("path_params").and_then(Value::as_object) {
            let items: Vec<String> = pp
                .iter()
                .map(|(k, v)| {
                    format!(
                        "{} = {}",
                        toml_key(k),
                        toml_str(v.as_str().unwrap_or_default())
                    )
                })
                .collect();
            out.push_str(&format!("path_params = {{ {} }}\n", items.join(", ")));
        }
        for key in ["request", "response"] {
            if let Some(v) = ex.get(key) {
                out.push_str(&format!("{key} = {}\n", toml_str(&json_text(v))));
            }
        }
    }
    let _ = renames;
    (format!("{op_id}.toml"), out)
}

impl Importer<'_> {
    fn resolve_param(&self, p: &Value) -> Option<Value> {
        match p.get("$ref").and_then(Value::as_str) {
            Some(r) => {
                let ptr = r.strip_prefix('#')?;
                self.doc.pointer(ptr).cloned()
            }
            None => Some(p.clone()),
        }
    }
}
