//! `cargo xtask new-endpoint`: a spec skeleton in the right place.

use std::path::{Path, PathBuf};

use hookspec_spec::Method;

/// Writes `api-specs/<api>/<name>.toml` for `method path`; refuses to overwrite.
pub fn new_endpoint(
    root: &Path,
    api: &str,
    name: &str,
    method: &str,
    path: &str,
) -> Result<PathBuf, String> {
    let dir = root.join("api-specs").join(api);
    if !dir.join("api.toml").is_file() {
        return Err(format!(
            "api-specs/{api}/api.toml does not exist: which API is `{api}`?"
        ));
    }
    let valid_name = name.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !valid_name {
        return Err(format!(
            "endpoint name `{name}` must be snake_case (it becomes the Rust function)"
        ));
    }
    let method = method.to_ascii_uppercase();
    let m = Method::parse(&method).ok_or_else(|| format!("invalid method `{method}`"))?;
    if !path.starts_with('/') {
        return Err(format!("path `{path}` must start with `/`"));
    }
    let file = dir.join(format!("{name}.toml"));
    if file.exists() {
        return Err(format!(
            "api-specs/{api}/{name}.toml already exists; not overwriting it"
        ));
    }
    let params: Vec<&str> = path
        .split('{')
        .skip(1)
        .filter_map(|s| s.split_once('}').map(|(p, _)| p))
        .collect();
    let mut text = format!(
        "# {method} {path}\n\
         # Fill in the docs, the response type and an example, then run `cargo xtask regen`.\n\
         # Format: api-specs/README.md.\n\
         summary = \"TODO: one line saying what {name} does\"\n\
         doc = \"\"\"\n\
         TODO: what the endpoint does, in Markdown. This becomes the rustdoc of\n\
         `Client::{name}` and the help of `hookspec {api} {cmd}`.\"\"\"\n\
         method = \"{method}\"\n\
         path = \"{path}\"\n\
         # Whether sending the request twice has the effect of sending it once. POST and PATCH\n\
         # default to false: the client then never re-sends once the request may have arrived.\n\
         idempotent = {idem}\n",
        cmd = name.replace('_', "-"),
        idem = m.is_idempotent(),
    );
    for p in &params {
        text.push_str(&format!(
            "\n[path_params.{p}]\ntype = \"string\"\ndoc = \"TODO: what `{p}` identifies.\"\n"
        ));
    }
    text.push_str(
        "\n# Optional query parameters and headers:\n\
         # [query.limit]\n# type = \"integer\"\n# optional = true\n# doc = \"Page size.\"\n",
    );
    if !m.is_idempotent() || matches!(m, Method::Put) {
        text.push_str(
            "\n# The JSON body: an inline model (or `type = \"ModelName\"`).\n\
             [body]\ndoc = \"TODO: what the body says.\"\n\n\
             # [body.fields.example]\n# type = \"string\"\n# doc = \"TODO\"\n",
        );
    }
    text.push_str(
        "\n[response]\n\
         # string, integer, float, bool, unix_seconds, datetime, json, raw_json (kept as the\n\
         # exact text), array<T>, map<T>, or a model or enum of this API (declare new ones\n\
         # below as [models.Name]; field options in api-specs/README.md).\n\
         type = \"json\"\n\
         doc = \"TODO: what comes back.\"\n\n\
         # Examples are checked against the types and shown in the docs; the emulator answers\n\
         # with the first one.\n\
         [[examples]]\n\
         title = \"TODO\"\n",
    );
    if !params.is_empty() {
        let pp: Vec<String> = params.iter().map(|p| format!("{p} = \"TODO\"")).collect();
        text.push_str(&format!("path_params = {{ {} }}\n", pp.join(", ")));
    }
    text.push_str("response = '''\nnull'''\n");
    std::fs::write(&file, text).map_err(|e| format!("{}: {e}", file.display()))?;
    Ok(file)
}
