//! The vendor interface (`docs/conformance.md`): what the runner writes into a scenario's work
//! directory and the environment the client command gets.
//!
//! Everything a client needs is a file: the CA to trust, the identity as PEM and as PKCS#12,
//! the account password, the documents and a JSON manifest. Secret files are 0600. The names of
//! the variables are a published contract; renaming one breaks every vendor's integration.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use idlink_certs::Pki;
use idlink_mock::scenario::file::{GenerateShape, PasswordGiven};
use idlink_mock::scenario::{DocumentSpec, Scenario};
use serde::Serialize;
use sha2::{Digest as _, Sha256};

/// Why a work directory could not be prepared (a harness error, never the uploader's fault).
#[derive(Debug, thiserror::Error)]
pub enum WorkdirError {
    /// A file could not be written or read.
    #[error("cannot prepare {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The identity could not be exported.
    #[error("cannot export the client identity: {0}")]
    Pki(String),
}

/// One document of the manifest (`IDLINK_MANIFEST_FILE`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ManifestDocument {
    /// Absolute path of the file to upload.
    pub path: PathBuf,
    /// `hl7`, `nsips`, `pdf` or `text`.
    pub kind: String,
    /// The facility's patient ID.
    pub patient_id: String,
    /// SS-MIX2 data kind (HL7) or folder name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_kind: Option<String>,
    /// `YYYYMMDD`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub care_date: Option<String>,
    /// The file name to declare.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_name: Option<String>,
    /// The character set to declare.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub charset: Option<String>,
    /// `storage` or `appliance:<id>`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destination: Option<String>,
}

/// `{"documents": [...]}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Manifest {
    /// What to upload, in order.
    pub documents: Vec<ManifestDocument>,
}

/// A prepared work directory.
#[derive(Debug, Clone)]
pub struct Workdir {
    /// The directory.
    pub dir: PathBuf,
    /// The environment for the client command.
    pub env: BTreeMap<String, String>,
    /// Document name → the bytes given to the client (what "byte-identical" compares with).
    pub documents: BTreeMap<String, Vec<u8>>,
    /// Document name → lowercase hex SHA-256 of those bytes.
    pub digests: HashMap<String, String>,
    /// Strings that must never appear in the command's output.
    pub secrets: Vec<String>,
    /// Document name → the file name it was written under.
    pub file_names: BTreeMap<String, String>,
}

/// Everything the runner knows about the account and the run, to write down. (`IDLINK_URL` is
/// added by the runner once the center is listening: the center needs the documents' digests
/// first, so the work directory is prepared before it starts.)
#[derive(Debug, Clone)]
pub struct Target<'a> {
    /// The PKI the center trusts and serves from.
    pub pki: &'a Pki,
    /// The account's real password.
    pub password: &'a str,
    /// The run's time scale.
    pub time_scale: f64,
    /// The run's seed.
    pub seed: u64,
    /// `--client-mode folder`.
    pub folder_mode: bool,
}

/// The PKCS#12 password handed to the client (a test secret, redacted from output).
const P12_PASSWORD: &str = "p12-conformance";

/// Writes the scenario's files into `dir` and returns the environment.
pub fn prepare(
    scenario: &Scenario,
    dir: &Path,
    target: &Target<'_>,
) -> Result<Workdir, WorkdirError> {
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| WorkdirError::Io { path, source }
    };
    std::fs::create_dir_all(dir.join("documents")).map_err(io(dir))?;
    let setup = &scenario.spec.setup;
    let mut env = BTreeMap::new();
    let mut secrets = vec![target.password.to_owned(), P12_PASSWORD.to_owned()];

    let ca = dir.join("ca.pem");
    write(&ca, target.pki.ca_pem().as_bytes(), false)?;
    env.insert("IDLINK_CA_FILE".into(), path_string(&ca));
    if let Some(variant) = setup.identity.certs_variant() {
        let identity = target.pki.client(variant);
        let cert = dir.join("client.chain.pem");
        let key = dir.join("client.key.pem");
        let p12 = dir.join("client.p12");
        let p12_password = dir.join("client.p12.password");
        write(&cert, identity.chain_pem().as_bytes(), false)?;
        let key_pem = identity.key_pem();
        write(&key, key_pem.as_bytes(), true)?;
        let der = identity
            .to_pkcs12(P12_PASSWORD)
            .map_err(|e| WorkdirError::Pki(e.to_string()))?;
        write(&p12, &der, true)?;
        write(&p12_password, format!("{P12_PASSWORD}\n").as_bytes(), true)?;
        env.insert("IDLINK_CLIENT_CERT_FILE".into(), path_string(&cert));
        env.insert("IDLINK_CLIENT_KEY_FILE".into(), path_string(&key));
        env.insert("IDLINK_CLIENT_P12_FILE".into(), path_string(&p12));
        env.insert(
            "IDLINK_CLIENT_P12_PASSWORD_FILE".into(),
            path_string(&p12_password),
        );
        // The key's base64 lines: any of them in the output is a leak.
        secrets.extend(
            key_pem
                .lines()
                .filter(|l| !l.starts_with("-----") && l.len() >= 40)
                .map(str::to_owned),
        );
    }
    let given_password = match setup.account.password {
        PasswordGiven::Right => target.password.to_owned(),
        PasswordGiven::Wrong => format!("{}-wrong", target.password),
    };
    secrets.push(given_password.clone());
    let password_file = dir.join("account.password");
    write(
        &password_file,
        format!("{given_password}\n").as_bytes(),
        true,
    )?;
    env.insert("IDLINK_ACCOUNT_ID".into(), setup.account.id.clone());
    env.insert(
        "IDLINK_ACCOUNT_PASSWORD_FILE".into(),
        path_string(&password_file),
    );
    env.insert("IDLINK_FACILITY".into(), setup.account.facility.clone());

    let mut documents = BTreeMap::new();
    let mut file_names = BTreeMap::new();
    let mut digests = HashMap::new();
    let mut manifest = Manifest {
        documents: Vec::new(),
    };
    for doc in &scenario.spec.documents {
        let bytes = document_bytes(scenario, doc, target.seed)?;
        let name = doc
            .file_name
            .clone()
            .unwrap_or_else(|| default_name(scenario, doc));
        let folder = dir.join("documents").join(&doc.name);
        std::fs::create_dir_all(&folder).map_err(io(&folder))?;
        let path = folder.join(&name);
        write(&path, &bytes, true)?;
        digests.insert(doc.name.clone(), hex::encode(Sha256::digest(&bytes)));
        file_names.insert(doc.name.clone(), name.clone());
        documents.insert(doc.name.clone(), bytes);
        manifest.documents.push(ManifestDocument {
            path: std::path::absolute(&path).map_err(io(&path))?,
            kind: doc.kind.clone(),
            patient_id: doc.patient_id.clone(),
            data_kind: doc.data_kind.clone(),
            care_date: doc.care_date.clone(),
            file_name: doc.file_name.clone(),
            charset: doc.charset.clone(),
            destination: doc.destination.clone(),
        });
    }
    let manifest_path = dir.join("manifest.json");
    let json = serde_json::to_vec_pretty(&manifest).unwrap_or_default();
    write(&manifest_path, &json, false)?;
    env.insert("IDLINK_MANIFEST_FILE".into(), path_string(&manifest_path));
    env.insert("IDLINK_WORK_DIR".into(), path_string(dir));
    env.insert("IDLINK_SCENARIO".into(), scenario.spec.id.clone());
    env.insert("IDLINK_TIME_SCALE".into(), target.time_scale.to_string());
    if target.folder_mode {
        env.insert("IDLINK_CLIENT_MODE".into(), "folder".into());
        env.insert("IDLINK_OUTBOX_DIR".into(), path_string(&dir.join("outbox")));
    }
    Ok(Workdir {
        dir: dir.to_owned(),
        env,
        documents,
        digests,
        secrets,
        file_names,
    })
}

/// The file name when the scenario gives none: the fixture's own, or `<name>.<ext>`.
fn default_name(scenario: &Scenario, doc: &DocumentSpec) -> String {
    scenario
        .fixture_path(doc)
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| {
            let ext = match doc.kind.as_str() {
                "pdf" => "pdf",
                "nsips" => "csv",
                "hl7" => "hl7",
                _ => "txt",
            };
            format!("{}.{ext}", doc.name)
        })
}

/// The fixture's bytes, or a generated document (deterministic from the seed and the name).
fn document_bytes(
    scenario: &Scenario,
    doc: &DocumentSpec,
    seed: u64,
) -> Result<Vec<u8>, WorkdirError> {
    if let Some(path) = scenario.fixture_path(doc) {
        return std::fs::read(&path).map_err(|source| WorkdirError::Io { path, source });
    }
    let Some(generate) = &doc.generate else {
        return Ok(Vec::new());
    };
    let size = generate.bytes as usize;
    Ok(match generate.shape {
        GenerateShape::Text => {
            let mut text = String::with_capacity(size + 64);
            let mut line = 0u64;
            while text.len() < size {
                line += 1;
                text.push_str(&format!(
                    "{} line {line} seed {seed} 紹介状 conformance filler\r\n",
                    doc.name
                ));
            }
            let mut bytes = text.into_bytes();
            // Cut on a line boundary so the UTF-8 stays whole.
            if let Some(cut) = bytes[..size.min(bytes.len())]
                .iter()
                .rposition(|&b| b == b'\n')
            {
                bytes.truncate(cut + 1);
            }
            bytes
        }
        GenerateShape::Pdf => generated_pdf(&doc.name, seed, size),
    })
}

/// A minimal valid PDF (one empty page) padded with a comment stream to `size` bytes.
fn generated_pdf(name: &str, seed: u64, size: usize) -> Vec<u8> {
    let head = format!(
        "%PDF-1.4\n%\u{e2}\u{e3}\u{cf}\u{d3}\n% {name} seed {seed}\n\
         1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n\
         2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n\
         3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >> endobj\n"
    );
    let mut out = head.into_bytes();
    let trailer_room = 200;
    let mut n = 0u64;
    while out.len() + trailer_room < size {
        n += 1;
        out.extend_from_slice(format!("% padding {n:012} {seed:020}\n").as_bytes());
    }
    let xref_at = out.len();
    out.extend_from_slice(
        format!(
            "xref\n0 4\n0000000000 65535 f \ntrailer << /Size 4 /Root 1 0 R >>\nstartxref\n{xref_at}\n%%EOF\n"
        )
        .as_bytes(),
    );
    out
}

fn write(path: &Path, bytes: &[u8], secret: bool) -> Result<(), WorkdirError> {
    let fail = |source| WorkdirError::Io {
        path: path.to_owned(),
        source,
    };
    std::fs::write(path, bytes).map_err(fail)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = if secret { 0o600 } else { 0o644 };
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).map_err(fail)?;
    }
    Ok(())
}

fn path_string(path: &Path) -> String {
    std::path::absolute(path)
        .unwrap_or_else(|_| path.to_owned())
        .display()
        .to_string()
}
