//! The request log behind `GET /__admin/requests` and [`crate::RunningEmulator::requests`]: a
//! ring bounded in entries and in bytes, with bodies and header values truncated and
//! credentials redacted, so that a flood of large requests cannot grow the process.

use std::collections::VecDeque;

use serde::Serialize;

/// Most entries kept; older ones are dropped first.
pub const MAX_ENTRIES: usize = 1000;
/// Most bytes kept (bodies, URIs and header values together); older entries are dropped first.
pub const MAX_BYTES: usize = 2 * 1024 * 1024;
/// Longest body kept per entry; the rest is cut and [`RecordedRequest::body_len`] says how long
/// it was.
pub const MAX_BODY_BYTES: usize = 8 * 1024;
/// Longest URI or header value kept per entry.
pub const MAX_VALUE_BYTES: usize = 1024;

/// What a redacted header value reads.
pub const REDACTED: &str = "[REDACTED]";

/// One request the emulator received, as the log keeps it.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct RecordedRequest {
    /// `<api>.<endpoint>` (requests that match no route are answered, 404 or 405, not logged).
    pub route: String,
    /// Method.
    pub method: String,
    /// Path and query (cut at [`MAX_VALUE_BYTES`]).
    pub uri: String,
    /// Headers; credentials (`Authorization`, the API's key header, the admin token header,
    /// cookies) read [`REDACTED`], other values are cut at [`MAX_VALUE_BYTES`].
    pub headers: Vec<(String, String)>,
    /// Body as text, cut at [`MAX_BODY_BYTES`].
    pub body: String,
    /// Length of the body as received, in bytes.
    pub body_len: usize,
    /// Whether `body` (or the URI, or a header value) was cut.
    pub truncated: bool,
}

impl RecordedRequest {
    /// An entry for a request; `secret_headers` are redacted (lower case names).
    pub(crate) fn new(
        route: String,
        parts: &axum::http::request::Parts,
        body: &[u8],
        secret_headers: &[&str],
    ) -> Self {
        let mut truncated = false;
        let mut cut = |s: &[u8], max: usize| {
            if s.len() > max {
                truncated = true;
            }
            String::from_utf8_lossy(&s[..s.len().min(max)]).into_owned()
        };
        let uri = cut(parts.uri.to_string().as_bytes(), MAX_VALUE_BYTES);
        let headers = parts
            .headers
            .iter()
            .map(|(k, v)| {
                let name = k.as_str();
                let secret = matches!(name, "authorization" | "cookie" | "proxy-authorization")
                    || secret_headers.iter().any(|s| s.eq_ignore_ascii_case(name));
                let value = if secret {
                    REDACTED.to_owned()
                } else {
                    cut(v.as_bytes(), MAX_VALUE_BYTES)
                };
                (name.to_owned(), value)
            })
            .collect();
        let body_text = cut(body, MAX_BODY_BYTES);
        RecordedRequest {
            route,
            method: parts.method.to_string(),
            uri,
            headers,
            body: body_text,
            body_len: body.len(),
            truncated,
        }
    }

    fn size(&self) -> usize {
        self.route.len()
            + self.method.len()
            + self.uri.len()
            + self.body.len()
            + self
                .headers
                .iter()
                .map(|(k, v)| k.len() + v.len())
                .sum::<usize>()
    }
}

/// The ring.
#[derive(Debug, Default)]
pub(crate) struct RequestLog {
    entries: VecDeque<(RecordedRequest, usize)>,
    bytes: usize,
}

impl RequestLog {
    pub(crate) fn push(&mut self, entry: RecordedRequest) {
        let size = entry.size();
        self.entries.push_back((entry, size));
        self.bytes += size;
        while self.entries.len() > MAX_ENTRIES || self.bytes > MAX_BYTES {
            match self.entries.pop_front() {
                Some((_, s)) => self.bytes -= s,
                None => break,
            }
        }
    }

    pub(crate) fn snapshot(&self) -> Vec<RecordedRequest> {
        self.entries.iter().map(|(e, _)| e.clone()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(headers: &[(&str, &str)]) -> axum::http::request::Parts {
        let mut b = axum::http::Request::builder().uri("/fivecents/x");
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        b.body(()).unwrap().into_parts().0
    }

    #[test]
    fn credentials_are_redacted_and_bodies_cut() {
        let p = parts(&[
            ("Authorization", "Bearer secret"),
            ("X-API-Key", "k"),
            ("Accept", "application/json"),
        ]);
        let body = vec![b'a'; MAX_BODY_BYTES + 10];
        let e = RecordedRequest::new("a.b".into(), &p, &body, &["x-api-key"]);
        assert_eq!(e.headers[0].1, REDACTED);
        assert_eq!(e.headers[1].1, REDACTED);
        assert_eq!(e.headers[2].1, "application/json");
        assert_eq!(e.body.len(), MAX_BODY_BYTES);
        assert_eq!(e.body_len, MAX_BODY_BYTES + 10);
        assert!(e.truncated);
    }

    #[test]
    fn the_ring_is_bounded_in_entries_and_bytes() {
        let mut log = RequestLog::default();
        let p = parts(&[]);
        for _ in 0..MAX_ENTRIES + 5 {
            log.push(RecordedRequest::new("a.b".into(), &p, b"x", &[]));
        }
        assert_eq!(log.snapshot().len(), MAX_ENTRIES);
        let big = vec![b'a'; MAX_BODY_BYTES];
        for _ in 0..MAX_ENTRIES {
            log.push(RecordedRequest::new("a.b".into(), &p, &big, &[]));
        }
        assert!(log.bytes <= MAX_BYTES);
        assert!(log.snapshot().len() < MAX_ENTRIES);
    }
}
