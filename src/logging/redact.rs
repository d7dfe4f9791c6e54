//! Interaction tokens taken out of what the log writes. Each token lets anyone answer, edit and
//! follow up on an interaction in the bot's name for 15 minutes, and the HTTP client traces the
//! paths it calls (`/interactions/{id}/{token}/callback`, `/webhooks/{application}/{token}/...`)
//! and the routes behind them (`token: "..."`), whatever prolobot logs itself.

use std::borrow::Cow;

/// What a token is replaced with.
pub(super) const REDACTED: &str = "[redacted]";

/// Markers after which a path segment is an id and the next one a token.
const TOKEN_PATHS: [&str; 2] = ["/interactions/", "/webhooks/"];

/// Markers after which a quoted token follows: `Debug` output and JSON.
const QUOTED_TOKENS: [&str; 3] = ["token: \"", "\"token\":\"", "\"token\": \""];

/// `text` with every interaction token replaced by [`REDACTED`]; borrowed when there is none.
pub(super) fn redact(text: &str) -> Cow<'_, str> {
    let mut spans: Vec<(usize, usize)> = Vec::new();
    for marker in TOKEN_PATHS {
        for (at, _) in text.match_indices(marker) {
            let id_start = at + marker.len();
            let Some(id_len) = text[id_start..].find('/') else {
                continue;
            };
            let id = &text[id_start..id_start + id_len];
            if id.is_empty() || id.contains(|c: char| ends_segment(c)) {
                continue;
            }
            let start = id_start + id_len + 1;
            let len = text[start..]
                .find(ends_segment)
                .unwrap_or(text.len() - start);
            spans.push((start, start + len));
        }
    }
    for marker in QUOTED_TOKENS {
        for (at, _) in text.match_indices(marker) {
            let start = at + marker.len();
            spans.push((start, start + quoted_len(&text[start..])));
        }
    }
    spans.retain(|(start, end)| end > start && text[*start..*end] != *REDACTED);
    if spans.is_empty() {
        return Cow::Borrowed(text);
    }
    spans.sort_unstable();
    let mut redacted = String::with_capacity(text.len());
    let mut copied = 0;
    for (start, end) in spans {
        if start < copied {
            continue;
        }
        redacted.push_str(&text[copied..start]);
        redacted.push_str(REDACTED);
        copied = end;
    }
    redacted.push_str(&text[copied..]);
    Cow::Owned(redacted)
}

/// Whether `c` ends a path segment in a URL, a route or a log line.
fn ends_segment(c: char) -> bool {
    matches!(
        c,
        '/' | '?' | '#' | '"' | '\'' | ')' | ']' | '}' | '>' | ',' | ';' | '\\' | '`'
    ) || c.is_whitespace()
}

/// The length of a quoted string's contents up to its closing, unescaped quote.
fn quoted_len(rest: &str) -> usize {
    let mut escaped = false;
    for (i, c) in rest.char_indices() {
        match c {
            '\\' if !escaped => escaped = true,
            '"' if !escaped => return i,
            '\n' => return i,
            _ => escaped = false,
        }
    }
    rest.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_in_paths_and_routes_are_redacted() {
        let cases = [
            (
                "POST /interactions/123/aW50ZXJhY3Rpb24=/callback?with_response=false",
                "POST /interactions/123/[redacted]/callback?with_response=false",
            ),
            (
                "https://discord.com/api/v10/webhooks/42/tok.en-1_x/messages/@original done",
                "https://discord.com/api/v10/webhooks/42/[redacted]/messages/@original done",
            ),
            (
                "route: CreateInteractionResponse { interaction_id: InteractionId(1), token: \"secret\\\"quoted\" }, x",
                "route: CreateInteractionResponse { interaction_id: InteractionId(1), token: \"[redacted]\" }, x",
            ),
            (
                r#"{"id":"5","token":"abc","type":2} and "token": "def""#,
                r#"{"id":"5","token":"[redacted]","type":2} and "token": "[redacted]""#,
            ),
            ("/webhooks/42/tok", "/webhooks/42/[redacted]"),
        ];
        for (line, expected) in cases {
            assert_eq!(redact(line), expected, "{line}");
        }
    }

    #[test]
    fn lines_without_tokens_are_left_alone() {
        for line in [
            "GET /channels/1/messages",
            "/interactions/ alone",
            "the /webhooks/ page",
            "token: Secret([REDACTED alloc::string::String])",
            "",
        ] {
            assert!(matches!(redact(line), Cow::Borrowed(_)), "{line}");
        }
    }
}
