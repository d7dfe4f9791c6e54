//! Generality: the same matching method on an unrelated FAQ (StackFAQ, 125 entries), with no
//! synonyms, routes held-out paraphrases to the right entry, clean and with typos.

use prolobot_core::{Faq, Knowledge};

use crate::data_path;
use crate::lcg::Lcg;

/// One StackFAQ pair: example phrasings (before the `*` marker) and held-out queries (after it).
struct Pair {
    question: String,
    examples: Vec<String>,
    held_out: Vec<String>,
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
            }
        })
        .collect()
}

/// The pairs as a `faq.toml` (written with the `toml` crate, so any text is quoted right),
/// loaded through validation like any moderator's file: entry `i` has id `entry-{i}`.
fn faq(pairs: &[Pair]) -> Faq {
    let entries: Vec<toml::Value> = pairs
        .iter()
        .enumerate()
        .map(|(i, p)| {
            toml::Value::Table(toml::toml! {
                id = (format!("entry-{i}"))
                title = (p.question.clone())
                medical = false
                questions = (p.examples.clone())
                // The matcher never reads answers; a few of StackFAQ's are longer than a message.
                answer = (format!("Answer {i}."))
            })
        })
        .collect();
    let mut file = toml::toml! {
        [texts]
        disclaimer = "General information only."
        emergency = "x"
        urgent = "x"
        crisis = "x"
        safety_net = "x"
        no_match = "x"
    };
    file.insert("entry".into(), toml::Value::Array(entries));
    let source = toml::to_string(&file).expect("a TOML document");
    Faq::from_toml_str(&source)
        .unwrap_or_else(|problems| panic!("StackFAQ as faq.toml: {problems:?}"))
        .faq
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

fn top1_rate(knowledge: &Knowledge, queries: &[(usize, String)]) -> f64 {
    let right = queries
        .iter()
        .filter(|(expected, q)| {
            let expected = knowledge.faq().find(&format!("entry-{expected}"));
            knowledge.rank(q).first().map(|c| c.entry) == expected
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
    let knowledge = Knowledge::new(faq(&pairs));
    let rate = top1_rate(&knowledge, &queries);
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
    let knowledge = Knowledge::new(faq(&pairs));
    let rate = top1_rate(&knowledge, &queries);
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
