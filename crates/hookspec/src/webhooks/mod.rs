//! Receiving webhooks: what the generated `<api>::webhooks` modules build on.
//!
//! Each API whose spec folder has a `webhooks.toml` gets `hookspec::<api>::webhooks`: an
//! `Event` enum (one variant per event type, typed data, `Unknown` for types the spec does not
//! know), `parse(&HeaderMap, &[u8])` and a [`Receiver`] for settings (secrets, limits). They
//! take headers and bytes, so they work under any HTTP framework; the `axum` feature adds an
#![cfg_attr(feature = "axum", doc = "extractor ([`Webhook`]).")]
#![cfg_attr(not(feature = "axum"), doc = "extractor (`Webhook`).")]
//!
//! ```
//! use hookspec::omegastream::webhooks::{self, Event};
//!
//! # let body = hookspec::omegastream::webhooks::EXAMPLE.as_bytes();
//! let received = webhooks::parse(&hookspec::http::HeaderMap::new(), body)?;
//! match &received.event {
//!     Event::VideoProcessSucceeded(e) => println!("video {} is ready", e.data.uuid),
//!     other => println!("{} event", other.event_type()),
//! }
//! # Ok::<(), hookspec::webhooks::ParseError>(())
//! ```
//!
//! A delivery may arrive more than once (providers retry, 5centscdn resends on demand):
//! [`Received::key`] and a [`Dedup`] (such as [`InMemoryDedup`]) tell repeats apart.
//!
//! The sending side is here too: [`deliver`] POSTs a body as a provider does (signed with a
//! [`Signing`] when the API signs), for tests of a receiver and for re-deliveries.

mod dedup;
mod deliver;
mod error;
mod signature;
mod single_pass;

#[cfg(feature = "axum")]
mod extract;

use std::fmt;
use std::marker::PhantomData;

use bytes::Bytes;
use serde::de::DeserializeOwned;
use sha2::Digest as _;

pub use dedup::{Dedup, InMemoryDedup};
pub use deliver::{DeliverError, Delivered, MAX_ANSWER_BYTES, Signing, deliver};
pub use error::ParseError;
#[cfg(feature = "axum")]
pub use extract::{Webhook, WebhookRejection};
pub use signature::{
    HEADER_ID, HEADER_SIGNATURE, HEADER_TIMESTAMP, Secret, SecretError, signed_headers,
    verify as verify_signature,
};
#[doc(hidden)]
pub use single_pass::{__decode_fast, __flat_or_nested, __scan_tag};

use crate::RawJson;

/// How a provider signs its deliveries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignatureScheme {
    /// Standard Webhooks: `webhook-id`, `webhook-timestamp`, `webhook-signature`.
    StandardWebhooks,
}

/// The events of one API, as generated from its `webhooks.toml`.
pub trait Events: Sized + fmt::Debug + Send + 'static {
    /// The API's module name.
    const API: &'static str;
    /// How deliveries are signed; `None`: they are not, and nothing authenticates them.
    const SIGNATURE: Option<SignatureScheme>;
    /// Default largest body accepted.
    const MAX_BODY_BYTES: usize;
    /// Default tolerance of a signature's timestamp, in seconds.
    const TOLERANCE_SECONDS: u64;
    /// Every event type the spec declares.
    const EVENT_TYPES: &'static [&'static str];

    /// Decodes a body (already checked for size and signature).
    fn decode(body: &[u8]) -> Result<Self, ParseError>;
    /// The event's type as sent (`video.process_failed`), or the name of an untagged event.
    fn event_type(&self) -> &str;
    /// The event's id, when the envelope has one.
    fn event_id(&self) -> Option<&str>;
    /// Whether the spec declares the event's type (not an `Unknown` event).
    fn is_known(&self) -> bool;
}

/// A tagged event: its envelope and its data, decoded into the event's type.
///
/// In generated code the envelope is `<api>::webhooks::Envelope`: every field of the API's
/// envelope model but the data, which is here only as [`Typed::data`] (the delivery's bytes,
/// data included, are in [`Received::raw`]). The data is decoded from the body once, not kept
/// as text a second time.
#[derive(Debug, Clone, PartialEq)]
pub struct Typed<E, D> {
    /// The envelope, without its data.
    pub envelope: E,
    /// The envelope's data, decoded into the event's type.
    pub data: D,
}

/// A delivery that parsed: the event, the exact bytes received and what identifies it.
#[derive(Debug, Clone, PartialEq)]
pub struct Received<E> {
    /// The event.
    pub event: E,
    /// The body, as received.
    pub raw: Bytes,
    /// What de-duplicates the delivery: the event id, or else the `webhook-id` header, or
    /// else `sha256:` and the body's SHA-256 in hex.
    pub key: String,
    /// Whether a signature was checked and matched.
    pub verified: bool,
}

impl<E> Received<E> {
    /// Records the delivery in `dedup` and tells whether it had been seen before.
    pub fn is_duplicate(&self, dedup: &dyn Dedup) -> bool {
        dedup.is_duplicate(&self.key)
    }

    /// The same delivery with another event value.
    pub fn map<F>(self, f: impl FnOnce(E) -> F) -> Received<F> {
        Received {
            event: f(self.event),
            raw: self.raw,
            key: self.key,
            verified: self.verified,
        }
    }
}

/// A receiver's settings, independent of the API (see [`Receiver`]).
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// Secrets accepted (any one may have signed: rotation).
    pub secrets: Vec<Secret>,
    /// Largest body accepted; `None`: the spec's.
    pub max_body_bytes: Option<usize>,
    /// Tolerance of a signature's timestamp, in seconds; `None`: the spec's.
    pub tolerance_seconds: Option<u64>,
    /// A fixed "now" in seconds since the epoch; `None`: the system clock.
    pub now: Option<i64>,
}

fn now_secs() -> i64 {
    jiff::Timestamp::now().as_second()
}

/// Parses deliveries of one API's webhooks: size limit, signature (when the spec declares
/// one), then the typed decoding. `hookspec::<api>::webhooks::Receiver` names it for an API.
pub struct Receiver<E> {
    settings: Settings,
    _events: PhantomData<fn() -> E>,
}

impl<E> fmt::Debug for Receiver<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("settings", &self.settings)
            .finish()
    }
}

impl<E> Clone for Receiver<E> {
    fn clone(&self) -> Self {
        Self {
            settings: self.settings.clone(),
            _events: PhantomData,
        }
    }
}

impl<E: Events> Default for Receiver<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E: Events> Receiver<E> {
    /// A receiver with the spec's limits and no secret.
    pub fn new() -> Self {
        Self::with_settings(Settings::default())
    }

    /// A receiver with these settings.
    pub fn with_settings(settings: Settings) -> Self {
        Self {
            settings,
            _events: PhantomData,
        }
    }

    /// Adds a secret (`whsec_…`); while a secret rotates, add both. For an API whose spec
    /// declares no signature, a secret makes the receiver verify Standard Webhooks signatures
    /// all the same (deliveries through a relay that signs them) and refuse unsigned ones.
    pub fn secret(mut self, whsec: &str) -> Result<Self, SecretError> {
        self.settings.secrets.push(Secret::from_whsec(whsec)?);
        Ok(self)
    }

    /// Sets the largest body accepted.
    pub fn max_body_bytes(mut self, limit: usize) -> Self {
        self.settings.max_body_bytes = Some(limit);
        self
    }

    /// Sets the tolerance of a signature's timestamp.
    pub fn tolerance_seconds(mut self, seconds: u64) -> Self {
        self.settings.tolerance_seconds = Some(seconds);
        self
    }

    /// Checks timestamps against this fixed time (seconds since the epoch) instead of the
    /// clock: for tests and replays.
    pub fn at_time(mut self, now: i64) -> Self {
        self.settings.now = Some(now);
        self
    }

    /// The settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Parses one delivery: its headers and its body as received. The body is copied into
    /// [`Received::raw`]; [`Receiver::parse_bytes`] keeps a `Bytes` body without a copy.
    pub fn parse(&self, headers: &http::HeaderMap, body: &[u8]) -> Result<Received<E>, ParseError> {
        self.parse_with(headers, body, || Bytes::copy_from_slice(body))
    }

    /// [`Receiver::parse`] for a body the caller already holds as [`Bytes`] (what hyper,
    /// axum and reqwest hand out): [`Received::raw`] shares it, no copy.
    pub fn parse_bytes(
        &self,
        headers: &http::HeaderMap,
        body: Bytes,
    ) -> Result<Received<E>, ParseError> {
        self.parse_with(headers, &body, || body.clone())
    }

    fn parse_with(
        &self,
        headers: &http::HeaderMap,
        body: &[u8],
        keep: impl FnOnce() -> Bytes,
    ) -> Result<Received<E>, ParseError> {
        let s = &self.settings;
        let limit = s.max_body_bytes.unwrap_or(E::MAX_BODY_BYTES);
        if body.len() > limit {
            return Err(ParseError::TooLarge {
                size: body.len(),
                limit,
            });
        }
        let mut webhook_id = None;
        // A secret given for an API whose spec declares no signature means the caller expects
        // one (a relay that signs, say): it is verified, not ignored.
        let scheme = E::SIGNATURE
            .or_else(|| (!s.secrets.is_empty()).then_some(SignatureScheme::StandardWebhooks));
        let verified = match scheme {
            None => false,
            Some(SignatureScheme::StandardWebhooks) => {
                let now = s.now.unwrap_or_else(now_secs);
                let tolerance = s.tolerance_seconds.unwrap_or(E::TOLERANCE_SECONDS);
                webhook_id = Some(verify_signature(&s.secrets, headers, body, now, tolerance)?);
                true
            }
        };
        let event = E::decode(body)?;
        let key = match event.event_id() {
            Some(id) => id.to_owned(),
            None => match webhook_id.or_else(|| {
                headers
                    .get(HEADER_ID)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned)
            }) {
                Some(id) => id,
                None => content_key(body),
            },
        };
        Ok(Received {
            event,
            raw: keep(),
            key,
            verified,
        })
    }
}

/// `sha256:` and the body's SHA-256 in hex: the key of a delivery without an id.
pub fn content_key(body: &[u8]) -> String {
    let digest = sha2::Sha256::digest(body);
    let mut key = String::with_capacity(7 + 64);
    key.push_str("sha256:");
    for b in digest {
        key.push_str(&format!("{b:02x}"));
    }
    key
}

/// One event of any API, reduced to what a tool prints (see [`WebhookApi`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// The API.
    pub api: &'static str,
    /// The event's type.
    pub event_type: String,
    /// The event's id, if it has one.
    pub id: Option<String>,
    /// Whether the spec declares the type.
    pub known: bool,
    /// The decoded event, as Rust `Debug` text.
    pub debug: String,
}

/// One API's webhooks, without its types: what the CLI and the emulator work from.
#[derive(Debug, Clone, Copy)]
pub struct WebhookApi {
    /// The API's module name.
    pub api: &'static str,
    /// Every event type the spec declares.
    pub event_types: &'static [&'static str],
    /// How deliveries are signed.
    pub signature: Option<SignatureScheme>,
    /// Parses a delivery with these settings.
    pub parse: SummaryParser,
}

/// Parses a delivery of one API into a [`Summary`] (see [`WebhookApi::parse`]).
pub type SummaryParser =
    fn(&Settings, &http::HeaderMap, &[u8]) -> Result<Received<Summary>, ParseError>;

impl WebhookApi {
    /// The entry of `E`'s API.
    pub const fn of<E: Events>() -> Self {
        Self {
            api: E::API,
            event_types: E::EVENT_TYPES,
            signature: E::SIGNATURE,
            parse: summarize::<E>,
        }
    }
}

fn summarize<E: Events>(
    settings: &Settings,
    headers: &http::HeaderMap,
    body: &[u8],
) -> Result<Received<Summary>, ParseError> {
    let received = Receiver::<E>::with_settings(settings.clone()).parse(headers, body)?;
    Ok(received.map(|e| Summary {
        api: E::API,
        event_type: e.event_type().to_owned(),
        id: e.event_id().map(str::to_owned),
        known: e.is_known(),
        debug: format!("{e:?}"),
    }))
}

/// Decodes a whole body into `T`: [`ParseError::NotJson`] when it is not JSON,
/// [`ParseError::Shape`] with the JSON path otherwise.
#[doc(hidden)]
pub fn __decode_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, ParseError> {
    match serde_json::from_slice::<T>(body) {
        Ok(v) => Ok(v),
        Err(plain) => {
            // A type mismatch may come before a syntax error: check the JSON first.
            if let Err(e) = serde_json::from_slice::<serde::de::IgnoredAny>(body)
                && !e.is_data()
            {
                return Err(ParseError::NotJson {
                    message: e.to_string(),
                    line: e.line(),
                    column: e.column(),
                });
            }
            Err(shape_error::<T>(body, plain, ""))
        }
    }
}

fn shape_error<T: DeserializeOwned>(
    text: &[u8],
    plain: serde_json::Error,
    prefix: &str,
) -> ParseError {
    let mut de = serde_json::Deserializer::from_slice(text);
    let (path, message) = match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Err(e) => (e.path().to_string(), e.into_inner().to_string()),
        Ok(_) => (".".to_owned(), plain.to_string()),
    };
    let path = match (prefix, path.as_str()) {
        ("", _) => path,
        (p, ".") => p.to_owned(),
        (p, rest) if rest.starts_with('[') => format!("{p}{rest}"),
        (p, rest) => format!("{p}.{rest}"),
    };
    ParseError::Shape { path, message }
}

/// Decodes an envelope's raw data into `T`. With a `wrapper`, the data may also arrive nested
/// as `{"<wrapper>": …}`; both forms decode. Errors name the path from the envelope
/// (`data.video.status`).
#[doc(hidden)]
pub fn __decode_data<T: DeserializeOwned>(
    raw: Option<&RawJson>,
    field: &str,
    wrapper: Option<&str>,
) -> Result<T, ParseError> {
    let text = raw.map_or("null", RawJson::get);
    let flat = match serde_json::from_str::<T>(text) {
        Ok(v) => return Ok(v),
        Err(e) => e,
    };
    if let Some(w) = wrapper
        && let Some(inner) = nested(text, w)
    {
        return serde_json::from_str::<T>(inner.get())
            .map_err(|e| shape_error::<T>(inner.get().as_bytes(), e, &format!("{field}.{w}")));
    }
    Err(shape_error::<T>(text.as_bytes(), flat, field))
}

/// The value of an object's only key, when that key is `wrapper`.
fn nested<'a>(text: &'a str, wrapper: &str) -> Option<&'a serde_json::value::RawValue> {
    if !text.trim_start().starts_with('{') {
        return None;
    }
    let map: std::collections::BTreeMap<String, &'a serde_json::value::RawValue> =
        serde_json::from_str(text).ok()?;
    match (map.len(), map.get(wrapper)) {
        (1, Some(v)) => Some(*v),
        _ => None,
    }
}
