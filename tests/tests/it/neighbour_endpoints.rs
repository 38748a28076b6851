//! The neighbouring endpoints added by spec files alone (`cargo xtask new-endpoint`, no Rust):
//! they work in the client, the emulator and the CLI like the seed endpoints.

use hookspec::fivecents::{self, JobSelector, ResendNotificationRequest};
use hookspec::omegastream::{self, EventType};
use hookspec_mock::{DEFAULT_KEY, Emulator};
use hookspec_tests::{Recorder, Reply, example_response, spec};

#[tokio::test]
async fn list_encode_jobs_sends_a_get_and_decodes_the_type_quirks() {
    let api = spec(fivecents::Client::SPEC_SOURCES);
    let server = Recorder::start(vec![Reply::json(
        200,
        example_response(&api, "list_encode_jobs"),
    )])
    .await;
    let client = fivecents::Client::builder()
        .base_url(server.url("/v2"))
        .credentials("k5")
        .build()
        .unwrap();

    let logs = client.list_encode_jobs().await.unwrap();

    let req = &server.requests()[0];
    assert_eq!(req.method, "GET");
    assert_eq!(req.uri, "/v2/transcoding");
    assert_eq!(req.header("x-api-key"), "k5");
    assert_eq!(logs.zones_in_range, serde_json::json!([1234]));
    assert_eq!(logs.logs_in_range.len(), 2);
    let first = &logs.logs_in_range[0];
    assert_eq!((first.index, first.zoneid), (0, 1234));
    let meta = first.meta.as_ref().unwrap();
    assert_eq!(meta.zoneid.as_deref(), Some("1234"), "a string inside meta");
    assert_eq!(meta.profileid.as_deref(), Some("12"));
    assert_eq!(meta.infile.as_deref(), Some("uploads/intro.mp4"));
    // `serviceid` as a string and `profileid` as a number are decoded too.
    assert_eq!(logs.logs_in_range[1].serviceid, Some(77));
    assert_eq!(
        logs.logs_in_range[1]
            .meta
            .as_ref()
            .unwrap()
            .profileid
            .as_deref(),
        Some("12")
    );
    let billed = logs.billed.unwrap();
    assert_eq!(billed.jobs, Some(2));
    assert_eq!(billed.mins, Some(1.98), "a number sent as a string");
}

#[tokio::test]
async fn list_webhook_endpoints_decodes_the_endpoints() {
    let server =
        Recorder::with_example(omegastream::Client::SPEC_SOURCES, "list_webhook_endpoints").await;
    let client = omegastream::Client::builder()
        .base_url(server.url("/company"))
        .credentials("tok")
        .build()
        .unwrap();

    let endpoints = client.list_webhook_endpoints().await.unwrap();

    let req = &server.requests()[0];
    assert_eq!(req.method, "GET");
    assert_eq!(req.uri, "/company/client/webhooks/all");
    assert_eq!(req.header("authorization"), "Bearer tok");
    assert_eq!(endpoints.len(), 2);
    assert_eq!(endpoints[0].id, "6336cd2b5790c27875f70d96");
    assert_eq!(
        endpoints[0].events,
        [
            EventType::VideoProcessSucceeded,
            EventType::VideoUploaded,
            EventType::VideoProcessFailed
        ]
    );
    assert!(endpoints[0].active);
    assert!(!endpoints[1].active);
    assert_eq!(
        endpoints[1].created_at.unwrap().to_string(),
        "2022-08-25T17:46:30Z"
    );
}

#[tokio::test]
async fn the_emulator_serves_them_and_they_lead_to_the_seed_endpoints() {
    let receiver = Recorder::start(vec![Reply::json(200, "ok")]).await;
    let emu = Emulator::builder()
        .webhook_urls(vec![receiver.url("/hook")])
        .start()
        .await
        .unwrap();
    let five = fivecents::Client::builder()
        .base_url(emu.base_url("fivecents"))
        .credentials(DEFAULT_KEY)
        .build()
        .unwrap();
    let omega = omegastream::Client::builder()
        .base_url(emu.base_url("omegastream"))
        .credentials(DEFAULT_KEY)
        .build()
        .unwrap();

    // The job logs give `index` and `zoneid`: exactly what resend takes.
    let logs = five.list_encode_jobs().await.unwrap();
    let job = &logs.logs_in_range[1];
    let calls = five
        .resend_notification(&ResendNotificationRequest {
            zoneid: job.zoneid,
            job: JobSelector::Index(job.index),
        })
        .await
        .unwrap();
    assert_eq!(calls.len(), 1);
    assert_eq!(
        receiver.requests()[0].json()[0]["infile"],
        job.meta.as_ref().unwrap().infile.clone().unwrap()
    );

    // The endpoints list gives ids the events list knows; `all` is not taken for an id.
    let endpoints = omega.list_webhook_endpoints().await.unwrap();
    for ep in endpoints {
        let events = omega.list_webhook_events(&ep.id).await.unwrap();
        assert!(!events.is_empty(), "{}", ep.id);
    }
    // Auth applies to the new routes as well.
    let wrong = omegastream::Client::builder()
        .base_url(emu.base_url("omegastream"))
        .credentials("nope")
        .build()
        .unwrap();
    assert_eq!(
        wrong
            .list_webhook_endpoints()
            .await
            .unwrap_err()
            .status()
            .unwrap(),
        401
    );
}
