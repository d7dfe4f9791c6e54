//! Flood control: the per-user cooldown and the per-channel repeat window.
//!
//! Pure: the caller passes the current `Instant`, so the rules are tested without sleeping.
//! Emergencies bypass both rules.

use std::collections::HashMap;
use std::time::{Duration, Instant};

/// Tables above this size are swept of expired entries, which bounds memory under a flood.
const SWEEP_ABOVE: usize = 4_096;

/// A reply the bot is about to send.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ask<'a> {
    /// Who asked.
    pub user: u64,
    /// Where.
    pub channel: u64,
    /// What the reply is about (entry id or suggestion set), when the repeat window applies.
    pub repeat_key: Option<&'a str>,
    /// Emergencies are always answered.
    pub urgent: bool,
}

/// Whether a reply may be sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Send it; the user's cooldown (and the channel's repeat window) start now.
    Allow,
    /// The user got a reply less than the cooldown ago.
    CoolingDown,
    /// The same reply was posted in this channel less than the repeat window ago.
    Repeated,
}

/// When each user last got a reply, and when each answer was last posted in each channel.
#[derive(Debug)]
pub(crate) struct Limits {
    cooldown: Duration,
    repeat_window: Duration,
    last_reply: HashMap<u64, Instant>,
    last_posted: HashMap<(u64, String), Instant>,
}

impl Limits {
    /// No replies yet.
    pub(crate) fn new(cooldown: Duration, repeat_window: Duration) -> Self {
        Self {
            cooldown,
            repeat_window,
            last_reply: HashMap::new(),
            last_posted: HashMap::new(),
        }
    }

    /// Decides on `ask` at `now`, and remembers it when allowed.
    pub(crate) fn check(&mut self, ask: Ask<'_>, now: Instant) -> Verdict {
        if ask.urgent {
            return Verdict::Allow;
        }
        if within(self.last_reply.get(&ask.user), now, self.cooldown) {
            return Verdict::CoolingDown;
        }
        let key = ask.repeat_key.map(|key| (ask.channel, key.to_owned()));
        if let Some(key) = &key {
            if within(self.last_posted.get(key), now, self.repeat_window) {
                return Verdict::Repeated;
            }
        }
        self.sweep(now);
        self.last_reply.insert(ask.user, now);
        if let Some(key) = key {
            self.last_posted.insert(key, now);
        }
        Verdict::Allow
    }

    fn sweep(&mut self, now: Instant) {
        if self.last_reply.len() > SWEEP_ABOVE {
            let cooldown = self.cooldown;
            self.last_reply
                .retain(|_, at| within(Some(at), now, cooldown));
        }
        if self.last_posted.len() > SWEEP_ABOVE {
            let window = self.repeat_window;
            self.last_posted
                .retain(|_, at| within(Some(at), now, window));
        }
    }
}

fn within(last: Option<&Instant>, now: Instant, window: Duration) -> bool {
    last.is_some_and(|&at| now.saturating_duration_since(at) < window)
}

#[cfg(test)]
mod tests {
    use super::*;

    const USER: u64 = 1;
    const OTHER: u64 = 2;
    const CHANNEL: u64 = 10;

    fn ask(user: u64, channel: u64, key: Option<&str>, urgent: bool) -> Ask<'_> {
        Ask {
            user,
            channel,
            repeat_key: key,
            urgent,
        }
    }

    #[test]
    fn rules_in_order() {
        use Verdict::{Allow, CoolingDown, Repeated};
        let secs = Duration::from_secs;
        // (seconds after start, ask, expected): cooldown 10 s, repeat window 300 s.
        let steps = [
            (0, ask(USER, CHANNEL, Some("cost"), false), Allow),
            (5, ask(USER, CHANNEL, Some("pain"), false), CoolingDown),
            (5, ask(USER, CHANNEL, None, true), Allow),
            (6, ask(OTHER, CHANNEL, Some("cost"), false), Repeated),
            (6, ask(OTHER, CHANNEL + 1, Some("cost"), false), Allow),
            (10, ask(USER, CHANNEL, Some("pain"), false), Allow),
            (21, ask(USER, CHANNEL, Some("cost"), false), Repeated),
            (21, ask(USER, CHANNEL, None, false), Allow),
            (300, ask(OTHER, CHANNEL, Some("cost"), false), Allow),
        ];
        let start = Instant::now();
        let mut limits = Limits::new(secs(10), secs(300));
        for (i, (at, ask, expected)) in steps.into_iter().enumerate() {
            assert_eq!(limits.check(ask, start + secs(at)), expected, "step {i}");
        }
    }

    #[test]
    fn refused_asks_do_not_restart_the_cooldown() {
        let start = Instant::now();
        let mut limits = Limits::new(Duration::from_secs(10), Duration::ZERO);
        assert_eq!(
            limits.check(ask(USER, CHANNEL, None, false), start),
            Verdict::Allow
        );
        for at in 1..10 {
            let now = start + Duration::from_secs(at);
            assert_eq!(
                limits.check(ask(USER, CHANNEL, None, false), now),
                Verdict::CoolingDown
            );
        }
        let later = start + Duration::from_secs(10);
        assert_eq!(
            limits.check(ask(USER, CHANNEL, None, false), later),
            Verdict::Allow
        );
    }

    #[test]
    fn zero_durations_disable_the_rules() {
        let now = Instant::now();
        let mut limits = Limits::new(Duration::ZERO, Duration::ZERO);
        for _ in 0..3 {
            assert_eq!(
                limits.check(ask(USER, CHANNEL, Some("cost"), false), now),
                Verdict::Allow
            );
        }
    }

    #[test]
    fn a_flood_of_users_is_swept() {
        let start = Instant::now();
        let mut limits = Limits::new(Duration::from_secs(1), Duration::from_secs(1));
        for user in 0..3 * SWEEP_ABOVE as u64 {
            let now = start + Duration::from_millis(user);
            limits.check(ask(user, CHANNEL, Some(&user.to_string()), false), now);
        }
        assert!(limits.last_reply.len() <= SWEEP_ABOVE + 1);
        assert!(limits.last_posted.len() <= SWEEP_ABOVE + 1);
    }
}
