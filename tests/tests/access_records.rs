//! Access records and the tamper-evident audit log (issue 16), on SQLite and
//! PostgreSQL: a nurse reading a room and downloading a photo leaves records naming
//! her, her device, the room and the range; the facility's administrator sees them
//! (JSON and CSV for Excel) while a nurse and another facility's administrator are
//! refused; `kizuna-ops audit verify` passes an untouched log and names the first bad
//! seq of an edited, inserted or deleted entry; a chain rewritten with recomputed
//! hashes is caught by the signed checkpoint in the blob store.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use std::path::Path;
use std::time::Duration;

use anyhow::Result;
use futures_util::SinkExt;
use kizuna_client::{Channel, Client, NewPhoto, RoomId, RoomRole};
use kizuna_storage::audit::{self, chain, checkpoints, ChainedEvent};
use kizuna_storage::{Db, StorageError};
use kizuna_tests::accounts::{Person, GOOD_PASSWORD};
use kizuna_tests::backup::{text, Deployment};
use kizuna_tests::care::{testdata, FIXTURE_PHOTO};
use kizuna_tests::{on_both_databases, ws, BlobKind, DbKind, TestServer, ORIGIN};
use serde_json::Value;

struct Clinic {
    server: TestServer,
    deployment: Deployment,
    _dir: tempfile::TempDir,
    org: String,
    room: RoomId,
    admin: Person,
    other_admin: Person,
    staff_nurse: Person,
    system_admin: Person,
    nurse: Client,
    photo_blob: String,
}

async fn client(server: &TestServer, dir: &Path, link: &str, login: &str, name: &str) -> Result<Client> {
    let mut person = Client::create(&dir.join(format!("{login}.kizuna")), &server.url, ORIGIN)?;
    person.register(link, login, GOOD_PASSWORD, Some(name)).await?;
    Ok(person)
}

/// A clinic with its administrator, a staff nurse, a doctor's room with a nurse
/// (native client) in it and a photo posted; another facility with its own admin.
async fn clinic(kind: DbKind) -> Result<Clinic> {
    let deployment = Deployment::new(kind)?;
    let configure = deployment.configure();
    let server = TestServer::start_with(kind, BlobKind::Local, move |c| {
        configure(c);
        c.audit_checkpoint_interval_secs = 1;
    })
    .await?;
    let system_admin = server.bootstrap_admin().await?;
    let org = server
        .organisation(&system_admin, "Clinic", "clinic", None)
        .await?;
    let other = server
        .organisation(&system_admin, "Other", "clinic", None)
        .await?;
    let admin = server
        .staff(&system_admin, &org, "admin.clinic", "facility_admin")
        .await?;
    let other_admin = server
        .staff(&system_admin, &other, "admin.other", "facility_admin")
        .await?;
    let staff_nurse = server.staff(&system_admin, &org, "nurse.ito", "nurse").await?;
    let dir = tempfile::tempdir()?;
    let link = server
        .invite_staff(&system_admin, &org, "dr.tanaka", "doctor")
        .await?;
    let mut doctor = client(&server, dir.path(), &link, "dr.tanaka", "田中 一郎").await?;
    let room = doctor.create_room(org.parse()?, "Suzuki-san").await?.id;
    let invitation = doctor.invite(room, "nurse.sato", RoomRole::Professional).await?;
    let mut nurse = client(&server, dir.path(), &invitation.link, "nurse.sato", "佐藤 花子").await?;
    doctor.refresh().await?;
    nurse.sync().await?;
    let (_, sent) = doctor
        .post_photo(
            room,
            Channel::Team,
            NewPhoto {
                original: testdata(FIXTURE_PHOTO),
                caption: "褥瘡 / pressure sore".into(),
                ..NewPhoto::default()
            },
        )
        .await?;
    let photo = sent.photo.expect("a photo post");
    // The nurse reads the room and opens the photo.
    nurse.sync().await?;
    assert!(!nurse.fetch_attachment(&photo.image).await?.is_empty());
    Ok(Clinic {
        server,
        deployment,
        _dir: dir,
        org,
        room,
        admin,
        other_admin,
        staff_nurse,
        system_admin,
        nurse,
        photo_blob: photo.image.blob.to_string(),
    })
}

async fn all_entries(db: &Db) -> Result<Vec<ChainedEvent>> {
    Ok(db.run(|conn| audit::chain_page(conn, 0, 100_000)).await?)
}

fn detail(e: &ChainedEvent) -> Value {
    serde_json::from_str(e.event.detail.as_deref().unwrap_or("null")).unwrap()
}

async fn reads_and_downloads_are_recorded_with_device_room_and_range(kind: DbKind) -> Result<()> {
    let c = clinic(kind).await?;
    let nurse_id = c.nurse.user_id().unwrap();
    let device = c.nurse.device_id().unwrap();
    let entries = all_entries(&c.server.db).await?;
    let mine = |action: &str| -> Vec<&ChainedEvent> {
        entries
            .iter()
            .filter(|e| e.event.action == action && e.event.actor == Some(nurse_id))
            .collect()
    };
    let reads = mine("room.read");
    assert!(!reads.is_empty(), "the nurse's reads are recorded");
    for read in &reads {
        assert_eq!(read.scope.device, Some(device), "her device");
        assert_eq!(read.scope.room, Some(c.room), "the room");
        assert_eq!(read.event.target_id.as_deref(), Some(c.room.to_string().as_str()));
    }
    // One of her reads covered the photo post: a range from..=to in the team channel.
    let team_reads: Vec<Value> = reads
        .iter()
        .map(|r| detail(r))
        .filter(|d| d["channel"] == "team")
        .collect();
    assert!(
        team_reads
            .iter()
            .any(|d| d["from"].as_i64().unwrap() >= 1 && d["to"].as_i64().is_some()),
        "{team_reads:?}"
    );
    assert!(team_reads.iter().all(|d| d["device"] == device.to_string()
        && d["group"].as_str().unwrap().starts_with(&c.room.to_string())));

    let downloads = mine("blob.download");
    assert_eq!(downloads.len(), 1, "one download, one record");
    assert_eq!(downloads[0].scope.device, Some(device));
    assert_eq!(downloads[0].scope.room, Some(c.room));
    assert_eq!(detail(downloads[0])["blob"], c.photo_blob.as_str());

    // A WebSocket subscription is recorded once, with the seq it starts from.
    let token = c.nurse.session_token().unwrap().to_owned();
    let mut socket = ws::connect_after_hello(&c.server.url, &token).await?;
    let group = format!("{}/team", c.room);
    let frame = serde_json::json!({"type": "subscribe", "group_id": group, "after": 1});
    socket
        .send(tokio_tungstenite::tungstenite::Message::Text(
            frame.to_string().into(),
        ))
        .await?;
    ws::wait_for(&mut socket, "entry").await.expect("the backlog");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let after = all_entries(&c.server.db).await?;
    let subscriptions: Vec<Value> = after
        .iter()
        .filter(|e| e.event.action == "room.read" && detail(e)["via"] == "websocket")
        .map(detail)
        .collect();
    assert_eq!(subscriptions.len(), 1, "{subscriptions:?}");
    assert_eq!(subscriptions[0]["from"], 2);
    assert!(subscriptions[0]["to"].is_null());
    c.server.stop().await;
    Ok(())
}

async fn csv_bytes(server: &TestServer, path: &str, token: &str) -> Result<(u16, Vec<u8>)> {
    let response = server.http.get(server.at(path)).bearer_auth(token).send().await?;
    Ok((response.status().as_u16(), response.bytes().await?.to_vec()))
}

async fn the_facility_admin_sees_the_history_and_no_one_else(kind: DbKind) -> Result<()> {
    let c = clinic(kind).await?;
    let nurse_id = c.nurse.user_id().unwrap();
    let by_person = format!("/api/v1/organisations/{}/access?person={nurse_id}", c.org);
    let (status, page) = c.server.get(&by_person, Some(&c.admin.token)).await?;
    assert_eq!(status, 200, "{page}");
    let entries = page["entries"].as_array().unwrap();
    let download = entries
        .iter()
        .find(|e| e["action"] == "blob.download")
        .expect("the download is listed");
    assert_eq!(download["person"]["name"], "佐藤 花子");
    assert_eq!(download["device"]["id"], c.nurse.device_id().unwrap().to_string());
    assert!(!download["device"]["name"].as_str().unwrap().is_empty());
    assert_eq!(download["room"], c.room.to_string());
    assert_eq!(download["blob"], c.photo_blob.as_str());
    assert_eq!(download["action_ja"], "写真・ファイルを取得");
    assert!(entries
        .iter()
        .any(|e| e["action"] == "room.read" && e["channel"] == "team"));
    assert!(entries.iter().all(|e| e["person"]["id"] == nurse_id.to_string()));

    // By room: the doctor's reads show too; a date filter in the future finds nothing.
    let by_room = format!("/api/v1/organisations/{}/access?room={}", c.org, c.room);
    let (status, page) = c.server.get(&by_room, Some(&c.admin.token)).await?;
    assert_eq!(status, 200);
    assert!(page["entries"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["person"]["name"] == "田中 一郎"));
    let future = format!("{by_room}&from=2099-01-01");
    let (_, page) = c.server.get(&future, Some(&c.admin.token)).await?;
    assert_eq!(page["entries"].as_array().unwrap().len(), 0);
    let (status, _) = c
        .server
        .get(&format!("{by_room}&from=01/01/2026"), Some(&c.admin.token))
        .await?;
    assert_eq!(status, 422);

    // The system administrator may look; a nurse and another facility's admin may not.
    let (status, _) = c.server.get(&by_person, Some(&c.system_admin.token)).await?;
    assert_eq!(status, 200);
    for (who, token) in [
        ("a nurse", &c.staff_nurse.token),
        ("another facility's admin", &c.other_admin.token),
        (
            "the nurse in the room",
            &c.nurse.session_token().unwrap().to_owned(),
        ),
    ] {
        for path in [
            by_person.clone(),
            by_room.clone(),
            format!("/api/v1/organisations/{}/access.csv", c.org),
        ] {
            let (status, _) = c.server.get(&path, Some(token)).await?;
            assert_eq!(status, 403, "{who}: {path}");
        }
    }

    // CSV for Excel: BOM, a bilingual header, names and actions in words.
    let csv_path = format!("/api/v1/organisations/{}/access.csv?person={nurse_id}", c.org);
    let (status, bytes) = csv_bytes(&c.server, &csv_path, &c.admin.token).await?;
    assert_eq!(status, 200);
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF", "UTF-8 BOM for Excel");
    let csv = String::from_utf8(bytes[3..].to_vec())?;
    let mut lines = csv.lines();
    assert!(lines
        .next()
        .unwrap()
        .starts_with("日時 / When,氏名 / Person,端末 / Device"));
    assert!(
        csv.contains("佐藤 花子") && csv.contains("写真・ファイルを取得 / Downloaded a photo or file"),
        "{csv}"
    );
    assert!(csv.contains(&c.photo_blob));

    // Looking is itself audited.
    let entries = all_entries(&c.server.db).await?;
    assert!(entries.iter().any(|e| e.event.action == "access.viewed"));
    assert!(entries.iter().any(|e| e.event.action == "access.exported"));
    c.server.stop().await;
    Ok(())
}

fn verify(deployment: &Deployment) -> Result<(i32, String)> {
    let out = deployment.ops(&["audit", "verify"])?;
    Ok((
        out.status.code().unwrap_or(-1),
        format!("{}{}[{}]", text(&out.stdout), text(&out.stderr), out.status),
    ))
}

async fn sql(db: &Db, statement: String) -> Result<()> {
    db.run(move |conn| {
        use diesel::RunQueryDsl;
        diesel::sql_query(statement)
            .execute(conn)
            .map_err(StorageError::from)
    })
    .await?;
    Ok(())
}

async fn drop_triggers(db: &Db, kind: DbKind) -> Result<()> {
    match kind {
        DbKind::Sqlite => {
            sql(db, "DROP TRIGGER audit_log_no_update".into()).await?;
            sql(db, "DROP TRIGGER audit_log_no_delete".into()).await
        }
        DbKind::Postgres => sql(db, "DROP TRIGGER audit_log_no_update ON audit_log".into()).await,
    }
}

fn quoted(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// Waits until the blob store holds a signed checkpoint at the chain's head.
async fn checkpoint_at_head(server: &TestServer) -> Result<i64> {
    for _ in 0..100 {
        let head = server.db.run(chain::head).await?;
        let names = checkpoints::list(&server.blobs).await?;
        if names.contains(&checkpoints::key_for(head.seq)) {
            assert!(checkpoints::get(&server.blobs, checkpoints::PUBLIC_KEY)
                .await?
                .is_some());
            return Ok(head.seq);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    anyhow::bail!("no checkpoint was written")
}

async fn tampering_is_found_with_its_seq(kind: DbKind) -> Result<()> {
    let c = clinic(kind).await?;
    let checkpointed = checkpoint_at_head(&c.server).await?;
    let db = c.server.db.clone();
    let (code, out) = verify(&c.deployment)?;
    assert_eq!(code, 0, "an untouched log verifies: {out}");
    assert!(out.contains("intact") && out.contains("正常"), "{out}");

    let entries = all_entries(&db).await?;
    let download = entries
        .iter()
        .find(|e| e.event.action == "blob.download")
        .unwrap();
    let k = download.seq;
    let original = download.event.detail.clone().unwrap();
    drop_triggers(&db, kind).await?;

    // An edited entry.
    sql(
        &db,
        format!("UPDATE audit_log SET detail = '{{}}' WHERE seq = {k}"),
    )
    .await?;
    let (code, out) = verify(&c.deployment)?;
    assert_eq!(code, 65, "{out}");
    assert!(out.contains(&format!("first bad seq: {k}\n")), "{out}");
    assert!(out.contains("改ざん") && out.contains("edited"), "{out}");
    sql(
        &db,
        format!(
            "UPDATE audit_log SET detail = {} WHERE seq = {k}",
            quoted(&original)
        ),
    )
    .await?;
    assert_eq!(verify(&c.deployment)?.0, 0, "restored exactly, it verifies again");

    // An inserted entry, at the end with a made-up hash, or without a seq.
    let head = db.run(chain::head).await?.seq;
    let insert = |seq: String| {
        format!(
            "INSERT INTO audit_log (id, at, action, outcome, seq, hash) VALUES ('{}', 1, 'room.read', 'success', {seq}, 'ab')",
            uuid::Uuid::new_v4()
        )
    };
    sql(&db, insert((head + 1).to_string())).await?;
    let (code, out) = verify(&c.deployment)?;
    assert_eq!(code, 65, "{out}");
    assert!(out.contains(&format!("first bad seq: {}\n", head + 1)), "{out}");
    sql(&db, format!("DELETE FROM audit_log WHERE seq = {}", head + 1)).await?;
    sql(&db, insert("NULL".into())).await?;
    let (code, out) = verify(&c.deployment)?;
    assert_eq!(code, 65, "{out}");
    assert!(out.contains("inserted") && out.contains("挿入"), "{out}");
    sql(&db, "DELETE FROM audit_log WHERE seq IS NULL".into()).await?;
    assert_eq!(verify(&c.deployment)?.0, 0);

    // A chain rewritten from the edit on, hashes recomputed and head moved: only the
    // signed checkpoint shows it.
    assert!(k <= checkpointed);
    let mut prev = entries
        .iter()
        .find(|e| e.seq == k - 1)
        .and_then(|e| e.hash.clone())
        .unwrap_or_else(|| chain::GENESIS.into());
    for mut e in all_entries(&db).await?.into_iter().filter(|e| e.seq >= k) {
        if e.seq == k {
            e.event.detail = Some("{}".into());
        }
        let hash = chain::entry_hash(&prev, e.seq, &e.event, &e.scope);
        let detail = e.event.detail.as_deref().map_or("NULL".into(), quoted);
        sql(
            &db,
            format!(
                "UPDATE audit_log SET detail = {detail}, hash = '{hash}' WHERE seq = {}",
                e.seq
            ),
        )
        .await?;
        prev = hash;
    }
    sql(
        &db,
        format!("UPDATE audit_chain_head SET hash = '{prev}' WHERE id = 1"),
    )
    .await?;
    let (code, out) = verify(&c.deployment)?;
    assert_eq!(code, 65, "{out}");
    assert!(
        out.contains("checkpoint") && out.contains("チェックポイント"),
        "{out}"
    );

    // A deleted entry.
    let victim = k - 1;
    sql(&db, format!("DELETE FROM audit_log WHERE seq = {victim}")).await?;
    let (code, out) = verify(&c.deployment)?;
    assert_eq!(code, 65, "{out}");
    assert!(
        out.contains(&format!("first bad seq: {victim}\n")) && out.contains("deleted"),
        "{out}"
    );
    c.server.stop().await;
    Ok(())
}

on_both_databases!(
    reads_and_downloads_are_recorded_with_device_room_and_range,
    the_facility_admin_sees_the_history_and_no_one_else,
    tampering_is_found_with_its_seq,
);
