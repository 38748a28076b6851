//! The generated webhook receivers (`<api>::webhooks::parse`) and the Standard Webhooks check
//! on arbitrary headers and bodies: the input's first three lines are the `webhook-id`,
//! `webhook-timestamp` and `webhook-signature` values, the rest is the body. An error, never a
//! panic.
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
    let _ = hookspec::fivecents::webhooks::parse(&headers, rest);
    if let Ok(secret) = Secret::from_whsec("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw") {
        let _ = verify_signature(&[secret], &headers, rest, 1_614_265_330, 300);
    }
});
