//! Memory stays bounded under a flood of large requests: `hookspec mock serve` runs as a child
//! process and its resident memory is read from `/proc/<pid>/status` (Linux only).

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// Requests sent, each of [`BODY_BYTES`]: 2000 × 1 MiB, about 2 GiB in total.
const REQUESTS: usize = 2000;
const BODY_BYTES: usize = 1024 * 1024;
/// Connections sending at once.
const CONCURRENCY: usize = 4;
/// The bound on the growth of the emulator's resident memory (and of its peak) over the flood.
///
/// What the emulator may hold because of it: the request log, a ring of at most 2 MiB
/// (`hookspec_mock`'s `request_log::MAX_BYTES`); per connection in flight, one body of at most 1 MiB
/// (bigger ones are refused with 413 unread) and hyper's read buffer (at most ~400 KiB): with
/// [`CONCURRENCY`] connections about 6 MiB; plus what the allocator keeps cached per thread
/// after freeing those buffers. 64 MiB leaves room for the allocator while staying far below
/// what an unbounded log would keep (the whole 2 GiB).
const GROWTH_BOUND_KIB: u64 = 64 * 1024;

struct Served(Child);

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `VmRSS` and `VmHWM` (peak) of `pid`, in KiB.
fn memory_kib(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or_else(|| panic!("no {name} in /proc/{pid}/status"))
    };
    (field("VmRSS:"), field("VmHWM:"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_large_requests_keeps_memory_bounded() {
    if !std::path::Path::new("/proc/self/status").exists() {
        eprintln!("skipped: no /proc");
        return;
    }
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("hookspec"))
        .args([
            "mock",
            "serve",
            "--port",
            "0",
            "--admin-token",
            "flood-admin",
        ])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let served = Served(child);
    let pid = served.0.id();
    // `hookspec emulator listening on http://127.0.0.1:PORT`
    let mut lines = BufReader::new(stderr).lines();
    let addr = lines
        .by_ref()
        .map_while(Result::ok)
        .find_map(|l| l.split("listening on http://").nth(1).map(str::to_owned))
        .expect("the emulator printed its address");
    // Keep draining stderr so that the child never blocks on it.
    std::thread::spawn(move || lines.for_each(drop));

    let http = reqwest::Client::new();
    let url = format!("http://{addr}/fivecents/transcoding/notifications/resend");
    // A JSON body of 1 MiB: an unknown field padding it, no key (the issue's probe was
    // unauthenticated).
    let mut text = String::from(r#"{"zoneid": 1234, "index": 0, "pad": ""#);
    text.push_str(&"x".repeat(BODY_BYTES - text.len() - 2));
    text.push_str("\"}");
    let body = bytes::Bytes::from(text);
    let send = |n: usize| {
        let http = http.clone();
        let url = url.clone();
        let body = body.clone();
        async move {
            for _ in 0..n {
                let resp = http.post(&url).body(body.clone()).send().await.unwrap();
                assert_eq!(resp.status(), 401);
                let _ = resp.bytes().await.unwrap();
            }
        }
    };
    // Warm up (thread arenas, connection buffers), then take the baseline.
    send(20).await;
    let (rss_before, peak_before) = memory_kib(pid);
    let tasks: Vec<_> = (0..CONCURRENCY)
        .map(|_| tokio::spawn(send(REQUESTS / CONCURRENCY)))
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    let (rss_after, peak_after) = memory_kib(pid);
    eprintln!(
        "VmRSS {rss_before} -> {rss_after} KiB, VmHWM {peak_before} -> {peak_after} KiB after {REQUESTS} requests of {BODY_BYTES} bytes"
    );
    assert!(
        rss_after.saturating_sub(rss_before) < GROWTH_BOUND_KIB,
        "resident memory grew from {rss_before} to {rss_after} KiB"
    );
    assert!(
        peak_after.saturating_sub(rss_before) < GROWTH_BOUND_KIB,
        "peak memory grew from {rss_before} to {peak_after} KiB"
    );

    // The log kept a bounded, redacted tail of it.
    let log = http
        .get(format!("http://{addr}/__admin/requests"))
        .bearer_auth("flood-admin")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        log.len() < 4 * 1024 * 1024,
        "the log is {} bytes",
        log.len()
    );
    let entries: serde_json::Value = serde_json::from_str(&log).unwrap();
    assert!(entries.as_array().unwrap().len() <= 1000);
    assert_eq!(entries[0]["body_len"], BODY_BYTES);
    assert_eq!(entries[0]["truncated"], true);
}
