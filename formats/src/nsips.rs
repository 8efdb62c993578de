//! NSIPS envelope check, driven by a record-schema profile.
//!
//! NSIPS® (調剤システム処方IF共有仕様) is real, but its record layout is restricted to members
//! of the Japan Pharmaceutical Association's NSIPS会 under a confidentiality obligation. So this
//! module does **not** know the real layout and does not pretend to: it checks the *envelope*
//! every such file shares — Shift_JIS, CRLF line endings, one numbered record per line as
//! comma-separated fields, a version header record, a trailer with a record count — against a
//! [`Profile`] written in TOML. A vendor holding the real specification writes a real profile
//! locally; this repository ships only `profiles/nsips-fictional-sample.toml`, which is
//! **fictional** and labelled so in its own text ([`Profile::fictional_sample`]).
//!
//! Without a profile the checks that need no record schema still run — not empty, no NUL,
//! Shift_JIS decodes cleanly, CRLF line endings, every line a comma-separated record with a
//! record number — and `NSIPS-PROFILE-MISSING` is a *warning*: a facility without the
//! confidential specification can still upload, and nobody is told a layout was checked when it
//! was not.

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;

use crate::finding::{Arg, Findings, quoted};
use crate::msg;
use crate::{Charset, CheckOptions, Code, Finding, Location, Severity};

/// Largest file checked as NSIPS (16 MiB). One file is one prescription's dispensing data, a
/// few KiB; the check holds the bytes and a decoded copy, so the cap bounds its memory. Larger
/// files get `NSIPS-TOO-LARGE`, unread.
pub const MAX_BYTES: u64 = 16 * 1024 * 1024;

/// A record-schema profile. Only [`Profile::from_toml_str`] / [`Profile::from_path`] build one.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// Who wrote it and whether it is real.
    pub profile: About,
    /// Header and trailer records.
    pub envelope: Envelope,
    /// Data record definitions.
    #[serde(rename = "record", default)]
    pub records: Vec<RecordDef>,
}

/// Profile metadata.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct About {
    /// Profile name (shown in findings).
    pub name: String,
    /// True for made-up layouts (the shipped sample); reported in every finding's message.
    pub fictional: bool,
    /// Free text.
    #[serde(default)]
    pub description: String,
}

/// What the trailer's count counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CountScope {
    /// Data records only (header and trailer excluded).
    Data,
    /// Every line including header and trailer.
    All,
}

/// Header and trailer rules.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Envelope {
    /// First field of the header line.
    pub header_record: String,
    /// 1-based field of the header holding the version.
    pub version_field: usize,
    /// Accepted versions.
    pub versions: Vec<String>,
    /// First field of the trailer line.
    pub trailer_record: String,
    /// 1-based field of the trailer holding the record count.
    pub count_field: usize,
    /// What the count counts.
    pub count_scope: CountScope,
}

/// One data record type.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordDef {
    /// The record number (first field).
    pub id: String,
    /// Human name.
    pub name: String,
    /// Number of fields including the record number.
    pub fields: usize,
    /// Minimum occurrences per file.
    #[serde(default)]
    pub min_occurs: usize,
    /// Maximum occurrences per file (absent: unbounded).
    #[serde(default)]
    pub max_occurs: Option<usize>,
    /// Per-field rules.
    #[serde(rename = "field", default)]
    pub columns: Vec<FieldDef>,
}

/// Shape of a field's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldFormat {
    /// Anything.
    Text,
    /// ASCII digits only.
    Digits,
    /// `YYYYMMDD`.
    Date,
}

/// Rules for one field of a record.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldDef {
    /// 1-based field number (1 is the record number).
    pub index: usize,
    /// Human name.
    pub name: String,
    /// Must be non-empty.
    #[serde(default)]
    pub required: bool,
    /// Value shape.
    #[serde(default = "text_format")]
    pub format: FieldFormat,
    /// Maximum length in characters.
    #[serde(default)]
    pub max_len: Option<usize>,
}

fn text_format() -> FieldFormat {
    FieldFormat::Text
}

/// Why a profile could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    /// TOML syntax or schema error, with its position.
    #[error("{source_name}:{line}:{column}: {message}")]
    Toml {
        /// File name or `<string>`.
        source_name: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What toml said.
        message: String,
    },
    /// The file could not be read.
    #[error("cannot read NSIPS profile {path}")]
    Io {
        /// The path.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Parsed, but inconsistent.
    #[error("{source_name}: {detail}")]
    Invalid {
        /// File name or `<string>`.
        source_name: String,
        /// What is inconsistent.
        detail: String,
    },
}

/// The shipped sample profile's text (fictional, see its header).
const FICTIONAL_SAMPLE: &str = include_str!("../profiles/nsips-fictional-sample.toml");

impl Profile {
    /// The shipped **fictional** sample profile (`profiles/nsips-fictional-sample.toml`), so tools
    /// can offer it for tests and demos without a path to the source tree. Its findings say
    /// `[profile "nsips-fictional-sample" is FICTIONAL]`; it must not judge real NSIPS data.
    ///
    /// ```
    /// let profile = idlink_formats::nsips::Profile::fictional_sample();
    /// assert!(profile.profile.fictional);
    /// ```
    pub fn fictional_sample() -> Profile {
        // The text is compiled in and a unit test parses it, so this cannot fail at run time.
        Self::parse(FICTIONAL_SAMPLE, "nsips-fictional-sample.toml")
            .expect("the embedded sample profile parses (tested in nsips::tests)")
    }

    /// Parse a profile from TOML text.
    pub fn from_toml_str(text: &str) -> Result<Profile, ProfileError> {
        Self::parse(text, "<string>")
    }

    /// Read and parse a profile file.
    pub fn from_path(path: impl AsRef<Path>) -> Result<Profile, ProfileError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| ProfileError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Self::parse(&text, &path.display().to_string())
    }

    fn parse(text: &str, source_name: &str) -> Result<Profile, ProfileError> {
        let profile: Profile = toml::from_str(text).map_err(|e| {
            let (line, column) = e
                .span()
                .map(|span| {
                    let before = &text[..span.start.min(text.len())];
                    let line = before.matches('\n').count() + 1;
                    let column = before
                        .rsplit('\n')
                        .next()
                        .map(|l| l.chars().count())
                        .unwrap_or(0)
                        + 1;
                    (line, column)
                })
                .unwrap_or((1, 1));
            ProfileError::Toml {
                source_name: source_name.to_owned(),
                line,
                column,
                message: e.message().to_owned(),
            }
        })?;
        let invalid = |detail: String| ProfileError::Invalid {
            source_name: source_name.to_owned(),
            detail,
        };
        let mut ids = std::collections::HashSet::new();
        for record in &profile.records {
            if !ids.insert(record.id.as_str()) {
                return Err(invalid(format!(
                    "record id {:?} is defined twice",
                    record.id
                )));
            }
            for column in &record.columns {
                if column.index == 0 || column.index > record.fields {
                    return Err(invalid(format!(
                        "record {:?} field {:?} has index {}, outside 1..={}",
                        record.id, column.name, column.index, record.fields
                    )));
                }
            }
        }
        if profile.envelope.version_field == 0 || profile.envelope.count_field == 0 {
            return Err(invalid("version_field and count_field are 1-based".into()));
        }
        Ok(profile)
    }
}

/// True when the first line starts with `NSIPS,` — the header record of the shipped fictional
/// sample profile. Real profiles may use other headers; pass the kind explicitly for those.
pub fn looks_like_envelope(bytes: &[u8]) -> bool {
    bytes.starts_with(b"NSIPS,")
}

/// Check an NSIPS file: the envelope always, the record layout against
/// `options.nsips_profile` when there is one.
pub(crate) fn check(bytes: &[u8], options: &CheckOptions, findings: &mut Findings) {
    let profile = options.nsips_profile.as_ref();
    let label: Arg = match profile {
        Some(p) if p.profile.fictional => {
            msg!("nsips-fictional", profile = quoted(&p.profile.name)).into()
        }
        _ => "".into(),
    };
    let line_of = |offset: usize| {
        bytes[..offset.min(bytes.len())]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1
    };

    if bytes.is_empty() {
        findings.push(Finding::new(
            Code::NsipsEmpty,
            Severity::Error,
            Location::line(1, None),
            msg!("nsips-empty", label = label.clone()),
        ));
        return;
    }
    let nuls = bytes.iter().filter(|b| **b == 0).count();
    if let Some(first) = bytes.iter().position(|b| *b == 0) {
        findings.push(
            Finding::new(
                Code::NsipsNul,
                Severity::Error,
                Location::line(line_of(first), None).with_byte(Some(first)),
                msg!(
                    "nsips-nul",
                    count = nuls,
                    first = first,
                    label = label.clone()
                ),
            )
            .with_hint(msg!("nsips-nul-hint")),
        );
    }

    // Encoding.
    let text = match Charset::ShiftJis.decode_strict(bytes) {
        Ok(text) => text.into_owned(),
        Err(e) => {
            let offset = match e {
                crate::charset::CharsetError::Malformed { offset, .. } => offset,
                _ => 0,
            };
            findings.push(Finding::new(
                Code::NsipsDecode,
                Severity::Error,
                Location::line(line_of(offset), None).with_byte(Some(offset)),
                msg!("nsips-decode", offset = offset, label = label.clone()),
            ));
            Charset::ShiftJis.decode_lossy(bytes).into_owned()
        }
    };

    // Line endings: every line ends with CRLF.
    let mut bad_endings = Vec::new();
    for (i, b) in bytes.iter().enumerate() {
        let lone_lf = *b == b'\n' && (i == 0 || bytes[i - 1] != b'\r');
        let lone_cr = *b == b'\r' && bytes.get(i + 1) != Some(&b'\n');
        if lone_lf || lone_cr {
            bad_endings.push(i);
        }
    }
    if let Some(first) = bad_endings.first() {
        findings.push(Finding::new(
            Code::NsipsLineEnding,
            Severity::Error,
            Location::line(line_of(*first), None).with_byte(Some(*first)),
            msg!(
                "nsips-line-ending",
                count = bad_endings.len(),
                first = *first,
                label = label.clone()
            ),
        ));
    }
    if !bytes.is_empty() && !bytes.ends_with(b"\r\n") {
        findings.push(Finding::new(
            Code::NsipsLineEnding,
            Severity::Error,
            Location::line(line_of(bytes.len()), None).with_byte(Some(bytes.len())),
            msg!("nsips-final-crlf", label = label.clone()),
        ));
    }

    let lines: Vec<&str> = text
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .collect::<Vec<_>>();
    let lines: Vec<&str> = match lines.split_last() {
        Some((&"", rest)) => rest.to_vec(),
        _ => lines,
    };
    let Some(profile) = profile else {
        for (i, line) in lines.iter().enumerate() {
            if line.split(',').next().is_none_or(|n| n.trim().is_empty()) {
                findings.push(
                    Finding::new(
                        Code::NsipsRecordNumber,
                        Severity::Error,
                        Location::line(i + 1, Some(1)),
                        msg!("nsips-record-number", line = i + 1),
                    )
                    .with_hint(msg!("nsips-record-number-hint")),
                );
            }
        }
        findings.push(
            Finding::new(
                Code::NsipsProfileMissing,
                Severity::Warning,
                Location::default(),
                msg!("nsips-profile-missing"),
            )
            .with_hint(msg!("nsips-profile-missing-hint")),
        );
        return;
    };
    let env = &profile.envelope;
    let Some(header) = lines.first() else {
        findings.push(Finding::new(
            Code::NsipsHeader,
            Severity::Error,
            Location::line(1, None),
            msg!(
                "nsips-no-header",
                header = quoted(&env.header_record),
                label = label.clone()
            ),
        ));
        return;
    };
    let header_fields: Vec<&str> = header.split(',').collect();
    if header_fields[0] != env.header_record {
        findings.push(Finding::new(
            Code::NsipsHeader,
            Severity::Error,
            Location::line(1, Some(1)),
            msg!(
                "nsips-header",
                found = quoted(header_fields[0]),
                header = quoted(&env.header_record),
                label = label.clone()
            ),
        ));
    } else {
        let version = header_fields
            .get(env.version_field - 1)
            .copied()
            .unwrap_or("");
        if !env.versions.iter().any(|v| v == version) {
            findings.push(Finding::new(
                Code::NsipsVersion,
                Severity::Error,
                Location::line(1, Some(env.version_field)),
                msg!(
                    "nsips-version",
                    found = quoted(version),
                    versions = format!("{:?}", env.versions),
                    label = label.clone()
                ),
            ));
        }
    }

    let has_trailer = lines.len() >= 2
        && lines
            .last()
            .is_some_and(|l| l.split(',').next() == Some(env.trailer_record.as_str()));
    let data_end = if has_trailer {
        lines.len() - 1
    } else {
        lines.len()
    };
    if has_trailer {
        let trailer: Vec<&str> = lines[lines.len() - 1].split(',').collect();
        let expected = match env.count_scope {
            CountScope::Data => data_end.saturating_sub(1),
            CountScope::All => lines.len(),
        };
        let found = trailer.get(env.count_field - 1).copied().unwrap_or("");
        if found.parse::<usize>().ok() != Some(expected) {
            findings.push(Finding::new(
                Code::NsipsRecordCount,
                Severity::Error,
                Location::line(lines.len(), Some(env.count_field)),
                msg!(
                    "nsips-trailer-count",
                    found = quoted(found),
                    expected = expected,
                    label = label.clone()
                ),
            ));
        }
    } else {
        findings.push(Finding::new(
            Code::NsipsRecordCount,
            Severity::Error,
            Location::line(lines.len(), None),
            msg!(
                "nsips-no-trailer",
                trailer = quoted(&env.trailer_record),
                label = label.clone()
            ),
        ));
    }

    let defs: HashMap<&str, &RecordDef> =
        profile.records.iter().map(|r| (r.id.as_str(), r)).collect();
    let mut occurrences: HashMap<&str, usize> = HashMap::new();
    for (i, line) in lines.iter().enumerate().take(data_end).skip(1) {
        let number = i + 1;
        let fields: Vec<&str> = line.split(',').collect();
        let Some(def) = defs.get(fields[0]) else {
            findings.push(Finding::new(
                Code::NsipsRecordType,
                Severity::Error,
                Location::line(number, Some(1)),
                msg!(
                    "nsips-record-type",
                    found = quoted(fields[0]),
                    label = label.clone()
                ),
            ));
            continue;
        };
        *occurrences.entry(def.id.as_str()).or_default() += 1;
        if fields.len() != def.fields {
            findings.push(
                Finding::new(
                    Code::NsipsFieldCount,
                    Severity::Error,
                    Location::line(number, None),
                    msg!(
                        "nsips-field-count",
                        record = &def.id,
                        name = &def.name,
                        found = fields.len(),
                        expected = def.fields,
                        label = label.clone()
                    ),
                )
                .with_hint(msg!("nsips-comma-hint")),
            );
            continue;
        }
        for column in &def.columns {
            let value = fields.get(column.index - 1).copied().unwrap_or("");
            let location = Location::line(number, Some(column.index));
            if value.is_empty() {
                if column.required {
                    findings.push(Finding::new(
                        Code::NsipsFieldRequired,
                        Severity::Error,
                        location,
                        msg!(
                            "nsips-field-required",
                            record = &def.id,
                            field = column.index,
                            name = &column.name,
                            label = label.clone()
                        ),
                    ));
                }
                continue;
            }
            let shape_ok = match column.format {
                FieldFormat::Text => true,
                FieldFormat::Digits => value.bytes().all(|b| b.is_ascii_digit()),
                FieldFormat::Date => crate::ssmix2::is_valid_date(value),
            };
            let length_ok = column
                .max_len
                .is_none_or(|max| value.chars().count() <= max);
            if !shape_ok || !length_ok {
                findings.push(Finding::new(
                    Code::NsipsFieldFormat,
                    Severity::Error,
                    location,
                    msg!(
                        "nsips-field-format",
                        record = &def.id,
                        field = column.index,
                        name = &column.name,
                        value = quoted(value),
                        format = format!("{:?}", column.format),
                        max_len = column.max_len.unwrap_or(0),
                        label = label.clone()
                    ),
                ));
            }
        }
    }
    for def in &profile.records {
        let n = occurrences.get(def.id.as_str()).copied().unwrap_or(0);
        if n < def.min_occurs || def.max_occurs.is_some_and(|max| n > max) {
            findings.push(Finding::new(
                Code::NsipsRecordCount,
                Severity::Error,
                Location::default(),
                msg!(
                    "nsips-occurrences",
                    record = &def.id,
                    name = &def.name,
                    count = n,
                    min = def.min_occurs,
                    max = def.max_occurs.map(|m| m.to_string()).unwrap_or_default(),
                    label = label.clone()
                ),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A finding as the tables below spell it: code, severity, rendered location.
    type Seen = (Code, Severity, String);

    fn codes(bytes: &[u8], profile: Option<Profile>) -> Vec<Seen> {
        let options = CheckOptions {
            nsips_profile: profile,
            ..CheckOptions::default()
        };
        crate::check(bytes, crate::DocumentKind::Nsips, &options)
            .findings
            .into_iter()
            .map(|f| (f.code, f.severity, f.location.render()))
            .collect()
    }

    #[test]
    fn the_embedded_sample_is_the_shipped_profile_file() {
        let file = Profile::from_path(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/profiles/nsips-fictional-sample.toml"
        ))
        .unwrap();
        assert_eq!(Profile::fictional_sample(), file);
    }

    #[test]
    fn without_a_profile_the_envelope_is_still_checked_and_the_layout_is_a_warning() {
        use Code::*;
        use Severity::{Error, Warning};
        let missing = (NsipsProfileMissing, Warning, String::new());
        // (bytes, findings without a profile): one row per envelope rule.
        let cases: &[(&[u8], Vec<Seen>)] = &[
            (b"NSIPS,1\r\n1,a\r\nEND,1\r\n", vec![missing.clone()]),
            (b"", vec![(NsipsEmpty, Error, "1".into())]),
            (
                b"NSIPS,1\r\n1,\0\r\n",
                vec![(NsipsNul, Error, "2".into()), missing.clone()],
            ),
            (
                b"NSIPS,1\r\n1,\x82\r\n",
                vec![(NsipsDecode, Error, "2".into()), missing.clone()],
            ),
            (
                b"NSIPS,1\n1,a\r\n",
                vec![(NsipsLineEnding, Error, "1".into()), missing.clone()],
            ),
            (
                b"NSIPS,1\r\n1,a",
                vec![(NsipsLineEnding, Error, "2".into()), missing.clone()],
            ),
            (
                b"NSIPS,1\r\n\r\n,a\r\n",
                vec![
                    (NsipsRecordNumber, Error, "2:1".into()),
                    (NsipsRecordNumber, Error, "3:1".into()),
                    missing.clone(),
                ],
            ),
        ];
        for (bytes, expected) in cases {
            assert_eq!(
                &codes(bytes, None),
                expected,
                "{}",
                String::from_utf8_lossy(bytes)
            );
        }
    }

    #[test]
    fn with_a_profile_no_missing_profile_warning_is_given() {
        let findings = codes(b"\0", Some(Profile::fictional_sample()));
        assert!(
            findings
                .iter()
                .all(|(c, _, _)| *c != Code::NsipsProfileMissing),
            "{findings:?}"
        );
        assert_eq!(findings[0].0, Code::NsipsNul);
    }

    #[test]
    fn profile_errors_carry_line_and_column() {
        let text = "[profile]\nname = \"x\"\nfictional = true\nbogus = 1\n";
        match Profile::from_toml_str(text) {
            Err(ProfileError::Toml {
                line,
                column,
                message,
                ..
            }) => {
                assert_eq!((line, column), (4, 1), "{message}");
                assert!(message.contains("bogus"), "{message}");
            }
            other => panic!("{other:?}"),
        }
    }
}
