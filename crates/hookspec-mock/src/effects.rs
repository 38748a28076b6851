//! Named effects: what an endpoint's `[emulator] effect = "<name>"` runs, for behaviour a
//! declaration cannot say. Each one is here, and only here.
//!
//! - `resend_notifications` (5centscdn resend): looks the job up in the endpoint's resource
//!   (`zoneid` and one of `index`, `infile`, `outfile`, the latter two in the log's `meta`),
//!   really POSTs its completion payload to every configured webhook URL, and answers with the
//!   log of those calls — what each receiver answered, or the error.

use axum::http::StatusCode;
use axum::response::Response;
use hookspec_spec::{Emulation, json_integer};
use serde_json::{Value, json};

use crate::declared::{Call, now_secs};
use crate::handlers::{api_error, json_response};
use crate::{Shared, lock};

/// Every effect an endpoint may name.
pub const EFFECTS: &[&str] = &["resend_notifications"];

/// Runs the effect `name`.
pub(crate) async fn run(shared: &Shared, call: &Call<'_>, emu: &Emulation, name: &str) -> Response {
    match name {
        "resend_notifications" => resend(shared, call, emu).await,
        other => api_error(
            call.api,
            StatusCode::NOT_IMPLEMENTED,
            &format!("unknown emulator effect `{other}`"),
            &[],
        ),
    }
}

/// Delivers an OmegaStream event of type `event_type` with `data` the way OmegaStream does:
/// a POST of the event envelope to every active webhook endpoint (resource
/// `webhook_endpoints`) subscribed to the type; each delivery, with what the receiver answered,
/// joins the event history (resource `webhook_events`) that `list_webhook_events` and
/// `get_webhook_event` show. Returns the events recorded.
pub(crate) async fn deliver_omegastream_event(
    shared: &Shared,
    event_type: &str,
    data: Value,
) -> Vec<Value> {
    const API: &str = "omegastream";
    let endpoints = shared.store.items(API, "webhook_endpoints");
    let mut recorded = Vec::new();
    for ep in endpoints {
        let subscribed = ep["events"]
            .as_array()
            .is_some_and(|e| e.iter().any(|t| t == event_type));
        if ep["active"] != Value::Bool(true) || !subscribed {
            continue;
        }
        let (Some(url), Some(endpoint_id)) = (ep["url"].as_str(), ep["id"].as_str()) else {
            continue;
        };
        let now = now_secs();
        // The envelope POSTed has no `created_at` (the spec's `webhooks.toml`); the history's
        // record of it does.
        let mut event = json!({
            "id": shared.store.new_id(),
            "coid": ep.get("coid").cloned().unwrap_or(Value::Null),
            "api_version": "v1",
            "created": now,
            "type": event_type,
            "data": data,
            "endpoint_id": endpoint_id,
            "response": null,
        });
        // Sent as the provider sends a delivery: the same code as `hookspec trigger`.
        let body = event.to_string();
        let sent = hookspec::webhooks::deliver(&shared.http, url, body, None).await;
        event["created_at"] = json!(crate::declared::rfc3339(now));
        event["response"] = match sent {
            Ok(r) => {
                let status = r.status;
                let outcome = if status.is_success() {
                    "succeeded"
                } else {
                    "failed"
                };
                json!({
                    "status_code": status.as_u16(),
                    "status": status.to_string(),
                    "body": r.body_text(),
                    "message": format!("webhook event with type {event_type} {outcome}"),
                })
            }
            Err(e) => json!({
                "status_code": 0,
                "status": "",
                "body": "",
                "message": format!("webhook event with type {event_type} failed: {e}"),
            }),
        };
        shared.store.push(API, "webhook_events", event.clone());
        recorded.push(event);
    }
    recorded
}

/// A string field of a log entry, at its top level or in its `meta`.
fn text<'v>(job: &'v Value, key: &str) -> Option<&'v str> {
    job.get(key)
        .or_else(|| job.get("meta")?.get(key))
        .and_then(Value::as_str)
}

async fn resend(shared: &Shared, call: &Call<'_>, emu: &Emulation) -> Response {
    let api = call.api;
    let body = call.body;
    let resource = emu.resource.as_deref().unwrap_or("encode_jobs");
    let not_found = api
        .resource(resource)
        .map_or("no completed encode job matches", |r| r.not_found.as_str());
    // Integral floats (`0.0`) are integers too.
    let zoneid = body.get("zoneid").and_then(json_integer);
    let index = body.get("index").and_then(json_integer);
    let infile = body.get("infile").and_then(Value::as_str);
    let outfile = body.get("outfile").and_then(Value::as_str);
    let job = match (zoneid, index) {
        (Some(zone), Some(index)) => {
            shared
                .store
                .find_by_pair(&api.name, resource, ("zoneid", "index"), (zone, index))
        }
        _ => shared.store.find(&api.name, resource, |j| {
            j.get("zoneid").and_then(json_integer) == zoneid
                && ((infile.is_some() && text(j, "infile") == infile)
                    || (outfile.is_some() && text(j, "outfile") == outfile))
        }),
    };
    let Some(job) = &job else {
        return api_error(api, StatusCode::NOT_FOUND, not_found, &[]);
    };
    // The completion notification the job's webhooks received the first time.
    let payload = json!([{
        "event": "encode.completed",
        "zoneid": job.get("zoneid"),
        "index": job.get("index"),
        "infile": text(job, "infile"),
        "outfile": text(job, "outfile"),
        "status": "completed",
    }]);
    let urls = lock(&shared.webhook_urls).clone();
    let mut log = Vec::with_capacity(urls.len());
    for url in urls {
        let time = now_secs();
        // Sent as the provider sends a delivery: the same code as `hookspec trigger`.
        let body = payload.to_string();
        let entry = match hookspec::webhooks::deliver(&shared.http, &url, body, None).await {
            Ok(r) => {
                json!({"time": time, "hook": url, "body": payload, "respCode": r.status.as_u16(), "respBody": r.body_text(), "error": null})
            }
            Err(e) => {
                json!({"time": time, "hook": url, "body": payload, "respCode": null, "respBody": null, "error": e.to_string()})
            }
        };
        log.push(entry);
    }
    json_response(StatusCode::OK, &Value::Array(log))
}
