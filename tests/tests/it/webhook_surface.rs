//! The rest of both providers' documented webhook surface, bound by spec files alone: the
//! 5centscdn job logs of a date range and the active queue, OmegaStream's webhook endpoint
//! management. Each is called through the typed client against a recording server (what goes
//! on the wire) and against the emulator (routes, validation from the spec).

use hookspec::fivecents::{self, LogGrouping};
use hookspec::omegastream::{
    self, CreateWebhookEndpoint, EventType, UpdateWebhookEndpoint, WebhookEndpointStatus,
};
use hookspec::{CivilDateTime, TimeRange, Timestamp, UnixMillis};
use hookspec_mock::Emulator;
use hookspec_tests::{Recorder, Reply, example_response, raw_http, spec};

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn april() -> TimeRange {
    TimeRange::new(ts("2026-04-01T00:00:00Z"), ts("2026-04-30T23:59:00Z"))
}

fn five(base: String) -> fivecents::Client {
    fivecents::Client::builder()
        .base_url(base)
        .credentials("k5")
        .build()
        .unwrap()
}

fn omega(base: String) -> omegastream::Client {
    omegastream::Client::builder()
        .base_url(base)
        .credentials("t0")
        .build()
        .unwrap()
}

#[tokio::test]
async fn job_logs_of_a_range_are_a_post_with_the_range_formatted_in_the_query() {
    let server =
        Recorder::with_example(fivecents::Client::SPEC_SOURCES, "list_encode_jobs_in_range").await;
    let logs = five(server.url("/v2"))
        .list_encode_jobs_in_range(april(), LogGrouping::Zone)
        .await
        .unwrap();
    assert_eq!(logs.logs_in_range.len(), 1);
    let req = &server.requests()[0];
    assert_eq!(req.method, "POST");
    assert_eq!(
        req.uri,
        "/v2/transcoding?r=2026-04-01+00%3A00+-+2026-04-30+23%3A59&i=zone"
    );
    assert!(req.body.is_empty());
}

#[tokio::test]
async fn a_range_over_31_days_or_reversed_is_refused_before_sending() {
    let server = Recorder::start(vec![Reply::json(200, "{}")]).await;
    let client = five(server.url(""));
    // 31 days exactly is accepted…
    let d31 = TimeRange::new(ts("2026-01-01T00:00:00Z"), ts("2026-02-01T00:00:00Z"));
    client
        .list_encode_jobs_in_range(d31, LogGrouping::Profile)
        .await
        .expect_err("{} is not EncodeJobLogs, but it was sent");
    assert_eq!(server.requests().len(), 1);
    // …one minute more is not, nor a reversed range.
    let d31m = TimeRange::new(ts("2026-01-01T00:00:00Z"), ts("2026-02-01T00:01:00Z"));
    let reversed = TimeRange::new(april().end, april().start);
    for range in [d31m, reversed] {
        let err = client
            .list_encode_jobs_in_range(range, LogGrouping::Zone)
            .await
            .unwrap_err();
        assert!(matches!(err, hookspec::Error::InvalidRequest(_)), "{err:?}");
        assert!(!err.may_have_been_delivered());
    }
    assert_eq!(server.requests().len(), 1, "nothing more was sent");
}

#[tokio::test]
async fn the_range_post_is_declared_idempotent_and_so_retried() {
    let api = spec(fivecents::Client::SPEC_SOURCES);
    let server = Recorder::start(vec![
        Reply::json(
            503,
            r#"{"status":"error","errors":[{"code":503,"message":"busy"}]}"#,
        ),
        Reply::json(200, example_response(&api, "list_encode_jobs_in_range")),
    ])
    .await;
    five(server.url(""))
        .list_encode_jobs_in_range(april(), LogGrouping::Zone)
        .await
        .unwrap();
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn the_active_queue_decodes_its_type_quirks() {
    let server = Recorder::start(vec![Reply::json(
        200,
        r#"[{"id":"5012","jobid":"88123","percent":"42.5","created_at":"2026-04-25 12:29:13",
             "timings":{"queued":"1745584153000","started":1745584160000}},
            {"id":5013,"jobid":88124,"percent":7,"created_at":null,"error":"bad input"}]"#,
    )])
    .await;
    let jobs = five(server.url("")).list_active_jobs().await.unwrap();
    assert_eq!(server.requests()[0].uri, "/transcoding/jobs");
    assert_eq!(jobs.len(), 2);
    assert_eq!((jobs[0].id, jobs[0].jobid.as_str()), (5012, "88123"));
    assert_eq!(
        jobs[1].jobid, "88124",
        "an integer job id decodes as its text"
    );
    assert_eq!(jobs[0].percent, Some(42.5));
    assert_eq!(jobs[1].percent, Some(7.0));
    assert_eq!(
        jobs[0].created_at,
        Some("2026-04-25T12:29:13".parse::<CivilDateTime>().unwrap())
    );
    let timings = jobs[0].timings.as_ref().unwrap();
    assert_eq!(timings["queued"], UnixMillis(1_745_584_153_000));
    assert_eq!(
        timings["started"].to_timestamp(),
        Some(ts("2025-04-25T12:29:20Z"))
    );
    assert_eq!(jobs[1].error.as_deref(), Some("bad input"));
}

#[tokio::test]
async fn webhook_endpoint_management_sends_what_the_provider_documents() {
    let api = spec(omegastream::Client::SPEC_SOURCES);
    let endpoint = example_response(&api, "update_webhook_endpoint");
    let server = Recorder::start(vec![
        Reply::json(200, example_response(&api, "create_webhook_endpoint")),
        Reply::json(200, endpoint.clone()),
        Reply::json(200, example_response(&api, "set_webhook_endpoint_status")),
        Reply::json(200, r#"{"message": "webhook endpoint deleted"}"#),
    ])
    .await;
    let client = omega(server.url("/company"));
    let created = client
        .create_webhook_endpoint(&CreateWebhookEndpoint {
            url: "https://hooks.example.com/omega".into(),
            description: None,
            events: vec![EventType::VideoProcessFailed],
        })
        .await
        .unwrap();
    let updated = client
        .update_webhook_endpoint(
            &created.id,
            &UpdateWebhookEndpoint {
                url: "https://hooks.example.com/v2".into(),
                description: Some("v2".into()),
                events: vec![EventType::VideoUploaded],
            },
        )
        .await
        .unwrap();
    assert!(updated.active);
    let off = client
        .set_webhook_endpoint_status(
            "6336cd2b5790c27875f70d96",
            &WebhookEndpointStatus { active: false },
        )
        .await
        .unwrap();
    assert!(!off.active);
    let deleted = client
        .delete_webhook_endpoint("6336cd2b5790c27875f70d96")
        .await
        .unwrap();
    assert_eq!(deleted.message, "webhook endpoint deleted");

    let seen = server.requests();
    let lines: Vec<(String, String)> = seen
        .iter()
        .map(|r| (r.method.to_string(), r.uri.clone()))
        .collect();
    assert_eq!(
        lines,
        [
            ("POST", "/company/webhooks".to_owned()),
            ("PUT", format!("/company/webhooks/{}", created.id)),
            (
                "POST",
                "/company/webhooks/6336cd2b5790c27875f70d96/status".to_owned()
            ),
            (
                "DELETE",
                "/company/webhooks/6336cd2b5790c27875f70d96".to_owned()
            ),
        ]
        .map(|(m, u)| (m.to_owned(), u))
    );
    assert_eq!(
        seen[0].json(),
        serde_json::json!({"url": "https://hooks.example.com/omega", "events": ["video.process_failed"]})
    );
    assert_eq!(seen[1].json()["description"], "v2");
    assert_eq!(seen[2].json(), serde_json::json!({"active": false}));
    assert!(seen[3].body.is_empty());
    assert!(
        seen.iter()
            .all(|r| r.header("authorization") == "Bearer t0")
    );
}

#[tokio::test]
async fn creating_an_endpoint_is_not_retried_but_setting_its_status_is() {
    let api = spec(omegastream::Client::SPEC_SOURCES);
    let busy = Reply::json(503, r#"{"message": "busy"}"#);
    let server = Recorder::start(vec![busy.clone(), busy.clone()]).await;
    let err = omega(server.url(""))
        .create_webhook_endpoint(&CreateWebhookEndpoint {
            url: "https://h.example".into(),
            description: None,
            events: vec![],
        })
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(server.requests().len(), 1, "a POST create is sent once");

    let server = Recorder::start(vec![
        busy,
        Reply::json(200, example_response(&api, "set_webhook_endpoint_status")),
    ])
    .await;
    omega(server.url(""))
        .set_webhook_endpoint_status("e", &WebhookEndpointStatus { active: false })
        .await
        .unwrap();
    assert_eq!(
        server.requests().len(),
        2,
        "the status POST is declared idempotent"
    );
}

#[tokio::test]
async fn the_emulator_serves_every_new_route_and_checks_query_parameters() {
    let emu = Emulator::builder().start().await.unwrap();
    let five = fivecents::Client::builder()
        .base_url(emu.base_url("fivecents"))
        .credentials(emu.key("fivecents"))
        .build()
        .unwrap();
    let omega = omegastream::Client::builder()
        .base_url(emu.base_url("omegastream"))
        .credentials(emu.key("omegastream"))
        .build()
        .unwrap();
    // The seed's jobs started in April 2025 (one has no time: it is in no range).
    let april_2025 = TimeRange::new(ts("2025-04-01T00:00:00Z"), ts("2025-04-30T23:59:00Z"));
    let logs = five
        .list_encode_jobs_in_range(april_2025, LogGrouping::Zone)
        .await
        .unwrap()
        .logs_in_range;
    assert_eq!(logs.len(), 1);
    assert_eq!(logs[0].hash.as_deref(), Some("5f2b9c0e"));
    assert_eq!(five.list_active_jobs().await.unwrap()[0].jobid, "88123");
    omega
        .create_webhook_endpoint(&CreateWebhookEndpoint {
            url: "https://h.example".into(),
            description: None,
            events: vec![EventType::VideoUploaded],
        })
        .await
        .unwrap();
    omega
        .delete_webhook_endpoint("6336cd2b5790c27875f70d96")
        .await
        .unwrap();
    let routes: Vec<String> = emu.requests().into_iter().map(|r| r.route).collect();
    assert_eq!(
        routes,
        [
            "fivecents.list_encode_jobs_in_range",
            "fivecents.list_active_jobs",
            "omegastream.create_webhook_endpoint",
            "omegastream.delete_webhook_endpoint",
        ]
    );

    // The emulator checks the query as the spec declares it, naming the parameter.
    let http = raw_http();
    let url = format!("{}/transcoding", emu.base_url("fivecents"));
    for (query, field, what) in [
        ("i=zone", "r", "missing"),
        (
            "r=2026-04-01+00%3A00+-+2026-05-30+00%3A00&i=zone",
            "r",
            "31 days",
        ),
        ("r=yesterday&i=zone", "r", "START"),
        (
            "r=2026-04-01+00%3A00+-+2026-04-02+00%3A00&i=galaxy",
            "i",
            "galaxy",
        ),
    ] {
        let resp = http
            .post(format!("{url}?{query}"))
            .header("x-api-key", emu.key("fivecents"))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 400, "{query}");
        let body: serde_json::Value = serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap();
        let details = body["details"]
            .as_array()
            .expect("5centscdn's details list");
        assert_eq!(details[0]["field"], field, "{query}: {body}");
        let message = details[0]["message"].as_str().unwrap();
        assert!(
            message.contains(what) || (what == "START" && message.contains("is not")),
            "{query}: {body}"
        );
    }
}
