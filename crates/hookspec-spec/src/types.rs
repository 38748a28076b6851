//! The type grammar of spec files and Rust naming helpers.

use heck::ToSnakeCase;

use crate::model::TypeRef;

/// Parses a type expression: `string`, `integer`, `float`, `bool`, `unix_seconds`, `datetime`,
/// `json`, `raw_json`, `array<T>`, `map<T>` or the PascalCase name of a model or enum (returned as
/// [`TypeRef::Model`]; the loader turns enum names into [`TypeRef::Enum`]).
pub fn parse_type(s: &str) -> Result<TypeRef, String> {
    let s = s.trim();
    for (prefix, wrap) in [
        ("array<", TypeRef::Array as fn(Box<TypeRef>) -> TypeRef),
        ("map<", TypeRef::Map),
    ] {
        if let Some(rest) = s.strip_prefix(prefix) {
            let inner = rest
                .strip_suffix('>')
                .ok_or_else(|| format!("unclosed `<` in type `{s}`"))?;
            return Ok(wrap(Box::new(parse_type(inner)?)));
        }
    }
    Ok(match s {
        "string" => TypeRef::String,
        "integer" => TypeRef::Integer,
        "float" => TypeRef::Float,
        "bool" => TypeRef::Bool,
        "unix_seconds" => TypeRef::UnixSeconds,
        "datetime" => TypeRef::DateTime,
        "unix_millis" => TypeRef::UnixMillis,
        "civil_datetime" => TypeRef::CivilDateTime,
        "time_range" => TypeRef::TimeRange,
        "json" => TypeRef::Json,
        "raw_json" => TypeRef::RawJson,
        _ if is_pascal_ident(s) => TypeRef::Model(s.to_owned()),
        _ => {
            return Err(format!(
                "unknown type `{s}` (expected string, integer, float, bool, unix_seconds, \
                 unix_millis, datetime, civil_datetime, time_range, json, raw_json, array<T>, \
                 map<T> or the PascalCase name of a model or enum)"
            ));
        }
    })
}

pub(crate) fn is_pascal_ident(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_uppercase()) && chars.all(|c| c.is_ascii_alphanumeric())
}

pub(crate) fn is_snake_ident(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && s != "_"
}

/// A name the generated code also spells in UpperCamelCase and SHOUTY_SNAKE_CASE (an API's
/// module, an endpoint's function, builder and metadata, an untagged event's variant): a
/// snake_case identifier that starts with a letter (`_1` or `__` has no such forms) and is not
/// a keyword.
pub(crate) fn is_item_name(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_lowercase()) && is_snake_ident(s) && !is_keyword(s)
}

const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut",
    "pub", "ref", "return", "self", "static", "struct", "super", "trait", "true", "type", "unsafe",
    "use", "where", "while", "abstract", "become", "box", "do", "final", "macro", "override",
    "priv", "try", "typeof", "unsized", "virtual", "yield",
];

/// Whether `s` is a Rust keyword (strict, reserved or weak-but-unusable like `Self`).
pub(crate) fn is_keyword(s: &str) -> bool {
    KEYWORDS.contains(&s) || s == "Self"
}

/// The Rust identifier for a wire name: snake_case, with a trailing `_` for keywords
/// (`type` → `type_`, `respCode` → `resp_code`). `None` when no identifier can be derived.
pub fn rust_ident(wire: &str) -> Option<String> {
    let mut s = wire.to_snake_case();
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert(0, '_');
    }
    if KEYWORDS.contains(&s.as_str()) {
        s.push('_');
    }
    is_snake_ident(&s).then_some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_nested_types() {
        assert_eq!(
            parse_type("array<map<json>>"),
            Ok(TypeRef::Array(Box::new(TypeRef::Map(Box::new(
                TypeRef::Json
            )))))
        );
        assert_eq!(parse_type("Event"), Ok(TypeRef::Model("Event".into())));
        assert!(
            parse_type("strng")
                .unwrap_err()
                .contains("unknown type `strng`")
        );
        assert!(parse_type("array<int").is_err());
    }

    #[test]
    fn identifiers() {
        assert_eq!(rust_ident("respCode").as_deref(), Some("resp_code"));
        assert_eq!(rust_ident("type").as_deref(), Some("type_"));
        assert_eq!(rust_ident("X-API-Key").as_deref(), Some("x_api_key"));
        assert_eq!(rust_ident("").as_deref(), None);
    }
}
