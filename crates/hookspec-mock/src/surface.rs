//! What hyper answers by itself, made JSON: a request hyper cannot parse (a URI over 64 KiB, a
//! header section over its buffer, a malformed request line) gets an empty `414`, `431` or
//! `400` from hyper before any route sees it. [`JsonErrors`] wraps each connection and
//! replaces such an empty answer with the same status and a JSON error body that every API's
//! error model decodes ([`any_api_error_body`]).

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::http::StatusCode;
use serde_json::{Map, Value};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use crate::handlers::error_body;

/// An error body every API's error model decodes: each API's own body for `status`, merged
/// (the first API's value wins for a shared key).
pub(crate) fn any_api_error_body(
    apis: &[std::sync::Arc<hookspec_spec::Api>],
    status: StatusCode,
    message: &str,
) -> Value {
    let mut merged = Map::new();
    for api in apis {
        if let Value::Object(obj) = error_body(api, status, message, &[]) {
            for (k, v) in obj {
                merged.entry(k).or_insert(v);
            }
        }
    }
    if merged.is_empty() {
        merged.insert("message".into(), Value::String(message.to_owned()));
    }
    Value::Object(merged)
}

/// The response that replaces hyper's empty one, when `head` is one.
fn replacement(head: &[u8], bodies: &ErrorBodies) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(head).ok()?;
    let rest = text.strip_prefix("HTTP/1.1 ")?;
    let status: u16 = rest.get(..3)?.parse().ok()?;
    let lower = text.to_ascii_lowercase();
    if !lower.contains("\r\ncontent-length: 0\r\n") || !lower.ends_with("\r\n\r\n") {
        return None;
    }
    let body = match status {
        414 => &bodies.uri_too_long,
        431 => &bodies.headers_too_large,
        400 => &bodies.bad_request,
        _ => return None,
    };
    let reason = StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Error");
    let mut out = format!(
        "HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body.as_bytes());
    Some(out)
}

/// The three bodies, computed once per emulator.
#[derive(Debug, Clone)]
pub(crate) struct ErrorBodies {
    uri_too_long: String,
    headers_too_large: String,
    bad_request: String,
}

impl ErrorBodies {
    pub(crate) fn new(apis: &[std::sync::Arc<hookspec_spec::Api>]) -> Self {
        let body = |s, m| any_api_error_body(apis, s, m).to_string();
        ErrorBodies {
            uri_too_long: body(
                StatusCode::URI_TOO_LONG,
                "the request URI is longer than 65534 bytes",
            ),
            headers_too_large: body(
                StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
                "the request headers are too large",
            ),
            bad_request: body(StatusCode::BAD_REQUEST, "the request is not valid HTTP/1.1"),
        }
    }
}

/// A connection whose empty hyper error answers become JSON ones.
pub(crate) struct JsonErrors<S> {
    inner: S,
    bodies: std::sync::Arc<ErrorBodies>,
    /// A replacement being written, and how much of it is written.
    pending: Option<(Vec<u8>, usize)>,
}

impl<S> JsonErrors<S> {
    pub(crate) fn new(inner: S, bodies: std::sync::Arc<ErrorBodies>) -> Self {
        JsonErrors {
            inner,
            bodies,
            pending: None,
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for JsonErrors<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for JsonErrors<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        if this.pending.is_none()
            && buf.starts_with(b"HTTP/1.1 4")
            && let Some(rep) = replacement(buf, &this.bodies)
        {
            this.pending = Some((rep, 0));
        }
        if let Some((rep, written)) = &mut this.pending {
            while *written < rep.len() {
                match Pin::new(&mut this.inner).poll_write(cx, &rep[*written..]) {
                    Poll::Ready(Ok(0)) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                    Poll::Ready(Ok(n)) => *written += n,
                    Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                    Poll::Pending => return Poll::Pending,
                }
            }
            this.pending = None;
            // hyper's own (empty) answer counts as written: it was replaced.
            return Poll::Ready(Ok(buf.len()));
        }
        Pin::new(&mut this.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bodies() -> ErrorBodies {
        ErrorBodies {
            uri_too_long: "{\"m\":414}".into(),
            headers_too_large: "{\"m\":431}".into(),
            bad_request: "{\"m\":400}".into(),
        }
    }

    #[test]
    fn only_empty_hyper_errors_are_replaced() {
        let head =
            b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\ndate: x\r\n\r\n";
        let rep = String::from_utf8(replacement(head, &bodies()).unwrap()).unwrap();
        assert!(rep.starts_with("HTTP/1.1 431 "), "{rep}");
        assert!(rep.ends_with("{\"m\":431}"), "{rep}");
        assert!(
            replacement(
                b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n",
                &bodies()
            )
            .is_none()
        );
        assert!(
            replacement(
                b"HTTP/1.1 400 Bad Request\r\ncontent-length: 12\r\n\r\n",
                &bodies()
            )
            .is_none()
        );
    }
}
