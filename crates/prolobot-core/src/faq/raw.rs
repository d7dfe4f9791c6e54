//! The serde shape of `faq.toml`, exactly as a moderator writes it.
//!
//! These types only mirror the file; [`super::validate`] turns them into the checked model.
//! Every field that validation may need to point at is [`Spanned`], so a problem can name
//! its line and column.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::value::Datetime;
use toml::Spanned;

/// The `[texts]` table: bot-wide messages.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTexts {
    pub disclaimer: Spanned<String>,
    pub emergency: Spanned<String>,
    pub urgent: Spanned<String>,
    pub crisis: Spanned<String>,
    pub safety_net: Spanned<String>,
    pub no_match: Spanned<String>,
    pub contact: Option<Spanned<String>>,
}

/// The optional `[matching]` table: decision thresholds.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMatching {
    pub answer_threshold: Option<Spanned<f64>>,
    pub suggest_threshold: Option<Spanned<f64>>,
    pub min_margin: Option<Spanned<f64>>,
}

/// The `[red_flags]` table: safety rules, their word classes and cues, and the guard list.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRedFlags {
    #[serde(default)]
    pub guard: Vec<Spanned<String>>,
    #[serde(default)]
    pub classes: BTreeMap<Spanned<String>, Vec<Spanned<String>>>,
    #[serde(default)]
    pub cues: RawCues,
    #[serde(default)]
    pub rule: Vec<Spanned<RawRule>>,
}

/// `[red_flags.cues]`: the words that say whether symptom words are a report or a question.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCues {
    #[serde(default)]
    pub report: Vec<Spanned<String>>,
    #[serde(default)]
    pub now: Vec<Spanned<String>>,
    #[serde(default)]
    pub question: Vec<Spanned<String>>,
    #[serde(default)]
    pub past: Vec<Spanned<String>>,
    #[serde(default)]
    pub habitual: Vec<Spanned<String>>,
    #[serde(default)]
    pub ignore: Vec<Spanned<String>>,
    #[serde(default)]
    pub distress: Vec<Spanned<String>>,
}

/// The optional `[subjects]` table: what names this FAQ's subject, and what names others.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSubjects {
    #[serde(default)]
    pub own: Vec<Spanned<String>>,
    #[serde(default)]
    pub other: Vec<Spanned<String>>,
    #[serde(default)]
    pub compare: Vec<Spanned<String>>,
}

/// One `[[red_flags.rule]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRule {
    pub id: Spanned<String>,
    pub title: Spanned<String>,
    pub category: Spanned<String>,
    pub tier: Spanned<String>,
    pub when: Option<Spanned<String>>,
    pub all: Vec<Spanned<Vec<Spanned<String>>>>,
    pub advice: Option<Spanned<String>>,
}

/// The fields of an `[[entry]]`, as [`RawEntry`] names them (a test keeps the two in sync): an
/// entry's field in another table means its `[[entry]]` line is missing.
pub const ENTRY_FIELDS: [&str; 11] = [
    "id",
    "title",
    "kind",
    "medical",
    "questions",
    "keywords",
    "answer",
    "detail",
    "sources",
    "related",
    "reviewed",
];

/// One `[[entry]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEntry {
    pub id: Spanned<String>,
    pub title: Spanned<String>,
    pub kind: Option<Spanned<String>>,
    #[serde(default = "default_true")]
    pub medical: bool,
    pub questions: Spanned<Vec<Spanned<String>>>,
    #[serde(default)]
    pub keywords: Vec<Spanned<String>>,
    pub answer: Spanned<String>,
    pub detail: Option<Spanned<String>>,
    #[serde(default)]
    pub sources: Vec<Spanned<String>>,
    #[serde(default)]
    pub related: Vec<Spanned<String>>,
    pub reviewed: Option<Datetime>,
}

fn default_true() -> bool {
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_fields_are_the_fields_of_an_entry() {
        let error = toml::from_str::<RawEntry>("nonsense = 1").expect_err("unknown field");
        let message = error.message();
        let (_, expected) = message
            .split_once("expected")
            .expect("serde lists the fields");
        let named: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
        assert_eq!(named, ENTRY_FIELDS);
    }
}
