//! Every response decoder on thousands of mutations of the spec examples: a typed error or a
//! value, never a panic (the cargo-fuzz targets in `fuzz/` explore further).

use hookspec::reqwest::StatusCode;
use hookspec::runtime::{decode, decode_list};
use hookspec::{fivecents, omegastream};

/// A uniform index below `n` (0 when `n` is 0), from a seeded generator so failures reproduce.
fn below(rng: &mut fastrand::Rng, n: usize) -> usize {
    rng.usize(..n.max(1))
}

const TOKENS: &[&[u8]] = &[
    b"null",
    b"0",
    b"-1",
    b"1e999",
    b"\"\"",
    b"[",
    b"]",
    b"{",
    b"}",
    b",",
    b":",
    b"\"\\u0000\"",
    b"\xff",
    b"true",
    b"0001-01-01T00:00:00Z",
];

fn mutate(seed: &[u8], rng: &mut fastrand::Rng) -> Vec<u8> {
    let mut out = seed.to_vec();
    for _ in 0..=below(rng, 4) {
        let at = below(rng, out.len() + 1);
        match below(rng, 3) {
            0 => {
                let end = (at + below(rng, 16)).min(out.len());
                out.drain(at..end);
            }
            1 => {
                let t = TOKENS[below(rng, TOKENS.len())];
                out.splice(at..at, t.iter().copied());
            }
            _ => {
                if !out.is_empty() {
                    let i = below(rng, out.len());
                    out[i] = rng.u8(..);
                }
            }
        }
    }
    out
}

/// The example response bodies of both APIs' endpoints (and, with `errors`, of their error
/// models), as the mutation seeds.
fn example_bodies(errors: bool) -> Vec<Vec<u8>> {
    let mut seeds: Vec<Vec<u8>> = Vec::new();
    for sources in [
        fivecents::Client::SPEC_SOURCES,
        omegastream::Client::SPEC_SOURCES,
    ] {
        let api = hookspec_tests::spec(sources);
        let endpoints = api.endpoints.iter().flat_map(|ep| &ep.examples);
        let error_examples = api.error_examples.iter().filter(|_| errors);
        seeds.extend(
            endpoints
                .chain(error_examples)
                .filter_map(|e| e.response.clone())
                .map(String::into_bytes),
        );
    }
    seeds
}

/// A decoder under test: `true` when the body decodes.
type Decoder = fn(&[u8]) -> bool;

/// Every response decoder of the generated clients (one per endpoint, as the client calls it)
/// and both error-body decoders.
const DECODERS: &[(&str, Decoder)] = &[
    ("fivecents.list_encode_jobs", |b| {
        decode::<fivecents::EncodeJobLogs>("t", StatusCode::OK, b.to_vec().into()).is_ok()
    }),
    ("fivecents.resend_notification", |b| {
        decode_list::<fivecents::WebhookCall>("t", StatusCode::OK, b.to_vec().into()).is_ok()
    }),
    ("omegastream.get_webhook_event", |b| {
        decode::<omegastream::WebhookEvent>("t", StatusCode::OK, b.to_vec().into()).is_ok()
    }),
    ("omegastream.list_webhook_endpoints", |b| {
        decode_list::<omegastream::WebhookEndpoint>("t", StatusCode::OK, b.to_vec().into()).is_ok()
    }),
    ("omegastream.list_webhook_events", |b| {
        decode_list::<omegastream::WebhookEvent>("t", StatusCode::OK, b.to_vec().into()).is_ok()
    }),
    ("fivecents.list_encode_jobs_in_range", |b| {
        decode::<fivecents::EncodeJobLogs>("t", StatusCode::OK, b.to_vec().into()).is_ok()
    }),
    ("fivecents.list_active_jobs", |b| {
        decode_list::<fivecents::ActiveJob>("t", StatusCode::OK, b.to_vec().into()).is_ok()
    }),
    ("omegastream.create_webhook_endpoint", |b| {
        decode::<omegastream::WebhookEndpoint>("t", StatusCode::OK, b.to_vec().into()).is_ok()
    }),
    ("omegastream.update_webhook_endpoint", |b| {
        decode::<omegastream::WebhookEndpoint>("t", StatusCode::OK, b.to_vec().into()).is_ok()
    }),
    ("omegastream.set_webhook_endpoint_status", |b| {
        decode::<omegastream::WebhookEndpoint>("t", StatusCode::OK, b.to_vec().into()).is_ok()
    }),
    ("omegastream.get_webhook_endpoint", |b| {
        decode::<omegastream::WebhookEndpoint>("t", StatusCode::OK, b.to_vec().into()).is_ok()
    }),
    ("omegastream.delete_webhook_endpoint", |b| {
        decode::<omegastream::Message>("t", StatusCode::OK, b.to_vec().into()).is_ok()
    }),
    ("fivecents error body", |b| {
        serde_json::from_slice::<fivecents::ApiErrorBody>(b).is_ok()
    }),
    ("omegastream error body", |b| {
        serde_json::from_slice::<omegastream::ApiErrorBody>(b).is_ok()
    }),
];

#[test]
fn every_endpoint_has_a_decoder_here() {
    for sources in [
        fivecents::Client::SPEC_SOURCES,
        omegastream::Client::SPEC_SOURCES,
    ] {
        let api = hookspec_tests::spec(sources);
        for ep in &api.endpoints {
            let id = format!("{}.{}", api.name, ep.name);
            assert!(
                DECODERS.iter().any(|(name, _)| *name == id),
                "{id} has no mutation test"
            );
        }
    }
}

/// Every endpoint's decoder has a cargo-fuzz target, declared in `fuzz/Cargo.toml` (so that
/// `cargo fuzz list`, and with it `fuzz/run.sh`, runs it).
#[test]
fn every_endpoint_has_a_fuzz_target() {
    let fuzz = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
    let manifest = std::fs::read_to_string(fuzz.join("Cargo.toml")).unwrap();
    let mut targets = Vec::new();
    for entry in std::fs::read_dir(fuzz.join("fuzz_targets")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_str().unwrap().to_owned();
        assert!(
            manifest.contains(&format!(
                "name = \"{name}\"\npath = \"fuzz_targets/{name}.rs\""
            )),
            "fuzz target {name} is not a [[bin]] of fuzz/Cargo.toml"
        );
        targets.push(std::fs::read_to_string(&path).unwrap());
    }
    for (name, _) in DECODERS {
        let id = if name.ends_with("error body") {
            format!("{}::ApiErrorBody", name.split(' ').next().unwrap())
        } else {
            format!("\"{name}\"")
        };
        assert!(
            targets.iter().any(|t| t.contains(&id)),
            "no fuzz target decodes {name}"
        );
    }
}

#[test]
fn decoders_never_panic_on_mutated_examples() {
    let seeds = example_bodies(true);
    assert!(seeds.len() >= 7);
    let mut rng = fastrand::Rng::with_seed(0xdec0_de5e_ed00_0001);
    let mut ok = [0usize; DECODERS.len()];
    let mut failed = [0usize; DECODERS.len()];
    for round in 0..4000 {
        let body = mutate(&seeds[round % seeds.len()], &mut rng);
        for (i, (_, decoder)) in DECODERS.iter().enumerate() {
            if decoder(&body) {
                ok[i] += 1;
            } else {
                failed[i] += 1;
            }
        }
    }
    // Each decoder both accepted and refused some mutations: it really ran on its own data.
    for (i, (name, _)) in DECODERS.iter().enumerate() {
        assert!(
            ok[i] > 0 && failed[i] > 0,
            "{name}: ok {}, failed {}",
            ok[i],
            failed[i]
        );
    }
}

/// `decode_list` (the generated client's decoder for lists) against `decode::<Vec<T>>` on the
/// same bytes: equal values, or the same error.
fn agree<T>(body: &[u8]) -> bool
where
    T: serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let sized = decode_list::<T>("t", StatusCode::OK, body.to_vec().into());
    let plain = decode::<Vec<T>>("t", StatusCode::OK, body.to_vec().into());
    match (sized, plain) {
        (Ok(a), Ok(b)) => {
            assert_eq!(a, b, "on {:?}", String::from_utf8_lossy(body));
            assert!(
                a.capacity() <= (2 * a.len()).max(4),
                "capacity {}",
                a.capacity()
            );
            true
        }
        (Err(a), Err(b)) => {
            assert_eq!(a.to_string(), b.to_string());
            false
        }
        (a, b) => panic!(
            "decode_list ok={} but decode ok={} on {:?}",
            a.is_ok(),
            b.is_ok(),
            String::from_utf8_lossy(body)
        ),
    }
}

#[test]
fn decode_list_agrees_with_decode_on_mutated_lists() {
    let seeds: Vec<Vec<u8>> = example_bodies(false)
        .into_iter()
        .filter(|b| b.trim_ascii_start().starts_with(b"["))
        .collect();
    assert!(seeds.len() >= 2);
    let mut rng = fastrand::Rng::with_seed(0xdec0_de5e_ed00_0002);
    let mut decoded = [0usize; 3];
    for round in 0..3000 {
        let body = mutate(&seeds[round % seeds.len()], &mut rng);
        decoded[0] += usize::from(agree::<omegastream::WebhookEvent>(&body));
        decoded[1] += usize::from(agree::<omegastream::WebhookEndpoint>(&body));
        decoded[2] += usize::from(agree::<fivecents::WebhookCall>(&body));
    }
    assert!(
        decoded.iter().all(|n| *n > 0),
        "a list type never decoded a mutation (events, endpoints, calls): {decoded:?}"
    );
}

#[test]
fn decode_list_edge_cases_match_serde_json() {
    for body in [
        "[]",
        " \n[ ]\t",
        "[1,2,3]",
        "[ 1 , 2 ,3 ]\r\n",
        "[1,]",
        "[,1]",
        "[1 2]",
        "[1]x",
        "[1]]",
        "[[1],[2]]",
        "[",
        "",
        "\u{feff}[1]",
        "[1e3]",
        "[-0]",
        "[18446744073709551616]",
        "[1,\"2\"]",
        "{\"a\":1}",
    ] {
        agree::<i64>(body.as_bytes());
        agree::<serde_json::Value>(body.as_bytes());
        agree::<Vec<i64>>(body.as_bytes());
    }
}

#[test]
fn decode_list_sizes_the_vec_from_the_body() {
    // 10 000 events of equal size: the Vec ends within a few percent of the count, where
    // doubling would leave it at 16 384.
    let one = r#"{"id":"6337","created_at":"0001-01-01T00:00:00Z","ocid":"o","api_version":"v1","created":1,"type":"video.uploaded","data":null,"endpoint_id":"e","response":null}"#;
    let body = format!("[{}]", vec![one; 10_000].join(","));
    let list = decode_list::<omegastream::WebhookEvent>("t", StatusCode::OK, body.into())
        .expect("decodes");
    assert_eq!(list.len(), 10_000);
    assert!(
        list.capacity() <= 10_500,
        "capacity {} for 10 000 elements",
        list.capacity()
    );
}
