//! The emulator's declarations: `[resources.<name>]` in the API file and `[emulator]` in an
//! endpoint file, read here and checked once every file is read ([`check_emulation`]):
//! resources, models, fields, parameters and body fields must exist, each problem at its
//! `file:line:col`.

use toml::Spanned;
use toml::de::DeValue;

use super::State;
use crate::diag::Diagnostic;
use crate::model::*;
use crate::reader::{Cx, TableReader, closest};
use crate::types::is_snake_ident;

/// A name the declarations use, and where: checked once the whole API is known.
#[derive(Debug, Clone)]
pub(super) struct Ref {
    pub(super) name: String,
    pub(super) pos: Pos,
}

/// What to check about one `[emulator]` table, or one resource.
#[derive(Debug, Clone)]
pub(super) enum Check {
    Resource {
        model: Ref,
        id_field: Ref,
        fields: Vec<Ref>,
    },
    Endpoint {
        endpoint: String,
        resource: Option<Ref>,
        op: Option<Operation>,
        op_pos: Pos,
        id_param: Option<Ref>,
        /// (field, parameter).
        filters: Vec<(Ref, Ref)>,
        /// (field, body field).
        set: Vec<(Ref, Ref)>,
        parent: Option<(Ref, Ref)>,
        view_fields: Vec<Ref>,
    },
}

fn r(cx: &Cx<'_>, s: &Spanned<String>) -> Ref {
    Ref {
        name: s.get_ref().clone(),
        pos: cx.pos(&s.span()),
    }
}

/// An inline table of strings (`{ a = "b" }`), as (key, value) pairs.
fn string_pairs(
    cx: &mut Cx<'_>,
    t: &mut TableReader<'_, '_>,
    key: &'static str,
) -> Vec<(Spanned<String>, Spanned<String>)> {
    let Some(inner) = t.table(cx, key) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (k, v) in inner.all_entries() {
        let name = Spanned::new(k.span(), k.get_ref().to_string());
        match v.get_ref() {
            DeValue::String(s) => out.push((name, Spanned::new(v.span(), s.to_string()))),
            _ => cx.error(
                &v.span(),
                format!("`{key}.{}` must be a string", name.get_ref()),
            ),
        }
    }
    out
}

/// A JSON text value (`seed`, `defaults`, `response`); a parse error is reported at it.
fn json_text(
    cx: &mut Cx<'_>,
    t: &mut TableReader<'_, '_>,
    key: &'static str,
) -> Option<(serde_json::Value, Spanned<String>)> {
    let s = t.string(cx, key)?;
    match serde_json::from_str(s.get_ref()) {
        Ok(v) => Some((v, s)),
        Err(e) => {
            cx.error(&s.span(), format!("`{key}` is not valid JSON: {e}"));
            None
        }
    }
}

/// `[resources.*]` of the API file.
pub(super) fn read_resources(st: &mut State, cx: &mut Cx<'_>, t: &mut TableReader<'_, '_>) {
    for (name, mut rt) in t.named_tables(cx, "resources") {
        if !is_snake_ident(name.get_ref()) {
            cx.error(
                &name.span(),
                format!(
                    "resource name `{}` must be a snake_case identifier",
                    name.get_ref()
                ),
            );
        }
        let what = format!("resource `{}`", name.get_ref());
        let model = rt.required_string(cx, "model", &what);
        let id = rt.string(cx, "id");
        let created = rt.string(cx, "created");
        let updated = rt.string(cx, "updated");
        let unique = rt.strings(cx, "unique").unwrap_or_default();
        let not_found = rt.string(cx, "not_found");
        let seed = json_text(cx, &mut rt, "seed");
        let defaults = json_text(cx, &mut rt, "defaults");
        let pos = cx.pos(&name.span());
        rt.finish(cx, &what);
        let Some(model) = model else { continue };
        let seed_items = match &seed {
            Some((serde_json::Value::Array(items), text)) => {
                cx.keep_raw(cx.pos(&text.span()), text);
                st.example_checks.push((
                    TypeRef::Array(Box::new(TypeRef::Model(model.get_ref().clone()))),
                    text.get_ref().clone(),
                    cx.pos(&text.span()),
                ));
                items.clone()
            }
            Some((_, text)) => {
                cx.error(&text.span(), "`seed` must be a JSON array of items");
                Vec::new()
            }
            None => Vec::new(),
        };
        let defaults_map = match defaults {
            Some((serde_json::Value::Object(m), _)) => m,
            Some((_, text)) => {
                cx.error(&text.span(), "`defaults` must be a JSON object");
                serde_json::Map::new()
            }
            None => serde_json::Map::new(),
        };
        let id_ref = id.as_ref().map(|i| r(cx, i)).unwrap_or_else(|| Ref {
            name: "id".into(),
            pos: pos.clone(),
        });
        let mut fields: Vec<Ref> = [&created, &updated]
            .into_iter()
            .flatten()
            .map(|s| r(cx, s))
            .collect();
        fields.extend(unique.iter().map(|s| r(cx, s)));
        // A default's key is a field too (reported at the resource's name).
        let defaults_pos = pos.clone();
        fields.extend(defaults_map.keys().map(|k| Ref {
            name: k.clone(),
            pos: defaults_pos.clone(),
        }));
        st.emu_checks.push(Check::Resource {
            model: r(cx, &model),
            id_field: id_ref.clone(),
            fields,
        });
        // Ids of the seed are unique.
        let mut seen = std::collections::HashSet::new();
        for item in &seed_items {
            if let Some(idv) = item.get(&id_ref.name)
                && !seen.insert(idv.to_string())
            {
                cx.error_at(pos.clone(), format!("the seed has two items with id {idv}"));
            }
        }
        st.resources.push(Resource {
            not_found: not_found
                .map(Spanned::into_inner)
                .unwrap_or_else(|| format!("{} not found", name.get_ref().replace('_', " "))),
            name: name.into_inner(),
            model: model.into_inner(),
            id_field: id_ref.name,
            seed: seed_items,
            created_field: created.map(Spanned::into_inner),
            updated_field: updated.map(Spanned::into_inner),
            defaults: defaults_map,
            unique: unique.into_iter().map(Spanned::into_inner).collect(),
            pos,
        });
    }
}

/// `[emulator]` of an endpoint file.
pub(super) fn read_emulator(
    st: &mut State,
    cx: &mut Cx<'_>,
    t: &mut TableReader<'_, '_>,
    endpoint: &str,
) -> Option<Emulation> {
    let mut e = t.table(cx, "emulator")?;
    let pos = cx.pos(&e.span);
    let resource = e.string(cx, "resource");
    let op_text = e.string(cx, "op");
    let id_param = e.string(cx, "id_param");
    let filters = string_pairs(cx, &mut e, "filters");
    let set = string_pairs(cx, &mut e, "set");
    let parent = string_pairs(cx, &mut e, "parent");
    let items_field = e.string(cx, "items_field");
    let response = json_text(cx, &mut e, "response").map(|(v, _)| v);
    let effect = e.string(cx, "effect");
    let mut list_view = ListView::default();
    let mut view_fields = Vec::new();
    if let Some(mut v) = e.table(cx, "list_view") {
        for n in v.strings(cx, "nulls").unwrap_or_default() {
            view_fields.push(r(cx, &n));
            list_view.nulls.push(n.into_inner());
        }
        for (field, name) in string_pairs(cx, &mut v, "rename") {
            view_fields.push(r(cx, &field));
            list_view
                .rename
                .push((field.into_inner(), name.into_inner()));
        }
        if let Some(s) = v.table(cx, "set") {
            for (k, val) in s.all_entries() {
                let field = Spanned::new(k.span(), k.get_ref().to_string());
                let value = match val.get_ref() {
                    DeValue::String(x) => serde_json::Value::String(x.to_string()),
                    DeValue::Boolean(b) => serde_json::Value::Bool(*b),
                    DeValue::Integer(i) => i
                        .as_str()
                        .parse::<i64>()
                        .map_or(serde_json::Value::Null, serde_json::Value::from),
                    _ => {
                        cx.error(
                            &val.span(),
                            "a `list_view.set` value must be a string, integer or boolean",
                        );
                        serde_json::Value::Null
                    }
                };
                view_fields.push(r(cx, &field));
                list_view.set.push((field.into_inner(), value));
            }
        }
        v.finish(cx, "`emulator.list_view`");
    }
    e.finish(cx, "`emulator`");
    let op = op_text.as_ref().and_then(|o| {
        let found = Operation::ALL
            .into_iter()
            .find(|x| x.as_str() == o.get_ref());
        if found.is_none() {
            let names: Vec<&str> = Operation::ALL.iter().map(|x| x.as_str()).collect();
            let hint = closest(o.get_ref(), &names)
                .map(|c| format!("; did you mean `{c}`?"))
                .unwrap_or_default();
            cx.error(
                &o.span(),
                format!(
                    "unknown emulator operation `{}`{hint} (expected one of: {})",
                    o.get_ref(),
                    names.join(", ")
                ),
            );
        }
        found
    });
    if let Some(ef) = &effect
        && !is_snake_ident(ef.get_ref())
    {
        cx.error(&ef.span(), "`effect` must be a snake_case name");
    }
    if resource.is_none() && effect.is_none() {
        cx.error_at(
            pos.clone(),
            "`[emulator]` needs `resource` (with `op`) or `effect`",
        );
    }
    if resource.is_some() && op_text.is_none() && effect.is_none() {
        cx.error_at(pos.clone(), "`[emulator]` with a `resource` needs `op`");
    }
    if parent.len() > 1 {
        cx.error_at(
            pos.clone(),
            "`parent` takes one `{ resource = \"param\" }` pair",
        );
    }
    let op_pos = op_text.as_ref().map_or(pos.clone(), |o| cx.pos(&o.span()));
    st.emu_checks.push(Check::Endpoint {
        endpoint: endpoint.to_owned(),
        resource: resource.as_ref().map(|x| r(cx, x)),
        op,
        op_pos,
        id_param: id_param.as_ref().map(|x| r(cx, x)),
        filters: filters.iter().map(|(a, b)| (r(cx, a), r(cx, b))).collect(),
        set: set.iter().map(|(a, b)| (r(cx, a), r(cx, b))).collect(),
        parent: parent.first().map(|(a, b)| (r(cx, a), r(cx, b))),
        view_fields,
    });
    Some(Emulation {
        resource: resource.map(Spanned::into_inner),
        op,
        id_param: id_param.map(Spanned::into_inner),
        filters: filters
            .into_iter()
            .map(|(a, b)| (a.into_inner(), b.into_inner()))
            .collect(),
        set: set
            .into_iter()
            .map(|(a, b)| (a.into_inner(), b.into_inner()))
            .collect(),
        parent: parent
            .into_iter()
            .next()
            .map(|(a, b)| (a.into_inner(), b.into_inner())),
        items_field: items_field.map(Spanned::into_inner),
        list_view,
        response,
        effect: effect.map(Spanned::into_inner),
        pos,
    })
}

fn did_you_mean(word: &str, known: &[&str]) -> String {
    closest(word, known)
        .map(|c| format!("; did you mean `{c}`?"))
        .unwrap_or_default()
}

/// Whether `field` is a field (or alias) of `model`.
fn has_field(model: &Model, field: &str) -> bool {
    model
        .fields
        .iter()
        .any(|f| f.name == field || f.aliases.iter().any(|a| a == field))
}

fn field_error(model: &Model, f: &Ref, what: &str) -> Diagnostic {
    let names: Vec<&str> = model.fields.iter().map(|f| f.name.as_str()).collect();
    Diagnostic::new(
        f.pos.clone(),
        format!(
            "{what} `{}` is not a field of `{}`{} (fields: {})",
            f.name,
            model.name,
            did_you_mean(&f.name, &names),
            names.join(", ")
        ),
    )
}

/// The declarations against the whole API.
pub(super) fn check_emulation(api: &Api, checks: &[Check], out: &mut Vec<Diagnostic>) {
    let resource_names: Vec<&str> = api.resources.iter().map(|r| r.name.as_str()).collect();
    let model_names: Vec<&str> = api.models.iter().map(|m| m.name.as_str()).collect();
    let resource_model = |r: &Ref, out: &mut Vec<Diagnostic>| -> Option<&Model> {
        match api.resource(&r.name) {
            Some(res) => api.model(&res.model),
            None => {
                out.push(Diagnostic::new(
                    r.pos.clone(),
                    format!(
                        "unknown resource `{}`{} (resources: {})",
                        r.name,
                        did_you_mean(&r.name, &resource_names),
                        if resource_names.is_empty() {
                            "none; declare `[resources.<name>]` in the API file".to_owned()
                        } else {
                            resource_names.join(", ")
                        }
                    ),
                ));
                None
            }
        }
    };
    for check in checks {
        match check {
            Check::Resource {
                model,
                id_field,
                fields,
            } => {
                let Some(m) = api.model(&model.name) else {
                    out.push(Diagnostic::new(
                        model.pos.clone(),
                        format!(
                            "unknown model `{}`{}",
                            model.name,
                            did_you_mean(&model.name, &model_names)
                        ),
                    ));
                    continue;
                };
                for f in std::iter::once(id_field).chain(fields) {
                    if !has_field(m, &f.name) {
                        out.push(field_error(m, f, "field"));
                    }
                }
            }
            Check::Endpoint {
                endpoint,
                resource,
                op,
                op_pos,
                id_param,
                filters,
                set,
                parent,
                view_fields,
            } => {
                let Some(ep) = api.endpoint(endpoint) else {
                    continue;
                };
                let params: Vec<&str> = ep
                    .path_params
                    .iter()
                    .chain(&ep.query)
                    .map(|p| p.name.as_str())
                    .collect();
                let path_params: Vec<&str> =
                    ep.path_params.iter().map(|p| p.name.as_str()).collect();
                let check_path_param = |p: &Ref, out: &mut Vec<Diagnostic>| {
                    if !path_params.contains(&p.name.as_str()) {
                        out.push(Diagnostic::new(
                            p.pos.clone(),
                            format!(
                                "`{}` is not a path parameter of `{}`{} (path parameters: {})",
                                p.name,
                                ep.path,
                                did_you_mean(&p.name, &path_params),
                                path_params.join(", ")
                            ),
                        ));
                    }
                };
                if let Some((res, param)) = parent {
                    resource_model(res, out);
                    check_path_param(param, out);
                }
                let Some(res) = resource else { continue };
                let Some(model) = resource_model(res, out) else {
                    continue;
                };
                if let Some(op) = op {
                    match id_param {
                        Some(p) => check_path_param(p, out),
                        None if op.addresses_one() => out.push(Diagnostic::new(
                            op_pos.clone(),
                            format!("operation `{}` needs `id_param`, the path parameter holding the id", op.as_str()),
                        )),
                        None => {}
                    }
                    let needs_body = matches!(
                        op,
                        Operation::Create
                            | Operation::Replace
                            | Operation::Update
                            | Operation::Action
                    );
                    if needs_body && ep.body.is_none() {
                        out.push(Diagnostic::new(
                            op_pos.clone(),
                            format!(
                                "operation `{}` needs the endpoint to have a `[body]`",
                                op.as_str()
                            ),
                        ));
                    }
                    if *op == Operation::Action && set.is_empty() {
                        out.push(Diagnostic::new(
                            op_pos.clone(),
                            "operation `action` needs `set = { field = \"body field\" }`",
                        ));
                    }
                    // The body's fields (create, replace, update) must be fields of the item.
                    if matches!(
                        op,
                        Operation::Create | Operation::Replace | Operation::Update
                    ) && let Some(body) = ep.body.as_ref().and_then(|b| api.model(&b.model))
                    {
                        for f in &body.fields {
                            if !has_field(model, &f.name) {
                                out.push(field_error(
                                    model,
                                    &Ref {
                                        name: f.name.clone(),
                                        pos: f.pos.clone(),
                                    },
                                    "body field",
                                ));
                            }
                        }
                    }
                }
                for (field, param) in filters {
                    if !has_field(model, &field.name) {
                        out.push(field_error(model, field, "filter field"));
                    }
                    if !params.contains(&param.name.as_str()) {
                        out.push(Diagnostic::new(
                            param.pos.clone(),
                            format!(
                                "`{}` is not a path or query parameter of `{}`{}",
                                param.name,
                                ep.name,
                                did_you_mean(&param.name, &params)
                            ),
                        ));
                    }
                }
                let body_model = ep.body.as_ref().and_then(|b| api.model(&b.model));
                for (field, from) in set {
                    if !has_field(model, &field.name) {
                        out.push(field_error(model, field, "`set` field"));
                    }
                    match body_model {
                        Some(b) if !has_field(b, &from.name) => {
                            out.push(field_error(b, from, "body field"))
                        }
                        None => out.push(Diagnostic::new(
                            from.pos.clone(),
                            "`set` takes body fields, and the endpoint has no `[body]`",
                        )),
                        _ => {}
                    }
                }
                for f in view_fields {
                    if !has_field(model, &f.name) {
                        out.push(field_error(model, f, "`list_view` field"));
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::{ApiSources, parse_api};

    const API: &str = r#"name = "t"
base_url = "https://x.test"

[models.Thing]
[models.Thing.fields.id]
type = "string"
[models.Thing.fields.on]
type = "bool"

[resources.things]
model = "Thing"
seed = '''[{"id": "a", "on": true}]'''
"#;

    fn errors(api: &str, ep: &str) -> String {
        let sources = ApiSources::from_pairs(&[("t/api.toml", api), ("t/ep.toml", ep)]).unwrap();
        match parse_api(&sources) {
            Ok(_) => String::new(),
            Err(d) => d.to_string(),
        }
    }

    const EP: &str = r#"method = "POST"
path = "/things/{id}"
[path_params.id]
type = "string"
[body.fields.on]
type = "bool"
[response]
type = "Thing"
"#;

    #[test]
    fn a_valid_declaration_loads() {
        let ep = format!(
            "{EP}[emulator]\nresource = \"things\"\nop = \"action\"\nid_param = \"id\"\nset = {{ on = \"on\" }}\n"
        );
        assert_eq!(errors(API, &ep), "");
    }

    #[test]
    fn unknown_resource_operation_field_and_parameter_are_reported_at_their_position() {
        let ep = format!("{EP}[emulator]\nresource = \"thngs\"\nop = \"get\"\nid_param = \"id\"\n");
        let e = errors(API, &ep);
        assert!(
            e.contains("t/ep.toml:10:12: unknown resource `thngs`; did you mean `things`?"),
            "{e}"
        );

        let ep = format!("{EP}[emulator]\nresource = \"things\"\nop = \"gett\"\n");
        let e = errors(API, &ep);
        assert!(
            e.contains("t/ep.toml:11:6: unknown emulator operation `gett`; did you mean `get`?"),
            "{e}"
        );

        let ep = format!(
            "{EP}[emulator]\nresource = \"things\"\nop = \"action\"\nid_param = \"uid\"\nset = {{ of = \"on\" }}\n"
        );
        let e = errors(API, &ep);
        assert!(
            e.contains("t/ep.toml:12:12: `uid` is not a path parameter"),
            "{e}"
        );
        assert!(
            e.contains(
                "t/ep.toml:13:9: `set` field `of` is not a field of `Thing`; did you mean `on`?"
            ),
            "{e}"
        );

        let ep = format!("{EP}[emulator]\nresource = \"things\"\nop = \"get\"\n");
        let e = errors(API, &ep);
        assert!(e.contains("operation `get` needs `id_param`"), "{e}");
    }

    #[test]
    fn resources_are_checked_too() {
        let api = API
            .replace("model = \"Thing\"", "model = \"Thing\"\nid = \"uid\"")
            .replace(r#""on": true"#, r#""on": 1"#);
        let ep = "method = \"GET\"\npath = \"/x\"\n[response]\ntype = \"Thing\"\n";
        let e = errors(&api, ep);
        assert!(
            e.contains("t/api.toml:12:6: field `uid` is not a field of `Thing`"),
            "{e}"
        );
        assert!(
            e.contains("[0].on: expected true or false"),
            "the seed is checked: {e}"
        );
    }
}
