//! DICOM detection. ID-Link's store client never accepts DICOM (images travel another way), so
//! a DICOM file is refused whatever document kind it was uploaded as.

use crate::{Code, Finding, Location, Severity, msg};

/// True for a DICOM Part 10 file: a 128-byte preamble followed by `DICM` at offset 128.
///
/// A bare `DICM` at offset 0 is *not* treated as DICOM: Part 10 requires the preamble, and a
/// short text file could start with those letters. Headerless DICOM datasets (no preamble at
/// all) are not detected either; they fail the requested kind's own checks instead.
pub fn is_dicom(bytes: &[u8]) -> bool {
    bytes.get(128..132) == Some(b"DICM")
}

/// The finding for a DICOM upload.
pub(crate) fn refusal() -> Finding {
    Finding::new(
        Code::DicomRefused,
        Severity::Error,
        Location::at_byte(128),
        msg!("dicom-refused"),
    )
    .with_hint(msg!("dicom-refused-hint"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_only_preamble_plus_magic() {
        let mut dicom = vec![0u8; 128];
        dicom.extend_from_slice(b"DICM\x02\x00");
        assert!(is_dicom(&dicom));
        assert!(!is_dicom(b"DICM and some text"));
        assert!(!is_dicom(&dicom[..130]));
    }
}
