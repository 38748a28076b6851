//! `hookspec listen` and `hookspec trigger`, the binaries themselves, over 127.0.0.1.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

fn hookspec() -> Command {
    Command::new(assert_cmd::cargo::cargo_bin("hookspec"))
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

#[test]
fn trigger_to_listen_prints_typed_events_and_reports_the_duplicate() {
    let port = free_port();
    let mut listen = hookspec()
        .args([
            "listen",
            "--port",
            &port.to_string(),
            "--json",
            "--count",
            "4",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // It says where it listens, once it does.
    let mut banner = String::new();
    BufReader::new(listen.stderr.take().unwrap())
        .read_line(&mut banner)
        .unwrap();
    assert!(banner.contains(&format!("127.0.0.1:{port}")), "{banner}");
    let url = format!("http://127.0.0.1:{port}/omegastream");
    let trigger = |args: &[&str]| {
        let out = hookspec().arg("trigger").args(args).output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let (code, out) = trigger(&["omegastream", "video.process_failed", "--to", &url]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("HTTP 200"), "{out}");
    let (code, out) = trigger(&["omegastream", "video.process_failed", "--to", &url]);
    assert_eq!(code, Some(0));
    assert!(out.contains("duplicate"), "{out}");
    let (code, _) = trigger(&[
        "omegastream",
        "video.uploaded",
        "--to",
        &url,
        "--set",
        "id=evt-new",
        "--set",
        "data.status=uploaded",
    ]);
    assert_eq!(code, Some(0));
    // A body of the wrong API: refused with a 4xx, which `trigger` reports as an API error.
    let (code, _) = trigger(&["fivecents", "job_completed", "--to", &url]);
    assert_eq!(code, Some(1));
    let out = listen.wait_with_output().unwrap();
    assert!(out.status.success());
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[0]["type"], "video.process_failed");
    assert_eq!(lines[0]["duplicate"], false);
    assert_eq!(lines[1]["duplicate"], true);
    assert_eq!(lines[2]["id"], "evt-new");
    assert_eq!(lines[2]["event"]["data"]["status"], "uploaded");
    assert_eq!(lines[3]["errors"][0]["error"]["error"], "wrong_shape");
}

#[test]
fn trigger_reports_unknown_events_and_bad_overrides_as_usage_errors() {
    let out = hookspec()
        .args([
            "trigger",
            "omegastream",
            "video.nope",
            "--to",
            "http://127.0.0.1:9/",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("video.process_failed"));
    let out = hookspec()
        .args([
            "trigger",
            "fivecents",
            "job_completed",
            "--to",
            "http://127.0.0.1:9/",
            "--set",
            "7.outfile=x",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    // A --to that is no URL is the command line's mistake, not a transport error.
    let out = hookspec()
        .args([
            "trigger",
            "omegastream",
            "video.process_failed",
            "--to",
            "not a url",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--to not a url"));
}
