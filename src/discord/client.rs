//! Client set-up: the gateway intents, the framework (commands, event routing, error handler),
//! the production `Http`, and the start-up work once the gateway is ready (hot reload, command
//! registration, pruning), which builds the [`Data`] every handler shares.

use std::sync::{Arc, Mutex};

use serenity::all::{
    Client, ClientBuilder, FullEvent, GatewayIntents, GuildId, Http, HttpBuilder, Interaction,
};
use tokio::task::JoinHandle;

use super::alerts::AlertLimiter;
use super::error::{chain, on_error};
use super::insights::Insights;
use super::limits::Limits;
use super::reload::{self, FaqWatcher};
use super::threads::ThreadParents;
use super::{clicks, commands, messages, outgoing, teach, Error, KnowledgeBase};
use crate::config::{Config, Token};
use crate::store::Store;

/// The gateway intents the bot needs: guild and direct messages, and their content unless
/// `message_content` is off. Message Content is privileged (enabled in the Developer Portal);
/// without it Discord still sends the text of DMs and of messages that mention the bot, so
/// mentions, DMs and slash commands keep working, but support channels are not auto-answered.
#[must_use]
pub fn intents(message_content: bool) -> GatewayIntents {
    let messages = GatewayIntents::GUILD_MESSAGES | GatewayIntents::DIRECT_MESSAGES;
    if message_content {
        messages | GatewayIntents::MESSAGE_CONTENT
    } else {
        messages
    }
}

/// Most replies to messages in flight at once. Each holds an HTTP/1.1 connection (a file
/// descriptor and its buffers) while it waits, for Discord or for a rate limit. Without a bound,
/// a burst of 1,000 questions opened hundreds and, under the common limit of 1,024 descriptors,
/// lost replies. This is far more than Discord's 50 requests a second need, and a channel held
/// back by its own rate limit would need this many replies queued to hold up the others.
const MAX_REPLIES_IN_FLIGHT: usize = 64;

/// Everything the handlers share.
pub struct Data {
    pub(super) config: Config,
    pub(super) knowledge: Arc<KnowledgeBase>,
    pub(super) insights: Insights,
    pub(super) limits: Mutex<Limits>,
    pub(super) alerts: Mutex<AlertLimiter>,
    pub(super) replies_in_flight: tokio::sync::Semaphore,
    pub(super) thread_parents: ThreadParents,
    _watcher: Option<FaqWatcher>,
    _pruning: AbortOnDrop,
}

/// Stops a background task when the bot's data is dropped.
struct AbortOnDrop(JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Builds the bot's client on `http` (the caller chooses where REST calls go). Commands are
/// registered, the FAQ watch and the daily pruning start, once the gateway is ready.
pub async fn build_client(
    config: Config,
    http: Http,
    knowledge: KnowledgeBase,
    store: Store,
) -> Result<Client, Error> {
    // The client already holds the token in its `Http`; the handlers never need it.
    let config = Config {
        token: None,
        ..config
    };
    let knowledge = Arc::new(knowledge);
    let insights = Insights::new(store, config.record, config.retention_days);
    let gateway_intents = intents(config.message_content);
    let framework = poise::Framework::builder()
        .options(framework_options())
        // No owner-only commands, so no `GET /oauth2/applications/@me` at start-up.
        .initialize_owners(false)
        .setup(move |ctx, _ready, framework| {
            Box::pin(setup(ctx, framework, config, knowledge, insights))
        })
        .build();
    Ok(ClientBuilder::new_with_http(http, gateway_intents)
        .framework(framework)
        .await?)
}

/// Runs once the gateway is ready: starts the FAQ watch (before registering the commands, so
/// that whoever waits for the registration knows edits are seen), registers the commands,
/// starts the daily pruning, and hands the handlers their data.
async fn setup(
    ctx: &serenity::all::Context,
    framework: &poise::Framework<Data, Error>,
    config: Config,
    knowledge: Arc<KnowledgeBase>,
    insights: Insights,
) -> Result<Data, Error> {
    let watcher = reload::watch(
        Arc::clone(&knowledge),
        Arc::clone(&ctx.http),
        config.log_channel,
    )
    .inspect_err(|error| tracing::warn!(error = %chain(error), "hot reload is off"))
    .ok();
    register(ctx, &framework.options().commands, config.guild_id).await?;
    let pruning = AbortOnDrop(insights.spawn_pruning());
    if let (Some(role), Some(channel)) = (config.alert_role, config.log_channel) {
        tracing::info!(
            role,
            channel,
            "safety alerts on: they ping the alert role in the log channel"
        );
    } else {
        tracing::warn!(
            "safety alerts are off: set PROLOBOT_ALERT_ROLE and PROLOBOT_LOG_CHANNEL to alert moderators"
        );
    }
    tracing::info!("ready");
    Ok(Data {
        limits: Mutex::new(Limits::new(config.cooldown, config.repeat_window)),
        alerts: Mutex::new(AlertLimiter::default()),
        replies_in_flight: tokio::sync::Semaphore::new(MAX_REPLIES_IN_FLIGHT),
        thread_parents: ThreadParents::default(),
        config,
        knowledge,
        insights,
        _watcher: watcher,
        _pruning: pruning,
    })
}

/// The production `Http`. Behind a proxy (e.g. twilight-http-proxy, or a test fake) the proxy
/// owns rate limiting, and serenity's own ratelimiter must be off: it would ignore the proxy.
pub(super) fn production_http(token: &Token, proxy: Option<&str>) -> Http {
    let builder = HttpBuilder::new(token.expose());
    match proxy {
        Some(url) => builder.proxy(url).ratelimiter_disabled(true).build(),
        None => builder.build(),
    }
}

async fn register(
    ctx: &serenity::all::Context,
    commands: &[poise::Command<Data, Error>],
    guild: Option<u64>,
) -> Result<(), Error> {
    if let Some(guild) = guild {
        poise::builtins::register_in_guild(ctx, commands, GuildId::new(guild)).await?;
        tracing::info!(guild, "slash commands registered in one server");
    } else {
        poise::builtins::register_globally(ctx, commands).await?;
        tracing::info!("slash commands registered globally (may take a while to show up)");
    }
    Ok(())
}

fn framework_options() -> poise::FrameworkOptions<Data, Error> {
    poise::FrameworkOptions {
        commands: commands::all(),
        on_error,
        event_handler,
        allowed_mentions: Some(outgoing::no_pings()),
        prefix_options: poise::PrefixFrameworkOptions {
            // Mentions are questions here, not command prefixes.
            mention_as_prefix: false,
            ..Default::default()
        },
        initialize_owners: false,
        ..Default::default()
    }
}

/// Routes the events the bot acts on: messages to [`messages`], button clicks to [`clicks`] and
/// [`teach`] (each ignores the other's); everything else (edits included) is ignored.
fn event_handler<'a>(
    framework: poise::FrameworkContext<'a, Data, Error>,
    event: &'a FullEvent,
) -> poise::BoxFuture<'a, Result<(), Error>> {
    Box::pin(async move {
        let ctx = framework.serenity_context;
        let data = framework.user_data;
        match event {
            FullEvent::Message { new_message } => {
                messages::on_message(ctx, data, framework.bot_id(), new_message).await
            }
            FullEvent::InteractionCreate {
                interaction: Interaction::Component(click),
            } => {
                clicks::on_click(ctx, data, click).await?;
                teach::on_click(ctx, data, click).await
            }
            _ => Ok(()),
        }
    })
}
