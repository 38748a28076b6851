//! Receiving webhooks over 127.0.0.1: `trigger` (example deliveries) → `listen` (the listener)
//! for every declared event type, unknown types, duplicates, and bad input refused with a
//! typed error and a 4xx, by the listener and by the axum extractor. The signed fixture API
//! (`tests/webhook-fixture`) exercises the Standard Webhooks checks.

use axum::routing::post;
use hookspec::webhooks::{ParseError, Receiver, Secret, Settings, Webhook, WebhookApi};
use hookspec::webhooks::{Signing, deliver};
use hookspec_mock::webhooks::{Heard, ListenOptions, Listener, example_delivery};
use hookspec_tests::spec;

hookspec::include_api!("../../webhook-fixture");

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

fn http() -> reqwest::Client {
    reqwest::Client::new()
}

fn apis() -> Vec<hookspec_spec::Api> {
    hookspec::APIS
        .iter()
        .map(|a| spec(a.spec_sources))
        .collect()
}

async fn next_event(
    l: &mut Listener,
) -> (
    hookspec::webhooks::Received<hookspec::webhooks::Summary>,
    bool,
) {
    match tokio::time::timeout(std::time::Duration::from_secs(10), l.next())
        .await
        .expect("a delivery within 10 s")
        .expect("the listener runs")
    {
        Heard::Event {
            received,
            duplicate,
            ..
        } => (received, duplicate),
        other => panic!("refused: {}", other.line()),
    }
}

#[tokio::test]
async fn trigger_then_listen_round_trips_every_declared_event_type() {
    let mut listener = Listener::start(ListenOptions::default()).await.unwrap();
    let mut seen = 0;
    for api in apis() {
        let Some(hooks) = &api.webhooks else { continue };
        let entry = hookspec::WEBHOOKS
            .iter()
            .find(|w| w.api == api.name)
            .unwrap();
        assert_eq!(
            entry.event_types,
            hooks
                .events
                .iter()
                .map(|e| e.name.as_str())
                .collect::<Vec<_>>()
        );
        for (i, event) in hooks.events.iter().enumerate() {
            // Distinct ids (or contents): each is a new event, not a duplicate.
            let set = if hooks.id_field.is_some() {
                ("id".to_owned(), format!("evt-{i}"))
            } else {
                ("0.index".to_owned(), i.to_string())
            };
            let body = example_delivery(&api, &event.name, &[set]).unwrap();
            let bytes = serde_json::to_vec(&body).unwrap();
            let r = deliver(&http(), &listener.url(&api.name), bytes.clone(), None)
                .await
                .unwrap();
            assert_eq!(r.status, 200, "{}", r.body_text());
            let (received, duplicate) = next_event(&mut listener).await;
            assert_eq!(received.event.api, api.name);
            assert_eq!(received.event.event_type, event.name);
            assert!(received.event.known);
            assert!(!duplicate, "{} {}", api.name, event.name);
            assert_eq!(&received.raw[..], &bytes[..]);
            seen += 1;
        }
    }
    assert!(
        seen >= 11,
        "every OmegaStream type and the 5centscdn completion"
    );
}

#[tokio::test]
async fn flat_and_nested_examples_both_decode_over_http() {
    let api = spec(hookspec::omegastream::Client::SPEC_SOURCES);
    let mut listener = Listener::start(ListenOptions::default()).await.unwrap();
    // The failure example nests the video, the file's example is flat.
    for (event, nested) in [
        ("video.process_failed", true),
        ("video.process_succeeded", false),
    ] {
        let body = example_delivery(&api, event, &[]).unwrap();
        assert_eq!(body["data"].get("video").is_some(), nested);
        let bytes = serde_json::to_vec(&body).unwrap();
        deliver(&http(), &listener.url("omegastream"), bytes.clone(), None)
            .await
            .unwrap();
        let (received, _) = next_event(&mut listener).await;
        assert!(
            received.event.debug.contains("uuid"),
            "{}",
            received.event.debug
        );
        assert_eq!(received.event.event_type, event);
    }
}

#[tokio::test]
async fn unknown_types_are_kept_and_repeats_are_duplicates() {
    let api = spec(hookspec::omegastream::Client::SPEC_SOURCES);
    let mut listener = Listener::start(ListenOptions::default()).await.unwrap();
    let body = example_delivery(
        &api,
        "video.uploaded",
        &[("type".into(), "video.teleported".into())],
    )
    .unwrap();
    let bytes = serde_json::to_vec(&body).unwrap();
    // Sent to `/`: the listener finds the API the body fits.
    let url = format!("http://{}/", listener.addr());
    for attempt in 0..2 {
        let r = deliver(&http(), &url, bytes.clone(), None).await.unwrap();
        assert_eq!(r.status, 200);
        let (received, duplicate) = next_event(&mut listener).await;
        assert_eq!(received.event.event_type, "video.teleported");
        assert!(!received.event.known);
        assert_eq!(duplicate, attempt == 1);
        let line = Heard::Event {
            received,
            duplicate,
            forwarded: None,
        };
        assert!(line.line().contains("unknown type"));
        assert_eq!(line.to_json()["event"]["type"], "video.teleported");
        assert_eq!(line.line().contains("DUPLICATE"), attempt == 1);
    }
}

#[tokio::test]
async fn the_emulator_resend_is_heard_and_its_repeat_is_a_duplicate() {
    let mut listener = Listener::start(ListenOptions::default()).await.unwrap();
    let emu = hookspec_mock::Emulator::builder()
        .webhook_urls(vec![listener.url("fivecents")])
        .start()
        .await
        .unwrap();
    let client = hookspec::fivecents::Client::builder()
        .base_url(emu.base_url("fivecents"))
        .credentials(emu.key("fivecents"))
        .build()
        .unwrap();
    let request = hookspec::fivecents::ResendNotificationRequest {
        zoneid: 1234,
        job: hookspec::fivecents::JobSelector::Index(0),
    };
    for attempt in 0..2 {
        let calls = client.resend_notification(&request).await.unwrap();
        assert_eq!(calls[0].resp_code, Some(200));
        let (received, duplicate) = next_event(&mut listener).await;
        assert_eq!(received.event.event_type, "job_completed");
        assert_eq!(duplicate, attempt == 1);
    }
}

#[tokio::test]
async fn the_listener_refuses_bad_input_with_a_4xx() {
    let listener = Listener::start(ListenOptions::default()).await.unwrap();
    let url = listener.url("omegastream");
    let post = |body: Vec<u8>| {
        let url = url.clone();
        async move {
            let r = http().post(url).body(body).send().await.unwrap();
            let status = r.status().as_u16();
            (
                status,
                serde_json::from_str::<serde_json::Value>(&r.text().await.unwrap()).unwrap(),
            )
        }
    };
    let (status, body) = post(b"{not json".to_vec()).await;
    assert_eq!(status, 400);
    assert_eq!(body["errors"][0]["error"]["error"], "not_json");
    let (status, body) = post(br#"{"id": "x", "type": 3}"#.to_vec()).await;
    assert_eq!(status, 400);
    assert_eq!(body["errors"][0]["error"]["error"], "wrong_shape");
    let (status, body) = post(vec![b'['; 3 * 1024 * 1024]).await;
    assert_eq!(status, 413);
    assert_eq!(body["errors"][0]["error"]["error"], "too_large");
}

/// A 127.0.0.1 server of one axum route receiving the signed fixture's deliveries through the
/// extractor, and OmegaStream's (unsigned) on another.
async fn extractor_app(receiver: signed_hooks::webhooks::Receiver) -> String {
    async fn signed(Webhook(d): Webhook<signed_hooks::webhooks::Event>) -> String {
        let id = d.event.event_id().unwrap_or_default().to_owned();
        format!("{} {id} verified={}", d.event.event_type(), d.verified)
    }
    async fn omega(Webhook(d): Webhook<hookspec::omegastream::webhooks::Event>) -> String {
        d.event.event_type().to_owned()
    }
    let app = axum::Router::new()
        .route("/signed", post(signed))
        .route("/omega", post(omega))
        .layer(axum::Extension(receiver));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

#[tokio::test]
async fn the_extractor_checks_signatures_and_answers_4xx_json_errors() {
    let receiver = signed_hooks::webhooks::Receiver::new()
        .secret(SECRET)
        .unwrap();
    let base = extractor_app(receiver).await;
    let secret = Secret::from_whsec(SECRET).unwrap();
    let body = signed_hooks::webhooks::EXAMPLE.as_bytes();
    let send = |headers: hookspec::http::HeaderMap, body: Vec<u8>, path: &str| {
        let url = format!("{base}{path}");
        async move {
            let r = http()
                .post(url)
                .headers(headers)
                .body(body)
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    let signed = |ts: i64, b: &[u8]| hookspec::webhooks::signed_headers(&secret, "msg_1", ts, b);
    // Signed with the secret: accepted, verified.
    let (status, text) = send(signed(now(), body), body.to_vec(), "/signed").await;
    assert_eq!(
        (status, text.as_str()),
        (200, "order.created evt_1 verified=true")
    );
    // Signed, then changed.
    let mut tampered = body.to_vec();
    tampered[10] ^= 1;
    let (status, text) = send(signed(now(), body), tampered, "/signed").await;
    assert_eq!(status, 401);
    let err: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(err["error"], "signature_mismatch");
    // Signed with another secret.
    let other = Secret::from_bytes(b"another secret".to_vec()).unwrap();
    let (status, text) = send(
        hookspec::webhooks::signed_headers(&other, "msg_1", now(), body),
        body.to_vec(),
        "/signed",
    )
    .await;
    assert_eq!(status, 401, "{text}");
    // Stale: ten minutes old, the tolerance is five.
    let (status, text) = send(signed(now() - 600, body), body.to_vec(), "/signed").await;
    assert_eq!(status, 401);
    assert!(text.contains("stale_timestamp"), "{text}");
    // A header missing.
    for name in ["webhook-id", "webhook-timestamp", "webhook-signature"] {
        let mut h = signed(now(), body);
        h.remove(name);
        let (status, text) = send(h, body.to_vec(), "/signed").await;
        assert_eq!(status, 401);
        assert!(
            text.contains("missing_header") && text.contains(name),
            "{text}"
        );
    }
    // Signed but not JSON: the signature passes, the decoding refuses it.
    let junk = b"\x00\xffnot json".to_vec();
    let (status, text) = send(signed(now(), &junk), junk.clone(), "/signed").await;
    assert_eq!(status, 400);
    assert!(text.contains("not_json"), "{text}");
    // Larger than the fixture's 64 KiB limit: 413 before anything is checked.
    let (status, text) = send(signed(now(), body), vec![b' '; 70_000], "/signed").await;
    assert_eq!(status, 413);
    assert!(text.contains("too_large"), "{text}");
    // Unsigned API, wrong shape: 400 with the JSON path.
    let (status, text) = send(
        hookspec::http::HeaderMap::new(),
        br#"{"id": "e", "type": "video.deleted", "data": {"uuid": 1}}"#.to_vec(),
        "/omega",
    )
    .await;
    assert_eq!(status, 400);
    let err: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(err["error"], "wrong_shape");
}

#[tokio::test]
async fn a_signed_api_round_trips_through_the_listener_with_its_secret() {
    let api = spec(signed_hooks::Client::SPEC_SOURCES);
    let secret = Secret::from_whsec(SECRET).unwrap();
    let mut listener = Listener::start(ListenOptions {
        settings: Settings {
            secrets: vec![secret.clone()],
            ..Settings::default()
        },
        apis: vec![WebhookApi::of::<signed_hooks::webhooks::Event>()],
        ..ListenOptions::default()
    })
    .await
    .unwrap();
    for event in signed_hooks::webhooks::EVENT_TYPES {
        let body = example_delivery(&api, event, &[]).unwrap();
        let bytes = serde_json::to_vec(&body).unwrap();
        let r = deliver(
            &http(),
            &listener.url("signed_hooks"),
            bytes,
            Some(Signing {
                secret: &secret,
                msg_id: "msg_x",
                timestamp: None,
            }),
        )
        .await
        .unwrap();
        assert_eq!(r.status, 200, "{}", r.body_text());
        let (received, _) = next_event(&mut listener).await;
        assert!(received.verified);
        assert_eq!(received.event.event_type, *event);
    }
    // Unsigned: refused with 401.
    let bytes = signed_hooks::webhooks::EXAMPLE.as_bytes();
    let r = deliver(&http(), &listener.url("signed_hooks"), bytes, None)
        .await
        .unwrap();
    assert_eq!(r.status, 401, "{}", r.body_text());
    match listener.next().await.unwrap() {
        Heard::Refused { errors, .. } => assert_eq!(
            errors[0].1,
            ParseError::MissingHeader { name: "webhook-id" }
        ),
        other => panic!("{other:?}"),
    }
}

#[test]
fn without_a_secret_a_signed_api_refuses_everything() {
    let err = signed_hooks::webhooks::parse(
        &hookspec::http::HeaderMap::new(),
        signed_hooks::webhooks::EXAMPLE.as_bytes(),
    )
    .unwrap_err();
    assert_eq!(err, ParseError::MissingHeader { name: "webhook-id" });
    let secret = Secret::from_whsec(SECRET).unwrap();
    let body = signed_hooks::webhooks::EXAMPLE.as_bytes();
    let headers = hookspec::webhooks::signed_headers(&secret, "m", 1_000_000, body);
    let r = Receiver::<signed_hooks::webhooks::Event>::new().at_time(1_000_000);
    assert_eq!(r.parse(&headers, body).unwrap_err(), ParseError::NoSecret);
    let r = r.secret(SECRET).unwrap();
    assert!(r.parse(&headers, body).unwrap().verified);
    // The key of a delivery whose envelope has an id is the id.
    assert_eq!(r.parse(&headers, body).unwrap().key, "evt_1");
}

/// OmegaStream does not sign its deliveries. A secret given all the same (a relay in front
/// that signs them) is verified, not silently ignored: unsigned deliveries are refused.
#[test]
fn a_secret_for_an_unsigned_api_is_verified_not_ignored() {
    use hookspec::omegastream::webhooks::{EXAMPLE, Event};
    let body = EXAMPLE.as_bytes();
    let plain = Receiver::<Event>::new();
    let received = plain
        .parse(&hookspec::http::HeaderMap::new(), body)
        .unwrap();
    assert!(!received.verified, "no secret: nothing to verify");

    let r = Receiver::<Event>::new()
        .at_time(1_000_000)
        .secret(SECRET)
        .unwrap();
    assert_eq!(
        r.parse(&hookspec::http::HeaderMap::new(), body)
            .unwrap_err(),
        ParseError::MissingHeader { name: "webhook-id" }
    );
    let secret = Secret::from_whsec(SECRET).unwrap();
    let headers = hookspec::webhooks::signed_headers(&secret, "m", 1_000_000, body);
    assert!(r.parse(&headers, body).unwrap().verified);
}

/// `parse` on every truncation and many byte flips of the documented deliveries: a result,
/// never a panic (the fuzz target `parse_webhooks` does this at length).
#[test]
fn parse_never_panics_on_mutated_deliveries() {
    let bodies = [
        hookspec::omegastream::webhooks::EXAMPLE,
        hookspec::fivecents::webhooks::EXAMPLE,
        signed_hooks::webhooks::EXAMPLE,
    ];
    let headers = hookspec::http::HeaderMap::new();
    let mut rng = fastrand::Rng::with_seed(7);
    let mut refused = 0;
    for body in bodies {
        let bytes = body.as_bytes();
        let mut inputs: Vec<Vec<u8>> = (0..bytes.len()).map(|i| bytes[..i].to_vec()).collect();
        for _ in 0..500 {
            let mut m = bytes.to_vec();
            let i = rng.usize(..m.len());
            m[i] = rng.u8(..);
            inputs.push(m);
        }
        for input in inputs {
            let a = hookspec::omegastream::webhooks::parse(&headers, &input);
            let b = hookspec::fivecents::webhooks::parse(&headers, &input);
            refused += usize::from(a.is_err()) + usize::from(b.is_err());
        }
    }
    assert!(refused > 0);
}
