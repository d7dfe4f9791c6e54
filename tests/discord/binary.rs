//! The built `prolobot` binary, run as a new user would: empty environment, its own directory.

use std::fmt::Write as _;

use serde_json::Value;

use crate::bot::{
    is_reply_to, prolobot, reply_to, start_bot, temp_dir_with_faq, BinaryBot, Options, ALERT_ROLE,
    COST_QUESTION, LOG_CHANNEL,
};
use crate::fake::{Direction, FakeDiscord, MessageSpec, RecordedRequest, TIMEOUT};

/// A token value that must never show up in any output.
const SECRET: &str = "prolobot-secret-TOKEN-1234";

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn run_without_a_token_explains_how_to_get_one() {
    let dir = temp_dir_with_faq();

    let output = prolobot(dir.path())
        .arg("run")
        .output()
        .expect("run prolobot");

    assert!(!output.status.success());
    let stderr = text(&output.stderr);
    for needle in ["DISCORD_TOKEN", "Reset Token", ".env", "prolobot chat"] {
        assert!(stderr.contains(needle), "{needle}: {stderr}");
    }
}

#[test]
fn run_refuses_an_invalid_faq_and_shows_where() {
    let dir = temp_dir_with_faq();
    std::fs::write(dir.path().join("faq.toml"), "[texts]\ndisclaimer = 3\n").expect("write");

    let output = prolobot(dir.path())
        .arg("run")
        .env("DISCORD_TOKEN", SECRET)
        .output()
        .expect("run prolobot");

    assert!(!output.status.success());
    let stderr = text(&output.stderr);
    assert!(stderr.contains("faq.toml:2:"), "{stderr}");
    assert_secret_absent(&stderr, SECRET);
}

#[test]
fn report_works_on_a_fresh_database() {
    let dir = tempfile::tempdir().expect("temp dir");
    // `report` reads only a database that exists, as the bot leaves it on its first start.
    prolobot::store::Store::open(&dir.path().join("prolobot.db")).expect("a fresh database");

    let output = prolobot(dir.path())
        .arg("report")
        .output()
        .expect("run prolobot");
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(
        text(&output.stdout).contains("Questions: 0"),
        "{}",
        text(&output.stdout)
    );

    let output = prolobot(dir.path())
        .args(["report", "--since-days", "7", "--export", "csv"])
        .output()
        .expect("run prolobot");
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(
        text(&output.stdout).starts_with("section,key,"),
        "{}",
        text(&output.stdout)
    );
}

#[tokio::test]
async fn a_rejected_token_is_a_clear_error_without_the_token_even_at_trace_level() {
    let fake = FakeDiscord::start().await;
    fake.fail_next("GET", "/users/@me", 401, 1);

    let bot = BinaryBot::spawn(&fake, SECRET, Options::default(), &[("RUST_LOG", "trace")]);
    let exited = bot.wait_exit().await;

    assert!(!exited.status.success());
    assert!(
        exited.stderr.contains("Discord rejected the token (401"),
        "{}",
        exited.stderr
    );
    assert_secret_absent(&exited.stdout, SECRET);
    assert_secret_absent(&exited.stderr, SECRET);
}

/// Runs the binary at the most verbose log level through start-up, an answered question, a
/// failed reply (500), a reply refused once with a 429 (sent again), another answered question
/// and a SIGTERM shutdown: the token is sent to Discord on every request but never written to
/// stdout or stderr, in clear or hex-encoded (how websocket libraries trace frames).
#[tokio::test]
async fn the_token_never_appears_in_the_output_at_trace_level() {
    let fake = FakeDiscord::start().await;
    let bot = BinaryBot::start(&fake, SECRET, Options::default(), &[("RUST_LOG", "trace")]).await;

    let first = fake.send_message(MessageSpec::guild(COST_QUESTION)).await;
    assert!(reply_to(&fake, first).await.succeeded());
    let mut refused = 0;
    for status in [500, 429] {
        fake.fail_next("POST", "/channels/", status, 1);
        refused = fake.send_message(MessageSpec::guild(COST_QUESTION)).await;
        assert_eq!(reply_to(&fake, refused).await.status, Some(status));
    }
    // The reply refused with 429 is sent again, and goes through.
    fake.wait_for_arrival(
        |r| is_reply_to(r, FakeDiscord::CHANNEL_ID, refused) && r.succeeded(),
        TIMEOUT,
    )
    .await;
    let last = fake.send_message(MessageSpec::guild(COST_QUESTION)).await;
    assert!(reply_to(&fake, last).await.succeeded());
    let exited = bot.terminate().await;

    assert!(exited.status.success(), "{}", exited.stderr);
    let authorization = format!("Bot {SECRET}");
    assert!(fake
        .requests()
        .iter()
        .all(|r| r.header("authorization") == Some(authorization.as_str())));
    let log = &exited.stderr;
    assert!(log.contains("TRACE"), "not at trace level: {log}");
    let failures: Vec<&str> = log
        .lines()
        .filter(|line| line.contains("WARN") && line.contains("event handling failed"))
        .collect();
    assert_eq!(
        failures.len(),
        1,
        "the failed reply is logged once: {failures:#?}"
    );
    assert_secret_absent(&exited.stdout, SECRET);
    assert_secret_absent(log, SECRET);
}

/// `.env` holds the token, so git must ignore it wherever it is; git itself is asked too when
/// this is a checkout (which also catches a `.env` already committed, or a later `!.env`).
#[test]
fn env_files_are_git_ignored() {
    let root = env!("CARGO_MANIFEST_DIR");
    let gitignore = std::fs::read_to_string(format!("{root}/.gitignore")).expect(".gitignore");
    assert!(gitignore.lines().any(|l| l.trim() == ".env"), "{gitignore}");
    for path in [".env", "deploy/.env"] {
        let checked = std::process::Command::new("git")
            .args(["check-ignore", "--quiet", path])
            .current_dir(root)
            .status();
        // 0: ignored; 1: not ignored; 128 or no git: not a checkout.
        if let Ok(status) = checked {
            assert_ne!(status.code(), Some(1), "git does not ignore {path}");
        }
    }
}

/// Panics if `output` holds `secret` in clear or as hex (either case).
fn assert_secret_absent(output: &str, secret: &str) {
    let hex = secret.bytes().fold(String::new(), |mut hex, byte| {
        let _ = write!(hex, "{byte:02x}");
        hex
    });
    for form in [secret.to_owned(), hex.clone(), hex.to_uppercase()] {
        if let Some(at) = output.find(&form) {
            let from = output[..at]
                .char_indices()
                .rev()
                .nth(300)
                .map_or(0, |(i, _)| i);
            panic!(
                "the token leaked ({} bytes of output); around it:\n{}",
                output.len(),
                &output[from..at]
            );
        }
    }
}

/// What a reply request says, without the ids that differ between two runs.
fn comparable(reply: &RecordedRequest) -> Value {
    let mut body = reply.body.clone().unwrap_or_default();
    body["message_reference"]["message_id"] = Value::Null;
    body
}

#[tokio::test]
async fn the_binary_behind_a_proxy_answers_exactly_as_the_in_process_client() {
    let in_process = FakeDiscord::start().await;
    let _bot = start_bot(&in_process).await;
    let id = in_process
        .send_message(MessageSpec::guild(COST_QUESTION))
        .await;
    let expected = comparable(&reply_to(&in_process, id).await);

    let fake = FakeDiscord::start().await;
    let bot = BinaryBot::start(&fake, "x", Options::default(), &[]).await;
    let id = fake.send_message(MessageSpec::guild(COST_QUESTION)).await;
    let answered = comparable(&reply_to(&fake, id).await);

    let exited = bot.terminate().await;
    assert_eq!(answered, expected);
    assert!(exited.status.success(), "{}", exited.stderr);
    let closed = fake.gateway_frames().iter().any(|f| {
        f.direction == Direction::FromBot && f.payload == serde_json::json!({"close": 1000})
    });
    assert!(closed, "{}", fake.dump());
    let requests = fake.requests();
    assert!(
        requests.iter().any(|r| r.is("GET", "/gateway/bot")),
        "autosharding asks for the shard count"
    );
    assert!(requests
        .iter()
        .all(|r| r.header("authorization") == Some("Bot x")));
}

#[tokio::test]
async fn a_refused_message_content_intent_is_a_clear_error() {
    let fake = FakeDiscord::start().await;
    let bot = BinaryBot::start(&fake, SECRET, Options::default(), &[]).await;

    fake.close_gateway(4014).await;

    let exited = bot.wait_exit().await;
    assert!(!exited.status.success());
    let stderr = &exited.stderr;
    assert!(stderr.contains("Message Content Intent"), "{stderr}");
    assert!(
        stderr.contains("PROLOBOT_MESSAGE_CONTENT=false"),
        "{stderr}"
    );
    assert_secret_absent(stderr, SECRET);
}

/// One summary at start-up: what runs where, and how to invite the bot; never the token.
#[tokio::test]
async fn the_binary_logs_one_startup_summary_without_the_token() {
    let fake = FakeDiscord::start().await;
    let bot = BinaryBot::start(&fake, SECRET, Options::default(), &[]).await;
    let faq = bot.dir.path().join("faq.toml");
    let db = bot.dir.path().join("prolobot.db");
    let exited = bot.terminate().await;

    let log = &exited.stderr;
    let lines = [
        format!(
            "prolobot {} starting as prolobot (user id {})",
            env!("CARGO_PKG_VERSION"),
            FakeDiscord::BOT_ID
        ),
        format!("  FAQ: {} (18 entries)", faq.display()),
        format!(
            "  database: {} (questions recorded, kept 90 days)",
            db.display()
        ),
        format!("  support channels: {}", FakeDiscord::CHANNEL_ID),
        format!("  log channel: {LOG_CHANNEL}"),
        format!("  alert role: {ALERT_ROLE}"),
        "  intents: GUILD_MESSAGES, DIRECT_MESSAGES, MESSAGE_CONTENT".to_owned(),
        "  slash commands: registered globally (they can take a while to appear)".to_owned(),
        format!(
            "  invite link: https://discord.com/oauth2/authorize?client_id={}&scope=bot+applications.commands&permissions=274877975552",
            FakeDiscord::APP_ID
        ),
    ];
    let at = log
        .find(&lines[0])
        .unwrap_or_else(|| panic!("no summary: {log}"));
    let summary: Vec<&str> = log[at..].lines().take(lines.len()).collect();
    assert_eq!(summary, lines);
    assert_eq!(log.matches("starting as").count(), 1, "{log}");
    assert_secret_absent(log, SECRET);
}
