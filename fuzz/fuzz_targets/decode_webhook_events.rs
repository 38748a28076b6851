//! The response decoder of `omegastream.list_webhook_events` on arbitrary bytes: an error, never a panic.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let status = hookspec::reqwest::StatusCode::OK;
    let _ = hookspec::runtime::decode::<Vec<hookspec::omegastream::WebhookEvent>>("omegastream.list_webhook_events", status, data.to_vec().into());
});
