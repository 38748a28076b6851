//! Support for generated code. Not a public API: it may change in any release.

pub use serde;
pub use serde_json;

/// Deserializes a generated string enum from borrowed or owned text.
pub struct EnumVisitor<T> {
    expecting: &'static str,
    _enum: std::marker::PhantomData<fn() -> T>,
}

impl<T> std::fmt::Debug for EnumVisitor<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.expecting)
    }
}

impl<T> EnumVisitor<T> {
    /// A visitor that expects `expecting`.
    pub fn new(expecting: &'static str) -> Self {
        Self {
            expecting,
            _enum: std::marker::PhantomData,
        }
    }
}

impl<T> serde::de::Visitor<'_> for EnumVisitor<T>
where
    T: for<'a> From<&'a str> + From<String>,
{
    type Value = T;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.expecting)
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<T, E> {
        Ok(T::from(v))
    }

    fn visit_string<E: serde::de::Error>(self, v: String) -> Result<T, E> {
        Ok(T::from(v))
    }
}

/// `datetime` fields with `zero_as_none`: the zero time `0001-01-01T00:00:00Z`, `null` and an
/// absent field decode as `None`. Generated fields skip `None` when encoding (the field is
/// absent), so values round-trip; `serialize` writes the zero time only if called on `None`.
pub mod zero_datetime {
    use jiff::Timestamp;
    use serde::{Deserialize, Deserializer, Serializer};

    const ZERO: &str = "0001-01-01T00:00:00Z";

    /// Encodes `None` as the zero time.
    pub fn serialize<S: Serializer>(v: &Option<Timestamp>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(t) => s.collect_str(t),
            None => s.serialize_str(ZERO),
        }
    }

    /// Decodes the zero time and `null` as `None`.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Timestamp>, D::Error> {
        let t = Option::<Timestamp>::deserialize(d)?;
        Ok(t.filter(|t| t.as_second() != ZERO_SECONDS))
    }

    /// `0001-01-01T00:00:00Z` in seconds since the Unix epoch.
    const ZERO_SECONDS: i64 = -62_135_596_800;
}

/// Fields marked `lenient`: a number may arrive as a string and a string as a number
/// (`"zoneid": "1234"` inside 5centscdn's `meta`).
pub mod lenient {
    use std::fmt::Display;
    use std::str::FromStr;

    use serde::{Deserialize, Deserializer};
    use serde_json::Value;

    fn from_value<T, E>(v: Value) -> Result<T, E>
    where
        T: FromStr,
        T::Err: Display,
        E: serde::de::Error,
    {
        match v {
            // As sent first (a `String` keeps its spaces), then trimmed (`" 12 "` as 12).
            Value::String(s) => s.parse().or_else(|_| s.trim().parse()).map_err(E::custom),
            Value::Number(n) => n.to_string().parse().map_err(E::custom),
            other => Err(E::custom(format!(
                "expected a number or a string, found {other}"
            ))),
        }
    }

    /// Decodes `T` from a number or a string.
    pub fn deserialize<'de, D, T>(d: D) -> Result<T, D::Error>
    where
        D: Deserializer<'de>,
        T: FromStr,
        T::Err: Display,
    {
        from_value(Value::deserialize(d)?)
    }

    /// Decodes `Option<T>` from a number, a string or `null`.
    pub fn deserialize_option<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
    where
        D: Deserializer<'de>,
        T: FromStr,
        T::Err: Display,
    {
        match Value::deserialize(d)? {
            Value::Null => Ok(None),
            v => from_value(v).map(Some),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Deserialize)]
    struct Lenient {
        #[serde(deserialize_with = "super::lenient::deserialize")]
        text: String,
        #[serde(deserialize_with = "super::lenient::deserialize")]
        number: i64,
    }

    #[test]
    fn lenient_strings_keep_their_spaces_and_numbers_are_trimmed() {
        let v: Lenient = serde_json::from_str(r#"{"text": " 12 ", "number": " 12 "}"#).unwrap();
        assert_eq!(v.text, " 12 ");
        assert_eq!(v.number, 12);
        let v: Lenient = serde_json::from_str(r#"{"text": 7, "number": 7}"#).unwrap();
        assert_eq!((v.text.as_str(), v.number), ("7", 7));
        assert!(serde_json::from_str::<Lenient>(r#"{"text": "a", "number": "x"}"#).is_err());
    }
}
