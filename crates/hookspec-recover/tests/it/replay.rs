//! OmegaStream replay over 127.0.0.1: once per (event, target), `data` byte for byte, the
//! `failed_only` and type filters, resume, bad input.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use crate::common::{omega_server, receiver};
use hookspec_recover::omegastream::{self, ReplayParams};
use hookspec_recover::{
    FileJournal, Journal, JournalError, Options, Plan, PlanError, RecoverError, Report,
};
use serde_json::value::RawValue;

const ENDPOINT: &str = "6336cd2b5790c27875f70d96";

/// `data` written the way no re-encoding would keep: spaces, escapes, key order, a float.
const ODD_DATA: &str =
    "{ \"video\" : {\"uuid\":\"a\\u00e9\", \"size\": 1.50, \"z\": 1, \"a\": [ ]} }";

fn event(id: &str, created: i64, ty: &str, data: &str, response: &str) -> String {
    format!(
        r#"{{"id": "{id}", "created_at": "2022-10-01T00:00:00Z", "coid": "omega-cop-1", "api_version": "v1", "created": {created}, "type": "{ty}", "data": {data}, "endpoint_id": "{ENDPOINT}", "response": {response}}}"#
    )
}

const OK: &str = r#"{"status_code": 200, "status": "200 OK", "body": "ok", "message": "ok"}"#;
const FAILED: &str =
    r#"{"status_code": 502, "status": "502 Bad Gateway", "body": "", "message": "failed"}"#;

fn events() -> Vec<String> {
    vec![
        event("e1", 1_000, "video.process_succeeded", ODD_DATA, OK),
        event(
            "e2",
            2_000,
            "video.process_failed",
            r#"{"video": {"uuid": "b"}}"#,
            FAILED,
        ),
        event(
            "e3",
            3_000,
            "video.uploaded",
            r#"{"video": {"uuid": "c"}}"#,
            "null",
        ),
        event("e4", 9_000, "video.uploaded", r#"{"video": {}}"#, "null"),
    ]
}

fn params(to: String) -> ReplayParams {
    ReplayParams {
        endpoint: ENDPOINT.into(),
        since: jiff::Timestamp::from_second(500).unwrap(),
        until: jiff::Timestamp::from_second(5_000).unwrap(),
        types: Vec::new(),
        failed_only: false,
        to,
        target: None,
    }
}

fn raw_field(body: &[u8], field: &str) -> String {
    let map: BTreeMap<String, &RawValue> = serde_json::from_slice(body).unwrap();
    map[field].get().to_owned()
}

/// A replay run of `plan` with a client from a plain builder (`execute` sets its redirect
/// policy), without progress output.
async fn replay(
    plan: Plan,
    journal: &mut dyn Journal,
    options: &Options,
) -> Result<Report, RecoverError> {
    omegastream::execute(
        hookspec::reqwest::Client::builder(),
        plan,
        journal,
        options,
        &|_| {},
    )
    .await
}

#[tokio::test]
async fn each_event_is_posted_once_per_target_with_data_byte_for_byte() {
    let server = omega_server(ENDPOINT, events()).await;
    let target = receiver(vec![]).await;
    let client = server.client();
    let plan = omegastream::plan(&client, &params(target.url()), 2)
        .await
        .unwrap();
    let keys: Vec<&str> = plan.items.iter().map(|i| i.key.as_str()).collect();
    assert_eq!(keys, ["e1", "e2", "e3"], "e4 is after the window");
    let dir = tempfile::tempdir().unwrap();
    let mut journal = FileJournal::new(dir.path().join("replay.jsonl"));
    let report = replay(plan.clone(), &mut journal, &Options::default())
        .await
        .unwrap();
    assert_eq!(report.delivered, 3);
    let bodies = target.bodies();
    assert_eq!(bodies.len(), 3);
    let by_id: BTreeMap<String, &[u8]> = bodies
        .iter()
        .map(|b| (raw_field(b, "id"), b.as_ref()))
        .collect();
    assert_eq!(raw_field(by_id["\"e1\""], "data"), ODD_DATA);
    let e2: serde_json::Value = serde_json::from_slice(by_id["\"e2\""]).unwrap();
    assert_eq!(e2["coid"], "omega-cop-1");
    assert_eq!(e2["type"], "video.process_failed");
    assert_eq!(e2["created"], 2_000);
    assert_eq!(e2["endpoint_id"], ENDPOINT);
    assert_eq!(e2["api_version"], "v1");
    assert!(e2["response"].is_null());

    // The same journal again: nothing more.
    let again = replay(plan, &mut journal, &Options::default())
        .await
        .unwrap();
    assert_eq!(again.sent, 0);
    assert_eq!(target.bodies().len(), 3);

    // Another target is another plan: it needs its own journal, and gets each event once.
    let other = receiver(vec![]).await;
    let plan2 = omegastream::plan(&client, &params(other.url()), 2)
        .await
        .unwrap();
    let err = replay(plan2.clone(), &mut journal, &Options::default())
        .await
        .unwrap_err();
    assert!(
        matches!(err, RecoverError::Journal(JournalError::OtherPlan { .. })),
        "{err}"
    );
    assert!(other.bodies().is_empty());
    let mut journal2 = FileJournal::new(dir.path().join("replay-other.jsonl"));
    let r2 = replay(plan2, &mut journal2, &Options::default())
        .await
        .unwrap();
    assert_eq!(r2.delivered, 3);
    assert_eq!(other.bodies().len(), 3);
}

#[tokio::test]
async fn failed_only_and_types_filter_the_events() {
    let server = omega_server(ENDPOINT, events()).await;
    let client = server.client();
    let failed = omegastream::plan(
        &client,
        &ReplayParams {
            failed_only: true,
            ..params("http://127.0.0.1:9/".into())
        },
        4,
    )
    .await
    .unwrap();
    let keys: Vec<&str> = failed.items.iter().map(|i| i.key.as_str()).collect();
    assert_eq!(keys, ["e2", "e3"], "a 502 and a missing response");
    let typed = omegastream::plan(
        &client,
        &ReplayParams {
            types: vec!["video.uploaded".into(), "video.process_succeeded".into()],
            ..params("http://127.0.0.1:9/".into())
        },
        4,
    )
    .await
    .unwrap();
    let keys: Vec<&str> = typed.items.iter().map(|i| i.key.as_str()).collect();
    assert_eq!(keys, ["e1", "e3"]);
}

#[tokio::test]
async fn a_failing_receiver_is_retried_only_with_retry_failed() {
    let server = omega_server(ENDPOINT, events()).await;
    let target = receiver(vec![500]).await;
    let plan = omegastream::plan(&server.client(), &params(target.url()), 1)
        .await
        .unwrap();
    let mut journal = hookspec_recover::MemoryJournal::default();
    let one = Options {
        concurrency: 1,
        ..Options::default()
    };
    let first = replay(plan.clone(), &mut journal, &one).await.unwrap();
    assert_eq!((first.delivered, first.failed), (2, 1));
    assert_eq!(first.hooks[&target.url()].failed, 1);
    let plain = replay(plan.clone(), &mut journal, &one).await.unwrap();
    assert_eq!(plain.sent, 0);
    let retry = replay(
        plan,
        &mut journal,
        &Options {
            retry_failed: true,
            ..one
        },
    )
    .await
    .unwrap();
    assert_eq!(retry.sent, 1);
    assert_eq!(target.bodies().len(), 4);
}

#[tokio::test]
async fn bad_input_sends_nothing() {
    let server = omega_server(ENDPOINT, events()).await;
    let client = server.client();
    let p = params("http://127.0.0.1:9/".into());
    let reversed = ReplayParams {
        since: p.until,
        until: p.since,
        ..p.clone()
    };
    assert!(matches!(
        omegastream::plan(&client, &reversed, 1).await,
        Err(PlanError::ReversedWindow { .. })
    ));
    let bad_url = ReplayParams {
        to: "ftp://example.com/x".into(),
        ..p.clone()
    };
    assert!(matches!(
        omegastream::plan(&client, &bad_url, 1).await,
        Err(PlanError::Invalid(_))
    ));
    let unknown = ReplayParams {
        endpoint: "nope".into(),
        ..p
    };
    assert!(matches!(
        omegastream::plan(&client, &unknown, 1).await,
        Err(PlanError::Omegastream(_))
    ));
    assert_eq!(*server.detail_requests.lock().unwrap(), 0);
}

#[tokio::test]
async fn replays_the_emulator_events() {
    let emu = hookspec_mock::Emulator::builder().start().await.unwrap();
    let client = hookspec::omegastream::Client::builder()
        .base_url(emu.base_url("omegastream"))
        .credentials(emu.key("omegastream"))
        .build()
        .unwrap();
    let target = receiver(vec![]).await;
    let plan = omegastream::plan(
        &client,
        &ReplayParams {
            since: "2022-09-30T00:00:00Z".parse().unwrap(),
            until: "2022-10-02T00:00:00Z".parse().unwrap(),
            ..params(target.url())
        },
        2,
    )
    .await
    .unwrap();
    assert_eq!(plan.items.len(), 2);
    let mut journal = hookspec_recover::MemoryJournal::default();
    let report = replay(plan, &mut journal, &Options::default())
        .await
        .unwrap();
    assert_eq!(report.delivered, 2);
    // `data` as the emulator sent it in the event's detail.
    let detail = hookspec::reqwest::Client::new()
        .get(format!(
            "{}/client/webhooks/{ENDPOINT}/events/63377e715790c27875f70dbd",
            emu.base_url("omegastream")
        ))
        .bearer_auth(emu.key("omegastream"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let sent = target
        .bodies()
        .into_iter()
        .find(|b| raw_field(b, "id") == "\"63377e715790c27875f70dbd\"")
        .unwrap();
    assert_eq!(raw_field(&sent, "data"), raw_field(&detail, "data"));

    // What replay POSTs is what the receiving side accepts as an OmegaStream delivery.
    let mut headers = hookspec::http::HeaderMap::new();
    headers.insert("content-type", "application/json".parse().unwrap());
    for body in target.bodies() {
        let delivery = hookspec::omegastream::webhooks::parse(&headers, &body)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&body)));
        assert_eq!(
            format!("\"{}\"", delivery.event.event_type()),
            raw_field(&body, "type")
        );
    }
}

/// The replay's client follows no redirects, whatever builder it is given: a receiver that
/// answers 307 to where nothing listens got the POST, and the event is not sent again by a
/// later run (with reqwest's default policy the connect error to the redirect's target was
/// reported for the receiver's URL as "not sent", and the next run posted it again).
#[tokio::test]
async fn a_receivers_redirect_is_its_answer_and_nothing_is_sent_twice() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let hits = Arc::new(Mutex::new(0u32));
    let app = axum::Router::new().fallback({
        let hits = hits.clone();
        move || {
            *hits.lock().unwrap() += 1;
            async move {
                (
                    axum::http::StatusCode::TEMPORARY_REDIRECT,
                    [("location", format!("http://{closed}/moved"))],
                    "",
                )
            }
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let to = format!("http://{}/in", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let server = omega_server(ENDPOINT, events()).await;
    let plan = omegastream::plan(&server.client(), &params(to), 2)
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut journal = FileJournal::new(dir.path().join("replay.jsonl"));
    for _ in 0..2 {
        replay(plan.clone(), &mut journal, &Options::default())
            .await
            .unwrap();
    }
    assert_eq!(*hits.lock().unwrap(), 3, "each of the three events once");
}
