//! The HTTP side of the center: the service API on both TLS listeners ([`service`], with uploads
//! in [`upload`]) and the admin API and web view ([`admin`]).

pub mod admin;
pub mod service;
pub mod upload;
