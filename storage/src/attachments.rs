//! The records of encrypted attachments: which room channel a blob belongs to, who
//! uploaded it, whom it is charged to and which post references it. The bytes are in
//! the [`BlobStore`](crate::BlobStore) under the same ID; they are ciphertext only.
//!
//! Life of a blob: [`begin_upload`] reserves the ID (refusing a taken ID or an
//! upload over the facility's quota) → the bytes stream into the store →
//! [`finish_upload`] (or [`forget`] when the upload failed) → a post that
//! lists it [`attach`]es it inside the post's own transaction. Uploads that never
//! finished and blobs no post referenced are found by [`stale`] and removed.

use diesel::prelude::*;
use kizuna_proto::{BlobId, Channel, OrganisationId, RoomId, Timestamp, UserId};

use crate::schema::blobs;
use crate::{transaction, DbConn, StorageError};

/// An upload about to start.
#[derive(Debug, Clone)]
pub struct NewUpload {
    /// The ID the client chose (so a retried upload lands on the same blob).
    pub id: BlobId,
    /// The room channel it belongs to: only its members may fetch it.
    pub room: RoomId,
    /// The channel.
    pub channel: Channel,
    /// The facility it is charged to (the room's).
    pub organisation: OrganisationId,
    /// Who uploads it.
    pub uploaded_by: UserId,
    /// Its size in bytes (the request's Content-Length).
    pub size: u64,
}

/// What [`begin_upload`] decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadStart {
    /// Reserved: stream the bytes, then [`finish_upload`].
    Go,
    /// The same person already stored this blob, same place and size: a retry whose
    /// first attempt succeeded. Nothing to do.
    AlreadyStored,
    /// The same person's upload of this ID is still running (or crashed; it is swept).
    InProgress,
    /// The ID belongs to another blob.
    Taken,
    /// The facility's attachments would exceed its quota.
    OverQuota {
        /// Bytes the facility's blobs use now.
        used: u64,
        /// Its quota.
        quota: u64,
    },
}

/// A stored attachment's record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobRecord {
    /// Its ID.
    pub id: BlobId,
    /// The room.
    pub room: RoomId,
    /// The channel.
    pub channel: Channel,
    /// Who uploaded it.
    pub uploaded_by: UserId,
    /// Its size in bytes.
    pub size: u64,
    /// Whether all its bytes are in the store.
    pub stored: bool,
    /// The post (position in the channel's log) that references it, once posted.
    pub post_seq: Option<i64>,
}

/// Why a post may not reference a blob.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttachRefusal {
    /// No such blob, or not finished uploading.
    NotStored,
    /// Uploaded to another room or channel.
    OtherChannel,
    /// Uploaded by someone else.
    NotYours,
    /// Another post references it already.
    AlreadyPosted,
}

fn size_column(size: u64) -> Result<i64, StorageError> {
    i64::try_from(size).map_err(|_| StorageError::Refused(format!("blob size {size} out of range")))
}

/// Reserves a blob ID for an upload, checking the facility's quota (`quota` bytes,
/// counting unfinished uploads) in the same transaction.
pub fn begin_upload(
    conn: &mut DbConn,
    upload: &NewUpload,
    quota: u64,
    now: Timestamp,
) -> Result<UploadStart, StorageError> {
    let size = size_column(upload.size)?;
    transaction(conn, |conn| {
        if let Some(existing) = find(conn, upload.id)? {
            let same = existing.uploaded_by == upload.uploaded_by
                && existing.room == upload.room
                && existing.channel == upload.channel
                && existing.size == upload.size;
            return Ok(match (same, existing.stored) {
                (true, true) => UploadStart::AlreadyStored,
                (true, false) => UploadStart::InProgress,
                (false, _) => UploadStart::Taken,
            });
        }
        let used = used_by(conn, upload.organisation)?;
        if used.saturating_add(upload.size) > quota {
            return Ok(UploadStart::OverQuota { used, quota });
        }
        diesel::insert_into(blobs::table)
            .values((
                blobs::id.eq(upload.id),
                blobs::room_id.eq(upload.room),
                blobs::channel.eq(upload.channel),
                blobs::organisation_id.eq(upload.organisation),
                blobs::uploaded_by.eq(upload.uploaded_by),
                blobs::size.eq(size),
                blobs::state.eq("uploading"),
                blobs::created_at.eq(now),
            ))
            .execute(conn)?;
        Ok(UploadStart::Go)
    })
}

/// Bytes a facility's attachments take (finished and running uploads).
pub fn used_by(conn: &mut DbConn, organisation: OrganisationId) -> Result<u64, StorageError> {
    // `SUM(BIGINT)` is NUMERIC on PostgreSQL and INTEGER on SQLite; adding the sizes
    // here keeps one code path (a facility has thousands of blobs, and this runs
    // once per upload).
    let sizes = blobs::table
        .filter(blobs::organisation_id.eq(organisation))
        .select(blobs::size)
        .load::<i64>(conn)?;
    Ok(sizes.into_iter().map(|s| s.max(0) as u64).sum())
}

/// Marks an upload complete: its bytes are all in the store.
pub fn finish_upload(conn: &mut DbConn, id: BlobId) -> Result<(), StorageError> {
    let updated = diesel::update(blobs::table.find(id))
        .set(blobs::state.eq("stored"))
        .execute(conn)?;
    if updated == 0 {
        return Err(StorageError::NotFound);
    }
    Ok(())
}

/// Forgets an upload that failed (or a blob that was swept), freeing its ID and quota.
pub fn forget(conn: &mut DbConn, id: BlobId) -> Result<(), StorageError> {
    diesel::delete(blobs::table.find(id)).execute(conn)?;
    Ok(())
}

type Row = (BlobId, RoomId, Channel, UserId, i64, String, Option<i64>);

fn record_of(row: Row) -> BlobRecord {
    let (id, room, channel, uploaded_by, size, state, post_seq) = row;
    BlobRecord {
        id,
        room,
        channel,
        uploaded_by,
        size: size.max(0) as u64,
        stored: state == "stored",
        post_seq,
    }
}

/// A blob's record, if there is one.
pub fn find(conn: &mut DbConn, id: BlobId) -> Result<Option<BlobRecord>, StorageError> {
    Ok(blobs::table
        .find(id)
        .select((
            blobs::id,
            blobs::room_id,
            blobs::channel,
            blobs::uploaded_by,
            blobs::size,
            blobs::state,
            blobs::post_seq,
        ))
        .first::<Row>(conn)
        .optional()?
        .map(record_of))
}

/// Whether `author` may reference these blobs from a post in `room`'s `channel`:
/// the first blob that may not be, and why.
pub fn check_attachable(
    conn: &mut DbConn,
    blobs: &[BlobId],
    room: RoomId,
    channel: Channel,
    author: UserId,
) -> Result<Option<(BlobId, AttachRefusal)>, StorageError> {
    for &id in blobs {
        let refusal = match find(conn, id)? {
            None => Some(AttachRefusal::NotStored),
            Some(b) if !b.stored => Some(AttachRefusal::NotStored),
            Some(b) if b.room != room || b.channel != channel => Some(AttachRefusal::OtherChannel),
            Some(b) if b.uploaded_by != author => Some(AttachRefusal::NotYours),
            Some(b) if b.post_seq.is_some() => Some(AttachRefusal::AlreadyPosted),
            Some(_) => None,
        };
        if let Some(refusal) = refusal {
            return Ok(Some((id, refusal)));
        }
    }
    Ok(None)
}

/// Records that the post at `seq` in `group` references these blobs.
pub fn attach(conn: &mut DbConn, blobs: &[BlobId], group: &str, seq: i64) -> Result<(), StorageError> {
    if blobs.is_empty() {
        return Ok(());
    }
    diesel::update(blobs::table.filter(blobs::id.eq_any(blobs)))
        .set((blobs::group_id.eq(Some(group)), blobs::post_seq.eq(Some(seq))))
        .execute(conn)?;
    Ok(())
}

/// Blobs to remove: uploads started before `uploading_before` that never finished
/// (the uploader crashed or gave up), and finished blobs created before
/// `unposted_before` that no post references.
pub fn stale(
    conn: &mut DbConn,
    uploading_before: Timestamp,
    unposted_before: Timestamp,
) -> Result<Vec<BlobId>, StorageError> {
    let abandoned = blobs::table
        .filter(blobs::state.eq("uploading"))
        .filter(blobs::created_at.lt(uploading_before));
    let unposted = blobs::table
        .filter(blobs::state.eq("stored"))
        .filter(blobs::post_seq.is_null())
        .filter(blobs::created_at.lt(unposted_before));
    let mut ids = abandoned.select(blobs::id).load::<BlobId>(conn)?;
    ids.extend(unposted.select(blobs::id).load::<BlobId>(conn)?);
    Ok(ids)
}
