//! Accounts from the transfer account sheets and their runtime state (`PROTO-AUTH-*`).
//!
//! The registry owns the only mutable account data, the failed-login counters and lock flags,
//! behind one `std::sync::Mutex`: every operation is a few map lookups and never awaits, so a
//! blocking mutex is cheaper and simpler than an async one.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use idlink_protocol::{FacilityCode, ProblemCode};
use serde::Serialize;

use crate::config::{AccessMode, AccountConfig, AccountState};
use crate::journal::Listener;

/// An authenticated account, as handlers see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The account ID.
    pub account: String,
    /// The account's facility.
    pub facility: FacilityCode,
    /// The account's access mode.
    pub mode: AccessMode,
}

/// Why a login failed: the problem code and a detail for the person at the keyboard.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {detail}")]
pub struct AuthFailure {
    /// The problem code the response carries.
    pub code: ProblemCode,
    /// What to do about it.
    pub detail: String,
    /// The account ID the credentials named, for the journal (never the password); `None`
    /// when the credentials could not be read.
    pub tried: Option<String>,
    /// This failure locked the account (`PROTO-AUTH-003`).
    pub locked_now: bool,
}

impl AuthFailure {
    fn new(code: ProblemCode, detail: impl Into<String>) -> Self {
        Self {
            code,
            detail: detail.into(),
            tried: None,
            locked_now: false,
        }
    }

    fn tried(mut self, id: &str) -> Self {
        self.tried = Some(id.to_owned());
        self
    }
}

/// What the admin API shows about an account (never the password).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccountView {
    /// The account ID.
    pub id: String,
    /// The facility.
    pub facility: String,
    /// `certificate` or `vpn`.
    pub mode: AccessMode,
    /// Current state.
    pub state: AccountState,
    /// Consecutive failed logins so far.
    pub failed_logins: u32,
}

#[derive(Debug, Clone)]
struct AccountRecord {
    config: AccountConfig,
    state: AccountState,
    failed_logins: u32,
}

/// The account registry.
#[derive(Debug)]
pub struct Accounts {
    /// Account ID → record. BTreeMap so listings come out sorted.
    records: Mutex<BTreeMap<String, AccountRecord>>,
    /// As configured; `reset` goes back to this.
    initial: Vec<AccountConfig>,
    lockout_threshold: u32,
}

impl Accounts {
    /// A registry with the configured accounts in their configured states.
    pub fn new(accounts: &[AccountConfig], lockout_threshold: u32) -> Self {
        let this = Self {
            records: Mutex::new(BTreeMap::new()),
            initial: accounts.to_vec(),
            lockout_threshold: lockout_threshold.max(1),
        };
        this.reset();
        this
    }

    fn records(&self) -> MutexGuard<'_, BTreeMap<String, AccountRecord>> {
        // A panic while holding this lock cannot leave a record half-written (every update is
        // a single field store), so the data is still consistent after poisoning.
        self.records.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Back to the configured states, counters cleared.
    pub fn reset(&self) {
        let mut records = self.records();
        records.clear();
        for config in &self.initial {
            records.insert(
                config.id.clone(),
                AccountRecord {
                    config: config.clone(),
                    state: config.state,
                    failed_logins: 0,
                },
            );
        }
    }

    /// Checks an `Authorization` header value that arrived on `listener`
    /// (`PROTO-AUTH-001..005`, and the VPN half of `PROTO-AUTH-007`).
    ///
    /// On the VPN listener a certificate account does not exist: anyone can reach that listener
    /// without a certificate, so answering anything but the unknown-account answer would confirm
    /// the account's password (or its lock) to someone who does not hold the facility's
    /// certificate, and counting the failure would let them lock the account on the mTLS
    /// listener. The reverse case (a VPN account on the mTLS listener) is left to the caller,
    /// which answers `403 wrong-listener`: reaching that listener already takes a valid client
    /// certificate. The certificate check (`PROTO-AUTH-006`) is the caller's too.
    pub fn authenticate(
        &self,
        authorization: Option<&[u8]>,
        listener: Listener,
    ) -> Result<Principal, AuthFailure> {
        let (id, password) = parse_basic(authorization)?;
        let mut records = self.records();
        let Some(record) = records
            .get_mut(&id)
            .filter(|r| !(listener == Listener::Vpn && r.config.mode == AccessMode::Certificate))
        else {
            return Err(AuthFailure::new(ProblemCode::BadCredentials, BAD_CREDENTIALS).tried(&id));
        };
        if record.state == AccountState::Locked {
            return Err(AuthFailure::new(
                ProblemCode::AccountLocked,
                format!(
                    "account {id} is locked after too many failed logins; ask the service center to unlock it"
                ),
            )
            .tried(&id));
        }
        if record.config.password != password {
            record.failed_logins = record.failed_logins.saturating_add(1);
            let mut failure =
                AuthFailure::new(ProblemCode::BadCredentials, BAD_CREDENTIALS).tried(&id);
            if record.failed_logins >= self.lockout_threshold {
                record.state = AccountState::Locked;
                failure.locked_now = true;
            }
            return Err(failure);
        }
        record.failed_logins = 0;
        match record.state {
            AccountState::Active => Ok(Principal {
                account: id,
                facility: record.config.facility.clone(),
                mode: record.config.mode,
            }),
            AccountState::PasswordExpired => Err(AuthFailure::new(
                ProblemCode::PasswordExpired,
                format!(
                    "the password of account {id} has expired; set a new one with the service center"
                ),
            )
            .tried(&id)),
            AccountState::Disabled => Err(AuthFailure::new(
                ProblemCode::AccountDisabled,
                format!("account {id} is disabled; contact the service center"),
            )
            .tried(&id)),
            // Handled above; kept for exhaustiveness.
            AccountState::Locked => Err(AuthFailure::new(
                ProblemCode::AccountLocked,
                format!("account {id} is locked"),
            )
            .tried(&id)),
        }
    }

    /// Consecutive failed logins that lock an account.
    pub fn lockout_threshold(&self) -> u32 {
        self.lockout_threshold
    }

    /// Unlocks an account and clears its counter. `false` if there is no such account.
    pub fn unlock(&self, id: &str) -> bool {
        let mut records = self.records();
        match records.get_mut(id) {
            Some(record) => {
                if record.state == AccountState::Locked {
                    record.state = AccountState::Active;
                }
                record.failed_logins = 0;
                true
            }
            None => false,
        }
    }

    /// Creates or updates a certificate account for the certificate desk (issue 13): the
    /// account of a new transfer account sheet, active, with the sheet's password and a cleared
    /// counter. `true` when the account was created. `reset` removes a created account again
    /// and restores an updated one to its configuration.
    pub fn set_certificate_account(
        &self,
        id: &str,
        facility: &FacilityCode,
        password: &str,
    ) -> bool {
        let config = AccountConfig {
            id: id.to_owned(),
            password: password.to_owned(),
            facility: facility.clone(),
            mode: AccessMode::Certificate,
            state: AccountState::Active,
        };
        let record = AccountRecord {
            config,
            state: AccountState::Active,
            failed_logins: 0,
        };
        self.records().insert(id.to_owned(), record).is_none()
    }

    /// Every account, sorted by ID, without passwords.
    pub fn list(&self) -> Vec<AccountView> {
        self.records()
            .values()
            .map(|r| AccountView {
                id: r.config.id.clone(),
                facility: r.config.facility.to_string(),
                mode: r.config.mode,
                state: r.state,
                failed_logins: r.failed_logins,
            })
            .collect()
    }

    /// The current state of one account.
    pub fn state(&self, id: &str) -> Option<AccountState> {
        self.records().get(id).map(|r| r.state)
    }
}

/// The one detail of `bad-credentials`, whichever of the ID or the password was wrong
/// (`PROTO-AUTH-002`).
const BAD_CREDENTIALS: &str =
    "the account ID or the password is wrong; check the transfer account sheet";

/// Splits `Basic base64(id:password)` (`PROTO-AUTH-001`).
fn parse_basic(authorization: Option<&[u8]>) -> Result<(String, String), AuthFailure> {
    let unauthenticated = |why: &str| {
        AuthFailure::new(
            ProblemCode::Unauthenticated,
            format!(
                "{why}; send the account from the transfer account sheet as HTTP Basic credentials"
            ),
        )
    };
    let value = authorization.ok_or_else(|| unauthenticated("no Authorization header"))?;
    let value = std::str::from_utf8(value)
        .map_err(|_| unauthenticated("the Authorization header is not ASCII"))?;
    let (scheme, token) = value
        .trim()
        .split_once(' ')
        .ok_or_else(|| unauthenticated("the Authorization header is malformed"))?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(unauthenticated("the Authorization scheme is not Basic"));
    }
    let decoded = BASE64
        .decode(token.trim())
        .map_err(|_| unauthenticated("the Basic credentials are not base64"))?;
    let decoded = String::from_utf8(decoded)
        .map_err(|_| unauthenticated("the Basic credentials are not UTF-8"))?;
    let (id, password) = decoded
        .split_once(':')
        .ok_or_else(|| unauthenticated("the Basic credentials have no ':' separator"))?;
    Ok((id.to_owned(), password.to_owned()))
}

/// The `Authorization` header value for an account (used by the kit and tests).
pub fn basic_authorization(account: &str, password: &str) -> String {
    format!("Basic {}", BASE64.encode(format!("{account}:{password}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MockConfig;

    fn registry() -> Accounts {
        let config = MockConfig::demo();
        Accounts::new(&config.accounts, 3)
    }

    fn auth(accounts: &Accounts, id: &str, password: &str) -> Result<Principal, ProblemCode> {
        let header = basic_authorization(id, password);
        accounts
            .authenticate(Some(header.as_bytes()), Listener::Mtls)
            .map_err(|f| f.code)
    }

    #[test]
    fn each_account_state_gives_its_problem_code() {
        // PROTO-AUTH-002 / PROTO-AUTH-003 / PROTO-AUTH-004 / PROTO-AUTH-005
        let accounts = registry();
        let cases = [
            ("fac-0112345678", "demo-cert-pass", Ok(())),
            ("fac-0112345678", "wrong", Err(ProblemCode::BadCredentials)),
            ("nobody", "x", Err(ProblemCode::BadCredentials)),
            (
                "locked-0112345678",
                "demo-locked-pass",
                Err(ProblemCode::AccountLocked),
            ),
            (
                "expired-0112345678",
                "demo-expired-pass",
                Err(ProblemCode::PasswordExpired),
            ),
            (
                "disabled-0112345678",
                "demo-disabled-pass",
                Err(ProblemCode::AccountDisabled),
            ),
        ];
        for (id, password, expected) in cases {
            assert_eq!(auth(&accounts, id, password).map(|_| ()), expected, "{id}");
        }
    }

    #[test]
    fn the_nth_failure_locks_and_a_success_resets_the_counter() {
        // PROTO-AUTH-003
        let accounts = registry();
        assert_eq!(
            auth(&accounts, "vpn-0112345678", "x"),
            Err(ProblemCode::BadCredentials)
        );
        assert_eq!(
            auth(&accounts, "vpn-0112345678", "x"),
            Err(ProblemCode::BadCredentials)
        );
        assert!(auth(&accounts, "vpn-0112345678", "demo-vpn-pass").is_ok());
        for _ in 0..3 {
            assert_eq!(
                auth(&accounts, "vpn-0112345678", "x"),
                Err(ProblemCode::BadCredentials)
            );
        }
        assert_eq!(
            auth(&accounts, "vpn-0112345678", "demo-vpn-pass"),
            Err(ProblemCode::AccountLocked)
        );
        assert!(accounts.unlock("vpn-0112345678"));
        assert!(auth(&accounts, "vpn-0112345678", "demo-vpn-pass").is_ok());
    }

    #[test]
    fn a_certificate_account_is_unknown_on_the_vpn_listener_and_its_failures_are_not_counted() {
        // PROTO-AUTH-007 / PROTO-AUTH-003
        let accounts = registry();
        let on_vpn = |id: &str, password: &str| {
            let header = basic_authorization(id, password);
            accounts
                .authenticate(Some(header.as_bytes()), Listener::Vpn)
                .map_err(|f| (f.code, f.detail))
        };
        let unknown = on_vpn("nobody", "x").unwrap_err();
        for (id, password) in [
            ("fac-0112345678", "demo-cert-pass"),
            ("fac-0112345678", "wrong"),
            ("fac-0112345678", "wrong"),
            ("fac-0112345678", "wrong"),
            ("locked-0112345678", "demo-locked-pass"),
            ("disabled-0112345678", "demo-disabled-pass"),
        ] {
            assert_eq!(
                on_vpn(id, password),
                Err(unknown.clone()),
                "{id} {password}"
            );
        }
        assert_eq!(accounts.state("fac-0112345678"), Some(AccountState::Active));
        assert!(on_vpn("vpn-0112345678", "demo-vpn-pass").is_ok());
        assert!(auth(&accounts, "fac-0112345678", "demo-cert-pass").is_ok());
    }

    #[test]
    fn malformed_authorization_is_unauthenticated() {
        // PROTO-AUTH-001
        let accounts = registry();
        for header in [
            None,
            Some(&b"Bearer abc"[..]),
            Some(b"Basic !!!"),
            Some(b"Basic Zm9v"),
        ] {
            assert_eq!(
                accounts
                    .authenticate(header, Listener::Mtls)
                    .map_err(|f| f.code)
                    .map(|_| ()),
                Err(ProblemCode::Unauthenticated),
                "{header:?}"
            );
        }
    }
}
