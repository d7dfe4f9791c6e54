//! The report as CSV, for spreadsheets: one row per total, group, entry, low-confidence
//! answer and emergency rule, with question texts defused so no spreadsheet runs them.

use std::borrow::Cow;
use std::io::{self, Write};

use super::Report;
use crate::store::Outcome;

impl Report {
    /// Writes the whole report as CSV (RFC 4180, CRLF line ends). The `section`
    /// column tells rows apart: `total` (per outcome), `unanswered` (examples joined
    /// by newlines in `text`), `entry`, `low_confidence` and `emergency`. Question
    /// texts starting like a spreadsheet formula get a leading `'`.
    pub fn write_csv<W: Write>(&self, out: W) -> io::Result<()> {
        let mut csv = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(out);
        csv.write_record(CSV_COLUMNS)?;
        for row in self.csv_rows() {
            csv.write_record(row.fields().iter().map(|field| field.as_bytes()))?;
        }
        csv.flush()
    }

    fn csv_rows(&self) -> Vec<CsvRow> {
        let t = &self.totals;
        let totals = [
            (Outcome::Answer, t.answer),
            (Outcome::Suggest, t.suggest),
            (Outcome::NoMatch, t.no_match),
            (Outcome::Emergency, t.emergency),
        ]
        .map(|(outcome, count)| CsvRow {
            section: "total",
            key: outcome.as_str().to_owned(),
            count: Some(count),
            ..CsvRow::default()
        });
        let unanswered = self.unanswered.iter().map(|group| CsvRow {
            section: "unanswered",
            at: Some(group.last_asked),
            count: Some(group.count() as u64),
            no_match: Some(group.no_match as u64),
            suggest: Some(group.suggest as u64),
            text: group.examples.join("\n"),
            ..CsvRow::default()
        });
        let entries = self.entries.iter().map(|entry| CsvRow {
            section: "entry",
            key: entry.entry_id.clone(),
            count: Some(entry.hits),
            helpful: Some(entry.helpful),
            not_helpful: Some(entry.not_helpful),
            helpful_ratio: entry.helpful_ratio(),
            ..CsvRow::default()
        });
        let low_confidence = self.low_confidence.iter().map(|answer| CsvRow {
            section: "low_confidence",
            key: answer.entry_id.clone().unwrap_or_default(),
            question_id: Some(answer.question_id),
            at: Some(answer.at),
            confidence: Some(answer.confidence),
            text: answer.question.clone(),
            ..CsvRow::default()
        });
        let emergencies = self.emergencies.iter().map(|rule| CsvRow {
            section: "emergency",
            key: rule.rule_id.clone().unwrap_or_default(),
            count: Some(rule.count),
            ..CsvRow::default()
        });
        totals
            .into_iter()
            .chain(unanswered)
            .chain(entries)
            .chain(low_confidence)
            .chain(emergencies)
            .collect()
    }
}

const CSV_COLUMNS: [&str; 12] = [
    "section",
    "key",
    "question_id",
    "at",
    "count",
    "no_match",
    "suggest",
    "helpful",
    "not_helpful",
    "helpful_ratio",
    "confidence",
    "text",
];

/// One CSV line; unused columns stay empty.
#[derive(Default)]
struct CsvRow {
    section: &'static str,
    key: String,
    question_id: Option<i64>,
    at: Option<i64>,
    count: Option<u64>,
    no_match: Option<u64>,
    suggest: Option<u64>,
    helpful: Option<u64>,
    not_helpful: Option<u64>,
    helpful_ratio: Option<f32>,
    confidence: Option<f32>,
    text: String,
}

impl CsvRow {
    fn fields(&self) -> [Cow<'_, str>; 12] {
        fn number<T: ToString>(value: Option<T>) -> Cow<'static, str> {
            value.map_or(Cow::Borrowed(""), |value| Cow::Owned(value.to_string()))
        }
        fn fraction(value: Option<f32>) -> Cow<'static, str> {
            value.map_or(Cow::Borrowed(""), |value| Cow::Owned(format!("{value:.3}")))
        }
        [
            Cow::Borrowed(self.section),
            Cow::Borrowed(&self.key),
            number(self.question_id),
            number(self.at),
            number(self.count),
            number(self.no_match),
            number(self.suggest),
            number(self.helpful),
            number(self.not_helpful),
            fraction(self.helpful_ratio),
            fraction(self.confidence),
            defuse_formula(&self.text),
        ]
    }
}

/// Prefixes `'` to user text a spreadsheet would run as a formula (CSV injection).
fn defuse_formula(text: &str) -> Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{toy_tokens, NOW};
    use super::super::{build, UnansweredGroup};
    use super::*;
    use crate::store::{EntryStats, LowConfidenceAnswer, OutcomeCounts, ReportQuery, ReportRows};

    #[test]
    fn empty_report_exports_the_header_and_totals() {
        let report = build(ReportRows::default(), &toy_tokens);
        let mut csv = Vec::new();
        report.write_csv(&mut csv).expect("csv");
        let records = parse_csv(&String::from_utf8(csv).expect("utf-8"));
        assert_eq!(records.len(), 5, "header and one total per outcome");
    }

    /// Minimal RFC 4180 reader, to check what `write_csv` produces.
    fn parse_csv(text: &str) -> Vec<Vec<String>> {
        let mut records = Vec::new();
        let (mut record, mut field) = (Vec::new(), String::new());
        let mut chars = text.chars().peekable();
        let mut quoted = false;
        while let Some(c) = chars.next() {
            match (quoted, c) {
                (true, '"') if chars.peek() == Some(&'"') => {
                    field.push('"');
                    chars.next();
                }
                (true, '"') => quoted = false,
                (false, '"') => quoted = true,
                (false, ',') => record.push(std::mem::take(&mut field)),
                (false, '\r') => assert_eq!(chars.next(), Some('\n'), "bare CR"),
                (false, '\n') => panic!("record ended by LF, not CRLF"),
                (_, c) => field.push(c),
            }
            if c == '\r' && !quoted {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
        }
        assert!(
            field.is_empty() && record.is_empty() && !quoted,
            "unterminated record"
        );
        records
    }

    #[test]
    fn csv_quotes_commas_quotes_and_newlines() {
        let tricky = "he said \"no\", then\nleft";
        let report = Report {
            query: ReportQuery::default(),
            totals: OutcomeCounts {
                answer: 1,
                suggest: 0,
                no_match: 2,
                emergency: 0,
            },
            unanswered: vec![
                UnansweredGroup {
                    no_match: 2,
                    suggest: 0,
                    last_asked: NOW,
                    examples: vec![tricky.into(), "=HYPERLINK(\"x\")".into()],
                },
                UnansweredGroup {
                    no_match: 1,
                    suggest: 1,
                    last_asked: NOW,
                    examples: vec!["first".into(), "second".into()],
                },
            ],
            unanswered_capped: false,
            entries: vec![EntryStats {
                entry_id: "a,b".into(),
                hits: 1,
                helpful: 1,
                not_helpful: 2,
            }],
            low_confidence: vec![LowConfidenceAnswer {
                question_id: 9,
                at: NOW,
                question: "@cmd".into(),
                entry_id: Some("a,b".into()),
                confidence: 0.25,
            }],
            emergencies: Vec::new(),
        };
        let mut out = Vec::new();
        report.write_csv(&mut out).expect("csv");
        let text = String::from_utf8(out).expect("utf-8");
        assert!(text.contains(",\"first\nsecond\"\r\n"), "{text}");
        assert!(
            text.contains("\"he said \"\"no\"\", then\nleft\n=HYPERLINK(\"\"x\"\")\""),
            "{text}"
        );

        let records = parse_csv(&text);
        assert!(
            records
                .iter()
                .all(|record| record.len() == CSV_COLUMNS.len()),
            "{records:?}"
        );
        assert_eq!(records[0], CSV_COLUMNS);
        let by_section = |section: &str| {
            records
                .iter()
                .find(|record| record[0] == section)
                .expect(section)
                .clone()
        };
        assert_eq!(by_section("total")[1..5], ["answer", "", "", "1"]);
        assert_eq!(
            by_section("unanswered")[11],
            format!("{tricky}\n=HYPERLINK(\"x\")")
        );
        assert_eq!(
            by_section("entry")[1..12],
            ["a,b", "", "", "1", "", "", "1", "2", "0.333", "", ""]
        );
        let low = by_section("low_confidence");
        assert_eq!(
            (low[2].as_str(), low[10].as_str(), low[11].as_str()),
            ("9", "0.250", "'@cmd")
        );
    }
}
