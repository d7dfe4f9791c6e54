//! Slash commands, autocomplete and buttons.

use prolobot_core::Outcome;
use serde_json::{json, Value};

use crate::bot::{
    custom_id, custom_ids, disclaimer, expected_text, is_log_post, library, no_pings, reply_to,
    start_bot, COST_QUESTION, MOD_ROLE, OTHER_USER,
};
use crate::fake::{
    FakeDiscord, InteractionSpec, MessageSpec, RecordedRequest, SentInteraction, TIMEOUT,
};

/// Discord's EPHEMERAL message flag.
const EPHEMERAL: u64 = 64;

/// The options of `/name sub ...`.
pub fn sub(name: &str, options: Value) -> Value {
    let mut subcommand = json!({"name": name, "type": 1});
    subcommand["options"] = options;
    Value::Array(vec![subcommand])
}

pub fn text_option(name: &str, value: &str) -> Value {
    json!({"name": name, "type": 3, "value": value})
}

/// The bot's initial response to `sent`.
pub async fn callback(fake: &FakeDiscord, sent: &SentInteraction) -> RecordedRequest {
    fake.wait_for_request(|r| r.is("POST", &sent.callback_path()), TIMEOUT)
        .await
}

/// The text of an interaction response.
pub fn content(request: &RecordedRequest) -> &str {
    request
        .json("/data/content")
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// Whether an interaction response is visible only to the user.
pub fn is_ephemeral(request: &RecordedRequest) -> bool {
    request
        .json("/data/flags")
        .and_then(Value::as_u64)
        .is_some_and(|flags| flags & EPHEMERAL != 0)
}

/// Someone other than the asker, clicking in the guild.
fn stranger() -> InteractionSpec {
    InteractionSpec {
        user_id: OTHER_USER,
        ..InteractionSpec::guild()
    }
}

/// Asks [`COST_QUESTION`] in the support channel: the answer the bot posted.
async fn cost_answer(fake: &FakeDiscord) -> Value {
    let id = fake.send_message(MessageSpec::guild(COST_QUESTION)).await;
    reply_to(fake, id)
        .await
        .response
        .expect("the posted message")
}

#[tokio::test]
async fn faq_ask_answers_only_the_asker_by_default_and_publicly_on_request() {
    let fake = FakeDiscord::start().await;
    let bot = start_bot(&fake).await;
    let ask = |public: Option<bool>| {
        let mut options = vec![text_option("question", COST_QUESTION)];
        options.extend(public.map(|p| json!({"name": "public", "type": 5, "value": p})));
        InteractionSpec::guild().slash_command("faq", sub("ask", Value::from(options)))
    };

    let private = fake.send_interaction(ask(None)).await;
    let response = callback(&fake, &private).await;
    assert_eq!(response.json("/type"), Some(&json!(4)), "{}", fake.dump());
    assert_eq!(content(&response), expected_text(COST_QUESTION));
    assert!(is_ephemeral(&response));
    assert_eq!(response.json("/data/allowed_mentions"), Some(&no_pings()));
    let buttons = custom_ids(response.json("/data").unwrap_or(&Value::Null));
    assert!(
        buttons.iter().all(|id| !id.starts_with("faq:d:")),
        "{buttons:?}"
    );

    let public = fake.send_interaction(ask(Some(true))).await;
    let response = callback(&fake, &public).await;
    assert!(!is_ephemeral(&response));
    let asker = FakeDiscord::USER_ID;
    let buttons = custom_ids(response.json("/data").unwrap_or(&Value::Null));
    assert_eq!(
        buttons,
        [
            "faq:m:cost-insurance".to_owned(),
            format!("faq:v:{asker}:2:1"),
            format!("faq:v:{asker}:2:0"),
            format!("faq:d:{asker}")
        ]
    );
    let report = bot.report_when(|r| r.totals.answer == 2).await;
    assert_eq!(report.totals.answer, 2);
}

#[tokio::test]
async fn faq_topic_autocompletes_titles_fuzzily_and_shows_the_entry() {
    let fake = FakeDiscord::start().await;
    let _bot = start_bot(&fake).await;
    let typed = json!([{"name": "topic", "type": 3, "value": "insurnce", "focused": true}]);

    let sent = fake
        .send_interaction(InteractionSpec::guild().autocomplete("faq", sub("topic", typed)))
        .await;

    let response = callback(&fake, &sent).await;
    assert_eq!(response.json("/type"), Some(&json!(8)), "{}", fake.dump());
    assert_eq!(
        response.json("/data/choices/0/value"),
        Some(&json!("cost-insurance"))
    );
    let chosen = json!([text_option("topic", "cost-insurance")]);
    let sent = fake
        .send_interaction(InteractionSpec::guild().slash_command("faq", sub("topic", chosen)))
        .await;
    let response = callback(&fake, &sent).await;
    let entry = library().faq().entry("cost-insurance").expect("entry");
    assert!(
        content(&response).contains(&entry.title),
        "{}",
        content(&response)
    );
    assert!(content(&response).contains(disclaimer()));
}

#[tokio::test]
async fn faq_list_shows_every_topic() {
    let fake = FakeDiscord::start().await;
    let _bot = start_bot(&fake).await;

    let sent = fake
        .send_interaction(InteractionSpec::dm().slash_command("faq", sub("list", json!([]))))
        .await;

    let response = callback(&fake, &sent).await;
    for entry in library().faq().entries() {
        assert!(
            content(&response).contains(&entry.id),
            "{}",
            content(&response)
        );
    }
}

#[tokio::test]
async fn moderator_commands_are_refused_to_non_moderators_and_run_for_moderators() {
    let fake = FakeDiscord::start().await;
    let _bot = start_bot(&fake).await;
    let reload = |roles: Vec<u64>| {
        let spec = InteractionSpec {
            roles,
            ..InteractionSpec::guild()
        };
        spec.slash_command("faqmod", sub("reload", json!([])))
    };

    let refused = fake.send_interaction(reload(Vec::new())).await;
    let response = callback(&fake, &refused).await;
    assert!(
        content(&response).contains("only for moderators"),
        "{}",
        fake.dump()
    );
    assert!(is_ephemeral(&response));
    assert!(
        !fake.requests().iter().any(is_log_post),
        "refused reloads do nothing"
    );

    let allowed = fake.send_interaction(reload(vec![MOD_ROLE])).await;
    let response = callback(&fake, &allowed).await;
    assert!(content(&response).contains("Reloaded"), "{}", fake.dump());
    let posted = fake.wait_for_request(is_log_post, TIMEOUT).await;
    assert!(posted
        .json("/content")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .contains("Reloaded"));

    let stats = InteractionSpec {
        roles: vec![MOD_ROLE],
        ..InteractionSpec::guild()
    };
    let sent = fake
        .send_interaction(stats.slash_command("faqmod", sub("stats", json!([]))))
        .await;
    // It reads the database, so it defers first and answers in a follow-up.
    let deferred = callback(&fake, &sent).await;
    assert_eq!(deferred.json("/type"), Some(&json!(5)));
    assert!(is_ephemeral(&deferred));
    let report = fake
        .wait_for_request(|r| r.is("POST", &sent.webhook_path()), TIMEOUT)
        .await;
    let shown = report
        .json("/content")
        .and_then(Value::as_str)
        .unwrap_or_default();
    assert!(shown.contains("FAQ insights"), "{shown}");
    assert!(shown.chars().count() <= 2_000);
    let test = json!([text_option("question", COST_QUESTION)]);
    let sent = fake
        .send_interaction(stats.slash_command("faqmod", sub("test", test)))
        .await;
    let response = callback(&fake, &sent).await;
    assert!(
        content(&response).contains("cost-insurance"),
        "{}",
        content(&response)
    );
    assert!(is_ephemeral(&response));
}

/// A question the shipped FAQ answers with "did you mean": asking about two topics at once is
/// ambiguous by construction.
fn suggest_question() -> &'static str {
    [
        "prolo cost and side effects",
        "insurance and risks",
        "risks and aftercare",
        "pain",
        "how many injections and how much",
        "what is prolotherapy",
        "needle",
        "injection",
    ]
    .into_iter()
    .find(|q| library().decide(q).outcome() == Outcome::Suggest)
    .expect("one of the candidates gets suggestions")
}

#[tokio::test]
async fn only_the_asker_can_pick_a_suggestion() {
    let fake = FakeDiscord::start().await;
    let _bot = start_bot(&fake).await;
    let id = fake
        .send_message(MessageSpec::guild(suggest_question()))
        .await;
    let reply = reply_to(&fake, id).await;
    let message = reply.response.clone().expect("the posted message");
    let pick = custom_id(&message, "faq:s:");
    let entry_id = pick.rsplit(':').next().unwrap_or_default().to_owned();

    let stranger = stranger();
    let sent = fake
        .send_interaction(stranger.component_click(&pick, &message))
        .await;
    let refusal = callback(&fake, &sent).await;
    assert_eq!(refusal.json("/type"), Some(&json!(4)));
    assert!(is_ephemeral(&refusal));
    assert!(
        content(&refusal).contains("only the person who asked"),
        "{}",
        content(&refusal)
    );

    let sent = fake
        .send_interaction(InteractionSpec::guild().component_click(&pick, &message))
        .await;
    let update = callback(&fake, &sent).await;
    assert_eq!(update.json("/type"), Some(&json!(7)), "{}", fake.dump());
    let entry = library().faq().entry(&entry_id).expect("suggested entry");
    assert!(
        content(&update).contains(&entry.title),
        "{}",
        content(&update)
    );
    assert_eq!(update.json("/data/allowed_mentions"), Some(&no_pings()));
}

#[tokio::test]
async fn a_feedback_click_is_stored_once_and_only_from_the_asker() {
    let fake = FakeDiscord::start().await;
    let bot = start_bot(&fake).await;
    let message = cost_answer(&fake).await;
    let not_helpful = custom_ids(&message)
        .into_iter()
        .find(|id| id.starts_with("faq:v:") && id.ends_with(":0"))
        .expect("a Not helpful button");

    let stranger = stranger();
    let sent = fake
        .send_interaction(stranger.component_click(&not_helpful, &message))
        .await;
    assert!(content(&callback(&fake, &sent).await).contains("only the person who asked"));

    let sent = fake
        .send_interaction(InteractionSpec::guild().component_click(&not_helpful, &message))
        .await;
    let follow_up = callback(&fake, &sent).await;
    assert!(is_ephemeral(&follow_up));
    let offered = custom_ids(follow_up.json("/data").unwrap_or(&Value::Null));
    let contact = library()
        .faq()
        .texts()
        .contact
        .as_deref()
        .unwrap_or("\u{0}");
    assert!(
        offered.iter().any(|id| id.starts_with("faq:s:"))
            || content(&follow_up).contains(contact.trim()),
        "{}",
        content(&follow_up)
    );

    let sent = fake
        .send_interaction(InteractionSpec::guild().component_click(&not_helpful, &message))
        .await;
    assert!(content(&callback(&fake, &sent).await).contains("already rated"));
    let report = bot
        .report_when(|r| r.entries.first().is_some_and(|e| e.not_helpful > 0))
        .await;
    let entry = &report.entries[0];
    assert_eq!((entry.helpful, entry.not_helpful), (0, 1), "{entry:?}");
}

#[tokio::test]
async fn anyone_can_read_more_detail_which_only_they_see() {
    let fake = FakeDiscord::start().await;
    let _bot = start_bot(&fake).await;
    let message = cost_answer(&fake).await;
    let more = custom_id(&message, "faq:m:");
    assert_eq!(more, "faq:m:cost-insurance");
    let detail = library()
        .detail("cost-insurance")
        .expect("the entry has a detail");

    let stranger = stranger();
    for clicker in [stranger, InteractionSpec::guild()] {
        let sent = fake
            .send_interaction(clicker.component_click(&more, &message))
            .await;
        let response = callback(&fake, &sent).await;
        assert_eq!(response.json("/type"), Some(&json!(4)), "{}", fake.dump());
        assert!(is_ephemeral(&response), "only the clicker sees the detail");
        assert_eq!(content(&response), detail.text());
        assert!(content(&response).contains(disclaimer()));
        assert_eq!(response.json("/data/allowed_mentions"), Some(&no_pings()));
        assert!(custom_ids(response.json("/data").unwrap_or(&Value::Null)).is_empty());
    }
    assert!(
        !fake.requests().iter().any(|r| r.method == "PATCH"),
        "the posted answer stays as it was: {}",
        fake.dump()
    );

    let gone = fake
        .send_interaction(InteractionSpec::guild().component_click("faq:m:no-such-topic", &message))
        .await;
    let response = callback(&fake, &gone).await;
    assert!(is_ephemeral(&response));
    assert!(
        content(&response).contains("no more detail"),
        "{}",
        content(&response)
    );
}

#[tokio::test]
async fn the_asker_can_delete_an_answer_and_others_cannot() {
    let fake = FakeDiscord::start().await;
    let _bot = start_bot(&fake).await;
    let message = cost_answer(&fake).await;
    let delete = custom_id(&message, "faq:d:");
    let message_id = message["id"].as_str().unwrap_or_default().to_owned();
    let delete_path = format!(
        "/channels/{}/messages/{message_id}",
        FakeDiscord::CHANNEL_ID
    );

    let stranger = stranger();
    let sent = fake
        .send_interaction(stranger.component_click(&delete, &message))
        .await;
    assert!(content(&callback(&fake, &sent).await).contains("only the person who asked"));

    let sent = fake
        .send_interaction(InteractionSpec::guild().component_click(&delete, &message))
        .await;
    assert_eq!(callback(&fake, &sent).await.json("/type"), Some(&json!(6)));
    let deleted = fake
        .wait_for_request(|r| r.is("DELETE", &delete_path), TIMEOUT)
        .await;
    assert!(deleted.succeeded(), "{}", fake.dump());
}

#[tokio::test]
async fn moderator_commands_are_registered_for_manage_server_only() {
    const MANAGE_GUILD: &str = "32";
    let fake = FakeDiscord::start().await;
    let _bot = start_bot(&fake).await;

    let registration = fake
        .wait_for_request(
            |r| r.method == "PUT" && r.path.ends_with("/commands"),
            TIMEOUT,
        )
        .await;

    let commands = registration.body.clone().unwrap_or_default();
    let command = |name: &str| {
        commands
            .as_array()
            .into_iter()
            .flatten()
            .find(|c| c["name"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("no /{name} in {commands:#}"))
    };
    assert_eq!(
        command("faqmod")["default_member_permissions"],
        json!(MANAGE_GUILD)
    );
    assert_eq!(command("faq")["default_member_permissions"], Value::Null);
    for command in commands.as_array().into_iter().flatten() {
        let description = command["description"].as_str().unwrap_or_default();
        assert!(
            (1..=100).contains(&description.chars().count()),
            "{command:#}"
        );
    }
}
