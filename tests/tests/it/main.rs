//! hookspec's end-to-end tests over 127.0.0.1, one module per subject, in one test binary:
//! as twelve binaries, each compiled the generated clients, tokio and the emulator again and
//! was linked on its own (34 s of compile time of the README's test command, cold).
//!
//! One test stays a binary of its own: `tests/secrets.rs` installs a tracing subscriber for
//! its thread, and tracing caches per call site, for the whole process, whether anyone wants
//! its spans; with other tests running beside it in the same process, its spans were
//! sometimes never recorded.

// The snapshots' code is compiled, not called: its items are unused by design.
#[allow(dead_code)]
mod compiled_snapshots;
mod decode_mutations;
mod emulator;
mod faults;
mod neighbour_endpoints;
mod receiving;
mod redirects;
mod roundtrip;
mod scaffolded_endpoint;
mod seed_endpoints;
mod webhook_surface;
