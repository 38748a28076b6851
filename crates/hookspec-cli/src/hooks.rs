//! `hookspec listen` and `hookspec trigger`: thin layers over `hookspec_mock::webhooks`.

use clap::{Arg, ArgAction, ArgMatches, Command, value_parser};
use hookspec::webhooks::{Secret, Settings, Signing, deliver};
use hookspec_mock::webhooks::{ListenOptions, Listener, WebhookError, example_delivery};
use hookspec_spec::Api;

use crate::{Failure, out};

fn secret_arg() -> Arg {
    Arg::new("secret")
        .long("secret")
        .action(ArgAction::Append)
        .help(
            "Standard Webhooks secret (whsec_…), for APIs that sign; repeat while a secret rotates",
        )
}

/// The two commands.
pub(crate) fn commands() -> [Command; 2] {
    [
        Command::new("listen")
            .about("Receive webhook deliveries on 127.0.0.1, print each typed event, answer 2xx")
            .long_about(
                "Receive webhook deliveries on 127.0.0.1 and print one line per event (or one JSON \
                 object per line with --json). A delivery to /<api> is parsed as that API's; to any \
                 other path, as the first API whose webhooks it fits. Accepted deliveries (and \
                 repeated ones, marked DUPLICATE) are answered 200; bad ones a 4xx JSON error.",
            )
            .arg(
                Arg::new("port")
                    .long("port")
                    .value_parser(value_parser!(u16))
                    .default_value("8090")
                    .help("Port on 127.0.0.1 (0 picks a free one)"),
            )
            .arg(Arg::new("forward-to").long("forward-to").help("Re-POST each accepted delivery to this URL"))
            .arg(Arg::new("json").long("json").action(ArgAction::SetTrue).help("One JSON object per line"))
            .arg(
                Arg::new("count")
                    .long("count")
                    .value_parser(value_parser!(u64))
                    .help("Stop after this many deliveries"),
            )
            .arg(secret_arg()),
        Command::new("trigger")
            .about("Send an API's example delivery of an event type, as the provider would")
            .arg(Arg::new("api").required(true).help("The API (e.g. omegastream)"))
            .arg(Arg::new("event-type").required(true).help("The event type (e.g. video.process_failed)"))
            .arg(Arg::new("to").long("to").required(true).help("The URL to POST to"))
            .arg(
                Arg::new("set")
                    .long("set")
                    .action(ArgAction::Append)
                    .help("field=value: set a field of the example (dotted path, e.g. data.status=uploaded; JSON values are read as JSON)"),
            )
            .arg(secret_arg()),
    ]
}

fn secrets(m: &ArgMatches) -> Result<Vec<Secret>, Failure> {
    m.get_many::<String>("secret")
        .into_iter()
        .flatten()
        .map(|s| Secret::from_whsec(s).map_err(|e| Failure::Usage(e.to_string())))
        .collect()
}

pub(crate) async fn listen(m: &ArgMatches) -> Result<(), Failure> {
    let options = ListenOptions {
        port: m.get_one::<u16>("port").copied().unwrap_or(8090),
        forward_to: m.get_one::<String>("forward-to").cloned(),
        settings: Settings {
            secrets: secrets(m)?,
            ..Settings::default()
        },
        ..ListenOptions::default()
    };
    let json = m.get_flag("json");
    let count = m.get_one::<u64>("count").copied();
    let mut listener = Listener::start(options)
        .await
        .map_err(|e| Failure::Other(e.to_string()))?;
    let urls: Vec<String> = hookspec::WEBHOOKS
        .iter()
        .map(|a| listener.url(a.api))
        .collect();
    out::note(&format!(
        "hookspec: listening on http://{} ({})",
        listener.addr(),
        urls.join(", ")
    ));
    let mut heard = 0u64;
    loop {
        if count.is_some_and(|c| heard >= c) {
            return Ok(());
        }
        let next = tokio::select! {
            h = listener.next() => h,
            _ = tokio::signal::ctrl_c() => return Ok(()),
        };
        let Some(h) = next else { return Ok(()) };
        heard += 1;
        if json {
            out::line(&h.to_json().to_string())?;
        } else {
            out::line(&h.line())?;
        }
    }
}

pub(crate) async fn trigger(apis: &[Api], m: &ArgMatches) -> Result<(), Failure> {
    let name = m.get_one::<String>("api").map_or("", String::as_str);
    let api = apis
        .iter()
        .find(|a| a.name == name)
        .ok_or_else(|| Failure::Usage(format!("unknown API `{name}`")))?;
    let event = m.get_one::<String>("event-type").map_or("", String::as_str);
    let to = m.get_one::<String>("to").map_or("", String::as_str);
    // A URL that does not parse is the command line's mistake (exit 2), not the network's.
    reqwest::Url::parse(to).map_err(|e| Failure::Usage(format!("--to {to}: {e}")))?;
    let sets = m
        .get_many::<String>("set")
        .into_iter()
        .flatten()
        .map(|s| {
            s.split_once('=')
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .ok_or_else(|| Failure::Usage(format!("--set {s}: expected field=value")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let body = example_delivery(api, event, &sets).map_err(|e| match e {
        WebhookError::Set(..) | WebhookError::UnknownEvent { .. } | WebhookError::NoWebhooks(_) => {
            Failure::Usage(e.to_string())
        }
        other => Failure::Other(other.to_string()),
    })?;
    let bytes = serde_json::to_vec(&body).map_err(|e| Failure::Other(e.to_string()))?;
    let secrets = secrets(m)?;
    // The delivery's id where the spec's `id_field` says (the `webhook-id` a receiver keys on).
    let msg_id = id_wire_name(api)
        .and_then(|wire| body.get(wire))
        .and_then(serde_json::Value::as_str)
        .map_or_else(|| format!("msg_{}", fastrand_id()), str::to_owned);
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| Failure::Other(e.to_string()))?;
    let signing = secrets.first().map(|secret| Signing {
        secret,
        msg_id: &msg_id,
        timestamp: None,
    });
    let result = deliver(&http, to, bytes, signing)
        .await
        .map_err(|e| Failure::Transport(out::with_causes(&e)))?;
    let line = format!(
        "{name} {event} → {to}: HTTP {} {}",
        result.status.as_u16(),
        result.body_text().trim()
    );
    if result.accepted() {
        out::line(&line)
    } else {
        Err(Failure::Api(line))
    }
}

/// The wire name of the envelope field the spec's `id_field` names.
fn id_wire_name(api: &Api) -> Option<&str> {
    let hooks = api.webhooks.as_ref()?;
    let id = hooks.id_field.as_ref()?;
    let hookspec_spec::TypeRef::Model(envelope) = &hooks.envelope else {
        return None;
    };
    api.model(envelope)?
        .fields
        .iter()
        .find(|f| &f.rust_name == id)
        .map(|f| f.name.as_str())
}

fn fastrand_id() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{nanos:x}")
}

#[cfg(test)]
mod tests {
    use super::id_wire_name;

    /// `trigger` signs a delivery with the id from the envelope field the spec's `id_field`
    /// names, by its wire name (`eventId`), not a fixed `id`.
    #[test]
    fn the_delivery_id_comes_from_the_specs_id_field() {
        let api = r#"name = "t"
base_url = "https://example.com"
[models.Envelope.fields.eventId]
type = "string"
[models.Envelope.fields.id]
type = "integer"
[models.Envelope.fields.type]
type = "Kind"
[models.Envelope.fields.data]
type = "raw_json"
[enums.Kind]
values = [{ value = "ping" }]
"#;
        let hooks = "envelope = \"Envelope\"\nid_field = \"eventId\"\n[tag]\nfield = \"type\"\ndata_field = \"data\"\n";
        let sources = hookspec_spec::ApiSources::from_pairs(&[
            ("api-specs/t/api.toml", api),
            ("api-specs/t/webhooks.toml", hooks),
        ])
        .unwrap();
        let api = hookspec_spec::parse_api(&sources).unwrap_or_else(|d| panic!("{d}"));
        assert_eq!(id_wire_name(&api), Some("eventId"));
    }
}
