//! The one error type of every call.

use std::fmt;

use bytes::Bytes;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;

/// Maximum number of body bytes quoted in messages.
const EXCERPT: usize = 240;

/// What can go wrong with a call. `B` is the API's error model (each API module has a
/// `type Error = hookspec::Error<ApiErrorBody>`); the CLI uses `serde_json::Value`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error<B = serde_json::Value> {
    /// The server answered with a non-success status.
    #[error(transparent)]
    Api(Box<ApiError<B>>),
    /// The request did not get a complete response: connect error, timeout, reset, body cut.
    #[error(transparent)]
    Transport(Box<TransportError>),
    /// A success response whose body does not decode into the documented type.
    #[error(transparent)]
    Decode(Box<DecodeError>),
    /// The request was refused before anything was sent: bad argument or configuration.
    #[error(transparent)]
    InvalidRequest(#[from] InvalidRequest),
}

impl<B> From<TransportError> for Error<B> {
    fn from(e: TransportError) -> Self {
        Self::Transport(Box::new(e))
    }
}

impl<B> From<DecodeError> for Error<B> {
    fn from(e: DecodeError) -> Self {
        Self::Decode(Box::new(e))
    }
}

impl<B> Error<B> {
    /// The HTTP status, when the server answered (also for a transport error after the status
    /// arrived: a body over the limit, or cut off).
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Self::Api(e) => Some(e.status),
            Self::Decode(e) => Some(e.status),
            Self::Transport(e) => e.status,
            _ => None,
        }
    }

    /// The API error, if the server answered with a non-success status.
    pub fn as_api(&self) -> Option<&ApiError<B>> {
        match self {
            Self::Api(e) => Some(e),
            _ => None,
        }
    }

    /// Whether the request may have reached the server (and so had its effect) although no
    /// usable response came back. Always false for [`Error::InvalidRequest`].
    pub fn may_have_been_delivered(&self) -> bool {
        match self {
            Self::Api(_) | Self::Decode(_) => true,
            Self::Transport(t) => t.delivery != Delivery::NotSent,
            Self::InvalidRequest(_) => false,
        }
    }
}

/// A non-success response.
#[derive(Debug)]
#[non_exhaustive]
pub struct ApiError<B> {
    /// Endpoint called (`fivecents.resend_notification`).
    pub endpoint: &'static str,
    /// HTTP status.
    pub status: StatusCode,
    /// Response headers.
    pub headers: HeaderMap,
    /// Request id header (`x-request-id` and kin), when the server sent one.
    pub request_id: Option<String>,
    /// The body decoded into the API's error model, when it fits one.
    pub body: Option<B>,
    /// The raw body (bounded by the client's body limit).
    pub raw: Bytes,
}

impl<B> ApiError<B> {
    pub(crate) fn new(
        endpoint: &'static str,
        status: StatusCode,
        headers: HeaderMap,
        body: Option<B>,
        raw: Bytes,
    ) -> Self {
        let request_id = request_id(&headers);
        Self {
            endpoint,
            status,
            headers,
            request_id,
            body,
            raw,
        }
    }
}

impl<B> ApiError<B> {
    /// For a redirect (3xx), where it points (`Location`). hookspec never follows redirects
    /// (a credential header would travel to whatever origin the server names): a base URL
    /// that moved is an error that says where to, and the caller decides.
    pub fn redirect_location(&self) -> Option<&str> {
        if !self.status.is_redirection() {
            return None;
        }
        self.headers
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
    }
}

impl<B: fmt::Debug> fmt::Display for ApiError<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} answered HTTP {}", self.endpoint, self.status)?;
        if let Some(location) = self.redirect_location() {
            write!(f, ", a redirect to `{location}` (not followed)")?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " (request id {id})")?;
        }
        if !self.raw.is_empty() {
            write!(f, ": {}", excerpt(&self.raw, 0))?;
        }
        Ok(())
    }
}

impl<B: fmt::Debug> std::error::Error for ApiError<B> {}

/// Whether a failed request may have reached the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Delivery {
    /// The request was certainly not acted upon: it never reached the server (connection
    /// refused, DNS, TLS), or an HTTP/2 server refused it unprocessed (`REFUSED_STREAM`, or a
    /// graceful `GOAWAY` that left it out). Safe to send again, whatever the method.
    NotSent,
    /// The request may have been delivered and acted upon.
    MaybeSent,
}

/// Kinds of transport failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// Could not connect.
    Connect,
    /// A timeout ran out.
    Timeout,
    /// The connection broke, or the body ended early.
    Io,
    /// The response body was larger than the client's limit.
    BodyTooLarge,
    /// An HTTP/2 server refused the request without processing it (`REFUSED_STREAM`, or a
    /// graceful `GOAWAY` that left it out): [`Delivery::NotSent`], retried whatever the method.
    Refused,
    /// Anything else reqwest reports.
    Other,
}

/// The request did not get a complete response.
#[derive(Debug, thiserror::Error)]
#[error("{endpoint}: {message}{}", if *.delivery == Delivery::MaybeSent { " (the request may have been delivered)" } else { "" })]
#[non_exhaustive]
pub struct TransportError {
    /// Endpoint called.
    pub endpoint: &'static str,
    /// What kind of failure.
    pub kind: TransportErrorKind,
    /// Whether the request may have reached the server.
    pub delivery: Delivery,
    /// Human-readable description.
    pub message: String,
    /// Attempts made, this one included.
    pub attempts: u32,
    /// The status of a response whose status and headers arrived but whose body could not be
    /// read whole (larger than the limit, or the connection broke in it); `None` when no
    /// response came.
    pub status: Option<StatusCode>,
    /// Underlying error.
    #[source]
    pub source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

/// A success response whose body does not decode.
#[derive(Debug, thiserror::Error)]
#[error("{endpoint}: cannot decode the response at `{path}`: {message} (body: {excerpt})")]
#[non_exhaustive]
pub struct DecodeError {
    /// Endpoint called.
    pub endpoint: &'static str,
    /// HTTP status of the response.
    pub status: StatusCode,
    /// JSON path of the failure (`[3].created_at`; `.` for the whole body).
    pub path: String,
    /// What serde said.
    pub message: String,
    /// Line and column in the body.
    pub line: usize,
    /// Column in the body.
    pub column: usize,
    /// The body around the failure.
    pub excerpt: String,
    /// The raw body (bounded by the client's body limit).
    pub raw: Bytes,
}

/// The request was refused before anything was sent.
#[derive(Debug, Clone, thiserror::Error)]
#[error("invalid request{}: {message}", endpoint.map(|e| format!(" to {e}")).unwrap_or_default())]
#[non_exhaustive]
pub struct InvalidRequest {
    /// Endpoint, when the problem is with a call rather than the client configuration.
    pub endpoint: Option<&'static str>,
    /// What is wrong.
    pub message: String,
}

impl InvalidRequest {
    pub(crate) fn new(endpoint: Option<&'static str>, message: impl Into<String>) -> Self {
        Self {
            endpoint,
            message: message.into(),
        }
    }
}

/// Up to [`EXCERPT`] characters of `raw` around byte `at`, lossily decoded.
pub(crate) fn excerpt(raw: &[u8], at: usize) -> String {
    let start = at.saturating_sub(EXCERPT / 2).min(raw.len());
    let end = (start + EXCERPT).min(raw.len());
    let text = String::from_utf8_lossy(&raw[start..end]);
    let mut s: String = text
        .chars()
        .filter(|c| !c.is_control() || *c == ' ')
        .collect();
    if start > 0 {
        s.insert(0, '…');
    }
    if end < raw.len() {
        s.push('…');
    }
    s
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
