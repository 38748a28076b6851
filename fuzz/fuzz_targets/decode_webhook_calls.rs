//! The response decoder of `fivecents.resend_notification` on arbitrary bytes: an error, never a panic.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let status = hookspec::reqwest::StatusCode::OK;
    let _ = hookspec::runtime::decode::<Vec<hookspec::fivecents::WebhookCall>>("fivecents.resend_notification", status, data.to_vec().into());
});
