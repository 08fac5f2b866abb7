//! Failed sign-in counters, per login ID (whether or not the account exists, so the
//! answers reveal nothing) and per IP address.

use diesel::prelude::*;
use kizuna_proto::Timestamp;

use crate::schema::login_throttle;
use crate::{DbConn, StorageError};

/// The failure record of one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Failures {
    /// Consecutive failures.
    pub count: i32,
    /// When the last one happened.
    pub last_at: Option<Timestamp>,
    /// When the key was locked, if it is.
    pub locked_at: Option<Timestamp>,
}

/// The record for a key (zero if none).
pub fn get(conn: &mut DbConn, key: &str) -> Result<Failures, StorageError> {
    let row = login_throttle::table
        .find(key)
        .select((
            login_throttle::failures,
            login_throttle::last_failure_at,
            login_throttle::locked_at,
        ))
        .first::<(i32, Timestamp, Option<Timestamp>)>(conn)
        .optional()?;
    Ok(
        row.map_or_else(Failures::default, |(count, last, locked)| Failures {
            count,
            last_at: Some(last),
            locked_at: locked,
        }),
    )
}

/// Counts a failure; locks the key when `lock_at` failures are reached (if given).
/// Returns the new record.
pub fn record_failure(
    conn: &mut DbConn,
    key: &str,
    now: Timestamp,
    lock_at: Option<i32>,
) -> Result<Failures, StorageError> {
    let current = get(conn, key)?;
    let count = current.count.saturating_add(1);
    let locked_at = current
        .locked_at
        .or_else(|| lock_at.filter(|l| count >= *l).map(|_| now));
    diesel::delete(login_throttle::table.find(key)).execute(conn)?;
    diesel::insert_into(login_throttle::table)
        .values((
            login_throttle::key.eq(key),
            login_throttle::failures.eq(count),
            login_throttle::last_failure_at.eq(now),
            login_throttle::locked_at.eq(locked_at),
        ))
        .execute(conn)?;
    Ok(Failures {
        count,
        last_at: Some(now),
        locked_at,
    })
}

/// Forgets a key's failures (after a success, or an administrator's unlock).
pub fn clear(conn: &mut DbConn, key: &str) -> Result<(), StorageError> {
    diesel::delete(login_throttle::table.find(key)).execute(conn)?;
    Ok(())
}
