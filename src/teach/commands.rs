//! `prolobot teach` command lines for the report's unanswered groups, so a moderator can act on a
//! group by pasting a line: one teaches the group's examples to the entry closest to them, one
//! declines their subject as off-topic. Every argument is shell-quoted, so nothing in a question
//! can run as a command.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;

use prolobot_core::Knowledge;

use crate::report::UnansweredGroup;

/// Stands for the entry when no entry is close to a group's examples.
const NO_ENTRY: &str = "ENTRY";

/// The teach command lines for `groups`, under a heading; empty when there are no groups.
/// `knowledge` picks each group's closest entry (without it every line says `ENTRY`); `faq` is
/// passed as `--faq` when given.
#[must_use]
pub fn command_lines(
    groups: &[UnansweredGroup],
    knowledge: Option<&Knowledge>,
    faq: Option<&Path>,
) -> String {
    if groups.is_empty() {
        return String::new();
    }
    let program = match faq {
        Some(path) => format!(
            "prolobot --faq {} teach",
            shell_quote(&path.display().to_string())
        ),
        None => "prolobot teach".to_owned(),
    };
    let mut out = String::from(
        "\nTeach the bot (the entry is the closest one to the examples, not always the right one; change it if needed):",
    );
    for group in groups {
        let examples: Vec<&str> = group.examples.iter().map(String::as_str).collect();
        let Some(first) = examples.first() else {
            continue;
        };
        let entry = knowledge
            .and_then(|knowledge| closest_entry(knowledge, &examples))
            .unwrap_or(NO_ENTRY);
        let shown: Vec<String> = examples
            .iter()
            .map(|e| format!("\"{}\"", one_line(e)))
            .collect();
        let _ = write!(
            out,
            "\n# {}x: {}\n{program} {}{}\n{program} --off-topic{}",
            group.count(),
            shown.join(" / "),
            shell_quote(entry),
            arguments(&examples),
            arguments(&[first]),
        );
    }
    out
}

/// ` -- 'a' 'b'` when an argument starts with `-` (so it is not read as an option), else ` 'a' 'b'`.
fn arguments(texts: &[&str]) -> String {
    let separator = if texts.iter().any(|t| t.starts_with('-')) {
        " --"
    } else {
        ""
    };
    texts.iter().fold(separator.to_owned(), |mut line, text| {
        line.push(' ');
        line.push_str(&shell_quote(text));
        line
    })
}

/// The entry the examples together are closest to, by the matcher's ranking.
fn closest_entry<'k>(knowledge: &'k Knowledge, examples: &[&str]) -> Option<&'k str> {
    let mut scores: HashMap<_, f32> = HashMap::new();
    for example in examples {
        for candidate in knowledge.rank(example) {
            *scores.entry(candidate.entry).or_default() += candidate.confidence;
        }
    }
    scores
        .into_iter()
        .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)))
        .map(|(entry, _)| knowledge.faq().get(entry).id.as_str())
}

/// `text` on one line with no control characters, for a `#` comment.
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// `text` as one POSIX shell word: as is when it holds only characters no shell treats
/// specially, else in single quotes (a single quote inside written `'\''`).
#[must_use]
pub fn shell_quote(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=@,+%".contains(c));
    if plain {
        text.to_owned()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use prolobot_core::Faq;

    fn group(examples: &[&str]) -> UnansweredGroup {
        UnansweredGroup {
            no_match: examples.len(),
            suggest: 0,
            last_asked: 0,
            examples: examples.iter().map(|&e| e.to_owned()).collect(),
        }
    }

    #[test]
    fn quoting_keeps_every_character_literal() {
        assert_eq!(shell_quote("aftercare"), "aftercare");
        assert_eq!(shell_quote("can i do yoga"), "'can i do yoga'");
        assert_eq!(
            shell_quote("it's $(rm -rf /) `x` \"y\""),
            r#"'it'\''s $(rm -rf /) `x` "y"'"#
        );
        assert_eq!(shell_quote(""), "''");
        assert_eq!(shell_quote("two\nlines"), "'two\nlines'");
    }

    #[test]
    fn each_group_gets_a_teach_line_and_an_off_topic_line() {
        let faq = Faq::from_toml_str(super::super::fixture::FAQ).unwrap().faq;
        let knowledge = Knowledge::new(faq);
        let groups = [
            group(&["how much does the jab cost me", "cost of it'"]),
            group(&["qqq zzz"]),
        ];
        let lines = command_lines(&groups, Some(&knowledge), Some(Path::new("my faq.toml")));
        assert_eq!(
            lines,
            "\nTeach the bot (the entry is the closest one to the examples, not always the right one; change it if needed):\n\
             # 2x: \"how much does the jab cost me\" / \"cost of it'\"\n\
             prolobot --faq 'my faq.toml' teach cost-insurance 'how much does the jab cost me' 'cost of it'\\'''\n\
             prolobot --faq 'my faq.toml' teach --off-topic 'how much does the jab cost me'\n\
             # 1x: \"qqq zzz\"\n\
             prolobot --faq 'my faq.toml' teach ENTRY 'qqq zzz'\n\
             prolobot --faq 'my faq.toml' teach --off-topic 'qqq zzz'"
        );
        assert_eq!(command_lines(&[], Some(&knowledge), None), "");
    }

    #[test]
    fn an_argument_that_looks_like_an_option_comes_after_a_double_dash() {
        let lines = command_lines(&[group(&["-rf everything"])], None, None);
        assert!(
            lines.contains("prolobot teach ENTRY -- '-rf everything'"),
            "{lines}"
        );
        assert!(
            lines.contains("prolobot teach --off-topic -- '-rf everything'"),
            "{lines}"
        );
    }
}
