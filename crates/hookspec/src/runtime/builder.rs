//! Client settings and the builder that turns them into a [`ClientCore`].

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{self, HeaderName, HeaderValue};
use secrecy::{ExposeSecret, SecretString};

use super::send::Inner;
use super::{ApiMeta, AuthScheme, ClientCore, RateLimit};
use crate::error::InvalidRequest;
use crate::retry::{RateLimiter, RetryBudget, RetryPolicy};

/// Per-call settings; the client's settings apply where a field is `None`.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct CallOptions {
    /// Timeout of the whole call, retries and rate-limit waits included.
    pub timeout: Option<Duration>,
    /// Timeout of each attempt.
    pub attempt_timeout: Option<Duration>,
    /// Attempts for this call (1: no retry).
    pub max_attempts: Option<u32>,
}

/// Client settings.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Config {
    /// Connect timeout (applies when hookspec builds the `reqwest::Client`).
    pub connect_timeout: Duration,
    /// Timeout of a whole call, retries and rate-limit waits included.
    pub timeout: Duration,
    /// Timeout of each attempt (sending, waiting for and reading the response).
    pub attempt_timeout: Duration,
    /// When and how calls are retried.
    pub retry: RetryPolicy,
    /// Client-side rate limit; defaults to the spec's.
    pub rate_limit: Option<RateLimit>,
    /// Largest response body read; a larger one is refused.
    pub max_body_bytes: usize,
    /// User-Agent header (applies when hookspec builds the `reqwest::Client`).
    pub user_agent: String,
}

/// The User-Agent of the clients hookspec builds, unless [`Config::user_agent`] says otherwise.
const DEFAULT_USER_AGENT: &str = concat!("hookspec/", env!("CARGO_PKG_VERSION"));

impl Default for Config {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(60),
            attempt_timeout: Duration::from_secs(30),
            retry: RetryPolicy::default(),
            rate_limit: None,
            max_body_bytes: 16 * 1024 * 1024,
            user_agent: DEFAULT_USER_AGENT.to_owned(),
        }
    }
}

/// Implemented by every generated `Client`, so that [`ClientBuilder`] can build it.
pub trait FromCore: Sized {
    /// The API the client talks to.
    const API: &'static ApiMeta;
    /// Wraps a configured core.
    fn from_core(core: ClientCore) -> Self;
}

/// Where a client's `reqwest::Client` comes from.
enum Http {
    /// hookspec builds it.
    Own,
    /// The caller's client, used as it is.
    Client(reqwest::Client),
    /// The caller's builder, finished with hookspec's policies (boxed: it is large).
    Builder(Box<reqwest::ClientBuilder>),
}

/// Builds a generated client: base URL, credentials, HTTP client, timeouts, limits.
pub struct ClientBuilder<C> {
    api: &'static ApiMeta,
    base_url: Option<String>,
    credentials: Option<SecretString>,
    http: Http,
    config: Config,
    rate_limit_set: bool,
    allow_insecure_http: bool,
    _client: std::marker::PhantomData<fn() -> C>,
}

impl<C> fmt::Debug for ClientBuilder<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("api", &self.api.name)
            .field("base_url", &self.base_url)
            .field(
                "credentials",
                &self.credentials.as_ref().map(|_| "[REDACTED]"),
            )
            .field(
                "http_client",
                &match self.http {
                    Http::Own => "built by hookspec",
                    Http::Client(_) => "the caller's, as it is",
                    Http::Builder(_) => "the caller's builder, with hookspec's policies",
                },
            )
            .field("config", &self.config)
            .field("allow_insecure_http", &self.allow_insecure_http)
            .finish_non_exhaustive()
    }
}

impl<C: FromCore> Default for ClientBuilder<C> {
    fn default() -> Self {
        Self::new()
    }
}

impl<C: FromCore> ClientBuilder<C> {
    /// A builder with the spec's base URL and default settings.
    pub fn new() -> Self {
        Self::for_api(C::API)
    }

    /// Builds the client.
    pub fn build(self) -> Result<C, InvalidRequest> {
        self.build_core().map(C::from_core)
    }
}

impl<C> ClientBuilder<C> {
    /// A builder for an API known only at run time (the CLI builds its commands from the
    /// specs); [`ClientBuilder::build_core`] then gives the untyped core.
    pub fn for_api(api: &'static ApiMeta) -> Self {
        Self {
            api,
            base_url: None,
            credentials: None,
            http: Http::Own,
            config: Config::default(),
            rate_limit_set: false,
            allow_insecure_http: false,
            _client: std::marker::PhantomData,
        }
    }

    /// Overrides the spec's base URL (an emulator, a proxy, a staging host).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// The API key or token, held as a secret: never printed, never logged.
    pub fn credentials(mut self, key: impl Into<SecretString>) -> Self {
        self.credentials = Some(key.into());
        self
    }

    /// Builds the `reqwest::Client` from your `reqwest::ClientBuilder`: its proxies, root
    /// certificates, TLS backend, HTTP/2 and pool settings stay yours, and hookspec sets over
    /// them what its guarantees rest on — redirects never followed (a credential header never
    /// reaches another origin), reqwest's own retries off (every re-send is hookspec's
    /// decision), and this builder's [`connect_timeout`](Self::connect_timeout) and
    /// [`user_agent`](Self::user_agent). The way to customise the HTTP client; replaces an
    /// earlier [`http_client`](Self::http_client).
    ///
    /// ```no_run
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use hookspec::reqwest;
    ///
    /// // Through a corporate proxy; redirects are still never followed.
    /// let client = hookspec::fivecents::Client::builder()
    ///     .credentials("your-api-key")
    ///     .http_client_builder(
    ///         reqwest::Client::builder().proxy(reqwest::Proxy::https("http://proxy.internal:3128")?),
    ///     )
    ///     .build()?;
    /// # let _ = client;
    /// # Ok(())
    /// # }
    /// ```
    pub fn http_client_builder(mut self, builder: reqwest::ClientBuilder) -> Self {
        self.http = Http::Builder(Box::new(builder));
        self
    }

    /// Brings your own `reqwest::Client`, used as it is (e.g. one pool shared with the rest of
    /// your application). Prefer [`http_client_builder`](Self::http_client_builder): here the
    /// connect timeout, the User-Agent and the redirect policy are the client's own, so build it
    /// with `.redirect(reqwest::redirect::Policy::none())`, as hookspec builds its own, or a
    /// redirect may carry a credential header (such as `X-API-Key`, which reqwest does not
    /// strip) to another origin. Its retry policy stays its own too: reqwest's default re-sends
    /// a request an HTTP/2 server refused unprocessed before hookspec sees it (hookspec's own
    /// clients leave that to hookspec's retries, see [`Delivery::NotSent`](crate::Delivery)).
    /// Replaces an earlier [`http_client_builder`](Self::http_client_builder).
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Http::Client(client);
        self
    }

    /// The `User-Agent` header of the requests (default `hookspec/<version>`): name your
    /// application, as some APIs ask. Applies when hookspec builds the `reqwest::Client`
    /// (from a builder of yours too); a client brought with [`http_client`](Self::http_client)
    /// keeps its own.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.config.user_agent = user_agent.into();
        self
    }

    /// Timeout of a whole call, retries and rate-limit waits included (default 60 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.config.timeout = timeout;
        self
    }

    /// Timeout of each attempt (default 30 s).
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.config.attempt_timeout = timeout;
        self
    }

    /// When and how calls are retried (default: [`RetryPolicy::default`]).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.config.retry = policy;
        self
    }

    /// Overrides the spec's rate limit; `None` turns client-side limiting off.
    pub fn rate_limit(mut self, limit: Option<RateLimit>) -> Self {
        self.config.rate_limit = limit;
        self.rate_limit_set = true;
        self
    }

    /// Connect timeout (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.config.connect_timeout = timeout;
        self
    }

    /// Largest response body accepted (default 16 MiB).
    pub fn max_body_bytes(mut self, limit: usize) -> Self {
        self.config.max_body_bytes = limit;
        self
    }

    /// Allows a plain-http base URL that is not loopback. Off by default: credentials would
    /// travel in clear text.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// Builds the untyped core that generated clients wrap.
    pub fn build_core(self) -> Result<ClientCore, InvalidRequest> {
        let api = self.api;
        let raw_url = self.base_url.as_deref().unwrap_or(api.base_url);
        let base_url = check_base_url(raw_url, self.allow_insecure_http)?;
        let auth = match (api.auth, &self.credentials) {
            (AuthScheme::None, _) => None,
            (_, None) => {
                return Err(InvalidRequest::new(
                    None,
                    format!("{} needs credentials; call `.credentials(..)`", api.title),
                ));
            }
            (AuthScheme::Header(name), Some(key)) => Some((
                HeaderName::from_static_lower(name)?,
                sensitive_value(key.expose_secret())?,
            )),
            (AuthScheme::Bearer, Some(key)) => Some((
                header::AUTHORIZATION,
                sensitive_value(&format!("Bearer {}", key.expose_secret()))?,
            )),
        };
        let http = match self.http {
            Http::Client(http) => http,
            Http::Own => {
                let builder = with_policies(reqwest::Client::builder(), &self.config)?;
                #[cfg(feature = "rustls")]
                let builder = builder.tls_backend_preconfigured(tls_config()?);
                finish_http(builder)?
            }
            Http::Builder(builder) => finish_http(with_policies(*builder, &self.config)?)?,
        };
        let mut config = self.config;
        if !self.rate_limit_set {
            config.rate_limit = api.rate_limit;
        }
        Ok(ClientCore {
            inner: Arc::new(Inner {
                api,
                http,
                deadlines: Default::default(),
                base_url,
                auth,
                budget: RetryBudget::new(&config.retry),
                limiter: config.rate_limit.map(RateLimiter::new),
                config,
            }),
        })
    }
}

/// What the `reqwest::Client`s hookspec builds always have, whoever started the builder.
fn with_policies(
    builder: reqwest::ClientBuilder,
    config: &Config,
) -> Result<reqwest::ClientBuilder, InvalidRequest> {
    Ok(builder
        .connect_timeout(config.connect_timeout)
        .user_agent(user_agent(&config.user_agent)?)
        // Never follow a redirect: a custom credential header (`X-API-Key`) would go to
        // whatever origin the `Location` names. A 3xx is an `Error::Api`.
        .redirect(reqwest::redirect::Policy::none())
        // Every re-send is hookspec's decision (idempotency, budget, deadline, attempts
        // counted), HTTP/2's "refused unprocessed" included (`transport_error`). reqwest's own
        // policy would also clone every request (headers and all) in case the server refuses it.
        .retry(reqwest::retry::never().max_retries_per_request(0)))
}

fn finish_http(builder: reqwest::ClientBuilder) -> Result<reqwest::Client, InvalidRequest> {
    builder
        .build()
        .map_err(|e| InvalidRequest::new(None, format!("cannot build the HTTP client: {e}")))
}

trait FromStaticLower: Sized {
    fn from_static_lower(name: &str) -> Result<Self, InvalidRequest>;
}

impl FromStaticLower for HeaderName {
    fn from_static_lower(name: &str) -> Result<Self, InvalidRequest> {
        HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| InvalidRequest::new(None, format!("`{name}` is not a header name")))
    }
}

/// The User-Agent header. The default is a static value: reqwest clones it several times per
/// request (its connector keeps it for proxy tunnels), and a static value is cloned without
/// touching a shared reference count (BENCHMARKS.md §1b).
fn user_agent(ua: &str) -> Result<HeaderValue, InvalidRequest> {
    if ua == DEFAULT_USER_AGENT {
        return Ok(HeaderValue::from_static(DEFAULT_USER_AGENT));
    }
    HeaderValue::from_str(ua).map_err(|_| {
        InvalidRequest::new(
            None,
            "the user agent contains characters not allowed in a header (CR, LF or other control characters)",
        )
    })
}

fn sensitive_value(s: &str) -> Result<HeaderValue, InvalidRequest> {
    let mut v = HeaderValue::from_str(s).map_err(|_| {
        InvalidRequest::new(
            None,
            "the credentials contain characters not allowed in a header (CR, LF or other control characters)",
        )
    })?;
    v.set_sensitive(true);
    Ok(v)
}

#[cfg(feature = "rustls")]
/// The TLS configuration of the clients hookspec builds: rustls with an explicit aws-lc-rs
/// provider (never the process-wide default, which hookspec neither reads nor installs), the
/// platform's certificate verifier, HTTP/2 and HTTP/1.1 offered through ALPN.
fn tls_config() -> Result<rustls::ClientConfig, InvalidRequest> {
    use rustls_platform_verifier::BuilderVerifierExt;
    let fail = |e: rustls::Error| InvalidRequest::new(None, format!("cannot configure TLS: {e}"));
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(fail)?
        .with_platform_verifier()
        .map_err(fail)?
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

fn check_base_url(raw: &str, allow_insecure_http: bool) -> Result<url::Url, InvalidRequest> {
    let url = url::Url::parse(raw)
        .map_err(|e| InvalidRequest::new(None, format!("invalid base URL `{raw}`: {e}")))?;
    match url.scheme() {
        "https" if cfg!(feature = "rustls") => {}
        "https" => {
            return Err(InvalidRequest::new(
                None,
                format!(
                    "base URL `{raw}` is https, and hookspec was built without its `rustls` feature"
                ),
            ));
        }
        "http" if allow_insecure_http || is_loopback(&url) => {}
        "http" => {
            return Err(InvalidRequest::new(
                None,
                format!(
                    "base URL `{raw}` is plain http and not loopback; use https or `.allow_insecure_http(true)`"
                ),
            ));
        }
        other => {
            return Err(InvalidRequest::new(
                None,
                format!("base URL `{raw}` has scheme `{other}`; expected https"),
            ));
        }
    }
    // Credentials in the URL would be sent as Basic auth by nobody (hookspec sends its own) and
    // printed wherever the base URL is (`Debug`, errors): refused, without repeating them.
    if !url.username().is_empty() || url.password().is_some() {
        let mut shown = url.clone();
        let _ = shown.set_username("");
        let _ = shown.set_password(None);
        return Err(InvalidRequest::new(
            None,
            format!(
                "base URL `{shown}` must not carry credentials (`user:password@`); give them with `credentials(…)`"
            ),
        ));
    }
    if url.query().is_some() || url.fragment().is_some() || url.cannot_be_a_base() {
        return Err(InvalidRequest::new(
            None,
            format!("base URL `{raw}` must not have a query or fragment"),
        ));
    }
    Ok(url)
}

fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}
