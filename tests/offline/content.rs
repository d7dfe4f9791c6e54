//! The shipped FAQ's content rules: the required topics, balanced wording, sources, and example
//! questions that reach their own entry.

use prolobot_core::{Knowledge, Outcome};

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
        .map(|e| (e.id.as_str(), e.answer.as_str()))
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
            if decision.outcome() != Outcome::Answer || decision.entry() != Some(own) {
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
