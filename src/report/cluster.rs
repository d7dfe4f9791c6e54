//! Grouping similar unanswered questions, so that a question asked twenty ways is one row.

use std::collections::HashMap;

use crate::store::UnansweredRow;

/// Example texts kept per unanswered group.
const MAX_EXAMPLES: usize = 3;

/// Similar unanswered questions (no match or suggested) shown as one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnansweredGroup {
    /// How many of them had no match.
    pub no_match: usize,
    /// How many of them only got suggestions.
    pub suggest: usize,
    /// Unix time of the most recent one.
    pub last_asked: i64,
    /// Up to three distinct texts, newest first.
    pub examples: Vec<String>,
}

impl UnansweredGroup {
    /// How many questions the group holds.
    #[must_use]
    pub fn count(&self) -> usize {
        self.no_match + self.suggest
    }
}

/// A group being built: how many distinct tokens its leader has, and the group so far.
struct GroupBuilder {
    leader_size: usize,
    group: UnansweredGroup,
}

impl GroupBuilder {
    /// A new group whose first (and newest) question is `row`.
    fn lead(leader_size: usize, row: &UnansweredRow) -> Self {
        let mut group = UnansweredGroup {
            no_match: 0,
            suggest: 0,
            last_asked: row.at,
            examples: Vec::new(),
        };
        add_to_group(&mut group, row);
        Self { leader_size, group }
    }
}

/// Leader clustering in one pass over `rows` (newest first): each question joins
/// the existing group whose leader (first, i.e. newest, member) is most similar,
/// if the Jaccard similarity of their token sets reaches `threshold`; otherwise it
/// leads a new group. Deterministic: ties go to the older group.
pub(super) fn group_unanswered(
    rows: &[UnansweredRow],
    tokenize: &dyn Fn(&str) -> Vec<String>,
    threshold: f32,
) -> Vec<UnansweredGroup> {
    let mut builders: Vec<GroupBuilder> = Vec::new();
    // Inverted index of the leaders' tokens: token -> groups whose leader has it.
    let mut groups_by_token: HashMap<String, Vec<usize>> = HashMap::new();
    for row in rows {
        let tokens = token_set(&row.question, tokenize);
        if let Some(index) = most_similar_group(&tokens, &builders, &groups_by_token, threshold) {
            add_to_group(&mut builders[index].group, row);
            continue;
        }
        let leader_size = tokens.len();
        for token in tokens {
            groups_by_token
                .entry(token)
                .or_default()
                .push(builders.len());
        }
        builders.push(GroupBuilder::lead(leader_size, row));
    }
    let mut groups: Vec<UnansweredGroup> =
        builders.into_iter().map(|builder| builder.group).collect();
    // Groups were created newest first and the sort is stable, so equal counts
    // stay most-recently-asked first.
    groups.sort_by_key(|group| std::cmp::Reverse(group.count()));
    groups
}

/// Distinct tokens; a question without tokens stands for itself.
fn token_set(question: &str, tokenize: &dyn Fn(&str) -> Vec<String>) -> Vec<String> {
    let mut tokens = tokenize(question);
    if tokens.is_empty() {
        tokens.push(question.to_owned());
    }
    tokens.sort_unstable();
    tokens.dedup();
    tokens
}

/// The group whose leader is most similar to `tokens` (distinct), if any reaches
/// `threshold`. Shared-token counts come from the inverted index, so the cost is
/// one increment per (token, group) posting plus one pass over the groups.
fn most_similar_group(
    tokens: &[String],
    builders: &[GroupBuilder],
    groups_by_token: &HashMap<String, Vec<usize>>,
    threshold: f32,
) -> Option<usize> {
    let mut shared = vec![0_usize; builders.len()];
    for groups in tokens.iter().filter_map(|token| groups_by_token.get(token)) {
        for &index in groups {
            shared[index] += 1;
        }
    }
    let mut best: Option<(usize, f32)> = None;
    for (index, &shared) in shared.iter().enumerate().filter(|(_, &shared)| shared > 0) {
        let union = tokens.len() + builders[index].leader_size - shared;
        let similarity = shared as f32 / union as f32;
        if similarity >= threshold
            && best.is_none_or(|(_, best_similarity)| similarity > best_similarity)
        {
            best = Some((index, similarity));
        }
    }
    best.map(|(index, _)| index)
}

fn add_to_group(group: &mut UnansweredGroup, row: &UnansweredRow) {
    if row.suggested {
        group.suggest += 1;
    } else {
        group.no_match += 1;
    }
    if group.examples.len() < MAX_EXAMPLES && !group.examples.contains(&row.question) {
        group.examples.push(row.question.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{row, toy_tokens, DAY, NOW};
    use super::*;

    const YOGA_PHRASINGS: [&str; 20] = [
        "can i do yoga after prolotherapy",
        "yoga after prolotherapy?",
        "is yoga ok after prolotherapy",
        "when can i do yoga after prolotherapy",
        "can i practice yoga after prolotherapy",
        "is it safe to do yoga after prolotherapy",
        "yoga after my prolotherapy injection",
        "can i go back to yoga after prolotherapy",
        "how soon yoga after prolotherapy",
        "should i avoid yoga after prolotherapy",
        "doing yoga after prolotherapy",
        "yoga classes after prolotherapy",
        "hot yoga after prolotherapy",
        "can i resume yoga after prolotherapy",
        "is yoga allowed after prolotherapy",
        "yoga after prolotherapy treatment",
        "can i do yoga the day after prolotherapy",
        "yoga and prolotherapy",
        "when to restart yoga after prolotherapy",
        "is gentle yoga ok after prolotherapy",
    ];

    #[test]
    fn similar_unanswered_questions_form_one_group() {
        let others = [
            "how much does prolotherapy cost",
            "what does prolotherapy cost",
            "prolotherapy costs",
            "does prolotherapy hurt",
            "can i drink alcohol after prolotherapy",
        ];
        // As the store returns them: newest first, a minute apart, every fourth yoga question
        // suggested, the first five minutes each with another question asked after it.
        let rows: Vec<UnansweredRow> = (0..YOGA_PHRASINGS.len())
            .rev()
            .flat_map(|index| {
                let at = NOW - DAY + 60 * i64::try_from(index).expect("twenty rows");
                let other = others.get(index).map(|other| row(other, false, at));
                other
                    .into_iter()
                    .chain([row(YOGA_PHRASINGS[index], index % 4 == 0, at)])
            })
            .collect();

        let groups = group_unanswered(&rows, &toy_tokens, 0.5);
        let counts: Vec<usize> = groups.iter().map(UnansweredGroup::count).collect();
        assert_eq!(counts, [20, 3, 1, 1]);
        let yoga = &groups[0];
        assert_eq!((yoga.no_match, yoga.suggest), (15, 5));
        assert_eq!(yoga.last_asked, NOW - DAY + 19 * 60);
        assert_eq!(
            yoga.examples,
            [YOGA_PHRASINGS[19], YOGA_PHRASINGS[18], YOGA_PHRASINGS[17]]
        );
        assert!(groups[1].examples.iter().all(|text| text.contains("cost")));
        // Equal counts: most recently asked first.
        assert_eq!(groups[2].examples, [others[4]]);
        assert_eq!(groups[3].examples, [others[3]]);

        let again = group_unanswered(&rows, &toy_tokens, 0.5);
        assert_eq!(again, groups, "grouping must be deterministic");
    }

    #[test]
    fn grouping_threshold_controls_merging() {
        let no_match = |question: &str| row(question, false, NOW);
        let rows = [
            no_match("yoga prolotherapy"),
            no_match("yoga prolotherapy injection"),
        ]; // Jaccard 2/3
        assert_eq!(group_unanswered(&rows, &toy_tokens, 0.6).len(), 1);
        assert_eq!(group_unanswered(&rows, &toy_tokens, 0.7).len(), 2);
        // Questions without tokens group by their exact text.
        let empty = [no_match("how"), no_match("how"), no_match("what")];
        let groups = group_unanswered(&empty, &toy_tokens, 0.5);
        assert_eq!(groups.len(), 2);
        assert_eq!(
            (groups[0].count(), &groups[0].examples[..]),
            (2, &["how".to_owned()][..])
        );
        // Repeated tokens count once: {yoga} vs {yoga, prolotherapy} is 1/2.
        let repeated = [no_match("yoga yoga"), no_match("yoga prolotherapy")];
        assert_eq!(group_unanswered(&repeated, &toy_tokens, 0.6).len(), 2);
    }
}
