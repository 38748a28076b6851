//! Writing to stdout and stderr without panicking.
//!
//! `println!` panics when stdout is a closed pipe (`hookspec … --json | head -c1`). Here a
//! closed stdout is [`Failure::ClosedPipe`]: the command stops writing and exits with status 0,
//! quietly, as ripgrep does (the reader asked for no more). Other write errors are reported.

use std::io::{self, Write};

use crate::Failure;

/// Writes `text` and a newline to stdout.
pub(crate) fn line(text: &str) -> Result<(), Failure> {
    let mut out = io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.write_all(b"\n"))
        .and_then(|()| out.flush())
        .map_err(write_failure)
}

/// Writes `bytes` to stdout exactly as given.
pub(crate) fn raw(bytes: &[u8]) -> Result<(), Failure> {
    let mut out = io::stdout().lock();
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .map_err(write_failure)
}

fn write_failure(e: io::Error) -> Failure {
    if e.kind() == io::ErrorKind::BrokenPipe {
        Failure::ClosedPipe
    } else {
        Failure::Other(format!("cannot write to stdout: {e}"))
    }
}

/// Writes a line to stderr; a closed stderr is ignored (there is nowhere left to report it).
pub(crate) fn note(text: &str) {
    let _ = writeln!(io::stderr().lock(), "{text}");
}

/// An error and each of its causes, once: `message` then `  caused by: …` lines. A cause whose
/// text its predecessor already contains (some libraries repeat their source) is skipped.
pub(crate) fn with_causes(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut last = text.clone();
    let mut source = err.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !last.contains(&cause_text) {
            text.push_str("\n  caused by: ");
            text.push_str(&cause_text);
        }
        last = cause_text;
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("outer failed")]
    struct Outer(#[source] Middle);

    #[derive(Debug, thiserror::Error)]
    #[error("middle: inner broke")]
    struct Middle(#[source] Inner);

    #[derive(Debug, thiserror::Error)]
    #[error("inner broke")]
    struct Inner;

    #[test]
    fn each_cause_once() {
        let text = with_causes(&Outer(Middle(Inner)));
        assert_eq!(text, "outer failed\n  caused by: middle: inner broke");
        assert_eq!(text.matches("inner broke").count(), 1);
    }
}
