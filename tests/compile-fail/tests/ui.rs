//! Compile-fail tests: misuse of the generated API, and the macro's own errors (a spec folder
//! that does not exist, an argument that is not a string, spec diagnostics turned into compile
//! errors at the spec file's `path:line:col`) give the errors recorded in `ui/*.stderr`. The
//! spec diagnostics themselves are unit-tested in `crates/hookspec-spec/tests/specs.rs`.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("ui/*.rs");
}
