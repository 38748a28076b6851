//! The single-pass decoding of a tagged delivery (what the generated `Events::decode` tries
//! first): the whole body decoded once into an envelope whose data field is the event's type —
//! when the events of an API differ in data type, after a scan of the top-level object for the
//! tag ([`__scan_tag`]) that says which. Whatever this path cannot take (an unknown type, the
//! tag after the data when it must be scanned for, any error) goes to the two-pass decoding,
//! which also words the errors.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::value::{BorrowedStrDeserializer, MapAccessDeserializer, StringDeserializer};
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, de::Error as _};

/// A key or string value, borrowed from the body when it has no escapes.
enum Text<'de> {
    Borrowed(&'de str),
    Owned(String),
}

impl Text<'_> {
    fn as_str(&self) -> &str {
        match self {
            Text::Borrowed(s) => s,
            Text::Owned(s) => s,
        }
    }
}

impl<'de> Deserialize<'de> for Text<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Text::Borrowed(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Text::Owned(v.to_owned()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Text::Owned(v))
            }
        }
        deserializer.deserialize_str(V)
    }
}

/// The scan: walks the top-level keys, skipping values, until a tag key (its string value is
/// kept) or a data key (the scan gives up: finding the tag would mean skipping the data).
struct Scan<'a, 'de> {
    tags: &'a [&'a str],
    stops: &'a [&'a str],
    found: &'a mut Option<Cow<'de, str>>,
}

impl<'de> DeserializeSeed<'de> for Scan<'_, 'de> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Scan<'_, 'de> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<Text<'de>>()? {
            let key = key.as_str();
            if self.tags.contains(&key) {
                *self.found = Some(match map.next_value::<Text<'de>>()? {
                    Text::Borrowed(s) => Cow::Borrowed(s),
                    Text::Owned(s) => Cow::Owned(s),
                });
                // Stop here, the rest unread: the deserializer then reports an unfinished
                // object, which the caller ignores (cheaper than an error of our own, whose
                // message serde_json would format and search).
                return Ok(());
            }
            if self.stops.contains(&key) {
                return Ok(());
            }
            map.next_value::<IgnoredAny>()?;
        }
        Ok(())
    }
}

/// The value of the first top-level key of `body` named one of `tags`, when it is a string
/// and comes before every key named one of `stops`; `None` otherwise (not an object, no tag,
/// the data first, a tag that is not a string). Reads the body only up to the tag.
///
/// A byte scanner reads the keys and skips the values; a key or tag with an escape goes to a
/// scan through serde_json. The scanner needs not validate: the body is decoded in full after,
/// and its decoded tag must be the one found here.
#[doc(hidden)]
pub fn __scan_tag<'de>(body: &'de [u8], tags: &[&str], stops: &[&str]) -> Option<Cow<'de, str>> {
    match quick_scan(body, tags, stops) {
        Quick::Found(tag) => Some(Cow::Borrowed(tag)),
        Quick::NotFound => None,
        Quick::Escaped => {
            let mut found = None;
            let mut de = serde_json::Deserializer::from_slice(body);
            let _ = Scan {
                tags,
                stops,
                found: &mut found,
            }
            .deserialize(&mut de);
            found
        }
    }
}

enum Quick<'de> {
    Found(&'de str),
    NotFound,
    Escaped,
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while let Some(b' ' | b'\t' | b'\n' | b'\r') = b.get(i) {
        i += 1;
    }
    i
}

/// The end of the string starting at `b[i] == '"'` (past its closing quote), and whether it
/// has an escape.
fn string_end(b: &[u8], i: usize) -> Option<(usize, bool)> {
    let mut j = i + 1;
    let mut escaped = false;
    loop {
        match b.get(j)? {
            b'"' => return Some((j + 1, escaped)),
            b'\\' => {
                escaped = true;
                j += 2;
            }
            _ => j += 1,
        }
    }
}

/// The end of the value starting at `b[i]` (not validated: what the full decoding does).
fn value_end(b: &[u8], i: usize) -> Option<usize> {
    match b.get(i)? {
        b'"' => string_end(b, i).map(|(end, _)| end),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut j = i;
            loop {
                match b.get(j)? {
                    b'"' => {
                        j = string_end(b, j)?.0;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(j + 1);
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
        }
        _ => {
            let mut j = i;
            while !matches!(
                b.get(j),
                None | Some(b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r')
            ) {
                j += 1;
            }
            Some(j)
        }
    }
}

fn quick_scan<'de>(b: &'de [u8], tags: &[&str], stops: &[&str]) -> Quick<'de> {
    let scan = || -> Option<Quick<'de>> {
        let mut i = skip_ws(b, 0);
        if b.get(i) != Some(&b'{') {
            return Some(Quick::NotFound);
        }
        i += 1;
        loop {
            i = skip_ws(b, i);
            if b.get(i) != Some(&b'"') {
                return Some(Quick::NotFound);
            }
            let (end, escaped) = string_end(b, i)?;
            if escaped {
                return Some(Quick::Escaped);
            }
            let key = &b[i + 1..end - 1];
            i = skip_ws(b, end);
            if b.get(i) != Some(&b':') {
                return Some(Quick::NotFound);
            }
            i = skip_ws(b, i + 1);
            if tags.iter().any(|t| t.as_bytes() == key) {
                if b.get(i) != Some(&b'"') {
                    return Some(Quick::NotFound);
                }
                let (end, escaped) = string_end(b, i)?;
                if escaped {
                    return Some(Quick::Escaped);
                }
                return Some(
                    std::str::from_utf8(&b[i + 1..end - 1]).map_or(Quick::NotFound, Quick::Found),
                );
            }
            if stops.iter().any(|t| t.as_bytes() == key) {
                return Some(Quick::NotFound);
            }
            i = skip_ws(b, value_end(b, i)?);
            if b.get(i) != Some(&b',') {
                return Some(Quick::NotFound);
            }
            i += 1;
        }
    };
    scan().unwrap_or(Quick::NotFound)
}

/// A map whose first key was already read: hands it out again, then the rest.
struct Replay<'de, A> {
    first: Option<Text<'de>>,
    map: A,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Replay<'de, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        match self.first.take() {
            Some(Text::Borrowed(s)) => seed.deserialize(BorrowedStrDeserializer::new(s)).map(Some),
            Some(Text::Owned(s)) => seed.deserialize(StringDeserializer::new(s)).map(Some),
            None => self.map.next_key_seed(seed),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        self.map.next_value_seed(seed)
    }

    fn size_hint(&self) -> Option<usize> {
        self.map
            .size_hint()
            .map(|n| n + usize::from(self.first.is_some()))
    }
}

struct FlatOrNested<T> {
    wrapper: &'static str,
    _t: PhantomData<fn() -> T>,
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for FlatOrNested<T> {
    type Value = T;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "an object, or an object with the only key `{}`",
            self.wrapper
        )
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
        let Some(first) = map.next_key::<Text<'de>>()? else {
            return T::deserialize(MapAccessDeserializer::new(map));
        };
        if first.as_str() == self.wrapper {
            let inner = map.next_value::<T>()?;
            if map.next_key::<IgnoredAny>()?.is_some() {
                // Not the nested form after all: the two-pass decoding decides.
                return Err(A::Error::custom(format_args!(
                    "`{}` is not the only key",
                    self.wrapper
                )));
            }
            return Ok(inner);
        }
        T::deserialize(MapAccessDeserializer::new(Replay {
            first: Some(first),
            map,
        }))
    }
}

/// Decodes a data object in either form, in one pass and without buffering: when its first
/// key is `wrapper` and that key is its only one, the value under it; otherwise the object
/// itself (its first key handed to `T` again). Meant for a `T` that cannot decode from an
/// object whose only key is `wrapper` (a model with a required field not named so), so that
/// the result is what the two-pass `__decode_data` gives; anything else is an error here.
#[doc(hidden)]
pub fn __flat_or_nested<'de, D, T>(deserializer: D, wrapper: &'static str) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    deserializer.deserialize_map(FlatOrNested {
        wrapper,
        _t: PhantomData,
    })
}

/// Decodes a whole body into `T`, errors dropped: the fast path, which falls back on error.
#[doc(hidden)]
pub fn __decode_fast<'de, T: Deserialize<'de>>(body: &'de [u8]) -> Option<T> {
    serde_json::from_slice(body).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TAGS: &[&str] = &["type", "kind"];
    const STOPS: &[&str] = &["data"];

    #[test]
    fn the_scan_finds_the_tag_before_the_data_only() {
        let body = br#"{"id": {"a": [1, "}"]}, "type": "a.b", "data": {"type": "no"}}"#;
        let tag = __scan_tag(body, TAGS, STOPS).unwrap();
        assert!(matches!(tag, Cow::Borrowed("a.b")), "{tag:?}");
        let values =
            br#" { "n" : -1.5e3 ,"t":true, "s": "q\"}]", "a": [{"x": "]"}, null], "type" : "x" }"#;
        assert_eq!(__scan_tag(values, TAGS, STOPS).as_deref(), Some("x"));
        let escaped_value_first = br#"{"s": "\u0041", "type": "x", "data": 1}"#;
        assert!(matches!(
            __scan_tag(escaped_value_first, TAGS, STOPS),
            Some(Cow::Borrowed("x"))
        ));
        let escaped_key_first = br#"{"\u0041": 1, "type": "x", "data": 1}"#;
        assert_eq!(
            __scan_tag(escaped_key_first, TAGS, STOPS).as_deref(),
            Some("x")
        );
        let alias = __scan_tag(br#"{"kind": "k", "type": "t"}"#, TAGS, STOPS);
        assert_eq!(alias.as_deref(), Some("k"), "the first tag key wins");
        let escaped = __scan_tag(br#"{"t\u0079pe": "a\u002eb"}"#, TAGS, STOPS).unwrap();
        assert!(
            matches!(escaped, Cow::Owned(ref s) if s == "a.b"),
            "{escaped:?}"
        );
        for body in [
            &br#"{"data": {}, "type": "a.b"}"#[..],
            br#"{"id": 1}"#,
            br#"{"type": 5, "data": {}}"#,
            br#"["type", "a.b"]"#,
            br#"{"id": 1, "#,
            br#"{"id": "unterminated, "type": "x"}"#,
            br#"{"id": [1, "type": "x"}"#,
            br#"{"id" 1, "type": "x"}"#,
            br#"{"id": 1 "type": "x"}"#,
            b"",
        ] {
            assert_eq!(
                __scan_tag(body, TAGS, STOPS),
                None,
                "{}",
                String::from_utf8_lossy(body)
            );
        }
    }

    #[derive(Debug, PartialEq, Deserialize)]
    struct V {
        uuid: String,
        #[serde(default)]
        size: Option<i64>,
    }

    fn decode(text: &str) -> Result<V, serde_json::Error> {
        __flat_or_nested(&mut serde_json::Deserializer::from_str(text), "video")
    }

    #[test]
    fn data_decodes_flat_or_nested_in_one_pass() {
        let v = |uuid: &str, size| V {
            uuid: uuid.to_owned(),
            size,
        };
        assert_eq!(
            decode(r#"{"uuid": "a", "size": 1}"#).unwrap(),
            v("a", Some(1))
        );
        assert_eq!(
            decode(r#"{"size": 1, "uuid": "a"}"#).unwrap(),
            v("a", Some(1))
        );
        assert_eq!(decode(r#"{"\u0075uid": "a"}"#).unwrap(), v("a", None));
        assert_eq!(decode(r#"{"video": {"uuid": "b"}}"#).unwrap(), v("b", None));
        assert_eq!(
            decode(r#"{"vid\u0065o": {"uuid": "b"}}"#).unwrap(),
            v("b", None)
        );
        // The wrapper first but not alone: not taken as the nested form.
        assert!(decode(r#"{"video": {"uuid": "b"}, "uuid": "a"}"#).is_err());
        for bad in [
            r#"{}"#,
            r#"{"size": 1}"#,
            r#"{"video": 1}"#,
            "[]",
            "null",
            r#""a""#,
        ] {
            assert!(decode(bad).is_err(), "{bad}");
        }
    }
}
