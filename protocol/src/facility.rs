//! The 10-digit Japanese medical-institution code (医療機関コード) that identifies a facility.
//!
//! It is the key of everything in the harness: an account is bound to one facility, a client
//! certificate carries the code in its subject and in a SAN URI, and the SS-MIX2 storage root is
//! named after it.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The OID namespace JP Core uses for facility-scoped identifiers: `urn:oid:` + this + `1` + code.
pub const FACILITY_URN_PREFIX: &str = "urn:oid:1.2.392.100495.20.3.51.1";

/// A validated 10-digit medical-institution code. Only [`FacilityCode::parse`] creates one.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct FacilityCode(String);

/// Why a string is not a facility code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "facility code {value:?} is not valid: {reason} (expected exactly 10 ASCII digits, e.g. 0112345678)"
)]
pub struct FacilityCodeError {
    /// The rejected input.
    pub value: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

impl FacilityCode {
    /// Parses a facility code: exactly 10 ASCII digits, nothing else (no spaces, no hyphens).
    pub fn parse(value: &str) -> Result<Self, FacilityCodeError> {
        let reason = if value.len() != 10 {
            Some("it must be 10 characters long")
        } else if !value.bytes().all(|b| b.is_ascii_digit()) {
            Some("it must contain digits only")
        } else {
            None
        };
        match reason {
            Some(reason) => Err(FacilityCodeError {
                value: value.to_owned(),
                reason,
            }),
            None => Ok(Self(value.to_owned())),
        }
    }

    /// The code as written, 10 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The SAN URI a facility's client certificate carries, e.g.
    /// `urn:oid:1.2.392.100495.20.3.51.10112345678`.
    pub fn to_urn(&self) -> String {
        format!("{FACILITY_URN_PREFIX}{}", self.0)
    }

    /// Reads a facility code back from a SAN URI written by [`FacilityCode::to_urn`].
    pub fn from_urn(urn: &str) -> Option<Self> {
        urn.strip_prefix(FACILITY_URN_PREFIX)
            .and_then(|code| Self::parse(code).ok())
    }
}

impl fmt::Display for FacilityCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for FacilityCode {
    type Err = FacilityCodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for FacilityCode {
    type Error = FacilityCodeError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<FacilityCode> for String {
    fn from(code: FacilityCode) -> Self {
        code.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ten_digits_and_round_trips_through_the_urn() {
        let code = FacilityCode::parse("0112345678").unwrap();
        assert_eq!(code.to_urn(), "urn:oid:1.2.392.100495.20.3.51.10112345678");
        assert_eq!(FacilityCode::from_urn(&code.to_urn()), Some(code));
    }

    #[test]
    fn rejects_wrong_length_and_non_digits_with_the_reason() {
        assert_eq!(
            FacilityCode::parse("12345").unwrap_err().reason,
            "it must be 10 characters long"
        );
        assert_eq!(
            FacilityCode::parse("01123456a8").unwrap_err().reason,
            "it must contain digits only"
        );
        assert!(FacilityCode::from_urn("urn:oid:1.2.392.100495.20.3.51.1012").is_none());
    }
}
