//! Rooms: creating one (with both channel groups), naming it, listing mine, inviting,
//! listing and removing members.
//!
//! A room's name never reaches the server in clear: this device seals it
//! ([`kizuna_crypto::room_state`]) under the current era key of the room's family
//! channel, which every member is in, and opens the sealed state of every room it
//! lists. Whenever the family channel has moved to a newer era (a family member
//! joined, who holds only eras from their joining on), a team member's device seals
//! the same state again under the current era ([`Client::reseal_room_states`], run by
//! [`Client::refresh`]). Invitee names are sealed under the link's token
//! ([`kizuna_crypto::invitation_name`]).

use kizuna_crypto::channel::HistoryPolicy;
use kizuna_crypto::invitation_name::{open_invitee_name, seal_invitee_name};
use kizuna_crypto::{RoomState, RoomStateError};
use serde::Deserialize;
use serde_json::json;

use crate::account::link_token;
use crate::api::{b64, segment, unb64};
use crate::channels::group_id;
use crate::error::{ClientError, Result};
use crate::reconcile::ReconcileReport;
use crate::wire::{Invitation, Member, Room};
use crate::{now, Channel, Client, OrganisationId, RoomId, RoomRole, UserId};

/// How many times a rename is tried again after another member stored a state first.
const MAX_STATE_ATTEMPTS: u32 = 3;

#[derive(Deserialize)]
struct InspectedLink {
    #[serde(default)]
    invitee_name: Option<String>,
    #[serde(default)]
    sealed_invitee_name: Option<String>,
}

fn state_error(e: RoomStateError) -> ClientError {
    match e {
        RoomStateError::InvalidName => ClientError::InvalidInput(e.to_string()),
        other => ClientError::Protocol(format!("room state: {other}")),
    }
}

fn may_seal(room: &Room) -> bool {
    matches!(
        room.role,
        Some(RoomRole::Owner | RoomRole::Delegate | RoomRole::Professional)
    )
}

impl Client {
    /// Creates a room in organisation `org` with me as its owner, the MLS groups of
    /// both its channels with this device as their only member, and `name` sealed
    /// for the room's members (the server never sees it).
    pub async fn create_room(&mut self, org: OrganisationId, name: &str) -> Result<Room> {
        self.require_session()?;
        let state = RoomState::named(name).map_err(state_error)?;
        let mut room: Room = self
            .api
            .post(
                &format!("/organisations/{}/rooms", segment(&org.to_string())),
                &json!({}),
            )
            .await?;
        room.role.get_or_insert(RoomRole::Owner);
        room.team_access = true;
        room.family_access = true;
        for channel in [Channel::Team, Channel::Family] {
            self.open_channel(room.id, channel).await?;
        }
        room.state_revision = self.store_room_state(room.id, &state, 1).await?;
        room.name = Some(state.name);
        Ok(room)
    }

    /// Renames a room (its team members only), sealed like the first name.
    pub async fn rename_room(&mut self, room: RoomId, name: &str) -> Result<Room> {
        self.require_session()?;
        let state = RoomState::named(name).map_err(state_error)?;
        for _ in 0..MAX_STATE_ATTEMPTS {
            let listed = self.room(room).await?;
            let next = listed.state_revision + 1;
            match self.store_room_state(room, &state, next).await {
                Ok(revision) => {
                    let mut renamed = listed;
                    renamed.state_revision = revision;
                    renamed.name = Some(state.name);
                    return Ok(renamed);
                }
                Err(ClientError::Server { code, .. }) if code == "state_conflict" => continue,
                Err(e) => return Err(e),
            }
        }
        Err(ClientError::TooManyConflicts(MAX_STATE_ATTEMPTS))
    }

    /// The rooms I belong to, with my role and channel access in each, and each
    /// room's name where this device can open its sealed state (`None` until then,
    /// e.g. before a member has added this device to the family channel).
    pub async fn rooms(&self) -> Result<Vec<Room>> {
        self.require_session()?;
        let mut rooms: Vec<Room> = self.api.get("/rooms").await?;
        for room in &mut rooms {
            room.name = self.open_name(room);
        }
        Ok(rooms)
    }

    /// Seals again, under the family channel's current era, the state of every room
    /// whose stored state is under an older era (or still a clear legacy name), so
    /// members who joined since can read it. Only for rooms where I am a team member;
    /// another member doing it first is not an error. Returns how many it stored.
    pub async fn reseal_room_states(&mut self) -> Result<usize> {
        self.require_session()?;
        let rooms: Vec<Room> = self.api.get("/rooms").await?;
        let mut stored = 0;
        for room in rooms.iter().filter(|r| may_seal(r)) {
            let Some(channel) = self.channels.get(&group_id(room.id, Channel::Family)) else {
                continue;
            };
            let Some(current) = channel.current_era() else {
                continue;
            };
            let state = match (&room.sealed_state, &room.legacy_name) {
                (Some(sealed), _) => {
                    let Ok(opened) = unb64("sealed_state", sealed)
                        .map_err(|e| e.to_string())
                        .and_then(|b| channel.open_room_state(&b).map_err(|e| e.to_string()))
                    else {
                        continue;
                    };
                    if opened.header.era == current {
                        continue;
                    }
                    opened.state
                }
                (None, Some(legacy)) => match RoomState::named(legacy) {
                    Ok(state) => state,
                    Err(_) => continue,
                },
                (None, None) => continue,
            };
            match self
                .store_room_state(room.id, &state, room.state_revision + 1)
                .await
            {
                Ok(_) => stored += 1,
                Err(ClientError::Server { code, .. }) if code == "state_conflict" => {}
                Err(e) => return Err(e),
            }
        }
        Ok(stored)
    }

    /// The room's members, their roles, channel access and live devices.
    pub async fn members(&self, room: RoomId) -> Result<Vec<Member>> {
        self.require_session()?;
        self.api
            .get(&format!("/rooms/{}/members", segment(&room.to_string())))
            .await
    }

    /// Issues an invitation link for `name` with `role` (owner or delegate only). The
    /// name is sealed under the link's token: the invitee's device reads it from the
    /// link ([`Client::invitation_name`]); the server stores only ciphertext.
    pub async fn invite(&self, room: RoomId, name: &str, role: RoomRole) -> Result<Invitation> {
        self.require_session()?;
        let invitation: Invitation = self
            .api
            .post(
                &format!("/rooms/{}/invitations", segment(&room.to_string())),
                &json!({ "role": role }),
            )
            .await?;
        let token = link_token(&invitation.link)?;
        let mut rng = self.rng;
        let sealed = seal_invitee_name(&token, name, &mut rng)
            .map_err(|e| ClientError::InvalidInput(e.to_string()))?;
        let id = invitation
            .invitation_id
            .ok_or_else(|| ClientError::Protocol("the server named no invitation ID".into()))?;
        self.api
            .put::<_, serde::de::IgnoredAny>(
                &format!(
                    "/rooms/{}/invitations/{}/sealed-name",
                    segment(&room.to_string()),
                    segment(&id.to_string())
                ),
                &json!({ "sealed_invitee_name": b64(&sealed) }),
            )
            .await?;
        Ok(invitation)
    }

    /// Who an invitation link is for, as the inviter wrote it: opened from the sealed
    /// name with the link's token (room invitations), or as the server has it (staff).
    /// `None` if the link names nobody. Needs no account.
    pub async fn invitation_name(&self, link: &str) -> Result<Option<String>> {
        let token = link_token(link)?;
        let inspected: InspectedLink = self
            .api
            .post("/invitations/inspect", &json!({ "token": token }))
            .await?;
        match inspected.sealed_invitee_name {
            Some(sealed) => {
                let bytes = unb64("sealed_invitee_name", &sealed)?;
                open_invitee_name(&token, &bytes)
                    .map(Some)
                    .map_err(|e| ClientError::Protocol(e.to_string()))
            }
            None => Ok(inspected.invitee_name),
        }
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

    /// One of my rooms, as listed.
    async fn room(&self, room: RoomId) -> Result<Room> {
        self.rooms()
            .await?
            .into_iter()
            .find(|r| r.id == room)
            .ok_or_else(|| ClientError::InvalidInput(format!("not a member of room {room}")))
    }

    /// The room's name from its sealed state, if this device can open it; a legacy
    /// clear name otherwise.
    fn open_name(&self, room: &Room) -> Option<String> {
        let Some(sealed) = &room.sealed_state else {
            return room.legacy_name.clone();
        };
        let channel = self.channels.get(&group_id(room.id, Channel::Family))?;
        let bytes = unb64("sealed_state", sealed).ok()?;
        channel.open_room_state(&bytes).ok().map(|o| o.state.name)
    }

    /// Seals `state` as `revision` under the family channel's current era (starting
    /// the channel's first era if it has none) and stores it. Returns the revision.
    async fn store_room_state(&mut self, room: RoomId, state: &RoomState, revision: i64) -> Result<i64> {
        let id = self.active_group(room, Channel::Family)?;
        let mut report = crate::SyncReport::default();
        self.sync_group(&id, &mut report).await?;
        let mut rng = self.rng;
        let Some(channel) = self.channels.get_mut(&id) else {
            return Err(ClientError::NotInChannel {
                room,
                channel: Channel::Family,
            });
        };
        if channel.current_era().is_none() {
            let message = channel.share_eras(HistoryPolicy::Full, now(), &mut rng)?;
            let epoch = channel.epoch();
            // The era must survive a crash before anything is sealed under it.
            self.save()?;
            self.send_message(&id, crate::wire::LogKind::EraKey, epoch, &message, None)
                .await?;
        }
        let channel = self.channels.get(&id).ok_or(ClientError::NotInChannel {
            room,
            channel: Channel::Family,
        })?;
        let revision_u64 =
            u64::try_from(revision).map_err(|_| ClientError::Protocol(format!("revision {revision}")))?;
        let sealed = channel
            .seal_room_state(state, revision_u64, now(), &mut rng)
            .map_err(state_error)?;
        #[derive(Deserialize)]
        struct Stored {
            state_revision: i64,
        }
        let stored: Stored = self
            .api
            .put(
                &format!("/rooms/{}/state", segment(&room.to_string())),
                &json!({ "sealed_state": b64(&sealed) }),
            )
            .await?;
        Ok(stored.state_revision)
    }
}
