//! The behaviour an endpoint declares in its spec (`[emulator]`), run on the emulator's
//! in-memory state: one collection per `[resources.<name>]` of each API, seeded from the
//! spec, per emulator instance.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::http::StatusCode;
use axum::response::Response;
use hookspec_spec::{
    Api, Emulation, Endpoint, Model, Operation, Resource, TypeRef, ValueError, json_integer,
};
use serde_json::{Map, Value};

use crate::handlers::{api_error, json_response};
use crate::lock;

/// Every resource of every API: `(api, resource)` → items.
#[derive(Debug, Default)]
pub(crate) struct Store {
    items: Mutex<HashMap<(String, String), Vec<Value>>>,
    next_id: AtomicU64,
    /// Bumped by every change of any resource: what the lookup indexes are checked against.
    version: AtomicU64,
    /// Per resource and pair of integer fields: the version it was built at, and the position
    /// of the first item per pair of values (see [`Store::find_by_pair`]).
    pair_indexes: Mutex<HashMap<PairIndexKey, PairIndex>>,
}

/// `(api, resource, field a, field b)`.
type PairIndexKey = (String, String, &'static str, &'static str);
/// The store version it was built at, and `(a, b)` → position.
type PairIndex = (u64, HashMap<(i64, i64), usize>);

impl Store {
    pub(crate) fn seeded(apis: &[std::sync::Arc<Api>]) -> Self {
        let mut items = HashMap::new();
        for api in apis {
            for r in &api.resources {
                items.insert((api.name.clone(), r.name.clone()), r.seed.clone());
            }
        }
        Store {
            items: Mutex::new(items),
            next_id: AtomicU64::new(1),
            version: AtomicU64::new(0),
            pair_indexes: Mutex::new(HashMap::new()),
        }
    }

    /// The items of a resource (a copy).
    pub(crate) fn items(&self, api: &str, resource: &str) -> Vec<Value> {
        lock(&self.items)
            .get(&(api.to_owned(), resource.to_owned()))
            .cloned()
            .unwrap_or_default()
    }

    /// A copy of the first item of a resource that `pred` accepts (no copy of the others).
    pub(crate) fn find(
        &self,
        api: &str,
        resource: &str,
        pred: impl FnMut(&&Value) -> bool,
    ) -> Option<Value> {
        lock(&self.items)
            .get(&(api.to_owned(), resource.to_owned()))
            .and_then(|items| items.iter().find(pred).cloned())
    }

    /// A copy of the first item of a resource whose integer fields `a` and `b` hold `key`
    /// (integral floats count), found through an index kept per resource and field pair and
    /// rebuilt after a change: a resend among 10 000 jobs does not scan them all.
    pub(crate) fn find_by_pair(
        &self,
        api: &str,
        resource: &str,
        (a, b): (&'static str, &'static str),
        key: (i64, i64),
    ) -> Option<Value> {
        let all = lock(&self.items);
        let items = all.get(&(api.to_owned(), resource.to_owned()))?;
        let version = self.version.load(Ordering::SeqCst);
        let mut indexes = lock(&self.pair_indexes);
        let entry = indexes
            .entry((api.to_owned(), resource.to_owned(), a, b))
            .or_insert_with(|| (u64::MAX, HashMap::new()));
        if entry.0 != version {
            entry.1.clear();
            for (pos, item) in items.iter().enumerate() {
                let pair = (
                    item.get(a).and_then(hookspec_spec::json_integer),
                    item.get(b).and_then(hookspec_spec::json_integer),
                );
                if let (Some(x), Some(y)) = pair {
                    entry.1.entry((x, y)).or_insert(pos);
                }
            }
            entry.0 = version;
        }
        entry.1.get(&key).and_then(|&pos| items.get(pos)).cloned()
    }

    /// Runs `f` on a resource's items.
    fn with<T>(&self, api: &str, resource: &str, f: impl FnOnce(&mut Vec<Value>) -> T) -> T {
        let mut all = lock(&self.items);
        // Counted as a change whatever `f` does, under the lock the indexes are built under:
        // they are rebuilt on their next use.
        self.version.fetch_add(1, Ordering::SeqCst);
        let items = all
            .entry((api.to_owned(), resource.to_owned()))
            .or_default();
        f(items)
    }

    /// Appends items to a resource.
    pub(crate) fn extend(&self, api: &str, resource: &str, new: impl IntoIterator<Item = Value>) {
        self.with(api, resource, |items| items.extend(new));
    }

    /// Appends an item to a resource.
    pub(crate) fn push(&self, api: &str, resource: &str, item: Value) {
        self.with(api, resource, |items| items.push(item));
    }

    /// A new id: 24 hex digits, like the seed's (time, then a counter).
    pub(crate) fn new_id(&self) -> String {
        let n = self.next_id.fetch_add(1, Ordering::Relaxed);
        format!("{:016x}{:08x}", now_secs() << 16 | (n >> 32), n as u32)
    }
}

pub(crate) fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// `secs` as RFC 3339 in UTC (`2026-11-27T10:00:00Z`).
pub(crate) fn rfc3339(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

/// The value of `field` of `item`, under its name or one of its aliases.
pub(crate) fn get<'v>(model: Option<&Model>, item: &'v Value, field: &str) -> Option<&'v Value> {
    if let Some(v) = item.get(field) {
        return Some(v);
    }
    let f = model?
        .fields
        .iter()
        .find(|f| f.name == field || f.aliases.iter().any(|a| a == field))?;
    std::iter::once(&f.name)
        .chain(&f.aliases)
        .find_map(|k| item.get(k.as_str()))
}

/// A JSON value as a path or query parameter reads it.
pub(crate) fn as_param(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// What a declared operation sees of the request.
pub(crate) struct Call<'a> {
    pub(crate) api: &'a Api,
    pub(crate) ep: &'a Endpoint,
    pub(crate) params: &'a HashMap<String, String>,
    pub(crate) query: &'a HashMap<String, String>,
    pub(crate) body: &'a Value,
}

impl Call<'_> {
    fn param(&self, name: &str) -> Option<&str> {
        self.params
            .get(name)
            .or_else(|| self.query.get(name))
            .map(String::as_str)
    }

    pub(crate) fn success(&self, body: &Value) -> Response {
        if self.ep.response.ty.is_none() {
            // A bodiless response (204).
            return axum::response::IntoResponse::into_response(
                StatusCode::from_u16(self.ep.response.status).unwrap_or(StatusCode::NO_CONTENT),
            );
        }
        json_response(
            StatusCode::from_u16(self.ep.response.status).unwrap_or(StatusCode::OK),
            body,
        )
    }

    fn not_found(&self, r: &Resource) -> Response {
        api_error(self.api, StatusCode::NOT_FOUND, &r.not_found, &[])
    }
}

/// Runs the operation `emu` declares.
pub(crate) fn run(store: &Store, call: &Call<'_>, emu: &Emulation) -> Response {
    let api = call.api;
    if let Some((parent, param)) = &emu.parent
        && let Some(pr) = api.resource(parent)
    {
        let id = call.param(param).unwrap_or("");
        let found = store.items(&api.name, parent).iter().any(|i| {
            get(api.model(&pr.model), i, &pr.id_field)
                .map(as_param)
                .as_deref()
                == Some(id)
        });
        if !found {
            return call.not_found(pr);
        }
    }
    let (Some(rname), Some(op)) = (&emu.resource, emu.op) else {
        return api_error(
            api,
            StatusCode::NOT_IMPLEMENTED,
            "this endpoint declares no operation",
            &[],
        );
    };
    let Some(res) = api.resource(rname) else {
        return api_error(
            api,
            StatusCode::INTERNAL_SERVER_ERROR,
            "unknown resource",
            &[],
        );
    };
    let model = api.model(&res.model);
    let matches = |item: &Value| {
        emu.filters
            .iter()
            .all(|(field, param)| match call.param(param) {
                Some(want) => get(model, item, field).map(as_param).as_deref() == Some(want),
                None => true,
            })
    };
    let id = emu
        .id_param
        .as_deref()
        .and_then(|p| call.param(p))
        .unwrap_or("");
    let is_it = |item: &Value| {
        matches(item) && get(model, item, &res.id_field).map(as_param).as_deref() == Some(id)
    };
    match op {
        Operation::List => {
            let items: Vec<Value> = store
                .items(&api.name, rname)
                .into_iter()
                .filter(|i| matches(i))
                .collect();
            crate::list::respond(call, emu, res, model, items)
        }
        Operation::Get => match store.items(&api.name, rname).into_iter().find(|i| is_it(i)) {
            Some(item) => call.success(emu.response.as_ref().unwrap_or(&item)),
            None => call.not_found(res),
        },
        Operation::Delete => {
            let removed = store.with(&api.name, rname, |items| {
                let at = items.iter().position(&is_it)?;
                Some(items.remove(at))
            });
            match removed {
                Some(item) => call.success(emu.response.as_ref().unwrap_or(&item)),
                None => call.not_found(res),
            }
        }
        Operation::Create => {
            let mut item = Map::new();
            for (k, v) in &res.defaults {
                item.insert(k.clone(), v.clone());
            }
            if let Some(body) = call.body.as_object() {
                for (k, v) in body {
                    item.insert(k.clone(), v.clone());
                }
            }
            // An integer id is the largest one plus one, given when the item is stored.
            let id = if integer_id(model, res) {
                Value::from(0)
            } else {
                Value::String(store.new_id())
            };
            item.insert(res.id_field.clone(), id);
            let now = now_secs();
            for f in [&res.created_field, &res.updated_field]
                .into_iter()
                .flatten()
            {
                item.insert(f.clone(), time_value(model, f, now));
            }
            let item = Value::Object(item);
            store_checked(store, call, res, model, None, item)
        }
        Operation::Replace | Operation::Update | Operation::Action => {
            let Some(current) = store.items(&api.name, rname).into_iter().find(|i| is_it(i)) else {
                return call.not_found(res);
            };
            let mut item = current.as_object().cloned().unwrap_or_default();
            let body = call.body.as_object().cloned().unwrap_or_default();
            match op {
                Operation::Replace => {
                    let body_model = call.ep.body.as_ref().and_then(|b| api.model(&b.model));
                    for f in body_model.map(|m| m.fields.as_slice()).unwrap_or_default() {
                        match body.get(&f.name) {
                            Some(v) => item.insert(f.name.clone(), v.clone()),
                            None => item.remove(&f.name),
                        };
                    }
                }
                Operation::Update => item.extend(body),
                _ => {
                    for (field, from) in &emu.set {
                        if let Some(v) = body.get(from) {
                            item.insert(field.clone(), v.clone());
                        }
                    }
                }
            }
            if let Some(f) = &res.updated_field {
                item.insert(f.clone(), time_value(model, f, now_secs()));
            }
            store_checked(store, call, res, model, Some(id), Value::Object(item))
        }
    }
}

/// Stores `item` (replacing the one with id `replacing`, or appended) once it fits the model
/// and breaks no `unique` field: else 500 (a spec whose declarations cannot make a valid
/// item) or 409.
fn store_checked(
    store: &Store,
    call: &Call<'_>,
    res: &Resource,
    model: Option<&Model>,
    replacing: Option<&str>,
    mut item: Value,
) -> Response {
    let api = call.api;
    let problems = api.check_value(&TypeRef::Model(res.model.clone()), &item);
    if !problems.is_empty() {
        return api_error(
            api,
            StatusCode::INTERNAL_SERVER_ERROR,
            "the emulator cannot make a valid item from this request (spec declarations)",
            &problems,
        );
    }
    let id_of = |i: &Value| get(model, i, &res.id_field).map(as_param);
    let conflict = store.with(&api.name, &res.name, |items| {
        for field in &res.unique {
            let mine = get(model, &item, field);
            if mine.is_none() || mine == Some(&Value::Null) {
                continue;
            }
            if let Some(other) = items
                .iter()
                .find(|o| id_of(o).as_deref() != replacing && get(model, o, field) == mine)
            {
                return Some(ValueError {
                    path: field.clone(),
                    message: format!(
                        "already used by {} `{}`",
                        res.name.replace('_', " "),
                        id_of(other).unwrap_or_default()
                    ),
                });
            }
        }
        match replacing {
            Some(id) => {
                if let Some(slot) = items.iter_mut().find(|o| id_of(o).as_deref() == Some(id)) {
                    *slot = item.clone();
                }
            }
            None => {
                if integer_id(model, res) {
                    let next = items
                        .iter()
                        .filter_map(|o| get(model, o, &res.id_field).and_then(json_integer))
                        .max()
                        .map_or(1, |m| m.saturating_add(1));
                    item[res.id_field.as_str()] = Value::from(next);
                }
                items.push(item.clone());
            }
        }
        None
    });
    match conflict {
        Some(problem) => api_error(api, StatusCode::CONFLICT, "conflict", &[problem]),
        None => call.success(&item),
    }
}

/// Whether the resource's ids are integers (created ones count up from the largest).
fn integer_id(model: Option<&Model>, res: &Resource) -> bool {
    model
        .and_then(|m| m.fields.iter().find(|f| f.name == res.id_field))
        .is_some_and(|f| f.ty == TypeRef::Integer)
}

/// Now, as the field's type wants it.
fn time_value(model: Option<&Model>, field: &str, now: u64) -> Value {
    let ty = model
        .and_then(|m| m.fields.iter().find(|f| f.name == field))
        .map(|f| &f.ty);
    match ty {
        Some(TypeRef::UnixSeconds | TypeRef::Integer) => Value::from(now),
        Some(TypeRef::UnixMillis) => Value::from(now * 1000),
        _ => Value::String(rfc3339(now)),
    }
}

/// An item as a list shows it.
pub(crate) fn view(model: Option<&Model>, v: &hookspec_spec::ListView, mut item: Value) -> Value {
    let Some(obj) = item.as_object_mut() else {
        return item;
    };
    for (field, name) in &v.rename {
        let key = model
            .and_then(|m| {
                m.fields
                    .iter()
                    .find(|f| &f.name == field || f.aliases.contains(field))
            })
            .map(|f| {
                std::iter::once(&f.name)
                    .chain(&f.aliases)
                    .find(|k| obj.contains_key(k.as_str()))
                    .cloned()
                    .unwrap_or_else(|| field.clone())
            })
            .unwrap_or_else(|| field.clone());
        if let Some(value) = obj.remove(&key) {
            obj.insert(name.clone(), value);
        }
    }
    for n in &v.nulls {
        obj.insert(n.clone(), Value::Null);
    }
    for (k, value) in &v.set {
        obj.insert(k.clone(), value.clone());
    }
    item
}

/// The endpoint's first success example, parsed.
pub(crate) fn first_example(ep: &Endpoint) -> Option<Value> {
    ep.examples
        .iter()
        .filter(|e| (200..300).contains(&e.status))
        .find_map(|e| e.response.as_deref())
        .and_then(|t| serde_json::from_str(t).ok())
}

#[cfg(test)]
mod tests {
    #[test]
    fn rfc3339_of_known_instants() {
        assert_eq!(super::rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(super::rfc3339(1_664_581_231), "2022-09-30T23:40:31Z");
        assert_eq!(super::rfc3339(951_782_400), "2000-02-29T00:00:00Z");
    }
}
