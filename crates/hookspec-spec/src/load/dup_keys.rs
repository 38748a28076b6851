//! Duplicate TOML keys. The toml crate reports `duplicate key` at the second definition only,
//! without naming the key, and once more for every key of a table whose header is repeated.
//! This reports each duplicate once, naming the key (with its table) and both definitions.
//!
//! The toml crate gives the second definition's position; a small scanner of the file's
//! statements (table headers and `key = value` lines, skipping strings, arrays and inline
//! tables) gives the full key path there, and the spanned tree, which keeps the first
//! definition, gives where that one is.

use std::ops::Range;

use toml::de::{DeTable, DeValue};

use crate::diag::Diagnostic;
use crate::reader::LineIndex;

/// One key of a table header or of a `key = value` statement.
struct KeyPart {
    span: Range<usize>,
    /// The full path of the key, table header included.
    path: Vec<String>,
    /// Part of a table header (`[a.b]`, `[[a]]`) rather than of a `key = value` line.
    header: bool,
    /// The table header the statement is under (0: the root table).
    owner: usize,
}

/// The diagnostics for the toml crate's `duplicate key` errors at `offsets` of `text`.
pub(super) fn duplicate_keys(
    text: &str,
    root: &DeTable<'_>,
    index: &LineIndex,
    offsets: &[usize],
) -> Vec<Diagnostic> {
    let parts = scan(text);
    let mut repeated_headers: Vec<usize> = Vec::new();
    let mut out = Vec::new();
    for &offset in offsets {
        let part = parts
            .iter()
            .find(|p| p.span.start <= offset && offset < p.span.end.max(p.span.start + 1));
        let Some(part) = part else {
            out.push(Diagnostic::new(
                index.pos(offset),
                format!("duplicate key `{}`", key_text_at(text, offset)),
            ));
            continue;
        };
        if !part.header && repeated_headers.contains(&part.owner) {
            // A key of a repeated table: the table was reported.
            continue;
        }
        if part.header {
            repeated_headers.push(part.owner);
        }
        // The tree keeps the first key of a `key = value` pair, but a repeated table's key
        // carries the last header: that one is found among the earlier statements.
        let earlier = parts
            .iter()
            .take_while(|p| p.span.start < part.span.start)
            .find(|p| p.path == part.path && (part.header || p.owner == part.owner))
            .map(|p| p.span.clone());
        let first = first_definition(root, &part.path, offset)
            .filter(|s| s.start < part.span.start)
            .or(earlier)
            .map(|s| index.pos(s.start));
        let (key, parent) = part.path.split_last().expect("a key part has a path");
        let what = if part.header {
            format!("duplicate table `[{}]`", part.path.join("."))
        } else if parent.is_empty() {
            format!("duplicate key `{key}`")
        } else {
            format!("duplicate key `{key}` in `[{}]`", parent.join("."))
        };
        let message = match first {
            Some(first) => format!("{what}: already defined at {first}; keep one of the two"),
            None => format!("{what}: it is defined twice; keep one of the two"),
        };
        out.push(Diagnostic::new(index.pos(part.span.start), message));
    }
    out
}

/// The bare or quoted key starting at `offset`, for a duplicate the scanner did not place.
fn key_text_at(text: &str, offset: usize) -> &str {
    let rest = text.get(offset..).unwrap_or_default();
    let end = rest
        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))
        .unwrap_or(rest.len());
    &rest[..end]
}

/// Where the first definition of `path` is: the key's span in the spanned tree. Arrays of
/// tables are entered through their last element starting before `before` (the element the
/// duplicate belongs to).
fn first_definition(root: &DeTable<'_>, path: &[String], before: usize) -> Option<Range<usize>> {
    let mut table = root;
    for (n, key) in path.iter().enumerate() {
        let (k, v) = table.iter().find(|(k, _)| k.get_ref().as_ref() == key)?;
        if n + 1 == path.len() {
            return Some(k.span());
        }
        table = match v.get_ref() {
            DeValue::Table(t) => t,
            DeValue::Array(items) => {
                match items.iter().rfind(|e| e.span().start <= before)?.get_ref() {
                    DeValue::Table(t) => t,
                    _ => return None,
                }
            }
            _ => return None,
        };
    }
    None
}

/// Every key of every table header and `key = value` statement of the document.
fn scan(text: &str) -> Vec<KeyPart> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut current: Vec<String> = Vec::new();
    let (mut owner, mut headers) = (0, 0);
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b' ' | b'\t' | b'\r' | b'\n' => i += 1,
            b'#' => i = line_end(b, i),
            b'[' => {
                let array = b.get(i + 1) == Some(&b'[');
                headers += 1;
                owner = headers;
                let (keys, next) = keys(text, i + if array { 2 } else { 1 });
                current.clear();
                for (key, span) in keys {
                    current.push(key);
                    out.push(KeyPart {
                        span,
                        path: current.clone(),
                        header: true,
                        owner,
                    });
                }
                i = line_end(b, next);
            }
            _ => {
                let (keys, next) = keys(text, i);
                if keys.is_empty() {
                    i = line_end(b, i);
                    continue;
                }
                let mut path = current.clone();
                for (key, span) in keys {
                    path.push(key);
                    out.push(KeyPart {
                        span,
                        path: path.clone(),
                        header: false,
                        owner,
                    });
                }
                i = skip_spaces(b, next);
                i = if b.get(i) == Some(&b'=') {
                    skip_value(b, i + 1)
                } else {
                    line_end(b, i)
                };
            }
        }
    }
    out
}

fn skip_spaces(b: &[u8], mut i: usize) -> usize {
    while matches!(b.get(i), Some(b' ' | b'\t')) {
        i += 1;
    }
    i
}

/// The index of the `\n` ending the line at `i` (or the end of the text).
fn line_end(b: &[u8], i: usize) -> usize {
    b[i.min(b.len())..]
        .iter()
        .position(|&c| c == b'\n')
        .map_or(b.len(), |p| i + p)
}

/// A dotted key (`a."b c".d`) at `i`: each part with its span, and where the key ends.
fn keys(text: &str, mut i: usize) -> (Vec<(String, Range<usize>)>, usize) {
    let b = text.as_bytes();
    let mut out = Vec::new();
    loop {
        i = skip_spaces(b, i);
        let start = i;
        match b.get(i) {
            Some(b'"') => {
                let end = string_end(b, i + 1, b'"');
                let raw = quoted(text, i, end, b'"');
                out.push((raw.replace("\\\"", "\"").replace("\\\\", "\\"), start..end));
                i = end;
            }
            Some(b'\'') => {
                let end = string_end(b, i + 1, b'\'');
                out.push((quoted(text, i, end, b'\'').to_owned(), start..end));
                i = end;
            }
            _ => {
                let len = text[i..]
                    .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))
                    .unwrap_or(text.len() - i);
                if len == 0 {
                    break;
                }
                out.push((text[i..i + len].to_owned(), start..i + len));
                i += len;
            }
        }
        let after = skip_spaces(b, i);
        if b.get(after) == Some(&b'.') {
            i = after + 1;
        } else {
            break;
        }
    }
    (out, i)
}

/// The index just after the closing `quote` of a one-line string whose text starts at `i`.
fn string_end(b: &[u8], mut i: usize, quote: u8) -> usize {
    while i < b.len() && b[i] != b'\n' {
        if quote == b'"' && b[i] == b'\\' {
            i += 2;
            continue;
        }
        if b[i] == quote {
            return i + 1;
        }
        i += 1;
    }
    i.min(b.len())
}

/// The text of the quoted key opening at `open` and ending before `end` (from [`string_end`]):
/// without its closing quote, or up to the end of the line when it has none (a slice one byte
/// short of that could cut a character in two).
fn quoted(text: &str, open: usize, end: usize, quote: u8) -> &str {
    let closed = end > open + 1 && text.as_bytes().get(end - 1) == Some(&quote);
    text.get(open + 1..if closed { end - 1 } else { end })
        .unwrap_or("")
}

/// The end of the value starting at `i`: strings (multi-line ones too), arrays and inline
/// tables spanning lines, comments.
fn skip_value(b: &[u8], mut i: usize) -> usize {
    let mut depth = 0usize;
    while i < b.len() {
        match b[i] {
            b'\n' if depth == 0 => return i,
            b'#' => i = line_end(b, i),
            b'[' | b'{' => {
                depth += 1;
                i += 1;
            }
            b']' | b'}' => {
                depth = depth.saturating_sub(1);
                i += 1;
            }
            q @ (b'"' | b'\'') => {
                if b[i..].starts_with(&[q, q, q]) {
                    i = multiline_end(b, i + 3, q);
                } else {
                    i = string_end(b, i + 1, q);
                }
            }
            _ => i += 1,
        }
    }
    i
}

/// The index just after the closing `"""` or `'''` of a multi-line string whose text starts
/// at `i` (a closing delimiter may be preceded by up to two more quotes).
fn multiline_end(b: &[u8], mut i: usize, q: u8) -> usize {
    while i < b.len() {
        if q == b'"' && b[i] == b'\\' {
            i += 2;
            continue;
        }
        if b[i..].starts_with(&[q, q, q]) {
            let mut end = i + 3;
            while end < b.len() && b[end] == q && end < i + 5 {
                end += 1;
            }
            return end;
        }
        i += 1;
    }
    b.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(text: &str) -> Vec<(String, bool, usize)> {
        scan(text)
            .into_iter()
            .map(|p| (p.path.join("."), p.header, p.owner))
            .collect()
    }

    #[test]
    fn unterminated_quoted_keys_end_at_the_line_whole_characters_and_all() {
        assert_eq!(
            paths("[t.\"Café\n"),
            [("t".to_owned(), true, 1), ("t.Café".to_owned(), true, 1)]
        );
        assert_eq!(paths("'é"), [("é".to_owned(), false, 0)]);
    }

    #[test]
    fn scans_headers_keys_and_skips_values() {
        let text = "a = 1\n[t.\"q k\"]\nx.y = \"s # [z]\"\nm = '''\n[not]\nk = 1'''\n\
                    arr = [\n  { v = 1 },\n  2, # c\n]\n[[e]]\nz = \"\"\"\nq\"\"\"\"\n# c = 1\nw = 1\n";
        assert_eq!(
            paths(text),
            [
                ("a".to_owned(), false, 0),
                ("t".to_owned(), true, 1),
                ("t.q k".to_owned(), true, 1),
                ("t.q k.x".to_owned(), false, 1),
                ("t.q k.x.y".to_owned(), false, 1),
                ("t.q k.m".to_owned(), false, 1),
                ("t.q k.arr".to_owned(), false, 1),
                ("e".to_owned(), true, 2),
                ("e.z".to_owned(), false, 2),
                ("e.w".to_owned(), false, 2),
            ]
        );
    }
}
