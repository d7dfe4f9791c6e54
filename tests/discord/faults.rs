//! Gateway and REST faults: the bot reconnects or resumes, and keeps answering.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::bot::{is_reply_to, reply_in, reply_to, start_bot, COST_QUESTION};
use crate::fake::{Direction, FakeDiscord, MessageSpec, TIMEOUT};

/// A gateway fault after which the bot must reconnect.
#[derive(Clone, Copy)]
enum GatewayFault {
    Close(u16),
    Reconnect,
    InvalidSession { resumable: bool },
}

/// Injects `fault` into a running bot's gateway, then checks that a new question is answered and
/// that the bot identified and resumed as often as expected.
async fn recovers_from(
    fault: GatewayFault,
    connect_within: Duration,
    identifies: usize,
    resumes: usize,
) {
    let fake = FakeDiscord::start().await;
    let _bot = start_bot(&fake).await;
    let first = fake.send_message(MessageSpec::guild(COST_QUESTION)).await;
    reply_to(&fake, first).await;

    match fault {
        GatewayFault::Close(code) => fake.close_gateway(code).await,
        GatewayFault::Reconnect => fake.send_reconnect().await,
        GatewayFault::InvalidSession { resumable } => fake.send_invalid_session(resumable).await,
    }
    fake.wait_connected(connect_within).await;
    let second = fake.send_message(MessageSpec::guild(COST_QUESTION)).await;
    reply_to(&fake, second).await;

    assert_eq!(fake.connection_count(), 2, "{}", fake.dump());
    assert_eq!(fake.identify_count(), identifies, "{}", fake.dump());
    assert_eq!(fake.resume_count(), resumes, "{}", fake.dump());
}

#[tokio::test]
async fn gateway_close_4000_resumes_and_keeps_answering() {
    recovers_from(GatewayFault::Close(4000), TIMEOUT, 1, 1).await;
}

#[tokio::test]
async fn dropped_gateway_connection_resumes_and_keeps_answering() {
    recovers_from(GatewayFault::Close(1006), TIMEOUT, 1, 1).await;
}

#[tokio::test]
async fn op7_reconnect_resumes_and_keeps_answering() {
    recovers_from(GatewayFault::Reconnect, TIMEOUT, 1, 1).await;
}

#[tokio::test]
async fn resumable_invalid_session_resumes() {
    recovers_from(
        GatewayFault::InvalidSession { resumable: true },
        TIMEOUT,
        1,
        1,
    )
    .await;
}

/// serenity re-identifies only after its 5 s shard-restart timeout.
#[tokio::test]
async fn non_resumable_invalid_session_identifies_again() {
    recovers_from(
        GatewayFault::InvalidSession { resumable: false },
        Duration::from_secs(15),
        2,
        0,
    )
    .await;
}

#[tokio::test]
async fn rest_500_on_a_reply_does_not_stop_the_next_one() {
    let fake = FakeDiscord::start().await;
    let _bot = start_bot(&fake).await;
    fake.fail_next("POST", "/channels/", 500, 1);

    let first = fake.send_message(MessageSpec::guild(COST_QUESTION)).await;
    let failed = reply_to(&fake, first).await;
    assert_eq!(failed.status, Some(500));

    let second = fake.send_message(MessageSpec::guild(COST_QUESTION)).await;
    assert!(reply_to(&fake, second).await.succeeded());
}

#[tokio::test]
async fn rate_limited_and_slow_replies_are_survivable() {
    let fake = FakeDiscord::start().await;
    let _bot = start_bot(&fake).await;
    fake.fail_next("POST", "/api/v10/channels/", 429, 1);
    fake.delay_next("POST", "/channels/", Duration::from_millis(200), 2);

    let first = fake.send_message(MessageSpec::guild(COST_QUESTION)).await;
    let limited = reply_to(&fake, first).await;
    assert_eq!(limited.status, Some(429));

    let second = fake.send_message(MessageSpec::guild(COST_QUESTION)).await;
    let sent = Instant::now();
    let slow = reply_to(&fake, second).await;
    assert!(slow.succeeded());
    assert!(
        sent.elapsed() >= Duration::from_millis(150),
        "the reply was not delayed"
    );
}

/// The reply in one channel hangs for 2 s at Discord; a question in another channel is answered
/// meanwhile, long before the slow reply completes.
#[tokio::test]
async fn a_slow_reply_in_one_channel_does_not_hold_up_another_channel() {
    const SLOW: Duration = Duration::from_secs(2);
    let fake = FakeDiscord::start().await;
    let _bot = start_bot(&fake).await;
    let slow_path = format!("/channels/{}/messages", FakeDiscord::CHANNEL_ID);
    fake.delay_next("POST", &slow_path, SLOW, 1);

    let slow = fake.send_message(MessageSpec::guild(COST_QUESTION)).await;
    let slow_request = fake
        .wait_for_arrival(|r| is_reply_to(r, FakeDiscord::CHANNEL_ID, slow), TIMEOUT)
        .await;
    let other = fake.send_message(MessageSpec::dm(COST_QUESTION)).await;
    let fast = reply_in(&fake, FakeDiscord::DM_CHANNEL_ID, other).await;

    let still_pending = fake
        .requests()
        .iter()
        .any(|r| is_reply_to(r, FakeDiscord::CHANNEL_ID, slow) && r.status.is_none());
    assert!(still_pending, "{}", fake.dump());
    assert!(fast.succeeded());
    let ahead = (slow_request.at + SLOW).saturating_sub(fast.at);
    assert!(ahead >= SLOW / 4, "only {ahead:?} ahead\n{}", fake.dump());
    assert!(reply_to(&fake, slow).await.succeeded());
}

#[tokio::test]
async fn shutdown_all_returns_promptly() {
    let fake = FakeDiscord::start().await;
    let bot = start_bot(&fake).await;

    let started = Instant::now();
    bot.shard_manager.shutdown_all().await;
    let result = tokio::time::timeout(TIMEOUT, bot.client).await;
    let took = started.elapsed();

    assert!(
        matches!(result, Ok(Ok(Ok(())))),
        "client.start_autosharded() ended with {result:?}"
    );
    assert!(
        took < Duration::from_secs(2),
        "shutdown took {took:?}\n{}",
        fake.dump()
    );
    let closed_by_bot = fake
        .gateway_frames()
        .iter()
        .any(|f| f.direction == Direction::FromBot && f.payload == json!({"close": 1000}));
    assert!(closed_by_bot, "{}", fake.dump());
}

#[tokio::test]
async fn a_failed_command_registration_is_retried_and_the_bot_answers() {
    let fake = FakeDiscord::start().await;
    // Discord refuses the first two registrations: the bot must not stay deaf.
    fake.fail_next("PUT", "/applications/", 500, 2);
    let _bot = start_bot(&fake).await;
    let failed = fake
        .requests()
        .iter()
        .filter(|r| r.method == "PUT" && r.path.ends_with("/commands") && !r.succeeded())
        .count();
    assert_eq!(
        failed, 2,
        "two refused registrations before the one that took"
    );
    let id = fake.send_message(MessageSpec::guild(COST_QUESTION)).await;
    assert!(reply_to(&fake, id).await.succeeded());
}
