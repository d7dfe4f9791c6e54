//! The insight store as the adapter uses it: one `SQLite` connection behind a mutex, every call
//! run off the async runtime, and the retention pruning at start-up and daily.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::task::JoinHandle;

use super::Error;
use crate::report::{self, Report};
use crate::store::{AnsweredQuestion, QuestionRecord, ReportQuery, Store, StoreError, VoteOutcome};
use prolobot_core::{Analyzer, Decision, Knowledge, Outcome};

/// How often old questions are pruned after the first time at start-up.
const PRUNE_EVERY: Duration = Duration::from_hours(24);

/// A question the bot handled, owned so it can move to a blocking thread.
#[derive(Debug, Clone)]
pub(crate) struct Handled {
    /// Guild id; `None` in DMs.
    pub guild_id: Option<u64>,
    /// Channel id.
    pub channel_id: u64,
    /// The question as normalised by `text::normalise`.
    pub question: String,
    /// The outcome.
    pub outcome: Outcome,
    /// The answered entry id, or the first fired red-flag rule's id.
    pub entry_id: Option<String>,
    /// The match confidence.
    pub confidence: f32,
}

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
        Self {
            guild_id,
            channel_id,
            question: prolobot_core::normalise(question),
            outcome,
            entry_id,
            confidence,
        }
    }
}

/// The store, shared by every handler.
#[derive(Clone)]
pub(crate) struct Insights {
    store: Arc<Mutex<Store>>,
    record: bool,
    retention_days: u32,
}

impl Insights {
    /// Wraps `store`; `record` false keeps reports and votes working but records nothing new.
    pub(crate) fn new(store: Store, record: bool, retention_days: u32) -> Self {
        Self {
            store: Arc::new(Mutex::new(store)),
            record,
            retention_days,
        }
    }

    /// Records `handled` and returns its row id (for vote buttons); `None` when recording is off
    /// or failed (the failure is logged: a reply matters more than its statistics).
    pub(crate) async fn record(&self, handled: Handled) -> Option<i64> {
        if !self.record {
            return None;
        }
        let result = self
            .call(move |store| {
                store.record(&QuestionRecord {
                    at: unix_now(),
                    guild_id: handled.guild_id,
                    channel_id: handled.channel_id,
                    question: &handled.question,
                    outcome: handled.outcome,
                    entry_id: handled.entry_id.as_deref(),
                    confidence: handled.confidence,
                })
            })
            .await;
        result
            .inspect_err(
                |error| tracing::warn!(error = %super::chain(error), "could not record a question"),
            )
            .ok()
    }

    /// Stores a vote.
    pub(crate) async fn vote(&self, question: i64, helpful: bool) -> Result<VoteOutcome, Error> {
        self.call(move |store| store.vote(question, helpful, unix_now()))
            .await
    }

    /// The question and entry of an answered row.
    pub(crate) async fn answered(&self, question: i64) -> Result<Option<AnsweredQuestion>, Error> {
        self.call(move |store| store.answered(question)).await
    }

    /// The report for `query`: its rows are read with the store locked, then grouped by their
    /// terms as the matcher reads them on a blocking thread, with the store free for other
    /// handlers.
    pub(crate) async fn report(&self, query: ReportQuery) -> Result<Report, Error> {
        let rows = self.call(move |store| store.report_rows(&query)).await?;
        let build = move || {
            let analyzer = Analyzer::default();
            report::build(rows, &|text| analyzer.terms(text))
        };
        Ok(tokio::task::spawn_blocking(build).await?)
    }

    /// Prunes now and then daily, until the returned task is aborted.
    pub(crate) fn spawn_pruning(&self) -> JoinHandle<()> {
        let insights = self.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(PRUNE_EVERY);
            loop {
                every.tick().await;
                let days = insights.retention_days;
                match insights
                    .call(move |store| store.prune(unix_now(), days))
                    .await
                {
                    Ok(pruned) => tracing::info!(pruned, days, "pruned old questions"),
                    Err(error) => {
                        tracing::warn!(error = %super::chain(&error), "could not prune old questions");
                    }
                }
            }
        })
    }

    /// Runs `work` on a blocking thread with the store locked.
    async fn call<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, Error> {
        let store = Arc::clone(&self.store);
        tokio::task::spawn_blocking(move || {
            let store = store.lock().unwrap_or_else(PoisonError::into_inner);
            work(&store)
        })
        .await?
        .map_err(Error::from)
    }
}

/// Seconds since the Unix epoch (0 if the clock is before it).
fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| {
            i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX)
        })
}
