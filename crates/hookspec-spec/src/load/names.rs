//! Rust names: what the spec author writes (`rust_name`, a one-of `field`) must be an
//! identifier rustc accepts, and what codegen derives (the client's methods, the builders, the
//! one-of enums) must not collide with what it already emits. Each such collision would
//! otherwise be a rustc error at the `include_api!` call, far from the spec line.

use std::collections::BTreeMap;

use heck::{ToShoutySnakeCase, ToUpperCamelCase};
use toml::Spanned;

use super::State;
use crate::diag::Diagnostic;
use crate::model::*;
use crate::reader::Cx;
use crate::types::{is_keyword, is_pascal_ident, is_snake_ident, rust_ident};

/// An explicit snake_case Rust name (a field's or a parameter's `rust_name`, a one-of
/// `field`): reports a keyword (with the `_` form as the fix) or an invalid identifier.
pub(super) fn snake_rust_name(
    cx: &mut Cx<'_>,
    what: &str,
    name: &Spanned<String>,
) -> Option<String> {
    let n = name.get_ref();
    if is_keyword(n) {
        cx.error(
            &name.span(),
            format!("{what} `{n}` is a Rust keyword; use `{n}_`"),
        );
        return None;
    }
    if !is_snake_ident(n) {
        let hint = rust_ident(n)
            .filter(|s| s != n)
            .map(|s| format!("; use `{s}`"))
            .unwrap_or_default();
        cx.error(
            &name.span(),
            format!("{what} `{n}` must be a snake_case identifier{hint}"),
        );
        return None;
    }
    Some(n.clone())
}

/// An explicit PascalCase variant name (an enum value's `rust_name`).
pub(super) fn pascal_rust_name(cx: &mut Cx<'_>, name: &Spanned<String>) -> Option<String> {
    let n = name.get_ref();
    let problem = if is_keyword(n) {
        format!("rust_name `{n}` is a Rust keyword; use `{n}Value`")
    } else if n == "Unknown" {
        "rust_name `Unknown` is the variant kept for values the spec does not list; choose \
         another"
            .to_owned()
    } else if !is_pascal_ident(n) {
        let fixed = n.to_upper_camel_case();
        let hint = if is_pascal_ident(&fixed) && !is_keyword(&fixed) && fixed != "Unknown" {
            format!("; use `{fixed}`")
        } else {
            String::new()
        };
        format!("rust_name `{n}` must be a PascalCase identifier{hint}")
    } else {
        return Some(n.clone());
    };
    cx.error(&name.span(), problem);
    None
}

/// What the generated `Client` has whatever the endpoints: its inherent methods, and the
/// items of the `endpoints` module that an endpoint's metadata static would clash with.
const CLIENT_METHODS: &[(&str, &str)] = &[
    ("new", "`Client::new`"),
    ("builder", "`Client::builder`"),
    ("core", "`Client::core`"),
    // Not a rustc error, but `client.clone()` would send a request instead of cloning.
    ("clone", "`Client::clone` (the client is `Clone`)"),
    // `endpoints::<NAME>` statics sit next to `endpoints::ALL` and the glob-imported `API`.
    ("all", "`endpoints::ALL` (every endpoint's metadata)"),
    (
        "api",
        "`API` (the API's metadata, used by every `endpoints::<NAME>`)",
    ),
];

/// The client's methods (`<name>` and `<name>_builder`), builder types (`<Name>Builder`) and
/// metadata statics (`endpoints::<NAME>`) of every endpoint must be distinct, and distinct from
/// what the client already has.
pub(super) fn check_client_names(st: &mut State, endpoints: &[Endpoint]) {
    for ep in endpoints {
        if let Some((_, what)) = CLIENT_METHODS.iter().find(|(n, _)| *n == ep.name) {
            st.diags.push(Diagnostic::new(
                ep.pos.clone(),
                format!(
                    "endpoint name `{}` is taken by the generated {what}; set `name` to another \
                     snake_case name (e.g. `{}_thing`)",
                    ep.name, ep.name
                ),
            ));
        }
        if let Some(base) = ep.name.strip_suffix("_builder")
            && let Some(other) = endpoints.iter().find(|o| o.name == base)
        {
            st.diags.push(Diagnostic::new(
                ep.pos.clone(),
                format!(
                    "endpoint name `{}` is taken by the builder method of endpoint `{base}` \
                     (`Client::{}`, {}); set `name` to another name",
                    ep.name, ep.name, other.pos
                ),
            ));
        }
    }
    let mut builders: BTreeMap<String, &Endpoint> = BTreeMap::new();
    let mut metas: BTreeMap<String, &Endpoint> = BTreeMap::new();
    for ep in endpoints {
        let builder = format!("{}Builder", ep.name.to_upper_camel_case());
        let meta = ep.name.to_shouty_snake_case();
        let clash = match (builders.get(&builder), metas.get(&meta)) {
            (Some(o), _) if o.name != ep.name => Some((*o, format!("builder type `{builder}`"))),
            (_, Some(o)) if o.name != ep.name => {
                Some((*o, format!("metadata static `endpoints::{meta}`")))
            }
            _ => None,
        };
        if let Some((other, what)) = clash {
            st.diags.push(Diagnostic::new(
                ep.pos.clone(),
                format!(
                    "endpoints `{}` ({}) and `{}` both generate the {what}; set `name` on one of \
                     them",
                    other.name, other.pos, ep.name
                ),
            ));
        }
        builders.entry(builder).or_insert(ep);
        metas.entry(meta).or_insert(ep);
    }
}

/// The variant codegen gives a one-of member (`hookspec-codegen`'s `variant_name`).
fn variant_name(rust_name: &str) -> String {
    let name = rust_name.to_upper_camel_case();
    if name.starts_with(|c: char| c.is_ascii_alphabetic()) && name != "Self" {
        name
    } else {
        format!("V{name}")
    }
}

/// A one-of group becomes a struct field (`field`) and an enum (`type_name`) with one variant
/// per member: the field must not be another field's Rust name, and the variants must differ.
pub(super) fn check_one_of_names(st: &mut State) {
    let mut diags = Vec::new();
    for m in &st.models {
        for (i, g) in m.one_of.iter().enumerate() {
            let struct_field = m
                .fields
                .iter()
                .filter(|f| m.group_of(&f.name).is_none())
                .find(|f| f.rust_name == g.field);
            if let Some(f) = struct_field {
                diags.push(Diagnostic::new(
                    g.pos.clone(),
                    format!(
                        "one_of field `{}` is also the Rust name of field `{}` of `{}` ({}); \
                         choose another `field`",
                        g.field, f.name, m.name, f.pos
                    ),
                ));
            }
            if let Some(other) = m.one_of[..i].iter().find(|o| o.field == g.field) {
                diags.push(Diagnostic::new(
                    g.pos.clone(),
                    format!(
                        "one_of field `{}` is already the field of another group of `{}` ({}); \
                         choose another `field`",
                        g.field, m.name, other.pos
                    ),
                ));
            }
            let mut variants: Vec<(String, &str)> = Vec::new();
            for member in &g.members {
                let Some(f) = m.fields.iter().find(|f| &f.name == member) else {
                    continue;
                };
                let variant = variant_name(&f.rust_name);
                if let Some((_, first)) = variants.iter().find(|(v, _)| *v == variant) {
                    diags.push(Diagnostic::new(
                        f.pos.clone(),
                        format!(
                            "one_of members `{first}` and `{member}` both become the variant \
                             `{variant}` of `{}`; set `rust_name` on one of them",
                            g.type_name
                        ),
                    ));
                } else {
                    variants.push((variant, member));
                }
            }
        }
    }
    st.diags.extend(diags);
}
