//! Keys and tokens never appear in Debug, Display, error messages or tracing output.
//!
//! A test binary of its own (not a module of `it/`): it installs a tracing subscriber, and
//! tracing's per-call-site interest cache is process-wide.

use std::io::Write;
use std::sync::{Arc, Mutex};

use hookspec::fivecents::{self, JobSelector, ResendNotificationRequest};
use hookspec::omegastream;
use hookspec_tests::{Scripted, Step};
use tracing_subscriber::fmt::format::FmtSpan;

const KEY: &str = "k3y-VALUE-5c-e9f1";
const TOKEN: &str = "t0ken-VALUE-omega-77a2";

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn no_secret_in_debug_display_errors_or_traces() {
    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(FmtSpan::FULL)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = Scripted::start(vec![
        Step::Respond(
            401,
            vec![("x-request-id", "r-1".into())],
            br#"{"status":"error","errors":[{"code":401,"message":"bad key"}]}"#.to_vec(),
        ),
        Step::ResetBeforeResponse,
        Step::ok("not json"),
    ])
    .await;
    let five = fivecents::Client::builder()
        .base_url(server.url())
        .credentials(KEY)
        .build()
        .unwrap();
    let omega = omegastream::Client::builder()
        .base_url(server.url())
        .credentials(TOKEN)
        .build()
        .unwrap();
    let body = ResendNotificationRequest {
        zoneid: 1,
        job: JobSelector::Index(0),
    };

    let mut seen = vec![
        format!("{five:?}"),
        format!("{omega:?}"),
        format!("{:?}", fivecents::Client::builder().credentials(KEY)),
    ];
    for err in [
        five.resend_notification(&body).await.unwrap_err(),
        five.resend_notification(&body).await.unwrap_err(),
    ] {
        seen.extend(chain(&err));
    }
    let err = omega.list_webhook_events("w").await.unwrap_err();
    seen.extend(chain(&err));
    let bad = omegastream::Client::builder()
        .credentials(format!("{TOKEN}\n"))
        .build()
        .unwrap_err();
    seen.extend(chain(&bad));

    let traces = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(
        traces.contains("hookspec.call") && traces.contains("hookspec.attempt"),
        "spans are traced:\n{traces}"
    );
    assert!(traces.contains("attempt=1"), "{traces}");
    seen.push(traces);
    for text in &seen {
        assert!(
            !text.contains(KEY) && !text.contains(TOKEN),
            "a secret leaked:\n{text}"
        );
    }

    // The secrets did travel, where they belong: each in its API's credential header, with
    // exactly its value, and nowhere else in the request.
    let requests = server.requests();
    assert_eq!(requests.len(), 3, "{requests:?}");
    for (i, r) in requests.iter().enumerate() {
        let (header, value, other) = if i < 2 {
            ("x-api-key", KEY.to_owned(), "authorization")
        } else {
            ("authorization", format!("Bearer {TOKEN}"), "x-api-key")
        };
        assert_eq!(
            r.header_values(header),
            [value.as_str()],
            "request {i}: {r:?}"
        );
        assert!(r.header_values(other).is_empty(), "request {i}: {r:?}");
        let elsewhere = r
            .headers
            .iter()
            .filter(|(name, _)| name != header)
            .any(|(_, v)| v.contains(KEY) || v.contains(TOKEN));
        assert!(!elsewhere, "request {i}: a secret in another header: {r:?}");
        let body = String::from_utf8_lossy(&r.body);
        for place in [r.target.as_str(), body.as_ref()] {
            assert!(
                !place.contains(KEY) && !place.contains(TOKEN),
                "request {i}: a secret in the target or body: {place}"
            );
        }
    }
    assert_eq!(requests[0].method, "POST");
    assert_eq!(requests[2].method, "GET");
}

/// Display of an error and of every error in its `source()` chain.
fn chain(err: &(dyn std::error::Error + 'static)) -> Vec<String> {
    let mut out = Vec::new();
    let mut next = Some(err);
    while let Some(e) = next {
        out.push(format!("{e}"));
        out.push(format!("{e:?}"));
        next = e.source();
    }
    out
}
