//! The one place where a composed [`Reply`] becomes a Discord message: every builder here takes a
//! `Reply` (so the text, disclaimer included, is the composer's) and sets allowed mentions that
//! parse nothing, so the bot never pings anyone whatever the text contains.

use serenity::all::{
    ChannelId, CreateActionRow, CreateAllowedMentions, CreateInteractionResponse,
    CreateInteractionResponseFollowup, CreateInteractionResponseMessage, CreateMessage, Http,
    Message, MessageReference,
};

use prolobot_core::Reply;

/// Allowed mentions that parse nothing: no user, role or everyone pings, and no ping for the
/// replied-to author.
pub(crate) fn no_pings() -> CreateAllowedMentions {
    CreateAllowedMentions::new().replied_user(false)
}

/// A reply to `asker`'s message, shown as a reply without pinging them. If their message is gone
/// by then, it is posted as a plain message.
pub(crate) fn reply_to(
    asker: &Message,
    reply: &Reply,
    rows: Vec<CreateActionRow>,
) -> CreateMessage {
    CreateMessage::new()
        .content(reply.text())
        .reference_message(MessageReference::from(asker).fail_if_not_exists(false))
        .allowed_mentions(no_pings())
        .components(rows)
}

/// A slash-command response.
pub(crate) fn command(
    reply: &Reply,
    rows: Vec<CreateActionRow>,
    ephemeral: bool,
) -> poise::CreateReply {
    poise::CreateReply::default()
        .content(reply.text())
        .ephemeral(ephemeral)
        .allowed_mentions(no_pings())
        .components(rows)
}

/// A new message answering a button click, visible only to the clicker.
pub(crate) fn ephemeral(reply: &Reply, rows: Vec<CreateActionRow>) -> CreateInteractionResponse {
    CreateInteractionResponse::Message(
        CreateInteractionResponseMessage::new()
            .content(reply.text())
            .ephemeral(true)
            .allowed_mentions(no_pings())
            .components(rows),
    )
}

/// A follow-up to a deferred interaction, visible only to the one who clicked or asked.
pub(crate) fn followup(
    reply: &Reply,
    rows: Vec<CreateActionRow>,
) -> CreateInteractionResponseFollowup {
    CreateInteractionResponseFollowup::new()
        .content(reply.text())
        .ephemeral(true)
        .allowed_mentions(no_pings())
        .components(rows)
}

/// Replaces the clicked message's text and buttons.
pub(crate) fn update(reply: &Reply, rows: Vec<CreateActionRow>) -> CreateInteractionResponse {
    CreateInteractionResponse::UpdateMessage(
        CreateInteractionResponseMessage::new()
            .content(reply.text())
            .allowed_mentions(no_pings())
            .components(rows),
    )
}

/// Posts `reply` to the log channel, if one is configured; failures are logged, not raised,
/// because the log channel is a courtesy.
pub(crate) async fn post_to_log(http: &Http, channel: Option<u64>, reply: &Reply) {
    let Some(channel) = channel else { return };
    let message = CreateMessage::new()
        .content(reply.text())
        .allowed_mentions(no_pings());
    let sent = super::retry::on_rate_limit("log channel post", || {
        ChannelId::new(channel).send_message(http, message.clone())
    })
    .await;
    if let Err(error) = sent {
        tracing::warn!(channel, %error, "could not post to the log channel");
    }
}
