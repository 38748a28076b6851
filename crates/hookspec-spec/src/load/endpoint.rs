//! An endpoint file: name, method, path, parameters, body, response, examples, and the
//! models and enums it declares.

use std::path::Path;
use std::sync::Arc;

use toml::Spanned;

use super::State;
use super::items::{no_time_range, read_example, read_model, read_models_and_enums, read_type};
use super::names::snake_rust_name;
use super::validate::{check_param_names, check_path_params, is_header_name};
use crate::model::*;
use crate::reader::{Cx, TableReader};
use crate::types::{is_item_name, is_snake_ident, rust_ident};

/// An endpoint file: one HTTP endpoint, and the models and enums it declares.
pub(super) fn read_endpoint(
    st: &mut State,
    cx: &mut Cx<'_>,
    mut t: TableReader<'_, '_>,
) -> Option<Endpoint> {
    let file: Arc<str> = cx.pos(&(0..0)).file;
    let pos = cx.pos(&(0..0));
    let name = read_endpoint_name(cx, &mut t, &file, &pos);
    let summary = t
        .string(cx, "summary")
        .map(Spanned::into_inner)
        .unwrap_or_default();
    let doc = t
        .string(cx, "doc")
        .map(Spanned::into_inner)
        .unwrap_or_default();
    let method = read_method(cx, &mut t);
    let path = t.required_string(cx, "path", "the endpoint file");
    let segments = path.as_ref().and_then(|p| parse_path(cx, p));
    let idempotent = t.bool(cx, "idempotent");
    let Params {
        mut path_params,
        query,
        headers,
    } = read_params(st, cx, &mut t);
    let body = t
        .table(cx, "body")
        .and_then(|b| read_body(st, cx, b, &name));
    let response = read_response(st, cx, &mut t, method == Some(Method::Head));
    let pagination = t
        .table(cx, "pagination")
        .and_then(|p| read_pagination(cx, p));
    let examples: Vec<Example> = t
        .tables(cx, "examples")
        .into_iter()
        .map(|ex| read_example(cx, ex))
        .collect();
    read_models_and_enums(st, cx, &mut t);
    let emulator = super::emulation::read_emulator(st, cx, &mut t, &name);
    t.finish(cx, "the endpoint file");

    if let (Some(segments), Some(path)) = (&segments, &path) {
        check_path_params(cx, segments, path, &mut path_params);
    }
    check_param_names(
        cx,
        path_params
            .iter()
            .map(|(_, p)| p)
            .chain(&query)
            .chain(&headers),
        body.is_some(),
    );
    let method = method?;
    let response = response?;
    queue_example_checks(st, &examples, body.as_ref(), &response);
    Some(Endpoint {
        name,
        summary,
        doc,
        method,
        path: path?.into_inner(),
        segments: segments?,
        idempotent: idempotent.unwrap_or_else(|| method.is_idempotent()),
        path_params: path_params.into_iter().map(|(_, p)| p).collect(),
        query,
        headers,
        body,
        response,
        pagination,
        examples,
        emulator,
        file,
        pos,
    })
}

/// `name`, or else the file name without `.toml`; either must be a snake_case identifier that
/// starts with a letter (the builder's and the metadata's names are derived from it).
fn read_endpoint_name(
    cx: &mut Cx<'_>,
    t: &mut TableReader<'_, '_>,
    file: &str,
    pos: &Pos,
) -> String {
    let stem = Path::new(file)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = t.string(cx, "name");
    let name_str = name.as_ref().map_or(stem.clone(), |n| n.get_ref().clone());
    if !is_item_name(&name_str) {
        match &name {
            Some(n) => cx.error(
                &n.span(),
                format!(
                    "endpoint name `{name_str}` must be a snake_case identifier that starts with a letter"
                ),
            ),
            None => cx.error_at(
                pos.clone(),
                format!(
                    "file name `{stem}` is not a snake_case identifier that starts with a letter; set `name`"
                ),
            ),
        }
    }
    name_str
}

/// The required `method`.
fn read_method(cx: &mut Cx<'_>, t: &mut TableReader<'_, '_>) -> Option<Method> {
    t.required_string(cx, "method", "the endpoint file")
        .and_then(|m| {
            let parsed = Method::parse(m.get_ref());
            if parsed.is_none() {
                cx.error(
                    &m.span(),
                    format!(
                        "invalid method `{}` (expected GET, POST, PUT, PATCH, DELETE or HEAD)",
                        m.get_ref()
                    ),
                );
            }
            parsed
        })
}

/// An endpoint's parameters; path parameters keep their key, checked against the path later.
struct Params {
    path_params: Vec<(Spanned<String>, Param)>,
    query: Vec<Param>,
    headers: Vec<Param>,
}

/// `[path_params.*]`, `[query.*]` and `[headers.*]`.
fn read_params(st: &mut State, cx: &mut Cx<'_>, t: &mut TableReader<'_, '_>) -> Params {
    let mut path_params = Vec::new();
    for (n, pt) in t.named_tables(cx, "path_params") {
        if let Some(p) = read_param(st, cx, &n, pt, "path parameter") {
            path_params.push((n, p));
        }
    }
    let query: Vec<Param> = t
        .named_tables(cx, "query")
        .into_iter()
        .filter_map(|(n, q)| read_param(st, cx, &n, q, "query parameter"))
        .collect();
    let headers: Vec<Param> = t
        .named_tables(cx, "headers")
        .into_iter()
        .filter_map(|(n, h)| {
            if !is_header_name(n.get_ref()) {
                cx.error(
                    &n.span(),
                    format!("`{}` is not a valid header name", n.get_ref()),
                );
            }
            read_param(st, cx, &n, h, "header")
        })
        .collect();
    Params {
        path_params,
        query,
        headers,
    }
}

/// One `[path_params.*]`, `[query.*]` or `[headers.*]` entry (`what` names which).
fn read_param(
    st: &mut State,
    cx: &mut Cx<'_>,
    name: &Spanned<String>,
    mut t: TableReader<'_, '_>,
    what: &str,
) -> Option<Param> {
    let ty = t.required_string(cx, "type", &format!("{what} `{}`", name.get_ref()));
    let doc = t
        .string(cx, "doc")
        .map(Spanned::into_inner)
        .unwrap_or_default();
    let optional = t.bool(cx, "optional");
    let example = t.string(cx, "example").map(Spanned::into_inner);
    let format = t.string(cx, "format");
    let separator = t.string(cx, "separator");
    let max_days = t.uint(cx, "max_days");
    let explode = t.bool(cx, "explode");
    let rust_name = t
        .string(cx, "rust_name")
        .and_then(|r| snake_rust_name(cx, "rust_name", &r));
    t.finish(cx, &format!("{what} `{}`", name.get_ref()));
    let ty = read_type(st, cx, ty.as_ref()?)?;
    // A PascalCase name may be an enum declared further down: checked once names resolve
    // (`check_param_types`).
    let param_like = |t: &TypeRef| t.is_scalar() || matches!(t, TypeRef::Model(_));
    let list = match &ty {
        TypeRef::Array(inner) if what == "query parameter" => {
            if !param_like(inner) || **inner == TypeRef::TimeRange {
                cx.error(
                    &name.span(),
                    format!(
                        "the items of list-valued query parameter `{}` must have a scalar type other than `time_range`, not `{inner}`",
                        name.get_ref()
                    ),
                );
            }
            Some(ListFormat {
                explode: explode.unwrap_or(true),
            })
        }
        _ => {
            if explode.is_some() {
                cx.error(
                    &name.span(),
                    format!(
                        "`explode` applies to list-valued (`array<T>`) query parameters only; `{}` is a {what} of type `{ty}`",
                        name.get_ref()
                    ),
                );
            }
            None
        }
    };
    if list.is_none() && !param_like(&ty) {
        cx.error(
            &name.span(),
            format!(
                "{what} `{}` must have a scalar type, not `{ty}`",
                name.get_ref()
            ),
        );
    }
    let range = if ty == TypeRef::TimeRange {
        if what != "query parameter" {
            cx.error(
                &name.span(),
                format!("`time_range` is a query parameter type, not a {what} type"),
            );
        }
        Some(RangeFormat {
            format: format.map_or_else(|| "%Y-%m-%d %H:%M".to_owned(), Spanned::into_inner),
            separator: separator.map_or_else(|| " - ".to_owned(), Spanned::into_inner),
            max_days: max_days.and_then(|d| u32::try_from(d.into_inner()).ok()),
        })
    } else {
        for (key, span) in [
            ("format", format.map(|f| f.span())),
            ("separator", separator.map(|f| f.span())),
            ("max_days", max_days.map(|f| f.span())),
        ] {
            if let Some(span) = span {
                cx.error(
                    &span,
                    format!("`{key}` applies to `time_range` parameters only"),
                );
            }
        }
        None
    };
    if what == "path parameter" && optional == Some(true) {
        cx.error(&name.span(), "path parameters cannot be optional");
    }
    let Some(rust_name) = rust_name.or_else(|| rust_ident(name.get_ref())) else {
        cx.error(
            &name.span(),
            format!(
                "no Rust identifier can be derived from `{}`",
                name.get_ref()
            ),
        );
        return None;
    };
    Some(Param {
        name: name.get_ref().clone(),
        rust_name,
        doc,
        ty,
        optional: optional.unwrap_or(false),
        example,
        range,
        list,
        pos: cx.pos(&name.span()),
    })
}

/// `[body]`: either `type`, a model declared elsewhere, or the fields of a model declared here
/// (named `type_name`, by default `<Endpoint>Request`), which goes into [`State`].
fn read_body(
    st: &mut State,
    cx: &mut Cx<'_>,
    mut b: TableReader<'_, '_>,
    endpoint: &str,
) -> Option<Body> {
    let span = b.span.clone();
    let bdoc = b
        .string(cx, "doc")
        .map(Spanned::into_inner)
        .unwrap_or_default();
    if let Some(ty) = b.string(cx, "type") {
        b.finish(
            cx,
            "`body` (with `type`, the body is a model declared elsewhere)",
        );
        return match read_type(st, cx, &ty)? {
            TypeRef::Model(model) => Some(Body { model, doc: bdoc }),
            other => {
                cx.error(&ty.span(), format!("a body must be a model, not `{other}`"));
                None
            }
        };
    }
    let pascal = heck::ToUpperCamelCase::to_upper_camel_case(endpoint);
    let type_name = b
        .string(cx, "type_name")
        .unwrap_or_else(|| Spanned::new(span, format!("{pascal}Request")));
    let model = read_model(st, cx, type_name, b, "body")?;
    let name = model.name.clone();
    st.models.push(Model {
        doc: if model.doc.is_empty() {
            bdoc.clone()
        } else {
            model.doc.clone()
        },
        ..model
    });
    Some(Body {
        model: name,
        doc: bdoc,
    })
}

/// The required `[response]`: its type, and its status (2xx, by default 200).
fn read_response(
    st: &mut State,
    cx: &mut Cx<'_>,
    t: &mut TableReader<'_, '_>,
    head: bool,
) -> Option<Response> {
    let Some(mut r) = t.table(cx, "response") else {
        cx.error(
            &t.span,
            "the endpoint file is missing the required table `[response]`",
        );
        return None;
    };
    let rpos = cx.pos(&r.span);
    let rspan = r.span.clone();
    let ty = r.string(cx, "type");
    let status = r.uint(cx, "status");
    let rdoc = r
        .string(cx, "doc")
        .map(Spanned::into_inner)
        .unwrap_or_default();
    r.finish(cx, "`response`");
    let status = match status {
        Some(s) => match u16::try_from(*s.get_ref()) {
            Ok(v) if (200..300).contains(&v) => v,
            _ => {
                cx.error(&s.span(), "`status` must be a 2xx status code");
                200
            }
        },
        None => 200,
    };
    // No `type`: a response without a body to decode, which only a 204, or the answer to a
    // HEAD, can promise.
    let ty = match ty {
        Some(ty) if head => {
            cx.error(
                &ty.span(),
                "the answer to a HEAD request has no body: leave `type` out of `[response]`",
            );
            None
        }
        Some(ty) => {
            let parsed = read_type(st, cx, &ty)?;
            no_time_range(cx, &ty.span(), &parsed, "response");
            Some(parsed)
        }
        None if status == 204 || head => None,
        None => {
            cx.error(
                &rspan,
                "`response` is missing the required key `type` (only `status = 204` may leave it out: no body)",
            );
            return None;
        }
    };
    Some(Response {
        status,
        ty,
        doc: rdoc,
        pos: rpos,
    })
}

/// `[pagination]`: `style` (`page` or `cursor`), `param`, `items`, and per style `first_page`,
/// `next`, `total_pages` or `next_cursor`. What they name is checked once every model is
/// known (`check_pagination`).
fn read_pagination(cx: &mut Cx<'_>, mut p: TableReader<'_, '_>) -> Option<Pagination> {
    let pos = cx.pos(&p.span);
    let span = p.span.clone();
    let style = p.required_string(cx, "style", "`pagination`");
    let param = p.required_string(cx, "param", "`pagination`");
    let items = p.required_string(cx, "items", "`pagination`");
    let first_page = p.uint(cx, "first_page");
    let next = p.string(cx, "next");
    let total_pages = p.string(cx, "total_pages");
    let next_cursor = p.string(cx, "next_cursor");
    p.finish(cx, "`pagination`");
    let style = style?;
    let page_keys = [
        ("first_page", first_page.as_ref().map(|s| s.span())),
        ("next", next.as_ref().map(|s| s.span())),
        ("total_pages", total_pages.as_ref().map(|s| s.span())),
    ];
    let style = match style.get_ref().as_str() {
        "page" => {
            if let Some(nc) = &next_cursor {
                cx.error(
                    &nc.span(),
                    "`next_cursor` applies to `style = \"cursor\"` only",
                );
            }
            PageStyle::Page {
                first_page: first_page.map_or(1, |f| i64::try_from(f.into_inner()).unwrap_or(1)),
                next: next.map(Spanned::into_inner),
                total_pages: total_pages.map(Spanned::into_inner),
            }
        }
        "cursor" => {
            for (key, s) in page_keys {
                if let Some(s) = s {
                    cx.error(&s, format!("`{key}` applies to `style = \"page\"` only"));
                }
            }
            let Some(nc) = next_cursor else {
                cx.error(&span, "`pagination` with `style = \"cursor\"` is missing the required key `next_cursor`");
                return None;
            };
            PageStyle::Cursor {
                next_cursor: nc.into_inner(),
            }
        }
        other => {
            cx.error(
                &style.span(),
                format!("invalid pagination style `{other}` (expected `page` or `cursor`)"),
            );
            return None;
        }
    };
    Some(Pagination {
        param: param?.into_inner(),
        items: items?.into_inner(),
        style,
        pos,
    })
}

/// Request examples are checked against the body's model, 2xx response examples against the
/// response type, once every type is known.
fn queue_example_checks(
    st: &mut State,
    examples: &[Example],
    body: Option<&Body>,
    response: &Response,
) {
    let body_ty = body.map(|b| TypeRef::Model(b.model.clone()));
    for ex in examples {
        if let (Some(text), Some(ty)) = (&ex.request, &body_ty) {
            st.example_checks
                .push((ty.clone(), text.clone(), ex.pos.clone()));
        }
        if let Some(text) = &ex.response
            && (200..300).contains(&ex.status)
            && let Some(ty) = &response.ty
        {
            st.example_checks
                .push((ty.clone(), text.clone(), ex.pos.clone()));
        }
    }
}

/// Splits `/client/webhooks/{id}` into literals and parameters.
fn parse_path(cx: &mut Cx<'_>, path: &Spanned<String>) -> Option<Vec<Segment>> {
    let p = path.get_ref();
    let err = |cx: &mut Cx<'_>, msg: String| {
        cx.error(&path.span(), msg);
        None
    };
    if !p.starts_with('/') {
        return err(cx, format!("path `{p}` must start with `/`"));
    }
    if p.contains(['?', '#']) {
        return err(
            cx,
            format!(
                "path `{p}` must not contain a query or fragment; declare `[query.*]` parameters"
            ),
        );
    }
    if let Some(colon) = p.split('/').find(|s| s.starts_with(':')) {
        return err(
            cx,
            format!(
                "path segment `{colon}`: write parameters as `{{{}}}`",
                &colon[1..]
            ),
        );
    }
    let mut out = Vec::new();
    let mut rest = p.as_str();
    while let Some(open) = rest.find('{') {
        if open > 0 {
            out.push(Segment::Literal(rest[..open].to_owned()));
        }
        let Some(close) = rest[open..].find('}') else {
            return err(cx, format!("unclosed `{{` in path `{p}`"));
        };
        let name = &rest[open + 1..open + close];
        if !is_snake_ident(name) {
            return err(
                cx,
                format!("path parameter `{{{name}}}` must be a snake_case identifier"),
            );
        }
        if out
            .iter()
            .any(|s| matches!(s, Segment::Param(n) if n == name))
        {
            return err(cx, format!("path parameter `{{{name}}}` appears twice"));
        }
        out.push(Segment::Param(name.to_owned()));
        rest = &rest[open + close + 1..];
    }
    if rest.contains('}') {
        return err(cx, format!("unmatched `}}` in path `{p}`"));
    }
    if !rest.is_empty() {
        out.push(Segment::Literal(rest.to_owned()));
    }
    Some(out)
}
