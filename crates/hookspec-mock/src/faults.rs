//! Fault injection: per route, what to do instead of (or before) answering normally.

use std::collections::HashMap;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

/// What a route does wrong. Set with [`crate::RunningEmulator::inject`] or over HTTP with
/// `POST /__admin/faults` and a body `{"route": "fivecents.resend_notification", "fault": {...}}`
/// where the fault is one of:
///
/// ```json
/// {"kind": "status", "status": 503}
/// {"kind": "delay", "millis": 250}
/// {"kind": "drop_connection"}
/// {"kind": "truncated_body"}
/// {"kind": "malformed_body"}
/// {"kind": "rate_limited", "retry_after_secs": 2}
/// ```
///
/// plus an optional `"times": N` next to `"fault"` to affect only the next N requests.
/// `DELETE /__admin/faults` clears every fault, `DELETE /__admin/faults?route=<api>.<endpoint>`
/// the fault of one route. A route that the emulator does not serve is refused (400).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Fault {
    /// Answer with this status and an error body in the API's format.
    Status {
        /// HTTP status.
        status: u16,
    },
    /// Wait before answering normally.
    Delay {
        /// Milliseconds to wait.
        millis: u64,
    },
    /// Close the connection without answering.
    DropConnection,
    /// Announce a longer body than is sent, then close.
    TruncatedBody,
    /// Answer 200 with a body that is not JSON.
    MalformedBody,
    /// Answer 429 with `Retry-After`.
    RateLimited {
        /// Seconds in `Retry-After`.
        retry_after_secs: u64,
    },
}

/// A fault and how many more requests it affects (`None`: all).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaultRule {
    /// Route: `<api>.<endpoint>`.
    pub route: String,
    /// The fault.
    pub fault: Fault,
    /// Requests left to affect; `None` for every request.
    #[serde(default)]
    pub times: Option<u32>,
}

/// The table of active faults.
#[derive(Debug, Default)]
pub(crate) struct Faults {
    rules: Mutex<HashMap<String, (Fault, Option<u32>)>>,
}

impl Faults {
    pub(crate) fn set(&self, rule: FaultRule) {
        self.lock().insert(rule.route, (rule.fault, rule.times));
    }

    pub(crate) fn clear(&self) {
        self.lock().clear();
    }

    /// Clears the fault of one route; whether it had one.
    pub(crate) fn clear_route(&self, route: &str) -> bool {
        self.lock().remove(route).is_some()
    }

    /// The fault for this request, if any, counting it against `times`.
    pub(crate) fn take(&self, route: &str) -> Option<Fault> {
        let mut rules = self.lock();
        let (fault, times) = rules.get_mut(route)?;
        let fault = fault.clone();
        match times {
            Some(0) => {
                rules.remove(route);
                return None;
            }
            Some(n) => {
                *n -= 1;
                if *n == 0 {
                    rules.remove(route);
                }
            }
            None => {}
        }
        Some(fault)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (Fault, Option<u32>)>> {
        // A poisoned lock only means a panic elsewhere; the table itself is always valid.
        self.rules
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_counts_down_then_the_route_is_healthy() {
        let f = Faults::default();
        f.set(FaultRule {
            route: "a.b".into(),
            fault: Fault::Status { status: 500 },
            times: Some(2),
        });
        assert!(f.take("a.b").is_some());
        assert!(f.take("a.b").is_some());
        assert!(f.take("a.b").is_none());
        assert!(f.take("x.y").is_none());
    }

    #[test]
    fn fault_json_format() {
        let rule: FaultRule = serde_json::from_str(
            r#"{"route": "fivecents.resend_notification", "fault": {"kind": "rate_limited", "retry_after_secs": 2}, "times": 1}"#,
        )
        .unwrap();
        assert_eq!(
            rule.fault,
            Fault::RateLimited {
                retry_after_secs: 2
            }
        );
        assert_eq!(rule.times, Some(1));
    }
}
