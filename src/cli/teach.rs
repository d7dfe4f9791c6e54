//! `prolobot teach`: the command-line edge of [`prolobot::teach`]. Refusals and conflicts are
//! printed with exit code 1, like `check`; only failures to read or write are errors (exit 2).
//! Also the `prolobot teach` lines `prolobot report` prints under its unanswered groups.

use std::io::{self, Write as _};
use std::path::Path;
use std::process::ExitCode;

use anyhow::{bail, Result};
use clap::Args;
use prolobot::config::Setting;
use prolobot::report::UnansweredGroup;
use prolobot::teach::{self, Request, TeachError};
use prolobot_core::{Faq, Knowledge};

/// Who the journal says taught from the command line.
const BY: &str = "command line";

/// The arguments of `prolobot teach`.
#[derive(Args)]
pub(super) struct TeachArgs {
    /// The entry's id, then the questions to add to it, each one argument (quote it); with
    /// --off-topic, only the question.
    #[arg(value_names = ["ENTRY", "QUESTION"], num_args = 1.., required_unless_present = "undo", conflicts_with = "undo")]
    words: Vec<String>,
    /// Add the question's subject to the off-topic subjects ([subjects] other) instead, so
    /// questions about it are declined.
    #[arg(long)]
    off_topic: bool,
    /// With --off-topic: the words that name the subject (default: picked from the question).
    #[arg(long, value_name = "WORDS", requires = "off_topic")]
    subject: Option<String>,
    /// Add it even when the matching checks fail (the FAQ must still validate).
    #[arg(long, conflicts_with = "undo")]
    force: bool,
    /// Take the last taught change out of the FAQ again.
    #[arg(long, conflicts_with = "off_topic")]
    undo: bool,
}

/// Runs `prolobot teach` on the FAQ at `faq`.
pub(super) fn run(faq: &Path, args: TeachArgs) -> Result<ExitCode> {
    if args.undo {
        return finish(teach::undo(faq), "");
    }
    let request = if args.off_topic {
        let [question] = <[String; 1]>::try_from(args.words).map_err(|_| {
            anyhow::anyhow!("--off-topic takes one question (quote it: \"can i do pilates\")")
        })?;
        Request::OffTopic {
            question,
            subject: args.subject,
        }
    } else {
        let Some((entry, questions)) = args.words.split_first() else {
            bail!("give the entry's id, then the question");
        };
        if questions.is_empty() {
            bail!(
                "give the question after the entry's id: prolobot teach {entry} \"the question\""
            );
        }
        Request::Phrasings {
            entry: entry.clone(),
            questions: questions.to_vec(),
        }
    };
    finish(
        teach::teach(faq, &request, args.force, BY),
        "Undo with: prolobot teach --undo",
    )
}

/// Prints the result: what was done (exit 0), or why nothing was (exit 1).
fn finish(result: Result<impl std::fmt::Display, TeachError>, hint: &str) -> Result<ExitCode> {
    let mut out = io::stdout().lock();
    match result {
        Ok(done) => {
            writeln!(out, "{}", done.to_string().trim_end())?;
            if !hint.is_empty() {
                writeln!(out, "{hint}")?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(TeachError::Refused(refusal)) => {
            write!(out, "{refusal}")?;
            if refusal.forceable {
                writeln!(out, "Or add it anyway: run the same command with --force.")?;
            }
            Ok(ExitCode::FAILURE)
        }
        Err(
            error @ (TeachError::Changed { .. }
            | TeachError::Invalid { .. }
            | TeachError::NothingToUndo { .. }
            | TeachError::CannotUndo { .. }),
        ) => {
            writeln!(out, "{error}")?;
            Ok(ExitCode::FAILURE)
        }
        Err(error) => Err(error.into()),
    }
}

/// The `prolobot teach` lines for the report's unanswered `groups`, each group's entry the one
/// closest to its examples in the FAQ at `faq` (`ENTRY` when the FAQ does not load). `--faq` is
/// in the lines unless `faq` is the default.
pub(super) fn report_lines(faq: &Path, groups: &[UnansweredGroup]) -> String {
    let knowledge = Faq::load(faq).ok().map(|loaded| Knowledge::new(loaded.faq));
    let default = Setting::default_of("PROLOBOT_FAQ").unwrap_or_default();
    let named = (faq != Path::new(&default)).then_some(faq);
    teach::command_lines(groups, knowledge.as_ref(), named)
}
