//! The report queries: the plain rows a moderator report is built from (outcome counts,
//! unanswered questions, entry hits and votes, low-confidence answers, emergencies per rule),
//! read in one snapshot.

use rusqlite::{params, Connection, Params, Row};

use super::error::{Context, StoreError};
use super::{discord_id_to_sql, sql_int, Store};

/// [`Store::report_rows`] reads at most this many of the most recent unanswered
/// questions, which bounds the time and memory of grouping them.
pub const MAX_UNANSWERED_ROWS: usize = 5_000;

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
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnansweredRow {
    /// The normalised question.
    pub question: String,
    /// True when it got suggestions, false when nothing matched.
    pub suggested: bool,
    /// Unix time asked.
    pub at: i64,
}

/// The rows a report is built from, read in one snapshot by [`Store::report_rows`].
pub type ReportRows = ReportSections<UnansweredRow>;

/// The sections of a moderator report, with each unanswered question held as `U`: one
/// [`UnansweredRow`] per question as read ([`ReportRows`]), or similar questions grouped
/// once the report is built ([`crate::report::Report`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReportSections<U> {
    /// What the report covers.
    pub query: ReportQuery,
    /// Questions per outcome (the emergency total is `totals.emergency`).
    pub totals: OutcomeCounts,
    /// The unanswered questions: as read, the most recent ones (at most
    /// [`MAX_UNANSWERED_ROWS`]), newest first; once built, their groups, biggest first.
    pub unanswered: Vec<U>,
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

impl Store {
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

    /// `sql` with its guild filter, written `(?2 IS NULL OR guild_id = ?2)` (or with `q.`),
    /// made plain for this scope: `SQLite` cannot use the guild index for the `OR` form, and a
    /// server's `/faqmod stats` would then read every server's rows.
    fn narrow(self, sql: &str) -> String {
        let (filter, joined) = if self.guild_id.is_some() {
            ("guild_id = ?2", "q.guild_id = ?2")
        } else {
            ("?2 IS NULL", "?2 IS NULL")
        };
        sql.replace("(?2 IS NULL OR guild_id = ?2)", filter)
            .replace("(?2 IS NULL OR q.guild_id = ?2)", joined)
    }
}

/// Runs `sql`, narrowed to `scope`, with `params`, mapping every row it returns; errors say
/// they happened while trying to `action`.
fn query_rows<T>(
    conn: &Connection,
    action: &'static str,
    (sql, scope): (&str, Scope),
    params: impl Params,
    map: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
) -> Result<Vec<T>, StoreError> {
    let mut statement = conn.prepare(&scope.narrow(sql)).context(action)?;
    let rows = statement.query_map(params, map).context(action)?;
    rows.collect::<Result<_, _>>().context(action)
}

fn outcome_counts(conn: &Connection, scope: Scope) -> Result<OutcomeCounts, StoreError> {
    let rows = query_rows(
        conn,
        "count questions per outcome",
        (
            "SELECT outcome, COUNT(*) FROM questions
         WHERE at >= ?1 AND (?2 IS NULL OR guild_id = ?2)
         GROUP BY outcome",
            scope,
        ),
        params![scope.since, scope.guild_id],
        |row| Ok((row.get::<_, String>(0)?, count(row.get(1)?))),
    )?;
    let mut counts = OutcomeCounts::default();
    for (outcome, count) in rows {
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
    query_rows(
        conn,
        "read unanswered questions",
        (
            "SELECT question, outcome = 'suggest', at FROM questions
         WHERE outcome IN ('no_match', 'suggest') AND question IS NOT NULL
           AND at >= ?1 AND (?2 IS NULL OR guild_id = ?2)
         ORDER BY at DESC, id DESC
         LIMIT ?3",
            scope,
        ),
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
}

fn entry_stats(conn: &Connection, scope: Scope) -> Result<Vec<EntryStats>, StoreError> {
    query_rows(
        conn,
        "count hits and votes per entry",
        (
            "SELECT q.entry_id, COUNT(*),
                COALESCE(SUM(v.helpful = 1), 0), COALESCE(SUM(v.helpful = 0), 0)
         FROM questions q LEFT JOIN votes v ON v.question_id = q.id
         WHERE q.outcome = 'answer' AND q.entry_id IS NOT NULL
           AND q.at >= ?1 AND (?2 IS NULL OR q.guild_id = ?2)
         GROUP BY q.entry_id
         ORDER BY COUNT(*) DESC, q.entry_id",
            scope,
        ),
        params![scope.since, scope.guild_id],
        |row| {
            Ok(EntryStats {
                entry_id: row.get(0)?,
                hits: count(row.get(1)?),
                helpful: count(row.get(2)?),
                not_helpful: count(row.get(3)?),
            })
        },
    )
}

fn low_confidence_answers(
    conn: &Connection,
    scope: Scope,
    query: &ReportQuery,
) -> Result<Vec<LowConfidenceAnswer>, StoreError> {
    query_rows(
        conn,
        "read low-confidence answers",
        (
            "SELECT id, at, COALESCE(question, ''), entry_id, confidence FROM questions
         WHERE outcome = 'answer' AND confidence < ?3
           AND at >= ?1 AND (?2 IS NULL OR guild_id = ?2)
         ORDER BY at DESC, id DESC
         LIMIT ?4",
            scope,
        ),
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
}

fn emergency_counts(conn: &Connection, scope: Scope) -> Result<Vec<RuleCount>, StoreError> {
    query_rows(
        conn,
        "count emergencies per rule",
        (
            "SELECT entry_id, COUNT(*) FROM questions
         WHERE outcome = 'emergency' AND at >= ?1 AND (?2 IS NULL OR guild_id = ?2)
         GROUP BY entry_id
         ORDER BY COUNT(*) DESC, entry_id",
            scope,
        ),
        params![scope.since, scope.guild_id],
        |row| {
            Ok(RuleCount {
                rule_id: row.get(0)?,
                count: count(row.get(1)?),
            })
        },
    )
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{question, DAY, NOW};
    use super::super::Outcome;
    use super::*;

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

    /// The report's queries on 1,000,000 rows in two guilds, timed: run it in release with
    /// `cargo test --release --lib -- --ignored --nocapture million` (see RELIABILITY.md).
    #[test]
    #[ignore = "a measurement: builds a 1,000,000-row database"]
    fn report_rows_on_a_million_questions() {
        const ROWS: i64 = 1_000_000;
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(&dir.path().join("million.db")).expect("open");
        let started = std::time::Instant::now();
        let transaction = store.conn.unchecked_transaction().expect("begin");
        for n in 0..ROWS {
            let (outcome, entry) = match n % 20 {
                0..=11 => (Outcome::Answer, Some("cost")),
                12..=15 => (Outcome::Suggest, None),
                16..=18 => (Outcome::NoMatch, None),
                _ => (Outcome::Emergency, Some("chest")),
            };
            let text = format!("question about topic {} number {}", n % 997, n % 13);
            let mut record = question(NOW - DAY * 80 + n * 6, &text, outcome, entry);
            record.guild_id = Some(if n % 2 == 0 { 42 } else { 43 });
            let id = store.record(&record).expect("record");
            if outcome == Outcome::Answer && n % 7 == 0 {
                store.vote(id, n % 3 == 0, NOW).expect("vote");
            }
        }
        transaction.commit().expect("commit");
        println!("filled {ROWS} rows in {:?}", started.elapsed());
        for guild_id in [Some(42), None] {
            let query = ReportQuery {
                guild_id,
                ..ReportQuery::default()
            };
            let started = std::time::Instant::now();
            let rows = store.report_rows(&query).expect("report rows");
            let read = started.elapsed();
            let analyzer = prolobot_core::Analyzer::default();
            let report = crate::report::build(rows, &|text| analyzer.terms(text));
            println!(
                "guild {guild_id:?}: rows read in {read:?}, report built in {:?} ({} questions)",
                started.elapsed(),
                report.totals.total()
            );
        }
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
}
