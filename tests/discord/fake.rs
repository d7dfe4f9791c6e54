//! A loopback fake Discord that the real serenity/poise client can run against.
//!
//! [`FakeDiscord::start`] binds one ephemeral port on `127.0.0.1` and serves on it:
//! - the REST API under `/api/v10/...`: point serenity at it with
//!   `HttpBuilder::new(token).proxy(fake.base_url()).ratelimiter_disabled(true)`
//!   (with the ratelimiter on, serenity ignores the proxy and calls discord.com);
//! - the gateway websocket at `/gateway`, which `GET /api/v10/gateway` advertises.
//!
//! The harness owns:
//! - the gateway protocol: HELLO on connect, heartbeat ACKs, IDENTIFY -> READY (sequence restarts
//!   at 1), RESUME -> replay of missed dispatches + RESUMED, one monotonically increasing sequence
//!   per session, and dispatching to the newest identified (or resumed) connection;
//! - answers to the REST routes a bot needs, shaped so that serenity can parse them;
//! - a record of every REST request and gateway frame, dumped whenever a wait times out;
//! - fault injection: gateway closes, op 7, op 9, failing or slow REST routes.
//!
//! Every payload the fake produces is checked against serenity's own models. A dispatch that
//! serenity would silently drop as `Event::Unknown` panics in the test that sends it; an
//! unparsable REST answer is recorded as a harness error, answered with a 500, and makes the
//! [`FakeDiscord`] panic when dropped.
//!
//! Recorded REST paths drop the `/api/v10` prefix (`/channels/1/messages`); requests outside that
//! prefix keep their full path and get a 404, so a wrong API version shows up in the dump.

// The harness serves several test modules; each one uses only part of it.
#![allow(dead_code)]

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::ws::{CloseFrame, Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use serenity::model::application::{Command, Interaction};
use serenity::model::channel::{Channel, Message};
use serenity::model::event::{Event, GatewayEvent};
use serenity::model::gateway::{BotGateway, Gateway, Ready};
use serenity::model::user::CurrentUser;
use serenity::model::Timestamp;
use tokio::sync::{mpsc, watch};

/// Default time the waiting helpers give the bot before panicking with a traffic dump.
pub const TIMEOUT: Duration = Duration::from_secs(5);

const API_PREFIX: &str = "/api/v10";
/// 45 s: no heartbeat happens during a short test.
const HEARTBEAT_INTERVAL_MS: u64 = 45_000;
/// How long a closing connection keeps reading so that close frames get flushed.
const CLOSE_DRAIN: Duration = Duration::from_secs(1);
/// The app's permissions in interactions, and a member's by default: view channel, send messages,
/// embed links, read message history, use application commands (no Manage Server).
const PERMISSIONS: u64 = 2_147_568_640;

static NEXT_ID: AtomicU64 = AtomicU64::new(1_300_000_000_000_000_000);

/// A fresh snowflake, unique within the test binary.
pub fn next_id() -> u64 {
    NEXT_ID.fetch_add(1, Ordering::Relaxed)
}

/// The loopback fake Discord. Dropping it stops the server.
pub struct FakeDiscord {
    shared: Arc<Shared>,
    server: tokio::task::JoinHandle<()>,
}

impl FakeDiscord {
    /// The bot user's id (READY, `GET /users/@me`, author of every message the bot creates).
    pub const BOT_ID: u64 = 100_000_000_000_000_001;
    /// The application id (READY, `GET /oauth2/applications/@me`). Deliberately not
    /// [`Self::BOT_ID`], so that code mixing the two up fails.
    pub const APP_ID: u64 = 100_000_000_000_000_002;
    /// Default guild of [`MessageSpec::guild`] and [`InteractionSpec::guild`].
    pub const GUILD_ID: u64 = 200_000_000_000_000_001;
    /// Default guild text channel.
    pub const CHANNEL_ID: u64 = 300_000_000_000_000_001;
    /// Default DM channel (between [`Self::USER_ID`] and the bot).
    pub const DM_CHANNEL_ID: u64 = 300_000_000_000_000_002;
    /// Default human user.
    pub const USER_ID: u64 = 400_000_000_000_000_001;

    /// Binds `127.0.0.1:0` and starts serving REST and the gateway on that port.
    pub async fn start() -> FakeDiscord {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let port = listener.local_addr().expect("local address").port();
        let shared = Arc::new(Shared::new(port));
        let app = Router::new()
            .route("/gateway", get(gateway_upgrade))
            .fallback(rest)
            .with_state(Arc::clone(&shared));
        let server = tokio::spawn(async move {
            axum::serve(listener, app)
                .await
                .expect("fake Discord server");
        });
        FakeDiscord { shared, server }
    }

    /// `http://127.0.0.1:PORT`, for `HttpBuilder::proxy`.
    pub fn base_url(&self) -> String {
        self.shared.base_url.clone()
    }

    /// `ws://127.0.0.1:PORT/gateway`, what `GET /gateway` answers.
    pub fn gateway_url(&self) -> String {
        self.shared.gateway_url.clone()
    }

    // ----- dispatching events -----

    /// Validates `d` as the payload of the dispatch `event_name` (panics if serenity would reject
    /// it or drop it as `Event::Unknown`), waits up to [`TIMEOUT`] for an identified connection
    /// and sends it there with the next sequence number.
    pub async fn dispatch(&self, event_name: &str, d: Value) {
        if let Err(why) = validate_dispatch(event_name, &d) {
            panic!("fake Discord refuses to send an invalid {event_name}: {why}\npayload: {d:#}");
        }
        self.wait_connected(TIMEOUT).await;
        self.shared.update(|inner| inner.dispatch(event_name, d));
    }

    /// Dispatches `MESSAGE_CREATE` built from `spec` and returns the new message's id.
    pub async fn send_message(&self, spec: MessageSpec) -> u64 {
        let id = next_id();
        let payload = self.shared.update(|inner| {
            let referenced = spec.reply_to.and_then(|m| inner.messages.get(&m).cloned());
            let payload = spec.to_payload(id, referenced);
            inner.messages.insert(id, payload.clone());
            // A channel declared a thread stays one.
            inner
                .channels
                .entry(spec.channel_id)
                .or_insert_with(|| spec.channel_kind());
            payload
        });
        self.dispatch("MESSAGE_CREATE", payload).await;
        id
    }

    /// Dispatches `INTERACTION_CREATE` with the raw `payload` (see [`InteractionSpec`]) and
    /// returns its id and token, from which the callback and webhook paths follow.
    pub async fn send_interaction(&self, payload: Value) -> SentInteraction {
        let sent = SentInteraction {
            id: id_field(&payload["id"]).expect("interaction payload needs an id"),
            token: payload["token"]
                .as_str()
                .expect("interaction payload needs a token")
                .to_owned(),
        };
        let channel_id = id_field(&payload["channel_id"]).expect("interaction needs a channel_id");
        let kind = match id_field(&payload["guild_id"]) {
            Some(guild_id) => ChannelKind::Guild(guild_id),
            None => ChannelKind::Dm {
                recipient: id_field(&payload["user"]["id"]).unwrap_or(FakeDiscord::USER_ID),
            },
        };
        self.shared.update(|inner| {
            inner.channels.insert(channel_id, kind);
            inner
                .interaction_channels
                .insert(sent.token.clone(), channel_id);
        });
        self.dispatch("INTERACTION_CREATE", payload).await;
        sent
    }

    // ----- waiting and observing -----

    /// Waits until the bot is up: a shard identified (or resumed) on a live connection and the
    /// fake answered a command registration (`PUT /applications/{app}/commands` or
    /// `PUT /applications/{app}/guilds/{guild}/commands`) with a 2xx.
    pub async fn wait_ready(&self) {
        let ready = self
            .shared
            .wait_until(TIMEOUT, |inner| {
                let registered = inner.requests.iter().any(|r| {
                    r.method == "PUT" && is_command_registration(&r.path) && r.succeeded()
                });
                (registered && inner.live.is_some()).then_some(())
            })
            .await;
        if ready.is_none() {
            self.fail(&format!(
                "bot not ready within {TIMEOUT:?} (no shard identified or no commands registered)"
            ));
        }
    }

    /// Waits until a shard is identified or resumed on a live connection, the connection that
    /// dispatches go to. Use a longer `timeout` after a non-resumable op 9: serenity then
    /// re-identifies only after about 5 s.
    pub async fn wait_connected(&self, timeout: Duration) {
        let live = self
            .shared
            .wait_until(timeout, |inner| inner.live.as_ref().map(|_| ()))
            .await;
        if live.is_none() {
            self.fail(&format!(
                "no shard identified or resumed within {timeout:?}"
            ));
        }
    }

    /// Every REST request so far, in arrival order, including ones still being answered
    /// (`status: None`).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.lock().requests.clone()
    }

    /// Every gateway frame sent or received so far, plus connection notes.
    pub fn gateway_frames(&self) -> Vec<GatewayFrame> {
        self.shared.lock().gateway.clone()
    }

    /// Waits for the first answered REST request, among all recorded so far and those to come,
    /// that matches `pred`. Panics with a traffic dump after `timeout`.
    pub async fn wait_for_request(
        &self,
        pred: impl Fn(&RecordedRequest) -> bool,
        timeout: Duration,
    ) -> RecordedRequest {
        self.wait_for_arrival(|r| r.status.is_some() && pred(r), timeout)
            .await
    }

    /// Waits for the first REST request matching `pred` to arrive, answered or not (a delayed
    /// one is still `status: None`). Panics with a traffic dump after `timeout`.
    pub async fn wait_for_arrival(
        &self,
        pred: impl Fn(&RecordedRequest) -> bool,
        timeout: Duration,
    ) -> RecordedRequest {
        let found = self
            .shared
            .wait_until(timeout, |inner| {
                inner.requests.iter().find(|r| pred(r)).cloned()
            })
            .await;
        found.unwrap_or_else(|| self.fail(&format!("no matching REST request within {timeout:?}")))
    }

    /// Number of REST requests recorded so far: the `since` of [`FakeDiscord::wait_for_requests`].
    pub fn request_count(&self) -> usize {
        self.shared.lock().requests.len()
    }

    /// Waits until at least `count` answered REST requests, among those recorded from index
    /// `since` on (see [`FakeDiscord::request_count`]), match `pred`, and returns them in arrival
    /// order. The check runs under the fake's lock after every change, so keep `pred` cheap.
    /// Panics with a traffic dump after `timeout`.
    pub async fn wait_for_requests(
        &self,
        since: usize,
        pred: impl Fn(&RecordedRequest) -> bool,
        count: usize,
        timeout: Duration,
    ) -> Vec<RecordedRequest> {
        let matching = |requests: &[RecordedRequest]| -> Vec<RecordedRequest> {
            requests[since.min(requests.len())..]
                .iter()
                .filter(|r| r.status.is_some() && pred(r))
                .cloned()
                .collect()
        };
        let found = self
            .shared
            .wait_until(timeout, |inner| {
                let seen = inner.requests[since.min(inner.requests.len())..]
                    .iter()
                    .filter(|r| r.status.is_some() && pred(r))
                    .count();
                (seen >= count).then(|| matching(&inner.requests))
            })
            .await;
        found.unwrap_or_else(|| {
            let seen = matching(&self.requests()).len();
            self.fail(&format!(
                "only {seen} of {count} matching REST requests within {timeout:?}"
            ))
        })
    }

    /// Panics (with a traffic dump) if a REST request matching `pred` arrives within `within`.
    /// Only requests arriving after the call count.
    pub async fn assert_no_request(
        &self,
        pred: impl Fn(&RecordedRequest) -> bool,
        within: Duration,
    ) {
        let start = self.shared.lock().requests.len();
        let found = self
            .shared
            .wait_until(within, |inner| {
                inner.requests[start..].iter().find(|r| pred(r)).cloned()
            })
            .await;
        if let Some(request) = found {
            self.fail(&format!("unexpected REST request: {}", request.summary()));
        }
    }

    /// A message the fake knows: dispatched by the harness or created by the bot over REST
    /// (as last edited).
    pub fn message(&self, id: u64) -> Option<Value> {
        self.shared.lock().messages.get(&id).cloned()
    }

    /// The original response message of an interaction, once the bot sent one (callback type 4
    /// or 5, possibly edited through the webhook).
    pub fn original_response(&self, token: &str) -> Option<Value> {
        self.shared.lock().originals.get(token).cloned()
    }

    /// Number of IDENTIFY (op 2) frames received.
    pub fn identify_count(&self) -> usize {
        self.shared.lock().identify_count
    }

    /// Number of RESUME (op 6) frames received.
    pub fn resume_count(&self) -> usize {
        self.shared.lock().resume_count
    }

    /// Number of websocket connections accepted.
    pub fn connection_count(&self) -> usize {
        self.shared.lock().connections
    }

    /// Everything recorded, in time order, for failure messages.
    pub fn dump(&self) -> String {
        self.shared.lock().dump()
    }

    // ----- fault injection -----

    /// Closes the live connection with close `code`; 1006 drops the TCP connection without a close
    /// frame. Later dispatches wait for the bot to connect again.
    pub async fn close_gateway(&self, code: u16) {
        let outgoing = if code == 1006 {
            Outgoing::Drop
        } else {
            Outgoing::Close(code)
        };
        self.take_live(outgoing).await;
    }

    /// From now on closes every new gateway connection with close `code` right after HELLO
    /// (`None` stops it), as a gateway in trouble may.
    pub fn close_after_hello(&self, code: Option<u16>) {
        self.shared.update(|inner| inner.close_after_hello = code);
    }

    /// Sends op 7 RECONNECT on the live connection; later dispatches wait for the bot to connect
    /// again (serenity resumes on a new connection).
    pub async fn send_reconnect(&self) {
        self.take_live(Outgoing::Frame(json!({"op": 7, "d": null})))
            .await;
    }

    /// Sends op 9 INVALID SESSION on the live connection. If not `resumable`, the session is
    /// forgotten: serenity re-identifies, about 5 s later.
    pub async fn send_invalid_session(&self, resumable: bool) {
        self.take_live(Outgoing::Frame(json!({"op": 9, "d": resumable})))
            .await;
        if !resumable {
            self.shared.update(|inner| inner.session_id = None);
        }
    }

    /// Makes `thread` a public thread (e.g. a forum post) of the channel `parent`, as
    /// `GET /channels/{thread}` then reports it.
    pub fn add_thread(&self, thread: u64, parent: u64) {
        let kind = ChannelKind::Thread {
            guild_id: Self::GUILD_ID,
            parent,
        };
        self.shared.update(|inner| {
            inner.channels.insert(thread, kind);
        });
    }

    /// Answers the next `times` requests with `method` whose path (with or without `/api/v10`)
    /// starts with `path_prefix` with an error `status`: 429 comes with Discord's rate-limit
    /// headers and body, 403 with code 50013 (Missing Permissions).
    pub fn fail_next(&self, method: &str, path_prefix: &str, status: u16, times: usize) {
        self.add_rule(method, path_prefix, Fault::Fail(status), times);
    }

    /// Holds the next `times` matching requests for `delay` before answering them.
    pub fn delay_next(&self, method: &str, path_prefix: &str, delay: Duration, times: usize) {
        self.add_rule(method, path_prefix, Fault::Delay(delay), times);
    }

    fn add_rule(&self, method: &str, path_prefix: &str, fault: Fault, times: usize) {
        let prefix = path_prefix
            .strip_prefix(API_PREFIX)
            .unwrap_or(path_prefix)
            .to_owned();
        let method = method.to_ascii_uppercase();
        self.shared.update(|inner| {
            inner.rules.push(FaultRule {
                method,
                prefix,
                fault,
                remaining: times,
            });
        });
    }

    /// Waits for a live connection, hands it `outgoing` and forgets it, so that later dispatches
    /// wait for the bot's next connection.
    async fn take_live(&self, outgoing: Outgoing) {
        self.wait_connected(TIMEOUT).await;
        let live = self.shared.update(|inner| inner.live.take());
        if let Some(live) = live {
            // The connection may have ended meanwhile; then there is nothing to close.
            let _ = live.tx.send(outgoing);
        }
    }

    fn fail(&self, what: &str) -> ! {
        panic!("{what}\n{}", self.dump())
    }
}

impl Drop for FakeDiscord {
    fn drop(&mut self) {
        self.server.abort();
        let inner = self.shared.lock();
        assert!(
            inner.errors.is_empty() || std::thread::panicking(),
            "fake Discord harness errors: {:#?}\n{}",
            inner.errors,
            inner.dump()
        );
    }
}

// ===== payload builders =====

/// A message from someone else, dispatched with [`FakeDiscord::send_message`].
#[derive(Clone, Debug)]
pub struct MessageSpec {
    /// Channel the message is posted in.
    pub channel_id: u64,
    /// `Some` for a guild message, `None` for a DM.
    pub guild_id: Option<u64>,
    /// Author's user id.
    pub author_id: u64,
    /// Whether the author is a bot.
    pub author_is_bot: bool,
    /// Set for a message posted by a webhook.
    pub webhook_id: Option<u64>,
    /// Message text.
    pub content: String,
    /// Ids of the users mentioned (`FakeDiscord::BOT_ID` mentions the bot).
    pub mentions: Vec<u64>,
    /// Whether the message mentions @everyone.
    pub mention_everyone: bool,
    /// Id of the message this one replies to (the fake attaches it if it knows it).
    pub reply_to: Option<u64>,
}

impl MessageSpec {
    /// A message from [`FakeDiscord::USER_ID`] in [`FakeDiscord::CHANNEL_ID`] of
    /// [`FakeDiscord::GUILD_ID`].
    pub fn guild(content: &str) -> MessageSpec {
        MessageSpec {
            channel_id: FakeDiscord::CHANNEL_ID,
            guild_id: Some(FakeDiscord::GUILD_ID),
            author_id: FakeDiscord::USER_ID,
            author_is_bot: false,
            webhook_id: None,
            content: content.to_owned(),
            mentions: Vec::new(),
            mention_everyone: false,
            reply_to: None,
        }
    }

    /// A message from [`FakeDiscord::USER_ID`] that mentions the bot (`<@bot> text`), in guild
    /// channel `channel_id` of [`FakeDiscord::GUILD_ID`].
    pub fn mention(channel_id: u64, text: &str) -> MessageSpec {
        MessageSpec {
            channel_id,
            mentions: vec![FakeDiscord::BOT_ID],
            ..MessageSpec::guild(&format!("<@{}> {text}", FakeDiscord::BOT_ID))
        }
    }

    /// A DM from [`FakeDiscord::USER_ID`] in [`FakeDiscord::DM_CHANNEL_ID`].
    pub fn dm(content: &str) -> MessageSpec {
        MessageSpec {
            channel_id: FakeDiscord::DM_CHANNEL_ID,
            guild_id: None,
            ..MessageSpec::guild(content)
        }
    }

    /// The `MESSAGE_CREATE` payload for message `id`; `referenced` is the replied-to message.
    pub fn to_payload(&self, id: u64, referenced: Option<Value>) -> Value {
        let mentions: Vec<Value> = self
            .mentions
            .iter()
            .map(|&u| user_json(u, u == FakeDiscord::BOT_ID))
            .collect();
        let mut d = json!({
            "id": id.to_string(),
            "channel_id": self.channel_id.to_string(),
            "author": user_json(self.author_id, self.author_is_bot),
            "content": self.content,
            "timestamp": now(),
            "edited_timestamp": null,
            "tts": false,
            "mention_everyone": self.mention_everyone,
            "mentions": mentions,
            "mention_roles": [],
            "attachments": [],
            "embeds": [],
            "components": [],
            "pinned": false,
            "type": if self.reply_to.is_some() { 19 } else { 0 },
            "flags": 0,
        });
        if let Some(guild_id) = self.guild_id {
            d["guild_id"] = json!(guild_id.to_string());
            if self.webhook_id.is_none() {
                d["member"] = json!({
                    "roles": [], "joined_at": now(), "deaf": false, "mute": false, "flags": 0,
                });
            }
        }
        if let Some(webhook_id) = self.webhook_id {
            d["webhook_id"] = json!(webhook_id.to_string());
        }
        if let Some(reply_to) = self.reply_to {
            d["message_reference"] = json!({
                "type": 0,
                "message_id": reply_to.to_string(),
                "channel_id": self.channel_id.to_string(),
                "guild_id": self.guild_id.map(|g| g.to_string()),
            });
            d["referenced_message"] = referenced.unwrap_or(Value::Null);
        }
        d
    }

    fn channel_kind(&self) -> ChannelKind {
        self.guild_id.map_or(
            ChannelKind::Dm {
                recipient: self.author_id,
            },
            ChannelKind::Guild,
        )
    }
}

/// Who invokes an interaction, and where. Builds `INTERACTION_CREATE` payloads for
/// [`FakeDiscord::send_interaction`].
#[derive(Clone, Debug)]
pub struct InteractionSpec {
    /// Invoking user.
    pub user_id: u64,
    /// Channel of the interaction.
    pub channel_id: u64,
    /// `Some` in a guild (the user is then a member), `None` in a DM.
    pub guild_id: Option<u64>,
    /// The member's role ids (guild only).
    pub roles: Vec<u64>,
    /// The member's permissions in the channel as Discord computed them (guild only); by
    /// default those of an ordinary member, see [`InteractionSpec::MANAGE_GUILD`].
    pub permissions: u64,
}

impl InteractionSpec {
    /// The Manage Server permission bit.
    pub const MANAGE_GUILD: u64 = 1 << 5;
    /// The Administrator permission bit.
    pub const ADMINISTRATOR: u64 = 1 << 3;

    /// [`FakeDiscord::USER_ID`] in [`FakeDiscord::CHANNEL_ID`] of [`FakeDiscord::GUILD_ID`],
    /// without roles, with an ordinary member's permissions.
    pub fn guild() -> InteractionSpec {
        InteractionSpec {
            user_id: FakeDiscord::USER_ID,
            channel_id: FakeDiscord::CHANNEL_ID,
            guild_id: Some(FakeDiscord::GUILD_ID),
            roles: Vec::new(),
            permissions: PERMISSIONS,
        }
    }

    /// [`FakeDiscord::USER_ID`] in [`FakeDiscord::DM_CHANNEL_ID`].
    pub fn dm() -> InteractionSpec {
        InteractionSpec {
            channel_id: FakeDiscord::DM_CHANNEL_ID,
            guild_id: None,
            ..InteractionSpec::guild()
        }
    }

    /// A chat-input (slash) command `name` with `options`, Discord's option array, e.g.
    /// `json!([{"name": "question", "type": 3, "value": "what is it"}])`.
    pub fn slash_command(&self, name: &str, options: Value) -> Value {
        self.payload(2, command_data(name, options))
    }

    /// An autocomplete request for command `name`; mark the option being typed with
    /// `"focused": true`.
    pub fn autocomplete(&self, name: &str, options: Value) -> Value {
        self.payload(4, command_data(name, options))
    }

    /// A click on the button `custom_id` of `message` (a full message object, e.g.
    /// [`FakeDiscord::message`] or a recorded REST response).
    pub fn component_click(&self, custom_id: &str, message: &Value) -> Value {
        let mut payload = self.payload(3, json!({"custom_id": custom_id, "component_type": 2}));
        payload["message"] = message.clone();
        payload
    }

    fn payload(&self, kind: u8, data: Value) -> Value {
        let id = next_id();
        let mut payload = json!({
            "type": kind,
            "id": id.to_string(),
            "application_id": FakeDiscord::APP_ID.to_string(),
            "token": format!("fake-interaction-token-{id}"),
            "version": 1,
            "channel_id": self.channel_id.to_string(),
            "locale": "en-US",
            "app_permissions": PERMISSIONS.to_string(),
            "entitlements": [],
            "authorizing_integration_owners": {},
            "attachment_size_limit": 26_214_400,
        });
        payload["data"] = data;
        let user = user_json(self.user_id, false);
        if let Some(guild_id) = self.guild_id {
            let roles: Vec<String> = self.roles.iter().map(u64::to_string).collect();
            payload["guild_id"] = json!(guild_id.to_string());
            payload["guild_locale"] = json!("en-US");
            payload["context"] = json!(0);
            payload["member"] = json!({
                "user": user, "roles": roles, "joined_at": now(), "deaf": false, "mute": false,
                "flags": 0, "pending": false, "permissions": self.permissions.to_string(),
            });
        } else {
            payload["context"] = json!(1);
            payload["user"] = user;
        }
        payload
    }
}

/// The `data` of a chat-input command interaction.
fn command_data(name: &str, options: Value) -> Value {
    let mut data = json!({"id": next_id().to_string(), "name": name, "type": 1});
    data["options"] = options;
    data
}

/// An interaction the harness dispatched.
#[derive(Clone, Debug)]
pub struct SentInteraction {
    /// Interaction id.
    pub id: u64,
    /// Interaction token.
    pub token: String,
}

impl SentInteraction {
    /// `/interactions/{id}/{token}/callback`, where the bot's initial response goes.
    pub fn callback_path(&self) -> String {
        format!("/interactions/{}/{}/callback", self.id, self.token)
    }

    /// `/webhooks/{app}/{token}`, the prefix of follow-ups and of `@original` edits.
    pub fn webhook_path(&self) -> String {
        format!("/webhooks/{}/{}", FakeDiscord::APP_ID, self.token)
    }
}

/// Checks `d` as the payload of dispatch `event_name` the way serenity's shard parses it.
/// Errors if serenity rejects it or would drop it as `Event::Unknown` (the error then names the
/// offending field for the common events).
pub fn validate_dispatch(event_name: &str, d: &Value) -> Result<(), String> {
    let frame = json!({"op": 0, "t": event_name, "s": 1, "d": d});
    match serde_json::from_value::<GatewayEvent>(frame) {
        Ok(GatewayEvent::Dispatch(_, Event::Unknown(_))) => Err(format!(
            "serenity parses it as Event::Unknown and would drop it silently: {}",
            explain_unknown(event_name, d)
        )),
        Ok(_) => Ok(()),
        Err(why) => Err(why.to_string()),
    }
}

/// Why a known event's payload fell through to `Event::Unknown`.
fn explain_unknown(event_name: &str, d: &Value) -> String {
    let typed = match event_name {
        "MESSAGE_CREATE" | "MESSAGE_UPDATE" => parse_as::<Message>(d),
        "INTERACTION_CREATE" => parse_as::<Interaction>(d),
        "READY" => parse_as::<Ready>(d),
        _ => Err("unknown event name or unparsable payload".to_owned()),
    };
    typed
        .err()
        .unwrap_or_else(|| "payload parses on its own".to_owned())
}

fn parse_as<T: DeserializeOwned>(value: &Value) -> Result<(), String> {
    serde_json::from_value::<T>(value.clone())
        .map(|_| ())
        .map_err(|why| why.to_string())
}

/// Discord's user object; the bot is always called `prolobot`.
fn user_json(id: u64, bot: bool) -> Value {
    let username = if id == FakeDiscord::BOT_ID {
        "prolobot".to_owned()
    } else {
        format!("user-{id}")
    };
    json!({
        "id": id.to_string(), "username": username, "discriminator": "0", "global_name": null,
        "avatar": null, "bot": bot,
    })
}

fn now() -> String {
    Timestamp::now().to_string()
}

/// A snowflake given as a JSON string or number.
fn id_field(value: &Value) -> Option<u64> {
    value
        .as_str()
        .and_then(|s| s.parse().ok())
        .or_else(|| value.as_u64())
}

// ===== recorded traffic =====

/// One REST request the bot made, as the fake saw and answered it.
#[derive(Clone, Debug)]
pub struct RecordedRequest {
    /// Arrival time since the fake started.
    pub at: Duration,
    /// `GET`, `POST`, ...
    pub method: String,
    /// Path without the `/api/v10` prefix, e.g. `/channels/1/messages`.
    pub path: String,
    /// Raw query string, if any (serenity writes `?&key=value`).
    pub query: Option<String>,
    /// All request headers, names in lower case.
    pub headers: Vec<(String, String)>,
    /// The JSON body; for multipart requests the `payload_json` part; non-JSON text as a string.
    pub body: Option<Value>,
    /// File names of multipart attachments.
    pub files: Vec<String>,
    /// Status the fake answered, `None` while the answer is pending (e.g. delayed).
    pub status: Option<u16>,
    /// JSON body the fake answered with.
    pub response: Option<Value>,
}

impl RecordedRequest {
    /// Whether this is `method` on exactly `path` (given without `/api/v10`).
    pub fn is(&self, method: &str, path: &str) -> bool {
        self.method.eq_ignore_ascii_case(method) && self.path == path
    }

    /// Whether the fake answered with a 2xx.
    pub fn succeeded(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }

    /// The body value at a JSON `pointer` such as `/content` or `/data/content`.
    pub fn json(&self, pointer: &str) -> Option<&Value> {
        self.body.as_ref()?.pointer(pointer)
    }

    /// Value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn summary(&self) -> String {
        let status = self
            .status
            .map_or_else(|| "pending".to_owned(), |s| s.to_string());
        let query = self
            .query
            .as_deref()
            .map(|q| format!("?{q}"))
            .unwrap_or_default();
        let mut line = format!("{} {}{query} -> {status}", self.method, self.path);
        if let Some(body) = &self.body {
            let _ = write!(line, "\n      body: {}", clip(&body.to_string()));
        }
        if !self.files.is_empty() {
            let _ = write!(line, "\n      files: {:?}", self.files);
        }
        if let Some(response) = &self.response {
            let _ = write!(line, "\n      answer: {}", clip(&response.to_string()));
        }
        line
    }
}

/// One gateway frame, or a connection event.
#[derive(Clone, Debug)]
pub struct GatewayFrame {
    /// Time since the fake started.
    pub at: Duration,
    /// Connection number, from 1.
    pub connection: u64,
    /// Direction of the frame.
    pub direction: Direction,
    /// The frame (or a note such as `{"connected": "v=10"}`, `{"close": 4000}`).
    pub payload: Value,
}

/// Direction of a [`GatewayFrame`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// Sent by the fake to the bot.
    ToBot,
    /// Sent by the bot.
    FromBot,
    /// A connection event noted by the fake.
    Note,
}

fn clip(text: &str) -> String {
    const MAX: usize = 600;
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text.to_owned(),
    }
}

// ===== shared state =====

struct Shared {
    base_url: String,
    gateway_url: String,
    started: Instant,
    inner: Mutex<Inner>,
    /// Bumped after every change, so waiters re-check their condition.
    changed: watch::Sender<u64>,
}

#[derive(Default)]
struct Inner {
    requests: Vec<RecordedRequest>,
    gateway: Vec<GatewayFrame>,
    rules: Vec<FaultRule>,
    /// The connection dispatches go to: the newest one that identified or resumed.
    live: Option<Live>,
    session_id: Option<String>,
    seq: u64,
    /// Dispatches of the current session, replayed on RESUME.
    backlog: Vec<Value>,
    connections: usize,
    /// Close code for every new connection right after HELLO, see [`FakeDiscord::close_after_hello`].
    close_after_hello: Option<u16>,
    identify_count: usize,
    resume_count: usize,
    messages: HashMap<u64, Value>,
    /// Channels seen so far; unknown ones are text channels of [`FakeDiscord::GUILD_ID`].
    channels: HashMap<u64, ChannelKind>,
    /// Interaction token -> channel.
    interaction_channels: HashMap<String, u64>,
    /// Interaction token -> original response message.
    originals: HashMap<String, Value>,
    errors: Vec<String>,
}

struct Live {
    connection: u64,
    tx: mpsc::UnboundedSender<Outgoing>,
}

#[derive(Clone, Copy)]
enum ChannelKind {
    /// A text channel in this guild.
    Guild(u64),
    /// A public thread (a forum post, or a thread off a message) of this guild's `parent` channel.
    Thread { guild_id: u64, parent: u64 },
    /// A DM with this user.
    Dm { recipient: u64 },
}

impl ChannelKind {
    fn guild_id(self) -> Option<u64> {
        match self {
            ChannelKind::Guild(guild_id) | ChannelKind::Thread { guild_id, .. } => Some(guild_id),
            ChannelKind::Dm { .. } => None,
        }
    }
}

enum Outgoing {
    Frame(Value),
    Close(u16),
    Drop,
}

struct FaultRule {
    method: String,
    prefix: String,
    fault: Fault,
    remaining: usize,
}

#[derive(Clone, Copy)]
enum Fault {
    Fail(u16),
    Delay(Duration),
}

impl Shared {
    fn new(port: u16) -> Shared {
        Shared {
            base_url: format!("http://127.0.0.1:{port}"),
            gateway_url: format!("ws://127.0.0.1:{port}/gateway"),
            started: Instant::now(),
            inner: Mutex::new(Inner {
                channels: HashMap::from([
                    (
                        FakeDiscord::CHANNEL_ID,
                        ChannelKind::Guild(FakeDiscord::GUILD_ID),
                    ),
                    (
                        FakeDiscord::DM_CHANNEL_ID,
                        ChannelKind::Dm {
                            recipient: FakeDiscord::USER_ID,
                        },
                    ),
                ]),
                ..Inner::default()
            }),
            changed: watch::Sender::new(0),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `change` under the lock, then wakes the waiters.
    fn update<T>(&self, change: impl FnOnce(&mut Inner) -> T) -> T {
        let result = change(&mut self.lock());
        self.changed.send_modify(|n| *n += 1);
        result
    }

    /// Re-checks `check` after every change until it yields a value or `timeout` passes.
    async fn wait_until<T>(
        &self,
        timeout: Duration,
        check: impl Fn(&Inner) -> Option<T>,
    ) -> Option<T> {
        let mut changes = self.changed.subscribe();
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let found = check(&self.lock());
            if found.is_some() {
                return found;
            }
            if tokio::time::timeout_at(deadline, changes.changed())
                .await
                .is_err()
            {
                return None;
            }
        }
    }

    fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    fn harness_error(&self, error: String) {
        eprintln!("fake Discord harness error: {error}");
        self.update(|inner| inner.errors.push(error));
    }

    fn note_frame(&self, connection: u64, direction: Direction, payload: Value) {
        let at = self.elapsed();
        self.update(|inner| {
            inner.gateway.push(GatewayFrame {
                at,
                connection,
                direction,
                payload,
            });
        });
    }
}

impl Inner {
    fn channel(&self, id: u64) -> ChannelKind {
        self.channels
            .get(&id)
            .copied()
            .unwrap_or(ChannelKind::Guild(FakeDiscord::GUILD_ID))
    }

    /// Sends a dispatch to the live connection (the caller made sure there is one).
    fn dispatch(&mut self, event_name: &str, d: Value) {
        self.seq += 1;
        let mut frame = json!({"op": 0, "t": event_name, "s": self.seq});
        frame["d"] = d;
        self.backlog.push(frame.clone());
        if let Some(live) = &self.live {
            // If the connection just died, the frame stays in the backlog for a RESUME.
            let _ = live.tx.send(Outgoing::Frame(frame));
        }
    }

    /// Starts a session on `live` and returns its READY frame.
    fn identify(&mut self, live: Live, gateway_url: &str) -> Value {
        self.identify_count += 1;
        let session_id = format!("fake-session-{}", self.identify_count);
        self.session_id = Some(session_id.clone());
        self.seq = 1;
        let ready = json!({
            "op": 0, "t": "READY", "s": 1,
            "d": {
                "v": 10,
                "user": user_json(FakeDiscord::BOT_ID, true),
                "guilds": [],
                "session_id": session_id,
                "resume_gateway_url": gateway_url,
                "application": {"id": FakeDiscord::APP_ID.to_string(), "flags": 0},
            },
        });
        self.backlog = vec![ready.clone()];
        self.live = Some(live);
        ready
    }

    /// Resumes the session on `live`: the missed dispatches then RESUMED, or op 9 if the session
    /// is unknown.
    fn resume(&mut self, live: Live, d: &Value) -> Vec<Value> {
        self.resume_count += 1;
        let known =
            self.session_id.is_some() && d["session_id"].as_str() == self.session_id.as_deref();
        if !known {
            return vec![json!({"op": 9, "d": false})];
        }
        let last_seen = d["seq"].as_u64().unwrap_or(0);
        let mut frames: Vec<Value> = self
            .backlog
            .iter()
            .filter(|f| f["s"].as_u64().is_some_and(|s| s > last_seen))
            .cloned()
            .collect();
        self.seq += 1;
        frames.push(json!({"op": 0, "t": "RESUMED", "s": self.seq, "d": {}}));
        self.live = Some(live);
        frames
    }

    fn dump(&self) -> String {
        let mut lines: Vec<(Duration, String)> = self
            .requests
            .iter()
            .enumerate()
            .map(|(n, r)| (r.at, format!("REST #{n} {}", r.summary())))
            .collect();
        lines.extend(self.gateway.iter().map(|f| {
            let arrow = match f.direction {
                Direction::ToBot => "->bot",
                Direction::FromBot => "<-bot",
                Direction::Note => "  ---",
            };
            (
                f.at,
                format!(
                    "GW conn{} {arrow} {}",
                    f.connection,
                    clip(&f.payload.to_string())
                ),
            )
        }));
        lines.sort_by_key(|(at, _)| *at);
        let mut out = format!(
            "--- fake Discord traffic: {} REST requests, {} gateway frames, \
             identify={} resume={} ---\n",
            self.requests.len(),
            self.gateway.len(),
            self.identify_count,
            self.resume_count
        );
        for (at, line) in lines {
            let _ = writeln!(out, "[{:>6}ms] {line}", at.as_millis());
        }
        if !self.errors.is_empty() {
            let _ = writeln!(out, "harness errors: {:#?}", self.errors);
        }
        out
    }

    /// Consumes one use of the first matching rule of each kind: (delay, failure status).
    fn take_faults(&mut self, method: &str, path: &str) -> (Option<Duration>, Option<u16>) {
        let mut delay = None;
        let mut failure = None;
        for rule in &mut self.rules {
            if rule.remaining == 0 || rule.method != method || !path.starts_with(&rule.prefix) {
                continue;
            }
            match rule.fault {
                Fault::Delay(d) if delay.is_none() => delay = Some(d),
                Fault::Fail(s) if failure.is_none() => failure = Some(s),
                _ => continue,
            }
            rule.remaining -= 1;
        }
        self.rules.retain(|rule| rule.remaining > 0);
        (delay, failure)
    }
}

// ===== gateway =====

async fn gateway_upgrade(
    State(shared): State<Arc<Shared>>,
    RawQuery(query): RawQuery,
    ws: WebSocketUpgrade,
) -> Response {
    ws.on_upgrade(move |socket| run_connection(shared, socket, query))
}

async fn run_connection(shared: Arc<Shared>, socket: WebSocket, query: Option<String>) {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let id = shared.update(|inner| {
        inner.connections += 1;
        inner.connections as u64
    });
    let url = format!("{}?{}", shared.gateway_url, query.unwrap_or_default());
    shared.note_frame(id, Direction::Note, json!({"connected": true, "url": url}));
    let mut connection = Connection {
        shared,
        id,
        socket,
        tx,
    };
    connection.serve(&mut rx).await;
    let Connection { shared, id, .. } = connection;
    shared.note_frame(id, Direction::Note, json!({"disconnected": true}));
    shared.update(|inner| {
        if inner
            .live
            .as_ref()
            .is_some_and(|live| live.connection == id)
        {
            inner.live = None;
        }
    });
}

/// One websocket connection from a shard.
struct Connection {
    shared: Arc<Shared>,
    id: u64,
    socket: WebSocket,
    /// Handed to the shared state when this connection becomes the live one.
    tx: mpsc::UnboundedSender<Outgoing>,
}

impl Connection {
    /// Speaks the gateway protocol until either side ends the connection.
    async fn serve(&mut self, rx: &mut mpsc::UnboundedReceiver<Outgoing>) {
        if !self
            .send(json!({"op": 10, "d": {"heartbeat_interval": HEARTBEAT_INTERVAL_MS}}))
            .await
        {
            return;
        }
        if let Some(code) = self.shared.update(|inner| inner.close_after_hello) {
            self.on_outgoing(Outgoing::Close(code)).await;
            return;
        }
        loop {
            let keep_going = tokio::select! {
                incoming = self.socket.recv() => match incoming {
                    Some(Ok(WsMessage::Text(text))) => self.on_text(&text).await,
                    Some(Ok(WsMessage::Close(frame))) => {
                        self.on_bot_close(frame).await;
                        false
                    }
                    Some(Ok(_)) => true,
                    Some(Err(_)) | None => false,
                },
                Some(outgoing) = rx.recv() => self.on_outgoing(outgoing).await,
            };
            if !keep_going {
                return;
            }
        }
    }

    /// Logs, validates and sends one frame; false if the connection is gone.
    async fn send(&mut self, frame: Value) -> bool {
        if let Err(why) = parse_as::<GatewayEvent>(&frame) {
            self.shared.harness_error(format!(
                "gateway frame serenity cannot parse ({why}): {frame}"
            ));
        }
        self.shared
            .note_frame(self.id, Direction::ToBot, frame.clone());
        self.socket
            .send(WsMessage::Text(frame.to_string().into()))
            .await
            .is_ok()
    }

    async fn on_text(&mut self, text: &str) -> bool {
        let Ok(frame) = serde_json::from_str::<Value>(text) else {
            self.shared
                .harness_error(format!("bot sent a non-JSON gateway frame: {text}"));
            return true;
        };
        self.shared
            .note_frame(self.id, Direction::FromBot, frame.clone());
        match frame["op"].as_u64() {
            Some(1) => self.send(json!({"op": 11})).await,
            Some(2) => {
                let live = self.live();
                let url = self.shared.gateway_url.clone();
                let ready = self.shared.update(|inner| inner.identify(live, &url));
                self.send(ready).await
            }
            Some(6) => {
                let live = self.live();
                let frames = self.shared.update(|inner| inner.resume(live, &frame["d"]));
                for frame in frames {
                    if !self.send(frame).await {
                        return false;
                    }
                }
                true
            }
            _ => true,
        }
    }

    async fn on_outgoing(&mut self, outgoing: Outgoing) -> bool {
        match outgoing {
            Outgoing::Frame(frame) => self.send(frame).await,
            Outgoing::Close(code) => {
                self.shared
                    .note_frame(self.id, Direction::ToBot, json!({"close": code}));
                let frame = CloseFrame {
                    code,
                    reason: "fake Discord closes".into(),
                };
                let _ = self.socket.send(WsMessage::Close(Some(frame))).await;
                self.drain().await;
                false
            }
            Outgoing::Drop => {
                self.shared.note_frame(
                    self.id,
                    Direction::ToBot,
                    json!({"close": 1006, "dropped": true}),
                );
                false
            }
        }
    }

    /// The bot closed (e.g. `shutdown_all` sends 1000) and waits for our close reply: axum queues
    /// it and flushes it only on the next read, so read once more.
    async fn on_bot_close(&mut self, frame: Option<CloseFrame>) {
        let code = frame.map(|f| f.code);
        self.shared
            .note_frame(self.id, Direction::FromBot, json!({"close": code}));
        self.drain().await;
    }

    /// Reads until the peer goes away (at most [`CLOSE_DRAIN`]), flushing pending close frames.
    async fn drain(&mut self) {
        let _ = tokio::time::timeout(CLOSE_DRAIN, async {
            while let Some(Ok(_)) = self.socket.recv().await {}
        })
        .await;
    }

    fn live(&self) -> Live {
        Live {
            connection: self.id,
            tx: self.tx.clone(),
        }
    }
}

// ===== REST =====

/// The fallback handler: records the request, applies injected faults, routes it.
async fn rest(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let api_path = uri.path().strip_prefix(API_PREFIX);
    let (body_json, files) = parse_body(&headers, &body);
    let request = RecordedRequest {
        at: shared.elapsed(),
        method: method.as_str().to_owned(),
        path: api_path.unwrap_or(uri.path()).to_owned(),
        query: uri.query().map(str::to_owned),
        headers: headers
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body: body_json,
        files,
        status: None,
        response: None,
    };
    let (index, (delay, failure)) = shared.update(|inner| {
        let faults = inner.take_faults(&request.method, &request.path);
        inner.requests.push(request.clone());
        (inner.requests.len() - 1, faults)
    });
    if let Some(delay) = delay {
        tokio::time::sleep(delay).await;
    }
    let reply = match (failure, api_path) {
        (Some(status), _) => Reply::injected(status),
        (None, Some(path)) => route(&shared, &request.method, path, request.body.as_ref()),
        (None, None) => Reply::error(404, 0, "unknown route (not under /api/v10)"),
    };
    shared.update(|inner| {
        let recorded = &mut inner.requests[index];
        recorded.status = Some(reply.status);
        recorded.response.clone_from(&reply.body);
    });
    reply.into_response()
}

/// The fake's answer to a REST request.
struct Reply {
    status: u16,
    body: Option<Value>,
    headers: Vec<(&'static str, String)>,
}

impl Reply {
    fn json(body: Value) -> Reply {
        Reply {
            status: 200,
            body: Some(body),
            headers: Vec::new(),
        }
    }

    fn no_content() -> Reply {
        Reply {
            status: 204,
            body: None,
            headers: Vec::new(),
        }
    }

    fn error(status: u16, code: u32, message: &str) -> Reply {
        Reply {
            status,
            body: Some(json!({"message": message, "code": code})),
            headers: Vec::new(),
        }
    }

    /// An injected failure, shaped like Discord's.
    fn injected(status: u16) -> Reply {
        match status {
            429 => Reply {
                status,
                body: Some(json!({
                    "message": "You are being rate limited.", "retry_after": 0.05,
                    "global": false, "code": 0,
                })),
                headers: vec![
                    ("retry-after", "1".to_owned()),
                    ("x-ratelimit-limit", "5".to_owned()),
                    ("x-ratelimit-remaining", "0".to_owned()),
                    ("x-ratelimit-reset-after", "0.050".to_owned()),
                    ("x-ratelimit-bucket", "fake-bucket".to_owned()),
                    ("x-ratelimit-scope", "user".to_owned()),
                ],
            },
            403 => Reply::error(status, 50_013, "Missing Permissions"),
            _ => Reply::error(status, 0, &format!("{status}: injected failure")),
        }
    }

    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = match self.body {
            Some(body) => (status, axum::Json(body)).into_response(),
            None => status.into_response(),
        };
        for (name, value) in self.headers {
            if let Ok(value) = value.parse() {
                response.headers_mut().insert(name, value);
            }
        }
        response
    }
}

/// Answers `body` if serenity can parse it as `T`; otherwise records a harness error and answers
/// 500, so a wrong fake shows up instead of confusing the bot.
fn checked<T: DeserializeOwned>(shared: &Shared, what: &str, body: Value) -> Reply {
    match parse_as::<T>(&body) {
        Ok(()) => Reply::json(body),
        Err(why) => {
            let message = format!("fake Discord built an invalid {what} ({why}): {body}");
            shared.harness_error(message.clone());
            Reply::error(500, 0, &message)
        }
    }
}

fn route(shared: &Shared, method: &str, path: &str, body: Option<&Value>) -> Reply {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let empty = Value::Null;
    let body = body.unwrap_or(&empty);
    match (method, segments.as_slice()) {
        ("GET", ["gateway"]) => {
            checked::<Gateway>(shared, "gateway", json!({"url": shared.gateway_url}))
        }
        ("GET", ["gateway", "bot"]) => {
            checked::<BotGateway>(shared, "bot gateway", bot_gateway(shared))
        }
        ("GET", ["oauth2", "applications", "@me"]) => checked::<
            serenity::model::application::CurrentApplicationInfo,
        >(
            shared, "application", application()
        ),
        ("GET", ["users", "@me"]) => checked::<CurrentUser>(shared, "current user", current_user()),
        ("POST", ["users", "@me", "channels"]) => dm_channel(shared, body),
        ("GET", ["channels", channel]) => get_channel(shared, channel),
        ("POST", ["channels", channel, "messages"]) => create_message(shared, channel, body),
        ("GET" | "PATCH" | "DELETE", ["channels", _, "messages", message]) => {
            stored_message(shared, method, message, body)
        }
        ("POST", ["channels", _, "typing"])
        | ("PUT" | "DELETE", ["channels", _, "messages", _, "reactions", _, "@me"]) => {
            Reply::no_content()
        }
        ("PUT", ["applications", app, "commands"]) if is_app(app) => {
            echo_commands(shared, None, body)
        }
        ("PUT", ["applications", app, "guilds", guild, "commands"]) if is_app(app) => {
            echo_commands(shared, Some(guild), body)
        }
        ("POST", ["interactions", _, token, "callback"]) => {
            interaction_callback(shared, token, body)
        }
        ("POST", ["webhooks", app, token]) if is_app(app) => followup(shared, token, body),
        ("GET" | "PATCH" | "DELETE", ["webhooks", app, token, "messages", "@original"])
            if is_app(app) =>
        {
            original(shared, method, token, body)
        }
        ("GET" | "PATCH" | "DELETE", ["webhooks", app, _, "messages", message]) if is_app(app) => {
            stored_message(shared, method, message, body)
        }
        _ => Reply::error(404, 0, "unknown route"),
    }
}

fn is_app(segment: &str) -> bool {
    segment == FakeDiscord::APP_ID.to_string()
}

fn is_command_registration(path: &str) -> bool {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match segments.as_slice() {
        ["applications", app, "commands"] | ["applications", app, "guilds", _, "commands"] => {
            is_app(app)
        }
        _ => false,
    }
}

fn bot_gateway(shared: &Shared) -> Value {
    json!({
        "url": shared.gateway_url,
        "shards": 1,
        "session_start_limit": {
            "total": 1000, "remaining": 999, "reset_after": 14_400_000, "max_concurrency": 1,
        },
    })
}

fn application() -> Value {
    json!({
        "id": FakeDiscord::APP_ID.to_string(),
        "name": "prolobot",
        "icon": null,
        "description": "fake application",
        "bot_public": false,
        "bot_require_code_grant": false,
        "verify_key": "00",
        "owner": user_json(FakeDiscord::USER_ID, false),
        "team": null,
        "flags": 0,
    })
}

fn current_user() -> Value {
    let mut user = user_json(FakeDiscord::BOT_ID, true);
    user["verified"] = json!(true);
    user["mfa_enabled"] = json!(false);
    user
}

fn dm_channel(shared: &Shared, body: &Value) -> Reply {
    let Some(recipient) = id_field(&body["recipient_id"]) else {
        return Reply::error(400, 50_035, "Invalid Form Body: recipient_id");
    };
    let channel_id = next_id();
    shared.update(|inner| {
        inner
            .channels
            .insert(channel_id, ChannelKind::Dm { recipient });
    });
    checked::<Channel>(shared, "DM channel", private_channel(channel_id, recipient))
}

fn private_channel(channel_id: u64, recipient: u64) -> Value {
    json!({
        "id": channel_id.to_string(), "type": 1, "recipients": [user_json(recipient, false)],
        "last_message_id": null,
    })
}

/// A DM or a guild text channel, as far as the fake knows the channel.
fn get_channel(shared: &Shared, channel: &str) -> Reply {
    let Ok(channel_id) = channel.parse::<u64>() else {
        return Reply::error(404, 10_003, "Unknown Channel");
    };
    let body = match shared.lock().channel(channel_id) {
        ChannelKind::Dm { recipient } => private_channel(channel_id, recipient),
        ChannelKind::Guild(guild_id) => json!({
            "id": channel, "type": 0, "guild_id": guild_id.to_string(), "name": "general",
            "position": 0, "permission_overwrites": [], "nsfw": false, "topic": null,
            "last_message_id": null, "parent_id": null, "rate_limit_per_user": 0,
        }),
        ChannelKind::Thread { guild_id, parent } => json!({
            "id": channel, "type": 11, "guild_id": guild_id.to_string(), "name": "a question",
            "parent_id": parent.to_string(), "owner_id": FakeDiscord::USER_ID.to_string(),
            "last_message_id": null, "rate_limit_per_user": 0, "message_count": 1,
            "member_count": 1, "nsfw": false,
            "thread_metadata": {"archived": false, "auto_archive_duration": 1440,
                "archive_timestamp": "2026-11-25T00:00:00+00:00", "locked": false},
        }),
    };
    checked::<Channel>(shared, "channel", body)
}

fn create_message(shared: &Shared, channel: &str, body: &Value) -> Reply {
    let Ok(channel_id) = channel.parse::<u64>() else {
        return Reply::error(404, 10_003, "Unknown Channel");
    };
    let inner = shared.lock();
    let guild_id = inner.channel(channel_id).guild_id();
    let message = bot_message(channel_id, guild_id, body, &inner.messages);
    drop(inner);
    store_message(shared, message)
}

/// Stores `message` (if serenity can parse it) and answers it.
fn store_message(shared: &Shared, message: Value) -> Reply {
    let reply = checked::<Message>(shared, "message", message.clone());
    if reply.status == 200 {
        let id = id_field(&message["id"]).expect("message id");
        shared.update(|inner| inner.messages.insert(id, message));
    }
    reply
}

/// A message by the bot built from a create-message `body` (content, embeds, components, flags,
/// `message_reference`).
fn bot_message(
    channel_id: u64,
    guild_id: Option<u64>,
    body: &Value,
    known: &HashMap<u64, Value>,
) -> Value {
    let mut message = json!({
        "id": next_id().to_string(),
        "channel_id": channel_id.to_string(),
        "author": user_json(FakeDiscord::BOT_ID, true),
        "content": "",
        "timestamp": now(),
        "edited_timestamp": null,
        "tts": body["tts"].as_bool().unwrap_or(false),
        "mention_everyone": false,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": [],
        "components": [],
        "pinned": false,
        "type": 0,
        "flags": 0,
    });
    if let Some(guild_id) = guild_id {
        message["guild_id"] = json!(guild_id.to_string());
    }
    apply_edit(&mut message, body);
    if let Some(reference) = body.get("message_reference").filter(|r| r.is_object()) {
        let mut reference = reference.clone();
        if reference.get("channel_id").is_none_or(Value::is_null) {
            reference["channel_id"] = json!(channel_id.to_string());
        }
        let referenced = id_field(&reference["message_id"]).and_then(|id| known.get(&id).cloned());
        message["message_reference"] = reference;
        message["referenced_message"] = referenced.unwrap_or(Value::Null);
        message["type"] = json!(19);
    }
    message
}

/// Copies the editable fields present in `body` onto `message`.
fn apply_edit(message: &mut Value, body: &Value) {
    for key in ["content", "embeds", "components", "flags"] {
        if let Some(value) = body.get(key).filter(|v| !v.is_null()) {
            message[key] = value.clone();
        }
    }
}

fn stored_message(shared: &Shared, method: &str, message: &str, body: &Value) -> Reply {
    let id = message.parse::<u64>().unwrap_or(0);
    let Some(mut stored) = shared.lock().messages.get(&id).cloned() else {
        return Reply::error(404, 10_008, "Unknown Message");
    };
    match method {
        "DELETE" => {
            shared.update(|inner| inner.messages.remove(&id));
            Reply::no_content()
        }
        "PATCH" => {
            apply_edit(&mut stored, body);
            stored["edited_timestamp"] = json!(now());
            store_message(shared, stored)
        }
        _ => Reply::json(stored),
    }
}

fn echo_commands(shared: &Shared, guild: Option<&str>, body: &Value) -> Reply {
    let Some(commands) = body.as_array() else {
        return Reply::error(
            400,
            50_035,
            "Invalid Form Body: expected an array of commands",
        );
    };
    let echoed: Vec<Value> = commands
        .iter()
        .map(|command| {
            let mut echoed = json!({
                "id": next_id().to_string(),
                "application_id": FakeDiscord::APP_ID.to_string(),
                "type": 1,
                "description": "",
                "default_member_permissions": null,
                "version": "1",
            });
            if let (Some(fields), Some(target)) = (command.as_object(), echoed.as_object_mut()) {
                target.extend(fields.iter().map(|(k, v)| (k.clone(), v.clone())));
            }
            if let Some(guild) = guild {
                echoed["guild_id"] = json!(guild);
            }
            echoed
        })
        .collect();
    checked::<Vec<Command>>(shared, "command list", Value::Array(echoed))
}

/// Records the original response of callback types 4 (message) and 5 (deferred), and answers 204.
fn interaction_callback(shared: &Shared, token: &str, body: &Value) -> Reply {
    let kind = body["type"].as_u64();
    if !matches!(kind, Some(4 | 5)) {
        return Reply::no_content();
    }
    let data = body.get("data").cloned().unwrap_or_else(|| json!({}));
    let message = interaction_message(shared, token, &data);
    if let Err(why) = parse_as::<Message>(&message) {
        shared.harness_error(format!(
            "fake Discord built an invalid original response ({why}): {message}"
        ));
        return Reply::error(500, 0, "fake Discord built an invalid original response");
    }
    let token = token.to_owned();
    shared.update(|inner| inner.originals.insert(token, message));
    Reply::no_content()
}

/// A message posted through an interaction's webhook.
fn interaction_message(shared: &Shared, token: &str, body: &Value) -> Value {
    let inner = shared.lock();
    let channel_id = inner
        .interaction_channels
        .get(token)
        .copied()
        .unwrap_or(FakeDiscord::CHANNEL_ID);
    let guild_id = inner.channel(channel_id).guild_id();
    let mut message = bot_message(channel_id, guild_id, body, &inner.messages);
    message["webhook_id"] = json!(FakeDiscord::APP_ID.to_string());
    message["application_id"] = json!(FakeDiscord::APP_ID.to_string());
    message
}

fn followup(shared: &Shared, token: &str, body: &Value) -> Reply {
    let message = interaction_message(shared, token, body);
    store_message(shared, message)
}

fn original(shared: &Shared, method: &str, token: &str, body: &Value) -> Reply {
    let Some(mut message) = shared.lock().originals.get(token).cloned() else {
        return Reply::error(404, 10_008, "Unknown Message (no original response yet)");
    };
    match method {
        "DELETE" => {
            shared.update(|inner| inner.originals.remove(token));
            Reply::no_content()
        }
        "PATCH" => {
            apply_edit(&mut message, body);
            message["edited_timestamp"] = json!(now());
            let reply = checked::<Message>(shared, "original response", message.clone());
            let token = token.to_owned();
            shared.update(|inner| inner.originals.insert(token, message));
            reply
        }
        _ => Reply::json(message),
    }
}

// ===== request bodies =====

/// The JSON body, or for multipart forms the `payload_json` part plus the file names.
fn parse_body(headers: &HeaderMap, body: &[u8]) -> (Option<Value>, Vec<String>) {
    if body.is_empty() {
        return (None, Vec::new());
    }
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if let Some(boundary) = content_type.split("boundary=").nth(1) {
        return parse_multipart(body, boundary.trim_matches('"'));
    }
    let value = serde_json::from_slice(body)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(body).into_owned()));
    (Some(value), Vec::new())
}

fn parse_multipart(body: &[u8], boundary: &str) -> (Option<Value>, Vec<String>) {
    let delimiter = format!("--{boundary}");
    let mut payload = None;
    let mut files = Vec::new();
    for part in split_bytes(body, delimiter.as_bytes()) {
        let Some(header_end) = find(part, b"\r\n\r\n") else {
            continue;
        };
        let head = String::from_utf8_lossy(&part[..header_end]);
        let content = part[header_end + 4..]
            .strip_suffix(b"\r\n")
            .unwrap_or(&part[header_end + 4..]);
        if head.contains("name=\"payload_json\"") {
            payload = serde_json::from_slice(content).ok();
        } else if let Some(name) = head
            .split("filename=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
        {
            files.push(name.to_owned());
        }
    }
    (payload, files)
}

fn split_bytes<'a>(mut haystack: &'a [u8], needle: &[u8]) -> Vec<&'a [u8]> {
    let mut parts = Vec::new();
    while let Some(at) = find(haystack, needle) {
        parts.push(&haystack[..at]);
        haystack = &haystack[at + needle.len()..];
    }
    parts.push(haystack);
    parts
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}
