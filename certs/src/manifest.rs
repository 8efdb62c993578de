//! Writing a generated PKI to a directory, with `manifest.json` (for programs) and `README.txt`
//! (for people) saying what each file is, which facility it is bound to, how long it is valid and
//! what a correct peer does with it.
//!
//! Layout: `ca/` (root, intermediate, bundle, CRL, the untrusted CA), `server/<variant>.*`,
//! `client/<variant>.*` with `.pem` (leaf), `.chain.pem` (leaf + intermediate), `.key.pem`
//! (PKCS#8) and, for clients, `.p12`. [`Pki::write_to`] (what `idlink-certs init` does) never
//! writes a CA private key, so a set on disk cannot be used to mint more certificates. Only
//! [`Pki::write_with_ca_keys`] (what `idlink-mock serve` does, for its certificate desk) adds the
//! issuing and untrusted CA keys in `ca/private/` (0700, files 0600): test PKI only.

use std::path::{Path, PathBuf};

use idlink_protocol::FacilityCode;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::authority::DeskAuthority;
use crate::identity::Identity;
use crate::pki::{CaCert, Pki, PkiError};
use crate::variant::{ServerVariant, Variant};

/// The name of the machine-readable description in an output directory.
pub const MANIFEST_FILE: &str = "manifest.json";
/// The name of the human-readable description in an output directory.
pub const README_FILE: &str = "README.txt";

/// What `idlink-certs init` (or `issue`) wrote, as stored in `manifest.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// The tool and version that wrote the set.
    pub generated_by: String,
    /// When the validity periods were computed from (RFC 3339).
    pub generated_at: String,
    /// `ECDSA P-256` or `RSA-2048`.
    pub key_type: String,
    /// The facility the client certificates are bound to.
    pub facility: FacilityCode,
    /// The facility of the `other-facility` client certificate.
    pub other_facility: FacilityCode,
    /// The `.p12` password, recorded only when it is the documented default (a password the user
    /// chose is theirs to keep).
    pub p12_password: Option<String>,
    /// Every file, relative to the directory, `/`-separated.
    pub files: Vec<ManifestFile>,
}

/// One file of the set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestFile {
    /// Path relative to the output directory, `/`-separated.
    pub path: String,
    /// What kind of object the file holds.
    pub kind: FileKind,
    /// What it is for.
    pub purpose: String,
    /// The client or server variant, e.g. `client:revoked`.
    pub variant: Option<String>,
    /// The facility the certificate is bound to.
    pub facility: Option<FacilityCode>,
    /// The certificate's serial number (hex).
    pub serial: Option<String>,
    /// Start of validity (RFC 3339).
    pub not_before: Option<String>,
    /// End of validity (RFC 3339).
    pub not_after: Option<String>,
    /// What a correct peer does with it.
    pub expected_verdict: Option<String>,
}

/// The kind of object in a [`ManifestFile`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FileKind {
    /// The root CA certificate: the trust anchor.
    RootCa,
    /// The issuing CA certificate.
    IntermediateCa,
    /// Intermediate then root, for tools that want one CA file.
    CaBundle,
    /// The CA nobody trusts (issuer of the unknown-CA variants).
    UntrustedCa,
    /// CRLs.
    Crl,
    /// A leaf certificate alone.
    Certificate,
    /// A leaf certificate followed by its intermediate.
    Chain,
    /// A PKCS#8 private key.
    PrivateKey,
    /// Key and chain in a password-protected PKCS#12 file.
    Pkcs12,
    /// A CA's private key (PKCS#8), written only for the mock's certificate desk
    /// ([`Pki::write_with_ca_keys`]); test PKI only.
    CaPrivateKey,
}

/// Fails if `dir` exists and holds anything, unless `force`: `init` must not silently mix a new
/// CA with certificates of an old one.
pub fn ensure_empty_dir(dir: &Path, force: bool) -> Result<(), PkiError> {
    if force {
        return Ok(());
    }
    match std::fs::read_dir(dir) {
        Ok(mut entries) => match entries.next() {
            None => Ok(()),
            Some(_) => Err(PkiError::OutputNotEmpty {
                path: dir.to_owned(),
            }),
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(PkiError::Write {
            path: dir.to_owned(),
            source,
        }),
    }
}

impl Pki {
    /// Writes the complete set (every client and server variant) to `dir`, creating it, and
    /// returns the manifest it also wrote. Existing files of the same names are overwritten;
    /// call [`ensure_empty_dir`] first to refuse that.
    pub fn write_to(&self, dir: &Path, p12_password: &str) -> Result<Manifest, PkiError> {
        self.write_selected(dir, p12_password, &Variant::ALL, &ServerVariant::ALL)
    }

    /// [`Pki::write_to`], plus the issuing CA's and the untrusted CA's private keys in
    /// `ca/private/` (0700; the files 0600), so that
    /// [`DeskAuthority::load`](crate::DeskAuthority::load) can give the mock's certificate desk
    /// its keys back after a restart. TEST PKI ONLY: a CA key in a file is acceptable here
    /// because nothing but conformance tests trusts this CA; never copy the pattern.
    pub fn write_with_ca_keys(&self, dir: &Path, p12_password: &str) -> Result<Manifest, PkiError> {
        self.write(dir, p12_password, &Variant::ALL, &ServerVariant::ALL, true)
    }

    /// Writes the CA files plus only the given variants (what `idlink-certs issue` does).
    pub fn write_selected(
        &self,
        dir: &Path,
        p12_password: &str,
        clients: &[Variant],
        servers: &[ServerVariant],
    ) -> Result<Manifest, PkiError> {
        self.write(dir, p12_password, clients, servers, false)
    }

    fn write(
        &self,
        dir: &Path,
        p12_password: &str,
        clients: &[Variant],
        servers: &[ServerVariant],
        ca_keys: bool,
    ) -> Result<Manifest, PkiError> {
        let mut w = Writer {
            dir: dir.to_owned(),
            files: Vec::new(),
        };
        w.mkdir("ca")?;
        w.ca(
            "ca/root-ca.pem",
            FileKind::RootCa,
            "root CA certificate: the trust anchor to configure",
            &self.root,
        )?;
        w.ca(
            "ca/intermediate-ca.pem",
            FileKind::IntermediateCa,
            "issuing (intermediate) CA certificate; leaves' chain files include it",
            &self.intermediate,
        )?;
        w.text(
            "ca/ca-bundle.pem",
            &(self.intermediate.pem.clone() + &self.root.pem),
            entry(
                FileKind::CaBundle,
                "intermediate then root CA certificate in one file",
            ),
        )?;
        w.text(
            "ca/crl.pem",
            &self.crl_pem(),
            entry(
                FileKind::Crl,
                "CRLs: the issuing CA's (lists the revoked client's serial) then the root's (empty)",
            ),
        )?;
        w.ca(
            "ca/unknown-ca.pem",
            FileKind::UntrustedCa,
            "a CA nobody should trust: issuer of the unknown-ca variants",
            &self.unknown_ca,
        )?;

        if ca_keys {
            w.ca_keys(&self.authority)?;
        }

        if !clients.is_empty() {
            w.mkdir("client")?;
        }
        for &v in clients {
            let id = self.client(v);
            let meta = Meta {
                variant: format!("client:{}", v.slug()),
                purpose: v.purpose(),
                verdict: v.expected_verdict(),
            };
            w.identity(&format!("client/{}", v.slug()), id, &meta)?;
            let path = format!("client/{}.p12", v.slug());
            w.bytes(
                &path,
                &id.to_pkcs12(p12_password)?,
                true,
                meta.entry(FileKind::Pkcs12, id, "key and chain as PKCS#12"),
            )?;
        }
        if !servers.is_empty() {
            w.mkdir("server")?;
        }
        for &v in servers {
            let meta = Meta {
                variant: format!("server:{}", v.slug()),
                purpose: v.purpose(),
                verdict: v.expected_verdict(),
            };
            w.identity(&format!("server/{}", v.slug()), self.server(v), &meta)?;
        }

        let manifest = Manifest {
            generated_by: concat!("idlink-certs ", env!("CARGO_PKG_VERSION")).to_owned(),
            generated_at: rfc3339(self.generated_at),
            key_type: self.key_type.to_string(),
            facility: self.facility.clone(),
            other_facility: self.other_facility.clone(),
            p12_password: (p12_password == crate::DEFAULT_P12_PASSWORD)
                .then(|| p12_password.to_owned()),
            files: w.files,
        };
        let json = serde_json::to_string_pretty(&manifest).map_err(|e| PkiError::Write {
            path: dir.join(MANIFEST_FILE),
            source: std::io::Error::other(e),
        })?;
        write_file(&dir.join(MANIFEST_FILE), json.as_bytes(), false)?;
        write_file(&dir.join(README_FILE), readme(&manifest).as_bytes(), false)?;
        Ok(manifest)
    }
}

/// The human-readable twin of the manifest.
fn readme(m: &Manifest) -> String {
    let mut out = format!(
        "idlink-harness test PKI\n=======================\n\n\
         TEST ONLY. Generated by {} at {} with {} keys.\n\
         Facility (医療機関コード): {}   Other facility: {}\n\
         PKCS#12 password: {}\n\n\
         Trust ca/root-ca.pem. Leaves are issued by ca/intermediate-ca.pem; present the\n\
         *.chain.pem files (leaf + intermediate) or the .p12 files. Check revocation with\n\
         ca/crl.pem (it holds the issuing CA's CRL and the root's). {}\n\
         manifest.json describes the same files for programs.\n\n\
         Examples:\n\
         \x20 openssl verify -CAfile ca/root-ca.pem -untrusted ca/intermediate-ca.pem client/valid.pem\n\
         \x20 openssl verify -crl_check -CRLfile ca/crl.pem -CAfile ca/root-ca.pem \\\n\
         \x20   -untrusted ca/intermediate-ca.pem client/revoked.pem      (fails: revoked)\n\
         \x20 idlink-certs inspect client/expired.pem --ca ca/ca-bundle.pem --crl ca/crl.pem\n\n\
         Files\n-----\n",
        m.generated_by,
        m.generated_at,
        m.key_type,
        m.facility,
        m.other_facility,
        m.p12_password
            .as_deref()
            .unwrap_or("(the one given with --p12-password)"),
        if m.files.iter().any(|f| f.kind == FileKind::CaPrivateKey) {
            "The issuing and untrusted CA\nprivate keys are in ca/private/ (owner only) for \
             idlink-mock's certificate desk:\nTEST PKI ONLY, never trust this CA outside tests."
        } else {
            "CA private keys are not\nwritten."
        },
    );
    for f in &m.files {
        out.push_str(&format!("\n{}\n    {}\n", f.path, f.purpose));
        if let Some(facility) = &f.facility {
            out.push_str(&format!("    facility: {facility}\n"));
        }
        if let (Some(from), Some(until)) = (&f.not_before, &f.not_after) {
            out.push_str(&format!("    valid: {from} .. {until}\n"));
        }
        if let Some(verdict) = &f.expected_verdict {
            out.push_str(&format!("    expected: {verdict}\n"));
        }
    }
    out
}

struct Meta {
    variant: String,
    purpose: &'static str,
    verdict: &'static str,
}

impl Meta {
    fn entry(&self, kind: FileKind, id: &Identity, what: &str) -> ManifestFile {
        ManifestFile {
            path: String::new(),
            kind,
            purpose: format!("{}: {what}", self.purpose),
            variant: Some(self.variant.clone()),
            facility: id.facility().cloned(),
            serial: Some(id.serial_hex()),
            not_before: Some(rfc3339(id.not_before())),
            not_after: Some(rfc3339(id.not_after())),
            expected_verdict: Some(self.verdict.to_owned()),
        }
    }
}

fn entry(kind: FileKind, purpose: &str) -> ManifestFile {
    ManifestFile {
        path: String::new(),
        kind,
        purpose: purpose.to_owned(),
        variant: None,
        facility: None,
        serial: None,
        not_before: None,
        not_after: None,
        expected_verdict: None,
    }
}

struct Writer {
    dir: PathBuf,
    files: Vec<ManifestFile>,
}

impl Writer {
    fn mkdir(&self, sub: &str) -> Result<(), PkiError> {
        let path = self.dir.join(sub);
        std::fs::create_dir_all(&path).map_err(|source| PkiError::Write { path, source })
    }

    fn bytes(
        &mut self,
        rel: &str,
        data: &[u8],
        secret: bool,
        mut file: ManifestFile,
    ) -> Result<(), PkiError> {
        write_file(&self.dir.join(rel), data, secret)?;
        file.path = rel.to_owned();
        self.files.push(file);
        Ok(())
    }

    fn text(&mut self, rel: &str, data: &str, file: ManifestFile) -> Result<(), PkiError> {
        self.bytes(rel, data.as_bytes(), false, file)
    }

    fn ca(
        &mut self,
        rel: &str,
        kind: FileKind,
        purpose: &str,
        ca: &CaCert,
    ) -> Result<(), PkiError> {
        let mut file = entry(kind, purpose);
        file.serial = crate::inspect::cert_info(&ca.der)
            .ok()
            .map(|i| i.serial_hex);
        file.not_before = Some(rfc3339(ca.not_before));
        file.not_after = Some(rfc3339(ca.not_after));
        self.text(rel, &ca.pem, file)
    }

    /// The desk's two CA keys in an owner-only directory.
    fn ca_keys(&mut self, authority: &DeskAuthority) -> Result<(), PkiError> {
        use crate::authority::{CA_KEY_DIR, ISSUING_CA_KEY_FILE, UNKNOWN_CA_KEY_FILE};
        self.mkdir(CA_KEY_DIR)?;
        let path = self.dir.join(CA_KEY_DIR);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o700))
                .map_err(|source| PkiError::Write { path, source })?;
        }
        for (rel, issuer, what) in [
            (
                ISSUING_CA_KEY_FILE,
                &authority.issuing,
                "issuing CA private key (TEST ONLY): lets the mock's certificate desk issue and \
                 revoke after a restart",
            ),
            (
                UNKNOWN_CA_KEY_FILE,
                &authority.unknown,
                "untrusted CA private key (TEST ONLY): lets the mock's certificate desk issue \
                 unknown-ca certificates after a restart",
            ),
        ] {
            let pem = issuer.key().serialize_pem();
            self.bytes(
                rel,
                pem.as_bytes(),
                true,
                entry(FileKind::CaPrivateKey, what),
            )?;
        }
        Ok(())
    }

    fn identity(&mut self, stem: &str, id: &Identity, meta: &Meta) -> Result<(), PkiError> {
        self.text(
            &format!("{stem}.pem"),
            &id.cert_pem(),
            meta.entry(FileKind::Certificate, id, "certificate"),
        )?;
        self.text(
            &format!("{stem}.chain.pem"),
            &id.chain_pem(),
            meta.entry(FileKind::Chain, id, "certificate + intermediate"),
        )?;
        self.bytes(
            &format!("{stem}.key.pem"),
            id.key_pem().as_bytes(),
            true,
            meta.entry(FileKind::PrivateKey, id, "private key (PKCS#8)"),
        )
    }
}

/// Writes a file; keys and PKCS#12 files are readable by the owner only.
fn write_file(path: &Path, data: &[u8], secret: bool) -> Result<(), PkiError> {
    let fail = |source| PkiError::Write {
        path: path.to_owned(),
        source,
    };
    std::fs::write(path, data).map_err(fail)?;
    #[cfg(unix)]
    if secret {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(fail)?;
    }
    #[cfg(not(unix))]
    let _ = secret;
    Ok(())
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_else(|_| t.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_output_directory_may_be_missing_or_empty_but_not_full_unless_forced() {
        let dir = tempfile::tempdir().unwrap();
        assert!(ensure_empty_dir(&dir.path().join("new"), false).is_ok());
        assert!(ensure_empty_dir(dir.path(), false).is_ok());
        std::fs::write(dir.path().join("old.pem"), "x").unwrap();
        let err = ensure_empty_dir(dir.path(), false).unwrap_err();
        assert!(matches!(err, PkiError::OutputNotEmpty { .. }), "{err}");
        assert!(ensure_empty_dir(dir.path(), true).is_ok());
    }
}
