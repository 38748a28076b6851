//! TODO markers: `cargo xtask new-endpoint` writes a skeleton whose values say `TODO: …`
//! where the author has to write something. Each one left in a value is a diagnostic at its
//! own line and column. (Comments are the author's own notes and are not looked at.)

use std::sync::Arc;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::json_pos::{advance, raw_offset};
use super::sources::ApiSources;
use crate::diag::Diagnostic;
use crate::reader::LineIndex;

/// The marker the skeleton writes.
const MARKER: &str = "TODO";

/// Every TODO marker left in a string value of the API's files, one diagnostic each, in file
/// order.
///
/// `cargo xtask new-endpoint` marks with `TODO` each value the author has to write (summary,
/// docs, example titles and values): a spec holding one is not finished.
pub fn todo_markers(sources: &ApiSources) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for file in sources.files() {
        let index = LineIndex::new(Arc::from(file.path.as_str()), &file.text);
        let (doc, _) = DeTable::parse_recoverable(&file.text);
        let mut found = Vec::new();
        table_markers(&index, doc.get_ref(), "", &mut found);
        found.sort_by_key(|d| (d.pos.line, d.pos.col));
        out.extend(found);
    }
    out
}

fn table_markers(index: &LineIndex, t: &DeTable<'_>, path: &str, out: &mut Vec<Diagnostic>) {
    for (k, v) in t.iter() {
        let key = if path.is_empty() {
            k.get_ref().to_string()
        } else {
            format!("{path}.{}", k.get_ref())
        };
        value_markers(index, v, &key, out);
    }
}

fn value_markers(
    index: &LineIndex,
    v: &Spanned<DeValue<'_>>,
    path: &str,
    out: &mut Vec<Diagnostic>,
) {
    match v.get_ref() {
        DeValue::Table(t) => table_markers(index, t, path, out),
        DeValue::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                value_markers(index, item, &format!("{path}[{i}]"), out);
            }
        }
        DeValue::String(s) if skeleton_key(path) => {
            let raw = index.text().get(v.span()).unwrap_or_default();
            let start = index.pos(v.span().start);
            for (offset, _) in s.match_indices(MARKER).filter(|(i, _)| is_word(s, *i)) {
                let pos = raw_offset(raw, s, offset)
                    .map_or_else(|| start.clone(), |r| advance(&start, &raw[..r]));
                out.push(Diagnostic::new(
                    pos,
                    format!(
                        "`{path}` still holds a TODO of the spec skeleton: write what it asks \
                         for (the rustdoc, the CLI help and the examples show this text)"
                    ),
                ));
            }
        }
        _ => {}
    }
}

/// Whether the skeleton writes a TODO under this key: docs, summaries, example titles and the
/// examples' path parameters. Elsewhere `TODO` is the spec's own text: an enum value (a task
/// status `TODO`), a JSON example, a description of someone else's API.
fn skeleton_key(path: &str) -> bool {
    let last = path.rsplit('.').next().unwrap_or(path);
    matches!(last, "summary" | "doc" | "title")
        || (path.starts_with("examples[") && path.contains(".path_params."))
}

/// Whether the marker at `i` is a word of its own (not `TODOS` or `xTODO`).
fn is_word(s: &str, i: usize) -> bool {
    let alnum = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    !alnum(s[..i].chars().next_back()) && !alnum(s[i + MARKER.len()..].chars().next())
}

#[cfg(test)]
mod tests {
    use super::is_word;

    #[test]
    fn markers_are_words() {
        assert!(is_word("TODO: x", 0));
        assert!(is_word("a (TODO)", 3));
        assert!(!is_word("TODOS", 0));
        assert!(!is_word("MYTODO", 2));
    }
}
