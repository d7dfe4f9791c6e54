//! What the built binary's log holds about users: their text escaped, capped and only at debug
//! level, and never an interaction's token (which lets anyone answer in the bot's name for 15
//! minutes), whatever `RUST_LOG` says.

use serde_json::json;

use crate::bot::{reply_to, BinaryBot, Options, COST_QUESTION};
use crate::fake::{FakeDiscord, InteractionSpec, MessageSpec, TIMEOUT};
use crate::interactions::{sub, text_option};

/// A slash command, a button click on its answer, a failed callback and a follow-up, at trace
/// level: the tokens are in every request path serenity traces, and in the events it receives.
#[tokio::test]
async fn interaction_tokens_never_reach_the_log_at_trace_level() {
    let fake = FakeDiscord::start().await;
    let bot = BinaryBot::start(&fake, "x", Options::default(), &[("RUST_LOG", "trace")]).await;
    let ask = |question: &str| {
        let options = json!([text_option("question", question), {"name": "public", "type": 5, "value": true}]);
        InteractionSpec::guild().slash_command("faq", sub("ask", options))
    };

    let asked = fake.send_interaction(ask(COST_QUESTION)).await;
    let answered = fake
        .wait_for_request(|r| r.is("POST", &asked.callback_path()), TIMEOUT)
        .await;
    assert!(answered.succeeded(), "{}", fake.dump());
    fake.fail_next("POST", "/interactions/", 500, 1);
    let failed = fake.send_interaction(ask(COST_QUESTION)).await;
    let refused = fake
        .wait_for_request(|r| r.is("POST", &failed.callback_path()), TIMEOUT)
        .await;
    assert_eq!(refused.status, Some(500));
    let list = InteractionSpec::guild().slash_command("faq", sub("list", json!([])));
    let listed = fake.send_interaction(list).await;
    fake.wait_for_request(|r| r.is("POST", &listed.callback_path()), TIMEOUT)
        .await;
    let exited = bot.terminate().await;

    let log = &exited.stderr;
    assert!(log.contains("TRACE"), "not at trace level");
    assert!(
        log.contains("/interactions/") || log.contains("InteractionId"),
        "the interactions were traced: {log}"
    );
    let leaks: Vec<&str> = [&asked, &failed, &listed]
        .iter()
        .flat_map(|sent| log.match_indices(sent.token.as_str()))
        .map(|(at, _)| around(log, at))
        .collect();
    assert!(leaks.is_empty(), "the interaction token leaked: {leaks:#?}");
}

/// A question that tries to forge a log line and colour the terminal is one log line, escaped,
/// at debug level, and a long one is cut short.
#[tokio::test]
async fn user_text_is_one_escaped_capped_line_and_only_at_debug_level() {
    let forged = format!(
        "{COST_QUESTION}\n2026-01-01T00:00:00Z  INFO prolobot: forged \u{1b}[31mred\u{1b}[0m"
    );
    let lengthy = format!("{COST_QUESTION} {}", "very ".repeat(400));
    for (level, logged) in [("debug", true), ("prolobot=info", false)] {
        let fake = FakeDiscord::start().await;
        let bot = BinaryBot::start(&fake, "x", Options::default(), &[("RUST_LOG", level)]).await;
        for question in [&forged, &lengthy] {
            let id = fake.send_message(MessageSpec::guild(question)).await;
            reply_to(&fake, id).await;
        }
        let exited = bot.terminate().await;

        let log = &exited.stderr;
        assert!(!log.contains('\u{1b}'), "an escape code passed: {log:?}");
        assert!(
            !log.lines()
                .any(|line| line.starts_with("2026-01-01T00:00:00Z")),
            "a forged line: {log}"
        );
        let questions: Vec<&str> = log
            .lines()
            .filter(|line| line.contains("how much does prolotherapy cost"))
            .collect();
        if !logged {
            assert!(
                questions.is_empty(),
                "user text above debug: {questions:#?}"
            );
            continue;
        }
        assert_eq!(questions.len(), 2, "{log}");
        assert!(
            questions[0].contains(r"\n2026-01-01") && questions[0].contains(r"\u{1b}[31m"),
            "{}",
            questions[0]
        );
        assert!(questions[1].contains('…'), "not capped: {}", questions[1]);
        assert!(questions[1].len() < 600, "not capped: {}", questions[1]);
    }
}

/// Up to 80 bytes of `log` either side of byte `at`, within its line.
fn around(log: &str, at: usize) -> &str {
    let line = log[..at].rfind('\n').map_or(0, |start| start + 1);
    let end = log[at..].find('\n').map_or(log.len(), |end| at + end);
    let from = (line..=at)
        .find(|&i| i + 80 >= at && log.is_char_boundary(i))
        .unwrap_or(at);
    let to = (at..=end)
        .rev()
        .find(|&i| i <= at + 120 && log.is_char_boundary(i))
        .unwrap_or(at);
    &log[from..to]
}
