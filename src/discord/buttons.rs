//! Buttons under replies: their custom ids (what a click means, and whose click counts) and the
//! button rows each kind of reply carries.
//!
//! Custom ids carry everything a click needs, so buttons keep working after a restart:
//! `faq:s:<asker>:<entry>` (a suggestion), `faq:d:<asker>` (delete the reply),
//! `faq:v:<asker>:<question row>:<1|0>` (helpful or not), `faq:m:<entry>` (more detail) and
//! `faq:a:<entry>` (the answer to a second question the message also asked). The last two show
//! FAQ text privately to whoever clicks and change nothing others see, so anyone may use them
//! and they name no asker.

use std::fmt;

use serenity::all::{ButtonStyle, CreateActionRow, CreateButton};

use prolobot_core::{Reply, ReplyKind};

/// Discord's limit on a custom id, in characters.
const CUSTOM_ID_LIMIT: usize = 100;
/// Discord's limit on a button label, in characters.
const LABEL_LIMIT: usize = 80;
/// Buttons per action row.
const ROW_LIMIT: usize = 5;

/// What a button does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Button {
    /// Show this entry instead of the suggestions; only the asker's click counts.
    Suggestion {
        /// Who asked.
        asker: u64,
        /// The suggested entry.
        entry: String,
    },
    /// Delete the reply; the asker or a moderator.
    Delete {
        /// Who asked.
        asker: u64,
    },
    /// Show the entry's longer text to whoever clicks, only to them.
    More {
        /// The answered entry.
        entry: String,
    },
    /// Show the answer to the message's second question to whoever clicks, only to them.
    Also {
        /// The entry that answers the second question.
        entry: String,
    },
    /// Rate an answer; only the asker's first vote counts.
    Vote {
        /// Who asked.
        asker: u64,
        /// The recorded question's row id.
        question: i64,
        /// Helpful or not.
        helpful: bool,
    },
}

impl Button {
    /// Reads a custom id; `None` if it is not one of ours.
    pub(crate) fn parse(custom_id: &str) -> Option<Self> {
        let parts: Vec<&str> = custom_id.split(':').collect();
        match parts.as_slice() {
            ["faq", "s", asker, entry] if is_entry_id(entry) => Some(Self::Suggestion {
                asker: asker.parse().ok()?,
                entry: (*entry).to_owned(),
            }),
            ["faq", "m", entry] if is_entry_id(entry) => Some(Self::More {
                entry: (*entry).to_owned(),
            }),
            ["faq", "a", entry] if is_entry_id(entry) => Some(Self::Also {
                entry: (*entry).to_owned(),
            }),
            ["faq", "d", asker] => Some(Self::Delete {
                asker: asker.parse().ok()?,
            }),
            ["faq", "v", asker, question, helpful] => Some(Self::Vote {
                asker: asker.parse().ok()?,
                question: question.parse().ok()?,
                helpful: match *helpful {
                    "1" => true,
                    "0" => false,
                    _ => return None,
                },
            }),
            _ => None,
        }
    }

    /// The user whose click counts; `None` for More detail, which anyone may use.
    pub(crate) fn asker(&self) -> Option<u64> {
        match self {
            Self::Suggestion { asker, .. } | Self::Delete { asker } | Self::Vote { asker, .. } => {
                Some(*asker)
            }
            Self::More { .. } | Self::Also { .. } => None,
        }
    }
}

impl fmt::Display for Button {
    /// The custom id.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Suggestion { asker, entry } => write!(f, "faq:s:{asker}:{entry}"),
            Self::Delete { asker } => write!(f, "faq:d:{asker}"),
            Self::More { entry } => write!(f, "faq:m:{entry}"),
            Self::Also { entry } => write!(f, "faq:a:{entry}"),
            Self::Vote {
                asker,
                question,
                helpful,
            } => write!(f, "faq:v:{asker}:{question}:{}", u8::from(*helpful)),
        }
    }
}

/// Entry ids are kebab-case; anything else in a custom id is not ours.
fn is_entry_id(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// Where a reply goes, which decides its buttons.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Placement {
    /// Who asked; only their clicks count.
    pub asker: u64,
    /// The recorded question, when there is one: answers then get vote buttons.
    pub question: Option<i64>,
    /// Public replies get a Delete button; ephemeral ones are dismissed by the user.
    pub deletable: bool,
}

/// The button rows for `reply`: suggestions under "did you mean"; More detail under answers
/// whose entry has a detail, votes under answers with a recorded question, and Delete under
/// every public reply.
pub(crate) fn rows(reply: &Reply, placement: Placement) -> Vec<CreateActionRow> {
    let asker = placement.asker;
    let mut rows = Vec::new();
    if reply.kind() == ReplyKind::Suggestions {
        let buttons: Vec<CreateButton> = reply
            .suggestions()
            .iter()
            .take(ROW_LIMIT)
            .filter_map(|suggestion| {
                let id = Button::Suggestion {
                    asker,
                    entry: suggestion.id.clone(),
                };
                button(&id, &suggestion.title, ButtonStyle::Primary)
            })
            .collect();
        if !buttons.is_empty() {
            rows.push(CreateActionRow::Buttons(buttons));
        }
    }
    if let (ReplyKind::Answer, Some(also)) = (reply.kind(), reply.also()) {
        let id = Button::Also {
            entry: also.id.clone(),
        };
        let label = format!("You also asked: {}", also.title);
        rows.extend(
            button(&id, &label, ButtonStyle::Secondary)
                .map(|also| CreateActionRow::Buttons(vec![also])),
        );
    }
    let mut last = Vec::new();
    if let (ReplyKind::Answer, true, Some(entry)) =
        (reply.kind(), reply.has_detail(), reply.entry_id())
    {
        let id = Button::More {
            entry: entry.to_owned(),
        };
        last.extend(button(&id, "More detail", ButtonStyle::Primary));
    }
    if let (ReplyKind::Answer, Some(question)) = (reply.kind(), placement.question) {
        for (helpful, label, style) in [
            (true, "Helpful", ButtonStyle::Success),
            (false, "Not helpful", ButtonStyle::Secondary),
        ] {
            let id = Button::Vote {
                asker,
                question,
                helpful,
            };
            last.extend(button(&id, label, style));
        }
    }
    if placement.deletable {
        last.extend(button(
            &Button::Delete { asker },
            "Delete",
            ButtonStyle::Danger,
        ));
    }
    if !last.is_empty() {
        rows.push(CreateActionRow::Buttons(last));
    }
    rows
}

/// A button, unless its custom id would be too long for Discord (a very long entry id).
fn button(id: &Button, label: &str, style: ButtonStyle) -> Option<CreateButton> {
    let custom_id = id.to_string();
    (custom_id.chars().count() <= CUSTOM_ID_LIMIT)
        .then(|| CreateButton::new(custom_id).label(clip(label)).style(style))
}

fn clip(label: &str) -> String {
    if label.chars().count() <= LABEL_LIMIT {
        return label.to_owned();
    }
    let mut clipped: String = label.chars().take(LABEL_LIMIT - 1).collect();
    clipped.push('…');
    clipped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_ids_round_trip() {
        let buttons = [
            Button::Suggestion {
                asker: 400_000_000_000_000_001,
                entry: "cost-insurance".into(),
            },
            Button::Delete { asker: 7 },
            Button::More {
                entry: "side-effects".into(),
            },
            Button::Also {
                entry: "procedure".into(),
            },
            Button::Vote {
                asker: 7,
                question: 42,
                helpful: true,
            },
            Button::Vote {
                asker: u64::MAX,
                question: i64::MAX,
                helpful: false,
            },
        ];
        for button in buttons {
            assert_eq!(Button::parse(&button.to_string()), Some(button.clone()));
        }
    }

    #[test]
    fn formats() {
        let cases = [
            (
                Button::Suggestion {
                    asker: 1,
                    entry: "side-effects".into(),
                },
                "faq:s:1:side-effects",
            ),
            (Button::Delete { asker: 2 }, "faq:d:2"),
            (
                Button::More {
                    entry: "aftercare".into(),
                },
                "faq:m:aftercare",
            ),
            (
                Button::Vote {
                    asker: 3,
                    question: 4,
                    helpful: false,
                },
                "faq:v:3:4:0",
            ),
        ];
        for (button, expected) in cases {
            assert_eq!(button.to_string(), expected);
            assert_eq!(
                button.asker(),
                expected.split(':').nth(2).and_then(|a| a.parse().ok())
            );
        }
    }

    #[test]
    fn foreign_or_malformed_ids_are_not_ours() {
        for id in [
            "",
            "faq",
            "faq:s:1",
            "faq:s:x:cost",
            "faq:s:1:Cost",
            "faq:s:1:",
            "faq:s:1:cost:extra",
            "faq:d:",
            "faq:d:-1",
            "faq:d:1:2",
            "faq:v:1:2:2",
            "faq:v:1:two:1",
            "faq:v:1:2",
            "faq:m:",
            "faq:m:Cost",
            "faq:m:1:cost",
            "faq:x:1",
            "other:d:1",
            "more",
        ] {
            assert_eq!(Button::parse(id), None, "{id:?}");
        }
    }

    /// The custom ids of `rows`, row by row.
    fn ids(rows: &[CreateActionRow]) -> Vec<Vec<String>> {
        let rows = serde_json::to_value(rows).expect("rows serialise");
        rows.as_array()
            .into_iter()
            .flatten()
            .map(|row| {
                row["components"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|b| b["custom_id"].as_str().map(str::to_owned))
                    .collect()
            })
            .collect()
    }

    #[test]
    fn each_kind_of_reply_gets_its_buttons() {
        let knowledge = crate::discord::fixture::knowledge();
        let faq = knowledge.faq();
        let composer = knowledge.composer();
        let (first, second) = (&faq.entries()[0], &faq.entries()[1]);
        let answer = composer.answer(first);
        let detailed = faq.entry("side-effects").expect("an entry with a detail");
        let detailed = composer.answer(detailed);
        assert!(detailed.has_detail() && !answer.has_detail());
        let suggestions = composer.suggestions(&[first, second]);
        let two_part = composer.decision(&prolobot_core::Decision::Answer {
            entry: faq.find(&first.id).expect("first"),
            also: faq.find(&second.id),
            confidence: 0.9,
            safety_net: false,
        });
        let no_match = composer.no_match();
        let at = |question, deletable| Placement {
            asker: 9,
            question,
            deletable,
        };
        let row = |ids: &[&str]| ids.iter().map(|&id| id.to_owned()).collect::<Vec<_>>();
        let votes_and_delete = row(&["faq:v:9:4:1", "faq:v:9:4:0", "faq:d:9"]);
        let picks = vec![
            format!("faq:s:9:{}", first.id),
            format!("faq:s:9:{}", second.id),
        ];
        let cases = [
            (
                &two_part,
                at(Some(4), true),
                vec![
                    vec![format!("faq:a:{}", second.id)],
                    votes_and_delete.clone(),
                ],
            ),
            (&answer, at(Some(4), true), vec![votes_and_delete]),
            (
                &answer,
                at(Some(4), false),
                vec![row(&["faq:v:9:4:1", "faq:v:9:4:0"])],
            ),
            (&answer, at(None, true), vec![row(&["faq:d:9"])]),
            (&answer, at(None, false), vec![]),
            (
                &detailed,
                at(Some(4), true),
                vec![row(&[
                    "faq:m:side-effects",
                    "faq:v:9:4:1",
                    "faq:v:9:4:0",
                    "faq:d:9",
                ])],
            ),
            (
                &detailed,
                at(None, false),
                vec![row(&["faq:m:side-effects"])],
            ),
            (
                &suggestions,
                at(Some(4), true),
                vec![picks.clone(), row(&["faq:d:9"])],
            ),
            (&suggestions, at(None, false), vec![picks]),
            (&no_match, at(Some(4), true), vec![row(&["faq:d:9"])]),
        ];
        for (i, (reply, placement, expected)) in cases.into_iter().enumerate() {
            assert_eq!(ids(&rows(reply, placement)), expected, "case {i}");
        }
    }

    #[test]
    fn long_labels_are_clipped_to_discords_limit() {
        let long = "x".repeat(200);
        assert_eq!(clip(&long).chars().count(), LABEL_LIMIT);
        assert_eq!(clip("Helpful"), "Helpful");
    }

    #[test]
    fn too_long_ids_give_no_button() {
        let id = Button::Suggestion {
            asker: 1,
            entry: "a".repeat(CUSTOM_ID_LIMIT),
        };
        assert!(button(&id, "x", ButtonStyle::Primary).is_none());
    }
}
