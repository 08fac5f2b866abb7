//! Sealed room state and sealed invitee names: the server stores what members'
//! devices sealed and checks only the clear header, never the content.

use kizuna_crypto::invitation_name::is_sealed_invitee_name;
use kizuna_crypto::SealedRoomState;
use kizuna_proto::{Channel, InvitationId, RoomId, RoomRole, UserId};
use kizuna_storage::invitations::{self, InvitationKind};
use kizuna_storage::{devices, rooms, StorageError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::audit::{self, Entry};
use crate::error::{ApiError, Problem};
use crate::service::acting::Acting;
use crate::service::delivery::decode;
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

/// The sealed state's bytes and clear header, if they name this room, its family
/// channel and a revision from 1.
fn opened(
    room: RoomId,
    new: &NewRoomState,
) -> Result<(Vec<u8>, kizuna_crypto::room_state::RoomStateHeader), ApiError> {
    let bytes = decode("sealed_state", &new.sealed_state)?;
    let sealed = SealedRoomState::from_bytes(&bytes).map_err(|e| {
        ApiError::input(
            "sealed_state",
            Problem::SealedStateShape {
                detail: e.to_string(),
            },
        )
    })?;
    let header = sealed.header;
    if header.room != room || header.channel != Channel::Family || header.revision < 1 {
        return Err(ApiError::input("sealed_state", Problem::SealedStateHeader));
    }
    Ok((bytes, header))
}

/// Stores a new sealed room state: team members only (owner, delegates,
/// professionals), signed by one of their live devices, at the revision after the
/// stored one (`state_conflict` if another member was first). The room's members
/// are told.
pub async fn put_room_state(
    state: &AppState,
    acting: Acting,
    room: RoomId,
    new: NewRoomState,
) -> Result<StoredRoomState, ApiError> {
    let (bytes, header) = opened(room, &new)?;
    let revision = i64::try_from(header.revision).unwrap_or(i64::MAX);
    let (user, now) = (acting.user, state.now());
    let members = state
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
            crate::service::retention::refuse_closed(conn, room)?;
            let device = found(devices::get(conn, header.author_device))?;
            let own_live_device = device.is_some_and(|d| d.user == user && d.revoked_at.is_none());
            if header.author_user != user || !own_live_device {
                return Err(ApiError::input("sealed_state", Problem::SealedStateSigner));
            }
            if !rooms::replace_state(conn, room, revision, &bytes)? {
                let current = rooms::get(conn, room)?.state_revision;
                return Err(ApiError::StateConflict { current });
            }
            let entry = Entry::success(
                user,
                "room.state_sealed",
                ("room", room.to_string()),
                acting.ip.as_deref(),
            );
            audit::record(conn, now, entry)?;
            Ok(rooms::members(conn, room)?
                .into_iter()
                .map(|m| m.user)
                .collect::<Vec<_>>())
        })
        .await?;
    // Members' clients fetch the room list again and open the new state.
    state.live.notify_all_members(&members);
    Ok(StoredRoomState {
        state_revision: revision,
    })
}

/// An invitee's name sealed under the link's token.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SealedInviteeName {
    /// The sealed name (base64): `kizuna_crypto::invitation_name`.
    pub sealed_invitee_name: String,
}

/// Stores who a room invitation is for, sealed on the inviter's device. Only the
/// invitation's creator, while it is unused and unexpired; anyone else, or another
/// room's invitation, is `not_found`.
pub async fn put_sealed_invitee_name(
    state: &AppState,
    user: UserId,
    room: RoomId,
    id: InvitationId,
    new: SealedInviteeName,
) -> Result<(), ApiError> {
    let sealed = decode("sealed_invitee_name", &new.sealed_invitee_name)?;
    if !is_sealed_invitee_name(&sealed) {
        return Err(ApiError::input("sealed_invitee_name", Problem::SealedNameShape));
    }
    let now = state.now();
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
        .await
}

/// `None` for a row that does not exist; other storage failures stay errors.
fn found<T>(result: Result<T, StorageError>) -> Result<Option<T>, StorageError> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(StorageError::NotFound) => Ok(None),
        Err(e) => Err(e),
    }
}
