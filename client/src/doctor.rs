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
use idlink_i18n::{Arg, Lang, tr};
use serde::Serialize;
use time::OffsetDateTime;

use crate::clock::{LocalClock, ServerValidity, describe_skew};
use crate::config::{ClientConfig, IdentityConfig};
use crate::exit::ExitStatus;
use crate::identity;
use crate::messages::{Localize as _, explain};
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
    /// The language of the messages.
    #[serde(skip)]
    pub lang: Lang,
}

impl Diagnosis {
    /// One message of the catalogue in the diagnosis' language.
    fn t(&self, key: &str, args: &[Arg<'_>]) -> String {
        tr(self.lang, key, args)
    }

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
        let key = if status == ExitStatus::Success {
            "doctor-all-ok"
        } else {
            "doctor-fix-fail-lines"
        };
        let _ = writeln!(out, "{}", self.t(key, &[("code", status.code().into())]));
        out
    }
}

/// Runs every check it can; later checks are skipped when an earlier one makes them moot.
pub async fn diagnose(config_path: &Path, lang: Lang) -> Diagnosis {
    diagnose_at(config_path, LocalClock::system(), lang).await
}

/// [`diagnose`] with this computer's time taken from `clock` (tests of a wrong clock).
pub async fn diagnose_at(config_path: &Path, clock: LocalClock, lang: Lang) -> Diagnosis {
    let mut d = Diagnosis {
        lang,
        ..Diagnosis::default()
    };
    let config = match ClientConfig::from_path(config_path) {
        Ok(c) => {
            let message = d.t(
                "doctor-config-ok",
                &[("path", config_path.display().to_string().into())],
            );
            d.push("config", Verdict::Ok, message);
            for w in &c.warnings {
                let message = w.message(d.lang);
                d.push("permissions", Verdict::Warn, message);
            }
            c
        }
        Err(e) => {
            d.fail("config", explain(&e, d.lang), ExitStatus::Usage);
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
            let message = d.t(
                "doctor-ca-ok",
                &[
                    ("path", config.ca.display().to_string().into()),
                    ("subjects", subjects.join("; ").into()),
                ],
            );
            d.push("ca", Verdict::Ok, message);
            ca
        }
        Err(e) => {
            d.fail("ca", explain(&e, d.lang), ExitStatus::Usage);
            return None;
        }
    };
    let loaded = match identity::load_identity(config) {
        Ok(None) => {
            let message = d.t("doctor-identity-vpn", &[]);
            d.push("identity", Verdict::Ok, message);
            return Some(IdentityChecks { ca, leaf: None });
        }
        Ok(Some(id)) => id,
        Err(e) => {
            let message = d.t(
                "doctor-identity-error",
                &[("error", explain(&e, d.lang).into())],
            );
            d.fail("identity", message, ExitStatus::Auth);
            return None;
        }
    };
    let what = match &config.identity {
        IdentityConfig::Pkcs12 { .. } => "doctor-identity-ok-pkcs12",
        _ => "doctor-identity-ok-pem",
    };
    let path = loaded.path.display().to_string();
    let Some(leaf) = loaded.identity.chain.first() else {
        let message = d.t("doctor-identity-empty", &[("path", path.into())]);
        d.fail("identity", message, ExitStatus::Auth);
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
    let message = d.t(
        what,
        &[
            ("path", path.into()),
            ("subject", info.subject.clone().into()),
            ("algorithm", info.key_algorithm.to_string().into()),
        ],
    );
    d.push("identity", Verdict::Ok, message);
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
    let looks = |key: &str, not_before, not_after| {
        flip(not_before, not_after, local, server).map(|looks| {
            d.t(
                key,
                &[
                    ("looks", d.t(looks, &[]).into()),
                    ("from", inspect::date(&not_before).into()),
                    ("until", inspect::date(&not_after).into()),
                ],
            )
        })
    };
    let mut flipped = Vec::new();
    if let Some(cert) = &server_cert {
        flipped.extend(looks(
            "doctor-clock-server-looks",
            cert.not_before,
            cert.not_after,
        ));
    }
    if let Some(leaf) = &identity.leaf {
        flipped.extend(looks(
            "doctor-clock-client-looks",
            leaf.info.not_before,
            leaf.info.not_after,
        ));
    }
    let seconds = (local - server).whole_seconds().abs();
    let compared = d.t(
        "doctor-clock-compared",
        &[
            ("skew", describe_skew(d.lang, local, server).into()),
            ("here", inspect::date(&local).into()),
            ("there", inspect::date(&server).into()),
        ],
    );
    if !flipped.is_empty() {
        let message = d.t(
            "doctor-clock-flipped",
            &[
                ("compared", compared.into()),
                (
                    "flipped",
                    flipped.join(&d.t("doctor-clock-and", &[])).into(),
                ),
            ],
        );
        d.fail("clock", message, ExitStatus::Auth);
    } else if seconds > CLOCK_SKEW_WARNING_SECONDS {
        let message = d.t("doctor-clock-warn", &[("compared", compared.into())]);
        d.push("clock", Verdict::Warn, message);
    } else {
        let message = d.t(
            "doctor-clock-ok",
            &[("minutes", (CLOCK_SKEW_WARNING_SECONDS / 60).into())],
        );
        d.push("clock", Verdict::Ok, message);
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
        (false, true) if local < not_before => Some("doctor-looks-not-yet-valid"),
        (false, true) => Some("doctor-looks-expired"),
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
        d.t("doctor-by-server-clock", &[])
    } else {
        String::new()
    };
    let days_left = (info.not_after - now).whole_days();
    let mut ok = true;
    let mut dates_wrong = false;
    if info.not_after < now {
        let message = d.t(
            "doctor-expiry-expired",
            &[
                ("date", inspect::date(&info.not_after).into()),
                ("by", by_clock.into()),
                ("facility", config.facility.to_string().into()),
            ],
        );
        d.fail("expiry", message, ExitStatus::Auth);
        ok = false;
        dates_wrong = true;
    } else if now < info.not_before {
        let message = d.t(
            "doctor-expiry-not-yet",
            &[
                ("date", inspect::date(&info.not_before).into()),
                ("by", by_clock.into()),
            ],
        );
        d.fail("expiry", message, ExitStatus::Auth);
        ok = false;
        dates_wrong = true;
    } else if days_left < EXPIRY_WARNING_DAYS {
        let message = d.t(
            "doctor-expiry-soon",
            &[
                ("date", inspect::date(&info.not_after).into()),
                ("days", days_left.into()),
            ],
        );
        d.push("expiry", Verdict::Warn, message);
    } else {
        let message = d.t(
            "doctor-expiry-ok",
            &[("date", inspect::date(&info.not_after).into())],
        );
        d.push("expiry", Verdict::Ok, message);
    }
    match inspect::verify_chain(
        &leaf.chain[0],
        &leaf.chain[1..],
        &identity.ca,
        &[],
        Usage::Client,
        now,
    ) {
        Ok(()) => {
            let message = d.t("doctor-chain-ok", &[]);
            d.push("chain", Verdict::Ok, message);
        }
        // The dates were reported above in plainer words.
        Err(inspect::ChainError::Expired { .. } | inspect::ChainError::NotYetValid { .. })
            if dates_wrong => {}
        Err(e) => {
            let message = d.t("doctor-chain-fail", &[("error", e.to_string().into())]);
            d.fail("chain", message, ExitStatus::Auth);
            ok = false;
        }
    }
    match &info.facility {
        Some(f) if f == &config.facility => {
            let message = d.t("doctor-facility-ok", &[("facility", f.to_string().into())]);
            d.push("facility", Verdict::Ok, message);
        }
        Some(f) => {
            let message = d.t(
                "doctor-facility-mismatch",
                &[
                    ("certificate", f.to_string().into()),
                    ("configured", config.facility.to_string().into()),
                ],
            );
            d.fail("facility", message, ExitStatus::Auth);
            ok = false;
        }
        None => {
            let message = d.t("doctor-facility-none", &[]);
            d.fail("facility", message, ExitStatus::Auth);
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
            d.fail("connection", explain(&e, d.lang), ExitStatus::Auth);
            return;
        }
    };
    match client.whoami().await {
        Ok(w) => {
            let cert = w
                .client_certificate
                .as_ref()
                .map(|c| {
                    d.t(
                        "doctor-connection-certificate",
                        &[("subject", c.subject.clone().into())],
                    )
                })
                .unwrap_or_default();
            let alpn = w
                .tls
                .alpn
                .clone()
                .unwrap_or_else(|| d.t("doctor-connection-no-alpn", &[]));
            let message = d.t(
                "doctor-connection-ok",
                &[
                    ("url", url.clone().into()),
                    ("account", w.account.clone().into()),
                    ("facility", w.facility.clone().into()),
                    ("listener", w.listener.clone().into()),
                    ("tls", w.tls.version.clone().into()),
                    ("alpn", alpn.into()),
                    ("certificate", cert.into()),
                ],
            );
            d.push("connection", Verdict::Ok, message);
            if w.facility != config.facility.as_str() {
                let message = d.t(
                    "doctor-account-facility",
                    &[
                        ("account", w.facility.clone().into()),
                        ("configured", config.facility.to_string().into()),
                    ],
                );
                d.fail("facility", message, ExitStatus::Auth);
            }
        }
        Err(e) => {
            let status = e.exit_status();
            let advice = if times.wrong {
                Some("doctor-advice-clock")
            } else {
                advice_for(&e)
            };
            let message = d.t(
                "doctor-connection-fail",
                &[
                    ("url", url.clone().into()),
                    ("error", explain(&e, d.lang).into()),
                    (
                        "advice",
                        advice.map(|k| d.t(k, &[])).unwrap_or_default().into(),
                    ),
                ],
            );
            d.fail("connection", message, status);
        }
    }
}

/// The catalogue key of the advice for a connection failure, if there is one.
fn advice_for(e: &UploadError) -> Option<&'static str> {
    use idlink_protocol::ProblemCode as P;
    match e.problem().and_then(|p| p.known_code()) {
        Some(P::BadCredentials | P::Unauthenticated) => Some("doctor-advice-credentials"),
        Some(P::AccountLocked) => Some("doctor-advice-locked"),
        Some(P::PasswordExpired) => Some("doctor-advice-password-expired"),
        Some(P::AccountDisabled) => Some("doctor-advice-disabled"),
        Some(P::WrongListener) => Some("doctor-advice-wrong-listener"),
        Some(P::CertificateFacilityMismatch) => Some("doctor-advice-facility-mismatch"),
        _ => match e {
            UploadError::Transport(crate::classify::TransportFailure::Unreachable { .. }) => {
                Some("doctor-advice-unreachable")
            }
            _ => None,
        },
    }
}
