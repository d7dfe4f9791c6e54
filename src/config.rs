//! Configuration: every setting the bot reads, parsed once into a typed [`Config`].
//!
//! [`SETTINGS`] is the one table of settings: their names, defaults and what they do. It feeds
//! the loader, `prolobot.toml`'s keys, `prolobot --help` ([`settings_help`]), and the README's
//! and `.env.example`'s lists (tests keep both in sync). Every command loads the settings once,
//! through [`Settings::load`]; command-line flags (`--faq`, `--db`) go on top of them.
//!
//! [`Config::from_lookup`] is the pure parser (a function from variable name to value in, a
//! `Config` or the first bad variable out). [`Settings::load`] is the thin loader around it: the
//! process environment wins over a `.env` file in the current directory, which wins over an
//! optional `prolobot.toml` there (same keys, lowercase); it remembers where each value came
//! from ([`Source`]) and warns about names that look like settings but are none
//! ([`UnknownSetting`]). Only the current directory is read: `dotenvy::dotenv()` would also
//! search parent directories and could pick up someone's real token.
//!
//! The token is a [`Token`], whose `Debug` and `Display` print `[redacted]`, and no error here ever
//! carries its value.

use std::collections::HashMap;
use std::fmt::{self, Write as _};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The optional settings file, read from the current directory.
pub const SETTINGS_FILE: &str = "prolobot.toml";

/// One setting: the variable it is read from, the value it has when that is unset or blank,
/// and what it does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Setting {
    /// The variable; `prolobot.toml` takes the same name in lowercase.
    pub name: &'static str,
    /// The value an unset setting has, as text; `None` when it then has none.
    pub default: Option<&'static str>,
    /// What it does, in a sentence or two: shown by `--help`, the README and `.env.example`.
    pub help: &'static str,
}

impl Setting {
    /// The default of the setting called `name`; `None` for a setting without one (or no setting).
    #[must_use]
    pub fn default_of(name: &str) -> Option<&'static str> {
        SETTINGS
            .iter()
            .find(|setting| setting.name == name)
            .and_then(|setting| setting.default)
    }
}

const fn setting(name: &'static str, default: Option<&'static str>, help: &'static str) -> Setting {
    Setting {
        name,
        default,
        help,
    }
}

/// Every setting the bot reads, for every command, in `.env.example`'s order: the names the
/// loader and `prolobot.toml` accept, their defaults and what they do, which `--help`, the
/// README and `.env.example` show (tests keep the last two in sync).
pub const SETTINGS: [Setting; 16] = [
    setting(
        "DISCORD_TOKEN",
        None,
        "Required for `prolobot run`: the bot token (Developer Portal, your application, Bot, Reset Token). Never printed.",
    ),
    setting(
        "DISCORD_PROXY_URL",
        None,
        "Send every REST call to this HTTP proxy (e.g. twilight-http-proxy), which then owns rate limits; serenity's own rate limiter is switched off.",
    ),
    setting(
        "PROLOBOT_FAQ",
        Some("faq.toml"),
        "The FAQ file to serve; it is watched and reloaded when it changes. `--faq` overrides it for one command.",
    ),
    setting(
        "PROLOBOT_SUPPORT_CHANNELS",
        None,
        "Comma-separated channel ids where questions are answered without mentioning the bot (Developer Mode on, then right-click the channel, Copy Channel ID).",
    ),
    setting(
        "PROLOBOT_MODERATOR_ROLES",
        None,
        "Comma-separated role ids allowed to use /faqmod; empty means anyone with Manage Server.",
    ),
    setting(
        "PROLOBOT_LOG_CHANNEL",
        None,
        "Channel id where FAQ reload results (and errors, with line:column) and safety alerts are posted.",
    ),
    setting(
        "PROLOBOT_ALERT_ROLE",
        None,
        "Role id that a safety alert pings in the log channel (crisis, emergency or urgent reports in a server; DMs are never forwarded). Empty: no alerts.",
    ),
    setting(
        "PROLOBOT_GUILD_ID",
        None,
        "Server id to register slash commands in instantly while setting up; empty registers them globally (which can take a while to show).",
    ),
    setting(
        "PROLOBOT_COOLDOWN_SECS",
        Some("10"),
        "Seconds a user waits between two replies (safety replies are always posted).",
    ),
    setting(
        "PROLOBOT_REPEAT_WINDOW_SECS",
        Some("300"),
        "Seconds within which the same answer is not auto-posted again in the same support channel.",
    ),
    setting(
        "PROLOBOT_DB",
        Some("prolobot.db"),
        "The insights database (SQLite): questions, outcomes and votes, never user ids. `--db` overrides it for one command.",
    ),
    setting(
        "PROLOBOT_RECORD",
        Some("true"),
        "Record handled questions for /faqmod stats and `prolobot report` (true or false).",
    ),
    setting(
        "PROLOBOT_RETENTION_DAYS",
        Some("90"),
        "Days recorded questions are kept; older ones are deleted at start and daily.",
    ),
    setting(
        "PROLOBOT_MESSAGE_CONTENT",
        Some("true"),
        "Request the privileged Message Content intent; false answers only mentions, DMs and slash commands.",
    ),
    setting(
        "PROLOBOT_SHARDS",
        None,
        "Run only shards FIRST-LAST of TOTAL (e.g. 0-3/8) to split a large bot across processes that share one DISCORD_PROXY_URL; empty autoshards in one process.",
    ),
    setting(
        "RUST_LOG",
        Some("info,serenity=warn"),
        "Log filter in tracing's EnvFilter syntax, e.g. info,prolobot=debug for more detail.",
    ),
];

/// The settings as `prolobot --help` lists them: where they are read from, then each name, its
/// default and what it does.
#[must_use]
pub fn settings_help() -> String {
    let options = textwrap::Options::new(100)
        .initial_indent("      ")
        .subsequent_indent("      ");
    let heading = format!(
        "Settings (read from the environment, then a .env file, then {SETTINGS_FILE} with the names in lowercase; --faq and --db go on top):\n"
    );
    SETTINGS.iter().fold(heading, |mut text, setting| {
        let default = setting
            .default
            .map_or_else(String::new, |default| format!(" [default: {default}]"));
        let help = textwrap::fill(setting.help, &options);
        let _ = writeln!(text, "  {}{default}\n{help}", setting.name);
        text
    })
}

/// Where a setting's value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A command-line flag, such as `--faq`.
    Flag(&'static str),
    /// The process environment.
    Environment,
    /// The `.env` file in the current directory.
    DotEnv,
    /// `prolobot.toml` in the current directory.
    SettingsFile,
    /// Not set anywhere: the setting's default.
    Default,
}

/// Where one setting's value came from, as a moderator reads it: "`PROLOBOT_FAQ` in .env".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Source {
    /// The setting.
    pub setting: &'static str,
    /// Where its value came from.
    pub origin: Origin,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let setting = self.setting;
        match self.origin {
            Origin::Flag(flag) => write!(f, "{flag} on the command line"),
            Origin::Environment => write!(f, "{setting} in the environment"),
            Origin::DotEnv => write!(f, "{setting} in .env"),
            Origin::SettingsFile => {
                write!(f, "{} in {SETTINGS_FILE}", setting.to_ascii_lowercase())
            }
            Origin::Default => write!(f, "the default; {setting} is not set"),
        }
    }
}

/// A name that looks like a setting but is none: a typo, most likely. It is ignored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{name} {} is not a prolobot setting, so it is ignored{}", where_found(*found_in), suggestion.map_or_else(
    || "; the settings are listed in .env.example and by `prolobot --help`".to_owned(),
    |known| format!(": did you mean {known}?"),
))]
pub struct UnknownSetting {
    /// The name as written.
    pub name: String,
    /// Where it was found: [`Origin::Environment`] or [`Origin::DotEnv`].
    pub found_in: Origin,
    /// The setting it is closest to, if one is close.
    pub suggestion: Option<&'static str>,
}

/// `path` as shown to people: absolute against the current directory (as given if that fails),
/// so a log line or a message says which file is meant.
#[must_use]
pub fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_owned())
}

fn where_found(origin: Origin) -> &'static str {
    match origin {
        Origin::DotEnv => "in .env",
        Origin::SettingsFile => "in prolobot.toml",
        _ => "in the environment",
    }
}

/// The setting a mistyped `name` probably meant: a typo of it, or the only setting it is the
/// start of or starts with (`PROLOBOT_COOLDOWN`, `PROLOBOT_FAQ_PATH`).
fn closest_setting(name: &str) -> Option<&'static str> {
    let names = || SETTINGS.iter().map(|setting| setting.name);
    prolobot_core::closest(name, names()).or_else(|| {
        let name = name.to_ascii_uppercase();
        // Longer than a prefix such as `PROLOBOT_` with a letter or two.
        let long_enough = |text: &str| text.len() > "PROLOBOT_".len() + 2;
        let mut found = names().filter(|known| {
            let shorter = if known.len() < name.len() {
                *known
            } else {
                name.as_str()
            };
            long_enough(shorter) && (name.starts_with(known) || known.starts_with(name.as_str()))
        });
        match (found.next(), found.next()) {
            (Some(only), None) => Some(only),
            _ => None,
        }
    })
}

/// The settings every command runs with: the parsed [`Config`], where each value came from, and
/// warnings about names that are not settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// The parsed settings.
    pub config: Config,
    /// Names that look like settings but are none, in the environment or `.env`.
    pub warnings: Vec<UnknownSetting>,
    origins: HashMap<&'static str, Origin>,
}

impl Settings {
    /// Reads the process environment, then `.env` and `prolobot.toml` in the current directory.
    pub fn load() -> Result<Self, ConfigError> {
        let env = std::env::vars_os().filter_map(|(name, value)| {
            Some((name.into_string().ok()?, value.into_string().ok()?))
        });
        Self::load_from(Path::new("."), env)
    }

    /// Like [`Settings::load`], with the directory and the environment's variables given.
    pub fn load_from(
        dir: &Path,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, ConfigError> {
        let layers = [
            (Origin::Environment, env.into_iter().collect()),
            (Origin::DotEnv, read_dotenv(&dir.join(".env"))?),
            (
                Origin::SettingsFile,
                read_settings_file(&dir.join(SETTINGS_FILE))?,
            ),
        ];
        let warnings = unknown_names(&layers);
        // A blank value counts as unset, in every layer.
        let find = |variable: &str| {
            layers.iter().find_map(|(origin, values)| {
                let value = values.get(variable)?;
                (!value.trim().is_empty()).then(|| (*origin, value.clone()))
            })
        };
        let config = Config::from_lookup(|variable| find(variable).map(|(_, value)| value))?;
        let origins = SETTINGS
            .iter()
            .map(|setting| {
                let origin = find(setting.name).map_or(Origin::Default, |(origin, _)| origin);
                (setting.name, origin)
            })
            .collect();
        Ok(Self {
            config,
            warnings,
            origins,
        })
    }

    /// Where the value of the setting `name` came from.
    #[must_use]
    pub fn source_of(&self, name: &'static str) -> Source {
        Source {
            setting: name,
            origin: self.origins.get(name).copied().unwrap_or(Origin::Default),
        }
    }

    /// Records that the command-line flag `flag` set the setting `name`.
    pub fn set_by_flag(&mut self, name: &'static str, flag: &'static str) {
        self.origins.insert(name, Origin::Flag(flag));
    }
}

/// The names in the environment and `.env` that look like settings but are none: every unknown
/// `PROLOBOT_` name, and in `.env` (which is ours) also unknown `DISCORD_` names and names close
/// to a setting. Other variables in the environment belong to other programs.
fn unknown_names(layers: &[(Origin, HashMap<String, String>)]) -> Vec<UnknownSetting> {
    let mut warnings: Vec<UnknownSetting> = layers
        .iter()
        .filter(|(origin, _)| matches!(origin, Origin::Environment | Origin::DotEnv))
        .flat_map(|(origin, values)| {
            values
                .keys()
                .filter(|name| !SETTINGS.iter().any(|setting| setting.name == name.as_str()))
                .filter_map(move |name| {
                    let suggestion = closest_setting(name);
                    let ours = name.starts_with("PROLOBOT_")
                        || (*origin == Origin::DotEnv
                            && (name.starts_with("DISCORD_") || suggestion.is_some()));
                    ours.then(|| UnknownSetting {
                        name: name.clone(),
                        found_in: *origin,
                        suggestion,
                    })
                })
        })
        .collect();
    warnings.sort_by(|a, b| a.name.cmp(&b.name));
    warnings
}

/// The bot token. Never printed: `Debug` and `Display` show `[redacted]`.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    /// Wraps a token.
    #[must_use]
    pub fn new(token: impl Into<String>) -> Self {
        Self(token.into())
    }

    /// The secret itself, for the one place that authenticates with it.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// What to do when `DISCORD_TOKEN` is missing, shown as the error of `prolobot run`.
pub const MISSING_TOKEN_HELP: &str = "DISCORD_TOKEN is not set, so prolobot cannot connect to Discord.
To get a token: open https://discord.com/developers/applications, choose (or create) your application, open Bot and press Reset Token, then copy it.
Put it in a file named .env in the directory you run prolobot from (a line DISCORD_TOKEN=your-token; see .env.example) or set it in the environment.
To try the bot without Discord, run `prolobot chat`: it answers questions offline.";

/// The bot's settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// `DISCORD_TOKEN`: required by `prolobot run` only.
    pub token: Option<Token>,
    /// `DISCORD_PROXY_URL`: send every REST call to this HTTP proxy (which then owns rate limits).
    pub proxy_url: Option<String>,
    /// `PROLOBOT_FAQ`: the FAQ file (default `faq.toml`).
    pub faq_path: PathBuf,
    /// `PROLOBOT_SUPPORT_CHANNELS`: channels where questions are answered without a mention.
    pub support_channels: Vec<u64>,
    /// `PROLOBOT_MODERATOR_ROLES`: roles allowed to use moderator commands; when empty, the
    /// Manage Server permission decides.
    pub moderator_roles: Vec<u64>,
    /// `PROLOBOT_LOG_CHANNEL`: where reload results and safety alerts are posted.
    pub log_channel: Option<u64>,
    /// `PROLOBOT_ALERT_ROLE`: the role a safety alert pings in the log channel; without it (or
    /// without a log channel) no alerts are sent.
    pub alert_role: Option<u64>,
    /// `PROLOBOT_GUILD_ID`: register slash commands in this server only (instant, for setting up)
    /// instead of globally.
    pub guild_id: Option<u64>,
    /// `PROLOBOT_COOLDOWN_SECS`: minimum time between two replies to the same user.
    pub cooldown: Duration,
    /// `PROLOBOT_REPEAT_WINDOW_SECS`: the same answer is not auto-posted twice in a channel
    /// within this window.
    pub repeat_window: Duration,
    /// `PROLOBOT_DB`: the insights database (default `prolobot.db`).
    pub db_path: PathBuf,
    /// `PROLOBOT_RECORD`: whether handled questions are recorded (default true).
    pub record: bool,
    /// `PROLOBOT_RETENTION_DAYS`: how long recorded questions are kept.
    pub retention_days: u32,
    /// `PROLOBOT_MESSAGE_CONTENT`: request the privileged Message Content intent (default true).
    /// Without it only mentions, DMs and slash commands are answered.
    pub message_content: bool,
    /// `PROLOBOT_SHARDS`: run only these shards (for splitting a large bot across processes);
    /// `None` autoshards in one process.
    pub shards: Option<ShardRange>,
    /// `RUST_LOG`: the tracing filter.
    pub log_filter: String,
}

/// The shards one process runs: `first..=last` of `total`, written `FIRST-LAST/TOTAL`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShardRange {
    /// The first shard id this process runs.
    pub first: u32,
    /// The last shard id this process runs.
    pub last: u32,
    /// How many shards the whole bot has, across all processes.
    pub total: u32,
}

/// A setting that could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// `DISCORD_TOKEN` is missing (only an error for `prolobot run`).
    #[error("{MISSING_TOKEN_HELP}")]
    MissingToken,
    /// A variable has a value that does not parse. Never raised for the token.
    #[error("{variable}={value:?} is not valid: expected {expected}")]
    Invalid {
        /// The variable.
        variable: &'static str,
        /// Its value.
        value: String,
        /// What would have been accepted.
        expected: &'static str,
    },
    /// A settings file exists but cannot be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A line of `.env` does not parse. The line itself is not shown: it may hold the token.
    #[error("{}{} cannot be parsed (expected NAME=value lines)", path.display(), line.map_or_else(String::new, |line| format!(" line {line}")))]
    DotEnvSyntax {
        /// The file.
        path: PathBuf,
        /// 1-based line number, when it can be found.
        line: Option<usize>,
    },
    /// `prolobot.toml` is not valid TOML. Only the position and the parser's message are shown,
    /// never the offending text, which may hold the token.
    #[error("{}:{line}:{column}: {message}", path.display())]
    TomlSyntax {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The parser's message.
        message: String,
    },
    /// `prolobot.toml` has a key the bot does not know (probably a typo). An error, not a
    /// warning as in `.env`: the file holds nothing but prolobot's settings.
    #[error("{}: unknown setting `{key}`{}", path.display(), suggestion.map_or_else(
        || "; known settings are the lowercase names in .env.example".to_owned(),
        |known| format!(": did you mean `{}`?", known.to_ascii_lowercase()),
    ))]
    UnknownKey {
        /// The file.
        path: PathBuf,
        /// The key.
        key: String,
        /// The setting it is closest to, if one is close.
        suggestion: Option<&'static str>,
    },
    /// A Discord id written as a name or a mention (`#support`, `<#123>`) or not at all a number.
    #[error("{variable}={value:?}: `{part}` is not a {kind} id. {}", id_help(part, *kind))]
    NotAnId {
        /// The variable.
        variable: &'static str,
        /// Its value.
        value: String,
        /// The part of it that is not an id.
        part: String,
        /// What the id names.
        kind: IdKind,
    },
    /// `prolobot.toml` has a value that is not a string, number, boolean or list of those.
    #[error("{}: `{key}` must be a string, a number, a boolean or a list of those", path.display())]
    UnsupportedValue {
        /// The file.
        path: PathBuf,
        /// The key.
        key: String,
    },
}

/// What a Discord id names, which says how to copy it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdKind {
    /// A channel.
    Channel,
    /// A role.
    Role,
    /// A server (guild).
    Server,
}

impl fmt::Display for IdKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Channel => "channel",
            Self::Role => "role",
            Self::Server => "server",
        })
    }
}

/// How to write the id instead of `part`.
fn id_help(part: &str, kind: IdKind) -> String {
    let digits = part
        .trim()
        .trim_start_matches(['<', '#', '@', '&'])
        .trim_end_matches('>');
    if part.trim().starts_with('<')
        && !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
    {
        return format!("Write just the number: {digits}");
    }
    let copy = match kind {
        IdKind::Channel => "right-click the channel and choose Copy Channel ID",
        IdKind::Role => "open Server Settings, Roles, right-click the role and choose Copy Role ID",
        IdKind::Server => "right-click the server's icon and choose Copy Server ID",
    };
    format!(
        "Discord ids are long numbers, such as 1234567890123456789. To copy one: in Discord open User Settings, Advanced, turn on Developer Mode; then {copy}"
    )
}

impl Config {
    /// Parses the settings from `get`, which returns a variable's value if it is set.
    /// Empty or blank values count as unset; unset settings take their default from [`SETTINGS`].
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| {
            get(name)
                .filter(|value| !value.trim().is_empty())
                .or_else(|| Setting::default_of(name).map(str::to_owned))
        };
        // A setting with a default always has a value; one without reads as empty here.
        let text = |name: &str| get(name).unwrap_or_default();
        Ok(Self {
            token: get("DISCORD_TOKEN").map(|token| Token::new(token.trim())),
            proxy_url: get("DISCORD_PROXY_URL")
                .map(|url| parse_proxy(&url))
                .transpose()?,
            faq_path: text("PROLOBOT_FAQ").into(),
            support_channels: parse_ids(
                "PROLOBOT_SUPPORT_CHANNELS",
                &text("PROLOBOT_SUPPORT_CHANNELS"),
                IdKind::Channel,
            )?,
            moderator_roles: parse_ids(
                "PROLOBOT_MODERATOR_ROLES",
                &text("PROLOBOT_MODERATOR_ROLES"),
                IdKind::Role,
            )?,
            log_channel: get("PROLOBOT_LOG_CHANNEL")
                .map(|v| parse_id("PROLOBOT_LOG_CHANNEL", &v, IdKind::Channel))
                .transpose()?,
            alert_role: get("PROLOBOT_ALERT_ROLE")
                .map(|v| parse_id("PROLOBOT_ALERT_ROLE", &v, IdKind::Role))
                .transpose()?,
            guild_id: get("PROLOBOT_GUILD_ID")
                .map(|v| parse_id("PROLOBOT_GUILD_ID", &v, IdKind::Server))
                .transpose()?,
            cooldown: parse_secs("PROLOBOT_COOLDOWN_SECS", &text("PROLOBOT_COOLDOWN_SECS"))?,
            repeat_window: parse_secs(
                "PROLOBOT_REPEAT_WINDOW_SECS",
                &text("PROLOBOT_REPEAT_WINDOW_SECS"),
            )?,
            db_path: text("PROLOBOT_DB").into(),
            record: parse_bool("PROLOBOT_RECORD", &text("PROLOBOT_RECORD"))?,
            retention_days: parse_days(
                "PROLOBOT_RETENTION_DAYS",
                &text("PROLOBOT_RETENTION_DAYS"),
            )?,
            message_content: parse_bool(
                "PROLOBOT_MESSAGE_CONTENT",
                &text("PROLOBOT_MESSAGE_CONTENT"),
            )?,
            shards: get("PROLOBOT_SHARDS")
                .map(|v| parse_shards("PROLOBOT_SHARDS", &v))
                .transpose()?,
            log_filter: text("RUST_LOG"),
        })
    }

    /// The token, or [`ConfigError::MissingToken`] with instructions.
    pub fn require_token(&self) -> Result<&Token, ConfigError> {
        self.token.as_ref().ok_or(ConfigError::MissingToken)
    }
}

fn invalid(variable: &'static str, value: &str, expected: &'static str) -> ConfigError {
    ConfigError::Invalid {
        variable,
        value: value.to_owned(),
        expected,
    }
}

fn parse_id(variable: &'static str, value: &str, kind: IdKind) -> Result<u64, ConfigError> {
    id_in(variable, value, value, kind)
}

/// `part` of the value of `variable` as an id.
fn id_in(
    variable: &'static str,
    value: &str,
    part: &str,
    kind: IdKind,
) -> Result<u64, ConfigError> {
    part.trim()
        .parse::<u64>()
        .ok()
        .filter(|&id| id > 0)
        .ok_or_else(|| ConfigError::NotAnId {
            variable,
            value: value.to_owned(),
            part: part.trim().to_owned(),
            kind,
        })
}

fn parse_ids(variable: &'static str, value: &str, kind: IdKind) -> Result<Vec<u64>, ConfigError> {
    value
        .split(',')
        .filter(|part| !part.trim().is_empty())
        .map(|part| id_in(variable, value, part, kind))
        .collect()
}

fn parse_secs(variable: &'static str, value: &str) -> Result<Duration, ConfigError> {
    value
        .trim()
        .parse::<u64>()
        .map(Duration::from_secs)
        .map_err(|_| invalid(variable, value, "a whole number of seconds"))
}

fn parse_days(variable: &'static str, value: &str) -> Result<u32, ConfigError> {
    value
        .trim()
        .parse::<u32>()
        .ok()
        .filter(|&days| days > 0)
        .ok_or_else(|| invalid(variable, value, "a whole number of days, at least 1"))
}

fn parse_shards(variable: &'static str, value: &str) -> Result<ShardRange, ConfigError> {
    let parse = || -> Option<ShardRange> {
        let (range, total) = value.trim().split_once('/')?;
        let (first, last) = range.split_once('-')?;
        let shards = ShardRange {
            first: first.trim().parse().ok()?,
            last: last.trim().parse().ok()?,
            total: total.trim().parse().ok()?,
        };
        (shards.first <= shards.last && shards.last < shards.total).then_some(shards)
    };
    parse().ok_or_else(|| {
        invalid(
            variable,
            value,
            "FIRST-LAST/TOTAL with FIRST <= LAST < TOTAL, e.g. 0-3/8",
        )
    })
}

fn parse_bool(variable: &'static str, value: &str) -> Result<bool, ConfigError> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "on" | "1" => Ok(true),
        "false" | "no" | "off" | "0" => Ok(false),
        _ => Err(invalid(variable, value, "true or false")),
    }
}

/// An `http(s)://host[:port]` URL without a trailing slash (serenity appends `/api/v10/...`).
fn parse_proxy(value: &str) -> Result<String, ConfigError> {
    let url = value.trim().trim_end_matches('/');
    let host = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"));
    match host {
        Some(host) if !host.is_empty() && !host.contains(char::is_whitespace) => Ok(url.to_owned()),
        _ => Err(invalid(
            "DISCORD_PROXY_URL",
            value,
            "an http:// or https:// URL such as http://127.0.0.1:3000",
        )),
    }
}

/// The variables set in a `.env` file; none if the file does not exist.
fn read_dotenv(path: &Path) -> Result<HashMap<String, String>, ConfigError> {
    let iter = match dotenvy::from_path_iter(path) {
        Ok(iter) => iter,
        Err(dotenvy::Error::Io(error)) if error.kind() == std::io::ErrorKind::NotFound => {
            return Ok(HashMap::new())
        }
        Err(error) => return Err(dotenv_error(path, error)),
    };
    iter.map(|item| item.map_err(|error| dotenv_error(path, error)))
        .collect()
}

/// Maps a dotenvy error without its text: a bad line may contain the token.
fn dotenv_error(path: &Path, error: dotenvy::Error) -> ConfigError {
    match error {
        dotenvy::Error::Io(source) => ConfigError::Read {
            path: path.to_owned(),
            source,
        },
        dotenvy::Error::LineParse(text, _) => ConfigError::DotEnvSyntax {
            path: path.to_owned(),
            line: line_of(path, &text),
        },
        _ => ConfigError::DotEnvSyntax {
            path: path.to_owned(),
            line: None,
        },
    }
}

/// dotenvy reports the failing line's text but not its number: find the text in the file.
fn line_of(path: &Path, text: &str) -> Option<usize> {
    let source = std::fs::read_to_string(path).ok()?;
    let at = source.find(text)?;
    Some(source[..at].matches('\n').count() + 1)
}

/// The settings in `prolobot.toml`, keyed by their uppercase variable names; none if the file
/// does not exist.
fn read_settings_file(path: &Path) -> Result<HashMap<String, String>, ConfigError> {
    let source = match std::fs::read_to_string(path) {
        Ok(source) => source,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(HashMap::new()),
        Err(source) => {
            return Err(ConfigError::Read {
                path: path.to_owned(),
                source,
            })
        }
    };
    parse_settings(path, &source)
}

/// Parses `prolobot.toml` text (pure, for tests).
fn parse_settings(path: &Path, source: &str) -> Result<HashMap<String, String>, ConfigError> {
    let table: toml::Table = source.parse().map_err(|error: toml::de::Error| {
        let (line, column) = error
            .span()
            .map_or((0, 0), |span| line_column(source, span.start));
        ConfigError::TomlSyntax {
            path: path.to_owned(),
            line,
            column,
            message: error.message().to_owned(),
        }
    })?;
    table
        .into_iter()
        .map(|(key, value)| {
            let variable = key.to_ascii_uppercase();
            let known = SETTINGS.iter().any(|setting| setting.name == variable);
            if !known || key != key.to_ascii_lowercase() {
                return Err(ConfigError::UnknownKey {
                    path: path.to_owned(),
                    suggestion: closest_setting(&variable),
                    key,
                });
            }
            let value = toml_value_text(&value).ok_or_else(|| ConfigError::UnsupportedValue {
                path: path.to_owned(),
                key,
            })?;
            Ok((variable, value))
        })
        .collect()
}

/// A TOML value as the text an environment variable would hold; lists become comma-separated.
fn toml_value_text(value: &toml::Value) -> Option<String> {
    match value {
        toml::Value::String(text) => Some(text.clone()),
        toml::Value::Integer(number) => Some(number.to_string()),
        toml::Value::Boolean(flag) => Some(flag.to_string()),
        toml::Value::Array(items) => items
            .iter()
            .map(|item| match item {
                toml::Value::Array(_) | toml::Value::Table(_) => None,
                scalar => toml_value_text(scalar),
            })
            .collect::<Option<Vec<_>>>()
            .map(|items| items.join(",")),
        _ => None,
    }
}

/// 1-based line and column (in characters) of byte `offset` in `source`.
fn line_column(source: &str, offset: usize) -> (usize, usize) {
    let before = &source[..offset.min(source.len())];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Config::from_lookup(|key| map.get(key).cloned())
    }

    #[test]
    fn defaults() {
        let config = parse(&[]).expect("empty is valid");
        assert_eq!(config.token, None);
        assert_eq!(config.faq_path, PathBuf::from("faq.toml"));
        assert_eq!(config.db_path, PathBuf::from("prolobot.db"));
        assert!(config.support_channels.is_empty() && config.moderator_roles.is_empty());
        assert_eq!(config.cooldown, Duration::from_secs(10));
        assert_eq!(config.repeat_window, Duration::from_mins(5));
        assert!(config.record);
        assert_eq!(config.retention_days, crate::store::DEFAULT_RETENTION_DAYS);
        assert!(config.message_content);
        assert_eq!(config.log_filter, "info,serenity=warn");
        assert_eq!((config.log_channel, config.guild_id), (None, None));
        assert_eq!(config.proxy_url, None);
        assert!(matches!(
            config.require_token(),
            Err(ConfigError::MissingToken)
        ));
    }

    #[test]
    fn valid_values() {
        let config = parse(&[
            ("DISCORD_TOKEN", " abc.def "),
            ("DISCORD_PROXY_URL", "http://127.0.0.1:3000/"),
            ("PROLOBOT_FAQ", "content/faq.toml"),
            ("PROLOBOT_SUPPORT_CHANNELS", "1, 2,,3 "),
            ("PROLOBOT_MODERATOR_ROLES", "42"),
            ("PROLOBOT_LOG_CHANNEL", "7"),
            ("PROLOBOT_GUILD_ID", "8"),
            ("PROLOBOT_COOLDOWN_SECS", "0"),
            ("PROLOBOT_REPEAT_WINDOW_SECS", "60"),
            ("PROLOBOT_DB", "/var/lib/prolobot.db"),
            ("PROLOBOT_RECORD", "No"),
            ("PROLOBOT_RETENTION_DAYS", "30"),
            ("PROLOBOT_MESSAGE_CONTENT", "off"),
            ("RUST_LOG", "debug"),
        ])
        .expect("valid");
        assert_eq!(config.require_token().expect("token").expose(), "abc.def");
        assert_eq!(config.proxy_url.as_deref(), Some("http://127.0.0.1:3000"));
        assert_eq!(config.faq_path, PathBuf::from("content/faq.toml"));
        assert_eq!(config.support_channels, [1, 2, 3]);
        assert_eq!(config.moderator_roles, [42]);
        assert_eq!((config.log_channel, config.guild_id), (Some(7), Some(8)));
        assert_eq!(config.cooldown, Duration::ZERO);
        assert_eq!(config.repeat_window, Duration::from_mins(1));
        assert_eq!(config.db_path, PathBuf::from("/var/lib/prolobot.db"));
        assert!(!config.record);
        assert_eq!(config.retention_days, 30);
        assert!(!config.message_content);
        assert_eq!(config.log_filter, "debug");
    }

    #[test]
    fn blank_values_count_as_unset() {
        let config =
            parse(&[("DISCORD_TOKEN", "  "), ("PROLOBOT_LOG_CHANNEL", "")]).expect("valid");
        assert_eq!((config.token, config.log_channel), (None, None));
    }

    #[test]
    fn invalid_values_name_the_variable_and_the_value() {
        let cases = [
            ("DISCORD_PROXY_URL", "127.0.0.1:3000"),
            ("DISCORD_PROXY_URL", "http://"),
            ("PROLOBOT_COOLDOWN_SECS", "10s"),
            ("PROLOBOT_REPEAT_WINDOW_SECS", "-1"),
            ("PROLOBOT_RECORD", "maybe"),
            ("PROLOBOT_RETENTION_DAYS", "0"),
            ("PROLOBOT_MESSAGE_CONTENT", "sometimes"),
            ("PROLOBOT_SHARDS", "4-2/8"),
            ("PROLOBOT_SHARDS", "0-8/8"),
            ("PROLOBOT_SHARDS", "0-3"),
        ];
        for (variable, value) in cases {
            let error = parse(&[(variable, value)]).expect_err(variable);
            let shown = error.to_string();
            assert!(
                matches!(&error, ConfigError::Invalid { variable: v, .. } if *v == variable),
                "{shown}"
            );
            assert!(shown.contains(variable) && shown.contains(value), "{shown}");
        }
    }

    #[test]
    fn an_id_written_as_a_name_or_mention_says_how_to_copy_the_id() {
        let cases = [
            (
                "PROLOBOT_SUPPORT_CHANNELS",
                "1,#support",
                "#support",
                "Copy Channel ID",
            ),
            ("PROLOBOT_LOG_CHANNEL", "0", "0", "Copy Channel ID"),
            ("PROLOBOT_MODERATOR_ROLES", "-5", "-5", "Copy Role ID"),
            ("PROLOBOT_ALERT_ROLE", "@mods", "@mods", "Copy Role ID"),
            (
                "PROLOBOT_GUILD_ID",
                "#general",
                "#general",
                "Copy Server ID",
            ),
        ];
        for (variable, value, part, how) in cases {
            let error = parse(&[(variable, value)]).expect_err(variable);
            let shown = error.to_string();
            assert!(
                matches!(&error, ConfigError::NotAnId { variable: v, part: p, .. } if *v == variable && p == part),
                "{shown}"
            );
            for needle in [variable, value, "Developer Mode", how] {
                assert!(shown.contains(needle), "{needle}: {shown}");
            }
        }
        // A channel mention holds the id: the error says which number to write.
        let shown = parse(&[("PROLOBOT_SUPPORT_CHANNELS", "<#123>")])
            .expect_err("a mention")
            .to_string();
        assert!(shown.ends_with("Write just the number: 123"), "{shown}");
    }

    #[test]
    fn a_shard_range_is_first_last_of_total() {
        let config = parse(&[("PROLOBOT_SHARDS", " 4-7/8 ")]).expect("valid");
        assert_eq!(
            config.shards,
            Some(ShardRange {
                first: 4,
                last: 7,
                total: 8
            })
        );
        assert_eq!(
            parse(&[]).expect("valid").shards,
            None,
            "autosharding by default"
        );
    }

    #[test]
    fn the_token_is_never_shown() {
        let token = Token::new("super-secret-token");
        assert_eq!(format!("{token} {token:?}"), "[redacted] [redacted]");
        let config = parse(&[("DISCORD_TOKEN", "super-secret-token")]).expect("valid");
        assert!(!format!("{config:?}").contains("super-secret"));
    }

    #[test]
    fn the_missing_token_message_says_what_to_do() {
        let shown = ConfigError::MissingToken.to_string();
        for needle in ["DISCORD_TOKEN", "Reset Token", ".env", "prolobot chat"] {
            assert!(shown.contains(needle), "{needle}: {shown}");
        }
    }

    #[test]
    fn settings_file_keys_are_the_lowercase_variables() {
        let path = Path::new("prolobot.toml");
        let parsed = parse_settings(
            path,
            "prolobot_support_channels = [1, 2]\nprolobot_record = false\nprolobot_cooldown_secs = 5\nprolobot_faq = \"x.toml\"\n",
        )
        .expect("valid");
        assert_eq!(parsed["PROLOBOT_SUPPORT_CHANNELS"], "1,2");
        assert_eq!(parsed["PROLOBOT_RECORD"], "false");
        assert_eq!(parsed["PROLOBOT_COOLDOWN_SECS"], "5");
        assert_eq!(parsed["PROLOBOT_FAQ"], "x.toml");
        for (source, key) in [
            ("prolobot_cooldown = 5", "prolobot_cooldown"),
            ("PROLOBOT_FAQ = \"x\"", "PROLOBOT_FAQ"),
        ] {
            let error = parse_settings(path, source).expect_err(source);
            assert!(
                matches!(&error, ConfigError::UnknownKey { key: k, .. } if k == key),
                "{error}"
            );
        }
        let error = parse_settings(path, "prolobot_faq = { a = 1 }").expect_err("table");
        assert!(matches!(error, ConfigError::UnsupportedValue { .. }));
    }

    #[test]
    fn settings_file_syntax_errors_hide_the_text() {
        let source = "prolobot_faq = \"faq.toml\"\ndiscord_token = \"secret-token-value\n";
        let error = parse_settings(Path::new("prolobot.toml"), source).expect_err("unterminated");
        let shown = error.to_string();
        assert!(shown.starts_with("prolobot.toml:2:"), "{shown}");
        assert!(!shown.contains("secret-token-value"), "{shown}");
    }

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
            .collect()
    }

    #[test]
    fn environment_beats_dotenv_beats_settings_file_and_each_value_knows_its_source() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(
            dir.path().join(".env"),
            "PROLOBOT_DB=from-dotenv.db\nPROLOBOT_FAQ=from-dotenv.toml\nPROLOBOT_GUILD_ID=\n",
        )
        .expect("write .env");
        std::fs::write(
            dir.path().join(SETTINGS_FILE),
            "prolobot_db = \"from-file.db\"\nprolobot_faq = \"from-file.toml\"\nprolobot_log_channel = 9\nprolobot_guild_id = 8\n",
        )
        .expect("write prolobot.toml");
        let environment = env(&[("PROLOBOT_FAQ", "from-env.toml"), ("PROLOBOT_RECORD", " ")]);
        let settings = Settings::load_from(dir.path(), environment).expect("valid");
        let config = &settings.config;
        assert_eq!(config.faq_path, PathBuf::from("from-env.toml"));
        assert_eq!(config.db_path, PathBuf::from("from-dotenv.db"));
        assert_eq!(config.log_channel, Some(9));
        // A blank value is unset in its layer, so the next layer's value counts.
        assert_eq!(config.guild_id, Some(8));
        let shown = |name| settings.source_of(name).to_string();
        assert_eq!(shown("PROLOBOT_FAQ"), "PROLOBOT_FAQ in the environment");
        assert_eq!(shown("PROLOBOT_DB"), "PROLOBOT_DB in .env");
        assert_eq!(
            shown("PROLOBOT_LOG_CHANNEL"),
            "prolobot_log_channel in prolobot.toml"
        );
        assert_eq!(
            shown("PROLOBOT_RECORD"),
            "the default; PROLOBOT_RECORD is not set"
        );
        let mut settings = settings;
        settings.set_by_flag("PROLOBOT_FAQ", "--faq");
        assert_eq!(
            settings.source_of("PROLOBOT_FAQ").to_string(),
            "--faq on the command line"
        );
    }

    #[test]
    fn unknown_names_warn_with_a_suggestion() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(
            dir.path().join(".env"),
            "PROLOBOT_SUPPORT_CHANNEL=1\nDISCORD_TOKN=x\nCOMPOSE_PROJECT_NAME=bot\n",
        )
        .expect("write .env");
        let environment = env(&[
            ("PROLOBOT_FAQQ", "x.toml"),
            ("PROLOBOT_SOMETHING_ELSE", "1"),
            ("HOME", "/root"),
        ]);
        let settings = Settings::load_from(dir.path(), environment).expect("valid");
        let shown: Vec<String> = settings.warnings.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                "DISCORD_TOKN in .env is not a prolobot setting, so it is ignored: did you mean DISCORD_TOKEN?",
                "PROLOBOT_FAQQ in the environment is not a prolobot setting, so it is ignored: did you mean PROLOBOT_FAQ?",
                "PROLOBOT_SOMETHING_ELSE in the environment is not a prolobot setting, so it is ignored; the settings are listed in .env.example and by `prolobot --help`",
                "PROLOBOT_SUPPORT_CHANNEL in .env is not a prolobot setting, so it is ignored: did you mean PROLOBOT_SUPPORT_CHANNELS?",
            ]
        );
        let error = parse_settings(Path::new("prolobot.toml"), "prolobot_suport_channels = 1")
            .expect_err("unknown key");
        assert_eq!(
            error.to_string(),
            "prolobot.toml: unknown setting `prolobot_suport_channels`: did you mean `prolobot_support_channels`?"
        );
    }

    #[test]
    fn missing_files_are_fine_and_bad_dotenv_lines_are_not_shown() {
        let dir = tempfile::tempdir().expect("temp dir");
        assert!(Settings::load_from(dir.path(), []).is_ok());
        std::fs::write(
            dir.path().join(".env"),
            "PROLOBOT_DB=x\nDISCORD_TOKEN='secret-value\n",
        )
        .expect("write .env");
        let error = Settings::load_from(dir.path(), []).expect_err("unterminated quote");
        let shown = error.to_string();
        assert!(matches!(error, ConfigError::DotEnvSyntax { .. }), "{shown}");
        assert!(!shown.contains("secret-value"), "{shown}");
    }

    /// `.env.example` as the settings table writes it: a header, then each setting's help as a
    /// comment above its default.
    fn env_example() -> String {
        let options = textwrap::Options::new(100)
            .initial_indent("# ")
            .subsequent_indent("# ");
        let header = "# prolobot settings. Copy this file to .env (which git ignores) in the directory you run\n\
             # `prolobot run` from, and fill in what you need. The environment wins over .env, and .env wins\n\
             # over an optional prolobot.toml in the same directory (same names in lowercase).\n";
        SETTINGS
            .iter()
            .fold(header.to_owned(), |mut text, setting| {
                let help = textwrap::fill(setting.help, &options);
                let default = setting.default.unwrap_or_default();
                let _ = writeln!(text, "\n{help}\n{}={default}", setting.name);
                text
            })
    }

    /// The README's settings table as the settings table writes it.
    fn readme_table() -> String {
        let heading = "| variable | default | meaning |\n|---|---|---|\n".to_owned();
        SETTINGS.iter().fold(heading, |mut table, setting| {
            let default = setting
                .default
                .map_or_else(|| "none".to_owned(), |default| format!("`{default}`"));
            let _ = writeln!(
                table,
                "| `{}` | {default} | {} |",
                setting.name, setting.help
            );
            table
        })
    }

    #[test]
    fn env_example_is_the_settings_table() {
        let path = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.env.example"));
        let example = std::fs::read_to_string(path).expect(".env.example");
        assert!(
            example == env_example(),
            ".env.example differs from SETTINGS; it should read:\n{}",
            env_example()
        );
        let values = read_dotenv(path).expect(".env.example parses");
        let config = Config::from_lookup(|key| values.get(key).cloned()).expect("valid");
        assert_eq!(config, parse(&[]).expect("defaults"));
    }

    #[test]
    fn the_readme_settings_table_is_the_settings_table() {
        let path = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"));
        let readme = std::fs::read_to_string(path).expect("README.md");
        let table: String = readme
            .lines()
            .skip_while(|line| *line != "| variable | default | meaning |")
            .take_while(|line| line.starts_with('|'))
            .flat_map(|line| [line, "\n"])
            .collect();
        assert!(
            table == readme_table(),
            "the README's settings table differs from SETTINGS; it should read:\n{}",
            readme_table()
        );
    }

    #[test]
    fn help_lists_every_setting_with_its_default() {
        let help = settings_help();
        for setting in SETTINGS {
            let line = match setting.default {
                Some(default) => format!("  {} [default: {default}]\n", setting.name),
                None => format!("  {}\n", setting.name),
            };
            assert!(help.contains(&line), "{line}: {help}");
        }
    }
}
