//! Validation: checks of single values, the per-endpoint checks that need the whole file, and
//! the cross-file checks and example checks run once every file is read.

use std::collections::{BTreeMap, HashSet};

use toml::Spanned;

use super::State;
use super::api_file::ApiHeader;
use super::hints::unknown_model_hint;
use super::json_pos;
use super::names::{check_client_names, check_one_of_names};
use crate::diag::Diagnostic;
use crate::model::*;
use crate::reader::{Cx, RawString};
use crate::types::is_keyword;

/// A base URL: http or https, with a host, without query or fragment.
pub(super) fn check_base_url(cx: &mut Cx<'_>, u: &Spanned<String>) {
    match url::Url::parse(u.get_ref()) {
        Ok(url) if !matches!(url.scheme(), "http" | "https") => cx.error(
            &u.span(),
            format!("base URL `{}` must use http or https", u.get_ref()),
        ),
        Ok(url) if url.host().is_none() => {
            cx.error(&u.span(), format!("base URL `{}` has no host", u.get_ref()));
        }
        Ok(url) if url.query().is_some() || url.fragment().is_some() => cx.error(
            &u.span(),
            format!(
                "base URL `{}` must not have a query or fragment",
                u.get_ref()
            ),
        ),
        Ok(_) => {}
        Err(e) => cx.error(
            &u.span(),
            format!("invalid base URL `{}`: {e}", u.get_ref()),
        ),
    }
}

/// An HTTP header name (an RFC 9110 token).
pub(super) fn is_header_name(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// Path parameters: declared ⇔ used. Sorts them in path order.
pub(super) fn check_path_params(
    cx: &mut Cx<'_>,
    segments: &[Segment],
    path: &Spanned<String>,
    path_params: &mut [(Spanned<String>, Param)],
) {
    let used: Vec<&str> = segments
        .iter()
        .filter_map(|s| match s {
            Segment::Param(p) => Some(p.as_str()),
            Segment::Literal(_) => None,
        })
        .collect();
    let path_span = path.span();
    for u in &used {
        if !path_params.iter().any(|(n, _)| n.get_ref() == u) {
            cx.error(
                &path_span,
                format!("path parameter `{{{u}}}` is not declared; add `[path_params.{u}]`"),
            );
        }
    }
    for (n, _) in path_params.iter() {
        if !used.contains(&n.get_ref().as_str()) {
            cx.error(
                &n.span(),
                format!(
                    "path parameter `{}` is declared but not in the path",
                    n.get_ref()
                ),
            );
        }
    }
    // Keep path parameters in path order.
    path_params.sort_by_key(|(n, _)| used.iter().position(|u| *u == n.get_ref()));
}

/// Parameters become arguments, builder fields and setters: their Rust names must be unique
/// and must not collide with what the builder already has.
pub(super) fn check_param_names<'a>(
    cx: &mut Cx<'_>,
    params: impl Iterator<Item = &'a Param>,
    has_body: bool,
) {
    let mut taken: Vec<&str> = vec![
        "client",
        "options",
        "timeout",
        "attempt_timeout",
        "max_attempts",
        "send",
        "into_future",
        "into_stream",
    ];
    if has_body {
        taken.push("body");
    }
    for p in params {
        if taken.contains(&p.rust_name.as_str()) {
            cx.error_at(
                p.pos.clone(),
                format!("parameter `{}` becomes the Rust name `{}`, which is already used; set `rust_name`", p.name, p.rust_name),
            );
        }
        taken.push(&p.rust_name);
    }
}

/// Names the generated module declares itself.
const RESERVED_TYPE_NAMES: &[&str] = &["Client", "Error", "ApiErrorBody", "API"];

/// Cross-file checks: unique names, every reference known, enums told apart from models.
pub(super) fn resolve(st: &mut State, header: &mut ApiHeader, endpoints: &mut [Endpoint]) {
    let mut seen: BTreeMap<String, (Pos, &str)> = BTreeMap::new();
    let names = st
        .models
        .iter()
        .map(|m| (&m.name, &m.pos, "model"))
        .chain(st.enums.iter().map(|e| (&e.name, &e.pos, "enum")))
        .chain(st.models.iter().flat_map(|m| {
            m.one_of
                .iter()
                .map(|g| (&g.type_name, &g.pos, "one_of group"))
        }));
    let builders: Vec<String> = endpoints
        .iter()
        .map(|e| {
            format!(
                "{}Builder",
                heck::ToUpperCamelCase::to_upper_camel_case(e.name.as_str())
            )
        })
        .collect();
    for (name, pos, kind) in names {
        if RESERVED_TYPE_NAMES.contains(&name.as_str())
            || builders.contains(name)
            || is_keyword(name)
        {
            st.diags.push(Diagnostic::new(
                pos.clone(),
                format!("type name `{name}` is taken by the generated code; choose another"),
            ));
        }
        if let Some((first, first_kind)) = seen.get(name) {
            let message = if kind == "one_of group" {
                format!(
                    "one_of type_name `{name}` is already the name of the {first_kind} declared \
                     at {first}; choose another `type_name`"
                )
            } else {
                format!("duplicate type name `{name}` (first declared at {first})")
            };
            st.diags.push(Diagnostic::new(pos.clone(), message));
        } else {
            seen.insert(name.clone(), (pos.clone(), kind));
        }
    }
    check_client_names(st, endpoints);
    check_one_of_names(st);
    let mut ep_names: BTreeMap<&str, &Pos> = BTreeMap::new();
    for ep in endpoints.iter() {
        if let Some(first) = ep_names.insert(&ep.name, &ep.pos) {
            st.diags.push(Diagnostic::new(
                ep.pos.clone(),
                format!("duplicate endpoint name `{}` (also {first})", ep.name),
            ));
        }
    }
    let is_model = |n: &str| st.models.iter().any(|m| m.name == n);
    let is_enum = |n: &str| st.enums.iter().any(|e| e.name == n);
    let mut unknown = Vec::new();
    for r in &st.refs {
        if !is_model(&r.name) && !is_enum(&r.name) {
            unknown.push(Diagnostic::new(
                r.pos.clone(),
                format!(
                    "unknown model reference `{}`: no model or enum of that name in this API{}",
                    r.name,
                    unknown_model_hint(st, &r.name)
                ),
            ));
        }
    }
    for (m, pos) in &header.error_models {
        if !is_model(m) {
            unknown.push(Diagnostic::new(
                pos.clone(),
                format!(
                    "unknown model reference `{m}` in `errors.models`{}",
                    unknown_model_hint(st, m)
                ),
            ));
        }
    }
    st.diags.extend(unknown);
    for ep in endpoints.iter() {
        if let Some(body) = &ep.body
            && st.enums.iter().any(|e| e.name == body.model)
        {
            st.diags.push(Diagnostic::new(
                ep.pos.clone(),
                format!(
                    "`[body] type = \"{}\"` names an enum: a body must be a model",
                    body.model
                ),
            ));
        }
    }
    let enum_names: HashSet<String> = st.enums.iter().map(|e| e.name.clone()).collect();
    let fix = |t: &mut TypeRef| fix_enum_refs(t, &enum_names);
    for m in &mut st.models {
        for f in &mut m.fields {
            fix(&mut f.ty);
        }
    }
    for (t, _, _) in &mut st.example_checks {
        fix(t);
    }
    let error_models: Vec<String> = header.error_models.iter().map(|(m, _)| m.clone()).collect();
    check_boxed_and_raw(st, &error_models);
    for ep in endpoints.iter_mut() {
        if let Some(ty) = &mut ep.response.ty {
            fix(ty);
        }
        for p in ep
            .path_params
            .iter_mut()
            .chain(&mut ep.query)
            .chain(&mut ep.headers)
        {
            fix(&mut p.ty);
        }
    }
}

/// `boxed` needs a model type; `raw_json` cannot be reached from a model with an
/// "exactly one of" group (serde buffers such models, and raw JSON cannot be buffered).
fn check_boxed_and_raw(st: &mut State, error_models: &[String]) {
    for m in &st.models {
        for f in &m.fields {
            if f.boxed && !matches!(f.ty, TypeRef::Model(_)) {
                st.diags.push(Diagnostic::new(
                    f.pos.clone(),
                    format!(
                        "`boxed` applies to fields whose type is a model; `{}` is `{}`",
                        f.name, f.ty
                    ),
                ));
            }
        }
    }
    // Roots decoded through serde's buffer: models with a one_of group, and the error models
    // (one untagged `ApiErrorBody` tries each in turn).
    let roots = st
        .models
        .iter()
        .filter(|m| !m.one_of.is_empty())
        .map(|m| (m.name.as_str(), "which has a one_of group"))
        .chain(error_models.iter().map(|m| {
            (
                m.as_str(),
                "an error model (the error body tries each in turn)",
            )
        }));
    for (root, why) in roots {
        let mut seen = HashSet::new();
        let mut stack = vec![root];
        while let Some(name) = stack.pop() {
            if !seen.insert(name) {
                continue;
            }
            let Some(model) = st.models.iter().find(|x| x.name == name) else {
                continue;
            };
            for f in &model.fields {
                let mut raw = false;
                collect_types(&f.ty, &mut |t| match t {
                    TypeRef::RawJson => raw = true,
                    TypeRef::Model(n) => stack.push(n),
                    _ => {}
                });
                if raw {
                    st.diags.push(Diagnostic::new(
                        f.pos.clone(),
                        format!(
                            "`raw_json` field `{}` is reachable from model `{root}`, {why}: \
                             such models are decoded through a buffer that cannot keep raw \
                             JSON; use `json`",
                            f.name
                        ),
                    ));
                }
            }
        }
    }
}

fn collect_types<'a>(t: &'a TypeRef, f: &mut impl FnMut(&'a TypeRef)) {
    match t {
        TypeRef::Array(i) | TypeRef::Map(i) => collect_types(i, f),
        other => f(other),
    }
}

/// Named types were read as models; those that name an enum become [`TypeRef::Enum`].
fn fix_enum_refs(t: &mut TypeRef, enums: &HashSet<String>) {
    match t {
        TypeRef::Array(i) | TypeRef::Map(i) => fix_enum_refs(i, enums),
        TypeRef::Model(n) if enums.contains(n.as_str()) => *t = TypeRef::Enum(std::mem::take(n)),
        _ => {}
    }
}

/// A JSON example against its type, once every type is known.
///
/// Each mismatch is reported where the offending JSON value is written, inside the example's
/// string (at the example itself when the literal was not kept).
pub(super) fn check_example(
    api: &Api,
    ty: &TypeRef,
    text: &str,
    pos: &Pos,
    raw_strings: &[RawString],
    out: &mut Vec<Diagnostic>,
) {
    let Ok(value) = serde_json::from_str::<serde_json::Value>(text) else {
        return; // reported when the example was read
    };
    let literal = raw_strings
        .iter()
        .find(|r| &r.owner == pos && r.value == text);
    for e in api.check_value(ty, &value) {
        let at = literal
            .and_then(|l| json_pos::value_pos(l, &value, &e.path))
            .unwrap_or_else(|| pos.clone());
        out.push(Diagnostic::new(
            at,
            format!("example does not match `{ty}`: {e}"),
        ));
    }
}

/// An error example must match at least one error model.
pub(super) fn check_error_example(api: &Api, text: &str, pos: &Pos, out: &mut Vec<Diagnostic>) {
    let Ok(value) = serde_json::from_str::<serde_json::Value>(text) else {
        return;
    };
    let fits = api.error_models.iter().any(|m| {
        api.check_value(&TypeRef::Model(m.clone()), &value)
            .is_empty()
    });
    if !fits {
        out.push(Diagnostic::new(
            pos.clone(),
            format!(
                "error example matches none of the error models ({})",
                api.error_models.join(", ")
            ),
        ));
    }
}

/// Whether `value`, as it travels in a path, query or header, is a value of `ty` (each item of
/// a comma-separated list for a list; a time range's text is the runtime's to parse).
fn param_value_fits(api: &Api, ty: &TypeRef, value: &str) -> bool {
    match ty {
        TypeRef::Integer | TypeRef::UnixSeconds | TypeRef::UnixMillis => {
            value.parse::<i64>().is_ok()
        }
        TypeRef::Float => value.parse::<f64>().is_ok(),
        TypeRef::Bool => matches!(value, "true" | "false"),
        TypeRef::Enum(e) => api
            .enum_def(e)
            .is_some_and(|d| d.values.iter().any(|v| v.value == value)),
        TypeRef::Array(inner) => value
            .split(',')
            .all(|item| param_value_fits(api, inner, item)),
        _ => true,
    }
}

/// The path parameters an example gives: each one the endpoint declares, with a value of its
/// type (the rustdoc examples and the emulator's answers are built from them); and each
/// parameter's own `example`, of its type (the rustdoc example calls use it).
pub(super) fn check_param_examples(api: &Api, diags: &mut Vec<Diagnostic>) {
    for ep in &api.endpoints {
        for p in ep.path_params.iter().chain(&ep.query).chain(&ep.headers) {
            if let Some(example) = &p.example
                && !param_value_fits(api, &p.ty, example)
            {
                diags.push(Diagnostic::new(
                    p.pos.clone(),
                    format!(
                        "the example `{example}` of parameter `{}` is not a `{}`",
                        p.name, p.ty
                    ),
                ));
            }
        }
        for ex in &ep.examples {
            for (name, value) in &ex.path_params {
                let Some(p) = ep.path_params.iter().find(|p| &p.name == name) else {
                    let declared: Vec<&str> =
                        ep.path_params.iter().map(|p| p.name.as_str()).collect();
                    diags.push(Diagnostic::new(
                        ex.pos.clone(),
                        format!(
                            "example `{}` gives path parameter `{name}`, which `{}` does not have (it has: {})",
                            ex.title,
                            ep.path,
                            if declared.is_empty() { "none".to_owned() } else { declared.join(", ") }
                        ),
                    ));
                    continue;
                };
                if !param_value_fits(api, &p.ty, value) {
                    diags.push(Diagnostic::new(
                        ex.pos.clone(),
                        format!(
                            "example `{}` gives path parameter `{name}` the value `{value}`, which is not a `{}`",
                            ex.title, p.ty
                        ),
                    ));
                }
            }
        }
    }
}
