//! Offline tests of the built binary, the shipped FAQ and the matcher's accuracy targets.
//! (Discord end-to-end tests live in their own binary, `tests/discord`.)

mod cli;
mod emergencies;
#[path = "../common/hostile.rs"]
mod hostile;
mod replies;
mod robustness;
mod stackfaq;
mod validation;

use std::path::PathBuf;

/// A file under the read-only `shared/` folder that sits beside the repository.
fn shared_path(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared")
        .join(relative)
}

/// The FAQ shipped in the repository, which must load.
fn shipped_faq() -> prolobot::faq::Faq {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("faq.toml");
    prolobot::faq::Faq::load(&path)
        .expect("the shipped faq.toml is valid")
        .faq
}
