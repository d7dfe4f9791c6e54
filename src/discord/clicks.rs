//! Button clicks: a suggestion picked (the "did you mean" message becomes the answer), a vote
//! (stored; "Not helpful" offers other entries or the human contact), Delete, and More detail.
//! Only the asker's clicks count, except Delete, which moderators may use too, and More detail,
//! which anyone may use: it changes nothing anyone else sees (the detail comes back ephemeral,
//! to the clicker alone, and the short answer stays as posted) and only shows FAQ text, so
//! whoever reads an answer in a channel can read the rest of it.

use serenity::all::{
    ComponentInteraction, Context as SerenityContext, CreateInteractionResponse, MessageFlags,
};

use super::access::member_is_moderator;
use super::buttons::{self, Button, Placement};
use super::insights::Vote;
use super::{outgoing, retry, Data, Error};
use prolobot_core::{Composer, Entry, Knowledge, Reply};

/// Most entries offered after "Not helpful".
const MAX_ALTERNATIVES: usize = 3;

/// Answers a click on one of the bot's buttons; other components' clicks are not ours.
pub(super) async fn on_click(
    ctx: &SerenityContext,
    data: &Data,
    click: &ComponentInteraction,
) -> Result<(), Error> {
    let Some(button) = Button::parse(&click.data.custom_id) else {
        return Ok(());
    };
    let knowledge = data.knowledge.current();
    let composer = knowledge.composer();
    let clicker = click.user.id.get();
    let is_asker = button.asker() == Some(clicker);
    let response = match button {
        Button::More { entry } => detail(&composer, &knowledge, &entry),
        Button::Also { entry } => also_asked(&composer, &knowledge, &entry, clicker),
        Button::Delete { .. } => {
            if is_asker || member_is_moderator(click.member.as_ref(), &data.config.moderator_roles)
            {
                return delete(ctx, click).await;
            }
            outgoing::ephemeral(&refusal(&composer), Vec::new())
        }
        _ if !is_asker => outgoing::ephemeral(&refusal(&composer), Vec::new()),
        Button::Suggestion { entry, .. } => {
            let deletable = !click
                .message
                .flags
                .is_some_and(|flags| flags.contains(MessageFlags::EPHEMERAL));
            suggestion_chosen(&composer, &knowledge, &entry, clicker, deletable)
        }
        Button::Vote {
            question, helpful, ..
        } => vote(data, &composer, &knowledge, question, helpful, clicker).await?,
    };
    retry::on_rate_limit("button response", || {
        click.create_response(&ctx.http, response.clone())
    })
    .await?;
    Ok(())
}

/// Deletes the clicked reply (the bot may always delete its own messages).
async fn delete(ctx: &SerenityContext, click: &ComponentInteraction) -> Result<(), Error> {
    retry::on_rate_limit("button acknowledgement", || {
        click.create_response(&ctx.http, CreateInteractionResponse::Acknowledge)
    })
    .await?;
    click
        .channel_id
        .delete_message(&ctx.http, click.message.id)
        .await?;
    tracing::info!(
        channel = click.channel_id.get(),
        "deleted a reply on request"
    );
    Ok(())
}

/// The polite refusal for a click on someone else's buttons.
fn refusal(composer: &Composer<'_>) -> Reply {
    composer.error(
        "only the person who asked can use these buttons. You can ask your own question, or use `/faq topic`.",
    )
}

/// The private error for a button whose entry the FAQ no longer has (edited since it was posted).
fn topic_gone(composer: &Composer<'_>) -> CreateInteractionResponse {
    let reply =
        composer.error("that topic is no longer in the FAQ. `/faq list` shows the current ones.");
    outgoing::ephemeral(&reply, Vec::new())
}

/// Someone asked for the answer to the message's second question: it is shown to them alone,
/// with its own More detail button.
fn also_asked(
    composer: &Composer<'_>,
    knowledge: &Knowledge,
    entry: &str,
    clicker: u64,
) -> CreateInteractionResponse {
    let Some(entry) = knowledge.faq().entry(entry) else {
        return topic_gone(composer);
    };
    let reply = composer.answer(entry);
    let placement = Placement {
        asker: clicker,
        question: None,
        deletable: false,
    };
    outgoing::ephemeral(&reply, buttons::rows(&reply, placement))
}

/// The asker picked a suggestion: the "did you mean" message becomes the answer.
fn suggestion_chosen(
    composer: &Composer<'_>,
    knowledge: &Knowledge,
    entry: &str,
    asker: u64,
    deletable: bool,
) -> CreateInteractionResponse {
    let Some(entry) = knowledge.faq().entry(entry) else {
        return topic_gone(composer);
    };
    let reply = composer.answer(entry);
    let placement = Placement {
        asker,
        question: None,
        deletable,
    };
    outgoing::update(&reply, buttons::rows(&reply, placement))
}

/// Someone asked for more detail: the entry's longer text, visible only to them.
fn detail(
    composer: &Composer<'_>,
    knowledge: &Knowledge,
    entry: &str,
) -> CreateInteractionResponse {
    let reply = knowledge.detail(entry).unwrap_or_else(|| {
        composer.error(
            "that topic has no more detail in the FAQ now. `/faq list` shows the current topics.",
        )
    });
    outgoing::ephemeral(&reply, Vec::new())
}

/// Stores the asker's vote; "Not helpful" offers other entries or the human contact.
async fn vote(
    data: &Data,
    composer: &Composer<'_>,
    knowledge: &Knowledge,
    question: i64,
    helpful: bool,
    asker: u64,
) -> Result<CreateInteractionResponse, Error> {
    let reply = match data.insights.vote(question, helpful).await? {
        Vote::Taken(_) if helpful => composer.notice("Thanks for the feedback!"),
        Vote::Taken(answered) => {
            let alternatives = answered
                .map(|a| alternatives(knowledge, &a.question, &a.entry_id))
                .unwrap_or_default();
            if alternatives.is_empty() {
                composer.no_match()
            } else {
                composer.suggestions(&alternatives)
            }
        }
        Vote::NotSaved => composer.error(
            "your rating could not be saved just now (the bot is very busy). Please try again in a minute.",
        ),
        Vote::AlreadyVoted => composer.notice("You already rated this answer. Thank you!"),
        Vote::NotRatable => composer.error("this answer can no longer be rated."),
    };
    let placement = Placement {
        asker,
        question: None,
        deletable: false,
    };
    Ok(outgoing::ephemeral(
        &reply,
        buttons::rows(&reply, placement),
    ))
}

/// Other entries for a question whose answer did not help: the next candidates above the
/// suggestion threshold, else the answered entry's related entries.
fn alternatives<'k>(knowledge: &'k Knowledge, question: &str, answered: &str) -> Vec<&'k Entry> {
    let faq = knowledge.faq();
    let threshold = faq.thresholds().suggest;
    let ranked: Vec<&Entry> = knowledge
        .rank(question)
        .into_iter()
        .filter(|candidate| candidate.confidence >= threshold)
        .map(|candidate| faq.get(candidate.entry))
        .filter(|entry| entry.id != answered)
        .take(MAX_ALTERNATIVES)
        .collect();
    if !ranked.is_empty() {
        return ranked;
    }
    faq.entry(answered)
        .map(|entry| {
            entry
                .related
                .iter()
                .filter_map(|id| faq.entry(id))
                .take(MAX_ALTERNATIVES)
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::discord::fixture;

    #[test]
    fn not_helpful_offers_other_entries() {
        let knowledge = fixture::knowledge();
        let cost = knowledge.faq().entry("cost-insurance").expect("cost entry");
        let others = alternatives(
            &knowledge,
            "how much does prolotherapy cost and does insurance cover it",
            &cost.id,
        );
        assert!(!others.is_empty());
        assert!(others.iter().all(|e| e.id != cost.id));
        assert!(others.len() <= MAX_ALTERNATIVES);
    }
}
