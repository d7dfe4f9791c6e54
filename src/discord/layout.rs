//! Fitting long machine output (FAQ diagnostics, matcher explanations, reports) into a reply
//! body, so that the composer never has to cut it and the disclaimer always follows intact.

use std::fmt::Write as _;

/// Characters [`code_block`] adds around its text.
pub(crate) const CODE_FENCES: usize = 8;

/// `text` in a Markdown code block of at most `max_chars` characters; whole lines are kept and
/// the rest summarised as "… N more lines", so the closing fence is never cut off, and no run of
/// backticks in `text` can close it early.
pub(crate) fn code_block(text: &str, max_chars: usize) -> String {
    const MORE_ROOM: usize = 24;
    let text = defuse_fences(text);
    let lines: Vec<&str> = text.lines().collect();
    let total: usize = lines.iter().map(|line| line.chars().count() + 1).sum();
    let fits_whole = total + CODE_FENCES <= max_chars;
    let room = if fits_whole {
        total
    } else {
        max_chars.saturating_sub(CODE_FENCES + MORE_ROOM)
    };
    let mut body = String::new();
    let mut used = 0;
    let mut shown = 0;
    for line in &lines {
        let cost = line.chars().count() + 1;
        if used + cost > room {
            if shown == 0 {
                body.extend(line.chars().take(room.saturating_sub(2)));
                body.push_str("…\n");
                shown = 1;
            }
            break;
        }
        body.push_str(line);
        body.push('\n');
        used += cost;
        shown += 1;
    }
    if shown < lines.len() {
        let _ = writeln!(body, "… {} more line(s)", lines.len() - shown);
    }
    format!("```\n{body}```")
}

/// `text` with a zero-width space before every third backtick in a row, so that it holds no
/// code fence (three backticks) however many backticks it has in a row.
fn defuse_fences(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut run = 0;
    for c in text.chars() {
        if c == '`' {
            if run == 2 {
                out.push('\u{200b}');
                run = 0;
            }
            run += 1;
        } else {
            run = 0;
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_blocks_fit_and_stay_closed() {
        let many = (0..200)
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join("\n");
        let long_line = "x".repeat(5_000);
        // (text, limit)
        let cases = [
            ("short", 100),
            ("a\nb\nc", 14),
            (many.as_str(), 60),
            (many.as_str(), 300),
            (many.as_str(), 5_000),
            (long_line.as_str(), 500),
            ("has ``` inside", 100),
            ("````", 100),
            ("a ``````` b\n`````\n``", 100),
        ];
        for (text, limit) in cases {
            let block = code_block(text, limit);
            assert!(block.chars().count() <= limit, "{limit}: {block}");
            assert!(
                block.starts_with("```\n") && block.ends_with("\n```"),
                "{block}"
            );
            assert_eq!(block.matches("```").count(), 2, "{block}");
        }
        assert_eq!(code_block("a\nb", 100), "```\na\nb\n```");
        assert!(code_block(&many, 300).contains("more line(s)"));
    }

    proptest::proptest! {
        #[test]
        fn code_blocks_of_any_text_fit_and_stay_closed(
            text in "([`\n]|\\PC){0,600}",
            limit in 100usize..3_000,
        ) {
            let block = code_block(&text, limit);
            proptest::prop_assert!(block.chars().count() <= limit);
            proptest::prop_assert!(block.starts_with("```\n") && block.ends_with("\n```"));
            proptest::prop_assert_eq!(block.matches("```").count(), 2);
        }
    }
}
