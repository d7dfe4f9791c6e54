//! The disclaimer invariant: every reply path carries the disclaimer and fits a Discord message.

use prolobot_core::{
    Composer, Decision, EntryRef, Faq, Knowledge, Outcome, Reply, ReplyKind, Service, Tier,
    MESSAGE_LIMIT,
};
use proptest::prelude::*;

use crate::shipped_faq;

fn assert_carries_disclaimer(faq: &Faq, reply: &Reply) {
    let disclaimer = faq.texts().disclaimer.trim();
    assert!(
        reply.text().contains(disclaimer),
        "{:?} reply lacks the disclaimer:\n{}",
        reply.kind(),
        reply.text()
    );
    assert!(
        reply.text().trim_end().ends_with(&format!("{disclaimer}*")),
        "the disclaimer closes the reply"
    );
    assert!(
        reply.text().chars().count() <= MESSAGE_LIMIT,
        "{:?} reply is too long",
        reply.kind()
    );
}

/// Every constructor of the composer, with every entry, rule and suggestion shape.
fn every_reply(faq: &Faq) -> Vec<Reply> {
    let composer = Composer::new(faq);
    let mut replies = vec![
        composer.no_match(),
        composer.topic_list(),
        composer.notice("reloaded"),
        composer.error("something went wrong"),
        composer.notice(&"x".repeat(5_000)),
        composer.error(&"y".repeat(5_000)),
        composer.alert(1, "a moderator alert"),
        composer.alert(1, &"z".repeat(5_000)),
    ];
    replies.extend(faq.entries().iter().map(|e| composer.answer(e)));
    replies.extend(faq.entries().iter().filter_map(|e| composer.detail(e)));
    let all: Vec<_> = faq.entries().iter().collect();
    replies.extend(all.windows(3).map(|w| composer.suggestions(w)));
    let rules: Vec<_> = faq.red_flags().rules.iter().collect();
    replies.extend(rules.iter().map(|r| composer.emergency(&[r])));
    replies.push(composer.emergency(&rules));
    replies.extend(
        [Tier::Urgent, Tier::Emergency, Tier::Crisis]
            .map(|tier| composer.emergency_repeat(tier, FIRST_REPLY)),
    );
    let knowledge = Knowledge::new(faq.clone());
    let net = knowledge.decide("is it normal to get a fever after prolo");
    assert!(
        net.safety_net(),
        "a risk question earns the safety-net line"
    );
    replies.push(composer.decision(&net));
    let lone_net = knowledge.decide("feeling hopeless");
    assert_eq!(lone_net.outcome(), Outcome::NoMatch);
    replies.push(composer.decision(&lone_net));
    replies
}

#[test]
fn every_reply_path_carries_the_disclaimer() {
    let faq = shipped_faq();
    let replies = every_reply(&faq);
    for kind in [
        ReplyKind::Answer,
        ReplyKind::Detail,
        ReplyKind::Suggestions,
        ReplyKind::NoMatch,
        ReplyKind::Emergency,
        ReplyKind::SafetyNet,
        ReplyKind::Notice,
        ReplyKind::Error,
    ] {
        assert!(
            replies.iter().any(|r| r.kind() == kind),
            "no {kind:?} reply was built"
        );
    }
    for reply in &replies {
        assert_carries_disclaimer(&faq, reply);
    }
}

/// A jump link to a reply the bot posted earlier.
const FIRST_REPLY: &str = "https://discord.com/channels/1/2/3";

#[test]
fn a_repeated_emergency_reply_leads_with_its_tier_guidance_and_points_at_the_first() {
    let faq = shipped_faq();
    let composer = Composer::new(&faq);
    let texts = faq.texts();
    for (tier, lead) in [
        (Tier::Urgent, format!("⚠️ {}", texts.urgent.trim())),
        (Tier::Emergency, format!("🚨 {}", texts.emergency.trim())),
        (Tier::Crisis, format!("💛 {}", texts.crisis.trim())),
    ] {
        let rules: Vec<_> = faq
            .red_flags()
            .rules
            .iter()
            .filter(|rule| rule.tier == tier)
            .collect();
        let full = composer.emergency(&rules);
        let short = composer.emergency_repeat(tier, FIRST_REPLY);
        assert_eq!(
            (short.kind(), short.tier()),
            (ReplyKind::Emergency, Some(tier))
        );
        assert_eq!(full.tier(), Some(tier));
        assert!(short.text().starts_with(&lead), "{}", short.text());
        assert!(short.text().contains(FIRST_REPLY), "{}", short.text());
        assert!(
            short.text().chars().count() < full.text().chars().count(),
            "shorter than the full reply"
        );
        for advice in rules.iter().filter_map(|rule| rule.advice.as_deref()) {
            assert!(!short.text().contains(advice.trim()), "{}", short.text());
        }
    }
}

#[test]
fn every_decision_outcome_composes_a_reply_with_the_disclaimer() {
    let faq = shipped_faq();
    let composer = Composer::new(&faq);
    let refs: Vec<EntryRef> = faq.refs().map(|(entry, _)| entry).collect();
    let emergency = Knowledge::new(faq.clone()).decide("I have crushing chest pain right now");
    assert_eq!(emergency.outcome(), Outcome::Emergency);
    assert_carries_disclaimer(&faq, &composer.decision(&emergency));
    for safety_net in [false, true] {
        let decisions = [
            Decision::Answer {
                entry: refs[0],
                also: Some(refs[3]),
                confidence: 0.9,
                safety_net,
            },
            Decision::Suggest {
                entries: vec![refs[1], refs[2]],
                confidence: 0.4,
                safety_net,
            },
            Decision::NoMatch {
                confidence: 0.0,
                safety_net,
            },
            Decision::Service {
                entry: faq.find("clinic-contact").expect("the clinic entry"),
                service: Service::Clinic,
                confidence: 0.9,
                safety_net,
            },
            Decision::Service {
                entry: faq.find("about-bot").expect("the help entry"),
                service: Service::Help,
                confidence: 0.9,
                safety_net,
            },
        ];
        for decision in &decisions {
            let reply = composer.decision(decision);
            assert_carries_disclaimer(&faq, &reply);
            if safety_net {
                assert!(
                    reply
                        .text()
                        .starts_with(&format!("⚠️ {}", faq.texts().safety_net.trim())),
                    "the safety-net line comes first: {}",
                    reply.text()
                );
            }
        }
    }
}

#[test]
fn more_detail_repeats_the_title_and_sources_of_the_answer() {
    let knowledge = crate::shipped();
    let faq = knowledge.faq();
    let composer = knowledge.composer();
    let mut with_detail = 0;
    for entry in faq.entries() {
        let answer = composer.answer(entry);
        assert_eq!(answer.has_detail(), entry.detail.is_some(), "{}", entry.id);
        let Some(detail) = knowledge.detail(&entry.id) else {
            assert!(composer.detail(entry).is_none());
            continue;
        };
        with_detail += 1;
        assert_eq!(detail.kind(), ReplyKind::Detail);
        assert_eq!(detail.entry_id(), Some(entry.id.as_str()));
        assert!(!detail.has_detail(), "a detail offers no further detail");
        assert!(
            detail
                .text()
                .starts_with(&format!("**{}**", entry.title.trim())),
            "{}",
            detail.text()
        );
        let text = entry.detail.as_deref().unwrap_or_default().trim();
        assert!(detail.text().contains(text), "{}: not cut", entry.id);
        let sources = answer.text().lines().find(|l| l.starts_with("-# Sources:"));
        if let Some(sources) = sources {
            assert!(detail.text().contains(sources), "{}", entry.id);
        }
        assert_carries_disclaimer(faq, &detail);
    }
    assert!(with_detail > 0, "the shipped FAQ has details");
    assert!(knowledge.detail("no-such-entry").is_none());
}

#[test]
fn a_safety_net_answer_keeps_the_faq_answer_below_the_line() {
    let faq = shipped_faq();
    let composer = Composer::new(&faq);
    let first = faq.find(&faq.entries()[0].id).expect("the first entry");
    let reply = composer.decision(&Decision::Answer {
        entry: first,
        also: None,
        confidence: 0.9,
        safety_net: true,
    });
    assert_eq!(reply.kind(), ReplyKind::Answer);
    assert_eq!(reply.entry_id(), Some(faq.entries()[0].id.as_str()));
    assert!(reply.text().contains(faq.entries()[0].title.trim()));
    let no_match = composer.decision(&Decision::NoMatch {
        confidence: 0.9,
        safety_net: true,
    });
    assert_eq!(no_match.kind(), ReplyKind::SafetyNet);
    assert!(!no_match.text().contains(faq.texts().no_match.trim()));
}

#[test]
fn each_tier_leads_with_its_own_guidance() {
    let faq = shipped_faq();
    let knowledge = Knowledge::new(faq.clone());
    let composer = Composer::new(&faq);
    let cases = [
        (
            "i just want to die, i cant do this anymore",
            Tier::Crisis,
            "💛",
            &faq.texts().crisis,
        ),
        (
            "took way more of my pain pills than i should have",
            Tier::Crisis,
            "💛",
            &faq.texts().crisis,
        ),
        (
            "my husband collapsed and wont wake up",
            Tier::Emergency,
            "🚨",
            &faq.texts().emergency,
        ),
        (
            "fever since my injection yesterday",
            Tier::Urgent,
            "⚠️",
            &faq.texts().urgent,
        ),
    ];
    for (message, tier, mark, text) in cases {
        let decision = knowledge.decide(message);
        assert_eq!(decision.tier(), Some(tier), "{message}");
        let reply = composer.decision(&decision);
        assert_eq!(reply.kind(), ReplyKind::Emergency);
        assert!(
            reply.text().starts_with(&format!("{mark} {}", text.trim())),
            "{message}: {}",
            reply.text()
        );
    }
    let overdose =
        composer.decision(&knowledge.decide("took way more of my pain pills than i should have"));
    assert!(
        overdose.text().contains("even if you feel fine"),
        "{}",
        overdose.text()
    );
}

#[test]
fn emergency_guidance_comes_first_and_without_faq_content() {
    let faq = shipped_faq();
    let knowledge = Knowledge::new(faq.clone());
    let decision = knowledge.decide(
        "had prolo yesterday, now a fever, the knee is hot and swollen and I feel confused",
    );
    assert_eq!(decision.outcome(), Outcome::Emergency);
    assert_eq!(decision.tier(), Some(Tier::Emergency), "sepsis signs");
    let reply = Composer::new(&faq).decision(&decision);
    assert!(reply.text().starts_with("🚨"), "{}", reply.text());
    assert!(reply.text().contains("emergency"), "{}", reply.text());
    assert!(faq
        .entries()
        .iter()
        .all(|e| !reply.text().contains(e.answer.trim())));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn any_message_gets_a_reply_with_the_disclaimer(message in "\\PC{0,300}") {
        let knowledge = crate::shipped();
        let faq = knowledge.faq();
        let reply = Composer::new(faq).decision(&knowledge.decide(&message));
        prop_assert!(reply.text().contains(faq.texts().disclaimer.trim()));
        prop_assert!(reply.text().chars().count() <= MESSAGE_LIMIT);
    }
}
