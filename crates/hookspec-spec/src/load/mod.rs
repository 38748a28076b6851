//! Loading: file text → [`Api`], reporting every problem with its position.
//!
//! - `sources`: what is read — the files of an API folder and the paths shown for them.
//! - `api_file` and `endpoint`: the two kinds of file, TOML → model; `items`: what both may
//!   declare (models, enums, fields, type references, examples).
//! - `validate`: checks of single values and the cross-file checks run once every file is
//!   read.
//!
//! Every problem goes into `State::diags`, and reading goes on.

mod api_file;
mod dup_keys;
mod emulation;
mod endpoint;
mod hints;
mod items;
mod json_pos;
mod names;
mod pagination;
mod sources;
mod todo;
mod validate;
mod webhooks;

use std::sync::Arc;

use toml::de::DeTable;

use crate::diag::{Diagnostic, Diagnostics};
use crate::model::*;
use crate::reader::{Cx, LineIndex, RawString, TableReader};

use api_file::{ApiHeader, read_api_header};
use endpoint::read_endpoint;
pub use sources::{ApiSources, SourceFile, read_api_dir, read_specs_root};
pub use todo::todo_markers;
use validate::{check_error_example, check_example, resolve};

/// A named type reference waiting for every file to be read.
struct PendingRef {
    name: String,
    pos: Pos,
}

/// What reading every file of an API collects.
#[derive(Default)]
struct State {
    diags: Vec<Diagnostic>,
    models: Vec<Model>,
    enums: Vec<EnumDef>,
    refs: Vec<PendingRef>,
    /// Examples to check once every type is known: (type, JSON text, position).
    example_checks: Vec<(TypeRef, String, Pos)>,
    /// Type expressions that do not parse, reported once every model name is known.
    unknown_types: Vec<hints::PendingType>,
    /// Example literals as written, to point inside them.
    raw_strings: Vec<RawString>,
    /// The emulator's resources (`[resources.*]` of the API file).
    resources: Vec<Resource>,
    /// Emulator declarations to check once every file is read.
    emu_checks: Vec<emulation::Check>,
}

/// Parses and validates an API from its files' text.
///
/// Every problem is reported, sorted by file and position; the macro turns each into a
/// compile error naming `file:line:col`.
pub fn parse_api(sources: &ApiSources) -> Result<Api, Diagnostics> {
    let mut st = State::default();
    let api_index = LineIndex::new(Arc::from(sources.api.path.as_str()), &sources.api.text);
    let header = with_doc(&mut st, &api_index, &sources.api.text, read_api_header);
    let mut endpoints = Vec::new();
    let mut pending_webhooks = None;
    for file in &sources.endpoints {
        let index = LineIndex::new(Arc::from(file.path.as_str()), &file.text);
        if webhooks::is_webhooks_file(&file.path) {
            pending_webhooks = with_doc(&mut st, &index, &file.text, webhooks::read_webhooks);
        } else if let Some(ep) = with_doc(&mut st, &index, &file.text, read_endpoint) {
            endpoints.push(ep);
        }
    }
    hints::report_unknown_types(&mut st);
    let Some(mut header) = header else {
        return Err(finish(st.diags));
    };
    resolve(&mut st, &mut header, &mut endpoints);
    check_param_types(&mut st, &endpoints);
    for ep in &endpoints {
        pagination::check_pagination(&mut st, ep);
    }
    let hooks = if st.diags.is_empty() {
        pending_webhooks.and_then(|p| webhooks::resolve_webhooks(&mut st, p))
    } else {
        None
    };
    if !st.diags.is_empty() {
        return Err(finish(st.diags));
    }
    let ApiHeader {
        name,
        title,
        doc,
        base_url,
        auth,
        rate_limit,
        error_models,
        error_examples,
        deny_unknown,
        pos,
    } = header;
    let api = Api {
        name,
        title,
        doc,
        base_url,
        auth,
        rate_limit,
        error_models: error_models.into_iter().map(|(n, _)| n).collect(),
        error_examples,
        models: st.models,
        resources: std::mem::take(&mut st.resources),
        enums: st.enums,
        endpoints,
        deny_unknown,
        webhooks: hooks,
        pos,
    };
    let mut diags = Vec::new();
    for (ty, text, pos) in &st.example_checks {
        check_example(&api, ty, text, pos, &st.raw_strings, &mut diags);
    }
    for ex in &api.error_examples {
        if let Some(text) = &ex.response {
            check_error_example(&api, text, &ex.pos, &mut diags);
        }
    }
    webhooks::check_event_examples(&api, &mut diags);
    validate::check_param_examples(&api, &mut diags);
    emulation::check_emulation(&api, &st.emu_checks, &mut diags);
    // An unfilled `cargo xtask new-endpoint` skeleton: one message per TODO left.
    diags.extend(todo_markers(sources));
    if diags.is_empty() {
        Ok(api)
    } else {
        Err(finish(diags))
    }
}

/// Parameters travel as text: once every name is resolved, a model is refused (an enum is
/// fine).
fn check_param_types(st: &mut State, endpoints: &[Endpoint]) {
    for ep in endpoints {
        let (path, query, headers) = (&ep.path_params, &ep.query, &ep.headers);
        let params = path
            .iter()
            .map(|p| (p, "path parameter"))
            .chain(query.iter().map(|p| (p, "query parameter")))
            .chain(headers.iter().map(|p| (p, "header")));
        for (p, what) in params {
            let ty = match &p.ty {
                TypeRef::Array(inner) => inner.as_ref(),
                other => other,
            };
            if let TypeRef::Model(name) = ty
                && st.models.iter().any(|m| &m.name == name)
            {
                st.diags.push(Diagnostic::new(
                    p.pos.clone(),
                    format!("{what} `{}` must have a scalar type, not `{name}`", p.name),
                ));
            }
        }
    }
}

fn finish(mut diags: Vec<Diagnostic>) -> Diagnostics {
    diags.sort_by(|a, b| {
        (&a.pos.file, a.pos.line, a.pos.col).cmp(&(&b.pos.file, b.pos.line, b.pos.col))
    });
    diags.dedup();
    Diagnostics(diags)
}

/// Parses one file and runs `f` on its root table; TOML syntax errors are reported too.
fn with_doc<T>(
    st: &mut State,
    index: &LineIndex,
    text: &str,
    f: impl FnOnce(&mut State, &mut Cx<'_>, TableReader<'_, '_>) -> T,
) -> T {
    let (doc, errors) = DeTable::parse_recoverable(text);
    let mut diags = std::mem::take(&mut st.diags);
    let mut duplicates = Vec::new();
    for e in errors {
        let offset = e.span().map_or(0, |s| s.start);
        if e.message().trim_end() == "duplicate key" {
            duplicates.push(offset);
            continue;
        }
        diags.push(Diagnostic::new(
            index.pos(offset),
            format!("invalid TOML: {}", e.message().trim_end()),
        ));
    }
    diags.extend(dup_keys::duplicate_keys(
        text,
        doc.get_ref(),
        index,
        &duplicates,
    ));
    let out = {
        let mut cx = Cx {
            index,
            diags: &mut diags,
            raw_strings: Vec::new(),
        };
        let root = TableReader::new(doc.get_ref(), doc.span());
        let out = f(st, &mut cx, root);
        st.raw_strings.append(&mut cx.raw_strings);
        out
    };
    st.diags = diags;
    out
}
