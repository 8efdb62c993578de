//! The result of [`crate::check`]: findings plus, for HL7, what a router needs to store the file.

use idlink_i18n::Lang;
use serde::Serialize;

use crate::{Charset, DocumentKind, Finding, Severity, msg, ssmix2};

/// Everything one check found. Deterministic: the same bytes and options give the same report,
/// byte for byte, in both renderings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// What the bytes were checked as.
    pub kind: DocumentKind,
    /// Findings in the order the layers found them (transport → charset → structure → meaning).
    pub findings: Vec<Finding>,
    /// Routing facts for HL7 messages that parsed far enough to have an MSH.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hl7: Option<Hl7Summary>,
}

/// What an uploader or the service center needs to route and store an HL7 message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hl7Summary {
    /// MSH-9.1^MSH-9.2, e.g. `RDE^O11`.
    pub message_type: String,
    /// MSH-9.3, e.g. `RDE_O11`.
    pub message_structure: Option<String>,
    /// MSH-10.
    pub control_id: Option<String>,
    /// The character set the message was decoded with.
    pub charset: Charset,
    /// PID-3.1 (of the repetition typed `PI` when there is one).
    pub patient_id: Option<String>,
    /// SS-MIX2 data kinds whose message type/trigger is MSH-9 (e.g. OMP-01 and OMP-02 for RDE^O11).
    pub candidate_data_kinds: Vec<ssmix2::DataKind>,
    /// `YYYYMMDD` from the data kind's care-date field (None for kinds stored under `-`).
    pub care_date: Option<String>,
    /// ORC-2.1 of the first ORC.
    pub order_number: Option<String>,
    /// Department code: ORC-17.1, else PV1-10.
    pub department: Option<String>,
    /// MSH-7.
    pub message_datetime: Option<String>,
}

impl Report {
    /// A report with no findings.
    pub fn new(kind: DocumentKind) -> Self {
        Report {
            kind,
            findings: Vec::new(),
            hl7: None,
        }
    }

    /// True when any finding is an error: the upload must not be sent / must be rejected.
    pub fn has_errors(&self) -> bool {
        self.findings.iter().any(Finding::is_error)
    }

    /// The error findings.
    pub fn errors(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.is_error())
    }

    /// The warning findings.
    pub fn warnings(&self) -> impl Iterator<Item = &Finding> {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Warning)
    }

    /// Compiler-style text in English: one `file:SEG[i]:field: severity CODE: message` line per
    /// finding, the hint indented on the next line, and a final count line.
    ///
    /// ```
    /// use idlink_formats::{check, CheckOptions, DocumentKind};
    /// let report = check(b"MSH|^~\\&|\r", DocumentKind::Hl7, &CheckOptions::default());
    /// let text = report.render_human("a.hl7");
    /// assert!(text.lines().next().unwrap().starts_with("a.hl7:MSH[1]:"));
    /// assert!(text.ends_with("error(s), 0 warning(s)\n") || text.contains("warning"));
    /// ```
    pub fn render_human(&self, path: &str) -> String {
        self.render_human_in(path, Lang::En)
    }

    /// [`Report::render_human`] in `lang`: the messages, hints, severities and the count line
    /// from the catalogue; codes and locations are the same in every language.
    pub fn render_human_in(&self, path: &str, lang: Lang) -> String {
        let mut out = String::new();
        for finding in &self.findings {
            let location = finding.location.render();
            out.push_str(path);
            if !location.is_empty() {
                out.push(':');
                out.push_str(&location);
            }
            let severity = msg!("report-severity", severity = finding.severity.to_string());
            out.push_str(&format!(
                ": {} {}: {}",
                severity.render(lang),
                finding.code,
                finding.message_text(lang)
            ));
            if (finding.location.segment.is_some() || finding.location.line.is_some())
                && let Some(offset) = finding.location.byte_offset
            {
                // Some messages already name the offset; say it once. Whether they do is a
                // property of the message, so the English words decide for every language.
                let english = finding.message_text(Lang::En);
                let named = english.contains(&format!("byte {offset}"))
                    || english.contains(&format!("offset {offset}"));
                if !named {
                    // The catalogue holds the separator too: a space in English, none before
                    // a full-width parenthesis in Japanese.
                    out.push_str(&msg!("report-at-byte", offset = offset).render(lang));
                }
            }
            out.push('\n');
            if let Some(hint) = finding.hint_text(lang) {
                out.push_str("    ");
                out.push_str(&msg!("report-hint", hint = hint).render(lang));
                out.push('\n');
            }
        }
        let errors = self.errors().count();
        let warnings = self.warnings().count();
        let last = if errors == 0 && warnings == 0 {
            msg!("report-ok", path = path, kind = self.kind.as_str())
        } else {
            msg!(
                "report-counts",
                path = path,
                errors = errors,
                warnings = warnings
            )
        };
        out.push_str(&last.render(lang));
        out.push('\n');
        out
    }

    /// The machine form: the report's fields plus `errors` / `warnings` counts.
    pub fn to_json(&self) -> serde_json::Value {
        let mut value = serde_json::to_value(self).unwrap_or(serde_json::Value::Null);
        if let Some(map) = value.as_object_mut() {
            map.insert("errors".into(), self.errors().count().into());
            map.insert("warnings".into(), self.warnings().count().into());
        }
        value
    }
}
