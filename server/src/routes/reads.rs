//! Read receipts (既読): each member's read position per channel. The server keeps
//! positions in the log, never content; clients turn them into "既読 4/6" and the
//! names behind it, and ask who has not yet read an urgent post.

use actix_web::{get, put, web, HttpResponse};
use kizuna_proto::{Timestamp, UserId};
use kizuna_storage::groups::{self, EntryKind};
use kizuna_storage::{devices, reads, rooms, users};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::session::Authenticated;
use crate::error::ApiError;
use crate::routes::delivery::group_for_member;
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

/// Records that I have read a channel up to a position.
#[utoipa::path(
    tag = "reads",
    params(("group_id" = String, Path, description = "The channel's MLS group")),
    request_body = ReadUpTo,
    responses(
        (status = 200, body = ReadPositionView),
        (status = 401, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody),
        (status = 422, description = "No such position in the log", body = crate::error::ErrorBody),
    )
)]
#[put("/groups/{group_id}/read")]
pub async fn mark_read(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<String>,
    body: web::Json<ReadUpTo>,
) -> Result<HttpResponse, ApiError> {
    let group = group_for_member(&state, path.into_inner(), auth.user.id).await?;
    let (seq, user, now) = (body.seq, auth.user.id, state.now());
    let recorded = state
        .db
        .run(move |conn| {
            let last = groups::last_seq(conn, &group.id)?;
            if seq < 1 || seq > last {
                return Ok(None);
            }
            reads::mark_read(conn, &group.id, user, seq, now).map(Some)
        })
        .await?
        .ok_or_else(|| {
            ApiError::invalid(
                "seq",
                "is not a position in this channel's log; sync and try again",
                "このチャンネルにない位置です。同期してからもう一度お試しください",
            )
        })?;
    Ok(HttpResponse::Ok().json(ReadPositionView { seq: recorded }))
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

/// The channel's current members (the people who can read it) and their positions.
fn member_reads(
    conn: &mut kizuna_storage::DbConn,
    group: &groups::Group,
) -> Result<Vec<MemberRead>, kizuna_storage::StorageError> {
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

/// Everyone in the channel and how far they have read: a post at position N has
/// been read by the members whose `seq ≥ N`.
#[utoipa::path(
    tag = "reads",
    params(("group_id" = String, Path, description = "The channel's MLS group")),
    responses(
        (status = 200, body = [MemberRead]),
        (status = 401, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody),
    )
)]
#[get("/groups/{group_id}/reads")]
pub async fn positions(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let group = group_for_member(&state, path.into_inner(), auth.user.id).await?;
    let reads = state.db.run(move |conn| member_reads(conn, &group)).await?;
    Ok(HttpResponse::Ok().json(reads))
}

/// Who has not yet read the post at a position (its author excluded): for "who
/// has not read this urgent post yet".
#[utoipa::path(
    tag = "reads",
    params(
        ("group_id" = String, Path, description = "The channel's MLS group"),
        ("seq" = i64, Path, description = "The post's position"),
    ),
    responses(
        (status = 200, body = [MemberRead]),
        (status = 401, body = crate::error::ErrorBody),
        (status = 404, description = "No such group or post", body = crate::error::ErrorBody),
    )
)]
#[get("/groups/{group_id}/posts/{seq}/unread")]
pub async fn unread(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(String, i64)>,
) -> Result<HttpResponse, ApiError> {
    let (group, seq) = path.into_inner();
    let group = group_for_member(&state, group, auth.user.id).await?;
    let unread = state
        .db
        .run(move |conn| {
            let entry = groups::entries_after(conn, &group.id, seq.saturating_sub(1).max(0), 1)?;
            let Some(entry) = entry
                .into_iter()
                .find(|e| e.seq == seq && e.kind == EntryKind::Post)
            else {
                return Ok(None);
            };
            let author = match entry.sender {
                Some(device) => Some(devices::get(conn, device)?.user),
                None => None,
            };
            let reads = member_reads(conn, &group)?;
            Ok(Some(
                reads
                    .into_iter()
                    .filter(|r| r.seq < seq && Some(r.user_id) != author)
                    .collect::<Vec<_>>(),
            ))
        })
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(HttpResponse::Ok().json(unread))
}
