//! Gateway and REST faults: the bot reconnects or resumes, and keeps answering.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::bot::{
    is_reply_to, launch_bot, reply_in, reply_to, start_bot, Options, COST_QUESTION, OTHER_CHANNEL,
};
use crate::fake::{Direction, FakeDiscord, InteractionSpec, MessageSpec, TIMEOUT};
use crate::interactions::{sub, text_option};

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

    let first = fake.send_message(MessageSpec::guild(COST_QUESTION)).await;
    let limited = reply_to(&fake, first).await;
    assert_eq!(limited.status, Some(429));
    // Behind the proxy serenity does not wait out a 429 itself: the bot tries again.
    let replies = fake
        .wait_for_requests(
            0,
            |r| is_reply_to(r, FakeDiscord::CHANNEL_ID, first),
            2,
            TIMEOUT,
        )
        .await;
    assert!(replies[1].succeeded(), "{}", fake.dump());

    fake.delay_next("POST", "/channels/", Duration::from_millis(200), 1);
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
async fn an_idle_bot_shuts_down_promptly() {
    let fake = FakeDiscord::start().await;
    let mut bot = start_bot(&fake).await;

    let started = Instant::now();
    bot.stop();
    let result = tokio::time::timeout(TIMEOUT, bot.client).await;
    let took = started.elapsed();

    assert!(
        matches!(result, Ok(Ok(Ok(())))),
        "Bot::run ended with {result:?}"
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

#[tokio::test]
async fn a_bot_that_cannot_register_its_commands_answers_meanwhile_then_stops_with_an_error() {
    let fake = FakeDiscord::start().await;
    // Every registration in the retry schedule (1 + 2 + 4 + 8 + 16 s) is refused.
    fake.fail_next("PUT", "/applications/", 500, 6);
    let bot = launch_bot(&fake, Options::default()).await;
    fake.wait_connected(TIMEOUT).await;
    let id = fake.send_message(MessageSpec::guild(COST_QUESTION)).await;
    assert!(
        reply_to(&fake, id).await.succeeded(),
        "answered while registering"
    );

    let ended = tokio::time::timeout(Duration::from_mins(2), bot.client)
        .await
        .expect("the bot stops after the last refusal")
        .expect("no panic");
    let error = ended.expect_err("a start-up failure is an error");
    assert!(
        matches!(
            error,
            prolobot::discord::Error::Registration { attempts: 6, .. }
        ),
        "{error:?}"
    );
    let closed_by_bot = fake
        .gateway_frames()
        .iter()
        .any(|f| f.direction == Direction::FromBot && f.payload == json!({"close": 1000}));
    assert!(closed_by_bot, "the gateway was closed\n{}", fake.dump());
}

/// Behind `DISCORD_PROXY_URL` serenity reports a 429 as an error: replies, interaction
/// responses and their retries must still arrive.
#[tokio::test]
async fn replies_refused_with_429_behind_the_proxy_are_sent_again() {
    const QUESTIONS: u64 = 40;
    let fake = FakeDiscord::start().await;
    let _bot = start_bot(&fake).await;
    fake.fail_next("POST", "/channels/", 429, 20);
    let mut asked = Vec::new();
    for user in 0..QUESTIONS {
        let spec = MessageSpec {
            author_id: 400_000_000_000_001_000 + user,
            ..MessageSpec::mention(OTHER_CHANNEL, COST_QUESTION)
        };
        asked.push(fake.send_message(spec).await);
    }
    // Each question's reply arrives in the end (the wait panics if one does not).
    for id in asked {
        fake.wait_for_arrival(
            |r| is_reply_to(r, OTHER_CHANNEL, id) && r.succeeded(),
            TIMEOUT,
        )
        .await;
    }
    let refused = fake
        .requests()
        .iter()
        .filter(|r| r.status == Some(429))
        .count();
    assert_eq!(refused, 20, "{}", fake.dump());

    fake.fail_next("POST", "/interactions/", 429, 1);
    let question = json!([text_option("question", COST_QUESTION)]);
    let sent = fake
        .send_interaction(InteractionSpec::guild().slash_command("faq", sub("ask", question)))
        .await;
    let answered = fake
        .wait_for_requests(0, |r| r.is("POST", &sent.callback_path()), 2, TIMEOUT)
        .await;
    assert_eq!(answered[0].status, Some(429));
    assert!(answered[1].succeeded(), "{}", fake.dump());
    let text = answered[1]
        .json("/data/content")
        .and_then(serde_json::Value::as_str);
    assert!(
        text.is_some_and(|text| !text.contains("couldn't")),
        "the answer, not an apology: {text:?}"
    );
}

/// A shutdown while replies (30 messages and a slash command) are held up at Discord: the bot
/// closes the gateway but returns only once every reply in flight went out.
#[tokio::test]
async fn a_shutdown_finishes_the_replies_in_flight_first() {
    const QUESTIONS: usize = 30;
    let fake = FakeDiscord::start().await;
    let mut bot = start_bot(&fake).await;
    fake.delay_next("POST", "/channels/", Duration::from_secs(1), QUESTIONS);
    let mut asked = Vec::new();
    for user in 0..QUESTIONS as u64 {
        let spec = MessageSpec {
            author_id: 400_000_000_000_002_000 + user,
            ..MessageSpec::mention(OTHER_CHANNEL, COST_QUESTION)
        };
        asked.push(fake.send_message(spec).await);
    }
    // And a slash command whose answer is held longer.
    fake.delay_next("POST", "/interactions/", Duration::from_secs(2), 1);
    let question = json!([text_option("question", COST_QUESTION)]);
    let command = fake
        .send_interaction(InteractionSpec::guild().slash_command("faq", sub("ask", question)))
        .await;
    // Every reply has reached Discord and is held there.
    for &id in &asked {
        fake.wait_for_arrival(|r| is_reply_to(r, OTHER_CHANNEL, id), TIMEOUT)
            .await;
    }
    fake.wait_for_arrival(|r| r.is("POST", &command.callback_path()), TIMEOUT)
        .await;

    bot.stop();
    let ended = tokio::time::timeout(TIMEOUT, bot.client)
        .await
        .expect("the bot stops within its grace period")
        .expect("no panic");
    assert!(ended.is_ok(), "{ended:?}");
    let requests = fake.requests();
    let unfinished: Vec<_> = asked
        .iter()
        .filter(|&&id| {
            !requests
                .iter()
                .any(|r| is_reply_to(r, OTHER_CHANNEL, id) && r.succeeded())
        })
        .collect();
    assert!(
        unfinished.is_empty(),
        "the bot returned before these replies went out: {unfinished:?}"
    );
    let answered = requests
        .iter()
        .any(|r| r.is("POST", &command.callback_path()) && r.succeeded());
    assert!(
        answered,
        "the bot returned before the slash command was answered"
    );
}

/// A gateway that closes every connection right after HELLO: the bot waits longer and longer
/// between attempts instead of reconnecting over a thousand times a second, and comes back once
/// the gateway accepts it again.
#[tokio::test]
async fn a_gateway_that_keeps_closing_is_retried_with_back_off() {
    let fake = FakeDiscord::start().await;
    let _bot = start_bot(&fake).await;
    fake.close_after_hello(Some(4000));
    let before = fake.connection_count();
    fake.close_gateway(4000).await;
    tokio::time::sleep(Duration::from_secs(4)).await;
    let attempts = fake.connection_count() - before;
    println!("gateway closing every connection after HELLO: {attempts} connection attempts in 4 s");
    assert!(
        (2..=12).contains(&attempts),
        "{attempts} connection attempts in 4 s"
    );

    fake.close_after_hello(None);
    fake.wait_connected(Duration::from_secs(30)).await;
    let id = fake.send_message(MessageSpec::guild(COST_QUESTION)).await;
    assert!(reply_to(&fake, id).await.succeeded());
}
