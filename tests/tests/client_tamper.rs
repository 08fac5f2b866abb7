//! A malicious server (here: the test writing straight into the database) replays a
//! post into another room's log and stores an altered copy of one: the members'
//! clients reject both and show neither, on SQLite and PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use anyhow::Result;
use kizuna_client::{Channel, Client, ContentType, OrganisationId, PostEnvelope, RoomId, RoomRole};
use kizuna_storage::groups::{self, Appended, EntryKind, NewEntry};
use kizuna_tests::accounts::GOOD_PASSWORD;
use kizuna_tests::{on_both_databases, BlobKind, DbKind, TestServer, ORIGIN};

fn texts(client: &Client, room: RoomId) -> Vec<String> {
    client
        .read(room, Channel::Team)
        .iter()
        .map(|p| p.envelope.body.clone())
        .collect()
}

/// The server stores `body` as a post in `room`'s team log, bypassing every check.
async fn smuggle(
    server: &TestServer,
    room: RoomId,
    sender: kizuna_client::DeviceId,
    body: Vec<u8>,
) -> Result<()> {
    let group = format!("{room}/team");
    let entry = NewEntry {
        kind: EntryKind::Post,
        sender: Some(sender),
        epoch: 0,
        body,
        idempotency_key: None,
        urgency: None,
        post_id: None,
    };
    let now = server.now();
    let appended = server
        .db
        .run(move |conn| groups::append(conn, &group, &entry, now))
        .await?;
    assert!(matches!(appended, Appended::Stored { .. }));
    Ok(())
}

async fn replayed_or_altered_posts_are_rejected_by_receivers(kind: DbKind) -> Result<()> {
    let server = TestServer::start(kind, BlobKind::Local).await?;
    let admin = server.bootstrap_admin().await?;
    let org = server.organisation(&admin, "Clinic", "clinic", None).await?;
    let link = server.invite_staff(&admin, &org, "dr.tanaka", "doctor").await?;
    let dir = tempfile::tempdir()?;
    let mut doctor = Client::create(&dir.path().join("dr.kizuna"), &server.url, ORIGIN)?;
    doctor.register(&link, "dr.tanaka", GOOD_PASSWORD, None).await?;
    let org: OrganisationId = org.parse()?;
    let a = doctor.create_room(org, "Room A").await?.id;
    let b = doctor.create_room(org, "Room B").await?.id;
    let invitation = doctor.invite(a, "nurse.sato", RoomRole::Professional).await?;
    let mut nurse = Client::create(&dir.path().join("nurse.kizuna"), &server.url, ORIGIN)?;
    nurse
        .register(&invitation.link, "nurse.sato", GOOD_PASSWORD, None)
        .await?;
    let invitation = doctor.invite(b, "nurse.sato", RoomRole::Professional).await?;
    nurse.accept_invitation(&invitation.link).await?;
    doctor.refresh().await?;
    nurse.sync().await?;

    doctor
        .post(
            a,
            Channel::Team,
            &PostEnvelope::new(ContentType::Note, "for room A only"),
        )
        .await?;
    doctor
        .post(b, Channel::Team, &PostEnvelope::new(ContentType::Note, "room B"))
        .await?;
    let report = nurse.sync().await?;
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert_eq!(texts(&nurse, a), vec!["for room A only"]);

    // The server replays room A's post into room B, and stores a copy of it with one
    // ciphertext byte flipped back into room A.
    let group = format!("{a}/team");
    let log = server
        .db
        .run(move |conn| groups::entries_after(conn, &group, 0, 500))
        .await?;
    let post = log.iter().rev().find(|e| e.kind == EntryKind::Post).unwrap();
    let sender = post.sender.unwrap();
    smuggle(&server, b, sender, post.body.clone()).await?;
    let mut altered = post.body.clone();
    let last = altered.len() - 1;
    altered[last] ^= 0x01;
    smuggle(&server, a, sender, altered).await?;

    let report = nurse.sync().await?;
    assert!(
        report.posts.is_empty(),
        "nothing new is shown: {:?}",
        report.posts
    );
    assert_eq!(
        report.problems.len(),
        2,
        "both are reported: {:?}",
        report.problems
    );
    assert_eq!(texts(&nurse, a), vec!["for room A only"], "the original, once");
    assert_eq!(texts(&nurse, b), vec!["room B"], "no replay in room B");
    Ok(())
}

on_both_databases!(replayed_or_altered_posts_are_rejected_by_receivers);
