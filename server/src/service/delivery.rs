//! Delivery: a channel's ordered log of era keys and posts, and the checks every
//! delivery use case shares (opaque bodies in base64, the caller's own live devices,
//! membership of a channel's group). Bodies are opaque MLS bytes: the server only
//! orders, stores and routes them, to members of the channel.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use kizuna_proto::{BlobId, DeviceId, LogEntry, LogKind, MessageStored, NewMessage, PostId, UserId};
use kizuna_storage::attachments::AttachRefusal;
use kizuna_storage::devices::{self, Device};
use kizuna_storage::groups::{self, Appended, EntryKind, Group, NewEntry, PostAppend};
use kizuna_storage::{rooms, DbConn, StorageError};

use crate::audit::access::{self, Reader, RoomRead, Via};
use crate::auth::session::SessionToken;
use crate::error::{ApiError, Problem};
use crate::state::AppState;

/// Largest MLS message or key package, in bytes (before base64).
pub const MAX_MESSAGE_BYTES: usize = 256 * 1024;
/// Most entries in one page of a log.
pub const MAX_PAGE: i64 = 500;
/// Most attachments (ciphertext blobs: a photo and its thumbnail are two) per post.
const MAX_BLOBS_PER_POST: usize = 40;

/// Decodes an opaque body sent in standard base64: 1 to [`MAX_MESSAGE_BYTES`] bytes.
pub fn decode(field: &'static str, text: &str) -> Result<Vec<u8>, ApiError> {
    let bytes = STANDARD
        .decode(text)
        .map_err(|_| ApiError::input(field, Problem::NotBase64))?;
    if bytes.is_empty() || bytes.len() > MAX_MESSAGE_BYTES {
        return Err(ApiError::input(
            field,
            Problem::BodySize {
                max: MAX_MESSAGE_BYTES,
            },
        ));
    }
    Ok(bytes)
}

/// An idempotency key is 1 to 100 characters.
pub fn check_idempotency_key(key: Option<&str>) -> Result<(), ApiError> {
    if key.is_some_and(|k| k.is_empty() || k.len() > 100) {
        return Err(ApiError::input("idempotency_key", Problem::IdempotencyKey));
    }
    Ok(())
}

/// One of `user`'s own devices, not revoked; anything else is `not_found`.
pub async fn own_live_device(state: &AppState, user: UserId, device: DeviceId) -> Result<Device, ApiError> {
    state.read(move |conn| live_device_of(conn, user, device)).await
}

fn live_device_of(conn: &mut DbConn, user: UserId, device: DeviceId) -> Result<Device, ApiError> {
    match devices::get(conn, device) {
        Ok(d) if d.user == user && d.revoked_at.is_none() => Ok(d),
        Ok(_) | Err(StorageError::NotFound) => Err(ApiError::NotFound),
        Err(e) => Err(e.into()),
    }
}

/// The device a message or commit says it comes from must be one of the sender's
/// own live devices.
pub async fn check_sender_device(state: &AppState, user: UserId, device: DeviceId) -> Result<(), ApiError> {
    state.read(move |conn| sender_device(conn, user, device)).await
}

fn sender_device(conn: &mut DbConn, user: UserId, device: DeviceId) -> Result<(), ApiError> {
    live_device_of(conn, user, device)
        .map_err(|_| ApiError::input("sender_device", Problem::SenderDevice))?;
    Ok(())
}

/// Loads a group and checks that `user` may use its channel. Not a member, or not
/// of this channel: the group does not exist for them (`not_found`).
pub async fn group_for_member(state: &AppState, group: String, user: UserId) -> Result<Group, ApiError> {
    state.read(move |conn| member_group(conn, &group, user)).await
}

/// [`group_for_member`] on a connection the caller holds.
pub fn member_group(conn: &mut DbConn, group: &str, user: UserId) -> Result<Group, ApiError> {
    let group = groups::get(conn, group)?;
    let member = rooms::member(conn, group.room, user)?;
    member
        .filter(|m| m.can_access(group.channel))
        .map(|_| group)
        .ok_or(ApiError::NotFound)
}

/// The kind of a message sent to the log: commits go to their own use case.
fn message_kind(kind: LogKind) -> Result<EntryKind, ApiError> {
    match kind {
        LogKind::EraKey => Ok(EntryKind::EraKey),
        LogKind::Post => Ok(EntryKind::Post),
        LogKind::Commit => Err(ApiError::input("kind", Problem::CommitToCommits)),
        _ => Err(ApiError::input("kind", Problem::MessageKind)),
    }
}

/// Appends an era-key message or a post to a channel's group log, for a member of
/// the channel. A post whose post ID the log already holds is refused
/// (`duplicate_post`); a retry with the same idempotency key answers the original's
/// position instead.
pub async fn append_message(
    state: &AppState,
    session: SessionToken,
    group_id: String,
    message: NewMessage,
) -> Result<MessageStored, ApiError> {
    let sender = message.sender_device;
    // Every check that needs the database, the session's first, on one connection
    // in one trip.
    let (author, group) = state
        .read(move |conn| {
            let author = session.signed_in(conn)?.id;
            let sending = groups::sending(conn, &group_id, author, sender)?;
            if !sending.member {
                return Err(ApiError::NotFound);
            }
            if sending.room_closed {
                return Err(ApiError::RoomClosed);
            }
            if !sending.device_live {
                return Err(ApiError::input("sender_device", Problem::SenderDevice));
            }
            Ok((author, sending.group))
        })
        .await?;
    let kind = message_kind(message.kind)?;
    check_idempotency_key(message.idempotency_key.as_deref())?;
    let bytes = decode("body", &message.body)?;
    let post_id = match kind {
        EntryKind::Post => Some(check_post_header(&bytes, &group, author, sender)?),
        _ => {
            check_era_key(&group, &bytes, &message)?;
            None
        }
    };
    let blobs = attachments_of(message.blobs)?;
    let entry = NewEntry {
        kind,
        sender: Some(sender),
        epoch: message.epoch,
        body: bytes,
        idempotency_key: message.idempotency_key,
        urgency: message.urgency,
        post_id,
    };
    let urgency = message.urgency;
    // Stored with the posts arriving at the same moment, and handed to this
    // node's followers of the group by the writer.
    let posted = state
        .appender
        .append(PostAppend {
            group: group.clone(),
            entry,
            author,
            blobs,
            now: state.now(),
        })
        .await?;
    match posted.appended {
        Appended::Stored { seq } => {
            if kind == EntryKind::Post {
                crate::notify::events::post_appended(state, group, author, urgency, posted.readers);
            }
            Ok(MessageStored {
                seq,
                duplicate: false,
            })
        }
        Appended::Duplicate { seq } => Ok(MessageStored { seq, duplicate: true }),
        Appended::ReplayedPost { .. } => Err(ApiError::DuplicatePost),
        Appended::WrongEpoch { current } => Err(ApiError::WrongEpoch { current }),
        Appended::BlobRefused { blob, reason } => Err(blob_refused(blob, reason)),
    }
}

/// An era-key message is an MLS private message of this group, without the
/// metadata of a post.
fn check_era_key(group: &Group, bytes: &[u8], message: &NewMessage) -> Result<(), ApiError> {
    if message.urgency.is_some() || !message.blobs.is_empty() {
        return Err(ApiError::input("urgency", Problem::PostOnlyFields));
    }
    kizuna_crypto::mls::private_message_epoch(group.id.as_bytes(), bytes)
        .map_err(|e| ApiError::InvalidMls(e.to_string()))?;
    Ok(())
}

/// A post's attachments, each once, at most [`MAX_BLOBS_PER_POST`].
fn attachments_of(mut blobs: Vec<BlobId>) -> Result<Vec<BlobId>, ApiError> {
    blobs.sort_unstable();
    blobs.dedup();
    if blobs.len() > MAX_BLOBS_PER_POST {
        return Err(ApiError::input(
            "blobs",
            Problem::TooManyAttachments {
                max: MAX_BLOBS_PER_POST,
            },
        ));
    }
    Ok(blobs)
}

fn blob_refused(blob: BlobId, reason: AttachRefusal) -> ApiError {
    let problem = match reason {
        AttachRefusal::NotStored => Problem::AttachmentNotStored { blob },
        AttachRefusal::OtherChannel => Problem::AttachmentOtherChannel { blob },
        AttachRefusal::NotYours => Problem::AttachmentNotYours { blob },
        AttachRefusal::AlreadyPosted => Problem::AttachmentPosted { blob },
    };
    ApiError::input("blobs", problem)
}

/// A post's clear header must name this room and channel and the sender as its
/// author: a post cannot be filed under someone else's name or in another room.
/// (Receivers check the same and the signature; this keeps bad posts out of logs.)
/// Returns the post ID, which the log keeps unique per group (no replays).
fn check_post_header(
    bytes: &[u8],
    group: &Group,
    user: UserId,
    device: DeviceId,
) -> Result<PostId, ApiError> {
    let sealed = kizuna_crypto::SealedPost::from_bytes(bytes)
        .map_err(|e| ApiError::InvalidMls(format!("not a sealed post: {e}")))?;
    let header = sealed.header;
    if header.room != group.room || header.channel != group.channel {
        return Err(ApiError::input("body", Problem::PostAddressedElsewhere));
    }
    if header.author_user != user || header.author_device != device {
        return Err(ApiError::input("body", Problem::PostAuthor));
    }
    Ok(header.post)
}

/// A stored log entry as clients receive it, over HTTP and on the WebSocket.
pub fn entry_view(e: groups::LogEntry) -> LogEntry {
    let kind = match e.kind {
        EntryKind::Commit => LogKind::Commit,
        EntryKind::Proposal => LogKind::Proposal,
        EntryKind::EraKey => LogKind::EraKey,
        EntryKind::Post => LogKind::Post,
    };
    LogEntry {
        seq: e.seq,
        kind,
        sender_device: e.sender,
        epoch: e.epoch,
        body: STANDARD.encode(&e.body),
        stored_at: e.created_at,
        urgency: e.urgency,
    }
}

/// A stored log entry as the WebSocket frame every follower of its group receives:
/// `{"type":"entry","group_id":…,…}`. Built once per entry and node.
pub fn entry_frame(e: groups::LogEntry) -> bytestring::ByteString {
    let group = e.group.clone();
    let mut frame = serde_json::to_value(entry_view(e)).unwrap_or_default();
    frame["type"] = "entry".into();
    frame["group_id"] = group.into();
    frame.to_string().into()
}

/// Hands a just-stored entry to this node's connections that follow its group:
/// the writer for this node's posts ([`crate::appender`]), the fetcher for other
/// nodes' ([`crate::fanout`]).
pub fn publish(live: &crate::live::Live, entry: groups::LogEntry) {
    let (group, seq) = (entry.group.clone(), entry.seq);
    live.publish(&group, seq, &entry_frame(entry));
}

/// One page of a channel's log.
#[derive(Debug)]
pub struct LogPage {
    /// The log generation: it changes when the server is restored from a backup.
    pub generation: String,
    /// The entries, in order.
    pub entries: Vec<LogEntry>,
}

/// Entries of a channel's log after a position (0: from the start), at most `limit`
/// (default and maximum [`MAX_PAGE`]), for a member of the channel. Each page is an
/// access record (`room.read`, with the reader's device and the range).
pub async fn fetch_messages(
    state: &AppState,
    reader: Reader,
    group_id: String,
    after: Option<i64>,
    limit: Option<i64>,
) -> Result<LogPage, ApiError> {
    let group = group_for_member(state, group_id, reader.user).await?;
    let after = after.unwrap_or(0).max(0);
    let limit = limit.unwrap_or(MAX_PAGE).clamp(1, MAX_PAGE);
    let now = state.now();
    let (generation, entries) = state
        .db
        .run(move |conn| {
            let entries = groups::entries_after(conn, &group.id, after, limit)?;
            let read = RoomRead {
                room: group.room,
                channel: group.channel,
                group: group.id.clone(),
                from: after + 1,
                to: entries.last().map(|e| e.seq),
                via: Via::Http,
            };
            access::room_read(conn, now, &reader, &read)?;
            Ok((groups::log_generation(conn)?, entries))
        })
        .await?;
    Ok(LogPage {
        generation,
        entries: entries.into_iter().map(entry_view).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored(kind: EntryKind) -> groups::LogEntry {
        groups::LogEntry {
            group: "room/team".into(),
            seq: 7,
            kind,
            sender: None,
            epoch: 2,
            body: vec![1, 2],
            created_at: kizuna_proto::Timestamp(5),
            urgency: None,
        }
    }

    #[test]
    fn only_era_keys_and_posts_go_to_the_message_log() {
        assert_eq!(message_kind(LogKind::EraKey).ok(), Some(EntryKind::EraKey));
        assert_eq!(message_kind(LogKind::Post).ok(), Some(EntryKind::Post));
        for refused in [LogKind::Commit, LogKind::Proposal, LogKind::Unknown] {
            let err = message_kind(refused).err();
            assert!(
                matches!(err, Some(ApiError::InvalidInput { field: "kind", .. })),
                "{refused}"
            );
        }
    }

    #[test]
    fn entries_keep_their_kind_and_wire_shape() {
        for (kind, wire) in [
            (EntryKind::Commit, LogKind::Commit),
            (EntryKind::Proposal, LogKind::Proposal),
            (EntryKind::EraKey, LogKind::EraKey),
            (EntryKind::Post, LogKind::Post),
        ] {
            let view = entry_view(stored(kind));
            assert_eq!(view.kind, wire);
            let json = serde_json::to_string(&view).unwrap();
            assert_eq!(
                json,
                format!(
                    r#"{{"seq":7,"kind":"{wire}","sender_device":null,"epoch":2,"body":"AQI=","stored_at":5}}"#
                )
            );
        }
    }
}
