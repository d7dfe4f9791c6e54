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
//! channel id (in DMs the fixed [`DM_CHANNEL_MARKER`] instead: a DM channel is one per
//! user, so its id would identify the person), the question text as normalised by the
//! caller, the outcome, the matched FAQ entry id (for emergencies the red-flag rule id) and
//! the match confidence. This is what moderators and clinics need to see which questions
//! the FAQ does not answer yet.
//!
//! Privacy by default:
//! - no user ids, user names, message ids or DM channel ids are ever stored, and a vote is
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
//! small server's disk. Memory-mapped reads are off (`mmap_size = 0`), so an I/O error on
//! the file is an error, not a `SIGBUS`.
//!
//! # One writer, many readers
//!
//! The bot writes through [`Writer`]: one thread owns the write connection and takes its
//! work from a bounded queue, so nothing that answers a user waits for `SQLite` (or for
//! another process holding the write lock). Question ids are reserved from a counter before
//! the row is written, for the vote buttons. Reports and look-ups read through their own
//! connections ([`Store::open_reader`]), which in WAL mode never wait for a writer.
//!
//! # Backups
//!
//! [`Store::backup_to`] copies the database with `SQLite`'s online backup API, safely while the
//! bot runs (`prolobot backup PATH`). Upgrades need nothing: [`Store::open`] migrates an older
//! database to the current schema in one transaction.

mod backup;
mod error;
#[cfg(test)]
mod fixtures;
mod report_rows;
mod setup;
mod writer;

use std::path::{Path, PathBuf};

use rusqlite::{params, Connection, ErrorCode, OpenFlags, OptionalExtension};

pub use error::StoreError;
pub use prolobot_core::Outcome;
pub use report_rows::{
    EntryStats, LowConfidenceAnswer, OutcomeCounts, ReportQuery, ReportRows, ReportSections,
    RuleCount, UnansweredRow, MAX_UNANSWERED_ROWS,
};
pub use writer::{Overflow, QuestionRow, Writer, WriterJob, QUEUE_CAPACITY};

use error::Context;

/// Seconds since the Unix epoch, as the store keeps times (0 if the clock is before it).
#[must_use]
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| {
            i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX)
        })
}

/// Default number of days question rows are kept before [`Store::prune`] deletes them.
pub const DEFAULT_RETENTION_DAYS: u32 = 90;

const SECONDS_PER_DAY: i64 = 86_400;

/// The channel id stored for a question asked in a direct message (guild id `NULL`): never
/// the DM channel's own id, which is one per user.
pub const DM_CHANNEL_MARKER: u64 = 0;

/// One handled question, as passed to [`Store::record`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QuestionRecord<'a> {
    /// Unix time in seconds.
    pub at: i64,
    /// Discord guild id; `None` in direct messages.
    pub guild_id: Option<u64>,
    /// Discord channel id. Not stored for direct messages ([`DM_CHANNEL_MARKER`] instead).
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

/// An answered question, from [`Store::votable`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnsweredQuestion {
    /// The normalised question.
    pub question: String,
    /// The entry given as the answer.
    pub entry_id: String,
}

/// Whether a question can still be rated, from [`Store::votable`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Votable {
    /// An answer nobody rated yet; the question and entry when both were stored.
    Open(Option<AnsweredQuestion>),
    /// This answer already has a vote.
    AlreadyVoted,
    /// No question with this id (never recorded, or pruned).
    UnknownQuestion,
    /// The question exists but was not answered (suggest, no match, emergency).
    NotAnAnswer,
}

/// The insight database. Not `Sync`: share it behind a mutex and call it off
/// the async runtime (e.g. `spawn_blocking`).
#[derive(Debug)]
pub struct Store {
    conn: Connection,
}

impl Store {
    /// Opens (creating if needed) the database file and migrates it to the current schema.
    /// When `SQLite` cannot write the file or create its journal beside it (a read-only file
    /// or folder), the error is [`StoreError::Open`] naming the file.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let opened = |source| StoreError::Open {
            path: path.to_owned(),
            source,
        };
        let conn = Connection::open(path).map_err(opened)?;
        Self::initialise(conn).map_err(|error| match error {
            StoreError::Sqlite { source, .. }
                if matches!(
                    source.sqlite_error_code(),
                    Some(ErrorCode::ReadOnly | ErrorCode::CannotOpen | ErrorCode::PermissionDenied)
                ) =>
            {
                opened(source)
            }
            other => other,
        })
    }

    /// Opens the database file at `path` to read only: no migration, no write lock ever taken,
    /// so it opens and reads while another connection or process holds the write lock. The
    /// database must exist and be migrated (the bot's writer did that at start-up).
    pub fn open_reader(path: &Path) -> Result<Self, StoreError> {
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).map_err(|source| StoreError::Open {
            path: path.to_owned(),
            source,
        })?;
        setup::prepare_reader(&conn)?;
        Ok(Self { conn })
    }

    /// Opens the database file only if it exists (creating nothing) and migrates it: for
    /// commands that read a database the bot wrote, where a new, empty one would mislead.
    pub fn open_existing(path: &Path) -> Result<Self, StoreError> {
        let open = || -> Result<Connection, StoreError> {
            if !path.try_exists().unwrap_or(true) {
                return Err(StoreError::NotFound {
                    path: path.to_owned(),
                });
            }
            // Without `SQLITE_OPEN_CREATE`, so a file removed meanwhile is not created either.
            let flags = OpenFlags::default().difference(OpenFlags::SQLITE_OPEN_CREATE);
            Connection::open_with_flags(path, flags).map_err(|source| StoreError::Open {
                path: path.to_owned(),
                source,
            })
        };
        Self::initialise(open()?)
    }

    /// Opens a fresh in-memory database (for tests and dry runs).
    pub fn open_in_memory() -> Result<Self, StoreError> {
        let conn = Connection::open_in_memory().context("open an in-memory database")?;
        Self::initialise(conn)
    }

    fn initialise(conn: Connection) -> Result<Self, StoreError> {
        setup::prepare(&conn)?;
        Ok(Self { conn })
    }

    /// The database file, `None` for an in-memory database.
    #[must_use]
    pub fn path(&self) -> Option<PathBuf> {
        self.conn
            .path()
            .filter(|path| !path.is_empty())
            .map(PathBuf::from)
    }

    /// Stores one handled question and returns its row id (for votes).
    /// For emergencies the question text is dropped; in DMs the channel id.
    pub fn record(&self, record: &QuestionRecord<'_>) -> Result<i64, StoreError> {
        self.insert(None, record)
    }

    /// Stores one handled question under the row id `id`, reserved earlier (see
    /// [`Store::next_question_id`]). Fails with a constraint error if a row has that id.
    pub fn record_as(&self, id: i64, record: &QuestionRecord<'_>) -> Result<i64, StoreError> {
        self.insert(Some(id), record)
    }

    fn insert(&self, id: Option<i64>, record: &QuestionRecord<'_>) -> Result<i64, StoreError> {
        if !(0.0..=1.0).contains(&record.confidence) {
            return Err(StoreError::InvalidConfidence(record.confidence));
        }
        let question = (record.outcome != Outcome::Emergency).then_some(record.question);
        let channel = if record.guild_id.is_some() {
            record.channel_id
        } else {
            DM_CHANNEL_MARKER
        };
        self.conn
            .prepare_cached(
                "INSERT INTO questions (id, at, guild_id, channel_id, question, outcome, entry_id, confidence)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )
            .and_then(|mut insert| {
                insert.insert(params![
                    id,
                    record.at,
                    record.guild_id.map(discord_id_to_sql),
                    discord_id_to_sql(channel),
                    question,
                    record.outcome.as_str(),
                    record.entry_id,
                    f64::from(record.confidence),
                ])
            })
            .context("record a question")
    }

    /// The smallest question id never used in this database, pruned rows included
    /// (`AUTOINCREMENT` remembers the largest id ever given out).
    pub fn next_question_id(&self) -> Result<i64, StoreError> {
        self.conn
            .query_row(
                "SELECT MAX(
                     COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'questions'), 0),
                     COALESCE((SELECT MAX(id) FROM questions), 0)
                 ) + 1",
                [],
                |row| row.get(0),
            )
            .context("read the next question id")
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

    /// Whether the question `question_id` can be rated, and if so its normalised question and
    /// the entry it was answered with (for the "Not helpful" follow-up). Reads only.
    pub fn votable(&self, question_id: i64) -> Result<Votable, StoreError> {
        let row: Option<(String, Option<String>, Option<String>, bool)> = self
            .conn
            .query_row(
                "SELECT outcome, question, entry_id,
                        EXISTS (SELECT 1 FROM votes WHERE question_id = questions.id)
                 FROM questions WHERE id = ?1",
                [question_id],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
            )
            .optional()
            .context("look up a question to rate")?;
        Ok(match row {
            None => Votable::UnknownQuestion,
            Some((outcome, ..)) if outcome != Outcome::Answer.as_str() => Votable::NotAnAnswer,
            Some((.., true)) => Votable::AlreadyVoted,
            Some((_, question, entry_id, false)) => Votable::Open(
                question
                    .zip(entry_id)
                    .map(|(question, entry_id)| AnsweredQuestion { question, entry_id }),
            ),
        })
    }

    /// Deletes questions (and their votes) asked more than `retention_days` days
    /// before `now` (unix seconds). Returns how many questions were deleted.
    pub fn prune(&self, now: i64, retention_days: u32) -> Result<usize, StoreError> {
        let cutoff = now.saturating_sub(i64::from(retention_days) * SECONDS_PER_DAY);
        self.conn
            .execute("DELETE FROM questions WHERE at < ?1", [cutoff])
            .context("prune old questions")
    }
}

/// Bit-casts a Discord snowflake for an `INTEGER` column.
fn discord_id_to_sql(id: u64) -> i64 {
    i64::from_ne_bytes(id.to_ne_bytes())
}

/// A `usize` for an `INTEGER` parameter (saturating; real values are small).
fn sql_int(value: usize) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::fixtures::{count_rows, file_bytes_contain, question, DAY, NOW};
    use super::*;

    use std::io::{self, BufRead, BufReader, Write};
    use std::process::{Command, Stdio};
    use std::time::Duration;

    #[test]
    fn open_existing_creates_nothing_and_opens_what_exists() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("prolobot.db");
        let result = Store::open_existing(&path);
        assert!(
            matches!(&result, Err(StoreError::NotFound { path: p }) if *p == path),
            "{result:?}"
        );
        assert_eq!(std::fs::read_dir(dir.path()).expect("list").count(), 0);
        Store::open(&path).expect("create");
        assert!(Store::open_existing(&path).is_ok());
    }

    #[test]
    fn votable_says_whether_and_what_can_be_rated() {
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
            store.votable(answer).expect("look up"),
            Votable::Open(Some(AnsweredQuestion {
                question: "does it hurt".into(),
                entry_id: "pain".into(),
            }))
        );
        assert_eq!(
            store.votable(no_match).expect("look up"),
            Votable::NotAnAnswer
        );
        assert_eq!(
            store.votable(no_match + 1).expect("look up"),
            Votable::UnknownQuestion
        );
        store.vote(answer, true, NOW).expect("vote");
        assert_eq!(
            store.votable(answer).expect("look up"),
            Votable::AlreadyVoted
        );
    }

    #[test]
    fn a_direct_message_row_keeps_no_channel_id() {
        let store = Store::open_in_memory().expect("open");
        let mut dm = question(NOW, "asked in private", Outcome::NoMatch, None);
        dm.guild_id = None;
        dm.channel_id = 123_456_789;
        let id = store.record(&dm).expect("record");
        let stored: (Option<i64>, i64) = store
            .conn
            .query_row(
                "SELECT guild_id, channel_id FROM questions WHERE id = ?1",
                [id],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .expect("read back");
        assert_eq!(stored, (None, discord_id_to_sql(DM_CHANNEL_MARKER)));
        assert_eq!(
            count_rows(
                &store,
                "SELECT COUNT(*) FROM questions WHERE channel_id = 123456789"
            ),
            0
        );
    }

    #[test]
    fn reserved_ids_are_stored_as_given_and_never_handed_out_again() {
        let store = Store::open_in_memory().expect("open");
        assert_eq!(store.next_question_id().expect("next"), 1);
        let first = store
            .record(&question(NOW - 200 * DAY, "a", Outcome::NoMatch, None))
            .expect("record");
        assert_eq!(
            store
                .record_as(10, &question(NOW - 200 * DAY, "b", Outcome::NoMatch, None))
                .expect("record as 10"),
            10
        );
        assert!(
            store
                .record_as(10, &question(NOW, "c", Outcome::NoMatch, None))
                .is_err(),
            "an id in use is refused"
        );
        assert_eq!(store.prune(NOW, 90).expect("prune"), 2);
        assert_eq!(store.next_question_id().expect("next"), 11);
        assert!(first < 10);
    }

    #[test]
    fn a_reader_reads_while_another_connection_holds_the_write_lock() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("prolobot.db");
        let store = Store::open(&path).expect("open");
        store
            .record(&question(NOW, "committed", Outcome::NoMatch, None))
            .expect("record");
        let other = Connection::open(&path).expect("another connection");
        other
            .execute_batch("BEGIN IMMEDIATE")
            .expect("take the write lock");
        let reader = Store::open_reader(&path).expect("open a reader");
        let rows = reader
            .report_rows(&ReportQuery::default())
            .expect("report rows");
        assert_eq!(rows.totals.no_match, 1);
        assert!(
            reader
                .record(&question(NOW, "x", Outcome::NoMatch, None))
                .is_err(),
            "a reader never writes"
        );
        assert_eq!(store.path(), Some(path));
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
