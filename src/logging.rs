//! What the binary writes to stderr: the log, and the error of a command that failed.
//!
//! The log is coloured only when stderr is a terminal and `NO_COLOR` is not set (`anstream`'s
//! decision, which the console follows too), so log files and the journal get plain text. An
//! error is printed once, as one line of its causes with no cause repeated, and where the fix
//! lies outside prolobot a hint follows it: Discord cannot be reached (the network, a firewall
//! or `DISCORD_PROXY_URL`), or the database cannot be opened or written (its file and folder).
//! The token is never part of either: errors do not carry it, and the log drops the frames that
//! would. Interaction tokens, which the HTTP client traces in the paths it calls, are redacted
//! from every line ([`redact`]), and the file watcher's own traces are never written (each would
//! be an event for the watch when the log is a file in the FAQ's folder).

mod redact;

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use prolobot::config::{absolute, Config};
use rusqlite::ErrorCode;

/// Log targets whose TRACE events are never written, whatever `RUST_LOG` says: tungstenite
/// traces every websocket frame in hex, and the gateway's IDENTIFY and RESUME frames carry the
/// token.
const TOKEN_BEARING_TARGETS: [&str; 1] = ["tungstenite"];

/// Log targets whose DEBUG and TRACE events are never written: notify traces every file event it
/// reads, so a log written into the watched folder would feed itself.
const SELF_FEEDING_TARGETS: [&str; 1] = ["notify"];

/// Starts the log on stderr, at `filter` (`RUST_LOG` syntax).
pub(crate) fn init(filter: &str) -> Result<()> {
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;

    let filter = tracing_subscriber::EnvFilter::try_new(filter)
        .with_context(|| format!("RUST_LOG={filter:?} is not a valid log filter"))?;
    let written = tracing_subscriber::filter::filter_fn(|event| {
        let level = *event.level();
        let from = |targets: &[&str]| {
            targets
                .iter()
                .any(|target| event.target().starts_with(target))
        };
        !(level == tracing::Level::TRACE && from(&TOKEN_BEARING_TARGETS)
            || level >= tracing::Level::DEBUG && from(&SELF_FEEDING_TARGETS))
    });
    let colour = anstream::AutoStream::choice(&io::stderr()) != anstream::ColorChoice::Never;
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(|| RedactingStderr)
        .with_ansi(colour)
        .finish()
        .with(written)
        .init();
    Ok(())
}

/// Standard error, through [`redact::redact`]. The log formats each event whole and writes it
/// with one call, so a token is never split between two writes.
struct RedactingStderr;

impl io::Write for RedactingStderr {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        io::stderr()
            .lock()
            .write_all(redact::redact(&text).as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        io::stderr().flush()
    }
}

/// Prints `error` once: its causes on one line, then its hint, if [`Hints::attach`] gave it one.
pub(crate) fn print(error: &anyhow::Error) {
    let (cause, hint): (&(dyn std::error::Error + 'static), _) =
        match (error.downcast_ref::<Hint>(), error.chain().nth(1)) {
            (Some(hint), Some(cause)) => (cause, Some(hint)),
            _ => (error.as_ref(), None),
        };
    eprintln!("error: {}", prolobot::discord::chain(cause));
    if let Some(hint) = hint {
        eprintln!("hint: {hint}");
    }
}

/// What a hint may name about the settings a command ran with.
pub(crate) struct Hints {
    db_path: PathBuf,
    proxy: bool,
}

/// A hint on how to fix an error, attached to it as its outermost context.
#[derive(Debug)]
struct Hint(String);

impl fmt::Display for Hint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Hints {
    pub(crate) fn new(config: &Config) -> Self {
        Self {
            db_path: config.db_path.clone(),
            proxy: config.proxy_url.is_some(),
        }
    }

    /// `error`, with a hint attached when one of its causes is one the user can fix outside
    /// prolobot.
    pub(crate) fn attach(&self, error: anyhow::Error) -> anyhow::Error {
        match self.hint(&error) {
            Some(hint) => error.context(Hint(hint)),
            None => error,
        }
    }

    fn hint(&self, error: &anyhow::Error) -> Option<String> {
        error.chain().find_map(|cause| {
            if unreachable(cause) {
                return Some(self.network());
            }
            let database = cause.downcast_ref::<rusqlite::Error>()?;
            matches!(
                database.sqlite_error_code()?,
                ErrorCode::ReadOnly | ErrorCode::CannotOpen | ErrorCode::PermissionDenied
            )
            .then(|| self.database(error))
        })
    }

    fn network(&self) -> String {
        if self.proxy {
            "cannot reach Discord through the proxy in DISCORD_PROXY_URL: check that the proxy runs, that the URL is right, and the network and firewall on the way.".to_owned()
        } else {
            "cannot reach Discord: check the network connection, and that a firewall lets prolobot make HTTPS connections to discord.com and gateway.discord.gg; behind a proxy, set DISCORD_PROXY_URL.".to_owned()
        }
    }

    /// Names the database file and its folder (the file an open error names, else the
    /// configured one), both absolute.
    fn database(&self, error: &anyhow::Error) -> String {
        let named = error.chain().find_map(|cause| {
            match cause.downcast_ref::<prolobot::store::StoreError>()? {
                prolobot::store::StoreError::Open { path, .. } => Some(path.as_path()),
                _ => None,
            }
        });
        let file = absolute(named.unwrap_or(&self.db_path));
        let folder = file
            .parent()
            .map_or_else(|| file.clone(), Path::to_path_buf);
        let access = Access::probe(&file, &folder);
        database_hint(&file, &folder, access)
    }
}

/// What the user prolobot runs as may do with the database's folder and file, found by trying
/// (permissions alone do not say: ACLs, read-only mounts, root).
#[derive(Debug, Clone, Copy)]
struct Access {
    folder_exists: bool,
    /// A new file can be created in the folder (`SQLite` creates its WAL and shared-memory files
    /// there).
    folder_writable: bool,
    /// The file opens for writing; `None` when there is no file yet.
    file_writable: Option<bool>,
}

impl Access {
    fn probe(file: &Path, folder: &Path) -> Self {
        let folder_exists = folder.is_dir();
        let probe = folder.join(format!(".prolobot-write-check-{}", std::process::id()));
        let folder_writable = folder_exists
            && std::fs::File::create_new(&probe)
                .map(|_| {
                    let _ = std::fs::remove_file(&probe);
                })
                .is_ok();
        let file_writable = file
            .is_file()
            .then(|| std::fs::OpenOptions::new().write(true).open(file).is_ok());
        Self {
            folder_exists,
            folder_writable,
            file_writable,
        }
    }
}

/// The hint for a database that cannot be opened or written: which of the folder and the file
/// is the trouble, and what to do.
fn database_hint(file: &Path, folder: &Path, access: Access) -> String {
    let name = file
        .file_name()
        .map_or_else(|| "prolobot.db".into(), |name| name.to_string_lossy());
    if !access.folder_exists {
        format!(
            "the database's folder {} does not exist. Create it, or set PROLOBOT_DB to a file in a folder that exists (the file itself is created).",
            folder.display()
        )
    } else if !access.folder_writable {
        format!(
            "the database's folder {} is read-only for the user prolobot runs as. SQLite must create files beside the database ({name}-wal and {name}-shm), so the folder itself must be writable, not only the file {}. Make the folder writable for that user (e.g. chown it to them), or set PROLOBOT_DB to a file in a writable folder.",
            folder.display(),
            file.display()
        )
    } else if access.file_writable == Some(false) {
        format!(
            "the database file {} is read-only for the user prolobot runs as. Make it writable for that user (e.g. chown it to them), or set PROLOBOT_DB to another file.",
            file.display()
        )
    } else {
        format!(
            "prolobot must be able to write the database file {} and create files in its folder {} (SQLite keeps a journal beside the file). Make both writable for the user prolobot runs as, or set PROLOBOT_DB to a file in a writable folder.",
            file.display(),
            folder.display()
        )
    }
}

/// Whether `cause` says that a connection could not be made (refused, timed out, no route,
/// no name): a Discord request that never reached Discord, or such an I/O error.
fn unreachable(cause: &(dyn std::error::Error + 'static)) -> bool {
    let discord = cause.downcast_ref::<serenity::Error>().or_else(|| {
        cause
            .downcast_ref::<Box<serenity::Error>>()
            .map(|boxed| &**boxed)
    });
    if let Some(serenity::Error::Http(serenity::http::HttpError::Request(request))) = discord {
        return request.is_connect() || request.is_timeout();
    }
    cause.downcast_ref::<io::Error>().is_some_and(|io| {
        matches!(
            io.kind(),
            io::ErrorKind::ConnectionRefused
                | io::ErrorKind::ConnectionReset
                | io::ErrorKind::ConnectionAborted
                | io::ErrorKind::TimedOut
                | io::ErrorKind::HostUnreachable
                | io::ErrorKind::NetworkUnreachable
                | io::ErrorKind::AddrNotAvailable
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    use prolobot::store::StoreError;

    fn hints(db_path: &Path, proxy: bool) -> Hints {
        Hints {
            db_path: db_path.to_owned(),
            proxy,
        }
    }

    /// The error `SQLite` gives when the database's folder is read-only: opening works, the
    /// first write does not.
    fn read_only_folder() -> anyhow::Error {
        let source = rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(1544),
            Some("attempt to write a readonly database".to_owned()),
        );
        anyhow::Error::new(StoreError::Sqlite {
            action: "configure the database connection",
            source,
        })
    }

    #[test]
    fn a_read_only_folder_names_the_file_and_the_folder() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("prolobot.db");
        let error = hints(&file, false).attach(read_only_folder());
        let hint = error.downcast_ref::<Hint>().expect("a hint").to_string();
        assert!(hint.contains(&file.display().to_string()), "{hint}");
        assert!(
            hint.contains(&format!("folder {} ", dir.path().display())),
            "{hint}"
        );
        assert!(hint.contains("PROLOBOT_DB"), "{hint}");
        assert_eq!(
            error.chain().nth(1).map(ToString::to_string),
            Some("could not configure the database connection".to_owned()),
            "the error itself is unchanged under its hint"
        );
    }

    #[test]
    fn a_missing_folder_is_named_as_missing() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("no-such-folder").join("prolobot.db");
        let hint = hints(&file, false)
            .hint(&read_only_folder())
            .expect("a hint");
        assert!(
            hint.contains(&format!(
                "folder {} does not exist",
                dir.path().join("no-such-folder").display()
            )),
            "{hint}"
        );
    }

    #[test]
    fn a_read_only_folder_or_file_is_named_as_the_trouble() {
        let file = Path::new("/srv/prolobot/prolobot.db");
        let folder = Path::new("/srv/prolobot");
        let access = |folder_writable, file_writable| Access {
            folder_exists: true,
            folder_writable,
            file_writable,
        };
        let hint = database_hint(file, folder, access(false, Some(true)));
        assert!(
            hint.starts_with("the database's folder /srv/prolobot is read-only")
                && hint.contains("prolobot.db-wal and prolobot.db-shm"),
            "{hint}"
        );
        let hint = database_hint(file, folder, access(true, Some(false)));
        assert!(
            hint.starts_with("the database file /srv/prolobot/prolobot.db is read-only"),
            "{hint}"
        );
        let hint = database_hint(file, folder, access(true, None));
        assert!(hint.starts_with("prolobot must be able to write"), "{hint}");
    }

    #[test]
    fn a_refused_connection_points_at_the_network_or_the_proxy() {
        let refused = || anyhow::Error::new(io::Error::from(io::ErrorKind::ConnectionRefused));
        let direct = hints(Path::new("db"), false)
            .hint(&refused())
            .expect("a hint");
        assert!(direct.contains("firewall") && direct.contains("DISCORD_PROXY_URL"));
        let proxied = hints(Path::new("db"), true)
            .hint(&refused())
            .expect("a hint");
        assert!(proxied.contains("proxy in DISCORD_PROXY_URL"), "{proxied}");
    }

    #[test]
    fn other_errors_get_no_hint() {
        let error = anyhow::anyhow!("the FAQ is invalid");
        let error = hints(Path::new("db"), false).attach(error);
        assert!(error.downcast_ref::<Hint>().is_none());
    }
}
