//! The CLI's tests, one module per subject, in one test binary (one link instead of five).

mod cli;
mod flood;
mod output;
mod recover;
mod webhooks;
