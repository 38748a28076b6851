//! Sending a delivery as a provider does: one POST of a JSON body, signed when a secret is
//! given. `hookspec trigger`, the emulator's own deliveries and `omegastream replay` all send
//! through [`deliver`], so what a receiver sees from each is the same.

use bytes::{Bytes, BytesMut};
use http::{HeaderMap, StatusCode, header};

use super::signature::{Secret, signed_headers};
use crate::error::Delivery;

/// At most this much of a receiver's answer is kept ([`Delivered::body`]); the rest is not read.
pub const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// How to sign a delivery (Standard Webhooks).
#[derive(Debug, Clone, Copy)]
pub struct Signing<'a> {
    /// The secret.
    pub secret: &'a Secret,
    /// The message id (`webhook-id`): the event's id, so that a receiver's de-duplication
    /// recognises a repeat.
    pub msg_id: &'a str,
    /// `webhook-timestamp`, unix seconds (the current time when `None`).
    pub timestamp: Option<i64>,
}

/// What the receiving end answered.
#[derive(Debug, Clone)]
pub struct Delivered {
    /// Its status.
    pub status: StatusCode,
    /// Its headers.
    pub headers: HeaderMap,
    /// The first [`MAX_ANSWER_BYTES`] of its body (what arrived, if the connection broke
    /// after the status: the delivery was received all the same).
    pub body: Bytes,
    /// Whether `body` is the whole answer.
    pub complete: bool,
}

impl Delivered {
    /// Whether the receiver took the delivery (a 2xx status).
    pub fn accepted(&self) -> bool {
        self.status.is_success()
    }

    /// The body as text (lossy UTF-8).
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Why a delivery has no answer.
#[derive(Debug, thiserror::Error)]
#[error("cannot deliver to {url}: {message}")]
pub struct DeliverError {
    /// The target.
    pub url: String,
    /// Whether the receiver may have got it: [`Delivery::NotSent`] only when no connection was
    /// made (or the request could not be built); a retry after `MaybeSent` may duplicate it.
    pub delivery: Delivery,
    /// What happened, in words.
    pub message: String,
    #[source]
    source: reqwest::Error,
}

/// POSTs `body` to `url` as a provider does: `Content-Type: application/json` and, with
/// `signing`, the three Standard Webhooks headers ([`signed_headers`]). One request, never
/// retried.
///
/// Redirects follow `http`'s own policy: use a client with
/// [`redirect::Policy::none()`](reqwest::redirect::Policy::none), as hookspec's CLI, recovery
/// and emulator do, so that a 3xx is an answer. With a client that follows them, a receiver's
/// redirect to where nothing listens ends in a connect error that reqwest reports for the
/// first URL — [`Delivery::NotSent`] here — although the first URL received the POST.
///
/// Any status is an answer (`Ok`); check [`Delivered::accepted`].
pub async fn deliver(
    http: &reqwest::Client,
    url: &str,
    body: impl Into<Bytes>,
    signing: Option<Signing<'_>>,
) -> Result<Delivered, DeliverError> {
    let body = body.into();
    let mut request = http
        .post(url)
        .header(header::CONTENT_TYPE, "application/json");
    if let Some(s) = signing {
        let timestamp = s.timestamp.unwrap_or_else(now_secs);
        request = request.headers(signed_headers(s.secret, s.msg_id, timestamp, &body));
    }
    let fail = |e: reqwest::Error| {
        let (delivery, message) = if e.is_connect() || e.is_builder() {
            (Delivery::NotSent, "could not connect")
        } else if e.is_timeout() {
            (Delivery::MaybeSent, "no answer in time")
        } else {
            (Delivery::MaybeSent, "the connection broke before an answer")
        };
        DeliverError {
            url: url.to_owned(),
            delivery,
            message: message.to_owned(),
            // The URL is said once, in this error's own message.
            source: e.without_url(),
        }
    };
    let mut resp = request.body(body).send().await.map_err(fail)?;
    let status = resp.status();
    let headers = std::mem::take(resp.headers_mut());
    let mut answer = BytesMut::new();
    let mut complete = true;
    loop {
        match resp.chunk().await {
            Ok(Some(chunk)) => {
                let room = MAX_ANSWER_BYTES - answer.len();
                if chunk.len() > room {
                    answer.extend_from_slice(&chunk[..room]);
                    complete = false;
                    break;
                }
                answer.extend_from_slice(&chunk);
            }
            Ok(None) => break,
            // The status arrived: the delivery was received, whatever became of the rest.
            Err(_) => {
                complete = false;
                break;
            }
        }
    }
    Ok(Delivered {
        status,
        headers,
        body: answer.freeze(),
        complete,
    })
}

fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}
