//! prolobot-core answers questions about prolotherapy from a curated, sourced FAQ
//! (`faq.toml`), with no Discord, async runtime, storage or command line: those are the edges
//! of the `prolobot` crate, which call this one.
//!
//! Load a FAQ, build [`Knowledge`] from it once, and ask [`Knowledge::respond`] for every
//! message. The [`Reply`] always ends with the FAQ's disclaimer; safety guidance comes first
//! whenever a message reports an emergency or a crisis, whatever else it matches.
//!
//! ```
//! use prolobot_core::{Faq, Knowledge, Outcome};
//!
//! let source = r#"
//! [texts]
//! disclaimer = "General information only, not medical advice."
//! emergency = "Call your local emergency number now."
//! urgent = "Contact your clinic or a doctor today."
//! crisis = "Call your local emergency number or a crisis line now."
//! safety_net = "If you are in danger now, call your local emergency number."
//! no_match = "I don't know that one yet."
//!
//! [red_flags]
//! [[red_flags.rule]]
//! id = "chest-pain"
//! title = "Chest pain"
//! category = "breathing-chest"
//! tier = "emergency"
//! all = [["chest pain"]]
//!
//! [[entry]]
//! id = "cost"
//! title = "How much does it cost?"
//! medical = false
//! questions = ["how much does it cost", "what is the price per session", "is it expensive"]
//! answer = "Prices vary by clinic."
//! "#;
//! let knowledge = Knowledge::new(Faq::from_toml_str(source)?.faq);
//!
//! let response = knowledge.respond("how much does it cost?");
//! assert_eq!(response.decision().outcome(), Outcome::Answer);
//! assert!(response.reply().text().contains("Prices vary by clinic."));
//! assert!(response.reply().text().ends_with("*General information only, not medical advice.*"));
//!
//! let urgent = knowledge.respond("I have chest pain right now, what does it cost?");
//! assert_eq!(urgent.decision().outcome(), Outcome::Emergency);
//! assert!(urgent.reply().text().contains("Call your local emergency number now."));
//! # Ok::<(), Vec<prolobot_core::Diagnostic>>(())
//! ```
//!
//! # Inside
//! `faq` (model and validation with line:column diagnostics), `text` (normalisation),
//! `fuzzy` (typo correction), `safety` (crisis, emergency and urgent detection), `matcher`
//! (routing), `render` (message limits and shared text shapes), `inert` (mentions and masked
//! links in moderator text made harmless), `reply` (the one composer),
//! `knowledge` (the front door) and `eval` (labelled question sets).

mod eval;
mod faq;
mod fuzzy;
mod inert;
mod knowledge;
mod matcher;
mod render;
mod reply;
mod safety;
mod text;

pub use eval::{
    parse_cases, Band, Case, CaseResult, EvalError, EvalReport, Lookalike, Report as SafetyCase,
    SafetyReport, SafetyResult, SafetySet, Tally,
};
pub use faq::{
    closest, render as render_diagnostics, Cues, Diagnostic, Entry, EntryKind, EntryRef, Faq,
    Frame, LoadError, Loaded, Problem, RedFlagRule, RedFlags, RuleRef, Severity, Subjects, Synonym,
    Texts, Thresholds, Tier, When, WordClass, MIN_QUESTIONS,
};
pub use knowledge::{ExampleMiss, Knowledge, Response};
pub use matcher::{Candidate, Decision, Explanation, Outcome, Service};
pub use render::{body_room, DISCLAIMER_LIMIT, MESSAGE_LIMIT, SAFETY_NET_LIMIT};
pub use reply::{Composer, Reply, ReplyKind, Suggestion};
pub use text::{normalise, Analyzer};

/// A test FAQ: the `[texts]` every FAQ needs, then `rest`.
#[cfg(test)]
fn test_faq(rest: &str) -> String {
    const TEXTS: &str = r#"[texts]
disclaimer = "General information only."
emergency = "Call your local emergency number."
urgent = "Contact your clinic today."
crisis = "Call a crisis line."
safety_net = "If this is happening now, get help."
no_match = "No idea."
"#;
    format!("{TEXTS}{rest}")
}
