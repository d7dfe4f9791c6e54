//! The teach journal: what was taught, newest last, so that an undo knows what to take out.
//!
//! It is a JSON lines file beside the FAQ, named after it (`faq.toml` -> `faq.teach.jsonl`), one
//! [`Record`] a line:
//!
//! ```text
//! {"at":1764633600,"by":"command line","action":"phrasings","entry":"aftercare","questions":["can i do yoga after"]}
//! {"at":1764637200,"by":"Discord moderator sam (123)","action":"off-topic","subjects":["pilates"]}
//! ```
//!
//! Teaching appends a line once the FAQ is written; an undo takes the last line's change out of
//! the FAQ and then drops that line. Deleting the file only forgets what can be undone.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::edit::Change;
use super::TeachError;

/// One teaching change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// When, in Unix seconds.
    pub at: i64,
    /// Who: "command line", or the Discord moderator's name and id.
    pub by: String,
    /// What was added.
    #[serde(flatten)]
    pub change: Change,
}

/// The journal of the FAQ at `faq`: beside it, named after it.
#[must_use]
pub fn path_for(faq: &Path) -> PathBuf {
    let stem = faq
        .file_stem()
        .map_or_else(|| "faq".into(), |stem| stem.to_string_lossy());
    faq.with_file_name(format!("{stem}.teach.jsonl"))
}

/// Appends `record` as the journal's last line.
pub(super) fn append(journal: &Path, record: &Record) -> Result<(), TeachError> {
    let line = serde_json::to_string(record).map_err(|error| journal_error(journal, &error))?;
    let mut file = fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(journal)
        .map_err(|error| journal_error(journal, &error))?;
    file.write_all(format!("{line}\n").as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|error| journal_error(journal, &error))
}

/// The last record, if the journal has one.
pub(super) fn last(journal: &Path) -> Result<Option<Record>, TeachError> {
    let Some((number, line)) = last_line(journal)? else {
        return Ok(None);
    };
    serde_json::from_str(line.trim())
        .map(Some)
        .map_err(|error| TeachError::Journal {
            path: journal.to_owned(),
            problem: format!("line {number} is not a teach record: {error}"),
        })
}

/// Drops the last record (after its change was taken out of the FAQ).
pub(super) fn pop(journal: &Path) -> Result<(), TeachError> {
    let text = read(journal)?;
    let kept: Vec<&str> = text
        .lines()
        .filter(|line| !line.trim().is_empty())
        .collect();
    let kept = kept.split_last().map_or(&[][..], |(_, rest)| rest);
    let rest = kept.iter().fold(String::new(), |mut rest, line| {
        rest.push_str(line);
        rest.push('\n');
        rest
    });
    let temp = journal.with_extension("jsonl.tmp");
    fs::write(&temp, rest)
        .and_then(|()| fs::rename(&temp, journal))
        .map_err(|error| {
            let _ = fs::remove_file(&temp);
            journal_error(journal, &error)
        })
}

fn read(journal: &Path) -> Result<String, TeachError> {
    match fs::read_to_string(journal) {
        Ok(text) => Ok(text),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(String::new()),
        Err(error) => Err(journal_error(journal, &error)),
    }
}

/// The last non-empty line and its 1-based number.
fn last_line(journal: &Path) -> Result<Option<(usize, String)>, TeachError> {
    let text = read(journal)?;
    Ok(text
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .last()
        .map(|(index, line)| (index + 1, line.to_owned())))
}

fn journal_error(journal: &Path, error: &dyn std::fmt::Display) -> TeachError {
    TeachError::Journal {
        path: journal.to_owned(),
        problem: error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(entry: &str) -> Record {
        Record {
            at: 1_764_633_600,
            by: "command line".into(),
            change: Change::Phrasings {
                entry: entry.into(),
                questions: vec!["can i do yoga after".into()],
            },
        }
    }

    #[test]
    fn the_journal_is_named_after_the_faq_and_lives_beside_it() {
        assert_eq!(
            path_for(Path::new("/srv/bot/faq.toml")),
            Path::new("/srv/bot/faq.teach.jsonl")
        );
        assert_eq!(
            path_for(Path::new("content.toml")),
            Path::new("content.teach.jsonl")
        );
    }

    #[test]
    fn records_are_json_lines_read_back_newest_last_and_popped() {
        let dir = tempfile::tempdir().unwrap();
        let journal = dir.path().join("faq.teach.jsonl");
        assert_eq!(last(&journal).unwrap(), None);
        append(&journal, &record("aftercare")).unwrap();
        let off_topic = Record {
            by: "Discord moderator sam (123)".into(),
            change: Change::OffTopic {
                subjects: vec!["pilates".into()],
            },
            ..record("x")
        };
        append(&journal, &off_topic).unwrap();
        let text = fs::read_to_string(&journal).unwrap();
        assert_eq!(
            text,
            "{\"at\":1764633600,\"by\":\"command line\",\"action\":\"phrasings\",\"entry\":\"aftercare\",\"questions\":[\"can i do yoga after\"]}\n\
             {\"at\":1764633600,\"by\":\"Discord moderator sam (123)\",\"action\":\"off-topic\",\"subjects\":[\"pilates\"]}\n"
        );
        assert_eq!(last(&journal).unwrap(), Some(off_topic));
        pop(&journal).unwrap();
        assert_eq!(last(&journal).unwrap(), Some(record("aftercare")));
        pop(&journal).unwrap();
        assert_eq!(last(&journal).unwrap(), None);
        assert_eq!(fs::read_to_string(&journal).unwrap(), "");
    }

    #[test]
    fn a_broken_line_is_reported_with_its_number() {
        let dir = tempfile::tempdir().unwrap();
        let journal = dir.path().join("faq.teach.jsonl");
        fs::write(&journal, "\n{\"at\": 1}\n").unwrap();
        let error = last(&journal).unwrap_err().to_string();
        assert!(error.contains("line 2 is not a teach record"), "{error}");
    }
}
