//! Moderators teach the bot from Discord. `/faqmod teach add` puts a question the bot missed into
//! an entry's example questions (the entry autocompleted over titles), `off-topic` declines a
//! question's subject, `undo` takes the last taught change out again; `menus` offers the same for
//! the unanswered groups of `/faqmod stats`. The checks and the file edit are
//! [`crate::teach`]'s, the same as `prolobot teach`; the result is swapped in at once through the
//! reload module, and what was taught, and by which moderator, is posted to the log channel (a
//! moderator action; never an asker's id).

mod menus;

use prolobot_core::{body_room, Entry, Knowledge, Reply};
use serenity::all::{Http, Mentionable as _, User};

use super::commands::{complete_topic, send, Context};
use super::layout::code_block;
use super::{outgoing, reload, Data, Error};
use crate::teach::{self, Request, TeachError};
use crate::user_text::UserText;

pub(super) use menus::{group_menu, on_click};

/// What a moderator asked for.
enum Action {
    Teach { request: Request, force: bool },
    Undo,
}

/// Teach the bot what it missed (changes faq.toml; live at once).
#[poise::command(
    slash_command,
    subcommands("add", "off_topic", "undo"),
    subcommand_required
)]
#[allow(clippy::unused_async)] // poise needs an async function even for a group
pub(super) async fn teach(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// Add a question the bot missed to an entry's example questions.
#[poise::command(slash_command)]
async fn add(
    ctx: Context<'_>,
    #[description = "The question, as people ask it"]
    #[max_length = 300]
    question: String,
    #[description = "The entry that answers it (start typing to search)"]
    #[autocomplete = "complete_topic"]
    entry: String,
    #[description = "Add it even if the checks say it would not reach the entry"] force: Option<
        bool,
    >,
) -> Result<(), Error> {
    let knowledge = ctx.data().knowledge.current();
    let Some(entry) = chosen_entry(&knowledge, &entry).map(|e| e.id.clone()) else {
        let reply = knowledge
            .composer()
            .error("there is no such entry. Pick one from the list as you type.");
        return send(ctx, &reply, None, false).await;
    };
    let request = Request::Phrasings {
        entry,
        questions: vec![question],
    };
    let force = force.unwrap_or(false);
    apply(ctx, Action::Teach { request, force }).await
}

/// Decline questions about a question's subject, which the FAQ does not cover.
#[poise::command(slash_command, rename = "off-topic")]
async fn off_topic(
    ctx: Context<'_>,
    #[description = "A question about the other subject"]
    #[max_length = 300]
    question: String,
    #[description = "The words that name the subject (default: picked from the question)"]
    #[max_length = 100]
    subject: Option<String>,
    #[description = "Add it even if the checks say the question would not be declined"]
    force: Option<bool>,
) -> Result<(), Error> {
    let request = Request::OffTopic { question, subject };
    let force = force.unwrap_or(false);
    apply(ctx, Action::Teach { request, force }).await
}

/// Take the last taught question or subject out of the FAQ again.
#[poise::command(slash_command)]
async fn undo(ctx: Context<'_>) -> Result<(), Error> {
    apply(ctx, Action::Undo).await
}

/// The entry a moderator picked: its id (what autocomplete fills in) or its exact title. Never
/// a guess: teaching the wrong entry would change its answers.
fn chosen_entry<'k>(knowledge: &'k Knowledge, typed: &str) -> Option<&'k Entry> {
    let typed = typed.trim();
    let faq = knowledge.faq();
    faq.entry(typed).or_else(|| {
        faq.entries()
            .iter()
            .find(|entry| entry.title.eq_ignore_ascii_case(typed))
    })
}

/// Runs `action` for the command's moderator and answers them (only them).
async fn apply(ctx: Context<'_>, action: Action) -> Result<(), Error> {
    // Checking a change indexes the FAQ twice: more than Discord's three seconds on a big FAQ.
    super::retry::on_rate_limit("defer", || ctx.defer_ephemeral()).await?;
    let reply = run(ctx.http(), ctx.data(), ctx.author(), action).await?;
    send(ctx, &reply, None, false).await
}

/// Runs `action` on the FAQ file off the runtime for `moderator`, swaps the result in, posts who
/// did what to the log channel, and returns the moderator's answer.
async fn run(http: &Http, data: &Data, moderator: &User, action: Action) -> Result<Reply, Error> {
    let path = data.knowledge.path().to_owned();
    let by = format!("Discord moderator {} ({})", moderator.name, moderator.id);
    let undo = matches!(action, Action::Undo);
    let outcome = tokio::task::spawn_blocking(move || match action {
        Action::Teach { request, force } => {
            teach::teach(&path, &request, force, &by).map(|taught| taught.to_string())
        }
        Action::Undo => teach::undo(&path).map(|undone| undone.to_string()),
    })
    .await?;
    let log_channel = data.config.log_channel;
    let done = match outcome {
        Ok(done) => done,
        Err(error) => {
            // The error may quote the moderator's text: that only at debug level.
            tracing::info!("teaching wrote nothing");
            tracing::debug!(error = %UserText(&error.to_string()), "why teaching wrote nothing");
            return Ok(refused(&data.knowledge.current(), &error));
        }
    };
    if let Some(failed) = reload::after_edit(http, log_channel, &data.knowledge).await? {
        return Ok(failed);
    }
    let knowledge = data.knowledge.current();
    let who = format!("{} ({})", moderator.mention(), moderator.name);
    let (headline, log_headline) = if undo {
        (
            "**Undone.** Live now.".to_owned(),
            format!("**Teaching undone** by {who}; live now:"),
        )
    } else {
        (
            "**Taught.** Live now; `/faqmod teach undo` takes it out again.".to_owned(),
            format!("**FAQ taught** by {who}; live now:"),
        )
    };
    tracing::info!(moderator = %moderator.id, undo, "a moderator changed the FAQ");
    let log = notice(&knowledge, &log_headline, &done, "");
    outgoing::post_to_log(http, log_channel, &log).await;
    Ok(notice(&knowledge, &headline, &done, ""))
}

/// `headline`, `details` in a code block (so nothing in a question is read as Markdown), and
/// `footer`; the block gives way to fit one message.
fn notice(knowledge: &Knowledge, headline: &str, details: &str, footer: &str) -> Reply {
    let room = body_room(&knowledge.faq().texts().disclaimer);
    let around = headline.chars().count() + footer.chars().count() + 2;
    let block = code_block(details.trim_end(), room.saturating_sub(around));
    let text: Vec<&str> = [headline, block.as_str(), footer]
        .into_iter()
        .filter(|part| !part.is_empty())
        .collect();
    knowledge.composer().notice(&text.join("\n"))
}

/// Why nothing was written, with the way to force it when forcing would help.
fn refused(knowledge: &Knowledge, error: &TeachError) -> Reply {
    match error {
        TeachError::Refused(refusal) => {
            let force = if refusal.forceable {
                "To add it anyway: `/faqmod teach add` (or `off-topic`) with `force: True`."
            } else {
                ""
            };
            notice(knowledge, "", &refusal.to_string(), force)
        }
        other => notice(knowledge, "Nothing was written.", &other.to_string(), ""),
    }
}
