//! Encrypted attachments: upload into a room channel, fetch as a member.
//!
//! The client encrypts each file with its own key before upload (the server gets
//! ciphertext only) and chooses the blob's ID, so a retried upload lands on the same
//! blob instead of storing it twice. An upload is streamed to the blob store in
//! bounded parts, with its declared size checked against the limit and the room
//! facility's quota before a byte is read. A post that references the blob makes it
//! permanent; one that no post references is swept after `blob_unposted_secs`.

use actix_web::http::header;
use actix_web::{get, put, web, HttpRequest, HttpResponse};
use kizuna_proto::{BlobId, Channel, RoomId, UserId};
use kizuna_storage::attachments::{self, BlobRecord, NewUpload, UploadStart};
use kizuna_storage::rooms;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::session::Authenticated;
use crate::error::ApiError;
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

fn declared_length(request: &HttpRequest) -> Result<u64, ApiError> {
    let value = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .ok_or(ApiError::LengthRequired)?;
    value
        .to_str()
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .ok_or_else(|| {
            ApiError::invalid(
                "content-length",
                "must be the file's size in bytes",
                "ファイルのサイズ（バイト数）を指定してください",
            )
        })
}

/// Uploads an encrypted attachment into a room channel. The body is the ciphertext
/// (`application/octet-stream`) with its `Content-Length`.
#[utoipa::path(
    tag = "attachments",
    params(
        ("room_id" = RoomId, Path, description = "The room"),
        ("channel" = Channel, Path, description = "team or family"),
        ("blob_id" = BlobId, Path, description = "A new random ID chosen by the client (reuse it to retry)"),
    ),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses(
        (status = 201, body = BlobStored),
        (status = 200, description = "Stored by an earlier attempt", body = BlobStored),
        (status = 400, description = "upload_interrupted", body = crate::error::ErrorBody),
        (status = 401, body = crate::error::ErrorBody),
        (status = 404, description = "No such room channel for this person", body = crate::error::ErrorBody),
        (status = 409, description = "blob_conflict: the ID is in use", body = crate::error::ErrorBody),
        (status = 411, description = "length_required", body = crate::error::ErrorBody),
        (status = 413, description = "payload_too_large", body = crate::error::ErrorBody),
        (status = 507, description = "quota_exceeded or storage_full", body = crate::error::ErrorBody),
    )
)]
#[put("/rooms/{room_id}/channels/{channel}/blobs/{blob_id}")]
pub async fn upload(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(RoomId, Channel, BlobId)>,
    request: HttpRequest,
    body: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let (room, channel, id) = path.into_inner();
    let user = auth.user.id;
    let organisation = state
        .db
        .run(move |conn| {
            let member = rooms::member(conn, room, user)?;
            match member.filter(|m| m.can_access(channel)) {
                Some(_) => Ok(Some(rooms::get(conn, room)?.organisation)),
                None => Ok(None),
            }
        })
        .await?
        .ok_or(ApiError::NotFound)?;
    let size = declared_length(&request)?;
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
    let (quota, now) = (state.config.blob_quota_bytes_per_facility, state.now());
    let start = state
        .db
        .run(move |conn| attachments::begin_upload(conn, &upload, quota, now))
        .await?;
    match start {
        UploadStart::Go => {}
        UploadStart::AlreadyStored => {
            return Ok(HttpResponse::Ok().json(BlobStored {
                id,
                size,
                duplicate: true,
            }))
        }
        UploadStart::InProgress => {
            return Err(ApiError::BlobConflict {
                en: "This file is still being uploaded from another attempt. Wait a minute and try again.",
                ja: "このファイルは別の送信で転送中です。少し待ってからもう一度お試しください。",
            })
        }
        UploadStart::Taken => {
            return Err(ApiError::BlobConflict {
                en: "This file ID is already in use. Update the app and send the file again.",
                ja: "このファイルIDは使用済みです。アプリを更新して、もう一度送ってください。",
            })
        }
        UploadStart::OverQuota { used, quota } => return Err(ApiError::QuotaExceeded { used, quota }),
    }
    match state.blobs.put_stream_as(id, body, Some(size), limit).await {
        Ok(stored) => {
            state
                .db
                .run(move |conn| attachments::finish_upload(conn, id))
                .await?;
            state.metrics.blob_bytes_uploaded.inc_by(stored.size);
            Ok(HttpResponse::Created().json(BlobStored {
                id,
                size: stored.size,
                duplicate: false,
            }))
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
pub(crate) fn may_fetch(record: &BlobRecord, member_of_channel: bool, user: UserId) -> bool {
    record.stored && member_of_channel && (record.post_seq.is_some() || record.uploaded_by == user)
}

/// Downloads an attachment's ciphertext, streamed.
#[utoipa::path(
    tag = "attachments",
    params(("blob_id" = BlobId, Path, description = "The blob")),
    responses(
        (status = 200, content_type = "application/octet-stream", description = "The ciphertext"),
        (status = 401, body = crate::error::ErrorBody),
        (status = 404, description = "No such blob for this person", body = crate::error::ErrorBody),
    )
)]
#[get("/blobs/{blob_id}")]
pub async fn download(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<BlobId>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let user = auth.user.id;
    let allowed = state
        .db
        .run(move |conn| {
            let Some(record) = attachments::find(conn, id)? else {
                return Ok(false);
            };
            let member = rooms::member(conn, record.room, user)?;
            let member_of_channel = member.is_some_and(|m| m.can_access(record.channel));
            Ok(may_fetch(&record, member_of_channel, user))
        })
        .await?;
    if !allowed {
        // Missing and forbidden look the same: IDs reveal nothing.
        return Err(ApiError::NotFound);
    }
    let (size, stream) = state.blobs.get_stream(id).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/octet-stream")
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .no_chunking(size)
        .streaming(stream))
}

#[cfg(test)]
mod tests {
    use super::*;
    use kizuna_proto::{RoomId, UserId};
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
