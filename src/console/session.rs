//! What the console does with each line: the commands its own hints and the composer's texts
//! tell people to type (`/faq list`, `/faq topic ID`, `more`, a suggestion's number), else
//! the question is answered as the bot would answer it. Every reply comes from the composer.

use prolobot_core::{Knowledge, Reply, ReplyKind};

/// What one line asks for.
#[derive(Debug, PartialEq, Eq)]
enum Input<'l> {
    /// An empty line.
    Nothing,
    /// `/quit` or `/exit`.
    Quit,
    /// `/faq list` (or `/list`, or `/faq topic` without an id).
    List,
    /// `/faq topic ID`.
    Topic(&'l str),
    /// `more` (or `/more`): the last answer's detail.
    More,
    /// A number: the suggestion with that number.
    Pick(usize),
    /// A slash command the console does not have, as typed.
    Unknown(&'l str),
    /// A question (`/faq ask QUESTION`, or any other text).
    Question(&'l str),
}

impl<'l> Input<'l> {
    fn read(line: &'l str) -> Self {
        let line = line.trim();
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            [] => Self::Nothing,
            ["/quit" | "/exit"] => Self::Quit,
            ["/list"] | ["/faq", "list" | "topic"] => Self::List,
            ["/faq", "topic", id] => Self::Topic(id),
            ["more" | "/more"] => Self::More,
            [number] if number.chars().all(|c| c.is_ascii_digit()) => {
                number.parse().map_or(Self::Question(line), Self::Pick)
            }
            ["/faq", "ask", _, ..] => {
                Self::Question(line["/faq".len()..].trim_start()["ask".len()..].trim_start())
            }
            [command, ..] if command.starts_with('/') => Self::Unknown(line),
            _ => Self::Question(line),
        }
    }
}

/// What the console shows for a line.
pub(crate) enum Turn {
    /// Nothing: an empty line.
    Nothing,
    /// The user leaves.
    Quit,
    /// A reply to show.
    Show(Reply),
}

/// One console conversation: the last answer (for `more`) and the last suggestions (to pick
/// by number).
pub(crate) struct Session<'k> {
    knowledge: &'k Knowledge,
    last_answer: Option<Reply>,
    suggestions: Vec<String>,
}

impl<'k> Session<'k> {
    pub(crate) fn new(knowledge: &'k Knowledge) -> Self {
        Self {
            knowledge,
            last_answer: None,
            suggestions: Vec::new(),
        }
    }

    /// The reply to `line`.
    pub(crate) fn turn(&mut self, line: &str) -> Turn {
        let composer = self.knowledge.composer();
        let faq = self.knowledge.faq();
        let reply = match Input::read(line) {
            Input::Nothing => return Turn::Nothing,
            Input::Quit => return Turn::Quit,
            Input::List => composer.topic_list(),
            Input::Topic(id) => match faq.entry(&id.to_lowercase()) {
                Some(entry) => composer.answer(entry),
                None => composer.error(&format!(
                    "there is no topic `{id}`. `/faq list` shows every topic with its id."
                )),
            },
            Input::More => self.more(),
            Input::Pick(number) if !self.suggestions.is_empty() => {
                let picked = number
                    .checked_sub(1)
                    .and_then(|index| self.suggestions.get(index))
                    .and_then(|id| faq.entry(id));
                match picked {
                    Some(entry) => composer.answer(entry),
                    None => composer.error(&format!(
                        "pick a number from 1 to {}, or ask another question.",
                        self.suggestions.len()
                    )),
                }
            }
            Input::Unknown(command) => composer.error(&format!(
                "I don't know `{command}`. Try `/faq list`, `/faq topic ID`, `more`, or just ask."
            )),
            Input::Pick(_) => self.knowledge.respond(line.trim()).into_reply(),
            Input::Question(question) => self.knowledge.respond(question).into_reply(),
        };
        match reply.kind() {
            ReplyKind::Answer => {
                self.last_answer = Some(reply.clone());
                self.suggestions.clear();
            }
            ReplyKind::Suggestions => {
                self.suggestions = reply.suggestions().iter().map(|s| s.id.clone()).collect();
            }
            ReplyKind::Error => {}
            _ => self.suggestions.clear(),
        }
        Turn::Show(reply)
    }

    /// The last answer's detail, or a word on why there is none.
    fn more(&self) -> Reply {
        let composer = self.knowledge.composer();
        let Some(answer) = &self.last_answer else {
            return composer
                .notice("`more` shows the longer text of the last answer. Ask a question first.");
        };
        answer
            .entry_id()
            .and_then(|id| self.knowledge.detail(id))
            .unwrap_or_else(|| composer.notice("That answer is all the FAQ says on this topic."))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_read_as_the_hints_say() {
        let cases = [
            ("", Input::Nothing),
            ("   ", Input::Nothing),
            ("/quit", Input::Quit),
            ("/faq list", Input::List),
            ("  /faq   list ", Input::List),
            ("/list", Input::List),
            ("/faq topic", Input::List),
            ("/faq topic cost-insurance", Input::Topic("cost-insurance")),
            ("more", Input::More),
            ("/more", Input::More),
            ("2", Input::Pick(2)),
            (" 12 ", Input::Pick(12)),
            ("/faq ask does it hurt", Input::Question("does it hurt")),
            (
                "/faq ask   does   it hurt ",
                Input::Question("does   it hurt"),
            ),
            ("/help", Input::Unknown("/help")),
            ("/faq ask", Input::Unknown("/faq ask")),
            ("/faq topic a b", Input::Unknown("/faq topic a b")),
            ("more about cost", Input::Question("more about cost")),
            (
                "what is prolotherapy?",
                Input::Question("what is prolotherapy?"),
            ),
            (
                "99999999999999999999999",
                Input::Question("99999999999999999999999"),
            ),
        ];
        for (line, expected) in cases {
            assert_eq!(Input::read(line), expected, "{line:?}");
        }
    }
}
