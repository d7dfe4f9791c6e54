//! Matching speed: the shipped FAQ against a naive baseline, the safety set's messages, a
//! generated 10,000-entry FAQ (load + index, and per question), and adversarial
//! 4,000-character messages (among them one dense with safety words and cues).
//!
//! Targets (issues 3 and 9): median <= 20 us per question on the shipped FAQ, safety rules
//! included; 10,000 entries load and index in <= 1 s and answer in <= 200 us; a 4,000-character
//! message in <= 1 ms.

use std::fmt::Write as _;
use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use prolobot_core::{normalise, Faq, Knowledge};

#[path = "../../../tests/common/lcg.rs"]
mod lcg;
use lcg::Lcg;

/// The shipped `faq.toml`, or the FAQ named by `PROLOBOT_FAQ` (to bench a clinic's own).
fn shipped_faq() -> Faq {
    let path = std::env::var_os("PROLOBOT_FAQ").map_or_else(
        || std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../faq.toml")),
        Into::into,
    );
    Faq::load(&path).expect("the FAQ is valid").faq
}

/// Questions as users type them: the FAQ's own examples with a letter swapped in long words.
fn user_questions(faq: &Faq) -> Vec<String> {
    faq.entries()
        .iter()
        .flat_map(|e| &e.questions)
        .map(|q| {
            q.split(' ')
                .map(|w| {
                    if w.len() > 6 {
                        format!("{}{}{}", &w[..2], &w[3..4], &w[4..])
                    } else {
                        w.to_string()
                    }
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

/// The naive baseline: whole-string similarity against every example question.
fn naive_best<'f>(faq: &'f Faq, question: &str) -> &'f str {
    let question = normalise(question);
    let mut best = ("", 0.0);
    for entry in faq.entries() {
        for example in &entry.questions {
            let score = strsim::normalized_levenshtein(&question, &normalise(example));
            if score > best.1 {
                best = (&entry.id, score);
            }
        }
    }
    best.0
}

fn bench_shipped(c: &mut Criterion) {
    let matcher = Knowledge::new(shipped_faq());
    let faq = matcher.faq();
    let questions = user_questions(faq);
    let mut group = c.benchmark_group("shipped_faq_per_question");
    let mut i = 0;
    group.bench_function("matcher", |b| {
        b.iter(|| {
            i = (i + 1) % questions.len();
            black_box(matcher.decide(&questions[i]))
        });
    });
    let mut j = 0;
    group.bench_function("naive_strsim_baseline", |b| {
        b.iter(|| {
            j = (j + 1) % questions.len();
            black_box(naive_best(faq, &questions[j]))
        });
    });
    group.finish();
}

fn synthetic_words(count: usize, rng: &mut Lcg) -> Vec<String> {
    const SYLLABLES: [&str; 24] = [
        "ka", "lo", "mi", "ra", "te", "su", "vo", "ne", "pi", "da", "gor", "lin", "mar", "tes",
        "bru", "fen", "ost", "qua", "rel", "sin", "tor", "und", "vex", "wal",
    ];
    (0..count)
        .map(|_| {
            (0..2 + rng.below(3))
                .map(|_| SYLLABLES[rng.below(SYLLABLES.len())])
                .collect()
        })
        .collect()
}

/// A valid faq.toml with `entries` entries of synthetic text.
fn generated_faq_toml(entries: usize) -> (String, Vec<String>) {
    let mut rng = Lcg(7);
    let words = synthetic_words(20_000, &mut rng);
    let phrase = |rng: &mut Lcg| -> String {
        (0..5)
            .map(|_| words[rng.below(words.len())].as_str())
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut toml = String::from(
        "[texts]\ndisclaimer = \"General information only.\"\nemergency = \"Call your local emergency number.\"\nurgent = \"See a doctor today.\"\ncrisis = \"Call a crisis line.\"\nsafety_net = \"If this is happening now, get help.\"\nno_match = \"No match.\"\n",
    );
    let mut queries = Vec::new();
    for i in 0..entries {
        let questions: Vec<String> = (0..4).map(|_| phrase(&mut rng)).collect();
        queries.push(questions[0].clone());
        let quoted: Vec<String> = questions.iter().map(|q| format!("{q:?}")).collect();
        let _ = write!(
            toml,
            "\n[[entry]]\nid = \"entry-{i}\"\ntitle = {:?}\nmedical = false\nquestions = [{}]\nanswer = \"Answer {i}.\"\n",
            phrase(&mut rng),
            quoted.join(", ")
        );
    }
    (toml, queries)
}

fn bench_large(c: &mut Criterion) {
    let (toml, queries) = generated_faq_toml(10_000);
    let mut group = c.benchmark_group("generated_10k_entries");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    group.bench_function("load_and_index", |b| {
        b.iter(|| {
            let faq = Faq::from_toml_str(&toml)
                .expect("generated FAQ is valid")
                .faq;
            black_box(Knowledge::new(faq))
        });
    });
    group.finish();
    let matcher = Knowledge::new(
        Faq::from_toml_str(&toml)
            .expect("generated FAQ is valid")
            .faq,
    );
    let mut group = c.benchmark_group("generated_10k_entries_per_question");
    let mut i = 0;
    group.bench_function("matcher", |b| {
        b.iter(|| {
            i = (i + 1) % queries.len();
            black_box(matcher.decide(&queries[i]))
        });
    });
    group.finish();
}

/// The messages of the repository's labelled safety set (reports and look-alikes).
fn safety_messages() -> Vec<String> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/data/safety.toml");
    let source = std::fs::read_to_string(path).expect("tests/data/safety.toml");
    let set = prolobot_core::SafetySet::parse(&source).expect("a valid safety set");
    set.report
        .into_iter()
        .map(|r| r.text)
        .chain(set.lookalike.into_iter().map(|l| l.text))
        .collect()
}

fn bench_safety(c: &mut Criterion) {
    let matcher = Knowledge::new(shipped_faq());
    let messages = safety_messages();
    let mut group = c.benchmark_group("safety_set_per_message");
    let mut i = 0;
    group.bench_function("matcher", |b| {
        b.iter(|| {
            i = (i + 1) % messages.len();
            black_box(matcher.decide(&messages[i]))
        });
    });
    group.finish();
}

fn bench_adversarial(c: &mut Criterion) {
    let matcher = Knowledge::new(shipped_faq());
    let mut rng = Lcg(3);
    let words = synthetic_words(2_000, &mut rng);
    let distinct_words: String = words.join(" ").chars().take(4_000).collect();
    let typo_flood: String = "prolotheraphy injectoin dextorse "
        .repeat(200)
        .chars()
        .take(4_000)
        .collect();
    let mut group = c.benchmark_group("adversarial_4000_chars");
    group.bench_function("distinct_unknown_words", |b| {
        b.iter(|| black_box(matcher.decide(&distinct_words)));
    });
    group.bench_function("repeated_typos", |b| {
        b.iter(|| black_box(matcher.decide(&typo_flood)));
    });
    group.bench_function("single_letter", |b| {
        b.iter(|| black_box(matcher.decide(&"a".repeat(4_000))));
    });
    let safety_words: String = "i dont want to hurt myself my friend said no fever since the \
                                jab is it normal to feel faint lol "
        .repeat(60)
        .chars()
        .take(4_000)
        .collect();
    group.bench_function("dense_safety_words", |b| {
        b.iter(|| black_box(matcher.decide(&safety_words)));
    });
    group.finish();
}

criterion_group!(
    benches,
    bench_shipped,
    bench_safety,
    bench_large,
    bench_adversarial
);
criterion_main!(benches);
