//! Offline tests of the built binary, the shipped FAQ and the matcher's accuracy targets.
//! (Discord end-to-end tests live in their own binary, `tests/discord`.)

mod stackfaq;

use std::path::PathBuf;

/// A file under the read-only `shared/` folder that sits beside the repository.
fn shared_path(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared")
        .join(relative)
}
