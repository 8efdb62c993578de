//! `storeclient doctor`: checks the setup step by step and says in plain words what is wrong
//! and what to do, before a vendor engineer has to read a TLS error.
//!
//! Order matters: configuration, then the files it names (CA, certificate, key), then what the
//! certificate says (expiry, chain, facility), and only then the network (`GET /v1/whoami`,
//! `PROTO-CONN-001`), so the first failure shown is the root cause. The clock is compared with
//! the service center's before the certificate's dates are judged: a clock days off makes good
//! certificates look expired or not yet valid, and saying so is the diagnosis.

use std::fmt::Write as _;
use std::path::Path;

use idlink_certs::inspect::{self, Usage};
use serde::Serialize;
use time::OffsetDateTime;

use crate::clock::{LocalClock, ServerValidity, describe_skew};
use crate::config::{ClientConfig, IdentityConfig};
use crate::exit::ExitStatus;
use crate::identity;
use crate::report::error_chain;
use crate::upload::{Client, ClientError, UploadError};

/// Certificates expiring sooner than this get a warning.
const EXPIRY_WARNING_DAYS: i64 = 30;

/// A clock further off the service center's than this gets a warning even when no certificate
/// is affected yet.
const CLOCK_SKEW_WARNING_SECONDS: i64 = 300;

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
    diagnose_at(config_path, LocalClock::system()).await
}

/// [`diagnose`] with this computer's time taken from `clock` (tests of a wrong clock).
pub async fn diagnose_at(config_path: &Path, clock: LocalClock) -> Diagnosis {
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
    let Some(identity) = load_identity_checks(&config, &mut d) else {
        return d;
    };
    // The clock comes before the certificate's dates: a wrong clock makes good certificates look
    // expired or not yet valid, and the first failure shown must be the cause.
    let times = check_clock(&config, &identity, clock, &mut d).await;
    if !check_certificate(&config, &identity, &times, &mut d) {
        return d;
    }
    check_connection(&config, clock, &times, &mut d).await;
    d
}

/// The local time and, when it could be read, the service center's.
struct Times {
    local: OffsetDateTime,
    server: Option<OffsetDateTime>,
    /// The clock is off enough to flip a certificate's validity.
    wrong: bool,
}

impl Times {
    /// The time the service center judges certificates by (its own when known).
    fn judged(&self) -> OffsetDateTime {
        self.server.unwrap_or(self.local)
    }
}

/// What the identity checks found, for the checks that follow.
struct IdentityChecks {
    ca: Vec<rustls_pki_types::CertificateDer<'static>>,
    /// `None` in VPN mode.
    leaf: Option<LeafChecks>,
}

struct LeafChecks {
    chain: Vec<rustls_pki_types::CertificateDer<'static>>,
    info: inspect::CertInfo,
}

fn load_identity_checks(config: &ClientConfig, d: &mut Diagnosis) -> Option<IdentityChecks> {
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
            return None;
        }
    };
    let loaded = match identity::load_identity(config) {
        Ok(None) => {
            d.push(
                "identity",
                Verdict::Ok,
                "VPN mode: no client certificate; the account alone authenticates",
            );
            return Some(IdentityChecks { ca, leaf: None });
        }
        Ok(Some(id)) => id,
        Err(e) => {
            d.fail(
                "identity",
                format!("{}; check `identity` in the configuration", error_chain(&e)),
                ExitStatus::Auth,
            );
            return None;
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
        return None;
    };
    let info = match inspect::cert_info(leaf) {
        Ok(i) => i,
        Err(e) => {
            d.fail(
                "identity",
                format!("{}: {e}", loaded.path.display()),
                ExitStatus::Auth,
            );
            return None;
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
    Some(IdentityChecks {
        ca,
        leaf: Some(LeafChecks {
            chain: loaded.identity.chain,
            info,
        }),
    })
}

/// Reads the service center's time and compares it with this computer's. The request carries no
/// account and is made even when this clock makes the server's certificate look expired (see
/// [`crate::clock::TimeTolerantVerifier`]), because that is exactly when it is needed.
async fn check_clock(
    config: &ClientConfig,
    identity: &IdentityChecks,
    clock: LocalClock,
    d: &mut Diagnosis,
) -> Times {
    let local = clock.now();
    let probe = read_server_time(config, clock).await;
    let Ok((server, server_cert)) = probe else {
        // Unreachable or refused: the connection check says why in its own words.
        return Times {
            local,
            server: None,
            wrong: false,
        };
    };
    let mut flipped = Vec::new();
    if let Some(cert) = &server_cert
        && let Some(looks) = flip(cert.not_before, cert.not_after, local, server)
    {
        flipped.push(format!(
            "the service center's certificate looks {looks} (valid {} to {})",
            inspect::date(&cert.not_before),
            inspect::date(&cert.not_after)
        ));
    }
    if let Some(leaf) = &identity.leaf
        && let Some(looks) = flip(leaf.info.not_before, leaf.info.not_after, local, server)
    {
        flipped.push(format!(
            "your client certificate looks {looks} (valid {} to {})",
            inspect::date(&leaf.info.not_before),
            inspect::date(&leaf.info.not_after)
        ));
    }
    let skew = describe_skew(local, server);
    let seconds = (local - server).whole_seconds().abs();
    let compared = format!(
        "this computer's clock is {skew} the service center's (here {}, there {})",
        inspect::date(&local),
        inspect::date(&server)
    );
    if !flipped.is_empty() {
        d.fail(
            "clock",
            format!(
                "{compared}: by this clock {}. The certificates are fine: set this computer's clock right (NTP, or the time zone), then run `storeclient doctor` again",
                flipped.join(", and ")
            ),
            ExitStatus::Auth,
        );
    } else if seconds > CLOCK_SKEW_WARNING_SECONDS {
        d.push(
            "clock",
            Verdict::Warn,
            format!("{compared}: certificate checks will fail once the difference crosses a certificate's start or end; set the clock right (NTP)"),
        );
    } else {
        d.push(
            "clock",
            Verdict::Ok,
            format!(
                "this computer's clock agrees with the service center's (within {} min)",
                CLOCK_SKEW_WARNING_SECONDS / 60
            ),
        );
    }
    Times {
        local,
        server: Some(server),
        wrong: !flipped.is_empty(),
    }
}

/// How a certificate looks at `local` when it is valid at `server`: `None` when the clock makes
/// no difference.
fn flip(
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
    local: OffsetDateTime,
    server: OffsetDateTime,
) -> Option<&'static str> {
    let valid = |t: OffsetDateTime| not_before <= t && t <= not_after;
    match (valid(local), valid(server)) {
        (false, true) if local < not_before => Some("not yet valid"),
        (false, true) => Some("expired"),
        _ => None,
    }
}

/// One unauthenticated `GET /v1/whoami`, for the answer's `Date` header alone.
async fn read_server_time(
    config: &ClientConfig,
    clock: LocalClock,
) -> Result<(OffsetDateTime, Option<ServerValidity>), String> {
    let url = config
        .service_urls
        .first()
        .ok_or("no service URL")?
        .join(idlink_protocol::headers::PATH_WHOAMI.trim_start_matches('/'))
        .map_err(|e| e.to_string())?;
    let (tls, verifier) = identity::time_probe_config(config, clock).map_err(|e| e.to_string())?;
    let http = reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .connect_timeout(config.scaled(config.timeouts.connect))
        .timeout(config.scaled(config.timeouts.attempt_base))
        .build()
        .map_err(|e| e.to_string())?;
    let answer = http.get(url).send().await.map_err(|e| e.to_string())?;
    let date = answer
        .headers()
        .get(reqwest::header::DATE)
        .and_then(|v| v.to_str().ok())
        .ok_or("the answer has no Date header")?;
    let server = OffsetDateTime::parse(date, &time::format_description::well_known::Rfc2822)
        .map_err(|e| format!("Date {date:?}: {e}"))?;
    Ok((server, verifier.seen()))
}

/// The client certificate's dates and chain, judged at the service center's time when known.
fn check_certificate(
    config: &ClientConfig,
    identity: &IdentityChecks,
    times: &Times,
    d: &mut Diagnosis,
) -> bool {
    let Some(leaf) = &identity.leaf else {
        return true;
    };
    let info = &leaf.info;
    let now = times.judged();
    let by_clock = if times.server.is_some() {
        " by the service center's clock"
    } else {
        ""
    };
    let days_left = (info.not_after - now).whole_days();
    let mut ok = true;
    let mut dates_wrong = false;
    if info.not_after < now {
        d.fail(
            "expiry",
            format!("the client certificate expired on {}{by_clock}: ask the service center for a renewed certificate for facility {}", inspect::date(&info.not_after), config.facility),
            ExitStatus::Auth,
        );
        ok = false;
        dates_wrong = true;
    } else if now < info.not_before {
        d.fail(
            "expiry",
            format!("the client certificate is not valid until {}{by_clock}: wait, or ask the service center why it was issued for later", inspect::date(&info.not_before)),
            ExitStatus::Auth,
        );
        ok = false;
        dates_wrong = true;
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
        &leaf.chain[0],
        &leaf.chain[1..],
        &identity.ca,
        &[],
        Usage::Client,
        now,
    ) {
        Ok(()) => d.push(
            "chain",
            Verdict::Ok,
            "the certificate chains to the configured CA and allows client authentication",
        ),
        // The dates were reported above in plainer words.
        Err(inspect::ChainError::Expired { .. } | inspect::ChainError::NotYetValid { .. })
            if dates_wrong => {}
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

async fn check_connection(
    config: &ClientConfig,
    clock: LocalClock,
    times: &Times,
    d: &mut Diagnosis,
) {
    let url = config
        .service_urls
        .first()
        .map(|u| u.to_string())
        .unwrap_or_default();
    let client = match identity::tls_config_at(config, clock)
        .map_err(ClientError::from)
        .and_then(|tls| Client::with_tls(config, tls))
    {
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
        }
        Err(e) => {
            let status = e.exit_status();
            let advice = if times.wrong {
                "; this computer's clock is wrong, see `clock` above"
            } else {
                advice_for(&e)
            };
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
