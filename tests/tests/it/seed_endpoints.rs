//! The three seed endpoints over real HTTP on 127.0.0.1: what is sent, what is decoded.

use hookspec::fivecents::{self, ApiErrorBody, JobSelector, ResendNotificationRequest};
use hookspec::omegastream::{self, EventType};
use std::time::Duration;

use hookspec::{Error, TransportErrorKind, UnixSeconds};
use hookspec_tests::{Recorder, Reply, Scripted, Step, example_response, spec};

fn fivecents_client(server: &Recorder) -> fivecents::Client {
    fivecents::Client::builder()
        .base_url(server.url("/v2"))
        .credentials("k-5c-secret")
        .build()
        .unwrap()
}

fn omega_builder(server: &Recorder) -> hookspec::ClientBuilder<omegastream::Client> {
    omegastream::Client::builder()
        .base_url(server.url("/company"))
        .credentials("tok-omega-secret")
}

fn omega_client(server: &Recorder) -> omegastream::Client {
    omega_builder(server).build().unwrap()
}

#[tokio::test]
async fn resend_sends_the_documented_request_and_decodes_the_call_log() {
    let api = spec(fivecents::Client::SPEC_SOURCES);
    let server = Recorder::start(vec![Reply::json(
        200,
        example_response(&api, "resend_notification"),
    )])
    .await;
    let client = fivecents_client(&server);

    let body = ResendNotificationRequest {
        zoneid: 1234,
        job: JobSelector::Index(0),
    };
    let calls = client.resend_notification(&body).await.unwrap();

    let seen = server.requests();
    assert_eq!(seen.len(), 1);
    let req = &seen[0];
    assert_eq!(req.method, "POST");
    assert_eq!(req.uri, "/v2/transcoding/notifications/resend");
    assert_eq!(req.header("x-api-key"), "k-5c-secret");
    assert_eq!(req.header("content-type"), "application/json");
    assert_eq!(req.header("authorization"), "");
    assert_eq!(req.header("accept"), "application/json");
    let agent = req.header("user-agent");
    let version = agent.strip_prefix("hookspec/").unwrap_or_default();
    assert!(
        version.split('.').count() == 3 && version.split('.').all(|n| n.parse::<u32>().is_ok()),
        "the default User-Agent names hookspec and its version: {agent:?}"
    );
    assert_eq!(req.json(), serde_json::json!({"zoneid": 1234, "index": 0}));

    assert_eq!(calls.len(), 1);
    let call = &calls[0];
    assert_eq!(call.time, UnixSeconds(1_742_810_400));
    assert_eq!(call.hook, "https://hooks.example.com/encode");
    assert_eq!(call.body, vec![serde_json::json!({})]);
    assert_eq!(call.resp_code, Some(200));
    assert_eq!(call.resp_body.as_deref(), Some("OK"));
    assert_eq!(call.error.as_deref(), Some("example_string"));
}

#[tokio::test]
async fn resend_selects_the_job_by_file_too() {
    let server = Recorder::start(vec![Reply::json(200, "[]")]).await;
    let client = fivecents_client(&server);
    for (job, key, value) in [
        (
            JobSelector::Infile("in/a.mp4".into()),
            "infile",
            serde_json::json!("in/a.mp4"),
        ),
        (
            JobSelector::Outfile("out/a.m3u8".into()),
            "outfile",
            serde_json::json!("out/a.m3u8"),
        ),
    ] {
        let calls = client
            .resend_notification(&ResendNotificationRequest { zoneid: 7, job })
            .await
            .unwrap();
        assert!(calls.is_empty());
        let last = server.requests().pop().unwrap();
        assert_eq!(last.json(), serde_json::json!({"zoneid": 7, key: value}));
    }
}

#[tokio::test]
async fn documented_400_becomes_the_typed_api_error() {
    let api = spec(fivecents::Client::SPEC_SOURCES);
    let documented = api.error_examples.iter().find(|e| e.status == 400).unwrap();
    let body = documented.response.clone().unwrap();
    let server = Recorder::start(vec![Reply {
        status: 400,
        headers: vec![
            ("content-type", "application/json".into()),
            ("x-request-id", "req-42".into()),
        ],
        body: body.clone(),
    }])
    .await;
    let client = fivecents_client(&server);
    let err = client
        .resend_notification(&ResendNotificationRequest {
            zoneid: 1234,
            job: JobSelector::Index(0),
        })
        .await
        .unwrap_err();
    let Error::Api(api_err) = &err else {
        panic!("expected an API error, got {err:?}")
    };
    assert_eq!(api_err.status, 400);
    assert_eq!(api_err.request_id.as_deref(), Some("req-42"));
    assert_eq!(api_err.raw, body.as_bytes());
    let Some(ApiErrorBody::ResendError(e)) = &api_err.body else {
        panic!("expected the resend error shape, got {:?}", api_err.body)
    };
    assert_eq!(e.error, "Bad Request");
    assert_eq!(e.code, 400);
    let details = e.details.as_ref().unwrap();
    assert_eq!(details[0].field, "email");
    assert_eq!(details[0].message, "Invalid email format");
    assert!(
        err.to_string()
            .contains("fivecents.resend_notification answered HTTP 400"),
        "{err}"
    );
    assert!(err.may_have_been_delivered());
}

#[tokio::test]
async fn the_general_error_shape_decodes_too_and_unknown_shapes_keep_the_raw_body() {
    let server = Recorder::start(vec![
        Reply::json(
            401,
            r#"{"status": "error", "errors": [{"code": 401, "message": "Invalid API key"}]}"#,
        ),
        Reply::json(500, "<html>oops</html>"),
    ])
    .await;
    let client = fivecents_client(&server);
    let body = ResendNotificationRequest {
        zoneid: 1,
        job: JobSelector::Index(1),
    };
    let err = client.resend_notification(&body).await.unwrap_err();
    match err.as_api().and_then(|e| e.body.as_ref()) {
        Some(ApiErrorBody::GeneralError(g)) => {
            assert_eq!(g.status, "error");
            assert_eq!(g.errors[0].code, 401);
            assert_eq!(g.errors[0].message, "Invalid API key");
        }
        other => panic!("expected the general error shape, got {other:?}"),
    }
    let err = client.resend_notification(&body).await.unwrap_err();
    let api_err = err.as_api().unwrap();
    assert_eq!(api_err.status, 500);
    assert!(api_err.body.is_none());
    assert_eq!(api_err.raw, "<html>oops</html>".as_bytes());
}

#[tokio::test]
async fn list_webhook_events_decodes_the_documented_list() {
    let server =
        Recorder::with_example(omegastream::Client::SPEC_SOURCES, "list_webhook_events").await;
    let client = omega_client(&server);

    let events = client
        .list_webhook_events("6336cd2b5790c27875f70d96")
        .await
        .unwrap();

    let req = &server.requests()[0];
    assert_eq!(req.method, "GET");
    assert_eq!(req.uri, "/company/client/webhooks/6336cd2b5790c27875f70d96");
    assert_eq!(req.header("authorization"), "Bearer tok-omega-secret");
    assert!(req.body.is_empty());

    assert_eq!(events.len(), 2);
    assert_eq!(events[0].id, "63377e715790c27875f70dbd");
    assert_eq!(
        events[0].created_at, None,
        "the zero time of list items decodes as None"
    );
    assert_eq!(events[0].ocid, "omega-cop-KoNef9DB5i");
    assert_eq!(events[0].api_version, "v1");
    assert_eq!(events[0].created, UnixSeconds(1_664_581_231));
    assert_eq!(events[0].event_type, EventType::VideoProcessSucceeded);
    assert_eq!(events[0].data, None);
    assert_eq!(events[0].response, None);
    assert_eq!(events[0].endpoint_id, "6336cd2b5790c27875f70d96");
    assert_eq!(events[1].event_type, EventType::VideoUploaded);
    assert_eq!(events[1].created, UnixSeconds(1_664_578_297));
}

#[tokio::test]
async fn get_webhook_event_decodes_the_full_event() {
    let server =
        Recorder::with_example(omegastream::Client::SPEC_SOURCES, "get_webhook_event").await;
    let client = omega_client(&server);

    let event = client
        .get_webhook_event("6307b4d6570090479813a762", "630fac88bd5bb64cf8b24b99")
        .await
        .unwrap();

    let req = &server.requests()[0];
    assert_eq!(req.method, "GET");
    assert_eq!(
        req.uri,
        "/company/client/webhooks/6307b4d6570090479813a762/events/630fac88bd5bb64cf8b24b99"
    );
    assert_eq!(req.header("authorization"), "Bearer tok-omega-secret");

    assert_eq!(event.id, "630fac88bd5bb64cf8b24b99");
    assert_eq!(
        event.ocid, "omega-cop-OyJrgi5-fx",
        "`coid` decodes into `ocid`"
    );
    assert_eq!(
        event.created_at,
        Some("2022-10-01T00:00:00Z".parse().unwrap())
    );
    assert_eq!(
        event.created.to_timestamp().unwrap().to_string(),
        "2022-08-31T18:46:32Z"
    );
    let data = event.data.expect("the detail carries data");
    assert_eq!(
        data.get(),
        "{\n    \"video\" : {}\n  }",
        "`data` keeps the exact text the server sent"
    );
    assert_eq!(data.to_value().unwrap(), serde_json::json!({"video": {}}));
    let response = event.response.unwrap();
    assert_eq!(response.status_code, 200);
    assert_eq!(response.status, "200 OK");
    assert_eq!(response.body, "webhook received\n");
    assert_eq!(
        response.message,
        "webhook event with type video.process_succeeded succeeded"
    );
}

#[tokio::test]
async fn unknown_event_types_are_kept_and_round_trip() {
    let body = r#"{"id":"e1","created_at":"2024-01-01T00:00:00Z","ocid":"c","api_version":"v1",
        "created":1,"type":"video.teleported","data":null,"endpoint_id":"w","response":null}"#;
    let server = Recorder::start(vec![Reply::json(200, body)]).await;
    let event = omega_client(&server)
        .get_webhook_event("w", "e1")
        .await
        .unwrap();
    assert_eq!(
        event.event_type,
        EventType::Unknown("video.teleported".into())
    );
    let again = serde_json::to_value(&event).unwrap();
    assert_eq!(again["type"], "video.teleported");
    assert_eq!(EventType::from("video.deleted"), EventType::VideoDeleted);
    assert_eq!(EventType::VideoDeleted.to_string(), "video.deleted");
}

#[tokio::test]
async fn path_parameters_stay_in_their_segment() {
    let server = Recorder::start(vec![Reply::json(200, "[]")]).await;
    let client = omega_client(&server);
    client.list_webhook_events("a/b c?d#e%2F").await.unwrap();
    client.list_webhook_events("é").await.unwrap();
    let seen = server.requests();
    assert_eq!(
        seen[0].uri,
        "/company/client/webhooks/a%2Fb%20c%3Fd%23e%252F"
    );
    assert_eq!(seen[1].uri, "/company/client/webhooks/%C3%A9");

    for bad in ["..", ".", ""] {
        let err = client.list_webhook_events(bad).await.unwrap_err();
        assert!(matches!(err, Error::InvalidRequest(_)), "{bad:?}: {err:?}");
        assert!(!err.may_have_been_delivered());
    }
    assert_eq!(
        server.requests().len(),
        2,
        "refused requests are never sent"
    );
}

#[tokio::test]
async fn a_body_of_the_wrong_shape_is_a_decode_error_with_its_json_path() {
    let server = Recorder::start(vec![Reply::json(200, r#"[{"id": "e", "created_at": "0001-01-01T00:00:00Z", "ocid": "c", "api_version": "v1", "created": "yesterday"}]"#)]).await;
    let err = omega_client(&server)
        .list_webhook_events("w")
        .await
        .unwrap_err();
    let Error::Decode(d) = &err else {
        panic!("expected a decode error, got {err:?}")
    };
    assert_eq!(d.path, "[0].created");
    assert_eq!(d.status, 200);
    assert!(d.excerpt.contains("yesterday"), "{}", d.excerpt);
    assert!(err.to_string().contains("[0].created"), "{err}");
}

#[tokio::test]
async fn the_builder_form_sets_a_per_call_timeout() {
    // Every answer comes after 1 s; the client's own timeouts (60 s per call, 30 s per
    // attempt) allow that, a per-call timeout of 100 ms does not.
    let server = Scripted::start(vec![Step::SlowHeaders(Duration::from_secs(1), "[]")]).await;
    let client = omegastream::Client::builder()
        .base_url(server.url())
        .credentials("tok")
        .build()
        .unwrap();

    let err = client
        .list_webhook_events_builder("w")
        .timeout(Duration::from_millis(100))
        .await
        .unwrap_err();
    let Error::Transport(t) = &err else {
        panic!("expected a timeout, got {err:?}")
    };
    assert_eq!(t.kind, TransportErrorKind::Timeout, "{t:?}");
    assert_eq!(t.attempts, 1, "the call deadline leaves no time to retry");
    assert!(err.may_have_been_delivered());
    assert_eq!(server.hits(), 1);

    // The same call without the per-call timeout waits for the answer; the client's
    // configuration was not changed by the per-call option.
    let events = client.list_webhook_events_builder("w").await.unwrap();
    assert!(events.is_empty());
    assert_eq!(client.core().config().timeout, Duration::from_secs(60));
    assert_eq!(server.hits(), 2);
}

#[test]
fn clients_and_builders_never_show_credentials() {
    let client = fivecents::Client::builder()
        .base_url("http://127.0.0.1:9/v2")
        .credentials("k-5c-secret")
        .build()
        .unwrap();
    let debug = format!("{client:?}");
    assert!(!debug.contains("k-5c-secret"), "{debug}");
    assert!(debug.contains("REDACTED"), "{debug}");
    let builder = omegastream::Client::builder().credentials("tok-omega-secret");
    assert!(!format!("{builder:?}").contains("tok-omega-secret"));
}

#[tokio::test]
async fn the_user_agent_can_name_the_application() {
    let server =
        Recorder::with_example(omegastream::Client::SPEC_SOURCES, "get_webhook_event").await;
    let client = omega_builder(&server)
        .user_agent("acme-video/2.1 (ops@acme.example)")
        .build()
        .unwrap();
    client.get_webhook_event("e", "v").await.unwrap();
    let seen = server.requests();
    assert_eq!(
        seen[0].header("user-agent"),
        "acme-video/2.1 (ops@acme.example)"
    );
}

#[test]
fn insecure_and_malformed_configuration_is_refused() {
    let plain = omegastream::Client::builder()
        .base_url("http://api.example.com")
        .credentials("t")
        .build();
    assert!(plain.unwrap_err().to_string().contains("plain http"));
    let allowed = omegastream::Client::builder()
        .base_url("http://api.example.com")
        .allow_insecure_http(true)
        .credentials("t")
        .build();
    assert!(allowed.is_ok());
    let userinfo = omegastream::Client::builder()
        .base_url("https://admin:hunter2@api.example.com/company")
        .credentials("t")
        .build();
    let msg = userinfo.unwrap_err().to_string();
    assert!(
        msg.contains("must not carry credentials") && !msg.contains("hunter2"),
        "{msg}"
    );
    let crlf = omegastream::Client::builder()
        .credentials("t\r\nX-Evil: 1")
        .build();
    let msg = crlf.unwrap_err().to_string();
    assert!(
        msg.contains("not allowed in a header") && !msg.contains("X-Evil"),
        "{msg}"
    );
    let agent = omegastream::Client::builder()
        .credentials("t")
        .user_agent("app/1\r\nX-Evil: 1")
        .build();
    let msg = agent.unwrap_err().to_string();
    assert!(
        msg.contains("user agent") && msg.contains("not allowed in a header"),
        "{msg}"
    );
    assert!(
        omegastream::Client::builder().build().is_err(),
        "credentials are required"
    );
}
