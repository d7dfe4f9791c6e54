//! Reading a `faq.toml` as text, in plain words: its encoding, its first syntax error at the
//! place the mistake starts, and the parser's type errors.
//!
//! The TOML parser reports where it gave up, which is often far from the mistake: an unclosed
//! `"""` swallows the lines below it and fails on the next entry. So the tokens before the
//! error are read again (with the same lexer the parser uses) to find where the mistake
//! starts, and the text there is compared with the mistakes people make in a word processor or
//! from habit (curly quotes, `yes`, 11/25/2026, a list written as one text, a forgotten
//! `[[entry]]` line) to say what to write instead.

use std::ops::Range;

use toml_parser::lexer::{Token, TokenKind};
use toml_parser::Source;

use super::problem::{closest, Problem};
use super::raw::ENTRY_FIELDS;

/// The file's bytes as text. `Err` carries the text before the first byte that is not UTF-8
/// (where to point) and the problem.
pub(super) fn decode(bytes: &[u8]) -> Result<&str, (&str, Problem)> {
    // UTF-16 starts with a byte-order mark, and its ASCII letters come with a zero byte each.
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) || bytes.contains(&0) {
        return Err(("", Problem::NotUtf8 { encoding: "UTF-16" }));
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    std::str::from_utf8(bytes).map_err(|error| {
        let (valid, _) = bytes.split_at(error.valid_up_to());
        let valid = std::str::from_utf8(valid).unwrap_or_default();
        let problem = Problem::NotUtf8 {
            encoding: "Windows-1252 (ANSI)",
        };
        (valid, problem)
    })
}

/// Where the mistake behind the parser's syntax error `message` at `at` starts, and what it is.
pub(super) fn explain_syntax(source: &str, at: &Range<usize>, message: &str) -> (usize, Problem) {
    let tokens = Source::new(source).lex().into_vec();
    if let Some(found) = unclosed_text(source, &tokens, at.start) {
        return found;
    }
    if let Some(open) = unclosed_list(source, &tokens, at.start, message) {
        return (open, Problem::UnclosedList);
    }
    let line = Line::at(source, at.start);
    let span_text = source.get(at.clone()).unwrap_or_default().trim();
    if message.starts_with("duplicate key") {
        return (at.start, duplicate(source, &line, span_text, at.start));
    }
    if span_text.starts_with(CURLY_QUOTES) || line.value().starts_with(CURLY_QUOTES) {
        return (at.start.min(line.value_start()), Problem::CurlyQuotes);
    }
    if message.starts_with("key with no value") {
        let key = line.text.split_whitespace().next().unwrap_or_default();
        return (at.start, Problem::MissingEquals(key.to_owned()));
    }
    if message.starts_with("missing comma between array elements") {
        return (at.start, Problem::MissingComma);
    }
    if message.starts_with("unclosed") && line.text.trim_start().starts_with('[') {
        return (line.start, unclosed_header(line.text));
    }
    if let Some(key) = line.key().filter(|_| at.start >= line.value_start()) {
        let (value, key) = (line.value(), key.to_owned());
        let problem = if value.is_empty() {
            Problem::MissingValue(key)
        } else if is_boolean_word(value) {
            Problem::NotABoolean(value.to_owned())
        } else if looks_like_a_date(value) {
            Problem::BadDate {
                found: value.to_owned(),
                example: rewritten_date(value),
            }
        } else if message.starts_with("string values must be quoted") {
            Problem::UnquotedText {
                key,
                value: value.to_owned(),
            }
        } else {
            Problem::Syntax(message.to_owned())
        };
        return (line.value_start(), problem);
    }
    (at.start, Problem::Syntax(message.to_owned()))
}

/// The parser's type error `message` for the value at `at` (from deserialising a table), in
/// plain words: serde's messages name the field and, for an unknown one, the fields allowed.
pub(super) fn explain_type(source: &str, at: &Range<usize>, message: &str) -> Problem {
    let names: Vec<&str> = message.split('`').skip(1).step_by(2).collect();
    if message.starts_with("unknown field") {
        if let Some((field, allowed)) = names.split_first() {
            return unknown_field(field, allowed);
        }
    }
    if message.starts_with("missing field") {
        if let Some(field) = names.first() {
            return Problem::MissingField((*field).to_owned());
        }
    }
    let Some(expected) = message
        .strip_prefix("invalid type: ")
        .and_then(|rest| rest.rsplit_once(", expected "))
        .map(|(_, expected)| expected)
    else {
        return Problem::Syntax(message.to_owned());
    };
    let line = Line::at(source, at.start);
    let key = line.key().unwrap_or_default().to_owned();
    let written = source.get(at.clone()).unwrap_or_default().trim().to_owned();
    let quoted = message.starts_with("invalid type: string");
    match expected {
        "a boolean" if quoted => return Problem::QuotedBoolean(written),
        "a TOML datetime" if quoted => return Problem::QuotedDate(written),
        "a sequence" if quoted => return Problem::ListAsString(key),
        _ => {}
    }
    let expected = match expected {
        "a string" => "text in straight quotes, like \"...\"",
        "a boolean" => "`true` or `false`",
        "a sequence" => "a list in square brackets, like [\"first\", \"second\"]",
        "a TOML datetime" => "a date without quotes, like 2026-11-25",
        "f64" | "a float" => "a number without quotes, like 0.5",
        _ => return Problem::Syntax(message.to_owned()),
    };
    Problem::WrongType { key, expected }
}

/// An unknown field among `allowed`: a typo of one of them, or an entry's field outside an entry.
pub(super) fn unknown_field(field: &str, allowed: &[&str]) -> Problem {
    let suggestion = closest(field, allowed.iter().copied());
    let in_an_entry = allowed.contains(&"questions");
    if suggestion.is_none() && !in_an_entry && ENTRY_FIELDS.contains(&field) {
        return Problem::MissingHeader {
            key: field.to_owned(),
            header: "[[entry]]",
            what: "entry",
        };
    }
    Problem::UnknownField {
        field: field.to_owned(),
        expected: allowed.join(", "),
        suggestion: suggestion.map(str::to_owned),
    }
}

/// The fields only a `[[red_flags.rule]]` has.
const RULE_ONLY: [&str; 5] = ["category", "tier", "when", "all", "advice"];

const CURLY_QUOTES: [char; 6] = ['“', '”', '„', '‘', '’', '‚'];

/// A string token whose quotes are not closed where the mistake is, or the multi-line text
/// before the error that ran on into the lines below it (its closing quotes are missing, so
/// the next text's opening quotes closed it).
fn unclosed_text(source: &str, tokens: &[Token], at: usize) -> Option<(usize, Problem)> {
    let strings = tokens.iter().filter_map(|token| {
        let quotes = match token.kind() {
            TokenKind::BasicString => "\"",
            TokenKind::LiteralString => "'",
            TokenKind::MlBasicString => "\"\"\"",
            TokenKind::MlLiteralString => "'''",
            _ => return None,
        };
        let span = token.span().start()..token.span().end();
        Some((span, quotes))
    });
    let mut last_multiline = None;
    for (span, quotes) in strings {
        if span.start > at {
            break;
        }
        let raw = &source[span.clone()];
        if span.end >= at && !is_closed(raw, quotes) {
            let runs_to = None;
            return Some((span.start, Problem::UnclosedText { quotes, runs_to }));
        }
        if quotes.len() == 3 {
            last_multiline = Some((span, quotes));
        }
    }
    let (span, quotes) = last_multiline?;
    let inner = &source[span.start + quotes.len()..span.end - quotes.len()];
    inner.lines().any(is_structure_line).then(|| {
        let runs_to = Some(line_number(source, span.end));
        (span.start, Problem::UnclosedText { quotes, runs_to })
    })
}

fn is_closed(raw: &str, quotes: &str) -> bool {
    let Some(body) = raw
        .strip_prefix(quotes)
        .and_then(|rest| rest.strip_suffix(quotes))
    else {
        return false;
    };
    // In a basic string, `\"` is an escaped quote, not the closing one.
    quotes == "'''" || quotes == "'" || (body.len() - body.trim_end_matches('\\').len()) % 2 == 0
}

/// The opening `[` of a list still open at `at`, when the error shows the file went on as if it
/// had been closed (a new `key = value` or table line) or ran out.
fn unclosed_list(source: &str, tokens: &[Token], at: usize, message: &str) -> Option<usize> {
    let mut open: Vec<usize> = Vec::new();
    let mut value_next = false;
    for token in tokens.iter().take_while(|token| token.span().start() < at) {
        match token.kind() {
            TokenKind::Whitespace | TokenKind::Comment => {}
            TokenKind::Newline => value_next &= !open.is_empty(),
            TokenKind::Equals => value_next = true,
            TokenKind::LeftSquareBracket if value_next || !open.is_empty() => {
                open.push(token.span().start());
                value_next = false;
            }
            TokenKind::RightSquareBracket if !open.is_empty() => {
                open.pop();
            }
            _ => value_next = false,
        }
    }
    let first = *open.first()?;
    let went_on = line_number(source, first) < line_number(source, at)
        && is_structure_line(Line::at(source, at).text);
    (went_on || message.starts_with("unclosed array")).then_some(first)
}

/// A key set twice: a table written twice, an entry (or rule) without its own `[[...]]` line,
/// or a field repeated within one table.
fn duplicate(source: &str, line: &Line<'_>, key: &str, at: usize) -> Problem {
    let text = line.text.trim();
    if text.starts_with('[') {
        return Problem::DuplicateTable(text.to_owned());
    }
    let key = key.trim_matches(['"', '\'']).to_owned();
    // The keys from here to the next table line: a second `id` among them means a second entry
    // or rule, whose own `[[...]]` line is missing. Its other keys say which of the two it is.
    let keys: Vec<&str> = source[line.start..]
        .lines()
        .take_while(|line| !line.trim_start().starts_with('['))
        .filter_map(|line| {
            Line {
                start: 0,
                text: line,
            }
            .key()
        })
        .collect();
    if !keys.contains(&"id") {
        return Problem::DuplicateKey(key);
    }
    let table = source[..source.floor_char_boundary(at)]
        .lines()
        .rev()
        .map(str::trim)
        .find(|line| line.starts_with('['))
        .map(|header| header.replace(' ', ""));
    let entry_keys = keys
        .iter()
        .any(|key| ENTRY_FIELDS.contains(key) && !["id", "title"].contains(key));
    let rule_keys = keys.iter().any(|key| RULE_ONLY.contains(key));
    let is_rule = rule_keys || (!entry_keys && table.as_deref() == Some("[[red_flags.rule]]"));
    let (header, what) = if is_rule {
        ("[[red_flags.rule]]", "rule")
    } else {
        ("[[entry]]", "entry")
    };
    Problem::MissingHeader { key, header, what }
}

fn unclosed_header(text: &str) -> Problem {
    let text = text.trim();
    let depth = if text.starts_with("[[") { 2 } else { 1 };
    let name = text.trim_matches(['[', ']', ' ']);
    let (open, closing) = if depth == 2 { ("[[", "]]") } else { ("[", "]") };
    Problem::UnclosedHeader {
        closing,
        example: format!("{open}{name}{closing}"),
    }
}

/// `yes`, `no`, `on`, `off`, `True`, ...: a yes/no that is not TOML's `true` or `false`.
fn is_boolean_word(value: &str) -> bool {
    const WORDS: [&str; 8] = ["yes", "no", "y", "n", "on", "off", "true", "false"];
    WORDS.iter().any(|word| value.eq_ignore_ascii_case(word)) && value != "true" && value != "false"
}

/// Digits in three groups with `/`, `.` or `-` between them: somebody's idea of a date.
fn looks_like_a_date(value: &str) -> bool {
    let parts: Vec<&str> = value.split(['/', '.', '-']).collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|part| (1..=4).contains(&part.len()) && part.bytes().all(|b| b.is_ascii_digit()))
}

/// The date in `value` written as YYYY-MM-DD, when it can be read only one way.
fn rewritten_date(value: &str) -> Option<String> {
    let parts: Vec<u32> = value
        .split(['/', '.', '-'])
        .map(str::parse)
        .collect::<Result<_, _>>()
        .ok()?;
    let [a, b, c] = parts[..] else { return None };
    let (year, month, day) = if a > 31 {
        (a, b, c)
    } else if c > 31 {
        match (a > 12, b > 12) {
            (false, true) => (c, a, b),
            (true, false) => (c, b, a),
            // 11/12/2026: November or December? Only the person who wrote it knows.
            _ => return None,
        }
    } else {
        return None;
    };
    ((1..=12).contains(&month) && (1..=31).contains(&day))
        .then(|| format!("{year:04}-{month:02}-{day:02}"))
}

/// A line that reads as TOML structure rather than prose: a table line or `key = value`.
fn is_structure_line(line: &str) -> bool {
    let line = line.trim();
    if line.starts_with('[') && line.ends_with(']') && line.len() > 2 {
        return true;
    }
    line.split_once('=').is_some_and(|(key, _)| {
        let key = key.trim();
        !key.is_empty()
            && key
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    })
}

/// The 1-based line of byte `offset`.
fn line_number(source: &str, offset: usize) -> usize {
    source.get(..offset).unwrap_or(source).matches('\n').count() + 1
}

/// The line around an offset, and its `key = value` parts.
struct Line<'s> {
    /// Byte offset of the line's start.
    start: usize,
    text: &'s str,
}

impl<'s> Line<'s> {
    fn at(source: &'s str, offset: usize) -> Self {
        let offset = source.floor_char_boundary(offset);
        let start = source[..offset].rfind('\n').map_or(0, |i| i + 1);
        let end = source[offset..]
            .find('\n')
            .map_or(source.len(), |i| offset + i);
        Self {
            start,
            text: source[start..end].trim_end_matches('\r'),
        }
    }

    /// The key, when the line is `key = value` (not a table line).
    fn key(&self) -> Option<&'s str> {
        let (key, _) = self.text.split_once('=')?;
        let key = key.trim().trim_matches(['"', '\'']);
        (!key.is_empty() && !self.text.trim_start().starts_with('[')).then_some(key)
    }

    /// Byte offset where the value starts (after `=` and spaces); the line's end without `=`.
    fn value_start(&self) -> usize {
        let Some(equals) = self.text.find('=') else {
            return self.start + self.text.len();
        };
        let after = &self.text[equals + 1..];
        self.start + equals + 1 + (after.len() - after.trim_start().len())
    }

    /// The value as written, without a trailing comment unless it is quoted.
    fn value(&self) -> &'s str {
        let Some((_, value)) = self.text.split_once('=') else {
            return "";
        };
        let value = value.trim();
        if value.starts_with(['"', '\'', '[']) {
            value
        } else {
            value.split('#').next().unwrap_or_default().trim()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_rewritten_only_when_they_read_one_way() {
        assert_eq!(rewritten_date("11/25/2026").as_deref(), Some("2026-11-25"));
        assert_eq!(rewritten_date("25.11.2026").as_deref(), Some("2026-11-25"));
        assert_eq!(rewritten_date("2026/11/25").as_deref(), Some("2026-11-25"));
        assert_eq!(rewritten_date("11/12/2026"), None);
        assert_eq!(rewritten_date("2026-13-45"), None);
    }

    #[test]
    fn encodings_other_than_utf8_are_named() {
        assert_eq!(decode(b"\xEF\xBB\xBFa = 1").map_err(|e| e.1), Ok("a = 1"));
        let utf16: Vec<u8> = "a = 1".encode_utf16().flat_map(u16::to_le_bytes).collect();
        assert_eq!(
            decode(&utf16).map_err(|e| e.1),
            Err(Problem::NotUtf8 { encoding: "UTF-16" })
        );
        let (before, problem) = decode(b"a = \"caf\xE9\"").expect_err("Windows-1252");
        assert_eq!(before, "a = \"caf");
        assert!(
            problem.to_string().contains("save it as UTF-8"),
            "{problem}"
        );
    }

    #[test]
    fn structure_lines_are_tables_and_keys_not_prose() {
        assert!(is_structure_line("[[entry]]"));
        assert!(is_structure_line("id = \"cost\""));
        assert!(!is_structure_line("Prices vary; ask the clinic."));
        assert!(!is_structure_line("- a = b, roughly"));
    }
}
