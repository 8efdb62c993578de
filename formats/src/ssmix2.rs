//! SS-MIX2 standardized storage: data kinds, file names and storage paths.
//!
//! The data-kind table follows the SS-MIX2 standardized-storage specification (Ver.1.2 table as
//! summarised in `shared/reference/domain.md` §2.4): each kind is stored from one HL7 message
//! type per event (order vs. cancel), and its care date (診療日) — the date folder and the
//! second field of the file name — comes from one field of that message.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::finding::{Message, quoted};
use crate::msg;

/// A segment/field reference such as `ORC-9`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FieldRef {
    /// Segment name.
    pub segment: &'static str,
    /// HL7 field number.
    pub field: usize,
}

impl fmt::Display for FieldRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.segment, self.field)
    }
}

/// One HL7 event a data kind is stored from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Event {
    /// MSH-9.1, e.g. `RDE`.
    pub message_type: &'static str,
    /// MSH-9.2, e.g. `O11`.
    pub trigger: &'static str,
    /// HL7 v2.5 message structure (MSH-9.3), e.g. `RDE_O11`.
    pub structure: &'static str,
    /// Field holding the care date; `None` for kinds stored under the `-` date folder.
    pub care_date: Option<FieldRef>,
}

const fn ev(
    message_type: &'static str,
    trigger: &'static str,
    structure: &'static str,
    care_date: Option<(&'static str, usize)>,
) -> Event {
    Event {
        message_type,
        trigger,
        structure,
        care_date: match care_date {
            Some((segment, field)) => Some(FieldRef { segment, field }),
            None => None,
        },
    }
}

macro_rules! data_kinds {
    ($( $variant:ident => $code:literal, $meaning:literal, [$($event:expr),+ $(,)?]; )+) => {
        /// An SS-MIX2 standardized-storage data kind (データ種別), e.g. `OMP-01`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum DataKind {
            $( #[doc = $meaning] $variant, )+
        }

        impl DataKind {
            /// Every data kind, in table order.
            pub const ALL: &'static [DataKind] = &[$(DataKind::$variant,)+];

            /// The code used in folder and file names (`OMP-01`).
            pub const fn code(self) -> &'static str {
                match self { $( DataKind::$variant => $code, )+ }
            }

            /// English meaning, for messages.
            pub const fn meaning(self) -> &'static str {
                match self { $( DataKind::$variant => $meaning, )+ }
            }

            /// The HL7 events this kind is stored from (first: the order/registration event).
            pub fn events(self) -> &'static [Event] {
                match self { $( DataKind::$variant => { const EVENTS: &[Event] = &[$($event),+]; EVENTS } )+ }
            }
        }
    };
}

data_kinds! {
    Adt00 => "ADT-00", "patient demographics update / delete",
        [ev("ADT", "A08", "ADT_A01", None), ev("ADT", "A23", "ADT_A21", None)];
    Adt01 => "ADT-01", "attending physician change / cancel",
        [ev("ADT", "A54", "ADT_A54", None), ev("ADT", "A55", "ADT_A52", None)];
    Adt12 => "ADT-12", "outpatient registration",
        [ev("ADT", "A04", "ADT_A01", Some(("PV1", 44)))];
    Adt21 => "ADT-21", "admission planned / cancel",
        [ev("ADT", "A14", "ADT_A05", Some(("PV2", 8))), ev("ADT", "A27", "ADT_A21", Some(("PV2", 8)))];
    Adt22 => "ADT-22", "admission / cancel",
        [ev("ADT", "A01", "ADT_A01", Some(("PV1", 44))), ev("ADT", "A11", "ADT_A09", Some(("PV1", 44)))];
    Adt31 => "ADT-31", "leave (外出泊) / cancel",
        [ev("ADT", "A21", "ADT_A21", Some(("EVN", 6))), ev("ADT", "A52", "ADT_A52", Some(("EVN", 6)))];
    Adt32 => "ADT-32", "return from leave / cancel",
        [ev("ADT", "A22", "ADT_A21", Some(("EVN", 6))), ev("ADT", "A53", "ADT_A52", Some(("PV2", 47)))];
    Adt41 => "ADT-41", "transfer planned / cancel",
        [ev("ADT", "A15", "ADT_A15", Some(("PV2", 8))), ev("ADT", "A26", "ADT_A21", Some(("PV2", 8)))];
    Adt42 => "ADT-42", "transfer / cancel",
        [ev("ADT", "A02", "ADT_A02", Some(("EVN", 6))), ev("ADT", "A12", "ADT_A12", Some(("EVN", 6)))];
    Adt51 => "ADT-51", "discharge planned / cancel",
        [ev("ADT", "A16", "ADT_A16", Some(("PV2", 9))), ev("ADT", "A25", "ADT_A21", Some(("PV2", 9)))];
    Adt52 => "ADT-52", "discharge / cancel",
        [ev("ADT", "A03", "ADT_A03", Some(("PV1", 45))), ev("ADT", "A13", "ADT_A01", Some(("PV1", 45)))];
    Adt61 => "ADT-61", "allergy register / update",
        [ev("ADT", "A60", "ADT_A60", None)];
    Ppr01 => "PPR-01", "disease (history) register / update",
        [ev("PPR", "ZD1", "PPR_ZD1", None)];
    Omd => "OMD", "diet order",
        [ev("OMD", "O03", "OMD_O03", Some(("ORC", 9)))];
    Omp01 => "OMP-01", "prescription order",
        [ev("RDE", "O11", "RDE_O11", Some(("ORC", 9)))];
    Omp11 => "OMP-11", "prescription administration",
        [ev("RAS", "O17", "RAS_O17", Some(("RXA", 3)))];
    Omp02 => "OMP-02", "injection order",
        [ev("RDE", "O11", "RDE_O11", Some(("ORC", 9)))];
    Omp12 => "OMP-12", "injection administration",
        [ev("RAS", "O17", "RAS_O17", Some(("RXA", 3)))];
    Oml01 => "OML-01", "specimen lab order",
        [ev("OML", "O33", "OML_O33", Some(("ORC", 9)))];
    Oml11 => "OML-11", "specimen lab result",
        [ev("OUL", "R22", "OUL_R22", Some(("SPM", 17)))];
    Omg01 => "OMG-01", "radiology order",
        [ev("OMG", "O19", "OMG_O19", Some(("ORC", 9)))];
    Omg11 => "OMG-11", "radiology performed",
        [ev("OMI", "Z23", "OMI_Z23", Some(("OBR", 7)))];
    Omg02 => "OMG-02", "endoscopy order",
        [ev("OMG", "O19", "OMG_O19", Some(("ORC", 9)))];
    Omg12 => "OMG-12", "endoscopy performed",
        [ev("OMI", "Z23", "OMI_Z23", Some(("OBR", 7)))];
    Omg03 => "OMG-03", "physiological test order",
        [ev("OMG", "O19", "OMG_O19", Some(("ORC", 9)))];
    Omg13 => "OMG-13", "physiological test result",
        [ev("ORU", "R01", "ORU_R01", Some(("OBR", 7)))];
}

impl DataKind {
    /// The data kinds stored from `type^trigger` (several for RDE^O11, OMG^O19, ...).
    pub fn for_message(message_type: &str, trigger: &str) -> Vec<DataKind> {
        DataKind::ALL
            .iter()
            .copied()
            .filter(|k| k.event(message_type, trigger).is_some())
            .collect()
    }

    /// This kind's event for `type^trigger`, if it is stored from it.
    pub fn event(self, message_type: &str, trigger: &str) -> Option<&'static Event> {
        self.events()
            .iter()
            .find(|e| e.message_type == message_type && e.trigger == trigger)
    }

    /// True when files of this kind have a care date (else the date folder is `-`).
    pub fn has_care_date(self) -> bool {
        self.events().iter().any(|e| e.care_date.is_some())
    }
}

impl fmt::Display for DataKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for DataKind {
    type Err = FileNameError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DataKind::ALL
            .iter()
            .copied()
            .find(|k| k.code() == s)
            .ok_or_else(|| FileNameError::UnknownDataKind {
                found: s.to_owned(),
            })
    }
}

impl Serialize for DataKind {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for DataKind {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// The condition flag (コンディションフラグ), last field of a file name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ConditionFlag {
    /// `0`: deleted / invalid.
    Deleted = 0,
    /// `1`: the valid, current version.
    Valid = 1,
    /// `2`: a superseded earlier version.
    Superseded = 2,
}

impl ConditionFlag {
    /// The digit in file names.
    pub fn digit(self) -> char {
        match self {
            ConditionFlag::Deleted => '0',
            ConditionFlag::Valid => '1',
            ConditionFlag::Superseded => '2',
        }
    }
}

/// A parsed SS-MIX2 standard-storage file name:
/// `PID_date|-_kind_orderNo_YYYYMMDDHHMMSSFFF_dept|-_flag`.
///
/// ```
/// use idlink_formats::ssmix2::{FileName, DataKind, ConditionFlag};
/// let name: FileName = "9999013_20110701_OMP-01_000000011000185_20110701224603984_01_1".parse()?;
/// assert_eq!(name.data_kind, DataKind::Omp01);
/// assert_eq!(name.condition, ConditionFlag::Valid);
/// assert_eq!(name.storage_dir().to_str(), Some("999/901/9999013/20110701/OMP-01"));
/// assert_eq!(name.to_string(), "9999013_20110701_OMP-01_000000011000185_20110701224603984_01_1");
/// # Ok::<(), idlink_formats::ssmix2::FileNameError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct FileName {
    /// 患者ID: 6 to 15 ASCII letters/digits (the storage path needs 6).
    pub patient_id: String,
    /// 診療日 `YYYYMMDD`; `None` for `-`.
    pub care_date: Option<String>,
    /// データ種別.
    pub data_kind: DataKind,
    /// オーダNo (ORC-2; `999999999999999` for ADT/PPR): 1 to 22 ASCII letters/digits.
    pub order_number: String,
    /// 発生日時 `YYYYMMDDHHMMSSFFF` (when the file was written, not MSH-7).
    pub timestamp: String,
    /// 診療科コード (HL7 user table 0069); `None` for `-`.
    pub department: Option<String>,
    /// コンディションフラグ.
    pub condition: ConditionFlag,
}

/// Why a file name is not an SS-MIX2 standard-storage file name. Its words are the
/// catalogue's ([`FileNameError::message`]); `Display` is the English.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileNameError {
    /// Not seven `_`-separated parts.
    FieldCount {
        /// How many parts there were.
        found: usize,
    },
    /// A bad patient ID.
    PatientId {
        /// What was found.
        found: String,
    },
    /// A care date that is neither `YYYYMMDD` nor `-`.
    CareDate {
        /// What was found.
        found: String,
    },
    /// An unknown data kind.
    UnknownDataKind {
        /// What was found.
        found: String,
    },
    /// A bad order number.
    OrderNumber {
        /// What was found.
        found: String,
    },
    /// A bad timestamp.
    Timestamp {
        /// What was found.
        found: String,
    },
    /// A bad department code.
    Department {
        /// What was found.
        found: String,
    },
    /// A bad condition flag.
    Condition {
        /// What was found.
        found: String,
    },
}

impl FileNameError {
    /// What is wrong, as a catalogue message.
    pub fn message(&self) -> Message {
        match self {
            FileNameError::FieldCount { found } => {
                msg!("ssmix2-name-field-count", found = *found)
            }
            FileNameError::PatientId { found } => {
                msg!("ssmix2-name-patient-id", found = quoted(found))
            }
            FileNameError::CareDate { found } => {
                msg!("ssmix2-name-care-date", found = quoted(found))
            }
            FileNameError::UnknownDataKind { found } => {
                msg!("ssmix2-name-data-kind", found = quoted(found))
            }
            FileNameError::OrderNumber { found } => {
                msg!("ssmix2-name-order-number", found = quoted(found))
            }
            FileNameError::Timestamp { found } => {
                msg!("ssmix2-name-timestamp", found = quoted(found))
            }
            FileNameError::Department { found } => {
                msg!("ssmix2-name-department", found = quoted(found))
            }
            FileNameError::Condition { found } => {
                msg!("ssmix2-name-condition", found = quoted(found))
            }
        }
    }
}

impl fmt::Display for FileNameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.message().fmt(f)
    }
}

impl std::error::Error for FileNameError {}

fn alnum(s: &str, min: usize, max: usize) -> bool {
    (min..=max).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// True for a real calendar date `YYYYMMDD` (proleptic Gregorian).
pub fn is_valid_date(s: &str) -> bool {
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

fn is_valid_timestamp17(s: &str) -> bool {
    if s.len() != 17 || !s.bytes().all(|b| b.is_ascii_digit()) || !is_valid_date(&s[..8]) {
        return false;
    }
    let num = |r: std::ops::Range<usize>| s[r].parse::<u32>().unwrap_or(99);
    num(8..10) < 24 && num(10..12) < 60 && num(12..14) < 61
}

impl FromStr for FileName {
    type Err = FileNameError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let parts: Vec<&str> = s.split('_').collect();
        let [pid, date, kind, order, timestamp, dept, flag] = parts.as_slice() else {
            return Err(FileNameError::FieldCount { found: parts.len() });
        };
        if !alnum(pid, 6, 15) {
            return Err(FileNameError::PatientId {
                found: (*pid).to_owned(),
            });
        }
        let care_date = match *date {
            "-" => None,
            d if is_valid_date(d) => Some(d.to_owned()),
            d => {
                return Err(FileNameError::CareDate {
                    found: d.to_owned(),
                });
            }
        };
        let data_kind: DataKind = kind.parse()?;
        if !alnum(order, 1, 22) {
            return Err(FileNameError::OrderNumber {
                found: (*order).to_owned(),
            });
        }
        if !is_valid_timestamp17(timestamp) {
            return Err(FileNameError::Timestamp {
                found: (*timestamp).to_owned(),
            });
        }
        let department = match *dept {
            "-" => None,
            d if alnum(d, 1, 10) => Some(d.to_owned()),
            d => {
                return Err(FileNameError::Department {
                    found: d.to_owned(),
                });
            }
        };
        let condition = match *flag {
            "0" => ConditionFlag::Deleted,
            "1" => ConditionFlag::Valid,
            "2" => ConditionFlag::Superseded,
            f => {
                return Err(FileNameError::Condition {
                    found: f.to_owned(),
                });
            }
        };
        Ok(FileName {
            patient_id: (*pid).to_owned(),
            care_date,
            data_kind,
            order_number: (*order).to_owned(),
            timestamp: (*timestamp).to_owned(),
            department,
            condition,
        })
    }
}

impl FileName {
    /// Parse a file name (the last path component only; see [`FileName::parse_path`]).
    pub fn parse(name: &str) -> Result<FileName, FileNameError> {
        name.parse()
    }

    /// Parse the last component of a path (`…/OMP-01/9999013_…_1`).
    pub fn parse_path(path: &str) -> Result<FileName, FileNameError> {
        let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
        name.parse()
    }

    /// The directory this file belongs in, relative to the facility root.
    pub fn storage_dir(&self) -> PathBuf {
        storage_dir(&self.patient_id, self.care_date.as_deref(), self.data_kind)
    }

    /// Directory plus file name, relative to the facility root.
    pub fn storage_path(&self) -> PathBuf {
        self.storage_dir().join(self.to_string())
    }
}

impl fmt::Display for FileName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}_{}_{}_{}_{}_{}_{}",
            self.patient_id,
            self.care_date.as_deref().unwrap_or("-"),
            self.data_kind,
            self.order_number,
            self.timestamp,
            self.department.as_deref().unwrap_or("-"),
            self.condition.digit()
        )
    }
}

/// `PID[0:3]/PID[3:6]/PID/<date or ->/<kind>`, relative to the facility root.
///
/// The two upper levels are the first three characters and characters four to six of the
/// patient ID, not a hash. Slicing follows Python's clamping (the reference tools are Python),
/// and an empty level is left out rather than producing `//`; [`FileName`] never yields such
/// IDs because it requires six characters.
pub fn storage_dir(patient_id: &str, care_date: Option<&str>, kind: DataKind) -> PathBuf {
    let chars: Vec<char> = patient_id.chars().collect();
    let slice = |a: usize, b: usize| -> String {
        chars[a.min(chars.len())..b.min(chars.len())]
            .iter()
            .collect()
    };
    let mut path = PathBuf::new();
    for level in [slice(0, 3), slice(3, 6)] {
        if !level.is_empty() {
            path.push(level);
        }
    }
    path.push(patient_id);
    path.push(care_date.unwrap_or("-"));
    path.push(kind.code());
    path
}

/// Where the care date an SS-MIX2 document is stored under comes from (`PROTO-UP-014`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CareDateSource {
    /// The data kind has no care-date field: always `-`.
    NotApplicable,
    /// The SS-MIX2 file name the document was sent with.
    FileName,
    /// The data kind's care-date field in the message (first non-empty occurrence).
    Message,
    /// The kind has a care-date field, but it is empty and no file name gave a date: `-`.
    Empty,
}

/// The care date an SS-MIX2 document is stored under, and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCareDate {
    /// `YYYYMMDD`, or `None` for the `-` folder.
    pub date: Option<String>,
    /// Where `date` came from.
    pub source: CareDateSource,
}

impl StoredCareDate {
    /// The date as SS-MIX2 writes it: `YYYYMMDD` or `-`.
    pub fn as_str(&self) -> &str {
        self.date.as_deref().unwrap_or("-")
    }
}

/// The precedence of `PROTO-UP-014` for HL7: a kind without a care-date field is always `-`;
/// otherwise the SS-MIX2 file name's care date when a file name is given, else the message's
/// care-date field (`message`, the first non-empty occurrence), else `-`.
///
/// The validator has already refused a file name whose care date contradicts a non-empty
/// field, so the file name only wins over an empty field (lenient mode's warning).
pub fn stored_care_date(
    kind: DataKind,
    file_name: Option<&FileName>,
    message: Option<&str>,
) -> StoredCareDate {
    let (date, source) = if !kind.has_care_date() {
        (None, CareDateSource::NotApplicable)
    } else if let Some(file) = file_name {
        (file.care_date.clone(), CareDateSource::FileName)
    } else if let Some(date) = message.filter(|d| !d.is_empty()) {
        (Some(date.to_owned()), CareDateSource::Message)
    } else {
        (None, CareDateSource::Empty)
    };
    StoredCareDate { date, source }
}

impl DataKind {
    /// The care-date fields of this kind's events, e.g. `ORC-9` or `EVN-6 / PV2-47`; `None`
    /// for a kind stored under `-`.
    pub fn care_date_fields(self) -> Option<String> {
        let mut fields: Vec<String> = Vec::new();
        for field in self.events().iter().filter_map(|e| e.care_date) {
            let text = field.to_string();
            if !fields.contains(&text) {
                fields.push(text);
            }
        }
        (!fields.is_empty()).then(|| fields.join(" / "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_round_trips_through_its_code() {
        for kind in DataKind::ALL {
            assert_eq!(kind.code().parse::<DataKind>(), Ok(*kind));
        }
        assert_eq!(DataKind::ALL.len(), 26);
    }

    #[test]
    fn message_types_map_to_candidate_kinds() {
        assert_eq!(
            DataKind::for_message("RDE", "O11"),
            vec![DataKind::Omp01, DataKind::Omp02]
        );
        assert_eq!(DataKind::for_message("ADT", "A08"), vec![DataKind::Adt00]);
        assert_eq!(DataKind::for_message("ORU", "R01"), vec![DataKind::Omg13]);
        assert!(DataKind::for_message("ADT", "A99").is_empty());
    }

    #[test]
    fn file_names_parse_and_format() {
        let name = "9999013_-_ADT-00_999999999999999_20111220224447339_-_1";
        let parsed: FileName = name.parse().unwrap();
        assert_eq!(parsed.care_date, None);
        assert_eq!(parsed.department, None);
        assert_eq!(parsed.to_string(), name);
        assert_eq!(
            parsed.storage_dir(),
            PathBuf::from("999/901/9999013/-/ADT-00")
        );
    }

    #[test]
    fn file_name_errors_are_typed() {
        // Table-driven: one row per defect.
        let cases: &[(&str, FileNameError)] = &[
            ("a_b", FileNameError::FieldCount { found: 2 }),
            (
                "12_-_ADT-00_9_20111220224447339_-_1",
                FileNameError::PatientId { found: "12".into() },
            ),
            (
                "9999013_20111332_OMP-01_1_20111220224447339_01_1",
                FileNameError::CareDate {
                    found: "20111332".into(),
                },
            ),
            (
                "9999013_20111201_OMP-99_1_20111220224447339_01_1",
                FileNameError::UnknownDataKind {
                    found: "OMP-99".into(),
                },
            ),
            (
                "9999013_20111201_OMP-01_1-2_20111220224447339_01_1",
                FileNameError::OrderNumber {
                    found: "1-2".into(),
                },
            ),
            (
                "9999013_20111201_OMP-01_1_2011122022444733_01_1",
                FileNameError::Timestamp {
                    found: "2011122022444733".into(),
                },
            ),
            (
                "9999013_20111201_OMP-01_1_20111220224447339_内科_1",
                FileNameError::Department {
                    found: "内科".into(),
                },
            ),
            (
                "9999013_20111201_OMP-01_1_20111220224447339_01_3",
                FileNameError::Condition { found: "3".into() },
            ),
        ];
        for (name, expected) in cases {
            assert_eq!(name.parse::<FileName>().as_ref(), Err(expected), "{name}");
        }
    }

    // PROTO-UP-014
    #[test]
    fn the_file_name_wins_over_the_message_and_kinds_without_a_field_are_always_dash() {
        let file =
            FileName::parse("9999013_20110701_OMP-01_000000011000185_20110701224603984_01_1")
                .unwrap();
        let omp = DataKind::from_str("OMP-01").unwrap();
        let adt = DataKind::from_str("ADT-00").unwrap();
        let cases = [
            (
                omp,
                Some(&file),
                Some("20110702"),
                Some("20110701"),
                CareDateSource::FileName,
            ),
            (
                omp,
                None,
                Some("20110702"),
                Some("20110702"),
                CareDateSource::Message,
            ),
            (omp, None, Some(""), None, CareDateSource::Empty),
            (omp, None, None, None, CareDateSource::Empty),
            (
                adt,
                None,
                Some("20110702"),
                None,
                CareDateSource::NotApplicable,
            ),
        ];
        for (kind, file, message, date, source) in cases {
            let stored = stored_care_date(kind, file, message);
            assert_eq!(stored.date.as_deref(), date, "{kind} {message:?}");
            assert_eq!(stored.source, source, "{kind} {message:?}");
        }
        assert_eq!(omp.care_date_fields().as_deref(), Some("ORC-9"));
        assert_eq!(
            DataKind::from_str("ADT-32")
                .unwrap()
                .care_date_fields()
                .as_deref(),
            Some("EVN-6 / PV2-47")
        );
        assert_eq!(adt.care_date_fields(), None);
    }

    #[test]
    fn storage_dir_clamps_short_ids_like_python() {
        assert_eq!(
            storage_dir("1234", None, DataKind::Omd),
            PathBuf::from("123/4/1234/-/OMD")
        );
    }
}
