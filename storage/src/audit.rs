//! The append-only, hash-chained audit log. Rows can be added and read; the schema's
//! triggers refuse any update or delete of a sealed row on both backends, and the
//! chain ([`chain`]) makes any edit, deletion or insertion that gets past them
//! visible to `kizuna-ops audit verify`.
//!
//! Access records (who read which room, which range, from which device) are audit
//! entries with a [`Scope`]: the device and the room, in columns of their own so a
//! facility's history is one indexed query.

pub mod chain;
pub mod checkpoints;

use diesel::prelude::*;
use kizuna_proto::{AuditId, DeviceId, OrganisationId, RoomId, Timestamp, UserId};

use crate::schema::{audit_log, rooms};
use crate::{DbConn, StorageError};

pub use chain::Link;

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
    /// The stored word.
    pub fn as_str(self) -> &'static str {
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

/// Where an access happened: the acting device (when the session is bound to one)
/// and the room read or acted in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Scope {
    /// The device the session acts for.
    pub device: Option<DeviceId>,
    /// The room.
    pub room: Option<RoomId>,
}

/// An entry as stored, with its place in the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainedEvent {
    /// Its sequence number (0 for a row written outside the chain).
    pub seq: i64,
    /// Its hash (hex), if it has one.
    pub hash: Option<String>,
    /// What happened.
    pub event: AuditEvent,
    /// Which device and room.
    pub scope: Scope,
}

#[derive(Queryable, Insertable, Selectable)]
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
    seq: Option<i64>,
    hash: Option<String>,
    device_id: Option<DeviceId>,
    room_id: Option<RoomId>,
}

impl TryFrom<AuditRow> for ChainedEvent {
    type Error = StorageError;
    fn try_from(row: AuditRow) -> Result<Self, StorageError> {
        Ok(ChainedEvent {
            seq: row.seq.unwrap_or(0),
            hash: row.hash,
            scope: Scope {
                device: row.device_id,
                room: row.room_id,
            },
            event: AuditEvent {
                id: row.id,
                at: row.at,
                actor: row.actor_user_id,
                action: row.action,
                target_kind: row.target_kind,
                target_id: row.target_id,
                ip: row.ip,
                outcome: Outcome::parse(&row.outcome)?,
                detail: row.detail,
            },
        })
    }
}

fn load(rows: Vec<AuditRow>) -> Result<Vec<ChainedEvent>, StorageError> {
    rows.into_iter().map(ChainedEvent::try_from).collect()
}

/// Appends a record with no device or room.
pub fn append(conn: &mut DbConn, event: &AuditEvent) -> Result<(), StorageError> {
    append_scoped(conn, event, &Scope::default()).map(|_| ())
}

/// Appends a record at the end of the chain and returns its link. Runs in its own
/// transaction (a savepoint inside the caller's), holding the chain's head until the
/// outermost transaction ends.
pub fn append_scoped(conn: &mut DbConn, event: &AuditEvent, scope: &Scope) -> Result<Link, StorageError> {
    crate::transaction(conn, |conn| {
        let prev = chain::take_next(conn)?;
        let seq = prev.seq + 1;
        let hash = chain::entry_hash(&prev.hash, seq, event, scope);
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
            seq: Some(seq),
            hash: Some(hash.clone()),
            device_id: scope.device,
            room_id: scope.room,
        };
        diesel::insert_into(audit_log::table).values(&row).execute(conn)?;
        chain::set_head_hash(conn, &hash)?;
        Ok(Link { seq, hash })
    })
}

/// Gives hashes to the rows numbered by the migration (written before the chain
/// existed), in seq order, and returns the last one's hash. Called once, with the
/// head locked.
fn seal_legacy(conn: &mut DbConn, last: i64) -> Result<String, StorageError> {
    let mut prev = Link::genesis();
    while prev.seq < last {
        let page = load(
            audit_log::table
                .filter(audit_log::seq.gt(prev.seq))
                .filter(audit_log::seq.le(last))
                .order(audit_log::seq.asc())
                .limit(500)
                .select(AuditRow::as_select())
                .load(conn)?,
        )?;
        if page.is_empty() {
            break;
        }
        for row in page {
            let hash = chain::entry_hash(&prev.hash, row.seq, &row.event, &row.scope);
            diesel::update(audit_log::table.find(row.event.id))
                .set(audit_log::hash.eq(&hash))
                .execute(conn)?;
            prev = Link { seq: row.seq, hash };
        }
    }
    chain::set_head_hash(conn, &prev.hash)?;
    Ok(prev.hash)
}

/// The most recent records, newest first.
pub fn recent(conn: &mut DbConn, limit: i64) -> Result<Vec<AuditEvent>, StorageError> {
    Ok(recent_chained(conn, limit)?
        .into_iter()
        .map(|c| c.event)
        .collect())
}

/// The most recent records with their chain position and scope, newest first.
pub fn recent_chained(conn: &mut DbConn, limit: i64) -> Result<Vec<ChainedEvent>, StorageError> {
    load(
        audit_log::table
            .order((audit_log::at.desc(), audit_log::id.desc()))
            .limit(limit)
            .select(AuditRow::as_select())
            .load(conn)?,
    )
}

/// Up to `limit` chained entries after `after_seq`, in seq order (for verifying).
pub fn chain_page(conn: &mut DbConn, after_seq: i64, limit: i64) -> Result<Vec<ChainedEvent>, StorageError> {
    load(
        audit_log::table
            .filter(audit_log::seq.gt(after_seq))
            .order(audit_log::seq.asc())
            .limit(limit)
            .select(AuditRow::as_select())
            .load(conn)?,
    )
}

/// Entries without a seq: written outside the chain (by hand, in the database).
pub fn unchained(conn: &mut DbConn) -> Result<Vec<ChainedEvent>, StorageError> {
    load(
        audit_log::table
            .filter(audit_log::seq.is_null())
            .order(audit_log::at.asc())
            .select(AuditRow::as_select())
            .load(conn)?,
    )
}

/// Which access records to list.
#[derive(Debug, Clone)]
pub struct HistoryFilter {
    /// Only rooms of this organisation (the facility).
    pub organisation: OrganisationId,
    /// Only this room.
    pub room: Option<RoomId>,
    /// Only this person's actions.
    pub actor: Option<UserId>,
    /// From this time (inclusive).
    pub from: Option<Timestamp>,
    /// Before this time (exclusive).
    pub to: Option<Timestamp>,
    /// Only entries before this seq (paging, newest first).
    pub before_seq: Option<i64>,
}

/// Entries in the facility's rooms that match the filter, newest first, at most
/// `limit`.
pub fn room_history(
    conn: &mut DbConn,
    filter: &HistoryFilter,
    limit: i64,
) -> Result<Vec<ChainedEvent>, StorageError> {
    let facility_rooms = rooms::table
        .filter(rooms::organisation_id.eq(filter.organisation))
        .select(rooms::id.nullable());
    let mut query = audit_log::table
        .filter(audit_log::room_id.eq_any(facility_rooms))
        .into_boxed();
    if let Some(room) = filter.room {
        query = query.filter(audit_log::room_id.eq(room));
    }
    if let Some(actor) = filter.actor {
        query = query.filter(audit_log::actor_user_id.eq(actor));
    }
    if let Some(from) = filter.from {
        query = query.filter(audit_log::at.ge(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(audit_log::at.lt(to));
    }
    if let Some(before) = filter.before_seq {
        query = query.filter(audit_log::seq.lt(before));
    }
    load(
        query
            .order(audit_log::seq.desc())
            .limit(limit)
            .select(AuditRow::as_select())
            .load(conn)?,
    )
}
