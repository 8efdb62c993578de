//! JAHIS / SS-MIX2 conformance of a parsed message, layer by layer.
//!
//! Layers, in report order, one rule function each (called from [`check`]): parse problems
//! (framing, charset) → MSH rules → MSH-9 ↔ data kinds and HL7 table 0354 → declared data kind
//! ↔ MSH-9 → segment order (a missing segment is named) → required fields → HL7 data types →
//! care-date format → patient-ID length → file-name cross-checks (patient ID, care date, order
//! number) → charset policy and strict JIS X 0208 characters. One defect gives one finding:
//! when a declared kind contradicts MSH-9, the rules that follow from a data kind are not run. Required-field and care-date tables follow the
//! SS-MIX2 standardized-storage specification as encoded in nhoHQ/SSMIX2DataTestingTool's
//! definition files (Apache-2.0), re-expressed here; segment grammars follow the HL7 v2.5
//! abstract message syntax with the JAHIS Z-segments.

use std::collections::HashMap;
use std::sync::OnceLock;

use super::grammar::{Grammar, Mismatch};
use super::{Message, ParseOptions, Segment, parse_collect};
use crate::finding::{Findings, quoted};
use crate::jis::{self, Class};
use crate::ssmix2::{self, DataKind, FileName};
use crate::{
    Charset, CheckOptions, Code, Finding, Hl7Summary, Location, Severity, Strictness, msg,
};

const ADT_A01: &str = "MSH SFT* EVN PID PD1? ROL* NK1* PV1 PV2? ROL* DB1* OBX* AL1* DG1* DRG? \
                       (PR1 ROL*)* GT1* (IN1 IN2? IN3* ROL*)* ACC? UB1? UB2? PDA?";
const ADT_A21: &str = "MSH SFT* EVN PID PD1? PV1 PV2? DB1* OBX*";
const ADT_A52: &str = "MSH SFT* EVN PID PD1? PV1 PV2?";
const ORDER_PATIENT: &str = "(PID PD1? NTE* NK1* (PV1 PV2?)? (IN1 IN2? IN3?)* GT1? AL1*)?";

/// Segment grammar per `type^trigger`.
fn grammar_source(message_type: &str) -> Option<String> {
    Some(match message_type {
        "ADT^A01" | "ADT^A04" | "ADT^A08" | "ADT^A13" => ADT_A01.to_owned(),
        "ADT^A14" => "MSH SFT* EVN PID PD1? ROL* NK1* PV1 PV2? ROL* DB1* OBX* AL1* DG1* DRG? \
                      (PR1 ROL*)* GT1* (IN1 IN2? IN3* ROL*)* ACC? UB1? UB2?"
            .to_owned(),
        "ADT^A21" | "ADT^A22" | "ADT^A23" | "ADT^A25" | "ADT^A26" | "ADT^A27" => ADT_A21.to_owned(),
        "ADT^A52" | "ADT^A53" | "ADT^A55" => ADT_A52.to_owned(),
        "ADT^A54" => "MSH SFT* EVN PID PD1? ROL* PV1 PV2? ROL*".to_owned(),
        "ADT^A11" | "ADT^A12" => "MSH SFT* EVN PID PD1? PV1 PV2? DB1* OBX* DG1*".to_owned(),
        "ADT^A15" => "MSH SFT* EVN PID PD1? ROL* PV1 PV2? ROL* DB1* OBX* DG1*".to_owned(),
        "ADT^A02" => "MSH SFT* EVN PID PD1? ROL* PV1 PV2? ROL* DB1* OBX* PDA?".to_owned(),
        "ADT^A16" => "MSH SFT* EVN PID PD1? ROL* NK1* PV1 PV2? ROL* DB1* OBX* AL1* DG1* DRG? \
                      (PR1 ROL*)* GT1* (IN1 IN2? IN3* ROL*)* ACC?"
            .to_owned(),
        "ADT^A03" => "MSH SFT* EVN PID PD1? ROL* NK1* PV1 PV2? ROL* DB1* AL1* DG1* DRG? \
                      (PR1 ROL*)* OBX* GT1* (IN1 IN2? IN3* ROL*)* ACC? PDA?"
            .to_owned(),
        "ADT^A60" => "MSH SFT* EVN PID PV1? PV2? IAM*".to_owned(),
        "PPR^ZD1" => "MSH SFT* PID (PV1 PV2?)? (PRB ZPR? ZPD* NTE* VAR* (ROL VAR*)* (PTH VAR*)* \
                      ZI1* (OBX NTE*)* (GOL NTE* VAR* (ROL VAR*)* (OBX NTE*)*)* \
                      (ORC ((OBR|RXO) NTE* VAR* (OBX NTE* VAR*)*)?)*)+"
            .to_owned(),
        "OMD^O03" => format!(
            "MSH SFT* NTE* {ORDER_PATIENT} (ORC (TQ1 TQ2*)* (ODS+ NTE* (OBX NTE*)*)?)+ \
             (ORC (TQ1 TQ2*)* ODT+ NTE*)*"
        ),
        "RDE^O11" => format!(
            "MSH SFT* NTE* {ORDER_PATIENT} (ORC (TQ1 TQ2*)* (RXO NTE* RXR+ (RXC NTE*)*)? \
             RXE NTE* (TQ1 TQ2*)+ RXR+ RXC* (OBX NTE*)* FT1* BLG? CTI*)+"
        ),
        "RAS^O17" => "MSH SFT* NTE* (PID PD1? NTE* AL1* (PV1 PV2?)?)? (ORC (TQ1 TQ2*)* \
                      (RXO NTE* RXR+ (RXC NTE*)*)? (RXE (TQ1 TQ2*)* RXR+ RXC*)? \
                      (RXA+ RXR (OBX NTE*)*)+ CTI*)+"
            .to_owned(),
        "OML^O33" => format!(
            "MSH SFT* NTE* {ORDER_PATIENT} (SPM OBX* SAC* (ORC (TQ1 TQ2*)* (OBR TCD? NTE* DG1* \
             (OBX TCD? NTE*)* ((PID PD1?)? (PV1 PV2?)? AL1* (ORC? OBR NTE* (TQ1 TQ2*)* \
             (OBX NTE*)+)+)*)? FT1* CTI* BLG?)+)+"
        ),
        "OUL^R22" => "MSH SFT* NTE? (PID PD1? NTE*)? (PV1 PV2?)? (SPM OBX* (SAC INV?)* \
                      (OBR ORC? NTE* (TQ1 TQ2*)* (OBX TCD? SID* NTE*)* CTI*)+)+ DSC?"
            .to_owned(),
        "OMG^O19" => format!(
            "MSH SFT* NTE* {ORDER_PATIENT} (ORC (TQ1 TQ2*)* OBR NTE* CTD? DG1* (OBX NTE*)* \
             (SPM OBX* (SAC OBX*)*)* ((PID PD1?)? (PV1 PV2?)? AL1* (ORC? OBR (TQ1 TQ2*)* NTE* \
             CTD? (OBX NTE*)+)+)* FT1* CTI* BLG?)+"
        ),
        "OMI^Z23" => format!(
            "MSH SFT* NTE* {ORDER_PATIENT} (ORC (TQ1 TQ2*)* OBR NTE* CTD? DG1* (OBX NTE*)* \
             (ZE1 OBX* ZE2*)* IPC+)+"
        ),
        "ORU^R01" => "MSH SFT* ((PID PD1? NTE* NK1* (PV1 PV2?)?)? (ORC? OBR NTE* (TQ1 TQ2*)* \
                      CTD? (OBX NTE*)* FT1* CTI* (SPM OBX*)*)+)+ DSC?"
            .to_owned(),
        _ => return None,
    })
}

/// Whether the grammar of `message_type` names segment `name` anywhere.
fn grammar_mentions(message_type: &str, name: &str) -> bool {
    grammar_source(message_type).is_some_and(|source| {
        source
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(|token| token == name)
    })
}

/// The message types every data kind uses, mapped to compiled grammars (compiled once).
fn grammar(message_type: &str) -> Option<&'static Grammar> {
    static CACHE: OnceLock<HashMap<String, Grammar>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| {
        let mut map = HashMap::new();
        for kind in DataKind::ALL {
            for event in kind.events() {
                let key = format!("{}^{}", event.message_type, event.trigger);
                if let Some(source) = grammar_source(&key) {
                    // Built-in patterns are covered by a unit test; a typo must not panic here.
                    if let Ok(g) = Grammar::compile(&source) {
                        map.insert(key, g);
                    }
                }
            }
        }
        map
    });
    cache.get(message_type)
}

use DataKind::*;

/// Kinds an order rule applies to.
const ORDER_KINDS: &[DataKind] = &[
    Ppr01, Omd, Omp01, Omp11, Omp02, Omp12, Oml01, Oml11, Omg01, Omg11, Omg02, Omg12, Omg03, Omg13,
];
/// Longest SS-MIX2 patient ID (file name, storage path, index DB `PatientID VARCHAR(15)`).
const MAX_PATIENT_ID: usize = 15;

/// Kinds whose files are named with ORC-2 as the order number (the update/delete key).
const ORDER_FILE_KINDS: &[DataKind] = &[
    Omd, Omp01, Omp11, Omp02, Omp12, Oml01, Oml11, Omg01, Omg11, Omg02, Omg12, Omg03, Omg13,
];
const OMP: &[DataKind] = &[Omp01, Omp11, Omp02, Omp12];
const OMG: &[DataKind] = &[Omg01, Omg11, Omg02, Omg12, Omg03, Omg13];
const INJECTION: &[DataKind] = &[Omp02, Omp12];
const OBX_CODED: &[DataKind] = &[
    Oml01, Oml11, Omp02, Omp12, Omg01, Omg11, Omg02, Omg12, Omg03, Omg13,
];
const OBX_TYPED: &[DataKind] = &[Omp02, Omp12, Omg01, Omg11, Omg02, Omg12, Omg03, Omg13];
const LAB_AND_IMAGING: &[DataKind] = &[Oml01, Oml11, Omg01, Omg11, Omg02, Omg12, Omg03, Omg13];

/// SS-MIX2 "R" fields: (segment, field, kinds it applies to; empty = every kind).
const REQUIRED: &[(&str, usize, &[DataKind])] = &[
    ("EVN", 2, &[]),
    ("PID", 3, &[]),
    ("PID", 5, &[]),
    ("PID", 7, &[]),
    ("PID", 8, &[]),
    ("NK1", 1, &[]),
    ("PV1", 2, &[]),
    ("DB1", 1, &[]),
    ("DB1", 2, &[]),
    ("DB1", 4, &[]),
    ("AL1", 1, &[]),
    ("AL1", 3, &[]),
    ("IN1", 1, &[]),
    ("IN1", 2, &[]),
    ("IAM", 1, &[]),
    ("IAM", 3, &[]),
    ("IAM", 6, &[]),
    ("PRB", 1, &[]),
    ("PRB", 2, &[]),
    ("PRB", 3, &[]),
    ("PRB", 4, &[]),
    ("ZPR", 2, &[]),
    ("ORC", 1, ORDER_KINDS),
    ("ORC", 2, ORDER_KINDS),
    ("ORC", 4, OMP),
    ("ORC", 9, OMG),
    ("ORC", 12, OMG),
    ("ORC", 17, &[Omp02, Omp12, Omg03, Omg13]),
    ("ORC", 29, INJECTION),
    ("TQ1", 1, &[Oml01, Omg01, Omg11, Omg02, Omg12, Omg03, Omg13]),
    ("TQ1", 9, OMG),
    ("ODS", 1, &[]),
    ("ODS", 3, &[]),
    ("RXE", 2, OMP),
    ("RXE", 3, OMP),
    ("RXE", 5, OMP),
    ("RXE", 10, &[Omp01, Omp11]),
    ("RXE", 11, &[Omp01, Omp11]),
    ("RXR", 1, OMP),
    ("RXA", 1, &[]),
    ("RXA", 2, &[]),
    ("RXA", 3, &[]),
    ("RXA", 4, &[]),
    ("RXA", 5, &[]),
    ("RXA", 6, &[]),
    ("RXC", 1, &[]),
    ("RXC", 2, &[]),
    ("RXC", 3, &[]),
    ("RXC", 4, &[]),
    ("CTI", 1, &[]),
    ("SPM", 4, &[]),
    ("OBR", 1, &[Omg03, Omg13]),
    ("OBR", 2, LAB_AND_IMAGING),
    ("OBR", 4, LAB_AND_IMAGING),
    ("OBX", 2, OBX_TYPED),
    ("OBX", 3, OBX_CODED),
    ("OBX", 5, &[Omg01, Omg11, Omg02, Omg12]),
    ("OBX", 11, OBX_CODED),
    ("IPC", 1, &[]),
    ("IPC", 3, &[]),
    ("IPC", 5, &[]),
    ("ZE1", 1, &[Omg12]),
    ("ZE1", 2, &[Omg11, Omg12]),
    ("ZE1", 3, &[Omg11, Omg12]),
];

/// The [`REQUIRED`] rows of one segment (indexed once, so the per-segment cost is one lookup).
fn required_for(segment: &str) -> &'static [(&'static str, usize, &'static [DataKind])] {
    static INDEX: OnceLock<HashMap<&'static str, std::ops::Range<usize>>> = OnceLock::new();
    let index = INDEX.get_or_init(|| {
        // REQUIRED is grouped by segment; each group is one contiguous range.
        let mut map: HashMap<&'static str, std::ops::Range<usize>> = HashMap::new();
        for (i, (name, _, _)) in REQUIRED.iter().enumerate() {
            map.entry(name)
                .and_modify(|r| r.end = i + 1)
                .or_insert(i..i + 1);
        }
        map
    });
    index
        .get(segment)
        .map(|r| &REQUIRED[r.clone()])
        .unwrap_or(&[])
}

fn lenient_severity(strictness: Strictness) -> Severity {
    match strictness {
        Strictness::Strict => Severity::Error,
        Strictness::Lenient => Severity::Warning,
    }
}

/// `YYYY[MM[DD[HH[MM[SS[.S[S[S[S]]]]]]]]][+/-ZZZZ]`, with a real calendar date when the day
/// is present.
pub(crate) fn is_hl7_ts(value: &str) -> bool {
    let (main, zone) = match value.find(['+', '-']) {
        Some(i) => (&value[..i], Some(&value[i + 1..])),
        None => (value, None),
    };
    if zone.is_some_and(|z| z.len() != 4 || !z.bytes().all(|b| b.is_ascii_digit())) {
        return false;
    }
    let (digits, fraction) = match main.split_once('.') {
        Some((d, f)) => (d, Some(f)),
        None => (main, None),
    };
    if !digits.bytes().all(|b| b.is_ascii_digit()) || ![4, 6, 8, 10, 12, 14].contains(&digits.len())
    {
        return false;
    }
    if let Some(f) = fraction
        && (digits.len() != 14
            || f.is_empty()
            || f.len() > 4
            || !f.bytes().all(|b| b.is_ascii_digit()))
    {
        return false;
    }
    if digits.len() == 6 && !(1..=12).contains(&digits[4..6].parse::<u32>().unwrap_or(0)) {
        return false;
    }
    if digits.len() >= 8 && !ssmix2::is_valid_date(&digits[..8]) {
        return false;
    }
    let part = |r: std::ops::Range<usize>| digits.get(r).map(|s| s.parse::<u32>().unwrap_or(99));
    part(8..10).is_none_or(|h| h < 24)
        && part(10..12).is_none_or(|m| m < 60)
        && part(12..14).is_none_or(|s| s < 60)
}

/// Place a byte offset inside the raw segment that contains it (segment and field).
fn place_byte(
    location: &mut Location,
    bytes: &[u8],
    raw_segments: &[std::ops::Range<usize>],
    sep: u8,
) {
    let Some(offset) = location.byte_offset else {
        return;
    };
    if location.segment_index.is_some() {
        return;
    }
    // A segment owns its bytes and its terminator (CR, CRLF, a trailing 0x1C).
    let Some((i, range)) = raw_segments
        .iter()
        .enumerate()
        .rev()
        .find(|(_, r)| r.start <= offset && offset <= r.end + 2)
    else {
        return;
    };
    let raw = &bytes[range.clone()];
    if raw.len() < 3 || !raw[..3].iter().all(|b| b.is_ascii_alphanumeric()) {
        return;
    }
    let name = String::from_utf8_lossy(&raw[..3]).into_owned();
    let mut field = 0usize;
    let mut jis = false;
    let mut j = 0;
    while range.start + j < offset && j < raw.len() {
        let b = raw[j];
        if b == 0x1B {
            jis = raw.get(j + 1) == Some(&b'$');
        } else if b == sep && !jis {
            field += 1;
        }
        j += 1;
    }
    let number = if name == "MSH" { field + 1 } else { field };
    location.segment_index = Some(i + 1);
    location.segment = Some(name);
    // Terminator bytes belong to the segment but to none of its fields.
    if number > 0 && offset < range.end {
        location.field = Some(number);
    }
}

/// Run every HL7 layer, pushing findings; returns the routing summary when MSH was readable.
///
/// Each layer is one named rule function below, called in report order; the findings of one
/// layer never depend on another layer's findings, only on the facts worked out here (MSH-9,
/// the candidate and declared data kinds, the file name).
pub(crate) fn check(
    bytes: &[u8],
    options: &CheckOptions,
    findings: &mut Findings,
) -> Option<Hl7Summary> {
    let strictness = options.strictness;
    let parse_options = ParseOptions {
        strictness,
        charset_override: options.charset_override,
    };
    let parsed = parse_collect(bytes, &parse_options);
    report_parse_problems(bytes, &parsed, strictness, findings);
    let message = parsed.message.as_ref()?;
    let msh = message.segment(1)?;

    check_msh(msh, &parsed.msh18, strictness, findings);
    let msh9 = msh.field(9);
    let type_ = msh9.map(|f| f.component(1)).unwrap_or("");
    let trigger = msh9.map(|f| f.component(2)).unwrap_or("");
    let structure = msh9.map(|f| f.component(3)).unwrap_or("");
    let candidates = DataKind::for_message(type_, trigger);
    check_message_type(type_, trigger, structure, &candidates, strictness, findings);
    let file = parse_file_name(options.file_name.as_deref(), findings);
    let declaration = Declaration::of(
        options.data_kind,
        file.as_ref(),
        type_,
        trigger,
        &candidates,
        findings,
    );
    let subject = Subject {
        message,
        strictness,
        message_type: format!("{type_}^{trigger}"),
        kinds: declaration.kinds,
        candidates,
    };

    check_segment_order(&subject, findings);
    if !subject.candidates.is_empty() {
        check_required_fields(&subject, findings);
    }
    // The care-date field of the kind the rules follow, else of the message's own kind: a fact
    // of the message (summary, date format), whatever a contradicting declaration says.
    let care_field = care_field_of(&subject.kinds, &subject.candidates, type_, trigger);
    if !subject.candidates.is_empty() {
        check_data_types(message, care_field, strictness, findings);
    }
    check_care_date_format(message, care_field, findings);
    let facts = Facts::of(message, care_field);
    check_patient_id_length(&subject, &facts, findings);
    if let Some(file) = &file {
        check_file_name(
            &subject,
            &facts,
            file,
            declaration.mismatch,
            care_field,
            findings,
        );
    }
    check_characters(bytes, &parsed, message, findings);

    let control_id = msh.value(10);
    let datetime = msh.value(7);
    Some(Hl7Summary {
        message_type: subject.message_type,
        message_structure: Some(structure.to_owned()).filter(|s| !s.is_empty()),
        control_id: Some(control_id.to_owned()).filter(|s| !s.is_empty()),
        charset: message.charset(),
        patient_id: facts.patient_id,
        candidate_data_kinds: subject.candidates,
        care_date: facts.care_date,
        order_number: facts.order_number,
        department: facts.department,
        message_datetime: Some(datetime.to_owned()).filter(|s| !s.is_empty()),
    })
}

/// What the rules after MSH share about the message being checked.
struct Subject<'m> {
    message: &'m Message,
    strictness: Strictness,
    /// `type^trigger` (MSH-9.1 and MSH-9.2), for messages and grammar lookup.
    message_type: String,
    /// The data kinds stored from MSH-9 (several for RDE^O11, OMG^O19, ...).
    candidates: Vec<DataKind>,
    /// The kinds the kind-dependent rules follow (see [`Declaration`]).
    kinds: Vec<DataKind>,
}

/// Facts of the message the file-name cross-checks and the summary use.
struct Facts<'m> {
    /// The PID segment and the repetition of PID-3 the patient ID came from.
    pid: Option<Segment<'m>>,
    pid_repetition: usize,
    patient_id: Option<String>,
    /// The first non-empty care date (first 8 characters of the care-date field).
    care_date: Option<String>,
    /// The first ORC and its ORC-2.1.
    first_orc: Option<Segment<'m>>,
    order_number: Option<String>,
    /// ORC-17.1, else PV1-10.
    department: Option<String>,
}

impl<'m> Facts<'m> {
    fn of(message: &'m Message, care_field: Option<ssmix2::FieldRef>) -> Self {
        let pid = message.first("PID");
        let (patient_id, pid_repetition) = pid.map(patient_id).unwrap_or((None, 1));
        let care_date = care_field.and_then(|cf| {
            message
                .all(cf.segment)
                .map(|s| care_value(&s, cf.field))
                .find(|v| !v.is_empty())
        });
        let first_orc = message.first("ORC");
        let order_number = first_orc
            .map(|s| s.field(2).map(|f| f.component(1)).unwrap_or("").to_owned())
            .filter(|s| !s.is_empty());
        let department = first_orc
            .and_then(|s| s.field(17))
            .map(|f| f.component(1).to_owned())
            .filter(|s| !s.is_empty())
            .or_else(|| {
                message
                    .first("PV1")
                    .map(|s| s.value(10).to_owned())
                    .filter(|s| !s.is_empty())
            });
        Facts {
            pid,
            pid_repetition,
            patient_id,
            care_date,
            first_orc,
            order_number,
            department,
        }
    }

    /// Where PID-3.1 (of the repetition the patient ID came from) is.
    fn patient_id_location(&self, pid: &Segment<'_>) -> Location {
        let mut location = pid.field_location(3);
        location.repetition = Some(self.pid_repetition);
        location.component = Some(1);
        location
    }
}

/// The first 8 characters of a care-date field's first component (`YYYYMMDD`).
fn care_value(segment: &Segment<'_>, field: usize) -> String {
    segment
        .field(field)
        .map(|f| f.component(1))
        .unwrap_or("")
        .chars()
        .take(8)
        .collect()
}

/// Parse problems (framing, charset, escapes) as findings, placed in their segment and field.
fn report_parse_problems(
    bytes: &[u8],
    parsed: &super::Parsed,
    strictness: Strictness,
    findings: &mut Findings,
) {
    let sep = parsed
        .message
        .as_ref()
        .map(|m| m.delimiters().field as u8)
        .unwrap_or(b'|');
    for problem in &parsed.problems {
        let mut location = problem.location();
        place_byte(&mut location, bytes, &parsed.raw_segments, sep);
        let mut finding = Finding::new(
            problem.code(),
            problem.severity(strictness),
            location,
            problem.message(),
        );
        if let Some(hint) = problem.hint() {
            finding = finding.with_hint(hint);
        }
        findings.push(finding);
    }
}

/// MSH: required fields, MSH-18, MSH-7 as a TS, MSH-12 = 2.5, MSH-10 length, MSH-9's shape.
fn check_msh(msh: Segment<'_>, msh18: &str, strictness: Strictness, findings: &mut Findings) {
    for field in [7usize, 9, 10, 11, 12] {
        if msh.value(field).is_empty() {
            findings.push(Finding::new(
                Code::Hl7MshRequired,
                Severity::Error,
                Location::field(1, "MSH", field),
                msg!("hl7-msh-required", field = field),
            ));
        }
    }
    if msh18.is_empty() {
        findings.push(
            Finding::new(
                Code::Hl7MshRequired,
                lenient_severity(strictness),
                Location::field(1, "MSH", 18),
                msg!("hl7-msh18-required"),
            )
            .with_hint(msg!("hl7-msh18-required-hint")),
        );
    }
    let datetime = msh.value(7);
    if !datetime.is_empty() && !is_hl7_ts(msh.field(7).map(|f| f.component(1)).unwrap_or("")) {
        findings.push(Finding::new(
            Code::Hl7MshDatetime,
            Severity::Error,
            Location::field(1, "MSH", 7),
            msg!("hl7-msh-datetime", found = quoted(datetime)),
        ));
    }
    let version = msh.field(12).map(|f| f.component(1)).unwrap_or("");
    if !version.is_empty() && version != "2.5" {
        findings.push(
            Finding::new(
                Code::Hl7MshVersion,
                Severity::Error,
                Location::field(1, "MSH", 12),
                msg!("hl7-msh-version", found = quoted(version)),
            )
            .with_hint(msg!("hl7-msh-version-hint")),
        );
    }
    let control_id = msh.value(10);
    if control_id.chars().count() > 20 {
        findings.push(Finding::new(
            Code::Hl7FieldFormat,
            Severity::Warning,
            Location::field(1, "MSH", 10),
            msg!("hl7-msh10-length", count = control_id.chars().count()),
        ));
    }
    let msh9 = msh.field(9);
    let type_ = msh9.map(|f| f.component(1)).unwrap_or("");
    let trigger = msh9.map(|f| f.component(2)).unwrap_or("");
    let structure = msh9.map(|f| f.component(3)).unwrap_or("");
    if msh9.is_some_and(|f| !f.is_empty()) && (type_.is_empty() || trigger.is_empty()) {
        findings.push(Finding::new(
            Code::Hl7MshType,
            Severity::Error,
            Location::field(1, "MSH", 9),
            msg!("hl7-msh9-shape", found = quoted(msh.value(9))),
        ));
    } else if !type_.is_empty() && structure.is_empty() {
        findings.push(
            Finding::new(
                Code::Hl7MshType,
                lenient_severity(strictness),
                Location {
                    component: Some(3),
                    ..Location::field(1, "MSH", 9)
                },
                msg!("hl7-msh9-no-structure", found = quoted(msh.value(9))),
            )
            .with_hint(msg!(
                "hl7-msh9-write-as",
                msh9 = format!("{type_}^{trigger}^{type_}_{trigger}")
            )),
        );
    }
}

/// MSH-9 against the SS-MIX2 data kinds (some kind is stored from it) and HL7 table 0354
/// (MSH-9.3 is the structure the trigger gives).
fn check_message_type(
    type_: &str,
    trigger: &str,
    structure: &str,
    candidates: &[DataKind],
    strictness: Strictness,
    findings: &mut Findings,
) {
    let message_type = format!("{type_}^{trigger}");
    if !type_.is_empty() && candidates.is_empty() {
        findings.push(Finding::new(
            Code::Ssmix2MessageType,
            lenient_severity(strictness),
            Location {
                component: Some(1),
                ..Location::field(1, "MSH", 9)
            },
            msg!("ssmix2-message-type", message_type = &message_type),
        ));
    }
    // HL7 table 0354 gives one message structure per trigger (the JAHIS Z-triggers PPR^ZD1 and
    // OMI^Z23 define their own); a receiver parses by it, so another one is an error strict.
    if let Some(expected) = candidates.first().and_then(|k| k.event(type_, trigger))
        && !structure.is_empty()
        && structure != expected.structure
    {
        findings.push(
            Finding::new(
                Code::Hl7MshType,
                lenient_severity(strictness),
                Location {
                    component: Some(3),
                    ..Location::field(1, "MSH", 9)
                },
                msg!(
                    "hl7-msh9-structure",
                    found = quoted(structure),
                    expected = quoted(expected.structure),
                    message_type = &message_type
                ),
            )
            .with_hint(msg!(
                "hl7-msh9-write-as",
                msh9 = format!("{message_type}^{}", expected.structure)
            )),
        );
    }
}

/// The SS-MIX2 file name to cross-check, if one was given and parses (else a finding).
fn parse_file_name(file_name: Option<&str>, findings: &mut Findings) -> Option<FileName> {
    let file_name = file_name.map(|name| (name, FileName::parse_path(name)));
    if let Some((name, Err(error))) = &file_name {
        findings.push(
            Finding::new(
                Code::Ssmix2FileName,
                Severity::Error,
                Location::default(),
                msg!(
                    "ssmix2-file-name",
                    name = quoted(name.rsplit(['/', '\\']).next().unwrap_or(name)),
                    error = error.message()
                ),
            )
            .with_hint(msg!("ssmix2-file-name-hint")),
        );
    }
    file_name.and_then(|(_, r)| r.ok())
}

/// The data kind the message is declared as (upload metadata, file name) against MSH-9.
///
/// The kind-dependent rules (required fields, care date, order number) follow the declared
/// kind when there is one, else every candidate of MSH-9. When a declared kind contradicts
/// MSH-9, `SSMIX2-KIND-MISMATCH` is the one finding for that defect: rules derived from
/// either kind would only restate it (a care date "missing" for a kind the message is not),
/// so they are not run, and `kinds` is empty.
struct Declaration {
    /// The kinds the kind-dependent rules follow.
    kinds: Vec<DataKind>,
    /// A declared kind contradicts MSH-9.
    mismatch: bool,
}

impl Declaration {
    fn of(
        data_kind: Option<DataKind>,
        file: Option<&FileName>,
        type_: &str,
        trigger: &str,
        candidates: &[DataKind],
        findings: &mut Findings,
    ) -> Self {
        let message_type = format!("{type_}^{trigger}");
        let mut declared: Vec<(DataKind, &str)> = Vec::new();
        if let Some(kind) = data_kind {
            declared.push((kind, "metadata"));
        }
        if let Some(f) = file {
            declared.push((f.data_kind, "file-name"));
        }
        for (kind, what) in &declared {
            if !type_.is_empty() && !candidates.contains(kind) {
                let expected: Vec<String> = kind
                    .events()
                    .iter()
                    .map(|e| format!("{}^{}", e.message_type, e.trigger))
                    .collect();
                let expected = crate::finding::list_or(&expected);
                findings.push(Finding::new(
                    Code::Ssmix2KindMismatch,
                    Severity::Error,
                    Location {
                        component: Some(1),
                        ..Location::field(1, "MSH", 9)
                    },
                    msg!(
                        "ssmix2-kind-mismatch",
                        source = *what,
                        kind = kind.code(),
                        meaning = msg!("ssmix2-kind", kind = kind.code()),
                        expected = expected,
                        message_type = &message_type
                    ),
                ));
            }
        }
        if let [(a, _), (b, _)] = declared.as_slice()
            && a != b
        {
            findings.push(Finding::new(
                Code::Ssmix2KindMismatch,
                Severity::Error,
                Location::default(),
                msg!("ssmix2-kind-differs", declared = a.code(), file = b.code()),
            ));
        }
        let mismatch = !type_.is_empty() && declared.iter().any(|(k, _)| !candidates.contains(k));
        let kinds: Vec<DataKind> = match declared.first() {
            _ if mismatch => Vec::new(),
            Some((k, _)) => vec![*k],
            None => candidates.to_vec(),
        };
        Declaration { kinds, mismatch }
    }
}

/// Segment order against the message structure's grammar: a missing segment is named
/// (`HL7-SEGMENT-MISSING`), one out of place is `HL7-SEGMENT-ORDER`, and PID is required in
/// every SS-MIX2 message.
fn check_segment_order(subject: &Subject<'_>, findings: &mut Findings) {
    let Subject {
        message,
        strictness,
        message_type,
        candidates,
        ..
    } = subject;
    let message_type = message_type.as_str();
    // HL7 lets trading partners add site-defined Z segments. SS-MIX2 storage defines its own
    // grammar, so strict mode refuses unknown ones (the grammar does); lenient mode warns once
    // per such segment and checks the order of the others.
    let mut kept: Vec<(usize, &str)> = Vec::new();
    for (i, segment) in message.segments().enumerate() {
        let name = segment.name();
        if *strictness == Strictness::Lenient
            && name.starts_with('Z')
            && !grammar_mentions(message_type, name)
        {
            findings.push(Finding::new(
                Code::Hl7SegmentOrder,
                Severity::Warning,
                Location::segment(segment.index(), name).with_byte(segment.byte_offset()),
                msg!(
                    "hl7-segment-site-defined",
                    segment = name,
                    message_type = message_type
                ),
            ));
        } else {
            kept.push((i, name));
        }
    }
    let names: Vec<&str> = kept.iter().map(|(_, name)| *name).collect();
    let mut pid_reported_missing = false;
    if let Some(grammar) = grammar(message_type)
        && let Err(mismatch) = grammar.check(&names)
    {
        let expected = expected_segments(&mismatch.expected);
        let original = kept.get(mismatch.index).map(|(i, _)| *i);
        let at = original.and_then(|i| message.segment(i + 1));
        // The message's own index of the last segment the grammar saw (site-defined Z segments
        // skipped in lenient mode are not in `names`).
        let last_index = kept.last().map_or(1, |(i, _)| i + 1);
        let previous = mismatch
            .index
            .checked_sub(1)
            .and_then(|i| names.get(i))
            .copied()
            .unwrap_or("MSH");
        if let Some(missing) = missing_segment(grammar, &names, &mismatch) {
            pid_reported_missing = missing == "PID";
            let (location, message) = match (&mismatch.found, at) {
                (Some(found), Some(seg)) => (
                    Location::segment(seg.index(), seg.name()).with_byte(seg.byte_offset()),
                    msg!(
                        "hl7-segment-missing",
                        missing = &missing,
                        previous = previous,
                        message_type = message_type,
                        next = found
                    ),
                ),
                _ => (
                    Location::segment(last_index, previous),
                    msg!(
                        "hl7-segment-missing-at-end",
                        missing = &missing,
                        previous = previous,
                        message_type = message_type
                    ),
                ),
            };
            findings.push(
                Finding::new(Code::Hl7SegmentMissing, Severity::Error, location, message)
                    .with_hint(msg!(
                        "hl7-segment-missing-hint",
                        missing = &missing,
                        previous = previous,
                        message_type = message_type
                    )),
            );
        } else {
            let (location, text) = match (&mismatch.found, at) {
                (Some(found), Some(seg)) => (
                    Location::segment(seg.index(), seg.name()).with_byte(seg.byte_offset()),
                    msg!(
                        "hl7-segment-order",
                        found = found,
                        message_type = message_type,
                        expected = expected.clone()
                    ),
                ),
                _ => (
                    Location::segment(last_index, names.last().copied().unwrap_or("MSH")),
                    msg!(
                        "hl7-segment-order-at-end",
                        message_type = message_type,
                        last = names.last().copied().unwrap_or("MSH"),
                        expected = expected.clone()
                    ),
                ),
            };
            findings.push(Finding::new(
                Code::Hl7SegmentOrder,
                Severity::Error,
                location,
                text,
            ));
        }
    }
    // The HL7 structures of order and result messages make the patient group optional; SS-MIX2
    // storage does not, since PID-3 is the patient the file is stored under.
    if !candidates.is_empty() && !pid_reported_missing && message.first("PID").is_none() {
        findings.push(
            Finding::new(
                Code::Hl7SegmentMissing,
                Severity::Error,
                Location::segment(1, "MSH"),
                msg!("hl7-pid-missing", message_type = message_type),
            )
            .with_hint(msg!("hl7-pid-missing-hint")),
        );
    }
}

/// SS-MIX2 required ("R") fields of the kinds the rules follow (only the rows for every kind
/// when a declared kind contradicts MSH-9).
fn check_required_fields(subject: &Subject<'_>, findings: &mut Findings) {
    let Subject { message, kinds, .. } = subject;
    for segment in message.segments().skip(1) {
        for (name, field, applies) in required_for(segment.name()) {
            let required = applies.is_empty()
                || (!kinds.is_empty() && kinds.iter().all(|k| applies.contains(k)));
            if required && segment.value(*field).is_empty() {
                findings.push(Finding::new(
                    Code::Hl7FieldRequired,
                    Severity::Error,
                    segment.field_location(*field),
                    if kinds.is_empty() {
                        msg!(
                            "hl7-field-required-every-kind",
                            segment = *name,
                            field = *field
                        )
                    } else {
                        msg!(
                            "hl7-field-required",
                            segment = *name,
                            field = *field,
                            kinds = kinds_text(kinds)
                        )
                    },
                ));
            }
        }
    }
}

/// The care-date field of the message's kind starts with a real `YYYYMMDD` date.
fn check_care_date_format(
    message: &Message,
    care_field: Option<ssmix2::FieldRef>,
    findings: &mut Findings,
) {
    if let Some(cf) = care_field {
        for segment in message.all(cf.segment) {
            let value = care_value(&segment, cf.field);
            if !value.is_empty() && !ssmix2::is_valid_date(&value) {
                findings.push(Finding::new(
                    Code::Hl7FieldFormat,
                    Severity::Error,
                    segment.field_location(cf.field),
                    msg!(
                        "hl7-care-date-format",
                        field = cf.to_string(),
                        found = quoted(segment.value(cf.field))
                    ),
                ));
            }
        }
    }
}

/// PID-3.1 fits SS-MIX2 storage: at most [`MAX_PATIENT_ID`] characters.
fn check_patient_id_length(subject: &Subject<'_>, facts: &Facts<'_>, findings: &mut Findings) {
    // SS-MIX2 keys storage on the patient ID: at most 15 characters (the file name's first
    // field, the index database's PatientID VARCHAR(15)).
    if let (Some(id), Some(pid)) = (&facts.patient_id, &facts.pid)
        && !subject.candidates.is_empty()
        && id.chars().count() > MAX_PATIENT_ID
    {
        let location = facts.patient_id_location(pid);
        findings.push(
            Finding::new(
                Code::Ssmix2PatientIdLength,
                lenient_severity(subject.strictness),
                location,
                msg!(
                    "ssmix2-patient-id-length",
                    found = quoted(id),
                    count = id.chars().count(),
                    max = MAX_PATIENT_ID
                ),
            )
            .with_hint(msg!("ssmix2-patient-id-length-hint", max = MAX_PATIENT_ID)),
        );
    }
}

/// The SS-MIX2 file name against the content: patient ID = PID-3, care date = the data
/// kind's source field, order number = ORC-2 (order and result kinds), a 15-digit order number.
fn check_file_name(
    subject: &Subject<'_>,
    facts: &Facts<'_>,
    file: &FileName,
    kind_mismatch: bool,
    care_field: Option<ssmix2::FieldRef>,
    findings: &mut Findings,
) {
    match (&facts.patient_id, &facts.pid) {
        (Some(id), Some(pid)) if *id != file.patient_id => {
            let location = facts.patient_id_location(pid);
            findings.push(
                Finding::new(
                    Code::Ssmix2PatientId,
                    Severity::Error,
                    location,
                    msg!(
                        "ssmix2-patient-id",
                        found = quoted(id),
                        file = quoted(&file.patient_id)
                    ),
                )
                .with_hint(msg!("ssmix2-patient-id-hint")),
            );
        }
        _ => {}
    }
    if !kind_mismatch {
        check_care_date(
            subject.message,
            file,
            care_field,
            subject.strictness,
            findings,
        );
    }
    // Updates (_1 → _2) and deletions (_0) are keyed on the file name's order number, so
    // for order and result kinds it must be ORC-2 (PPR-01 keeps every disease in one file
    // under 999999999999999, whatever its ORCs say).
    let kinds = &subject.kinds;
    let keyed_on_orc2 = !kinds.is_empty() && kinds.iter().all(|k| ORDER_FILE_KINDS.contains(k));
    if keyed_on_orc2
        && let (Some(orc), Some(order)) = (&facts.first_orc, &facts.order_number)
        && !same_order_number(order, &file.order_number)
    {
        findings.push(
            Finding::new(
                Code::Ssmix2OrderNumber,
                lenient_severity(subject.strictness),
                Location {
                    component: Some(1),
                    ..orc.field_location(2)
                },
                msg!(
                    "ssmix2-order-number",
                    found = quoted(order),
                    file = quoted(&file.order_number)
                ),
            )
            .with_hint(msg!("ssmix2-order-number-hint")),
        );
    }
    if file.order_number.len() != 15 || !file.order_number.bytes().all(|b| b.is_ascii_digit()) {
        findings.push(Finding::new(
            Code::Ssmix2FileName,
            Severity::Warning,
            Location::default(),
            msg!(
                "ssmix2-order-number-digits",
                found = quoted(&file.order_number)
            ),
        ));
    }
}

/// The SS-MIX2 charset policy (ISO-2022-JP), then every character outside strict JIS X 0208,
/// unless the text is garbled (a decode failure) or provably clean.
fn check_characters(
    bytes: &[u8],
    parsed: &super::Parsed,
    message: &Message,
    findings: &mut Findings,
) {
    if message.charset() != Charset::Iso2022Jp && !message.text().is_ascii() {
        findings.push(Finding::new(
            Code::Ssmix2Charset,
            Severity::Warning,
            Location::field(1, "MSH", 18),
            msg!("ssmix2-charset", charset = message.charset().as_str()),
        ));
    }
    // After a decode failure the text holds replacement or misaligned characters; linting it
    // would report characters the sender never wrote.
    let garbled = parsed.problems.iter().any(|p| {
        matches!(
            p.code(),
            Code::Hl7CharsetDecode
                | Code::Hl7Charset8bit
                | Code::Hl7CharsetUndeclared
                | Code::Hl7CharsetUnknown
        )
    });
    // Clean ISO-2022-JP without vendor rows decodes only to strict JIS X 0208: nothing to lint.
    let provably_clean = message.charset() == Charset::Iso2022Jp
        && parsed
            .problems
            .iter()
            .all(|p| !matches!(p.code(), Code::Hl7CharsetEscape))
        && !crate::charset::has_vendor_rows(bytes);
    if !garbled && !provably_clean {
        lint_characters(message, findings);
    }
}

/// The care-date field of the kinds the rules follow (else of the message's own kind).
fn care_field_of(
    kinds: &[DataKind],
    candidates: &[DataKind],
    type_: &str,
    trigger: &str,
) -> Option<ssmix2::FieldRef> {
    kinds
        .first()
        .or(candidates.first())
        .and_then(|k| k.event(type_, trigger))
        .and_then(|e| e.care_date)
}

/// An HL7 v2.5 data type a field is checked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DataType {
    /// Date `YYYY[MM[DD]]`.
    Dt,
    /// Time stamp / date-time `YYYY[MM[DD[HH[MM[SS[.S[S[S[S]]]]]]]]][+/-ZZZZ]` (TS.1 is a DTM).
    Ts,
    /// Numeric: an optional sign, digits, an optional decimal point.
    Nm,
}

impl DataType {
    /// The HL7 name, which the catalogue's `hl7-data-type` explains.
    fn code(self) -> &'static str {
        match self {
            DataType::Dt => "DT",
            DataType::Ts => "TS",
            DataType::Nm => "NM",
        }
    }

    fn accepts(self, value: &str) -> bool {
        match self {
            DataType::Dt => {
                [4, 6, 8].contains(&value.len())
                    && !value.contains(['+', '-', '.'])
                    && is_hl7_ts(value)
            }
            DataType::Ts => is_hl7_ts(value),
            DataType::Nm => is_hl7_nm(value),
        }
    }

    /// OBX-2 value type → the type OBX-5 must have (only those SS-MIX2 data rely on).
    fn of_value_type(code: &str) -> Option<DataType> {
        match code {
            "NM" => Some(DataType::Nm),
            "DT" => Some(DataType::Dt),
            "TS" | "DTM" => Some(DataType::Ts),
            _ => None,
        }
    }
}

/// HL7 NM: `[+|-]digits[.digits]`, with at least one digit.
fn is_hl7_nm(value: &str) -> bool {
    let unsigned = value.strip_prefix(['+', '-']).unwrap_or(value);
    let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    !(whole.is_empty() && fraction.is_empty())
        && whole.bytes().all(|b| b.is_ascii_digit())
        && fraction.bytes().all(|b| b.is_ascii_digit())
}

/// Date and time fields of the segments SS-MIX2 stores, with their HL7 v2.5 types; the first
/// component is checked (TS.1, DR.1 for SPM-17). MSH-7 has its own code (`HL7-MSH-DATETIME`)
/// and a kind's care-date field its own finding, so neither is listed or checked twice.
const TYPED_FIELDS: &[(&str, usize, DataType)] = &[
    ("EVN", 2, DataType::Ts),
    ("EVN", 3, DataType::Ts),
    ("EVN", 6, DataType::Ts),
    ("PID", 7, DataType::Ts),
    ("PID", 29, DataType::Ts),
    ("PID", 33, DataType::Ts),
    ("PV1", 44, DataType::Ts),
    ("PV1", 45, DataType::Ts),
    ("PV2", 8, DataType::Ts),
    ("PV2", 9, DataType::Ts),
    ("PV2", 47, DataType::Ts),
    ("AL1", 6, DataType::Dt),
    ("IN1", 12, DataType::Dt),
    ("IN1", 13, DataType::Dt),
    ("ORC", 9, DataType::Ts),
    ("ORC", 15, DataType::Ts),
    ("TQ1", 7, DataType::Ts),
    ("TQ1", 8, DataType::Ts),
    ("RXA", 3, DataType::Ts),
    ("RXA", 4, DataType::Ts),
    ("SPM", 17, DataType::Ts),
    ("SPM", 18, DataType::Ts),
    ("OBR", 7, DataType::Ts),
    ("OBR", 8, DataType::Ts),
    ("OBR", 22, DataType::Ts),
    ("OBX", 14, DataType::Ts),
    ("OBX", 19, DataType::Ts),
    ("PRB", 2, DataType::Ts),
    ("PRB", 7, DataType::Ts),
    ("PRB", 16, DataType::Ts),
];

/// Field values against the HL7 data types JAHIS / SS-MIX2 rely on: dates and time stamps
/// (month and day ranges included) in [`TYPED_FIELDS`], and OBX-5 against OBX-2 (NM, DT, TS).
/// Error strict, warning lenient.
fn check_data_types(
    message: &Message,
    care_field: Option<ssmix2::FieldRef>,
    strictness: Strictness,
    findings: &mut Findings,
) {
    let mut report = |segment: &Segment<'_>,
                      field: usize,
                      value: &str,
                      data_type: DataType,
                      declared_by: Option<&str>| {
        let what = msg!("hl7-data-type", data_type = data_type.code());
        let message = match declared_by {
            None => msg!(
                "hl7-field-datatype",
                segment = segment.name(),
                field = field,
                found = quoted(value),
                data_type = what
            ),
            Some(value_type) => msg!(
                "hl7-field-datatype-obx",
                segment = segment.name(),
                field = field,
                found = quoted(value),
                data_type = what,
                value_type = value_type
            ),
        };
        findings.push(
            Finding::new(
                Code::Hl7FieldDatatype,
                lenient_severity(strictness),
                Location {
                    component: Some(1),
                    ..segment.field_location(field)
                },
                message,
            )
            .with_hint(match data_type {
                DataType::Nm => msg!("hl7-number-hint"),
                DataType::Dt | DataType::Ts => msg!("hl7-date-hint"),
            }),
        );
    };
    for segment in message.segments().skip(1) {
        let name = segment.name();
        for (_, field, data_type) in TYPED_FIELDS.iter().filter(|(s, _, _)| *s == name) {
            let is_care_field =
                care_field.is_some_and(|cf| cf.segment == name && cf.field == *field);
            let value = segment.field(*field).map(|f| f.component(1)).unwrap_or("");
            if !is_care_field && !value.is_empty() && !data_type.accepts(value) {
                report(&segment, *field, value, *data_type, None);
            }
        }
        if name == "OBX" {
            let value_type = segment.field(2).map(|f| f.component(1)).unwrap_or("");
            if let Some(data_type) = DataType::of_value_type(value_type)
                && let Some(field) = segment.field(5)
            {
                for repetition in field.repetitions() {
                    let value = repetition.component(1);
                    if !value.is_empty() && !data_type.accepts(value) {
                        report(&segment, 5, value, data_type, Some(value_type));
                    }
                }
            }
        }
    }
}

/// ORC-2 names the same order as a file name's order number: equal, or the file name holds
/// the digits of ORC-2 zero-padded to 15 (what SS-MIX2 writers do).
fn same_order_number(orc2: &str, in_file_name: &str) -> bool {
    orc2 == in_file_name
        || (orc2.len() < 15
            && orc2.bytes().all(|b| b.is_ascii_digit())
            && in_file_name.len() == 15
            && in_file_name.ends_with(orc2)
            && in_file_name
                .get(..15 - orc2.len())
                .is_some_and(|padding| padding.bytes().all(|b| b == b'0')))
}

/// The segment whose absence explains a grammar mismatch, if one does: written where the
/// message went wrong, it lets the grammar read on past the segment it refused (or, at the end
/// of the message, complete it), and it does not occur further on (then the problem is the
/// order, which `HL7-SEGMENT-ORDER` reports). Of several, the one that reads on furthest.
fn missing_segment(grammar: &Grammar, names: &[&str], mismatch: &Mismatch) -> Option<String> {
    let at = mismatch.index.min(names.len());
    let (before, after) = names.split_at(at);
    let mut best: Option<(usize, &String)> = None;
    for candidate in &mismatch.expected {
        let is_segment =
            candidate.len() == 3 && candidate.bytes().all(|b| b.is_ascii_alphanumeric());
        if !is_segment || after.contains(&candidate.as_str()) {
            continue;
        }
        let trial: Vec<&str> = before
            .iter()
            .copied()
            .chain(std::iter::once(candidate.as_str()))
            .chain(after.iter().copied())
            .collect();
        let reached = match grammar.check(&trial) {
            Ok(()) => usize::MAX,
            Err(m) => m.index,
        };
        let enough = match mismatch.found {
            Some(_) => reached > at + 1,
            None => reached == usize::MAX,
        };
        if enough && best.is_none_or(|(b, _)| reached > b) {
            best = Some((reached, candidate));
        }
    }
    best.map(|(_, name)| name.clone())
}

/// The grammar's expected segments as a phrase: segment names as they are, and the grammar's
/// two non-segment tokens ("end of message", "any segment") in the reader's words.
fn expected_segments(expected: &[String]) -> crate::finding::Message {
    let items = expected
        .iter()
        .map(|token| match token.as_str() {
            "end of message" => msg!("hl7-end-of-message").into(),
            "any segment" => msg!("hl7-any-segment").into(),
            name => crate::finding::Arg::from(name),
        })
        .collect();
    crate::finding::list("list-comma", items)
}

fn kinds_text(kinds: &[DataKind]) -> String {
    kinds.iter().map(|k| k.code()).collect::<Vec<_>>().join("/")
}

/// PID-3.1 of the repetition typed `PI` (CX.5), else of the first repetition.
fn patient_id(pid: Segment<'_>) -> (Option<String>, usize) {
    let Some(field) = pid.field(3) else {
        return (None, 1);
    };
    let reps: Vec<_> = field.repetitions().collect();
    let chosen = reps
        .iter()
        .position(|r| r.component(5) == "PI")
        .unwrap_or(0);
    let id = reps
        .get(chosen)
        .map(|r| r.component(1).to_owned())
        .filter(|s| !s.is_empty());
    (id, chosen + 1)
}

fn check_care_date(
    message: &Message,
    file: &FileName,
    care_field: Option<ssmix2::FieldRef>,
    strictness: Strictness,
    findings: &mut Findings,
) {
    let kind = file.data_kind;
    match (care_field, &file.care_date) {
        (None, None) => {}
        (None, Some(date)) => findings.push(Finding::new(
            Code::Ssmix2CareDate,
            Severity::Error,
            Location::default(),
            msg!("ssmix2-care-date-none", kind = kind.code(), date = date),
        )),
        (Some(cf), None) => findings.push(Finding::new(
            Code::Ssmix2CareDate,
            Severity::Error,
            Location::default(),
            msg!(
                "ssmix2-care-date-dash",
                kind = kind.code(),
                field = cf.to_string()
            ),
        )),
        (Some(cf), Some(date)) => {
            let mut seen = false;
            for segment in message.all(cf.segment) {
                seen = true;
                let value = care_value(&segment, cf.field);
                let location = segment.field_location(cf.field);
                if value.is_empty() {
                    findings.push(
                        Finding::new(
                            Code::Ssmix2CareDate,
                            lenient_severity(strictness),
                            location,
                            msg!(
                                "ssmix2-care-date-empty",
                                field = cf.to_string(),
                                date = date,
                                kind = kind.code()
                            ),
                        )
                        .with_hint(msg!("ssmix2-care-date-empty-hint", field = cf.to_string())),
                    );
                } else if value != *date {
                    findings.push(
                        Finding::new(
                            Code::Ssmix2CareDate,
                            Severity::Error,
                            location,
                            msg!(
                                "ssmix2-care-date",
                                field = cf.to_string(),
                                found = &value,
                                date = date
                            ),
                        )
                        .with_hint(msg!("ssmix2-care-date-hint")),
                    );
                }
            }
            if !seen {
                findings.push(Finding::new(
                    Code::Ssmix2CareDate,
                    Severity::Error,
                    Location::default(),
                    msg!(
                        "ssmix2-care-date-no-segment",
                        kind = kind.code(),
                        field = cf.to_string(),
                        segment = cf.segment
                    ),
                ));
            }
        }
    }
}

/// Report every character outside strict JIS X 0208 with its position.
fn lint_characters(message: &Message, findings: &mut Findings) {
    for segment in message.segments() {
        let text = segment.as_str();
        if text.is_ascii() {
            continue;
        }
        for (pos, c) in text.char_indices() {
            if c.is_ascii() || c == '\u{FFFD}' {
                continue;
            }
            let ch = format!("{c:?}");
            let code_point = format!("{:04X}", u32::from(c));
            let (code, severity, message, hint) = match jis::classify(c) {
                Class::X0208 => continue,
                Class::MappingVariant { whatwg } => (
                    Code::JisMappingVariant,
                    Severity::Warning,
                    msg!(
                        "jis-mapping-variant",
                        ch = ch,
                        code = code_point,
                        whatwg_code = format!("{:04X}", u32::from(whatwg)),
                        whatwg = format!("{whatwg:?}")
                    ),
                    msg!("jis-mapping-variant-hint"),
                ),
                Class::Cp932 => (
                    Code::JisCp932,
                    Severity::Error,
                    msg!("jis-cp932", ch = ch, code = code_point),
                    msg!("jis-cp932-hint"),
                ),
                Class::HalfwidthKana => (
                    Code::JisHalfwidthKana,
                    Severity::Error,
                    msg!("jis-halfwidth-kana", ch = ch, code = code_point),
                    msg!("jis-halfwidth-kana-hint"),
                ),
                Class::UserDefined => (
                    Code::JisUserDefined,
                    Severity::Error,
                    msg!("jis-user-defined", ch = ch, code = code_point),
                    msg!("jis-user-defined-hint"),
                ),
                Class::Outside => (
                    Code::JisOutsideX0208,
                    Severity::Error,
                    msg!("jis-outside-x0208", ch = ch, code = code_point),
                    msg!("jis-outside-x0208-hint"),
                ),
            };
            findings
                .push(Finding::new(code, severity, segment.locate(pos), message).with_hint(hint));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_grammar_compiles() {
        for kind in DataKind::ALL {
            for event in kind.events() {
                let key = format!("{}^{}", event.message_type, event.trigger);
                let source = grammar_source(&key).unwrap_or_else(|| panic!("no grammar for {key}"));
                Grammar::compile(&source).unwrap_or_else(|e| panic!("{key}: {e}"));
            }
        }
    }

    #[test]
    fn recognises_hl7_timestamps() {
        for ok in [
            "2011",
            "20111220",
            "201112202100",
            "20111220224447.3399",
            "20111220224447+0900",
        ] {
            assert!(is_hl7_ts(ok), "{ok}");
        }
        for bad in [
            "",
            "2011122",
            "20111320",
            "20111220246000",
            "x",
            "20111220.1",
        ] {
            assert!(!is_hl7_ts(bad), "{bad}");
        }
    }
}
