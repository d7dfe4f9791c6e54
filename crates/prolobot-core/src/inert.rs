//! Moderator text made inert before it is posted: what in an answer, detail, contact or safety
//! text could ping people or send them somewhere they did not expect, found once ([`hazards`])
//! for validation warnings and rewritten ([`neutralise`]) by the composer.
//!
//! - `@everyone` and `@here` become `@` + zero-width space + the word; role and user mentions
//!   (`<@&id>`, `<@id>`, `<@!id>`) get the zero-width space after `<@`, so Discord shows them as
//!   text. An `@` inside an e-mail address (`a@here.org`) or before other words is left alone.
//! - A masked link `[text](https://host/...)` stays as written only when its host is one of the
//!   trusted hosts (the links of the entry's `sources`) and its visible text names no other
//!   domain; otherwise it becomes `text (https://host/...)`, so the real destination shows.

use std::fmt::Write as _;
use std::ops::Range;

/// Put between `@` and what follows it so Discord no longer reads a mention.
const ZERO_WIDTH_SPACE: char = '\u{200b}';

/// Something in moderator text that the composer rewrites before posting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Hazard {
    /// `@everyone` or `@here`, as written.
    MassMention(String),
    /// A role mention such as `<@&123>`.
    RoleMention(String),
    /// A user mention such as `<@123>` or `<@!123>`.
    UserMention(String),
    /// A masked link whose visible text names `named`, a domain other than its target `host`.
    MisleadingLink {
        /// The domain the visible text names.
        named: String,
        /// Where the link really goes.
        host: String,
    },
    /// A masked link to `host`, which is not among the trusted hosts (the entry's sources).
    UntrustedLink {
        /// Where the link really goes.
        host: String,
    },
}

/// One hazard and the bytes of the text it covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Found {
    pub(crate) hazard: Hazard,
    pub(crate) span: Range<usize>,
    /// For links, the visible text and the target, to rewrite them.
    link: Option<(Range<usize>, Range<usize>)>,
}

/// The hazards in `text`, in order; a link counts once (as misleading if it is both).
pub(crate) fn hazards(text: &str, trusted_hosts: &[String]) -> Vec<Found> {
    let mut found = Vec::new();
    let mut at = 0;
    while let Some(offset) = text[at..].find(['@', '<', '[']) {
        let start = at + offset;
        match scan_at(text, start, trusted_hosts) {
            Some(hazard) => {
                at = hazard.span.end;
                found.push(hazard);
            }
            None => at = start + 1,
        }
    }
    found
}

/// `text` with every hazard rewritten: mentions inert, masked links to untrusted or misnamed
/// destinations shown with their real address. Text without hazards comes back unchanged.
pub(crate) fn neutralise(text: &str, trusted_hosts: &[String]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for found in hazards(text, trusted_hosts) {
        out.push_str(&text[copied..found.span.start]);
        let written = &text[found.span.clone()];
        match (&found.hazard, &found.link) {
            (Hazard::MassMention(_), _) => {
                out.push('@');
                out.push(ZERO_WIDTH_SPACE);
                out.push_str(&written[1..]);
            }
            (Hazard::RoleMention(_) | Hazard::UserMention(_), _) => {
                out.push_str("<@");
                out.push(ZERO_WIDTH_SPACE);
                out.push_str(&written[2..]);
            }
            (_, Some((label, url))) => {
                let label = neutralise(&text[label.clone()], &[]);
                let _ = write!(out, "{label} ({})", &text[url.clone()]);
            }
            (_, None) => out.push_str(written),
        }
        copied = found.span.end;
    }
    out.push_str(&text[copied..]);
    out
}

/// The hosts of the web links in `sources` (plain or masked), which masked links may lead to.
pub(crate) fn source_hosts(sources: &[String]) -> Vec<String> {
    let mut hosts: Vec<String> = Vec::new();
    for source in sources {
        let mut at = 0;
        while let Some(offset) = source[at..].find("http") {
            let start = at + offset;
            let end = source[start..]
                .find(|c: char| c.is_whitespace() || matches!(c, ')' | '>' | ']' | ';' | ','))
                .map_or(source.len(), |len| start + len);
            if let Some(host) = host_of(&source[start..end]) {
                if !hosts.contains(&host) {
                    hosts.push(host);
                }
            }
            at = end.max(start + 1);
        }
    }
    hosts
}

/// The hazard that starts at byte `start` of `text` (an `@`, `<` or `[`), if any.
fn scan_at(text: &str, start: usize, trusted_hosts: &[String]) -> Option<Found> {
    let rest = &text[start..];
    let plain = |hazard, len: usize| Found {
        hazard,
        span: start..start + len,
        link: None,
    };
    if rest.starts_with('@') {
        let word = mass_mention(text, start)?;
        return Some(plain(Hazard::MassMention(word.to_owned()), word.len()));
    }
    if rest.starts_with('<') {
        let (len, role) = mention_len(rest)?;
        let written = rest[..len].to_owned();
        let hazard = if role {
            Hazard::RoleMention(written)
        } else {
            Hazard::UserMention(written)
        };
        return Some(plain(hazard, len));
    }
    masked_link(text, start, trusted_hosts)
}

/// The `@everyone` or `@here` at `start`, unless it is part of an e-mail address or a longer
/// word (`@heretofore`).
fn mass_mention(text: &str, start: usize) -> Option<&str> {
    let after = &text[start + 1..];
    let word_len = ["everyone", "here"].into_iter().find_map(|word| {
        let head = after.get(..word.len())?;
        head.eq_ignore_ascii_case(word).then_some(word.len())
    })?;
    let next = after[word_len..].chars().next();
    if next.is_some_and(|c| c.is_alphanumeric() || c == '_') {
        return None;
    }
    let in_address = text[..start]
        .chars()
        .next_back()
        .is_some_and(|c| c.is_alphanumeric() || "._%+-".contains(c))
        && after[word_len..]
            .strip_prefix('.')
            .and_then(|tail| tail.chars().next())
            .is_some_and(char::is_alphanumeric);
    (!in_address).then(|| &text[start..=start + word_len])
}

/// The length of a `<@id>`, `<@!id>` or `<@&id>` mention at the start of `rest`, and whether it
/// names a role.
fn mention_len(rest: &str) -> Option<(usize, bool)> {
    let inner = rest.strip_prefix("<@")?;
    let (role, digits) = match inner.as_bytes().first()? {
        b'&' => (true, &inner[1..]),
        b'!' => (false, &inner[1..]),
        _ => (false, inner),
    };
    let count = digits.bytes().take_while(u8::is_ascii_digit).count();
    if count == 0 || digits.as_bytes().get(count) != Some(&b'>') {
        return None;
    }
    Some((rest.len() - digits.len() + count + 1, role))
}

/// The masked link `[text](url)` at `start`, when it is misleading or leads to an untrusted host.
fn masked_link(text: &str, start: usize, trusted_hosts: &[String]) -> Option<Found> {
    let label_start = start + 1;
    let label_len = text[label_start..].find(['[', ']', '\n'])?;
    let label_end = label_start + label_len;
    let after = text[label_end..].strip_prefix("](")?;
    let url_start = label_end + 2;
    let url_len = link_target_len(after)?;
    let target = &text[url_start..url_start + url_len];
    let host = host_of(target.trim_start_matches('<').trim_end_matches('>'))?;
    let end = url_start + url_len + 1;
    let named = domains_named(&text[label_start..label_end])
        .into_iter()
        .find(|named| !same_site(named, &host));
    let hazard = match named {
        Some(named) => Hazard::MisleadingLink { named, host },
        None if trusted_hosts
            .iter()
            .any(|trusted| same_site(trusted, &host)) =>
        {
            return None
        }
        None => Hazard::UntrustedLink { host },
    };
    Some(Found {
        hazard,
        span: start..end,
        link: Some((label_start..label_end, url_start..url_start + url_len)),
    })
}

/// The length of a link target up to (not including) its closing `)`, parentheses inside it
/// balanced (`https://en.wikipedia.org/wiki/X_(y)`); `None` when it is not closed on its line.
fn link_target_len(after: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in after.char_indices() {
        match c {
            '(' => depth += 1,
            ')' if depth == 0 => return Some(i),
            ')' => depth -= 1,
            c if c.is_whitespace() => return None,
            _ => {}
        }
    }
    None
}

/// The host of an `http` or `https` address, lowercase, without `www.`, a port or credentials.
fn host_of(url: &str) -> Option<String> {
    let lower = url.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))?;
    let authority = rest.split(['/', '?', '#', '\\']).next()?;
    let host = authority.rsplit('@').next()?.split(':').next()?;
    let host = host.strip_prefix("www.").unwrap_or(host);
    (!host.is_empty()).then(|| host.to_owned())
}

/// The domain names written in a link's visible text (`nih.gov`, `https://www.nih.gov/x`).
fn domains_named(label: &str) -> Vec<String> {
    label
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '-'))
        .map(|token| token.trim_matches(['.', '-']).to_ascii_lowercase())
        .filter(|token| looks_like_domain(token))
        .map(|token| {
            token
                .strip_prefix("www.")
                .map_or(token.clone(), str::to_owned)
        })
        .collect()
}

/// Whether `token` reads as a domain: dotted labels ending in a top-level domain of letters.
fn looks_like_domain(token: &str) -> bool {
    let labels: Vec<&str> = token.split('.').collect();
    let Some((top, rest)) = labels.split_last() else {
        return false;
    };
    !rest.is_empty()
        && rest.iter().all(|label| !label.is_empty())
        && top.len() >= 2
        && top.bytes().all(|b| b.is_ascii_alphabetic())
}

/// Whether two hosts are one site: equal, or one a subdomain of the other.
fn same_site(a: &str, b: &str) -> bool {
    let sub = |long: &str, short: &str| {
        long.strip_suffix(short)
            .is_some_and(|head| head.ends_with('.'))
    };
    a == b || sub(a, b) || sub(b, a)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ZWSP: &str = "\u{200b}";

    fn trusted() -> Vec<String> {
        source_hosts(&["NIH review, https://www.ncbi.nlm.nih.gov/pmc/1".to_owned()])
    }

    #[test]
    fn mass_mentions_are_made_inert() {
        for (written, posted) in [
            ("ask @everyone now", format!("ask @{ZWSP}everyone now")),
            ("@here: read this", format!("@{ZWSP}here: read this")),
            ("HEY @Everyone!", format!("HEY @{ZWSP}Everyone!")),
            ("hi@everyone", format!("hi@{ZWSP}everyone")),
            ("end @here.", format!("end @{ZWSP}here.")),
        ] {
            assert_eq!(neutralise(written, &[]), posted, "{written}");
        }
        let found = hazards("ask @everyone and @here", &[]);
        let kinds: Vec<&Hazard> = found.iter().map(|f| &f.hazard).collect();
        assert_eq!(
            kinds,
            [
                &Hazard::MassMention("@everyone".to_owned()),
                &Hazard::MassMention("@here".to_owned())
            ]
        );
    }

    #[test]
    fn role_and_user_mentions_are_made_inert() {
        for (written, posted, hazard) in [
            (
                "ping <@&123> please",
                format!("ping <@{ZWSP}&123> please"),
                Hazard::RoleMention("<@&123>".to_owned()),
            ),
            (
                "ask <@456>",
                format!("ask <@{ZWSP}456>"),
                Hazard::UserMention("<@456>".to_owned()),
            ),
            (
                "ask <@!789>.",
                format!("ask <@{ZWSP}!789>."),
                Hazard::UserMention("<@!789>".to_owned()),
            ),
        ] {
            assert_eq!(neutralise(written, &[]), posted, "{written}");
            assert_eq!(hazards(written, &[])[0].hazard, hazard, "{written}");
        }
    }

    #[test]
    fn masked_links_elsewhere_show_their_destination() {
        let misleading = "See [nih.gov](https://evil.example/nih) now.";
        assert_eq!(
            neutralise(misleading, &trusted()),
            "See nih.gov (https://evil.example/nih) now."
        );
        assert_eq!(
            hazards(misleading, &trusted())[0].hazard,
            Hazard::MisleadingLink {
                named: "nih.gov".to_owned(),
                host: "evil.example".to_owned()
            }
        );
        let untrusted = "Book [here](https://clinic.example/book).";
        assert_eq!(
            neutralise(untrusted, &trusted()),
            "Book here (https://clinic.example/book)."
        );
        assert_eq!(
            hazards(untrusted, &trusted())[0].hazard,
            Hazard::UntrustedLink {
                host: "clinic.example".to_owned()
            }
        );
        // Credentials before the host do not hide it; a mention in the label is made inert.
        assert_eq!(
            neutralise(
                "[@everyone read](https://nih.gov@evil.example/x)",
                &trusted()
            ),
            format!("@{ZWSP}everyone read (https://nih.gov@evil.example/x)")
        );
        assert_eq!(
            neutralise("[wiki](https://en.wikipedia.org/wiki/A_(b)) end", &[]),
            "wiki (https://en.wikipedia.org/wiki/A_(b)) end"
        );
    }

    #[test]
    fn links_to_the_sources_and_ordinary_text_stay_as_written() {
        for text in [
            "Read [the review](https://www.ncbi.nlm.nih.gov/pmc/1).",
            "Read [NIH: nih.gov](https://ncbi.nlm.nih.gov/pmc/2).",
            "Write to a@b.org or team@here.org.",
            "Ask @ the clinic, or at the front desk.",
            "@heretofore unknown; email@everyone.example",
            "Plain link https://evil.example/x and <#123> and <@abc>.",
            "[not a link] (https://evil.example) and [x](not-a-url)",
            "e.g. [the NICE guide](https://www.nice.org.uk/ng226)",
        ] {
            let trusted = [trusted(), vec!["nice.org.uk".to_owned()]].concat();
            assert_eq!(neutralise(text, &trusted), text);
            assert!(hazards(text, &trusted).is_empty(), "{text}");
        }
    }

    #[test]
    fn source_hosts_are_read_from_plain_and_masked_links() {
        let sources = [
            "Rabago 2010 (Prim Care review)".to_owned(),
            "[PubMed](https://pubmed.ncbi.nlm.nih.gov/1); https://WWW.Nice.org.uk/x".to_owned(),
        ];
        assert_eq!(
            source_hosts(&sources),
            ["pubmed.ncbi.nlm.nih.gov", "nice.org.uk"]
        );
    }
}
