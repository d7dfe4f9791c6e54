//! The small FAQ the teach module's unit tests run on (`tests/data/teach-faq.toml`: three
//! entries, off-topic subjects, one red-flag rule).

/// The fixture FAQ's text.
pub(super) const FAQ: &str = include_str!("../../tests/data/teach-faq.toml");
