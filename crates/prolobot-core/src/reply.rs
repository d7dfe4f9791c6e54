//! Reply composition: the one place where everything the bot says is put into words.
//!
//! A [`Reply`] can only be built here, and every constructor ends in the same private
//! `finish_from`, which makes FAQ text inert (mentions, masked links elsewhere), appends the
//! FAQ's disclaimer and keeps the text within Discord's message limit. Adapters (Discord, CLI)
//! send a `Reply` as it is, so no output path can skip the disclaimer.

use std::fmt::Write as _;

use crate::faq::{Entry, Faq, RedFlagRule, Tier};
use crate::inert::{neutralise, source_hosts};
use crate::matcher::{Decision, Service};
use crate::render::{answer_body, fit_with_disclaimer};

/// What a reply is, for adapters that present kinds differently (buttons, ephemerality).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyKind {
    /// One FAQ entry.
    Answer,
    /// One FAQ entry's longer, fully sourced text, asked for after its answer ("More detail").
    Detail,
    /// "Did you mean" with two or three entries.
    Suggestions,
    /// Nothing in the FAQ fits.
    NoMatch,
    /// Crisis, emergency or same-day guidance.
    Emergency,
    /// The safety-net line alone: the message may report danger and nothing in the FAQ fits.
    SafetyNet,
    /// Informational output: topic lists, reload results, explanations.
    Notice,
    /// Something went wrong; shown politely to the user.
    Error,
}

/// A FAQ entry offered as a suggestion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    /// Entry id.
    pub id: String,
    /// Entry title, for button labels.
    pub title: String,
}

/// A finished reply: text with the disclaimer, within Discord's limit.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    kind: ReplyKind,
    text: String,
    tier: Option<Tier>,
    entry_id: Option<String>,
    has_detail: bool,
    suggestions: Vec<Suggestion>,
    also: Option<Suggestion>,
}

impl Reply {
    /// The text to post, disclaimer included.
    #[must_use]
    pub fn text(&self) -> &str {
        &self.text
    }

    /// What kind of reply this is.
    #[must_use]
    pub fn kind(&self) -> ReplyKind {
        self.kind
    }

    /// The tier whose guidance this is, for emergency replies.
    #[must_use]
    pub fn tier(&self) -> Option<Tier> {
        self.tier
    }

    /// The answered entry, for answers and details.
    #[must_use]
    pub fn entry_id(&self) -> Option<&str> {
        self.entry_id.as_deref()
    }

    /// The entry of a second question the message asked, offered below an answer.
    #[must_use]
    pub fn also(&self) -> Option<&Suggestion> {
        self.also.as_ref()
    }

    /// Whether this answer's entry has a longer text to offer ([`Composer::detail`]).
    #[must_use]
    pub fn has_detail(&self) -> bool {
        self.has_detail
    }

    /// The suggested entries, for suggestions.
    #[must_use]
    pub fn suggestions(&self) -> &[Suggestion] {
        &self.suggestions
    }
}

/// Builds replies from one FAQ's texts.
pub struct Composer<'f> {
    faq: &'f Faq,
}

impl<'f> Composer<'f> {
    /// A composer for `faq`.
    #[must_use]
    pub fn new(faq: &'f Faq) -> Self {
        Self { faq }
    }

    /// The reply for a matcher decision made on this composer's FAQ. A decision marked for
    /// the safety net gets that line on top; with no FAQ match it is the whole reply.
    #[must_use]
    pub fn decision(&self, decision: &Decision) -> Reply {
        let line = decision.safety_net().then(|| self.safety_net_line());
        let lead = line.as_deref();
        match decision {
            Decision::Answer { entry, also, .. } => {
                let also = also.map(|other| self.faq.get(other));
                self.answer_led(self.faq.get(*entry), also, lead)
            }
            Decision::Service { entry, service, .. } => {
                self.service_led(self.faq.get(*entry), *service, lead)
            }
            Decision::Suggest { entries, .. } => {
                let suggested: Vec<&Entry> = entries.iter().map(|&e| self.faq.get(e)).collect();
                self.suggestions_led(&suggested, lead)
            }
            Decision::NoMatch { .. } => self.no_match_led(lead),
            Decision::Emergency { rules, .. } => {
                let rules: Vec<&RedFlagRule> = rules.iter().map(|&r| self.faq.rule(r)).collect();
                self.emergency(&rules)
            }
        }
    }

    /// The answer for one entry: title, answer, sources.
    #[must_use]
    pub fn answer(&self, entry: &Entry) -> Reply {
        self.answer_led(entry, None, None)
    }

    /// The answer for `entry`, offering `also` (a second question's entry) on a last line.
    fn answer_led(&self, entry: &Entry, also: Option<&Entry>, lead: Option<&str>) -> Reply {
        let mut body = answer_body(&entry.title, &entry.answer, &entry.sources);
        if let Some(other) = also {
            let _ = write!(
                body,
                "\n\n**You also asked:** {} (`/faq topic {}`)",
                other.title, other.id
            );
        }
        let mut reply = self.entry_led(ReplyKind::Answer, entry, lead, &body);
        reply.also = also.map(|other| Suggestion {
            id: other.id.clone(),
            title: other.title.clone(),
        });
        reply
    }

    /// The entry's longer, fully sourced text under the same title, with the same sources and
    /// disclaimer as its answer; `None` when the entry has no detail.
    #[must_use]
    pub fn detail(&self, entry: &Entry) -> Option<Reply> {
        let detail = entry.detail.as_deref()?;
        let body = answer_body(&entry.title, detail, &entry.sources);
        Some(self.entry_led(ReplyKind::Detail, entry, None, &body))
    }

    /// A reply about one entry; an answer offers the entry's detail when it has one.
    /// Masked links in its text stay as written only when they lead to the entry's sources.
    fn entry_led(&self, kind: ReplyKind, entry: &Entry, lead: Option<&str>, body: &str) -> Reply {
        let hosts = source_hosts(&entry.sources);
        let mut reply = self.finish_from(kind, lead, body, Some(&hosts));
        reply.entry_id = Some(entry.id.clone());
        reply.has_detail = kind == ReplyKind::Answer && entry.detail.is_some();
        reply
    }

    /// A service answer: the clinic entry with the contact line, or the help entry with the
    /// topic list.
    fn service_led(&self, entry: &Entry, service: Service, lead: Option<&str>) -> Reply {
        let mut body = answer_body(&entry.title, &entry.answer, &entry.sources);
        match service {
            Service::Clinic => {
                if let Some(contact) = &self.faq.texts().contact {
                    body.push_str("\n\n");
                    body.push_str(contact.trim());
                }
            }
            Service::Help => {
                body.push_str("\n\n");
                body.push_str(&self.topics());
            }
        }
        self.entry_led(ReplyKind::Answer, entry, lead, &body)
    }

    /// "Did you mean" for a few entries.
    #[must_use]
    pub fn suggestions(&self, entries: &[&Entry]) -> Reply {
        self.suggestions_led(entries, None)
    }

    fn suggestions_led(&self, entries: &[&Entry], lead: Option<&str>) -> Reply {
        let mut body = String::from("I'm not sure which topic you mean. Did you mean:");
        for entry in entries {
            let _ = write!(body, "\n- **{}** (`/faq topic {}`)", entry.title, entry.id);
        }
        let mut reply = self.finish_led(ReplyKind::Suggestions, lead, &body);
        reply.suggestions = entries
            .iter()
            .map(|e| Suggestion {
                id: e.id.clone(),
                title: e.title.clone(),
            })
            .collect();
        reply
    }

    /// Nothing fits: the FAQ's no-match text and the contact line.
    #[must_use]
    pub fn no_match(&self) -> Reply {
        self.no_match_led(None)
    }

    /// With a safety-net line, the line alone is the reply ([`ReplyKind::SafetyNet`]), so a
    /// support channel that stays silent on no match still answers a possible report of danger.
    fn no_match_led(&self, lead: Option<&str>) -> Reply {
        if let Some(line) = lead {
            return self.finish(ReplyKind::SafetyNet, line);
        }
        let texts = self.faq.texts();
        let mut body = texts.no_match.trim().to_string();
        if let Some(contact) = &texts.contact {
            body.push_str("\n\n");
            body.push_str(contact.trim());
        }
        self.finish(ReplyKind::NoMatch, &body)
    }

    /// The most serious tier's guidance first, then each fired rule's own advice (each text
    /// once, most serious first); no FAQ content.
    #[must_use]
    pub fn emergency(&self, rules: &[&RedFlagRule]) -> Reply {
        let tier = rules
            .iter()
            .map(|r| r.tier)
            .max()
            .unwrap_or(Tier::Emergency);
        let mut body = self.tier_line(tier);
        let mut ordered: Vec<&RedFlagRule> = rules.to_vec();
        ordered.sort_by_key(|r| std::cmp::Reverse(r.tier));
        let mut given: Vec<&str> = Vec::new();
        for advice in ordered.iter().filter_map(|r| r.advice.as_deref()) {
            let advice = advice.trim();
            if !given.contains(&advice) {
                given.push(advice);
                body.push_str("\n\n");
                body.push_str(advice);
            }
        }
        let mut reply = self.finish(ReplyKind::Emergency, &body);
        reply.tier = Some(tier);
        reply
    }

    /// The short reply to someone who keeps reporting the same emergency in one place: the
    /// tier's own guidance (never left out), then a pointer to the full reply already posted at
    /// `first_reply` (a link to that message) instead of repeating every rule's advice.
    #[must_use]
    pub fn emergency_repeat(&self, tier: Tier, first_reply: &str) -> Reply {
        let body = format!(
            "{}\n\nMy full reply to this is here: {first_reply}",
            self.tier_line(tier)
        );
        let mut reply = self.finish(ReplyKind::Emergency, &body);
        reply.tier = Some(tier);
        reply
    }

    /// The tier's guidance with its sign, as every emergency reply opens.
    fn tier_line(&self, tier: Tier) -> String {
        let texts = self.faq.texts();
        match tier {
            Tier::Crisis => format!("💛 {}", texts.crisis.trim()),
            Tier::Emergency => format!("🚨 {}", texts.emergency.trim()),
            Tier::Urgent => format!("⚠️ {}", texts.urgent.trim()),
        }
    }

    fn safety_net_line(&self) -> String {
        format!("⚠️ {}", neutralise(self.faq.texts().safety_net.trim(), &[]))
    }

    /// The list of topics, for `/faq list` and the no-match path.
    #[must_use]
    pub fn topic_list(&self) -> Reply {
        self.finish(ReplyKind::Notice, &self.topics())
    }

    fn topics(&self) -> String {
        let mut body = String::from("**Topics I can answer** (use `/faq topic` or just ask):");
        for entry in self.faq.entries() {
            let _ = write!(body, "\n- {} (`{}`)", entry.title, entry.id);
        }
        body
    }

    /// Informational text such as a reload result or an explanation.
    #[must_use]
    pub fn notice(&self, text: &str) -> Reply {
        self.finish_from(ReplyKind::Notice, None, text, None)
    }

    /// A moderator alert: the alert role's mention on its own line (the one mention the bot
    /// ever pings with; the adapter allows pings for that role alone), then `text`, the bot's
    /// own words.
    #[must_use]
    pub fn alert(&self, role: u64, text: &str) -> Reply {
        self.finish_from(ReplyKind::Notice, Some(&format!("<@&{role}>")), text, None)
    }

    /// A polite error shown to a user.
    #[must_use]
    pub fn error(&self, text: &str) -> Reply {
        self.finish_from(ReplyKind::Error, None, &format!("Sorry, {text}"), None)
    }

    /// A reply of FAQ text (made inert, no masked link kept), then the disclaimer, within the
    /// limit.
    fn finish(&self, kind: ReplyKind, body: &str) -> Reply {
        self.finish_led(kind, None, body)
    }

    /// Like [`Composer::finish`] with a line on top (the safety net), which is never cut.
    fn finish_led(&self, kind: ReplyKind, lead: Option<&str>, body: &str) -> Reply {
        self.finish_from(kind, lead, body, Some(&[]))
    }

    /// The single exit of every constructor: the lead, the body and the disclaimer, within the
    /// limit. A body of FAQ text (`trusted_hosts` given: for an entry, its sources' hosts, whose
    /// masked links are kept) is made inert; `None` marks the bot's own words, posted as given.
    fn finish_from(
        &self,
        kind: ReplyKind,
        lead: Option<&str>,
        body: &str,
        trusted_hosts: Option<&[String]>,
    ) -> Reply {
        let text = fit_with_disclaimer(lead, body, &self.faq.texts().disclaimer, trusted_hosts);
        Reply {
            kind,
            text,
            tier: None,
            entry_id: None,
            has_detail: false,
            suggestions: Vec::new(),
            also: None,
        }
    }
}
