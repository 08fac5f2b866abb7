//! Client rooms and who is in them with which channels.

use diesel::prelude::*;
use kizuna_proto::{Channel, OrganisationId, RoomId, RoomRole, Timestamp, UserId};

use crate::schema::{room_members, rooms};
use crate::{DbConn, StorageError};

/// One client's team room. What it is called is not here: members' devices seal it
/// into [`Room::sealed_state`], which the server can store and hand out but not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Room {
    /// Its ID.
    pub id: RoomId,
    /// The facility that owns it.
    pub organisation: OrganisationId,
    /// Who created it.
    pub created_by: UserId,
    /// When.
    pub created_at: Timestamp,
    /// The latest room state sealed by a member (none until the creator's device has
    /// sealed the first one).
    pub sealed_state: Option<Vec<u8>>,
    /// The revision of `sealed_state` (0: none yet).
    pub state_revision: i64,
    /// The clear name of a room made before names were sealed, kept only until a
    /// member's device seals it.
    pub legacy_name: Option<String>,
}

impl Room {
    /// A new room with no state yet.
    pub fn new(id: RoomId, organisation: OrganisationId, created_by: UserId, created_at: Timestamp) -> Self {
        Self {
            id,
            organisation,
            created_by,
            created_at,
            sealed_state: None,
            state_revision: 0,
            legacy_name: None,
        }
    }
}

#[derive(Queryable, Insertable)]
#[diesel(table_name = rooms)]
struct RoomRow {
    id: RoomId,
    organisation_id: OrganisationId,
    created_by: UserId,
    created_at: Timestamp,
    sealed_state: Option<Vec<u8>>,
    state_revision: i64,
    legacy_name: Option<String>,
}

impl From<RoomRow> for Room {
    fn from(row: RoomRow) -> Self {
        Room {
            id: row.id,
            organisation: row.organisation_id,
            created_by: row.created_by,
            created_at: row.created_at,
            sealed_state: row.sealed_state,
            state_revision: row.state_revision,
            legacy_name: row.legacy_name,
        }
    }
}

/// Creates a room.
pub fn create(conn: &mut DbConn, room: &Room) -> Result<(), StorageError> {
    let row = RoomRow {
        id: room.id,
        organisation_id: room.organisation,
        created_by: room.created_by,
        created_at: room.created_at,
        sealed_state: room.sealed_state.clone(),
        state_revision: room.state_revision,
        legacy_name: room.legacy_name.clone(),
    };
    diesel::insert_into(rooms::table).values(&row).execute(conn)?;
    Ok(())
}

/// One room by ID.
pub fn get(conn: &mut DbConn, id: RoomId) -> Result<Room, StorageError> {
    Ok(rooms::table.find(id).first::<RoomRow>(conn)?.into())
}

/// The rooms a facility owns, oldest first.
pub fn list_for_organisation(conn: &mut DbConn, org: OrganisationId) -> Result<Vec<Room>, StorageError> {
    Ok(rooms::table
        .filter(rooms::organisation_id.eq(org))
        .order((rooms::created_at.asc(), rooms::id.asc()))
        .load::<RoomRow>(conn)?
        .into_iter()
        .map(Room::from)
        .collect())
}

/// Stores `sealed` as revision `revision` of the room's state, only if the stored
/// revision is `revision - 1` (one conditional `UPDATE`, so of two members writing
/// the same revision exactly one wins). Forgets the room's legacy clear name in the
/// same write. Returns whether it was stored.
pub fn replace_state(
    conn: &mut DbConn,
    room: RoomId,
    revision: i64,
    sealed: &[u8],
) -> Result<bool, StorageError> {
    let updated = diesel::update(
        rooms::table
            .find(room)
            .filter(rooms::state_revision.eq(revision - 1)),
    )
    .set((
        rooms::sealed_state.eq(Some(sealed.to_vec())),
        rooms::state_revision.eq(revision),
        rooms::legacy_name.eq(None::<String>),
    ))
    .execute(conn)?;
    Ok(updated == 1)
}

/// A person's place in a room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomMember {
    /// The room.
    pub room: RoomId,
    /// The person.
    pub user: UserId,
    /// Their role in this room.
    pub role: RoomRole,
    /// May read and write the professionals' channel. Never true for family or
    /// volunteers: the schema refuses it.
    pub team_access: bool,
    /// May read and write the family channel.
    pub family_access: bool,
    /// Who added them (none for the creator).
    pub added_by: Option<UserId>,
    /// When.
    pub added_at: Timestamp,
}

impl RoomMember {
    /// Whether this member may use a channel.
    pub fn can_access(&self, channel: Channel) -> bool {
        grants(self.team_access, self.family_access, channel)
    }
}

/// Whether a member's team and family access let them use `channel`.
pub(crate) fn grants(team_access: bool, family_access: bool, channel: Channel) -> bool {
    match channel {
        Channel::Team => team_access,
        Channel::Family => family_access,
    }
}

#[derive(Queryable, Insertable)]
#[diesel(table_name = room_members)]
struct RoomMemberRow {
    room_id: RoomId,
    user_id: UserId,
    role: RoomRole,
    team_access: bool,
    family_access: bool,
    added_by: Option<UserId>,
    added_at: Timestamp,
}

impl From<RoomMemberRow> for RoomMember {
    fn from(row: RoomMemberRow) -> Self {
        RoomMember {
            room: row.room_id,
            user: row.user_id,
            role: row.role,
            team_access: row.team_access,
            family_access: row.family_access,
            added_by: row.added_by,
            added_at: row.added_at,
        }
    }
}

/// Adds a person to a room. Refused by the schema if a family member or volunteer
/// is given team access, or if they are already a member.
pub fn add_member(conn: &mut DbConn, member: &RoomMember) -> Result<(), StorageError> {
    let row = RoomMemberRow {
        room_id: member.room,
        user_id: member.user,
        role: member.role,
        team_access: member.team_access,
        family_access: member.family_access,
        added_by: member.added_by,
        added_at: member.added_at,
    };
    diesel::insert_into(room_members::table)
        .values(&row)
        .execute(conn)?;
    Ok(())
}

/// Removes a person from a room. Returns whether they were a member.
pub fn remove_member(conn: &mut DbConn, room: RoomId, user: UserId) -> Result<bool, StorageError> {
    let removed = diesel::delete(room_members::table.find((room, user))).execute(conn)?;
    Ok(removed > 0)
}

/// A person's membership in a room, if any.
pub fn member(conn: &mut DbConn, room: RoomId, user: UserId) -> Result<Option<RoomMember>, StorageError> {
    Ok(room_members::table
        .find((room, user))
        .first::<RoomMemberRow>(conn)
        .optional()?
        .map(RoomMember::from))
}

/// Everyone in a room.
pub fn members(conn: &mut DbConn, room: RoomId) -> Result<Vec<RoomMember>, StorageError> {
    Ok(room_members::table
        .filter(room_members::room_id.eq(room))
        .order((room_members::added_at.asc(), room_members::user_id.asc()))
        .load::<RoomMemberRow>(conn)?
        .into_iter()
        .map(RoomMember::from)
        .collect())
}

/// Everyone in any room a facility owns (e.g. families, for the facility's
/// administrator).
pub fn members_of_organisation_rooms(
    conn: &mut DbConn,
    org: OrganisationId,
) -> Result<Vec<RoomMember>, StorageError> {
    Ok(room_members::table
        .inner_join(rooms::table)
        .filter(rooms::organisation_id.eq(org))
        .select(room_members::all_columns)
        .order((room_members::user_id.asc(), room_members::room_id.asc()))
        .load::<RoomMemberRow>(conn)?
        .into_iter()
        .map(RoomMember::from)
        .collect())
}

/// The rooms a person is a member of.
pub fn rooms_of_user(conn: &mut DbConn, user: UserId) -> Result<Vec<RoomId>, StorageError> {
    Ok(room_members::table
        .filter(room_members::user_id.eq(user))
        .select(room_members::room_id)
        .load(conn)?)
}
