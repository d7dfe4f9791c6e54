//! One broken fixture per validation rule, each asserting the reported line and column; and the
//! mistakes people make in a word processor or from habit, each reported once, in plain words,
//! where the mistake starts.

use prolobot_core::{Faq, Problem, Severity};

/// A minimal valid FAQ; each test breaks one thing in it.
const VALID: &str = r#"reviewed = 2026-11-25

[texts]
disclaimer = "General information only, not medical advice."
emergency = "Call your local emergency number now."
urgent = "See a doctor today."
crisis = "Call a crisis line or your local emergency number now."
safety_net = "If this is happening now, get help now."
no_match = "I don't know that one."

[synonyms]
dextrose = ["sugar water", "glucose"]

[red_flags]
guard = ["ever"]

[[red_flags.rule]]
id = "infection"
title = "Infection"
category = "infection"
tier = "urgent"
all = [["fever"], ["swollen"]]

[[entry]]
id = "what-is-it"
title = "What is it?"
questions = ["what is it", "define it", "explain it please"]
keywords = ["definition"]
answer = "It is a thing."
sources = ["Someone 2020"]
related = ["how-much"]

[[entry]]
id = "how-much"
title = "How much is it?"
medical = false
questions = ["how much does it cost", "price", "is it expensive"]
answer = "It varies."
related = ["what-is-it"]
"#;

/// The diagnostics of `source`, which must fail to load.
fn errors(source: &str) -> Vec<(usize, usize, Problem)> {
    let diagnostics = Faq::from_toml_str(source).expect_err("the fixture must be rejected");
    diagnostics
        .into_iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| (d.line, d.column, d.problem))
        .collect()
}

fn broken(from: &str, to: &str) -> String {
    assert!(VALID.contains(from), "fixture text {from:?} not found");
    VALID.replacen(from, to, 1)
}

#[test]
fn the_base_fixture_is_valid() {
    let loaded = Faq::from_toml_str(VALID).expect("valid");
    assert_eq!(loaded.faq.entries().len(), 2);
    assert!(loaded.warnings.is_empty());
}

#[test]
fn an_unclosed_text_is_reported_where_its_quote_opens() {
    let found = errors(&broken("title = \"What is it?\"", "title = \"What is it?"));
    let unclosed = Problem::UnclosedText {
        quotes: "\"",
        runs_to: None,
    };
    assert_eq!(found, [(26, 9, unclosed)]);
}

#[test]
fn an_unclosed_multiline_text_is_one_error_on_the_line_where_it_began() {
    let source = broken(
        "answer = \"It is a thing.\"",
        "answer = \"\"\"\nIt is a thing.",
    )
    .replace(
        "answer = \"It varies.\"",
        "answer = \"\"\"\nIt varies.\n\"\"\"",
    );
    let found = errors(&source);
    // The next entry's opening `"""` (line 39) closed it; its text then failed to parse.
    let unclosed = Problem::UnclosedText {
        quotes: "\"\"\"",
        runs_to: Some(39),
    };
    assert_eq!(found, [(29, 10, unclosed.clone())]);
    assert_eq!(
        unclosed.to_string(),
        "the text that starts here has no closing `\"\"\"`, so everything up to line 39 was read as part of it: add `\"\"\"` where this text ends"
    );
}

#[test]
fn a_misspelt_field_gets_a_suggestion() {
    let found = errors(&broken(
        "keywords = [\"definition\"]",
        "keywords = [\"definition\"]\nanswr = \"typo\"",
    ));
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!((found[0].0, found[0].1), (29, 1), "{found:?}");
    assert!(
        matches!(&found[0].2, Problem::UnknownField { field, suggestion: Some(known), .. } if field == "answr" && known == "answer"),
        "{found:?}"
    );
    assert_eq!(
        found[0].2.to_string(),
        "unknown field `answr`: did you mean `answer`?"
    );
}

#[test]
fn unknown_top_level_field_is_positioned() {
    let found = errors(&format!("disclamer = \"x\"\n{VALID}"));
    assert_eq!(
        found,
        [(
            1,
            1,
            Problem::UnknownField {
                field: "disclamer".into(),
                expected: "reviewed, texts, matching, synonyms, subjects, frames, red_flags, entry"
                    .into(),
                suggestion: None,
            }
        )]
    );
}

#[test]
fn curly_quotes_from_a_word_processor_are_named() {
    let found = errors(&broken("title = \"What is it?\"", "title = “What is it?”"));
    assert_eq!(found, [(26, 9, Problem::CurlyQuotes)]);
    assert!(found[0].2.to_string().contains("straight quotes"));
}

#[test]
fn yes_and_quoted_true_are_not_booleans() {
    let found = errors(&broken("medical = false", "medical = yes"));
    assert_eq!(found, [(36, 11, Problem::NotABoolean("yes".into()))]);
    assert!(found[0].2.to_string().contains("write `true` or `false`"));
    let found = errors(&broken("medical = false", "medical = \"false\""));
    assert_eq!(
        found,
        [(36, 11, Problem::QuotedBoolean("\"false\"".into()))]
    );
}

#[test]
fn dates_in_quotes_or_with_slashes_say_how_to_write_them() {
    let found = errors(&broken(
        "reviewed = 2026-11-25",
        "reviewed = \"2026-11-25\"",
    ));
    assert_eq!(
        found,
        [(1, 12, Problem::QuotedDate("\"2026-11-25\"".into()))]
    );
    assert_eq!(
        found[0].2.to_string(),
        "remove the quotes around the date: 2026-11-25 (dates are written without quotes)"
    );
    let found = errors(&broken("reviewed = 2026-11-25", "reviewed = 11/25/2026"));
    let bad_date = Problem::BadDate {
        found: "11/25/2026".into(),
        example: Some("2026-11-25".into()),
    };
    assert_eq!(found, [(1, 12, bad_date)]);
    assert!(found[0].2.to_string().ends_with("like 2026-11-25"));
}

#[test]
fn a_list_written_as_one_text_says_to_use_brackets() {
    let found = errors(&broken(
        "sources = [\"Someone 2020\"]",
        "sources = \"Someone 2020\"",
    ));
    assert_eq!(found, [(30, 11, Problem::ListAsString("sources".into()))]);
    assert!(found[0].2.to_string().contains("sources = [\""));
}

#[test]
fn a_missing_entry_line_is_named_once() {
    let found = errors(&broken(
        "\n[[entry]]\nid = \"how-much\"",
        "\nid = \"how-much\"",
    ));
    let missing = Problem::MissingHeader {
        key: "id".into(),
        header: "[[entry]]",
        what: "entry",
    };
    assert_eq!(found, [(33, 1, missing)]);
    assert!(found[0]
        .2
        .to_string()
        .ends_with("did you forget the [[entry]] line before this entry?"));
}

#[test]
fn a_file_not_saved_as_utf8_says_to_save_it_as_utf8() {
    let utf16: Vec<u8> = std::iter::once(0xFEFF)
        .chain(VALID.encode_utf16())
        .flat_map(u16::to_le_bytes)
        .collect();
    let diagnostics = Faq::from_bytes(&utf16).expect_err("UTF-16");
    assert_eq!(
        (
            diagnostics[0].line,
            diagnostics[0].column,
            &diagnostics[0].problem
        ),
        (1, 1, &Problem::NotUtf8 { encoding: "UTF-16" })
    );
    // "é" in Windows-1252 is the one byte 0xE9, which is not UTF-8.
    let mut windows = broken("It varies.", "It varies by caf\u{e9}.").into_bytes();
    let at = windows.iter().position(|&b| b == 0xC3).expect("é");
    windows.splice(at..at + 2, [0xE9]);
    let diagnostics = Faq::from_bytes(&windows).expect_err("Windows-1252");
    assert_eq!((diagnostics.len(), diagnostics[0].line), (1, 38));
    assert_eq!(diagnostics[0].column, 27);
    assert!(diagnostics[0]
        .problem
        .to_string()
        .contains("save it as UTF-8"));
    let with_bom = [b"\xEF\xBB\xBF".as_slice(), VALID.as_bytes()].concat();
    assert!(
        Faq::from_bytes(&with_bom).is_ok(),
        "a UTF-8 byte-order mark is fine"
    );
}

#[test]
fn windows_line_endings_never_reach_a_reply() {
    let source = broken(
        "answer = \"It varies.\"",
        "answer = \"\"\"\nIt varies.\nA lot.\"\"\"",
    )
    .replace('\n', "\r\n");
    let loaded = Faq::from_toml_str(&source).expect("CRLF is fine");
    let answer = &loaded.faq.entry("how-much").expect("entry").answer;
    assert_eq!(answer, "It varies.\nA lot.");
}

#[test]
fn duplicate_entry_id_names_the_first_line() {
    let found = errors(&broken("id = \"how-much\"", "id = \"what-is-it\""));
    assert!(
        found.contains(&(
            34,
            6,
            Problem::DuplicateId {
                id: "what-is-it".into(),
                first_line: 25
            }
        )),
        "{found:?}"
    );
}

#[test]
fn malformed_id_is_positioned() {
    let found = errors(
        &broken("id = \"how-much\"", "id = \"How_Much\"")
            .replace("related = [\"how-much\"]", "related = []"),
    );
    assert_eq!(found, [(34, 6, Problem::MalformedId("How_Much".into()))]);
}

#[test]
fn empty_answer_is_positioned() {
    let found = errors(&broken("answer = \"It varies.\"", "answer = \"  \""));
    assert_eq!(found, [(38, 10, Problem::EmptyText("answer"))]);
}

#[test]
fn too_few_and_empty_questions_are_positioned() {
    let found = errors(&broken(
        "[\"how much does it cost\", \"price\", \"is it expensive\"]",
        "[\"price\", \"\"]",
    ));
    assert_eq!(
        found,
        [
            (37, 13, Problem::TooFewQuestions { min: 3, found: 2 }),
            (37, 23, Problem::EmptyText("question"))
        ]
    );
}

#[test]
fn unknown_related_id_is_positioned() {
    let found = errors(&broken(
        "related = [\"how-much\"]",
        "related = [\"how-mutch\"]",
    ));
    assert_eq!(
        found,
        [(
            31,
            12,
            Problem::UnknownRelated {
                id: "how-mutch".into(),
                suggestion: Some("how-much".into()),
            }
        )]
    );
}

#[test]
fn medical_entry_without_sources_is_positioned() {
    let found = errors(&broken("sources = [\"Someone 2020\"]\n", ""));
    assert_eq!(
        found,
        [(25, 6, Problem::MissingSources("what-is-it".into()))]
    );
}

#[test]
fn variant_under_two_canonical_terms_is_positioned() {
    let found = errors(&broken(
        "dextrose = [\"sugar water\", \"glucose\"]",
        "dextrose = [\"sugar water\", \"glucose\"]\nsugar = [\"Glucose\"]",
    ));
    assert_eq!(
        found,
        [(
            13,
            10,
            Problem::ConflictingSynonym {
                variant: "Glucose".into(),
                first: "dextrose".into(),
                second: "sugar".into()
            }
        )]
    );
}

#[test]
fn empty_disclaimer_is_positioned() {
    let found = errors(&broken(
        "disclaimer = \"General information only, not medical advice.\"",
        "disclaimer = \"\"",
    ));
    assert_eq!(found, [(4, 14, Problem::EmptyDisclaimer)]);
}

#[test]
fn answer_too_long_for_a_discord_message_is_positioned() {
    let long = "word ".repeat(400);
    let found = errors(&broken(
        "answer = \"It varies.\"",
        &format!("answer = \"{long}\""),
    ));
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!((found[0].0, found[0].1), (38, 10));
    assert!(
        matches!(found[0].2, Problem::AnswerTooLong { limit: 2000, .. }),
        "{found:?}"
    );
}

#[test]
fn bad_thresholds_are_positioned() {
    let found = errors(&format!("{VALID}\n[matching]\nanswer_threshold = 1.5\n"));
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!((found[0].0, found[0].1), (42, 20));
}

#[test]
fn red_flag_rule_problems_are_positioned() {
    let found = errors(&broken(
        "all = [[\"fever\"], [\"swollen\"]]",
        "all = [[\"fever\"], []]",
    ));
    assert_eq!(found, [(22, 19, Problem::EmptyText("red-flag group"))]);
}

#[test]
fn every_problem_is_reported_in_one_run() {
    let source = broken(
        "disclaimer = \"General information only, not medical advice.\"",
        "disclaimer = \"\"",
    )
    .replace("related = [\"how-much\"]", "related = [\"nowhere\"]")
    .replace("id = \"how-much\"", "id = \"what-is-it\"");
    let found = errors(&source);
    let lines: Vec<usize> = found.iter().map(|f| f.0).collect();
    assert_eq!(lines, [4, 31, 34], "{found:?}");
}

#[test]
fn an_example_question_in_two_entries_is_only_a_warning() {
    let source = broken("\"price\"", "\"define it\"");
    let loaded = Faq::from_toml_str(&source).expect("warnings do not reject the file");
    let warning = &loaded.warnings[0];
    assert_eq!(
        (warning.line, warning.column, warning.severity),
        (37, 39, Severity::Warning)
    );
    assert_eq!(
        warning.problem,
        Problem::DuplicateQuestion("what-is-it".into())
    );
}

/// The warnings of `source`, which must still load.
fn warnings(source: &str) -> Vec<(usize, usize, Problem)> {
    let loaded = Faq::from_toml_str(source).expect("warnings do not reject the file");
    loaded
        .warnings
        .into_iter()
        .map(|d| (d.line, d.column, d.problem))
        .collect()
}

const ANSWER: &str = "answer = \"It is a thing.\"";

#[test]
fn a_mass_mention_in_an_answer_is_a_warning_naming_the_entry_and_field() {
    let found = warnings(&broken(ANSWER, "answer = \"Tell @everyone.\""));
    let problem = Problem::MassMention {
        place: "entry `what-is-it`, `answer`".into(),
        mention: "@everyone".into(),
    };
    assert_eq!(found, [(29, 10, problem.clone())]);
    let said = problem.to_string();
    assert!(
        said.contains("pings nobody") && said.contains("remove it"),
        "{said}"
    );
}

#[test]
fn role_and_user_mentions_in_posted_texts_are_warnings() {
    let source = broken(ANSWER, "answer = \"Ask <@&42>.\"").replace(
        "no_match = \"I don't know that one.\"",
        "no_match = \"I don't know that one.\"\ncontact = \"Ask <@!7> or @here\"",
    );
    let found = warnings(&source);
    assert_eq!(
        found,
        [
            (
                10,
                11,
                Problem::DirectMention {
                    place: "`[texts]` `contact`".into(),
                    what: "user",
                    mention: "<@!7>".into(),
                }
            ),
            (
                10,
                11,
                Problem::MassMention {
                    place: "`[texts]` `contact`".into(),
                    mention: "@here".into(),
                }
            ),
            (
                30,
                10,
                Problem::DirectMention {
                    place: "entry `what-is-it`, `answer`".into(),
                    what: "role",
                    mention: "<@&42>".into(),
                }
            ),
        ]
    );
    assert!(found[2].2.to_string().contains("name the role in words"));
}

#[test]
fn a_masked_link_whose_text_names_another_domain_is_a_warning() {
    let source = broken(
        ANSWER,
        "answer = \"See [nih.gov](https://nih.gov.evil.example/x).\"",
    )
    .replace(
        "sources = [\"Someone 2020\"]",
        "sources = [\"Someone 2020, https://evil.example/paper\"]",
    );
    let found = warnings(&source);
    let problem = Problem::MisleadingLink {
        place: "entry `what-is-it`, `answer`".into(),
        named: "nih.gov".into(),
        host: "nih.gov.evil.example".into(),
    };
    assert_eq!(found, [(29, 10, problem.clone())]);
    assert!(problem.to_string().contains("the real address shows"));
}

#[test]
fn a_masked_link_outside_the_entry_sources_is_a_warning() {
    let source = broken(
        ANSWER,
        "answer = \"Book [online](https://clinic.example/book).\"",
    )
    .replace(
        "tier = \"urgent\"",
        "tier = \"urgent\"\nadvice = \"Call [us](https://clinic.example/call).\"",
    );
    let found = warnings(&source);
    let entry = Problem::UntrustedLink {
        place: "entry `what-is-it`, `answer`".into(),
        host: "clinic.example".into(),
        in_entry: true,
    };
    let rule = Problem::UntrustedLink {
        place: "rule `infection`, `advice`".into(),
        host: "clinic.example".into(),
        in_entry: false,
    };
    assert_eq!(found, [(22, 10, rule), (30, 10, entry.clone())]);
    assert!(entry.to_string().contains("add the address to `sources`"));
}

#[test]
fn links_to_the_sources_emails_and_at_signs_are_not_warned_about() {
    let source = broken(
        ANSWER,
        "answer = \"Read [the review](https://www.ncbi.nlm.nih.gov/pmc/1), write to a@b.org, ask @ the clinic.\"",
    )
    .replace(
        "sources = [\"Someone 2020\"]",
        "sources = [\"Someone 2020, https://ncbi.nlm.nih.gov/pmc/1\"]",
    );
    assert_eq!(warnings(&source), []);
}

#[test]
fn safety_rule_mistakes_are_positioned_in_plain_words() {
    let found = errors(&broken("tier = \"urgent\"", "tier = \"urgant\""));
    assert_eq!(
        found,
        [(
            21,
            8,
            Problem::UnknownValue {
                field: "tier",
                found: "urgant".into(),
                expected: "urgent, emergency, crisis",
                suggestion: Some("urgent".into()),
            }
        )]
    );
    let found = errors(&broken("[\"swollen\"]]", "[\"<swelling> knee\"]]"));
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!((found[0].0, found[0].1), (22, 20));
    assert!(
        found[0]
            .2
            .to_string()
            .contains("`<swelling>` is not a word class"),
        "{}",
        found[0].2
    );
    let with_class = broken(
        "guard = [\"ever\"]",
        "guard = [\"ever\"]\nclasses = { swell = [\"swollen\", \"<puffy>\"] }",
    );
    let found = errors(&with_class);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].2, Problem::NestedClass("swell".into()));
    let long_line = "x".repeat(600);
    let found = errors(&broken(
        "safety_net = \"If this is happening now, get help now.\"",
        &format!("safety_net = \"{long_line}\""),
    ));
    assert_eq!(
        found,
        [(
            8,
            14,
            Problem::TextTooLong {
                field: "safety_net",
                length: 600,
                limit: 500,
            }
        )]
    );
    let missing_texts = broken("urgent = \"See a doctor today.\"\n", "");
    let diagnostics = Faq::from_toml_str(&missing_texts).expect_err("urgent text is required");
    assert!(
        diagnostics
            .iter()
            .any(|d| d.problem.to_string().contains("urgent")),
        "{diagnostics:?}"
    );
}

/// The limits `check` enforces, each with the words its message, the `faq.toml` header and the
/// README use for it: (field, a problem breaking the limit, the words).
fn limits() -> [(&'static str, Problem, String); 4] {
    use prolobot_core::{DISCLAIMER_LIMIT, MESSAGE_LIMIT, MIN_QUESTIONS, SAFETY_NET_LIMIT};
    let at_most = |limit: usize| format!("at most {limit} characters");
    [
        (
            "disclaimer",
            Problem::DisclaimerTooLong {
                length: DISCLAIMER_LIMIT + 1,
                limit: DISCLAIMER_LIMIT,
            },
            at_most(DISCLAIMER_LIMIT),
        ),
        (
            "safety_net",
            Problem::TextTooLong {
                field: "safety_net",
                length: SAFETY_NET_LIMIT + 1,
                limit: SAFETY_NET_LIMIT,
            },
            at_most(SAFETY_NET_LIMIT),
        ),
        (
            "questions",
            Problem::TooFewQuestions {
                min: MIN_QUESTIONS,
                found: 1,
            },
            format!("at least {MIN_QUESTIONS}"),
        ),
        (
            "answer",
            Problem::AnswerTooLong {
                length: MESSAGE_LIMIT + 1,
                limit: MESSAGE_LIMIT,
            },
            at_most(MESSAGE_LIMIT),
        ),
    ]
}

#[test]
fn authoring_limits_read_the_same_in_check_the_faq_header_and_the_readme() {
    let root = env!("CARGO_MANIFEST_DIR");
    let faq = std::fs::read_to_string(format!("{root}/faq.toml")).expect("faq.toml");
    let header: Vec<&str> = faq
        .lines()
        .take_while(|line| line.starts_with('#'))
        .collect();
    let readme = std::fs::read_to_string(format!("{root}/README.md")).expect("README.md");
    for (field, problem, words) in limits() {
        assert!(problem.to_string().contains(&words), "check: {problem}");
        // The header describes a field from its `#     field  ` line to the next such line.
        let start = header
            .iter()
            .position(|line| line.starts_with(&format!("#     {field} ")))
            .unwrap_or_else(|| panic!("the header describes `{field}`"));
        let description: String = header[start..]
            .iter()
            .take_while(|line| **line == header[start] || line.starts_with("#      "))
            .map(|line| line.trim_start_matches('#').trim())
            .collect::<Vec<_>>()
            .join(" ");
        assert!(
            description.contains(&words),
            "faq.toml header, {field}: {description}"
        );
        let mention = format!("`{field}` (");
        let row = readme
            .lines()
            .find(|line| line.contains(&mention))
            .unwrap_or_else(|| panic!("the README's faq.toml table describes `{field}`"));
        let described = &row[row.find(&mention).expect("found")..];
        assert!(described.contains(&words), "README, {field}: {described}");
    }
}

#[test]
fn a_value_of_the_wrong_kind_says_what_the_field_takes() {
    let found = errors(&broken(
        "disclaimer = \"General information only, not medical advice.\"",
        "disclaimer = 3",
    ));
    let wrong = Problem::WrongType {
        key: "disclaimer".into(),
        expected: "text in straight quotes, like \"...\"",
    };
    assert_eq!(found, [(4, 14, wrong)]);
    let found = errors(&broken("title = \"How much is it?\"\n", ""));
    // Where the entry starts: its [[entry]] line.
    assert_eq!(found, [(33, 1, Problem::MissingField("title".into()))]);
}
