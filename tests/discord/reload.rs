//! Hot reload of the FAQ file while the bot runs.

use std::fs::File;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::bot::{
    expected_text, is_log_post, prolobot, reply_to, settings, shipped_faq_text, start_bot,
    temp_dir_with_faq, Options, COST_QUESTION,
};
use crate::fake::{FakeDiscord, MessageSpec, TIMEOUT};

/// A question only [`PARKING_ENTRY`] answers.
pub const PARKING_QUESTION: &str = "where can I park my car at the clinic";

/// An entry the shipped FAQ does not have, for editing `faq.toml` while the bot runs.
pub const PARKING_ENTRY: &str = r#"
[[entry]]
id = "parking"
title = "Parking at the clinic"
medical = false
questions = [
  "where can I park my car at the clinic",
  "is there parking at the clinic",
  "where do I park for my appointment",
]
keywords = ["parking", "park", "car park"]
answer = "There is free parking behind the clinic."
"#;

/// Waits for log-channel post number `index` (from 0) and returns its text.
async fn log_post(fake: &FakeDiscord, index: usize) -> String {
    let started = Instant::now();
    while started.elapsed() < TIMEOUT {
        let post = fake.requests().into_iter().filter(is_log_post).nth(index);
        if let Some(post) = post.filter(|p| p.status.is_some()) {
            return post
                .json("/content")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("no log post {index} within {TIMEOUT:?}\n{}", fake.dump());
}

#[tokio::test]
async fn a_valid_edit_is_served_after_the_file_changes() {
    let fake = FakeDiscord::start().await;
    let bot = start_bot(&fake).await;

    std::fs::write(bot.faq_path(), shipped_faq_text() + PARKING_ENTRY).expect("edit faq.toml");

    let posted = log_post(&fake, 0).await;
    assert!(posted.starts_with("Reloaded"), "{posted}");
    let id = fake
        .send_message(MessageSpec::guild(PARKING_QUESTION))
        .await;
    let reply = reply_to(&fake, id).await;
    let content = reply
        .json("/content")
        .and_then(Value::as_str)
        .unwrap_or_default();
    assert!(content.contains("Parking at the clinic"), "{content}");
}

#[tokio::test]
async fn an_invalid_edit_is_reported_with_positions_and_the_old_faq_keeps_answering() {
    let fake = FakeDiscord::start().await;
    let bot = start_bot(&fake).await;
    let bad_id = PARKING_ENTRY.replace("id = \"parking\"", "id = \"Not Kebab\"");
    let broken = shipped_faq_text() + &bad_id;
    let broken_line = 1 + broken
        .lines()
        .position(|l| l.contains("Not Kebab"))
        .expect("bad id");

    std::fs::write(bot.faq_path(), broken).expect("break faq.toml");

    let posted = log_post(&fake, 0).await;
    assert!(posted.contains("reload failed"), "{posted}");
    assert!(
        posted.contains(&format!("faq.toml:{broken_line}:6: error:")),
        "{posted}"
    );
    let id = fake.send_message(MessageSpec::guild(COST_QUESTION)).await;
    let reply = reply_to(&fake, id).await;
    assert_eq!(
        reply.json("/content").and_then(Value::as_str),
        Some(expected_text(COST_QUESTION).as_str())
    );
}

/// The built binary at trace level with its log written into the FAQ's own folder (as
/// `prolobot run 2> prolobot.log` beside `faq.toml` does): the log never feeds the watch, so
/// neither the watcher's traces nor a reload show up, and a real edit still reloads.
#[tokio::test]
async fn a_trace_log_in_the_faqs_folder_does_not_feed_the_watch() {
    let fake = FakeDiscord::start().await;
    let dir = temp_dir_with_faq();
    let log_path = dir.path().join("prolobot.log");
    let mut child = prolobot(dir.path())
        .arg("run")
        .envs(settings(dir.path(), Options::default()))
        .env("DISCORD_TOKEN", "x")
        .env("DISCORD_PROXY_URL", fake.base_url())
        .env("RUST_LOG", "trace")
        .stdout(Stdio::null())
        .stderr(File::create(&log_path).expect("create the log"))
        .spawn()
        .expect("start prolobot");
    let killed = KillOnDrop(&mut child);
    fake.wait_for_request(
        |r| r.method == "PUT" && r.path.ends_with("/commands"),
        TIMEOUT,
    )
    .await;
    let id = fake.send_message(MessageSpec::guild(COST_QUESTION)).await;
    reply_to(&fake, id).await;

    std::fs::write(
        dir.path().join("faq.toml"),
        shipped_faq_text() + PARKING_ENTRY,
    )
    .expect("edit faq.toml");
    let posted = log_post(&fake, 0).await;
    assert!(posted.starts_with("Reloaded"), "{posted}");
    drop(killed);

    let log = std::fs::read_to_string(&log_path).expect("read the log");
    assert!(log.contains("TRACE"), "not at trace level");
    let watcher_lines: Vec<&str> = log
        .lines()
        .filter(|line| line.contains(" notify::"))
        .take(3)
        .collect();
    assert!(watcher_lines.is_empty(), "{watcher_lines:#?}");
    assert_eq!(
        log.matches("FAQ reloaded").count(),
        1,
        "one reload, for the edit"
    );
}

/// Kills the child process when dropped (also when the test fails).
struct KillOnDrop<'c>(&'c mut Child);

impl Drop for KillOnDrop<'_> {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
