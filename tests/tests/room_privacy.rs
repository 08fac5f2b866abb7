//! What the server sees of a room (issue 12, item 5): a room's name (often the client's
//! name) and the names of the people invited are sealed on the inviter's and members'
//! devices. The real server binary, its database (SQLite file or `pg_dump`), data
//! directory and debug log never hold them in clear, while members, including a
//! family member who joins later, read the name on their devices.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use std::path::Path;

use anyhow::Result;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use diesel::RunQueryDsl;
use kizuna_client::{Client, RoomId, RoomRole};
use kizuna_tests::accounts::GOOD_PASSWORD;
use kizuna_tests::care::Team;
use kizuna_tests::process::ServerProcess;
use kizuna_tests::scan::{assert_server_kept_none, needles};
use kizuna_tests::{BlobKind, DbKind, TestDb, TestServer, ORIGIN};
use serde_json::json;

fn name_in(rooms: &[kizuna_client::Room], room: RoomId) -> Option<String> {
    rooms.iter().find(|r| r.id == room).and_then(|r| r.name.clone())
}

async fn person(dir: &Path, server: &TestServer, link: &str, login: &str) -> Result<Client> {
    let mut client = Client::create(&dir.join(format!("{login}.kizuna")), &server.url, ORIGIN)?;
    client.register(link, login, GOOD_PASSWORD, Some(login)).await?;
    Ok(client)
}

async fn names_never_reach_the_server_in_clear(kind: DbKind) -> Result<()> {
    let db = match kind {
        DbKind::Postgres => Some(TestDb::new(kind)?),
        DbKind::Sqlite => None,
    };
    let mut process = ServerProcess::start(db.as_ref().map(|d| d.url.as_str())).await?;
    let server = &process.server;
    let id = uuid::Uuid::new_v4().simple().to_string();
    let room_name = format!("山田花子様 room-marker-{id}");
    let nurse_name = format!("佐藤看護師 nurse-marker-{id}");
    let son_name = format!("山田太郎 son-marker-{id}");
    let clear_name = format!("clear-marker-{id}");

    let admin = server
        .register(process.bootstrap_link.as_deref().unwrap(), "admin")
        .await?;
    let org = server.organisation(&admin, "Clinic", "clinic", None).await?;
    let dir = tempfile::tempdir()?;
    let doctor_link = server.invite_staff(&admin, &org, "dr.tanaka", "doctor").await?;
    let mut doctor = person(dir.path(), server, &doctor_link, "dr.tanaka").await?;
    let outsider_link = server.invite_staff(&admin, &org, "dr.other", "doctor").await?;
    let mut outsider = person(dir.path(), server, &outsider_link, "dr.other").await?;

    let room = doctor.create_room(org.parse()?, &room_name).await?.id;
    assert_eq!(name_in(&doctor.rooms().await?, room), Some(room_name.clone()));

    // A professional: the invitee reads who the link is for from the link alone.
    let invitation = doctor.invite(room, &nurse_name, RoomRole::Professional).await?;
    let mut nurse = Client::create(&dir.path().join("nurse.kizuna"), &server.url, ORIGIN)?;
    assert_eq!(
        nurse.invitation_name(&invitation.link).await?,
        Some(nurse_name.clone())
    );
    nurse
        .register(&invitation.link, "nurse.sato", GOOD_PASSWORD, Some("Sato"))
        .await?;
    let report = doctor.refresh().await?;
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    nurse.sync().await?;
    assert_eq!(name_in(&nurse.rooms().await?, room), Some(room_name.clone()));

    // A family member who joins later holds only the family channel's newest era: the
    // owner's device seals the name again under it when it adds them.
    let invitation = doctor.invite(room, &son_name, RoomRole::Family).await?;
    let mut son = Client::create(&dir.path().join("son.kizuna"), &server.url, ORIGIN)?;
    assert_eq!(
        son.invitation_name(&invitation.link).await?,
        Some(son_name.clone())
    );
    son.register(&invitation.link, "yamada.taro", GOOD_PASSWORD, Some("Taro"))
        .await?;
    son.sync().await?;
    assert_eq!(
        name_in(&son.rooms().await?, room),
        None,
        "not readable before a member has added the newcomer's device"
    );
    let report = doctor.refresh().await?;
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    son.sync().await?;
    assert_eq!(name_in(&son.rooms().await?, room), Some(room_name.clone()));
    nurse.sync().await?;
    assert_eq!(name_in(&nurse.rooms().await?, room), Some(room_name.clone()));
    assert_eq!(name_in(&doctor.rooms().await?, room), Some(room_name.clone()));

    // Someone outside the room is not even told it exists.
    outsider.sync().await?;
    assert!(outsider.rooms().await?.iter().all(|r| r.id != room));

    // An old client that sends names in clear is refused, and nothing of them stays.
    let (status, refused) = server
        .post(
            &format!("/api/v1/organisations/{org}/rooms"),
            doctor.session_token(),
            json!({ "display_name": clear_name }),
        )
        .await?;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (422, Some("sealed_field_required")),
        "{refused}"
    );
    let (status, refused) = server
        .post(
            &format!("/api/v1/rooms/{room}/invitations"),
            doctor.session_token(),
            json!({ "invitee_name": clear_name, "role": "family" }),
        )
        .await?;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (422, Some("sealed_field_required")),
        "{refused}"
    );

    let needles: Vec<Vec<u8>> = [&room_name, &nurse_name, &son_name, &clear_name]
        .iter()
        .flat_map(|m| needles(m))
        .collect();
    assert_server_kept_none(&mut process, db.as_ref(), &needles).await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn room_and_invitee_names_never_reach_the_server_in_clear_sqlite() -> Result<()> {
    names_never_reach_the_server_in_clear(DbKind::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn room_and_invitee_names_never_reach_the_server_in_clear_postgres() -> Result<()> {
    names_never_reach_the_server_in_clear(DbKind::Postgres).await
}

async fn who_may_write_the_room_state(kind: DbKind) -> Result<()> {
    let mut team = Team::start(kind, BlobKind::Local, |_| {}).await?;
    let room = team.room;
    assert_eq!(
        name_in(&team.family.rooms().await?, room),
        Some("Suzuki-san".into())
    );

    // A team member renames; everyone reads the new name.
    team.nurse.sync().await?;
    let renamed = team.nurse.rename_room(room, "鈴木一郎様").await?;
    assert_eq!(renamed.name.as_deref(), Some("鈴木一郎様"));
    for client in [&team.doctor, &team.family] {
        assert_eq!(name_in(&client.rooms().await?, room), Some("鈴木一郎様".into()));
    }

    // Family and volunteers do not name the room.
    team.family.sync().await?;
    let refused = team.family.rename_room(room, "別の名前").await.unwrap_err();
    assert_eq!(refused.status(), Some(403), "{refused}");

    // A stale revision (the nurse's own state sent again) loses to the one stored
    // first, and changes nothing.
    let listed = team.doctor.rooms().await?;
    let current = listed.iter().find(|r| r.id == room).unwrap();
    let path = format!("/api/v1/rooms/{room}/state");
    let stale = json!({ "sealed_state": current.sealed_state });
    let response = team
        .server
        .http
        .put(team.server.at(&path))
        .bearer_auth(team.nurse.session_token().unwrap())
        .json(&stale)
        .send()
        .await?;
    assert_eq!(response.status().as_u16(), 409);
    let body: serde_json::Value = response.json().await?;
    assert_eq!(body["error"]["code"], "state_conflict", "{body}");
    assert_eq!(
        name_in(&team.nurse.rooms().await?, room),
        Some("鈴木一郎様".into())
    );

    // Garbage is not a room state.
    let response = team
        .server
        .http
        .put(team.server.at(&path))
        .bearer_auth(team.doctor.session_token().unwrap())
        .json(&json!({ "sealed_state": STANDARD.encode(b"Suzuki-san") }))
        .send()
        .await?;
    assert_eq!(response.status().as_u16(), 422);
    Ok(())
}

#[tokio::test]
async fn only_team_members_write_the_room_state_and_revisions_do_not_collide_sqlite() -> Result<()> {
    who_may_write_the_room_state(DbKind::Sqlite).await
}

#[tokio::test]
async fn only_team_members_write_the_room_state_and_revisions_do_not_collide_postgres() -> Result<()> {
    who_may_write_the_room_state(DbKind::Postgres).await
}

/// Only the invitation's creator names who it is for: another professional or a family
/// member of the same room gets 404 and the creator's sealed name stays what the
/// invitee reads.
async fn who_may_name_an_invitation(kind: DbKind) -> Result<()> {
    let team = Team::start(kind, BlobKind::Local, |_| {}).await?;
    let room = team.room;
    let invitation = team.doctor.invite(room, "佐藤 次郎", RoomRole::Family).await?;
    let id = invitation.invitation_id.expect("the server names the invitation");
    let path = format!("/api/v1/rooms/{room}/invitations/{id}/sealed-name");
    // Well-formed (version 1, the sealed length), so only authorisation can refuse it.
    let mut forged = vec![0u8; 553];
    forged[0] = 1;
    let body = json!({ "sealed_invitee_name": STANDARD.encode(&forged) });
    for (who, client) in [("the nurse", &team.nurse), ("the family", &team.family)] {
        let response = team
            .server
            .http
            .put(team.server.at(&path))
            .bearer_auth(client.session_token().unwrap())
            .json(&body)
            .send()
            .await?;
        assert_eq!(response.status().as_u16(), 404, "{who} renamed the invitee");
    }
    let named = team.family.invitation_name(&invitation.link).await?;
    assert_eq!(named.as_deref(), Some("佐藤 次郎"));
    Ok(())
}

#[tokio::test]
async fn only_the_inviter_names_an_invitation_sqlite() -> Result<()> {
    who_may_name_an_invitation(DbKind::Sqlite).await
}

#[tokio::test]
async fn only_the_inviter_names_an_invitation_postgres() -> Result<()> {
    who_may_name_an_invitation(DbKind::Postgres).await
}

async fn a_legacy_clear_name_is_sealed_and_forgotten(kind: DbKind) -> Result<()> {
    let mut team = Team::start(kind, BlobKind::Local, |_| {}).await?;
    let room = team.room;
    // As the migration leaves a room made before names were sealed.
    let sql = format!(
        "UPDATE rooms SET legacy_name = 'Legacy Tanaka-san', sealed_state = NULL, \
         state_revision = 0 WHERE id = '{room}'"
    );
    team.server
        .db
        .run(move |conn| Ok(diesel::sql_query(sql).execute(conn)?))
        .await?;
    assert_eq!(
        name_in(&team.family.rooms().await?, room),
        Some("Legacy Tanaka-san".into())
    );
    let report = team.doctor.refresh().await?;
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    let stored = team
        .server
        .db
        .run(move |conn| kizuna_storage::rooms::get(conn, room))
        .await?;
    assert_eq!(stored.legacy_name, None, "the clear name is forgotten");
    assert_eq!(stored.state_revision, 1);
    assert!(stored.sealed_state.is_some());
    team.family.sync().await?;
    assert_eq!(
        name_in(&team.family.rooms().await?, room),
        Some("Legacy Tanaka-san".into())
    );
    Ok(())
}

#[tokio::test]
async fn a_legacy_clear_name_is_sealed_by_the_owner_and_forgotten_sqlite() -> Result<()> {
    a_legacy_clear_name_is_sealed_and_forgotten(DbKind::Sqlite).await
}

#[tokio::test]
async fn a_legacy_clear_name_is_sealed_by_the_owner_and_forgotten_postgres() -> Result<()> {
    a_legacy_clear_name_is_sealed_and_forgotten(DbKind::Postgres).await
}
