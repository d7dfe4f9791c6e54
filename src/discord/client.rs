//! Client set-up: the gateway intents, the framework (commands, event routing, error handler),
//! the production `Http`, the start-up summary, and the start-up work once the gateway is ready
//! (hot reload, command registration, pruning), which builds the [`Data`] every handler shares.

use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serenity::all::{
    ApplicationId, Client, ClientBuilder, CurrentUser, FullEvent, GatewayIntents, GuildId, Http,
    HttpBuilder, Interaction, Permissions,
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
    let faq = std::path::absolute(knowledge.path()).unwrap_or_else(|_| knowledge.path().into());
    let db = std::path::absolute(&config.db_path).unwrap_or_else(|_| config.db_path.clone());
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
    let insights = Insights::new(store, config.record, config.retention_days)?;
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
    let mut delay = FIRST_REGISTRATION_RETRY;
    let mut attempt = 1;
    loop {
        let registered = match guild {
            Some(guild) => {
                poise::builtins::register_in_guild(ctx, commands, GuildId::new(guild)).await
            }
            None => poise::builtins::register_globally(ctx, commands).await,
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
                delay *= 2;
                attempt += 1;
            }
            Err(error) => return Err(error.into()),
        }
    }
    if let Some(guild) = guild {
        tracing::info!(guild, "slash commands registered in one server");
    } else {
        tracing::info!("slash commands registered globally (may take a while to show up)");
    }
    Ok(())
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
