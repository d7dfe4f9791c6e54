//! Labelled safety sets: reports that must be flagged at their tier or higher, and look-alikes
//! that must not be flagged.
//!
//! The format is the one of `tests/data/safety.toml`: `[[report]]` tables with `text`, `tier`
//! (`urgent`, `emergency` or `crisis`) and `category`, and `[[lookalike]]` tables with `text`
//! and `kind` (free text, for the summary).

use std::fmt;

use serde::Deserialize;

use super::{EvalError, Tally};
use crate::faq::Tier;
use crate::knowledge::Knowledge;

/// A message that reports danger.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Report {
    /// The message.
    pub text: String,
    /// The lowest tier that is a right response.
    pub tier: String,
    /// The category, for the summary.
    pub category: String,
}

/// A message that shares words with reports but reports no danger.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lookalike {
    /// The message.
    pub text: String,
    /// What kind of look-alike it is, for the summary.
    pub kind: String,
}

/// A whole safety set.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SafetySet {
    /// The reports.
    #[serde(default)]
    pub report: Vec<Report>,
    /// The look-alikes.
    #[serde(default)]
    pub lookalike: Vec<Lookalike>,
}

impl SafetySet {
    /// Parses a safety set and checks its tiers.
    pub fn parse(source: &str) -> Result<Self, EvalError> {
        let set: Self = toml::from_str(source)?;
        if let Some((index, report)) = set
            .report
            .iter()
            .enumerate()
            .find(|(_, r)| Tier::parse(&r.tier).is_none())
        {
            return Err(EvalError::UnknownLabel {
                index: index + 1,
                expect: report.tier.clone(),
            });
        }
        Ok(set)
    }

    /// Whether a case file looks like a safety set rather than a question set.
    #[must_use]
    pub fn is_safety_set(source: &str) -> bool {
        source.lines().any(|line| {
            let line = line.trim();
            line == "[[report]]" || line == "[[lookalike]]"
        })
    }
}

/// How one message of a safety set was read.
#[derive(Debug, Clone)]
pub struct SafetyResult {
    /// The message.
    pub text: String,
    /// The label: the report's `tier/category`, or the look-alike's kind.
    pub label: String,
    /// The tier it should reach (`None` for look-alikes).
    pub expected: Option<Tier>,
    /// The tier it reached.
    pub got: Option<Tier>,
    /// Whether it got the safety-net line.
    pub safety_net: bool,
}

impl SafetyResult {
    /// A report flagged at its tier or higher, or a look-alike not flagged.
    #[must_use]
    pub fn correct(&self) -> bool {
        match self.expected {
            Some(expected) => self.got >= Some(expected),
            None => self.got.is_none(),
        }
    }
}

/// The results of a safety set.
#[derive(Debug, Clone)]
pub struct SafetyReport {
    /// Reports, then look-alikes, in file order.
    pub results: Vec<SafetyResult>,
}

impl SafetyReport {
    /// Runs every message through `knowledge`.
    #[must_use]
    pub fn run(knowledge: &Knowledge, set: &SafetySet) -> Self {
        let reports = set.report.iter().map(|r| {
            (
                &r.text,
                format!("{}/{}", r.tier, r.category),
                Tier::parse(&r.tier),
            )
        });
        let lookalikes = set
            .lookalike
            .iter()
            .map(|l| (&l.text, l.kind.clone(), None));
        let results = reports
            .chain(lookalikes)
            .map(|(text, label, expected)| {
                let decision = knowledge.decide(text);
                SafetyResult {
                    text: text.clone(),
                    label,
                    expected,
                    got: decision.tier(),
                    safety_net: decision.safety_net(),
                }
            })
            .collect();
        Self { results }
    }

    /// Of the results `filter` keeps, how many `counts` (in `correct`).
    fn tally(
        &self,
        filter: impl Fn(&SafetyResult) -> bool,
        counts: impl Fn(&SafetyResult) -> bool,
    ) -> Tally {
        self.results
            .iter()
            .filter(|r| filter(r))
            .fold(Tally::default(), |t, r| Tally {
                correct: t.correct + usize::from(counts(r)),
                total: t.total + 1,
            })
    }

    /// Every message: reports at their tier, look-alikes not flagged.
    #[must_use]
    pub fn overall(&self) -> Tally {
        self.tally(|_| true, SafetyResult::correct)
    }

    /// Reports flagged at their tier or higher.
    #[must_use]
    pub fn recall(&self) -> Tally {
        self.tally(|r| r.expected.is_some(), SafetyResult::correct)
    }

    /// Reports flagged at any tier (a lower tier still is not silence).
    #[must_use]
    pub fn flagged(&self) -> Tally {
        self.tally(|r| r.expected.is_some(), |r| r.got.is_some())
    }

    /// Look-alikes not flagged.
    #[must_use]
    pub fn lookalikes_clear(&self) -> Tally {
        self.tally(|r| r.expected.is_none(), SafetyResult::correct)
    }

    /// Look-alikes flagged as an emergency or crisis (`correct` counts them).
    #[must_use]
    pub fn lookalikes_as_emergency(&self) -> Tally {
        self.tally(|r| r.expected.is_none(), |r| r.got >= Some(Tier::Emergency))
    }

    /// Per label, in order of first appearance.
    #[must_use]
    pub fn per_label(&self) -> Vec<(String, Tally)> {
        let mut labels: Vec<&str> = Vec::new();
        for r in &self.results {
            if !labels.contains(&r.label.as_str()) {
                labels.push(&r.label);
            }
        }
        labels
            .into_iter()
            .map(|label| {
                let tally = self.tally(|r| r.label == label, SafetyResult::correct);
                (label.to_string(), tally)
            })
            .collect()
    }
}

impl fmt::Display for SafetyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tier = |t: Option<Tier>| t.map_or("none", Tier::as_str);
        writeln!(f, "per label (right/total):")?;
        for (label, t) in self.per_label() {
            writeln!(
                f,
                "  {label:<28} {:>3}/{:<3} {:>6.1}%",
                t.correct,
                t.total,
                t.rate() * 100.0
            )?;
        }
        let misses: Vec<&SafetyResult> = self.results.iter().filter(|r| !r.correct()).collect();
        if !misses.is_empty() {
            writeln!(f, "misses:")?;
            for r in misses {
                let net = if r.safety_net { " +net" } else { "" };
                writeln!(
                    f,
                    "  {} expected {} got {}{net}: {:?}",
                    r.label,
                    tier(r.expected),
                    tier(r.got),
                    r.text
                )?;
            }
        }
        let pct = |t: Tally| t.rate() * 100.0;
        let (recall, flagged, clear, emergencies) = (
            self.recall(),
            self.flagged(),
            self.lookalikes_clear(),
            self.lookalikes_as_emergency(),
        );
        writeln!(
            f,
            "reports flagged at their tier or higher: {}/{} ({:.1}%)",
            recall.correct,
            recall.total,
            pct(recall)
        )?;
        writeln!(
            f,
            "reports flagged at any tier: {}/{} ({:.1}%)",
            flagged.correct,
            flagged.total,
            pct(flagged)
        )?;
        writeln!(
            f,
            "look-alikes not flagged: {}/{} ({:.1}%)",
            clear.correct,
            clear.total,
            pct(clear)
        )?;
        write!(
            f,
            "look-alikes flagged as emergency or crisis: {}/{}",
            emergencies.correct, emergencies.total
        )
    }
}
