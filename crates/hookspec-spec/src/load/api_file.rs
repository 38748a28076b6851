//! The API file (`api.toml`): name, base URL, auth, rate limit, error models, shared models.

use toml::Spanned;

use super::State;
use super::items::{read_example, read_models_and_enums};
use super::validate::{check_base_url, is_header_name};
use crate::model::*;
use crate::reader::{Cx, TableReader};
use crate::types::is_item_name;

/// The API file's own settings; its models and enums go into [`State`].
pub(super) struct ApiHeader {
    pub(super) name: String,
    pub(super) title: String,
    pub(super) doc: String,
    pub(super) base_url: String,
    pub(super) auth: Auth,
    pub(super) rate_limit: Option<RateLimit>,
    pub(super) error_models: Vec<(String, Pos)>,
    pub(super) error_examples: Vec<Example>,
    pub(super) deny_unknown: bool,
    pub(super) pos: Pos,
}

pub(super) fn read_api_header(
    st: &mut State,
    cx: &mut Cx<'_>,
    mut t: TableReader<'_, '_>,
) -> Option<ApiHeader> {
    let pos = cx.pos(&(0..0));
    let name = t.required_string(cx, "name", "the API file");
    if let Some(n) = &name
        && !is_item_name(n.get_ref())
    {
        cx.error(
            &n.span(),
            format!(
                "API name `{}` must be a snake_case identifier that starts with a letter and is not a keyword (it names the generated module)",
                n.get_ref()
            ),
        );
    }
    let title = t.string(cx, "title");
    let doc = t.string(cx, "doc");
    let base_url = t.required_string(cx, "base_url", "the API file");
    if let Some(u) = &base_url {
        check_base_url(cx, u);
    }
    let auth = match t.table(cx, "auth") {
        Some(a) => read_auth(cx, a),
        None => Auth::None,
    };
    let rate_limit = t
        .table(cx, "rate_limit")
        .and_then(|r| read_rate_limit(cx, r));
    let (error_models, error_examples) = match t.table(cx, "errors") {
        Some(e) => read_errors(cx, e),
        None => (Vec::new(), Vec::new()),
    };
    let deny_unknown = t.bool(cx, "deny_unknown").unwrap_or(false);
    read_models_and_enums(st, cx, &mut t);
    super::emulation::read_resources(st, cx, &mut t);
    t.finish(cx, "the API file");
    Some(ApiHeader {
        name: name?.into_inner(),
        title: title.map(Spanned::into_inner).unwrap_or_default(),
        doc: doc.map(Spanned::into_inner).unwrap_or_default(),
        base_url: base_url?.into_inner().trim_end_matches('/').to_owned(),
        auth,
        rate_limit,
        error_models,
        error_examples,
        deny_unknown,
        pos,
    })
}

/// `[auth]`: `scheme` (header, bearer or none) and, for `header`, the header's name.
fn read_auth(cx: &mut Cx<'_>, mut a: TableReader<'_, '_>) -> Auth {
    let scheme = a.required_string(cx, "scheme", "`auth`");
    let header = a.string(cx, "header");
    let _doc = a.string(cx, "doc");
    let auth = match scheme.as_ref().map(|s| s.get_ref().as_str()) {
        Some("header") => match header {
            Some(h) if is_header_name(h.get_ref()) => Auth::Header {
                name: h.into_inner(),
            },
            Some(h) => {
                cx.error(
                    &h.span(),
                    format!("`{}` is not a valid header name", h.get_ref()),
                );
                Auth::None
            }
            None => {
                cx.error(
                    &a.span,
                    "`auth.scheme = \"header\"` needs `header = \"<name>\"`",
                );
                Auth::None
            }
        },
        Some(scheme @ ("bearer" | "none")) => {
            // A header name here would be ignored: the bearer token goes in `Authorization`.
            if let Some(h) = &header {
                cx.error(
                    &h.span(),
                    format!(
                        "`header` applies to `scheme = \"header\"`; with `{scheme}` it would be ignored"
                    ),
                );
            }
            if scheme == "bearer" {
                Auth::Bearer
            } else {
                Auth::None
            }
        }
        Some(other) => {
            if let Some(s) = &scheme {
                cx.error(
                    &s.span(),
                    format!("unknown auth scheme `{other}` (expected header, bearer or none)"),
                );
            }
            Auth::None
        }
        None => Auth::None,
    };
    a.finish(cx, "`auth`");
    auth
}

/// `[rate_limit]`: `requests` per `per_seconds`, both between 1 and `u32::MAX`.
fn read_rate_limit(cx: &mut Cx<'_>, mut r: TableReader<'_, '_>) -> Option<RateLimit> {
    let requests = r.uint(cx, "requests");
    let per = r.uint(cx, "per_seconds");
    // Both are needed: half a rate limit is not "no rate limit".
    for (key, present) in [
        ("requests", requests.is_some()),
        ("per_seconds", per.is_some()),
    ] {
        if !present && !r.has(key) {
            cx.error(
                &r.span,
                format!("`rate_limit` is missing the required key `{key}`"),
            );
        }
    }
    r.finish(cx, "`rate_limit`");
    let (requests, per) = (requests?, per?);
    let positive = |cx: &mut Cx<'_>, v: &Spanned<u64>, key: &str| -> Option<u32> {
        match u32::try_from(*v.get_ref()) {
            Ok(n) if n > 0 => Some(n),
            _ => {
                cx.error(
                    &v.span(),
                    format!("`{key}` must be between 1 and {}", u32::MAX),
                );
                None
            }
        }
    };
    Some(RateLimit {
        requests: positive(cx, &requests, "requests")?,
        per_seconds: positive(cx, &per, "per_seconds")?,
    })
}

/// `[errors]`: the error models (resolved later) and the error examples.
fn read_errors(cx: &mut Cx<'_>, mut e: TableReader<'_, '_>) -> (Vec<(String, Pos)>, Vec<Example>) {
    let mut error_models = Vec::new();
    for m in e.strings(cx, "models").unwrap_or_default() {
        let pos = cx.pos(&m.span());
        error_models.push((m.into_inner(), pos));
    }
    let error_examples = e
        .tables(cx, "examples")
        .into_iter()
        .map(|ex| read_example(cx, ex))
        .collect();
    e.finish(cx, "`errors`");
    (error_models, error_examples)
}
