//! What the room list needs without opening a room: unread counts and urgent
//! markers from the log's metadata (`GET /rooms`), and a live `members` notice so
//! clients add a newcomer's device at once instead of on their next poll.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use std::time::Duration;

use anyhow::Result;
use futures_util::StreamExt;
use kizuna_client::{Channel, Client, ContentType, PostEnvelope};
use kizuna_proto::{RoomRole, Urgency};
use kizuna_tests::accounts::GOOD_PASSWORD;
use kizuna_tests::care::Team;
use kizuna_tests::{BlobKind, DbKind, TestServer, ORIGIN};
use serde_json::Value;
use tokio_tungstenite::tungstenite::Message;

/// The caller's entry for the team's room in `GET /rooms`, by channel.
async fn room_entry(team: &Team, token: &str) -> Result<Value> {
    let (status, rooms) = team.server.get("/api/v1/rooms", Some(token)).await?;
    assert_eq!(status, 200, "{rooms}");
    let room = team.room.to_string();
    Ok(rooms
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == room.as_str())
        .cloned()
        .unwrap_or(Value::Null))
}

fn channel<'a>(entry: &'a Value, name: &str) -> Option<&'a Value> {
    entry["channels"]
        .as_array()?
        .iter()
        .find(|c| c["channel"] == name)
}

async fn counts_unread_and_urgent(db: DbKind) -> Result<()> {
    let mut team = Team::start(db, BlobKind::Local, |_| {}).await?;
    let room = team.room;
    let note = |text: &str| PostEnvelope::new(ContentType::Note, text);
    team.doctor
        .post_content(room, Channel::Team, &note("定期訪問"))
        .await?;
    team.doctor
        .post_content(
            room,
            Channel::Team,
            &note("転倒の可能性").with_urgency(Urgency::Urgent),
        )
        .await?;
    team.doctor
        .post_content(
            room,
            Channel::Team,
            &note("明日までに").with_urgency(Urgency::Soon),
        )
        .await?;
    let last = team
        .doctor
        .post_content(room, Channel::Family, &note("ご家族へ"))
        .await?;

    let nurse_token = team.nurse.session_token().unwrap().to_owned();
    let nurse = room_entry(&team, &nurse_token).await?;
    let team_channel = channel(&nurse, "team").expect("the nurse uses the team channel");
    assert_eq!(
        (
            &team_channel["unread"],
            &team_channel["urgent"],
            &team_channel["soon"]
        ),
        (&Value::from(3), &Value::from(1), &Value::from(1)),
        "{nurse}"
    );
    assert_eq!(team_channel["group_id"], format!("{room}/team"));
    assert_eq!(channel(&nurse, "family").unwrap()["unread"], 1);

    // The family member sees only the family channel, and nothing of the team's.
    let family = room_entry(&team, team.family.session_token().unwrap()).await?;
    assert!(channel(&family, "team").is_none(), "{family}");
    assert_eq!(channel(&family, "family").unwrap()["unread"], 1);
    assert_eq!(channel(&family, "family").unwrap()["urgent"], 0);

    // Their own posts are never unread for the author.
    let doctor = room_entry(&team, team.doctor.session_token().unwrap()).await?;
    assert_eq!(channel(&doctor, "team").unwrap()["unread"], 0, "{doctor}");
    assert_eq!(channel(&doctor, "family").unwrap()["unread"], 0);

    // Reading clears the count and the marker.
    let team_last = team_channel["last_seq"].as_i64().unwrap();
    team.nurse.mark_read(room, Channel::Team, team_last).await?;
    let nurse = room_entry(&team, &nurse_token).await?;
    let read = channel(&nurse, "team").unwrap();
    assert_eq!(
        (&read["unread"], &read["urgent"]),
        (&Value::from(0), &Value::from(0))
    );
    assert_eq!(read["read_seq"], team_last);
    assert_eq!(channel(&nurse, "family").unwrap()["last_seq"], last);
    Ok(())
}

#[tokio::test]
async fn room_list_counts_sqlite() -> Result<()> {
    counts_unread_and_urgent(DbKind::Sqlite).await
}

#[tokio::test]
async fn room_list_counts_postgres() -> Result<()> {
    counts_unread_and_urgent(DbKind::Postgres).await
}

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(server: &TestServer, token: &str) -> Result<Socket> {
    let url = format!("{}/api/v1/ws", server.url.replace("http://", "ws://"));
    let mut request = tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(url)?;
    request
        .headers_mut()
        .insert("authorization", format!("Bearer {token}").parse()?);
    let (socket, _) = tokio_tungstenite::connect_async(request).await?;
    Ok(socket)
}

/// The `type`s of the text frames that arrive within `wait`.
async fn frames(socket: &mut Socket, wait: Duration) -> Vec<String> {
    let deadline = tokio::time::Instant::now() + wait;
    let mut seen = Vec::new();
    while let Ok(Some(Ok(message))) = tokio::time::timeout_at(deadline, socket.next()).await {
        if let Message::Text(text) = message {
            let frame: Value = serde_json::from_str(&text).unwrap_or_default();
            seen.push(frame["type"].as_str().unwrap_or("?").to_owned());
        }
    }
    seen
}

/// Registers `login` through a room link (a device with key packages comes with it).
async fn join(team: &Team, dir: &std::path::Path, room: kizuna_proto::RoomId, login: &str) -> Result<Client> {
    let invitation = team.doctor.invite(room, login, RoomRole::Professional).await?;
    let mut person = Client::create(&dir.join(login), &team.server.url, ORIGIN)?;
    person
        .register(&invitation.link, login, GOOD_PASSWORD, None)
        .await?;
    Ok(person)
}

async fn members_notice(db: DbKind) -> Result<()> {
    let mut team = Team::start(db, BlobKind::Local, |_| {}).await?;
    let dir = tempfile::tempdir()?;
    // Someone who shares another room with the doctor, but none with the newcomer.
    let org = room_entry(&team, team.doctor.session_token().unwrap()).await?["organisation_id"]
        .as_str()
        .unwrap()
        .parse()?;
    let other_room = team.doctor.create_room(org, "Yamada-san").await?.id;
    let outsider = join(&team, dir.path(), other_room, "nurse.kato").await?;

    let mut doctor = connect(&team.server, team.doctor.session_token().unwrap()).await?;
    let mut family = connect(&team.server, team.family.session_token().unwrap()).await?;
    let mut outsider = connect(&team.server, outsider.session_token().unwrap()).await?;
    for socket in [&mut doctor, &mut family, &mut outsider] {
        // The setup's own notices (the outsider joining a room the doctor is in) may
        // still be on their way on PostgreSQL, where they come back through NOTIFY;
        // they are taken here, so that the helper's notice below is the one seen.
        let first = frames(socket, Duration::from_millis(1000)).await;
        assert_eq!(first.first().map(String::as_str), Some("hello"), "{first:?}");
        assert!(
            first[1..].iter().all(|t| t == "members"),
            "only hello and the setup's notices: {first:?}"
        );
    }

    // A helper joins Suzuki-san's room through a link.
    join(&team, dir.path(), team.room, "helper.ito").await?;

    let wait = Duration::from_secs(3);
    assert!(
        frames(&mut doctor, wait).await.contains(&"members".to_owned()),
        "the doctor is told"
    );
    assert!(
        frames(&mut family, wait).await.contains(&"members".to_owned()),
        "so is the family member"
    );
    assert!(
        !frames(&mut outsider, Duration::from_millis(500))
            .await
            .contains(&"members".to_owned()),
        "someone in none of the helper's rooms is not"
    );
    Ok(())
}

#[tokio::test]
async fn members_notice_sqlite() -> Result<()> {
    members_notice(DbKind::Sqlite).await
}

#[tokio::test]
async fn members_notice_postgres() -> Result<()> {
    members_notice(DbKind::Postgres).await
}
