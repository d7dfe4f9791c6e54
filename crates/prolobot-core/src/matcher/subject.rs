//! What a question is about, and the frame it asks in.
//!
//! A **frame** (`[frames]` in `faq.toml`) is a run of words, stop words included, that carries an
//! entry's intent as a unit: `does <it> work` (effectiveness) is not `how does <it> work` (how it
//! works), and `who is <it> for` (candidates) is not `who does <it>` (finding a provider). A frame
//! found in a message adds one frame term that the owning entry holds, so the frame weighs like a
//! rare word of that entry; the longest frame wins where two overlap.
//!
//! The **subject** is read from `[subjects]`: words naming this FAQ's subject (prolotherapy) and
//! words naming other treatments and topics (physiotherapy, gel shots, a hair transplant). The
//! `<it>` slot of a frame is where a question names its subject: filled with an unknown, rare word
//! ("does *microneedling* hurt") it names another subject too. A question about another subject
//! that never names this one is not answered from the FAQ; a question with no subject at all
//! ("does it hurt?") is about prolotherapy here.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::ops::Range;

use crate::faq::Faq;
use crate::text::Analyzer;

/// The most words the `<it>` slot takes ("the dextrose injections in my knee" is cut at four).
const MAX_SLOT_WORDS: usize = 4;

/// Words skipped inside a frame, so "does it *really* work" still asks "does it work".
const FILLERS: [&str; 9] = [
    "really",
    "actually",
    "even",
    "usually",
    "typically",
    "exactly",
    "normally",
    "generally",
    "always",
];

/// Words that may follow a subject slot at the end of a frame: they start a new phrase.
const BOUNDARIES: [&str; 24] = [
    "in", "near", "for", "at", "with", "on", "from", "if", "while", "because", "and", "or", "when",
    "after", "before", "to", "around", "by", "since", "during", "i", "my", "we", "so",
];

/// Words that fill the subject slot without naming a subject: "does *it* hurt", "how is *the
/// treatment* done", "is *this* safe".
const NEUTRAL_SLOT_WORDS: [&str; 22] = [
    "it",
    "this",
    "that",
    "they",
    "them",
    "these",
    "those",
    "the",
    "a",
    "an",
    "my",
    "your",
    "treatment",
    "treatments",
    "injection",
    "injections",
    "shot",
    "shots",
    "therapy",
    "procedure",
    "session",
    "sessions",
];

/// One word of a message as the subject reader sees it.
#[derive(Debug, Clone)]
pub(crate) struct Word<'t> {
    /// The normalised word as typed.
    pub(crate) typed: &'t str,
    /// Its stem after typo correction (borrowed from the token when unchanged).
    pub(crate) stem: Cow<'t, str>,
    /// Whether the FAQ uses the stem or it is common English: a word that is neither may name
    /// something else.
    pub(crate) familiar: bool,
    /// A stop word ("for", "my"), which never names a subject.
    pub(crate) stop: bool,
}

/// What a message says about its subject.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Reading {
    /// Frame terms found (one per matched frame), added to the message's terms for scoring.
    pub(crate) frame_terms: Vec<String>,
    /// The FAQ's subject is named, or the question compares with it ("instead of", "vs").
    pub(crate) own: bool,
    /// Another subject is named (the words that named it), by `[subjects] other` or in a
    /// frame's subject slot.
    pub(crate) other: Option<String>,
}

impl Reading {
    /// The message is about another subject and never names this FAQ's.
    pub(crate) fn is_elsewhere(&self) -> bool {
        self.other.is_some() && !self.own
    }
}

#[derive(Debug)]
enum Element {
    Stem(String),
    Slot,
}

#[derive(Debug)]
struct CompiledFrame {
    elements: Vec<Element>,
    term: String,
}

/// Frames and subject words, compiled to stems.
#[derive(Debug, Default)]
pub(crate) struct SubjectReader {
    frames: Vec<CompiledFrame>,
    /// Frames by their first word (for a frame that starts with the slot, its second element)
    /// and that element's position, so a message only tries the frames its words can start.
    frames_by_anchor: HashMap<String, Vec<(usize, usize)>>,
    own: Phrases,
    other: Phrases,
    compare: Phrases,
    neutral: HashSet<String>,
    fillers: HashSet<String>,
    boundaries: HashSet<String>,
}

/// Phrases as stem runs, indexed by their first stem.
#[derive(Debug, Default)]
struct Phrases {
    by_first: HashMap<String, Vec<Vec<String>>>,
    words: HashSet<String>,
}

impl Phrases {
    fn new(phrases: impl IntoIterator<Item = Vec<String>>) -> Self {
        let mut index = Self::default();
        for phrase in phrases.into_iter().filter(|p| !p.is_empty()) {
            index.words.extend(phrase.iter().cloned());
            index
                .by_first
                .entry(phrase[0].clone())
                .or_default()
                .push(phrase);
        }
        index
    }

    /// Every occurrence of a phrase in `stems`, as a span.
    fn occurrences<'a>(&'a self, stems: &'a [&str]) -> impl Iterator<Item = Range<usize>> + 'a {
        stems.iter().enumerate().flat_map(move |(start, first)| {
            self.by_first
                .get(*first)
                .into_iter()
                .flatten()
                .filter(move |phrase| {
                    stems.len() - start >= phrase.len()
                        && phrase.iter().zip(&stems[start..]).all(|(p, s)| p == s)
                })
                .map(move |phrase| start..start + phrase.len())
        })
    }

    /// Whether `stem` is a word of some phrase.
    fn has_word(&self, stem: &str) -> bool {
        self.words.contains(stem)
    }
}

/// What every frame term starts with: never a stem, since stems have no `:`.
pub(crate) const FRAME_PREFIX: &str = "frame:";

/// The frame term of an entry.
pub(crate) fn frame_term(entry_id: &str) -> String {
    format!("{FRAME_PREFIX}{entry_id}")
}

impl SubjectReader {
    pub(crate) fn new(faq: &Faq, analyzer: &Analyzer) -> Self {
        let stems = |text: &str| -> Vec<String> {
            analyzer.tokens(text).into_iter().map(|t| t.stem).collect()
        };
        let frames: Vec<CompiledFrame> = faq
            .frames()
            .iter()
            .map(|frame| CompiledFrame {
                elements: frame
                    .pattern
                    .replace("<it>", " \u{1} ")
                    .split_whitespace()
                    .flat_map(|part| {
                        if part == "\u{1}" {
                            vec![Element::Slot]
                        } else {
                            stems(part).into_iter().map(Element::Stem).collect()
                        }
                    })
                    .collect(),
                term: frame_term(&frame.entry),
            })
            .filter(|frame| frame.elements.iter().any(|e| matches!(e, Element::Stem(_))))
            .collect();
        let mut frames_by_anchor: HashMap<String, Vec<(usize, usize)>> = HashMap::new();
        for (index, frame) in frames.iter().enumerate() {
            let anchor = frame
                .elements
                .iter()
                .enumerate()
                .find_map(|(at, e)| match e {
                    Element::Stem(stem) => Some((at, stem.clone())),
                    Element::Slot => None,
                });
            if let Some((at, stem)) = anchor {
                frames_by_anchor.entry(stem).or_default().push((index, at));
            }
        }
        let phrases = |list: &[String]| Phrases::new(list.iter().map(|text| stems(text)));
        let subjects = faq.subjects();
        Self {
            frames,
            frames_by_anchor,
            own: phrases(&subjects.own),
            other: phrases(&subjects.other),
            compare: phrases(&subjects.compare),
            neutral: NEUTRAL_SLOT_WORDS.iter().flat_map(|w| stems(w)).collect(),
            fillers: FILLERS.iter().flat_map(|w| stems(w)).collect(),
            boundaries: BOUNDARIES.iter().flat_map(|w| stems(w)).collect(),
        }
    }

    /// Reads `words` (every word of the message, stop words included, in order).
    pub(crate) fn read(&self, all_words: &[Word<'_>]) -> Reading {
        let words: Vec<&Word> = all_words
            .iter()
            .filter(|w| !self.fillers.contains(w.stem.as_ref()))
            .collect();
        let stems: Vec<&str> = words.iter().map(|w| w.stem.as_ref()).collect();
        let other_spans: Vec<Range<usize>> = self.other.occurrences(&stems).collect();
        // An own word inside or right after another subject's name ("gel *injections*",
        // "hyaluronic acid *injection*") names that one.
        let own = self
            .own
            .occurrences(&stems)
            .chain(self.compare.occurrences(&stems))
            .any(|span| {
                !other_spans
                    .iter()
                    .any(|o| o.start <= span.start && span.end <= o.end || span.start == o.end)
            });
        let mut reading = Reading {
            own,
            other: other_spans
                .first()
                .map(|span| stems[span.clone()].join(" ")),
            ..Reading::default()
        };
        let mut taken = vec![false; words.len()];
        for (span, slot, term) in self.frame_matches(&words, &stems) {
            if taken[span.clone()].iter().any(|&t| t) {
                continue;
            }
            match self.slot_subject(&words[slot.clone()]) {
                Slot::Here => {
                    if !reading.frame_terms.contains(&term) {
                        reading.frame_terms.push(term);
                    }
                }
                Slot::Elsewhere(word) => {
                    reading.other.get_or_insert(word);
                }
                Slot::NotASubject => continue,
            }
            taken[span].iter_mut().for_each(|t| *t = true);
        }
        reading
    }

    /// What fills a frame's slot: this FAQ's subject (or words that only point at it: "it",
    /// "the treatment"), an unknown word naming something else, or familiar content words
    /// ("what is *the cost*"), which make the frame not apply. A frame without a slot asks
    /// about this FAQ's subject.
    fn slot_subject(&self, slot: &[&Word]) -> Slot {
        if slot.is_empty() {
            return Slot::Here;
        }
        let stems: Vec<&str> = slot.iter().map(|w| w.stem.as_ref()).collect();
        let named_here = self.own.occurrences(&stems).next().is_some();
        let own_word = |stem: &str| self.own.has_word(stem);
        let mut elsewhere = None;
        let mut pointed_at = false;
        for word in slot {
            if self.neutral.contains(word.stem.as_ref()) || own_word(&word.stem) {
                pointed_at = true;
            } else if word.familiar && !word.stop {
                return Slot::NotASubject;
            } else if !word.stop {
                elsewhere.get_or_insert_with(|| word.typed.to_string());
            }
        }
        match elsewhere {
            Some(word) if !named_here => Slot::Elsewhere(word),
            // Small words alone ("what is *still* used for") name nothing.
            _ if !pointed_at && elsewhere.is_none() => Slot::NotASubject,
            _ => Slot::Here,
        }
    }

    /// Every frame match as (span, slot span, term): longest first, then the one with more
    /// words of its own (`what is in <it>` before `what is <it>`), then leftmost.
    fn frame_matches(
        &self,
        words: &[&Word],
        stems: &[&str],
    ) -> Vec<(Range<usize>, Range<usize>, String)> {
        let last_slot_end = |at: usize| self.last_slot_end(words, at);
        let mut found = Vec::new();
        for (position, stem) in stems.iter().enumerate() {
            for &(index, anchor) in self.frames_by_anchor.get(*stem).into_iter().flatten() {
                // A frame that starts with the slot may start up to a slot's length earlier.
                let starts = if anchor == 0 {
                    position..position + 1
                } else {
                    position.saturating_sub(MAX_SLOT_WORDS)..position
                };
                let frame = &self.frames[index];
                for start in starts {
                    if let Some((end, slot)) =
                        match_at(&frame.elements, stems, start, &last_slot_end)
                    {
                        found.push((start..end, slot, frame.term.clone()));
                    }
                }
            }
        }
        found.sort_by_key(|(span, slot, _)| {
            let own_words = span.len() - slot.len();
            (
                std::cmp::Reverse(span.len()),
                std::cmp::Reverse(own_words),
                span.start,
            )
        });
        found.dedup();
        found
    }
}

impl SubjectReader {
    /// Where a slot that ends its frame ends, starting at `at`: it takes the words that may
    /// name a subject (this FAQ's, "it", "the treatment", or an unknown name) and must be
    /// followed by the end of the message or a word that starts a new phrase ("who does prolo
    /// *in* Leeds"); so `what is <it>` does not match "what is the idea behind it".
    fn last_slot_end(&self, words: &[&Word], at: usize) -> Option<usize> {
        let may_name = |word: &Word| {
            !word.familiar
                || self.neutral.contains(word.stem.as_ref())
                || self.own.has_word(&word.stem)
        };
        let end = (at..words.len().min(at + MAX_SLOT_WORDS))
            .find(|&i| !may_name(words[i]))
            .unwrap_or_else(|| words.len().min(at + MAX_SLOT_WORDS));
        let closed = end == words.len() || self.boundaries.contains(words[end].stem.as_ref());
        (end > at && closed).then_some(end)
    }
}

/// What fills a frame's subject slot.
enum Slot {
    Here,
    Elsewhere(String),
    NotASubject,
}

/// The end of `elements` matched at `start`, and the slot's span (empty without a slot).
fn match_at(
    elements: &[Element],
    stems: &[&str],
    start: usize,
    last_slot_end: &dyn Fn(usize) -> Option<usize>,
) -> Option<(usize, Range<usize>)> {
    let mut at = start;
    let mut slot = start..start;
    for (i, element) in elements.iter().enumerate() {
        match element {
            Element::Stem(stem) => {
                if stems.get(at) != Some(&stem.as_str()) {
                    return None;
                }
                at += 1;
            }
            Element::Slot => {
                // The slot ends where the next element matches, or as a last slot ends.
                let end = match elements.get(i + 1) {
                    Some(Element::Stem(stem)) => (1..=MAX_SLOT_WORDS)
                        .map(|n| at + n)
                        .find(|&end| stems.get(end) == Some(&stem.as_str()))?,
                    _ => last_slot_end(at)?,
                };
                slot = at..end;
                at = end;
            }
        }
    }
    Some((at, slot))
}

#[cfg(test)]
mod tests {
    use crate::faq::Faq;
    use crate::knowledge::Knowledge;
    use crate::matcher::Outcome;

    /// Two entries that share every content word; only their frames tell them apart.
    const FAQ_AFTER_TEXTS: &str = r#"
[subjects]
own = ["prolo"]
other = ["physio"]
compare = ["instead of"]

[frames]
mechanism = ["how does <it> work"]
evidence = ["does <it> work"]

[[entry]]
id = "mechanism"
title = "Mechanism"
medical = false
questions = ["prolo work mechanism", "prolo work idea", "prolo work science"]
answer = "It may start a healing response."

[[entry]]
id = "evidence"
title = "Evidence"
medical = false
questions = ["prolo work evidence", "prolo work trials", "prolo work proof"]
answer = "The trials are few and small."
"#;

    fn answered(knowledge: &Knowledge, question: &str) -> Option<String> {
        match knowledge.decide(question) {
            crate::Decision::Answer { entry, .. } => Some(knowledge.faq().get(entry).id.clone()),
            _ => None,
        }
    }

    #[test]
    fn the_longer_frame_wins_and_the_slot_takes_the_subject() {
        let knowledge = Knowledge::new(
            Faq::from_toml_str(&crate::test_faq(FAQ_AFTER_TEXTS))
                .expect("valid")
                .faq,
        );
        for (question, expected) in [
            ("how does prolo work", "mechanism"),
            ("does prolo work", "evidence"),
            ("does it really work", "evidence"),
            ("how does the treatment work", "mechanism"),
        ] {
            assert_eq!(
                answered(&knowledge, question).as_deref(),
                Some(expected),
                "{question:?}"
            );
        }
    }

    #[test]
    fn another_subject_is_declined_unless_compared() {
        let knowledge = Knowledge::new(
            Faq::from_toml_str(&crate::test_faq(FAQ_AFTER_TEXTS))
                .expect("valid")
                .faq,
        );
        for question in ["does physio work", "does zumbatherapy work"] {
            assert_eq!(
                knowledge.decide(question).outcome(),
                Outcome::NoMatch,
                "{question:?}"
            );
        }
        assert!(answered(&knowledge, "does prolo work instead of physio").is_some());
    }
}
