//! Integration tests of `idlink-conformance` (one test binary, ripgrep's layout).

mod report;
