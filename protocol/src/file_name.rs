//! `IDLink-File-Name` (`PROTO-UP-015`): a document's original file name on the wire.
//!
//! HTTP header values are ASCII, so a facility's `紹介状.pdf` travels percent-encoded as RFC 8187
//! writes `filename*`: `UTF-8''%E7%B4%B9%E4%BB%8B%E7%8A%B6.pdf` (charset `UTF-8`, empty
//! language, then the UTF-8 bytes with everything but RFC 8187's `attr-char` as `%XX`). A value
//! without that prefix is a plain ASCII name, taken as written. Either way the decoded name
//! becomes one path component of the storage, so it is refused rather than rewritten when it
//! could be anything else: a name that is stored must be the name the facility sent.

use std::fmt;

use crate::upload::HeaderValueError;

/// A decoded file name that is safe as one path component (see [`DocumentFileName::new`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DocumentFileName(String);

/// The header the errors name.
const HEADER: &str = "IDLink-File-Name";

/// Characters Windows file systems forbid in a name; SS-MIX2 storages are often Windows
/// shares, so a name that could not be copied there is refused here.
const WINDOWS_FORBIDDEN: &[char] = &[':', '*', '?', '"', '<', '>', '|'];

impl DocumentFileName {
    /// At most this many bytes of UTF-8: the usual limit of one path component (ext4, NTFS
    /// counts UTF-16 units, which is never more for these names).
    pub const MAX_BYTES: usize = 255;

    /// Checks a decoded name: 1 to 255 bytes of UTF-8; no `/` or `\`; not `.` or `..` and not
    /// starting with `.` (no hidden files); no control characters (C0, DEL, C1); none of
    /// `: * ? " < > |`; no leading or trailing space.
    pub fn new(name: &str) -> Result<Self, HeaderValueError> {
        let reject = |reason| Err(reject(name, reason));
        if name.is_empty() {
            return reject("a file name must not be empty");
        }
        if name.len() > Self::MAX_BYTES {
            return reject("the name is longer than 255 bytes of UTF-8");
        }
        if name.contains(['/', '\\']) {
            return reject("a file name must not contain a path separator (/ or \\)");
        }
        if name.starts_with('.') {
            return reject("`.`, `..` and names starting with `.` are not allowed");
        }
        if name.chars().any(char::is_control) {
            return reject("a file name must not contain control characters");
        }
        if name.contains(WINDOWS_FORBIDDEN) {
            return reject("a file name must not contain any of : * ? \" < > |");
        }
        if name.starts_with(' ') || name.ends_with(' ') || name.ends_with('.') {
            return reject("a file name must not start or end with a space or end with `.`");
        }
        Ok(Self(name.to_owned()))
    }

    /// Parses a header value: `UTF-8''<percent-encoded>` (RFC 8187, charset case-insensitive,
    /// any language tag ignored), or a plain ASCII name.
    pub fn parse_header(value: &str) -> Result<Self, HeaderValueError> {
        let Some((charset, rest)) = value.split_once('\'') else {
            return Self::new(value);
        };
        let Some((_language, encoded)) = rest.split_once('\'') else {
            return Self::new(value);
        };
        if !charset.eq_ignore_ascii_case("utf-8") {
            // A plain name may hold one `'`; `x'y'z` with a charset we do not know is refused
            // rather than guessed, because its author meant RFC 8187.
            if charset
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            {
                return Err(reject(
                    value,
                    "only the UTF-8 character set is accepted: send UTF-8''<percent-encoded name>",
                ));
            }
            return Self::new(value);
        }
        let bytes = percent_decode(encoded).ok_or_else(|| {
            reject(
                value,
                "not valid RFC 8187: every `%` must be followed by two hex digits, and only \
                 visible ASCII may appear",
            )
        })?;
        let name = String::from_utf8(bytes)
            .map_err(|_| reject(value, "the percent-decoded bytes are not UTF-8"))?;
        Self::new(&name).map_err(|e| HeaderValueError {
            value: value.chars().take(80).collect(),
            ..e
        })
    }

    /// The header value that carries this name: the name itself when it is plain ASCII that
    /// cannot be mistaken for RFC 8187, else `UTF-8''` and the percent-encoded UTF-8 bytes.
    pub fn header_value(&self) -> String {
        let plain = self.0.bytes().all(|b| (0x20..0x7f).contains(&b)) && !self.0.contains('\'');
        if plain {
            return self.0.clone();
        }
        let mut out = String::from("UTF-8''");
        for b in self.0.bytes() {
            if is_attr_char(b) {
                out.push(char::from(b));
            } else {
                out.push_str(&format!("%{b:02X}"));
            }
        }
        out
    }

    /// The decoded name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DocumentFileName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn reject(value: &str, reason: &'static str) -> HeaderValueError {
    HeaderValueError {
        header: HEADER,
        value: value.chars().take(80).collect(),
        reason,
    }
}

/// RFC 8187 §3.2.1 `attr-char`: what may appear unencoded in an `ext-value`.
fn is_attr_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b)
}

/// `%XX` → byte; `None` for a broken escape or a byte that is not visible ASCII.
fn percent_decode(encoded: &str) -> Option<Vec<u8>> {
    let bytes = encoded.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = bytes.get(i + 1..i + 3)?;
                let hex = std::str::from_utf8(hex).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b @ 0x21..=0x7e => {
                out.push(b);
                i += 1;
            }
            _ => return None,
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    // PROTO-UP-015
    #[test]
    fn a_japanese_name_round_trips_through_rfc_8187() {
        let name = DocumentFileName::new("紹介状.pdf").unwrap();
        let value = name.header_value();
        assert_eq!(value, "UTF-8''%E7%B4%B9%E4%BB%8B%E7%8A%B6.pdf");
        assert_eq!(DocumentFileName::parse_header(&value), Ok(name));
        assert_eq!(
            DocumentFileName::parse_header("utf-8'ja'%E7%B4%B9%E4%BB%8B%E7%8A%B6.pdf")
                .unwrap()
                .as_str(),
            "紹介状.pdf",
            "charset is case-insensitive and the language tag is ignored"
        );
    }

    // PROTO-UP-015
    #[test]
    fn plain_ascii_names_stay_plain() {
        for name in ["report.pdf", "lab result (2).txt", "a+b_c-d.csv"] {
            let parsed = DocumentFileName::parse_header(name).unwrap();
            assert_eq!(parsed.as_str(), name);
            assert_eq!(parsed.header_value(), name);
        }
        let quoted = DocumentFileName::new("it's.txt").unwrap();
        assert_eq!(quoted.header_value(), "UTF-8''it%27s.txt");
        assert_eq!(
            DocumentFileName::parse_header(&quoted.header_value()),
            Ok(quoted)
        );
    }

    // PROTO-UP-015
    #[test]
    fn hostile_names_are_refused_with_the_reason() {
        for (value, reason) in [
            ("", "a file name must not be empty"),
            (
                "../etc/passwd",
                "a file name must not contain a path separator (/ or \\)",
            ),
            (
                "UTF-8''..%2Fx",
                "a file name must not contain a path separator (/ or \\)",
            ),
            (
                "UTF-8''%2E%2E",
                "`.`, `..` and names starting with `.` are not allowed",
            ),
            (
                "..",
                "`.`, `..` and names starting with `.` are not allowed",
            ),
            (
                ".hidden",
                "`.`, `..` and names starting with `.` are not allowed",
            ),
            (
                "a\\b.pdf",
                "a file name must not contain a path separator (/ or \\)",
            ),
            (
                "UTF-8''a%00b.pdf",
                "a file name must not contain control characters",
            ),
            (
                "UTF-8''a%0Ab.pdf",
                "a file name must not contain control characters",
            ),
            (
                "UTF-8''a%C2%85b.pdf",
                "a file name must not contain control characters",
            ),
            ("UTF-8''%FF.pdf", "the percent-decoded bytes are not UTF-8"),
            (
                "UTF-8''%E7%B4.pdf",
                "the percent-decoded bytes are not UTF-8",
            ),
            (
                "UTF-8''%G1.pdf",
                "not valid RFC 8187: every `%` must be followed by two hex digits, and only \
                 visible ASCII may appear",
            ),
            (
                "UTF-8''a%4",
                "not valid RFC 8187: every `%` must be followed by two hex digits, and only \
                 visible ASCII may appear",
            ),
            (
                "ISO-8859-1''caf%E9.pdf",
                "only the UTF-8 character set is accepted: send UTF-8''<percent-encoded name>",
            ),
            (
                "C:x.pdf",
                "a file name must not contain any of : * ? \" < > |",
            ),
            (
                "report.pdf.",
                "a file name must not start or end with a space or end with `.`",
            ),
        ] {
            let error = DocumentFileName::parse_header(value).unwrap_err();
            assert_eq!((error.header, error.reason), (HEADER, reason), "{value:?}");
        }
        let long = format!("UTF-8''{}.pdf", "%E7%B4%B9".repeat(85));
        assert_eq!(
            DocumentFileName::parse_header(&long).unwrap_err().reason,
            "the name is longer than 255 bytes of UTF-8"
        );
        let fits = format!("UTF-8''{}.pdf", "%E7%B4%B9".repeat(83));
        assert!(
            DocumentFileName::parse_header(&fits).is_ok(),
            "249 + 4 bytes"
        );
    }
}
