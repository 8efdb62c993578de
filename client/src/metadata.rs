//! What the service center must be told about a document besides its bytes (`PROTO-UP-002`,
//! `PROTO-UP-012`): kind, patient, data kind, care date, file name, destination, and the
//! idempotency key that makes retries safe (`PROTO-CLI-001`).
//!
//! HL7 messages carry their own metadata (see `preflight`); PDF, text and NSIPS documents take it
//! from command-line flags or from a sidecar file `DOCUMENT.meta.toml` next to the document.

use std::fmt;
use std::path::{Path, PathBuf};

use idlink_protocol::{
    ContentDigest, Destination, DocumentFileName, FacilityCode, IdempotencyKey, PatientId,
};
use serde::Deserialize;
use sha2::{Digest as _, Sha256};

/// The document kinds of `IDLink-Document-Kind` (`PROTO-UP-003`): the formats crate's type, so
/// that pre-flight, the wire header and the mock's check all name the same four kinds.
pub use idlink_formats::DocumentKind;

/// A care date `YYYYMMDD`, or `-` for "no care date" as SS-MIX2 writes it (`IDLink-Care-Date`,
/// `PROTO-UP-014`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(into = "String")]
pub struct CareDate(String);

impl CareDate {
    /// Parses `YYYYMMDD` (checking that the date exists) or `-`.
    pub fn parse(value: &str) -> Result<Self, MetadataError> {
        let bad = || MetadataError::Invalid {
            field: Field::CareDate,
            value: value.to_owned(),
            expected: Expected::CareDate,
        };
        if value == "-" {
            return Ok(Self(value.to_owned()));
        }
        if value.len() != 8 || !value.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let num = |r: std::ops::Range<usize>| value[r].parse::<u16>().map_err(|_| bad());
        let (y, m, d) = (num(0..4)?, num(4..6)?, num(6..8)?);
        let month =
            time::Month::try_from(u8::try_from(m).map_err(|_| bad())?).map_err(|_| bad())?;
        time::Date::from_calendar_date(i32::from(y), month, u8::try_from(d).map_err(|_| bad())?)
            .map_err(|_| bad())?;
        Ok(Self(value.to_owned()))
    }

    /// The date as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<CareDate> for String {
    fn from(d: CareDate) -> Self {
        d.0
    }
}

/// Everything sent in headers with one document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Metadata {
    /// The document kind.
    pub kind: DocumentKind,
    /// The facility's local patient ID.
    pub patient: PatientId,
    /// SS-MIX2 data kind (required for HL7) or extended-storage data kind.
    pub data_kind: Option<String>,
    /// Care date, when known.
    pub care_date: Option<CareDate>,
    /// The original file name (for HL7 an SS-MIX2 name is cross-checked by the server), already
    /// known to be one the server accepts; sent RFC 8187-encoded when not plain ASCII
    /// (`PROTO-UP-015`).
    pub file_name: Option<DocumentFileName>,
    /// Overrides the configured destination.
    pub destination: Option<Destination>,
    /// `charset` parameter of `Content-Type` (for Shift_JIS HL7, `PROTO-UP-003`).
    pub charset: Option<String>,
    /// The idempotency key; when `None` one is derived from the content and metadata, so the
    /// same document sent again after a crash gets the same key (`PROTO-CLI-001`).
    pub idempotency_key: Option<IdempotencyKey>,
}

impl Metadata {
    /// Metadata with the required fields; the rest can be set field by field.
    pub fn new(kind: DocumentKind, patient: PatientId) -> Self {
        Self {
            kind,
            patient,
            data_kind: None,
            care_date: None,
            file_name: None,
            destination: None,
            charset: None,
            idempotency_key: None,
        }
    }

    /// The `Content-Type` header value.
    pub fn content_type(&self) -> String {
        let media_type = media_type(self.kind);
        match &self.charset {
            Some(cs) => format!("{media_type}; charset={cs}"),
            None => media_type.to_owned(),
        }
    }

    /// The key derived from the facility, the content digest and every metadata field.
    ///
    /// Deterministic on purpose: `storeclient upload` keeps no state, yet an upload repeated
    /// after a crash must reuse the key so the server replays the first receipt instead of
    /// storing twice. Changing any metadata (say, a corrected patient ID) gives a new key.
    pub fn derived_key(
        &self,
        facility: &FacilityCode,
        destination: &Destination,
        digest: &ContentDigest,
    ) -> IdempotencyKey {
        let mut h = Sha256::new();
        for part in [
            digest.to_hex().as_str(),
            self.kind.as_str(),
            self.patient.as_str(),
            self.data_kind.as_deref().unwrap_or("-"),
            self.care_date.as_ref().map_or("-", CareDate::as_str),
            &destination.to_string(),
            self.file_name
                .as_ref()
                .map_or("-", DocumentFileName::as_str),
            self.charset.as_deref().unwrap_or("-"),
        ] {
            h.update(part.as_bytes());
            h.update([0u8]);
        }
        let hex: String = h.finalize()[..16]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        // Invariant: facility codes are 10 digits and hex is [0-9a-f], so the key always
        // matches the PROTO-IDEM-001 grammar and is at most 45 characters long.
        IdempotencyKey::parse(&format!("{facility}-d-{hex}")).expect("derived key is valid")
    }
}

/// The media type that goes with a document kind (`PROTO-UP-003`).
fn media_type(kind: DocumentKind) -> &'static str {
    // The protocol crate knows every kind the formats crate has; the fallback is for a kind
    // added there before it is added here, and the server would name the mismatch.
    idlink_protocol::headers::media_type_for(kind.as_str()).unwrap_or("application/octet-stream")
}

/// A fresh random key for a document entering the spool (persisted before the first attempt).
pub fn new_random_key(facility: &FacilityCode) -> IdempotencyKey {
    // Invariant: digits, '-' and a hyphenated UUID (hex and '-'), 47 characters.
    IdempotencyKey::parse(&format!("{facility}-{}", uuid::Uuid::new_v4()))
        .expect("random key is valid")
}

/// Metadata given by hand, from flags or a sidecar; every field optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetadataHints {
    /// `hl7`, `nsips`, `pdf` or `text`; otherwise detected from the content.
    pub kind: Option<String>,
    /// Patient ID.
    pub patient: Option<String>,
    /// Data kind.
    pub data_kind: Option<String>,
    /// Care date `YYYYMMDD`.
    pub care_date: Option<String>,
    /// Destination override.
    pub destination: Option<String>,
    /// Charset override (`shift_jis`, `iso-2022-jp`, `utf-8`).
    pub charset: Option<String>,
}

impl MetadataHints {
    /// Fills fields that are `None` here from `other` (flags win over sidecars).
    pub fn or(self, other: MetadataHints) -> Self {
        Self {
            kind: self.kind.or(other.kind),
            patient: self.patient.or(other.patient),
            data_kind: self.data_kind.or(other.data_kind),
            care_date: self.care_date.or(other.care_date),
            destination: self.destination.or(other.destination),
            charset: self.charset.or(other.charset),
        }
    }
}

/// The sidecar path of a document: `NAME.meta.toml` in the same folder.
pub fn sidecar_path(document: &Path) -> PathBuf {
    let mut name = document.file_name().unwrap_or_default().to_os_string();
    name.push(".meta.toml");
    document.with_file_name(name)
}

/// Whether a path is itself a sidecar, not a document.
pub fn is_sidecar(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.ends_with(".meta.toml"))
}

/// Reads a sidecar; `Ok(None)` when there is none.
pub fn read_sidecar(path: &Path) -> Result<Option<MetadataHints>, MetadataError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(MetadataError::Sidecar {
                path: path.to_owned(),
                message: source.to_string(),
            });
        }
    };
    toml::from_str(&text)
        .map(Some)
        .map_err(|e| MetadataError::Sidecar {
            path: path.to_owned(),
            message: e.message().trim().to_owned(),
        })
}

/// Why metadata could not be determined.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MetadataError {
    /// A required field is not known.
    #[error("the {field} is not known: {how}")]
    Missing {
        /// Which field.
        field: Field,
        /// How to provide it.
        how: Remedy,
    },
    /// A given value is malformed.
    #[error("the {field} {value:?} is not valid: expected {expected}")]
    Invalid {
        /// Which field.
        field: Field,
        /// The rejected value.
        value: String,
        /// What is expected.
        expected: Expected,
    },
    /// The sidecar could not be read or parsed.
    #[error("sidecar {path}: {message}")]
    Sidecar {
        /// The sidecar file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// The value given by hand contradicts the document itself.
    #[error("the {field} given ({given}) differs from the document's ({found})")]
    Conflict {
        /// Which field.
        field: Field,
        /// Given by flag or sidecar.
        given: String,
        /// Found in the document.
        found: Found,
    },
}

/// A metadata field named in a [`MetadataError`]. The words for it in each language live in
/// the catalogue (`crate::messages`); `Display` is the English.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// `IDLink-Document-Kind`.
    DocumentKind,
    /// The character set.
    Charset,
    /// The data kind given by hand.
    DataKind,
    /// The SS-MIX2 data kind of an HL7 message.
    Ssmix2DataKind,
    /// The patient ID.
    PatientId,
    /// The destination.
    Destination,
    /// The care date.
    CareDate,
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::DocumentKind => "document kind",
            Self::Charset => "charset",
            Self::DataKind => "data kind",
            Self::Ssmix2DataKind => "SS-MIX2 data kind",
            Self::PatientId => "patient ID",
            Self::Destination => "destination",
            Self::CareDate => "care date",
        })
    }
}

/// How to provide a missing field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Remedy {
    /// `--kind` or the sidecar's `kind`.
    DocumentKind,
    /// `--patient` or the sidecar's `patient`.
    PatientId,
    /// `--data-kind` or an SS-MIX2 file name.
    DataKind,
}

impl fmt::Display for Remedy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::DocumentKind => {
                "it is not recognisable from the content; pass --kind hl7|nsips|pdf|text or set `kind` in the sidecar"
            }
            Self::PatientId => "pass --patient ID or set `patient` in the sidecar NAME.meta.toml",
            Self::DataKind => {
                "the message type allows several; pass --data-kind (e.g. OMP-01) or use an SS-MIX2 file name"
            }
        })
    }
}

/// What a field accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expected {
    /// The four document kinds.
    DocumentKind,
    /// The `--charset` names.
    CharsetFlag,
    /// The charset names with their aliases.
    CharsetHeader,
    /// A PDF takes no charset.
    NoCharsetForPdf,
    /// An SS-MIX2 data kind.
    DataKind,
    /// A patient ID.
    PatientId,
    /// A destination.
    Destination,
    /// A care date.
    CareDate,
}

impl fmt::Display for Expected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::DocumentKind => "hl7, nsips, pdf or text",
            Self::CharsetFlag => "iso-2022-jp, utf-8 or shift_jis",
            Self::CharsetHeader => {
                "iso-2022-jp, utf-8 or shift_jis (also shift-jis, sjis, windows-31j, cp932)"
            }
            Self::NoCharsetForPdf => "no charset for a PDF (it declares its own encodings)",
            Self::DataKind => "an SS-MIX2 data kind such as OMP-01",
            Self::PatientId => "1 to 15 ASCII letters or digits",
            Self::Destination => "storage or appliance:<id>",
            Self::CareDate => "a date as YYYYMMDD, e.g. 20261124, or - for no care date",
        })
    }
}

/// What the document itself says, in a [`MetadataError::Conflict`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// A value, as found.
    Value(String),
    /// The care date of the SS-MIX2 file name.
    CareDateFromFileName(String),
    /// The care date of the message's fields.
    CareDateFromMessage {
        /// The date.
        date: String,
        /// The fields it came from (`ORC-9`…).
        fields: String,
    },
    /// The message's care date fields are empty.
    CareDateEmpty {
        /// The fields.
        fields: String,
    },
    /// The data kind has no care date.
    NoCareDate {
        /// The data kind.
        kind: String,
    },
}

impl fmt::Display for Found {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Value(v) => f.write_str(v),
            Self::CareDateFromFileName(date) => write!(f, "{date}, from the SS-MIX2 file name"),
            Self::CareDateFromMessage { date, fields } => write!(f, "{date}, from {fields}"),
            Self::CareDateEmpty { fields } => write!(f, "-, {fields} is empty"),
            Self::NoCareDate { kind } => write!(f, "-, {kind} has no care date"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta() -> Metadata {
        Metadata::new(DocumentKind::Pdf, PatientId::parse("9999013").unwrap())
    }

    #[test]
    fn derived_keys_are_stable_and_change_with_metadata() {
        let f = FacilityCode::parse("0112345678").unwrap();
        let d = ContentDigest::of(b"%PDF-1.4");
        let a = meta().derived_key(&f, &Destination::Storage, &d);
        assert_eq!(a, meta().derived_key(&f, &Destination::Storage, &d));
        assert!(a.as_str().starts_with("0112345678-d-"));
        let mut other = meta();
        other.patient = PatientId::parse("9999099").unwrap();
        assert_ne!(a, other.derived_key(&f, &Destination::Storage, &d));
        assert_ne!(
            a,
            meta().derived_key(&f, &Destination::Storage, &ContentDigest::of(b"x"))
        );
    }

    // PROTO-UP-014: `-` is SS-MIX2's "no care date".
    #[test]
    fn care_dates_must_exist() {
        assert!(CareDate::parse("20261124").is_ok());
        assert_eq!(CareDate::parse("-").unwrap().as_str(), "-");
        assert!(CareDate::parse("20260230").is_err());
        assert!(CareDate::parse("2026-11-24").is_err());
    }

    #[test]
    fn content_type_carries_the_charset_override() {
        let mut m = Metadata::new(DocumentKind::Hl7, PatientId::parse("1").unwrap());
        assert_eq!(m.content_type(), "application/hl7-v2");
        m.charset = Some("shift_jis".into());
        assert_eq!(m.content_type(), "application/hl7-v2; charset=shift_jis");
    }

    #[test]
    fn sidecars_are_named_after_their_document_and_flags_win() {
        assert_eq!(
            sidecar_path(Path::new("/o/a.pdf")),
            PathBuf::from("/o/a.pdf.meta.toml")
        );
        assert!(is_sidecar(Path::new("a.pdf.meta.toml")) && !is_sidecar(Path::new("a.pdf")));
        let flags = MetadataHints {
            patient: Some("1".into()),
            ..Default::default()
        };
        let side = MetadataHints {
            patient: Some("2".into()),
            care_date: Some("20260101".into()),
            ..Default::default()
        };
        let merged = flags.or(side);
        assert_eq!(merged.patient.as_deref(), Some("1"));
        assert_eq!(merged.care_date.as_deref(), Some("20260101"));
    }

    #[test]
    fn a_sidecar_with_an_unknown_key_is_an_error_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.pdf.meta.toml");
        std::fs::write(&p, "patient = \"9999013\"\npatinet = \"x\"\n").unwrap();
        let err = read_sidecar(&p).unwrap_err();
        assert!(
            matches!(err, MetadataError::Sidecar { ref path, .. } if path == &p),
            "{err}"
        );
        assert_eq!(read_sidecar(&dir.path().join("none.meta.toml")), Ok(None));
    }
}
