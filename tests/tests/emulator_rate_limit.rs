//! The emulator's rate limits (`RateLimits`), over 127.0.0.1: the spec's `[rate_limit]` per
//! key, a raised rate, off by default; a client at the spec's own limit never sees a 429.

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
