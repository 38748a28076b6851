//! Rustdoc from spec docs and examples.

use hookspec_spec::{Api, Auth, Endpoint};
use proc_macro2::TokenStream;
use quote::quote;

/// `#[doc = "…"]` attributes, one per line of `text`.
pub(crate) fn doc_attrs(text: &str) -> TokenStream {
    let lines = text.trim_end().lines().map(|l| {
        let l = if l.is_empty() {
            String::new()
        } else {
            format!(" {l}")
        };
        quote!(#[doc = #l])
    });
    quote!(#(#lines)*)
}

/// A fenced block of JSON, as written in the spec (key order matters to readers).
fn json_block(text: &str) -> String {
    format!("```json\n{}\n```\n", text.trim())
}

pub(crate) fn api_doc(api: &Api) -> TokenStream {
    let mut s = String::new();
    if !api.title.is_empty() {
        s.push_str(&format!("# {}\n\n", api.title));
    }
    s.push_str(&api.doc);
    s.push_str(&format!("\n\nDefault base URL: `{}`.\n", api.base_url));
    match &api.auth {
        Auth::Header { name } => s.push_str(&format!(
            "Authentication: API key in the `{name}` header.\n"
        )),
        Auth::Bearer => s.push_str("Authentication: `Authorization: Bearer <token>`.\n"),
        Auth::None => s.push_str("Authentication: none.\n"),
    }
    if let Some(rl) = api.rate_limit {
        s.push_str(&format!(
            "Rate limit: {} requests per {} s (applied on the client side).\n",
            rl.requests, rl.per_seconds
        ));
    }
    s.push_str("\n| endpoint | method | path |\n|---|---|---|\n");
    for ep in &api.endpoints {
        s.push_str(&format!(
            "| [`Client::{}`] | {} | `{}` |\n",
            ep.name, ep.method, ep.path
        ));
    }
    for ex in &api.error_examples {
        if let Some(resp) = &ex.response {
            s.push_str(&format!(
                "\n## Error example: {} (HTTP {})\n\n",
                ex.title, ex.status
            ));
            s.push_str(&json_block(resp));
        }
    }
    s.push_str(&format!("\nGenerated from `api-specs/{}/`.", api.name));
    doc_attrs(&s)
}

/// Docs of an endpoint's function: summary, description, HTTP line, examples.
pub(crate) fn endpoint_doc(api: &Api, ep: &Endpoint, usage: &str, krate: &str) -> TokenStream {
    let mut s = String::new();
    if !ep.summary.is_empty() {
        s.push_str(&format!("{}.\n\n", ep.summary.trim_end_matches('.')));
    }
    if !ep.doc.is_empty() {
        s.push_str(&ep.doc);
        s.push_str("\n\n");
    }
    s.push_str(&format!("`{} {}`", ep.method, ep.path));
    s.push_str(if ep.idempotent {
        " (idempotent: retried when safe).\n"
    } else {
        " (**not idempotent**: never sent twice by the client once it may have been delivered).\n"
    });
    if !ep.response.doc.is_empty() {
        s.push_str(&format!("\nReturns {}\n", lower_first(&ep.response.doc)));
    }
    if let Some(pg) = &ep.pagination {
        s.push_str(&format!(
            "\nOne call returns one page (query parameter `{}`). \
             `{}_builder(..).into_stream()` yields the items of every page instead, asking for \
             each page only once the items of the one before are consumed.\n",
            pg.param, ep.name
        ));
    }
    let key = match api.auth {
        Auth::None => "",
        Auth::Header { .. } | Auth::Bearer => "\"YOUR_KEY\"",
    };
    s.push_str(&format!(
        "\n# Example\n\n```no_run\n# async fn example() -> Result<(), Box<dyn std::error::Error>> {{\n\
         let client = {krate}::{api}::Client::new({key})?;\n{usage}\n# Ok(()) }}\n```\n",
        api = api.name
    ));
    for ex in &ep.examples {
        let title = if ex.title.is_empty() {
            "Example"
        } else {
            &ex.title
        };
        s.push_str(&format!("\n## {title}\n"));
        if let Some(req) = &ex.request {
            s.push_str("\nRequest body:\n\n");
            s.push_str(&json_block(req));
        }
        if let Some(resp) = &ex.response {
            s.push_str(&format!("\nResponse (HTTP {}):\n\n", ex.status));
            s.push_str(&json_block(resp));
        }
    }
    s.push_str(&format!("\nSpec: `{}`.", ep.file));
    doc_attrs(&s)
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}
