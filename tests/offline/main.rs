//! Offline tests of the built binary, the shipped FAQ and the matcher's accuracy targets.
//! (Discord end-to-end tests live in their own binary, `tests/discord`.)

mod cli;
mod content;
#[path = "../common/hostile.rs"]
mod hostile;
#[path = "../common/lcg.rs"]
mod lcg;
mod replies;
mod robustness;
mod safety;
mod stackfaq;
mod validation;

use std::path::PathBuf;
use std::sync::OnceLock;

use prolobot::faq::Faq;
use prolobot::matcher::Matcher;

/// A file under the repository's test data (`tests/data`).
fn data_path(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(relative)
}

/// The FAQ shipped in the repository, which must load.
fn shipped_faq() -> Faq {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("faq.toml");
    Faq::load(&path).expect("the shipped faq.toml is valid").faq
}

/// The shipped FAQ and its matcher, built once: property tests run hundreds of cases, and
/// building them takes longer than a case in a debug build.
fn shipped_matcher() -> &'static (Faq, Matcher) {
    static SHIPPED: OnceLock<(Faq, Matcher)> = OnceLock::new();
    SHIPPED.get_or_init(|| {
        let faq = shipped_faq();
        let matcher = Matcher::new(&faq);
        (faq, matcher)
    })
}
