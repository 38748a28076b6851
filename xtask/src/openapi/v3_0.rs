//! OpenAPI 3.1 → 3.0.3, for the tools that read only 3.0 (progenitor…): the same document
//! with 3.0's schema dialect. `type: [T, "null"]` and `{type: null}` alternatives become
//! `nullable: true`; a `$ref` with keywords beside it (which 3.0 ignores) becomes
//! `allOf: [{$ref}]` with them; JSON Schema's `examples` array becomes `example`; `const`
//! becomes a one-value `enum`; an empty `required` is left out; `webhooks` (3.1 only) is left
//! out. Example values are not touched.

use serde_json::{Map, Value, json};

/// The OpenAPI 3.0.3 form of an exported OpenAPI 3.1 document.
pub fn to_3_0(doc: &Value) -> Value {
    let mut doc = doc.clone();
    doc["openapi"] = json!("3.0.3");
    // 3.0 has no `webhooks` (3.1's `x-hookspec-webhooks` extension stays, as it is).
    if let Some(d) = doc.as_object_mut() {
        d.remove("webhooks");
    }
    if let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        for s in schemas.values_mut() {
            schema(s);
        }
    }
    for item in doc
        .get_mut("paths")
        .and_then(Value::as_object_mut)
        .into_iter()
        .flat_map(|p| p.values_mut())
    {
        for op in item
            .as_object_mut()
            .into_iter()
            .flat_map(|i| i.values_mut())
        {
            for p in op
                .get_mut("parameters")
                .and_then(Value::as_array_mut)
                .into_iter()
                .flatten()
            {
                if let Some(s) = p.get_mut("schema") {
                    schema(s);
                }
            }
            if let Some(content) = op.pointer_mut("/requestBody/content") {
                media_types(content);
            }
            for r in op
                .get_mut("responses")
                .and_then(Value::as_object_mut)
                .into_iter()
                .flat_map(|r| r.values_mut())
            {
                if let Some(content) = r.get_mut("content") {
                    media_types(content);
                }
            }
        }
    }
    doc
}

fn media_types(content: &mut Value) {
    for mt in content
        .as_object_mut()
        .into_iter()
        .flat_map(|c| c.values_mut())
    {
        if let Some(s) = mt.get_mut("schema") {
            schema(s);
        }
    }
}

fn is_null_type(s: &Value) -> bool {
    s.get("type") == Some(&json!("null"))
}

/// Rewrites one schema (and the schemas inside it) in place.
fn schema(s: &mut Value) {
    let Some(obj) = s.as_object_mut() else {
        return;
    };
    for key in ["items", "additionalProperties", "not"] {
        if let Some(sub) = obj.get_mut(key) {
            schema(sub);
        }
    }
    if let Some(props) = obj.get_mut("properties").and_then(Value::as_object_mut) {
        for p in props.values_mut() {
            schema(p);
        }
    }
    for key in ["anyOf", "oneOf", "allOf"] {
        for sub in obj
            .get_mut(key)
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten()
        {
            schema(sub);
        }
    }
    if let Some(examples) = obj.remove("examples")
        && let Some(first) = examples.as_array().and_then(|e| e.first())
        && !obj.contains_key("example")
    {
        obj.insert("example".into(), first.clone());
    }
    if let Some(c) = obj.remove("const") {
        obj.insert("enum".into(), json!([c]));
    }
    if obj
        .get("required")
        .and_then(Value::as_array)
        .is_some_and(Vec::is_empty)
    {
        obj.remove("required");
    }
    // `type: [T, "null"]` → `type: T, nullable: true`.
    if let Some(Value::Array(types)) = obj.get("type").cloned() {
        let others: Vec<&Value> = types.iter().filter(|t| *t != "null").collect();
        if others.len() < types.len() {
            obj.insert("nullable".into(), json!(true));
        }
        match others.as_slice() {
            [one] => {
                obj.insert("type".into(), (*one).clone());
            }
            _ => {
                obj.remove("type");
                let alts: Vec<Value> = others.iter().map(|t| json!({"type": t})).collect();
                obj.insert("anyOf".into(), json!(alts));
            }
        }
    }
    // `anyOf: [X, {type: null}]` → X (a `$ref` as `allOf: [X]`), `nullable: true`.
    for key in ["anyOf", "oneOf"] {
        let Some(alts) = obj.get(key).and_then(Value::as_array).cloned() else {
            continue;
        };
        let rest: Vec<Value> = alts.iter().filter(|a| !is_null_type(a)).cloned().collect();
        if rest.len() == alts.len() {
            continue;
        }
        obj.insert("nullable".into(), json!(true));
        match rest.as_slice() {
            [one] if one.get("$ref").is_some() => {
                obj.remove(key);
                obj.insert("allOf".into(), json!([one]));
            }
            [one]
                if one
                    .as_object()
                    .is_some_and(|o| o.keys().all(|k| !obj.contains_key(k))) =>
            {
                obj.remove(key);
                let one = one.as_object().cloned().unwrap_or_default();
                obj.extend(one);
            }
            _ => {
                obj.insert(key.into(), json!(rest));
            }
        }
    }
    // 3.0 ignores whatever stands beside a `$ref`: wrap the reference.
    if obj.contains_key("$ref") && obj.len() > 1 {
        let r = obj.remove("$ref").unwrap_or_default();
        let mut wrapped = Map::new();
        wrapped.insert("allOf".into(), json!([{"$ref": r}]));
        wrapped.extend(std::mem::take(obj));
        *obj = wrapped;
    }
}
