//! Questions in messages: which messages the bot looks at (support channels and their threads,
//! mentions, DMs), whether it replies (silence on no match in support channels, the cooldown, the
//! repeat window; safety replies always go, a repeated emergency reply shortened to a pointer at
//! the first), what it records, and the moderator alert a reply calls for.

use std::time::{Duration, Instant};

use serenity::all::{Context as SerenityContext, GuildId, Message, MessageType, UserId};

use super::alerts::{self, Alert};
use super::buttons::{self, Placement};
use super::insights::{Handled, Pending};
use super::limits::{Ask, EmergencyTurn, FirstPosted, FirstReply, Limits, Verdict};
use super::threads::Known;
use super::{outgoing, retry, Data, Error};
use prolobot_core::{Knowledge, Reply, ReplyKind};

/// Why the bot looks at a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Trigger {
    /// A direct message: always answered.
    Direct,
    /// The bot was mentioned in the text: always answered.
    Mention,
    /// A message in a support channel, or a thread of one: answered when the FAQ has something.
    Support,
}

/// Why the bot looks at `message`, if at all. Bots (itself included), webhooks and system
/// messages are ignored. A reply that pings the bot without writing its mention in the text is
/// not a mention: "thanks!" under an answer should not get a "no match".
pub(crate) fn trigger(message: &Message, bot: UserId, in_support_channel: bool) -> Option<Trigger> {
    let author = &message.author;
    if author.bot || author.system || author.id == bot || message.webhook_id.is_some() {
        return None;
    }
    if !matches!(
        message.kind,
        MessageType::Regular | MessageType::InlineReply
    ) {
        return None;
    }
    let mentioned = [format!("<@{bot}>"), format!("<@!{bot}>")]
        .iter()
        .any(|mention| message.content.contains(mention.as_str()));
    if message.guild_id.is_none() {
        Some(Trigger::Direct)
    } else if mentioned {
        Some(Trigger::Mention)
    } else if in_support_channel {
        Some(Trigger::Support)
    } else {
        None
    }
}

/// How long a repeated emergency reply waits for the first one to be posted before it is sent
/// in full instead: never silence, and never a pointer to nothing.
const FIRST_REPLY_WAIT: Duration = Duration::from_secs(10);

/// What to do with a composed reply.
#[derive(Debug)]
pub(crate) enum Plan {
    /// Post it.
    Reply,
    /// Post this emergency reply in full, and report where it went: later repeats point at it.
    FirstEmergency(FirstPosted),
    /// The same emergency reply went to this user here a moment ago: post the tier's guidance
    /// and a pointer to that first reply instead.
    RepeatEmergency(FirstReply),
    /// Stay silent; `record` says whether the question still counts as handled.
    Silent {
        /// Record the question for the insight report.
        record: bool,
        /// For the debug log.
        why: &'static str,
    },
}

impl Plan {
    fn records(&self) -> bool {
        !matches!(self, Plan::Silent { record: false, .. })
    }
}

/// Decides whether `reply` is posted. Support channels stay silent on no match (but record it);
/// the cooldown applies everywhere, the repeat window in support channels; safety replies
/// (a tier's guidance or the safety-net line) always go, a tier's guidance repeated to the same
/// user in the same channel as a pointer to the first full one.
pub(crate) fn plan(
    trigger: Trigger,
    reply: &Reply,
    (user, channel): (u64, u64),
    limits: &mut Limits,
    now: Instant,
) -> Plan {
    if trigger == Trigger::Support && reply.kind() == ReplyKind::NoMatch {
        return Plan::Silent {
            record: true,
            why: "no match in a support channel",
        };
    }
    if reply.kind() == ReplyKind::Emergency && reply.tier().is_some() {
        return match limits.emergency((user, channel), reply.text(), now) {
            EmergencyTurn::Full(first) => Plan::FirstEmergency(first),
            EmergencyTurn::Repeat(first) => Plan::RepeatEmergency(first),
        };
    }
    let key = (trigger == Trigger::Support)
        .then(|| repeat_key(reply))
        .flatten();
    let ask = Ask {
        user,
        channel,
        repeat_key: key.as_deref(),
        urgent: is_safety(reply),
    };
    match limits.check(ask, now) {
        Verdict::Allow => Plan::Reply,
        Verdict::CoolingDown => Plan::Silent {
            record: false,
            why: "the user is cooling down",
        },
        Verdict::Repeated => Plan::Silent {
            record: true,
            why: "the same reply was posted here recently",
        },
    }
}

/// Whether `reply` is safety guidance (a tier's, or the safety-net line): it always goes.
fn is_safety(reply: &Reply) -> bool {
    matches!(reply.kind(), ReplyKind::Emergency | ReplyKind::SafetyNet)
}

/// What makes two replies "the same" for the repeat window: the entry, or the suggested set.
fn repeat_key(reply: &Reply) -> Option<String> {
    match reply.kind() {
        ReplyKind::Answer => reply.entry_id().map(str::to_owned),
        ReplyKind::Suggestions => Some(
            reply
                .suggestions()
                .iter()
                .map(|s| s.id.as_str())
                .collect::<Vec<_>>()
                .join(","),
        ),
        _ => None,
    }
}

/// Why the bot looks at `message` and what it would answer, if it looks at all. A message in a
/// channel that is not a listed support channel may be in a thread of one, which costs a
/// `GET /channels/{id}` the first time: cheap checks come first (people only, guild messages,
/// channels already known), and the lookup is made only when the bot would answer (chatter that
/// matches nothing in an unknown channel is dropped without one), inside the requests-in-flight
/// limit.
async fn consider(
    ctx: &SerenityContext,
    data: &Data,
    bot: UserId,
    message: &Message,
    knowledge: &Knowledge,
) -> Option<(Trigger, Composed)> {
    let support = &data.config.support_channels;
    let channel = message.channel_id;
    // What the message would be in a support channel: a DM or a mention is that anywhere.
    let trigger = trigger(message, bot, true)?;
    if trigger != Trigger::Support || support.contains(&channel.get()) {
        return Some((trigger, compose(knowledge, trigger, message)?));
    }
    if support.is_empty() {
        return None;
    }
    let in_support = |parent: Option<serenity::all::ChannelId>| {
        parent.is_some_and(|parent| support.contains(&parent.get()))
    };
    if let Known::Parent(parent) = data.thread_parents.known(channel) {
        return in_support(parent)
            .then(|| compose(knowledge, Trigger::Support, message))
            .flatten()
            .map(|composed| (Trigger::Support, composed));
    }
    let composed = compose(knowledge, Trigger::Support, message)?;
    if composed.0.kind() == ReplyKind::NoMatch {
        return None;
    }
    // Never closed, so the permit always comes.
    let permit = data.requests_in_flight.acquire().await.ok();
    let known = data.thread_parents.look_up(&ctx.http, channel).await;
    drop(permit);
    let answer = match known {
        Known::Parent(parent) => in_support(parent),
        // Unknown, because Discord did not say: a report of danger is answered anyway.
        Known::Nothing | Known::FailedUntil(_) => is_safety(&composed.0),
    };
    answer.then_some((Trigger::Support, composed))
}

/// Answers `message` when it is a question for the bot and the limits allow a reply; records it
/// and alerts moderators as its reply calls for.
pub(super) async fn on_message(
    ctx: &SerenityContext,
    data: &Data,
    bot: UserId,
    message: &Message,
) -> Result<(), Error> {
    let knowledge = data.knowledge.current();
    let Some((trigger, (reply, handled, alert))) =
        consider(ctx, data, bot, message, &knowledge).await
    else {
        return Ok(());
    };
    tracing::debug!(?trigger, content = %crate::user_text::UserText(&message.content), "question");
    let channel = message.channel_id.get();
    let asker = message.author.id.get();
    let plan = {
        let mut limits = data
            .limits
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        plan(
            trigger,
            &reply,
            (asker, channel),
            &mut limits,
            Instant::now(),
        )
    };
    // A question the bot replies to is recorded once its reply went out; a silence at once.
    let pending = match handled.filter(|_| plan.records()) {
        Some(handled) if !matches!(plan, Plan::Silent { .. }) => data.insights.reserve(handled),
        Some(handled) => {
            data.insights.record(handled);
            None
        }
        None => None,
    };
    let (reply, first) = match plan {
        Plan::Silent { why, .. } => {
            tracing::debug!(?trigger, kind = ?reply.kind(), why, "not replying");
            return Ok(());
        }
        Plan::Reply => (reply, None),
        Plan::FirstEmergency(first) => (reply, Some(first)),
        Plan::RepeatEmergency(first) => (
            repeat_or_full(&knowledge, reply, message, first).await,
            None,
        ),
    };
    let placement = Placement {
        asker,
        question: pending.as_ref().map(Pending::id),
        deletable: true,
    };
    let rows = buttons::rows(&reply, placement);
    let post = outgoing::reply_to(message, &reply, rows);
    let in_flight = if is_safety(&reply) {
        &data.urgent_in_flight
    } else {
        &data.requests_in_flight
    };
    // Never closed, so the permit always comes.
    let permit = in_flight.acquire().await.ok();
    let sent = retry::on_rate_limit("reply", || {
        message.channel_id.send_message(&ctx.http, post.clone())
    })
    .await?;
    drop(permit);
    if let Some(pending) = pending {
        pending.sent();
    }
    if let Some(first) = first {
        first.posted(sent.id.get());
    }
    tracing::info!(?trigger, kind = ?reply.kind(), entry = reply.entry_id(), channel, "replied");
    if let Some(alert) = alert {
        alerts::raise(&ctx.http, data, &knowledge, &alert).await;
    }
    Ok(())
}

/// A reply, what to record about it and the alert it calls for.
type Composed = (Reply, Option<Handled>, Option<Alert>);

/// The short reply to a repeated emergency `full`: the tier's guidance and a link to the first
/// reply; `full` itself when the first was not posted in time (or failed).
async fn repeat_or_full(
    knowledge: &Knowledge,
    full: Reply,
    message: &Message,
    first: FirstReply,
) -> Reply {
    let (Some(tier), Some(first)) = (full.tier(), first.posted(FIRST_REPLY_WAIT).await) else {
        return full;
    };
    let guild = message
        .guild_id
        .map_or_else(|| "@me".to_owned(), |guild| guild.to_string());
    let link = format!(
        "https://discord.com/channels/{guild}/{}/{first}",
        message.channel_id
    );
    knowledge.composer().emergency_repeat(tier, &link)
}

/// The reply to `message`, what to record about it (nothing for a bare mention, which gets the
/// topic list), and the moderator alert it calls for (only in a server: DMs are never
/// forwarded); `None` for an empty message in a support channel (an image, a sticker).
fn compose(knowledge: &Knowledge, trigger: Trigger, message: &Message) -> Option<Composed> {
    if prolobot_core::normalise(&message.content).is_empty() {
        return (trigger != Trigger::Support)
            .then(|| (knowledge.composer().topic_list(), None, None));
    }
    let response = knowledge.respond(&message.content);
    let decision = response.decision();
    let guild = message.guild_id.map(GuildId::get);
    let channel = message.channel_id.get();
    let handled = Handled::new(knowledge, decision, &message.content, guild, channel);
    let alert = Alert::for_decision(knowledge, decision, guild, channel, Some(message.id.get()));
    Some((response.into_reply(), Some(handled), alert))
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::time::Duration;

    use serde_json::json;

    use crate::discord::fixture;

    const BOT: u64 = 100;
    const SUPPORT: u64 = 300;
    const OTHER_CHANNEL: u64 = 301;

    fn message(content: &str, channel: u64, guild: Option<u64>, author: u64, bot: bool) -> Message {
        let mut payload = json!({
            "id": "1", "channel_id": channel.to_string(),
            "author": {"id": author.to_string(), "username": "someone", "bot": bot},
            "content": content, "timestamp": "2026-01-01T00:00:00Z", "tts": false,
            "mention_everyone": false, "mentions": [], "mention_roles": [], "attachments": [],
            "embeds": [], "pinned": false, "type": 0,
        });
        if let Some(guild) = guild {
            payload["guild_id"] = json!(guild.to_string());
        }
        serde_json::from_value(payload).expect("a message")
    }

    #[test]
    fn triggers() {
        let guild = Some(7);
        let mention = format!("<@{BOT}> does it hurt");
        let nick_mention = format!("<@!{BOT}> does it hurt");
        let cases = [
            (
                message("does it hurt", SUPPORT, guild, 1, false),
                Some(Trigger::Support),
            ),
            (
                message("does it hurt", OTHER_CHANNEL, guild, 1, false),
                None,
            ),
            (
                message(&mention, OTHER_CHANNEL, guild, 1, false),
                Some(Trigger::Mention),
            ),
            (
                message(&nick_mention, SUPPORT, guild, 1, false),
                Some(Trigger::Mention),
            ),
            (
                message("does it hurt", 9, None, 1, false),
                Some(Trigger::Direct),
            ),
            (message("does it hurt", SUPPORT, guild, 1, true), None),
            (message(&mention, SUPPORT, guild, BOT, false), None),
            (message("does it hurt", 9, None, BOT, true), None),
        ];
        for (i, (message, expected)) in cases.iter().enumerate() {
            assert_eq!(
                trigger(
                    message,
                    UserId::new(BOT),
                    message.channel_id.get() == SUPPORT
                ),
                *expected,
                "case {i}"
            );
        }
        let mut webhook = message("does it hurt", SUPPORT, guild, 1, false);
        webhook.webhook_id = Some(serenity::all::WebhookId::new(5));
        assert_eq!(trigger(&webhook, UserId::new(BOT), true), None);
        let mut joined = message("", SUPPORT, guild, 1, false);
        joined.kind = MessageType::MemberJoin;
        assert_eq!(trigger(&joined, UserId::new(BOT), true), None);
    }

    #[test]
    fn plans() {
        let knowledge = fixture::knowledge();
        let composer = knowledge.composer();
        let answer = composer.answer(&knowledge.faq().entries()[0]);
        let no_match = composer.no_match();
        let emergency = composer.emergency(&[]);
        let start = Instant::now();
        let mut limits = Limits::new(Duration::from_secs(10), Duration::from_mins(5));
        let at = |secs| start + Duration::from_secs(secs);
        // (replied, recorded) of a plan.
        let shape = |plan: &Plan| match plan {
            Plan::Silent { record, .. } => (false, *record),
            _ => (true, true),
        };
        // (trigger, reply, user, seconds, (replied, recorded)); cooldown 10 s, window 300 s.
        let steps = [
            (Trigger::Support, &no_match, 1, 0, (false, true)),
            (Trigger::Mention, &no_match, 1, 0, (true, true)),
            (Trigger::Support, &answer, 1, 1, (false, false)),
            (Trigger::Support, &emergency, 1, 2, (true, true)),
            (Trigger::Support, &answer, 2, 3, (true, true)),
            (Trigger::Support, &answer, 3, 4, (false, true)),
            (Trigger::Mention, &answer, 3, 5, (true, true)),
            (Trigger::Direct, &answer, 2, 13, (true, true)),
        ];
        for (i, (trigger, reply, user, secs, expected)) in steps.into_iter().enumerate() {
            let plan = plan(trigger, reply, (user, SUPPORT), &mut limits, at(secs));
            assert_eq!(shape(&plan), expected, "step {i}: {plan:?}");
        }
    }

    #[test]
    fn a_repeated_emergency_reply_is_planned_as_a_pointer_to_the_first() {
        let knowledge = fixture::knowledge();
        let composer = knowledge.composer();
        let rules: Vec<_> = knowledge.faq().red_flags().rules.iter().collect();
        let emergency = composer.emergency(&rules);
        let net = composer.decision(&prolobot_core::Decision::NoMatch {
            confidence: 0.0,
            safety_net: true,
        });
        let now = Instant::now();
        let mut limits = Limits::new(Duration::from_secs(10), Duration::from_mins(5));
        let mut plan_for =
            |reply, user| plan(Trigger::Support, reply, (user, SUPPORT), &mut limits, now);
        // Held while "being posted": a first dropped unposted counts as failed.
        let first = plan_for(&emergency, 1);
        assert!(matches!(first, Plan::FirstEmergency(_)));
        for _ in 0..3 {
            assert!(matches!(plan_for(&emergency, 1), Plan::RepeatEmergency(_)));
        }
        let other = plan_for(&emergency, 2);
        assert!(matches!(other, Plan::FirstEmergency(_)), "another user");
        assert_eq!(net.kind(), ReplyKind::SafetyNet);
        assert!(
            matches!(plan_for(&net, 1), Plan::Reply),
            "the safety-net line is left as it is"
        );
    }
}
