//! # hookspec-mock
//!
//! A local emulator of the APIs hookspec binds, driven by the same spec files: every endpoint
//! in `api-specs/` becomes a route, so adding a spec adds a route with no Rust written.
//!
//! - **Routes.** Each API is mounted under `/<api name>`: point a client's base URL at
//!   [`RunningEmulator::base_url`] (`http://127.0.0.1:PORT/fivecents`).
//! - **Auth** as the spec says (`X-API-Key` header, Bearer token); a missing or wrong key is a
//!   401 in the API's error format. The key is [`DEFAULT_KEY`] unless set per API.
//! - **Validation.** JSON bodies are checked against the spec (types, required fields,
//!   "exactly one of" groups); a bad body is a 400 whose `details` name the fields.
//! - **Declared behaviour.** An endpoint's `[emulator]` table says what it does to the
//!   API's resources (`[resources.*]`: collections seeded from the spec, per instance, in
//!   memory): list (with equality and time-range filters, paged as the endpoint's
//!   `[pagination]` and `[emulator.paging]` say: numbered pages or opaque cursors, the
//!   declared page sizes, 400s naming the parameter), get, create, replace, update, delete,
//!   or an action that sets fields, with 404s for unknown ids and 409s for `unique` clashes in the API's error
//!   model (api-specs/README.md, "Emulator behaviour").
//! - **Named effects** ([`EFFECTS`]) for what cannot be declared: `resend_notifications` looks
//!   the job up and really POSTs its completion payload to every configured webhook URL,
//!   answering with the log of those calls; a failing URL is logged with its error and the
//!   others are still called.
//! - **OmegaStream deliveries**: [`RunningEmulator::deliver_omegastream_event`] (or
//!   `POST /__admin/omegastream/events`) POSTs an event to every active webhook endpoint
//!   subscribed to its type and records each delivery, with the receiver's answer, in the
//!   event history that the list and get endpoints show.
//! - **Endpoints without a declaration** answer with their spec's first example.
//! - **Other APIs**: the embedded ones by default; [`EmulatorBuilder::api`] adds one and
//!   [`EmulatorBuilder::apis`] replaces them, loaded at run time with [`read_api_dir`] (a
//!   spec folder) or [`api_from_sources`] (a generated client's `SPEC_SOURCES`).
//! - **Faults** per route ([`Fault`]): status, delay, dropped connection, truncated body,
//!   malformed body, 429 with `Retry-After`, optionally for the next N requests only; from
//!   Rust ([`RunningEmulator::inject`]) or over HTTP (`POST /__admin/faults`).
//! - **Admin routes:** `POST/DELETE /__admin/faults`, `GET /__admin/requests`,
//!   `PUT /__admin/webhooks` (a JSON array of URLs), `POST /__admin/omegastream/events`. They need the admin token
//!   ([`RunningEmulator::admin_token`]; random unless [`EmulatorBuilder::admin_token`] sets it),
//!   as `Authorization: Bearer <token>` or [`ADMIN_TOKEN_HEADER`]; a missing or wrong token is a
//!   JSON 401. The in-process helpers ([`RunningEmulator::inject`]…) need none.
//! - **Every answer is JSON** in the API's error model: an unknown path is a 404, a wrong method
//!   a 405 with `Allow`, a path parameter that is not percent-encoded UTF-8 a 400 naming it;
//!   what hyper refuses before any route sees it (a URI over 64 KiB: 414, headers over its
//!   buffer: 431, not HTTP: 400) gets a JSON body that every API's error model decodes.
//! - **The request log** ([`RunningEmulator::requests`], `GET /__admin/requests`) is a ring of
//!   at most 1000 entries and 2 MiB; bodies are cut at 8 KiB (URIs and header values at 1 KiB)
//!   and credentials (`Authorization`, the API's key header, the admin token) read
//!   `[REDACTED]`. Request bodies over 1 MiB are refused (413): memory stays bounded however
//!   many large requests arrive (`crates/hookspec-cli/tests/it/flood.rs`).

mod declared;
mod effects;
mod faults;
mod handlers;
mod list;
mod rate_limit;
pub mod request_log;
mod surface;
pub mod webhooks;

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::routing::{MethodFilter, MethodRouter};
use hookspec_spec::{Api, ApiSources};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::watch;

pub use effects::EFFECTS;
pub use faults::{Fault, FaultRule};
pub use rate_limit::RateLimits;
pub use request_log::RecordedRequest;

/// The key every API accepts unless [`EmulatorBuilder::key`] sets another.
pub const DEFAULT_KEY: &str = "hookspec-test-key";

/// The header that may carry the admin token instead of `Authorization: Bearer`.
pub const ADMIN_TOKEN_HEADER: &str = "x-hookspec-admin-token";

/// A fresh random admin token: 32 hex digits from the OS's random source.
fn random_token() -> String {
    let mut bytes = [0u8; 16];
    if getrandom::fill(&mut bytes).is_err() {
        // No OS randomness: the hasher's per-process random keys, mixed with the time.
        use std::hash::{BuildHasher, Hasher};
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos()),
        );
        bytes[..8].copy_from_slice(&h.finish().to_le_bytes());
        h.write_u8(1);
        bytes[8..].copy_from_slice(&h.finish().to_le_bytes());
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What can go wrong starting the emulator.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MockError {
    /// The specs do not load (for the embedded ones a bug: the build would have failed), or
    /// two APIs served have one name.
    #[error("invalid specs: {0}")]
    Spec(String),
    /// An endpoint names an effect the emulator does not have ([`EFFECTS`]).
    #[error("{0}")]
    Effect(String),
    /// Binding or serving failed.
    #[error("cannot listen on 127.0.0.1:{port}: {source}")]
    Io {
        /// Port asked for.
        port: u16,
        /// Cause.
        source: std::io::Error,
    },
    /// The HTTP client for webhook calls could not be built.
    #[error("cannot build the webhook HTTP client: {0}")]
    Http(#[from] reqwest::Error),
    /// No API of that name declares a resource of that name.
    #[error("{api} declares no resource `{resource}`")]
    UnknownResource {
        /// The API.
        api: String,
        /// The resource asked for.
        resource: String,
    },
    /// A fault for a route the emulator does not serve (it would never fire).
    #[error("unknown route `{route}` (routes: {})", routes.join(", "))]
    UnknownRoute {
        /// The route asked for.
        route: String,
        /// The routes served, `<api>.<endpoint>`.
        routes: Vec<String>,
    },
}

impl Shared {
    /// Every route served, `<api>.<endpoint>`.
    pub(crate) fn routes(&self) -> Vec<String> {
        self.apis
            .iter()
            .flat_map(|a| {
                a.endpoints
                    .iter()
                    .map(move |e| format!("{}.{}", a.name, e.name))
            })
            .collect()
    }

    /// Whether `route` (`<api>.<endpoint>`) is served.
    pub(crate) fn serves(&self, route: &str) -> bool {
        route.split_once('.').is_some_and(|(api, ep)| {
            self.apis
                .iter()
                .any(|a| a.name == api && a.endpoints.iter().any(|e| e.name == ep))
        })
    }
}

/// State shared by every connection.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) apis: Vec<Arc<Api>>,
    pub(crate) keys: HashMap<String, String>,
    pub(crate) default_key: String,
    pub(crate) webhook_urls: Mutex<Vec<String>>,
    pub(crate) store: declared::Store,
    pub(crate) faults: faults::Faults,
    pub(crate) requests: Mutex<request_log::RequestLog>,
    pub(crate) http: reqwest::Client,
    pub(crate) admin_token: String,
    pub(crate) limiter: rate_limit::Limiter,
}

impl Shared {
    pub(crate) fn key_for(&self, api: &str) -> &str {
        self.keys
            .get(api)
            .map_or(self.default_key.as_str(), String::as_str)
    }
}

/// Every API the `hookspec` crate binds, parsed from the spec text it embeds.
pub fn embedded_apis() -> Result<Vec<Api>, MockError> {
    hookspec::APIS
        .iter()
        .map(|entry| {
            let sources = ApiSources::from_pairs(entry.spec_sources)
                .ok_or_else(|| MockError::Spec(format!("{} has no spec files", entry.meta.name)))?;
            hookspec_spec::parse_api(&sources).map_err(|d| MockError::Spec(d.to_string()))
        })
        .collect()
}

/// An API from the spec text a generated client embeds (`<api>::Client::SPEC_SOURCES`: the
/// API file first, then each endpoint file), to serve with [`EmulatorBuilder::api`]. A spec
/// problem is [`MockError::Spec`] with every diagnostic at its `file:line:col`.
pub fn api_from_sources(sources: &[(&str, &str)]) -> Result<Api, MockError> {
    let sources = ApiSources::from_pairs(sources)
        .ok_or_else(|| MockError::Spec("no spec files given".to_owned()))?;
    hookspec_spec::parse_api(&sources).map_err(|d| MockError::Spec(d.to_string()))
}

/// An API read at run time from its spec folder (`api.toml` and the endpoint files), to
/// serve with [`EmulatorBuilder::api`]: an API that no crate binds can be emulated too.
pub fn read_api_dir(dir: &std::path::Path) -> Result<Api, MockError> {
    let (sources, _) =
        hookspec_spec::read_api_dir(dir, &|p| p.display().to_string()).map_err(|e| {
            MockError::Spec(format!(
                "cannot read the spec folder {}: {e}",
                dir.display()
            ))
        })?;
    hookspec_spec::parse_api(&sources).map_err(|d| MockError::Spec(d.to_string()))
}

/// Configures an emulator.
#[derive(Debug, Default)]
pub struct EmulatorBuilder {
    /// The APIs served instead of the embedded ones ([`EmulatorBuilder::apis`]).
    apis: Option<Vec<Api>>,
    /// APIs served in addition ([`EmulatorBuilder::api`]).
    more_apis: Vec<Api>,
    keys: HashMap<String, String>,
    default_key: Option<String>,
    webhook_urls: Option<Vec<String>>,
    port: u16,
    admin_token: Option<String>,
    rate_limits: RateLimits,
}

/// Entry point: `Emulator::builder()…start().await`.
#[derive(Debug)]
pub struct Emulator;

impl Emulator {
    /// A builder with the seed state, [`DEFAULT_KEY`] and a free port.
    pub fn builder() -> EmulatorBuilder {
        EmulatorBuilder::default()
    }
}

impl EmulatorBuilder {
    /// The key `api` accepts.
    pub fn key(mut self, api: &str, key: impl Into<String>) -> Self {
        self.keys.insert(api.to_owned(), key.into());
        self
    }

    /// Serves exactly these APIs, instead of the ones the `hookspec` crate embeds (each under
    /// `/<name>`; [`api_from_sources`] and [`read_api_dir`] load one).
    pub fn apis(mut self, apis: impl IntoIterator<Item = Api>) -> Self {
        self.apis = Some(apis.into_iter().collect());
        self
    }

    /// Serves `api` too, next to the embedded APIs (or those [`EmulatorBuilder::apis`] set).
    /// Two APIs with one name are an error at [`EmulatorBuilder::start`].
    pub fn api(mut self, api: Api) -> Self {
        self.more_apis.push(api);
        self
    }

    /// The key every API accepts unless set per API.
    pub fn default_key(mut self, key: impl Into<String>) -> Self {
        self.default_key = Some(key.into());
        self
    }

    /// Webhook URLs a 5centscdn resend POSTs to (none by default).
    pub fn webhook_urls(mut self, urls: Vec<String>) -> Self {
        self.webhook_urls = Some(urls);
        self
    }

    /// The token the admin routes (`/__admin/…`) require, sent as `Authorization: Bearer
    /// <token>` or as the header [`ADMIN_TOKEN_HEADER`]. Default: a random one, generated at
    /// start ([`RunningEmulator::admin_token`]).
    pub fn admin_token(mut self, token: impl Into<String>) -> Self {
        self.admin_token = Some(token.into());
        self
    }

    /// Whether requests over an API's rate limit get a 429 (with `Retry-After`, in the API's
    /// error model): [`RateLimits::Off`] by default, [`RateLimits::Spec`] for each API's
    /// declared `[rate_limit]` per key, [`RateLimits::PerSecond`] for another rate.
    pub fn rate_limits(mut self, mode: RateLimits) -> Self {
        self.rate_limits = mode;
        self
    }

    /// Port on 127.0.0.1 (0, the default, picks a free one).
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Binds 127.0.0.1 and starts serving in the background.
    pub async fn start(self) -> Result<RunningEmulator, MockError> {
        let mut apis = match self.apis {
            Some(apis) => apis,
            None => embedded_apis()?,
        };
        apis.extend(self.more_apis);
        let mut names = std::collections::BTreeSet::new();
        for api in &apis {
            if !names.insert(api.name.as_str()) {
                return Err(MockError::Spec(format!(
                    "two APIs are named `{}`: each is served under `/<name>`",
                    api.name
                )));
            }
        }
        let apis: Vec<Arc<Api>> = apis.into_iter().map(Arc::new).collect();
        for api in &apis {
            for ep in &api.endpoints {
                if let Some(effect) = ep.emulator.as_ref().and_then(|e| e.effect.as_deref())
                    && !EFFECTS.contains(&effect)
                {
                    return Err(MockError::Effect(format!(
                        "{}.{} names the unknown emulator effect `{effect}` (known: {})",
                        api.name,
                        ep.name,
                        EFFECTS.join(", ")
                    )));
                }
            }
        }
        // Deliveries follow no redirects: a receiver's 3xx is its answer.
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        let apis_for_store = apis.clone();
        let shared = Arc::new(Shared {
            apis,
            keys: self.keys,
            default_key: self.default_key.unwrap_or_else(|| DEFAULT_KEY.to_owned()),
            webhook_urls: Mutex::new(self.webhook_urls.unwrap_or_default()),
            store: declared::Store::seeded(&apis_for_store),
            faults: faults::Faults::default(),
            requests: Mutex::new(request_log::RequestLog::default()),
            http,
            admin_token: self.admin_token.unwrap_or_else(random_token),
            limiter: rate_limit::Limiter::new(self.rate_limits, &apis_for_store),
        });
        let port = self.port;
        let listener = TcpListener::bind(("127.0.0.1", port))
            .await
            .map_err(|source| MockError::Io { port, source })?;
        let addr = listener
            .local_addr()
            .map_err(|source| MockError::Io { port, source })?;
        let router = router(&shared);
        let bodies = Arc::new(surface::ErrorBodies::new(&shared.apis));
        let (stop_tx, stop_rx) = watch::channel(false);
        let task = tokio::spawn(accept_loop(listener, router, bodies, stop_rx));
        Ok(RunningEmulator {
            addr,
            shared,
            stop: stop_tx,
            task: Some(task),
        })
    }
}

/// Marks a response whose connection must be closed instead of answered.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DropConnection;

#[derive(Debug)]
struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by fault injection")
    }
}

impl std::error::Error for Dropped {}

async fn accept_loop(
    listener: TcpListener,
    router: axum::Router,
    bodies: Arc<surface::ErrorBodies>,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        let (stream, _) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(s) => s,
                Err(_) => continue,
            },
            _ = stop.changed() => return,
        };
        let router = router.clone();
        let bodies = bodies.clone();
        tokio::spawn(async move {
            let svc =
                hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                    let router = router.clone();
                    async move {
                        let resp =
                            tower::ServiceExt::oneshot(router, req.map(axum::body::Body::new))
                                .await
                                .unwrap_or_else(|never| match never {});
                        if resp.extensions().get::<DropConnection>().is_some() {
                            // A service error makes hyper close the connection without a response.
                            return Err(Dropped);
                        }
                        Ok(resp)
                    }
                });
            let _ = hyper::server::conn::http1::Builder::new()
                .keep_alive(true)
                .serve_connection(TokioIo::new(surface::JsonErrors::new(stream, bodies)), svc)
                .await;
        });
    }
}

fn method_filter(m: hookspec_spec::Method) -> MethodFilter {
    use hookspec_spec::Method as M;
    match m {
        M::Get => MethodFilter::GET,
        M::Post => MethodFilter::POST,
        M::Put => MethodFilter::PUT,
        M::Patch => MethodFilter::PATCH,
        M::Delete => MethodFilter::DELETE,
        M::Head => MethodFilter::HEAD,
    }
}

/// One route per endpoint of every API, plus the admin routes.
fn router(shared: &Arc<Shared>) -> axum::Router {
    // Per path: its method router, the API, and the methods it allows (for `Allow`).
    let mut by_path: BTreeMap<String, (MethodRouter, Arc<Api>, Vec<&'static str>)> =
        BTreeMap::new();
    for api in &shared.apis {
        for (index, ep) in api.endpoints.iter().enumerate() {
            let path = format!("/{}{}", api.name, ep.path);
            let handler = {
                let shared = shared.clone();
                let api = api.clone();
                move |req: axum::extract::Request| handlers::endpoint(shared, api, index, req)
            };
            let (methods, _, mut allow) = by_path
                .remove(&path)
                .unwrap_or_else(|| (MethodRouter::new(), api.clone(), Vec::new()));
            allow.push(ep.method.as_str());
            if ep.method == hookspec_spec::Method::Get {
                // axum answers HEAD with the GET route.
                allow.push("HEAD");
            }
            by_path.insert(
                path,
                (
                    methods.on(method_filter(ep.method), handler),
                    api.clone(),
                    allow,
                ),
            );
        }
    }
    let mut router = axum::Router::new();
    for (path, (methods, api, allow)) in by_path {
        let allow = allow.join(", ");
        let not_allowed = move |req: axum::extract::Request| {
            let api = api.clone();
            let allow = allow.clone();
            async move { handlers::method_not_allowed(&api, &allow, req.method()) }
        };
        router = router.route(&path, methods.fallback(not_allowed));
    }
    let not_found = {
        let shared = shared.clone();
        move |req: axum::extract::Request| {
            let shared = shared.clone();
            async move { handlers::not_found(&shared, &req) }
        }
    };
    router
        .merge(handlers::admin(shared.clone()))
        .fallback(not_found)
}

/// A running emulator; stops when dropped or on [`RunningEmulator::shutdown`].
#[derive(Debug)]
pub struct RunningEmulator {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: watch::Sender<bool>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl RunningEmulator {
    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The base URL to give a client of `api`: `http://127.0.0.1:PORT/<api>`.
    pub fn base_url(&self, api: &str) -> String {
        format!("http://{}/{api}", self.addr)
    }

    /// The key `api` accepts.
    pub fn key(&self, api: &str) -> String {
        self.shared.key_for(api).to_owned()
    }

    /// Injects a fault on `route` (`<api>.<endpoint>`) for the next `times` requests (`None`:
    /// until cleared). A route the emulator does not serve is an error: its fault would never
    /// fire.
    pub fn inject(&self, route: &str, fault: Fault, times: Option<u32>) -> Result<(), MockError> {
        if !self.shared.serves(route) {
            return Err(MockError::UnknownRoute {
                route: route.to_owned(),
                routes: self.shared.routes(),
            });
        }
        self.shared.faults.set(FaultRule {
            route: route.to_owned(),
            fault,
            times,
        });
        Ok(())
    }

    /// Clears every fault.
    pub fn clear_faults(&self) {
        self.shared.faults.clear();
    }

    /// Delivers an OmegaStream event as OmegaStream does: POSTs it to every active webhook
    /// endpoint subscribed to `event_type`, and records each delivery with the receiver's
    /// answer in the event history that `list_webhook_events` and `get_webhook_event` show.
    /// Returns the recorded events. Over HTTP: `POST /__admin/omegastream/events` with
    /// `{"type": "...", "data": {...}}` (admin token required).
    pub async fn deliver_omegastream_event(
        &self,
        event_type: &str,
        data: serde_json::Value,
    ) -> Vec<serde_json::Value> {
        effects::deliver_omegastream_event(&self.shared, event_type, data).await
    }

    /// Adds items to a declared resource (`[resources.<name>]` of `api`'s spec), as if they
    /// were in its seed: state for a test or a benchmark larger than the spec's examples.
    /// The items are taken as given (not checked against the model).
    pub fn insert(
        &self,
        api: &str,
        resource: &str,
        items: impl IntoIterator<Item = serde_json::Value>,
    ) -> Result<(), MockError> {
        let declared = self
            .shared
            .apis
            .iter()
            .any(|a| a.name == api && a.resource(resource).is_some());
        if !declared {
            return Err(MockError::UnknownResource {
                api: api.to_owned(),
                resource: resource.to_owned(),
            });
        }
        self.shared.store.extend(api, resource, items);
        Ok(())
    }

    /// Replaces the webhook URLs a resend POSTs to.
    pub fn set_webhook_urls(&self, urls: Vec<String>) {
        *lock(&self.shared.webhook_urls) = urls;
    }

    /// The requests received, oldest first, as the bounded log keeps them (the latest
    /// [`request_log::MAX_ENTRIES`] within [`request_log::MAX_BYTES`]; bodies cut, credentials redacted).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.requests).snapshot()
    }

    /// The token the admin routes require (`Authorization: Bearer <token>` or
    /// [`ADMIN_TOKEN_HEADER`]). In-process helpers ([`RunningEmulator::inject`]…) need none.
    pub fn admin_token(&self) -> &str {
        &self.shared.admin_token
    }

    /// Stops accepting connections and waits for the accept loop to end.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for RunningEmulator {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Runs the emulator on `127.0.0.1:port` until Ctrl-C (what `hookspec mock serve` does).
pub async fn serve(builder: EmulatorBuilder) -> Result<(), MockError> {
    let running = builder.start().await?;
    eprintln!("hookspec emulator listening on http://{}", running.addr());
    eprintln!("  admin token: {}", running.admin_token());
    for api in &running.shared.apis {
        eprintln!(
            "  {}: {} (key: {})",
            api.name,
            running.base_url(&api.name),
            running.key(&api.name)
        );
    }
    let _ = tokio::signal::ctrl_c().await;
    running.shutdown().await;
    Ok(())
}
