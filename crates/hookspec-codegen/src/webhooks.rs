//! `<api>::webhooks`: the events an API POSTs to webhook URLs (from its `webhooks.toml`).

use hookspec_spec::{Api, Model, SignatureScheme, TypeRef, WebhookEventDef, Webhooks};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::docs::doc_attrs;
use crate::models::field_with;

/// A spec type as named from inside the `webhooks` submodule.
fn outer_type(ty: &TypeRef) -> TokenStream {
    match ty {
        TypeRef::Array(inner) => {
            let inner = outer_type(inner);
            quote!(::std::vec::Vec<#inner>)
        }
        TypeRef::Map(inner) => {
            let inner = outer_type(inner);
            quote!(::std::collections::BTreeMap<::std::string::String, #inner>)
        }
        TypeRef::Model(name) | TypeRef::Enum(name) => {
            let ident = format_ident!("{}", name);
            quote!(super::#ident)
        }
        other => crate::types::rust_type(other),
    }
}

fn module_doc(api: &Api, hooks: &Webhooks) -> TokenStream {
    let mut doc = format!(
        "What the {} POSTs to webhook URLs, typed from `{}`.",
        if api.title.is_empty() {
            &api.name
        } else {
            &api.title
        },
        hooks.file
    );
    if !hooks.doc.is_empty() {
        doc.push_str("\n\n");
        doc.push_str(hooks.doc.trim());
    }
    doc.push_str(
        "\n\n[`parse`] takes a delivery's headers and body from any HTTP framework and returns \
         the [`Event`] with the bytes received ([`Received`]), or a typed \
         [`ParseError`](::hookspec::webhooks::ParseError).",
    );
    match hooks.signature {
        None => doc.push_str(
            "\n\n**The provider does not sign its deliveries**, so `parse` cannot authenticate \
             them: anyone who knows the URL can POST an event. Keep the URL secret (a random \
             path), and confirm what matters through the API before acting on it.",
        ),
        Some(SignatureScheme::StandardWebhooks { tolerance_seconds }) => doc.push_str(&format!(
            "\n\nDeliveries are signed (Standard Webhooks: `webhook-id`, `webhook-timestamp`, \
             `webhook-signature`). A [`Receiver`] given the endpoint's secret \
             (`Receiver::new().secret(\"whsec_…\")`) checks every delivery, with a timestamp \
             tolerance of {tolerance_seconds} s; [`parse`], which has no secret, refuses every \
             delivery with `ParseError::NoSecret`."
        )),
    }
    doc_attrs(&doc)
}

fn event_doc(e: &WebhookEventDef) -> TokenStream {
    let mut doc = if e.doc.is_empty() {
        format!("`{}`.", e.name)
    } else {
        format!("`{}`: {}", e.name, e.doc)
    };
    if let Some(ex) = &e.example {
        doc.push_str(&format!("\n\n# Example\n\n```json\n{}\n```", ex.trim()));
    }
    doc_attrs(&doc)
}

/// The `webhooks` submodule of an API, if its spec declares webhooks.
pub(crate) fn webhooks_module(api: &Api) -> TokenStream {
    let Some(hooks) = &api.webhooks else {
        return TokenStream::new();
    };
    let doc = module_doc(api, hooks);
    let api_name = &api.name;
    let names: Vec<&str> = hooks.events.iter().map(|e| e.name.as_str()).collect();
    let max_body = usize::try_from(hooks.max_body_bytes).unwrap_or(usize::MAX);
    let (signature, tolerance) = match hooks.signature {
        None => (quote!(::core::option::Option::None), 300u64),
        Some(SignatureScheme::StandardWebhooks { tolerance_seconds }) => (
            quote!(::core::option::Option::Some(
                ::hookspec::webhooks::SignatureScheme::StandardWebhooks
            )),
            tolerance_seconds,
        ),
    };
    let body = match &hooks.tag {
        Some(tag) => tagged(api, hooks, tag),
        None => untagged(hooks),
    };
    let example = hooks
        .example
        .as_ref()
        .or_else(|| hooks.events.iter().find_map(|e| e.example.as_ref()))
        .map(|ex| {
            let ex = ex.trim();
            quote! {
                /// A delivery's body, as the spec documents it.
                pub const EXAMPLE: &str = #ex;
            }
        });
    let Body {
        enum_def,
        decode,
        event_type,
        event_id,
        is_known,
        extra,
    } = body;
    quote! {
        #doc
        pub mod webhooks {
            #enum_def

            impl ::hookspec::webhooks::Events for Event {
                const API: &'static str = #api_name;
                const SIGNATURE: ::core::option::Option<::hookspec::webhooks::SignatureScheme> = #signature;
                const MAX_BODY_BYTES: usize = #max_body;
                const TOLERANCE_SECONDS: u64 = #tolerance;
                const EVENT_TYPES: &'static [&'static str] = EVENT_TYPES;

                fn decode(body: &[u8]) -> ::core::result::Result<Self, ::hookspec::webhooks::ParseError> {
                    #decode
                }

                fn event_type(&self) -> &str {
                    #event_type
                }

                fn event_id(&self) -> ::core::option::Option<&str> {
                    #event_id
                }

                fn is_known(&self) -> bool {
                    #is_known
                }
            }

            impl Event {
                /// The event's type as sent.
                pub fn event_type(&self) -> &str {
                    <Self as ::hookspec::webhooks::Events>::event_type(self)
                }

                /// The event's id, when the envelope has one.
                pub fn event_id(&self) -> ::core::option::Option<&str> {
                    <Self as ::hookspec::webhooks::Events>::event_id(self)
                }

                #extra
            }

            /// Every event type the spec declares.
            pub const EVENT_TYPES: &[&str] = &[#(#names),*];

            #example

            /// Parses this API's deliveries: limits and secrets (see
            /// [`::hookspec::webhooks::Receiver`]).
            pub type Receiver = ::hookspec::webhooks::Receiver<Event>;

            /// A delivery that parsed.
            pub type Received = ::hookspec::webhooks::Received<Event>;

            /// Parses one delivery (its headers and body as received) with the spec's limits
            /// and no secret.
            pub fn parse(
                headers: &::hookspec::http::HeaderMap,
                body: &[u8],
            ) -> ::core::result::Result<Received, ::hookspec::webhooks::ParseError> {
                Receiver::new().parse(headers, body)
            }

            /// [`parse`] for a body already held as `Bytes`: [`Received::raw`](::hookspec::webhooks::Received::raw)
            /// shares it instead of a copy.
            pub fn parse_bytes(
                headers: &::hookspec::http::HeaderMap,
                body: ::hookspec::bytes::Bytes,
            ) -> ::core::result::Result<Received, ::hookspec::webhooks::ParseError> {
                Receiver::new().parse_bytes(headers, body)
            }
        }
    }
}

struct Body {
    enum_def: TokenStream,
    decode: TokenStream,
    event_type: TokenStream,
    event_id: TokenStream,
    is_known: TokenStream,
    extra: TokenStream,
}

/// Whether the single-pass decoding may take an object whose first key is `wrapper` and
/// whose only key it is as the nested form: only when decoding it flat must fail (`data` a
/// model with a required field, none named `wrapper`, no flattened group), which is when the
/// two-pass `__decode_data` takes the nested form too.
fn nested_is_unambiguous(api: &Api, data: &TypeRef, wrapper: &str) -> bool {
    let TypeRef::Model(name) = data else {
        return false;
    };
    let Some(m) = api.models.iter().find(|m| &m.name == name) else {
        return false;
    };
    m.one_of.is_empty()
        && m.fields.iter().any(|f| !f.is_option())
        && !m
            .fields
            .iter()
            .any(|f| f.name == wrapper || f.aliases.iter().any(|a| a == wrapper))
}

/// The envelope model's fields but the data: their declarations (types named from the
/// `webhooks` submodule) and their Rust names.
fn envelope_fields(m: &Model, data_wire: &str) -> (Vec<TokenStream>, Vec<proc_macro2::Ident>) {
    let mut decls = Vec::new();
    let mut idents = Vec::new();
    for f in &m.fields {
        if f.name == data_wire {
            continue;
        }
        match m.group_of(&f.name) {
            Some(g) if g.members.first() == Some(&f.name) => {
                let ident = format_ident!("{}", g.field);
                let ty = format_ident!("{}", g.type_name);
                let doc = doc_attrs(&g.doc);
                decls.push(quote! {
                    #doc
                    #[serde(flatten)]
                    pub #ident: super::#ty,
                });
                idents.push(ident);
            }
            Some(_) => {}
            None => {
                decls.push(field_with(f, &outer_type));
                idents.push(format_ident!("{}", f.rust_name));
            }
        }
    }
    (decls, idents)
}

fn tagged(api: &Api, hooks: &Webhooks, tag: &hookspec_spec::WebhookTag) -> Body {
    let TypeRef::Model(envelope_name) = &hooks.envelope else {
        unreachable!("the validator requires a model envelope when tagged")
    };
    let model = api
        .models
        .iter()
        .find(|m| &m.name == envelope_name)
        .expect("the validator resolves the envelope model");
    let envelope = format_ident!("{}", envelope_name);
    let enum_ty = format_ident!("{}", tag.enum_name);
    let tag_field = format_ident!("{}", tag.field_rust_name);
    let data_field = format_ident!("{}", tag.data_rust_name);
    let data_wire = &tag.data_field;
    let wrapper = match &tag.data_wrapper {
        Some(w) => quote!(::core::option::Option::Some(#w)),
        None => quote!(::core::option::Option::None),
    };
    let data_ref = if tag.data_nullable {
        quote!(envelope.#data_field.as_ref())
    } else {
        quote!(::core::option::Option::Some(&envelope.#data_field))
    };
    let wire_names = |wire: &str| -> Vec<String> {
        let mut names = vec![wire.to_owned()];
        if let Some(f) = model.fields.iter().find(|f| f.name == wire) {
            names.extend(f.aliases.iter().cloned());
        }
        names
    };
    let tag_names = wire_names(&tag.field);
    let data_names = wire_names(data_wire);
    let (env_decls, env_idents) = envelope_fields(model, data_wire);
    // The single pass needs the data field outside any flattened group.
    let single_pass = model.group_of(data_wire).is_none();
    let nested = tag.data_wrapper.as_deref().filter(|w| {
        hooks
            .events
            .iter()
            .all(|e| nested_is_unambiguous(api, &e.data, w))
    });
    let data_with = match nested {
        Some(_) => quote!(, deserialize_with = "__data_flat_or_nested"),
        None => TokenStream::new(),
    };
    let data_with_fn = nested.map(|w| {
        quote! {
            fn __data_flat_or_nested<'de, D, T>(deserializer: D) -> ::core::result::Result<T, D::Error>
            where
                D: ::hookspec::__private::serde::Deserializer<'de>,
                T: ::hookspec::__private::serde::Deserialize<'de>,
            {
                ::hookspec::webhooks::__flat_or_nested(deserializer, #w)
            }
        }
    });
    let data_aliases = &data_names[1..];
    let envelope_doc = doc_attrs(&format!(
        "The envelope of a typed event: every field of [`super::{envelope_name}`] but `{data_wire}`. \
         The data is the event's [`Typed::data`](::hookspec::webhooks::Typed::data), decoded from \
         the body in the same pass; the delivery's bytes, data included, are \
         [`Received::raw`](::hookspec::webhooks::Received::raw)."
    ));
    let single_pass_defs = single_pass.then(|| {
        quote! {
            /// The envelope with its data decoded as `D`: what the single-pass decoding reads.
            #[derive(::hookspec::__private::serde::Deserialize)]
            #[serde(crate = "::hookspec::__private::serde")]
            #[serde(bound(deserialize = "D: ::hookspec::__private::serde::Deserialize<'de>"))]
            struct EnvelopeOf<D> {
                #(#env_decls)*
                #[serde(rename = #data_wire #(, alias = #data_aliases)* #data_with)]
                #data_field: D,
            }

            impl<D> EnvelopeOf<D> {
                fn split(self) -> (Envelope, D) {
                    (Envelope { #(#env_idents: self.#env_idents,)* }, self.#data_field)
                }
            }

            #data_with_fn
        }
    });
    let envelope_defs = quote! {
        #envelope_doc
        #[derive(::core::clone::Clone, ::core::fmt::Debug, ::core::cmp::PartialEq,
                 ::hookspec::__private::serde::Serialize, ::hookspec::__private::serde::Deserialize)]
        #[serde(crate = "::hookspec::__private::serde")]
        pub struct Envelope {
            #(#env_decls)*
        }

        impl ::core::convert::From<super::#envelope> for Envelope {
            /// The envelope without its data.
            fn from(e: super::#envelope) -> Self {
                Self { #(#env_idents: e.#env_idents,)* }
            }
        }

        #single_pass_defs
    };
    let variants = hooks.events.iter().map(|e| {
        let v = format_ident!("{}", e.rust_name);
        let d = outer_type(&e.data);
        let doc = event_doc(e);
        quote! {
            #doc
            #v(::std::boxed::Box<::hookspec::webhooks::Typed<Envelope, #d>>),
        }
    });
    let idents: Vec<_> = hooks
        .events
        .iter()
        .map(|e| format_ident!("{}", e.rust_name))
        .collect();
    let datas: Vec<_> = hooks.events.iter().map(|e| outer_type(&e.data)).collect();
    let names: Vec<&str> = hooks.events.iter().map(|e| e.name.as_str()).collect();
    let enum_def = quote! {
        /// One delivery's event: one variant per event type, its data typed, and
        /// [`Event::Unknown`] for a type the spec does not declare.
        #[derive(::core::clone::Clone, ::core::fmt::Debug, ::core::cmp::PartialEq)]
        #[non_exhaustive]
        pub enum Event {
            #(#variants)*
            /// An event type the spec does not declare: the whole envelope, its data kept raw.
            Unknown(::std::boxed::Box<super::#envelope>),
        }

        #envelope_defs
    };
    // Every declared event with the same data type: the tag need not be read first. The body
    // is decoded once as an envelope of that type, whatever the order of its keys, and its tag
    // picks the variant (an undeclared tag, or any error, takes the two passes below).
    let one_data_type = datas
        .first()
        .is_some_and(|first| datas.iter().all(|d| d.to_string() == first.to_string()));
    let fast = single_pass.then(|| if one_data_type {
        let d = &datas[0];
        quote! {
            // One pass: every declared event type has the same data type.
            if let ::core::option::Option::Some(e) =
                ::hookspec::webhooks::__decode_fast::<EnvelopeOf<#d>>(body)
            {
                match e.#tag_field {
                    #(
                        super::#enum_ty::#idents => {
                            let (envelope, data) = e.split();
                            return ::core::result::Result::Ok(Self::#idents(
                                ::std::boxed::Box::new(::hookspec::webhooks::Typed { envelope, data }),
                            ));
                        }
                    )*
                    _ => {}
                }
            }
        }
    } else {
        quote! {
            // One pass when the tag comes before the data: the tag read first, then the body
            // decoded once with the data typed. Anything else, or any error, takes the two
            // passes below, which also word the errors.
            if let ::core::option::Option::Some(tag) =
                ::hookspec::webhooks::__scan_tag(body, &[#(#tag_names),*], &[#(#data_names),*])
            {
                let fast = match <super::#enum_ty as ::core::convert::From<&str>>::from(&*tag) {
                    #(
                        super::#enum_ty::#idents => ::hookspec::webhooks::__decode_fast::<EnvelopeOf<#datas>>(body)
                            .filter(|e| ::core::matches!(e.#tag_field, super::#enum_ty::#idents))
                            .map(|e| {
                                let (envelope, data) = e.split();
                                Self::#idents(::std::boxed::Box::new(::hookspec::webhooks::Typed { envelope, data }))
                            }),
                    )*
                    _ => ::core::option::Option::None,
                };
                if let ::core::option::Option::Some(event) = fast {
                    return ::core::result::Result::Ok(event);
                }
            }
        }
    });
    let decode = quote! {
        #fast
        let envelope: super::#envelope = ::hookspec::webhooks::__decode_body(body)?;
        ::core::result::Result::Ok(match &envelope.#tag_field {
            #(
                super::#enum_ty::#idents => {
                    let data = ::hookspec::webhooks::__decode_data(#data_ref, #data_wire, #wrapper)?;
                    Self::#idents(::std::boxed::Box::new(::hookspec::webhooks::Typed {
                        envelope: Envelope::from(envelope),
                        data,
                    }))
                }
            )*
            _ => Self::Unknown(::std::boxed::Box::new(envelope)),
        })
    };
    let event_type = quote! {
        match self {
            #(Self::#idents(_) => #names,)*
            Self::Unknown(e) => e.#tag_field.as_str(),
        }
    };
    let event_id = match &hooks.id_field {
        Some(id) => {
            let id = format_ident!("{}", id);
            quote! {
                ::core::option::Option::Some(match self {
                    #(Self::#idents(e) => e.envelope.#id.as_str(),)*
                    Self::Unknown(e) => e.#id.as_str(),
                })
            }
        }
        None => quote!(::core::option::Option::None),
    };
    let is_known = quote!(!::core::matches!(self, Self::Unknown(_)));
    let extra = quote! {
        /// The envelope of a typed event (every field but the data, which is the variant's
        /// `data`); `None` for [`Event::Unknown`], which holds the whole envelope, its data raw.
        pub fn envelope(&self) -> ::core::option::Option<&Envelope> {
            match self {
                #(Self::#idents(e) => ::core::option::Option::Some(&e.envelope),)*
                Self::Unknown(_) => ::core::option::Option::None,
            }
        }
    };
    Body {
        enum_def,
        decode,
        event_type,
        event_id,
        is_known,
        extra,
    }
}

fn untagged(hooks: &Webhooks) -> Body {
    let e = &hooks.events[0];
    let v = format_ident!("{}", e.rust_name);
    let d = outer_type(&hooks.envelope);
    let doc = event_doc(e);
    let name = &e.name;
    let enum_def = quote! {
        /// One delivery's event. Deliveries carry no event type: every one is this event.
        #[derive(::core::clone::Clone, ::core::fmt::Debug, ::core::cmp::PartialEq)]
        #[non_exhaustive]
        pub enum Event {
            #doc
            #v(#d),
        }
    };
    Body {
        enum_def,
        decode: quote!(::core::result::Result::Ok(Self::#v(::hookspec::webhooks::__decode_body(body)?))),
        event_type: quote! {
            match self {
                Self::#v(_) => #name,
            }
        },
        event_id: quote!(::core::option::Option::None),
        is_known: quote!(true),
        extra: TokenStream::new(),
    }
}
