//! `prolobot teach` command lines for the report's unanswered groups, so a moderator can act on a
//! group by pasting a line: one teaches the group's examples to an entry, one declines their
//! subject as off-topic. The bot could not pick the entry for these questions, so the line says
//! `ENTRY` for the moderator to replace, and the entries closest to the examples are listed above
//! it. Every argument is shell-quoted, so nothing in a question can run as a command.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;

use prolobot_core::Knowledge;

use crate::report::UnansweredGroup;

/// Stands for the entry in a teach line, for the moderator to replace.
const ENTRY: &str = "ENTRY";
/// How many of the closest entries are listed for a group.
const CLOSEST: usize = 3;

/// The teach command lines for `groups`, under a heading; empty when there are no groups.
/// `knowledge` lists each group's closest entries; `faq` is passed as `--faq` when given.
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
        "\n\nTeach the bot: replace ENTRY with the entry that answers a group (it is checked \
         before anything is written), or decline the group's subject as off-topic:",
    );
    for group in groups {
        let examples: Vec<&str> = group.examples.iter().map(String::as_str).collect();
        let Some(first) = examples.first() else {
            continue;
        };
        let shown: Vec<String> = examples
            .iter()
            .map(|e| format!("\"{}\"", one_line(e)))
            .collect();
        let closest = knowledge.map_or_else(Vec::new, |k| closest_entries(k, &examples, CLOSEST));
        let closest = if closest.is_empty() {
            String::new()
        } else {
            format!(" (closest entries: {})", closest.join(", "))
        };
        let _ = write!(
            out,
            "\n# {}x: {}{closest}\n{program} {ENTRY}{}\n{program} --off-topic{}",
            group.count(),
            shown.join(" / "),
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

/// The ids of the (at most `most`) entries the examples together are closest to, by the
/// matcher's ranking, best first.
#[must_use]
pub fn closest_entries<'k>(
    knowledge: &'k Knowledge,
    examples: &[&str],
    most: usize,
) -> Vec<&'k str> {
    let mut scores: HashMap<_, f32> = HashMap::new();
    for example in examples {
        for candidate in knowledge.rank(example) {
            *scores.entry(candidate.entry).or_default() += candidate.confidence;
        }
    }
    let mut ranked: Vec<_> = scores.into_iter().collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    ranked
        .into_iter()
        .take(most)
        .map(|(entry, _)| knowledge.faq().get(entry).id.as_str())
        .collect()
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
    use super::super::fixture::{group, FAQ};
    use super::*;
    use prolobot_core::Faq;

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
        let knowledge = Knowledge::new(Faq::from_toml_str(FAQ).unwrap().faq);
        let groups = [
            group(&["how much will the jab cost me", "cost of it'"]),
            group(&["qqq zzz\n# not a comment"]),
        ];
        let lines = command_lines(&groups, Some(&knowledge), Some(Path::new("my faq.toml")));
        let expected = [
            "",
            "",
            "Teach the bot: replace ENTRY with the entry that answers a group (it is checked before \
             anything is written), or decline the group's subject as off-topic:",
            "# 2x: \"how much will the jab cost me\" / \"cost of it'\" (closest entries: cost-insurance)",
            r"prolobot --faq 'my faq.toml' teach ENTRY 'how much will the jab cost me' 'cost of it'\'''",
            "prolobot --faq 'my faq.toml' teach --off-topic 'how much will the jab cost me'",
            "# 1x: \"qqq zzz # not a comment\"",
            "prolobot --faq 'my faq.toml' teach ENTRY 'qqq zzz",
            "# not a comment'",
            "prolobot --faq 'my faq.toml' teach --off-topic 'qqq zzz",
            "# not a comment'",
        ];
        assert_eq!(lines.split('\n').collect::<Vec<_>>(), expected);
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
