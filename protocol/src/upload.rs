//! The typed values of an upload request's headers (`PROTO-UP-*`, `PROTO-IDEM-001`).
//!
//! Each type is created only by its parser, so a value that reached a handler or a request
//! builder is already known to be well-formed.

use std::fmt;
use std::str::FromStr;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

/// Why a header value was refused; names the header so the message can be acted on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{header}: {value:?} is not valid: {reason}")]
pub struct HeaderValueError {
    /// The header (or field) name.
    pub header: &'static str,
    /// The rejected value, truncated to 80 characters.
    pub value: String,
    /// What is wrong and what is expected.
    pub reason: &'static str,
}

fn reject(header: &'static str, value: &str, reason: &'static str) -> HeaderValueError {
    HeaderValueError {
        header,
        value: value.chars().take(80).collect(),
        reason,
    }
}

/// A facility's local patient ID: 1 to 15 ASCII letters or digits (`PROTO-UP-006`).
///
/// Fifteen is the SS-MIX2 index DB width; the character set keeps IDs safe in SS-MIX2 file names,
/// whose fields are separated by `_`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PatientId(String);

impl PatientId {
    /// Parses a patient ID.
    pub fn parse(value: &str) -> Result<Self, HeaderValueError> {
        if value.is_empty() || value.len() > 15 {
            return Err(reject(
                "IDLink-Patient-Id",
                value,
                "expected 1 to 15 characters",
            ));
        }
        if !value.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(reject(
                "IDLink-Patient-Id",
                value,
                "expected ASCII letters and digits only",
            ));
        }
        Ok(Self(value.to_owned()))
    }

    /// The ID as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Where an upload goes (`PROTO-UP-007`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Destination {
    /// The ID-Link storage service; needs patient consent (`PROTO-UP-008`).
    Storage,
    /// A region-shared appliance, by its ID.
    Appliance(String),
}

impl Destination {
    /// Parses `storage` or `appliance:<id>` (the ID: 1 to 64 of `A-Z a-z 0-9 - _ .`).
    pub fn parse(value: &str) -> Result<Self, HeaderValueError> {
        if value == "storage" {
            return Ok(Self::Storage);
        }
        match value.strip_prefix("appliance:") {
            Some(id)
                if !id.is_empty()
                    && id.len() <= 64
                    && id
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)) =>
            {
                Ok(Self::Appliance(id.to_owned()))
            }
            _ => Err(reject(
                "IDLink-Destination",
                value,
                "expected `storage` or `appliance:<id>`",
            )),
        }
    }
}

impl fmt::Display for Destination {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Storage => f.write_str("storage"),
            Self::Appliance(id) => write!(f, "appliance:{id}"),
        }
    }
}

/// The value of `IDLink-Care-Date` (`PROTO-UP-014`): a calendar date `YYYYMMDD`, or `-`, the
/// SS-MIX2 spelling of "no care date" (the file names and the date folder write it so).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CareDate {
    /// A date `YYYYMMDD` that exists in the calendar.
    Date(String),
    /// `-`: the document has no care date.
    None,
}

impl CareDate {
    /// Parses `YYYYMMDD` (a real date) or `-`.
    pub fn parse(value: &str) -> Result<Self, HeaderValueError> {
        if value == "-" {
            return Ok(Self::None);
        }
        if is_calendar_date(value) {
            return Ok(Self::Date(value.to_owned()));
        }
        Err(reject(
            "IDLink-Care-Date",
            value,
            "expected a date YYYYMMDD (e.g. 20261124) or `-` for no care date",
        ))
    }

    /// The date, or `None` for `-`.
    pub fn date(&self) -> Option<&str> {
        match self {
            Self::Date(d) => Some(d),
            Self::None => None,
        }
    }

    /// As SS-MIX2 writes it: the date or `-`.
    pub fn as_str(&self) -> &str {
        self.date().unwrap_or("-")
    }
}

impl fmt::Display for CareDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// True for `YYYYMMDD` naming a day of the proleptic Gregorian calendar (years 1800 to 9999,
/// as the SS-MIX2 validator takes them).
fn is_calendar_date(s: &str) -> bool {
    if s.len() != 8 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let num = |r: std::ops::Range<usize>| s[r].parse::<u32>().unwrap_or(0);
    let (year, month, day) = (num(0..4), num(4..6), num(6..8));
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    year >= 1800 && (1..=days).contains(&day)
}

/// A client-chosen key that makes a retried upload safe (`PROTO-IDEM-001`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// Parses a key: 1 to 128 characters from `A-Z a-z 0-9 . _ : -`.
    pub fn parse(value: &str) -> Result<Self, HeaderValueError> {
        if value.is_empty() || value.len() > 128 {
            return Err(reject(
                "Idempotency-Key",
                value,
                "expected 1 to 128 characters",
            ));
        }
        if !value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._:-".contains(&b))
        {
            return Err(reject(
                "Idempotency-Key",
                value,
                "expected only A-Z a-z 0-9 . _ : -",
            ));
        }
        Ok(Self(value.to_owned()))
    }

    /// The key as sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An RFC 9530 `Content-Digest` holding a SHA-256 (`PROTO-UP-009`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ContentDigest([u8; 32]);

impl ContentDigest {
    /// The digest of a complete byte slice.
    pub fn of(bytes: &[u8]) -> Self {
        Self(Sha256::digest(bytes).into())
    }

    /// Wraps a SHA-256 computed elsewhere (for example over a stream).
    pub fn from_sha256(hash: [u8; 32]) -> Self {
        Self(hash)
    }

    /// Parses a `Content-Digest` header value and picks its `sha-256` member.
    ///
    /// Other algorithms may be listed too (RFC 9530 allows several); they are ignored.
    pub fn parse(value: &str) -> Result<Self, HeaderValueError> {
        for member in value.split(',') {
            let member = member.trim();
            let Some((alg, rest)) = member.split_once('=') else {
                continue;
            };
            if !alg.trim().eq_ignore_ascii_case("sha-256") {
                continue;
            }
            let b64 = rest
                .trim()
                .strip_prefix(':')
                .and_then(|r| r.strip_suffix(':'))
                .ok_or_else(|| {
                    reject(
                        "Content-Digest",
                        value,
                        "the value must be a byte sequence `:<base64>:`",
                    )
                })?;
            let bytes = BASE64
                .decode(b64)
                .map_err(|_| reject("Content-Digest", value, "the sha-256 value is not base64"))?;
            let hash: [u8; 32] = bytes.try_into().map_err(|_| {
                reject(
                    "Content-Digest",
                    value,
                    "a sha-256 digest must be 32 bytes long",
                )
            })?;
            return Ok(Self(hash));
        }
        Err(reject(
            "Content-Digest",
            value,
            "expected a `sha-256=:<base64>:` member",
        ))
    }

    /// The raw 32 bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Lowercase hex, as receipts carry it.
    pub fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }
}

impl fmt::Display for ContentDigest {
    /// The header value: `sha-256=:<base64>:`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "sha-256=:{}:", BASE64.encode(self.0))
    }
}

macro_rules! string_newtype_conversions {
    ($($ty:ident),*) => {$(
        impl FromStr for $ty {
            type Err = HeaderValueError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }
        impl TryFrom<String> for $ty {
            type Error = HeaderValueError;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::parse(&value)
            }
        }
        impl From<$ty> for String {
            fn from(value: $ty) -> Self {
                value.to_string()
            }
        }
    )*};
}
string_newtype_conversions!(PatientId, Destination, IdempotencyKey);

impl fmt::Display for PatientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for IdempotencyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_digest_matches_the_rfc_9530_example() {
        // RFC 9530 §2: the SHA-256 of `{"hello": "world"}` followed by a newline.
        let d = ContentDigest::of(b"{\"hello\": \"world\"}\n");
        assert_eq!(
            d.to_string(),
            "sha-256=:RK/0qy18MlBSVnWgjwz6lZEWjP/lF5HF9bvEF8FabDg=:"
        );
        assert_eq!(ContentDigest::parse(&d.to_string()), Ok(d));
        let listed = format!("sha-512=:AAAA:, {d}");
        assert_eq!(
            ContentDigest::parse(&listed),
            Ok(d),
            "other algorithms are skipped"
        );
    }

    #[test]
    fn content_digest_errors_say_what_is_expected() {
        assert_eq!(
            ContentDigest::parse("md5=:AAAA:").unwrap_err().reason,
            "expected a `sha-256=:<base64>:` member"
        );
        assert_eq!(
            ContentDigest::parse("sha-256=:AAAA:").unwrap_err().reason,
            "a sha-256 digest must be 32 bytes long"
        );
    }

    #[test]
    fn destinations_parse_and_print() {
        assert_eq!(Destination::parse("storage"), Ok(Destination::Storage));
        let a = Destination::parse("appliance:hakodate-01").unwrap();
        assert_eq!(a.to_string(), "appliance:hakodate-01");
        assert!(Destination::parse("appliance:").is_err());
        assert!(Destination::parse("cloud").is_err());
    }

    // PROTO-UP-014
    #[test]
    fn care_dates_are_real_dates_or_the_ss_mix2_dash() {
        assert_eq!(
            CareDate::parse("20240229"),
            Ok(CareDate::Date("20240229".into()))
        );
        assert_eq!(CareDate::parse("-"), Ok(CareDate::None));
        assert_eq!(CareDate::parse("-").unwrap().as_str(), "-");
        for bad in ["20230229", "20261301", "2026112", "", "--", "2026-11-24"] {
            assert_eq!(
                CareDate::parse(bad).unwrap_err().header,
                "IDLink-Care-Date",
                "{bad:?}"
            );
        }
    }

    #[test]
    fn patient_ids_and_keys_reject_unsafe_characters() {
        assert!(PatientId::parse("9999013").is_ok());
        assert!(
            PatientId::parse("99_013").is_err(),
            "`_` separates SS-MIX2 name fields"
        );
        assert!(PatientId::parse("1234567890123456").is_err());
        assert!(IdempotencyKey::parse("0112345678-abc:1.2_x").is_ok());
        assert!(IdempotencyKey::parse("a b").is_err());
        assert!(IdempotencyKey::parse("").is_err());
    }
}
