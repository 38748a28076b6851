//! The response decoder of `fivecents.list_encode_jobs` on arbitrary bytes: an error, never a panic.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let status = hookspec::reqwest::StatusCode::OK;
    let _ = hookspec::runtime::decode::<hookspec::fivecents::EncodeJobLogs>("fivecents.list_encode_jobs", status, data.to_vec().into());
});
