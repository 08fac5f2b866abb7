//! Brute-force protection: growing delays per login ID and per IP address, and a
//! lock on a login ID after repeated failures that only an administrator lifts.
//!
//! The two counts are independent. A successful sign-in forgets only *that login
//! ID's* failures; an address's count is never reset by a success (else anyone
//! with one valid account could alternate a sign-in with guesses at other
//! people's passwords) and is forgotten only after [`IP_FORGET_AFTER`] without a
//! failure from it.
//!
//! Counters are kept per login ID *string*, whether or not such an account
//! exists, so a locked or delayed answer never tells a guesser that an account is
//! real.

use kizuna_proto::{Timestamp, UserId};
use kizuna_storage::audit::Outcome;
use kizuna_storage::{throttle, DbConn, StorageError};

use crate::audit::{self, Entry};
use crate::error::ApiError;
use crate::state::AppState;

/// Failures allowed before delays start, per login ID.
const FREE_LOGIN_FAILURES: i32 = 3;
/// Failures allowed before delays start, per IP (a clinic's shared address may
/// carry many people's typos).
const FREE_IP_FAILURES: i32 = 10;
/// The longest delay, in seconds.
const MAX_DELAY_SECS: i64 = 300;
/// An address's failures are forgotten after this long without another one.
pub const IP_FORGET_AFTER: std::time::Duration = std::time::Duration::from_secs(15 * 60);

fn forgotten(failures: &throttle::Failures, now: Timestamp) -> bool {
    let window = i64::try_from(IP_FORGET_AFTER.as_millis()).unwrap_or(i64::MAX);
    failures
        .last_at
        .is_some_and(|last| now.millis().saturating_sub(last.millis()) >= window)
}

/// The throttle key of a login ID.
pub fn login_key(login_id: &str) -> String {
    format!("login:{}", login_id.trim().to_lowercase())
}

/// The throttle key of an IP address.
pub fn ip_key(ip: &str) -> String {
    format!("ip:{ip}")
}

/// Seconds to wait after `failures` failures, `free` of them without delay:
/// 1, 2, 4, 8 … up to five minutes.
fn delay_secs(failures: i32, free: i32) -> i64 {
    if failures < free {
        return 0;
    }
    let exponent = u32::try_from(failures - free).unwrap_or(u32::MAX).min(16);
    (1i64 << exponent).min(MAX_DELAY_SECS)
}

fn check_key(conn: &mut DbConn, key: &str, free: i32, decays: bool, now: Timestamp) -> Result<(), ApiError> {
    let failures = throttle::get(conn, key)?;
    if decays && forgotten(&failures, now) {
        return Ok(());
    }
    if failures.locked_at.is_some() {
        return Err(ApiError::AccountLocked);
    }
    let Some(last) = failures.last_at else {
        return Ok(());
    };
    let wait_until = last
        .millis()
        .saturating_add(delay_secs(failures.count, free) * 1000);
    if now.millis() < wait_until {
        let remaining = (wait_until - now.millis() + 999) / 1000;
        return Err(ApiError::TooManyAttempts {
            retry_after_secs: u64::try_from(remaining).unwrap_or(1),
        });
    }
    Ok(())
}

/// Refuses an attempt while the login ID is locked or either key is in its delay.
pub fn check(conn: &mut DbConn, login_id: &str, ip: Option<&str>, now: Timestamp) -> Result<(), ApiError> {
    check_key(conn, &login_key(login_id), FREE_LOGIN_FAILURES, false, now)?;
    if let Some(ip) = ip {
        check_key(conn, &ip_key(ip), FREE_IP_FAILURES, true, now)?;
    }
    Ok(())
}

/// Counts a failed attempt. Returns whether the login ID is now locked.
pub fn fail(
    conn: &mut DbConn,
    login_id: &str,
    ip: Option<&str>,
    now: Timestamp,
    lock_after: u32,
) -> Result<bool, StorageError> {
    let lock_at = i32::try_from(lock_after).unwrap_or(i32::MAX);
    let login = throttle::record_failure(conn, &login_key(login_id), now, Some(lock_at))?;
    if let Some(ip) = ip {
        let key = ip_key(ip);
        if forgotten(&throttle::get(conn, &key)?, now) {
            throttle::clear(conn, &key)?;
        }
        throttle::record_failure(conn, &key, now, None)?;
    }
    Ok(login.locked_at == Some(now))
}

/// A failed two-factor check (a sign-in or a re-authentication), to be counted and
/// audited.
pub struct Failure {
    /// The login ID tried.
    pub login_id: String,
    /// The account, when it exists.
    pub user: Option<UserId>,
    /// The caller's address.
    pub ip: Option<String>,
    /// The audit action (`auth.sign_in`, `auth.reauth`); `auth.locked` when this
    /// failure locks the login ID.
    pub action: &'static str,
    /// Which factor failed: `password`, `webauthn` or `password_and_webauthn`.
    pub factor: &'static str,
}

/// Counts and audits a failure in a transaction of its own, so the refusal that
/// follows cannot roll it back, and returns that refusal: `account_locked` when this
/// failure locked the login ID, else `sign_in_failed`.
pub async fn refuse(state: &AppState, failure: Failure) -> ApiError {
    let (now, lock_after) = (state.now(), state.config.sign_in_lock_after);
    let counted = state
        .write(move |conn| {
            let ip = failure.ip.as_deref();
            let locked = fail(conn, &failure.login_id, ip, now, lock_after)?;
            let entry = Entry {
                actor: failure.user,
                action: if locked { "auth.locked" } else { failure.action },
                target: Some(("login_id", failure.login_id.clone())),
                ip,
                outcome: Outcome::Failure,
                detail: Some(format!("{{\"failed\":\"{}\"}}", failure.factor)),
            };
            audit::record(conn, now, entry)?;
            Ok(locked)
        })
        .await;
    match counted {
        Ok(true) => ApiError::AccountLocked,
        Ok(false) => ApiError::SignInFailed,
        Err(e) => e,
    }
}

/// Forgets the failures of a login ID after a success with both factors. The
/// address's count is deliberately left alone: it decays only with time.
pub fn succeed(conn: &mut DbConn, login_id: &str) -> Result<(), StorageError> {
    throttle::clear(conn, &login_key(login_id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_and_are_capped() {
        let delays: Vec<i64> = (0..12).map(|f| delay_secs(f, 3)).collect();
        assert_eq!(delays, vec![0, 0, 0, 1, 2, 4, 8, 16, 32, 64, 128, 256]);
        assert_eq!(delay_secs(40, 3), MAX_DELAY_SECS);
    }

    #[test]
    fn an_address_is_forgotten_only_after_a_quiet_spell() {
        let at = |ms| throttle::Failures {
            count: 40,
            last_at: Some(Timestamp(ms)),
            locked_at: None,
        };
        let window = i64::try_from(IP_FORGET_AFTER.as_millis()).unwrap();
        assert!(!forgotten(&at(1_000), Timestamp(1_000 + window - 1)));
        assert!(forgotten(&at(1_000), Timestamp(1_000 + window)));
        assert!(!forgotten(&throttle::Failures::default(), Timestamp(i64::MAX)));
    }

    #[test]
    fn login_keys_ignore_case_and_spaces() {
        assert_eq!(login_key(" Nurse.Sato "), "login:nurse.sato");
    }
}
