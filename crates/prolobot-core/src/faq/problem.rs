//! What can be wrong with a `faq.toml`, and where: problems as types, positioned by line and column.

use std::fmt;
use std::ops::Range;

/// Something a moderator got wrong (or should look at) in `faq.toml`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Problem {
    /// The file is not valid TOML, or a value has the wrong type.
    #[error("{0}")]
    Syntax(String),
    /// A key the format does not know (often a typo of a real one).
    #[error("unknown field `{field}`; expected one of: {expected}")]
    UnknownField {
        /// The key as written.
        field: String,
        /// The keys allowed at this place.
        expected: &'static str,
    },
    /// A required table or field is absent.
    #[error("missing `{0}`")]
    Missing(&'static str),
    /// A text that must say something is empty.
    #[error("`{0}` must not be empty")]
    EmptyText(&'static str),
    /// The disclaimer is empty: every reply must carry one.
    #[error("`disclaimer` must not be empty: every reply carries it")]
    EmptyDisclaimer,
    /// A disclaimer so long that it would crowd out the answers.
    #[error("`disclaimer` is {length} characters; keep it within {limit}")]
    DisclaimerTooLong {
        /// Its length in characters.
        length: usize,
        /// The limit.
        limit: usize,
    },
    /// A text that goes on top of other replies, too long to leave them room.
    #[error("`{field}` is {length} characters; keep it within {limit}")]
    TextTooLong {
        /// The field.
        field: &'static str,
        /// Its length in characters.
        length: usize,
        /// The limit.
        limit: usize,
    },
    /// An id that is not lowercase kebab-case.
    #[error("id `{0}` must be lowercase kebab-case, like `side-effects`")]
    MalformedId(String),
    /// Two entries (or two red-flag rules) share an id.
    #[error("duplicate id `{id}`: already used on line {first_line}")]
    DuplicateId {
        /// The repeated id.
        id: String,
        /// Where it was first defined.
        first_line: usize,
    },
    /// An entry with fewer example questions than matching needs.
    #[error("an entry needs at least {min} example questions, found {found}")]
    TooFewQuestions {
        /// The minimum.
        min: usize,
        /// How many there are.
        found: usize,
    },
    /// A medical entry must say where its facts come from.
    #[error(
        "medical entry `{0}` has no `sources` (set `medical = false` if it gives no medical facts)"
    )]
    MissingSources(String),
    /// `related` names an entry that does not exist.
    #[error("`related` names `{0}`, which is not an entry id")]
    UnknownRelated(String),
    /// A synonym variant claimed by two canonical terms.
    #[error("synonym `{variant}` is listed under both `{first}` and `{second}`")]
    ConflictingSynonym {
        /// The variant as written.
        variant: String,
        /// The canonical term that listed it first.
        first: String,
        /// The canonical term that lists it again.
        second: String,
    },
    /// A term or phrase that is empty once normalised (only punctuation or stop words).
    #[error("`{0}` has no matchable words (only punctuation or very common words)")]
    NoMatchableWords(String),
    /// The rendered answer with its disclaimer does not fit one Discord message.
    #[error("answer renders to {length} characters with title, sources and disclaimer; a Discord message holds {limit}")]
    AnswerTooLong {
        /// Rendered length in characters.
        length: usize,
        /// Discord's limit.
        limit: usize,
    },
    /// A threshold outside 0..=1, or thresholds in the wrong order.
    #[error("{0}")]
    BadThreshold(String),
    /// A rule's `tier` or `when` names a value the format does not know.
    #[error("`{field}` is `{found}`; expected one of: {expected}")]
    UnknownValue {
        /// The field.
        field: &'static str,
        /// The value as written.
        found: String,
        /// The values allowed.
        expected: &'static str,
    },
    /// A term uses `<name>` for a word class that `[red_flags.classes]` does not define.
    #[error("`<{name}>` is not a word class; defined classes: {defined}")]
    UnknownClass {
        /// The class name as written.
        name: String,
        /// The classes that exist.
        defined: String,
    },
    /// A word class's own terms use a class: classes hold words and phrases only.
    #[error("word class `{0}` uses another class; a class lists words and phrases only")]
    NestedClass(String),
    /// `[frames]` names an entry that does not exist.
    #[error("`[frames]` names `{0}`, which is not an entry id")]
    UnknownFrameEntry(String),
    /// A frame that uses `<...>` for anything but the subject slot `<it>`, or uses it twice.
    #[error("frame `{0}` may use the subject slot `<it>` once and no other `<...>`")]
    BadFrameSlot(String),
    /// Warning: the same example question appears in two entries, so it cannot pick one.
    #[error(
        "example question also appears in entry `{0}`; a question should have one right answer"
    )]
    DuplicateQuestion(String),
}

/// How serious a [`Diagnostic`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// The file is rejected.
    Error,
    /// The file loads, but a moderator should look.
    Warning,
}

/// A [`Problem`] at a line and column of the file (both 1-based, columns in characters).
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, counted in characters.
    pub column: usize,
    /// What is wrong.
    pub problem: Problem,
}

impl Diagnostic {
    /// Displays the diagnostic as `path:line:column: error: message`.
    #[must_use]
    pub fn at<'a>(&'a self, path: &'a str) -> impl fmt::Display + 'a {
        DisplayAt {
            path,
            diagnostic: self,
        }
    }
}

struct DisplayAt<'a> {
    path: &'a str,
    diagnostic: &'a Diagnostic,
}

impl fmt::Display for DisplayAt<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.diagnostic;
        let level = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(
            f,
            "{}:{}:{}: {level}: {}",
            self.path, d.line, d.column, d.problem
        )
    }
}

/// Collects diagnostics while a file is checked, turning byte spans into lines and columns.
pub(crate) struct Collector<'s> {
    source: &'s str,
    /// Byte offset where each line starts, so a position costs a binary search, not a scan.
    line_starts: Vec<usize>,
    pub(crate) diagnostics: Vec<Diagnostic>,
}

impl<'s> Collector<'s> {
    pub(crate) fn new(source: &'s str) -> Self {
        let line_starts = std::iter::once(0)
            .chain(source.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Self {
            source,
            line_starts,
            diagnostics: Vec::new(),
        }
    }

    pub(crate) fn error(&mut self, span: Range<usize>, problem: Problem) {
        self.push(Severity::Error, span.start, problem);
    }

    pub(crate) fn warning(&mut self, span: Range<usize>, problem: Problem) {
        self.push(Severity::Warning, span.start, problem);
    }

    pub(crate) fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error)
    }

    pub(crate) fn line_of(&self, offset: usize) -> usize {
        self.line_column(offset).0
    }

    fn push(&mut self, severity: Severity, offset: usize, problem: Problem) {
        let (line, column) = self.line_column(offset);
        self.diagnostics.push(Diagnostic {
            severity,
            line,
            column,
            problem,
        });
    }
}

impl Collector<'_> {
    /// 1-based line and character column of a byte offset (clamped to the source).
    fn line_column(&self, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(self.source.len());
        while !self.source.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.line_starts.partition_point(|&start| start <= offset);
        let line_start = self.line_starts[line - 1];
        (line, self.source[line_start..offset].chars().count() + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::Collector;

    #[test]
    fn positions_are_one_based_and_count_characters() {
        let source = "a = 1\nbé = \"x\"\n";
        let collector = Collector::new(source);
        assert_eq!(collector.line_column(0), (1, 1));
        assert_eq!(collector.line_column(6), (2, 1));
        // "bé" is 3 bytes; the space after it is the 3rd character.
        assert_eq!(collector.line_column(9), (2, 3));
        // Inside the two bytes of "é": counted from the character's start.
        assert_eq!(collector.line_column(8), (2, 2));
        assert_eq!(collector.line_column(999), (3, 1));
    }
}
