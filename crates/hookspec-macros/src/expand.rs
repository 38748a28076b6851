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
    let parse = |sources: &hookspec_spec::ApiSources| {
        hookspec_spec::parse_api(sources).map_err(|diags| {
            diags
                .0
                .iter()
                .map(|d| syn::Error::new(lit.span(), d.to_string()))
                .reduce(|mut all, e| {
                    all.combine(e);
                    all
                })
                .unwrap_or_else(|| syn::Error::new(lit.span(), "invalid API spec"))
        })
    };
    let mut api = parse(&sources)?;
    // Diagnostics may name a folder outside the workspace by its absolute path, but what is
    // generated (rustdoc, `SPEC_SOURCES`) must not: relabel the files and parse again.
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from);
    let relabeled = relabel(&sources, &files, |p| {
        output_path(p, &cwd, manifest_dir.as_deref())
    });
    let sources = match relabeled {
        Some(relabeled) => {
            api = parse(&relabeled)?;
            relabeled
        }
        None => sources,
    };
    // The doc examples name the module through the crate being compiled (`hookspec::fivecents`
    // in hookspec, `hookspec_fixture::fixture` in the fixture crate), so that they compile as
    // its doctests. Cargo sets `CARGO_CRATE_NAME` for every rustc and rustdoc it runs.
    let krate = std::env::var("CARGO_CRATE_NAME").unwrap_or_else(|_| "hookspec".to_owned());
    let generated = hookspec_codegen::generate_api_in(&api, &krate);
    let module = quote::format_ident!("{}", api.name);
    // `include_bytes!` makes cargo rebuild when a file read here changes (as askama does);
    // the crate's build script catches files added to the folder.
    let tracked = files.iter().map(|f| {
        let path = f.to_string_lossy().into_owned();
        quote!(
            const _: &[u8] = ::core::include_bytes!(#path);
        )
    });
    let sources = sources.files().zip(&files).map(|(f, path)| {
        let shown = &f.path;
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

/// The sources with every file shown as `shown` gives it (`files` are the real paths, in the
/// order of [`ApiSources::files`]); `None` when no label changes.
///
/// [`ApiSources::files`]: hookspec_spec::ApiSources::files
fn relabel(
    sources: &hookspec_spec::ApiSources,
    files: &[PathBuf],
    shown: impl Fn(&Path) -> String,
) -> Option<hookspec_spec::ApiSources> {
    let labels: Vec<String> = files.iter().map(|p| shown(p)).collect();
    if sources.files().zip(&labels).all(|(f, l)| f.path == *l) {
        return None;
    }
    let pairs: Vec<(&str, &str)> = labels
        .iter()
        .zip(sources.files())
        .map(|(l, f)| (l.as_str(), f.text.as_str()))
        .collect();
    hookspec_spec::ApiSources::from_pairs(&pairs)
}

/// The path by which generated code names a spec file: never absolute, so that neither the
/// rustdoc nor `SPEC_SOURCES` depends on where the crate is built. Relative to the workspace
/// root (rustc's working directory) when the file is under it, as in diagnostics; else relative
/// to the invoking crate's directory (`CARGO_MANIFEST_DIR`), with `..` if need be; else, when
/// no relative path exists (another drive), the API folder's name and the file name.
fn output_path(p: &Path, cwd: &Path, manifest_dir: Option<&Path>) -> String {
    if p.is_relative() {
        return p.to_string_lossy().into_owned();
    }
    if let Ok(rel) = p.strip_prefix(cwd)
        && cwd.is_absolute()
    {
        return rel.to_string_lossy().into_owned();
    }
    if let Some(rel) = manifest_dir.and_then(|base| relative_to(p, base)) {
        return rel;
    }
    let mut tail: Vec<String> = p
        .components()
        .rev()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            _ => None,
        })
        .take(2)
        .collect();
    tail.reverse();
    tail.join("/")
}

/// `p` relative to the directory `base` (both absolute, same root), `/`-separated, with `..`
/// where `p` is not under `base`.
fn relative_to(p: &Path, base: &Path) -> Option<String> {
    if !base.is_absolute() {
        return None;
    }
    let (p, base) = (normalize(p), normalize(base));
    let mut pc = p.components().peekable();
    let mut bc = base.components().peekable();
    // The same prefix and root, or no relative path exists.
    while let (Some(a), Some(b)) = (pc.peek(), bc.peek()) {
        match (a, b) {
            (Component::Normal(_), Component::Normal(_)) if a != b => break,
            _ if a == b => {
                pc.next();
                bc.next();
            }
            _ => return None,
        }
    }
    if pc
        .peek()
        .is_some_and(|c| !matches!(c, Component::Normal(_)))
    {
        return None;
    }
    let parts: Vec<String> = bc
        .map(|_| "..".to_owned())
        .chain(pc.map(|c| c.as_os_str().to_string_lossy().into_owned()))
        .collect();
    (!parts.is_empty()).then(|| parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proc_macro2::TokenTree;

    fn workspace_root() -> PathBuf {
        normalize(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."))
    }

    /// Every string literal of `tokens` but the paths given to `include_bytes!`/`include_str!`
    /// (those must be real paths; they are read by the compiler, not emitted).
    fn emitted_strings(tokens: TokenStream, out: &mut Vec<String>) {
        let mut include = false;
        for tt in tokens {
            match tt {
                TokenTree::Ident(i) => include = i == "include_bytes" || i == "include_str",
                TokenTree::Punct(p) if p.as_char() == '!' => {}
                TokenTree::Group(_) if include => include = false,
                TokenTree::Group(g) => emitted_strings(g.stream(), out),
                TokenTree::Literal(l) => {
                    include = false;
                    out.push(l.to_string());
                }
                TokenTree::Punct(_) => include = false,
            }
        }
    }

    #[test]
    fn generated_code_names_no_absolute_path() {
        let root = workspace_root();
        let dir = root.join("api-specs/fivecents");
        // An absolute folder outside the working directory of the test (the crate's own).
        let lit = syn::LitStr::new(&dir.to_string_lossy(), Span::call_site());
        let tokens = include_api(&lit).unwrap_or_else(|e| panic!("{e}"));
        let mut strings = Vec::new();
        emitted_strings(tokens, &mut strings);
        let root = root.to_string_lossy().into_owned();
        let absolute: Vec<&String> = strings.iter().filter(|s| s.contains(&root)).collect();
        assert!(
            absolute.is_empty(),
            "absolute paths in generated code: {absolute:#?}"
        );
        let shown = |file: &str| match std::env::var_os("CARGO_MANIFEST_DIR") {
            Some(_) => format!("../../api-specs/fivecents/{file}"),
            None => format!("fivecents/{file}"),
        };
        assert!(
            strings
                .iter()
                .any(|s| s.contains(&format!("Spec: `{}`", shown("list_encode_jobs.toml")))),
            "the rustdoc names the spec file relative to the crate"
        );
        assert!(
            strings.contains(&format!("{:?}", shown("api.toml"))),
            "SPEC_SOURCES names the API file relative to the crate"
        );
    }

    #[test]
    fn output_paths_are_never_absolute() {
        let cwd = Path::new("/ws");
        let krate = Path::new("/ws/target/tests/crate");
        let cases = [
            ("/ws/api-specs/a/api.toml", "api-specs/a/api.toml"),
            (
                "/elsewhere/specs/a/api.toml",
                "../../../../elsewhere/specs/a/api.toml",
            ),
            (
                "/ws/target/tests/crate/specs/api.toml",
                "target/tests/crate/specs/api.toml",
            ),
            ("api-specs/a/x.toml", "api-specs/a/x.toml"),
        ];
        for (p, want) in cases {
            assert_eq!(output_path(Path::new(p), cwd, Some(krate)), want);
        }
        // Without a working directory or a crate directory: the folder and file names.
        let shown = output_path(Path::new("/x/y/a/api.toml"), Path::new(""), None);
        assert_eq!(shown, "a/api.toml");
        let shown = output_path(Path::new("/x/y/a/api.toml"), Path::new(""), Some(krate));
        assert_eq!(shown, "../../../../x/y/a/api.toml");
        assert_eq!(
            relative_to(Path::new("/ws/a/../b/f.toml"), Path::new("/ws/c")),
            Some("../b/f.toml".to_owned())
        );
        assert_eq!(relative_to(Path::new("/ws"), Path::new("/ws")), None);
    }
}
