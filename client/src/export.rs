//! Exports of a client's record, built on this device from what it decrypted (the
//! rules and formats are `kizuna_engine::export`'s, shared with the browser): the
//! input the engine takes, one file, and the photos of the record.

use kizuna_crypto::AttachmentRef;
use kizuna_engine::export::{self, Format};
use kizuna_proto::{Channel, PostId, RoomId, Timestamp};
use serde_json::{json, Value};

use crate::error::{ClientError, Result};
use crate::{Client, Room};

/// A photo of an exported record: where it goes and how to fetch it.
#[derive(Debug, Clone)]
pub struct ExportPhoto {
    /// The post (the version of a photo post) it belongs to.
    pub post: PostId,
    /// Its path relative to the export (`media/<post>.jpg`).
    pub file: String,
    /// The encrypted image.
    pub image: AttachmentRef,
}

impl Client {
    /// The channels of `room` this device can read (a member of the room whose
    /// device is in the channel's group).
    pub fn readable_channels(&self, room: RoomId) -> Vec<Channel> {
        [Channel::Team, Channel::Family]
            .into_iter()
            .filter(|c| self.active_group(room, *c).is_ok())
            .collect()
    }

    /// Tells the server that this device exported `room` (`format`: `json`, `csv`,
    /// `fhir`, or `all` for a folder with photos) over `[from, to)`, so the export is
    /// in the facility's access records. Only the fact, never the content.
    pub async fn record_export(
        &self,
        room: RoomId,
        format: &str,
        from: Option<Timestamp>,
        to: Option<Timestamp>,
    ) -> Result<()> {
        let body = json!({ "format": format, "from": from, "to": to });
        self.api.post(&format!("/rooms/{room}/exports"), &body).await
    }

    /// The engine's export input for `room` (as listed by [`Client::rooms`]) over
    /// `[from, to)`: its name, members, each readable channel's decrypted posts and
    /// read positions. Run [`Client::refresh`] first for the latest posts.
    pub async fn export_input(
        &self,
        room: &Room,
        from: Option<Timestamp>,
        to: Option<Timestamp>,
    ) -> Result<Value> {
        let channels = self.readable_channels(room.id);
        if channels.is_empty() {
            return Err(ClientError::NoChannelAccess {
                room: room.id,
                channel: Channel::Team,
            });
        }
        let members = self.members(room.id).await?;
        let mut inputs = Vec::new();
        for channel in channels {
            // Read positions are a courtesy: an export without them is still whole.
            let reads = self.reads(room.id, channel).await.unwrap_or_default();
            inputs.push(json!({
                "channel": channel,
                "posts": self.read(room.id, channel),
                "reads": reads.iter().map(|r| json!({ "user_id": r.user_id, "seq": r.seq, "read_at": r.read_at })).collect::<Vec<_>>(),
            }));
        }
        let client_name = room
            .name
            .clone()
            .or_else(|| room.legacy_name.clone())
            .unwrap_or_default();
        Ok(json!({
            "room_id": room.id,
            "client_name": client_name,
            "from": from,
            "to": to,
            "exported_at": crate::now(),
            "exported_by": self.user_id(),
            "members": members,
            "channels": inputs,
        }))
    }

    /// The photos an export input's record holds (every version of every photo post
    /// in the range), with where each goes.
    pub fn export_photos(&self, input: &Value) -> Result<Vec<ExportPhoto>> {
        let record: Value = serde_json::from_str(&export::export(&input.to_string(), Format::Json)?)
            .map_err(|e| ClientError::Protocol(format!("export record: {e}")))?;
        let room: RoomId = serde_json::from_value(input["room_id"].clone())
            .map_err(|e| ClientError::Protocol(format!("export room: {e}")))?;
        let mut photos = Vec::new();
        for entry in record["entries"].as_array().into_iter().flatten() {
            let Ok(channel) = serde_json::from_value::<Channel>(entry["channel"].clone()) else {
                continue;
            };
            for version in entry["history"].as_array().into_iter().flatten() {
                let (Some(file), Ok(post)) = (
                    version["photo"]["file"].as_str(),
                    serde_json::from_value::<PostId>(version["post_id"].clone()),
                ) else {
                    continue;
                };
                let image = self
                    .read(room, channel)
                    .iter()
                    .find(|p| p.post == post)
                    .and_then(|p| p.envelope.photo.as_ref())
                    .map(|photo| photo.image.clone());
                if let Some(image) = image {
                    photos.push(ExportPhoto {
                        post,
                        file: file.to_owned(),
                        image,
                    });
                }
            }
        }
        Ok(photos)
    }
}

/// One export file from an input ([`Client::export_input`]).
pub fn build(input: &Value, format: Format) -> Result<String> {
    Ok(export::export(&input.to_string(), format)?)
}
