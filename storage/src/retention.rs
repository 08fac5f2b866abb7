//! Closing a room, each facility's retention period, legal holds, and erasing a
//! closed room's content once its retention has passed (issue 16).
//!
//! Erasing is irrecoverable: on SQLite it runs with `PRAGMA secure_delete = ON`, so
//! the freed pages are overwritten with zeros, and the write-ahead log is truncated
//! afterwards ([`with_secure_delete`]); the room row stays as a tombstone (no state,
//! no members) so audit records that name it still make sense.

use diesel::prelude::*;
use kizuna_proto::{BlobId, OrganisationId, RoomId, Timestamp, UserId};

use crate::schema::{
    blobs, devices, digest_pending, escalations_sent, group_log, groups, invitations, read_positions,
    room_escalation, room_members, rooms, welcomes,
};
use crate::{DbConn, StorageError};

diesel::table! {
    room_closures (room_id) {
        room_id -> Text,
        closed_at -> BigInt,
        closed_by -> Text,
        reason -> Text,
        deleted_at -> Nullable<BigInt>,
    }
}

// An append reads whether its room is closed with the group, membership and device
// ([`crate::groups::sending`]).
diesel::allow_tables_to_appear_in_same_query!(room_closures, groups);
diesel::allow_tables_to_appear_in_same_query!(room_closures, room_members);
diesel::allow_tables_to_appear_in_same_query!(room_closures, devices);

diesel::table! {
    room_holds (room_id) {
        room_id -> Text,
        placed_by -> Text,
        placed_at -> BigInt,
        reason -> Text,
    }
}

diesel::table! {
    retention_policies (organisation_id) {
        organisation_id -> Text,
        years -> BigInt,
        updated_by -> Text,
        updated_at -> BigInt,
    }
}

diesel::define_sql_function! {
    /// Bytes in a binary value (SQLite `length`, PostgreSQL `length(bytea)`).
    fn length(x: diesel::sql_types::Binary) -> diesel::sql_types::Integer;
}

/// The fewest whole years a facility may keep a closed room (the national rule).
pub const MIN_YEARS: i64 = 2;
/// The most whole years (some prefectures ask for 5), and the default.
pub const MAX_YEARS: i64 = 5;

/// A retention year, counted long (366 days) so a room is never erased before the
/// calendar anniversary of its closing.
const YEAR_MILLIS: i64 = 366 * 24 * 60 * 60 * 1000;

/// When a room closed at `closed_at` may be erased under a `years` retention.
pub fn delete_after(closed_at: Timestamp, years: i64) -> Timestamp {
    Timestamp(closed_at.0.saturating_add(years.saturating_mul(YEAR_MILLIS)))
}

/// Why a room was closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClosureReason {
    /// 転居: the client moved away.
    Moved,
    /// 逝去: the client died.
    Deceased,
    /// サービス終了: the service ended for another reason.
    Other,
}

impl ClosureReason {
    /// The stored word.
    pub fn as_str(self) -> &'static str {
        match self {
            ClosureReason::Moved => "moved",
            ClosureReason::Deceased => "deceased",
            ClosureReason::Other => "other",
        }
    }

    fn parse(value: &str) -> Result<Self, StorageError> {
        match value {
            "moved" => Ok(ClosureReason::Moved),
            "deceased" => Ok(ClosureReason::Deceased),
            "other" => Ok(ClosureReason::Other),
            other => Err(StorageError::Corrupt(format!("room_closures.reason = {other:?}"))),
        }
    }
}

/// A closed room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Closure {
    /// The room.
    pub room: RoomId,
    /// When it was closed.
    pub closed_at: Timestamp,
    /// Who closed it.
    pub closed_by: UserId,
    /// Why.
    pub reason: ClosureReason,
    /// When its content was erased (none while it is kept).
    pub deleted_at: Option<Timestamp>,
}

type ClosureRow = (RoomId, Timestamp, UserId, String, Option<Timestamp>);

fn closure_of(row: ClosureRow) -> Result<Closure, StorageError> {
    let (room, closed_at, closed_by, reason, deleted_at) = row;
    Ok(Closure {
        room,
        closed_at,
        closed_by,
        reason: ClosureReason::parse(&reason)?,
        deleted_at,
    })
}

/// Closes a room. Returns `false` (and changes nothing) if it is already closed.
pub fn close(
    conn: &mut DbConn,
    room: RoomId,
    by: UserId,
    reason: ClosureReason,
    now: Timestamp,
) -> Result<bool, StorageError> {
    if closure(conn, room)?.is_some() {
        return Ok(false);
    }
    diesel::insert_into(room_closures::table)
        .values((
            room_closures::room_id.eq(room),
            room_closures::closed_at.eq(now),
            room_closures::closed_by.eq(by),
            room_closures::reason.eq(reason.as_str()),
        ))
        .execute(conn)?;
    Ok(true)
}

/// A room's closure, if it is closed.
pub fn closure(conn: &mut DbConn, room: RoomId) -> Result<Option<Closure>, StorageError> {
    room_closures::table
        .find(room)
        .first::<ClosureRow>(conn)
        .optional()?
        .map(closure_of)
        .transpose()
}

/// Reopens a closed room whose content is still kept. Returns whether it was.
pub fn reopen(conn: &mut DbConn, room: RoomId) -> Result<bool, StorageError> {
    let removed = diesel::delete(
        room_closures::table
            .find(room)
            .filter(room_closures::deleted_at.is_null()),
    )
    .execute(conn)?;
    Ok(removed == 1)
}

/// Ends the room's unused invitations at `now` (a closed room takes nobody in).
/// Returns how many.
pub fn end_invitations(conn: &mut DbConn, room: RoomId, now: Timestamp) -> Result<usize, StorageError> {
    Ok(diesel::update(
        invitations::table
            .filter(invitations::room_id.eq(room))
            .filter(invitations::used_at.is_null())
            .filter(invitations::expires_at.gt(now)),
    )
    .set(invitations::expires_at.eq(now))
    .execute(conn)?)
}

/// A legal hold on a room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hold {
    /// The room.
    pub room: RoomId,
    /// Who placed it.
    pub placed_by: UserId,
    /// When.
    pub placed_at: Timestamp,
    /// Why, in the administrator's words.
    pub reason: String,
}

/// Places (or replaces) the legal hold on a room.
pub fn place_hold(conn: &mut DbConn, hold: &Hold) -> Result<(), StorageError> {
    diesel::delete(room_holds::table.find(hold.room)).execute(conn)?;
    diesel::insert_into(room_holds::table)
        .values((
            room_holds::room_id.eq(hold.room),
            room_holds::placed_by.eq(hold.placed_by),
            room_holds::placed_at.eq(hold.placed_at),
            room_holds::reason.eq(&hold.reason),
        ))
        .execute(conn)?;
    Ok(())
}

/// The legal hold on a room, if any.
pub fn hold(conn: &mut DbConn, room: RoomId) -> Result<Option<Hold>, StorageError> {
    Ok(room_holds::table
        .find(room)
        .first::<(RoomId, UserId, Timestamp, String)>(conn)
        .optional()?
        .map(|(room, placed_by, placed_at, reason)| Hold {
            room,
            placed_by,
            placed_at,
            reason,
        }))
}

/// Lifts the legal hold on a room. Returns whether there was one.
pub fn lift_hold(conn: &mut DbConn, room: RoomId) -> Result<bool, StorageError> {
    Ok(diesel::delete(room_holds::table.find(room)).execute(conn)? == 1)
}

/// A facility's retention period in whole years ([`MAX_YEARS`] unless it chose).
pub fn years(conn: &mut DbConn, org: OrganisationId) -> Result<i64, StorageError> {
    Ok(retention_policies::table
        .find(org)
        .select(retention_policies::years)
        .first::<i64>(conn)
        .optional()?
        .unwrap_or(MAX_YEARS))
}

/// Sets a facility's retention period (the caller checks the range; the schema
/// refuses anything outside [`MIN_YEARS`]..=[`MAX_YEARS`]).
pub fn set_years(
    conn: &mut DbConn,
    org: OrganisationId,
    years: i64,
    by: UserId,
    now: Timestamp,
) -> Result<(), StorageError> {
    diesel::delete(retention_policies::table.find(org)).execute(conn)?;
    diesel::insert_into(retention_policies::table)
        .values((
            retention_policies::organisation_id.eq(org),
            retention_policies::years.eq(years),
            retention_policies::updated_by.eq(by),
            retention_policies::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// One of a facility's rooms: its ID, when it was opened, its closure and hold.
pub type RoomRecord = (RoomId, Timestamp, Option<Closure>, Option<Hold>);

/// A facility's rooms with their closure and hold, oldest first (for its
/// administrator: no names, which are sealed).
pub fn rooms_of_organisation(
    conn: &mut DbConn,
    org: OrganisationId,
) -> Result<Vec<RoomRecord>, StorageError> {
    let listed: Vec<(RoomId, Timestamp)> = rooms::table
        .filter(rooms::organisation_id.eq(org))
        .order((rooms::created_at.asc(), rooms::id.asc()))
        .select((rooms::id, rooms::created_at))
        .load(conn)?;
    let mut out = Vec::with_capacity(listed.len());
    for (room, created_at) in listed {
        out.push((room, created_at, closure(conn, room)?, hold(conn, room)?));
    }
    Ok(out)
}

/// Closed rooms whose retention has passed at `now`, not on hold and not yet
/// erased.
pub fn due(conn: &mut DbConn, now: Timestamp) -> Result<Vec<RoomId>, StorageError> {
    let kept: Vec<(RoomId, Timestamp)> = room_closures::table
        .filter(room_closures::deleted_at.is_null())
        .select((room_closures::room_id, room_closures::closed_at))
        .load(conn)?;
    let mut due = Vec::new();
    for (room, closed_at) in kept {
        let org = rooms::table
            .find(room)
            .select(rooms::organisation_id)
            .first::<OrganisationId>(conn)?;
        if delete_after(closed_at, years(conn, org)?) <= now && hold(conn, room)?.is_none() {
            due.push(room);
        }
    }
    Ok(due)
}

/// What erasing a room removed: counts and sizes, never content.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Erased {
    /// The room.
    pub room: Option<RoomId>,
    /// When it was closed.
    pub closed_at: Option<Timestamp>,
    /// The retention that applied, in years.
    pub retention_years: i64,
    /// Channel groups (their public MLS state included).
    pub groups: usize,
    /// Log entries (commits, era keys, posts).
    pub log_entries: usize,
    /// Their ciphertext, in bytes.
    pub log_bytes: i64,
    /// Welcomes (MLS key material for added devices).
    pub welcomes: usize,
    /// Read positions.
    pub read_positions: usize,
    /// Invitations into the room.
    pub invitations: usize,
    /// Members taken off the room.
    pub members: usize,
    /// Whether sealed room state (the room's name) was stored.
    pub sealed_state: bool,
    /// Attachments whose bytes are to be deleted from the blob store, with their
    /// records (deleted once the bytes are gone).
    pub blobs: Vec<BlobId>,
    /// Their size, in bytes.
    pub blob_bytes: i64,
}

/// Erases a room whose retention has passed: marks it deleted (only if it still
/// is closed, kept and not on hold — the claim that makes two nodes' jobs safe),
/// then deletes its log, welcomes, groups, read positions, invitations, members,
/// notification bookkeeping and sealed state, and unlinks its attachments' records
/// from the deleted posts. `None`: not due (reopened, held, or erased by another
/// node). Run it in one transaction, inside [`with_secure_delete`].
pub fn erase(conn: &mut DbConn, room: RoomId, now: Timestamp) -> Result<Option<Erased>, StorageError> {
    let Some(closed) = closure(conn, room)? else {
        return Ok(None);
    };
    let org = rooms::table
        .find(room)
        .select(rooms::organisation_id)
        .first::<OrganisationId>(conn)?;
    let retention_years = years(conn, org)?;
    if delete_after(closed.closed_at, retention_years) > now || hold(conn, room)?.is_some() {
        return Ok(None);
    }
    let claimed = diesel::update(
        room_closures::table
            .find(room)
            .filter(room_closures::deleted_at.is_null()),
    )
    .set(room_closures::deleted_at.eq(Some(now)))
    .execute(conn)?;
    if claimed == 0 {
        return Ok(None);
    }
    let group_ids: Vec<String> = groups::table
        .filter(groups::room_id.eq(room))
        .select(groups::id)
        .load(conn)?;
    let log_bytes: Option<i64> = group_log::table
        .filter(group_log::group_id.eq_any(&group_ids))
        .select(diesel::dsl::sum(length(group_log::body)))
        .first(conn)?;
    let attachments: Vec<(BlobId, i64)> = blobs::table
        .filter(blobs::room_id.eq(room))
        .select((blobs::id, blobs::size))
        .load(conn)?;
    let sealed_state = rooms::table
        .find(room)
        .select(rooms::sealed_state.is_not_null())
        .first::<bool>(conn)?;
    diesel::delete(escalations_sent::table.filter(escalations_sent::group_id.eq_any(&group_ids)))
        .execute(conn)?;
    let read_positions =
        diesel::delete(read_positions::table.filter(read_positions::group_id.eq_any(&group_ids)))
            .execute(conn)?;
    let welcomes =
        diesel::delete(welcomes::table.filter(welcomes::group_id.eq_any(&group_ids))).execute(conn)?;
    let log_entries =
        diesel::delete(group_log::table.filter(group_log::group_id.eq_any(&group_ids))).execute(conn)?;
    diesel::update(blobs::table.filter(blobs::room_id.eq(room)))
        .set((
            blobs::group_id.eq(None::<String>),
            blobs::post_seq.eq(None::<i64>),
        ))
        .execute(conn)?;
    let groups = diesel::delete(groups::table.filter(groups::room_id.eq(room))).execute(conn)?;
    diesel::delete(digest_pending::table.filter(digest_pending::room_id.eq(room))).execute(conn)?;
    diesel::delete(room_escalation::table.filter(room_escalation::room_id.eq(room))).execute(conn)?;
    let invitations =
        diesel::delete(invitations::table.filter(invitations::room_id.eq(room))).execute(conn)?;
    let members = diesel::delete(room_members::table.filter(room_members::room_id.eq(room))).execute(conn)?;
    diesel::update(rooms::table.find(room))
        .set((
            rooms::sealed_state.eq(None::<Vec<u8>>),
            rooms::legacy_name.eq(None::<String>),
        ))
        .execute(conn)?;
    Ok(Some(Erased {
        room: Some(room),
        closed_at: Some(closed.closed_at),
        retention_years,
        groups,
        log_entries,
        log_bytes: log_bytes.unwrap_or(0),
        welcomes,
        read_positions,
        invitations,
        members,
        sealed_state,
        blob_bytes: attachments.iter().map(|(_, size)| size).sum(),
        blobs: attachments.into_iter().map(|(id, _)| id).collect(),
    }))
}

/// Attachments of erased rooms whose records are still there (their bytes were not
/// yet deleted, e.g. the node stopped midway): the job finishes them.
pub fn leftover_blobs(conn: &mut DbConn) -> Result<Vec<BlobId>, StorageError> {
    let erased: Vec<RoomId> = room_closures::table
        .filter(room_closures::deleted_at.is_not_null())
        .select(room_closures::room_id)
        .load(conn)?;
    Ok(blobs::table
        .filter(blobs::room_id.eq_any(erased))
        .select(blobs::id)
        .load(conn)?)
}

/// Runs `f` with SQLite's `secure_delete` on, so what it deletes is overwritten
/// with zeros rather than left in free pages, then rebuilds the file (`VACUUM`:
/// copies left in free space by earlier writes go too), checkpoints the
/// write-ahead log and truncates it (older frames may still hold the deleted
/// bytes). PostgreSQL
/// keeps dead rows until `VACUUM` reuses their space: there, `f` just runs.
pub fn with_secure_delete<T, E: From<StorageError>>(
    conn: &mut DbConn,
    f: impl FnOnce(&mut DbConn) -> Result<T, E>,
) -> Result<T, E> {
    use diesel::connection::SimpleConnection;
    if !matches!(conn, DbConn::Sqlite(_)) {
        return f(conn);
    }
    conn.batch_execute("PRAGMA secure_delete = ON")
        .map_err(StorageError::from)?;
    let outcome = f(conn);
    let restored = conn.batch_execute("PRAGMA secure_delete = OFF");
    let value = outcome?;
    restored.map_err(StorageError::from)?;
    // Earlier page splits and updates (made without secure_delete) can have left
    // copies of the deleted cells in free space of pages still in use: rebuilding
    // the file drops them. Then the log frames that still held them go.
    conn.batch_execute("VACUUM; PRAGMA wal_checkpoint(TRUNCATE);")
        .map_err(StorageError::from)?;
    Ok(value)
}
