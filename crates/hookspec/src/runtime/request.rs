//! The parts of one request (path, query, headers, body), checked as they are added.

use std::fmt;

use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use reqwest::header::HeaderValue;
use serde::Serialize;

use super::EndpointMeta;

/// The parts of one request, assembled by generated code (or by the CLI).
#[derive(Debug)]
pub struct RequestParts {
    pub(super) endpoint: &'static EndpointMeta,
    pub(super) path: String,
    pub(super) query: Vec<(&'static str, String)>,
    pub(super) headers: Vec<(&'static str, String)>,
    // `Bytes`: each attempt hands reqwest a reference-counted view, not a copy.
    pub(super) body: Option<bytes::Bytes>,
    pub(super) problem: Option<String>,
}

/// Characters escaped in a path segment: everything but RFC 3986 `unreserved`, so that `/`,
/// `?`, `#`, `%`, spaces and non-ASCII cannot leave their segment.
const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'/')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'[')
    .add(b']')
    .add(b'\\')
    .add(b'^')
    .add(b'|')
    .add(b'!')
    .add(b'$')
    .add(b'&')
    .add(b'\'')
    .add(b'(')
    .add(b')')
    .add(b'*')
    .add(b'+')
    .add(b',')
    .add(b';')
    .add(b'=')
    .add(b':')
    .add(b'@');

/// RFC 3986 `unreserved` (ALPHA / DIGIT / `-` / `.` / `_` / `~`), by byte: what a path
/// segment keeps as is ([`SEGMENT`] escapes everything else).
const UNRESERVED: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_' | b'~');
        b += 1;
    }
    t
};

impl RequestParts {
    /// Starts a request to `endpoint`.
    pub fn new(endpoint: &'static EndpointMeta) -> Self {
        Self {
            endpoint,
            // Room for a typical path and its ids: no reallocation while it is built.
            path: String::with_capacity(96),
            query: Vec::new(),
            headers: Vec::new(),
            body: None,
            problem: None,
        }
    }

    /// The endpoint.
    pub fn endpoint(&self) -> &'static EndpointMeta {
        self.endpoint
    }

    fn refuse(&mut self, message: String) {
        self.problem.get_or_insert(message);
    }

    /// Appends literal path text from the spec.
    pub fn literal(&mut self, text: &str) {
        self.path.push_str(text);
    }

    /// Appends a path parameter, percent-encoded as one segment. Empty values and the dot
    /// segments `.` and `..` are refused: no value can change which resource is addressed.
    pub fn param(&mut self, name: &str, value: &str) {
        if value.is_empty() || value == "." || value == ".." {
            self.refuse(format!("path parameter `{name}` must not be {value:?}"));
            return;
        }
        // Ids are mostly unreserved characters only: then the value is the segment as is.
        if value.bytes().all(|b| UNRESERVED[usize::from(b)]) {
            self.path.push_str(value);
            return;
        }
        for piece in utf8_percent_encode(value, SEGMENT) {
            self.path.push_str(piece);
        }
    }

    /// Adds a query parameter.
    pub fn query(&mut self, name: &'static str, value: impl fmt::Display) {
        self.query.push((name, value.to_string()));
    }

    /// Adds a list-valued query parameter: with `explode`, one `name=item` pair per item
    /// (`tag=a&tag=b`); without, one pair whose value joins the items with commas (`tag=a,b`),
    /// and an item that contains a comma itself is refused (it could not be told apart). An
    /// empty list adds nothing.
    pub fn query_list<T: fmt::Display>(&mut self, name: &'static str, items: &[T], explode: bool) {
        if explode {
            for item in items {
                self.query.push((name, item.to_string()));
            }
            return;
        }
        let items: Vec<String> = items.iter().map(ToString::to_string).collect();
        if items.iter().any(|i| i.contains(',')) {
            self.refuse(format!(
                "query parameter `{name}`: an item contains a comma, which separates the items"
            ));
            return;
        }
        if !items.is_empty() {
            self.query.push((name, items.join(",")));
        }
    }

    /// Adds a `time_range` query parameter, formatted as the spec says (`format`, a `strftime`
    /// pattern for each end in UTC, and `separator`). A reversed range, or one longer than
    /// `max_days`, is refused: the request is not sent.
    pub fn time_range(
        &mut self,
        name: &'static str,
        range: &crate::TimeRange,
        format: &str,
        separator: &str,
        max_days: Option<u32>,
    ) {
        match range.format(format, separator, max_days) {
            Ok(text) => self.query.push((name, text)),
            Err(problem) => self.refuse(format!("query parameter `{name}`: {problem}")),
        }
    }

    /// Adds a request header; values with control characters (CR, LF…) are refused.
    pub fn header(&mut self, name: &'static str, value: impl fmt::Display) {
        let value = value.to_string();
        if HeaderValue::from_str(&value).is_err() {
            self.refuse(format!(
                "header `{name}` has characters not allowed in a header"
            ));
            return;
        }
        self.headers.push((name, value));
    }

    /// Sets the JSON body.
    pub fn json<T: Serialize + ?Sized>(&mut self, body: &T) {
        match serde_json::to_vec(body) {
            Ok(bytes) => self.body = Some(bytes.into()),
            Err(e) => self.refuse(format!("the body cannot be encoded as JSON: {e}")),
        }
    }

    /// Sets an already-encoded JSON body.
    pub fn json_bytes(&mut self, body: Vec<u8>) {
        self.body = Some(body.into());
    }

    /// The path built so far (percent-encoded).
    pub fn path(&self) -> &str {
        &self.path
    }
}
