//! Brute-force protection: growing delays per login ID and per IP address, and a
//! lock on a login ID after repeated failures that only an administrator lifts.
//!
//! Counters are kept per login ID *string*, whether or not such an account
//! exists, so a locked or delayed answer never tells a guesser that an account is
//! real.

use kizuna_proto::Timestamp;
use kizuna_storage::{throttle, DbConn, StorageError};

use crate::error::ApiError;

/// Failures allowed before delays start, per login ID.
const FREE_LOGIN_FAILURES: i32 = 3;
/// Failures allowed before delays start, per IP (a clinic's shared address may
/// carry many people's typos).
const FREE_IP_FAILURES: i32 = 10;
/// The longest delay, in seconds.
const MAX_DELAY_SECS: i64 = 300;

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

fn check_key(conn: &mut DbConn, key: &str, free: i32, now: Timestamp) -> Result<(), ApiError> {
    let failures = throttle::get(conn, key)?;
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
    check_key(conn, &login_key(login_id), FREE_LOGIN_FAILURES, now)?;
    if let Some(ip) = ip {
        check_key(conn, &ip_key(ip), FREE_IP_FAILURES, now)?;
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
        throttle::record_failure(conn, &ip_key(ip), now, None)?;
    }
    Ok(login.locked_at == Some(now))
}

/// Forgets the failures of a login ID and IP after a success.
pub fn succeed(conn: &mut DbConn, login_id: &str, ip: Option<&str>) -> Result<(), StorageError> {
    throttle::clear(conn, &login_key(login_id))?;
    if let Some(ip) = ip {
        throttle::clear(conn, &ip_key(ip))?;
    }
    Ok(())
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
    fn login_keys_ignore_case_and_spaces() {
        assert_eq!(login_key(" Nurse.Sato "), "login:nurse.sato");
    }
}
