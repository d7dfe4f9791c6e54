//! Replies as a terminal shows them: the composer's Discord Markdown (bold, italic, code,
//! bullets, headings, quotes and the small `-# Sources:` line) turned into ANSI styles, and
//! each line wrapped at word boundaries to the terminal's width.
//!
//! The text always carries the styles; the console writes it through `anstream`, which drops
//! them where colour is off (not a terminal, `NO_COLOR`), so the layout is the same either way.
//! Only the Discord subset the FAQ uses is read; anything else is shown as typed.

use std::fmt::Write as _;

use anstyle::{AnsiColor, Effects, Style};
use textwrap::{Options, WordSeparator, WordSplitter, WrapAlgorithm};

/// The marker of a bullet item as shown on the terminal.
const BULLET: &str = "•";

/// `text`, Discord Markdown, for a terminal: styled, and wrapped to `width` columns when
/// there is one. A word longer than the width gets a line of its own and is never split.
/// `numbered` numbers the bullet items 1, 2, 3... so that they can be picked by number.
pub(crate) fn render(text: &str, width: Option<usize>, numbered: bool) -> String {
    let mut out = String::new();
    let mut item = 0;
    for line in text.lines() {
        let block = Block::read(line);
        let (first, rest, style) = match block.kind {
            Kind::Bullet if numbered => {
                item += 1;
                let marker = format!("{}{item}. ", block.indent);
                let hanging = " ".repeat(marker.chars().count());
                (marker, hanging, Style::new())
            }
            Kind::Bullet => (
                format!("{}{BULLET} ", block.indent),
                format!("{}  ", block.indent),
                Style::new(),
            ),
            Kind::Ordered(marker) => {
                let first = format!("{}{marker} ", block.indent);
                let hanging = " ".repeat(first.chars().count());
                (first, hanging, Style::new())
            }
            Kind::Quote => ("│ ".to_owned(), "│ ".to_owned(), Style::new()),
            Kind::Heading => (block.indent.to_owned(), block.indent.to_owned(), bold()),
            Kind::Small => (
                block.indent.to_owned(),
                block.indent.to_owned(),
                Style::new().effects(Effects::DIMMED),
            ),
            Kind::Text => (
                block.indent.to_owned(),
                block.indent.to_owned(),
                Style::new(),
            ),
        };
        let mut styled = String::new();
        inline(block.text, style, &mut styled);
        if style != Style::new() {
            styled = format!("{style}{styled}{style:#}");
        }
        match width {
            Some(width) if !styled.is_empty() => {
                let options = Options::new(width)
                    .initial_indent(&first)
                    .subsequent_indent(&rest)
                    .break_words(false)
                    .word_separator(WordSeparator::AsciiSpace)
                    .word_splitter(WordSplitter::NoHyphenation)
                    .wrap_algorithm(WrapAlgorithm::FirstFit);
                for wrapped in textwrap::wrap(&styled, options) {
                    out.push_str(&wrapped);
                    out.push('\n');
                }
            }
            _ => {
                let _ = writeln!(out, "{first}{styled}");
            }
        }
    }
    // Lines are joined, not ended: the caller decides on the last newline.
    out.pop();
    out
}

/// What a line of Markdown is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind<'a> {
    /// `- item` or `* item`.
    Bullet,
    /// `1. item`: the marker as written.
    Ordered(&'a str),
    /// `> quoted`.
    Quote,
    /// `# Heading` (up to three `#`).
    Heading,
    /// `-# small text`, Discord's subtext: the sources line.
    Small,
    /// Anything else.
    Text,
}

/// One line, read: its indentation, kind and text without the marker.
struct Block<'a> {
    indent: &'a str,
    kind: Kind<'a>,
    text: &'a str,
}

impl<'a> Block<'a> {
    fn read(line: &'a str) -> Self {
        let line = line.trim_end();
        let body = line.trim_start();
        let indent = &line[..line.len() - body.len()];
        let block = |kind, text: &'a str| Block {
            indent,
            kind,
            text: text.trim_start(),
        };
        if let Some(text) = body.strip_prefix("-# ") {
            return block(Kind::Small, text);
        }
        if let Some(text) = body.strip_prefix("- ").or_else(|| body.strip_prefix("* ")) {
            return block(Kind::Bullet, text);
        }
        if let Some(text) = body.strip_prefix("> ") {
            return block(Kind::Quote, text);
        }
        let hashes = body.len() - body.trim_start_matches('#').len();
        if (1..=3).contains(&hashes) {
            if let Some(text) = body[hashes..].strip_prefix(' ') {
                return block(Kind::Heading, text);
            }
        }
        let digits = body.len() - body.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        if digits > 0 && body[digits..].starts_with(". ") {
            return block(Kind::Ordered(&body[..=digits]), &body[digits + 2..]);
        }
        block(Kind::Text, body)
    }
}

fn bold() -> Style {
    Style::new().effects(Effects::BOLD)
}

/// The inline spans Discord reads, longest delimiter first, with the effect each adds.
const SPANS: [(&str, Effects); 5] = [
    ("**", Effects::BOLD),
    ("__", Effects::UNDERLINE),
    ("~~", Effects::STRIKETHROUGH),
    ("*", Effects::ITALIC),
    ("_", Effects::ITALIC),
];

/// Writes `text` with its inline Markdown as styles on top of `outer` (the line's own style,
/// which is set around it): every span ends by restoring `outer`, so spans nest.
fn inline(text: &str, outer: Style, out: &mut String) {
    let mut rest = text;
    let mut before: Option<char> = None;
    while let Some(c) = rest.chars().next() {
        if c == '\\' {
            if let Some(escaped) = rest[1..].chars().next().filter(char::is_ascii_punctuation) {
                out.push(escaped);
                before = Some(escaped);
                rest = &rest[1 + escaped.len_utf8()..];
                continue;
            }
        }
        if c == '`' {
            if let Some(end) = rest[1..].find('`').filter(|&end| end > 0) {
                let code = outer.fg_color(Some(AnsiColor::Cyan.into()));
                let _ = write!(out, "{code}{}{code:#}{outer}", &rest[1..=end]);
                before = Some('`');
                rest = &rest[end + 2..];
                continue;
            }
        }
        if let Some((inner, effect, used)) = span(rest, before) {
            let style = outer.effects(outer.get_effects() | effect);
            let _ = write!(out, "{style}");
            inline(inner, style, out);
            let _ = write!(out, "{style:#}{outer}");
            before = rest[..used].chars().next_back();
            rest = &rest[used..];
            continue;
        }
        out.push(c);
        before = Some(c);
        rest = &rest[c.len_utf8()..];
    }
}

/// A span starting at `text`: its content, its effect and the bytes it takes, delimiters
/// included. Like Discord, a span's content neither starts nor ends with a space, and `_`
/// only counts at word edges (`snake_case` stays as it is).
fn span(text: &str, before: Option<char>) -> Option<(&str, Effects, usize)> {
    SPANS.iter().find_map(|&(delimiter, effect)| {
        let after = text.strip_prefix(delimiter)?;
        let underscore = delimiter == "_";
        if underscore && before.is_some_and(char::is_alphanumeric) {
            return None;
        }
        let mut from = 0;
        while let Some(found) = after[from..].find(delimiter) {
            let end = from + found;
            let inner = &after[..end];
            let closing = &after[end + delimiter.len()..];
            let word_edge = !underscore || !closing.starts_with(char::is_alphanumeric);
            // `**` inside `*...*` belongs to a bold span, not to the italic one's end.
            let doubled = delimiter.len() == 1 && closing.starts_with(delimiter);
            if !inner.is_empty()
                && !inner.starts_with(char::is_whitespace)
                && !inner.ends_with(char::is_whitespace)
                && word_edge
                && !doubled
            {
                return Some((inner, effect, 2 * delimiter.len() + end));
            }
            from = end + delimiter.len() + usize::from(doubled);
        }
        None
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    use proptest::prelude::*;

    /// What a terminal without colour shows.
    fn plain(text: &str, width: Option<usize>, numbered: bool) -> String {
        anstream::adapter::strip_str(&render(text, width, numbered)).to_string()
    }

    #[test]
    fn markdown_becomes_styles_without_its_markers() {
        let text = "**What is it?**\nAn *injection* with `dextrose`.\n- **Main theory:** it irritates\n-# Sources: A 2016 review\n\n⚕️ *Not medical advice.*";
        assert_eq!(
            plain(text, None, false),
            "What is it?\nAn injection with dextrose.\n• Main theory: it irritates\nSources: A 2016 review\n\n⚕️ Not medical advice."
        );
        let styled = render(text, None, false);
        let bold = bold();
        assert!(
            styled.starts_with(&format!("{bold}What is it?{bold:#}")),
            "{styled:?}"
        );
        let small = Style::new().effects(Effects::DIMMED);
        assert!(
            styled.contains(&format!("{small}Sources: A 2016 review{small:#}")),
            "{styled:?}"
        );
        let italic = Style::new().effects(Effects::ITALIC);
        assert!(styled.contains(&format!("{italic}Not medical advice.{italic:#}")));
    }

    #[test]
    fn spans_nest_and_restore_the_outer_style() {
        let styled = render("**bold *both* bold** plain", None, false);
        let bold = bold();
        let both = Style::new().effects(Effects::BOLD | Effects::ITALIC);
        assert_eq!(
            styled,
            format!("{bold}bold {both}both{both:#}{bold} bold{bold:#} plain")
        );
    }

    #[test]
    fn text_that_is_not_a_span_stays_as_typed() {
        for text in [
            "2 * 3 * 4",
            "snake_case_name",
            "a ** b",
            "* not a bullet*",
            "**",
            "`",
            "trailing *",
            "1.5 mL",
            "#hashtag",
        ] {
            let expected = if text.starts_with("* ") {
                text.replacen("* ", "• ", 1)
            } else {
                text.to_owned()
            };
            assert_eq!(plain(text, None, false), expected, "{text}");
        }
        assert_eq!(plain(r"\*not italic\*", None, false), "*not italic*");
    }

    #[test]
    fn bullets_hang_and_suggestions_get_numbers() {
        let text = "Did you mean:\n- **Cost and insurance** (`/faq topic cost`)\n- **Side effects and risks** (`/faq topic side-effects`)";
        assert_eq!(
            plain(text, Some(30), true),
            "Did you mean:\n1. Cost and insurance (/faq\n   topic cost)\n2. Side effects and risks\n   (/faq topic side-effects)"
        );
        assert_eq!(
            plain("- one two three four", Some(10), false),
            "• one two\n  three\n  four"
        );
        assert_eq!(
            plain("2. second item here", Some(10), false),
            "2. second\n   item\n   here"
        );
    }

    #[test]
    fn headings_and_quotes() {
        assert_eq!(plain("## Aftercare", None, false), "Aftercare");
        assert_eq!(
            plain("> quoted words here", Some(9), false),
            "│ quoted\n│ words\n│ here"
        );
    }

    #[test]
    fn styles_take_no_room_when_wrapping() {
        let text = "**bold words** and *italic words* wrap like plain ones";
        let width = Some(16);
        assert_eq!(
            plain(text, width, false),
            plain(
                "bold words and italic words wrap like plain ones",
                width,
                false
            )
        );
    }

    /// A paragraph or a bullet item of plain words, as a reply's lines are.
    fn line() -> impl Strategy<Value = String> {
        // Words start with a letter, so that no line starts like a list item.
        let word = "[a-zA-Z][a-zA-Z0-9,.()'-]{0,24}";
        (any::<bool>(), prop::collection::vec(word, 1..30)).prop_map(|(bullet, words)| {
            let text = words.join(" ");
            if bullet {
                format!("- {text}")
            } else {
                text
            }
        })
    }

    proptest! {
        #[test]
        fn wrapped_lines_fit_and_no_word_is_split(
            lines in prop::collection::vec(line(), 1..6),
            width in 10_usize..100,
        ) {
            let text = lines.join("\n");
            let shown = plain(&text, Some(width), false);
            for out in shown.lines() {
                let columns = textwrap::core::display_width(out);
                let words = out.split_whitespace().filter(|w| *w != BULLET).count();
                prop_assert!(
                    columns <= width || words == 1,
                    "{out:?} is {columns} columns wide, more than {width}"
                );
            }
            let words_in = text.split_whitespace().filter(|w| *w != "-");
            let words_out = shown.split_whitespace().filter(|w| *w != BULLET);
            prop_assert!(words_in.eq(words_out), "every word, whole and in order:\n{shown}");
        }
    }
}
