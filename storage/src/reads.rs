//! Read positions (既読): how far each person has read each channel, as a position in
//! the channel's log. Metadata only: the server knows *that* someone read up to a
//! post, never what it said.

use diesel::prelude::*;
use kizuna_proto::{DeviceId, LogKind, Timestamp, Urgency, UserId};

use crate::schema::read_positions;
use crate::{transaction, DbConn, StorageError};

/// One person's read position in a channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadPosition {
    /// Who.
    pub user: UserId,
    /// The last log position they have read.
    pub seq: i64,
    /// When they got there.
    pub read_at: Timestamp,
}

/// Moves `user`'s read position in `group` forward to `seq` (never back: reading an
/// old post on another device does not unread the newer ones). Returns the position
/// now recorded.
pub fn mark_read(
    conn: &mut DbConn,
    group: &str,
    user: UserId,
    seq: i64,
    now: Timestamp,
) -> Result<i64, StorageError> {
    // Two devices of one person marking at once may both try the first insert; the
    // loser's retry then finds the row.
    match mark_read_once(conn, group, user, seq, now) {
        Err(StorageError::Conflict(_)) => mark_read_once(conn, group, user, seq, now),
        outcome => outcome,
    }
}

fn mark_read_once(
    conn: &mut DbConn,
    group: &str,
    user: UserId,
    seq: i64,
    now: Timestamp,
) -> Result<i64, StorageError> {
    transaction(conn, |conn| {
        let mine = read_positions::table
            .filter(read_positions::group_id.eq(group))
            .filter(read_positions::user_id.eq(user));
        let moved = diesel::update(mine.filter(read_positions::seq.lt(seq)))
            .set((read_positions::seq.eq(seq), read_positions::read_at.eq(now)))
            .execute(conn)?;
        if moved > 0 {
            return Ok(seq);
        }
        if let Some(current) = mine.select(read_positions::seq).first::<i64>(conn).optional()? {
            return Ok(current);
        }
        diesel::insert_into(read_positions::table)
            .values((
                read_positions::group_id.eq(group),
                read_positions::user_id.eq(user),
                read_positions::seq.eq(seq),
                read_positions::read_at.eq(now),
            ))
            .execute(conn)?;
        Ok(seq)
    })
}

/// Everyone's read position in a group (people who never opened it are absent).
pub fn positions(conn: &mut DbConn, group: &str) -> Result<Vec<ReadPosition>, StorageError> {
    Ok(read_positions::table
        .filter(read_positions::group_id.eq(group))
        .order(read_positions::user_id.asc())
        .select((
            read_positions::user_id,
            read_positions::seq,
            read_positions::read_at,
        ))
        .load::<(UserId, i64, Timestamp)>(conn)?
        .into_iter()
        .map(|(user, seq, read_at)| ReadPosition { user, seq, read_at })
        .collect())
}

/// How much of a channel one person has not read yet, from metadata alone: the
/// room list shows it without opening (or decrypting) anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Unread {
    /// The last position in the channel's log (0: empty).
    pub last_seq: i64,
    /// The person's read position (0: never opened).
    pub read_seq: i64,
    /// Posts after the read position written by someone else.
    pub posts: i64,
    /// Of those, how many their author marked `urgent` in clear.
    pub urgent: i64,
    /// Of those, how many their author marked `soon` in clear.
    pub soon: i64,
}

/// What `user` has not read in `group`. Their own posts never count as unread.
pub fn unread(conn: &mut DbConn, group: &str, user: UserId) -> Result<Unread, StorageError> {
    use crate::schema::{devices, group_log};

    let read_seq = read_positions::table
        .filter(read_positions::group_id.eq(group))
        .filter(read_positions::user_id.eq(user))
        .select(read_positions::seq)
        .first::<i64>(conn)
        .optional()?
        .unwrap_or(0);
    let last_seq = group_log::table
        .filter(group_log::group_id.eq(group))
        .select(diesel::dsl::max(group_log::seq))
        .first::<Option<i64>>(conn)?
        .unwrap_or(0);
    if last_seq <= read_seq {
        return Ok(Unread {
            last_seq,
            read_seq,
            ..Unread::default()
        });
    }
    let mine: Vec<DeviceId> = devices::table
        .filter(devices::user_id.eq(user))
        .select(devices::id)
        .load(conn)?;
    let counts: Vec<(Option<Urgency>, i64)> = group_log::table
        .filter(group_log::group_id.eq(group))
        .filter(group_log::seq.gt(read_seq))
        .filter(group_log::kind.eq(LogKind::Post))
        .filter(diesel::dsl::not(group_log::sender_device.eq_any(&mine)))
        .group_by(group_log::urgency)
        .select((group_log::urgency, diesel::dsl::count_star()))
        .load(conn)?;
    let count = |level: Option<Urgency>| {
        counts
            .iter()
            .filter(|(u, _)| level.is_none() || *u == level)
            .map(|(_, n)| n)
            .sum::<i64>()
    };
    Ok(Unread {
        last_seq,
        read_seq,
        posts: count(None),
        urgent: count(Some(Urgency::Urgent)),
        soon: count(Some(Urgency::Soon)),
    })
}
