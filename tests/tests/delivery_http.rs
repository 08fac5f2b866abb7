//! The delivery service over HTTP and WebSocket, on SQLite and PostgreSQL: devices,
//! key packages, channel groups, the ordered log, live fan-out, and who may see what.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use std::time::Duration;

use anyhow::Result;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use futures_util::{SinkExt, StreamExt};
use kizuna_crypto::testing::TestRandom;
use kizuna_crypto::EraKey;
use kizuna_proto::Channel;
use kizuna_tests::accounts::Person;
use kizuna_tests::mls::{group_id, urlencode, TestDevice};
use kizuna_tests::{on_both_databases, BlobKind, DbKind, TestServer};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

struct Room {
    server: TestServer,
    doctor: Person,
    nurse: Person,
    family: Person,
    outsider: Person,
    room: String,
}

async fn room(kind: DbKind) -> Result<Room> {
    let server = TestServer::start(kind, BlobKind::Local).await?;
    let admin = server.bootstrap_admin().await?;
    let clinic = server.organisation(&admin, "Clinic", "clinic", None).await?;
    let doctor = server.staff(&admin, &clinic, "dr.tanaka", "doctor").await?;
    let other = server
        .organisation(&admin, "Elsewhere", "nursing_station", None)
        .await?;
    let outsider = server.staff(&admin, &other, "nurse.else", "nurse").await?;
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
        outsider,
        room,
    })
}

async fn device(server: &TestServer, person: &Person) -> Result<String> {
    let body = json!({ "name": "phone", "signature_key": STANDARD.encode([9u8; 32]) });
    let (status, device) = server.post("/api/v1/devices", Some(&person.token), body).await?;
    assert_eq!(status, 200, "{device}");
    Ok(device["id"].as_str().unwrap().to_owned())
}

fn message(kind: &str, device: &str, epoch: i64, body: &[u8], key: Option<&str>) -> Value {
    json!({ "kind": kind, "sender_device": device, "epoch": epoch, "body": STANDARD.encode(body), "idempotency_key": key })
}

/// Registers the channel's group with a real GroupInfo made by `owner`'s device.
async fn group(
    server: &TestServer,
    owner: &Person,
    device: &TestDevice,
    room: &str,
    channel: &str,
) -> Result<String> {
    let (_, (status, body)) = device.create_group(server, owner, room, channel).await?;
    assert_eq!(status, 200, "{body}");
    Ok(urlencode(&group_id(room, channel)))
}

/// A sealed note from `device` for the room's channel (any era key: the server
/// cannot tell one from another).
fn note(device: &TestDevice, room: &str, channel: Channel, text: &str) -> Vec<u8> {
    let era = EraKey::generate(&mut TestRandom::new(99));
    device.post(room, channel, &era, text, 7).unwrap()
}

async fn key_packages_go_only_to_people_who_share_a_room(kind: DbKind) -> Result<()> {
    let Room {
        server,
        doctor,
        nurse,
        outsider,
        ..
    } = room(kind).await?;
    let nurse_device = device(&server, &nurse).await?;
    let packages = json!({ "packages": [
        { "id": "kp1", "body": STANDARD.encode(b"kp-one") },
        { "id": "kp-lr", "body": STANDARD.encode(b"kp-last"), "last_resort": true },
    ]});
    let (status, left) = server
        .post(
            &format!("/api/v1/devices/{nurse_device}/key-packages"),
            Some(&nurse.token),
            packages,
        )
        .await?;
    assert_eq!((status, left["left"].as_i64()), (200, Some(1)), "{left}");
    // Nobody uploads packages for someone else's device.
    let stolen = json!({ "packages": [{ "id": "x", "body": STANDARD.encode(b"x") }] });
    assert_eq!(
        server
            .post(
                &format!("/api/v1/devices/{nurse_device}/key-packages"),
                Some(&doctor.token),
                stolen
            )
            .await?
            .0,
        404
    );

    let claim = format!("/api/v1/users/{}/key-packages/claim", nurse.user_id);
    let (_, first) = server.post(&claim, Some(&doctor.token), json!({})).await?;
    let (_, second) = server.post(&claim, Some(&doctor.token), json!({})).await?;
    assert_eq!(
        STANDARD.decode(first[0]["key_package"].as_str().unwrap())?,
        b"kp-one"
    );
    assert_eq!(
        STANDARD.decode(second[0]["key_package"].as_str().unwrap())?,
        b"kp-last",
        "one-time package handed out twice"
    );
    assert_eq!(first[0]["device_id"], nurse_device.as_str());
    // Someone who shares no room with the nurse learns nothing.
    assert_eq!(
        server.post(&claim, Some(&outsider.token), json!({})).await?.0,
        404
    );
    Ok(())
}

async fn channels_reach_only_their_members(kind: DbKind) -> Result<()> {
    let Room {
        server,
        doctor,
        nurse,
        family,
        outsider,
        room,
    } = room(kind).await?;
    let dd = TestDevice::register(&server, &doctor, 1, 0).await?;
    let nd = TestDevice::register(&server, &nurse, 2, 0).await?;
    let fd = TestDevice::register(&server, &family, 3, 0).await?;
    // Only the owner registers groups.
    let (_, (status, _)) = nd.create_group(&server, &nurse, &room, "team").await?;
    assert_eq!(status, 403);
    let team = group(&server, &doctor, &dd, &room, "team").await?;
    let fam = group(&server, &doctor, &dd, &room, "family").await?;

    let team_log = format!("/api/v1/groups/{team}/messages");
    let first = note(&nd, &room, Channel::Team, "one");
    let (status, stored) = server
        .post(
            &team_log,
            Some(&nurse.token),
            message("post", &nd.id.to_string(), 0, &first, Some("k1")),
        )
        .await?;
    assert_eq!((status, stored["seq"].as_i64()), (200, Some(1)), "{stored}");
    let (status, again) = server
        .post(
            &team_log,
            Some(&nurse.token),
            message("post", &nd.id.to_string(), 0, &first, Some("k1")),
        )
        .await?;
    assert_eq!(
        (status, again["seq"].as_i64(), again["duplicate"].as_bool()),
        (200, Some(1), Some(true)),
        "retry stored twice"
    );
    let second = note(&dd, &room, Channel::Team, "two");
    server
        .post(
            &team_log,
            Some(&doctor.token),
            message("post", &dd.id.to_string(), 0, &second, None),
        )
        .await?;

    let (status, log) = server
        .get(&format!("{team_log}?after=0"), Some(&doctor.token))
        .await?;
    assert_eq!(status, 200);
    let seqs: Vec<i64> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(seqs, vec![1, 2]);
    assert_eq!(STANDARD.decode(log[0]["body"].as_str().unwrap())?, first);

    // Family and outsiders cannot even fetch the team channel's log, nor post to it.
    for person in [&family, &outsider] {
        let (status, body) = server.get(&team_log, Some(&person.token)).await?;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (404, Some("not_found")),
            "{body}"
        );
    }
    let sneaky = note(&fd, &room, Channel::Team, "x");
    let (status, _) = server
        .post(
            &team_log,
            Some(&family.token),
            message("post", &fd.id.to_string(), 0, &sneaky, None),
        )
        .await?;
    assert_eq!(status, 404);
    // The family channel is theirs too, but a post sealed for the team channel is
    // not filed under it.
    let fam_log = format!("/api/v1/groups/{fam}/messages");
    let (status, body) = server
        .post(
            &fam_log,
            Some(&family.token),
            message("post", &fd.id.to_string(), 0, &sneaky, None),
        )
        .await?;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("invalid_input")),
        "{body}"
    );
    let hello = note(&fd, &room, Channel::Family, "hello");
    let (status, _) = server
        .post(
            &fam_log,
            Some(&family.token),
            message("post", &fd.id.to_string(), 0, &hello, None),
        )
        .await?;
    assert_eq!(status, 200);
    // Nobody posts under someone else's name.
    let forged = note(&nd, &room, Channel::Family, "in the nurse's name");
    let (status, body) = server
        .post(
            &fam_log,
            Some(&family.token),
            message("post", &fd.id.to_string(), 0, &forged, None),
        )
        .await?;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("invalid_input")),
        "{body}"
    );
    Ok(())
}

async fn bad_messages_get_clear_errors(kind: DbKind) -> Result<()> {
    let Room {
        server,
        doctor,
        nurse,
        room,
        ..
    } = room(kind).await?;
    let dd = TestDevice::register(&server, &doctor, 1, 0).await?;
    let nd = TestDevice::register(&server, &nurse, 2, 0).await?;
    let (dd_id, nd_id) = (dd.id.to_string(), nd.id.to_string());
    let team = group(&server, &doctor, &dd, &room, "team").await?;
    let log = format!("/api/v1/groups/{team}/messages");
    let post = note(&dd, &room, Channel::Team, "fine");
    let cases = [
        (
            json!({ "kind": "post", "sender_device": dd_id, "epoch": 0, "body": "%%% not base64" }),
            "invalid_input",
        ),
        (
            json!({ "kind": "post", "sender_device": dd_id, "epoch": 0, "body": "" }),
            "invalid_input",
        ),
        (
            json!({ "kind": "shout", "sender_device": dd_id, "epoch": 0, "body": "AAAA" }),
            "invalid_input",
        ),
        (
            message("commit", &dd_id, 0, b"commits go elsewhere", None),
            "invalid_input",
        ),
        (message("post", &nd_id, 0, &post, None), "invalid_input"),
        (
            message("post", &dd_id, 0, b"garbage, not a sealed post", None),
            "invalid_mls",
        ),
        (
            message("post", &dd_id, 0, &post[..post.len() / 2], None),
            "invalid_mls",
        ),
        (
            message("era_key", &dd_id, 0, b"not an MLS message", None),
            "invalid_mls",
        ),
        (message("era_key", &dd_id, 0, &post, None), "invalid_mls"),
        (
            message("post", &dd_id, 0, &vec![1u8; 300 * 1024], None),
            "invalid_input",
        ),
        (
            message("post", &dd_id, 0, &vec![1u8; 600 * 1024], None),
            "payload_too_large",
        ),
        (
            json!({ "kind": "post", "epoch": 0, "body": "AAAA" }),
            "malformed_json",
        ),
    ];
    for (body, code) in cases {
        let (status, answer) = server.post(&log, Some(&doctor.token), body.clone()).await?;
        let shown = body.to_string().chars().take(200).collect::<String>();
        assert_eq!(
            answer["error"]["code"].as_str(),
            Some(code),
            "{shown} -> {status} {answer}"
        );
        assert!(status == 400 || status == 413 || status == 422, "{status}");
    }
    // A post is checked against its session on the same trip as its other checks:
    // no token or a made-up one gets "sign in", not a hint about the group.
    for token in [None, Some("not-a-session")] {
        let (status, answer) = server
            .post(&log, token, message("post", &dd_id, 0, &post, None))
            .await?;
        assert_eq!(
            (status, answer["error"]["code"].as_str()),
            (401, Some("not_signed_in")),
            "{answer}"
        );
    }
    // Revoking a device ends the session acting for it: it sends nothing more.
    let (status, _) = server
        .delete(&format!("/api/v1/me/devices/{dd_id}"), Some(&doctor.token))
        .await?;
    assert_eq!(status, 204);
    let (status, _) = server
        .post(&log, Some(&doctor.token), message("post", &dd_id, 0, &post, None))
        .await?;
    assert_eq!(status, 401);
    assert!(
        server.get("/healthz", None).await?.0 == 200,
        "the server must stay up"
    );
    Ok(())
}

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The next frame, as JSON, within five seconds.
async fn next_json(socket: &mut Socket) -> Result<Value> {
    let message: Message = tokio::time::timeout(Duration::from_secs(5), socket.next())
        .await?
        .unwrap()?;
    Ok(serde_json::from_str::<Value>(message.to_text()?)?)
}

async fn live_entries_reach_subscribers_in_order(kind: DbKind) -> Result<()> {
    let Room {
        server,
        doctor,
        nurse,
        family,
        room,
        ..
    } = room(kind).await?;
    let device = TestDevice::register(&server, &doctor, 1, 0).await?;
    let dd = device.id.to_string();
    let team = group(&server, &doctor, &device, &room, "team").await?;
    let team_id = group_id(&room, "team");
    let log = format!("/api/v1/groups/{team}/messages");
    let post = |text: &str| note(&device, &room, Channel::Team, text);
    server
        .post(
            &log,
            Some(&doctor.token),
            message("post", &dd, 0, &post("before"), None),
        )
        .await?;

    let connect = |token: String| {
        let url = format!("{}/api/v1/ws", server.url.replace("http://", "ws://"));
        async move {
            let mut request =
                tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(url)?;
            request
                .headers_mut()
                .insert("authorization", format!("Bearer {token}").parse()?);
            let (mut socket, _) = tokio_tungstenite::connect_async(request).await?;
            let hello = socket.next().await.unwrap()?;
            assert!(hello.to_text()?.contains("hello"));
            anyhow::Ok(socket)
        }
    };
    let mut nurse_ws = connect(nurse.token.clone()).await?;
    // A malformed frame gets an error and the connection stays.
    nurse_ws.send(Message::text("{\"type\":\"dance\"}")).await?;
    assert_eq!(next_json(&mut nurse_ws).await?["code"], "malformed_frame");
    nurse_ws
        .send(Message::text(
            json!({ "type": "subscribe", "group_id": team_id, "after": 0 }).to_string(),
        ))
        .await?;
    let backlog = next_json(&mut nurse_ws).await?;
    assert_eq!(
        (backlog["type"].as_str(), backlog["seq"].as_i64()),
        (Some("entry"), Some(1)),
        "{backlog}"
    );

    for n in 0..20 {
        server
            .post(
                &log,
                Some(&doctor.token),
                message("post", &dd, 0, &post(&format!("live-{n}")), None),
            )
            .await?;
    }
    for expected in 2..=21 {
        let entry = next_json(&mut nurse_ws).await?;
        assert_eq!(entry["seq"].as_i64(), Some(expected), "{entry}");
    }

    // Family cannot follow the team channel.
    let mut family_ws = connect(family.token.clone()).await?;
    family_ws
        .send(Message::text(
            json!({ "type": "subscribe", "group_id": team_id, "after": 0 }).to_string(),
        ))
        .await?;
    assert_eq!(next_json(&mut family_ws).await?["code"], "group_not_found");

    // Reconnecting with the last seq seen resumes without gaps or duplicates.
    drop(nurse_ws);
    server
        .post(
            &log,
            Some(&doctor.token),
            message("post", &dd, 0, &post("while away"), None),
        )
        .await?;
    let mut again = connect(nurse.token.clone()).await?;
    again
        .send(Message::text(
            json!({ "type": "subscribe", "group_id": team_id, "after": 21 }).to_string(),
        ))
        .await?;
    assert_eq!(next_json(&mut again).await?["seq"].as_i64(), Some(22));
    Ok(())
}

/// Two nodes on one PostgreSQL database: a post sent through one reaches a client
/// connected to the other (PostgreSQL LISTEN/NOTIFY carries only group and seq).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_post_through_one_node_reaches_a_client_on_another() -> Result<()> {
    let Room {
        server,
        doctor,
        nurse,
        room,
        ..
    } = room(DbKind::Postgres).await?;
    let other = server.start_node().await?;
    let device = TestDevice::register(&server, &doctor, 1, 0).await?;
    let dd = device.id.to_string();
    let team = group(&server, &doctor, &device, &room, "team").await?;
    let team_id = group_id(&room, "team");

    let url = format!("{}/api/v1/ws", other.url.replace("http://", "ws://"));
    let mut request = tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(url)?;
    request
        .headers_mut()
        .insert("authorization", format!("Bearer {}", nurse.token).parse()?);
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await?;
    assert!(next_json(&mut socket).await?["type"] == "hello");
    socket
        .send(Message::text(
            json!({ "type": "subscribe", "group_id": team_id, "after": 0 }).to_string(),
        ))
        .await?;
    // Give the subscription a moment to register before posting on the first node.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let log = format!("/api/v1/groups/{team}/messages");
    for n in 1..=5 {
        let (status, _) = server
            .post(
                &log,
                Some(&doctor.token),
                message(
                    "post",
                    &dd,
                    0,
                    &note(&device, &room, Channel::Team, &format!("via node A {n}")),
                    None,
                ),
            )
            .await?;
        assert_eq!(status, 200);
    }
    for expected in 1..=5 {
        let entry = next_json(&mut socket).await?;
        assert_eq!(entry["seq"].as_i64(), Some(expected), "{entry}");
    }
    Ok(())
}

on_both_databases!(
    key_packages_go_only_to_people_who_share_a_room,
    channels_reach_only_their_members,
    bad_messages_get_clear_errors,
    live_entries_reach_subscribers_in_order,
);
