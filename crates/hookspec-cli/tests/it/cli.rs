//! The `hookspec` binary: every subcommand, both output modes, the exit codes, and the key
//! never shown. Servers are on 127.0.0.1 only.

use crate::{hookspec, run};
use assert_cmd::Command;
use hookspec_mock::{Emulator, RunningEmulator};
use predicates::prelude::*;

const ENDPOINT: &str = "6336cd2b5790c27875f70d96";
const EVENT: &str = "63377e715790c27875f70dbd";
const SECRET: &str = "sekrit-key-0xC0FFEE";

/// `hookspec omegastream list-webhook-events` against `emu` with the right key.
fn list_events_on(emu: &RunningEmulator) -> Command {
    let mut cmd = hookspec();
    cmd.args([
        "omegastream",
        "list-webhook-events",
        ENDPOINT,
        "--base-url",
        &emu.base_url("omegastream"),
        "--key",
        SECRET,
    ]);
    cmd
}

async fn emulator_with_secret() -> RunningEmulator {
    Emulator::builder()
        .default_key(SECRET)
        .start()
        .await
        .unwrap()
}

#[test]
fn list_uses_the_embedded_emulator_when_no_target_is_given() {
    hookspec()
        .args(["omegastream", "list-webhook-events", ENDPOINT])
        .assert()
        .success()
        .stdout(predicate::str::contains(EVENT).and(predicate::str::contains("video.uploaded")))
        .stderr(predicate::str::contains("embedded emulator"));
}

#[test]
fn json_output_is_machine_readable() {
    let out = hookspec()
        .args(["omegastream", "list-webhook-events", ENDPOINT, "--json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 2);
    assert_eq!(v[0]["data"], serde_json::Value::Null);

    let out = hookspec()
        .args([
            "omegastream",
            "get-webhook-event",
            ENDPOINT,
            EVENT,
            "--json",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["id"], EVENT);
    assert_eq!(v["response"]["status_code"], 200);
}

#[test]
fn get_prints_a_field_table() {
    hookspec()
        .args(["omegastream", "get-webhook-event", ENDPOINT, EVENT])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("endpoint_id")
                .and(predicate::str::contains("process-completed")),
        );
}

#[test]
fn resend_calls_the_local_webhook_and_prints_the_log() {
    hookspec()
        .args([
            "fivecents",
            "resend-notification",
            "--zoneid",
            "1234",
            "--index",
            "0",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("webhook received").and(predicate::str::contains("200")));
    let out = hookspec()
        .args([
            "fivecents",
            "resend-notification",
            "--zoneid",
            "1234",
            "--outfile",
            "hls/keynote/index.m3u8",
            "--json",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v[0]["respCode"], 200);
    assert_eq!(v[0]["body"][0]["index"], 1);
    hookspec()
        .args([
            "fivecents",
            "resend-notification",
            "--body",
            r#"{"zoneid": 1234, "infile": "uploads/intro.mp4"}"#,
        ])
        .assert()
        .success();
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        vec!["fivecents", "resend-notification", "--zoneid", "1234"],
        vec![
            "fivecents",
            "resend-notification",
            "--zoneid",
            "1234",
            "--index",
            "0",
            "--infile",
            "a",
        ],
        vec![
            "fivecents",
            "resend-notification",
            "--zoneid",
            "x",
            "--index",
            "0",
        ],
        vec![
            "fivecents",
            "resend-notification",
            "--body",
            r#"{"zoneid": 1234}"#,
        ],
        vec!["omegastream", "get-webhook-event", ENDPOINT],
        vec!["omegastream", "no-such-endpoint"],
    ] {
        hookspec().args(&args).assert().code(2);
    }
}

#[test]
fn help_comes_from_the_specs() {
    hookspec()
        .args(["omegastream", "list-webhook-events", "--help"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("are null in this list")
                .and(predicate::str::contains("GET /client/webhooks/{id}")),
        );
    hookspec()
        .args(["--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Exit codes"));
}

#[tokio::test(flavor = "multi_thread")]
async fn api_errors_exit_1_and_never_show_the_key() {
    let emu = emulator_with_secret().await;
    // Wrong key → 401.
    let mut cmd = hookspec();
    cmd.args([
        "omegastream",
        "list-webhook-events",
        ENDPOINT,
        "--base-url",
        &emu.base_url("omegastream"),
        "--key",
        "not-the-key",
    ]);
    run(cmd)
        .await
        .code(1)
        .stderr(predicate::str::contains("401").and(predicate::str::contains("not-the-key").not()));
    // Right key from the environment → 404 for an unknown id, key never printed.
    let mut cmd = hookspec();
    cmd.env("HOOKSPEC_OMEGASTREAM_KEY", SECRET).args([
        "omegastream",
        "get-webhook-event",
        ENDPOINT,
        "nope",
        "--base-url",
        &emu.base_url("omegastream"),
    ]);
    let out = run(cmd).await.code(1);
    let output = out.get_output();
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(all.contains("404"), "{all}");
    assert!(!all.contains(SECRET), "{all}");
    // And a success with the key from the environment.
    let mut cmd = hookspec();
    cmd.env("HOOKSPEC_FIVECENTS_KEY", SECRET).args([
        "fivecents",
        "resend-notification",
        "--zoneid",
        "1234",
        "--index",
        "1",
        "--base-url",
        &emu.base_url("fivecents"),
        "--json",
    ]);
    let out = run(cmd).await.success();
    assert!(!String::from_utf8_lossy(&out.get_output().stdout).contains(SECRET));
}

#[test]
fn transport_errors_exit_3() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    hookspec()
        .args([
            "omegastream",
            "list-webhook-events",
            ENDPOINT,
            "--base-url",
            &format!("http://{closed}"),
            "--key",
            SECRET,
        ])
        .assert()
        .code(3)
        .stderr(
            predicate::str::contains("transport error").and(predicate::str::contains(SECRET).not()),
        );
}

#[tokio::test(flavor = "multi_thread")]
async fn decode_errors_exit_4_and_faults_can_be_set_from_the_cli() {
    let emu = emulator_with_secret().await;
    let admin = format!("http://{}", emu.addr());
    let token = emu.admin_token().to_owned();
    // Without the admin token the emulator refuses.
    let mut cmd = hookspec();
    cmd.args([
        "mock",
        "fault",
        "omegastream.list_webhook_events",
        "malformed",
        "--admin-url",
        &admin,
        "--admin-token",
        "wrong",
    ]);
    run(cmd)
        .await
        .code(1)
        .stderr(predicate::str::contains("401"));
    let mut cmd = hookspec();
    cmd.args([
        "mock",
        "fault",
        "omegastream.list_webhook_events",
        "malformed",
        "--admin-url",
        &admin,
        "--admin-token",
        &token,
        "--times",
        "1",
    ]);
    run(cmd).await.success();
    let cmd = list_events_on(&emu);
    run(cmd).await.code(4);
    // The fault was for one request only.
    let cmd = list_events_on(&emu);
    run(cmd).await.success();
    let mut cmd = hookspec();
    cmd.args([
        "mock",
        "fault",
        "omegastream.list_webhook_events",
        "status",
        "503",
        "--admin-url",
        &admin,
        "--admin-token",
        &token,
    ]);
    run(cmd).await.success();
    let cmd = list_events_on(&emu);
    run(cmd)
        .await
        .code(1)
        .stderr(predicate::str::contains("503"));
    // A route the emulator does not serve is refused; the CLI's spelling of one is its route.
    let mut cmd = hookspec();
    cmd.args(["mock", "fault", "x.y", "clear", "--admin-url", &admin])
        .env("HOOKSPEC_ADMIN_TOKEN", &token);
    run(cmd)
        .await
        .code(1)
        .stderr(predicate::str::contains("unknown route `x.y`"));
    let mut cmd = hookspec();
    cmd.args([
        "mock",
        "fault",
        "omegastream.list-webhook-events",
        "clear",
        "--admin-url",
        &admin,
    ])
    .env("HOOKSPEC_ADMIN_TOKEN", &token);
    run(cmd).await.success();
    run(list_events_on(&emu)).await.success();
}

#[test]
fn demo_runs_the_main_job_offline() {
    hookspec().args(["demo"]).assert().success().stdout(
        predicate::str::contains("list-webhook-events")
            .and(predicate::str::contains("get-webhook-event"))
            .and(predicate::str::contains("webhook received"))
            .and(predicate::str::contains(
                "The webhook receiver got 1 POST(s).",
            )),
    );
}

#[test]
fn mock_serve_listens_on_the_given_port() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("hookspec"))
        .args(["mock", "serve", "--port", &port.to_string()])
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait (bounded) until it accepts connections, then call it with the CLI itself.
    let mut up = false;
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            up = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let result = up.then(|| {
        hookspec()
            .args([
                "omegastream",
                "list-webhook-events",
                ENDPOINT,
                "--base-url",
                &format!("http://127.0.0.1:{port}/omegastream"),
                "--key",
                hookspec_mock::DEFAULT_KEY,
            ])
            .assert()
            .try_success()
            .is_ok()
    });
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(result, Some(true), "the served emulator answered");
}

#[test]
fn the_neighbouring_endpoints_are_subcommands_too() {
    hookspec()
        .args(["fivecents", "list-encode-jobs"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("zonesInRange").and(predicate::str::contains("logsInRange")),
        );
    let out = hookspec()
        .args(["omegastream", "list-webhook-endpoints", "--json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v[0]["id"], ENDPOINT);
}

/// One HTTP/1.1 request on a fresh connection: the status and the body.
fn http(port: u16, method: &str, path: &str, body: &str) -> (u16, String) {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let status = out[9..12].parse().unwrap();
    let body = out.split_once("\r\n\r\n").map_or("", |(_, b)| b).to_owned();
    (status, body)
}

#[test]
fn mock_serve_serves_a_spec_folder_given_at_run_time() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixture/api-specs/fixture"
    );
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("hookspec"))
        .args([
            "mock",
            "serve",
            "--port",
            &port.to_string(),
            "--spec-dir",
            dir,
        ])
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let up = (0..100).any(|_| {
        std::thread::sleep(std::time::Duration::from_millis(50));
        std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
    });
    let answers = up.then(|| {
        let created = http(port, "POST", "/fixture/widgets", r#"{"type": "sprocket"}"#);
        let listed = http(port, "GET", "/fixture/widgets?per_page=50", "");
        // The embedded APIs are still served next to it.
        let embedded = http(
            port,
            "GET",
            &format!("/omegastream/webhooks/{ENDPOINT}"),
            "",
        );
        (created, listed, embedded)
    });
    let _ = child.kill();
    let _ = child.wait();
    let (created, listed, embedded) = answers.expect("the emulator started");
    assert_eq!(created.0, 201, "{created:?}");
    let widget: serde_json::Value = serde_json::from_str(&created.1).unwrap();
    assert_eq!(widget["type"], "sprocket");
    assert_eq!(listed.0, 200, "{listed:?}");
    let page: serde_json::Value = serde_json::from_str(&listed.1).unwrap();
    assert!(
        page["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w["id"] == widget["id"] && w["type"] == "sprocket"),
        "{page}"
    );
    // 401 without the key: the route exists.
    assert_eq!(embedded.0, 401, "{embedded:?}");
}

#[test]
fn mock_serve_refuses_a_bad_spec_folder_naming_the_place() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("api.toml"),
        "name = \"broken\"\nbase_url = 7\n",
    )
    .unwrap();
    hookspec()
        .args(["mock", "serve", "--port", "0", "--spec-dir"])
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("api.toml:2:"));
}
