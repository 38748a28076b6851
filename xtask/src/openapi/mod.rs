//! Specs → OpenAPI 3.1 ([`export()`], in `export.rs`), its OpenAPI 3.0.3 form ([`to_3_0()`],
//! in `v3_0.rs`) and OpenAPI 3.0/3.1 → spec files ([`import()`], in `import.rs`).
//!
//! What a spec accepts is said in standard JSON Schema, so that every example of a document
//! fits its schemas (lenient numbers as `anyOf` a number and a numeric string, aliases as
//! properties with an `anyOf` of `required` alternatives). What OpenAPI cannot say is kept in
//! `x-` extensions (`x-idempotent`, `x-rate-limit`, `x-aliases`, `x-zero-as-none`,
//! `x-lenient`, `x-boxed`, `x-rust-name`, `x-one-of`, `x-examples`…), so that importing an
//! exported document gives back the same specs. An API's `webhooks.toml` is exported as
//! OpenAPI 3.1 `webhooks` (`webhooks.rs`; the 3.0.3 form, which has none, leaves them out),
//! not imported yet.

mod export;
mod import;
mod v3_0;
mod webhooks;

pub use export::export;
pub use import::{Imported, import};
pub use v3_0::to_3_0;

use serde_json::Value;

/// Pretty JSON with a trailing newline.
pub fn to_string(doc: &Value) -> String {
    let mut s = serde_json::to_string_pretty(doc).unwrap_or_default();
    s.push('\n');
    s
}
