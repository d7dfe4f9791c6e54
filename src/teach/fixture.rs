//! What teaching's unit tests run on: a small FAQ (`tests/data/teach-faq.toml`: three entries,
//! off-topic subjects, one red-flag rule) and unanswered groups of the report.

use crate::report::UnansweredGroup;

/// The fixture FAQ's text.
pub(crate) const FAQ: &str = include_str!("../../tests/data/teach-faq.toml");

/// An unanswered group of these examples, each one no-match question.
pub(crate) fn group(examples: &[&str]) -> UnansweredGroup {
    UnansweredGroup {
        no_match: examples.len(),
        suggest: 0,
        last_asked: 0,
        examples: examples.iter().map(|&e| e.to_owned()).collect(),
    }
}
