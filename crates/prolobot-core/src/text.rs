//! Text normalisation and tokenisation shared by the FAQ index, the red-flag rules and queries.
//!
//! Everything that is compared goes through the same pipeline, so a moderator's keyword and a
//! user's typo-ridden message meet in the same form: Discord markup stripped, Unicode folded
//! (NFKC compatibility forms, diacritics removed), lowercase, apostrophes joined ("can't" ->
//! "cant"), anything else that is not a letter or digit turned into a word break, then stop
//! words dropped and the rest stemmed (Snowball English).

use std::collections::HashSet;

use rust_stemmers::{Algorithm, Stemmer};
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// The longest message, in characters, that is read; the rest is ignored. Discord allows
/// 4,000 characters to some users, so this bounds the work one message can cause.
pub const MAX_INPUT_CHARS: usize = 4_000;

/// The longest word, in characters, that is kept; longer runs are noise and would only cost time.
const MAX_WORD_CHARS: usize = 40;

/// Lowercases, folds and cleans a message into words separated by single spaces.
#[must_use]
pub fn normalise(raw: &str) -> String {
    let bounded: String = raw.chars().take(MAX_INPUT_CHARS).collect();
    let without_markup = strip_discord_markup(&bounded);
    let mut out = String::with_capacity(without_markup.len());
    let mut word_len = 0;
    for c in without_markup.nfkd().filter(|c| !is_combining_mark(*c)) {
        if is_invisible(c) || is_apostrophe(c) {
            continue;
        }
        if c.is_alphanumeric() {
            if word_len < MAX_WORD_CHARS {
                out.extend(c.to_lowercase());
            }
            word_len += 1;
        } else if word_len > 0 {
            out.push(' ');
            word_len = 0;
        }
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

/// Characters that carry no text and may hide inside words: zero-width and bidi controls.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{00AD}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}')
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{02BC}' | '`')
}

/// Removes Discord mentions (`<@id>`, `<@!id>`, `<@&id>`, `<#id>`), custom emoji
/// (`<:name:id>`, `<a:name:id>`), timestamps and command links (`<t:..>`, `</cmd:id>`), and URLs.
fn strip_discord_markup(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find(['<', 'h', 'w', 'H', 'W']) {
        let (before, from) = rest.split_at(start);
        out.push_str(before);
        let skip = discord_token_len(from).or_else(|| url_len(from));
        if let Some(len) = skip {
            out.push(' ');
            rest = &from[len..];
        } else {
            let first = from.chars().next().map_or(1, char::len_utf8);
            out.push_str(&from[..first]);
            rest = &from[first..];
        }
    }
    out.push_str(rest);
    out
}

/// Length of a `<...>` Discord token at the start of `text`, if there is one.
fn discord_token_len(text: &str) -> Option<usize> {
    let inner = text.strip_prefix('<')?;
    let is_token = ["@", "#", ":", "a:", "t:", "/"]
        .iter()
        .any(|p| inner.starts_with(p));
    if !is_token {
        return None;
    }
    let end = inner
        .char_indices()
        .take(120)
        .find(|(_, c)| *c == '>' || c.is_whitespace())?;
    (end.1 == '>').then_some(end.0 + 2)
}

/// Length of a URL at the start of `text`, if there is one.
fn url_len(text: &str) -> Option<usize> {
    let has_prefix = |prefix: &str| {
        text.get(..prefix.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(prefix))
    };
    let is_url = ["http://", "https://", "www."].into_iter().any(has_prefix);
    is_url.then(|| text.find(char::is_whitespace).unwrap_or(text.len()))
}

/// English words too common to say anything about which FAQ entry is meant. Question words
/// (what, how, who, ...) and "after"/"before" are kept: "how does it work" and "does it
/// work" ask different things, and so do "after" and "before" a treatment.
#[rustfmt::skip]
const STOPWORDS: &[&str] = &[
    "a", "about", "actually", "again", "all", "also", "am", "an", "and", "any", "anybody", "anyone",
    "anything", "anyway", "anyways", "are", "as", "ask", "asking", "at", "basically", "be", "been",
    "behind", "being", "bit", "btw", "but", "by", "can", "could", "curious", "did",
    "do", "does", "doing", "each", "else", "even", "everyone",
    "everything", "exactly", "for", "from", "genuinely", "get", "gets", "getting", "gonna", "got",
    "gotta", "guys", "had", "has", "have", "having", "he", "hello", "her", "here", "hey", "hi",
    "him", "his", "hmm", "honestly", "i", "id", "idk", "if", "im", "imo", "in", "into",
    "is", "it", "its", "ive", "just", "kinda", "know", "like", "lol", "lot", "lots", "may",
    "maybe", "me", "might", "must", "my", "myself", "nah", "noob", "of", "ok", "okay", "on", "one",
    "ones", "or", "our", "please", "pls", "plz", "q", "question", "really", "said", "say", "shall",
    "she", "should", "so", "some", "somebody", "someone", "something", "sorta", "still",
    "stuff", "tbh", "tell", "than", "thank", "thanks", "that", "thats", "the", "their", "them",
    "then", "there", "theres", "these", "they", "theyre", "thing", "things", "this", "tho", "those",
    "though", "thx", "to", "told", "too", "u", "um", "ur", "us", "very", "wanna", "was",
    "we", "were", "while", "whom", "will", "with", "wondering",
    "would", "ya", "yall", "yeah", "yep", "you", "your", "youre", "yours",
    "youve",
];

/// Chat spellings of question words, read as the word itself ("wat is prolo" asks "what").
fn chat_spelling(word: &str) -> &str {
    match word {
        "wat" | "wut" | "wht" => "what",
        "hw" => "how",
        "y" => "why",
        "shud" | "shld" => "should",
        "cud" => "could",
        "wud" => "would",
        "ppl" => "people",
        "coz" | "cuz" | "bc" => "because",
        _ => word,
    }
}

/// The term every negation becomes.
pub const NEGATION: &str = "not";

/// Words that negate what follows; they are one term, [`NEGATION`].
const NEGATIONS: &[&str] = &[
    "aint", "arent", "cannot", "cant", "couldnt", "didnt", "doesnt", "dont", "hadnt", "hasnt",
    "havent", "isnt", "mustnt", "neednt", "never", "no", "not", "shouldnt", "wasnt", "werent",
    "wont", "wouldnt",
];

/// Whether a normalised word is a negation.
#[must_use]
pub fn is_negation(word: &str) -> bool {
    NEGATIONS.contains(&word)
}

/// All negations, for typo correction into them.
#[must_use]
pub fn negations() -> &'static [&'static str] {
    NEGATIONS
}

/// All stop words, for typo correction into them ("shoudnt" is a stop word too).
#[must_use]
pub fn stopwords() -> &'static [&'static str] {
    STOPWORDS
}

/// Whether a normalised word is a stop word.
#[must_use]
pub fn is_stopword(word: &str) -> bool {
    STOPWORDS.binary_search(&word).is_ok()
}

/// One word of a normalised message: as typed, stemmed, and whether it is a stop word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// The normalised word as typed; typos are corrected on this form.
    pub word: String,
    /// The stemmed word.
    pub stem: String,
    /// Whether the word is common English (see [`Analyzer::is_common`]).
    pub common: bool,
    /// True for stop words, which the matcher skips but red-flag phrases may contain.
    pub stop: bool,
}

/// Turns text into tokens; holds the stemmer so it is built once.
pub struct Analyzer {
    stemmer: Stemmer,
    /// Stems of the most frequent English words.
    common: HashSet<String>,
}

/// The 5,000 most frequent English words (from the wordfreq project, CC BY-SA 4.0).
const COMMON_WORDS: &str = include_str!("common_words.txt");

impl Default for Analyzer {
    fn default() -> Self {
        let stemmer = Stemmer::create(Algorithm::English);
        let common = COMMON_WORDS
            .lines()
            .map(|w| stemmer.stem(w).into_owned())
            .collect();
        Self { stemmer, common }
    }
}

impl Analyzer {
    /// Whether a stem is common English: a real word, never a typo to correct, and chatter when
    /// the FAQ does not use it. Numbers count as common ("15 year old").
    #[must_use]
    pub fn is_common(&self, stem: &str) -> bool {
        self.common.contains(stem) || (!stem.is_empty() && stem.bytes().all(|b| b.is_ascii_digit()))
    }

    /// All tokens of `raw`, stop words included (marked), in order.
    #[must_use]
    pub fn tokens(&self, raw: &str) -> Vec<Token> {
        normalise(raw)
            .split(' ')
            .filter(|w| !w.is_empty())
            .map(|word| self.token(word))
            .collect()
    }

    /// The token for one normalised word. Negations all become the term `not`, so "who
    /// shouldn't get it" keeps its meaning and "can't breathe" matches "cannot breathe".
    #[must_use]
    pub fn token(&self, word: &str) -> Token {
        let word = chat_spelling(word);
        let stem = if is_negation(word) {
            NEGATION.to_string()
        } else {
            self.stem(word)
        };
        Token {
            word: word.to_string(),
            common: self.is_common(&stem),
            stem,
            stop: is_stopword(word),
        }
    }

    /// The stems of the words of `raw` that are not stop words, in order.
    #[must_use]
    pub fn terms(&self, raw: &str) -> Vec<String> {
        self.tokens(raw)
            .into_iter()
            .filter(|t| !t.stop)
            .map(|t| t.stem)
            .collect()
    }

    /// The Snowball English stem of one normalised word.
    #[must_use]
    pub fn stem(&self, word: &str) -> String {
        self.stemmer.stem(word).into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stopword_list_is_sorted_for_binary_search() {
        assert!(
            STOPWORDS.windows(2).all(|w| w[0] < w[1]),
            "STOPWORDS must stay sorted and unique"
        );
    }

    #[test]
    fn normalise_strips_discord_markup_and_folds_unicode() {
        let cases = [
            ("<@123456789012345678> whats PROLO?", "whats prolo"),
            ("<@!1> <#2> <@&3> hi <:blob:99> <a:dance:98>", "hi"),
            (
                "see https://example.com/x?y=1 and www.foo.org now",
                "see and now",
            ),
            (
                "**Does** it _hurt_? ~~no~~ ||spoiler||",
                "does it hurt no spoiler",
            ),
            ("Café naïve ＦＵＬＬＷＩＤＴＨ", "cafe naive fullwidth"),
            ("can't won’t", "cant wont"),
            ("pro\u{200B}lo\u{202E}therapy", "prolotherapy"),
            ("z̷̢a̸l̶g̵o̴", "zalgo"),
            ("new here 👋 total noob", "new here total noob"),
            ("a <b> c < d", "a b c d"),
        ];
        for (raw, expected) in cases {
            assert_eq!(normalise(raw), expected, "normalising {raw:?}");
        }
    }

    #[test]
    fn normalise_bounds_input_and_word_length() {
        let long = "a".repeat(10_000);
        assert_eq!(normalise(&long).chars().count(), MAX_WORD_CHARS);
        let many = "ab ".repeat(5_000);
        assert_eq!(normalise(&many).split(' ').count(), MAX_INPUT_CHARS / 3 + 1);
    }

    #[test]
    fn terms_drop_stopwords_and_stem() {
        let analyzer = Analyzer::default();
        assert_eq!(
            analyzer.terms("What are the injections like?"),
            ["what", "inject"]
        );
        assert_eq!(
            analyzer.terms("who shouldn't get it, or can't"),
            ["who", "not", "not"]
        );
        assert_eq!(analyzer.terms("Ligaments healing"), ["ligament", "heal"]);
        let tokens = analyzer.tokens("I can't breathe");
        assert_eq!(
            tokens.iter().map(|t| t.stop).collect::<Vec<_>>(),
            [true, false, false],
            "can't is the negation term, not a stop word"
        );
    }
}
