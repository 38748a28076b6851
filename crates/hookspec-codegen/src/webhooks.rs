//! `<api>::webhooks`: the events an API POSTs to webhook URLs (from its `webhooks.toml`).

use hookspec_spec::{Api, SignatureScheme, TypeRef, WebhookEventDef, Webhooks};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::docs::doc_attrs;

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
        Some(tag) => tagged(hooks, tag),
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

fn tagged(hooks: &Webhooks, tag: &hookspec_spec::WebhookTag) -> Body {
    let TypeRef::Model(envelope_name) = &hooks.envelope else {
        unreachable!("the validator requires a model envelope when tagged")
    };
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
    let variants = hooks.events.iter().map(|e| {
        let v = format_ident!("{}", e.rust_name);
        let d = outer_type(&e.data);
        let doc = event_doc(e);
        quote! {
            #doc
            #v(::std::boxed::Box<::hookspec::webhooks::Typed<super::#envelope, #d>>),
        }
    });
    let idents: Vec<_> = hooks
        .events
        .iter()
        .map(|e| format_ident!("{}", e.rust_name))
        .collect();
    let names: Vec<&str> = hooks.events.iter().map(|e| e.name.as_str()).collect();
    let enum_def = quote! {
        /// One delivery's event: one variant per event type, its data typed, and
        /// [`Event::Unknown`] for a type the spec does not declare.
        #[derive(::core::clone::Clone, ::core::fmt::Debug, ::core::cmp::PartialEq)]
        #[non_exhaustive]
        pub enum Event {
            #(#variants)*
            /// An event type the spec does not declare: the envelope, its data kept raw.
            Unknown(::std::boxed::Box<super::#envelope>),
        }
    };
    let decode = quote! {
        let envelope: super::#envelope = ::hookspec::webhooks::__decode_body(body)?;
        ::core::result::Result::Ok(match &envelope.#tag_field {
            #(
                super::#enum_ty::#idents => {
                    let data = ::hookspec::webhooks::__decode_data(#data_ref, #data_wire, #wrapper)?;
                    Self::#idents(::std::boxed::Box::new(::hookspec::webhooks::Typed { envelope, data }))
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
            quote!(::core::option::Option::Some(self.envelope().#id.as_str()))
        }
        None => quote!(::core::option::Option::None),
    };
    let is_known = quote!(!::core::matches!(self, Self::Unknown(_)));
    let extra = quote! {
        /// The envelope as sent (its data field raw).
        pub fn envelope(&self) -> &super::#envelope {
            match self {
                #(Self::#idents(e) => &e.envelope,)*
                Self::Unknown(e) => e,
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
