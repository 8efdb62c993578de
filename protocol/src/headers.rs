//! Header names and media types of protocol `v1` (docs/protocol.md, `PROTO-UP-002/003/012`).
//!
//! Spelled once here so the client and the server cannot drift apart.

/// The protocol version both sides speak; also the path prefix (`/v1/...`).
pub const PROTOCOL_VERSION: &str = "v1";
/// Response header naming the protocol version (`PROTO-CONN-002`).
pub const PROTOCOL: &str = "idlink-protocol";
/// Response header carrying the server's request ID, also written to its journal (`PROTO-CONN-002`).
pub const REQUEST_ID: &str = "idlink-request-id";
/// `hl7`, `nsips`, `pdf` or `text` (`PROTO-UP-003`).
pub const DOCUMENT_KIND: &str = "idlink-document-kind";
/// SS-MIX2 data kind for HL7 (`OMP-01`), extended-storage kind otherwise (`PROTO-UP-012`).
pub const DATA_KIND: &str = "idlink-data-kind";
/// The facility's 10-digit code (`PROTO-UP-005`).
pub const FACILITY: &str = "idlink-facility";
/// The facility's local patient ID (`PROTO-UP-006`).
pub const PATIENT_ID: &str = "idlink-patient-id";
/// `storage` or `appliance:<id>` (`PROTO-UP-007`).
pub const DESTINATION: &str = "idlink-destination";
/// Optional care date `YYYYMMDD` or `-` (`PROTO-UP-012`, `PROTO-UP-014`).
pub const CARE_DATE: &str = "idlink-care-date";
/// Optional original file name, plain ASCII or RFC 8187 `UTF-8''...` (`PROTO-UP-015`).
pub const FILE_NAME: &str = "idlink-file-name";
/// RFC 9530 digest of the body (`PROTO-UP-009`).
pub const CONTENT_DIGEST: &str = "content-digest";
/// One key per document, stable across retries and restarts (`PROTO-IDEM-001`).
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";
/// `true` on a response that replays the first receipt (`PROTO-IDEM-002`).
pub const IDEMPOTENCY_REPLAYED: &str = "idempotency-replayed";

/// Media type of an HL7 v2 ER7 message.
pub const MEDIA_HL7: &str = "application/hl7-v2";
/// Media type of an NSIPS envelope.
pub const MEDIA_NSIPS: &str = "text/csv";
/// Media type of a PDF report.
pub const MEDIA_PDF: &str = "application/pdf";
/// Media type of a plain-text document.
pub const MEDIA_TEXT: &str = "text/plain";
/// Media type that is always refused (`PROTO-UP-004`).
pub const MEDIA_DICOM: &str = "application/dicom";
/// Media type of every error body (`PROTO-ERR-001`).
pub const MEDIA_PROBLEM: &str = "application/problem+json";

/// The upload endpoint.
pub const PATH_DOCUMENTS: &str = "/v1/documents";
/// The connectivity-check endpoint.
pub const PATH_WHOAMI: &str = "/v1/whoami";
/// Prefix of receipt lookups: `/v1/receipts/{receipt_id}`.
pub const PATH_RECEIPTS: &str = "/v1/receipts";

/// Every route of protocol `v1`, as (method, path template): each has exactly one method
/// (`PROTO-ERR-004`). `docs/openapi.json` describes exactly these (a test checks it against the
/// running mock).
pub const ROUTES: [(&str, &str); 3] = [
    ("POST", PATH_DOCUMENTS),
    ("GET", PATH_WHOAMI),
    ("GET", "/v1/receipts/{receipt_id}"),
];

/// The request headers an upload may carry besides `Content-Type`, `Content-Length` and
/// `Authorization`, in the spelling of docs/protocol.md (`PROTO-UP-002`, `PROTO-UP-012`).
pub const UPLOAD_HEADERS: [&str; 9] = [
    "IDLink-Document-Kind",
    "IDLink-Data-Kind",
    "IDLink-Facility",
    "IDLink-Patient-Id",
    "IDLink-Destination",
    "IDLink-Care-Date",
    "IDLink-File-Name",
    "Content-Digest",
    "Idempotency-Key",
];

/// The media type that goes with a document kind (`hl7`, `nsips`, `pdf`, `text`).
pub fn media_type_for(document_kind: &str) -> Option<&'static str> {
    match document_kind {
        "hl7" => Some(MEDIA_HL7),
        "nsips" => Some(MEDIA_NSIPS),
        "pdf" => Some(MEDIA_PDF),
        "text" => Some(MEDIA_TEXT),
        _ => None,
    }
}

/// The `charset` parameter values an upload may carry (`PROTO-UP-003`), canonical names first.
///
/// `shift_jis` means Windows-31J (CP932), the Shift_JIS that Japanese systems actually write
/// (NEC and IBM extensions such as ① and 髙 included), so its usual names are aliases of it.
pub const CHARSETS: [(&str, &[&str]); 3] = [
    ("iso-2022-jp", &[]),
    ("utf-8", &[]),
    ("shift_jis", &["shift-jis", "sjis", "windows-31j", "cp932"]),
];

/// The canonical name (`iso-2022-jp`, `utf-8` or `shift_jis`) of a `charset` parameter value,
/// compared case-insensitively; `None` for a character set the protocol does not accept.
pub fn canonical_charset(value: &str) -> Option<&'static str> {
    let value = value.trim().trim_matches('"');
    CHARSETS.iter().find_map(|(name, aliases)| {
        (name.eq_ignore_ascii_case(value) || aliases.iter().any(|a| a.eq_ignore_ascii_case(value)))
            .then_some(*name)
    })
}

/// Whether a document kind may carry a `charset` parameter: text-based kinds only, never `pdf`
/// (a PDF declares its own encodings inside).
pub fn kind_takes_charset(document_kind: &str) -> bool {
    matches!(document_kind, "hl7" | "nsips" | "text")
}

#[cfg(test)]
mod tests {
    use super::*;

    // PROTO-UP-003
    #[test]
    fn shift_jis_is_known_by_its_windows_names_too() {
        for (value, expected) in [
            ("shift_jis", Some("shift_jis")),
            ("Shift_JIS", Some("shift_jis")),
            ("shift-jis", Some("shift_jis")),
            ("sjis", Some("shift_jis")),
            ("Windows-31J", Some("shift_jis")),
            ("cp932", Some("shift_jis")),
            ("\"utf-8\"", Some("utf-8")),
            ("ISO-2022-JP", Some("iso-2022-jp")),
            ("euc-jp", None),
            ("utf8", None),
            ("", None),
        ] {
            assert_eq!(canonical_charset(value), expected, "{value}");
        }
    }

    #[test]
    fn the_upload_header_list_spells_the_header_constants() {
        let lower: Vec<String> = UPLOAD_HEADERS
            .iter()
            .map(|h| h.to_ascii_lowercase())
            .collect();
        for name in [
            DOCUMENT_KIND,
            DATA_KIND,
            FACILITY,
            PATIENT_ID,
            DESTINATION,
            CARE_DATE,
            FILE_NAME,
            CONTENT_DIGEST,
            IDEMPOTENCY_KEY,
        ] {
            assert!(lower.iter().any(|l| l == name), "{name}");
        }
        assert!(ROUTES.iter().any(|(_, p)| p.starts_with(PATH_RECEIPTS)));
    }

    #[test]
    fn only_text_based_kinds_take_a_charset() {
        assert!(
            kind_takes_charset("hl7") && kind_takes_charset("nsips") && kind_takes_charset("text")
        );
        assert!(!kind_takes_charset("pdf"));
    }
}
