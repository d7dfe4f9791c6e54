//! The small FAQ the adapter's unit tests run on (`tests/data/fixture-faq.toml`: four entries,
//! one red-flag rule), so that they test the adapter, not the shipped content and its edits.

use prolobot_core::{Faq, Knowledge};

/// The fixture FAQ's text.
pub(crate) const FAQ: &str = include_str!("../../tests/data/fixture-faq.toml");

/// The fixture FAQ, indexed.
pub(crate) fn knowledge() -> Knowledge {
    Knowledge::new(
        Faq::from_toml_str(FAQ)
            .expect("the fixture FAQ is valid")
            .faq,
    )
}
