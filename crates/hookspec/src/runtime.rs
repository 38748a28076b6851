//! The runtime every generated client stands on: configuration, authentication, sending,
//! bounded body reading and decoding. Generated code calls into this module; nothing here
//! knows about a particular API.

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use reqwest::header::{self, HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tracing::Instrument;

use crate::error::{
    ApiError, DecodeError, Delivery, Error, InvalidRequest, TransportError, TransportErrorKind,
    excerpt,
};
use crate::retry::{RateLimiter, RetryBudget, RetryPolicy, retry_after};

/// How an API authenticates requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthScheme {
    /// The key goes verbatim into the named header.
    Header(&'static str),
    /// `Authorization: Bearer <token>`.
    Bearer,
    /// No authentication.
    None,
}

/// A documented rate limit: `requests` per `per_seconds` seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests per window.
    pub requests: u32,
    /// Window length in seconds.
    pub per_seconds: u32,
}

/// What the spec says about an API as a whole.
#[derive(Debug)]
pub struct ApiMeta {
    /// Module name (`fivecents`).
    pub name: &'static str,
    /// Human title.
    pub title: &'static str,
    /// Default base URL.
    pub base_url: &'static str,
    /// Authentication scheme.
    pub auth: AuthScheme,
    /// Documented rate limit.
    pub rate_limit: Option<RateLimit>,
}

/// What the spec says about one endpoint.
#[derive(Debug)]
pub struct EndpointMeta {
    /// The API.
    pub api: &'static ApiMeta,
    /// `api.endpoint`, used in errors and tracing.
    pub id: &'static str,
    /// HTTP method.
    pub method: Method,
    /// Path template (`/client/webhooks/{id}`).
    pub path: &'static str,
    /// Whether sending twice has the effect of sending once.
    pub idempotent: bool,
    /// Decodes a success body with the endpoint's response type, applying the spec's decoding
    /// rules (aliases, lenient numbers, the zero time as absent, unknown enum values kept), and
    /// encodes the result back as JSON: what the typed client returns, for tools that work
    /// with untyped values (the CLI prints it).
    pub decode_json:
        fn(&'static str, StatusCode, Bytes) -> Result<serde_json::Value, Box<DecodeError>>,
}

/// One API bound by this crate, for tools that work from the specs at run time (the CLI,
/// the emulator): its metadata, its endpoints and the spec text it was generated from.
#[derive(Debug)]
pub struct ApiEntry {
    /// The API.
    pub meta: &'static ApiMeta,
    /// Its endpoints, in spec order.
    pub endpoints: &'static [&'static EndpointMeta],
    /// The spec files (display path, text), the API file first.
    pub spec_sources: &'static [(&'static str, &'static str)],
}

/// The parts of one request, assembled by generated code (or by the CLI).
#[derive(Debug)]
pub struct RequestParts {
    endpoint: &'static EndpointMeta,
    path: String,
    query: Vec<(&'static str, String)>,
    headers: Vec<(&'static str, String)>,
    body: Option<Vec<u8>>,
    problem: Option<String>,
}

/// Characters escaped in a path segment: everything but RFC 3986 `unreserved`, so that `/`,
/// `?`, `#`, `%`, spaces and non-ASCII cannot leave their segment.
const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'/')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'[')
    .add(b']')
    .add(b'\\')
    .add(b'^')
    .add(b'|')
    .add(b'!')
    .add(b'$')
    .add(b'&')
    .add(b'\'')
    .add(b'(')
    .add(b')')
    .add(b'*')
    .add(b'+')
    .add(b',')
    .add(b';')
    .add(b'=')
    .add(b':')
    .add(b'@');

impl RequestParts {
    /// Starts a request to `endpoint`.
    pub fn new(endpoint: &'static EndpointMeta) -> Self {
        Self {
            endpoint,
            path: String::new(),
            query: Vec::new(),
            headers: Vec::new(),
            body: None,
            problem: None,
        }
    }

    /// The endpoint.
    pub fn endpoint(&self) -> &'static EndpointMeta {
        self.endpoint
    }

    fn refuse(&mut self, message: String) {
        self.problem.get_or_insert(message);
    }

    /// Appends literal path text from the spec.
    pub fn literal(&mut self, text: &str) {
        self.path.push_str(text);
    }

    /// Appends a path parameter, percent-encoded as one segment. Empty values and the dot
    /// segments `.` and `..` are refused: no value can change which resource is addressed.
    pub fn param(&mut self, name: &str, value: &str) {
        if value.is_empty() || value == "." || value == ".." {
            self.refuse(format!("path parameter `{name}` must not be {value:?}"));
            return;
        }
        for piece in utf8_percent_encode(value, SEGMENT) {
            self.path.push_str(piece);
        }
    }

    /// Adds a query parameter.
    pub fn query(&mut self, name: &'static str, value: impl fmt::Display) {
        self.query.push((name, value.to_string()));
    }

    /// Adds a request header; values with control characters (CR, LF…) are refused.
    pub fn header(&mut self, name: &'static str, value: impl fmt::Display) {
        let value = value.to_string();
        if HeaderValue::from_str(&value).is_err() {
            self.refuse(format!(
                "header `{name}` has characters not allowed in a header"
            ));
            return;
        }
        self.headers.push((name, value));
    }

    /// Sets the JSON body.
    pub fn json<T: Serialize + ?Sized>(&mut self, body: &T) {
        match serde_json::to_vec(body) {
            Ok(bytes) => self.body = Some(bytes),
            Err(e) => self.refuse(format!("the body cannot be encoded as JSON: {e}")),
        }
    }

    /// Sets an already-encoded JSON body.
    pub fn json_bytes(&mut self, body: Vec<u8>) {
        self.body = Some(body);
    }

    /// The path built so far (percent-encoded).
    pub fn path(&self) -> &str {
        &self.path
    }
}

/// Per-call settings; the client's settings apply where a field is `None`.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct CallOptions {
    /// Timeout of the whole call, retries and rate-limit waits included.
    pub timeout: Option<Duration>,
    /// Timeout of each attempt.
    pub attempt_timeout: Option<Duration>,
    /// Attempts for this call (1: no retry).
    pub max_attempts: Option<u32>,
}

/// Client settings.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Config {
    /// Connect timeout (applies when hookspec builds the `reqwest::Client`).
    pub connect_timeout: Duration,
    /// Timeout of a whole call, retries and rate-limit waits included.
    pub timeout: Duration,
    /// Timeout of each attempt (sending, waiting for and reading the response).
    pub attempt_timeout: Duration,
    /// When and how calls are retried.
    pub retry: RetryPolicy,
    /// Client-side rate limit; defaults to the spec's.
    pub rate_limit: Option<RateLimit>,
    /// Largest response body read; a larger one is refused.
    pub max_body_bytes: usize,
    /// User-Agent header.
    pub user_agent: String,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(60),
            attempt_timeout: Duration::from_secs(30),
            retry: RetryPolicy::default(),
            rate_limit: None,
            max_body_bytes: 16 * 1024 * 1024,
            user_agent: concat!("hookspec/", env!("CARGO_PKG_VERSION")).to_owned(),
        }
    }
}

/// Implemented by every generated `Client`, so that [`ClientBuilder`] can build it.
pub trait FromCore: Sized {
    /// The API the client talks to.
    const API: &'static ApiMeta;
    /// Wraps a configured core.
    fn from_core(core: ClientCore) -> Self;
}

/// Builds a generated client: base URL, credentials, HTTP client, timeouts, limits.
pub struct ClientBuilder<C> {
    api: &'static ApiMeta,
    base_url: Option<String>,
    credentials: Option<SecretString>,
    http: Option<reqwest::Client>,
    config: Config,
    rate_limit_set: bool,
    allow_insecure_http: bool,
    _client: std::marker::PhantomData<fn() -> C>,
}

impl<C> fmt::Debug for ClientBuilder<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("api", &self.api.name)
            .field("base_url", &self.base_url)
            .field(
                "credentials",
                &self.credentials.as_ref().map(|_| "[REDACTED]"),
            )
            .field("config", &self.config)
            .field("allow_insecure_http", &self.allow_insecure_http)
            .finish_non_exhaustive()
    }
}

impl<C: FromCore> Default for ClientBuilder<C> {
    fn default() -> Self {
        Self::new()
    }
}

impl<C: FromCore> ClientBuilder<C> {
    /// A builder with the spec's base URL and default settings.
    pub fn new() -> Self {
        Self::for_api(C::API)
    }

    /// Builds the client.
    pub fn build(self) -> Result<C, InvalidRequest> {
        self.build_core().map(C::from_core)
    }
}

impl<C> ClientBuilder<C> {
    /// A builder for an API known only at run time (the CLI builds its commands from the
    /// specs); [`ClientBuilder::build_core`] then gives the untyped core.
    pub fn for_api(api: &'static ApiMeta) -> Self {
        Self {
            api,
            base_url: None,
            credentials: None,
            http: None,
            config: Config::default(),
            rate_limit_set: false,
            allow_insecure_http: false,
            _client: std::marker::PhantomData,
        }
    }

    /// Overrides the spec's base URL (an emulator, a proxy, a staging host).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// The API key or token, held as a secret: never printed, never logged.
    pub fn credentials(mut self, key: impl Into<SecretString>) -> Self {
        self.credentials = Some(key.into());
        self
    }

    /// Brings your own `reqwest::Client` (connection pool, proxy, TLS settings). The connect
    /// timeout is then the client's own, and so is its redirect policy: build it with
    /// `.redirect(reqwest::redirect::Policy::none())`, as hookspec builds its own, or a
    /// redirect may carry a credential header (such as `X-API-Key`, which reqwest does not
    /// strip) to another origin.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Timeout of a whole call, retries and rate-limit waits included (default 60 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.config.timeout = timeout;
        self
    }

    /// Timeout of each attempt (default 30 s).
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.config.attempt_timeout = timeout;
        self
    }

    /// When and how calls are retried (default: [`RetryPolicy::default`]).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.config.retry = policy;
        self
    }

    /// Overrides the spec's rate limit; `None` turns client-side limiting off.
    pub fn rate_limit(mut self, limit: Option<RateLimit>) -> Self {
        self.config.rate_limit = limit;
        self.rate_limit_set = true;
        self
    }

    /// Connect timeout (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.config.connect_timeout = timeout;
        self
    }

    /// Largest response body accepted (default 16 MiB).
    pub fn max_body_bytes(mut self, limit: usize) -> Self {
        self.config.max_body_bytes = limit;
        self
    }

    /// Allows a plain-http base URL that is not loopback. Off by default: credentials would
    /// travel in clear text.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// Builds the untyped core that generated clients wrap.
    pub fn build_core(self) -> Result<ClientCore, InvalidRequest> {
        let api = self.api;
        let raw_url = self.base_url.as_deref().unwrap_or(api.base_url);
        let base_url = check_base_url(raw_url, self.allow_insecure_http)?;
        let auth = match (api.auth, &self.credentials) {
            (AuthScheme::None, _) => None,
            (_, None) => {
                return Err(InvalidRequest::new(
                    None,
                    format!("{} needs credentials; call `.credentials(..)`", api.title),
                ));
            }
            (AuthScheme::Header(name), Some(key)) => Some((
                HeaderName::from_static_lower(name)?,
                sensitive_value(key.expose_secret())?,
            )),
            (AuthScheme::Bearer, Some(key)) => Some((
                header::AUTHORIZATION,
                sensitive_value(&format!("Bearer {}", key.expose_secret()))?,
            )),
        };
        let http = match self.http {
            Some(http) => http,
            None => reqwest::Client::builder()
                .connect_timeout(self.config.connect_timeout)
                .user_agent(self.config.user_agent.clone())
                // Never follow a redirect: a custom credential header (`X-API-Key`) would go
                // to whatever origin the `Location` names. A 3xx is an `Error::Api`.
                .redirect(reqwest::redirect::Policy::none())
                .tls_backend_preconfigured(tls_config()?)
                .build()
                .map_err(|e| {
                    InvalidRequest::new(None, format!("cannot build the HTTP client: {e}"))
                })?,
        };
        let mut config = self.config;
        if !self.rate_limit_set {
            config.rate_limit = api.rate_limit;
        }
        Ok(ClientCore {
            inner: Arc::new(Inner {
                api,
                http,
                base_url,
                auth,
                budget: RetryBudget::new(&config.retry),
                limiter: config.rate_limit.map(RateLimiter::new),
                config,
            }),
        })
    }
}

trait FromStaticLower: Sized {
    fn from_static_lower(name: &str) -> Result<Self, InvalidRequest>;
}

impl FromStaticLower for HeaderName {
    fn from_static_lower(name: &str) -> Result<Self, InvalidRequest> {
        HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| InvalidRequest::new(None, format!("`{name}` is not a header name")))
    }
}

fn sensitive_value(s: &str) -> Result<HeaderValue, InvalidRequest> {
    let mut v = HeaderValue::from_str(s).map_err(|_| {
        InvalidRequest::new(
            None,
            "the credentials contain characters not allowed in a header (CR, LF or other control characters)",
        )
    })?;
    v.set_sensitive(true);
    Ok(v)
}

/// The TLS configuration of the clients hookspec builds: rustls with an explicit aws-lc-rs
/// provider (never the process-wide default, which hookspec neither reads nor installs), the
/// platform's certificate verifier, HTTP/2 and HTTP/1.1 offered through ALPN.
fn tls_config() -> Result<rustls::ClientConfig, InvalidRequest> {
    use rustls_platform_verifier::BuilderVerifierExt;
    let fail = |e: rustls::Error| InvalidRequest::new(None, format!("cannot configure TLS: {e}"));
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(fail)?
        .with_platform_verifier()
        .map_err(fail)?
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

fn check_base_url(raw: &str, allow_insecure_http: bool) -> Result<url::Url, InvalidRequest> {
    let url = url::Url::parse(raw)
        .map_err(|e| InvalidRequest::new(None, format!("invalid base URL `{raw}`: {e}")))?;
    match url.scheme() {
        "https" => {}
        "http" if allow_insecure_http || is_loopback(&url) => {}
        "http" => {
            return Err(InvalidRequest::new(
                None,
                format!(
                    "base URL `{raw}` is plain http and not loopback; use https or `.allow_insecure_http(true)`"
                ),
            ));
        }
        other => {
            return Err(InvalidRequest::new(
                None,
                format!("base URL `{raw}` has scheme `{other}`; expected https"),
            ));
        }
    }
    if url.query().is_some() || url.fragment().is_some() || url.cannot_be_a_base() {
        return Err(InvalidRequest::new(
            None,
            format!("base URL `{raw}` must not have a query or fragment"),
        ));
    }
    Ok(url)
}

fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

struct Inner {
    api: &'static ApiMeta,
    http: reqwest::Client,
    base_url: url::Url,
    auth: Option<(HeaderName, HeaderValue)>,
    config: Config,
    budget: RetryBudget,
    limiter: Option<RateLimiter>,
}

/// The shared, cheaply clonable state of a generated client.
#[derive(Clone)]
pub struct ClientCore {
    inner: Arc<Inner>,
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

/// Names of response headers that carry a request id, most common first.
const REQUEST_ID_HEADERS: &[&str] = &[
    "x-request-id",
    "x-amzn-requestid",
    "x-correlation-id",
    "cf-ray",
];

pub(crate) fn request_id(headers: &HeaderMap) -> Option<String> {
    REQUEST_ID_HEADERS
        .iter()
        .find_map(|h| headers.get(*h)?.to_str().ok().map(str::to_owned))
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
    pub async fn execute<T, B>(&self, req: RequestParts, opts: &CallOptions) -> Result<T, Error<B>>
    where
        T: DeserializeOwned,
        B: DeserializeOwned,
    {
        self.execute_with(req, opts, decode::<T>).await
    }

    /// [`ClientCore::execute`] with a decoder of its own for the success body (generated code
    /// passes [`decode_list`] for list responses).
    pub async fn execute_with<T, B>(
        &self,
        req: RequestParts,
        opts: &CallOptions,
        decode: fn(&'static str, StatusCode, Bytes) -> Result<T, Box<DecodeError>>,
    ) -> Result<T, Error<B>>
    where
        B: DeserializeOwned,
    {
        let id = req.endpoint.id;
        let raw = self.send(req, opts).await?;
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
    }

    /// Sends `req` and returns the raw response, whatever its status.
    pub async fn send<B>(
        &self,
        req: RequestParts,
        opts: &CallOptions,
    ) -> Result<RawResponse, Error<B>> {
        let endpoint = req.endpoint;
        if let Some(problem) = req.problem {
            return Err(InvalidRequest::new(Some(endpoint.id), problem).into());
        }
        let span = tracing::debug_span!(
            "hookspec.call",
            endpoint = endpoint.id,
            method = %endpoint.method,
            status = tracing::field::Empty,
            attempts = tracing::field::Empty,
        );
        let total = opts.timeout.unwrap_or(self.inner.config.timeout);
        let mut progress = Progress::default();
        // One deadline for the whole call: each attempt's timer is the earlier of its own
        // timeout and this, so a call registers one timer per attempt, not two.
        let deadline = tokio::time::Instant::now() + total;
        let result = self
            .send_with_retries(&req, opts, deadline, total, &mut progress)
            .instrument(span.clone())
            .await;
        span.record("attempts", progress.attempts);
        if let Ok(r) = &result {
            span.record("status", r.status.as_u16());
        }
        result.map_err(Error::from)
    }

    /// Attempts `req` until it succeeds, fails for good, or retrying is not safe or allowed.
    async fn send_with_retries(
        &self,
        req: &RequestParts,
        opts: &CallOptions,
        deadline: tokio::time::Instant,
        total: Duration,
        progress: &mut Progress,
    ) -> Result<RawResponse, TransportError> {
        let endpoint = req.endpoint;
        let cfg = &self.inner.config;
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
            // The attempt's timeout is the earlier of its own and the call's deadline, enforced
            // by reqwest itself (connect, send, headers and body): no timer of our own per
            // attempt, which in a tight loop costs a wake-up of tokio's time driver.
            let now = tokio::time::Instant::now();
            let cut_by_call = now + attempt_timeout >= deadline;
            let limit = if cut_by_call {
                deadline.saturating_duration_since(now)
            } else {
                attempt_timeout
            };
            let mut result = self
                .attempt(endpoint, req, limit)
                .instrument(span.clone())
                .await;
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
        timeout: Duration,
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
            .timeout(timeout)
            .header(header::ACCEPT, "application/json");
        if let Some((name, value)) = &self.inner.auth {
            rb = rb.header(name.clone(), value.clone());
        }
        for (name, value) in &req.headers {
            rb = rb.header(*name, value.as_str());
        }
        if let Some(body) = req.body.as_deref() {
            rb = rb
                .header(header::CONTENT_TYPE, "application/json")
                .body(body.to_vec());
        }
        let transport = |e: reqwest::Error| transport_error(endpoint.id, e);
        let mut resp = rb.send().await.map_err(transport)?;
        let status = resp.status();
        let headers = std::mem::take(resp.headers_mut());
        let limit = self.inner.config.max_body_bytes;
        if resp.content_length().is_some_and(|n| n > limit as u64) {
            return Err(too_large(endpoint.id, limit));
        }
        // A body that declares its length (checked above) is read in one go: hyper refuses
        // more bytes than announced. Without a length, chunks are counted as they come.
        let body = if resp.content_length().is_some() {
            resp.bytes().await.map_err(transport)?
        } else {
            let mut buf = BytesMut::new();
            while let Some(chunk) = resp.chunk().await.map_err(transport)? {
                if buf.len() + chunk.len() > limit {
                    return Err(too_large(endpoint.id, limit));
                }
                buf.extend_from_slice(&chunk);
            }
            buf.freeze()
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

/// Decodes a success body, reporting the JSON path and an excerpt on failure.
pub fn decode<T: DeserializeOwned>(
    endpoint: &'static str,
    status: StatusCode,
    body: Bytes,
) -> Result<T, Box<DecodeError>> {
    let fail = |path: String, inner: serde_json::Error| {
        let offset = offset_of(&body, inner.line(), inner.column());
        Box::new(DecodeError {
            endpoint,
            status,
            path,
            message: inner.to_string(),
            line: inner.line(),
            column: inner.column(),
            excerpt: excerpt(&body, offset),
            raw: body.clone(),
        })
    };
    // Fast path: plain serde_json. Only a body that fails is decoded a second time with
    // path tracking, which costs about as much as the decoding itself.
    match serde_json::from_slice::<T>(&body) {
        Ok(value) => Ok(value),
        Err(plain) => {
            let mut de = serde_json::Deserializer::from_slice(&body);
            match serde_path_to_error::deserialize::<_, T>(&mut de) {
                Err(e) => {
                    let path = e.path().to_string();
                    Err(fail(path, e.into_inner()))
                }
                // The value decoded but something follows it: report serde_json's own error.
                Ok(_) => Err(fail(".".to_owned(), plain)),
            }
        }
    }
}

/// [`decode`] into `T`, then `T` encoded as a JSON value: the body as the typed client sees it.
/// (`T`'s encoding cannot fail for generated models; if it did, the error says so.)
pub fn decode_json<T: DeserializeOwned + Serialize>(
    endpoint: &'static str,
    status: StatusCode,
    body: Bytes,
) -> Result<serde_json::Value, Box<DecodeError>> {
    let value = decode::<T>(endpoint, status, body.clone())?;
    serde_json::to_value(&value).map_err(|e| {
        Box::new(DecodeError {
            endpoint,
            status,
            path: ".".to_owned(),
            message: format!("the decoded value cannot be encoded as JSON: {e}"),
            line: 0,
            column: 0,
            excerpt: excerpt(&body, 0),
            raw: body,
        })
    })
}

/// [`decode`] for a JSON array, with the `Vec` sized from the body instead of doubled.
///
/// `serde_json` cannot know how many elements an array holds, so a `Vec` decoded the usual
/// way doubles its capacity as it grows: briefly the old and the new buffer together, and up
/// to twice the memory the list needs at the end. Here each element is decoded on its own,
/// and when the `Vec` is full it grows to the count the remaining bytes predict (from the
/// average size of the elements so far, plus 3 %) — never more than doubling, so no body can
/// make it reserve more than the usual decoding would. The result, and every error (which
/// comes from [`decode`] itself), is the same as `decode::<Vec<T>>`.
pub fn decode_list<T: DeserializeOwned>(
    endpoint: &'static str,
    status: StatusCode,
    body: Bytes,
) -> Result<Vec<T>, Box<DecodeError>> {
    match decode_list_sized(&body) {
        Some(list) => Ok(list),
        // Anything unexpected: the ordinary path decodes it, or explains why it cannot.
        None => decode(endpoint, status, body),
    }
}

fn decode_list_sized<T: DeserializeOwned>(body: &[u8]) -> Option<Vec<T>> {
    let skip_ws = |mut i: usize| {
        while body
            .get(i)
            .is_some_and(|b| matches!(b, b' ' | b'\n' | b'\t' | b'\r'))
        {
            i += 1;
        }
        i
    };
    let mut pos = skip_ws(0);
    if body.get(pos) != Some(&b'[') {
        return None;
    }
    pos = skip_ws(pos + 1);
    let first = pos;
    let mut list: Vec<T> = Vec::new();
    if body.get(pos) == Some(&b']') {
        return (skip_ws(pos + 1) == body.len()).then_some(list);
    }
    loop {
        if list.len() == list.capacity() {
            let len = list.len();
            let grow = if len == 0 {
                4
            } else {
                // Elements left, predicted from the average size so far.
                let per = (pos - first) as f64 / len as f64;
                let left = ((body.len() - pos) as f64 / per.max(1.0) * 1.03) as usize + 1;
                left.clamp(len / 8 + 1, len)
            };
            list.reserve_exact(grow);
        }
        let mut stream = serde_json::Deserializer::from_slice(body.get(pos..)?).into_iter::<T>();
        list.push(stream.next()?.ok()?);
        pos = skip_ws(pos + stream.byte_offset());
        match body.get(pos) {
            Some(b',') => pos = skip_ws(pos + 1),
            Some(b']') => {
                return (skip_ws(pos + 1) == body.len()).then_some(list);
            }
            _ => return None,
        }
    }
}

/// Byte offset of a 1-based line and column in `body`.
fn offset_of(body: &[u8], line: usize, column: usize) -> usize {
    let mut line_start = 0;
    for _ in 1..line {
        match body[line_start..].iter().position(|b| *b == b'\n') {
            Some(i) => line_start += i + 1,
            None => break,
        }
    }
    (line_start + column.saturating_sub(1)).min(body.len())
}
