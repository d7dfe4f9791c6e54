//! The Discord adapter: a thin serenity/poise layer over the core.
//!
//! What the bot says always comes from the [`Composer`](prolobot_core::Composer); the adapter
//! only decides whether and where to send it. One module a job:
//! - `client`: intents, the framework, [`build_client`], the start-up work and the [`Data`]
//!   every handler shares; events are routed from there.
//! - `messages`: questions in messages (support channels, mentions, DMs) and whether to reply;
//!   `clicks`: button clicks, with `buttons` (custom ids and button rows); `commands`: `/faq`
//!   and `/faqmod`; `teach`: moderators teaching the bot in `faq.toml`
//!   (`/faqmod teach`, and the menus under `/faqmod stats`).
//! - `reload`: the live FAQ ([`KnowledgeBase`]), the watch on its file and the reload report.
//! - `error`: the adapter's [`Error`] and how framework errors are answered.
//! - Helpers: `access` (who is a moderator), `alerts` (safety alerts), `insights` (the store
//!   through its writer's queue and read connections), `layout` (code blocks), `limits` (flood control), `outgoing` (replies as
//!   Discord messages, never pinging), `threads` (threads of support channels).
//!
//! [`build_client`] takes its `Http` from outside, so tests point it at a loopback fake Discord;
//! [`run`] builds the production `Http` from the token (and `DISCORD_PROXY_URL`) and runs until
//! the given shutdown future completes.

mod access;
mod alerts;
mod buttons;
mod clicks;
mod client;
mod commands;
mod error;
#[cfg(test)]
mod fixture;
mod insights;
mod layout;
mod limits;
mod messages;
mod outgoing;
mod reload;
mod teach;
mod threads;

use std::future::Future;
use std::sync::Arc;

use crate::config::Config;
use crate::store::Store;
use client::production_http;
pub use client::{build_client, intents, invite_url, permissions, startup_summary, Data};
pub use error::chain;
use error::user_fixable;
pub use error::Error;
pub use reload::{KnowledgeBase, ReloadSummary};

/// Connects with the configured token (through `DISCORD_PROXY_URL` if set), checks the token,
/// and runs the bot (autosharded, or the configured shard range) until `shutdown` completes.
pub async fn run(
    config: Config,
    knowledge: KnowledgeBase,
    store: Store,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), Error> {
    let http = production_http(config.require_token()?, config.proxy_url.as_deref());
    let me = http.get_current_user().await.map_err(user_fixable)?;
    // Only for the invite link in the summary: the bot still starts without it.
    let application = http.get_current_application_info().await.ok();
    let application = application.map(|info| info.id);
    tracing::info!("{}", startup_summary(&config, &knowledge, &me, application));
    let shards = config.shards;
    let mut client = build_client(config, http, knowledge, store).await?;
    let shard_manager = Arc::clone(&client.shard_manager);
    let stopper = tokio::spawn(async move {
        shutdown.await;
        tracing::info!("shutting down");
        shard_manager.shutdown_all().await;
    });
    let result = match shards {
        Some(range) => {
            client
                .start_shard_range(range.first..range.last + 1, range.total)
                .await
        }
        None => client.start_autosharded().await,
    };
    stopper.abort();
    result.map_err(user_fixable)
}
