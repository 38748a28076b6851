//! The spec workflow's "it builds" step: `tests/build.rs` ran `cargo xtask new-endpoint
//! omegastream get_webhook_endpoint_detail --method GET --path /client/webhooks/{id}/detail` on a copy
//! of the specs and generated the code `cargo xtask regen` would snapshot; here it compiles,
//! and the new function sends its request.

/// The generated code of the scaffolded API (only the new endpoint is called).
#[allow(dead_code)]
pub mod scaffolded {
    include!(concat!(env!("OUT_DIR"), "/scaffolded_omegastream.rs"));
}

use hookspec_tests::{Recorder, Reply};
use scaffolded::omegastream::Client;

#[tokio::test]
async fn the_scaffolded_endpoint_builds_and_calls_its_route() {
    // The skeleton's response type is `json` and its example `null`.
    let server = Recorder::start(vec![Reply::json(200, r#"{"id": "w1"}"#)]).await;
    let client = Client::builder()
        .base_url(server.url("/company"))
        .credentials("tok")
        .build()
        .unwrap();

    let value: serde_json::Value = client.get_webhook_endpoint_detail("w 1").await.unwrap();

    assert_eq!(value, serde_json::json!({"id": "w1"}));
    let seen = server.requests();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].method, "GET");
    assert_eq!(seen[0].uri, "/company/client/webhooks/w%201/detail");
    assert_eq!(seen[0].header("authorization"), "Bearer tok");
}
