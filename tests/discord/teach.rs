//! Teaching end to end: a moderator teaches a question the bot missed (with `/faqmod teach`, or
//! from the unanswered groups of `/faqmod stats`), and the same question is answered with that
//! entry at once; undo takes it out again; others are refused.

use std::time::Duration;

use serde_json::{json, Value};

use crate::bot::{
    custom_ids, expected_text, is_log_post, library, reply_in, start_bot, Bot, MOD_ROLE,
    OTHER_CHANNEL,
};
use crate::fake::{FakeDiscord, InteractionSpec, MessageSpec, SentInteraction, TIMEOUT};
use crate::interactions::{callback, content, is_ephemeral, sub, text_option};
use prolobot_core::Outcome;

/// A question the shipped FAQ has no answer for, and the entry that should answer it.
const MISSED: &str = "does it help tinnitus";
const ENTRY: &str = "conditions-treated";

/// `/faqmod teach <name> options...`.
fn teach(name: &str, options: Value) -> Value {
    json!([{"name": "teach", "type": 2, "options": sub(name, options)}])
}

/// `/faqmod teach add` of [`MISSED`] to [`ENTRY`].
fn add_missed() -> Value {
    teach(
        "add",
        json!([text_option("question", MISSED), text_option("entry", ENTRY)]),
    )
}

/// The FAQ file the bot serves, as it is now.
fn faq_text(bot: &Bot) -> String {
    std::fs::read_to_string(bot.faq_path()).expect("faq.toml")
}

fn moderator() -> InteractionSpec {
    InteractionSpec {
        roles: vec![MOD_ROLE],
        ..InteractionSpec::guild()
    }
}

/// How long a teach command may take here: it indexes the shipped FAQ twice, which in a debug
/// build with other tests running takes seconds (a release build: well under one).
const TEACH_TIMEOUT: Duration = Duration::from_secs(30);

/// The bot's answer to a deferred interaction: its follow-up message.
async fn follow_up_message(fake: &FakeDiscord, sent: &SentInteraction) -> Value {
    let posted = fake
        .wait_for_request(|r| r.is("POST", &sent.webhook_path()), TEACH_TIMEOUT)
        .await;
    posted.response.clone().unwrap_or_default()
}

/// The text of [`follow_up_message`].
async fn follow_up(fake: &FakeDiscord, sent: &SentInteraction) -> String {
    let message = follow_up_message(fake, sent).await;
    message["content"].as_str().unwrap_or_default().to_owned()
}

/// The text of the bot's reply to `question`, asked with a mention (so that it replies even
/// when it has no answer, which in a support channel it would not).
async fn ask(fake: &FakeDiscord, question: &str) -> String {
    let id = fake
        .send_message(MessageSpec::mention(OTHER_CHANNEL, question))
        .await;
    let reply = reply_in(fake, OTHER_CHANNEL, id).await;
    reply
        .json("/content")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn a_missed_question_taught_by_a_moderator_is_answered_with_that_entry_at_once() {
    let fake = FakeDiscord::start().await;
    let bot = start_bot(&fake).await;
    let original = faq_text(&bot);
    assert_eq!(library().decide(MISSED).outcome(), Outcome::NoMatch);
    assert_eq!(ask(&fake, MISSED).await, expected_text(MISSED));
    // What a moderator sees in `/faqmod stats`, and teaches.
    let report = bot.report_when(|r| !r.unanswered.is_empty()).await;
    let unanswered = report.unanswered[0].examples[0].clone();
    assert_eq!(unanswered, prolobot_core::normalise(MISSED));

    let options = teach(
        "add",
        json!([
            text_option("question", &unanswered),
            text_option("entry", ENTRY)
        ]),
    );
    let sent = fake
        .send_interaction(moderator().slash_command("faqmod", options))
        .await;
    let deferred = callback(&fake, &sent).await;
    assert_eq!(deferred.json("/type"), Some(&json!(5)), "{}", fake.dump());
    assert!(is_ephemeral(&deferred));
    let answer = follow_up(&fake, &sent).await;
    assert!(answer.starts_with("**Taught.** Live now"), "{answer}");
    assert!(
        answer.contains(&format!("now: answered with {ENTRY}")),
        "{answer}"
    );
    let logged = fake.wait_for_request(is_log_post, TIMEOUT).await;
    let logged = logged
        .json("/content")
        .and_then(Value::as_str)
        .unwrap_or_default();
    assert!(
        logged.contains(&format!("**FAQ taught** by <@{}>", FakeDiscord::USER_ID)),
        "{logged}"
    );
    assert!(
        logged.contains(MISSED) && logged.contains(ENTRY),
        "{logged}"
    );

    let title = &library().faq().entry(ENTRY).expect("entry").title;
    let answered = ask(&fake, MISSED).await;
    assert!(answered.contains(title.as_str()), "{answered}");

    let sent = fake
        .send_interaction(moderator().slash_command("faqmod", teach("undo", json!([]))))
        .await;
    let undone = follow_up(&fake, &sent).await;
    assert!(undone.starts_with("**Undone.**"), "{undone}");
    assert_eq!(faq_text(&bot), original);
    assert_eq!(ask(&fake, MISSED).await, expected_text(MISSED));
}

#[tokio::test]
async fn teaching_is_refused_to_non_moderators_and_writes_nothing() {
    let fake = FakeDiscord::start().await;
    let bot = start_bot(&fake).await;
    let original = faq_text(&bot);

    let sent = fake
        .send_interaction(InteractionSpec::guild().slash_command("faqmod", add_missed()))
        .await;

    let response = callback(&fake, &sent).await;
    assert!(
        content(&response).contains("only for moderators"),
        "{}",
        fake.dump()
    );
    assert!(is_ephemeral(&response));
    assert_eq!(faq_text(&bot), original);
    assert!(!fake.requests().iter().any(is_log_post));
    assert!(!bot.dir.path().join("faq.teach.jsonl").exists());
}

#[tokio::test]
async fn the_entry_autocompletes_and_a_refusal_says_why_and_offers_force() {
    let fake = FakeDiscord::start().await;
    let bot = start_bot(&fake).await;
    let original = faq_text(&bot);
    let typed = teach(
        "add",
        json!([
            text_option("question", MISSED),
            {"name": "entry", "type": 3, "value": "condtions", "focused": true}
        ]),
    );
    let sent = fake
        .send_interaction(moderator().autocomplete("faqmod", typed))
        .await;
    let choices = callback(&fake, &sent).await;
    assert_eq!(
        choices.json("/data/choices/0/value"),
        Some(&json!(ENTRY)),
        "{}",
        fake.dump()
    );
    let options = teach(
        "add",
        json!([
            text_option("question", "how much does prolotherapy cost"),
            text_option("entry", "aftercare")
        ]),
    );

    let sent = fake
        .send_interaction(moderator().slash_command("faqmod", options))
        .await;

    let answer = follow_up(&fake, &sent).await;
    assert!(
        answer.contains("Not taught; nothing was written."),
        "{answer}"
    );
    assert!(answer.contains("`force: True`"), "{answer}");
    assert_eq!(faq_text(&bot), original);
}

/// Picking `value` in the select menu `custom_id` of `message`.
fn select(spec: &InteractionSpec, custom_id: &str, value: &str, message: &Value) -> Value {
    let mut payload = spec.component_click(custom_id, message);
    payload["data"]["component_type"] = json!(3);
    payload["data"]["values"] = json!([value]);
    payload
}

#[tokio::test]
async fn an_unanswered_group_of_the_stats_is_taught_from_its_menus() {
    let fake = FakeDiscord::start().await;
    let bot = start_bot(&fake).await;
    let original = faq_text(&bot);
    assert_eq!(ask(&fake, MISSED).await, expected_text(MISSED));

    let stats = fake
        .send_interaction(moderator().slash_command("faqmod", sub("stats", json!([]))))
        .await;
    callback(&fake, &stats).await;
    let report = follow_up_message(&fake, &stats).await;
    let menu = &report["components"][0]["components"][0];
    assert_eq!(menu["custom_id"], json!("teach:g"), "{report:#}");
    let option = &menu["options"][0];
    assert_eq!(option["label"], json!(format!("1x: {MISSED}")), "{menu:#}");
    let group = option["value"].as_str().expect("a group key");

    let shown = fake
        .send_interaction(select(&moderator(), "teach:g", group, &report))
        .await;
    assert!(is_ephemeral(&callback(&fake, &shown).await));
    let message = follow_up_message(&fake, &shown).await;
    let text = message["content"].as_str().unwrap_or_default();
    assert!(text.contains(MISSED), "{text}");
    let ids = custom_ids(&message);
    assert_eq!(
        ids,
        [format!("teach:e:{group}"), format!("teach:o:{group}")]
    );

    let refused = fake
        .send_interaction(select(&InteractionSpec::guild(), &ids[0], ENTRY, &message))
        .await;
    let response = callback(&fake, &refused).await;
    assert!(
        content(&response).contains("only for moderators"),
        "{}",
        content(&response)
    );
    assert_eq!(faq_text(&bot), original);

    let taught = fake
        .send_interaction(select(&moderator(), &ids[0], ENTRY, &message))
        .await;
    let answer = follow_up(&fake, &taught).await;
    assert!(answer.starts_with("**Taught.** Live now"), "{answer}");
    let title = &library().faq().entry(ENTRY).expect("entry").title;
    let answered = ask(&fake, MISSED).await;
    assert!(answered.contains(title.as_str()), "{answered}");
}
