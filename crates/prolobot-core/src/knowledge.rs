//! The front door: one FAQ version with the matcher built from it. Every adapter (the command
//! line, Discord messages and slash commands, tests) asks [`Knowledge::respond`] and posts the
//! [`Reply`] it returns, so deciding and composing happen in one place.

use crate::faq::Faq;
use crate::matcher::{Candidate, Decision, Explanation, Matcher};
use crate::reply::{Composer, Reply};

/// One FAQ version and the matcher indexing it. Build once per FAQ version (indexing is the
/// costly part); answering is `&self` and cheap, so share it behind an `Arc`.
pub struct Knowledge {
    faq: Faq,
    matcher: Matcher,
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

    /// Every entry that shares a term with `message`, best first, ignoring safety rules: for
    /// autocompletion and "not helpful" alternatives.
    #[must_use]
    pub fn rank(&self, message: &str) -> Vec<Candidate> {
        self.matcher.rank(message)
    }

    /// The composer for replies that are not answers to a message: an entry by id, the topic
    /// list, notices and errors.
    #[must_use]
    pub fn composer(&self) -> Composer<'_> {
        Composer::new(&self.faq)
    }
}
