//! Load: bursts of 1,000 questions from many users in many channels. Every question is answered
//! exactly once or deliberately skipped by the cooldown or the repeat window (both counted); the
//! tests print the latency from dispatch to reply request, the throughput, and (for the built
//! binary) the peak resident memory. RELIABILITY.md records the figures.

use std::collections::HashMap;
use std::time::Duration;

use prolobot::report::Report;

use crate::bot::{
    answered_questions, report_in_when, start_bot_with, BinaryBot, Options, COST_QUESTION,
};
use crate::fake::{Direction, FakeDiscord, MessageSpec, RecordedRequest};

/// Questions per burst.
const BURST: usize = 1_000;
/// Users who ask twice: one answer, one skipped by the cooldown.
const COOLDOWN_USERS: usize = 50;
/// Users who ask for the same answer in the support channel: one answer, the rest skipped by
/// the repeat window.
const REPEATERS: usize = 50;
/// Users who ask once: all answered.
const SINGLES: usize = BURST - 2 * COOLDOWN_USERS - REPEATERS;
/// Guild channels the mentions are spread over (DMs each have their own channel).
const CHANNELS: u64 = 40;
/// Long enough that no limit expires during a test.
const LIMITS: Options = Options {
    cooldown_secs: 600,
    repeat_window_secs: 600,
    without_message_content: false,
    without_moderator_roles: false,
};
/// A burst on a busy 2-core machine takes a few seconds; this only bounds a failing test.
const BURST_TIMEOUT: Duration = Duration::from_mins(1);
/// After the last expected reply, how long no further reply may arrive.
const QUIET: Duration = Duration::from_millis(500);

const FIRST_USER: u64 = 600_000_000_000_000_000;
const FIRST_GUILD_CHANNEL: u64 = 310_000_000_000_000_000;
const FIRST_DM_CHANNEL: u64 = 320_000_000_000_000_000;

/// What must happen to a question.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
enum Rule {
    /// Answered exactly once.
    Once,
    /// One of the two questions of this user is answered.
    Cooldown(u64),
    /// One question of the repeat group is answered.
    Repeat,
}

/// Burst number `round`: distinct users from the other rounds, and a repeat group about another
/// entry, so that one bot can take several bursts. In a fixed interleaved order.
fn burst(round: usize) -> Vec<(MessageSpec, Rule)> {
    let questions = answered_questions();
    let user = |n: usize| FIRST_USER + (round * BURST + n) as u64;
    let guild_channel = |n: usize| FIRST_GUILD_CHANNEL + n as u64 % CHANNELS;
    let mut burst = Vec::with_capacity(BURST);
    for n in 0..SINGLES {
        let question = questions[n % questions.len()];
        let spec = if n % 4 == 0 {
            MessageSpec {
                channel_id: FIRST_DM_CHANNEL + (round * BURST + n) as u64,
                ..MessageSpec::dm(question)
            }
        } else {
            MessageSpec::mention(guild_channel(n), question)
        };
        burst.push((
            MessageSpec {
                author_id: user(n),
                ..spec
            },
            Rule::Once,
        ));
    }
    for n in SINGLES..SINGLES + COOLDOWN_USERS {
        for (k, question) in [COST_QUESTION, questions[n % questions.len()]]
            .into_iter()
            .enumerate()
        {
            let spec = MessageSpec {
                author_id: user(n),
                ..MessageSpec::mention(guild_channel(n + k), question)
            };
            burst.push((spec, Rule::Cooldown(user(n))));
        }
    }
    let repeated = questions[round % questions.len()];
    for n in SINGLES + COOLDOWN_USERS..SINGLES + COOLDOWN_USERS + REPEATERS {
        let spec = MessageSpec {
            author_id: user(n),
            ..MessageSpec::guild(repeated)
        };
        burst.push((spec, Rule::Repeat));
    }
    // 7919 is prime, so this visits every index once: the groups are spread over the burst.
    (0..BURST)
        .map(|i| burst[i * 7919 % BURST].clone())
        .collect()
}

/// What happened to one burst.
struct Figures {
    answered: usize,
    skipped_by_cooldown: usize,
    skipped_by_repeat: usize,
    lost: usize,
    duplicated: usize,
    /// Dispatch to reply request, per answered question, sorted.
    latencies: Vec<Duration>,
    /// From the first dispatch to the last.
    dispatching: Duration,
    /// From the first dispatch to the last reply request.
    span: Duration,
}

impl Figures {
    fn percentile(&self, p: usize) -> Duration {
        let rank = (self.latencies.len() * p).div_ceil(100).max(1);
        self.latencies[rank - 1]
    }

    fn print(&self, what: &str) {
        let questions =
            self.answered + self.skipped_by_cooldown + self.skipped_by_repeat + self.lost;
        println!(
            "load ({what}): {questions} questions: {} answered once, {} skipped by the cooldown, \
             {} by the repeat window, {} lost, {} duplicated; dispatch -> reply request \
             p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; dispatched in {:.2} s, all handled in \
             {:.2} s = {:.0} questions/s",
            self.answered,
            self.skipped_by_cooldown,
            self.skipped_by_repeat,
            self.lost,
            self.duplicated,
            millis(self.percentile(50)),
            millis(self.percentile(99)),
            millis(self.latencies.last().copied().unwrap_or_default()),
            self.dispatching.as_secs_f64(),
            self.span.as_secs_f64(),
            questions as f64 / self.span.as_secs_f64(),
        );
    }
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1_000.0
}

/// The message a reply request answers (its `message_reference`).
fn replied_to(request: &RecordedRequest) -> Option<u64> {
    if request.method != "POST" || !request.path.ends_with("/messages") {
        return None;
    }
    request
        .json("/message_reference/message_id")?
        .as_str()?
        .parse()
        .ok()
}

/// Sends burst `round` through `fake`, waits for every expected reply and a quiet period, and
/// checks that each question was answered exactly once or deliberately skipped.
async fn send_burst(fake: &FakeDiscord, round: usize) -> Figures {
    let since = fake.request_count();
    let mut sent: HashMap<u64, (u64, Rule)> = HashMap::with_capacity(BURST);
    for (spec, rule) in burst(round) {
        let channel = spec.channel_id;
        sent.insert(fake.send_message(spec).await, (channel, rule));
    }
    let expected = SINGLES + COOLDOWN_USERS + 1;
    let ours = |r: &RecordedRequest| replied_to(r).is_some_and(|id| sent.contains_key(&id));
    fake.wait_for_requests(since, ours, expected, BURST_TIMEOUT)
        .await;
    fake.assert_no_request(ours, QUIET).await;

    let mut replies: HashMap<u64, Vec<RecordedRequest>> = HashMap::new();
    for request in fake.requests().into_iter().skip(since) {
        if let Some(id) = replied_to(&request).filter(|id| sent.contains_key(id)) {
            replies.entry(id).or_default().push(request);
        }
    }
    let mut per_rule: HashMap<Rule, (usize, usize)> = HashMap::new();
    let mut duplicated = 0;
    for (id, (channel, rule)) in &sent {
        let answers = replies.get(id).map_or(&[][..], Vec::as_slice);
        for answer in answers {
            assert!(answer.succeeded(), "{}", answer.path);
            assert_eq!(answer.path, format!("/channels/{channel}/messages"));
        }
        duplicated += answers.len().saturating_sub(1);
        let group = per_rule.entry(*rule).or_default();
        group.0 += 1;
        group.1 += answers.len().min(1);
    }
    let mut figures = Figures {
        answered: 0,
        skipped_by_cooldown: 0,
        skipped_by_repeat: 0,
        lost: 0,
        duplicated,
        latencies: Vec::new(),
        dispatching: Duration::ZERO,
        span: Duration::ZERO,
    };
    for (rule, (asked, answered)) in per_rule {
        figures.answered += answered;
        let skipped = match rule {
            Rule::Once => 0,
            Rule::Cooldown(_) | Rule::Repeat => asked - 1,
        };
        let expected = asked - skipped;
        figures.lost += expected.saturating_sub(answered);
        match rule {
            Rule::Once => {}
            Rule::Cooldown(_) => figures.skipped_by_cooldown += skipped,
            Rule::Repeat => figures.skipped_by_repeat += skipped,
        }
    }
    let dispatched: HashMap<u64, Duration> = fake
        .gateway_frames()
        .into_iter()
        .filter(|f| f.direction == Direction::ToBot && f.payload["t"] == "MESSAGE_CREATE")
        .filter_map(|f| {
            let id = f.payload["d"]["id"].as_str()?.parse().ok()?;
            sent.contains_key(&id).then_some((id, f.at))
        })
        .collect();
    for (id, answers) in &replies {
        figures
            .latencies
            .push(answers[0].at.saturating_sub(dispatched[id]));
    }
    figures.latencies.sort();
    let first = dispatched.values().min().copied().unwrap_or_default();
    let last_dispatch = dispatched.values().max().copied().unwrap_or_default();
    figures.dispatching = last_dispatch.saturating_sub(first);
    let last = replies
        .values()
        .flatten()
        .map(|r| r.at)
        .max()
        .unwrap_or_default();
    figures.span = last.saturating_sub(first);
    figures
}

/// Checks `figures` against the burst's make-up.
fn check(figures: &Figures) {
    assert_eq!(figures.lost, 0, "lost questions");
    assert_eq!(figures.duplicated, 0, "duplicated answers");
    assert_eq!(figures.answered, SINGLES + COOLDOWN_USERS + 1);
    assert_eq!(figures.skipped_by_cooldown, COOLDOWN_USERS);
    assert_eq!(figures.skipped_by_repeat, REPEATERS - 1);
}

/// Checks that the bot recorded every question of `rounds` bursts but those skipped by the
/// cooldown (which it does not count as handled): those skipped by the repeat window were
/// handled, not lost.
fn check_recorded(report: &Report, rounds: usize) {
    let recorded = (BURST - COOLDOWN_USERS) * rounds;
    assert_eq!(
        report.totals.total(),
        recorded as u64,
        "{:?}",
        report.totals
    );
}

/// The in-process client on a two-thread runtime (as in a small deployment).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_1000_questions_is_answered_exactly_once_or_deliberately_skipped() {
    let fake = FakeDiscord::start().await;
    let bot = start_bot_with(&fake, LIMITS).await;

    let figures = send_burst(&fake, 0).await;

    figures.print("in-process client");
    check(&figures);
    let recorded = (BURST - COOLDOWN_USERS) as u64;
    check_recorded(&bot.report_when(|r| r.totals.total() >= recorded).await, 1);
}

/// The built binary takes four bursts; its peak resident memory (`VmHWM`), open file descriptors
/// and threads are read from /proc after start-up and after each burst. The replies in flight
/// are bounded (each holds an HTTP/1.1 connection), so the descriptors stay few. The peak
/// follows the deepest backlog (queued events, blocking threads waiting for the database), not
/// the number of questions handled: once warmed up, a burst that piles up deeper than the ones
/// before (on a busy machine) still raises it, but not two bursts in a row, while a leak raises
/// it every time. So at least one of the last two bursts must stay within [`LEAK_LIMIT_KIB`],
/// which a leak of 16 KB per question would exceed.
#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_takes_four_bursts_in_steady_memory() {
    const ROUNDS: usize = 4;
    const LEAK_LIMIT_KIB: u64 = 16 * 1024;
    const PEAK_LIMIT_KIB: u64 = 256 * 1024;
    const DESCRIPTOR_LIMIT: usize = 256;
    let fake = FakeDiscord::start().await;
    let bot = BinaryBot::start(&fake, "x", LIMITS, &[]).await;
    let mut memory_after = vec![memory(bot.pid())];

    for round in 0..ROUNDS {
        let figures = send_burst(&fake, round).await;
        memory_after.push(memory(bot.pid()));
        figures.print(&format!("binary, burst {}", round + 1));
        check(&figures);
    }

    let shown: Vec<String> = memory_after.iter().map(ToString::to_string).collect();
    println!(
        "memory (binary; peak / resident, open file descriptors, threads): after start-up, \
         then after each burst: {}",
        shown.join(", ")
    );
    let recorded = ((BURST - COOLDOWN_USERS) * ROUNDS) as u64;
    let report = report_in_when(bot.dir.path(), |r| r.totals.total() >= recorded).await;
    check_recorded(&report, ROUNDS);
    let growth = |burst: usize| {
        memory_after[burst]
            .peak_kib
            .saturating_sub(memory_after[burst - 1].peak_kib)
    };
    let least = growth(ROUNDS - 1).min(growth(ROUNDS));
    assert!(
        least <= LEAK_LIMIT_KIB,
        "each of the last two bursts raised the peak by {least} KiB or more: {}",
        shown.join(", ")
    );
    assert!(
        memory_after[ROUNDS].peak_kib <= PEAK_LIMIT_KIB,
        "{}",
        shown.join(", ")
    );
    assert!(
        memory_after
            .iter()
            .all(|m| m.descriptors <= DESCRIPTOR_LIMIT),
        "a connection per reply in flight: {}",
        shown.join(", ")
    );
    let exited = bot.terminate().await;
    assert!(exited.status.success(), "{}", exited.stderr);
}

/// A process's peak and current resident memory, open file descriptors and threads.
#[cfg(target_os = "linux")]
#[derive(Clone, Copy)]
struct Memory {
    peak_kib: u64,
    resident_kib: u64,
    descriptors: usize,
    threads: u64,
}

#[cfg(target_os = "linux")]
impl std::fmt::Display for Memory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:.1} / {:.1} MiB, {} fds, {} threads",
            self.peak_kib as f64 / 1024.0,
            self.resident_kib as f64 / 1024.0,
            self.descriptors,
            self.threads
        )
    }
}

/// Reads `VmHWM`, `VmRSS` and `Threads` from /proc/`pid`/status, and counts /proc/`pid`/fd.
#[cfg(target_os = "linux")]
fn memory(pid: u32) -> Memory {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("/proc status");
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim_end().parse().ok())
            .unwrap_or_else(|| panic!("no {name} in {status}"))
    };
    let descriptors = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .expect("/proc fd")
        .count();
    Memory {
        peak_kib: field("VmHWM:"),
        resident_kib: field("VmRSS:"),
        descriptors,
        threads: field("Threads:"),
    }
}

/// SIGTERM in the middle of a burst of 1,000 questions: the bot reads what was already sent,
/// closes the gateway, finishes every question it had taken (no reply is cut off, the log says
/// so) and exits 0. Questions still unread when it closed the gateway would be lost (Discord
/// does not send them again to a new session); their number is printed.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_during_a_burst_finishes_the_questions_in_flight() {
    let fake = FakeDiscord::start().await;
    let bot = BinaryBot::start(&fake, "x", Options::default(), &[]).await;
    let since = fake.request_count();
    let mut sent = Vec::with_capacity(BURST);
    for (spec, _) in burst(0) {
        sent.push(fake.send_message(spec).await);
    }
    let answered_at_signal = fake
        .requests()
        .iter()
        .skip(since)
        .filter(|r| replied_to(r).is_some())
        .count();
    let exited = bot.terminate().await;

    assert!(exited.status.success(), "{}", exited.stderr);
    let replies: Vec<RecordedRequest> = fake
        .requests()
        .into_iter()
        .skip(since)
        .filter(|r| replied_to(r).is_some())
        .collect();
    assert!(
        replies.iter().all(RecordedRequest::succeeded),
        "a reply was cut off by the shutdown"
    );
    assert!(
        exited
            .stderr
            .contains("every question in flight was finished"),
        "{}",
        exited.stderr
    );
    println!(
        "SIGTERM after dispatching {} questions (binary): {answered_at_signal} answered before \
         the signal, {} in all, {} not read before the gateway closed",
        sent.len(),
        replies.len(),
        sent.len() - replies.len()
    );
    // All of them when the machine is not overloaded; the floor leaves room for a stalled test
    // machine (before the catch-up, a third were dropped unread).
    assert!(
        replies.len() * 100 >= sent.len() * 95,
        "only {} of {} answered",
        replies.len(),
        sent.len()
    );
}
