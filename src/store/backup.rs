//! Copying the database while the bot runs, with `SQLite`'s online backup API.
//!
//! The copy is one consistent snapshot: all pages are copied in one step, inside one read
//! transaction, which in WAL mode never blocks the bot's writes (and the bot never blocks it).
//! Rows the bot commits meanwhile are simply not in the copy. The copy never overwrites a file.

use std::path::Path;
use std::time::Duration;

use rusqlite::Connection;

use super::{Store, StoreError};

/// How long to wait before trying again when the source is briefly locked.
const RETRY_PAUSE: Duration = Duration::from_millis(100);

impl Store {
    /// Copies the whole database to a new file at `path`, safely while other connections (a
    /// running bot) read and write it. Refuses to overwrite an existing file; on failure
    /// removes the partial copy.
    pub fn backup_to(&self, path: &Path) -> Result<(), StoreError> {
        // Claim the name first: `create_new` fails if anything is there, so nothing is ever
        // overwritten, even by a file that appears after a check.
        std::fs::File::create_new(path).map_err(|source| {
            if source.kind() == std::io::ErrorKind::AlreadyExists {
                StoreError::BackupExists {
                    path: path.to_owned(),
                }
            } else {
                StoreError::BackupCreate {
                    path: path.to_owned(),
                    source,
                }
            }
        })?;
        let copied = self.copy_into(path);
        if copied.is_err() {
            let _ = std::fs::remove_file(path);
        }
        copied.map_err(|source| StoreError::Backup {
            path: path.to_owned(),
            source,
        })
    }

    fn copy_into(&self, path: &Path) -> rusqlite::Result<()> {
        let mut target = Connection::open(path)?;
        let backup = rusqlite::backup::Backup::new(&self.conn, &mut target)?;
        // As many pages per step as there can be: the whole database in one step.
        backup.run_to_completion(std::ffi::c_int::MAX, RETRY_PAUSE, None)
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{count_rows, question, NOW};
    use super::super::{Outcome, Store, StoreError};

    #[test]
    fn a_backup_holds_what_was_committed_even_while_another_connection_writes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let live = dir.path().join("prolobot.db");
        let store = Store::open(&live).expect("open");
        for text in ["first", "second"] {
            store
                .record(&question(NOW, text, Outcome::NoMatch, None))
                .expect("record");
        }
        // The bot, mid-write: a transaction holding the write lock, not committed yet.
        let bot = rusqlite::Connection::open(&live).expect("second connection");
        bot.execute_batch(
            "BEGIN IMMEDIATE;
             INSERT INTO questions (at, channel_id, question, outcome, confidence)
             VALUES (1, 1, 'uncommitted', 'no_match', 0.0);",
        )
        .expect("write without committing");

        let copy = dir.path().join("backup.db");
        store
            .backup_to(&copy)
            .expect("backup while a write is open");
        bot.execute_batch("COMMIT")
            .expect("the bot's write still commits");

        let backup = Store::open_existing(&copy).expect("the copy opens");
        assert_eq!(count_rows(&backup, "SELECT COUNT(*) FROM questions"), 2);
        assert_eq!(count_rows(&store, "SELECT COUNT(*) FROM questions"), 3);
    }

    #[test]
    fn a_backup_never_overwrites_a_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(&dir.path().join("prolobot.db")).expect("open");
        let existing = dir.path().join("keep.db");
        std::fs::write(&existing, "precious").expect("write");
        let result = store.backup_to(&existing);
        assert!(
            matches!(result, Err(StoreError::BackupExists { .. })),
            "{result:?}"
        );
        assert_eq!(
            std::fs::read_to_string(&existing).expect("read"),
            "precious"
        );
    }
}
