//! Typo correction: finds the vocabulary word a mistyped word most likely meant.
//!
//! The edit budget grows with word length (1-3 letters: exact only, 4-7: one edit, 8+: two
//! edits, counted as optimal string alignment so a swapped pair of letters is one edit) and the
//! first letter must match. Candidates come from a symmetric-delete index (SymSpell style):
//! every word is stored under the strings left by deleting up to two of its letters after the
//! first, and a query word looks up its own deletions, so a lookup costs a few dozen hash
//! probes however large the vocabulary is.

use std::collections::HashMap;

/// The most edits ever allowed; the index stores deletions up to this depth.
const MAX_EDITS: usize = 2;

/// Edits allowed for a word of this many characters.
#[must_use]
pub fn edit_budget(chars: usize) -> usize {
    match chars {
        0..=3 => 0,
        4..=7 => 1,
        _ => MAX_EDITS,
    }
}

/// A vocabulary indexed for typo lookup. Words are identified by their position in `words`.
#[derive(Debug, Clone, Default)]
pub struct FuzzyIndex {
    words: Vec<String>,
    /// How much each word matters when two candidates are equally close (higher wins).
    ranks: Vec<u32>,
    deletions: HashMap<String, Vec<u32>>,
}

impl FuzzyIndex {
    /// Indexes `words` (ranked for tie-breaks by `rank`); words shorter than 3 characters are
    /// only ever matched exactly, so they are not indexed.
    #[must_use]
    pub fn new(words: impl IntoIterator<Item = (String, u32)>) -> Self {
        let mut index = Self::default();
        for (id, (word, rank)) in words.into_iter().enumerate() {
            if word.chars().count() >= 3 {
                for deletion in deletions(&word, MAX_EDITS) {
                    index.deletions.entry(deletion).or_default().push(id as u32);
                }
            }
            index.words.push(word);
            index.ranks.push(rank);
        }
        index
    }

    /// The closest indexed word within the budget for `word`'s length, with its edit distance.
    /// An exact match is returned only if `word` itself is indexed.
    #[must_use]
    pub fn correct(&self, word: &str) -> Option<(&str, usize)> {
        let budget = edit_budget(word.chars().count());
        if budget == 0 {
            return None;
        }
        let mut best: Option<(usize, u32, u32)> = None; // (distance, rank, id)
        for deletion in deletions(word, budget) {
            for &id in self.deletions.get(&deletion).into_iter().flatten() {
                let candidate = &self.words[id as usize];
                let distance = strsim::osa_distance(word, candidate);
                if distance > budget {
                    continue;
                }
                let key = (distance, self.ranks[id as usize], id);
                let better = best.is_none_or(|(d, r, i)| {
                    (distance, std::cmp::Reverse(key.1), id) < (d, std::cmp::Reverse(r), i)
                });
                if better {
                    best = Some(key);
                }
            }
        }
        best.map(|(distance, _, id)| (self.words[id as usize].as_str(), distance))
    }
}

/// `word` and every string made by deleting up to `depth` characters after the first.
fn deletions(word: &str, depth: usize) -> Vec<String> {
    let chars: Vec<char> = word.chars().collect();
    let mut out = vec![word.to_string()];
    let mut frontier = vec![chars];
    for _ in 0..depth {
        let mut next = Vec::new();
        for current in &frontier {
            for skip in 1..current.len() {
                let mut shorter = current.clone();
                shorter.remove(skip);
                next.push(shorter);
            }
        }
        next.sort_unstable();
        next.dedup();
        out.extend(next.iter().map(|c| c.iter().collect::<String>()));
        frontier = next;
    }
    out.sort_unstable();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index(words: &[&str]) -> FuzzyIndex {
        FuzzyIndex::new(words.iter().map(|w| ((*w).to_string(), 1)))
    }

    #[test]
    fn budget_grows_with_length() {
        assert_eq!([2, 3, 4, 7, 8, 12].map(edit_budget), [0, 0, 1, 1, 2, 2]);
    }

    #[test]
    fn corrects_within_budget_and_keeps_first_letter() {
        let index = index(&["prolotherapi", "inflamm", "fever", "pain", "dextros"]);
        let cases = [
            ("prolotheraphi", Some("prolotherapi")), // insertion, long word
            ("prolothearpi", Some("prolotherapi")),  // transposition counts as one edit
            ("inflam", Some("inflamm")),
            ("fevr", Some("fever")),
            ("ever", None), // first letter differs
            ("pan", None),  // three letters: exact only
            ("dxetros", Some("dextros")),
            ("dextrosse", Some("dextros")), // nine letters: two edits
            ("feverishly", None),
        ];
        for (word, expected) in cases {
            assert_eq!(
                index.correct(word).map(|(w, _)| w),
                expected,
                "correcting {word:?}"
            );
        }
    }

    #[test]
    fn prefers_the_closer_then_the_higher_ranked_word() {
        let index = FuzzyIndex::new([
            ("cost".to_string(), 1),
            ("cast".to_string(), 9),
            ("coast".to_string(), 5),
        ]);
        assert_eq!(
            index.correct("costt"),
            Some(("cost", 1)),
            "closer beats higher-ranked coast"
        );
        assert_eq!(
            index.correct("cpst").map(|(w, _)| w),
            Some("cast"),
            "equal distance: higher rank wins"
        );
    }
}
