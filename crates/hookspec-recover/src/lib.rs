//! # hookspec-recover
//!
//! Make every webhook notification of a time window arrive again, once.
//!
//! - [`fivecents`]: find the completed encode jobs of a window (the date-range job-log
//!   endpoint, split into windows of at most 31 days) and resend each job's completion
//!   notification once, within the API's rate limit, recording each job's webhook call log.
//! - [`omegastream`]: OmegaStream has no resend API: list an endpoint's events of the window,
//!   fetch each one in full and POST its envelope (with `data` byte for byte) to a URL you
//!   name, once per (event, URL).
//!
//! Both go through the same steps: a [`Plan`] (the items, in order), a [`Journal`] that
//! records the plan, then per item an *intent* (written and synced before the request) and an
//! *outcome* (after it). Running again with the same journal resumes where it stopped. An item
//! with an intent and no outcome — or whose request ended without a usable answer — *may have
//! been delivered*: it is never sent again on its own; it is reported as uncertain and sent
//! only with [`Options::resend_uncertain`].
//!
//! A run's memory does not grow with the plan's items: `execute` writes the plan to the
//! journal and drops it, keeps a state of a few bytes per item, and reads the items back from
//! the journal one at a time as workers free up ([`Journal::run_state`], [`Journal::items`]).
//! A journal that already holds the plan wins over the one passed (only its kind and params
//! must agree), so a resume may pass the plan with no items.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use hookspec_recover::{fivecents, FileJournal, Options};
//!
//! let client = hookspec::fivecents::Client::new("KEY")?;
//! let params = fivecents::RecoverParams {
//!     zone: 1234,
//!     since: "2026-03-01T00:00:00Z".parse()?,
//!     until: "2026-04-15T00:00:00Z".parse()?,
//!     profile: None,
//!     target: None, // the client's base URL
//! };
//! let mut journal = FileJournal::new("recover-1234.jsonl");
//! let plan = fivecents::plan(&client, &params).await?;
//! let report = fivecents::execute(&client, plan, &mut journal, &Options::default(), &|_| {}).await?;
//! println!("{} delivered, {} uncertain", report.delivered, report.uncertain);
//! # Ok(()) }
//! ```

pub mod fivecents;
pub mod journal;
pub mod omegastream;

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use futures_util::StreamExt;
use serde::{Deserialize, Serialize};

pub use journal::{FileJournal, Journal, JournalError, Loaded, MemoryJournal, Record};

/// What a plan recovers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum PlanKind {
    /// 5centscdn: resend the completion notifications of encode jobs.
    #[serde(rename = "fivecents.recover")]
    FivecentsRecover,
    /// OmegaStream: POST event envelopes to a URL.
    #[serde(rename = "omegastream.replay")]
    OmegastreamReplay,
}

impl PlanKind {
    /// `fivecents.recover` or `omegastream.replay`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::FivecentsRecover => "fivecents.recover",
            Self::OmegastreamReplay => "omegastream.replay",
        }
    }
}

/// The items to deliver, in order, and what they were chosen by.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// What kind of recovery.
    pub kind: PlanKind,
    /// What the plan was made from (zone, window, target…): two plans with the same kind and
    /// params are the same plan, and a journal holds one plan only.
    pub params: serde_json::Value,
    /// The items.
    pub items: Vec<PlanItem>,
}

impl Plan {
    /// `kind` and `params` in one line, for messages.
    pub fn describe(&self) -> String {
        describe(self.kind, &self.params)
    }
}

/// A plan's `kind` and `params` in one line, for messages.
fn describe(kind: PlanKind, params: &serde_json::Value) -> String {
    format!("{} {params}", kind.as_str())
}

/// One thing to deliver.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanItem {
    /// Unique within the plan: `<zone>/<index>` for a job, the event id for an event.
    pub key: String,
    /// What the sender needs, and what a listing shows (kind-specific JSON), kept as its
    /// compact text: a 100 000-item plan is held in memory for the run, and a parsed
    /// `serde_json::Value` object costs several times its text.
    pub detail: hookspec::RawJson,
}

/// How an item's request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Delivered, and every webhook call answered 2xx.
    Delivered,
    /// Delivered, but a webhook call failed (sent again with [`Options::retry_failed`]).
    Failed,
    /// Certainly not delivered (the server refused it, or it never left): sent again by the
    /// next run.
    NotSent,
    /// May have been delivered (no usable answer): sent again only with
    /// [`Options::resend_uncertain`].
    Uncertain,
}

/// One webhook call of an item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HookCall {
    /// The URL called.
    pub hook: String,
    /// Its HTTP status, if it answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<i64>,
    /// What went wrong, if anything was reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// When (unix seconds), if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<i64>,
}

impl HookCall {
    /// Whether the call answered 2xx.
    pub fn succeeded(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }
}

/// What came of one item's request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    /// How it ended.
    pub status: Status,
    /// The webhook calls it made (5centscdn: the resend's call log; replay: the one POST).
    #[serde(default)]
    pub calls: Vec<HookCall>,
    /// The error, when the request failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// How to run.
#[derive(Debug, Clone)]
pub struct Options {
    /// Requests in flight at once (at least 1). The rate limit is the client's, shared by all.
    pub concurrency: usize,
    /// Also send the items whose last outcome was [`Status::Failed`]. A 5centscdn resend calls
    /// every webhook of the job again: the hooks that answered 2xx get the notification twice.
    pub retry_failed: bool,
    /// Also send the items that may have been delivered ([`Status::Uncertain`], or an intent
    /// without an outcome).
    pub resend_uncertain: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            concurrency: 4,
            retry_failed: false,
            resend_uncertain: false,
        }
    }
}

/// Where an item stands in a journal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemState {
    /// Never sent.
    Pending,
    /// Last request: this status.
    Done(Status),
    /// An intent without an outcome: the process stopped while its request was out.
    Interrupted,
}

impl ItemState {
    /// Whether the item may have been delivered without an answer recorded.
    pub fn is_uncertain(self) -> bool {
        matches!(self, Self::Interrupted | Self::Done(Status::Uncertain))
    }

    /// A short name: `pending`, `delivered`, `failed`, `not_sent`, `uncertain`, `interrupted`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Interrupted => "interrupted",
            Self::Done(Status::Delivered) => "delivered",
            Self::Done(Status::Failed) => "failed",
            Self::Done(Status::NotSent) => "not_sent",
            Self::Done(Status::Uncertain) => "uncertain",
        }
    }
}

/// One item as the journal tells it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemView {
    /// The item.
    pub item: PlanItem,
    /// Where it stands.
    pub state: ItemState,
    /// How many requests were sent for it (intents).
    pub attempts: u32,
    /// Its last outcome.
    pub last: Option<Outcome>,
}

/// A run as the journal tells it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunView {
    /// Run number.
    pub run: u32,
    /// When it started.
    pub at: String,
    /// Intents written in it.
    pub sent: usize,
    /// Whether its end was recorded (`false`: the process stopped during it).
    pub ended: bool,
    /// Whether it was stopped (Ctrl-C) before sending every selected item.
    pub interrupted: bool,
}

/// What a journal holds, item by item.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JournalView {
    /// The plan's kind.
    pub kind: PlanKind,
    /// The plan's params.
    pub params: serde_json::Value,
    /// Every item, in plan order.
    pub items: Vec<ItemView>,
    /// Every run.
    pub runs: Vec<RunView>,
}

impl JournalView {
    /// Replays the records over the plan.
    pub fn from_loaded(loaded: Loaded) -> Result<Self, String> {
        let Loaded { plan, records } = loaded;
        let mut builder = ViewBuilder::new(plan)?;
        for record in records {
            builder.apply(record)?;
        }
        Ok(builder.finish())
    }

    /// Items per state name.
    pub fn counts(&self) -> BTreeMap<&'static str, usize> {
        let mut c = BTreeMap::new();
        for it in &self.items {
            *c.entry(it.state.name()).or_default() += 1;
        }
        c
    }

    /// Per hook URL, the calls of every item's last outcome.
    pub fn hooks(&self) -> BTreeMap<String, HookStats> {
        let mut hooks = BTreeMap::new();
        for it in &self.items {
            if let Some(o) = &it.last {
                add_calls(&mut hooks, &o.calls);
            }
        }
        hooks
    }
}

/// A [`JournalView`] built record by record, so that a journal need not hold its records
/// (see [`Journal::view`]).
#[derive(Debug)]
pub struct ViewBuilder {
    view: JournalView,
    index: HashMap<String, usize>,
}

impl ViewBuilder {
    /// Starts from the plan: every item pending. Two items with one key are an error.
    pub fn new(plan: Plan) -> Result<Self, String> {
        let index: HashMap<String, usize> = plan
            .items
            .iter()
            .enumerate()
            .map(|(i, it)| (it.key.clone(), i))
            .collect();
        if index.len() != plan.items.len() {
            return Err("the plan has two items with the same key".into());
        }
        let items = plan
            .items
            .into_iter()
            .map(|item| ItemView {
                item,
                state: ItemState::Pending,
                attempts: 0,
                last: None,
            })
            .collect();
        Ok(Self {
            view: JournalView {
                kind: plan.kind,
                params: plan.params,
                items,
                runs: Vec::new(),
            },
            index,
        })
    }

    fn item(&mut self, key: &str, pos: Option<usize>, what: &str) -> Result<&mut ItemView, String> {
        let i = match pos {
            Some(i) => {
                if self.view.items.get(i).map(|it| it.item.key.as_str()) != Some(key) {
                    return Err(format!(
                        "{what} for `{key}` at position {i}, which does not hold it"
                    ));
                }
                i
            }
            None => *self
                .index
                .get(key)
                .ok_or_else(|| format!("{what} for `{key}`, not in the plan"))?,
        };
        Ok(&mut self.view.items[i])
    }

    /// Applies the next record.
    pub fn apply(&mut self, record: Record) -> Result<(), String> {
        let runs = &mut self.view.runs;
        match record {
            Record::Run { run, at, .. } => runs.push(RunView {
                run,
                at,
                sent: 0,
                ended: false,
                interrupted: false,
            }),
            Record::Intent { key, run, item } => {
                if let Some(r) = runs.iter_mut().rev().find(|r| r.run == run) {
                    r.sent += 1;
                }
                let it = self.item(&key, item, "an intent")?;
                it.state = ItemState::Interrupted;
                it.attempts += 1;
            }
            Record::Outcome {
                key, outcome, item, ..
            } => {
                let it = self.item(&key, item, "an outcome")?;
                it.state = ItemState::Done(outcome.status);
                it.last = Some(outcome);
            }
            Record::RunEnd { run, interrupted } => {
                if let Some(r) = runs.iter_mut().rev().find(|r| r.run == run) {
                    r.ended = true;
                    r.interrupted = interrupted;
                }
            }
        }
        Ok(())
    }

    /// The view.
    pub fn finish(self) -> JournalView {
        self.view
    }
}

/// What a run needs of a journal: its plan's kind, params and size, each item's state by
/// position and the last run's number — no item. [`FileJournal`] computes it by reading the
/// file once without keeping what it reads, so that a run's memory does not grow with the
/// plan's items (see [`Journal::run_state`]).
#[derive(Debug, Clone, PartialEq)]
pub struct RunState {
    /// The plan's kind.
    pub kind: PlanKind,
    /// The plan's params.
    pub params: serde_json::Value,
    /// Each item's state, in plan order.
    pub states: Vec<ItemState>,
    /// The highest run number recorded (0: none).
    pub last_run: u32,
}

impl RunState {
    /// A new plan's: every item pending.
    pub fn new(kind: PlanKind, params: serde_json::Value, items: usize) -> Self {
        Self {
            kind,
            params,
            states: vec![ItemState::Pending; items],
            last_run: 0,
        }
    }

    /// A view's.
    pub fn of_view(view: &JournalView) -> Self {
        Self {
            kind: view.kind,
            params: view.params.clone(),
            states: view.items.iter().map(|it| it.state).collect(),
            last_run: view.runs.iter().map(|r| r.run).max().unwrap_or(0),
        }
    }

    /// Applies the next record; `Err(None)` when it names its item by key only (a journal
    /// written before positions were recorded: the caller falls back to a view).
    pub fn apply(&mut self, record: &Record) -> Result<(), Option<String>> {
        let mut set = |item: &Option<usize>, key: &str, state: ItemState| match item {
            Some(i) => match self.states.get_mut(*i) {
                Some(s) => {
                    *s = state;
                    Ok(())
                }
                None => Err(Some(format!(
                    "a record for `{key}` at position {i}, past the plan's {} items",
                    self.states.len()
                ))),
            },
            None => Err(None),
        };
        match record {
            Record::Run { run, .. } => self.last_run = self.last_run.max(*run),
            Record::Intent { key, item, .. } => set(item, key, ItemState::Interrupted)?,
            Record::Outcome {
                key, item, outcome, ..
            } => set(item, key, ItemState::Done(outcome.status))?,
            Record::RunEnd { .. } => {}
        }
        Ok(())
    }

    /// Items per state name.
    pub fn counts(&self) -> BTreeMap<&'static str, usize> {
        let mut c = BTreeMap::new();
        for s in &self.states {
            *c.entry(s.name()).or_default() += 1;
        }
        c
    }

    /// `kind` and `params` in one line, for messages (as [`Plan::describe`]).
    pub fn describe(&self) -> String {
        describe(self.kind, &self.params)
    }
}

/// Calls made to one hook URL.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct HookStats {
    /// Answered 2xx.
    pub succeeded: usize,
    /// Anything else.
    pub failed: usize,
}

fn add_calls(hooks: &mut BTreeMap<String, HookStats>, calls: &[HookCall]) {
    for c in calls {
        let s = hooks.entry(c.hook.clone()).or_default();
        if c.succeeded() {
            s.succeeded += 1;
        } else {
            s.failed += 1;
        }
    }
}

/// Progress of a run, given to the callback of `execute`.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum Progress<'a> {
    /// The run starts: `to_send` of the plan's `total` items are selected.
    Started {
        /// Items selected in this run.
        to_send: usize,
        /// Items in the plan.
        total: usize,
    },
    /// One item's outcome is recorded.
    Item {
        /// Its key.
        key: &'a str,
        /// Its outcome.
        outcome: &'a Outcome,
        /// Items recorded so far in this run.
        done: usize,
        /// Items selected in this run.
        to_send: usize,
    },
}

/// What a run did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// Run number in the journal.
    pub run: u32,
    /// Items in the plan.
    pub total: usize,
    /// Items selected in this run.
    pub selected: usize,
    /// Items sent in this run.
    pub sent: usize,
    /// Of those: delivered with every hook 2xx.
    pub delivered: usize,
    /// Delivered with a failing hook.
    pub failed: usize,
    /// Certainly not delivered.
    pub not_sent: usize,
    /// May have been delivered.
    pub uncertain: usize,
    /// Whether the run was stopped before sending every selected item.
    pub interrupted: bool,
    /// Items the run left out because they may have been delivered (an earlier intent
    /// without outcome, or an uncertain outcome) and `resend_uncertain` was off.
    pub uncertain_skipped: Vec<String>,
    /// Per hook URL, the calls made in this run.
    pub hooks: BTreeMap<String, HookStats>,
    /// Every item's state after the run.
    pub states: BTreeMap<&'static str, usize>,
}

impl Report {
    /// Whether anything still needs attention: an item not delivered, uncertain or left out.
    pub fn complete(&self) -> bool {
        // An empty plan is complete: nothing was missed.
        !self.interrupted && self.states.get("delivered").copied().unwrap_or(0) == self.total
    }
}

/// Why a plan could not be made. Nothing has been sent.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PlanError {
    /// The window ends before it starts.
    #[error("the window ends ({until}) before it starts ({since})")]
    ReversedWindow {
        /// Start.
        since: jiff::Timestamp,
        /// End.
        until: jiff::Timestamp,
    },
    /// The window is empty.
    #[error("the window is empty: it starts and ends at {0}")]
    EmptyWindow(jiff::Timestamp),
    /// Another argument is wrong.
    #[error("{0}")]
    Invalid(String),
    /// The zone appears in none of the window's logs.
    #[error(
        "zone {zone} is unknown: no job logs of the window name it (zones in range: {known:?})"
    )]
    UnknownZone {
        /// The zone asked for.
        zone: i64,
        /// The zones the logs named.
        known: Vec<i64>,
    },
    /// A 5centscdn call failed.
    #[error("listing the jobs failed")]
    Fivecents(#[source] hookspec::fivecents::Error),
    /// An OmegaStream call failed.
    #[error("listing the events failed")]
    Omegastream(#[source] hookspec::omegastream::Error),
}

/// Why a run stopped with an error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RecoverError {
    /// The journal cannot be used (nothing was sent when this comes before the first item;
    /// later, in-flight items were recorded where possible and the run stopped).
    #[error(transparent)]
    Journal(#[from] JournalError),
    /// The plan given does not suit this function (another kind).
    #[error("{0}")]
    Plan(String),
    /// The HTTP client could not be built from the builder given (nothing was sent).
    #[error("cannot build the HTTP client")]
    Http(#[source] reqwest::Error),
}

/// What a plan records as its target: the caller's name for it, or the client's base URL.
pub(crate) fn target_of(given: Option<&str>, client: &hookspec::runtime::ClientCore) -> String {
    given.map_or_else(|| target_name(client.base_url()), str::to_owned)
}

/// The target a plan records for an API at `base_url`: the URL without any credentials (a
/// journal is no place for them).
pub fn target_name(base_url: &str) -> String {
    match reqwest::Url::parse(base_url) {
        Ok(mut url) => {
            let _ = url.set_username("");
            let _ = url.set_password(None);
            url.to_string()
        }
        Err(_) => base_url.to_owned(),
    }
}

/// The window checks shared by both kinds.
pub(crate) fn check_window(
    since: jiff::Timestamp,
    until: jiff::Timestamp,
) -> Result<(), PlanError> {
    if until < since {
        return Err(PlanError::ReversedWindow { since, until });
    }
    if until == since {
        return Err(PlanError::EmptyWindow(since));
    }
    Ok(())
}

/// Opens the journal for `plan`: creates it, or checks it holds the same plan and returns the
/// journal's own view (its plan wins, so that a resume sends what was planned).
pub fn open_journal(journal: &mut dyn Journal, plan: &Plan) -> Result<JournalView, JournalError> {
    if let Some(view) = journal.view()? {
        if view.kind != plan.kind || view.params != plan.params {
            return Err(JournalError::OtherPlan {
                location: journal.location(),
                journal: describe(view.kind, &view.params),
                requested: plan.describe(),
            });
        }
        return Ok(view);
    }
    journal.create(plan)?;
    ViewBuilder::new(plan.clone())
        .map(ViewBuilder::finish)
        .map_err(|message| JournalError::Corrupt {
            location: journal.location(),
            line: 0,
            message,
        })
}

/// A flag that stops a run from taking new items (in-flight ones finish and are recorded).
#[derive(Debug, Default)]
pub struct StopFlag(AtomicBool);

impl StopFlag {
    /// A flag not yet raised.
    pub const fn new() -> Self {
        Self(AtomicBool::new(false))
    }

    /// Stops the run.
    pub fn stop(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Whether it was raised.
    pub fn is_stopped(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// What the items of a run came to, tallied as their outcomes arrive.
#[derive(Default)]
struct Tally {
    sent: usize,
    by_status: [usize; 4],
    hooks: BTreeMap<String, HookStats>,
    /// Item index → its new state.
    states: Vec<(usize, Status)>,
}

fn status_slot(s: Status) -> usize {
    match s {
        Status::Delivered => 0,
        Status::Failed => 1,
        Status::NotSent => 2,
        Status::Uncertain => 3,
    }
}

/// Whether a run sends an item in state `state`.
fn selected(state: ItemState, options: &Options) -> bool {
    match state {
        ItemState::Pending | ItemState::Done(Status::NotSent) => true,
        ItemState::Done(Status::Failed) => options.retry_failed,
        ItemState::Done(Status::Uncertain) | ItemState::Interrupted => options.resend_uncertain,
        ItemState::Done(Status::Delivered) => false,
    }
}

/// Opens the journal for a run of `plan`: creates it (the plan's keys checked to be unique),
/// or checks that it holds the same plan. Either way the caller's plan is dropped here: the
/// run reads its items back from the journal one at a time ([`Journal::items`]).
fn open_for_run(journal: &mut dyn Journal, plan: Plan) -> Result<RunState, JournalError> {
    if let Some(state) = journal.run_state()? {
        if state.kind != plan.kind || state.params != plan.params {
            return Err(JournalError::OtherPlan {
                location: journal.location(),
                journal: state.describe(),
                requested: plan.describe(),
            });
        }
        return Ok(state);
    }
    let mut keys = std::collections::HashSet::with_capacity(plan.items.len());
    if !plan.items.iter().all(|it| keys.insert(it.key.as_str())) {
        return Err(JournalError::Corrupt {
            location: journal.location(),
            line: 0,
            message: "the plan has two items with the same key".into(),
        });
    }
    drop(keys);
    journal.create(&plan)?;
    Ok(RunState::new(plan.kind, plan.params, plan.items.len()))
}

/// The run loop shared by both kinds. Its memory does not grow with the plan's items: the
/// plan goes to the journal, the run keeps each item's state (a few bytes) and takes the
/// items back from the journal one at a time as workers free up.
pub(crate) async fn run_plan<S, Fut>(
    plan: Plan,
    journal: &mut dyn Journal,
    options: &Options,
    stop: &StopFlag,
    progress: &(dyn Fn(&Progress<'_>) + Sync),
    send: S,
) -> Result<Report, RecoverError>
where
    S: Fn(PlanItem) -> Fut,
    Fut: Future<Output = Outcome>,
{
    let mut state = open_for_run(journal, plan)?;
    let total = state.states.len();
    let run = state.last_run + 1;
    let to_send = state
        .states
        .iter()
        .filter(|s| selected(**s, options))
        .count();
    let mut uncertain_skipped = Vec::new();
    if !options.resend_uncertain && state.states.iter().any(|s| s.is_uncertain()) {
        for (i, item) in journal.items()?.enumerate() {
            let item = item?;
            if state.states.get(i).is_some_and(|s| s.is_uncertain()) {
                uncertain_skipped.push(item.key);
            }
        }
    }
    let items = journal.items()?;
    // Written (and synced) before anything is sent: an unwritable journal stops here.
    journal.append(&Record::Run {
        run,
        at: jiff::Timestamp::now().to_string(),
        retry_failed: options.retry_failed,
        resend_uncertain: options.resend_uncertain,
    })?;
    progress(&Progress::Started { to_send, total });

    let committer = GroupCommit::new(journal);
    let halted = &committer.failed;
    let tally = Mutex::new(Tally::default());
    let read_failure: Mutex<Option<JournalError>> = Mutex::new(None);
    let record = |rec: Record| committer.commit(rec);
    let states = &state.states;
    let to_run = items.enumerate().filter_map(|(i, item)| match item {
        Ok(item) => states
            .get(i)
            .is_some_and(|s| selected(*s, options))
            .then_some((i, item)),
        Err(e) => {
            lock(&read_failure).get_or_insert(e);
            None
        }
    });
    futures_util::stream::iter(to_run)
        .take_while(|_| {
            std::future::ready(
                !stop.is_stopped()
                    && !halted.load(Ordering::SeqCst)
                    && lock(&read_failure).is_none(),
            )
        })
        .map(|(i, item)| {
            let record = &record;
            let send = &send;
            let tally = &tally;
            async move {
                let key = item.key.clone();
                if !record(Record::Intent {
                    key: key.clone(),
                    run,
                    item: Some(i),
                })
                .await
                {
                    return;
                }
                let outcome = send(item).await;
                record(Record::Outcome {
                    key: key.clone(),
                    run,
                    item: Some(i),
                    outcome: outcome.clone(),
                })
                .await;
                let done = {
                    let mut t = lock(tally);
                    t.sent += 1;
                    t.by_status[status_slot(outcome.status)] += 1;
                    add_calls(&mut t.hooks, &outcome.calls);
                    t.states.push((i, outcome.status));
                    t.sent
                };
                progress(&Progress::Item {
                    key: &key,
                    outcome: &outcome,
                    done,
                    to_send,
                });
            }
        })
        .buffer_unordered(options.concurrency.max(1))
        .for_each(|()| std::future::ready(()))
        .await;

    let (journal, failure) = committer.into_parts();
    if let Some(e) = failure {
        return Err(e.into());
    }
    let tally = tally
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let interrupted = tally.sent < to_send;
    journal.append(&Record::RunEnd { run, interrupted })?;
    if let Some(e) = read_failure
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
    {
        return Err(e.into());
    }
    for &(i, status) in &tally.states {
        state.states[i] = ItemState::Done(status);
    }
    let [delivered, failed, not_sent, uncertain] = tally.by_status;
    Ok(Report {
        run,
        total,
        selected: to_send,
        sent: tally.sent,
        delivered,
        failed,
        not_sent,
        uncertain,
        interrupted,
        uncertain_skipped,
        hooks: tally.hooks,
        states: state.counts(),
    })
}

/// Group commit: each worker queues its record and waits until a sync covers it. The worker
/// that takes the journal first lets the other ready workers queue theirs (one yield), then
/// writes every queued record and syncs once, so one `fsync` covers many records when many
/// requests are in flight, and a record is still durable before its worker goes on (an
/// intent before its request).
struct GroupCommit<'j> {
    queue: Mutex<(Vec<Record>, u64)>,
    synced: std::sync::atomic::AtomicU64,
    journal: tokio::sync::Mutex<&'j mut dyn Journal>,
    failed: AtomicBool,
    failure: Mutex<Option<JournalError>>,
}

impl<'j> GroupCommit<'j> {
    fn new(journal: &'j mut dyn Journal) -> Self {
        Self {
            queue: Mutex::new((Vec::new(), 0)),
            synced: std::sync::atomic::AtomicU64::new(0),
            journal: tokio::sync::Mutex::new(journal),
            failed: AtomicBool::new(false),
            failure: Mutex::new(None),
        }
    }

    /// Whether `record` is durable (false: the journal failed; the run stops).
    async fn commit(&self, record: Record) -> bool {
        let seq = {
            let mut q = lock(&self.queue);
            q.0.push(record);
            q.1 += 1;
            q.1
        };
        loop {
            if self.synced.load(Ordering::SeqCst) >= seq {
                return true;
            }
            if self.failed.load(Ordering::SeqCst) {
                return false;
            }
            let mut journal = self.journal.lock().await;
            if self.synced.load(Ordering::SeqCst) >= seq {
                return true;
            }
            if self.failed.load(Ordering::SeqCst) {
                return false;
            }
            // Let the other ready workers queue their records: they share this sync.
            tokio::task::yield_now().await;
            let (batch, upto) = {
                let mut q = lock(&self.queue);
                (std::mem::take(&mut q.0), q.1)
            };
            match journal.append_all(&batch) {
                Ok(()) => self.synced.store(upto, Ordering::SeqCst),
                Err(e) => {
                    self.failed.store(true, Ordering::SeqCst);
                    lock(&self.failure).get_or_insert(e);
                    return false;
                }
            }
        }
    }

    fn into_parts(self) -> (&'j mut dyn Journal, Option<JournalError>) {
        let failure = self
            .failure
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        (self.journal.into_inner(), failure)
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    /// A journal that shares what it holds and counts its syncs (calls).
    #[derive(Clone, Default)]
    struct Counting {
        inner: Arc<Mutex<(MemoryJournal, usize)>>,
    }

    impl Journal for Counting {
        fn location(&self) -> String {
            "(counting)".into()
        }
        fn load(&mut self) -> Result<Option<Loaded>, JournalError> {
            lock(&self.inner).0.load()
        }
        fn create(&mut self, plan: &Plan) -> Result<(), JournalError> {
            lock(&self.inner).0.create(plan)
        }
        fn append(&mut self, record: &Record) -> Result<(), JournalError> {
            self.append_all(std::slice::from_ref(record))
        }
        fn append_all(&mut self, records: &[Record]) -> Result<(), JournalError> {
            let mut g = lock(&self.inner);
            g.1 += 1;
            records.iter().try_for_each(|r| g.0.append(r))
        }
    }

    fn plan(n: usize) -> Plan {
        Plan {
            kind: PlanKind::FivecentsRecover,
            params: serde_json::json!({"test": true}),
            items: (0..n)
                .map(|i| PlanItem {
                    key: format!("k{i}"),
                    detail: hookspec::RawJson::from_value(&()).unwrap(),
                })
                .collect(),
        }
    }

    #[tokio::test]
    async fn intents_are_durable_before_the_request_and_syncs_are_shared() {
        let journal = Counting::default();
        let seen = journal.clone();
        let mut j = journal.clone();
        let options = Options {
            concurrency: 20,
            ..Options::default()
        };
        let report = run_plan(
            plan(200),
            &mut j,
            &options,
            &StopFlag::new(),
            &|_| {},
            |item| {
                let seen = seen.clone();
                async move {
                    let has_intent = lock(&seen.inner).0.content.as_ref().is_some_and(|l| {
                        l.records
                            .iter()
                            .any(|r| matches!(r, Record::Intent { key, .. } if *key == item.key))
                    });
                    assert!(
                        has_intent,
                        "{} sent before its intent was recorded",
                        item.key
                    );
                    tokio::time::sleep(std::time::Duration::from_millis(2)).await;
                    Outcome {
                        status: Status::Delivered,
                        calls: Vec::new(),
                        error: None,
                    }
                }
            },
        )
        .await
        .unwrap();
        assert_eq!(report.delivered, 200);
        let syncs = lock(&journal.inner).1;
        // 400 records (+ run start and end) in far fewer syncs.
        assert!(syncs < 200, "{syncs} syncs for 400 records");
    }

    #[tokio::test]
    async fn a_stop_takes_no_new_item_and_records_the_ones_in_flight() {
        let stop = Arc::new(StopFlag::new());
        let mut j = MemoryJournal::default();
        let options = Options {
            concurrency: 3,
            ..Options::default()
        };
        let flag = stop.clone();
        let report = run_plan(plan(50), &mut j, &options, &stop, &|_| {}, move |item| {
            let flag = flag.clone();
            async move {
                if item.key == "k4" {
                    flag.stop();
                }
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                Outcome {
                    status: Status::Delivered,
                    calls: Vec::new(),
                    error: None,
                }
            }
        })
        .await
        .unwrap();
        assert!(report.interrupted);
        assert!(report.sent < 10, "{}", report.sent);
        let view = JournalView::from_loaded(j.content.unwrap()).unwrap();
        assert_eq!(
            view.counts().get("interrupted"),
            None,
            "in-flight items were recorded"
        );
        assert!(view.runs[0].interrupted);
    }

    /// A journal that fails from its `ok`-th write on (a full or vanished disk).
    struct Failing {
        inner: MemoryJournal,
        ok: usize,
    }

    impl Journal for Failing {
        fn location(&self) -> String {
            "(failing)".into()
        }
        fn load(&mut self) -> Result<Option<Loaded>, JournalError> {
            self.inner.load()
        }
        fn create(&mut self, plan: &Plan) -> Result<(), JournalError> {
            self.inner.create(plan)
        }
        fn append(&mut self, record: &Record) -> Result<(), JournalError> {
            if self.ok == 0 {
                return Err(JournalError::Backend("disk full".into()));
            }
            self.ok -= 1;
            self.inner.append(record)
        }
    }

    #[tokio::test]
    async fn a_journal_failing_mid_run_stops_it_and_nothing_is_sent_without_its_intent() {
        let sent = Arc::new(Mutex::new(Vec::<String>::new()));
        let mut j = Failing {
            inner: MemoryJournal::default(),
            ok: 21,
        };
        let options = Options {
            concurrency: 4,
            ..Options::default()
        };
        let log = sent.clone();
        let err = run_plan(
            plan(50),
            &mut j,
            &options,
            &StopFlag::new(),
            &|_| {},
            move |item| {
                let log = log.clone();
                async move {
                    lock(&log).push(item.key);
                    tokio::time::sleep(std::time::Duration::from_millis(1)).await;
                    Outcome {
                        status: Status::Delivered,
                        calls: Vec::new(),
                        error: None,
                    }
                }
            },
        )
        .await
        .unwrap_err();
        assert!(
            matches!(err, RecoverError::Journal(JournalError::Backend(_))),
            "{err}"
        );
        let sent = lock(&sent).clone();
        let records = j.inner.content.unwrap().records;
        assert!(sent.len() < 50, "the run stopped");
        for key in &sent {
            assert!(
                records
                    .iter()
                    .any(|r| matches!(r, Record::Intent { key: k, .. } if k == key)),
                "{key} sent without a recorded intent"
            );
        }
        // An unwritable journal from the start: nothing at all.
        let mut j = Failing {
            inner: MemoryJournal::default(),
            ok: 0,
        };
        let err = run_plan(
            plan(5),
            &mut j,
            &options,
            &StopFlag::new(),
            &|_| {},
            |_| async { panic!("nothing may be sent") },
        )
        .await
        .unwrap_err();
        assert!(matches!(err, RecoverError::Journal(_)));
    }
}
