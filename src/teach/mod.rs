//! Teaching the bot from what it missed: adding a question to an entry's example phrasings, or a
//! question's subject to the off-topic subjects, in `faq.toml` itself, and undoing the last such
//! change. `prolobot teach` and `/faqmod teach` both come here.
//!
//! One module a job:
//! - `edit`: the file text edited in place with `toml_edit`, every other byte kept (pure).
//! - `check`: what must hold before anything is written: the result validates, the question
//!   reaches its entry (or is declined, for off-topic), no example question of the FAQ loses its
//!   entry; otherwise a [`Refusal`] with why and what would help (pure).
//! - `file`: the atomic write, refused when the file changed since it was read.
//! - `journal`: what was taught, for undo (a JSON lines file beside the FAQ).
//! - `outcome`: what the moderator is told.
//! - `commands`: `prolobot teach` command lines for the report's unanswered groups, and the
//!   entries closest to a group (pure).

mod check;
mod commands;
mod edit;
mod file;
#[cfg(test)]
pub(crate) mod fixture;
mod journal;
mod outcome;

use std::path::{Path, PathBuf};

pub use check::Request;
pub use commands::{closest_entries, command_lines};
pub use edit::{Change, EditError};
pub use outcome::{QuestionResult, Refusal, Taught, Undone};

use file::FaqFile;
use journal::{path_for as journal_path, Record};

/// Why teaching or undoing wrote nothing.
#[derive(Debug, thiserror::Error)]
pub enum TeachError {
    /// The FAQ file cannot be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The new FAQ text cannot be written.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file changed on disk after it was read.
    #[error("{} changed on disk while it was being edited, so nothing was written; try again", path.display())]
    Changed {
        /// The file.
        path: PathBuf,
    },
    /// The FAQ is invalid as it is; teaching edits only a valid one.
    #[error("{} is not a valid FAQ now; fix it first (`prolobot check`):\n{problems}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// Its errors, one per line.
        problems: String,
    },
    /// The file text could not be edited.
    #[error(transparent)]
    Edit(#[from] EditError),
    /// A check failed: why, and what would help.
    #[error("{0}")]
    Refused(Refusal),
    /// The journal cannot be read or written.
    #[error("the teach journal {}: {problem}", path.display())]
    Journal {
        /// The journal file.
        path: PathBuf,
        /// What went wrong.
        problem: String,
    },
    /// The journal holds nothing to undo.
    #[error("nothing to undo: {} lists no taught change", path.display())]
    NothingToUndo {
        /// The journal file.
        path: PathBuf,
    },
    /// The last taught change cannot be taken out as it was put in.
    #[error("cannot undo: {reason}. The FAQ changed since it was taught; nothing was removed. Edit the FAQ by hand, then delete the last line of the teach journal")]
    CannotUndo {
        /// What stands in the way.
        reason: String,
    },
}

/// Teaches `request` to the FAQ file at `path`: checks it, writes the file atomically and
/// journals the change as made `by` someone. With `force`, the matching checks may fail (their
/// findings are in [`Taught::forced_past`]); the result must still validate.
pub fn teach(path: &Path, request: &Request, force: bool, by: &str) -> Result<Taught, TeachError> {
    let _turn = file::lock();
    teach_from(&FaqFile::read(path)?, request, force, by)
}

fn teach_from(
    file: &FaqFile,
    request: &Request,
    force: bool,
    by: &str,
) -> Result<Taught, TeachError> {
    let mut lesson = check::prepare(file.path(), file.source(), request, force)?;
    file.replace(&lesson.source)?;
    let record = Record {
        at: crate::store::unix_now(),
        by: by.to_owned(),
        change: lesson.taught.change.clone(),
    };
    // The FAQ is written: a journal that cannot be written is a warning, not a failure.
    if let Err(error) = journal::append(&journal_path(file.path()), &record) {
        lesson
            .taught
            .warnings
            .push(format!("taught, but undo will not know it: {error}"));
    }
    Ok(lesson.taught)
}

/// Takes the last taught change (the journal's last record) out of the FAQ file at `path`.
/// Refused, writing nothing, when what it added is no longer there as added or the FAQ would not
/// validate without it.
pub fn undo(path: &Path) -> Result<Undone, TeachError> {
    let _turn = file::lock();
    let file = FaqFile::read(path)?;
    let journal = journal_path(file.path());
    let record = journal::last(&journal)?.ok_or(TeachError::NothingToUndo {
        path: journal.clone(),
    })?;
    let source = check::without(file.path(), file.source(), &record.change)?;
    file.replace(&source)?;
    // The FAQ is written: a journal that keeps its line is a warning, not a failure.
    let warning = journal::pop(&journal)
        .err()
        .map(|error| format!("undone, but the journal still lists it: {error}"));
    Ok(Undone {
        change: record.change,
        by: record.by,
        warning,
    })
}

#[cfg(test)]
mod tests {
    use super::fixture::FAQ;
    use super::*;
    use std::fs;

    fn faq_in_temp_dir() -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("faq.toml");
        fs::write(&path, FAQ).unwrap();
        (dir, path)
    }

    fn pilates() -> Request {
        Request::Phrasings {
            entry: "aftercare".into(),
            questions: vec!["can i do pilates".into()],
        }
    }

    fn journal_lines(path: &Path) -> usize {
        fs::read_to_string(journal_path(path))
            .unwrap_or_default()
            .lines()
            .count()
    }

    #[test]
    fn teaching_writes_one_line_and_journals_it_and_undo_restores_every_byte() {
        let (_dir, path) = faq_in_temp_dir();
        teach(&path, &pilates(), false, "command line").unwrap();
        let off_topic = Request::OffTopic {
            question: "is swimming ok".into(),
            subject: Some("swimming".into()),
        };
        teach(&path, &off_topic, false, "command line").unwrap();
        let taught = fs::read_to_string(&path).unwrap();
        assert_eq!(taught.lines().count(), FAQ.lines().count() + 2);
        assert!(taught.contains(
            "  \"can I take ibuprofen after prolotherapy\",\n  \"can i do pilates\",\n]"
        ));
        assert!(taught.contains("\"physiotherapy\", \"massage\",\n  \"swimming\",\n]"));
        assert_eq!(journal_lines(&path), 2);

        let undone = undo(&path).unwrap();
        assert_eq!(
            undone.to_string(),
            "Undone: took \"swimming\" out of [subjects] other (taught by command line)."
        );
        undo(&path).unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), FAQ);
        assert_eq!(journal_lines(&path), 0);
        assert!(matches!(undo(&path), Err(TeachError::NothingToUndo { .. })));
    }

    #[test]
    fn an_edit_made_while_teaching_is_not_overwritten() {
        let (_dir, path) = faq_in_temp_dir();
        let file = FaqFile::read(&path).unwrap();
        let edited = FAQ.replace("Rest the area", "Rest the joint");
        fs::write(&path, &edited).unwrap();
        let refused = teach_from(&file, &pilates(), false, "command line");
        assert!(
            matches!(refused, Err(TeachError::Changed { .. })),
            "{refused:?}"
        );
        assert_eq!(fs::read_to_string(&path).unwrap(), edited);
        assert_eq!(journal_lines(&path), 0);
    }

    #[test]
    fn undo_refuses_when_the_taught_question_was_edited_since() {
        let (_dir, path) = faq_in_temp_dir();
        teach(&path, &pilates(), false, "command line").unwrap();
        let reworded = fs::read_to_string(&path)
            .unwrap()
            .replace("\"can i do pilates\"", "\"can i do pilates classes\"");
        fs::write(&path, &reworded).unwrap();
        let refused = undo(&path).unwrap_err().to_string();
        assert!(
            refused.contains("\"can i do pilates\" is not in aftercare's questions"),
            "{refused}"
        );
        assert_eq!(fs::read_to_string(&path).unwrap(), reworded);
        assert_eq!(journal_lines(&path), 1, "the record stays for a later look");
    }

    #[test]
    fn a_journal_that_cannot_be_written_is_a_warning_once_the_faq_is() {
        let (_dir, path) = faq_in_temp_dir();
        fs::create_dir(journal_path(&path)).unwrap();
        let taught = teach(&path, &pilates(), false, "command line").unwrap();
        assert!(
            taught
                .to_string()
                .contains("Warning: taught, but undo will not know it"),
            "{taught}"
        );
        assert_ne!(fs::read_to_string(&path).unwrap(), FAQ);
    }

    #[test]
    fn a_refused_lesson_writes_nothing() {
        let (dir, path) = faq_in_temp_dir();
        let request = Request::Phrasings {
            entry: "aftercare".into(),
            questions: vec!["how much does it cost".into()],
        };
        assert!(matches!(
            teach(&path, &request, false, "command line"),
            Err(TeachError::Refused(_))
        ));
        assert_eq!(fs::read_to_string(&path).unwrap(), FAQ);
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no journal, no temp file"
        );
    }
}
