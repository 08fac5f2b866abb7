//! Safety checks (安否確認, issue 14) from the care team's side: answering for a
//! client room, and seeing my rooms' answers.
//!
//! An answer goes out twice, as the design requires: the coarse status (and kind
//! of need) to the server, which the association's dashboard counts; and the whole
//! answer (status, need, where the client went, the team's note) as an ordinary
//! end-to-end encrypted post in the room's team channel, which only the team reads.
//! The coarse part goes first: it is the one the server may refuse (the check
//! closed, not my room), and sending it again replaces it, so a retry after a
//! failed post is harmless.
//!
//! Only a check opened by an *official* notice is answered: the notice must verify
//! against the pinned roster (the same verdict `kizuna broadcast list` shows), so a
//! check the server forged cannot draw answers out of a team.

use kizuna_crypto::content::SafetyReport;
use kizuna_crypto::PostEnvelope;
use kizuna_proto::{BroadcastId, Channel, OrganisationId, RoomId, SafetyNeed, SafetyStatus, Timestamp};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::api::segment;
use crate::error::{ClientError, Result};
use crate::{Client, Standing};

/// One of my rooms in a check, as the server lists it, with its name opened here.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SafetyRoom {
    /// The room.
    pub room: RoomId,
    /// Its facility.
    pub facility: OrganisationId,
    /// The current answer; none while unanswered.
    pub status: Option<SafetyStatus>,
    /// With 要支援: the kind of need.
    pub need: Option<SafetyNeed>,
    /// When it was answered.
    pub answered_at: Option<Timestamp>,
    /// The room's name, opened on this device (none if it cannot open it yet).
    #[serde(default)]
    pub name: Option<String>,
}

/// My rooms in a check.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SafetyRooms {
    /// The notice that opened the check.
    pub broadcast: BroadcastId,
    /// Whether answers are still taken.
    pub open: bool,
    /// My rooms in its scope where I am on the care team.
    pub rooms: Vec<SafetyRoom>,
}

impl Client {
    /// Refuses unless `id` is an official notice (verified against the pinned roster,
    /// current) that opened a safety check.
    async fn official_check(&mut self, id: BroadcastId) -> Result<()> {
        let notices = self.broadcasts().await?;
        let notice = notices.iter().find(|n| n.id == id).ok_or_else(|| {
            ClientError::InvalidInput(format!(
                "no notice {id} reaches you (お知らせ {id} は届いていません); run `kizuna broadcast list`"
            ))
        })?;
        let official = notice.view.standing == Standing::Official;
        let check = notice.view.broadcast.as_ref().is_some_and(|b| b.safety_check);
        if !official || !check {
            return Err(ClientError::InvalidInput(format!(
                "notice {id} is not an official, current safety check; do not answer it and call your association \
                 (お知らせ {id} は有効な公式の安否確認ではありません。回答せず、医師会に電話で確認してください)"
            )));
        }
        Ok(())
    }

    /// My rooms in the check opened by notice `id`, with their answers and names.
    pub async fn safety_rooms(&mut self, id: BroadcastId) -> Result<SafetyRooms> {
        self.require_session()?;
        let path = format!("/broadcasts/{}/safety/rooms", segment(&id.to_string()));
        let mut listed: SafetyRooms = self.api.get(&path).await?;
        let names: Vec<(RoomId, Option<String>)> =
            self.rooms().await?.into_iter().map(|r| (r.id, r.name)).collect();
        for room in &mut listed.rooms {
            room.name = names
                .iter()
                .find(|(id, _)| *id == room.room)
                .and_then(|(_, n)| n.clone());
        }
        Ok(listed)
    }

    /// Answers the check for one client room: the coarse status to the server, then
    /// the full answer with `note` as an encrypted post in the room's team channel.
    /// Returns the post's log position.
    pub async fn answer_safety(&mut self, room: RoomId, report: SafetyReport, note: &str) -> Result<i64> {
        self.require_session()?;
        let envelope = PostEnvelope::safety(report.clone(), note);
        envelope
            .validate(kizuna_proto::PostId::from_uuid(uuid::Uuid::new_v4()))
            .map_err(|e| ClientError::InvalidInput(e.to_string()))?;
        self.official_check(report.broadcast).await?;
        let path = format!(
            "/broadcasts/{}/safety/rooms/{}",
            segment(&report.broadcast.to_string()),
            segment(&room.to_string())
        );
        self.api
            .put::<_, serde::de::IgnoredAny>(&path, &json!({ "status": report.status, "need": report.need }))
            .await?;
        self.refresh().await?;
        self.post(room, Channel::Team, &envelope).await
    }
}
