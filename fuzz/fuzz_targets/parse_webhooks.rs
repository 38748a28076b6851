//! The generated webhook receivers (`<api>::webhooks::parse`) and the Standard Webhooks check
//! on arbitrary headers and bodies: the input's first three lines are the `webhook-id`,
//! `webhook-timestamp` and `webhook-signature` values, the rest is the body. An error, never a
//! panic. A JSON object with `type` and `data` is also sent with `type` first (the single-pass
//! decoding) and with `data` first (the two passes): both must succeed alike or fail.
#![no_main]

use hookspec::http::{HeaderMap, HeaderValue};
use hookspec::webhooks::{Secret, verify_signature};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let mut headers = HeaderMap::new();
    let mut rest = data;
    for name in ["webhook-id", "webhook-timestamp", "webhook-signature"] {
        let Some(end) = rest.iter().position(|b| *b == b'\n') else {
            break;
        };
        if let Ok(v) = HeaderValue::from_bytes(&rest[..end]) {
            headers.insert(name, v);
        }
        rest = &rest[end + 1..];
    }
    let _ = hookspec::omegastream::webhooks::parse(&headers, rest);
    single_and_two_passes_agree(rest);
    let _ = hookspec::fivecents::webhooks::parse(&headers, rest);
    if let Ok(secret) = Secret::from_whsec("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw") {
        let _ = verify_signature(&[secret], &headers, rest, 1_614_265_330, 300);
    }
});

fn single_and_two_passes_agree(body: &[u8]) {
    use hookspec::serde_json::{Map, Value};
    let Ok(Value::Object(map)) = hookspec::serde_json::from_slice::<Value>(body) else {
        return;
    };
    if !(map.contains_key("type") && map.contains_key("data")) {
        return;
    }
    let ordered = |first: &str, second: &str| {
        let mut m = Map::new();
        m.insert(first.to_owned(), map[first].clone());
        m.insert(second.to_owned(), map[second].clone());
        for (k, v) in &map {
            if k != first && k != second {
                m.insert(k.clone(), v.clone());
            }
        }
        hookspec::serde_json::to_vec(&m).expect("a Value encodes")
    };
    let none = HeaderMap::new();
    let one = hookspec::omegastream::webhooks::parse(&none, &ordered("type", "data"));
    let two = hookspec::omegastream::webhooks::parse(&none, &ordered("data", "type"));
    match (&one, &two) {
        (Ok(a), Ok(b)) => assert_eq!(a.event, b.event),
        (Err(_), Err(_)) => {}
        _ => panic!("type first: {one:?}; data first: {two:?}"),
    }
}
