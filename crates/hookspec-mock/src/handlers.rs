//! Request handling: faults, auth, validation, then the endpoint's behaviour.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Query, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hookspec_spec::{Api, Auth, Endpoint, Param, TypeRef, ValueError};
use serde_json::{Map, Value, json};

use crate::faults::{Fault, FaultRule};
use crate::{ADMIN_TOKEN_HEADER, DropConnection, RecordedRequest, Shared, lock};

/// Largest request body read.
const MAX_BODY: usize = 1024 * 1024;

pub(crate) fn json_response(status: StatusCode, body: &Value) -> Response {
    let mut resp = (status, body.to_string()).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

/// An error body in the API's own format: the first error model of the spec, its fields
/// filled by name (`error`, `message`, `code`, `details`, `status`, `errors`).
pub(crate) fn error_body(
    api: &Api,
    status: StatusCode,
    message: &str,
    details: &[ValueError],
) -> Value {
    let Some(model) = api.error_models.first().and_then(|m| api.model(m)) else {
        return json!({ "message": message });
    };
    let reason = status.canonical_reason().unwrap_or("Error");
    let detail_items: Vec<Value> = details
        .iter()
        .map(|d| json!({ "field": d.path, "message": d.message }))
        .collect();
    let mut obj = Map::new();
    for f in &model.fields {
        let value = match (f.name.as_str(), &f.ty) {
            ("error", TypeRef::String) => json!(reason),
            ("message", _) => json!(message),
            ("code" | "status_code", TypeRef::Integer) => json!(status.as_u16()),
            ("status", TypeRef::String) => json!("error"),
            ("details", _) => Value::Array(detail_items.clone()),
            ("errors", _) => json!([{ "code": status.as_u16(), "message": message }]),
            _ if f.optional => continue,
            (_, TypeRef::Integer) => json!(status.as_u16()),
            (_, TypeRef::String) => json!(message),
            _ => Value::Null,
        };
        obj.insert(f.name.clone(), value);
    }
    Value::Object(obj)
}

pub(crate) fn api_error(
    api: &Api,
    status: StatusCode,
    message: &str,
    details: &[ValueError],
) -> Response {
    // An error model without a `details` list still names the fields, in its message.
    let has_details = api
        .error_models
        .first()
        .and_then(|m| api.model(m))
        .is_some_and(|m| m.fields.iter().any(|f| f.name == "details"));
    if !details.is_empty() && !has_details {
        let named: Vec<String> = details
            .iter()
            .map(|d| {
                format!(
                    "{}: {}",
                    if d.path.is_empty() { "body" } else { &d.path },
                    d.message
                )
            })
            .collect();
        let message = format!("{message}: {}", named.join("; "));
        return json_response(status, &error_body(api, status, &message, details));
    }
    json_response(status, &error_body(api, status, message, details))
}

/// The query parameters of `ep` checked against the spec: required ones present, each of its
/// type, enums among their values, time ranges well formed and within their bounds.
fn check_query(api: &Api, ep: &Endpoint, query: Option<&str>) -> Vec<ValueError> {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .into_owned()
        .collect();
    let mut problems = Vec::new();
    for p in &ep.query {
        let mut fail = |message: String| {
            problems.push(ValueError {
                path: p.name.clone(),
                message,
            });
        };
        let mut given = pairs.iter().filter(|(k, _)| *k == p.name).map(|(_, v)| v);
        // A list: every `name=` pair (`explode`), or the items of one comma-separated value.
        let (ty, values): (&TypeRef, Vec<&str>) = match (&p.ty, &p.list) {
            (TypeRef::Array(inner), Some(list)) if list.explode => {
                (inner, given.map(String::as_str).collect())
            }
            (TypeRef::Array(inner), Some(_)) => (
                inner,
                given
                    .next()
                    .map_or_else(Vec::new, |v| v.split(',').collect()),
            ),
            (ty, _) => (ty, given.next().map(String::as_str).into_iter().collect()),
        };
        if values.is_empty() {
            // An empty list sends nothing: a required list may be absent.
            if !p.optional && p.list.is_none() {
                fail("required query parameter missing".to_owned());
            }
            continue;
        }
        for value in values {
            if let Some(problem) = check_query_value(api, p, ty, value) {
                fail(problem);
            }
        }
    }
    problems
}

/// The header parameters of `ep` checked as its query parameters are: required ones present
/// (names without regard to case), each of its type, enums among their values.
fn check_headers(api: &Api, ep: &Endpoint, headers: &axum::http::HeaderMap) -> Vec<ValueError> {
    let mut problems = Vec::new();
    for p in &ep.headers {
        let fail = |message: String| ValueError {
            path: p.name.clone(),
            message,
        };
        match headers.get(p.name.as_str()).map(|v| v.to_str()) {
            None if !p.optional => problems.push(fail("required header missing".to_owned())),
            None => {}
            Some(Err(_)) => problems.push(fail("not visible ASCII".to_owned())),
            Some(Ok(value)) => {
                if let Some(problem) = check_query_value(api, p, &p.ty, value) {
                    problems.push(fail(problem));
                }
            }
        }
    }
    problems
}

/// What is wrong with one query value (one item of a list) of type `ty`, if anything.
fn check_query_value(api: &Api, p: &Param, ty: &TypeRef, value: &str) -> Option<String> {
    match ty {
        TypeRef::Integer | TypeRef::UnixSeconds | TypeRef::UnixMillis
            if value.parse::<i64>().is_err() =>
        {
            Some(format!("expected an integer, found `{value}`"))
        }
        TypeRef::Float if value.parse::<f64>().is_err() => {
            Some(format!("expected a number, found `{value}`"))
        }
        TypeRef::Bool if !matches!(value, "true" | "false") => {
            Some(format!("expected true or false, found `{value}`"))
        }
        TypeRef::Enum(name)
            if !api
                .enum_def(name)
                .is_some_and(|e| e.values.iter().any(|v| v.value == value)) =>
        {
            Some(format!("`{value}` is not a known `{name}`"))
        }
        TypeRef::TimeRange => {
            let rf = p.range.as_ref()?;
            hookspec::TimeRange::parse(value, &rf.format, &rf.separator)
                .and_then(|r| r.format(&rf.format, &rf.separator, rf.max_days))
                .err()
        }
        _ => None,
    }
}

/// Whether the request carries the key the API expects.
fn authorized(shared: &Shared, api: &Api, headers: &axum::http::HeaderMap) -> bool {
    let key = shared.key_for(&api.name);
    let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    match &api.auth {
        Auth::Header { name } => get(name) == Some(key),
        Auth::Bearer => get("authorization")
            .and_then(|v| v.strip_prefix("Bearer "))
            .is_some_and(|t| t == key),
        Auth::None => true,
    }
}

/// Percent-decodes `s`; `None` when an escape is malformed or the result is not UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The path parameters of a request path matched against `/<api><template>`, decoded; the
/// error names the parameter whose value is not valid percent-encoded UTF-8.
fn path_params(
    api: &Api,
    template: &str,
    path: &str,
) -> Result<HashMap<String, String>, ValueError> {
    let mut params = HashMap::new();
    let full = format!("/{}{}", api.name, template);
    for (t, seg) in full.split('/').zip(path.split('/')) {
        if let Some(name) = t.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
            let value = percent_decode(seg).ok_or_else(|| ValueError {
                path: name.to_owned(),
                message: "not valid percent-encoded UTF-8".to_owned(),
            })?;
            params.insert(name.to_owned(), value);
        }
    }
    Ok(params)
}

/// 405 with `Allow`, in the API's error model.
pub(crate) fn method_not_allowed(api: &Api, allow: &str, method: &axum::http::Method) -> Response {
    let mut resp = api_error(
        api,
        StatusCode::METHOD_NOT_ALLOWED,
        &format!("method {method} is not allowed here; allowed: {allow}"),
        &[],
    );
    if let Ok(v) = HeaderValue::from_str(allow) {
        resp.headers_mut().insert(header::ALLOW, v);
    }
    resp
}

/// 404 for a path no route matches: in the error model of the API the path is under, or one
/// every API's model decodes.
pub(crate) fn not_found(shared: &Shared, req: &Request) -> Response {
    let path = req.uri().path();
    let message = format!("no route for {} {}", req.method(), cut(path, 200));
    let first = path.trim_start_matches('/').split('/').next().unwrap_or("");
    match shared.apis.iter().find(|a| a.name == first) {
        Some(api) => api_error(api, StatusCode::NOT_FOUND, &message, &[]),
        None => json_response(
            StatusCode::NOT_FOUND,
            &crate::surface::any_api_error_body(&shared.apis, StatusCode::NOT_FOUND, &message),
        ),
    }
}

/// At most `max` bytes of `s`, cut at a character boundary.
fn cut(s: &str, max: usize) -> &str {
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Every endpoint route lands here.
pub(crate) async fn endpoint(
    shared: Arc<Shared>,
    api: Arc<Api>,
    index: usize,
    req: Request,
) -> Response {
    let ep = &api.endpoints[index];
    let route = format!("{}.{}", api.name, ep.name);
    let (parts, body) = req.into_parts();
    let body = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(_) => {
            return api_error(
                &api,
                StatusCode::PAYLOAD_TOO_LARGE,
                "request body too large",
                &[],
            );
        }
    };
    let mut secret = vec![ADMIN_TOKEN_HEADER];
    if let Auth::Header { name } = &api.auth {
        secret.push(name.as_str());
    }
    let entry = RecordedRequest::new(route.clone(), &parts, &body, &secret);
    lock(&shared.requests).push(entry);

    if let Some(fault) = shared.faults.take(&route) {
        match fault {
            Fault::Delay { millis } => tokio::time::sleep(Duration::from_millis(millis)).await,
            Fault::Status { status } => {
                let status =
                    StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                return api_error(&api, status, "injected fault", &[]);
            }
            Fault::DropConnection => {
                let mut resp = Response::new(Body::empty());
                resp.extensions_mut().insert(DropConnection);
                return resp;
            }
            Fault::TruncatedBody => {
                let full = example_or_null(ep).to_string();
                let half = full.as_bytes()[..full.len() / 2].to_vec();
                let mut resp = Response::new(Body::from(half));
                resp.headers_mut().insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                );
                resp.headers_mut()
                    .insert(header::CONTENT_LENGTH, HeaderValue::from(full.len()));
                return resp;
            }
            Fault::MalformedBody => {
                let mut resp = (StatusCode::OK, "{\"id\": \"truncated\", [").into_response();
                resp.headers_mut().insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                );
                return resp;
            }
            Fault::RateLimited { retry_after_secs } => {
                let mut resp = api_error(
                    &api,
                    StatusCode::TOO_MANY_REQUESTS,
                    "rate limit exceeded",
                    &[],
                );
                resp.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
                return resp;
            }
        }
    }

    if !authorized(&shared, &api, &parts.headers) {
        return api_error(
            &api,
            StatusCode::UNAUTHORIZED,
            "missing or invalid API key",
            &[],
        );
    }
    if let Err(wait) = shared.limiter.take(&api.name, shared.key_for(&api.name)) {
        let mut resp = api_error(
            &api,
            StatusCode::TOO_MANY_REQUESTS,
            "rate limit exceeded",
            &[],
        );
        // Whole seconds, rounded up: at least 1.
        let seconds = u64::try_from(wait.as_millis().div_ceil(1000))
            .unwrap_or(u64::MAX)
            .max(1);
        resp.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        return resp;
    }

    let params = match path_params(&api, &ep.path, parts.uri.path()) {
        Ok(p) => p,
        Err(problem) => {
            return api_error(
                &api,
                StatusCode::BAD_REQUEST,
                "The request contains an invalid path parameter",
                &[problem],
            );
        }
    };

    let mut query_problems = check_query(&api, ep, parts.uri.query());
    query_problems.extend(check_headers(&api, ep, &parts.headers));
    if !query_problems.is_empty() {
        return api_error(
            &api,
            StatusCode::BAD_REQUEST,
            "The request contains invalid parameters",
            &query_problems,
        );
    }

    let mut json_body = Value::Null;
    if let Some(b) = &ep.body {
        json_body = match serde_json::from_slice::<Value>(&body) {
            Ok(v) => v,
            Err(e) => {
                let detail = ValueError {
                    path: String::new(),
                    message: format!("malformed JSON: {e}"),
                };
                return api_error(
                    &api,
                    StatusCode::BAD_REQUEST,
                    "The request contains malformed data",
                    &[detail],
                );
            }
        };
        let problems = api.check_value(&TypeRef::Model(b.model.clone()), &json_body);
        if !problems.is_empty() {
            return api_error(
                &api,
                StatusCode::BAD_REQUEST,
                "The request contains invalid parameters or malformed data",
                &problems,
            );
        }
    }

    // A response without a type (a 204) has no body.
    if ep.response.ty.is_none() && ep.emulator.is_none() {
        return StatusCode::from_u16(ep.response.status)
            .unwrap_or(StatusCode::NO_CONTENT)
            .into_response();
    }
    // What the spec declares (`[emulator]`): a named effect, or an operation on a resource;
    // without a declaration, the first example.
    let Some(emu) = &ep.emulator else {
        return json_response(
            StatusCode::from_u16(ep.response.status).unwrap_or(StatusCode::OK),
            &example_or_null(ep),
        );
    };
    let query: HashMap<String, String> =
        form_urlencoded::parse(parts.uri.query().unwrap_or("").as_bytes())
            .into_owned()
            .collect();
    let call = crate::declared::Call {
        api: &api,
        ep,
        params: &params,
        query: &query,
        body: &json_body,
    };
    match &emu.effect {
        Some(name) => crate::effects::run(&shared, &call, emu, name).await,
        None => crate::declared::run(&shared.store, &call, emu),
    }
}

/// The endpoint's first success example, or `null`.
fn example_or_null(ep: &Endpoint) -> Value {
    ep.examples
        .iter()
        .filter(|e| (200..300).contains(&e.status))
        .find_map(|e| e.response.as_deref())
        .and_then(|t| serde_json::from_str(t).ok())
        .unwrap_or(Value::Null)
}

/// An admin route's error: `{"error": …, "message": …}`.
fn admin_error(status: StatusCode, message: &str) -> Response {
    let reason = status.canonical_reason().unwrap_or("Error");
    json_response(status, &json!({ "error": reason, "message": message }))
}

/// Whether the request carries the admin token (`Authorization: Bearer <token>` or the
/// [`ADMIN_TOKEN_HEADER`]), compared in constant time.
fn admin_authorized(token: &str, headers: &axum::http::HeaderMap) -> bool {
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .or_else(|| {
            headers
                .get(ADMIN_TOKEN_HEADER)
                .and_then(|v| v.to_str().ok())
        });
    given.is_some_and(|g| {
        g.len() == token.len()
            && g.bytes()
                .zip(token.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0
    })
}

/// A fault for a route the emulator does not serve would never fire: refused, naming the routes.
fn unknown_route(shared: &Shared, route: &str) -> Response {
    admin_error(
        StatusCode::BAD_REQUEST,
        &format!(
            "unknown route `{route}` (routes: {})",
            shared.routes().join(", ")
        ),
    )
}

/// Largest admin request body.
const MAX_ADMIN_BODY: usize = 64 * 1024;

/// `/__admin/…` routes, behind the admin token.
pub(crate) fn admin(shared: Arc<Shared>) -> axum::Router {
    use axum::routing::{get, post, put};
    let faults_set = {
        let shared = shared.clone();
        move |body: Bytes| {
            let shared = shared.clone();
            async move {
                match serde_json::from_slice::<FaultRule>(&body) {
                    Ok(rule) if !shared.serves(&rule.route) => unknown_route(&shared, &rule.route),
                    Ok(rule) => {
                        shared.faults.set(rule);
                        StatusCode::NO_CONTENT.into_response()
                    }
                    Err(e) => admin_error(StatusCode::BAD_REQUEST, &format!("invalid fault: {e}")),
                }
            }
        }
    };
    let faults_clear = {
        let shared = shared.clone();
        move |Query(q): Query<HashMap<String, String>>| {
            let shared = shared.clone();
            async move {
                match q.get("route") {
                    None => shared.faults.clear(),
                    Some(route) if !shared.serves(route) => return unknown_route(&shared, route),
                    Some(route) => {
                        shared.faults.clear_route(route);
                    }
                }
                StatusCode::NO_CONTENT.into_response()
            }
        }
    };
    let requests = {
        let shared = shared.clone();
        move || {
            let shared = shared.clone();
            async move {
                let entries = lock(&shared.requests).snapshot();
                json_response(StatusCode::OK, &json!(entries))
            }
        }
    };
    let webhooks = {
        let shared = shared.clone();
        move |body: Bytes| {
            let shared = shared.clone();
            async move {
                match serde_json::from_slice::<Vec<String>>(&body) {
                    Ok(urls) => {
                        *lock(&shared.webhook_urls) = urls;
                        StatusCode::NO_CONTENT.into_response()
                    }
                    Err(e) => admin_error(
                        StatusCode::BAD_REQUEST,
                        &format!("expected a JSON array of URLs: {e}"),
                    ),
                }
            }
        }
    };
    let deliver = {
        let shared = shared.clone();
        move |body: Bytes| {
            let shared = shared.clone();
            async move {
                let parsed: Result<Value, _> = serde_json::from_slice(&body);
                let Some((ty, data)) = parsed.ok().and_then(|v| {
                    Some((
                        v.get("type")?.as_str()?.to_owned(),
                        v.get("data").cloned().unwrap_or(Value::Null),
                    ))
                }) else {
                    return admin_error(
                        StatusCode::BAD_REQUEST,
                        "expected {\"type\": \"<event type>\", \"data\": …}",
                    );
                };
                let events = crate::effects::deliver_omegastream_event(&shared, &ty, data).await;
                json_response(StatusCode::OK, &Value::Array(events))
            }
        }
    };
    let not_allowed = |allow: &'static str| {
        move |req: Request| async move {
            let mut resp = admin_error(
                StatusCode::METHOD_NOT_ALLOWED,
                &format!(
                    "method {} is not allowed here; allowed: {allow}",
                    req.method()
                ),
            );
            resp.headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static(allow));
            resp
        }
    };
    let guard = {
        let shared = shared.clone();
        move |req: Request, next: axum::middleware::Next| {
            let shared = shared.clone();
            async move {
                if !admin_authorized(&shared.admin_token, req.headers()) {
                    return admin_error(
                        StatusCode::UNAUTHORIZED,
                        "missing or invalid admin token (Authorization: Bearer <token> or x-hookspec-admin-token)",
                    );
                }
                let (parts, body) = req.into_parts();
                match axum::body::to_bytes(body, MAX_ADMIN_BODY).await {
                    Ok(b) => next.run(Request::from_parts(parts, Body::from(b))).await,
                    Err(_) => admin_error(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "admin request body too large",
                    ),
                }
            }
        }
    };
    axum::Router::new()
        .route(
            "/__admin/faults",
            post(faults_set)
                .delete(faults_clear)
                .fallback(not_allowed("POST, DELETE")),
        )
        .route(
            "/__admin/requests",
            get(requests).fallback(not_allowed("GET, HEAD")),
        )
        .route(
            "/__admin/webhooks",
            put(webhooks).fallback(not_allowed("PUT")),
        )
        .route(
            "/__admin/omegastream/events",
            post(deliver).fallback(not_allowed("POST")),
        )
        .layer(axum::middleware::from_fn(guard))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api() -> Api {
        let sources = hookspec_spec::ApiSources::from_pairs(&[
            (
                "t/api.toml",
                "name = \"t\"\nbase_url = \"https://t.invalid\"\n[enums.Color]\nvalues = [{ value = \"red\" }, { value = \"blue\" }]\n",
            ),
            (
                "t/list.toml",
                "method = \"GET\"\npath = \"/l\"\n[query.tag]\ntype = \"array<integer>\"\n[query.colors]\ntype = \"array<Color>\"\nexplode = false\noptional = true\n[response]\nstatus = 204\n",
            ),
        ])
        .expect("sources");
        hookspec_spec::parse_api(&sources).unwrap_or_else(|d| panic!("{d}"))
    }

    fn problems(query: &str) -> Vec<String> {
        let api = api();
        check_query(&api, &api.endpoints[0], Some(query))
            .into_iter()
            .map(|p| format!("{}: {}", p.path, p.message))
            .collect()
    }

    #[test]
    fn list_query_parameters_are_checked_item_by_item() {
        assert!(problems("tag=1&tag=2&colors=red,blue").is_empty());
        // An empty list sends nothing, so a required list may be absent.
        assert!(problems("").is_empty());
        assert_eq!(
            problems("tag=1&tag=x"),
            ["tag: expected an integer, found `x`"]
        );
        assert_eq!(
            problems("tag=1&colors=red,green"),
            ["colors: `green` is not a known `Color`"]
        );
    }
}
