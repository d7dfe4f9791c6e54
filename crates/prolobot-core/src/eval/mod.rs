//! Labelled question sets: running them through the matcher and summarising how it did.
//!
//! The file format is the one of `shared/eval/questions.toml`: `[[case]]` tables with `q` (the
//! message) and `expect` (an entry id, `emergency` or `no_match`). An id case is right when it
//! is answered with that id; an emergency case when it is flagged; a no-match case when it is
//! not answered (no match, or a "did you mean" that leaves the choice to the user).
//! Safety sets (`[[report]]` and `[[lookalike]]`) are run by [`SafetyReport`].

mod safety;

use std::fmt;

use serde::Deserialize;

pub use safety::{Lookalike, Report, SafetyReport, SafetyResult, SafetySet};

use crate::faq::Faq;
use crate::knowledge::Knowledge;
use crate::matcher::Outcome;

const EMERGENCY: &str = "emergency";
const NO_MATCH: &str = "no_match";

/// One labelled question.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    /// The message.
    pub q: String,
    /// The expected entry id, `emergency` or `no_match`.
    pub expect: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseFile {
    case: Vec<Case>,
}

/// Why an evaluation file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    /// Not a valid case file.
    #[error("not a valid eval file: {0}")]
    Parse(#[from] toml::de::Error),
    /// A case expects an id the FAQ does not have.
    #[error("case {index} expects `{expect}`, which is not an entry id of the FAQ, emergency or no_match (or, in a safety set, a tier: urgent, emergency, crisis)")]
    UnknownLabel {
        /// 1-based case number.
        index: usize,
        /// The label.
        expect: String,
    },
}

/// Parses a case file and checks its labels against the FAQ.
pub fn parse_cases(source: &str, faq: &Faq) -> Result<Vec<Case>, EvalError> {
    let cases = toml::from_str::<CaseFile>(source)?.case;
    for (i, case) in cases.iter().enumerate() {
        let known = case.expect == EMERGENCY
            || case.expect == NO_MATCH
            || faq.entry(&case.expect).is_some();
        if !known {
            return Err(EvalError::UnknownLabel {
                index: i + 1,
                expect: case.expect.clone(),
            });
        }
    }
    Ok(cases)
}

/// What happened to one case.
#[derive(Debug, Clone)]
pub struct CaseResult {
    /// The case.
    pub case: Case,
    /// The outcome.
    pub outcome: Outcome,
    /// The answered id, or for suggestions the suggested ids joined by `|`.
    pub got: Option<String>,
    /// Confidence of the best entry.
    pub confidence: f32,
    /// Whether it counts as right.
    pub correct: bool,
}

/// Results of a whole set.
#[derive(Debug, Clone)]
pub struct EvalReport {
    /// Per case, in file order.
    pub results: Vec<CaseResult>,
}

/// Correct and total for one slice of the cases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Tally {
    /// Cases judged right.
    pub correct: usize,
    /// Cases.
    pub total: usize,
}

impl Tally {
    /// `correct / total`, or 1 for an empty slice.
    #[must_use]
    pub fn rate(self) -> f64 {
        if self.total == 0 {
            1.0
        } else {
            self.correct as f64 / self.total as f64
        }
    }
}

impl EvalReport {
    /// Runs every case through `knowledge`.
    #[must_use]
    pub fn run(knowledge: &Knowledge, cases: &[Case]) -> Self {
        let faq = knowledge.faq();
        let results = cases
            .iter()
            .map(|case| {
                let decision = knowledge.decide(&case.q);
                let outcome = decision.outcome();
                let id = |entry| faq.get(entry).id.clone();
                let got = match outcome {
                    Outcome::Answer | Outcome::Clinic | Outcome::Help => decision.entry().map(id),
                    Outcome::Suggest => Some(
                        decision
                            .suggestions()
                            .iter()
                            .map(|&entry| id(entry))
                            .collect::<Vec<_>>()
                            .join("|"),
                    ),
                    Outcome::NoMatch | Outcome::Emergency => None,
                };
                let correct = match case.expect.as_str() {
                    EMERGENCY => outcome == Outcome::Emergency,
                    // Declined: not answered as the subject (a service reply is no such answer).
                    NO_MATCH => !matches!(outcome, Outcome::Answer | Outcome::Emergency),
                    expected => {
                        matches!(outcome, Outcome::Answer | Outcome::Clinic | Outcome::Help)
                            && got.as_deref() == Some(expected)
                    }
                };
                CaseResult {
                    case: case.clone(),
                    outcome,
                    got,
                    confidence: decision.confidence(),
                    correct,
                }
            })
            .collect();
        Self { results }
    }

    fn tally(
        &self,
        filter: impl Fn(&CaseResult) -> bool,
        right: impl Fn(&CaseResult) -> bool,
    ) -> Tally {
        self.results
            .iter()
            .filter(|r| filter(r))
            .fold(Tally::default(), |t, r| Tally {
                correct: t.correct + usize::from(right(r)),
                total: t.total + 1,
            })
    }

    /// All cases.
    #[must_use]
    pub fn overall(&self) -> Tally {
        self.tally(|_| true, |r| r.correct)
    }

    /// Cases that expect an entry id, answered with it.
    #[must_use]
    pub fn faq_accuracy(&self) -> Tally {
        self.tally(|r| !is_special(&r.case.expect), |r| r.correct)
    }

    /// Emergency cases flagged.
    #[must_use]
    pub fn emergency_recall(&self) -> Tally {
        self.tally(|r| r.case.expect == EMERGENCY, |r| r.correct)
    }

    /// Non-emergency cases flagged as emergencies (`correct` counts the false alarms).
    #[must_use]
    pub fn false_emergencies(&self) -> Tally {
        self.tally(
            |r| r.case.expect != EMERGENCY,
            |r| r.outcome == Outcome::Emergency,
        )
    }

    /// Off-topic cases that were answered anyway (`correct` counts the wrong answers).
    #[must_use]
    pub fn off_topic_answered(&self) -> Tally {
        self.tally(
            |r| r.case.expect == NO_MATCH,
            |r| r.outcome == Outcome::Answer,
        )
    }

    /// Per expected label, in order of first appearance.
    #[must_use]
    pub fn per_label(&self) -> Vec<(String, Tally)> {
        let mut labels: Vec<String> = Vec::new();
        for r in &self.results {
            if !labels.contains(&r.case.expect) {
                labels.push(r.case.expect.clone());
            }
        }
        labels
            .into_iter()
            .map(|label| {
                let tally = self.tally(|r| r.case.expect == label, |r| r.correct);
                (label, tally)
            })
            .collect()
    }
}

fn is_special(label: &str) -> bool {
    label == EMERGENCY || label == NO_MATCH
}

/// The confidence bands of the reliability table: answers below 0.6, then tenths, then 0.9
/// and above.
const BANDS: [(f32, f32); 5] = [(0.0, 0.6), (0.6, 0.7), (0.7, 0.8), (0.8, 0.9), (0.9, 1.01)];

/// How often answers in one confidence band were right.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Band {
    /// The lowest confidence in the band.
    pub from: f32,
    /// The confidence the band stays below (above 1 for the last band).
    pub below: f32,
    /// Answers in the band that were right, of all answers in it.
    pub answers: Tally,
}

impl EvalReport {
    /// The reliability table: for each confidence band, how many of the questions answered
    /// with an entry were answered right (a question that should not have been answered
    /// counts as wrong).
    #[must_use]
    pub fn reliability(&self) -> Vec<Band> {
        BANDS
            .iter()
            .map(|&(from, below)| Band {
                from,
                below,
                answers: self.tally(
                    |r| r.outcome == Outcome::Answer && (from..below).contains(&r.confidence),
                    |r| r.correct,
                ),
            })
            .collect()
    }
}

impl fmt::Display for EvalReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "per label:")?;
        for (label, t) in self.per_label() {
            writeln!(
                f,
                "  {label:<22} {:>3}/{:<3} {:>6.1}%",
                t.correct,
                t.total,
                t.rate() * 100.0
            )?;
        }
        let misses: Vec<&CaseResult> = self.results.iter().filter(|r| !r.correct).collect();
        if !misses.is_empty() {
            writeln!(f, "misses:")?;
            for r in misses {
                let got = r
                    .got
                    .as_deref()
                    .map(|g| format!(" {g}"))
                    .unwrap_or_default();
                writeln!(
                    f,
                    "  expected {} got {}{got} ({:.2}): {:?}",
                    r.case.expect, r.outcome, r.confidence, r.case.q
                )?;
            }
        }
        writeln!(
            f,
            "reliability of answers (confidence band: right/answered):"
        )?;
        for band in self.reliability() {
            let t = band.answers;
            writeln!(
                f,
                "  {:.1}-{:<4} {:>4}/{:<4} {:>6.1}%",
                band.from,
                if band.below > 1.0 {
                    "1.0".to_string()
                } else {
                    format!("{:.1}", band.below)
                },
                t.correct,
                t.total,
                t.rate() * 100.0
            )?;
        }
        let pct = |t: Tally| t.rate() * 100.0;
        let (faq, emergency, alarms, off_topic, overall) = (
            self.faq_accuracy(),
            self.emergency_recall(),
            self.false_emergencies(),
            self.off_topic_answered(),
            self.overall(),
        );
        writeln!(
            f,
            "FAQ questions answered with the right entry: {}/{} ({:.1}%)",
            faq.correct,
            faq.total,
            pct(faq)
        )?;
        writeln!(
            f,
            "emergency recall: {}/{} ({:.1}%)",
            emergency.correct,
            emergency.total,
            pct(emergency)
        )?;
        writeln!(f, "false emergencies: {}/{}", alarms.correct, alarms.total)?;
        writeln!(
            f,
            "off-topic questions answered: {}/{} ({:.1}%)",
            off_topic.correct,
            off_topic.total,
            pct(off_topic)
        )?;
        write!(
            f,
            "overall accuracy: {}/{} ({:.1}%)",
            overall.correct,
            overall.total,
            pct(overall)
        )
    }
}
