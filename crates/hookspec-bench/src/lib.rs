//! Support for `cargo bench -p hookspec-bench`: a minimal hyper server on 127.0.0.1 that
//! counts connections, the hand-written baselines, a counting allocator for peak memory and
//! synthetic specs for the expansion-scaling measurements.

use std::convert::Infallible;
use std::hint::black_box;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::Bytes;
use hookspec::fivecents::{self, JobSelector, ResendNotificationRequest};
use hookspec::omegastream;
use http_body_util::{BodyExt, Full};
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

// ---------------------------------------------------------------------------------------
// Request overhead: the variants compared
// ---------------------------------------------------------------------------------------

/// The three seed endpoints.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Endpoint {
    /// `list_webhook_events`.
    List,
    /// `get_webhook_event`.
    Get,
    /// `resend_notification`.
    Resend,
}

/// Who makes the request.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Variant {
    /// The generated client.
    Generated,
    /// The same request by hand with reqwest + serde.
    Hand,
    /// The same, on a `reqwest::Client` with a 30 s request timeout (one timer per request,
    /// as the generated client has).
    HandTimeout,
    /// The hand-written request, decoded into the generated models (typed timestamps and
    /// enums, raw `data`): the same decoding work as the generated client.
    HandModels,
    /// hyper-util's client + the same serde structs (the floor).
    Hyper,
}

/// One client of each variant, pointed at a [`Server`].
#[allow(missing_debug_implementations)]
pub struct Clients {
    /// The generated OmegaStream client.
    pub omega: omegastream::Client,
    /// The generated 5centscdn client (no client-side rate limit).
    pub five: fivecents::Client,
    /// `reqwest::Client::new()`.
    pub reqwest: hookspec::reqwest::Client,
    /// A `reqwest::Client` with a 30 s request timeout.
    pub reqwest_timeout: hookspec::reqwest::Client,
    /// hyper-util's legacy client.
    pub hyper: hyper_util::client::legacy::Client<
        hyper_util::client::legacy::connect::HttpConnector,
        Full<Bytes>,
    >,
    /// `http://127.0.0.1:port` of the server.
    pub base: String,
}

/// The hand-written decoding shared by the reqwest and hyper baselines.
fn decode_hand(e: Endpoint, bytes: &[u8], models: bool) {
    match e {
        Endpoint::List if models => drop(black_box(
            serde_json::from_slice::<Vec<omegastream::WebhookEvent>>(bytes).expect("decode"),
        )),
        Endpoint::Get if models => drop(black_box(
            serde_json::from_slice::<omegastream::WebhookEvent>(bytes).expect("decode"),
        )),
        Endpoint::Resend if models => drop(black_box(
            serde_json::from_slice::<Vec<fivecents::WebhookCall>>(bytes).expect("decode"),
        )),
        Endpoint::List => drop(black_box(
            serde_json::from_slice::<Vec<HandEvent>>(bytes).expect("decode"),
        )),
        Endpoint::Get => drop(black_box(
            serde_json::from_slice::<HandEvent>(bytes).expect("decode"),
        )),
        Endpoint::Resend => drop(black_box(
            serde_json::from_slice::<Vec<HandCall>>(bytes).expect("decode"),
        )),
    }
}

impl Clients {
    /// Starts a [`Server`] answering with the specs' example bodies and builds the clients.
    pub async fn start() -> (Server, Self) {
        let example = |sources: &[(&str, &str)], ep: &str| -> Bytes {
            let sources = hookspec_spec::ApiSources::from_pairs(sources).expect("specs");
            let api = hookspec_spec::parse_api(&sources).expect("specs");
            let text = api
                .endpoint(ep)
                .and_then(|e| e.examples.iter().find_map(|x| x.response.clone()))
                .expect("example");
            Bytes::from(text)
        };
        let bodies = Bodies {
            list: example(omegastream::Client::SPEC_SOURCES, "list_webhook_events"),
            event: example(omegastream::Client::SPEC_SOURCES, "get_webhook_event"),
            resend: example(fivecents::Client::SPEC_SOURCES, "resend_notification"),
        };
        let server = Server::start(bodies).await.expect("server");
        let base = format!("http://{}", server.addr);
        let clients = Clients {
            omega: omegastream::Client::builder()
                .base_url(format!("{base}/company"))
                .credentials("t")
                .build()
                .expect("client"),
            five: fivecents::Client::builder()
                .base_url(format!("{base}/v2"))
                .credentials("t")
                .rate_limit(None)
                .build()
                .expect("client"),
            reqwest: hookspec::reqwest::Client::new(),
            reqwest_timeout: hookspec::reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(30))
                .build()
                .expect("client"),
            hyper:
                hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
                    .build(hyper_util::client::legacy::connect::HttpConnector::new()),
            base,
        };
        (server, clients)
    }
}

/// Makes one request of endpoint `e` with variant `v`, decoding the response.
pub async fn call(c: &Clients, v: Variant, e: Endpoint) {
    const ID: &str = "6336cd2b5790c27875f70d96";
    const EID: &str = "63377e715790c27875f70dbd";
    let resend = ResendNotificationRequest {
        zoneid: 1234,
        job: JobSelector::Index(0),
    };
    match (v, e) {
        (Variant::Generated, Endpoint::List) => {
            black_box(c.omega.list_webhook_events(ID).await.expect("list"));
        }
        (Variant::Generated, Endpoint::Get) => {
            black_box(c.omega.get_webhook_event(ID, EID).await.expect("get"));
        }
        (Variant::Generated, Endpoint::Resend) => {
            black_box(c.five.resend_notification(&resend).await.expect("resend"));
        }
        (Variant::Hand | Variant::HandTimeout | Variant::HandModels, e) => {
            let http = if v == Variant::HandTimeout {
                &c.reqwest_timeout
            } else {
                &c.reqwest
            };
            let rb = match e {
                Endpoint::List => http.get(format!("{}/company/client/webhooks/{ID}", c.base)),
                Endpoint::Get => http.get(format!(
                    "{}/company/client/webhooks/{ID}/events/{EID}",
                    c.base
                )),
                Endpoint::Resend => http
                    .post(format!("{}/v2/transcoding/notifications/resend", c.base))
                    .header("content-type", "application/json")
                    .body(
                        serde_json::to_vec(&serde_json::json!({"zoneid": 1234, "index": 0}))
                            .expect("json"),
                    ),
            };
            let request = rb.header("authorization", "Bearer t");
            #[cfg(hookspec_probe)]
            hookspec::__probe::mark(hookspec::__probe::Stage::Built);
            let sending = request.send();
            #[cfg(hookspec_probe)]
            hookspec::__probe::mark(hookspec::__probe::Stage::Sending);
            let resp = sending.await.expect("send");
            #[cfg(hookspec_probe)]
            hookspec::__probe::mark(hookspec::__probe::Stage::Head);
            let bytes = resp.bytes().await.expect("body");
            #[cfg(hookspec_probe)]
            hookspec::__probe::mark(hookspec::__probe::Stage::Body);
            decode_hand(e, &bytes, v == Variant::HandModels);
        }
        (Variant::Hyper, e) => {
            let (method, path, body) = match e {
                Endpoint::List => (
                    "GET",
                    format!("/company/client/webhooks/{ID}"),
                    Bytes::new(),
                ),
                Endpoint::Get => (
                    "GET",
                    format!("/company/client/webhooks/{ID}/events/{EID}"),
                    Bytes::new(),
                ),
                Endpoint::Resend => (
                    "POST",
                    "/v2/transcoding/notifications/resend".to_owned(),
                    Bytes::from_static(br#"{"zoneid":1234,"index":0}"#),
                ),
            };
            let req = hyper::Request::builder()
                .method(method)
                .uri(format!("{}{path}", c.base))
                .header("authorization", "Bearer t")
                .body(Full::new(body))
                .expect("request");
            let resp = c.hyper.request(req).await.expect("send");
            let bytes = resp.into_body().collect().await.expect("body").to_bytes();
            decode_hand(e, &bytes, false);
        }
    }
}

/// The hand-written model of an OmegaStream webhook delivery, as a developer would write it
/// with serde for the same payload: the envelope and the flat video in one pass (event type
/// and status as strings, JSON-shaped fields as `J`: by default `serde_json::Value`, as most
/// hand-written structs have them; `Box<RawValue>` keeps their text as hookspec's `RawJson` does).
#[derive(Debug, Deserialize)]
pub struct HandDelivery<J = serde_json::Value> {
    /// Event id.
    pub id: String,
    /// Company id.
    pub coid: String,
    /// API version.
    pub api_version: String,
    /// Unix seconds.
    pub created: i64,
    /// Event type.
    #[serde(rename = "type")]
    pub event_type: String,
    /// The video.
    pub data: HandVideo<J>,
    /// Endpoint id.
    pub endpoint_id: String,
    /// The endpoint's response (null when POSTed).
    pub response: Option<HandResponse>,
}

/// The hand-written video of a delivery.
#[derive(Debug, Deserialize)]
pub struct HandVideo<J = serde_json::Value> {
    /// Video id.
    pub uuid: String,
    /// Status.
    pub status: String,
    /// Privacy.
    pub privacy: Option<String>,
    /// Playback URLs.
    pub playback: Option<J>,
    /// Playback URLs, v2.
    pub playback_v2: Option<J>,
    /// Input.
    pub input: Option<J>,
    /// Duration in seconds.
    pub duration: Option<f64>,
    /// Size in bytes.
    pub size: Option<i64>,
    /// Ready to stream.
    pub ready_to_stream: Option<bool>,
    /// Thumbnail.
    pub thumbnail: Option<J>,
    /// Storage.
    pub storage: Option<J>,
    /// Metadata.
    pub meta: Option<HandMeta>,
}

/// The hand-written video metadata.
#[derive(Debug, Deserialize)]
pub struct HandMeta {
    /// Failure reason.
    pub failure: Option<String>,
}
