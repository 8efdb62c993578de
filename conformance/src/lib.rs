//! `idlink-conformance`: runs a suite of scenarios against a vendor's store client and grades it.
//!
//! The runner never depends on `storeclient`: the grader must not share the graded uploader's
//! code, or a bug in both would hide itself. Verdicts come from the mock center's journal and
//! store, never from what the client says about itself.
//!
//! - [`report`]: the report model (the source of truth, versioned JSON) and its renderings
//!   (console, JUnit XML, HTML, CTRF).

pub mod report;
