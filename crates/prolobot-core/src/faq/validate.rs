//! Validation: from TOML text to a checked [`Faq`], collecting every problem in one run.
//!
//! The document is parsed once into a spanned tree; each top-level section and each entry is
//! then deserialised on its own, so one broken entry does not hide the problems of the next.

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;

use serde::de::DeserializeOwned;
use toml::de::{DeTable, DeValue, ValueDeserializer};
use toml::value::Datetime;
use toml::Spanned;

use super::problem::{closest, Collector, Diagnostic, Problem};
use super::raw::{RawEntry, RawMatching, RawRedFlags, RawRule, RawSubjects, RawTexts};
use super::syntax::{explain_syntax, explain_type, unknown_field};
use super::{
    Cues, Entry, EntryKind, Faq, Frame, Loaded, RedFlagRule, RedFlags, Subjects, Synonym, Texts,
    Thresholds, Tier, When, WordClass,
};
use crate::inert::{hazards, source_hosts, Hazard};
use crate::render::{answer_len, DISCLAIMER_LIMIT, MESSAGE_LIMIT, SAFETY_NET_LIMIT};
use crate::text::{normalise, Analyzer};

const TOP_LEVEL_KEYS: [&str; 8] = [
    "reviewed",
    "texts",
    "matching",
    "synonyms",
    "subjects",
    "frames",
    "red_flags",
    "entry",
];
const ENTRY_KINDS: &str = "topic, clinic, help";
/// The fewest example questions an entry may have.
pub const MIN_QUESTIONS: usize = 3;

/// The file's sections as written, before cross-checks.
#[derive(Default)]
struct Sections {
    reviewed: Option<Datetime>,
    texts: Option<Spanned<RawTexts>>,
    /// Whether `[texts]` is in the file, even if it failed to parse (and was reported then).
    texts_written: bool,
    matching: Option<RawMatching>,
    synonyms: Vec<(Spanned<String>, Vec<Spanned<String>>)>,
    red_flags: Option<RawRedFlags>,
    subjects: Option<RawSubjects>,
    frames: BTreeMap<Spanned<String>, Vec<Spanned<String>>>,
    entries: Vec<Spanned<RawEntry>>,
    unparsed_entry_ids: Vec<String>,
}

pub(super) fn validate(source: &str) -> Result<Loaded, Vec<Diagnostic>> {
    let mut collector = Collector::new(source);
    let (root, syntax_errors) = DeTable::parse_recoverable(source);
    // Only the first syntax error: the parser's later ones are mostly echoes of it (an unclosed
    // `"""` makes dozens), and it is reported where the mistake starts.
    let first = syntax_errors
        .iter()
        .map(|error| (error.span().unwrap_or(0..0), error.message().trim()))
        .min_by_key(|(span, _)| span.start);
    if let Some((span, message)) = first {
        let (at, problem) = explain_syntax(source, &span, message);
        collector.error(at..at, problem);
        return Err(finish(collector));
    }
    let sections = read_sections(&mut collector, root.into_inner());
    let analyzer = Analyzer::default();
    let faq = check(&mut collector, sections, &analyzer);
    match faq {
        Some(faq) if !collector.has_errors() => Ok(Loaded {
            faq,
            warnings: finish(collector),
        }),
        _ => Err(finish(collector)),
    }
}

fn finish(collector: Collector<'_>) -> Vec<Diagnostic> {
    let mut diagnostics = collector.diagnostics;
    diagnostics.sort_by_key(|d| (d.line, d.column));
    diagnostics
}

fn read_sections(c: &mut Collector<'_>, root: DeTable<'_>) -> Sections {
    let mut sections = Sections::default();
    for (key, value) in root {
        match key.get_ref().as_ref() {
            "reviewed" => sections.reviewed = parse(c, value),
            "texts" => {
                let span = value.span();
                sections.texts = parse(c, value).map(|t| Spanned::new(span, t));
                sections.texts_written = true;
            }
            "matching" => sections.matching = parse(c, value),
            "synonyms" => sections.synonyms = parse_synonyms(c, value),
            "red_flags" => sections.red_flags = parse(c, value),
            "subjects" => sections.subjects = parse(c, value),
            "frames" => sections.frames = parse(c, value).unwrap_or_default(),
            "entry" => parse_entries(c, value, &mut sections),
            other => c.error(key.span(), unknown_field(other, &TOP_LEVEL_KEYS)),
        }
    }
    sections
}

/// Deserialises one spanned value, reporting a type error at its position.
fn parse<T: DeserializeOwned>(c: &mut Collector<'_>, value: Spanned<DeValue<'_>>) -> Option<T> {
    let span = value.span();
    T::deserialize(ValueDeserializer::from(value))
        .map_err(|e| {
            let span = e.span().unwrap_or(span);
            let problem = explain_type(c.source(), &span, e.message().trim());
            c.error(span, problem);
        })
        .ok()
}

/// Deserialises each `[[entry]]` on its own. The ids of entries that fail to parse are kept,
/// so `related` lists pointing at them do not report a second, misleading problem.
fn parse_entries(c: &mut Collector<'_>, value: Spanned<DeValue<'_>>, sections: &mut Sections) {
    let span = value.span();
    let DeValue::Array(items) = value.into_inner() else {
        c.error(
            span,
            Problem::WrongType {
                key: "entry".into(),
                expected: "a list of entries: start each one with its own [[entry]] line",
            },
        );
        return;
    };
    for item in items {
        let item_span = item.span();
        let id = table_string(item.get_ref(), "id");
        match parse::<RawEntry>(c, item) {
            Some(entry) => sections.entries.push(Spanned::new(item_span, entry)),
            None => sections.unparsed_entry_ids.extend(id),
        }
    }
}

/// The string value of `key` in a table value, if there is one.
fn table_string(value: &DeValue<'_>, key: &str) -> Option<String> {
    let DeValue::Table(table) = value else {
        return None;
    };
    table
        .iter()
        .find(|(k, _)| k.get_ref() == key)
        .and_then(|(_, v)| match v.get_ref() {
            DeValue::String(s) => Some(s.to_string()),
            _ => None,
        })
}

fn parse_synonyms(
    c: &mut Collector<'_>,
    value: Spanned<DeValue<'_>>,
) -> Vec<(Spanned<String>, Vec<Spanned<String>>)> {
    let span = value.span();
    let DeValue::Table(table) = value.into_inner() else {
        c.error(
            span,
            Problem::WrongType {
                key: "synonyms".into(),
                expected: "a table: a [synonyms] line, then canonical = [\"variant\", ...] lines",
            },
        );
        return Vec::new();
    };
    table
        .into_iter()
        .filter_map(|(key, variants)| {
            let canonical = Spanned::new(key.span(), key.get_ref().to_string());
            parse(c, variants).map(|v| (canonical, v))
        })
        .collect()
}

/// Cross-checks the sections and builds the model; `None` when a required part is missing.
fn check(c: &mut Collector<'_>, sections: Sections, analyzer: &Analyzer) -> Option<Faq> {
    let thresholds = check_thresholds(c, sections.matching.as_ref());
    let synonyms = check_synonyms(c, sections.synonyms, analyzer);
    let red_flags = check_red_flags(c, sections.red_flags);
    let Some(texts) = sections.texts else {
        if !sections.texts_written {
            c.error(
                0..0,
                Problem::Missing(
                    "[texts] with disclaimer, emergency, urgent, crisis, safety_net and no_match",
                ),
            );
        }
        return None;
    };
    let texts = check_texts(c, texts.into_inner());
    let entries = check_entries(
        c,
        sections.entries,
        &sections.unparsed_entry_ids,
        &texts,
        analyzer,
    );
    let subjects = check_subjects(c, sections.subjects.unwrap_or_default(), analyzer);
    let ids: Vec<&str> = entries
        .iter()
        .map(|e| e.id.as_str())
        .chain(sections.unparsed_entry_ids.iter().map(String::as_str))
        .collect();
    let frames = check_frames(c, sections.frames, &ids);
    Some(Faq {
        reviewed: sections.reviewed.map(|d| d.to_string()),
        texts,
        thresholds,
        synonyms,
        red_flags,
        subjects,
        frames,
        entries,
    })
}

fn check_subjects(c: &mut Collector<'_>, raw: RawSubjects, analyzer: &Analyzer) -> Subjects {
    let mut terms = |list: Vec<Spanned<String>>| -> Vec<String> {
        list.into_iter()
            .filter(|term| matchable(c, term, analyzer).is_some())
            .map(Spanned::into_inner)
            .collect()
    };
    Subjects {
        own: terms(raw.own),
        other: terms(raw.other),
        compare: terms(raw.compare),
    }
}

fn check_frames(
    c: &mut Collector<'_>,
    raw: BTreeMap<Spanned<String>, Vec<Spanned<String>>>,
    ids: &[&str],
) -> Vec<Frame> {
    let mut frames = Vec::new();
    for (entry, patterns) in raw {
        if !ids.contains(&entry.get_ref().as_str()) {
            let problem = Problem::UnknownFrameEntry {
                id: entry.get_ref().clone(),
                suggestion: suggest(entry.get_ref(), ids.iter().copied()),
            };
            c.error(entry.span(), problem);
            continue;
        }
        for pattern in patterns {
            let text = pattern.get_ref();
            let slots = text.matches('<').count();
            if text.trim().is_empty() {
                c.error(pattern.span(), Problem::EmptyText("frame"));
            } else if slots > 1 || (slots == 1 && !text.contains("<it>")) {
                c.error(pattern.span(), Problem::BadFrameSlot(text.clone()));
            } else {
                frames.push(Frame {
                    entry: entry.get_ref().clone(),
                    pattern: pattern.into_inner(),
                });
            }
        }
    }
    frames
}

fn check_texts(c: &mut Collector<'_>, raw: RawTexts) -> Texts {
    let disclaimer = raw.disclaimer.get_ref().trim();
    let length = disclaimer.chars().count();
    if disclaimer.is_empty() {
        c.error(raw.disclaimer.span(), Problem::EmptyDisclaimer);
    } else if length > DISCLAIMER_LIMIT {
        c.error(
            raw.disclaimer.span(),
            Problem::DisclaimerTooLong {
                length,
                limit: DISCLAIMER_LIMIT,
            },
        );
    }
    require_text(c, &raw.emergency, "emergency");
    require_text(c, &raw.urgent, "urgent");
    require_text(c, &raw.crisis, "crisis");
    require_text(c, &raw.safety_net, "safety_net");
    let length = raw.safety_net.get_ref().trim().chars().count();
    if length > SAFETY_NET_LIMIT {
        c.error(
            raw.safety_net.span(),
            Problem::TextTooLong {
                field: "safety_net",
                length,
                limit: SAFETY_NET_LIMIT,
            },
        );
    }
    require_text(c, &raw.no_match, "no_match");
    let posted = [
        (&raw.disclaimer, "disclaimer"),
        (&raw.emergency, "emergency"),
        (&raw.urgent, "urgent"),
        (&raw.crisis, "crisis"),
        (&raw.safety_net, "safety_net"),
        (&raw.no_match, "no_match"),
    ];
    for (text, field) in posted
        .into_iter()
        .chain(raw.contact.as_ref().map(|t| (t, "contact")))
    {
        warn_posted(c, text, &format!("`[texts]` `{field}`"), None);
    }
    Texts {
        disclaimer: raw.disclaimer.into_inner(),
        emergency: raw.emergency.into_inner(),
        urgent: raw.urgent.into_inner(),
        crisis: raw.crisis.into_inner(),
        safety_net: raw.safety_net.into_inner(),
        no_match: raw.no_match.into_inner(),
        contact: raw
            .contact
            .map(Spanned::into_inner)
            .filter(|t| !t.trim().is_empty()),
    }
}

fn require_text(c: &mut Collector<'_>, text: &Spanned<String>, name: &'static str) {
    if text.get_ref().trim().is_empty() {
        c.error(text.span(), Problem::EmptyText(name));
    }
}

fn check_thresholds(c: &mut Collector<'_>, raw: Option<&RawMatching>) -> Thresholds {
    let defaults = Thresholds::default();
    let Some(raw) = raw else { return defaults };
    let mut read = |value: Option<&Spanned<f64>>, default: f32, name: &str| -> f32 {
        let Some(value) = value else { return default };
        let number = *value.get_ref();
        if (0.0..=1.0).contains(&number) {
            number as f32
        } else {
            c.error(
                value.span(),
                Problem::BadThreshold(format!("`{name}` must be between 0 and 1, found {number}")),
            );
            default
        }
    };
    let thresholds = Thresholds {
        answer: read(
            raw.answer_threshold.as_ref(),
            defaults.answer,
            "answer_threshold",
        ),
        suggest: read(
            raw.suggest_threshold.as_ref(),
            defaults.suggest,
            "suggest_threshold",
        ),
        margin: read(raw.min_margin.as_ref(), defaults.margin, "min_margin"),
    };
    if thresholds.suggest > thresholds.answer {
        let span = raw.suggest_threshold.as_ref().map_or(0..0, Spanned::span);
        c.error(
            span,
            Problem::BadThreshold(
                "`suggest_threshold` must not be above `answer_threshold`".into(),
            ),
        );
    }
    thresholds
}

fn check_synonyms(
    c: &mut Collector<'_>,
    groups: Vec<(Spanned<String>, Vec<Spanned<String>>)>,
    analyzer: &Analyzer,
) -> Vec<Synonym> {
    // Check variants in file order, so a conflict is reported where the second claim is made.
    let mut variants: Vec<(&Spanned<String>, &str)> = groups
        .iter()
        .flat_map(|(canonical, vs)| vs.iter().map(move |v| (v, canonical.get_ref().as_str())))
        .collect();
    variants.sort_by_key(|(v, _)| v.span().start);
    let mut owner: HashMap<String, &str> = HashMap::new();
    for (variant, canonical) in variants {
        let Some(key) = matchable(c, variant, analyzer) else {
            continue;
        };
        match owner.get(&key) {
            Some(first) if *first != canonical => c.error(
                variant.span(),
                Problem::ConflictingSynonym {
                    variant: variant.get_ref().clone(),
                    first: (*first).to_string(),
                    second: canonical.to_string(),
                },
            ),
            _ => {
                owner.insert(key, canonical);
            }
        }
    }
    for (canonical, _) in &groups {
        matchable(c, canonical, analyzer);
    }
    groups
        .into_iter()
        .map(|(canonical, variants)| Synonym {
            canonical: canonical.into_inner(),
            variants: variants.into_iter().map(Spanned::into_inner).collect(),
        })
        .collect()
}

/// The normalised, stemmed form of a term, or a problem if nothing matchable is left.
fn matchable(c: &mut Collector<'_>, term: &Spanned<String>, analyzer: &Analyzer) -> Option<String> {
    let key = analyzer.terms(term.get_ref()).join(" ");
    if key.is_empty() {
        c.error(
            term.span(),
            Problem::NoMatchableWords(term.get_ref().clone()),
        );
        return None;
    }
    Some(key)
}

fn check_red_flags(c: &mut Collector<'_>, raw: Option<RawRedFlags>) -> RedFlags {
    let Some(raw) = raw else {
        return RedFlags::default();
    };
    let class_names: Vec<String> = raw.classes.keys().map(|k| k.get_ref().clone()).collect();
    let classes = check_classes(c, raw.classes, &class_names);
    let mut terms = |list: Vec<Spanned<String>>| -> Vec<String> {
        list.into_iter()
            .map(|term| {
                check_safety_term(c, &term, &class_names);
                term.into_inner()
            })
            .collect()
    };
    let cues = Cues {
        report: terms(raw.cues.report),
        now: terms(raw.cues.now),
        question: terms(raw.cues.question),
        past: terms(raw.cues.past),
        habitual: terms(raw.cues.habitual),
        ignore: terms(raw.cues.ignore),
        distress: terms(raw.cues.distress),
    };
    let mut ids = IdRegistry::default();
    let rules = raw
        .rule
        .into_iter()
        .map(|rule| check_rule(c, rule.into_inner(), &mut ids, &class_names))
        .collect();
    RedFlags {
        guard: raw.guard.into_iter().map(Spanned::into_inner).collect(),
        classes,
        cues,
        rules,
    }
}

fn check_classes(
    c: &mut Collector<'_>,
    raw: BTreeMap<Spanned<String>, Vec<Spanned<String>>>,
    class_names: &[String],
) -> Vec<WordClass> {
    raw.into_iter()
        .map(|(name, terms)| {
            if !is_kebab_case(name.get_ref()) {
                c.error(name.span(), Problem::MalformedId(name.get_ref().clone()));
            }
            if terms.is_empty() {
                c.error(name.span(), Problem::EmptyText("word class"));
            }
            for term in &terms {
                if class_references(term.get_ref()).next().is_some() {
                    c.error(term.span(), Problem::NestedClass(name.get_ref().clone()));
                } else {
                    check_safety_term(c, term, class_names);
                }
            }
            WordClass {
                name: name.into_inner(),
                terms: terms.into_iter().map(Spanned::into_inner).collect(),
            }
        })
        .collect()
}

fn check_rule(
    c: &mut Collector<'_>,
    rule: RawRule,
    ids: &mut IdRegistry,
    class_names: &[String],
) -> RedFlagRule {
    ids.register(c, &rule.id);
    require_text(c, &rule.title, "title");
    if !is_kebab_case(rule.category.get_ref()) {
        c.error(
            rule.category.span(),
            Problem::MalformedId(rule.category.get_ref().clone()),
        );
    }
    let tier = Tier::parse(rule.tier.get_ref()).unwrap_or_else(|| {
        unknown_value(c, "tier", &rule.tier, "urgent, emergency, crisis");
        Tier::Emergency
    });
    let when = rule.when.as_ref().map_or(When::default(), |when| {
        When::parse(when.get_ref()).unwrap_or_else(|| {
            unknown_value(c, "when", when, "report, unless-past, always");
            When::default()
        })
    });
    if rule.all.is_empty() {
        c.error(rule.id.span(), Problem::EmptyText("all"));
    }
    let groups = rule
        .all
        .into_iter()
        .map(|group| {
            if group.get_ref().is_empty() {
                c.error(group.span(), Problem::EmptyText("red-flag group"));
            }
            let terms = group.into_inner();
            for term in &terms {
                check_safety_term(c, term, class_names);
            }
            terms.into_iter().map(Spanned::into_inner).collect()
        })
        .collect();
    if let Some(advice) = &rule.advice {
        let place = format!("rule `{}`, `advice`", rule.id.get_ref());
        warn_posted(c, advice, &place, None);
    }
    RedFlagRule {
        id: rule.id.into_inner(),
        title: rule.title.into_inner(),
        category: rule.category.into_inner(),
        tier,
        when,
        groups,
        advice: rule.advice.map(Spanned::into_inner),
    }
}

/// Reports `value`, which is not one of `expected` (comma-separated), with the closest one.
fn unknown_value(
    c: &mut Collector<'_>,
    field: &'static str,
    value: &Spanned<String>,
    expected: &'static str,
) {
    let problem = Problem::UnknownValue {
        field,
        found: value.get_ref().clone(),
        expected,
        suggestion: suggest(value.get_ref(), expected.split(", ")),
    };
    c.error(value.span(), problem);
}

/// The candidate `word` is probably a typo of, owned.
fn suggest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    closest(word, candidates).map(str::to_owned)
}

/// The `<name>` class references in a safety term.
fn class_references(term: &str) -> impl Iterator<Item = &str> {
    term.split_whitespace()
        .filter_map(|piece| piece.strip_prefix('<')?.strip_suffix('>'))
}

/// Reports a safety term with nothing to match or a reference to an undefined class.
fn check_safety_term(c: &mut Collector<'_>, term: &Spanned<String>, class_names: &[String]) {
    let text = term.get_ref().trim_start();
    let mut has_words = !normalise(
        &text
            .strip_prefix('^')
            .unwrap_or(text)
            .split_whitespace()
            .filter(|piece| !piece.starts_with('<'))
            .collect::<Vec<_>>()
            .join(" "),
    )
    .is_empty();
    for name in class_references(term.get_ref()) {
        has_words = true;
        if !class_names.iter().any(|defined| defined == name) {
            c.error(
                term.span(),
                Problem::UnknownClass {
                    name: name.to_string(),
                    defined: if class_names.is_empty() {
                        "(none)".to_string()
                    } else {
                        class_names.join(", ")
                    },
                },
            );
        }
    }
    if !has_words {
        c.error(
            term.span(),
            Problem::NoMatchableWords(term.get_ref().clone()),
        );
    }
}

/// Remembers ids and where they were defined, reporting malformed and repeated ones.
#[derive(Default)]
struct IdRegistry {
    first_line: HashMap<String, usize>,
}

impl IdRegistry {
    fn register(&mut self, c: &mut Collector<'_>, id: &Spanned<String>) {
        let name = id.get_ref();
        if !is_kebab_case(name) {
            c.error(id.span(), Problem::MalformedId(name.clone()));
        }
        if let Some(&first_line) = self.first_line.get(name) {
            c.error(
                id.span(),
                Problem::DuplicateId {
                    id: name.clone(),
                    first_line,
                },
            );
        } else {
            self.first_line
                .insert(name.clone(), c.line_of(id.span().start));
        }
    }
}

fn is_kebab_case(id: &str) -> bool {
    !id.is_empty()
        && id.split('-').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

fn check_entries(
    c: &mut Collector<'_>,
    raw: Vec<Spanned<RawEntry>>,
    unparsed_ids: &[String],
    texts: &Texts,
    analyzer: &Analyzer,
) -> Vec<Entry> {
    if raw.is_empty() {
        c.error(0..0, Problem::Missing("at least one [[entry]]"));
    }
    let mut ids = IdRegistry::default();
    let mut question_owner: HashMap<String, String> = HashMap::new();
    let entries: Vec<(Entry, Vec<Spanned<String>>)> = raw
        .into_iter()
        .map(|entry| {
            let entry = entry.into_inner();
            ids.register(c, &entry.id);
            check_questions(c, &entry, &mut question_owner, analyzer);
            let related = entry.related.clone();
            (check_entry(c, entry, texts, analyzer), related)
        })
        .collect();
    let known: Vec<&str> = entries
        .iter()
        .map(|(entry, _)| entry.id.as_str())
        .chain(unparsed_ids.iter().map(String::as_str))
        .collect();
    for (_, related) in &entries {
        for id in related
            .iter()
            .filter(|id| !known.contains(&id.get_ref().as_str()))
        {
            let problem = Problem::UnknownRelated {
                id: id.get_ref().clone(),
                suggestion: suggest(id.get_ref(), known.iter().copied()),
            };
            c.error(id.span(), problem);
        }
    }
    entries.into_iter().map(|(entry, _)| entry).collect()
}

fn check_questions(
    c: &mut Collector<'_>,
    entry: &RawEntry,
    question_owner: &mut HashMap<String, String>,
    analyzer: &Analyzer,
) {
    let questions = entry.questions.get_ref();
    if questions.len() < MIN_QUESTIONS {
        c.error(
            entry.questions.span(),
            Problem::TooFewQuestions {
                min: MIN_QUESTIONS,
                found: questions.len(),
            },
        );
    }
    for question in questions {
        if question.get_ref().trim().is_empty() {
            c.error(question.span(), Problem::EmptyText("question"));
            continue;
        }
        let Some(key) = matchable(c, question, analyzer) else {
            continue;
        };
        let id = entry.id.get_ref();
        match question_owner.get(&key) {
            Some(owner) if owner != id => {
                c.warning(question.span(), Problem::DuplicateQuestion(owner.clone()));
            }
            _ => {
                question_owner.insert(key, id.clone());
            }
        }
    }
}

fn check_entry(c: &mut Collector<'_>, raw: RawEntry, texts: &Texts, analyzer: &Analyzer) -> Entry {
    require_text(c, &raw.title, "title");
    require_text(c, &raw.answer, "answer");
    if let Some(detail) = &raw.detail {
        require_text(c, detail, "detail");
    }
    if raw.medical && raw.sources.is_empty() {
        c.error(
            raw.id.span(),
            Problem::MissingSources(raw.id.get_ref().clone()),
        );
    }
    for keyword in &raw.keywords {
        matchable(c, keyword, analyzer);
    }
    let kind = match &raw.kind {
        None => EntryKind::Topic,
        Some(name) => EntryKind::parse(name.get_ref()).unwrap_or_else(|| {
            unknown_value(c, "kind", name, ENTRY_KINDS);
            EntryKind::Topic
        }),
    };
    let hosts: Vec<String> = source_hosts(
        &raw.sources
            .iter()
            .map(|s| s.get_ref().clone())
            .collect::<Vec<_>>(),
    );
    let posted = [(&raw.title, "title"), (&raw.answer, "answer")]
        .into_iter()
        .chain(raw.detail.as_ref().map(|detail| (detail, "detail")))
        .chain(raw.sources.iter().map(|source| (source, "sources")));
    for (text, field) in posted {
        let place = format!("entry `{}`, `{field}`", raw.id.get_ref());
        warn_posted(c, text, &place, Some(&hosts));
    }
    let answer_span: Range<usize> = raw.answer.span();
    let detail_span: Option<Range<usize>> = raw.detail.as_ref().map(Spanned::span);
    let entry = Entry {
        id: raw.id.into_inner(),
        title: raw.title.into_inner(),
        kind,
        medical: raw.medical,
        questions: raw
            .questions
            .into_inner()
            .into_iter()
            .map(Spanned::into_inner)
            .collect(),
        keywords: raw.keywords.into_iter().map(Spanned::into_inner).collect(),
        answer: raw.answer.into_inner(),
        detail: raw.detail.map(Spanned::into_inner),
        sources: raw.sources.into_iter().map(Spanned::into_inner).collect(),
        related: raw.related.into_iter().map(Spanned::into_inner).collect(),
        reviewed: raw.reviewed.map(|d| d.to_string()),
    };
    let length = answer_len(
        &entry.title,
        &entry.answer,
        &entry.sources,
        &texts.disclaimer,
    );
    if length > MESSAGE_LIMIT {
        c.error(
            answer_span,
            Problem::AnswerTooLong {
                length,
                limit: MESSAGE_LIMIT,
            },
        );
    }
    if let (Some(detail), Some(span)) = (&entry.detail, detail_span) {
        let length = answer_len(&entry.title, detail, &entry.sources, &texts.disclaimer);
        if length > MESSAGE_LIMIT {
            c.error(
                span,
                Problem::AnswerTooLong {
                    length,
                    limit: MESSAGE_LIMIT,
                },
            );
        }
    }
    entry
}

/// Warns about what the composer makes inert in `text`, posted as written at `place` (the entry
/// or table and field): mentions, and masked links that mislead or, where `sources` is given
/// (an entry's text), lead elsewhere than those links. Text outside entries has no sources, so
/// any masked link there is shown with its address and warned about.
fn warn_posted(
    c: &mut Collector<'_>,
    text: &Spanned<String>,
    place: &str,
    sources: Option<&[String]>,
) {
    for found in hazards(text.get_ref(), sources.unwrap_or_default()) {
        let place = place.to_owned();
        let problem = match found.hazard {
            Hazard::MassMention(mention) => Problem::MassMention { place, mention },
            Hazard::RoleMention(mention) => Problem::DirectMention {
                place,
                what: "role",
                mention,
            },
            Hazard::UserMention(mention) => Problem::DirectMention {
                place,
                what: "user",
                mention,
            },
            Hazard::MisleadingLink { named, host } => {
                Problem::MisleadingLink { place, named, host }
            }
            Hazard::UntrustedLink { host } => Problem::UntrustedLink {
                place,
                host,
                in_entry: sources.is_some(),
            },
        };
        c.warning(text.span(), problem);
    }
}
