//! Names of the HL7 v2.5 segments and fields that JAHIS / SS-MIX2 messages use, so the HL7 view
//! can say `PID-5 Patient Name` instead of a bare number. Names are HL7 v2.5's own (chapter 2,
//! 3, 4, 7, 8; the field tables of each segment definition); a segment or field missing here
//! is shown by its number only (JAHIS Z-segments, fields after the last one listed).

/// A segment's name and its field names, field 1 first.
struct SegmentDef {
    id: &'static str,
    name: &'static str,
    fields: &'static [&'static str],
}

#[rustfmt::skip]
const SEGMENTS: &[SegmentDef] = &[
    SegmentDef {
        id: "MSH",
        name: "Message Header",
        fields: &[
            "Field Separator", "Encoding Characters", "Sending Application", "Sending Facility",
            "Receiving Application", "Receiving Facility", "Date/Time of Message", "Security",
            "Message Type", "Message Control ID", "Processing ID", "Version ID",
            "Sequence Number", "Continuation Pointer", "Accept Acknowledgment Type",
            "Application Acknowledgment Type", "Country Code", "Character Set",
            "Principal Language of Message", "Alternate Character Set Handling Scheme",
            "Message Profile Identifier",
        ],
    },
    SegmentDef {
        id: "EVN",
        name: "Event Type",
        fields: &[
            "Event Type Code", "Recorded Date/Time", "Date/Time Planned Event",
            "Event Reason Code", "Operator ID", "Event Occurred", "Event Facility",
        ],
    },
    SegmentDef {
        id: "PID",
        name: "Patient Identification",
        fields: &[
            "Set ID - PID", "Patient ID", "Patient Identifier List", "Alternate Patient ID - PID",
            "Patient Name", "Mother's Maiden Name", "Date/Time of Birth", "Administrative Sex",
            "Patient Alias", "Race", "Patient Address", "County Code", "Phone Number - Home",
            "Phone Number - Business", "Primary Language", "Marital Status", "Religion",
            "Patient Account Number", "SSN Number - Patient", "Driver's License Number - Patient",
            "Mother's Identifier", "Ethnic Group", "Birth Place", "Multiple Birth Indicator",
            "Birth Order", "Citizenship", "Veterans Military Status", "Nationality",
            "Patient Death Date and Time", "Patient Death Indicator",
            "Identity Unknown Indicator", "Identity Reliability Code", "Last Update Date/Time",
            "Last Update Facility", "Species Code", "Breed Code", "Strain",
            "Production Class Code", "Tribal Citizenship",
        ],
    },
    SegmentDef {
        id: "PV1",
        name: "Patient Visit",
        fields: &[
            "Set ID - PV1", "Patient Class", "Assigned Patient Location", "Admission Type",
            "Preadmit Number", "Prior Patient Location", "Attending Doctor", "Referring Doctor",
            "Consulting Doctor", "Hospital Service", "Temporary Location",
            "Preadmit Test Indicator", "Re-admission Indicator", "Admit Source",
            "Ambulatory Status", "VIP Indicator", "Admitting Doctor", "Patient Type",
            "Visit Number", "Financial Class", "Charge Price Indicator", "Courtesy Code",
            "Credit Rating", "Contract Code", "Contract Effective Date", "Contract Amount",
            "Contract Period", "Interest Code", "Transfer to Bad Debt Code",
            "Transfer to Bad Debt Date", "Bad Debt Agency Code", "Bad Debt Transfer Amount",
            "Bad Debt Recovery Amount", "Delete Account Indicator", "Delete Account Date",
            "Discharge Disposition", "Discharged to Location", "Diet Type",
            "Servicing Facility", "Bed Status", "Account Status", "Pending Location",
            "Prior Temporary Location", "Admit Date/Time", "Discharge Date/Time",
            "Current Patient Balance", "Total Charges", "Total Adjustments", "Total Payments",
            "Alternate Visit ID", "Visit Indicator", "Other Healthcare Provider",
        ],
    },
    SegmentDef {
        id: "PV2",
        name: "Patient Visit - Additional Information",
        fields: &[
            "Prior Pending Location", "Accommodation Code", "Admit Reason", "Transfer Reason",
            "Patient Valuables", "Patient Valuables Location", "Visit User Code",
            "Expected Admit Date/Time", "Expected Discharge Date/Time",
            "Estimated Length of Inpatient Stay", "Actual Length of Inpatient Stay",
            "Visit Description", "Referral Source Code", "Previous Service Date",
            "Employment Illness Related Indicator", "Purge Status Code", "Purge Status Date",
            "Special Program Code", "Retention Indicator", "Expected Number of Insurance Plans",
            "Visit Publicity Code", "Visit Protection Indicator", "Clinic Organization Name",
            "Patient Status Code", "Visit Priority Code", "Previous Treatment Date",
            "Expected Discharge Disposition", "Signature on File Date",
            "First Similar Illness Date", "Patient Charge Adjustment Code",
            "Recurring Service Code", "Billing Media Code", "Expected Surgery Date and Time",
            "Military Partnership Code", "Military Non-Availability Code",
            "Newborn Baby Indicator", "Baby Detained Indicator", "Mode of Arrival Code",
            "Recreational Drug Use Code", "Admission Level of Care Code", "Precaution Code",
            "Patient Condition Code", "Living Will Code", "Organ Donor Code",
            "Advance Directive Code", "Patient Status Effective Date",
            "Expected LOA Return Date/Time", "Expected Pre-admission Testing Date/Time",
            "Notify Clergy Code",
        ],
    },
    SegmentDef {
        id: "ORC",
        name: "Common Order",
        fields: &[
            "Order Control", "Placer Order Number", "Filler Order Number", "Placer Group Number",
            "Order Status", "Response Flag", "Quantity/Timing", "Parent",
            "Date/Time of Transaction", "Entered By", "Verified By", "Ordering Provider",
            "Enterer's Location", "Call Back Phone Number", "Order Effective Date/Time",
            "Order Control Code Reason", "Entering Organization", "Entering Device",
            "Action By", "Advanced Beneficiary Notice Code", "Ordering Facility Name",
            "Ordering Facility Address", "Ordering Facility Phone Number",
            "Ordering Provider Address", "Order Status Modifier",
            "Advanced Beneficiary Notice Override Reason",
            "Filler's Expected Availability Date/Time", "Confidentiality Code", "Order Type",
            "Enterer Authorization Mode", "Parent Universal Service Identifier",
        ],
    },
    SegmentDef {
        id: "RXE",
        name: "Pharmacy/Treatment Encoded Order",
        fields: &[
            "Quantity/Timing", "Give Code", "Give Amount - Minimum", "Give Amount - Maximum",
            "Give Units", "Give Dosage Form", "Provider's Administration Instructions",
            "Deliver-To Location", "Substitution Status", "Dispense Amount", "Dispense Units",
            "Number of Refills", "Ordering Provider's DEA Number",
            "Pharmacist/Treatment Supplier's Verifier ID", "Prescription Number",
            "Number of Refills Remaining", "Number of Refills/Doses Dispensed",
            "D/T of Most Recent Refill or Dose Dispensed", "Total Daily Dose",
            "Needs Human Review", "Pharmacy/Treatment Supplier's Special Dispensing Instructions",
            "Give Per (Time Unit)", "Give Rate Amount", "Give Rate Units", "Give Strength",
            "Give Strength Units", "Give Indication", "Dispense Package Size",
            "Dispense Package Size Unit", "Dispense Package Method", "Supplementary Code",
            "Original Order Date/Time", "Give Drug Strength Volume",
            "Give Drug Strength Volume Units", "Controlled Substance Schedule",
            "Formulary Status", "Pharmaceutical Substance Alternative",
            "Pharmacy of Most Recent Fill", "Initial Dispense Amount", "Dispensing Pharmacy",
            "Dispensing Pharmacy Address", "Deliver-to Patient Location", "Deliver-to Address",
            "Pharmacy Order Type",
        ],
    },
    SegmentDef {
        id: "RXR",
        name: "Pharmacy/Treatment Route",
        fields: &[
            "Route", "Administration Site", "Administration Device", "Administration Method",
            "Routing Instruction", "Administration Site Modifier",
        ],
    },
    SegmentDef {
        id: "RXA",
        name: "Pharmacy/Treatment Administration",
        fields: &[
            "Give Sub-ID Counter", "Administration Sub-ID Counter",
            "Date/Time Start of Administration", "Date/Time End of Administration",
            "Administered Code", "Administered Amount", "Administered Units",
            "Administered Dosage Form", "Administration Notes", "Administering Provider",
            "Administered-at Location", "Administered Per (Time Unit)", "Administered Strength",
            "Administered Strength Units", "Substance Lot Number", "Substance Expiration Date",
            "Substance Manufacturer Name", "Substance/Treatment Refusal Reason", "Indication",
            "Completion Status", "Action Code - RXA", "System Entry Date/Time",
            "Administered Drug Strength Volume", "Administered Drug Strength Volume Units",
            "Administered Barcode Identifier", "Pharmacy Order Type",
        ],
    },
    SegmentDef {
        id: "TQ1",
        name: "Timing/Quantity",
        fields: &[
            "Set ID - TQ1", "Quantity", "Repeat Pattern", "Explicit Time",
            "Relative Time and Units", "Service Duration", "Start Date/Time", "End Date/Time",
            "Priority", "Condition Text", "Text Instruction", "Conjunction",
            "Occurrence Duration", "Total Occurrences",
        ],
    },
    SegmentDef {
        id: "OBR",
        name: "Observation Request",
        fields: &[
            "Set ID - OBR", "Placer Order Number", "Filler Order Number",
            "Universal Service Identifier", "Priority - OBR", "Requested Date/Time",
            "Observation Date/Time", "Observation End Date/Time", "Collection Volume",
            "Collector Identifier", "Specimen Action Code", "Danger Code",
            "Relevant Clinical Information", "Specimen Received Date/Time", "Specimen Source",
            "Ordering Provider", "Order Callback Phone Number", "Placer Field 1",
            "Placer Field 2", "Filler Field 1", "Filler Field 2",
            "Results Rpt/Status Chng - Date/Time", "Charge to Practice",
            "Diagnostic Serv Sect ID", "Result Status", "Parent Result", "Quantity/Timing",
            "Result Copies To", "Parent", "Transportation Mode", "Reason for Study",
            "Principal Result Interpreter", "Assistant Result Interpreter", "Technician",
            "Transcriptionist", "Scheduled Date/Time", "Number of Sample Containers",
            "Transport Logistics of Collected Sample", "Collector's Comment",
            "Transport Arrangement Responsibility", "Transport Arranged", "Escort Required",
            "Planned Patient Transport Comment", "Procedure Code", "Procedure Code Modifier",
            "Placer Supplemental Service Information", "Filler Supplemental Service Information",
            "Medically Necessary Duplicate Procedure Reason", "Result Handling",
            "Parent Universal Service Identifier",
        ],
    },
    SegmentDef {
        id: "OBX",
        name: "Observation/Result",
        fields: &[
            "Set ID - OBX", "Value Type", "Observation Identifier", "Observation Sub-ID",
            "Observation Value", "Units", "References Range", "Abnormal Flags", "Probability",
            "Nature of Abnormal Test", "Observation Result Status",
            "Effective Date of Reference Range", "User Defined Access Checks",
            "Date/Time of the Observation", "Producer's ID", "Responsible Observer",
            "Observation Method", "Equipment Instance Identifier", "Date/Time of the Analysis",
        ],
    },
    SegmentDef {
        id: "SPM",
        name: "Specimen",
        fields: &[
            "Set ID - SPM", "Specimen ID", "Specimen Parent IDs", "Specimen Type",
            "Specimen Type Modifier", "Specimen Additives", "Specimen Collection Method",
            "Specimen Source Site", "Specimen Source Site Modifier", "Specimen Collection Site",
            "Specimen Role", "Specimen Collection Amount", "Grouped Specimen Count",
            "Specimen Description", "Specimen Handling Code", "Specimen Risk Code",
            "Specimen Collection Date/Time", "Specimen Received Date/Time",
            "Specimen Expiration Date/Time", "Specimen Availability", "Specimen Reject Reason",
            "Specimen Quality", "Specimen Appropriateness", "Specimen Condition",
            "Specimen Current Quantity", "Number of Specimen Containers", "Container Type",
            "Container Condition", "Specimen Child Role",
        ],
    },
    SegmentDef {
        id: "AL1",
        name: "Patient Allergy Information",
        fields: &[
            "Set ID - AL1", "Allergen Type Code", "Allergen Code/Mnemonic/Description",
            "Allergy Severity Code", "Allergy Reaction Code", "Identification Date",
        ],
    },
    SegmentDef {
        id: "PRB",
        name: "Problem Details",
        fields: &[
            "Action Code", "Action Date/Time", "Problem ID", "Problem Instance ID",
            "Episode of Care ID", "Problem List Priority", "Problem Established Date/Time",
            "Anticipated Problem Resolution Date/Time", "Actual Problem Resolution Date/Time",
            "Problem Classification", "Problem Management Discipline", "Problem Persistence",
            "Problem Confirmation Status", "Problem Life Cycle Status",
            "Problem Life Cycle Status Date/Time", "Problem Date of Onset",
            "Problem Onset Text", "Problem Ranking", "Certainty of Problem",
            "Probability of Problem (0-1)", "Individual Awareness of Problem",
            "Problem Prognosis", "Individual Awareness of Prognosis",
            "Family/Significant Other Awareness of Problem/Prognosis", "Security/Sensitivity",
        ],
    },
    SegmentDef {
        id: "NTE",
        name: "Notes and Comments",
        fields: &["Set ID - NTE", "Source of Comment", "Comment", "Comment Type"],
    },
    SegmentDef {
        id: "ODS",
        name: "Dietary Orders, Supplements, and Preferences",
        fields: &[
            "Type", "Service Period", "Diet, Supplement, or Preference Code", "Text Instruction",
        ],
    },
    SegmentDef {
        id: "IN1",
        name: "Insurance",
        fields: &[
            "Set ID - IN1", "Insurance Plan ID", "Insurance Company ID", "Insurance Company Name",
            "Insurance Company Address", "Insurance Co Contact Person",
            "Insurance Co Phone Number", "Group Number", "Group Name", "Insured's Group Emp ID",
            "Insured's Group Emp Name", "Plan Effective Date", "Plan Expiration Date",
            "Authorization Information", "Plan Type", "Name Of Insured",
            "Insured's Relationship To Patient", "Insured's Date Of Birth", "Insured's Address",
            "Assignment Of Benefits", "Coordination Of Benefits", "Coord Of Ben. Priority",
            "Notice Of Admission Flag", "Notice Of Admission Date", "Report Of Eligibility Flag",
            "Report Of Eligibility Date", "Release Information Code", "Pre-Admit Cert (PAC)",
            "Verification Date/Time", "Verification By", "Type Of Agreement Code",
            "Billing Status", "Lifetime Reserve Days", "Delay Before L.R. Day",
            "Company Plan Code", "Policy Number", "Policy Deductible", "Policy Limit - Amount",
            "Policy Limit - Days", "Room Rate - Semi-Private", "Room Rate - Private",
            "Insured's Employment Status", "Insured's Administrative Sex",
            "Insured's Employer's Address", "Verification Status", "Prior Insurance Plan ID",
            "Coverage Type", "Handicap", "Insured's ID Number", "Signature Code",
            "Signature Code Date", "Insured's Birth Place", "VIP Indicator",
        ],
    },
];

/// Component names of the data types the view splits with names (others are numbered only).
#[rustfmt::skip]
const MSG: &[&str] = &["Message Code", "Trigger Event", "Message Structure"];
#[rustfmt::skip]
const CX: &[&str] = &[
    "ID Number", "Check Digit", "Check Digit Scheme", "Assigning Authority",
    "Identifier Type Code", "Assigning Facility",
];
#[rustfmt::skip]
const XPN: &[&str] = &[
    "Family Name", "Given Name", "Second and Further Given Names", "Suffix", "Prefix", "Degree",
    "Name Type Code", "Name Representation Code",
];
#[rustfmt::skip]
const CWE: &[&str] = &[
    "Identifier", "Text", "Name of Coding System", "Alternate Identifier", "Alternate Text",
    "Name of Alternate Coding System",
];
#[rustfmt::skip]
const XCN: &[&str] = &[
    "ID Number", "Family Name", "Given Name", "Second and Further Given Names", "Suffix",
    "Prefix", "Degree", "Source Table", "Assigning Authority", "Name Type Code",
];

/// Fields whose components the view names: (segment, field, data type's components).
const TYPED: &[(&str, usize, &[&str])] = &[
    ("MSH", 9, MSG),
    ("PID", 3, CX),
    ("PID", 5, XPN),
    ("PID", 6, XPN),
    ("PV1", 7, XCN),
    ("PV1", 8, XCN),
    ("PV1", 17, XCN),
    ("ORC", 10, XCN),
    ("ORC", 12, XCN),
    ("ORC", 17, CWE),
    ("RXE", 2, CWE),
    ("RXE", 5, CWE),
    ("RXE", 6, CWE),
    ("RXE", 11, CWE),
    ("RXR", 1, CWE),
    ("OBR", 4, CWE),
    ("OBX", 3, CWE),
    ("OBX", 6, CWE),
    ("SPM", 4, CWE),
    ("AL1", 3, CWE),
    ("PRB", 3, CWE),
];

/// The segment's name (`Patient Identification`), if it is one the table knows.
pub(crate) fn segment_name(segment: &str) -> Option<&'static str> {
    SEGMENTS.iter().find(|s| s.id == segment).map(|s| s.name)
}

/// The field's name (`Patient Name` for `PID`, 5), if the table knows it.
pub(crate) fn field_name(segment: &str, field: usize) -> Option<&'static str> {
    let def = SEGMENTS.iter().find(|s| s.id == segment)?;
    def.fields.get(field.checked_sub(1)?).copied()
}

/// The name of component `component` (1-based) of a field, where its data type is known.
pub(crate) fn component_name(
    segment: &str,
    field: usize,
    component: usize,
) -> Option<&'static str> {
    let (_, _, names) = TYPED
        .iter()
        .find(|(s, f, _)| *s == segment && *f == field)?;
    names.get(component.checked_sub(1)?).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fields_jahis_messages_route_on_have_their_hl7_names() {
        // (segment, field, name): one row per field the brief and the SS-MIX2 router name.
        let cases = [
            ("MSH", 9, "Message Type"),
            ("MSH", 18, "Character Set"),
            ("PID", 3, "Patient Identifier List"),
            ("PID", 5, "Patient Name"),
            ("ORC", 2, "Placer Order Number"),
            ("ORC", 9, "Date/Time of Transaction"),
            ("OBX", 5, "Observation Value"),
            ("SPM", 17, "Specimen Collection Date/Time"),
            ("PV1", 44, "Admit Date/Time"),
            ("PV2", 47, "Expected LOA Return Date/Time"),
            ("RXA", 3, "Date/Time Start of Administration"),
            ("OBR", 7, "Observation Date/Time"),
            ("IN1", 53, "VIP Indicator"),
        ];
        for (segment, field, name) in cases {
            assert_eq!(field_name(segment, field), Some(name), "{segment}-{field}");
        }
        assert_eq!(field_name("ZPR", 1), None);
        assert_eq!(field_name("PID", 0), None);
        assert_eq!(component_name("PID", 5, 1), Some("Family Name"));
        assert_eq!(component_name("MSH", 9, 3), Some("Message Structure"));
    }
}
