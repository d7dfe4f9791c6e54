//! Hostile and arbitrary input: no panic and nothing from the user echoed.

use prolobot_core::normalise;
use prolobot_core::Composer;
use prolobot_core::Faq;
use proptest::prelude::*;

use crate::hostile::{echoed_marker, inputs, FRAGMENTS};
use crate::shipped;

/// Discord's longest message (with Nitro), in characters.
const DISCORD_MAX_MESSAGE: usize = 4_000;

/// The reply to `input` echoes none of its markup. (How fast that is lives in the criterion
/// benchmark `adversarial_4000_chars`, not in a timed test.)
fn check_not_echoed(input: &str) {
    let knowledge = shipped();
    let reply = Composer::new(knowledge.faq()).decision(&knowledge.decide(input));
    assert_eq!(echoed_marker(reply.text()), None, "{}", reply.text());
}

#[test]
fn hostile_inputs_are_never_echoed() {
    for input in inputs() {
        assert!(input.chars().count() <= DISCORD_MAX_MESSAGE);
        check_not_echoed(&input);
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

/// Cases per matcher property: cheap once the matcher is built, so many.
const MATCHER_CASES: u32 = 1_000;
/// Cases per loader property: each case validates a whole FAQ file.
const LOADER_CASES: u32 = 200;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(MATCHER_CASES))]

    #[test]
    fn arbitrary_unicode_never_panics(message in "\\PC{0,4000}") {
        check_not_echoed(&message);
    }

    #[test]
    fn hostile_mixtures_never_panic_and_are_never_echoed(
        parts in proptest::collection::vec(proptest::sample::select(FRAGMENTS.to_vec()), 0..300),
    ) {
        let message: String = parts.concat().chars().take(DISCORD_MAX_MESSAGE).collect();
        check_not_echoed(&message);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(LOADER_CASES))]

    #[test]
    fn arbitrary_bytes_never_panic_the_faq_loader(bytes in proptest::collection::vec(any::<u8>(), 0..2_000)) {
        let text = String::from_utf8_lossy(&bytes);
        let _ = Faq::from_toml_str(&text);
    }

    #[test]
    fn mutated_faq_files_are_rejected_or_loaded_but_never_panic(cut in any::<proptest::sample::Index>(), insert in "\\PC{0,8}") {
        let source = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/faq.toml")).unwrap();
        let mut cut = cut.index(source.len() + 1);
        while !source.is_char_boundary(cut) { cut -= 1; }
        let mutated = format!("{}{insert}{}", &source[..cut], &source[cut..]);
        let _ = Faq::from_toml_str(&mutated);
    }
}
