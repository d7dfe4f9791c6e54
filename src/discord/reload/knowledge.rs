//! The live FAQ: the current [`Knowledge`] (FAQ and matcher), swapped atomically on reload.
//!
//! Readers take an `Arc<Knowledge>` and keep using it for the whole message, so a reload never
//! shows anyone a half-loaded FAQ, and an invalid file never replaces the last good one.

use std::fmt;
use std::hash::{DefaultHasher, Hasher as _};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use prolobot_core::{render_diagnostics, Diagnostic, Faq, Knowledge, LoadError, Loaded};

use super::stamp::Stamp;

/// What a successful reload loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReloadSummary {
    /// The FAQ file.
    pub path: PathBuf,
    /// Number of entries.
    pub entries: usize,
    /// Number of red-flag rules.
    pub red_flag_rules: usize,
    /// How many warnings the file loaded with.
    pub warning_count: usize,
    /// The first warnings, rendered as `path:line:column: warning: ...` lines (and a last line
    /// counting the rest, if there are many).
    pub warnings: Vec<String>,
}

impl fmt::Display for ReloadSummary {
    /// One line; the warnings are in [`ReloadSummary::warnings`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Reloaded {}: {} entries, {} red-flag rules, {} warning(s).",
            self.path.display(),
            self.entries,
            self.red_flag_rules,
            self.warning_count
        )
    }
}

/// The FAQ the bot serves, reloadable from its file.
pub struct KnowledgeBase {
    path: PathBuf,
    current: RwLock<Arc<Knowledge>>,
    /// The file as last read (loaded or rejected). Held while reloading, so reloads happen one
    /// at a time and an older read can never overwrite a newer one.
    last_read: Mutex<LastRead>,
    /// How many times the file was read since loaded.
    #[cfg(test)]
    pub(super) reads: std::sync::atomic::AtomicUsize,
}

/// How often a file that fails to load is read again, in case it was caught mid-write.
const REREADS: usize = 3;
/// How long to wait before reading it again.
const REREAD_AFTER: std::time::Duration = std::time::Duration::from_millis(250);

/// What the last read saw: the file's stamp, and a digest of its contents (not the contents:
/// a large file is not kept twice).
struct LastRead {
    stamp: Stamp,
    digest: Digest,
}

/// Length and hash of a file's contents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Digest(usize, u64);

impl Digest {
    fn of(source: &[u8]) -> Self {
        let mut hasher = DefaultHasher::new();
        hasher.write(source);
        Self(source.len(), hasher.finish())
    }
}

impl KnowledgeBase {
    /// Loads the FAQ at `path`; on success also returns the load warnings.
    pub fn load(path: &Path) -> Result<(Self, Vec<Diagnostic>), LoadError> {
        let stamp = Stamp::of(path);
        let source = read(path)?;
        let Loaded { faq, warnings } = parse(path, &source)?;
        let base = Self {
            path: path.to_owned(),
            current: RwLock::new(Arc::new(Knowledge::new(faq))),
            last_read: Mutex::new(LastRead {
                stamp,
                digest: Digest::of(&source),
            }),
            #[cfg(test)]
            reads: std::sync::atomic::AtomicUsize::new(0),
        };
        Ok((base, warnings))
    }

    /// The FAQ file.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The FAQ being served now.
    #[must_use]
    pub fn current(&self) -> Arc<Knowledge> {
        Arc::clone(&self.current.read().unwrap_or_else(PoisonError::into_inner))
    }

    /// Reads and validates the file again and swaps it in if valid. On error the last good FAQ
    /// keeps serving; the error displays every problem as `path:line:column: ...`.
    /// Blocking: call it off the async runtime.
    pub fn reload(&self) -> Result<ReloadSummary, LoadError> {
        let mut last_read = self
            .last_read
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let stamp = Stamp::of(&self.path);
        let source = self.read(&mut last_read, stamp)?;
        let digest = Digest::of(&source);
        self.swap_in(&mut last_read, &source, digest)
    }

    /// Like [`KnowledgeBase::reload`], but does nothing (`Ok(None)`) when the file is the one
    /// read last time, so repeated file events cause one reload and one report: not even a read
    /// when its stamp (identity, size, times) is unchanged and settled, no parse when its text
    /// is unchanged. A file still missing is reported once, not on every check.
    pub fn reload_if_changed(&self) -> Result<Option<ReloadSummary>, LoadError> {
        let mut last_read = self
            .last_read
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let stamp = Stamp::of(&self.path);
        if stamp.unchanged_since(&last_read.stamp) {
            return Ok(None);
        }
        let mut source = self.read(&mut last_read, stamp)?;
        let mut digest = Digest::of(&source);
        if digest == last_read.digest {
            return Ok(None);
        }
        // An editor that truncates the file and writes it again can be caught in between: the
        // half-written file reads as broken. Read again after a moment, and report only a
        // failure that stays.
        let mut rereads = 0;
        loop {
            match self.swap_in(&mut last_read, &source, digest) {
                Err(error) if rereads < REREADS => {
                    std::thread::sleep(REREAD_AFTER);
                    let stamp = Stamp::of(&self.path);
                    let again = self.read(&mut last_read, stamp)?;
                    if again == source {
                        return Err(error);
                    }
                    digest = Digest::of(&again);
                    source = again;
                    rereads += 1;
                }
                outcome => return outcome.map(Some),
            }
        }
    }

    /// Reads the file, noting `stamp` (taken just before) as the last one seen.
    fn read(&self, last_read: &mut LastRead, stamp: Stamp) -> Result<Vec<u8>, LoadError> {
        #[cfg(test)]
        self.reads
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let source = read(&self.path).inspect_err(|_| last_read.stamp = Stamp::Missing)?;
        last_read.stamp = stamp;
        Ok(source)
    }

    /// Parses `source` (whose digest is `digest`) and serves it if valid.
    fn swap_in(
        &self,
        last_read: &mut LastRead,
        source: &[u8],
        digest: Digest,
    ) -> Result<ReloadSummary, LoadError> {
        last_read.digest = digest;
        let Loaded { faq, warnings } = parse(&self.path, source)?;
        let summary = ReloadSummary {
            path: self.path.clone(),
            entries: faq.entries().len(),
            red_flag_rules: faq.red_flags().rules.len(),
            warning_count: warnings.len(),
            warnings: render_diagnostics(&self.path, &warnings)
                .lines()
                .map(str::to_owned)
                .collect(),
        };
        let knowledge = Arc::new(Knowledge::new(faq));
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = knowledge;
        Ok(summary)
    }
}

/// The file's bytes: whether they are UTF-8 is part of validation, reported in plain words.
fn read(path: &Path) -> Result<Vec<u8>, LoadError> {
    std::fs::read(path).map_err(|source| LoadError::Read {
        path: path.to_owned(),
        source,
    })
}

fn parse(path: &Path, source: &[u8]) -> Result<Loaded, LoadError> {
    Faq::from_bytes(source).map_err(|diagnostics| LoadError::Invalid {
        path: path.to_owned(),
        diagnostics,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discord::fixture::FAQ;

    fn base_with(source: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("faq.toml");
        std::fs::write(&path, source).expect("write faq");
        (dir, path)
    }

    #[test]
    fn a_file_caught_mid_write_is_read_again_before_a_failure_is_reported() {
        let (_dir, path) = base_with(FAQ);
        let (base, _) = KnowledgeBase::load(&path).expect("load");
        let (head, tail) = FAQ.split_at(FAQ.find("\n[[entry]]").expect("an entry"));
        let edited = format!(
            "{head}{}",
            tail.replacen("title = \"", "title = \"Edited: ", 1)
        );
        std::fs::write(&path, &edited[..edited.len() / 3]).expect("half of the edit");
        let finisher = {
            let path = path.clone();
            std::thread::spawn(move || {
                std::thread::sleep(std::time::Duration::from_millis(50));
                std::fs::write(&path, edited).expect("the whole edit");
            })
        };
        let reloaded = base.reload_if_changed();
        finisher.join().expect("writer");
        let summary = reloaded.expect("the finished file").expect("a change");
        assert!(summary.entries > 0);
        assert!(base.current().faq().entries()[0]
            .title
            .starts_with("Edited: "));
    }

    #[test]
    fn a_valid_edit_is_swapped_in_and_an_invalid_one_keeps_the_last_good_faq() {
        let (_dir, path) = base_with(FAQ);
        let (base, _) = KnowledgeBase::load(&path).expect("load");
        let before = base.current();
        let entries = before.faq().entries().len();

        let source = FAQ;
        let first_entry = source.find("\n[[entry]]").expect("an entry");
        let (head, tail) = source.split_at(first_entry);
        let renamed = format!(
            "{head}{}",
            tail.replacen("title = \"", "title = \"Renamed: ", 1)
        );
        std::fs::write(&path, &renamed).expect("edit");
        let summary = base.reload().expect("valid edit");
        assert_eq!(summary.entries, entries);
        assert!(base.current().faq().entries()[0]
            .title
            .starts_with("Renamed: "));
        assert!(
            !before.faq().entries()[0].title.starts_with("Renamed: "),
            "old readers keep theirs"
        );

        std::fs::write(&path, format!("{renamed}\n[[entry]]\nid = 3\n")).expect("break");
        let error = base.reload().expect_err("invalid edit");
        let shown = error.to_string();
        assert!(shown.contains(&format!("{}:", path.display())), "{shown}");
        assert!(base.current().faq().entries()[0]
            .title
            .starts_with("Renamed: "));
    }

    #[test]
    fn reload_if_changed_skips_an_unchanged_file() {
        let (_dir, path) = base_with(FAQ);
        let (base, _) = KnowledgeBase::load(&path).expect("load");
        assert_eq!(base.reload_if_changed().expect("unchanged"), None);
        std::fs::write(&path, format!("{FAQ}\n# a comment\n")).expect("edit");
        assert!(base.reload_if_changed().expect("changed").is_some());
        assert_eq!(base.reload_if_changed().expect("unchanged again"), None);
    }

    #[test]
    fn a_missing_file_is_a_read_error_and_changes_nothing() {
        let (dir, path) = base_with(FAQ);
        let (base, _) = KnowledgeBase::load(&path).expect("load");
        drop(dir);
        assert!(matches!(base.reload(), Err(LoadError::Read { .. })));
        assert!(!base.current().faq().entries().is_empty());
    }
}
