//! The append-only audit log. Rows can be added and read; the schema's triggers
//! refuse any update or delete on both backends.

use diesel::prelude::*;
use kizuna_proto::{AuditId, Timestamp, UserId};

use crate::schema::audit_log;
use crate::{DbConn, StorageError};

/// How an audited action ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// It happened.
    Success,
    /// It was tried and failed (e.g. a wrong password).
    Failure,
    /// It was refused for lack of permission.
    Denied,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
            Outcome::Denied => "denied",
        }
    }

    fn parse(value: &str) -> Result<Self, StorageError> {
        match value {
            "success" => Ok(Outcome::Success),
            "failure" => Ok(Outcome::Failure),
            "denied" => Ok(Outcome::Denied),
            other => Err(StorageError::Corrupt(format!("audit_log.outcome = {other:?}"))),
        }
    }
}

/// One audit record: who did what to whom, when, from where, with what result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    /// Its ID.
    pub id: AuditId,
    /// When.
    pub at: Timestamp,
    /// Who acted (none for the system itself or an anonymous caller).
    pub actor: Option<UserId>,
    /// What was done, a stable dotted name such as `bootstrap.link_issued`.
    pub action: String,
    /// The kind of thing acted on (`user`, `room`, `invitation`, …).
    pub target_kind: Option<String>,
    /// Its ID.
    pub target_id: Option<String>,
    /// The caller's IP address, when there was one.
    pub ip: Option<String>,
    /// How it ended.
    pub outcome: Outcome,
    /// Extra detail as JSON text. Never secrets or patient content.
    pub detail: Option<String>,
}

#[derive(Queryable, Insertable)]
#[diesel(table_name = audit_log)]
struct AuditRow {
    id: AuditId,
    at: Timestamp,
    actor_user_id: Option<UserId>,
    action: String,
    target_kind: Option<String>,
    target_id: Option<String>,
    ip: Option<String>,
    outcome: String,
    detail: Option<String>,
}

impl TryFrom<AuditRow> for AuditEvent {
    type Error = StorageError;
    fn try_from(row: AuditRow) -> Result<Self, StorageError> {
        Ok(AuditEvent {
            id: row.id,
            at: row.at,
            actor: row.actor_user_id,
            action: row.action,
            target_kind: row.target_kind,
            target_id: row.target_id,
            ip: row.ip,
            outcome: Outcome::parse(&row.outcome)?,
            detail: row.detail,
        })
    }
}

/// Appends a record.
pub fn append(conn: &mut DbConn, event: &AuditEvent) -> Result<(), StorageError> {
    let row = AuditRow {
        id: event.id,
        at: event.at,
        actor_user_id: event.actor,
        action: event.action.clone(),
        target_kind: event.target_kind.clone(),
        target_id: event.target_id.clone(),
        ip: event.ip.clone(),
        outcome: event.outcome.as_str().to_owned(),
        detail: event.detail.clone(),
    };
    diesel::insert_into(audit_log::table).values(&row).execute(conn)?;
    Ok(())
}

/// The most recent records, newest first.
pub fn recent(conn: &mut DbConn, limit: i64) -> Result<Vec<AuditEvent>, StorageError> {
    audit_log::table
        .order((audit_log::at.desc(), audit_log::id.desc()))
        .limit(limit)
        .load::<AuditRow>(conn)?
        .into_iter()
        .map(AuditEvent::try_from)
        .collect()
}
