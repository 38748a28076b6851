//! API metadata, the client and one function plus one builder per endpoint.

use heck::{ToShoutySnakeCase, ToUpperCamelCase};
use hookspec_spec::{Api, Auth, Endpoint, PageStyle, Param, Segment, TypeRef};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::docs::{doc_attrs, endpoint_doc};
use crate::types::{param_into, param_type, rust_type, stored_param_type};

pub(crate) fn api_meta(api: &Api) -> TokenStream {
    let name = &api.name;
    let title = &api.title;
    let base_url = &api.base_url;
    let auth = match &api.auth {
        Auth::Header { name } => quote!(::hookspec::runtime::AuthScheme::Header(#name)),
        Auth::Bearer => quote!(::hookspec::runtime::AuthScheme::Bearer),
        Auth::None => quote!(::hookspec::runtime::AuthScheme::None),
    };
    let rate_limit = match api.rate_limit {
        Some(rl) => {
            let (r, p) = (rl.requests, rl.per_seconds);
            quote!(::core::option::Option::Some(::hookspec::runtime::RateLimit { requests: #r, per_seconds: #p }))
        }
        None => quote!(::core::option::Option::None),
    };
    let all_idents: Vec<_> = api.endpoints.iter().map(meta_ident).collect();
    let endpoint_metas = api.endpoints.iter().map(|ep| {
        let ident = meta_ident(ep);
        let id = format!("{}.{}", api.name, ep.name);
        let method = format_ident!("{}", ep.method.as_str());
        let path = &ep.path;
        let idempotent = ep.idempotent;
        let decode_json = match &ep.response.ty {
            Some(ty) => {
                let output = rust_type(ty);
                quote!(::hookspec::runtime::decode_json::<#output>)
            }
            None => quote!(::hookspec::runtime::decode_json_empty),
        };
        let doc = format!(" What the spec says about `{} {}`.", ep.method, ep.path);
        quote! {
            #[doc = #doc]
            pub static #ident: ::hookspec::runtime::EndpointMeta = ::hookspec::runtime::EndpointMeta {
                api: &API,
                id: #id,
                method: ::hookspec::reqwest::Method::#method,
                path: #path,
                idempotent: #idempotent,
                decode_json: #decode_json,
            };
        }
    });
    quote! {
        /// What the spec says about this API as a whole.
        pub static API: ::hookspec::runtime::ApiMeta = ::hookspec::runtime::ApiMeta {
            name: #name,
            title: #title,
            base_url: #base_url,
            auth: #auth,
            rate_limit: #rate_limit,
        };

        /// What the spec says about each endpoint.
        pub mod endpoints {
            #[allow(unused_imports)]
            use super::*;
            #(#endpoint_metas)*

            /// Every endpoint of the API, in spec order.
            pub static ALL: &[&::hookspec::runtime::EndpointMeta] = &[#(&#all_idents),*];
        }
    }
}

fn meta_ident(ep: &Endpoint) -> proc_macro2::Ident {
    format_ident!("{}", ep.name.to_shouty_snake_case())
}

fn builder_ident(ep: &Endpoint) -> proc_macro2::Ident {
    format_ident!("{}Builder", ep.name.to_upper_camel_case())
}

/// The Rust type a call returns: the response type, or `()` for a response without a body.
fn output_type(ep: &Endpoint) -> TokenStream {
    match &ep.response.ty {
        Some(ty) => rust_type(ty),
        None => quote!(()),
    }
}

pub(crate) fn client(api: &Api, krate: &str) -> TokenStream {
    let (new_fn, new_doc) = match &api.auth {
        Auth::None => (
            quote! {
                pub fn new() -> ::core::result::Result<Self, ::hookspec::InvalidRequest> {
                    Self::builder().build()
                }
            },
            "A client for the spec's base URL.".to_owned(),
        ),
        auth => (
            quote! {
                pub fn new(credentials: impl ::core::convert::Into<::hookspec::SecretString>) -> ::core::result::Result<Self, ::hookspec::InvalidRequest> {
                    Self::builder().credentials(credentials).build()
                }
            },
            format!(
                "A client for the spec's base URL (`{}`), authenticating with {}.",
                api.base_url,
                match auth {
                    Auth::Header { name } => format!("an API key in the `{name}` header"),
                    _ => "a Bearer token".to_owned(),
                }
            ),
        ),
    };
    let new_doc = doc_attrs(&new_doc);
    let methods = api
        .endpoints
        .iter()
        .map(|ep| endpoint_methods(api, ep, krate));
    let builders = api.endpoints.iter().map(|ep| builder(api, ep));
    let title = &api.title;
    let client_doc = doc_attrs(&format!(
        "Client for the {title}.\n\nCheap to clone: clones share one connection pool. Build one with \
         [`Client::new`] or, to change the base URL, the HTTP client or the timeouts, \
         [`Client::builder`]."
    ));
    quote! {
        #client_doc
        #[derive(::core::clone::Clone, ::core::fmt::Debug)]
        pub struct Client {
            core: ::hookspec::runtime::ClientCore,
        }

        impl ::hookspec::runtime::FromCore for Client {
            const API: &'static ::hookspec::runtime::ApiMeta = &API;
            fn from_core(core: ::hookspec::runtime::ClientCore) -> Self {
                Client { core }
            }
        }

        impl Client {
            #new_doc
            #new_fn

            /// A builder: base URL, credentials, HTTP client, timeouts, body limit.
            pub fn builder() -> ::hookspec::ClientBuilder<Self> {
                ::hookspec::ClientBuilder::new()
            }

            /// The shared runtime state (base URL, settings).
            pub fn core(&self) -> &::hookspec::runtime::ClientCore {
                &self.core
            }

            #(#methods)*
        }

        #(#builders)*
    }
}

/// Required inputs of an endpoint: path parameters in path order, then the body.
struct Required {
    args: Vec<TokenStream>,
    inits: Vec<TokenStream>,
    names: Vec<proc_macro2::Ident>,
}

fn required(ep: &Endpoint) -> Required {
    let mut r = Required {
        args: Vec::new(),
        inits: Vec::new(),
        names: Vec::new(),
    };
    let required_params = ep
        .path_params
        .iter()
        .chain(optional_params(ep).map(|(p, _)| p).filter(|p| !p.optional));
    for p in required_params {
        let ident = format_ident!("{}", p.rust_name);
        let ty = param_type(&p.ty);
        let conv = param_into(&p.ty, &ident);
        r.args.push(quote!(#ident: #ty));
        // `x: x` would be redundant (and linted where the output is compiled as written).
        r.inits.push(if needs_conversion(&p.ty) {
            quote!(#ident: #conv)
        } else {
            quote!(#ident)
        });
        r.names.push(ident);
    }
    if let Some(body) = &ep.body {
        let ty = format_ident!("{}", body.model);
        r.args.push(quote!(body: &'a #ty));
        r.inits.push(quote!(body));
        r.names.push(format_ident!("body"));
    }
    r
}

/// Whether a caller's argument is converted into the stored type (strings, lists).
fn needs_conversion(ty: &TypeRef) -> bool {
    matches!(ty, TypeRef::String | TypeRef::Array(_))
}

fn usage(api: &Api, ep: &Endpoint, krate: &str) -> String {
    // The arguments in the order the function takes them: path parameters, then required
    // query and header parameters, then the body.
    let mut args: Vec<String> = ep
        .path_params
        .iter()
        .chain(optional_params(ep).map(|(p, _)| p).filter(|p| !p.optional))
        .map(|p| example_arg(api, p, krate))
        .collect();
    let mut pre = String::new();
    if let Some(body) = &ep.body {
        let example = ep.examples.iter().find_map(|e| e.request.clone());
        match example {
            Some(json) => pre.push_str(&format!(
                "let body: {krate}::{}::{} = hookspec::serde_json::from_str(r#\"{}\"#)?;\n",
                api.name,
                body.model,
                compact(&json)
            )),
            None => pre.push_str(&format!(
                "let body: {krate}::{}::{} = todo!();\n",
                api.name, body.model
            )),
        }
        args.push("&body".to_owned());
    }
    let mut out = format!(
        "{pre}let response = client.{}({}).await?;\nprintln!(\"{{response:?}}\");",
        ep.name,
        args.join(", ")
    );
    if ep.pagination.is_some() {
        out.push_str(&format!(
            "\n// Every item of every page, one request per page, as the items are consumed:\n\
             use hookspec::futures::StreamExt as _;\n\
             let mut items = client.{}_builder({}).into_stream();\n\
             while let Some(item) = items.next().await {{\n    println!(\"{{:?}}\", item?);\n}}",
            ep.name,
            args.join(", ")
        ));
    }
    out
}

/// A Rust expression for a parameter in a doc example: its spec example, or a placeholder of
/// its type (a list: an array of one item, the example).
fn example_arg(api: &Api, p: &Param, krate: &str) -> String {
    let ex = p.example.as_deref();
    match &p.ty {
        TypeRef::Array(inner) => {
            let item = Param {
                ty: (**inner).clone(),
                ..p.clone()
            };
            format!("[{}]", example_arg(api, &item, krate))
        }
        TypeRef::Integer | TypeRef::UnixSeconds | TypeRef::UnixMillis => {
            let n = ex.and_then(|e| e.trim().parse::<i64>().ok()).unwrap_or(1);
            match &p.ty {
                TypeRef::UnixSeconds => format!("hookspec::UnixSeconds({n})"),
                TypeRef::UnixMillis => format!("hookspec::UnixMillis({n})"),
                _ => n.to_string(),
            }
        }
        TypeRef::Float => format!(
            "{:?}",
            ex.and_then(|e| e.trim().parse::<f64>().ok()).unwrap_or(1.0)
        ),
        TypeRef::Bool => ex
            .map_or(
                "true",
                |e| if e.trim() == "false" { "false" } else { "true" },
            )
            .to_owned(),
        TypeRef::Enum(name) => {
            let value = ex
                .map(str::to_owned)
                .or_else(|| {
                    api.enum_def(name)
                        .and_then(|e| e.values.first())
                        .map(|v| v.value.clone())
                })
                .unwrap_or_default();
            format!("{krate}::{}::{name}::from({value:?})", api.name)
        }
        TypeRef::CivilDateTime => format!(
            "{:?}.parse::<hookspec::CivilDateTime>()?",
            ex.unwrap_or("2026-04-25T12:29:13")
        ),
        TypeRef::TimeRange => {
            let (start, end) = ex
                .and_then(|e| {
                    let rf = p.range.as_ref()?;
                    let (a, b) = e.split_once(rf.separator.as_str())?;
                    Some((a.trim().to_owned(), b.trim().to_owned()))
                })
                // The minutes of each end (`2025-04-01 00:00`); an example of another shape,
                // which the spec does not check, leaves the default one.
                .and_then(|(a, b)| {
                    Some((
                        format!("{}:00Z", a.get(..16)?.replace(' ', "T")),
                        format!("{}:00Z", b.get(..16)?.replace(' ', "T")),
                    ))
                })
                .unwrap_or_else(|| ("2026-04-01T00:00:00Z".into(), "2026-04-30T23:59:00Z".into()));
            format!("hookspec::TimeRange::new({start:?}.parse()?, {end:?}.parse()?)")
        }
        _ => format!(
            "{:?}",
            ex.map_or_else(|| format!("{}-value", p.name), str::to_owned)
        ),
    }
}

/// The JSON text on one line, keys in the order written.
fn compact(json: &str) -> String {
    json.lines()
        .map(str::trim)
        .collect::<Vec<_>>()
        .join(" ")
        .trim()
        .to_owned()
}

fn endpoint_methods(api: &Api, ep: &Endpoint, krate: &str) -> TokenStream {
    let name = format_ident!("{}", ep.name);
    let builder_fn = format_ident!("{}_builder", ep.name);
    let builder = builder_ident(ep);
    let output = output_type(ep);
    let doc = endpoint_doc(api, ep, &usage(api, ep, krate), krate);
    let Required { args, inits, names } = required(ep);
    let builder_doc = format!(
        " The builder form of [`Client::{}`]: set optional parameters and per-call options, then \
         `.send().await` (or `.await` the builder itself).",
        ep.name
    );
    let optional_inits = optional_params(ep)
        .filter(|(p, _)| p.optional)
        .map(|(p, _)| {
            let ident = format_ident!("{}", p.rust_name);
            quote!(#ident: ::core::option::Option::None,)
        });
    // A borrowed body shares the builder's lifetime; otherwise elision says it all.
    let (generics, self_ref, builder_lt) = if ep.body.is_some() {
        (quote!(<'a>), quote!(&'a self), quote!('a))
    } else {
        (quote!(), quote!(&self), quote!('_))
    };
    quote! {
        #doc
        #[inline]
        pub fn #name #generics(#self_ref, #(#args),*) -> impl ::core::future::Future<Output = ::core::result::Result<#output, Error>> + ::core::marker::Send {
            self.#builder_fn(#(#names),*).send()
        }

        #[doc = #builder_doc]
        pub fn #builder_fn #generics(#self_ref, #(#args),*) -> #builder<#builder_lt> {
            #builder {
                client: self,
                #(#inits,)*
                #(#optional_inits)*
                options: ::core::default::Default::default(),
            }
        }
    }
}

fn optional_params(ep: &Endpoint) -> impl Iterator<Item = (&Param, &'static str)> {
    ep.query
        .iter()
        .map(|p| (p, "query"))
        .chain(ep.headers.iter().map(|p| (p, "header")))
}

fn builder(api: &Api, ep: &Endpoint) -> TokenStream {
    let builder = builder_ident(ep);
    let meta = meta_ident(ep);
    let output = output_type(ep);
    // Lists are decoded with the Vec sized from the body (`decode_list`).
    let execute = match &ep.response.ty {
        None => quote! {
            self.client
                .core
                .execute_with::<(), ApiErrorBody>(
                    req,
                    self.options,
                    ::hookspec::runtime::decode_empty,
                )
        },
        Some(TypeRef::Array(inner)) => {
            let inner = rust_type(inner);
            quote! {
                self.client
                    .core
                    .execute_with::<#output, ApiErrorBody>(
                        req,
                        self.options,
                        ::hookspec::runtime::decode_list::<#inner>,
                    )
            }
        }
        _ => quote!(self.client.core.execute::<#output, ApiErrorBody>(req, self.options)),
    };
    let doc = format!(" A `{} {}` request being prepared.", ep.method, ep.path);

    let mut fields = Vec::new();
    for p in &ep.path_params {
        let ident = format_ident!("{}", p.rust_name);
        let ty = stored_param_type(&p.ty);
        fields.push(quote!(#ident: #ty,));
    }
    if let Some(body) = &ep.body {
        let ty = format_ident!("{}", body.model);
        fields.push(quote!(body: &'a #ty,));
    }
    let mut setters = Vec::new();
    let mut sends = Vec::new();
    for (p, place) in optional_params(ep) {
        let ident = format_ident!("{}", p.rust_name);
        let ty = stored_param_type(&p.ty);
        let arg_ty = param_type(&p.ty);
        let conv = param_into(&p.ty, &ident);
        let wire = &p.name;
        let doc = doc_attrs(&format!(
            "{} (`{wire}`, {place}).",
            p.doc.trim_end_matches('.')
        ));
        let add = if let Some(rf) = &p.range {
            let (format, separator) = (&rf.format, &rf.separator);
            let max_days = match rf.max_days {
                Some(d) => quote!(::core::option::Option::Some(#d)),
                None => quote!(::core::option::Option::None),
            };
            quote!(req.time_range(#wire, v, #format, #separator, #max_days))
        } else if let Some(list) = &p.list {
            let explode = list.explode;
            quote!(req.query_list(#wire, v, #explode))
        } else if place == "query" {
            quote!(req.query(#wire, v))
        } else {
            quote!(req.header(#wire, v))
        };
        if p.optional {
            fields.push(quote!(#ident: ::core::option::Option<#ty>,));
            setters.push(quote! {
                #doc
                pub fn #ident(mut self, #ident: #arg_ty) -> Self {
                    self.#ident = ::core::option::Option::Some(#conv);
                    self
                }
            });
            sends.push(quote! {
                if let ::core::option::Option::Some(v) = &self.#ident { #add; }
            });
        } else {
            fields.push(quote!(#ident: #ty,));
            sends.push(quote! {
                let v = &self.#ident;
                #add;
            });
        }
    }
    let path_pushes = ep.segments.iter().map(|s| match s {
        Segment::Literal(l) => quote!(req.literal(#l);),
        Segment::Param(name) => {
            let p = ep.path_params.iter().find(|p| &p.name == name);
            let ident = format_ident!("{}", p.map_or(name.as_str(), |p| p.rust_name.as_str()));
            match p.map(|p| &p.ty) {
                Some(TypeRef::String) => quote!(req.param(#name, &self.#ident);),
                _ => quote!(req.param(#name, &::std::string::ToString::to_string(&self.#ident));),
            }
        }
    });
    let body_push = ep.body.as_ref().map(|_| quote!(req.json(self.body);));
    let (derive_clone, into_stream) = match pagination(api, ep) {
        Some(tokens) => (quote!(::core::clone::Clone,), tokens),
        None => (quote!(), quote!()),
    };
    quote! {
        #[doc = #doc]
        #[derive(#derive_clone ::core::fmt::Debug)]
        #[must_use = "a request does nothing until it is sent with `.send().await` or `.await`"]
        pub struct #builder<'a> {
            client: &'a Client,
            #(#fields)*
            options: ::hookspec::CallOptions,
        }

        impl<'a> #builder<'a> {
            #(#setters)*

            /// Timeout of this call, retries included, overriding the client's.
            pub fn timeout(mut self, timeout: ::core::time::Duration) -> Self {
                self.options.timeout = ::core::option::Option::Some(timeout);
                self
            }

            /// Timeout of each attempt of this call, overriding the client's.
            pub fn attempt_timeout(mut self, timeout: ::core::time::Duration) -> Self {
                self.options.attempt_timeout = ::core::option::Option::Some(timeout);
                self
            }

            /// Attempts for this call (1: no retry), overriding the client's retry policy.
            /// Retries stay limited to what is safe for the endpoint.
            pub fn max_attempts(mut self, attempts: u32) -> Self {
                self.options.max_attempts = ::core::option::Option::Some(attempts);
                self
            }

            #into_stream

            /// Sends the request.
            #[inline]
            pub fn send(self) -> impl ::core::future::Future<Output = ::core::result::Result<#output, Error>> + ::core::marker::Send + 'a {
                let mut req = ::hookspec::runtime::RequestParts::new(&endpoints::#meta);
                #(#path_pushes)*
                #(#sends)*
                #body_push
                #execute
            }
        }

        impl<'a> ::core::future::IntoFuture for #builder<'a> {
            type Output = ::core::result::Result<#output, Error>;
            type IntoFuture = ::core::pin::Pin<::std::boxed::Box<dyn ::core::future::Future<Output = Self::Output> + ::core::marker::Send + 'a>>;
            fn into_future(self) -> Self::IntoFuture {
                ::std::boxed::Box::pin(self.send())
            }
        }
    }
}

/// `into_stream` of a paginated endpoint's builder: one request per page, each a clone of the
/// builder with the page parameter set.
fn pagination(api: &Api, ep: &Endpoint) -> Option<TokenStream> {
    let pg = ep.pagination.as_ref()?;
    let Some(TypeRef::Model(model)) = &ep.response.ty else {
        return None;
    };
    let model = api.model(model)?;
    let field = |wire: &str| model.fields.iter().find(|f| f.name == wire);
    let items_field = field(&pg.items)?;
    let TypeRef::Array(item_ty) = &items_field.ty else {
        return None;
    };
    let item = rust_type(item_ty);
    let items_ident = format_ident!("{}", items_field.rust_name);
    let take_items = if items_field.is_option() {
        quote!(let items = response.#items_ident.unwrap_or_default();)
    } else {
        quote!(let items = response.#items_ident;)
    };
    let param = ep.query.iter().find(|q| q.name == pg.param)?;
    let param_ident = format_ident!("{}", param.rust_name);
    let doc = format!(
        " The items of every page, as a lazy stream: the first request is this one (with the \
         `{}` this builder holds, if any); the next is sent only once every item of the page \
         before it was taken, and the stream ends after the last page or after yielding an \
         error. Each page is one call: retries, timeouts and the rate limit apply per page.",
        pg.param
    );
    let body = match &pg.style {
        PageStyle::Page {
            first_page,
            next,
            total_pages,
        } => {
            let declared = |wire: &Option<String>| match wire.as_deref().and_then(field) {
                Some(f) => {
                    let ident = format_ident!("{}", f.rust_name);
                    if f.is_option() {
                        quote!(::core::option::Option::Some(response.#ident))
                    } else {
                        quote!(::core::option::Option::Some(::core::option::Option::Some(response.#ident)))
                    }
                }
                None => quote!(::core::option::Option::None),
            };
            let (next, total) = (declared(next), declared(total_pages));
            let (first, set) = if param.optional {
                (
                    quote!(self.#param_ident.unwrap_or(#first_page)),
                    quote!(call.#param_ident = ::core::option::Option::Some(page);),
                )
            } else {
                (quote!(self.#param_ident), quote!(call.#param_ident = page;))
            };
            quote! {
                let first: i64 = #first;
                ::hookspec::runtime::paginate(first, move |page: i64| {
                    let mut call = ::core::clone::Clone::clone(&self);
                    #set
                    async move {
                        let response = call.send().await?;
                        #take_items
                        let next = ::hookspec::runtime::next_page(page, items.is_empty(), #next, #total);
                        ::core::result::Result::<_, Error>::Ok(::hookspec::runtime::Page { items, next })
                    }
                })
            }
        }
        PageStyle::Cursor { next_cursor } => {
            let f = field(next_cursor)?;
            let cursor_ident = format_ident!("{}", f.rust_name);
            quote! {
                let first: ::core::option::Option<::std::string::String> = ::core::clone::Clone::clone(&self.#param_ident);
                ::hookspec::runtime::paginate(first, move |cursor: ::core::option::Option<::std::string::String>| {
                    let mut call = ::core::clone::Clone::clone(&self);
                    call.#param_ident = ::core::clone::Clone::clone(&cursor);
                    async move {
                        let response = call.send().await?;
                        #take_items
                        let next = ::hookspec::runtime::next_cursor(cursor.as_deref(), items.is_empty(), response.#cursor_ident)
                            .map(::core::option::Option::Some);
                        ::core::result::Result::<_, Error>::Ok(::hookspec::runtime::Page { items, next })
                    }
                })
            }
        }
    };
    Some(quote! {
        #[doc = #doc]
        pub fn into_stream(self) -> ::hookspec::runtime::ItemStream<'a, #item, Error> {
            #body
        }
    })
}
