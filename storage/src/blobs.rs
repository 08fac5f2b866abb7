//! Encrypted attachments in object storage: a local directory by default, any
//! S3-compatible bucket in production.
//!
//! Blobs are always ciphertext made on a client; the store only keeps bytes. Keys
//! are random ([`BlobId`]) so they say nothing about the content. Uploads and
//! downloads are streamed in bounded chunks, never held whole in memory, and an
//! upload that breaks a limit or fails midway leaves nothing behind.

use std::path::PathBuf;
use std::sync::Arc;

use bytes::Bytes;
use futures_util::stream::{BoxStream, Stream, StreamExt};
use kizuna_proto::{BlobId, Redacted};
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload, WriteMultipart};

/// Part size for multipart uploads. S3 requires parts of at least 5 MiB (but the
/// last); at most two parts are in flight while a third fills, so an upload holds up
/// to 15 MiB (12–13 MiB measured for 10–100 MB files: benchmarks/upload.md).
const PART_SIZE: usize = 5 * 1024 * 1024;
const PARTS_IN_FLIGHT: usize = 2;

/// Where blobs live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlobLocation {
    /// A directory on this machine (the embedded default: `<data dir>/blobs`).
    Local(PathBuf),
    /// An S3-compatible bucket.
    S3(S3Location),
}

/// An S3-compatible bucket and how to reach it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Location {
    /// The bucket name.
    pub bucket: String,
    /// The endpoint (e.g. `http://127.0.0.1:9000`); AWS itself when absent.
    pub endpoint: Option<String>,
    /// The region.
    pub region: String,
    /// Access key ID.
    pub access_key_id: String,
    /// Secret access key (redacted in Debug).
    pub secret_access_key: Redacted<String>,
    /// Allow plain HTTP: only for an endpoint on loopback or a private network.
    pub allow_http: bool,
}

/// Everything that can go wrong storing or fetching a blob.
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    /// No blob with this ID.
    #[error("blob not found")]
    NotFound,
    /// The upload is larger than allowed.
    #[error("blob larger than the limit of {limit} bytes")]
    TooLarge {
        /// The limit in bytes.
        limit: u64,
    },
    /// The upload's size differs from what the client declared.
    #[error("blob size {received} differs from the declared {declared} bytes")]
    LengthMismatch {
        /// What the client said it would send.
        declared: u64,
        /// What arrived.
        received: u64,
    },
    /// The client's body stream broke off.
    #[error("upload interrupted: {0}")]
    Body(String),
    /// The disk or bucket is full.
    #[error("blob storage is full")]
    StorageFull,
    /// The store could not be set up (bad location, unwritable directory).
    #[error("blob store configuration: {0}")]
    Config(String),
    /// The store failed or could not be reached.
    #[error("blob store unavailable: {0}")]
    Unavailable(String),
}

impl From<object_store::Error> for BlobError {
    fn from(err: object_store::Error) -> Self {
        if matches!(err, object_store::Error::NotFound { .. }) {
            return BlobError::NotFound;
        }
        if is_disk_full(&err) {
            return BlobError::StorageFull;
        }
        BlobError::Unavailable(err.to_string())
    }
}

/// Whether an error, or anything it was caused by, is "no space left on device".
fn is_disk_full(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = current {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            if io.kind() == std::io::ErrorKind::StorageFull || io.raw_os_error() == Some(28) {
                return true;
            }
        }
        current = e.source();
    }
    err.to_string().contains("No space left on device")
}

/// What an upload stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoredBlob {
    /// The new blob's ID.
    pub id: BlobId,
    /// Its size in bytes.
    pub size: u64,
}

/// A stream of a blob's bytes.
pub type BlobStream = BoxStream<'static, Result<Bytes, BlobError>>;

/// The blob store.
#[derive(Clone)]
pub struct BlobStore {
    store: Arc<dyn ObjectStore>,
    description: String,
}

impl std::fmt::Debug for BlobStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlobStore")
            .field("location", &self.description)
            .finish()
    }
}

fn key(id: BlobId) -> ObjectPath {
    ObjectPath::from(format!("blobs/{id}"))
}

impl BlobStore {
    /// Opens a store, creating the local directory if needed.
    pub fn open(location: &BlobLocation) -> Result<Self, BlobError> {
        match location {
            BlobLocation::Local(dir) => {
                std::fs::create_dir_all(dir).map_err(|e| {
                    BlobError::Config(format!(
                        "cannot create blob directory {}: {e} (check that it is writable and the disk is not full)",
                        dir.display()
                    ))
                })?;
                let store = LocalFileSystem::new_with_prefix(dir)
                    .map_err(|e| BlobError::Config(format!("blob directory {}: {e}", dir.display())))?
                    .with_automatic_cleanup(true);
                Ok(Self {
                    store: Arc::new(store),
                    description: format!("local:{}", dir.display()),
                })
            }
            BlobLocation::S3(s3) => {
                let mut builder = AmazonS3Builder::new()
                    .with_bucket_name(&s3.bucket)
                    .with_region(&s3.region)
                    .with_access_key_id(&s3.access_key_id)
                    .with_secret_access_key(s3.secret_access_key.expose())
                    .with_allow_http(s3.allow_http);
                if let Some(endpoint) = &s3.endpoint {
                    builder = builder.with_endpoint(endpoint);
                }
                let store = builder.build().map_err(|e| BlobError::Config(e.to_string()))?;
                let endpoint = s3.endpoint.as_deref().unwrap_or("aws");
                Ok(Self {
                    store: Arc::new(store),
                    description: format!("s3:{endpoint}/{}", s3.bucket),
                })
            }
        }
    }

    /// The underlying object store, for objects that are not blobs (the audit
    /// log's signed checkpoints, `storage/src/audit/checkpoints.rs`).
    pub(crate) fn objects(&self) -> &Arc<dyn ObjectStore> {
        &self.store
    }

    /// Where the store is, for messages (no credentials).
    pub fn description(&self) -> &str {
        &self.description
    }

    /// Streams an upload into a new blob with a fresh random ID.
    ///
    /// `limit` caps the size; `declared` (e.g. the request's Content-Length), if
    /// given, must match what arrives. Any failure aborts the upload so nothing
    /// partial remains.
    pub async fn put_stream<S, E>(
        &self,
        body: S,
        declared: Option<u64>,
        limit: u64,
    ) -> Result<StoredBlob, BlobError>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        let id = BlobId::from_uuid(uuid::Uuid::new_v4());
        self.put_stream_as(id, body, declared, limit).await
    }

    /// Streams an upload into the blob `id` (replacing any bytes stored under it:
    /// the caller reserves IDs so that only one upload writes each). Limits and
    /// clean-up as [`put_stream`](Self::put_stream).
    pub async fn put_stream_as<S, E>(
        &self,
        id: BlobId,
        mut body: S,
        declared: Option<u64>,
        limit: u64,
    ) -> Result<StoredBlob, BlobError>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        if let Some(declared) = declared {
            if declared > limit {
                return Err(BlobError::TooLarge { limit });
            }
        }
        let upload = self.store.put_multipart(&key(id)).await?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, PART_SIZE);
        let mut received: u64 = 0;
        let outcome = loop {
            let chunk = match body.next().await {
                None => break Ok(()),
                Some(Err(e)) => break Err(BlobError::Body(e.to_string())),
                Some(Ok(chunk)) => chunk,
            };
            received = received.saturating_add(chunk.len() as u64);
            if received > limit {
                break Err(BlobError::TooLarge { limit });
            }
            if let Err(e) = writer.wait_for_capacity(PARTS_IN_FLIGHT).await {
                break Err(e.into());
            }
            writer.write(&chunk);
        };
        let outcome = match (outcome, declared) {
            (Ok(()), Some(declared)) if declared != received => {
                Err(BlobError::LengthMismatch { declared, received })
            }
            (outcome, _) => outcome,
        };
        match outcome {
            Ok(()) => {
                writer.finish().await?;
                Ok(StoredBlob { id, size: received })
            }
            Err(err) => {
                if let Err(abort) = writer.abort().await {
                    tracing::warn!(blob = %id, error = %abort, "could not abort a failed upload");
                }
                Err(err)
            }
        }
    }

    /// Stores a small blob held in memory, with a fresh random ID.
    pub async fn put_bytes(&self, bytes: Bytes) -> Result<StoredBlob, BlobError> {
        let id = BlobId::from_uuid(uuid::Uuid::new_v4());
        let size = bytes.len() as u64;
        self.store.put(&key(id), PutPayload::from_bytes(bytes)).await?;
        Ok(StoredBlob { id, size })
    }

    /// Opens a blob for reading: its size and a stream of its bytes.
    pub async fn get_stream(&self, id: BlobId) -> Result<(u64, BlobStream), BlobError> {
        let result = self.store.get(&key(id)).await?;
        let size = result.meta.size;
        let stream = result
            .into_stream()
            .map(|chunk| chunk.map_err(BlobError::from))
            .boxed();
        Ok((size, stream))
    }

    /// A blob's size, or [`BlobError::NotFound`].
    pub async fn size(&self, id: BlobId) -> Result<u64, BlobError> {
        Ok(self.store.head(&key(id)).await?.size)
    }

    /// Deletes a blob. Deleting one that does not exist is not an error.
    pub async fn delete(&self, id: BlobId) -> Result<(), BlobError> {
        match self.store.delete(&key(id)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Every stored blob's ID (for audits and cleaning up abandoned uploads).
    pub async fn ids(&self) -> Result<Vec<BlobId>, BlobError> {
        let mut listing = self.store.list(Some(&ObjectPath::from("blobs")));
        let mut ids = Vec::new();
        while let Some(meta) = listing.next().await {
            let meta = meta?;
            let Some(name) = meta.location.filename() else {
                continue;
            };
            match name.parse::<BlobId>() {
                Ok(id) => ids.push(id),
                Err(_) => tracing::warn!(key = %meta.location, "unexpected object in the blob store"),
            }
        }
        Ok(ids)
    }

    /// Checks that the store accepts a write, a read and a delete.
    pub async fn health(&self) -> Result<(), BlobError> {
        let probe = ObjectPath::from(format!("health/{}", uuid::Uuid::new_v4()));
        let payload = Bytes::from_static(b"kizuna health probe");
        self.store
            .put(&probe, PutPayload::from_bytes(payload.clone()))
            .await?;
        let read = self.store.get(&probe).await?.bytes().await?;
        self.store.delete(&probe).await?;
        if read != payload {
            return Err(BlobError::Unavailable(
                "health probe read back different bytes".into(),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disk_full_is_recognised_through_wrapping_errors() {
        let io = std::io::Error::from_raw_os_error(28);
        let wrapped = object_store::Error::Generic {
            store: "LocalFileSystem",
            source: Box::new(io),
        };
        assert!(matches!(BlobError::from(wrapped), BlobError::StorageFull));
        let other = object_store::Error::Generic {
            store: "LocalFileSystem",
            source: Box::new(std::io::Error::other("boom")),
        };
        assert!(matches!(BlobError::from(other), BlobError::Unavailable(_)));
    }

    #[test]
    fn s3_secrets_are_redacted_in_debug() {
        let location = BlobLocation::S3(S3Location {
            bucket: "b".into(),
            endpoint: None,
            region: "r".into(),
            access_key_id: "AKIA".into(),
            secret_access_key: Redacted::new("very-secret".into()),
            allow_http: false,
        });
        assert!(!format!("{location:?}").contains("very-secret"));
    }
}
