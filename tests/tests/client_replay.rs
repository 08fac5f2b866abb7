//! Replays, restores and refusals as people notice them, on SQLite and PostgreSQL:
//!
//! * the server refuses a post whose post ID its log already holds (a replay), while
//!   a retry with the original idempotency key still gets the original seq;
//! * a replay stored anyway (written straight into the database, as a hostile or
//!   outdated server would) is shown once by the client and reported;
//! * after the database is restored from a backup and a new log generation started,
//!   a client that had seen the lost seqs notices, re-reads and gets the new post
//!   that reused a seq, and the command line says the server was restored;
//! * `kizuna read` says when the person has no access to a channel (non-zero exit),
//!   and reports tampered entries instead of leaving them out silently.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use std::path::Path;

use anyhow::Result;
use diesel::RunQueryDsl;
use kizuna_client::{Channel, Client, ContentType, OrganisationId, PostEnvelope, RoomId, RoomRole};
use kizuna_storage::groups::{self, Appended, EntryKind, NewEntry};
use kizuna_storage::StorageError;
use kizuna_tests::accounts::GOOD_PASSWORD;
use kizuna_tests::{on_both_databases, BlobKind, DbKind, TestServer, ORIGIN};
use serde_json::json;
use tempfile::TempDir;

struct Setup {
    server: TestServer,
    dir: TempDir,
    room: RoomId,
    doctor: Client,
    nurse: Client,
}

fn note(text: &str) -> PostEnvelope {
    PostEnvelope::new(ContentType::Note, text)
}

fn texts(client: &Client, room: RoomId) -> Vec<String> {
    client
        .read(room, Channel::Team)
        .iter()
        .map(|p| p.envelope.body.clone())
        .collect()
}

fn state(dir: &Path, name: &str) -> std::path::PathBuf {
    dir.join(format!("{name}.kizuna"))
}

/// A doctor with a room, and a nurse in its team channel.
async fn setup(kind: DbKind) -> Result<Setup> {
    let server = TestServer::start(kind, BlobKind::Local).await?;
    let admin = server.bootstrap_admin().await?;
    let org = server.organisation(&admin, "Clinic", "clinic", None).await?;
    let link = server.invite_staff(&admin, &org, "dr.tanaka", "doctor").await?;
    let dir = tempfile::tempdir()?;
    let mut doctor = Client::create(&state(dir.path(), "dr.tanaka"), &server.url, ORIGIN)?;
    doctor.register(&link, "dr.tanaka", GOOD_PASSWORD, None).await?;
    let org: OrganisationId = org.parse()?;
    let room = doctor.create_room(org, "Room 3").await?.id;
    let invitation = doctor.invite(room, "nurse.sato", RoomRole::Professional).await?;
    let mut nurse = Client::create(&state(dir.path(), "nurse.sato"), &server.url, ORIGIN)?;
    nurse
        .register(&invitation.link, "nurse.sato", GOOD_PASSWORD, None)
        .await?;
    doctor.refresh().await?;
    nurse.sync().await?;
    Ok(Setup {
        server,
        dir,
        room,
        doctor,
        nurse,
    })
}

/// The newest post entry of the room's team log, as stored.
async fn last_post(server: &TestServer, room: RoomId) -> Result<groups::LogEntry> {
    let group = format!("{room}/team");
    let log = server
        .db
        .run(move |conn| groups::entries_after(conn, &group, 0, 500))
        .await?;
    Ok(log.into_iter().rev().find(|e| e.kind == EntryKind::Post).unwrap())
}

async fn the_server_refuses_a_replayed_post_but_not_a_retry(kind: DbKind) -> Result<()> {
    let mut s = setup(kind).await?;
    let seq = s.doctor.post(s.room, Channel::Team, &note("熱なし")).await?;
    let stored = last_post(&s.server, s.room).await?;
    assert_eq!(stored.seq, seq);
    let post_id = s.doctor.read(s.room, Channel::Team).last().unwrap().post;
    let path = format!("/api/v1/groups/{}%2Fteam/messages", s.room);
    let token = s.doctor.session_token().unwrap().to_owned();
    let message = |key: &str| {
        use base64::Engine;
        json!({
            "kind": "post",
            "sender_device": stored.sender.unwrap(),
            "epoch": stored.epoch,
            "body": base64::engine::general_purpose::STANDARD.encode(&stored.body),
            "idempotency_key": key,
        })
    };

    // A retry with the original idempotency key (the post ID) gets the original seq.
    let (status, body) = s
        .server
        .post(&path, Some(&token), message(&post_id.to_string()))
        .await?;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (body["seq"].as_i64(), body["duplicate"].as_bool()),
        (Some(seq), Some(true))
    );

    // The same bytes as a new message: refused, in both languages, and not stored.
    let (status, body) = s.server.post(&path, Some(&token), message("replay-1")).await?;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"]["code"], "duplicate_post");
    assert!(!body["error"]["message_ja"].as_str().unwrap().is_empty());
    assert_eq!(last_post(&s.server, s.room).await?.seq, seq);

    // The database refuses it too, whichever node (or code path) tries.
    let group = format!("{}/team", s.room);
    let entry = NewEntry {
        kind: EntryKind::Post,
        sender: stored.sender,
        epoch: stored.epoch,
        body: stored.body.clone(),
        idempotency_key: Some("replay-2".into()),
        urgency: None,
        post_id: Some(post_id),
    };
    let now = s.server.now();
    let appended = s
        .server
        .db
        .run(move |conn| groups::append(conn, &group, &entry, now))
        .await?;
    assert_eq!(appended, Appended::ReplayedPost { seq });
    let (group, post) = (format!("{}/team", s.room), post_id.to_string());
    let bytes = match kind {
        DbKind::Sqlite => "X'00'",
        DbKind::Postgres => "'\\x00'::bytea",
    };
    let inserted = s
        .server
        .db
        .run(move |conn| {
            Ok(diesel::sql_query(format!(
                "INSERT INTO group_log (group_id, seq, kind, epoch, body, created_at, post_id) \
                 VALUES ('{group}', 999, 'post', 0, {bytes}, 0, '{post}')"
            ))
            .execute(conn)
            .map_err(StorageError::from))
        })
        .await?;
    assert!(
        matches!(inserted, Err(StorageError::Conflict(_))),
        "the unique index refuses a second row: {inserted:?}"
    );

    s.nurse.sync().await?;
    assert_eq!(texts(&s.nurse, s.room), vec!["熱なし"]);
    Ok(())
}

/// A replay the server stored anyway (written straight into the log).
async fn smuggle_replay(server: &TestServer, room: RoomId) -> Result<i64> {
    let original = last_post(server, room).await?;
    let group = format!("{room}/team");
    let entry = NewEntry {
        kind: EntryKind::Post,
        sender: original.sender,
        epoch: original.epoch,
        body: original.body,
        idempotency_key: None,
        urgency: None,
        post_id: None,
    };
    let now = server.now();
    let appended = server
        .db
        .run(move |conn| groups::append(conn, &group, &entry, now))
        .await?;
    let Appended::Stored { seq } = appended else {
        panic!("{appended:?}");
    };
    Ok(seq)
}

async fn a_client_shows_a_replayed_post_once_and_reports_it(kind: DbKind) -> Result<()> {
    let mut s = setup(kind).await?;
    s.doctor.post(s.room, Channel::Team, &note("訪問済み")).await?;
    let report = s.nurse.sync().await?;
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    let replay = smuggle_replay(&s.server, s.room).await?;

    let report = s.nurse.sync().await?;
    assert!(
        report.posts.is_empty(),
        "nothing new is shown: {:?}",
        report.posts
    );
    assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
    assert!(report.problems[0].contains("replayed"), "{:?}", report.problems);
    assert_eq!(texts(&s.nurse, s.room), vec!["訪問済み"]);
    assert_eq!(s.nurse.rejected(s.room, Channel::Team)[0].seq, replay);

    // The doctor's own client, which sent the original, drops it as well.
    s.doctor.sync().await?;
    assert_eq!(texts(&s.doctor, s.room), vec!["訪問済み"]);
    Ok(())
}

/// Runs the `kizuna` command line in-process: exit code, stdout, stderr.
async fn cli(args: &[String]) -> (u8, String, String) {
    let mut input = std::io::Cursor::new(Vec::new());
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    let mut io = kizuna_client::cli::Io {
        stdin: &mut input,
        stdout: &mut stdout,
        stderr: &mut stderr,
        password_env: None,
    };
    let args = std::iter::once("kizuna".to_owned()).chain(args.iter().cloned());
    let code = kizuna_client::cli::run(args, &mut io).await;
    let code = u8::from(code != std::process::ExitCode::SUCCESS);
    (
        code,
        String::from_utf8(stdout).unwrap(),
        String::from_utf8(stderr).unwrap(),
    )
}

fn args(client_state: &Path, server: &TestServer, rest: &[&str]) -> Vec<String> {
    [
        "--state",
        client_state.to_str().unwrap(),
        "--server",
        &server.url,
        "--origin",
        ORIGIN,
    ]
    .iter()
    .chain(rest)
    .map(|a| (*a).to_owned())
    .collect()
}

async fn read_says_no_access_and_reports_tampered_entries(kind: DbKind) -> Result<()> {
    let mut s = setup(kind).await?;
    let invitation = s.doctor.invite(s.room, "son.suzuki", RoomRole::Family).await?;
    let mut family = Client::create(&state(s.dir.path(), "son.suzuki"), &s.server.url, ORIGIN)?;
    family
        .register(&invitation.link, "son.suzuki", GOOD_PASSWORD, None)
        .await?;
    s.doctor.refresh().await?;
    s.doctor.post(s.room, Channel::Team, &note("team only")).await?;
    s.doctor
        .post(s.room, Channel::Family, &note("お元気です"))
        .await?;
    let family_state = state(s.dir.path(), "son.suzuki");
    drop(family);
    let room = s.room.to_string();

    // The team channel: refused in words, with a non-zero exit, in both modes.
    let (code, out, err) = cli(&args(
        &family_state,
        &s.server,
        &["read", &room, "--channel", "team"],
    ))
    .await;
    assert_eq!(code, 1, "{out}");
    assert!(out.is_empty(), "{out}");
    assert!(
        err.contains("no access") && err.contains("権限がありません"),
        "{err}"
    );
    let (code, _, err) = cli(&args(&family_state, &s.server, &["--json", "read", &room])).await;
    assert_eq!(code, 1);
    let error: serde_json::Value = serde_json::from_str(err.trim())?;
    assert_eq!(error["error"]["code"], "no_channel_access");
    // The family channel reads as before.
    let (code, out, err) = cli(&args(
        &family_state,
        &s.server,
        &["read", &room, "--channel", "family"],
    ))
    .await;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("お元気です"), "{out}");

    // A tampered entry in the team log: `read` shows the genuine posts and says what
    // it left out, every time it is run, not only at the sync that met it.
    let nurse_state = s.nurse.state_path().to_owned();
    drop(s.nurse);
    let replay = smuggle_replay(&s.server, s.room).await?;
    for _ in 0..2 {
        let (code, out, err) = cli(&args(&nurse_state, &s.server, &["read", &room])).await;
        assert_eq!(code, 0, "{err}");
        assert_eq!(out.matches("team only").count(), 1, "{out}");
        assert!(err.contains("tampered") && err.contains("改ざん"), "{err}");
        assert!(err.contains(&format!("#{replay}")), "{err}");
    }
    Ok(())
}

/// Restores the room's team log to how it was after seq `keep`, as restoring a
/// backup taken then would, and starts a new log generation (what `kizuna-ops
/// new-generation` does after a restore).
async fn restore_backup(server: &TestServer, room: RoomId, keep: i64) -> Result<()> {
    let group = format!("{room}/team");
    server
        .db
        .run(move |conn| {
            diesel::sql_query(format!(
                "DELETE FROM group_log WHERE group_id = '{group}' AND seq > {keep}"
            ))
            .execute(conn)?;
            diesel::sql_query(format!(
                "UPDATE groups SET next_seq = {} WHERE id = '{group}'",
                keep + 1
            ))
            .execute(conn)?;
            groups::new_log_generation(conn)?;
            Ok(())
        })
        .await?;
    Ok(())
}

/// The log generation a page of the room's team log names (its response header).
async fn page_generation(server: &TestServer, client: &Client, room: RoomId) -> Result<String> {
    let response = server
        .http
        .get(server.at(&format!("/api/v1/groups/{room}%2Fteam/messages?after=0")))
        .bearer_auth(client.session_token().unwrap())
        .send()
        .await?;
    assert_eq!(response.status(), 200);
    let value = response.headers()[kizuna_proto::LOG_GENERATION_HEADER].to_str()?;
    assert_eq!(value.len(), 32, "a random 128-bit ID in hex: {value}");
    Ok(value.to_owned())
}

async fn after_a_restore_clients_reread_and_get_the_post_that_reused_a_seq(kind: DbKind) -> Result<()> {
    let mut s = setup(kind).await?;
    for n in 1..=5 {
        s.doctor
            .post(s.room, Channel::Team, &note(&format!("post {n}")))
            .await?;
    }
    let backup_seq = last_post(&s.server, s.room).await?.seq;
    s.doctor.post(s.room, Channel::Team, &note("lost 6")).await?;
    let lost = s.doctor.post(s.room, Channel::Team, &note("lost 7")).await?;
    let report = s.nurse.sync().await?;
    assert!(!report.restored);
    assert_eq!(texts(&s.nurse, s.room).len(), 7);

    let generation_before = page_generation(&s.server, &s.doctor, s.room).await?;
    restore_backup(&s.server, s.room, backup_seq).await?;
    let generation_after = page_generation(&s.server, &s.doctor, s.room).await?;
    assert_ne!(
        generation_before, generation_after,
        "every page names the generation"
    );
    let reused = s
        .doctor
        .post(s.room, Channel::Team, &note("after the restore"))
        .await?;
    assert!(reused < lost, "the restored log handed out seq {reused} again");

    let nurse_state = s.nurse.state_path().to_owned();
    drop(s.nurse);
    let room = s.room.to_string();
    let (code, out, err) = cli(&args(&nurse_state, &s.server, &["read", &room])).await;
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("restored from a backup") && err.contains("復元"),
        "the person is told: {err}"
    );
    assert!(out.contains("after the restore"), "the new post is shown: {out}");
    for n in 1..=5 {
        assert!(out.contains(&format!("post {n}")), "{out}");
    }
    // Told once: the next read is quiet about it.
    let (code, _, err) = cli(&args(&nurse_state, &s.server, &["read", &room])).await;
    assert_eq!(code, 0);
    assert!(!err.contains("restored"), "{err}");
    Ok(())
}

on_both_databases!(
    the_server_refuses_a_replayed_post_but_not_a_retry,
    a_client_shows_a_replayed_post_once_and_reports_it,
    read_says_no_access_and_reports_tampered_entries,
    after_a_restore_clients_reread_and_get_the_post_that_reused_a_seq,
);
