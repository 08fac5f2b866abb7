//! Safety checks (安否確認, issue 14): the coarse answer per client room to a
//! broadcast that opened a check, and when an officer closed the check.
//!
//! Nothing here can hold a name or a note: the columns are IDs, two vocabularies
//! and times. What the team writes about the client (who, how, where they went) is
//! an end-to-end encrypted post in the room's team channel.
//!
//! One row per room and broadcast: a later answer replaces the earlier one. The
//! dashboard wants the current state, not a history; the audit log records each
//! answer (room and status) for whoever needs the sequence.

use diesel::prelude::*;
use kizuna_proto::{BroadcastId, OrganisationId, RoomId, SafetyNeed, SafetyStatus, Timestamp, UserId};

use crate::conn::MultiBackend;
use crate::schema::{rooms, safety_answers, safety_check_closures};
use crate::{transaction, DbConn, StorageError};

/// The safety vocabularies on [`DbConn`], forwarded to the backend in use as
/// `typed.rs` does for the other vocabularies (kept here so this feature's
/// additions stay in its own module).
macro_rules! forward_text {
    ($($name:ty),+) => {$(
        impl diesel::deserialize::FromSql<diesel::sql_types::Text, MultiBackend> for $name {
            fn from_sql(
                value: <MultiBackend as diesel::backend::Backend>::RawValue<'_>,
            ) -> diesel::deserialize::Result<Self> {
                value.from_sql::<Self, diesel::sql_types::Text>()
            }
        }

        impl diesel::serialize::ToSql<diesel::sql_types::Text, MultiBackend> for $name {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, MultiBackend>,
            ) -> diesel::serialize::Result {
                out.set_value((diesel::sql_types::Text, self));
                Ok(diesel::serialize::IsNull::No)
            }
        }
    )+};
}

forward_text!(SafetyNeed, SafetyStatus);

/// The current answer for one room.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct SafetyAnswer {
    /// The broadcast whose check this answers.
    pub broadcast_id: BroadcastId,
    /// The client's room.
    pub room_id: RoomId,
    /// The facility that owns the room, kept so totals per facility need no join.
    pub organisation_id: OrganisationId,
    /// How the client is.
    pub status: SafetyStatus,
    /// With 要支援 only: what kind of support.
    pub need: Option<SafetyNeed>,
    /// The team member who answered.
    pub answered_by: UserId,
    /// When.
    pub answered_at: Timestamp,
}

/// Stores `answer`, replacing the room's earlier answer to the same check.
pub fn put(conn: &mut DbConn, answer: &SafetyAnswer) -> Result<(), StorageError> {
    // Two team members answering a room's first answer at once may both try the
    // insert; the loser's retry then finds the row and replaces it.
    match put_once(conn, answer) {
        Err(StorageError::Conflict(_)) => put_once(conn, answer),
        outcome => outcome,
    }
}

fn put_once(conn: &mut DbConn, answer: &SafetyAnswer) -> Result<(), StorageError> {
    transaction(conn, |conn| replace(conn, answer))
}

fn replace(conn: &mut DbConn, answer: &SafetyAnswer) -> Result<(), StorageError> {
    let mine = safety_answers::table.find((answer.broadcast_id, answer.room_id));
    let updated = diesel::update(mine)
        .set((
            safety_answers::status.eq(answer.status),
            safety_answers::need.eq(answer.need),
            safety_answers::answered_by.eq(answer.answered_by),
            safety_answers::answered_at.eq(answer.answered_at),
        ))
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(safety_answers::table)
            .values((
                safety_answers::broadcast_id.eq(answer.broadcast_id),
                safety_answers::room_id.eq(answer.room_id),
                safety_answers::organisation_id.eq(answer.organisation_id),
                safety_answers::status.eq(answer.status),
                safety_answers::need.eq(answer.need),
                safety_answers::answered_by.eq(answer.answered_by),
                safety_answers::answered_at.eq(answer.answered_at),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Every answer to a check.
pub fn answers(conn: &mut DbConn, broadcast: BroadcastId) -> Result<Vec<SafetyAnswer>, StorageError> {
    Ok(safety_answers::table
        .filter(safety_answers::broadcast_id.eq(broadcast))
        .order(safety_answers::room_id.asc())
        .load::<SafetyAnswer>(conn)?)
}

/// The answers to a check for the given rooms.
pub fn answers_for(
    conn: &mut DbConn,
    broadcast: BroadcastId,
    rooms: &[RoomId],
) -> Result<Vec<SafetyAnswer>, StorageError> {
    Ok(safety_answers::table
        .filter(safety_answers::broadcast_id.eq(broadcast))
        .filter(safety_answers::room_id.eq_any(rooms))
        .load::<SafetyAnswer>(conn)?)
}

/// How many rooms each of `orgs` owns, for the unanswered counts.
pub fn room_counts(
    conn: &mut DbConn,
    orgs: &[OrganisationId],
) -> Result<Vec<(OrganisationId, i64)>, StorageError> {
    Ok(rooms::table
        .filter(rooms::organisation_id.eq_any(orgs))
        .group_by(rooms::organisation_id)
        .select((rooms::organisation_id, diesel::dsl::count_star()))
        .load(conn)?)
}

/// When a check was closed, if it was.
pub fn closed_at(conn: &mut DbConn, broadcast: BroadcastId) -> Result<Option<Timestamp>, StorageError> {
    Ok(safety_check_closures::table
        .find(broadcast)
        .select(safety_check_closures::closed_at)
        .first(conn)
        .optional()?)
}

/// Closes a check. Closing it again keeps the first closing; returns whether this
/// call closed it.
pub fn close(
    conn: &mut DbConn,
    broadcast: BroadcastId,
    by: UserId,
    now: Timestamp,
) -> Result<bool, StorageError> {
    if closed_at(conn, broadcast)?.is_some() {
        return Ok(false);
    }
    diesel::insert_into(safety_check_closures::table)
        .values((
            safety_check_closures::broadcast_id.eq(broadcast),
            safety_check_closures::closed_by.eq(by),
            safety_check_closures::closed_at.eq(now),
        ))
        .execute(conn)?;
    Ok(true)
}

/// Tells the other nodes (PostgreSQL NOTIFY, delivered on commit) that `officer`
/// should refresh the dashboard of check `broadcast`. Only IDs travel.
pub fn announce_changed(
    conn: &mut DbConn,
    officer: UserId,
    broadcast: BroadcastId,
) -> Result<(), StorageError> {
    crate::groups::announce(conn, &format!("safety:{officer}:{broadcast}"))
}
