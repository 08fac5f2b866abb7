//! Issuing one-time links: bootstrap, staff and room invitations, recovery links.
//! The token is returned once, inside the link; only its hash is stored.

use std::time::Duration;

use kizuna_proto::{InvitationId, OrganisationId, Redacted, RoomId, Timestamp, UserId};
use kizuna_storage::invitations::{self, Invitation, InvitationKind};
use kizuna_storage::{DbConn, StorageError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::tokens::{hash_token, new_token};

/// What a new link is for.
pub struct Request {
    /// The kind.
    pub kind: InvitationKind,
    /// The facility a staff invitation joins.
    pub organisation: Option<OrganisationId>,
    /// The room a room invitation joins.
    pub room: Option<RoomId>,
    /// The role the invitee gets.
    pub role: Option<String>,
    /// Who it is for.
    pub invitee_name: Option<String>,
    /// Who issued it.
    pub created_by: Option<UserId>,
    /// The existing person a recovery link is for.
    pub target_user: Option<UserId>,
    /// How long it stays valid.
    pub ttl: Duration,
}

/// A link as handed to whoever issued it, to pass on to the invitee.
#[derive(Debug, Serialize, ToSchema)]
pub struct IssuedLink {
    /// The invitation's ID (for audit; not secret).
    pub invitation_id: InvitationId,
    /// The link to open. The token is in the fragment, so it never reaches a server log.
    pub link: String,
    /// The same link, for a QR code to scan on a phone.
    pub qr_payload: String,
    /// When it stops working.
    pub expires_at: Timestamp,
}

/// Stores a new link and returns it (the only time the token is seen).
pub fn issue(
    conn: &mut DbConn,
    public_url: &str,
    request: Request,
    now: Timestamp,
) -> Result<IssuedLink, StorageError> {
    let token = new_token();
    let invitation = Invitation {
        id: InvitationId::from_uuid(uuid::Uuid::new_v4()),
        token_hash: hash_token(token.expose()),
        kind: request.kind,
        organisation: request.organisation,
        room: request.room,
        role: request.role,
        invitee_name: request.invitee_name,
        created_by: request.created_by,
        created_at: now,
        expires_at: now.plus(request.ttl),
        used_at: None,
        target_user: request.target_user,
        sealed_invitee_name: None,
        used_by: None,
    };
    invitations::create(conn, &invitation)?;
    let link = Redacted::new(format!("{public_url}/#/invite/{}", token.expose()));
    Ok(IssuedLink {
        invitation_id: invitation.id,
        link: link.expose().clone(),
        qr_payload: link.expose().clone(),
        expires_at: invitation.expires_at,
    })
}
