//! Value types shared by every generated model.

use std::fmt;

use serde::{Deserialize, Serialize};

/// An RFC 3339 timestamp (`2022-10-01T00:00:00Z`), from the `jiff` crate.
pub use jiff::Timestamp;

/// Seconds since the Unix epoch, as the APIs send them (`"created": 1664581231`).
///
/// Kept as the integer the server sent, so that any value round-trips; convert with
/// [`UnixSeconds::to_timestamp`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UnixSeconds(pub i64);

impl UnixSeconds {
    /// The instant, if it is within the range `jiff` supports.
    pub fn to_timestamp(self) -> Option<Timestamp> {
        Timestamp::from_second(self.0).ok()
    }
}

impl From<i64> for UnixSeconds {
    fn from(s: i64) -> Self {
        Self(s)
    }
}

impl fmt::Display for UnixSeconds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}
