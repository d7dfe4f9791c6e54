//! Command-line interface over the library core: check, ask, chat, match, eval, explain, run,
//! report, teach (in `cli/teach.rs`).

use std::io::{self, BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use prolobot::config::{Config, Setting, SETTINGS_FILE};
use prolobot::discord::KnowledgeBase;
use prolobot::report;
use prolobot::store::{ReportQuery, Store};
use prolobot_core::{
    parse_cases, render_diagnostics as render, Analyzer, EvalReport, Faq, Knowledge, LoadError,
    Loaded, SafetyReport, SafetySet, Severity, Tier,
};

/// `println!` that returns a broken pipe as an error instead of panicking, so
/// `prolobot explain ... | head` ends quietly.
macro_rules! out {
    ($($arg:tt)*) => {
        writeln!(io::stdout().lock(), $($arg)*)?
    };
}

mod teach;

/// Answers prolotherapy questions from a curated FAQ, on Discord or offline.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    /// The FAQ file (the help shown is set in `command()`, from the settings table).
    #[arg(long, global = true, value_name = "PATH")]
    faq: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Validate a FAQ file: prints every problem as path:line:column; exit 0 only when valid.
    Check {
        /// The file to check (defaults to --faq).
        path: Option<PathBuf>,
    },
    /// Print the reply to one question exactly as the bot would post it.
    Ask {
        /// The question.
        #[arg(required = true, num_args = 1..)]
        question: Vec<String>,
    },
    /// Interactive console: ask questions offline, one per line (also reads piped stdin).
    Chat,
    /// Read one question per stdin line, write one JSON decision per line.
    Match,
    /// Run a labelled question set and report accuracy.
    Eval {
        /// A file of [[case]] tables with q and expect.
        file: PathBuf,
        /// Exit non-zero when overall accuracy is below this (0 to 1).
        #[arg(long)]
        min_accuracy: Option<f64>,
    },
    /// Show how a question is matched: tokens, typo corrections, synonyms, candidates.
    Explain {
        /// The question.
        #[arg(required = true, num_args = 1..)]
        question: Vec<String>,
    },
    /// Run the Discord bot until Ctrl-C or SIGTERM (settings: environment, .env, prolobot.toml).
    Run,
    /// Print the insights report from the question database.
    Report {
        /// Only questions from the last N days.
        #[arg(long, value_name = "N")]
        since_days: Option<u32>,
        /// Write the whole report in this format instead of text.
        #[arg(long, value_enum, value_name = "FORMAT")]
        export: Option<Export>,
    },
    /// Teach the bot a question it missed: add it to an entry's example questions in the FAQ
    /// file (checked first, undoable), or its subject to the off-topic subjects.
    Teach(teach::TeachArgs),
}

/// Export formats of `prolobot report`.
#[derive(Clone, Copy, ValueEnum)]
enum Export {
    /// Comma-separated values (RFC 4180), one row per report line.
    Csv,
}

/// The CLI text report is not size-limited in practice.
const REPORT_CHARS: usize = 1_000_000;

/// Runs the command line; `Err` is printed once by `main`.
pub fn run() -> Result<ExitCode> {
    let cli = Cli::from_arg_matches(&command().get_matches()).unwrap_or_else(|error| error.exit());
    // The settings are read once, for every command; `--faq` goes on top of them.
    let mut config = Config::load()?;
    if let Some(path) = cli.faq {
        config.faq_path = path;
    }
    let hints = crate::logging::Hints::new(&config);
    let faq = config.faq_path.as_path();
    let result = match cli.command {
        Command::Check { path } => check(path.as_deref().unwrap_or(faq)),
        Command::Ask { question } => ask(faq, &question.join(" ")),
        Command::Chat => crate::console::chat(&load(faq)?),
        Command::Match => match_lines(faq),
        Command::Eval { file, min_accuracy } => eval(faq, &file, min_accuracy),
        Command::Explain { question } => explain(faq, &question.join(" ")),
        Command::Run => run_bot(config),
        Command::Report { since_days, export } => report(&config, since_days, export),
        Command::Teach(args) => teach::run(faq, args),
    };
    result.map_err(|error| hints.attach(error))
}

/// The command line, with `--faq`'s help naming the setting it replaces and its default.
fn command() -> clap::Command {
    let default = Setting::default_of("PROLOBOT_FAQ").unwrap_or_default();
    Cli::command().mut_arg("faq", |arg| {
        arg.help(format!(
            "The FAQ file, instead of the PROLOBOT_FAQ setting (environment, .env or {SETTINGS_FILE}) [default: {default}]"
        ))
    })
}

/// The FAQ at `path`, indexed; its warnings go to stderr.
fn load(path: &Path) -> Result<Knowledge> {
    let Loaded { faq, warnings } = Faq::load(path)?;
    if !warnings.is_empty() {
        eprintln!("{}", render(path, &warnings));
    }
    Ok(Knowledge::new(faq))
}

/// Warnings for example questions that do not reach their own entry, positioned at the
/// question's line when the file text holds it as written.
fn example_misses(path: &Path, knowledge: &Knowledge) -> Vec<String> {
    let source = std::fs::read_to_string(path).unwrap_or_default();
    knowledge
        .example_misses()
        .into_iter()
        .map(|miss| {
            let quoted = format!("\"{}\"", miss.question);
            let at = source.find(&quoted).map_or_else(String::new, |offset| {
                format!("{}:", source[..offset].matches('\n').count() + 1)
            });
            let reached = miss
                .reached
                .map(|id| format!(" `{id}`"))
                .unwrap_or_default();
            format!(
                "{}:{at} warning: example question {quoted} of `{}` gets {}{reached}: {}",
                path.display(),
                miss.entry,
                miss.outcome,
                miss.why
            )
        })
        .collect()
}

fn check(path: &Path) -> Result<ExitCode> {
    Ok(match Faq::load(path) {
        Ok(Loaded { faq, warnings }) => {
            if !warnings.is_empty() {
                out!("{}", render(path, &warnings));
            }
            let (entries, rules) = (faq.entries().len(), faq.red_flags().rules.len());
            let misses = example_misses(path, &Knowledge::new(faq));
            for miss in &misses {
                out!("{miss}");
            }
            out!(
                "{}: ok ({entries} entries, {rules} red-flag rules, {} warning(s))",
                path.display(),
                warnings.len() + misses.len()
            );
            ExitCode::SUCCESS
        }
        Err(LoadError::Invalid { path, diagnostics }) => {
            out!("{}", render(&path, &diagnostics));
            let errors = diagnostics
                .iter()
                .filter(|d| d.severity == Severity::Error)
                .count();
            out!(
                "{}: {errors} error(s); the bot keeps serving the last good version",
                path.display()
            );
            ExitCode::FAILURE
        }
        Err(error) => {
            out!("{error}");
            ExitCode::FAILURE
        }
    })
}

fn ask(path: &Path, question: &str) -> Result<ExitCode> {
    let knowledge = load(path)?;
    out!("{}", knowledge.respond(question).reply().text());
    Ok(ExitCode::SUCCESS)
}

fn match_lines(path: &Path) -> Result<ExitCode> {
    let knowledge = load(path)?;
    let faq = knowledge.faq();
    let mut out = io::BufWriter::new(io::stdout().lock());
    for line in io::stdin().lock().lines() {
        let question = line?;
        let decision = knowledge.decide(&question);
        let id = |entry| faq.get(entry).id.as_str();
        let record = serde_json::json!({
            "question": question,
            "outcome": decision.outcome().as_str(),
            "id": decision.entry().map(id),
            "confidence": (f64::from(decision.confidence()) * 1000.0).round() / 1000.0,
            "suggestions": decision.suggestions().iter().map(|&entry| id(entry)).collect::<Vec<_>>(),
            "tier": decision.tier().map(Tier::as_str),
            "safety_net": decision.safety_net(),
        });
        writeln!(out, "{record}")?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn eval(path: &Path, file: &Path, min_accuracy: Option<f64>) -> Result<ExitCode> {
    let knowledge = load(path)?;
    let source =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let accuracy = if SafetySet::is_safety_set(&source) {
        let set = SafetySet::parse(&source).with_context(|| format!("in {}", file.display()))?;
        let report = SafetyReport::run(&knowledge, &set);
        out!("{report}");
        report.overall().rate()
    } else {
        let cases = parse_cases(&source, knowledge.faq())
            .with_context(|| format!("in {}", file.display()))?;
        let report = EvalReport::run(&knowledge, &cases);
        out!("{report}");
        report.overall().rate()
    };
    if let Some(min) = min_accuracy.filter(|&min| accuracy < min) {
        eprintln!("accuracy {accuracy:.3} is below --min-accuracy {min}");
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

fn explain(path: &Path, question: &str) -> Result<ExitCode> {
    out!("{}", load(path)?.explain(question));
    Ok(ExitCode::SUCCESS)
}

fn run_bot(config: Config) -> Result<ExitCode> {
    config.require_token()?;
    crate::logging::init(&config.log_filter)?;
    let (knowledge, warnings) = KnowledgeBase::load(&config.faq_path).with_context(|| {
        "refusing to start with an invalid FAQ; fix it and run `prolobot check`"
    })?;
    if !warnings.is_empty() {
        tracing::warn!("FAQ warnings:\n{}", render(&config.faq_path, &warnings));
    }
    let store = Store::open(&config.db_path)?;
    tracing::info!(
        faq = %config.faq_path.display(),
        db = %config.db_path.display(),
        record = config.record,
        support_channels = config.support_channels.len(),
        "starting"
    );
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    runtime.block_on(prolobot::discord::run(
        config,
        knowledge,
        store,
        shutdown_signal(),
    ))?;
    tracing::info!("stopped");
    Ok(ExitCode::SUCCESS)
}

/// Completes on Ctrl-C (SIGINT) or SIGTERM.
async fn shutdown_signal() {
    let interrupt = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}

fn report(config: &Config, since_days: Option<u32>, export: Option<Export>) -> Result<ExitCode> {
    let since = since_days.map_or(0, |days| {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |elapsed| {
                i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX)
            });
        now - i64::from(days) * 86_400
    });
    let query = ReportQuery {
        since,
        ..ReportQuery::default()
    };
    let rows = Store::open(&config.db_path)?.report_rows(&query)?;
    let analyzer = Analyzer::default();
    let report = report::build(rows, &|text| analyzer.terms(text));
    match export {
        Some(Export::Csv) => report.write_csv(io::stdout().lock())?,
        None => out!(
            "{}{}",
            report.render_text(REPORT_CHARS),
            teach::report_lines(&config.faq_path, &report.unanswered)
        ),
    }
    Ok(ExitCode::SUCCESS)
}
