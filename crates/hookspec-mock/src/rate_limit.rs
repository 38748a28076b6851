//! The providers' rate limits, enforced per credential: a token bucket per (API, key) that
//! holds one window's requests and refills at the limit's rate. A request over the limit gets
//! a 429 in the API's error model with `Retry-After`, before it does anything.
//!
//! The bucket also holds [`JITTER`] worth of refill: a client that spaces its requests at
//! exactly the limit (the generated clients do) sees them arrive with varying delays — the
//! first one of a connection later than the next — and must not be refused for that. Over any
//! long stretch the rate is the limit's.
//!
//! Off by default (tests and conformance tools send bursts on purpose); `Spec` applies each
//! API's `[rate_limit]`, `PerSecond` raises or lowers every declared limit to one rate (the
//! recovery benchmark runs against 1 000 requests/second).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use hookspec_spec::Api;

/// How the emulator applies the APIs' rate limits.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
#[non_exhaustive]
pub enum RateLimits {
    /// No limit (the default).
    #[default]
    Off,
    /// Each API's declared `[rate_limit]` (an API without one has none), per key.
    Spec,
    /// This many requests per second, per key, for every API that declares a limit; the
    /// bucket holds one second's requests.
    PerSecond(u32),
}

impl std::str::FromStr for RateLimits {
    type Err = String;

    /// `off`, `spec`, or a number of requests per second (`1000`, `1000/s`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "off" => Ok(Self::Off),
            "spec" => Ok(Self::Spec),
            n => n
                .trim_end_matches("/s")
                .parse::<u32>()
                .ok()
                .filter(|n| *n > 0)
                .map(Self::PerSecond)
                .ok_or_else(|| {
                    format!(
                        "`{s}` is not a rate limit: off, spec, or requests per second (e.g. 1000/s)"
                    )
                }),
        }
    }
}

/// How early a request may arrive relative to its schedule (see the module docs).
pub(crate) const JITTER: Duration = Duration::from_millis(100);

/// Requests per window and the window, as enforced for one API.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Limit {
    burst: f64,
    per_second: f64,
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// The buckets of a running emulator.
#[derive(Debug)]
pub(crate) struct Limiter {
    limits: HashMap<String, Limit>,
    buckets: Mutex<HashMap<(String, String), Bucket>>,
}

impl Limiter {
    pub(crate) fn new(mode: RateLimits, apis: &[std::sync::Arc<Api>]) -> Self {
        let limits = apis
            .iter()
            .filter_map(|api| {
                let declared = api.rate_limit?;
                let limit = match mode {
                    RateLimits::Off => return None,
                    RateLimits::Spec => Limit {
                        burst: f64::from(declared.requests.max(1)),
                        per_second: f64::from(declared.requests.max(1))
                            / f64::from(declared.per_seconds.max(1)),
                    },
                    RateLimits::PerSecond(n) => Limit {
                        burst: f64::from(n),
                        per_second: f64::from(n),
                    },
                };
                let limit = Limit {
                    burst: limit.burst + limit.per_second * JITTER.as_secs_f64(),
                    ..limit
                };
                Some((api.name.clone(), limit))
            })
            .collect();
        Self {
            limits,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes a token for `key` of `api`; `Err(wait)` when there is none yet. Only keys that
    /// passed authentication get here, so the map holds one bucket per configured key.
    pub(crate) fn take(&self, api: &str, key: &str) -> Result<(), Duration> {
        let Some(limit) = self.limits.get(api) else {
            return Ok(());
        };
        let now = Instant::now();
        let mut buckets = crate::lock(&self.buckets);
        let bucket = buckets
            .entry((api.to_owned(), key.to_owned()))
            .or_insert(Bucket {
                tokens: limit.burst,
                at: now,
            });
        let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * limit.per_second).min(limit.burst);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64(
                (1.0 - bucket.tokens) / limit.per_second,
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_modes() {
        assert_eq!("off".parse::<RateLimits>(), Ok(RateLimits::Off));
        assert_eq!("spec".parse::<RateLimits>(), Ok(RateLimits::Spec));
        assert_eq!(
            "1000/s".parse::<RateLimits>(),
            Ok(RateLimits::PerSecond(1000))
        );
        assert_eq!("7".parse::<RateLimits>(), Ok(RateLimits::PerSecond(7)));
        assert!("0".parse::<RateLimits>().is_err());
        assert!("fast".parse::<RateLimits>().is_err());
    }
}
