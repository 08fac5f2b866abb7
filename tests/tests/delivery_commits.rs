//! MLS commits through the delivery service, on SQLite and PostgreSQL: the server
//! validates every commit (group, epoch, signature) and checks it against room
//! policy before it enters the log; welcomes are queued once per added device;
//! removal from a room and device revocation cut a person off at once.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use std::time::Duration;

use anyhow::Result;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use kizuna_crypto::testing::TestRandom;
use kizuna_crypto::{DeviceIdentity, DeviceSigningKey, Incoming, MlsDevice};
use kizuna_tests::accounts::Person;
use kizuna_tests::mls::{claim, group_id, send_commit, urlencode, TestDevice};
use kizuna_tests::ws::close_code;
use kizuna_tests::{on_both_databases, BlobKind, DbKind, TestServer};
use serde_json::{json, Value};

struct Room {
    server: TestServer,
    doctor: Person,
    nurse: Person,
    family: Person,
    room: String,
}

async fn room_with(server: TestServer) -> Result<Room> {
    let admin = server.bootstrap_admin().await?;
    let clinic = server.organisation(&admin, "Clinic", "clinic", None).await?;
    let doctor = server.staff(&admin, &clinic, "dr.tanaka", "doctor").await?;
    let (_, created) = server
        .post(
            &format!("/api/v1/organisations/{clinic}/rooms"),
            Some(&doctor.token),
            json!({}),
        )
        .await?;
    let room = created["id"].as_str().unwrap().to_owned();
    let mut joined = Vec::new();
    for (name, role) in [("nurse.sato", "professional"), ("family.yamada", "family")] {
        let (status, issued) = server
            .post(
                &format!("/api/v1/rooms/{room}/invitations"),
                Some(&doctor.token),
                json!({ "role": role }),
            )
            .await?;
        assert_eq!(status, 200, "{issued}");
        joined.push(server.register(issued["link"].as_str().unwrap(), name).await?);
    }
    let family = joined.pop().unwrap();
    let nurse = joined.pop().unwrap();
    Ok(Room {
        server,
        doctor,
        nurse,
        family,
        room,
    })
}

async fn room(kind: DbKind) -> Result<Room> {
    room_with(TestServer::start(kind, BlobKind::Local).await?).await
}

/// A bad input, its bytes and the status and error code it must get.
type Case = (&'static str, Vec<u8>, (u16, Option<&'static str>));

fn code(answer: &(u16, Value)) -> (u16, Option<&str>) {
    (answer.0, answer.1["error"]["code"].as_str())
}

async fn commits_follow_room_policy_and_epochs(kind: DbKind) -> Result<()> {
    let Room {
        server,
        doctor,
        nurse,
        family,
        room,
    } = room(kind).await?;
    let dd = TestDevice::register(&server, &doctor, 1, 0).await?;
    let dd2 = TestDevice::register(&server, &doctor, 2, 2).await?;
    let nd = TestDevice::register(&server, &nurse, 3, 3).await?;
    let _fd = TestDevice::register(&server, &family, 4, 3).await?;
    let (mut team, (status, _)) = dd.create_group(&server, &doctor, &room, "team").await?;
    assert_eq!(status, 200);
    let team_id = group_id(&room, "team");

    // Nobody adds a family member to the team channel.
    let family_kp = claim(&server, &doctor, &family).await?;
    let out = team.add_devices(&family_kp)?;
    let refused = send_commit(
        &server,
        &doctor,
        dd.id,
        &team_id,
        &out.commit,
        out.welcome.as_deref(),
    )
    .await?;
    assert_eq!(code(&refused), (403, Some("commit_not_allowed")), "{}", refused.1);
    team.clear_pending_commit()?;

    // Adding the nurse needs her welcome; with it, the commit lands and moves the epoch.
    let out = team.add_devices(&claim(&server, &doctor, &nurse).await?)?;
    let missing = send_commit(&server, &doctor, dd.id, &team_id, &out.commit, None).await?;
    assert_eq!(code(&missing), (422, Some("invalid_input")), "{}", missing.1);
    let (status, stored) = send_commit(
        &server,
        &doctor,
        dd.id,
        &team_id,
        &out.commit,
        out.welcome.as_deref(),
    )
    .await?;
    assert_eq!((status, stored["epoch"].as_i64()), (200, Some(1)), "{stored}");
    team.merge_pending_commit()?;
    // A replayed (now stale) commit is refused with the current epoch.
    let stale = send_commit(
        &server,
        &doctor,
        dd.id,
        &team_id,
        &out.commit,
        out.welcome.as_deref(),
    )
    .await?;
    assert_eq!(code(&stale), (409, Some("wrong_epoch")));
    assert_eq!(stale.1["error"]["current_epoch"].as_i64(), Some(1));

    // The welcome waits for the nurse's device, once.
    let welcomes = format!("/api/v1/devices/{}/welcomes", nd.id);
    let (status, waiting) = server.get(&welcomes, Some(&nurse.token)).await?;
    assert_eq!(status, 200);
    assert_eq!(waiting.as_array().unwrap().len(), 1, "{waiting}");
    assert_eq!(waiting[0]["group_id"].as_str(), Some(team_id.as_str()));
    assert_eq!(server.get(&welcomes, Some(&nurse.token)).await?.1, json!([]));
    assert_eq!(
        server.get(&welcomes, Some(&doctor.token)).await?.0,
        404,
        "not the doctor's device"
    );
    let welcome = STANDARD.decode(waiting[0]["welcome"].as_str().unwrap())?;
    let mut nurse_team = nd.mls.join_from_welcome(&welcome, None)?;
    assert_eq!(nurse_team.epoch(), 1);

    // Two members commit at once (each adds the doctor's second device): one wins,
    // the other is told the current epoch, catches up and ends in the same epoch.
    let a = team.add_devices(&claim(&server, &doctor, &doctor).await?)?;
    let n = nurse_team.add_devices(&claim(&server, &nurse, &doctor).await?)?;
    let won = send_commit(&server, &doctor, dd.id, &team_id, &a.commit, a.welcome.as_deref()).await?;
    assert_eq!(won.0, 200, "{}", won.1);
    team.merge_pending_commit()?;
    let lost = send_commit(&server, &nurse, nd.id, &team_id, &n.commit, n.welcome.as_deref()).await?;
    assert_eq!(code(&lost), (409, Some("wrong_epoch")));
    assert_eq!(lost.1["error"]["current_epoch"].as_i64(), Some(2));
    nurse_team.clear_pending_commit()?;
    let log = format!("/api/v1/groups/{}/messages", urlencode(&team_id));
    let (_, missed) = server.get(&format!("{log}?after=1"), Some(&nurse.token)).await?;
    let commit = STANDARD.decode(missed[0]["body"].as_str().unwrap())?;
    assert!(matches!(
        nurse_team.process_incoming(&commit)?,
        Incoming::Commit(_)
    ));
    assert_eq!(
        (nurse_team.epoch(), team.epoch()),
        (2, 2),
        "both in the same epoch"
    );

    // A member still in the channel is not removed by another member.
    let kick = nurse_team.remove_devices(&[dd.id])?;
    let refused = send_commit(&server, &nurse, nd.id, &team_id, &kick.commit, None).await?;
    assert_eq!(code(&refused), (403, Some("commit_not_allowed")), "{}", refused.1);
    nurse_team.clear_pending_commit()?;

    // A commit is accepted only from the device that made it.
    let own = team.remove_devices(&[dd2.id])?;
    let relayed = send_commit(&server, &nurse, nd.id, &team_id, &own.commit, None).await?;
    assert_eq!(code(&relayed), (403, Some("commit_not_allowed")), "{}", relayed.1);
    let (status, _) = send_commit(&server, &doctor, dd.id, &team_id, &own.commit, None).await?;
    assert_eq!(status, 200, "the doctor removes his own second device");
    team.merge_pending_commit()?;
    Ok(())
}

async fn a_device_is_added_only_under_the_key_it_registered(kind: DbKind) -> Result<()> {
    let Room {
        server,
        doctor,
        nurse,
        room,
        ..
    } = room(kind).await?;
    let dd = TestDevice::register(&server, &doctor, 1, 0).await?;
    // The nurse's device registered one key; key packages made with another key
    // under its ID (as someone who had her password for a moment might try).
    let mut honest = TestDevice::register(&server, &nurse, 3, 0).await?;
    let impostor_key = DeviceSigningKey::generate(&mut TestRandom::new(666));
    let identity = DeviceIdentity::from_signing_key(honest.user, honest.id, impostor_key.clone());
    honest.mls = MlsDevice::new(identity);
    honest.key = impostor_key;
    honest.upload_key_packages(&server, &nurse, 1).await?;
    let (mut team, _) = dd.create_group(&server, &doctor, &room, "team").await?;
    let out = team.add_devices(&claim(&server, &doctor, &nurse).await?)?;
    let team_id = group_id(&room, "team");
    let refused = send_commit(
        &server,
        &doctor,
        dd.id,
        &team_id,
        &out.commit,
        out.welcome.as_deref(),
    )
    .await?;
    assert_eq!(code(&refused), (403, Some("commit_not_allowed")), "{}", refused.1);
    assert!(refused.1["error"]["message"]
        .as_str()
        .unwrap()
        .contains("did not register"));
    Ok(())
}

async fn bad_mls_messages_get_clear_errors(kind: DbKind) -> Result<()> {
    let Room {
        server,
        doctor,
        nurse,
        room,
        ..
    } = room(kind).await?;
    let dd = TestDevice::register(&server, &doctor, 1, 0).await?;
    let nd = TestDevice::register(&server, &nurse, 3, 3).await?;
    let (mut team, _) = dd.create_group(&server, &doctor, &room, "team").await?;
    let (mut family, _) = dd.create_group(&server, &doctor, &room, "family").await?;
    let team_id = group_id(&room, "team");
    let for_family = family.add_devices(&claim(&server, &doctor, &nurse).await?)?;
    let for_team = team.add_devices(&claim(&server, &doctor, &nurse).await?)?;
    let welcome = for_team.welcome.clone().unwrap();
    let commit = for_team.commit.clone();
    let cases: Vec<Case> = vec![
        (
            "garbage",
            b"certainly not MLS".to_vec(),
            (422, Some("invalid_mls")),
        ),
        (
            "truncated",
            commit[..commit.len() / 2].to_vec(),
            (422, Some("invalid_mls")),
        ),
        (
            "another group's commit",
            for_family.commit.clone(),
            (422, Some("invalid_mls")),
        ),
        ("a welcome", welcome.clone(), (422, Some("invalid_mls"))),
        ("empty", Vec::new(), (422, Some("invalid_input"))),
    ];
    for (what, bytes, expected) in cases {
        let answer = send_commit(&server, &doctor, dd.id, &team_id, &bytes, Some(&welcome)).await?;
        assert_eq!(code(&answer), expected, "{what}: {}", answer.1);
    }
    // A commit from a future epoch.
    team.merge_pending_commit()?;
    let ahead = team.remove_devices(&[nd.id])?;
    let answer = send_commit(&server, &doctor, dd.id, &team_id, &ahead.commit, None).await?;
    assert_eq!(code(&answer), (409, Some("wrong_epoch")), "{}", answer.1);
    // A group of another room or a made-up name.
    let (status, body) = server
        .post(
            &format!("/api/v1/rooms/{room}/channels/team/group"),
            Some(&doctor.token),
            json!({ "group_id": "my-own-name", "group_info": STANDARD.encode(b"x") }),
        )
        .await?;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("invalid_input"))
    );
    assert_eq!(server.get("/healthz", None).await?.0, 200, "the server stays up");
    // After all that, the group still takes the right commit.
    let (status, _) = send_commit(&server, &doctor, dd.id, &team_id, &commit, Some(&welcome)).await?;
    assert_eq!(status, 200);
    Ok(())
}

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(server: &TestServer, token: &str) -> Result<Socket, tokio_tungstenite::tungstenite::Error> {
    let url = format!("{}/api/v1/ws", server.url.replace("http://", "ws://"));
    let mut request = tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(url)?;
    request
        .headers_mut()
        .insert("authorization", format!("Bearer {token}").parse().unwrap());
    let (socket, _) = tokio_tungstenite::connect_async(request).await?;
    Ok(socket)
}

async fn removal_cuts_a_member_off_at_once(kind: DbKind) -> Result<()> {
    let Room {
        server,
        doctor,
        nurse,
        family,
        room,
    } = room(kind).await?;
    let dd = TestDevice::register(&server, &doctor, 1, 0).await?;
    let nd = TestDevice::register(&server, &nurse, 3, 3).await?;
    let (mut team, _) = dd.create_group(&server, &doctor, &room, "team").await?;
    let team_id = group_id(&room, "team");
    let out = team.add_devices(&claim(&server, &doctor, &nurse).await?)?;
    send_commit(
        &server,
        &doctor,
        dd.id,
        &team_id,
        &out.commit,
        out.welcome.as_deref(),
    )
    .await?;
    team.merge_pending_commit()?;
    let mut socket = connect(&server, &nurse.token).await?;
    let members = format!("/api/v1/rooms/{room}/members");
    let (status, listed) = server.get(&members, Some(&nurse.token)).await?;
    assert_eq!(status, 200);
    assert_eq!(listed.as_array().unwrap().len(), 3, "{listed}");

    // Family members and the removed cannot remove anyone; nobody removes the owner.
    let remove = |who: &Person| format!("/api/v1/rooms/{room}/members/{}", who.user_id);
    assert_eq!(server.delete(&remove(&nurse), Some(&family.token)).await?.0, 403);
    assert_eq!(server.delete(&remove(&doctor), Some(&doctor.token)).await?.0, 403);
    assert_eq!(server.delete(&remove(&nurse), Some(&doctor.token)).await?.0, 204);
    assert_eq!(
        close_code(&mut socket).await,
        Some(4403),
        "the nurse's socket closes"
    );
    let log = format!("/api/v1/groups/{}/messages", urlencode(&team_id));
    assert_eq!(server.get(&log, Some(&nurse.token)).await?.0, 404);
    assert_eq!(server.get(&members, Some(&nurse.token)).await?.0, 404);
    assert_eq!(server.delete(&remove(&family), Some(&nurse.token)).await?.0, 404);
    // Now that she has left the channel, any member's client removes her device.
    let out = team.remove_devices(&[nd.id])?;
    let (status, body) = send_commit(&server, &doctor, dd.id, &team_id, &out.commit, None).await?;
    assert_eq!(status, 200, "{body}");

    // Revoking a device closes the sockets of the sessions acting for it.
    let mut socket = connect(&server, &doctor.token).await?;
    let (status, _) = server
        .delete(&format!("/api/v1/me/devices/{}", dd.id), Some(&doctor.token))
        .await?;
    assert_eq!(status, 204);
    assert_eq!(close_code(&mut socket).await, Some(4401));
    Ok(())
}

async fn each_person_has_a_connection_limit(kind: DbKind) -> Result<()> {
    let server = TestServer::start_with(kind, BlobKind::Local, |c| c.max_connections_per_user = 2).await?;
    let Room { server, nurse, .. } = room_with(server).await?;
    let _first = connect(&server, &nurse.token).await?;
    let second = connect(&server, &nurse.token).await?;
    match connect(&server, &nurse.token).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => assert_eq!(response.status(), 429),
        other => panic!("a third connection must be refused: {:?}", other.map(|_| ())),
    }
    drop(second);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        connect(&server, &nurse.token).await.is_ok(),
        "a closed one frees its place"
    );
    Ok(())
}

on_both_databases!(
    commits_follow_room_policy_and_epochs,
    bad_mls_messages_get_clear_errors,
    a_device_is_added_only_under_the_key_it_registered,
    removal_cuts_a_member_off_at_once,
    each_person_has_a_connection_limit,
);
