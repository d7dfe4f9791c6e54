//! Insight storage: what people ask, how the bot answered, and which answers helped.
//!
//! This module owns the bot's embedded `SQLite` database: the schema and its
//! migrations, the durability settings, recording questions and votes,
//! retention, and the queries that read the plain rows a moderator report is
//! built from ([`Store::report_rows`]). Building and rendering the report is
//! [`crate::report`]'s job, done after the rows are read and the connection
//! is free again.
//!
//! # What is stored, and why
//!
//! One row per question the bot handled: unix time, guild id (absent in DMs),
//! channel id, the question text as normalised by the caller, the outcome, the
//! matched FAQ entry id (for emergencies the red-flag rule id) and the match
//! confidence. This is what moderators and clinics need to see which questions
//! the FAQ does not answer yet.
//!
//! Privacy by default:
//! - no user ids, user names or message ids are ever stored, and a vote is
//!   stored only as "helpful or not" attached to the question, not to a person;
//! - for emergencies the question text is never stored, only that one happened
//!   and which rule fired (counts only);
//! - rows older than the retention period ([`DEFAULT_RETENTION_DAYS`]) are
//!   deleted by [`Store::prune`], together with their votes, and
//!   `secure_delete` overwrites the deleted text in the file.
//!
//! Discord ids (u64 snowflakes) are stored as `INTEGER`, bit-cast to i64.
//! Real snowflakes are below 2^63, so the stored value equals the id.
//!
//! # Durability
//!
//! The database runs in WAL mode with `synchronous = NORMAL`. Every commit is
//! appended to the WAL file before [`Store::record`] or [`Store::vote`]
//! returns, so killing the process never loses a committed row (the kill test
//! below checks this). Only a power loss or OS crash can roll back the last few
//! transactions (the database stays consistent). `FULL` would close that gap by
//! an fsync per question, which is not worth it for analytics on a
//! small server's disk.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

pub use crate::matcher::Outcome;

/// Default number of days question rows are kept before [`Store::prune`] deletes them.
pub const DEFAULT_RETENTION_DAYS: u32 = 90;

/// [`Store::report_rows`] reads at most this many of the most recent unanswered
/// questions, which bounds the time and memory of grouping them.
pub const MAX_UNANSWERED_ROWS: usize = 5_000;

/// How long a statement waits for another connection's lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

const SECONDS_PER_DAY: i64 = 86_400;

/// Schema migrations; migration `i` brings `PRAGMA user_version` from `i` to `i + 1`.
/// Never edit a released migration: append a new one.
///
/// `AUTOINCREMENT` keeps question ids from ever being reused after pruning, because
/// old Discord vote buttons carry the id forever.
const MIGRATIONS: &[&str] = &["
    CREATE TABLE questions (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at INTEGER NOT NULL,
        guild_id INTEGER,
        channel_id INTEGER NOT NULL,
        question TEXT,
        outcome TEXT NOT NULL CHECK (outcome IN ('answer', 'suggest', 'no_match', 'emergency')),
        entry_id TEXT,
        confidence REAL NOT NULL CHECK (confidence BETWEEN 0.0 AND 1.0),
        CHECK (outcome <> 'emergency' OR question IS NULL)
    ) STRICT;
    CREATE INDEX questions_by_time ON questions (at);
    CREATE INDEX questions_by_outcome_time ON questions (outcome, at);
    CREATE TABLE votes (
        question_id INTEGER PRIMARY KEY REFERENCES questions (id) ON DELETE CASCADE,
        helpful INTEGER NOT NULL CHECK (helpful IN (0, 1)),
        at INTEGER NOT NULL
    ) STRICT;
"];

/// Errors from the insight store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database file could not be opened or created.
    #[error("could not open the insights database {}", path.display())]
    Open {
        /// The database file.
        path: PathBuf,
        /// The underlying `SQLite` error.
        #[source]
        source: rusqlite::Error,
    },
    /// A database operation failed.
    #[error("could not {action}")]
    Sqlite {
        /// What was being done, e.g. "record a question".
        action: &'static str,
        /// The underlying `SQLite` error.
        #[source]
        source: rusqlite::Error,
    },
    /// A schema migration failed; the database was left at its previous version.
    #[error("could not apply insights schema migration {version}")]
    Migration {
        /// The schema version the failed migration would have produced.
        version: usize,
        /// The underlying `SQLite` error.
        #[source]
        source: rusqlite::Error,
    },
    /// The database was written by a newer build (or is not a prolobot database).
    #[error("insights database schema version {found} is not supported (this build knows 0 to {supported})")]
    UnsupportedSchema {
        /// `PRAGMA user_version` found in the file.
        found: i64,
        /// The latest version this build can migrate to.
        supported: usize,
    },
    /// A confidence outside 0..=1 (or NaN) was given to [`Store::record`].
    #[error("confidence must be between 0 and 1, got {0}")]
    InvalidConfidence(f32),
}

/// Adds "what was being done" to `rusqlite` errors.
trait Context<T> {
    fn context(self, action: &'static str) -> Result<T, StoreError>;
}

impl<T> Context<T> for rusqlite::Result<T> {
    fn context(self, action: &'static str) -> Result<T, StoreError> {
        self.map_err(|source| StoreError::Sqlite { action, source })
    }
}

/// One handled question, as passed to [`Store::record`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QuestionRecord<'a> {
    /// Unix time in seconds.
    pub at: i64,
    /// Discord guild id; `None` in direct messages.
    pub guild_id: Option<u64>,
    /// Discord channel id.
    pub channel_id: u64,
    /// The question, already normalised by the caller. Not stored for emergencies.
    pub question: &'a str,
    /// How the bot handled it.
    pub outcome: Outcome,
    /// The matched FAQ entry id; for emergencies the red-flag rule id.
    pub entry_id: Option<&'a str>,
    /// Match confidence, 0..=1.
    pub confidence: f32,
}

/// Result of [`Store::vote`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VoteOutcome {
    /// The vote was stored.
    Recorded,
    /// This answer already has a vote; the new one was ignored.
    AlreadyVoted,
    /// No question with this id (never recorded, or pruned).
    UnknownQuestion,
    /// The question exists but was not answered (suggest, no match, emergency).
    NotAnAnswer,
}

/// An answered question, from [`Store::answered`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnsweredQuestion {
    /// The normalised question.
    pub question: String,
    /// The entry given as the answer.
    pub entry_id: String,
}

/// What [`Store::report_rows`] reads, and how [`crate::report::build`] groups it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReportQuery {
    /// Only questions asked at or after this unix time (0 = all time).
    pub since: i64,
    /// Only this guild's questions; `None` = every guild and DMs (for the CLI).
    pub guild_id: Option<u64>,
    /// Two unanswered questions are grouped when the Jaccard similarity of their
    /// token sets is at least this (read when the report is built, not by the SQL).
    pub similarity_threshold: f32,
    /// Answers with a confidence below this are listed for review.
    pub low_confidence_below: f32,
    /// At most this many low-confidence answers are listed (newest first).
    pub low_confidence_limit: usize,
}

impl Default for ReportQuery {
    /// All time, all guilds, similarity 0.5, review answers below 0.6 confidence (20 at most).
    fn default() -> Self {
        Self {
            since: 0,
            guild_id: None,
            similarity_threshold: 0.5,
            low_confidence_below: 0.6,
            low_confidence_limit: 20,
        }
    }
}

/// Number of questions per outcome.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutcomeCounts {
    /// Answered with an FAQ entry.
    pub answer: u64,
    /// Suggested entries.
    pub suggest: u64,
    /// Nothing matched.
    pub no_match: u64,
    /// Emergency rule fired.
    pub emergency: u64,
}

impl OutcomeCounts {
    /// All questions.
    #[must_use]
    pub fn total(&self) -> u64 {
        self.answer + self.suggest + self.no_match + self.emergency
    }
}

/// Hits and votes of one FAQ entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryStats {
    /// The FAQ entry id.
    pub entry_id: String,
    /// How many times it was the answer.
    pub hits: u64,
    /// "Helpful" votes.
    pub helpful: u64,
    /// "Not helpful" votes.
    pub not_helpful: u64,
}

impl EntryStats {
    /// Helpful votes / all votes; `None` when nobody voted.
    #[must_use]
    pub fn helpful_ratio(&self) -> Option<f32> {
        let votes = self.helpful + self.not_helpful;
        (votes > 0).then(|| self.helpful as f32 / votes as f32)
    }
}

/// An answer given with low confidence, to be reviewed.
#[derive(Debug, Clone, PartialEq)]
pub struct LowConfidenceAnswer {
    /// The question row id.
    pub question_id: i64,
    /// Unix time asked.
    pub at: i64,
    /// The normalised question.
    pub question: String,
    /// The entry given as the answer.
    pub entry_id: Option<String>,
    /// The match confidence.
    pub confidence: f32,
}

/// How often one red-flag rule fired.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleCount {
    /// The rule id; `None` if the caller recorded none.
    pub rule_id: Option<String>,
    /// Times it fired.
    pub count: u64,
}

/// An unanswered question (no match or suggested), as read for grouping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnansweredRow {
    /// The normalised question.
    pub question: String,
    /// True when it got suggestions, false when nothing matched.
    pub suggested: bool,
    /// Unix time asked.
    pub at: i64,
}

/// The rows a report is built from, read in one snapshot by [`Store::report_rows`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReportRows {
    /// What was read.
    pub query: ReportQuery,
    /// Questions per outcome (the emergency total is `totals.emergency`).
    pub totals: OutcomeCounts,
    /// The most recent unanswered questions, newest first, at most [`MAX_UNANSWERED_ROWS`].
    pub unanswered: Vec<UnansweredRow>,
    /// True when there were more than [`MAX_UNANSWERED_ROWS`] unanswered questions
    /// and only the most recent were read.
    pub unanswered_capped: bool,
    /// Entries by hits, most first.
    pub entries: Vec<EntryStats>,
    /// Low-confidence answers, newest first.
    pub low_confidence: Vec<LowConfidenceAnswer>,
    /// Emergencies per rule, most first.
    pub emergencies: Vec<RuleCount>,
}

/// The insight database. Not `Sync`: share it behind a mutex and call it off
/// the async runtime (e.g. `spawn_blocking`).
#[derive(Debug)]
pub struct Store {
    conn: Connection,
}

impl Store {
    /// Opens (creating if needed) the database file and migrates it to the current schema.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let conn = Connection::open(path).map_err(|source| StoreError::Open {
            path: path.to_owned(),
            source,
        })?;
        Self::initialise(conn)
    }

    /// Opens a fresh in-memory database (for tests and dry runs).
    pub fn open_in_memory() -> Result<Self, StoreError> {
        let conn = Connection::open_in_memory().context("open an in-memory database")?;
        Self::initialise(conn)
    }

    fn initialise(conn: Connection) -> Result<Self, StoreError> {
        configure(&conn)?;
        migrate(&conn, MIGRATIONS)?;
        Ok(Self { conn })
    }

    /// Stores one handled question and returns its row id (for votes).
    /// For emergencies the question text is dropped.
    pub fn record(&self, record: &QuestionRecord<'_>) -> Result<i64, StoreError> {
        if !(0.0..=1.0).contains(&record.confidence) {
            return Err(StoreError::InvalidConfidence(record.confidence));
        }
        let question = (record.outcome != Outcome::Emergency).then_some(record.question);
        self.conn
            .prepare_cached(
                "INSERT INTO questions (at, guild_id, channel_id, question, outcome, entry_id, confidence)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )
            .and_then(|mut insert| {
                insert.insert(params![
                    record.at,
                    record.guild_id.map(discord_id_to_sql),
                    discord_id_to_sql(record.channel_id),
                    question,
                    record.outcome.as_str(),
                    record.entry_id,
                    f64::from(record.confidence),
                ])
            })
            .context("record a question")
    }

    /// Stores a "helpful" / "not helpful" vote on an answer. Only the first vote
    /// per answer counts; later ones return [`VoteOutcome::AlreadyVoted`].
    pub fn vote(
        &self,
        question_id: i64,
        helpful: bool,
        at: i64,
    ) -> Result<VoteOutcome, StoreError> {
        let inserted = self
            .conn
            .execute(
                "INSERT INTO votes (question_id, helpful, at)
                 SELECT id, ?2, ?3 FROM questions WHERE id = ?1 AND outcome = 'answer'
                 ON CONFLICT (question_id) DO NOTHING",
                params![question_id, helpful, at],
            )
            .context("record a vote")?;
        if inserted > 0 {
            return Ok(VoteOutcome::Recorded);
        }
        let outcome: Option<String> = self
            .conn
            .query_row(
                "SELECT outcome FROM questions WHERE id = ?1",
                [question_id],
                |row| row.get(0),
            )
            .optional()
            .context("look up the voted question")?;
        Ok(match outcome.as_deref() {
            None => VoteOutcome::UnknownQuestion,
            Some("answer") => VoteOutcome::AlreadyVoted,
            Some(_) => VoteOutcome::NotAnAnswer,
        })
    }

    /// The normalised question and the entry it was answered with, for the "Not helpful"
    /// follow-up; `None` when the row is unknown (or pruned) or was not an answer.
    pub fn answered(&self, question_id: i64) -> Result<Option<AnsweredQuestion>, StoreError> {
        self.conn
            .query_row(
                "SELECT question, entry_id FROM questions
                 WHERE id = ?1 AND outcome = 'answer' AND question IS NOT NULL AND entry_id IS NOT NULL",
                [question_id],
                |row| {
                    Ok(AnsweredQuestion {
                        question: row.get(0)?,
                        entry_id: row.get(1)?,
                    })
                },
            )
            .optional()
            .context("look up an answered question")
    }

    /// Deletes questions (and their votes) asked more than `retention_days` days
    /// before `now` (unix seconds). Returns how many questions were deleted.
    pub fn prune(&self, now: i64, retention_days: u32) -> Result<usize, StoreError> {
        let cutoff = now.saturating_sub(i64::from(retention_days) * SECONDS_PER_DAY);
        self.conn
            .execute("DELETE FROM questions WHERE at < ?1", [cutoff])
            .context("prune old questions")
    }

    /// Reads the rows of the insight report for `query`, in one read transaction so
    /// all sections see the same snapshot. Grouping and rendering them is left to
    /// [`crate::report`], so the caller can release the connection first.
    pub fn report_rows(&self, query: &ReportQuery) -> Result<ReportRows, StoreError> {
        let snapshot = self
            .conn
            .unchecked_transaction()
            .context("start the report")?;
        let scope = Scope::of(query);
        let totals = outcome_counts(&snapshot, scope)?;
        let mut unanswered = unanswered_rows(&snapshot, scope)?;
        let entries = entry_stats(&snapshot, scope)?;
        let low_confidence = low_confidence_answers(&snapshot, scope, query)?;
        let emergencies = emergency_counts(&snapshot, scope)?;
        snapshot.commit().context("end the report")?;

        let unanswered_capped = unanswered.len() > MAX_UNANSWERED_ROWS;
        unanswered.truncate(MAX_UNANSWERED_ROWS);
        Ok(ReportRows {
            query: *query,
            totals,
            unanswered,
            unanswered_capped,
            entries,
            low_confidence,
            emergencies,
        })
    }
}

/// Sets durability, locking and privacy pragmas (see the module docs).
fn configure(conn: &Connection) -> Result<(), StoreError> {
    conn.busy_timeout(BUSY_TIMEOUT)
        .context("set the busy timeout")?;
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = NORMAL;
         PRAGMA foreign_keys = ON;
         PRAGMA secure_delete = ON;",
    )
    .context("configure the database connection")
}

/// Applies the migrations `PRAGMA user_version` says are pending, in one
/// immediate transaction (so two processes cannot migrate at once, and a failed
/// migration leaves the database untouched).
fn migrate(conn: &Connection, migrations: &[&str]) -> Result<(), StoreError> {
    let tx = rusqlite::Transaction::new_unchecked(conn, TransactionBehavior::Immediate)
        .context("start the schema migration")?;
    let found: i64 = tx
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .context("read the schema version")?;
    let supported = migrations.len();
    let applied = usize::try_from(found)
        .ok()
        .filter(|&version| version <= supported)
        .ok_or(StoreError::UnsupportedSchema { found, supported })?;
    for (index, sql) in migrations.iter().enumerate().skip(applied) {
        tx.execute_batch(sql)
            .map_err(|source| StoreError::Migration {
                version: index + 1,
                source,
            })?;
    }
    tx.pragma_update(None, "user_version", sql_int(supported))
        .context("write the schema version")?;
    tx.commit().context("commit the schema migration")
}

/// Bit-casts a Discord snowflake for an `INTEGER` column.
fn discord_id_to_sql(id: u64) -> i64 {
    i64::from_ne_bytes(id.to_ne_bytes())
}

/// A `usize` for an `INTEGER` parameter (saturating; real values are small).
fn sql_int(value: usize) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// A `COUNT`/`SUM` result as a count (they are never negative).
fn count(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

/// The report's period and guild filter, bound as `?1` and `?2` in every query.
#[derive(Clone, Copy)]
struct Scope {
    since: i64,
    guild_id: Option<i64>,
}

impl Scope {
    fn of(query: &ReportQuery) -> Self {
        Self {
            since: query.since,
            guild_id: query.guild_id.map(discord_id_to_sql),
        }
    }
}

fn outcome_counts(conn: &Connection, scope: Scope) -> Result<OutcomeCounts, StoreError> {
    let action = "count questions per outcome";
    let mut statement = conn
        .prepare(
            "SELECT outcome, COUNT(*) FROM questions
             WHERE at >= ?1 AND (?2 IS NULL OR guild_id = ?2)
             GROUP BY outcome",
        )
        .context(action)?;
    let rows = statement
        .query_map(params![scope.since, scope.guild_id], |row| {
            Ok((row.get::<_, String>(0)?, count(row.get(1)?)))
        })
        .context(action)?;
    let mut counts = OutcomeCounts::default();
    for row in rows {
        let (outcome, count) = row.context(action)?;
        match outcome.as_str() {
            "answer" => counts.answer = count,
            "suggest" => counts.suggest = count,
            "no_match" => counts.no_match = count,
            "emergency" => counts.emergency = count,
            _ => {} // the CHECK constraint rules this out; ignore rather than fail
        }
    }
    Ok(counts)
}

/// The most recent unanswered questions, newest first; one more than
/// [`MAX_UNANSWERED_ROWS`] so the caller can tell whether the cap was hit.
fn unanswered_rows(conn: &Connection, scope: Scope) -> Result<Vec<UnansweredRow>, StoreError> {
    let action = "read unanswered questions";
    let mut statement = conn
        .prepare(
            "SELECT question, outcome = 'suggest', at FROM questions
             WHERE outcome IN ('no_match', 'suggest') AND question IS NOT NULL
               AND at >= ?1 AND (?2 IS NULL OR guild_id = ?2)
             ORDER BY at DESC, id DESC
             LIMIT ?3",
        )
        .context(action)?;
    let rows = statement
        .query_map(
            params![
                scope.since,
                scope.guild_id,
                sql_int(MAX_UNANSWERED_ROWS + 1)
            ],
            |row| {
                Ok(UnansweredRow {
                    question: row.get(0)?,
                    suggested: row.get(1)?,
                    at: row.get(2)?,
                })
            },
        )
        .context(action)?;
    rows.collect::<Result<_, _>>().context(action)
}

fn entry_stats(conn: &Connection, scope: Scope) -> Result<Vec<EntryStats>, StoreError> {
    let action = "count hits and votes per entry";
    let mut statement = conn
        .prepare(
            "SELECT q.entry_id, COUNT(*),
                    COALESCE(SUM(v.helpful = 1), 0), COALESCE(SUM(v.helpful = 0), 0)
             FROM questions q LEFT JOIN votes v ON v.question_id = q.id
             WHERE q.outcome = 'answer' AND q.entry_id IS NOT NULL
               AND q.at >= ?1 AND (?2 IS NULL OR q.guild_id = ?2)
             GROUP BY q.entry_id
             ORDER BY COUNT(*) DESC, q.entry_id",
        )
        .context(action)?;
    let rows = statement
        .query_map(params![scope.since, scope.guild_id], |row| {
            Ok(EntryStats {
                entry_id: row.get(0)?,
                hits: count(row.get(1)?),
                helpful: count(row.get(2)?),
                not_helpful: count(row.get(3)?),
            })
        })
        .context(action)?;
    rows.collect::<Result<_, _>>().context(action)
}

fn low_confidence_answers(
    conn: &Connection,
    scope: Scope,
    query: &ReportQuery,
) -> Result<Vec<LowConfidenceAnswer>, StoreError> {
    let action = "read low-confidence answers";
    let mut statement = conn
        .prepare(
            "SELECT id, at, COALESCE(question, ''), entry_id, confidence FROM questions
             WHERE outcome = 'answer' AND confidence < ?3
               AND at >= ?1 AND (?2 IS NULL OR guild_id = ?2)
             ORDER BY at DESC, id DESC
             LIMIT ?4",
        )
        .context(action)?;
    let rows = statement
        .query_map(
            params![
                scope.since,
                scope.guild_id,
                f64::from(query.low_confidence_below),
                sql_int(query.low_confidence_limit),
            ],
            |row| {
                Ok(LowConfidenceAnswer {
                    question_id: row.get(0)?,
                    at: row.get(1)?,
                    question: row.get(2)?,
                    entry_id: row.get(3)?,
                    confidence: row.get::<_, f64>(4)? as f32,
                })
            },
        )
        .context(action)?;
    rows.collect::<Result<_, _>>().context(action)
}

fn emergency_counts(conn: &Connection, scope: Scope) -> Result<Vec<RuleCount>, StoreError> {
    let action = "count emergencies per rule";
    let mut statement = conn
        .prepare(
            "SELECT entry_id, COUNT(*) FROM questions
             WHERE outcome = 'emergency' AND at >= ?1 AND (?2 IS NULL OR guild_id = ?2)
             GROUP BY entry_id
             ORDER BY COUNT(*) DESC, entry_id",
        )
        .context(action)?;
    let rows = statement
        .query_map(params![scope.since, scope.guild_id], |row| {
            Ok(RuleCount {
                rule_id: row.get(0)?,
                count: count(row.get(1)?),
            })
        })
        .context(action)?;
    rows.collect::<Result<_, _>>().context(action)
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::io::{self, BufRead, BufReader, Write};
    use std::process::{Command, Stdio};

    const NOW: i64 = 1_750_000_000;
    const DAY: i64 = SECONDS_PER_DAY;

    fn question<'a>(
        at: i64,
        text: &'a str,
        outcome: Outcome,
        entry_id: Option<&'a str>,
    ) -> QuestionRecord<'a> {
        QuestionRecord {
            at,
            guild_id: Some(42),
            channel_id: 7,
            question: text,
            outcome,
            entry_id,
            confidence: 0.8,
        }
    }

    fn count_rows(store: &Store, sql: &str) -> i64 {
        store
            .conn
            .query_row(sql, [], |row| row.get(0))
            .expect("count query")
    }

    fn file_bytes_contain(dir: &Path, needle: &str) -> bool {
        std::fs::read_dir(dir).expect("list dir").any(|entry| {
            let bytes = std::fs::read(entry.expect("dir entry").path()).expect("read file");
            bytes
                .windows(needle.len())
                .any(|window| window == needle.as_bytes())
        })
    }

    #[test]
    fn answered_finds_answers_only() {
        let store = Store::open_in_memory().expect("open");
        let answer = store
            .record(&question(
                NOW,
                "does it hurt",
                Outcome::Answer,
                Some("pain"),
            ))
            .expect("record");
        let no_match = store
            .record(&question(NOW, "weather", Outcome::NoMatch, None))
            .expect("record");
        assert_eq!(
            store.answered(answer).expect("look up"),
            Some(AnsweredQuestion {
                question: "does it hurt".into(),
                entry_id: "pain".into(),
            })
        );
        assert_eq!(store.answered(no_match).expect("look up"), None);
        assert_eq!(store.answered(no_match + 1).expect("look up"), None);
    }

    #[test]
    fn record_round_trips_into_the_report_rows() {
        let store = Store::open_in_memory().expect("open");
        let answered = store
            .record(&question(
                NOW,
                "does prolotherapy hurt",
                Outcome::Answer,
                Some("pain"),
            ))
            .expect("record");
        let unanswered = store
            .record(&question(
                NOW + 1,
                "is it covered by insurance",
                Outcome::NoMatch,
                None,
            ))
            .expect("record");
        assert!(unanswered > answered);
        let stored: (i64, Option<i64>, i64, String, String, Option<String>, f64) = store
            .conn
            .query_row(
                "SELECT at, guild_id, channel_id, question, outcome, entry_id, confidence FROM questions WHERE id = ?1",
                [answered],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?, row.get(5)?, row.get(6)?)),
            )
            .expect("read back");
        assert_eq!(
            stored,
            (
                NOW,
                Some(42),
                7,
                "does prolotherapy hurt".into(),
                "answer".into(),
                Some("pain".into()),
                f64::from(0.8_f32)
            )
        );

        let rows = store
            .report_rows(&ReportQuery::default())
            .expect("report rows");
        assert_eq!(
            rows.totals,
            OutcomeCounts {
                answer: 1,
                suggest: 0,
                no_match: 1,
                emergency: 0
            }
        );
        assert_eq!(rows.entries.len(), 1);
        assert_eq!(
            (rows.entries[0].entry_id.as_str(), rows.entries[0].hits),
            ("pain", 1)
        );
        assert_eq!(
            rows.unanswered,
            [UnansweredRow {
                question: "is it covered by insurance".into(),
                suggested: false,
                at: NOW + 1,
            }]
        );
    }

    #[test]
    fn discord_ids_above_i64_max_are_stored_and_filtered() {
        let store = Store::open_in_memory().expect("open");
        let big_guild = u64::MAX - 5;
        let mut record = question(NOW, "question in a big guild", Outcome::NoMatch, None);
        record.guild_id = Some(big_guild);
        record.channel_id = u64::MAX;
        store.record(&record).expect("record");
        store
            .record(&question(NOW, "question elsewhere", Outcome::NoMatch, None))
            .expect("record");

        let query = ReportQuery {
            guild_id: Some(big_guild),
            ..ReportQuery::default()
        };
        let rows = store.report_rows(&query).expect("report rows");
        assert_eq!(rows.totals.no_match, 1);
        assert_eq!(rows.unanswered[0].question, "question in a big guild");
        assert_eq!(
            count_rows(
                &store,
                "SELECT COUNT(*) FROM questions WHERE channel_id = -1"
            ),
            1
        );
    }

    #[test]
    fn invalid_confidence_is_rejected() {
        let store = Store::open_in_memory().expect("open");
        for confidence in [f32::NAN, -0.1, 1.5, f32::INFINITY] {
            let mut record = question(NOW, "q", Outcome::Answer, Some("e"));
            record.confidence = confidence;
            assert!(matches!(
                store.record(&record),
                Err(StoreError::InvalidConfidence(_))
            ));
        }
        assert_eq!(count_rows(&store, "SELECT COUNT(*) FROM questions"), 0);
    }

    #[test]
    fn file_database_uses_wal_normal_foreign_keys_and_busy_timeout() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(&dir.path().join("insights.db")).expect("open");
        let pragma = |name: &str| -> String {
            store
                .conn
                .query_row(&format!("PRAGMA {name}"), [], |row| {
                    row.get::<_, rusqlite::types::Value>(0)
                })
                .map(|value| match value {
                    rusqlite::types::Value::Integer(n) => n.to_string(),
                    rusqlite::types::Value::Text(text) => text,
                    other => format!("{other:?}"),
                })
                .expect("pragma")
        };
        assert_eq!(pragma("journal_mode"), "wal");
        assert_eq!(pragma("synchronous"), "1"); // NORMAL
        assert_eq!(pragma("foreign_keys"), "1");
        assert_eq!(pragma("secure_delete"), "1");
        assert_eq!(pragma("busy_timeout"), "5000");
    }

    #[test]
    fn migrations_are_idempotent_on_reopen() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("insights.db");
        let version = |store: &Store| count_rows(store, "PRAGMA user_version");
        {
            let store = Store::open(&path).expect("first open");
            assert_eq!(version(&store), sql_int(MIGRATIONS.len()));
            store
                .record(&question(NOW, "kept across reopen", Outcome::NoMatch, None))
                .expect("record");
        }
        let store = Store::open(&path).expect("second open");
        assert_eq!(version(&store), sql_int(MIGRATIONS.len()));
        assert_eq!(count_rows(&store, "SELECT COUNT(*) FROM questions"), 1);
    }

    #[test]
    fn migrate_applies_only_pending_migrations() {
        let conn = Connection::open_in_memory().expect("open");
        // Re-running the first migration would fail: the table exists.
        migrate(&conn, &["CREATE TABLE a (x INTEGER);"]).expect("first migration");
        migrate(
            &conn,
            &["CREATE TABLE a (x INTEGER);", "CREATE TABLE b (y INTEGER);"],
        )
        .expect("second migration");
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |row| row.get(0))
            .expect("version");
        assert_eq!(version, 2);
    }

    #[test]
    fn failed_migration_leaves_the_database_untouched() {
        let conn = Connection::open_in_memory().expect("open");
        let result = migrate(
            &conn,
            &[
                "CREATE TABLE a (x INTEGER);",
                "CREATE TABLE b (y INTEGER); NOT SQL",
            ],
        );
        assert!(
            matches!(result, Err(StoreError::Migration { version: 2, .. })),
            "{result:?}"
        );
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |row| row.get(0))
            .expect("version");
        let tables: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM sqlite_schema WHERE type = 'table'",
                [],
                |row| row.get(0),
            )
            .expect("tables");
        assert_eq!((version, tables), (0, 0));
    }

    #[test]
    fn newer_schema_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("insights.db");
        Connection::open(&path)
            .and_then(|conn| conn.pragma_update(None, "user_version", 99))
            .expect("bump version");
        let result = Store::open(&path);
        assert!(
            matches!(result, Err(StoreError::UnsupportedSchema { found: 99, supported }) if supported == MIGRATIONS.len()),
            "{result:?}"
        );
    }

    #[test]
    fn prune_deletes_old_questions_and_their_votes() {
        let store = Store::open_in_memory().expect("open");
        let ids: Vec<i64> = [NOW - 100 * DAY, NOW - 90 * DAY - 1, NOW - 90 * DAY, NOW]
            .into_iter()
            .map(|at| {
                store
                    .record(&question(at, "q", Outcome::Answer, Some("e")))
                    .expect("record")
            })
            .collect();
        for &id in &ids {
            assert_eq!(
                store.vote(id, true, NOW).expect("vote"),
                VoteOutcome::Recorded
            );
        }

        assert_eq!(store.prune(NOW, DEFAULT_RETENTION_DAYS).expect("prune"), 2);
        let remaining: Vec<i64> = store
            .conn
            .prepare("SELECT id FROM questions ORDER BY id")
            .and_then(|mut statement| statement.query_map([], |row| row.get(0))?.collect())
            .expect("remaining");
        assert_eq!(remaining, ids[2..]);
        assert_eq!(count_rows(&store, "SELECT COUNT(*) FROM votes"), 2);
        assert_eq!(
            count_rows(
                &store,
                "SELECT COUNT(*) FROM votes WHERE question_id NOT IN (SELECT id FROM questions)"
            ),
            0
        );
        assert_eq!(
            store.vote(ids[0], true, NOW).expect("vote"),
            VoteOutcome::UnknownQuestion
        );
    }

    #[test]
    fn pruned_text_is_overwritten_in_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(&dir.path().join("insights.db")).expect("open");
        store
            .record(&question(
                NOW - 200 * DAY,
                "zebra pruned secret text",
                Outcome::NoMatch,
                None,
            ))
            .expect("record");
        store
            .record(&question(
                NOW,
                "recent question kept",
                Outcome::NoMatch,
                None,
            ))
            .expect("record");
        assert_eq!(store.prune(NOW, 90).expect("prune"), 1);
        drop(store); // checkpoints the WAL into the file
        assert!(file_bytes_contain(dir.path(), "recent question kept"));
        assert!(!file_bytes_contain(dir.path(), "zebra pruned secret text"));
    }

    #[test]
    fn question_ids_are_not_reused_after_pruning() {
        let store = Store::open_in_memory().expect("open");
        let old = store
            .record(&question(
                NOW - 200 * DAY,
                "old",
                Outcome::Answer,
                Some("e"),
            ))
            .expect("record");
        assert_eq!(store.prune(NOW, 90).expect("prune"), 1);
        let new = store
            .record(&question(NOW, "new", Outcome::Answer, Some("e")))
            .expect("record");
        assert!(new > old, "an old vote button must not hit a new question");
        assert_eq!(
            store.vote(old, true, NOW).expect("vote"),
            VoteOutcome::UnknownQuestion
        );
    }

    #[test]
    fn emergency_question_text_is_never_stored() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(&dir.path().join("insights.db")).expect("open");
        for rule in ["chest-pain", "chest-pain", "stroke"] {
            store
                .record(&question(
                    NOW,
                    "crushing chest pain secret",
                    Outcome::Emergency,
                    Some(rule),
                ))
                .expect("record");
        }
        assert_eq!(
            count_rows(
                &store,
                "SELECT COUNT(*) FROM questions WHERE question IS NOT NULL"
            ),
            0
        );

        let rows = store
            .report_rows(&ReportQuery::default())
            .expect("report rows");
        assert_eq!(rows.totals.emergency, 3);
        assert_eq!(
            rows.emergencies,
            [
                RuleCount {
                    rule_id: Some("chest-pain".into()),
                    count: 2
                },
                RuleCount {
                    rule_id: Some("stroke".into()),
                    count: 1
                },
            ]
        );
        assert!(rows.unanswered.is_empty() && rows.low_confidence.is_empty());
        drop(store);
        assert!(!file_bytes_contain(
            dir.path(),
            "crushing chest pain secret"
        ));
    }

    #[test]
    fn only_the_first_vote_on_an_answer_counts() {
        let store = Store::open_in_memory().expect("open");
        let answer = store
            .record(&question(NOW, "q", Outcome::Answer, Some("aftercare")))
            .expect("record");
        let unvoted = store
            .record(&question(NOW, "q2", Outcome::Answer, Some("cost")))
            .expect("record");
        let no_match = store
            .record(&question(NOW, "q3", Outcome::NoMatch, None))
            .expect("record");

        assert_eq!(
            store.vote(answer, true, NOW).expect("vote"),
            VoteOutcome::Recorded
        );
        assert_eq!(
            store.vote(answer, false, NOW + 1).expect("vote"),
            VoteOutcome::AlreadyVoted
        );
        assert_eq!(
            store.vote(answer, true, NOW + 2).expect("vote"),
            VoteOutcome::AlreadyVoted
        );
        assert_eq!(
            store.vote(unvoted + 1000, true, NOW).expect("vote"),
            VoteOutcome::UnknownQuestion
        );
        assert_eq!(
            store.vote(no_match, true, NOW).expect("vote"),
            VoteOutcome::NotAnAnswer
        );

        let rows = store
            .report_rows(&ReportQuery::default())
            .expect("report rows");
        let stats = |id: &str| {
            rows.entries
                .iter()
                .find(|entry| entry.entry_id == id)
                .expect("entry")
                .clone()
        };
        assert_eq!(
            (stats("aftercare").helpful, stats("aftercare").not_helpful),
            (1, 0)
        );
        assert_eq!(stats("aftercare").helpful_ratio(), Some(1.0));
        assert_eq!(stats("cost").helpful_ratio(), None);
    }

    #[test]
    fn helpful_ratio_is_helpful_over_votes() {
        let store = Store::open_in_memory().expect("open");
        for (index, helpful) in [true, false, false, true, true].into_iter().enumerate() {
            let id = store
                .record(&question(NOW, "q", Outcome::Answer, Some("sessions")))
                .expect("record");
            if index < 4 {
                store.vote(id, helpful, NOW).expect("vote");
            }
        }
        let rows = store
            .report_rows(&ReportQuery::default())
            .expect("report rows");
        let entry = &rows.entries[0];
        assert_eq!((entry.hits, entry.helpful, entry.not_helpful), (5, 2, 2));
        assert_eq!(entry.helpful_ratio(), Some(0.5));
    }

    #[test]
    fn unanswered_rows_are_the_periods_unanswered_questions_newest_first() {
        let store = Store::open_in_memory().expect("open");
        let at = NOW - DAY;
        for (asked, text, outcome) in [
            (at, "is yoga ok after prolotherapy", Outcome::NoMatch),
            (at, "prolotherapy costs", Outcome::Suggest),
            (at + 60, "yoga after prolotherapy?", Outcome::NoMatch),
        ] {
            store
                .record(&question(asked, text, outcome, None))
                .expect("record");
        }
        // Not unanswered, or outside the period: must not be read.
        store
            .record(&question(
                at + 120,
                "can i do yoga after prolotherapy",
                Outcome::Answer,
                Some("exercise"),
            ))
            .expect("record");
        store
            .record(&question(
                at + 120,
                "chest pain",
                Outcome::Emergency,
                Some("chest"),
            ))
            .expect("record");
        store
            .record(&question(
                NOW - 10 * DAY,
                "yoga after prolotherapy",
                Outcome::NoMatch,
                None,
            ))
            .expect("record");

        let query = ReportQuery {
            since: NOW - 2 * DAY,
            ..ReportQuery::default()
        };
        let rows = store.report_rows(&query).expect("report rows");
        let unanswered = |question: &str, suggested: bool, at: i64| UnansweredRow {
            question: question.into(),
            suggested,
            at,
        };
        // Newest first; asked in the same second, the later row first.
        assert_eq!(
            rows.unanswered,
            [
                unanswered("yoga after prolotherapy?", false, at + 60),
                unanswered("prolotherapy costs", true, at),
                unanswered("is yoga ok after prolotherapy", false, at),
            ]
        );
        assert!(!rows.unanswered_capped);
        assert_eq!(
            (
                rows.totals.no_match,
                rows.totals.suggest,
                rows.totals.total()
            ),
            (2, 1, 5)
        );
    }

    #[test]
    fn unanswered_rows_are_capped_to_the_most_recent() {
        let store = Store::open_in_memory().expect("open");
        store
            .record(&question(
                NOW - 1,
                "oldest excluded",
                Outcome::NoMatch,
                None,
            ))
            .expect("record");
        for index in 0..sql_int(MAX_UNANSWERED_ROWS) {
            store
                .record(&question(
                    NOW + index,
                    "same question",
                    Outcome::NoMatch,
                    None,
                ))
                .expect("record");
        }
        let rows = store
            .report_rows(&ReportQuery::default())
            .expect("report rows");
        assert!(rows.unanswered_capped);
        assert_eq!(rows.unanswered.len(), MAX_UNANSWERED_ROWS);
        assert!(rows
            .unanswered
            .iter()
            .all(|row| row.question == "same question"));
        assert_eq!(rows.totals.no_match, MAX_UNANSWERED_ROWS as u64 + 1);
    }

    #[test]
    fn low_confidence_answers_are_newest_first_and_limited() {
        let store = Store::open_in_memory().expect("open");
        for (offset, confidence) in [(0, 0.3_f32), (1, 0.9), (2, 0.5), (3, 0.59), (4, 0.6)] {
            let mut record = question(NOW + offset, "q", Outcome::Answer, Some("e"));
            record.confidence = confidence;
            store.record(&record).expect("record");
        }
        let mut suggest = question(NOW + 5, "q", Outcome::Suggest, Some("e"));
        suggest.confidence = 0.1;
        store.record(&suggest).expect("record");

        let query = ReportQuery {
            low_confidence_below: 0.6,
            low_confidence_limit: 2,
            ..ReportQuery::default()
        };
        let rows = store.report_rows(&query).expect("report rows");
        let seen: Vec<(i64, f32)> = rows
            .low_confidence
            .iter()
            .map(|a| (a.at - NOW, a.confidence))
            .collect();
        assert_eq!(seen, [(3, 0.59), (2, 0.5)]);
    }

    #[test]
    fn empty_database_has_empty_report_rows() {
        let store = Store::open_in_memory().expect("open");
        let rows = store
            .report_rows(&ReportQuery::default())
            .expect("report rows");
        assert_eq!(rows.totals.total(), 0);
        assert_eq!(rows, ReportRows::default());
    }

    const KILL_CHILD_ENV: &str = "PROLOBOT_STORE_KILL_CHILD";
    const KILL_AFTER_COMMITS: usize = 50;

    /// Child half of `committed_rows_survive_a_kill`; does nothing unless started by it.
    #[test]
    fn kill_child_writer() {
        let Some(path) = std::env::var_os(KILL_CHILD_ENV) else {
            return;
        };
        let store = Store::open(Path::new(&path)).expect("child open");
        let mut stdout = io::stdout().lock();
        for n in 0..10_000 {
            let text = format!("kill test question {n}");
            let id = store
                .record(&question(NOW + n, &text, Outcome::NoMatch, None))
                .expect("child record");
            writeln!(stdout, "committed {n} as {id}").expect("child write");
            stdout.flush().expect("child flush");
        }
        std::thread::sleep(Duration::from_mins(1));
    }

    #[test]
    fn committed_rows_survive_a_kill() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("insights.db");
        let mut child = Command::new(std::env::current_exe().expect("test binary"))
            .args(["--exact", "store::tests::kill_child_writer", "--nocapture"])
            .env(KILL_CHILD_ENV, &path)
            .stdout(Stdio::piped())
            .spawn()
            .expect("spawn child");
        let mut lines = BufReader::new(child.stdout.take().expect("child stdout")).lines();
        let mut committed: Vec<(i64, i64)> = Vec::new();
        while committed.len() < KILL_AFTER_COMMITS {
            let line = lines
                .next()
                .expect("child ended before committing enough")
                .expect("read child");
            if let Some(commit) = parse_commit(&line) {
                committed.push(commit);
            }
        }
        child.kill().expect("kill child");
        let status = child.wait().expect("wait child");
        #[cfg(unix)]
        assert_eq!(
            std::os::unix::process::ExitStatusExt::signal(&status),
            Some(9),
            "{status:?}"
        );
        #[cfg(not(unix))]
        assert!(!status.success());
        // Lines still in the pipe were committed before the kill as well.
        committed.extend(
            lines
                .map_while(Result::ok)
                .filter_map(|line| parse_commit(&line)),
        );
        let numbers: Vec<i64> = committed.iter().map(|&(n, _)| n).collect();
        assert_eq!(
            numbers,
            (0..sql_int(numbers.len())).collect::<Vec<_>>(),
            "unparsed commit lines"
        );

        let store = Store::open(&path).expect("reopen after kill");
        for &(n, id) in &committed {
            let text: Option<String> = store
                .conn
                .query_row(
                    "SELECT question FROM questions WHERE id = ?1",
                    [id],
                    |row| row.get(0),
                )
                .optional()
                .expect("query");
            assert_eq!(
                text,
                Some(format!("kill test question {n}")),
                "committed row {id} lost"
            );
        }
        assert!(count_rows(&store, "SELECT COUNT(*) FROM questions") >= sql_int(committed.len()));
    }

    /// Parses the child's "committed N as ID" lines.
    fn parse_commit(line: &str) -> Option<(i64, i64)> {
        let (n, id) = line.strip_prefix("committed ")?.split_once(" as ")?;
        Some((n.parse().ok()?, id.parse().ok()?))
    }
}
