//! Client kits: the files a facility receives (CA, client certificate and key, PKCS#12, the
//! account sheet's password) and a ready `storeclient.toml`, so a store client can talk to a
//! running center without any manual step.

use std::path::{Path, PathBuf};

use idlink_certs::{Pki, Variant};

use crate::MockCenter;
use crate::config::AccessMode;

/// Why a kit could not be written.
#[derive(Debug, thiserror::Error)]
pub enum KitError {
    /// The account is not configured.
    #[error("no account {0:?} in the mock configuration")]
    UnknownAccount(String),
    /// The PKI has no client certificate for the account's facility.
    #[error(
        "the PKI has client certificates for facilities {pki_facility} and {other_facility} only, not for {facility} (account {account}); start the center with a PKI built for that facility"
    )]
    NoCertificate {
        /// The account.
        account: String,
        /// Its facility.
        facility: String,
        /// The PKI's facility.
        pki_facility: String,
        /// The PKI's other facility.
        other_facility: String,
    },
    /// The center was started from PKI files; its kit was written when the PKI was generated.
    #[error(
        "this center was started from PKI files, not a generated PKI; use the kit written when the PKI was generated"
    )]
    NoPki,
    /// PKCS#12 encoding failed.
    #[error("cannot encode the PKCS#12 file: {0}")]
    Pkcs12(String),
    /// A file could not be written.
    #[error("cannot write {path}")]
    Write {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// The files of a client kit (absolute paths).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientKit {
    /// The kit directory.
    pub dir: PathBuf,
    /// `storeclient.toml`, ready to use.
    pub config: PathBuf,
    /// The URL the client config points at.
    pub url: String,
    /// The account ID.
    pub account: String,
    /// `ca.pem`: the root CA to trust.
    pub ca: PathBuf,
    /// `account.password`: the account sheet's password.
    pub account_password: PathBuf,
    /// `client.chain.pem` (leaf + intermediate), for certificate accounts.
    pub cert_chain: Option<PathBuf>,
    /// `client.key.pem` (PKCS#8), for certificate accounts.
    pub key: Option<PathBuf>,
    /// `client.p12`, for certificate accounts.
    pub p12: Option<PathBuf>,
    /// `client.p12.password`, for certificate accounts.
    pub p12_password: Option<PathBuf>,
}

/// The name of the client configuration file in a kit.
pub const CLIENT_CONFIG_FILE: &str = "storeclient.toml";

pub(crate) fn write(
    center: &MockCenter,
    pki: &Pki,
    dir: &Path,
    account: &str,
) -> Result<ClientKit, KitError> {
    let config = center
        .config()
        .account(account)
        .ok_or_else(|| KitError::UnknownAccount(account.to_owned()))?;
    std::fs::create_dir_all(dir).map_err(|source| KitError::Write {
        path: dir.to_owned(),
        source,
    })?;
    let dir = std::path::absolute(dir).unwrap_or_else(|_| dir.to_owned());
    let put = |name: &str, bytes: &[u8], secret: bool| -> Result<PathBuf, KitError> {
        let path = dir.join(name);
        write_file(&path, bytes, secret)?;
        Ok(path)
    };
    let ca = put("ca.pem", pki.ca_pem().as_bytes(), false)?;
    let account_password = put("account.password", config.password.as_bytes(), true)?;

    let (url, identity, cert_chain, key, p12, p12_password) = match config.mode {
        AccessMode::Vpn => (
            center.vpn_url(),
            "mode = \"vpn\"\n".to_owned(),
            None,
            None,
            None,
            None,
        ),
        AccessMode::Certificate => {
            let variant = if &config.facility == pki.facility() {
                Variant::Valid
            } else if &config.facility == pki.other_facility() {
                Variant::OtherFacility
            } else {
                return Err(KitError::NoCertificate {
                    account: account.to_owned(),
                    facility: config.facility.to_string(),
                    pki_facility: pki.facility().to_string(),
                    other_facility: pki.other_facility().to_string(),
                });
            };
            let identity = pki.client(variant);
            let password = idlink_certs::DEFAULT_P12_PASSWORD;
            let p12_bytes = identity
                .to_pkcs12(password)
                .map_err(|e| KitError::Pkcs12(e.to_string()))?;
            (
                center.mtls_url(),
                "mode = \"pem\"\ncert = \"client.chain.pem\"\nkey = \"client.key.pem\"\n\
                 # or: mode = \"pkcs12\", file = \"client.p12\", password_file = \"client.p12.password\"\n"
                    .to_owned(),
                Some(put("client.chain.pem", identity.chain_pem().as_bytes(), false)?),
                Some(put("client.key.pem", identity.key_pem().as_bytes(), true)?),
                Some(put("client.p12", &p12_bytes, true)?),
                Some(put("client.p12.password", password.as_bytes(), true)?),
            )
        }
    };
    let toml = format!(
        "# Written by idlink-mock for account {account} (TEST ONLY).\n\
         # Paths are relative to this file's directory.\n\
         [service]\nurl = \"{url}\"\nca = \"ca.pem\"\n\n\
         [account]\nid = \"{account}\"\npassword_file = \"account.password\"\n\n\
         [facility]\ncode = \"{facility}\"\n\n\
         [identity]\n{identity}\n\
         [upload]\ndestination = \"storage\"\n",
        facility = config.facility,
    );
    let config_path = put(CLIENT_CONFIG_FILE, toml.as_bytes(), false)?;
    Ok(ClientKit {
        dir: dir.clone(),
        config: config_path,
        url,
        account: account.to_owned(),
        ca,
        account_password,
        cert_chain,
        key,
        p12,
        p12_password,
    })
}

/// Writes a file; secrets (keys, passwords) are readable by the owner only.
fn write_file(path: &Path, bytes: &[u8], secret: bool) -> Result<(), KitError> {
    let fail = |source| KitError::Write {
        path: path.to_owned(),
        source,
    };
    std::fs::write(path, bytes).map_err(fail)?;
    #[cfg(unix)]
    if secret {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(fail)?;
    }
    #[cfg(not(unix))]
    let _ = secret;
    Ok(())
}

/// Points an existing kit's `storeclient.toml` at a new URL (a restarted server with ephemeral
/// ports); every other line stays as written.
pub(crate) fn update_url(config: &Path, url: &str) -> Result<(), KitError> {
    let fail = |source| KitError::Write {
        path: config.to_owned(),
        source,
    };
    let text = std::fs::read_to_string(config).map_err(fail)?;
    let updated: String = text
        .lines()
        .map(|line| {
            if line.trim_start().starts_with("url = ") {
                format!("url = \"{url}\"\n")
            } else {
                format!("{line}\n")
            }
        })
        .collect();
    write_file(config, updated.as_bytes(), false)
}
