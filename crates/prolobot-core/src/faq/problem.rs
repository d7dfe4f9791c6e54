//! What can be wrong with a `faq.toml`, and where: problems as types, positioned by line and column.
//!
//! Every message is written for the moderator who edits the file, not for a programmer: it says
//! what is wrong in plain words and, where one is known, the fix ("did you mean `answer`?").

use std::fmt;
use std::ops::Range;

/// Something a moderator got wrong (or should look at) in `faq.toml`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Problem {
    /// The file is not valid TOML here, in a way none of the plainer problems describes: the
    /// parser's own words.
    #[error("this is not valid TOML: {0}")]
    Syntax(String),
    /// The file is not UTF-8 text: a word processor or an old editor saved it in another
    /// encoding.
    #[error("the file is saved as {encoding}, not UTF-8: open it in your editor and save it as UTF-8 (usually under Save As, Encoding)")]
    NotUtf8 {
        /// The encoding it appears to be in ("UTF-16", "Windows-1252").
        encoding: &'static str,
    },
    /// A text whose opening quotes are never closed where they should be.
    #[error("the text that starts here has no closing `{quotes}`{}", runs_to.map_or_else(
        || format!(": add `{quotes}` where it ends"),
        |line| format!(", so everything up to line {line} was read as part of it: add `{quotes}` where this text ends"),
    ))]
    UnclosedText {
        /// The quotes that opened it: `"`, `'`, `"""` or `'''`.
        quotes: &'static str,
        /// The line where the next text's opening quotes closed this one instead (the lines
        /// between were read as text); `None` when it runs to the end of its line or file.
        runs_to: Option<usize>,
    },
    /// A list (`[`) that is never closed.
    #[error("this list has no closing `]`: add `]` after its last item")]
    UnclosedList,
    /// A table line such as `[[entry]]` without its closing brackets.
    #[error("this line needs `{closing}` at its end, like {example}")]
    UnclosedHeader {
        /// The missing brackets: `]` or `]]`.
        closing: &'static str,
        /// The line as it should be.
        example: String,
    },
    /// Two items of a list without a comma between them.
    #[error("put a comma between the items of a list: [\"first\", \"second\"]")]
    MissingComma,
    /// Curly ("smart") quotes, which TOML does not accept around a text.
    #[error("these are curly quotes (“ ” or ‘ ’), probably from a word processor: TOML needs straight quotes (\"). Retype them in a plain-text editor, or turn off smart quotes")]
    CurlyQuotes,
    /// A yes/no value that is not `true` or `false`.
    #[error("`{0}` is not a yes/no value TOML understands: write `true` or `false` (lowercase, no quotes)")]
    NotABoolean(String),
    /// `true` or `false` written in quotes, which makes it a text.
    #[error("write {0} without the quotes: `true` or `false`")]
    QuotedBoolean(String),
    /// A date TOML does not understand (11/25/2026, 25.11.2026, month 13).
    #[error("`{found}` is not a date TOML understands: write year-month-day without quotes, like {}", example.as_deref().unwrap_or("2026-11-25 (25 November 2026)"))]
    BadDate {
        /// The value as written.
        found: String,
        /// The same date written right, when it is unambiguous.
        example: Option<String>,
    },
    /// A date written in quotes, which makes it a text.
    #[error("remove the quotes around the date: {} (dates are written without quotes)", .0.trim_matches(['"', '\'']))]
    QuotedDate(String),
    /// A list field written as one text.
    #[error("`{0}` must be a list in square brackets, even with one item: {0} = [\"first\", \"second\"]")]
    ListAsString(String),
    /// A value of another kind than the field takes (a number where text belongs, say).
    #[error("`{key}` must be {expected}")]
    WrongType {
        /// The field.
        key: String,
        /// What it takes, in plain words.
        expected: &'static str,
    },
    /// Text written without quotes.
    #[error("text must be in straight quotes: {key} = \"{value}\"")]
    UnquotedText {
        /// The field.
        key: String,
        /// The text as written.
        value: String,
    },
    /// `key =` with nothing after it.
    #[error("`{0} =` has no value: write it after the `=`, like {0} = \"...\"")]
    MissingValue(String),
    /// A field name and a value without `=` between them.
    #[error("put `=` between the field name and its value: {0} = ...")]
    MissingEquals(String),
    /// A field of an entry (or rule) where the entry's own table line should have started a new
    /// one: a field set twice, or an entry's field inside another table.
    #[error(
        "`{key}` here starts a new {what}: did you forget the {header} line before this {what}?"
    )]
    MissingHeader {
        /// The field.
        key: String,
        /// The missing line: `[[entry]]` or `[[red_flags.rule]]`.
        header: &'static str,
        /// What it starts: "entry" or "rule".
        what: &'static str,
    },
    /// A field set twice in one table.
    #[error("`{0}` is set twice here: keep one of them")]
    DuplicateKey(String),
    /// A table such as `[texts]` written twice.
    #[error("{0} appears twice: merge the two into one")]
    DuplicateTable(String),
    /// A key the format does not know (often a typo of a real one).
    #[error("unknown field `{field}`{}", suggestion.as_ref().map_or_else(
        || format!("; the fields allowed here are: {expected}"),
        |known| format!(": did you mean `{known}`?"),
    ))]
    UnknownField {
        /// The key as written.
        field: String,
        /// The keys allowed at this place.
        expected: String,
        /// The allowed key it is closest to, if one is close.
        suggestion: Option<String>,
    },
    /// A required table or field is absent.
    #[error("missing `{0}`")]
    Missing(&'static str),
    /// A required field is absent from its table.
    #[error(
        "`{0}` is missing here: add it (the header at the top of faq.toml describes every field)"
    )]
    MissingField(String),
    /// A text that must say something is empty.
    #[error("`{0}` must not be empty")]
    EmptyText(&'static str),
    /// The disclaimer is empty: every reply must carry one.
    #[error("`disclaimer` must not be empty: every reply carries it")]
    EmptyDisclaimer,
    /// A disclaimer so long that it would crowd out the answers.
    #[error("`disclaimer` is {length} characters; it may have at most {limit} characters")]
    DisclaimerTooLong {
        /// Its length in characters.
        length: usize,
        /// The limit.
        limit: usize,
    },
    /// A text that goes on top of other replies, too long to leave them room.
    #[error("`{field}` is {length} characters; it may have at most {limit} characters")]
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
    #[error("`related` names `{id}`, which is not an entry id{}", did_you_mean(suggestion.as_deref()))]
    UnknownRelated {
        /// The id as written.
        id: String,
        /// The entry id it is closest to, if one is close.
        suggestion: Option<String>,
    },
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
    #[error("answer renders to {length} characters with title, sources and disclaimer; one Discord message holds at most {limit} characters")]
    AnswerTooLong {
        /// Rendered length in characters.
        length: usize,
        /// Discord's limit.
        limit: usize,
    },
    /// A threshold outside 0..=1, or thresholds in the wrong order.
    #[error("{0}")]
    BadThreshold(String),
    /// A rule's `tier` or `when`, or an entry's `kind`, names a value the format does not know.
    #[error("`{field}` is `{found}`{}", suggestion.as_ref().map_or_else(
        || format!("; expected one of: {expected}"),
        |known| format!(": did you mean `{known}`?"),
    ))]
    UnknownValue {
        /// The field.
        field: &'static str,
        /// The value as written.
        found: String,
        /// The values allowed.
        expected: &'static str,
        /// The allowed value it is closest to, if one is close.
        suggestion: Option<String>,
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
    #[error("`[frames]` names `{id}`, which is not an entry id{}", did_you_mean(suggestion.as_deref()))]
    UnknownFrameEntry {
        /// The id as written.
        id: String,
        /// The entry id it is closest to, if one is close.
        suggestion: Option<String>,
    },
    /// A frame that uses `<...>` for anything but the subject slot `<it>`, or uses it twice.
    #[error("frame `{0}` may use the subject slot `<it>` once and no other `<...>`")]
    BadFrameSlot(String),
    /// Warning: the same example question appears in two entries, so it cannot pick one.
    #[error(
        "example question also appears in entry `{0}`; a question should have one right answer"
    )]
    DuplicateQuestion(String),
    /// Warning: `@everyone` or `@here` in text the bot posts.
    #[error("{place} contains `{mention}`: the bot posts it as plain text and pings nobody, but it reads as a call to everyone; remove it")]
    MassMention {
        /// Where: the entry (or `[texts]`, or the rule) and the field.
        place: String,
        /// The mention as written.
        mention: String,
    },
    /// Warning: a role or user mention (`<@&id>`, `<@id>`) in text the bot posts.
    #[error("{place} mentions a {what} (`{mention}`): the bot posts it as plain text and pings nobody, and readers see only a number; name the {what} in words instead")]
    DirectMention {
        /// Where: the entry (or `[texts]`, or the rule) and the field.
        place: String,
        /// "role" or "user".
        what: &'static str,
        /// The mention as written.
        mention: String,
    },
    /// Warning: a masked link whose visible text names another domain than its target.
    #[error("{place} has a masked link that shows `{named}` but leads to `{host}`: the bot posts it as `text (address)` so the real address shows; make the text match the address, or write the address itself")]
    MisleadingLink {
        /// Where: the entry (or `[texts]`, or the rule) and the field.
        place: String,
        /// The domain the visible text names.
        named: String,
        /// Where the link really goes.
        host: String,
    },
    /// Warning: a masked link to a host that is not among the entry's `sources` links.
    #[error("{place} has a masked link to `{host}`, {}: the bot posts it as `text (address)` so the real address shows; {}", if *in_entry { "which is not among this entry's `sources` links" } else { "and only an entry's own `sources` links may stay masked" }, if *in_entry { "add the address to `sources`, or write the address itself" } else { "write the address itself" })]
    UntrustedLink {
        /// Where: the entry (or `[texts]`, or the rule) and the field.
        place: String,
        /// Where the link really goes.
        host: String,
        /// Whether the text belongs to an entry (which has `sources`).
        in_entry: bool,
    },
}

fn did_you_mean(suggestion: Option<&str>) -> String {
    suggestion.map_or_else(String::new, |known| format!(": did you mean `{known}`?"))
}

/// The candidate closest to `word` (ignoring case), if one is close enough to be a typo of it:
/// at most one edit away for words of up to 3 letters, two up to 7 letters, three beyond.
#[must_use]
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let word = word.to_lowercase();
    let limit = match word.chars().count() {
        0..=3 => 1,
        4..=7 => 2,
        _ => 3,
    };
    candidates
        .into_iter()
        .map(|candidate| {
            let distance = strsim::damerau_levenshtein(&word, &candidate.to_lowercase());
            (distance, candidate)
        })
        .filter(|&(distance, _)| distance <= limit)
        .min_by_key(|&(distance, _)| distance)
        .map(|(_, candidate)| candidate)
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

    /// The text being checked.
    pub(crate) fn source(&self) -> &'s str {
        self.source
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
