//! The uploader's idea of the time, in one place, so a wrong clock can be diagnosed and tested.
//!
//! Certificates are judged by the clock of whoever checks them: the service center checks the
//! client certificate with its clock, the uploader checks the server certificate with this one.
//! A facility PC whose clock is days off therefore sees a perfectly good server certificate as
//! "expired" or "not yet valid", and `doctor` has to tell that apart from a bad certificate
//! (issue 13, "The clock"). [`LocalClock`] is what the TLS layer and `doctor` ask for the time;
//! tests shift it instead of the machine's clock.
//!
//! [`TimeTolerantVerifier`] is the other half: a server-certificate verifier that still checks
//! the chain, the name and the revocation status, but forgives a validity window that only looks
//! wrong *because of the local clock*. `doctor` uses it for one unauthenticated request whose
//! only purpose is to read the service center's `Date`; it is never used to upload.

use std::sync::{Arc, Mutex};

use idlink_i18n::{Lang, tr};
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, Error, SignatureScheme};
use time::{Duration, OffsetDateTime};

/// The time as this uploader sees it: the system clock, optionally shifted (tests).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LocalClock {
    offset: Duration,
}

impl LocalClock {
    /// The system clock.
    pub fn system() -> Self {
        Self::default()
    }

    /// The system clock shifted by `offset` (negative: behind). For tests of a wrong clock.
    pub fn shifted(offset: Duration) -> Self {
        Self { offset }
    }

    /// Now, by this clock.
    pub fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc() + self.offset
    }
}

impl rustls::time_provider::TimeProvider for LocalClock {
    fn current_time(&self) -> Option<UnixTime> {
        let secs = u64::try_from(self.now().unix_timestamp()).ok()?;
        Some(UnixTime::since_unix_epoch(std::time::Duration::from_secs(
            secs,
        )))
    }
}

/// Whether a rustls verdict is only about the validity window (the clock), not about trust.
pub fn is_time_error(e: &Error) -> bool {
    matches!(
        e,
        Error::InvalidCertificate(
            CertificateError::Expired
                | CertificateError::NotValidYet
                | CertificateError::ExpiredContext { .. }
                | CertificateError::NotValidYetContext { .. }
        )
    )
}

/// The validity window of a DER certificate, or `None` when it cannot be parsed.
pub fn validity(cert: &CertificateDer<'_>) -> Option<(OffsetDateTime, OffsetDateTime)> {
    let info = idlink_certs::inspect::cert_info(cert).ok()?;
    Some((info.not_before, info.not_after))
}

/// What [`TimeTolerantVerifier`] saw of the server's certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerValidity {
    /// Subject of the server's certificate.
    pub subject: String,
    /// Start of its validity.
    pub not_before: OffsetDateTime,
    /// End of its validity.
    pub not_after: OffsetDateTime,
}

/// Verifies the server's certificate fully, except that a window that is wrong only at the local
/// time is checked again at a time inside the window. Everything else (chain, name, key usage,
/// signature) must still pass.
#[derive(Debug)]
pub struct TimeTolerantVerifier {
    inner: Arc<WebPkiServerVerifier>,
    seen: Mutex<Option<ServerValidity>>,
}

impl TimeTolerantVerifier {
    /// Wraps a strict verifier.
    pub fn new(inner: Arc<WebPkiServerVerifier>) -> Self {
        Self {
            inner,
            seen: Mutex::new(None),
        }
    }

    /// The server certificate's validity, once a handshake has run.
    pub fn seen(&self) -> Option<ServerValidity> {
        self.seen.lock().ok().and_then(|s| s.clone())
    }
}

impl ServerCertVerifier for TimeTolerantVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, Error> {
        if let Ok(info) = idlink_certs::inspect::cert_info(end_entity)
            && let Ok(mut seen) = self.seen.lock()
        {
            *seen = Some(ServerValidity {
                subject: info.subject,
                not_before: info.not_before,
                not_after: info.not_after,
            });
        }
        match self.inner.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        ) {
            Err(e) if is_time_error(&e) => {
                let (not_before, not_after) = validity(end_entity).ok_or(e)?;
                let middle: OffsetDateTime = not_before + (not_after - not_before) / 2;
                let secs = u64::try_from(middle.unix_timestamp())
                    .map_err(|_| Error::InvalidCertificate(CertificateError::BadEncoding))?;
                self.inner.verify_server_cert(
                    end_entity,
                    intermediates,
                    server_name,
                    ocsp_response,
                    UnixTime::since_unix_epoch(std::time::Duration::from_secs(secs)),
                )
            }
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// How far `local` is from `server`, in words a person reads: "3 days behind", "5 min ahead of".
pub fn describe_skew(lang: Lang, local: OffsetDateTime, server: OffsetDateTime) -> String {
    let skew = local - server;
    let s = skew.whole_seconds().unsigned_abs();
    // Rounded: the service center's `Date` has whole seconds, so 3 days can read as 3 days less 1 s.
    let (key, n) = match s {
        0..=119 => ("doctor-skew-seconds", s),
        120..=7199 => ("doctor-skew-minutes", (s + 30) / 60),
        7200..=172_799 => ("doctor-skew-hours", (s + 1800) / 3600),
        _ => ("doctor-skew-days", (s + 43_200) / 86_400),
    };
    let amount = tr(lang, key, &[("n", n.into())]);
    let direction = if skew.is_negative() {
        "doctor-skew-behind"
    } else {
        "doctor-skew-ahead"
    };
    tr(lang, direction, &[("amount", amount.into())])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skew_reads_in_the_unit_a_person_would_use() {
        let server = OffsetDateTime::UNIX_EPOCH + Duration::days(20_000);
        let describe_skew = |local, server| describe_skew(Lang::En, local, server);
        assert_eq!(
            describe_skew(server - Duration::days(3), server),
            "3 days behind"
        );
        assert_eq!(
            describe_skew(server + Duration::minutes(7), server),
            "7 min ahead of"
        );
        assert_eq!(
            describe_skew(server + Duration::seconds(42), server),
            "42 s ahead of"
        );
        assert_eq!(
            describe_skew(server - Duration::hours(9), server),
            "9 hours behind"
        );
        assert_eq!(
            describe_skew(server - Duration::days(3) + Duration::seconds(1), server),
            "3 days behind"
        );
        assert_eq!(
            super::describe_skew(Lang::Ja, server - Duration::days(3), server),
            "3 日遅れて"
        );
    }

    #[test]
    fn a_shifted_clock_is_what_rustls_is_told() {
        use rustls::time_provider::TimeProvider;
        let clock = LocalClock::shifted(-Duration::days(3));
        let told = clock.current_time().unwrap().as_secs() as i64;
        let expected = (OffsetDateTime::now_utc() - Duration::days(3)).unix_timestamp();
        assert!((told - expected).abs() <= 2, "{told} vs {expected}");
    }
}
