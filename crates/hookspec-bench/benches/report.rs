//! `cargo bench -p hookspec-bench` — every table of BENCHMARKS.md, measured side by side in
//! one run (variants interleaved round by round, so that drift on a shared machine hits them
//! alike). Sections: `overhead`, `decode`, `receive`, `expansion`; pass names to run some only, and
//! `--quick` for a short smoke run (what CI's `cargo clippy --all-targets` compiles).
//!
//! Only 127.0.0.1 is contacted; every loop is bounded.

use std::hint::black_box;
use std::time::{Duration, Instant};

use bytes::Bytes;
use hookspec::omegastream;
use hookspec::reqwest::StatusCode;
use hookspec_bench::{
    Clients, Endpoint, HandDelivery, HandEvent, Variant, big_event, call, event_list, synthetic_api,
};
use peak_alloc::PeakAlloc;

#[global_allocator]
static ALLOC: PeakAlloc = PeakAlloc;

struct Opts {
    quick: bool,
    sections: Vec<String>,
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let opts = Opts {
        quick: args.iter().any(|a| a == "--quick"),
        sections: args
            .iter()
            .filter(|a| !a.starts_with("--"))
            .cloned()
            .collect(),
    };
    let wants = |s: &str| opts.sections.is_empty() || opts.sections.iter().any(|x| x == s);
    println!(
        "<!-- cargo bench -p hookspec-bench{} -->",
        if opts.quick { " -- --quick" } else { "" }
    );
    // Decoding first: the overhead section leaves server and pool threads behind, whose
    // allocations would blur the peak-memory counts.
    if wants("decode") {
        decode(&opts);
    }
    if wants("receive") {
        receive(&opts);
    }
    if wants("overhead") {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(overhead(&opts));
    }
    if wants("expansion") {
        expansion(&opts);
    }
}

fn ratio(a: Duration, b: Duration) -> f64 {
    a.as_secs_f64() / b.as_secs_f64()
}

// ---------------------------------------------------------------------------------------
// 1. Request overhead
// ---------------------------------------------------------------------------------------

async fn overhead(opts: &Opts) {
    let (server, clients) = Clients::start().await;
    // Many short rounds: a burst of the machine's other work spoils a round or two, and the
    // median of the per-round ratios leaves those out (the totals keep them).
    let (rounds, per_round): (u32, u32) = if opts.quick { (2, 50) } else { (150, 200) };
    println!(
        "\n### Request overhead, sequential ({rounds} interleaved rounds × {per_round} requests per variant)\n"
    );
    println!(
        "| endpoint | generated req/s | hand-written req/s | hand-written + timeout req/s | hand-written + generated models req/s | raw hyper req/s | generated ÷ hand-written (totals) | median of the per-round ratios, target ≥ 0.98 | 95 % interval of that median | generated ÷ hand-written + generated models |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    const SEQ: [Variant; 5] = [
        Variant::Generated,
        Variant::Hand,
        Variant::HandTimeout,
        Variant::HandModels,
        Variant::Hyper,
    ];
    let mut latencies = Vec::new();
    for e in [Endpoint::List, Endpoint::Get, Endpoint::Resend] {
        let mut t = [Duration::ZERO; SEQ.len()];
        let mut lat: [Vec<Duration>; SEQ.len()] = Default::default();
        let mut per_round_ratios = Vec::new();
        for v in SEQ {
            for _ in 0..20 {
                call(&clients, v, e).await; // warm-up, connections opened
            }
        }
        for round in 0..rounds {
            // Each round starts with a different variant, so that no variant always runs
            // first (right after another's burst) or last.
            let mut this = [Duration::ZERO; SEQ.len()];
            for k in 0..SEQ.len() {
                let i = (k + round as usize) % SEQ.len();
                let v = SEQ[i];
                let start = Instant::now();
                for _ in 0..per_round {
                    let one = Instant::now();
                    call(&clients, v, e).await;
                    lat[i].push(one.elapsed());
                }
                this[i] = start.elapsed();
                t[i] += this[i];
            }
            per_round_ratios.push(ratio(this[1], this[0]));
        }
        let n = f64::from(rounds * per_round);
        let rps = |d: Duration| n / d.as_secs_f64();
        let (r, (lo, hi)) = median_and_interval(per_round_ratios);
        println!(
            "| {e:?} | {:.0} | {:.0} | {:.0} | {:.0} | {:.0} | {:.3} | {r:.3} ({}) | {lo:.3}–{hi:.3} | {:.3} |",
            rps(t[0]),
            rps(t[1]),
            rps(t[2]),
            rps(t[3]),
            rps(t[4]),
            ratio(t[1], t[0]),
            if r >= 0.98 { "met" } else { "missed" },
            ratio(t[3], t[0]),
        );
        latencies.push((e, lat));
    }
    print_latencies("sequential", &SEQ, latencies);
    let _ = server.take_connections();

    let (rounds, per_round, conc) = if opts.quick {
        (2, 128, 64)
    } else {
        (32, 2048, 64)
    };
    let total = rounds * per_round;
    println!(
        "\n### Request overhead, {conc} concurrent requests over one client ({rounds} interleaved rounds × {per_round} requests per variant)\n"
    );
    println!(
        "| endpoint | generated req/s | hand-written req/s | hand-written + generated models req/s | raw hyper req/s | generated ÷ hand-written (totals) | median of the per-round ratios, target ≥ 0.98 | 95 % interval of that median | generated ÷ hand-written + generated models | connections opened (generated / hand / hand + models / hyper) |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    let clients = std::sync::Arc::new(clients);
    const CONC: [Variant; 4] = [
        Variant::Generated,
        Variant::Hand,
        Variant::HandModels,
        Variant::Hyper,
    ];
    let mut latencies = Vec::new();
    for e in [Endpoint::List, Endpoint::Get] {
        let mut t = [Duration::ZERO; CONC.len()];
        let mut conns = [0usize; CONC.len()];
        let mut lat: [Vec<Duration>; CONC.len()] = Default::default();
        let mut per_round_ratios = Vec::new();
        for round in 0..rounds {
            let mut this = [Duration::ZERO; CONC.len()];
            for k in 0..CONC.len() {
                let i = (k + round) % CONC.len();
                let v = CONC[i];
                let _ = server.take_connections();
                let start = Instant::now();
                let mut tasks = Vec::new();
                for _ in 0..conc {
                    let clients = clients.clone();
                    tasks.push(tokio::spawn(async move {
                        let mut mine = Vec::with_capacity(per_round / conc);
                        for _ in 0..per_round / conc {
                            let one = Instant::now();
                            call(&clients, v, e).await;
                            mine.push(one.elapsed());
                        }
                        mine
                    }));
                }
                for task in tasks {
                    lat[i].extend(task.await.expect("task"));
                }
                this[i] = start.elapsed();
                t[i] += this[i];
                conns[i] += server.take_connections();
            }
            per_round_ratios.push(ratio(this[1], this[0]));
        }
        let rps = |d: Duration| total as f64 / d.as_secs_f64();
        let (r, (lo, hi)) = median_and_interval(per_round_ratios);
        println!(
            "| {e:?} | {:.0} | {:.0} | {:.0} | {:.0} | {:.3} | {r:.3} ({}) | {lo:.3}–{hi:.3} | {:.3} | {} / {} / {} / {} |",
            rps(t[0]),
            rps(t[1]),
            rps(t[2]),
            rps(t[3]),
            ratio(t[1], t[0]),
            if r >= 0.98 { "met" } else { "missed" },
            ratio(t[2], t[0]),
            conns[0],
            conns[1],
            conns[2],
            conns[3]
        );
        latencies.push((e, lat));
    }
    print_latencies("concurrent", &CONC, latencies);
}

/// The p50 / p99 table of `latencies`, one column per variant.
fn print_latencies<const N: usize>(
    kind: &str,
    variants: &[Variant; N],
    latencies: Vec<(Endpoint, [Vec<Duration>; N])>,
) {
    let names: Vec<&str> = variants
        .iter()
        .map(|v| match v {
            Variant::Generated => "generated",
            Variant::Hand => "hand-written",
            Variant::HandTimeout => "hand-written + timeout",
            Variant::HandModels => "hand-written + generated models",
            Variant::Hyper => "raw hyper",
        })
        .collect();
    println!(
        "\nLatency of the same {kind} requests, µs (p50 / p99):\n\n| endpoint | {} |\n|---|{}",
        names.join(" | "),
        "---|".repeat(N)
    );
    for (e, mut lat) in latencies {
        let cells: Vec<String> = lat.iter_mut().map(|l| percentiles(l)).collect();
        println!("| {e:?} | {} |", cells.join(" | "));
    }
}

/// `p50 / p99` of `lat` in microseconds.
fn percentiles(lat: &mut [Duration]) -> String {
    if lat.is_empty() {
        return "—".into();
    }
    lat.sort_unstable();
    let at = |q: f64| lat[((lat.len() - 1) as f64 * q).round() as usize].as_secs_f64() * 1e6;
    format!("{:.0} / {:.0}", at(0.5), at(0.99))
}

// ---------------------------------------------------------------------------------------
// 2. Decode
// ---------------------------------------------------------------------------------------

fn measure<T>(iters: u32, body: &[u8], f: impl Fn(&[u8]) -> T) -> (Duration, usize) {
    let mut best = Duration::MAX;
    let mut peak = 0;
    for _ in 0..iters {
        let base = ALLOC.current_usage();
        ALLOC.reset_peak_usage();
        let start = Instant::now();
        let v = black_box(f(body));
        let elapsed = start.elapsed();
        peak = peak.max(ALLOC.peak_usage().saturating_sub(base));
        drop(v);
        best = best.min(elapsed);
    }
    (best, peak)
}

fn decode(opts: &Opts) {
    println!("\n### Decode: OmegaStream event list and one large event (best of N, same bytes)\n");
    println!(
        "| input | body | generated client (`decode_list` / `decode`) | generated models, `serde_json::from_slice` | hand-written serde | time ÷ hand-written (client / from_slice), target ≤ 1.05 | peak memory ÷ body: client (target ≤ 1.5) / from_slice / hand-written |"
    );
    println!("|---|---|---|---|---|---|---|");
    let sizes: &[usize] = if opts.quick {
        &[1_000]
    } else {
        &[1_000, 100_000, 1_000_000]
    };
    let mut inputs: Vec<(String, Vec<u8>, bool)> = sizes
        .iter()
        .map(|n| (format!("{n} events"), event_list(*n), true))
        .collect();
    inputs.push((
        "1 event, large `data`".into(),
        big_event(if opts.quick { 100_000 } else { 8_000_000 }),
        false,
    ));
    for (name, body, list) in inputs {
        let iters = if opts.quick {
            2
        } else if body.len() > 50_000_000 {
            3
        } else {
            10
        };
        let bytes = Bytes::from(body.clone());
        let (gen_decode, gen_peak) = if list {
            measure(iters, &body, |_| {
                hookspec::runtime::decode_list::<omegastream::WebhookEvent>(
                    "b",
                    StatusCode::OK,
                    bytes.clone(),
                )
                .map(|v| v.len())
                .expect("decode")
            })
        } else {
            measure(iters, &body, |_| {
                hookspec::runtime::decode::<omegastream::WebhookEvent>(
                    "b",
                    StatusCode::OK,
                    bytes.clone(),
                )
                .map(|_| 1usize)
                .expect("decode")
            })
        };
        let (gen_plain, plain_peak) = if list {
            measure(iters, &body, |b| {
                serde_json::from_slice::<Vec<omegastream::WebhookEvent>>(b)
                    .expect("decode")
                    .len()
            })
        } else {
            measure(iters, &body, |b| {
                serde_json::from_slice::<omegastream::WebhookEvent>(b)
                    .map(|_| 1usize)
                    .expect("decode")
            })
        };
        let (hand, hand_peak) = if list {
            measure(iters, &body, |b| {
                serde_json::from_slice::<Vec<HandEvent>>(b)
                    .expect("decode")
                    .len()
            })
        } else {
            measure(iters, &body, |b| {
                serde_json::from_slice::<HandEvent>(b)
                    .map(|_| 1usize)
                    .expect("decode")
            })
        };
        let r1 = ratio(gen_decode, hand);
        let r2 = ratio(gen_plain, hand);
        let mem = gen_peak as f64 / body.len() as f64;
        let hand_mem = hand_peak as f64 / body.len() as f64;
        let plain_mem = plain_peak as f64 / body.len() as f64;
        println!(
            "| {name} | {:.1} MB | {:.2} ms | {:.2} ms | {:.2} ms | {r1:.2} / {r2:.2} ({}) | {mem:.2} ({}) / {plain_mem:.2} / {hand_mem:.2} |",
            body.len() as f64 / 1e6,
            gen_decode.as_secs_f64() * 1e3,
            gen_plain.as_secs_f64() * 1e3,
            hand.as_secs_f64() * 1e3,
            if r1 <= 1.05 { "met" } else { "missed" },
            if mem <= 1.5 { "met" } else { "missed" },
        );
    }
}

// ---------------------------------------------------------------------------------------
// 2b. Receiving webhooks
// ---------------------------------------------------------------------------------------

/// Best per-event time of `f` over `rounds` rounds of `per_round` calls.
fn per_event(rounds: u32, per_round: u32, mut f: impl FnMut() -> usize) -> Duration {
    let mut best = Duration::MAX;
    for _ in 0..rounds {
        let start = Instant::now();
        let mut n = 0usize;
        for _ in 0..per_round {
            n = n.wrapping_add(black_box(f()));
        }
        black_box(n);
        best = best.min(start.elapsed() / per_round);
    }
    best
}

/// The median of `xs` and a distribution-free 95 % confidence interval of it (from the order
/// statistics: the k-th smallest and k-th largest, k the largest rank with
/// P(Binomial(n, ½) < k) ≤ 2.5 %). The interval says how far another run's median could land
/// from this one if the rounds were all that varied; with few rounds it is the whole range.
fn median_and_interval(mut xs: Vec<f64>) -> (f64, (f64, f64)) {
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    if n == 0 {
        return (f64::NAN, (f64::NAN, f64::NAN));
    }
    // P(X = i) for X ~ Binomial(n, 1/2), accumulated while the tail stays within 2.5 %.
    let mut p = 0.5f64.powi(i32::try_from(n).unwrap_or(i32::MAX));
    let mut below = 0.0;
    let mut k = 0;
    for i in 0..n {
        if below + p > 0.025 {
            break;
        }
        below += p;
        k = i + 1;
        p *= (n - i) as f64 / (i + 1) as f64;
    }
    let k = k.max(1);
    (median_of_sorted(&xs), (xs[k - 1], xs[n - k]))
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    median_of_sorted(&xs)
}

fn median_of_sorted(xs: &[f64]) -> f64 {
    match xs.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => xs[n / 2],
        n => f64::midpoint(xs[n / 2 - 1], xs[n / 2]),
    }
}

fn receive(opts: &Opts) {
    use hookspec::webhooks::{Secret, signed_headers, verify_signature};
    let (rounds, per_round): (u32, u32) = if opts.quick { (2, 200) } else { (15, 20_000) };
    println!(
        "\n### Receive: one OmegaStream delivery, `webhooks::parse` vs hand-written serde ({rounds} interleaved rounds × {per_round} per variant: best per-event time, and the median of the per-round ratios)\n"
    );
    println!(
        "| input | body | `omegastream::webhooks::parse` | `parse_bytes` | hand-written serde (one pass) | parse ÷ hand-written: best / median | parse_bytes ÷ hand-written: best / median | hand-written, JSON fields as `RawValue` | parse ÷ that: best / median | Standard Webhooks verification | verification ÷ parse |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    let flat = omegastream::webhooks::EXAMPLE.as_bytes().to_vec();
    let mut v: serde_json::Value = serde_json::from_slice(&flat).expect("example");
    let video = v["data"].take();
    // `type` stays before `data` (serde_json keeps the order): what the provider sends.
    v["data"] = serde_json::json!({ "video": video });
    let nested = serde_json::to_vec(&v).expect("encode");
    let headers = hookspec::http::HeaderMap::new();
    let secret = Secret::from_whsec("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").expect("secret");
    for (name, body, hand_fits) in [
        ("flat video", &flat, true),
        ("nested `{\"video\": …}`", &nested, false),
    ] {
        let mut parse = || {
            omegastream::webhooks::parse(&headers, body)
                .map(|r| r.raw.len())
                .expect("parse")
        };
        let shared = hookspec::bytes::Bytes::copy_from_slice(body);
        let mut parse_bytes = || {
            omegastream::webhooks::parse_bytes(&headers, shared.clone())
                .map(|r| r.raw.len())
                .expect("parse_bytes")
        };
        // The hand-written structs take the flat form only (the nested one needs a second
        // model or an untagged enum): compared on the flat form.
        let mut hand = || {
            serde_json::from_slice::<HandDelivery>(body)
                .map(|d| d.data.uuid.len())
                .expect("decode")
        };
        // The same with the JSON-shaped fields kept as text (`Box<RawValue>`), as the
        // generated `RawJson` fields are: what the structs' own decoding costs, apart from the
        // tree the default baseline builds.
        let mut hand_raw = || {
            serde_json::from_slice::<HandDelivery<Box<serde_json::value::RawValue>>>(body)
                .map(|d| d.data.uuid.len())
                .expect("decode")
        };
        let now = 1_700_000_000;
        let signed = signed_headers(&secret, "msg_1", now, body);
        let mut verify = || {
            verify_signature(std::slice::from_ref(&secret), &signed, body, now, 300)
                .map(|id| id.len())
                .expect("verify")
        };
        // Round by round, every variant once, so that load hits them alike.
        let mut times: [Vec<Duration>; 5] = Default::default();
        for _ in 0..rounds {
            times[0].push(per_event(1, per_round, &mut parse));
            times[1].push(per_event(1, per_round, &mut parse_bytes));
            if hand_fits {
                times[2].push(per_event(1, per_round, &mut hand));
                times[4].push(per_event(1, per_round, &mut hand_raw));
            }
            times[3].push(per_event(1, per_round, &mut verify));
        }
        let best = |t: &[Duration]| t.iter().copied().min().unwrap_or(Duration::MAX);
        let vs = |i: usize, baseline: usize| {
            if !hand_fits {
                return "—".to_owned();
            }
            let per_round: Vec<f64> = times[i]
                .iter()
                .zip(&times[baseline])
                .map(|(a, h)| ratio(*a, *h))
                .collect();
            format!(
                "{:.2} / {:.2}",
                ratio(best(&times[i]), best(&times[baseline])),
                median(per_round)
            )
        };
        let vs_hand = |i: usize| vs(i, 2);
        let us = |d: Duration| d.as_secs_f64() * 1e6;
        // A hand-written baseline's best time; it takes the flat form only.
        let hand_cell = |i: usize| {
            if hand_fits {
                format!("{:.2} µs", us(best(&times[i])))
            } else {
                "—".to_owned()
            }
        };
        println!(
            "| {name} | {} B | {:.2} µs | {:.2} µs | {} | {} | {} | {} | {} | {:.2} µs | {:.2} |",
            body.len(),
            us(best(&times[0])),
            us(best(&times[1])),
            hand_cell(2),
            vs_hand(0),
            vs_hand(1),
            hand_cell(4),
            vs(0, 4),
            us(best(&times[3])),
            ratio(best(&times[3]), best(&times[0])),
        );
    }
}

// ---------------------------------------------------------------------------------------
// 3. Expansion scaling
// ---------------------------------------------------------------------------------------

fn expansion(opts: &Opts) {
    println!("\n### Macro expansion cost (parse + validate + generate, in process, best of N)\n");
    println!(
        "| endpoints | parse + validate | generate tokens | total | per endpoint | target ≤ 5 ms/endpoint |"
    );
    println!("|---|---|---|---|---|---|");
    let sizes: &[usize] = if opts.quick { &[10] } else { &[10, 100, 1000] };
    for &n in sizes {
        let sources = synthetic_api(n);
        let iters = if opts.quick {
            1
        } else if n >= 1000 {
            3
        } else {
            10
        };
        let (mut parse, mut gen_t) = (Duration::MAX, Duration::MAX);
        for _ in 0..iters {
            let start = Instant::now();
            let api = hookspec_spec::parse_api(&sources).expect("synthetic spec");
            let p = start.elapsed();
            let start = Instant::now();
            let tokens = black_box(hookspec_codegen::generate_api(&api));
            let g = start.elapsed();
            drop(tokens);
            parse = parse.min(p);
            gen_t = gen_t.min(g);
        }
        let total = parse + gen_t;
        let per = total / u32::try_from(n).unwrap_or(1);
        println!(
            "| {n} | {:.1} ms | {:.1} ms | {:.1} ms | {:.3} ms | {} |",
            parse.as_secs_f64() * 1e3,
            gen_t.as_secs_f64() * 1e3,
            total.as_secs_f64() * 1e3,
            per.as_secs_f64() * 1e3,
            if per <= Duration::from_millis(5) {
                "met"
            } else {
                "missed"
            }
        );
    }
}
