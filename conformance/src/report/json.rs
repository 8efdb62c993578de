//! The JSON report: the source of truth every other rendering is made from.
//!
//! Field order is the declaration order of the model's structs (serde keeps it), so two runs
//! with the same results write byte-identical files and diffs between runs stay readable.
//! Reading checks the `schema` first, so a report from an incompatible version is refused with
//! a message naming both versions rather than with an arbitrary "missing field" error.

use serde::Deserialize;

use super::{REPORT_SCHEMA, Report};

/// Why a report could not be read or rendered.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The text is not JSON, or not a report of the supported schema's shape.
    #[error("not a valid conformance report: {0}")]
    Json(#[from] serde_json::Error),
    /// The JSON has no `schema` string at the top level.
    #[error("not a conformance report: no \"schema\" field (expected \"{REPORT_SCHEMA}\")")]
    MissingSchema,
    /// The report was written for another schema version.
    #[error("unsupported report schema \"{found}\": this tool reads \"{REPORT_SCHEMA}\"")]
    UnsupportedSchema {
        /// The `schema` the report declares.
        found: String,
    },
    /// The JUnit XML writer failed.
    #[error("could not write the JUnit XML: {0}")]
    Junit(#[from] quick_junit::SerializeError),
}

/// Renders the report as pretty-printed JSON (two-space indent, trailing newline).
pub fn to_json(report: &Report) -> String {
    // Serializing these plain structs (string keys, no maps with non-string keys, no custom
    // `Serialize` that can fail) cannot fail; a non-finite `time_scale` becomes `null`.
    let mut json = serde_json::to_string_pretty(report)
        .expect("invariant: the report model always serializes to JSON");
    json.push('\n');
    json
}

/// Reads a report written by [`to_json`] (or any writer of the same schema).
///
/// Unknown fields are ignored, so a report that gained optional fields in a compatible revision
/// of the same schema still reads.
pub fn from_json(text: &str) -> Result<Report, ReportError> {
    /// Only the schema, so the version is checked before the shape.
    #[derive(Deserialize)]
    struct Probe {
        schema: Option<serde_json::Value>,
    }

    let probe: Probe = serde_json::from_str(text)?;
    match probe.schema {
        Some(serde_json::Value::String(found)) if found == REPORT_SCHEMA => {}
        Some(serde_json::Value::String(found)) => {
            return Err(ReportError::UnsupportedSchema { found });
        }
        _ => return Err(ReportError::MissingSchema),
    }
    Ok(serde_json::from_str(text)?)
}
