//! The searchable form of a FAQ: vocabulary, synonym and phrase rewriting, IDF weights and
//! an inverted index from terms to entries.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use super::subject::{frame_term, SubjectReader, Word, FRAME_PREFIX};
use crate::faq::Faq;
use crate::fuzzy::FuzzyIndex;
use crate::text::{is_negation, negations, normalise, stopwords, Analyzer};

/// Index of a term in the vocabulary.
pub(crate) type TermId = u32;

/// Rewrites stem sequences: synonym variants become their canonical term, and known
/// multi-word keywords add a phrase term (the words joined by a space) after their last word.
#[derive(Debug, Default)]
pub(crate) struct Rewriter {
    /// First stem of a variant -> (variant stems, canonical stems), longest variant first.
    synonyms: HashMap<String, Vec<SynonymRule>>,
    /// First stem of a phrase -> phrases starting with it.
    phrases: HashMap<String, Vec<Vec<String>>>,
}

/// A synonym variant's stems and the canonical stems that replace them.
type SynonymRule = (Vec<String>, Vec<String>);

/// One synonym replacement made while rewriting, for explanations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SynonymHit {
    /// The variant as stems.
    pub variant: String,
    /// The canonical term it became.
    pub canonical: String,
}

impl Rewriter {
    fn new(faq: &Faq, analyzer: &Analyzer) -> Self {
        let mut rewriter = Self::default();
        for synonym in faq.synonyms() {
            let canonical = analyzer.terms(&synonym.canonical);
            for variant in &synonym.variants {
                let stems = analyzer.terms(variant);
                if let Some(first) = stems.first() {
                    rewriter
                        .synonyms
                        .entry(first.clone())
                        .or_default()
                        .push((stems, canonical.clone()));
                }
            }
        }
        for rules in rewriter.synonyms.values_mut() {
            rules.sort_by_key(|(variant, _)| std::cmp::Reverse(variant.len()));
        }
        for keyword in faq.entries().iter().flat_map(|e| &e.keywords) {
            let stems = rewriter.replace_synonyms(&analyzer.terms(keyword), &mut Vec::new());
            if stems.len() > 1 {
                let phrases = rewriter.phrases.entry(stems[0].clone()).or_default();
                if !phrases.contains(&stems) {
                    phrases.push(stems);
                }
            }
        }
        rewriter
    }

    /// Every stem that a synonym variant is made of: valid targets for typo correction.
    fn variant_stems(&self) -> impl Iterator<Item = &String> {
        self.synonyms
            .values()
            .flatten()
            .flat_map(|(variant, canonical)| variant.iter().chain(canonical))
    }

    /// Synonyms replaced, then phrase terms added.
    pub(crate) fn rewrite(&self, stems: &[String], hits: &mut Vec<SynonymHit>) -> Vec<String> {
        let replaced = self.replace_synonyms(stems, hits);
        self.add_phrases(replaced)
    }

    fn replace_synonyms(&self, stems: &[String], hits: &mut Vec<SynonymHit>) -> Vec<String> {
        let mut out = Vec::with_capacity(stems.len());
        let mut i = 0;
        while i < stems.len() {
            let rule = self.synonyms.get(&stems[i]).and_then(|rules| {
                rules
                    .iter()
                    .find(|(variant, _)| stems[i..].starts_with(variant))
            });
            if let Some((variant, canonical)) = rule {
                hits.push(SynonymHit {
                    variant: variant.join(" "),
                    canonical: canonical.join(" "),
                });
                out.extend(canonical.iter().cloned());
                i += variant.len();
            } else {
                out.push(stems[i].clone());
                i += 1;
            }
        }
        out
    }

    fn add_phrases(&self, stems: Vec<String>) -> Vec<String> {
        let mut phrase_terms = Vec::new();
        for (i, stem) in stems.iter().enumerate() {
            for phrase in self.phrases.get(stem).into_iter().flatten() {
                if stems[i..].starts_with(phrase) {
                    phrase_terms.push(phrase.join(" "));
                }
            }
        }
        let mut out = stems;
        out.extend(phrase_terms);
        out
    }
}

/// An entry as the scorer sees it: its phrasings (a title, the example questions and the
/// keywords, as terms) are `phrasings` of the index.
#[derive(Debug)]
pub(crate) struct IndexedEntry {
    pub(crate) phrasings: std::ops::Range<usize>,
}

/// The searchable FAQ.
#[derive(Debug)]
pub(crate) struct Index {
    pub(crate) rewriter: Rewriter,
    pub(crate) vocabulary: HashMap<String, TermId>,
    pub(crate) idf: Vec<f32>,
    /// Weight of a query word the FAQ never uses.
    /// Weight of a query word the FAQ never uses and that is not common English.
    pub(crate) rare_unknown_weight: f32,
    /// Weight of a query word the FAQ never uses but that is common English chatter.
    pub(crate) common_unknown_weight: f32,
    /// Term -> entries that use it (ascending, no repeats).
    pub(crate) postings: Vec<Vec<u32>>,
    pub(crate) entries: Vec<IndexedEntry>,
    /// The total weight of each phrasing, entry by entry.
    pub(crate) phrasing_weights: Vec<f32>,
    /// Term -> phrasings that use it (ascending), so a question only touches the phrasings it
    /// shares a term with.
    pub(crate) phrasing_postings: Vec<Vec<u32>>,
    pub(crate) fuzzy: FuzzyIndex,
}

/// The least a word the FAQ uses weighs, relative to the rarest word: even a word every entry
/// uses ("prolotherapy") says the question is on topic, and a phrasing made of it and one
/// common word ("what is prolotherapy") must not be covered by that common word alone.
const KNOWN_WORD_FLOOR: f32 = 0.2;

/// How much a frame term weighs, relative to the rarest word the FAQ uses.
const FRAME_WEIGHT: f32 = 1.5;

/// How much a word the FAQ never uses weighs, relative to the rarest word the FAQ uses. A rare
/// one ("covid", "php", "guitar") is evidence that the question is about something else as
/// strong as the rarest FAQ word is for an entry; a common English one ("ago", "noticed",
/// "sister") is mostly chatter around a question that may well be on topic.
const RARE_UNKNOWN_FACTOR: f32 = 1.0;
/// See [`RARE_UNKNOWN_FACTOR`].
const COMMON_UNKNOWN_FACTOR: f32 = 0.1;

impl Index {
    pub(crate) fn new(faq: &Faq, analyzer: &Analyzer, subjects: &SubjectReader) -> Self {
        let rewriter = Rewriter::new(faq, analyzer);
        let mut vocabulary = Vocabulary::default();
        let texts = Texts {
            rewriter: &rewriter,
            analyzer,
            subjects,
        };
        let parsed: Vec<ParsedEntry> = faq
            .entries()
            .iter()
            .map(|entry| {
                let questions = std::iter::once(&entry.title)
                    .chain(&entry.questions)
                    .filter_map(|text| vocabulary.phrasing(text, &texts))
                    .collect();
                let mut keywords: Vec<Vec<TermId>> = entry
                    .keywords
                    .iter()
                    .filter_map(|text| vocabulary.phrasing(text, &texts))
                    .collect();
                // An entry's frames say its intent however a question words the rest.
                if faq.frames().iter().any(|f| f.entry == entry.id) {
                    keywords.push(vec![vocabulary.intern(frame_term(&entry.id))]);
                }
                ParsedEntry {
                    questions,
                    keywords,
                }
            })
            .collect();
        for stem in rewriter.variant_stems() {
            vocabulary.intern(stem.clone());
        }
        let postings = build_postings(&parsed, vocabulary.ids.len());
        let n = faq.entries().len() as f32;
        let rarest = inverse_frequency(n, 0.0);
        let mut idf: Vec<f32> = postings
            .iter()
            .map(|p| inverse_frequency(n, p.len() as f32).max(rarest * KNOWN_WORD_FLOOR))
            .collect();
        // A frame is a moderator's statement of intent: it weighs more than any single word.
        for (term, &id) in &vocabulary.ids {
            if term.starts_with(FRAME_PREFIX) {
                idf[id as usize] = rarest * FRAME_WEIGHT;
            }
        }
        let is_specific = |terms: &Vec<TermId>| {
            terms.len() > 1
                || terms
                    .iter()
                    .any(|&t| postings[t as usize].len() as f32 <= n / 2.0)
        };
        let mut phrasing_weights = Vec::new();
        let mut phrasing_postings = vec![Vec::new(); postings.len()];
        let entries = parsed
            .into_iter()
            .map(|entry| {
                let start = phrasing_weights.len();
                for terms in entry
                    .questions
                    .into_iter()
                    .chain(entry.keywords)
                    .filter(is_specific)
                {
                    let phrasing = phrasing_weights.len() as u32;
                    for &term in &terms {
                        phrasing_postings[term as usize].push(phrasing);
                    }
                    phrasing_weights.push(terms.iter().map(|&t| idf[t as usize]).sum());
                }
                IndexedEntry {
                    phrasings: start..phrasing_weights.len(),
                }
            })
            .collect();
        let fuzzy = typo_index(faq, &vocabulary, &postings, analyzer);
        Self {
            rewriter,
            vocabulary: vocabulary.ids,
            rare_unknown_weight: rarest * RARE_UNKNOWN_FACTOR,
            common_unknown_weight: rarest * COMMON_UNKNOWN_FACTOR,
            idf,
            postings,
            entries,
            phrasing_weights,
            phrasing_postings,
            fuzzy,
        }
    }
}

impl Index {
    /// The weight of a term the FAQ does not use: common English weighs less than a rare word.
    pub(crate) fn unknown_weight(&self, common: bool) -> f32 {
        if common {
            self.common_unknown_weight
        } else {
            self.rare_unknown_weight
        }
    }
}

/// An entry's texts as term lists. All of them count towards the entry's vocabulary, but a text
/// made of one word that more than half the entries use is not compared as a phrasing: a lone
/// "prolo??" would otherwise be fully covered by every question that names the therapy.
struct ParsedEntry {
    questions: Vec<Vec<TermId>>,
    keywords: Vec<Vec<TermId>>,
}

/// What turns a FAQ text into terms.
struct Texts<'a> {
    rewriter: &'a Rewriter,
    analyzer: &'a Analyzer,
    subjects: &'a SubjectReader,
}

/// Interns terms as ids.
#[derive(Default)]
struct Vocabulary {
    ids: HashMap<String, TermId>,
}

impl Vocabulary {
    fn intern(&mut self, term: String) -> TermId {
        let next = self.ids.len() as TermId;
        *self.ids.entry(term).or_insert(next)
    }

    /// The distinct term ids of a FAQ text (its frames included), or `None` if it has no terms.
    fn phrasing(&mut self, text: &str, texts: &Texts<'_>) -> Option<Vec<TermId>> {
        // The FAQ's own words are all familiar: a frame applies when its slot holds the subject.
        let tokens = texts.analyzer.tokens(text);
        let words: Vec<Word> = tokens
            .iter()
            .map(|t| Word {
                typed: &t.word,
                stem: Cow::Borrowed(&t.stem),
                familiar: true,
                stop: t.stop,
            })
            .collect();
        let frame_terms = texts.subjects.read(&words).frame_terms;
        let stems: Vec<String> = tokens
            .into_iter()
            .filter(|t| !t.stop)
            .map(|t| t.stem)
            .collect();
        let mut terms = texts.rewriter.rewrite(&stems, &mut Vec::new());
        terms.extend(frame_terms);
        let mut ids: Vec<TermId> = terms.into_iter().map(|t| self.intern(t)).collect();
        ids.sort_unstable();
        ids.dedup();
        (!ids.is_empty()).then_some(ids)
    }
}

/// Only longer stop words and negations are typo targets: "shoudnt" is surely "shouldnt",
/// but "donut" is not "dont".
const MIN_FUNCTION_WORD_TARGET: usize = 6;

/// Typo targets: the FAQ's words as written (titles, questions, keywords, synonyms), ranked by
/// how many entries use their stem, plus longer stop words and negations (rank 0, so a FAQ
/// word wins a tie). Typos are made in words, not stems: "exercizes" is one edit from
/// "exercises", while their stems are two apart.
fn typo_index(
    faq: &Faq,
    vocabulary: &Vocabulary,
    postings: &[Vec<u32>],
    analyzer: &Analyzer,
) -> FuzzyIndex {
    let texts = faq
        .entries()
        .iter()
        .flat_map(|e| {
            std::iter::once(&e.title)
                .chain(&e.questions)
                .chain(&e.keywords)
        })
        .chain(
            faq.synonyms()
                .iter()
                .flat_map(|s| std::iter::once(&s.canonical).chain(&s.variants)),
        );
    let mut ranks: BTreeMap<String, u32> = BTreeMap::new();
    for text in texts {
        for word in normalise(text)
            .split(' ')
            .filter(|w| !w.is_empty() && !is_negation(w))
        {
            let token = analyzer.token(word);
            if !token.stop && !ranks.contains_key(word) {
                let rank = vocabulary
                    .ids
                    .get(&token.stem)
                    .map_or(0, |&id| postings[id as usize].len() as u32);
                ranks.insert(word.to_string(), rank);
            }
        }
    }
    for word in stopwords()
        .iter()
        .chain(negations())
        .filter(|w| w.len() >= MIN_FUNCTION_WORD_TARGET)
    {
        ranks.entry((*word).to_string()).or_insert(0);
    }
    FuzzyIndex::new(ranks)
}

fn build_postings(entries: &[ParsedEntry], vocabulary_size: usize) -> Vec<Vec<u32>> {
    let mut postings = vec![Vec::new(); vocabulary_size];
    for (entry, parsed) in entries.iter().enumerate() {
        for &term in parsed.questions.iter().chain(&parsed.keywords).flatten() {
            let list: &mut Vec<u32> = &mut postings[term as usize];
            if list.last() != Some(&(entry as u32)) {
                list.push(entry as u32);
            }
        }
    }
    postings
}

/// Inverse document frequency over entries (BM25's form, always positive).
fn inverse_frequency(entries: f32, with_term: f32) -> f32 {
    (1.0 + (entries - with_term + 0.5) / (with_term + 0.5)).ln()
}
