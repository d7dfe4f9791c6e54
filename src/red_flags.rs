//! Emergency detection: moderator-written rules of co-occurring terms, checked before any
//! FAQ matching and never overridden by it.
//!
//! A rule fires when each of its groups has a term in the message. A term may be a phrase; its
//! words must appear in order, with at most two other words between them ("throat is
//! closing up" matches "throat closing"). Message words are typo-corrected against the rules'
//! own words with the same budget as the matcher, except stop words and the FAQ's guard list,
//! so a common word never turns into a red-flag word.

use std::collections::{HashMap, HashSet};

use crate::faq::RedFlags;
use crate::fuzzy::{FuzzyIndex, MessageCorrector};
use crate::text::{Analyzer, Token};

/// Words allowed between the words of a phrase term.
const MAX_GAP: usize = 2;

/// Compiled red-flag rules.
#[derive(Debug)]
pub struct RedFlagDetector {
    /// rule -> group -> alternative -> stems.
    rules: Vec<Vec<Vec<Vec<String>>>>,
    words: HashSet<String>,
    guard: HashSet<String>,
    /// The rules' words as written -> their stems.
    typed_forms: HashMap<String, String>,
    fuzzy: FuzzyIndex,
}

impl RedFlagDetector {
    /// Compiles the FAQ's rules.
    #[must_use]
    pub fn new(red_flags: &RedFlags, analyzer: &Analyzer) -> Self {
        let stems = |term: &String| -> Vec<String> {
            analyzer.tokens(term).into_iter().map(|t| t.stem).collect()
        };
        let rules: Vec<Vec<Vec<Vec<String>>>> = red_flags
            .rules
            .iter()
            .map(|rule| {
                rule.groups
                    .iter()
                    .map(|group| group.iter().map(stems).collect())
                    .collect()
            })
            .collect();
        let words: HashSet<String> = rules
            .iter()
            .flatten()
            .flatten()
            .flatten()
            .cloned()
            .collect();
        // Typos are corrected on words as typed, then stemmed like the rules' own words.
        let typed_forms: HashMap<String, String> = red_flags
            .rules
            .iter()
            .flat_map(|rule| rule.groups.iter().flatten())
            .flat_map(|term| analyzer.tokens(term))
            .map(|t| (t.word, t.stem))
            .collect();
        let guard = red_flags
            .guard
            .iter()
            .flat_map(|g| analyzer.tokens(g))
            .map(|t| t.stem)
            .collect();
        let fuzzy = FuzzyIndex::new(typed_forms.keys().map(|w| (w.clone(), 1)));
        Self {
            rules,
            words,
            guard,
            typed_forms,
            fuzzy,
        }
    }

    /// Indices of the rules that fire on these tokens.
    #[must_use]
    pub fn fired(&self, tokens: &[Token]) -> Vec<usize> {
        if self.rules.is_empty() {
            return Vec::new();
        }
        let mut corrector = MessageCorrector::new(&self.fuzzy);
        let stems: Vec<&str> = tokens
            .iter()
            .map(|t| self.correct(t, &mut corrector))
            .collect();
        self.rules
            .iter()
            .enumerate()
            .filter(|(_, groups)| {
                groups
                    .iter()
                    .all(|alternatives| alternatives.iter().any(|a| contains_phrase(&stems, a)))
            })
            .map(|(i, _)| i)
            .collect()
    }

    fn correct<'a>(&'a self, token: &'a Token, corrector: &mut MessageCorrector<'a>) -> &'a str {
        let stem = token.stem.as_str();
        if token.stop || self.words.contains(stem) || self.guard.contains(stem) {
            return stem;
        }
        corrector
            .correct(&token.word)
            .and_then(|word| self.typed_forms.get(word))
            .map_or(stem, String::as_str)
    }
}

/// Whether `phrase` occurs in `stems` in order, with at most `MAX_GAP` words between its words.
fn contains_phrase(stems: &[&str], phrase: &[String]) -> bool {
    let Some(first) = phrase.first() else {
        return false;
    };
    stems
        .iter()
        .enumerate()
        .filter(|(_, s)| **s == first)
        .any(|(start, _)| {
            let mut position = start;
            phrase[1..].iter().all(|word| {
                let window = &stems[position + 1..stems.len().min(position + 2 + MAX_GAP)];
                match window.iter().position(|s| s == word) {
                    Some(offset) => {
                        position += 1 + offset;
                        true
                    }
                    None => false,
                }
            })
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::faq::RedFlagRule;

    fn detector() -> RedFlagDetector {
        let rule = |id: &str, groups: &[&[&str]]| RedFlagRule {
            id: id.into(),
            title: id.into(),
            groups: groups
                .iter()
                .map(|g| g.iter().map(|t| (*t).to_string()).collect())
                .collect(),
            advice: None,
        };
        let red_flags = RedFlags {
            guard: vec!["ever".into(), "never".into()],
            rules: vec![
                rule(
                    "infection",
                    &[&["fever", "temperature"], &["hot", "swollen", "red"]],
                ),
                rule("anaphylaxis", &[&["throat closing", "cant breathe"]]),
            ],
        };
        RedFlagDetector::new(&red_flags, &Analyzer::default())
    }

    fn fires(message: &str) -> Vec<usize> {
        let analyzer = Analyzer::default();
        detector().fired(&analyzer.tokens(message))
    }

    #[test]
    fn all_groups_must_co_occur() {
        assert_eq!(fires("knee is hot and swollen and I have a fever"), [0]);
        assert!(fires("can prolo give you a fever?").is_empty());
        assert!(fires("my knee is swollen").is_empty());
    }

    #[test]
    fn typos_are_tolerated_but_common_words_are_not_corrected() {
        assert_eq!(fires("running a fevr, knee swolen"), [0]);
        assert_eq!(fires("hot knee and a temprature"), [0]);
        assert!(
            fires("worst knee ever, so swollen").is_empty(),
            "'ever' must not become 'fever'"
        );
    }

    #[test]
    fn phrases_allow_small_gaps_in_order() {
        assert_eq!(fires("feel like my throat is closing up"), [1]);
        assert_eq!(fires("I can't breathe"), [1]);
        assert!(fires("closing the throat").is_empty(), "order matters");
        assert!(
            fires("throat feels a bit odd, the shop is closing").is_empty(),
            "too far apart"
        );
    }
}
