//! The HTTP side of the center: the service API on both TLS listeners ([`service`], with uploads
//! in [`upload`]) and the admin API and web view ([`admin`]), with the certificate desk's admin
//! routes in [`desk`].

pub mod admin;
pub mod desk;
pub mod service;
pub mod upload;
