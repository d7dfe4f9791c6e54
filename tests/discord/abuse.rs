//! Abuse: hostile text is never echoed with live Markdown or mentions, moderator commands are
//! refused server-side to non-moderators whatever Discord lets them invoke, a flood from one
//! user gets one answer, an emergency flood one full reply and pointers to it, and mentions or
//! masked links a moderator wrote into an answer are posted inert.

use std::time::Duration;

use serde_json::{json, Value};

use prolobot_core::Tier;

use crate::bot::{
    answered_questions, disclaimer, expected_text, is_log_post, is_reply_to, library, no_pings,
    reply_in, reply_to, shipped_faq_text, start_bot, start_bot_with, Options, COST_QUESTION,
    MOD_ROLE, OTHER_CHANNEL, OTHER_USER,
};
use crate::fake::{FakeDiscord, InteractionSpec, MessageSpec, TIMEOUT};
use crate::hostile::{echoed_marker, inputs};
use crate::interactions::{callback, content, is_ephemeral, sub, text_option};
use crate::reload::{PARKING_ENTRY, PARKING_QUESTION};

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

/// An emergency written as people write it.
const EMERGENCY: &str = "I have crushing chest pain right now";
/// A crisis, another tier than [`EMERGENCY`].
const CRISIS: &str = "honestly i'd rather not be here anymore, everyone would be better off";

fn text_of(request: &crate::fake::RecordedRequest) -> &str {
    request
        .json("/content")
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// One user reports the same emergency 30 times at once in a support channel: one full reply,
/// and 29 that lead with the tier's guidance, point at that reply and carry the disclaimer.
/// Another user still gets the full reply, and the same user's crisis (another tier) too.
#[tokio::test]
async fn an_emergency_flood_gets_one_full_reply_and_pointers_to_it() {
    const FLOOD: usize = 30;
    assert_eq!(library().decide(EMERGENCY).tier(), Some(Tier::Emergency));
    assert_eq!(library().decide(CRISIS).tier(), Some(Tier::Crisis));
    let fake = FakeDiscord::start().await;
    let _bot = start_bot(&fake).await;
    let full = expected_text(EMERGENCY);
    let emergency_line = format!("🚨 {}", library().faq().texts().emergency.trim());

    let mut flood = Vec::new();
    for _ in 0..FLOOD {
        flood.push(fake.send_message(MessageSpec::guild(EMERGENCY)).await);
    }
    let mut replies = Vec::new();
    for &id in &flood {
        replies.push(reply_to(&fake, id).await);
    }
    let mut full_replies = replies.iter().filter(|r| text_of(r) == full);
    let first = full_replies.next().expect("one full reply");
    assert!(full_replies.next().is_none(), "only one full reply");
    let first_id = first
        .response
        .as_ref()
        .and_then(|message| message["id"].as_str())
        .expect("the posted message's id");
    let link = format!(
        "https://discord.com/channels/{}/{}/{first_id}",
        FakeDiscord::GUILD_ID,
        FakeDiscord::CHANNEL_ID
    );
    let short: Vec<&str> = replies
        .iter()
        .map(text_of)
        .filter(|text| *text != full)
        .collect();
    assert_eq!(short.len(), FLOOD - 1);
    for text in short {
        assert!(text.starts_with(&emergency_line), "{text}");
        assert!(text.contains(&link), "{text}");
        assert!(text.contains(disclaimer()), "{text}");
        assert!(text.chars().count() < full.chars().count(), "{text}");
    }

    let other = fake
        .send_message(MessageSpec {
            author_id: OTHER_USER,
            ..MessageSpec::guild(EMERGENCY)
        })
        .await;
    assert_eq!(text_of(&reply_to(&fake, other).await), full);
    let crisis = fake.send_message(MessageSpec::guild(CRISIS)).await;
    assert_eq!(
        text_of(&reply_to(&fake, crisis).await),
        expected_text(CRISIS)
    );
}

/// An answer a moderator wrote with `@everyone`, a role mention and a masked link to a domain
/// its sources do not have: the reload report warns, and the posted answer shows all of it as
/// inert text with the link's real address.
#[tokio::test]
async fn mentions_and_masked_links_in_an_answer_are_posted_inert() {
    const QUESTION: &str = PARKING_QUESTION;
    let entry = PARKING_ENTRY.replace(
        "answer = \"There is free parking behind the clinic.\"",
        "answer = \"@everyone: ask <@&42> for a permit, see [clinic.example](https://evil.example/park).\"",
    );
    let fake = FakeDiscord::start().await;
    let bot = start_bot(&fake).await;

    std::fs::write(bot.faq_path(), shipped_faq_text() + &entry).expect("edit faq.toml");
    let report = fake.wait_for_request(is_log_post, TIMEOUT).await;
    let report = text_of(&report);
    assert!(report.starts_with("Reloaded"), "{report}");
    for warned in [
        "`parking`, `answer`",
        "everyone",
        "mentions a role",
        "evil.example",
    ] {
        assert!(report.contains(warned), "{warned:?} not in {report}");
    }

    let id = fake.send_message(MessageSpec::guild(QUESTION)).await;
    let reply = reply_to(&fake, id).await;
    let text = text_of(&reply);
    assert!(
        text.contains(
            "@\u{200b}everyone: ask <@\u{200b}&42> for a permit, see clinic.example (https://evil.example/park)."
        ),
        "{text}"
    );
    for live in ["@everyone", "<@&42>", "](https://"] {
        assert!(!text.contains(live), "{live:?} posted live: {text}");
    }
    assert_eq!(reply.json("/allowed_mentions"), Some(&no_pings()));
}
