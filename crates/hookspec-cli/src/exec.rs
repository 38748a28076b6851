//! Running one endpoint from parsed arguments.

use std::time::Duration;

use clap::ArgMatches;
use hookspec::runtime::{
    ApiEntry, CallOptions, ClientBuilder, ClientCore, EndpointMeta, RawResponse, RequestParts,
};
use hookspec::{Error, SecretString};
use hookspec_spec::{Api, Endpoint, Segment, TypeRef};
use serde_json::{Map, Value};

use crate::spec_cli::{field_id, flag_name, key_env, param_id};
use crate::{Failure, Target, out};

/// A parameter value as the text the API expects.
fn text_of(m: &ArgMatches, id: &str, ty: &TypeRef) -> Option<String> {
    Some(match ty {
        TypeRef::Integer | TypeRef::UnixSeconds | TypeRef::UnixMillis => {
            m.get_one::<i64>(id)?.to_string()
        }
        TypeRef::Float => m.get_one::<f64>(id)?.to_string(),
        TypeRef::Bool => m.get_one::<bool>(id)?.to_string(),
        TypeRef::Json
        | TypeRef::RawJson
        | TypeRef::Array(_)
        | TypeRef::Map(_)
        | TypeRef::Model(_) => m.get_one::<Value>(id)?.to_string(),
        TypeRef::String
        | TypeRef::DateTime
        | TypeRef::CivilDateTime
        | TypeRef::TimeRange
        | TypeRef::Enum(_) => m.get_one::<String>(id)?.clone(),
    })
}

/// Every occurrence of a repeated flag (a list parameter's items), as text.
fn texts_of(m: &ArgMatches, id: &str, item: &TypeRef) -> Vec<String> {
    fn all<T: ToString + Clone + Send + Sync + 'static>(m: &ArgMatches, id: &str) -> Vec<String> {
        m.get_many::<T>(id)
            .map(|vs| vs.map(ToString::to_string).collect())
            .unwrap_or_default()
    }
    match item {
        TypeRef::Integer | TypeRef::UnixSeconds | TypeRef::UnixMillis => all::<i64>(m, id),
        TypeRef::Float => all::<f64>(m, id),
        TypeRef::Bool => all::<bool>(m, id),
        TypeRef::Json
        | TypeRef::RawJson
        | TypeRef::Array(_)
        | TypeRef::Map(_)
        | TypeRef::Model(_) => all::<Value>(m, id),
        _ => all::<String>(m, id),
    }
}

fn json_of(m: &ArgMatches, id: &str, ty: &TypeRef) -> Option<Value> {
    Some(match ty {
        TypeRef::Integer | TypeRef::UnixSeconds | TypeRef::UnixMillis => {
            Value::from(*m.get_one::<i64>(id)?)
        }
        TypeRef::Float => Value::from(*m.get_one::<f64>(id)?),
        TypeRef::Bool => Value::from(*m.get_one::<bool>(id)?),
        TypeRef::Json
        | TypeRef::RawJson
        | TypeRef::Array(_)
        | TypeRef::Map(_)
        | TypeRef::Model(_) => m.get_one::<Value>(id)?.clone(),
        TypeRef::String
        | TypeRef::DateTime
        | TypeRef::CivilDateTime
        | TypeRef::TimeRange
        | TypeRef::Enum(_) => Value::from(m.get_one::<String>(id)?.clone()),
    })
}

/// The JSON body from `--body` or from the field flags, checked against the spec.
fn body(api: &Api, ep: &Endpoint, m: &ArgMatches) -> Result<Option<Vec<u8>>, Failure> {
    let Some(b) = &ep.body else { return Ok(None) };
    let value = match m.get_one::<Value>("body") {
        Some(v) => v.clone(),
        None => {
            let mut obj = Map::new();
            if let Some(model) = api.model(&b.model) {
                for f in &model.fields {
                    if let Some(v) = json_of(m, &field_id(&f.name), &f.ty) {
                        obj.insert(f.name.clone(), v);
                    }
                }
            }
            Value::Object(obj)
        }
    };
    let problems = api.check_value(&TypeRef::Model(b.model.clone()), &value);
    if let Some(p) = problems.first() {
        return Err(Failure::Usage(format!("invalid body: {p}")));
    }
    Ok(Some(
        serde_json::to_vec(&value).map_err(|e| Failure::Usage(e.to_string()))?,
    ))
}

/// Builds the untyped client for `entry` at `target`.
pub(crate) fn client(entry: &ApiEntry, target: &Target) -> Result<ClientCore, Failure> {
    let mut b = ClientBuilder::<ClientCore>::for_api(entry.meta);
    if let Some(url) = &target.base_url {
        b = b.base_url(url.clone());
    }
    if let Some(key) = &target.key {
        b = b.credentials(SecretString::from(key.clone()));
    }
    b.build_core().map_err(|e| {
        if target.key.is_none() {
            Failure::Usage(format!(
                "{e} (pass --key or set {})",
                key_env(entry.meta.name)
            ))
        } else {
            Failure::Usage(e.to_string())
        }
    })
}

/// Sends the request of `ep` built from `m`; a success response comes back as the server
/// sent it (the caller decodes it, or prints it raw).
pub(crate) async fn run(
    core: &ClientCore,
    meta: &'static EndpointMeta,
    api: &Api,
    ep: &Endpoint,
    m: &ArgMatches,
) -> Result<RawResponse, Failure> {
    let mut req = RequestParts::new(meta);
    for seg in &ep.segments {
        match seg {
            Segment::Literal(l) => req.literal(l),
            Segment::Param(p) => {
                let v = m.get_one::<String>(p).map_or("", String::as_str);
                req.param(p, v);
            }
        }
    }
    for (place, params) in [("query", &ep.query), ("header", &ep.headers)] {
        for p in params {
            if let (TypeRef::Array(inner), Some(list)) = (&p.ty, &p.list) {
                let name: &'static str = Box::leak(p.name.clone().into_boxed_str());
                let items = texts_of(m, &param_id(place, &p.name), inner);
                req.query_list(name, &items, list.explode);
                continue;
            }
            if let Some(v) = text_of(m, &param_id(place, &p.name), &p.ty) {
                // Names come from the specs embedded in this binary: leaking them is bounded.
                let name: &'static str = Box::leak(p.name.clone().into_boxed_str());
                if let Some(rf) = &p.range {
                    // Parsed and checked exactly as the typed client does.
                    let range = hookspec::TimeRange::parse(&v, &rf.format, &rf.separator)
                        .map_err(|e| Failure::Usage(format!("--{}: {e}", flag_name(&p.name))))?;
                    req.time_range(name, &range, &rf.format, &rf.separator, rf.max_days);
                } else if place == "query" {
                    req.query(name, v);
                } else {
                    req.header(name, v);
                }
            }
        }
    }
    if let Some(bytes) = body(api, ep, m)? {
        req.json_bytes(bytes);
    }
    let mut opts = CallOptions::default();
    opts.timeout = m.get_one::<u64>("timeout").map(|s| Duration::from_secs(*s));
    let raw = core
        .send::<Value>(req, &opts)
        .await
        .map_err(Failure::from)?;
    if !raw.status.is_success() {
        let body = String::from_utf8_lossy(&raw.body);
        return Err(Failure::Api(format!(
            "HTTP {} from {}: {body}",
            raw.status, meta.id
        )));
    }
    Ok(raw)
}

impl From<Error<Value>> for Failure {
    fn from(e: Error<Value>) -> Self {
        match e {
            Error::Api(a) => {
                let body = String::from_utf8_lossy(&a.raw).into_owned();
                Failure::Api(format!("HTTP {} from {}: {body}", a.status, a.endpoint))
            }
            Error::Transport(t) => Failure::Transport(out::with_causes(&*t)),
            Error::Decode(d) => Failure::Other(out::with_causes(&*d)),
            Error::InvalidRequest(i) => Failure::Usage(i.to_string()),
            other => Failure::Other(out::with_causes(&other)),
        }
    }
}
