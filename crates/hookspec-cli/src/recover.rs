//! `hookspec fivecents recover`, `hookspec omegastream replay` and `hookspec journal`: a thin
//! layer over the `hookspec-recover` library (plan, journal, execute), with a progress bar
//! on stderr when it is a terminal, a summary table, Ctrl-C handling and exit codes.
//!
//! These subcommands sit next to the ones generated from the specs (`hookspec fivecents
//! recover` beside `hookspec fivecents resend-notification`); a test checks that no endpoint
//! command takes their names.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::{Arg, ArgAction, ArgMatches, Command, value_parser};
use hookspec::Timestamp;
use hookspec_recover::fivecents::RecoverParams;
use hookspec_recover::omegastream::ReplayParams;
use hookspec_recover::{
    FileJournal, Journal, JournalError, JournalView, Options, Plan, PlanError, PlanKind, Progress,
    RecoverError, Report, StopFlag,
};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{Value, json};

use crate::spec_cli::key_env;
use crate::{Failure, out, output};
use crate::{Target, target};

const TIME_HELP: &str =
    "RFC 3339 (2026-04-01T00:00:00Z), or `YYYY-MM-DD HH:MM` / `YYYY-MM-DD` in UTC";

fn target_args(cmd: Command, api: &str, base: &str) -> Command {
    cmd.arg(
        Arg::new("base-url")
            .long("base-url")
            .value_name("URL")
            .help(format!("Base URL of the API (default: {base})")),
    )
    .arg(Arg::new("key").long("key").value_name("KEY").help(format!(
        "API key or token (or set {}); never printed",
        key_env(api)
    )))
}

fn run_args(cmd: Command) -> Command {
    cmd.arg(
        Arg::new("since")
            .long("since")
            .required(true)
            .value_name("T1")
            .value_parser(parse_time)
            .help(format!("Start of the window: {TIME_HELP}")),
    )
    .arg(
        Arg::new("until")
            .long("until")
            .required(true)
            .value_name("T2")
            .value_parser(parse_time)
            .help(format!("End of the window: {TIME_HELP}")),
    )
    .arg(
        Arg::new("dry-run")
            .long("dry-run")
            .action(ArgAction::SetTrue)
            .help("Print the plan and stop (nothing is sent, no journal is written)"),
    )
    .arg(
        Arg::new("json")
            .long("json")
            .action(ArgAction::SetTrue)
            .help("JSON lines: the plan's items (--dry-run), or the final report"),
    )
    .arg(
        Arg::new("concurrency")
            .long("concurrency")
            .value_name("N")
            .value_parser(value_parser!(u16).range(1..=256))
            .default_value("4")
            .help("Requests in flight at once (the API's rate limit is shared by all)"),
    )
    .arg(
        Arg::new("journal")
            .long("journal")
            .value_name("FILE")
            .value_parser(value_parser!(PathBuf))
            .help("The journal file (default: derived from the arguments, in the current directory); the same journal resumes a run"),
    )
    .arg(
        Arg::new("retry-failed")
            .long("retry-failed")
            .action(ArgAction::SetTrue)
            .help("Also send again the items whose hooks failed last time (a 5centscdn resend calls every hook of the job again, those that answered 2xx too)"),
    )
    .arg(
        Arg::new("resend-uncertain")
            .long("resend-uncertain")
            .action(ArgAction::SetTrue)
            .help("Also send again the items that may have been delivered (a run stopped while they were in flight, or no usable answer)"),
    )
}

/// `hookspec fivecents recover`.
pub(crate) fn fivecents_command(base: &str) -> Command {
    let cmd = Command::new("recover")
        .about("Resend the completion notifications of a window's encode jobs, once each (journaled, resumable)")
        .long_about(
            "Finds the completed encode jobs of zone Z between T1 and T2 (the date-range job-log \
             endpoint, one request per 31 days), then resends each job's notification once, \
             within the API's rate limit, recording intent and outcome of each in a journal. \
             Running the same command again resumes; jobs that may have been delivered without \
             an answer are listed and resent only with --resend-uncertain.",
        )
        .arg(
            Arg::new("zone")
                .long("zone")
                .required(true)
                .value_name("Z")
                .value_parser(value_parser!(i64))
                .help("Zone id"),
        )
        .arg(
            Arg::new("profile")
                .long("profile")
                .value_name("P")
                .help("Only the jobs of this encoding profile"),
        );
    target_args(run_args(cmd), "fivecents", base)
}

/// `hookspec omegastream replay`.
pub(crate) fn omegastream_command(base: &str) -> Command {
    let cmd = Command::new("replay")
        .about("POST a window's webhook events to a URL as OmegaStream would, once per event (journaled, resumable)")
        .arg(
            Arg::new("endpoint")
                .long("endpoint")
                .required(true)
                .value_name("ID")
                .help("Webhook endpoint id"),
        )
        .arg(
            Arg::new("type")
                .long("type")
                .value_name("TYPE,…")
                .value_delimiter(',')
                .action(ArgAction::Append)
                .help("Only these event types (e.g. video.process_failed,video.deleted)"),
        )
        .arg(
            Arg::new("failed-only")
                .long("failed-only")
                .action(ArgAction::SetTrue)
                .help("Only events whose recorded response is missing or not 2xx"),
        )
        .arg(
            Arg::new("to")
                .long("to")
                .required(true)
                .value_name("URL")
                .help("Where to POST the event envelopes"),
        );
    target_args(run_args(cmd), "omegastream", base)
}

/// `hookspec journal`.
pub(crate) fn journal_command() -> Command {
    let file = || {
        Arg::new("file")
            .required(true)
            .value_name("FILE")
            .value_parser(value_parser!(PathBuf))
            .help("The journal file")
    };
    let json = || {
        Arg::new("json")
            .long("json")
            .action(ArgAction::SetTrue)
            .help("JSON lines instead of tables")
    };
    Command::new("journal")
        .about("Read a recover/replay journal")
        .subcommand_required(true)
        .subcommand(
            Command::new("show")
                .about("The plan, the runs, the items by state, the hooks")
                .arg(file())
                .arg(json()),
        )
        .subcommand(
            Command::new("export")
                .about("Every item with its state, attempts and last outcome (JSON lines; a table without --json)")
                .arg(file())
                .arg(json()),
        )
}

/// Parses a time given on the command line.
pub(crate) fn parse_time(s: &str) -> Result<Timestamp, String> {
    let s = s.trim();
    if let Ok(t) = s.parse::<Timestamp>() {
        return Ok(t);
    }
    for format in [
        "%Y-%m-%d %H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d",
    ] {
        let parsed = if format == "%Y-%m-%d" {
            jiff::civil::Date::strptime(format, s)
                .map(|d| d.to_datetime(jiff::civil::Time::midnight()))
        } else {
            jiff::civil::DateTime::strptime(format, s)
        };
        if let Ok(dt) = parsed
            && let Ok(t) = jiff::tz::TimeZone::UTC.to_timestamp(dt)
        {
            return Ok(t);
        }
    }
    Err(format!("`{s}` is not a time ({TIME_HELP})"))
}

fn plan_failure(e: PlanError) -> Failure {
    match e {
        PlanError::Fivecents(e) => Failure::from_typed(e),
        PlanError::Omegastream(e) => Failure::from_typed(e),
        other => Failure::Usage(other.to_string()),
    }
}

fn journal_failure(e: JournalError) -> Failure {
    match e {
        JournalError::Io { .. } | JournalError::Backend(_) => Failure::Other(out::with_causes(&e)),
        _ => Failure::Usage(e.to_string()),
    }
}

fn recover_failure(e: RecoverError) -> Failure {
    match e {
        RecoverError::Journal(j) => journal_failure(j),
        other => Failure::Other(out::with_causes(&other)),
    }
}

/// A typed client for `target`; a target without a key is a usage error naming where a key
/// comes from.
fn client<C: hookspec::runtime::FromCore>(target: &Target, api: &str) -> Result<C, Failure> {
    let Some(key) = &target.key else {
        return Err(Failure::Usage(format!(
            "no API key (pass --key or set {})",
            key_env(api)
        )));
    };
    let mut builder = hookspec::ClientBuilder::<C>::new().credentials(key.clone());
    if let Some(url) = &target.base_url {
        builder = builder.base_url(url.clone());
    }
    builder.build().map_err(|e| Failure::Usage(e.to_string()))
}

fn options(m: &ArgMatches) -> Options {
    Options {
        concurrency: usize::from(m.get_one::<u16>("concurrency").copied().unwrap_or(4)),
        retry_failed: m.get_flag("retry-failed"),
        resend_uncertain: m.get_flag("resend-uncertain"),
    }
}

fn time_arg(m: &ArgMatches, id: &str) -> Timestamp {
    m.get_one::<Timestamp>(id).copied().unwrap_or_default()
}

fn journal_path(m: &ArgMatches, default_name: String) -> PathBuf {
    m.get_one::<PathBuf>("journal")
        .cloned()
        .unwrap_or_else(|| PathBuf::from(default_name))
}

/// The journal's plan when it holds this one (a resume plans nothing), an error when it
/// holds another, `None` when it is empty.
/// The plan a journal holds, as the run needs it: its kind and params, not its items (the run
/// reads those back from the journal one at a time), and how many items it has.
fn recorded_plan(
    journal: &mut FileJournal,
    kind: PlanKind,
    params: &Value,
) -> Result<Option<(Plan, usize)>, Failure> {
    match journal.run_state().map_err(journal_failure)? {
        None => Ok(None),
        Some(st) if st.kind == kind && &st.params == params => Ok(Some((
            Plan {
                kind: st.kind,
                params: st.params,
                items: Vec::new(),
            },
            st.states.len(),
        ))),
        Some(st) => Err(journal_failure(JournalError::OtherPlan {
            location: journal.location(),
            journal: st.describe(),
            requested: format!("{} {params}", kind.as_str()),
        })),
    }
}

/// The plan a journal already holds for this run (never read for a dry run), saying on stderr
/// that the run resumes.
fn resumed_plan(
    journal: &mut FileJournal,
    path: &std::path::Path,
    dry_run: bool,
    kind: PlanKind,
    params: &Value,
) -> Result<Option<Plan>, Failure> {
    if dry_run {
        return Ok(None);
    }
    let Some((plan, items)) = recorded_plan(journal, kind, params)? else {
        return Ok(None);
    };
    out::note(&format!(
        "hookspec: resuming from journal {} ({items} items planned)",
        path.display(),
    ));
    Ok(Some(plan))
}

fn print_plan(plan: &Plan, json: bool) -> Result<(), Failure> {
    if json {
        for item in &plan.items {
            let mut row = serde_json::Map::new();
            row.insert("key".into(), json!(item.key));
            add_detail(&mut row, &item.detail);
            out::line(&Value::Object(row).to_string())?;
        }
        return Ok(());
    }
    let rows: Vec<Value> = plan
        .items
        .iter()
        .map(|item| {
            let mut row = serde_json::Map::new();
            row.insert("key".into(), json!(item.key));
            add_detail(&mut row, &item.detail);
            Value::Object(row)
        })
        .collect();
    out::line(&output::table(&Value::Array(rows)))?;
    out::line(&format!(
        "{} item(s) planned ({})",
        plan.items.len(),
        plan.describe()
    ))
}

/// The command line that resumes this run: this one, with the journal named, and without the
/// API key (the message names the environment variable to set instead).
fn resume_command(journal: &Path) -> String {
    resume_args(std::env::args().collect(), journal)
}

fn resume_args(mut args: Vec<String>, journal: &Path) -> String {
    if let Some(first) = args.first_mut() {
        *first = "hookspec".into();
    }
    // The key is a credential: never echoed, even where the user typed it.
    let mut had_key = false;
    let mut kept = Vec::with_capacity(args.len());
    let mut rest = args.into_iter();
    while let Some(a) = rest.next() {
        if a == "--key" {
            had_key = true;
            rest.next();
        } else if a.starts_with("--key=") {
            had_key = true;
        } else {
            kept.push(a);
        }
    }
    if !kept
        .iter()
        .any(|a| a == "--journal" || a.starts_with("--journal="))
    {
        kept.push("--journal".into());
        kept.push(journal.display().to_string());
    }
    let line = kept
        .iter()
        .map(|a| {
            if a.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_./:=,@".contains(c))
            {
                a.clone()
            } else {
                format!("'{}'", a.replace('\'', r"'\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ");
    match kept.get(1) {
        Some(api) if had_key => format!(
            "{line}\n  (the API key left out: set {} to it)",
            key_env(api)
        ),
        _ => line,
    }
}

fn progress_bar() -> Option<ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} items  {per_sec}  ETA {eta}  {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    Some(bar)
}

/// Ctrl-C raises the flag: no new item is taken, in-flight ones finish and are recorded.
fn stop_on_ctrl_c() -> Arc<StopFlag> {
    let stop = Arc::new(StopFlag::new());
    let flag = stop.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            flag.stop();
            out::note(
                "hookspec: stopping: no new items; waiting for the ones in flight… (Ctrl-C again to quit now: they would be left uncertain)",
            );
        }
        if tokio::signal::ctrl_c().await.is_ok() {
            out::note(
                "hookspec: quitting; the items in flight may have been delivered (see `hookspec journal show`)",
            );
            std::process::exit(130);
        }
    });
    stop
}

fn print_report(report: &Report, json: bool, journal: &Path) -> Result<(), Failure> {
    if json {
        let text = serde_json::to_string(report)
            .map_err(|e| Failure::Other(format!("cannot encode the report: {e}")))?;
        out::line(&text)?;
    } else {
        let rows: Vec<Value> = report
            .hooks
            .iter()
            .map(|(hook, s)| json!({"hook": hook, "succeeded": s.succeeded, "failed": s.failed}))
            .collect();
        if !rows.is_empty() {
            out::line(&output::table(&Value::Array(rows)))?;
        }
        let states: Vec<String> = report
            .states
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect();
        out::line(&format!(
            "run {}: sent {} of {} selected ({} in the plan): {} delivered, {} hook failures, {} not sent, {} uncertain. Journal: {} ({})",
            report.run,
            report.sent,
            report.selected,
            report.total,
            report.delivered,
            report.failed,
            report.not_sent,
            report.uncertain,
            journal.display(),
            states.join(", ")
        ))?;
    }
    if !report.uncertain_skipped.is_empty() {
        out::note(&format!(
            "hookspec: {} item(s) may have been delivered and were not sent again: {} (add --resend-uncertain to send them)",
            report.uncertain_skipped.len(),
            report.uncertain_skipped.join(", ")
        ));
    }
    Ok(())
}

/// Prints the report, then says how the run ended: a reader that closed stdout early (`| head`)
/// cuts the report short, not the exit status or the command that resumes.
fn report_and_outcome(report: &Report, json: bool, journal: &Path) -> Result<(), Failure> {
    match print_report(report, json, journal) {
        Ok(()) | Err(Failure::ClosedPipe) => outcome_of(report, journal),
        Err(other) => Err(other),
    }
}

fn outcome_of(report: &Report, journal: &Path) -> Result<(), Failure> {
    if report.interrupted {
        return Err(Failure::Other(format!(
            "interrupted after {} of {} items (all recorded); resume with:\n  {}",
            report.sent,
            report.selected,
            resume_command(journal)
        )));
    }
    if !report.complete() {
        let states: Vec<String> = report
            .states
            .iter()
            .filter(|(k, _)| **k != "delivered")
            .map(|(k, v)| format!("{v} {k}"))
            .collect();
        return Err(Failure::Api(format!(
            "not every item is delivered cleanly ({}); see `hookspec journal show {}`",
            states.join(", "),
            journal.display()
        )));
    }
    Ok(())
}

fn progress_callback(bar: Option<ProgressBar>) -> impl Fn(&Progress<'_>) + Sync {
    move |p: &Progress<'_>| {
        let Some(bar) = &bar else { return };
        match *p {
            Progress::Started { to_send, .. } => bar.set_length(to_send as u64),
            Progress::Item { key, done, .. } => {
                bar.set_position(done as u64);
                bar.set_message(key.to_owned());
            }
            _ => {}
        }
    }
}

/// `hookspec fivecents recover …`.
pub(crate) async fn fivecents(m: &ArgMatches) -> Result<(), Failure> {
    let target = target(m, "fivecents").await?;
    let client: hookspec::fivecents::Client = client(&target, "fivecents")?;
    let params = RecoverParams {
        zone: m.get_one::<i64>("zone").copied().unwrap_or_default(),
        since: time_arg(m, "since"),
        until: time_arg(m, "until"),
        profile: m.get_one::<String>("profile").cloned(),
        target: Some(plan_target(&target, client.core())),
    };
    let json = m.get_flag("json");
    let dry_run = m.get_flag("dry-run");
    let path = journal_path(
        m,
        format!(
            "hookspec-recover-{}-{}-{}{}.jsonl",
            params.zone,
            params.since.as_second(),
            params.until.as_second(),
            emulator_suffix(&target)
        ),
    );
    let mut journal = FileJournal::new(&path);
    let plan = match resumed_plan(
        &mut journal,
        &path,
        dry_run,
        PlanKind::FivecentsRecover,
        &params.to_json(),
    )? {
        Some(plan) => plan,
        None => hookspec_recover::fivecents::plan(&client, &params)
            .await
            .map_err(plan_failure)?,
    };
    if dry_run {
        return print_plan(&plan, json);
    }
    let stop = stop_on_ctrl_c();
    let bar = progress_bar();
    let progress = progress_callback(bar.clone());
    let report = hookspec_recover::fivecents::execute_until(
        &client,
        plan,
        &mut journal,
        &options(m),
        &stop,
        &progress,
    )
    .await
    .map_err(recover_failure)?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    report_and_outcome(&report, json, &path)
}

/// What a plan records as its target: `embedded emulator` (whose address changes from run to
/// run), else the base URL the client uses, as the library records it.
fn plan_target(target: &Target, client: &hookspec::runtime::ClientCore) -> String {
    if target.is_emulator() {
        "embedded emulator".to_owned()
    } else {
        hookspec_recover::target_name(client.base_url())
    }
}

/// What a default journal name adds for a run against the embedded emulator: its journals
/// are never taken for those of the real API (a resume against another target is refused).
fn emulator_suffix(target: &Target) -> &'static str {
    if target.is_emulator() {
        "-emulator"
    } else {
        ""
    }
}

/// `hookspec omegastream replay …`.
pub(crate) async fn omegastream(m: &ArgMatches) -> Result<(), Failure> {
    let target = target(m, "omegastream").await?;
    let client: hookspec::omegastream::Client = client(&target, "omegastream")?;
    let params = ReplayParams {
        endpoint: m.get_one::<String>("endpoint").cloned().unwrap_or_default(),
        since: time_arg(m, "since"),
        until: time_arg(m, "until"),
        types: m
            .get_many::<String>("type")
            .map(|v| v.filter(|t| !t.is_empty()).cloned().collect())
            .unwrap_or_default(),
        failed_only: m.get_flag("failed-only"),
        to: m.get_one::<String>("to").cloned().unwrap_or_default(),
        target: Some(plan_target(&target, client.core())),
    };
    let json = m.get_flag("json");
    let dry_run = m.get_flag("dry-run");
    let options = options(m);
    let path = journal_path(
        m,
        format!(
            "hookspec-replay-{}-{}-{}{}.jsonl",
            params
                .endpoint
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .collect::<String>(),
            params.since.as_second(),
            params.until.as_second(),
            emulator_suffix(&target)
        ),
    );
    let mut journal = FileJournal::new(&path);
    let plan = match resumed_plan(
        &mut journal,
        &path,
        dry_run,
        PlanKind::OmegastreamReplay,
        &params.to_json(),
    )? {
        Some(plan) => plan,
        None => hookspec_recover::omegastream::plan(&client, &params, options.concurrency)
            .await
            .map_err(plan_failure)?,
    };
    if dry_run {
        return print_plan(&plan, json);
    }
    // A 30 s limit per delivery; `execute_until` sets that no redirect is followed.
    let http = hookspec::reqwest::Client::builder().timeout(std::time::Duration::from_secs(30));
    let stop = stop_on_ctrl_c();
    let bar = progress_bar();
    let progress = progress_callback(bar.clone());
    let report = hookspec_recover::omegastream::execute_until(
        http,
        plan,
        &mut journal,
        &options,
        &stop,
        &progress,
    )
    .await
    .map_err(recover_failure)?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    report_and_outcome(&report, json, &path)
}

fn load_view(file: &Path) -> Result<JournalView, Failure> {
    // Read without the lock: a journal can be looked at while a run writes it.
    let mut journal = FileJournal::new(file);
    let loaded = journal
        .read()
        .map_err(journal_failure)?
        .ok_or_else(|| Failure::Usage(format!("{} holds no journal", file.display())))?;
    JournalView::from_loaded(loaded).map_err(|message| {
        journal_failure(JournalError::Corrupt {
            location: file.display().to_string(),
            line: 0,
            message,
        })
    })
}

/// The fields of an item's detail, except the envelope a replay POSTs (too long for a row).
fn add_detail(row: &mut serde_json::Map<String, Value>, detail: &hookspec::RawJson) {
    if let Ok(Value::Object(d)) = detail.to_value() {
        row.extend(d.into_iter().filter(|(k, _)| k != "envelope"));
    }
}

fn item_row(it: &hookspec_recover::ItemView) -> Value {
    let mut row = serde_json::Map::new();
    row.insert("key".into(), json!(it.item.key));
    row.insert("state".into(), json!(it.state.name()));
    row.insert("attempts".into(), json!(it.attempts));
    add_detail(&mut row, &it.item.detail);
    if let Some(last) = &it.last {
        let hooks: Vec<String> = last
            .calls
            .iter()
            .map(|c| {
                format!(
                    "{} {}",
                    c.hook,
                    c.status.map_or("-".to_owned(), |s| s.to_string())
                )
            })
            .collect();
        row.insert("hooks".into(), json!(hooks.join("; ")));
        if let Some(e) = &last.error {
            row.insert("error".into(), json!(e));
        }
    }
    Value::Object(row)
}

/// `hookspec journal show|export FILE`.
pub(crate) fn journal(m: &ArgMatches) -> Result<(), Failure> {
    let Some((cmd, sm)) = m.subcommand() else {
        return Err(Failure::Usage("expected `show` or `export`".into()));
    };
    let file = sm.get_one::<PathBuf>("file").cloned().unwrap_or_default();
    let json = sm.get_flag("json");
    let view = load_view(&file)?;
    match cmd {
        "export" => {
            if json {
                for it in &view.items {
                    let line =
                        serde_json::to_string(it).map_err(|e| Failure::Other(e.to_string()))?;
                    out::line(&line)?;
                }
                Ok(())
            } else {
                let rows: Vec<Value> = view.items.iter().map(item_row).collect();
                out::line(&output::table(&Value::Array(rows)))
            }
        }
        _ => {
            let uncertain: Vec<&str> = view
                .items
                .iter()
                .filter(|i| i.state.is_uncertain())
                .map(|i| i.item.key.as_str())
                .collect();
            if json {
                let summary = json!({
                    "kind": view.kind.as_str(),
                    "params": view.params,
                    "items": view.items.len(),
                    "states": view.counts(),
                    "runs": view.runs,
                    "hooks": view.hooks(),
                    "uncertain": uncertain,
                });
                return out::line(&summary.to_string());
            }
            out::line(&format!(
                "{} {} — {} items",
                view.kind.as_str(),
                view.params,
                view.items.len()
            ))?;
            let runs: Vec<Value> = view
                .runs
                .iter()
                .map(|r| {
                    json!({"run": r.run, "started": r.at, "sent": r.sent,
                           "ended": match (r.ended, r.interrupted) { (false, _) => "no (the process stopped)", (true, true) => "interrupted", (true, false) => "yes" }})
                })
                .collect();
            if !runs.is_empty() {
                out::line(&output::table(&Value::Array(runs)))?;
            }
            let states: Vec<Value> = view
                .counts()
                .into_iter()
                .map(|(k, v)| json!({"state": k, "items": v}))
                .collect();
            out::line(&output::table(&Value::Array(states)))?;
            let hooks: Vec<Value> = view
                .hooks()
                .into_iter()
                .map(|(h, s)| json!({"hook": h, "succeeded": s.succeeded, "failed": s.failed}))
                .collect();
            if !hooks.is_empty() {
                out::line(&output::table(&Value::Array(hooks)))?;
            }
            if !uncertain.is_empty() {
                out::line(&format!(
                    "may have been delivered (sent again only with --resend-uncertain): {}",
                    uncertain.join(", ")
                ))?;
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    #[test]
    fn recovery_commands_do_not_clash_with_endpoint_commands() {
        let apis = crate::apis().expect("embedded specs");
        for api in &apis {
            for ep in &api.endpoints {
                let name = crate::spec_cli::command_name(&ep.name);
                assert!(
                    name != "recover" && name != "replay",
                    "{}.{}",
                    api.name,
                    ep.name
                );
            }
        }
        // clap's own check: unique names, valid arguments.
        crate::root_command(&apis).debug_assert();
    }

    #[test]
    fn times_parse_in_every_accepted_form() {
        let t: Timestamp = "2026-04-01T00:00:00Z".parse().unwrap();
        for s in [
            "2026-04-01T00:00:00Z",
            "2026-04-01 00:00",
            "2026-04-01",
            "2026-04-01T00:00",
            "2026-04-01 00:00:00",
        ] {
            assert_eq!(parse_time(s), Ok(t), "{s}");
        }
        assert!(parse_time("April 1st").is_err());
    }

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|a| (*a).to_owned()).collect()
    }

    #[test]
    fn the_resume_command_never_echoes_the_key() {
        let journal = Path::new("j.jsonl");
        for given in [
            &[
                "/bin/hookspec",
                "fivecents",
                "recover",
                "--key",
                "s3cret value",
                "--zone",
                "7",
            ][..],
            &[
                "hookspec",
                "fivecents",
                "recover",
                "--key=s3cret value",
                "--zone",
                "7",
            ][..],
        ] {
            assert_eq!(
                resume_args(args(given), journal),
                "hookspec fivecents recover --zone 7 --journal j.jsonl\n  (the API key left out: set HOOKSPEC_FIVECENTS_KEY to it)"
            );
        }
        // Without a key on the command line: the command alone, the journal kept as given.
        assert_eq!(
            resume_args(
                args(&[
                    "hookspec",
                    "omegastream",
                    "replay",
                    "--journal",
                    "my j.jsonl",
                    "--type",
                    "a b"
                ]),
                journal
            ),
            "hookspec omegastream replay --journal 'my j.jsonl' --type 'a b'"
        );
    }
}
