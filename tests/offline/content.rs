//! The shipped FAQ's content rules: the required topics, balanced wording, sources, example
//! questions that reach their own entry, and the second edition's content (issue 11): guideline
//! positions, the real risks, short readable answers with a sourced detail.

use prolobot_core::{Entry, Faq, Knowledge, Outcome};

use crate::shipped_faq;

/// The 16 intents of `shared/content/topics.md`.
const REQUIRED_IDS: [&str; 16] = [
    "what-is-prolotherapy",
    "how-it-works",
    "whats-injected",
    "conditions-treated",
    "vs-steroids",
    "effectiveness",
    "side-effects",
    "treatment-course",
    "procedure",
    "aftercare",
    "medications",
    "candidates",
    "cost-insurance",
    "vs-prp-stem-cells",
    "vs-surgery",
    "find-provider",
];

/// Overclaims of the source page and advice the bot must never give, in any reply text.
const FORBIDDEN: [&str; 8] = [
    "cure",
    "the only therapy",
    "80%",
    "painless",
    "safe and natural",
    "will cause damage",
    "stop taking your",
    "you are a good candidate",
];

#[test]
fn every_required_topic_is_an_entry() {
    let faq = shipped_faq();
    for id in REQUIRED_IDS {
        assert!(faq.entry(id).is_some(), "missing entry {id}");
    }
}

#[test]
fn no_text_overclaims_or_gives_personal_advice() {
    let faq = shipped_faq();
    let texts = faq
        .entries()
        .iter()
        .flat_map(|e| {
            [Some(e.answer.as_str()), e.detail.as_deref()]
                .into_iter()
                .flatten()
                .map(|text| (e.id.as_str(), text))
        })
        .chain([
            ("disclaimer", faq.texts().disclaimer.as_str()),
            ("emergency", faq.texts().emergency.as_str()),
        ])
        .chain(
            faq.red_flags()
                .rules
                .iter()
                .filter_map(|r| r.advice.as_deref().map(|a| (r.id.as_str(), a))),
        );
    for (id, text) in texts {
        let lower = text.to_lowercase();
        for phrase in FORBIDDEN {
            assert!(!lower.contains(phrase), "{id} says {phrase:?}");
        }
    }
}

#[test]
fn emergency_guidance_is_region_neutral() {
    let faq = shipped_faq();
    let texts = faq.texts();
    for (name, text) in [
        ("emergency", &texts.emergency),
        ("urgent", &texts.urgent),
        ("crisis", &texts.crisis),
    ] {
        for number in ["911", "999", "112", "000", "111 in New Zealand"] {
            assert!(text.contains(number), "{name} text lacks {number}");
        }
    }
    for (name, text) in [
        ("emergency", &texts.emergency),
        ("urgent", &texts.urgent),
        ("crisis", &texts.crisis),
        ("safety_net", &texts.safety_net),
        ("disclaimer", &texts.disclaimer),
    ] {
        // 111 is England's non-emergency line and New Zealand's emergency number: never bare.
        for (at, _) in text.match_indices("111") {
            let qualified =
                text[at..].starts_with("111 in New Zealand") || text[..at].ends_with("NHS ");
            assert!(qualified, "{name} text gives 111 without saying where");
        }
    }
    for line in ["988", "Canada", "116 123", "findahelpline.com"] {
        assert!(texts.crisis.contains(line), "crisis text lacks {line}");
        assert!(
            texts.safety_net.contains(line),
            "safety-net line lacks {line}"
        );
    }
    assert!(
        texts.disclaimer.contains("emergency number"),
        "the disclaimer carries one emergency sentence"
    );
}

#[test]
fn medical_entries_cite_dated_research() {
    let faq = shipped_faq();
    for entry in faq.entries().iter().filter(|e| e.medical) {
        let dated = entry
            .sources
            .iter()
            .any(|s| s.split(|c: char| !c.is_ascii_digit()).any(|n| n.len() == 4));
        assert!(dated, "{} cites no source with a year", entry.id);
    }
}

#[test]
fn most_example_questions_reach_their_own_entry() {
    let faq = shipped_faq();
    let knowledge = Knowledge::new(faq.clone());
    let mut misses = Vec::new();
    let mut total = 0;
    for (own, entry) in faq.refs() {
        for question in &entry.questions {
            total += 1;
            let decision = knowledge.decide(question);
            // A clinic or help entry answers as a service, not as a topic.
            let answered = matches!(
                decision.outcome(),
                Outcome::Answer | Outcome::Clinic | Outcome::Help
            );
            if !answered || decision.entry() != Some(own) {
                misses.push(format!(
                    "{}: {question:?} -> {:?}",
                    entry.id,
                    decision.outcome()
                ));
            }
        }
    }
    // Short examples that two topics share ("how long does it take") may be offered as
    // "did you mean"; nearly all must answer directly.
    assert!(
        misses.len() * 50 <= total,
        "{} of {total} examples miss their entry:\n{}",
        misses.len(),
        misses.join("\n")
    );
}

// ---------------------------------------------------------------------------------------------
// Second edition (issue 11): what the answers must say, and how short and plain they must be.
// ---------------------------------------------------------------------------------------------

/// The entry `id`, which must exist.
fn entry<'a>(faq: &'a Faq, id: &str) -> &'a Entry {
    faq.entry(id)
        .unwrap_or_else(|| panic!("missing entry {id}"))
}

/// The short answer and the detail of an entry, lower-cased, as one text.
fn answer_and_detail(entry: &Entry) -> String {
    format!(
        "{}\n{}",
        entry.answer,
        entry.detail.as_deref().unwrap_or_default()
    )
    .to_lowercase()
}

/// Asserts that `text` contains every one of `needles` (`text` is lower-cased by the caller).
fn assert_mentions(id: &str, what: &str, text: &str, needles: &[&str]) {
    for needle in needles {
        assert!(
            text.contains(needle),
            "{id} {what} does not mention {needle:?}:\n{text}"
        );
    }
}

/// Text as read: Markdown emphasis and code marks removed.
fn plain(text: &str) -> String {
    text.chars().filter(|c| !matches!(c, '*' | '`')).collect()
}

/// The sentences of a reply. A line is at least one sentence (a bullet reads on its own), and
/// `.`, `!` or `?` followed by a space ends one; "12.5%" does not. A "- " bullet mark is not part
/// of its sentence; a "-# " small line (sources) is not read.
fn sentences(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in plain(text).lines() {
        let line = line.trim();
        if line.starts_with("-# ") {
            continue;
        }
        let line = line.strip_prefix("- ").unwrap_or(line);
        let mut current = String::new();
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            current.push(c);
            let ends = matches!(c, '.' | '!' | '?')
                && chars.peek().is_none_or(|next| next.is_whitespace());
            if ends {
                out.push(std::mem::take(&mut current));
            }
        }
        out.push(current);
    }
    out.into_iter()
        .map(|s| s.trim().to_string())
        .filter(|s| s.chars().any(char::is_alphanumeric))
        .collect()
}

/// The words of a text: whitespace-separated pieces with a letter or digit ("-" bullets and
/// lone punctuation are not words).
fn words(text: &str) -> Vec<String> {
    plain(text)
        .split_whitespace()
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .map(str::to_string)
        .collect()
}

/// Syllables counted as groups of vowels (a, e, i, o, u, y), at least one per word. It
/// overcounts a silent "e" ("made" is 2), so it errs on the strict side.
fn syllables(word: &str) -> usize {
    let mut groups = 0;
    let mut in_vowels = false;
    for c in word.to_lowercase().chars() {
        let vowel = matches!(c, 'a' | 'e' | 'i' | 'o' | 'u' | 'y');
        if vowel && !in_vowels {
            groups += 1;
        }
        in_vowels = vowel;
    }
    groups.max(1)
}

/// The Flesch-Kincaid grade level of a reply.
fn flesch_kincaid_grade(text: &str) -> f64 {
    let words = words(text);
    let sentences = sentences(text).len().max(1);
    let syllables: usize = words.iter().map(|w| syllables(w)).sum();
    let words_count = words.len().max(1) as f64;
    0.39 * words_count / sentences as f64 + 11.8 * syllables as f64 / words_count - 15.59
}

#[test]
fn the_readability_helpers_count_as_documented() {
    assert_eq!(syllables("prolotherapy"), 5);
    assert_eq!(syllables("knee"), 1);
    assert_eq!(syllables("2019"), 1);
    assert_eq!(
        sentences("**Yes.** It helps at 12.5% strength.\n- A bullet\n-# Sources: x"),
        ["Yes.", "It helps at 12.5% strength.", "A bullet"]
    );
    assert_eq!(words("- **Two** words - here").len(), 3);
    // Short words in short sentences read at a low grade; long ones at a high grade.
    assert!(flesch_kincaid_grade("The cat sat on the mat. It was fine.") < 2.0);
    assert!(
        flesch_kincaid_grade(
            "Hypertonic dextrose prolotherapy demonstrated statistically significant improvements \
             in standardised osteoarthritis functional assessments."
        ) > 15.0
    );
}

#[test]
fn effectiveness_states_the_guideline_positions() {
    let faq = shipped_faq();
    let effectiveness = entry(&faq, "effectiveness");
    let answer = effectiveness.answer.to_lowercase();
    assert_mentions(
        "effectiveness",
        "short answer",
        &answer,
        &["guideline", "against", "knee and hip", "nice"],
    );
    let detail = effectiveness.detail.as_deref().unwrap_or_default();
    for body in ["ACR/Arthritis Foundation", "RACGP", "NICE NG226"] {
        assert!(detail.contains(body), "effectiveness detail lacks {body}");
    }
    assert!(
        detail.contains("conditionally recommends against"),
        "the guideline strength is stated"
    );
    let sources = effectiveness.sources.join("; ");
    for cited in ["ACR", "RACGP", "NG226"] {
        assert!(
            sources.contains(cited),
            "effectiveness sources lack {cited}"
        );
    }
}

#[test]
fn side_effects_give_the_survey_figures_as_reports_not_a_rate() {
    let faq = shipped_faq();
    let side_effects = entry(&faq, "side-effects");
    // Dagenais 2006: respondents, events, admissions and permanent nerve injuries in the short
    // answer; the breakdown (spinal headache, collapsed lung, bleeding, meningitis or spinal
    // cord events) in the detail.
    let answer = side_effects.answer.to_lowercase();
    assert_mentions(
        "side-effects",
        "short answer",
        &answer,
        &[
            "171",
            "472",
            "69 hospital",
            "5 lasting nerve injuries",
            "(164)",
            "(123)",
        ],
    );
    let detail = side_effects
        .detail
        .as_deref()
        .unwrap_or_default()
        .to_lowercase();
    assert_mentions(
        "side-effects",
        "detail",
        &detail,
        &[
            "69 hospital admissions",
            "5 permanent nerve injuries",
            "spinal headache 164",
            "collapsed lung (pneumothorax) 123",
            "bleeding 27",
            "meningitis or other spinal cord events 9",
            "not a rate",
        ],
    );
    assert_mentions(
        "side-effects",
        "short answer",
        &answer,
        &[
            "survey",
            "not a rate",
            "too small to rule out rare harms",
            "spinal headache",
        ],
    );
    // "Spinal headache" is explained in plain words: what it is and how it behaves.
    assert_mentions(
        "side-effects",
        "short answer",
        &answer,
        &["fluid sac", "lying flat"],
    );
    assert!(
        side_effects
            .sources
            .iter()
            .any(|s| s.contains("Dagenais et al. 2006")),
        "the survey is cited"
    );
}

#[test]
fn aftercare_covers_getting_home_numbness_and_nsaids_honestly() {
    let faq = shipped_faq();
    let aftercare = entry(&faq, "aftercare");
    let answer = aftercare.answer.to_lowercase();
    assert_mentions(
        "aftercare",
        "short answer",
        &answer,
        &["lift", "sedation", "drive", "fly", "numb", "few hours"],
    );
    assert!(
        answer.contains("prescribed") && answer.contains("ask"),
        "a prescribed medicine is for its prescriber"
    );
    // Ghosh 2019 as it is: a review of mostly animal studies, non-selective vs COX-2
    // selective, and no prolotherapy trial behind the advice.
    let detail = aftercare
        .detail
        .as_deref()
        .unwrap_or_default()
        .to_lowercase();
    assert_mentions(
        "aftercare",
        "detail",
        &detail,
        &[
            "ghosh 2019",
            "animals",
            "non-selective",
            "cox-2-selective",
            "no prolotherapy trial",
            "clinician who prescribed it",
        ],
    );
}

#[test]
fn candidates_answer_pregnancy_breastfeeding_allergies_and_diabetes() {
    let faq = shipped_faq();
    let candidates = entry(&faq, "candidates");
    let answer = candidates.answer.to_lowercase();
    assert_mentions(
        "candidates",
        "short answer",
        &answer,
        &[
            "pregnan",
            "breastfeeding",
            "midwife",
            "corn",
            "local anaesthetic",
            "diabetes",
        ],
    );
    let detail = candidates.detail.as_deref().unwrap_or_default();
    assert!(
        detail.contains("everyone with diabetes"),
        "the Mayo Clinic trial excluded all diabetes, not only poorly controlled"
    );
    assert!(
        !answer_and_detail(candidates).contains("experienced physician"),
        "the unsourced adolescent referral line stays out"
    );
}

#[test]
fn procedure_says_first_whether_it_hurts() {
    let faq = shipped_faq();
    let procedure = entry(&faq, "procedure");
    let first = sentences(&procedure.answer)
        .into_iter()
        .next()
        .unwrap_or_default()
        .to_lowercase();
    assert!(
        first.contains("hurt") || first.contains("pain"),
        "the first sentence is about pain: {first:?}"
    );
    assert!(
        procedure.answer.contains("opioid"),
        "the trial's post-injection painkiller (an opioid) tells how painful it can be"
    );
}

#[test]
fn citations_carry_their_claims() {
    let faq = shipped_faq();
    // The mechanism being "not well understood" is the researchers' statement.
    let how = entry(&faq, "how-it-works");
    let detail = how.detail.as_deref().unwrap_or_default();
    let sentence = sentences(detail)
        .into_iter()
        .find(|s| s.contains("not well understood"))
        .expect("how-it-works says the mechanism is not well understood");
    assert!(sentence.contains("Sit 2016") && sentence.contains("Reeves 2016"));
    assert!(
        !how.sources.iter().any(|s| s.contains("Cleveland Clinic")),
        "Cleveland Clinic is not the source for the mechanism"
    );
    // "Regenerative Injection Therapy" is named in Blue Cross of Idaho's policy, not Aetna's.
    let what = entry(&faq, "what-is-prolotherapy");
    let detail = what.detail.as_deref().unwrap_or_default();
    let sentence = sentences(detail)
        .into_iter()
        .find(|s| s.contains("Regenerative Injection Therapy"))
        .expect("what-is names Regenerative Injection Therapy");
    assert!(sentence.contains("Blue Cross of Idaho"), "{sentence}");
    assert!(what.sources.iter().any(|s| s.contains("MP 2.01.26")));
    // "98% had medical degrees" is of the 171 who answered the 2006 survey.
    let provider = entry(&faq, "find-provider");
    for text in [
        provider.answer.as_str(),
        provider.detail.as_deref().unwrap_or_default(),
    ] {
        let sentence = sentences(text)
            .into_iter()
            .find(|s| s.contains("98%"))
            .expect("find-provider gives the survey share");
        assert!(
            sentence.contains("171")
                && (sentence.contains("replied") || sentence.contains("respondents")),
            "98% is of those who answered: {sentence}"
        );
    }
}

#[test]
fn no_short_answer_is_over_120_words() {
    for entry in shipped_faq().entries() {
        let count = words(&entry.answer).len();
        assert!(count <= 120, "{} answer has {count} words", entry.id);
    }
}

#[test]
fn every_short_answer_opens_with_a_sentence_under_25_words() {
    for entry in shipped_faq().entries() {
        let first = sentences(&entry.answer)
            .into_iter()
            .next()
            .unwrap_or_default();
        let count = words(&first).len();
        assert!(
            (1..25).contains(&count),
            "{} opens with {count} words: {first:?}",
            entry.id
        );
    }
}

#[test]
fn short_answers_read_at_grade_9_or_lower() {
    for entry in shipped_faq().entries() {
        let grade = flesch_kincaid_grade(&entry.answer);
        assert!(grade <= 9.0, "{} reads at grade {grade:.1}", entry.id);
    }
}

#[test]
fn short_answers_leave_study_names_to_the_sources() {
    // "Author 2013"-style citations belong in the detail and the sources line.
    for entry in shipped_faq().entries() {
        let answer = plain(&entry.answer);
        let tokens: Vec<&str> = answer.split_whitespace().collect();
        for pair in tokens.windows(2) {
            let year = pair[1].trim_matches(|c: char| !c.is_ascii_digit());
            let cited = pair[0].starts_with(|c: char| c.is_ascii_uppercase())
                && year.len() == 4
                && (year.starts_with("19") || year.starts_with("20"));
            assert!(!cited, "{} answer cites {} {}", entry.id, pair[0], pair[1]);
        }
    }
}

#[test]
fn every_medical_entry_has_a_longer_detail() {
    for entry in shipped_faq().entries().iter().filter(|e| e.medical) {
        let detail = entry.detail.as_deref().unwrap_or_default();
        assert!(
            words(detail).len() > words(&entry.answer).len(),
            "{} has no detail longer than its short answer",
            entry.id
        );
    }
}

#[test]
fn entries_answer_the_intents_that_had_no_home() {
    let faq = shipped_faq();
    let what = entry(&faq, "what-is-prolotherapy").answer.to_lowercase();
    assert_mentions(
        "what-is-prolotherapy",
        "short answer",
        &what,
        &["approved", "fda", "nice", "sclerotherapy", "vein"],
    );
    let aftercare = entry(&faq, "aftercare").answer.to_lowercase();
    assert_mentions("aftercare", "short answer", &aftercare, &["drive", "fly"]);
    let candidates = entry(&faq, "candidates").answer.to_lowercase();
    assert_mentions(
        "candidates",
        "short answer",
        &candidates,
        &["pregnan", "breastfeeding"],
    );
}

#[test]
fn no_match_leaves_the_contact_line_to_the_composer() {
    let faq = shipped_faq();
    let texts = faq.texts();
    let contact = texts
        .contact
        .as_deref()
        .expect("the shipped FAQ has a contact line");
    assert!(
        !texts.no_match.contains(contact.trim()),
        "no_match repeats the contact line"
    );
    assert!(
        !texts.no_match.to_lowercase().contains("moderator"),
        "no_match repeats the way to a human: {}",
        texts.no_match
    );
    assert!(
        contact.to_lowercase().contains("book"),
        "booking is in the contact line"
    );
    let faq = shipped_faq();
    let provider = answer_and_detail(entry(&faq, "find-provider"));
    assert!(
        !provider.contains("to book"),
        "booking text lives in the contact line, not the evidence answer"
    );
}

#[test]
fn crisis_line_988_names_canada_and_emergency_numbers_name_new_zealand() {
    let faq = shipped_faq();
    let texts = faq.texts();
    for (name, text) in [("crisis", &texts.crisis), ("safety_net", &texts.safety_net)] {
        let at = text
            .find("988")
            .unwrap_or_else(|| panic!("{name} lacks 988"));
        let after: String = text[at..].chars().take(40).collect();
        assert!(
            after.contains("US and Canada"),
            "{name}: 988 is given for the US and Canada: {after:?}"
        );
    }
    for (name, text) in [
        ("emergency", &texts.emergency),
        ("urgent", &texts.urgent),
        ("crisis", &texts.crisis),
    ] {
        assert!(
            text.contains("111 in New Zealand"),
            "{name} lists New Zealand's 111"
        );
    }
    assert!(
        texts.safety_net.chars().count() <= 500,
        "the safety-net line stays within 500 characters"
    );
    assert!(
        texts
            .disclaimer
            .contains("In an emergency, call your local emergency number."),
        "the disclaimer keeps its emergency sentence"
    );
}

#[test]
fn every_entry_and_the_file_carry_a_review_date() {
    let faq = shipped_faq();
    let file = faq.reviewed().expect("the file has a reviewed date");
    for entry in faq.entries() {
        let date = entry
            .reviewed
            .as_deref()
            .unwrap_or_else(|| panic!("{} has no reviewed date", entry.id));
        assert!(
            date <= file,
            "{} reviewed after the file ({date} > {file})",
            entry.id
        );
    }
}
