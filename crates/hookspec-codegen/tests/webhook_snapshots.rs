//! Snapshot of the receiving code generated for `tests/webhook-fixture`, the test-only API
//! whose deliveries are signed (the real APIs' receiving code is in their own snapshots, as
//! the `webhooks` module of `snapshots__<api>.snap`). `hookspec-tests` compiles it.

use std::path::Path;

#[test]
fn generated_receiving_code_of_the_signed_fixture() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let dir = root.join("tests/webhook-fixture");
    let (sources, _) = hookspec_spec::read_api_dir(&dir, &|p| {
        let rel = p.strip_prefix(&root).unwrap_or(p);
        rel.to_string_lossy().replace('\\', "/")
    })
    .unwrap();
    let api = hookspec_spec::parse_api(&sources).unwrap_or_else(|d| panic!("{d}"));
    let code = hookspec_codegen::pretty(&hookspec_codegen::generate_api(&api)).unwrap();
    assert!(code.contains("pub mod webhooks"));
    insta::assert_snapshot!("signed_hooks", code);
}
