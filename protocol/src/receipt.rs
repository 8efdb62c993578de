//! Bodies of successful responses: the upload receipt and the connectivity check.

use serde::{Deserialize, Serialize};

/// What the service center returns for a stored document (`PROTO-UP-013`, `PROTO-RCPT-001`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Receipt {
    /// Server-assigned ID, `rcpt-` + 26 characters.
    pub receipt_id: String,
    /// The key the client sent.
    pub idempotency_key: String,
    /// The account that uploaded.
    pub account: String,
    /// The account's facility code.
    pub facility: String,
    /// The declared (and validated) patient ID.
    pub patient_id: String,
    /// `hl7`, `nsips`, `pdf` or `text`.
    pub document_kind: String,
    /// SS-MIX2 or extended-storage data kind, when there is one. Always present on the wire:
    /// `null` when the client declared none (a PDF or text document without one), so a reader
    /// can tell "no data kind" from "an older server that did not send the member".
    #[serde(default)]
    pub data_kind: Option<String>,
    /// `storage` or `appliance:<id>`.
    pub destination: String,
    /// The character set the document was read and stored as (`PROTO-RCPT-002`): `iso-2022-jp`,
    /// `shift_jis` (Windows-31J), `utf-8` or, for an HL7 message without MSH-18, `us-ascii`.
    /// Always present on the wire, `null` for a PDF (it declares its own encodings). Receipts
    /// written before the member existed read as `None`.
    #[serde(default)]
    pub charset: Option<String>,
    /// Lowercase hex SHA-256 of the stored bytes.
    pub sha256: String,
    /// Bytes stored.
    pub size: u64,
    /// Path of the stored file relative to the storage root.
    pub stored_path: String,
    /// For an HL7 update: where the previous `_1` file went.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub superseded_path: Option<String>,
    /// RFC 3339 UTC.
    pub received_at: String,
    /// `GET /v1/receipts/{id}` only: where the file is now, relative to the storage root, when
    /// it is no longer at `stored_path` (a later update renamed it to flag `_2`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_path: Option<String>,
    /// `GET /v1/receipts/{id}` only: the receipt of the update that superseded this document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub superseded_by: Option<String>,
    /// Validation findings that did not block (the formats crate's JSON shape).
    #[serde(default)]
    pub warnings: Vec<serde_json::Value>,
}

/// The answer of `GET /v1/whoami` (`PROTO-CONN-001`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WhoAmI {
    /// Always `v1` for this version.
    pub protocol: String,
    /// The authenticated account.
    pub account: String,
    /// The account's facility.
    pub facility: String,
    /// `mtls` or `vpn`.
    pub listener: String,
    /// The negotiated TLS parameters.
    pub tls: TlsSummary,
    /// The client certificate, on the mTLS listener.
    pub client_certificate: Option<CertificateSummary>,
    /// Server time, RFC 3339 UTC, to spot clock skew (certificate validity depends on it).
    pub server_time: String,
}

/// TLS parameters of a connection, as the server saw them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TlsSummary {
    /// `TLSv1.3` or `TLSv1.2`.
    pub version: String,
    /// IANA name of the cipher suite.
    pub cipher_suite: String,
    /// `h2` or `http/1.1`, when negotiated.
    pub alpn: Option<String>,
}

/// The client certificate, as the server saw it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CertificateSummary {
    /// Subject distinguished name.
    pub subject: String,
    /// Serial number, hex.
    pub serial: String,
    /// Expiry, RFC 3339 UTC.
    pub not_after: String,
    /// Facility code found in the certificate, if any.
    pub facility: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text_receipt() -> Receipt {
        Receipt {
            receipt_id: "rcpt-01JD3V7J6Q8W0Y2Z4A6C8E0G2J".into(),
            idempotency_key: "k".into(),
            account: "fac-0112345678".into(),
            facility: "0112345678".into(),
            patient_id: "9999013".into(),
            document_kind: "text".into(),
            data_kind: None,
            destination: "storage".into(),
            charset: Some("utf-8".into()),
            sha256: "00".repeat(32),
            size: 1,
            stored_path: "0112345678/999/901/9999013/-/text/r/document.txt".into(),
            superseded_path: None,
            received_at: "2026-11-24T10:15:00.123Z".into(),
            current_path: None,
            superseded_by: None,
            warnings: Vec::new(),
        }
    }

    // PROTO-RCPT-001: the receipt table lists data_kind as a member of every receipt.
    #[test]
    fn a_receipt_without_a_data_kind_says_null_rather_than_leaving_the_member_out() {
        let v = serde_json::to_value(text_receipt()).unwrap();
        assert_eq!(v.get("data_kind"), Some(&serde_json::Value::Null));
        assert!(v.get("superseded_path").is_none(), "only for HL7 updates");
    }

    // PROTO-RCPT-002
    #[test]
    fn a_receipt_names_its_character_set_and_a_pdf_says_null() {
        let v = serde_json::to_value(text_receipt()).unwrap();
        assert_eq!(v["charset"], "utf-8");
        let pdf = Receipt {
            charset: None,
            ..text_receipt()
        };
        let v = serde_json::to_value(pdf).unwrap();
        assert_eq!(v.get("charset"), Some(&serde_json::Value::Null));
    }

    #[test]
    fn a_receipt_from_a_server_that_left_data_kind_out_still_reads() {
        let mut v = serde_json::to_value(text_receipt()).unwrap();
        v.as_object_mut().unwrap().remove("data_kind");
        let back: Receipt = serde_json::from_value(v).unwrap();
        assert_eq!(back, text_receipt());
    }
}
