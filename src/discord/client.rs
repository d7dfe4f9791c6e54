//! Client set-up and run: the gateway intents, the framework (commands, event routing, error
//! handler), the production `Http`, the start-up summary, the start-up work once the gateway is
//! ready (hot reload, pruning, command registration in the background), which builds the
//! [`Data`] every handler shares, and [`Bot::run`]: run until told to stop, then drain.

use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use std::future::Future;

use serenity::all::{
    ApplicationId, Client, ClientBuilder, Command, CreateCommand, CurrentUser, FullEvent,
    GatewayIntents, GuildId, Http, HttpBuilder, Interaction, Permissions,
};
use tokio::task::JoinHandle;

use super::alerts::AlertLimiter;
use super::error::{chain, on_error, user_fixable};
use super::gateway;
use super::insights::Insights;
use super::lifecycle::{self, Lifecycle};
use super::limits::Limits;
use super::reload::{self, FaqWatcher};
use super::threads::ThreadParents;
use super::{clicks, commands, messages, outgoing, teach, Error, KnowledgeBase};
use crate::config::{Config, ShardRange, Token};
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

/// The permissions the bot needs in a channel: see it, post, reply to a message (which reads its
/// history) and post in threads. It sends plain text, so it needs no Embed Links.
#[must_use]
pub fn permissions() -> Permissions {
    Permissions::VIEW_CHANNEL
        | Permissions::SEND_MESSAGES
        | Permissions::READ_MESSAGE_HISTORY
        | Permissions::SEND_MESSAGES_IN_THREADS
}

/// The link that adds the bot of `application` to a server, with the scopes its messages and
/// slash commands need and [`permissions`].
#[must_use]
pub fn invite_url(application: ApplicationId) -> String {
    format!(
        "https://discord.com/oauth2/authorize?client_id={application}&scope=bot+applications.commands&permissions={}",
        permissions().bits()
    )
}

/// What the bot runs with, logged once at start-up so whoever reads the log knows which FAQ,
/// database, channels and roles are in use, and how to invite it (`application` is `None` when
/// Discord did not say the application's id). Never the token.
#[must_use]
pub fn startup_summary(
    config: &Config,
    knowledge: &KnowledgeBase,
    bot: &CurrentUser,
    application: Option<ApplicationId>,
) -> String {
    let faq = crate::config::absolute(knowledge.path());
    let db = crate::config::absolute(&config.db_path);
    let ids = |ids: &[u64]| {
        ids.iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut summary = format!(
        "prolobot {} starting as {} (user id {})",
        env!("CARGO_PKG_VERSION"),
        bot.name,
        bot.id
    );
    let _ = write!(
        summary,
        "\n  FAQ: {} ({} entries)",
        faq.display(),
        knowledge.current().faq().entries().len()
    );
    let recording = if config.record {
        format!("questions recorded, kept {} days", config.retention_days)
    } else {
        "recording off".to_owned()
    };
    let _ = write!(summary, "\n  database: {} ({recording})", db.display());
    let support = if config.support_channels.is_empty() {
        "none (only mentions, DMs and slash commands are answered)".to_owned()
    } else {
        ids(&config.support_channels)
    };
    let _ = write!(summary, "\n  support channels: {support}");
    let or_none =
        |id: Option<u64>, none: &str| id.map_or_else(|| none.to_owned(), |id| id.to_string());
    let _ = write!(
        summary,
        "\n  log channel: {}",
        or_none(config.log_channel, "none")
    );
    let _ = write!(
        summary,
        "\n  alert role: {}",
        or_none(config.alert_role, "none (no safety alerts)")
    );
    let intents: Vec<&str> = intents(config.message_content)
        .iter_names()
        .map(|(name, _)| name)
        .collect();
    let _ = write!(summary, "\n  intents: {}", intents.join(", "));
    let commands = config.guild_id.map_or_else(
        || "registered globally (they can take a while to appear)".to_owned(),
        |guild| format!("registered in server {guild} only"),
    );
    let _ = write!(summary, "\n  slash commands: {commands}");
    let invite = application.map_or_else(
        || "unknown (Discord did not give the application id)".to_owned(),
        invite_url,
    );
    let _ = write!(summary, "\n  invite link: {invite}");
    summary
}

/// Most requests for messages (replies, thread lookups) in flight at once. Each holds an HTTP/1.1 connection (a file
/// descriptor and its buffers) while it waits, for Discord or for a rate limit. Without a bound,
/// a burst of 1,000 questions opened hundreds and, under the common limit of 1,024 descriptors,
/// lost replies. This is far more than Discord's 50 requests a second need, and a channel held
/// back by its own rate limit would need this many replies queued to hold up the others.
const MAX_REQUESTS_IN_FLIGHT: usize = 64;
/// Most safety replies (emergency guidance, the safety-net line) in flight at once. They do not
/// queue behind ordinary replies, so in a burst, and while a shutdown drains, they go first.
const MAX_URGENT_IN_FLIGHT: usize = 16;

/// Everything the handlers share.
pub struct Data {
    pub(super) config: Config,
    pub(super) knowledge: Arc<KnowledgeBase>,
    pub(super) insights: Insights,
    pub(super) limits: Mutex<Limits>,
    pub(super) alerts: Mutex<AlertLimiter>,
    pub(super) requests_in_flight: tokio::sync::Semaphore,
    pub(super) urgent_in_flight: tokio::sync::Semaphore,
    pub(super) thread_parents: ThreadParents,
    _watcher: Option<FaqWatcher>,
    _pruning: AbortOnDrop,
    _registration: AbortOnDrop,
}

/// Stops a background task when the bot's data is dropped.
struct AbortOnDrop(JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The framework with every event counted as in flight while poise handles it (slash
/// commands, messages, clicks, autocomplete), so that a shutdown waits for all of them.
struct Counted {
    framework: poise::Framework<Data, Error>,
    lifecycle: Arc<Lifecycle>,
}

#[serenity::async_trait]
impl serenity::framework::Framework for Counted {
    async fn init(&mut self, client: &Client) {
        self.framework.init(client).await;
    }

    async fn dispatch(&self, ctx: serenity::all::Context, event: FullEvent) {
        let _running = self.lifecycle.begin();
        self.framework.dispatch(ctx, event).await;
    }
}

/// A built bot: its serenity client, and what running and stopping it needs.
pub struct Bot {
    client: Client,
    lifecycle: Arc<Lifecycle>,
    shards: Option<ShardRange>,
}

/// Builds the bot's client on `http` (the caller chooses where REST calls go). The FAQ watch
/// and the daily pruning start once the gateway is ready, and the commands are registered then
/// in the background, while questions in messages are already answered.
pub async fn build_client(
    config: Config,
    http: Http,
    knowledge: KnowledgeBase,
    store: Store,
) -> Result<Bot, Error> {
    // The client already holds the token in its `Http`; the handlers never need it.
    let config = Config {
        token: None,
        ..config
    };
    let shards = config.shards;
    let lifecycle = Arc::new(Lifecycle::default());
    let knowledge = Arc::new(knowledge);
    let insights = Insights::new(store, config.record, config.retention_days)?;
    let gateway_intents = intents(config.message_content);
    let framework = poise::Framework::builder()
        .options(framework_options())
        // No owner-only commands, so no `GET /oauth2/applications/@me` at start-up.
        .initialize_owners(false)
        .setup({
            let lifecycle = Arc::clone(&lifecycle);
            move |ctx, _ready, framework| {
                let data = setup(ctx, framework, config, knowledge, insights, lifecycle);
                Box::pin(async move { Ok(data) })
            }
        })
        .build();
    let counted = Counted {
        framework,
        lifecycle: Arc::clone(&lifecycle),
    };
    let client = ClientBuilder::new_with_http(http, gateway_intents)
        .framework(counted)
        .await?;
    Ok(Bot {
        client,
        lifecycle,
        shards,
    })
}

impl Bot {
    /// The serenity client (its `Http`, gateway URL and shard manager).
    #[must_use]
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Runs the bot (autosharded, or the configured shard range) until `shutdown` completes or
    /// start-up fails for good. After `shutdown` it keeps reading the events Discord already
    /// sent until they stop coming (at most 2 s), then closes the gateway, lets the questions
    /// in flight finish for up to 5 s, logs how many finished and how many could not, and
    /// returns; a start-up failure is returned as the error.
    pub async fn run(
        mut self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), Error> {
        let shard_manager = Arc::clone(&self.client.shard_manager);
        let lifecycle = Arc::clone(&self.lifecycle);
        let pacer = AbortOnDrop(gateway::pace(Arc::clone(&self.client.ws_url)));
        let stopper = tokio::spawn(async move {
            tokio::select! {
                () = shutdown => {
                    tracing::info!("shutting down: reading what Discord already sent, then closing");
                    lifecycle.catch_up(lifecycle::CATCH_UP).await;
                    tracing::info!("gateway closing: finishing the questions in flight");
                }
                () = lifecycle.failed() => {}
            }
            // A shard waiting for its next connection attempt must not wait out the gap.
            drop(pacer);
            shard_manager.shutdown_all().await;
        });
        let result = match self.shards {
            Some(range) => {
                self.client
                    .start_shard_range(range.first..range.last + 1, range.total)
                    .await
            }
            None => self.client.start_autosharded().await,
        };
        stopper.abort();
        let drained = self.lifecycle.drain(lifecycle::GRACE).await;
        if drained.unfinished > 0 {
            tracing::warn!(
                finished = drained.finished,
                unfinished = drained.unfinished,
                grace = ?lifecycle::GRACE,
                "stopped with questions still in flight: they were not answered"
            );
        } else {
            tracing::info!(
                finished = drained.finished,
                "every question in flight was finished"
            );
        }
        if let Some(failure) = self.lifecycle.take_failure() {
            return Err(failure);
        }
        result.map_err(user_fixable)
    }
}

/// Runs once the gateway is ready: starts the FAQ watch (before registering the commands, so
/// that whoever waits for the registration knows edits are seen), starts registering the
/// commands in the background (a failure for good ends the process through `lifecycle`),
/// starts the daily pruning, and hands the handlers their data.
fn setup(
    ctx: &serenity::all::Context,
    framework: &poise::Framework<Data, Error>,
    config: Config,
    knowledge: Arc<KnowledgeBase>,
    insights: Insights,
    lifecycle: Arc<Lifecycle>,
) -> Data {
    let watcher = reload::watch(
        Arc::clone(&knowledge),
        Arc::clone(&ctx.http),
        config.log_channel,
    )
    .inspect_err(|error| tracing::warn!(error = %chain(error), "hot reload is off"))
    .ok();
    let commands = poise::builtins::create_application_commands(&framework.options().commands);
    let registration = AbortOnDrop(tokio::spawn(register(
        Arc::clone(&ctx.http),
        commands,
        config.guild_id,
        lifecycle,
    )));
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
    Data {
        limits: Mutex::new(Limits::new(config.cooldown, config.repeat_window)),
        alerts: Mutex::new(AlertLimiter::default()),
        requests_in_flight: tokio::sync::Semaphore::new(MAX_REQUESTS_IN_FLIGHT),
        urgent_in_flight: tokio::sync::Semaphore::new(MAX_URGENT_IN_FLIGHT),
        thread_parents: ThreadParents::default(),
        config,
        knowledge,
        insights,
        _watcher: watcher,
        _pruning: pruning,
        _registration: registration,
    }
}

/// The production `Http`. Behind a proxy (e.g. twilight-http-proxy, or a test fake) the proxy
/// owns rate limiting, and serenity's own ratelimiter must be off: it would ignore the proxy.
/// Idle connections are closed after [`IDLE_CONNECTION`] and at most [`IDLE_CONNECTIONS`] are
/// kept, so a burst's connections do not hold descriptors for minutes afterwards.
pub(super) fn production_http(token: &Token, proxy: Option<&str>) -> Result<Http, Error> {
    let client = reqwest::Client::builder()
        .use_rustls_tls()
        .pool_idle_timeout(IDLE_CONNECTION)
        .pool_max_idle_per_host(IDLE_CONNECTIONS)
        .build()
        .map_err(serenity::Error::from)?;
    let builder = HttpBuilder::new(token.expose()).client(client);
    Ok(match proxy {
        Some(url) => builder.proxy(url).ratelimiter_disabled(true).build(),
        None => builder.build(),
    })
}

/// How long an idle connection to Discord (or the proxy) is kept for the next request.
const IDLE_CONNECTION: Duration = Duration::from_secs(10);
/// How many idle connections are kept.
const IDLE_CONNECTIONS: usize = 8;

/// Registers the slash commands, in one server or globally, trying again with doubling waits
/// while Discord refuses; after [`REGISTRATION_ATTEMPTS`] refusals start-up has failed for good.
/// Without a proxy serenity's ratelimiter already waits out a 429's `Retry-After` inside each
/// attempt.
async fn register(
    http: Arc<Http>,
    commands: Vec<CreateCommand>,
    guild: Option<u64>,
    lifecycle: Arc<Lifecycle>,
) {
    let mut delay = FIRST_REGISTRATION_RETRY;
    let mut waited = Duration::ZERO;
    let mut attempt = 1;
    loop {
        let registered = match guild {
            Some(guild) => GuildId::new(guild)
                .set_commands(&http, commands.clone())
                .await
                .map(drop),
            None => Command::set_global_commands(&http, commands.clone())
                .await
                .map(drop),
        };
        match registered {
            Ok(()) => break,
            Err(error) if attempt < REGISTRATION_ATTEMPTS => {
                tracing::warn!(
                    attempt,
                    retry_in = ?delay,
                    error = %error,
                    "could not register the slash commands; trying again"
                );
                tokio::time::sleep(delay).await;
                waited += delay;
                delay *= 2;
                attempt += 1;
            }
            Err(error) => {
                let failure = Error::Registration {
                    attempts: attempt,
                    waited_secs: waited.as_secs(),
                    source: Box::new(error),
                };
                tracing::error!(error = %chain(&failure), "start-up failed");
                lifecycle.fail(failure);
                return;
            }
        }
    }
    if let Some(guild) = guild {
        tracing::info!(guild, "slash commands registered in one server");
    } else {
        tracing::info!("slash commands registered globally (may take a while to show up)");
    }
}

/// How often registering the slash commands is tried before start-up gives up: a 429 or a
/// 500 from Discord at that moment must not leave a bot that answers nothing.
const REGISTRATION_ATTEMPTS: u32 = 6;
/// The wait before the first retry; it doubles each time (1 + 2 + 4 + 8 + 16 s in all).
const FIRST_REGISTRATION_RETRY: Duration = Duration::from_secs(1);

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discord::fixture::FAQ;

    #[test]
    fn the_invite_asks_for_the_scopes_and_permissions_the_readme_names() {
        assert_eq!(permissions().bits(), 274_877_975_552);
        let readme = include_str!("../../README.md");
        let invite = invite_url(ApplicationId::new(42));
        assert_eq!(
            invite,
            "https://discord.com/oauth2/authorize?client_id=42&scope=bot+applications.commands&permissions=274877975552"
        );
        assert!(readme.contains(&invite.replace("42", "YOUR_APP_ID")));
    }

    #[test]
    fn the_startup_summary_says_what_runs_where_and_never_the_token() {
        let dir = tempfile::tempdir().expect("temp dir");
        let faq = dir.path().join("faq.toml");
        std::fs::write(&faq, FAQ).expect("write the FAQ");
        let (knowledge, _) = KnowledgeBase::load(&faq).expect("the fixture loads");
        let config = Config::from_lookup(|name| {
            let value = match name {
                "DISCORD_TOKEN" => "secret-token",
                "PROLOBOT_DB" => "/var/lib/prolobot/prolobot.db",
                "PROLOBOT_SUPPORT_CHANNELS" => "11,12",
                "PROLOBOT_LOG_CHANNEL" => "13",
                "PROLOBOT_GUILD_ID" => "14",
                _ => return None,
            };
            Some(value.to_owned())
        })
        .expect("valid settings");
        let mut bot = CurrentUser::default();
        bot.name = "prolobot".to_owned();
        bot.id = 41.into();
        let summary = startup_summary(&config, &knowledge, &bot, Some(ApplicationId::new(42)));
        let expected = format!(
            "prolobot {} starting as prolobot (user id 41)
  FAQ: {} (4 entries)
  database: /var/lib/prolobot/prolobot.db (questions recorded, kept 90 days)
  support channels: 11, 12
  log channel: 13
  alert role: none (no safety alerts)
  intents: GUILD_MESSAGES, DIRECT_MESSAGES, MESSAGE_CONTENT
  slash commands: registered in server 14 only
  invite link: {}",
            env!("CARGO_PKG_VERSION"),
            faq.display(),
            invite_url(ApplicationId::new(42))
        );
        assert_eq!(summary, expected);
        assert!(!summary.contains("secret-token"));
    }
}
