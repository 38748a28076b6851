//! The send loop: one call, its attempts, retries when they are safe, bounded body reading.

use std::fmt;
use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use reqwest::StatusCode;
use reqwest::header::{self, HeaderMap, HeaderName, HeaderValue};
use serde::de::DeserializeOwned;

use super::deadline::{Deadlines, WithDeadline};
use super::{ApiMeta, CallOptions, Config, EndpointMeta, RequestParts, decode};
use crate::error::{
    ApiError, DecodeError, Delivery, Error, InvalidRequest, TransportError, TransportErrorKind,
};
use crate::retry::{RateLimiter, RetryBudget, retry_after};

pub(super) struct Inner {
    pub(super) api: &'static ApiMeta,
    pub(super) http: reqwest::Client,
    /// The deadlines of the attempts in flight, and the one timer that watches them.
    pub(super) deadlines: Arc<Deadlines>,
    pub(super) base_url: url::Url,
    pub(super) auth: Option<(HeaderName, HeaderValue)>,
    pub(super) config: Config,
    pub(super) budget: RetryBudget,
    pub(super) limiter: Option<RateLimiter>,
}

/// The shared, cheaply clonable state of a generated client.
#[derive(Clone)]
pub struct ClientCore {
    pub(super) inner: Arc<Inner>,
}

impl fmt::Debug for ClientCore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("api", &self.inner.api.name)
            .field("base_url", &self.inner.base_url.as_str())
            .field(
                "credentials",
                &self.inner.auth.as_ref().map(|_| "[REDACTED]"),
            )
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

/// Statuses after which an idempotent request is retried.
const RETRY_STATUSES: &[u16] = &[408, 429, 500, 502, 503, 504];

/// What happened so far in one call, kept when the call timeout cuts it short.
#[derive(Debug, Default)]
struct Progress {
    attempts: u32,
    sent: bool,
}

/// A complete response: status, headers and the (bounded) body.
#[derive(Debug)]
pub struct RawResponse {
    /// Status.
    pub status: StatusCode,
    /// Headers.
    pub headers: HeaderMap,
    /// Body.
    pub body: Bytes,
}

impl ClientCore {
    /// The API this client talks to.
    pub fn api(&self) -> &'static ApiMeta {
        self.inner.api
    }

    /// The base URL in use.
    pub fn base_url(&self) -> &str {
        self.inner.base_url.as_str()
    }

    /// The client's settings.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// Sends `req` and decodes a success body as `T` and an error body as `B`.
    pub fn execute<T, B>(
        &self,
        req: RequestParts,
        opts: CallOptions,
    ) -> impl Future<Output = Result<T, Error<B>>> + Send
    where
        T: DeserializeOwned,
        B: DeserializeOwned,
    {
        self.execute_with(req, opts, decode::<T>)
    }

    /// [`ClientCore::execute`] with a decoder of its own for the success body (generated code
    /// passes [`decode_list`](super::decode_list) for list responses).
    pub fn execute_with<T, B>(
        &self,
        req: RequestParts,
        opts: CallOptions,
        decode: fn(&'static str, StatusCode, Bytes) -> Result<T, Box<DecodeError>>,
    ) -> impl Future<Output = Result<T, Error<B>>> + Send
    where
        B: DeserializeOwned,
    {
        self.call(req, opts, move |id, raw| {
            if !raw.status.is_success() {
                let body = serde_json::from_slice::<B>(&raw.body).ok();
                return Err(Error::Api(Box::new(ApiError::new(
                    id,
                    raw.status,
                    raw.headers,
                    body,
                    raw.body,
                ))));
            }
            decode(id, raw.status, raw.body).map_err(Error::Decode)
        })
    }

    /// Sends `req` and returns the raw response, whatever its status.
    pub fn send<B>(
        &self,
        req: RequestParts,
        opts: &CallOptions,
    ) -> impl Future<Output = Result<RawResponse, Error<B>>> + Send {
        self.call(req, opts.clone(), |_, raw| Ok(raw))
    }

    /// One call in its span: its attempts, then `finish` on the response.
    ///
    /// The functions above return this future as it is, and the whole call is two futures
    /// deep (this one and the current attempt's): each level of `async fn` adds a poll frame
    /// of kilobytes on the stack and a copy of the state below it when it starts, which made
    /// a generated call measurably slower than a hand-written request that executes as many
    /// instructions (BENCHMARKS.md §1b).
    fn call<T, B, F>(
        &self,
        req: RequestParts,
        opts: CallOptions,
        finish: F,
    ) -> InSpan<impl Future<Output = Result<T, Error<B>>> + Send>
    where
        F: FnOnce(&'static str, RawResponse) -> Result<T, Error<B>> + Send,
    {
        let endpoint = req.endpoint;
        let span = tracing::debug_span!(
            "hookspec.call",
            endpoint = endpoint.id,
            method = %endpoint.method,
            status = tracing::field::Empty,
            attempts = tracing::field::Empty,
        );
        let recorder = span.clone();
        InSpan::new(
            async move {
                if let Some(problem) = req.problem {
                    return Err(InvalidRequest::new(Some(endpoint.id), problem).into());
                }
                let mut progress = Progress::default();
                let result = self.attempts(&req, &opts, &mut progress).await;
                recorder.record("attempts", progress.attempts);
                match result {
                    Ok(raw) => {
                        recorder.record("status", raw.status.as_u16());
                        finish(endpoint.id, raw)
                    }
                    Err(e) => Err(Error::from(e)),
                }
            },
            span,
        )
    }

    /// Attempts `req` until it succeeds, fails for good, or retrying is not safe or allowed.
    async fn attempts(
        &self,
        req: &RequestParts,
        opts: &CallOptions,
        progress: &mut Progress,
    ) -> Result<RawResponse, TransportError> {
        let endpoint = req.endpoint;
        let cfg = &self.inner.config;
        let total = opts.timeout.unwrap_or(cfg.timeout);
        // One deadline for the whole call: each attempt's deadline is the earlier of its own
        // timeout and this.
        let deadline = tokio::time::Instant::now() + total;
        let max_attempts = opts.max_attempts.unwrap_or(cfg.retry.max_attempts).max(1);
        let attempt_timeout = opts.attempt_timeout.unwrap_or(cfg.attempt_timeout);
        loop {
            if let Some(limiter) = &self.inner.limiter
                && tokio::time::timeout_at(deadline, limiter.acquire())
                    .await
                    .is_err()
            {
                return Err(TransportError {
                    endpoint: endpoint.id,
                    kind: TransportErrorKind::Timeout,
                    delivery: if progress.sent {
                        Delivery::MaybeSent
                    } else {
                        Delivery::NotSent
                    },
                    message: format!(
                        "the call timeout of {total:?} ran out waiting for the rate limit"
                    ),
                    attempts: progress.attempts,
                    source: None,
                });
            }
            progress.attempts += 1;
            let attempt = progress.attempts;
            let span = tracing::debug_span!(
                "hookspec.attempt",
                endpoint = endpoint.id,
                attempt,
                status = tracing::field::Empty,
            );
            progress.sent = true;
            // The attempt's deadline is the earlier of its own timeout and the call's deadline
            // (connect, send, headers and body), watched by the client's one timer
            // (`runtime/deadline.rs`) rather than a timer per attempt.
            let now = tokio::time::Instant::now();
            let cut_by_call = now + attempt_timeout >= deadline;
            let attempt_deadline = if cut_by_call {
                deadline
            } else {
                now + attempt_timeout
            };
            let sending = WithDeadline::new(
                &self.inner.deadlines,
                attempt_deadline,
                self.attempt(endpoint, req),
            );
            let mut result = match InSpan::new(sending, span.clone()).await {
                Ok(result) => result,
                Err(_elapsed) => Err(TransportError {
                    endpoint: endpoint.id,
                    kind: TransportErrorKind::Timeout,
                    delivery: Delivery::MaybeSent,
                    message: String::new(),
                    attempts: attempt,
                    source: None,
                }),
            };
            if let Err(e) = &mut result
                && e.kind == TransportErrorKind::Timeout
            {
                e.message = if cut_by_call {
                    format!("no complete response within the call timeout of {total:?}")
                } else {
                    format!(
                        "no complete response within the attempt timeout of {attempt_timeout:?}"
                    )
                };
            }
            let wait_hint = match &mut result {
                Ok(resp) => {
                    span.record("status", resp.status.as_u16());
                    if !(endpoint.idempotent && RETRY_STATUSES.contains(&resp.status.as_u16())) {
                        if resp.status.is_success() {
                            self.inner.budget.deposit();
                        }
                        return result;
                    }
                    retry_after(&resp.headers)
                }
                Err(e) => {
                    e.attempts = attempt;
                    // Never re-send a non-idempotent request that may have been delivered.
                    let safe = e.delivery == Delivery::NotSent
                        || (endpoint.idempotent
                            && matches!(
                                e.kind,
                                TransportErrorKind::Connect
                                    | TransportErrorKind::Timeout
                                    | TransportErrorKind::Io
                            ));
                    if !safe {
                        return result;
                    }
                    if e.delivery == Delivery::NotSent && attempt == 1 {
                        progress.sent = false;
                    }
                    None
                }
            };
            if attempt >= max_attempts {
                return result;
            }
            let backoff = cfg.retry.backoff(attempt);
            let delay = match wait_hint {
                Some(ra) if ra > cfg.retry.retry_after_ceiling => {
                    tracing::debug!(
                        endpoint = endpoint.id,
                        ?ra,
                        "Retry-After beyond the ceiling: not retrying"
                    );
                    return result;
                }
                Some(ra) => ra.max(backoff),
                None => backoff,
            };
            if tokio::time::Instant::now() + delay >= deadline {
                tracing::debug!(endpoint = endpoint.id, "no time left for a retry");
                return result;
            }
            if !self.inner.budget.withdraw() {
                tracing::debug!(
                    endpoint = endpoint.id,
                    "retry budget exhausted: not retrying"
                );
                return result;
            }
            tracing::debug!(endpoint = endpoint.id, attempt, ?delay, "retrying");
            tokio::time::sleep(delay).await;
        }
    }

    async fn attempt(
        &self,
        endpoint: &'static EndpointMeta,
        req: &RequestParts,
    ) -> Result<RawResponse, TransportError> {
        let mut url = self.inner.base_url.clone();
        let joined = format!("{}{}", url.path().trim_end_matches('/'), req.path);
        url.set_path(&joined);
        if !req.query.is_empty() {
            url.query_pairs_mut()
                .extend_pairs(req.query.iter().map(|(k, v)| (*k, v.as_str())));
        }
        let mut rb = self
            .inner
            .http
            .request(endpoint.method.clone(), url)
            .header(header::ACCEPT, HeaderValue::from_static("application/json"));
        if let Some((name, value)) = &self.inner.auth {
            rb = rb.header(name.clone(), value.clone());
        }
        for (name, value) in &req.headers {
            rb = rb.header(*name, value.as_str());
        }
        if let Some(body) = &req.body {
            rb = rb
                .header(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                )
                .body(body.clone());
        }
        let transport = |e: reqwest::Error| transport_error(endpoint.id, e);
        let mut resp = rb.send().await.map_err(transport)?;
        let status = resp.status();
        let headers = std::mem::take(resp.headers_mut());
        let limit = self.inner.config.max_body_bytes;
        if resp.content_length().is_some_and(|n| n > limit as u64) {
            return Err(too_large(endpoint.id, limit));
        }
        // Chunk by chunk, counted against the limit as they come (hyper also refuses more
        // bytes than a declared length). A body that arrives in one chunk, the usual case, is
        // kept as it is; more chunks are gathered in one buffer sized from the declared length.
        // (Not `Response::bytes`, whose future alone is 568 bytes of this attempt's state.)
        let mut first: Option<Bytes> = None;
        let mut more: Option<BytesMut> = None;
        let mut len = 0usize;
        while let Some(chunk) = resp.chunk().await.map_err(transport)? {
            len += chunk.len();
            if len > limit {
                return Err(too_large(endpoint.id, limit));
            }
            match (&mut more, first.take()) {
                (Some(buf), _) => buf.extend_from_slice(&chunk),
                (None, None) => first = Some(chunk),
                (None, Some(head)) => {
                    let declared = resp.content_length().and_then(|n| usize::try_from(n).ok());
                    let mut buf = BytesMut::with_capacity(declared.unwrap_or(len).max(len));
                    buf.extend_from_slice(&head);
                    buf.extend_from_slice(&chunk);
                    more = Some(buf);
                }
            }
        }
        let body = match more {
            Some(buf) => buf.freeze(),
            None => first.unwrap_or_default(),
        };
        Ok(RawResponse {
            status,
            headers,
            body,
        })
    }
}

fn too_large(endpoint: &'static str, limit: usize) -> TransportError {
    TransportError {
        endpoint,
        kind: TransportErrorKind::BodyTooLarge,
        delivery: Delivery::MaybeSent,
        message: format!("the response body is larger than the limit of {limit} bytes"),
        attempts: 1,
        source: None,
    }
}

pub(crate) fn transport_error(endpoint: &'static str, e: reqwest::Error) -> TransportError {
    let (kind, delivery) = if e.is_connect() {
        (TransportErrorKind::Connect, Delivery::NotSent)
    } else if e.is_timeout() {
        (TransportErrorKind::Timeout, Delivery::MaybeSent)
    } else if e.is_body() || e.is_request() || e.is_decode() {
        (TransportErrorKind::Io, Delivery::MaybeSent)
    } else {
        (TransportErrorKind::Other, Delivery::MaybeSent)
    };
    // What happened, in words; the cause chain stays in `source` (reported once, by whoever
    // prints the error with its sources). No URL: it may carry a query the user considers private.
    let message = match kind {
        TransportErrorKind::Connect => "could not connect",
        TransportErrorKind::Timeout => "no complete response in time",
        TransportErrorKind::Io => "the connection broke before the response was complete",
        _ => "the request failed",
    }
    .to_owned();
    TransportError {
        endpoint,
        kind,
        delivery,
        message,
        attempts: 1,
        source: Some(Box::new(e)),
    }
}

pin_project_lite::pin_project! {
    /// A future polled inside a span when the span is enabled, and as it is otherwise: unlike
    /// `tracing::Instrumented`, nothing is entered or exited for a disabled span (which, on
    /// every poll, cost as much as a tenth of a request's own work), and one type either way.
    pub(super) struct InSpan<F> {
        #[pin]
        inner: F,
        span: Option<tracing::Span>,
    }
}

impl<F> InSpan<F> {
    fn new(inner: F, span: tracing::Span) -> Self {
        Self {
            inner,
            span: (!span.is_disabled()).then_some(span),
        }
    }
}

impl<F: Future> Future for InSpan<F> {
    type Output = F::Output;

    fn poll(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<F::Output> {
        let this = self.project();
        let _entered = this.span.as_ref().map(tracing::Span::enter);
        this.inner.poll(cx)
    }
}
