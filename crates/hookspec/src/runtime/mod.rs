//! The runtime every generated client stands on: configuration, authentication, sending,
//! bounded body reading and decoding. Generated code calls into this module; nothing here
//! knows about a particular API.
//!
//! - `meta`: what the spec says ([`ApiMeta`], [`EndpointMeta`], [`ApiEntry`]);
//! - `request`: [`RequestParts`], checked as they are built;
//! - `builder`: [`Config`], [`CallOptions`], [`ClientBuilder`] (base URL, credentials, TLS);
//! - `send`: [`ClientCore`], the one place where attempts and retries are decided;
//! - `deadline`: the attempts' deadlines, watched by one timer per client;
//! - `decode`: [`decode`], [`decode_list`], [`decode_json`], [`decode_empty`];
//! - `paginate`: [`paginate`], the lazy [`ItemStream`] of a paginated endpoint's items.

mod builder;
mod deadline;
mod decode;
mod meta;
mod paginate;
mod request;
mod send;

pub use builder::{CallOptions, ClientBuilder, Config, FromCore};
pub use decode::{decode, decode_empty, decode_json, decode_json_empty, decode_list};
pub use meta::{ApiEntry, ApiMeta, AuthScheme, EndpointMeta, RateLimit};
pub use paginate::{ItemStream, Page, next_cursor, next_page, paginate};
pub use request::RequestParts;
pub use send::{ClientCore, RawResponse};
