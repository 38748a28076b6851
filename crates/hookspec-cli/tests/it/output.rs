//! What the CLI prints: the library's decoding (aliases, lenient numbers, the zero time as
//! absent), `--raw` byte for byte, a closed stdout without a panic, and each cause of an error
//! once. Servers are on 127.0.0.1 only.

use std::io::Read;
use std::process::{Command, Stdio};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

const ENDPOINT: &str = "6336cd2b5790c27875f70d96";

fn hookspec() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hookspec"));
    cmd.env_remove("HOOKSPEC_FIVECENTS_KEY")
        .env_remove("HOOKSPEC_OMEGASTREAM_KEY");
    cmd
}

/// A server answering every request with `body` (as JSON), exactly these bytes.
async fn fixed(body: &'static str) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = vec![0u8; 16384];
                let mut read = 0;
                while !buf[..read].windows(4).any(|w| w == b"\r\n\r\n") {
                    match sock.read(&mut buf[read..]).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => read += n,
                    }
                }
                let head = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                    body.len()
                );
                let _ = sock.write_all(head.as_bytes()).await;
                let _ = sock.write_all(body.as_bytes()).await;
            });
        }
    });
    format!("http://{addr}")
}

/// Two list items as OmegaStream sends them: the zero `created_at`, `coid` spelled `ocid` in one
/// and `coid` in the other, null `data`/`response`, odd spacing.
const EVENTS: &str = r#"[ {"id":"e1","created_at":"0001-01-01T00:00:00Z","ocid":"c-1","api_version":"v1","created":1664581231,"type":"video.uploaded","data":null,"endpoint_id":"ep","response":null},
  {"id":"e2","created_at":"0001-01-01T00:00:00Z","coid":"c-2","api_version":"v1","created":1664578297,"type":"video.brand_new","data":null,"endpoint_id":"ep","response":null} ]"#;

async fn run(args: Vec<String>) -> std::process::Output {
    tokio::task::spawn_blocking(move || hookspec().args(args).output().unwrap())
        .await
        .unwrap()
}

fn list_args(base: &str, extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = [
        "omegastream",
        "list-webhook-events",
        ENDPOINT,
        "--base-url",
        base,
        "--key",
        "k",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

#[tokio::test(flavor = "multi_thread")]
async fn json_output_applies_the_specs_decoding_rules() {
    let base = fixed(EVENTS).await;
    let out = run(list_args(&base, &["--json"])).await;
    assert!(out.status.success(), "{out:?}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let items = v.as_array().unwrap();
    assert_eq!(items.len(), 2);
    // The zero time is absent, as the typed client has it (`None`).
    assert!(items.iter().all(|i| i.get("created_at").is_none()), "{v}");
    // Both spellings of the company id come out under the spec's name.
    assert_eq!(items[0]["ocid"], "c-1");
    assert_eq!(items[1]["ocid"], "c-2");
    assert!(items[1].get("coid").is_none());
    // An event type this version does not know is kept as sent.
    assert_eq!(items[1]["type"], "video.brand_new");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_table_shows_no_zero_times_and_no_empty_columns() {
    let base = fixed(EVENTS).await;
    let out = run(list_args(&base, &[])).await;
    assert!(out.status.success(), "{out:?}");
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(!table.contains("0001-01-01"), "{table}");
    assert!(!table.contains("created_at"), "{table}");
    assert!(!table.contains("data"), "{table}");
    assert!(!table.contains("response"), "{table}");
    assert!(table.contains("c-2") && table.contains("ocid"), "{table}");
}

#[tokio::test(flavor = "multi_thread")]
async fn raw_prints_the_body_byte_for_byte() {
    let base = fixed(EVENTS).await;
    let out = run(list_args(&base, &["--raw"])).await;
    assert!(out.status.success(), "{out:?}");
    assert_eq!(out.stdout, EVENTS.as_bytes());
}

#[tokio::test(flavor = "multi_thread")]
async fn lenient_numbers_come_out_as_the_spec_types() {
    // 5centscdn's job log with numbers sent as strings and a string sent as a number.
    let base = fixed(
        r#"{"zonesInRange":[1234],"logsInRange":[{"index":"3","serviceid":"77","zoneid":"1234","meta":{"zoneid":1234,"profileid":12}}]}"#,
    )
    .await;
    let out = run(vec![
        "fivecents".into(),
        "list-encode-jobs".into(),
        "--base-url".into(),
        base,
        "--key".into(),
        "k".into(),
        "--json".into(),
    ])
    .await;
    assert!(out.status.success(), "{out:?}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let log = &v["logsInRange"][0];
    assert_eq!(log["index"], 3);
    assert_eq!(log["serviceid"], 77);
    assert_eq!(log["zoneid"], 1234);
    assert_eq!(log["meta"]["zoneid"], "1234");
    assert_eq!(log["meta"]["profileid"], "12");
}

#[test]
fn a_closed_stdout_ends_the_command_quietly_with_status_0() {
    let mut child = hookspec()
        .args(["omegastream", "list-webhook-events", ENDPOINT, "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The reader goes away before anything is written (as `| head -c0` would).
    drop(child.stdout.take());
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "stderr: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!stderr.contains("Broken pipe"), "{stderr}");
}

#[test]
fn a_transport_error_prints_each_cause_once() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let out = hookspec()
        .args(list_args(&format!("http://{closed}"), &[]))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let stderr = String::from_utf8(out.stderr).unwrap();
    let lines: Vec<&str> = stderr.lines().collect();
    assert!(lines[0].contains("could not connect"), "{stderr}");
    assert!(
        lines
            .iter()
            .any(|l| l.contains("caused by") && l.contains("refused")),
        "{stderr}"
    );
    // No text is repeated: neither a whole line nor the root cause inside another line.
    for (i, l) in lines.iter().enumerate() {
        assert!(
            !lines[i + 1..].contains(l),
            "repeated line {l:?} in {stderr}"
        );
    }
    assert_eq!(stderr.matches("Connection refused").count(), 1, "{stderr}");
}

#[test]
fn the_spec_only_endpoints_are_subcommands_with_typed_flags() {
    // A range within 31 days, against the embedded emulator.
    let out = hookspec()
        .args([
            "fivecents",
            "list-encode-jobs-in-range",
            "--r",
            "2025-04-01 00:00 - 2025-04-30 23:59",
            "--i",
            "zone",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["logsInRange"][0]["zoneid"], 1234);

    // Over 31 days: refused before sending, a usage error naming the rule.
    let out = hookspec()
        .args([
            "fivecents",
            "list-encode-jobs-in-range",
            "--r",
            "2026-04-01 00:00 - 2026-05-30 23:59",
            "--i",
            "zone",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("31 days"));

    // Not the range format: a usage error too.
    let out = hookspec()
        .args([
            "fivecents",
            "list-encode-jobs-in-range",
            "--r",
            "April",
            "--i",
            "zone",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("--r"));

    // The queue, decoded tolerantly.
    let out = hookspec()
        .args(["fivecents", "list-active-jobs", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["percent"], 42.5);
    assert_eq!(v[0]["timings"]["queued"], 1_745_584_153_000_i64);

    // OmegaStream endpoint management.
    let out = hookspec()
        .args([
            "omegastream",
            "set-webhook-endpoint-status",
            ENDPOINT,
            "--active",
            "false",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let out = hookspec()
        .args([
            "omegastream",
            "create-webhook-endpoint",
            "--url",
            "https://hooks.example.com/x",
            "--events",
            r#"["video.uploaded"]"#,
            "--json",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let out = hookspec()
        .args(["omegastream", "delete-webhook-endpoint", ENDPOINT, "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("deleted"));
}
