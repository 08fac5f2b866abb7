//! Sealed room state and sealed invitee names: the server stores what members'
//! devices sealed and checks only the clear header, never the content.

use actix_web::{put, web, HttpRequest, HttpResponse};
use kizuna_crypto::invitation_name::is_sealed_invitee_name;
use kizuna_crypto::SealedRoomState;
use kizuna_proto::{Channel, InvitationId, RoomId, RoomRole};
use kizuna_storage::invitations::{self, InvitationKind};
use kizuna_storage::{devices, rooms, StorageError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::audit::{self, Entry};
use crate::auth::session::{self, Authenticated};
use crate::error::ApiError;
use crate::routes::delivery::decode;
use crate::state::AppState;

/// A room state sealed on a member's device.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRoomState {
    /// The sealed record (base64): `kizuna_crypto::room_state`, sealed under the room's
    /// family channel's current era key, revision one more than the stored one.
    pub sealed_state: String,
}

/// What was stored.
#[derive(Debug, Serialize, ToSchema)]
pub struct StoredRoomState {
    /// The revision now stored.
    pub state_revision: i64,
}

/// Stores a new sealed room state (a rename, or the same name sealed again under the
/// family channel's current era so members who joined since can open it). Team
/// members only (owner, delegates, professionals); the record's header must name this
/// room, the family channel, the caller and one of their live devices, and the
/// revision after the stored one (`409 state_conflict` if another member was first).
/// The room's members get a `members` notice on their sockets.
#[utoipa::path(
    tag = "rooms",
    params(("room_id" = RoomId, Path, description = "The room")),
    request_body = NewRoomState,
    responses((status = 200, body = StoredRoomState), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody))
)]
#[put("/rooms/{room_id}/state")]
pub async fn put_room_state(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    path: web::Path<RoomId>,
    body: web::Json<NewRoomState>,
) -> Result<HttpResponse, ApiError> {
    let room = path.into_inner();
    let bytes = decode("sealed_state", &body.sealed_state)?;
    let sealed = SealedRoomState::from_bytes(&bytes).map_err(|e| {
        ApiError::invalid(
            "sealed_state",
            format!("not a sealed room state: {e}"),
            "暗号化されたルーム情報の形式ではありません",
        )
    })?;
    let header = sealed.header;
    let revision = i64::try_from(header.revision).unwrap_or(i64::MAX);
    if header.room != room || header.channel != Channel::Family || revision < 1 {
        return Err(ApiError::invalid(
            "sealed_state",
            "the sealed state must name this room, its family channel and a revision from 1",
            "暗号化されたルーム情報がこのルームの家族チャンネルと版を示していません",
        ));
    }
    let (user, now, ip) = (auth.user.id, state.now(), session::client_ip(&req));
    let stored = state
        .write(move |conn| {
            let Some(member) = rooms::member(conn, room, user)? else {
                return Err(ApiError::NotFound);
            };
            if !matches!(
                member.role,
                RoomRole::Owner | RoomRole::Delegate | RoomRole::Professional
            ) {
                return Err(ApiError::Forbidden);
            }
            let device = found(devices::get(conn, header.author_device))?;
            let own_live_device = device.is_some_and(|d| d.user == user && d.revoked_at.is_none());
            if header.author_user != user || !own_live_device {
                return Err(ApiError::invalid(
                    "sealed_state",
                    "the sealed state must be signed by one of your live devices",
                    "暗号化されたルーム情報はあなたの有効な端末で署名してください",
                ));
            }
            if !rooms::replace_state(conn, room, revision, &bytes)? {
                let current = rooms::get(conn, room)?.state_revision;
                return Err(ApiError::StateConflict { current });
            }
            let entry = Entry::success(
                user,
                "room.state_sealed",
                ("room", room.to_string()),
                ip.as_deref(),
            );
            audit::record(conn, now, entry)?;
            let members: Vec<_> = rooms::members(conn, room)?.into_iter().map(|m| m.user).collect();
            Ok((
                StoredRoomState {
                    state_revision: revision,
                },
                members,
            ))
        })
        .await?;
    // Members' clients fetch the room list again and open the new state.
    state.live.notify_all_members(&stored.1);
    Ok(HttpResponse::Ok().json(stored.0))
}

/// An invitee's name sealed under the link's token.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SealedInviteeName {
    /// The sealed name (base64): `kizuna_crypto::invitation_name`.
    pub sealed_invitee_name: String,
}

/// Stores who a room invitation is for, sealed on the inviter's device under a key
/// derived from the link's token (the database keeps only the token's hash). Only
/// the invitation's creator, while it is unused and unexpired.
#[utoipa::path(
    tag = "rooms",
    params(
        ("room_id" = RoomId, Path, description = "The room"),
        ("invitation_id" = InvitationId, Path, description = "The invitation"),
    ),
    request_body = SealedInviteeName,
    responses((status = 204), (status = 401, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody))
)]
#[put("/rooms/{room_id}/invitations/{invitation_id}/sealed-name")]
pub async fn put_sealed_invitee_name(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(RoomId, InvitationId)>,
    body: web::Json<SealedInviteeName>,
) -> Result<HttpResponse, ApiError> {
    let (room, id) = path.into_inner();
    let sealed = decode("sealed_invitee_name", &body.sealed_invitee_name)?;
    if !is_sealed_invitee_name(&sealed) {
        return Err(ApiError::invalid(
            "sealed_invitee_name",
            "not a sealed name",
            "暗号化された名前の形式ではありません",
        ));
    }
    let (user, now) = (auth.user.id, state.now());
    state
        .write(move |conn| {
            let invitation = found(invitations::get(conn, id))?;
            if !invitation.is_some_and(|i| i.kind == InvitationKind::Room && i.room == Some(room)) {
                return Err(ApiError::NotFound);
            }
            if !invitations::set_sealed_invitee_name(conn, id, user, &sealed, now)? {
                return Err(ApiError::NotFound);
            }
            Ok(())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `None` for a row that does not exist; other storage failures stay errors.
fn found<T>(result: Result<T, StorageError>) -> Result<Option<T>, StorageError> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(StorageError::NotFound) => Ok(None),
        Err(e) => Err(e),
    }
}
