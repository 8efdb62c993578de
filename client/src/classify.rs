//! What a transport failure was, as far as the client can know it, and whether to try again.
//!
//! reqwest wraps hyper, which wraps rustls and the socket's `io::Error`; the useful facts sit at
//! the bottom of the `Error::source()` chain. We walk the whole chain and downcast instead of
//! matching on message text, which changes between versions.
//!
//! Under TLS 1.3 the client finishes its half of the handshake before the server has judged the
//! client certificate, so a rejected certificate often looks like a connection closed before
//! any response (docs/protocol.md, "Transport and TLS"). [`TransportFailure::ClosedBeforeResponse`]
//! therefore does **not** claim a reason; the upload loop decides, with a probe on a fresh
//! connection, whether to report "TLS rejected by the server (reason not given)"
//! (`PROTO-CLI-006`) or a retryable network failure.

use std::error::Error as StdError;
use std::fmt;
use std::io;

/// Whether sending the same request again may succeed (`PROTO-CLI-003`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ErrorClass {
    /// Network, timeouts, 5xx, 429, 409 upload-in-progress, maintenance.
    Retryable,
    /// Validation, consent, authentication, certificates, and every other 4xx.
    Final,
}

impl fmt::Display for ErrorClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Retryable => "retryable",
            Self::Final => "final",
        })
    }
}

/// A failure below HTTP, classified from the error chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransportFailure {
    /// No connection could be made (refused, unreachable, DNS). The server may be down.
    Unreachable {
        /// The lowest error's text.
        detail: String,
    },
    /// The connect or attempt deadline passed.
    Timeout,
    /// The server sent a TLS alert: this is the server's own stated reason.
    TlsAlert {
        /// The alert, e.g. `CertificateExpired`.
        alert: String,
    },
    /// This client refused the server's certificate (`PROTO-CLI-004`).
    ServerCertificate {
        /// What rustls said about it.
        detail: String,
    },
    /// Another TLS-level failure (no common version or cipher suite, bad message).
    Tls {
        /// What rustls said.
        detail: String,
    },
    /// The connection closed before any response arrived. The cause is not known here.
    ClosedBeforeResponse {
        /// The lowest error's text.
        detail: String,
    },
    /// Anything else on the wire (HTTP/2 stream reset, protocol error).
    Network {
        /// The lowest error's text.
        detail: String,
    },
}

impl TransportFailure {
    /// Classifies a reqwest error by walking its `source()` chain.
    pub fn of_reqwest(error: &reqwest::Error) -> Self {
        let fallback_timeout = error.is_timeout();
        let classified = Self::of_chain(error);
        match classified {
            Self::Network { .. } if fallback_timeout => Self::Timeout,
            Self::Network { detail } if error.is_connect() => Self::Unreachable { detail },
            // Closed while connecting, before our half of the handshake was done: the server
            // never judged a certificate (TLS 1.3 judges it after the client's Finished, so a
            // rejection arrives after connect). A refused or dropped connection: retryable.
            Self::ClosedBeforeResponse { detail } if error.is_connect() => Self::Unreachable {
                detail: format!("connection closed during the TLS handshake: {detail}"),
            },
            other => other,
        }
    }

    /// Classifies any error chain; the most specific fact found wins.
    pub fn of_chain(error: &(dyn StdError + 'static)) -> Self {
        let mut found: Option<Self> = None;
        let mut lowest = error.to_string();
        let mut current: Option<&(dyn StdError + 'static)> = Some(error);
        while let Some(e) = current {
            lowest = e.to_string();
            if let Some(f) = Self::of_one(e) {
                // rustls facts are more specific than the io/hyper wrappers around them.
                let better = matches!(
                    (&found, &f),
                    (None, _)
                        | (
                            Some(Self::ClosedBeforeResponse { .. } | Self::Network { .. }),
                            _
                        )
                        | (
                            Some(Self::Unreachable { .. }),
                            Self::TlsAlert { .. } | Self::Tls { .. }
                        )
                );
                if better {
                    found = Some(f);
                }
            }
            current = e.source();
        }
        found.unwrap_or_else(|| Self::of_text(lowest))
    }

    /// The last resort: an error known only by its text. Some connector layers keep only the
    /// text of rustls's verdict on the server's certificate; that is a definite answer, not a
    /// network fault.
    fn of_text(text: String) -> Self {
        match text.strip_prefix("invalid peer certificate: ") {
            Some(reason) => Self::ServerCertificate {
                detail: reason.to_owned(),
            },
            None => Self::Network { detail: text },
        }
    }

    fn of_one(e: &(dyn StdError + 'static)) -> Option<Self> {
        if let Some(tls) = e.downcast_ref::<rustls::Error>() {
            return Some(Self::of_rustls(tls));
        }
        // h2::Error has no source(): reach the io/rustls error inside it explicitly.
        let h2_io = e.downcast_ref::<h2::Error>().and_then(h2::Error::get_io);
        if let Some(h2) = e.downcast_ref::<h2::Error>()
            && h2_io.is_none()
        {
            return Some(Self::Network {
                detail: h2.to_string(),
            });
        }
        if let Some(io) = h2_io.or_else(|| e.downcast_ref::<io::Error>()) {
            // io::Error::source() skips the wrapped error itself, so look inside explicitly:
            // tokio-rustls reports TLS failures as io::Error(InvalidData, rustls::Error).
            if let Some(inner) = io.get_ref()
                && let Some(tls) = inner.downcast_ref::<rustls::Error>()
            {
                return Some(Self::of_rustls(tls));
            }
            return Some(Self::of_io(io));
        }
        if let Some(h) = e.downcast_ref::<hyper::Error>() {
            if h.is_timeout() {
                return Some(Self::Timeout);
            }
            if h.is_incomplete_message()
                || h.is_canceled()
                || h.is_closed()
                || h.is_body_write_aborted()
            {
                return Some(Self::ClosedBeforeResponse {
                    detail: h.to_string(),
                });
            }
        }
        None
    }

    fn of_rustls(e: &rustls::Error) -> Self {
        match e {
            rustls::Error::AlertReceived(alert) => Self::TlsAlert {
                alert: format!("{alert:?}"),
            },
            rustls::Error::InvalidCertificate(c) => Self::ServerCertificate {
                detail: format!("{c:?}"),
            },
            other => Self::Tls {
                detail: other.to_string(),
            },
        }
    }

    fn of_io(e: &io::Error) -> Self {
        use io::ErrorKind as K;
        match e.kind() {
            K::ConnectionRefused
            | K::NotConnected
            | K::AddrNotAvailable
            | K::HostUnreachable
            | K::NetworkUnreachable => Self::Unreachable {
                detail: e.to_string(),
            },
            K::TimedOut => Self::Timeout,
            // tokio-rustls reports every rustls error as InvalidData. Over HTTP/2, h2 keeps only
            // the kind and the text of an io error, so the rustls::Error itself is gone; its
            // text is all that is left ("received fatal alert: CertificateExpired").
            K::InvalidData => {
                let text = e.to_string();
                match text.strip_prefix("received fatal alert: ") {
                    Some(alert) => Self::TlsAlert {
                        alert: alert.trim().to_owned(),
                    },
                    None => Self::Tls { detail: text },
                }
            }
            K::ConnectionReset | K::ConnectionAborted | K::BrokenPipe | K::UnexpectedEof => {
                Self::ClosedBeforeResponse {
                    detail: e.to_string(),
                }
            }
            _ => Self::of_text(e.to_string()),
        }
    }

    /// Retryable unless the TLS layer gave a definite answer (an alert, a bad server
    /// certificate, no common parameters): those do not heal by waiting.
    pub fn class(&self) -> ErrorClass {
        match self {
            Self::TlsAlert { .. } | Self::ServerCertificate { .. } | Self::Tls { .. } => {
                ErrorClass::Final
            }
            Self::Unreachable { .. }
            | Self::Timeout
            | Self::ClosedBeforeResponse { .. }
            | Self::Network { .. } => ErrorClass::Retryable,
        }
    }

    /// A short stable slug for traces and JSON output.
    pub fn slug(&self) -> &'static str {
        match self {
            Self::Unreachable { .. } => "unreachable",
            Self::Timeout => "timeout",
            Self::TlsAlert { .. } => "tls-alert",
            Self::ServerCertificate { .. } => "server-certificate",
            Self::Tls { .. } => "tls",
            Self::ClosedBeforeResponse { .. } => "closed-before-response",
            Self::Network { .. } => "network",
        }
    }
}

impl fmt::Display for TransportFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unreachable { detail } => {
                write!(f, "cannot connect to the service center: {detail}")
            }
            Self::Timeout => f.write_str("the attempt timed out"),
            Self::TlsAlert { alert } => write!(
                f,
                "TLS rejected by the server: it sent the alert {alert}; check the client certificate"
            ),
            Self::ServerCertificate { detail } => write!(
                f,
                "the server's certificate is not trusted ({detail}); check `service.ca` and `service.url`"
            ),
            Self::Tls { detail } => write!(f, "TLS failed: {detail}"),
            Self::ClosedBeforeResponse { detail } => {
                write!(f, "the connection closed before any response ({detail})")
            }
            Self::Network { detail } => write!(f, "network error: {detail}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Text(&'static str);

    impl fmt::Display for Text {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(self.0)
        }
    }

    impl StdError for Text {}

    #[test]
    fn a_server_certificate_failure_inside_an_io_error_is_final() {
        let e = io::Error::other("invalid peer certificate: NotValidForName");
        let f = TransportFailure::of_chain(&e);
        assert_eq!(f.slug(), "server-certificate");
        assert_eq!(f.class(), ErrorClass::Final);
    }

    #[test]
    fn a_server_certificate_failure_known_only_by_its_text_is_final() {
        let e = Text("invalid peer certificate: certificate expired: verification time 2 (UNIX)");
        let f = TransportFailure::of_chain(&e);
        assert_eq!(f.slug(), "server-certificate");
        assert_eq!(f.class(), ErrorClass::Final);
    }
    use rustls::AlertDescription;

    /// A wrapper error with a source, like reqwest's and hyper-util's.
    #[derive(Debug)]
    struct Wrap(&'static str, Box<dyn StdError + Send + Sync + 'static>);
    impl fmt::Display for Wrap {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(self.0)
        }
    }
    impl StdError for Wrap {
        fn source(&self) -> Option<&(dyn StdError + 'static)> {
            Some(self.1.as_ref())
        }
    }

    fn io(kind: io::ErrorKind) -> Box<dyn StdError + Send + Sync> {
        Box::new(io::Error::from(kind))
    }

    #[test]
    fn table_of_error_chains_and_their_classes() {
        use io::ErrorKind as K;
        let alert = rustls::Error::AlertReceived(AlertDescription::CertificateExpired);
        let cases: Vec<(&str, Box<dyn StdError + Send + Sync>, &str, ErrorClass)> = vec![
            (
                "refused",
                io(K::ConnectionRefused),
                "unreachable",
                ErrorClass::Retryable,
            ),
            (
                "reset",
                io(K::ConnectionReset),
                "closed-before-response",
                ErrorClass::Retryable,
            ),
            (
                "eof",
                io(K::UnexpectedEof),
                "closed-before-response",
                ErrorClass::Retryable,
            ),
            ("timeout", io(K::TimedOut), "timeout", ErrorClass::Retryable),
            (
                "alert in io",
                Box::new(io::Error::new(K::InvalidData, alert.clone())),
                "tls-alert",
                ErrorClass::Final,
            ),
            (
                "bare alert",
                Box::new(alert),
                "tls-alert",
                ErrorClass::Final,
            ),
            (
                "bad server cert",
                Box::new(io::Error::new(
                    K::InvalidData,
                    rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer),
                )),
                "server-certificate",
                ErrorClass::Final,
            ),
            ("other", io(K::Other), "network", ErrorClass::Retryable),
            (
                "alert text only (h2 keeps kind + text)",
                Box::new(io::Error::new(
                    K::InvalidData,
                    "received fatal alert: CertificateRequired",
                )),
                "tls-alert",
                ErrorClass::Final,
            ),
        ];
        for (name, inner, slug, class) in cases {
            let chain = Wrap(
                "client error (SendRequest)",
                Box::new(Wrap("connection error", inner)),
            );
            let f = TransportFailure::of_chain(&chain);
            assert_eq!((f.slug(), f.class()), (slug, class), "case {name}: {f:?}");
        }
    }

    // PROTO-CLI-006
    #[test]
    fn a_closed_connection_claims_no_reason() {
        let f = TransportFailure::ClosedBeforeResponse {
            detail: "connection closed before message completed".into(),
        };
        let text = f.to_string();
        assert!(
            !text.contains("expired") && !text.contains("revoked"),
            "{text}"
        );
    }
}
