//! `prolobot chat`: the offline console. One question a line, answered as the bot would
//! answer on Discord, shown for a terminal.
//!
//! - `session`: what each line asks for (`/faq list`, `/faq topic ID`, `more`, a suggestion's
//!   number, or a question) and the composer's reply to it.
//! - `render`: the reply's Markdown as terminal styles, wrapped at word boundaries.
//!
//! On a terminal the line can be edited, history is kept between sessions (see
//! [`history_path`]), Ctrl-C clears the line and a second Ctrl-C in a row leaves. Piped input is
//! answered line by line, each question echoed before its reply. Colour follows `anstream`:
//! only on a terminal, never with `NO_COLOR` set.

mod render;
mod session;

use std::io::{self, BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use prolobot_core::{Knowledge, Reply, ReplyKind};
use rustyline::error::ReadlineError;

use render::render;
use session::{Session, Turn};

/// The prompt, also put before each echoed question of piped input.
const PROMPT: &str = "you> ";

/// The banner of an interactive session.
const BANNER: &str = "**prolobot chat**: ask a question about prolotherapy. `/faq list` shows the topics, `/faq topic ID` one topic, `more` the longer text of the last answer; `/quit` or Ctrl-D leaves.";

/// Most questions kept in the history file.
const HISTORY_SIZE: usize = 1_000;

/// Runs the console on `knowledge` until the input ends or the user leaves.
pub(crate) fn chat(knowledge: &Knowledge) -> Result<ExitCode> {
    let mut session = Session::new(knowledge);
    if io::stdin().is_terminal() {
        interactive(&mut session)?;
    } else {
        piped(&mut session)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Each line of standard input, echoed, then its reply.
fn piped(session: &mut Session<'_>) -> Result<()> {
    for line in io::stdin().lock().lines() {
        let line = line.context("reading standard input")?;
        match session.turn(&line) {
            Turn::Nothing => {}
            Turn::Quit => break,
            Turn::Show(reply) => {
                writeln!(anstream::stdout().lock(), "{PROMPT}{}", line.trim())?;
                show(&reply, false)?;
            }
        }
    }
    Ok(())
}

/// The line editor on a terminal, with history kept in [`history_path`].
fn interactive(session: &mut Session<'_>) -> Result<()> {
    let config = rustyline::Config::builder()
        .max_history_size(HISTORY_SIZE)
        .context("cannot set up the line editor")?
        .history_ignore_space(true)
        .build();
    let mut editor =
        rustyline::DefaultEditor::with_config(config).context("cannot start the line editor")?;
    let mut history = history_path();
    if let Some(path) = &history {
        match editor.load_history(path) {
            Err(ReadlineError::Io(error)) if error.kind() == io::ErrorKind::NotFound => {}
            Err(error) => {
                eprintln!(
                    "warning: cannot read the history in {}: {error}",
                    path.display()
                );
                history = None;
            }
            Ok(()) => {}
        }
    }
    writeln!(
        anstream::stdout().lock(),
        "{}\n",
        render(BANNER, width(), false)
    )?;
    let mut interrupted = false;
    loop {
        let line = match editor.readline(PROMPT) {
            Ok(line) => line,
            Err(ReadlineError::Interrupted) if !interrupted => {
                interrupted = true;
                hint("Ctrl-C again, Ctrl-D or `/quit` leaves.")?;
                continue;
            }
            Err(ReadlineError::Interrupted | ReadlineError::Eof) => break,
            Err(error) => return Err(error).context("reading the console"),
        };
        interrupted = false;
        if let Some(path) = &history {
            if editor.add_history_entry(line.as_str()).unwrap_or(false) {
                if let Err(error) = save_history(&mut editor, path) {
                    eprintln!(
                        "warning: cannot keep the history in {}: {error:#}",
                        path.display()
                    );
                    history = None;
                }
            }
        } else {
            let _ = editor.add_history_entry(line.as_str());
        }
        match session.turn(&line) {
            Turn::Nothing => {}
            Turn::Quit => break,
            Turn::Show(reply) => show(&reply, true)?,
        }
    }
    Ok(())
}

/// Where the console keeps its history between sessions: per user, because the questions are
/// the user's own. On Linux the XDG state directory (`$XDG_STATE_HOME`, by default
/// `~/.local/state`), elsewhere the user's data directory (`~/Library/Application Support`,
/// `%APPDATA%`), then `prolobot/chat-history.txt`; `None` when there is no home directory.
fn history_path() -> Option<PathBuf> {
    dirs::state_dir()
        .or_else(dirs::data_dir)
        .map(|dir| dir.join("prolobot").join("chat-history.txt"))
}

/// Adds the session's new lines to the history file, creating its folder the first time.
fn save_history(editor: &mut rustyline::DefaultEditor, path: &Path) -> Result<()> {
    if let Some(folder) = path.parent() {
        std::fs::create_dir_all(folder)
            .with_context(|| format!("cannot create {}", folder.display()))?;
    }
    editor.append_history(path)?;
    Ok(())
}

/// Shows `reply` for the terminal, then, when `hints` is on, what can be typed next.
fn show(reply: &Reply, hints: bool) -> io::Result<()> {
    let numbered = reply.kind() == ReplyKind::Suggestions;
    writeln!(
        anstream::stdout().lock(),
        "\n{}\n",
        render(reply.text(), width(), numbered)
    )?;
    if !hints {
        return Ok(());
    }
    match reply.kind() {
        ReplyKind::Suggestions => {
            let numbers = match reply.suggestions().len() {
                1 => "1".to_owned(),
                2 => "1 or 2".to_owned(),
                count => format!("1 to {count}"),
            };
            hint(&format!(
                "Type {numbers} to pick a topic, or ask another question."
            ))
        }
        ReplyKind::Answer if reply.has_detail() => {
            hint("Type `more` for the longer text with its sources.")
        }
        _ => Ok(()),
    }
}

/// A small line on what can be typed next.
fn hint(text: &str) -> io::Result<()> {
    writeln!(
        anstream::stdout().lock(),
        "{}\n",
        render(&format!("-# {text}"), width(), false)
    )
}

/// The width replies are wrapped to: standard output's terminal, else `COLUMNS`, else none
/// (no wrapping), with one column spare because terminals draw some emoji (⚕️, ⚠️) two
/// columns wide where Unicode's width tables say one.
fn width() -> Option<usize> {
    let columns = terminal_size::terminal_size_of(io::stdout())
        .map(|(terminal_size::Width(columns), _)| usize::from(columns))
        .filter(|&columns| columns > 0)
        .or_else(|| std::env::var("COLUMNS").ok()?.trim().parse().ok())?;
    Some(columns.saturating_sub(1).max(1))
}
