//! hookspec's end-to-end tests over 127.0.0.1, one module per subject, in one test binary:
//! as twelve binaries, each compiled the generated clients, tokio and the emulator again and
//! was linked on its own (34 s of compile time of the README's test command, cold).

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
mod secrets;
mod seed_endpoints;
mod webhook_surface;
