//! `hookspec`: one subcommand per spec'd endpoint (`hookspec <api> <endpoint> …`), the
//! embedded emulator (`hookspec mock serve`), fault injection (`hookspec mock fault`), a
//! demo of the main job (`hookspec demo`), and webhook tools: `hookspec listen` (receive and
//! print typed events) and `hookspec trigger` (send a spec example as the provider would).
//!
//! With no `--base-url` and no key, endpoint commands run against the embedded, seeded
//! emulator and say so on stderr: no network and no key needed.

mod demo;
mod exec;
mod hooks;
mod out;
mod output;
mod recover;
mod spec_cli;

use std::process::ExitCode;

use clap::{Arg, ArgAction, ArgMatches, Command, value_parser};
use hookspec_spec::Api;

/// Exit codes, documented in `--help`.
const EXIT_HELP: &str = "Exit codes: 0 success (also when stdout is closed early, e.g. by `| head`), \
1 API error (the server answered with an error status), \
2 usage error, 3 transport error (no complete response), 4 other error (e.g. a response that does not decode).\n\
Keys: --key or HOOKSPEC_<API>_KEY (e.g. HOOKSPEC_FIVECENTS_KEY); never printed.\n\
With neither --base-url nor a key, commands run against the embedded emulator.";

/// Why a command failed, and so its exit code.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The server answered with an error status (exit 1).
    Api(String),
    /// Bad arguments or configuration (exit 2).
    Usage(String),
    /// No complete response (exit 3).
    Transport(String),
    /// Anything else (exit 4).
    Other(String),
    /// Stdout was closed by its reader (`| head`): stop quietly, exit 0.
    ClosedPipe,
}

impl Failure {
    fn exit(&self) -> ExitCode {
        let (code, kind, msg) = match self {
            Failure::ClosedPipe => return ExitCode::SUCCESS,
            Failure::Api(m) => (1, "API error", m),
            Failure::Usage(m) => (2, "usage error", m),
            Failure::Transport(m) => (3, "transport error", m),
            Failure::Other(m) => (4, "error", m),
        };
        out::note(&format!("hookspec: {kind}: {msg}"));
        ExitCode::from(code)
    }
}

/// Where to send requests.
#[derive(Debug)]
pub(crate) struct Target {
    pub(crate) base_url: Option<String>,
    pub(crate) key: Option<String>,
    /// The embedded emulator behind this target, if any: it serves as long as the target lives.
    emulator: Option<hookspec_mock::RunningEmulator>,
}

/// Where a command for `api` sends its requests: `--base-url` and `--key` (or
/// `HOOKSPEC_<API>_KEY`); with neither, the embedded, seeded emulator, so that the command
/// works offline (its webhook URL is a receiver on 127.0.0.1, so a resend makes real calls
/// locally), said on stderr.
impl Target {
    /// Whether this is the embedded emulator.
    pub(crate) fn is_emulator(&self) -> bool {
        self.emulator.is_some()
    }
}

pub(crate) async fn target(m: &ArgMatches, api: &str) -> Result<Target, Failure> {
    let key = m.get_one::<String>("key").cloned().or_else(|| {
        std::env::var(spec_cli::key_env(api))
            .ok()
            .filter(|k| !k.is_empty())
    });
    let base_url = m.get_one::<String>("base-url").cloned();
    if base_url.is_some() || key.is_some() {
        return Ok(Target {
            base_url,
            key,
            emulator: None,
        });
    }
    let (hook, _) = demo::receiver().await?;
    let emu = hookspec_mock::Emulator::builder()
        .webhook_urls(vec![hook])
        .start()
        .await
        .map_err(|e| Failure::Other(e.to_string()))?;
    out::note(&format!(
        "hookspec: no --base-url and no key: using the embedded emulator at {} (seeded state)",
        emu.base_url(api)
    ));
    Ok(Target {
        base_url: Some(emu.base_url(api)),
        key: Some(emu.key(api)),
        emulator: Some(emu),
    })
}

/// The specs embedded in the `hookspec` crate, parsed.
fn apis() -> Result<Vec<Api>, Failure> {
    hookspec_mock::embedded_apis().map_err(|e| Failure::Other(e.to_string()))
}

fn root_command(apis: &[Api]) -> Command {
    let mut cmd = Command::new("hookspec")
        .about("Call the webhook APIs of video platforms from their specs, or emulate them")
        .after_help(EXIT_HELP)
        .subcommand_required(true)
        .arg_required_else_help(true)
        .version(env!("CARGO_PKG_VERSION"));
    for api in apis {
        let mut sub = spec_cli::api_command(api);
        // The recovery commands sit next to the endpoint commands of their API.
        match api.name.as_str() {
            "fivecents" => sub = sub.subcommand(recover::fivecents_command(&api.base_url)),
            "omegastream" => sub = sub.subcommand(recover::omegastream_command(&api.base_url)),
            _ => {}
        }
        cmd = cmd.subcommand(sub);
    }
    cmd.subcommand(
        Command::new("mock")
            .about("The local emulator of every API")
            .subcommand_required(true)
            .subcommand(
                Command::new("serve")
                    .about("Serve the emulator on 127.0.0.1 until Ctrl-C")
                    .arg(
                        Arg::new("port")
                            .long("port")
                            .value_parser(value_parser!(u16))
                            .default_value("8080")
                            .help("Port on 127.0.0.1 (0 picks a free one)"),
                    )
                    .arg(
                        Arg::new("admin-token")
                            .long("admin-token")
                            .env("HOOKSPEC_ADMIN_TOKEN")
                            .hide_env_values(true)
                            .help("Token the admin routes (/__admin/…) require; default: a random one, printed at start"),
                    )
                    .arg(
                        Arg::new("spec-dir")
                            .long("spec-dir")
                            .value_name("DIR")
                            .action(ArgAction::Append)
                            .value_parser(value_parser!(std::path::PathBuf))
                            .help("Also serve the API whose spec folder (api.toml and endpoint files) is DIR, under /<its name>; repeatable"),
                    )
                    .arg(
                        Arg::new("rate-limit")
                            .long("rate-limit")
                            .value_parser(value_parser!(hookspec_mock::RateLimits))
                            .default_value("off")
                            .help("Answer 429 over the APIs' rate limits, per key: off, spec (each API's [rate_limit]), or N/s for every API that declares one"),
                    ),
            )
            .subcommand(
                Command::new("fault")
                    .about("Inject a fault into a running emulator's route")
                    .arg(Arg::new("route").required(true).help("<api>.<endpoint>, e.g. fivecents.resend_notification (or resend-notification); `clear` clears this route's fault"))
                    .arg(
                        Arg::new("kind")
                            .required(true)
                            .value_parser(["status", "delay", "drop", "truncate", "malformed", "rate-limit", "clear"]),
                    )
                    .arg(Arg::new("value").value_parser(value_parser!(u64)).help(
                        "status code (status), milliseconds (delay) or Retry-After seconds (rate-limit)",
                    ))
                    .arg(Arg::new("times").long("times").value_parser(value_parser!(u32)).help("Only the next N requests"))
                    .arg(
                        Arg::new("admin-url")
                            .long("admin-url")
                            .required(true)
                            .help("The emulator's address, e.g. http://127.0.0.1:8080"),
                    )
                    .arg(
                        Arg::new("admin-token")
                            .long("admin-token")
                            .env("HOOKSPEC_ADMIN_TOKEN")
                            .hide_env_values(true)
                            .required(true)
                            .help("The emulator's admin token (printed by `hookspec mock serve`)"),
                    ),
            ),
    )
    .subcommands(hooks::commands())
    .subcommand(recover::journal_command())
    .subcommand(
        Command::new("demo")
            .about("The main job against the embedded emulator: list events, show one, resend a job")
            .arg(Arg::new("json").long("json").action(ArgAction::SetTrue).help("JSON output")),
    )
}

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => f.exit(),
    }
}

async fn run() -> Result<(), Failure> {
    let apis = apis()?;
    let matches = root_command(&apis).get_matches();
    match matches.subcommand() {
        Some(("mock", m)) => mock(m).await,
        Some(("demo", m)) => demo::run(m.get_flag("json")).await,
        Some(("listen", m)) => hooks::listen(m).await,
        Some(("trigger", m)) => hooks::trigger(&apis, m).await,
        Some(("journal", m)) => recover::journal(m),
        Some(("fivecents", m)) if matches!(m.subcommand_name(), Some("recover")) => {
            recover::fivecents(m.subcommand_matches("recover").expect("matched")).await
        }
        Some(("omegastream", m)) if matches!(m.subcommand_name(), Some("replay")) => {
            recover::omegastream(m.subcommand_matches("replay").expect("matched")).await
        }
        Some((api_name, m)) => {
            let api = apis
                .iter()
                .find(|a| a.name == api_name)
                .ok_or_else(|| Failure::Usage(format!("unknown API `{api_name}`")))?;
            let Some((cmd, em)) = m.subcommand() else {
                return Err(Failure::Usage("missing endpoint".into()));
            };
            endpoint(api, cmd, em).await
        }
        None => Err(Failure::Usage("missing command".into())),
    }
}

async fn endpoint(api: &Api, cmd: &str, m: &ArgMatches) -> Result<(), Failure> {
    let ep = api
        .endpoints
        .iter()
        .find(|e| spec_cli::command_name(&e.name) == cmd)
        .ok_or_else(|| Failure::Usage(format!("unknown endpoint `{cmd}`")))?;
    let entry = hookspec::APIS
        .iter()
        .find(|e| e.meta.name == api.name)
        .ok_or_else(|| Failure::Other(format!("{} is not bound", api.name)))?;
    let id = format!("{}.{}", api.name, ep.name);
    let meta = entry
        .endpoints
        .iter()
        .copied()
        .find(|e| e.id == id)
        .ok_or_else(|| Failure::Other(format!("{id} is not bound")))?;
    let target = target(m, &api.name).await?;
    let core = exec::client(entry, &target)?;
    let raw = exec::run(&core, meta, api, ep, m).await?;
    if m.get_flag("raw") {
        return out::raw(&raw.body);
    }
    // What the typed client would return: the spec's decoding rules applied.
    let value = (meta.decode_json)(meta.id, raw.status, raw.body)
        .map_err(|e| Failure::Other(out::with_causes(&*e)))?;
    print_value(&value, m.get_flag("json"))
}

pub(crate) fn print_value(value: &serde_json::Value, json: bool) -> Result<(), Failure> {
    if json {
        let text = serde_json::to_string_pretty(value)
            .map_err(|e| Failure::Other(format!("cannot encode the output: {e}")))?;
        out::line(&text)
    } else {
        out::line(&output::table(value))
    }
}

async fn mock(m: &ArgMatches) -> Result<(), Failure> {
    match m.subcommand() {
        Some(("serve", s)) => {
            let port = s.get_one::<u16>("port").copied().unwrap_or(8080);
            let mut builder = hookspec_mock::Emulator::builder().port(port);
            if let Some(token) = s.get_one::<String>("admin-token") {
                builder = builder.admin_token(token.clone());
            }
            if let Some(mode) = s.get_one::<hookspec_mock::RateLimits>("rate-limit") {
                builder = builder.rate_limits(*mode);
            }
            for dir in s
                .get_many::<std::path::PathBuf>("spec-dir")
                .into_iter()
                .flatten()
            {
                // A spec folder's diagnostics name their file:line:col: a usage error.
                let api =
                    hookspec_mock::read_api_dir(dir).map_err(|e| Failure::Usage(e.to_string()))?;
                builder = builder.api(api);
            }
            hookspec_mock::serve(builder)
                .await
                .map_err(|e| Failure::Other(e.to_string()))
        }
        Some(("fault", f)) => fault(f).await,
        _ => Err(Failure::Usage("expected `serve` or `fault`".into())),
    }
}

async fn fault(f: &ArgMatches) -> Result<(), Failure> {
    let admin = f
        .get_one::<String>("admin-url")
        .map_or("", String::as_str)
        .trim_end_matches('/');
    reqwest::Url::parse(admin).map_err(|e| Failure::Usage(format!("--admin-url {admin}: {e}")))?;
    // `<api>.<endpoint>`, also in the spelling of the CLI's subcommands
    // (`fivecents.resend-notification`).
    let route = f
        .get_one::<String>("route")
        .map(|r| r.replace('-', "_"))
        .unwrap_or_default();
    let kind = f.get_one::<String>("kind").map_or("", String::as_str);
    let value = f.get_one::<u64>("value").copied();
    let need = |what: &str| value.ok_or_else(|| Failure::Usage(format!("`{kind}` needs {what}")));
    let token = f
        .get_one::<String>("admin-token")
        .cloned()
        .unwrap_or_default();
    let http = reqwest::Client::new();
    let request = if kind == "clear" {
        let mut url = reqwest::Url::parse(&format!("{admin}/__admin/faults"))
            .map_err(|e| Failure::Usage(format!("invalid --admin-url: {e}")))?;
        url.query_pairs_mut().append_pair("route", &route);
        http.delete(url)
    } else {
        let fault = match kind {
            "status" => serde_json::json!({"kind": "status", "status": need("a status code")?}),
            "delay" => serde_json::json!({"kind": "delay", "millis": need("milliseconds")?}),
            "drop" => serde_json::json!({"kind": "drop_connection"}),
            "truncate" => serde_json::json!({"kind": "truncated_body"}),
            "malformed" => serde_json::json!({"kind": "malformed_body"}),
            _ => {
                serde_json::json!({"kind": "rate_limited", "retry_after_secs": need("Retry-After seconds")?})
            }
        };
        let rule =
            serde_json::json!({"route": route, "fault": fault, "times": f.get_one::<u32>("times")});
        http.post(format!("{admin}/__admin/faults"))
            .header("content-type", "application/json")
            .body(rule.to_string())
    };
    let resp = request
        .bearer_auth(token)
        .send()
        .await
        .map_err(|e| Failure::Transport(out::with_causes(&e)))?;
    if resp.status().is_success() {
        out::note(&if kind == "clear" {
            format!("hookspec: faults of {route} cleared")
        } else {
            format!("hookspec: fault `{kind}` set on {route}")
        });
        Ok(())
    } else {
        let status = resp.status();
        let text = resp.text().await.unwrap_or_default();
        Err(Failure::Api(format!("HTTP {status}: {text}")))
    }
}
