//! Specs → OpenAPI 3.1 ([`export()`], in `export.rs`), its OpenAPI 3.0.3 form ([`to_3_0()`],
//! in `v3_0.rs`) and OpenAPI 3.0/3.1 → spec files ([`import()`], in `import.rs`).
//!
//! What a spec accepts is said in standard JSON Schema, so that every example of a document
//! fits its schemas (lenient numbers as `anyOf` a number and a numeric string, aliases as
//! properties with an `anyOf` of `required` alternatives). What OpenAPI cannot say is kept in
//! `x-` extensions (`x-idempotent`, `x-rate-limit`, `x-aliases`, `x-zero-as-none`,
//! `x-lenient`, `x-boxed`, `x-rust-name`, `x-one-of`, `x-examples`…), so that importing an
//! exported document gives back the same specs. An API's `webhooks.toml` is exported as
//! OpenAPI 3.1 `webhooks` plus `x-hookspec-webhooks`, which says all of the file (the 3.0.3
//! form has no `webhooks` and keeps only the extension); import reads the extension back, or,
//! in a document without it, a plain 3.1 `webhooks` section (`webhooks.rs`). A document of the
//! wrong shape is an [`ImportError`]; what it cannot express is a warning.

mod export;
mod import;
mod v3_0;
mod webhooks;

pub use export::export;
pub use import::{Imported, import};
pub use v3_0::to_3_0;

use serde_json::Value;

/// Why a document could not be imported (what it only cannot express is a warning instead).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ImportError {
    /// `openapi` is not 3.0.x or 3.1.x (a Swagger 2.0 document, or no document at all).
    #[error("not an OpenAPI 3.0/3.1 document (openapi = {0:?})")]
    NotOpenApi(String),
    /// A part of the document does not have the shape OpenAPI (or hookspec's `x-` extension)
    /// gives it.
    #[error("{at}: {message}")]
    Malformed {
        /// JSON pointer of the offending value (`/x-hookspec-webhooks/events/0/name`).
        at: String,
        /// What is wrong with it.
        message: String,
    },
}

/// Pretty JSON with a trailing newline.
pub fn to_string(doc: &Value) -> String {
    let mut s = serde_json::to_string_pretty(doc).unwrap_or_default();
    s.push('\n');
    s
}
