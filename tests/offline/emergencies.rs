//! Emergency detection on the shipped rules: typo-tolerant reports are flagged, general
//! questions about risks are not.

use prolobot::matcher::{Matcher, Outcome};

use crate::shipped_faq;

/// Reports of symptoms now, phrased as people write them (not the dev set's wording).
const REPORTS: &[&str] = &[
    "my knee has been hot and red since the injection and i have a fever",
    "injection site is swollen with pus coming out and im shivering",
    "since my back prolo i cant feel my groin or bum",
    "lost control of my bladder after the lower back injections",
    "my throat is swelling up and i have hives after the shot",
    "sharp chest pain and short of breath after my rib injections",
    "my leg suddenly went weak after the injection in my back",
    "my face is drooping on one side and my speech is slurred",
    "worst headache of my life after the spine injection and i feel confused",
    "i passed out twice after my prolo today",
    "i want to end my life, the pain never stops",
];

/// General questions about risks, which the FAQ answers.
const QUESTIONS: &[&str] = &[
    "can prolo cause an infection?",
    "is nerve damage a risk with prolotherapy?",
    "what are the side effects of prolo",
    "is it normal to be sore after the injection",
    "can you get a fever from prolotherapy",
    "how common is a punctured lung with chest wall prolo",
    "does prolo hurt",
    "is prolotherapy safe",
];

/// Every single-letter typo (drop, swap, replace) of every word of four letters or more,
/// keeping the first letter, as people's typos mostly do.
fn single_typo_variants(message: &str) -> Vec<String> {
    let words: Vec<&str> = message.split(' ').collect();
    let mut variants = Vec::new();
    for (i, word) in words.iter().enumerate() {
        let chars: Vec<char> = word.chars().collect();
        if chars.len() < 4 || !chars.iter().all(|c| c.is_alphabetic()) {
            continue;
        }
        for at in 1..chars.len() {
            let mut edits = vec![[&chars[..at], &chars[at + 1..]].concat()];
            if at + 1 < chars.len() {
                let mut swapped = chars.clone();
                swapped.swap(at, at + 1);
                edits.push(swapped);
            }
            let mut replaced = chars.clone();
            replaced[at] = 'x';
            edits.push(replaced);
            for edit in edits {
                let mut typed = words.iter().map(|w| (*w).to_string()).collect::<Vec<_>>();
                typed[i] = edit.into_iter().collect();
                variants.push(typed.join(" "));
            }
        }
    }
    variants
}

#[test]
fn reports_of_symptoms_now_are_emergencies() {
    let matcher = Matcher::new(&shipped_faq());
    for report in REPORTS {
        assert_eq!(
            matcher.decide(report).outcome,
            Outcome::Emergency,
            "{report:?}"
        );
    }
}

#[test]
fn general_questions_about_risks_are_not_emergencies() {
    let matcher = Matcher::new(&shipped_faq());
    for question in QUESTIONS {
        assert_ne!(
            matcher.decide(question).outcome,
            Outcome::Emergency,
            "{question:?}"
        );
    }
}

#[test]
fn single_typos_in_reports_are_still_flagged() {
    let matcher = Matcher::new(&shipped_faq());
    let variants: Vec<String> = REPORTS
        .iter()
        .flat_map(|r| single_typo_variants(r))
        .collect();
    let missed: Vec<&String> = variants
        .iter()
        .filter(|v| matcher.decide(v).outcome != Outcome::Emergency)
        .collect();
    let recall = 1.0 - missed.len() as f64 / variants.len() as f64;
    println!(
        "single-typo variants flagged: {recall:.4} of {}",
        variants.len()
    );
    // Typos that make a word of three letters or another real word ("can" for "cant") are
    // beyond any typo tolerance; they are a small share.
    assert!(
        recall >= 0.95,
        "recall {recall:.4}; missed e.g. {:?}",
        &missed[..missed.len().min(10)]
    );
}
