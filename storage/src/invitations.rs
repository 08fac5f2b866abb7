//! One-time links: the bootstrap administrator link, staff and room invitations and
//! recovery links. The token itself is never stored, only its SHA-256 hash, so a
//! copy of the database does not let anyone redeem a link.

use diesel::prelude::*;
use kizuna_proto::{InvitationId, OrganisationId, RoomId, Timestamp, UserId};

use crate::schema::invitations;
use crate::{DbConn, StorageError};

/// What a link lets its holder do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvitationKind {
    /// Become the first system administrator.
    BootstrapAdmin,
    /// Join a facility's staff.
    Staff,
    /// Join a client's room (family, volunteers, outside professionals).
    Room,
    /// Set a new password and authenticator after an identity-checked reset.
    Recovery,
}

impl InvitationKind {
    /// The stable name stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            InvitationKind::BootstrapAdmin => "bootstrap_admin",
            InvitationKind::Staff => "staff",
            InvitationKind::Room => "room",
            InvitationKind::Recovery => "recovery",
        }
    }

    fn parse(value: &str) -> Result<Self, StorageError> {
        match value {
            "bootstrap_admin" => Ok(InvitationKind::BootstrapAdmin),
            "staff" => Ok(InvitationKind::Staff),
            "room" => Ok(InvitationKind::Room),
            "recovery" => Ok(InvitationKind::Recovery),
            other => Err(StorageError::Corrupt(format!("invitations.kind = {other:?}"))),
        }
    }
}

/// A stored one-time link (its token hashed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    /// Its ID (not secret; used in audit records).
    pub id: InvitationId,
    /// Hex SHA-256 of the token.
    pub token_hash: String,
    /// What it is for.
    pub kind: InvitationKind,
    /// The facility a staff invitation joins.
    pub organisation: Option<OrganisationId>,
    /// The room a room invitation joins.
    pub room: Option<RoomId>,
    /// The role the invitee will have (a vocabulary name).
    pub role: Option<String>,
    /// Who it is for, as the inviter typed it.
    pub invitee_name: Option<String>,
    /// Who made it (none for the bootstrap link).
    pub created_by: Option<UserId>,
    /// When it was made.
    pub created_at: Timestamp,
    /// After this it is worthless.
    pub expires_at: Timestamp,
    /// When it was redeemed, if it was.
    pub used_at: Option<Timestamp>,
    /// The existing person a recovery link is for.
    pub target_user: Option<UserId>,
    /// Who a room invitation is for, sealed by the inviter's device under a key
    /// derived from the link's token (`kizuna_crypto::invitation_name`).
    pub sealed_invitee_name: Option<Vec<u8>>,
    /// Who redeemed it, once it is used.
    pub used_by: Option<UserId>,
}

impl Invitation {
    /// Whether the link can still be redeemed at `now`.
    pub fn is_usable(&self, now: Timestamp) -> bool {
        self.used_at.is_none() && now < self.expires_at
    }
}

#[derive(Queryable, Insertable)]
#[diesel(table_name = invitations)]
struct InvitationRow {
    id: InvitationId,
    token_hash: String,
    kind: String,
    organisation_id: Option<OrganisationId>,
    room_id: Option<RoomId>,
    role: Option<String>,
    invitee_name: Option<String>,
    created_by: Option<UserId>,
    created_at: Timestamp,
    expires_at: Timestamp,
    used_at: Option<Timestamp>,
    target_user_id: Option<UserId>,
    sealed_invitee_name: Option<Vec<u8>>,
    used_by: Option<UserId>,
}

impl TryFrom<InvitationRow> for Invitation {
    type Error = StorageError;
    fn try_from(row: InvitationRow) -> Result<Self, StorageError> {
        Ok(Invitation {
            id: row.id,
            token_hash: row.token_hash,
            kind: InvitationKind::parse(&row.kind)?,
            organisation: row.organisation_id,
            room: row.room_id,
            role: row.role,
            invitee_name: row.invitee_name,
            created_by: row.created_by,
            created_at: row.created_at,
            expires_at: row.expires_at,
            used_at: row.used_at,
            target_user: row.target_user_id,
            sealed_invitee_name: row.sealed_invitee_name,
            used_by: row.used_by,
        })
    }
}

/// Stores a new link.
pub fn create(conn: &mut DbConn, invitation: &Invitation) -> Result<(), StorageError> {
    let row = InvitationRow {
        id: invitation.id,
        token_hash: invitation.token_hash.clone(),
        kind: invitation.kind.as_str().to_owned(),
        organisation_id: invitation.organisation,
        room_id: invitation.room,
        role: invitation.role.clone(),
        invitee_name: invitation.invitee_name.clone(),
        created_by: invitation.created_by,
        created_at: invitation.created_at,
        expires_at: invitation.expires_at,
        used_at: invitation.used_at,
        target_user_id: invitation.target_user,
        sealed_invitee_name: invitation.sealed_invitee_name.clone(),
        used_by: invitation.used_by,
    };
    diesel::insert_into(invitations::table)
        .values(&row)
        .execute(conn)?;
    Ok(())
}

/// The link whose token hashes to `token_hash`, used or not.
pub fn find_by_token_hash(conn: &mut DbConn, token_hash: &str) -> Result<Option<Invitation>, StorageError> {
    invitations::table
        .filter(invitations::token_hash.eq(token_hash))
        .first::<InvitationRow>(conn)
        .optional()?
        .map(Invitation::try_from)
        .transpose()
}

/// Marks a link used by `by`, exactly once: returns `false` if it was already used or
/// had expired at `now`, so two concurrent redemptions cannot both succeed.
pub fn consume(
    conn: &mut DbConn,
    id: InvitationId,
    by: UserId,
    now: Timestamp,
) -> Result<bool, StorageError> {
    let updated = diesel::update(
        invitations::table
            .find(id)
            .filter(invitations::used_at.is_null())
            .filter(invitations::expires_at.gt(now)),
    )
    .set((
        invitations::used_at.eq(Some(now)),
        invitations::used_by.eq(Some(by)),
    ))
    .execute(conn)?;
    Ok(updated == 1)
}

/// Unused, unexpired links of a kind at `now`.
pub fn pending(
    conn: &mut DbConn,
    kind: InvitationKind,
    now: Timestamp,
) -> Result<Vec<Invitation>, StorageError> {
    invitations::table
        .filter(invitations::kind.eq(kind.as_str()))
        .filter(invitations::used_at.is_null())
        .filter(invitations::expires_at.gt(now))
        .order(invitations::created_at.asc())
        .load::<InvitationRow>(conn)?
        .into_iter()
        .map(Invitation::try_from)
        .collect()
}

/// Ends every unused link of a kind at `now` (e.g. when a new bootstrap link
/// replaces the old one). Returns how many were ended.
pub fn expire_pending(
    conn: &mut DbConn,
    kind: InvitationKind,
    now: Timestamp,
) -> Result<usize, StorageError> {
    Ok(diesel::update(
        invitations::table
            .filter(invitations::kind.eq(kind.as_str()))
            .filter(invitations::used_at.is_null())
            .filter(invitations::expires_at.gt(now)),
    )
    .set(invitations::expires_at.eq(now))
    .execute(conn)?)
}

/// One link by ID.
pub fn get(conn: &mut DbConn, id: InvitationId) -> Result<Invitation, StorageError> {
    invitations::table
        .find(id)
        .first::<InvitationRow>(conn)?
        .try_into()
}

/// Ends every unused link for a person (e.g. older recovery links when a new one
/// is issued, or all of them when the person leaves).
pub fn expire_for_user(conn: &mut DbConn, user: UserId, now: Timestamp) -> Result<usize, StorageError> {
    Ok(diesel::update(
        invitations::table
            .filter(invitations::target_user_id.eq(user))
            .filter(invitations::used_at.is_null())
            .filter(invitations::expires_at.gt(now)),
    )
    .set(invitations::expires_at.eq(now))
    .execute(conn)?)
}

/// Stores the sealed invitee name of a link its creator `by` made, while the link is
/// unused and unexpired at `now`. Returns whether it was stored.
pub fn set_sealed_invitee_name(
    conn: &mut DbConn,
    id: InvitationId,
    by: UserId,
    sealed: &[u8],
    now: Timestamp,
) -> Result<bool, StorageError> {
    let updated = diesel::update(
        invitations::table
            .find(id)
            .filter(invitations::created_by.eq(by))
            .filter(invitations::used_at.is_null())
            .filter(invitations::expires_at.gt(now)),
    )
    .set(invitations::sealed_invitee_name.eq(Some(sealed.to_vec())))
    .execute(conn)?;
    Ok(updated == 1)
}
