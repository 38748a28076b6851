//! Models (structs), one-of groups (enums), string enums and the error body.

use hookspec_spec::{Api, EnumDef, Field, Model, OneOf, TypeRef};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::docs::doc_attrs;
use crate::types::rust_type;

/// `serde` attributes that make derives resolve through `::hookspec`.
fn serde_crate() -> TokenStream {
    quote!(#[serde(crate = "::hookspec::__private::serde")])
}

fn model_doc(m: &Model) -> TokenStream {
    let mut s = m.doc.clone();
    if let Some(ex) = &m.example {
        s.push_str(&format!("\n\n# Example\n\n```json\n{}\n```", ex.trim()));
    }
    doc_attrs(&s)
}

pub(crate) fn model(m: &Model) -> TokenStream {
    let name = format_ident!("{}", m.name);
    let doc = model_doc(m);
    let serde = serde_crate();
    let mut fields = Vec::new();
    let mut groups = Vec::new();
    for f in &m.fields {
        match m.group_of(&f.name) {
            Some(g) if g.members.first() == Some(&f.name) => {
                fields.push(one_of_field(g));
                groups.push(one_of_enum(m, g));
            }
            Some(_) => {}
            None => fields.push(field(f)),
        }
    }
    quote! {
        #doc
        #[derive(::core::clone::Clone, ::core::fmt::Debug, ::core::cmp::PartialEq,
                 ::hookspec::__private::serde::Serialize, ::hookspec::__private::serde::Deserialize)]
        #serde
        pub struct #name {
            #(#fields)*
        }
        #(#groups)*
    }
}

fn field(f: &Field) -> TokenStream {
    field_with(f, &rust_type)
}

/// A model's field (doc, serde attributes, type), its spec types named by `ty`: for a copy of
/// a model's fields in another module.
pub(crate) fn field_with(f: &Field, ty: &dyn Fn(&TypeRef) -> TokenStream) -> TokenStream {
    let ident = format_ident!("{}", f.rust_name);
    let mut doc = f.doc.clone();
    let notes: Vec<String> = [
        (f.name != f.rust_name).then(|| format!("`{}` on the wire", f.name)),
        (!f.aliases.is_empty()).then(|| {
            let a: Vec<String> = f.aliases.iter().map(|a| format!("`{a}`")).collect();
            format!("also accepted as {}", a.join(", "))
        }),
        f.optional.then(|| "may be absent".to_owned()),
        f.nullable.then(|| "may be null".to_owned()),
        f.lenient
            .then(|| "accepted as a number or a string".to_owned()),
        f.boxed.then(|| "boxed to keep the parent small".to_owned()),
    ]
    .into_iter()
    .flatten()
    .collect();
    if !notes.is_empty() {
        doc.push_str(&format!("\n\n({}.)", notes.join("; ")));
    }
    let doc = doc_attrs(&doc);
    let wire = &f.name;
    let mut attrs = vec![quote!(rename = #wire)];
    attrs.extend(f.aliases.iter().map(|a| quote!(alias = #a)));
    let inner = ty(&f.ty);
    let inner = if f.boxed {
        quote!(::std::boxed::Box<#inner>)
    } else {
        inner
    };
    let ty = if f.is_option() {
        quote!(::core::option::Option<#inner>)
    } else {
        inner
    };
    if f.is_option() {
        attrs.push(quote!(default));
    }
    // A zero time decodes as `None`, and `None` is left out when encoding: "absent".
    if f.optional || f.zero_as_none {
        attrs.push(quote!(
            skip_serializing_if = "::core::option::Option::is_none"
        ));
    }
    if f.zero_as_none {
        attrs.push(quote!(with = "::hookspec::__private::zero_datetime"));
    } else if f.lenient && is_lenient_scalar(&f.ty) {
        let func = if f.is_option() {
            "::hookspec::__private::lenient::deserialize_option"
        } else {
            "::hookspec::__private::lenient::deserialize"
        };
        attrs.push(quote!(deserialize_with = #func));
    }
    quote! {
        #doc
        #[serde(#(#attrs),*)]
        pub #ident: #ty,
    }
}

fn is_lenient_scalar(ty: &TypeRef) -> bool {
    matches!(ty, TypeRef::String | TypeRef::Integer | TypeRef::Float)
}

fn one_of_field(g: &OneOf) -> TokenStream {
    let ident = format_ident!("{}", g.field);
    let ty = format_ident!("{}", g.type_name);
    let doc = doc_attrs(&g.doc);
    quote! {
        #doc
        #[serde(flatten)]
        pub #ident: #ty,
    }
}

fn one_of_enum(m: &Model, g: &OneOf) -> TokenStream {
    let name = format_ident!("{}", g.type_name);
    let serde = serde_crate();
    let members: Vec<String> = g.members.iter().map(|x| format!("`{x}`")).collect();
    let doc = doc_attrs(&format!(
        "{}\n\nExactly one of {} of [`{}`]: the type makes sending none or two impossible.",
        g.doc,
        members.join(", "),
        m.name
    ));
    let variants = g.members.iter().filter_map(|member| {
        let f = m.fields.iter().find(|f| &f.name == member)?;
        let variant = format_ident!("{}", variant_name(&f.rust_name));
        let ty = rust_type(&f.ty);
        let doc = doc_attrs(&f.doc);
        let wire = &f.name;
        Some(quote! {
            #doc
            #[serde(rename = #wire)]
            #variant(#ty),
        })
    });
    quote! {
        #doc
        #[derive(::core::clone::Clone, ::core::fmt::Debug, ::core::cmp::PartialEq,
                 ::hookspec::__private::serde::Serialize, ::hookspec::__private::serde::Deserialize)]
        #serde
        pub enum #name {
            #(#variants)*
        }
    }
}

/// The variant of a one-of member: its Rust name in PascalCase, made a valid identifier.
fn variant_name(rust_name: &str) -> String {
    let name = heck::ToUpperCamelCase::to_upper_camel_case(rust_name);
    if name.starts_with(|c: char| c.is_ascii_alphabetic()) && name != "Self" {
        name
    } else {
        format!("V{name}")
    }
}

pub(crate) fn string_enum(e: &EnumDef) -> TokenStream {
    let name = format_ident!("{}", e.name);
    let doc = doc_attrs(&format!(
        "{}\n\nValues this version does not know decode as [`{}::Unknown`] and encode back unchanged.",
        e.doc, e.name
    ));
    let idents: Vec<_> = e
        .values
        .iter()
        .map(|v| format_ident!("{}", v.rust_name))
        .collect();
    let values: Vec<&str> = e.values.iter().map(|v| v.value.as_str()).collect();
    let expecting = format!("a {} string", e.name);
    let docs = e
        .values
        .iter()
        .map(|v| doc_attrs(&format!("`{}`: {}", v.value, v.doc)));
    quote! {
        #doc
        #[derive(::core::clone::Clone, ::core::fmt::Debug, ::core::cmp::PartialEq, ::core::cmp::Eq, ::core::hash::Hash)]
        #[non_exhaustive]
        pub enum #name {
            #(#docs #idents,)*
            /// A value this version of the spec does not list; the text is kept as sent.
            Unknown(::std::string::String),
        }

        impl #name {
            /// Every value the spec lists.
            pub const KNOWN: &'static [#name] = &[#(#name::#idents),*];

            /// The value as sent on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    #(#name::#idents => #values,)*
                    #name::Unknown(s) => s.as_str(),
                }
            }
        }

        impl ::core::convert::From<&str> for #name {
            fn from(s: &str) -> Self {
                match s {
                    #(#values => #name::#idents,)*
                    other => #name::Unknown(::std::borrow::ToOwned::to_owned(other)),
                }
            }
        }

        impl ::core::convert::From<::std::string::String> for #name {
            fn from(s: ::std::string::String) -> Self {
                match #name::from(s.as_str()) {
                    #name::Unknown(_) => #name::Unknown(s),
                    known => known,
                }
            }
        }

        impl ::core::str::FromStr for #name {
            type Err = ::core::convert::Infallible;
            fn from_str(s: &str) -> ::core::result::Result<Self, Self::Err> {
                ::core::result::Result::Ok(#name::from(s))
            }
        }

        impl ::core::fmt::Display for #name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::hookspec::__private::serde::Serialize for #name {
            fn serialize<S: ::hookspec::__private::serde::Serializer>(&self, serializer: S) -> ::core::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::hookspec::__private::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::hookspec::__private::serde::Deserializer<'de>>(deserializer: D) -> ::core::result::Result<Self, D::Error> {
                // Known values are matched on the borrowed text: no allocation per value.
                deserializer.deserialize_str(::hookspec::__private::EnumVisitor::<#name>::new(#expecting))
            }
        }
    }
}

/// `ApiErrorBody`: the API's error models, tried in the spec's order.
pub(crate) fn error_body(api: &Api) -> TokenStream {
    if api.error_models.is_empty() {
        return quote! {
            /// The spec declares no error model: error bodies are kept as JSON.
            pub type ApiErrorBody = ::hookspec::serde_json::Value;

            /// The error type of this API's calls.
            pub type Error = ::hookspec::Error<ApiErrorBody>;
        };
    }
    let serde = serde_crate();
    let variants = api.error_models.iter().map(|m| {
        let ident = format_ident!("{}", m);
        let doc = format!(" The [`{m}`] shape.");
        quote!(#[doc = #doc] #ident(#ident),)
    });
    quote! {
        /// The body of an error response, decoded into the first of the API's error models
        /// that fits. A body that fits none stays available as [`::hookspec::ApiError::raw`].
        #[derive(::core::clone::Clone, ::core::fmt::Debug, ::core::cmp::PartialEq,
                 ::hookspec::__private::serde::Serialize, ::hookspec::__private::serde::Deserialize)]
        #serde
        #[serde(untagged)]
        pub enum ApiErrorBody {
            #(#variants)*
        }

        /// The error type of this API's calls.
        pub type Error = ::hookspec::Error<ApiErrorBody>;
    }
}
