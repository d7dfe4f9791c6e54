//! What teaching tells the moderator: what was taught ([`Taught`]) or undone ([`Undone`]), and
//! why nothing was written ([`Refusal`]), as plain text for the command line and Discord alike.

use std::fmt;

use super::edit::Change;

/// A question taught, and how the bot handled it before and handles it now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuestionResult {
    /// The question as written to the file.
    pub question: String,
    /// How the bot handled it before ("no match", "did you mean cost-insurance / procedure").
    pub before: String,
    /// How the bot handles it now.
    pub after: String,
}

/// What a teaching change did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Taught {
    /// What was added to the FAQ.
    pub change: Change,
    /// Each question taught, before and after.
    pub results: Vec<QuestionResult>,
    /// Questions left out, and why ("already one of its questions").
    pub left_out: Vec<String>,
    /// Words of the questions the FAQ did not use before: they now point to the entry.
    pub new_words: Vec<String>,
    /// Validation warnings the change brought, and anything else to know (the journal could
    /// not be written).
    pub warnings: Vec<String>,
    /// When forced: the checks that failed.
    pub forced_past: Option<Refusal>,
}

/// Why nothing was written, and what would help.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Refusal {
    /// Each failed check, one sentence each.
    pub reasons: Vec<String>,
    /// What the moderator could do instead.
    pub help: Vec<String>,
    /// Whether forcing would add it anyway: only matching checks failed (a forced change must
    /// still validate, and some requests have nothing to add).
    pub forceable: bool,
}

/// What an undo took out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Undone {
    /// The change taken out.
    pub change: Change,
    /// Who had taught it.
    pub by: String,
    /// Something to know although it was undone (the journal could not drop its line).
    pub warning: Option<String>,
}

impl Refusal {
    /// Adds a failed check: why, and what would help.
    pub(super) fn push(&mut self, reason: String, help: String) {
        self.reasons.push(reason);
        self.help.push(help);
    }
}

impl fmt::Display for Taught {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.change {
            Change::Phrasings { entry, questions } => {
                writeln!(f, "Taught {entry} {} new question(s):", questions.len())?;
            }
            Change::OffTopic { subjects } => {
                let subjects = quoted_list(subjects);
                writeln!(f, "Taught {subjects} as off-topic ([subjects] other):")?;
            }
        }
        for result in &self.results {
            writeln!(
                f,
                "- \"{}\": before: {}; now: {}",
                result.question, result.before, result.after
            )?;
        }
        if let (false, Change::Phrasings { entry, .. }) = (self.new_words.is_empty(), &self.change)
        {
            writeln!(
                f,
                "Words new to the FAQ, which now point to {entry} (keep only words specific to it): {}",
                self.new_words.join(", ")
            )?;
        }
        for note in &self.left_out {
            writeln!(f, "Left out: {note}")?;
        }
        for warning in &self.warnings {
            writeln!(f, "Warning: {warning}")?;
        }
        if let Some(refusal) = &self.forced_past {
            writeln!(f, "Added although:")?;
            for reason in &refusal.reasons {
                writeln!(f, "- {reason}")?;
            }
        }
        Ok(())
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Not taught; nothing was written.")?;
        for reason in &self.reasons {
            writeln!(f, "- {reason}")?;
        }
        if !self.help.is_empty() {
            writeln!(f, "What would help:")?;
            for help in &self.help {
                writeln!(f, "- {help}")?;
            }
        }
        Ok(())
    }
}

impl fmt::Display for Undone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Undone: took {} out of {} (taught by {}).",
            quoted_list(self.change.texts()),
            self.change.list_name(),
            self.by
        )?;
        if let Some(warning) = &self.warning {
            write!(f, "\nWarning: {warning}")?;
        }
        Ok(())
    }
}

/// `"a", "b"`.
pub(super) fn quoted_list(texts: &[String]) -> String {
    texts
        .iter()
        .map(|text| format!("\"{text}\""))
        .collect::<Vec<_>>()
        .join(", ")
}
