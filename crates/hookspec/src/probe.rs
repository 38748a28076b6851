//! Stage timestamps of the current thread's last request, read by `hookspec-bench`'s
//! `overhead-segments` (BENCHMARKS.md §1b). Compiled only with `--cfg hookspec_probe`: a
//! normal build has neither this module nor a single instruction of it in the send path.

use std::cell::Cell;
use std::time::Instant;

/// A point a request passes, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// The request is built (URL, headers, body), before reqwest's `send`.
    Built = 0,
    /// reqwest's pending request exists and is about to be polled for the first time.
    Sending = 1,
    /// Its status and headers are in.
    Head = 2,
    /// Its body is read whole.
    Body = 3,
}

/// How many stages there are.
pub const STAGES: usize = 4;

thread_local! {
    static MARKS: Cell<[Option<Instant>; STAGES]> = const { Cell::new([None; STAGES]) };
}

/// Records that the current thread's request reached `stage` now.
pub fn mark(stage: Stage) {
    MARKS.with(|m| {
        let mut marks = m.get();
        marks[stage as usize] = Some(Instant::now());
        m.set(marks);
    });
}

/// The current thread's marks since the last call (and clears them).
pub fn take() -> [Option<Instant>; STAGES] {
    MARKS.with(|m| m.replace([None; STAGES]))
}
