//! OpenAPI 3.0/3.1 → spec files: `api.toml` (with the component schemas as models and enums)
//! and one file per operation; what cannot be expressed becomes a warning.

use heck::{ToSnakeCase, ToUpperCamelCase};
use serde_json::{Value, json};

use super::ImportError;

/// The spec files an OpenAPI document turns into, and what could not be expressed.
#[derive(Debug, Default)]
pub struct Imported {
    /// `(file name, TOML text)`, `api.toml` first.
    pub files: Vec<(String, String)>,
    /// What the import dropped or simplified, one line each.
    pub warnings: Vec<String>,
}

/// TOML text of a string: a multi-line literal when that reads better, else a basic string.
pub(super) fn toml_str(s: &str) -> String {
    let plain = !s.chars().any(|c| c.is_control() && c != '\n' && c != '\t');
    if s.contains('\n') && plain && !s.contains("'''") && !s.ends_with('\'') {
        format!("'''\n{s}'''")
    } else {
        toml::Value::String(s.to_owned()).to_string()
    }
}

pub(super) fn toml_key(k: &str) -> String {
    if !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        k.to_owned()
    } else {
        toml::Value::String(k.to_owned()).to_string()
    }
}

pub(super) fn json_text(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default()
}

/// The spec types an export marks with `x-hookspec-type`.
const HOOKSPEC_TYPES: &[&str] = &[
    "unix_seconds",
    "unix_millis",
    "civil_datetime",
    "time_range",
    "raw_json",
];

/// A spec type read from a schema.
pub(super) struct Ty {
    /// The spec type (`integer`, `array<Event>`).
    pub(super) name: String,
    /// The schema accepts `null`.
    nullable: bool,
    /// Numbers are accepted as strings (or strings as numbers): `anyOf: [T, {type: string,
    /// pattern}]`.
    lenient: bool,
}

impl Ty {
    fn plain(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            nullable: false,
            lenient: false,
        }
    }
}

fn is_null_type(s: &Value) -> bool {
    s.get("type") == Some(&json!("null"))
}

/// `type: [T, "null"]`, `anyOf: [.., {type: null}]` (3.1) or `nullable: true` (3.0).
fn is_nullable(s: &Value) -> bool {
    s.get("type")
        .and_then(Value::as_array)
        .is_some_and(|t| t.contains(&json!("null")))
        || s.get("nullable") == Some(&json!(true))
        || s.get("anyOf")
            .or_else(|| s.get("oneOf"))
            .and_then(Value::as_array)
            .is_some_and(|alts| alts.iter().any(is_null_type))
}

/// The second alternative of a lenient field: a numeric string, or a number for a string.
fn is_lenient_alternative(s: &Value) -> bool {
    (s.get("type") == Some(&json!("string")) && s.get("pattern").is_some())
        || s.get("type") == Some(&json!("number"))
}

/// `[[a], [b, c]]` from `anyOf`/`oneOf` (`keyword`) lists of `{required: [name]}`
/// alternatives, at the top of `s` or in its `allOf`.
fn required_alternatives(s: &Value, keyword: &str) -> Vec<Vec<String>> {
    std::iter::once(s)
        .chain(
            s.get("allOf")
                .and_then(Value::as_array)
                .into_iter()
                .flatten(),
        )
        .filter_map(|c| c.get(keyword)?.as_array())
        .filter_map(|alts| {
            alts.iter()
                .map(|a| match a.as_object() {
                    Some(o) if o.len() == 1 => match o.get("required")?.as_array()?.as_slice() {
                        [Value::String(n)] => Some(n.clone()),
                        _ => None,
                    },
                    _ => None,
                })
                .collect::<Option<Vec<String>>>()
                .filter(|names| names.len() >= 2)
        })
        .collect()
}

pub(super) struct Importer<'a> {
    pub(super) doc: &'a Value,
    warnings: Vec<String>,
    /// Models created for inline object schemas: (name, schema).
    extra_models: Vec<(String, Value)>,
}

impl Importer<'_> {
    pub(super) fn warn(&mut self, w: String) {
        self.warnings.push(w);
    }

    pub(super) fn resolve_ref<'v>(&self, v: &'v Value) -> Option<&'v str> {
        v.get("$ref")?
            .as_str()?
            .strip_prefix("#/components/schemas/")
    }

    /// A spec type for a schema (inline objects become models named `context`).
    /// The item type of a list or map: `lenient` is for string, integer and float fields, so
    /// items that may be a number or a string of one are kept as `json` (what they accept
    /// stays accepted), and the import says so.
    fn item_name(&mut self, item: Ty, context: &str) -> String {
        if item.lenient {
            self.warn(format!(
                "{context}: numbers sent as strings inside a list or map are not expressible; kept as json"
            ));
            "json".to_owned()
        } else {
            item.name
        }
    }

    pub(super) fn type_of(&mut self, s: &Value, context: &str) -> Ty {
        if let Some(name) = self.resolve_ref(s) {
            return Ty::plain(name);
        }
        let nullable = is_nullable(s);
        // hookspec's own types first: `unix_millis` looks like a lenient integer.
        if let Some(t) = s.get("x-hookspec-type").and_then(Value::as_str)
            && HOOKSPEC_TYPES.contains(&t)
        {
            return Ty {
                nullable,
                ..Ty::plain(t)
            };
        }
        // `anyOf: [X, {type: null}]`: X, nullable; `anyOf: [T, numeric string]`: T, lenient.
        if let Some(alts) = s
            .get("anyOf")
            .or_else(|| s.get("oneOf"))
            .and_then(Value::as_array)
            && s.get("properties").is_none()
        {
            let rest: Vec<&Value> = alts.iter().filter(|a| !is_null_type(a)).collect();
            match rest.as_slice() {
                [one] => {
                    let t = self.type_of(one, context);
                    return Ty {
                        nullable: nullable || t.nullable,
                        ..t
                    };
                }
                [strict, loose] if is_lenient_alternative(loose) => {
                    let t = self.type_of(strict, context);
                    return Ty {
                        nullable: nullable || t.nullable,
                        lenient: true,
                        ..t
                    };
                }
                _ => {}
            }
        }
        // `allOf: [X]`: X annotated (OpenAPI 3.0 ignores what stands beside a `$ref`).
        if let Some([one]) = s.get("allOf").and_then(Value::as_array).map(Vec::as_slice)
            && s.get("properties").is_none()
        {
            let t = self.type_of(one, context);
            return Ty {
                nullable: nullable || t.nullable,
                ..t
            };
        }
        let ty = match s.get("type") {
            Some(Value::Array(ts)) => ts
                .iter()
                .filter_map(Value::as_str)
                .find(|t| *t != "null")
                .unwrap_or(""),
            Some(Value::String(t)) => t.as_str(),
            _ => "",
        };
        let t = match ty {
            "string" if s.get("format") == Some(&json!("date-time")) => "datetime".to_owned(),
            "string" => {
                if s.get("enum").is_some() {
                    self.warn(format!("{context}: inline enum kept as string"));
                }
                "string".to_owned()
            }
            "integer" => "integer".to_owned(),
            "number" => "float".to_owned(),
            "boolean" => "bool".to_owned(),
            "array" => {
                let items = s.get("items").cloned().unwrap_or(json!({}));
                let item = self.type_of(&items, &format!("{context}Item"));
                format!("array<{}>", self.item_name(item, context))
            }
            "object" if s.get("properties").is_some() => {
                let name = context.to_upper_camel_case();
                self.extra_models.push((name.clone(), s.clone()));
                name
            }
            "object" => match s.get("additionalProperties") {
                Some(ap) if ap.is_object() => {
                    let value = self.type_of(ap, &format!("{context}Value"));
                    format!("map<{}>", self.item_name(value, context))
                }
                _ => "map<json>".to_owned(),
            },
            "" if s
                .as_object()
                .is_some_and(|o| o.keys().all(|k| k.starts_with("x-") || k == "description")) =>
            {
                "json".to_owned()
            }
            other => {
                self.warn(format!(
                    "{context}: schema {} not expressible; kept as json",
                    if other.is_empty() {
                        "without a type"
                    } else {
                        other
                    }
                ));
                "json".to_owned()
            }
        };
        Ty {
            name: t,
            nullable,
            lenient: false,
        }
    }

    pub(super) fn model_toml(&mut self, table: &str, name: &str, s: &Value) -> String {
        let mut out = String::new();
        if let Some(d) = s.get("description").and_then(Value::as_str) {
            out.push_str(&format!("\n[{table}]\ndoc = {}\n", toml_str(d)));
        } else {
            out.push_str(&format!("\n[{table}]\n"));
        }
        // `example` (OpenAPI 3.0), or the first of `examples` (JSON Schema, OpenAPI 3.1).
        if let Some(ex) = s
            .get("example")
            .or_else(|| s.get("examples").and_then(|e| e.as_array()?.first()))
        {
            out.push_str(&format!("example = {}\n", toml_str(&json_text(ex))));
        }
        if s.get("additionalProperties") == Some(&json!(false)) {
            out.push_str("deny_unknown = true\n");
        }
        let required: Vec<&str> = s
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let groups: Vec<Value> = match s.get("x-one-of").and_then(Value::as_array) {
            Some(g) => g.clone(),
            // Plain OpenAPI: `oneOf: [{required: [a]}, {required: [b]}]`.
            None => required_alternatives(s, "oneOf")
                .into_iter()
                .enumerate()
                .map(|(i, members)| {
                    let n = if i == 0 { String::new() } else { (i + 1).to_string() };
                    json!({"field": format!("choice{n}"), "type_name": format!("{name}Choice{n}"), "doc": "", "members": members})
                })
                .collect(),
        };
        let in_group = |f: &str| {
            groups.iter().any(|g| {
                g["members"]
                    .as_array()
                    .is_some_and(|m| m.contains(&json!(f)))
            })
        };
        // A required field with aliases: `anyOf: [{required: [name]}, {required: [alias]}]`.
        let alias_groups = required_alternatives(s, "anyOf");
        let props = s
            .get("properties")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let is_alias = |f: &str| {
            props.get(f).is_some_and(|p| p.get("x-alias-of").is_some())
                || alias_groups.iter().any(|g| g[1..].iter().any(|a| a == f))
        };
        for (fname, fs) in &props {
            if is_alias(fname) {
                continue; // declared with the field it stands for
            }
            let context = format!("{name}{}", fname.to_upper_camel_case());
            let ty = self.type_of(fs, &context);
            let flag = |x: &str| fs.get(x) == Some(&json!(true));
            // A zero-time field accepts null without being nullable.
            let nullable = flag("x-nullable") || (ty.nullable && !flag("x-zero-as-none"));
            let alias_group = alias_groups.iter().find(|g| g[0] == *fname);
            out.push_str(&format!(
                "\n[{table}.fields.{}]\ntype = {}\n",
                toml_key(fname),
                toml_str(&ty.name)
            ));
            if !required.contains(&fname.as_str()) && !in_group(fname) && alias_group.is_none() {
                out.push_str("optional = true\n");
            }
            if nullable {
                out.push_str("nullable = true\n");
            }
            let aliases: Vec<String> = match fs.get("x-aliases").and_then(Value::as_array) {
                Some(a) => a
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect(),
                None => alias_group
                    .map(|g| g[1..].to_vec())
                    .unwrap_or_default()
                    .into_iter()
                    .chain(
                        props
                            .iter()
                            .filter(|(_, p)| p.get("x-alias-of") == Some(&json!(fname)))
                            .map(|(a, _)| a.clone()),
                    )
                    .fold(Vec::new(), |mut all, a| {
                        if !all.contains(&a) {
                            all.push(a);
                        }
                        all
                    }),
            };
            if !aliases.is_empty() {
                let list: Vec<String> = aliases.iter().map(|a| toml_str(a)).collect();
                out.push_str(&format!("aliases = [{}]\n", list.join(", ")));
            }
            if flag("x-zero-as-none") {
                out.push_str("zero_as_none = true\n");
            }
            if flag("x-lenient") || ty.lenient {
                out.push_str("lenient = true\n");
            }
            if flag("x-boxed") {
                out.push_str("boxed = true\n");
            }
            if let Some(r) = fs.get("x-rust-name").and_then(Value::as_str) {
                out.push_str(&format!("rust_name = {}\n", toml_str(r)));
            }
            if let Some(d) = fs.get("description").and_then(Value::as_str) {
                out.push_str(&format!("doc = {}\n", toml_str(d)));
            }
        }
        for g in &groups {
            out.push_str(&format!("\n[[{table}.one_of]]\n"));
            for key in ["field", "type_name", "doc"] {
                if let Some(v) = g.get(key).and_then(Value::as_str).filter(|v| !v.is_empty()) {
                    out.push_str(&format!("{key} = {}\n", toml_str(v)));
                }
            }
            let members: Vec<String> = g["members"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(toml_str)
                .collect();
            out.push_str(&format!("members = [{}]\n", members.join(", ")));
        }
        out
    }

    pub(super) fn enum_toml(&mut self, name: &str, s: &Value) -> String {
        let mut out = format!("\n[enums.{name}]\n");
        if let Some(d) = s.get("description").and_then(Value::as_str) {
            out.push_str(&format!("doc = {}\n", toml_str(d)));
        }
        out.push_str("values = [\n");
        for v in s
            .get("enum")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Some(v) = v.as_str() else {
                self.warn(format!("enum {name}: non-string value {v} dropped"));
                continue;
            };
            let mut item = format!("  {{ value = {}", toml_str(v));
            if let Some(d) = s
                .pointer(&format!(
                    "/x-enum-descriptions/{}",
                    v.replace('~', "~0").replace('/', "~1")
                ))
                .and_then(Value::as_str)
            {
                item.push_str(&format!(", doc = {}", toml_str(d)));
            }
            if let Some(r) = s
                .get("x-enum-rust-names")
                .and_then(|m| m.get(v))
                .and_then(Value::as_str)
            {
                item.push_str(&format!(", rust_name = {}", toml_str(r)));
            }
            item.push_str(" },\n");
            out.push_str(&item);
        }
        out.push_str("]\n");
        out
    }

    fn is_enum(s: &Value) -> bool {
        s.get("type") == Some(&json!("string")) && s.get("enum").is_some()
    }

    fn drain_extra_models(&mut self) -> String {
        let mut out = String::new();
        while let Some((name, schema)) = self.extra_models.pop() {
            out.push_str(&self.model_toml(&format!("models.{name}"), &name, &schema));
        }
        out
    }
}

/// Converts an OpenAPI 3.0 or 3.1 document into the spec files of API `name`.
pub fn import(doc: &Value, name: &str) -> Result<Imported, ImportError> {
    let version = doc.get("openapi").and_then(Value::as_str).unwrap_or("");
    if !(version.starts_with("3.0") || version.starts_with("3.1")) {
        return Err(ImportError::NotOpenApi(version.to_owned()));
    }
    let mut im = Importer {
        doc,
        warnings: Vec::new(),
        extra_models: Vec::new(),
    };
    let mut api = format!("name = {}\n", toml_str(name));
    if let Some(t) = doc.pointer("/info/title").and_then(Value::as_str) {
        api.push_str(&format!("title = {}\n", toml_str(t)));
    }
    if let Some(d) = doc.pointer("/info/description").and_then(Value::as_str) {
        api.push_str(&format!("doc = {}\n", toml_str(d)));
    }
    let base = doc
        .pointer("/servers/0/url")
        .and_then(Value::as_str)
        .unwrap_or_else(|| {
            im.warnings
                .push("no servers[0].url: base_url set to https://example.invalid".into());
            "https://example.invalid"
        });
    api.push_str(&format!("base_url = {}\n", toml_str(base)));
    // Security: the first scheme hookspec can express.
    let schemes = doc
        .pointer("/components/securitySchemes")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let mut auth_done = false;
    for (sname, s) in &schemes {
        let kind = (
            s.get("type").and_then(Value::as_str),
            s.get("in").and_then(Value::as_str),
            s.get("scheme").and_then(Value::as_str),
        );
        match kind {
            (Some("apiKey"), Some("header"), _) if !auth_done => {
                let h = s.get("name").and_then(Value::as_str).unwrap_or("X-API-Key");
                api.push_str(&format!("\n[auth]\nscheme = \"header\"\nheader = {}\n", toml_str(h)));
                auth_done = true;
            }
            (Some("http"), _, Some(b)) if b.eq_ignore_ascii_case("bearer") && !auth_done => {
                api.push_str("\n[auth]\nscheme = \"bearer\"\n");
                auth_done = true;
            }
            _ => im.warn(format!("security scheme `{sname}` not expressible (hookspec knows header API keys and bearer tokens)")),
        }
    }
    if let Some(rl) = doc.get("x-rate-limit") {
        api.push_str(&format!(
            "\n[rate_limit]\nrequests = {}\nper_seconds = {}\n",
            rl.get("requests").and_then(Value::as_u64).unwrap_or(1),
            rl.get("per_seconds").and_then(Value::as_u64).unwrap_or(1)
        ));
    }
    let error_models: Vec<String> = match doc.get("x-error-models").and_then(Value::as_array) {
        Some(m) => m
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        None => error_models_from_responses(doc),
    };
    if !error_models.is_empty() {
        let list: Vec<String> = error_models.iter().map(|m| toml_str(m)).collect();
        api.push_str(&format!("\n[errors]\nmodels = [{}]\n", list.join(", ")));
        for ex in doc
            .get("x-error-examples")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            api.push_str("\n[[errors.examples]]\n");
            if let Some(t) = ex.get("title").and_then(Value::as_str) {
                api.push_str(&format!("title = {}\n", toml_str(t)));
            }
            api.push_str(&format!(
                "status = {}\n",
                ex.get("status").and_then(Value::as_u64).unwrap_or(400)
            ));
            if let Some(r) = ex.get("response") {
                api.push_str(&format!("response = {}\n", toml_str(&json_text(r))));
            }
        }
    }
    let schemas = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    for (sname, s) in &schemas {
        if Importer::is_enum(s) {
            api.push_str(&im.enum_toml(sname, s));
        } else if s.get("properties").is_some() || s.get("type") == Some(&json!("object")) {
            api.push_str(&im.model_toml(&format!("models.{sname}"), sname, s));
        } else {
            im.warn(format!(
                "schema `{sname}` is neither an object nor a string enum; not imported"
            ));
        }
    }
    api.push_str(&im.drain_extra_models());
    let mut files = vec![("api.toml".to_owned(), api)];
    let paths = doc
        .get("paths")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    for (path, item) in &paths {
        for (method, op) in item.as_object().into_iter().flatten() {
            let m = method.to_ascii_uppercase();
            if !["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"].contains(&m.as_str()) {
                if !["parameters", "summary", "description", "servers"].contains(&method.as_str()) {
                    im.warn(format!("{method} {path}: method not supported"));
                }
                continue;
            }
            let (file, text) = import_operation(&mut im, path, &m, op);
            files.push((file, text));
        }
    }
    if let Some(hooks) = super::webhooks::import(&mut im)? {
        files.push(("webhooks.toml".to_owned(), hooks));
    }
    if !im.extra_models.is_empty() {
        let extra = im.drain_extra_models();
        files[0].1.push_str(&extra);
    }
    files[0].1.push_str(&resources_toml(doc));
    Ok(Imported {
        files,
        warnings: im.warnings,
    })
}

fn error_models_from_responses(doc: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for item in doc
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(_, v)| v)
    {
        for op in item.as_object().into_iter().flatten().map(|(_, v)| v) {
            for (code, r) in op
                .get("responses")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                if code == "default" || code.starts_with('4') || code.starts_with('5') {
                    let schema = r.pointer("/content/application~1json/schema");
                    let alts: Vec<&Value> = match schema
                        .and_then(|s| s.get("anyOf").or_else(|| s.get("oneOf")))
                        .and_then(Value::as_array)
                    {
                        Some(a) => a.iter().collect(),
                        None => schema.into_iter().collect(),
                    };
                    for a in alts {
                        if let Some(n) = a
                            .get("$ref")
                            .and_then(Value::as_str)
                            .and_then(|r| r.strip_prefix("#/components/schemas/"))
                            && !out.iter().any(|o: &String| o == n)
                        {
                            out.push(n.to_owned());
                        }
                    }
                }
            }
        }
    }
    out
}

fn import_operation(
    im: &mut Importer<'_>,
    path: &str,
    method: &str,
    op: &Value,
) -> (String, String) {
    let op_id = op
        .get("operationId")
        .and_then(Value::as_str)
        .map(|s| s.to_snake_case())
        .unwrap_or_else(|| {
            format!(
                "{}_{}",
                method.to_ascii_lowercase(),
                path.replace(['/', '{', '}', '-'], "_").trim_matches('_')
            )
            .to_snake_case()
        });
    let mut out = String::new();
    if let Some(s) = op.get("summary").and_then(Value::as_str) {
        out.push_str(&format!("summary = {}\n", toml_str(s)));
    }
    if let Some(d) = op.get("description").and_then(Value::as_str) {
        out.push_str(&format!("doc = {}\n", toml_str(d)));
    }
    out.push_str(&format!("method = \"{method}\"\n"));
    // Path placeholders must be snake_case: rename them (the wire path does not change).
    let mut new_path = String::new();
    let mut rest = path;
    let mut renames = Vec::new();
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        let pname = &rest[open + 1..open + close];
        let snake = pname.to_snake_case();
        if snake != pname {
            renames.push((pname.to_owned(), snake.clone()));
        }
        new_path.push_str(&rest[..open]);
        new_path.push_str(&format!("{{{snake}}}"));
        rest = &rest[open + close + 1..];
    }
    new_path.push_str(rest);
    out.push_str(&format!("path = {}\n", toml_str(&new_path)));
    if let Some(i) = op.get("x-idempotent").and_then(Value::as_bool) {
        out.push_str(&format!("idempotent = {i}\n"));
    }
    for p in op
        .get("parameters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let p = match im.resolve_param(p) {
            Some(p) => p,
            None => {
                im.warn(format!(
                    "{op_id}: parameter reference not resolved; dropped"
                ));
                continue;
            }
        };
        let pname = p.get("name").and_then(Value::as_str).unwrap_or("");
        let place = p.get("in").and_then(Value::as_str).unwrap_or("");
        let table = match place {
            "path" => "path_params",
            "query" => "query",
            "header" => "headers",
            other => {
                im.warn(format!(
                    "{op_id}: parameter `{pname}` in {other} not supported; dropped"
                ));
                continue;
            }
        };
        let key = if place == "path" {
            pname.to_snake_case()
        } else {
            pname.to_owned()
        };
        let schema = p
            .get("schema")
            .cloned()
            .unwrap_or(json!({"type": "string"}));
        let ty = im.type_of(&schema, &format!("{op_id}_{pname}"));
        out.push_str(&format!(
            "\n[{table}.{}]\ntype = {}\n",
            toml_key(&key),
            toml_str(&ty.name)
        ));
        if let Some(r) = p.get("x-hookspec-range") {
            for key in ["format", "separator"] {
                if let Some(v) = r.get(key).and_then(Value::as_str) {
                    out.push_str(&format!("{key} = {}\n", toml_str(v)));
                }
            }
            if let Some(d) = r.get("max_days").and_then(Value::as_u64) {
                out.push_str(&format!("max_days = {d}\n"));
            }
        }
        if place != "path" && p.get("required") != Some(&json!(true)) {
            out.push_str("optional = true\n");
        }
        if let Some(d) = p.get("description").and_then(Value::as_str) {
            out.push_str(&format!("doc = {}\n", toml_str(d)));
        }
        if let Some(e) = p.get("example") {
            // A list parameter's example is one item of the list.
            let e = match e.as_array().map(Vec::as_slice) {
                Some([item]) => item,
                _ => e,
            };
            let text = e.as_str().map_or_else(|| e.to_string(), str::to_owned);
            out.push_str(&format!("example = {}\n", toml_str(&text)));
        }
        if let Some(r) = p.get("x-rust-name").and_then(Value::as_str) {
            out.push_str(&format!("rust_name = {}\n", toml_str(r)));
        }
        // A list in the query: `form` style, repeated keys unless `explode` is false.
        if place == "query"
            && ty.name.starts_with("array<")
            && p.get("explode") == Some(&json!(false))
        {
            out.push_str("explode = false\n");
        }
    }
    if let Some(body) = op.get("requestBody") {
        match body.pointer("/content/application~1json/schema") {
            Some(schema) => {
                let pascal = op_id.to_upper_camel_case();
                if let Some(r) = im.resolve_ref(schema) {
                    out.push_str(&format!("\n[body]\ntype = {}\n", toml_str(r)));
                    if let Some(d) = body.get("description").and_then(Value::as_str) {
                        out.push_str(&format!("doc = {}\n", toml_str(d)));
                    }
                } else {
                    let model = im.model_toml("body", &format!("{pascal}Request"), schema);
                    out.push_str(&model);
                }
            }
            None => im.warn(format!(
                "{op_id}: request body is not application/json; dropped"
            )),
        }
    }
    let responses = op
        .get("responses")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let success = responses.iter().find(|(code, _)| code.starts_with('2'));
    let (status, resp) = match success {
        Some((code, r)) => (code.parse::<u16>().unwrap_or(200), r.clone()),
        None => {
            im.warn(format!(
                "{op_id}: no 2xx response; assuming 200 with any JSON"
            ));
            (200, json!({}))
        }
    };
    let ty = match resp.pointer("/content/application~1json/schema") {
        Some(s) => Some(
            im.type_of(s, &format!("{}Response", op_id.to_upper_camel_case()))
                .name,
        ),
        // A 204 without content: a response with no body (no `type`).
        None if status == 204 && resp.get("content").is_none() => None,
        None => Some("json".to_owned()),
    };
    out.push_str("\n[response]\n");
    if let Some(ty) = ty {
        out.push_str(&format!("type = {}\n", toml_str(&ty)));
    }
    if status != 200 {
        out.push_str(&format!("status = {status}\n"));
    }
    if let Some(d) = resp
        .get("description")
        .and_then(Value::as_str)
        .filter(|d| *d != "Success")
    {
        out.push_str(&format!("doc = {}\n", toml_str(d)));
    }
    if let Some(pg) = op.get("x-hookspec-pagination").and_then(Value::as_object) {
        out.push_str("\n[pagination]\n");
        for key in [
            "style",
            "param",
            "items",
            "first_page",
            "next",
            "total_pages",
            "next_cursor",
        ] {
            match pg.get(key) {
                Some(Value::String(v)) => out.push_str(&format!("{key} = {}\n", toml_str(v))),
                Some(Value::Number(n)) => out.push_str(&format!("{key} = {n}\n")),
                _ => {}
            }
        }
    }
    let examples: Vec<Value> = match op.get("x-examples").and_then(Value::as_array) {
        Some(x) => x.clone(),
        None => resp
            .pointer("/content/application~1json/examples")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .map(|(_, e)| json!({"title": e.get("summary").cloned().unwrap_or(json!("")), "status": status, "response": e.get("value").cloned().unwrap_or(Value::Null)}))
            .collect(),
    };
    for ex in examples {
        out.push_str("\n[[examples]]\n");
        if let Some(t) = ex
            .get("title")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
        {
            out.push_str(&format!("title = {}\n", toml_str(t)));
        }
        if let Some(s) = ex
            .get("status")
            .and_then(Value::as_u64)
            .filter(|s| *s != 200)
        {
            out.push_str(&format!("status = {s}\n"));
        }
        if let Some(pp) = ex.get("path_params").and_then(Value::as_object) {
            let items: Vec<String> = pp
                .iter()
                .map(|(k, v)| {
                    format!(
                        "{} = {}",
                        toml_key(k),
                        toml_str(v.as_str().unwrap_or_default())
                    )
                })
                .collect();
            out.push_str(&format!("path_params = {{ {} }}\n", items.join(", ")));
        }
        for key in ["request", "response"] {
            if let Some(v) = ex.get(key) {
                out.push_str(&format!("{key} = {}\n", toml_str(&json_text(v))));
            }
        }
    }
    let _ = renames;
    if let Some(e) = op.get("x-hookspec-emulator").and_then(Value::as_object) {
        out.push_str(&emulator_toml(e));
    }
    (format!("{op_id}.toml"), out)
}

/// A TOML value for a JSON scalar, a string table for an object of strings.
fn toml_inline(v: &Value) -> String {
    match v {
        Value::String(s) => toml::Value::String(s.clone()).to_string(),
        Value::Object(o) => {
            let items: Vec<String> = o
                .iter()
                .map(|(k, x)| format!("{} = {}", toml_key(k), toml_inline(x)))
                .collect();
            format!("{{ {} }}", items.join(", "))
        }
        Value::Array(a) => {
            let items: Vec<String> = a.iter().map(toml_inline).collect();
            format!("[{}]", items.join(", "))
        }
        other => other.to_string(),
    }
}

/// `x-hookspec-emulator` back into `[emulator]`.
fn emulator_toml(e: &serde_json::Map<String, Value>) -> String {
    let mut out = String::from("\n[emulator]\n");
    for (k, v) in e {
        let text = match k.as_str() {
            "response" => toml_str(&json_text(v)),
            _ => toml_inline(v),
        };
        out.push_str(&format!("{} = {text}\n", toml_key(k)));
    }
    out
}

/// `x-hookspec-resources` back into `[resources.*]` of the API file.
fn resources_toml(doc: &Value) -> String {
    let mut out = String::new();
    let Some(all) = doc.get("x-hookspec-resources").and_then(Value::as_object) else {
        return out;
    };
    for (name, r) in all {
        out.push_str(&format!("\n[resources.{}]\n", toml_key(name)));
        let Some(r) = r.as_object() else { continue };
        for (k, v) in r {
            let text = match k.as_str() {
                "seed" | "defaults" => toml_str(&json_text(v)),
                _ => toml_inline(v),
            };
            out.push_str(&format!("{} = {text}\n", toml_key(k)));
        }
    }
    out
}

impl Importer<'_> {
    pub(super) fn resolve_param(&self, p: &Value) -> Option<Value> {
        match p.get("$ref").and_then(Value::as_str) {
            Some(r) => {
                let ptr = r.strip_prefix('#')?;
                self.doc.pointer(ptr).cloned()
            }
            None => Some(p.clone()),
        }
    }
}
