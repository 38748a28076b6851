//! OmegaStream replay: POST a window's event envelopes to a URL, once per (event, URL).
//!
//! OmegaStream has no resend API. [`plan`] lists the endpoint's events, keeps those of the
//! window (by `created`, the reliable timestamp) and of the asked types, fetches each one in
//! full with bounded concurrency (the list has `data` and `response` null), keeps with
//! `failed_only` those whose recorded response is missing or not 2xx, and stores in the plan
//! the envelope to POST — `{id, coid, api_version, created, type, data, endpoint_id,
//! response}` as OmegaStream posts it, `data` byte for byte as the API returned it and
//! `response` null. [`execute`] POSTs each envelope to the plan's target URL.
//!
//! The envelope is built here from the typed event and sent through the same delivery code
//! as `hookspec trigger` and the emulator's own deliveries ([`hookspec::webhooks::deliver`]);
//! the tests check that every envelope replay sends parses with the receiving side
//! (`hookspec::omegastream::webhooks::parse`). OmegaStream signs nothing, so neither does
//! replay.

use futures_util::StreamExt;
use hookspec::Delivery;
use hookspec::omegastream::{Client, WebhookEvent};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::fivecents::error_chain;
use crate::{
    HookCall, Journal, Options, Outcome, Plan, PlanError, PlanItem, PlanKind, Progress,
    RecoverError, Report, Status, StopFlag, check_window, run_plan,
};

/// What to replay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplayParams {
    /// Webhook endpoint id.
    pub endpoint: String,
    /// Start of the window (events created at or after it).
    pub since: Timestamp,
    /// End of the window (events created at or before it).
    pub until: Timestamp,
    /// Only these event types (all when empty).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub types: Vec<String>,
    /// Only events whose recorded response is missing or not 2xx.
    #[serde(default)]
    pub failed_only: bool,
    /// Where to POST the envelopes.
    pub to: String,
    /// The API the plan is made against and sent to, as the caller names it (the CLI: the base
    /// URL, or `embedded emulator`). Recorded in the journal with the rest of the params, so a
    /// resume against another API — another base URL, or the emulator instead of the real API —
    /// is refused as another plan instead of sending this plan's items there. `None`: the
    /// planning client's base URL, without credentials (what [`plan`] records).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
}

impl ReplayParams {
    /// The plan params recorded in the journal.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }
}

/// What a plan item of an event holds (its `detail`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventDetail {
    /// Event type.
    #[serde(rename = "type")]
    pub event_type: String,
    /// When it was created (unix seconds).
    pub created: i64,
    /// The recorded response status, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_status: Option<i64>,
    /// The exact body to POST.
    pub envelope: String,
}

#[derive(Serialize)]
struct Envelope<'a> {
    id: &'a str,
    coid: &'a str,
    api_version: &'a str,
    created: i64,
    #[serde(rename = "type")]
    event_type: &'a str,
    data: Option<&'a RawValue>,
    endpoint_id: &'a str,
    response: Option<()>,
}

/// The envelope OmegaStream POSTs for `event`: `data` byte for byte, `response` null.
pub fn envelope(event: &WebhookEvent) -> String {
    let env = Envelope {
        id: &event.id,
        coid: &event.ocid,
        api_version: &event.api_version,
        created: event.created.0,
        event_type: event.event_type.as_str(),
        data: event.data.as_ref().map(hookspec::RawJson::as_raw_value),
        endpoint_id: &event.endpoint_id,
        response: None,
    };
    serde_json::to_string(&env).unwrap_or_default()
}

fn check_target(to: &str) -> Result<(), PlanError> {
    let url = reqwest::Url::parse(to)
        .map_err(|e| PlanError::Invalid(format!("--to `{to}` is not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(PlanError::Invalid(format!(
            "--to `{to}` is not an http(s) URL"
        )));
    }
    Ok(())
}

/// Lists, filters and fetches the window's events (`concurrency` detail requests at once).
pub async fn plan(
    client: &Client,
    params: &ReplayParams,
    concurrency: usize,
) -> Result<Plan, PlanError> {
    check_window(params.since, params.until)?;
    check_target(&params.to)?;
    if params.endpoint.is_empty() {
        return Err(PlanError::Invalid("the endpoint id is empty".into()));
    }
    let (since, until) = (params.since.as_second(), params.until.as_second());
    let mut listed = client
        .list_webhook_events(&params.endpoint)
        .await
        .map_err(PlanError::Omegastream)?;
    listed.retain(|e| {
        (since..=until).contains(&e.created.0)
            && (params.types.is_empty() || params.types.iter().any(|t| t == e.event_type.as_str()))
    });
    // One event listed twice is replayed once.
    listed.sort_by(|a, b| (a.created, &a.id).cmp(&(b.created, &b.id)));
    listed.dedup_by(|a, b| a.id == b.id);
    let fetched: Vec<Result<WebhookEvent, hookspec::omegastream::Error>> =
        futures_util::stream::iter(listed)
            .map(|e| async move { client.get_webhook_event(&e.endpoint_id, &e.id).await })
            .buffered(concurrency.max(1))
            .collect()
            .await;
    let mut items = Vec::new();
    for event in fetched {
        let event = event.map_err(PlanError::Omegastream)?;
        let response_status = event.response.as_ref().map(|r| r.status_code);
        if params.failed_only && response_status.is_some_and(|s| (200..300).contains(&s)) {
            continue;
        }
        let detail = EventDetail {
            event_type: event.event_type.as_str().to_owned(),
            created: event.created.0,
            response_status,
            envelope: envelope(&event),
        };
        items.push(PlanItem {
            key: event.id.clone(),
            detail: hookspec::RawJson::from_value(&detail)
                .unwrap_or_else(|_| crate::fivecents::empty_object()),
        });
    }
    let recorded = ReplayParams {
        target: Some(crate::target_of(params.target.as_deref(), client.core())),
        ..params.clone()
    };
    Ok(Plan {
        kind: PlanKind::OmegastreamReplay,
        params: recorded.to_json(),
        items,
    })
}

/// The params of a replay plan (as recorded in its journal).
pub fn params_of(plan: &Plan) -> Option<ReplayParams> {
    (plan.kind == PlanKind::OmegastreamReplay)
        .then(|| serde_json::from_value(plan.params.clone()).ok())
        .flatten()
}

/// POSTs one envelope through the receiving side's delivery code
/// ([`hookspec::webhooks::deliver`]): one request, never retried.
pub async fn post_one(http: &reqwest::Client, to: &str, envelope: String) -> Outcome {
    let sent = hookspec::webhooks::deliver(http, to, envelope, None).await;
    let time = Some(Timestamp::now().as_second());
    match sent {
        Ok(answer) => {
            let call = HookCall {
                hook: to.to_owned(),
                status: Some(i64::from(answer.status.as_u16())),
                error: None,
                time,
            };
            let status = if call.succeeded() {
                Status::Delivered
            } else {
                Status::Failed
            };
            Outcome {
                status,
                calls: vec![call],
                error: None,
            }
        }
        Err(e) => {
            let status = match e.delivery {
                Delivery::NotSent => Status::NotSent,
                _ => Status::Uncertain,
            };
            let error = error_chain(&e);
            Outcome {
                status,
                calls: vec![HookCall {
                    hook: to.to_owned(),
                    status: None,
                    error: Some(error.clone()),
                    time,
                }],
                error: Some(error),
            }
        }
    }
}

/// POSTs the plan's envelopes to its target, recording each in `journal`, with a client built
/// from `http` (your proxies, TLS roots, timeouts) that follows no redirects: a receiver's 3xx
/// is its answer. (A client that followed them would report a redirect to where nothing
/// listens as "not sent", although the receiver got the POST, and a later run would send it
/// again: [`hookspec::webhooks::deliver`].)
pub async fn execute(
    http: reqwest::ClientBuilder,
    plan: Plan,
    journal: &mut dyn Journal,
    options: &Options,
    progress: &(dyn Fn(&Progress<'_>) + Sync),
) -> Result<Report, RecoverError> {
    execute_until(http, plan, journal, options, &StopFlag::new(), progress).await
}

/// [`execute`], taking no new item once `stop` is raised.
pub async fn execute_until(
    http: reqwest::ClientBuilder,
    plan: Plan,
    journal: &mut dyn Journal,
    options: &Options,
    stop: &StopFlag,
    progress: &(dyn Fn(&Progress<'_>) + Sync),
) -> Result<Report, RecoverError> {
    let Some(params) = params_of(&plan) else {
        return Err(RecoverError::Plan(format!(
            "a {} plan given to omegastream::execute",
            plan.kind.as_str()
        )));
    };
    let http = http
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(RecoverError::Http)?;
    let http = &http;
    let to = params.to.as_str();
    run_plan(plan, journal, options, stop, progress, |item| async move {
        match item.detail.parse::<EventDetail>() {
            Ok(ev) => post_one(http, to, ev.envelope).await,
            Err(e) => Outcome {
                status: Status::NotSent,
                calls: Vec::new(),
                error: Some(format!("plan item {} is not an event: {e}", item.key)),
            },
        }
    })
    .await
}
