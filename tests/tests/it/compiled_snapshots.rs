//! Compiles the accepted codegen snapshots and uses them: a snapshot that is accepted but does
//! not build, or builds into something other than the macro's output, fails here.

include!(concat!(env!("OUT_DIR"), "/snapshots.rs"));

#[test]
fn snapshot_models_decode_the_spec_examples() {
    let api = hookspec_tests::spec(hookspec::omegastream::Client::SPEC_SOURCES);
    let list = hookspec_tests::example_response(&api, "list_webhook_events");
    let events: Vec<omegastream_snapshot::omegastream::WebhookEvent> =
        serde_json::from_str(&list).unwrap();
    assert_eq!(
        events[1].event_type,
        omegastream_snapshot::omegastream::EventType::VideoUploaded
    );
    // The snapshot and the macro expansion describe the same wire format.
    let from_macro: Vec<hookspec::omegastream::WebhookEvent> = serde_json::from_str(&list).unwrap();
    assert_eq!(
        serde_json::to_value(&events).unwrap(),
        serde_json::to_value(&from_macro).unwrap()
    );
}

#[tokio::test]
async fn snapshot_client_calls_an_endpoint() {
    use fivecents_snapshot::fivecents::{Client, JobSelector, ResendNotificationRequest};
    let server =
        hookspec_tests::Recorder::start(vec![hookspec_tests::Reply::json(200, "[]")]).await;
    let client = Client::builder()
        .base_url(server.url("/v2"))
        .credentials("k")
        .build()
        .unwrap();
    let calls = client
        .resend_notification(&ResendNotificationRequest {
            zoneid: 1,
            job: JobSelector::Outfile("o".into()),
        })
        .await
        .unwrap();
    assert!(calls.is_empty());
    assert_eq!(
        server.requests()[0].json(),
        serde_json::json!({"zoneid": 1, "outfile": "o"})
    );
}
