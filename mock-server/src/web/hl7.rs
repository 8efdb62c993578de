//! One HL7 message as a person reads it: segments with their names, each non-empty field with
//! its number and name (`PID-5 Patient Name`), repetitions and components split (named where the
//! data type is known), Japanese decoded with the formats crate (MSH-18, or the charset declared
//! on upload for Shift_JIS), and the formats crate's findings placed on the field they point at.

use idlink_formats::hl7::{Field, Message, ParseOptions, Segment};
use idlink_formats::{Charset, CheckOptions, DocumentKind, Finding, Report, Severity};
use maud::{Markup, html};

use super::hl7_fields::{component_name, field_name, segment_name};
use super::labels::Labels;

/// What the view needs to know beyond the bytes.
#[derive(Debug, Clone, Default)]
pub(crate) struct Context {
    /// The charset declared on upload (`Content-Type: ...; charset=`), when known.
    pub declared: Option<Charset>,
    /// The data kind declared on upload (cross-checked with MSH-9).
    pub data_kind: Option<String>,
    /// The center's strictness.
    pub strictness: idlink_formats::Strictness,
}

/// The message, checked and rendered.
pub(crate) fn view(t: &Labels, bytes: &[u8], context: &Context) -> Markup {
    let l = t.hl7;
    // Shift_JIS HL7 has no MSH-18 code: only a declared charset makes the parser use it.
    let charset_override = context.declared.filter(|c| *c == Charset::ShiftJis);
    let report = idlink_formats::check(
        bytes,
        DocumentKind::Hl7,
        &CheckOptions {
            strictness: context.strictness,
            charset_override,
            data_kind: context.data_kind.as_deref().and_then(|k| k.parse().ok()),
            ..CheckOptions::default()
        },
    );
    let parsed = Message::parse(
        bytes,
        &ParseOptions {
            strictness: idlink_formats::Strictness::Lenient,
            charset_override,
        },
    );
    let (placed, unplaced): (Vec<&Finding>, Vec<&Finding>) = report
        .findings
        .iter()
        .partition(|f| f.location.segment_index.is_some() && f.location.field.is_some());
    html! {
        (summary(t, &report, parsed.as_ref().ok()))
        @if !unplaced.is_empty() {
            section aria-labelledby="message-findings" {
                h3 #message-findings { (l.message_findings) }
                @for finding in &unplaced { (finding_box(t, finding)) }
            }
        }
        @match &parsed {
            Ok(message) => {
                @for segment in message.segments() {
                    (segment_table(t, message, segment, &placed))
                }
            }
            Err(error) => {
                p.bad { (l.unparsed) " " (error.to_string()) }
            }
        }
    }
}

fn summary(t: &Labels, report: &Report, message: Option<&Message>) -> Markup {
    let l = t.hl7;
    let errors = report.errors().count();
    let warnings = report.warnings().count();
    html! {
        dl.meta {
            dt { (l.charset) }
            dd #hl7-charset {
                @match message {
                    Some(m) => { (m.charset().as_str()) }
                    None => { (t.common.none) }
                }
                @if let Some(msh18) = message.and_then(|m| m.first("MSH")).map(|s| s.value(18)) {
                    " (MSH-18 " code { (msh18) } ")"
                }
            }
            @if let Some(summary) = &report.hl7 {
                dt { (l.message_type) } dd { code { (summary.message_type) } }
                dt { (l.control_id) } dd { code { (summary.control_id.as_deref().unwrap_or("")) } }
            }
            dt { (l.findings) }
            dd #finding-count data-errors=(errors) data-warnings=(warnings) {
                span.bad { (errors) " " (l.errors) } ", " span.warn { (warnings) " " (l.warnings) }
            }
        }
    }
}

fn segment_table(
    t: &Labels,
    message: &Message,
    segment: Segment<'_>,
    placed: &[&Finding],
) -> Markup {
    let l = t.hl7;
    let name = segment.name();
    let index = segment.index();
    let here: Vec<&Finding> = placed
        .iter()
        .copied()
        .filter(|f| f.location.segment_index == Some(index))
        .collect();
    let last = segment.field_count().max(
        here.iter()
            .filter_map(|f| f.location.field)
            .max()
            .unwrap_or(0),
    );
    html! {
        section.segment aria-labelledby=(format!("seg-{index}")) {
            h3 #(format!("seg-{index}")) {
                (index) ". " code { (name) }
                @if let Some(words) = segment_name(name) { " " (words) }
            }
            div.scroll { table {
                thead { tr {
                    th scope="col" { (l.field) }
                    th scope="col" { (l.name) }
                    th scope="col" { (l.value) }
                } }
                tbody {
                    @for number in 1..=last {
                        @let field = segment.field(number);
                        @let findings: Vec<&Finding> = here.iter().copied().filter(|f| f.location.field == Some(number)).collect();
                        @if field.is_some_and(|f| !f.is_empty()) || !findings.is_empty() {
                            (field_row(t, message, name, index, number, field, &findings))
                        }
                    }
                }
            } }
        }
    }
}

fn field_row(
    t: &Labels,
    message: &Message,
    segment: &str,
    index: usize,
    number: usize,
    field: Option<Field<'_>>,
    findings: &[&Finding],
) -> Markup {
    let class = if findings.iter().any(|f| f.is_error()) {
        "finding-error"
    } else if findings.is_empty() {
        ""
    } else {
        "finding-warning"
    };
    let id = format!("f-{index}-{segment}-{number}");
    html! {
        tr #(id) class=(class) data-field=(format!("{segment}-{number}")) {
            th scope="row" { code { (segment) "-" (number) } }
            td { (field_name(segment, number).unwrap_or("")) }
            td {
                @if let Some(field) = field { (value(message, segment, number, field)) }
                @for finding in findings { (finding_box(t, finding)) }
            }
        }
    }
}

/// A field's value: as is for MSH-1/MSH-2 and single-component fields; else repetitions and
/// components as lists, each unescaped.
fn value(message: &Message, segment: &str, number: usize, field: Field<'_>) -> Markup {
    let delimiters = message.delimiters();
    let literal = segment == "MSH" && number <= 2;
    let repetitions: Vec<Field<'_>> = if literal {
        vec![field]
    } else {
        field.repetitions().collect()
    };
    html! {
        @for (r, repetition) in repetitions.iter().enumerate() {
            @let components: Vec<&str> = if literal { vec![repetition.as_str()] } else { repetition.components().collect() };
            @if repetitions.len() > 1 { span.count { "(" (r + 1) ") " } }
            @if components.len() <= 1 {
                @let text: std::borrow::Cow<'_, str> = if literal { repetition.as_str().into() } else { delimiters.unescape(repetition.as_str()) };
                span lang="ja" { (text) }
                br;
            } @else {
                ol.components {
                    @for (c, component) in components.iter().enumerate().filter(|(_, c)| !c.is_empty()) {
                        li value=(c + 1) {
                            code { (segment) "-" (number) "." (c + 1) }
                            @if let Some(words) = component_name(segment, number, c + 1) { " " (words) }
                            ": " span lang="ja" { (delimiters.unescape(component)) }
                        }
                    }
                }
            }
        }
    }
}

/// A finding with its code, severity, position, message and hint.
pub(crate) fn finding_box(t: &Labels, finding: &Finding) -> Markup {
    let l = t.hl7;
    let (class, words) = match finding.severity {
        Severity::Error => ("finding error", l.error),
        Severity::Warning => ("finding warning", l.warning),
    };
    let position = finding.location.render();
    // The labels know their language; the finding's words come from the formats catalogue.
    let lang = idlink_i18n::Lang::parse(t.common.lang).unwrap_or_default();
    html! {
        div class=(class) role="note" data-code=(finding.code.as_str()) {
            strong { (words) " " code { (finding.code.as_str()) } }
            @if !position.is_empty() { " " (l.at) " " code { (position) } }
            ": " (finding.message_text(lang))
            @if let Some(hint) = finding.hint_text(lang) { br; (l.hint) ": " (hint) }
        }
    }
}
