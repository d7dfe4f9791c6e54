//! The built `prolobot` binary, run as a new user would: empty environment, its own directory.

use serde_json::Value;

use crate::bot::{
    prolobot, reply_to, start_bot, temp_dir_with_faq, wait_output, wait_registered, COST_QUESTION,
};
use crate::fake::{Direction, FakeDiscord, MessageSpec, RecordedRequest, TIMEOUT};

/// A token value that must never show up in any output.
const SECRET: &str = "x-secret-token-value-that-must-not-leak";

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
    assert!(!stderr.contains(SECRET), "{stderr}");
}

#[test]
fn report_works_on_a_fresh_database() {
    let dir = tempfile::tempdir().expect("temp dir");

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
async fn a_rejected_token_is_a_clear_error_without_the_token() {
    let fake = FakeDiscord::start().await;
    fake.fail_next("GET", "/users/@me", 401, 1);
    let dir = temp_dir_with_faq();

    let child = prolobot(dir.path())
        .arg("run")
        .env("DISCORD_TOKEN", SECRET)
        .env("DISCORD_PROXY_URL", fake.base_url())
        .spawn()
        .expect("start prolobot");
    let output = wait_output(child).await;

    assert!(!output.status.success());
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("Discord rejected the token (401"),
        "{stderr}"
    );
    assert!(
        !stderr.contains(SECRET) && !text(&output.stdout).contains(SECRET),
        "{stderr}"
    );
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
    let dir = temp_dir_with_faq();
    let mut child = prolobot(dir.path())
        .arg("run")
        .env("DISCORD_TOKEN", "x")
        .env("DISCORD_PROXY_URL", fake.base_url())
        .env(
            "PROLOBOT_SUPPORT_CHANNELS",
            FakeDiscord::CHANNEL_ID.to_string(),
        )
        .env("PROLOBOT_COOLDOWN_SECS", "0")
        .spawn()
        .expect("start prolobot");
    wait_registered(&fake, &mut child).await;
    let id = fake.send_message(MessageSpec::guild(COST_QUESTION)).await;
    let answered = comparable(&reply_to(&fake, id).await);

    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("send SIGTERM");
    assert!(status.success());
    let output = tokio::time::timeout(TIMEOUT, wait_output(child))
        .await
        .expect("prolobot stops on SIGTERM");
    assert_eq!(answered, expected);
    assert!(output.status.success(), "{}", text(&output.stderr));
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
    let dir = temp_dir_with_faq();
    let mut child = prolobot(dir.path())
        .arg("run")
        .env("DISCORD_TOKEN", SECRET)
        .env("DISCORD_PROXY_URL", fake.base_url())
        .spawn()
        .expect("start prolobot");
    wait_registered(&fake, &mut child).await;

    fake.close_gateway(4014).await;

    let output = tokio::time::timeout(TIMEOUT, wait_output(child))
        .await
        .expect("prolobot stops on 4014");
    assert!(!output.status.success());
    let stderr = text(&output.stderr);
    assert!(stderr.contains("Message Content Intent"), "{stderr}");
    assert!(
        stderr.contains("PROLOBOT_MESSAGE_CONTENT=false"),
        "{stderr}"
    );
    assert!(!stderr.contains(SECRET), "{stderr}");
}
