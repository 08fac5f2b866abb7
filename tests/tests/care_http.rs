//! Attachments and read receipts at the HTTP edge: who may upload and fetch, size
//! limits, quotas, broken and repeated uploads, posts that reference blobs they may
//! not, and the sweep of uploads no post referenced. Whatever is refused leaves
//! nothing in the blob store.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use std::time::Duration;

use anyhow::Result;
use kizuna_client::{Channel, ClientError, ContentType, PostEnvelope};
use kizuna_proto::BlobId;
use kizuna_tests::care::{blob_bytes, Team};
use kizuna_tests::{BlobKind, DbKind, TestServer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const KIB: usize = 1024;

fn new_blob() -> BlobId {
    BlobId::from_uuid(uuid::Uuid::new_v4())
}

/// `PUT` raw bytes with the person's token: (status, error code or "").
async fn put(server: &TestServer, path: &str, token: Option<&str>, bytes: Vec<u8>) -> Result<(u16, String)> {
    let mut request = server
        .http
        .put(server.at(path))
        .header("content-type", "application/octet-stream")
        .body(bytes);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await?;
    let status = response.status().as_u16();
    let body: serde_json::Value = response.json().await.unwrap_or_default();
    Ok((status, body["error"]["code"].as_str().unwrap_or("").to_owned()))
}

/// Sends a request by hand: `head` (without the final blank line) and `body`, then
/// closes the sending side; returns the status line's code, or 0 if the server
/// closed without answering.
async fn raw(server: &TestServer, head: &str, body: &[u8]) -> Result<u16> {
    let addr = server.url.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await?;
    stream.write_all(format!("{head}\r\n\r\n").as_bytes()).await?;
    stream.write_all(body).await?;
    stream.shutdown().await?;
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer)).await;
    let text = String::from_utf8_lossy(&answer);
    Ok(text
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0))
}

fn blob_path(team: &Team, channel: &str, blob: BlobId) -> String {
    format!("/api/v1/rooms/{}/channels/{channel}/blobs/{blob}", team.room)
}

async fn stored(server: &TestServer) -> Result<usize> {
    Ok(server.blobs.ids().await?.len())
}

async fn uploads_are_limited_checked_and_authorised(db: DbKind) -> Result<()> {
    let team = Team::start(db, BlobKind::Local, |c| {
        c.max_blob_bytes = 64 * KIB as u64;
        c.blob_quota_bytes_per_facility = 100 * KIB as u64;
    })
    .await?;
    let server = &team.server;
    let (doctor, nurse, family) = (
        team.doctor.session_token(),
        team.nurse.session_token(),
        team.family.session_token(),
    );

    // Who may upload where: members of the channel only.
    let id = new_blob();
    assert_eq!(
        put(server, &blob_path(&team, "team", id), family, vec![1; 10])
            .await?
            .0,
        404
    );
    assert_eq!(
        put(server, &blob_path(&team, "team", id), None, vec![1; 10])
            .await?
            .0,
        401
    );
    assert_eq!(
        put(server, &blob_path(&team, "lobby", id), nurse, vec![1; 10])
            .await?
            .0,
        404
    );

    // Too large for the limit: refused before a byte is stored.
    let big = put(
        server,
        &blob_path(&team, "team", new_blob()),
        nurse,
        vec![7; 64 * KIB + 1],
    )
    .await?;
    assert_eq!(big, (413, "payload_too_large".to_owned()));

    // No Content-Length (a chunked upload): 411, and nothing stored.
    let head = format!(
        "PUT {} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nTransfer-Encoding: chunked\r\nConnection: close",
        blob_path(&team, "team", new_blob()),
        nurse.unwrap()
    );
    assert_eq!(raw(server, &head, b"5\r\nhello\r\n0\r\n\r\n").await?, 411);

    // An upload that breaks off midway leaves nothing, and its ID can be used again.
    let broken = new_blob();
    let head = format!(
        "PUT {} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nContent-Length: 50000\r\nConnection: close",
        blob_path(&team, "team", broken),
        nurse.unwrap()
    );
    raw(server, &head, &[9; 1000]).await?;
    assert_eq!(stored(server).await?, 0);
    let mut forgotten = false;
    for _ in 0..50 {
        // The server notices the broken body when the connection closes.
        let (status, _) = put(server, &blob_path(&team, "team", broken), nurse, vec![9; 1000]).await?;
        if status == 201 {
            forgotten = true;
            break;
        }
        assert_eq!(status, 409, "only 'still uploading' while the server cleans up");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(forgotten, "the broken upload's ID was never freed");

    // Repeating an upload is safe: the same person gets the stored blob back; anyone
    // else reusing the ID is refused.
    let (status, _) = put(server, &blob_path(&team, "team", broken), nurse, vec![9; 1000]).await?;
    assert_eq!(status, 200);
    let (status, code) = put(server, &blob_path(&team, "team", broken), doctor, vec![9; 1000]).await?;
    assert_eq!((status, code.as_str()), (409, "blob_conflict"));
    assert_eq!(stored(server).await?, 1);

    // The facility's quota (100 KiB; 1000 bytes used): 60 KiB fits, the next does not.
    let (status, _) = put(
        server,
        &blob_path(&team, "family", new_blob()),
        nurse,
        vec![1; 60 * KIB],
    )
    .await?;
    assert_eq!(status, 201);
    let over = put(
        server,
        &blob_path(&team, "team", new_blob()),
        doctor,
        vec![1; 60 * KIB],
    )
    .await?;
    assert_eq!(over, (507, "quota_exceeded".to_owned()));
    assert_eq!(stored(server).await?, 2);

    // Before a post references it, only its uploader may fetch a blob.
    let fetch = format!("/api/v1/blobs/{broken}");
    assert_eq!(server.get(&fetch, nurse).await?.0, 200);
    assert_eq!(server.get(&fetch, doctor).await?.0, 404);
    assert_eq!(server.get(&fetch, None).await?.0, 401);
    team.server.stop().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_sqlite() -> Result<()> {
    uploads_are_limited_checked_and_authorised(DbKind::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_postgres() -> Result<()> {
    uploads_are_limited_checked_and_authorised(DbKind::Postgres).await
}

/// A post may reference only blobs its author uploaded to the same channel, once.
async fn posts_reference_only_their_own_blobs(db: DbKind) -> Result<()> {
    let mut team = Team::start(db, BlobKind::Local, |_| {}).await?;
    let (room, team_channel) = (team.room, Channel::Team);
    let note = || PostEnvelope::new(ContentType::Note, "添付 / attached");
    let family_file = team
        .nurse
        .upload_attachment(room, Channel::Family, b"family channel file", "text/plain")
        .await?;
    let doctors_file = team
        .doctor
        .upload_attachment(room, team_channel, b"the doctor's file", "text/plain")
        .await?;
    let mine = team
        .nurse
        .upload_attachment(room, team_channel, b"the nurse's file", "text/plain")
        .await?;
    let cases = [
        ("another channel", family_file.blob),
        ("someone else's", doctors_file.blob),
        ("never uploaded", new_blob()),
    ];
    for (name, blob) in cases {
        let err = team
            .nurse
            .post_with(room, team_channel, &note(), None, &[blob])
            .await
            .expect_err(name);
        assert_eq!((err.status(), err.code()), (Some(422), "invalid_input"), "{name}");
    }
    team.nurse
        .post_with(room, team_channel, &note(), None, &[mine.blob])
        .await?;
    let again = team
        .nurse
        .post_with(room, team_channel, &note(), None, &[mine.blob])
        .await
        .expect_err("already posted");
    assert_eq!(again.status(), Some(422));
    // Once posted, the doctor (a channel member) can fetch it; the family cannot.
    assert_eq!(team.doctor.fetch_attachment(&mine).await?, b"the nurse's file");
    assert!(team
        .family
        .fetch_attachment(&mine)
        .await
        .unwrap_err()
        .is_not_found());

    // A server (or a thief with write access to the bucket) that alters the stored
    // ciphertext, cuts it short, or swaps in another file's is caught: the reader gets
    // an error and never the altered bytes.
    let store = &team.server.blobs;
    let original = blob_bytes(store, mine.blob).await?;
    let mut altered = original.clone();
    let last = altered.len() - 1;
    altered[last] ^= 0x01;
    let swapped = blob_bytes(store, doctors_file.blob).await?;
    let truncated = original[..original.len() - 20].to_vec();
    for (name, bytes) in [
        ("altered", altered),
        ("truncated", truncated),
        ("another file's", swapped),
    ] {
        let body = futures_util::stream::iter([Ok::<_, std::io::Error>(bytes::Bytes::from(bytes))]);
        store.put_stream_as(mine.blob, body, None, u64::MAX).await?;
        let err = team.doctor.fetch_attachment(&mine).await.expect_err(name);
        assert!(matches!(err, ClientError::Attachment(_)), "{name}: {err:?}");
        let (en, ja) = err.messages();
        assert!(!en.is_empty() && !ja.is_empty());
    }
    team.server.stop().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blob_references_sqlite() -> Result<()> {
    posts_reference_only_their_own_blobs(DbKind::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blob_references_postgres() -> Result<()> {
    posts_reference_only_their_own_blobs(DbKind::Postgres).await
}

/// An upload no post references is deleted after `blob_unposted_secs`; a posted one
/// stays. (S3 store: the sweep deletes real objects.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unposted_uploads_are_swept() -> Result<()> {
    const UNPOSTED_SECS: u64 = 6;
    let mut team = Team::start(DbKind::Sqlite, BlobKind::S3, |c| {
        c.blob_unposted_secs = UNPOSTED_SECS;
        c.blob_sweep_interval_secs = 1;
    })
    .await?;
    let (room, channel) = (team.room, Channel::Team);
    let started = std::time::Instant::now();
    let abandoned = team
        .nurse
        .upload_attachment(room, channel, b"abandoned", "text/plain")
        .await?;
    let posted = team
        .nurse
        .upload_attachment(room, channel, b"posted", "text/plain")
        .await?;
    let note = PostEnvelope::new(ContentType::Note, "写真 / photo");
    team.nurse
        .post_with(room, channel, &note, None, &[posted.blob])
        .await?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(
        started.elapsed() < Duration::from_secs(UNPOSTED_SECS),
        "the machine is too slow for this test"
    );
    assert_eq!(team.server.blobs.ids().await?.len(), 2, "nothing is swept early");
    let mut left = Vec::new();
    for _ in 0..100 {
        left = team.server.blobs.ids().await?;
        if left.len() == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(left, vec![posted.blob]);
    let gone = team.nurse.fetch_attachment(&abandoned).await.unwrap_err();
    assert!(gone.is_not_found(), "{gone:?}");
    assert_eq!(team.doctor.fetch_attachment(&posted).await?, b"posted");
    team.server.stop().await;
    Ok(())
}

/// A file from disk is sealed while it is read and uploaded as one stream with its
/// length declared up front; the reader decrypts it into a file, which appears only
/// once its hash is right.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_stream_from_disk_and_back() -> Result<()> {
    let mut team = Team::start(DbKind::Sqlite, BlobKind::Local, |_| {}).await?;
    let (room, channel) = (team.room, Channel::Team);
    let source = team.dir.path().join("scan.pdf");
    // Several sealing chunks and read chunks, not a multiple of either.
    let content: Vec<u8> = (0..3 * 1024 * 1024 + 12_345u32)
        .map(|i| (i * 7 % 251) as u8)
        .collect();
    std::fs::write(&source, &content)?;
    let reference = team
        .nurse
        .upload_file(room, channel, &source, "application/pdf")
        .await?;
    assert_eq!(reference.size, content.len() as u64);
    let note = PostEnvelope::new(ContentType::Note, "紹介状 / referral letter");
    team.nurse
        .post_with(room, channel, &note, None, &[reference.blob])
        .await?;
    let (size, _) = team.server.blobs.get_stream(reference.blob).await?;
    assert_eq!(
        size,
        kizuna_crypto::attachment::ciphertext_len(content.len() as u64)?
    );

    let received = team.dir.path().join("received.pdf");
    team.doctor.fetch_attachment_to(&reference, &received).await?;
    assert_eq!(std::fs::read(&received)?, content);

    // A damaged copy leaves no file behind.
    let mut damaged = blob_bytes(&team.server.blobs, reference.blob).await?;
    damaged[100_000] ^= 0x80;
    let body = futures_util::stream::iter([Ok::<_, std::io::Error>(bytes::Bytes::from(damaged))]);
    team.server
        .blobs
        .put_stream_as(reference.blob, body, None, u64::MAX)
        .await?;
    let target = team.dir.path().join("damaged.pdf");
    assert!(team
        .doctor
        .fetch_attachment_to(&reference, &target)
        .await
        .is_err());
    assert!(!target.exists() && !target.with_extension("part").exists());
    team.server.stop().await;
    Ok(())
}
