//! What the certificate desk keeps on disk so that a restart of `idlink-mock serve` does not undo
//! it: the CRL in force (`DATA/pki/ca/crl.pem`, which the next start loads into the mTLS listener)
//! and the index of issued certificates (`DATA/pki/desk/issued.json`, like an OpenSSL CA's
//! `index.txt`: serial, facility, variant, validity, revocation; no key, no password).
//!
//! Both are replaced atomically (temporary file, fsync, rename, fsync of the directory): a crash
//! leaves the old file or the new one, never half of one. Not kept: private keys and PKCS#12
//! passwords (handed out once), and the passwords of the accounts the desk created, so those
//! accounts do not exist after a restart until the desk issues for the facility again.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{DeskError, IssuedCertificate};

/// The index's place inside the PKI directory.
pub const INDEX_FILE: &str = "desk/issued.json";

/// The desk's two files in one PKI directory.
#[derive(Debug, Clone)]
pub(crate) struct DeskFiles {
    crl: PathBuf,
    index: PathBuf,
}

/// The index file's content.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Index {
    /// Format version, so a later format can tell an old file.
    version: u32,
    /// Every certificate the desk issued, sorted by serial.
    certificates: Vec<IssuedCertificate>,
}

impl DeskFiles {
    pub(crate) fn in_pki_dir(dir: &Path) -> Self {
        Self {
            crl: dir.join(idlink_certs::authority::CRL_FILE),
            index: dir.join(INDEX_FILE),
        }
    }

    /// The issued certificates recorded by an earlier run; none when there is no index yet.
    pub(crate) fn load_index(&self) -> Result<BTreeMap<String, IssuedCertificate>, DeskError> {
        let bytes = match std::fs::read(&self.index) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
            Err(source) => return Err(self.error(&self.index, source)),
        };
        let index: Index = serde_json::from_slice(&bytes)
            .map_err(|e| self.error(&self.index, std::io::Error::other(e)))?;
        Ok(index
            .certificates
            .into_iter()
            .map(|c| (c.serial.clone(), c))
            .collect())
    }

    pub(crate) fn write_index(
        &self,
        issued: &BTreeMap<String, IssuedCertificate>,
    ) -> Result<(), DeskError> {
        let index = Index {
            version: 1,
            certificates: issued.values().cloned().collect(),
        };
        let mut json = serde_json::to_vec_pretty(&index)
            .map_err(|e| self.error(&self.index, std::io::Error::other(e)))?;
        json.push(b'\n');
        write_atomic(&self.index, &json).map_err(|source| self.error(&self.index, source))
    }

    pub(crate) fn write_crl(&self, pem: &str) -> Result<(), DeskError> {
        write_atomic(&self.crl, pem.as_bytes()).map_err(|source| self.error(&self.crl, source))
    }

    fn error(&self, path: &Path, source: std::io::Error) -> DeskError {
        DeskError::Persist {
            path: path.to_owned(),
            source,
        }
    }
}

/// Replaces `path` with `data`: temporary file in the same directory, fsync, rename, fsync of
/// the directory. The file is readable by its owner only (a CRL is public, but nobody else
/// needs to read the mock's files).
fn write_atomic(path: &Path, data: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let temp = dir.join(format!(".{name}.tmp"));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(&temp)?;
    file.write_all(data)?;
    file.sync_all()?;
    drop(file);
    std::fs::rename(&temp, path)?;
    #[cfg(unix)]
    std::fs::File::open(dir)?.sync_all()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_atomic_write_replaces_the_file_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/file.pem");
        write_atomic(&path, b"one").unwrap();
        write_atomic(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        let names: Vec<_> = std::fs::read_dir(dir.path().join("sub"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["file.pem"]);
    }

    #[test]
    fn a_missing_index_is_empty_and_a_damaged_one_names_its_file() {
        let dir = tempfile::tempdir().unwrap();
        let files = DeskFiles::in_pki_dir(dir.path());
        assert!(files.load_index().unwrap().is_empty());
        std::fs::create_dir_all(dir.path().join("desk")).unwrap();
        std::fs::write(dir.path().join(INDEX_FILE), b"{").unwrap();
        let error = files.load_index().unwrap_err().to_string();
        assert!(error.contains("issued.json"), "{error}");
    }
}
