//! Safety detection: crises, emergencies and urgent symptoms, read before any FAQ matching and
//! never overridden by it.
//!
//! The rules, their word classes and their cues live in `faq.toml` (`[red_flags]`). A message
//! is read in four steps:
//! 1. its words become rule words (typos corrected towards the rules' own words, never from
//!    common English or the guard list);
//! 2. figures of speech and negated symptoms (`ignore` cues: "dying to know", "no fever") are
//!    removed;
//! 3. the frame is read from the cues, each matched word for word: is this a report of
//!    something happening (report and "now" cues) or a question about a risk or a habit, or
//!    something long ago or second-hand?
//! 4. a rule fires when each of its groups has a term in the message and the frame allows it
//!    (see [`When`]). A rule whose words are all present but which the frame holds back, and
//!    any distress cue, earn the safety-net line instead of silence.

mod pattern;

use std::ops::Range;

use crate::faq::{RedFlags, Tier, When};
use crate::fuzzy::{FuzzyIndex, MessageCorrector};
use crate::text::{Analyzer, Token};
use pattern::{Compiler, Live, Message, PatternRange, Patterns, WordId};

/// What the detector found in one message.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Assessment {
    /// Indices of the rules that fired.
    pub fired: Vec<usize>,
    /// The most serious tier among them.
    pub tier: Option<Tier>,
    /// No rule fired, but the message may report danger: a rule's words were all there and
    /// the frame held it back, or a distress cue was found.
    pub safety_net: bool,
    /// How the message reads.
    pub frame: Frame,
    /// Every rule whose words were all present, fired or held back, with the words that matched.
    pub evidence: Vec<Evidence>,
    /// The cues found, as (kind, words as typed); filled only by
    /// [`SafetyDetector::assess_in_detail`].
    pub cues: Vec<(CueKind, String)>,
}

/// How a message reads: a report of something happening, or not.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Frame {
    /// Report cues (one each) plus "now" cues (two each).
    pub report: u32,
    /// Question cues.
    pub question: u32,
    /// A "now" cue was found: it outweighs past and habitual cues.
    pub now: bool,
    /// A past or second-hand cue was found.
    pub past: bool,
    /// A habitual cue was found (each also counts as a question cue).
    pub habitual: bool,
}

/// How many words away from a crisis rule's words a past cue still speaks of them: "I
/// self-harmed in 2015, I'm well now" is the past, but a backstory ("pain since a crash in
/// 2017 ...") does not make the crisis it leads up to a past one. Symptom rules are held back
/// by a past cue anywhere in the message.
pub const PAST_REACH: usize = 8;

impl Frame {
    /// Why a rule with this `when` is held back, or `None` when it may fire; `past_nearby`
    /// says whether a past cue speaks of the rule's words (for crisis rules, one within
    /// [`PAST_REACH`] words of them).
    #[must_use]
    pub fn holds_back(&self, when: When, past_nearby: bool) -> Option<HeldBack> {
        let past = !self.now && past_nearby;
        match when {
            When::UnlessPast | When::Report if past => Some(HeldBack::Past),
            When::Report if self.question > self.report => Some(if self.habitual {
                HeldBack::Habitual
            } else {
                HeldBack::Question
            }),
            When::Always | When::UnlessPast | When::Report => None,
        }
    }
}

/// Why a rule whose words were all present did not fire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeldBack {
    /// The message asks about a risk rather than reporting it.
    Question,
    /// The message speaks of something long ago or second-hand.
    Past,
    /// The message speaks of a habit ("whenever I see a needle").
    Habitual,
}

impl HeldBack {
    /// A short explanation for `explain` output.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Question => "reads as a question about a risk",
            Self::Past => "speaks of the past or of someone else's story",
            Self::Habitual => "speaks of a habit, not an event",
        }
    }
}

/// A rule whose words were all in the message.
#[derive(Debug, Clone, PartialEq)]
pub struct Evidence {
    /// The rule's index.
    pub rule: usize,
    /// The rule's id.
    pub id: String,
    /// The rule's category.
    pub category: String,
    /// The rule's tier.
    pub tier: Tier,
    /// The message words that matched, one string per group, as typed; filled only by
    /// [`SafetyDetector::assess_in_detail`].
    pub words: Vec<String>,
    /// Why it did not fire, if it did not.
    pub held_back: Option<HeldBack>,
}

/// The kinds of cue, as named in `[red_flags.cues]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CueKind {
    /// A report of something happening.
    Report,
    /// Happening now.
    Now,
    /// A question about a risk.
    Question,
    /// Long ago or second-hand.
    Past,
    /// A habit.
    Habitual,
    /// A figure of speech or negated symptom, removed.
    Ignore,
    /// Distress.
    Distress,
}

impl CueKind {
    /// The name used in `faq.toml`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Report => "report",
            Self::Now => "now",
            Self::Question => "question",
            Self::Past => "past",
            Self::Habitual => "habitual",
            Self::Ignore => "ignore",
            Self::Distress => "distress",
        }
    }
}

impl std::fmt::Display for Assessment {
    /// The safety part of `prolobot explain` and `/faqmod test`: tier, rules with the words
    /// that fired them, rules held back and why, and the cues found.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let tier = self.tier.map_or("none", Tier::as_str);
        let net = if self.safety_net {
            " (safety-net line)"
        } else {
            ""
        };
        writeln!(f, "safety: {tier}{net}")?;
        for evidence in &self.evidence {
            let status = evidence.held_back.map_or_else(
                || "fired".to_string(),
                |why| format!("held back: {}", why.as_str()),
            );
            writeln!(
                f,
                "  rule {} ({} {}): {} [{}]",
                evidence.id,
                evidence.tier,
                evidence.category,
                status,
                evidence.words.join(" + ")
            )?;
        }
        let cues: Vec<String> = self
            .cues
            .iter()
            .map(|(kind, words)| format!("{}: {words}", kind.as_str()))
            .collect();
        let frame = self.frame;
        write!(
            f,
            "  cues: {} (report {}, question {}{}{}{})",
            if cues.is_empty() {
                "none".to_string()
            } else {
                cues.join(", ")
            },
            frame.report,
            frame.question,
            if frame.now { ", now" } else { "" },
            if frame.past { ", past" } else { "" },
            if frame.habitual { ", habitual" } else { "" },
        )
    }
}

struct Rule {
    id: String,
    category: String,
    groups: Vec<PatternRange>,
    tier: Tier,
    when: When,
}

/// The FAQ's safety rules and cues, compiled.
pub struct SafetyDetector {
    rules: Vec<Rule>,
    /// Figures of speech and negated symptoms, removed before anything else is read.
    ignore: PatternRange,
    /// The other cue patterns, by kind.
    cues: Vec<(CueKind, PatternRange)>,
    patterns: Patterns,
    words: std::collections::HashMap<String, WordId>,
    typed_forms: std::collections::HashMap<String, WordId>,
    guard: std::collections::HashSet<String>,
    /// Stems of words known to be spelt right (the FAQ's own), never typo-corrected.
    real_words: std::collections::HashSet<String>,
    fuzzy: FuzzyIndex,
}

impl std::fmt::Debug for SafetyDetector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SafetyDetector")
            .field("rules", &self.rules.len())
            .field("words", &self.words.len())
            .finish_non_exhaustive()
    }
}

impl SafetyDetector {
    /// Compiles the FAQ's rules and cues.
    #[must_use]
    pub fn new(red_flags: &RedFlags, analyzer: &Analyzer) -> Self {
        let mut compiler = Compiler::new(analyzer, &red_flags.classes);
        let cues = &red_flags.cues;
        let ignore = compiler.compile_cues(&cues.ignore);
        let cues = vec![
            (CueKind::Report, compiler.compile_cues(&cues.report)),
            (CueKind::Now, compiler.compile_cues(&cues.now)),
            (CueKind::Question, compiler.compile_cues(&cues.question)),
            (CueKind::Past, compiler.compile_cues(&cues.past)),
            (CueKind::Habitual, compiler.compile_cues(&cues.habitual)),
            (CueKind::Distress, compiler.compile_cues(&cues.distress)),
        ];
        let rules = red_flags
            .rules
            .iter()
            .map(|rule| Rule {
                id: rule.id.clone(),
                category: rule.category.clone(),
                groups: rule
                    .groups
                    .iter()
                    .map(|group| compiler.compile_all(group))
                    .collect(),
                tier: rule.tier,
                when: rule.when,
            })
            .collect();
        let guard = red_flags
            .guard
            .iter()
            .flat_map(|g| analyzer.tokens(g))
            .map(|t| t.stem)
            .collect();
        let (vocabulary, patterns) = compiler.finish();
        // Sorted, so that ties between equally close words break the same way every run.
        let mut forms: Vec<&String> = vocabulary.typed_forms.keys().collect();
        forms.sort_unstable();
        let fuzzy = FuzzyIndex::new(forms.into_iter().map(|w| (w.clone(), 1)));
        Self {
            rules,
            ignore,
            cues,
            patterns,
            words: vocabulary.stems,
            typed_forms: vocabulary.typed_forms,
            guard,
            real_words: std::collections::HashSet::new(),
            fuzzy,
        }
    }

    /// Declares stems that are real words (the FAQ's own vocabulary): a message word with one
    /// of these stems is never read as a typo of a safety word. It also saves the typo lookup
    /// for most words of an ordinary question.
    #[must_use]
    pub fn with_real_words(mut self, real_words: std::collections::HashSet<String>) -> Self {
        self.real_words = real_words;
        self
    }

    /// Reads a message's tokens.
    #[must_use]
    pub fn assess(&self, tokens: &[Token]) -> Assessment {
        self.read(tokens, false)
    }

    /// Like [`SafetyDetector::assess`], and also records the words of every cue and rule found
    /// (for `explain`; a plain decision skips building those strings).
    #[must_use]
    pub fn assess_in_detail(&self, tokens: &[Token]) -> Assessment {
        self.read(tokens, true)
    }

    fn read(&self, tokens: &[Token], detail: bool) -> Assessment {
        let mut assessment = Assessment::default();
        if self.rules.is_empty() && self.cues.iter().all(|(_, p)| p.is_empty()) {
            return assessment;
        }
        let mut corrector = MessageCorrector::new(&self.fuzzy);
        let mut message = Message::new(
            tokens
                .iter()
                .map(|t| self.word_id(t, &mut corrector))
                .collect(),
        );
        let words = |span: &Range<usize>| {
            tokens[span.clone()]
                .iter()
                .map(|t| t.word.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        };
        // Only patterns whose first word is in the message are tried; removing words later
        // only shrinks what can match, so this stays a safe superset.
        let live = self.patterns.live(&message);
        // Most messages are ordinary questions that no rule can match even before anything
        // is removed: then only distress matters, and the cues need not be read.
        let any_rule = self.rules.iter().any(|rule| {
            rule.groups
                .iter()
                .all(|group| self.find_in(&message, &live, group).is_some())
        });
        if !any_rule && !detail {
            assessment.safety_net = self
                .cues
                .iter()
                .filter(|(kind, _)| *kind == CueKind::Distress)
                .any(|(_, range)| self.find_in(&message, &live, range).is_some());
            return assessment;
        }
        // Every ignore pattern is found before anything is removed, then the cues are read.
        let ignored: Vec<Range<usize>> = live
            .within(&self.ignore)
            .flat_map(|p| {
                let spans = message.find_all(self.patterns.get(p));
                if detail {
                    if let Some(first) = spans.first() {
                        assessment.cues.push((CueKind::Ignore, words(first)));
                    }
                }
                spans
            })
            .collect();
        message.blank(&ignored);
        let mut found: Vec<(CueKind, Vec<Range<usize>>)> = Vec::with_capacity(self.cues.len());
        for (kind, patterns) in &self.cues {
            let mut spans = Vec::new();
            for pattern in live.within(patterns) {
                let all = message.find_all(self.patterns.get(pattern));
                if let Some(first) = all.first() {
                    if detail {
                        assessment.cues.push((*kind, words(first)));
                    }
                }
                spans.extend(all);
            }
            found.push((*kind, spans));
        }
        let (frame, past_spans, distress) = read_frame(found);
        assessment.frame = frame;
        for (index, rule) in self.rules.iter().enumerate() {
            let spans: Option<Vec<Range<usize>>> = rule
                .groups
                .iter()
                .map(|group| self.find_in(&message, &live, group))
                .collect();
            let Some(spans) = spans else { continue };
            // A crisis is held back only by a past cue that speaks of it; symptoms by any.
            let past_nearby = match rule.when {
                When::UnlessPast => spans
                    .iter()
                    .any(|m| past_spans.iter().any(|p| gap_between(m, p) <= PAST_REACH)),
                When::Report | When::Always => !past_spans.is_empty(),
            };
            let held_back = assessment.frame.holds_back(rule.when, past_nearby);
            let matched = if detail {
                spans.iter().map(&words).collect()
            } else {
                Vec::new()
            };
            if held_back.is_none() {
                assessment.fired.push(index);
                assessment.tier = assessment.tier.max(Some(rule.tier));
            }
            assessment.evidence.push(Evidence {
                rule: index,
                id: rule.id.clone(),
                category: rule.category.clone(),
                tier: rule.tier,
                words: matched,
                held_back,
            });
        }
        assessment.safety_net =
            assessment.fired.is_empty() && (distress || !assessment.evidence.is_empty());
        assessment
    }

    /// The first pattern of `range` found in `message`, as its span.
    fn find_in(
        &self,
        message: &Message,
        live: &Live,
        range: &PatternRange,
    ) -> Option<Range<usize>> {
        live.within(range)
            .find_map(|p| message.find(self.patterns.get(p)))
    }

    /// The rule word a token is (after typo correction), if any.
    fn word_id(&self, token: &Token, corrector: &mut MessageCorrector<'_>) -> Option<WordId> {
        if let Some(&id) = self.words.get(&token.stem) {
            return Some(id);
        }
        if token.stop
            || token.common
            || self.guard.contains(&token.stem)
            || self.real_words.contains(&token.stem)
        {
            return None;
        }
        corrector
            .correct(&token.word)
            .and_then(|word| self.typed_forms.get(word))
            .copied()
    }
}

/// The frame, the past cues' spans, and whether a distress cue was found, from the spans of
/// every kind of cue. A report cue inside a question cue ("i have" in "could i have") is part
/// of the question; overlapping finds of one kind count once.
fn read_frame(found: Vec<(CueKind, Vec<Range<usize>>)>) -> (Frame, Vec<Range<usize>>, bool) {
    let questions: Vec<Range<usize>> = found
        .iter()
        .filter(|(kind, _)| *kind == CueKind::Question)
        .flat_map(|(_, spans)| spans.iter().cloned())
        .collect();
    let mut frame = Frame::default();
    let mut past_spans: Vec<Range<usize>> = Vec::new();
    let mut distress = false;
    for (kind, mut spans) in found {
        if kind == CueKind::Report {
            spans.retain(|s| {
                !questions
                    .iter()
                    .any(|q| q.start <= s.start && s.end <= q.end)
            });
        }
        if spans.is_empty() {
            continue;
        }
        let count = distinct(&mut spans);
        match kind {
            // Ignored words are removed before the frame is read.
            CueKind::Ignore => {}
            CueKind::Report => frame.report += count,
            CueKind::Now => {
                frame.report += 2 * count;
                frame.now = true;
            }
            CueKind::Question => frame.question += count,
            CueKind::Past => {
                frame.past = true;
                past_spans = spans;
            }
            CueKind::Habitual => {
                frame.question += count;
                frame.habitual = true;
            }
            CueKind::Distress => distress = true,
        }
    }
    (frame, past_spans, distress)
}

/// Words between two spans (0 when they touch or overlap).
fn gap_between(a: &Range<usize>, b: &Range<usize>) -> usize {
    if a.end <= b.start {
        b.start - a.end
    } else {
        a.start.saturating_sub(b.end)
    }
}

/// Sorts spans and counts the groups of overlapping ones.
fn distinct(spans: &mut [Range<usize>]) -> u32 {
    spans.sort_unstable_by_key(|s| (s.start, s.end));
    let mut count = 0;
    let mut end = 0;
    for span in spans.iter() {
        if count == 0 || span.start >= end {
            count += 1;
            end = span.end;
        } else {
            end = end.max(span.end);
        }
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::faq::{Cues, RedFlagRule, WordClass};

    fn rule(id: &str, tier: Tier, when: When, groups: &[&[&str]]) -> RedFlagRule {
        RedFlagRule {
            id: id.into(),
            title: id.into(),
            category: id.into(),
            tier,
            when,
            groups: groups
                .iter()
                .map(|g| g.iter().map(|t| (*t).to_string()).collect())
                .collect(),
            advice: None,
        }
    }

    fn strings(terms: &[&str]) -> Vec<String> {
        terms.iter().map(|t| (*t).to_string()).collect()
    }

    fn detector() -> SafetyDetector {
        let red_flags = RedFlags {
            guard: strings(&["ever", "never"]),
            classes: vec![
                WordClass {
                    name: "harm".into(),
                    terms: strings(&["hurt", "kill", "harm"]),
                },
                WordClass {
                    name: "self".into(),
                    terms: strings(&["myself", "himself", "herself"]),
                },
            ],
            cues: Cues {
                report: strings(&["i have", "is this normal"]),
                now: strings(&["since", "right now"]),
                question: strings(&["can it", "how common", "is it normal"]),
                past: strings(&["years ago"]),
                habitual: strings(&["whenever"]),
                ignore: strings(&["no fever", "dying to"]),
                distress: strings(&["hopeless"]),
            },
            rules: vec![
                rule(
                    "infection",
                    Tier::Urgent,
                    When::Report,
                    &[&["fever", "temperature"]],
                ),
                rule(
                    "self-harm",
                    Tier::Crisis,
                    When::UnlessPast,
                    &[&["<harm> <self>"]],
                ),
                rule("collapse", Tier::Emergency, When::Report, &[&["fainted"]]),
            ],
        };
        SafetyDetector::new(&red_flags, &Analyzer::default())
    }

    fn assess(message: &str) -> Assessment {
        detector().assess(&Analyzer::default().tokens(message))
    }

    #[test]
    fn a_bare_statement_is_a_report() {
        let found = assess("running a fevr since the shot");
        assert_eq!((found.fired, found.tier), (vec![0], Some(Tier::Urgent)));
        assert_eq!(assess("fever, knee swollen").tier, Some(Tier::Urgent));
    }

    #[test]
    fn a_question_about_a_risk_gets_the_safety_net_not_a_tier() {
        let found = assess("can it give you a fever? how common is that");
        assert_eq!(found.tier, None);
        assert!(found.safety_net);
        assert_eq!(found.evidence[0].held_back, Some(HeldBack::Question));
    }

    #[test]
    fn report_cues_outweigh_question_cues_on_a_tie() {
        assert_eq!(
            assess("I have a fever, is it normal?").tier,
            Some(Tier::Urgent)
        );
        assert_eq!(
            assess("fever since yesterday, can it be the prolo, how common is it?").tier,
            Some(Tier::Urgent),
            "a now cue counts two"
        );
    }

    #[test]
    fn past_and_habitual_hold_back_unless_now() {
        assert_eq!(assess("fainted years ago at the dentist").tier, None);
        assert_eq!(assess("whenever I see a needle I fainted").tier, None);
        assert_eq!(
            assess("I fainted years ago and again right now").tier,
            Some(Tier::Emergency)
        );
    }

    #[test]
    fn crisis_rules_fire_on_questions_but_not_on_the_past() {
        assert_eq!(
            assess("can it be wrong that I want to hurt myself").tier,
            Some(Tier::Crisis)
        );
        let past = assess("I used to harm myself years ago");
        assert_eq!(past.tier, None);
        assert!(past.safety_net);
        assert_eq!(
            assess("my brother says he'll kill himself").tier,
            Some(Tier::Crisis)
        );
    }

    #[test]
    fn ignored_phrases_and_negations_are_removed_first() {
        assert_eq!(assess("no fever, just sore").tier, None);
        assert!(!assess("no fever, just sore").safety_net);
        assert!(assess("dying to know the price").evidence.is_empty());
    }

    #[test]
    fn overlapping_cues_count_once() {
        let mut spans = vec![3..5, 0..2, 4..6, 1..2];
        assert_eq!(distinct(&mut spans), 2);
        assert_eq!(distinct(&mut []), 0);
    }

    #[test]
    fn distress_alone_earns_the_safety_net() {
        let found = assess("feeling hopeless about my knee");
        assert_eq!(found.tier, None);
        assert!(found.safety_net);
        assert!(!assess("how much does it cost").safety_net);
    }

    #[test]
    fn the_most_serious_tier_wins_and_common_words_are_not_corrected() {
        let found = assess("fainted and now a fever, I want to hurt myself");
        assert_eq!(found.tier, Some(Tier::Crisis));
        assert_eq!(found.fired, [0, 1, 2]);
        assert!(
            assess("worst knee ever").evidence.is_empty(),
            "ever is not fever"
        );
    }
}
