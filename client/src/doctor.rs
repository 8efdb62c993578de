//! `storeclient doctor`: checks the setup step by step and says in plain words what is wrong
//! and what to do, before a vendor engineer has to read a TLS error.
//!
//! Order matters: configuration, then the files it names (CA, certificate, key), then what the
//! certificate says (expiry, chain, facility), and only then the network (`GET /v1/whoami`,
//! `PROTO-CONN-001`), so the first failure shown is the root cause.

use std::fmt::Write as _;
use std::path::Path;

use idlink_certs::inspect::{self, Usage};
use serde::Serialize;

use crate::config::{ClientConfig, IdentityConfig};
use crate::exit::ExitStatus;
use crate::identity;
use crate::report::error_chain;
use crate::upload::{Client, UploadError};

/// Certificates expiring sooner than this get a warning.
const EXPIRY_WARNING_DAYS: i64 = 30;

/// One line of the diagnosis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// What was checked.
    pub topic: &'static str,
    /// Outcome.
    pub verdict: Verdict,
    /// What was found, and for a failure what to do.
    pub message: String,
}

/// Outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Fine.
    Ok,
    /// Works, but needs attention soon.
    Warn,
    /// Broken; the message says what to do.
    Fail,
}

/// The whole diagnosis.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Diagnosis {
    /// Checks in the order they ran.
    pub checks: Vec<Check>,
    /// Exit status: 0 all fine, 2 configuration, 4 identity or account, 5 refused, 6 unreachable.
    pub exit: Option<ExitStatus>,
}

impl Diagnosis {
    fn push(&mut self, topic: &'static str, verdict: Verdict, message: impl Into<String>) {
        self.checks.push(Check {
            topic,
            verdict,
            message: message.into(),
        });
    }

    fn fail(&mut self, topic: &'static str, message: impl Into<String>, status: ExitStatus) {
        self.push(topic, Verdict::Fail, message);
        self.exit = Some(self.exit.map_or(status, |s| s.worst(status)));
    }

    /// The exit status of the diagnosis.
    pub fn exit_status(&self) -> ExitStatus {
        self.exit.unwrap_or(ExitStatus::Success)
    }

    /// Human rendering, one line per check.
    pub fn render_human(&self) -> String {
        let mut out = String::new();
        for c in &self.checks {
            let v = match c.verdict {
                Verdict::Ok => "ok  ",
                Verdict::Warn => "WARN",
                Verdict::Fail => "FAIL",
            };
            let _ = writeln!(out, "{v}  {:<12} {}", c.topic, c.message);
        }
        let status = self.exit_status();
        let _ = writeln!(
            out,
            "{} (exit {})",
            if status == ExitStatus::Success {
                "everything needed to upload works"
            } else {
                "fix the FAIL lines above, top first, then run `storeclient doctor` again"
            },
            status.code()
        );
        out
    }
}

/// Runs every check it can; later checks are skipped when an earlier one makes them moot.
pub async fn diagnose(config_path: &Path) -> Diagnosis {
    let mut d = Diagnosis::default();
    let config = match ClientConfig::from_path(config_path) {
        Ok(c) => {
            d.push(
                "config",
                Verdict::Ok,
                format!("{} is valid", config_path.display()),
            );
            for w in &c.warnings {
                d.push("permissions", Verdict::Warn, w.clone());
            }
            c
        }
        Err(e) => {
            d.fail("config", error_chain(&e), ExitStatus::Usage);
            return d;
        }
    };
    let identity_ok = check_identity(&config, &mut d);
    if !identity_ok {
        return d;
    }
    check_connection(&config, &mut d).await;
    d
}

fn check_identity(config: &ClientConfig, d: &mut Diagnosis) -> bool {
    let ca = match identity::load_ca(config) {
        Ok(ca) => {
            let subjects: Vec<String> = ca.iter().map(inspect::subject_of).collect();
            d.push(
                "ca",
                Verdict::Ok,
                format!("{}: trusts {}", config.ca.display(), subjects.join("; ")),
            );
            ca
        }
        Err(e) => {
            d.fail("ca", error_chain(&e), ExitStatus::Usage);
            return false;
        }
    };
    let loaded = match identity::load_identity(config) {
        Ok(None) => {
            d.push(
                "identity",
                Verdict::Ok,
                "VPN mode: no client certificate; the account alone authenticates",
            );
            return true;
        }
        Ok(Some(id)) => id,
        Err(e) => {
            d.fail(
                "identity",
                format!("{}; check `identity` in the configuration", error_chain(&e)),
                ExitStatus::Auth,
            );
            return false;
        }
    };
    let what = match &config.identity {
        IdentityConfig::Pkcs12 { .. } => "PKCS#12 file",
        _ => "certificate and key",
    };
    let Some(leaf) = loaded.identity.chain.first() else {
        d.fail(
            "identity",
            format!("{} holds no certificate", loaded.path.display()),
            ExitStatus::Auth,
        );
        return false;
    };
    let info = match inspect::cert_info(leaf) {
        Ok(i) => i,
        Err(e) => {
            d.fail(
                "identity",
                format!("{}: {e}", loaded.path.display()),
                ExitStatus::Auth,
            );
            return false;
        }
    };
    d.push(
        "identity",
        Verdict::Ok,
        format!(
            "{what} {}: {} ({}); the key matches the certificate",
            loaded.path.display(),
            info.subject,
            info.key_algorithm
        ),
    );
    let now = time::OffsetDateTime::now_utc();
    let days_left = (info.not_after - now).whole_days();
    let mut ok = true;
    if info.not_after < now {
        d.fail(
            "expiry",
            format!("the client certificate expired on {}: ask the service center for a renewed certificate for facility {}", inspect::date(&info.not_after), config.facility),
            ExitStatus::Auth,
        );
        ok = false;
    } else if days_left < EXPIRY_WARNING_DAYS {
        d.push(
            "expiry",
            Verdict::Warn,
            format!(
                "the client certificate expires on {} ({days_left} days): request a renewal now",
                inspect::date(&info.not_after)
            ),
        );
    } else {
        d.push(
            "expiry",
            Verdict::Ok,
            format!("valid until {}", inspect::date(&info.not_after)),
        );
    }
    match inspect::verify_chain(
        leaf,
        &loaded.identity.chain[1..],
        &ca,
        &[],
        Usage::Client,
        now,
    ) {
        Ok(()) => d.push(
            "chain",
            Verdict::Ok,
            "the certificate chains to the configured CA and allows client authentication",
        ),
        // Expiry was reported above in plainer words.
        Err(inspect::ChainError::Expired { .. }) if !ok => {}
        Err(e) => {
            d.fail(
                "chain",
                format!("{e}; the service center will refuse this certificate"),
                ExitStatus::Auth,
            );
            ok = false;
        }
    }
    match &info.facility {
        Some(f) if f == &config.facility => {
            d.push(
                "facility",
                Verdict::Ok,
                format!("the certificate is issued for facility {f}, as configured"),
            );
        }
        Some(f) => {
            d.fail(
                "facility",
                format!("the certificate is issued for facility {f} but the configuration says {}: use the certificate issued for {} or correct `facility.code`", config.facility, config.facility),
                ExitStatus::Auth,
            );
            ok = false;
        }
        None => {
            d.fail(
                "facility",
                "the certificate names no facility code: it is not an ID-Link facility certificate",
                ExitStatus::Auth,
            );
            ok = false;
        }
    }
    ok
}

async fn check_connection(config: &ClientConfig, d: &mut Diagnosis) {
    let url = config
        .service_urls
        .first()
        .map(|u| u.to_string())
        .unwrap_or_default();
    let client = match Client::from_config(config) {
        Ok(c) => c,
        Err(e) => {
            d.fail("connection", error_chain(&e), ExitStatus::Auth);
            return;
        }
    };
    match client.whoami().await {
        Ok(w) => {
            let cert = w
                .client_certificate
                .as_ref()
                .map(|c| format!(", certificate {}", c.subject))
                .unwrap_or_default();
            d.push(
                "connection",
                Verdict::Ok,
                format!(
                    "{url}: signed in as {} (facility {}) on the {} listener, {} {}{cert}",
                    w.account,
                    w.facility,
                    w.listener,
                    w.tls.version,
                    w.tls.alpn.as_deref().unwrap_or("no ALPN"),
                ),
            );
            if w.facility != config.facility.as_str() {
                d.fail("facility", format!("the account belongs to facility {} but the configuration says {}: correct `facility.code` or `account.id`", w.facility, config.facility), ExitStatus::Auth);
            }
            if let Ok(server) = time::OffsetDateTime::parse(
                &w.server_time,
                &time::format_description::well_known::Rfc3339,
            ) {
                let skew = (server - time::OffsetDateTime::now_utc())
                    .whole_seconds()
                    .abs();
                if skew > 300 {
                    d.push("clock", Verdict::Warn, format!("this computer's clock is {skew} s off the service center's: certificate checks may fail; fix the time (NTP)"));
                }
            }
        }
        Err(e) => {
            let status = e.exit_status();
            let advice = advice_for(&e);
            d.fail(
                "connection",
                format!("{url}: {}{advice}", error_chain(&e)),
                status,
            );
        }
    }
}

fn advice_for(e: &UploadError) -> &'static str {
    use idlink_protocol::ProblemCode as P;
    match e.problem().and_then(|p| p.known_code()) {
        Some(P::BadCredentials | P::Unauthenticated) => {
            "; check `account.id` and the password file against the transfer account sheet"
        }
        Some(P::AccountLocked) => {
            "; too many failed logins: ask the service center to unlock the account"
        }
        Some(P::PasswordExpired) => {
            "; set a new password with the service center, then update the password file"
        }
        Some(P::AccountDisabled) => "; ask the service center why the account is disabled",
        Some(P::WrongListener) => {
            "; certificate accounts use the mTLS URL, VPN accounts the VPN URL: check `service.url` and `identity.mode`"
        }
        Some(P::CertificateFacilityMismatch) => {
            "; the certificate and the account belong to different facilities"
        }
        _ => match e {
            UploadError::Transport(crate::classify::TransportFailure::Unreachable { .. }) => {
                "; check `service.url`, the network and the VPN connection"
            }
            _ => "",
        },
    }
}
