//! What the spec says about an API and its endpoints, as generated code declares it.

use bytes::Bytes;
use reqwest::{Method, StatusCode};

use crate::error::DecodeError;
pub use crate::retry::RateLimit;

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
