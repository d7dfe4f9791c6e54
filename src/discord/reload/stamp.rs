//! Whether the FAQ file may have changed since it was last read, without reading it: the file's
//! identity, size and change times, as the path (through its links) shows them now.
//!
//! File times tick coarsely (a few milliseconds on Linux), so an edit of the same size right
//! after a read could leave the stamp unchanged. As git does for its index, a stamp is trusted
//! only once the file's last change is [`SETTLED`] old when it is taken; before that, the file
//! is read and its contents compared.

use std::fs::Metadata;
use std::path::Path;
use std::time::{Duration, SystemTime};

/// How old a file's last change must be for its stamp to stand for its contents.
const SETTLED: Duration = Duration::from_secs(2);

/// What the file looked like when it was last read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Stamp {
    /// Never looked at, or changed too recently to be trusted: read it.
    Unknown,
    /// The path did not lead to a readable file.
    Missing,
    /// The file, settled.
    Seen(Signature),
}

/// Identity, size and change times.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Signature {
    len: u64,
    modified: Option<SystemTime>,
    #[cfg(unix)]
    identity: (u64, u64, i64, i64),
}

impl Stamp {
    /// The stamp of the file at `path` now (following links).
    pub(super) fn of(path: &Path) -> Self {
        match std::fs::metadata(path) {
            Ok(metadata) if metadata.is_file() => Self::from_metadata(&metadata),
            _ => Self::Missing,
        }
    }

    fn from_metadata(metadata: &Metadata) -> Self {
        let modified = metadata.modified().ok();
        let settled = modified
            .and_then(|at| SystemTime::now().duration_since(at).ok())
            .is_some_and(|age| age >= SETTLED);
        if !settled {
            return Self::Unknown;
        }
        Self::Seen(Signature {
            len: metadata.len(),
            modified,
            #[cfg(unix)]
            identity: {
                use std::os::unix::fs::MetadataExt as _;
                (
                    metadata.dev(),
                    metadata.ino(),
                    metadata.ctime(),
                    metadata.ctime_nsec(),
                )
            },
        })
    }

    /// Whether a file stamped `self` now, and `before` when last read, certainly has the
    /// contents read then (or is still missing).
    pub(super) fn unchanged_since(&self, before: &Self) -> bool {
        match (self, before) {
            (Self::Missing, Self::Missing) => true,
            (Self::Seen(now), Self::Seen(then)) => now == then,
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_changed_just_now_is_never_trusted_and_a_missing_one_stays_missing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("faq.toml");
        assert_eq!(Stamp::of(&path), Stamp::Missing);
        assert!(Stamp::of(&path).unchanged_since(&Stamp::Missing));
        std::fs::write(&path, "x").unwrap();
        let fresh = Stamp::of(&path);
        assert_eq!(fresh, Stamp::Unknown);
        assert!(!fresh.unchanged_since(&fresh));
    }

    #[test]
    fn a_settled_file_keeps_its_stamp_until_it_changes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("faq.toml");
        std::fs::write(&path, "x").unwrap();
        let old = SystemTime::now() - Duration::from_mins(1);
        let file = std::fs::File::options().write(true).open(&path).unwrap();
        file.set_modified(old).unwrap();
        let settled = Stamp::of(&path);
        assert!(matches!(settled, Stamp::Seen(_)));
        assert!(Stamp::of(&path).unchanged_since(&settled));
        let replacement = dir.path().join("faq.toml.new");
        std::fs::write(&replacement, "y").unwrap();
        let file = std::fs::File::options()
            .write(true)
            .open(&replacement)
            .unwrap();
        file.set_modified(old).unwrap();
        std::fs::rename(&replacement, &path).unwrap();
        assert!(
            !Stamp::of(&path).unchanged_since(&settled),
            "same size and time, but another file"
        );
    }
}
