//! Routing on the shipped FAQ (issue 10): other treatments are declined even in the FAQ's own
//! question frames, comparisons and subject-less questions still route, frames carry the
//! intent, and clinic and bot questions get their service replies, disclaimer included.

use prolobot_core::Outcome;

use crate::shipped;

/// The outcome and entry id the shipped FAQ gives `question`.
fn route(question: &str) -> (Outcome, Option<String>) {
    let knowledge = shipped();
    let decision = knowledge.decide(question);
    let id = decision
        .entry()
        .map(|entry| knowledge.faq().get(entry).id.clone());
    (decision.outcome(), id)
}

#[test]
fn other_treatments_are_not_answered_as_prolotherapy() {
    for question in [
        "does microneedling hurt",
        "how many sessions of hypnotherapy will I need",
        "who shouldn't get a hair transplant",
        "how do I know if my acupuncturist is certified",
        "is physiotherapy safe",
        "how long do gel injections last",
        "how much is a flu shot",
        "what is travel insurance",
    ] {
        let (outcome, id) = route(question);
        assert_eq!(outcome, Outcome::NoMatch, "{question:?} -> {id:?}");
    }
}

#[test]
fn comparisons_and_subject_less_questions_still_route() {
    for (question, expected) in [
        ("is prolo better than cortisone shots", "vs-steroids"),
        ("prolotherapy vs PRP", "vs-prp-stem-cells"),
        ("prolo instead of knee replacement?", "vs-surgery"),
        ("can prolo help my knee", "conditions-treated"),
        ("does it hurt?", "procedure"),
        ("is it safe?", "side-effects"),
    ] {
        assert_eq!(
            route(question),
            (Outcome::Answer, Some(expected.to_string())),
            "{question:?}"
        );
    }
}

#[test]
fn question_frames_carry_the_intent() {
    for (question, expected) in [
        ("how is prolotherapy performed?", "procedure"),
        ("what is prolotherapy used for?", "conditions-treated"),
        ("do prolotherapy injections work?", "effectiveness"),
        ("how does prolotherapy work?", "how-it-works"),
        ("who is prolotherapy for?", "candidates"),
        ("who does prolotherapy?", "find-provider"),
        ("how long does it last?", "effectiveness"),
    ] {
        assert_eq!(
            route(question),
            (Outcome::Answer, Some(expected.to_string())),
            "{question:?}"
        );
    }
}

#[test]
fn clinic_and_bot_questions_get_service_replies_with_the_disclaimer() {
    let knowledge = shipped();
    let texts = knowledge.faq().texts();
    let contact = texts
        .contact
        .as_deref()
        .expect("the shipped FAQ has a contact line");
    for question in [
        "what are your opening hours",
        "do you take walk-ins",
        "I need to cancel my appointment",
    ] {
        let response = knowledge.respond(question);
        assert_eq!(
            response.decision().outcome(),
            Outcome::Clinic,
            "{question:?}"
        );
        let text = response.reply().text();
        assert!(text.contains(contact.trim()), "{question:?}: {text}");
        assert!(
            text.contains(texts.disclaimer.trim()),
            "{question:?}: {text}"
        );
    }
    for question in ["who are you", "what can you do"] {
        let response = knowledge.respond(question);
        assert_eq!(response.decision().outcome(), Outcome::Help, "{question:?}");
        let text = response.reply().text();
        assert!(text.contains("`side-effects`"), "the topic list: {text}");
        assert!(
            text.contains(texts.disclaimer.trim()),
            "{question:?}: {text}"
        );
    }
}

#[test]
fn safety_still_comes_first_whatever_the_subject() {
    let (outcome, _) = route("I had physio this morning and now I have crushing chest pain");
    assert_eq!(outcome, Outcome::Emergency);
}

#[test]
fn two_questions_in_one_message_answer_the_first_and_offer_the_second() {
    let knowledge = shipped();
    let response = knowledge.respond("How much does prolotherapy cost? And does it hurt?");
    let faq = knowledge.faq();
    let decision = response.decision();
    assert_eq!(
        decision.entry().map(|e| faq.get(e).id.as_str()),
        Some("cost-insurance")
    );
    let reply = response.reply();
    assert_eq!(reply.also().map(|s| s.id.as_str()), Some("procedure"));
    assert!(
        reply.text().contains("**You also asked:**"),
        "{}",
        reply.text()
    );
    assert!(reply
        .text()
        .ends_with(&format!("*{}*", faq.texts().disclaimer.trim())));
    // `explain` (and `/faqmod test`) says why: not the whole message's scores.
    let why = knowledge
        .explain("How much does prolotherapy cost? And does it hurt?")
        .to_string();
    assert!(why.contains("two questions: the first"), "{why}");
    // One question with context around it is still one question.
    let single = knowledge.decide("My knee has hurt for years. How much does prolotherapy cost?");
    assert!(matches!(
        single,
        prolobot_core::Decision::Answer { also: None, .. }
    ));
}
