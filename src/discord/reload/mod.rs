//! Hot reload: the live FAQ ([`KnowledgeBase`]), the task that watches its file and reloads it,
//! `/faqmod reload`'s reload on demand, the reload right after `/faqmod teach` wrote the file,
//! and the report of every reload's result.
//!
//! Whatever starts a reload, the file is read and validated off the async runtime, a valid
//! version is swapped in atomically, an invalid one never replaces the last good version, and
//! the result goes to the log, to the log channel and, for the command, back to the moderator.

mod knowledge;
mod report;
mod stamp;
mod target;
mod watch;

use std::sync::Arc;

use serenity::all::Http;

use super::Error;
pub use knowledge::{KnowledgeBase, ReloadSummary};
use prolobot_core::Reply;
pub(super) use watch::{spawn as watch, FaqWatcher};

/// Reloads the FAQ now (`/faqmod reload`) and reports the result; the report is also the
/// command's response.
pub(super) async fn now(
    http: &Http,
    log_channel: Option<u64>,
    knowledge: &Arc<KnowledgeBase>,
) -> Result<Reply, Error> {
    let base = Arc::clone(knowledge);
    let outcome = tokio::task::spawn_blocking(move || base.reload()).await?;
    Ok(report::report(http, log_channel, knowledge, &outcome, "/faqmod reload").await)
}

/// Swaps in a change this process has just written to the FAQ file (`/faqmod teach`) at once,
/// without waiting for the file watch's pause. `None` when the change is live (swapped in now, or
/// by the watch already); a failed reload (the file changed again and is invalid) is reported
/// like any other, and the report returned.
pub(super) async fn after_edit(
    http: &Http,
    log_channel: Option<u64>,
    knowledge: &Arc<KnowledgeBase>,
) -> Result<Option<Reply>, Error> {
    let base = Arc::clone(knowledge);
    match tokio::task::spawn_blocking(move || base.reload_if_changed()).await? {
        Ok(_) => Ok(None),
        Err(error) => {
            let outcome = Err(error);
            Ok(Some(
                report::report(http, log_channel, knowledge, &outcome, "/faqmod teach").await,
            ))
        }
    }
}
