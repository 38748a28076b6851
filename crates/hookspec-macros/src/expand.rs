//! Reads the spec folder, calls codegen, tracks the files read.

use std::path::{Component, Path, PathBuf};

use proc_macro2::{Span, TokenStream};
use quote::quote;

/// Expands `include_api!("<dir>")`.
pub(crate) fn include_api(lit: &syn::LitStr) -> syn::Result<TokenStream> {
    let dir = resolve(lit)?;
    let cwd = std::env::current_dir().unwrap_or_default();
    let display = |p: &Path| display_path(p, &cwd);
    let (sources, files) = hookspec_spec::read_api_dir(&dir, &display).map_err(|e| {
        syn::Error::new(lit.span(), format!("cannot read the API spec folder: {e}"))
    })?;
    let api = hookspec_spec::parse_api(&sources).map_err(|diags| {
        diags
            .0
            .iter()
            .map(|d| syn::Error::new(lit.span(), d.to_string()))
            .reduce(|mut all, e| {
                all.combine(e);
                all
            })
            .unwrap_or_else(|| syn::Error::new(lit.span(), "invalid API spec"))
    })?;
    let generated = hookspec_codegen::generate_api(&api);
    let module = quote::format_ident!("{}", api.name);
    // `include_bytes!` makes cargo rebuild when a file read here changes (as askama does);
    // the crate's build script catches files added to the folder.
    let tracked = files.iter().map(|f| {
        let path = f.to_string_lossy().into_owned();
        quote!(
            const _: &[u8] = ::core::include_bytes!(#path);
        )
    });
    let sources = sources.files().map(|f| {
        let shown = &f.path;
        let path = dir.join(Path::new(&f.path).file_name().unwrap_or_default());
        let path = path.to_string_lossy().into_owned();
        quote!((#shown, ::core::include_str!(#path)))
    });
    Ok(quote! {
        #generated

        const _: () = {
            #(#tracked)*
        };

        impl #module::Client {
            /// The spec files this module was generated from (display path, text), the API
            /// file first: the emulator and the CLI read the same specs at run time.
            pub const SPEC_SOURCES: &'static [(&'static str, &'static str)] = &[#(#sources),*];
        }
    })
}

/// The spec folder: relative paths are relative to the invoking source file.
fn resolve(lit: &syn::LitStr) -> syn::Result<PathBuf> {
    let raw = PathBuf::from(lit.value());
    if raw.is_absolute() {
        return Ok(raw);
    }
    let file = Span::call_site().unwrap().local_file().ok_or_else(|| {
        syn::Error::new(
            lit.span(),
            "cannot tell which file invokes `include_api!`; use an absolute path",
        )
    })?;
    let base = file.parent().map(Path::to_path_buf).unwrap_or_default();
    let base = if base.is_absolute() {
        base
    } else {
        std::env::current_dir().unwrap_or_default().join(base)
    };
    Ok(normalize(&base.join(raw)))
}

/// Removes `.` and `..` components without touching the file system.
fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// The path shown in diagnostics: relative to the directory cargo runs rustc in (the
/// workspace root), so messages read `api-specs/fivecents/api.toml:3:1`.
fn display_path(p: &Path, cwd: &Path) -> String {
    p.strip_prefix(cwd)
        .unwrap_or(p)
        .to_string_lossy()
        .into_owned()
}
