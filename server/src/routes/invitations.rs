//! One-time links. The token comes in the request body (the link carries it in the
//! URL fragment), never in a path or query string, so it stays out of logs.

use actix_web::{post, web, HttpResponse};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use kizuna_proto::Timestamp;
use kizuna_storage::invitations;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::state::AppState;
use crate::tokens::hash_token;

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
}

/// Says whether a link can still be used, and for what. Unknown, used and expired
/// links get the same answer, so the endpoint tells a guesser nothing.
#[utoipa::path(
    tag = "invitations",
    request_body = InspectRequest,
    responses(
        (status = 200, description = "The link is valid", body = InvitationInfo),
        (status = 404, description = "Unknown, used or expired", body = crate::error::ErrorBody),
        (status = 400, description = "Malformed body", body = crate::error::ErrorBody),
    )
)]
#[post("/invitations/inspect")]
pub async fn inspect(
    state: web::Data<AppState>,
    body: web::Json<InspectRequest>,
) -> Result<HttpResponse, ApiError> {
    let hash = hash_token(body.token.trim());
    let now = state.now();
    let found = state
        .db
        .run(move |conn| invitations::find_by_token_hash(conn, &hash))
        .await?;
    let invitation = found
        .filter(|i| i.is_usable(now))
        .ok_or(ApiError::InvitationInvalid)?;
    Ok(HttpResponse::Ok().json(InvitationInfo {
        kind: invitation.kind.as_str().to_owned(),
        invitee_name: invitation.invitee_name,
        sealed_invitee_name: invitation
            .sealed_invitee_name
            .as_deref()
            .map(|b| STANDARD.encode(b)),
        role: invitation.role,
        expires_at: invitation.expires_at,
    }))
}

/// What accepting a room invitation did.
#[derive(Debug, Serialize, ToSchema)]
pub struct Accepted {
    /// The room joined.
    pub room_id: kizuna_proto::RoomId,
    /// The role in it.
    pub role: kizuna_proto::RoomRole,
}

/// Joins a room with a room invitation, for someone who already has an account
/// (e.g. a nurse already caring for another client). The link is used up.
#[utoipa::path(
    tag = "invitations",
    request_body = InspectRequest,
    responses(
        (status = 200, body = Accepted),
        (status = 401, body = crate::error::ErrorBody),
        (status = 404, description = "Unknown, used, expired or not a room invitation", body = crate::error::ErrorBody),
        (status = 409, description = "Already a member of the room", body = crate::error::ErrorBody),
    )
)]
#[post("/invitations/accept")]
pub async fn accept(
    state: web::Data<AppState>,
    auth: crate::auth::session::Authenticated,
    req: actix_web::HttpRequest,
    body: web::Json<InspectRequest>,
) -> Result<HttpResponse, ApiError> {
    let hash = hash_token(body.token.trim());
    let (user, now, ip) = (auth.user.id, state.now(), crate::auth::session::client_ip(&req));
    let joined = state
        .write(move |conn| {
            let Some(invitation) = invitations::find_by_token_hash(conn, &hash)?
                .filter(|i| i.is_usable(now) && i.kind == invitations::InvitationKind::Room)
            else {
                return Err(ApiError::InvitationInvalid);
            };
            let member = crate::routes::registration::room_membership(&invitation, user, now)?;
            if kizuna_storage::rooms::member(conn, member.room, user)?.is_some() {
                return Err(ApiError::AlreadyMember);
            }
            if !invitations::consume(conn, invitation.id, now)? {
                return Err(ApiError::InvitationInvalid);
            }
            kizuna_storage::rooms::add_member(conn, &member)?;
            let entry = crate::audit::Entry::success(
                user,
                "invitation.accepted",
                ("room", member.room.to_string()),
                ip.as_deref(),
            );
            crate::audit::record(conn, now, entry)?;
            let sharing = crate::live::co_members(conn, user)?;
            Ok((
                Accepted {
                    room_id: member.room,
                    role: member.role,
                },
                sharing,
            ))
        })
        .await?;
    let (joined, sharing) = joined;
    state.live.notify_all_members(&sharing);
    Ok(HttpResponse::Ok().json(joined))
}
