//! Images attached to regional broadcasts (an evacuation map): which organisation's
//! officer uploaded which blob, and the notice that carries it once sent. The bytes
//! are in the blob store like any attachment's.

use diesel::prelude::*;
use kizuna_proto::{BlobId, BroadcastId, OrganisationId, Timestamp, UserId};

use crate::schema::broadcast_maps;
use crate::{DbConn, StorageError};

/// A broadcast's image as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct BroadcastMap {
    /// The blob.
    pub blob: BlobId,
    /// The organisation whose officer uploaded it.
    pub organisation: OrganisationId,
    /// The officer.
    pub uploaded_by: UserId,
    /// Its size in bytes (ciphertext).
    pub size: i64,
    /// When it was uploaded.
    pub created_at: Timestamp,
    /// The notice carrying it; none until sent.
    pub broadcast: Option<BroadcastId>,
}

/// Records an uploaded image (`Conflict` if the blob ID is taken).
pub fn insert(conn: &mut DbConn, map: &BroadcastMap) -> Result<(), StorageError> {
    diesel::insert_into(broadcast_maps::table)
        .values((
            broadcast_maps::blob_id.eq(map.blob),
            broadcast_maps::organisation_id.eq(map.organisation),
            broadcast_maps::uploaded_by.eq(map.uploaded_by),
            broadcast_maps::size.eq(map.size),
            broadcast_maps::created_at.eq(map.created_at),
            broadcast_maps::broadcast_id.eq(map.broadcast),
        ))
        .execute(conn)?;
    Ok(())
}

/// The image stored under `blob`, if it is a broadcast's.
pub fn get(conn: &mut DbConn, blob: BlobId) -> Result<Option<BroadcastMap>, StorageError> {
    Ok(broadcast_maps::table.find(blob).first(conn).optional()?)
}

/// Ties an image not yet sent to notice `broadcast`; returns whether it did.
pub fn attach(conn: &mut DbConn, blob: BlobId, broadcast: BroadcastId) -> Result<bool, StorageError> {
    let updated = diesel::update(
        broadcast_maps::table
            .find(blob)
            .filter(broadcast_maps::broadcast_id.is_null()),
    )
    .set(broadcast_maps::broadcast_id.eq(Some(broadcast)))
    .execute(conn)?;
    Ok(updated == 1)
}
