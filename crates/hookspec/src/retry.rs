//! Retry policy, retry budget and client-side rate limiting.
//!
//! - **When** (decided in `runtime.rs`): an idempotent endpoint is retried after a connect
//!   error, a timeout, a broken connection, or a 408, 429, 500, 502, 503 or 504; a
//!   non-idempotent one only when the request certainly never reached the server.
//! - **How long to wait**: exponential backoff with full jitter (a uniformly random delay
//!   between zero and `min(max_delay, base_delay × 2^(attempt-1))`), or the server's
//!   `Retry-After` (seconds or an HTTP date) when it asks for longer, up to
//!   `retry_after_ceiling`; a longer `Retry-After` ends the retries.
//! - **How many**: at most `max_attempts` per call, and a per-client [`RetryBudget`]: each
//!   retry withdraws a token, each success deposits a fraction of one, so that during an
//!   outage the client stops multiplying its load.
//! - **Rate limit**: the spec's documented limit (5centscdn: 5 requests per second) is applied
//!   before each attempt by a token bucket shared by clones of a client: calls wait rather
//!   than collect 429s.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, RETRY_AFTER};
use tokio::time::Instant;

/// How a client retries. Change it with `ClientBuilder::retry_policy`, or per call with the
/// generated builders' `.max_attempts(..)`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Attempts per call, the first included (1 disables retries). Default 3.
    pub max_attempts: u32,
    /// Backoff before the first retry, before jitter. Default 100 ms.
    pub base_delay: Duration,
    /// Cap of the backoff. Default 5 s.
    pub max_delay: Duration,
    /// Longest `Retry-After` honoured; a longer one ends the retries. Default 30 s.
    pub retry_after_ceiling: Duration,
    /// Tokens in the retry budget (retries in a burst). Default 10.
    pub budget_tokens: u32,
    /// Tokens a success deposits, in tenths (default 1: one retry per ten successes).
    pub budget_deposit_tenths: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(5),
            retry_after_ceiling: Duration::from_secs(30),
            budget_tokens: 10,
            budget_deposit_tenths: 1,
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// This policy with another number of attempts (at least 1).
    pub fn with_max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n.max(1);
        self
    }

    /// This policy with another backoff base and cap (a cap below the base is the base).
    pub fn with_backoff(mut self, base: Duration, max: Duration) -> Self {
        self.base_delay = base;
        self.max_delay = max.max(base);
        self
    }

    /// Full-jitter backoff before retry number `retry` (1-based).
    pub(crate) fn backoff(&self, retry: u32) -> Duration {
        let exp = self
            .base_delay
            .saturating_mul(2u32.saturating_pow(retry.saturating_sub(1)));
        let ceiling = exp.min(self.max_delay);
        let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(fastrand::u64(0..=nanos))
    }
}

/// `Retry-After` as a duration: delta-seconds or an HTTP date.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let v = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate::parse_http_date(v).ok()?;
    Some(
        when.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

/// Per-client retry budget (a token bucket in tenths of a token).
///
/// An atomic rather than a lock: every successful call deposits, and a full bucket (the steady
/// state) is only read, never written, so calls on many threads do not contend for it.
#[derive(Debug)]
pub(crate) struct RetryBudget {
    tenths: AtomicU32,
    max_tenths: u32,
    deposit: u32,
}

impl RetryBudget {
    pub(crate) fn new(policy: &RetryPolicy) -> Self {
        let max_tenths = policy.budget_tokens.saturating_mul(10);
        Self {
            tenths: AtomicU32::new(max_tenths),
            max_tenths,
            deposit: policy.budget_deposit_tenths,
        }
    }

    /// Takes one token for a retry, if there is one.
    pub(crate) fn withdraw(&self) -> bool {
        self.tenths
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |t| t.checked_sub(10))
            .is_ok()
    }

    /// A success refills the budget a little.
    pub(crate) fn deposit(&self) {
        let max = self.max_tenths;
        if self.deposit == 0 || self.tenths.load(Ordering::Relaxed) >= max {
            return;
        }
        let _ = self
            .tenths
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |t| {
                (t < max).then(|| t.saturating_add(self.deposit).min(max))
            });
    }
}

/// A documented rate limit: `requests` per `per_seconds` seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests per window.
    pub requests: u32,
    /// Window length in seconds.
    pub per_seconds: u32,
}

/// Client-side rate limiter: a token bucket of `requests` tokens refilled over `per_seconds`.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    state: Mutex<(f64, Instant)>,
    capacity: f64,
    per_token: Duration,
}

impl RateLimiter {
    pub(crate) fn new(limit: RateLimit) -> Self {
        let capacity = f64::from(limit.requests.max(1));
        Self {
            state: Mutex::new((capacity, Instant::now())),
            capacity,
            per_token: Duration::from_secs(u64::from(limit.per_seconds.max(1))).div_f64(capacity),
        }
    }

    /// Takes a token when there is one; otherwise says how long until there is.
    pub(crate) fn try_acquire(&self) -> Result<(), Duration> {
        let mut st = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let now = Instant::now();
        let refill = now.duration_since(st.1).as_secs_f64() / self.per_token.as_secs_f64();
        st.0 = (st.0 + refill).min(self.capacity);
        st.1 = now;
        if st.0 >= 1.0 {
            st.0 -= 1.0;
            Ok(())
        } else {
            Err(self.per_token.mul_f64(1.0 - st.0))
        }
    }

    /// Waits `wait` (what [`try_acquire`](Self::try_acquire) said), then takes a token, waiting
    /// again as long as another caller took it first: `false` when `deadline` comes first (then
    /// at the deadline, as a timeout would).
    pub(crate) async fn acquire_after(&self, mut wait: Duration, deadline: Instant) -> bool {
        loop {
            if Instant::now() + wait > deadline {
                tokio::time::sleep_until(deadline).await;
                return false;
            }
            tokio::time::sleep(wait).await;
            match self.try_acquire() {
                Ok(()) => return true,
                Err(w) => wait = w,
            }
        }
    }

    /// A token now, or after waiting for one, by `deadline`.
    #[cfg(test)]
    async fn acquire_by(&self, deadline: Instant) -> bool {
        match self.try_acquire() {
            Ok(()) => true,
            Err(wait) => self.acquire_after(wait, deadline).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn backoff_is_capped_full_jitter() {
        let p = RetryPolicy::default()
            .with_backoff(Duration::from_millis(100), Duration::from_millis(400));
        for retry in 1..10 {
            let d = p.backoff(retry);
            let cap =
                Duration::from_millis(100 * 2u64.pow(retry - 1)).min(Duration::from_millis(400));
            assert!(d <= cap, "{retry}: {d:?} > {cap:?}");
        }
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, HeaderValue::from_static("7"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(7)));
        let later = SystemTime::now() + Duration::from_secs(120);
        h.insert(
            RETRY_AFTER,
            HeaderValue::from_str(&httpdate::fmt_http_date(later)).unwrap(),
        );
        let d = retry_after(&h).unwrap();
        assert!(
            d > Duration::from_secs(100) && d <= Duration::from_secs(120),
            "{d:?}"
        );
        h.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(
            retry_after(&h),
            Some(Duration::ZERO),
            "a past date means now"
        );
        h.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&h), None);
    }

    #[test]
    fn budget_runs_out_and_refills() {
        let b = RetryBudget::new(&RetryPolicy {
            budget_tokens: 2,
            budget_deposit_tenths: 5,
            ..RetryPolicy::default()
        });
        assert!(b.withdraw() && b.withdraw());
        assert!(!b.withdraw());
        b.deposit();
        assert!(!b.withdraw(), "half a token is not enough");
        b.deposit();
        assert!(b.withdraw());
        for _ in 0..100 {
            b.deposit();
        }
        assert!(
            b.withdraw() && b.withdraw(),
            "refilled to the full two tokens"
        );
        assert!(!b.withdraw(), "never beyond the two tokens");
    }

    #[tokio::test(start_paused = true)]
    async fn rate_limiter_spaces_requests() {
        let rl = RateLimiter::new(RateLimit {
            requests: 5,
            per_seconds: 1,
        });
        let start = Instant::now();
        let far = start + Duration::from_secs(60);
        for _ in 0..5 {
            assert!(rl.acquire_by(far).await);
        }
        assert_eq!(start.elapsed(), Duration::ZERO, "a burst of 5 is allowed");
        for _ in 0..5 {
            assert!(rl.acquire_by(far).await);
        }
        assert!(
            start.elapsed() >= Duration::from_millis(995),
            "{:?}",
            start.elapsed()
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_waiter_whose_token_was_taken_waits_again() {
        let rl = RateLimiter::new(RateLimit {
            requests: 1,
            per_seconds: 1,
        });
        let start = Instant::now();
        let far = start + Duration::from_secs(60);
        assert!(rl.acquire_by(far).await);
        // Both wait for the same next token; one gets it, the other the one after.
        let (a, b) = tokio::join!(rl.acquire_by(far), rl.acquire_by(far));
        assert!(a && b);
        assert!(
            start.elapsed() >= Duration::from_millis(1995),
            "{:?}",
            start.elapsed()
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_wait_past_the_deadline_ends_at_the_deadline() {
        let rl = RateLimiter::new(RateLimit {
            requests: 1,
            per_seconds: 60,
        });
        let start = Instant::now();
        assert!(rl.acquire_by(start).await, "the first token is there");
        assert_eq!(rl.try_acquire(), Err(Duration::from_secs(60)));
        assert!(!rl.acquire_by(start + Duration::from_millis(100)).await);
        assert_eq!(start.elapsed(), Duration::from_millis(100));
    }
}
