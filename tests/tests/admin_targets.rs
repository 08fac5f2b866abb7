//! Whom an administrator may act on: every administrative action on a person ×
//! every kind of person, over HTTP, on SQLite and PostgreSQL.
//!
//! The rule: a facility administrator acts only on people who hold a staff role in
//! the facility. Being in one of its rooms (family, or an outside professional who
//! may be another facility's administrator) grants nothing; the system
//! administrator and oneself are refused. A refused action changes nothing: the
//! person still signs in with the same authenticator, keeps their session, their
//! device and their roles, and no recovery link exists for them.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use anyhow::Result;
use kizuna_proto::{OrganisationId, UserId};
use kizuna_tests::accounts::Person;
use kizuna_tests::{on_both_databases, BlobKind, DbKind, TestServer};
use serde_json::{json, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    OwnStaff,
    OwnAdministrator,
    OtherFacilityStaff,
    OtherFacilityAdministrator,
    OutsideProfessionalInMyRoom,
    FamilyInMyRoom,
    SystemAdministrator,
    Myself,
}

/// What an administrator of the clinic gets when acting on each kind of person.
fn expected(kind: Kind) -> u16 {
    match kind {
        Kind::OwnStaff | Kind::OwnAdministrator => 200,
        // Not the clinic's people: not even confirmed to exist through the clinic.
        Kind::OtherFacilityStaff
        | Kind::OtherFacilityAdministrator
        | Kind::OutsideProfessionalInMyRoom
        | Kind::FamilyInMyRoom
        | Kind::SystemAdministrator => 404,
        Kind::Myself => 403,
    }
}

struct Target {
    kind: Kind,
    person: Person,
    device: String,
}

struct World {
    server: TestServer,
    clinic: String,
    admin: Person,
    targets: Vec<Target>,
}

async fn device(server: &TestServer, person: &Person) -> Result<String> {
    use base64::Engine as _;
    let key = base64::engine::general_purpose::STANDARD.encode(rand_key());
    let (status, device) = server
        .post(
            "/api/v1/devices",
            Some(&person.token),
            json!({ "name": "phone", "signature_key": key }),
        )
        .await?;
    assert_eq!(status, 200, "{device}");
    Ok(device["id"].as_str().unwrap().to_owned())
}

fn rand_key() -> [u8; 32] {
    let mut key = [0u8; 32];
    key[..16].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
    key[16..].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
    key
}

async fn world(kind: DbKind) -> Result<World> {
    let server = TestServer::start(kind, BlobKind::Local).await?;
    let system = server.bootstrap_admin().await?;
    let clinic = server
        .organisation(&system, "みなみ診療所", "clinic", None)
        .await?;
    let station = server
        .organisation(&system, "あおば訪問看護", "nursing_station", None)
        .await?;
    let mut admin = server
        .staff(&system, &clinic, "office.kimura", "facility_admin")
        .await?;
    let other_admin_here = server
        .staff(&system, &clinic, "office.sasaki", "facility_admin")
        .await?;
    let nurse = server.staff(&admin, &clinic, "nurse.sato", "nurse").await?;
    let doctor = server.staff(&admin, &clinic, "dr.tanaka", "doctor").await?;
    let station_admin = server
        .staff(&system, &station, "office.aoba", "facility_admin")
        .await?;
    let station_nurse = server
        .staff(&station_admin, &station, "nurse.aoba", "nurse")
        .await?;
    let station_helper = server
        .staff(&station_admin, &station, "helper.aoba", "helper")
        .await?;

    // The clinic's doctor opens a room and brings in the station's administrator and
    // helper as outside professionals, and a family member.
    let room = server.room(&doctor, &clinic).await?;
    server
        .join_room(&doctor, &station_admin, &room, "professional")
        .await?;
    server
        .join_room(&doctor, &station_helper, &room, "professional")
        .await?;
    let link = server.invite_to_room(&doctor, &room, "family").await?;
    let family = server.register(&link, "family.yamada").await?;

    server.reauth(&mut admin).await?;
    let mut targets = Vec::new();
    for (kind, person) in [
        (Kind::OwnStaff, nurse),
        (Kind::OwnAdministrator, other_admin_here),
        (Kind::OtherFacilityStaff, station_nurse),
        (Kind::OtherFacilityAdministrator, station_admin),
        (Kind::OutsideProfessionalInMyRoom, station_helper),
        (Kind::FamilyInMyRoom, family),
        (Kind::SystemAdministrator, system),
    ] {
        let device = device(&server, &person).await?;
        targets.push(Target { kind, person, device });
    }
    let own_device = device(&server, &admin).await?;
    let myself = Person {
        user_id: admin.user_id.clone(),
        login_id: admin.login_id.clone(),
        password: admin.password.clone(),
        key: kizuna_tests::accounts::new_key(),
        token: admin.token.clone(),
    };
    targets.push(Target {
        kind: Kind::Myself,
        person: myself,
        device: own_device,
    });
    Ok(World {
        server,
        clinic,
        admin,
        targets,
    })
}

/// Every administrative action on a person, in an order that lets the allowed ones
/// all succeed on the same person (disable last).
fn actions(clinic: &str, user: &str, device: &str) -> Vec<(&'static str, String, Value)> {
    let base = format!("/api/v1/organisations/{clinic}/staff/{user}");
    let act = |a: &str| json!({ "action": a });
    vec![
        (
            "grant a role",
            format!("{base}/roles"),
            json!({ "role": "care_manager", "granted": true }),
        ),
        (
            "take a role away",
            format!("{base}/roles"),
            json!({ "role": "care_manager", "granted": false }),
        ),
        ("unlock", format!("{base}/actions"), act("unlock")),
        ("suspend", format!("{base}/actions"), act("suspend")),
        ("reactivate", format!("{base}/actions"), act("reactivate")),
        (
            "revoke a device",
            format!("{base}/devices/{device}/revoke"),
            json!({}),
        ),
        (
            "reset after an identity check",
            format!("{base}/reset"),
            json!({ "verification_method": "in_person_photo_id", "verification_note": "photo ID checked at the desk" }),
        ),
        ("disable (leaver)", format!("{base}/actions"), act("disable")),
    ]
}

async fn every_administrative_action_on_every_kind_of_person(kind: DbKind) -> Result<()> {
    let World {
        server,
        clinic,
        mut admin,
        mut targets,
    } = world(kind).await?;
    let mut wrong = Vec::new();
    for target in &targets {
        for (name, path, body) in actions(&clinic, &target.person.user_id, &target.device) {
            let (status, answer) = server.post(&path, Some(&admin.token), body).await?;
            let want = expected(target.kind);
            let ok = if want == 200 {
                (200..300).contains(&status)
            } else {
                status == want
            };
            if !ok {
                wrong.push(format!(
                    "{:?} / {name}: got {status} {answer}, expected {want}",
                    target.kind
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "administrative actions on the wrong people:\n{}",
        wrong.join("\n")
    );

    // Nothing happened to anyone refused: same session, same device, same roles, no
    // reset recorded, and they still sign in with their own authenticator.
    let clinic_id: OrganisationId = clinic.parse()?;
    let ledger = server
        .db
        .run(move |conn| kizuna_storage::reset_ledger::for_organisation(conn, clinic_id))
        .await?;
    for target in targets.iter_mut().filter(|t| expected(t.kind) != 200) {
        let who = format!("{:?}", target.kind);
        let user: UserId = target.person.user_id.parse()?;
        assert!(
            ledger.iter().all(|e| e.user != user),
            "{who}: a reset was recorded"
        );
        let memberships = server
            .db
            .run(move |conn| kizuna_storage::orgs::memberships_of_user(conn, user))
            .await?;
        assert!(
            memberships
                .iter()
                .all(|m| m.organisation != clinic_id || m.role.as_str() != "care_manager"),
            "{who} was given a role in the clinic: {memberships:?}"
        );
        let devices = server
            .db
            .run(move |conn| kizuna_storage::devices::for_user(conn, user))
            .await?;
        assert!(
            devices.iter().all(|d| d.revoked_at.is_none()),
            "{who}: device revoked"
        );
        let (status, me) = server.get("/api/v1/me", Some(&target.person.token)).await?;
        assert_eq!(status, 200, "{who}: session ended: {me}");
        if target.kind == Kind::Myself {
            continue;
        }
        let password = target.person.password.clone();
        let (status, body) = server.sign_in(&mut target.person, &password).await?;
        assert_eq!(status, 200, "{who} can no longer sign in: {body}");
    }
    let password = admin.password.clone();
    let (status, body) = server.sign_in(&mut admin, &password).await?;
    assert_eq!(status, 200, "the administrator locked themself out: {body}");

    // The people allowed were really acted on: reset (recorded), then disabled.
    for target in targets.iter().filter(|t| expected(t.kind) == 200) {
        let user: UserId = target.person.user_id.parse()?;
        assert!(ledger.iter().any(|e| e.user == user), "{:?}", target.kind);
        let (status, _) = server.get("/api/v1/me", Some(&target.person.token)).await?;
        assert_eq!(status, 401, "{:?} still signed in", target.kind);
    }
    Ok(())
}

/// The staff list names the room's outsiders but exposes nothing the clinic could
/// administer about them (their devices, their lock).
async fn the_staff_list_does_not_expose_outsiders_devices(kind: DbKind) -> Result<()> {
    let World {
        server,
        clinic,
        admin,
        targets,
    } = world(kind).await?;
    let (status, staff) = server
        .get(
            &format!("/api/v1/organisations/{clinic}/staff"),
            Some(&admin.token),
        )
        .await?;
    assert_eq!(status, 200, "{staff}");
    let row = |login: &str| {
        staff
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["login_id"] == login)
            .cloned()
            .unwrap_or_else(|| panic!("{login} not listed: {staff}"))
    };
    for target in &targets {
        let listed = match target.kind {
            Kind::OtherFacilityStaff | Kind::SystemAdministrator => continue,
            _ => row(&target.person.login_id),
        };
        let staff_here = matches!(
            target.kind,
            Kind::OwnStaff | Kind::OwnAdministrator | Kind::Myself
        );
        let devices = listed["devices"].as_array().unwrap().len();
        if staff_here {
            assert_eq!(listed["relation"], "staff", "{listed}");
            assert_eq!(devices, 1, "{:?}: {listed}", target.kind);
        } else {
            assert_eq!(listed["relation"], "room_member", "{listed}");
            assert_eq!(devices, 0, "{:?}'s devices exposed: {listed}", target.kind);
        }
    }
    Ok(())
}

on_both_databases!(
    every_administrative_action_on_every_kind_of_person,
    the_staff_list_does_not_expose_outsiders_devices,
);
