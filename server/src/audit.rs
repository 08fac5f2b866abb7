//! Writing audit records: who did what to whom, when, from where, with what result.
//! Every record goes on the hash chain (`kizuna_storage::audit::chain`).
//!
//! * [`access`]: access records — reading a room's log, downloading a file,
//!   exporting — with the device and the range.
//! * [`checkpoint`]: signed checkpoints of the chain in the blob store, and the job
//!   that writes them.

pub mod access;
pub mod checkpoint;

use kizuna_proto::{AuditId, Timestamp, UserId};
use kizuna_storage::audit::{self, AuditEvent, Outcome, Scope};
use kizuna_storage::{DbConn, StorageError};

/// One thing to record.
pub struct Entry<'a> {
    /// Who acted.
    pub actor: Option<UserId>,
    /// A stable dotted name, e.g. `auth.sign_in`.
    pub action: &'a str,
    /// The kind of thing acted on and its ID.
    pub target: Option<(&'a str, String)>,
    /// The caller's address.
    pub ip: Option<&'a str>,
    /// How it ended.
    pub outcome: Outcome,
    /// Extra detail (JSON). Never secrets or content.
    pub detail: Option<String>,
}

impl<'a> Entry<'a> {
    /// A successful action by `actor` on `target`, with no extra detail.
    pub fn success(actor: UserId, action: &'a str, target: (&'a str, String), ip: Option<&'a str>) -> Self {
        Entry {
            actor: Some(actor),
            action,
            target: Some(target),
            ip,
            outcome: Outcome::Success,
            detail: None,
        }
    }
}

/// Appends an entry at `now`.
pub fn record(conn: &mut DbConn, now: Timestamp, entry: Entry<'_>) -> Result<(), StorageError> {
    record_scoped(conn, now, entry, Scope::default())
}

/// Appends an entry at `now` with the device and room it concerns.
pub fn record_scoped(
    conn: &mut DbConn,
    now: Timestamp,
    entry: Entry<'_>,
    scope: Scope,
) -> Result<(), StorageError> {
    let (target_kind, target_id) = match entry.target {
        Some((kind, id)) => (Some(kind.to_owned()), Some(id)),
        None => (None, None),
    };
    let event = AuditEvent {
        id: AuditId::from_uuid(uuid::Uuid::new_v4()),
        at: now,
        actor: entry.actor,
        action: entry.action.to_owned(),
        target_kind,
        target_id,
        ip: entry.ip.map(str::to_owned),
        outcome: entry.outcome,
        detail: entry.detail,
    };
    audit::append_scoped(conn, &event, &scope).map(|_| ())
}
