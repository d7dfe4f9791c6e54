//! The reload report: every reload's result, from a file change or from `/faqmod reload`, is
//! logged, posted to the log channel, and returned for a command response. A failed reload shows
//! every problem as `path:line:column: ...` and says that the last good version keeps serving.

use serenity::all::Http;

use super::{KnowledgeBase, ReloadSummary};
use crate::discord::layout::code_block;
use crate::discord::outgoing;
use prolobot_core::{body_room, LoadError, Reply};

/// Logs a reload's result, posts it to the log channel, and returns it for a command response.
pub(super) async fn report(
    http: &Http,
    log_channel: Option<u64>,
    knowledge: &KnowledgeBase,
    outcome: &Result<ReloadSummary, LoadError>,
    cause: &'static str,
) -> Reply {
    let current = knowledge.current();
    let composer = current.composer();
    let room = body_room(&current.faq().texts().disclaimer);
    let reply = match outcome {
        Ok(summary) => {
            tracing::info!(
                cause,
                entries = summary.entries,
                warnings = summary.warning_count,
                "FAQ reloaded"
            );
            let mut text = summary.to_string();
            if !summary.warnings.is_empty() {
                let headline = text.chars().count() + 1;
                text = format!(
                    "{text}\n{}",
                    code_block(&summary.warnings.join("\n"), room - headline)
                );
            }
            composer.notice(&text)
        }
        Err(error) => {
            tracing::warn!(
                cause,
                "FAQ reload failed; the last good version keeps serving:\n{error}"
            );
            let headline = "FAQ reload failed; the last good version keeps serving.";
            let block = code_block(&error.to_string(), room - headline.chars().count() - 1);
            composer.notice(&format!("{headline}\n{block}"))
        }
    };
    outgoing::post_to_log(http, log_channel, &reply).await;
    reply
}
