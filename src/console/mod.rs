//! `prolobot chat`: the offline console. One question a line, answered exactly as the bot
//! would answer on Discord; reads piped standard input too.

use std::io::{self, BufRead, IsTerminal, Write};
use std::process::ExitCode;

use anyhow::{Context, Result};
use prolobot_core::Knowledge;

/// Runs the console on `knowledge` until the input ends or the user quits.
pub(crate) fn chat(knowledge: &Knowledge) -> Result<ExitCode> {
    let answer = |line: &str| -> Option<String> {
        match line.trim() {
            "" => None,
            "/list" => Some(knowledge.composer().topic_list().text().to_string()),
            question => Some(knowledge.respond(question).reply().text().to_string()),
        }
    };
    if !io::stdin().is_terminal() {
        let mut out = io::stdout().lock();
        for line in io::stdin().lock().lines() {
            if let Some(reply) = answer(&line?) {
                writeln!(out, "{reply}\n")?;
            }
        }
        return Ok(ExitCode::SUCCESS);
    }
    writeln!(
        io::stdout().lock(),
        "prolobot chat: ask a question about prolotherapy. /list shows the topics; Ctrl-D or /quit leaves."
    )?;
    let mut editor = rustyline::DefaultEditor::new().context("cannot start the line editor")?;
    loop {
        match editor.readline("you> ") {
            Ok(line) if line.trim() == "/quit" => break,
            Ok(line) => {
                let _ = editor.add_history_entry(line.as_str());
                if let Some(reply) = answer(&line) {
                    writeln!(io::stdout().lock(), "\n{reply}\n")?;
                }
            }
            Err(
                rustyline::error::ReadlineError::Interrupted | rustyline::error::ReadlineError::Eof,
            ) => break,
            Err(error) => return Err(error).context("reading the console"),
        }
    }
    Ok(ExitCode::SUCCESS)
}
