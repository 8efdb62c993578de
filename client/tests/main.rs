//! Integration tests of `storeclient` against the in-process mock service center.
//!
//! One test binary (`autotests = false`). Library tests drive [`storeclient::Client`]; CLI tests
//! run the real binary (assert_cmd) against a mock started in the test's own runtime. Waits are
//! scaled down with `retry.time_scale`, and timing claims are read from the mock's journal,
//! never from this process's clock.

mod cli;
mod connections;
mod crash;
mod languages;
mod library;
mod snapshots;
mod support;
