//! Integration tests of `idlink-conformance` (one test binary, ripgrep's layout).

mod coverage;
mod independence;
mod languages;
mod replay;
mod report;
mod uploaders;
