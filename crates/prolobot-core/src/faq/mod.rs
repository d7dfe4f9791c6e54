//! The FAQ knowledge base: the checked model of `faq.toml` and how it is loaded.
//!
//! [`Faq::from_toml_str`] parses and validates in one go and reports every problem it finds
//! (but only the first syntax error, where the mistake starts), each with a line and column,
//! in plain words; [`Faq::from_bytes`] first checks that the file is UTF-8 text, and
//! [`Faq::load`] only adds reading the file. A `Faq` that exists has passed validation, so the
//! rest of the bot never sees a half-valid knowledge base.

mod problem;
mod raw;
mod syntax;
mod validate;

use std::borrow::Cow;
use std::path::{Path, PathBuf};

pub use problem::{closest, Diagnostic, Problem, Severity};
pub use validate::MIN_QUESTIONS;

/// The whole knowledge base. Its fields are private: a `Faq` that exists has passed validation.
#[derive(Debug, Clone)]
pub struct Faq {
    reviewed: Option<String>,
    texts: Texts,
    thresholds: Thresholds,
    synonyms: Vec<Synonym>,
    red_flags: RedFlags,
    subjects: Subjects,
    frames: Vec<Frame>,
    entries: Vec<Entry>,
}

/// A reference to one entry of the [`Faq`] (or [`crate::Knowledge`]) that made it; only the
/// core makes them, so an `EntryRef` always names an entry of its own FAQ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EntryRef(u32);

/// A reference to one safety rule of the [`Faq`] that made it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RuleRef(u32);

impl EntryRef {
    /// The entry at `index` in file order; the caller knows the FAQ has that many entries.
    pub(crate) fn at(index: usize) -> Self {
        Self(u32::try_from(index).expect("fewer than 2^32 entries"))
    }

    /// The position in file order.
    pub(crate) fn index(self) -> usize {
        self.0 as usize
    }
}

impl RuleRef {
    /// The rule at `index` in file order.
    pub(crate) fn at(index: usize) -> Self {
        Self(u32::try_from(index).expect("fewer than 2^32 rules"))
    }

    /// The position in file order.
    pub(crate) fn index(self) -> usize {
        self.0 as usize
    }
}

/// Bot-wide texts from `[texts]`.
#[derive(Debug, Clone)]
pub struct Texts {
    /// Appended to every reply.
    pub disclaimer: String,
    /// Emergency guidance, shown first when an emergency-tier rule fires.
    pub emergency: String,
    /// Same-day guidance, shown first when only urgent-tier rules fire.
    pub urgent: String,
    /// Crisis lines with the emergency number, shown first when a crisis-tier rule fires.
    pub crisis: String,
    /// One line put on top of any reply to a message that may report danger but fired no rule.
    pub safety_net: String,
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

/// `[subjects]`: the words that name this FAQ's subject (prolotherapy) and those that name
/// other treatments and topics. A question about another subject that does not also name this
/// one is not answered from the FAQ.
#[derive(Debug, Clone, Default)]
pub struct Subjects {
    /// Words and phrases naming the FAQ's subject ("prolotherapy", "prolo").
    pub own: Vec<String>,
    /// Words and phrases naming other treatments, products and topics ("physiotherapy").
    pub other: Vec<String>,
    /// Words that make a question a comparison or a search for alternatives ("instead of"),
    /// which the FAQ answers even when it names only the other treatment.
    pub compare: Vec<String>,
}

/// A question frame from `[frames]`: words, stop words included, that carry an entry's intent
/// as a unit (`does <it> work`); `<it>` stands for the subject.
#[derive(Debug, Clone)]
pub struct Frame {
    /// The entry the frame belongs to.
    pub entry: String,
    /// The frame as written.
    pub pattern: String,
}

/// What an entry is for: a topic of the FAQ, or one of the bot's service replies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EntryKind {
    /// A question about the subject, answered as written.
    #[default]
    Topic,
    /// Clinic logistics (hours, booking, location): answered with the contact line.
    Clinic,
    /// Questions about the bot itself: answered with the topic list.
    Help,
}

impl EntryKind {
    /// The kind named `name` in `faq.toml`.
    #[must_use]
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "topic" => Some(Self::Topic),
            "clinic" => Some(Self::Clinic),
            "help" => Some(Self::Help),
            _ => None,
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

/// Safety rules, the word classes and cues they use, and the words never typo-corrected into them.
#[derive(Debug, Clone, Default)]
pub struct RedFlags {
    /// Common words that are never fuzzy-matched ("ever" is not "fever").
    pub guard: Vec<String>,
    /// Named word classes a term may use as `<name>`.
    pub classes: Vec<WordClass>,
    /// Report, question, past and other cues.
    pub cues: Cues,
    /// The rules.
    pub rules: Vec<RedFlagRule>,
}

/// A named set of words and phrases, written `<name>` inside a term.
#[derive(Debug, Clone)]
pub struct WordClass {
    /// The name, without angle brackets.
    pub name: String,
    /// Its words and phrases.
    pub terms: Vec<String>,
}

/// Cue terms: what tells a report of something happening from a question about a risk.
#[derive(Debug, Clone, Default)]
pub struct Cues {
    /// Signs of a report ("i have", "is this normal"): each counts one.
    pub report: Vec<String>,
    /// Signs that it is happening now ("since", "right now"): each counts two and outweighs past cues.
    pub now: Vec<String>,
    /// Signs of a general question about risk ("can it", "how common"): each counts one.
    pub question: Vec<String>,
    /// Signs of something long ago or second-hand ("years ago", "history of").
    pub past: Vec<String>,
    /// Signs of a habit rather than an event ("whenever", "at the sight of"): each counts as a
    /// question cue.
    pub habitual: Vec<String>,
    /// Figures of speech and negated symptoms, removed before rules are read ("dying to", "no fever").
    pub ignore: Vec<String>,
    /// Distress that earns the safety-net line even when no rule fires ("hopeless", "cant cope").
    pub distress: Vec<String>,
}

/// How serious a safety rule's finding is; ordered from least to most serious.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Tier {
    /// Same day: contact the clinic or an urgent-care service today.
    Urgent,
    /// Now: the emergency number or the emergency department.
    Emergency,
    /// Suicide, self-harm or overdose: crisis lines together with the emergency number.
    Crisis,
}

impl Tier {
    /// The name used in `faq.toml`, eval output and alerts.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Urgent => "urgent",
            Self::Emergency => "emergency",
            Self::Crisis => "crisis",
        }
    }

    /// The tier named `name` in `faq.toml`.
    #[must_use]
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "urgent" => Some(Self::Urgent),
            "emergency" => Some(Self::Emergency),
            "crisis" => Some(Self::Crisis),
            _ => None,
        }
    }
}

impl std::fmt::Display for Tier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// When a rule whose words are all present fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum When {
    /// Only when the message reads as a report: a "now" cue, or no past cue and at least as
    /// many report cues as question and habitual cues. The default, for symptom rules.
    #[default]
    Report,
    /// Unless a past cue speaks of the rule's own words (within a few words of them) and no
    /// "now" cue is present: for crisis rules, where a question ("should i just end it all?")
    /// is still a crisis and a backstory does not make it a past one.
    UnlessPast,
    /// Always.
    Always,
}

impl When {
    /// The name used in `faq.toml`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Report => "report",
            Self::UnlessPast => "unless-past",
            Self::Always => "always",
        }
    }

    /// The mode named `name` in `faq.toml`.
    #[must_use]
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "report" => Some(Self::Report),
            "unless-past" => Some(Self::UnlessPast),
            "always" => Some(Self::Always),
            _ => None,
        }
    }
}

/// A safety rule: fires when every group has at least one of its terms in the message and
/// the message's frame allows it (see [`When`]).
#[derive(Debug, Clone)]
pub struct RedFlagRule {
    /// Kebab-case id, recorded in statistics.
    pub id: String,
    /// What the rule detects.
    pub title: String,
    /// Kebab-case category shown to moderators in alerts ("suicide", "breathing-chest").
    pub category: String,
    /// How serious a finding is.
    pub tier: Tier,
    /// When the rule may fire.
    pub when: When,
    /// Groups of alternative terms (words, phrases, `<class>` slots); all groups must occur.
    pub groups: Vec<Vec<String>>,
    /// Extra guidance for this rule, after the tier's text.
    pub advice: Option<String>,
}

/// One FAQ entry.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Kebab-case, unique.
    pub id: String,
    /// Shown as the heading and in lists.
    pub title: String,
    /// A topic, or a service reply (clinic logistics, help).
    pub kind: EntryKind,
    /// Medical entries must have sources.
    pub medical: bool,
    /// Example phrasings users might type.
    pub questions: Vec<String>,
    /// Domain words and phrases that signal this entry.
    pub keywords: Vec<String>,
    /// The short answer, in Discord Markdown: what is posted first.
    pub answer: String,
    /// The longer, fully sourced text, posted when someone asks for more detail.
    pub detail: Option<String>,
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

/// The most diagnostics [`render`] shows: a file with 300,000 problems is one bounded log event
/// and one screen, not tens of megabytes (fixing the first ones usually fixes many more).
const MAX_RENDERED: usize = 50;

/// Renders diagnostics one per line as `path:line:column: level: message`: the first
/// 50 (`MAX_RENDERED`), then one line saying how many more there are.
#[must_use]
pub fn render(path: &Path, diagnostics: &[Diagnostic]) -> String {
    let path = path.display().to_string();
    let mut lines: Vec<String> = diagnostics
        .iter()
        .take(MAX_RENDERED)
        .map(|d| d.at(&path).to_string())
        .collect();
    let more = diagnostics.len().saturating_sub(MAX_RENDERED);
    if more > 0 {
        lines.push(format!(
            "... and {more} more; fix these first and check again"
        ));
    }
    lines.join("\n")
}

impl Faq {
    /// Reads and validates a FAQ file.
    pub fn load(path: &Path) -> Result<Loaded, LoadError> {
        let bytes = std::fs::read(path).map_err(|source| LoadError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_bytes(&bytes).map_err(|diagnostics| LoadError::Invalid {
            path: path.to_path_buf(),
            diagnostics,
        })
    }

    /// Validates a FAQ file's contents: UTF-8 text (with or without a byte-order mark), then as
    /// [`Faq::from_toml_str`]. A file saved as UTF-16 or Windows-1252 is one diagnostic saying
    /// so, where the first character that is not UTF-8 stands.
    pub fn from_bytes(bytes: &[u8]) -> Result<Loaded, Vec<Diagnostic>> {
        match syntax::decode(bytes) {
            Ok(source) => Self::from_toml_str(source),
            Err((before, problem)) => {
                let mut collector = problem::Collector::new(before);
                collector.error(before.len()..before.len(), problem);
                Err(collector.diagnostics)
            }
        }
    }

    /// Parses and validates FAQ text; on failure returns every diagnostic found, in file order.
    /// Windows line endings are read as plain newlines, so no `\r` reaches a reply.
    pub fn from_toml_str(source: &str) -> Result<Loaded, Vec<Diagnostic>> {
        let source = if source.contains("\r\n") {
            Cow::Owned(source.replace("\r\n", "\n"))
        } else {
            Cow::Borrowed(source)
        };
        validate::validate(&source)
    }

    /// The entry with this id.
    #[must_use]
    pub fn entry(&self, id: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.id == id)
    }

    /// A reference to the entry with this id.
    #[must_use]
    pub fn find(&self, id: &str) -> Option<EntryRef> {
        self.entries
            .iter()
            .position(|e| e.id == id)
            .map(EntryRef::at)
    }

    /// The entry `entry` refers to.
    ///
    /// # Panics
    /// If `entry` was made by another FAQ with more entries (a programming error).
    #[must_use]
    pub fn get(&self, entry: EntryRef) -> &Entry {
        &self.entries[entry.index()]
    }

    /// The safety rule `rule` refers to.
    ///
    /// # Panics
    /// If `rule` was made by another FAQ with more rules (a programming error).
    #[must_use]
    pub fn rule(&self, rule: RuleRef) -> &RedFlagRule {
        &self.red_flags.rules[rule.index()]
    }

    /// The entries, in file order.
    #[must_use]
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The entries with their references, in file order.
    pub fn refs(&self) -> impl Iterator<Item = (EntryRef, &Entry)> {
        self.entries
            .iter()
            .enumerate()
            .map(|(index, entry)| (EntryRef::at(index), entry))
    }

    /// Bot-wide texts.
    #[must_use]
    pub fn texts(&self) -> &Texts {
        &self.texts
    }

    /// Decision thresholds for the matcher.
    #[must_use]
    pub fn thresholds(&self) -> Thresholds {
        self.thresholds
    }

    /// Synonym groups: what people type, mapped to the FAQ's own word.
    #[must_use]
    pub fn synonyms(&self) -> &[Synonym] {
        &self.synonyms
    }

    /// Safety rules, their word classes and cues.
    #[must_use]
    pub fn red_flags(&self) -> &RedFlags {
        &self.red_flags
    }

    /// The words naming this FAQ's subject and other subjects.
    #[must_use]
    pub fn subjects(&self) -> &Subjects {
        &self.subjects
    }

    /// Question frames, in file order.
    #[must_use]
    pub fn frames(&self) -> &[Frame] {
        &self.frames
    }

    /// When the content was last reviewed, as written (a TOML date).
    #[must_use]
    pub fn reviewed(&self) -> Option<&str> {
        self.reviewed.as_deref()
    }
}
