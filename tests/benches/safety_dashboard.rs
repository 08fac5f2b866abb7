//! Benchmark: the officer's safety-check dashboard (安否確認, issue 14) over thousands
//! of client rooms.
//!
//!     cargo build --release -p kizuna-server --bin kizuna-server
//!     cargo bench -p kizuna-tests --bench safety_dashboard
//!
//! (Rebuild the server binary first: the bench runs whatever is in target/release.)
//!
//! The real `kizuna-server` runs as a separate process. An association (roster
//! version 1 published, one broadcast officer) has `SAFETY_FACILITIES` facilities
//! under it; its officer sends one signed 緊急 notice that opens a safety check. The
//! facilities' `SAFETY_ROOMS` client rooms and `SAFETY_ANSWERED` percent of their
//! answers are then seeded straight into the database through the storage crate
//! (the same `rooms::create` and `safety::put` the server uses), in one
//! transaction; one more room is made and answered over HTTP by a nurse on its care
//! team, so the seeded rows sit next to rows the server wrote itself. Then the
//! officer refreshes `GET /organisations/{org}/broadcasts/{id}/safety`
//! `SAFETY_REFRESHES` times, one after another on one keep-alive connection (after 5
//! unmeasured warm-up refreshes), first without compression, then asking for gzip as
//! a browser does, and the bench prints the time of each refresh (request sent to
//! body read) as p50 / p99 / max and the answer's size as sent. The totals of the
//! first answer are checked against what was seeded.
//!
//! Environment: `SAFETY_ROOMS` (5000), `SAFETY_FACILITIES` (50), `SAFETY_ANSWERED`
//! (90, percent of rooms), `SAFETY_REFRESHES` (100), `SAFETY_DB` (`sqlite` or
//! `postgres`; both when unset), `KIZUNA_TEST_PG_URL` (the PostgreSQL server the
//! bench creates its database on).

#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark: a panic is a failed run

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use kizuna_crypto::broadcast::{sign, sign_roster_change, Broadcast, RosterChange};
use kizuna_proto::{
    BroadcastId, OrganisationId, RoomId, SafetyNeed, SafetyStatus, Severity, Timestamp, UserId,
};
use kizuna_storage::rooms::{self, Room};
use kizuna_storage::safety::{self, SafetyAnswer};
use kizuna_tests::accounts;
use kizuna_tests::bench::env_or;
use kizuna_tests::officer::{signer, Signer};
use kizuna_tests::process::ServerProcess;
use kizuna_tests::{DbKind, TestDb, TestServer};
use serde_json::{json, Value};

/// Refreshes before the measured ones (connection, caches, query plans).
const WARM_UP: usize = 5;

fn now() -> Timestamp {
    Timestamp(SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as i64)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}

/// What the bench set up: the association, its officer, the check and the counts
/// the dashboard must show.
struct Check {
    association: String,
    officer: Signer,
    broadcast: String,
    rooms: u64,
    /// Per status: safe, needs_support, unreachable, evacuated.
    answered: [u64; 4],
    /// How long seeding the rooms and answers took.
    seeded_secs: f64,
}

/// The status the `i`-th answered room gets: mostly 無事, some 避難済み, a few
/// 要支援 (each kind of need in turn) and 連絡取れず.
fn status_of(i: usize) -> (SafetyStatus, Option<SafetyNeed>) {
    match i % 20 {
        0 => {
            let need = [
                SafetyNeed::Medical,
                SafetyNeed::Evacuation,
                SafetyNeed::Supplies,
                SafetyNeed::Other,
            ][(i / 20) % 4];
            (SafetyStatus::NeedsSupport, Some(need))
        }
        1 => (SafetyStatus::Unreachable, None),
        2..=4 => (SafetyStatus::Evacuated, None),
        _ => (SafetyStatus::Safe, None),
    }
}

fn slot(status: SafetyStatus) -> usize {
    match status {
        SafetyStatus::Safe => 0,
        SafetyStatus::NeedsSupport => 1,
        SafetyStatus::Unreachable => 2,
        SafetyStatus::Evacuated => 3,
    }
}

async fn set_up(
    server: &TestServer,
    bootstrap_link: &str,
    facilities: usize,
    rooms: usize,
    answered_pct: usize,
) -> Check {
    let admin = server.register(bootstrap_link, "admin").await.unwrap();
    let association = server
        .organisation(&admin, "みなみ県医師会", "association", None)
        .await
        .unwrap();
    let mut facility_ids = Vec::with_capacity(facilities);
    for i in 0..facilities {
        let name = format!("みなみ訪問看護ステーション{i:02}");
        facility_ids.push(
            server
                .organisation(&admin, &name, "clinic", Some(&association))
                .await
                .unwrap(),
        );
    }
    let officer = server
        .staff(&admin, &association, "bo.suzuki", "broadcast_officer")
        .await
        .unwrap();
    let officer = signer(server, officer, 7).await.unwrap();
    let nurse = server
        .staff(&admin, &facility_ids[0], "nurse.sato", "nurse")
        .await
        .unwrap();
    let issued_at = now();
    let roster = RosterChange {
        organisation: association.parse::<OrganisationId>().unwrap(),
        version: 1,
        previous: None,
        issued_at,
        signed_by: officer.officer,
        officers: vec![officer.officer],
    };
    let roster = sign_roster_change(&roster, &officer.key).unwrap();
    let (status, answer) = server
        .post(
            &format!("/api/v1/organisations/{association}/roster"),
            Some(&officer.person.token),
            serde_json::to_value(&roster).unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(status, 204, "{answer}");
    let notice = Broadcast {
        id: BroadcastId::from_uuid(uuid::Uuid::new_v4()),
        organisation: association.parse().unwrap(),
        signed_by: officer.officer,
        severity: Severity::Emergency,
        title: "避難指示：みなみ川流域".into(),
        area: "みなみ市 みなみ川 流域".into(),
        body: "利用者の避難状況を確認し、安否を報告してください。".into(),
        issued_at,
        expires_at: Timestamp(issued_at.0 + 12 * 3_600_000),
        attachment: None,
        safety_check: true,
        include_families: false,
    };
    let (status, sent) = server
        .post(
            &format!("/api/v1/organisations/{association}/broadcasts"),
            Some(&officer.person.token),
            serde_json::to_value(sign(&notice, &officer.key).unwrap()).unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(status, 201, "{sent}");
    let broadcast = sent["id"].as_str().unwrap().to_owned();

    // One room made and answered as the care team does it, over HTTP.
    let room = server.room(&nurse, &facility_ids[0]).await.unwrap();
    let response = server
        .http
        .put(server.at(&format!("/api/v1/broadcasts/{broadcast}/safety/rooms/{room}")))
        .bearer_auth(&nurse.token)
        .json(&json!({ "status": "safe" }))
        .send()
        .await
        .unwrap();
    let (status, answer) = accounts::answer(response).await.unwrap();
    assert_eq!(status, 204, "{answer}");

    // The rest seeded behind the API, in one transaction.
    let seeding = Instant::now();
    let by: UserId = nurse.user_id.parse().unwrap();
    let check: BroadcastId = broadcast.parse().unwrap();
    let orgs: Vec<OrganisationId> = facility_ids.iter().map(|f| f.parse().unwrap()).collect();
    let answered_rooms = rooms * answered_pct / 100;
    let counts = server
        .db
        .run(move |conn| {
            kizuna_storage::transaction(conn, |conn| {
                let mut counts = [0u64; 4];
                let at = now();
                for i in 0..rooms {
                    let id = RoomId::from_uuid(uuid::Uuid::new_v4());
                    let facility = orgs[i % orgs.len()];
                    rooms::create(conn, &Room::new(id, facility, by, at))?;
                    if i < answered_rooms {
                        let (status, need) = status_of(i);
                        counts[slot(status)] += 1;
                        safety::put(
                            conn,
                            &SafetyAnswer {
                                broadcast_id: check,
                                room_id: id,
                                organisation_id: facility,
                                status,
                                need,
                                answered_by: by,
                                answered_at: Timestamp(at.0 + i as i64),
                            },
                        )?;
                    }
                }
                Ok(counts)
            })
        })
        .await
        .unwrap();
    let seeded_secs = seeding.elapsed().as_secs_f64();
    let mut answered = counts;
    answered[slot(SafetyStatus::Safe)] += 1;
    Check {
        association,
        officer,
        broadcast,
        rooms: rooms as u64 + 1,
        answered,
        seeded_secs,
    }
}

/// One refresh asking for `encoding` (`identity`, or `gzip` as a browser does): the
/// time from sending the request to the whole body read, and the body as it came.
async fn refresh(server: &TestServer, path: &str, token: &str, encoding: &str) -> (f64, Vec<u8>) {
    let started = Instant::now();
    let response = server
        .http
        .get(server.at(path))
        .bearer_auth(token)
        .header("accept-encoding", encoding)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let body = response.bytes().await.unwrap();
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    (ms, body.to_vec())
}

async fn measure(
    database: &str,
    kind: DbKind,
    facilities: usize,
    rooms: usize,
    answered_pct: usize,
    refreshes: usize,
) {
    let db = match kind {
        DbKind::Sqlite => None,
        DbKind::Postgres => Some(TestDb::new(kind).unwrap()),
    };
    let process = ServerProcess::start(db.as_ref().map(|d| d.url.as_str()))
        .await
        .unwrap();
    let server = &process.server;
    let check = set_up(
        server,
        process.bootstrap_link.as_deref().unwrap(),
        facilities,
        rooms,
        answered_pct,
    )
    .await;
    let path = format!(
        "/api/v1/organisations/{}/broadcasts/{}/safety",
        check.association, check.broadcast
    );
    let token = check.officer.person.token.clone();
    let (_, body) = refresh(server, &path, &token, "identity").await;
    let board: Value = serde_json::from_slice(&body).unwrap();
    let totals = &board["totals"];
    let answered: u64 = check.answered.iter().sum();
    assert_eq!(
        (
            &totals["safe"],
            &totals["needs_support"],
            &totals["unreachable"],
            &totals["evacuated"],
            &totals["unanswered"],
        ),
        (
            &json!(check.answered[0]),
            &json!(check.answered[1]),
            &json!(check.answered[2]),
            &json!(check.answered[3]),
            &json!(check.rooms - answered),
        ),
        "{totals}"
    );
    assert_eq!(board["facilities"].as_array().unwrap().len(), facilities);
    assert_eq!(
        board["needs_support"].as_array().unwrap().len() as u64,
        check.answered[1]
    );
    for encoding in ["identity", "gzip"] {
        for _ in 0..WARM_UP {
            refresh(server, &path, &token, encoding).await;
        }
        let mut times = Vec::with_capacity(refreshes);
        let mut bytes = 0;
        for _ in 0..refreshes {
            let (ms, body) = refresh(server, &path, &token, encoding).await;
            times.push(ms);
            bytes = body.len();
        }
        times.sort_by(f64::total_cmp);
        println!(
            "| {database} | {} | {facilities} | {answered} | {} | {encoding} | {refreshes} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} |",
            check.rooms,
            check.answered[1],
            times[0],
            percentile(&times, 0.5),
            percentile(&times, 0.99),
            times.last().copied().unwrap_or(f64::NAN),
            bytes as f64 / 1024.0,
            check.seeded_secs,
        );
    }
    drop(process);
    drop(db);
}

fn main() {
    let rooms = env_or("SAFETY_ROOMS", 5_000usize);
    let facilities = env_or("SAFETY_FACILITIES", 50usize);
    let answered = env_or("SAFETY_ANSWERED", 90usize).min(100);
    let refreshes = env_or("SAFETY_REFRESHES", 100usize).max(1);
    let only = std::env::var("SAFETY_DB")
        .unwrap_or_default()
        .to_ascii_lowercase();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        println!("| database | rooms | facilities | answered | 要支援 | encoding | refreshes | min ms | p50 ms | p99 ms | max ms | answer KiB | seeding s |");
        println!("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        for (name, kind) in [("SQLite", DbKind::Sqlite), ("PostgreSQL", DbKind::Postgres)] {
            if only.is_empty() || name.to_ascii_lowercase().starts_with(&only) {
                measure(name, kind, facilities, rooms, answered, refreshes).await;
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    });
}
