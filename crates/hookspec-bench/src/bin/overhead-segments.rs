//! Where a sequential request's time goes, stage by stage: the generated client, the
//! hand-written reqwest request and the hand-written request decoded into the generated models,
//! interleaved as in the wall-clock table of `cargo bench -p hookspec-bench` (a multi-thread
//! runtime, the calls made from `block_on`, rounds of 200 requests per variant, each round
//! starting with another variant). Each request is cut at the stages of `hookspec::__probe`:
//! building the request, reqwest's `send` (the pending request made), the round trip to the
//! status and headers, reading the body, and the rest (decoding, the client's bookkeeping,
//! dropping what the call made). Prints a Markdown table of per-segment means in µs, the
//! slowest 5 % of each segment left out.
//!
//! Needs the probe, which a normal build does not have (its own target directory keeps the
//! ordinary build's cache):
//!
//! ```sh
//! RUSTFLAGS="--cfg hookspec_probe" cargo run --release --target-dir target/probe \
//!     -p hookspec-bench --bin overhead-segments [rounds]
//! ```

#[cfg(not(hookspec_probe))]
fn main() {
    eprintln!(
        "overhead-segments needs the stage probe: \
         RUSTFLAGS=\"--cfg hookspec_probe\" cargo run --release --target-dir target/probe \
         -p hookspec-bench --bin overhead-segments [rounds]"
    );
    std::process::exit(2);
}

#[cfg(hookspec_probe)]
fn main() {
    use std::time::Instant;

    use hookspec::__probe::{STAGES, take};
    use hookspec_bench::{Clients, Endpoint, Variant, call};

    const VARIANTS: [(Variant, &str); 3] = [
        (Variant::Generated, "generated"),
        (Variant::Hand, "hand-written"),
        (Variant::HandModels, "hand-written + generated models"),
    ];
    const SEGMENTS: usize = STAGES + 2;
    const PER_ROUND: usize = 200;

    let rounds: usize = match std::env::args().nth(1) {
        None => 100,
        Some(n) => n.parse().unwrap_or_else(|_| {
            eprintln!("usage: overhead-segments [rounds]");
            std::process::exit(2)
        }),
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    println!(
        "<!-- RUSTFLAGS=\"--cfg hookspec_probe\" cargo run --release --target-dir target/probe -p hookspec-bench --bin overhead-segments {rounds} -->\n"
    );
    println!(
        "Sequential requests, {rounds} interleaved rounds × {PER_ROUND} per variant; µs per request, mean without the slowest 5 % of each segment:\n"
    );
    println!(
        "| endpoint | variant | build | reqwest's `send` | round trip to the headers | body | decode and the rest | total |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    rt.block_on(async {
        let (_server, clients) = Clients::start().await;
        for e in [Endpoint::List, Endpoint::Get, Endpoint::Resend] {
            for (v, _) in VARIANTS {
                for _ in 0..50 {
                    call(&clients, v, e).await; // warm-up, connections opened
                }
            }
            let mut samples: [[Vec<f64>; SEGMENTS]; VARIANTS.len()] = Default::default();
            for round in 0..rounds {
                for k in 0..VARIANTS.len() {
                    let i = (k + round) % VARIANTS.len();
                    for _ in 0..PER_ROUND {
                        take();
                        let start = Instant::now();
                        call(&clients, VARIANTS[i].0, e).await;
                        let end = Instant::now();
                        let marks = take();
                        // A request without every mark (none expected) is left out whole.
                        let Some(marks) = marks.iter().copied().collect::<Option<Vec<_>>>() else {
                            continue;
                        };
                        let mut points = vec![start];
                        points.extend(marks);
                        points.push(end);
                        for (s, pair) in points.windows(2).enumerate() {
                            samples[i][s].push((pair[1] - pair[0]).as_secs_f64() * 1e6);
                        }
                        samples[i][SEGMENTS - 1].push((end - start).as_secs_f64() * 1e6);
                    }
                }
            }
            let mut means = [[0.0; SEGMENTS]; VARIANTS.len()];
            for (i, (_, name)) in VARIANTS.iter().enumerate() {
                for (s, seg) in samples[i].iter_mut().enumerate() {
                    means[i][s] = trimmed_mean(seg);
                }
                let cells: Vec<String> = means[i].iter().map(|m| format!("{m:.2}")).collect();
                println!("| {e:?} | {name} | {} |", cells.join(" | "));
            }
            let diff: Vec<String> = (0..SEGMENTS)
                .map(|s| format!("{:+.2}", means[0][s] - means[1][s]))
                .collect();
            println!(
                "| {e:?} | generated − hand-written | {} |",
                diff.join(" | ")
            );
        }
    });
}

/// The mean of `v` without its largest 5 %.
#[cfg(hookspec_probe)]
fn trimmed_mean(v: &mut [f64]) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_unstable_by(f64::total_cmp);
    let kept = &v[..(v.len() * 95 / 100).max(1)];
    kept.iter().sum::<f64>() / kept.len() as f64
}
