//! The CLI's tests, one module per subject, in one test binary (one link instead of five).

mod cli;
mod flood;
mod output;
mod recover;
mod webhooks;

use assert_cmd::Command;

/// The `hookspec` binary, with no key from the environment of whoever runs the tests.
fn hookspec() -> Command {
    let mut cmd = Command::cargo_bin("hookspec").unwrap();
    cmd.env_remove("HOOKSPEC_FIVECENTS_KEY")
        .env_remove("HOOKSPEC_OMEGASTREAM_KEY");
    cmd
}

/// Runs the command on a blocking thread so that an emulator in this runtime keeps serving.
async fn run(mut cmd: Command) -> assert_cmd::assert::Assert {
    tokio::task::spawn_blocking(move || cmd.assert())
        .await
        .unwrap()
}
