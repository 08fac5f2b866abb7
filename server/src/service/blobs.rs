//! Encrypted attachments: upload into a room channel, fetch as a member.
//!
//! The client encrypts each file with its own key before upload (the server gets
//! ciphertext only) and chooses the blob's ID, so a retried upload lands on the same
//! blob instead of storing it twice. An upload is streamed to the blob store in
//! bounded parts, with its declared size checked against the limit and the room
//! facility's quota before a byte is read. A post that references the blob makes it
//! permanent; one that no post references is swept after `blob_unposted_secs`.

use actix_web::http::header::HeaderValue;
use actix_web::web::Bytes;
use futures_util::Stream;
use kizuna_proto::{BlobId, Channel, OrganisationId, RoomId, UserId};
use kizuna_storage::attachments::{self, BlobRecord, NewUpload, UploadStart};
use kizuna_storage::blobs::BlobStream;
use kizuna_storage::rooms;
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{ApiError, Problem, UploadConflict};
use crate::state::AppState;

/// A stored upload.
#[derive(Debug, Serialize, ToSchema)]
pub struct BlobStored {
    /// The blob.
    pub id: BlobId,
    /// Its size in bytes.
    pub size: u64,
    /// Whether it was stored by an earlier attempt (this one sent nothing new).
    pub duplicate: bool,
}

/// Where an upload goes: a new blob ID chosen by the client, in a room channel.
#[derive(Debug, Clone, Copy)]
pub struct UploadTarget {
    /// The room.
    pub room: RoomId,
    /// The channel.
    pub channel: Channel,
    /// The blob.
    pub id: BlobId,
}

/// The declared size of an upload: its `Content-Length`, required.
fn declared_length(content_length: Option<&HeaderValue>) -> Result<u64, ApiError> {
    let value = content_length.ok_or(ApiError::LengthRequired)?;
    value
        .to_str()
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .ok_or_else(|| ApiError::input("content-length", Problem::ContentLengthShape))
}

/// The facility owning the room, if `user` may use its channel.
async fn organisation_for(
    state: &AppState,
    user: UserId,
    room: RoomId,
    channel: Channel,
) -> Result<OrganisationId, ApiError> {
    state
        .read(move |conn| {
            let member = rooms::member(conn, room, user)?;
            match member.filter(|m| m.can_access(channel)) {
                Some(_) => {
                    crate::service::retention::refuse_closed(conn, room)?;
                    Ok(rooms::get(conn, room)?.organisation)
                }
                None => Err(ApiError::NotFound),
            }
        })
        .await
}

/// Reserves the blob ID and the quota for an upload. `Ok(false)`: an earlier
/// attempt already stored it.
async fn reserve(state: &AppState, upload: NewUpload) -> Result<bool, ApiError> {
    let (quota, now) = (state.config.blob_quota_bytes_per_facility, state.now());
    let start = state
        .db
        .run(move |conn| attachments::begin_upload(conn, &upload, quota, now))
        .await?;
    match start {
        UploadStart::Go => Ok(true),
        UploadStart::AlreadyStored => Ok(false),
        UploadStart::InProgress => Err(ApiError::BlobConflict(UploadConflict::InProgress)),
        UploadStart::Taken => Err(ApiError::BlobConflict(UploadConflict::Taken)),
        UploadStart::OverQuota { used, quota } => Err(ApiError::QuotaExceeded { used, quota }),
    }
}

/// Uploads an encrypted attachment into a room channel for a member of it: the
/// ciphertext `body` of the declared `content_length`, within the size limit and the
/// facility's quota. A retry of a stored upload answers `duplicate` and reads
/// nothing; a failed one frees the ID and the quota.
pub async fn upload<S, E>(
    state: &AppState,
    user: UserId,
    target: UploadTarget,
    content_length: Option<&HeaderValue>,
    body: S,
) -> Result<BlobStored, ApiError>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let UploadTarget { room, channel, id } = target;
    let organisation = organisation_for(state, user, room, channel).await?;
    let size = declared_length(content_length)?;
    let limit = state.config.max_blob_bytes;
    if size > limit {
        return Err(ApiError::PayloadTooLarge { limit });
    }
    let upload = NewUpload {
        id,
        room,
        channel,
        organisation,
        uploaded_by: user,
        size,
    };
    if !reserve(state, upload).await? {
        return Ok(BlobStored {
            id,
            size,
            duplicate: true,
        });
    }
    match state.blobs.put_stream_as(id, body, Some(size), limit).await {
        Ok(stored) => {
            state
                .db
                .run(move |conn| attachments::finish_upload(conn, id))
                .await?;
            state.metrics.blob_bytes_uploaded.inc_by(stored.size);
            Ok(BlobStored {
                id,
                size: stored.size,
                duplicate: false,
            })
        }
        Err(err) => {
            // Free the ID and the quota; the store already dropped the partial bytes.
            if let Err(forget) = state.db.run(move |conn| attachments::forget(conn, id)).await {
                tracing::warn!(blob = %id, error = %forget, "could not forget a failed upload; the sweep will");
            }
            Err(err.into())
        }
    }
}

/// Whether `user` may fetch the blob: a member of its room channel once a post
/// references it; before that, only its uploader (to check or resume an upload).
pub fn may_fetch(record: &BlobRecord, member_of_channel: bool, user: UserId) -> bool {
    record.stored && member_of_channel && (record.post_seq.is_some() || record.uploaded_by == user)
}

/// An attachment's ciphertext and its size, for someone who may fetch it. Missing
/// and forbidden look the same (`not_found`): IDs reveal nothing. A room's
/// attachment fetched is an access record (`blob.download`).
pub async fn download(
    state: &AppState,
    reader: crate::audit::access::Reader,
    id: BlobId,
) -> Result<(u64, BlobStream), ApiError> {
    let (user, now) = (reader.user, state.now());
    let allowed = state
        .db
        .run(move |conn| {
            let Some(record) = attachments::find(conn, id)? else {
                // Not a room's attachment: perhaps a regional notice's image.
                return Ok(crate::service::broadcast_maps::may_fetch(conn, user, id)?.unwrap_or(false));
            };
            let member = rooms::member(conn, record.room, user)?;
            let member_of_channel = member.is_some_and(|m| m.can_access(record.channel));
            let allowed = may_fetch(&record, member_of_channel, user);
            if allowed {
                crate::audit::access::blob_download(conn, now, &reader, record.room, id)?;
            }
            Ok(allowed)
        })
        .await?;
    if !allowed {
        return Err(ApiError::NotFound);
    }
    Ok(state.blobs.get_stream(id).await?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn record(stored: bool, posted: bool, uploader: u128) -> BlobRecord {
        BlobRecord {
            id: BlobId::from_uuid(Uuid::from_u128(1)),
            room: RoomId::from_uuid(Uuid::from_u128(2)),
            channel: Channel::Team,
            uploaded_by: UserId::from_uuid(Uuid::from_u128(uploader)),
            size: 10,
            stored,
            post_seq: posted.then_some(4),
        }
    }

    #[test]
    fn only_channel_members_fetch_and_unposted_blobs_only_their_uploader() {
        let (uploader, other) = (
            UserId::from_uuid(Uuid::from_u128(7)),
            UserId::from_uuid(Uuid::from_u128(8)),
        );
        assert!(may_fetch(&record(true, true, 7), true, other));
        assert!(
            !may_fetch(&record(true, true, 7), false, other),
            "not in the channel"
        );
        assert!(
            !may_fetch(&record(true, true, 7), false, uploader),
            "uploader who left"
        );
        assert!(!may_fetch(&record(true, false, 7), true, other), "not posted yet");
        assert!(may_fetch(&record(true, false, 7), true, uploader));
        assert!(
            !may_fetch(&record(false, false, 7), true, uploader),
            "still uploading"
        );
    }
}
