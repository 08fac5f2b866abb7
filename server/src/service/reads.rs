//! Read receipts (既読): each member's read position per channel. The server keeps
//! positions in the log, never content; clients turn them into "既読 4/6" and the
//! names behind it, and ask who has not yet read an urgent post.

use kizuna_proto::{Timestamp, UserId};
use kizuna_storage::groups::{self, EntryKind, Group};
use kizuna_storage::{devices, reads, rooms, users, DbConn, StorageError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{ApiError, Problem};
use crate::service::delivery::group_for_member;
use crate::state::AppState;

/// How far I have read.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReadUpTo {
    /// The last log position read.
    pub seq: i64,
}

/// My read position after the update (it never moves back).
#[derive(Debug, Serialize, ToSchema)]
pub struct ReadPositionView {
    /// The position now recorded.
    pub seq: i64,
}

/// One member's read position.
#[derive(Debug, Serialize, ToSchema)]
pub struct MemberRead {
    /// Who.
    pub user_id: UserId,
    /// Their name.
    pub display_name: String,
    /// The last position they have read (0: nothing yet).
    pub seq: i64,
    /// When they read up to it.
    pub read_at: Option<Timestamp>,
}

/// Records that `user` has read a channel up to `seq`, a position in its log. The
/// recorded position never moves back.
pub async fn mark_read(
    state: &AppState,
    user: UserId,
    group_id: String,
    seq: i64,
) -> Result<ReadPositionView, ApiError> {
    let group = group_for_member(state, group_id, user).await?;
    let now = state.now();
    state
        .read(move |conn| {
            let last = groups::last_seq(conn, &group.id)?;
            if seq < 1 || seq > last {
                return Err(ApiError::input("seq", Problem::SeqNotInLog));
            }
            let seq = reads::mark_read(conn, &group.id, user, seq, now)?;
            Ok(ReadPositionView { seq })
        })
        .await
}

/// The channel's current members (the people who can read it) and their positions.
fn member_reads(conn: &mut DbConn, group: &Group) -> Result<Vec<MemberRead>, StorageError> {
    let recorded = reads::positions(conn, &group.id)?;
    let mut out = Vec::new();
    for member in rooms::members(conn, group.room)? {
        if !member.can_access(group.channel) {
            continue;
        }
        let person = users::get(conn, member.user)?;
        let read = recorded.iter().find(|p| p.user == member.user);
        out.push(MemberRead {
            user_id: member.user,
            display_name: person.display_name,
            seq: read.map_or(0, |r| r.seq),
            read_at: read.map(|r| r.read_at),
        });
    }
    Ok(out)
}

/// Everyone in the channel and how far they have read, for a member of it.
pub async fn positions(
    state: &AppState,
    user: UserId,
    group_id: String,
) -> Result<Vec<MemberRead>, ApiError> {
    let group = group_for_member(state, group_id, user).await?;
    Ok(state.db.run(move |conn| member_reads(conn, &group)).await?)
}

/// Who has not yet read the post at `seq` (its author excluded), for a member of
/// the channel. No such post: `not_found`.
pub async fn unread(
    state: &AppState,
    user: UserId,
    group_id: String,
    seq: i64,
) -> Result<Vec<MemberRead>, ApiError> {
    let group = group_for_member(state, group_id, user).await?;
    state
        .read(move |conn| {
            let entry = groups::entries_after(conn, &group.id, seq.saturating_sub(1).max(0), 1)?;
            let entry = entry
                .into_iter()
                .find(|e| e.seq == seq && e.kind == EntryKind::Post)
                .ok_or(ApiError::NotFound)?;
            let author = match entry.sender {
                Some(device) => Some(devices::get(conn, device)?.user),
                None => None,
            };
            let reads = member_reads(conn, &group)?;
            Ok(reads
                .into_iter()
                .filter(|r| r.seq < seq && Some(r.user_id) != author)
                .collect())
        })
        .await
}
