//! The blob store suite, run against a local directory and a real S3-compatible
//! endpoint (moto_server on loopback, started by ops/test.sh).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use std::process::Command;

use anyhow::{ensure, Result};
use bytes::Bytes;
use futures_util::stream::{self, StreamExt, TryStreamExt};
use kizuna_proto::{BlobId, Redacted};
use kizuna_storage::{BlobError, BlobLocation, BlobStore, S3Location};
use kizuna_tests::{on_both_blob_stores, BlobKind, TestBlobs};
use uuid::Uuid;

const MIB: usize = 1024 * 1024;

/// Pseudo-random bytes (deterministic, incompressible enough to catch mix-ups).
fn payload(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

/// The bytes as a body stream of 64 KiB chunks, like an HTTP upload.
fn chunks(data: &[u8]) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> + Unpin {
    let parts: Vec<Result<Bytes, std::io::Error>> = data
        .chunks(64 * 1024)
        .map(|c| Ok(Bytes::copy_from_slice(c)))
        .collect();
    stream::iter(parts)
}

async fn read_all(store: &BlobStore, id: BlobId) -> Result<Vec<u8>> {
    let (size, body) = store.get_stream(id).await?;
    let parts: Vec<Bytes> = body.try_collect().await?;
    let data = parts.concat();
    ensure!(
        data.len() as u64 == size,
        "stream length {} != size {size}",
        data.len()
    );
    Ok(data)
}

async fn large_blobs_round_trip_in_chunks(kind: BlobKind) -> Result<()> {
    let blobs = TestBlobs::new(kind).await?;
    // 12 MiB crosses the 5 MiB part size, so S3 sees a real multipart upload.
    let data = payload(12 * MIB, 1);
    let stored = blobs
        .store
        .put_stream(chunks(&data), Some(data.len() as u64), 64 * MIB as u64)
        .await?;
    assert_eq!(stored.size, data.len() as u64);
    assert_eq!(blobs.store.size(stored.id).await?, data.len() as u64);
    assert!(
        read_all(&blobs.store, stored.id).await? == data,
        "blob came back different"
    );
    assert_eq!(blobs.store.ids().await?, vec![stored.id]);
    Ok(())
}

async fn keys_are_random_and_say_nothing_about_content(kind: BlobKind) -> Result<()> {
    let blobs = TestBlobs::new(kind).await?;
    let same = Bytes::from_static(b"identical ciphertext");
    let a = blobs.store.put_bytes(same.clone()).await?;
    let b = blobs.store.put_bytes(same).await?;
    assert_ne!(a.id, b.id, "identical content must not share a key");
    let mut ids = blobs.store.ids().await?;
    ids.sort();
    let mut expected = vec![a.id, b.id];
    expected.sort();
    assert_eq!(ids, expected);
    if let Some(dir) = blobs.local_dir() {
        // On disk the name is the random ID and nothing else.
        let names: Vec<String> = std::fs::read_dir(dir.join("blobs"))?
            .map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned()))
            .collect::<Result<_, _>>()?;
        for name in names {
            assert!(name.parse::<BlobId>().is_ok(), "unexpected file name {name}");
        }
    }
    Ok(())
}

async fn oversized_uploads_are_refused_and_leave_nothing(kind: BlobKind) -> Result<()> {
    let blobs = TestBlobs::new(kind).await?;
    let data = payload(2 * MIB, 2);
    // Declared too large: refused before a byte is stored.
    let declared = blobs
        .store
        .put_stream(chunks(&data), Some(data.len() as u64), MIB as u64)
        .await;
    assert!(
        matches!(declared, Err(BlobError::TooLarge { limit }) if limit == MIB as u64),
        "{declared:?}"
    );
    // Undeclared and too large: refused as soon as the limit is passed.
    let streamed = blobs.store.put_stream(chunks(&data), None, MIB as u64).await;
    assert!(
        matches!(streamed, Err(BlobError::TooLarge { .. })),
        "{streamed:?}"
    );
    assert!(
        blobs.store.ids().await?.is_empty(),
        "a refused upload left a blob behind"
    );
    assert_no_partial_files(&blobs)?;
    Ok(())
}

async fn short_or_broken_uploads_are_refused_and_leave_nothing(kind: BlobKind) -> Result<()> {
    let blobs = TestBlobs::new(kind).await?;
    let data = payload(300 * 1024, 3);
    let short = blobs
        .store
        .put_stream(chunks(&data), Some(data.len() as u64 + 1), MIB as u64)
        .await;
    assert!(
        matches!(short, Err(BlobError::LengthMismatch { declared, received }) if declared == received + 1),
        "{short:?}"
    );
    let broken = chunks(&data)
        .take(2)
        .chain(stream::iter(vec![Err(std::io::Error::other("connection reset"))]));
    let broken = blobs.store.put_stream(broken, None, MIB as u64).await;
    assert!(
        matches!(&broken, Err(BlobError::Body(m)) if m.contains("connection reset")),
        "{broken:?}"
    );
    assert!(
        blobs.store.ids().await?.is_empty(),
        "a failed upload left a blob behind"
    );
    assert_no_partial_files(&blobs)?;
    Ok(())
}

async fn missing_blobs_are_not_found_and_delete_is_idempotent(kind: BlobKind) -> Result<()> {
    let blobs = TestBlobs::new(kind).await?;
    let ghost = BlobId::from_uuid(Uuid::new_v4());
    assert!(matches!(
        blobs.store.get_stream(ghost).await,
        Err(BlobError::NotFound)
    ));
    assert!(matches!(blobs.store.size(ghost).await, Err(BlobError::NotFound)));
    let stored = blobs.store.put_bytes(Bytes::from_static(b"x")).await?;
    blobs.store.delete(stored.id).await?;
    blobs.store.delete(stored.id).await?;
    assert!(matches!(
        blobs.store.size(stored.id).await,
        Err(BlobError::NotFound)
    ));
    blobs.store.health().await?;
    assert!(
        blobs.store.ids().await?.is_empty(),
        "the health probe left an object behind"
    );
    Ok(())
}

fn assert_no_partial_files(blobs: &TestBlobs) -> Result<()> {
    if let Some(dir) = blobs.local_dir() {
        let leftovers: Vec<_> = walk(&dir)?;
        assert!(leftovers.is_empty(), "files left behind: {leftovers:?}");
    }
    Ok(())
}

fn walk(dir: &std::path::Path) -> Result<Vec<std::path::PathBuf>> {
    let mut files = Vec::new();
    if !dir.exists() {
        return Ok(files);
    }
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            files.extend(walk(&path)?);
        } else {
            files.push(path);
        }
    }
    Ok(files)
}

on_both_blob_stores!(
    large_blobs_round_trip_in_chunks,
    keys_are_random_and_say_nothing_about_content,
    oversized_uploads_are_refused_and_leave_nothing,
    short_or_broken_uploads_are_refused_and_leave_nothing,
    missing_blobs_are_not_found_and_delete_is_idempotent,
);

/// A full disk is reported as such, and the half-written file is removed. Uses a
/// 1 MiB tmpfs, so it needs the root the test script runs as.
#[tokio::test]
async fn a_full_disk_is_reported_and_cleaned_up() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let mount = dir.path().join("tiny");
    std::fs::create_dir(&mount)?;
    let status = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=1m", "tmpfs"])
        .arg(&mount)
        .status()?;
    ensure!(
        status.success(),
        "cannot mount a 1 MiB tmpfs to fill (run as root, as ./ops/test.sh does)"
    );
    let result = async {
        let store = BlobStore::open(&BlobLocation::Local(mount.join("blobs")))?;
        let data = payload(3 * MIB, 4);
        let outcome = store.put_stream(chunks(&data), None, 64 * MIB as u64).await;
        assert!(matches!(outcome, Err(BlobError::StorageFull)), "{outcome:?}");
        assert!(store.ids().await?.is_empty());
        let leftovers = walk(&mount)?;
        assert!(
            leftovers.is_empty(),
            "half-written files left on the full disk: {leftovers:?}"
        );
        // Small writes work again once the failed upload is gone.
        store.put_bytes(Bytes::from_static(b"fits")).await?;
        anyhow::Ok(())
    }
    .await;
    let _ = Command::new("umount").arg(&mount).status();
    result
}

/// An S3 endpoint that does not answer gives a clear error, not a hang or a panic.
#[tokio::test]
async fn an_unreachable_s3_endpoint_is_reported() -> Result<()> {
    let store = BlobStore::open(&BlobLocation::S3(S3Location {
        bucket: "nowhere".into(),
        endpoint: Some("http://127.0.0.1:9".into()),
        region: "us-east-1".into(),
        access_key_id: "k".into(),
        secret_access_key: Redacted::new("s".into()),
        allow_http: true,
    }))?;
    let health = tokio::time::timeout(std::time::Duration::from_secs(60), store.health()).await?;
    assert!(matches!(health, Err(BlobError::Unavailable(_))), "{health:?}");
    Ok(())
}
