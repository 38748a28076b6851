//! Printing responses: a table for people, JSON for scripts.

use comfy_table::{ContentArrangement, Table};
use serde_json::Value;

/// A cell: scalars as text, `null` empty, nested values as compact (shortened) JSON.
fn cell(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Bool(_) | Value::Number(_) => v.to_string(),
        nested => {
            let s = nested.to_string();
            if s.chars().count() > 60 {
                let cut: String = s.chars().take(59).collect();
                format!("{cut}…")
            } else {
                s
            }
        }
    }
}

/// Renders a response: an array of objects as rows, an object as key/value pairs.
pub(crate) fn table(value: &Value) -> String {
    let mut table = Table::new();
    table.set_content_arrangement(ContentArrangement::Dynamic);
    match value {
        Value::Array(items) if items.is_empty() => return "(no items)".to_owned(),
        Value::Array(items) if items.iter().all(Value::is_object) => {
            let mut columns: Vec<&str> = Vec::new();
            for item in items {
                for k in item.as_object().into_iter().flat_map(|o| o.keys()) {
                    if !columns.contains(&k.as_str()) {
                        columns.push(k);
                    }
                }
            }
            // A column no row fills (`data`/`response` of list items) says nothing: drop it.
            columns.retain(|c| {
                items
                    .iter()
                    .any(|item| item.get(*c).is_some_and(|v| !v.is_null()))
            });
            table.set_header(columns.clone());
            for item in items {
                table.add_row(
                    columns
                        .iter()
                        .map(|c| cell(item.get(*c).unwrap_or(&Value::Null))),
                );
            }
        }
        Value::Array(items) => {
            table.set_header(vec!["value"]);
            for item in items {
                table.add_row(vec![cell(item)]);
            }
        }
        Value::Object(map) => {
            table.set_header(vec!["field", "value"]);
            for (k, v) in map {
                table.add_row(vec![k.clone(), cell(v)]);
            }
        }
        scalar => return cell(scalar),
    }
    table.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_columns_and_cells() {
        let t = table(
            &serde_json::json!([{"id": "a", "n": 1, "data": null}, {"id": "b", "extra": {"x": 1}}]),
        );
        assert!(
            t.contains("id") && t.contains("extra") && t.contains("{\"x\":1}"),
            "{t}"
        );
        assert_eq!(table(&serde_json::json!([])), "(no items)");
        assert!(table(&serde_json::json!({"k": "v"})).contains("field"));
        // `data` is null in every row: no such column.
        assert!(!t.contains("data"), "{t}");
        let filled = table(&serde_json::json!([{"id": "a", "data": null}, {"id": "b", "data": 1}]));
        assert!(filled.contains("data"), "{filled}");
    }
}
