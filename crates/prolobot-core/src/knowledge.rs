//! The front door: one FAQ version with the matcher built from it. Every adapter (the command
//! line, Discord messages and slash commands, tests) asks [`Knowledge::respond`] and posts the
//! [`Reply`] it returns, so deciding and composing happen in one place.

use crate::faq::Faq;
use crate::matcher::{Candidate, Decision, Explanation, Matcher, Outcome};
use crate::reply::{Composer, Reply};

/// One FAQ version and the matcher indexing it. Build once per FAQ version (indexing is the
/// costly part); answering is `&self` and cheap, so share it behind an `Arc`.
pub struct Knowledge {
    faq: Faq,
    matcher: Matcher,
}

/// An example question of an entry that does not reach that entry: a moderator should reword
/// it, or add the synonym, keyword or frame it lacks.
#[derive(Debug, Clone, PartialEq)]
pub struct ExampleMiss {
    /// The entry whose example it is.
    pub entry: String,
    /// The example question.
    pub question: String,
    /// What the question gets instead.
    pub outcome: Outcome,
    /// The entry it reaches instead, if any (for suggestions, the first offered).
    pub reached: Option<String>,
    /// The rule that decided, in words.
    pub why: String,
}

/// What the bot does with one message: the decision and the reply that says it.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    decision: Decision,
    reply: Reply,
}

impl Response {
    /// What was decided (for statistics, alerts and buttons).
    #[must_use]
    pub fn decision(&self) -> &Decision {
        &self.decision
    }

    /// The reply to post, disclaimer included.
    #[must_use]
    pub fn reply(&self) -> &Reply {
        &self.reply
    }

    /// The reply, taken out.
    #[must_use]
    pub fn into_reply(self) -> Reply {
        self.reply
    }
}

impl Knowledge {
    /// Indexes `faq`.
    #[must_use]
    pub fn new(faq: Faq) -> Self {
        let matcher = Matcher::new(&faq);
        Self { faq, matcher }
    }

    /// The FAQ this knowledge answers from.
    #[must_use]
    pub fn faq(&self) -> &Faq {
        &self.faq
    }

    /// Decides what to do with `message` and composes the reply: safety guidance first when a
    /// rule fires, else an answer, "did you mean", or no match (with the safety-net line on top
    /// when the message may report danger).
    #[must_use]
    pub fn respond(&self, message: &str) -> Response {
        let decision = self.decide(message);
        let reply = self.composer().decision(&decision);
        Response { decision, reply }
    }

    /// The decision alone, without composing a reply: for evaluation and benchmarks. Adapters
    /// call [`Knowledge::respond`].
    #[must_use]
    pub fn decide(&self, message: &str) -> Decision {
        self.matcher.decide(message)
    }

    /// Decides and shows the working, for `prolobot explain` and `/faqmod test`.
    #[must_use]
    pub fn explain(&self, message: &str) -> Explanation {
        self.matcher.explain(message)
    }

    /// The example questions that do not reach their own entry (a service entry's examples
    /// count when they get its service reply), in file order.
    #[must_use]
    pub fn example_misses(&self) -> Vec<ExampleMiss> {
        let mut misses = Vec::new();
        for (own, entry) in self.faq.refs() {
            for question in &entry.questions {
                let decision = self.decide(question);
                // Only answers and service replies have an entry.
                if decision.entry() == Some(own) {
                    continue;
                }
                let reached = decision
                    .entry()
                    .or_else(|| decision.suggestions().first().copied())
                    .map(|other| self.faq.get(other).id.clone());
                misses.push(ExampleMiss {
                    entry: entry.id.clone(),
                    question: question.clone(),
                    outcome: decision.outcome(),
                    reached,
                    why: self.matcher.explain(question).rule().to_string(),
                });
            }
        }
        misses
    }

    /// Every entry that shares a term with `message`, best first, ignoring safety rules: for
    /// autocompletion and "not helpful" alternatives.
    #[must_use]
    pub fn rank(&self, message: &str) -> Vec<Candidate> {
        self.matcher.rank(message)
    }

    /// The longer text of the entry with id `entry_id`, for "More detail" after an answer;
    /// `None` when the entry has no detail or is gone (the FAQ may have been edited since).
    #[must_use]
    pub fn detail(&self, entry_id: &str) -> Option<Reply> {
        self.composer().detail(self.faq.entry(entry_id)?)
    }

    /// The composer for replies that are not answers to a message: an entry by id, the topic
    /// list, notices and errors.
    #[must_use]
    pub fn composer(&self) -> Composer<'_> {
        Composer::new(&self.faq)
    }
}
