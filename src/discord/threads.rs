//! Threads of support channels (forum posts, threads started from a message) count as support
//! channels. Without the GUILDS intent the bot has no channel cache, so a channel's parent is
//! looked up once over REST and remembered.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use serenity::all::{Channel, ChannelId, ChannelType, Http};

/// How many channels' parents are remembered before the memory starts over.
const REMEMBERED: usize = 4_096;

/// The parent channel of each thread the bot has seen (`None` for channels that are not threads).
#[derive(Default)]
pub(crate) struct ThreadParents(Mutex<HashMap<ChannelId, Option<ChannelId>>>);

impl ThreadParents {
    /// The channel `channel` is a thread of, if it is one. A failed lookup is not remembered,
    /// so the next message asks again.
    pub(crate) async fn parent(&self, http: &Http, channel: ChannelId) -> Option<ChannelId> {
        if let Some(known) = self.remembered().get(&channel) {
            return *known;
        }
        let parent = match http.get_channel(channel).await {
            Ok(Channel::Guild(guild_channel)) if is_thread(guild_channel.kind) => {
                guild_channel.parent_id
            }
            Ok(_) => None,
            Err(error) => {
                tracing::debug!(%error, %channel, "could not look up the channel");
                return None;
            }
        };
        let mut remembered = self.remembered();
        if remembered.len() >= REMEMBERED {
            remembered.clear();
        }
        remembered.insert(channel, parent);
        parent
    }

    fn remembered(&self) -> std::sync::MutexGuard<'_, HashMap<ChannelId, Option<ChannelId>>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn is_thread(kind: ChannelType) -> bool {
    matches!(
        kind,
        ChannelType::PublicThread | ChannelType::PrivateThread | ChannelType::NewsThread
    )
}
