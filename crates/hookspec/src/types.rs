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
/// assert_eq!(raw.to_value()?["video"]["uuid"], "d4e5f6");
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
    ///
    /// # Errors
    ///
    /// Text that is valid JSON may still not fit a `Value`: a number beyond `f64`'s range
    /// (`1e400`) or nesting deeper than serde_json's limit of 128. Such text is kept whole by
    /// the `RawJson` itself ([`get`](Self::get)).
    pub fn to_value(&self) -> Result<serde_json::Value, serde_json::Error> {
        serde_json::from_str(self.0.get())
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

/// Milliseconds since the Unix epoch (spec type `unix_millis`). Decodes from an integer or a
/// string of digits (5centscdn sends `"1745584153000"`), encodes as an integer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct UnixMillis(pub i64);

impl UnixMillis {
    /// The instant, if it is within the range `jiff` supports.
    pub fn to_timestamp(self) -> Option<Timestamp> {
        Timestamp::from_millisecond(self.0).ok()
    }
}

impl From<i64> for UnixMillis {
    fn from(ms: i64) -> Self {
        Self(ms)
    }
}

impl fmt::Display for UnixMillis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl<'de> Deserialize<'de> for UnixMillis {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = UnixMillis;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(
                    "milliseconds since the Unix epoch, as an integer or a string of digits",
                )
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<UnixMillis, E> {
                Ok(UnixMillis(v))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<UnixMillis, E> {
                i64::try_from(v)
                    .map(UnixMillis)
                    .map_err(|_| E::custom(format!("{v} ms is out of range")))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<UnixMillis, E> {
                v.trim()
                    .parse()
                    .map(UnixMillis)
                    .map_err(|_| E::custom(format!("`{v}` is not a number of milliseconds")))
            }
        }
        d.deserialize_any(V)
    }
}

/// A date and time without a time zone (spec type `civil_datetime`), as 5centscdn writes
/// `created_at`: `"2026-04-25 12:29:13"` (a `T` separator is accepted too). From `jiff`;
/// encodes as `2026-04-25T12:29:13`.
pub use jiff::civil::DateTime as CivilDateTime;

/// A time range for a query parameter (spec type `time_range`): two instants, formatted by
/// the runtime as the spec says (5centscdn: `2026-04-01 00:00 - 2026-04-30 23:59`, in UTC).
/// A range whose end is before its start, or longer than the spec's `max_days`, is refused
/// before anything is sent ([`crate::InvalidRequest`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TimeRange {
    /// First instant of the range.
    pub start: Timestamp,
    /// Last instant of the range.
    pub end: Timestamp,
}

impl TimeRange {
    /// The range from `start` to `end`.
    pub fn new(start: Timestamp, end: Timestamp) -> Self {
        Self { start, end }
    }

    /// Checks the range against a spec's rule and formats it. `format` is a `strftime`
    /// pattern applied to each end in UTC, `separator` goes between them.
    pub fn format(
        &self,
        format: &str,
        separator: &str,
        max_days: Option<u32>,
    ) -> Result<String, String> {
        if self.end < self.start {
            return Err(format!(
                "the range ends ({}) before it starts ({})",
                self.end, self.start
            ));
        }
        if let Some(days) = max_days {
            let span = self.end.as_second() - self.start.as_second();
            if span > i64::from(days) * 86_400 {
                return Err(format!(
                    "the range spans more than {days} days ({} to {})",
                    self.start, self.end
                ));
            }
        }
        let utc = |t: Timestamp| t.strftime(format).to_string();
        Ok(format!("{}{separator}{}", utc(self.start), utc(self.end)))
    }

    /// Parses `"<start><separator><end>"` where each end is in `format` (UTC), the inverse of
    /// [`TimeRange::format`] (for the CLI and the emulator).
    pub fn parse(text: &str, format: &str, separator: &str) -> Result<Self, String> {
        let (a, b) = text
            .split_once(separator)
            .ok_or_else(|| format!("`{text}` is not `<start>{separator}<end>`"))?;
        let one = |s: &str| {
            jiff::civil::DateTime::strptime(format, s.trim())
                .and_then(|dt| jiff::tz::TimeZone::UTC.to_timestamp(dt))
                .map_err(|e| format!("`{}` does not match `{format}`: {e}", s.trim()))
        };
        Ok(Self {
            start: one(a)?,
            end: one(b)?,
        })
    }
}

#[cfg(test)]
mod range_tests {
    use super::*;

    const F: &str = "%Y-%m-%d %H:%M";

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn formats_checks_and_parses_back() {
        let r = TimeRange::new(ts("2026-04-01T00:00:00Z"), ts("2026-04-30T23:59:00Z"));
        let text = r.format(F, " - ", Some(31)).unwrap();
        assert_eq!(text, "2026-04-01 00:00 - 2026-04-30 23:59");
        assert_eq!(TimeRange::parse(&text, F, " - ").unwrap(), r);
        // Exactly 31 days is allowed, one minute more is not.
        let r31 = TimeRange::new(ts("2026-01-01T00:00:00Z"), ts("2026-02-01T00:00:00Z"));
        assert!(r31.format(F, " - ", Some(31)).is_ok());
        let r32 = TimeRange::new(ts("2026-01-01T00:00:00Z"), ts("2026-02-01T00:01:00Z"));
        assert!(
            r32.format(F, " - ", Some(31))
                .unwrap_err()
                .contains("31 days")
        );
        let reversed = TimeRange::new(r.end, r.start);
        assert!(
            reversed
                .format(F, " - ", None)
                .unwrap_err()
                .contains("before it starts")
        );
        assert!(TimeRange::parse("2026-04-01 00:00", F, " - ").is_err());
        assert!(TimeRange::parse("2026-04-01 - 2026-04-02", F, " - ").is_err());
    }

    #[test]
    fn millis_and_civil_datetimes_decode_tolerantly() {
        let m: UnixMillis = serde_json::from_str(r#""1745584153000""#).unwrap();
        assert_eq!(m, UnixMillis(1_745_584_153_000));
        let n: UnixMillis = serde_json::from_str("1745584153000").unwrap();
        assert_eq!(m, n);
        assert_eq!(serde_json::to_string(&m).unwrap(), "1745584153000");
        assert!(serde_json::from_str::<UnixMillis>(r#""soon""#).is_err());
        assert!(serde_json::from_str::<UnixMillis>("1.5").is_err());
        let d: CivilDateTime = serde_json::from_str(r#""2026-04-25 12:29:13""#).unwrap();
        assert_eq!(d.to_string(), "2026-04-25T12:29:13");
    }
}

#[cfg(test)]
mod raw_json_tests {
    use super::RawJson;

    /// JSON that a `RawJson` keeps but a `Value` cannot hold is an error, not a silent `null`.
    #[test]
    fn to_value_reports_what_a_value_cannot_hold() {
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        for text in [r#"{"size": 1e400}"#.to_owned(), deep] {
            let raw = RawJson::from_string(text.clone()).expect("valid JSON is kept");
            assert_eq!(raw.get(), text);
            assert!(raw.to_value().is_err(), "{text}");
        }
        let raw = RawJson::from_string(r#"{"a": [1, 2.5, null]}"#.into()).unwrap();
        assert_eq!(
            raw.to_value().unwrap(),
            serde_json::json!({"a": [1, 2.5, null]})
        );
    }
}
