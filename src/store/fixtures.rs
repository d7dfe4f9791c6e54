//! Records, a fixed time and raw look-ups shared by the store's tests.

use std::path::Path;

use super::{Outcome, QuestionRecord, Store, SECONDS_PER_DAY};

/// A fixed "now" (2025-06-15 15:06:40 UTC).
pub const NOW: i64 = 1_750_000_000;
/// Seconds per day.
pub const DAY: i64 = SECONDS_PER_DAY;

/// A question asked at `at` in guild 42, channel 7, with confidence 0.8.
pub fn question<'a>(
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

/// The single integer `sql` returns (a count, a pragma).
pub fn count_rows(store: &Store, sql: &str) -> i64 {
    store
        .conn
        .query_row(sql, [], |row| row.get(0))
        .expect("count query")
}

/// Whether any file in `dir` holds `needle`'s bytes (the database, its WAL).
pub fn file_bytes_contain(dir: &Path, needle: &str) -> bool {
    std::fs::read_dir(dir).expect("list dir").any(|entry| {
        let bytes = std::fs::read(entry.expect("dir entry").path()).expect("read file");
        bytes
            .windows(needle.len())
            .any(|window| window == needle.as_bytes())
    })
}
