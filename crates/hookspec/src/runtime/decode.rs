//! Decoding success bodies: JSON paths and excerpts on failure, lists sized from the body.

use bytes::Bytes;
use reqwest::StatusCode;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{DecodeError, excerpt};

/// Decodes a success body, reporting the JSON path and an excerpt on failure.
pub fn decode<T: DeserializeOwned>(
    endpoint: &'static str,
    status: StatusCode,
    body: Bytes,
) -> Result<T, Box<DecodeError>> {
    let fail = |path: String, inner: serde_json::Error| {
        let offset = offset_of(&body, inner.line(), inner.column());
        Box::new(DecodeError {
            endpoint,
            status,
            path,
            message: inner.to_string(),
            line: inner.line(),
            column: inner.column(),
            excerpt: excerpt(&body, offset),
            raw: body.clone(),
        })
    };
    // Fast path: plain serde_json. Only a body that fails is decoded a second time with
    // path tracking, which costs about as much as the decoding itself.
    match serde_json::from_slice::<T>(&body) {
        Ok(value) => Ok(value),
        Err(plain) => {
            let mut de = serde_json::Deserializer::from_slice(&body);
            match serde_path_to_error::deserialize::<_, T>(&mut de) {
                Err(e) => {
                    let path = e.path().to_string();
                    Err(fail(path, e.into_inner()))
                }
                // The value decoded but something follows it: report serde_json's own error.
                Ok(_) => Err(fail(".".to_owned(), plain)),
            }
        }
    }
}

/// [`decode`] into `T`, then `T` encoded as a JSON value: the body as the typed client sees it.
/// (`T`'s encoding cannot fail for generated models; if it did, the error says so.)
pub fn decode_json<T: DeserializeOwned + Serialize>(
    endpoint: &'static str,
    status: StatusCode,
    body: Bytes,
) -> Result<serde_json::Value, Box<DecodeError>> {
    let value = decode::<T>(endpoint, status, body.clone())?;
    serde_json::to_value(&value).map_err(|e| {
        Box::new(DecodeError {
            endpoint,
            status,
            path: ".".to_owned(),
            message: format!("the decoded value cannot be encoded as JSON: {e}"),
            line: 0,
            column: 0,
            excerpt: excerpt(&body, 0),
            raw: body,
        })
    })
}

/// The "decoder" of a response the spec declares without a body (`status = 204` and no
/// `type`): whatever the body holds — nothing, normally — the call's value is `()`.
pub fn decode_empty(
    _endpoint: &'static str,
    _status: StatusCode,
    _body: Bytes,
) -> Result<(), Box<DecodeError>> {
    Ok(())
}

/// [`decode_empty`] for untyped tools: `null`.
pub fn decode_json_empty(
    _endpoint: &'static str,
    _status: StatusCode,
    _body: Bytes,
) -> Result<serde_json::Value, Box<DecodeError>> {
    Ok(serde_json::Value::Null)
}

/// [`decode`] for a JSON array, with the `Vec` sized from the body instead of doubled.
///
/// `serde_json` cannot know how many elements an array holds, so a `Vec` decoded the usual
/// way doubles its capacity as it grows: briefly the old and the new buffer together, and up
/// to twice the memory the list needs at the end. Here each element is decoded on its own,
/// and when the `Vec` is full it grows to the count the remaining bytes predict (from the
/// average size of the elements so far, plus 3 %) — never more than doubling, so no body can
/// make it reserve more than the usual decoding would. The result, and every error (which
/// comes from [`decode`] itself), is the same as `decode::<Vec<T>>`.
pub fn decode_list<T: DeserializeOwned>(
    endpoint: &'static str,
    status: StatusCode,
    body: Bytes,
) -> Result<Vec<T>, Box<DecodeError>> {
    match decode_list_sized(&body) {
        Some(list) => Ok(list),
        // Anything unexpected: the ordinary path decodes it, or explains why it cannot.
        None => decode(endpoint, status, body),
    }
}

fn decode_list_sized<T: DeserializeOwned>(body: &[u8]) -> Option<Vec<T>> {
    let skip_ws = |mut i: usize| {
        while body
            .get(i)
            .is_some_and(|b| matches!(b, b' ' | b'\n' | b'\t' | b'\r'))
        {
            i += 1;
        }
        i
    };
    let mut pos = skip_ws(0);
    if body.get(pos) != Some(&b'[') {
        return None;
    }
    pos = skip_ws(pos + 1);
    let first = pos;
    let mut list: Vec<T> = Vec::new();
    if body.get(pos) == Some(&b']') {
        return (skip_ws(pos + 1) == body.len()).then_some(list);
    }
    loop {
        if list.len() == list.capacity() {
            let len = list.len();
            let grow = if len == 0 {
                4
            } else {
                // Elements left, predicted from the average size so far.
                let per = (pos - first) as f64 / len as f64;
                let left = ((body.len() - pos) as f64 / per.max(1.0) * 1.03) as usize + 1;
                left.clamp(len / 8 + 1, len)
            };
            list.reserve_exact(grow);
        }
        let mut stream = serde_json::Deserializer::from_slice(body.get(pos..)?).into_iter::<T>();
        list.push(stream.next()?.ok()?);
        pos = skip_ws(pos + stream.byte_offset());
        match body.get(pos) {
            Some(b',') => pos = skip_ws(pos + 1),
            Some(b']') => {
                return (skip_ws(pos + 1) == body.len()).then_some(list);
            }
            _ => return None,
        }
    }
}

/// Byte offset of a 1-based line and column in `body`.
fn offset_of(body: &[u8], line: usize, column: usize) -> usize {
    let mut line_start = 0;
    for _ in 1..line {
        match body[line_start..].iter().position(|b| *b == b'\n') {
            Some(i) => line_start += i + 1,
            None => break,
        }
    }
    (line_start + column.saturating_sub(1)).min(body.len())
}
