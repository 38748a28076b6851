//! The response decoders of the endpoints bound by spec files alone, on arbitrary bytes: an
//! error, never a panic; the queue's list decoder (`decode_list`) agrees with `decode`.
#![no_main]

use hookspec::runtime::{decode, decode_list};
use hookspec::{fivecents, omegastream};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let ok = hookspec::reqwest::StatusCode::OK;
    let body = || data.to_vec().into();
    let _ = decode::<fivecents::EncodeJobLogs>("fivecents.list_encode_jobs_in_range", ok, body());
    for endpoint in [
        "omegastream.create_webhook_endpoint",
        "omegastream.update_webhook_endpoint",
        "omegastream.set_webhook_endpoint_status",
        "omegastream.get_webhook_endpoint",
    ] {
        let _ = decode::<omegastream::WebhookEndpoint>(endpoint, ok, body());
    }
    let _ = decode::<omegastream::Message>("omegastream.delete_webhook_endpoint", ok, body());
    let sized = decode_list::<fivecents::ActiveJob>("fivecents.list_active_jobs", ok, body());
    let plain = decode::<Vec<fivecents::ActiveJob>>("fivecents.list_active_jobs", ok, body());
    match (sized, plain) {
        (Ok(a), Ok(b)) => assert!(a == b, "decode_list and decode disagree"),
        (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
        (a, b) => panic!("decode_list {:?} but decode {:?}", a.is_ok(), b.is_ok()),
    }
});
