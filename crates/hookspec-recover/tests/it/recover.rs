//! 5centscdn recovery over 127.0.0.1: the plan across 31-day windows, exactly-once resends,
//! crash and resume, `retry_failed`, faults of the emulator, bad input.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use crate::common::{FakeJob, HOOK_A, HOOK_B, five_server};
use hookspec_recover::fivecents::{self, RecoverParams};
use hookspec_recover::{
    FileJournal, ItemState, Journal, JournalError, JournalView, Options, Plan, PlanError,
    RecoverError, Report, Status,
};
use jiff::Timestamp;

const ZONE: i64 = 1234;
const T0_MS: i64 = 1_772_323_200_000; // 2026-03-01T00:00:00Z
const DAY_MS: i64 = 86_400_000;

fn ts(ms: i64) -> Timestamp {
    Timestamp::from_millisecond(ms).unwrap()
}

/// 300 jobs of the zone over 70 days (so three 31-day windows), one exactly on the first
/// window boundary, plus jobs outside the window, of another zone and not completed. Each ran
/// a minute.
fn jobs() -> Vec<FakeJob> {
    const MINUTE: i64 = 60_000;
    let mut jobs: Vec<FakeJob> = (0..300)
        .map(|i| FakeJob {
            zone: ZONE,
            index: i,
            completed_ms: Some(T0_MS + 1_000 + i * (70 * DAY_MS / 300)),
            profile: if i % 2 == 0 { "12" } else { "13" },
            ran_ms: MINUTE,
        })
        .collect();
    let more = [
        (ZONE, 300, Some(T0_MS + 31 * DAY_MS), MINUTE), // on the boundary minute
        (ZONE, 301, Some(T0_MS - 120_000), MINUTE),     // before the window
        (ZONE, 302, Some(T0_MS + 71 * DAY_MS), MINUTE), // after it
        (ZONE, 303, None, MINUTE),                      // not completed
        (999, 0, Some(T0_MS + 5 * DAY_MS), MINUTE),     // another zone
    ];
    for (zone, index, completed_ms, ran_ms) in more {
        jobs.push(FakeJob {
            zone,
            index,
            completed_ms,
            profile: "12",
            ran_ms,
        });
    }
    jobs
}

fn params() -> RecoverParams {
    RecoverParams {
        zone: ZONE,
        since: ts(T0_MS),
        until: ts(T0_MS + 70 * DAY_MS),
        profile: None,
        target: None,
    }
}

fn expected_keys() -> BTreeSet<String> {
    (0..=300).map(|i| format!("{ZONE}/{i}")).collect()
}

fn options(concurrency: usize) -> Options {
    Options {
        concurrency,
        ..Options::default()
    }
}

/// Executes `plan` without progress output.
async fn run(
    client: &hookspec::fivecents::Client,
    plan: Plan,
    journal: &mut dyn Journal,
    options: &Options,
) -> Result<Report, RecoverError> {
    fivecents::execute(client, plan, journal, options, &|_| {}).await
}

fn journal_in(dir: &tempfile::TempDir) -> FileJournal {
    FileJournal::new(dir.path().join("journal.jsonl"))
}

fn view(j: &mut FileJournal) -> JournalView {
    JournalView::from_loaded(j.load().unwrap().unwrap()).unwrap()
}

#[tokio::test]
async fn plan_covers_exactly_the_window_across_31_day_splits() {
    let server = five_server(jobs()).await;
    let plan = fivecents::plan(&server.client(1000), &params())
        .await
        .unwrap();
    let keys: BTreeSet<String> = plan.items.iter().map(|i| i.key.clone()).collect();
    assert_eq!(keys, expected_keys());
    assert_eq!(plan.items.len(), 301, "the boundary job is planned once");
    let ranges = server.ranges();
    assert_eq!(ranges.len(), 3, "{ranges:?}");
    // Listed from a day before the window (`LOOKBACK_HOURS`).
    assert_eq!(ranges[0], "2026-02-28 00:00 - 2026-03-31 00:00");
    // In completion order.
    let times: Vec<String> = plan
        .items
        .iter()
        .map(|i| {
            i.detail.to_value().unwrap()["completed"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    let mut sorted = times.clone();
    sorted.sort();
    assert_eq!(times, sorted);

    // A profile keeps its jobs only.
    let only_12 = fivecents::plan(
        &server.client(1000),
        &RecoverParams {
            profile: Some("12".into()),
            ..params()
        },
    )
    .await
    .unwrap();
    assert_eq!(only_12.items.len(), 151);
    assert_eq!(server.total_resends(), 0, "planning sends nothing");
}

/// The date-range endpoint selects jobs by when they started; a job whose notification was
/// missed completed in the window, and may have started before it: it is planned (up to
/// `LOOKBACK_HOURS` earlier), and one that completed before the window is not.
#[tokio::test]
async fn a_job_that_started_before_the_window_and_completed_in_it_is_planned() {
    let job = |index, completed_ms, ran_ms| FakeJob {
        zone: ZONE,
        index,
        completed_ms: Some(completed_ms),
        profile: "12",
        ran_ms,
    };
    let server = five_server(vec![
        job(0, T0_MS + 30_000, 3 * 3_600_000),
        job(1, T0_MS - 30_000, 3 * 3_600_000),
        job(2, T0_MS + 30_000, 25 * 3_600_000),
    ])
    .await;
    let plan = fivecents::plan(&server.client(1000), &params())
        .await
        .unwrap();
    let keys: Vec<&str> = plan.items.iter().map(|i| i.key.as_str()).collect();
    assert_eq!(
        keys,
        [format!("{ZONE}/0")],
        "job 2 ran longer than the lookback"
    );
    assert_eq!(fivecents::LOOKBACK_HOURS, 24);
}

#[tokio::test]
async fn every_job_is_resent_exactly_once_and_the_dry_run_plan_is_what_runs() {
    let server = five_server(jobs()).await;
    let client = server.client(1000);
    let plan = fivecents::plan(&client, &params()).await.unwrap();
    let planned: BTreeSet<(i64, i64)> = plan
        .items
        .iter()
        .map(|i| {
            (
                ZONE,
                i.detail.to_value().unwrap()["index"].as_i64().unwrap(),
            )
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let mut journal = journal_in(&dir);
    let report = run(&client, plan.clone(), &mut journal, &options(8))
        .await
        .unwrap();
    assert_eq!(report.sent, 301);
    assert_eq!(report.delivered, 301);
    assert!(report.complete());
    let resends = server.resends();
    assert_eq!(resends.keys().copied().collect::<BTreeSet<_>>(), planned);
    assert!(resends.values().all(|&n| n == 1), "{resends:?}");
    assert_eq!(report.hooks[HOOK_A].succeeded, 301);
    assert_eq!(report.hooks[HOOK_B].failed, 0);

    // Running again with the same journal sends nothing.
    let again = run(&client, plan, &mut journal, &options(8)).await.unwrap();
    assert_eq!(again.sent, 0);
    assert_eq!(server.total_resends(), 301);
}

#[tokio::test]
async fn the_spec_rate_limit_bounds_the_run() {
    let few: Vec<FakeJob> = jobs().into_iter().take(12).collect();
    let server = five_server(few).await;
    let client = server.client(5);
    let plan = fivecents::plan(&client, &params()).await.unwrap();
    assert_eq!(plan.items.len(), 12);
    let started = Instant::now();
    let mut journal = hookspec_recover::MemoryJournal::default();
    let report = run(&client, plan, &mut journal, &options(8)).await.unwrap();
    assert_eq!(report.delivered, 12);
    // 1 list + 12 resends at 5/s with a burst of 5: at least (13 - 5) / 5 s.
    assert!(
        started.elapsed() >= Duration::from_millis(1_500),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_crash_mid_run_resumes_with_the_rest_and_leaves_uncertain_items_alone() {
    let server = five_server(jobs()).await;
    server.state.lock().unwrap().resend_delay = Duration::from_millis(15);
    let client = server.client(1000);
    let plan = fivecents::plan(&client, &params()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.jsonl");

    // Crash: the run's task is aborted while requests are in flight.
    let task = {
        let (client, plan, path) = (client.clone(), plan.clone(), path.clone());
        tokio::spawn(async move {
            let mut journal = FileJournal::new(path);
            run(&client, plan, &mut journal, &options(6)).await
        })
    };
    let started = Instant::now();
    while server.total_resends() < 60 && started.elapsed() < Duration::from_secs(30) {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    task.abort();
    let _ = task.await;
    tokio::time::sleep(Duration::from_millis(50)).await;

    let mut journal = FileJournal::new(&path);
    let before = view(&mut journal);
    let interrupted: BTreeSet<String> = before
        .items
        .iter()
        .filter(|i| i.state == ItemState::Interrupted)
        .map(|i| i.item.key.clone())
        .collect();
    let delivered_before = before
        .items
        .iter()
        .filter(|i| i.state == ItemState::Done(Status::Delivered))
        .count();
    assert!((40..301).contains(&delivered_before));
    assert!(
        !interrupted.is_empty(),
        "requests were in flight at the abort"
    );

    // Resume: everything else is sent, the interrupted items are not.
    let resumed = run(&client, plan.clone(), &mut journal, &options(6))
        .await
        .unwrap();
    assert_eq!(resumed.sent, 301 - delivered_before - interrupted.len());
    let skipped: BTreeSet<String> = resumed.uncertain_skipped.iter().cloned().collect();
    assert_eq!(skipped, interrupted);
    let resends = server.resends();
    for i in 0..=300 {
        let n = resends.get(&(ZONE, i)).copied().unwrap_or(0);
        if interrupted.contains(&format!("{ZONE}/{i}")) {
            // Its request may or may not have reached the server before the abort.
            assert!(n <= 1, "interrupted job {i} was resent {n} times");
        } else {
            assert_eq!(n, 1, "job {i} was resent {n} times");
        }
    }

    // Asked explicitly, the uncertain ones are sent (again: they had reached the server).
    let forced = run(
        &client,
        plan,
        &mut journal,
        &Options {
            resend_uncertain: true,
            ..options(6)
        },
    )
    .await
    .unwrap();
    assert_eq!(forced.sent, interrupted.len());
    assert!(forced.complete());
    let resends = server.resends();
    for i in 0..=300 {
        let n = resends.get(&(ZONE, i)).copied().unwrap_or(0);
        if interrupted.contains(&format!("{ZONE}/{i}")) {
            assert!(
                (1..=2).contains(&n),
                "interrupted job {i} was resent {n} times"
            );
        } else {
            assert_eq!(n, 1, "job {i}");
        }
    }
}

#[tokio::test]
async fn a_journal_with_an_intent_and_no_outcome_is_not_resent() {
    let server = five_server(jobs().into_iter().take(5).collect()).await;
    let client = server.client(1000);
    let plan = fivecents::plan(&client, &params()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut journal = journal_in(&dir);
    journal.create(&plan).unwrap();
    journal
        .append(&hookspec_recover::Record::Run {
            run: 1,
            at: "2026-05-01T00:00:00Z".into(),
            retry_failed: false,
            resend_uncertain: false,
        })
        .unwrap();
    journal
        .append(&hookspec_recover::Record::Intent {
            key: format!("{ZONE}/2"),
            run: 1,
            // As a journal written before records carried positions: found by its key.
            item: None,
        })
        .unwrap();
    // And a torn line, as a process killed mid-write leaves it.
    {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(journal.path())
            .unwrap();
        f.write_all(br#"{"t":"intent","key":"1234/3","#).unwrap();
    }
    // The process that wrote it is gone (its lock with it).
    drop(journal);
    let mut journal = journal_in(&dir);
    let report = run(&client, plan, &mut journal, &options(2)).await.unwrap();
    assert_eq!(report.sent, 4);
    assert_eq!(report.uncertain_skipped, vec![format!("{ZONE}/2")]);
    assert!(!server.resends().contains_key(&(ZONE, 2)));
    assert_eq!(report.states["interrupted"], 1);
    // The journal still reads after the torn line was cut off.
    let v = view(&mut journal);
    assert_eq!(v.counts()["delivered"], 4);
}

#[tokio::test]
async fn retry_failed_resends_only_the_jobs_whose_hooks_failed() {
    let server = five_server(jobs().into_iter().take(10).collect()).await;
    server.state.lock().unwrap().failing = [3, 7].into_iter().collect();
    let client = server.client(1000);
    let plan = fivecents::plan(&client, &params()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut journal = journal_in(&dir);
    let first = run(&client, plan.clone(), &mut journal, &options(4))
        .await
        .unwrap();
    assert_eq!((first.delivered, first.failed), (8, 2));
    assert_eq!(first.hooks[HOOK_A].succeeded, 10);
    assert_eq!(first.hooks[HOOK_B].succeeded, 8);
    assert_eq!(first.hooks[HOOK_B].failed, 2);

    // A plain resume leaves failed jobs alone.
    let plain = run(&client, plan.clone(), &mut journal, &options(4))
        .await
        .unwrap();
    assert_eq!(plain.sent, 0);

    server.state.lock().unwrap().failing.clear();
    let retry = run(
        &client,
        plan,
        &mut journal,
        &Options {
            retry_failed: true,
            ..options(4)
        },
    )
    .await
    .unwrap();
    assert_eq!(retry.sent, 2);
    assert!(retry.complete());
    let resends = server.resends();
    for i in 0..10 {
        let want = if i == 3 || i == 7 { 2 } else { 1 };
        assert_eq!(resends[&(ZONE, i)], want, "job {i}");
    }
}

#[tokio::test]
async fn a_journal_in_use_by_another_run_is_refused_before_anything_is_sent() {
    let server = five_server(jobs().into_iter().take(20).collect()).await;
    let client = server.client(1000);
    let plan = fivecents::plan(&client, &params()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();

    // A first run holds the journal (it has written its plan, as a run does first).
    let mut first = journal_in(&dir);
    assert!(first.load().unwrap().is_none());
    first.create(&plan).unwrap();
    let mut second = journal_in(&dir);
    let err = run(&client, plan.clone(), &mut second, &options(4))
        .await
        .unwrap_err();
    match &err {
        RecoverError::Journal(JournalError::Locked { location, lock }) => {
            assert!(location.ends_with("journal.jsonl"), "{location}");
            assert!(lock.ends_with("journal.jsonl.lock"), "{lock}");
        }
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("in use by another run"), "{err}");
    assert!(server.resends().is_empty(), "nothing was sent");
    let untouched = journal_in(&dir).read().unwrap().unwrap();
    assert!(untouched.records.is_empty(), "nothing was written");

    // Two runs that both found no journal: the second to create it is refused.
    let mut late = FileJournal::new(dir.path().join("raced.jsonl"));
    assert!(late.load().unwrap().is_none());
    let mut early = FileJournal::new(dir.path().join("raced.jsonl"));
    assert!(early.load().unwrap().is_none());
    early.create(&plan).unwrap();
    drop(early);
    assert!(matches!(
        late.create(&plan),
        Err(JournalError::Locked { .. })
    ));

    // The lock holder itself runs; a reader looks on without the lock meanwhile.
    let report = run(&client, plan.clone(), &mut first, &options(4))
        .await
        .unwrap();
    assert_eq!(report.sent, 20);
    let seen = journal_in(&dir).read().unwrap().unwrap();
    assert_eq!(
        JournalView::from_loaded(seen).unwrap().counts()["delivered"],
        20
    );

    // Once the holder is gone (a process that ends or dies releases it), the journal opens.
    drop(first);
    let again = run(&client, plan, &mut second, &options(4)).await.unwrap();
    assert_eq!(again.sent, 0);
    assert!(again.complete());
    assert_eq!(server.resends().len(), 20);
    assert!(server.resends().values().all(|&n| n == 1));
}

#[tokio::test]
async fn a_resume_needs_only_the_plans_kind_and_params_and_positions_are_checked() {
    let server = five_server(jobs().into_iter().take(8).collect()).await;
    let client = server.client(1000);
    let plan = fivecents::plan(&client, &params()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.jsonl");
    {
        // A first run stopped after three items.
        let stop = hookspec_recover::StopFlag::new();
        let mut journal = FileJournal::new(&path);
        let report = fivecents::execute_until(
            &client,
            plan.clone(),
            &mut journal,
            &options(1),
            &stop,
            &|p| {
                if let hookspec_recover::Progress::Item { done: 3, .. } = p {
                    stop.stop();
                }
            },
        )
        .await
        .unwrap();
        assert!(report.interrupted);
        assert_eq!(report.sent, 3);
    }
    // Every record names its item's position.
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.lines()
            .filter(|l| l.contains(r#""t":"intent""#))
            .all(|l| l.contains(r#""i":"#)),
        "{text}"
    );
    // The resume is given the plan's kind and params only: the journal's items are sent.
    let bare = hookspec_recover::Plan {
        items: Vec::new(),
        ..plan.clone()
    };
    let report = run(&client, bare, &mut FileJournal::new(&path), &options(4))
        .await
        .unwrap();
    assert_eq!((report.total, report.sent), (8, 5));
    assert!(report.complete());
    assert!(server.resends().values().all(|&n| n == 1));
    assert_eq!(server.resends().len(), 8);

    // A record whose position does not hold its key, or lies past the plan: corrupt.
    let damaged = dir.path().join("damaged.jsonl");
    std::fs::write(&damaged, text.replacen(r#""i":0"#, r#""i":7"#, 1)).unwrap();
    let view = FileJournal::new(&damaged).view().unwrap_err();
    assert!(
        view.to_string()
            .contains("at position 7, which does not hold it"),
        "{view}"
    );
    std::fs::write(&damaged, text.replacen(r#""i":0"#, r#""i":99"#, 1)).unwrap();
    let err = run(&client, plan, &mut FileJournal::new(&damaged), &options(4))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, RecoverError::Journal(JournalError::Corrupt { line, message, .. })
            if *line > 8 && message.contains("past the plan's 8 items")),
        "{err}"
    );
    assert_eq!(server.resends().len(), 8, "nothing more was sent");
}

#[tokio::test]
async fn bad_input_is_a_clear_error_and_nothing_is_sent() {
    let server = five_server(jobs()).await;
    let client = server.client(1000);

    let reversed = RecoverParams {
        since: params().until,
        until: params().since,
        ..params()
    };
    assert!(matches!(
        fivecents::plan(&client, &reversed).await,
        Err(PlanError::ReversedWindow { .. })
    ));
    let empty = RecoverParams {
        until: params().since,
        ..params()
    };
    assert!(matches!(
        fivecents::plan(&client, &empty).await,
        Err(PlanError::EmptyWindow(_))
    ));
    let unknown = RecoverParams {
        zone: 4242,
        ..params()
    };
    match fivecents::plan(&client, &unknown).await {
        Err(PlanError::UnknownZone { zone, known }) => {
            assert_eq!(zone, 4242);
            assert_eq!(known, vec![999, ZONE]);
        }
        other => panic!("{other:?}"),
    }
    assert!(server.ranges().len() <= 3, "the bad windows asked nothing");

    let plan = fivecents::plan(&client, &params()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();

    // Corrupt journal.
    let corrupt = dir.path().join("corrupt.jsonl");
    std::fs::write(&corrupt, "this is not a journal\n").unwrap();
    let err = run(
        &client,
        plan.clone(),
        &mut FileJournal::new(&corrupt),
        &options(4),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(
            err,
            RecoverError::Journal(JournalError::Corrupt { line: 1, .. })
        ),
        "{err}"
    );

    // A good journal with a damaged middle line.
    let damaged = dir.path().join("damaged.jsonl");
    let mut j = FileJournal::new(&damaged);
    j.create(&plan).unwrap();
    let mut text = std::fs::read_to_string(&damaged).unwrap();
    text = text.replacen("\"t\":\"item\"", "\"t\":\"itme\"", 1);
    std::fs::write(&damaged, text).unwrap();
    let err = run(&client, plan.clone(), &mut j, &options(4))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            RecoverError::Journal(JournalError::Corrupt { line: 2, .. })
        ),
        "{err}"
    );

    // Unreadable (a directory) and unwritable (no such directory).
    let err = run(
        &client,
        plan.clone(),
        &mut FileJournal::new(dir.path()),
        &options(4),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, RecoverError::Journal(JournalError::Io { .. })),
        "{err}"
    );
    let err = run(
        &client,
        plan.clone(),
        &mut FileJournal::new(dir.path().join("missing/dir/j.jsonl")),
        &options(4),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, RecoverError::Journal(JournalError::Io { .. })),
        "{err}"
    );

    // A journal of another plan (another profile).
    let mut j = journal_in(&dir);
    let other = fivecents::plan(
        &client,
        &RecoverParams {
            profile: Some("13".into()),
            ..params()
        },
    )
    .await
    .unwrap();
    j.create(&other).unwrap();
    let err = run(&client, plan, &mut j, &options(4)).await.unwrap_err();
    assert!(
        matches!(err, RecoverError::Journal(JournalError::OtherPlan { .. })),
        "{err}"
    );
    assert!(err.to_string().contains("another plan"), "{err}");

    assert_eq!(server.total_resends(), 0, "nothing was sent");
}

/// A plan records where it was made: the same window planned against another server (staging
/// then production, the emulator then the real API) is another plan, and a journal of the
/// first is refused before anything is sent to the second.
#[tokio::test]
async fn a_journal_planned_against_another_server_is_refused() {
    let (staging, production) = (five_server(jobs()).await, five_server(jobs()).await);
    let dir = tempfile::tempdir().unwrap();
    let mut j = journal_in(&dir);
    let first = fivecents::plan(&staging.client(1000), &params())
        .await
        .unwrap();
    let url = |s: &crate::common::FiveServer| s.client(1000).core().base_url().to_owned();
    assert_eq!(first.params["target"], url(&staging).as_str());
    run(&staging.client(1000), first, &mut j, &options(4))
        .await
        .unwrap();
    assert_eq!(staging.total_resends(), 301);

    let client = production.client(1000);
    let again = fivecents::plan(&client, &params()).await.unwrap();
    assert_eq!(again.params["target"], url(&production).as_str());
    let err = run(&client, again, &mut j, &options(4)).await.unwrap_err();
    assert!(
        matches!(err, RecoverError::Journal(JournalError::OtherPlan { .. })),
        "{err}"
    );
    assert!(err.to_string().contains(&url(&staging)), "{err}");
    assert_eq!(production.total_resends(), 0, "nothing was sent");

    // A target the caller names is recorded as it is.
    let named = RecoverParams {
        target: Some("production".into()),
        ..params()
    };
    let plan = fivecents::plan(&client, &named).await.unwrap();
    assert_eq!(plan.params, named.to_json());
}

/// Against the emulator, with its faults: what it answers for the date-range endpoint is the
/// spec's example (job 0 of zone 1234, completed 2025-04-25), and its resend really POSTs to
/// the webhook URLs.
mod emulator {
    use super::*;
    use crate::common;
    use hookspec_mock::{Emulator, Fault};

    async fn setup() -> (
        hookspec_mock::RunningEmulator,
        common::Receiver,
        hookspec::fivecents::Client,
    ) {
        let hook = common::receiver(vec![]).await;
        let emu = Emulator::builder()
            .webhook_urls(vec![hook.url()])
            .start()
            .await
            .unwrap();
        let client = hookspec::fivecents::Client::builder()
            .base_url(emu.base_url("fivecents"))
            .credentials(emu.key("fivecents"))
            .rate_limit(None)
            .build()
            .unwrap();
        (emu, hook, client)
    }

    fn april() -> RecoverParams {
        RecoverParams {
            zone: 1234,
            since: "2025-04-01T00:00:00Z".parse().unwrap(),
            until: "2025-04-30T00:00:00Z".parse().unwrap(),
            profile: None,
            target: None,
        }
    }

    fn resends(emu: &hookspec_mock::RunningEmulator) -> usize {
        emu.requests()
            .iter()
            .filter(|r| r.route == "fivecents.resend_notification")
            .count()
    }

    #[tokio::test]
    async fn a_5xx_or_a_dropped_connection_is_uncertain_and_never_resent_on_its_own() {
        for fault in [Fault::Status { status: 503 }, Fault::DropConnection] {
            let (emu, hook, client) = setup().await;
            let plan = fivecents::plan(&client, &april()).await.unwrap();
            assert_eq!(plan.items.len(), 1);
            emu.inject("fivecents.resend_notification", fault.clone(), Some(1))
                .unwrap();
            let mut journal = hookspec_recover::MemoryJournal::default();
            let first = run(&client, plan.clone(), &mut journal, &options(1))
                .await
                .unwrap();
            assert_eq!(first.uncertain, 1, "{fault:?}");
            assert_eq!(resends(&emu), 1, "{fault:?}: the client did not retry it");
            let again = run(&client, plan.clone(), &mut journal, &options(1))
                .await
                .unwrap();
            assert_eq!(again.sent, 0);
            assert_eq!(again.uncertain_skipped, vec!["1234/0".to_owned()]);
            assert_eq!(resends(&emu), 1);
            let forced = run(
                &client,
                plan,
                &mut journal,
                &Options {
                    resend_uncertain: true,
                    ..options(1)
                },
            )
            .await
            .unwrap();
            assert_eq!(forced.delivered, 1);
            assert_eq!(resends(&emu), 2);
            assert_eq!(hook.bodies().len(), 1, "the emulator called the hook once");
        }
    }

    #[tokio::test]
    async fn a_429_is_not_delivered_and_the_next_run_sends_it() {
        let (emu, hook, client) = setup().await;
        let plan = fivecents::plan(&client, &april()).await.unwrap();
        emu.inject(
            "fivecents.resend_notification",
            Fault::RateLimited {
                retry_after_secs: 0,
            },
            None,
        )
        .unwrap();
        let mut journal = hookspec_recover::MemoryJournal::default();
        let first = run(&client, plan.clone(), &mut journal, &options(1))
            .await
            .unwrap();
        assert_eq!(first.not_sent, 1);
        assert!(hook.bodies().is_empty());
        emu.clear_faults();
        let second = run(&client, plan, &mut journal, &options(1)).await.unwrap();
        assert_eq!(second.delivered, 1);
        assert_eq!(hook.bodies().len(), 1);
    }

    #[tokio::test]
    async fn a_failing_receiver_is_a_failed_hook() {
        let (emu, hook, client) = setup().await;
        hook.statuses.lock().unwrap().push(500);
        let plan = fivecents::plan(&client, &april()).await.unwrap();
        let mut journal = hookspec_recover::MemoryJournal::default();
        let report = run(&client, plan, &mut journal, &options(1)).await.unwrap();
        assert_eq!(report.failed, 1);
        assert_eq!(report.hooks[&hook.url()].failed, 1);
        assert_eq!(resends(&emu), 1);
    }
}
