//! The FAQ knowledge base: the checked model of `faq.toml` and how it is loaded.
//!
//! [`Faq::from_toml_str`] parses and validates in one go and reports every problem it finds,
//! each with a line and column; [`Faq::load`] only adds reading the file. A `Faq` that exists
//! has passed validation, so the rest of the bot never sees a half-valid knowledge base.

mod problem;
mod raw;
mod validate;

use std::path::{Path, PathBuf};

pub use problem::{Diagnostic, Problem, Severity};

/// The whole knowledge base.
#[derive(Debug, Clone)]
pub struct Faq {
    /// When the content was last reviewed, as written (a TOML date).
    pub reviewed: Option<String>,
    /// Bot-wide texts.
    pub texts: Texts,
    /// Decision thresholds for the matcher.
    pub thresholds: Thresholds,
    /// Synonym groups: what people type, mapped to the FAQ's own word.
    pub synonyms: Vec<Synonym>,
    /// Emergency detection rules.
    pub red_flags: RedFlags,
    /// The entries, in file order.
    pub entries: Vec<Entry>,
}

/// Bot-wide texts from `[texts]`.
#[derive(Debug, Clone)]
pub struct Texts {
    /// Appended to every reply.
    pub disclaimer: String,
    /// Urgent-care guidance, shown first when a red flag fires.
    pub emergency: String,
    /// What to do when nothing fits.
    pub no_match: String,
    /// Optional clinic or moderator contact line.
    pub contact: Option<String>,
}

/// When the matcher answers, suggests or gives up.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    /// Minimum confidence to answer with one entry.
    pub answer: f32,
    /// Minimum confidence to offer "did you mean".
    pub suggest: f32,
    /// Minimum lead of the best entry over the runner-up to answer.
    pub margin: f32,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            answer: 0.55,
            suggest: 0.30,
            margin: 0.10,
        }
    }
}

/// One synonym group.
#[derive(Debug, Clone)]
pub struct Synonym {
    /// The FAQ's own term.
    pub canonical: String,
    /// What people type instead (words or phrases).
    pub variants: Vec<String>,
}

/// Emergency rules and the words that must never be typo-corrected into a red-flag word.
#[derive(Debug, Clone, Default)]
pub struct RedFlags {
    /// Common words that are never fuzzy-matched ("ever" is not "fever").
    pub guard: Vec<String>,
    /// The rules.
    pub rules: Vec<RedFlagRule>,
}

/// A red-flag rule: fires when every group has at least one of its terms in the message.
#[derive(Debug, Clone)]
pub struct RedFlagRule {
    /// Kebab-case id, recorded in statistics.
    pub id: String,
    /// What the rule detects.
    pub title: String,
    /// Groups of alternative terms (words or phrases); all groups must occur.
    pub groups: Vec<Vec<String>>,
    /// Extra guidance for this rule, after the general emergency text.
    pub advice: Option<String>,
}

/// One FAQ entry.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Kebab-case, unique.
    pub id: String,
    /// Shown as the heading and in lists.
    pub title: String,
    /// Medical entries must have sources.
    pub medical: bool,
    /// Example phrasings users might type.
    pub questions: Vec<String>,
    /// Domain words and phrases that signal this entry.
    pub keywords: Vec<String>,
    /// The answer, in Discord Markdown.
    pub answer: String,
    /// Short citations.
    pub sources: Vec<String>,
    /// Ids of related entries.
    pub related: Vec<String>,
    /// When this entry was last reviewed.
    pub reviewed: Option<String>,
}

/// A valid FAQ and the warnings it loaded with.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The knowledge base.
    pub faq: Faq,
    /// Non-fatal findings a moderator should look at.
    pub warnings: Vec<Diagnostic>,
}

/// Why a FAQ file could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file was read but is not a valid FAQ.
    #[error("{} has {} problem(s):\n{}", path.display(), count_errors(diagnostics), render(path, diagnostics))]
    Invalid {
        /// The file.
        path: PathBuf,
        /// Every problem (and warning) found, in file order.
        diagnostics: Vec<Diagnostic>,
    },
}

fn count_errors(diagnostics: &[Diagnostic]) -> usize {
    diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count()
}

/// Renders diagnostics one per line as `path:line:column: level: message`.
#[must_use]
pub fn render(path: &Path, diagnostics: &[Diagnostic]) -> String {
    let path = path.display().to_string();
    diagnostics
        .iter()
        .map(|d| d.at(&path).to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

impl Faq {
    /// Reads and validates a FAQ file.
    pub fn load(path: &Path) -> Result<Loaded, LoadError> {
        let source = std::fs::read_to_string(path).map_err(|source| LoadError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_toml_str(&source).map_err(|diagnostics| LoadError::Invalid {
            path: path.to_path_buf(),
            diagnostics,
        })
    }

    /// Parses and validates FAQ text; on failure returns every diagnostic found, in file order.
    pub fn from_toml_str(source: &str) -> Result<Loaded, Vec<Diagnostic>> {
        validate::validate(source)
    }

    /// The entry with this id.
    #[must_use]
    pub fn entry(&self, id: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.id == id)
    }
}
