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
//! - `error`: the adapter's [`Error`] and how framework errors are answered; `lifecycle`: the
//!   handlers in flight, a start-up failure, the drain at shutdown; `gateway`: back-off for
//!   gateway connections that keep failing.
//! - Helpers: `access` (who is a moderator), `alerts` (safety alerts), `insights` (the store
//!   through its writer's queue and read connections), `layout` (code blocks), `limits` (flood
//!   control), `outgoing` (replies as Discord messages, never pinging), `retry` (429s waited
//!   out), `threads` (threads of support channels).
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
mod gateway;
mod insights;
mod layout;
mod lifecycle;
mod limits;
mod messages;
mod outgoing;
mod reload;
mod retry;
mod teach;
mod threads;

use crate::config::Config;
use crate::store::Store;
use client::production_http;
use client::startup_summary;
pub use client::{build_client, intents, Bot, Data};
pub use error::chain;
use error::user_fixable;
pub use error::Error;
pub use reload::{KnowledgeBase, ReloadSummary};
use std::future::Future;

/// Connects with the configured token (through `DISCORD_PROXY_URL` if set), checks the token,
/// and runs the bot until `shutdown` completes (see [`Bot::run`]).
pub async fn run(
    config: Config,
    knowledge: KnowledgeBase,
    store: Store,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), Error> {
    let http = production_http(config.require_token()?, config.proxy_url.as_deref())?;
    let me = http.get_current_user().await.map_err(user_fixable)?;
    // Only for the invite link in the summary: the bot still starts without it.
    let application = http.get_current_application_info().await.ok();
    let application = application.map(|info| info.id);
    tracing::info!("{}", startup_summary(&config, &knowledge, &me, application));
    build_client(config, http, knowledge, store)
        .await?
        .run(shutdown)
        .await
}
