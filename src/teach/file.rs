//! The FAQ file as teaching reads and writes it: the text as read, and an atomic replacement that
//! is refused when someone else changed the file since.
//!
//! The new text is written to a temporary file in the same directory and renamed over the FAQ,
//! so the bot and its file watch see the old file or the new one, never half of one. Just before
//! the rename the file is read again and compared with the text the edit was made from; if it
//! differs (a moderator saved it in an editor meanwhile), nothing is written. Writers in this
//! process take turns ([`lock`]); another process writing in the instant between that last read
//! and the rename is the one case this cannot see.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

use super::TeachError;

/// One teaching change at a time in this process: read, check, write and journal.
pub(super) fn lock() -> MutexGuard<'static, ()> {
    static EDITING: Mutex<()> = Mutex::new(());
    EDITING.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The FAQ file's text as read, to edit and write back.
#[derive(Debug)]
pub struct FaqFile {
    path: PathBuf,
    source: String,
}

impl FaqFile {
    /// Reads the file at `path` (following a symbolic link, which then stays one).
    pub fn read(path: &Path) -> Result<Self, TeachError> {
        let read_error = |source| TeachError::Read {
            path: path.to_owned(),
            source,
        };
        let real = fs::canonicalize(path).map_err(read_error)?;
        let source = fs::read_to_string(&real).map_err(read_error)?;
        Ok(Self { path: real, source })
    }

    /// The file (a link resolved).
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The text as read.
    #[must_use]
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Replaces the file's text with `text` atomically, keeping its permissions; refused
    /// ([`TeachError::Changed`]) when the file no longer holds the text read.
    pub fn replace(&self, text: &str) -> Result<(), TeachError> {
        let write_error = |source| TeachError::Write {
            path: self.path.clone(),
            source,
        };
        let temp = self.temp_path();
        let written = (|| {
            let mut file = fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&temp)?;
            file.write_all(text.as_bytes())?;
            file.set_permissions(fs::metadata(&self.path)?.permissions())?;
            file.sync_all()
        })();
        if let Err(error) = written {
            let _ = fs::remove_file(&temp);
            return Err(write_error(error));
        }
        let unchanged = fs::read_to_string(&self.path).is_ok_and(|now| now == self.source);
        if !unchanged {
            let _ = fs::remove_file(&temp);
            return Err(TeachError::Changed {
                path: self.path.clone(),
            });
        }
        if let Err(error) = fs::rename(&temp, &self.path) {
            let _ = fs::remove_file(&temp);
            return Err(write_error(error));
        }
        // The rename is durable once the directory is synced; where that is not possible the
        // file is still whole, old or new.
        if let Some(dir) = self.path.parent() {
            let _ = fs::File::open(dir).and_then(|dir| dir.sync_all());
        }
        Ok(())
    }

    /// A hidden file beside the FAQ, unique to this process: `.faq.toml.<pid>.teach`.
    fn temp_path(&self) -> PathBuf {
        let name = self
            .path
            .file_name()
            .map_or_else(|| "faq".into(), |name| name.to_string_lossy());
        self.path
            .with_file_name(format!(".{name}.{}.teach", std::process::id()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file_with(text: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("faq.toml");
        fs::write(&path, text).unwrap();
        (dir, path)
    }

    #[test]
    fn replace_writes_the_new_text_and_leaves_no_temporary_file() {
        let (dir, path) = file_with("old\n");
        let file = FaqFile::read(&path).unwrap();
        assert_eq!(file.source(), "old\n");
        file.replace("new\n").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "new\n");
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["faq.toml"]);
    }

    #[test]
    fn a_file_changed_since_it_was_read_is_not_overwritten() {
        let (dir, path) = file_with("old\n");
        let file = FaqFile::read(&path).unwrap();
        fs::write(&path, "someone else's edit\n").unwrap();
        let refused = file.replace("new\n");
        assert!(
            matches!(refused, Err(TeachError::Changed { .. })),
            "{refused:?}"
        );
        assert_eq!(fs::read_to_string(&path).unwrap(), "someone else's edit\n");
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temporary file left"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_symbolic_link_stays_a_link_and_permissions_are_kept() {
        use std::os::unix::fs::PermissionsExt as _;
        let (dir, target) = file_with("old\n");
        fs::set_permissions(&target, fs::Permissions::from_mode(0o640)).unwrap();
        let link = dir.path().join("link.toml");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        FaqFile::read(&link).unwrap().replace("new\n").unwrap();
        assert!(fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(fs::read_to_string(&target).unwrap(), "new\n");
        let mode = fs::metadata(&target).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o640);
    }
}
