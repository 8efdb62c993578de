//! `idlink-conformance`: runs a suite of scenarios against a vendor's store client and grades it.
//!
//! The runner never depends on `storeclient`: the grader must not share the graded uploader's
//! code, or a bug in both would hide itself. Verdicts come from the mock center's journal and
//! store, never from what the client says about itself.
//!
//! How the parts fit: a [`suite`] is a folder of scenario files; the [`runner`] starts an
//! isolated `idlink-mock` center per scenario, writes the vendor interface into a work directory
//! ([`workdir`]), runs the client command ([`execute`]), and [`grade`]s every expectation from
//! the journal's evidence; secrets are taken out of everything shown ([`redact`]). The
//! [`report`] model is rendered as console, JSON, JUnit XML, HTML and CTRF. [`replay`] turns a
//! field journal or trace into a scenario. [`cli`] is the command line.

pub mod cli;
pub mod execute;
pub mod grade;
pub mod redact;
pub mod replay;
pub mod report;
pub mod runner;
pub mod suite;
pub mod workdir;
