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
use idlink_i18n::{Lang, tr};
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
    /// The language of the messages printed (`ja` or `en`); without it, LC_ALL / LC_MESSAGES /
    /// LANG (ja_JP.* is Japanese), else English. `--print-json` and ready.json are the same in
    /// both.
    #[arg(long, global = true, value_name = "LANG", value_parser = ["ja", "en"])]
    pub lang: Option<String>,
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
    /// The language of what is printed for people.
    pub lang: Lang,
}

impl ServePlan {
    /// Reads the configuration and decides directories; `lang` is what people read.
    pub fn resolve(args: &ServeArgs, lang: Lang) -> anyhow::Result<Self> {
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
            lang,
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

/// The clap command with `--help` in `lang`: English is the derive's own text, Japanese comes
/// from the `mock-help-*` catalogue entries (i18n's `clap_help`).
pub fn command(lang: Lang) -> clap::Command {
    idlink_i18n::clap_help::localize(<Cli as clap::CommandFactory>::command(), lang, "mock-help")
}

/// Parses `args` with `--help` in the language the arguments or the locale ask for.
pub fn parse_from(args: Vec<std::ffi::OsString>) -> Result<Cli, clap::Error> {
    use clap::FromArgMatches as _;
    let mut command = command(idlink_i18n::clap_help::lang_of_args(&args));
    let matches = command.try_get_matches_from_mut(args)?;
    Cli::from_arg_matches(&matches).map_err(|e| e.format(&mut command))
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let lang = Lang::choose(cli.lang.as_deref());
    match cli.command {
        Command::Config { demo } => {
            if !demo {
                anyhow::bail!(tr(lang, "mock-config-nothing", &[]));
            }
            print!("{}", MockConfig::demo().to_toml_string()?);
            Ok(ExitCode::from(EXIT_OK))
        }
        Command::Serve(args) => {
            let plan = ServePlan::resolve(&args, lang)?;
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
        // With the CA keys (test PKI only, owner-only files in ca/private/) so that the
        // certificate desk can issue and revoke again after a restart (issue 13).
        pki.write_with_ca_keys(&plan.pki_dir, idlink_certs::DEFAULT_P12_PASSWORD)
            .with_context(|| format!("cannot write the PKI to {}", plan.pki_dir.display()))?;
        // TLS material from the files just written, as on every later start: one path, and the
        // desk writes its CRLs where the next start reads them. The PKI itself writes the kits.
        MockCenter::builder(plan.config.clone())
            .pki(pki)
            .tls(TlsMaterial::from_pki_dir(&plan.pki_dir)?)
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
    eprintln!("{}", tr(plan.lang, "mock-stopping", &[]));
    center.shutdown().await;
    eprintln!("{}", tr(plan.lang, "mock-stopped", &[]));
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

/// What a person reads when the center is up, in `plan.lang` (each language aligns its own
/// labels in the catalogue).
fn describe(ready: &Ready, plan: &ServePlan) -> String {
    let lang = plan.lang;
    let line = |key: &str, args: &[(&str, String)]| {
        let args: Vec<_> = args
            .iter()
            .map(|(name, value)| (*name, value.as_str().into()))
            .collect();
        format!("{}\n", tr(lang, key, &args))
    };
    let path = |p: &Path| p.display().to_string();
    let how = tr(
        lang,
        if ready.pki_generated {
            "mock-ready-pki-generated"
        } else {
            "mock-ready-pki-reused"
        },
        &[],
    );
    let mut text = line("mock-ready-title", &[]);
    text.push_str(&line("mock-ready-mtls", &[("url", ready.mtls_url.clone())]));
    text.push_str(&line("mock-ready-vpn", &[("url", ready.vpn_url.clone())]));
    text.push_str(&line(
        "mock-ready-admin",
        &[
            ("url", ready.admin_url.clone()),
            ("token", ready.admin_token.clone()),
        ],
    ));
    text.push_str(&line("mock-ready-data", &[("path", path(&ready.data_dir))]));
    text.push_str(&line(
        "mock-ready-pki",
        &[("path", path(&ready.pki_dir)), ("how", how)],
    ));
    text.push_str(&line(
        "mock-ready-journal",
        &[("path", path(&ready.journal))],
    ));
    text.push_str(&line("mock-ready-kits", &[]));
    for (account, config) in &ready.kits {
        text.push_str(&format!("    {account:<22} {}\n", config.display()));
    }
    let ready_file = path(&plan.data_dir.join("ready.json"));
    text.push_str(&line("mock-ready-file", &[("path", ready_file)]));
    text.push_str(&line("mock-ready-stop", &[]));
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

#[cfg(test)]
mod tests {
    use super::*;

    fn ready_and_plan(lang: Lang) -> (Ready, ServePlan, tempfile::TempDir) {
        let data = tempfile::tempdir().unwrap();
        let args = ServeArgs::parse_from_data(data.path());
        let plan = ServePlan::resolve(&args, lang).unwrap();
        let ready = Ready {
            mtls_url: "https://127.0.0.1:1001".into(),
            vpn_url: "http://127.0.0.1:1002".into(),
            admin_url: "http://127.0.0.1:1003".into(),
            admin_token: "token".into(),
            data_dir: "/data".into(),
            pki_dir: "/data/pki".into(),
            storage: "/data/storage".into(),
            journal: "/data/journal.jsonl".into(),
            kits: [(
                "fac-0112345678".to_owned(),
                PathBuf::from("/kit/storeclient.toml"),
            )]
            .into(),
            pki_generated: true,
            pid: 1,
        };
        (ready, plan, data)
    }

    impl ServeArgs {
        fn parse_from_data(data: &Path) -> Self {
            let cli = Cli::parse_from(["idlink-mock", "serve", "--data", &data.to_string_lossy()]);
            match cli.command {
                Command::Serve(args) => args,
                Command::Config { .. } => unreachable!("serve was parsed"),
            }
        }
    }

    #[test]
    fn the_english_help_catalogue_is_the_derive_help() {
        use clap::CommandFactory as _;
        let drift = idlink_i18n::clap_help::english_mismatches(Cli::command(), "mock-help");
        assert!(drift.is_empty(), "{drift:#?}");
        command(Lang::Ja).debug_assert();
    }

    #[test]
    fn the_ready_text_is_unchanged_in_english_and_reads_in_japanese_with_the_same_values() {
        let (ready, plan, data) = ready_and_plan(Lang::En);
        let english = describe(&ready, &plan);
        let ready_file = data.path().canonicalize().unwrap().join("ready.json");
        assert_eq!(
            english,
            format!(
                "idlink-mock service center (TEST ONLY)\n\
                 \x20 mTLS listener : https://127.0.0.1:1001\n\
                 \x20 VPN listener  : http://127.0.0.1:1002\n\
                 \x20 admin         : http://127.0.0.1:1003/  (Authorization: Bearer token)\n\
                 \x20 data          : /data\n\
                 \x20 PKI           : /data/pki (generated now)\n\
                 \x20 journal       : /data/journal.jsonl\n\
                 \x20 client kits (CA ca.pem, client.chain.pem + client.key.pem or client.p12, account.password):\n\
                 \x20   fac-0112345678         /kit/storeclient.toml\n\
                 \x20 ready file    : {}\n\
                 Press Ctrl-C to stop.\n",
                ready_file.display()
            )
        );

        let (_, plan, _data) = ready_and_plan(Lang::Ja);
        let japanese = describe(&ready, &plan);
        assert!(japanese.starts_with("idlink-mock サービスセンター（試験専用）\n"));
        for value in [
            "https://127.0.0.1:1001",
            "Bearer token",
            "/data/pki（今回生成）",
            "fac-0112345678         /kit/storeclient.toml",
            "Ctrl-C",
        ] {
            assert!(japanese.contains(value), "{value} in {japanese}");
        }
    }
}
