//! Offline tests of the built binary, the shipped FAQ, the deploy files and the matcher's accuracy targets.
//! (Discord end-to-end tests live in their own binary, `tests/discord`.)

mod cli;
mod console;
mod content;
mod deploy;
mod eval;
#[path = "../common/hostile.rs"]
mod hostile;
#[path = "../common/lcg.rs"]
mod lcg;
mod logs;
mod replies;
mod robustness;
mod routing;
mod safety;
mod stackfaq;
mod teach;
mod validation;

use std::path::PathBuf;
use std::sync::OnceLock;

use prolobot_core::{Faq, Knowledge};

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

/// The shipped FAQ, indexed once: property tests run hundreds of cases, and indexing takes
/// longer than a case in a debug build.
fn shipped() -> &'static Knowledge {
    static SHIPPED: OnceLock<Knowledge> = OnceLock::new();
    SHIPPED.get_or_init(|| Knowledge::new(shipped_faq()))
}
