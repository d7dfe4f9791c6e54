//! Setting up a connection: durability, locking, memory-mapping and privacy settings, and the
//! schema migrations that bring any older database to the current schema.

use std::time::Duration;

use rusqlite::{Connection, TransactionBehavior};

use super::error::{Context, StoreError};
use super::sql_int;

/// How long a statement waits for another connection's lock before failing. The bot's writer
/// retries after it (see [`super::writer`]), so this only bounds how long one attempt blocks
/// the writer's own thread; nothing a reply waits for.
pub(super) const BUSY_TIMEOUT: Duration = Duration::from_secs(1);

/// Schema migrations; migration `i` brings `PRAGMA user_version` from `i` to `i + 1`.
/// Never edit a released migration: append a new one.
///
/// `AUTOINCREMENT` keeps question ids from ever being reused after pruning, because
/// old Discord vote buttons carry the id forever.
///
/// Migration 2 clears the channel id of direct-message rows (guild id `NULL`): a DM channel is
/// one per user, so its id identifies a person. [`super::DM_CHANNEL_MARKER`] replaces it.
/// Migration 3 indexes a server's questions by outcome and time, for `/faqmod stats` on a
/// large database.
const MIGRATIONS: &[&str] = &[
    "
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
",
    "
    UPDATE questions SET channel_id = 0 WHERE guild_id IS NULL;
",
    "
    CREATE INDEX questions_by_guild_outcome_time ON questions (guild_id, outcome, at);
",
];

/// Configures `conn` and migrates its database to the current schema.
pub(super) fn prepare(conn: &Connection) -> Result<(), StoreError> {
    configure(conn)?;
    migrate(conn, MIGRATIONS)
}

/// Sets durability, locking and privacy pragmas (see the store's module docs).
fn configure(conn: &Connection) -> Result<(), StoreError> {
    conn.busy_timeout(BUSY_TIMEOUT)
        .context("set the busy timeout")?;
    conn.execute_batch(
        "PRAGMA mmap_size = 0;
         PRAGMA journal_mode = WAL;
         PRAGMA synchronous = NORMAL;
         PRAGMA foreign_keys = ON;
         PRAGMA secure_delete = ON;",
    )
    .context("configure the database connection")
}

/// Sets up a connection that only reads (reports, vote look-ups): no memory-mapped reads, and
/// no writes at all, so it never takes the write lock and never waits for one.
pub(super) fn prepare_reader(conn: &Connection) -> Result<(), StoreError> {
    conn.busy_timeout(BUSY_TIMEOUT)
        .context("set the busy timeout")?;
    conn.execute_batch(
        "PRAGMA mmap_size = 0;
         PRAGMA query_only = ON;",
    )
    .context("configure a read connection")
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

#[cfg(test)]
mod tests {
    use super::super::fixtures::{count_rows, question, NOW};
    use super::super::{Outcome, Store};
    use super::*;

    #[test]
    fn file_database_uses_wal_normal_foreign_keys_no_mmap_and_busy_timeout() {
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
        assert_eq!(pragma("busy_timeout"), "1000");
        assert_eq!(pragma("mmap_size"), "0");
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
    fn migration_2_clears_the_channel_of_direct_message_rows() {
        let conn = Connection::open_in_memory().expect("open");
        migrate(&conn, &MIGRATIONS[..1]).expect("schema 1");
        conn.execute_batch(
            "INSERT INTO questions (at, guild_id, channel_id, question, outcome, confidence)
             VALUES (1, NULL, 555, 'asked in a DM', 'no_match', 0.0),
                    (1, 42, 7, 'asked in a server', 'no_match', 0.0);",
        )
        .expect("rows of schema 1");
        migrate(&conn, MIGRATIONS).expect("migrate");
        let channels: Vec<(Option<i64>, i64)> = conn
            .prepare("SELECT guild_id, channel_id FROM questions ORDER BY id")
            .and_then(|mut rows| {
                rows.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
                    .collect()
            })
            .expect("read back");
        assert_eq!(channels, [(None, 0), (Some(42), 7)]);
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
}
