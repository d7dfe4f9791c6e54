//! `prolobot teach` through the built binary, on a copy of the shipped FAQ in a temporary
//! directory with a cleared environment: the file changes by exactly the taught lines, the bot
//! then answers as taught, refusals write nothing, and undo gives every byte back.

use std::fs;
use std::path::Path;
use std::process::Output;

use crate::cli::{prolobot, shipped_faq_path, text};

/// A question the shipped FAQ has no answer for, and the entry it belongs to.
const MISSED: &str = "does it help tinnitus";
const ENTRY: &str = "conditions-treated";

/// A temporary directory holding a copy of the shipped FAQ as `faq.toml` (the default path),
/// and the copy's text.
fn shipped_copy() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let source = fs::read_to_string(shipped_faq_path()).unwrap();
    fs::write(dir.path().join("faq.toml"), &source).unwrap();
    (dir, source)
}

fn run(dir: &Path, args: &[&str]) -> (Output, String) {
    let out = prolobot(dir, args, None);
    let shown = format!("{}{}", text(&out.stdout), text(&out.stderr));
    (out, shown)
}

fn faq(dir: &Path) -> String {
    fs::read_to_string(dir.join("faq.toml")).unwrap()
}

/// The lines of `after` that `before` does not have, when `after` is `before` with whole lines
/// inserted; panics if any other byte changed.
fn inserted_lines(before: &str, after: &str) -> Vec<String> {
    let old: Vec<&str> = before.split_inclusive('\n').collect();
    let new: Vec<&str> = after.split_inclusive('\n').collect();
    let mut at = 0;
    let mut inserted = Vec::new();
    for line in new {
        if old.get(at) == Some(&line) {
            at += 1;
        } else {
            inserted.push(line.to_owned());
        }
    }
    assert_eq!(at, old.len(), "more than whole lines were inserted");
    inserted
}

#[test]
fn a_taught_question_is_one_new_line_and_is_then_answered_and_undo_gives_every_byte_back() {
    let (dir, original) = shipped_copy();
    let (_, before) = run(dir.path(), &["ask", MISSED]);
    let title = &crate::shipped().faq().entry(ENTRY).unwrap().title;
    assert!(!before.contains(title.as_str()), "{before}");

    let (out, shown) = run(dir.path(), &["teach", ENTRY, MISSED]);
    assert!(out.status.success(), "{shown}");
    assert!(
        shown.contains(&format!("now: answered with {ENTRY}")),
        "{shown}"
    );
    assert!(shown.contains("tinnitus"), "the new word is named: {shown}");
    let taught = faq(dir.path());
    assert_eq!(
        inserted_lines(&original, &taught),
        [format!("  \"{MISSED}\",\n")]
    );
    let (_, after) = run(dir.path(), &["ask", MISSED]);
    assert!(after.contains(title.as_str()), "{after}");
    let journal = fs::read_to_string(dir.path().join("faq.teach.jsonl")).unwrap();
    assert!(
        journal.contains(&format!("\"entry\":\"{ENTRY}\"")),
        "{journal}"
    );

    let (out, shown) = run(dir.path(), &["teach", "--undo"]);
    assert!(out.status.success(), "{shown}");
    assert_eq!(faq(dir.path()), original, "undo restores every byte");
    let (out, shown) = run(dir.path(), &["teach", "--undo"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(shown.contains("nothing to undo"), "{shown}");
}

#[test]
fn a_question_another_entry_owns_is_refused_with_reasons_and_nothing_is_written() {
    let (dir, original) = shipped_copy();
    let owned = "how much does prolotherapy cost";
    let (out, shown) = run(dir.path(), &["teach", "aftercare", owned]);
    assert_eq!(out.status.code(), Some(1), "{shown}");
    assert!(
        shown.contains("Not taught; nothing was written."),
        "{shown}"
    );
    assert!(shown.contains("cost-insurance"), "{shown}");
    assert!(shown.contains("What would help:"), "{shown}");
    assert!(shown.contains("--force"), "{shown}");
    assert_eq!(faq(dir.path()), original);
    assert!(!dir.path().join("faq.teach.jsonl").exists());
}

#[test]
fn an_off_topic_subject_is_one_new_line_and_its_questions_are_declined() {
    let (dir, original) = shipped_copy();
    let question = "what is the best pillow for neck pain";
    let (out, shown) = run(dir.path(), &["teach", "--off-topic", question]);
    assert!(out.status.success(), "{shown}");
    assert!(shown.contains("declined as about \"pillow\""), "{shown}");
    assert_eq!(
        inserted_lines(&original, &faq(dir.path())),
        ["  \"pillow\",\n"]
    );
    let no_match = &crate::shipped().faq().texts().no_match;
    let (_, reply) = run(
        dir.path(),
        &["ask", "which pillow is best for a stiff neck"],
    );
    assert!(reply.contains(no_match.as_str()), "{reply}");
}

#[test]
fn teach_says_what_is_missing_from_its_arguments() {
    let (dir, original) = shipped_copy();
    for args in [
        &["teach", ENTRY][..],
        &["teach", "--off-topic", "one question", "two questions"],
        &["teach", "--subject", "pillow", ENTRY, MISSED],
    ] {
        let (out, shown) = run(dir.path(), args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {shown}");
    }
    let (out, shown) = run(dir.path(), &["teach", "no-such-entry", MISSED]);
    assert_eq!(out.status.code(), Some(1), "{shown}");
    assert!(
        shown.contains("there is no entry \"no-such-entry\""),
        "{shown}"
    );
    assert_eq!(faq(dir.path()), original);
}

#[test]
fn report_prints_teach_lines_that_run_as_printed() {
    use prolobot::store::{QuestionRecord, Store};
    use prolobot_core::{normalise, Outcome};

    let (dir, original) = shipped_copy();
    let store = Store::open(&dir.path().join("prolobot.db")).unwrap();
    for (at, asked) in [(1, MISSED), (2, "Would it help tinnitus?")] {
        let question = normalise(asked);
        let record = QuestionRecord {
            at: 1_700_000_000 + at,
            guild_id: Some(1),
            channel_id: 2,
            question: &question,
            outcome: Outcome::NoMatch,
            entry_id: None,
            confidence: 0.2,
        };
        store.record(&record).unwrap();
    }
    drop(store);

    let (out, shown) = run(dir.path(), &["report"]);
    assert!(out.status.success(), "{shown}");
    let teach_line = format!("prolobot teach ENTRY 'would it help tinnitus' '{MISSED}'");
    assert!(shown.contains(&teach_line), "{shown}");
    assert!(shown.contains(ENTRY), "among the closest entries: {shown}");
    assert!(
        shown.contains("prolobot teach --off-topic 'would it help tinnitus'"),
        "{shown}"
    );

    // Pasted into a shell (the built binary for `prolobot`, the entry for ENTRY), the line
    // teaches the group.
    let binary = env!("CARGO_BIN_EXE_prolobot");
    let script = teach_line
        .replacen("prolobot", &format!("'{binary}'"), 1)
        .replacen("ENTRY", ENTRY, 1);
    let out = std::process::Command::new("sh")
        .args(["-c", &script])
        .current_dir(dir.path())
        .env_clear()
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert_eq!(
        inserted_lines(&original, &faq(dir.path())),
        [
            "  \"would it help tinnitus\",\n".to_owned(),
            format!("  \"{MISSED}\",\n")
        ]
    );
}
