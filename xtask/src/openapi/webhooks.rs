//! `webhooks.toml` → OpenAPI 3.1 `webhooks`: one entry per event type, the POST a receiver
//! gets (the envelope with the tag fixed and the data typed; the Standard Webhooks headers
//! when the spec declares the scheme). What OpenAPI cannot say (which fields are the tag, the
//! data and the id, the nested form, the limits) is in `x-hookspec-webhooks`.
//!
//! Import does not read it back yet: an imported document gives spec files without
//! `webhooks.toml` (its models and enums do come back, as components).

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
        ext["id_field"] = json!(id);
    }
    match hooks.signature {
        None => ext["signature"] = Value::Null,
        Some(SignatureScheme::StandardWebhooks { tolerance_seconds }) => {
            ext["signature"] =
                json!({"scheme": "standard_webhooks", "tolerance_seconds": tolerance_seconds});
        }
    }
    Some((Value::Object(out), ext))
}
