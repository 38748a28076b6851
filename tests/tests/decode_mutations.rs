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

#[test]
fn decoders_never_panic_on_mutated_examples() {
    let seeds = example_bodies(true);
    assert!(seeds.len() >= 5);
    let mut rng = fastrand::Rng::with_seed(0xdec0_de5e_ed00_0001);
    let (mut ok, mut failed) = (0, 0);
    for round in 0..3000 {
        let body = mutate(&seeds[round % seeds.len()], &mut rng);
        let results = [
            decode::<Vec<omegastream::WebhookEvent>>("t", StatusCode::OK, body.clone().into())
                .is_ok(),
            decode::<omegastream::WebhookEvent>("t", StatusCode::OK, body.clone().into()).is_ok(),
            decode::<Vec<fivecents::WebhookCall>>("t", StatusCode::OK, body.clone().into()).is_ok(),
            serde_json::from_slice::<fivecents::ApiErrorBody>(&body).is_ok(),
            serde_json::from_slice::<omegastream::ApiErrorBody>(&body).is_ok(),
        ];
        ok += results.iter().filter(|r| **r).count();
        failed += results.iter().filter(|r| !**r).count();
    }
    assert!(ok > 0 && failed > 0, "ok {ok}, failed {failed}");
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
    let mut decoded = 0;
    for round in 0..3000 {
        let body = mutate(&seeds[round % seeds.len()], &mut rng);
        decoded += usize::from(agree::<omegastream::WebhookEvent>(&body));
        decoded += usize::from(agree::<fivecents::WebhookCall>(&body));
    }
    assert!(decoded > 0, "no mutation decoded");
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
