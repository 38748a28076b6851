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

/// A JSON value kept as the exact text the server sent (spec type `raw_json`).
///
/// Nothing is parsed into a tree, reformatted or reordered: the value costs about its own
/// size in memory, forwards byte for byte (to verify a signature, to store or re-send a
/// webhook payload), and is parsed only when asked — into your own type with
/// [`RawJson::parse`] or into a [`serde_json::Value`] with [`RawJson::to_value`].
///
/// Equality compares the text: `{"a":1}` and `{ "a": 1 }` are different `RawJson`s with the
/// same [`RawJson::to_value`].
///
/// ```
/// # fn main() -> Result<(), serde_json::Error> {
/// let raw = hookspec::RawJson::from_string(r#"{"video": {"uuid": "d4e5f6"}}"#.into())?;
/// assert_eq!(raw.get(), r#"{"video": {"uuid": "d4e5f6"}}"#);
///
/// #[derive(serde::Deserialize)]
/// struct Video<'a> { uuid: &'a str }
/// #[derive(serde::Deserialize)]
/// struct Data<'a> { #[serde(borrow)] video: Video<'a> }
/// let data: Data<'_> = raw.parse()?;
/// assert_eq!(data.video.uuid, "d4e5f6");
/// assert_eq!(raw.to_value()["video"]["uuid"], "d4e5f6");
/// # Ok(()) }
/// ```
#[derive(Clone, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RawJson(Box<serde_json::value::RawValue>);

impl RawJson {
    /// Checks that `json` is one JSON value and keeps it as is.
    pub fn from_string(json: String) -> Result<Self, serde_json::Error> {
        serde_json::value::RawValue::from_string(json).map(Self)
    }

    /// Serializes `value` (compactly).
    pub fn from_value<T: Serialize + ?Sized>(value: &T) -> Result<Self, serde_json::Error> {
        serde_json::value::to_raw_value(value).map(Self)
    }

    /// The JSON text, exactly as received.
    pub fn get(&self) -> &str {
        self.0.get()
    }

    /// Parses the text into `T` (which may borrow from it).
    pub fn parse<'a, T: Deserialize<'a>>(&'a self) -> Result<T, serde_json::Error> {
        serde_json::from_str(self.0.get())
    }

    /// Parses the text into a [`serde_json::Value`].
    pub fn to_value(&self) -> serde_json::Value {
        // The text was checked to be one JSON value when this was made, and every JSON
        // value parses into a `Value`.
        serde_json::from_str(self.0.get()).unwrap_or(serde_json::Value::Null)
    }

    /// The underlying [`serde_json::value::RawValue`].
    pub fn as_raw_value(&self) -> &serde_json::value::RawValue {
        &self.0
    }
}

impl From<Box<serde_json::value::RawValue>> for RawJson {
    fn from(raw: Box<serde_json::value::RawValue>) -> Self {
        Self(raw)
    }
}

impl From<RawJson> for Box<serde_json::value::RawValue> {
    fn from(raw: RawJson) -> Self {
        raw.0
    }
}

impl std::str::FromStr for RawJson {
    type Err = serde_json::Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::from_string(s.to_owned())
    }
}

impl PartialEq for RawJson {
    fn eq(&self, other: &Self) -> bool {
        self.get() == other.get()
    }
}

impl Eq for RawJson {}

impl fmt::Debug for RawJson {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("RawJson").field(&self.get()).finish()
    }
}

impl fmt::Display for RawJson {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.get())
    }
}
