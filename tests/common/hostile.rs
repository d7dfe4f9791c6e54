//! Hostile message texts, shared by the offline robustness tests and the Discord end-to-end
//! tests (each includes this file with `#[path]`), and the markers planted in them that must
//! never come back in a reply.

/// Planted in [`inputs`]: a reply holding one of these echoes the user's text with a live mention,
/// live Markdown, or a direction override that flips how the rest of the reply reads.
pub const ECHO_MARKERS: [&str; 11] = [
    "@everyone",
    "@here",
    "<@123>",
    "<@!123>",
    "<@&456>",
    "<#789>",
    "||spoiler||",
    "**INJECTED**",
    "[click](https://evil.example)",
    "`code`",
    "\u{202E}",
];

/// Pieces of hostile text: the markers, combining marks (zalgo), bidi and zero-width controls,
/// NUL, backtick runs, Markdown syntax, emoji, non-characters and FAQ words, for property tests
/// to mix.
pub const FRAGMENTS: [&str; 22] = [
    "@everyone",
    "<@123>",
    "<@&456>",
    "<#789>",
    "||spoiler||",
    "**INJECTED**",
    "[click](https://evil.example)",
    "\u{0337}\u{0322}\u{031b}",
    "\u{202E}",
    "\u{2066}",
    "\u{200B}",
    "\u{FEFF}",
    "\0",
    "````",
    "# ",
    "> ",
    "😀",
    "\u{FFFF}",
    " ",
    "prolotherapy",
    "cost",
    "hurt",
];

/// Messages built to break a bot: zalgo, right-to-left overrides, zero-width characters, NUL
/// bytes, 4,000 x "a", Markdown and mention injection, fence breaking, and a few more; none over
/// Discord's 4,000-character message limit.
pub fn inputs() -> Vec<String> {
    vec![
        "z̷̢̛̛a̸̧̛l̶̨̛g̵̢̛o̴̢̧ ".repeat(180),
        "\u{202E}prolo\u{202D} does it hurt \u{2066}?".to_owned(),
        "\u{202E}@everyone\u{202C} how much does it cost".to_owned(),
        "pro\u{200B}lo\u{200D}thera\u{FEFF}py cost".to_owned(),
        "prolo\0therapy\0 \0".to_owned(),
        "a".repeat(4_000),
        "a ".repeat(2_000),
        "**INJECTED** __under__ ~~strike~~ ||spoiler|| `code` ```block``` > quote \
         [click](https://evil.example)"
            .to_owned(),
        "# HEADER\n- list\n> quote\n[click](https://evil.example) does it hurt".to_owned(),
        "@everyone @here <@123> <@!123> <@&456> <#789> does prolo hurt".to_owned(),
        "```` how much does it cost ````\n```\n`code`".to_owned(),
        "😀".repeat(4_000),
        "\u{FFFF}\u{10FFFF}\u{D7FF}".repeat(500),
        "prolotheraphy injectoin dextorse ".repeat(120),
        FRAGMENTS.concat(),
    ]
}

/// The first marker `reply` echoes, if any.
pub fn echoed_marker(reply: &str) -> Option<&'static str> {
    ECHO_MARKERS
        .into_iter()
        .find(|marker| reply.contains(marker))
}
