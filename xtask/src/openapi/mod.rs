//! Specs → OpenAPI 3.1 ([`export()`], in `export.rs`) and OpenAPI 3.0/3.1 → spec files
//! ([`import()`], in `import.rs`).
//!
//! What OpenAPI cannot say is kept in `x-` extensions (`x-idempotent`, `x-rate-limit`,
//! `x-aliases`, `x-zero-as-none`, `x-lenient`, `x-boxed`, `x-rust-name`, `x-one-of`, `x-examples`…), so
//! that importing an exported document gives back the same specs.

mod export;
mod import;

pub use export::export;
pub use import::{Imported, import};

use serde_json::Value;

/// Pretty JSON with a trailing newline.
pub fn to_string(doc: &Value) -> String {
    let mut s = serde_json::to_string_pretty(doc).unwrap_or_default();
    s.push('\n');
    s
}
