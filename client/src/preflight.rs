//! Offline pre-flight (`PROTO-CLI-005`): what a document is, whether the server would accept
//! it, and the metadata it carries, before a byte goes on the wire.
//!
//! Validation is `idlink_formats::check`, the same code the service center runs, so a document
//! that passes here is not refused for its format there. HL7 messages carry their own metadata
//! (PID-3, MSH-9, the care date); SS-MIX2 file names add the data kind. Other documents take it
//! from flags or a sidecar.

use std::io::Read as _;
use std::path::{Path, PathBuf};

use idlink_formats::ssmix2::{CareDateSource, DataKind, FileName};
use idlink_formats::{Charset, CheckOptions, Detected, Report};
use idlink_protocol::headers as h;
use idlink_protocol::{Destination, DocumentFileName, PatientId};

use crate::config::StrictnessSetting;
use crate::metadata::{
    CareDate, DocumentKind, Expected, Field, Found, Metadata, MetadataError, MetadataHints, Remedy,
    read_sidecar, sidecar_path,
};
use idlink_formats::nsips;

/// Bytes read to detect a document's kind. Validation of a document larger than
/// [`crate::upload::SMALL_DOCUMENT`] goes through `idlink_formats::check_file`, which reads in
/// bounded pieces, so memory stays flat whatever the document size.
const HEAD: usize = 64 * 1024;

/// How pre-flight judges a document: strictness, and the record-schema profile NSIPS files are
/// checked against (`upload.nsips_profile`, `check --nsips-profile`).
///
/// A bare [`StrictnessSetting`] converts into options without a profile, so
/// `prepare(path, &hints, StrictnessSetting::Strict)` still reads naturally.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PreflightOptions {
    /// Strict (as the server) or lenient.
    pub strictness: StrictnessSetting,
    /// The NSIPS record layout; without one only the generic envelope is checked.
    pub nsips_profile: Option<nsips::Profile>,
}

impl From<StrictnessSetting> for PreflightOptions {
    fn from(strictness: StrictnessSetting) -> Self {
        Self {
            strictness,
            nsips_profile: None,
        }
    }
}

/// A document ready to upload.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The document.
    pub path: PathBuf,
    /// What to send with it.
    pub metadata: Metadata,
    /// The validation report (warnings only; errors are a [`PreflightError::Invalid`]).
    pub report: Option<Report>,
    /// The whole document, when it is at most [`crate::upload::SMALL_DOCUMENT`] bytes (nearly
    /// every HL7 message): read once, these very bytes were validated and are the ones to hash
    /// and send ([`crate::upload::Client::upload_bytes`]), so a file rewritten between the
    /// check and the upload cannot slip an unchecked version onto the wire, and the document is
    /// not opened again. `None` for larger documents, which are streamed from the file.
    pub bytes: Option<bytes::Bytes>,
}

/// What pre-flight read of a document.
enum Contents {
    /// The whole document (small ones).
    Whole(bytes::Bytes),
    /// Its first [`HEAD`] bytes (large ones, validated from the file in pieces).
    Head(Vec<u8>),
}

impl Contents {
    fn head(&self) -> &[u8] {
        match self {
            Contents::Whole(b) => &b[..b.len().min(HEAD)],
            Contents::Head(h) => h,
        }
    }
}

/// Why a document cannot be sent.
#[derive(Debug, thiserror::Error)]
pub enum PreflightError {
    /// The document could not be read.
    #[error("cannot read {path}")]
    Read {
        /// The document.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Validation found errors.
    #[error("{} error(s) in {}; nothing was sent", report.errors().count(), path.display())]
    Invalid {
        /// The document.
        path: PathBuf,
        /// The findings.
        report: Box<Report>,
    },
    /// Metadata is missing, malformed or contradicts the document.
    #[error("{}", path.display())]
    Metadata {
        /// The document.
        path: PathBuf,
        /// What is wrong.
        source: MetadataError,
    },
}

impl PreflightError {
    /// The findings in compiler style, or the message.
    pub fn explain(&self) -> String {
        match self {
            Self::Invalid { path, report } => report.render_human(&path.display().to_string()),
            other => format!("{}\n", crate::report::error_chain(other)),
        }
    }

    /// A stable slug for reports.
    pub fn slug(&self) -> &'static str {
        match self {
            Self::Read { .. } => "read-error",
            Self::Invalid { .. } => "validation-failed",
            Self::Metadata { .. } => "metadata",
        }
    }
}

/// Checks a document offline only (`storeclient check`).
pub fn check_only(
    path: &Path,
    hints: &MetadataHints,
    options: impl Into<PreflightOptions>,
) -> Result<Report, PreflightError> {
    let hints = with_sidecar(path, hints)?;
    let contents = read_contents(path)?;
    let kind = kind_of(path, contents.head(), &hints)?;
    run_check(path, &contents, kind, &hints, options.into())
}

/// Validates a document and works out its metadata (`storeclient upload`, spool runs).
pub fn prepare(
    path: &Path,
    hints: &MetadataHints,
    options: impl Into<PreflightOptions>,
) -> Result<Prepared, PreflightError> {
    let hints = with_sidecar(path, hints)?;
    let contents = read_contents(path)?;
    let kind = kind_of(path, contents.head(), &hints)?;
    let report = run_check(path, &contents, kind, &hints, options.into())?;
    if report.has_errors() {
        return Err(PreflightError::Invalid {
            path: path.to_owned(),
            report: Box::new(report),
        });
    }
    let report = Some(report);
    let metadata = metadata_for(path, kind, &hints, report.as_ref()).map_err(|source| {
        PreflightError::Metadata {
            path: path.to_owned(),
            source,
        }
    })?;
    Ok(Prepared {
        path: path.to_owned(),
        metadata,
        report,
        bytes: match contents {
            Contents::Whole(bytes) => Some(bytes),
            Contents::Head(_) => None,
        },
    })
}

fn with_sidecar(path: &Path, hints: &MetadataHints) -> Result<MetadataHints, PreflightError> {
    let side = read_sidecar(&sidecar_path(path)).map_err(|source| PreflightError::Metadata {
        path: path.to_owned(),
        source,
    })?;
    Ok(hints.clone().or(side.unwrap_or_default()))
}

/// Reads a small document whole, or the first [`HEAD`] bytes of a larger one (enough to
/// recognise the kind, and DICOM), through one open file.
fn read_contents(path: &Path) -> Result<Contents, PreflightError> {
    let err = |source| PreflightError::Read {
        path: path.to_owned(),
        source,
    };
    let file = std::fs::File::open(path).map_err(err)?;
    let size = file.metadata().map_err(err)?.len();
    let small = crate::upload::SMALL_DOCUMENT;
    let limit = if size <= small {
        small + 1
    } else {
        HEAD as u64
    };
    let mut data = Vec::with_capacity(size.min(limit) as usize);
    file.take(limit).read_to_end(&mut data).map_err(err)?;
    // A file that grew past the limit while it was read is a large one after all.
    if size <= small && data.len() as u64 <= small {
        Ok(Contents::Whole(data.into()))
    } else {
        data.truncate(HEAD);
        Ok(Contents::Head(data))
    }
}

fn kind_of(
    path: &Path,
    bytes: &[u8],
    hints: &MetadataHints,
) -> Result<DocumentKind, PreflightError> {
    let meta_err = |source| PreflightError::Metadata {
        path: path.to_owned(),
        source,
    };
    if let Some(k) = &hints.kind {
        return kind_from_hint(k).ok_or_else(|| {
            meta_err(MetadataError::Invalid {
                field: Field::DocumentKind,
                value: k.clone(),
                expected: Expected::DocumentKind,
            })
        });
    }
    match idlink_formats::detect_upload(bytes) {
        Some(Detected::Kind(k)) => return Ok(k),
        // DICOM before any guess from the name: the check refuses it whatever the kind
        // (`DICOM-REFUSED`, the same report as `--kind pdf`). DICOM is no document kind, so the
        // report is labelled with the binary document kind rather than failing here with
        // "the document kind is not known".
        Some(Detected::Dicom) => return Ok(DocumentKind::Pdf),
        None => {}
    }
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("txt" | "text") => Ok(DocumentKind::Text),
        Some("hl7") => Ok(DocumentKind::Hl7),
        Some("pdf") => Ok(DocumentKind::Pdf),
        _ if FileName::parse(&file_name(path)).is_ok() => Ok(DocumentKind::Hl7),
        _ => Err(meta_err(MetadataError::Missing {
            field: Field::DocumentKind,
            how: Remedy::DocumentKind,
        })),
    }
}

/// A kind given by flag or sidecar. Friendlier than the formats crate's exact parse: any case,
/// and `txt` for text, since people type the file extension.
fn kind_from_hint(value: &str) -> Option<DocumentKind> {
    match value.to_ascii_lowercase().as_str() {
        "txt" => Some(DocumentKind::Text),
        other => other.parse().ok(),
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_owned()
}

fn run_check(
    path: &Path,
    contents: &Contents,
    kind: DocumentKind,
    hints: &MetadataHints,
    preflight: PreflightOptions,
) -> Result<Report, PreflightError> {
    let meta_err = |source| PreflightError::Metadata {
        path: path.to_owned(),
        source,
    };
    let charset_override = match &hints.charset {
        Some(c) => Some(c.parse::<Charset>().map_err(|_| {
            meta_err(MetadataError::Invalid {
                field: Field::Charset,
                value: c.clone(),
                expected: Expected::CharsetFlag,
            })
        })?),
        None => None,
    };
    let data_kind = match (&hints.data_kind, kind) {
        (Some(dk), DocumentKind::Hl7) => Some(dk.parse::<DataKind>().map_err(|_| {
            meta_err(MetadataError::Invalid {
                field: Field::DataKind,
                value: dk.clone(),
                expected: Expected::DataKind,
            })
        })?),
        _ => None,
    };
    let name = file_name(path);
    let options = CheckOptions {
        strictness: preflight.strictness,
        charset_override,
        file_name: (kind == DocumentKind::Hl7 && FileName::parse(&name).is_ok()).then_some(name),
        data_kind,
        // Moved, not cloned: the options were built for this one check.
        nsips_profile: preflight
            .nsips_profile
            .filter(|_| kind == DocumentKind::Nsips),
        // The size limit is the service center's own (PROTO-UP-010) and it answers `too-large`;
        // the client does not guess it, so a PDF is never refused locally for its size.
        max_pdf_bytes: Some(u64::MAX),
    };
    match contents {
        // The same report as `check_file` on the same bytes (idlink-formats tests hold the two
        // to that on every fixture).
        Contents::Whole(bytes) => Ok(idlink_formats::check(bytes, kind, &options)),
        Contents::Head(_) => idlink_formats::check_file(path, kind, &options).map_err(|source| {
            PreflightError::Read {
                path: path.to_owned(),
                source,
            }
        }),
    }
}

fn metadata_for(
    path: &Path,
    kind: DocumentKind,
    hints: &MetadataHints,
    report: Option<&Report>,
) -> Result<Metadata, MetadataError> {
    let name = file_name(path);
    let ssmix = FileName::parse(&name)
        .ok()
        .filter(|_| kind == DocumentKind::Hl7);
    let summary = report.and_then(|r| r.hl7.as_ref());
    let found_patient = summary.and_then(|s| s.patient_id.clone());
    let patient = match (&hints.patient, found_patient) {
        (Some(given), Some(found)) if *given != found => {
            return Err(MetadataError::Conflict {
                field: Field::PatientId,
                given: given.clone(),
                found: Found::Value(found),
            });
        }
        (Some(p), _) => p.clone(),
        (None, Some(p)) => p,
        (None, None) => {
            return Err(MetadataError::Missing {
                field: Field::PatientId,
                how: Remedy::PatientId,
            });
        }
    };
    let patient = PatientId::parse(&patient).map_err(|_| MetadataError::Invalid {
        field: Field::PatientId,
        value: patient.clone(),
        expected: Expected::PatientId,
    })?;
    let data_kind = match (&hints.data_kind, &ssmix, kind) {
        (Some(dk), _, _) => Some(dk.clone()),
        (None, Some(f), _) => Some(f.data_kind.code().to_owned()),
        (None, None, DocumentKind::Hl7) => match summary.map(|s| s.candidate_data_kinds.as_slice())
        {
            Some([only]) => Some(only.code().to_owned()),
            _ => {
                return Err(MetadataError::Missing {
                    field: Field::Ssmix2DataKind,
                    how: Remedy::DataKind,
                });
            }
        },
        (None, None, _) => None,
    };
    let care_date = care_date_for(
        hints.care_date.as_deref(),
        data_kind.as_deref().filter(|_| kind == DocumentKind::Hl7),
        ssmix.as_ref(),
        summary,
    )?;
    let destination = hints
        .destination
        .as_deref()
        .map(|d| {
            Destination::parse(d).map_err(|_| MetadataError::Invalid {
                field: Field::Destination,
                value: d.to_owned(),
                expected: Expected::Destination,
            })
        })
        .transpose()?;
    let mut meta = Metadata::new(kind, patient);
    meta.data_kind = data_kind;
    meta.care_date = care_date;
    // PROTO-UP-015: any name the server accepts (UTF-8 included, sent percent-encoded); one it
    // would refuse (a hidden file, a control character, `:`...) is left out, so the server
    // names the file itself. For HL7 only an SS-MIX2 name: any other would fail the server's
    // file-name check (`SSMIX2-FILE-NAME`) although the message is fine.
    meta.file_name = DocumentFileName::new(&name)
        .ok()
        .filter(|_| kind != DocumentKind::Hl7 || ssmix.is_some());
    meta.destination = destination;
    // PROTO-UP-003: the wire knows three names; an alias (cp932, windows-31j, sjis) is sent as
    // the canonical one, and a PDF takes none.
    meta.charset = match hints.charset.as_deref() {
        None => None,
        Some(c) if !h::kind_takes_charset(kind.as_str()) => {
            return Err(MetadataError::Invalid {
                field: Field::Charset,
                value: c.to_owned(),
                expected: Expected::NoCharsetForPdf,
            });
        }
        Some(c) => Some(
            h::canonical_charset(c)
                .ok_or_else(|| MetadataError::Invalid {
                    field: Field::Charset,
                    value: c.to_owned(),
                    expected: Expected::CharsetHeader,
                })?
                .to_owned(),
        ),
    };
    Ok(meta)
}

/// The care date to declare (`PROTO-UP-014`). For HL7 the server stores the SS-MIX2 file
/// name's care date, else the message's, else `-`, and refuses a header that differs
/// (`care-date-mismatch`): a date given by hand that differs is refused here, before anything is
/// sent, naming both. For the other kinds the date given by hand is the only source.
fn care_date_for(
    given: Option<&str>,
    hl7_kind: Option<&str>,
    ssmix: Option<&FileName>,
    summary: Option<&idlink_formats::Hl7Summary>,
) -> Result<Option<CareDate>, MetadataError> {
    let given = given.map(CareDate::parse).transpose()?;
    let Some(kind) = hl7_kind.and_then(|k| k.parse::<DataKind>().ok()) else {
        return Ok(given);
    };
    let stored = idlink_formats::ssmix2::stored_care_date(
        kind,
        ssmix,
        summary.and_then(|s| s.care_date.as_deref()),
    );
    match given {
        Some(given) if given.as_str() != stored.as_str() => Err(MetadataError::Conflict {
            field: Field::CareDate,
            given: given.as_str().to_owned(),
            found: match stored.source {
                CareDateSource::FileName => Found::CareDateFromFileName(stored.as_str().to_owned()),
                CareDateSource::Message => Found::CareDateFromMessage {
                    date: stored.as_str().to_owned(),
                    fields: kind.care_date_fields().unwrap_or_default().to_string(),
                },
                CareDateSource::Empty => Found::CareDateEmpty {
                    fields: kind.care_date_fields().unwrap_or_default().to_string(),
                },
                CareDateSource::NotApplicable => Found::NoCareDate {
                    kind: kind.to_string(),
                },
            },
        }),
        _ => stored.date.as_deref().map(CareDate::parse).transpose(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // PROTO-UP-014: the client declares the care date the server will store, and refuses a
    // date given by hand that the server would refuse.
    #[test]
    fn a_care_date_given_by_hand_must_agree_with_the_ss_mix2_source() {
        let name = "9999013_20110701_OMP-01_000000011000185_20110701224603984_01_1";
        let file = FileName::parse(name).unwrap();
        let date = |given: Option<&str>, kind: Option<&str>, file: Option<&FileName>| {
            care_date_for(given, kind, file, None).map(|d| d.map(|d| d.as_str().to_owned()))
        };
        assert_eq!(
            date(None, Some("OMP-01"), Some(&file)),
            Ok(Some("20110701".into()))
        );
        assert_eq!(
            date(Some("20110701"), Some("OMP-01"), Some(&file)),
            Ok(Some("20110701".into()))
        );
        assert_eq!(
            date(Some("20261124"), Some("OMP-01"), Some(&file)),
            Err(MetadataError::Conflict {
                field: Field::CareDate,
                given: "20261124".into(),
                found: Found::CareDateFromFileName("20110701".into()),
            })
        );
        assert_eq!(
            date(Some("20261124"), Some("ADT-00"), None),
            Err(MetadataError::Conflict {
                field: Field::CareDate,
                given: "20261124".into(),
                found: Found::NoCareDate {
                    kind: "ADT-00".into()
                },
            })
        );
        assert_eq!(date(Some("-"), Some("ADT-00"), None), Ok(None));
        assert_eq!(
            date(Some("-"), None, None),
            Ok(Some("-".into())),
            "PDF: `-` is sent"
        );
        assert_eq!(
            date(Some("20261124"), None, None),
            Ok(Some("20261124".into()))
        );
    }

    #[test]
    fn a_pdf_larger_than_any_in_memory_limit_passes_pre_flight_without_being_read_whole() {
        // Arrange: a 60 MiB PDF (sparse, so the test writes almost nothing)
        let dir = tempfile::tempdir().unwrap();
        let doc = dir.path().join("report.pdf");
        let size = 60 * 1024 * 1024;
        let mut file = std::fs::File::create(&doc).unwrap();
        std::io::Write::write_all(&mut file, b"%PDF-1.7\n").unwrap();
        file.set_len(size - 6).unwrap();
        std::io::Seek::seek(&mut file, std::io::SeekFrom::End(0)).unwrap();
        std::io::Write::write_all(&mut file, b"%%EOF\n").unwrap();
        let hints = MetadataHints {
            patient: Some("9999013".into()),
            ..MetadataHints::default()
        };

        // Act
        let prepared = prepare(&doc, &hints, StrictnessSetting::Strict);

        // Assert: the service center's size limit is its own (PROTO-UP-010), not guessed here
        let prepared = prepared.unwrap_or_else(|e| panic!("{}", e.explain()));
        assert_eq!(prepared.metadata.kind, DocumentKind::Pdf);
        assert_eq!(std::fs::metadata(&doc).unwrap().len(), size);
    }

    #[test]
    fn a_large_truncated_pdf_is_still_validated_in_full_and_refused() {
        // Arrange: 60 MiB, but the transfer was cut off before %%EOF
        let dir = tempfile::tempdir().unwrap();
        let doc = dir.path().join("cut.pdf");
        let mut file = std::fs::File::create(&doc).unwrap();
        std::io::Write::write_all(&mut file, b"%PDF-1.7\n").unwrap();
        file.set_len(60 * 1024 * 1024).unwrap();
        let hints = MetadataHints {
            patient: Some("9999013".into()),
            ..MetadataHints::default()
        };

        // Act
        let err = prepare(&doc, &hints, StrictnessSetting::Strict).unwrap_err();

        // Assert
        let PreflightError::Invalid { report, .. } = err else {
            panic!("expected validation findings, got {err}")
        };
        let codes: Vec<String> = report.errors().map(|f| f.code.to_string()).collect();
        assert_eq!(codes, ["PDF-EOF"]);
    }

    // PROTO-UP-003
    #[test]
    fn a_windows_name_for_shift_jis_is_sent_as_shift_jis() {
        // Arrange
        let dir = tempfile::tempdir().unwrap();
        let doc = dir.path().join("note.txt");
        std::fs::write(&doc, b"referral\n").unwrap();
        for alias in ["cp932", "Windows-31J", "sjis", "shift-jis", "shift_jis"] {
            let hints = MetadataHints {
                patient: Some("9999013".into()),
                kind: Some("text".into()),
                charset: Some(alias.into()),
                ..MetadataHints::default()
            };

            // Act
            let prepared = prepare(&doc, &hints, StrictnessSetting::Strict)
                .unwrap_or_else(|e| panic!("{alias}: {}", e.explain()));

            // Assert
            assert_eq!(
                prepared.metadata.content_type(),
                "text/plain; charset=shift_jis",
                "{alias}"
            );
        }
    }

    // PROTO-UP-003
    #[test]
    fn a_pdf_with_a_charset_is_refused_before_sending() {
        let doc = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/fixtures/pdf/valid.pdf");
        let hints = MetadataHints {
            patient: Some("9999013".into()),
            kind: Some("pdf".into()),
            charset: Some("utf-8".into()),
            ..MetadataHints::default()
        };
        let err = prepare(&doc, &hints, StrictnessSetting::Strict).unwrap_err();
        assert!(
            matches!(
                err,
                PreflightError::Metadata {
                    source: MetadataError::Invalid {
                        field: Field::Charset,
                        ..
                    },
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn a_text_document_needs_a_patient_from_flags_or_a_sidecar() {
        let dir = tempfile::tempdir().unwrap();
        let doc = dir.path().join("note.txt");
        std::fs::write(&doc, "退院時サマリ\n").unwrap();
        let err = prepare(&doc, &MetadataHints::default(), StrictnessSetting::Strict).unwrap_err();
        assert!(
            matches!(
                err,
                PreflightError::Metadata {
                    source: MetadataError::Missing {
                        field: Field::PatientId,
                        ..
                    },
                    ..
                }
            ),
            "{err}"
        );
        std::fs::write(
            sidecar_path(&doc),
            "patient = \"9999013\"\ncare_date = \"20261124\"\n",
        )
        .unwrap();
        let p = prepare(&doc, &MetadataHints::default(), StrictnessSetting::Strict).unwrap();
        assert_eq!(p.metadata.kind, DocumentKind::Text);
        assert_eq!(p.metadata.patient.as_str(), "9999013");
        assert_eq!(
            p.metadata.care_date.as_ref().map(CareDate::as_str),
            Some("20261124")
        );
        assert_eq!(
            p.metadata.file_name.as_ref().map(DocumentFileName::as_str),
            Some("note.txt")
        );
    }

    #[test]
    fn an_empty_text_document_fails_the_check() {
        // Arrange
        let dir = tempfile::tempdir().unwrap();
        let doc = dir.path().join("note.txt");
        std::fs::write(&doc, b"").unwrap();
        let hints = MetadataHints {
            patient: Some("9999013".into()),
            ..MetadataHints::default()
        };

        // Act
        let report = check_only(&doc, &hints, StrictnessSetting::Strict).unwrap();

        // Assert
        let codes: Vec<String> = report.errors().map(|f| f.code.to_string()).collect();
        assert_eq!(codes, ["TEXT-EMPTY"]);
        let err = prepare(&doc, &hints, StrictnessSetting::Strict).unwrap_err();
        assert!(matches!(err, PreflightError::Invalid { .. }), "{err}");
    }

    #[test]
    fn kinds_given_by_hand_accept_any_case_and_the_txt_extension() {
        for (given, expected) in [
            ("hl7", Some(DocumentKind::Hl7)),
            ("NSIPS", Some(DocumentKind::Nsips)),
            ("Pdf", Some(DocumentKind::Pdf)),
            ("text", Some(DocumentKind::Text)),
            ("txt", Some(DocumentKind::Text)),
            ("dicom", None),
        ] {
            assert_eq!(kind_from_hint(given), expected, "{given}");
        }
    }

    // PROTO-CLI-005
    #[test]
    fn dicom_without_a_kind_is_refused_as_dicom_not_as_an_unknown_kind() {
        // Arrange: no --kind, no sidecar, a name that says nothing
        let dir = tempfile::tempdir().unwrap();
        let doc = dir.path().join("scan.dcm");
        let mut bytes = vec![0u8; 128];
        bytes.extend_from_slice(b"DICM\x02\x00\x00\x00");
        std::fs::write(&doc, bytes).unwrap();

        // Act
        let report = check_only(&doc, &MetadataHints::default(), StrictnessSetting::Strict);

        // Assert
        let report = report.unwrap_or_else(|e| panic!("{}", e.explain()));
        let codes: Vec<String> = report.errors().map(|f| f.code.to_string()).collect();
        assert_eq!(codes, ["DICOM-REFUSED"]);
        let err = prepare(&doc, &MetadataHints::default(), StrictnessSetting::Strict).unwrap_err();
        assert!(matches!(err, PreflightError::Invalid { .. }), "{err}");
    }

    #[test]
    fn dicom_is_refused_before_sending() {
        let dir = tempfile::tempdir().unwrap();
        let doc = dir.path().join("image.pdf");
        let mut bytes = vec![0u8; 128];
        bytes.extend_from_slice(b"DICM");
        bytes.extend_from_slice(&[0u8; 64]);
        std::fs::write(&doc, bytes).unwrap();
        let hints = MetadataHints {
            patient: Some("9999013".into()),
            ..Default::default()
        };
        let err = prepare(&doc, &hints, StrictnessSetting::Strict).unwrap_err();
        assert!(matches!(err, PreflightError::Invalid { .. }), "{err}");
    }
}
