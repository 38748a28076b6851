//! The axum extractor (feature `axum`): `Webhook<Event>` parses a delivery in a handler's
//! arguments and answers a 4xx with a JSON error body when it is refused.

use axum::extract::{FromRequest, Request};
use axum::response::{IntoResponse, Response};

use super::{Events, ParseError, Received, Receiver};

/// A delivery, parsed by the [`Receiver`] found in the request's extensions (add it with
/// `axum::Extension(receiver)`: secrets, limits), or else by `Receiver::new()`.
///
/// ```no_run
/// use axum::routing::post;
/// use hookspec::omegastream::webhooks::{Event, Receiver};
/// use hookspec::webhooks::Webhook;
///
/// async fn receive(Webhook(delivery): Webhook<Event>) -> &'static str {
///     println!("{} {:?}", delivery.event.event_type(), delivery.event.event_id());
///     "ok"
/// }
///
/// let app: axum::Router = axum::Router::new()
///     .route("/hooks/omegastream", post(receive))
///     .layer(axum::Extension(Receiver::new().max_body_bytes(256 * 1024)));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Webhook<E>(pub Received<E>);

/// Why the extractor refused a delivery: answers [`ParseError::status`] (413, 401, 400…)
/// with `{"error": code, "message": text}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookRejection(pub ParseError);

impl IntoResponse for WebhookRejection {
    fn into_response(self) -> Response {
        let status = self.0.status();
        let body = self.0.to_json().to_string();
        (
            status,
            [(http::header::CONTENT_TYPE, "application/json")],
            body,
        )
            .into_response()
    }
}

impl<S, E> FromRequest<S> for Webhook<E>
where
    S: Send + Sync,
    E: Events,
{
    type Rejection = WebhookRejection;

    async fn from_request(req: Request, _state: &S) -> Result<Self, Self::Rejection> {
        let receiver = req
            .extensions()
            .get::<Receiver<E>>()
            .cloned()
            .unwrap_or_default();
        let limit = receiver
            .settings()
            .max_body_bytes
            .unwrap_or(E::MAX_BODY_BYTES);
        let (parts, body) = req.into_parts();
        let declared = parts
            .headers
            .get(http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        if let Some(size) = declared.filter(|n| *n > limit) {
            return Err(WebhookRejection(ParseError::TooLarge { size, limit }));
        }
        let bytes = match axum::body::to_bytes(body, limit).await {
            Ok(b) => b,
            Err(e) => {
                let too_large =
                    std::iter::successors(Some(&e as &(dyn std::error::Error + 'static)), |e| {
                        e.source()
                    })
                    .any(|e| e.is::<http_body_util::LengthLimitError>());
                return Err(WebhookRejection(if too_large {
                    ParseError::TooLarge {
                        size: declared.unwrap_or(limit.saturating_add(1)),
                        limit,
                    }
                } else {
                    ParseError::NotJson {
                        message: format!("the body could not be read: {e}"),
                        line: 0,
                        column: 0,
                    }
                }));
            }
        };
        receiver
            .parse_bytes(&parts.headers, bytes)
            .map(Webhook)
            .map_err(WebhookRejection)
    }
}
