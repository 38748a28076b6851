//! The fault matrix: hostile servers on 127.0.0.1 (a raw TCP server of the tests' own), each
//! case ending in the right typed error or in success — and a non-idempotent request never
//! sent twice once it may have been delivered.

use std::time::{Duration, Instant};

use hookspec::fivecents::{self, JobSelector, ResendNotificationRequest};
use hookspec::omegastream;
use hookspec::runtime::RateLimit;
use hookspec::{Delivery, Error, RetryPolicy, TransportErrorKind};
use hookspec_tests::{Scripted, Step};

const EVENTS: &str = r#"[{"id":"e1","created_at":"0001-01-01T00:00:00Z","ocid":"c","api_version":"v1","created":1,"type":"video.uploaded","data":null,"endpoint_id":"w","response":null}]"#;

fn fast_retries() -> RetryPolicy {
    RetryPolicy::default()
        .with_max_attempts(3)
        .with_backoff(Duration::from_millis(5), Duration::from_millis(20))
}

fn omega(server: &Scripted) -> omegastream::Client {
    omegastream::Client::builder()
        .base_url(server.url())
        .credentials("tok")
        .retry_policy(fast_retries())
        .attempt_timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

fn five(url: String) -> fivecents::Client {
    fivecents::Client::builder()
        .base_url(url)
        .credentials("key")
        .retry_policy(fast_retries())
        .rate_limit(None)
        .build()
        .unwrap()
}

fn resend_body() -> ResendNotificationRequest {
    ResendNotificationRequest {
        zoneid: 1234,
        job: JobSelector::Index(0),
    }
}

fn transport<B: std::fmt::Debug>(err: &Error<B>) -> &hookspec::TransportError {
    match err {
        Error::Transport(t) => t,
        other => panic!("expected a transport error, got {other:?}"),
    }
}

#[tokio::test]
async fn reset_before_the_response_is_retried_for_a_get() {
    let server = Scripted::start(vec![Step::ResetBeforeResponse, Step::ok(EVENTS)]).await;
    let events = omega(&server).list_webhook_events("w").await.unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(server.hits(), 2);
}

#[tokio::test]
async fn reset_before_the_response_is_not_retried_for_the_resend_post() {
    let server = Scripted::start(vec![Step::ResetBeforeResponse, Step::ok("[]")]).await;
    let err = five(server.url())
        .resend_notification(&resend_body())
        .await
        .unwrap_err();
    let t = transport(&err);
    assert_eq!(t.delivery, Delivery::MaybeSent);
    assert!(err.may_have_been_delivered());
    assert!(err.to_string().contains("may have been delivered"), "{err}");
    assert_eq!(server.hits(), 1, "the resend was sent exactly once");
}

#[tokio::test]
async fn reset_mid_body_then_success() {
    let server = Scripted::start(vec![Step::ResetMidBody, Step::ok(EVENTS)]).await;
    assert_eq!(
        omega(&server).list_webhook_events("w").await.unwrap().len(),
        1
    );
    assert_eq!(server.hits(), 2);
}

#[tokio::test]
async fn reset_mid_body_on_every_attempt_is_an_io_error() {
    let server = Scripted::start(vec![Step::ResetMidBody]).await;
    let err = omega(&server).list_webhook_events("w").await.unwrap_err();
    let t = transport(&err);
    assert_eq!(t.kind, TransportErrorKind::Io, "{t:?}");
    assert_eq!(t.attempts, 3);
    assert_eq!(server.hits(), 3);
}

#[tokio::test]
async fn truncated_body_is_an_io_error_and_the_post_is_not_repeated() {
    let server = Scripted::start(vec![Step::Truncated]).await;
    let err = five(server.url())
        .resend_notification(&resend_body())
        .await
        .unwrap_err();
    assert_eq!(transport(&err).kind, TransportErrorKind::Io);
    assert_eq!(server.hits(), 1);
    // The status arrived before the body broke: kept (a resend answered 200 was processed).
    assert_eq!(err.status().map(|s| s.as_u16()), Some(200), "{err}");
    assert!(err.to_string().contains("status 200 received"), "{err}");
}

#[tokio::test]
async fn stalled_body_times_out() {
    let server = Scripted::start(vec![Step::StallBody]).await;
    let err = omega(&server)
        .list_webhook_events_builder("w")
        .attempt_timeout(Duration::from_millis(200))
        .max_attempts(1)
        .await
        .unwrap_err();
    let t = transport(&err);
    assert_eq!(t.kind, TransportErrorKind::Timeout);
    assert_eq!(t.delivery, Delivery::MaybeSent);
}

/// An attempt polled again and again while it waits (here: a `select!` whose other branch
/// ticks every 5 ms, waking the same task) still times out at its deadline: those polls do not
/// read the clock, the client's timer wakes the attempt when the deadline comes.
#[tokio::test]
async fn an_attempt_polled_often_while_it_stalls_still_times_out() {
    let server = Scripted::start(vec![Step::StallBody]).await;
    let client = omega(&server);
    let started = std::time::Instant::now();
    let call = client
        .list_webhook_events_builder("w")
        .attempt_timeout(Duration::from_millis(200))
        .max_attempts(1)
        .send();
    tokio::pin!(call);
    let mut ticks = tokio::time::interval(Duration::from_millis(5));
    let mut polled = 0u32;
    let err = loop {
        tokio::select! {
            result = &mut call => break result.unwrap_err(),
            _ = ticks.tick() => {
                polled += 1;
                assert!(polled < 1_000, "no timeout after {:?}", started.elapsed());
            }
        }
    };
    assert_eq!(transport(&err).kind, TransportErrorKind::Timeout);
    assert!(
        polled >= 10,
        "the call was polled {polled} times while it waited"
    );
    assert!(
        started.elapsed() >= Duration::from_millis(200),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn slow_headers_within_the_timeout_succeed_and_beyond_it_time_out() {
    let server = Scripted::start(vec![Step::SlowHeaders(Duration::from_millis(300), EVENTS)]).await;
    let client = omega(&server);
    assert_eq!(client.list_webhook_events("w").await.unwrap().len(), 1);
    let err = client
        .list_webhook_events_builder("w")
        .attempt_timeout(Duration::from_millis(50))
        .max_attempts(1)
        .await
        .unwrap_err();
    assert_eq!(transport(&err).kind, TransportErrorKind::Timeout);
}

/// The error of one attempt (no retries) of `list_webhook_events` by the client `builder` makes.
async fn one_attempt(builder: hookspec::ClientBuilder<omegastream::Client>) -> omegastream::Error {
    builder
        .build()
        .unwrap()
        .list_webhook_events_builder("w")
        .max_attempts(1)
        .await
        .expect_err("the attempt must fail")
}

/// The client's attempt timeout holds whether hookspec built the HTTP client, from scratch or
/// from the caller's builder, or the caller brought one (whose own settings hookspec does not
/// rely on).
#[tokio::test]
async fn the_clients_attempt_timeout_holds_on_its_own_http_client_and_on_a_callers() {
    for own in ["hookspec's", "from the caller's builder", "the caller's"] {
        let server =
            Scripted::start(vec![Step::SlowHeaders(Duration::from_millis(400), EVENTS)]).await;
        let mut builder = omegastream::Client::builder()
            .base_url(server.url())
            .credentials("tok")
            .attempt_timeout(Duration::from_millis(100));
        match own {
            "from the caller's builder" => {
                builder = builder.http_client_builder(hookspec::reqwest::Client::builder());
            }
            "the caller's" => builder = builder.http_client(hookspec::reqwest::Client::new()),
            _ => {}
        }
        let started = Instant::now();
        let err = one_attempt(builder).await;
        let t = transport(&err);
        assert_eq!(t.kind, TransportErrorKind::Timeout, "own client: {own}");
        assert!(
            t.to_string().contains("attempt timeout of 100ms"),
            "own client: {own}: {t}"
        );
        assert!(
            started.elapsed() < Duration::from_millis(390),
            "own client: {own}: cut at the timeout, not when the answer came"
        );
    }
}

/// An attempt whose deadline arms the client's timer while the task's cooperative budget is
/// spent — in `block_on` of a multi-thread runtime (`#[tokio::main]`), where tokio then wakes
/// the timer's waker at once, on the same thread — still times out, and does not hang: the
/// timer used to be polled (and so, here, woken) under the lock its waker takes.
#[test]
fn an_attempt_started_with_the_tasks_budget_spent_times_out_and_does_not_hang() {
    let (tx, rx) = std::sync::mpsc::channel();
    // On a thread of its own: a hang fails the test instead of stalling the suite.
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let outcome = rt.block_on(async {
            let server =
                Scripted::start(vec![Step::SlowHeaders(Duration::from_millis(800), EVENTS)]).await;
            let client = omegastream::Client::builder()
                .base_url(server.url())
                .credentials("tok")
                .attempt_timeout(Duration::from_millis(100))
                .build()
                .unwrap();
            let started = Instant::now();
            let mut call = Box::pin(
                client
                    .list_webhook_events_builder("w")
                    .max_attempts(1)
                    .send(),
            );
            let mut first = true;
            let result = std::future::poll_fn(|cx| {
                if std::mem::take(&mut first) {
                    // Spend the budget of this poll, then start the call in it.
                    loop {
                        let mut spend = Box::pin(tokio::task::consume_budget());
                        if spend.as_mut().poll(cx).is_pending() {
                            break;
                        }
                    }
                }
                call.as_mut().poll(cx)
            })
            .await;
            (result.map(|_| ()), started.elapsed())
        });
        let _ = tx.send(outcome);
    });
    let (result, took) = rx
        .recv_timeout(Duration::from_secs(20))
        .expect("the call hung: its attempt timer deadlocked");
    let err = result.expect_err("the attempt must time out");
    assert_eq!(transport(&err).kind, TransportErrorKind::Timeout, "{err}");
    assert!(
        took < Duration::from_millis(700),
        "cut at the attempt timeout, not when the answer came: {took:?}"
    );
}

/// A timeout of the caller's own `reqwest::Client` is reqwest's, not one of hookspec's: the
/// error does not name hookspec's attempt timeout (it used to: "within the attempt timeout of
/// 5s" for a request cut by the caller's 100 ms).
#[tokio::test]
async fn a_timeout_of_the_callers_client_is_not_called_the_attempt_timeout() {
    let server = Scripted::start(vec![Step::SlowHeaders(Duration::from_millis(800), EVENTS)]).await;
    let http = hookspec::reqwest::Client::builder()
        .timeout(Duration::from_millis(100))
        .build()
        .unwrap();
    let err = one_attempt(
        omegastream::Client::builder()
            .base_url(server.url())
            .credentials("tok")
            .http_client(http)
            .attempt_timeout(Duration::from_secs(5)),
    )
    .await;
    let t = transport(&err);
    assert_eq!(t.kind, TransportErrorKind::Timeout, "{err}");
    assert!(!t.to_string().contains("attempt timeout"), "{t}");
    assert!(
        t.to_string().contains("no complete response in time"),
        "{t}"
    );
}

/// Waits until `server` has received `n` requests (bounded).
async fn until_hits(server: &Scripted, n: usize) {
    let start = Instant::now();
    while server.hits() < n {
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "the server never saw request {n}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

fn timed_out_after(
    result: Result<Vec<omegastream::WebhookEvent>, omegastream::Error>,
    started: Instant,
) -> Duration {
    let err = result.expect_err("the attempt must time out");
    assert_eq!(transport(&err).kind, TransportErrorKind::Timeout, "{err}");
    started.elapsed()
}

/// A client watches its attempts' deadlines with one timer (`runtime/deadline.rs`): an attempt
/// that stalls times out at its own deadline while other calls of the client start and
/// finish, and a later attempt with an earlier deadline is not held to the timer armed for
/// the first one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_attempt_in_flight_times_out_at_its_own_deadline() {
    let server = Scripted::start(vec![Step::StallBody, Step::StallBody, Step::ok(EVENTS)]).await;
    let client = omega(&server);
    let call = |ms: u64| {
        let client = client.clone();
        tokio::spawn(async move {
            let started = Instant::now();
            let result = client
                .list_webhook_events_builder("w")
                .attempt_timeout(Duration::from_millis(ms))
                .max_attempts(1)
                .await;
            timed_out_after(result, started)
        })
    };
    let long = call(900);
    until_hits(&server, 1).await;
    let short = call(200);
    until_hits(&server, 2).await;
    for _ in 0..20 {
        assert_eq!(client.list_webhook_events("w").await.unwrap().len(), 1);
    }
    // Bounded: an attempt nobody wakes would hang (the bound is far above the upper limits
    // checked below, so it does not hide a late wake-up).
    let bound = Duration::from_secs(10);
    let short = tokio::time::timeout(bound, short)
        .await
        .expect("the 200 ms attempt hung")
        .unwrap();
    assert!(
        short >= Duration::from_millis(200) && short < Duration::from_millis(800),
        "the 200 ms attempt ended after {short:?}"
    );
    let long = tokio::time::timeout(bound, long)
        .await
        .expect("the 900 ms attempt hung")
        .unwrap();
    assert!(
        long >= Duration::from_millis(900) && long < Duration::from_millis(2500),
        "the 900 ms attempt ended after {long:?}"
    );
}

/// A client used from two runtimes at once: the one timer belongs to the first, and an
/// attempt on the second keeps a timer of its own; once the first runtime is gone, the timer
/// moves to the runtime that needs it.
#[test]
fn attempts_on_other_runtimes_time_out_too() {
    let server_rt = tokio::runtime::Runtime::new().unwrap();
    let server = server_rt.block_on(Scripted::start(vec![Step::StallBody]));
    let client = omega(&server);
    let call = |ms: u64| {
        let client = client.clone();
        move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            let started = Instant::now();
            let attempt = client
                .list_webhook_events_builder("w")
                .attempt_timeout(Duration::from_millis(ms))
                .max_attempts(1)
                .send();
            // Bounded: an attempt nobody wakes would hang.
            let result = rt
                .block_on(async { tokio::time::timeout(Duration::from_secs(10), attempt).await })
                .expect("the attempt hung");
            timed_out_after(result, started)
        }
    };
    let first = std::thread::spawn(call(1500));
    server_rt.block_on(until_hits(&server, 1));
    let second = call(200)();
    assert!(
        second < Duration::from_millis(1200),
        "the second runtime's attempt ended after {second:?}"
    );
    let first = first.join().unwrap();
    assert!(
        first >= Duration::from_millis(1500),
        "the first runtime's attempt ended after {first:?}"
    );
    let third = call(200)();
    assert!(
        third >= Duration::from_millis(200) && third < Duration::from_millis(1200),
        "the third runtime's attempt ended after {third:?}"
    );
}

#[tokio::test]
async fn a_500_then_200_get_is_retried_and_succeeds() {
    let server = Scripted::start(vec![Step::status(500, "{}"), Step::ok(EVENTS)]).await;
    assert_eq!(
        omega(&server).list_webhook_events("w").await.unwrap().len(),
        1
    );
    assert_eq!(server.hits(), 2);
}

#[tokio::test]
async fn a_500_on_the_resend_post_is_not_retried() {
    let server = Scripted::start(vec![Step::status(500, "{}"), Step::ok("[]")]).await;
    let err = five(server.url())
        .resend_notification(&resend_body())
        .await
        .unwrap_err();
    assert_eq!(err.status().unwrap(), 500);
    assert_eq!(server.hits(), 1, "the server saw exactly one request");
}

#[tokio::test]
async fn connection_refused_on_the_post_is_retried_because_nothing_was_sent() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let err = five(format!("http://{closed}"))
        .resend_notification(&resend_body())
        .await
        .unwrap_err();
    let t = transport(&err);
    assert_eq!(t.kind, TransportErrorKind::Connect);
    assert_eq!(t.delivery, Delivery::NotSent);
    assert_eq!(t.attempts, 3, "retried: the request never reached a server");
    assert!(!err.may_have_been_delivered());
}

#[tokio::test]
async fn a_429_with_retry_after_waits_as_told() {
    let server = Scripted::start(vec![
        Step::Respond(429, vec![("retry-after", "1".into())], b"{}".to_vec()),
        Step::ok(EVENTS),
    ])
    .await;
    let started = Instant::now();
    assert_eq!(
        omega(&server).list_webhook_events("w").await.unwrap().len(),
        1
    );
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(server.hits(), 2);
}

#[tokio::test]
async fn a_retry_after_beyond_the_ceiling_ends_the_retries() {
    let server = Scripted::start(vec![Step::Respond(
        429,
        vec![("retry-after", "3600".into())],
        b"{}".to_vec(),
    )])
    .await;
    let err = omega(&server).list_webhook_events("w").await.unwrap_err();
    let api = err.as_api().unwrap();
    assert_eq!(api.status, 429);
    assert_eq!(api.headers["retry-after"], "3600");
    assert_eq!(server.hits(), 1);
}

#[tokio::test]
async fn malformed_json_is_a_decode_error() {
    let server = Scripted::start(vec![Step::ok("[{\"id\": ")]).await;
    let err = omega(&server).list_webhook_events("w").await.unwrap_err();
    assert!(matches!(err, Error::Decode(_)), "{err:?}");
}

#[tokio::test]
async fn wrong_content_type_is_a_decode_error_with_an_excerpt() {
    let server = Scripted::start(vec![Step::Respond(
        200,
        vec![("content-type", "text/html".into())],
        b"<html><body>Maintenance</body></html>".to_vec(),
    )])
    .await;
    let err = omega(&server).list_webhook_events("w").await.unwrap_err();
    let Error::Decode(d) = &err else {
        panic!("{err:?}")
    };
    assert!(d.excerpt.contains("Maintenance"), "{d:?}");
}

#[tokio::test]
async fn an_oversized_body_is_refused_not_buffered() {
    let big = format!(
        "[{}]",
        [EVENTS.trim_matches(['[', ']'])].repeat(200).join(",")
    );
    let server = Scripted::start(vec![Step::ok(&big)]).await;
    let client = omegastream::Client::builder()
        .base_url(server.url())
        .credentials("tok")
        .max_body_bytes(1024)
        .build()
        .unwrap();
    let err = client.list_webhook_events("w").await.unwrap_err();
    assert_eq!(transport(&err).kind, TransportErrorKind::BodyTooLarge);
    assert_eq!(err.status().map(|s| s.as_u16()), Some(200), "{err}");
}

#[tokio::test]
async fn valid_json_of_the_wrong_shape_is_a_decode_error_with_its_path() {
    let server = Scripted::start(vec![Step::ok(r#"{"events": []}"#)]).await;
    let err = omega(&server).list_webhook_events("w").await.unwrap_err();
    let Error::Decode(d) = &err else {
        panic!("{err:?}")
    };
    assert!(d.message.contains("expected a sequence"), "{d:?}");
}

#[tokio::test]
async fn the_retry_budget_stops_a_retry_storm() {
    let server = Scripted::start(vec![Step::status(503, "{}")]).await;
    let mut policy = fast_retries().with_max_attempts(5);
    policy.budget_tokens = 2;
    policy.budget_deposit_tenths = 0;
    let client = omegastream::Client::builder()
        .base_url(server.url())
        .credentials("tok")
        .retry_policy(policy)
        .build()
        .unwrap();
    assert_eq!(
        client
            .list_webhook_events("w")
            .await
            .unwrap_err()
            .status()
            .unwrap(),
        503
    );
    assert_eq!(server.hits(), 3, "two retries spent the budget");
    let _ = client.clone().list_webhook_events("w").await.unwrap_err();
    assert_eq!(server.hits(), 4, "clones share the empty budget: no retry");
}

#[tokio::test]
async fn the_call_timeout_bounds_retries() {
    let server = Scripted::start(vec![Step::SlowHeaders(Duration::from_millis(150), "{}")]).await;
    let err = omega(&server)
        .list_webhook_events_builder("w")
        .attempt_timeout(Duration::from_millis(100))
        .max_attempts(100)
        .timeout(Duration::from_millis(500))
        .await
        .unwrap_err();
    let t = transport(&err);
    assert_eq!(t.kind, TransportErrorKind::Timeout);
    assert!(t.attempts >= 2, "{t:?}");
}

#[tokio::test]
async fn the_rate_limit_spaces_requests() {
    let server = Scripted::start(vec![Step::ok(EVENTS)]).await;
    let client = omegastream::Client::builder()
        .base_url(server.url())
        .credentials("tok")
        .rate_limit(Some(RateLimit {
            requests: 2,
            per_seconds: 1,
        }))
        .build()
        .unwrap();
    let started = Instant::now();
    for _ in 0..4 {
        client.list_webhook_events("w").await.unwrap();
    }
    // Two in the first burst, then one every half second.
    assert!(
        started.elapsed() >= Duration::from_millis(990),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn the_spec_rate_limit_is_the_default() {
    let client = fivecents::Client::builder()
        .credentials("k")
        .build()
        .unwrap();
    assert_eq!(
        client.core().config().rate_limit,
        Some(RateLimit {
            requests: 5,
            per_seconds: 1
        })
    );
    let client = omegastream::Client::builder()
        .credentials("k")
        .build()
        .unwrap();
    assert_eq!(client.core().config().rate_limit, None);
}

#[tokio::test]
async fn a_rate_limit_wait_longer_than_the_call_timeout_fails_without_sending() {
    let server = Scripted::start(vec![Step::ok(EVENTS)]).await;
    let client = omegastream::Client::builder()
        .base_url(server.url())
        .credentials("tok")
        .rate_limit(Some(RateLimit {
            requests: 1,
            per_seconds: 60,
        }))
        .build()
        .unwrap();
    client.list_webhook_events("w").await.unwrap();
    let err = client
        .list_webhook_events_builder("w")
        .timeout(Duration::from_millis(100))
        .await
        .unwrap_err();
    let t = transport(&err);
    assert_eq!(t.kind, TransportErrorKind::Timeout);
    assert_eq!(t.delivery, Delivery::NotSent);
    assert!(!err.may_have_been_delivered());
    assert_eq!(server.hits(), 1);
}

/// A retry the rate limit cannot fit into the call's time is not waited for: the answer that
/// called for it stands (it used to be dropped for a timeout at the end of the call's time).
#[tokio::test]
async fn a_retry_the_rate_limit_cannot_fit_returns_the_last_answer_at_once() {
    let server = Scripted::start(vec![Step::status(503, r#"{"message":"busy"}"#)]).await;
    let client = omegastream::Client::builder()
        .base_url(server.url())
        .credentials("tok")
        .retry_policy(fast_retries())
        .rate_limit(Some(RateLimit {
            requests: 1,
            per_seconds: 60,
        }))
        .timeout(Duration::from_secs(3))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = client.list_webhook_events("w").await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503), "{err:?}");
    assert_eq!(server.hits(), 1);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "not held to the call timeout: {:?}",
        started.elapsed()
    );
}

/// An idempotent call whose first attempt may have been delivered (the connection reset after
/// the request went out) and whose retries could not connect may still have had its effect:
/// the final error says so (it used to say what the last attempt alone said: not sent).
#[tokio::test]
async fn a_call_whose_first_attempt_may_have_been_delivered_says_so_after_failed_retries() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        use tokio::io::AsyncReadExt;
        let (mut stream, _) = listener.accept().await.unwrap();
        let mut buf = [0u8; 4096];
        let _ = stream.read(&mut buf).await;
        // Nothing listens any more: the retries are refused.
        drop(listener);
        stream.set_zero_linger().unwrap();
        drop(stream);
    });
    let client = omegastream::Client::builder()
        .base_url(url)
        .credentials("tok")
        .retry_policy(fast_retries())
        .build()
        .unwrap();
    let err = client.delete_webhook_endpoint("w").await.unwrap_err();
    let t = transport(&err);
    assert_eq!(t.kind, TransportErrorKind::Connect, "{err}");
    assert_eq!(t.attempts, 3, "{err}");
    assert_eq!(t.delivery, Delivery::MaybeSent, "{err}");
    assert!(err.may_have_been_delivered());
}

/// `Duration::MAX` is how a caller says "no limit": the call and attempt timeouts take it, and
/// so does a `Retry-After` ceiling, whatever the server then asks for (each was an `Instant`
/// overflow, a panic).
#[tokio::test]
async fn unlimited_timeouts_and_an_unbounded_retry_after_do_not_panic() {
    let server = Scripted::start(vec![Step::ok(EVENTS)]).await;
    let client = omegastream::Client::builder()
        .base_url(server.url())
        .credentials("tok")
        .timeout(Duration::MAX)
        .attempt_timeout(Duration::MAX)
        .build()
        .unwrap();
    assert_eq!(client.list_webhook_events("w").await.unwrap().len(), 1);

    let server = Scripted::start(vec![Step::Respond(
        503,
        vec![("retry-after", u64::MAX.to_string())],
        b"{}".to_vec(),
    )])
    .await;
    let mut policy = fast_retries();
    policy.retry_after_ceiling = Duration::MAX;
    let client = omegastream::Client::builder()
        .base_url(server.url())
        .credentials("tok")
        .retry_policy(policy)
        .build()
        .unwrap();
    let err = client.list_webhook_events("w").await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503), "{err:?}");
    assert_eq!(server.hits(), 1, "no time left for a retry that far away");
}

#[tokio::test]
async fn a_get_is_retried_after_408_502_and_504() {
    for status in [408u16, 502, 504] {
        // The status on every attempt: the server sees every allowed attempt, then the error.
        let server = Scripted::start(vec![Step::status(status, "{}")]).await;
        let err = omega(&server).list_webhook_events("w").await.unwrap_err();
        assert_eq!(err.status().unwrap(), status, "{err:?}");
        assert_eq!(server.hits(), 3, "{status}: three attempts");
        assert!(
            server
                .requests()
                .iter()
                .all(|r| r.method == "GET" && r.target == "/client/webhooks/w"),
            "{status}: the same GET each time"
        );

        // Once, then healthy: the retry succeeds.
        let server = Scripted::start(vec![Step::status(status, "{}"), Step::ok(EVENTS)]).await;
        let events = omega(&server).list_webhook_events("w").await.unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(server.hits(), 2, "{status}: one retry");
    }

    // All three in a row within one call, then success: exactly four attempts.
    let server = Scripted::start(vec![
        Step::status(408, "{}"),
        Step::status(502, "{}"),
        Step::status(504, "{}"),
        Step::ok(EVENTS),
    ])
    .await;
    let events = omega(&server)
        .list_webhook_events_builder("w")
        .max_attempts(4)
        .await
        .unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(server.hits(), 4);
}

#[tokio::test]
async fn the_resend_post_is_not_retried_after_408_502_or_504() {
    for status in [408u16, 502, 504] {
        let server = Scripted::start(vec![Step::status(status, "{}"), Step::ok("[]")]).await;
        let err = five(server.url())
            .resend_notification(&resend_body())
            .await
            .unwrap_err();
        assert_eq!(err.as_api().unwrap().status, status, "{err:?}");
        assert!(err.may_have_been_delivered());
        let seen = server.requests();
        assert_eq!(seen.len(), 1, "{status}: the resend was sent exactly once");
        assert_eq!(seen[0].method, "POST");
        assert_eq!(seen[0].target, "/transcoding/notifications/resend");
    }
}

#[test]
fn the_default_timeouts_and_body_limit() {
    let defaults = hookspec::runtime::Config::default();
    let five = fivecents::Client::builder()
        .credentials("k")
        .build()
        .unwrap();
    let omega = omegastream::Client::builder()
        .credentials("k")
        .build()
        .unwrap();
    for config in [&defaults, five.core().config(), omega.core().config()] {
        assert_eq!(config.connect_timeout, Duration::from_secs(10));
        assert_eq!(config.attempt_timeout, Duration::from_secs(30));
        assert_eq!(config.timeout, Duration::from_secs(60));
        assert_eq!(config.max_body_bytes, 16 * 1024 * 1024);
    }
}

const SIXTEEN_MIB: usize = 16 * 1024 * 1024;

/// A one-event list of exactly `len` bytes (the padding is in `ocid`).
fn events_of_len(len: usize) -> Vec<u8> {
    let pad = len - EVENTS.len() + 1;
    let body = EVENTS.replace(r#""ocid":"c""#, &format!(r#""ocid":"{}""#, "c".repeat(pad)));
    assert_eq!(body.len(), len);
    body.into_bytes()
}

fn sized(body: Vec<u8>, chunked: bool) -> Step {
    if chunked {
        Step::Chunked(body)
    } else {
        Step::Respond(200, vec![("content-type", "application/json".into())], body)
    }
}

#[tokio::test]
async fn the_default_16_mib_body_limit_is_enforced() {
    // With and without a Content-Length: the limit holds on both read paths.
    for chunked in [false, true] {
        let client = |server: &Scripted| {
            omegastream::Client::builder()
                .base_url(server.url())
                .credentials("tok")
                .build()
                .unwrap()
        };

        let server = Scripted::start(vec![sized(events_of_len(SIXTEEN_MIB + 1), chunked)]).await;
        let err = client(&server).list_webhook_events("w").await.unwrap_err();
        assert_eq!(
            transport(&err).kind,
            TransportErrorKind::BodyTooLarge,
            "chunked {chunked}: {err:?}"
        );
        assert!(err.may_have_been_delivered());

        let server = Scripted::start(vec![sized(events_of_len(SIXTEEN_MIB), chunked)]).await;
        let events = client(&server).list_webhook_events("w").await.unwrap();
        assert_eq!(events.len(), 1, "chunked {chunked}");
        assert_eq!(events[0].ocid.len(), SIXTEEN_MIB - EVENTS.len() + 1);
    }
}

/// An HTTP/2 server without TLS (h2c) that resets its first streams with `resets`, one reason
/// each, and answers the others `200` with `body`; counts the streams it sees.
async fn h2_server(
    resets: Vec<h2::Reason>,
    body: &'static str,
) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let streams = Arc::new(AtomicUsize::new(0));
    let seen = streams.clone();
    let resets = Arc::new(Mutex::new(std::collections::VecDeque::from(resets)));
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let (seen, resets) = (seen.clone(), resets.clone());
            tokio::spawn(async move {
                let Ok(mut conn) = h2::server::handshake(socket).await else {
                    return;
                };
                while let Some(Ok((_request, mut respond))) = conn.accept().await {
                    seen.fetch_add(1, Ordering::SeqCst);
                    let reset = resets.lock().unwrap().pop_front();
                    match reset {
                        Some(reason) => respond.send_reset(reason),
                        None => {
                            let head = http::Response::builder()
                                .status(200)
                                .header("content-type", "application/json")
                                .body(())
                                .unwrap();
                            let mut send = respond.send_response(head, false).unwrap();
                            send.send_data(bytes::Bytes::from_static(body.as_bytes()), true)
                                .unwrap();
                        }
                    }
                }
            });
        }
    });
    (url, streams)
}

/// The resend POST over HTTP/2 to [`h2_server`] (whose first streams are reset with
/// `resets`), on a `reqwest::Client` with reqwest's own retries off, as on the clients hookspec
/// builds: what happens is hookspec's doing. The result, and how many streams the server saw.
async fn resend_over_h2(
    resets: Vec<h2::Reason>,
) -> (Result<Vec<fivecents::WebhookCall>, fivecents::Error>, usize) {
    let (url, streams) = h2_server(resets, "[]").await;
    let http = reqwest::Client::builder()
        .http2_prior_knowledge()
        .retry(reqwest::retry::never().max_retries_per_request(0))
        .build()
        .unwrap();
    let client = fivecents::Client::builder()
        .base_url(url)
        .credentials("key")
        .http_client(http)
        .retry_policy(fast_retries())
        .rate_limit(None)
        .build()
        .unwrap();
    let result = client.resend_notification(&resend_body()).await;
    (result, streams.load(std::sync::atomic::Ordering::SeqCst))
}

#[tokio::test]
async fn a_post_an_http2_server_refused_unprocessed_is_sent_again() {
    let (result, streams) = resend_over_h2(vec![h2::Reason::REFUSED_STREAM]).await;
    assert!(result.unwrap().is_empty());
    assert_eq!(streams, 2);
}

#[tokio::test]
async fn a_post_reset_for_another_reason_is_not_sent_again() {
    let (result, streams) = resend_over_h2(vec![h2::Reason::INTERNAL_ERROR]).await;
    let err = result.unwrap_err();
    let t = transport(&err);
    assert_ne!(t.kind, TransportErrorKind::Refused, "{t:?}");
    assert_eq!(t.delivery, Delivery::MaybeSent);
    assert!(err.may_have_been_delivered());
    assert_eq!(streams, 1);
}

#[tokio::test]
async fn a_refusal_on_every_attempt_ends_as_refused_and_not_delivered() {
    let (result, streams) = resend_over_h2(vec![h2::Reason::REFUSED_STREAM; 3]).await;
    let err = result.unwrap_err();
    let t = transport(&err);
    assert_eq!(t.kind, TransportErrorKind::Refused, "{t:?}");
    assert_eq!(t.delivery, Delivery::NotSent);
    assert_eq!(t.attempts, 3);
    assert!(!err.may_have_been_delivered());
    assert_eq!(streams, 3);
}
