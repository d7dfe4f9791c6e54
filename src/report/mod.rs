//! Moderator reports: which questions go unanswered, which answers help, which safety rules fired.
//!
//! This module owns the report itself, built from the plain rows that
//! [`Store::report_rows`](crate::store::Store::report_rows) reads: [`build`] groups similar
//! unanswered questions, and the report renders as compact text for the CLI and Discord
//! ([`Report::render_text`]) or as CSV for export ([`Report::write_csv`]). Everything here is
//! pure (no database, no I/O but the writer it is given), so building a report never holds the
//! database: the rows are read first, then the report is built from them.

mod cluster;
mod export;
#[cfg(test)]
mod fixtures;
mod render;

pub use cluster::UnansweredGroup;

use crate::store::{ReportRows, ReportSections};

/// Insights over a period, from [`build`]: the report's sections with similar unanswered
/// questions grouped, biggest group first.
pub type Report = ReportSections<UnansweredGroup>;

/// Builds the report from `rows`, grouping the unanswered questions whose token sets are
/// similar enough (`rows.query.similarity_threshold`). `tokenize` turns a normalised question
/// into those tokens (the bot passes its stemmed, stopword-free tokenizer).
#[must_use]
pub fn build(rows: ReportRows, tokenize: &dyn Fn(&str) -> Vec<String>) -> Report {
    let ReportSections {
        query,
        totals,
        unanswered,
        unanswered_capped,
        entries,
        low_confidence,
        emergencies,
    } = rows;
    ReportSections {
        unanswered: cluster::group_unanswered(&unanswered, tokenize, query.similarity_threshold),
        query,
        totals,
        unanswered_capped,
        entries,
        low_confidence,
        emergencies,
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::{row, toy_tokens, NOW};
    use super::*;
    use crate::store::{EntryStats, LowConfidenceAnswer, OutcomeCounts, ReportQuery, RuleCount};

    #[test]
    fn build_groups_the_unanswered_rows_and_keeps_the_rest() {
        let rows = ReportRows {
            query: ReportQuery {
                since: NOW,
                guild_id: Some(3),
                ..ReportQuery::default()
            },
            totals: OutcomeCounts {
                answer: 1,
                suggest: 1,
                no_match: 2,
                emergency: 1,
            },
            unanswered: vec![
                row("yoga after prolotherapy", true, NOW + 2),
                row("prolotherapy cost", false, NOW + 1),
                row("yoga after prolotherapy?", false, NOW),
            ],
            unanswered_capped: true,
            entries: vec![EntryStats {
                entry_id: "pain".into(),
                hits: 1,
                helpful: 1,
                not_helpful: 0,
            }],
            low_confidence: vec![LowConfidenceAnswer {
                question_id: 4,
                at: NOW,
                question: "does it hurt".into(),
                entry_id: Some("pain".into()),
                confidence: 0.4,
            }],
            emergencies: vec![RuleCount {
                rule_id: Some("chest-pain".into()),
                count: 1,
            }],
        };
        let report = build(rows.clone(), &toy_tokens);
        assert_eq!(
            report.unanswered,
            [
                UnansweredGroup {
                    no_match: 1,
                    suggest: 1,
                    last_asked: NOW + 2,
                    examples: vec![
                        "yoga after prolotherapy".into(),
                        "yoga after prolotherapy?".into()
                    ],
                },
                UnansweredGroup {
                    no_match: 1,
                    suggest: 0,
                    last_asked: NOW + 1,
                    examples: vec!["prolotherapy cost".into()],
                },
            ]
        );
        assert_eq!(
            (report.query, report.totals, report.unanswered_capped),
            (rows.query, rows.totals, true)
        );
        assert_eq!(
            (report.entries, report.low_confidence, report.emergencies),
            (rows.entries, rows.low_confidence, rows.emergencies)
        );
    }
}
