//! # hookspec-spec
//!
//! The data model of hookspec's declarative endpoint specs, their loader and their validator.
//!
//! An API is a folder: `api.toml` (name, base URL, auth, rate limit, error models, shared
//! models) and one `*.toml` file per endpoint. [`parse_api`] turns the files' text into a
//! validated [`Api`] or into *every* problem found, each with `file:line:col`
//! ([`Diagnostic`]). [`read_api_dir`] reads such a folder from disk. The format itself is
//! documented in `api-specs/README.md`.
//!
//! This crate does not depend on `syn`: the emulator and the CLI use it at run time on the
//! spec text that the generated bindings embed.

mod diag;
mod load;
mod model;
mod reader;
mod types;
mod value;
mod webhooks;

pub use diag::{Diagnostic, Diagnostics};
pub use load::{ApiSources, SourceFile, parse_api, read_api_dir, read_specs_root, todo_markers};
pub use model::*;
pub use types::{parse_type, rust_ident};
pub use value::{ValueError, describe as describe_json, json_integer};
pub use webhooks::*;
