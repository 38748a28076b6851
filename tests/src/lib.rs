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
    /// Starts the server answering 200 with `endpoint`'s example response from its spec
    /// (`sources`: a generated client's `SPEC_SOURCES`).
    pub async fn with_example(sources: &[(&str, &str)], endpoint: &str) -> Self {
        let api = spec(sources);
        Self::start(vec![Reply::json(200, example_response(&api, endpoint))]).await
    }

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
    reqwest::Client::new()
}

/// The APIs as the specs describe them, read from the text the bindings embed.
pub fn spec(sources: &[(&str, &str)]) -> hookspec_spec::Api {
    let api = hookspec_spec::ApiSources::from_pairs(sources).expect("embedded specs are not empty");
    hookspec_spec::parse_api(&api).expect("embedded specs are valid")
}

/// The first success example response of an endpoint, as written in its spec.
pub fn example_response(api: &hookspec_spec::Api, endpoint: &str) -> String {
    api.endpoint(endpoint)
        .and_then(|e| e.examples.iter().find_map(|x| x.response.clone()))
        .expect("endpoint has an example response")
}

/// What the scripted server does with one request.
#[derive(Debug, Clone)]
pub enum Step {
    /// Answer with this status, extra headers and body.
    Respond(u16, Vec<(&'static str, String)>, Vec<u8>),
    /// Reset the connection (RST) before answering.
    ResetBeforeResponse,
    /// Send the headers and part of the body, then reset.
    ResetMidBody,
    /// Announce a longer body than is sent, then close normally.
    Truncated,
    /// Send the headers and part of the body, then stall.
    StallBody,
    /// Wait this long before answering 200 with this JSON body.
    SlowHeaders(std::time::Duration, &'static str),
    /// `200 OK` with this body in `Transfer-Encoding: chunked` (no length announced).
    Chunked(Vec<u8>),
}

impl Step {
    /// `200 OK` with a JSON body.
    pub fn ok(body: &str) -> Self {
        Step::Respond(
            200,
            vec![("content-type", "application/json".into())],
            body.as_bytes().to_vec(),
        )
    }

    /// A status with a JSON body.
    pub fn status(status: u16, body: &str) -> Self {
        Step::Respond(
            status,
            vec![("content-type", "application/json".into())],
            body.as_bytes().to_vec(),
        )
    }
}

/// One request the scripted server read: its head as received, and its body.
#[derive(Debug, Clone)]
pub struct RawRequest {
    /// Method.
    pub method: String,
    /// Request target (path and query), as received.
    pub target: String,
    /// Header lines in the order received, names lowercased, values as sent.
    pub headers: Vec<(String, String)>,
    /// Body.
    pub body: Vec<u8>,
}

impl RawRequest {
    /// Every value of a header (by lowercase name).
    pub fn header_values(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

/// A raw HTTP/1.1 server over TCP on 127.0.0.1 that follows a script, one step per request
/// (the last step repeats), and records the requests it received.
#[derive(Debug, Clone)]
pub struct Scripted {
    addr: SocketAddr,
    seen: Arc<Mutex<Vec<RawRequest>>>,
}

impl Scripted {
    /// Starts the server.
    pub async fn start(steps: Vec<Step>) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1");
        let addr = listener.local_addr().expect("local addr");
        let seen = Arc::new(Mutex::new(Vec::new()));
        let steps = Arc::new(Mutex::new(steps));
        let log = seen.clone();
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let steps = steps.clone();
                let log = log.clone();
                tokio::spawn(async move {
                    while let Some(request) = read_request(&mut stream).await {
                        log.lock().expect("request log lock").push(request);
                        let step = {
                            let mut s = steps.lock().expect("script lock");
                            if s.len() > 1 {
                                s.remove(0)
                            } else {
                                s[0].clone()
                            }
                        };
                        if !play(&mut stream, step).await {
                            return;
                        }
                    }
                });
            }
        });
        Self { addr, seen }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Requests received so far.
    pub fn hits(&self) -> usize {
        self.seen.lock().expect("request log lock").len()
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<RawRequest> {
        self.seen.lock().expect("request log lock").clone()
    }
}

/// Reads one request (head and a Content-Length body); `None` at end of stream.
async fn read_request(stream: &mut tokio::net::TcpStream) -> Option<RawRequest> {
    use tokio::io::AsyncReadExt;
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte).await {
            Ok(1) => buf.push(byte[0]),
            _ => return None,
        }
    }
    let head = String::from_utf8_lossy(&buf).into_owned();
    let mut lines = head.split("\r\n").filter(|l| !l.is_empty());
    let mut start = lines.next().unwrap_or("").split(' ');
    let method = start.next().unwrap_or("").to_owned();
    let target = start.next().unwrap_or("").to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let len = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = vec![0u8; len];
    stream.read_exact(&mut body).await.ok()?;
    Some(RawRequest {
        method,
        target,
        headers,
        body,
    })
}

/// Plays one step; false when the connection is finished.
async fn play(stream: &mut tokio::net::TcpStream, step: Step) -> bool {
    use tokio::io::AsyncWriteExt;
    let head = |status: u16, len: usize, extra: &[(&'static str, String)]| {
        let mut h = format!("HTTP/1.1 {status} X\r\ncontent-length: {len}\r\n");
        for (k, v) in extra {
            h.push_str(&format!("{k}: {v}\r\n"));
        }
        h.push_str("\r\n");
        h.into_bytes()
    };
    match step {
        Step::Respond(status, headers, body) => {
            let mut out = head(status, body.len(), &headers);
            out.extend_from_slice(&body);
            stream.write_all(&out).await.is_ok()
        }
        Step::ResetBeforeResponse => {
            let _ = stream.set_zero_linger();
            false
        }
        Step::ResetMidBody => {
            let _ = stream.write_all(&head(200, 100, &[])).await;
            let _ = stream.write_all(b"[{\"id\": ").await;
            let _ = stream.flush().await;
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            let _ = stream.set_zero_linger();
            false
        }
        Step::Truncated => {
            let _ = stream.write_all(&head(200, 100, &[])).await;
            let _ = stream.write_all(b"[{\"id\": \"a\"").await;
            let _ = stream.shutdown().await;
            false
        }
        Step::StallBody => {
            let _ = stream.write_all(&head(200, 100, &[])).await;
            let _ = stream.write_all(b"[").await;
            tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
            false
        }
        Step::SlowHeaders(wait, body) => {
            tokio::time::sleep(wait).await;
            let mut out = head(200, body.len(), &[]);
            out.extend_from_slice(body.as_bytes());
            stream.write_all(&out).await.is_ok()
        }
        Step::Chunked(body) => {
            let mut out =
                b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\ncontent-type: application/json\r\n\r\n"
                    .to_vec();
            for chunk in body.chunks(64 * 1024) {
                out.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
                out.extend_from_slice(chunk);
                out.extend_from_slice(b"\r\n");
            }
            out.extend_from_slice(b"0\r\n\r\n");
            stream.write_all(&out).await.is_ok()
        }
    }
}
