//! The watch task: watches the FAQ file and reloads it shortly after it stops changing.
//!
//! The watch is on the file's directory, not the file: editors often save by writing a new file
//! and renaming it over the old one, which a watch on the old file would miss. Events are
//! debounced, an unchanged text is skipped, and every result is logged and posted to the log
//! channel.

use std::ffi::OsString;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use notify::{Event, EventKind, RecommendedWatcher, RecursiveMode, Watcher};
use serenity::all::Http;
use tokio::sync::mpsc;

use super::{report, KnowledgeBase};
use crate::discord::Error;

/// How long the file must stay quiet before it is reloaded.
pub(crate) const DEBOUNCE: Duration = Duration::from_millis(500);

/// A running watch; dropping it stops watching and ends the reload task.
pub(in crate::discord) struct FaqWatcher {
    _watcher: RecommendedWatcher,
}

/// Starts watching `knowledge`'s file; results go to the log and to `log_channel`.
pub(in crate::discord) fn spawn(
    knowledge: Arc<KnowledgeBase>,
    http: Arc<Http>,
    log_channel: Option<u64>,
) -> Result<FaqWatcher, Error> {
    let path = knowledge.path().to_owned();
    let watch_error = |source| Error::Watch {
        path: path.clone(),
        source,
    };
    let file_name = path.file_name().map(OsString::from);
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let (tx, rx) = mpsc::unbounded_channel();
    // Catch up with a change made between the first load and the start of the watch.
    let _ = tx.send(());
    let mut watcher =
        notify::recommended_watcher(move |event: notify::Result<Event>| match event {
            Ok(event) if concerns(&event, file_name.as_deref()) => {
                // The receiver is gone only while shutting down.
                let _ = tx.send(());
            }
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "FAQ file watch error"),
        })
        .map_err(watch_error)?;
    watcher
        .watch(dir, RecursiveMode::NonRecursive)
        .map_err(watch_error)?;
    tokio::spawn(reload_on_change(rx, knowledge, http, log_channel));
    Ok(FaqWatcher { _watcher: watcher })
}

/// Whether `event` may have changed the file called `file_name`. Opening and reading (which the
/// reload itself does) do not count.
fn concerns(event: &Event, file_name: Option<&std::ffi::OsStr>) -> bool {
    !matches!(event.kind, EventKind::Access(_))
        && event.paths.iter().any(|path| path.file_name() == file_name)
}

/// Waits for a burst of events to end, then reloads, until the watcher is dropped.
async fn reload_on_change(
    mut events: mpsc::UnboundedReceiver<()>,
    knowledge: Arc<KnowledgeBase>,
    http: Arc<Http>,
    log_channel: Option<u64>,
) {
    while events.recv().await.is_some() {
        loop {
            match tokio::time::timeout(DEBOUNCE, events.recv()).await {
                Ok(Some(())) => {}
                Ok(None) => return,
                Err(_quiet) => break,
            }
        }
        let base = Arc::clone(&knowledge);
        let result = tokio::task::spawn_blocking(move || base.reload_if_changed()).await;
        match result.map(Result::transpose) {
            Ok(None) => tracing::debug!("FAQ file event without a change"),
            Ok(Some(outcome)) => {
                report::report(&http, log_channel, &knowledge, &outcome, "file change").await;
            }
            Err(error) => tracing::error!(%error, "the FAQ reload task failed"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use notify::event::{AccessKind, CreateKind, ModifyKind, RenameMode};

    #[test]
    fn only_changes_to_the_faq_file_count() {
        let faq = Some(std::ffi::OsStr::new("faq.toml"));
        let event = |kind, path: &str| Event::new(kind).add_path(path.into());
        let cases = [
            (
                event(EventKind::Modify(ModifyKind::Any), "/srv/faq.toml"),
                true,
            ),
            (
                event(EventKind::Create(CreateKind::File), "./faq.toml"),
                true,
            ),
            (
                event(
                    EventKind::Modify(ModifyKind::Name(RenameMode::To)),
                    "faq.toml",
                ),
                true,
            ),
            (
                event(
                    EventKind::Remove(notify::event::RemoveKind::File),
                    "/srv/faq.toml",
                ),
                true,
            ),
            (
                event(EventKind::Access(AccessKind::Any), "/srv/faq.toml"),
                false,
            ),
            (
                event(EventKind::Modify(ModifyKind::Any), "/srv/faq.toml.swp"),
                false,
            ),
            (
                event(EventKind::Modify(ModifyKind::Any), "/srv/other.toml"),
                false,
            ),
        ];
        for (i, (event, expected)) in cases.iter().enumerate() {
            assert_eq!(concerns(event, faq), *expected, "case {i}");
        }
    }
}
