//! Subcommands derived from the specs: one per API and endpoint, arguments from the spec's
//! parameters and body fields, help from the spec's docs.

use clap::{Arg, ArgAction, ArgGroup, Command, value_parser};
use hookspec_spec::{Api, Endpoint, Field, Model, TypeRef};

/// Flag names the CLI uses itself; a body field with one of these names gets `--field-<name>`.
const RESERVED: &[&str] = &["json", "raw", "key", "base-url", "body", "help", "timeout"];

/// The flag of a parameter or body field.
pub(crate) fn flag_name(wire: &str) -> String {
    let kebab: String = wire
        .chars()
        .flat_map(|c| {
            if c.is_ascii_uppercase() {
                vec!['-', c.to_ascii_lowercase()]
            } else if c == '_' {
                vec!['-']
            } else {
                vec![c]
            }
        })
        .collect();
    let kebab = kebab.trim_start_matches('-').to_owned();
    if RESERVED.contains(&kebab.as_str()) {
        format!("field-{kebab}")
    } else {
        kebab
    }
}

/// The subcommand name of an endpoint (`list_webhook_events` → `list-webhook-events`).
pub(crate) fn command_name(endpoint: &str) -> String {
    endpoint.replace('_', "-")
}

/// The arg id of a body field (kept apart from parameters).
pub(crate) fn field_id(name: &str) -> String {
    format!("field:{name}")
}

/// The arg id of a query or header parameter.
pub(crate) fn param_id(place: &str, name: &str) -> String {
    format!("{place}:{name}")
}

fn typed(arg: Arg, ty: &TypeRef) -> Arg {
    match ty {
        TypeRef::Integer | TypeRef::UnixSeconds | TypeRef::UnixMillis => {
            arg.value_parser(value_parser!(i64))
        }
        TypeRef::TimeRange => arg.value_name("START - END"),
        TypeRef::Float => arg.value_parser(value_parser!(f64)),
        TypeRef::Bool => arg.value_parser(value_parser!(bool)),
        TypeRef::String | TypeRef::DateTime | TypeRef::CivilDateTime | TypeRef::Enum(_) => arg,
        TypeRef::Json
        | TypeRef::RawJson
        | TypeRef::Array(_)
        | TypeRef::Map(_)
        | TypeRef::Model(_) => arg.value_parser(parse_json).value_name("JSON"),
    }
}

fn parse_json(s: &str) -> Result<serde_json::Value, String> {
    serde_json::from_str(s).map_err(|e| format!("not valid JSON: {e}"))
}

fn help_of(doc: &str, ty: &TypeRef) -> String {
    let first = doc.lines().next().unwrap_or("").trim();
    format!("{first} [{ty}]")
}

/// Options every endpoint subcommand has.
pub(crate) fn common_args(cmd: Command, api: &Api) -> Command {
    let env = key_env(&api.name);
    cmd.arg(
        Arg::new("json")
            .long("json")
            .action(ArgAction::SetTrue)
            .help("Print the response as JSON (decoded by the spec's rules) instead of a table"),
    )
    .arg(
        Arg::new("raw")
            .long("raw")
            .action(ArgAction::SetTrue)
            .conflicts_with("json")
            .help("Print the response body exactly as the server sent it"),
    )
    .arg(
        Arg::new("base-url")
            .long("base-url")
            .value_name("URL")
            .help(format!("Base URL of the API (default: {})", api.base_url)),
    )
    .arg(
        Arg::new("key")
            .long("key")
            .value_name("KEY")
            .help(format!("API key or token (or set {env}); never printed")),
    )
    .arg(
        Arg::new("timeout")
            .long("timeout")
            .value_name("SECONDS")
            .value_parser(value_parser!(u64))
            .help("Timeout of the call in seconds"),
    )
}

/// `HOOKSPEC_<API>_KEY`.
pub(crate) fn key_env(api: &str) -> String {
    format!("HOOKSPEC_{}_KEY", api.to_ascii_uppercase())
}

fn body_args(cmd: Command, model: &Model) -> Command {
    let mut cmd = cmd.arg(
        Arg::new("body")
            .long("body")
            .value_name("JSON")
            .value_parser(parse_json)
            .help("The whole JSON body (instead of the field flags)"),
    );
    for f in &model.fields {
        cmd = cmd.arg(field_arg(model, f));
    }
    for g in &model.one_of {
        let ids: Vec<String> = g.members.iter().map(|m| field_id(m)).collect();
        cmd = cmd.group(
            ArgGroup::new(format!("group:{}", g.field))
                .args(ids)
                .multiple(false),
        );
    }
    cmd
}

fn field_arg(model: &Model, f: &Field) -> Arg {
    let mut arg = typed(
        Arg::new(field_id(&f.name))
            .long(flag_name(&f.name))
            .value_name(flag_name(&f.name).to_ascii_uppercase())
            .help(help_of(&f.doc, &f.ty))
            .conflicts_with("body"),
        &f.ty,
    );
    if let Some(group) = model.group_of(&f.name) {
        // Exactly one member: the group forbids two, this requires one.
        let others: Vec<String> = group
            .members
            .iter()
            .filter(|m| **m != f.name)
            .map(|m| field_id(m))
            .chain(std::iter::once("body".to_owned()))
            .collect();
        arg = arg.required_unless_present_any(others);
    } else if !f.is_option() {
        arg = arg.required_unless_present("body");
    }
    arg
}

/// The subcommand of one endpoint.
pub(crate) fn endpoint_command(api: &Api, ep: &Endpoint) -> Command {
    let about = if ep.summary.is_empty() {
        format!("{} {}", ep.method, ep.path)
    } else {
        ep.summary.clone()
    };
    let long_about = format!(
        "{about}\n\n{}\n\n{} {}{}",
        ep.doc.trim(),
        ep.method,
        ep.path,
        if ep.idempotent {
            ""
        } else {
            " (not idempotent: never retried once it may have been delivered)"
        }
    );
    let mut cmd = Command::new(command_name(&ep.name))
        .about(about)
        .long_about(long_about);
    for p in &ep.path_params {
        cmd = cmd.arg(
            Arg::new(p.name.clone())
                .required(true)
                .value_name(p.name.to_ascii_uppercase())
                .help(help_of(&p.doc, &p.ty)),
        );
    }
    for (place, params) in [("query", &ep.query), ("header", &ep.headers)] {
        for p in params {
            let arg = Arg::new(param_id(place, &p.name))
                .long(flag_name(&p.name))
                .value_name(flag_name(&p.name).to_ascii_uppercase())
                .help(help_of(&p.doc, &p.ty));
            cmd = cmd.arg(match (&p.ty, &p.list) {
                // A list: the flag once per item (`--tag a --tag b`), typed as the items are;
                // none at all is the empty list, which the typed client sends as nothing too.
                (TypeRef::Array(inner), Some(_)) => typed(arg, inner).action(ArgAction::Append),
                (ty, _) => typed(arg.required(!p.optional), ty),
            });
        }
    }
    if let Some(model) = ep.body.as_ref().and_then(|b| api.model(&b.model)) {
        cmd = body_args(cmd, model);
    }
    common_args(cmd, api)
}

/// The command of one API with a subcommand per endpoint.
pub(crate) fn api_command(api: &Api) -> Command {
    let mut cmd = Command::new(api.name.clone())
        .about(if api.title.is_empty() {
            api.name.clone()
        } else {
            api.title.clone()
        })
        .long_about(api.doc.clone())
        .subcommand_required(true)
        .arg_required_else_help(true);
    for ep in &api.endpoints {
        cmd = cmd.subcommand(endpoint_command(api, ep));
    }
    cmd
}
