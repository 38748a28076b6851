//! # hookspec
//!
//! Typed, documented Rust clients for webhook-delivery APIs of video platforms, generated at
//! compile time from one declarative spec file per endpoint (`api-specs/<api>/*.toml`).
//!
//! | module | API | auth |
//! |---|---|---|
//! | [`fivecents`] | 5centscdn transcoding API | `X-API-Key` header |
//! | [`omegastream`] | OmegaStream company API | Bearer token |
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use hookspec::fivecents::{Client, JobSelector, ResendNotificationRequest};
//!
//! let client = Client::new("YOUR_API_KEY")?;
//! let calls = client
//!     .resend_notification(&ResendNotificationRequest { zoneid: 1234, job: JobSelector::Index(0) })
//!     .await?;
//! for call in calls {
//!     println!("{} answered {:?}", call.hook, call.resp_code);
//! }
//! # Ok(()) }
//! ```
//!
//! Every call returns [`Error`]: an API error (status, the body decoded into the API's error
//! model, the raw body), a transport error (saying whether the request may have been
//! delivered), a decode error (with the JSON path and an excerpt of the body) or an invalid
//! request (refused before anything was sent).
//!
//! The bindings are produced by [`include_api!`] from the spec folder; see `api-specs/README.md`
//! for the format and `ARCHITECTURE.md` for how the pieces fit.
//!
//! ## Features
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `rustls` | yes | https base URLs (reqwest's rustls, aws-lc-rs, given to hookspec's clients explicitly) |
//! | `http2` | yes | HTTP/2 over TLS, and retrying what an HTTP/2 server refused unprocessed |
//! | `axum` | no | `webhooks::Webhook`, an axum extractor for deliveries |
//!
//! Cargo unifies features: the reqwest features that `rustls` and `http2` turn on are on for
//! the application's own reqwest too. An application that keeps its reqwest without them
//! depends on hookspec with `default-features = false`.

extern crate self as hookspec;

mod error;
mod retry;
pub mod runtime;
mod types;
pub mod webhooks;

#[doc(hidden)]
pub mod __private;

#[cfg(hookspec_probe)]
#[doc(hidden)]
#[path = "probe.rs"]
pub mod __probe;

pub use error::{
    ApiError, DecodeError, Delivery, Error, InvalidRequest, TransportError, TransportErrorKind,
};
pub use hookspec_macros::include_api;
pub use retry::RetryPolicy;
pub use runtime::{CallOptions, ClientBuilder, RateLimit};
pub use secrecy::SecretString;
pub use types::{CivilDateTime, RawJson, TimeRange, Timestamp, UnixMillis, UnixSeconds};
pub use {bytes, futures, http, reqwest, serde_json};

/// The Rust examples of the workspace README, compiled by `cargo test --doc`.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;

include_api!("../../../api-specs/fivecents");
include_api!("../../../api-specs/omegastream");

/// Every API this crate binds, with its spec text: what the CLI and the emulator work from.
pub static APIS: &[runtime::ApiEntry] = &[
    runtime::ApiEntry {
        meta: &fivecents::API,
        endpoints: fivecents::endpoints::ALL,
        spec_sources: fivecents::Client::SPEC_SOURCES,
    },
    runtime::ApiEntry {
        meta: &omegastream::API,
        endpoints: omegastream::endpoints::ALL,
        spec_sources: omegastream::Client::SPEC_SOURCES,
    },
];

/// Every API of [`APIS`] whose spec declares webhooks, without its types: what `hookspec
/// listen`, `hookspec trigger` and the emulator's deliveries work from.
pub static WEBHOOKS: &[webhooks::WebhookApi] = &[
    webhooks::WebhookApi::of::<fivecents::webhooks::Event>(),
    webhooks::WebhookApi::of::<omegastream::webhooks::Event>(),
];
