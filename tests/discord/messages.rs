//! Questions in messages: support channels, mentions, DMs, who is ignored, and flood control.

use std::time::Duration;

use prolobot_core::Outcome;
use serde_json::{json, Value};

use crate::bot::{
    answered_entry, custom_ids, disclaimer, expected_text, is_post, library, no_match_question,
    no_pings, reply_in, reply_to, start_bot, start_bot_with, Options, COST_QUESTION, OTHER_CHANNEL,
    OTHER_USER,
};
use crate::fake::{FakeDiscord, MessageSpec, RecordedRequest};

/// Long enough for the bot to have answered if it were going to.
const QUIET: Duration = Duration::from_millis(400);

const HURT: &str = "does prolotherapy hurt";
const EMERGENCY: &str = "I have a fever and the injection site is red and swollen";

#[tokio::test]
async fn a_question_in_a_support_channel_gets_the_answer_with_the_disclaimer_and_no_pings() {
    let fake = FakeDiscord::start().await;
    let bot = start_bot(&fake).await;

    let id = fake.send_message(MessageSpec::guild(COST_QUESTION)).await;

    let reply = reply_to(&fake, id).await;
    assert!(reply.succeeded(), "{}", fake.dump());
    let content = reply
        .json("/content")
        .and_then(|c| c.as_str())
        .unwrap_or_default();
    assert_eq!(content, expected_text(COST_QUESTION));
    assert!(content.contains(disclaimer()), "{content}");
    assert_eq!(reply.json("/allowed_mentions"), Some(&no_pings()));
    let body = reply.body.clone().unwrap_or_default();
    let buttons = custom_ids(&body);
    let asker = FakeDiscord::USER_ID;
    assert_eq!(
        buttons,
        [
            "faq:m:cost-insurance".to_owned(),
            format!("faq:v:{asker}:1:1"),
            format!("faq:v:{asker}:1:0"),
            format!("faq:d:{asker}")
        ]
    );
    let report = bot.report_when(|r| r.totals.answer == 1).await;
    assert_eq!(report.totals.answer, 1);
    assert_eq!(report.entries[0].entry_id, "cost-insurance");
}

#[tokio::test]
async fn no_match_in_a_support_channel_stays_silent_but_is_recorded() {
    let question = no_match_question();
    let fake = FakeDiscord::start().await;
    let bot = start_bot(&fake).await;

    fake.send_message(MessageSpec::guild(question)).await;

    fake.assert_no_request(is_post, QUIET).await;
    let report = bot.report_when(|r| r.totals.no_match == 1).await;
    assert_eq!(report.totals.no_match, 1, "{report:?}");
    assert_eq!(
        report.unanswered[0].examples,
        [prolobot_core::normalise(question)]
    );
}

#[tokio::test]
async fn a_mention_anywhere_gets_a_reply_even_without_a_match() {
    let fake = FakeDiscord::start().await;
    let _bot = start_bot(&fake).await;
    let answered = fake
        .send_message(MessageSpec::mention(OTHER_CHANNEL, COST_QUESTION))
        .await;
    let no_match = fake
        .send_message(MessageSpec::mention(OTHER_CHANNEL, no_match_question()))
        .await;

    let reply = reply_in(&fake, OTHER_CHANNEL, answered).await;
    assert_eq!(
        reply.json("/content"),
        Some(&json!(expected_text(COST_QUESTION)))
    );
    let reply = reply_in(&fake, OTHER_CHANNEL, no_match).await;
    assert_eq!(
        reply.json("/content"),
        Some(&json!(expected_text(no_match_question())))
    );
    assert_eq!(reply.json("/allowed_mentions"), Some(&no_pings()));
}

#[tokio::test]
async fn outside_support_channels_only_mentions_count() {
    let fake = FakeDiscord::start().await;
    let _bot = start_bot(&fake).await;

    fake.send_message(MessageSpec {
        channel_id: OTHER_CHANNEL,
        ..MessageSpec::guild(COST_QUESTION)
    })
    .await;

    fake.assert_no_request(is_post, QUIET).await;
}

#[tokio::test]
async fn a_thread_of_a_support_channel_is_a_support_channel() {
    const SUPPORT_THREAD: u64 = 300_000_000_000_000_101;
    const OTHER_THREAD: u64 = 300_000_000_000_000_102;
    let fake = FakeDiscord::start().await;
    fake.add_thread(SUPPORT_THREAD, FakeDiscord::CHANNEL_ID);
    fake.add_thread(OTHER_THREAD, OTHER_CHANNEL);
    let _bot = start_bot(&fake).await;
    let posts_in = |channel: u64| {
        move |r: &RecordedRequest| is_post(r) && r.path == format!("/channels/{channel}/messages")
    };

    fake.send_message(MessageSpec {
        channel_id: OTHER_THREAD,
        ..MessageSpec::guild(COST_QUESTION)
    })
    .await;
    let asked = fake
        .send_message(MessageSpec {
            channel_id: SUPPORT_THREAD,
            ..MessageSpec::guild(COST_QUESTION)
        })
        .await;
    let reply = reply_in(&fake, SUPPORT_THREAD, asked).await;
    let content = reply
        .json("/content")
        .and_then(Value::as_str)
        .unwrap_or_default();
    assert!(content.contains(disclaimer()), "{content}");
    fake.assert_no_request(posts_in(OTHER_THREAD), QUIET).await;

    // The thread's parent was looked up once and is remembered for the next question.
    fake.send_message(MessageSpec {
        channel_id: SUPPORT_THREAD,
        author_id: OTHER_USER,
        ..MessageSpec::guild(HURT)
    })
    .await;
    fake.wait_for_requests(0, posts_in(SUPPORT_THREAD), 2, crate::fake::TIMEOUT)
        .await;
    let lookups = fake
        .requests()
        .iter()
        .filter(|r| r.method == "GET" && r.path == format!("/channels/{SUPPORT_THREAD}"))
        .count();
    assert_eq!(lookups, 1);
}

/// Chatter in channels the bot has not seen costs no `GET /channels/{id}`; questions it would
/// answer in new channels share one lookup per channel; a failed lookup is remembered.
#[tokio::test]
async fn channel_lookups_are_made_only_for_questions_and_once_per_channel() {
    const FIRST_CHANNEL: u64 = 300_000_000_000_010_000;
    const THREADS: u64 = 4;
    let fake = FakeDiscord::start().await;
    for thread in 0..THREADS {
        fake.add_thread(FIRST_CHANNEL + thread, FakeDiscord::CHANNEL_ID);
    }
    let _bot = start_bot(&fake).await;
    let lookups = |fake: &FakeDiscord| {
        fake.requests()
            .iter()
            .filter(|r| r.method == "GET" && r.path.starts_with("/channels/"))
            .count()
    };

    // Chatter in 20 channels the bot has not seen, threads of the support channel included.
    for message in 0..100 {
        fake.send_message(MessageSpec {
            channel_id: FIRST_CHANNEL + message % 20,
            author_id: 400_000_000_000_003_000 + message,
            ..MessageSpec::guild(no_match_question())
        })
        .await;
    }
    // Five questions at once in each of the support threads.
    let mut asked = Vec::new();
    for message in 0..5 * THREADS {
        let channel = FIRST_CHANNEL + message % THREADS;
        let spec = MessageSpec {
            channel_id: channel,
            author_id: 400_000_000_000_004_000 + message,
            ..MessageSpec::guild(COST_QUESTION)
        };
        asked.push((channel, fake.send_message(spec).await));
    }
    for (channel, id) in asked {
        assert!(reply_in(&fake, channel, id).await.succeeded());
    }
    assert_eq!(lookups(&fake), THREADS as usize, "{}", fake.dump());

    // A lookup that fails is not repeated for every message.
    let broken = FIRST_CHANNEL + 50;
    fake.fail_next("GET", &format!("/channels/{broken}"), 500, 1);
    for message in 0..10 {
        fake.send_message(MessageSpec {
            channel_id: broken,
            author_id: 400_000_000_000_005_000 + message,
            ..MessageSpec::guild(COST_QUESTION)
        })
        .await;
    }
    fake.assert_no_request(is_post, QUIET).await;
    assert_eq!(lookups(&fake), THREADS as usize + 1, "{}", fake.dump());

    // Whether that channel is a support thread is unknown: a report of danger is answered.
    let urgent = fake
        .send_message(MessageSpec {
            channel_id: broken,
            author_id: 400_000_000_000_005_100,
            ..MessageSpec::guild(EMERGENCY)
        })
        .await;
    assert!(reply_in(&fake, broken, urgent).await.succeeded());
}

#[tokio::test]
async fn a_dm_gets_a_reply() {
    let fake = FakeDiscord::start().await;
    let _bot = start_bot(&fake).await;

    let id = fake
        .send_message(MessageSpec::dm(no_match_question()))
        .await;

    let reply = reply_in(&fake, FakeDiscord::DM_CHANNEL_ID, id).await;
    assert!(reply.succeeded(), "{}", fake.dump());
    assert_eq!(
        reply.json("/content"),
        Some(&json!(expected_text(no_match_question())))
    );
    assert_eq!(reply.json("/allowed_mentions"), Some(&no_pings()));
}

#[tokio::test]
async fn bots_webhooks_and_the_bot_itself_are_ignored() {
    let fake = FakeDiscord::start().await;
    let _bot = start_bot(&fake).await;
    let question = MessageSpec::guild(COST_QUESTION);

    for spec in [
        MessageSpec {
            author_is_bot: true,
            ..question.clone()
        },
        MessageSpec {
            webhook_id: Some(5),
            author_is_bot: true,
            ..question.clone()
        },
        MessageSpec {
            author_id: FakeDiscord::BOT_ID,
            author_is_bot: true,
            ..question.clone()
        },
    ] {
        fake.send_message(spec).await;
    }

    fake.assert_no_request(is_post, QUIET).await;
}

#[tokio::test]
async fn everyone_in_a_question_never_pings() {
    let fake = FakeDiscord::start().await;
    let _bot = start_bot(&fake).await;
    let question = format!("@everyone @here <@{OTHER_USER}> {COST_QUESTION}");

    let id = fake
        .send_message(MessageSpec {
            mention_everyone: true,
            mentions: vec![OTHER_USER],
            ..MessageSpec::guild(&question)
        })
        .await;

    let reply = reply_to(&fake, id).await;
    assert_eq!(reply.json("/allowed_mentions"), Some(&no_pings()));
    let content = reply
        .json("/content")
        .and_then(|c| c.as_str())
        .unwrap_or_default();
    assert!(
        !content.contains("@everyone") && !content.contains("@here"),
        "{content}"
    );
    assert!(!content.contains(&OTHER_USER.to_string()), "{content}");
}

#[tokio::test]
async fn a_symptom_report_gets_its_tier_guidance_first() {
    assert_eq!(library().decide(EMERGENCY).outcome(), Outcome::Emergency);
    let fake = FakeDiscord::start().await;
    let bot = start_bot(&fake).await;

    let id = fake.send_message(MessageSpec::guild(EMERGENCY)).await;

    let reply = reply_to(&fake, id).await;
    let content = reply
        .json("/content")
        .and_then(|c| c.as_str())
        .unwrap_or_default();
    assert!(
        content.starts_with(&format!("⚠️ {}", library().faq().texts().urgent.trim())),
        "fever with a red, swollen site is urgent: {content}"
    );
    assert!(content.contains(disclaimer()), "{content}");
    let report = bot.report_when(|r| r.totals.emergency == 1).await;
    assert_eq!(report.totals.emergency, 1);
    assert!(
        report.unanswered.is_empty(),
        "emergency texts are not stored"
    );
}

#[tokio::test]
async fn the_cooldown_silences_a_quick_second_question_but_never_an_emergency() {
    let fake = FakeDiscord::start().await;
    let _bot = start_bot_with(
        &fake,
        Options {
            cooldown_secs: 60,
            ..Options::default()
        },
    )
    .await;

    let first = fake.send_message(MessageSpec::guild(COST_QUESTION)).await;
    reply_to(&fake, first).await;
    let second = fake.send_message(MessageSpec::guild(HURT)).await;
    fake.assert_no_request(
        |r| crate::bot::is_reply_to(r, FakeDiscord::CHANNEL_ID, second),
        QUIET,
    )
    .await;
    let urgent = fake.send_message(MessageSpec::guild(EMERGENCY)).await;
    reply_to(&fake, urgent).await;
    let other_user = fake
        .send_message(MessageSpec {
            author_id: OTHER_USER,
            ..MessageSpec::guild(HURT)
        })
        .await;
    reply_to(&fake, other_user).await;
}

#[tokio::test]
async fn the_same_answer_is_not_repeated_in_a_channel_within_the_window() {
    let same = "is prolotherapy covered by insurance";
    assert_eq!(answered_entry(same), answered_entry(COST_QUESTION));
    assert_ne!(answered_entry(HURT), answered_entry(COST_QUESTION));
    let fake = FakeDiscord::start().await;
    let _bot = start_bot_with(
        &fake,
        Options {
            repeat_window_secs: 300,
            ..Options::default()
        },
    )
    .await;

    let first = fake.send_message(MessageSpec::guild(COST_QUESTION)).await;
    reply_to(&fake, first).await;
    fake.send_message(MessageSpec {
        author_id: OTHER_USER,
        ..MessageSpec::guild(same)
    })
    .await;
    fake.assert_no_request(is_post, QUIET).await;
    let other_topic = fake
        .send_message(MessageSpec {
            author_id: OTHER_USER,
            ..MessageSpec::guild(HURT)
        })
        .await;
    reply_to(&fake, other_topic).await;
}

#[tokio::test]
async fn a_bare_mention_lists_the_topics() {
    let fake = FakeDiscord::start().await;
    let _bot = start_bot(&fake).await;

    let id = fake
        .send_message(MessageSpec {
            mentions: vec![FakeDiscord::BOT_ID],
            ..MessageSpec::guild(&format!("<@{}>", FakeDiscord::BOT_ID))
        })
        .await;

    let reply = reply_to(&fake, id).await;
    let content = reply
        .json("/content")
        .and_then(|c| c.as_str())
        .unwrap_or_default();
    assert!(content.contains("cost-insurance"), "{content}");
}

/// The `intents` the bot sent in its IDENTIFY.
fn identified_intents(fake: &FakeDiscord) -> Option<u64> {
    fake.gateway_frames()
        .iter()
        .find(|frame| frame.payload["op"] == 2)
        .and_then(|frame| frame.payload["d"]["intents"].as_u64())
}

#[tokio::test]
async fn the_message_content_intent_can_be_turned_off() {
    const GUILD_MESSAGES: u64 = 1 << 9;
    const DIRECT_MESSAGES: u64 = 1 << 12;
    const MESSAGE_CONTENT: u64 = 1 << 15;
    let with = FakeDiscord::start().await;
    let _bot = start_bot(&with).await;
    let without = FakeDiscord::start().await;
    let options = Options {
        without_message_content: true,
        ..Options::default()
    };
    let _bot_without = start_bot_with(&without, options).await;

    let messages = GUILD_MESSAGES | DIRECT_MESSAGES;
    assert_eq!(identified_intents(&with), Some(messages | MESSAGE_CONTENT));
    assert_eq!(identified_intents(&without), Some(messages));
    let id = without.send_message(MessageSpec::dm(COST_QUESTION)).await;
    reply_in(&without, FakeDiscord::DM_CHANNEL_ID, id).await;
}

#[tokio::test]
async fn edits_are_ignored() {
    let fake = FakeDiscord::start().await;
    let _bot = start_bot(&fake).await;
    let mut edited = MessageSpec::guild(COST_QUESTION).to_payload(crate::fake::next_id(), None);
    edited["edited_timestamp"] = edited["timestamp"].clone();

    fake.dispatch("MESSAGE_UPDATE", edited).await;

    fake.assert_no_request(is_post, QUIET).await;
}
