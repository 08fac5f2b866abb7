//! Closing a room and keeping its records for the legal period (issue 16): a closed
//! room is read-only for its members; only its leads and the facility's
//! administrator close it; the administrator sets the retention period and legal
//! holds; the daily job erases a closed room past its retention (its log, its
//! attachments in the blob store, its state; on SQLite the ciphertext is not left
//! in the database file), leaves held rooms and rooms within retention alone, and
//! writes `room.deleted` to the audit log.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use kizuna_client::{Channel, Client, ContentType, PostEnvelope, RoomId, RoomRole};
use kizuna_proto::Redacted;
use kizuna_server::config::Config;
use kizuna_storage::{audit, groups};
use kizuna_tests::accounts::{Person, GOOD_PASSWORD};
use kizuna_tests::{on_both_databases, BlobKind, DbKind, TestServer, ORIGIN};
use serde_json::{json, Value};
use tempfile::TempDir;

const DAY: Duration = Duration::from_secs(24 * 60 * 60);

/// A facility with its administrator, a room owned by a doctor with a nurse and a
/// family member in it, and another facility's administrator.
struct Facility {
    server: TestServer,
    _dir: TempDir,
    /// The SQLite file, when the facility runs on SQLite.
    sqlite_file: Option<String>,
    org: String,
    admin: Person,
    other_admin: Person,
    room: RoomId,
    doctor: Client,
    nurse: Client,
    family: Client,
}

async fn person(server: &TestServer, dir: &Path, link: &str, name: &str) -> Result<Client> {
    let mut client = Client::create(&dir.join(format!("{name}.kizuna")), &server.url, ORIGIN)?;
    client.register(link, name, GOOD_PASSWORD, None).await?;
    Ok(client)
}

impl Facility {
    async fn start(db: DbKind, adjust: impl FnOnce(&mut Config)) -> Result<Self> {
        let dir = tempfile::tempdir()?;
        // On SQLite, a database file of the test's own, to scan after erasing.
        let sqlite_file = (db == DbKind::Sqlite).then(|| dir.path().join("kizuna.db").display().to_string());
        let url = sqlite_file.as_ref().map(|file| format!("sqlite://{file}"));
        let server = TestServer::start_with(db, BlobKind::Local, |c| {
            if let Some(url) = url {
                c.database_url = Some(Redacted::new(url));
            }
            // Sessions outlive the years the tests move the clock by.
            c.session_idle_minutes = 10 * 366 * 24 * 60;
            c.session_absolute_hours = 10 * 366 * 24;
            adjust(c);
        })
        .await?;
        let root = server.bootstrap_admin().await?;
        let org = server.organisation(&root, "Clinic", "clinic", None).await?;
        let other = server.organisation(&root, "Other clinic", "clinic", None).await?;
        let admin = server
            .staff(&root, &org, "admin.clinic", "facility_admin")
            .await?;
        let other_admin = server
            .staff(&root, &other, "admin.other", "facility_admin")
            .await?;
        let link = server.invite_staff(&root, &org, "dr.tanaka", "doctor").await?;
        let mut doctor = person(&server, dir.path(), &link, "dr.tanaka").await?;
        let room = doctor.create_room(org.parse()?, "Suzuki-san").await?.id;
        let invitation = doctor.invite(room, "nurse.sato", RoomRole::Professional).await?;
        let mut nurse = person(&server, dir.path(), &invitation.link, "nurse.sato").await?;
        let invitation = doctor.invite(room, "family.suzuki", RoomRole::Family).await?;
        let mut family = person(&server, dir.path(), &invitation.link, "family.suzuki").await?;
        let report = doctor.refresh().await?;
        anyhow::ensure!(report.problems.is_empty(), "{:?}", report.problems);
        nurse.sync().await?;
        family.sync().await?;
        Ok(Self {
            server,
            _dir: dir,
            sqlite_file,
            org,
            admin,
            other_admin,
            room,
            doctor,
            nurse,
            family,
        })
    }
}

fn token(client: &Client) -> Option<&str> {
    client.session_token()
}

async fn put(server: &TestServer, path: &str, token: Option<&str>, body: Value) -> Result<(u16, Value)> {
    let mut request = server.http.put(server.at(path)).json(&body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    kizuna_tests::accounts::answer(request.send().await?).await
}

fn note(text: &str) -> PostEnvelope {
    PostEnvelope::new(ContentType::Note, text)
}

fn code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or("")
}

/// The room as `client` sees it in their room list, if it is there.
async fn listed(server: &TestServer, client: &Client, room: RoomId) -> Result<Option<Value>> {
    let (status, rooms) = server.get("/api/v1/rooms", token(client)).await?;
    assert_eq!(status, 200, "{rooms}");
    let id = room.to_string();
    Ok(rooms
        .as_array()
        .context("list")?
        .iter()
        .find(|r| r["id"] == id.as_str())
        .cloned())
}

/// The stored ciphertext of a channel's posts and era keys, as its member fetches it.
async fn log_bodies(
    server: &TestServer,
    client: &Client,
    room: RoomId,
    channel: &str,
) -> Result<Vec<Vec<u8>>> {
    let group = format!("{room}%2F{channel}");
    let (status, entries) = server
        .get(&format!("/api/v1/groups/{group}/messages?after=0"), token(client))
        .await?;
    assert_eq!(status, 200, "{entries}");
    // Posts and era keys: what the room says. (A commit also carries the public key
    // packages of the devices it adds, which stay with those devices.)
    entries
        .as_array()
        .context("entries")?
        .iter()
        .filter(|e| e["kind"] != "commit")
        .map(|e| Ok(STANDARD.decode(e["body"].as_str().context("body")?)?))
        .collect()
}

async fn closing_makes_a_room_read_only(db: DbKind) -> Result<()> {
    let mut f = Facility::start(db, |_| {}).await?;
    let (server, room) = (&f.server, f.room);
    f.nurse.post(room, Channel::Team, &note("before closing")).await?;
    let close = format!("/api/v1/rooms/{room}/close");
    let hold = format!("/api/v1/rooms/{room}/hold");
    let retention = format!("/api/v1/organisations/{}/retention", f.org);

    // Wrong roles: a nurse who is not the owner, the family, another facility's
    // administrator. Nothing changes.
    let wrong = [
        ("nurse", token(&f.nurse)),
        ("family", token(&f.family)),
        ("other facility's admin", Some(f.other_admin.token.as_str())),
    ];
    for (who, t) in wrong {
        let (status, body) = server.post(&close, t, json!({ "reason": "moved" })).await?;
        assert_eq!(status, 403, "{who} closing: {body}");
        let (status, body) = put(server, &retention, t, json!({ "years": 2 })).await?;
        assert_eq!(status, 403, "{who} setting retention: {body}");
        let (status, body) = server.get(&retention, t).await?;
        assert_eq!(status, 403, "{who} reading retention: {body}");
        let (status, body) = put(server, &hold, t, json!({ "reason": "訴訟対応" })).await?;
        assert_eq!(status, 403, "{who} placing a hold: {body}");
        let (status, body) = server.delete(&hold, t).await?;
        assert_eq!(status, 403, "{who} lifting a hold: {body}");
        let (status, body) = server
            .post(&format!("/api/v1/rooms/{room}/reopen"), t, json!({}))
            .await?;
        assert_eq!(status, 403, "{who} reopening: {body}");
    }
    let (status, body) = server
        .post(&close, token(&f.doctor), json!({ "reason": "asleep" }))
        .await?;
    assert_eq!(status, 400, "an unknown reason: {body}");
    assert!(listed(server, &f.nurse, room).await?.context("listed")?["closed_at"].is_null());

    // The owner closes it.
    let (status, closed) = server
        .post(&close, token(&f.doctor), json!({ "reason": "moved" }))
        .await?;
    assert_eq!(status, 200, "{closed}");
    assert_eq!(closed["closed_reason"], "moved");
    assert_eq!(closed["retention_years"], 5);
    let (status, again) = server
        .post(&close, token(&f.doctor), json!({ "reason": "moved" }))
        .await?;
    assert_eq!((status, code(&again)), (409, "room_closed"));

    // Read-only: posting, uploading, inviting, removing are refused with the error.
    let refused = f
        .nurse
        .post(room, Channel::Team, &note("after closing"))
        .await
        .expect_err("a post to a closed room");
    assert_eq!((refused.status(), refused.code()), (Some(409), "room_closed"));
    let (en, ja) = refused.messages();
    assert!(en.contains("read-only") && ja.contains("閲覧のみ"), "{en} / {ja}");
    let refused = f
        .nurse
        .upload_attachment(room, Channel::Team, b"a file", "text/plain")
        .await
        .expect_err("an upload to a closed room");
    assert_eq!(refused.code(), "room_closed");
    let refused = f
        .doctor
        .invite(room, "volunteer", RoomRole::Volunteer)
        .await
        .expect_err("an invitation into a closed room");
    assert_eq!(refused.code(), "room_closed");
    let nurse_id = f.nurse.user_id().context("nurse id")?;
    let (status, body) = server
        .delete(
            &format!("/api/v1/rooms/{room}/members/{nurse_id}"),
            token(&f.doctor),
        )
        .await?;
    assert_eq!((status, code(&body)), (409, "room_closed"));

    // Reading still works, for every member; the room list says it is closed.
    let bodies = log_bodies(server, &f.nurse, room, "team").await?;
    assert!(!bodies.is_empty());
    f.family.sync().await?;
    let report = f.doctor.sync().await?;
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert!(f
        .doctor
        .read(room, Channel::Team)
        .iter()
        .any(|p| p.envelope.body == "before closing"));
    let seen = listed(server, &f.family, room).await?.context("listed")?;
    assert!(seen["closed_at"].as_i64().is_some(), "{seen}");
    assert_eq!(seen["closed_reason"], "moved");

    // The facility's administrator reopens it; posting works again; they close it.
    let (status, body) = server
        .post(
            &format!("/api/v1/rooms/{room}/reopen"),
            Some(&f.admin.token),
            json!({}),
        )
        .await?;
    assert_eq!(status, 200, "{body}");
    assert!(body["closed_at"].is_null());
    f.nurse.post(room, Channel::Team, &note("reopened")).await?;
    let (status, body) = server
        .post(&close, Some(&f.admin.token), json!({ "reason": "deceased" }))
        .await?;
    assert_eq!(status, 200, "{body}");

    let actions = audit_actions(server, &room.to_string()).await?;
    for action in ["room.closed", "room.reopened"] {
        assert!(actions.iter().any(|a| a == action), "{action} in {actions:?}");
    }
    server_stop(f).await;
    Ok(())
}

async fn server_stop(f: Facility) {
    f.server.stop().await;
}

/// The audit actions recorded about `target` (newest first).
async fn audit_actions(server: &TestServer, target: &str) -> Result<Vec<String>> {
    Ok(audit_records(server, target)
        .await?
        .into_iter()
        .map(|(action, _)| action)
        .collect())
}

async fn audit_records(server: &TestServer, target: &str) -> Result<Vec<(String, String)>> {
    let target = target.to_owned();
    let events = server.db.run(|conn| audit::recent(conn, 500)).await?;
    Ok(events
        .into_iter()
        .filter(|e| e.target_id.as_deref() == Some(target.as_str()))
        .map(|e| (e.action, e.detail.unwrap_or_default()))
        .collect())
}

/// Slices of each ciphertext, to look for in the database file afterwards.
fn needles(bodies: &[Vec<u8>]) -> Vec<Vec<u8>> {
    bodies
        .iter()
        .filter(|b| b.len() >= 96)
        .map(|b| b[b.len() / 2..b.len() / 2 + 48].to_vec())
        .collect()
}

fn database_holds(server_db_file: &str, needle: &[u8]) -> bool {
    let mut bytes = std::fs::read(server_db_file).unwrap_or_default();
    bytes.extend(std::fs::read(format!("{server_db_file}-wal")).unwrap_or_default());
    bytes.windows(needle.len()).any(|w| w == needle)
}

async fn log_rows(server: &TestServer, room: RoomId) -> Result<usize> {
    let mut rows = 0;
    for channel in ["team", "family"] {
        let group = format!("{room}/{channel}");
        rows += server
            .db
            .run(move |conn| groups::entries_after(conn, &group, 0, 10_000))
            .await?
            .len();
    }
    Ok(rows)
}

async fn deleted_at(server: &TestServer, admin: &Person, org: &str, room: RoomId) -> Result<Value> {
    let (status, facility) = server
        .get(
            &format!("/api/v1/organisations/{org}/retention"),
            Some(&admin.token),
        )
        .await?;
    assert_eq!(status, 200, "{facility}");
    let id = room.to_string();
    let found = facility["rooms"]
        .as_array()
        .context("rooms")?
        .iter()
        .find(|r| r["room_id"] == id.as_str())
        .context("the room is listed")?;
    Ok(found["deleted_at"].clone())
}

/// Waits (the job runs every second) until `room` is erased.
async fn until_erased(f: &Facility, room: RoomId) -> Result<()> {
    for _ in 0..150 {
        if !deleted_at(&f.server, &f.admin, &f.org, room).await?.is_null() {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    anyhow::bail!("room {room} was not erased in 30 s")
}

async fn the_job_erases_rooms_past_their_retention(db: DbKind) -> Result<()> {
    let mut f = Facility::start(db, |c| c.retention_sweep_interval_secs = 1).await?;
    let server = &f.server;
    let retention = format!("/api/v1/organisations/{}/retention", f.org);
    let (status, body) = put(server, &retention, Some(&f.admin.token), json!({ "years": 7 })).await?;
    assert_eq!((status, code(&body)), (422, "invalid_input"));
    let (status, body) = put(server, &retention, Some(&f.admin.token), json!({ "years": 2 })).await?;
    assert_eq!((status, body["years"].as_i64()), (200, Some(2)), "{body}");
    let changed = audit_records(server, &f.org).await?;
    assert!(changed
        .iter()
        .any(|(a, d)| a == "retention.changed" && d.contains("\"to_years\":2")));

    // The room to erase: posts in both channels and an attachment.
    let room = f.room;
    let file = f
        .nurse
        .upload_attachment(room, Channel::Team, b"wound photo, encrypted", "text/plain")
        .await?;
    f.nurse
        .post_with(room, Channel::Team, &note("創部の写真"), None, &[file.blob])
        .await?;
    f.family.post(room, Channel::Family, &note("家族より")).await?;
    f.doctor.post(room, Channel::Team, &note("訪問記録")).await?;
    let mut bodies = log_bodies(server, &f.doctor, room, "team").await?;
    bodies.extend(log_bodies(server, &f.doctor, room, "family").await?);
    let needles = needles(&bodies);
    assert!(needles.len() >= 3, "{} ciphertexts", needles.len());
    let sqlite_file = f.sqlite_file.clone();
    if let Some(file) = &sqlite_file {
        assert!(
            needles.iter().any(|n| database_holds(file, n)),
            "the scan finds the ciphertext while it is stored"
        );
    }

    // A room on legal hold, and one closed later (within its retention).
    let held = f.doctor.create_room(f.org.parse()?, "Held").await?.id;
    f.doctor.post(held, Channel::Team, &note("保全対象")).await?;
    for (r, reason) in [(room, "moved"), (held, "deceased")] {
        let (status, body) = server
            .post(
                &format!("/api/v1/rooms/{r}/close"),
                token(&f.doctor),
                json!({ "reason": reason }),
            )
            .await?;
        assert_eq!(status, 200, "{body}");
    }
    let (status, body) = put(
        server,
        &format!("/api/v1/rooms/{held}/hold"),
        Some(&f.admin.token),
        json!({ "reason": "" }),
    )
    .await?;
    assert_eq!((status, code(&body)), (422, "invalid_input"));
    let (status, body) = put(
        server,
        &format!("/api/v1/rooms/{held}/hold"),
        Some(&f.admin.token),
        json!({ "reason": "訴訟対応のため保全 / litigation hold" }),
    )
    .await?;
    assert_eq!(status, 204, "{body}");

    server.advance(DAY * 400);
    let within = f.doctor.create_room(f.org.parse()?, "Within").await?.id;
    f.doctor
        .post(within, Channel::Team, &note("まだ保存期間内"))
        .await?;
    let (status, body) = server
        .post(
            &format!("/api/v1/rooms/{within}/close"),
            token(&f.doctor),
            json!({ "reason": "other" }),
        )
        .await?;
    assert_eq!(status, 200, "{body}");
    // The first room's two years (and a day) have passed; the last one's have not.
    server.advance(DAY * (2 * 366 - 400 + 1));
    until_erased(&f, room).await?;

    // The erased room: no log, no attachment in the blob store, no member sees it.
    assert_eq!(log_rows(server, room).await?, 0);
    let rid = room;
    assert!(server
        .db
        .run(move |conn| groups::for_channel(conn, rid, kizuna_proto::Channel::Team))
        .await?
        .is_none());
    // The bytes go once the erasing transaction has committed.
    let mut stored = true;
    for _ in 0..150 {
        stored = server.blobs.ids().await?.contains(&file.blob);
        if !stored {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(!stored, "the attachment is gone from the blob store");
    assert!(listed(server, &f.nurse, room).await?.is_none());
    let (status, _) = server
        .get(
            &format!("/api/v1/groups/{room}%2Fteam/messages?after=0"),
            token(&f.doctor),
        )
        .await?;
    assert_eq!(status, 404);
    if let Some(file) = &sqlite_file {
        for needle in &needles {
            assert!(
                !database_holds(file, needle),
                "a deleted ciphertext is still in the SQLite file"
            );
        }
    }
    if db == DbKind::Postgres {
        server.assert_database_holds_none(&needles)?;
    }
    let records = audit_records(server, &room.to_string()).await?;
    let (_, detail) = records
        .iter()
        .find(|(a, _)| a == "room.deleted")
        .context("room.deleted is audited")?;
    let detail: Value = serde_json::from_str(detail)?;
    assert_eq!(detail["retention_years"], 2);
    assert_eq!(detail["blobs"], 1);
    assert!(detail["log_entries"].as_i64().unwrap_or(0) >= 4, "{detail}");
    assert!(detail["log_bytes"].as_i64().unwrap_or(0) > 0, "{detail}");
    assert!(detail["closed_at"].as_i64().is_some(), "{detail}");

    // The held room and the room within retention are kept, and still readable.
    for kept in [held, within] {
        assert!(log_rows(server, kept).await? > 0);
        assert!(deleted_at(server, &f.admin, &f.org, kept).await?.is_null());
        let seen = listed(server, &f.doctor, kept).await?.context("still listed")?;
        assert!(seen["closed_at"].as_i64().is_some());
    }
    assert!(!audit_actions(server, &held.to_string())
        .await?
        .iter()
        .any(|a| a == "room.deleted"));

    // Lifting the hold (audited) lets the job erase it too.
    let (status, body) = server
        .delete(&format!("/api/v1/rooms/{held}/hold"), Some(&f.admin.token))
        .await?;
    assert_eq!(status, 204, "{body}");
    until_erased(&f, held).await?;
    let actions = audit_actions(server, &held.to_string()).await?;
    for action in ["room.hold_placed", "room.hold_lifted", "room.deleted"] {
        assert!(actions.iter().any(|a| a == action), "{action} in {actions:?}");
    }
    // A deleted room cannot be reopened or held again.
    let (status, _) = server
        .post(
            &format!("/api/v1/rooms/{room}/reopen"),
            Some(&f.admin.token),
            json!({}),
        )
        .await?;
    assert_eq!(status, 404);
    assert!(
        log_rows(server, within).await? > 0,
        "the room within retention is kept"
    );
    server_stop(f).await;
    Ok(())
}

on_both_databases!(
    closing_makes_a_room_read_only,
    the_job_erases_rooms_past_their_retention
);
