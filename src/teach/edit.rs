//! Editing `faq.toml` text in place with `toml_edit`: adding a [`Change`] (example questions of
//! one entry, or off-topic subjects) and taking it out again, every other byte kept.
//!
//! A new item goes at the end of its list in the list's own style: on a line of its own, indented
//! like the list's other lines, when the list spans lines (so the file gains exactly one line per
//! item), or after a space when the list is on one line. Taking an item out puts back what adding
//! it moved, so adding and then removing gives the original text.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};
use toml_edit::{Array, DocumentMut, Item, Table, Value};

/// One thing taught: what is added to the file, and what an undo takes out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "kebab-case")]
pub enum Change {
    /// Example questions added to an entry's `questions`.
    Phrasings {
        /// The entry's id.
        entry: String,
        /// The questions, as written to the file.
        questions: Vec<String>,
    },
    /// Words naming other subjects, added to `[subjects] other`.
    OffTopic {
        /// The words and phrases, as written to the file.
        subjects: Vec<String>,
    },
}

impl Change {
    /// The texts added.
    #[must_use]
    pub fn texts(&self) -> &[String] {
        match self {
            Self::Phrasings { questions, .. } => questions,
            Self::OffTopic { subjects } => subjects,
        }
    }

    /// Where the texts go, for messages: `aftercare's questions` or `[subjects] other`.
    #[must_use]
    pub fn list_name(&self) -> String {
        match self {
            Self::Phrasings { entry, .. } => format!("{entry}'s questions"),
            Self::OffTopic { .. } => "[subjects] other".to_owned(),
        }
    }
}

/// Why the file text could not be edited.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    /// The text is not TOML.
    #[error("the FAQ file is not valid TOML: {0}")]
    Syntax(String),
    /// `toml_edit` would not write the text back as it was read, so an edit could change more
    /// than the added lines.
    #[error("the FAQ file has formatting that cannot be kept exactly; nothing was changed (edit it by hand)")]
    Unfaithful,
    /// No `[[entry]]` has the id.
    #[error("there is no entry with id \"{0}\"")]
    NoEntry(String),
    /// The list to edit is something other than a list.
    #[error("{0} is not a list")]
    NotAList(String),
    /// An item to take out is not in its list (any more).
    #[error("\"{text}\" is not in {list}")]
    Missing {
        /// The list, as [`Change::list_name`] names it.
        list: String,
        /// The missing item.
        text: String,
    },
}

/// `source` with `change` added at the end of its list.
pub fn add(source: &str, change: &Change) -> Result<String, EditError> {
    edit(source, |document| {
        let list = list_mut(document, change, true)?;
        for text in change.texts() {
            push_in_style(list, text);
        }
        Ok(())
    })
}

/// `source` without the items `change` added: the last occurrence of each, so an item added
/// twice is taken out once. Refused, changing nothing, when one of them is missing.
pub fn remove(source: &str, change: &Change) -> Result<String, EditError> {
    edit(source, |document| {
        let list = list_mut(document, change, false)?;
        // Last added, first out: each removal then restores the layout the next one expects.
        for text in change.texts().iter().rev() {
            let index = (0..list.len())
                .rev()
                .find(|&i| list.get(i).and_then(Value::as_str) == Some(text.as_str()))
                .ok_or_else(|| EditError::Missing {
                    list: change.list_name(),
                    text: text.clone(),
                })?;
            remove_in_style(list, index);
        }
        Ok(())
    })
}

/// Parses `source`, applies `change` and writes the document back. `toml_edit` writes line
/// breaks as `\n`, so a file with `\r\n` line breaks throughout is edited with `\n` and given
/// its `\r\n` back; a text that would not come back exactly as it was is refused.
fn edit(
    source: &str,
    change: impl FnOnce(&mut DocumentMut) -> Result<(), EditError>,
) -> Result<String, EditError> {
    let crlf = source.contains("\r\n");
    let text = if crlf {
        source.replace("\r\n", "\n")
    } else {
        source.to_owned()
    };
    let restore = |text: String| {
        if crlf {
            text.replace('\n', "\r\n")
        } else {
            text
        }
    };
    let mut document: DocumentMut = text
        .parse()
        .map_err(|error: toml_edit::TomlError| EditError::Syntax(error.message().to_owned()))?;
    if restore(document.to_string()) != source {
        return Err(EditError::Unfaithful);
    }
    change(&mut document)?;
    Ok(restore(document.to_string()))
}

/// The list `change` edits; `[subjects]` and its `other` list are created when `create`.
fn list_mut<'d>(
    document: &'d mut DocumentMut,
    change: &Change,
    create: bool,
) -> Result<&'d mut Array, EditError> {
    let not_a_list = || EditError::NotAList(change.list_name());
    match change {
        Change::Phrasings { entry, .. } => {
            let table = document
                .get_mut("entry")
                .and_then(Item::as_array_of_tables_mut)
                .and_then(|entries| {
                    entries
                        .iter_mut()
                        .find(|table| table.get("id").and_then(Item::as_str) == Some(entry))
                })
                .ok_or_else(|| EditError::NoEntry(entry.clone()))?;
            table
                .get_mut("questions")
                .and_then(Item::as_array_mut)
                .ok_or_else(not_a_list)
        }
        Change::OffTopic { .. } => {
            if create && !document.contains_key("subjects") {
                document.insert("subjects", Item::Table(Table::new()));
            }
            let subjects = document
                .get_mut("subjects")
                .and_then(Item::as_table_like_mut)
                .ok_or_else(not_a_list)?;
            if create && !subjects.contains_key("other") {
                subjects.insert("other", Item::Value(Value::Array(Array::new())));
            }
            subjects
                .get_mut("other")
                .and_then(Item::as_array_mut)
                .ok_or_else(not_a_list)
        }
    }
}

/// The indentation of a list whose items are on lines of their own: taken from the first item
/// that starts a line, or (an empty list spanning lines) two spaces.
fn line_indent(list: &Array) -> Option<String> {
    for value in list {
        let prefix = prefix_of(value);
        if let Some(at) = prefix.rfind('\n') {
            return Some(prefix[at + 1..].to_owned());
        }
    }
    let trailing = list.trailing().as_str().unwrap_or_default();
    (list.is_empty() && trailing.contains('\n')).then(|| "  ".to_owned())
}

/// `text` as a TOML basic string (`"..."`), the style of the shipped FAQ, whatever it holds.
fn basic_string(text: &str) -> Value {
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('"');
    for c in text.chars() {
        match c {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            '\n' => quoted.push_str("\\n"),
            '\t' => quoted.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(quoted, "\\u{:04X}", u32::from(c));
            }
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted.parse().unwrap_or_else(|_| Value::from(text))
}

fn prefix_of(value: &Value) -> &str {
    value
        .decor()
        .prefix()
        .and_then(|raw| raw.as_str())
        .unwrap_or_default()
}

/// Appends `text` in the list's style. In a list spanning lines, whatever stood after the last
/// item (a comment, the line break before `]`) moves in front of the new item, so the new item
/// is one new line just before the closing bracket's line.
fn push_in_style(list: &mut Array, text: &str) {
    let mut value = basic_string(text);
    if let Some(indent) = line_indent(list) {
        let trailing = list.trailing().as_str().unwrap_or_default().to_owned();
        let (before, after) = trailing.rfind('\n').map_or((trailing.as_str(), ""), |at| {
            (&trailing[..at], &trailing[at + 1..])
        });
        value.decor_mut().set_prefix(format!("{before}\n{indent}"));
        list.set_trailing(format!("\n{after}"));
    } else {
        value
            .decor_mut()
            .set_prefix(if list.is_empty() { "" } else { " " });
    }
    value.decor_mut().set_suffix("");
    list.push_formatted(value);
}

/// Removes item `index`, giving what its prefix held before its own line (a comment, a line
/// break) to what follows it: the next item, or the end of the list.
fn remove_in_style(list: &mut Array, index: usize) {
    let removed = list.remove(index);
    let prefix = prefix_of(&removed);
    let head = match prefix.rfind('\n') {
        // What stood before the item's own line break; the break itself the follower has.
        Some(at) => prefix[..at].to_owned(),
        // An item on a shared line: the first one gives the next its (empty) prefix.
        None if index == 0 => {
            if let Some(next) = list.get_mut(0) {
                next.decor_mut().set_prefix(prefix.to_owned());
            }
            return;
        }
        None => return,
    };
    if let Some(next) = list.get_mut(index) {
        let rest = prefix_of(next).to_owned();
        next.decor_mut().set_prefix(format!("{head}{rest}"));
    } else {
        let rest = list.trailing().as_str().unwrap_or_default().to_owned();
        list.set_trailing(format!("{head}{rest}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FAQ: &str = r#"# A comment that stays.
[subjects]
own = ["prolo"]
other = [
  # Other treatments.
  "physio", "massage",
  "yoga", # trailing remark
]

[[entry]]
id = "cost"
title = "Cost"
questions = [
  "how much does it cost",
  "is it expensive",
]

[[entry]]
id = "pain"   # keep me
title = "Pain"
questions = ["does it hurt", 'is it painful']
"#;

    fn phrasings(entry: &str, questions: &[&str]) -> Change {
        Change::Phrasings {
            entry: entry.to_owned(),
            questions: questions.iter().map(|&q| q.to_owned()).collect(),
        }
    }

    fn off_topic(subjects: &[&str]) -> Change {
        Change::OffTopic {
            subjects: subjects.iter().map(|&s| s.to_owned()).collect(),
        }
    }

    /// The lines of `after` that are not in `before`, when `after` is `before` with lines
    /// inserted; panics if anything else changed.
    fn inserted_lines(before: &str, after: &str) -> Vec<String> {
        let old: Vec<&str> = before.split_inclusive('\n').collect();
        let new: Vec<&str> = after.split_inclusive('\n').collect();
        let mut inserted = Vec::new();
        let mut at = 0;
        for line in &new {
            if old.get(at) == Some(line) {
                at += 1;
            } else {
                inserted.push((*line).to_owned());
            }
        }
        assert_eq!(at, old.len(), "lines changed, not only inserted:\n{after}");
        inserted
    }

    #[test]
    fn a_question_is_one_new_line_at_the_end_of_its_list() {
        let after = add(FAQ, &phrasings("cost", &["what's the price?"])).unwrap();
        assert_eq!(inserted_lines(FAQ, &after), ["  \"what's the price?\",\n"]);
        assert!(after.contains("  \"is it expensive\",\n  \"what's the price?\",\n]\n"));
    }

    #[test]
    fn several_questions_are_several_lines_and_quotes_are_escaped() {
        let texts = ["a \"quoted\" one", "back\\slash", "bell\u{7}"];
        let after = add(FAQ, &phrasings("cost", &texts)).unwrap();
        assert_eq!(
            inserted_lines(FAQ, &after),
            [
                "  \"a \\\"quoted\\\" one\",\n",
                "  \"back\\\\slash\",\n",
                "  \"bell\\u0007\",\n"
            ]
        );
        let parsed: DocumentMut = after.parse().unwrap();
        let questions = parsed["entry"][0]["questions"].as_array().unwrap();
        let read: Vec<&str> = questions.iter().skip(2).filter_map(Value::as_str).collect();
        assert_eq!(read, texts);
    }

    #[test]
    fn a_one_line_list_stays_on_its_line() {
        let after = add(FAQ, &phrasings("pain", &["is it sore"])).unwrap();
        assert_eq!(
            after,
            FAQ.replace("'is it painful']", "'is it painful', \"is it sore\"]")
        );
    }

    #[test]
    fn an_off_topic_subject_goes_after_the_trailing_comment() {
        let after = add(FAQ, &off_topic(&["pilates"])).unwrap();
        assert_eq!(inserted_lines(FAQ, &after), ["  \"pilates\",\n"]);
        assert!(after.contains("\"yoga\", # trailing remark\n  \"pilates\",\n]"));
    }

    #[test]
    fn removing_what_was_added_gives_the_original_back() {
        let changes = [
            phrasings("cost", &["what's the price?", "too dear?"]),
            phrasings("pain", &["is it sore"]),
            off_topic(&["pilates", "tai chi"]),
        ];
        for change in &changes {
            let added = add(FAQ, change).unwrap();
            assert_eq!(remove(&added, change).unwrap(), FAQ, "{change:?}");
        }
        let without_subjects = FAQ.replacen("[subjects]\nown = [\"prolo\"]\nother = [\n  # Other treatments.\n  \"physio\", \"massage\",\n  \"yoga\", # trailing remark\n]\n", "", 1);
        let added = add(&without_subjects, &off_topic(&["pilates"])).unwrap();
        assert!(
            added.contains("[subjects]\nother = [\"pilates\"]"),
            "{added}"
        );
    }

    #[test]
    fn removing_an_item_others_followed_keeps_theirs() {
        let first = phrasings("cost", &["what's the price?"]);
        let both = add(
            &add(FAQ, &first).unwrap(),
            &phrasings("cost", &["too dear?"]),
        )
        .unwrap();
        let removed = remove(&both, &first).unwrap();
        assert_eq!(
            removed,
            add(FAQ, &phrasings("cost", &["too dear?"])).unwrap()
        );
    }

    #[test]
    fn a_missing_item_or_entry_is_refused() {
        assert_eq!(
            remove(FAQ, &phrasings("cost", &["never added"])),
            Err(EditError::Missing {
                list: "cost's questions".into(),
                text: "never added".into()
            })
        );
        assert_eq!(
            add(FAQ, &phrasings("nope", &["q"])),
            Err(EditError::NoEntry("nope".into()))
        );
        assert!(matches!(
            add("[[entry]\n", &phrasings("cost", &["q"])),
            Err(EditError::Syntax(_))
        ));
    }

    #[test]
    fn crlf_files_get_crlf_lines() {
        let crlf = FAQ.replace('\n', "\r\n");
        let after = add(&crlf, &phrasings("cost", &["price"])).unwrap();
        assert!(
            after.contains("\"is it expensive\",\r\n  \"price\",\r\n]\r\n"),
            "{after:?}"
        );
        assert_eq!(
            remove(&after, &phrasings("cost", &["price"])).unwrap(),
            crlf
        );
    }
}
