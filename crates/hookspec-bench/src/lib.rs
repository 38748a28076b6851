//! Support for `cargo bench -p hookspec-bench`: a minimal hyper server on 127.0.0.1 that
//! counts connections, the hand-written baselines, a counting allocator for peak memory and
//! synthetic specs for the expansion-scaling measurements.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::Bytes;
use http_body_util::Full;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use serde::Deserialize;

/// Canned bodies served by path.
#[derive(Debug, Clone)]
pub struct Bodies {
    /// `GET …/client/webhooks/{id}`.
    pub list: Bytes,
    /// `GET …/client/webhooks/{id}/events/{eid}`.
    pub event: Bytes,
    /// `POST …/transcoding/notifications/resend`.
    pub resend: Bytes,
}

/// A minimal HTTP/1.1 server on 127.0.0.1 that answers from [`Bodies`] and counts the
/// connections it accepted.
#[derive(Debug, Clone)]
pub struct Server {
    /// Address.
    pub addr: SocketAddr,
    connections: Arc<AtomicUsize>,
}

impl Server {
    /// Starts the server.
    pub async fn start(bodies: Bodies) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let connections = Arc::new(AtomicUsize::new(0));
        let counter = connections.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                counter.fetch_add(1, Ordering::Relaxed);
                let bodies = bodies.clone();
                tokio::spawn(async move {
                    let svc =
                        hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
                            let path = req.uri().path();
                            let body = if path.ends_with("/resend") {
                                bodies.resend.clone()
                            } else if path.contains("/events/") {
                                bodies.event.clone()
                            } else {
                                bodies.list.clone()
                            };
                            async move {
                                let mut resp = Response::new(Full::new(body));
                                resp.headers_mut().insert(
                                    hyper::header::CONTENT_TYPE,
                                    hyper::header::HeaderValue::from_static("application/json"),
                                );
                                Ok::<_, Infallible>(resp)
                            }
                        });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), svc)
                        .await;
                });
            }
        });
        Ok(Self { addr, connections })
    }

    /// Connections accepted since the last call (and resets the count).
    pub fn take_connections(&self) -> usize {
        self.connections.swap(0, Ordering::Relaxed)
    }
}

/// The hand-written model of an OmegaStream event: what a developer would write with serde.
#[derive(Debug, Deserialize)]
pub struct HandEvent {
    /// Id.
    pub id: String,
    /// Creation date (kept as text).
    pub created_at: String,
    /// Company id, either spelling.
    #[serde(alias = "coid")]
    pub ocid: String,
    /// API version.
    pub api_version: String,
    /// Unix seconds.
    pub created: i64,
    /// Event type (kept as text).
    #[serde(rename = "type")]
    pub event_type: String,
    /// Video data.
    pub data: Option<serde_json::Value>,
    /// Endpoint id.
    pub endpoint_id: String,
    /// Webhook response.
    pub response: Option<HandResponse>,
}

/// The hand-written webhook response.
#[derive(Debug, Deserialize)]
pub struct HandResponse {
    /// Status code.
    pub status_code: i64,
    /// Status line.
    pub status: String,
    /// Body.
    pub body: String,
    /// Message.
    pub message: String,
}

/// The hand-written resend log entry.
#[derive(Debug, Deserialize)]
pub struct HandCall {
    /// Unix seconds.
    pub time: i64,
    /// Webhook URL.
    pub hook: String,
    /// Payload.
    pub body: Vec<serde_json::Value>,
    /// Status.
    #[serde(rename = "respCode")]
    pub resp_code: Option<i64>,
    /// Body.
    #[serde(rename = "respBody")]
    pub resp_body: Option<String>,
    /// Error.
    pub error: Option<String>,
}

/// A list of `n` events as the list endpoint sends them.
pub fn event_list(n: usize) -> Vec<u8> {
    let mut s = String::with_capacity(n * 260 + 2);
    s.push('[');
    for i in 0..n {
        if i > 0 {
            s.push(',');
        }
        let ty = [
            "video.process_succeeded",
            "video.uploaded",
            "video.deleted",
            "video.teleported",
        ][i % 4];
        s.push_str(&format!(
            r#"{{"id":"6337{i:020}","created_at":"0001-01-01T00:00:00Z","ocid":"omega-cop-KoNef9DB5i","api_version":"v1","created":{},"type":"{ty}","data":null,"endpoint_id":"6336cd2b5790c27875f70d96","response":null}}"#,
            1_664_581_231 + i
        ));
    }
    s.push(']');
    s.into_bytes()
}

/// One full event whose `data` holds about `bytes` of video metadata.
pub fn big_event(bytes: usize) -> Vec<u8> {
    let n = bytes / 60;
    let renditions: Vec<String> = (0..n)
        .map(|i| {
            format!(
                r#"{{"height":{},"bitrate":{},"url":"https://cdn.example.com/r/{i:08}.m3u8"}}"#,
                240 + i % 5,
                400_000 + i
            )
        })
        .collect();
    format!(
        r#"{{"id":"630fac88bd5bb64cf8b24b99","created_at":"2022-10-01T00:00:00Z","coid":"omega-cop-OyJrgi5-fx","api_version":"v1","created":1661971592,"type":"video.process_succeeded","data":{{"video":{{"uuid":"d4e5f6","renditions":[{}]}}}},"endpoint_id":"6307b4d6570090479813a762","response":{{"status_code":200,"status":"200 OK","body":"ok","message":"m"}}}}"#,
        renditions.join(",")
    )
    .into_bytes()
}

/// The spec files of a synthetic API with `n` endpoints (each with a path parameter, a
/// query parameter, a model with a nested model, an enum field and an example).
pub fn synthetic_api(n: usize) -> hookspec_spec::ApiSources {
    let api = hookspec_spec::SourceFile {
        path: "api-specs/synthetic/api.toml".into(),
        text: "name = \"synthetic\"\nbase_url = \"https://api.example.com/v1\"\n[auth]\nscheme = \"bearer\"\n\
               [enums.Kind]\nvalues = [{ value = \"a.b\" }, { value = \"c.d\" }]\n"
            .into(),
    };
    let endpoints = (0..n)
        .map(|i| hookspec_spec::SourceFile {
            path: format!("api-specs/synthetic/op_{i:04}.toml"),
            text: format!(
                "summary = \"Operation {i}\"\nmethod = \"GET\"\npath = \"/things{i}/{{id}}\"\n\
                 [path_params.id]\ntype = \"string\"\n\
                 [query.limit]\ntype = \"integer\"\noptional = true\n\
                 [response]\ntype = \"array<Thing{i}>\"\n\
                 [[examples]]\nresponse = '[{{\"id\": \"x\", \"n\": 1, \"kind\": \"a.b\", \"inner\": {{\"at\": 1}}}}]'\n\
                 [models.Thing{i}.fields.id]\ntype = \"string\"\n\
                 [models.Thing{i}.fields.n]\ntype = \"integer\"\n\
                 [models.Thing{i}.fields.kind]\ntype = \"Kind\"\n\
                 [models.Thing{i}.fields.inner]\ntype = \"Inner{i}\"\nnullable = true\n\
                 [models.Inner{i}.fields.at]\ntype = \"unix_seconds\"\n"
            ),
        })
        .collect();
    hookspec_spec::ApiSources { api, endpoints }
}
