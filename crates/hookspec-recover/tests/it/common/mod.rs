//! Scripted servers on 127.0.0.1 for the recovery tests: a 5centscdn stand-in with many jobs
//! (the emulator answers the date-range endpoint with its spec example), an OmegaStream
//! stand-in with events of every response kind, and a webhook receiver that records bodies.

#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use hookspec::TimeRange;
use hookspec::runtime::RateLimit;
use serde_json::{Value, json};

pub const HOOK_A: &str = "https://hooks.example.com/a";
pub const HOOK_B: &str = "https://hooks.example.com/b";

/// One job of the stand-in.
#[derive(Debug, Clone)]
pub struct FakeJob {
    pub zone: i64,
    pub index: i64,
    pub completed_ms: Option<i64>,
    pub profile: &'static str,
    /// How long it ran (it started this long before it completed).
    pub ran_ms: i64,
}

impl FakeJob {
    /// When it started: a job not completed started at `now`.
    fn started_ms(&self, now: i64) -> i64 {
        self.completed_ms.map_or(now, |c| c - self.ran_ms)
    }
}

#[derive(Debug, Default)]
pub struct FiveState {
    pub jobs: Vec<FakeJob>,
    /// Jobs whose hook B answers 500.
    pub failing: BTreeSet<i64>,
    /// Resend requests per (zone, index).
    pub resends: BTreeMap<(i64, i64), u32>,
    /// Range query strings received.
    pub ranges: Vec<String>,
    /// Delay of each resend.
    pub resend_delay: Duration,
}

#[derive(Debug, Clone)]
pub struct FiveServer {
    pub addr: SocketAddr,
    pub state: Arc<Mutex<FiveState>>,
}

impl FiveServer {
    pub fn base_url(&self) -> String {
        format!("http://{}/v2", self.addr)
    }

    pub fn client(&self, per_second: u32) -> hookspec::fivecents::Client {
        hookspec::fivecents::Client::builder()
            .base_url(self.base_url())
            .credentials("test-key")
            .rate_limit(Some(RateLimit {
                requests: per_second,
                per_seconds: 1,
            }))
            .build()
            .expect("client")
    }

    pub fn resends(&self) -> BTreeMap<(i64, i64), u32> {
        self.state.lock().unwrap().resends.clone()
    }

    pub fn total_resends(&self) -> u32 {
        self.resends().values().sum()
    }

    pub fn ranges(&self) -> Vec<String> {
        self.state.lock().unwrap().ranges.clone()
    }
}

async fn list_range(State(st): State<Arc<Mutex<FiveState>>>, RawQuery(q): RawQuery) -> Response {
    let q = q.unwrap_or_default();
    let pairs: BTreeMap<String, String> = url_pairs(&q);
    let r = pairs.get("r").cloned().unwrap_or_default();
    let range = match TimeRange::parse(&r, "%Y-%m-%d %H:%M", " - ") {
        Ok(range) => range,
        Err(e) => return (StatusCode::BAD_REQUEST, e).into_response(),
    };
    if let Err(e) = range.format("%Y-%m-%d %H:%M", " - ", Some(31)) {
        return (StatusCode::BAD_REQUEST, e).into_response();
    }
    let mut st = st.lock().unwrap();
    st.ranges.push(r);
    // The end minute is included whole.
    let (a, b) = (
        range.start.as_millisecond(),
        range.end.as_millisecond() + 59_999,
    );
    let mut zones = BTreeSet::new();
    let logs: Vec<Value> = st
        .jobs
        .iter()
        // As the spec reads the endpoint: the jobs that started within the range.
        .filter(|j| (a..=b).contains(&j.started_ms(a)))
        .map(|j| {
            zones.insert(j.zone);
            let mut time = json!({"start": j.started_ms(a).to_string()});
            if let Some(end) = j.completed_ms {
                time["end"] = json!(end.to_string());
            }
            json!({
                "index": j.index, "serviceid": 77, "zoneid": j.zone, "hash": "h",
                "meta": {"zoneid": j.zone.to_string(), "profileid": j.profile,
                         "infile": format!("in/{}.mp4", j.index), "outfile": format!("out/{}.m3u8", j.index),
                         "time": time}
            })
        })
        .collect();
    let body = json!({"zonesInRange": zones.into_iter().collect::<Vec<_>>(), "logsInRange": logs});
    ([("content-type", "application/json")], body.to_string()).into_response()
}

fn url_pairs(q: &str) -> BTreeMap<String, String> {
    q.split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| {
            let v = v.replace('+', " ");
            (k.to_owned(), percent_decode(&v))
        })
        .collect()
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

async fn resend(State(st): State<Arc<Mutex<FiveState>>>, body: Bytes) -> Response {
    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let zone = v["zoneid"].as_i64().unwrap_or(-1);
    let index = v["index"].as_i64().unwrap_or(-1);
    let (delay, known, failing) = {
        let mut st = st.lock().unwrap();
        *st.resends.entry((zone, index)).or_default() += 1;
        let known = st.jobs.iter().any(|j| j.zone == zone && j.index == index);
        (st.resend_delay, known, st.failing.contains(&index))
    };
    if !known {
        return (
            StatusCode::NOT_FOUND,
            [("content-type", "application/json")],
            r#"{"error":"Not Found","message":"no such job","code":404}"#,
        )
            .into_response();
    }
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let call = |hook: &str, code: i64| json!({"time": 1_745_584_300, "hook": hook, "body": [{"index": index}], "respCode": code, "respBody": "", "error": null});
    let body = json!([
        call(HOOK_A, 200),
        call(HOOK_B, if failing { 500 } else { 200 })
    ]);
    ([("content-type", "application/json")], body.to_string()).into_response()
}

/// Starts the 5centscdn stand-in with these jobs.
pub async fn five_server(jobs: Vec<FakeJob>) -> FiveServer {
    let state = Arc::new(Mutex::new(FiveState {
        jobs,
        ..FiveState::default()
    }));
    let app = axum::Router::new()
        .route("/v2/transcoding", axum::routing::post(list_range))
        .route(
            "/v2/transcoding/notifications/resend",
            axum::routing::post(resend),
        )
        .with_state(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    FiveServer { addr, state }
}

/// A webhook receiver: records every body, answers the queued statuses (then 200).
#[derive(Debug, Clone)]
pub struct Receiver {
    pub addr: SocketAddr,
    pub bodies: Arc<Mutex<Vec<Bytes>>>,
    pub statuses: Arc<Mutex<Vec<u16>>>,
}

impl Receiver {
    pub fn url(&self) -> String {
        format!("http://{}/hook", self.addr)
    }

    pub fn bodies(&self) -> Vec<Bytes> {
        self.bodies.lock().unwrap().clone()
    }
}

pub async fn receiver(statuses: Vec<u16>) -> Receiver {
    let bodies = Arc::new(Mutex::new(Vec::new()));
    let statuses = Arc::new(Mutex::new(statuses));
    let app = axum::Router::new().fallback({
        let bodies = bodies.clone();
        let statuses = statuses.clone();
        move |body: Bytes| {
            let bodies = bodies.clone();
            let statuses = statuses.clone();
            async move {
                bodies.lock().unwrap().push(body);
                let mut s = statuses.lock().unwrap();
                let code = if s.is_empty() { 200 } else { s.remove(0) };
                (StatusCode::from_u16(code).unwrap(), "received")
            }
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Receiver {
        addr,
        bodies,
        statuses,
    }
}

/// The OmegaStream stand-in: `events` are full event bodies (raw text, as the API would
/// send them); the list shows them with null data/response.
#[derive(Debug, Clone)]
pub struct OmegaServer {
    pub addr: SocketAddr,
    pub detail_requests: Arc<Mutex<u32>>,
}

impl OmegaServer {
    pub fn client(&self) -> hookspec::omegastream::Client {
        hookspec::omegastream::Client::builder()
            .base_url(format!("http://{}/company", self.addr))
            .credentials("test-key")
            .build()
            .expect("client")
    }
}

pub async fn omega_server(endpoint: &'static str, events: Vec<String>) -> OmegaServer {
    let detail_requests = Arc::new(Mutex::new(0));
    let events = Arc::new(events);
    let list = {
        let events = events.clone();
        move |Path(id): Path<String>| {
            let events = events.clone();
            async move {
                if id != endpoint {
                    return (
                        StatusCode::NOT_FOUND,
                        r#"{"message":"not found"}"#.to_owned(),
                    )
                        .into_response();
                }
                let items: Vec<Value> = events
                    .iter()
                    .map(|e| {
                        let mut v: Value = serde_json::from_str(e).unwrap();
                        let coid = v["coid"].take();
                        let o = v.as_object_mut().unwrap();
                        o.remove("coid");
                        o.insert("ocid".into(), coid);
                        o.insert("data".into(), Value::Null);
                        o.insert("response".into(), Value::Null);
                        o.insert("created_at".into(), json!("0001-01-01T00:00:00Z"));
                        v
                    })
                    .collect();
                (
                    [("content-type", "application/json")],
                    Value::Array(items).to_string(),
                )
                    .into_response()
            }
        }
    };
    let get = {
        let events = events.clone();
        let count = detail_requests.clone();
        move |Path((_id, eid)): Path<(String, String)>| {
            let events = events.clone();
            let count = count.clone();
            async move {
                *count.lock().unwrap() += 1;
                let found = events.iter().find(|e| {
                    serde_json::from_str::<Value>(e).unwrap()["id"].as_str() == Some(eid.as_str())
                });
                match found {
                    Some(e) => ([("content-type", "application/json")], e.clone()).into_response(),
                    None => (StatusCode::NOT_FOUND, r#"{"message":"not found"}"#).into_response(),
                }
            }
        }
    };
    let app = axum::Router::new()
        .route("/company/client/webhooks/{id}", axum::routing::get(list))
        .route(
            "/company/client/webhooks/{id}/events/{eid}",
            axum::routing::get(get),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    OmegaServer {
        addr,
        detail_requests,
    }
}
