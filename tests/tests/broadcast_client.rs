//! Regional broadcasts through the native client and its `kizuna broadcast` CLI
//! (issue 14), end to end on SQLite and PostgreSQL: an association's broadcast
//! officer publishes the roster and sends an emergency notice from the client; a
//! nurse in a clinic under the association reads it as official, acknowledges it,
//! and sees a notice the server altered marked as not official, in both languages.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use std::path::Path;

use anyhow::Result;
use diesel::RunQueryDsl;
use kizuna_client::cli::{run, Io};
use kizuna_client::{
    BroadcastImage, Channel, Client, ContentType, NewBroadcast, OrganisationId, ReceiptState, RoomRole,
    Severity, Standing,
};
use kizuna_proto::{SafetyNeed, SafetyStatus};
use kizuna_storage::StorageError;
use kizuna_tests::accounts::{Person, GOOD_PASSWORD};
use kizuna_tests::care::testdata;
use kizuna_tests::scan::needles;
use kizuna_tests::{on_both_databases, BlobKind, DbKind, TestServer, ORIGIN};
use serde_json::Value;
use tempfile::TempDir;

struct Region {
    server: TestServer,
    dir: TempDir,
    association: OrganisationId,
    clinic: OrganisationId,
    system: Person,
    officer: Client,
    nurse: Client,
}

fn state_path(dir: &Path, name: &str) -> std::path::PathBuf {
    dir.join(format!("{name}.kizuna"))
}

async fn person(server: &TestServer, dir: &Path, link: &str, login_id: &str) -> Result<Client> {
    let mut client = Client::create(&state_path(dir, login_id), &server.url, ORIGIN)?;
    client.register(link, login_id, GOOD_PASSWORD, None).await?;
    Ok(client)
}

async fn region(kind: DbKind) -> Result<Region> {
    let server = TestServer::start(kind, BlobKind::Local).await?;
    let system = server.bootstrap_admin().await?;
    let association = server
        .organisation(&system, "みなみ県医師会", "association", None)
        .await?;
    let clinic = server
        .organisation(&system, "みなみ診療所", "clinic", Some(&association))
        .await?;
    let admin = server
        .staff(&system, &association, "office.ito", "officer")
        .await?;
    let dir = tempfile::tempdir()?;
    let link = server
        .invite_staff(&admin, &association, "bo.suzuki", "broadcast_officer")
        .await?;
    let officer = person(&server, dir.path(), &link, "bo.suzuki").await?;
    let link = server
        .invite_staff(&system, &clinic, "nurse.sato", "nurse")
        .await?;
    let nurse = person(&server, dir.path(), &link, "nurse.sato").await?;
    Ok(Region {
        association: association.parse()?,
        clinic: clinic.parse()?,
        system,
        server,
        dir,
        officer,
        nurse,
    })
}

fn flood_warning() -> NewBroadcast {
    NewBroadcast {
        severity: Severity::Emergency,
        title: "避難指示：みなみ川流域".into(),
        area: "みなみ市 みなみ川 流域".into(),
        body: "利用者の避難状況を確認し、安否を報告してください。".into(),
        valid_for_hours: 12,
        safety_check: true,
        include_families: false,
        image: None,
    }
}

/// Runs the CLI on `state`; (exit code 0?, stdout, stderr).
async fn cli(state: &Path, args: &[&str]) -> (bool, String, String) {
    let mut argv = vec!["kizuna", "--state", state.to_str().unwrap()];
    argv.extend_from_slice(args);
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    let mut stdin: &[u8] = b"";
    let code = run(
        argv,
        &mut Io {
            stdin: &mut stdin,
            stdout: &mut stdout,
            stderr: &mut stderr,
            password_env: None,
        },
    )
    .await;
    (
        code == std::process::ExitCode::SUCCESS,
        String::from_utf8(stdout).unwrap(),
        String::from_utf8(stderr).unwrap(),
    )
}

async fn an_officer_sends_from_the_client_and_a_nurse_reads_it_as_official(kind: DbKind) -> Result<()> {
    let Region {
        server,
        dir,
        association,
        mut officer,
        mut nurse,
        ..
    } = region(kind).await?;

    // Before the roster exists the server refuses the notice: nobody is on it yet.
    let refused = officer
        .send_broadcast(association, flood_warning())
        .await
        .unwrap_err();
    assert_eq!(refused.code(), "broadcast_signer_unknown", "{refused:?}");

    let me = officer.officer()?;
    let pinned = officer.publish_roster(association, vec![me]).await?;
    assert!(
        matches!(&pinned, kizuna_client::RosterReport::Pinned { officers, .. } if officers == &vec![officer.officer()?]),
        "{pinned:?}"
    );
    let id = officer.send_broadcast(association, flood_warning()).await?;

    // The nurse has pinned nothing yet: reading the list pins the roster on the way.
    let notices = nurse.broadcasts().await?;
    assert_eq!(notices.len(), 1);
    let notice = &notices[0];
    assert_eq!(notice.id, id);
    assert_eq!(
        notice.view.standing,
        Standing::Official,
        "{:?}",
        notice.view.warning
    );
    let content = notice.view.broadcast.as_ref().unwrap();
    assert_eq!(
        (content.severity, content.title.as_str()),
        (Severity::Emergency, "避難指示：みなみ川流域")
    );
    assert_eq!(notice.view.officer, Some(officer.officer()?));
    assert!(notice.receipt.delivered_at.is_some());
    assert!(nurse
        .sync_roster(association)
        .await?
        .iter()
        .all(|r| matches!(r, kizuna_client::RosterReport::Unchanged { version: 1 })));

    nurse.mark_broadcast(id, ReceiptState::Acknowledged).await?;
    assert!(nurse.broadcasts().await?[0].receipt.acknowledged_at.is_some());

    // The CLI says the same, and its JSON carries the verdict.
    let nurse_state = state_path(dir.path(), "nurse.sato");
    drop(nurse);
    let (ok, out, err) = cli(&nurse_state, &["broadcast", "list"]).await;
    assert!(ok, "{err}");
    assert!(
        out.contains("公式 / official") && out.contains("緊急 / Emergency"),
        "{out}"
    );
    assert!(out.contains("確認済み / acknowledged"), "{out}");
    let (ok, out, err) = cli(&nurse_state, &["--json", "broadcast", "list"]).await;
    assert!(ok, "{err}");
    let listed: Value = serde_json::from_str(out.trim())?;
    assert_eq!(listed[0]["view"]["standing"], "official", "{listed}");

    // The server (or anyone with its database) rewrites where to evacuate to.
    let rewrite = match kind {
        DbKind::Sqlite => "CAST(REPLACE(CAST(payload AS TEXT), 'みなみ川', 'きた川') AS BLOB)",
        DbKind::Postgres => {
            "convert_to(replace(convert_from(payload, 'UTF8'), 'みなみ川', 'きた川'), 'UTF8')"
        }
    };
    let altered = server
        .db
        .run(move |conn| {
            Ok(diesel::sql_query(format!(
                "UPDATE broadcasts SET payload = {rewrite} WHERE id = '{id}'"
            ))
            .execute(conn)
            .map_err(StorageError::from))
        })
        .await??;
    assert_eq!(altered, 1, "the stored notice was not found");
    let (ok, out, err) = cli(&nurse_state, &["broadcast", "list"]).await;
    assert!(ok, "{err}");
    assert!(out.contains("未確認 / NOT VERIFIED"), "{out}");
    assert!(
        out.contains("公式のお知らせとして確認できません") && out.contains("Not an official notice"),
        "{out}"
    );

    // Only broadcast officers send; the nurse's client is refused by the server.
    let mut nurse = Client::open(&nurse_state)?;
    let refused = nurse
        .send_broadcast(association, flood_warning())
        .await
        .unwrap_err();
    assert_eq!(refused.status(), Some(403), "{refused:?}");
    server.stop().await;
    Ok(())
}

/// A nurse answers a safety check for her client with `kizuna safety answer`: the
/// server (and so the association) gets the coarse status only; the team channel
/// gets the whole answer, which the nurse's client decrypts and the family member
/// cannot read; the note is nowhere in the database. A check whose notice the server
/// altered is not answered.
async fn a_nurse_answers_a_safety_check_from_the_cli(kind: DbKind) -> Result<()> {
    let Region {
        server,
        dir,
        association,
        clinic,
        mut officer,
        mut nurse,
        ..
    } = region(kind).await?;
    let me = officer.officer()?;
    officer.publish_roster(association, vec![me]).await?;
    let room = nurse.create_room(clinic, "山田花子様").await?.id;
    let invitation = nurse.invite(room, "family.yamada", RoomRole::Family).await?;
    let mut family = person(&server, dir.path(), &invitation.link, "family.yamada").await?;
    nurse.refresh().await?;
    let id = officer.send_broadcast(association, flood_warning()).await?;

    let nurse_state = state_path(dir.path(), "nurse.sato");
    drop(nurse);
    let args = ["safety", "status", "--broadcast", &id.to_string()];
    let (ok, out, err) = cli(&nurse_state, &args).await;
    assert!(ok, "{err}");
    assert!(out.contains("山田花子様") && out.contains("未回答"), "{out}");

    let note = "MARKER-酸素ボンベ残り2時間";
    let (room_arg, id_arg) = (room.to_string(), id.to_string());
    let answer = [
        "safety",
        "answer",
        "--broadcast",
        &id_arg,
        "--room",
        &room_arg,
        "--status",
        "needs_support",
        "--need",
        "medical",
        "--note",
        note,
    ];
    let (ok, out, err) = cli(&nurse_state, &answer).await;
    assert!(ok, "{err}");
    assert!(out.contains("要支援（医療）"), "{out}");

    // The server holds the coarse answer, nothing else.
    let stored = server
        .db
        .run(move |conn| kizuna_storage::safety::answers(conn, id))
        .await?;
    assert_eq!(stored.len(), 1);
    assert_eq!(
        (stored[0].room_id, stored[0].status, stored[0].need),
        (room, SafetyStatus::NeedsSupport, Some(SafetyNeed::Medical))
    );
    server.assert_database_holds_none(&needles(note))?;

    // The team reads the whole answer; the family member cannot read the team channel.
    let mut nurse = Client::open(&nurse_state)?;
    nurse.refresh().await?;
    let posted = nurse
        .read(room, Channel::Team)
        .iter()
        .find(|p| p.envelope.content_type == ContentType::SafetyAnswer)
        .expect("the answer is in the team channel")
        .clone();
    assert_eq!(posted.envelope.body, note);
    let report = posted.envelope.safety.as_deref().unwrap();
    assert_eq!(
        (report.broadcast, report.status),
        (id, SafetyStatus::NeedsSupport)
    );
    family.refresh().await?;
    assert!(family.read(room, Channel::Team).is_empty());
    assert!(family
        .read(room, Channel::Family)
        .iter()
        .all(|p| !p.envelope.body.contains("MARKER")));

    // The server rewrites the notice: the check is no longer official, and not answered.
    let rewrite = match kind {
        DbKind::Sqlite => "CAST(REPLACE(CAST(payload AS TEXT), 'みなみ川', 'きた川') AS BLOB)",
        DbKind::Postgres => {
            "convert_to(replace(convert_from(payload, 'UTF8'), 'みなみ川', 'きた川'), 'UTF8')"
        }
    };
    server
        .db
        .run(move |conn| {
            Ok(diesel::sql_query(format!(
                "UPDATE broadcasts SET payload = {rewrite} WHERE id = '{id}'"
            ))
            .execute(conn)
            .map_err(StorageError::from))
        })
        .await??;
    drop(nurse);
    let safe = [
        "safety",
        "answer",
        "--broadcast",
        &id_arg,
        "--room",
        &room_arg,
        "--status",
        "safe",
    ];
    let (ok, _, err) = cli(&nurse_state, &safe).await;
    assert!(!ok);
    assert!(err.contains("公式の安否確認ではありません"), "{err}");
    let stored = server
        .db
        .run(move |conn| kizuna_storage::safety::answers(conn, id))
        .await?;
    assert_eq!(stored[0].status, SafetyStatus::NeedsSupport, "nothing changed");
    server.stop().await;
    Ok(())
}

/// An evacuation map attached from the CLI: prepared on the officer's device (EXIF
/// with GPS dropped), fetched by the nurse the notice reaches and checked against
/// the signed SHA-256; not fetched by someone the notice does not reach; not
/// carried by a second notice.
async fn an_evacuation_map_travels_with_the_notice(kind: DbKind) -> Result<()> {
    let Region {
        server,
        dir,
        association,
        system,
        mut officer,
        mut nurse,
        ..
    } = region(kind).await?;
    let me = officer.officer()?;
    officer.publish_roster(association, vec![me]).await?;
    let map_file = dir.path().join("map-original.jpg");
    std::fs::write(&map_file, testdata("wound-12mp-exif-gps.jpg"))?;
    let officer_state = state_path(dir.path(), "bo.suzuki");
    drop(officer);
    let send = [
        "broadcast",
        "send",
        "--org",
        &association.to_string(),
        "--severity",
        "warning",
        "--title",
        "避難所の地図",
        "--area",
        "みなみ市",
        "--body",
        "地図の避難所へ",
        "--image",
        map_file.to_str().unwrap(),
    ];
    let (ok, out, err) = cli(
        &officer_state,
        &["--json"].iter().chain(send.iter()).copied().collect::<Vec<_>>(),
    )
    .await;
    assert!(ok, "{err}");
    let id: kizuna_proto::BroadcastId = serde_json::from_str::<Value>(out.trim())?["id"]
        .as_str()
        .unwrap()
        .parse()?;

    let notices = nurse.broadcasts().await?;
    let image = notices[0]
        .view
        .broadcast
        .as_ref()
        .unwrap()
        .attachment
        .clone()
        .expect("signed image reference");
    assert_eq!(notices[0].view.standing, Standing::Official);
    let saved = dir.path().join("map.jpg");
    nurse.broadcast_image_to(id, &saved).await?;
    let bytes = std::fs::read(&saved)?;
    assert_eq!(&bytes[..2], &[0xFF, 0xD8], "a JPEG");
    assert!(
        !bytes.windows(6).any(|w| w == b"Exif\0\0"),
        "the original's EXIF (GPS) never left the officer's device"
    );
    let nurse_state = state_path(dir.path(), "nurse.sato");
    drop(nurse);
    let (ok, out, err) = cli(&nurse_state, &["broadcast", "list"]).await;
    assert!(ok && out.contains("画像あり"), "{out}{err}");

    // Someone the notice does not reach gets not_found for the blob.
    let city = server.organisation(&system, "きた市", "city", None).await?;
    let outsider = server
        .staff(&system, &city, "bo.kita", "broadcast_officer")
        .await?;
    let (status, _) = server
        .get(&format!("/api/v1/blobs/{}", image.blob), Some(&outsider.token))
        .await?;
    assert_eq!(status, 404);
    // A second notice cannot carry the same image.
    let mut officer = Client::open(&officer_state)?;
    let mut second = flood_warning();
    second.safety_check = false;
    second.image = Some(BroadcastImage::Uploaded(image.clone()));
    let signed_again = officer.send_broadcast(association, second).await;
    assert_eq!(signed_again.unwrap_err().code(), "broadcast_image_unknown");
    server.stop().await;
    Ok(())
}

on_both_databases!(
    an_officer_sends_from_the_client_and_a_nurse_reads_it_as_official,
    a_nurse_answers_a_safety_check_from_the_cli,
    an_evacuation_map_travels_with_the_notice,
);
