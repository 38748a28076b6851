//! Checks a JSON value against a spec type. The loader uses it on every example of a spec;
//! the emulator uses it to validate request bodies the way the real API would.

use std::fmt;

use serde_json::Value;

use crate::model::{Api, Field, Model, TypeRef};

/// One way a JSON value does not fit its spec type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueError {
    /// Where in the value: `zoneid`, `items[2].type`; empty for the value itself.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

/// What kind of JSON value `v` is, for messages: `null`, `a boolean`, `a number`, `a string`,
/// `an array`, `an object`.
pub fn describe(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// `YYYY-MM-DD HH:MM:SS` (or with `T`), no zone: what `civil_datetime` accepts.
pub(crate) fn looks_like_civil_datetime(s: &str) -> bool {
    let b = s.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    b.len() == 19
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && matches!(b[10], b'T' | b' ')
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19)
}

/// `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`, the RFC 3339 profile the APIs use.
pub(crate) fn looks_like_rfc3339(s: &str) -> bool {
    let b = s.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    if b.len() < 20
        || !digits(0..4)
        || b[4] != b'-'
        || !digits(5..7)
        || b[7] != b'-'
        || !digits(8..10)
        || !matches!(b[10], b'T' | b't' | b' ')
        || !digits(11..13)
        || b[13] != b':'
        || !digits(14..16)
        || b[16] != b':'
        || !digits(17..19)
    {
        return false;
    }
    let mut rest = &s[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        let n = frac.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return false;
        }
        rest = &frac[n..];
    }
    matches!(rest, "Z" | "z")
        || (rest.len() == 6
            && matches!(rest.as_bytes()[0], b'+' | b'-')
            && rest.as_bytes()[3] == b':'
            && rest[1..3]
                .bytes()
                .chain(rest[4..].bytes())
                .all(|c| c.is_ascii_digit()))
}

/// The value of an integer field: a JSON integer within `i64`, or an integral float within
/// `i64` (`-498.0`, as JSON Schema counts it an integer); `None` otherwise (a fraction, an
/// integer over `i64::MAX` such as 2^63, not a number).
pub fn json_integer(v: &Value) -> Option<i64> {
    if let Some(i) = v.as_i64() {
        return Some(i);
    }
    if v.is_u64() {
        return None;
    }
    // 2^63 as f64 is exactly i64::MAX + 1: refuse it and above.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    v.as_f64()
        .filter(|f| f.fract() == 0.0 && *f >= -LIMIT && *f < LIMIT)
        .map(|f| f as i64)
}

impl Api {
    /// Every way `value` does not fit `ty` (empty when it fits).
    ///
    /// The rules, the same for the emulator, the CLI's body check and the spec's examples
    /// (`api-specs/README.md`, "How values are checked"): an integer is a JSON integer within
    /// `i64` or an integral float within it (`-498.0`); `null` only for a `nullable` field (an
    /// optional one is omitted, not null); a key that is no field is refused when the model
    /// (or the API) says `deny_unknown = true`; an enum's value is one the spec lists (the
    /// generated clients still decode others as `Unknown`).
    pub fn check_value(&self, ty: &TypeRef, value: &Value) -> Vec<ValueError> {
        let mut errors = Vec::new();
        self.check(ty, false, value, "", &mut errors);
        errors
    }

    fn check(&self, ty: &TypeRef, lenient: bool, v: &Value, path: &str, out: &mut Vec<ValueError>) {
        let mut fail = |expected: &str| {
            out.push(ValueError {
                path: path.to_owned(),
                message: format!("expected {expected}, found {}", describe(v)),
            });
        };
        let lenient_str = |v: &Value| lenient && v.is_string();
        match ty {
            TypeRef::String => {
                if !(v.is_string() || (lenient && v.is_number())) {
                    fail("a string");
                }
            }
            TypeRef::Enum(name) => match (v.as_str(), self.enum_def(name)) {
                (Some(text), Some(def)) if !def.values.iter().any(|x| x.value == text) => {
                    let known: Vec<&str> = def.values.iter().map(|x| x.value.as_str()).collect();
                    out.push(ValueError {
                        path: path.to_owned(),
                        message: format!(
                            "`{text}` is not a `{name}` (one of: {})",
                            known.join(", ")
                        ),
                    });
                }
                (Some(_), _) => {}
                (None, _) => {
                    if !(lenient && v.is_number()) {
                        fail("a string");
                    }
                }
            },
            TypeRef::Integer | TypeRef::UnixSeconds => {
                let ok = json_integer(v).is_some()
                    || (lenient_str(v)
                        && v.as_str().is_some_and(|s| s.trim().parse::<i64>().is_ok()));
                if !ok {
                    if v.is_number() {
                        // An integer over i64, a fraction, or a huge float.
                        let what = if v.is_u64() || v.as_f64().is_some_and(|f| f.fract() == 0.0) {
                            "out of range for a 64-bit signed integer"
                        } else {
                            "not an integer"
                        };
                        out.push(ValueError {
                            path: path.to_owned(),
                            message: format!("expected an integer, found {v}: {what}"),
                        });
                    } else {
                        fail("an integer");
                    }
                }
            }
            TypeRef::Float => {
                let ok = v.is_number()
                    || (lenient_str(v)
                        && v.as_str().is_some_and(|s| s.trim().parse::<f64>().is_ok()));
                if !ok {
                    fail("a number");
                }
            }
            TypeRef::Bool => {
                if !v.is_boolean() {
                    fail("true or false");
                }
            }
            TypeRef::DateTime => match v.as_str() {
                Some(s) if looks_like_rfc3339(s) => {}
                Some(_) => fail("an RFC 3339 date-time"),
                None => fail("an RFC 3339 date-time string"),
            },
            TypeRef::UnixMillis => {
                let ok = json_integer(v).is_some()
                    || v.as_str().is_some_and(|s| s.trim().parse::<i64>().is_ok());
                if !ok {
                    fail("milliseconds since the epoch (an integer or a string of digits)");
                }
            }
            TypeRef::CivilDateTime => match v.as_str() {
                Some(s) if looks_like_civil_datetime(s) => {}
                Some(_) => fail("a date and time like `2026-04-25 12:29:13`"),
                None => fail("a date-time string"),
            },
            // Parameters only: never inside a JSON value.
            TypeRef::TimeRange => fail("no JSON value (time_range is a query parameter type)"),
            TypeRef::Json | TypeRef::RawJson => {}
            TypeRef::Array(inner) => match v.as_array() {
                Some(items) => {
                    for (i, item) in items.iter().enumerate() {
                        self.check(inner, lenient, item, &format!("{path}[{i}]"), out);
                    }
                }
                None => fail("an array"),
            },
            TypeRef::Map(inner) => match v.as_object() {
                Some(map) => {
                    for (k, item) in map {
                        self.check(inner, lenient, item, &join(path, k), out);
                    }
                }
                None => fail("an object"),
            },
            TypeRef::Model(name) => match (self.model(name), v.as_object()) {
                (Some(model), Some(_)) => self.check_model(model, v, path, out),
                (Some(_), None) => fail("an object"),
                (None, _) => out.push(ValueError {
                    path: path.to_owned(),
                    message: format!("unknown model `{name}`"),
                }),
            },
        }
    }

    fn check_model(&self, model: &Model, v: &Value, path: &str, out: &mut Vec<ValueError>) {
        let Some(obj) = v.as_object() else { return };
        if self.denies_unknown(model) {
            for key in obj.keys() {
                let known = model
                    .fields
                    .iter()
                    .any(|f| &f.name == key || f.aliases.contains(key));
                if !known {
                    let names: Vec<&str> = model.fields.iter().map(|f| f.name.as_str()).collect();
                    out.push(ValueError {
                        path: join(path, key),
                        message: format!(
                            "unknown field (`{}` accepts: {})",
                            model.name,
                            names.join(", ")
                        ),
                    });
                }
            }
        }
        let lookup = |f: &Field| {
            std::iter::once(&f.name)
                .chain(&f.aliases)
                .find_map(|k| obj.get(k.as_str()))
        };
        for group in &model.one_of {
            let present: Vec<&str> = group
                .members
                .iter()
                .filter(|m| obj.get(m.as_str()).is_some_and(|v| !v.is_null()))
                .map(String::as_str)
                .collect();
            if present.len() != 1 {
                let names = group
                    .members
                    .iter()
                    .map(|m| format!("`{m}`"))
                    .collect::<Vec<_>>()
                    .join(", ");
                let found = if present.is_empty() {
                    "none was".to_owned()
                } else {
                    format!("{} were", present.join(" and "))
                };
                out.push(ValueError {
                    path: join(path, present.get(1).copied().unwrap_or(&group.members[0])),
                    message: format!("exactly one of {names} must be given; {found}"),
                });
            }
        }
        for field in &model.fields {
            let in_group = model.group_of(&field.name).is_some();
            let field_path = join(path, &field.name);
            match lookup(field) {
                None if !field.optional && !in_group => out.push(ValueError {
                    path: field_path,
                    message: "required field is missing".to_owned(),
                }),
                None => {}
                Some(Value::Null) if field.nullable => {}
                Some(Value::Null) if field.optional || in_group => out.push(ValueError {
                    path: field_path,
                    message: "null is not allowed (the field is optional, not nullable: omit it)"
                        .to_owned(),
                }),
                Some(Value::String(s))
                    if field.zero_as_none && s.starts_with("0001-01-01T00:00:00") => {}
                Some(value) => self.check(&field.ty, field.lenient, value, &field_path, out),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::looks_like_rfc3339;

    #[test]
    fn rfc3339_shapes() {
        assert!(looks_like_rfc3339("2022-10-01T00:00:00Z"));
        assert!(looks_like_rfc3339("0001-01-01T00:00:00Z"));
        assert!(looks_like_rfc3339("2022-10-01T00:00:00.123+02:00"));
        assert!(!looks_like_rfc3339("2026-04-25 12:29:13"));
        assert!(!looks_like_rfc3339("yesterday"));
    }
}

#[cfg(test)]
mod strictness {
    use serde_json::json;

    use crate::model::TypeRef;
    use crate::{ApiSources, parse_api};

    fn api(deny: &str) -> crate::Api {
        let api_toml = format!(
            "name = \"t\"\nbase_url = \"https://x.test\"\n{deny}\n\
             [models.M]\n\
             [models.M.fields.n]\ntype = \"integer\"\n\
             [models.M.fields.o]\ntype = \"string\"\noptional = true\n\
             [models.M.fields.z]\ntype = \"string\"\noptional = true\nnullable = true\n\
             [models.Open]\ndeny_unknown = false\n\
             [models.Open.fields.n]\ntype = \"integer\"\n"
        );
        let ep = "method = \"GET\"\npath = \"/m\"\n[response]\ntype = \"M\"\n";
        let sources =
            ApiSources::from_pairs(&[("t/api.toml", api_toml.as_str()), ("t/get_m.toml", ep)])
                .unwrap();
        parse_api(&sources).unwrap()
    }

    fn check(api: &crate::Api, model: &str, v: serde_json::Value) -> Vec<String> {
        api.check_value(&TypeRef::Model(model.into()), &v)
            .into_iter()
            .map(|e| e.to_string())
            .collect()
    }

    #[test]
    fn integers_integral_floats_and_range() {
        let a = api("");
        assert!(check(&a, "M", json!({"n": -498})).is_empty());
        assert!(
            check(&a, "M", json!({"n": -498.0})).is_empty(),
            "integral float"
        );
        assert!(check(&a, "M", json!({"n": i64::MAX})).is_empty());
        let e = check(&a, "M", json!({"n": 9_223_372_036_854_775_808u64}));
        assert!(
            e[0].starts_with("n: ") && e[0].contains("out of range"),
            "{e:?}"
        );
        let e = check(&a, "M", json!({"n": 1e19}));
        assert!(e[0].contains("out of range"), "{e:?}");
        let e = check(&a, "M", json!({"n": 1.5}));
        assert!(e[0].contains("not an integer"), "{e:?}");
    }

    #[test]
    fn null_only_for_nullable_fields() {
        let a = api("");
        assert!(check(&a, "M", json!({"n": 1, "z": null})).is_empty());
        let e = check(&a, "M", json!({"n": 1, "o": null}));
        assert!(e[0].starts_with("o: null is not allowed"), "{e:?}");
    }

    #[test]
    fn unknown_fields_per_model_and_api_default() {
        let lax = api("");
        assert!(check(&lax, "M", json!({"n": 1, "extra": 2})).is_empty());
        let strict = api("deny_unknown = true");
        let e = check(&strict, "M", json!({"n": 1, "extra": 2}));
        assert_eq!(e.len(), 1);
        assert!(e[0].starts_with("extra: unknown field"), "{e:?}");
        assert!(
            check(&strict, "Open", json!({"n": 1, "extra": 2})).is_empty(),
            "the model's own `deny_unknown = false` wins"
        );
    }
}
