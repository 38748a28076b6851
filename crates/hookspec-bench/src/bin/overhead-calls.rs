//! Makes N requests of one endpoint with one variant on a single-threaded runtime, against
//! the in-process server of [`hookspec_bench::Clients::start`]: the unit that
//! `cargo xtask bench instructions` runs under `valgrind --tool=callgrind`, whose instruction
//! counts do not drift with the load of a shared machine.
//!
//! Usage: `overhead-calls <generated|hand|hand-timeout|hand-models|hyper> <list|get|resend> <requests>
//! [current-thread|multi-thread]` (default: current-thread, where the instruction counts are
//! repeatable; multi-thread is the runtime of the wall-clock table, e.g. for `strace -c -f`).

use hookspec_bench::{Clients, Endpoint, Variant, call};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let variant = match args.first().map(String::as_str) {
        Some("generated") => Variant::Generated,
        Some("hand") => Variant::Hand,
        Some("hand-timeout") => Variant::HandTimeout,
        Some("hand-models") => Variant::HandModels,
        Some("hyper") => Variant::Hyper,
        _ => usage(),
    };
    let endpoint = match args.get(1).map(String::as_str) {
        Some("list") => Endpoint::List,
        Some("get") => Endpoint::Get,
        Some("resend") => Endpoint::Resend,
        _ => usage(),
    };
    let n: u32 = args
        .get(2)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| usage());
    let rt = match args.get(3).map(String::as_str) {
        None | Some("current-thread") => tokio::runtime::Builder::new_current_thread(),
        Some("multi-thread") => tokio::runtime::Builder::new_multi_thread(),
        _ => usage(),
    }
    .enable_all()
    .build()
    .expect("runtime");
    rt.block_on(async {
        let (_server, clients) = Clients::start().await;
        // Warm-up: the connection is opened and every lazy initialisation done.
        for _ in 0..20 {
            call(&clients, variant, endpoint).await;
        }
        for _ in 0..n {
            call(&clients, variant, endpoint).await;
        }
    });
}

fn usage() -> ! {
    eprintln!(
        "usage: overhead-calls <generated|hand|hand-timeout|hand-models|hyper> <list|get|resend> <requests>"
    );
    std::process::exit(2)
}
