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

/// A word of the rules, as an index into the detector's word list.
type WordId = u32;

/// Compiled red-flag rules.
#[derive(Debug)]
pub struct RedFlagDetector {
    /// rule -> group -> alternative -> word ids.
    rules: Vec<Vec<Vec<Vec<WordId>>>>,
    /// Stem of every rule word -> its id.
    words: HashMap<String, WordId>,
    guard: HashSet<String>,
    /// The rules' words as written -> their ids: typos are corrected on words as typed.
    typed_forms: HashMap<String, WordId>,
    fuzzy: FuzzyIndex,
}

impl RedFlagDetector {
    /// Compiles the FAQ's rules.
    #[must_use]
    pub fn new(red_flags: &RedFlags, analyzer: &Analyzer) -> Self {
        let mut words: HashMap<String, WordId> = HashMap::new();
        let mut typed_forms: HashMap<String, WordId> = HashMap::new();
        let mut compile = |term: &String| -> Vec<WordId> {
            analyzer
                .tokens(term)
                .into_iter()
                .map(|token| {
                    let next = words.len() as WordId;
                    let id = *words.entry(token.stem).or_insert(next);
                    typed_forms.insert(token.word, id);
                    id
                })
                .collect()
        };
        let rules = red_flags
            .rules
            .iter()
            .map(|rule| {
                rule.groups
                    .iter()
                    .map(|group| group.iter().map(&mut compile).collect())
                    .collect()
            })
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
        let ids: Vec<Option<WordId>> = tokens
            .iter()
            .map(|t| self.word_id(t, &mut corrector))
            .collect();
        self.rules
            .iter()
            .enumerate()
            .filter(|(_, groups)| {
                groups
                    .iter()
                    .all(|alternatives| alternatives.iter().any(|a| contains_phrase(&ids, a)))
            })
            .map(|(i, _)| i)
            .collect()
    }

    /// The rule word a token is (after typo correction), if any.
    fn word_id(&self, token: &Token, corrector: &mut MessageCorrector<'_>) -> Option<WordId> {
        if let Some(&id) = self.words.get(&token.stem) {
            return Some(id);
        }
        if token.stop || token.common || self.guard.contains(&token.stem) {
            return None;
        }
        corrector
            .correct(&token.word)
            .and_then(|word| self.typed_forms.get(word))
            .copied()
    }
}

/// Whether `phrase` occurs in `ids` in order, with at most `MAX_GAP` words between its words.
fn contains_phrase(ids: &[Option<WordId>], phrase: &[WordId]) -> bool {
    let Some((&first, rest)) = phrase.split_first() else {
        return false;
    };
    ids.iter()
        .enumerate()
        .filter(|(_, id)| **id == Some(first))
        .any(|(start, _)| {
            let mut position = start;
            rest.iter().all(|&word| {
                let window = &ids[position + 1..ids.len().min(position + 2 + MAX_GAP)];
                match window.iter().position(|id| *id == Some(word)) {
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
