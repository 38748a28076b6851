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
    use std::fmt::{self, Display};
    use std::marker::PhantomData;
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

    /// A type a `lenient` field may have: a string, an integer or a float. The conversions
    /// take a JSON number straight to the type when the result is the one the text path
    /// (`from_value`: the number displayed, then parsed) gives; `None` sends it that way.
    pub trait Scalar: FromStr<Err: Display> {
        /// A JSON integer.
        fn from_i64(v: i64) -> Option<Self>;
        /// A JSON integer above `i64::MAX`.
        fn from_u64(v: u64) -> Option<Self>;
        /// A JSON number with a fraction or an exponent.
        fn from_f64(v: f64) -> Option<Self>;
    }

    impl Scalar for i64 {
        fn from_i64(v: i64) -> Option<Self> {
            Some(v)
        }
        fn from_u64(v: u64) -> Option<Self> {
            i64::try_from(v).ok()
        }
        fn from_f64(_: f64) -> Option<Self> {
            None
        }
    }

    impl Scalar for f64 {
        // `as` rounds to the nearest float, ties to even, as parsing the digits does.
        #[allow(clippy::cast_precision_loss)]
        fn from_i64(v: i64) -> Option<Self> {
            Some(v as f64)
        }
        #[allow(clippy::cast_precision_loss)]
        fn from_u64(v: u64) -> Option<Self> {
            Some(v as f64)
        }
        // serde_json displays a float in its shortest form that parses back to itself.
        fn from_f64(v: f64) -> Option<Self> {
            Some(v)
        }
    }

    impl Scalar for String {
        fn from_i64(v: i64) -> Option<Self> {
            Some(v.to_string())
        }
        fn from_u64(v: u64) -> Option<Self> {
            Some(v.to_string())
        }
        // serde_json's float text differs from Rust's (`1e20`): the text path decides.
        fn from_f64(_: f64) -> Option<Self> {
            None
        }
    }

    fn from_text<T: Scalar, E: serde::de::Error>(s: &str) -> Result<T, E> {
        s.parse().or_else(|_| s.trim().parse()).map_err(E::custom)
    }

    /// Decodes what `from_value(Value::deserialize(d))` decodes, without building a `Value`
    /// for a number or a string (`null` is `None` when `option`).
    struct Visitor<T> {
        option: bool,
        _t: PhantomData<fn() -> T>,
    }

    impl<'de, T: Scalar> serde::de::Visitor<'de> for Visitor<T> {
        type Value = Option<T>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a number or a string")
        }
        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Self::Value, E> {
            T::from_i64(v)
                .map_or_else(|| from_value(Value::from(v)), Ok)
                .map(Some)
        }
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Self::Value, E> {
            T::from_u64(v)
                .map_or_else(|| from_value(Value::from(v)), Ok)
                .map(Some)
        }
        fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Self::Value, E> {
            T::from_f64(v)
                .map_or_else(|| from_value(Value::from(v)), Ok)
                .map(Some)
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
            from_text(v).map(Some)
        }
        fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Self::Value, E> {
            from_value(Value::Bool(v)).map(Some)
        }
        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            if self.option {
                Ok(None)
            } else {
                from_value(Value::Null).map(Some)
            }
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
            let v = Value::deserialize(serde::de::value::SeqAccessDeserializer::new(seq))?;
            from_value(v).map(Some)
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
            let v = Value::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
            from_value(v).map(Some)
        }
    }

    /// Decodes `T` from a number or a string.
    pub fn deserialize<'de, D, T>(d: D) -> Result<T, D::Error>
    where
        D: Deserializer<'de>,
        T: Scalar,
    {
        let v = d.deserialize_any(Visitor::<T> {
            option: false,
            _t: PhantomData,
        })?;
        v.ok_or_else(|| <D::Error as serde::de::Error>::custom("unreachable: null refused"))
    }

    /// Decodes `Option<T>` from a number, a string or `null`.
    pub fn deserialize_option<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
    where
        D: Deserializer<'de>,
        T: Scalar,
    {
        d.deserialize_any(Visitor::<T> {
            option: true,
            _t: PhantomData,
        })
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

    /// The decoding before numbers and strings skipped the `Value`: whatever the input, the
    /// same value or the same error message.
    fn by_value<T: super::lenient::Scalar>(text: &str, option: bool) -> Result<Option<T>, String> {
        let v: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let r = match v {
            serde_json::Value::Null if option => return Ok(None),
            serde_json::Value::String(s) => s
                .parse::<T>()
                .or_else(|_| s.trim().parse())
                .map_err(|e| e.to_string()),
            serde_json::Value::Number(n) => n.to_string().parse::<T>().map_err(|e| e.to_string()),
            other => Err(format!("expected a number or a string, found {other}")),
        };
        r.map(Some)
    }

    fn direct<T: super::lenient::Scalar>(text: &str, option: bool) -> Result<Option<T>, String> {
        let mut de = serde_json::Deserializer::from_str(text);
        let r = if option {
            super::lenient::deserialize_option(&mut de)
        } else {
            super::lenient::deserialize(&mut de).map(Some)
        };
        r.map_err(|e| {
            // The message without serde_json's position suffix.
            let s = e.to_string();
            match s.find(" at line ") {
                Some(i) => s[..i].to_owned(),
                None => s,
            }
        })
    }

    #[test]
    fn lenient_numbers_decode_as_through_a_value() {
        let inputs = [
            "0",
            "-0",
            "7",
            "-7",
            "93.5",
            "-0.0",
            "1e20",
            "1.5e-7",
            "12.0",
            "9007199254740993",
            "9223372036854775807",
            "9223372036854775808",
            "18446744073709551615",
            "-9223372036854775808",
            "123456789012345678901234567890",
            r#""12""#,
            r#"" 12 ""#,
            r#""1e3""#,
            r#""x""#,
            r#""""#,
            r#""\u0031""#,
            "true",
            "false",
            "null",
            "[1, 2]",
            r#"{"a": 1}"#,
            "[]",
        ];
        for text in inputs {
            for option in [false, true] {
                assert_eq!(
                    direct::<i64>(text, option),
                    by_value::<i64>(text, option),
                    "i64 {text}"
                );
                assert_eq!(
                    direct::<String>(text, option),
                    by_value::<String>(text, option),
                    "String {text}"
                );
                let (a, b) = (direct::<f64>(text, option), by_value::<f64>(text, option));
                match (&a, &b) {
                    (Ok(Some(x)), Ok(Some(y))) => {
                        assert_eq!(x.to_bits(), y.to_bits(), "f64 {text}")
                    }
                    _ => assert_eq!(a, b, "f64 {text}"),
                }
            }
        }
    }
}
