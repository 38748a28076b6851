//! The send loop: one call, its attempts, retries when they are safe, bounded body reading.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use reqwest::StatusCode;
use reqwest::header::{self, HeaderMap, HeaderName, HeaderValue};
use serde::de::DeserializeOwned;
use tokio::time::Instant;

use super::deadline::{Deadlines, Elapsed, WithDeadline};
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
    /// Whether an attempt so far may have reached the server: a later attempt that was not
    /// sent does not make the call's outcome "not delivered".
    maybe_delivered: bool,
}

/// `now + d`, or a time decades away when that cannot be represented (`Duration::MAX` is how a
/// caller says "no limit"; tokio's `Instant + Duration` would panic).
fn later(now: Instant, d: Duration) -> Instant {
    now.checked_add(d)
        .unwrap_or_else(|| now + Duration::from_secs(30 * 365 * 86_400))
}

/// The limits of one call, fixed when it starts.
struct Plan {
    /// The call timeout.
    total: Duration,
    /// When the call timeout runs out.
    deadline: Instant,
    max_attempts: u32,
    attempt_timeout: Duration,
}

impl Plan {
    fn new(cfg: &Config, opts: &CallOptions) -> Self {
        let total = opts.timeout.unwrap_or(cfg.timeout);
        Self {
            total,
            // One deadline for the whole call: each attempt's is the earlier of its own
            // timeout and this.
            deadline: later(Instant::now(), total),
            max_attempts: opts.max_attempts.unwrap_or(cfg.retry.max_attempts).max(1),
            attempt_timeout: opts.attempt_timeout.unwrap_or(cfg.attempt_timeout),
        }
    }

    /// The deadline of an attempt starting now, and whether it is the call's.
    fn attempt_deadline(&self) -> (Instant, bool) {
        let own = later(Instant::now(), self.attempt_timeout);
        if own >= self.deadline {
            (self.deadline, true)
        } else {
            (own, false)
        }
    }

    #[cold]
    fn timeout_message(&self, cut_by_call: bool) -> String {
        if cut_by_call {
            format!(
                "no complete response within the call timeout of {:?}",
                self.total
            )
        } else {
            format!(
                "no complete response within the attempt timeout of {:?}",
                self.attempt_timeout
            )
        }
    }

    #[cold]
    fn rate_limit_ran_out(&self, endpoint: &'static str, progress: &Progress) -> TransportError {
        TransportError {
            endpoint,
            kind: TransportErrorKind::Timeout,
            delivery: if progress.maybe_delivered {
                Delivery::MaybeSent
            } else {
                Delivery::NotSent
            },
            message: format!(
                "the call timeout of {:?} ran out waiting for the rate limit",
                self.total
            ),
            attempts: progress.attempts,
            status: None,
            source: None,
        }
    }
}

/// What follows an attempt.
enum Next {
    Done(Result<RawResponse, TransportError>),
    /// A retry after the delay; the attempt's outcome stands if the retry cannot be made.
    Retry(Duration, Result<RawResponse, TransportError>),
}

/// A call's span (made out of line: the macro's expansion is large, even when disabled).
#[inline(never)]
fn call_span(endpoint: &'static EndpointMeta) -> tracing::Span {
    tracing::debug_span!(
        "hookspec.call",
        endpoint = endpoint.id,
        method = %endpoint.method,
        status = tracing::field::Empty,
        attempts = tracing::field::Empty,
    )
}

/// An attempt's span (made out of line: the macro's expansion is large, even when disabled).
#[inline(never)]
fn attempt_span(endpoint: &'static EndpointMeta, attempt: u32) -> tracing::Span {
    tracing::debug_span!(
        "hookspec.attempt",
        endpoint = endpoint.id,
        attempt,
        status = tracing::field::Empty,
    )
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
    #[inline(always)]
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
    #[inline(always)]
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
    #[inline(always)]
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
    #[inline(always)]
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
        let span = call_span(endpoint);
        let recorder = span.clone();
        InSpan::new(
            async move {
                if let Some(problem) = req.problem {
                    return Err(InvalidRequest::new(Some(endpoint.id), problem).into());
                }
                // The attempts, until one succeeds, fails for good, or retrying is not safe or
                // allowed. The loop keeps only what every attempt does; what follows an attempt
                // (the retry decision, error messages, events) is `settle`, out of line.
                let plan = Plan::new(&self.inner.config, &opts);
                let mut progress = Progress::default();
                // The outcome of the attempt before a retry, returned if the retry cannot be made.
                let mut last = None;
                let result = loop {
                    if let Some(limiter) = &self.inner.limiter
                        && let Err(wait) = limiter.try_acquire()
                    {
                        // A retry the rate limit cannot fit into the call's time is not waited
                        // for: the last attempt's answer or error stands.
                        let acquired =
                            if last.is_some() && later(Instant::now(), wait) > plan.deadline {
                                false
                            } else {
                                limiter.acquire_after(wait, plan.deadline).await
                            };
                        if !acquired {
                            break last.take().unwrap_or_else(|| {
                                Err(plan.rate_limit_ran_out(endpoint.id, &progress))
                            });
                        }
                    }
                    // The previous attempt's response is not kept while this one is in flight.
                    drop(last.take());
                    progress.attempts += 1;
                    let span = attempt_span(endpoint, progress.attempts);
                    // The attempt's deadline is the earlier of its own timeout and the call's
                    // deadline (connect, send, headers and body), watched by the client's one
                    // timer (`runtime/deadline.rs`) rather than a timer per attempt.
                    let (attempt_deadline, cut_by_call) = plan.attempt_deadline();
                    let sending = WithDeadline::new(
                        &self.inner.deadlines,
                        attempt_deadline,
                        self.attempt(endpoint, &req),
                    );
                    let outcome = InSpan::new(sending, span.clone()).await;
                    match self.settle(endpoint, &plan, &span, cut_by_call, &mut progress, outcome) {
                        Next::Done(result) => break result,
                        Next::Retry(delay, outcome) => {
                            last = Some(outcome);
                            tokio::time::sleep(delay).await;
                        }
                    }
                };
                recorder.record("attempts", progress.attempts);
                let mut result = result;
                // An attempt that was not sent says nothing of the ones before it.
                if let Err(e) = &mut result
                    && progress.maybe_delivered
                {
                    e.delivery = Delivery::MaybeSent;
                }
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

    /// What follows an attempt: its result returned, or a retry after a delay when retrying is
    /// safe, allowed and has time left.
    #[inline(never)]
    fn settle(
        &self,
        endpoint: &'static EndpointMeta,
        plan: &Plan,
        span: &tracing::Span,
        cut_by_call: bool,
        progress: &mut Progress,
        outcome: Result<Result<RawResponse, TransportError>, Elapsed>,
    ) -> Next {
        let attempt = progress.attempts;
        let mut result = match outcome {
            Ok(result) => result,
            Err(Elapsed) => Err(TransportError {
                endpoint: endpoint.id,
                kind: TransportErrorKind::Timeout,
                delivery: Delivery::MaybeSent,
                // Said below, as for a timeout reported by reqwest.
                message: String::new(),
                attempts: attempt,
                status: None,
                source: None,
            }),
        };
        progress.maybe_delivered |= match &result {
            Ok(_) => true,
            Err(e) => e.delivery == Delivery::MaybeSent,
        };
        let wait_hint = match &mut result {
            Ok(resp) => {
                span.record("status", resp.status.as_u16());
                if !(endpoint.idempotent && RETRY_STATUSES.contains(&resp.status.as_u16())) {
                    if resp.status.is_success() {
                        self.inner.budget.deposit();
                    }
                    return Next::Done(result);
                }
                retry_after(&resp.headers)
            }
            Err(e) => {
                e.attempts = attempt;
                // hookspec's own deadline passed (reqwest's timeouts, of a client the caller
                // brought, keep reqwest's word: they are not the timeouts named here).
                if e.kind == TransportErrorKind::Timeout && e.message.is_empty() {
                    e.message = plan.timeout_message(cut_by_call);
                }
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
                    return Next::Done(result);
                }
                None
            }
        };
        if attempt >= plan.max_attempts {
            return Next::Done(result);
        }
        let retry = &self.inner.config.retry;
        let backoff = retry.backoff(attempt);
        let delay = match wait_hint {
            Some(ra) if ra > retry.retry_after_ceiling => {
                tracing::debug!(
                    endpoint = endpoint.id,
                    ?ra,
                    "Retry-After beyond the ceiling: not retrying"
                );
                return Next::Done(result);
            }
            Some(ra) => ra.max(backoff),
            None => backoff,
        };
        if later(Instant::now(), delay) >= plan.deadline {
            tracing::debug!(endpoint = endpoint.id, "no time left for a retry");
            return Next::Done(result);
        }
        if !self.inner.budget.withdraw() {
            tracing::debug!(
                endpoint = endpoint.id,
                "retry budget exhausted: not retrying"
            );
            return Next::Done(result);
        }
        tracing::debug!(endpoint = endpoint.id, attempt, ?delay, "retrying");
        Next::Retry(delay, result)
    }

    /// One attempt: the request sent, the response read whole (within the body limit).
    ///
    /// The request is built here, before the attempt's future, which only holds reqwest's
    /// pending request and then the response being read: its state is what each attempt
    /// carries and copies.
    fn attempt(
        &self,
        endpoint: &'static EndpointMeta,
        req: &RequestParts,
    ) -> impl Future<Output = Result<RawResponse, TransportError>> + Send + 'static {
        let request = self.request(endpoint, req);
        #[cfg(hookspec_probe)]
        crate::__probe::mark(crate::__probe::Stage::Built);
        let sending = request.send();
        let limit = self.inner.config.max_body_bytes;
        async move {
            #[cfg(hookspec_probe)]
            crate::__probe::mark(crate::__probe::Stage::Sending);
            let resp = sending.await.map_err(|e| transport_error(endpoint.id, e))?;
            #[cfg(hookspec_probe)]
            crate::__probe::mark(crate::__probe::Stage::Head);
            read_response(endpoint.id, resp, limit).await
        }
    }

    /// The request of one attempt.
    fn request(
        &self,
        endpoint: &'static EndpointMeta,
        req: &RequestParts,
    ) -> reqwest::RequestBuilder {
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
        rb
    }
}

/// A response's body so far.
enum Gathered {
    Nothing,
    /// One chunk, kept as it is (the usual case).
    One(Bytes),
    /// More chunks, copied into one buffer.
    More(BytesMut),
}

/// Reads `resp` whole: chunk by chunk, counted against `limit` as they come (hyper also refuses
/// more bytes than a declared length). A body that arrives in one chunk is kept as it is; more
/// chunks are gathered in one buffer sized from the declared length. (Not `Response::bytes`,
/// whose future alone is 568 bytes of every attempt's state.)
#[expect(
    clippy::manual_async_fn,
    reason = "an `async fn` keeps a second copy of its arguments in its state"
)]
fn read_response(
    endpoint: &'static str,
    mut resp: reqwest::Response,
    limit: usize,
) -> impl Future<Output = Result<RawResponse, TransportError>> + Send {
    // An `async` block using what it captures in place: an `async fn` would keep a second copy
    // of its arguments (the response's 136 bytes) in its state.
    async move {
        // The declared length, asked before any chunk is read: afterwards reqwest reports what
        // is left of it (a buffer sized from that was too small for a body of three chunks or more).
        let declared = resp.content_length();
        if declared.is_some_and(|n| n > limit as u64) {
            return Err(too_large(endpoint, limit, resp.status()));
        }
        let mut body = Gathered::Nothing;
        let mut len = 0usize;
        while let Some(chunk) = resp
            .chunk()
            .await
            .map_err(|e| body_error(endpoint, e, resp.status()))?
        {
            len += chunk.len();
            if len > limit {
                return Err(too_large(endpoint, limit, resp.status()));
            }
            body = match body {
                Gathered::Nothing => Gathered::One(chunk),
                Gathered::One(head) => {
                    let declared = declared.and_then(|n| usize::try_from(n).ok());
                    let mut buf = BytesMut::with_capacity(declared.unwrap_or(len).max(len));
                    buf.extend_from_slice(&head);
                    buf.extend_from_slice(&chunk);
                    Gathered::More(buf)
                }
                Gathered::More(mut buf) => {
                    buf.extend_from_slice(&chunk);
                    Gathered::More(buf)
                }
            };
        }
        #[cfg(hookspec_probe)]
        crate::__probe::mark(crate::__probe::Stage::Body);
        Ok(RawResponse {
            status: resp.status(),
            headers: std::mem::take(resp.headers_mut()),
            body: match body {
                Gathered::Nothing => Bytes::new(),
                Gathered::One(b) => b,
                Gathered::More(buf) => buf.freeze(),
            },
        })
    }
}

#[cold]
fn too_large(endpoint: &'static str, limit: usize, status: StatusCode) -> TransportError {
    TransportError {
        endpoint,
        kind: TransportErrorKind::BodyTooLarge,
        delivery: Delivery::MaybeSent,
        message: format!(
            "the response body (status {}) is larger than the limit of {limit} bytes",
            status.as_u16()
        ),
        attempts: 1,
        status: Some(status),
        source: None,
    }
}

/// The body of a response whose status and headers arrived could not be read whole: the
/// status is kept (a resend answered 200 was processed, whatever became of its body).
#[cold]
fn body_error(endpoint: &'static str, e: reqwest::Error, status: StatusCode) -> TransportError {
    let mut t = transport_error(endpoint, e);
    t.message = format!("{} (status {} received)", t.message, status.as_u16());
    t.status = Some(status);
    t
}

pub(crate) fn transport_error(endpoint: &'static str, e: reqwest::Error) -> TransportError {
    let (kind, delivery) = if e.is_connect() {
        (TransportErrorKind::Connect, Delivery::NotSent)
    } else if e.is_builder() {
        // reqwest refused to build the request: nothing was sent.
        (TransportErrorKind::Other, Delivery::NotSent)
    } else if refused_unprocessed(&e) {
        (TransportErrorKind::Refused, Delivery::NotSent)
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
        TransportErrorKind::Refused => "the server refused the request without processing it",
        _ => "the request failed",
    }
    .to_owned();
    TransportError {
        endpoint,
        kind,
        delivery,
        message,
        attempts: 1,
        status: None,
        // Without the URL, which reqwest's message would otherwise repeat (query included).
        source: Some(Box::new(e.without_url())),
    }
}

/// Whether an HTTP/2 server refused the request unprocessed, which RFC 9113 §8.7 makes safe to
/// send again: a stream reset with `REFUSED_STREAM`, or a graceful `GOAWAY` (`NO_ERROR`) that
/// left the stream out. (The cases reqwest's default policy retries on its own; hookspec's
/// clients leave retrying to hookspec.)
#[cfg(feature = "http2")]
fn refused_unprocessed(e: &reqwest::Error) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cause {
        if let Some(h2) = c.downcast_ref::<h2::Error>() {
            return h2.is_remote()
                && ((h2.is_reset() && h2.reason() == Some(h2::Reason::REFUSED_STREAM))
                    || (h2.is_go_away() && h2.reason() == Some(h2::Reason::NO_ERROR)));
        }
        cause = c.source();
    }
    false
}

/// Without HTTP/2 there is no stream to refuse.
#[cfg(not(feature = "http2"))]
fn refused_unprocessed(_: &reqwest::Error) -> bool {
    false
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
    #[inline(always)]
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
