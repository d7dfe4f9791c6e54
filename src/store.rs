//! Insight storage: what people ask, how the bot answered, and which answers helped.
//!
//! This module owns the bot's embedded `SQLite` database (schema, migrations,
//! durability settings, retention) and the moderator report built from it
//! (text for the CLI and Discord, CSV for export).
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

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

pub use prolobot_core::Outcome;

/// Default number of days question rows are kept before [`Store::prune`] deletes them.
pub const DEFAULT_RETENTION_DAYS: u32 = 90;

/// The unanswered-questions report groups at most this many of the most recent rows,
/// which bounds its time and memory.
pub const MAX_UNANSWERED_ROWS: usize = 5_000;

/// How long a statement waits for another connection's lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

const SECONDS_PER_DAY: i64 = 86_400;

/// Example texts kept per unanswered group.
const MAX_EXAMPLES: usize = 3;

/// Example texts longer than this are clipped in the text rendering.
const EXAMPLE_CHARS: usize = 60;

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

/// What [`Store::report`] covers and its tuning knobs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReportQuery {
    /// Only questions asked at or after this unix time (0 = all time).
    pub since: i64,
    /// Only this guild's questions; `None` = every guild and DMs (for the CLI).
    pub guild_id: Option<u64>,
    /// Two unanswered questions are grouped when the Jaccard similarity of their
    /// token sets is at least this.
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

/// Similar unanswered questions (no match or suggested) shown as one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnansweredGroup {
    /// How many of them had no match.
    pub no_match: usize,
    /// How many of them only got suggestions.
    pub suggest: usize,
    /// Unix time of the most recent one.
    pub last_asked: i64,
    /// Up to three distinct texts, newest first.
    pub examples: Vec<String>,
}

impl UnansweredGroup {
    /// How many questions the group holds.
    #[must_use]
    pub fn count(&self) -> usize {
        self.no_match + self.suggest
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

/// Insights over a period, from [`Store::report`].
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// What the report covers.
    pub query: ReportQuery,
    /// Questions per outcome (the emergency total is `totals.emergency`).
    pub totals: OutcomeCounts,
    /// Unanswered question groups, biggest first.
    pub unanswered: Vec<UnansweredGroup>,
    /// True when there were more than [`MAX_UNANSWERED_ROWS`] unanswered questions
    /// and only the most recent were grouped.
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

    /// Builds the insight report for `query`. `tokenize` turns a normalised question
    /// into the tokens used to group similar unanswered questions (the bot passes its
    /// stemmed, stopword-free tokenizer).
    pub fn report(
        &self,
        query: &ReportQuery,
        tokenize: &dyn Fn(&str) -> Vec<String>,
    ) -> Result<Report, StoreError> {
        // One read transaction, so all sections see the same snapshot.
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
        Ok(Report {
            query: *query,
            totals,
            unanswered: group_unanswered(&unanswered, tokenize, query.similarity_threshold),
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

/// An unanswered question as read for grouping.
struct UnansweredRow {
    question: String,
    suggested: bool,
    at: i64,
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

/// A group being built: how many distinct tokens its leader has, and the group so far.
struct GroupBuilder {
    leader_size: usize,
    group: UnansweredGroup,
}

impl GroupBuilder {
    /// A new group whose first (and newest) question is `row`.
    fn lead(leader_size: usize, row: &UnansweredRow) -> Self {
        let mut group = UnansweredGroup {
            no_match: 0,
            suggest: 0,
            last_asked: row.at,
            examples: Vec::new(),
        };
        add_to_group(&mut group, row);
        Self { leader_size, group }
    }
}

/// Leader clustering in one pass over `rows` (newest first): each question joins
/// the existing group whose leader (first, i.e. newest, member) is most similar,
/// if the Jaccard similarity of their token sets reaches `threshold`; otherwise it
/// leads a new group. Deterministic: ties go to the older group.
fn group_unanswered(
    rows: &[UnansweredRow],
    tokenize: &dyn Fn(&str) -> Vec<String>,
    threshold: f32,
) -> Vec<UnansweredGroup> {
    let mut builders: Vec<GroupBuilder> = Vec::new();
    // Inverted index of the leaders' tokens: token -> groups whose leader has it.
    let mut groups_by_token: HashMap<String, Vec<usize>> = HashMap::new();
    for row in rows {
        let tokens = token_set(&row.question, tokenize);
        if let Some(index) = most_similar_group(&tokens, &builders, &groups_by_token, threshold) {
            add_to_group(&mut builders[index].group, row);
            continue;
        }
        let leader_size = tokens.len();
        for token in tokens {
            groups_by_token
                .entry(token)
                .or_default()
                .push(builders.len());
        }
        builders.push(GroupBuilder::lead(leader_size, row));
    }
    let mut groups: Vec<UnansweredGroup> =
        builders.into_iter().map(|builder| builder.group).collect();
    // Groups were created newest first and the sort is stable, so equal counts
    // stay most-recently-asked first.
    groups.sort_by_key(|group| std::cmp::Reverse(group.count()));
    groups
}

/// Distinct tokens; a question without tokens stands for itself.
fn token_set(question: &str, tokenize: &dyn Fn(&str) -> Vec<String>) -> Vec<String> {
    let mut tokens = tokenize(question);
    if tokens.is_empty() {
        tokens.push(question.to_owned());
    }
    tokens.sort_unstable();
    tokens.dedup();
    tokens
}

/// The group whose leader is most similar to `tokens` (distinct), if any reaches
/// `threshold`. Shared-token counts come from the inverted index, so the cost is
/// one increment per (token, group) posting plus one pass over the groups.
fn most_similar_group(
    tokens: &[String],
    builders: &[GroupBuilder],
    groups_by_token: &HashMap<String, Vec<usize>>,
    threshold: f32,
) -> Option<usize> {
    let mut shared = vec![0_usize; builders.len()];
    for groups in tokens.iter().filter_map(|token| groups_by_token.get(token)) {
        for &index in groups {
            shared[index] += 1;
        }
    }
    let mut best: Option<(usize, f32)> = None;
    for (index, &shared) in shared.iter().enumerate().filter(|(_, &shared)| shared > 0) {
        let union = tokens.len() + builders[index].leader_size - shared;
        let similarity = shared as f32 / union as f32;
        if similarity >= threshold
            && best.is_none_or(|(_, best_similarity)| similarity > best_similarity)
        {
            best = Some((index, similarity));
        }
    }
    best.map(|(index, _)| index)
}

fn add_to_group(group: &mut UnansweredGroup, row: &UnansweredRow) {
    if row.suggested {
        group.suggest += 1;
    } else {
        group.no_match += 1;
    }
    if group.examples.len() < MAX_EXAMPLES && !group.examples.contains(&row.question) {
        group.examples.push(row.question.clone());
    }
}

/// A titled block of the text report whose rows can be cut to fit.
struct Section {
    header: String,
    rows: Vec<String>,
}

impl Section {
    fn cost(&self) -> usize {
        line_cost(&self.header) + self.rows.iter().map(|row| line_cost(row)).sum::<usize>()
    }

    /// The section as text of at most `budget` chars: all of it, or the header, as
    /// many rows as fit and "... N more"; nothing if not even that fits.
    fn render_within(&self, budget: usize) -> String {
        let shown = if self.cost() <= budget {
            self.rows.len()
        } else {
            let mut used = line_cost(&self.header);
            let mut shown = 0;
            for row in &self.rows {
                let more = more_line(self.rows.len() - shown - 1);
                if used + line_cost(row) + line_cost(&more) > budget {
                    break;
                }
                used += line_cost(row);
                shown += 1;
            }
            if used + line_cost(&more_line(self.rows.len() - shown)) > budget {
                return String::new();
            }
            shown
        };
        let mut text = format!("{}\n", self.header);
        for row in &self.rows[..shown] {
            text.push_str(row);
            text.push('\n');
        }
        if shown < self.rows.len() {
            text.push_str(&more_line(self.rows.len() - shown));
            text.push('\n');
        }
        text
    }
}

/// Chars a line takes, with its newline.
fn line_cost(line: &str) -> usize {
    line.chars().count() + 1
}

fn more_line(hidden: usize) -> String {
    format!("... {hidden} more")
}

/// Shares `budget` between sections: small sections get all they need, the
/// rest is split evenly among the larger ones.
fn allot(costs: &[usize], budget: usize) -> Vec<usize> {
    let mut by_cost: Vec<usize> = (0..costs.len()).collect();
    by_cost.sort_by_key(|&index| costs[index]);
    let mut remaining = budget;
    let mut allotments = vec![0; costs.len()];
    for (done, &index) in by_cost.iter().enumerate() {
        let share = remaining / (costs.len() - done);
        allotments[index] = costs[index].min(share);
        remaining -= allotments[index];
    }
    allotments
}

/// `text` cut to `max_chars` chars, ending in "…" when cut.
fn clip(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return text.to_owned();
    }
    let mut clipped: String = text.chars().take(max_chars.saturating_sub(1)).collect();
    if max_chars > 0 {
        clipped.push('…');
    }
    clipped
}

/// The UTC calendar date of a unix time, as YYYY-MM-DD.
fn utc_date(unix: i64) -> String {
    // Howard Hinnant's civil_from_days.
    let days = unix.div_euclid(SECONDS_PER_DAY) + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

impl Report {
    /// Compact human-readable report of at most `max_chars` chars (the CLI passes a
    /// large limit, Discord about 1,800). Rows that do not fit are summarised as
    /// "... N more"; each section gets a fair share of the space.
    #[must_use]
    pub fn render_text(&self, max_chars: usize) -> String {
        let title = clip(&self.title(), max_chars);
        let sections = [
            self.unanswered_section(),
            self.entries_section(),
            self.low_confidence_section(),
            self.emergencies_section(),
        ];
        let costs: Vec<usize> = sections.iter().map(Section::cost).collect();
        let allotments = allot(&costs, max_chars - line_cost(&title).min(max_chars));
        let mut text = title;
        text.push('\n');
        for (section, budget) in sections.iter().zip(allotments) {
            text.push_str(&section.render_within(budget));
        }
        text.pop(); // the last newline
        text
    }

    fn title(&self) -> String {
        let period = if self.query.since > 0 {
            format!("since {}", utc_date(self.query.since))
        } else {
            "all time".to_owned()
        };
        let scope = self.query.guild_id.map_or_else(
            || "all servers".to_owned(),
            |guild| format!("server {guild}"),
        );
        let t = &self.totals;
        format!(
            "FAQ insights, {period}, {scope}\nQuestions: {} (answered {}, suggested {}, no match {}, emergency {})",
            t.total(),
            t.answer,
            t.suggest,
            t.no_match,
            t.emergency
        )
    }

    fn unanswered_section(&self) -> Section {
        let capped = if self.unanswered_capped {
            format!(", most recent {MAX_UNANSWERED_ROWS} only")
        } else {
            String::new()
        };
        let rows = self
            .unanswered
            .iter()
            .map(|group| {
                let examples: Vec<String> = group
                    .examples
                    .iter()
                    .map(|example| format!("\"{}\"", clip(example, EXAMPLE_CHARS)))
                    .collect();
                format!(
                    "{}x ({} no match, {} suggested), last {}: {}",
                    group.count(),
                    group.no_match,
                    group.suggest,
                    utc_date(group.last_asked),
                    examples.join(" / ")
                )
            })
            .collect();
        Section {
            header: format!(
                "\nUnanswered questions ({} groups{capped}):",
                self.unanswered.len()
            ),
            rows,
        }
    }

    fn entries_section(&self) -> Section {
        let rows = self
            .entries
            .iter()
            .map(|entry| {
                let votes = match entry.helpful_ratio() {
                    Some(ratio) => format!(
                        "{}/{} helpful ({:.0}%)",
                        entry.helpful,
                        entry.helpful + entry.not_helpful,
                        ratio * 100.0
                    ),
                    None => "no votes".to_owned(),
                };
                format!("{}: {} hits, {votes}", entry.entry_id, entry.hits)
            })
            .collect();
        Section {
            header: format!("\nAnswers per entry ({} entries):", self.entries.len()),
            rows,
        }
    }

    fn low_confidence_section(&self) -> Section {
        let rows = self
            .low_confidence
            .iter()
            .map(|answer| {
                format!(
                    "{} #{} {} ({:.2}): \"{}\"",
                    utc_date(answer.at),
                    answer.question_id,
                    answer.entry_id.as_deref().unwrap_or("?"),
                    answer.confidence,
                    clip(&answer.question, EXAMPLE_CHARS)
                )
            })
            .collect();
        Section {
            header: format!(
                "\nLow-confidence answers to review (below {:.2}, {} shown):",
                self.query.low_confidence_below,
                self.low_confidence.len()
            ),
            rows,
        }
    }

    fn emergencies_section(&self) -> Section {
        let rows = self
            .emergencies
            .iter()
            .map(|rule| {
                format!(
                    "{}: {}",
                    rule.rule_id.as_deref().unwrap_or("(no rule id)"),
                    rule.count
                )
            })
            .collect();
        Section {
            header: format!("\nEmergencies: {}", self.totals.emergency),
            rows,
        }
    }

    /// Writes the whole report as CSV (RFC 4180, CRLF line ends). The `section`
    /// column tells rows apart: `total` (per outcome), `unanswered` (examples joined
    /// by newlines in `text`), `entry`, `low_confidence` and `emergency`. Question
    /// texts starting like a spreadsheet formula get a leading `'`.
    pub fn write_csv<W: Write>(&self, mut out: W) -> io::Result<()> {
        write_csv_record(&mut out, &CSV_COLUMNS.map(Cow::Borrowed))?;
        for row in self.csv_rows() {
            write_csv_record(&mut out, &row.fields())?;
        }
        out.flush()
    }

    fn csv_rows(&self) -> Vec<CsvRow> {
        let t = &self.totals;
        let totals = [
            (Outcome::Answer, t.answer),
            (Outcome::Suggest, t.suggest),
            (Outcome::NoMatch, t.no_match),
            (Outcome::Emergency, t.emergency),
        ]
        .map(|(outcome, count)| CsvRow {
            section: "total",
            key: outcome.as_str().to_owned(),
            count: Some(count),
            ..CsvRow::default()
        });
        let unanswered = self.unanswered.iter().map(|group| CsvRow {
            section: "unanswered",
            at: Some(group.last_asked),
            count: Some(group.count() as u64),
            no_match: Some(group.no_match as u64),
            suggest: Some(group.suggest as u64),
            text: group.examples.join("\n"),
            ..CsvRow::default()
        });
        let entries = self.entries.iter().map(|entry| CsvRow {
            section: "entry",
            key: entry.entry_id.clone(),
            count: Some(entry.hits),
            helpful: Some(entry.helpful),
            not_helpful: Some(entry.not_helpful),
            helpful_ratio: entry.helpful_ratio(),
            ..CsvRow::default()
        });
        let low_confidence = self.low_confidence.iter().map(|answer| CsvRow {
            section: "low_confidence",
            key: answer.entry_id.clone().unwrap_or_default(),
            question_id: Some(answer.question_id),
            at: Some(answer.at),
            confidence: Some(answer.confidence),
            text: answer.question.clone(),
            ..CsvRow::default()
        });
        let emergencies = self.emergencies.iter().map(|rule| CsvRow {
            section: "emergency",
            key: rule.rule_id.clone().unwrap_or_default(),
            count: Some(rule.count),
            ..CsvRow::default()
        });
        totals
            .into_iter()
            .chain(unanswered)
            .chain(entries)
            .chain(low_confidence)
            .chain(emergencies)
            .collect()
    }
}

const CSV_COLUMNS: [&str; 12] = [
    "section",
    "key",
    "question_id",
    "at",
    "count",
    "no_match",
    "suggest",
    "helpful",
    "not_helpful",
    "helpful_ratio",
    "confidence",
    "text",
];

/// One CSV line; unused columns stay empty.
#[derive(Default)]
struct CsvRow {
    section: &'static str,
    key: String,
    question_id: Option<i64>,
    at: Option<i64>,
    count: Option<u64>,
    no_match: Option<u64>,
    suggest: Option<u64>,
    helpful: Option<u64>,
    not_helpful: Option<u64>,
    helpful_ratio: Option<f32>,
    confidence: Option<f32>,
    text: String,
}

impl CsvRow {
    fn fields(&self) -> [Cow<'_, str>; 12] {
        fn number<T: ToString>(value: Option<T>) -> Cow<'static, str> {
            value.map_or(Cow::Borrowed(""), |value| Cow::Owned(value.to_string()))
        }
        fn fraction(value: Option<f32>) -> Cow<'static, str> {
            value.map_or(Cow::Borrowed(""), |value| Cow::Owned(format!("{value:.3}")))
        }
        [
            Cow::Borrowed(self.section),
            Cow::Borrowed(&self.key),
            number(self.question_id),
            number(self.at),
            number(self.count),
            number(self.no_match),
            number(self.suggest),
            number(self.helpful),
            number(self.not_helpful),
            fraction(self.helpful_ratio),
            fraction(self.confidence),
            defuse_formula(&self.text),
        ]
    }
}

fn write_csv_record<W: Write>(out: &mut W, fields: &[Cow<'_, str>]) -> io::Result<()> {
    let mut line = String::new();
    for (index, field) in fields.iter().enumerate() {
        if index > 0 {
            line.push(',');
        }
        push_csv_field(&mut line, field);
    }
    line.push_str("\r\n");
    out.write_all(line.as_bytes())
}

/// Appends `field`, quoted (with doubled quotes) when it holds a comma, quote or line break.
fn push_csv_field(line: &mut String, field: &str) {
    if field.contains([',', '"', '\n', '\r']) {
        line.push('"');
        line.push_str(&field.replace('"', "\"\""));
        line.push('"');
    } else {
        line.push_str(field);
    }
}

/// Prefixes `'` to user text a spreadsheet would run as a formula (CSV injection).
fn defuse_formula(text: &str) -> Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::io::{BufRead, BufReader};
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

    /// Stand-in for the bot's tokenizer: lower-case words, crude stemming, stopwords dropped.
    fn toy_tokens(text: &str) -> Vec<String> {
        const STOPWORDS: &[&str] = &[
            "a", "after", "and", "back", "can", "do", "does", "go", "how", "i", "is", "it", "much",
            "my", "ok", "should", "the", "to", "what", "when",
        ];
        text.split(|c: char| !c.is_alphanumeric())
            .filter(|word| !word.is_empty())
            .map(|word| {
                word.to_lowercase()
                    .trim_end_matches("ing")
                    .trim_end_matches('s')
                    .to_owned()
            })
            .filter(|word| !STOPWORDS.contains(&word.as_str()))
            .collect()
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
    fn record_round_trips_into_the_report() {
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

        let report = store
            .report(&ReportQuery::default(), &toy_tokens)
            .expect("report");
        assert_eq!(
            report.totals,
            OutcomeCounts {
                answer: 1,
                suggest: 0,
                no_match: 1,
                emergency: 0
            }
        );
        assert_eq!(report.entries.len(), 1);
        assert_eq!(
            (report.entries[0].entry_id.as_str(), report.entries[0].hits),
            ("pain", 1)
        );
        assert_eq!(report.unanswered.len(), 1);
        assert_eq!(
            report.unanswered[0].examples,
            ["is it covered by insurance"]
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
        let report = store.report(&query, &toy_tokens).expect("report");
        assert_eq!(report.totals.no_match, 1);
        assert_eq!(report.unanswered[0].examples, ["question in a big guild"]);
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

        let report = store
            .report(&ReportQuery::default(), &toy_tokens)
            .expect("report");
        assert_eq!(report.totals.emergency, 3);
        assert_eq!(
            report.emergencies,
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
        assert!(report.unanswered.is_empty() && report.low_confidence.is_empty());
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

        let report = store
            .report(&ReportQuery::default(), &toy_tokens)
            .expect("report");
        let stats = |id: &str| {
            report
                .entries
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
        let report = store
            .report(&ReportQuery::default(), &toy_tokens)
            .expect("report");
        let entry = &report.entries[0];
        assert_eq!((entry.hits, entry.helpful, entry.not_helpful), (5, 2, 2));
        assert_eq!(entry.helpful_ratio(), Some(0.5));
    }

    const YOGA_PHRASINGS: [&str; 20] = [
        "can i do yoga after prolotherapy",
        "yoga after prolotherapy?",
        "is yoga ok after prolotherapy",
        "when can i do yoga after prolotherapy",
        "can i practice yoga after prolotherapy",
        "is it safe to do yoga after prolotherapy",
        "yoga after my prolotherapy injection",
        "can i go back to yoga after prolotherapy",
        "how soon yoga after prolotherapy",
        "should i avoid yoga after prolotherapy",
        "doing yoga after prolotherapy",
        "yoga classes after prolotherapy",
        "hot yoga after prolotherapy",
        "can i resume yoga after prolotherapy",
        "is yoga allowed after prolotherapy",
        "yoga after prolotherapy treatment",
        "can i do yoga the day after prolotherapy",
        "yoga and prolotherapy",
        "when to restart yoga after prolotherapy",
        "is gentle yoga ok after prolotherapy",
    ];

    #[test]
    fn similar_unanswered_questions_form_one_group() {
        let store = Store::open_in_memory().expect("open");
        let others = [
            "how much does prolotherapy cost",
            "what does prolotherapy cost",
            "prolotherapy costs",
            "does prolotherapy hurt",
            "can i drink alcohol after prolotherapy",
        ];
        let mut at = NOW - DAY;
        for (index, text) in YOGA_PHRASINGS.iter().enumerate() {
            let outcome = if index % 4 == 0 {
                Outcome::Suggest
            } else {
                Outcome::NoMatch
            };
            store
                .record(&question(at, text, outcome, None))
                .expect("record");
            if let Some(other) = others.get(index) {
                store
                    .record(&question(at, other, Outcome::NoMatch, None))
                    .expect("record");
            }
            at += 60;
        }
        // Not unanswered, or outside the period: must not be counted.
        store
            .record(&question(
                at,
                "can i do yoga after prolotherapy",
                Outcome::Answer,
                Some("exercise"),
            ))
            .expect("record");
        store
            .record(&question(
                at,
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
        let report = store.report(&query, &toy_tokens).expect("report");
        let counts: Vec<usize> = report
            .unanswered
            .iter()
            .map(UnansweredGroup::count)
            .collect();
        assert_eq!(counts, [20, 3, 1, 1]);
        let yoga = &report.unanswered[0];
        assert_eq!((yoga.no_match, yoga.suggest), (15, 5));
        assert_eq!(yoga.last_asked, NOW - DAY + 19 * 60);
        assert_eq!(
            yoga.examples,
            [YOGA_PHRASINGS[19], YOGA_PHRASINGS[18], YOGA_PHRASINGS[17]]
        );
        assert!(report.unanswered[1]
            .examples
            .iter()
            .all(|text| text.contains("cost")));
        // Equal counts: most recently asked first.
        assert_eq!(report.unanswered[2].examples, [others[4]]);
        assert_eq!(report.unanswered[3].examples, [others[3]]);
        assert!(!report.unanswered_capped);

        let again = store.report(&query, &toy_tokens).expect("report again");
        assert_eq!(again, report, "grouping must be deterministic");
    }

    #[test]
    fn grouping_threshold_controls_merging() {
        let row = |question: &str| UnansweredRow {
            question: question.into(),
            suggested: false,
            at: NOW,
        };
        let rows = [row("yoga prolotherapy"), row("yoga prolotherapy injection")]; // Jaccard 2/3
        assert_eq!(group_unanswered(&rows, &toy_tokens, 0.6).len(), 1);
        assert_eq!(group_unanswered(&rows, &toy_tokens, 0.7).len(), 2);
        // Questions without tokens group by their exact text.
        let empty = [row("how"), row("how"), row("what")];
        let groups = group_unanswered(&empty, &toy_tokens, 0.5);
        assert_eq!(groups.len(), 2);
        assert_eq!(
            (groups[0].count(), &groups[0].examples[..]),
            (2, &["how".to_owned()][..])
        );
        // Repeated tokens count once: {yoga} vs {yoga, prolotherapy} is 1/2.
        let repeated = [row("yoga yoga"), row("yoga prolotherapy")];
        assert_eq!(group_unanswered(&repeated, &toy_tokens, 0.6).len(), 2);
    }

    #[test]
    fn unanswered_grouping_is_capped_to_the_most_recent_rows() {
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
        let report = store
            .report(&ReportQuery::default(), &toy_tokens)
            .expect("report");
        assert!(report.unanswered_capped);
        assert_eq!(report.unanswered.len(), 1);
        assert_eq!(report.unanswered[0].count(), MAX_UNANSWERED_ROWS);
        assert_eq!(report.totals.no_match, MAX_UNANSWERED_ROWS as u64 + 1);
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
        let report = store.report(&query, &toy_tokens).expect("report");
        let seen: Vec<(i64, f32)> = report
            .low_confidence
            .iter()
            .map(|a| (a.at - NOW, a.confidence))
            .collect();
        assert_eq!(seen, [(3, 0.59), (2, 0.5)]);
    }

    #[test]
    fn empty_database_report_renders() {
        let store = Store::open_in_memory().expect("open");
        let report = store
            .report(&ReportQuery::default(), &toy_tokens)
            .expect("report");
        assert_eq!(report.totals.total(), 0);
        let text = report.render_text(1_800);
        assert!(
            text.starts_with("FAQ insights, all time, all servers\nQuestions: 0"),
            "{text}"
        );
        assert!(
            text.contains("Unanswered questions (0 groups):") && text.contains("Emergencies: 0"),
            "{text}"
        );
        let mut csv = Vec::new();
        report.write_csv(&mut csv).expect("csv");
        let records = parse_csv(&String::from_utf8(csv).expect("utf-8"));
        assert_eq!(records.len(), 5, "header and one total per outcome");
    }

    /// A report with plenty of long, non-ASCII rows in every section.
    fn big_report() -> Report {
        let group = |index: usize| UnansweredGroup {
            no_match: index + 1,
            suggest: index,
            last_asked: NOW,
            examples: vec![format!("quelle thérapie {index} ✓ {}", "é".repeat(80)); 3],
        };
        Report {
            query: ReportQuery {
                since: NOW - 30 * DAY,
                guild_id: Some(1),
                ..ReportQuery::default()
            },
            totals: OutcomeCounts {
                answer: 500,
                suggest: 40,
                no_match: 300,
                emergency: 7,
            },
            unanswered: (0..300).map(group).collect(),
            unanswered_capped: true,
            entries: (0..40)
                .map(|index| EntryStats {
                    entry_id: format!("entry-{index}"),
                    hits: 100 - index,
                    helpful: index,
                    not_helpful: 1,
                })
                .collect(),
            low_confidence: (0..20)
                .map(|index| LowConfidenceAnswer {
                    question_id: index,
                    at: NOW,
                    question: "ça fait mal? ".repeat(10),
                    entry_id: Some("pain".into()),
                    confidence: 0.41,
                })
                .collect(),
            emergencies: vec![RuleCount {
                rule_id: Some("chest-pain".into()),
                count: 7,
            }],
        }
    }

    #[test]
    fn render_text_never_exceeds_max_chars() {
        let report = big_report();
        for max_chars in (0..400).chain([1_000, 1_799, 1_800, 1_801, 2_000, 5_000]) {
            let text = report.render_text(max_chars);
            assert!(
                text.chars().count() <= max_chars,
                "{max_chars}: {} chars",
                text.chars().count()
            );
        }
        let discord = report.render_text(1_800);
        assert!(
            discord.chars().count() > 1_500,
            "should use the space it has"
        );
        for expected in [
            "Unanswered questions",
            "more",
            "entry-0:",
            "Low-confidence",
            "Emergencies: 7",
            "chest-pain: 7",
        ] {
            assert!(discord.contains(expected), "{expected} missing:\n{discord}");
        }
        let full = report.render_text(usize::MAX);
        assert!(!full.contains("... "), "nothing is cut with a large limit");
        assert_eq!(full.matches("quelle thérapie").count(), 900);
    }

    #[test]
    fn render_text_formats_rows() {
        let mut report = big_report();
        report.unanswered.truncate(1);
        report.entries.truncate(2);
        report.entries[1].helpful = 0;
        report.entries[1].not_helpful = 0;
        report.low_confidence.truncate(1);
        let text = report.render_text(10_000);
        assert!(
            text.starts_with("FAQ insights, since 2025-05-16, server 1\n"),
            "{text}"
        );
        assert!(
            text.contains(
                "\n1x (1 no match, 0 suggested), last 2025-06-15: \"quelle thérapie 0 ✓ éééé"
            ),
            "{text}"
        );
        assert!(
            text.contains("entry-0: 100 hits, 0/1 helpful (0%)\nentry-1: 99 hits, no votes"),
            "{text}"
        );
        assert!(
            text.contains("2025-06-15 #0 pain (0.41): \"ça fait mal?"),
            "{text}"
        );
        assert!(text.contains("most recent 5000 only"), "{text}");
    }

    #[test]
    fn utc_dates() {
        assert_eq!(utc_date(0), "1970-01-01");
        assert_eq!(utc_date(951_782_400), "2000-02-29");
        assert_eq!(utc_date(1_700_000_000), "2023-11-14");
        assert_eq!(utc_date(-1), "1969-12-31");
        let _ = utc_date(i64::MIN); // no overflow panic
        let _ = utc_date(i64::MAX);
    }

    /// Minimal RFC 4180 reader, to check what `write_csv` produces.
    fn parse_csv(text: &str) -> Vec<Vec<String>> {
        let mut records = Vec::new();
        let (mut record, mut field) = (Vec::new(), String::new());
        let mut chars = text.chars().peekable();
        let mut quoted = false;
        while let Some(c) = chars.next() {
            match (quoted, c) {
                (true, '"') if chars.peek() == Some(&'"') => {
                    field.push('"');
                    chars.next();
                }
                (true, '"') => quoted = false,
                (false, '"') => quoted = true,
                (false, ',') => record.push(std::mem::take(&mut field)),
                (false, '\r') => assert_eq!(chars.next(), Some('\n'), "bare CR"),
                (false, '\n') => panic!("record ended by LF, not CRLF"),
                (_, c) => field.push(c),
            }
            if c == '\r' && !quoted {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
        }
        assert!(
            field.is_empty() && record.is_empty() && !quoted,
            "unterminated record"
        );
        records
    }

    #[test]
    fn csv_quotes_commas_quotes_and_newlines() {
        let tricky = "he said \"no\", then\nleft";
        let report = Report {
            query: ReportQuery::default(),
            totals: OutcomeCounts {
                answer: 1,
                suggest: 0,
                no_match: 2,
                emergency: 0,
            },
            unanswered: vec![
                UnansweredGroup {
                    no_match: 2,
                    suggest: 0,
                    last_asked: NOW,
                    examples: vec![tricky.into(), "=HYPERLINK(\"x\")".into()],
                },
                UnansweredGroup {
                    no_match: 1,
                    suggest: 1,
                    last_asked: NOW,
                    examples: vec!["first".into(), "second".into()],
                },
            ],
            unanswered_capped: false,
            entries: vec![EntryStats {
                entry_id: "a,b".into(),
                hits: 1,
                helpful: 1,
                not_helpful: 2,
            }],
            low_confidence: vec![LowConfidenceAnswer {
                question_id: 9,
                at: NOW,
                question: "@cmd".into(),
                entry_id: Some("a,b".into()),
                confidence: 0.25,
            }],
            emergencies: Vec::new(),
        };
        let mut out = Vec::new();
        report.write_csv(&mut out).expect("csv");
        let text = String::from_utf8(out).expect("utf-8");
        assert!(text.contains(",\"first\nsecond\"\r\n"), "{text}");
        assert!(
            text.contains("\"he said \"\"no\"\", then\nleft\n=HYPERLINK(\"\"x\"\")\""),
            "{text}"
        );

        let records = parse_csv(&text);
        assert!(
            records
                .iter()
                .all(|record| record.len() == CSV_COLUMNS.len()),
            "{records:?}"
        );
        assert_eq!(records[0], CSV_COLUMNS);
        let by_section = |section: &str| {
            records
                .iter()
                .find(|record| record[0] == section)
                .expect(section)
                .clone()
        };
        assert_eq!(by_section("total")[1..5], ["answer", "", "", "1"]);
        assert_eq!(
            by_section("unanswered")[11],
            format!("{tricky}\n=HYPERLINK(\"x\")")
        );
        assert_eq!(
            by_section("entry")[1..12],
            ["a,b", "", "", "1", "", "", "1", "2", "0.333", "", ""]
        );
        let low = by_section("low_confidence");
        assert_eq!(
            (low[2].as_str(), low[10].as_str(), low[11].as_str()),
            ("9", "0.250", "'@cmd")
        );
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
