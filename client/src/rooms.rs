//! Rooms: creating one (with both channel groups), listing mine, inviting, listing
//! and removing members.

use serde_json::json;

use crate::api::segment;
use crate::error::Result;
use crate::reconcile::ReconcileReport;
use crate::wire::{Invitation, Member, Room};
use crate::{Channel, Client, OrganisationId, RoomId, RoomRole, UserId};

impl Client {
    /// Creates a room in organisation `org` with me as its owner, and the MLS groups
    /// of both its channels with this device as their only member.
    pub async fn create_room(&mut self, org: OrganisationId, display_name: &str) -> Result<Room> {
        self.require_session()?;
        let mut room: Room = self
            .api
            .post(
                &format!("/organisations/{}/rooms", segment(&org.to_string())),
                &json!({ "display_name": display_name }),
            )
            .await?;
        room.role.get_or_insert(RoomRole::Owner);
        room.team_access = true;
        room.family_access = true;
        for channel in [Channel::Team, Channel::Family] {
            self.open_channel(room.id, channel).await?;
        }
        Ok(room)
    }

    /// The rooms I belong to, with my role and channel access in each.
    pub async fn rooms(&self) -> Result<Vec<Room>> {
        self.require_session()?;
        self.api.get("/rooms").await
    }

    /// The room's members, their roles, channel access and live devices.
    pub async fn members(&self, room: RoomId) -> Result<Vec<Member>> {
        self.require_session()?;
        self.api
            .get(&format!("/rooms/{}/members", segment(&room.to_string())))
            .await
    }

    /// Issues an invitation link for `name` with `role` (owner or delegate only).
    pub async fn invite(&self, room: RoomId, name: &str, role: RoomRole) -> Result<Invitation> {
        self.require_session()?;
        self.api
            .post(
                &format!("/rooms/{}/invitations", segment(&room.to_string())),
                &json!({ "invitee_name": name, "role": role }),
            )
            .await
    }

    /// Removes `user` from the room (owner or delegate only), then takes their
    /// devices out of every channel group of the room this device is in, so nothing
    /// posted from now on is readable to them.
    pub async fn remove_member(&mut self, room: RoomId, user: UserId) -> Result<Vec<ReconcileReport>> {
        self.require_session()?;
        self.api
            .delete(&format!(
                "/rooms/{}/members/{}",
                segment(&room.to_string()),
                segment(&user.to_string())
            ))
            .await?;
        let mut reports = Vec::new();
        for channel in [Channel::Team, Channel::Family] {
            if self.group_of(room, channel).is_some() {
                reports.push(self.reconcile(room, channel).await?);
            }
        }
        Ok(reports)
    }
}
