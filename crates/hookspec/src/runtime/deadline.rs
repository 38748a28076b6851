//! Attempt deadlines with one timer per client ("one deadline per client").
//!
//! An attempt's timeout needs a wake-up when nothing else happens (a server that stalls). A
//! tokio timer per attempt gives one, at the price of registering it with the runtime's time
//! driver on every request, which on a multi-thread runtime also wakes the thread that drives
//! timers (BENCHMARKS.md §1b: 1–3 % of a request to a local server). Here each client keeps the
//! deadlines of its attempts in flight and one timer, armed at the earliest of them and armed
//! again only when a deadline earlier than it arrives or when it fires: a steady stream of
//! requests with the same timeout registers one timer per timeout period, not one per request.
//!
//! The timer belongs to the runtime that armed it. An attempt on another runtime while
//! attempts of the first are in flight keeps a timer of its own, as before.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::task::{Context, Poll, Wake, Waker};

use tokio::runtime::{Handle, Id};
use tokio::task::Unconstrained;
use tokio::time::{Instant, Sleep};

/// The deadlines of one client's attempts in flight, and its timer.
#[derive(Default)]
pub(super) struct Deadlines {
    state: Mutex<State>,
    /// How many times the timer fired: an attempt registered before the last firing must look
    /// again (the timer may need arming for it).
    fired: AtomicU64,
}

#[derive(Default)]
struct State {
    /// Attempts in flight by slot; `None`: a free slot.
    entries: Vec<Option<Entry>>,
    free: Vec<usize>,
    timer: Option<Timer>,
}

struct Entry {
    runtime: Id,
    waker: Waker,
}

struct Timer {
    runtime: Id,
    /// Held to stay registered with the time driver: dropping it cancels the timer.
    _sleep: Pin<Box<Unconstrained<Sleep>>>,
    /// When it fires; `None`: it fired, or found its instant past, and is not armed.
    armed: Option<Instant>,
}

/// The timer's waker.
struct Alarm(Weak<Deadlines>);

impl Wake for Alarm {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if let Some(deadlines) = self.0.upgrade() {
            deadlines.fire();
        }
    }
}

impl Deadlines {
    fn lock(&self) -> MutexGuard<'_, State> {
        // Nothing under the lock can panic halfway through a change: a poisoned lock still
        // holds a consistent state.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The timer fired: wakes every attempt in flight; each looks at its deadline and, if it
    /// is still ahead, arms the timer again from its own task. Never armed from here: this
    /// runs in the time driver, maybe while its runtime shuts down, where no timer may be made.
    fn fire(&self) {
        let wakers: Vec<Waker> = {
            let mut st = self.lock();
            self.fired.fetch_add(1, Ordering::SeqCst);
            if let Some(t) = &mut st.timer {
                t.armed = None;
            }
            st.entries
                .iter()
                .flatten()
                .map(|e| e.waker.clone())
                .collect()
        };
        for w in wakers {
            w.wake();
        }
    }

    /// Records (or refreshes) an attempt and makes sure the timer fires by its deadline.
    /// `None`: the timer cannot serve it (no runtime, or the timer belongs to another runtime
    /// that has attempts in flight): the caller keeps a timer of its own. `Some(true)`: the
    /// deadline passed meanwhile, the caller looks again.
    fn register(
        self: &Arc<Self>,
        slot: &mut Option<usize>,
        deadline: Instant,
        waker: &Waker,
    ) -> Option<bool> {
        let runtime = Handle::try_current().ok()?.id();
        let mut st = self.lock();
        if let Some(t) = &st.timer
            && t.runtime != runtime
            && st.entries.iter().flatten().any(|e| e.runtime == t.runtime)
        {
            return None;
        }
        let entry = Entry {
            runtime,
            waker: waker.clone(),
        };
        match *slot {
            Some(i) => st.entries[i] = Some(entry),
            None => {
                let i = match st.free.pop() {
                    Some(i) => {
                        st.entries[i] = Some(entry);
                        i
                    }
                    None => {
                        st.entries.push(Some(entry));
                        st.entries.len() - 1
                    }
                };
                *slot = Some(i);
            }
        }
        let in_time = st
            .timer
            .as_ref()
            .is_some_and(|t| t.runtime == runtime && t.armed.is_some_and(|at| at <= deadline));
        if in_time {
            return Some(false);
        }
        // A new timer rather than `Sleep::reset` of the old one: a reset to an instant already
        // past calls the old one's waker (the alarm, which takes this lock) at once.
        // Exempt from the task's cooperative budget: with the budget spent, a `Sleep` is not
        // registered and tokio wakes its waker instead — at once, on this thread, where no
        // scheduler can defer the wake-up (`block_on` of a multi-thread runtime) — and the
        // alarm's `fire` would take this lock again: a deadlock.
        let mut sleep = Box::pin(tokio::task::unconstrained(tokio::time::sleep_until(
            deadline,
        )));
        let alarm = Waker::from(Arc::new(Alarm(Arc::downgrade(self))));
        let passed = sleep
            .as_mut()
            .poll(&mut Context::from_waker(&alarm))
            .is_ready();
        st.timer = Some(Timer {
            runtime,
            _sleep: sleep,
            armed: (!passed).then_some(deadline),
        });
        Some(passed)
    }

    fn deregister(&self, slot: &mut Option<usize>) {
        if let Some(i) = slot.take() {
            let mut st = self.lock();
            st.entries[i] = None;
            st.free.push(i);
        }
    }
}

pin_project_lite::pin_project! {
    /// A future with a deadline: `Err(Elapsed)` once it passes, the deadline watched by its
    /// client's [`Deadlines`] (or by a timer of its own when those cannot).
    pub(super) struct WithDeadline<'a, F> {
        #[pin]
        inner: F,
        deadlines: &'a Arc<Deadlines>,
        deadline: Instant,
        slot: Option<usize>,
        // The waker registered (its identity) and the timer's firing count then.
        registered: Option<(WakerId, u64)>,
        own: Option<Pin<Box<Sleep>>>,
    }

    impl<F> PinnedDrop for WithDeadline<'_, F> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            this.deadlines.deregister(this.slot);
        }
    }
}

/// A waker's identity: what [`Waker::will_wake`] compares (its data and vtable pointers), kept
/// without a clone of the waker, so without touching the task's reference count on every
/// attempt. Valid to compare while the attempt is registered: its entry holds a clone of that
/// waker, so the task it wakes cannot be freed and its address reused meanwhile.
#[derive(Clone, Copy, PartialEq, Eq)]
struct WakerId(usize, usize);

impl WakerId {
    fn of(w: &Waker) -> Self {
        Self(w.data() as usize, std::ptr::from_ref(w.vtable()) as usize)
    }
}

/// The deadline passed.
#[derive(Debug)]
pub(super) struct Elapsed;

impl<'a, F> WithDeadline<'a, F> {
    pub(super) fn new(deadlines: &'a Arc<Deadlines>, deadline: Instant, inner: F) -> Self {
        Self {
            inner,
            deadlines,
            deadline,
            slot: None,
            registered: None,
            own: None,
        }
    }
}

impl<F: Future> Future for WithDeadline<'_, F> {
    type Output = Result<F::Output, Elapsed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        if let Poll::Ready(v) = this.inner.poll(cx) {
            this.deadlines.deregister(this.slot);
            return Poll::Ready(Ok(v));
        }
        if this.own.is_none() {
            // Registered with this task's waker, and the timer has not fired since: it is
            // still armed by this deadline or an earlier one, and its firing will wake this
            // task to look at the clock (no clock read on every poll).
            let fired = this.deadlines.fired.load(Ordering::SeqCst);
            if *this.registered == Some((WakerId::of(cx.waker()), fired)) {
                return Poll::Pending;
            }
            if Instant::now() >= *this.deadline {
                this.deadlines.deregister(this.slot);
                return Poll::Ready(Err(Elapsed));
            }
            match this
                .deadlines
                .register(this.slot, *this.deadline, cx.waker())
            {
                Some(passed) => {
                    *this.registered = Some((WakerId::of(cx.waker()), fired));
                    if passed {
                        cx.waker().wake_by_ref();
                    }
                    return Poll::Pending;
                }
                None => {
                    this.deadlines.deregister(this.slot);
                    *this.own = Some(Box::pin(tokio::time::sleep_until(*this.deadline)));
                }
            }
        }
        // A timer of its own (the client's cannot serve this attempt): ready once the
        // deadline has passed, whenever it is polled.
        match this.own {
            Some(own) => own.as_mut().poll(cx).map(|()| Err(Elapsed)),
            None => Poll::Pending,
        }
    }
}
