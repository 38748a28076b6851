//! De-duplication of deliveries: providers deliver at least once, and retry.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Remembers which deliveries were seen, by key ([`super::Received::key`]: the event id, or
/// else the `webhook-id` header, or else a hash of the body).
///
/// [`is_duplicate`](Dedup::is_duplicate) records a key when it checks it: a handler that then
/// fails and answers 5xx for the provider to deliver again calls [`forget`](Dedup::forget)
/// first, or the retry is taken for a duplicate and dropped.
pub trait Dedup: Send + Sync {
    /// Records `key` and tells whether it had been recorded before (a duplicate).
    fn is_duplicate(&self, key: &str) -> bool;

    /// Forgets `key`: its next delivery is not a duplicate (for a delivery whose handling
    /// failed and that the provider is asked to send again).
    fn forget(&self, key: &str);
}

/// An in-memory [`Dedup`] bounded in size (the oldest key is forgotten first) and in age (a
/// key older than `max_age` is forgotten).
#[derive(Debug)]
pub struct InMemoryDedup {
    capacity: usize,
    max_age: Duration,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    seen: HashMap<String, Instant>,
    order: VecDeque<(Instant, String)>,
}

impl Default for InMemoryDedup {
    /// 10,000 keys, for at most 24 hours.
    fn default() -> Self {
        Self::new(10_000, Duration::from_secs(24 * 60 * 60))
    }
}

impl InMemoryDedup {
    /// Remembers at most `capacity` keys (at least one), each for at most `max_age`.
    pub fn new(capacity: usize, max_age: Duration) -> Self {
        Self {
            capacity: capacity.max(1),
            max_age,
            state: Mutex::new(State::default()),
        }
    }

    /// [`Dedup::is_duplicate`] at time `now` (for tests and replays).
    pub fn is_duplicate_at(&self, key: &str, now: Instant) -> bool {
        let mut st = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        while let Some((at, _)) = st.order.front() {
            let expired = now.saturating_duration_since(*at) > self.max_age;
            if !expired && st.order.len() <= self.capacity {
                break;
            }
            if let Some((at, k)) = st.order.pop_front()
                && st.seen.get(&k) == Some(&at)
            {
                st.seen.remove(&k);
            }
        }
        if st.seen.contains_key(key) {
            return true;
        }
        if st.seen.len() >= self.capacity
            && let Some((at, k)) = st.order.pop_front()
            && st.seen.get(&k) == Some(&at)
        {
            st.seen.remove(&k);
        }
        st.seen.insert(key.to_owned(), now);
        st.order.push_back((now, key.to_owned()));
        false
    }

    /// How many keys are remembered.
    pub fn len(&self) -> usize {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .seen
            .len()
    }

    /// Whether no key is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Dedup for InMemoryDedup {
    fn is_duplicate(&self, key: &str) -> bool {
        self.is_duplicate_at(key, Instant::now())
    }

    fn forget(&self, key: &str) {
        // Its entry in `order` stays until it comes first; it no longer matches `seen` then.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .seen
            .remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_forgotten_key_is_new_again() {
        let d = InMemoryDedup::new(10, Duration::from_secs(60));
        assert!(!d.is_duplicate("a"));
        assert!(d.is_duplicate("a"));
        d.forget("a");
        assert_eq!(d.len(), 0);
        assert!(
            !d.is_duplicate("a"),
            "its handling failed: the retry is handled"
        );
        assert!(d.is_duplicate("a"));
        d.forget("never seen");
        assert_eq!(d.len(), 1);
    }

    #[test]
    fn repeats_are_duplicates_until_forgotten() {
        let d = InMemoryDedup::new(2, Duration::from_secs(60));
        let t0 = Instant::now();
        assert!(!d.is_duplicate_at("a", t0));
        assert!(d.is_duplicate_at("a", t0));
        assert!(!d.is_duplicate_at("b", t0));
        assert!(!d.is_duplicate_at("c", t0)); // forgets `a`, the oldest
        assert_eq!(d.len(), 2);
        assert!(!d.is_duplicate_at("a", t0));
        // Too old: forgotten.
        assert!(!d.is_duplicate_at("c", t0 + Duration::from_secs(61)));
        assert!(d.is_duplicate_at("c", t0 + Duration::from_secs(62)));
    }
}
