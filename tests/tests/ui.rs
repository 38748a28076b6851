//! Compile-fail tests: broken spec files and misuse of the generated API give the compile
//! errors recorded in `tests/ui/*.stderr`.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("ui/*.rs");
}
