//! `webhooks.toml` ⇄ OpenAPI 3.1 `webhooks`.
//!
//! Export: one entry per event type, the POST a receiver gets (the envelope with the tag fixed
//! and the data typed; the Standard Webhooks headers when the spec declares the scheme). What
//! OpenAPI cannot say (which fields are the tag, the data and the id, the nested form, the
//! limits) is in `x-hookspec-webhooks`, which also lists the events (doc, data type, example)
//! and the file's example, so that a 3.0 document, which has no `webhooks`, keeps them too.
//!
//! Import: `x-hookspec-webhooks` back into the file, exactly (the models and enums come back
//! as components, in `api.toml`). A third-party 3.1 document without it: one event type per
//! `webhooks` entry, its request body the payload — a single entry is an untagged file (the
//! body is the event); several are a tagged one when every body is an object with a property
//! whose `const` names its event (the tag) and a `data` or `payload` property (the data), the
//! envelope and the event enum made up from them; otherwise a warning and no file. A
//! `webhook-signature` header parameter means Standard Webhooks. A section of the wrong shape
//! is an [`ImportError::Malformed`] naming where.

use hookspec_spec::{Api, SignatureScheme, TypeRef, WebhookEventDef, Webhooks};
use serde_json::{Map, Value, json};

use super::export::type_schema;

fn data_schema(hooks: &Webhooks, e: &WebhookEventDef) -> Value {
    let flat = type_schema(&e.data);
    match hooks.tag.as_ref().and_then(|t| t.data_wrapper.as_ref()) {
        Some(w) => json!({"anyOf": [flat.clone(), {
            "type": "object",
            "required": [w],
            "properties": {w: flat},
            "additionalProperties": false
        }]}),
        None => flat,
    }
}

fn body_schema(hooks: &Webhooks, e: &WebhookEventDef) -> Value {
    match (&hooks.tag, &hooks.envelope) {
        (Some(tag), TypeRef::Model(_)) => json!({"allOf": [
            type_schema(&hooks.envelope),
            {"properties": {
                tag.field.clone(): {"const": e.name},
                tag.data_field.clone(): data_schema(hooks, e),
            }}
        ]}),
        _ => type_schema(&hooks.envelope),
    }
}

fn signature_headers(hooks: &Webhooks) -> Vec<Value> {
    match hooks.signature {
        None => Vec::new(),
        Some(SignatureScheme::StandardWebhooks { .. }) => [
            ("webhook-id", "Message id, the same for every retry of one message."),
            ("webhook-timestamp", "Seconds since the epoch when the message was sent."),
            ("webhook-signature", "Space-separated `v1,<base64 HMAC-SHA256 of id.timestamp.body>` signatures."),
        ]
        .into_iter()
        .map(|(name, doc)| {
            json!({"name": name, "in": "header", "required": true, "description": doc, "schema": {"type": "string"}})
        })
        .collect(),
    }
}

/// A spec's JSON text as a value (the loader has checked it; a string if it does not parse).
fn json_value(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_owned()))
}

/// The document's `webhooks` and `x-hookspec-webhooks`, when the API declares webhooks.
pub(super) fn export(api: &Api) -> Option<(Value, Value)> {
    let hooks = api.webhooks.as_ref()?;
    let mut out = Map::new();
    for e in &hooks.events {
        let mut content = json!({"schema": body_schema(hooks, e)});
        if let Some(ex) = hooks.example_for(e) {
            content["example"] = ex;
        }
        let mut op = json!({
            "operationId": format!("receive_{}", e.name.replace(['.', '-'], "_")),
            "summary": format!("`{}` delivery", e.name),
            "requestBody": {"required": true, "content": {"application/json": content}},
            "responses": {"2XX": {"description": "Received."}},
        });
        if !e.doc.is_empty() {
            op["description"] = json!(e.doc);
        }
        let headers = signature_headers(hooks);
        if !headers.is_empty() {
            op["parameters"] = Value::Array(headers);
        }
        out.insert(e.name.clone(), json!({"post": op}));
    }
    let mut ext = json!({
        "envelope": hooks.envelope.to_string(),
        "max_body_bytes": hooks.max_body_bytes,
    });
    if !hooks.doc.is_empty() {
        ext["doc"] = json!(hooks.doc);
    }
    if let Some(tag) = &hooks.tag {
        ext["tag"] = json!({"field": tag.field, "data_field": tag.data_field, "data_wrapper": tag.data_wrapper});
    }
    if let Some(id) = &hooks.id_field {
        // The spec keeps the field's Rust name; the file (and the extension) name it on the wire.
        let wire = match &hooks.envelope {
            TypeRef::Model(m) => api
                .model(m)
                .and_then(|m| m.fields.iter().find(|f| &f.rust_name == id))
                .map_or(id.as_str(), |f| f.name.as_str()),
            _ => id.as_str(),
        };
        ext["id_field"] = json!(wire);
    }
    if let Some(ex) = &hooks.example {
        ext["example"] = json_value(ex);
    }
    // Everything about the events, so that a 3.0 document (which has no `webhooks`) and a
    // 3.1 one give back the same file.
    ext["events"] = hooks
        .events
        .iter()
        .map(|e| {
            let mut ev = json!({"name": e.name, "data": e.data.to_string()});
            if !e.doc.is_empty() {
                ev["doc"] = json!(e.doc);
            }
            if hooks.tag.is_none() {
                ev["rust_name"] = json!(e.rust_name);
            }
            if let Some(ex) = &e.example {
                ev["example"] = json_value(ex);
            }
            ev
        })
        .collect();
    match hooks.signature {
        None => ext["signature"] = Value::Null,
        Some(SignatureScheme::StandardWebhooks { tolerance_seconds }) => {
            ext["signature"] =
                json!({"scheme": "standard_webhooks", "tolerance_seconds": tolerance_seconds});
        }
    }
    Some((Value::Object(out), ext))
}

// ---------------------------------------------------------------------------------------------
// Import: `x-hookspec-webhooks` (or, without it, a plain 3.1 `webhooks` section) → webhooks.toml

use heck::{ToSnakeCase, ToUpperCamelCase};
use hookspec_spec::{DEFAULT_MAX_BODY_BYTES, DEFAULT_TOLERANCE_SECONDS};

use super::ImportError;
use super::import::{Importer, json_text, toml_key, toml_str};

fn malformed(at: impl Into<String>, message: impl Into<String>) -> ImportError {
    ImportError::Malformed {
        at: at.into(),
        message: message.into(),
    }
}

/// `obj[key]` as a string: absent or null → `None`, another type → an error naming `at/key`.
fn opt_str<'v>(
    obj: &'v Map<String, Value>,
    at: &str,
    key: &str,
) -> Result<Option<&'v str>, ImportError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(malformed(
            format!("{at}/{key}"),
            format!("expected a string, found {other}"),
        )),
    }
}

fn req_str<'v>(obj: &'v Map<String, Value>, at: &str, key: &str) -> Result<&'v str, ImportError> {
    opt_str(obj, at, key)?
        .ok_or_else(|| malformed(format!("{at}/{key}"), "missing (a string is required)"))
}

fn opt_u64(obj: &Map<String, Value>, at: &str, key: &str) -> Result<Option<u64>, ImportError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => match v.as_u64() {
            Some(n) if n > 0 => Ok(Some(n)),
            _ => Err(malformed(
                format!("{at}/{key}"),
                format!("expected a positive integer, found {v}"),
            )),
        },
    }
}

fn as_object<'v>(v: &'v Value, at: &str) -> Result<&'v Map<String, Value>, ImportError> {
    v.as_object().ok_or_else(|| {
        malformed(
            at,
            format!(
                "expected an object, found {}",
                hookspec_spec::describe_json(v)
            ),
        )
    })
}

/// `webhooks.toml`'s text from the document, if it describes webhooks: from hookspec's
/// `x-hookspec-webhooks` when present (exact), else from a 3.1 `webhooks` section.
pub(super) fn import(im: &mut Importer<'_>) -> Result<Option<String>, ImportError> {
    let doc = im.doc;
    if let Some(ext) = doc.get("x-hookspec-webhooks") {
        return from_extension(ext).map(Some);
    }
    match doc.get("webhooks") {
        None | Some(Value::Null) => Ok(None),
        Some(w) => from_webhooks(im, as_object(w, "/webhooks")?),
    }
}

/// The extension an export writes: every key of `webhooks.toml`, as written there.
fn from_extension(ext: &Value) -> Result<String, ImportError> {
    const AT: &str = "/x-hookspec-webhooks";
    let ext = as_object(ext, AT)?;
    let mut out = String::new();
    if let Some(d) = opt_str(ext, AT, "doc")? {
        out.push_str(&format!("doc = {}\n", toml_str(d)));
    }
    out.push_str(&format!(
        "envelope = {}\n",
        toml_str(req_str(ext, AT, "envelope")?)
    ));
    if let Some(id) = opt_str(ext, AT, "id_field")? {
        out.push_str(&format!("id_field = {}\n", toml_str(id)));
    }
    if let Some(n) = opt_u64(ext, AT, "max_body_bytes")?.filter(|n| *n != DEFAULT_MAX_BODY_BYTES) {
        out.push_str(&format!("max_body_bytes = {n}\n"));
    }
    if let Some(ex) = ext.get("example") {
        out.push_str(&format!("example = {}\n", toml_str(&json_text(ex))));
    }
    let events = match ext.get("events") {
        Some(Value::Array(a)) => a.as_slice(),
        Some(other) => {
            return Err(malformed(
                format!("{AT}/events"),
                format!(
                    "expected an array, found {}",
                    hookspec_spec::describe_json(other)
                ),
            ));
        }
        None => {
            return Err(malformed(
                format!("{AT}/events"),
                "missing (an array of events is required)",
            ));
        }
    };
    let events = events
        .iter()
        .enumerate()
        .map(|(i, e)| as_object(e, &format!("{AT}/events/{i}")))
        .collect::<Result<Vec<_>, _>>()?;
    let tagged = match ext.get("tag") {
        None | Some(Value::Null) => false,
        Some(tag) => {
            let at = format!("{AT}/tag");
            let tag = as_object(tag, &at)?;
            out.push_str("\n[tag]\n");
            out.push_str(&format!(
                "field = {}\n",
                toml_str(req_str(tag, &at, "field")?)
            ));
            out.push_str(&format!(
                "data_field = {}\n",
                toml_str(req_str(tag, &at, "data_field")?)
            ));
            // The most common data type is the default; the others are said per event.
            if let Some(d) = most_common(&events, AT)? {
                out.push_str(&format!("data = {}\n", toml_str(d)));
            }
            if let Some(w) = opt_str(tag, &at, "data_wrapper")? {
                out.push_str(&format!("data_wrapper = {}\n", toml_str(w)));
            }
            true
        }
    };
    match ext.get("signature") {
        None | Some(Value::Null) => {}
        Some(sig) => {
            let at = format!("{AT}/signature");
            let sig = as_object(sig, &at)?;
            match req_str(sig, &at, "scheme")? {
                "standard_webhooks" => {
                    out.push_str("\n[signature]\nscheme = \"standard_webhooks\"\n");
                    let t = opt_u64(sig, &at, "tolerance_seconds")?
                        .unwrap_or(DEFAULT_TOLERANCE_SECONDS);
                    out.push_str(&format!("tolerance_seconds = {t}\n"));
                }
                other => {
                    return Err(malformed(
                        format!("{at}/scheme"),
                        format!("unknown signature scheme `{other}` (expected standard_webhooks)"),
                    ));
                }
            }
        }
    }
    let default_data = if tagged {
        most_common(&events, AT)?
    } else {
        None
    };
    for (i, e) in events.iter().enumerate() {
        let at = format!("{AT}/events/{i}");
        let name = req_str(e, &at, "name")?;
        out.push_str(&format!("\n[events.{}]\n", toml_key(name)));
        if let Some(d) = opt_str(e, &at, "doc")? {
            out.push_str(&format!("doc = {}\n", toml_str(d)));
        }
        if tagged
            && let Some(d) = opt_str(e, &at, "data")?
            && Some(d) != default_data
        {
            out.push_str(&format!("data = {}\n", toml_str(d)));
        }
        if !tagged
            && let Some(r) = opt_str(e, &at, "rust_name")?
            && r != name.to_upper_camel_case()
        {
            out.push_str(&format!("rust_name = {}\n", toml_str(r)));
        }
        if let Some(ex) = e.get("example") {
            out.push_str(&format!("example = {}\n", toml_str(&json_text(ex))));
        }
    }
    Ok(out)
}

/// The data type most events have (the first of equals), `None` without events.
fn most_common<'v>(
    events: &[&'v Map<String, Value>],
    at: &str,
) -> Result<Option<&'v str>, ImportError> {
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for (i, e) in events.iter().enumerate() {
        let d = opt_str(e, &format!("{at}/events/{i}"), "data")?.unwrap_or("raw_json");
        match counts.iter_mut().find(|(t, _)| *t == d) {
            Some((_, n)) => *n += 1,
            None => counts.push((d, 1)),
        }
    }
    // `max_by_key` keeps the last of equals: walk backwards to keep the first.
    Ok(counts.iter().rev().max_by_key(|(_, n)| *n).map(|(t, _)| *t))
}

/// One entry of a plain `webhooks` section.
struct Entry<'v> {
    key: &'v str,
    op: &'v Map<String, Value>,
    schema: Value,
    example: Option<Value>,
}

/// A plain OpenAPI 3.1 `webhooks` section: one event type per entry, the request body as its
/// payload. One entry: an untagged file (the body is the event). Several: a tagged file, when
/// every body is an object with a property whose `const` names the entry's event (the tag)
/// and a `data` (or `payload`) property (the data); otherwise a warning and no file.
fn from_webhooks(
    im: &mut Importer<'_>,
    hooks: &Map<String, Value>,
) -> Result<Option<String>, ImportError> {
    let mut entries = Vec::new();
    for (key, item) in hooks {
        let at = format!("/webhooks/{}", key.replace('~', "~0").replace('/', "~1"));
        let item = as_object(item, &at)?;
        let Some(op) = item.get("post") else {
            im.warn(format!("webhook `{key}`: no `post` operation; skipped"));
            continue;
        };
        let op = as_object(op, &format!("{at}/post"))?;
        let Some(body) = op.get("requestBody") else {
            im.warn(format!("webhook `{key}`: no request body; skipped"));
            continue;
        };
        as_object(body, &format!("{at}/post/requestBody"))?;
        let body = im.resolve_param(body).ok_or_else(|| {
            malformed(format!("{at}/post/requestBody"), "`$ref` does not resolve")
        })?;
        let Some(media) = body.pointer("/content/application~1json") else {
            im.warn(format!(
                "webhook `{key}`: request body is not application/json; skipped"
            ));
            continue;
        };
        let schema = media.get("schema").cloned().unwrap_or(json!({}));
        let example = media.get("example").cloned().or_else(|| {
            media
                .get("examples")?
                .as_object()?
                .values()
                .next()?
                .get("value")
                .cloned()
        });
        entries.push(Entry {
            key,
            op,
            schema,
            example,
        });
    }
    let doc_of = |op: &Map<String, Value>| {
        op.get("description")
            .or_else(|| op.get("summary"))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let signature = |entries: &[Entry<'_>]| {
        entries.iter().any(|e| {
            e.op.get("parameters")
                .and_then(Value::as_array)
                .is_some_and(|ps| {
                    ps.iter().any(|p| {
                        p.get("in") == Some(&json!("header"))
                            && p.get("name")
                                .and_then(Value::as_str)
                                .is_some_and(|n| n.eq_ignore_ascii_case("webhook-signature"))
                    })
                })
        })
    };
    let mut out = String::new();
    match entries.as_slice() {
        [] => return Ok(None),
        [e] => {
            let name = e.key.to_snake_case();
            let ty = im.type_of(
                &e.schema,
                &format!("{}Payload", e.key.to_upper_camel_case()),
            );
            out.push_str(&format!("envelope = {}\n", toml_str(&ty.name)));
            out.push_str(&format!("\n[events.{}]\n", toml_key(&name)));
            if let Some(d) = doc_of(e.op) {
                out.push_str(&format!("doc = {}\n", toml_str(&d)));
            }
            if let Some(ex) = &e.example {
                out.push_str(&format!("example = {}\n", toml_str(&json_text(ex))));
            }
        }
        _ => match tagged_shape(im, &entries) {
            Some(shape) => out.push_str(&tagged_file(im, &entries, &shape, doc_of)),
            None => {
                im.warn(format!(
                    "webhooks: {} entries, but their bodies share no property whose `const` names the event and no `data`/`payload` property; not imported",
                    entries.len()
                ));
                return Ok(None);
            }
        },
    }
    if signature(&entries) {
        out.push_str(&format!(
            "\n[signature]\nscheme = \"standard_webhooks\"\ntolerance_seconds = {DEFAULT_TOLERANCE_SECONDS}\n"
        ));
    }
    Ok(Some(out))
}

/// A body schema's properties and required names, through `$ref` and `allOf`.
fn object_parts(im: &Importer<'_>, s: &Value, depth: usize) -> (Map<String, Value>, Vec<String>) {
    let mut props = Map::new();
    let mut required = Vec::new();
    if depth > 8 {
        return (props, required);
    }
    if let Some(name) = im.resolve_ref(s) {
        if let Some(target) = im.doc.pointer(&format!("/components/schemas/{name}")) {
            return object_parts(im, target, depth + 1);
        }
        return (props, required);
    }
    for part in s
        .get("allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let (p, r) = object_parts(im, part, depth + 1);
        props.extend(p);
        required.extend(r);
    }
    if let Some(p) = s.get("properties").and_then(Value::as_object) {
        props.extend(p.clone());
    }
    required.extend(
        s.get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_owned),
    );
    (props, required)
}

/// The value a property schema fixes: `const`, or a one-value `enum`.
fn fixed_value(s: &Value) -> Option<&str> {
    s.get("const").and_then(Value::as_str).or_else(|| {
        match s.get("enum").and_then(Value::as_array).map(Vec::as_slice) {
            Some([Value::String(v)]) => Some(v.as_str()),
            _ => None,
        }
    })
}

struct TaggedShape {
    tag: String,
    data: String,
    /// Per entry: its event type and its merged object.
    parts: Vec<(String, Map<String, Value>, Vec<String>)>,
}

fn tagged_shape(im: &Importer<'_>, entries: &[Entry<'_>]) -> Option<TaggedShape> {
    let parts: Vec<_> = entries
        .iter()
        .map(|e| object_parts(im, &e.schema, 0))
        .collect();
    let first = &parts.first()?.0;
    let tag = first
        .keys()
        .find(|k| {
            let values: Vec<Option<&str>> = parts
                .iter()
                .map(|(p, _)| p.get(*k).and_then(fixed_value))
                .collect();
            values.iter().all(Option::is_some)
                && values
                    .iter()
                    .enumerate()
                    .all(|(i, v)| !values[..i].contains(v))
        })?
        .clone();
    let data = ["data", "payload"]
        .into_iter()
        .find(|d| *d != tag && parts.iter().all(|(p, _)| p.contains_key(*d)))?;
    let tag = &tag;
    Some(TaggedShape {
        tag: tag.clone(),
        data: data.to_owned(),
        parts: parts
            .into_iter()
            .map(|(p, r)| {
                let v = p
                    .get(tag)
                    .and_then(fixed_value)
                    .unwrap_or_default()
                    .to_owned();
                (v, p, r)
            })
            .collect(),
    })
}

/// A name for a type the import makes up, not taken by a component schema.
fn free_name(im: &Importer<'_>, base: &str) -> String {
    let taken = |n: &str| {
        im.doc
            .pointer(&format!("/components/schemas/{n}"))
            .is_some()
    };
    (1..)
        .map(|i| {
            if i == 1 {
                base.to_owned()
            } else {
                format!("{base}{i}")
            }
        })
        .find(|n| !taken(n))
        .unwrap_or_else(|| base.to_owned())
}

fn tagged_file(
    im: &mut Importer<'_>,
    entries: &[Entry<'_>],
    shape: &TaggedShape,
    doc_of: impl Fn(&Map<String, Value>) -> Option<String>,
) -> String {
    let envelope = free_name(im, "WebhookEnvelope");
    let kinds = free_name(im, "WebhookEventType");
    // The envelope: the first entry's properties, the tag typed by the event enum, the data raw.
    let (_, props, required) = &shape.parts[0];
    let mut fields = Map::new();
    for (k, v) in props {
        let v = if *k == shape.tag {
            json!({"$ref": format!("#/components/schemas/{kinds}")})
        } else if *k == shape.data {
            json!({"x-hookspec-type": "raw_json"})
        } else {
            v.clone()
        };
        fields.insert(k.clone(), v);
    }
    let mut required: Vec<String> = required
        .iter()
        .filter(|r| shape.parts.iter().all(|(_, _, rs)| rs.contains(r)))
        .cloned()
        .collect();
    for must in [&shape.tag, &shape.data] {
        if !required.contains(must) {
            required.push(must.clone());
        }
    }
    let id_field = props
        .get("id")
        .filter(|s| s.get("type") == Some(&json!("string")) && required.iter().any(|r| r == "id"));
    let mut descriptions = Map::new();
    for ((value, _, _), e) in shape.parts.iter().zip(entries) {
        if let Some(d) = doc_of(e.op) {
            descriptions.insert(value.clone(), json!(d));
        }
    }
    let values: Vec<&str> = shape.parts.iter().map(|(v, _, _)| v.as_str()).collect();
    let mut out = format!("envelope = {}\n", toml_str(&envelope));
    if id_field.is_some() {
        out.push_str("id_field = \"id\"\n");
    }
    out.push_str(&format!(
        "\n[tag]\nfield = {}\ndata_field = {}\n",
        toml_str(&shape.tag),
        toml_str(&shape.data)
    ));
    for ((value, p, _), e) in shape.parts.iter().zip(entries) {
        out.push_str(&format!("\n[events.{}]\n", toml_key(value)));
        let data = p.get(&shape.data).cloned().unwrap_or(json!({}));
        let ty = im.type_of(&data, &format!("{}Data", e.key.to_upper_camel_case()));
        out.push_str(&format!("data = {}\n", toml_str(&ty.name)));
        if let Some(ex) = &e.example {
            out.push_str(&format!("example = {}\n", toml_str(&json_text(ex))));
        }
    }
    out.push_str(&im.enum_toml(
        &kinds,
        &json!({"type": "string", "description": "Event type.", "enum": values, "x-enum-descriptions": descriptions}),
    ));
    out.push_str(&im.model_toml(
        &format!("models.{envelope}"),
        &envelope,
        &json!({"type": "object", "description": "The envelope of every delivery.", "properties": fields, "required": required}),
    ));
    out
}
