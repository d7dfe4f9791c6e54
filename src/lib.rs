//! prolobot: the Discord bot and its edges around [`prolobot_core`].
//!
//! The core (FAQ, matching, safety detection, reply composition) is the `prolobot-core` crate;
//! this crate does the I/O:
//! - [`store`]: the SQLite question log and votes, and the rows moderator reports are built from.
//! - [`report`]: moderator reports built from those rows (pure): grouping, text and CSV.
//! - [`config`]: every setting, from the environment, `.env` and `prolobot.toml`, parsed once.
//! - [`discord`]: the serenity/poise adapter: client, events, slash commands, hot reload, limits.
//! - [`teach`]: moderators teach the bot in `faq.toml` itself (checked, atomic, undoable).
//! - [`user_text`]: text someone typed, escaped and capped for the log.
pub mod config;
pub mod discord;
pub mod report;
pub mod store;
pub mod teach;
pub mod user_text;
