//! Declared `list` operations: the `in_range` time filters and, for an endpoint with
//! `[pagination]`, pages as the spec declares them (numbered pages or opaque cursors, the
//! page size of `[emulator.paging]`, the response fields it names).

use axum::http::StatusCode;
use axum::response::Response;
use hookspec::{TimeRange, Timestamp};
use hookspec_spec::{
    Api, Emulation, Model, PageStyle, Pagination, Paging, Resource, TypeRef, ValueError,
    json_integer,
};
use serde_json::{Map, Value};

use crate::declared::{Call, as_param, first_example, get, view};
use crate::handlers::api_error;

/// The items of a list, filtered and (when the endpoint is paginated) paged.
pub(crate) fn respond(
    call: &Call<'_>,
    emu: &Emulation,
    res: &Resource,
    model: Option<&Model>,
    items: Vec<Value>,
) -> Response {
    let api = call.api;
    let mut ranges = Vec::new();
    for (field, param) in &emu.in_range {
        let (Some(text), Some(q)) = (
            call.query.get(param),
            call.ep.query.iter().find(|q| &q.name == param),
        ) else {
            continue;
        };
        let Some(rf) = &q.range else { continue };
        match TimeRange::parse(text, &rf.format, &rf.separator) {
            Ok(r) => ranges.push((
                field.as_str(),
                api.path_type(&res.model, field).unwrap_or(TypeRef::Json),
                r,
            )),
            Err(message) => return bad_param(api, param, message),
        }
    }
    let items: Vec<Value> = items
        .into_iter()
        .filter(|item| {
            ranges.iter().all(|(field, ty, range)| {
                at_path(api, &res.model, item, field)
                    .and_then(|v| instant(ty, v))
                    .is_some_and(|t| range.start <= t && t <= range.end)
            })
        })
        .collect();
    let Some(pg) = &call.ep.pagination else {
        let items: Vec<Value> = items
            .into_iter()
            .map(|i| view(model, &emu.list_view, i))
            .collect();
        let body = match &emu.items_field {
            Some(key) => {
                let mut outer = first_example(call.ep)
                    .filter(Value::is_object)
                    .unwrap_or_else(|| Value::Object(Map::new()));
                outer[key.as_str()] = Value::Array(items);
                outer
            }
            None => Value::Array(items),
        };
        return call.success(&body);
    };
    match page(call, emu, pg, res, model, items) {
        Ok(body) => call.success(&body),
        Err((param, message)) => bad_param(api, &param, message),
    }
}

fn bad_param(api: &Api, param: &str, message: String) -> Response {
    api_error(
        api,
        StatusCode::BAD_REQUEST,
        "The request contains invalid parameters",
        &[ValueError {
            path: param.to_owned(),
            message,
        }],
    )
}

/// The value at a dotted field path of an item (each step by name or alias).
fn at_path<'v>(api: &Api, model: &str, item: &'v Value, path: &str) -> Option<&'v Value> {
    let mut cur = item;
    let mut prefix = String::new();
    for step in path.split('.') {
        let m = if prefix.is_empty() {
            api.model(model)
        } else {
            match api.path_type(model, &prefix) {
                Some(TypeRef::Model(name)) => api.model(&name),
                _ => None,
            }
        };
        cur = get(m, cur, step)?;
        if !prefix.is_empty() {
            prefix.push('.');
        }
        prefix.push_str(step);
    }
    Some(cur)
}

/// A time value of type `ty` as an instant. `json` (an undeclared shape) is read as
/// milliseconds when it is a number (or a string of digits) of at least 10^11, as seconds
/// when smaller, and as RFC 3339 or a zoneless date and time (UTC) when it is text.
pub(crate) fn instant(ty: &TypeRef, v: &Value) -> Option<Timestamp> {
    let int = |v: &Value| json_integer(v).or_else(|| v.as_str()?.trim().parse::<i64>().ok());
    let secs = |n: i64| Timestamp::from_second(n).ok();
    let millis = |n: i64| Timestamp::from_millisecond(n).ok();
    let text = |s: &str| {
        let s = s.trim();
        s.parse::<Timestamp>()
            .ok()
            .or_else(|| format!("{}Z", s.replacen(' ', "T", 1)).parse().ok())
    };
    match ty {
        TypeRef::UnixSeconds | TypeRef::Integer => secs(int(v)?),
        TypeRef::UnixMillis => millis(int(v)?),
        TypeRef::DateTime | TypeRef::CivilDateTime => text(v.as_str()?),
        _ => match int(v) {
            Some(n) if n.unsigned_abs() >= 100_000_000_000 => millis(n),
            Some(n) => secs(n),
            None => text(v.as_str()?),
        },
    }
}

/// The page a request asks for: the response body, or the parameter at fault and why.
fn page(
    call: &Call<'_>,
    emu: &Emulation,
    pg: &Pagination,
    res: &Resource,
    model: Option<&Model>,
    items: Vec<Value>,
) -> Result<Value, (String, String)> {
    let paging = emu.paging.as_ref();
    let default = paging.map_or(Paging::DEFAULT_SIZE, |p| p.default_size);
    let size = match paging.and_then(|p| Some((p, p.size_param.as_ref()?))) {
        Some((p, param)) => match call.query.get(param) {
            Some(text) => {
                let n: i64 = text.parse().map_err(|_| {
                    (
                        param.clone(),
                        format!("expected an integer, found `{text}`"),
                    )
                })?;
                if n < 1 {
                    return Err((param.clone(), format!("must be at least 1, found {n}")));
                }
                if let Some(max) = p.max_size.filter(|m| n > *m) {
                    return Err((param.clone(), format!("must be at most {max}, found {n}")));
                }
                n
            }
            None => default,
        },
        None => default,
    };
    let size = usize::try_from(size).unwrap_or(usize::MAX);
    let total = items.len();
    let mut body = first_example(call.ep)
        .filter(Value::is_object)
        .unwrap_or_else(|| Value::Object(Map::new()));
    let mut set = |field: Option<&String>, v: Value| {
        if let Some(f) = field {
            body[f.as_str()] = v;
        }
    };
    let id_of = |i: &Value| {
        get(model, i, &res.id_field)
            .map(as_param)
            .unwrap_or_default()
    };
    let start = match &pg.style {
        PageStyle::Page {
            first_page,
            next,
            total_pages,
        } => {
            let number = match call.query.get(&pg.param) {
                Some(text) => text.parse::<i64>().map_err(|_| {
                    (
                        pg.param.clone(),
                        format!("expected an integer, found `{text}`"),
                    )
                })?,
                None => *first_page,
            };
            if number < *first_page {
                return Err((
                    pg.param.clone(),
                    format!("must be at least {first_page}, found {number}"),
                ));
            }
            // Past the last page: an empty page.
            let start = usize::try_from(number - first_page)
                .ok()
                .and_then(|n| n.checked_mul(size))
                .unwrap_or(usize::MAX)
                .min(total);
            let more = start.saturating_add(size) < total;
            set(next.as_ref(), more.then(|| Value::from(number + 1)).into());
            set(total_pages.as_ref(), Value::from(total.div_ceil(size)));
            if let Some(p) = paging {
                set(p.page.as_ref(), Value::from(number));
                set(
                    p.prev.as_ref(),
                    (number > *first_page)
                        .then(|| Value::from(number - 1))
                        .into(),
                );
            }
            start
        }
        PageStyle::Cursor { next_cursor } => {
            let start = match call.query.get(&pg.param).map(String::as_str) {
                None | Some("") => 0,
                Some(c) => cursor_start(c, &items, &id_of).ok_or_else(|| {
                    (
                        pg.param.clone(),
                        format!("`{}` is not a cursor this emulator gave", cut(c)),
                    )
                })?,
            };
            let end = start.saturating_add(size).min(total);
            let next = (end < total).then(|| Value::String(cursor(end, &id_of(&items[end - 1]))));
            set(Some(next_cursor), next.into());
            start
        }
    };
    if let Some(p) = paging {
        set(p.total.as_ref(), Value::from(total));
        set(p.size.as_ref(), Value::from(size));
    }
    let page: Vec<Value> = items
        .into_iter()
        .skip(start)
        .take(size)
        .map(|i| view(model, &emu.list_view, i))
        .collect();
    body[pg.items.as_str()] = Value::Array(page);
    Ok(body)
}

fn cut(s: &str) -> &str {
    let mut end = s.len().min(64);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// An opaque cursor: the position after the page and the id of its last item, in hex. The
/// next page starts after that item wherever it now is (items created since do not shift
/// it), or at the position when the item is gone.
fn cursor(position: usize, last_id: &str) -> String {
    format!("{position}:{last_id}")
        .bytes()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Where the page a cursor asks for starts; `None` for a cursor the emulator never gave.
fn cursor_start(c: &str, items: &[Value], id_of: &dyn Fn(&Value) -> String) -> Option<usize> {
    if !c.len().is_multiple_of(2) || !c.is_ascii() {
        return None;
    }
    let bytes: Vec<u8> = (0..c.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&c[i..i + 2], 16))
        .collect::<Result<_, _>>()
        .ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (position, id) = text.split_once(':')?;
    let position: usize = position.parse().ok()?;
    Some(match items.iter().position(|i| id_of(i) == id) {
        Some(at) => at + 1,
        None => position.min(items.len()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn cursors_round_trip_and_follow_their_item() {
        let items: Vec<Value> = (0..5).map(|i| json!({"id": i})).collect();
        let id_of = |i: &Value| as_param(&i["id"]);
        let c = cursor(2, "1");
        assert_eq!(cursor_start(&c, &items, &id_of), Some(2));
        // An item inserted before it: the page still starts after item 1.
        let mut more = items.clone();
        more.insert(0, json!({"id": 9}));
        assert_eq!(cursor_start(&c, &more, &id_of), Some(3));
        // Its item gone: the position.
        assert_eq!(cursor_start(&c, &items[2..], &id_of), Some(2));
        for bad in ["zz", "abc", "6869", "é"] {
            assert_eq!(cursor_start(bad, &items, &id_of), None, "{bad}");
        }
    }

    #[test]
    fn instants_by_type() {
        let at = |s: &str| s.parse::<Timestamp>().unwrap();
        let t = at("2025-04-25T12:29:13Z");
        assert_eq!(instant(&TypeRef::Json, &json!("1745584153000")), Some(t));
        assert_eq!(instant(&TypeRef::Json, &json!(1_745_584_153)), Some(t));
        assert_eq!(
            instant(&TypeRef::Json, &json!("2025-04-25 12:29:13")),
            Some(t)
        );
        assert_eq!(
            instant(&TypeRef::UnixMillis, &json!(1_745_584_153_000_i64)),
            Some(t)
        );
        assert_eq!(
            instant(&TypeRef::DateTime, &json!("2025-04-25T12:29:13Z")),
            Some(t)
        );
        assert_eq!(instant(&TypeRef::Json, &json!({})), None);
        assert_eq!(instant(&TypeRef::UnixSeconds, &json!("x")), None);
    }
}
