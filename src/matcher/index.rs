//! The searchable form of a FAQ: vocabulary, synonym and phrase rewriting, IDF weights and
//! an inverted index from terms to entries.

use std::collections::HashMap;

use crate::faq::Faq;
use crate::fuzzy::FuzzyIndex;
use crate::text::Analyzer;

/// Index of a term in the vocabulary.
pub(crate) type TermId = u32;

/// Rewrites stem sequences: synonym variants become their canonical term, and known
/// multi-word keywords add a phrase term (the words joined by a space) after their last word.
#[derive(Debug, Default)]
pub(crate) struct Rewriter {
    /// First stem of a variant -> (variant stems, canonical stems), longest variant first.
    synonyms: HashMap<String, Vec<(Vec<String>, Vec<String>)>>,
    /// First stem of a phrase -> phrases starting with it.
    phrases: HashMap<String, Vec<Vec<String>>>,
}

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
        for synonym in &faq.synonyms {
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
        for keyword in faq.entries.iter().flat_map(|e| &e.keywords) {
            let stems = rewriter.replace_synonyms(analyzer.terms(keyword), &mut Vec::new());
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
    pub(crate) fn rewrite(&self, stems: Vec<String>, hits: &mut Vec<SynonymHit>) -> Vec<String> {
        let replaced = self.replace_synonyms(stems, hits);
        self.add_phrases(replaced)
    }

    fn replace_synonyms(&self, stems: Vec<String>, hits: &mut Vec<SynonymHit>) -> Vec<String> {
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

/// One way of asking for an entry (a title, an example question or a keyword), as terms.
#[derive(Debug)]
pub(crate) struct Phrasing {
    pub(crate) terms: Vec<TermId>,
    pub(crate) weight: f32,
}

/// An entry as the scorer sees it.
#[derive(Debug)]
pub(crate) struct IndexedEntry {
    pub(crate) phrasings: Vec<Phrasing>,
}

/// The searchable FAQ.
#[derive(Debug)]
pub(crate) struct Index {
    pub(crate) rewriter: Rewriter,
    pub(crate) vocabulary: HashMap<String, TermId>,
    pub(crate) idf: Vec<f32>,
    /// Weight of a query word the FAQ never uses.
    pub(crate) unknown_weight: f32,
    /// Term -> entries that use it (ascending, no repeats).
    pub(crate) postings: Vec<Vec<u32>>,
    pub(crate) entries: Vec<IndexedEntry>,
    pub(crate) fuzzy: FuzzyIndex,
}

/// How much an unseen word weighs, relative to the rarest word the FAQ uses: an unknown word
/// is evidence that the question is about something else, but typos and chatter make it weaker
/// evidence than a known rare word.
const UNKNOWN_WORD_FACTOR: f32 = 0.3;

impl Index {
    pub(crate) fn new(faq: &Faq, analyzer: &Analyzer) -> Self {
        let rewriter = Rewriter::new(faq, analyzer);
        let mut vocabulary: HashMap<String, TermId> = HashMap::new();
        let mut intern = |term: String| -> TermId {
            let next = vocabulary.len() as TermId;
            *vocabulary.entry(term).or_insert(next)
        };
        let mut entry_terms: Vec<Vec<Vec<TermId>>> = Vec::with_capacity(faq.entries.len());
        for entry in &faq.entries {
            let texts = std::iter::once(&entry.title)
                .chain(&entry.questions)
                .chain(&entry.keywords);
            let phrasings = texts
                .map(|text| {
                    let terms = rewriter.rewrite(analyzer.terms(text), &mut Vec::new());
                    let mut ids: Vec<TermId> = terms.into_iter().map(&mut intern).collect();
                    ids.sort_unstable();
                    ids.dedup();
                    ids
                })
                .filter(|ids| !ids.is_empty())
                .collect();
            entry_terms.push(phrasings);
        }
        for stem in rewriter.variant_stems() {
            intern(stem.clone());
        }
        let postings = build_postings(&entry_terms, vocabulary.len());
        let n = faq.entries.len() as f32;
        let idf: Vec<f32> = postings
            .iter()
            .map(|p| inverse_frequency(n, p.len() as f32))
            .collect();
        let entries = entry_terms
            .into_iter()
            .map(|phrasings| IndexedEntry {
                phrasings: phrasings
                    .into_iter()
                    .map(|terms| Phrasing {
                        weight: terms.iter().map(|&t| idf[t as usize]).sum(),
                        terms,
                    })
                    .collect(),
            })
            .collect();
        let fuzzy = FuzzyIndex::new(
            vocabulary
                .iter()
                .filter(|(word, _)| !word.contains(' '))
                .map(|(word, &id)| (word.clone(), postings[id as usize].len() as u32)),
        );
        Self {
            rewriter,
            vocabulary,
            unknown_weight: inverse_frequency(n, 0.0) * UNKNOWN_WORD_FACTOR,
            idf,
            postings,
            entries,
            fuzzy,
        }
    }
}

fn build_postings(entry_terms: &[Vec<Vec<TermId>>], vocabulary_size: usize) -> Vec<Vec<u32>> {
    let mut postings = vec![Vec::new(); vocabulary_size];
    for (entry, phrasings) in entry_terms.iter().enumerate() {
        for &term in phrasings.iter().flatten() {
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
