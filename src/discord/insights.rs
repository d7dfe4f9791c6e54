//! The insight store as the adapter uses it, so that no reply ever waits for `SQLite`:
//! questions, votes and pruning go to the store's one [`Writer`] through its bounded queue
//! (never blocking); a question with a reply is reserved an id before the reply is posted (its
//! vote buttons carry it) and queued only once the reply went out; votes are answered from
//! what was just queued or from a read connection; reports are read and built on a blocking
//! thread with a connection of their own. It also keeps a file-size limit (`SIGXFSZ`) from
//! killing the process.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Once, PoisonError};
use std::time::Duration;

use tokio::task::JoinHandle;

use super::Error;
use crate::report::{self, Report};
use crate::store::{
    unix_now, AnsweredQuestion, QuestionRow, ReportQuery, Store, StoreError, Votable, Writer,
    WriterJob,
};
use prolobot_core::{Analyzer, Decision, Knowledge, Outcome};

/// How often old questions are pruned after the first time at start-up.
const PRUNE_EVERY: Duration = Duration::from_hours(24);

/// Questions recently reserved or queued, remembered for their votes: more than the writer's
/// queue and batch hold, so a vote never misses a row still waiting to be written. Each keeps
/// an answer's normalised question (for "Not helpful"), a few dozen bytes as a rule.
const RECENT_ROWS: usize = 4_096;

/// A question the bot handled: the row to record for it, built when it was decided, kept until
/// its reply went out and then handed to the writer.
#[derive(Debug, Clone)]
pub(crate) struct Handled(QuestionRow);

impl Handled {
    /// What to record for `decision`, made on `knowledge`, about the raw `question`.
    pub(crate) fn new(
        knowledge: &Knowledge,
        decision: &Decision,
        question: &str,
        guild_id: Option<u64>,
        channel_id: u64,
    ) -> Self {
        let faq = knowledge.faq();
        let (outcome, entry_id) = match decision {
            // A service reply is recorded as an answer of its entry: the report then shows how
            // often people ask the clinic's own questions, and votes work as on any answer.
            Decision::Answer { entry, .. } | Decision::Service { entry, .. } => {
                (Outcome::Answer, Some(faq.get(*entry).id.clone()))
            }
            Decision::Suggest { .. } | Decision::NoMatch { .. } => (decision.outcome(), None),
            Decision::Emergency { rules, .. } => (
                Outcome::Emergency,
                rules.first().map(|&rule| faq.rule(rule).id.clone()),
            ),
        };
        let confidence = if decision.confidence().is_nan() {
            0.0
        } else {
            decision.confidence().clamp(0.0, 1.0)
        };
        Self(QuestionRow {
            at: unix_now(),
            guild_id,
            channel_id,
            question: prolobot_core::normalise(question),
            outcome,
            entry_id,
            confidence,
        })
    }
}

/// The store, shared by every handler.
#[derive(Clone)]
pub(crate) struct Insights {
    shared: Arc<Shared>,
}

struct Shared {
    writer: Writer,
    recent: Mutex<Recent>,
    record: bool,
    retention_days: u32,
    /// Questions whose reply could not be posted, so were not recorded.
    not_sent: AtomicU64,
}

/// Questions reserved or queued lately, by id: what a vote on them needs to know before (or
/// without) reading the database. Bounded: the oldest are forgotten first.
#[derive(Default)]
struct Recent {
    rows: HashMap<i64, RecentRow>,
    order: VecDeque<i64>,
}

struct RecentRow {
    /// Whether it was answered (only answers can be rated).
    is_answer: bool,
    /// The question and the entry it was answered with, when both are known.
    answered: Option<AnsweredQuestion>,
    /// Handed to the writer (else still waiting for its reply to be posted).
    queued: bool,
    /// The vote cast on it, if any.
    vote: Option<bool>,
}

impl Recent {
    fn insert(&mut self, id: i64, row: RecentRow) {
        if self.rows.insert(id, row).is_none() {
            self.order.push_back(id);
        }
        while self.order.len() > RECENT_ROWS {
            if let Some(oldest) = self.order.pop_front() {
                self.rows.remove(&oldest);
            }
        }
    }
}

/// A question whose reply is being posted, with its reserved row id (for the vote buttons). It
/// is queued for the store by [`Pending::sent`]; dropped without it (the post failed), it is
/// not recorded, and counted in the log.
pub(crate) struct Pending {
    insights: Insights,
    id: i64,
    row: Option<QuestionRow>,
}

impl Pending {
    /// The row id the question will have.
    pub(crate) fn id(&self) -> i64 {
        self.id
    }

    /// The reply went out: the question is queued as handled.
    pub(crate) fn sent(mut self) {
        if let Some(row) = self.row.take() {
            self.insights.queue_sent(self.id, row);
        }
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        if self.row.is_some() {
            self.insights.not_sent(self.id);
        }
    }
}

/// What became of a vote, as the clicker is told. Votes are written through the queue, after
/// the clicker is answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Vote {
    /// Taken; for "Not helpful", the question and the entry it was answered with, when known.
    Taken(Option<AnsweredQuestion>),
    /// The store's queue was full: the vote could not be kept.
    NotSaved,
    /// This answer already has a vote.
    AlreadyVoted,
    /// Unknown, pruned, or not an answer.
    NotRatable,
}

impl Insights {
    /// Starts the store's writer on `store`; `record` false keeps reports and votes working but
    /// records no new questions. Call it inside the runtime (it listens for `SIGXFSZ`).
    pub(crate) fn new(store: Store, record: bool, retention_days: u32) -> Result<Self, Error> {
        survive_file_size_limit();
        Ok(Self {
            shared: Arc::new(Shared {
                writer: Writer::start(store)?,
                recent: Mutex::new(Recent::default()),
                record,
                retention_days,
                not_sent: AtomicU64::new(0),
            }),
        })
    }

    /// Records `handled` now: for a question the bot deliberately does not answer (a no match
    /// in a support channel, a repeat), which still counts as handled.
    pub(crate) fn record(&self, handled: Handled) {
        if !self.shared.record {
            return;
        }
        let id = self.shared.writer.reserve_id();
        let Handled(row) = handled;
        let _ = self.shared.writer.submit(WriterJob::Question {
            id,
            row,
            vote: None,
        });
    }

    /// Reserves a row id for `handled`, whose reply is about to be posted; `None` when
    /// recording is off. The question is recorded only if [`Pending::sent`] is called.
    pub(crate) fn reserve(&self, handled: Handled) -> Option<Pending> {
        if !self.shared.record {
            return None;
        }
        let id = self.shared.writer.reserve_id();
        let Handled(row) = handled;
        let is_answer = row.outcome == Outcome::Answer;
        let answered =
            row.entry_id
                .clone()
                .filter(|_| is_answer)
                .map(|entry_id| AnsweredQuestion {
                    question: row.question.clone(),
                    entry_id,
                });
        self.recent().insert(
            id,
            RecentRow {
                is_answer,
                answered,
                queued: false,
                vote: None,
            },
        );
        Some(Pending {
            insights: self.clone(),
            id,
            row: Some(row),
        })
    }

    fn queue_sent(&self, id: i64, row: QuestionRow) {
        // Queued under the lock, so a vote that finds the row queued is queued after it.
        let mut recent = self.recent();
        let vote = recent
            .rows
            .get_mut(&id)
            .and_then(|known| {
                known.queued = true;
                known.vote
            })
            .map(|helpful| (helpful, unix_now()));
        let job = WriterJob::Question { id, row, vote };
        if self.shared.writer.submit(job).is_err() {
            recent.rows.remove(&id);
        }
    }

    fn not_sent(&self, id: i64) {
        self.recent().rows.remove(&id);
        let not_sent = self.shared.not_sent.fetch_add(1, Ordering::Relaxed) + 1;
        tracing::info!(
            not_sent_since_start = not_sent,
            "a reply could not be posted, so its question is not recorded as handled"
        );
    }

    /// Takes a vote, without waiting for the writer (or for a lock another process holds): a
    /// question queued lately is known from memory, an older one is read through a read
    /// connection. Only the first vote per answer counts.
    pub(crate) async fn vote(&self, question: i64, helpful: bool) -> Result<Vote, Error> {
        if let Some(vote) = self.vote_on_recent(question, helpful) {
            return Ok(vote);
        }
        let path = self.reader_path()?;
        let votable =
            tokio::task::spawn_blocking(move || Store::open_reader(&path)?.votable(question))
                .await??;
        let answered = match votable {
            Votable::Open(answered) => answered,
            Votable::AlreadyVoted => return Ok(Vote::AlreadyVoted),
            Votable::UnknownQuestion | Votable::NotAnAnswer => return Ok(Vote::NotRatable),
        };
        let job = WriterJob::Vote {
            question_id: question,
            helpful,
            at: unix_now(),
        };
        if self.shared.writer.submit(job).is_err() {
            return Ok(Vote::NotSaved);
        }
        self.recent().insert(
            question,
            RecentRow {
                is_answer: true,
                answered: answered.clone(),
                queued: true,
                vote: Some(helpful),
            },
        );
        Ok(Vote::Taken(answered))
    }

    /// The vote on a question still remembered, or `None` when it is not.
    fn vote_on_recent(&self, question: i64, helpful: bool) -> Option<Vote> {
        let mut recent = self.recent();
        let known = recent.rows.get_mut(&question)?;
        if !known.is_answer {
            return Some(Vote::NotRatable);
        }
        if known.vote.is_some() {
            return Some(Vote::AlreadyVoted);
        }
        if known.queued {
            let job = WriterJob::Vote {
                question_id: question,
                helpful,
                at: unix_now(),
            };
            if self.shared.writer.submit(job).is_err() {
                return Some(Vote::NotSaved);
            }
        }
        // Not queued yet: the vote goes with the question when its reply is sent.
        known.vote = Some(helpful);
        Some(Vote::Taken(known.answered.clone()))
    }

    /// The report for `query`, read through a connection of its own and built on a blocking
    /// thread: it waits for no writer and holds nothing a reply needs.
    pub(crate) async fn report(&self, query: ReportQuery) -> Result<Report, Error> {
        let path = self.reader_path()?;
        let build = move || -> Result<Report, StoreError> {
            let rows = Store::open_reader(&path)?.report_rows(&query)?;
            let analyzer = Analyzer::default();
            Ok(report::build(rows, &|text| analyzer.terms(text)))
        };
        Ok(tokio::task::spawn_blocking(build).await??)
    }

    /// Prunes now and then daily (through the writer), until the returned task is aborted.
    pub(crate) fn spawn_pruning(&self) -> JoinHandle<()> {
        let insights = self.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(PRUNE_EVERY);
            loop {
                every.tick().await;
                let job = WriterJob::Prune {
                    now: unix_now(),
                    days: insights.shared.retention_days,
                };
                if insights.shared.writer.submit(job).is_err() {
                    tracing::warn!(
                        "could not queue the pruning of old questions; trying again tomorrow"
                    );
                }
            }
        })
    }

    fn reader_path(&self) -> Result<std::path::PathBuf, Error> {
        Ok(self
            .shared
            .writer
            .path()
            .ok_or(StoreError::NoFile)?
            .to_owned())
    }

    fn recent(&self) -> std::sync::MutexGuard<'_, Recent> {
        self.shared
            .recent
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// Keeps a file-size limit (`ulimit -f`, `RLIMIT_FSIZE`) from killing the process: with a
/// handler registered for `SIGXFSZ`, a write past the limit fails with `EFBIG` instead, which
/// the writer logs as a failed write, and this logs the signal (once a minute at most). Tokio
/// keeps its handler for the life of the process, so registering once is enough.
fn survive_file_size_limit() {
    #[cfg(unix)]
    {
        static REGISTERED: Once = Once::new();
        REGISTERED.call_once(|| {
            use tokio::signal::unix::{signal, SignalKind};
            match signal(SignalKind::from_raw(libc::SIGXFSZ)) {
                Ok(mut limit) => {
                    tokio::spawn(async move {
                        let mut last_told: Option<tokio::time::Instant> = None;
                        while limit.recv().await.is_some() {
                            if last_told.is_none_or(|at| at.elapsed() >= Duration::from_mins(1)) {
                                tracing::warn!("a write went past the file-size limit (ulimit -f): the insights database cannot grow; raise the limit for prolobot");
                                last_told = Some(tokio::time::Instant::now());
                            }
                        }
                    });
                }
                Err(error) => {
                    tracing::warn!(%error, "cannot catch SIGXFSZ: a file-size limit would end the process");
                }
            }
        });
    }
}
