//! Client rooms and who is in them with which channels.

use diesel::prelude::*;
use kizuna_proto::{Channel, OrganisationId, RoomId, RoomRole, Timestamp, UserId};

use crate::error::{parse_id, parse_stored};
use crate::schema::{room_members, rooms};
use crate::{DbConn, StorageError};

/// One client's team room. The display name is what the team calls the room; it
/// is the client's real name only if the owner chooses so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Room {
    /// Its ID.
    pub id: RoomId,
    /// The facility that owns it.
    pub organisation: OrganisationId,
    /// The name shown in room lists.
    pub display_name: String,
    /// Who created it.
    pub created_by: UserId,
    /// When.
    pub created_at: Timestamp,
}

#[derive(Queryable, Insertable)]
#[diesel(table_name = rooms)]
struct RoomRow {
    id: String,
    organisation_id: String,
    display_name: String,
    created_by: String,
    created_at: i64,
}

impl TryFrom<RoomRow> for Room {
    type Error = StorageError;
    fn try_from(row: RoomRow) -> Result<Self, StorageError> {
        Ok(Room {
            id: parse_id("rooms.id", &row.id)?,
            organisation: parse_id("rooms.organisation_id", &row.organisation_id)?,
            display_name: row.display_name,
            created_by: parse_id("rooms.created_by", &row.created_by)?,
            created_at: Timestamp(row.created_at),
        })
    }
}

/// Creates a room.
pub fn create(conn: &mut DbConn, room: &Room) -> Result<(), StorageError> {
    let row = RoomRow {
        id: room.id.to_string(),
        organisation_id: room.organisation.to_string(),
        display_name: room.display_name.clone(),
        created_by: room.created_by.to_string(),
        created_at: room.created_at.millis(),
    };
    diesel::insert_into(rooms::table).values(&row).execute(conn)?;
    Ok(())
}

/// One room by ID.
pub fn get(conn: &mut DbConn, id: RoomId) -> Result<Room, StorageError> {
    rooms::table
        .find(id.to_string())
        .first::<RoomRow>(conn)?
        .try_into()
}

/// The rooms a facility owns.
pub fn list_for_organisation(conn: &mut DbConn, org: OrganisationId) -> Result<Vec<Room>, StorageError> {
    rooms::table
        .filter(rooms::organisation_id.eq(org.to_string()))
        .order((rooms::display_name.asc(), rooms::id.asc()))
        .load::<RoomRow>(conn)?
        .into_iter()
        .map(Room::try_from)
        .collect()
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
        match channel {
            Channel::Team => self.team_access,
            Channel::Family => self.family_access,
        }
    }
}

#[derive(Queryable, Insertable)]
#[diesel(table_name = room_members)]
struct RoomMemberRow {
    room_id: String,
    user_id: String,
    role: String,
    team_access: bool,
    family_access: bool,
    added_by: Option<String>,
    added_at: i64,
}

impl TryFrom<RoomMemberRow> for RoomMember {
    type Error = StorageError;
    fn try_from(row: RoomMemberRow) -> Result<Self, StorageError> {
        Ok(RoomMember {
            room: parse_id("room_members.room_id", &row.room_id)?,
            user: parse_id("room_members.user_id", &row.user_id)?,
            role: parse_stored("room_members.role", &row.role)?,
            team_access: row.team_access,
            family_access: row.family_access,
            added_by: row
                .added_by
                .as_deref()
                .map(|u| parse_id("room_members.added_by", u))
                .transpose()?,
            added_at: Timestamp(row.added_at),
        })
    }
}

/// Adds a person to a room. Refused by the schema if a family member or volunteer
/// is given team access, or if they are already a member.
pub fn add_member(conn: &mut DbConn, member: &RoomMember) -> Result<(), StorageError> {
    let row = RoomMemberRow {
        room_id: member.room.to_string(),
        user_id: member.user.to_string(),
        role: member.role.as_str().to_owned(),
        team_access: member.team_access,
        family_access: member.family_access,
        added_by: member.added_by.map(|u| u.to_string()),
        added_at: member.added_at.millis(),
    };
    diesel::insert_into(room_members::table)
        .values(&row)
        .execute(conn)?;
    Ok(())
}

/// Removes a person from a room. Returns whether they were a member.
pub fn remove_member(conn: &mut DbConn, room: RoomId, user: UserId) -> Result<bool, StorageError> {
    let removed =
        diesel::delete(room_members::table.find((room.to_string(), user.to_string()))).execute(conn)?;
    Ok(removed > 0)
}

/// A person's membership in a room, if any.
pub fn member(conn: &mut DbConn, room: RoomId, user: UserId) -> Result<Option<RoomMember>, StorageError> {
    room_members::table
        .find((room.to_string(), user.to_string()))
        .first::<RoomMemberRow>(conn)
        .optional()?
        .map(RoomMember::try_from)
        .transpose()
}

/// Everyone in a room.
pub fn members(conn: &mut DbConn, room: RoomId) -> Result<Vec<RoomMember>, StorageError> {
    room_members::table
        .filter(room_members::room_id.eq(room.to_string()))
        .order((room_members::added_at.asc(), room_members::user_id.asc()))
        .load::<RoomMemberRow>(conn)?
        .into_iter()
        .map(RoomMember::try_from)
        .collect()
}

/// Everyone in any room a facility owns (e.g. families, for the facility's
/// administrator).
pub fn members_of_organisation_rooms(
    conn: &mut DbConn,
    org: OrganisationId,
) -> Result<Vec<RoomMember>, StorageError> {
    room_members::table
        .inner_join(rooms::table)
        .filter(rooms::organisation_id.eq(org.to_string()))
        .select(room_members::all_columns)
        .order((room_members::user_id.asc(), room_members::room_id.asc()))
        .load::<RoomMemberRow>(conn)?
        .into_iter()
        .map(RoomMember::try_from)
        .collect()
}

/// The rooms a person is a member of.
pub fn rooms_of_user(conn: &mut DbConn, user: UserId) -> Result<Vec<RoomId>, StorageError> {
    room_members::table
        .filter(room_members::user_id.eq(user.to_string()))
        .select(room_members::room_id)
        .load::<String>(conn)?
        .iter()
        .map(|r| parse_id("room_members.room_id", r))
        .collect()
}
