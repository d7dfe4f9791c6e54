//! The watch task: watches the FAQ file wherever its path leads and reloads it shortly after it
//! stops changing.
//!
//! The watch is on folders, not on the file: editors often save by writing a new file and
//! renaming it over the old one, which a watch on the old file would miss. The folders are those
//! of every symbolic link on the way and of the file itself, and each folder's parent (see
//! [`Target`]), re-resolved after every change, so a link retargeted, a `ConfigMap`'s `..data`
//! swap or a folder replaced moves the watch along. Events about any other path (a log file
//! written next to the FAQ, say) are dropped before any work; the others are debounced, and the
//! file is read only when its stamp changed and parsed only when its text did. A poll every
//! [`POLL`] re-checks the same way, so a change no event announced is still loaded. Every reload,
//! every failed one, and the watch being lost or re-established are logged.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use notify::{Event, EventKind, RecommendedWatcher, RecursiveMode, Watcher};
use serenity::all::Http;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::{Instant, MissedTickBehavior};

use super::target::Target;
use super::{report, KnowledgeBase};
use crate::discord::Error;

/// How long the file must stay quiet before it is reloaded.
const DEBOUNCE: Duration = Duration::from_millis(500);

/// A file that keeps changing is reloaded at least this often all the same.
const MAX_DEBOUNCE: Duration = Duration::from_secs(5);

/// How often the file is checked without an event: the safety net for changes no event
/// announced (a watch that could not be set, a network file system, an overflowing queue).
pub(super) const POLL: Duration = Duration::from_secs(30);

/// The paths whose events count, shared with the watcher's callback.
type Relevant = Arc<RwLock<BTreeSet<PathBuf>>>;

/// A running watch; dropping it stops watching and ends the reload task.
pub(in crate::discord) struct FaqWatcher {
    task: JoinHandle<()>,
}

impl Drop for FaqWatcher {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Starts watching `knowledge`'s file; results go to the log and to `log_channel`.
pub(in crate::discord) fn spawn(
    knowledge: Arc<KnowledgeBase>,
    http: Arc<Http>,
    log_channel: Option<u64>,
) -> Result<FaqWatcher, Error> {
    let relevant = Relevant::default();
    // One pending wake-up is enough: the task looks at the file, not at the events.
    let (wake, woken) = mpsc::channel(1);
    let filter = Arc::clone(&relevant);
    let watcher = notify::recommended_watcher(move |event: notify::Result<Event>| {
        let concerned = match event {
            Ok(event) => concerns(
                &event,
                &filter.read().unwrap_or_else(PoisonError::into_inner),
            ),
            Err(error) => {
                tracing::warn!(%error, "FAQ file watch error; checking the file");
                true
            }
        };
        if concerned {
            // Full: a wake-up is pending already.
            let _ = wake.try_send(());
        }
    })
    .map_err(|source| Error::Watch {
        path: knowledge.path().to_owned(),
        source,
    })?;
    let folders = Folders::new(watcher, knowledge.path(), relevant);
    let task = tokio::spawn(reload_on_change(
        woken,
        folders,
        knowledge,
        http,
        log_channel,
    ));
    Ok(FaqWatcher { task })
}

/// Whether `event` may have changed the FAQ: it names one of the `relevant` paths (and is not
/// just an open or a read, which the reload itself causes), or events were lost.
fn concerns(event: &Event, relevant: &BTreeSet<PathBuf>) -> bool {
    event.need_rescan()
        || (!matches!(event.kind, EventKind::Access(_))
            && event.paths.iter().any(|path| relevant.contains(path)))
}

/// Checks the file at start (catching up with a change made since it was loaded), after each
/// burst of events, and every [`POLL`], until the watch is dropped.
async fn reload_on_change(
    mut woken: mpsc::Receiver<()>,
    mut folders: Folders,
    knowledge: Arc<KnowledgeBase>,
    http: Arc<Http>,
    log_channel: Option<u64>,
) {
    let mut poll = tokio::time::interval(POLL);
    poll.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            wake = woken.recv() => {
                if wake.is_none() {
                    return;
                }
                settle(&mut woken).await;
            }
            _ = poll.tick() => {}
        }
        folders.refresh();
        let base = Arc::clone(&knowledge);
        let result = tokio::task::spawn_blocking(move || base.reload_if_changed()).await;
        match result.map(Result::transpose) {
            Ok(None) => {}
            Ok(Some(outcome)) => {
                report::report(&http, log_channel, &knowledge, &outcome, "file change").await;
            }
            Err(error) => tracing::error!(%error, "the FAQ reload task failed"),
        }
    }
}

/// Waits until no event came for [`DEBOUNCE`], or [`MAX_DEBOUNCE`] passed.
async fn settle(woken: &mut mpsc::Receiver<()>) {
    let give_up = Instant::now() + MAX_DEBOUNCE;
    while Instant::now() < give_up {
        match tokio::time::timeout(DEBOUNCE, woken.recv()).await {
            Ok(Some(())) => {}
            Ok(None) | Err(_) => return,
        }
    }
}

/// The folders being watched, kept in line with where the FAQ's path leads now.
struct Folders {
    watcher: RecommendedWatcher,
    path: PathBuf,
    relevant: Relevant,
    /// Watched folders, with the identity each had when its watch was set.
    watched: BTreeMap<PathBuf, Option<Identity>>,
    /// Where the path led at the last refresh.
    target: Option<Target>,
    /// Why the watch is incomplete, while it is.
    lost: Option<String>,
}

impl Folders {
    /// Starts watching where `path` leads now.
    fn new(watcher: RecommendedWatcher, path: &Path, relevant: Relevant) -> Self {
        let mut folders = Self {
            watcher,
            path: path.to_owned(),
            relevant,
            watched: BTreeMap::new(),
            target: None,
            lost: None,
        };
        folders.refresh();
        folders
    }

    /// Resolves the path again and watches the folders that now matter: a folder replaced
    /// (another one at the same path) is watched anew, one no longer on the way is let go.
    fn refresh(&mut self) {
        let target = Target::resolve(&self.path);
        *self
            .relevant
            .write()
            .unwrap_or_else(PoisonError::into_inner) = target.relevant();
        let wanted = target.folders();
        let stale: Vec<PathBuf> = self
            .watched
            .iter()
            .filter(|(folder, identity)| {
                !wanted.contains(*folder) || Identity::of(folder) != **identity
            })
            .map(|(folder, _)| folder.clone())
            .collect();
        for folder in stale {
            // The watch may be gone already with its folder.
            let _ = self.watcher.unwatch(&folder);
            self.watched.remove(&folder);
        }
        let mut failures = Vec::new();
        for folder in &wanted {
            // Set again even when set: a folder deleted and recreated lost its watch.
            match self.watcher.watch(folder, RecursiveMode::NonRecursive) {
                Ok(()) => {
                    self.watched.insert(folder.clone(), Identity::of(folder));
                }
                Err(error) => {
                    self.watched.remove(folder);
                    failures.push(format!("{}: {error}", folder.display()));
                }
            }
        }
        if self.target.as_ref() != Some(&target) {
            tracing::debug!(file = %target.file.display(), links = target.links.len(), "FAQ path resolved");
        }
        self.note(&failures);
        self.target = Some(target);
    }

    /// Logs the watch being lost, or back after it was.
    fn note(&mut self, failures: &[String]) {
        match (failures.is_empty(), &self.lost) {
            (false, _) => {
                let reason = failures.join("; ");
                if self.lost.as_ref() != Some(&reason) {
                    tracing::warn!(
                        "FAQ watch lost ({reason}); the file is checked every {} s until it is back",
                        POLL.as_secs()
                    );
                    self.lost = Some(reason);
                }
            }
            (true, Some(_)) => {
                let folders: Vec<String> = self
                    .watched
                    .keys()
                    .map(|folder| folder.display().to_string())
                    .collect();
                tracing::info!(folders = %folders.join(", "), "FAQ watch re-established");
                self.lost = None;
            }
            (true, None) => {}
        }
    }
}

/// Which folder a path names: device and inode (nothing to compare elsewhere).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Identity(u64, u64);

impl Identity {
    fn of(folder: &Path) -> Option<Self> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt as _;
            std::fs::metadata(folder)
                .ok()
                .map(|metadata| Self(metadata.dev(), metadata.ino()))
        }
        #[cfg(not(unix))]
        {
            std::fs::metadata(folder).ok().map(|_| Self(0, 0))
        }
    }
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::symlink;
    use std::sync::atomic::Ordering;

    use super::*;
    use crate::discord::fixture::FAQ;

    /// Generous: waiting only, never a speed requirement.
    const WAIT: Duration = Duration::from_secs(10);

    /// The fixture FAQ with its first entry's title starting with `marker`.
    fn faq_marked(marker: &str) -> String {
        let first_entry = FAQ.find("\n[[entry]]").expect("an entry");
        let (head, tail) = FAQ.split_at(first_entry);
        format!(
            "{head}{}",
            tail.replacen("title = \"", &format!("title = \"{marker}: "), 1)
        )
    }

    fn first_title(base: &KnowledgeBase) -> String {
        base.current().faq().entries()[0].title.clone()
    }

    /// Loads the FAQ at `path` and watches it, with nowhere to post reports.
    fn watched(path: &Path) -> (Arc<KnowledgeBase>, FaqWatcher) {
        let (base, _) = KnowledgeBase::load(path).expect("a valid FAQ");
        let base = Arc::new(base);
        let watcher = spawn(Arc::clone(&base), Arc::new(Http::new("")), None).expect("watch");
        (base, watcher)
    }

    /// Waits until the served FAQ's first title starts with `marker`.
    async fn served(base: &KnowledgeBase, marker: &str) {
        let started = Instant::now();
        while !first_title(base).starts_with(marker) {
            assert!(
                started.elapsed() < WAIT,
                "{marker} not served; serving {}",
                first_title(base)
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Writes `text` to `path` as editors and deploy tools do: a new file renamed over it.
    fn replace(path: &Path, text: &str) {
        let new = path.with_extension("new");
        std::fs::write(&new, text).unwrap();
        std::fs::rename(&new, path).unwrap();
    }

    #[tokio::test]
    async fn an_edit_of_a_symlinked_faqs_target_is_loaded() {
        let configured = tempfile::tempdir().unwrap();
        let elsewhere = tempfile::tempdir().unwrap();
        let real = elsewhere.path().join("faq.toml");
        std::fs::write(&real, FAQ).unwrap();
        let link = configured.path().join("faq.toml");
        symlink(&real, &link).unwrap();
        let (base, _watcher) = watched(&link);

        std::fs::write(&real, faq_marked("Edited")).unwrap();
        served(&base, "Edited").await;
        replace(&real, &faq_marked("Replaced"));
        served(&base, "Replaced").await;
    }

    #[tokio::test]
    async fn a_configmap_update_swapping_its_data_link_is_loaded() {
        let mount = tempfile::tempdir().unwrap();
        let mount = mount.path();
        let update = |version: &str, text: &str, old: Option<&str>| {
            std::fs::create_dir(mount.join(version)).unwrap();
            std::fs::write(mount.join(version).join("faq.toml"), text).unwrap();
            symlink(version, mount.join("..data_tmp")).unwrap();
            std::fs::rename(mount.join("..data_tmp"), mount.join("..data")).unwrap();
            if let Some(old) = old {
                std::fs::remove_dir_all(mount.join(old)).unwrap();
            }
        };
        update("..2026_12_01_00_00_00.1", FAQ, None);
        symlink("..data/faq.toml", mount.join("faq.toml")).unwrap();
        let (base, _watcher) = watched(&mount.join("faq.toml"));

        update(
            "..2026_12_01_00_01_00.2",
            &faq_marked("Second"),
            Some("..2026_12_01_00_00_00.1"),
        );
        served(&base, "Second").await;
        update(
            "..2026_12_01_00_02_00.3",
            &faq_marked("Third"),
            Some("..2026_12_01_00_01_00.2"),
        );
        served(&base, "Third").await;
    }

    #[tokio::test]
    async fn a_replaced_folder_is_watched_anew() {
        let parent = tempfile::tempdir().unwrap();
        let folder = parent.path().join("faq");
        std::fs::create_dir(&folder).unwrap();
        let path = folder.join("faq.toml");
        std::fs::write(&path, FAQ).unwrap();
        let (base, _watcher) = watched(&path);

        // Another folder renamed into place.
        let staged = parent.path().join("staged");
        std::fs::create_dir(&staged).unwrap();
        std::fs::write(staged.join("faq.toml"), faq_marked("Renamed in")).unwrap();
        std::fs::rename(&folder, parent.path().join("old")).unwrap();
        std::fs::rename(&staged, &folder).unwrap();
        served(&base, "Renamed in").await;

        // Deleted and created again.
        std::fs::remove_dir_all(&folder).unwrap();
        std::fs::create_dir(&folder).unwrap();
        std::fs::write(&path, faq_marked("Recreated")).unwrap();
        served(&base, "Recreated").await;

        // And the new folder is watched.
        std::fs::write(&path, faq_marked("Edited")).unwrap();
        served(&base, "Edited").await;
    }

    #[tokio::test]
    async fn a_log_file_written_next_to_the_faq_causes_no_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("faq.toml");
        std::fs::write(&path, FAQ).unwrap();
        let (base, _watcher) = watched(&path);
        let started = Instant::now();
        // The check at start reads the file once (it was written just now).
        while base.reads.load(Ordering::Relaxed) == 0 {
            assert!(started.elapsed() < WAIT, "no check at start");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }

        let mut log = std::fs::File::create(dir.path().join("prolobot.log")).unwrap();
        for line in 0..5_000 {
            std::io::Write::write_all(&mut log, format!("TRACE line {line}\n").as_bytes()).unwrap();
        }
        drop(log);
        // Long enough for a wake-up the log caused to end its debounce and read.
        tokio::time::sleep(DEBOUNCE * 3).await;
        std::fs::write(&path, faq_marked("Edited")).unwrap();
        served(&base, "Edited").await;

        assert_eq!(
            base.reads.load(Ordering::Relaxed),
            2,
            "one read at start, one for the edit, none for the log"
        );
    }
}
