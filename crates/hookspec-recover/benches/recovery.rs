//! Recovery benchmarks (numbers in BENCHMARKS.md, section 6):
//!
//! `cargo bench -p hookspec-recover --bench recovery [-- quick]`
//!
//! 1. sustained resend rate over 10 000 jobs against the emulator with its rate limit raised
//!    to 1 000/s (`RateLimits::PerSecond`; the client at the same limit; the fsync'd file
//!    journal, and an in-memory one for comparison), and at the spec's real 5/s
//!    (`RateLimits::Spec`): a 429 from the emulator would leave an item undelivered and fail
//!    the run's check;
//! 2. journal cost per item (intent + outcome, each synced), without network;
//! 3. resume of a 100 000-item journal (load + replay of every record), and peak RSS.
//!
//! The journal cost inside a run (no rate limit) uses a minimal 5centscdn stand-in on
//! 127.0.0.1, so that the server's own work does not hide the journal's.

use std::io::Write;
use std::time::{Duration, Instant};

use hookspec::runtime::RateLimit;
use hookspec_mock::{Emulator, RateLimits, RunningEmulator};
use hookspec_recover::fivecents::{self, RecoverParams};
use hookspec_recover::{
    FileJournal, HookCall, Journal, MemoryJournal, Options, Outcome, Plan, PlanItem, PlanKind,
    Record, Status,
};
use serde_json::{Value, json};

const T0_MS: i64 = 1_772_323_200_000; // 2026-03-01

async fn server(jobs: i64) -> String {
    let list = move || async move {
        let logs: Vec<Value> = (0..jobs)
            .map(|i| json!({"index": i, "zoneid": 7, "meta": {"time": {"end": (T0_MS + 1_000 + i).to_string()}}}))
            .collect();
        (
            [("content-type", "application/json")],
            json!({"zonesInRange": [7], "logsInRange": logs}).to_string(),
        )
    };
    let resend = || async {
        (
            [("content-type", "application/json")],
            r#"[{"time": 1, "hook": "https://hooks.example.com/a", "body": [{}], "respCode": 200, "respBody": "ok", "error": null}]"#,
        )
    };
    let app = axum::Router::new()
        .route("/transcoding", axum::routing::post(list))
        .route(
            "/transcoding/notifications/resend",
            axum::routing::post(resend),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    url
}

/// The emulator, limiting requests to `limits`, with `jobs` completed jobs of zone 7 in the
/// window.
async fn emulator(jobs: usize, limits: RateLimits) -> RunningEmulator {
    let emu = Emulator::builder()
        .default_key("k")
        .rate_limits(limits)
        .start()
        .await
        .unwrap();
    emu.insert(
        "fivecents",
        "encode_jobs",
        (0..jobs).map(|i| {
            let end = T0_MS + 1_000 + i64::try_from(i).unwrap();
            json!({"index": i, "zoneid": 7, "serviceid": 77, "hash": format!("{i:08x}"),
                   "meta": {"zoneid": "7", "profileid": "12", "infile": format!("in/{i}.mp4"),
                            "outfile": format!("out/{i}/index.m3u8"),
                            "time": {"start": (end - 500).to_string(), "end": end.to_string()}}})
        }),
    )
    .unwrap();
    emu
}

fn params() -> RecoverParams {
    RecoverParams {
        zone: 7,
        since: jiff::Timestamp::from_millisecond(T0_MS).unwrap(),
        until: jiff::Timestamp::from_millisecond(T0_MS + 86_400_000).unwrap(),
        profile: None,
        target: None,
    }
}

fn client(base: &str, per_second: u32) -> hookspec::fivecents::Client {
    hookspec::fivecents::Client::builder()
        .base_url(base)
        .credentials("k")
        .rate_limit((per_second > 0).then_some(RateLimit {
            requests: per_second,
            per_seconds: 1,
        }))
        .build()
        .unwrap()
}

/// Without a rate limit: the journal's cost in a run (group commit) is the difference
/// between the file journal and the in-memory one.
async fn in_run_cost(base: &str, n: usize, concurrency: usize) {
    let client = client(base, 0);
    let mut plan = fivecents::plan(&client, &params()).await.unwrap();
    plan.items.truncate(n);
    let options = Options {
        concurrency,
        ..Options::default()
    };
    let mut times = [Duration::ZERO; 2];
    // Interleaved, best of three each.
    for round in 0..6 {
        let file = round % 2 == 0;
        let dir = tempfile::tempdir().unwrap();
        let mut fj = FileJournal::new(dir.path().join("j.jsonl"));
        let mut mj = MemoryJournal::default();
        let journal: &mut dyn Journal = if file { &mut fj } else { &mut mj };
        let started = Instant::now();
        let report = fivecents::execute(&client, plan.clone(), journal, &options, &|_| {})
            .await
            .unwrap();
        let t = started.elapsed();
        assert_eq!(report.delivered, n);
        let slot = &mut times[usize::from(file)];
        if slot.is_zero() || t < *slot {
            *slot = t;
        }
    }
    let [mem, file] = times;
    let n32 = u32::try_from(n).unwrap();
    println!(
        "| journal cost per item inside a run (group commit, concurrency {concurrency}, no rate limit, {n} items): file {:?}/item, memory {:?}/item | {:?} |",
        file / n32,
        mem / n32,
        file.saturating_sub(mem) / n32
    );
}

async fn sustained(base: &str, per_second: u32, n: usize, file: bool, concurrency: usize) {
    let client = client(base, per_second);
    let mut plan = fivecents::plan(&client, &params()).await.unwrap();
    plan.items.truncate(n);
    let dir = tempfile::tempdir().unwrap();
    let mut fj = FileJournal::new(dir.path().join("j.jsonl"));
    let mut mj = MemoryJournal::default();
    let journal: &mut dyn Journal = if file { &mut fj } else { &mut mj };
    // The plan's request took a token: let the bucket fill again, so that the run starts
    // with exactly its burst and the rest goes at the limit.
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let options = Options {
        concurrency,
        ..Options::default()
    };
    let started = Instant::now();
    let report = fivecents::execute(&client, plan, journal, &options, &|_| {})
        .await
        .unwrap();
    let secs = started.elapsed().as_secs_f64();
    assert_eq!(report.delivered, n);
    // The client's bucket starts full: its first `per_second` requests are a burst.
    let burst = f64::from(per_second);
    let rate = (n as f64 - burst) / secs;
    println!(
        "| {per_second}/s | {n} | {} | {concurrency} | {secs:.2} s | {rate:.1}/s | {:.3} |",
        if file { "file (fsync)" } else { "memory" },
        rate / f64::from(per_second)
    );
}

fn journal_cost(n: usize) {
    let dir = tempfile::tempdir().unwrap();
    let plan = synthetic_plan(n);
    let mut j = FileJournal::new(dir.path().join("j.jsonl"));
    j.create(&plan).unwrap();
    let outcome = ok_outcome();
    let started = Instant::now();
    for (i, item) in plan.items.iter().enumerate() {
        j.append(&Record::Intent {
            key: item.key.clone(),
            run: 1,
            item: Some(i),
        })
        .unwrap();
        j.append(&Record::Outcome {
            key: item.key.clone(),
            run: 1,
            item: Some(i),
            outcome: outcome.clone(),
        })
        .unwrap();
    }
    let per = started.elapsed() / u32::try_from(n).unwrap();
    println!(
        "| journal cost per item (intent + outcome, 2 × write + fdatasync), {n} items | {per:?} |"
    );
}

fn ok_outcome() -> Outcome {
    Outcome {
        status: Status::Delivered,
        calls: vec![HookCall {
            hook: "https://hooks.example.com/a".into(),
            status: Some(200),
            error: None,
            time: Some(1_745_584_300),
        }],
        error: None,
    }
}

fn synthetic_plan(n: usize) -> Plan {
    Plan {
        kind: PlanKind::FivecentsRecover,
        params: params().to_json(),
        items: (0..n)
            .map(|i| PlanItem {
                key: format!("7/{i}"),
                detail: hookspec::RawJson::from_value(&json!({"zoneid": 7, "index": i, "infile": format!("in/{i}.mp4"),
                               "outfile": format!("out/{i}/index.m3u8"), "completed": "2026-03-01T00:00:01Z"})).unwrap(),
            })
            .collect(),
    }
}

fn resume(n: usize) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.jsonl");
    let plan = synthetic_plan(n);
    // Created, then closed (its lock released), as by a run that ended.
    FileJournal::new(&path).create(&plan).unwrap();
    // The records as FileJournal writes them, without a sync each (setup only).
    {
        let mut f = std::io::BufWriter::new(
            std::fs::OpenOptions::new()
                .append(true)
                .open(&path)
                .unwrap(),
        );
        let mut line = |r: &Record| {
            serde_json::to_writer(&mut f, r).unwrap();
            f.write_all(b"\n").unwrap();
        };
        line(&Record::Run {
            run: 1,
            at: "2026-03-02T00:00:00Z".into(),
            retry_failed: false,
            resend_uncertain: false,
        });
        let outcome = ok_outcome();
        // Nine in ten done, the rest interrupted or pending.
        for (i, item) in plan.items.iter().enumerate() {
            if i % 10 == 9 {
                continue;
            }
            line(&Record::Intent {
                key: item.key.clone(),
                run: 1,
                item: Some(i),
            });
            if i % 10 != 8 {
                line(&Record::Outcome {
                    key: item.key.clone(),
                    run: 1,
                    item: Some(i),
                    outcome: outcome.clone(),
                });
            }
        }
    }
    drop(plan);
    let size = std::fs::metadata(&path).unwrap().len();
    // Reset the peak RSS (VmHWM) so that it measures the resume alone.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let base_rss = rss("VmRSS");
    // What a resumed run does before sending: the item states by position, no item kept.
    let mut times = Vec::new();
    for _ in 0..3 {
        let started = Instant::now();
        let mut j = FileJournal::new(&path);
        let state = j.run_state().unwrap().unwrap();
        let counts = state.counts();
        times.push(started.elapsed());
        assert_eq!(counts["delivered"], n / 10 * 8);
    }
    times.sort();
    println!(
        "| resume of a {n}-item journal ({:.1} MB): `run_state` (read + replay, no item kept), median of 3 | {:?} |",
        size as f64 / 1e6,
        times[1]
    );
    println!(
        "| peak RSS during that resume (VmHWM after clear_refs; RSS before: {base_rss}) | {} |",
        rss("VmHWM")
    );
    // What `hookspec journal show` does: every item with its last outcome.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let before = rss("VmRSS");
    let started = Instant::now();
    let view = FileJournal::new(&path).view().unwrap().unwrap();
    let took = started.elapsed();
    assert_eq!(view.counts()["delivered"], n / 10 * 8);
    println!(
        "| the whole view of that journal (`view`, what `journal show` reads), once | {took:?}; peak RSS {} (before: {before}) |",
        rss("VmHWM")
    );
}

/// Memory of a run of an `n`-item plan (fsync'd journal, no rate limit, the stand-in's
/// resend): what the plan itself takes once built, and the run's peak above that.
async fn run_memory(base: &str, n: usize) {
    let client = client(base, 0);
    let dir = tempfile::tempdir().unwrap();
    let mut journal = FileJournal::new(dir.path().join("j.jsonl"));
    let before = rss_kb("VmRSS");
    let plan = synthetic_plan(n);
    let with_plan = rss_kb("VmRSS");
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let options = Options {
        concurrency: 32,
        ..Options::default()
    };
    let report = fivecents::execute(&client, plan, &mut journal, &options, &|_| {})
        .await
        .unwrap();
    assert_eq!(report.delivered, n);
    let peak = rss_kb("VmHWM");
    let per = |kb: u64| kb * 1024 / u64::try_from(n).unwrap();
    println!(
        "| a run of a {n}-item plan (fsync'd journal): the plan built, then the run's peak RSS above it | plan {} kB ({} B/item); run {} kB ({} B/item) |",
        with_plan.saturating_sub(before),
        per(with_plan.saturating_sub(before)),
        peak.saturating_sub(with_plan),
        per(peak.saturating_sub(with_plan)),
    );
}

fn rss_kb(field: &str) -> u64 {
    rss(field)
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

fn rss(field: &str) -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .map(|l| l.split_whitespace().skip(1).collect::<Vec<_>>().join(" "))
        })
        .unwrap_or_else(|| "n/a".into())
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let (Some("memory"), Some(n)) = (args.get(1).map(String::as_str), args.get(2)) {
        let n: usize = n.parse().unwrap();
        let rt = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let base = server(1).await;
            run_memory(&base, n).await;
        });
        return;
    }
    let quick = std::env::args().any(|a| a == "quick");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    println!("### Resume and journal\n\n| measurement | result |\n|---|---|");
    resume(if quick { 10_000 } else { 100_000 });
    journal_cost(if quick { 500 } else { 5_000 });
    rt.block_on(async {
        let n = if quick { 1_000 } else { 10_000 };
        let base = server(i64::try_from(n).unwrap()).await;
        in_run_cost(&base, n, 32).await;
        // Each in a process of its own: the allocator keeps what earlier sections freed.
        let big = if quick { 10_000 } else { 100_000 };
        for n in [big / 10, big] {
            let out = std::process::Command::new(std::env::current_exe().unwrap())
                .args(["memory", &n.to_string()])
                .output()
                .unwrap();
            assert!(out.status.success(), "{out:?}");
            print!("{}", String::from_utf8_lossy(&out.stdout));
        }
    });
    println!(
        "\n### Sustained rate\n\nrate = (items − the bucket's initial burst) ÷ wall time; ratio = rate ÷ limit.\n\n| limit | items | journal | concurrency | time | rate | ratio |\n|---|---|---|---|---|---|---|"
    );
    rt.block_on(async {
        let n = if quick { 1_000 } else { 10_000 };
        let emu = emulator(n, RateLimits::PerSecond(1_000)).await;
        let base = emu.base_url("fivecents");
        sustained(&base, 1_000, n, true, 32).await;
        sustained(&base, 1_000, n, false, 32).await;
        emu.shutdown().await;
        let small = if quick { 15 } else { 50 };
        let emu = emulator(small, RateLimits::Spec).await;
        sustained(&emu.base_url("fivecents"), 5, small, true, 4).await;
        emu.shutdown().await;
    });
}
