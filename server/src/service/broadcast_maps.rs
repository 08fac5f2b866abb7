//! Images attached to regional broadcasts (an evacuation map, issue 14).
//!
//! The officer's device prepares the image through the photo pipeline (upright,
//! every piece of metadata dropped, downscaled), encrypts it under a fresh key and
//! uploads the ciphertext here; the notice it signs names the blob, the key and the
//! image's SHA-256. A broadcast is not end-to-end encrypted (its key is in the
//! notice), but its image cannot be swapped: clients check the SHA-256 the officer
//! signed. The blob is fetched with the ordinary `GET /blobs/{id}`, by the uploader
//! until the notice is sent and then by everyone the notice reaches
//! ([`may_fetch`]).

use actix_web::http::header::HeaderValue;
use actix_web::web::Bytes;
use futures_util::Stream;
use kizuna_proto::{BlobId, OrganisationId, UserId};
use kizuna_storage::broadcast_maps::{self, BroadcastMap};
use kizuna_storage::broadcasts as stored;
use kizuna_storage::{DbConn, StorageError};

use crate::authz::Actor;
use crate::error::{ApiError, Problem, UploadConflict};
use crate::service::blobs::BlobStored;
use crate::service::broadcast_scope::{OrgTree, Reach};
use crate::service::people::load_org;
use crate::state::AppState;

/// Uploads an image for a notice of `org` (its broadcast officers): the ciphertext
/// `body` of the declared `content_length`, within the attachment size limit. A retry
/// by the same officer answers `duplicate`; someone else's ID is a conflict.
pub async fn upload<S, E>(
    state: &AppState,
    actor: &Actor,
    (org, id): (OrganisationId, BlobId),
    content_length: Option<&HeaderValue>,
    body: S,
) -> Result<BlobStored, ApiError>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let org = load_org(state, org).await?;
    if !actor.is_broadcast_officer(org.id) {
        return Err(ApiError::Forbidden);
    }
    let size = content_length
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .ok_or(ApiError::LengthRequired)?;
    let limit = state.config.max_blob_bytes;
    if size > limit {
        return Err(ApiError::PayloadTooLarge { limit });
    }
    let user = actor.user;
    if let Some(existing) = state.db.run(move |conn| broadcast_maps::get(conn, id)).await? {
        return match existing.uploaded_by == user && existing.organisation == org.id {
            true => Ok(BlobStored {
                id,
                size: u64::try_from(existing.size).unwrap_or(0),
                duplicate: true,
            }),
            false => Err(ApiError::BlobConflict(UploadConflict::Taken)),
        };
    }
    let stored = state.blobs.put_stream_as(id, body, Some(size), limit).await?;
    let map = BroadcastMap {
        blob: id,
        organisation: org.id,
        uploaded_by: user,
        size: i64::try_from(stored.size)
            .map_err(|_| ApiError::input("content-length", Problem::ContentLengthShape))?,
        created_at: state.now(),
        broadcast: None,
    };
    match state.db.run(move |conn| broadcast_maps::insert(conn, &map)).await {
        Ok(()) => Ok(BlobStored {
            id,
            size: stored.size,
            duplicate: false,
        }),
        Err(StorageError::Conflict(_)) => Err(ApiError::BlobConflict(UploadConflict::Taken)),
        Err(e) => Err(e.into()),
    }
}

/// Ties the image a notice names to it, inside the sending transaction: it must be
/// one the signing officer uploaded for this organisation and no other notice
/// carries.
pub fn attach(
    conn: &mut DbConn,
    (org, officer): (OrganisationId, UserId),
    blob: BlobId,
    broadcast: kizuna_proto::BroadcastId,
) -> Result<(), ApiError> {
    let usable = broadcast_maps::get(conn, blob)?
        .is_some_and(|m| m.organisation == org && m.uploaded_by == officer && m.broadcast.is_none());
    if !usable || !broadcast_maps::attach(conn, blob, broadcast)? {
        return Err(ApiError::BroadcastImageUnknown);
    }
    Ok(())
}

/// Whether `user` may fetch broadcast image `blob`: `None` if it is not one;
/// otherwise its uploader before sending, and everyone the notice reaches after.
pub fn may_fetch(conn: &mut DbConn, user: UserId, blob: BlobId) -> Result<Option<bool>, StorageError> {
    let Some(map) = broadcast_maps::get(conn, blob)? else {
        return Ok(None);
    };
    let Some(id) = map.broadcast else {
        return Ok(Some(map.uploaded_by == user));
    };
    let Some(broadcast) = stored::get(conn, id)? else {
        return Ok(Some(false));
    };
    let tree = OrgTree::load(conn)?;
    Ok(Some(Reach::of(conn, &tree, user)?.receives(&broadcast)))
}
