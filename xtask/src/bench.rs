//! `cargo xtask bench`: every table of BENCHMARKS.md, printed as Markdown.
//!
//! - `overhead`, `decode`, `receive`, `expansion`: `cargo bench -p hookspec-bench` (wall time and peak
//!   memory, variants interleaved in one run);
//! - `instructions`: the request overhead counted in instructions with callgrind, which does
//!   not drift with the load of a shared machine;
//! - `segments`: where a sequential request's time goes, stage by stage (`overhead-segments`,
//!   built with `--cfg hookspec_probe` in `target/probe`);
//! - `compile`: `cargo check` of crates generated from synthetic APIs of 10 to 1 000 endpoints;
//! - `build`: clean `cargo build` and `cargo test --no-run` of the workspace, with the crates
//!   that dominate (`--timings`);
//! - `recovery`: `cargo bench -p hookspec-recover --bench recovery` (resend rate against the
//!   rate limit, journal cost per item, resume of a 100 000-item journal).

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

/// The sections, in the order they run.
pub const SECTIONS: [&str; 9] = [
    "overhead",
    "decode",
    "receive",
    "expansion",
    "instructions",
    "segments",
    "compile",
    "build",
    "recovery",
];

/// Runs the named sections (all when `sections` is empty).
pub fn run(root: &Path, sections: &[String], quick: bool) -> Result<(), String> {
    for s in sections {
        if !SECTIONS.contains(&s.as_str()) {
            return Err(format!(
                "unknown section `{s}`; the sections are {}",
                SECTIONS.join(", ")
            ));
        }
    }
    let wants = |s: &str| sections.is_empty() || sections.iter().any(|x| x == s);
    let in_harness: Vec<&str> = ["overhead", "decode", "receive", "expansion"]
        .into_iter()
        .filter(|s| wants(s))
        .collect();
    if !in_harness.is_empty() {
        let mut cmd = cargo(root);
        cmd.args([
            "bench",
            "-q",
            "-p",
            "hookspec-bench",
            "--bench",
            "report",
            "--",
        ]);
        cmd.args(&in_harness);
        if quick {
            cmd.arg("--quick");
        }
        status(cmd)?;
    }
    if wants("instructions") {
        instructions(root, quick)?;
    }
    if wants("segments") {
        // The stage probe exists only with this cfg; its own target directory keeps the
        // ordinary build's cache (RUSTFLAGS would otherwise rebuild everything, twice).
        let mut cmd = cargo(root);
        let flags = match std::env::var("RUSTFLAGS") {
            Ok(f) if !f.trim().is_empty() => format!("{f} --cfg hookspec_probe"),
            _ => "--cfg hookspec_probe".to_owned(),
        };
        cmd.env("RUSTFLAGS", flags).args([
            "run",
            "-q",
            "--release",
            "--target-dir",
            "target/probe",
            "-p",
            "hookspec-bench",
            "--bin",
            "overhead-segments",
            "--",
            if quick { "5" } else { "100" },
        ]);
        status(cmd)?;
    }
    if wants("compile") {
        compile_scaling(root, quick)?;
    }
    if wants("build") {
        build_cost(root)?;
    }
    if wants("recovery") {
        let mut cmd = cargo(root);
        cmd.args([
            "bench",
            "-q",
            "-p",
            "hookspec-recover",
            "--bench",
            "recovery",
        ]);
        if quick {
            cmd.args(["--", "quick"]);
        }
        status(cmd)?;
    }
    Ok(())
}

fn cargo(root: &Path) -> Command {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.current_dir(root);
    cmd
}

fn status(mut cmd: Command) -> Result<(), String> {
    let st = cmd
        .status()
        .map_err(|e| format!("cannot run {cmd:?}: {e}"))?;
    if st.success() {
        Ok(())
    } else {
        Err(format!("{cmd:?} failed: {st}"))
    }
}

/// Builds a binary of `hookspec-bench` in release mode and returns its path.
fn bench_binary(root: &Path, name: &str) -> Result<std::path::PathBuf, String> {
    let mut build = cargo(root);
    build.args([
        "build",
        "-q",
        "--release",
        "-p",
        "hookspec-bench",
        "--bin",
        name,
    ]);
    status(build)?;
    // Where cargo put it: `CARGO_TARGET_DIR` when set (relative to the workspace), else `target`.
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| root.join("target"), |dir| root.join(dir));
    Ok(target.join("release").join(name))
}

/// Instructions per request, client and server together (both run in one process).
fn instructions(root: &Path, quick: bool) -> Result<(), String> {
    let bin = bench_binary(root, "overhead-calls")?;
    let (low, high, reps) = if quick {
        (10u64, 60u64, 1)
    } else {
        (100, 1100, 3)
    };
    // Per-request instructions: the difference between a run of `high` and one of `low`
    // requests, so that start-up and warm-up cancel out; the median of `reps` such pairs
    // (hash seeds and retry jitter differ from process to process: about ±1 %).
    let count = |variant: &str, endpoint: &str, n: u64| -> Result<u64, String> {
        let out = Command::new("valgrind")
            .args(["--tool=callgrind", "--callgrind-out-file=/dev/null"])
            .arg(&bin)
            .args([variant, endpoint, &n.to_string()])
            .output()
            .map_err(|e| format!("cannot run valgrind (is it installed?): {e}"))?;
        let stderr = String::from_utf8_lossy(&out.stderr);
        if !out.status.success() {
            return Err(format!("callgrind run failed: {stderr}"));
        }
        stderr
            .lines()
            .find_map(|l| l.split("Collected :").nth(1))
            .and_then(|n| n.trim().parse().ok())
            .ok_or_else(|| format!("no instruction count in callgrind's output: {stderr}"))
    };
    println!(
        "\n### Request overhead in instructions (callgrind; client and server in one process; per request: runs of {low} and {high} requests, median of {reps})\n"
    );
    println!(
        "| endpoint | generated | hand-written | hand-written + timeout | hand-written + generated models | raw hyper | hand-written ÷ generated, target ≥ 0.98 |"
    );
    println!("|---|---|---|---|---|---|---|");
    for endpoint in ["list", "get", "resend"] {
        let mut per = Vec::new();
        for variant in ["generated", "hand", "hand-timeout", "hand-models", "hyper"] {
            let mut runs = Vec::new();
            for _ in 0..reps {
                let a = count(variant, endpoint, low)?;
                let b = count(variant, endpoint, high)?;
                runs.push(b.saturating_sub(a) / (high - low));
            }
            runs.sort_unstable();
            per.push(runs[runs.len() / 2]);
        }
        let r = per[1] as f64 / per[0] as f64;
        println!(
            "| {endpoint} | {} | {} | {} | {} | {} | {r:.3} ({}) |",
            per[0],
            per[1],
            per[2],
            per[3],
            per[4],
            if r >= 0.98 { "met" } else { "missed" }
        );
    }
    Ok(())
}

/// `cargo check` of a crate whose only content is `include_api!` over a synthetic API.
fn compile_scaling(root: &Path, quick: bool) -> Result<(), String> {
    let synthetic = bench_binary(root, "synthetic")?;
    let work = root.join("target/compile-scaling");
    let target = work.join("target");
    let write = |n: usize, dir: &Path| -> Result<(), String> {
        status({
            let mut c = Command::new(&synthetic);
            // It prints the folder it wrote: not part of the table.
            c.arg(n.to_string())
                .arg(dir)
                .stdout(std::process::Stdio::null());
            c
        })
    };
    let check = |dir: &Path| -> Result<f64, String> {
        let mut c = cargo(dir);
        // Incremental caches would carry work over from an earlier run of the same crate:
        // each measurement is a cold check of the generated crate.
        c.args(["check", "-q", "--offline"])
            .env("CARGO_TARGET_DIR", &target)
            .env("CARGO_INCREMENTAL", "0");
        let start = Instant::now();
        status(c)?;
        Ok(start.elapsed().as_secs_f64())
    };
    // Warm the dependencies once so that each measurement is the synthetic crate alone.
    let warm = work.join("warm");
    write(1, &warm)?;
    check(&warm)?;
    println!("\n### Compile-time scaling (`cargo check` of the generated crate)\n");
    println!("| endpoints | cargo check (s) | per endpoint (ms) | marginal per endpoint (ms) |");
    println!("|---|---|---|---|");
    let sizes: &[usize] = if quick { &[10, 100] } else { &[10, 100, 1000] };
    let mut prev: Option<(usize, f64)> = None;
    for &n in sizes {
        let dir = work.join(format!("n{n}"));
        write(n, &dir)?;
        let secs = check(&dir)?;
        let marginal = prev.map_or("—".to_owned(), |(pn, ps)| {
            format!("{:.0} ({pn} → {n})", (secs - ps) * 1000.0 / (n - pn) as f64)
        });
        println!(
            "| {n} | {secs:.2} | {:.1} | {marginal} |",
            secs * 1000.0 / n as f64
        );
        prev = Some((n, secs));
    }
    Ok(())
}

/// Clean builds in a fresh target directory, and the crates that dominate them.
fn build_cost(root: &Path) -> Result<(), String> {
    let target = root.join("target/build-cost");
    if target.exists() {
        std::fs::remove_dir_all(&target).map_err(|e| format!("{}: {e}", target.display()))?;
    }
    println!("\n### Build cost (clean, fresh target directory)\n");
    let mut rows = Vec::new();
    let mut timings = Vec::new();
    for (label, args) in [
        (
            "`cargo build --workspace` (clean)",
            &["build", "--workspace", "--timings"][..],
        ),
        (
            "`cargo test --workspace --no-run` (after the build above)",
            &["test", "--workspace", "--no-run", "--timings"][..],
        ),
    ] {
        let mut c = cargo(root);
        c.args(args).env("CARGO_TARGET_DIR", &target);
        let start = Instant::now();
        status(c)?;
        rows.push((label, start.elapsed().as_secs_f64()));
        let html = std::fs::read_to_string(target.join("cargo-timings/cargo-timing.html"))
            .map_err(|e| format!("no --timings report: {e}"))?;
        timings.push((label, crate_times(&html)?));
    }
    println!("| command | wall time (s) |");
    println!("|---|---|");
    for (label, secs) in rows {
        println!("| {label} | {secs:.0} |");
    }
    for (label, times) in timings {
        println!("\nCrates that dominate {label} (seconds summed over their units):\n");
        println!("| crate | s |");
        println!("|---|---|");
        for (name, secs) in times.into_iter().take(10) {
            println!("| {name} | {secs:.1} |");
        }
    }
    Ok(())
}

/// Compile seconds per crate from a `--timings` HTML report, largest first.
pub fn crate_times(html: &str) -> Result<Vec<(String, f64)>, String> {
    let start = html
        .find("const UNIT_DATA = ")
        .ok_or("no UNIT_DATA in the --timings report")?;
    let rest = &html[start + "const UNIT_DATA = ".len()..];
    let units: Vec<serde_json::Value> = serde_json::Deserializer::from_str(rest)
        .into_iter()
        .next()
        .ok_or("empty UNIT_DATA")?
        .map_err(|e| format!("UNIT_DATA does not parse: {e}"))?;
    let mut sums: BTreeMap<String, f64> = BTreeMap::new();
    for u in &units {
        if let (Some(name), Some(d)) = (u["name"].as_str(), u["duration"].as_f64()) {
            *sums.entry(name.to_owned()).or_default() += d;
        }
    }
    let mut v: Vec<(String, f64)> = sums.into_iter().collect();
    v.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::crate_times;

    #[test]
    fn crate_times_sums_units_and_sorts() {
        let html = r#"<script>
const UNIT_DATA = [
  {"i": 1, "name": "syn", "duration": 2.5},
  {"i": 2, "name": "tokio", "duration": 3.0},
  {"i": 3, "name": "syn", "duration": 1.0}
];
const CONCURRENCY_DATA = [];
</script>"#;
        let t = crate_times(html).expect("parses");
        assert_eq!(t, vec![("syn".to_owned(), 3.5), ("tokio".to_owned(), 3.0)]);
        assert!(crate_times("<html></html>").is_err());
    }
}
