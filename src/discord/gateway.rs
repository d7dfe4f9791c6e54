//! Back-off for gateway connections that keep failing.
//!
//! serenity 0.12 resumes a closed gateway connection at once, with no back-off: a gateway that
//! closes every connection right after HELLO got 1,100 to 1,500 connections a second, and a
//! WARN line for each. It offers no hook for a delay, but every connection attempt of a
//! client's shards first locks the client's gateway URL ([`Client::ws_url`]). The pacer holds
//! that lock and lets it go once per gap: an attempt waits at most one gap, [`FIRST_GAP`] while
//! connections are steady. When a release finds an attempt waiting several gaps in a row, the
//! connections are failing, and the gap doubles (with up to a quarter more at random, so that
//! many bots do not come back at the same instant) up to [`LONGEST_GAP`]; the first gap with no
//! attempt waiting brings it back to [`FIRST_GAP`]. Each change is logged once, so a storm
//! writes a handful of lines rather than one per attempt.
//!
//! [`Client::ws_url`]: serenity::all::Client::ws_url

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Mutex;
use tokio::task::JoinHandle;

/// The longest an attempt waits while connections are steady.
const FIRST_GAP: Duration = Duration::from_millis(250);
/// The longest gap between two attempts while connections keep failing.
const LONGEST_GAP: Duration = Duration::from_mins(1);
/// Attempts in a row (one per gap) after which connections count as failing.
const FAILING_AFTER: u32 = 3;

/// Paces the connection attempts of the client whose gateway URL is `ws_url`, until the
/// returned task is aborted (abort it before shutting the shards down, or a shard waiting for
/// its next attempt waits out the gap first).
pub(crate) fn pace(ws_url: Arc<Mutex<String>>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut backoff = Backoff::default();
        loop {
            let held = ws_url.lock().await;
            tokio::time::sleep(backoff.gap()).await;
            drop(held);
            // A waiting attempt is handed the lock on release, before this task can take it.
            let attempt_waited = ws_url.try_lock().is_err();
            backoff.after_gap(attempt_waited);
        }
    })
}

/// The gap between two connection attempts, from the attempts seen so far.
#[derive(Debug)]
struct Backoff {
    gap: Duration,
    in_a_row: u32,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            gap: FIRST_GAP,
            in_a_row: 0,
        }
    }
}

impl Backoff {
    /// The next gap, with up to a quarter more at random once connections are failing.
    fn gap(&self) -> Duration {
        if self.gap > FIRST_GAP {
            super::retry::jittered(self.gap)
        } else {
            self.gap
        }
    }

    /// Counts the gap that just ended: whether an attempt waited through it.
    fn after_gap(&mut self, attempt_waited: bool) {
        if !attempt_waited {
            if self.gap > FIRST_GAP {
                tracing::info!("the gateway accepts connections again");
            }
            *self = Self::default();
            return;
        }
        self.in_a_row += 1;
        if self.in_a_row >= FAILING_AFTER && self.gap < LONGEST_GAP {
            self.gap = (self.gap * 2).min(LONGEST_GAP);
            tracing::warn!(
                attempts = self.in_a_row,
                next_in = ?self.gap,
                "gateway connections keep failing; waiting longer between attempts"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gap_doubles_while_attempts_keep_coming_and_resets_when_they_stop() {
        let mut backoff = Backoff::default();
        let mut gaps = Vec::new();
        for _ in 0..12 {
            backoff.after_gap(true);
            gaps.push(backoff.gap.as_millis());
        }
        assert_eq!(
            gaps,
            [250, 250, 500, 1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000]
        );
        backoff.after_gap(false);
        assert_eq!(backoff.gap, FIRST_GAP);
        backoff.after_gap(true);
        assert_eq!(backoff.gap, FIRST_GAP, "one reconnect is not a storm");
    }

    #[test]
    fn a_longer_gap_gets_up_to_a_quarter_more_at_random() {
        let backoff = Backoff {
            gap: Duration::from_secs(4),
            in_a_row: 5,
        };
        for _ in 0..100 {
            let gap = backoff.gap();
            assert!(
                gap >= Duration::from_secs(4) && gap <= Duration::from_secs(5),
                "{gap:?}"
            );
        }
        assert_eq!(Backoff::default().gap(), FIRST_GAP);
    }

    #[tokio::test(start_paused = true)]
    async fn attempts_in_a_storm_are_spread_out() {
        let ws_url = Arc::new(Mutex::new("ws://gateway".to_owned()));
        let pacer = pace(Arc::clone(&ws_url));
        let started = tokio::time::Instant::now();
        let mut attempts = 0;
        // A shard whose every connection fails a few milliseconds after it is opened, for 20 s.
        while started.elapsed() < Duration::from_secs(20) {
            drop(ws_url.lock().await);
            attempts += 1;
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        pacer.abort();
        // 0.25 s three times, then 0.5, 1, 2, 4, 8 s (and a little more at random).
        assert!((6..=10).contains(&attempts), "{attempts} attempts in 20 s");
    }
}
