//! A small reader over the toml crate's spanned document tree. Unlike serde, it never stops at
//! the first problem: every error is recorded with its position and reading goes on, so one
//! run reports everything that is wrong with a file.

use std::ops::Range;
use std::sync::Arc;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::diag::Diagnostic;
use crate::model::Pos;

/// Converts byte offsets of one file into 1-based line and column.
#[derive(Debug)]
pub(crate) struct LineIndex {
    file: Arc<str>,
    text: Arc<str>,
    starts: Vec<usize>,
}

impl LineIndex {
    pub(crate) fn new(file: Arc<str>, text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Self {
            file,
            text: Arc::from(text),
            starts,
        }
    }

    /// The file's text.
    pub(crate) fn text(&self) -> &str {
        &self.text
    }

    pub(crate) fn pos(&self, offset: usize) -> Pos {
        let offset = offset.min(self.text.len());
        let line = self.starts.partition_point(|&s| s <= offset).max(1);
        let start = self.starts[line - 1];
        let col = self
            .text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count())
            + 1;
        Pos {
            file: self.file.clone(),
            line: u32::try_from(line).unwrap_or(u32::MAX),
            col: u32::try_from(col).unwrap_or(u32::MAX),
        }
    }
}

/// A string value as written in the file, kept so that a later check can point inside it
/// (an example's JSON).
#[derive(Debug, Clone)]
pub(crate) struct RawString {
    /// Whose string it is: the position the later check knows (an example's).
    pub(crate) owner: Pos,
    /// The string's value.
    pub(crate) value: String,
    /// Where the literal starts (its opening quote).
    pub(crate) start: Pos,
    /// The literal as written, quotes included.
    pub(crate) raw: String,
}

/// Collects diagnostics for one file.
#[derive(Debug)]
pub(crate) struct Cx<'a> {
    pub(crate) index: &'a LineIndex,
    pub(crate) diags: &'a mut Vec<Diagnostic>,
    /// String literals kept for later checks ([`Cx::keep_raw`]).
    pub(crate) raw_strings: Vec<RawString>,
}

impl Cx<'_> {
    pub(crate) fn pos(&self, span: &Range<usize>) -> Pos {
        self.index.pos(span.start)
    }

    pub(crate) fn error(&mut self, span: &Range<usize>, message: impl Into<String>) {
        let pos = self.pos(span);
        self.diags.push(Diagnostic::new(pos, message));
    }

    pub(crate) fn error_at(&mut self, pos: Pos, message: impl Into<String>) {
        self.diags.push(Diagnostic::new(pos, message));
    }

    /// Keeps the literal of `s` as written, for a check that `owner` will name later.
    pub(crate) fn keep_raw(&mut self, owner: Pos, s: &Spanned<String>) {
        let raw = self
            .index
            .text()
            .get(s.span())
            .unwrap_or_default()
            .to_owned();
        let start = self.pos(&s.span());
        self.raw_strings.push(RawString {
            owner,
            value: s.get_ref().clone(),
            start,
            raw,
        });
    }
}

fn kind(v: &DeValue<'_>) -> &'static str {
    match v {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a datetime",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

/// A table being read: remembers which keys were asked for, so that [`TableReader::finish`]
/// can report every other key as unknown (a typo, most of the time).
pub(crate) struct TableReader<'t, 'i> {
    table: &'t DeTable<'i>,
    pub(crate) span: Range<usize>,
    known: Vec<&'static str>,
}

impl<'t, 'i> TableReader<'t, 'i> {
    pub(crate) fn new(table: &'t DeTable<'i>, span: Range<usize>) -> Self {
        Self {
            table,
            span,
            known: Vec::new(),
        }
    }

    /// Reads `value` as a table, or reports that it is not one.
    pub(crate) fn from_value(
        cx: &mut Cx<'_>,
        what: &str,
        value: &'t Spanned<DeValue<'i>>,
    ) -> Option<Self> {
        match value.get_ref() {
            DeValue::Table(t) => Some(Self::new(t, value.span())),
            other => {
                cx.error(
                    &value.span(),
                    format!("{what} must be a table, found {}", kind(other)),
                );
                None
            }
        }
    }

    fn get(&mut self, key: &'static str) -> Option<&'t Spanned<DeValue<'i>>> {
        if !self.known.contains(&key) {
            self.known.push(key);
        }
        self.table
            .iter()
            .find(|(k, _)| k.get_ref().as_ref() == key)
            .map(|(_, v)| v)
    }

    /// Every entry, marking none as known.
    pub(crate) fn all_entries(
        &self,
    ) -> impl Iterator<
        Item = (
            &'t Spanned<toml::de::DeString<'i>>,
            &'t Spanned<DeValue<'i>>,
        ),
    > + use<'t, 'i> {
        self.table.iter()
    }

    /// Reads an optional string.
    pub(crate) fn string(&mut self, cx: &mut Cx<'_>, key: &'static str) -> Option<Spanned<String>> {
        let v = self.get(key)?;
        match v.get_ref() {
            DeValue::String(s) => Some(Spanned::new(v.span(), s.to_string())),
            other => {
                cx.error(
                    &v.span(),
                    format!("`{key}` must be a string, found {}", kind(other)),
                );
                None
            }
        }
    }

    /// Reads a string that must be there.
    pub(crate) fn required_string(
        &mut self,
        cx: &mut Cx<'_>,
        key: &'static str,
        what: &str,
    ) -> Option<Spanned<String>> {
        let present = self.get(key).is_some();
        let s = self.string(cx, key);
        if !present {
            cx.error(
                &self.span,
                format!("{what} is missing the required key `{key}`"),
            );
        }
        s
    }

    /// Reads an optional boolean.
    pub(crate) fn bool(&mut self, cx: &mut Cx<'_>, key: &'static str) -> Option<bool> {
        let v = self.get(key)?;
        match v.get_ref() {
            DeValue::Boolean(b) => Some(*b),
            other => {
                cx.error(
                    &v.span(),
                    format!("`{key}` must be true or false, found {}", kind(other)),
                );
                None
            }
        }
    }

    /// Reads an optional non-negative integer.
    /// Whether the table has `key` (marking it known).
    pub(crate) fn has(&mut self, key: &'static str) -> bool {
        self.get(key).is_some()
    }

    pub(crate) fn uint(&mut self, cx: &mut Cx<'_>, key: &'static str) -> Option<Spanned<u64>> {
        let v = self.get(key)?;
        if let DeValue::Integer(i) = v.get_ref() {
            let digits: String = i.as_str().chars().filter(|c| *c != '_').collect();
            let digits = digits.trim_start_matches('+');
            if let Ok(n) = u64::from_str_radix(digits, i.radix()) {
                return Some(Spanned::new(v.span(), n));
            }
        }
        cx.error(&v.span(), format!("`{key}` must be a non-negative integer"));
        None
    }

    /// Reads an optional array of strings.
    pub(crate) fn strings(
        &mut self,
        cx: &mut Cx<'_>,
        key: &'static str,
    ) -> Option<Vec<Spanned<String>>> {
        let v = self.get(key)?;
        let DeValue::Array(items) = v.get_ref() else {
            cx.error(
                &v.span(),
                format!(
                    "`{key}` must be an array of strings, found {}",
                    kind(v.get_ref())
                ),
            );
            return None;
        };
        let mut out = Vec::new();
        for item in items.iter() {
            match item.get_ref() {
                DeValue::String(s) => out.push(Spanned::new(item.span(), s.to_string())),
                other => cx.error(
                    &item.span(),
                    format!("`{key}` must hold strings, found {}", kind(other)),
                ),
            }
        }
        Some(out)
    }

    /// Reads an optional sub-table.
    pub(crate) fn table(&mut self, cx: &mut Cx<'_>, key: &'static str) -> Option<Self> {
        let v = self.get(key)?;
        Self::from_value(cx, &format!("`{key}`"), v)
    }

    /// Reads an optional array of tables (`[[key]]`).
    pub(crate) fn tables(&mut self, cx: &mut Cx<'_>, key: &'static str) -> Vec<Self> {
        let Some(v) = self.get(key) else {
            return Vec::new();
        };
        let DeValue::Array(items) = v.get_ref() else {
            cx.error(
                &v.span(),
                format!(
                    "`{key}` must be an array of tables (`[[{key}]]`), found {}",
                    kind(v.get_ref())
                ),
            );
            return Vec::new();
        };
        items
            .iter()
            .filter_map(|item| Self::from_value(cx, &format!("each `{key}` entry"), item))
            .collect()
    }

    /// Reads a table whose keys are names chosen by the spec author (`fields`, `models`):
    /// returns each entry with the key's span.
    pub(crate) fn named_tables(
        &mut self,
        cx: &mut Cx<'_>,
        key: &'static str,
    ) -> Vec<(Spanned<String>, Self)> {
        let Some(mut outer) = self.table(cx, key) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (k, v) in outer.table.iter() {
            let name = Spanned::new(k.span(), k.get_ref().to_string());
            if let Some(t) = Self::from_value(cx, &format!("`{key}.{}`", k.get_ref()), v) {
                out.push((name, t));
            }
        }
        // Every key of a named table is legitimate.
        outer.known.clear();
        out
    }

    /// Reports every key that was never asked for.
    pub(crate) fn finish(self, cx: &mut Cx<'_>, what: &str) {
        for (k, _) in self.table.iter() {
            let key = k.get_ref().as_ref();
            if !self.known.contains(&key) {
                let mut expected = self.known.clone();
                expected.sort_unstable();
                let hint = closest(key, &expected)
                    .map(|c| format!("; did you mean `{c}`?"))
                    .unwrap_or_default();
                cx.error(
                    &k.span(),
                    format!(
                        "unknown key `{key}` in {what}{hint} (expected one of: {})",
                        expected.join(", ")
                    ),
                );
            }
        }
    }
}

/// The known word closest to `word`, if it is close enough to be a likely typo.
pub(crate) fn closest<'a>(word: &str, known: &[&'a str]) -> Option<&'a str> {
    known
        .iter()
        .map(|k| (edit_distance(word, k), *k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 4))
        .min()
        .map(|(_, k)| k)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_count_characters() {
        let idx = LineIndex::new(Arc::from("f.toml"), "a = 1\nbé = 2\n");
        assert_eq!(idx.pos(0).to_string(), "f.toml:1:1");
        assert_eq!(idx.pos(6).to_string(), "f.toml:2:1");
        // `=` on line 2 is after a two-byte character.
        assert_eq!(idx.pos(10).to_string(), "f.toml:2:4");
    }

    #[test]
    fn typo_suggestions() {
        assert_eq!(closest("methd", &["method", "path"]), Some("method"));
        assert_eq!(closest("zzzzzz", &["method", "path"]), None);
    }
}
