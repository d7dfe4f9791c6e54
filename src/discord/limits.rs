//! Flood control: the per-user cooldown, the per-channel repeat window, and repeated emergency
//! replies.
//!
//! The caller passes the current `Instant`, so the rules are tested without sleeping.
//! Emergencies bypass the cooldown and the repeat window: every one is answered. But the same
//! emergency reply to the same user in the same channel within [`EMERGENCY_REPEAT_WINDOW`] of
//! the first full one is shortened to a pointer at it ([`EmergencyTurn`]); the first is always
//! full, and a failed first makes the next one full again.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash as _, Hasher as _};
use std::time::{Duration, Instant};

use tokio::sync::watch;

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

/// How long after a full emergency reply the same reply to the same user in the same channel is
/// shortened to a pointer at it.
pub(crate) const EMERGENCY_REPEAT_WINDOW: Duration = Duration::from_mins(10);

/// Whether an emergency reply goes out in full or points at the first one.
#[derive(Debug)]
pub(crate) enum EmergencyTurn {
    /// The first such reply here: post it in full and report where with [`FirstPosted`].
    Full(FirstPosted),
    /// A repeat: post the short form once [`FirstReply::posted`] says where the first one is.
    Repeat(FirstReply),
}

/// Held by whoever posts a first full emergency reply; dropped unsent (the post failed), it
/// lets the next repeat be full again.
#[derive(Debug)]
pub(crate) struct FirstPosted(watch::Sender<Option<u64>>);

impl FirstPosted {
    /// The full reply went out as message `id`: repeats point at it.
    pub(crate) fn posted(self, id: u64) {
        self.0.send_replace(Some(id));
    }
}

/// A repeat's handle on the first full reply, which may still be on its way.
#[derive(Debug)]
pub(crate) struct FirstReply(watch::Receiver<Option<u64>>);

impl FirstReply {
    /// The first reply's message id once it is posted, waiting at most `wait`; `None` when its
    /// post failed or took longer (then the repeat is answered in full).
    pub(crate) async fn posted(mut self, wait: Duration) -> Option<u64> {
        let posted = tokio::time::timeout(wait, self.0.wait_for(Option::is_some)).await;
        posted.ok()?.ok().and_then(|id| *id)
    }
}

/// The first full emergency reply to one user in one channel.
#[derive(Debug)]
struct FirstEmergency {
    at: Instant,
    posted: watch::Receiver<Option<u64>>,
}

impl FirstEmergency {
    /// Posted, or still being posted: not failed.
    fn alive(&self) -> bool {
        self.posted.borrow().is_some() || self.posted.has_changed().is_ok()
    }
}

/// When each user last got a reply, when each answer was last posted in each channel, and the
/// first full emergency replies.
#[derive(Debug)]
pub(crate) struct Limits {
    cooldown: Duration,
    repeat_window: Duration,
    last_reply: HashMap<u64, Instant>,
    last_posted: HashMap<(u64, String), Instant>,
    /// Keyed by user, channel and a hash of the full reply's text: the same guidance, not just
    /// the tier (the text itself, a kilobyte, is not kept for each).
    emergencies: HashMap<(u64, u64, u64), FirstEmergency>,
}

impl Limits {
    /// No replies yet.
    pub(crate) fn new(cooldown: Duration, repeat_window: Duration) -> Self {
        Self {
            cooldown,
            repeat_window,
            last_reply: HashMap::new(),
            last_posted: HashMap::new(),
            emergencies: HashMap::new(),
        }
    }

    /// Whether the emergency reply `text` to `user` in `channel` at `now` goes out in full (the
    /// first within [`EMERGENCY_REPEAT_WINDOW`], or the first one's post failed) or points at
    /// the first. A different text (another tier, other rules' advice) is not a repeat.
    pub(crate) fn emergency(
        &mut self,
        (user, channel): (u64, u64),
        text: &str,
        now: Instant,
    ) -> EmergencyTurn {
        let key = (user, channel, text_hash(text));
        if let Some(first) = self.emergencies.get(&key) {
            if within(Some(&first.at), now, EMERGENCY_REPEAT_WINDOW) && first.alive() {
                return EmergencyTurn::Repeat(FirstReply(first.posted.clone()));
            }
        }
        if self.emergencies.len() > SWEEP_ABOVE {
            self.emergencies.retain(|_, first| {
                within(Some(&first.at), now, EMERGENCY_REPEAT_WINDOW) && first.alive()
            });
        }
        let (posted, receiver) = watch::channel(None);
        let first = FirstEmergency {
            at: now,
            posted: receiver,
        };
        self.emergencies.insert(key, first);
        EmergencyTurn::Full(FirstPosted(posted))
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

/// A hash of a reply's text, to tell the same reply from another.
fn text_hash(text: &str) -> u64 {
    let mut hasher = DefaultHasher::new();
    text.hash(&mut hasher);
    hasher.finish()
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

    fn is_full(turn: &EmergencyTurn) -> bool {
        matches!(turn, EmergencyTurn::Full(_))
    }

    #[tokio::test]
    async fn repeated_emergency_replies_point_at_the_first_full_one() {
        let start = Instant::now();
        let at = |secs| start + Duration::from_secs(secs);
        let mut limits = Limits::new(Duration::ZERO, Duration::ZERO);
        let EmergencyTurn::Full(first) = limits.emergency((USER, CHANNEL), "🚨 call", at(0))
        else {
            panic!("the first emergency reply is full");
        };
        let EmergencyTurn::Repeat(waiting) = limits.emergency((USER, CHANNEL), "🚨 call", at(1))
        else {
            panic!("a repeat while the first is being posted points at it");
        };
        first.posted(77);
        assert_eq!(waiting.posted(Duration::from_mins(1)).await, Some(77));
        let mut turns = Vec::new();
        for (who, text, secs, full) in [
            ((USER, CHANNEL), "🚨 call", 2, false),
            ((OTHER, CHANNEL), "🚨 call", 3, true),
            ((USER, CHANNEL + 1), "🚨 call", 4, true),
            ((USER, CHANNEL), "💛 crisis line", 5, true),
            ((USER, CHANNEL), "🚨 call", 599, false),
            ((USER, CHANNEL), "🚨 call", 600, true),
        ] {
            let turn = limits.emergency(who, text, at(secs));
            assert_eq!(is_full(&turn), full, "{who:?} {text} at {secs} s");
            // Kept, as if still being posted: a dropped first counts as failed.
            turns.push(turn);
        }
        let EmergencyTurn::Repeat(again) = limits.emergency((USER, CHANNEL), "🚨 call", at(601))
        else {
            panic!("a repeat of the new first");
        };
        assert_eq!(
            again.posted(Duration::from_millis(10)).await,
            None,
            "not posted yet"
        );
    }

    #[tokio::test]
    async fn a_failed_first_reply_makes_the_next_one_full() {
        let now = Instant::now();
        let mut limits = Limits::new(Duration::ZERO, Duration::ZERO);
        let first = limits.emergency((USER, CHANNEL), "🚨 call", now);
        let EmergencyTurn::Repeat(waiting) = limits.emergency((USER, CHANNEL), "🚨 call", now)
        else {
            panic!("a repeat");
        };
        drop(first);
        assert_eq!(waiting.posted(Duration::from_mins(1)).await, None);
        let turn = limits.emergency((USER, CHANNEL), "🚨 call", now);
        assert!(is_full(&turn), "the first never went out");
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
        for user in 0..3 * SWEEP_ABOVE as u64 {
            let now = start + Duration::from_secs(user);
            if let EmergencyTurn::Full(first) = limits.emergency((user, CHANNEL), "🚨", now) {
                first.posted(user);
            }
        }
        assert!(limits.emergencies.len() <= SWEEP_ABOVE + 1);
    }
}
