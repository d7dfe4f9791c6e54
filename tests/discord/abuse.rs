//! Abuse: hostile text is never echoed with live Markdown or mentions, moderator commands are
//! refused server-side to non-moderators whatever Discord lets them invoke, and a flood from one
//! user gets one answer.

use std::time::Duration;

use serde_json::{json, Value};

use crate::bot::{
    answered_questions, disclaimer, is_log_post, is_reply_to, no_pings, reply_in, start_bot,
    start_bot_with, Options, COST_QUESTION, MOD_ROLE, OTHER_CHANNEL, OTHER_USER,
};
use crate::fake::{FakeDiscord, InteractionSpec, MessageSpec, TIMEOUT};
use crate::hostile::{echoed_marker, inputs};
use crate::interactions::{callback, content, is_ephemeral, sub, text_option};

/// Discord's limit on a message, in characters.
const MESSAGE_LIMIT: usize = 2_000;
/// Discord's limit on an autocomplete choice's name, in characters.
const CHOICE_NAME_LIMIT: usize = 100;

/// Every hostile input as a DM and as a mention: each gets a reply that echoes none of the planted
/// mentions, Markdown or direction overrides, and pings nobody.
#[tokio::test]
async fn hostile_messages_are_answered_without_echoing_them() {
    let fake = FakeDiscord::start().await;
    let _bot = start_bot(&fake).await;

    let mut sent = Vec::new();
    for input in inputs() {
        for spec in [
            MessageSpec::dm(&input),
            MessageSpec::mention(OTHER_CHANNEL, &input),
        ] {
            let channel = spec.channel_id;
            sent.push((channel, fake.send_message(spec).await));
        }
    }

    for (channel, id) in sent {
        let reply = reply_in(&fake, channel, id).await;
        assert!(reply.succeeded(), "{}", fake.dump());
        assert_eq!(reply.json("/allowed_mentions"), Some(&no_pings()));
        let text = reply
            .json("/content")
            .and_then(Value::as_str)
            .unwrap_or_default();
        assert_eq!(echoed_marker(text), None, "{text}");
        assert!(text.chars().count() <= MESSAGE_LIMIT, "{text}");
    }
}

/// The slash-command paths that take user text: `/faqmod test` (which shows how the question was
/// read, in a code block), `/faq ask`, `/faq topic` and its autocomplete. Nothing planted comes
/// back, code blocks stay closed, and everything fits Discord's limits.
#[tokio::test]
async fn hostile_command_input_is_never_echoed() {
    let fake = FakeDiscord::start().await;
    let _bot = start_bot(&fake).await;
    let moderator = InteractionSpec {
        roles: vec![MOD_ROLE],
        ..InteractionSpec::guild()
    };

    for input in inputs() {
        let question = json!([text_option("question", &input)]);
        let typed = json!([{"name": "topic", "type": 3, "value": input, "focused": true}]);
        let topic = json!([text_option("topic", &input)]);
        // (interaction, text its response shows when the command ran)
        let cases = [
            (
                moderator.slash_command("faqmod", sub("test", question.clone())),
                "normalised:",
            ),
            (
                moderator.slash_command("faq", sub("ask", question)),
                disclaimer(),
            ),
            (
                moderator.slash_command("faq", sub("topic", topic)),
                disclaimer(),
            ),
            (moderator.autocomplete("faq", sub("topic", typed)), ""),
        ];
        for (payload, shows) in cases {
            let sent = fake.send_interaction(payload).await;
            let response = callback(&fake, &sent).await;
            let data = response.json("/data").cloned().unwrap_or_default();
            assert_eq!(echoed_marker(&data.to_string()), None, "{data:#}");
            let text = content(&response);
            assert!(text.chars().count() <= MESSAGE_LIMIT, "{text}");
            assert_eq!(
                text.matches("```").count() % 2,
                0,
                "an open code block: {text}"
            );
            assert!(text.contains(shows), "{shows:?} not in {text}");
            for choice in data["choices"].as_array().into_iter().flatten() {
                let name = choice["name"].as_str().unwrap_or_default();
                assert!(name.chars().count() <= CHOICE_NAME_LIMIT, "{name}");
            }
        }
    }
}

/// The three moderator subcommands, as `who` invokes them.
fn moderator_commands(who: &InteractionSpec) -> [Value; 3] {
    [
        who.slash_command("faqmod", sub("reload", json!([]))),
        who.slash_command(
            "faqmod",
            sub("test", json!([text_option("question", COST_QUESTION)])),
        ),
        who.slash_command("faqmod", sub("stats", json!([]))),
    ]
}

/// A server admin can open `/faqmod` to everyone (Server Settings -> Integrations), and then
/// Discord delivers the interaction from anyone: the bot checks the member itself. With moderator
/// roles configured only those roles count (Manage Server and Administrator do not); without
/// them, Manage Server does; in a DM nobody is a moderator.
#[tokio::test]
async fn moderator_commands_are_refused_server_side_to_everyone_else() {
    let with_roles = FakeDiscord::start().await;
    let _with_roles_bot = start_bot(&with_roles).await;
    let without_roles = FakeDiscord::start().await;
    let options = Options {
        without_moderator_roles: true,
        ..Options::default()
    };
    let _without_roles_bot = start_bot_with(&without_roles, options).await;
    let member = InteractionSpec::guild();
    let manager = InteractionSpec {
        permissions: member.permissions | InteractionSpec::MANAGE_GUILD,
        ..InteractionSpec::guild()
    };
    let admin = InteractionSpec {
        permissions: member.permissions | InteractionSpec::ADMINISTRATOR,
        ..InteractionSpec::guild()
    };
    let refused = [
        (&with_roles, &member),
        (&with_roles, &manager),
        (&with_roles, &admin),
        (&without_roles, &member),
        (&without_roles, &InteractionSpec::dm()),
    ];

    for (case, (fake, who)) in refused.into_iter().enumerate() {
        for payload in moderator_commands(who) {
            let sent = fake.send_interaction(payload).await;
            let response = callback(fake, &sent).await;
            let text = content(&response);
            assert!(
                text.contains("only for moderators") || text.contains("only works in a server"),
                "case {case}: {text}"
            );
            assert!(is_ephemeral(&response), "case {case}");
            for leaked in ["decision:", "FAQ insights", "Reloaded"] {
                assert!(!text.contains(leaked), "case {case}: {text}");
            }
        }
    }
    let [_, test, _] = moderator_commands(&manager);
    let sent = without_roles.send_interaction(test).await;
    let allowed = callback(&without_roles, &sent).await;
    assert!(
        content(&allowed).contains("decision:"),
        "{}",
        content(&allowed)
    );
    for fake in [&with_roles, &without_roles] {
        assert!(
            !fake.requests().iter().any(is_log_post),
            "a refused reload ran"
        );
    }
}

/// One user sends 50 questions at once, in a support channel and in DMs, with a 60 s cooldown:
/// exactly one is answered; another user is answered meanwhile.
#[tokio::test]
async fn a_flood_from_one_user_gets_one_answer() {
    const FLOOD: usize = 50;
    let fake = FakeDiscord::start().await;
    let options = Options {
        cooldown_secs: 60,
        ..Options::default()
    };
    let _bot = start_bot_with(&fake, options).await;
    let questions = answered_questions();

    let mut flood = Vec::new();
    for (i, question) in questions.iter().cycle().take(FLOOD).enumerate() {
        let spec = if i % 2 == 0 {
            MessageSpec::guild(question)
        } else {
            MessageSpec::dm(question)
        };
        let channel = spec.channel_id;
        flood.push((channel, fake.send_message(spec).await));
    }
    let other = fake
        .send_message(MessageSpec {
            author_id: OTHER_USER,
            ..MessageSpec::guild(COST_QUESTION)
        })
        .await;
    reply_in(&fake, FakeDiscord::CHANNEL_ID, other).await;
    let is_flood_reply = |r: &crate::fake::RecordedRequest| {
        flood
            .iter()
            .any(|&(channel, id)| is_reply_to(r, channel, id))
    };
    fake.wait_for_request(is_flood_reply, TIMEOUT).await;
    fake.assert_no_request(is_flood_reply, Duration::from_secs(1))
        .await;

    let answered = fake.requests().iter().filter(|r| is_flood_reply(r)).count();
    assert_eq!(answered, 1, "{}", fake.dump());
}
