//! The safety net end to end: tier guidance in the channel, one moderator alert that pings only
//! the alert role and never quotes the user, no alert for DMs, and no silence in a support
//! channel for a possible report of danger.

use std::time::Duration;

use prolobot_core::Tier;
use serde_json::{json, Value};

use crate::bot::{disclaimer, is_log_post, library, reply_in, reply_to, start_bot, ALERT_ROLE};
use crate::fake::{FakeDiscord, MessageSpec, RecordedRequest, TIMEOUT};

/// A crisis written the way people write it, with words an alert must never repeat.
const CRISIS: &str = "honestly i'd rather not be here anymore, everyone would be better off";

fn content(request: &RecordedRequest) -> &str {
    request
        .json("/content")
        .and_then(Value::as_str)
        .unwrap_or_default()
}

#[tokio::test]
async fn a_crisis_in_a_support_channel_gets_crisis_lines_and_one_alert_to_the_role() {
    assert_eq!(library().decide(CRISIS).tier(), Some(Tier::Crisis));
    let fake = FakeDiscord::start().await;
    let _bot = start_bot(&fake).await;

    let id = fake.send_message(MessageSpec::guild(CRISIS)).await;

    let reply = reply_to(&fake, id).await;
    let text = content(&reply);
    assert!(
        text.starts_with(&format!("💛 {}", library().faq().texts().crisis.trim())),
        "{text}"
    );
    assert!(text.contains("988") && text.contains("116 123"), "{text}");
    assert!(text.contains(disclaimer()), "{text}");

    let alert = fake.wait_for_request(is_log_post, TIMEOUT).await;
    let alert_text = content(&alert);
    assert!(
        alert_text.starts_with(&format!("<@&{ALERT_ROLE}>")),
        "{alert_text}"
    );
    assert!(alert_text.contains("crisis: suicide"), "{alert_text}");
    let link = format!(
        "https://discord.com/channels/{}/{}/{id}",
        FakeDiscord::GUILD_ID,
        FakeDiscord::CHANNEL_ID
    );
    assert!(alert_text.contains(&link), "{alert_text}");
    for words in ["rather not be here", "better off"] {
        assert!(
            !alert_text.contains(words),
            "the alert quotes the user: {alert_text}"
        );
    }
    assert_eq!(
        alert.json("/allowed_mentions"),
        Some(&json!({"roles": [ALERT_ROLE.to_string()], "users": [], "parse": []})),
        "only the alert role may be pinged"
    );

    // A second message in the same channel a moment later gets its guidance, not a second alert.
    let again = fake
        .send_message(MessageSpec::guild("i really want to die"))
        .await;
    let second = reply_to(&fake, again).await;
    assert!(content(&second).starts_with("💛"), "{}", content(&second));
    fake.assert_no_request(is_log_post, Duration::from_millis(500))
        .await;
}

#[tokio::test]
async fn a_crisis_in_a_dm_gets_crisis_lines_and_no_alert() {
    let fake = FakeDiscord::start().await;
    let _bot = start_bot(&fake).await;

    let id = fake.send_message(MessageSpec::dm(CRISIS)).await;

    let reply = reply_in(&fake, FakeDiscord::DM_CHANNEL_ID, id).await;
    assert!(content(&reply).contains("988"), "{}", content(&reply));
    fake.assert_no_request(is_log_post, Duration::from_millis(500))
        .await;
}

#[tokio::test]
async fn a_possible_report_in_a_support_channel_gets_the_safety_net_line_not_silence() {
    let message = "feeling so hopeless and dizzy";
    let decision = library().decide(message);
    assert_eq!((decision.tier(), decision.safety_net()), (None, true));
    let fake = FakeDiscord::start().await;
    let _bot = start_bot(&fake).await;

    let id = fake.send_message(MessageSpec::guild(message)).await;

    let reply = reply_to(&fake, id).await;
    let text = content(&reply);
    assert!(
        text.starts_with(&format!("⚠️ {}", library().faq().texts().safety_net.trim())),
        "{text}"
    );
    assert!(text.contains(disclaimer()), "{text}");
    fake.assert_no_request(is_log_post, Duration::from_millis(300))
        .await;
}

#[tokio::test]
async fn an_urgent_report_alerts_with_its_tier_and_category() {
    let fake = FakeDiscord::start().await;
    let _bot = start_bot(&fake).await;

    let id = fake
        .send_message(MessageSpec::guild(
            "running a fever since my knee injection yesterday",
        ))
        .await;

    let reply = reply_to(&fake, id).await;
    assert!(content(&reply).starts_with("⚠️"), "{}", content(&reply));
    let alert = fake.wait_for_request(is_log_post, TIMEOUT).await;
    assert!(
        content(&alert).contains("urgent: infection"),
        "{}",
        content(&alert)
    );
}
