//! The `idlink-mock` command line: `serve` and `config --demo`.
//!
//! Two phases, as ripgrep does it: clap turns flags into [`Cli`], [`ServePlan::resolve`] turns
//! those into a checked plan (configuration read, directories decided) before anything is bound.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use idlink_certs::Pki;
use idlink_protocol::FacilityCode;
use serde::Serialize;

use crate::center::{MockCenter, Ports};
use crate::config::{AccessMode, DEMO_FACILITY, MockConfig};
use crate::kit::CLIENT_CONFIG_FILE;
use crate::tls::TlsMaterial;

/// Exit code: the server ran and stopped cleanly.
pub const EXIT_OK: u8 = 0;
/// Exit code: a runtime failure (configuration, bind, storage...).
pub const EXIT_FAILURE: u8 = 1;
/// Exit code: bad command-line usage (clap's own code).
pub const EXIT_USAGE: u8 = 2;

/// The mock ID-Link service center (TEST ONLY).
#[derive(Debug, Parser)]
#[command(name = "idlink-mock", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the service center until Ctrl-C or SIGTERM.
    Serve(ServeArgs),
    /// Print a configuration.
    Config {
        /// Print the built-in demo configuration as TOML.
        #[arg(long)]
        demo: bool,
    },
}

/// Flags of `idlink-mock serve`.
#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// The configuration (TOML); default: the built-in demo configuration.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Data directory: documents, transaction log, journal, PKI and client kits.
    #[arg(long, value_name = "DIR", default_value = "idlink-mock-data")]
    pub data: PathBuf,
    /// Port of the mutual-TLS listener (0: an ephemeral port, so runs never collide).
    #[arg(long, value_name = "P", default_value_t = 0)]
    pub mtls_port: u16,
    /// Port of the VPN listener (0: ephemeral).
    #[arg(long, value_name = "P", default_value_t = 0)]
    pub vpn_port: u16,
    /// Port of the admin listener (0: ephemeral).
    #[arg(long, value_name = "P", default_value_t = 0)]
    pub admin_port: u16,
    /// Print exactly one JSON line on stdout when ready (human text goes to stderr).
    #[arg(long)]
    pub print_json: bool,
    /// Run this scenario (`docs/scenarios.md`): its setup replaces the configuration's accounts
    /// and consents, its state machine decides how the center behaves.
    #[arg(long, value_name = "FILE")]
    pub scenario: Option<PathBuf>,
    /// Multiplies every scenario duration (1.0 = real time).
    #[arg(long, value_name = "X")]
    pub time_scale: Option<f64>,
}

/// What `serve` will do, decided before any I/O on sockets.
#[derive(Debug, Clone)]
pub struct ServePlan {
    /// The configuration, with `data_dir` set.
    pub config: MockConfig,
    /// The data directory (absolute).
    pub data_dir: PathBuf,
    /// `DATA/pki`.
    pub pki_dir: PathBuf,
    /// `DATA/kit`.
    pub kit_dir: PathBuf,
    /// Ports to bind.
    pub ports: Ports,
    /// Machine-readable output.
    pub print_json: bool,
    /// The scenario to run, checked.
    pub scenario: Option<crate::scenario::Scenario>,
    /// The time scale.
    pub time_scale: Option<f64>,
}

impl ServePlan {
    /// Reads the configuration and decides directories.
    pub fn resolve(args: &ServeArgs) -> anyhow::Result<Self> {
        let scenario = args
            .scenario
            .as_ref()
            .map(crate::scenario::Scenario::from_path)
            .transpose()?;
        let mut config = match (&args.config, &scenario) {
            (Some(path), _) => MockConfig::from_path(path)?,
            (None, Some(scenario)) => scenario.mock_config("scenario-pass"),
            (None, None) => MockConfig::demo(),
        };
        std::fs::create_dir_all(&args.data)
            .with_context(|| format!("cannot create the data directory {}", args.data.display()))?;
        let data_dir = std::path::absolute(&args.data)
            .with_context(|| format!("cannot resolve {}", args.data.display()))?;
        config.data_dir = Some(data_dir.clone());
        Ok(Self {
            config,
            pki_dir: data_dir.join("pki"),
            kit_dir: data_dir.join("kit"),
            data_dir,
            ports: Ports {
                mtls: args.mtls_port,
                vpn: args.vpn_port,
                admin: args.admin_port,
            },
            print_json: args.print_json,
            scenario,
            time_scale: args.time_scale,
        })
    }
}

/// The line `serve --print-json` prints and the content of `DATA/ready.json`.
#[derive(Debug, Clone, Serialize)]
pub struct Ready {
    /// The mTLS listener.
    pub mtls_url: String,
    /// The VPN listener.
    pub vpn_url: String,
    /// The admin listener.
    pub admin_url: String,
    /// The admin bearer token.
    pub admin_token: String,
    /// The data directory.
    pub data_dir: PathBuf,
    /// The PKI directory (`manifest.json` describes it).
    pub pki_dir: PathBuf,
    /// The documents' root.
    pub storage: PathBuf,
    /// The journal file.
    pub journal: PathBuf,
    /// Account ID → its `storeclient.toml`.
    pub kits: std::collections::BTreeMap<String, PathBuf>,
    /// Whether the PKI was generated now (false: reused from an earlier run).
    pub pki_generated: bool,
    /// The server's process ID.
    pub pid: u32,
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Config { demo } => {
            if !demo {
                anyhow::bail!("nothing to print: use `idlink-mock config --demo`");
            }
            print!("{}", MockConfig::demo().to_toml_string()?);
            Ok(ExitCode::from(EXIT_OK))
        }
        Command::Serve(args) => {
            let plan = ServePlan::resolve(&args)?;
            let runtime = tokio::runtime::Runtime::new().context("cannot start the runtime")?;
            runtime.block_on(serve(plan))?;
            Ok(ExitCode::from(EXIT_OK))
        }
    }
}

/// `idlink-mock serve`: start, print what a client needs, run until a signal, stop cleanly.
pub async fn serve(plan: ServePlan) -> anyhow::Result<()> {
    let signals = StopSignals::register()?;
    let manifest = plan.pki_dir.join(idlink_certs::manifest::MANIFEST_FILE);
    let pki_generated = !manifest.exists();
    let builder = if pki_generated {
        let facility = plan
            .config
            .accounts
            .iter()
            .find(|a| a.mode == AccessMode::Certificate)
            .map(|a| a.facility.clone())
            .or_else(|| FacilityCode::parse(DEMO_FACILITY).ok())
            .context("no facility to issue certificates for")?;
        let mut builder = Pki::builder().facility(facility.clone());
        if let Some(other) = plan
            .config
            .accounts
            .iter()
            .find(|a| a.mode == AccessMode::Certificate && a.facility != facility)
        {
            builder = builder.other_facility(other.facility.clone());
        }
        let pki = builder.build().context("cannot generate the test PKI")?;
        pki.write_to(&plan.pki_dir, idlink_certs::DEFAULT_P12_PASSWORD)
            .with_context(|| format!("cannot write the PKI to {}", plan.pki_dir.display()))?;
        MockCenter::builder(plan.config.clone()).pki(pki)
    } else {
        MockCenter::builder(plan.config.clone()).tls(TlsMaterial::from_pki_dir(&plan.pki_dir)?)
    };
    let mut builder = builder.ports(plan.ports);
    if let Some(scenario) = &plan.scenario {
        builder = builder.scenario(scenario.clone());
    }
    if let Some(scale) = plan.time_scale {
        builder = builder.time_scale(scale);
    }
    let center = builder.start().await?;

    let mut kits = std::collections::BTreeMap::new();
    for account in &plan.config.accounts {
        let dir = plan.kit_dir.join(&account.id);
        if center.pki().is_some() {
            match center.write_client_kit(&dir, &account.id) {
                Ok(kit) => {
                    kits.insert(account.id.clone(), kit.config);
                }
                Err(error) => {
                    tracing::info!(account = %account.id, %error, "no client kit for this account")
                }
            }
        } else if dir.join(CLIENT_CONFIG_FILE).exists() {
            let url = match account.mode {
                AccessMode::Certificate => center.mtls_url(),
                AccessMode::Vpn => center.vpn_url(),
            };
            crate::kit::update_url(&dir.join(CLIENT_CONFIG_FILE), &url)?;
            kits.insert(account.id.clone(), dir.join(CLIENT_CONFIG_FILE));
        }
    }

    let ready = Ready {
        mtls_url: center.mtls_url(),
        vpn_url: center.vpn_url(),
        admin_url: center.admin_url(),
        admin_token: center.admin_token().to_owned(),
        data_dir: plan.data_dir.clone(),
        pki_dir: plan.pki_dir.clone(),
        storage: center.store().root().to_owned(),
        journal: center.journal().path().to_owned(),
        kits,
        pki_generated,
        pid: std::process::id(),
    };
    let json = serde_json::to_string(&ready)?;
    write_ready_file(&plan.data_dir.join("ready.json"), &json)?;
    let human = describe(&ready, &plan);
    if plan.print_json {
        eprint!("{human}");
        println!("{json}");
    } else {
        print!("{human}");
    }
    std::io::stdout().flush().ok();

    signals.wait().await?;
    eprintln!("idlink-mock: stopping (waiting for open exchanges)");
    center.shutdown().await;
    eprintln!("idlink-mock: stopped");
    Ok(())
}

fn write_ready_file(path: &Path, json: &str) -> anyhow::Result<()> {
    // Written to a temporary name and renamed, so a reader never sees half a file.
    let temp = path.with_extension("json.tmp");
    std::fs::write(&temp, format!("{json}\n"))
        .with_context(|| format!("cannot write {}", temp.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&temp, std::fs::Permissions::from_mode(0o600))
            .with_context(|| format!("cannot restrict {}", temp.display()))?;
    }
    std::fs::rename(&temp, path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

fn describe(ready: &Ready, plan: &ServePlan) -> String {
    let mut text = format!(
        "idlink-mock service center (TEST ONLY)\n\
         \x20 mTLS listener : {}\n\
         \x20 VPN listener  : {}\n\
         \x20 admin         : {}/  (Authorization: Bearer {})\n\
         \x20 data          : {}\n\
         \x20 PKI           : {} ({})\n\
         \x20 journal       : {}\n",
        ready.mtls_url,
        ready.vpn_url,
        ready.admin_url,
        ready.admin_token,
        ready.data_dir.display(),
        ready.pki_dir.display(),
        if ready.pki_generated {
            "generated now"
        } else {
            "reused"
        },
        ready.journal.display(),
    );
    text.push_str("  client kits (CA ca.pem, client.chain.pem + client.key.pem or client.p12, account.password):\n");
    for (account, config) in &ready.kits {
        text.push_str(&format!("    {account:<22} {}\n", config.display()));
    }
    text.push_str(&format!(
        "  ready file    : {}\nPress Ctrl-C to stop.\n",
        plan.data_dir.join("ready.json").display()
    ));
    text
}

/// Stop signals, registered before the ready line is printed: a signal that arrives right after
/// a caller read the line must stop the server cleanly, not kill it with the default action.
struct StopSignals {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl StopSignals {
    fn register() -> anyhow::Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Self {
                interrupt: signal(SignalKind::interrupt()).context("cannot listen for Ctrl-C")?,
                terminate: signal(SignalKind::terminate()).context("cannot listen for SIGTERM")?,
            })
        }
        #[cfg(not(unix))]
        Ok(Self {})
    }

    async fn wait(mut self) -> anyhow::Result<()> {
        #[cfg(unix)]
        tokio::select! {
            _ = self.interrupt.recv() => {}
            _ = self.terminate.recv() => {}
        }
        #[cfg(not(unix))]
        tokio::signal::ctrl_c()
            .await
            .context("cannot listen for Ctrl-C")?;
        Ok(())
    }
}
