//! Fixture rows and a toy tokenizer shared by the report's tests (no database).

use crate::store::UnansweredRow;

/// A fixed "now" (2025-06-15 15:06:40 UTC).
pub const NOW: i64 = 1_750_000_000;
/// Seconds per day.
pub const DAY: i64 = 86_400;

/// Stand-in for the bot's tokenizer: lower-case words, crude stemming, stopwords dropped.
pub fn toy_tokens(text: &str) -> Vec<String> {
    const STOPWORDS: &[&str] = &[
        "a", "after", "and", "back", "can", "do", "does", "go", "how", "i", "is", "it", "much",
        "my", "ok", "should", "the", "to", "what", "when",
    ];
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(|word| {
            word.to_lowercase()
                .trim_end_matches("ing")
                .trim_end_matches('s')
                .to_owned()
        })
        .filter(|word| !STOPWORDS.contains(&word.as_str()))
        .collect()
}

/// An unanswered row as the store returns it: `suggested` or no match, asked `at`.
pub fn row(question: &str, suggested: bool, at: i64) -> UnansweredRow {
    UnansweredRow {
        question: question.into(),
        suggested,
        at,
    }
}
