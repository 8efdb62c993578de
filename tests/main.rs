//! End-to-end tests across the workspace: the store client and the mock service center run in
//! this process, through their library APIs, exactly as a vendor's CI would embed them.
//!
//! One test binary (ripgrep's layout); each module is a user story.

mod certificate_trouble;
mod clinic_upload;
mod conformance_run;
mod requirements;
mod support;
mod web_view;
