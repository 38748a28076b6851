//! Where a JSON value is written inside a TOML string: an example that does not fit its type
//! is reported at the offending value (`"a": "x"` on line 12), not at the example's start.
//!
//! [`crate::ValueError::path`] (`items[2].type`) is resolved against the parsed value (so
//! that keys holding `.` or `[` are found), the value is found in the JSON text, and its
//! offset is mapped through the TOML literal (quotes, the newline trimmed after `'''`,
//! escapes of basic strings) to a line and column of the file.

use serde_json::Value;

use crate::model::Pos;
use crate::reader::RawString;

/// One step into a JSON value.
#[derive(Debug, PartialEq)]
enum Step {
    Key(String),
    Index(usize),
}

/// The position in the file of the value at `path` in `value`, the parsed `literal` (of
/// the deepest value of the path that exists: the object missing a required field).
pub(super) fn value_pos(literal: &RawString, value: &Value, path: &str) -> Option<Pos> {
    let mut steps = Vec::new();
    resolve(value, path, true, &mut steps);
    let offset = locate(&literal.value, &steps)?;
    let raw = raw_offset(&literal.raw, &literal.value, offset)?;
    Some(advance(&literal.start, &literal.raw[..raw]))
}

/// The steps of `path` (`a.b[2].c`) that exist in `v`; `root`: no `.` before the first key.
fn resolve(v: &Value, path: &str, root: bool, out: &mut Vec<Step>) {
    if path.is_empty() {
        return;
    }
    if let Some(rest) = path.strip_prefix('[') {
        let Some((n, rest)) = rest.split_once(']') else {
            return;
        };
        if let (Ok(i), Value::Array(items)) = (n.parse::<usize>(), v)
            && let Some(item) = items.get(i)
        {
            out.push(Step::Index(i));
            resolve(item, rest, false, out);
        }
        return;
    }
    let rest = if root {
        path
    } else {
        match path.strip_prefix('.') {
            Some(r) => r,
            None => return,
        }
    };
    let Value::Object(map) = v else { return };
    let best = map
        .iter()
        .filter(|(k, _)| {
            rest.strip_prefix(k.as_str())
                .is_some_and(|after| after.is_empty() || after.starts_with(['.', '[']))
        })
        .max_by_key(|(k, _)| k.len());
    if let Some((k, child)) = best {
        out.push(Step::Key(k.clone()));
        resolve(child, &rest[k.len()..], false, out);
    }
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while matches!(b.get(i), Some(b' ' | b'\t' | b'\r' | b'\n')) {
        i += 1;
    }
    i
}

/// The index just after the JSON string starting at `i` (its opening quote).
fn string_end(b: &[u8], mut i: usize) -> usize {
    i += 1;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    b.len()
}

/// The index just after the JSON value starting at `i`.
fn value_end(b: &[u8], i: usize) -> usize {
    match b.get(i) {
        Some(b'"') => string_end(b, i),
        Some(b'{' | b'[') => {
            let mut depth = 0usize;
            let mut j = i;
            while j < b.len() {
                match b[j] {
                    b'"' => {
                        j = string_end(b, j);
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return j + 1;
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
            b.len()
        }
        _ => {
            let mut j = i;
            while j < b.len() && !matches!(b[j], b',' | b'}' | b']' | b' ' | b'\t' | b'\r' | b'\n')
            {
                j += 1;
            }
            j
        }
    }
}

/// The byte offset in `text` of the value the steps lead to (as far as they can be followed).
fn locate(text: &str, steps: &[Step]) -> Option<usize> {
    let b = text.as_bytes();
    let mut at = skip_ws(b, 0);
    for step in steps {
        let mut i = skip_ws(b, at + 1);
        let found = match (step, b.get(at)) {
            (Step::Key(key), Some(b'{')) => loop {
                if b.get(i) != Some(&b'"') {
                    break None;
                }
                let end = string_end(b, i);
                let name: String = serde_json::from_str(text.get(i..end)?).ok()?;
                i = skip_ws(b, end);
                if b.get(i) != Some(&b':') {
                    break None;
                }
                let start = skip_ws(b, i + 1);
                if &name == key {
                    break Some(start);
                }
                i = skip_ws(b, value_end(b, start));
                if b.get(i) != Some(&b',') {
                    break None;
                }
                i = skip_ws(b, i + 1);
            },
            (Step::Index(n), Some(b'[')) => {
                let mut k = 0;
                loop {
                    if matches!(b.get(i), None | Some(b']')) {
                        break None;
                    }
                    if k == *n {
                        break Some(i);
                    }
                    i = skip_ws(b, value_end(b, i));
                    if b.get(i) != Some(&b',') {
                        break None;
                    }
                    i = skip_ws(b, i + 1);
                    k += 1;
                }
            }
            _ => None,
        };
        match found {
            Some(next) => at = next,
            None => break,
        }
    }
    Some(at)
}

/// The offset in `raw`, a TOML string literal quotes included, of the character at `offset`
/// of its `value`; `None` when the literal does not decode to `value` as expected.
pub(super) fn raw_offset(raw: &str, value: &str, offset: usize) -> Option<usize> {
    let (delim, literal) = ["'''", "\"\"\"", "'", "\""]
        .iter()
        .find(|d| raw.starts_with(**d) && raw.len() >= 2 * d.len())
        .map(|d| (d.len(), d.starts_with('\'')))?;
    let mut start = delim;
    let body_end = raw.len() - delim;
    if delim == 3 {
        // A newline right after the opening delimiter is not part of the value.
        if raw[start..].starts_with("\r\n") {
            start += 2;
        } else if raw[start..].starts_with('\n') {
            start += 1;
        }
    }
    let body = raw.get(start..body_end)?;
    if literal {
        return (body == value && offset <= body.len()).then_some(start + offset);
    }
    // Basic strings: decode, remembering where each byte of the value comes from.
    let mut decoded = String::new();
    let mut from: Vec<usize> = Vec::new();
    let mut chars = body.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c != '\\' {
            decoded.push(c);
            from.extend(std::iter::repeat_n(start + i, c.len_utf8()));
            continue;
        }
        let (_, e) = chars.next()?;
        let ch = match e {
            'b' => '\u{8}',
            't' => '\t',
            'n' => '\n',
            'f' => '\u{c}',
            'r' => '\r',
            'e' => '\u{1b}',
            '"' => '"',
            '\\' => '\\',
            'u' | 'U' | 'x' => {
                let len = match e {
                    'u' => 4,
                    'U' => 8,
                    _ => 2,
                };
                let hex: String = (0..len)
                    .filter_map(|_| chars.next().map(|(_, h)| h))
                    .collect();
                char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?
            }
            w if w.is_whitespace() => {
                // A line-ending backslash: the newline and the whitespace after it go.
                while chars.peek().is_some_and(|(_, c)| c.is_whitespace()) {
                    chars.next();
                }
                continue;
            }
            _ => return None,
        };
        decoded.push(ch);
        from.extend(std::iter::repeat_n(start + i, ch.len_utf8()));
    }
    if decoded != value {
        return None;
    }
    from.get(offset).copied()
}

/// `start` moved past `text`.
pub(super) fn advance(start: &Pos, text: &str) -> Pos {
    let mut pos = start.clone();
    for c in text.chars() {
        if c == '\n' {
            pos.line += 1;
            pos.col = 1;
        } else {
            pos.col += 1;
        }
    }
    pos
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    fn steps(json: &str, path: &str) -> Vec<Step> {
        let v: Value = serde_json::from_str(json).unwrap();
        let mut out = Vec::new();
        resolve(&v, path, true, &mut out);
        out
    }

    #[test]
    fn paths_resolve_against_the_value() {
        assert_eq!(
            steps(r#"{"a.b": {"c": [1, {"d": 2}]}}"#, "a.b.c[1].d"),
            [
                Step::Key("a.b".into()),
                Step::Key("c".into()),
                Step::Index(1),
                Step::Key("d".into())
            ]
        );
        assert_eq!(steps(r#"{"a": {}}"#, "a.missing"), [Step::Key("a".into())]);
        assert_eq!(steps("[0, 1]", "[1]"), [Step::Index(1)]);
    }

    #[test]
    fn values_are_found_in_the_text() {
        let text = r#"{ "x": "a,}]\"", "list": [ {"y": 1}, [2, 3], 4 ] }"#;
        let at = |s: &[Step]| &text[locate(text, s).unwrap()..];
        assert!(at(&[Step::Key("list".into()), Step::Index(2)]).starts_with("4 ]"));
        assert!(at(&[Step::Key("list".into()), Step::Index(1)]).starts_with("[2, 3]"));
        assert!(at(&[Step::Key("nope".into())]).starts_with("{ \"x\""));
    }

    #[test]
    fn offsets_go_through_the_literal() {
        assert_eq!(raw_offset("'''\n{\"a\": 1}'''", "{\"a\": 1}", 6), Some(10));
        assert_eq!(raw_offset("'[1]'", "[1]", 1), Some(2));
        // `\"` is two characters written for one.
        assert_eq!(raw_offset(r#""{\"a\": 1}""#, r#"{"a": 1}"#, 6), Some(9));
        assert_eq!(raw_offset(r#""x""#, "y", 0), None);
        let start = Pos {
            file: Arc::from("f.toml"),
            line: 3,
            col: 12,
        };
        assert_eq!(advance(&start, "'''\n{\n  ").to_string(), "f.toml:5:3");
    }
}
