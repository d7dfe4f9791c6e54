//! How text someone typed appears in the log: quoted and escaped as Rust's `Debug` escapes it
//! (a newline cannot forge a log line, a terminal escape code cannot pass), and cut to
//! [`UserText::MAX_CHARS`] characters with an ellipsis. Callers log it at debug level only.

use std::fmt;

/// Text from a user or moderator, for a log field: `content = %UserText(&message.content)`.
#[derive(Clone, Copy)]
pub struct UserText<'a>(pub &'a str);

impl UserText<'_> {
    /// The most characters of the text a log line shows.
    pub const MAX_CHARS: usize = 200;
}

impl fmt::Display for UserText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.char_indices().nth(Self::MAX_CHARS) {
            None => write!(f, "{:?}", self.0),
            Some((cut, _)) => {
                let shown = self.0[..cut].escape_debug();
                let more = self.0[cut..].chars().count();
                write!(f, "\"{shown}…\" (+{more} chars)")
            }
        }
    }
}

impl fmt::Debug for UserText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped_and_nothing_else_changes() {
        let forged = "cost?\n2026-01-01  INFO forged \u{1b}[31mred\u{202e}";
        let shown = UserText(forged).to_string();
        assert_eq!(
            shown,
            r#""cost?\n2026-01-01  INFO forged \u{1b}[31mred\u{202e}""#
        );
        assert_eq!(UserText("é \"quoted\"").to_string(), r#""é \"quoted\"""#);
    }

    #[test]
    fn long_text_is_cut_with_an_ellipsis_and_a_count() {
        let long = "é".repeat(UserText::MAX_CHARS + 50);
        let shown = UserText(&long).to_string();
        assert!(shown.starts_with(&format!("\"{}…\"", "é".repeat(UserText::MAX_CHARS))));
        assert!(shown.ends_with(" (+50 chars)"), "{shown}");
        let exact = "a".repeat(UserText::MAX_CHARS);
        assert_eq!(UserText(&exact).to_string(), format!("\"{exact}\""));
    }
}
