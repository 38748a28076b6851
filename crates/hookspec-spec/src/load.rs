//! Loading: file text → [`Api`], reporting every problem with its position.

use std::collections::{BTreeMap, HashSet};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::diag::{Diagnostic, Diagnostics};
use crate::model::*;
use crate::reader::{Cx, LineIndex, TableReader};
use crate::types::{is_keyword, is_pascal_ident, is_snake_ident, parse_type, rust_ident};

/// The text of one spec file and the path to show in diagnostics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// Display path, e.g. `api-specs/fivecents/api.toml`.
    pub path: String,
    /// File contents.
    pub text: String,
}

/// The files of one API folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiSources {
    /// `api.toml`.
    pub api: SourceFile,
    /// One file per endpoint, sorted by path.
    pub endpoints: Vec<SourceFile>,
}

impl ApiSources {
    /// The sources from `(display path, text)` pairs, the API file first — the form in which
    /// generated bindings embed their specs (`Client::SPEC_SOURCES`). `None` when empty.
    pub fn from_pairs(pairs: &[(&str, &str)]) -> Option<Self> {
        let file = |(path, text): &(&str, &str)| SourceFile {
            path: (*path).to_owned(),
            text: (*text).to_owned(),
        };
        let (first, rest) = pairs.split_first()?;
        Some(Self {
            api: file(first),
            endpoints: rest.iter().map(file).collect(),
        })
    }

    /// Every file, the API file first.
    pub fn files(&self) -> impl Iterator<Item = &SourceFile> {
        std::iter::once(&self.api).chain(&self.endpoints)
    }
}

/// Reads an API folder: `api.toml` and every other `*.toml` file in it (sorted, so that the
/// output is deterministic). `display` maps a file's path to the path shown in diagnostics.
///
/// Returns the sources and the real paths read, for build tracking.
pub fn read_api_dir(
    dir: &Path,
    display: &dyn Fn(&Path) -> String,
) -> io::Result<(ApiSources, Vec<PathBuf>)> {
    let read = |path: &Path| -> io::Result<SourceFile> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", display(path))))?;
        Ok(SourceFile {
            path: display(path),
            text,
        })
    };
    let api_path = dir.join("api.toml");
    let api = read(&api_path)?;
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", display(dir))))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension().is_some_and(|x| x == "toml") && p.file_name() != Some("api.toml".as_ref())
        })
        .collect();
    paths.sort();
    let endpoints = paths.iter().map(|p| read(p)).collect::<io::Result<_>>()?;
    let mut all = vec![api_path];
    all.extend(paths);
    Ok((ApiSources { api, endpoints }, all))
}

/// Every API folder (a folder holding an `api.toml`) directly under `root`, sorted by name.
pub fn read_specs_root(root: &Path) -> io::Result<Vec<PathBuf>> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("api.toml").is_file())
        .collect();
    dirs.sort();
    Ok(dirs)
}

/// A named type reference waiting for every file to be read.
struct PendingRef {
    name: String,
    pos: Pos,
}

#[derive(Default)]
struct State {
    diags: Vec<Diagnostic>,
    models: Vec<Model>,
    enums: Vec<EnumDef>,
    refs: Vec<PendingRef>,
    /// Examples to check once every type is known: (type, JSON text, position).
    example_checks: Vec<(TypeRef, String, Pos)>,
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
    for file in &sources.endpoints {
        let index = LineIndex::new(Arc::from(file.path.as_str()), &file.text);
        if let Some(ep) = with_doc(&mut st, &index, &file.text, read_endpoint) {
            endpoints.push(ep);
        }
    }
    let Some(mut header) = header else {
        return Err(finish(st.diags));
    };
    resolve(&mut st, &mut header, &mut endpoints);
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
        enums: st.enums,
        endpoints,
        pos,
    };
    let mut diags = Vec::new();
    for (ty, text, pos) in &st.example_checks {
        check_example(&api, ty, text, pos, &mut diags);
    }
    for ex in &api.error_examples {
        if let Some(text) = &ex.response {
            check_error_example(&api, text, &ex.pos, &mut diags);
        }
    }
    if diags.is_empty() {
        Ok(api)
    } else {
        Err(finish(diags))
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
    for e in errors {
        let pos = index.pos(e.span().map_or(0, |s| s.start));
        diags.push(Diagnostic::new(
            pos,
            format!("invalid TOML: {}", e.message().trim_end()),
        ));
    }
    let out = {
        let mut cx = Cx {
            index,
            diags: &mut diags,
        };
        let root = TableReader::new(doc.get_ref(), doc.span());
        f(st, &mut cx, root)
    };
    st.diags = diags;
    out
}

struct ApiHeader {
    name: String,
    title: String,
    doc: String,
    base_url: String,
    auth: Auth,
    rate_limit: Option<RateLimit>,
    error_models: Vec<(String, Pos)>,
    error_examples: Vec<Example>,
    pos: Pos,
}

fn read_api_header(
    st: &mut State,
    cx: &mut Cx<'_>,
    mut t: TableReader<'_, '_>,
) -> Option<ApiHeader> {
    let pos = cx.pos(&(0..0));
    let name = t.required_string(cx, "name", "the API file");
    if let Some(n) = &name
        && !is_snake_ident(n.get_ref())
    {
        cx.error(
            &n.span(),
            format!("API name `{}` must be a snake_case identifier", n.get_ref()),
        );
    }
    let title = t.string(cx, "title");
    let doc = t.string(cx, "doc");
    let base_url = t.required_string(cx, "base_url", "the API file");
    if let Some(u) = &base_url {
        check_base_url(cx, u);
    }
    let auth = match t.table(cx, "auth") {
        Some(mut a) => {
            let scheme = a.required_string(cx, "scheme", "`auth`");
            let header = a.string(cx, "header");
            let _doc = a.string(cx, "doc");
            let auth = match scheme.as_ref().map(|s| s.get_ref().as_str()) {
                Some("header") => match header {
                    Some(h) if is_header_name(h.get_ref()) => Auth::Header {
                        name: h.into_inner(),
                    },
                    Some(h) => {
                        cx.error(
                            &h.span(),
                            format!("`{}` is not a valid header name", h.get_ref()),
                        );
                        Auth::None
                    }
                    None => {
                        cx.error(
                            &a.span,
                            "`auth.scheme = \"header\"` needs `header = \"<name>\"`",
                        );
                        Auth::None
                    }
                },
                Some("bearer") => Auth::Bearer,
                Some("none") => Auth::None,
                Some(other) => {
                    if let Some(s) = &scheme {
                        cx.error(
                            &s.span(),
                            format!(
                                "unknown auth scheme `{other}` (expected header, bearer or none)"
                            ),
                        );
                    }
                    Auth::None
                }
                None => Auth::None,
            };
            a.finish(cx, "`auth`");
            auth
        }
        None => Auth::None,
    };
    let rate_limit = t.table(cx, "rate_limit").and_then(|mut r| {
        let requests = r.uint(cx, "requests");
        let per = r.uint(cx, "per_seconds");
        r.finish(cx, "`rate_limit`");
        let (requests, per) = (requests?, per?);
        let positive = |cx: &mut Cx<'_>, v: &Spanned<u64>, key: &str| -> Option<u32> {
            match u32::try_from(*v.get_ref()) {
                Ok(n) if n > 0 => Some(n),
                _ => {
                    cx.error(
                        &v.span(),
                        format!("`{key}` must be between 1 and {}", u32::MAX),
                    );
                    None
                }
            }
        };
        Some(RateLimit {
            requests: positive(cx, &requests, "requests")?,
            per_seconds: positive(cx, &per, "per_seconds")?,
        })
    });
    let mut error_models = Vec::new();
    let mut error_examples = Vec::new();
    if let Some(mut e) = t.table(cx, "errors") {
        for m in e.strings(cx, "models").unwrap_or_default() {
            let pos = cx.pos(&m.span());
            error_models.push((m.into_inner(), pos));
        }
        error_examples = e
            .tables(cx, "examples")
            .into_iter()
            .map(|ex| read_example(cx, ex))
            .collect();
        e.finish(cx, "`errors`");
    }
    read_models_and_enums(st, cx, &mut t);
    t.finish(cx, "the API file");
    Some(ApiHeader {
        name: name?.into_inner(),
        title: title.map(Spanned::into_inner).unwrap_or_default(),
        doc: doc.map(Spanned::into_inner).unwrap_or_default(),
        base_url: base_url?.into_inner().trim_end_matches('/').to_owned(),
        auth,
        rate_limit,
        error_models,
        error_examples,
        pos,
    })
}

fn check_base_url(cx: &mut Cx<'_>, u: &Spanned<String>) {
    match url::Url::parse(u.get_ref()) {
        Ok(url) if !matches!(url.scheme(), "http" | "https") => cx.error(
            &u.span(),
            format!("base URL `{}` must use http or https", u.get_ref()),
        ),
        Ok(url) if url.host().is_none() => {
            cx.error(&u.span(), format!("base URL `{}` has no host", u.get_ref()));
        }
        Ok(url) if url.query().is_some() || url.fragment().is_some() => cx.error(
            &u.span(),
            format!(
                "base URL `{}` must not have a query or fragment",
                u.get_ref()
            ),
        ),
        Ok(_) => {}
        Err(e) => cx.error(
            &u.span(),
            format!("invalid base URL `{}`: {e}", u.get_ref()),
        ),
    }
}

fn is_header_name(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

fn read_models_and_enums(st: &mut State, cx: &mut Cx<'_>, t: &mut TableReader<'_, '_>) {
    for (name, m) in t.named_tables(cx, "models") {
        if let Some(model) = read_model(st, cx, name, m, "model") {
            st.models.push(model);
        }
    }
    for (name, e) in t.named_tables(cx, "enums") {
        if let Some(def) = read_enum(cx, name, e) {
            st.enums.push(def);
        }
    }
}

fn read_model(
    st: &mut State,
    cx: &mut Cx<'_>,
    name: Spanned<String>,
    mut t: TableReader<'_, '_>,
    what: &str,
) -> Option<Model> {
    let pos = cx.pos(&name.span());
    if !is_pascal_ident(name.get_ref()) {
        cx.error(
            &name.span(),
            format!(
                "{what} name `{}` must be a PascalCase identifier",
                name.get_ref()
            ),
        );
    }
    let doc = t
        .string(cx, "doc")
        .map(Spanned::into_inner)
        .unwrap_or_default();
    let example = t.string(cx, "example");
    let mut fields: Vec<Field> = Vec::new();
    let mut wire_names: HashSet<String> = HashSet::new();
    for (fname, ft) in t.named_tables(cx, "fields") {
        let Some(field) = read_field(st, cx, &fname, ft) else {
            continue;
        };
        for wire in std::iter::once(&field.name).chain(&field.aliases) {
            if !wire_names.insert(wire.clone()) {
                cx.error(
                    &fname.span(),
                    format!("duplicate field `{wire}` in {what} `{}`", name.get_ref()),
                );
            }
        }
        if let Some(other) = fields.iter().find(|f| f.rust_name == field.rust_name) {
            cx.error(
                &fname.span(),
                format!(
                    "duplicate field: `{}` and `{}` both become the Rust field `{}`; set `rust_name`",
                    other.name, field.name, field.rust_name
                ),
            );
        }
        fields.push(field);
    }
    let mut one_of = Vec::new();
    for mut g in t.tables(cx, "one_of") {
        let gpos = cx.pos(&g.span);
        let field = g.required_string(cx, "field", "a `one_of` group");
        let type_name = g.required_string(cx, "type_name", "a `one_of` group");
        let gdoc = g
            .string(cx, "doc")
            .map(Spanned::into_inner)
            .unwrap_or_default();
        let members = g.strings(cx, "members").unwrap_or_default();
        let gspan = g.span.clone();
        g.finish(cx, "a `one_of` group");
        if members.len() < 2 {
            cx.error(
                &gspan,
                "a `one_of` group needs `members` with at least two fields",
            );
        }
        for m in &members {
            match fields.iter().find(|f| &f.name == m.get_ref()) {
                None => cx.error(
                    &m.span(),
                    format!(
                        "one_of group names unknown field `{}` (fields of `{}`: {})",
                        m.get_ref(),
                        name.get_ref(),
                        fields.iter().map(|f| f.name.as_str()).collect::<Vec<_>>().join(", ")
                    ),
                ),
                Some(f) if f.optional || f.nullable || f.boxed => cx.error(
                    &m.span(),
                    format!(
                        "field `{}` is in a one_of group, so it must not be marked optional, nullable or boxed",
                        m.get_ref()
                    ),
                ),
                Some(_) => {}
            }
        }
        if let Some(f) = &field
            && (!is_snake_ident(f.get_ref()) || is_keyword(f.get_ref()))
        {
            cx.error(
                &f.span(),
                format!("`{}` must be a snake_case identifier", f.get_ref()),
            );
        }
        if let Some(tn) = &type_name
            && !is_pascal_ident(tn.get_ref())
        {
            cx.error(
                &tn.span(),
                format!("`{}` must be a PascalCase identifier", tn.get_ref()),
            );
        }
        if let (Some(field), Some(type_name)) = (field, type_name) {
            one_of.push(OneOf {
                field: field.into_inner(),
                type_name: type_name.into_inner(),
                doc: gdoc,
                members: members.into_iter().map(Spanned::into_inner).collect(),
                pos: gpos,
            });
        }
    }
    for (i, g) in one_of.iter().enumerate() {
        for m in &g.members {
            if one_of[..i].iter().any(|o| o.members.contains(m)) {
                cx.error_at(
                    g.pos.clone(),
                    format!("field `{m}` is in two one_of groups"),
                );
            }
        }
    }
    t.finish(cx, &format!("{what} `{}`", name.get_ref()));
    if let Some(ex) = &example {
        st.example_checks.push((
            TypeRef::Model(name.get_ref().clone()),
            ex.get_ref().clone(),
            cx.pos(&ex.span()),
        ));
    }
    Some(Model {
        name: name.into_inner(),
        doc,
        fields,
        one_of,
        example: example.map(Spanned::into_inner),
        pos,
    })
}

fn read_type(st: &mut State, cx: &mut Cx<'_>, ty: &Spanned<String>) -> Option<TypeRef> {
    match parse_type(ty.get_ref()) {
        Ok(t) => {
            collect_refs(&t, &mut |name| {
                st.refs.push(PendingRef {
                    name: name.to_owned(),
                    pos: cx.pos(&ty.span()),
                });
            });
            Some(t)
        }
        Err(e) => {
            cx.error(&ty.span(), e);
            None
        }
    }
}

fn collect_refs(t: &TypeRef, f: &mut impl FnMut(&str)) {
    match t {
        TypeRef::Array(i) | TypeRef::Map(i) => collect_refs(i, f),
        TypeRef::Model(n) | TypeRef::Enum(n) => f(n),
        _ => {}
    }
}

fn read_field(
    st: &mut State,
    cx: &mut Cx<'_>,
    name: &Spanned<String>,
    mut t: TableReader<'_, '_>,
) -> Option<Field> {
    let ty = t.required_string(cx, "type", &format!("field `{}`", name.get_ref()));
    let doc = t
        .string(cx, "doc")
        .map(Spanned::into_inner)
        .unwrap_or_default();
    let optional = t.bool(cx, "optional").unwrap_or(false);
    let nullable = t.bool(cx, "nullable").unwrap_or(false);
    let zero_as_none = t.bool(cx, "zero_as_none").unwrap_or(false);
    let lenient = t.bool(cx, "lenient").unwrap_or(false);
    let boxed = t.bool(cx, "boxed").unwrap_or(false);
    let aliases = t.strings(cx, "aliases").unwrap_or_default();
    let rust_name = t.string(cx, "rust_name");
    t.finish(cx, &format!("field `{}`", name.get_ref()));
    let rust_name = match rust_name {
        Some(r) if is_snake_ident(r.get_ref()) => r.into_inner(),
        Some(r) => {
            cx.error(
                &r.span(),
                format!(
                    "rust_name `{}` must be a snake_case identifier",
                    r.get_ref()
                ),
            );
            return None;
        }
        None => match rust_ident(name.get_ref()) {
            Some(r) => r,
            None => {
                cx.error(
                    &name.span(),
                    format!(
                        "no Rust identifier can be derived from `{}`; set `rust_name`",
                        name.get_ref()
                    ),
                );
                return None;
            }
        },
    };
    let ty = read_type(st, cx, &ty?)?;
    if zero_as_none && ty != TypeRef::DateTime {
        cx.error(
            &name.span(),
            "`zero_as_none` applies to `datetime` fields only",
        );
    }
    Some(Field {
        name: name.get_ref().clone(),
        rust_name,
        doc,
        ty,
        optional,
        nullable,
        aliases: aliases.into_iter().map(Spanned::into_inner).collect(),
        zero_as_none,
        lenient,
        boxed,
        pos: cx.pos(&name.span()),
    })
}

fn read_enum(
    cx: &mut Cx<'_>,
    name: Spanned<String>,
    mut t: TableReader<'_, '_>,
) -> Option<EnumDef> {
    let pos = cx.pos(&name.span());
    if !is_pascal_ident(name.get_ref()) {
        cx.error(
            &name.span(),
            format!(
                "enum name `{}` must be a PascalCase identifier",
                name.get_ref()
            ),
        );
    }
    let doc = t
        .string(cx, "doc")
        .map(Spanned::into_inner)
        .unwrap_or_default();
    let mut values: Vec<EnumValue> = Vec::new();
    for mut v in t.tables(cx, "values") {
        let vpos = cx.pos(&v.span);
        let value = v.required_string(cx, "value", "an enum value");
        let vdoc = v
            .string(cx, "doc")
            .map(Spanned::into_inner)
            .unwrap_or_default();
        let rust_name = v.string(cx, "rust_name");
        v.finish(cx, "an enum value");
        let Some(value) = value else { continue };
        let rust_name = match rust_name {
            Some(r) => r.into_inner(),
            None => heck::ToUpperCamelCase::to_upper_camel_case(value.get_ref().as_str()),
        };
        if !is_pascal_ident(&rust_name) || rust_name == "Unknown" || is_keyword(&rust_name) {
            cx.error(
                &value.span(),
                format!("enum value `{}` gives the variant name `{rust_name}`, which is not usable; set `rust_name`", value.get_ref()),
            );
            continue;
        }
        if values
            .iter()
            .any(|o| o.value == *value.get_ref() || o.rust_name == rust_name)
        {
            cx.error(
                &value.span(),
                format!("duplicate enum value `{}`", value.get_ref()),
            );
            continue;
        }
        values.push(EnumValue {
            value: value.into_inner(),
            rust_name,
            doc: vdoc,
            pos: vpos,
        });
    }
    t.finish(cx, &format!("enum `{}`", name.get_ref()));
    Some(EnumDef {
        name: name.into_inner(),
        doc,
        values,
        pos,
    })
}

fn read_example(cx: &mut Cx<'_>, mut t: TableReader<'_, '_>) -> Example {
    let pos = cx.pos(&t.span);
    let title = t
        .string(cx, "title")
        .map(Spanned::into_inner)
        .unwrap_or_default();
    let status = t.uint(cx, "status").map_or(200, |s| {
        u16::try_from(*s.get_ref())
            .ok()
            .filter(|s| (100..600).contains(s))
            .unwrap_or_else(|| {
                cx.error(&s.span(), "`status` must be an HTTP status code");
                200
            })
    });
    let mut json = |cx: &mut Cx<'_>, key: &'static str| {
        let s = t.string(cx, key)?;
        if let Err(e) = serde_json::from_str::<serde_json::Value>(s.get_ref()) {
            cx.error(&s.span(), format!("`{key}` is not valid JSON: {e}"));
        }
        Some(s.into_inner())
    };
    let request = json(cx, "request");
    let response = json(cx, "response");
    let mut path_params = Vec::new();
    if let Some(mut p) = t.table(cx, "path_params") {
        for (k, v) in p.named_values() {
            match v.get_ref() {
                DeValue::String(s) => path_params.push((k, s.to_string())),
                _ => cx.error(&v.span(), "example path parameters must be strings"),
            }
        }
    }
    t.finish(cx, "an example");
    Example {
        title,
        status,
        request,
        response,
        path_params,
        pos,
    }
}

impl<'t, 'i> TableReader<'t, 'i> {
    /// Every entry of a table whose keys are chosen by the spec author.
    fn named_values(&mut self) -> Vec<(String, &'t Spanned<DeValue<'i>>)> {
        self.all_entries()
            .map(|(k, v)| (k.get_ref().to_string(), v))
            .collect()
    }
}

fn read_param(
    st: &mut State,
    cx: &mut Cx<'_>,
    name: &Spanned<String>,
    mut t: TableReader<'_, '_>,
    what: &str,
) -> Option<Param> {
    let ty = t.required_string(cx, "type", &format!("{what} `{}`", name.get_ref()));
    let doc = t
        .string(cx, "doc")
        .map(Spanned::into_inner)
        .unwrap_or_default();
    let optional = t.bool(cx, "optional");
    let example = t.string(cx, "example").map(Spanned::into_inner);
    let rust_name = t.string(cx, "rust_name").and_then(|r| {
        if is_snake_ident(r.get_ref()) && !is_keyword(r.get_ref()) {
            Some(r.into_inner())
        } else {
            cx.error(
                &r.span(),
                format!(
                    "rust_name `{}` must be a snake_case identifier that is not a keyword",
                    r.get_ref()
                ),
            );
            None
        }
    });
    t.finish(cx, &format!("{what} `{}`", name.get_ref()));
    let ty = read_type(st, cx, ty.as_ref()?)?;
    if !ty.is_scalar() {
        cx.error(
            &name.span(),
            format!(
                "{what} `{}` must have a scalar type, not `{ty}`",
                name.get_ref()
            ),
        );
    }
    if what == "path parameter" && optional == Some(true) {
        cx.error(&name.span(), "path parameters cannot be optional");
    }
    let Some(rust_name) = rust_name.or_else(|| rust_ident(name.get_ref())) else {
        cx.error(
            &name.span(),
            format!(
                "no Rust identifier can be derived from `{}`",
                name.get_ref()
            ),
        );
        return None;
    };
    Some(Param {
        name: name.get_ref().clone(),
        rust_name,
        doc,
        ty,
        optional: optional.unwrap_or(false),
        example,
        pos: cx.pos(&name.span()),
    })
}

fn read_endpoint(st: &mut State, cx: &mut Cx<'_>, mut t: TableReader<'_, '_>) -> Option<Endpoint> {
    let file: Arc<str> = cx.pos(&(0..0)).file;
    let pos = cx.pos(&(0..0));
    let stem = Path::new(&*file)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = t.string(cx, "name");
    let name_str = name.as_ref().map_or(stem.clone(), |n| n.get_ref().clone());
    if !is_snake_ident(&name_str) || is_keyword(&name_str) {
        match &name {
            Some(n) => cx.error(
                &n.span(),
                format!("endpoint name `{name_str}` must be a snake_case identifier"),
            ),
            None => cx.error_at(
                pos.clone(),
                format!("file name `{stem}` is not a snake_case identifier; set `name`"),
            ),
        }
    }
    let summary = t
        .string(cx, "summary")
        .map(Spanned::into_inner)
        .unwrap_or_default();
    let doc = t
        .string(cx, "doc")
        .map(Spanned::into_inner)
        .unwrap_or_default();
    let method = t
        .required_string(cx, "method", "the endpoint file")
        .and_then(|m| {
            let parsed = Method::parse(m.get_ref());
            if parsed.is_none() {
                cx.error(
                    &m.span(),
                    format!(
                        "invalid method `{}` (expected GET, POST, PUT, PATCH, DELETE or HEAD)",
                        m.get_ref()
                    ),
                );
            }
            parsed
        });
    let path = t.required_string(cx, "path", "the endpoint file");
    let segments = path.as_ref().and_then(|p| parse_path(cx, p));
    let idempotent = t.bool(cx, "idempotent");

    let mut path_params = Vec::new();
    for (n, pt) in t.named_tables(cx, "path_params") {
        if let Some(p) = read_param(st, cx, &n, pt, "path parameter") {
            path_params.push((n, p));
        }
    }
    let query: Vec<Param> = t
        .named_tables(cx, "query")
        .into_iter()
        .filter_map(|(n, q)| read_param(st, cx, &n, q, "query parameter"))
        .collect();
    let headers: Vec<Param> = t
        .named_tables(cx, "headers")
        .into_iter()
        .filter_map(|(n, h)| {
            if !is_header_name(n.get_ref()) {
                cx.error(
                    &n.span(),
                    format!("`{}` is not a valid header name", n.get_ref()),
                );
            }
            read_param(st, cx, &n, h, "header")
        })
        .collect();

    let pascal = heck::ToUpperCamelCase::to_upper_camel_case(name_str.as_str());
    let body = t.table(cx, "body").and_then(|mut b| {
        let span = b.span.clone();
        let bdoc = b
            .string(cx, "doc")
            .map(Spanned::into_inner)
            .unwrap_or_default();
        if let Some(ty) = b.string(cx, "type") {
            b.finish(
                cx,
                "`body` (with `type`, the body is a model declared elsewhere)",
            );
            return match read_type(st, cx, &ty)? {
                TypeRef::Model(model) => Some(Body { model, doc: bdoc }),
                other => {
                    cx.error(&ty.span(), format!("a body must be a model, not `{other}`"));
                    None
                }
            };
        }
        let type_name = b
            .string(cx, "type_name")
            .unwrap_or_else(|| Spanned::new(span, format!("{pascal}Request")));
        let model = read_model(st, cx, type_name, b, "body")?;
        let name = model.name.clone();
        st.models.push(Model {
            doc: if model.doc.is_empty() {
                bdoc.clone()
            } else {
                model.doc.clone()
            },
            ..model
        });
        Some(Body {
            model: name,
            doc: bdoc,
        })
    });

    let response = match t.table(cx, "response") {
        Some(mut r) => {
            let rpos = cx.pos(&r.span);
            let ty = r.required_string(cx, "type", "`response`");
            let status = r.uint(cx, "status");
            let rdoc = r
                .string(cx, "doc")
                .map(Spanned::into_inner)
                .unwrap_or_default();
            r.finish(cx, "`response`");
            let status = match status {
                Some(s) => match u16::try_from(*s.get_ref()) {
                    Ok(v) if (200..300).contains(&v) => v,
                    _ => {
                        cx.error(&s.span(), "`status` must be a 2xx status code");
                        200
                    }
                },
                None => 200,
            };
            ty.and_then(|ty| read_type(st, cx, &ty)).map(|ty| Response {
                status,
                ty,
                doc: rdoc,
                pos: rpos,
            })
        }
        None => {
            cx.error(
                &t.span,
                "the endpoint file is missing the required table `[response]`",
            );
            None
        }
    };
    let examples: Vec<Example> = t
        .tables(cx, "examples")
        .into_iter()
        .map(|ex| read_example(cx, ex))
        .collect();
    read_models_and_enums(st, cx, &mut t);
    t.finish(cx, "the endpoint file");

    // Path parameters: declared ⇔ used.
    if let Some(segments) = &segments {
        let used: Vec<&str> = segments
            .iter()
            .filter_map(|s| match s {
                Segment::Param(p) => Some(p.as_str()),
                Segment::Literal(_) => None,
            })
            .collect();
        let path_span = path.as_ref().map(Spanned::span).unwrap_or_default();
        for u in &used {
            if !path_params.iter().any(|(n, _)| n.get_ref() == u) {
                cx.error(
                    &path_span,
                    format!("path parameter `{{{u}}}` is not declared; add `[path_params.{u}]`"),
                );
            }
        }
        for (n, _) in &path_params {
            if !used.contains(&n.get_ref().as_str()) {
                cx.error(
                    &n.span(),
                    format!(
                        "path parameter `{}` is declared but not in the path",
                        n.get_ref()
                    ),
                );
            }
        }
        // Keep path parameters in path order.
        path_params.sort_by_key(|(n, _)| used.iter().position(|u| *u == n.get_ref()));
    }
    // Parameters become arguments, builder fields and setters: their Rust names must be
    // unique and must not collide with what the builder already has.
    let mut taken: Vec<&str> = vec![
        "client",
        "options",
        "timeout",
        "attempt_timeout",
        "max_attempts",
        "send",
    ];
    if body.is_some() {
        taken.push("body");
    }
    for p in path_params
        .iter()
        .map(|(_, p)| p)
        .chain(&query)
        .chain(&headers)
    {
        if taken.contains(&p.rust_name.as_str()) {
            cx.error_at(
                p.pos.clone(),
                format!("parameter `{}` becomes the Rust name `{}`, which is already used; set `rust_name`", p.name, p.rust_name),
            );
        }
        taken.push(&p.rust_name);
    }
    let method = method?;
    let response = response?;
    let body_ty = body.as_ref().map(|b| TypeRef::Model(b.model.clone()));
    for ex in &examples {
        if let (Some(text), Some(ty)) = (&ex.request, &body_ty) {
            st.example_checks
                .push((ty.clone(), text.clone(), ex.pos.clone()));
        }
        if let Some(text) = &ex.response
            && (200..300).contains(&ex.status)
        {
            st.example_checks
                .push((response.ty.clone(), text.clone(), ex.pos.clone()));
        }
    }
    Some(Endpoint {
        name: name_str,
        summary,
        doc,
        method,
        path: path?.into_inner(),
        segments: segments?,
        idempotent: idempotent.unwrap_or_else(|| method.is_idempotent()),
        path_params: path_params.into_iter().map(|(_, p)| p).collect(),
        query,
        headers,
        body,
        response,
        examples,
        file,
        pos,
    })
}

/// Splits `/client/webhooks/{id}` into literals and parameters.
fn parse_path(cx: &mut Cx<'_>, path: &Spanned<String>) -> Option<Vec<Segment>> {
    let p = path.get_ref();
    let err = |cx: &mut Cx<'_>, msg: String| {
        cx.error(&path.span(), msg);
        None
    };
    if !p.starts_with('/') {
        return err(cx, format!("path `{p}` must start with `/`"));
    }
    if p.contains(['?', '#']) {
        return err(
            cx,
            format!(
                "path `{p}` must not contain a query or fragment; declare `[query.*]` parameters"
            ),
        );
    }
    if let Some(colon) = p.split('/').find(|s| s.starts_with(':')) {
        return err(
            cx,
            format!(
                "path segment `{colon}`: write parameters as `{{{}}}`",
                &colon[1..]
            ),
        );
    }
    let mut out = Vec::new();
    let mut rest = p.as_str();
    while let Some(open) = rest.find('{') {
        if open > 0 {
            out.push(Segment::Literal(rest[..open].to_owned()));
        }
        let Some(close) = rest[open..].find('}') else {
            return err(cx, format!("unclosed `{{` in path `{p}`"));
        };
        let name = &rest[open + 1..open + close];
        if !is_snake_ident(name) {
            return err(
                cx,
                format!("path parameter `{{{name}}}` must be a snake_case identifier"),
            );
        }
        if out
            .iter()
            .any(|s| matches!(s, Segment::Param(n) if n == name))
        {
            return err(cx, format!("path parameter `{{{name}}}` appears twice"));
        }
        out.push(Segment::Param(name.to_owned()));
        rest = &rest[open + close + 1..];
    }
    if rest.contains('}') {
        return err(cx, format!("unmatched `}}` in path `{p}`"));
    }
    if !rest.is_empty() {
        out.push(Segment::Literal(rest.to_owned()));
    }
    Some(out)
}

/// Names the generated module declares itself.
const RESERVED_TYPE_NAMES: &[&str] = &["Client", "Error", "ApiErrorBody", "API"];

/// Cross-file checks: unique names, every reference known, enums told apart from models.
fn resolve(st: &mut State, header: &mut ApiHeader, endpoints: &mut [Endpoint]) {
    let mut seen: BTreeMap<String, Pos> = BTreeMap::new();
    let names = st
        .models
        .iter()
        .map(|m| (&m.name, &m.pos))
        .chain(st.enums.iter().map(|e| (&e.name, &e.pos)))
        .chain(
            st.models
                .iter()
                .flat_map(|m| m.one_of.iter().map(|g| (&g.type_name, &g.pos))),
        );
    let builders: Vec<String> = endpoints
        .iter()
        .map(|e| {
            format!(
                "{}Builder",
                heck::ToUpperCamelCase::to_upper_camel_case(e.name.as_str())
            )
        })
        .collect();
    for (name, pos) in names {
        if RESERVED_TYPE_NAMES.contains(&name.as_str())
            || builders.contains(name)
            || is_keyword(name)
        {
            st.diags.push(Diagnostic::new(
                pos.clone(),
                format!("type name `{name}` is taken by the generated code; choose another"),
            ));
        }
        if let Some(first) = seen.get(name) {
            st.diags.push(Diagnostic::new(
                pos.clone(),
                format!("duplicate type name `{name}` (first declared at {first})"),
            ));
        } else {
            seen.insert(name.clone(), pos.clone());
        }
    }
    let mut ep_names: BTreeMap<&str, &Pos> = BTreeMap::new();
    for ep in endpoints.iter() {
        if let Some(first) = ep_names.insert(&ep.name, &ep.pos) {
            st.diags.push(Diagnostic::new(
                ep.pos.clone(),
                format!("duplicate endpoint name `{}` (also {first})", ep.name),
            ));
        }
    }
    let is_model = |n: &str| st.models.iter().any(|m| m.name == n);
    let is_enum = |n: &str| st.enums.iter().any(|e| e.name == n);
    for r in &st.refs {
        if !is_model(&r.name) && !is_enum(&r.name) {
            st.diags.push(Diagnostic::new(
                r.pos.clone(),
                format!(
                    "unknown model reference `{}`: no model or enum of that name in this API",
                    r.name
                ),
            ));
        }
    }
    for (m, pos) in &header.error_models {
        if !is_model(m) {
            st.diags.push(Diagnostic::new(
                pos.clone(),
                format!("unknown model reference `{m}` in `errors.models`"),
            ));
        }
    }
    let enum_names: HashSet<String> = st.enums.iter().map(|e| e.name.clone()).collect();
    let fix = |t: &mut TypeRef| fix_enum_refs(t, &enum_names);
    for m in &mut st.models {
        for f in &mut m.fields {
            fix(&mut f.ty);
        }
    }
    for (t, _, _) in &mut st.example_checks {
        fix(t);
    }
    check_boxed_and_raw(st);
    for ep in endpoints.iter_mut() {
        fix(&mut ep.response.ty);
        for p in ep
            .path_params
            .iter_mut()
            .chain(&mut ep.query)
            .chain(&mut ep.headers)
        {
            fix(&mut p.ty);
        }
    }
}

/// `boxed` needs a model type; `raw_json` cannot be reached from a model with an
/// "exactly one of" group (serde buffers such models, and raw JSON cannot be buffered).
fn check_boxed_and_raw(st: &mut State) {
    for m in &st.models {
        for f in &m.fields {
            if f.boxed && !matches!(f.ty, TypeRef::Model(_)) {
                st.diags.push(Diagnostic::new(
                    f.pos.clone(),
                    format!(
                        "`boxed` applies to fields whose type is a model; `{}` is `{}`",
                        f.name, f.ty
                    ),
                ));
            }
        }
    }
    for m in st.models.iter().filter(|m| !m.one_of.is_empty()) {
        let mut seen = HashSet::new();
        let mut stack = vec![m.name.as_str()];
        while let Some(name) = stack.pop() {
            if !seen.insert(name) {
                continue;
            }
            let Some(model) = st.models.iter().find(|x| x.name == name) else {
                continue;
            };
            for f in &model.fields {
                let mut raw = false;
                collect_types(&f.ty, &mut |t| match t {
                    TypeRef::RawJson => raw = true,
                    TypeRef::Model(n) => stack.push(n),
                    _ => {}
                });
                if raw {
                    st.diags.push(Diagnostic::new(
                        f.pos.clone(),
                        format!(
                            "`raw_json` field `{}` is reachable from model `{}`, which has a \
                             one_of group: such models are decoded through a buffer that cannot \
                             keep raw JSON; use `json`",
                            f.name, m.name
                        ),
                    ));
                }
            }
        }
    }
}

fn collect_types<'a>(t: &'a TypeRef, f: &mut impl FnMut(&'a TypeRef)) {
    match t {
        TypeRef::Array(i) | TypeRef::Map(i) => collect_types(i, f),
        other => f(other),
    }
}

fn fix_enum_refs(t: &mut TypeRef, enums: &HashSet<String>) {
    match t {
        TypeRef::Array(i) | TypeRef::Map(i) => fix_enum_refs(i, enums),
        TypeRef::Model(n) if enums.contains(n.as_str()) => *t = TypeRef::Enum(std::mem::take(n)),
        _ => {}
    }
}

fn check_example(api: &Api, ty: &TypeRef, text: &str, pos: &Pos, out: &mut Vec<Diagnostic>) {
    let Ok(value) = serde_json::from_str::<serde_json::Value>(text) else {
        return; // reported when the example was read
    };
    for e in api.check_value(ty, &value) {
        out.push(Diagnostic::new(
            pos.clone(),
            format!("example does not match `{ty}`: {e}"),
        ));
    }
}

fn check_error_example(api: &Api, text: &str, pos: &Pos, out: &mut Vec<Diagnostic>) {
    let Ok(value) = serde_json::from_str::<serde_json::Value>(text) else {
        return;
    };
    let fits = api.error_models.iter().any(|m| {
        api.check_value(&TypeRef::Model(m.clone()), &value)
            .is_empty()
    });
    if !fits {
        out.push(Diagnostic::new(
            pos.clone(),
            format!(
                "error example matches none of the error models ({})",
                api.error_models.join(", ")
            ),
        ));
    }
}
