//! The recovery library's tests, in one test binary (one link instead of two).

mod common;
mod recover;
mod replay;
