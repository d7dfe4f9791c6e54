//! Typo correction: finds the vocabulary word a mistyped word most likely meant.
//!
//! The edit budget grows with word length (1-3 letters: exact only, 4-7: one edit, 8+: two
//! edits, counted as optimal string alignment so a swapped pair of letters is one edit). The
//! length is that of the longer of the two words, since people drop letters from long words
//! ("moruate" for "morrhuate"); a typed word of three letters or fewer is never corrected, and
//! the first letter must match. Candidates come from a symmetric-delete index (SymSpell style):
//! every word is stored under the hashes of the strings left by deleting up to two of its
//! letters after the first, and a query word looks up its own deletions, so a lookup costs a
//! few dozen hash probes however large the vocabulary is; candidates are then verified with
//! `strsim::osa_distance`.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

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
    /// Word ids grouped by deletion hash; `groups` says where each hash's ids are.
    ids: Vec<u32>,
    groups: HashMap<u64, (u32, u32), BuildHasherDefault<PassThrough>>,
}

impl FuzzyIndex {
    /// Indexes `words` (ranked for tie-breaks by `rank`); words shorter than 3 characters are
    /// only ever matched exactly, so they are not indexed.
    #[must_use]
    pub fn new(words: impl IntoIterator<Item = (String, u32)>) -> Self {
        let mut index = Self::default();
        let mut pairs: Vec<(u64, u32)> = Vec::new();
        let mut chars = Vec::new();
        for (id, (word, rank)) in words.into_iter().enumerate() {
            chars.clear();
            chars.extend(word.chars());
            if chars.len() >= 3 {
                pairs.extend(
                    deletion_hashes(&chars, MAX_EDITS)
                        .into_iter()
                        .map(|h| (h, id as u32)),
                );
            }
            index.words.push(word);
            index.ranks.push(rank);
        }
        pairs.sort_unstable();
        pairs.dedup();
        for group in pairs.chunk_by(|a, b| a.0 == b.0) {
            let start = index.ids.len() as u32;
            index.ids.extend(group.iter().map(|(_, id)| *id));
            index.groups.insert(group[0].0, (start, group.len() as u32));
        }
        index
    }

    /// The closest indexed word within the budget for the longer of `word` and the candidate,
    /// with its edit distance. An exact match is returned only if `word` itself is indexed.
    #[must_use]
    pub fn correct(&self, word: &str) -> Option<(&str, usize)> {
        let chars: Vec<char> = word.chars().collect();
        if edit_budget(chars.len()) == 0 {
            return None;
        }
        // A word of five letters or fewer is more than one edit from any word of eight or more,
        // so one deletion deep is enough for it.
        let depth = if chars.len() <= 5 { 1 } else { MAX_EDITS };
        let mut candidates: Vec<u32> = deletion_hashes(&chars, depth)
            .into_iter()
            .filter_map(|hash| self.groups.get(&hash))
            .flat_map(|&(start, len)| &self.ids[start as usize..(start + len) as usize])
            .copied()
            .collect();
        candidates.sort_unstable();
        candidates.dedup();
        candidates
            .into_iter()
            .filter_map(|id| {
                let candidate = &self.words[id as usize];
                let budget = edit_budget(chars.len().max(candidate.chars().count()));
                let distance = strsim::osa_distance(word, candidate);
                (distance <= budget).then_some((
                    distance,
                    std::cmp::Reverse(self.ranks[id as usize]),
                    id,
                ))
            })
            .min()
            .map(|(distance, _, id)| (self.words[id as usize].as_str(), distance))
    }
}

/// A hasher for keys that are already hashes.
#[derive(Debug, Clone, Copy, Default)]
struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, value: u64) {
        self.0 = value;
    }
}

/// The most distinct words of one message that are looked up; the rest stay as typed. Real
/// questions have far fewer; this bounds the work a hostile 4,000-character message can cause.
pub const MAX_LOOKUPS_PER_MESSAGE: usize = 64;

/// Typo lookups for one message: each distinct word is looked up once, and at most
/// [`MAX_LOOKUPS_PER_MESSAGE`] words are.
pub struct MessageCorrector<'i> {
    index: &'i FuzzyIndex,
    cache: HashMap<String, Option<&'i str>>,
}

impl<'i> MessageCorrector<'i> {
    /// A corrector for one message.
    #[must_use]
    pub fn new(index: &'i FuzzyIndex) -> Self {
        Self {
            index,
            cache: HashMap::new(),
        }
    }

    /// The correction of `word`, if it has one within budget (and the lookup cap allows).
    pub fn correct(&mut self, word: &str) -> Option<&'i str> {
        if let Some(done) = self.cache.get(word) {
            return *done;
        }
        if self.cache.len() >= MAX_LOOKUPS_PER_MESSAGE {
            return None;
        }
        let corrected = self.index.correct(word).map(|(w, _)| w);
        self.cache.insert(word.to_string(), corrected);
        corrected
    }
}

/// Hashes of `chars` and of every sequence made by deleting up to `depth` (at most two)
/// characters after the first, sorted and without repeats.
fn deletion_hashes(chars: &[char], depth: usize) -> Vec<u64> {
    let n = chars.len();
    let mut out = vec![hash_skipping(chars, None, None)];
    if depth >= 1 {
        out.extend((1..n).map(|i| hash_skipping(chars, Some(i), None)));
    }
    if depth >= 2 {
        for i in 1..n {
            out.extend((i + 1..n).map(|j| hash_skipping(chars, Some(i), Some(j))));
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// FNV-1a over the characters, leaving out up to two positions; the length is mixed in so
/// different deletions of one word rarely collide (a collision only costs one extra check).
fn hash_skipping(chars: &[char], skip_a: Option<usize>, skip_b: Option<usize>) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0100_0000_01b3;
    let mut hash = OFFSET;
    let mut kept = 0u64;
    for (i, c) in chars.iter().enumerate() {
        if Some(i) == skip_a || Some(i) == skip_b {
            continue;
        }
        hash = (hash ^ u64::from(*c as u32)).wrapping_mul(PRIME);
        kept += 1;
    }
    (hash ^ kept).wrapping_mul(PRIME)
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
