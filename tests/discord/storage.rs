//! The insights database as the bot uses it: another process holding its write lock holds back
//! no reply, vote or `/faqmod stats`, and the rows land once it lets go; a question is recorded
//! only once its reply went out; a DM's row keeps no channel id; a database deleted while the
//! bot runs is created again and later questions are kept; a file-size limit does not kill the
//! built binary.

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension};
use serde_json::Value;

use crate::bot::{
    custom_id, is_reply_to, reply_in, reply_to, start_bot, BinaryBot, Bot, Options, COST_QUESTION,
    MOD_ROLE,
};
use crate::fake::{FakeDiscord, InteractionSpec, MessageSpec, RecordedRequest, TIMEOUT};
use crate::interactions::{callback, content, is_ephemeral, sub};

/// Longer than the bot needs with the database locked (milliseconds), far shorter than the
/// 20 × 5 s the questions took when each waited for the lock: only a reply held back by the
/// lock misses it.
const REPLIES_WITHIN: Duration = Duration::from_secs(15);

/// A second connection to the bot's database, as another process would open it.
fn other_process(bot: &Bot) -> Connection {
    Connection::open(db(bot.dir.path())).expect("open the bot's database")
}

fn db(dir: &Path) -> std::path::PathBuf {
    dir.join("prolobot.db")
}

/// The single integer `sql` returns, read through a connection of its own; `None` while the
/// database is missing.
fn count(dir: &Path, sql: &str) -> Option<i64> {
    let path = db(dir);
    if !path.exists() {
        return None;
    }
    let conn = Connection::open(&path).ok()?;
    conn.query_row(sql, [], |row| row.get(0)).optional().ok()?
}

/// Waits (up to [`TIMEOUT`]) until `sql` counts `expected`; returns the last count seen.
async fn count_when(dir: &Path, sql: &str, expected: i64) -> Option<i64> {
    let deadline = tokio::time::Instant::now() + TIMEOUT;
    loop {
        let seen = count(dir, sql);
        if seen == Some(expected) || tokio::time::Instant::now() >= deadline {
            return seen;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_database_locked_by_another_process_holds_back_no_reply_vote_or_stats() {
    const QUESTIONS: i64 = 20;
    let fake = FakeDiscord::start().await;
    let bot = start_bot(&fake).await;
    let other = other_process(&bot);
    other
        .execute_batch("BEGIN IMMEDIATE")
        .expect("take the write lock");

    let since = fake.request_count();
    let mut asked = Vec::new();
    for _ in 0..QUESTIONS {
        asked.push(fake.send_message(MessageSpec::guild(COST_QUESTION)).await);
    }
    let replies = fake
        .wait_for_requests(
            since,
            |r| {
                asked
                    .iter()
                    .any(|&id| is_reply_to(r, FakeDiscord::CHANNEL_ID, id))
            },
            QUESTIONS as usize,
            REPLIES_WITHIN,
        )
        .await;
    assert!(
        replies.iter().all(RecordedRequest::succeeded),
        "{}",
        fake.dump()
    );

    // A vote on one of them, while the lock is still held.
    let message = replies[0].response.clone().expect("the posted reply");
    let helpful = custom_id(&message, "faq:v:");
    assert!(helpful.ends_with(":1"), "{helpful}");
    let click = fake
        .send_interaction(InteractionSpec::guild().component_click(&helpful, &message))
        .await;
    let thanked = fake
        .wait_for_request(|r| r.is("POST", &click.callback_path()), REPLIES_WITHIN)
        .await;
    assert!(
        content(&thanked).contains("Thanks"),
        "{}",
        content(&thanked)
    );

    // `/faqmod stats` reads through its own connection: it answers while the lock is held.
    let moderator = InteractionSpec {
        roles: vec![MOD_ROLE],
        ..InteractionSpec::guild()
    };
    let stats = fake
        .send_interaction(moderator.slash_command("faqmod", sub("stats", serde_json::json!([]))))
        .await;
    let deferred = callback(&fake, &stats).await;
    assert_eq!(deferred.json("/type"), Some(&serde_json::json!(5)));
    assert!(is_ephemeral(&deferred));
    let report = fake
        .wait_for_request(|r| r.is("POST", &stats.webhook_path()), REPLIES_WITHIN)
        .await;
    let text = report
        .json("/content")
        .and_then(Value::as_str)
        .unwrap_or_default();
    assert!(text.contains("FAQ insights"), "{text}");

    let sql = "SELECT COUNT(*) FROM questions";
    assert_eq!(count(bot.dir.path(), sql), Some(0), "nothing written yet");
    other.execute_batch("COMMIT").expect("release the lock");
    let written = count_when(bot.dir.path(), sql, QUESTIONS).await;
    assert_eq!(written, Some(QUESTIONS));
    let votes = count_when(
        bot.dir.path(),
        "SELECT COUNT(*) FROM votes WHERE helpful = 1",
        1,
    )
    .await;
    assert_eq!(votes, Some(1));
}

#[tokio::test]
async fn a_question_whose_reply_failed_is_not_recorded_as_handled() {
    let fake = FakeDiscord::start().await;
    let bot = start_bot(&fake).await;
    fake.fail_next("POST", "/channels/", 500, 1);
    let failed = fake.send_message(MessageSpec::guild(COST_QUESTION)).await;
    assert_eq!(reply_to(&fake, failed).await.status, Some(500));
    let answered = fake.send_message(MessageSpec::guild(COST_QUESTION)).await;
    let reply = reply_to(&fake, answered).await;
    assert!(reply.succeeded());

    // The answered question's vote buttons carry its id: that row is there, alone.
    let message = reply.response.clone().expect("the posted reply");
    let vote = custom_id(&message, "faq:v:");
    let id: i64 = vote
        .split(':')
        .nth(3)
        .and_then(|id| id.parse().ok())
        .expect("a row id");
    let sql = format!("SELECT COUNT(*) FROM questions WHERE id = {id}");
    assert_eq!(count_when(bot.dir.path(), &sql, 1).await, Some(1));
    assert_eq!(
        count(bot.dir.path(), "SELECT COUNT(*) FROM questions"),
        Some(1),
        "the question whose reply failed was recorded"
    );
}

#[tokio::test]
async fn a_direct_message_row_keeps_no_channel_id() {
    let fake = FakeDiscord::start().await;
    let bot = start_bot(&fake).await;
    let asked = fake.send_message(MessageSpec::dm(COST_QUESTION)).await;
    assert!(reply_in(&fake, FakeDiscord::DM_CHANNEL_ID, asked)
        .await
        .succeeded());

    let dir = bot.dir.path();
    let sql = "SELECT COUNT(*) FROM questions WHERE guild_id IS NULL";
    assert_eq!(count_when(dir, sql, 1).await, Some(1));
    assert_eq!(
        count(
            dir,
            "SELECT channel_id FROM questions WHERE guild_id IS NULL"
        ),
        Some(0),
        "a DM row stores the marker, not the DM channel"
    );
    let dm_channel = FakeDiscord::DM_CHANNEL_ID;
    let anywhere = format!("SELECT COUNT(*) FROM questions WHERE channel_id = {dm_channel}");
    assert_eq!(count(dir, &anywhere), Some(0));
}

#[tokio::test]
async fn a_database_deleted_while_running_is_created_again_and_later_rows_are_kept() {
    let fake = FakeDiscord::start().await;
    let bot = start_bot(&fake).await;
    let dir = bot.dir.path();
    let first = fake.send_message(MessageSpec::guild(COST_QUESTION)).await;
    reply_to(&fake, first).await;
    let sql = "SELECT COUNT(*) FROM questions";
    assert_eq!(count_when(dir, sql, 1).await, Some(1));

    for name in ["prolobot.db", "prolobot.db-wal", "prolobot.db-shm"] {
        let _ = std::fs::remove_file(dir.join(name));
    }
    let second = fake.send_message(MessageSpec::guild(COST_QUESTION)).await;
    reply_to(&fake, second).await;
    assert_eq!(
        count_when(dir, sql, 1).await,
        Some(1),
        "the question asked after the deletion is in a new database at the same path"
    );
    assert_eq!(
        count(dir, "SELECT COUNT(*) FROM questions WHERE id > 1"),
        Some(1),
        "ids go on from the deleted file's, so old vote buttons never hit new rows"
    );
}

/// `ulimit -f` set on the running binary (with `prlimit`) below what its database needs: the
/// writes past it fail and are logged, the process keeps answering and stops cleanly. Without a
/// handler, `SIGXFSZ` kills it at the first such write.
#[tokio::test]
async fn a_file_size_limit_fails_writes_but_does_not_kill_the_binary() {
    const QUESTIONS: usize = 40;
    /// Above the log files' size for this test, below the WAL's after a few commits.
    const LIMIT_BYTES: u64 = 96 * 1024;
    if std::process::Command::new("prlimit")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("skipped: prlimit (util-linux) is not installed");
        return;
    }
    let fake = FakeDiscord::start().await;
    let bot = BinaryBot::start(&fake, "x", Options::default(), &[]).await;
    let limited = std::process::Command::new("prlimit")
        .arg(format!("--pid={}", bot.pid()))
        .arg(format!("--fsize={LIMIT_BYTES}:{LIMIT_BYTES}"))
        .status()
        .expect("run prlimit");
    assert!(limited.success());

    for _ in 0..QUESTIONS {
        let asked = fake.send_message(MessageSpec::guild(COST_QUESTION)).await;
        assert!(reply_to(&fake, asked).await.succeeded(), "{}", bot.stderr());
    }
    let dir = bot.dir.path().to_owned();
    let exited = bot.terminate().await;
    assert!(
        exited.status.success(),
        "{:?}\n{}",
        exited.status,
        exited.stderr
    );
    assert!(
        exited.stderr.contains("file-size limit"),
        "the limit is named in the log:\n{}",
        exited.stderr
    );
    let failures = exited
        .stderr
        .matches("could not write to the insights database")
        .count();
    assert!(
        (1..=2).contains(&failures),
        "failed writes are logged once a minute at most, then counted at exit: {failures}\n{}",
        exited.stderr
    );
    let wal = std::fs::metadata(dir.join("prolobot.db-wal")).map_or(0, |meta| meta.len());
    assert!(wal <= LIMIT_BYTES, "the WAL grew past the limit: {wal}");
}
