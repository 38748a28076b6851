//! What both kinds of file may declare: models (with their fields and `one_of` groups), enums
//! and examples; type references, which are resolved once every file is read.

use std::collections::HashSet;

use toml::Spanned;
use toml::de::DeValue;

use super::hints::unknown_type;
use super::names::{pascal_rust_name, snake_rust_name};
use super::{PendingRef, State};
use crate::model::*;
use crate::reader::{Cx, TableReader};
use crate::types::{is_keyword, is_pascal_ident, parse_type, rust_ident};

/// The `[models.*]` and `[enums.*]` tables of a file, into [`State`].
pub(super) fn read_models_and_enums(st: &mut State, cx: &mut Cx<'_>, t: &mut TableReader<'_, '_>) {
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

pub(super) fn read_model(
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
    let deny_unknown = t.bool(cx, "deny_unknown");
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
        if let Some(f) = &field {
            snake_rust_name(cx, "one_of field", f);
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
        cx.keep_raw(cx.pos(&ex.span()), ex);
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
        deny_unknown,
        pos,
    })
}

/// Refuses `time_range` (also inside `array<…>` or `map<…>`) where `what` holds a value: it
/// formats two instants into one query parameter, and has no JSON form.
pub(super) fn no_time_range(
    cx: &mut Cx<'_>,
    span: &std::ops::Range<usize>,
    ty: &TypeRef,
    what: &str,
) {
    fn contains(t: &TypeRef) -> bool {
        match t {
            TypeRef::TimeRange => true,
            TypeRef::Array(inner) | TypeRef::Map(inner) => contains(inner),
            _ => false,
        }
    }
    if contains(ty) {
        cx.error(
            span,
            format!(
                "`time_range` is a query parameter type, not a {what} type (it has no JSON form)"
            ),
        );
    }
}

pub(super) fn read_type(st: &mut State, cx: &mut Cx<'_>, ty: &Spanned<String>) -> Option<TypeRef> {
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
            unknown_type(st, cx, ty, e);
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
        Some(r) => snake_rust_name(cx, "rust_name", &r)?,
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
    let ty_text = ty?;
    let ty = read_type(st, cx, &ty_text)?;
    no_time_range(cx, &ty_text.span(), &ty, "field");
    // What the generated decoders implement: a number or a string of one, either way.
    if lenient && !matches!(ty, TypeRef::String | TypeRef::Integer | TypeRef::Float) {
        cx.error(
            &name.span(),
            format!("`lenient` applies to `string`, `integer` and `float` fields, not `{ty}`"),
        );
    }
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
            Some(r) => match pascal_rust_name(cx, &r) {
                Some(n) => n,
                None => continue,
            },
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

pub(super) fn read_example(cx: &mut Cx<'_>, mut t: TableReader<'_, '_>) -> Example {
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
        cx.keep_raw(pos.clone(), &s);
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
