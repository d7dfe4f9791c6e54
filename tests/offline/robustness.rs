//! Hostile and arbitrary input: no panic, bounded work, and nothing from the user echoed.

use std::time::{Duration, Instant};

use prolobot::faq::Faq;
use prolobot::matcher::Matcher;
use prolobot::reply::Composer;
use prolobot::text::normalise;
use proptest::prelude::*;

use crate::shipped_faq;

/// Far above the 1 ms release-build target, so the test holds in unoptimised builds on a busy
/// machine; the criterion benchmark measures the real figure.
const GENEROUS_LIMIT: Duration = Duration::from_millis(250);

fn hostile_inputs() -> Vec<String> {
    vec![
        "z̷̢̛̛a̸̧̛l̶̨̛g̵̢̛o̴̢̧ ".repeat(200),
        "\u{202E}prolo\u{202D} does it hurt \u{2066}?".to_string(),
        "pro\u{200B}lo\u{200D}thera\u{FEFF}py cost".to_string(),
        "prolo\0therapy\0 \0".to_string(),
        "a".repeat(4_000),
        "a ".repeat(2_000),
        "**bold** __under__ ~~strike~~ ||spoiler|| `code` ```block``` > quote [link](https://x.y)"
            .to_string(),
        "@everyone @here <@123> <@&456> <#789> does prolo hurt".to_string(),
        "😀".repeat(4_000),
        "\u{FFFF}\u{10FFFF}\u{D7FF}".repeat(500),
        "prolotheraphy injectoin dextorse ".repeat(150),
    ]
}

fn check_bounded(matcher: &Matcher, faq: &Faq, input: &str) {
    let start = Instant::now();
    let reply = Composer::new(faq).decision(&matcher.decide(input));
    assert!(
        start.elapsed() < GENEROUS_LIMIT,
        "took {:?} on {:?}",
        start.elapsed(),
        input.chars().take(40).collect::<String>()
    );
    for dangerous in ["@everyone", "@here", "<@123>", "<@&456>", "||spoiler||"] {
        assert!(
            !reply.text().contains(dangerous),
            "reply echoes {dangerous}"
        );
    }
}

#[test]
fn hostile_inputs_are_handled_quickly_and_never_echoed() {
    let faq = shipped_faq();
    let matcher = Matcher::new(&faq);
    for input in hostile_inputs() {
        check_bounded(&matcher, &faq, &input);
    }
}

#[test]
fn normalisation_removes_invisible_and_control_characters() {
    assert_eq!(
        normalise("pro\u{200B}lo\u{200D}thera\u{FEFF}py"),
        "prolotherapy"
    );
    assert_eq!(normalise("\u{202E}prolo\u{202D}"), "prolo");
    assert_eq!(normalise("a\0b"), "a b");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn arbitrary_unicode_never_panics(message in "\\PC{0,4000}") {
        let faq = shipped_faq();
        let matcher = Matcher::new(&faq);
        check_bounded(&matcher, &faq, &message);
    }

    #[test]
    fn arbitrary_bytes_never_panic_the_faq_loader(bytes in proptest::collection::vec(any::<u8>(), 0..2_000)) {
        let text = String::from_utf8_lossy(&bytes);
        let _ = Faq::from_toml_str(&text);
    }

    #[test]
    fn mutated_faq_files_are_rejected_or_loaded_but_never_panic(cut in 0usize..60_000, insert in "\\PC{0,8}") {
        let source = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/faq.toml")).unwrap();
        let mut cut = cut.min(source.len());
        while !source.is_char_boundary(cut) { cut -= 1; }
        let mutated = format!("{}{insert}{}", &source[..cut], &source[cut..]);
        let _ = Faq::from_toml_str(&mutated);
    }
}
