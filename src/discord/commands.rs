//! Slash commands: `/faq` for everyone (ask, topic, list) and `/faqmod` for moderators (reload,
//! test, stats, and teach, in [`teach`](super::teach)).
//!
//! Moderator commands are a separate top-level command because Discord's
//! `default_member_permissions` applies to whole commands, not to subcommands; the server-side
//! [`moderator_check`] runs on every use whatever a server admin set.

use std::collections::HashMap;

use serenity::all::{AutocompleteChoice, CreateAutocompleteResponse, GuildId};

use super::access::member_is_moderator;
use super::alerts::{self, Alert};
use super::buttons::{self, Placement};
use super::insights::{Handled, Pending};
use super::layout::code_block;
use super::teach::teach;
use super::{outgoing, reload, retry, Data, Error};
use crate::store::ReportQuery;
use prolobot_core::{body_room, Entry, EntryRef, Knowledge, Reply};

/// The poise context of a command.
pub(crate) type Context<'a> = poise::Context<'a, Data, Error>;

/// Discord's limit on autocomplete choices.
const MAX_CHOICES: usize = 25;
/// Discord's limit on a choice's name, in characters (and on a menu option's label).
pub(super) const CHOICE_NAME_LIMIT: usize = 100;
/// Fuzzy title matches below this similarity are not offered.
const MIN_FUZZY: f64 = 0.75;
/// The stats report's size before the disclaimer.
const STATS_CHARS: usize = 1_800;

/// Every command the bot registers.
pub(crate) fn all() -> Vec<poise::Command<Data, Error>> {
    vec![faq(), faq_moderator()]
}

/// Answers from the prolotherapy FAQ.
#[poise::command(
    slash_command,
    subcommands("ask", "topic", "list"),
    subcommand_required
)]
#[allow(clippy::unused_async)] // poise needs an async function even for a group
async fn faq(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// Ask a question; only you see the answer unless you choose to post it.
#[poise::command(slash_command)]
async fn ask(
    ctx: Context<'_>,
    #[description = "Your question"]
    #[max_length = 1000]
    question: String,
    #[description = "Post the answer in the channel for everyone (default: only you see it)"]
    public: Option<bool>,
) -> Result<(), Error> {
    let data = ctx.data();
    let knowledge = data.knowledge.current();
    let response = knowledge.respond(&question);
    let decision = response.decision();
    let guild = ctx.guild_id().map(GuildId::get);
    let handled = Handled::new(
        &knowledge,
        decision,
        &question,
        guild,
        ctx.channel_id().get(),
    );
    // Recorded once the answer went out (see `messages`).
    let pending = data.insights.reserve(handled);
    let row = pending.as_ref().map(Pending::id);
    send(ctx, response.reply(), row, public.unwrap_or(false)).await?;
    if let Some(pending) = pending {
        pending.sent();
    }
    let channel = ctx.channel_id().get();
    if let Some(alert) = Alert::for_decision(&knowledge, decision, guild, channel, None) {
        alerts::raise(ctx.http(), data, &knowledge, &alert).await;
    }
    Ok(())
}

/// Show one topic of the FAQ.
#[poise::command(slash_command)]
async fn topic(
    ctx: Context<'_>,
    #[description = "The topic (start typing to search)"]
    #[autocomplete = "complete_topic"]
    topic: String,
    #[description = "Post it in the channel for everyone (default: only you see it)"]
    public: Option<bool>,
) -> Result<(), Error> {
    let knowledge = ctx.data().knowledge.current();
    let composer = knowledge.composer();
    let reply = match find_topic(&knowledge, &topic) {
        Some(entry) => composer.answer(entry),
        None => composer.error("I couldn't find that topic. `/faq list` shows them all."),
    };
    send(ctx, &reply, None, public.unwrap_or(false)).await
}

/// List the topics the FAQ covers.
#[poise::command(slash_command)]
async fn list(ctx: Context<'_>) -> Result<(), Error> {
    let knowledge = ctx.data().knowledge.current();
    let reply = knowledge.composer().topic_list();
    send(ctx, &reply, None, false).await
}

/// Moderator tools for the FAQ bot.
#[poise::command(
    slash_command,
    rename = "faqmod",
    subcommands("reload", "test", "stats", "teach"),
    subcommand_required,
    guild_only,
    default_member_permissions = "MANAGE_GUILD",
    check = "moderator_check"
)]
#[allow(clippy::unused_async)] // poise needs an async function even for a group
async fn faq_moderator(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// Reload faq.toml now; the result is also posted to the log channel.
#[poise::command(slash_command)]
async fn reload(ctx: Context<'_>) -> Result<(), Error> {
    let data = ctx.data();
    let reply = reload::now(ctx.http(), data.config.log_channel, &data.knowledge).await?;
    send(ctx, &reply, None, false).await
}

/// Show how the bot reads a question: terms, typo fixes, candidates and decision.
#[poise::command(slash_command)]
async fn test(
    ctx: Context<'_>,
    #[description = "A question to try"]
    #[max_length = 1000]
    question: String,
) -> Result<(), Error> {
    let knowledge = ctx.data().knowledge.current();
    let explanation = knowledge.explain(&question).to_string();
    let text = code_block(&explanation, body_room(&knowledge.faq().texts().disclaimer));
    let reply = knowledge.composer().notice(&text);
    send(ctx, &reply, None, false).await
}

/// What people ask in this server, what goes unanswered, and how the answers are rated.
#[poise::command(slash_command)]
async fn stats(ctx: Context<'_>) -> Result<(), Error> {
    // Reading a large database takes a while: acknowledge within Discord's 3 seconds first.
    retry::on_rate_limit("defer", || ctx.defer_ephemeral()).await?;
    let data = ctx.data();
    let knowledge = data.knowledge.current();
    let composer = knowledge.composer();
    let Some(guild) = ctx.guild_id() else {
        return send(
            ctx,
            &composer.error("this command only works in a server."),
            None,
            false,
        )
        .await;
    };
    let query = ReportQuery {
        guild_id: Some(guild.get()),
        ..ReportQuery::default()
    };
    let report = data.insights.report(query).await?;
    let room = STATS_CHARS.min(body_room(&knowledge.faq().texts().disclaimer));
    let text = code_block(&report.render_text(room - super::layout::CODE_FENCES), room);
    let menu = super::teach::group_menu(&report.unanswered);
    let response = outgoing::command(&composer.notice(&text), menu, true);
    retry::on_rate_limit("stats", || ctx.send(response.clone())).await?;
    Ok(())
}

/// Lets moderators through: configured moderator roles, or Manage Server when none are set.
async fn moderator_check(ctx: Context<'_>) -> Result<bool, Error> {
    let member = ctx.author_member().await;
    let roles = &ctx.data().config.moderator_roles;
    Ok(member_is_moderator(member.as_deref(), roles))
}

/// Sends `reply` as the command's response, ephemeral unless `public`.
pub(super) async fn send(
    ctx: Context<'_>,
    reply: &Reply,
    question: Option<i64>,
    public: bool,
) -> Result<(), Error> {
    let placement = Placement {
        asker: ctx.author().id.get(),
        question,
        deletable: public,
    };
    let rows = buttons::rows(reply, placement);
    let response = outgoing::command(reply, rows, !public);
    retry::on_rate_limit("command response", || ctx.send(response.clone())).await?;
    Ok(())
}

#[allow(clippy::unused_async)] // poise calls autocomplete callbacks as async functions
pub(super) async fn complete_topic(ctx: Context<'_>, partial: &str) -> CreateAutocompleteResponse {
    let knowledge = ctx.data().knowledge.current();
    let choices = topic_choices(&knowledge, partial)
        .into_iter()
        .map(|entry| {
            AutocompleteChoice::new(clip(&entry.title, CHOICE_NAME_LIMIT), entry.id.clone())
        })
        .collect();
    CreateAutocompleteResponse::new().set_choices(choices)
}

/// The entry a `/faq topic` value names: its id (what autocomplete fills in), or else the best
/// fuzzy match of what was typed.
fn find_topic<'k>(knowledge: &'k Knowledge, typed: &str) -> Option<&'k Entry> {
    knowledge
        .faq()
        .entry(typed.trim())
        .or_else(|| topic_choices(knowledge, typed).into_iter().next())
}

/// Entries for the autocomplete, best first: titles or ids containing what was typed, then
/// titles close to it (Jaro-Winkler over the title and its words, for typos), then entries the
/// matcher finds for it as a question. Nothing typed: every entry in file order.
fn topic_choices<'k>(knowledge: &'k Knowledge, partial: &str) -> Vec<&'k Entry> {
    let faq = knowledge.faq();
    let partial = partial.trim().to_lowercase();
    if partial.is_empty() {
        return faq.entries().iter().take(MAX_CHOICES).collect();
    }
    let mut scores: HashMap<EntryRef, f64> = faq
        .refs()
        .map(|(entry, content)| (entry, title_score(&partial, content)))
        .collect();
    for candidate in knowledge.rank(&partial) {
        let matched = f64::from(candidate.confidence) * 0.9;
        scores
            .entry(candidate.entry)
            .and_modify(|score| *score = score.max(matched));
    }
    let mut ranked: Vec<(EntryRef, f64)> = scores
        .into_iter()
        .filter(|&(_, score)| score >= MIN_FUZZY * 0.9)
        .collect();
    // Best first; ties in file order.
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    ranked
        .into_iter()
        .take(MAX_CHOICES)
        .map(|(entry, _)| faq.get(entry))
        .collect()
}

/// 1 when the title or id contains `partial` (lowercase), else the best Jaro-Winkler similarity
/// of `partial` to the title or one of its words, if it reaches [`MIN_FUZZY`].
fn title_score(partial: &str, entry: &Entry) -> f64 {
    let title = entry.title.to_lowercase();
    if title.contains(partial) || entry.id.contains(partial) {
        return 1.0;
    }
    let best = title
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .chain([title.as_str()])
        .map(|word| strsim::jaro_winkler(partial, word))
        .fold(0.0, f64::max);
    if best >= MIN_FUZZY {
        best * 0.95
    } else {
        0.0
    }
}

/// `text` cut to `limit` characters, an ellipsis marking the cut.
pub(super) fn clip(text: &str, limit: usize) -> String {
    if text.chars().count() <= limit {
        return text.to_owned();
    }
    let mut clipped: String = text.chars().take(limit - 1).collect();
    clipped.push('…');
    clipped
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discord::fixture;

    fn first_choice(knowledge: &Knowledge, partial: &str) -> Option<String> {
        topic_choices(knowledge, partial)
            .first()
            .map(|e| e.id.clone())
    }

    #[test]
    fn autocomplete_ranks_titles_typos_and_questions() {
        let knowledge = fixture::knowledge();
        // (typed, expected first choice)
        let cases = [
            ("cost", "cost-insurance"),
            ("COST", "cost-insurance"),
            ("insurance", "cost-insurance"),
            ("insurnce", "cost-insurance"),
            ("side-eff", "side-effects"),
            ("how much does it cost", "cost-insurance"),
        ];
        for (typed, expected) in cases {
            assert_eq!(
                first_choice(&knowledge, typed).as_deref(),
                Some(expected),
                "{typed:?}"
            );
        }
    }

    #[test]
    fn autocomplete_lists_everything_for_nothing_and_nothing_for_noise() {
        let knowledge = fixture::knowledge();
        let all = topic_choices(&knowledge, "  ");
        assert_eq!(all.len(), knowledge.faq().entries().len().min(MAX_CHOICES));
        assert!(topic_choices(&knowledge, "zzqxv").is_empty());
    }

    #[test]
    fn topic_accepts_ids_and_typed_titles() {
        let knowledge = fixture::knowledge();
        let id = |typed| find_topic(&knowledge, typed).map(|e| e.id.as_str());
        assert_eq!(id("aftercare"), Some("aftercare"));
        assert_eq!(id(" cost-insurance "), Some("cost-insurance"));
        assert_eq!(id("zzqxv"), None);
    }

    #[test]
    fn choice_names_fit_discord() {
        assert_eq!(
            clip(&"t".repeat(300), CHOICE_NAME_LIMIT).chars().count(),
            CHOICE_NAME_LIMIT
        );
    }
}
