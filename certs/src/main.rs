//! `idlink-certs`: generate, issue and inspect the idlink-harness test PKI.
//!
//! Exit codes: 0 success; 1 error (bad input, unreadable file, refused overwrite); 2 usage error;
//! 3 `inspect` ran but the certificate failed a check that was asked for (chain or CRL).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use idlink_certs::inspect::{InspectOptions, UsageChoice};
use idlink_certs::manifest::ensure_empty_dir;
use idlink_certs::{DEFAULT_P12_PASSWORD, KeyType, Pki, Variant};
use idlink_protocol::FacilityCode;

/// The idlink-harness test PKI: a root and an issuing CA, a server certificate for localhost, a
/// facility's client certificate and every broken variant, as PEM and PKCS#12. TEST ONLY.
#[derive(Debug, Parser)]
#[command(name = "idlink-certs", version, term_width = 100)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Write a complete, documented test PKI (README.txt and manifest.json say what each file is).
    Init {
        /// Output directory (created if missing; must be empty unless --force).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        #[command(flatten)]
        common: Common,
    },
    /// Write one client certificate variant, with a freshly generated CA (root, intermediate,
    /// CRL) in the same directory. It never reuses the CA of an existing set: CA keys are not
    /// written to disk. Use `init` for a set whose certificates share one CA.
    Issue {
        /// The variant to issue.
        #[arg(long, value_enum)]
        variant: Variant,
        /// Output directory (created if missing; must be empty unless --force).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        #[command(flatten)]
        common: Common,
    },
    /// Describe a certificate (PEM, DER or .p12) and check it against a CA and a CRL.
    Inspect {
        /// The certificate, chain or PKCS#12 file.
        file: PathBuf,
        /// CA certificate(s) to verify against (self-signed ones are trusted, others are used as
        /// intermediates), e.g. ca/ca-bundle.pem.
        #[arg(long, value_name = "CA.pem")]
        ca: Option<PathBuf>,
        /// CRL file (PEM or DER) to check revocation with, e.g. ca/crl.pem.
        #[arg(long, value_name = "CRL.pem")]
        crl: Option<PathBuf>,
        /// Password of a .p12/.pfx file [default: idlink-test].
        #[arg(long, env = "IDLINK_P12_PASSWORD", hide_env_values = true)]
        password: Option<String>,
        /// The TLS role to verify for; auto: facility certificates are clients, otherwise EKU.
        #[arg(long, value_enum, default_value_t = UsageChoice::Auto)]
        usage: UsageChoice,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, clap::Args)]
struct Common {
    /// The facility's 10-digit medical-institution code.
    #[arg(long, default_value = "0112345678", value_parser = FacilityCode::parse)]
    facility: FacilityCode,
    /// The facility of the other-facility variant.
    #[arg(long, default_value = "0198765432", value_parser = FacilityCode::parse)]
    other_facility: FacilityCode,
    /// Key algorithm for every key (rsa takes a few seconds).
    #[arg(long, value_enum, default_value_t = KeyType::EcdsaP256)]
    key_type: KeyType,
    /// Password for the .p12 files (a documented test password by default).
    #[arg(long, env = "IDLINK_P12_PASSWORD", hide_env_values = true, default_value = DEFAULT_P12_PASSWORD)]
    p12_password: String,
    /// Overwrite files in a non-empty output directory.
    #[arg(long)]
    force: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Init { out, common } => {
            let pki = generate(&out, &common)?;
            let manifest = pki.write_to(&out, &common.p12_password)?;
            println!(
                "wrote {} files for facility {} to {} (see README.txt and manifest.json)",
                manifest.files.len() + 2,
                manifest.facility,
                out.display()
            );
        }
        Command::Issue {
            variant,
            out,
            common,
        } => {
            let pki = generate(&out, &common)?;
            let manifest = pki.write_selected(&out, &common.p12_password, &[variant], &[])?;
            let id = pki.client(variant);
            println!(
                "wrote client/{variant}.* (serial {}, expected: {}) and a new CA, {} files, to {}",
                id.serial_hex(),
                variant.expected_verdict(),
                manifest.files.len() + 2,
                out.display()
            );
        }
        Command::Inspect {
            file,
            ca,
            crl,
            password,
            usage,
            json,
        } => {
            let options = InspectOptions {
                ca,
                crl,
                password,
                usage,
                at: time::OffsetDateTime::now_utc(),
            };
            let report = idlink_certs::inspect::inspect_file(&file, &options)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                print!("{report}");
            }
            if !report.passed() {
                return Ok(ExitCode::from(3));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn generate(out: &std::path::Path, common: &Common) -> anyhow::Result<Pki> {
    ensure_empty_dir(out, common.force)?;
    Pki::builder()
        .facility(common.facility.clone())
        .other_facility(common.other_facility.clone())
        .key_type(common.key_type)
        .build()
        .context("generating the test PKI")
}
