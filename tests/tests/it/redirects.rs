//! hookspec's clients never follow a redirect: a credential header (5centscdn's `X-API-Key`,
//! which reqwest's redirect policy would not strip) must not reach another origin, and not
//! even the same origin on a path the caller did not ask for. On 127.0.0.1 two ports are two
//! origins.

use hookspec::fivecents::{self, JobSelector, ResendNotificationRequest};
use hookspec::omegastream;
use hookspec_tests::{Recorder, Reply};

const KEY: &str = "redirect-test-key-5c";
const TOKEN: &str = "redirect-test-token-omega";

fn redirect(status: u16, location: String) -> Reply {
    Reply {
        status,
        headers: vec![("location", location)],
        body: String::new(),
    }
}

/// The resend request of these tests.
fn resend() -> ResendNotificationRequest {
    ResendNotificationRequest {
        zoneid: 1234,
        job: JobSelector::Index(0),
    }
}

/// A server that redirects every request (`status`) to `other`'s resend path.
async fn redirecting_to(other: &Recorder, status: u16) -> Recorder {
    Recorder::start(vec![redirect(
        status,
        other.url("/transcoding/notifications/resend"),
    )])
    .await
}

/// `other` received no request (no credential reached it).
fn assert_untouched(other: &Recorder) {
    assert!(
        other.requests().is_empty(),
        "the other origin received {:?}",
        other.requests()
    );
}

#[tokio::test]
async fn a_redirect_to_another_origin_is_an_api_error_and_the_key_stays_home() {
    let other = Recorder::start(vec![Reply::json(200, "[]")]).await;
    for status in [301, 302, 303, 307, 308] {
        let origin = redirecting_to(&other, status).await;
        let client = fivecents::Client::builder()
            .base_url(origin.url(""))
            .credentials(KEY)
            .build()
            .unwrap();
        let err = client
            .resend_notification(&resend())
            .await
            .expect_err("a redirect is not a success");
        let api = err.as_api().expect("an Api error");
        assert_eq!(api.status.as_u16(), status);
        assert_eq!(
            api.redirect_location(),
            Some(other.url("/transcoding/notifications/resend").as_str())
        );
        assert!(err.to_string().contains("not followed"), "{err}");
        // The origin got the request with the key, exactly once (a POST is never repeated).
        let seen = origin.requests();
        assert_eq!(seen.len(), 1);
        assert_eq!(seen[0].header("x-api-key"), KEY);
    }
    assert_untouched(&other);
}

#[tokio::test]
async fn a_redirect_within_the_same_origin_is_not_followed_either() {
    let server = Recorder::start(vec![
        redirect(307, "/client/webhooks/moved".to_owned()),
        Reply::json(200, "[]"),
    ])
    .await;
    let client = omegastream::Client::builder()
        .base_url(server.url("/company"))
        .credentials(TOKEN)
        .build()
        .unwrap();
    let err = client
        .list_webhook_events("6336cd2b5790c27875f70d96")
        .await
        .expect_err("307 is not followed");
    let api = err.as_api().expect("an Api error");
    assert_eq!(api.status.as_u16(), 307);
    assert_eq!(api.redirect_location(), Some("/client/webhooks/moved"));
    let seen = server.requests();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(
        seen[0].uri,
        "/company/client/webhooks/6336cd2b5790c27875f70d96"
    );
    assert_eq!(seen[0].header("authorization"), format!("Bearer {TOKEN}"));
}

#[tokio::test]
async fn a_non_redirect_status_has_no_redirect_location() {
    let server = Recorder::start(vec![Reply {
        status: 201,
        headers: vec![("location", "/elsewhere".to_owned())],
        body: "[]".to_owned(),
    }])
    .await;
    let client = omegastream::Client::builder()
        .base_url(server.url("/company"))
        .credentials(TOKEN)
        .build()
        .unwrap();
    // 201 is a success: decoded as usual, the Location header notwithstanding.
    let events = client.list_webhook_events("abc").await.unwrap();
    assert!(events.is_empty());
}

#[tokio::test]
async fn a_callers_reqwest_builder_keeps_its_settings_and_gets_hookspecs_policies() {
    let other = Recorder::start(vec![Reply::json(200, "[]")]).await;
    let origin = redirecting_to(&other, 307).await;
    // reqwest's default redirect policy (follow up to 10) and a setting of the caller's own.
    let mut mine = reqwest::header::HeaderMap::new();
    mine.insert("x-app", reqwest::header::HeaderValue::from_static("mine"));
    let client = fivecents::Client::builder()
        .base_url(origin.url(""))
        .credentials(KEY)
        .http_client_builder(reqwest::Client::builder().default_headers(mine))
        .user_agent("my-app/2.0")
        .build()
        .unwrap();
    let err = client
        .resend_notification(&resend())
        .await
        .expect_err("the redirect is not followed");
    assert_eq!(err.as_api().expect("an Api error").status.as_u16(), 307);
    let seen = origin.requests();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].header("x-api-key"), KEY);
    assert_eq!(seen[0].header("x-app"), "mine", "the builder's own setting");
    assert_eq!(
        seen[0].header("user-agent"),
        "my-app/2.0",
        "hookspec's setting"
    );
    assert_untouched(&other);
}

/// What `http_client`'s documentation warns of, checked so that the warning stays true: a
/// `reqwest::Client` brought as it is follows its own redirect policy, and reqwest's default
/// one carries a custom credential header to another origin.
#[tokio::test]
async fn a_client_brought_as_it_is_follows_its_own_redirect_policy() {
    let other = Recorder::start(vec![Reply::json(200, "[]")]).await;
    let origin = redirecting_to(&other, 307).await;
    let client = fivecents::Client::builder()
        .base_url(origin.url(""))
        .credentials(KEY)
        .http_client(reqwest::Client::new())
        .build()
        .unwrap();
    let calls = client.resend_notification(&resend()).await.unwrap();
    assert!(calls.is_empty());
    let followed = other.requests();
    assert_eq!(followed.len(), 1);
    assert_eq!(followed[0].header("x-api-key"), KEY);
}
