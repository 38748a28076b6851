//! `hookspec fivecents recover`, `hookspec omegastream replay` and `hookspec journal`: the
//! plan, the run, resume, Ctrl-C, SIGKILL at random moments, bad input, exit codes.
//! Servers are on 127.0.0.1 only.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::{hookspec, run};
use assert_cmd::Command;
use axum::body::Bytes;
use predicates::prelude::*;
use serde_json::{Value, json};

#[tokio::test]
async fn dry_run_prints_the_plan_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = hookspec();
    cmd.current_dir(dir.path()).args([
        "fivecents",
        "recover",
        "--zone",
        "1234",
        "--since",
        "2025-04-01",
        "--until",
        "2025-04-30 00:00",
        "--dry-run",
        "--json",
    ]);
    let out = run(cmd).await.success();
    let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let lines: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["key"], "1234/0");
    assert_eq!(lines[0]["completed"], "2025-04-25T12:30:11Z");
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "no journal"
    );
}

/// A recovery of the emulator's April 2025, `--journal` last (its path follows).
const EMULATOR_APRIL: [&str; 9] = [
    "fivecents",
    "recover",
    "--zone",
    "1234",
    "--since",
    "2025-04-01T00:00:00Z",
    "--until",
    "2025-04-30T00:00:00Z",
    "--journal",
];

#[tokio::test]
async fn a_run_against_the_emulator_then_a_resume_sends_nothing_more() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("j.jsonl");
    let args = |cmd: &mut Command| {
        cmd.args(EMULATOR_APRIL).arg(&journal);
    };
    let mut first = hookspec();
    args(&mut first);
    run(first)
        .await
        .success()
        .stdout(predicate::str::contains("1 delivered"));
    let mut second = hookspec();
    args(&mut second);
    second.arg("--json");
    let out = run(second).await.success();
    let report: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(report["sent"], 0);
    assert_eq!(report["states"]["delivered"], 1);

    let mut show = hookspec();
    show.args(["journal", "show", "--json"]).arg(&journal);
    let out = run(show).await.success();
    let view: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(view["kind"], "fivecents.recover");
    assert_eq!(view["runs"].as_array().unwrap().len(), 2);
    let mut export = hookspec();
    export.args(["journal", "export"]).arg(&journal);
    run(export)
        .await
        .success()
        .stdout(predicate::str::contains("1234/0").and(predicate::str::contains("delivered")));
}

/// A journal records where its plan was made: a run that forgot the key (so ran against the
/// embedded emulator) and then the real run with the same journal is refused, not resumed
/// with the emulator's plan.
#[tokio::test]
async fn a_journal_of_the_emulator_is_refused_for_a_real_api() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("j.jsonl");
    let window = EMULATOR_APRIL;
    let mut first = hookspec();
    first.args(window).arg(&journal);
    run(first).await.success();

    let (base, counts) = slow_fivecents(3, Duration::ZERO).await;
    let mut real = hookspec();
    real.args(window)
        .arg(&journal)
        .args(["--base-url", &base, "--key", "k"]);
    let out = run(real).await.code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(stderr.contains("another plan"), "{stderr}");
    assert!(stderr.contains("embedded emulator"), "{stderr}");
    assert!(counts.lock().unwrap().is_empty(), "nothing was sent");

    // Without --journal, the two runs' default journals differ.
    let mut emulated = hookspec();
    emulated.current_dir(dir.path()).args(&window[..8]);
    run(emulated).await.success();
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".jsonl") && n != "j.jsonl")
        .collect();
    assert_eq!(
        names,
        ["hookspec-recover-1234-1743465600-1745971200-emulator.jsonl"]
    );
}

#[tokio::test]
async fn bad_input_exits_2_and_sends_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut reversed = hookspec();
    reversed.current_dir(dir.path()).args([
        "fivecents",
        "recover",
        "--zone",
        "1234",
        "--since",
        "2025-04-30",
        "--until",
        "2025-04-01",
    ]);
    run(reversed)
        .await
        .code(2)
        .stderr(predicate::str::contains("before it starts"));
    let corrupt = dir.path().join("corrupt.jsonl");
    std::fs::write(&corrupt, "{\"t\":\"header\"\n").unwrap();
    let mut cmd = hookspec();
    cmd.args([
        "fivecents",
        "recover",
        "--zone",
        "1234",
        "--since",
        "2025-04-01",
        "--until",
        "2025-04-30",
        "--journal",
    ])
    .arg(&corrupt);
    run(cmd)
        .await
        .code(2)
        .stderr(predicate::str::contains("corrupt"));
    let mut bad_time = hookspec();
    bad_time.args([
        "fivecents",
        "recover",
        "--zone",
        "1234",
        "--since",
        "yesterday",
        "--until",
        "2025-04-01",
    ]);
    run(bad_time).await.code(2);
    let mut show = hookspec();
    show.args(["journal", "show"]).arg(&corrupt);
    run(show).await.code(2);
    let mut left: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(
        left,
        ["corrupt.jsonl", "corrupt.jsonl.lock"],
        "only the corrupt file, and the lock file of the run that read it"
    );
}

#[tokio::test]
async fn replay_posts_the_emulator_events_once() {
    let bodies = Arc::new(Mutex::new(Vec::<Bytes>::new()));
    let app = axum::Router::new().fallback({
        let bodies = bodies.clone();
        move |b: Bytes| {
            let bodies = bodies.clone();
            async move {
                bodies.lock().unwrap().push(b);
                "ok"
            }
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let to = format!("http://{}/in", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let dir = tempfile::tempdir().unwrap();
    for _ in 0..2 {
        let mut cmd = hookspec();
        cmd.current_dir(dir.path()).args([
            "omegastream",
            "replay",
            "--endpoint",
            "6336cd2b5790c27875f70d96",
            "--since",
            "2022-09-01",
            "--until",
            "2022-11-01",
            "--type",
            "video.uploaded,video.process_succeeded",
            "--to",
            &to,
        ]);
        run(cmd).await.success();
    }
    assert_eq!(bodies.lock().unwrap().len(), 2, "two events, each once");
}

/// Nothing to recover is the common case, and a success: exit 0, not "not every item is
/// delivered".
#[tokio::test]
async fn an_empty_plan_is_complete_and_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = hookspec();
    cmd.current_dir(dir.path()).args([
        "omegastream",
        "replay",
        "--endpoint",
        "6336cd2b5790c27875f70d96",
        "--since",
        "2030-01-01",
        "--until",
        "2030-02-01",
        "--to",
        "http://127.0.0.1:9/unused",
    ]);
    let out = run(cmd).await.success().get_output().clone();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("sent 0 of 0 selected (0 in the plan)"),
        "{stdout}"
    );
}

/// A reader that closes stdout early cuts the report short, not the exit status: a replay whose
/// receiver answers 500 exits 1 with its reason on stderr, `| head` or not.
#[tokio::test]
async fn a_closed_stdout_keeps_the_exit_status_of_a_failed_run() {
    let app = axum::Router::new()
        .fallback(|| async { (axum::http::StatusCode::INTERNAL_SERVER_ERROR, "down") });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let to = format!("http://{}/in", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("hookspec"));
    cmd.env_remove("HOOKSPEC_OMEGASTREAM_KEY")
        .current_dir(dir.path())
        .args([
            "omegastream",
            "replay",
            "--endpoint",
            "6336cd2b5790c27875f70d96",
            "--since",
            "2022-09-01",
            "--until",
            "2022-11-01",
            "--to",
            &to,
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let out = tokio::task::spawn_blocking(move || {
        let mut child = cmd.spawn().unwrap();
        drop(child.stdout.take()); // the reader is gone before anything is written
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("not every item is delivered"), "{stderr}");
}

/// A 5centscdn stand-in with `n` jobs whose resend takes `delay`; counts resends per index.
async fn slow_fivecents(n: i64, delay: Duration) -> (String, Arc<Mutex<BTreeMap<i64, u32>>>) {
    let counts = Arc::new(Mutex::new(BTreeMap::new()));
    let list = move || async move {
        let logs: Vec<Value> = (0..n)
            .map(|i| json!({"index": i, "zoneid": 7, "meta": {"time": {"end": (1_745_000_000_000_i64 + i * 1000).to_string()}}}))
            .collect();
        (
            [("content-type", "application/json")],
            json!({"zonesInRange": [7], "logsInRange": logs}).to_string(),
        )
    };
    let resend = {
        let counts = counts.clone();
        move |b: Bytes| {
            let counts = counts.clone();
            async move {
                let v: Value = serde_json::from_slice(&b).unwrap();
                let i = v["index"].as_i64().unwrap();
                *counts.lock().unwrap().entry(i).or_insert(0) += 1;
                tokio::time::sleep(delay).await;
                (
                    [("content-type", "application/json")],
                    json!([{"time": 1, "hook": "http://h.example/", "body": [], "respCode": 200, "respBody": "", "error": null}]).to_string(),
                )
            }
        }
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
    (url, counts)
}

fn recover_cmd(base: &str, journal: &Path) -> std::process::Command {
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("hookspec"));
    cmd.args([
        "fivecents",
        "recover",
        "--zone",
        "7",
        "--since",
        "2025-04-01",
        "--until",
        "2025-05-01",
        "--concurrency",
        "3",
        "--base-url",
        base,
        "--key",
        "k",
        "--journal",
    ])
    .arg(journal)
    .stdout(std::process::Stdio::piped())
    .stderr(std::process::Stdio::piped());
    cmd
}

fn signal(pid: u32, sig: &str) {
    let ok = std::process::Command::new("kill")
        .args([sig, &pid.to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok);
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn ctrl_c_waits_for_in_flight_items_and_prints_the_resume_command() {
    let (base, counts) = slow_fivecents(15, Duration::from_millis(300)).await;
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("j.jsonl");
    let child = recover_cmd(&base, &journal).spawn().unwrap();
    let started = std::time::Instant::now();
    while counts.lock().unwrap().len() < 4 && started.elapsed() < Duration::from_secs(20) {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    signal(child.id(), "-INT");
    let out = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert!(stderr.contains("resume with:"), "{stderr}");
    assert!(stderr.contains("--journal"), "{stderr}");
    // The key given with `--key` is a credential: not echoed in the command to resume with.
    assert!(!stderr.contains("--key"), "{stderr}");
    assert!(stderr.contains("set HOOKSPEC_FIVECENTS_KEY"), "{stderr}");
    let sent_before = counts.lock().unwrap().len();
    assert!(sent_before < 15);
    // Nothing was left uncertain: the in-flight items were waited for.
    let resumed = recover_cmd(&base, &journal).output().unwrap();
    assert!(
        resumed.status.success(),
        "{}",
        String::from_utf8_lossy(&resumed.stderr)
    );
    let counts = counts.lock().unwrap().clone();
    assert_eq!(counts.len(), 15);
    assert!(counts.values().all(|&c| c == 1), "{counts:?}");
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn sigkill_at_random_moments_then_resume_sends_each_job_once_except_reported_uncertain() {
    let (base, counts) = slow_fivecents(20, Duration::from_millis(120)).await;
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("j.jsonl");
    for _ in 0..3 {
        let before = counts.lock().unwrap().values().sum::<u32>();
        let mut child = recover_cmd(&base, &journal).spawn().unwrap();
        // Wait for some progress, then a random extra moment, then kill without warning.
        let started = std::time::Instant::now();
        while counts.lock().unwrap().values().sum::<u32>() < before + 2
            && child.try_wait().unwrap().is_none()
            && started.elapsed() < Duration::from_secs(10)
        {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        tokio::time::sleep(Duration::from_millis(fastrand_ms())).await;
        child.kill().unwrap();
        let _ = child.wait();
    }
    // The journal names what may have been delivered.
    let show = std::process::Command::new(assert_cmd::cargo::cargo_bin("hookspec"))
        .args(["journal", "show", "--json"])
        .arg(&journal)
        .output()
        .unwrap();
    assert!(show.status.success());
    let view: Value = serde_json::from_slice(&show.stdout).unwrap();
    let uncertain: Vec<i64> = view["uncertain"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| {
            k.as_str()
                .unwrap()
                .trim_start_matches("7/")
                .parse()
                .unwrap()
        })
        .collect();
    // A plain resume: every other job, once; the uncertain ones are reported, not sent.
    let resumed = recover_cmd(&base, &journal).output().unwrap();
    let stderr = String::from_utf8_lossy(&resumed.stderr);
    if uncertain.is_empty() {
        assert!(resumed.status.success(), "{stderr}");
    } else {
        assert!(stderr.contains("--resend-uncertain"), "{stderr}");
    }
    let after_resume = counts.lock().unwrap().clone();
    for i in 0..20 {
        let n = after_resume.get(&i).copied().unwrap_or(0);
        if uncertain.contains(&i) {
            assert!(n <= 1, "uncertain job {i} sent {n} times");
        } else {
            assert_eq!(n, 1, "job {i} sent {n} times");
        }
    }
    // Asked explicitly, the uncertain ones go too; then every job was resent at least once.
    let mut forced = recover_cmd(&base, &journal);
    forced.arg("--resend-uncertain");
    let forced = forced.output().unwrap();
    assert!(
        forced.status.success(),
        "{}",
        String::from_utf8_lossy(&forced.stderr)
    );
    let end = counts.lock().unwrap().clone();
    for i in 0..20 {
        let n = end.get(&i).copied().unwrap_or(0);
        assert!(n >= 1, "job {i} never sent");
        if !uncertain.contains(&i) {
            assert_eq!(n, 1, "job {i}");
        }
    }
}

fn fastrand_ms() -> u64 {
    // Random enough for varying kill moments without another dependency.
    u64::from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos()
            % 400,
    )
}
