//! prolobot: answers prolotherapy questions from a curated, sourced FAQ.
//!
//! # Layout
//! The core is pure (no Discord, no async, no I/O beyond reading the FAQ file):
//! - [`faq`]: the `faq.toml` model, loading and validation with line:column diagnostics.
//! - [`text`]: normalisation and tokenisation shared by everything that compares text.
//! - [`eval`]: running labelled question sets and summarising accuracy.
//! - [`fuzzy`]: typo correction with a length-scaled edit budget (symmetric-delete index).
//! - [`matcher`]: routes a message to emergency, an answer, suggestions or no match.
//! - [`safety`]: crisis, emergency and urgent detection, read before matching and never overridden.
//! - [`reply`]: the one composer of every reply, which always appends the disclaimer.
//!
//! The edge (does I/O, calls the core; the core never imports it):
//! - [`store`]: the SQLite question log and votes, and the rows moderator reports are built from.
//! - [`report`]: moderator reports built from those rows (pure): grouping, text and CSV.
//! - [`config`]: every setting, from the environment, `.env` and `prolobot.toml`, parsed once.
//! - [`discord`]: the serenity/poise adapter: client, events, slash commands, hot reload, limits.
pub mod config;
pub mod discord;
pub mod eval;
pub mod faq;
pub mod fuzzy;
pub mod matcher;
pub mod reply;
pub mod report;
pub mod safety;
pub mod store;
pub mod text;
