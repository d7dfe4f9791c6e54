//! Starting the real prolobot adapter against a [`FakeDiscord`], and helpers to read its replies.

use std::collections::HashMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use prolobot::config::Config;
use prolobot::discord::{build_client, KnowledgeBase};
use prolobot::report::{self, Report};
use prolobot::store::{ReportQuery, Store};
use prolobot_core::{Analyzer, Faq, Knowledge};
use serde_json::Value;
use serenity::all::HttpBuilder;
use tempfile::TempDir;
use tokio::task::JoinHandle;

use crate::fake::{FakeDiscord, RecordedRequest, TIMEOUT};

/// A guild channel that is not a support channel.
pub const OTHER_CHANNEL: u64 = 300_000_000_000_000_003;
/// The log channel reload results go to.
pub const LOG_CHANNEL: u64 = 300_000_000_000_000_009;
/// Another human.
pub const OTHER_USER: u64 = 400_000_000_000_000_002;
/// The configured moderator role.
pub const MOD_ROLE: u64 = 500_000_000_000_000_001;
/// The role safety alerts ping.
pub const ALERT_ROLE: u64 = 500_000_000_000_000_007;

/// A question the shipped FAQ answers with `cost-insurance`.
pub const COST_QUESTION: &str = "how much does prolotherapy cost";

/// Settings that differ between tests. Both limits are off by default so that tests can ask
/// several questions; the tests of the limits turn them on.
#[derive(Clone, Copy, Default)]
pub struct Options {
    pub cooldown_secs: u64,
    pub repeat_window_secs: u64,
    pub without_message_content: bool,
    /// No moderator roles: Manage Server (or Administrator) makes a moderator.
    pub without_moderator_roles: bool,
}

/// The settings every test bot runs with, as the environment would give them: support channel
/// [`FakeDiscord::CHANNEL_ID`], moderator role [`MOD_ROLE`], log channel [`LOG_CHANNEL`], alert
/// role [`ALERT_ROLE`], FAQ and database in `dir`.
pub fn settings(dir: &Path, options: Options) -> HashMap<&'static str, String> {
    let moderator_roles = if options.without_moderator_roles {
        String::new()
    } else {
        MOD_ROLE.to_string()
    };
    HashMap::from([
        ("PROLOBOT_FAQ", dir.join("faq.toml").display().to_string()),
        ("PROLOBOT_DB", dir.join("prolobot.db").display().to_string()),
        (
            "PROLOBOT_SUPPORT_CHANNELS",
            FakeDiscord::CHANNEL_ID.to_string(),
        ),
        ("PROLOBOT_MODERATOR_ROLES", moderator_roles),
        ("PROLOBOT_LOG_CHANNEL", LOG_CHANNEL.to_string()),
        ("PROLOBOT_ALERT_ROLE", ALERT_ROLE.to_string()),
        ("PROLOBOT_COOLDOWN_SECS", options.cooldown_secs.to_string()),
        (
            "PROLOBOT_REPEAT_WINDOW_SECS",
            options.repeat_window_secs.to_string(),
        ),
        (
            "PROLOBOT_MESSAGE_CONTENT",
            (!options.without_message_content).to_string(),
        ),
    ])
}

/// The shipped `faq.toml`, read once so that every bot and every expectation in this run uses
/// the same text even if someone edits the file meanwhile.
pub fn shipped_faq_text() -> String {
    static TEXT: OnceLock<String> = OnceLock::new();
    TEXT.get_or_init(|| {
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/faq.toml")).expect("faq.toml")
    })
    .clone()
}

/// A temp directory holding a copy of the shipped FAQ.
pub fn temp_dir_with_faq() -> TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("faq.toml"), shipped_faq_text()).expect("copy faq.toml");
    dir
}

/// The shipped FAQ and its matcher, as the library builds them, for expected replies.
pub fn library() -> &'static Knowledge {
    static KNOWLEDGE: OnceLock<Knowledge> = OnceLock::new();
    KNOWLEDGE.get_or_init(|| {
        let faq = Faq::from_toml_str(&shipped_faq_text()).expect("shipped FAQ");
        Knowledge::new(faq.faq)
    })
}

/// The text the composer gives for `question` on the shipped FAQ.
pub fn expected_text(question: &str) -> String {
    library().respond(question).reply().text().to_owned()
}

/// The shipped FAQ's disclaimer.
pub fn disclaimer() -> &'static str {
    library().faq().texts().disclaimer.trim()
}

/// A running prolobot client and its temp directory (FAQ copy and database).
pub struct Bot {
    /// `Bot::run`: ends after a shutdown (see [`Bot::stop`]) and the drain.
    pub client: JoinHandle<Result<(), prolobot::discord::Error>>,
    pub dir: TempDir,
    /// Sending (or dropping) this is the bot's SIGTERM.
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Bot {
    /// Asks the bot to shut down, as SIGTERM does for the binary.
    pub fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }

    /// The FAQ file the bot serves and watches.
    pub fn faq_path(&self) -> PathBuf {
        self.dir.path().join("faq.toml")
    }

    /// The insights report, read through a second connection to the bot's database, once
    /// `written` holds for it: the bot writes its rows through a queue, shortly after replying.
    pub async fn report_when(&self, written: impl Fn(&Report) -> bool) -> Report {
        report_in_when(self.dir.path(), written).await
    }
}

/// The report of the database in `dir` once `written` holds for it, or after [`TIMEOUT`] (the
/// caller's assertion then says what is missing).
pub async fn report_in_when(dir: &Path, written: impl Fn(&Report) -> bool) -> Report {
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let report = report_in(dir);
        if written(&report) || Instant::now() >= deadline {
            return report;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The insights report of the database a bot keeps in `dir` (see [`settings`]).
pub fn report_in(dir: &Path) -> Report {
    let rows = Store::open(&dir.join("prolobot.db"))
        .expect("open the bot's db")
        .report_rows(&ReportQuery::default())
        .expect("report rows");
    let analyzer = Analyzer::default();
    report::build(rows, &|text| analyzer.terms(text))
}

/// Starts the bot with the default [`Options`].
pub async fn start_bot(fake: &FakeDiscord) -> Bot {
    start_bot_with(fake, Options::default()).await
}

/// Builds the real client with an `Http` pointed at `fake`, checks that it cannot reach the
/// real Discord, starts it (autosharded, as in production) and waits until it registered its
/// commands.
pub async fn start_bot_with(fake: &FakeDiscord, options: Options) -> Bot {
    let bot = launch_bot(fake, options).await;
    fake.wait_ready().await;
    bot
}

/// [`start_bot_with`] without waiting for anything.
pub async fn launch_bot(fake: &FakeDiscord, options: Options) -> Bot {
    init_tracing();
    let dir = temp_dir_with_faq();
    let settings = settings(dir.path(), options);
    let config = Config::from_lookup(|key| settings.get(key).cloned()).expect("valid settings");
    let (knowledge, _warnings) = KnowledgeBase::load(&config.faq_path).expect("valid FAQ");
    let store = Store::open(&config.db_path).expect("open the database");
    let http = HttpBuilder::new("x")
        .proxy(fake.base_url())
        .ratelimiter_disabled(true)
        .build();
    let bot = build_client(config, http, knowledge, store)
        .await
        .expect("build the client");
    let client = bot.client();
    // If `GET /gateway` failed, serenity silently falls back to the real gateway.
    assert_eq!(*client.ws_url.lock().await, fake.gateway_url());
    assert_eq!(client.http.proxy.as_deref(), Some(fake.base_url().as_str()));
    assert!(
        client.http.ratelimiter.is_none(),
        "the ratelimiter bypasses the proxy"
    );
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let client = tokio::spawn(bot.run(async move {
        let _ = stopped.await;
    }));
    Bot {
        client,
        dir,
        stop: Some(stop),
    }
}

pub fn init_tracing() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
}

// ===== reading replies =====

/// The bot's reply to message `id` in `channel`, once the fake answered it.
pub async fn reply_in(fake: &FakeDiscord, channel: u64, id: u64) -> RecordedRequest {
    fake.wait_for_request(|r| is_reply_to(r, channel, id), TIMEOUT)
        .await
}

/// The bot's reply to message `id` in [`FakeDiscord::CHANNEL_ID`].
pub async fn reply_to(fake: &FakeDiscord, id: u64) -> RecordedRequest {
    reply_in(fake, FakeDiscord::CHANNEL_ID, id).await
}

pub fn is_reply_to(request: &RecordedRequest, channel: u64, id: u64) -> bool {
    request.is("POST", &format!("/channels/{channel}/messages"))
        && request
            .json("/message_reference/message_id")
            .and_then(Value::as_str)
            == Some(id.to_string().as_str())
}

/// Whether `request` posts a message anywhere.
pub fn is_post(request: &RecordedRequest) -> bool {
    request.method == "POST" && request.path.ends_with("/messages")
}

/// Whether `request` posts to the log channel.
pub fn is_log_post(request: &RecordedRequest) -> bool {
    request.is("POST", &format!("/channels/{LOG_CHANNEL}/messages"))
}

/// The custom ids of the buttons in a message (or message body).
pub fn custom_ids(message: &Value) -> Vec<String> {
    message["components"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|row| row["components"].as_array().into_iter().flatten())
        .filter_map(|button| button["custom_id"].as_str().map(str::to_owned))
        .collect()
}

/// The custom id starting with `prefix` in `message`.
pub fn custom_id(message: &Value, prefix: &str) -> String {
    custom_ids(message)
        .into_iter()
        .find(|id| id.starts_with(prefix))
        .unwrap_or_else(|| panic!("no {prefix}* button in {message:#}"))
}

/// The exact `allowed_mentions` of every message the bot sends: nothing parsed, no reply ping.
pub fn no_pings() -> Value {
    serde_json::json!({"parse": [], "users": [], "roles": [], "replied_user": false})
}

// ===== the built binary =====

/// The built `prolobot` binary with an empty environment, run in `dir`.
pub fn prolobot(dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_prolobot"));
    command
        .env_clear()
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// The built binary running `prolobot run` against a [`FakeDiscord`] with the test [`settings`],
/// in its own temp directory: a copy of the shipped FAQ, the database, and its stdout and stderr
/// as files under `logs/` (a pipe nobody reads would fill up and stall a chatty bot; and in the
/// watched FAQ directory, each trace line of the watcher would cause the next). Dropping it kills
/// the process if it still runs.
pub struct BinaryBot {
    child: Option<Child>,
    pub dir: TempDir,
}

const STDOUT_LOG: &str = "logs/stdout.log";
const STDERR_LOG: &str = "logs/stderr.log";

/// How a [`BinaryBot`] ended.
pub struct Exited {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl BinaryBot {
    /// Starts `prolobot run` with `token`, its REST calls going to `fake`, the test settings for
    /// `options` and then `extra` variables; does not wait for it to connect.
    pub fn spawn(
        fake: &FakeDiscord,
        token: &str,
        options: Options,
        extra: &[(&str, &str)],
    ) -> BinaryBot {
        let dir = temp_dir_with_faq();
        std::fs::create_dir(dir.path().join("logs")).expect("create logs/");
        let log = |name: &str| File::create(dir.path().join(name)).expect("create a log file");
        let child = prolobot(dir.path())
            .arg("run")
            .envs(settings(dir.path(), options))
            .env("DISCORD_TOKEN", token)
            .env("DISCORD_PROXY_URL", fake.base_url())
            .envs(extra.iter().copied())
            .stdout(log(STDOUT_LOG))
            .stderr(log(STDERR_LOG))
            .spawn()
            .expect("start prolobot");
        BinaryBot {
            child: Some(child),
            dir,
        }
    }

    /// [`BinaryBot::spawn`], then waits until the bot registered its commands.
    pub async fn start(
        fake: &FakeDiscord,
        token: &str,
        options: Options,
        extra: &[(&str, &str)],
    ) -> BinaryBot {
        let mut bot = BinaryBot::spawn(fake, token, options, extra);
        bot.wait_registered(fake).await;
        bot
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    /// What the bot wrote to stderr so far (its log).
    pub fn stderr(&self) -> String {
        std::fs::read_to_string(self.dir.path().join(STDERR_LOG)).unwrap_or_default()
    }

    /// Waits until the fake saw a command registration; panics with the bot's log if it exits
    /// first.
    pub async fn wait_registered(&mut self, fake: &FakeDiscord) {
        let started = Instant::now();
        while started.elapsed() < TIMEOUT {
            let registered = fake
                .requests()
                .iter()
                .any(|r| r.method == "PUT" && r.path.ends_with("/commands") && r.succeeded());
            if registered {
                fake.wait_ready().await;
                return;
            }
            let child = self.child.as_mut().expect("running");
            if let Some(status) = child.try_wait().expect("poll prolobot") {
                panic!(
                    "prolobot exited with {status} before it was ready:\n{}",
                    self.stderr()
                );
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("prolobot not ready within {TIMEOUT:?}\n{}", fake.dump());
    }

    /// Sends SIGTERM (what a service manager sends) and waits for the bot to exit.
    pub async fn terminate(self) -> Exited {
        let status = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status()
            .expect("send SIGTERM");
        assert!(status.success());
        self.wait_exit().await
    }

    /// Waits up to [`TIMEOUT`] for the bot to exit by itself and returns its output.
    pub async fn wait_exit(mut self) -> Exited {
        let mut child = self.child.take().expect("running");
        let waited = tokio::task::spawn_blocking(move || {
            let started = Instant::now();
            while started.elapsed() < TIMEOUT {
                if let Some(status) = child.try_wait().expect("poll prolobot") {
                    return Ok(status);
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(child)
        })
        .await
        .expect("join");
        let status = waited.unwrap_or_else(|mut child| {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "prolobot did not exit within {TIMEOUT:?}:\n{}",
                self.stderr()
            );
        });
        let read = |name: &str| {
            std::fs::read_to_string(self.dir.path().join(name)).expect("read a log file")
        };
        Exited {
            status,
            stdout: read(STDOUT_LOG),
            stderr: read(STDERR_LOG),
        }
    }
}

impl Drop for BinaryBot {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The entry the shipped FAQ answers `question` with, if it answers.
pub fn answered_entry(question: &str) -> Option<&'static str> {
    let knowledge = library();
    let decision = knowledge.decide(question);
    decision
        .entry()
        .map(|entry| knowledge.faq().get(entry).id.as_str())
}

/// A message the shipped FAQ has no answer for (checked with the library's matcher, which is
/// tuned independently of these tests).
pub fn no_match_question() -> &'static str {
    [
        "what is the weather in oslo tomorrow",
        "qwerty zxcv asdf",
        "zzz qqq xxx",
    ]
    .into_iter()
    .find(|q| library().decide(q).outcome() == prolobot_core::Outcome::NoMatch)
    .expect("one of the candidates has no match")
}

/// One example question of each shipped FAQ entry that the library answers with that entry, in
/// file order: questions that count against the cooldown (never emergencies) and that give
/// distinct answers for the repeat window.
pub fn answered_questions() -> Vec<&'static str> {
    library()
        .faq()
        .entries()
        .iter()
        .filter_map(|entry| {
            entry
                .questions
                .iter()
                .map(String::as_str)
                .find(|q| answered_entry(q) == Some(entry.id.as_str()))
        })
        .collect()
}
