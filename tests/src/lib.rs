//! Test support for the end-to-end tests: a recording HTTP server on 127.0.0.1 and access to
//! the examples written in the spec files.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};

/// One request the server received.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// Method.
    pub method: Method,
    /// Path and query, as received (still percent-encoded).
    pub uri: String,
    /// Headers.
    pub headers: HeaderMap,
    /// Body.
    pub body: Bytes,
}

impl Recorded {
    /// A header as text ("" when absent).
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("request body is JSON")
    }
}

/// A canned answer.
#[derive(Debug, Clone)]
pub struct Reply {
    /// Status.
    pub status: u16,
    /// Extra headers.
    pub headers: Vec<(&'static str, String)>,
    /// Body.
    pub body: String,
}

impl Reply {
    /// A JSON reply.
    pub fn json(status: u16, body: impl Into<String>) -> Self {
        Self {
            status,
            headers: vec![("content-type", "application/json".to_owned())],
            body: body.into(),
        }
    }
}

#[derive(Debug, Default)]
struct State {
    seen: Vec<Recorded>,
    replies: Vec<Reply>,
}

/// A server on 127.0.0.1 that records every request and answers with the queued replies in
/// order (the last one repeats).
#[derive(Debug, Clone)]
pub struct Recorder {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
}

impl Recorder {
    /// Starts the server with the replies to give.
    pub async fn start(replies: Vec<Reply>) -> Self {
        let state = Arc::new(Mutex::new(State {
            seen: Vec::new(),
            replies,
        }));
        let app = axum::Router::new().fallback({
            let state = state.clone();
            move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
                let state = state.clone();
                async move {
                    let mut st = state.lock().expect("recorder lock");
                    st.seen.push(Recorded {
                        method,
                        uri: uri.to_string(),
                        headers,
                        body,
                    });
                    let reply = if st.replies.len() > 1 {
                        st.replies.remove(0)
                    } else {
                        st.replies
                            .first()
                            .cloned()
                            .unwrap_or_else(|| Reply::json(200, "null"))
                    };
                    let mut resp =
                        axum::response::Response::new(axum::body::Body::from(reply.body));
                    *resp.status_mut() = StatusCode::from_u16(reply.status).expect("status");
                    for (k, v) in reply.headers {
                        resp.headers_mut()
                            .insert(k, v.parse().expect("header value"));
                    }
                    resp
                }
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1");
        let addr = listener.local_addr().expect("local addr");
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { addr, state }
    }

    /// `http://127.0.0.1:PORT<prefix>`.
    pub fn url(&self, prefix: &str) -> String {
        format!("http://{}{prefix}", self.addr)
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.state.lock().expect("recorder lock").seen.clone()
    }
}

/// A plain reqwest client for requests the typed clients cannot make (malformed bodies…).
pub fn raw_http() -> reqwest::Client {
    hookspec::runtime::install_crypto_provider();
    reqwest::Client::new()
}

/// The APIs as the specs describe them, read from the text the bindings embed.
pub fn spec(sources: &[(&str, &str)]) -> hookspec_spec::Api {
    let file = |(path, text): &(&str, &str)| hookspec_spec::SourceFile {
        path: (*path).to_owned(),
        text: (*text).to_owned(),
    };
    let api = hookspec_spec::ApiSources {
        api: file(&sources[0]),
        endpoints: sources[1..].iter().map(file).collect(),
    };
    hookspec_spec::parse_api(&api).expect("embedded specs are valid")
}

/// The first success example response of an endpoint, as written in its spec.
pub fn example_response(api: &hookspec_spec::Api, endpoint: &str) -> String {
    api.endpoint(endpoint)
        .and_then(|e| e.examples.iter().find_map(|x| x.response.clone()))
        .expect("endpoint has an example response")
}
