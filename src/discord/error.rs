//! Errors of the adapter: the [`Error`] type, the user-fixable start-up failures named as such,
//! and how framework errors are logged and answered. No error here ever contains the token.

use std::path::PathBuf;

use super::{outgoing, retry, Data};
use crate::config::ConfigError;
use crate::store::StoreError;
use crate::user_text::UserText;

/// Errors of the Discord adapter. None of them ever contains the token.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A setting is missing or invalid (the token, for `run`).
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// Discord answered 401 to the first request, or closed the gateway with 4004.
    #[error("Discord rejected the token (401 Unauthorized). Copy it again from the Developer Portal (Bot -> Reset Token; resetting makes the old one stop working) into DISCORD_TOKEN.")]
    TokenRejected,
    /// Discord closed the gateway with 4014: the Message Content intent is not enabled.
    #[error("Discord refused the Message Content intent (close code 4014). Enable it in the Developer Portal (your application -> Bot -> Privileged Gateway Intents -> Message Content Intent), or set PROLOBOT_MESSAGE_CONTENT=false to answer only mentions, DMs and slash commands.")]
    IntentRefused,
    /// Discord kept refusing to register the slash commands: a bot without them cannot be used
    /// as documented, so the process ends and its supervisor can start it again.
    #[error("Discord refused to register the slash commands {attempts} times over {waited_secs} s; stopping so that the service manager can restart the bot (check https://discordstatus.com, and that the bot was invited with the applications.commands scope)")]
    Registration {
        /// How often registering was tried.
        attempts: u32,
        /// How long the retries waited in all.
        waited_secs: u64,
        /// Discord's last answer.
        source: Box<serenity::Error>,
    },
    /// A Discord request or the gateway failed (boxed: serenity's error is large).
    #[error("Discord request failed")]
    Discord(#[source] Box<serenity::Error>),
    /// The insight store failed.
    #[error("the insights database failed")]
    Store(#[from] StoreError),
    /// The FAQ file cannot be watched for changes.
    #[error("cannot watch {} for changes", path.display())]
    Watch {
        /// The FAQ file.
        path: PathBuf,
        /// Why.
        source: notify::Error,
    },
    /// A background task panicked or was cancelled.
    #[error("a background task failed")]
    Task(#[from] tokio::task::JoinError),
}

impl From<serenity::Error> for Error {
    fn from(error: serenity::Error) -> Self {
        Self::Discord(Box::new(error))
    }
}

/// An error and its sources, as one line: `outer: inner: innermost`. A source that only says
/// again what the one before it said (all of it, or how it starts after a label such as
/// `Error code 14: `) is left out, so each cause is read once.
#[must_use]
pub fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut previous = text.clone();
    let mut source = error.source();
    while let Some(inner) = source {
        let said = inner.to_string();
        let unlabelled = said
            .split_once(": ")
            .map_or(said.as_str(), |(_, rest)| rest);
        if !previous.contains(&said) && !previous.starts_with(unlabelled) {
            text.push_str(": ");
            text.push_str(&said);
        }
        previous = said;
        source = inner.source();
    }
    text
}

/// The errors a user can fix named as such: a rejected token (401 or gateway close 4004) and a
/// refused Message Content intent (4014); anything else as is.
pub(super) fn user_fixable(error: serenity::Error) -> Error {
    match &error {
        serenity::Error::Http(http) if http.status_code().is_some_and(|s| s.as_u16() == 401) => {
            Error::TokenRejected
        }
        serenity::Error::Gateway(serenity::all::GatewayError::InvalidAuthentication) => {
            Error::TokenRejected
        }
        serenity::Error::Gateway(serenity::all::GatewayError::DisallowedGatewayIntents) => {
            Error::IntentRefused
        }
        _ => Error::from(error),
    }
}

/// Logs every framework error and answers the user, when there is one, with a polite reply
/// from the composer.
pub(super) fn on_error(error: poise::FrameworkError<'_, Data, Error>) -> poise::BoxFuture<'_, ()> {
    Box::pin(async move {
        let apology = match &error {
            poise::FrameworkError::Command { error, ctx, .. } => {
                let command: &str = &ctx.command().qualified_name;
                tracing::error!(command, error = %chain(error), "command failed");
                "something went wrong while answering. Please try again in a moment."
            }
            poise::FrameworkError::CommandCheckFailed { error, ctx, .. } => {
                if let Some(error) = error {
                    tracing::error!(error = %chain(error), "moderator check failed");
                }
                let command: &str = &ctx.command().qualified_name;
                tracing::info!(command, "refused a moderator command to a non-moderator");
                "this command is only for moderators."
            }
            poise::FrameworkError::GuildOnly { .. } => "this command only works in a server.",
            poise::FrameworkError::EventHandler { error, event, .. } => {
                tracing::warn!(event = event.snake_case_name(), error = %chain(error), "event handling failed");
                return;
            }
            poise::FrameworkError::Setup { error, .. } => {
                tracing::error!(error = %chain(error), "start-up failed: the bot cannot answer until restarted");
                return;
            }
            other => {
                // Some of these quote the user's input: details at debug level only.
                tracing::warn!("a command could not run");
                tracing::debug!(error = %UserText(&other.to_string()), "framework error");
                "I couldn't run that command."
            }
        };
        let Some(ctx) = error.ctx() else { return };
        let knowledge = ctx.data().knowledge.current();
        let reply = knowledge.composer().error(apology);
        let response = outgoing::command(&reply, Vec::new(), true);
        let sent = retry::on_rate_limit("error reply", || ctx.send(response.clone())).await;
        if let Err(error) = sent {
            tracing::warn!(%error, "could not send the error reply");
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_401_is_a_rejected_token_and_says_nothing_secret() {
        let shown = Error::TokenRejected.to_string();
        assert!(
            shown.contains("401") && shown.contains("Reset Token"),
            "{shown}"
        );
        let other = user_fixable(serenity::Error::Other("boom"));
        assert!(matches!(other, Error::Discord(_)));
    }

    #[test]
    fn chains_show_every_source() {
        let error = Error::Store(StoreError::InvalidConfidence(2.0));
        assert_eq!(
            chain(&error),
            "the insights database failed: confidence must be between 0 and 1, got 2"
        );
    }

    #[test]
    fn chains_say_each_cause_once() {
        let sqlite = rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(14),
            Some("unable to open database file: db/prolobot.db".to_owned()),
        );
        let error = Error::Store(StoreError::Open {
            path: "db/prolobot.db".into(),
            source: sqlite,
        });
        assert_eq!(
            chain(&error),
            "the insights database failed: could not open the insights database db/prolobot.db: unable to open database file: db/prolobot.db"
        );
    }

    #[test]
    fn a_message_repeated_by_its_source_is_said_once() {
        // serenity's HTTP error repeats its own message as its source.
        #[derive(Debug, thiserror::Error)]
        #[error("Error while sending HTTP request.")]
        struct Request(#[source] std::io::Error);
        #[derive(Debug, thiserror::Error)]
        #[error("Error while sending HTTP request.")]
        struct Http(#[source] Request);
        let refused = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        assert_eq!(
            chain(&Http(Request(refused))),
            "Error while sending HTTP request.: refused"
        );
    }
}
