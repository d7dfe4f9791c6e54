//! The built binary, run as a moderator would: from a temporary directory, with a cleared
//! environment (so no developer `.env` or token is ever read).

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use crate::data_path;
use crate::eval::{report_for, MISSED_CASE};

pub(crate) fn shipped_faq_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("faq.toml")
}

pub(crate) fn prolobot(dir: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    prolobot_with_env(dir, &[], args, stdin)
}

/// Like [`prolobot`], with these environment variables set.
pub(crate) fn prolobot_with_env(
    dir: &Path,
    env: &[(&str, &str)],
    args: &[&str],
    stdin: Option<&str>,
) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_prolobot"))
        .args(args)
        .current_dir(dir)
        .env_clear()
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    if let Some(input) = stdin {
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

/// Runs the binary with `--faq` set to the shipped FAQ, from an empty temporary directory.
fn with_shipped_faq(args: &[&str], stdin: Option<&str>) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let faq = shipped_faq_path();
    let args: Vec<&str> = ["--faq", faq.to_str().unwrap()]
        .into_iter()
        .chain(args.iter().copied())
        .collect();
    prolobot(dir.path(), &args, stdin)
}

/// Environment variables for a run of the binary.
type Env<'a> = &'a [(&'a str, &'a str)];
/// A file to write in the run's directory: its name and contents.
type File<'a> = (&'a str, &'a str);

pub(crate) fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A temporary directory holding `faq.toml` = the shipped FAQ with `from` replaced by `to`.
fn edited_faq(from: &str, to: &str) -> tempfile::TempDir {
    let source = std::fs::read_to_string(shipped_faq_path()).unwrap();
    assert!(source.contains(from), "{from:?} not in the shipped FAQ");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("faq.toml"), source.replacen(from, to, 1)).unwrap();
    dir
}

/// The 1-based number of the first line that is exactly `line` (ignoring surrounding space).
fn line_of(path: &Path, line: &str) -> usize {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .position(|l| l.trim() == line)
        .expect("line present")
        + 1
}

#[test]
fn check_accepts_the_shipped_faq() {
    let dir = tempfile::tempdir().unwrap();
    let out = prolobot(
        dir.path(),
        &["check", shipped_faq_path().to_str().unwrap()],
        None,
    );
    assert!(
        out.status.success(),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert!(
        text(&out.stdout).contains("ok (18 entries"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn check_rejects_a_syntax_error_with_its_position() {
    let dir = edited_faq("\n[texts]\n", "\n[texts\n");
    let line = line_of(&dir.path().join("faq.toml"), "[texts");
    let out = prolobot(dir.path(), &["check"], None);
    assert!(!out.status.success());
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains(&format!("faq.toml:{line}:")),
        "line {line}: {stdout}"
    );
    assert!(stdout.contains("error:"), "{stdout}");
}

#[test]
fn check_rejects_a_duplicated_entry_with_its_position() {
    let dir = edited_faq("id = \"how-it-works\"", "id = \"what-is-prolotherapy\"");
    let out = prolobot(dir.path(), &["check"], None);
    assert!(!out.status.success());
    let stdout = text(&out.stdout);
    let second = std::fs::read_to_string(dir.path().join("faq.toml"))
        .unwrap()
        .lines()
        .enumerate()
        .filter(|(_, l)| l.trim() == "id = \"what-is-prolotherapy\"")
        .map(|(i, _)| i + 1)
        .nth(1)
        .expect("two entries with the id");
    assert!(
        stdout.contains(&format!(
            "faq.toml:{second}:6: error: duplicate id `what-is-prolotherapy`"
        )),
        "{stdout}"
    );
}

#[test]
fn check_rejects_an_emptied_disclaimer_with_its_position() {
    let source = std::fs::read_to_string(shipped_faq_path()).unwrap();
    let disclaimer_line = source
        .lines()
        .find(|l| l.starts_with("disclaimer = "))
        .unwrap();
    let dir = edited_faq(disclaimer_line, "disclaimer = \"\"");
    let line = line_of(&dir.path().join("faq.toml"), "disclaimer = \"\"");
    let out = prolobot(dir.path(), &["check"], None);
    assert!(!out.status.success());
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains(&format!(
            "faq.toml:{line}:14: error: `disclaimer` must not be empty"
        )),
        "{stdout}"
    );
}

#[test]
fn ask_prints_the_reply_as_posted_with_the_disclaimer() {
    let out = with_shipped_faq(&["ask", "how much does prolotherapy cost?"], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let disclaimer = crate::shipped_faq().texts().disclaimer.clone();
    assert!(stdout.contains(disclaimer.trim()), "{stdout}");
    assert!(
        stdout.contains("**"),
        "an answer has a bold title: {stdout}"
    );
}

#[test]
fn match_writes_one_json_decision_per_line() {
    let input = "how much does prolotherapy cost?\nasdf qwerty zxcv\nchest pain and cant breathe after my prolo\n";
    let out = with_shipped_faq(&["match"], Some(input));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let lines: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    assert_eq!(lines.len(), 3);
    for line in &lines {
        let keys: Vec<&String> = line.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            [
                "confidence",
                "id",
                "outcome",
                "question",
                "safety_net",
                "suggestions",
                "tier"
            ]
        );
        let confidence = line["confidence"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&confidence));
    }
    assert_eq!(lines[0]["outcome"], "answer");
    assert_eq!(lines[0]["id"], "cost-insurance");
    assert_eq!(lines[1]["outcome"], "no_match");
    assert_eq!(lines[1]["id"], serde_json::Value::Null);
    assert_eq!(lines[2]["outcome"], "emergency");
    assert_eq!(lines[2]["tier"], "emergency");
    assert_eq!(lines[0]["tier"], serde_json::Value::Null);
    assert_eq!(lines[0]["safety_net"], false);
}

#[test]
fn explain_shows_the_working() {
    let out = with_shipped_faq(&["explain", "prolotheraphy cost?"], None);
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("typo corrections: prolotheraphy -> prolotherapy"),
        "{stdout}"
    );
    assert!(stdout.contains("candidates:"), "{stdout}");
    assert!(stdout.contains("decision:"), "{stdout}");
}

#[test]
fn the_faq_path_comes_from_the_environment_too() {
    let dir = tempfile::tempdir().unwrap();
    let faq = shipped_faq_path();
    let env = [("PROLOBOT_FAQ", faq.to_str().unwrap())];
    let out = prolobot_with_env(dir.path(), &env, &["check"], None);
    assert!(out.status.success(), "{}", text(&out.stdout));
}

/// A temporary directory holding the fixture FAQ as `other.toml` (not the default `faq.toml`,
/// so a command that ignored the settings would find no FAQ) and a labelled case for `eval`.
fn dir_with_fixture_faq() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(data_path("fixture-faq.toml"), dir.path().join("other.toml")).unwrap();
    std::fs::write(
        dir.path().join("cases.toml"),
        "[[case]]\nq = \"how much does it cost\"\nexpect = \"cost-insurance\"\n",
    )
    .unwrap();
    dir
}

/// The fixture FAQ's answer to "how much does it cost".
const FIXTURE_COST_ANSWER: &str =
    "Prices vary by clinic; insurers usually class it as experimental.";

#[test]
fn every_command_reads_the_faq_path_from_dotenv_and_the_settings_file() {
    let settings = [
        (".env", "PROLOBOT_FAQ=other.toml\n"),
        ("prolobot.toml", "prolobot_faq = \"other.toml\"\n"),
    ];
    // (arguments, stdin, what stdout shows when the fixture FAQ was read)
    let commands: [(&[&str], Option<&str>, &str); 6] = [
        (&["check"], None, "other.toml: ok (4 entries"),
        (&["ask", "how much does it cost"], None, FIXTURE_COST_ANSWER),
        (
            &["chat"],
            Some("how much does it cost\n"),
            FIXTURE_COST_ANSWER,
        ),
        (
            &["match"],
            Some("how much does it cost\n"),
            "\"id\":\"cost-insurance\"",
        ),
        (&["eval", "cases.toml"], None, "cost-insurance"),
        (
            &["explain", "how much does it cost"],
            None,
            "cost-insurance",
        ),
    ];
    for (file, line) in settings {
        let dir = dir_with_fixture_faq();
        std::fs::write(dir.path().join(file), line).unwrap();
        for (args, stdin, shows) in commands {
            let out = prolobot(dir.path(), args, stdin);
            let stdout = text(&out.stdout);
            assert!(
                out.status.success(),
                "{file}: {args:?}: {stdout}{}",
                text(&out.stderr)
            );
            assert!(stdout.contains(shows), "{file}: {args:?}: {stdout}");
        }
    }
}

#[test]
fn the_faq_flag_wins_over_the_environment_which_wins_over_the_files() {
    let dir = dir_with_fixture_faq();
    std::fs::write(dir.path().join(".env"), "PROLOBOT_FAQ=from-dotenv.toml\n").unwrap();
    std::fs::write(
        dir.path().join("prolobot.toml"),
        "prolobot_faq = \"from-file.toml\"\n",
    )
    .unwrap();
    // (PROLOBOT_FAQ in the environment, arguments, the file `check` reads)
    let cases: [(Option<&str>, &[&str], &str); 4] = [
        (None, &["check"], "from-dotenv.toml"),
        (Some("other.toml"), &["check"], "other.toml"),
        (Some("from-env.toml"), &["check"], "from-env.toml"),
        (
            Some("from-env.toml"),
            &["--faq", "other.toml", "check"],
            "other.toml",
        ),
    ];
    for (env, args, checked) in cases {
        let env: Vec<(&str, &str)> = env.map(|path| ("PROLOBOT_FAQ", path)).into_iter().collect();
        let out = prolobot_with_env(dir.path(), &env, args, None);
        let stdout = text(&out.stdout);
        assert!(stdout.contains(checked), "{env:?} {args:?}: {stdout}");
        assert_eq!(
            out.status.success(),
            checked == "other.toml",
            "{env:?} {args:?}: {stdout}"
        );
    }
}

#[test]
fn a_missing_faq_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = prolobot(dir.path(), &["ask", "hello"], None);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("cannot read faq.toml"),
        "{}",
        text(&out.stderr)
    );
}

/// A smoke test of the command: it prints the API's report and exits as `--min-accuracy` says
/// (the numbers themselves are tested in `eval.rs`).
#[test]
fn eval_prints_the_report_and_fails_below_the_minimum_accuracy() {
    let dir = tempfile::tempdir().unwrap();
    let cases = dir.path().join("cases.toml");
    std::fs::write(&cases, MISSED_CASE).unwrap();
    let cases = cases.to_str().unwrap();
    let expected = format!("{}\n", report_for(MISSED_CASE));
    // (extra arguments, exit code)
    let runs: [(&[&str], i32); 2] = [(&["--min-accuracy", "0.5"], 1), (&[], 0)];
    for (extra, code) in runs {
        let args: Vec<&str> = ["eval", cases].iter().chain(extra).copied().collect();
        let out = with_shipped_faq(&args, None);
        assert_eq!(
            out.status.code(),
            Some(code),
            "{extra:?}: {}",
            text(&out.stderr)
        );
        assert_eq!(text(&out.stdout), expected, "{extra:?}");
    }
}

#[test]
fn a_reader_that_stops_early_is_not_an_error() {
    use std::io::{BufRead, BufReader, Write};
    let faq = shipped_faq_path();
    let mut child = Command::new(env!("CARGO_BIN_EXE_prolobot"))
        .args(["--faq", faq.to_str().unwrap(), "match"])
        .env_clear()
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    // Far more output than a pipe holds, so the binary is still writing when the reader leaves.
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all("does prolo hurt\n".repeat(20_000).as_bytes());
    });
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert!(first.contains("\"outcome\""), "{first}");
    assert!(
        out.status.success(),
        "{:?}: {}",
        out.status,
        text(&out.stderr)
    );
    assert!(
        !text(&out.stderr).contains("panicked"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn check_warns_when_an_example_question_does_not_reach_its_entry() {
    let dir = tempfile::tempdir().expect("temp dir");
    let shipped = std::fs::read_to_string(shipped_faq_path()).expect("faq.toml");
    // An example about another treatment is declined, so it cannot reach its entry.
    let edited = shipped.replacen(
        "  \"what are your opening hours\",",
        "  \"what are your opening hours\",\n  \"does microneedling hurt\",",
        1,
    );
    std::fs::write(dir.path().join("faq.toml"), edited).expect("write");
    let out = prolobot(dir.path(), &["check", "--faq", "faq.toml"], None);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "a warning is not an error: {stdout}");
    let expected = "warning: example question \"does microneedling hurt\" of `clinic-contact` \
                    gets no_match: the question is about microneedl";
    assert!(stdout.contains(expected), "{stdout}");
}

#[test]
fn check_says_which_file_it_checked_and_where_that_path_came_from() {
    let dir = dir_with_fixture_faq();
    let checked = dir.path().join("other.toml");
    let checked = checked.to_str().unwrap();
    // (file written in the directory, environment, arguments, where the path came from)
    let cases: [(Option<File>, Env, &[&str], &str); 6] = [
        (
            None,
            &[],
            &["--faq", "other.toml", "check"],
            "--faq on the command line",
        ),
        (
            None,
            &[("PROLOBOT_FAQ", "other.toml")],
            &["check"],
            "PROLOBOT_FAQ in the environment",
        ),
        (
            Some((".env", "PROLOBOT_FAQ=other.toml\n")),
            &[],
            &["check"],
            "PROLOBOT_FAQ in .env",
        ),
        (
            Some(("prolobot.toml", "prolobot_faq = \"other.toml\"\n")),
            &[],
            &["check"],
            "prolobot_faq in prolobot.toml",
        ),
        (
            None,
            &[],
            &["check", "other.toml"],
            "the path given to check",
        ),
        (
            None,
            &[],
            &["check"],
            "the default; PROLOBOT_FAQ is not set",
        ),
    ];
    for (file, env, args, from) in cases {
        let _ = std::fs::remove_file(dir.path().join(".env"));
        let _ = std::fs::remove_file(dir.path().join("prolobot.toml"));
        if let Some((name, text)) = file {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        let out = prolobot_with_env(dir.path(), env, args, None);
        let first = text(&out.stdout)
            .lines()
            .next()
            .unwrap_or_default()
            .to_owned();
        let expected_path = if from.starts_with("the default") {
            dir.path().join("faq.toml").to_str().unwrap().to_owned()
        } else {
            checked.to_owned()
        };
        assert_eq!(
            first,
            format!("Checking {expected_path} ({from})"),
            "{args:?}"
        );
    }
}

#[test]
fn an_invalid_faq_says_what_that_means_without_claiming_a_bot_serves_it() {
    let dir = edited_faq("medical = true", "medical = yes");
    let out = prolobot(dir.path(), &["check"], None);
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    let line = line_of(&dir.path().join("faq.toml"), "medical = yes");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 3, "one error only: {stdout}");
    assert_eq!(
        lines[1],
        format!("faq.toml:{line}:11: error: `yes` is not a yes/no value TOML understands: write `true` or `false` (lowercase, no quotes)")
    );
    assert_eq!(
        lines[2],
        "faq.toml: 1 error, so the bot cannot use this file: fix it, then run `prolobot check` again. Until then `prolobot run` refuses to start with it, and a bot already running keeps the version it loaded last."
    );
}

#[test]
fn unknown_setting_names_warn_with_a_suggestion() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(".env"),
        format!(
            "PROLOBOT_FAQ={}\nPROLOBOT_SUPPORT_CHANNEL=123\n",
            shipped_faq_path().display()
        ),
    )
    .unwrap();
    let env = [("PROLOBOT_COOLDOWN", "5")];
    let out = prolobot_with_env(dir.path(), &env, &["check"], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stderr),
        "warning: PROLOBOT_COOLDOWN in the environment is not a prolobot setting, so it is ignored: did you mean PROLOBOT_COOLDOWN_SECS?\n\
         warning: PROLOBOT_SUPPORT_CHANNEL in .env is not a prolobot setting, so it is ignored: did you mean PROLOBOT_SUPPORT_CHANNELS?\n"
    );
}

#[test]
fn a_channel_name_instead_of_an_id_says_how_to_copy_the_id() {
    let dir = tempfile::tempdir().unwrap();
    for (value, says) in [
        ("#support", "Developer Mode"),
        ("<#123456>", "Write just the number: 123456"),
    ] {
        let env = [("PROLOBOT_SUPPORT_CHANNELS", value)];
        let out = prolobot_with_env(dir.path(), &env, &["check"], None);
        assert_eq!(out.status.code(), Some(2));
        let stderr = text(&out.stderr);
        assert!(stderr.contains("is not a channel id"), "{stderr}");
        assert!(stderr.contains(says), "{stderr}");
    }
}

#[test]
fn help_lists_every_setting() {
    let dir = tempfile::tempdir().unwrap();
    let out = prolobot(dir.path(), &["--help"], None);
    assert!(out.status.success());
    let stdout = text(&out.stdout);
    for setting in prolobot::config::SETTINGS {
        assert!(
            stdout.contains(&format!("\n  {}", setting.name)),
            "{}",
            setting.name
        );
    }
    assert!(
        stdout.contains("PROLOBOT_DB [default: prolobot.db]"),
        "{stdout}"
    );
}

#[test]
fn report_and_backup_refuse_a_database_that_does_not_exist_and_create_nothing() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        &["report"][..],
        &["--db", "elsewhere.db", "report"],
        &["backup", "copy.db"],
    ] {
        let out = prolobot(dir.path(), args, None);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = text(&out.stderr);
        assert!(
            stderr.contains("there is no insights database at"),
            "{stderr}"
        );
        assert!(stderr.contains("nothing was created"), "{stderr}");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            0,
            "{args:?} created a file"
        );
    }
}

#[test]
fn report_names_the_database_it_read() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("data/insights.db");
    std::fs::create_dir(dir.path().join("data")).unwrap();
    prolobot::store::Store::open(&db).unwrap();
    let env = [("PROLOBOT_DB", "data/insights.db")];
    let runs: [(Env, &[&str], &str); 2] = [
        (&env, &["report"], "PROLOBOT_DB in the environment"),
        (
            &[],
            &["report", "--db", "data/insights.db"],
            "--db on the command line",
        ),
    ];
    for (env, args, from) in runs {
        let out = prolobot_with_env(dir.path(), env, args, None);
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert_eq!(
            text(&out.stderr),
            format!(
                "Report from the insights database {} ({from})\n",
                db.display()
            )
        );
        assert!(
            text(&out.stdout).contains("Questions: 0"),
            "{}",
            text(&out.stdout)
        );
    }
}

#[test]
fn backup_copies_the_database_and_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    prolobot::store::Store::open(&dir.path().join("prolobot.db")).unwrap();
    let out = prolobot(dir.path(), &["backup", "copy.db"], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).ends_with(&format!(
            "Backup written to {}\n",
            dir.path().join("copy.db").display()
        )),
        "{}",
        text(&out.stderr)
    );
    let copy = prolobot(dir.path(), &["--db", "copy.db", "report"], None);
    assert!(
        copy.status.success(),
        "the copy is a database: {}",
        text(&copy.stderr)
    );
    let again = prolobot(dir.path(), &["backup", "copy.db"], None);
    assert_eq!(again.status.code(), Some(2));
    assert!(
        text(&again.stderr).contains("already exists; a backup never overwrites a file"),
        "{}",
        text(&again.stderr)
    );
}

#[test]
fn check_names_a_file_saved_as_utf16_and_windows_line_endings_never_reach_a_reply() {
    let source = std::fs::read_to_string(shipped_faq_path()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let utf16: Vec<u8> = std::iter::once(0xFEFF)
        .chain(source.encode_utf16())
        .flat_map(u16::to_le_bytes)
        .collect();
    std::fs::write(dir.path().join("faq.toml"), utf16).unwrap();
    let out = prolobot(dir.path(), &["check"], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stdout).contains("faq.toml:1:1: error: the file is saved as UTF-16, not UTF-8: open it in your editor and save it as UTF-8"),
        "{}",
        text(&out.stdout)
    );
    std::fs::write(dir.path().join("faq.toml"), source.replace('\n', "\r\n")).unwrap();
    let out = prolobot(dir.path(), &["ask", "what is prolotherapy"], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let reply = text(&out.stdout);
    assert!(reply.contains("**What is prolotherapy?**"), "{reply}");
    assert!(!reply.contains('\r'), "{reply:?}");
}
