//! End-to-end tests of the real prolobot adapter (serenity/poise) against the loopback fake
//! Discord in [`fake`], and of the built binary.
//!
//! All Discord end-to-end tests live in this one binary: each integration-test binary links
//! serenity and poise again, which costs minutes on a small machine. Every test starts its own
//! [`FakeDiscord`] on an ephemeral 127.0.0.1 port (and its own temp directory for the FAQ copy
//! and the database), so the tests run in parallel; nothing reaches a non-loopback address.
//! Set `RUST_LOG=prolobot=debug,serenity=debug` to see the client's side.

mod abuse;
mod binary;
mod bot;
mod fake;
mod faults;
#[path = "../common/hostile.rs"]
mod hostile;
mod interactions;
mod load;
mod logging;
mod messages;
mod reload;
mod safety;
mod storage;
mod teach;

use fake::{FakeDiscord, InteractionSpec, MessageSpec, TIMEOUT};
use std::time::Duration;

use serde_json::json;
use serenity::all::HttpBuilder;

// ===== the harness's own checks =====

#[test]
fn payload_builders_produce_events_serenity_accepts() {
    let message = MessageSpec {
        mentions: vec![FakeDiscord::BOT_ID],
        reply_to: Some(1),
        ..MessageSpec::guild("hi")
    };
    let webhook = MessageSpec {
        webhook_id: Some(5),
        author_is_bot: true,
        ..MessageSpec::guild("hi")
    };
    for payload in [
        message.to_payload(fake::next_id(), None),
        MessageSpec::dm("hi").to_payload(fake::next_id(), None),
        webhook.to_payload(fake::next_id(), None),
    ] {
        fake::validate_dispatch("MESSAGE_CREATE", &payload).unwrap();
    }
    let posted = MessageSpec::guild("bot message").to_payload(fake::next_id(), None);
    let focused = json!([{"name": "question", "type": 3, "value": "pro", "focused": true}]);
    for payload in [
        InteractionSpec::guild().slash_command("ping", json!([])),
        InteractionSpec::dm().slash_command("ping", json!([])),
        InteractionSpec::guild().autocomplete("faq", focused),
        InteractionSpec::guild().component_click("more", &posted),
    ] {
        fake::validate_dispatch("INTERACTION_CREATE", &payload).unwrap();
    }
}

#[tokio::test]
async fn rest_answers_parse_and_unknown_routes_are_a_recorded_404() {
    let fake = FakeDiscord::start().await;
    let http = HttpBuilder::new("x")
        .proxy(fake.base_url())
        .ratelimiter_disabled(true)
        .build();

    let me = http.get_current_user().await.expect("GET /users/@me");
    assert_eq!(me.id.get(), FakeDiscord::BOT_ID);
    let channel = http
        .get_channel(FakeDiscord::CHANNEL_ID.into())
        .await
        .expect("GET /channels/{id}");
    assert_eq!(
        channel.guild().map(|c| c.guild_id.get()),
        Some(FakeDiscord::GUILD_ID)
    );
    let dm = http
        .get_channel(FakeDiscord::DM_CHANNEL_ID.into())
        .await
        .expect("GET /channels/{dm}");
    assert!(dm.private().is_some());
    let opened = http
        .create_private_channel(&json!({"recipient_id": FakeDiscord::USER_ID.to_string()}))
        .await
        .expect("POST /users/@me/channels");
    assert_eq!(opened.recipient.id.get(), FakeDiscord::USER_ID);
    assert!(http.get_guild(FakeDiscord::GUILD_ID.into()).await.is_err());

    let path = format!("/guilds/{}", FakeDiscord::GUILD_ID);
    let unknown = fake.wait_for_request(|r| r.is("GET", &path), TIMEOUT).await;
    assert_eq!(unknown.status, Some(404));
}

#[tokio::test]
#[should_panic(expected = "Event::Unknown")]
async fn dispatching_an_unparsable_event_panics() {
    let fake = FakeDiscord::start().await;
    fake.dispatch("MESSAGE_CREATE", json!({"content": "no id"}))
        .await;
}

#[tokio::test]
#[should_panic(expected = "fake Discord traffic")]
async fn a_wait_that_times_out_dumps_the_traffic() {
    let fake = FakeDiscord::start().await;
    fake.wait_for_request(|_| true, Duration::from_millis(50))
        .await;
}
