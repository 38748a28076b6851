//! The response decoder of `omegastream.get_webhook_event` on arbitrary bytes: an error, never a panic.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let status = hookspec::reqwest::StatusCode::OK;
    let _ = hookspec::runtime::decode::<hookspec::omegastream::WebhookEvent>("omegastream.get_webhook_event", status, data.to_vec().into());
});
