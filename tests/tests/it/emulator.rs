//! The generated clients against the emulator, for every endpoint: real HTTP on 127.0.0.1.

use std::time::{Duration, Instant};

use hookspec::fivecents::{self, ApiErrorBody, JobSelector, ResendNotificationRequest};
use hookspec::omegastream::{self, EventType};
use hookspec::{Error, TransportErrorKind};
use hookspec_mock::{DEFAULT_KEY, Emulator, Fault, RunningEmulator};
use hookspec_tests::{Recorder, Reply};

async fn start() -> RunningEmulator {
    Emulator::builder().start().await.unwrap()
}

fn five(emu: &RunningEmulator, key: &str) -> fivecents::Client {
    fivecents::Client::builder()
        .base_url(emu.base_url("fivecents"))
        .credentials(key)
        .build()
        .unwrap()
}

fn omega(emu: &RunningEmulator, key: &str) -> omegastream::Client {
    omegastream::Client::builder()
        .base_url(emu.base_url("omegastream"))
        .credentials(key)
        .build()
        .unwrap()
}

const ENDPOINT: &str = "6336cd2b5790c27875f70d96";

#[tokio::test]
async fn list_and_get_agree() {
    let emu = start().await;
    let client = omega(&emu, DEFAULT_KEY);
    let list = client.list_webhook_events(ENDPOINT).await.unwrap();
    assert_eq!(list.len(), 2);
    for item in &list {
        assert_eq!(item.data, None);
        assert_eq!(item.response, None);
        assert_eq!(item.created_at, None, "list items carry the zero time");
        let full = client.get_webhook_event(ENDPOINT, &item.id).await.unwrap();
        assert_eq!(full.id, item.id);
        assert_eq!(
            full.ocid, item.ocid,
            "`coid` of the detail equals `ocid` of the list"
        );
        assert_eq!(full.created, item.created);
        assert_eq!(full.event_type, item.event_type);
        assert!(full.data.is_some());
        assert_eq!(full.response.unwrap().status_code, 200);
        assert!(full.created_at.is_some());
    }
    assert_eq!(list[1].event_type, EventType::VideoUploaded);
}

#[tokio::test]
async fn unknown_ids_are_404s_in_the_api_format() {
    let emu = start().await;
    let client = omega(&emu, DEFAULT_KEY);
    let err = client.list_webhook_events("nope").await.unwrap_err();
    let api = err.as_api().unwrap();
    assert_eq!(api.status, 404);
    let Some(omegastream::ApiErrorBody::ErrorBody(body)) = &api.body else {
        panic!("{err:?}")
    };
    assert_eq!(body.message, "webhook endpoint not found");
    let err = client
        .get_webhook_event(ENDPOINT, "nope")
        .await
        .unwrap_err();
    assert_eq!(err.status().unwrap(), 404);
    let err = five(&emu, DEFAULT_KEY)
        .resend_notification(&ResendNotificationRequest {
            zoneid: 1234,
            job: JobSelector::Index(99),
        })
        .await
        .unwrap_err();
    assert_eq!(err.status().unwrap(), 404);
}

#[tokio::test]
async fn wrong_or_missing_keys_are_401s() {
    let emu = start().await;
    let err = omega(&emu, "wrong")
        .list_webhook_events(ENDPOINT)
        .await
        .unwrap_err();
    assert_eq!(err.status().unwrap(), 401);
    let err = five(&emu, "wrong")
        .resend_notification(&ResendNotificationRequest {
            zoneid: 1234,
            job: JobSelector::Index(0),
        })
        .await
        .unwrap_err();
    let api = err.as_api().unwrap();
    assert_eq!(api.status, 401);
    assert!(
        matches!(&api.body, Some(ApiErrorBody::ResendError(e)) if e.code == 401),
        "{err:?}"
    );
    // No header at all.
    let raw = hookspec_tests::raw_http()
        .post(format!(
            "{}/transcoding/notifications/resend",
            emu.base_url("fivecents")
        ))
        .body(r#"{"zoneid": 1234, "index": 0}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), 401);
}

async fn raw_resend(emu: &RunningEmulator, body: &str) -> (u16, serde_json::Value) {
    let resp = hookspec_tests::raw_http()
        .post(format!(
            "{}/transcoding/notifications/resend",
            emu.base_url("fivecents")
        ))
        .header("X-API-Key", DEFAULT_KEY)
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (
        status,
        serde_json::from_str(&resp.text().await.unwrap()).unwrap(),
    )
}

#[tokio::test]
async fn invalid_bodies_are_400s_naming_the_field() {
    let emu = start().await;
    let (status, body) = raw_resend(&emu, r#"{"zoneid": 1234}"#).await;
    assert_eq!(status, 400);
    assert_eq!(body["details"][0]["field"], "index");
    assert!(
        body["details"][0]["message"]
            .as_str()
            .unwrap()
            .contains("exactly one of"),
        "{body}"
    );

    let (status, body) = raw_resend(&emu, r#"{"zoneid": 1234, "index": 0, "infile": "a"}"#).await;
    assert_eq!(status, 400);
    assert_eq!(body["details"][0]["field"], "infile");
    assert!(
        body["details"][0]["message"]
            .as_str()
            .unwrap()
            .contains("index and infile"),
        "{body}"
    );

    let (status, body) = raw_resend(&emu, r#"{"zoneid": "x", "index": 0}"#).await;
    assert_eq!(status, 400);
    assert_eq!(body["details"][0]["field"], "zoneid");

    // Strictness from the spec (api-specs/README.md, "How values are checked").
    let (status, body) = raw_resend(&emu, r#"{"zoneid": 1234, "index": 0, "extra": 1}"#).await;
    assert_eq!(status, 400, "the body model says deny_unknown");
    assert_eq!(body["details"][0]["field"], "extra");
    let (status, body) = raw_resend(&emu, r#"{"zoneid": 1234, "index": 0, "outfile": null}"#).await;
    assert_eq!(status, 400, "null for a field that is not nullable");
    assert_eq!(body["details"][0]["field"], "outfile");
    let (status, body) = raw_resend(&emu, r#"{"zoneid": 9223372036854775808, "index": 0}"#).await;
    assert_eq!(status, 400, "2^63 is out of range");
    assert_eq!(body["details"][0]["field"], "zoneid");
    let (status, _) = raw_resend(&emu, r#"{"zoneid": 1234.0, "index": 0.0}"#).await;
    assert_eq!(status, 200, "integral floats are integers");
    let (status, _) = raw_resend(&emu, r#"{"zoneid": 1234, "index": -498.0}"#).await;
    assert_eq!(status, 404, "a valid integer, no such job");
    // OmegaStream's error model has only `message`: the field is named there.
    let resp = hookspec_tests::raw_http()
        .post(format!(
            "{}/webhooks/{ENDPOINT}/status",
            emu.base_url("omegastream")
        ))
        .bearer_auth(DEFAULT_KEY)
        .body(r#"{"active": "yes"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let body: serde_json::Value = serde_json::from_str(&resp.text().await.unwrap()).unwrap();
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("active: expected true or false"),
        "{body}"
    );

    let (status, body) = raw_resend(&emu, "{not json").await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "Bad Request");
    assert!(
        emu.requests()
            .iter()
            .all(|r| r.route == "fivecents.resend_notification"
                || r.route == "omegastream.set_webhook_endpoint_status")
    );
}

#[tokio::test]
async fn resend_posts_the_payload_to_every_webhook_and_logs_failures() {
    let receiver = Recorder::start(vec![Reply::json(200, "received")]).await;
    // A port that was bound and released: connection refused.
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}/hook", l.local_addr().unwrap())
    };
    let emu = Emulator::builder()
        .webhook_urls(vec![dead.clone(), receiver.url("/hook")])
        .start()
        .await
        .unwrap();
    let log = five(&emu, DEFAULT_KEY)
        .resend_notification(&ResendNotificationRequest {
            zoneid: 1234,
            job: JobSelector::Infile("uploads/keynote.mov".into()),
        })
        .await
        .unwrap();

    assert_eq!(log.len(), 2);
    assert_eq!(log[0].hook, dead);
    assert!(
        log[0].error.as_deref().is_some_and(|e| !e.is_empty()),
        "{:?}",
        log[0]
    );
    assert_eq!(log[0].resp_code, None);
    assert_eq!(log[1].hook, receiver.url("/hook"));
    assert_eq!(log[1].resp_code, Some(200));
    assert_eq!(log[1].resp_body.as_deref(), Some("received"));
    assert_eq!(log[1].error, None);

    let got = receiver.requests();
    assert_eq!(got.len(), 1, "the receiver got the payload exactly once");
    assert_eq!(got[0].method, "POST");
    let payload = got[0].json();
    assert_eq!(payload[0]["index"], 1);
    assert_eq!(payload[0]["infile"], "uploads/keynote.mov");
    assert_eq!(log[1].body, payload.as_array().unwrap().clone());
}

#[tokio::test]
async fn injected_status_then_healthy() {
    const ROUTE: &str = "omegastream.list_webhook_events";
    let emu = start().await;
    let client = omega(&emu, DEFAULT_KEY);
    let hits = |emu: &RunningEmulator| emu.requests().iter().filter(|r| r.route == ROUTE).count();

    // A route it does not serve (the CLI's kebab spelling, say) is refused: it would never fire.
    let err = emu
        .inject(
            "omegastream.list-webhook-events",
            Fault::Status { status: 503 },
            Some(1),
        )
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("unknown route `omegastream.list-webhook-events`"),
        "{err}"
    );
    assert!(err.to_string().contains(ROUTE), "{err}");

    // Without retries the one injected 503 is what the caller sees…
    emu.inject(ROUTE, Fault::Status { status: 503 }, Some(1))
        .unwrap();
    let err = client
        .list_webhook_events_builder(ENDPOINT)
        .max_attempts(1)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.as_api().unwrap().status, 503, "{err:?}");
    assert_eq!(hits(&emu), 1);
    // …and the fault is used up: the next call is answered normally.
    assert_eq!(client.list_webhook_events(ENDPOINT).await.unwrap().len(), 2);
    assert_eq!(hits(&emu), 2);

    // With the default policy (a GET is retried after a 503) the caller never sees it: the
    // emulator answers 503 once, then the list.
    emu.inject(ROUTE, Fault::Status { status: 503 }, Some(1))
        .unwrap();
    let list = client
        .list_webhook_events_builder(ENDPOINT)
        .send()
        .await
        .unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(hits(&emu), 4, "one 503, one retry");
}

#[tokio::test]
async fn injected_delay_is_observed() {
    let emu = start().await;
    emu.inject(
        "omegastream.get_webhook_event",
        Fault::Delay { millis: 200 },
        Some(1),
    )
    .unwrap();
    let started = Instant::now();
    omega(&emu, DEFAULT_KEY)
        .get_webhook_event(ENDPOINT, "63377e715790c27875f70dbd")
        .await
        .unwrap();
    assert!(started.elapsed() >= Duration::from_millis(200));
}

#[tokio::test]
async fn injected_transport_faults_become_typed_errors() {
    let emu = start().await;
    let client = five(&emu, DEFAULT_KEY);
    let body = ResendNotificationRequest {
        zoneid: 1234,
        job: JobSelector::Index(0),
    };

    emu.inject("fivecents.resend_notification", Fault::DropConnection, None)
        .unwrap();
    let err = client.resend_notification(&body).await.unwrap_err();
    let Error::Transport(t) = &err else {
        panic!("{err:?}")
    };
    assert!(err.may_have_been_delivered(), "{t:?}");

    emu.inject("fivecents.resend_notification", Fault::TruncatedBody, None)
        .unwrap();
    let err = client.resend_notification(&body).await.unwrap_err();
    let Error::Transport(t) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(t.kind, TransportErrorKind::Io, "{t:?}");

    emu.inject("fivecents.resend_notification", Fault::MalformedBody, None)
        .unwrap();
    let err = client.resend_notification(&body).await.unwrap_err();
    assert!(matches!(err, Error::Decode(_)), "{err:?}");

    emu.inject(
        "fivecents.resend_notification",
        Fault::RateLimited {
            retry_after_secs: 7,
        },
        None,
    )
    .unwrap();
    let err = client.resend_notification(&body).await.unwrap_err();
    let api = err.as_api().unwrap();
    assert_eq!(api.status, 429);
    assert_eq!(api.headers["retry-after"], "7");

    emu.clear_faults();
    client.resend_notification(&body).await.unwrap();
    let resends = emu
        .requests()
        .iter()
        .filter(|r| r.route == "fivecents.resend_notification")
        .count();
    assert_eq!(
        resends, 5,
        "the non-idempotent resend is never sent twice by the client"
    );
}

#[tokio::test]
async fn faults_can_be_set_over_http() {
    let emu = start().await;
    let http = hookspec_tests::raw_http();
    let admin = format!("http://{}/__admin/faults", emu.addr());
    let rule = r#"{"route": "omegastream.list_webhook_events", "fault": {"kind": "status", "status": 418}, "times": 1}"#;
    // The admin routes need the admin token.
    let denied = http.post(&admin).body(rule).send().await.unwrap();
    assert_eq!(denied.status(), 401);
    assert_eq!(
        denied.headers()["content-type"],
        "application/json",
        "admin errors are JSON too"
    );
    // A fault rule posted with the token: the answer's status and body.
    let set_fault = |rule: String| {
        let request = http.post(&admin).bearer_auth(emu.admin_token()).body(rule);
        async move {
            let resp = request.send().await.unwrap();
            (resp.status().as_u16(), resp.text().await.unwrap())
        }
    };
    assert_eq!(set_fault(rule.to_owned()).await.0, 204);
    let bad = http
        .post(&admin)
        .header(hookspec_mock::ADMIN_TOKEN_HEADER, emu.admin_token())
        .body(r#"{"route": 1}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    let err = omega(&emu, DEFAULT_KEY)
        .list_webhook_events(ENDPOINT)
        .await
        .unwrap_err();
    assert_eq!(err.status().unwrap(), 418);

    // A route the emulator does not serve would never fire: refused, naming the routes.
    let (status, text) = set_fault(
        r#"{"route": "fivecents.resend-notification", "fault": {"kind": "status", "status": 500}}"#
            .to_owned(),
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        text.contains("unknown route `fivecents.resend-notification`"),
        "{text}"
    );
    assert!(text.contains("fivecents.resend_notification"), "{text}");

    // Clearing one route leaves the others' faults.
    for route in [
        "omegastream.list_webhook_events",
        "omegastream.get_webhook_event",
    ] {
        let rule =
            format!(r#"{{"route": "{route}", "fault": {{"kind": "status", "status": 418}}}}"#);
        assert_eq!(set_fault(rule).await.0, 204);
    }
    let cleared = http
        .delete(format!("{admin}?route=omegastream.list_webhook_events"))
        .bearer_auth(emu.admin_token())
        .send()
        .await
        .unwrap();
    assert_eq!(cleared.status(), 204);
    let client = omega(&emu, DEFAULT_KEY);
    client.list_webhook_events(ENDPOINT).await.unwrap();
    let err = client
        .get_webhook_event(ENDPOINT, "63377e715790c27875f70dbd")
        .await
        .unwrap_err();
    assert_eq!(
        err.status().unwrap(),
        418,
        "the other route keeps its fault"
    );
}

/// Sends `request` on a fresh connection and reads the whole answer: (status, headers, body).
async fn raw_exchange(emu: &RunningEmulator, request: &[u8]) -> (u16, String, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(emu.addr()).await.unwrap();
    // The server may answer (and close) before reading everything: ignore write errors.
    let _ = s.write_all(request).await;
    let mut out = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(20), s.read_to_end(&mut out)).await;
    let text = String::from_utf8_lossy(&out).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .get(9..12)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {text:?}"));
    (status, head.to_ascii_lowercase(), body.to_owned())
}

fn json_of(head: &str, body: &str) -> serde_json::Value {
    assert!(head.contains("content-type: application/json"), "{head}");
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body:?}"))
}

#[tokio::test]
async fn every_answer_is_json_in_the_api_error_model() {
    let emu = start().await;
    let http = hookspec_tests::raw_http();
    let bearer = format!("Bearer {DEFAULT_KEY}");

    // Unknown path under an API: its error model.
    let resp = http
        .get(format!("{}/nope", emu.base_url("omegastream")))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    let body: serde_json::Value = serde_json::from_str(&resp.text().await.unwrap()).unwrap();
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("/omegastream/nope"),
        "{body}"
    );
    // Unknown path outside every API: a body every API's model decodes.
    let resp = http
        .get(format!("http://{}/x", emu.addr()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    let body: serde_json::Value = serde_json::from_str(&resp.text().await.unwrap()).unwrap();
    assert!(
        body["message"].is_string() && body["error"].is_string(),
        "{body}"
    );

    // Wrong method: 405 with Allow, in the API's model.
    let resp = http
        .delete(format!(
            "{}/transcoding/notifications/resend",
            emu.base_url("fivecents")
        ))
        .header("X-API-Key", DEFAULT_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 405);
    assert_eq!(resp.headers()["allow"], "POST");
    let body: serde_json::Value = serde_json::from_str(&resp.text().await.unwrap()).unwrap();
    assert_eq!(body["code"], 405, "{body}");
    let resp = http
        .post(format!(
            "{}/client/webhooks/all",
            emu.base_url("omegastream")
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 405);
    assert_eq!(resp.headers()["allow"], "GET, HEAD");

    // A path parameter that is not percent-encoded UTF-8: 400 naming it.
    let resp = http
        .get(format!(
            "{}/client/webhooks/%FF%FE",
            emu.base_url("omegastream")
        ))
        .header("authorization", &bearer)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let body: serde_json::Value = serde_json::from_str(&resp.text().await.unwrap()).unwrap();
    assert!(body["message"].as_str().unwrap().contains("id:"), "{body}");

    // A 100k-character URI: 414; 1M of headers: 431; garbage: 400 — all JSON.
    let long = format!(
        "GET /omegastream/client/webhooks/{} HTTP/1.1\r\nhost: x\r\n\r\n",
        "a".repeat(100_000)
    );
    let (status, head, body) = raw_exchange(&emu, long.as_bytes()).await;
    assert_eq!(status, 414, "{head}");
    assert!(json_of(&head, &body)["message"].is_string());
    let big = format!(
        "GET /omegastream/client/webhooks/all HTTP/1.1\r\nhost: x\r\nx-big: {}\r\n\r\n",
        "b".repeat(1_000_000)
    );
    let (status, head, body) = raw_exchange(&emu, big.as_bytes()).await;
    assert_eq!(status, 431, "{head}");
    assert!(json_of(&head, &body)["message"].is_string());
    let (status, head, body) = raw_exchange(&emu, b"NOT HTTP AT ALL\r\n\r\n").await;
    assert_eq!(status, 400, "{head}");
    assert!(json_of(&head, &body)["message"].is_string());
}

#[tokio::test]
async fn the_request_log_redacts_credentials_and_needs_the_admin_token() {
    let emu = start().await;
    five(&emu, DEFAULT_KEY)
        .resend_notification(&ResendNotificationRequest {
            zoneid: 1234,
            job: JobSelector::Index(0),
        })
        .await
        .unwrap();
    omega(&emu, DEFAULT_KEY)
        .list_webhook_events(ENDPOINT)
        .await
        .unwrap();
    let http = hookspec_tests::raw_http();
    let url = format!("http://{}/__admin/requests", emu.addr());
    assert_eq!(http.get(&url).send().await.unwrap().status(), 401);
    let text = http
        .get(&url)
        .bearer_auth(emu.admin_token())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!text.contains(DEFAULT_KEY), "{text}");
    let log: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(log.as_array().unwrap().len(), 2);
    let headers = |i: usize| log[i]["headers"].as_array().unwrap().clone();
    assert!(
        headers(0)
            .iter()
            .any(|h| h[0] == "x-api-key" && h[1] == "[REDACTED]")
    );
    assert!(
        headers(1)
            .iter()
            .any(|h| h[0] == "authorization" && h[1] == "[REDACTED]")
    );
    // Wrong method on an admin route: 405 with Allow, JSON.
    let resp = http
        .delete(&url)
        .bearer_auth(emu.admin_token())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 405);
    assert_eq!(resp.headers()["allow"], "GET, HEAD");
}

#[tokio::test]
async fn declared_behaviour_create_list_status_get_delete() {
    use omegastream::{CreateWebhookEndpoint, UpdateWebhookEndpoint, WebhookEndpointStatus};
    let emu = start().await;
    let client = omega(&emu, DEFAULT_KEY);
    let before = client.list_webhook_endpoints().await.unwrap();
    let created = client
        .create_webhook_endpoint(&CreateWebhookEndpoint {
            url: "https://hooks.example.com/new".into(),
            description: Some("new one".into()),
            events: vec![EventType::VideoUploaded],
        })
        .await
        .unwrap();
    assert_eq!(created.id.len(), 24, "a generated id: {}", created.id);
    assert!(created.active, "the declared default");
    assert!(created.created_at.is_some() && created.updated_at.is_some());
    let list = client.list_webhook_endpoints().await.unwrap();
    assert_eq!(list.len(), before.len() + 1);
    assert!(list.iter().any(|e| e.id == created.id));

    let changed = client
        .set_webhook_endpoint_status(&created.id, &WebhookEndpointStatus { active: false })
        .await
        .unwrap();
    assert!(!changed.active);
    let got = client.get_webhook_endpoint(&created.id).await.unwrap();
    assert!(!got.active, "get shows the status change");
    assert_eq!(got.url, "https://hooks.example.com/new");

    let replaced = client
        .update_webhook_endpoint(
            &created.id,
            &UpdateWebhookEndpoint {
                url: "https://hooks.example.com/renamed".into(),
                description: None,
                events: vec![EventType::VideoDeleted],
            },
        )
        .await
        .unwrap();
    assert_eq!(replaced.url, "https://hooks.example.com/renamed");
    assert_eq!(
        replaced.description, None,
        "replace drops an absent optional field"
    );
    assert!(
        !replaced.active,
        "replace keeps what the body does not hold"
    );

    // A second endpoint with the same URL: 409 naming the field.
    let err = client
        .create_webhook_endpoint(&CreateWebhookEndpoint {
            url: "https://hooks.example.com/renamed".into(),
            description: None,
            events: vec![],
        })
        .await
        .unwrap_err();
    let api = err.as_api().unwrap();
    assert_eq!(api.status, 409);
    let Some(omegastream::ApiErrorBody::ErrorBody(body)) = &api.body else {
        panic!("{err:?}")
    };
    assert!(
        body.message.contains("url: already used"),
        "{}",
        body.message
    );

    let deleted = client.delete_webhook_endpoint(&created.id).await.unwrap();
    assert_eq!(deleted.message, "webhook endpoint deleted");
    let err = client.get_webhook_endpoint(&created.id).await.unwrap_err();
    assert_eq!(err.status().unwrap(), 404);
    let Some(omegastream::ApiErrorBody::ErrorBody(body)) = &err.as_api().unwrap().body else {
        panic!("{err:?}")
    };
    assert_eq!(body.message, "webhook endpoint not found");
    assert_eq!(
        client.list_webhook_endpoints().await.unwrap().len(),
        before.len()
    );

    // Unknown ids are 404s on every operation; an invalid body is a 400 naming the field.
    let err = client
        .set_webhook_endpoint_status("nope", &WebhookEndpointStatus { active: true })
        .await
        .unwrap_err();
    assert_eq!(err.status().unwrap(), 404);
    assert_eq!(
        client
            .delete_webhook_endpoint("nope")
            .await
            .unwrap_err()
            .status()
            .unwrap(),
        404
    );
    let resp = hookspec_tests::raw_http()
        .post(format!("{}/webhooks", emu.base_url("omegastream")))
        .bearer_auth(DEFAULT_KEY)
        .body(r#"{"url": 5, "events": []}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let body: serde_json::Value = serde_json::from_str(&resp.text().await.unwrap()).unwrap();
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("url: expected a string"),
        "{body}"
    );

    // State is per emulator instance.
    let other = start().await;
    assert_eq!(
        omega(&other, DEFAULT_KEY)
            .list_webhook_endpoints()
            .await
            .unwrap()
            .len(),
        before.len()
    );
}

#[tokio::test]
async fn declared_lists_of_5centscdn_job_logs() {
    let emu = start().await;
    let logs = five(&emu, DEFAULT_KEY).list_encode_jobs().await.unwrap();
    assert_eq!(logs.logs_in_range.len(), 2);
}

/// A 5centscdn job log of zone 1234 with index `index` that started at `start` (RFC 3339;
/// `None`: no time recorded), as the log's `meta.time` gives it (milliseconds, as strings).
fn job(index: i64, start: Option<&str>) -> serde_json::Value {
    let time = match start {
        Some(s) => {
            let ms = s.parse::<hookspec::Timestamp>().unwrap().as_millisecond();
            serde_json::json!({"start": ms.to_string(), "end": (ms + 60_000).to_string()})
        }
        None => serde_json::json!({}),
    };
    serde_json::json!({
        "index": index, "zoneid": 1234, "hash": format!("h{index}"),
        "meta": {"infile": format!("in/{index}.mp4"), "time": time}
    })
}

#[tokio::test]
async fn the_date_range_lists_exactly_the_jobs_that_started_in_range() {
    // The embedded 5centscdn spec, served with other seed jobs (`EmulatorBuilder::apis`).
    let mut apis = hookspec_mock::embedded_apis().unwrap();
    let five_api = apis.iter_mut().find(|a| a.name == "fivecents").unwrap();
    let jobs = five_api
        .resources
        .iter_mut()
        .find(|r| r.name == "encode_jobs")
        .unwrap();
    jobs.seed = vec![
        job(0, Some("2025-03-31T23:59:59Z")),
        job(1, Some("2025-04-01T00:00:00Z")),
        job(2, Some("2025-04-15T12:00:00Z")),
        job(3, Some("2025-04-30T00:00:00Z")),
        job(4, Some("2025-04-30T00:00:01Z")),
        job(5, None),
        job(6, Some("2026-04-15T12:00:00Z")),
    ];
    let emu = Emulator::builder().apis(apis).start().await.unwrap();
    let client = five(&emu, DEFAULT_KEY);
    let range = |a: &str, b: &str| hookspec::TimeRange::new(a.parse().unwrap(), b.parse().unwrap());
    let indexes = |logs: fivecents::EncodeJobLogs| -> Vec<i64> {
        logs.logs_in_range.iter().map(|l| l.index).collect()
    };
    let april = client
        .list_encode_jobs_in_range(
            range("2025-04-01T00:00:00Z", "2025-04-30T00:00:00Z"),
            fivecents::LogGrouping::Zone,
        )
        .await
        .unwrap();
    assert_eq!(indexes(april), [1, 2, 3], "both ends included");
    let later = client
        .list_encode_jobs_in_range(
            range("2026-04-01T00:00:00Z", "2026-04-30T00:00:00Z"),
            fivecents::LogGrouping::Profile,
        )
        .await
        .unwrap();
    assert_eq!(indexes(later), [6]);
    let none = client
        .list_encode_jobs_in_range(
            range("2024-01-01T00:00:00Z", "2024-01-31T00:00:00Z"),
            fivecents::LogGrouping::Zone,
        )
        .await
        .unwrap();
    assert!(none.logs_in_range.is_empty());
    // The list without a range has them all.
    let all = client.list_encode_jobs().await.unwrap();
    assert_eq!(indexes(all), [0, 1, 2, 3, 4, 5, 6]);
}

#[tokio::test]
async fn delivered_events_join_the_history_with_the_receivers_answer() {
    use omegastream::CreateWebhookEndpoint;
    let receiver = Recorder::start(vec![Reply::json(202, "thanks")]).await;
    let emu = start().await;
    let client = omega(&emu, DEFAULT_KEY);
    let endpoint = client
        .create_webhook_endpoint(&CreateWebhookEndpoint {
            url: receiver.url("/hook"),
            description: None,
            // A type no seed endpoint receives (their URLs are not on this machine).
            events: vec![EventType::VideoDeleted],
        })
        .await
        .unwrap();
    assert!(
        client
            .list_webhook_events(&endpoint.id)
            .await
            .unwrap()
            .is_empty()
    );
    // Not subscribed: nothing sent. Subscribed: one POST, recorded.
    let none = emu
        .deliver_omegastream_event("video.ready_to_watch", serde_json::json!({}))
        .await;
    assert!(none.is_empty());
    let sent = emu
        .deliver_omegastream_event("video.deleted", serde_json::json!({"uuid": "v1"}))
        .await;
    assert_eq!(
        sent.len(),
        1,
        "only the new endpoint is active and subscribed"
    );
    let got = receiver.requests();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].json()["type"], "video.deleted");
    // The envelope as the spec's webhooks.toml declares it: no `created_at`, which only the
    // event history has.
    assert_eq!(got[0].json().get("created_at"), None, "{}", got[0].json());

    let list = client.list_webhook_events(&endpoint.id).await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].response, None, "lists hide the response");
    let full = client
        .get_webhook_event(&endpoint.id, &list[0].id)
        .await
        .unwrap();
    let response = full.response.unwrap();
    assert_eq!(response.status_code, 202);
    assert_eq!(response.body, "thanks");
    assert_eq!(
        full.data.unwrap().to_value().unwrap(),
        serde_json::json!({"uuid": "v1"})
    );

    // Over HTTP, with the admin token.
    let resp = hookspec_tests::raw_http()
        .post(format!("http://{}/__admin/omegastream/events", emu.addr()))
        .bearer_auth(emu.admin_token())
        .body(r#"{"type": "video.deleted", "data": null}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(
        client
            .list_webhook_events(&endpoint.id)
            .await
            .unwrap()
            .len(),
        2
    );
}

#[tokio::test]
async fn inserted_items_are_served_like_the_seed_and_unknown_resources_are_refused() {
    let emu = start().await;
    let client = five(&emu, DEFAULT_KEY);
    let resend = |index| ResendNotificationRequest {
        zoneid: 4321,
        job: JobSelector::Index(index),
    };
    assert_eq!(
        client
            .resend_notification(&resend(5))
            .await
            .unwrap_err()
            .status()
            .unwrap(),
        404
    );
    emu.insert(
        "fivecents",
        "encode_jobs",
        [
            serde_json::json!({"index": 5, "zoneid": 4321, "serviceid": 1, "hash": "abc",
                            "meta": {"zoneid": "4321", "infile": "in.mp4", "outfile": "out.m3u8"}}),
        ],
    )
    .unwrap();
    client.resend_notification(&resend(5)).await.unwrap();
    let err = emu
        .insert("fivecents", "widgets", [serde_json::json!({})])
        .unwrap_err();
    assert!(
        matches!(&err, hookspec_mock::MockError::UnknownResource { api, resource }
            if api == "fivecents" && resource == "widgets"),
        "{err}"
    );
    assert!(err.to_string().contains("declares no resource `widgets`"));
}

/// The emulator's rate limits (`RateLimits`), over 127.0.0.1: the spec's `[rate_limit]` per
/// key, a raised rate, off by default; a client at the spec's own limit never sees a 429.
mod rate_limits {

    use std::time::Duration;

    use hookspec::fivecents::{self, JobSelector, ResendNotificationRequest};
    use hookspec_mock::{DEFAULT_KEY, Emulator, RateLimits, RunningEmulator};

    async fn start(mode: RateLimits) -> RunningEmulator {
        Emulator::builder().rate_limits(mode).start().await.unwrap()
    }

    /// Raw resends (no client-side limit): the statuses and `Retry-After`s, in order.
    async fn burst(emu: &RunningEmulator, n: usize) -> Vec<(u16, Option<String>, String)> {
        let http = reqwest::Client::new();
        let url = format!(
            "{}/transcoding/notifications/resend",
            emu.base_url("fivecents")
        );
        let mut out = Vec::new();
        for _ in 0..n {
            let resp = http
                .post(&url)
                .header("x-api-key", DEFAULT_KEY)
                .header("content-type", "application/json")
                .body(r#"{"zoneid": 1234, "index": 0}"#)
                .send()
                .await
                .unwrap();
            let status = resp.status().as_u16();
            let retry_after = resp
                .headers()
                .get("retry-after")
                .map(|v| v.to_str().unwrap().to_owned());
            out.push((status, retry_after, resp.text().await.unwrap()));
        }
        out
    }

    #[tokio::test]
    async fn the_spec_limit_answers_429_in_the_api_error_model_once_the_window_is_spent() {
        // 5centscdn declares 5 requests per second.
        let emu = start(RateLimits::Spec).await;
        let answers = burst(&emu, 12).await;
        let ok = answers.iter().filter(|a| a.0 == 200).count();
        // The bucket holds 5 (and 100 ms of jitter tolerance); refill during the burst may add one.
        assert!((5..=7).contains(&ok), "{answers:?}");
        assert!(answers[..5].iter().all(|a| a.0 == 200), "{answers:?}");
        let (status, retry_after, body) = answers.last().unwrap();
        assert_eq!(*status, 429);
        assert_eq!(retry_after.as_deref(), Some("1"));
        let body: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(body["code"], 429, "the 5centscdn error model: {body}");
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .contains("rate limit exceeded"),
            "{body}"
        );
        // A refused request did nothing: the emulator's log records 12 requests, but only the
        // accepted ones were resends (a 429 happens before the endpoint's behaviour).
        assert_eq!(emu.requests().len(), 12);

        // The window refills.
        tokio::time::sleep(Duration::from_millis(1100)).await;
        let again = burst(&emu, 3).await;
        assert!(again.iter().all(|a| a.0 == 200), "{again:?}");

        // OmegaStream declares no limit: never refused.
        let http = reqwest::Client::new();
        for _ in 0..20 {
            let resp = http
                .get(format!(
                    "{}/webhooks/6336cd2b5790c27875f70d96",
                    emu.base_url("omegastream")
                ))
                .bearer_auth(DEFAULT_KEY)
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), 200);
        }
    }

    #[tokio::test]
    async fn off_by_default_and_a_raised_rate_replaces_the_spec_one() {
        let emu = Emulator::builder().start().await.unwrap();
        assert!(burst(&emu, 30).await.iter().all(|a| a.0 == 200));

        // Lowered below the spec's 5/s (the bucket: 2, plus 100 ms of jitter tolerance).
        let emu = start(RateLimits::PerSecond(2)).await;
        let answers = burst(&emu, 10).await;
        let ok = answers.iter().filter(|a| a.0 == 200).count();
        assert!((2..=4).contains(&ok), "{answers:?}");
        assert_eq!(answers.last().unwrap().0, 429);
    }

    #[tokio::test]
    async fn a_client_at_the_spec_limit_is_never_refused() {
        let emu = start(RateLimits::Spec).await;
        // The generated client applies the same declared limit on its side.
        let client = fivecents::Client::builder()
            .base_url(emu.base_url("fivecents"))
            .credentials(DEFAULT_KEY)
            .build()
            .unwrap();
        for _ in 0..12 {
            client
                .resend_notification(&ResendNotificationRequest {
                    zoneid: 1234,
                    job: JobSelector::Index(0),
                })
                .await
                .unwrap();
        }
    }
}

/// Header parameters are checked as query parameters are: a required one missing, or one not
/// of its type, is a 400 naming it (the emulator accepted anything before).
#[tokio::test]
async fn declared_headers_are_checked() {
    let fixture = hookspec_mock::read_api_dir(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixture/api-specs/fixture"),
    )
    .unwrap();
    let emu = Emulator::builder().api(fixture).start().await.unwrap();
    let http = hookspec_tests::raw_http();
    let url = format!("{}/widgets/w1/send", emu.base_url("fixture"));
    let send = |headers: &'static [(&'static str, &'static str)]| {
        let mut rb = http
            .post(&url)
            .header("content-type", "application/json")
            .body(r#"{"type": "express", "self": false}"#);
        for (k, v) in headers {
            rb = rb.header(*k, *v);
        }
        async move {
            let resp = rb.send().await.unwrap();
            (resp.status().as_u16(), resp.text().await.unwrap())
        }
    };
    let (status, body) = send(&[]).await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body.contains("X-Trace-Id") && body.contains("required header missing"),
        "{body}"
    );
    let (status, body) = send(&[("x-trace-id", "t1"), ("X-Priority", "high")]).await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body.contains("X-Priority") && body.contains("expected an integer"),
        "{body}"
    );
    let (status, body) = send(&[
        ("x-trace-id", "t1"),
        ("X-Priority", "2"),
        ("X-Shade", "dark-blue"),
    ])
    .await;
    assert_eq!(status, 200, "{body}");
}
