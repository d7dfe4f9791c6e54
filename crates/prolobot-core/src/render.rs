//! The shapes every reply shares: Discord's message limit, the answer body, the disclaimer
//! footer and fitting a body between a lead line and that footer, with moderator text made
//! inert on the way ([`crate::inert`]). Validation (which checks that answers fit), the composer
//! and the adapters all measure with these.

use std::fmt::Write as _;

use crate::inert::{neutralise, source_hosts};

/// Discord's limit for the content of one message, in characters.
pub const MESSAGE_LIMIT: usize = 2_000;

/// The longest disclaimer the FAQ may set, so a reply always has room for a body.
pub const DISCLAIMER_LIMIT: usize = 500;

/// The longest safety-net line the FAQ may set: it goes on top of answers, never cut.
pub const SAFETY_NET_LIMIT: usize = 500;

/// Characters a reply body may use so that the composer never has to cut it, given the FAQ's
/// disclaimer: the message limit less the footer the composer appends.
#[must_use]
pub fn body_room(disclaimer: &str) -> usize {
    MESSAGE_LIMIT.saturating_sub(footer(disclaimer).chars().count())
}

/// The body of an answer as posted: bold title, text, a small sources line.
pub(crate) fn answer_body(title: &str, text: &str, sources: &[String]) -> String {
    let mut body = format!("**{}**\n{}", title.trim(), text.trim());
    if !sources.is_empty() {
        let _ = write!(body, "\n-# Sources: {}", sources.join("; "));
    }
    body
}

/// Characters an answer takes when posted (made inert, masked links checked against its
/// sources), before any cutting.
pub(crate) fn answer_len(title: &str, text: &str, sources: &[String], disclaimer: &str) -> usize {
    let body = neutralise(&answer_body(title, text, sources), &source_hosts(sources));
    body.chars().count() + footer(disclaimer).chars().count()
}

/// The lead line (posted as given: the caller makes it inert), `body` and the disclaimer (made
/// inert); the body is cut (never the lead or the disclaimer) to fit a message. A body of FAQ
/// text is made inert too, its masked links kept only when they lead to `trusted_hosts`; with
/// `None` it is the bot's own words (notices, errors), posted as given. Validation keeps the
/// disclaimer within [`DISCLAIMER_LIMIT`] and the safety-net line within [`SAFETY_NET_LIMIT`],
/// so both always fit.
pub(crate) fn fit_with_disclaimer(
    lead: Option<&str>,
    body: &str,
    disclaimer: &str,
    trusted_hosts: Option<&[String]>,
) -> String {
    const CUT_MARK: &str = "… (shortened: ask a moderator for the full text)";
    let head = lead.map(|line| format!("{line}\n\n")).unwrap_or_default();
    let body = match trusted_hosts {
        Some(hosts) => neutralise(body, hosts),
        None => body.to_owned(),
    };
    let footer = footer(disclaimer);
    let fixed = head.chars().count() + footer.chars().count();
    if body.chars().count() + fixed <= MESSAGE_LIMIT {
        return format!("{head}{body}{footer}");
    }
    let room = MESSAGE_LIMIT.saturating_sub(fixed + CUT_MARK.chars().count());
    let kept: String = body.chars().take(room).collect();
    format!("{head}{kept}{CUT_MARK}{footer}")
}

/// The disclaimer as appended under every reply.
fn footer(disclaimer: &str) -> String {
    format!("\n\n⚕️ *{}*", neutralise(disclaimer.trim(), &[]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_of_exactly_the_room_fits_uncut_with_the_disclaimer() {
        let disclaimer = "General information only.";
        let body = "b".repeat(body_room(disclaimer));
        let text = fit_with_disclaimer(None, &body, disclaimer, None);
        assert_eq!(text.chars().count(), MESSAGE_LIMIT);
        assert!(text.starts_with(&body) && text.ends_with("*General information only.*"));
        let longer = fit_with_disclaimer(None, &format!("{body}b"), disclaimer, None);
        assert!(longer.contains("(shortened"), "one more character is cut");
    }
}
