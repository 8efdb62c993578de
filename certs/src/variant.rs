//! The certificate variants a harness needs: one valid identity and each way it can be broken.
//!
//! Each variant knows its file-name slug, what it is for and what a correct peer must do with it,
//! so the manifest, the README and table-driven tests all read from one place.

use serde::{Deserialize, Serialize};

/// Client certificate variants, the ones a facility could present to the service center.
///
/// [`Variant::ALL`] lists them in a fixed order for table-driven tests.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    clap::ValueEnum,
)]
#[serde(rename_all = "kebab-case")]
pub enum Variant {
    /// Issued by the intermediate CA to the facility, currently valid, EKU clientAuth.
    Valid,
    /// Validity ended 30 days ago.
    Expired,
    /// Validity starts in 30 days.
    NotYetValid,
    /// Otherwise valid, but its serial is listed in the issuing CA's CRL.
    Revoked,
    /// Issued by a CA the service center does not trust.
    UnknownCa,
    /// Issued by the right CA, but its EKU is serverAuth only.
    WrongEku,
    /// Self-signed: signed with its own key, no CA at all.
    SelfSigned,
    /// A valid certificate, but for a different facility than the account under test.
    OtherFacility,
}

impl Variant {
    /// Every client variant, in declaration order (the order of [`crate::Pki::client`]'s storage).
    pub const ALL: [Variant; 8] = [
        Variant::Valid,
        Variant::Expired,
        Variant::NotYetValid,
        Variant::Revoked,
        Variant::UnknownCa,
        Variant::WrongEku,
        Variant::SelfSigned,
        Variant::OtherFacility,
    ];

    /// The kebab-case name used on the command line and in file names.
    pub fn slug(self) -> &'static str {
        match self {
            Variant::Valid => "valid",
            Variant::Expired => "expired",
            Variant::NotYetValid => "not-yet-valid",
            Variant::Revoked => "revoked",
            Variant::UnknownCa => "unknown-ca",
            Variant::WrongEku => "wrong-eku",
            Variant::SelfSigned => "self-signed",
            Variant::OtherFacility => "other-facility",
        }
    }

    /// What the certificate is for, in one sentence for the manifest.
    pub fn purpose(self) -> &'static str {
        match self {
            Variant::Valid => "the facility's valid client certificate",
            Variant::Expired => "client certificate whose validity ended 30 days ago",
            Variant::NotYetValid => "client certificate whose validity starts in 30 days",
            Variant::Revoked => "client certificate listed as revoked in the issuing CA's CRL",
            Variant::UnknownCa => "client certificate issued by a CA the service does not trust",
            Variant::WrongEku => "client certificate whose extended key usage is serverAuth only",
            Variant::SelfSigned => "self-signed client certificate (no CA)",
            Variant::OtherFacility => "valid client certificate for a different facility",
        }
    }

    /// What a correct service center does when a client presents this certificate.
    pub fn expected_verdict(self) -> &'static str {
        match self {
            Variant::Valid => "accepted",
            Variant::Expired => "rejected in the TLS handshake: certificate expired",
            Variant::NotYetValid => "rejected in the TLS handshake: certificate not yet valid",
            Variant::Revoked => "rejected in the TLS handshake: certificate revoked",
            Variant::UnknownCa => "rejected in the TLS handshake: unknown issuer",
            Variant::WrongEku => {
                "rejected in the TLS handshake: not valid for client authentication"
            }
            Variant::SelfSigned => "rejected in the TLS handshake: unknown issuer",
            Variant::OtherFacility => {
                "accepted by TLS; the application must refuse it for this facility's account"
            }
        }
    }

    /// Position in [`Variant::ALL`].
    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

impl std::fmt::Display for Variant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.slug())
    }
}

/// Server certificate variants, for testing how a client treats the service center's certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum ServerVariant {
    /// For `localhost`, `127.0.0.1` and `::1`, issued by the intermediate CA.
    Valid,
    /// Validity ended 30 days ago.
    Expired,
    /// Valid, but only for `wrong-host.invalid`.
    WrongHost,
    /// For the right names, issued by a CA the client does not trust.
    UnknownCa,
}

impl ServerVariant {
    /// Every server variant, in declaration order.
    pub const ALL: [ServerVariant; 4] = [
        ServerVariant::Valid,
        ServerVariant::Expired,
        ServerVariant::WrongHost,
        ServerVariant::UnknownCa,
    ];

    /// The kebab-case name used in file names.
    pub fn slug(self) -> &'static str {
        match self {
            ServerVariant::Valid => "valid",
            ServerVariant::Expired => "expired",
            ServerVariant::WrongHost => "wrong-host",
            ServerVariant::UnknownCa => "unknown-ca",
        }
    }

    /// What the certificate is for, in one sentence for the manifest.
    pub fn purpose(self) -> &'static str {
        match self {
            ServerVariant::Valid => "server certificate for localhost, 127.0.0.1 and ::1",
            ServerVariant::Expired => "server certificate whose validity ended 30 days ago",
            ServerVariant::WrongHost => "server certificate for wrong-host.invalid only",
            ServerVariant::UnknownCa => {
                "server certificate issued by a CA the client does not trust"
            }
        }
    }

    /// What a correct client does when the server presents this certificate.
    pub fn expected_verdict(self) -> &'static str {
        match self {
            ServerVariant::Valid => "accepted",
            ServerVariant::Expired => "rejected by the client: certificate expired",
            ServerVariant::WrongHost => "rejected by the client: not valid for the host name",
            ServerVariant::UnknownCa => "rejected by the client: unknown issuer",
        }
    }

    /// Position in [`ServerVariant::ALL`].
    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

impl std::fmt::Display for ServerVariant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.slug())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_lists_every_variant_at_its_own_index() {
        for (i, v) in Variant::ALL.iter().enumerate() {
            assert_eq!(v.index(), i, "{v}");
        }
        for (i, v) in ServerVariant::ALL.iter().enumerate() {
            assert_eq!(v.index(), i, "{v}");
        }
    }

    #[test]
    fn slugs_match_the_command_line_names() {
        use clap::ValueEnum;
        for v in Variant::ALL {
            let name = v.to_possible_value().map(|p| p.get_name().to_owned());
            assert_eq!(name.as_deref(), Some(v.slug()));
        }
    }
}
