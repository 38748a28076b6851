//! Hosts the compile-fail tests of `tests/ui.rs` (trybuild needs a crate to depend on); no code.
