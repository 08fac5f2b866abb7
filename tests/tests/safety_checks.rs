//! Safety checks (安否確認, issue 14) over HTTP, on SQLite and PostgreSQL: a
//! broadcast with `safety_check: true` opens a check; the care team answers per
//! client room with a coarse status; the sending organisation's officers follow the
//! totals live, export them as CSV and close the check.
//!
//! The World follows `broadcasts.rs`: an association with its roster and officer,
//! two facilities under it with a client room each, a nurse and a family member in
//! the first facility's room and a nurse of the second facility.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use std::time::Duration;

use anyhow::Result;
use kizuna_crypto::broadcast::{sign, sign_roster_change, Broadcast, RosterChange, SignedBroadcast};
use kizuna_proto::{BroadcastId, OrganisationId, Severity, Timestamp};
use kizuna_tests::accounts::{answer, Person};
use kizuna_tests::officer::{signer, Signer};
use kizuna_tests::ws::{connect, next_json, wait_for};
use kizuna_tests::{on_both_databases, BlobKind, DbKind, TestServer};
use serde_json::{json, Value};

struct World {
    server: TestServer,
    association: String,
    clinic: String,
    station: String,
    officer: Signer,
    other_officer: Person,
    nurse: Person,
    family: Person,
    other_nurse: Person,
    room: String,
    other_room: String,
}

async fn world(kind: DbKind) -> Result<World> {
    let server = TestServer::start(kind, BlobKind::Local).await?;
    let system = server.bootstrap_admin().await?;
    let association = server
        .organisation(&system, "みなみ県医師会", "association", None)
        .await?;
    let other_city = server.organisation(&system, "きた市", "city", None).await?;
    let clinic = server
        .organisation(&system, "みなみ診療所", "clinic", Some(&association))
        .await?;
    let station = server
        .organisation(&system, "ひがし訪問看護", "clinic", Some(&association))
        .await?;
    let admin = server
        .staff(&system, &association, "office.ito", "officer")
        .await?;
    let officer = server
        .staff(&admin, &association, "bo.suzuki", "broadcast_officer")
        .await?;
    let other_officer = server
        .staff(&system, &other_city, "bo.kita", "broadcast_officer")
        .await?;
    let clinic_admin = server
        .staff(&system, &clinic, "office.minami", "facility_admin")
        .await?;
    let nurse = server
        .staff(&clinic_admin, &clinic, "nurse.sato", "nurse")
        .await?;
    let doctor = server.staff(&clinic_admin, &clinic, "dr.mori", "doctor").await?;
    let room = server.room(&doctor, &clinic).await?;
    server.join_room(&doctor, &nurse, &room, "professional").await?;
    let link = server.invite_to_room(&doctor, &room, "family").await?;
    let family = server.register(&link, "family.yamada").await?;
    let station_admin = server
        .staff(&system, &station, "office.higashi", "facility_admin")
        .await?;
    let other_nurse = server
        .staff(&station_admin, &station, "nurse.kato", "nurse")
        .await?;
    let other_room = server.room(&other_nurse, &station).await?;
    let officer = signer(&server, officer, 1).await?;
    let now = server.now();
    let change = RosterChange {
        organisation: org(&association),
        version: 1,
        previous: None,
        issued_at: now,
        signed_by: officer.officer,
        officers: vec![officer.officer],
    };
    let signed = sign_roster_change(&change, &officer.key).unwrap();
    let (status, answer) = server
        .post(
            &format!("/api/v1/organisations/{association}/roster"),
            Some(&officer.person.token),
            serde_json::to_value(&signed)?,
        )
        .await?;
    assert_eq!(status, 204, "{answer}");
    Ok(World {
        server,
        association,
        clinic,
        station,
        officer,
        other_officer,
        nurse,
        family,
        other_nurse,
        room,
        other_room,
    })
}

fn org(id: &str) -> OrganisationId {
    id.parse().unwrap()
}

/// Sends a notice from the association's officer, current for a day; returns its ID.
async fn send(w: &World, safety_check: bool) -> Result<String> {
    send_for(w, safety_check, 86_400_000).await
}

/// Sends a notice current for `lifetime_ms`; returns its ID.
async fn send_for(w: &World, safety_check: bool, lifetime_ms: i64) -> Result<String> {
    let now = w.server.now();
    let content = Broadcast {
        id: BroadcastId::from_uuid(uuid::Uuid::new_v4()),
        organisation: org(&w.association),
        signed_by: w.officer.officer,
        severity: Severity::Emergency,
        title: "避難指示：みなみ川流域".into(),
        area: "みなみ市 みなみ川 流域".into(),
        body: "利用者の安否を確認してください。".into(),
        issued_at: now,
        expires_at: Timestamp(now.0 + lifetime_ms),
        attachment: None,
        safety_check,
        include_families: true,
    };
    let signed: SignedBroadcast = sign(&content, &w.officer.key).unwrap();
    let (status, sent) = w
        .server
        .post(
            &format!("/api/v1/organisations/{}/broadcasts", w.association),
            Some(&w.officer.person.token),
            serde_json::to_value(&signed)?,
        )
        .await?;
    assert_eq!(status, 201, "{sent}");
    Ok(sent["id"].as_str().unwrap().to_owned())
}

async fn put_answer(w: &World, by: &Person, id: &str, room: &str, body: Value) -> Result<(u16, Value)> {
    let path = format!("/api/v1/broadcasts/{id}/safety/rooms/{room}");
    answer(
        w.server
            .http
            .put(w.server.at(&path))
            .bearer_auth(&by.token)
            .json(&body)
            .send()
            .await?,
    )
    .await
}

async fn dashboard(w: &World, by: &Person, id: &str) -> Result<(u16, Value)> {
    let path = format!("/api/v1/organisations/{}/broadcasts/{id}/safety", w.association);
    w.server.get(&path, Some(&by.token)).await
}

fn code(answer: &Value) -> Option<&str> {
    answer["error"]["code"].as_str()
}

fn facility<'a>(board: &'a Value, id: &str) -> &'a Value {
    board["facilities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["facility"] == id)
        .unwrap_or_else(|| panic!("no facility {id} in {board}"))
}

async fn a_nurse_answers_and_the_officer_sees_it_with_the_facility(kind: DbKind) -> Result<()> {
    let w = world(kind).await?;
    let id = send(&w, true).await?;

    // The nurse sees her client's room still to answer.
    let (status, mine) = w
        .server
        .get(
            &format!("/api/v1/broadcasts/{id}/safety/rooms"),
            Some(&w.nurse.token),
        )
        .await?;
    assert_eq!(status, 200, "{mine}");
    assert_eq!(mine["open"], true);
    let rooms = mine["rooms"].as_array().unwrap();
    assert_eq!(rooms.len(), 1, "{mine}");
    assert_eq!(rooms[0]["room"], w.room.as_str());
    assert!(rooms[0]["status"].is_null());

    let body = json!({ "status": "needs_support", "need": "medical" });
    let (status, answered) = put_answer(&w, &w.nurse, &id, &w.room, body).await?;
    assert_eq!(status, 204, "{answered}");
    let (_, mine) = w
        .server
        .get(
            &format!("/api/v1/broadcasts/{id}/safety/rooms"),
            Some(&w.nurse.token),
        )
        .await?;
    assert_eq!(mine["rooms"][0]["status"], "needs_support");
    assert_eq!(mine["rooms"][0]["need"], "medical");

    // The officer's dashboard: 要支援 in みなみ診療所, the other facility unanswered.
    let (status, board) = dashboard(&w, &w.officer.person, &id).await?;
    assert_eq!(status, 200, "{board}");
    assert_eq!(board["totals"]["needs_support"], 1);
    assert_eq!(board["totals"]["unanswered"], 1);
    let clinic = facility(&board, &w.clinic);
    assert_eq!(clinic["name"], "みなみ診療所");
    assert_eq!(clinic["totals"]["needs_support"], 1);
    assert_eq!(clinic["totals"]["unanswered"], 0);
    assert_eq!(facility(&board, &w.station)["totals"]["unanswered"], 1);
    let needs = board["needs_support"].as_array().unwrap();
    assert_eq!(needs.len(), 1, "{board}");
    assert_eq!(needs[0]["room"], w.room.as_str());
    assert_eq!(needs[0]["facility"], w.clinic.as_str());
    assert_eq!(needs[0]["facility_name"], "みなみ診療所");
    assert_eq!(needs[0]["need"], "medical");

    // The CSV has the header and the counts per facility, no room.
    let response = w
        .server
        .http
        .get(w.server.at(&format!(
            "/api/v1/organisations/{}/broadcasts/{id}/safety.csv",
            w.association
        )))
        .bearer_auth(&w.officer.person.token)
        .send()
        .await?;
    assert_eq!(response.status().as_u16(), 200);
    let content_type = response.headers()["content-type"].to_str()?.to_owned();
    assert!(content_type.starts_with("text/csv"), "{content_type}");
    let csv = response.text().await?;
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "facility,safe,needs_support,unreachable,evacuated,unanswered"
    );
    assert!(lines.contains(&"みなみ診療所,0,1,0,0,0"), "{csv}");
    assert!(lines.contains(&"ひがし訪問看護,0,0,0,0,1"), "{csv}");
    assert!(!csv.contains(&w.room), "{csv}");

    // A later answer replaces the earlier one.
    let (status, _) = put_answer(
        &w,
        &w.nurse,
        &id,
        &w.room,
        json!({ "status": "evacuated", "need": null }),
    )
    .await?;
    assert_eq!(status, 204);
    let (_, board) = dashboard(&w, &w.officer.person, &id).await?;
    assert_eq!(board["totals"]["needs_support"], 0);
    assert_eq!(board["totals"]["evacuated"], 1);
    assert!(board["needs_support"].as_array().unwrap().is_empty());

    // Audited with the room and status, no text.
    let events = w
        .server
        .db
        .run(|conn| kizuna_storage::audit::recent(conn, 100))
        .await?;
    let answers: Vec<_> = events.iter().filter(|e| e.action == "safety.answered").collect();
    assert_eq!(answers.len(), 2);
    let detail = answers
        .iter()
        .map(|e| e.detail.clone().unwrap_or_default())
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        detail.contains(&w.room) && detail.contains("needs_support"),
        "{detail}"
    );
    Ok(())
}

async fn people_off_the_care_team_and_notes_are_refused(kind: DbKind) -> Result<()> {
    let w = world(kind).await?;
    let id = send(&w, true).await?;
    let safe = json!({ "status": "safe" });

    // Family in the room: forbidden, as the room rules say; a nurse of another
    // facility, not in the room: not found.
    let (status, refused) = put_answer(&w, &w.family, &id, &w.room, safe.clone()).await?;
    assert_eq!((status, code(&refused)), (403, Some("forbidden")), "{refused}");
    let (status, refused) = put_answer(&w, &w.other_nurse, &id, &w.room, safe.clone()).await?;
    assert_eq!((status, code(&refused)), (404, Some("not_found")), "{refused}");
    // The other nurse answers for her own room, and the first room stays unanswered.
    let (status, _) = put_answer(&w, &w.other_nurse, &id, &w.other_room, safe.clone()).await?;
    assert_eq!(status, 204);

    // No text can be stored: a note is refused before anything is kept.
    let marker = "MARKER-山田花子-避難先-公民館";
    let with_note = json!({ "status": "safe", "note": marker });
    let (status, refused) = put_answer(&w, &w.nurse, &id, &w.room, with_note).await?;
    assert!(status == 400 || status == 422, "{status} {refused}");
    // A need only with 要支援, and 要支援 always with one.
    let mismatched = json!({ "status": "safe", "need": "supplies" });
    let (status, refused) = put_answer(&w, &w.nurse, &id, &w.room, mismatched).await?;
    assert_eq!((status, code(&refused)), (422, Some("safety_need_mismatch")));
    let (status, _) = put_answer(&w, &w.nurse, &id, &w.room, json!({ "status": "needs_support" })).await?;
    assert_eq!(status, 422);
    let (_, board) = dashboard(&w, &w.officer.person, &id).await?;
    assert_eq!(
        board["totals"]["safe"], 1,
        "only the other nurse's answer: {board}"
    );
    assert_eq!(facility(&board, &w.clinic)["totals"]["unanswered"], 1);
    assert!(!board.to_string().contains(marker));

    // A broadcast without a check has nothing to answer.
    let plain = send(&w, false).await?;
    let (status, _) = put_answer(&w, &w.nurse, &plain, &w.room, safe.clone()).await?;
    assert_eq!(status, 404);

    // The dashboard is the sending organisation's: a nurse, the family member and
    // another city's officer are refused, and nobody sees the check through their
    // own organisation's address.
    for person in [&w.nurse, &w.family, &w.other_officer] {
        let (status, _) = dashboard(&w, person, &id).await?;
        assert!(status == 403 || status == 404, "{status}");
        let close = format!(
            "/api/v1/organisations/{}/broadcasts/{id}/safety/close",
            w.association
        );
        let (status, _) = w.server.post(&close, Some(&person.token), json!({})).await?;
        assert!(status == 403 || status == 404, "{status}");
    }
    let theirs = format!("/api/v1/organisations/{}/broadcasts/{id}/safety", w.clinic);
    let (status, _) = w.server.get(&theirs, Some(&w.nurse.token)).await?;
    assert!(status == 403 || status == 404, "{status}");
    Ok(())
}

async fn a_closed_check_takes_no_more_answers(kind: DbKind) -> Result<()> {
    let w = world(kind).await?;
    let id = send(&w, true).await?;
    let close = format!(
        "/api/v1/organisations/{}/broadcasts/{id}/safety/close",
        w.association
    );
    let (status, closed) = w
        .server
        .post(&close, Some(&w.officer.person.token), json!({}))
        .await?;
    assert_eq!(status, 204, "{closed}");
    let (status, refused) = put_answer(&w, &w.nurse, &id, &w.room, json!({ "status": "safe" })).await?;
    assert_eq!(
        (status, code(&refused)),
        (409, Some("safety_check_closed")),
        "{refused}"
    );
    let (_, board) = dashboard(&w, &w.officer.person, &id).await?;
    assert_eq!(board["open"], false);
    assert!(board["closed_at"].is_i64());
    assert_eq!(board["totals"]["safe"], 0);
    let (_, mine) = w
        .server
        .get(
            &format!("/api/v1/broadcasts/{id}/safety/rooms"),
            Some(&w.nurse.token),
        )
        .await?;
    assert_eq!(mine["open"], false);
    let events = w
        .server
        .db
        .run(|conn| kizuna_storage::audit::recent(conn, 100))
        .await?;
    assert!(events
        .iter()
        .any(|e| e.action == "safety.closed" && e.target_id.as_deref() == Some(id.as_str())));

    // A check also ends when its broadcast expires (a minute after sending here).
    let later = send_for(&w, true, 60_000).await?;
    let (status, _) = put_answer(&w, &w.nurse, &later, &w.room, json!({ "status": "safe" })).await?;
    assert_eq!(status, 204, "open until it expires");
    w.server.advance(Duration::from_secs(120));
    let (status, refused) = put_answer(&w, &w.nurse, &later, &w.room, json!({ "status": "safe" })).await?;
    assert_eq!((status, code(&refused)), (409, Some("safety_check_closed")));
    Ok(())
}

async fn the_officers_socket_hears_each_answer(kind: DbKind) -> Result<()> {
    let w = world(kind).await?;
    let id = send(&w, true).await?;
    let mut officer_socket = connect(&w.server.url, &w.officer.person.token).await?;
    let mut nurse_socket = connect(&w.server.url, &w.nurse.token).await?;
    assert_eq!(next_json(&mut officer_socket).await.unwrap()["type"], "hello");
    assert_eq!(next_json(&mut nurse_socket).await.unwrap()["type"], "hello");
    let body = json!({ "status": "needs_support", "need": "evacuation" });
    let (status, _) = put_answer(&w, &w.nurse, &id, &w.room, body).await?;
    assert_eq!(status, 204);
    let notice = wait_for(&mut officer_socket, "safety")
        .await
        .expect("the officer hears it");
    assert_eq!(notice, json!({ "type": "safety", "broadcast": id }));
    assert!(
        wait_for(&mut nurse_socket, "safety").await.is_none(),
        "the dashboard's notice is for officers only"
    );
    Ok(())
}

/// Two nodes on one PostgreSQL database: an answer through one reaches the
/// officer's socket on the other (NOTIFY carries only the officer and the check).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_through_one_node_reaches_the_officer_on_another() -> Result<()> {
    let w = world(DbKind::Postgres).await?;
    let id = send(&w, true).await?;
    let other = w.server.start_node().await?;
    let url = format!("{}/api/v1/ws", other.url.replace("http://", "ws://"));
    let mut request = tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(url)?;
    request.headers_mut().insert(
        "authorization",
        format!("Bearer {}", w.officer.person.token).parse()?,
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await?;
    assert_eq!(next_json(&mut socket).await.unwrap()["type"], "hello");
    // Give the other node's listener a moment to be ready.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (status, _) = put_answer(&w, &w.nurse, &id, &w.room, json!({ "status": "unreachable" })).await?;
    assert_eq!(status, 204);
    let notice = wait_for(&mut socket, "safety").await;
    assert_eq!(notice, Some(json!({ "type": "safety", "broadcast": id })));
    other.stop().await;
    Ok(())
}

on_both_databases!(
    a_nurse_answers_and_the_officer_sees_it_with_the_facility,
    people_off_the_care_team_and_notes_are_refused,
    a_closed_check_takes_no_more_answers,
    the_officers_socket_hears_each_answer,
);
