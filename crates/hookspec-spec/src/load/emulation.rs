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
// One per resource and per `[emulator]` table of a folder: a few dozen at most.
#[allow(clippy::large_enum_variant)]
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
        items_field: Option<Ref>,
        /// (field path, parameter).
        in_range: Vec<(Ref, Ref)>,
        paging: Option<PagingCheck>,
    },
}

/// What `[emulator.paging]` names: checked against the endpoint's parameters, its
/// `[pagination]` and its response model.
#[derive(Debug, Clone)]
pub(super) struct PagingCheck {
    pos: Pos,
    size_param: Option<Ref>,
    /// (key, response field).
    fields: Vec<(&'static str, Ref)>,
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
    let response_text = json_text(cx, &mut e, "response");
    let effect = e.string(cx, "effect");
    let in_range = string_pairs(cx, &mut e, "in_range");
    let (paging, paging_check) = match e.table(cx, "paging") {
        Some(p) => {
            let (paging, check) = read_paging(cx, p);
            (Some(paging), Some(check))
        }
        None => (None, None),
    };
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
    // The emulator answers with `response` instead of the item where there is one item to
    // answer with and nothing else to say: a get and a delete. Elsewhere it would be ignored.
    let response = match response_text {
        Some((_, text)) if !matches!(op, Some(Operation::Get | Operation::Delete)) => {
            cx.error(
                &text.span(),
                format!(
                    "`response` applies to the `get` and `delete` operations (a fixed body instead of the item){}",
                    op.map(|o| format!("; `{}` answers with what it made or found", o.as_str()))
                        .unwrap_or_default()
                ),
            );
            None
        }
        other => other.map(|(v, _)| v),
    };
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
        items_field: items_field.as_ref().map(|x| r(cx, x)),
        in_range: in_range.iter().map(|(a, b)| (r(cx, a), r(cx, b))).collect(),
        paging: paging_check,
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
        in_range: in_range
            .into_iter()
            .map(|(a, b)| (a.into_inner(), b.into_inner()))
            .collect(),
        paging,
        pos,
    })
}

/// `[emulator.paging]`: the page size (parameter, default, maximum) and the response fields
/// the emulator fills in.
fn read_paging(cx: &mut Cx<'_>, mut p: TableReader<'_, '_>) -> (Paging, PagingCheck) {
    let pos = cx.pos(&p.span);
    let size_param = p.string(cx, "size_param");
    let default_size = p.uint(cx, "default_size");
    let max_size = p.uint(cx, "max_size");
    let mut fields = Vec::new();
    let mut field = |cx: &mut Cx<'_>, p: &mut TableReader<'_, '_>, key: &'static str| {
        let f = p.string(cx, key)?;
        fields.push((key, r(cx, &f)));
        Some(f.into_inner())
    };
    let total = field(cx, &mut p, "total");
    let page = field(cx, &mut p, "page");
    let size = field(cx, &mut p, "size");
    let prev = field(cx, &mut p, "prev");
    p.finish(cx, "`emulator.paging`");
    let at_least_one = |cx: &mut Cx<'_>, v: &Option<Spanned<u64>>, key: &str| match v {
        Some(n) if *n.get_ref() == 0 || i64::try_from(*n.get_ref()).is_err() => {
            cx.error(&n.span(), format!("`{key}` must be between 1 and 2^63-1"));
            None
        }
        Some(n) => i64::try_from(*n.get_ref()).ok(),
        None => None,
    };
    let default = at_least_one(cx, &default_size, "default_size");
    let max = at_least_one(cx, &max_size, "max_size");
    if let (Some(d), Some(m), Some(at)) = (default, max, &default_size)
        && d > m
    {
        cx.error(
            &at.span(),
            format!("`default_size` ({d}) is larger than `max_size` ({m})"),
        );
    }
    let check = PagingCheck {
        pos: pos.clone(),
        size_param: size_param.as_ref().map(|x| r(cx, x)),
        fields,
    };
    let paging = Paging {
        size_param: size_param.map(Spanned::into_inner),
        default_size: default.unwrap_or(Paging::DEFAULT_SIZE.min(max.unwrap_or(i64::MAX))),
        max_size: max,
        total,
        page,
        size,
        prev,
        pos,
    };
    (paging, check)
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
                items_field,
                in_range,
                paging,
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
                let is_list = *op == Some(Operation::List);
                for (field, param) in in_range {
                    check_in_range(api, ep, model, field, param, out);
                    if !is_list {
                        out.push(Diagnostic::new(
                            field.pos.clone(),
                            "`in_range` filters a list: `op` must be `list`",
                        ));
                    }
                }
                if is_list && ep.pagination.is_none() {
                    check_list_shape(api, ep, items_field.as_ref(), op_pos, out);
                }
                if is_list && ep.pagination.is_some() {
                    if let Some(f) = items_field {
                        out.push(Diagnostic::new(
                            f.pos.clone(),
                            "a paginated list answers its items in `pagination.items`: leave `items_field` out",
                        ));
                    }
                    check_page_fields(api, ep, paging.as_ref(), out);
                }
                if let Some(pc) = paging {
                    check_paging(ep, is_list, pc, out);
                }
            }
        }
    }
}

/// Where a list puts its items: `items_field`, an `array<…>` field of the response model, or
/// else the response itself, an `array<…>` (a misspelt field answered the example's stale
/// items; a list answered as a bare array where a model is expected decodes nowhere).
fn check_list_shape(
    api: &Api,
    ep: &Endpoint,
    items_field: Option<&Ref>,
    op_pos: &Pos,
    out: &mut Vec<Diagnostic>,
) {
    let response = ep.response.ty.as_ref();
    match (items_field, response) {
        (Some(f), Some(TypeRef::Model(name))) => {
            let Some(model) = api.model(name) else {
                return;
            };
            match model.fields.iter().find(|x| x.name == f.name) {
                Some(x) if matches!(x.ty, TypeRef::Array(_)) => {}
                Some(x) => out.push(Diagnostic::new(
                    f.pos.clone(),
                    format!(
                        "`items_field` `{}` must be an `array<…>` field of `{name}`, not `{}`",
                        f.name, x.ty
                    ),
                )),
                None => {
                    let names: Vec<&str> = model.fields.iter().map(|x| x.name.as_str()).collect();
                    out.push(Diagnostic::new(
                        f.pos.clone(),
                        format!(
                            "`items_field` `{}` is not a field of the response model `{name}`{}",
                            f.name,
                            did_you_mean(&f.name, &names)
                        ),
                    ));
                }
            }
        }
        (Some(f), other) => out.push(Diagnostic::new(
            f.pos.clone(),
            format!(
                "`items_field` names a field of the response model; the response is `{}`",
                other.map_or_else(|| "empty".to_owned(), ToString::to_string)
            ),
        )),
        (None, Some(TypeRef::Array(_)) | None) => {}
        (None, Some(other)) => out.push(Diagnostic::new(
            op_pos.clone(),
            format!(
                "a list answers an `array<…>`, and the response is `{other}`: name the model's array field with `items_field`"
            ),
        )),
    }
}

/// That `r` names a query parameter of `ep` of type `want`: otherwise a diagnostic at `r`
/// (`wrong_type`'s message, or "not a query parameter" with a did-you-mean).
fn check_query_param(
    ep: &Endpoint,
    r: &Ref,
    want: &TypeRef,
    out: &mut Vec<Diagnostic>,
    wrong_type: impl FnOnce(&Param) -> String,
) {
    match ep.query.iter().find(|q| q.name == r.name) {
        Some(q) if q.ty == *want => {}
        Some(q) => out.push(Diagnostic::new(r.pos.clone(), wrong_type(q))),
        None => {
            let names: Vec<&str> = ep.query.iter().map(|q| q.name.as_str()).collect();
            out.push(Diagnostic::new(
                r.pos.clone(),
                format!(
                    "`{}` is not a query parameter of `{}`{}",
                    r.name,
                    ep.name,
                    did_you_mean(&r.name, &names)
                ),
            ));
        }
    }
}

/// One `in_range = { "field.path" = "param" }` pair: a `time_range` query parameter, and a
/// field path of the item that holds a time.
fn check_in_range(
    api: &Api,
    ep: &Endpoint,
    model: &Model,
    field: &Ref,
    param: &Ref,
    out: &mut Vec<Diagnostic>,
) {
    check_query_param(ep, param, &TypeRef::TimeRange, out, |q| {
        format!(
            "`in_range` needs a `time_range` query parameter; `{}` is `{}`",
            q.name, q.ty
        )
    });
    // Walk the path step by step, to name the step that fails.
    let mut walked = String::new();
    for step in field.name.split('.') {
        let here = if walked.is_empty() {
            model.name.clone()
        } else {
            format!("{}.{walked}", model.name)
        };
        let next = if walked.is_empty() {
            step.to_owned()
        } else {
            format!("{walked}.{step}")
        };
        if api.path_type(&model.name, &next).is_none() {
            let parent = if walked.is_empty() {
                Some(TypeRef::Model(model.name.clone()))
            } else {
                api.path_type(&model.name, &walked)
            };
            let message = match parent {
                Some(TypeRef::Model(m)) => match api.model(&m) {
                    Some(pm) => {
                        let names: Vec<&str> = pm.fields.iter().map(|f| f.name.as_str()).collect();
                        format!(
                            "`in_range` field `{}`: `{step}` is not a field of `{}`{}",
                            field.name,
                            m,
                            did_you_mean(step, &names)
                        )
                    }
                    None => format!("`in_range` field `{}`: unknown model `{m}`", field.name),
                },
                Some(ty) => format!(
                    "`in_range` field `{}`: `{here}` is `{ty}`, which has no field `{step}`",
                    field.name
                ),
                None => format!("`in_range` field `{}` does not exist", field.name),
            };
            out.push(Diagnostic::new(field.pos.clone(), message));
            return;
        }
        walked = next;
    }
    match api.path_type(&model.name, &field.name) {
        Some(
            TypeRef::UnixSeconds
            | TypeRef::UnixMillis
            | TypeRef::DateTime
            | TypeRef::CivilDateTime
            | TypeRef::Json,
        ) => {}
        Some(ty) => out.push(Diagnostic::new(
            field.pos.clone(),
            format!(
                "`in_range` field `{}` is `{ty}`, which holds no time (expected `unix_seconds`, `unix_millis`, `datetime`, `civil_datetime` or `json`)",
                field.name
            ),
        )),
        None => {}
    }
}

/// `[emulator.paging]` against the endpoint: a paginated list, an integer size parameter,
/// integer response fields.
fn check_paging(ep: &Endpoint, is_list: bool, pc: &PagingCheck, out: &mut Vec<Diagnostic>) {
    let Some(pg) = ep.pagination.as_ref().filter(|_| is_list) else {
        out.push(Diagnostic::new(
            pc.pos.clone(),
            "`[emulator.paging]` pages a list: it needs `op = \"list\"` and a `[pagination]`",
        ));
        return;
    };
    if let Some(sp) = &pc.size_param {
        check_query_param(ep, sp, &TypeRef::Integer, out, |q| {
            format!(
                "the page size parameter `{}` must have type `integer`, not `{}`",
                q.name, q.ty
            )
        });
        if sp.name == pg.param {
            out.push(Diagnostic::new(
                sp.pos.clone(),
                format!("`size_param` cannot be `pagination.param` (`{}`)", pg.param),
            ));
        }
    }
    let cursor = matches!(pg.style, PageStyle::Cursor { .. });
    for (key, f) in &pc.fields {
        if cursor && matches!(*key, "page" | "prev") {
            out.push(Diagnostic::new(
                f.pos.clone(),
                format!("`{key}` is a page number: cursor pagination has none"),
            ));
        }
    }
}

/// A paginated list's response model: the fields `[emulator.paging]` names are integers of
/// it, and every required field is filled (by `[pagination]`, `[emulator.paging]` or the
/// first example, which the page starts from).
fn check_page_fields(
    api: &Api,
    ep: &Endpoint,
    paging: Option<&PagingCheck>,
    out: &mut Vec<Diagnostic>,
) {
    let (Some(pg), Some(TypeRef::Model(name))) = (&ep.pagination, &ep.response.ty) else {
        return;
    };
    let Some(m) = api.model(name) else { return };
    let mut filled: Vec<&str> = vec![pg.items.as_str()];
    match &pg.style {
        PageStyle::Page {
            next, total_pages, ..
        } => filled.extend(next.iter().chain(total_pages).map(String::as_str)),
        PageStyle::Cursor { next_cursor } => filled.push(next_cursor),
    }
    for (key, f) in paging.map(|p| p.fields.as_slice()).unwrap_or_default() {
        match m.fields.iter().find(|x| x.name == f.name) {
            Some(x) if x.ty == TypeRef::Integer && (*key != "prev" || x.is_option()) => {
                filled.push(&f.name);
            }
            Some(x) => out.push(Diagnostic::new(
                f.pos.clone(),
                format!(
                    "`paging.{key}` names `{}.{}`, which must be {}`integer`, not `{}`",
                    m.name,
                    x.name,
                    if *key == "prev" {
                        "a nullable or optional "
                    } else {
                        ""
                    },
                    x.ty
                ),
            )),
            None => out.push(field_error(m, f, &format!("`paging.{key}`"))),
        }
    }
    let example = ep
        .examples
        .iter()
        .filter(|e| (200..300).contains(&e.status))
        .find_map(|e| e.response.as_deref())
        .and_then(|t| serde_json::from_str::<serde_json::Value>(t).ok());
    for f in &m.fields {
        let from_example = example.as_ref().is_some_and(|e| e.get(&f.name).is_some());
        if !f.optional && !filled.contains(&f.name.as_str()) && !from_example {
            out.push(Diagnostic::new(
                paging.map_or(pg.pos.clone(), |p| p.pos.clone()),
                format!(
                    "the emulator cannot fill `{}.{}` of a page: name it in `[emulator.paging]` (`total`, `page`, `size`, `prev`) or give an example that has it",
                    m.name, f.name
                ),
            ));
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

    /// A list answers its items in `items_field` of the response model, or as the response
    /// itself: a misspelt field, or a model without one, is reported.
    #[test]
    fn a_list_puts_its_items_where_the_response_has_them() {
        let ep = |items_field: &str| {
            format!(
                "method = \"GET\"\npath = \"/things\"\n[response]\ntype = \"Things\"\n\
                 [models.Things.fields.items]\ntype = \"array<Thing>\"\n\
                 [models.Things.fields.total]\ntype = \"integer\"\n\
                 [emulator]\nresource = \"things\"\nop = \"list\"\n{items_field}"
            )
        };
        assert_eq!(errors(API, &ep("items_field = \"items\"\n")), "");
        let e = errors(API, &ep("items_field = \"itmes\"\n"));
        assert!(
            e.contains("t/ep.toml:12:15: `items_field` `itmes` is not a field of the response model `Things`; did you mean `items`?"),
            "{e}"
        );
        let e = errors(API, &ep("items_field = \"total\"\n"));
        assert!(
            e.contains(
                "`items_field` `total` must be an `array<…>` field of `Things`, not `integer`"
            ),
            "{e}"
        );
        let e = errors(API, &ep(""));
        assert!(
            e.contains(
                "t/ep.toml:11:6: a list answers an `array<…>`, and the response is `Things`"
            ),
            "{e}"
        );
    }

    /// `response` replaces the item a get or a delete answers with; on another operation it
    /// would be ignored.
    #[test]
    fn a_fixed_response_is_for_get_and_delete_only() {
        let ep = format!(
            "{EP}[emulator]\nresource = \"things\"\nop = \"action\"\nid_param = \"id\"\nset = {{ on = \"on\" }}\nresponse = '{{}}'\n"
        );
        let e = errors(API, &ep);
        assert!(
            e.contains("t/ep.toml:14:12: `response` applies to the `get` and `delete` operations (a fixed body instead of the item); `action` answers with what it made or found"),
            "{e}"
        );
        let ep = format!(
            "{EP}[emulator]\nresource = \"things\"\nop = \"get\"\nid_param = \"id\"\nresponse = '{{\"id\": \"x\", \"on\": false}}'\n"
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

    const TIMED_API: &str = r#"name = "t"
base_url = "https://x.test"

[models.Thing]
[models.Thing.fields.id]
type = "string"
[models.Thing.fields.at]
type = "datetime"
[models.Thing.fields.meta]
type = "map<json>"
optional = true
[models.Thing.fields.name]
type = "string"

[models.Page]
[models.Page.fields.items]
type = "array<Thing>"
[models.Page.fields.next]
type = "string"
optional = true
[models.Page.fields.total]
type = "integer"
[models.Page.fields.label]
type = "string"

[resources.things]
model = "Thing"
"#;

    #[test]
    fn in_range_needs_a_time_range_parameter_and_a_time_field() {
        let ep = r#"method = "GET"
path = "/things"
[query.r]
type = "time_range"
[query.n]
type = "integer"
[response]
type = "array<Thing>"
[emulator]
resource = "things"
op = "list"
in_range = { at = "r", "meta.start" = "r", name = "r", "mta.x" = "r", "at.x" = "r", "meta.end" = "n" }
"#;
        let e = errors(TIMED_API, ep);
        for want in [
            "t/ep.toml:12:44: `in_range` field `name` is `string`, which holds no time",
            "t/ep.toml:12:56: `in_range` field `mta.x`: `mta` is not a field of `Thing`; did you mean `meta`?",
            "t/ep.toml:12:71: `in_range` field `at.x`: `Thing.at` is `datetime`, which has no field `x`",
            "t/ep.toml:12:98: `in_range` needs a `time_range` query parameter; `n` is `integer`",
        ] {
            assert!(e.contains(want), "{want}\nin: {e}");
        }
        // `at` (a datetime) and `meta.start` (a key of a `map<json>`) are times.
        assert_eq!(e.lines().count(), 4, "{e}");
    }

    #[test]
    fn paging_is_checked_against_the_endpoint_and_its_page_model() {
        let ep = r#"method = "GET"
path = "/things"
[query.cursor]
type = "string"
optional = true
[query.size]
type = "string"
[response]
type = "Page"
[pagination]
style = "cursor"
param = "cursor"
items = "items"
next_cursor = "next"
[emulator]
resource = "things"
op = "list"
items_field = "items"
[emulator.paging]
size_param = "size"
default_size = 5
max_size = 10
total = "totl"
page = "total"
"#;
        let e = errors(TIMED_API, ep);
        for want in [
            "t/ep.toml:18:15: a paginated list answers its items in `pagination.items`: leave `items_field` out",
            "t/ep.toml:19:1: the emulator cannot fill `Page.label` of a page",
            "t/ep.toml:20:14: the page size parameter `size` must have type `integer`, not `string`",
            "t/ep.toml:23:9: `paging.total` `totl` is not a field of `Page`; did you mean `total`?",
            "t/ep.toml:24:8: `page` is a page number: cursor pagination has none",
        ] {
            assert!(e.contains(want), "{want}\nin: {e}");
        }

        let ep = r#"method = "GET"
path = "/things"
[query.limit]
type = "integer"
[response]
type = "array<Thing>"
[emulator]
resource = "things"
op = "list"
[emulator.paging]
size_param = "limt"
"#;
        let e = errors(TIMED_API, ep);
        assert_eq!(
            e,
            "t/ep.toml:10:1: `[emulator.paging]` pages a list: it needs `op = \"list\"` and a `[pagination]`"
        );

        for (sizes, message) in [
            (
                "default_size = 50\nmax_size = 10",
                "t/ep.toml:20:16: `default_size` (50) is larger than `max_size` (10)",
            ),
            (
                "default_size = 0",
                "t/ep.toml:20:16: `default_size` must be between 1 and 2^63-1",
            ),
            (
                "max_size = 0",
                "t/ep.toml:20:12: `max_size` must be between 1 and 2^63-1",
            ),
        ] {
            let ep = format!(
                "method = \"GET\"\npath = \"/things\"\n[query.cursor]\ntype = \"string\"\noptional = true\n[response]\ntype = \"Page\"\n[pagination]\nstyle = \"cursor\"\nparam = \"cursor\"\nitems = \"items\"\nnext_cursor = \"next\"\n[emulator]\nresource = \"things\"\nop = \"list\"\n[emulator.paging]\ntotal = \"total\"\n\n\n{sizes}\n"
            );
            let e = errors(TIMED_API, &ep);
            assert!(e.contains(message), "{sizes}: {e}");
        }
    }
}
