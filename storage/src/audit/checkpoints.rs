//! Where the audit log's signed checkpoints are kept: in the blob store, under
//! `audit/checkpoints/`, beside the public key that checks them. The store holds
//! bytes only; what a checkpoint says and how it is signed is the server's
//! (`server/src/audit/checkpoint.rs`).

use bytes::Bytes;
use futures_util::StreamExt;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStoreExt, PutPayload};

use crate::{BlobError, BlobStore};

/// The folder of checkpoints in the blob store.
pub const PREFIX: &str = "audit/checkpoints";
/// The public key's object, beside the checkpoints.
pub const PUBLIC_KEY: &str = "audit/checkpoints/public-key.txt";

/// The object name of the checkpoint at `seq` (zero-padded so names sort by seq).
pub fn key_for(seq: i64) -> String {
    format!("{PREFIX}/{seq:020}.json")
}

/// Writes an object (a checkpoint or the public key).
pub async fn put(store: &BlobStore, key: &str, bytes: Vec<u8>) -> Result<(), BlobError> {
    store
        .objects()
        .put(&ObjectPath::from(key), PutPayload::from_bytes(Bytes::from(bytes)))
        .await?;
    Ok(())
}

/// Reads an object, or `None` if there is none.
pub async fn get(store: &BlobStore, key: &str) -> Result<Option<Vec<u8>>, BlobError> {
    match store.objects().get(&ObjectPath::from(key)).await {
        Ok(found) => Ok(Some(found.bytes().await?.to_vec())),
        Err(object_store::Error::NotFound { .. }) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// The names of every checkpoint object, in seq order.
pub async fn list(store: &BlobStore) -> Result<Vec<String>, BlobError> {
    let mut listing = store.objects().list(Some(&ObjectPath::from(PREFIX)));
    let mut keys = Vec::new();
    while let Some(meta) = listing.next().await {
        let key = meta?.location.to_string();
        if key.ends_with(".json") {
            keys.push(key);
        }
    }
    keys.sort();
    Ok(keys)
}
