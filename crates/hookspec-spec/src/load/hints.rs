//! "Did you mean" for unknown type and model names, with the similarity function the unknown
//! keys use. Unknown types are reported once every file is read, so that a lower-case model
//! name (`thing` for `Thing`) can be suggested too.

use toml::Spanned;

use super::State;
use crate::diag::Diagnostic;
use crate::model::{Pos, TypeRef};
use crate::reader::{Cx, closest};
use crate::types::parse_type;

/// A type expression that does not parse, waiting for every model name to be known.
pub(super) struct PendingType {
    text: String,
    message: String,
    pos: Pos,
}

/// The spec's scalar type names; only those [`parse_type`] knows are suggested (a test checks
/// that every type its error message lists is here).
const TYPE_WORDS: &[&str] = &[
    "string",
    "integer",
    "float",
    "bool",
    "unix_seconds",
    "unix_millis",
    "datetime",
    "civil_datetime",
    "time_range",
    "json",
    "raw_json",
];

/// Names from other languages and formats, and what the spec calls them.
const SYNONYMS: &[(&str, &str)] = &[
    ("str", "string"),
    ("text", "string"),
    ("int", "integer"),
    ("i32", "integer"),
    ("i64", "integer"),
    ("u32", "integer"),
    ("u64", "integer"),
    ("long", "integer"),
    ("number", "float"),
    ("double", "float"),
    ("f64", "float"),
    ("boolean", "bool"),
    ("timestamp", "datetime"),
    ("date-time", "datetime"),
    ("object", "json"),
    ("any", "json"),
    ("value", "json"),
    ("list", "array<T>"),
    ("vec", "array<T>"),
    ("dict", "map<T>"),
    ("hashmap", "map<T>"),
];

fn scalar_words() -> Vec<&'static str> {
    TYPE_WORDS
        .iter()
        .copied()
        .filter(|w| parse_type(w).is_ok_and(|t| !matches!(t, TypeRef::Model(_))))
        .collect()
}

/// Records a type expression that does not parse; [`report_unknown_types`] reports it.
pub(super) fn unknown_type(st: &mut State, cx: &mut Cx<'_>, ty: &Spanned<String>, message: String) {
    st.unknown_types.push(PendingType {
        text: ty.get_ref().clone(),
        message,
        pos: cx.pos(&ty.span()),
    });
}

/// The word of a type expression that is no type (`strng` in `array<strng>`).
fn unknown_word(text: &str) -> Option<&str> {
    text.split(|c: char| matches!(c, '<' | '>' | ',') || c.is_whitespace())
        .filter(|w| !w.is_empty() && *w != "array" && *w != "map")
        .find(|w| parse_type(w).is_err())
}

/// What to suggest for `word`, an unknown type or model name: a scalar type, a model or an
/// enum of the API, spelled almost the same or named differently elsewhere.
fn suggestion(word: &str, names: &[&str]) -> Option<String> {
    let lower = word.to_ascii_lowercase();
    if let Some((_, s)) = SYNONYMS.iter().find(|(w, _)| *w == lower) {
        return Some((*s).to_owned());
    }
    let scalars = scalar_words();
    if scalars.contains(&lower.as_str()) {
        return Some(lower);
    }
    if let Some(n) = names.iter().find(|n| n.eq_ignore_ascii_case(word)) {
        return Some((*n).to_owned());
    }
    let mut known: Vec<&str> = scalars;
    known.extend(names);
    closest(word, &known).map(str::to_owned)
}

/// `; did you mean `x`?`, or nothing.
fn hint(word: &str, names: &[&str]) -> String {
    suggestion(word, names)
        .map(|s| format!("; did you mean `{s}`?"))
        .unwrap_or_default()
}

/// The names of every model and enum read.
fn type_names(st: &State) -> Vec<&str> {
    st.models
        .iter()
        .map(|m| m.name.as_str())
        .chain(st.enums.iter().map(|e| e.name.as_str()))
        .collect()
}

/// Reports every type expression that did not parse, with a suggestion when one is close.
pub(super) fn report_unknown_types(st: &mut State) {
    let names = type_names(st);
    let mut diags = Vec::new();
    for t in &st.unknown_types {
        let mut message = t.message.clone();
        if let Some(word) = unknown_word(&t.text)
            && message.starts_with("unknown type `")
        {
            let hint = hint(word, &names);
            match message.find(" (expected") {
                Some(i) => message.insert_str(i, &hint),
                None => message.push_str(&hint),
            }
        }
        diags.push(Diagnostic::new(t.pos.clone(), message));
    }
    st.unknown_types.clear();
    st.diags.extend(diags);
}

/// The "did you mean" of an unknown model reference (a PascalCase name that is no model or
/// enum of the API): a model or enum spelled almost the same, or a scalar (`String`).
pub(super) fn unknown_model_hint(st: &State, name: &str) -> String {
    hint(name, &type_names(st))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_parse_type_lists_can_be_suggested() {
        let message = parse_type("?").unwrap_err();
        let expected = message
            .split_once("(expected ")
            .map(|(_, rest)| rest)
            .expect("the message lists the types");
        for word in expected.split([',', ' ']).filter(|w| {
            !w.is_empty()
                && w.chars().all(|c| c.is_ascii_lowercase() || c == '_')
                && !matches!(*w, "or" | "the" | "of" | "a" | "model" | "enum" | "name")
        }) {
            assert!(
                TYPE_WORDS.contains(&word),
                "`{word}` missing from TYPE_WORDS"
            );
        }
    }

    #[test]
    fn suggestions() {
        let names = ["Thing", "EventType"];
        assert_eq!(suggestion("strng", &names).as_deref(), Some("string"));
        assert_eq!(suggestion("String", &names).as_deref(), Some("string"));
        assert_eq!(suggestion("int", &names).as_deref(), Some("integer"));
        assert_eq!(suggestion("thing", &names).as_deref(), Some("Thing"));
        assert_eq!(suggestion("Thnig", &names).as_deref(), Some("Thing"));
        assert_eq!(suggestion("EventTyp", &names).as_deref(), Some("EventType"));
        assert_eq!(suggestion("Nope", &names), None);
        assert_eq!(unknown_word("array<map<strng>>"), Some("strng"));
        assert_eq!(unknown_word("array<string"), None);
    }
}
