//! `webhooks.toml`: what an API POSTs to its users' webhook URLs. Read like the other files
//! (every problem at its `file:line:col`), then resolved against the API's models and enums
//! once every file is read.

use std::sync::Arc;

use toml::Spanned;

use super::State;
use super::items::{no_time_range, read_models_and_enums, read_type};
use super::names::pascal_rust_name;
use crate::diag::Diagnostic;
use crate::model::*;
use crate::reader::{Cx, TableReader};
use crate::types::is_snake_ident;
use crate::webhooks::*;

/// The file name that declares an API's webhooks (never an endpoint).
pub(crate) const WEBHOOKS_FILE: &str = "webhooks.toml";

/// Whether a display path names an API's webhooks file.
pub(crate) fn is_webhooks_file(path: &str) -> bool {
    path.rsplit(['/', '\\']).next() == Some(WEBHOOKS_FILE)
}

/// `webhooks.toml` as read, before names are resolved.
pub(super) struct PendingWebhooks {
    doc: String,
    envelope: Option<(TypeRef, Pos)>,
    tag: Option<PendingTag>,
    id_field: Option<(String, Pos)>,
    events: Vec<PendingEvent>,
    example: Option<String>,
    signature: Option<SignatureScheme>,
    max_body_bytes: u64,
    file: Arc<str>,
    pos: Pos,
}

struct PendingTag {
    field: (String, Pos),
    data_field: (String, Pos),
    data: Option<TypeRef>,
    data_wrapper: Option<String>,
}

struct PendingEvent {
    name: String,
    pos: Pos,
    doc: Option<String>,
    data: Option<TypeRef>,
    example: Option<String>,
    rust_name: Option<String>,
}

pub(super) fn read_webhooks(
    st: &mut State,
    cx: &mut Cx<'_>,
    mut t: TableReader<'_, '_>,
) -> Option<PendingWebhooks> {
    let pos = cx.pos(&(0..0));
    let doc = t
        .string(cx, "doc")
        .map(Spanned::into_inner)
        .unwrap_or_default();
    let envelope = t
        .required_string(cx, "envelope", "the webhooks file")
        .and_then(|e| {
            let ty = read_type(st, cx, &e)?;
            no_time_range(cx, &e.span(), &ty, "webhook envelope");
            Some((ty, cx.pos(&e.span())))
        });
    let tag = t.table(cx, "tag").and_then(|tag| read_tag(st, cx, tag));
    let id_field = t.string(cx, "id_field").map(|s| {
        let pos = cx.pos(&s.span());
        (s.into_inner(), pos)
    });
    let max_body_bytes = match t.uint(cx, "max_body_bytes") {
        Some(n) if *n.get_ref() == 0 => {
            cx.error(&n.span(), "`max_body_bytes` must be at least 1");
            DEFAULT_MAX_BODY_BYTES
        }
        Some(n) => n.into_inner(),
        None => DEFAULT_MAX_BODY_BYTES,
    };
    let signature = t.table(cx, "signature").and_then(|s| read_signature(cx, s));
    let example = t.string(cx, "example");
    let envelope_ty = envelope.as_ref().map(|(t, _)| t.clone());
    let example = example.map(|ex| check_later(st, cx, envelope_ty.as_ref(), ex, "example"));
    let mut events = Vec::new();
    for (name, mut e) in t.named_tables(cx, "events") {
        let epos = cx.pos(&name.span());
        let edoc = e.string(cx, "doc").map(Spanned::into_inner);
        let data = e.string(cx, "data").and_then(|d| read_type(st, cx, &d));
        let rust_name = e
            .string(cx, "rust_name")
            .and_then(|r| pascal_rust_name(cx, &r));
        let example = e
            .string(cx, "example")
            .map(|ex| check_later(st, cx, envelope_ty.as_ref(), ex, "example"));
        e.finish(cx, &format!("event `{}`", name.get_ref()));
        events.push(PendingEvent {
            name: name.into_inner(),
            pos: epos,
            doc: edoc,
            data,
            example,
            rust_name,
        });
    }
    read_models_and_enums(st, cx, &mut t);
    t.finish(cx, "the webhooks file");
    Some(PendingWebhooks {
        doc,
        envelope,
        tag,
        id_field,
        events,
        example,
        signature,
        max_body_bytes,
        file: pos.file.clone(),
        pos,
    })
}

/// A JSON text to check against the envelope type once every type is known.
fn check_later(
    st: &mut State,
    cx: &mut Cx<'_>,
    ty: Option<&TypeRef>,
    ex: Spanned<String>,
    key: &str,
) -> String {
    let pos = cx.pos(&ex.span());
    match serde_json::from_str::<serde_json::Value>(ex.get_ref()) {
        Err(e) => cx.error(&ex.span(), format!("`{key}` is not valid JSON: {e}")),
        Ok(_) => {
            if let Some(ty) = ty {
                cx.keep_raw(pos.clone(), &ex);
                st.example_checks
                    .push((ty.clone(), ex.get_ref().clone(), pos));
            }
        }
    }
    ex.into_inner()
}

fn read_tag(st: &mut State, cx: &mut Cx<'_>, mut t: TableReader<'_, '_>) -> Option<PendingTag> {
    let field = t.required_string(cx, "field", "`tag`");
    let data_field = t.required_string(cx, "data_field", "`tag`");
    let data = t.string(cx, "data").and_then(|d| read_type(st, cx, &d));
    let data_wrapper = t.string(cx, "data_wrapper").map(Spanned::into_inner);
    t.finish(cx, "`tag`");
    let at = |cx: &Cx<'_>, s: Spanned<String>| {
        let pos = cx.pos(&s.span());
        (s.into_inner(), pos)
    };
    Some(PendingTag {
        field: at(cx, field?),
        data_field: at(cx, data_field?),
        data,
        data_wrapper,
    })
}

fn read_signature(cx: &mut Cx<'_>, mut t: TableReader<'_, '_>) -> Option<SignatureScheme> {
    let scheme = t.required_string(cx, "scheme", "`signature`");
    let tolerance = t.uint(cx, "tolerance_seconds");
    let _doc = t.string(cx, "doc");
    t.finish(cx, "`signature`");
    let scheme = scheme?;
    match scheme.get_ref().as_str() {
        "standard_webhooks" => Some(SignatureScheme::StandardWebhooks {
            tolerance_seconds: tolerance.map_or(DEFAULT_TOLERANCE_SECONDS, Spanned::into_inner),
        }),
        other => {
            cx.error(
                &scheme.span(),
                format!("unknown signature scheme `{other}` (expected standard_webhooks)"),
            );
            None
        }
    }
}

/// Checks the file against the API's models and enums (resolved, enum references fixed).
pub(super) fn resolve_webhooks(st: &mut State, p: PendingWebhooks) -> Option<Webhooks> {
    let diags_before = st.diags.len();
    let (mut envelope, envelope_pos) = p.envelope?;
    fix_enum(&mut envelope, st);
    let mut events = Vec::new();
    let mut tag = None;
    let mut id_field = None;
    match (&p.tag, &envelope) {
        (Some(pt), TypeRef::Model(name)) => {
            let model = st.models.iter().find(|m| &m.name == name)?.clone();
            let field = |st: &mut State, (wire, pos): &(String, Pos), what: &str| {
                let f = model.fields.iter().find(|f| &f.name == wire);
                if f.is_none() {
                    st.diags.push(Diagnostic::new(
                        pos.clone(),
                        format!(
                            "{what} `{wire}` is not a field of the envelope `{name}` (fields: {})",
                            model
                                .fields
                                .iter()
                                .map(|f| f.name.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    ));
                }
                f.cloned()
            };
            let tag_field = field(st, &pt.field, "`tag.field`");
            let data_field = field(st, &pt.data_field, "`tag.data_field`");
            let enum_def = match &tag_field {
                Some(f) => match &f.ty {
                    TypeRef::Enum(e) if !f.is_option() => {
                        st.enums.iter().find(|x| &x.name == e).cloned()
                    }
                    other => {
                        st.diags.push(Diagnostic::new(
                            pt.field.1.clone(),
                            format!(
                                "`tag.field` `{}` must be a required field whose type is an enum, not `{other}`",
                                pt.field.0
                            ),
                        ));
                        None
                    }
                },
                None => None,
            };
            if let Some(f) = &data_field
                && (f.ty != TypeRef::RawJson || f.optional)
            {
                st.diags.push(Diagnostic::new(
                    pt.data_field.1.clone(),
                    format!(
                        "`tag.data_field` `{}` must be a `raw_json` field that is not optional (it is `{}`)",
                        f.name, f.ty
                    ),
                ));
            }
            let mut default_data = pt.data.clone().unwrap_or(TypeRef::RawJson);
            fix_enum(&mut default_data, st);
            if let Some(e) = &enum_def {
                for pe in &p.events {
                    if !e.values.iter().any(|v| v.value == pe.name) {
                        let known: Vec<&str> = e.values.iter().map(|v| v.value.as_str()).collect();
                        let hint = crate::reader::closest(&pe.name, &known)
                            .map(|c| format!("; did you mean `{c}`?"))
                            .unwrap_or_default();
                        st.diags.push(Diagnostic::new(
                            pe.pos.clone(),
                            format!(
                                "event `{}` is not a value of the enum `{}`{hint}",
                                pe.name, e.name
                            ),
                        ));
                    }
                    if pe.rust_name.is_some() {
                        st.diags.push(Diagnostic::new(
                            pe.pos.clone(),
                            format!(
                                "event `{}` takes its Rust name from the enum `{}`; set `rust_name` there",
                                pe.name, e.name
                            ),
                        ));
                    }
                }
                for v in &e.values {
                    let pe = p.events.iter().find(|pe| pe.name == v.value);
                    let mut data = pe
                        .and_then(|pe| pe.data.clone())
                        .unwrap_or_else(|| default_data.clone());
                    fix_enum(&mut data, st);
                    events.push(WebhookEventDef {
                        name: v.value.clone(),
                        rust_name: v.rust_name.clone(),
                        doc: pe
                            .and_then(|pe| pe.doc.clone())
                            .unwrap_or_else(|| v.doc.clone()),
                        data,
                        example: pe.and_then(|pe| pe.example.clone()),
                        pos: pe.map_or_else(|| v.pos.clone(), |pe| pe.pos.clone()),
                    });
                }
            }
            if let (Some(f), Some(d), Some(e)) = (tag_field, data_field, enum_def) {
                tag = Some(WebhookTag {
                    field: f.name.clone(),
                    field_rust_name: f.rust_name.clone(),
                    enum_name: e.name.clone(),
                    data_field: d.name.clone(),
                    data_rust_name: d.rust_name.clone(),
                    data_nullable: d.nullable,
                    data_wrapper: pt.data_wrapper.clone(),
                });
            }
            if let Some((wire, pos)) = &p.id_field {
                match model.fields.iter().find(|f| &f.name == wire) {
                    Some(f) if f.ty == TypeRef::String && !f.is_option() => {
                        id_field = Some(f.rust_name.clone());
                    }
                    Some(f) => st.diags.push(Diagnostic::new(
                        pos.clone(),
                        format!(
                            "`id_field` `{wire}` must be a required `string` field, not `{}`",
                            f.ty
                        ),
                    )),
                    None => st.diags.push(Diagnostic::new(
                        pos.clone(),
                        format!("`id_field` `{wire}` is not a field of the envelope `{name}`"),
                    )),
                }
            }
        }
        (Some(_), other) => {
            st.diags.push(Diagnostic::new(
                envelope_pos.clone(),
                format!("a tagged envelope must be a model, not `{other}`"),
            ));
        }
        (None, _) => {
            if let Some((_, pos)) = &p.id_field {
                st.diags.push(Diagnostic::new(
                    pos.clone(),
                    "`id_field` needs a `[tag]` envelope model",
                ));
            }
            match p.events.as_slice() {
                [pe] => {
                    // Its variant is the name in UpperCamelCase unless `rust_name` says otherwise:
                    // `_1` has no such form.
                    if !is_snake_ident(&pe.name)
                        || (pe.rust_name.is_none()
                            && !pe.name.starts_with(|c: char| c.is_ascii_lowercase()))
                    {
                        st.diags.push(Diagnostic::new(
                            pe.pos.clone(),
                            format!("the event of an untagged envelope needs a snake_case name that starts with a letter (or a `rust_name` for its variant), not `{}`", pe.name),
                        ));
                    }
                    if pe.data.is_some() {
                        st.diags.push(Diagnostic::new(
                            pe.pos.clone(),
                            "the event of an untagged envelope is the whole body: remove `data`",
                        ));
                    }
                    events.push(WebhookEventDef {
                        name: pe.name.clone(),
                        rust_name: pe.rust_name.clone().unwrap_or_else(|| {
                            heck::ToUpperCamelCase::to_upper_camel_case(pe.name.as_str())
                        }),
                        doc: pe.doc.clone().unwrap_or_default(),
                        data: envelope.clone(),
                        example: pe.example.clone(),
                        pos: pe.pos.clone(),
                    });
                }
                _ => st.diags.push(Diagnostic::new(
                    p.pos.clone(),
                    format!(
                        "without `[tag]` the webhooks file declares exactly one event (`[events.<name>]`), not {}",
                        p.events.len()
                    ),
                )),
            }
        }
    }
    if st.diags.len() > diags_before {
        return None;
    }
    Some(Webhooks {
        doc: p.doc,
        envelope,
        tag,
        id_field,
        events,
        example: p.example,
        signature: p.signature,
        max_body_bytes: p.max_body_bytes,
        file: p.file,
        pos: p.pos,
    })
}

fn fix_enum(t: &mut TypeRef, st: &State) {
    match t {
        TypeRef::Array(i) | TypeRef::Map(i) => fix_enum(i, st),
        TypeRef::Model(n) if st.enums.iter().any(|e| &e.name == n) => {
            *t = TypeRef::Enum(std::mem::take(n));
        }
        _ => {}
    }
}

/// An event's example against its event, once the API is whole: the tag says this event (an
/// example of another one would be sent as this one by `hookspec trigger`, and parsed as the
/// other), and the data — unwrapped from `data_wrapper` — fits the event's data type (the
/// envelope's check sees only `raw_json` there).
pub(super) fn check_event_examples(api: &Api, diags: &mut Vec<Diagnostic>) {
    let Some(hooks) = &api.webhooks else {
        return;
    };
    let Some(tag) = &hooks.tag else {
        return;
    };
    for event in &hooks.events {
        let Some(text) = &event.example else {
            continue;
        };
        // Not JSON, or not an object: reported by the envelope's check.
        let Ok(serde_json::Value::Object(example)) =
            serde_json::from_str::<serde_json::Value>(text)
        else {
            continue;
        };
        let mut problem = |message: String| {
            diags.push(Diagnostic::new(
                event.pos.clone(),
                format!("the example of event `{}` {message}", event.name),
            ));
        };
        match example.get(&tag.field) {
            Some(serde_json::Value::String(t)) if *t == event.name => {}
            Some(other) => problem(format!("has `{}` {other}", tag.field)),
            None => problem(format!("has no `{}`", tag.field)),
        }
        let mut data = example
            .get(&tag.data_field)
            .unwrap_or(&serde_json::Value::Null);
        if data.is_null() || event.data == TypeRef::RawJson {
            continue;
        }
        if let (Some(wrapper), serde_json::Value::Object(o)) = (&tag.data_wrapper, data)
            && o.len() == 1
            && let Some(inner) = o.get(wrapper)
        {
            data = inner;
        }
        for e in api.check_value(&event.data, data) {
            let at = if e.path.is_empty() {
                tag.data_field.clone()
            } else {
                format!("{}.{}", tag.data_field, e.path)
            };
            problem(format!(
                "does not match `{}` at {at}: {}",
                event.data, e.message
            ));
        }
    }
}
