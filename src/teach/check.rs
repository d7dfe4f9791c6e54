//! The checks made before anything is written, on the FAQ text alone (no files): the edited FAQ
//! must validate; each taught question must then reach its entry (or, taught as off-topic, be
//! declined); and none of the FAQ's own example questions may lose the entry it reached. When a
//! check fails the [`Refusal`] says why and what would help, read from the matcher's working
//! (`Knowledge::explain`): words the FAQ does not know (a synonym), a subject that reads as
//! something else (`[subjects]`), another entry that wins (a clearer phrasing or a keyword).

use std::path::Path;
use std::sync::OnceLock;

use prolobot_core::{
    normalise, Analyzer, Decision, Diagnostic, Explanation, Faq, Knowledge, Loaded, Severity,
};

use super::edit::{self, Change};
use super::outcome::{quoted_list, QuestionResult, Refusal, Taught};
use super::TeachError;

/// What helps when the subject of an off-topic question is not clear.
const NAME_IT: &str =
    "name the subject yourself (`--subject WORDS`, or the subject option on Discord)";

/// Most example questions a refusal lists as pulled away from their entries.
const MAX_LISTED: usize = 5;

/// What to teach.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// Add questions as example phrasings of an entry.
    Phrasings {
        /// The entry's id.
        entry: String,
        /// The questions, one phrasing each.
        questions: Vec<String>,
    },
    /// Add the subject of a question to the off-topic subjects, so it is declined.
    OffTopic {
        /// The question.
        question: String,
        /// The words naming its subject; picked from the question when `None`.
        subject: Option<String>,
    },
}

/// A change that passed the checks (or was forced past them): the new file text and its report.
#[derive(Debug)]
pub(super) struct Lesson {
    pub(super) source: String,
    pub(super) taught: Taught,
}

/// Checks `request` against the FAQ text `source` (read from `path`, named in diagnostics).
pub(super) fn prepare(
    path: &Path,
    source: &str,
    request: &Request,
    force: bool,
) -> Result<Lesson, TeachError> {
    let before = Version::load(path, source)?;
    let (change, left_out) = match request {
        Request::Phrasings { entry, questions } => {
            phrasings_to_add(&before, entry, questions, force)?
        }
        Request::OffTopic { question, subject } => (
            off_topic_to_add(&before, question, subject.as_deref())?,
            Vec::new(),
        ),
    };
    let edited = edit::add(source, &change)?;
    let after = Version::edited(path, &edited)?;
    let mut refusal = Refusal {
        forceable: true,
        ..Refusal::default()
    };
    let results = match request {
        Request::Phrasings { entry, .. } => change
            .texts()
            .iter()
            .map(|question| check_reaches(&before, &after, entry, question, &mut refusal))
            .collect(),
        Request::OffTopic { question, .. } => {
            let subjects = change.texts();
            vec![check_declined(
                &before,
                &after,
                question,
                subjects,
                &mut refusal,
            )]
        }
    };
    let pulled = before.pulled_away(&after);
    if !pulled.is_empty() {
        let shown: Vec<&str> = pulled.iter().take(MAX_LISTED).map(String::as_str).collect();
        let more = pulled.len().saturating_sub(MAX_LISTED);
        let reason = format!(
            "it would take {} of the FAQ's own example question(s) away from their entry: {}{}",
            pulled.len(),
            shown.join("; "),
            if more > 0 {
                format!("; and {more} more")
            } else {
                String::new()
            }
        );
        let help = match &change {
            Change::Phrasings { .. } => {
                "a phrasing without the general words those questions share"
            }
            Change::OffTopic { .. } => {
                "subject words that only name the other subject, not words the FAQ's questions use"
            }
        };
        refusal.push(reason, help.to_owned());
    }
    if !refusal.reasons.is_empty() && !force {
        if let Some(question) = results.first().map(|r: &QuestionResult| &r.question) {
            refusal.help.push(format!(
                "`prolobot explain \"{question}\"` (on Discord `/faqmod test`) shows the working"
            ));
        }
        return Err(TeachError::Refused(refusal));
    }
    let new_words = match &change {
        Change::Phrasings { questions, .. } => {
            let mut words: Vec<String> = Vec::new();
            for question in questions {
                let explanation = before.knowledge.explain(question);
                for unknown in unknown_words(question, &explanation) {
                    if !words.contains(&unknown.word) {
                        words.push(unknown.word);
                    }
                }
            }
            words
        }
        Change::OffTopic { .. } => Vec::new(),
    };
    Ok(Lesson {
        taught: Taught {
            results,
            left_out,
            new_words,
            warnings: before.new_warnings(&after, path),
            forced_past: (!refusal.reasons.is_empty()).then_some(refusal),
            change,
        },
        source: edited,
    })
}

/// `source` without `change`, if the result is a valid FAQ.
pub(super) fn without(path: &Path, source: &str, change: &Change) -> Result<String, TeachError> {
    let after = edit::remove(source, change).map_err(|reason| TeachError::CannotUndo {
        reason: reason.to_string(),
    })?;
    Faq::from_toml_str(&after).map_err(|diagnostics| TeachError::CannotUndo {
        reason: format!(
            "taking it out would leave the FAQ invalid:\n{}",
            errors(path, &diagnostics)
        ),
    })?;
    Ok(after)
}

/// One version of the FAQ, validated and indexed.
struct Version {
    knowledge: Knowledge,
    warnings: Vec<Diagnostic>,
}

impl Version {
    fn load(path: &Path, source: &str) -> Result<Self, TeachError> {
        let Loaded { faq, warnings } =
            Faq::from_toml_str(source).map_err(|diagnostics| TeachError::Invalid {
                path: path.to_owned(),
                problems: errors(path, &diagnostics),
            })?;
        Ok(Self {
            knowledge: Knowledge::new(faq),
            warnings,
        })
    }

    /// The edited text's version, or a refusal listing its errors.
    fn edited(path: &Path, source: &str) -> Result<Self, TeachError> {
        Self::load(path, source).map_err(|error| match error {
            TeachError::Invalid { problems, .. } => TeachError::Refused(Refusal {
                reasons: vec![format!("the FAQ would not be valid:\n{problems}")],
                help: vec!["a shorter, plainer phrasing".to_owned()],
                forceable: false,
            }),
            other => other,
        })
    }

    fn faq(&self) -> &Faq {
        self.knowledge.faq()
    }

    /// The id of the entry `decision` answers with.
    fn answered(&self, decision: &Decision) -> Option<&str> {
        decision
            .entry()
            .map(|entry| self.faq().get(entry).id.as_str())
    }

    /// How the bot handles `question` (explained), in a few words.
    fn describe(&self, question: &str, explanation: &Explanation) -> String {
        let faq = self.faq();
        let decision = explanation.decision();
        let confidence = decision.confidence();
        if let Some(id) = self.answered(decision) {
            return format!("answered with {id} ({confidence:.2})");
        }
        match decision {
            Decision::Emergency { rules, .. } => {
                let ids: Vec<&str> = rules.iter().map(|&r| faq.rule(r).id.as_str()).collect();
                format!("safety guidance ({})", ids.join(", "))
            }
            Decision::Suggest { entries, .. } => {
                let ids: Vec<&str> = entries.iter().map(|&e| faq.get(e).id.as_str()).collect();
                format!("did you mean {} ({confidence:.2})", ids.join(" / "))
            }
            _ => match declined_as(question, explanation) {
                Some(subject) => format!("declined as about \"{subject}\""),
                None => format!("no match ({confidence:.2})"),
            },
        }
    }

    /// Warnings of `after` that this version does not have.
    fn new_warnings(&self, after: &Self, path: &Path) -> Vec<String> {
        let mut old: Vec<_> = self.warnings.iter().map(|d| &d.problem).collect();
        let shown = path.display().to_string();
        after
            .warnings
            .iter()
            .filter(|d| match old.iter().position(|p| **p == d.problem) {
                Some(index) => {
                    old.swap_remove(index);
                    false
                }
                None => true,
            })
            .map(|d| d.at(&shown).to_string())
            .collect()
    }

    /// Example questions of the FAQ that reached their entry here and do not in `after`, with
    /// what `after` does with them.
    fn pulled_away(&self, after: &Self) -> Vec<String> {
        let mut pulled = Vec::new();
        for entry in self.faq().entries() {
            for question in &entry.questions {
                let id = entry.id.as_str();
                if self.answered(&self.knowledge.decide(question)) != Some(id) {
                    continue;
                }
                if after.answered(&after.knowledge.decide(question)) != Some(id) {
                    let now = after.knowledge.explain(question);
                    pulled.push(format!(
                        "\"{question}\" ({id}, now {})",
                        after.describe(question, &now)
                    ));
                }
            }
        }
        pulled
    }
}

/// The subject `question` is declined as being about (another one, never this FAQ's), in the
/// question's words.
fn declined_as(question: &str, explanation: &Explanation) -> Option<String> {
    match explanation.decision() {
        Decision::NoMatch { .. } if !explanation.names_own_subject() => explanation
            .other_subject()
            .map(|stems| as_typed(question, stems)),
        _ => None,
    }
}

fn errors(path: &Path, diagnostics: &[Diagnostic]) -> String {
    let errors: Vec<Diagnostic> = diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .cloned()
        .collect();
    prolobot_core::render_diagnostics(path, &errors)
}

/// A question as it goes into the file: trimmed, runs of white space made one space.
fn tidy(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The analyzer, built once (it stems thousands of common words).
fn analyzer() -> &'static Analyzer {
    static ANALYZER: OnceLock<Analyzer> = OnceLock::new();
    ANALYZER.get_or_init(Analyzer::default)
}

/// A word of a question that the FAQ did not use.
struct UnknownWord {
    /// Its position among the question's words.
    position: usize,
    /// The word as typed (normalised).
    word: String,
    /// Whether it is common English ("long", "parking"), which rarely names a subject.
    common: bool,
}

/// The words of `question` whose terms the FAQ did not use, in order, each once.
fn unknown_words(question: &str, before: &Explanation) -> Vec<UnknownWord> {
    let unknown: Vec<&str> = before
        .terms()
        .filter(|(term, _, known)| !known && !term.contains([' ', ':']))
        .map(|(term, _, _)| term)
        .collect();
    let mut found: Vec<UnknownWord> = Vec::new();
    for (position, token) in analyzer().tokens(question).into_iter().enumerate() {
        if !token.stop
            && unknown.contains(&token.stem.as_str())
            && !found.iter().any(|known| known.word == token.word)
        {
            found.push(UnknownWord {
                position,
                word: token.word,
                common: token.common,
            });
        }
    }
    found
}

/// The words of `question` as typed whose stems are `stems` (the matcher names subjects by
/// their stems: "physiotherapi"), or `stems` itself when they are not found in a row.
fn as_typed(question: &str, stems: &str) -> String {
    let wanted: Vec<&str> = stems.split(' ').collect();
    let tokens: Vec<_> = analyzer()
        .tokens(question)
        .into_iter()
        .filter(|token| !token.stop || wanted.contains(&token.stem.as_str()))
        .collect();
    tokens
        .windows(wanted.len())
        .find(|window| {
            window
                .iter()
                .map(|t| t.stem.as_str())
                .eq(wanted.iter().copied())
        })
        .map_or_else(
            || stems.to_owned(),
            |window| {
                window
                    .iter()
                    .map(|t| t.word.as_str())
                    .collect::<Vec<_>>()
                    .join(" ")
            },
        )
}

/// The questions of a phrasings request that are worth adding, and notes on those left out.
fn phrasings_to_add(
    before: &Version,
    entry: &str,
    questions: &[String],
    force: bool,
) -> Result<(Change, Vec<String>), TeachError> {
    let Some(target) = before.faq().entry(entry) else {
        let ids: Vec<&str> = before
            .faq()
            .entries()
            .iter()
            .map(|e| e.id.as_str())
            .collect();
        return Err(TeachError::Refused(Refusal {
            reasons: vec![format!("there is no entry \"{entry}\"")],
            help: vec![format!("one of: {}", ids.join(", "))],
            forceable: false,
        }));
    };
    let mut seen: Vec<String> = target.questions.iter().map(|q| normalise(q)).collect();
    let mut left_out = Vec::new();
    let mut taught: Vec<String> = Vec::new();
    let mut answered_already = false;
    for question in questions.iter().map(|q| tidy(q)) {
        let key = normalise(&question);
        let reason = if key.is_empty() {
            Some("no words".to_owned())
        } else if seen.contains(&key) {
            Some(format!(
                "already one of {entry}'s questions, or given twice"
            ))
        } else if !force && before.answered(&before.knowledge.decide(&question)) == Some(entry) {
            answered_already = true;
            Some(format!("already answered with {entry}"))
        } else {
            None
        };
        if let Some(reason) = reason {
            left_out.push(format!("\"{question}\" ({reason})"));
        } else {
            seen.push(key);
            taught.push(question);
        }
    }
    if taught.is_empty() {
        return Err(TeachError::Refused(Refusal {
            reasons: vec![format!("nothing to teach: {}", left_out.join("; "))],
            help: Vec::new(),
            forceable: answered_already,
        }));
    }
    let change = Change::Phrasings {
        entry: entry.to_owned(),
        questions: taught,
    };
    Ok((change, left_out))
}

/// The subject words an off-topic request adds: the ones given, or the first run of words of the
/// question that the FAQ does not use and that are not common English (which rarely name a
/// subject: "how *long* does it last").
fn off_topic_to_add(
    before: &Version,
    question: &str,
    subject: Option<&str>,
) -> Result<Change, TeachError> {
    let question = tidy(question);
    let explanation = before.knowledge.explain(&question);
    let refused = |reason: String, help: &[&str]| {
        Err(TeachError::Refused(Refusal {
            reasons: vec![reason],
            help: help.iter().map(|&h| h.to_owned()).collect(),
            forceable: false,
        }))
    };
    if let Decision::Emergency { .. } = explanation.decision() {
        return refused(
            format!(
                "\"{question}\" gets {}: a report of danger always gets the safety guidance",
                before.describe(&question, &explanation)
            ),
            &[],
        );
    }
    if let Some(about) = declined_as(&question, &explanation) {
        return refused(
            format!("nothing to teach: \"{question}\" is already declined as about \"{about}\""),
            &[],
        );
    }
    let words = match subject.map(tidy) {
        Some(given) if normalise(&given).is_empty() => {
            return refused("the subject has no words".to_owned(), &[NAME_IT]);
        }
        Some(given) => given,
        None => {
            let rare: Vec<UnknownWord> = unknown_words(&question, &explanation)
                .into_iter()
                .filter(|word| !word.common)
                .collect();
            let Some(first) = rare.first().map(|word| word.position) else {
                return refused(
                    format!(
                        "no word of \"{question}\" clearly names another subject: the FAQ uses \
                         them all, or they are everyday words"
                    ),
                    &[NAME_IT],
                );
            };
            rare.iter()
                .enumerate()
                .take_while(|(i, word)| word.position == first + i)
                .map(|(_, word)| word.word.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        }
    };
    Ok(Change::OffTopic {
        subjects: vec![words],
    })
}

/// Whether `question` now reaches `entry`; if not, why and what would help go to `refusal`.
fn check_reaches(
    before: &Version,
    after: &Version,
    entry: &str,
    question: &str,
    refusal: &mut Refusal,
) -> QuestionResult {
    let then = before.knowledge.explain(question);
    let now = after.knowledge.explain(question);
    let result = QuestionResult {
        question: question.to_owned(),
        before: before.describe(question, &then),
        after: after.describe(question, &now),
    };
    if after.answered(now.decision()) == Some(entry) {
        return result;
    }
    let gets = &result.after;
    if let Decision::Emergency { .. } = now.decision() {
        refusal.push(
            format!(
                "\"{question}\" gets {gets}: a report of danger always gets the safety \
                 guidance, whatever the FAQ says"
            ),
            "nothing: such messages are for the safety guidance".to_owned(),
        );
        return result;
    }
    if let Some(about) = declined_as(question, &now) {
        refusal.push(
            format!(
                "\"{question}\" reads as being about something else (\"{about}\"), and such \
                 questions are declined"
            ),
            format!(
                "if \"{about}\" is another name for prolotherapy, add it to `[subjects] own`; if \
                 it is another treatment, declining the question is right"
            ),
        );
        return result;
    }
    let faq = after.faq();
    let decision = now.decision();
    let rival = after.answered(decision).or_else(|| {
        decision
            .suggestions()
            .iter()
            .map(|&e| faq.get(e).id.as_str())
            .find(|&id| id != entry)
    });
    if let Some(rival) = rival {
        let title = faq.entry(rival).map_or("", |e| e.title.as_str());
        refusal.push(
            format!("\"{question}\" would get {gets}: {rival} (\"{title}\") is at least as close"),
            format!(
                "a clearer phrasing that says what sets {entry} apart, or a word of the question \
                 added to {entry}'s `keywords`"
            ),
        );
    } else {
        refusal.push(
            format!("\"{question}\" would get {gets}: too few of its words count for matching"),
            "a fuller phrasing, with the words people use for this topic".to_owned(),
        );
    }
    let unknown: Vec<String> = unknown_words(question, &then)
        .into_iter()
        .map(|unknown| unknown.word)
        .collect();
    if !unknown.is_empty() {
        let unknown = quoted_list(&unknown);
        refusal.help.push(format!(
            "the FAQ did not use {unknown}: if they mean a word it uses, a synonym teaches every \
             question with them at once (`[synonyms]`: the FAQ's word = [{unknown}])"
        ));
    }
    result
}

/// Whether `question` is now declined; if not, why and what would help go to `refusal`.
fn check_declined(
    before: &Version,
    after: &Version,
    question: &str,
    subjects: &[String],
    refusal: &mut Refusal,
) -> QuestionResult {
    let question = tidy(question);
    let then = before.knowledge.explain(&question);
    let now = after.knowledge.explain(&question);
    let result = QuestionResult {
        before: before.describe(&question, &then),
        after: after.describe(&question, &now),
        question,
    };
    let question = &result.question;
    if declined_as(question, &now).is_some() {
        return result;
    }
    if now.names_own_subject() {
        refusal.push(
            format!(
                "\"{question}\" names prolotherapy (or compares something with it), so it stays a \
                 prolotherapy question: off-topic subjects only decline questions that never \
                 name it"
            ),
            format!(
                "teach it to an entry instead (`prolobot teach ENTRY \"{question}\"`), or leave it \
                 unanswered"
            ),
        );
    } else {
        let subjects = quoted_list(subjects);
        refusal.push(
            format!(
                "\"{question}\" still gets {}, not declined as about {subjects}",
                result.after
            ),
            NAME_IT.to_owned(),
        );
    }
    result
}

#[cfg(test)]
mod tests {
    use super::super::fixture::FAQ;
    use super::*;

    fn teach(entry: &str, questions: &[&str], force: bool) -> Result<Lesson, TeachError> {
        let request = Request::Phrasings {
            entry: entry.to_owned(),
            questions: questions.iter().map(|&q| q.to_owned()).collect(),
        };
        prepare(Path::new("faq.toml"), FAQ, &request, force)
    }

    fn off_topic(question: &str, subject: Option<&str>) -> Result<Lesson, TeachError> {
        let request = Request::OffTopic {
            question: question.to_owned(),
            subject: subject.map(str::to_owned),
        };
        prepare(Path::new("faq.toml"), FAQ, &request, false)
    }

    fn refusal(result: Result<Lesson, TeachError>) -> Refusal {
        match result {
            Err(TeachError::Refused(refusal)) => refusal,
            other => panic!("not refused: {other:?}"),
        }
    }

    fn answered(source: &str, question: &str) -> Option<String> {
        let knowledge = Knowledge::new(Faq::from_toml_str(source).unwrap().faq);
        let decision = knowledge.decide(question);
        decision.entry().map(|e| knowledge.faq().get(e).id.clone())
    }

    #[test]
    fn a_missed_question_is_taught_and_then_reaches_its_entry() {
        assert_eq!(answered(FAQ, "can i do pilates"), None);
        let lesson = teach("aftercare", &["  can i do   pilates "], false).unwrap();
        let taught = &lesson.taught;
        assert_eq!(
            taught.change,
            Change::Phrasings {
                entry: "aftercare".into(),
                questions: vec!["can i do pilates".into()]
            }
        );
        assert_eq!(taught.results[0].before, "no match (0.00)");
        assert!(taught.results[0]
            .after
            .starts_with("answered with aftercare"));
        assert_eq!(taught.new_words, ["pilates"]);
        assert_eq!(taught.forced_past, None);
        assert_eq!(
            answered(&lesson.source, "can i do pilates").as_deref(),
            Some("aftercare")
        );
    }

    #[test]
    fn questions_already_there_or_answered_are_left_out() {
        let lesson = teach(
            "aftercare",
            &[
                "can i do pilates",
                "Can I do pilates?",
                "can I exercise after prolo",
                "can I go for a run after",
            ],
            false,
        )
        .unwrap();
        let taught = &lesson.taught;
        assert_eq!(taught.change.texts(), ["can i do pilates"], "{taught}");
        assert_eq!(taught.left_out.len(), 3, "{taught}");
        assert!(
            taught.left_out[2].contains("already answered with aftercare"),
            "{taught}"
        );
        let nothing = refusal(teach("aftercare", &["can I exercise after prolo"], false));
        assert!(
            nothing.reasons[0].starts_with("nothing to teach"),
            "{nothing}"
        );
        let unknown = refusal(teach("parking", &["where do i park"], false));
        assert!(unknown.help[0].contains("aftercare"), "{unknown}");
    }

    #[test]
    fn another_entry_that_wins_is_named_with_what_would_help() {
        let refused = refusal(teach("aftercare", &["how much does it cost"], false));
        assert!(
            refused.reasons[0]
                .contains("cost-insurance (\"Cost and insurance\") is at least as close"),
            "{refused}"
        );
        assert!(
            refused.reasons[1].contains("away from their entry"),
            "{refused}"
        );
        assert!(
            refused.help[0].contains("aftercare's `keywords`"),
            "{refused}"
        );
        let forced = teach("aftercare", &["how much does it cost"], true).unwrap();
        assert_eq!(forced.taught.forced_past.map(|r| r.reasons.len()), Some(2));
    }

    #[test]
    fn too_few_words_and_unknown_words_are_explained() {
        let refused = refusal(teach("side-effects", &["what should i do"], false));
        assert!(
            refused.reasons[0].contains("too few of its words"),
            "{refused}"
        );
        assert!(
            refused.help.iter().any(|h| h.contains("prolobot explain")),
            "{refused}"
        );
    }

    #[test]
    fn a_question_about_another_subject_or_a_danger_is_not_taught() {
        let elsewhere = refusal(teach("side-effects", &["does physiotherapy hurt"], false));
        assert!(
            elsewhere.reasons[0].contains("something else (\"physiotherapy\")"),
            "{elsewhere}"
        );
        assert!(
            elsewhere.help[0].contains("`[subjects] own`"),
            "{elsewhere}"
        );
        let danger = refusal(teach("aftercare", &["i have chest pain after"], false));
        assert!(
            danger.reasons[0].contains("safety guidance (chest-pain)"),
            "{danger}"
        );
    }

    #[test]
    fn an_off_topic_subject_is_picked_from_the_question_and_declines_it() {
        let lesson = off_topic("can i do pilates", None).unwrap();
        assert_eq!(
            lesson.taught.change,
            Change::OffTopic {
                subjects: vec!["pilates".into()]
            }
        );
        assert_eq!(
            lesson.taught.results[0].after,
            "declined as about \"pilates\""
        );
        assert_eq!(
            answered(&lesson.source, "is pilates good for my back"),
            None
        );
        assert_eq!(
            answered(&lesson.source, "can I exercise after prolo").as_deref(),
            Some("aftercare")
        );
    }

    #[test]
    fn off_topic_needs_a_word_that_names_the_subject() {
        let everyday = refusal(off_topic("is swimming ok", None));
        assert!(everyday.help[0].contains("--subject"), "{everyday}");
        let given = off_topic("is swimming ok", Some(" swimming ")).unwrap();
        assert_eq!(given.taught.change.texts(), ["swimming"]);
        let named = refusal(off_topic(
            "what does prolo cost compared to pilates",
            Some("pilates"),
        ));
        assert!(named.reasons[0].contains("names prolotherapy"), "{named}");
        let already = refusal(off_topic("does physiotherapy hurt", None));
        assert!(already.reasons[0].contains("already declined"), "{already}");
    }

    #[test]
    fn an_invalid_faq_is_not_edited() {
        let request = Request::Phrasings {
            entry: "aftercare".into(),
            questions: vec!["q".into()],
        };
        let broken = FAQ.replace("id = \"aftercare\"", "id = \"Aftercare!\"");
        let error = prepare(Path::new("faq.toml"), &broken, &request, false).unwrap_err();
        assert!(matches!(error, TeachError::Invalid { .. }), "{error}");
        assert!(error.to_string().contains("faq.toml:"), "{error}");
    }
}
