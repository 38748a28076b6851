//! Spec types → Rust types.

use hookspec_spec::TypeRef;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

/// The Rust type of a value of `ty` inside a model.
pub(crate) fn rust_type(ty: &TypeRef) -> TokenStream {
    match ty {
        TypeRef::String => quote!(::std::string::String),
        TypeRef::Integer => quote!(i64),
        TypeRef::Float => quote!(f64),
        TypeRef::Bool => quote!(bool),
        TypeRef::UnixSeconds => quote!(::hookspec::UnixSeconds),
        TypeRef::DateTime => quote!(::hookspec::Timestamp),
        TypeRef::UnixMillis => quote!(::hookspec::UnixMillis),
        TypeRef::CivilDateTime => quote!(::hookspec::CivilDateTime),
        TypeRef::TimeRange => quote!(::hookspec::TimeRange),
        TypeRef::Json => quote!(::hookspec::serde_json::Value),
        TypeRef::RawJson => quote!(::hookspec::RawJson),
        TypeRef::Array(inner) => {
            let inner = rust_type(inner);
            quote!(::std::vec::Vec<#inner>)
        }
        TypeRef::Map(inner) => {
            let inner = rust_type(inner);
            quote!(::std::collections::BTreeMap<::std::string::String, #inner>)
        }
        TypeRef::Model(name) | TypeRef::Enum(name) => {
            let ident = format_ident!("{}", name);
            quote!(#ident)
        }
    }
}

/// The type a caller passes for a path, query or header parameter.
pub(crate) fn param_type(ty: &TypeRef) -> TokenStream {
    match ty {
        TypeRef::String => quote!(impl ::core::convert::Into<::std::string::String>),
        TypeRef::Array(inner) if **inner == TypeRef::String => quote!(
            impl ::core::iter::IntoIterator<Item = impl ::core::convert::Into<::std::string::String>>
        ),
        TypeRef::Array(inner) => {
            let inner = rust_type(inner);
            quote!(impl ::core::iter::IntoIterator<Item = #inner>)
        }
        other => rust_type(other),
    }
}

/// The type a builder stores for a parameter.
pub(crate) fn stored_param_type(ty: &TypeRef) -> TokenStream {
    rust_type(ty)
}

/// Converts a caller's argument into the stored type.
pub(crate) fn param_into(ty: &TypeRef, ident: &proc_macro2::Ident) -> TokenStream {
    match ty {
        TypeRef::String => quote!(#ident.into()),
        TypeRef::Array(inner) if **inner == TypeRef::String => quote!(
            ::core::iter::Iterator::collect(
                ::core::iter::Iterator::map(::core::iter::IntoIterator::into_iter(#ident), ::core::convert::Into::into)
            )
        ),
        TypeRef::Array(_) => {
            quote!(::core::iter::Iterator::collect(::core::iter::IntoIterator::into_iter(#ident)))
        }
        _ => quote!(#ident),
    }
}
