//! Offline pre-flight (`PROTO-CLI-005`): what a document is, whether it is valid, and the
//! metadata it carries, using the formats crate.

/// Whether the bytes start like a DICOM file (128-byte preamble + `DICM`).
pub fn is_dicom(head: &[u8]) -> bool {
    head.get(128..132) == Some(b"DICM")
}
