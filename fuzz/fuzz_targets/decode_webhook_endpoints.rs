//! The response decoder of `omegastream.list_webhook_endpoints` on arbitrary bytes: an error, never a panic; and
//! `decode_list` (what the generated client uses for lists) agrees with `decode` exactly.
#![no_main]

use hookspec::runtime::{decode, decode_list};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let status = hookspec::reqwest::StatusCode::OK;
    let sized = decode_list::<hookspec::omegastream::WebhookEndpoint>("omegastream.list_webhook_endpoints", status, data.to_vec().into());
    let plain = decode::<Vec<hookspec::omegastream::WebhookEndpoint>>("omegastream.list_webhook_endpoints", status, data.to_vec().into());
    match (sized, plain) {
        (Ok(a), Ok(b)) => assert!(a == b, "decode_list and decode disagree"),
        (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
        (a, b) => panic!("decode_list {:?} but decode {:?}", a.is_ok(), b.is_ok()),
    }
});
