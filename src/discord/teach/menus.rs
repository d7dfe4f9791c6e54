//! Teaching from `/faqmod stats`: under the report, a menu of its unanswered groups; picking one
//! shows its examples with a menu of entries ("Teach": the group's examples, at most three, are
//! added to the entry together) and an "Off-topic" button (the first example's subject is
//! declined).
//!
//! The components carry no state: a group is named by a key, a hash of one of its examples, and
//! found again in the report read anew at each click, so a click after the report has moved on
//! still teaches the group the moderator saw, or says it is gone. Every click is checked for a
//! moderator again (the report is only shown to moderators, but a component carries no check).
//!
//! Custom ids: `teach:g` (the group menu), `teach:e:<key>` (the entry menu of group `key`),
//! `teach:o:<key>` (its Off-topic button).

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use prolobot_core::{Knowledge, Reply};
use serenity::all::{
    ButtonStyle, ComponentInteraction, ComponentInteractionDataKind, Context as SerenityContext,
    CreateActionRow, CreateButton, CreateSelectMenu, CreateSelectMenuKind, CreateSelectMenuOption,
};

use super::{notice, run, Action};
use crate::discord::access::member_is_moderator;
use crate::discord::commands::{clip, CHOICE_NAME_LIMIT};
use crate::discord::{outgoing, Data, Error};
use crate::report::{Report, UnansweredGroup};
use crate::store::ReportQuery;
use crate::teach::{self, Request};

/// Discord's limit on the options of a menu.
const MAX_OPTIONS: usize = 25;
const GROUP_MENU: &str = "teach:g";
const ENTRY_MENU: &str = "teach:e:";
const OFF_TOPIC: &str = "teach:o:";

/// What a click on one of the teach components asks for.
#[derive(Debug, PartialEq, Eq)]
enum Pick {
    /// Show this group, with its entry menu and Off-topic button.
    Group { key: String },
    /// Teach this group's examples to this entry.
    Entry { key: String, entry: String },
    /// Decline this group's subject.
    OffTopic { key: String },
}

impl Pick {
    /// The pick a component's custom id and chosen values stand for; `None` when not ours.
    fn parse(custom_id: &str, values: &[String]) -> Option<Self> {
        let value = values.first().cloned();
        if custom_id == GROUP_MENU {
            return value.map(|key| Self::Group { key });
        }
        if let Some(key) = custom_id.strip_prefix(ENTRY_MENU) {
            return value.map(|entry| Self::Entry {
                key: key.to_owned(),
                entry,
            });
        }
        custom_id.strip_prefix(OFF_TOPIC).map(|key| Self::OffTopic {
            key: key.to_owned(),
        })
    }

    fn key(&self) -> &str {
        match self {
            Self::Group { key } | Self::Entry { key, .. } | Self::OffTopic { key } => key,
        }
    }
}

/// The key of a group: a hash of its first example.
fn key(group: &UnansweredGroup) -> String {
    group.examples.first().map_or_else(String::new, |e| hash(e))
}

fn hash(text: &str) -> String {
    let mut hasher = DefaultHasher::new();
    text.hash(&mut hasher);
    format!("{:016x}", hasher.finish())
}

/// The group with `key`: the one with an example whose hash it is.
fn find<'r>(report: &'r Report, key: &str) -> Option<&'r UnansweredGroup> {
    report
        .unanswered
        .iter()
        .find(|group| group.examples.iter().any(|example| hash(example) == key))
}

/// The menu of unanswered groups under `/faqmod stats` (none when there are none).
pub(in crate::discord) fn group_menu(groups: &[UnansweredGroup]) -> Vec<CreateActionRow> {
    let options: Vec<CreateSelectMenuOption> = groups
        .iter()
        .filter(|group| !group.examples.is_empty())
        .take(MAX_OPTIONS)
        .map(|group| {
            let label = format!("{}x: {}", group.count(), group.examples[0]);
            let mut option =
                CreateSelectMenuOption::new(clip(&label, CHOICE_NAME_LIMIT), key(group));
            if group.examples.len() > 1 {
                let others = group.examples[1..].join(" / ");
                option = option.description(clip(&others, CHOICE_NAME_LIMIT));
            }
            option
        })
        .collect();
    if options.is_empty() {
        return Vec::new();
    }
    let menu = CreateSelectMenu::new(GROUP_MENU, CreateSelectMenuKind::String { options })
        .placeholder("Teach the bot one of these unanswered groups…");
    vec![CreateActionRow::SelectMenu(menu)]
}

/// Answers a click on a teach component; other components' clicks are not ours.
pub(in crate::discord) async fn on_click(
    ctx: &SerenityContext,
    data: &Data,
    click: &ComponentInteraction,
) -> Result<(), Error> {
    let values = match &click.data.kind {
        ComponentInteractionDataKind::StringSelect { values } => values.as_slice(),
        _ => &[],
    };
    let Some(pick) = Pick::parse(&click.data.custom_id, values) else {
        return Ok(());
    };
    let knowledge = data.knowledge.current();
    let moderator = member_is_moderator(click.member.as_ref(), &data.config.moderator_roles);
    let (true, Some(guild)) = (moderator, click.guild_id) else {
        let refusal = knowledge
            .composer()
            .error("teaching the bot is only for moderators.");
        let response = outgoing::ephemeral(&refusal, Vec::new());
        let refused = super::super::retry::on_rate_limit("refusal", || {
            click.create_response(&ctx.http, response.clone())
        });
        return Ok(refused.await?);
    };
    // Reading the report and checking a change both take a while; the answer is a follow-up.
    super::super::retry::on_rate_limit("defer", || click.defer_ephemeral(&ctx.http)).await?;
    // The same report as `/faqmod stats`.
    let query = ReportQuery {
        guild_id: Some(guild.get()),
        ..ReportQuery::default()
    };
    let report = data.insights.report(query).await?;
    let (reply, rows) = match (find(&report, pick.key()), pick) {
        (None, _) => {
            let gone = "That group is no longer in the report. Run `/faqmod stats` again.";
            (knowledge.composer().notice(gone), Vec::new())
        }
        (Some(group), Pick::Group { key }) => group_shown(&knowledge, group, &key),
        (Some(group), Pick::Entry { entry, .. }) => {
            let request = Request::Phrasings {
                entry,
                questions: group.examples.clone(),
            };
            (teach_as(ctx, data, click, request).await?, Vec::new())
        }
        (Some(group), Pick::OffTopic { .. }) => {
            let request = Request::OffTopic {
                question: group.examples[0].clone(),
                subject: None,
            };
            (teach_as(ctx, data, click, request).await?, Vec::new())
        }
    };
    let message = outgoing::followup(&reply, rows);
    super::super::retry::on_rate_limit("follow-up", || {
        click.create_followup(&ctx.http, message.clone())
    })
    .await?;
    Ok(())
}

/// Teaches `request` as the clicking moderator.
async fn teach_as(
    ctx: &SerenityContext,
    data: &Data,
    click: &ComponentInteraction,
    request: Request,
) -> Result<Reply, Error> {
    let action = Action::Teach {
        request,
        force: false,
    };
    run(&ctx.http, data, &click.user, action).await
}

/// A group's examples, the menu of entries to teach them to (closest first) and Off-topic.
fn group_shown(
    knowledge: &Knowledge,
    group: &UnansweredGroup,
    key: &str,
) -> (Reply, Vec<CreateActionRow>) {
    let faq = knowledge.faq();
    let examples: Vec<&str> = group.examples.iter().map(String::as_str).collect();
    let mut ids = teach::closest_entries(knowledge, &examples, MAX_OPTIONS);
    for entry in faq.entries() {
        if ids.len() < MAX_OPTIONS && !ids.contains(&entry.id.as_str()) {
            ids.push(&entry.id);
        }
    }
    let options = ids
        .into_iter()
        .filter_map(|id| faq.entry(id))
        .map(|entry| {
            CreateSelectMenuOption::new(clip(&entry.title, CHOICE_NAME_LIMIT), entry.id.clone())
                .description(clip(&entry.id, CHOICE_NAME_LIMIT))
        })
        .collect();
    let menu = CreateSelectMenu::new(
        format!("{ENTRY_MENU}{key}"),
        CreateSelectMenuKind::String { options },
    )
    .placeholder("Teach: the entry that answers these questions…");
    let off_topic = CreateButton::new(format!("{OFF_TOPIC}{key}"))
        .label("Off-topic")
        .style(ButtonStyle::Secondary);
    let headline = format!("**Unanswered, {}x:**", group.count());
    let footer = "Teach adds these questions to the entry you pick; Off-topic declines the \
                  subject of the first. Both are checked first.";
    let reply = notice(knowledge, &headline, &group.examples.join("\n"), footer);
    let rows = vec![
        CreateActionRow::SelectMenu(menu),
        CreateActionRow::Buttons(vec![off_topic]),
    ];
    (reply, rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::teach::fixture::group;

    #[test]
    fn picks_round_trip_through_custom_ids_and_values() {
        let key = key(&group(&["can i do pilates", "pilates after prolo"]));
        assert_eq!(key.len(), 16);
        let values = |value: &str| vec![value.to_owned()];
        assert_eq!(
            Pick::parse(GROUP_MENU, &values(&key)),
            Some(Pick::Group { key: key.clone() })
        );
        assert_eq!(
            Pick::parse(&format!("{ENTRY_MENU}{key}"), &values("aftercare")),
            Some(Pick::Entry {
                key: key.clone(),
                entry: "aftercare".into()
            })
        );
        assert_eq!(
            Pick::parse(&format!("{OFF_TOPIC}{key}"), &[]),
            Some(Pick::OffTopic { key })
        );
        assert_eq!(Pick::parse(GROUP_MENU, &[]), None);
        assert_eq!(Pick::parse("faq:d:1", &[]), None);
    }

    #[test]
    fn a_group_is_found_by_any_of_its_examples() {
        let mut report = Report {
            query: ReportQuery::default(),
            totals: crate::store::OutcomeCounts::default(),
            unanswered: vec![
                group(&["is it halal"]),
                group(&["newer one", "can i do pilates"]),
            ],
            unanswered_capped: false,
            entries: Vec::new(),
            low_confidence: Vec::new(),
            emergencies: Vec::new(),
        };
        let seen = key(&group(&["can i do pilates"]));
        assert_eq!(find(&report, &seen).map(UnansweredGroup::count), Some(2));
        report.unanswered.pop();
        assert_eq!(find(&report, &seen), None);
    }
}
