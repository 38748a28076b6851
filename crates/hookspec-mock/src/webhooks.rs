//! Sending and receiving webhook deliveries as the specs describe them: what `hookspec
//! trigger`, `hookspec listen` and the emulator's own deliveries (a 5centscdn resend) are made
//! of.
//!
//! - [`example_delivery`]: the body a provider would POST for an event type (the spec's
//!   example, the tag set to the type), with `--set field=value` overrides ([`set_field`]).
//! - sending goes through [`hookspec::webhooks::deliver`] (JSON, and the Standard Webhooks
//!   headers when a secret is given), shared with `omegastream replay`.
//! - [`Listener`]: receives deliveries on 127.0.0.1, parses them with the generated code
//!   (through [`hookspec::WEBHOOKS`]), answers 2xx (a duplicate too: the provider must stop
//!   retrying) or a 4xx JSON error, reports duplicates and optionally forwards each delivery.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hookspec::webhooks::{
    Dedup, InMemoryDedup, ParseError, Received, Settings, Summary, WebhookApi,
};
use hookspec_spec::Api;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};

/// What can go wrong preparing or sending a delivery.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// The API's spec declares no webhooks.
    #[error("{0} declares no webhooks")]
    NoWebhooks(String),
    /// The spec declares no such event type.
    #[error("{api} has no event type `{event}` (known: {known})")]
    UnknownEvent {
        /// The API.
        api: String,
        /// The type asked for.
        event: String,
        /// The declared types.
        known: String,
    },
    /// The spec has no example delivery to start from.
    #[error("{api} documents no example delivery of `{event}`")]
    NoExample {
        /// The API.
        api: String,
        /// The event type.
        event: String,
    },
    /// A `field=value` override that cannot be applied.
    #[error("cannot set `{0}`: {1}")]
    Set(String, String),
    /// Listening failed.
    #[error("cannot listen on 127.0.0.1:{port}: {source}")]
    Listen {
        /// The port asked for.
        port: u16,
        /// Cause.
        source: std::io::Error,
    },
}

/// The body `api` would POST for an event of type `event`: the event's example, or the spec's
/// example with the tag field set to `event`; then each `(field, value)` of `sets` applied
/// ([`set_field`]).
pub fn example_delivery(
    api: &Api,
    event: &str,
    sets: &[(String, String)],
) -> Result<Value, WebhookError> {
    let hooks = api
        .webhooks
        .as_ref()
        .ok_or_else(|| WebhookError::NoWebhooks(api.name.clone()))?;
    let def = hooks
        .event(event)
        .ok_or_else(|| WebhookError::UnknownEvent {
            api: api.name.clone(),
            event: event.to_owned(),
            known: hooks
                .events
                .iter()
                .map(|e| e.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        })?;
    let mut body = hooks
        .example_for(def)
        .ok_or_else(|| WebhookError::NoExample {
            api: api.name.clone(),
            event: event.to_owned(),
        })?;
    for (path, value) in sets {
        set_field(&mut body, path, value)?;
    }
    Ok(body)
}

/// Sets the value at a dotted path (`data.status`, `0.outfile` for an array's first item);
/// missing object keys are created. `value` is read as JSON when it is JSON (`42`, `true`,
/// `{"a":1}`, `"text"`), as a string otherwise.
pub fn set_field(body: &mut Value, path: &str, value: &str) -> Result<(), WebhookError> {
    let fail = |m: &str| WebhookError::Set(path.to_owned(), m.to_owned());
    let new = serde_json::from_str::<Value>(value).unwrap_or_else(|_| Value::String(value.into()));
    let mut at = body;
    let parts: Vec<&str> = path.split('.').collect();
    if parts.iter().any(|p| p.is_empty()) {
        return Err(fail("empty path segment"));
    }
    for (i, part) in parts.iter().enumerate() {
        let last = i + 1 == parts.len();
        at = match at {
            Value::Object(map) => {
                if last {
                    map.insert((*part).to_owned(), new);
                    return Ok(());
                }
                map.entry((*part).to_owned())
                    .or_insert_with(|| Value::Object(Default::default()))
            }
            Value::Array(items) => {
                let index: usize = part
                    .parse()
                    .map_err(|_| fail(&format!("`{part}` is not an index of an array")))?;
                let len = items.len();
                let slot = items.get_mut(index).ok_or_else(|| {
                    fail(&format!("index {index} is past the array's {len} items"))
                })?;
                if last {
                    *slot = new;
                    return Ok(());
                }
                slot
            }
            Value::Null if !last => {
                *at = Value::Object(Default::default());
                match at {
                    Value::Object(map) => map
                        .entry((*part).to_owned())
                        .or_insert_with(|| Value::Object(Default::default())),
                    _ => unreachable!("just set to an object"),
                }
            }
            _ => {
                return Err(fail(&format!(
                    "`{part}` is inside a value that is not an object"
                )));
            }
        };
    }
    Err(fail("nothing to set"))
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}

/// How a [`Listener`] works.
#[derive(Debug, Clone)]
pub struct ListenOptions {
    /// Port on 127.0.0.1 (0 picks a free one).
    pub port: u16,
    /// Re-POST every accepted delivery (body and headers as received) to this URL.
    pub forward_to: Option<String>,
    /// Secrets and limits.
    pub settings: Settings,
    /// The APIs accepted: a delivery to `/<api>` is parsed as that API's; one to any other
    /// path is tried against each in turn.
    pub apis: Vec<WebhookApi>,
}

impl Default for ListenOptions {
    fn default() -> Self {
        Self {
            port: 0,
            forward_to: None,
            settings: Settings::default(),
            apis: hookspec::WEBHOOKS.to_vec(),
        }
    }
}

/// One delivery the listener received.
#[derive(Debug, Clone)]
pub enum Heard {
    /// It parsed.
    Event {
        /// The delivery.
        received: Received<Summary>,
        /// Whether the same delivery (same [`Received::key`]) was heard before.
        duplicate: bool,
        /// What the forward target answered (status), or why forwarding failed.
        forwarded: Option<Result<u16, String>>,
    },
    /// It was refused with a 4xx.
    Refused {
        /// The path it was sent to.
        path: String,
        /// Why, per API tried.
        errors: Vec<(&'static str, ParseError)>,
    },
}

impl Heard {
    /// One JSON object describing the delivery (`hookspec listen --json` prints one a line).
    pub fn to_json(&self) -> Value {
        match self {
            Heard::Event {
                received,
                duplicate,
                forwarded,
            } => {
                let s = &received.event;
                let event = serde_json::from_slice::<Value>(&received.raw).unwrap_or(Value::Null);
                let mut v = serde_json::json!({
                    "api": s.api,
                    "type": s.event_type,
                    "id": s.id,
                    "key": received.key,
                    "known": s.known,
                    "verified": received.verified,
                    "duplicate": duplicate,
                    "event": event,
                });
                if let Some(f) = forwarded {
                    v["forwarded"] = match f {
                        Ok(status) => serde_json::json!({"status": status}),
                        Err(e) => serde_json::json!({"error": e}),
                    };
                }
                v
            }
            Heard::Refused { path, errors } => serde_json::json!({
                "refused": path,
                "errors": errors
                    .iter()
                    .map(|(api, e)| serde_json::json!({"api": api, "error": e.to_json()}))
                    .collect::<Vec<_>>(),
            }),
        }
    }

    /// One line for a person: API, type, id, and flags (`duplicate`, `unknown type`,
    /// `verified`, the forward's status).
    pub fn line(&self) -> String {
        match self {
            Heard::Event {
                received,
                duplicate,
                forwarded,
            } => {
                let s = &received.event;
                let mut flags = Vec::new();
                if *duplicate {
                    flags.push("DUPLICATE".to_owned());
                }
                if !s.known {
                    flags.push("unknown type".to_owned());
                }
                if received.verified {
                    flags.push("signature ok".to_owned());
                }
                match forwarded {
                    Some(Ok(status)) => flags.push(format!("forwarded: {status}")),
                    Some(Err(e)) => flags.push(format!("forward failed: {e}")),
                    None => {}
                }
                let id = s.id.as_deref().unwrap_or(&received.key);
                format!(
                    "{:<12} {:<28} {:<26} {}",
                    s.api,
                    s.event_type,
                    id,
                    flags.join(", ")
                )
                .trim_end()
                .to_owned()
            }
            Heard::Refused { path, errors } => {
                let why: Vec<String> = errors
                    .iter()
                    .map(|(api, e)| format!("{api}: {e}"))
                    .collect();
                format!("refused {path}: {}", why.join("; "))
            }
        }
    }
}

/// Largest body the listener reads at all (each API's limit is usually far lower).
const MAX_READ: usize = 64 * 1024 * 1024;

struct ListenState {
    options: ListenOptions,
    dedup: InMemoryDedup,
    http: reqwest::Client,
    heard: mpsc::UnboundedSender<Heard>,
}

/// A running listener; stops when dropped.
#[derive(Debug)]
pub struct Listener {
    addr: SocketAddr,
    heard: mpsc::UnboundedReceiver<Heard>,
    stop: watch::Sender<bool>,
}

impl Listener {
    /// Starts listening on 127.0.0.1.
    pub async fn start(options: ListenOptions) -> Result<Self, WebhookError> {
        let port = options.port;
        let listener = TcpListener::bind(("127.0.0.1", port))
            .await
            .map_err(|source| WebhookError::Listen { port, source })?;
        let addr = listener
            .local_addr()
            .map_err(|source| WebhookError::Listen { port, source })?;
        let (tx, rx) = mpsc::unbounded_channel();
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| WebhookError::Listen {
                port,
                source: std::io::Error::other(e),
            })?;
        let state = Arc::new(ListenState {
            options,
            dedup: InMemoryDedup::default(),
            http,
            heard: tx,
        });
        let app = axum::Router::new()
            .fallback(
                move |uri: axum::http::Uri, headers: HeaderMap, body: Bytes| {
                    let state = state.clone();
                    async move { receive(&state, uri.path(), &headers, body).await }
                },
            )
            // The receivers enforce each API's own limit (a 413 with a JSON error); axum's 2 MB
            // default would answer first, in its own format.
            .layer(axum::extract::DefaultBodyLimit::max(MAX_READ));
        let (stop, mut stopped) = watch::channel(false);
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = stopped.wait_for(|s| *s).await;
                })
                .await;
        });
        Ok(Self {
            addr,
            heard: rx,
            stop,
        })
    }

    /// The address listened on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The URL to give a provider for `api`'s deliveries: `http://127.0.0.1:PORT/<api>`.
    pub fn url(&self, api: &str) -> String {
        format!("http://{}/{api}", self.addr)
    }

    /// The next delivery heard (waits for it).
    pub async fn next(&mut self) -> Option<Heard> {
        self.heard.recv().await
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

async fn receive(state: &ListenState, path: &str, headers: &HeaderMap, body: Bytes) -> Response {
    let wanted = path.trim_matches('/');
    let apis: Vec<&WebhookApi> = match state.options.apis.iter().find(|a| a.api == wanted) {
        Some(api) => vec![api],
        None => state.options.apis.iter().collect(),
    };
    let mut errors = Vec::new();
    for api in apis {
        match (api.parse)(&state.options.settings, headers, &body) {
            Ok(received) => {
                let key = format!("{}:{}", api.api, received.key);
                let duplicate = state.dedup.is_duplicate(&key);
                let forwarded = match &state.options.forward_to {
                    Some(url) => Some(forward(state, url, headers, &body).await),
                    None => None,
                };
                let _ = state.heard.send(Heard::Event {
                    received,
                    duplicate,
                    forwarded,
                });
                let text = if duplicate { "duplicate\n" } else { "ok\n" };
                return (StatusCode::OK, text).into_response();
            }
            Err(e) => errors.push((api.api, e)),
        }
    }
    let status = errors
        .first()
        .map_or(StatusCode::NOT_FOUND, |(_, e)| e.status());
    let heard = Heard::Refused {
        path: path.to_owned(),
        errors,
    };
    let body = heard.to_json().to_string();
    let _ = state.heard.send(heard);
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

async fn forward(
    state: &ListenState,
    url: &str,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<u16, String> {
    let mut request = state.http.post(url).body(body.clone());
    for (name, value) in headers {
        if name == header::CONTENT_TYPE || name.as_str().starts_with("webhook-") {
            request = request.header(name, value);
        }
    }
    request
        .send()
        .await
        .map(|r| r.status().as_u16())
        .map_err(|e| error_chain(&e))
}
