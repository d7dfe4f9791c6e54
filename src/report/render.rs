//! The report as compact text, for the CLI and for Discord: every section gets a fair share
//! of the room, and rows that do not fit are summarised as "... N more".

use time::{Date, OffsetDateTime};

use super::Report;
use crate::store::MAX_UNANSWERED_ROWS;

/// Example texts longer than this are clipped in the text rendering.
const EXAMPLE_CHARS: usize = 60;

/// A titled block of the text report whose rows can be cut to fit.
struct Section {
    header: String,
    rows: Vec<String>,
}

impl Section {
    /// A section titled `header` with one row per item.
    fn new<T>(header: String, items: &[T], row: impl Fn(&T) -> String) -> Self {
        Self {
            header,
            rows: items.iter().map(row).collect(),
        }
    }

    fn cost(&self) -> usize {
        line_cost(&self.header) + self.rows.iter().map(|row| line_cost(row)).sum::<usize>()
    }

    /// The section as text of at most `budget` chars: all of it, or the header, as
    /// many rows as fit and "... N more"; nothing if not even that fits.
    fn render_within(&self, budget: usize) -> String {
        let shown = if self.cost() <= budget {
            self.rows.len()
        } else {
            let mut used = line_cost(&self.header);
            let mut shown = 0;
            for row in &self.rows {
                let more = more_line(self.rows.len() - shown - 1);
                if used + line_cost(row) + line_cost(&more) > budget {
                    break;
                }
                used += line_cost(row);
                shown += 1;
            }
            if used + line_cost(&more_line(self.rows.len() - shown)) > budget {
                return String::new();
            }
            shown
        };
        let mut text = format!("{}\n", self.header);
        for row in &self.rows[..shown] {
            text.push_str(row);
            text.push('\n');
        }
        if shown < self.rows.len() {
            text.push_str(&more_line(self.rows.len() - shown));
            text.push('\n');
        }
        text
    }
}

/// Chars a line takes, with its newline.
fn line_cost(line: &str) -> usize {
    line.chars().count() + 1
}

fn more_line(hidden: usize) -> String {
    format!("... {hidden} more")
}

/// Shares `budget` between sections: small sections get all they need, the
/// rest is split evenly among the larger ones.
fn allot(costs: &[usize], budget: usize) -> Vec<usize> {
    let mut by_cost: Vec<usize> = (0..costs.len()).collect();
    by_cost.sort_by_key(|&index| costs[index]);
    let mut remaining = budget;
    let mut allotments = vec![0; costs.len()];
    for (done, &index) in by_cost.iter().enumerate() {
        let share = remaining / (costs.len() - done);
        allotments[index] = costs[index].min(share);
        remaining -= allotments[index];
    }
    allotments
}

/// `text` cut to `max_chars` chars, ending in "…" when cut.
fn clip(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return text.to_owned();
    }
    let mut clipped: String = text.chars().take(max_chars.saturating_sub(1)).collect();
    if max_chars > 0 {
        clipped.push('…');
    }
    clipped
}

/// The UTC calendar date of a unix time, as YYYY-MM-DD; a time beyond the calendar's range
/// shows its first or last day.
fn utc_date(unix: i64) -> String {
    let beyond = if unix < 0 { Date::MIN } else { Date::MAX };
    OffsetDateTime::from_unix_timestamp(unix)
        .map_or(beyond, OffsetDateTime::date)
        .to_string()
}

impl Report {
    /// Compact human-readable report of at most `max_chars` chars (the CLI passes a
    /// large limit, Discord about 1,800). Rows that do not fit are summarised as
    /// "... N more"; each section gets a fair share of the space.
    #[must_use]
    pub fn render_text(&self, max_chars: usize) -> String {
        let title = clip(&self.title(), max_chars);
        let sections = [
            self.unanswered_section(),
            self.entries_section(),
            self.low_confidence_section(),
            self.emergencies_section(),
        ];
        let costs: Vec<usize> = sections.iter().map(Section::cost).collect();
        let allotments = allot(&costs, max_chars - line_cost(&title).min(max_chars));
        let mut text = title;
        text.push('\n');
        for (section, budget) in sections.iter().zip(allotments) {
            text.push_str(&section.render_within(budget));
        }
        text.pop(); // the last newline
        text
    }

    fn title(&self) -> String {
        let period = if self.query.since > 0 {
            format!("since {}", utc_date(self.query.since))
        } else {
            "all time".to_owned()
        };
        let scope = self.query.guild_id.map_or_else(
            || "all servers".to_owned(),
            |guild| format!("server {guild}"),
        );
        let t = &self.totals;
        format!(
            "FAQ insights, {period}, {scope}\nQuestions: {} (answered {}, suggested {}, no match {}, emergency {})",
            t.total(),
            t.answer,
            t.suggest,
            t.no_match,
            t.emergency
        )
    }

    fn unanswered_section(&self) -> Section {
        let capped = if self.unanswered_capped {
            format!(", most recent {MAX_UNANSWERED_ROWS} only")
        } else {
            String::new()
        };
        let header = format!(
            "\nUnanswered questions ({} groups{capped}):",
            self.unanswered.len()
        );
        Section::new(header, &self.unanswered, |group| {
            let examples: Vec<String> = group
                .examples
                .iter()
                .map(|example| format!("\"{}\"", clip(example, EXAMPLE_CHARS)))
                .collect();
            format!(
                "{}x ({} no match, {} suggested), last {}: {}",
                group.count(),
                group.no_match,
                group.suggest,
                utc_date(group.last_asked),
                examples.join(" / ")
            )
        })
    }

    fn entries_section(&self) -> Section {
        let header = format!("\nAnswers per entry ({} entries):", self.entries.len());
        Section::new(header, &self.entries, |entry| {
            let votes = match entry.helpful_ratio() {
                Some(ratio) => format!(
                    "{}/{} helpful ({:.0}%)",
                    entry.helpful,
                    entry.helpful + entry.not_helpful,
                    ratio * 100.0
                ),
                None => "no votes".to_owned(),
            };
            format!("{}: {} hits, {votes}", entry.entry_id, entry.hits)
        })
    }

    fn low_confidence_section(&self) -> Section {
        let header = format!(
            "\nLow-confidence answers to review (below {:.2}, {} shown):",
            self.query.low_confidence_below,
            self.low_confidence.len()
        );
        Section::new(header, &self.low_confidence, |answer| {
            format!(
                "{} #{} {} ({:.2}): \"{}\"",
                utc_date(answer.at),
                answer.question_id,
                answer.entry_id.as_deref().unwrap_or("?"),
                answer.confidence,
                clip(&answer.question, EXAMPLE_CHARS)
            )
        })
    }

    fn emergencies_section(&self) -> Section {
        let header = format!("\nEmergencies: {}", self.totals.emergency);
        Section::new(header, &self.emergencies, |rule| {
            format!(
                "{}: {}",
                rule.rule_id.as_deref().unwrap_or("(no rule id)"),
                rule.count
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{toy_tokens, DAY, NOW};
    use super::super::{build, UnansweredGroup};
    use super::*;
    use crate::store::{
        EntryStats, LowConfidenceAnswer, OutcomeCounts, ReportQuery, ReportRows, RuleCount,
    };

    #[test]
    fn empty_report_renders() {
        let report = build(ReportRows::default(), &toy_tokens);
        assert_eq!(report.totals.total(), 0);
        let text = report.render_text(1_800);
        assert!(
            text.starts_with("FAQ insights, all time, all servers\nQuestions: 0"),
            "{text}"
        );
        assert!(
            text.contains("Unanswered questions (0 groups):") && text.contains("Emergencies: 0"),
            "{text}"
        );
    }

    /// A report with plenty of long, non-ASCII rows in every section.
    fn big_report() -> Report {
        let group = |index: usize| UnansweredGroup {
            no_match: index + 1,
            suggest: index,
            last_asked: NOW,
            examples: vec![format!("quelle thérapie {index} ✓ {}", "é".repeat(80)); 3],
        };
        Report {
            query: ReportQuery {
                since: NOW - 30 * DAY,
                guild_id: Some(1),
                ..ReportQuery::default()
            },
            totals: OutcomeCounts {
                answer: 500,
                suggest: 40,
                no_match: 300,
                emergency: 7,
            },
            unanswered: (0..300).map(group).collect(),
            unanswered_capped: true,
            entries: (0..40)
                .map(|index| EntryStats {
                    entry_id: format!("entry-{index}"),
                    hits: 100 - index,
                    helpful: index,
                    not_helpful: 1,
                })
                .collect(),
            low_confidence: (0..20)
                .map(|index| LowConfidenceAnswer {
                    question_id: index,
                    at: NOW,
                    question: "ça fait mal? ".repeat(10),
                    entry_id: Some("pain".into()),
                    confidence: 0.41,
                })
                .collect(),
            emergencies: vec![RuleCount {
                rule_id: Some("chest-pain".into()),
                count: 7,
            }],
        }
    }

    #[test]
    fn render_text_never_exceeds_max_chars() {
        let report = big_report();
        for max_chars in (0..400).chain([1_000, 1_799, 1_800, 1_801, 2_000, 5_000]) {
            let text = report.render_text(max_chars);
            assert!(
                text.chars().count() <= max_chars,
                "{max_chars}: {} chars",
                text.chars().count()
            );
        }
        let discord = report.render_text(1_800);
        assert!(
            discord.chars().count() > 1_500,
            "should use the space it has"
        );
        for expected in [
            "Unanswered questions",
            "more",
            "entry-0:",
            "Low-confidence",
            "Emergencies: 7",
            "chest-pain: 7",
        ] {
            assert!(discord.contains(expected), "{expected} missing:\n{discord}");
        }
        let full = report.render_text(usize::MAX);
        assert!(!full.contains("... "), "nothing is cut with a large limit");
        assert_eq!(full.matches("quelle thérapie").count(), 900);
    }

    #[test]
    fn render_text_formats_rows() {
        let mut report = big_report();
        report.unanswered.truncate(1);
        report.entries.truncate(2);
        report.entries[1].helpful = 0;
        report.entries[1].not_helpful = 0;
        report.low_confidence.truncate(1);
        let text = report.render_text(10_000);
        assert!(
            text.starts_with("FAQ insights, since 2025-05-16, server 1\n"),
            "{text}"
        );
        assert!(
            text.contains(
                "\n1x (1 no match, 0 suggested), last 2025-06-15: \"quelle thérapie 0 ✓ éééé"
            ),
            "{text}"
        );
        assert!(
            text.contains("entry-0: 100 hits, 0/1 helpful (0%)\nentry-1: 99 hits, no votes"),
            "{text}"
        );
        assert!(
            text.contains("2025-06-15 #0 pain (0.41): \"ça fait mal?"),
            "{text}"
        );
        assert!(text.contains("most recent 5000 only"), "{text}");
    }

    #[test]
    fn utc_dates() {
        assert_eq!(utc_date(0), "1970-01-01");
        assert_eq!(utc_date(951_782_400), "2000-02-29");
        assert_eq!(utc_date(1_700_000_000), "2023-11-14");
        assert_eq!(utc_date(-1), "1969-12-31");
        // No overflow panic: beyond the calendar, its first or last day.
        assert_eq!(utc_date(i64::MIN), Date::MIN.to_string());
        assert_eq!(utc_date(i64::MAX), Date::MAX.to_string());
    }
}
