//! One-time links: issuing one (a staff or a room invitation, stored with its audit
//! record in one transaction), inspecting one (for its own user, a used room
//! invitation still leads to the room), and accepting a room invitation with
//! an existing account.

use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use kizuna_proto::{Channel, RoomId, RoomRole, Timestamp, UserId};
use kizuna_storage::invitations::{self, Invitation, InvitationKind};
use kizuna_storage::{users, DbConn, StorageError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::audit::{self, Entry};
use crate::error::ApiError;
use crate::invites::{self, IssuedLink};
use crate::service::acting::Acting;
use crate::service::registration::room_membership;
use crate::state::AppState;
use crate::tokens::hash_token;

/// A lifetime of `hours` hours (saturating: a huge setting means "very long").
pub fn ttl_hours(hours: u64) -> Duration {
    Duration::from_secs(hours.saturating_mul(3600))
}

/// Issues the link `request` describes and records `action` for it in the audit
/// log, both or neither.
pub async fn issue_and_audit(
    state: &AppState,
    acting: &Acting,
    request: invites::Request,
    action: &'static str,
) -> Result<IssuedLink, ApiError> {
    let (now, public_url, actor, ip) = (
        state.now(),
        state.config.public_url(),
        acting.user,
        acting.ip.clone(),
    );
    state
        .write(move |conn| {
            let issued = invites::issue(conn, &public_url, request, now)?;
            let entry = Entry::success(
                actor,
                action,
                ("invitation", issued.invitation_id.to_string()),
                ip.as_deref(),
            );
            audit::record(conn, now, entry)?;
            Ok(issued)
        })
        .await
}

/// A link's token, as the holder has it.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InspectRequest {
    /// The token from the link (after `#/invite/`).
    pub token: String,
}

impl std::fmt::Debug for InspectRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("InspectRequest { token: *** }")
    }
}

/// What a valid link is for.
#[derive(Debug, Serialize, ToSchema)]
pub struct InvitationInfo {
    /// `bootstrap_admin`, `staff`, `room` or `recovery`.
    pub kind: String,
    /// Who it is for, as the inviter wrote it (staff and recovery links; room
    /// invitations carry the name only sealed).
    pub invitee_name: Option<String>,
    /// Who a room invitation is for, sealed by the inviter's device under a key derived
    /// from the link's token (base64; open it with the token from the link).
    pub sealed_invitee_name: Option<String>,
    /// The role the invitee will have.
    pub role: Option<String>,
    /// When it stops working.
    pub expires_at: Timestamp,
    /// Who made a room invitation: the display name they chose (already shown to
    /// the people in their rooms). None for other links.
    pub inviter_name: Option<String>,
}

/// A room invitation the signed-in caller used themselves: where it leads, so
/// opening their own link again on any device lands in the room.
#[derive(Debug, Serialize, ToSchema)]
pub struct UsedByYou {
    /// Always `true`: tells this answer from [`InvitationInfo`].
    pub used_by_you: bool,
    /// The room the link joined.
    pub room_id: RoomId,
    /// The channel the room opens on for the caller (`team` for the care team,
    /// else `family`).
    pub channel: Channel,
}

/// What `POST /invitations/inspect` answers.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum Inspected {
    /// The link can still be used.
    Usable(InvitationInfo),
    /// The caller already used this room invitation.
    UsedByYou(UsedByYou),
}

/// What the link with `token` is for, if it can still be used; for `caller`'s own
/// used room invitation, the room it joined. Unknown, expired and used links (used
/// by anyone else, or asked about signed out) get the same `invitation_invalid`, so
/// a guesser learns nothing.
pub async fn inspect(state: &AppState, caller: Option<UserId>, token: &str) -> Result<Inspected, ApiError> {
    let hash = hash_token(token.trim());
    let now = state.now();
    let answer = state
        .db
        .run(move |conn| {
            let Some(invitation) = invitations::find_by_token_hash(conn, &hash)? else {
                return Ok(None);
            };
            if invitation.is_usable(now) {
                let inviter_name = inviter_name(conn, &invitation)?;
                return Ok(Some(Inspected::Usable(info(invitation, inviter_name))));
            }
            let Some(user) = caller else {
                return Ok(None);
            };
            Ok(used_by(conn, &invitation, user)?.map(Inspected::UsedByYou))
        })
        .await?;
    answer.ok_or(ApiError::InvitationInvalid)
}

fn info(invitation: Invitation, inviter_name: Option<String>) -> InvitationInfo {
    InvitationInfo {
        kind: invitation.kind.as_str().to_owned(),
        invitee_name: invitation.invitee_name,
        sealed_invitee_name: invitation
            .sealed_invitee_name
            .as_deref()
            .map(|b| STANDARD.encode(b)),
        role: invitation.role,
        expires_at: invitation.expires_at,
        inviter_name,
    }
}

/// The display name of whoever made a room invitation (none for other links).
fn inviter_name(conn: &mut DbConn, invitation: &Invitation) -> Result<Option<String>, StorageError> {
    let (InvitationKind::Room, Some(inviter)) = (invitation.kind, invitation.created_by) else {
        return Ok(None);
    };
    match users::get(conn, inviter) {
        Ok(user) => Ok(Some(user.display_name)),
        Err(StorageError::NotFound) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The room `user` joined with this (used) room invitation, while they are still in
/// it: `None` for anyone but the account that redeemed it.
fn used_by(
    conn: &mut DbConn,
    invitation: &Invitation,
    user: UserId,
) -> Result<Option<UsedByYou>, StorageError> {
    let (InvitationKind::Room, Some(room), Some(by)) = (invitation.kind, invitation.room, invitation.used_by)
    else {
        return Ok(None);
    };
    if by != user {
        return Ok(None);
    }
    let joined = kizuna_storage::rooms::member(conn, room, user)?;
    Ok(joined.map(|m| UsedByYou {
        used_by_you: true,
        room_id: room,
        channel: if m.team_access {
            Channel::Team
        } else {
            Channel::Family
        },
    }))
}

/// What accepting a room invitation did.
#[derive(Debug, Serialize, ToSchema)]
pub struct Accepted {
    /// The room joined.
    pub room_id: RoomId,
    /// The role in it.
    pub role: RoomRole,
}

/// Joins `user` to a room with the room invitation `token` (an existing account);
/// the link is used up, and the people in their rooms are told.
pub async fn accept(
    state: &AppState,
    user: UserId,
    ip: Option<String>,
    token: &str,
) -> Result<Accepted, ApiError> {
    let hash = hash_token(token.trim());
    let now = state.now();
    let (joined, sharing) = state
        .write(move |conn| {
            let Some(invitation) = invitations::find_by_token_hash(conn, &hash)?
                .filter(|i| i.is_usable(now) && i.kind == InvitationKind::Room)
            else {
                return Err(ApiError::InvitationInvalid);
            };
            let member = room_membership(&invitation, user, now)?;
            if kizuna_storage::rooms::member(conn, member.room, user)?.is_some() {
                return Err(ApiError::AlreadyMember);
            }
            if !invitations::consume(conn, invitation.id, user, now)? {
                return Err(ApiError::InvitationInvalid);
            }
            kizuna_storage::rooms::add_member(conn, &member)?;
            let entry = Entry::success(
                user,
                "invitation.accepted",
                ("room", member.room.to_string()),
                ip.as_deref(),
            );
            audit::record(conn, now, entry)?;
            let sharing = crate::live::co_members(conn, user)?;
            let joined = Accepted {
                room_id: member.room,
                role: member.role,
            };
            Ok((joined, sharing))
        })
        .await?;
    state.live.notify_all_members(&sharing);
    Ok(joined)
}
