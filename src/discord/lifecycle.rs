//! The running bot's life cycle: the handlers in flight (so that a shutdown lets them finish),
//! a start-up failure that must end the process (so that a supervisor restarts it instead of
//! keeping a connected bot that cannot be used), and the drain at shutdown.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

use super::Error;

/// How long a shutdown waits for the handlers in flight once the gateway is closed. With
/// [`CATCH_UP`] before it and the store's last writes after it (at most 2 s), a shutdown takes
/// at most 9 s: Docker sends SIGKILL 10 s after SIGTERM by default.
pub(crate) const GRACE: Duration = Duration::from_secs(5);
/// At most how long a shutdown keeps reading events Discord has already sent (until they stop
/// coming for [`CAUGHT_UP`]) before it closes the gateway: a question delivered just before
/// SIGTERM is answered, not dropped unread.
pub(crate) const CATCH_UP: Duration = Duration::from_secs(2);
/// How long no new handler may start before the events already sent count as read.
const CAUGHT_UP: Duration = Duration::from_millis(250);
/// How long the count of handlers must stay at zero before a drain ends: events the gateway
/// delivered just before it closed are still on their way to a handler.
const SETTLE: Duration = Duration::from_millis(100);

/// Shared by the handlers and whoever runs the client.
#[derive(Default)]
pub(crate) struct Lifecycle {
    /// Handlers (messages, commands, clicks) running now.
    in_flight: AtomicUsize,
    /// Handlers that started since the client began.
    started: AtomicUsize,
    /// Woken when a handler ends.
    ended: Notify,
    /// Why start-up failed for good, once it has.
    failure: Mutex<Option<Error>>,
    /// Woken when start-up fails.
    failed: Notify,
}

/// What a drain left: how many handlers ended during it and how many were still running when
/// the grace period ran out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Drained {
    pub(crate) finished: usize,
    pub(crate) unfinished: usize,
}

impl Lifecycle {
    /// Counts a handler as running until the returned guard is dropped.
    pub(crate) fn begin(self: &Arc<Self>) -> InFlight {
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        self.started.fetch_add(1, Ordering::SeqCst);
        InFlight(Arc::clone(self))
    }

    /// Records that start-up failed for good: the process must end with `error`.
    pub(crate) fn fail(&self, error: Error) {
        self.failure
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get_or_insert(error);
        self.failed.notify_one();
    }

    /// Completes once start-up has failed for good (never, if it does not).
    pub(crate) async fn failed(&self) {
        self.failed.notified().await;
    }

    /// The start-up failure, if there was one.
    pub(crate) fn take_failure(&self) -> Option<Error> {
        self.failure
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }

    /// Waits until no handler has started for [`CAUGHT_UP`], or until `limit` has passed:
    /// the events Discord sent before a shutdown began have then been read.
    pub(crate) async fn catch_up(&self, limit: Duration) {
        let deadline = Instant::now() + limit;
        loop {
            let started = self.started.load(Ordering::SeqCst);
            let wait = CAUGHT_UP.min(deadline.saturating_duration_since(Instant::now()));
            tokio::time::sleep(wait).await;
            if self.started.load(Ordering::SeqCst) == started || Instant::now() >= deadline {
                return;
            }
        }
    }

    /// Waits until no handler has run for [`SETTLE`], or until `grace` has passed.
    pub(crate) async fn drain(&self, grace: Duration) -> Drained {
        let deadline = Instant::now() + grace;
        let at_start = self.started.load(Ordering::SeqCst) - self.in_flight.load(Ordering::SeqCst);
        loop {
            let ended = self.ended.notified();
            if self.in_flight.load(Ordering::SeqCst) == 0 {
                let started = self.started.load(Ordering::SeqCst);
                tokio::time::sleep(SETTLE.min(deadline.saturating_duration_since(Instant::now())))
                    .await;
                let quiet = self.started.load(Ordering::SeqCst) == started;
                if quiet || Instant::now() >= deadline {
                    break;
                }
                continue;
            }
            if tokio::time::timeout_at(deadline, ended).await.is_err() {
                break;
            }
        }
        let unfinished = self.in_flight.load(Ordering::SeqCst);
        let ended = self.started.load(Ordering::SeqCst) - unfinished;
        Drained {
            finished: ended - at_start,
            unfinished,
        }
    }
}

/// One running handler; dropping it ends it.
pub(crate) struct InFlight(Arc<Lifecycle>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
        self.0.ended.notify_waiters();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_drain_waits_for_running_handlers_and_counts_what_it_left() {
        let lifecycle = Arc::new(Lifecycle::default());
        let done_before = lifecycle.begin();
        drop(done_before);
        let quick = lifecycle.begin();
        let stuck = lifecycle.begin();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(1)).await;
            drop(quick);
        });
        let drained = lifecycle.drain(Duration::from_secs(5)).await;
        assert_eq!(
            drained,
            Drained {
                finished: 1,
                unfinished: 1
            }
        );
        drop(stuck);
        let drained = lifecycle.drain(Duration::from_secs(5)).await;
        assert_eq!(
            drained,
            Drained {
                finished: 0,
                unfinished: 0
            }
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_handler_that_starts_while_draining_is_waited_for() {
        let lifecycle = Arc::new(Lifecycle::default());
        let late = Arc::clone(&lifecycle);
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(50)).await;
            let running = late.begin();
            tokio::time::sleep(Duration::from_secs(2)).await;
            drop(running);
        });
        let started = Instant::now();
        let drained = lifecycle.drain(Duration::from_secs(5)).await;
        assert_eq!(drained.finished, 1);
        assert!(started.elapsed() >= Duration::from_secs(2));
    }

    #[tokio::test(start_paused = true)]
    async fn catching_up_lasts_while_handlers_keep_starting_and_no_longer_than_its_limit() {
        let lifecycle = Arc::new(Lifecycle::default());
        let busy = Arc::clone(&lifecycle);
        let events = tokio::spawn(async move {
            // An event every 100 ms for a second.
            for _ in 0..10 {
                drop(busy.begin());
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        });
        let started = Instant::now();
        lifecycle.catch_up(Duration::from_secs(5)).await;
        let took = started.elapsed();
        assert!(
            took >= Duration::from_secs(1) && took < Duration::from_millis(1_500),
            "{took:?}"
        );
        events.await.expect("events");

        let endless = Arc::clone(&lifecycle);
        tokio::spawn(async move {
            loop {
                drop(endless.begin());
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        });
        let started = Instant::now();
        lifecycle.catch_up(Duration::from_secs(2)).await;
        assert!(started.elapsed() <= Duration::from_millis(2_100));
    }

    #[tokio::test]
    async fn a_failure_is_kept_for_whoever_runs_the_client() {
        let lifecycle = Lifecycle::default();
        lifecycle.fail(Error::Discord(Box::new(serenity::Error::Other("first"))));
        lifecycle.fail(Error::Discord(Box::new(serenity::Error::Other("second"))));
        lifecycle.failed().await;
        let failure = lifecycle.take_failure().expect("a failure");
        assert!(super::super::chain(&failure).contains("first"), "{failure}");
        assert!(lifecycle.take_failure().is_none());
    }
}
