//! Moderator alerts: when a message in a server fires a crisis, emergency or urgent rule, the
//! log channel gets a notice that pings the alert role (and nobody else), names the tier and
//! category, and links the message. It never quotes the user. DMs are never forwarded.
//!
//! One alert per channel per [`ALERT_WINDOW`], unless a later message in that window is more
//! serious than the one already alerted (an urgent report followed by a crisis still alerts).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serenity::all::{ChannelId, CreateAllowedMentions, CreateMessage, Http, RoleId};

use super::{retry, Data};
use prolobot_core::Composer;
use prolobot_core::Decision;
use prolobot_core::Knowledge;
use prolobot_core::Tier;

/// How long after an alert a channel gets no other alert of the same or a lower tier.
pub(crate) const ALERT_WINDOW: Duration = Duration::from_mins(5);

/// Channels tracked above this many are swept of expired entries.
const SWEEP_ABOVE: usize = 1_024;

/// What an alert says: the tier, the categories, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Alert {
    /// The most serious tier that fired.
    pub tier: Tier,
    /// The categories of the rules that fired, each once.
    pub categories: Vec<String>,
    /// The server, channel and message, for the link.
    pub guild: u64,
    /// The channel.
    pub channel: u64,
    /// The message; `None` for a private `/faq ask`, which has no message to link.
    pub message: Option<u64>,
}

impl Alert {
    /// The alert a decision calls for in a server (`guild`); `None` without a tier or a server.
    pub(crate) fn for_decision(
        knowledge: &Knowledge,
        decision: &Decision,
        guild: Option<u64>,
        channel: u64,
        message: Option<u64>,
    ) -> Option<Self> {
        let (guild, tier) = guild.zip(decision.tier())?;
        let mut categories: Vec<String> = Vec::new();
        for &rule in decision.rules() {
            let category = &knowledge.faq().rule(rule).category;
            if !categories.contains(category) {
                categories.push(category.clone());
            }
        }
        Some(Self {
            tier,
            categories,
            guild,
            channel,
            message,
        })
    }

    /// The alert's text after the role ping: tier, categories, channel and link; no user words.
    pub(crate) fn text(&self) -> String {
        let Self {
            tier,
            categories,
            guild,
            channel,
            message,
        } = self;
        let what = match tier {
            Tier::Crisis => "someone may be at risk of suicide, self-harm or an overdose",
            Tier::Emergency => "someone may be describing a medical emergency",
            Tier::Urgent => "someone may be describing symptoms that need a doctor today",
        };
        let categories = categories.join(", ");
        match message {
            Some(message) => format!(
                "**Safety alert ({tier}: {categories})** in <#{channel}>: {what}. \
                 The bot has replied there with {tier} guidance. Please check on them: \
                 https://discord.com/channels/{guild}/{channel}/{message}"
            ),
            None => format!(
                "**Safety alert ({tier}: {categories})** in <#{channel}>: {what}, \
                 asked privately with `/faq ask`. The bot has shown them {tier} guidance; only \
                 they can see it. https://discord.com/channels/{guild}/{channel}"
            ),
        }
    }
}

/// Which channels were alerted recently, and at which tier.
#[derive(Debug, Default)]
pub(crate) struct AlertLimiter {
    last: HashMap<u64, (Instant, Tier)>,
}

impl AlertLimiter {
    /// Whether `alert` goes out at `now`; remembers it when it does.
    pub(crate) fn allow(&mut self, alert: &Alert, now: Instant) -> bool {
        if let Some(&(at, tier)) = self.last.get(&alert.channel) {
            if now.duration_since(at) < ALERT_WINDOW && alert.tier <= tier {
                return false;
            }
        }
        if self.last.len() > SWEEP_ABOVE {
            self.last
                .retain(|_, (at, _)| now.duration_since(*at) < ALERT_WINDOW);
        }
        self.last.insert(alert.channel, (now, alert.tier));
        true
    }
}

/// Raises `alert` when alerts are configured and the channel was not alerted at this tier a
/// moment ago.
pub(crate) async fn raise(http: &Http, data: &Data, knowledge: &Knowledge, alert: &Alert) {
    let (Some(role), Some(log_channel)) = (data.config.alert_role, data.config.log_channel) else {
        return;
    };
    let allowed = data
        .alerts
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .allow(alert, Instant::now());
    if !allowed {
        tracing::debug!(
            channel = alert.channel,
            "alert already sent for this channel"
        );
        return;
    }
    post(http, &knowledge.composer(), (log_channel, role), alert).await;
}

/// Posts `alert` to the log channel, pinging `role` only. Failures are logged: the user has
/// already had their guidance, and an alert must never hold up a reply.
async fn post(
    http: &Http,
    composer: &Composer<'_>,
    (log_channel, role): (u64, u64),
    alert: &Alert,
) {
    let reply = composer.alert(role, &alert.text());
    let message = CreateMessage::new()
        .content(reply.text())
        .allowed_mentions(CreateAllowedMentions::new().roles(vec![RoleId::new(role)]));
    let sent = retry::on_rate_limit("alert", || {
        ChannelId::new(log_channel).send_message(http, message.clone())
    })
    .await;
    match sent {
        Ok(_) => tracing::info!(
            tier = %alert.tier,
            channel = alert.channel,
            "moderators alerted"
        ),
        Err(error) => tracing::warn!(log_channel, %error, "could not post a safety alert"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alert(channel: u64, tier: Tier) -> Alert {
        Alert {
            tier,
            categories: vec!["suicide".into()],
            guild: 1,
            channel,
            message: Some(3),
        }
    }

    #[test]
    fn the_text_pings_the_role_links_the_message_and_names_tier_and_category() {
        let knowledge = crate::discord::fixture::knowledge();
        let reply = knowledge
            .composer()
            .alert(9, &alert(2, Tier::Crisis).text());
        let text = reply.text();
        assert!(text.starts_with("<@&9>\n\n**Safety alert"), "{text}");
        assert!(text.contains("crisis: suicide"), "{text}");
        assert!(
            text.contains("https://discord.com/channels/1/2/3"),
            "{text}"
        );
        assert!(
            !text.contains("<@9>") && !text.contains("@everyone"),
            "{text}"
        );
        let private = Alert {
            message: None,
            ..alert(2, Tier::Urgent)
        }
        .text();
        assert!(
            private.contains("/faq ask") && private.ends_with("channels/1/2"),
            "{private}"
        );
    }

    #[test]
    fn one_alert_per_channel_per_window_unless_more_serious() {
        let mut limiter = AlertLimiter::default();
        let start = Instant::now();
        assert!(limiter.allow(&alert(2, Tier::Urgent), start));
        assert!(!limiter.allow(&alert(2, Tier::Urgent), start + Duration::from_secs(10)));
        assert!(
            limiter.allow(&alert(5, Tier::Urgent), start),
            "another channel"
        );
        assert!(
            limiter.allow(&alert(2, Tier::Crisis), start + Duration::from_secs(20)),
            "escalation"
        );
        assert!(!limiter.allow(&alert(2, Tier::Emergency), start + Duration::from_secs(30)));
        assert!(limiter.allow(
            &alert(2, Tier::Emergency),
            start + ALERT_WINDOW + Duration::from_secs(21)
        ));
    }
}
