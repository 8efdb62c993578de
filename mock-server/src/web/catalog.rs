//! The store's documents with what the pages sort and filter on: the care date (from the stored
//! path), the outcome (current, superseded by an update, stored with warnings) and the patient's
//! name decoded from PID-5 of the HL7 documents.
//!
//! Decoding a name reads the file, so it is done once per receipt and cached: a receipt's bytes
//! never change (an update stores a new receipt and only renames the old file).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, PoisonError};

use idlink_formats::Charset;
use idlink_formats::hl7::{Message, ParseOptions};

use crate::store::{Store, StoredDocument};

/// What a document became after it was stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// The current version, stored without findings.
    Stored,
    /// The current version, stored with non-blocking findings.
    Warnings,
    /// An update replaced it (its file was renamed to condition flag `_2`).
    Superseded,
}

impl Outcome {
    /// The filter value (`stored`, `warnings`, `superseded`).
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Stored => "stored",
            Self::Warnings => "warnings",
            Self::Superseded => "superseded",
        }
    }

    /// Every outcome, in the order the filter lists them.
    pub(crate) const ALL: [Outcome; 3] = [Self::Stored, Self::Warnings, Self::Superseded];
}

/// One document with its derived facts.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    /// As the store indexes it.
    pub doc: StoredDocument,
    /// `YYYYMMDD`, or `None` for the `-` folder.
    pub care_date: Option<String>,
    /// PID-5 (family and given name of the first repetition), HL7 documents only.
    pub patient_name: Option<String>,
    /// What became of it.
    pub outcome: Outcome,
}

/// Decoded names per receipt ID. `None` is cached too (a PDF has no PID-5).
#[derive(Debug, Default)]
pub(crate) struct Cache {
    names: Mutex<HashMap<String, Option<String>>>,
}

impl Cache {
    /// Every stored document, oldest first, with its facts.
    pub(crate) fn entries(&self, store: &Store) -> Vec<Entry> {
        let documents = store.documents();
        let mut names = self.names.lock().unwrap_or_else(PoisonError::into_inner);
        documents
            .into_iter()
            .map(|doc| {
                let patient_name = names
                    .entry(doc.receipt.receipt_id.clone())
                    .or_insert_with(|| decode_name(store, &doc, stored_charset(&doc.receipt)))
                    .clone();
                Entry {
                    care_date: care_date(&doc),
                    outcome: outcome(&doc),
                    patient_name,
                    doc,
                }
            })
            .collect()
    }
}

fn outcome(doc: &StoredDocument) -> Outcome {
    if doc.superseded_by.is_some() {
        Outcome::Superseded
    } else if doc.receipt.warnings.is_empty() {
        Outcome::Stored
    } else {
        Outcome::Warnings
    }
}

/// The care-date folder: the path component after the patient ID (`PROTO-STORE-001/003`).
fn care_date(doc: &StoredDocument) -> Option<String> {
    let mut parts = doc.current_path.split('/');
    parts.find(|p| *p == doc.receipt.patient_id)?;
    parts
        .next()
        .filter(|d| d.len() == 8 && d.bytes().all(|b| b.is_ascii_digit()))
        .map(str::to_owned)
}

fn decode_name(store: &Store, doc: &StoredDocument, declared: Option<Charset>) -> Option<String> {
    if doc.receipt.document_kind != "hl7" {
        return None;
    }
    let bytes = store.read(&doc.current_path).ok()?;
    patient_name(&bytes, declared)
}

/// The character set to read a stored document with, from its receipt (`PROTO-RCPT-002`): what
/// the center read it as when it was stored. For HL7 only Shift_JIS, which MSH-18 cannot name
/// and only the upload's declaration selects; MSH-18 speaks for itself otherwise.
pub(crate) fn stored_charset(receipt: &idlink_protocol::Receipt) -> Option<Charset> {
    let charset: Charset = receipt.charset.as_deref()?.parse().ok()?;
    match receipt.document_kind.as_str() {
        "hl7" => Some(charset).filter(|c| *c == Charset::ShiftJis),
        _ => Some(charset),
    }
}

/// PID-5 of an HL7 message, family and given name of the first repetition, unescaped and
/// decoded with MSH-18 (or `charset`, for Shift_JIS declared on upload).
pub(crate) fn patient_name(bytes: &[u8], charset: Option<Charset>) -> Option<String> {
    let options = ParseOptions {
        strictness: idlink_formats::Strictness::Lenient,
        charset_override: charset,
    };
    let message = Message::parse(bytes, &options).ok()?;
    let pid = message.first("PID")?;
    let name = pid.field(5)?.repetition(1)?;
    let delimiters = message.delimiters();
    let parts: Vec<String> = [1, 2]
        .into_iter()
        .map(|n| delimiters.unescape(name.component(n)).into_owned())
        .filter(|p| !p.is_empty())
        .collect();
    (!parts.is_empty()).then(|| parts.join(" "))
}

/// One patient of one facility, for the patient lists.
#[derive(Debug, Clone)]
pub(crate) struct Patient {
    /// The patient ID.
    pub id: String,
    /// The name from the newest HL7 document that has one.
    pub name: Option<String>,
    /// Documents stored for them (every version).
    pub documents: usize,
    /// The newest care date.
    pub latest_care_date: Option<String>,
}

/// The patients of the given entries, by patient ID.
pub(crate) fn patients<'e>(entries: impl IntoIterator<Item = &'e Entry>) -> Vec<Patient> {
    let mut by_id: BTreeMap<&str, Patient> = BTreeMap::new();
    for entry in entries {
        let patient = by_id
            .entry(&entry.doc.receipt.patient_id)
            .or_insert_with(|| Patient {
                id: entry.doc.receipt.patient_id.clone(),
                name: None,
                documents: 0,
                latest_care_date: None,
            });
        patient.documents += 1;
        // Entries come oldest first: a later name (a demographics update) wins.
        if entry.patient_name.is_some() {
            patient.name.clone_from(&entry.patient_name);
        }
        if entry.care_date > patient.latest_care_date {
            patient.latest_care_date.clone_from(&entry.care_date);
        }
    }
    by_id.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stored_charset_comes_from_the_receipt_and_for_hl7_only_shift_jis() {
        let receipt = |kind: &str, charset: Option<&str>| idlink_protocol::Receipt {
            document_kind: kind.into(),
            charset: charset.map(str::to_owned),
            ..serde_json::from_value(serde_json::json!({
                "receipt_id": "rcpt-1", "idempotency_key": "k", "account": "a",
                "facility": "0112345678", "patient_id": "1", "document_kind": "text",
                "destination": "storage", "sha256": "00", "size": 1, "stored_path": "p",
                "received_at": "2026-11-29T00:00:00.000Z", "warnings": []
            }))
            .unwrap()
        };
        assert_eq!(
            stored_charset(&receipt("text", Some("shift_jis"))),
            Some(Charset::ShiftJis)
        );
        assert_eq!(
            stored_charset(&receipt("nsips", Some("utf-8"))),
            Some(Charset::Utf8)
        );
        assert_eq!(
            stored_charset(&receipt("hl7", Some("shift_jis"))),
            Some(Charset::ShiftJis)
        );
        // MSH-18 names ISO-2022-JP itself; the parser needs no override for it.
        assert_eq!(stored_charset(&receipt("hl7", Some("iso-2022-jp"))), None);
        assert_eq!(stored_charset(&receipt("pdf", None)), None);
    }

    #[test]
    fn the_name_is_pid_5_family_and_given_decoded_from_iso_2022_jp() {
        let bytes = b"MSH|^~\\&|H|F|G|R|20240101120000||ADT^A08^ADT_A01|1|P|2.5||||||~ISO IR87||ISO 2022-1994\r\
PID|1||123456^^^^PI||\x1b$B45<T\x1b(B^\x1b$BB@O:\x1b(B^^^^^L^I~\x1b$B%+%s%8%c\x1b(B^^^^^^L^P||19700101|M\r";
        assert_eq!(patient_name(bytes, None).as_deref(), Some("患者 太郎"));
    }
}
