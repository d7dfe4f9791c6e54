//! The store's error type, and the context ("what was being done") added to `SQLite` errors.

use std::path::PathBuf;

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
    /// [`Store::open_existing`](super::Store::open_existing) found no database at the path.
    #[error("there is no insights database at {}", path.display())]
    NotFound {
        /// The path.
        path: PathBuf,
    },
    /// The backup's file already exists; a backup never overwrites one.
    #[error("{} already exists; a backup never overwrites a file: choose a new name", path.display())]
    BackupExists {
        /// The file.
        path: PathBuf,
    },
    /// The backup's file could not be created.
    #[error("could not create the backup file {}", path.display())]
    BackupCreate {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Copying the database failed; the partial copy was removed.
    #[error("could not back up the insights database to {}", path.display())]
    Backup {
        /// The backup's file.
        path: PathBuf,
        /// The underlying `SQLite` error.
        #[source]
        source: rusqlite::Error,
    },
    /// The writer's thread could not be started.
    #[error("could not start the insights database's writer thread")]
    WriterThread(#[source] std::io::Error),
    /// The database is in memory, so there is no file for a read connection to open.
    #[error("the insights database is in memory: it has no file to read from")]
    NoFile,
    /// A confidence outside 0..=1 (or NaN) was given to [`Store::record`](super::Store::record).
    #[error("confidence must be between 0 and 1, got {0}")]
    InvalidConfidence(f32),
}

/// `error` and its causes on one line, `outer: inner`, for the writer's log lines.
pub(super) fn with_causes(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let said = cause.to_string();
        if !text.contains(&said) {
            text.push_str(": ");
            text.push_str(&said);
        }
        source = cause.source();
    }
    text
}

/// Adds "what was being done" to `rusqlite` errors.
pub(super) trait Context<T> {
    fn context(self, action: &'static str) -> Result<T, StoreError>;
}

impl<T> Context<T> for rusqlite::Result<T> {
    fn context(self, action: &'static str) -> Result<T, StoreError> {
        self.map_err(|source| StoreError::Sqlite { action, source })
    }
}
