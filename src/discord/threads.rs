//! Threads of support channels (forum posts, threads started from a message) count as support
//! channels. Without the GUILDS intent the bot has no channel cache, so a channel's parent is
//! looked up over REST, and the cost of that is bounded here:
//! - each channel is looked up once and its answer remembered (a thread never changes parent);
//! - concurrent questions in the same new channel share one lookup;
//! - a failed lookup is remembered too, for a while ([`AFTER_FAILURE`], longer after a 429), so a
//!   busy channel during an outage costs one request per minute, not one per message;
//! - the caller holds a permit of the bot's requests-in-flight limit while it waits.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use serenity::all::{Channel, ChannelId, ChannelType, Http};

use super::retry;

/// How many channels' parents are remembered before the memory starts over.
const REMEMBERED: usize = 4_096;
/// How long a failed lookup is remembered before a new message may try again.
const AFTER_FAILURE: Duration = Duration::from_mins(1);
/// How long a lookup refused with a 429 is remembered: Discord asked for fewer requests.
const AFTER_RATE_LIMIT: Duration = Duration::from_mins(5);

/// What is known about one channel.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Known {
    /// Not looked up yet (or the last failure has expired).
    Nothing,
    /// Looked up: the thread's parent, `None` for a channel that is not a thread.
    Parent(Option<ChannelId>),
    /// The lookup failed; not tried again before this instant.
    FailedUntil(Instant),
}

/// The parent channel of each thread the bot has looked up.
#[derive(Default)]
pub(crate) struct ThreadParents(Mutex<HashMap<ChannelId, Arc<tokio::sync::Mutex<Known>>>>);

impl ThreadParents {
    /// What is already known of `channel`, without a request (`Nothing` while it is being
    /// looked up).
    pub(crate) fn known(&self, channel: ChannelId) -> Known {
        let slot = self.slots().get(&channel).cloned();
        slot.and_then(|slot| slot.try_lock().ok().map(|known| *known))
            .unwrap_or(Known::Nothing)
    }

    /// What `channel` is: looked up once and remembered ([`Known::Parent`]), or
    /// [`Known::FailedUntil`] when the lookup failed (and until that failure expires). While a
    /// lookup of `channel` is running, other callers wait for its answer instead of asking again.
    pub(crate) async fn look_up(&self, http: &Http, channel: ChannelId) -> Known {
        let slot = self.slot(channel);
        let mut known = slot.lock().await;
        match *known {
            Known::Parent(_) => return *known,
            Known::FailedUntil(until) if Instant::now() < until => return *known,
            Known::Nothing | Known::FailedUntil(_) => {}
        }
        *known = match http.get_channel(channel).await {
            Ok(Channel::Guild(guild_channel)) if is_thread(guild_channel.kind) => {
                Known::Parent(guild_channel.parent_id)
            }
            Ok(_) => Known::Parent(None),
            Err(error) => {
                let wait = if retry::is_rate_limited(&error) {
                    AFTER_RATE_LIMIT
                } else {
                    AFTER_FAILURE
                };
                tracing::warn!(%error, %channel, retry_in = ?wait, "could not look up a channel's parent");
                Known::FailedUntil(Instant::now() + wait)
            }
        };
        *known
    }

    /// The slot of `channel`, made if it is new.
    fn slot(&self, channel: ChannelId) -> Arc<tokio::sync::Mutex<Known>> {
        let mut slots = self.slots();
        if slots.len() >= REMEMBERED && !slots.contains_key(&channel) {
            slots.clear();
        }
        Arc::clone(
            slots
                .entry(channel)
                .or_insert_with(|| Arc::new(tokio::sync::Mutex::new(Known::Nothing))),
        )
    }

    fn slots(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<ChannelId, Arc<tokio::sync::Mutex<Known>>>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn is_thread(kind: ChannelType) -> bool {
    matches!(
        kind,
        ChannelType::PublicThread | ChannelType::PrivateThread | ChannelType::NewsThread
    )
}
