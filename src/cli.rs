//! Command-line interface over the library core: check, ask, chat, match, eval, explain, run,
//! report, teach (in `cli/teach.rs`), backup.

use std::io::{self, BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use prolobot::config::{absolute, settings_help, Config, Setting, Settings, SETTINGS_FILE};
use prolobot::discord::KnowledgeBase;
use prolobot::report;
use prolobot::store::{ReportQuery, Store, StoreError};
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
    /// The insights database (the help shown is set in `command()`, from the settings table).
    #[arg(long, global = true, value_name = "PATH")]
    db: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Validate a FAQ file: says which file and why that one, then every problem as
    /// path:line:column with how to fix it; exit 0 only when valid.
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
    /// Print the insights report from the question database (see --db), which must
    /// exist.
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
    /// Copy the question database (see --db) to a new file, safely while the bot runs.
    Backup {
        /// The copy to write; never overwritten if it exists.
        path: PathBuf,
    },
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
    // The settings are read once, for every command; `--faq` and `--db` go on top of them.
    let mut settings = Settings::load()?;
    for warning in &settings.warnings {
        eprintln!("warning: {warning}");
    }
    if let Some(path) = cli.faq {
        settings.config.faq_path = path;
        settings.set_by_flag("PROLOBOT_FAQ", "--faq");
    }
    if let Some(path) = cli.db {
        settings.config.db_path = path;
        settings.set_by_flag("PROLOBOT_DB", "--db");
    }
    let hints = crate::logging::Hints::new(&settings.config);
    let faq = settings.config.faq_path.as_path();
    let result = match cli.command {
        Command::Check { path } => match path {
            Some(path) => check(&path, "the path given to check"),
            None => check(faq, &settings.source_of("PROLOBOT_FAQ").to_string()),
        },
        Command::Ask { question } => ask(faq, &question.join(" ")),
        Command::Chat => crate::console::chat(&load(faq)?),
        Command::Match => match_lines(faq),
        Command::Eval { file, min_accuracy } => eval(faq, &file, min_accuracy),
        Command::Explain { question } => explain(faq, &question.join(" ")),
        Command::Run => run_bot(settings.config),
        Command::Report { since_days, export } => report(&settings, since_days, export),
        Command::Backup { path } => backup(&settings, &path),
        Command::Teach(args) => teach::run(faq, args),
    };
    result.map_err(|error| hints.attach(error))
}

/// The command line: `--faq` and `--db` name the setting they replace and its default, and
/// `--help` ends with every setting.
fn command() -> clap::Command {
    let flag_help = |what: &str, setting: &str| {
        let default = Setting::default_of(setting).unwrap_or_default();
        format!(
            "{what}, instead of the {setting} setting (environment, .env or {SETTINGS_FILE}) [default: {default}]"
        )
    };
    Cli::command()
        .mut_arg("faq", |arg| {
            arg.help(flag_help("The FAQ file", "PROLOBOT_FAQ"))
        })
        .mut_arg("db", |arg| {
            arg.help(flag_help("The insights database", "PROLOBOT_DB"))
        })
        .after_long_help(settings_help())
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
/// question's line when the file's text, `source`, holds it as written.
fn example_misses(path: &Path, source: &str, knowledge: &Knowledge) -> Vec<String> {
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

/// Checks the FAQ at `path`, which `from` says why this one (a setting, a flag, the default).
fn check(path: &Path, from: &str) -> Result<ExitCode> {
    out!("Checking {} ({from})", absolute(path).display());
    // Read once: validated, then searched for the lines of the example questions.
    let loaded = std::fs::read(path)
        .map_err(|source| LoadError::Read {
            path: path.to_owned(),
            source,
        })
        .and_then(|bytes| match Faq::from_bytes(&bytes) {
            Ok(loaded) => Ok((loaded, bytes)),
            Err(diagnostics) => Err(LoadError::Invalid {
                path: path.to_owned(),
                diagnostics,
            }),
        });
    Ok(match loaded {
        Ok((Loaded { faq, warnings }, bytes)) => {
            if !warnings.is_empty() {
                out!("{}", render(path, &warnings));
            }
            let (entries, rules) = (faq.entries().len(), faq.red_flags().rules.len());
            let source = String::from_utf8_lossy(&bytes);
            let misses = example_misses(path, &source, &Knowledge::new(faq));
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
            // Nothing is served by `check`: say what the file's state means for the bot.
            out!(
                "{}: {errors} {}, so the bot cannot use this file: fix {}, then run `prolobot check` again. Until then `prolobot run` refuses to start with it, and a bot already running keeps the version it loaded last.",
                path.display(),
                if errors == 1 { "error" } else { "errors" },
                if errors == 1 { "it" } else { "them" },
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

/// The insights database the settings name, which must exist: a command reading it in the
/// wrong directory would otherwise create an empty one and report nothing. Says which file it
/// opened, and why that one, on stderr (stdout may be a CSV export).
fn existing_database(settings: &Settings, purpose: &str) -> Result<Store> {
    let path = absolute(&settings.config.db_path);
    let source = settings.source_of("PROLOBOT_DB");
    match Store::open_existing(&path) {
        Ok(store) => {
            eprintln!("{purpose} {} ({source})", path.display());
            Ok(store)
        }
        Err(StoreError::NotFound { path }) => bail!(
            "there is no insights database at {} ({source}); nothing was created. The bot creates it when it first runs: run this command in the directory the bot runs in, or name the database with --db PATH",
            path.display()
        ),
        Err(error) => Err(error.into()),
    }
}

fn backup(settings: &Settings, target: &Path) -> Result<ExitCode> {
    let store = existing_database(settings, "Backing up the insights database")?;
    store.backup_to(target)?;
    eprintln!("Backup written to {}", absolute(target).display());
    Ok(ExitCode::SUCCESS)
}

fn report(
    settings: &Settings,
    since_days: Option<u32>,
    export: Option<Export>,
) -> Result<ExitCode> {
    let since = since_days.map_or(0, |days| {
        prolobot::store::unix_now() - i64::from(days) * 86_400
    });
    let query = ReportQuery {
        since,
        ..ReportQuery::default()
    };
    let rows =
        existing_database(settings, "Report from the insights database")?.report_rows(&query)?;
    let analyzer = Analyzer::default();
    let report = report::build(rows, &|text| analyzer.terms(text));
    match export {
        Some(Export::Csv) => report.write_csv(io::stdout().lock())?,
        None => out!(
            "{}{}",
            report.render_text(REPORT_CHARS),
            teach::report_lines(&settings.config.faq_path, &report.unanswered)
        ),
    }
    Ok(ExitCode::SUCCESS)
}
