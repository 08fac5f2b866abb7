//! Access records: every read of a room's log (a page over HTTP, or a WebSocket
//! subscription, once, with the seq it starts from — never per pushed entry), every
//! file download and every export, with who, which device and which range. One
//! insert on the chain per request; facility administrators read them back through
//! [`crate::service::access_history`].
//!
//! The action names are a contract (the anomaly alerts read them): `room.read`,
//! `blob.download`, `room.export`.

use kizuna_proto::{BlobId, Channel, DeviceId, RoomId, Timestamp, UserId};
use kizuna_storage::audit::{Outcome, Scope};
use kizuna_storage::{devices, DbConn, StorageError};

use super::{record_scoped, Entry};

/// Reading a room channel's log.
pub const ROOM_READ: &str = "room.read";
/// Downloading an attachment (a photo, a file) of a room.
pub const BLOB_DOWNLOAD: &str = "blob.download";
/// Exporting a room's records.
pub const ROOM_EXPORT: &str = "room.export";

/// How a log was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// A page of `GET /groups/{g}/messages`.
    Http,
    /// A WebSocket subscription (the backlog, then live entries).
    WebSocket,
}

impl Via {
    fn as_str(self) -> &'static str {
        match self {
            Via::Http => "http",
            Via::WebSocket => "websocket",
        }
    }
}

/// Who reads: the person and the session (whose bound device is recorded).
#[derive(Debug, Clone)]
pub struct Reader {
    /// The person.
    pub user: UserId,
    /// Their session's ID.
    pub session_id: String,
}

/// One read of a room channel's log: entries `from..=to` (`to` is `None` for an
/// empty page, or a subscription that follows the log live).
#[derive(Debug, Clone)]
pub struct RoomRead {
    /// The room.
    pub room: RoomId,
    /// Its channel.
    pub channel: Channel,
    /// The MLS group.
    pub group: String,
    /// The first seq asked for.
    pub from: i64,
    /// The last seq delivered.
    pub to: Option<i64>,
    /// HTTP or WebSocket.
    pub via: Via,
}

fn device_of(conn: &mut DbConn, session: &str) -> Result<Option<DeviceId>, StorageError> {
    devices::of_session(conn, session)
}

/// Records a read of a room's log. Call inside the use case's database closure.
pub fn room_read(
    conn: &mut DbConn,
    now: Timestamp,
    reader: &Reader,
    read: &RoomRead,
) -> Result<(), StorageError> {
    let device = device_of(conn, &reader.session_id)?;
    let detail = serde_json::json!({
        "device": device,
        "channel": read.channel,
        "group": read.group,
        "from": read.from,
        "to": read.to,
        "via": read.via.as_str(),
    });
    let entry = Entry {
        actor: Some(reader.user),
        action: ROOM_READ,
        target: Some(("room", read.room.to_string())),
        ip: None,
        outcome: Outcome::Success,
        detail: Some(detail.to_string()),
    };
    record_scoped(conn, now, entry, scope(device, read.room))
}

/// Records a download of a room's attachment.
pub fn blob_download(
    conn: &mut DbConn,
    now: Timestamp,
    reader: &Reader,
    room: RoomId,
    blob: BlobId,
) -> Result<(), StorageError> {
    let device = device_of(conn, &reader.session_id)?;
    let detail = serde_json::json!({ "device": device, "blob": blob });
    let entry = Entry {
        actor: Some(reader.user),
        action: BLOB_DOWNLOAD,
        target: Some(("room", room.to_string())),
        ip: None,
        outcome: Outcome::Success,
        detail: Some(detail.to_string()),
    };
    record_scoped(conn, now, entry, scope(device, room))
}

/// Records an export of a room's records (`detail`: what was exported, as JSON,
/// e.g. `{"format":"csv","from":…,"to":…}`). For the export use cases to call.
pub fn room_export(
    conn: &mut DbConn,
    now: Timestamp,
    reader: &Reader,
    room: RoomId,
    detail: serde_json::Value,
) -> Result<(), StorageError> {
    let device = device_of(conn, &reader.session_id)?;
    let mut detail = detail;
    if let Some(map) = detail.as_object_mut() {
        map.insert("device".into(), serde_json::json!(device));
    }
    let entry = Entry {
        actor: Some(reader.user),
        action: ROOM_EXPORT,
        target: Some(("room", room.to_string())),
        ip: None,
        outcome: Outcome::Success,
        detail: Some(detail.to_string()),
    };
    record_scoped(conn, now, entry, scope(device, room))
}

fn scope(device: Option<DeviceId>, room: RoomId) -> Scope {
    Scope {
        device,
        room: Some(room),
    }
}
