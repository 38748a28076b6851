//! # hookspec-macros
//!
//! The proc-macro shim of hookspec: [`include_api!`] reads an API's spec folder, validates it
//! with `hookspec-spec`, generates code with `hookspec-codegen` and makes cargo track every
//! file it read. All the work lives in those crates; this one only does the I/O.
//!
//! Use it through the `hookspec` crate (`hookspec::include_api!`).

mod expand;

use proc_macro::TokenStream;

/// Generates `pub mod <api> { … }` from the spec folder at the given path, resolved relative
/// to the file that contains the invocation (like `include_str!`).
///
/// ```ignore
/// hookspec::include_api!("../api-specs/fivecents");
/// ```
///
/// Spec problems become compile errors naming `path:line:col`, all of them at once.
#[proc_macro]
pub fn include_api(input: TokenStream) -> TokenStream {
    let path = syn::parse_macro_input!(input as syn::LitStr);
    expand::include_api(&path)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}
