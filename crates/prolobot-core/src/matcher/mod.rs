//! Routing a message to an outcome: emergency, one answer, "did you mean", or no match.
//!
//! Safety rules are read first and nothing overrides them; a message that may report danger
//! without firing a rule is marked for the safety-net line. Otherwise the message is turned
//! into terms (normalised, stop words dropped, stemmed, typos corrected against the FAQ's
//! vocabulary, synonyms and phrases rewritten) and each entry is scored by how much of the
//! question it explains and how much of its closest phrasing the question covers, both
//! weighted by IDF; their F-beta mean (question coverage weighted 1.3x) is the confidence, in [0, 1].

mod index;
mod subject;

use std::borrow::Cow;
use std::fmt;

use crate::faq::{EntryKind, EntryRef, Faq, RuleRef, Thresholds, Tier};
use crate::fuzzy::MessageCorrector;
use crate::safety::{Assessment, SafetyDetector};
use crate::text::{normalise, Analyzer, Token};
pub use index::SynonymHit;
use index::{Index, TermId};
use subject::{Reading, SubjectReader, Word};

/// How many entries, best first by question coverage, get their phrasings compared.
const CANDIDATES: usize = 64;
/// The most entries offered as "did you mean".
const MAX_SUGGESTIONS: usize = 3;

/// The kind of decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// One entry answers the question.
    Answer,
    /// Unsure: offer a few entries.
    Suggest,
    /// Nothing fits.
    NoMatch,
    /// A safety rule fired: a crisis, an emergency or urgent symptoms (see [`Decision::tier`]).
    Emergency,
    /// A question about the clinic (hours, booking, location): the clinic entry and contact line.
    Clinic,
    /// A question about the bot itself: what it is and what it answers.
    Help,
}

impl Outcome {
    /// The name used in `prolobot match` output, eval files and statistics.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Answer => "answer",
            Self::Suggest => "suggest",
            Self::NoMatch => "no_match",
            Self::Emergency => "emergency",
            Self::Clinic => "clinic",
            Self::Help => "help",
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What to do with a message. Its entry and rule references belong to the FAQ it was made
/// from; an answer cannot exist without its entry, nor an emergency without its rules.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// Safety rules fired: a crisis, an emergency or urgent symptoms. Nothing overrides this.
    Emergency {
        /// The most serious tier among the rules.
        tier: Tier,
        /// The rules that fired, in file order (at least one).
        rules: Vec<RuleRef>,
    },
    /// One entry answers the question.
    Answer {
        /// The entry.
        entry: EntryRef,
        /// A second question in the same message, answered by another entry: offered, not
        /// answered, so one reply stays one answer.
        also: Option<EntryRef>,
        /// Its confidence, in [0, 1].
        confidence: f32,
        /// The message may report danger: the reply carries the safety-net line.
        safety_net: bool,
    },
    /// Unsure: offer a few entries.
    Suggest {
        /// One to three entries, best first.
        entries: Vec<EntryRef>,
        /// Confidence of the best one, in [0, 1].
        confidence: f32,
        /// The message may report danger: the reply carries the safety-net line.
        safety_net: bool,
    },
    /// A service question, not about the subject: clinic logistics or the bot itself.
    Service {
        /// The clinic or help entry.
        entry: EntryRef,
        /// Which service.
        service: Service,
        /// Its confidence, in [0, 1].
        confidence: f32,
        /// The message may report danger: the reply carries the safety-net line.
        safety_net: bool,
    },
    /// Nothing fits.
    NoMatch {
        /// Confidence of the best entry, in [0, 1] (0 when nothing shared a word).
        confidence: f32,
        /// The message may report danger: the safety-net line is the reply.
        safety_net: bool,
    },
}

/// The service questions the bot answers besides its subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    /// Clinic logistics: hours, booking, location, prices at this clinic.
    Clinic,
    /// The bot itself: who it is, what it can answer.
    Help,
}

impl Decision {
    /// The kind of decision.
    #[must_use]
    pub fn outcome(&self) -> Outcome {
        match self {
            Self::Emergency { .. } => Outcome::Emergency,
            Self::Answer { .. } => Outcome::Answer,
            Self::Service {
                service: Service::Clinic,
                ..
            } => Outcome::Clinic,
            Self::Service {
                service: Service::Help,
                ..
            } => Outcome::Help,
            Self::Suggest { .. } => Outcome::Suggest,
            Self::NoMatch { .. } => Outcome::NoMatch,
        }
    }

    /// Confidence of the best entry, in [0, 1]; 1 for emergencies.
    #[must_use]
    pub fn confidence(&self) -> f32 {
        match self {
            Self::Emergency { .. } => 1.0,
            Self::Answer { confidence, .. }
            | Self::Service { confidence, .. }
            | Self::Suggest { confidence, .. }
            | Self::NoMatch { confidence, .. } => *confidence,
        }
    }

    /// The most serious tier of the rules that fired, for emergencies.
    #[must_use]
    pub fn tier(&self) -> Option<Tier> {
        match self {
            Self::Emergency { tier, .. } => Some(*tier),
            _ => None,
        }
    }

    /// The safety rules that fired (empty unless an emergency).
    #[must_use]
    pub fn rules(&self) -> &[RuleRef] {
        match self {
            Self::Emergency { rules, .. } => rules,
            _ => &[],
        }
    }

    /// The entry that answers: a topic, or the clinic or help entry of a service question.
    #[must_use]
    pub fn entry(&self) -> Option<EntryRef> {
        match self {
            Self::Answer { entry, .. } | Self::Service { entry, .. } => Some(*entry),
            _ => None,
        }
    }

    /// The offered entries (empty unless "did you mean").
    #[must_use]
    pub fn suggestions(&self) -> &[EntryRef] {
        match self {
            Self::Suggest { entries, .. } => entries,
            _ => &[],
        }
    }

    /// Not an emergency, but the message may report danger: the reply carries the safety-net line.
    #[must_use]
    pub fn safety_net(&self) -> bool {
        match self {
            Self::Emergency { .. } => false,
            Self::Answer { safety_net, .. }
            | Self::Service { safety_net, .. }
            | Self::Suggest { safety_net, .. }
            | Self::NoMatch { safety_net, .. } => *safety_net,
        }
    }
}

/// One scored entry.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Candidate {
    /// The entry.
    pub entry: EntryRef,
    /// F-beta combination of the two coverages.
    pub confidence: f32,
    /// Share of the question's weight this entry explains.
    pub question_coverage: f32,
    /// Share of the closest phrasing's weight the question covers (a tenth of it from the second closest).
    pub phrasing_coverage: f32,
}

/// Everything the matcher saw and decided, for `prolobot explain` and `/faqmod test`: its
/// `Display` shows the working, line by line.
#[derive(Debug, Clone)]
pub struct Explanation {
    /// The normalised message.
    pub(crate) normalised: String,
    /// Typo corrections made (typed stem -> vocabulary stem).
    pub(crate) corrections: Vec<(String, String)>,
    /// Synonym replacements made.
    pub(crate) synonyms: Vec<SynonymHit>,
    /// The final terms with their weights; `known` is false for words the FAQ never uses.
    pub(crate) terms: Vec<(String, f32, bool)>,
    /// The best candidates with their entry ids.
    pub(crate) candidates: Vec<(String, Candidate)>,
    /// What the safety rules saw: cues, rules whose words were present, and why they fired or not.
    pub(crate) safety: Assessment,
    /// What the question is about, and the frames it asks in.
    pub(crate) subject: Reading,
    /// The rule that decided, in words: thresholds, margin, coverage floor or subject.
    pub(crate) rule: String,
    /// The decision.
    pub(crate) decision: Decision,
}

/// A message's terms, ready to score.
struct Query {
    /// Distinct known terms with their weights, sorted by term id.
    known: Vec<(TermId, f32)>,
    /// Weight of everything in the message: known terms plus unknown words.
    total_weight: f32,
    corrections: Vec<(String, String)>,
    synonyms: Vec<SynonymHit>,
    terms: Vec<(String, f32, bool)>,
    subject: Reading,
}

/// Decides outcomes for one FAQ. Build once per FAQ version; `decide` is cheap and `&self`.
pub struct Matcher {
    analyzer: Analyzer,
    index: Index,
    subjects: SubjectReader,
    safety: SafetyDetector,
    thresholds: Thresholds,
    ids: Vec<String>,
    kinds: Vec<EntryKind>,
}

impl Matcher {
    /// Indexes `faq`.
    #[must_use]
    pub fn new(faq: &Faq) -> Self {
        let analyzer = Analyzer::default();
        let subjects = SubjectReader::new(faq, &analyzer);
        let index = Index::new(faq, &analyzer, &subjects);
        // The FAQ's own words are real words: the safety rules never read them as typos.
        let real_words = index
            .vocabulary
            .keys()
            .filter(|term| !term.contains(' ') && !term.contains(':'))
            .cloned()
            .collect();
        let safety = SafetyDetector::new(faq.red_flags(), &analyzer).with_real_words(real_words);
        let ids = faq.entries().iter().map(|e| e.id.clone()).collect();
        let kinds = faq.entries().iter().map(|e| e.kind).collect();
        Self {
            analyzer,
            index,
            subjects,
            safety,
            thresholds: faq.thresholds(),
            ids,
            kinds,
        }
    }

    /// Decides what to do with `message`.
    #[must_use]
    pub fn decide(&self, message: &str) -> Decision {
        self.run(message, false).2
    }

    /// Every entry that shares a term with `message`, best first, ignoring red flags.
    #[must_use]
    pub fn rank(&self, message: &str) -> Vec<Candidate> {
        self.score(&self.query(&self.analyzer.tokens(message)))
    }

    /// Decides and shows the working.
    #[must_use]
    pub fn explain(&self, message: &str) -> Explanation {
        let (query, safety, decision, candidates) = self.run(message, true);
        let rule = self.rule_that_decided(&decision, &candidates, &query.subject);
        Explanation {
            rule,
            normalised: normalise(message),
            corrections: query.corrections,
            synonyms: query.synonyms,
            terms: query.terms,
            subject: query.subject,
            candidates: candidates
                .into_iter()
                .take(5)
                .map(|c| (self.ids[c.entry.index()].clone(), c))
                .collect(),
            safety,
            decision,
        }
    }

    fn run(&self, message: &str, detail: bool) -> (Query, Assessment, Decision, Vec<Candidate>) {
        let tokens = self.analyzer.tokens(message);
        let safety = if detail {
            self.safety.assess_in_detail(&tokens)
        } else {
            self.safety.assess(&tokens)
        };
        let query = self.query(&tokens);
        let mut candidates = self.score(&query);
        // A question that names this FAQ's subject is about it, not about the clinic or the bot.
        if query.subject.own {
            candidates.retain(|c| self.kinds[c.entry.index()] == EntryKind::Topic);
        }
        let decision = match safety.tier {
            Some(tier) => Decision::Emergency {
                tier,
                rules: safety.fired.iter().copied().map(RuleRef::at).collect(),
            },
            // Another treatment or topic, never this FAQ's subject: not answered from the FAQ.
            None if query.subject.is_elsewhere() => Decision::NoMatch {
                confidence: candidates.first().map_or(0.0, |c| c.confidence),
                safety_net: safety.safety_net,
            },
            None => self
                .two_part(message, safety.safety_net)
                .unwrap_or_else(|| self.decide_from(&candidates, safety.safety_net)),
        };
        (query, safety, decision, candidates)
    }

    /// Corrects typos, rewrites synonyms and phrases, and weighs the resulting terms.
    fn query(&self, tokens: &[Token]) -> Query {
        let index = &self.index;
        let mut corrections = Vec::new();
        let mut corrector = MessageCorrector::new(&index.fuzzy);
        let mut words = Vec::with_capacity(tokens.len());
        for token in tokens {
            if token.stop {
                words.push(Word {
                    typed: &token.word,
                    stem: Cow::Borrowed(&token.stem),
                    familiar: true,
                    stop: true,
                });
            } else if let Some(stem) = self.resolve(token, &mut corrector, &mut corrections) {
                words.push(Word {
                    typed: &token.word,
                    familiar: token.common || index.vocabulary.contains_key(&stem),
                    stop: false,
                    stem: Cow::Owned(stem),
                });
            }
        }
        let subject = self.subjects.read(&words);
        let corrected: Vec<String> = words
            .into_iter()
            .filter(|w| !w.stop)
            .map(|w| w.stem.into_owned())
            .collect();
        let mut synonyms = Vec::new();
        let mut terms = index.rewriter.rewrite(&corrected, &mut synonyms);
        terms.extend(subject.frame_terms.iter().cloned());
        terms.sort_unstable();
        terms.dedup();
        let mut query = Query {
            known: Vec::new(),
            total_weight: 0.0,
            corrections,
            synonyms,
            terms: Vec::new(),
            subject,
        };
        for term in terms {
            let id = index
                .vocabulary
                .get(&term)
                .copied()
                .filter(|&id| !index.postings[id as usize].is_empty());
            let weight = id.map_or_else(
                || index.unknown_weight(self.analyzer.is_common(&term)),
                |id| index.idf[id as usize],
            );
            // A phrase term repeats words already counted, so it adds evidence without adding weight
            // to the question's total.
            if !term.contains(' ') {
                query.total_weight += weight;
            }
            if let Some(id) = id {
                query.known.push((id, weight));
            }
            query.terms.push((term, weight, id.is_some()));
        }
        query.known.sort_unstable_by_key(|(id, _)| *id);
        query
    }

    /// The term a token stands for: its stem when known (or common English), else the stem of
    /// the FAQ word its typed form is a typo of, else its stem as an unknown word; `None` for a
    /// mistyped stop word, which is dropped.
    fn resolve(
        &self,
        token: &Token,
        corrector: &mut MessageCorrector<'_>,
        corrections: &mut Vec<(String, String)>,
    ) -> Option<String> {
        // A common English word is a real word, not a typo: "done" must not become "dont".
        let stem = &token.stem;
        if token.common || self.index.vocabulary.contains_key(stem) {
            return Some(stem.clone());
        }
        let Some(word) = corrector.correct(&token.word) else {
            return Some(stem.clone());
        };
        if !corrections.iter().any(|(from, _)| *from == token.word) {
            corrections.push((token.word.clone(), word.to_string()));
        }
        let corrected = self.analyzer.token(word);
        (!corrected.stop).then_some(corrected.stem)
    }

    /// Scores entries that share a term with the query, best first.
    fn score(&self, query: &Query) -> Vec<Candidate> {
        let index = &self.index;
        if query.total_weight <= 0.0 {
            return Vec::new();
        }
        // Dense accumulation: entries are few enough that an array beats a hash map.
        let mut explained = vec![0.0f32; index.entries.len()];
        let mut touched: Vec<u32> = Vec::new();
        for &(term, weight) in &query.known {
            for &entry in &index.postings[term as usize] {
                if explained[entry as usize] == 0.0 {
                    touched.push(entry);
                }
                explained[entry as usize] += weight;
            }
        }
        let mut by_coverage: Vec<(u32, f32)> = touched
            .into_iter()
            .map(|e| (e, explained[e as usize]))
            .collect();
        by_coverage.sort_unstable_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        by_coverage.truncate(CANDIDATES);
        // How much of each phrasing the question covers, from the phrasings its terms appear in.
        let mut covered = vec![0.0f32; index.phrasing_weights.len()];
        for &(term, weight) in &query.known {
            for &phrasing in &index.phrasing_postings[term as usize] {
                covered[phrasing as usize] += weight;
            }
        }
        let mut candidates: Vec<Candidate> = by_coverage
            .into_iter()
            .map(|(entry, weight)| {
                let question_coverage = (weight / query.total_weight).min(1.0);
                let phrasing_coverage = self.phrasing_coverage(entry as usize, &covered);
                Candidate {
                    entry: EntryRef::at(entry as usize),
                    confidence: f_beta(phrasing_coverage, question_coverage),
                    question_coverage,
                    phrasing_coverage,
                }
            })
            .collect();
        candidates.sort_by(|a, b| {
            b.confidence
                .total_cmp(&a.confidence)
                .then(a.entry.cmp(&b.entry))
        });
        candidates
    }

    /// How much of the entry's closest phrasing the query covers, with a little credit for a
    /// second phrasing that also fits: two phrasings agreeing break near-ties between entries.
    fn phrasing_coverage(&self, entry: usize, covered: &[f32]) -> f32 {
        let (mut first, mut second) = (0.0f32, 0.0f32);
        for phrasing in self.index.entries[entry].phrasings.clone() {
            let coverage = covered[phrasing] / self.index.phrasing_weights[phrasing];
            if coverage > first {
                (first, second) = (coverage, first);
            } else if coverage > second {
                second = coverage;
            }
        }
        (1.0 - SECOND_PHRASING_SHARE) * first + SECOND_PHRASING_SHARE * second
    }

    /// A message that asks two questions ("How much does it cost? And does it hurt?") whose
    /// first two each get a topic answer from different entries: the first is answered, the
    /// second offered.
    fn two_part(&self, message: &str, safety_net: bool) -> Option<Decision> {
        let mut questions = question_sentences(message);
        let (first, second) = (questions.next()?, questions.next()?);
        let topic = |question: &str| match self.run(question, false).2 {
            Decision::Answer {
                entry, confidence, ..
            } => Some((entry, confidence)),
            _ => None,
        };
        let ((entry, confidence), (other, _)) = (topic(first)?, topic(second)?);
        (entry != other).then_some(Decision::Answer {
            entry,
            also: Some(other),
            confidence,
            safety_net,
        })
    }

    /// Why `decision` was made, naming the threshold, margin, coverage floor or subject rule
    /// that settled it, for moderators tuning the FAQ.
    fn rule_that_decided(
        &self,
        decision: &Decision,
        candidates: &[Candidate],
        subject: &Reading,
    ) -> String {
        let t = self.thresholds;
        let best = candidates.first();
        let confidence = best.map_or(0.0, |c| c.confidence);
        let covered = best.map_or(0.0, |c| c.phrasing_coverage);
        let lead = confidence - candidates.get(1).map_or(0.0, |c| c.confidence);
        match decision {
            Decision::Emergency { tier, .. } => {
                format!(
                    "a safety rule fired (tier {}); its guidance comes first",
                    tier.as_str()
                )
            }
            Decision::NoMatch { .. } if subject.is_elsewhere() => format!(
                "the question is about {}, not this FAQ's subject (see [subjects])",
                subject.other.as_deref().unwrap_or("something else")
            ),
            Decision::Answer {
                also: Some(_),
                confidence,
                ..
            } => format!(
                "two questions: the first, asked on its own, is answered (confidence \
                 {confidence:.2}) and the second, answered by another entry, is offered"
            ),
            Decision::Answer { .. } | Decision::Service { .. } => format!(
                "confidence {confidence:.2} >= answer threshold {:.2}, lead {lead:.2} over the \
                 runner-up >= margin {:.2}, and {:.0}% of the closest phrasing covered >= {:.0}%",
                t.answer,
                t.margin,
                covered * 100.0,
                MIN_COVERAGE_TO_ANSWER * 100.0
            ),
            Decision::Suggest { .. } | Decision::NoMatch { .. } => {
                let mut short = Vec::new();
                if confidence < t.answer {
                    short.push(format!("confidence below answer threshold {:.2}", t.answer));
                }
                if lead < t.margin {
                    short.push(format!("lead {lead:.2} below margin {:.2}", t.margin));
                }
                if covered < MIN_COVERAGE_TO_ANSWER {
                    short.push(format!(
                        "only {:.0}% of the closest phrasing covered (floor {:.0}%)",
                        covered * 100.0,
                        MIN_COVERAGE_TO_ANSWER * 100.0
                    ));
                }
                let then = if matches!(decision, Decision::Suggest { .. }) {
                    format!("offered as \"did you mean\" (>= {:.2})", t.suggest)
                } else {
                    format!("below the suggestion threshold {:.2} or floor", t.suggest)
                };
                format!("not answered: {}; {then}", short.join(", "))
            }
        }
    }

    fn decide_from(&self, candidates: &[Candidate], safety_net: bool) -> Decision {
        let t = self.thresholds;
        let confidence = candidates.first().map_or(0.0, |c| c.confidence);
        let covered = candidates.first().map_or(0.0, |c| c.phrasing_coverage);
        let runner_up = candidates.get(1).map_or(0.0, |c| c.confidence);
        if confidence >= t.answer
            && confidence - runner_up >= t.margin
            && covered >= MIN_COVERAGE_TO_ANSWER
        {
            let entry = candidates[0].entry;
            let service = match self.kinds[entry.index()] {
                EntryKind::Topic => None,
                EntryKind::Clinic => Some(Service::Clinic),
                EntryKind::Help => Some(Service::Help),
            };
            match service {
                None => Decision::Answer {
                    entry,
                    also: None,
                    confidence,
                    safety_net,
                },
                Some(service) => Decision::Service {
                    entry,
                    service,
                    confidence,
                    safety_net,
                },
            }
        } else if confidence >= t.suggest && covered >= MIN_COVERAGE_TO_SUGGEST {
            let entries = candidates
                .iter()
                .enumerate()
                .take_while(|(i, c)| {
                    c.confidence >= t.suggest || (*i == 1 && c.confidence >= t.suggest / 2.0)
                })
                .take(MAX_SUGGESTIONS)
                .map(|(_, c)| c.entry)
                .collect();
            Decision::Suggest {
                entries,
                confidence,
                safety_net,
            }
        } else {
            Decision::NoMatch {
                confidence,
                safety_net,
            }
        }
    }
}

/// The sentences of `message` that end in a question mark, of two words or more, in order.
fn question_sentences(message: &str) -> impl Iterator<Item = &str> {
    let mut rest = message;
    std::iter::from_fn(move || loop {
        let end = rest.find(['?', '.', '!', '\n'])?;
        let (sentence, mark) = (&rest[..end], &rest[end..=end]);
        rest = &rest[end + 1..];
        if mark == "?" && sentence.split_whitespace().nth(1).is_some() {
            return Some(sentence.trim());
        }
    })
}

/// An answer also needs the question to cover this much of the entry's closest phrasing: a
/// lone word that only one entry uses ("thanks so *much*") explains a short message fully but
/// is no question about that entry.
const MIN_COVERAGE_TO_ANSWER: f32 = 0.4;
/// The same floor for "did you mean", so greetings get no buttons in support channels.
const MIN_COVERAGE_TO_SUGGEST: f32 = 0.4;

/// The share of phrasing coverage that comes from the second-closest phrasing.
const SECOND_PHRASING_SHARE: f32 = 0.1;

/// How much more the question's coverage counts than the phrasing's: measured on StackFAQ and
/// the dev set, leaning towards "explains the whole question" ranks paraphrases better.
const RECALL_WEIGHT: f32 = 1.3;

/// The F-beta combination of phrasing coverage (precision) and question coverage (recall).
fn f_beta(precision: f32, recall: f32) -> f32 {
    let b2 = RECALL_WEIGHT * RECALL_WEIGHT;
    let denominator = b2 * precision + recall;
    if denominator <= 0.0 {
        0.0
    } else {
        (1.0 + b2) * precision * recall / denominator
    }
}

impl Explanation {
    /// The decision.
    #[must_use]
    pub fn decision(&self) -> &Decision {
        &self.decision
    }

    /// The rule that decided, in words: thresholds, margin, coverage floor or subject.
    #[must_use]
    pub fn rule(&self) -> &str {
        &self.rule
    }

    /// The question's terms (stems, synonyms rewritten, phrases and frames added) with their
    /// weights, and whether the FAQ uses each one.
    pub fn terms(&self) -> impl Iterator<Item = (&str, f32, bool)> {
        self.terms
            .iter()
            .map(|(term, weight, known)| (term.as_str(), *weight, *known))
    }

    /// The words that name another subject (`[subjects] other`, or an unknown word where a
    /// frame names its subject), if any.
    #[must_use]
    pub fn other_subject(&self) -> Option<&str> {
        self.subject.other.as_deref()
    }

    /// Whether the question names this FAQ's own subject (or compares something with it).
    #[must_use]
    pub fn names_own_subject(&self) -> bool {
        self.subject.own
    }
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "normalised: {}", self.normalised)?;
        let corrections: Vec<String> = self
            .corrections
            .iter()
            .map(|(from, to)| format!("{from} -> {to}"))
            .collect();
        writeln!(f, "typo corrections: {}", list_or_none(&corrections))?;
        let synonyms: Vec<String> = self
            .synonyms
            .iter()
            .map(|s| format!("{} -> {}", s.variant, s.canonical))
            .collect();
        writeln!(f, "synonyms: {}", list_or_none(&synonyms))?;
        let terms: Vec<String> = self
            .terms
            .iter()
            .map(|(t, w, known)| format!("{t} ({w:.2}{})", if *known { "" } else { ", unknown" }))
            .collect();
        writeln!(f, "terms: {}", list_or_none(&terms))?;
        let subject = &self.subject;
        let about = match (&subject.other, subject.own) {
            (Some(other), false) => format!("something else ({other}): not answered from the FAQ"),
            (Some(other), true) => format!("prolotherapy, also named with {other}"),
            (None, true) => "prolotherapy (named)".to_string(),
            (None, false) => "not named (taken as prolotherapy)".to_string(),
        };
        writeln!(f, "subject: {about}")?;
        writeln!(f, "frames: {}", list_or_none(&subject.frame_terms))?;
        writeln!(f, "{}", self.safety)?;
        writeln!(f, "candidates:")?;
        for (id, c) in &self.candidates {
            writeln!(
                f,
                "  {id}: {:.2} (explains {:.0}% of the question, covers {:.0}% of its closest phrasing)",
                c.confidence,
                c.question_coverage * 100.0,
                c.phrasing_coverage * 100.0
            )?;
        }
        write!(
            f,
            "decision: {} (confidence {:.2}): {}",
            self.decision.outcome(),
            self.decision.confidence(),
            self.rule
        )
    }
}

fn list_or_none(items: &[String]) -> String {
    if items.is_empty() {
        "none".into()
    } else {
        items.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small FAQ that exercises every stage: synonyms (one of them multi-word), a phrase
    /// keyword, typos and a red flag.
    const FAQ_AFTER_TEXTS: &str = r#"
[synonyms]
dextrose = ["sugar water", "glucose"]
cost = ["price", "expensive"]

[red_flags]
[[red_flags.rule]]
id = "chest"
title = "Chest pain"
category = "breathing-chest"
tier = "emergency"
all = [["chest pain"]]

[[entry]]
id = "ingredients"
title = "What is injected?"
medical = false
questions = ["what is in the injection", "is it dextrose", "what solution do they use"]
keywords = ["ingredients"]
answer = "Dextrose."

[[entry]]
id = "cost"
title = "How much does it cost?"
medical = false
questions = ["how much does it cost", "is insurance paying", "price per session"]
keywords = ["cost"]
answer = "It varies."

[[entry]]
id = "medicines"
title = "Medicines"
medical = false
questions = ["can I take my medicines", "what about warfarin", "is ibuprofen ok"]
keywords = ["blood thinner"]
answer = "Ask your prescriber."
"#;

    fn matcher() -> (Faq, Matcher) {
        let faq = Faq::from_toml_str(&crate::test_faq(FAQ_AFTER_TEXTS))
            .expect("valid test FAQ")
            .faq;
        let matcher = Matcher::new(&faq);
        (faq, matcher)
    }

    fn answered_id(faq: &Faq, matcher: &Matcher, question: &str) -> Option<String> {
        let decision = matcher.decide(question);
        decision.entry().map(|entry| faq.get(entry).id.clone())
    }

    #[test]
    fn routes_questions_through_synonyms_and_typos() {
        let (faq, matcher) = matcher();
        let cases = [
            ("is it just sugar water?", Some("ingredients")),
            ("whats in the injectoin", Some("ingredients")),
            ("is it expensive?", Some("cost")),
            ("how much does it cots", Some("cost")),
            ("can i take ibuprofen", Some("medicines")),
        ];
        for (question, expected) in cases {
            assert_eq!(
                answered_id(&faq, &matcher, question).as_deref(),
                expected,
                "{question:?}"
            );
        }
    }

    #[test]
    fn synonym_rewrites_and_corrections_are_explained() {
        let (_, matcher) = matcher();
        let explanation = matcher.explain("is the glucose injectoin expensive");
        assert!(explanation
            .synonyms
            .iter()
            .any(|s| s.variant == "glucos" && s.canonical == "dextros"));
        assert!(explanation.synonyms.iter().any(|s| s.canonical == "cost"));
        assert_eq!(
            explanation.corrections,
            [("injectoin".to_string(), "injection".to_string())]
        );
    }

    #[test]
    fn a_multi_word_keyword_counts_as_a_phrase() {
        let (_, matcher) = matcher();
        let terms = |q: &str| -> Vec<String> {
            matcher.explain(q).terms.into_iter().map(|t| t.0).collect()
        };
        assert!(terms("on a blood thinner").contains(&"blood thinner".to_string()));
        assert!(
            !terms("thinner blood").contains(&"blood thinner".to_string()),
            "order matters"
        );
    }

    #[test]
    fn confidence_is_in_unit_range_and_unknown_words_lower_it() {
        let (_, matcher) = matcher();
        let plain = matcher.decide("how much does it cost");
        let padded = matcher.decide("how much does it cost for my xylophone zebra quokka");
        assert!(
            (0.0..=1.0).contains(&plain.confidence()) && (0.0..=1.0).contains(&padded.confidence())
        );
        assert!(
            padded.confidence() < plain.confidence(),
            "{} !< {}",
            padded.confidence(),
            plain.confidence()
        );
    }

    #[test]
    fn off_topic_and_ambiguous_questions_are_not_answered() {
        let (_, matcher) = matcher();
        assert_eq!(
            matcher.decide("the weather in oslo tomorrow").outcome(),
            Outcome::NoMatch
        );
        assert_eq!(matcher.decide("").outcome(), Outcome::NoMatch);
        let both = matcher.decide("dextrose or ibuprofen?");
        assert_eq!(both.outcome(), Outcome::Suggest, "{both:?}");
        let faq = Faq::from_toml_str(&crate::test_faq(FAQ_AFTER_TEXTS))
            .expect("valid test FAQ")
            .faq;
        let mut suggested: Vec<&str> = both
            .suggestions()
            .iter()
            .map(|&entry| faq.get(entry).id.as_str())
            .collect();
        suggested.sort_unstable();
        assert_eq!(suggested, ["ingredients", "medicines"]);
    }

    #[test]
    fn red_flags_win_over_any_answer() {
        let (_, matcher) = matcher();
        let decision = matcher.decide("how much does it cost, I have chest pain");
        assert_eq!(decision.outcome(), Outcome::Emergency);
        assert_eq!(decision.rules(), [RuleRef::at(0)]);
        assert_eq!(decision.tier(), Some(Tier::Emergency));
        assert_eq!(decision.entry(), None);
    }
}
