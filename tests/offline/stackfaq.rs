//! Generality: the same matching method on an unrelated FAQ (StackFAQ, 125 entries), with no
//! synonyms, routes held-out paraphrases to the right entry, clean and with typos.

use prolobot::faq::{Entry, Faq, RedFlags, Texts, Thresholds};
use prolobot::matcher::Matcher;

use crate::data_path;
use crate::lcg::Lcg;

/// One StackFAQ pair: example phrasings (before the `*` marker) and held-out queries (after it).
struct Pair {
    question: String,
    examples: Vec<String>,
    held_out: Vec<String>,
    answer: String,
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
        .trim()
        .to_string()
}

fn elements<'a>(xml: &'a str, tag: &str) -> Vec<&'a str> {
    let (open, close) = (format!("<{tag}>"), format!("</{tag}>"));
    xml.split(open.as_str())
        .skip(1)
        .filter_map(|part| part.split(close.as_str()).next())
        .collect()
}

fn pairs() -> Vec<Pair> {
    let path = data_path("stackfaq/stackfaq.xml");
    let xml = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    elements(&xml, "qapair")
        .into_iter()
        .map(|pair| {
            let phrasings: Vec<String> =
                elements(pair, "rephr").into_iter().map(unescape).collect();
            let marker = phrasings
                .iter()
                .position(|p| p == "*")
                .expect("every pair has a * marker");
            Pair {
                question: unescape(elements(pair, "question")[0]),
                examples: phrasings[..marker].to_vec(),
                held_out: phrasings[marker + 1..].to_vec(),
                answer: unescape(elements(pair, "answer")[0]),
            }
        })
        .collect()
}

fn faq(pairs: &[Pair]) -> Faq {
    let entries = pairs
        .iter()
        .enumerate()
        .map(|(i, p)| Entry {
            id: format!("entry-{i}"),
            title: p.question.clone(),
            medical: false,
            questions: p.examples.clone(),
            keywords: Vec::new(),
            answer: p.answer.clone(),
            detail: None,
            sources: Vec::new(),
            related: Vec::new(),
            reviewed: None,
        })
        .collect();
    Faq {
        reviewed: None,
        texts: Texts {
            disclaimer: "General information only.".into(),
            emergency: "x".into(),
            urgent: "x".into(),
            crisis: "x".into(),
            safety_net: "x".into(),
            no_match: "x".into(),
            contact: None,
        },
        thresholds: Thresholds::default(),
        synonyms: Vec::new(),
        red_flags: RedFlags::default(),
        entries,
    }
}

/// One random edit (swap, drop, double or replace a letter) in `share` of the words of two or
/// more letters. The first letter is left alone, as it is in most real typos.
fn add_typos(text: &str, share_percent: usize, rng: &mut Lcg) -> String {
    text.split(' ')
        .map(|word| {
            let mut chars: Vec<char> = word.chars().collect();
            if chars.len() < 2
                || !chars.iter().all(|c| c.is_alphabetic())
                || rng.below(100) >= share_percent
            {
                return word.to_string();
            }
            let at = 1 + rng.below(chars.len() - 1);
            match rng.below(4) {
                0 if at + 1 < chars.len() => chars.swap(at, at + 1),
                1 => {
                    chars.remove(at);
                }
                2 => chars.insert(at, chars[at]),
                _ => chars[at] = char::from(b'a' + rng.below(26) as u8),
            }
            chars.into_iter().collect()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn top1_rate(matcher: &Matcher, queries: &[(usize, String)]) -> f64 {
    let right = queries
        .iter()
        .filter(|(expected, q)| {
            matcher
                .rank(q)
                .first()
                .is_some_and(|c| c.entry == *expected)
        })
        .count();
    right as f64 / queries.len() as f64
}

fn held_out_queries(pairs: &[Pair]) -> Vec<(usize, String)> {
    pairs
        .iter()
        .enumerate()
        .flat_map(|(i, p)| p.held_out.iter().map(move |q| (i, q.clone())))
        .collect()
}

#[test]
fn routes_held_out_paraphrases_of_an_unrelated_faq() {
    let pairs = pairs();
    assert_eq!(pairs.len(), 125);
    let queries = held_out_queries(&pairs);
    assert_eq!(queries.len(), 625);
    let matcher = Matcher::new(&faq(&pairs));
    let rate = top1_rate(&matcher, &queries);
    println!("stackfaq clean top-1: {rate:.3}");
    assert!(rate >= 0.95, "clean top-1 {rate:.3} < 0.95");
}

#[test]
fn routes_them_with_typos_in_thirty_percent_of_words() {
    let pairs = pairs();
    let mut rng = Lcg(42);
    let queries: Vec<(usize, String)> = held_out_queries(&pairs)
        .into_iter()
        .map(|(i, q)| (i, add_typos(&q, 30, &mut rng)))
        .collect();
    let matcher = Matcher::new(&faq(&pairs));
    let rate = top1_rate(&matcher, &queries);
    println!("stackfaq typo top-1: {rate:.3}");
    assert!(rate >= 0.93, "typo top-1 {rate:.3} < 0.93");
}

#[test]
fn typo_injection_changes_about_thirty_percent_of_words() {
    let text = "the quick brown fox jumps over lazy dogs ".repeat(50);
    let typoed = add_typos(text.trim(), 30, &mut Lcg(7));
    let changed = text
        .split_whitespace()
        .zip(typoed.split(' '))
        .filter(|(a, b)| a != b)
        .count();
    let share = changed as f64 / text.split_whitespace().count() as f64;
    assert!((0.2..0.4).contains(&share), "changed {share:.2} of words");
}
