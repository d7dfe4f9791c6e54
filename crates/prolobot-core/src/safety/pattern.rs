//! Safety patterns: terms of words, phrases and `<class>` slots, compiled to word ids and found
//! in a message in order, with at most [`MAX_GAP`] other words between consecutive words.

use std::collections::HashMap;
use std::ops::Range;

use crate::faq::WordClass;
use crate::text::Analyzer;

/// Words allowed between consecutive words of a pattern ("throat is closing up" matches
/// "throat closing"; "want to just die" matches "want to die"), except in exact patterns.
const MAX_GAP: usize = 2;

/// A word of the rules, as an index into the vocabulary.
pub(super) type WordId = u32;

/// Every word the safety patterns use: stems and the forms as written, both to ids.
#[derive(Debug, Default)]
pub(super) struct Vocabulary {
    /// Stem -> id: message words are looked up by stem.
    pub stems: HashMap<String, WordId>,
    /// Form as written -> id, for the words of rules (not of cues): typos are corrected
    /// towards these only, so a cue's word ("chilling" in "just chilling") never pulls a
    /// mistyped word away from what it meant.
    pub typed_forms: HashMap<String, WordId>,
}

impl Vocabulary {
    /// The ids of a plain phrase, adding its words to the vocabulary (and, for rule words,
    /// to the typo targets).
    fn phrase(&mut self, text: &str, analyzer: &Analyzer, typo_target: bool) -> Vec<WordId> {
        analyzer
            .tokens(text)
            .into_iter()
            .map(|token| {
                let next = self.stems.len() as WordId;
                let id = *self.stems.entry(token.stem).or_insert(next);
                if typo_target {
                    self.typed_forms.insert(token.word, id);
                }
                id
            })
            .collect()
    }
}

/// One position of a pattern: any one of several alternatives, each a run of words.
#[derive(Debug)]
struct Slot(Vec<Vec<WordId>>);

/// A compiled term: slots that must appear in order.
#[derive(Debug)]
pub(super) struct Pattern {
    slots: Vec<Slot>,
    /// Words allowed between consecutive words: [`MAX_GAP`], or 0 for an exact pattern.
    gap: usize,
    /// Written with a leading `^`: matches only at the start of the message.
    anchored: bool,
    /// Slot indices, fewest alternatives first: the order in which [`Message::may_match`]
    /// looks, so a missing plain word rules the pattern out before any class is scanned.
    check_order: Vec<usize>,
}

/// A compiled pattern's place among [`Patterns`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct PatternId(u32);

/// Every compiled pattern, indexed by the words it can start with, so that a message only
/// tries the patterns whose first word it contains.
#[derive(Debug, Default)]
pub(super) struct Patterns {
    all: Vec<Pattern>,
    /// Word id -> the patterns that can start with it.
    by_first_word: Vec<Vec<u32>>,
}

impl Patterns {
    /// The pattern `id`.
    pub fn get(&self, id: PatternId) -> &Pattern {
        &self.all[id.0 as usize]
    }

    /// Which patterns can match `message`: those whose first word it has.
    pub fn live(&self, message: &Message) -> Live {
        let mut live = vec![0_u64; self.all.len().div_ceil(64)];
        let mut previous = None;
        for &(id, _) in &message.positions {
            if previous == Some(id) {
                continue;
            }
            previous = Some(id);
            for &pattern in self.by_first_word.get(id as usize).into_iter().flatten() {
                live[pattern as usize / 64] |= 1 << (pattern % 64);
            }
        }
        Live(live)
    }
}

/// Consecutive patterns compiled together: one rule group, or one kind of cue.
#[derive(Debug, Clone)]
pub(super) struct PatternRange(Range<u32>);

/// The patterns that can match one message, as a bit set over pattern ids.
pub(super) struct Live(Vec<u64>);

impl PatternRange {
    /// Whether no pattern was compiled into it.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Live {
    /// The live patterns of `range`, in order.
    pub fn within(&self, range: &PatternRange) -> impl Iterator<Item = PatternId> + '_ {
        let PatternRange(range) = range.clone();
        let words = range.start as usize / 64..(range.end as usize).div_ceil(64);
        words
            .flat_map(move |word| {
                let mut bits = self.0[word];
                std::iter::from_fn(move || {
                    if bits == 0 {
                        return None;
                    }
                    let bit = bits.trailing_zeros();
                    bits &= bits - 1;
                    Some(word as u32 * 64 + bit)
                })
            })
            .filter(move |id| range.contains(id))
            .map(PatternId)
    }
}

/// Compiles terms, resolving `<class>` slots against the FAQ's word classes.
pub(super) struct Compiler<'a> {
    analyzer: &'a Analyzer,
    classes: &'a [WordClass],
    vocabulary: Vocabulary,
    patterns: Vec<Pattern>,
}

impl<'a> Compiler<'a> {
    pub fn new(analyzer: &'a Analyzer, classes: &'a [WordClass]) -> Self {
        Self {
            analyzer,
            classes,
            vocabulary: Vocabulary::default(),
            patterns: Vec::new(),
        }
    }

    /// The vocabulary and the indexed patterns.
    pub fn finish(self) -> (Vocabulary, Patterns) {
        let mut by_first_word = vec![Vec::new(); self.vocabulary.stems.len()];
        for (index, pattern) in self.patterns.iter().enumerate() {
            let Some(first) = pattern.slots.first() else {
                continue;
            };
            for alternative in &first.0 {
                if let Some(&word) = alternative.first() {
                    let list: &mut Vec<u32> = &mut by_first_word[word as usize];
                    if list.last() != Some(&(index as u32)) {
                        list.push(index as u32);
                    }
                }
            }
        }
        let patterns = Patterns {
            all: self.patterns,
            by_first_word,
        };
        (self.vocabulary, patterns)
    }

    /// Compiles one term. Validation has checked that every class exists; an unknown one
    /// (only possible for a hand-built FAQ) matches nothing.
    pub fn compile(&mut self, term: &str) -> PatternId {
        let pattern = self.pattern(term, MAX_GAP, true);
        self.push(pattern)
    }

    fn push(&mut self, pattern: Pattern) -> PatternId {
        self.patterns.push(pattern);
        PatternId(self.patterns.len() as u32 - 1)
    }

    fn pattern(&mut self, term: &str, gap: usize, typo_target: bool) -> Pattern {
        let (anchored, term) = match term.trim_start().strip_prefix('^') {
            Some(rest) => (true, rest),
            None => (false, term),
        };
        let mut slots = Vec::new();
        for piece in term.split_whitespace() {
            if let Some(name) = piece.strip_prefix('<').and_then(|p| p.strip_suffix('>')) {
                let alternatives = self
                    .classes
                    .iter()
                    .find(|class| class.name == name)
                    .map(|class| {
                        class
                            .terms
                            .iter()
                            .map(|t| self.vocabulary.phrase(t, self.analyzer, typo_target))
                            .filter(|ids| !ids.is_empty())
                            .collect()
                    })
                    .unwrap_or_default();
                slots.push(Slot(alternatives));
            } else {
                let ids = self.vocabulary.phrase(piece, self.analyzer, typo_target);
                slots.extend(ids.into_iter().map(|id| Slot(vec![vec![id]])));
            }
        }
        let mut check_order: Vec<usize> = (0..slots.len()).collect();
        check_order.sort_by_key(|&i| slots[i].0.len());
        Pattern {
            slots,
            gap,
            anchored,
            check_order,
        }
    }

    pub fn compile_all(&mut self, terms: &[String]) -> PatternRange {
        let start = self.patterns.len() as u32;
        for term in terms {
            self.compile(term);
        }
        PatternRange(start..self.patterns.len() as u32)
    }

    /// Compiles cue terms: word for word, and their words are not typo targets.
    /// Their words must be adjacent: what is removed from a message ("bleeding stopped")
    /// must not swallow words that only happen to be near ("bleeding won't stop").
    pub fn compile_cues(&mut self, terms: &[String]) -> PatternRange {
        let start = self.patterns.len() as u32;
        for term in terms {
            let pattern = self.pattern(term, 0, false);
            self.push(pattern);
        }
        PatternRange(start..self.patterns.len() as u32)
    }
}

/// A message as rule words: one optional id per token, and where each id occurs.
pub(super) struct Message {
    pub ids: Vec<Option<WordId>>,
    /// (id, position), sorted, for finding a pattern's first word without a scan.
    positions: Vec<(WordId, usize)>,
    /// Which word ids occur, as a bit set, to rule out most patterns before a search.
    present: Vec<u64>,
}

impl Message {
    pub fn new(ids: Vec<Option<WordId>>) -> Self {
        let mut message = Self {
            ids,
            positions: Vec::new(),
            present: Vec::new(),
        };
        message.reindex();
        message
    }

    fn reindex(&mut self) {
        self.positions = self
            .ids
            .iter()
            .enumerate()
            .filter_map(|(position, id)| id.map(|id| (id, position)))
            .collect();
        self.positions.sort_unstable();
        self.present.clear();
        for &(id, _) in &self.positions {
            let (word, bit) = (id as usize / 64, id % 64);
            if self.present.len() <= word {
                self.present.resize(word + 1, 0);
            }
            self.present[word] |= 1 << bit;
        }
    }

    fn has(&self, id: WordId) -> bool {
        self.present
            .get(id as usize / 64)
            .is_some_and(|bits| bits & (1 << (id % 64)) != 0)
    }

    /// Whether every slot of `pattern` has an alternative whose words all occur: a cheap
    /// necessary condition, checked before the positional search.
    fn may_match(&self, pattern: &Pattern) -> bool {
        pattern.check_order.iter().all(|&i| {
            pattern.slots[i]
                .0
                .iter()
                .any(|alternative| alternative.iter().all(|&w| self.has(w)))
        })
    }

    /// Removes the words in `spans` (figures of speech, negated symptoms) from later matching.
    pub fn blank(&mut self, spans: &[Range<usize>]) {
        if spans.is_empty() {
            return;
        }
        for span in spans {
            for id in &mut self.ids[span.clone()] {
                *id = None;
            }
        }
        self.reindex();
    }

    fn occurrences(&self, id: WordId) -> impl Iterator<Item = usize> + '_ {
        let start = self.positions.partition_point(|&(w, _)| w < id);
        self.positions[start..]
            .iter()
            .take_while(move |&&(w, _)| w == id)
            .map(|&(_, position)| position)
    }

    /// The first occurrence of `pattern`, as a span of token positions.
    pub fn find(&self, pattern: &Pattern) -> Option<Range<usize>> {
        if !self.may_match(pattern) {
            return None;
        }
        self.find_from(pattern, 0)
    }

    /// Every non-overlapping occurrence of `pattern`, left to right.
    pub fn find_all(&self, pattern: &Pattern) -> Vec<Range<usize>> {
        let mut spans: Vec<Range<usize>> = Vec::new();
        if !self.may_match(pattern) {
            return spans;
        }
        let mut from = 0;
        while let Some(span) = self.find_from(pattern, from) {
            from = span.end;
            spans.push(span);
        }
        spans
    }

    fn find_from(&self, pattern: &Pattern, from: usize) -> Option<Range<usize>> {
        let (first, rest) = pattern.slots.split_first()?;
        let mut best: Option<Range<usize>> = None;
        for alternative in &first.0 {
            let Some(&head) = alternative.first() else {
                continue;
            };
            let anchor = pattern.anchored.then_some(0);
            for start in self
                .occurrences(head)
                .filter(|&p| p >= from && anchor.is_none_or(|a| p == a))
            {
                if best.as_ref().is_some_and(|b| b.start <= start) {
                    break;
                }
                let matched = self
                    .phrase_from(alternative, start, pattern.gap)
                    .and_then(|end| self.slots_after(rest, end, pattern.gap));
                if let Some(end) = matched {
                    best = Some(start..end + 1);
                    break;
                }
            }
        }
        best
    }

    /// Where `phrase` ends if its first word is at `start` and each next word follows closely.
    fn phrase_from(&self, phrase: &[WordId], start: usize, gap: usize) -> Option<usize> {
        let mut position = start;
        for &word in &phrase[1..] {
            let window = position + 1..self.ids.len().min(position + 2 + gap);
            position = window.into_iter().find(|&p| self.ids[p] == Some(word))?;
        }
        Some(position)
    }

    /// Where the remaining slots end if they follow closely after `end`.
    fn slots_after(&self, slots: &[Slot], end: usize, gap: usize) -> Option<usize> {
        let Some((slot, rest)) = slots.split_first() else {
            return Some(end);
        };
        let window = end + 1..self.ids.len().min(end + 2 + gap);
        for start in window {
            let Some(id) = self.ids[start] else { continue };
            for alternative in slot.0.iter().filter(|a| a.first() == Some(&id)) {
                let matched = self
                    .phrase_from(alternative, start, gap)
                    .and_then(|phrase_end| self.slots_after(rest, phrase_end, gap));
                if matched.is_some() {
                    return matched;
                }
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compiled(terms: &[&str], classes: &[WordClass]) -> (Vec<Pattern>, Vocabulary) {
        let analyzer = Analyzer::default();
        let mut compiler = Compiler::new(&analyzer, classes);
        let patterns = terms
            .iter()
            .map(|t| compiler.pattern(t, MAX_GAP, true))
            .collect();
        (patterns, compiler.vocabulary)
    }

    fn message(text: &str, vocabulary: &Vocabulary) -> Message {
        let analyzer = Analyzer::default();
        Message::new(
            analyzer
                .tokens(text)
                .iter()
                .map(|t| vocabulary.stems.get(&t.stem).copied())
                .collect(),
        )
    }

    #[test]
    fn phrases_match_in_order_with_small_gaps() {
        let (patterns, vocabulary) = compiled(&["throat closing"], &[]);
        let found = |text: &str| message(text, &vocabulary).find(&patterns[0]);
        assert_eq!(found("my throat is closing up"), Some(1..4));
        assert_eq!(found("closing the throat"), None, "order matters");
        assert_eq!(found("throat feels a bit odd, the shop is closing"), None);
    }

    #[test]
    fn class_slots_take_any_of_their_words_or_phrases() {
        let classes = [
            WordClass {
                name: "harm".into(),
                terms: vec!["hurt".into(), "kill".into(), "take my own".into()],
            },
            WordClass {
                name: "self".into(),
                terms: vec!["myself".into(), "life".into()],
            },
        ];
        let (patterns, vocabulary) = compiled(&["<harm> <self>"], &classes);
        let found = |text: &str| message(text, &vocabulary).find(&patterns[0]).is_some();
        assert!(found("i feel like hurting myself"));
        assert!(found("thinking of taking my own life"));
        assert!(found("i could just kill myself"));
        assert!(!found("this pain is killing me"));
        assert!(!found("my life is fine, the knee hurts"), "order matters");
    }

    #[test]
    fn an_anchored_pattern_matches_only_at_the_start() {
        let (patterns, vocabulary) = compiled(&["^can it"], &[]);
        assert!(message("can it hurt", &vocabulary)
            .find(&patterns[0])
            .is_some());
        assert!(message("ok so can it hurt", &vocabulary)
            .find(&patterns[0])
            .is_none());
    }

    #[test]
    fn exact_patterns_allow_no_gaps() {
        let analyzer = Analyzer::default();
        let mut compiler = Compiler::new(&analyzer, &[]);
        let range = compiler.compile_cues(&["bleeding stopped".to_string()]);
        let (vocabulary, patterns) = compiler.finish();
        let exact = patterns.get(PatternId(range.0.start));
        assert!(message("the bleeding stopped", &vocabulary)
            .find(exact)
            .is_some());
        assert!(message("bleeding won't stop", &vocabulary)
            .find(exact)
            .is_none());
    }

    #[test]
    fn only_patterns_whose_first_word_is_present_are_live() {
        let analyzer = Analyzer::default();
        let mut compiler = Compiler::new(&analyzer, &[]);
        let range = compiler.compile_all(&["chest pain".to_string(), "fever".to_string()]);
        let (vocabulary, patterns) = compiler.finish();
        let text = message("pain in my chest", &vocabulary);
        let live: Vec<PatternId> = patterns.live(&text).within(&range).collect();
        assert_eq!(
            live,
            [PatternId(0)],
            "chest is there, so its pattern is tried (and fails on order); fever is not"
        );
        assert!(text.find(patterns.get(live[0])).is_none());
    }

    #[test]
    fn blanked_words_no_longer_match_and_find_all_sees_each_occurrence() {
        let (patterns, vocabulary) = compiled(&["dying", "dying to"], &[]);
        let mut text = message("im dying to know, dying to", &vocabulary);
        assert_eq!(text.find_all(&patterns[1]), [1..3, 4..6]);
        let spans = text.find_all(&patterns[1]);
        text.blank(&spans);
        assert_eq!(text.find(&patterns[0]), None);
    }
}
