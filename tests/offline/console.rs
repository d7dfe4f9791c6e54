//! `prolobot chat` through the built binary, on the fixture FAQ, from a temporary directory with
//! a cleared environment: piped input (echo, the commands the hints name, wrapping, colour) and,
//! on a pseudo-terminal made by util-linux's `script`, Ctrl-C and history between sessions.

use crate::cli::{prolobot_with_env, text};
use crate::data_path;

/// A temporary directory holding the fixture FAQ as `faq.toml`, where `chat` looks by default.
fn dir_with_fixture() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(data_path("fixture-faq.toml"), dir.path().join("faq.toml")).unwrap();
    dir
}

/// `prolobot chat` on `input` with these environment variables: its standard output.
fn chat(env: &[(&str, &str)], input: &str) -> String {
    let dir = dir_with_fixture();
    let out = prolobot_with_env(dir.path(), env, &["chat"], Some(input));
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
    text(&out.stdout)
}

/// The fixture's short answer and detail about side effects.
const ANSWER: &str = "Soreness, stiffness and swelling for a few days are common.";
const DETAIL: &str = "• Less common: bruising, a headache, or a flare of the usual pain.";
/// A question the fixture answers with "did you mean" cost-insurance or side-effects.
const AMBIGUOUS: &str = "cost and risks";

#[test]
fn piped_questions_are_echoed_and_replies_shown_as_a_terminal_reads_them() {
    let stdout = chat(&[], "\nwhat are the side effects\nmore\n");
    let (question, detail) = stdout.split_once("you> more\n").expect("`more` echoed");
    assert!(
        question.starts_with(&format!(
            "you> what are the side effects\n\nSide effects and risks\n{ANSWER}\nSources: A review of injection therapies (2020)\n\n⚕️ General information only, not medical advice.\n"
        )),
        "{stdout}"
    );
    assert!(detail.contains(DETAIL), "{stdout}");
    assert!(detail.contains("Sources: A review"), "{stdout}");
    assert!(detail.contains("General information only"), "{stdout}");
    for raw in ["**", "-# ", "\n- ", "\u{1b}["] {
        assert!(!stdout.contains(raw), "{raw:?} in {stdout}");
    }
}

#[test]
fn the_commands_the_hints_name_work_as_typed() {
    let stdout = chat(
        &[],
        &format!("more\n/faq list\n/faq topic aftercare\n/faq topic nope\n{AMBIGUOUS}\n2\n/help\n/faq ask how much does it cost\n"),
    );
    let replies: Vec<&str> = stdout.split("you> ").skip(1).collect();
    let expected = [
        "more shows the longer text of the last answer",
        "Topics I can answer",
        "Rest the area for a day or two",
        "Sorry, there is no topic nope.",
        "Did you mean:\n1. Cost and insurance (/faq topic cost-insurance)\n2. Side effects and risks",
        ANSWER,
        "Sorry, I don't know /help.",
        "Prices vary by clinic",
    ];
    assert_eq!(replies.len(), expected.len(), "{stdout}");
    for (reply, shows) in replies.iter().zip(expected) {
        assert!(reply.contains(shows), "{shows:?} not in {reply}");
        assert!(reply.contains("General information only"), "{reply}");
    }
    for id in [
        "what-is-prolotherapy",
        "cost-insurance",
        "side-effects",
        "aftercare",
    ] {
        assert!(replies[1].contains(id), "{}", replies[1]);
    }
}

#[test]
fn a_number_with_no_suggestions_or_out_of_range_is_not_a_pick() {
    let stdout = chat(&[], &format!("2\n{AMBIGUOUS}\n7\n1\n"));
    let replies: Vec<&str> = stdout.split("you> ").skip(1).collect();
    assert!(replies[0].contains("couldn't find"), "{}", replies[0]);
    assert!(
        replies[2].contains("pick a number from 1 to 2"),
        "{}",
        replies[2]
    );
    assert!(
        replies[3].contains("Prices vary by clinic"),
        "still pickable after a wrong number: {}",
        replies[3]
    );
}

#[test]
fn replies_wrap_at_word_boundaries_to_the_width() {
    let input = format!("what are the side effects\nmore\n/faq list\n{AMBIGUOUS}\n");
    let whole = chat(&[], &input);
    let wrapped = chat(&[("COLUMNS", "31")], &input);
    assert_ne!(whole, wrapped);
    for line in wrapped.lines() {
        let columns = textwrap::core::display_width(line);
        assert!(
            columns <= 30 || line.split_whitespace().count() == 1,
            "{line:?}: {columns} columns"
        );
    }
    let words = |text: &str| {
        text.split_whitespace()
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    assert_eq!(words(&whole), words(&wrapped), "no word split or lost");
    assert!(wrapped.contains("\n  "), "bullets hang: {wrapped}");
}

#[test]
fn colour_only_when_asked_for_and_never_with_no_color() {
    let forced = chat(&[("CLICOLOR_FORCE", "1")], "what are the side effects\n");
    assert!(
        forced.contains("\u{1b}[1mSide effects and risks"),
        "{forced:?}"
    );
    let refused = chat(
        &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")],
        "what are the side effects\n",
    );
    assert!(!refused.contains('\u{1b}'), "{refused:?}");
}

/// The interactive console on a pseudo-terminal made by util-linux's `script`.
#[cfg(target_os = "linux")]
mod terminal {
    use std::io::{Read, Write};
    use std::path::Path;
    use std::process::{Child, Command, Stdio};
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, Instant};

    use super::{dir_with_fixture, ANSWER, DETAIL};

    /// `prolobot chat` on a terminal: what it printed so far, and keys to send.
    struct Terminal {
        child: Child,
        output: Arc<Mutex<Vec<u8>>>,
        seen: usize,
    }

    impl Terminal {
        /// `prolobot chat` in `dir` under `script`, with its state (history) in `state`.
        fn start(dir: &Path, state: &Path) -> Self {
            let command = format!("exec '{}' chat", env!("CARGO_BIN_EXE_prolobot"));
            let mut child = Command::new("script")
                .args(["--quiet", "--return", "--command", &command, "/dev/null"])
                .current_dir(dir)
                .env_clear()
                .env("HOME", state)
                .env("XDG_STATE_HOME", state)
                .env("TERM", "xterm")
                .env("NO_COLOR", "1")
                .env("COLUMNS", "80")
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("util-linux's `script` runs the console on a pseudo-terminal");
            let mut stdout = child.stdout.take().unwrap();
            let output = Arc::new(Mutex::new(Vec::new()));
            let sink = Arc::clone(&output);
            std::thread::spawn(move || {
                let mut buffer = [0; 4096];
                while let Ok(read @ 1..) = stdout.read(&mut buffer) {
                    sink.lock().unwrap().extend_from_slice(&buffer[..read]);
                }
            });
            let mut terminal = Self {
                child,
                output,
                seen: 0,
            };
            terminal.expect("you> ");
            terminal
        }

        /// Waits until `text` has been printed since the last thing expected.
        fn expect(&mut self, text: &str) {
            let deadline = Instant::now() + Duration::from_secs(20);
            loop {
                let output = String::from_utf8_lossy(&self.output.lock().unwrap()).into_owned();
                if let Some(at) = output[self.seen..].find(text) {
                    self.seen += at + text.len();
                    return;
                }
                assert!(
                    Instant::now() < deadline,
                    "{text:?} not printed; the terminal shows:\n{}",
                    &output[self.seen..]
                );
                std::thread::sleep(Duration::from_millis(20));
            }
        }

        /// Types `keys`.
        fn send(&mut self, keys: &str) {
            let stdin = self.child.stdin.as_mut().unwrap();
            stdin.write_all(keys.as_bytes()).unwrap();
            stdin.flush().unwrap();
        }

        /// Waits for the console to end; whether it ended well.
        fn wait(mut self) -> bool {
            self.child.wait().unwrap().success()
        }
    }

    #[test]
    fn on_a_terminal_ctrl_c_clears_the_line_twice_quits_and_history_persists() {
        const CTRL_C: &str = "\u{3}";
        const UP: &str = "\u{1b}[A";
        let dir = dir_with_fixture();
        let state = tempfile::tempdir().unwrap();

        let mut terminal = Terminal::start(dir.path(), state.path());
        terminal.send("what are the side effects\r");
        terminal.expect(ANSWER);
        terminal.expect("Type more for the longer text");
        terminal.send("half typed");
        terminal.expect("half typed");
        terminal.send(CTRL_C);
        terminal.expect("Ctrl-C again, Ctrl-D or /quit leaves.");
        terminal.expect("you> ");
        terminal.send("more\r");
        terminal.expect(DETAIL);
        terminal.expect("you> ");
        terminal.send(" a private question\r");
        terminal.expect("you> ");
        terminal.send(CTRL_C);
        terminal.expect("Ctrl-C again");
        terminal.expect("you> ");
        terminal.send(CTRL_C);
        assert!(terminal.wait(), "two Ctrl-C in a row leave");

        let history = std::fs::read_to_string(state.path().join("prolobot/chat-history.txt"))
            .expect("the history is kept in the state directory");
        assert!(
            history.contains("what are the side effects\nmore\n"),
            "{history}"
        );
        assert!(
            !history.contains("half typed"),
            "a cleared line is not kept"
        );
        assert!(
            !history.contains("private"),
            "a line starting with a space is not kept"
        );

        let mut terminal = Terminal::start(dir.path(), state.path());
        terminal.send(UP);
        terminal.send(UP);
        terminal.expect("what are the side effects");
        terminal.send("\r");
        terminal.expect(ANSWER);
        terminal.expect("you> ");
        terminal.send("\u{4}");
        assert!(terminal.wait(), "Ctrl-D leaves");
    }
}
