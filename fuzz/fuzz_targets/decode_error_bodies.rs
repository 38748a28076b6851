//! The error-body decoders of both APIs on arbitrary bytes: `None` or a model, never a panic.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = hookspec::serde_json::from_slice::<hookspec::fivecents::ApiErrorBody>(data);
    let _ = hookspec::serde_json::from_slice::<hookspec::omegastream::ApiErrorBody>(data);
});
