//! The command line as typed (clap derive), and its resolution into a [`Plan`] before any
//! network I/O (ripgrep's two phases): a usage or configuration mistake is reported with exit
//! code 2 before a single document is touched.

use std::path::PathBuf;
use std::time::Duration;

use std::ffi::OsString;

use clap::{Args, CommandFactory as _, FromArgMatches as _, Parser, Subcommand};
use idlink_i18n::{Lang, tr};

use idlink_formats::nsips;

use crate::config::{ClientConfig, ConfigError, DEFAULT_CONFIG_FILE, StrictnessSetting};
use crate::exit::EXIT_CODES_HELP;
use crate::metadata::MetadataHints;
use crate::preflight::PreflightOptions;

/// Uploads clinical documents (HL7 v2.5, NSIPS, PDF, text) to the ID-Link service center.
#[derive(Debug, Parser)]
#[command(name = "storeclient", version, after_help = EXIT_CODES_HELP)]
pub struct Cli {
    /// Configuration file (default: ./storeclient.toml).
    #[arg(
        long,
        short = 'c',
        global = true,
        env = "STORECLIENT_CONFIG",
        value_name = "FILE"
    )]
    pub config: Option<PathBuf>,
    /// Print the report as JSON on stdout instead of the human summary.
    #[arg(long, global = true)]
    pub json: bool,
    /// Write every HTTP attempt as a JSON line to FILE (secrets redacted).
    #[arg(long, global = true, value_name = "FILE")]
    pub trace: Option<PathBuf>,
    /// Language of the messages: ja or en (default: from LC_ALL, LC_MESSAGES, LANG; else en).
    #[arg(long, global = true, value_name = "LANG", value_parser = ["ja", "en"])]
    pub lang: Option<String>,
    /// More log output on stderr (-v info, -vv debug); RUST_LOG overrides.
    #[arg(long, short = 'v', global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write a commented configuration template.
    Init {
        /// Where to write it.
        #[arg(default_value = DEFAULT_CONFIG_FILE)]
        path: PathBuf,
        /// Overwrite an existing file.
        #[arg(long)]
        force: bool,
    },
    /// Validate documents offline, as the service center would (nothing is sent).
    Check {
        /// Documents to check.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Metadata and check options.
        #[command(flatten)]
        meta: MetaArgs,
        /// NSIPS record-schema profile (TOML) to check NSIPS files against (default:
        /// `upload.nsips_profile` from the configuration, if there is one).
        #[arg(long, value_name = "FILE")]
        nsips_profile: Option<PathBuf>,
    },
    /// Validate and upload documents now.
    Upload {
        /// Documents to upload.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Metadata for documents that do not carry their own.
        #[command(flatten)]
        meta: MetaArgs,
    },
    /// Upload everything in SPOOL/outbox once, then exit.
    Send {
        /// The spool folder (default: `spool.dir` from the configuration).
        #[arg(long, value_name = "DIR")]
        spool: Option<PathBuf>,
    },
    /// Keep uploading what appears in SPOOL/outbox until stopped (Ctrl-C, SIGTERM).
    Watch {
        /// The spool folder (default: `spool.dir` from the configuration).
        #[arg(long, value_name = "DIR")]
        spool: Option<PathBuf>,
        /// Seconds between looks into outbox/ (default: `spool.poll_seconds`).
        #[arg(long, value_name = "SECONDS")]
        poll_seconds: Option<f64>,
        /// Exit once outbox/ and work/ are empty.
        #[arg(long)]
        exit_when_idle: bool,
        /// Exit after this many seconds (after finishing the documents in progress).
        #[arg(long, value_name = "SECONDS")]
        max_runtime: Option<f64>,
    },
    /// Check the configuration, the identity and the connection, and say what to fix.
    Doctor,
}

/// Metadata flags for `upload` and `check`; a sidecar `FILE.meta.toml` fills what is missing.
#[derive(Debug, Clone, Default, Args)]
pub struct MetaArgs {
    /// Patient ID (HL7 messages carry it in PID-3).
    #[arg(long, value_name = "ID")]
    pub patient: Option<String>,
    /// SS-MIX2 data kind for HL7 (e.g. OMP-01), or an extended-storage kind for other documents.
    #[arg(long, value_name = "KIND")]
    pub data_kind: Option<String>,
    /// Care date, YYYYMMDD.
    #[arg(long, value_name = "YYYYMMDD")]
    pub care_date: Option<String>,
    /// Document kind when it cannot be detected: hl7, nsips, pdf, text.
    #[arg(long, value_name = "KIND")]
    pub kind: Option<String>,
    /// Destination: storage or appliance:<id> (default from the configuration).
    #[arg(long, value_name = "DEST")]
    pub destination: Option<String>,
    /// Character set override: iso-2022-jp, utf-8, shift_jis.
    #[arg(long, value_name = "CHARSET")]
    pub charset: Option<String>,
    /// Pre-flight strictness (default from the configuration, else strict).
    #[arg(long, value_parser = ["strict", "lenient"])]
    pub strictness: Option<String>,
}

impl MetaArgs {
    fn hints(&self) -> MetadataHints {
        MetadataHints {
            kind: self.kind.clone(),
            patient: self.patient.clone(),
            data_kind: self.data_kind.clone(),
            care_date: self.care_date.clone(),
            destination: self.destination.clone(),
            charset: self.charset.clone(),
        }
    }

    fn strictness(&self) -> Option<StrictnessSetting> {
        self.strictness.as_deref().map(|s| match s {
            "lenient" => StrictnessSetting::Lenient,
            _ => StrictnessSetting::Strict,
        })
    }
}

/// A resolved, validated run.
#[derive(Debug)]
pub struct Plan {
    /// What to do.
    pub action: Action,
    /// `--json`.
    pub json: bool,
    /// `--trace`.
    pub trace: Option<PathBuf>,
    /// `--lang`, else the environment's language.
    pub lang: idlink_i18n::Lang,
}

/// The resolved action.
#[derive(Debug)]
pub enum Action {
    /// Write the template.
    Init {
        /// Target file.
        path: PathBuf,
        /// Overwrite.
        force: bool,
    },
    /// Offline check.
    Check {
        /// Documents.
        files: Vec<PathBuf>,
        /// Metadata hints.
        hints: MetadataHints,
        /// Strictness and NSIPS profile.
        options: PreflightOptions,
    },
    /// Upload now.
    Upload {
        /// Loaded configuration.
        config: Box<ClientConfig>,
        /// Documents.
        files: Vec<PathBuf>,
        /// Metadata hints.
        hints: MetadataHints,
        /// Strictness (flag or configuration) and the configured NSIPS profile.
        options: PreflightOptions,
    },
    /// Spool run.
    Spool {
        /// Loaded configuration.
        config: Box<ClientConfig>,
        /// Spool root.
        dir: PathBuf,
        /// `None` for one pass (`send`), else the watch settings.
        watch: Option<WatchSettings>,
    },
    /// Diagnose; the configuration is loaded by the doctor itself, to explain failures.
    Doctor {
        /// The configuration file.
        config_path: PathBuf,
    },
}

/// How `watch` runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WatchSettings {
    /// Time between passes (already scaled).
    pub poll: Duration,
    /// Exit when idle.
    pub exit_when_idle: bool,
    /// Exit after this long (not scaled: it bounds wall time).
    pub max_runtime: Option<Duration>,
}

/// A usage or configuration error (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// The configuration could not be loaded.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// `--nsips-profile` could not be loaded.
    #[error("--nsips-profile")]
    NsipsProfile(#[source] nsips::ProfileError),
    /// No spool folder given.
    #[error("no spool folder: pass --spool DIR or set `spool.dir` in {0}")]
    NoSpool(PathBuf),
    /// A number is out of range.
    #[error("{flag}: expected a positive number of seconds")]
    BadSeconds {
        /// The flag.
        flag: &'static str,
    },
}

/// The language of the messages, read from the raw arguments before they are parsed, so that
/// `--help` and usage errors can already speak it: `--lang ja|en` (or `--lang=…`), else the
/// environment ([`Lang::choose`]).
pub fn lang_of_args(args: &[OsString]) -> Lang {
    idlink_i18n::clap_help::lang_of_args(args)
}

/// Parses the command line with `--help` in `lang`.
pub fn parse_from(args: Vec<OsString>, lang: Lang) -> Result<Cli, clap::Error> {
    let mut command = command(lang);
    let matches = command.try_get_matches_from_mut(args)?;
    Cli::from_arg_matches(&matches).map_err(|e| e.format(&mut command))
}

/// The clap command in `lang`. English is the derive's own text; for Japanese every `about`, every
/// argument's help, the headings and the exit codes come from the catalogue. Flags, value names,
/// defaults and possible values are the same in both.
pub fn command(lang: Lang) -> clap::Command {
    let command = Cli::command();
    if lang == Lang::En {
        return command;
    }
    let command = command
        .about(tr(lang, "client-help-about", &[]))
        .after_help(exit_codes_help(lang));
    // The walk over subcommands and arguments, the headings and clap's notes are i18n's
    // (shared with idlink-mock and idlink-conformance); the keys are storeclient's own.
    idlink_i18n::clap_help::localize_with(
        command,
        lang,
        &|name| subcommand_key(name).map(str::to_owned),
        &|sub, id| arg_key(sub, id).map(str::to_owned),
    )
}

/// The catalogue key of a subcommand's `about`.
fn subcommand_key(name: &str) -> Option<&'static str> {
    Some(match name {
        "init" => "client-help-init",
        "check" => "client-help-check",
        "upload" => "client-help-upload",
        "send" => "client-help-send",
        "watch" => "client-help-watch",
        "doctor" => "client-help-doctor",
        "help" => "client-help-help-subcommand",
        _ => return None,
    })
}

/// The catalogue key of an argument's help, by subcommand and argument ID.
fn arg_key(subcommand: Option<&str>, id: &str) -> Option<&'static str> {
    Some(match (subcommand, id) {
        (_, "help") => "client-help-help",
        (_, "version") => "client-help-version",
        (_, "config") => "client-help-config",
        (_, "json") => "client-help-json",
        (_, "trace") => "client-help-trace",
        (_, "lang") => "client-help-lang",
        (_, "verbose") => "client-help-verbose",
        (Some("init"), "path") => "client-help-init-path",
        (Some("init"), "force") => "client-help-init-force",
        (Some("check"), "files") => "client-help-check-files",
        (Some("upload"), "files") => "client-help-upload-files",
        (_, "nsips_profile") => "client-help-check-nsips-profile",
        (_, "spool") => "client-help-spool",
        (_, "poll_seconds") => "client-help-poll-seconds",
        (_, "exit_when_idle") => "client-help-exit-when-idle",
        (_, "max_runtime") => "client-help-max-runtime",
        (_, "patient") => "client-help-patient",
        (_, "data_kind") => "client-help-data-kind",
        (_, "care_date") => "client-help-care-date",
        (_, "kind") => "client-help-kind",
        (_, "destination") => "client-help-destination",
        (_, "charset") => "client-help-charset",
        (_, "strictness") => "client-help-strictness",
        _ => return None,
    })
}

/// A usage error in `lang`, for the kinds people make most (an unknown flag or subcommand, a
/// missing argument, a bad value); `None` where clap's own English text is shown (English, and
/// the rarer kinds).
pub fn usage_error(error: &clap::Error, lang: Lang) -> Option<String> {
    use clap::error::{ContextKind, ErrorKind};
    if lang == Lang::En {
        return None;
    }
    let context = |kind| error.get(kind).map(ToString::to_string).unwrap_or_default();
    let (key, args): (&str, Vec<(&str, String)>) = match error.kind() {
        ErrorKind::UnknownArgument => (
            "client-usage-unknown-argument",
            vec![("arg", context(ContextKind::InvalidArg))],
        ),
        ErrorKind::InvalidSubcommand => (
            "client-usage-unknown-subcommand",
            vec![("subcommand", context(ContextKind::InvalidSubcommand))],
        ),
        ErrorKind::MissingRequiredArgument => (
            "client-usage-missing-argument",
            vec![("arg", context(ContextKind::InvalidArg))],
        ),
        ErrorKind::InvalidValue | ErrorKind::ValueValidation => (
            "client-usage-invalid-value",
            vec![
                ("arg", context(ContextKind::InvalidArg)),
                ("value", context(ContextKind::InvalidValue)),
            ],
        ),
        _ => return None,
    };
    let args: Vec<idlink_i18n::Arg<'_>> = args.into_iter().map(|(k, v)| (k, v.into())).collect();
    let mut text = tr(lang, key, &args);
    let valid = context(ContextKind::ValidValue);
    if !valid.is_empty() {
        text.push_str(&tr(
            lang,
            "client-usage-valid-values",
            &[("values", valid.into())],
        ));
    }
    let suggested = [ContextKind::SuggestedSubcommand, ContextKind::SuggestedArg]
        .into_iter()
        .map(context)
        .find(|s| !s.is_empty());
    if let Some(s) = suggested {
        text.push_str(&tr(
            lang,
            "client-usage-suggested",
            &[("suggested", s.into())],
        ));
    }
    Some(format!(
        "{}\n{}",
        crate::messages::error_line(&text, lang),
        tr(lang, "client-usage-see-help", &[])
    ))
}

/// The exit codes after `--help`, in `lang` (English: [`EXIT_CODES_HELP`]).
pub fn exit_codes_help(lang: Lang) -> String {
    let mut text = tr(lang, "client-help-exit-codes", &[]);
    for code in [0, 2, 3, 4, 5, 6] {
        let line = tr(lang, &format!("client-help-exit-{code}"), &[]);
        text.push_str(&format!("\n  {code}  {line}"));
    }
    text.push('\n');
    text.push_str(&tr(lang, "client-help-exit-mixed", &[]));
    text
}

impl Cli {
    /// The configuration path in effect.
    pub fn config_path(&self) -> PathBuf {
        self.config
            .clone()
            .unwrap_or_else(|| PathBuf::from(DEFAULT_CONFIG_FILE))
    }

    /// Resolves flags and configuration into a plan; no network I/O happens here.
    pub fn plan(self) -> Result<Plan, PlanError> {
        let config_path = self.config_path();
        let load = || ClientConfig::from_path(&config_path).map(Box::new);
        let action = match self.command {
            Command::Init { path, force } => Action::Init { path, force },
            Command::Check {
                files,
                meta,
                nsips_profile,
            } => {
                // The configuration is optional for an offline check, and only its pre-flight
                // settings are read; a configuration that exists must be valid there.
                let mut options =
                    crate::config::preflight_from_path(&config_path)?.unwrap_or_default();
                if let Some(s) = meta.strictness() {
                    options.strictness = s;
                }
                if let Some(p) = nsips_profile {
                    options.nsips_profile =
                        Some(nsips::Profile::from_path(p).map_err(PlanError::NsipsProfile)?);
                }
                Action::Check {
                    files,
                    hints: meta.hints(),
                    options,
                }
            }
            Command::Upload { files, meta } => {
                let config = load()?;
                let mut options = config.preflight();
                if let Some(s) = meta.strictness() {
                    options.strictness = s;
                }
                Action::Upload {
                    config,
                    files,
                    hints: meta.hints(),
                    options,
                }
            }
            Command::Send { spool } => {
                let config = load()?;
                let dir = spool_dir(spool, &config)?;
                Action::Spool {
                    config,
                    dir,
                    watch: None,
                }
            }
            Command::Watch {
                spool,
                poll_seconds,
                exit_when_idle,
                max_runtime,
            } => {
                let config = load()?;
                let dir = spool_dir(spool, &config)?;
                let secs = |flag, v: f64| {
                    Duration::try_from_secs_f64(v).map_err(|_| PlanError::BadSeconds { flag })
                };
                let poll = match poll_seconds {
                    Some(p) => secs("--poll-seconds", p)?,
                    None => config.poll_interval,
                };
                let max_runtime = max_runtime.map(|m| secs("--max-runtime", m)).transpose()?;
                Action::Spool {
                    watch: Some(WatchSettings {
                        poll: config.scaled(poll),
                        exit_when_idle,
                        max_runtime,
                    }),
                    config,
                    dir,
                }
            }
            Command::Doctor => Action::Doctor { config_path },
        };
        Ok(Plan {
            action,
            json: self.json,
            trace: self.trace,
            lang: idlink_i18n::Lang::choose(self.lang.as_deref()),
        })
    }
}

fn spool_dir(flag: Option<PathBuf>, config: &ClientConfig) -> Result<PathBuf, PlanError> {
    flag.or_else(|| config.spool_dir.clone())
        .ok_or_else(|| PlanError::NoSpool(config.source.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
        command(Lang::Ja).debug_assert();
    }

    #[test]
    fn the_exit_codes_in_english_are_the_documented_text() {
        assert_eq!(exit_codes_help(Lang::En), EXIT_CODES_HELP);
        let ja = exit_codes_help(Lang::Ja);
        assert!(ja.starts_with("終了コード:\n  0  "), "{ja}");
        assert!(ja.contains("4 > 5 > 6 > 3 > 0"), "{ja}");
    }

    #[test]
    fn every_argument_and_subcommand_has_japanese_help() {
        // Every key exists, and the English catalogue says what the derive's help says, so the
        // two languages cannot drift apart.
        let en = |key: &str| Some(tr(Lang::En, key, &[]));
        fn walk(c: &clap::Command, sub: Option<&str>, en: &dyn Fn(&str) -> Option<String>) {
            for a in c.get_arguments() {
                let id = a.get_id().as_str();
                let key = arg_key(sub, id);
                assert!(key.is_some(), "no help key for {sub:?} {id}");
                let help = a.get_help().map(ToString::to_string);
                assert_eq!(key.and_then(en), help, "{sub:?} {id}");
            }
            for s in c.get_subcommands() {
                let key = subcommand_key(s.get_name());
                assert!(key.is_some(), "{}", s.get_name());
                let about = s.get_about().map(ToString::to_string);
                assert_eq!(key.and_then(en), about, "{}", s.get_name());
                walk(s, Some(s.get_name()), en);
            }
        }
        let mut c = Cli::command();
        c.build();
        assert_eq!(
            en("client-help-about"),
            c.get_about().map(ToString::to_string)
        );
        walk(&c, None, &en);
    }

    #[test]
    fn common_usage_errors_are_said_in_japanese_and_the_rest_left_to_clap() {
        let args = |a: &[&str]| a.iter().map(OsString::from).collect::<Vec<_>>();
        let ja = |a: &[&str]| {
            let e = parse_from(args(a), Lang::Ja).expect_err("a usage error");
            usage_error(&e, Lang::Ja)
        };
        let unknown = ja(&["storeclient", "uplod"]).expect("Japanese");
        assert!(
            unknown.contains("uplod") && unknown.contains("サブコマンド"),
            "{unknown}"
        );
        assert!(
            unknown.contains("'upload'"),
            "clap's suggestion is kept: {unknown}"
        );
        let flag = ja(&["storeclient", "send", "--spoool", "x"]).expect("Japanese");
        assert!(flag.contains("--spoool"), "{flag}");
        let missing = ja(&["storeclient", "upload"]).expect("Japanese");
        assert!(missing.contains("<FILES>"), "{missing}");
        let value = ja(&["storeclient", "--lang", "fr", "doctor"]).expect("Japanese");
        assert!(value.contains("fr") && value.contains("ja, en"), "{value}");
        let e = parse_from(args(&["storeclient", "uplod"]), Lang::En).unwrap_err();
        assert_eq!(usage_error(&e, Lang::En), None);
    }

    #[test]
    fn the_language_is_read_from_the_raw_arguments() {
        let args = |a: &[&str]| a.iter().map(OsString::from).collect::<Vec<_>>();
        assert_eq!(
            lang_of_args(&args(&["storeclient", "--lang", "ja", "--help"])),
            Lang::Ja
        );
        assert_eq!(
            lang_of_args(&args(&["storeclient", "doctor", "--lang=ja"])),
            Lang::Ja
        );
        assert_eq!(
            lang_of_args(&args(&["storeclient", "--lang", "en", "doctor"])),
            Lang::En
        );
        // After `--` it is a file name, not a flag.
        assert_eq!(
            lang_of_args(&args(&[
                "storeclient",
                "--lang",
                "en",
                "check",
                "--",
                "--lang=ja"
            ])),
            Lang::En
        );
    }

    #[test]
    fn a_missing_configuration_is_a_plan_error_before_any_io() {
        let cli = Cli::parse_from(["storeclient", "--config", "/nonexistent/x.toml", "send"]);
        assert!(matches!(
            cli.plan(),
            Err(PlanError::Config(ConfigError::Read { .. }))
        ));
    }
}
