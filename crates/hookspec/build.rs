//! Rebuilds the crate when any spec file changes or is added: the `include_api!` expansions
//! track the files they read, and this catches new files in the spec folders.
fn main() {
    println!("cargo:rerun-if-changed=../../api-specs");
    println!("cargo:rerun-if-changed=build.rs");
}
