//! Security alerts (issue 16): what the alert job reads of the audit log, where it
//! has read to, and the alerts it raised for each facility's administrators.
//!
//! The audit log is read by explicit columns only (it gains columns over time);
//! an alert holds a person or an address, times and counts, never content.

use diesel::prelude::*;
use kizuna_proto::{AuditId, OrganisationId, Timestamp, UserId};

use crate::schema::audit_log;
use crate::{DbConn, StorageError};

diesel::table! {
    /// Alerts raised, one row per facility told.
    security_alerts (id) {
        id -> Text,
        organisation_id -> Text,
        kind -> Text,
        subject_user_id -> Nullable<Text>,
        subject_ip -> Nullable<Text>,
        source_key -> Text,
        first_at -> BigInt,
        last_at -> BigInt,
        count -> BigInt,
        detail -> Text,
        raised_at -> BigInt,
        closed_at -> Nullable<BigInt>,
        closed_by -> Nullable<Text>,
        close_note -> Nullable<Text>,
    }
}

diesel::table! {
    /// How far the alert job has read the audit log (one row).
    security_alert_cursor (id) {
        id -> BigInt,
        after_at -> BigInt,
        after_id -> Text,
        scanned_at -> BigInt,
    }
}

/// The columns of one audit record the rules read.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct AuditRecord {
    /// Its ID.
    pub id: AuditId,
    /// When.
    pub at: Timestamp,
    /// Who acted.
    pub actor: Option<UserId>,
    /// What was done (`auth.sign_in`, `room.read`, …).
    pub action: String,
    /// The kind of thing acted on.
    pub target_kind: Option<String>,
    /// Its ID.
    pub target_id: Option<String>,
    /// The caller's address.
    pub ip: Option<String>,
    /// `success`, `failure` or `denied`.
    pub outcome: String,
    /// Extra detail (JSON).
    pub detail: Option<String>,
}

type RecordColumns = (
    audit_log::id,
    audit_log::at,
    audit_log::actor_user_id,
    audit_log::action,
    audit_log::target_kind,
    audit_log::target_id,
    audit_log::ip,
    audit_log::outcome,
    audit_log::detail,
);

const RECORD_COLUMNS: RecordColumns = (
    audit_log::id,
    audit_log::at,
    audit_log::actor_user_id,
    audit_log::action,
    audit_log::target_kind,
    audit_log::target_id,
    audit_log::ip,
    audit_log::outcome,
    audit_log::detail,
);

/// A position in the audit log: after the record at `at` with ID `id` (records
/// are ordered by time, then ID).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    /// The last record's time.
    pub at: Timestamp,
    /// The last record's ID (empty before any).
    pub id: String,
}

/// Takes the job's turn (the row's lock, until the transaction ends: another
/// node's scan waits) and returns where the last scan stopped. Call it first in the
/// scan's transaction.
pub fn take_cursor(conn: &mut DbConn, now: Timestamp) -> Result<Cursor, StorageError> {
    diesel::update(security_alert_cursor::table.find(1_i64))
        .set(security_alert_cursor::scanned_at.eq(now.0))
        .execute(conn)?;
    let (at, id) = security_alert_cursor::table
        .find(1_i64)
        .select((security_alert_cursor::after_at, security_alert_cursor::after_id))
        .first::<(i64, String)>(conn)?;
    Ok(Cursor {
        at: Timestamp(at),
        id,
    })
}

/// Moves the cursor after the last record scanned.
pub fn move_cursor(conn: &mut DbConn, to: &Cursor) -> Result<(), StorageError> {
    diesel::update(security_alert_cursor::table.find(1_i64))
        .set((
            security_alert_cursor::after_at.eq(to.at.0),
            security_alert_cursor::after_id.eq(&to.id),
        ))
        .execute(conn)?;
    Ok(())
}

/// Up to `limit` records after `cursor` and no later than `until`, oldest first.
pub fn records_after(
    conn: &mut DbConn,
    cursor: &Cursor,
    until: Timestamp,
    limit: i64,
) -> Result<Vec<AuditRecord>, StorageError> {
    let later = audit_log::at.gt(cursor.at).or(audit_log::at
        .eq(cursor.at)
        .and(audit_log::id.gt(cursor.id.clone())));
    Ok(audit_log::table
        .filter(later)
        .filter(audit_log::at.le(until))
        .order((audit_log::at.asc(), audit_log::id.asc()))
        .limit(limit)
        .select(RECORD_COLUMNS)
        .load::<AuditRecord>(conn)?)
}

/// Whose records a rule looks at.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum By {
    /// One person's.
    Actor(UserId),
    /// One address's.
    Ip(String),
}

/// Which records a rule looks at: of `by`, with one of `actions` (and `outcome`,
/// when given), from `from` to `to` inclusive.
#[derive(Debug, Clone)]
pub struct Query<'a> {
    /// Whose.
    pub by: By,
    /// Which actions.
    pub actions: &'a [&'a str],
    /// Which outcome, if one.
    pub outcome: Option<&'a str>,
    /// From.
    pub from: Timestamp,
    /// To (inclusive).
    pub to: Timestamp,
}

/// The records `query` names, newest first, at most `limit`.
pub fn records(conn: &mut DbConn, query: &Query<'_>, limit: i64) -> Result<Vec<AuditRecord>, StorageError> {
    let mut select = audit_log::table
        .filter(audit_log::action.eq_any(query.actions.iter().copied()))
        .filter(audit_log::at.ge(query.from))
        .filter(audit_log::at.le(query.to))
        .into_boxed();
    select = match &query.by {
        By::Actor(user) => select.filter(audit_log::actor_user_id.eq(*user)),
        By::Ip(ip) => select.filter(audit_log::ip.eq(ip.clone())),
    };
    if let Some(outcome) = query.outcome {
        select = select.filter(audit_log::outcome.eq(outcome));
    }
    Ok(select
        .order((audit_log::at.desc(), audit_log::id.desc()))
        .limit(limit)
        .select(RECORD_COLUMNS)
        .load::<AuditRecord>(conn)?)
}

/// One alert to one facility.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Insertable)]
#[diesel(table_name = security_alerts)]
pub struct StoredAlert {
    /// Its ID (a UUID).
    pub id: String,
    /// The facility whose administrators are told.
    pub organisation_id: OrganisationId,
    /// Which rule (`failed_sign_ins`, …).
    pub kind: String,
    /// The person it is about.
    pub subject_user_id: Option<UserId>,
    /// The address it is about.
    pub subject_ip: Option<String>,
    /// The kind, subject and first record: one alert per source.
    pub source_key: String,
    /// The first record counted.
    pub first_at: Timestamp,
    /// The last record counted.
    pub last_at: Timestamp,
    /// How many (failures, rooms, downloads; 1 for a single event).
    pub count: i64,
    /// JSON for the words.
    pub detail: String,
    /// When it was raised.
    pub raised_at: Timestamp,
    /// When it was closed.
    pub closed_at: Option<Timestamp>,
    /// Who closed it.
    pub closed_by: Option<UserId>,
    /// What they wrote.
    pub close_note: Option<String>,
}

/// Stores a new alert. False when one with its facility and source exists already.
pub fn raise(conn: &mut DbConn, alert: &StoredAlert) -> Result<bool, StorageError> {
    let inserted = crate::transaction(conn, |conn| {
        Ok(diesel::insert_into(security_alerts::table)
            .values(alert)
            .execute(conn)?)
    });
    match inserted {
        Ok(_) => Ok(true),
        Err(StorageError::Conflict(_)) => Ok(false),
        Err(e) => Err(e),
    }
}

/// The facility's open alert of `kind` about `user` or `ip` whose last record is at
/// or after `since`: a burst still going on.
pub fn open_since(
    conn: &mut DbConn,
    organisation: OrganisationId,
    kind: &str,
    subject: &By,
    since: Timestamp,
) -> Result<Option<StoredAlert>, StorageError> {
    let mut select = security_alerts::table
        .filter(security_alerts::organisation_id.eq(organisation))
        .filter(security_alerts::kind.eq(kind))
        .filter(security_alerts::closed_at.is_null())
        .filter(security_alerts::last_at.ge(since.0))
        .into_boxed();
    select = match subject {
        By::Actor(user) => select.filter(security_alerts::subject_user_id.eq(*user)),
        By::Ip(ip) => select.filter(security_alerts::subject_ip.eq(ip.clone())),
    };
    Ok(select
        .order(security_alerts::last_at.desc())
        .first::<StoredAlert>(conn)
        .optional()?)
}

/// A burst went on: its last record, count and detail now.
pub fn extend(
    conn: &mut DbConn,
    id: &str,
    last_at: Timestamp,
    count: i64,
    detail: &str,
) -> Result<(), StorageError> {
    diesel::update(security_alerts::table.find(id))
        .set((
            security_alerts::last_at.eq(last_at.0),
            security_alerts::count.eq(count),
            security_alerts::detail.eq(detail),
        ))
        .execute(conn)?;
    Ok(())
}

/// The facility's alerts, open ones (`open`) or closed ones, newest first.
pub fn of_facility(
    conn: &mut DbConn,
    organisation: OrganisationId,
    open: bool,
    limit: i64,
) -> Result<Vec<StoredAlert>, StorageError> {
    let select = security_alerts::table
        .filter(security_alerts::organisation_id.eq(organisation))
        .into_boxed();
    let select = if open {
        select
            .filter(security_alerts::closed_at.is_null())
            .order((security_alerts::raised_at.desc(), security_alerts::id.asc()))
    } else {
        select
            .filter(security_alerts::closed_at.is_not_null())
            .order((security_alerts::closed_at.desc(), security_alerts::id.asc()))
    };
    Ok(select.limit(limit).load::<StoredAlert>(conn)?)
}

/// One alert of the facility.
pub fn get(
    conn: &mut DbConn,
    organisation: OrganisationId,
    id: &str,
) -> Result<Option<StoredAlert>, StorageError> {
    Ok(security_alerts::table
        .find(id)
        .filter(security_alerts::organisation_id.eq(organisation))
        .first::<StoredAlert>(conn)
        .optional()?)
}

/// Closes an open alert with `note`. False when it was closed already.
pub fn close(
    conn: &mut DbConn,
    id: &str,
    by: UserId,
    note: &str,
    now: Timestamp,
) -> Result<bool, StorageError> {
    let closed = diesel::update(
        security_alerts::table
            .find(id)
            .filter(security_alerts::closed_at.is_null()),
    )
    .set((
        security_alerts::closed_at.eq(Some(now.0)),
        security_alerts::closed_by.eq(Some(by)),
        security_alerts::close_note.eq(Some(note)),
    ))
    .execute(conn)?;
    Ok(closed > 0)
}
