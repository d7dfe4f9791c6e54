//! What the built binary writes to stderr when `prolobot run` cannot start: the log without
//! colour codes unless asked for (never with `NO_COLOR`), each error once with its hint, and
//! never the token. Run from a temporary directory with a cleared environment; nothing leaves
//! the machine (Discord is a closed port on 127.0.0.1).

use std::fmt::Write as _;
use std::process::Output;

use crate::cli::{prolobot_with_env, text};
use crate::data_path;

/// A token value that must never show up in any output.
const SECRET: &str = "prolobot-secret-TOKEN-5678";

/// A proxy URL on which nothing listens.
fn closed_port_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

/// `prolobot run` on the fixture FAQ with the token set, these variables and a closed proxy.
fn run(env: &[(&str, &str)]) -> (Output, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let faq = data_path("fixture-faq.toml");
    let proxy = closed_port_url();
    let mut env = env.to_vec();
    env.extend([
        ("DISCORD_TOKEN", SECRET),
        ("DISCORD_PROXY_URL", proxy.as_str()),
    ]);
    let args = ["--faq", faq.to_str().unwrap(), "run"];
    (prolobot_with_env(dir.path(), &env, &args, None), dir)
}

/// The lines of stderr that start with `prefix`.
fn lines<'s>(stderr: &'s str, prefix: &str) -> Vec<&'s str> {
    stderr.lines().filter(|l| l.starts_with(prefix)).collect()
}

#[test]
fn unreachable_discord_is_one_error_with_a_hint_and_never_the_token() {
    let (out, _dir) = run(&[("RUST_LOG", "trace")]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    let errors = lines(&stderr, "error: ");
    assert_eq!(errors.len(), 1, "{stderr}");
    assert_eq!(
        errors[0]
            .matches("Error while sending HTTP request")
            .count(),
        1,
        "{stderr}"
    );
    assert_eq!(
        lines(&stderr, "hint: "),
        ["hint: cannot reach Discord through the proxy in DISCORD_PROXY_URL: check that the proxy runs, that the URL is right, and the network and firewall on the way."]
    );
    assert!(
        !stderr.contains(" ERROR "),
        "the error is not logged too: {stderr}"
    );
    assert!(stderr.contains("TRACE"), "at trace level: {stderr}");
    assert!(!stderr.contains('\u{1b}'), "no colour codes in a pipe");
    for output in [stderr.as_str(), &text(&out.stdout)] {
        assert!(!output.contains(SECRET), "the token leaked: {output}");
    }
}

#[test]
fn log_colour_only_when_forced_and_never_with_no_color() {
    // At trace level the start-up always logs something before Discord is found unreachable.
    let (forced, _dir) = run(&[("CLICOLOR_FORCE", "1"), ("RUST_LOG", "trace")]);
    let log = text(&forced.stderr);
    assert!(log.contains("TRACE") && log.contains('\u{1b}'), "{log:?}");
    let (refused, _dir) = run(&[
        ("CLICOLOR_FORCE", "1"),
        ("NO_COLOR", "1"),
        ("RUST_LOG", "trace"),
    ]);
    let log = text(&refused.stderr);
    assert!(log.contains("TRACE") && !log.contains('\u{1b}'), "{log:?}");
}

#[test]
fn a_database_folder_that_does_not_exist_is_named() {
    let (out, dir) = run(&[("PROLOBOT_DB", "missing/prolobot.db")]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert_eq!(lines(&stderr, "error: ").len(), 1, "{stderr}");
    let folder = dir.path().join("missing");
    let hint = format!(
        "hint: the database's folder {} does not exist.",
        folder.display()
    );
    assert!(stderr.contains(&hint), "{stderr}");
}

/// The fixture FAQ with 3,000 broken entries appended: each is several problems.
fn faq_with_many_errors(dir: &std::path::Path) -> std::path::PathBuf {
    let mut source = std::fs::read_to_string(data_path("fixture-faq.toml")).unwrap();
    for i in 0..3_000 {
        let _ = write!(source, "\n[[entry]]\nid = \"Not Kebab {i}\"\n");
    }
    let path = dir.join("faq.toml");
    std::fs::write(&path, source).unwrap();
    path
}

/// The number in "... and N more".
fn more_count(output: &str) -> usize {
    let (_, after) = output.split_once("... and ").expect("a count of the rest");
    after
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .expect("a number")
}

#[test]
fn a_faq_with_thousands_of_errors_is_one_bounded_report_with_the_count() {
    let dir = tempfile::tempdir().unwrap();
    let faq = faq_with_many_errors(dir.path());
    let faq = faq.to_str().unwrap();

    let run = prolobot_with_env(
        dir.path(),
        &[("DISCORD_TOKEN", SECRET), ("RUST_LOG", "trace")],
        &["--faq", faq, "run"],
        None,
    );
    assert!(!run.status.success());
    let stderr = text(&run.stderr);
    assert_eq!(lines(&stderr, "error: ").len(), 1, "one error event");
    assert!(stderr.len() < 20_000, "{} bytes", stderr.len());
    assert!(stderr.contains("has 3000 problem(s)"), "{stderr}");
    assert_eq!(more_count(&stderr), 3_000 - 50, "{stderr}");

    let check = prolobot_with_env(dir.path(), &[], &["--faq", faq, "check"], None);
    assert!(!check.status.success());
    let stdout = text(&check.stdout);
    assert!(stdout.len() < 20_000, "{} bytes", stdout.len());
    assert_eq!(more_count(&stdout), 3_000 - 50, "{stdout}");
    assert!(
        stdout.lines().filter(|l| l.contains(": error: ")).count() <= 50,
        "{stdout}"
    );
}
