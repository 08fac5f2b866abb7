//! Every role against every administrative endpoint: the role matrix as users
//! meet it over HTTP, on SQLite and PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use anyhow::Result;
use kizuna_tests::accounts::Person;
use kizuna_tests::{on_both_databases, BlobKind, DbKind, TestServer};
use serde_json::{json, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    SystemAdmin,
    Officer,
    ClinicAdmin,
    OtherFacilityAdmin,
    Doctor,
    OtherNurse,
    Family,
    Volunteer,
    Anonymous,
}

const EVERYONE: [Who; 9] = [
    Who::SystemAdmin,
    Who::Officer,
    Who::ClinicAdmin,
    Who::OtherFacilityAdmin,
    Who::Doctor,
    Who::OtherNurse,
    Who::Family,
    Who::Volunteer,
    Who::Anonymous,
];

struct World {
    server: TestServer,
    people: Vec<(Who, Person)>,
    association: String,
    clinic: String,
    room: String,
    helper: String,
}

impl World {
    fn token(&self, who: Who) -> Option<&str> {
        self.people
            .iter()
            .find(|(w, _)| *w == who)
            .map(|(_, p)| p.token.as_str())
    }
}

async fn world(kind: DbKind) -> Result<World> {
    let server = TestServer::start(kind, BlobKind::Local).await?;
    let admin = server.bootstrap_admin().await?;
    let association = server
        .organisation(&admin, "県医師会", "association", None)
        .await?;
    let officer = server
        .staff(&admin, &association, "officer.mori", "officer")
        .await?;
    // The officer onboards a clinic under the association.
    let clinic = server
        .organisation(&officer, "みなみ診療所", "clinic", Some(&association))
        .await?;
    let clinic_admin = server
        .staff(&officer, &clinic, "office.kimura", "facility_admin")
        .await?;
    let doctor = server
        .staff(&clinic_admin, &clinic, "dr.tanaka", "doctor")
        .await?;
    let helper = server
        .staff(&clinic_admin, &clinic, "helper.ito", "helper")
        .await?;
    let station = server
        .organisation(&admin, "あおば訪問看護", "nursing_station", None)
        .await?;
    let station_admin = server
        .staff(&admin, &station, "office.aoba", "facility_admin")
        .await?;
    let nurse = server
        .staff(&station_admin, &station, "nurse.sato", "nurse")
        .await?;

    let (status, room) = server
        .post(
            &format!("/api/v1/organisations/{clinic}/rooms"),
            Some(&doctor.token),
            json!({}),
        )
        .await?;
    assert_eq!(status, 200, "{room}");
    let room = room["id"].as_str().unwrap().to_owned();
    let mut room_people = Vec::new();
    for (name, role) in [("family.yamada", "family"), ("minsei.ito", "volunteer")] {
        let body = json!({ "role": role });
        let (status, issued) = server
            .post(
                &format!("/api/v1/rooms/{room}/invitations"),
                Some(&doctor.token),
                body,
            )
            .await?;
        assert_eq!(status, 200, "{issued}");
        room_people.push(server.register(issued["link"].as_str().unwrap(), name).await?);
    }
    let volunteer = room_people.pop().unwrap();
    let family = room_people.pop().unwrap();
    let helper_id = helper.user_id.clone();
    Ok(World {
        server,
        people: vec![
            (Who::SystemAdmin, admin),
            (Who::Officer, officer),
            (Who::ClinicAdmin, clinic_admin),
            (Who::OtherFacilityAdmin, station_admin),
            (Who::Doctor, doctor),
            (Who::OtherNurse, nurse),
            (Who::Family, family),
            (Who::Volunteer, volunteer),
        ],
        association,
        clinic,
        room,
        helper: helper_id,
    })
}

/// One administrative endpoint, a request to make, and who may make it.
struct Case {
    name: &'static str,
    method: &'static str,
    path: String,
    body: Value,
    allowed: &'static [Who],
    /// What a signed-in person who may not gets (403, or 404 where even the
    /// resource's existence is private).
    denied: u16,
}

async fn call(world: &World, case: &Case, who: Who) -> Result<u16> {
    let token = world.token(who);
    let (status, _) = match case.method {
        "get" => world.server.get(&case.path, token).await?,
        _ => world.server.post(&case.path, token, case.body.clone()).await?,
    };
    Ok(status)
}

async fn every_role_against_every_admin_endpoint(kind: DbKind) -> Result<()> {
    let world = world(kind).await?;
    let (clinic, room, helper, association) = (&world.clinic, &world.room, &world.helper, &world.association);
    let admins: &[Who] = &[Who::SystemAdmin, Who::Officer, Who::ClinicAdmin];
    let cases = vec![
        Case {
            name: "register a facility under the association",
            method: "post",
            path: "/api/v1/organisations".into(),
            body: json!({ "name": "きた薬局", "kind": "pharmacy", "parent_id": association }),
            allowed: &[Who::SystemAdmin, Who::Officer],
            denied: 403,
        },
        Case {
            name: "invite staff",
            method: "post",
            path: format!("/api/v1/organisations/{clinic}/invitations"),
            body: json!({ "invitee_name": "New Helper", "role": "helper" }),
            allowed: admins,
            denied: 403,
        },
        Case {
            name: "list staff with last sign-in",
            method: "get",
            path: format!("/api/v1/organisations/{clinic}/staff"),
            body: Value::Null,
            allowed: admins,
            denied: 403,
        },
        Case {
            name: "unlock a person",
            method: "post",
            path: format!("/api/v1/organisations/{clinic}/staff/{helper}/actions"),
            body: json!({ "action": "unlock" }),
            allowed: admins,
            denied: 403,
        },
        Case {
            name: "give a person a role",
            method: "post",
            path: format!("/api/v1/organisations/{clinic}/staff/{helper}/roles"),
            body: json!({ "role": "care_manager", "granted": true }),
            allowed: admins,
            denied: 403,
        },
        Case {
            name: "reset a person after an identity check",
            method: "post",
            path: format!("/api/v1/organisations/{clinic}/staff/{helper}/reset"),
            body: json!({ "verification_method": "known_voice_phone", "verification_note": "called back on the office line" }),
            allowed: admins,
            denied: 403,
        },
        Case {
            name: "export the reset ledger",
            method: "get",
            path: format!("/api/v1/organisations/{clinic}/reset-ledger"),
            body: Value::Null,
            allowed: admins,
            denied: 403,
        },
        Case {
            name: "open a client's room",
            method: "post",
            path: format!("/api/v1/organisations/{clinic}/rooms"),
            body: json!({}),
            allowed: &[Who::Doctor],
            denied: 403,
        },
        Case {
            name: "invite family into a room",
            method: "post",
            path: format!("/api/v1/rooms/{room}/invitations"),
            body: json!({ "role": "family" }),
            allowed: &[Who::Doctor],
            denied: 0,
        },
    ];
    let mut wrong = Vec::new();
    for case in &cases {
        for who in EVERYONE {
            let status = call(&world, case, who).await?;
            let expected = if who == Who::Anonymous {
                401
            } else if case.allowed.contains(&who) {
                200
            } else if case.denied == 0 {
                // Room invitations: members without the right get 403; outsiders
                // learn nothing about the room (404).
                if matches!(who, Who::Family | Who::Volunteer) {
                    403
                } else {
                    404
                }
            } else {
                case.denied
            };
            let ok = if expected == 200 {
                (200..300).contains(&status)
            } else {
                status == expected
            };
            if !ok {
                wrong.push(format!(
                    "{who:?} / {}: got {status}, expected {expected}",
                    case.name
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "access control mismatches:\n{}",
        wrong.join("\n")
    );
    Ok(())
}

async fn administrators_act_only_on_their_own_people(kind: DbKind) -> Result<()> {
    let world = world(kind).await?;
    let station_nurse = world
        .people
        .iter()
        .find(|(w, _)| *w == Who::OtherNurse)
        .map(|(_, p)| p.user_id.clone())
        .unwrap();
    let admin_id = world
        .people
        .iter()
        .find(|(w, _)| *w == Who::SystemAdmin)
        .map(|(_, p)| p.user_id.clone())
        .unwrap();
    let clinic_admin = world.token(Who::ClinicAdmin);
    let clinic = &world.clinic;
    // A nurse of another facility is not the clinic's to suspend.
    let path = format!("/api/v1/organisations/{clinic}/staff/{station_nurse}/actions");
    assert_eq!(
        world
            .server
            .post(&path, clinic_admin, json!({ "action": "suspend" }))
            .await?
            .0,
        404
    );
    // Nor is the system administrator, nor oneself.
    let path = format!("/api/v1/organisations/{clinic}/staff/{admin_id}/actions");
    assert_eq!(
        world
            .server
            .post(&path, clinic_admin, json!({ "action": "suspend" }))
            .await?
            .0,
        404
    );
    let own = world
        .people
        .iter()
        .find(|(w, _)| *w == Who::ClinicAdmin)
        .map(|(_, p)| p.user_id.clone())
        .unwrap();
    let path = format!("/api/v1/organisations/{clinic}/staff/{own}/actions");
    assert_eq!(
        world
            .server
            .post(&path, clinic_admin, json!({ "action": "disable" }))
            .await?
            .0,
        403
    );
    // Families of the clinic's rooms are listed with their last sign-in.
    let (_, staff) = world
        .server
        .get(&format!("/api/v1/organisations/{clinic}/staff"), clinic_admin)
        .await?;
    let family = staff
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["login_id"] == "family.yamada")
        .unwrap();
    assert_eq!(family["relation"], "room_member");
    assert_eq!(family["room_roles"][0], "family");
    assert!(family["last_sign_in_at"].is_number(), "{family}");
    // Roles change with an audit record; the last role cannot be taken away.
    let helper = &world.helper;
    let roles = format!("/api/v1/organisations/{clinic}/staff/{helper}/roles");
    let (status, body) = world
        .server
        .post(
            &roles,
            clinic_admin,
            json!({ "role": "helper", "granted": false }),
        )
        .await?;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("invalid_input")),
        "{body}"
    );
    assert_eq!(
        world
            .server
            .post(&roles, clinic_admin, json!({ "role": "nurse", "granted": true }))
            .await?
            .0,
        204
    );
    assert_eq!(
        world
            .server
            .post(
                &roles,
                clinic_admin,
                json!({ "role": "helper", "granted": false })
            )
            .await?
            .0,
        204
    );
    let events = world
        .server
        .db
        .run(|conn| kizuna_storage::audit::recent(conn, 200))
        .await?;
    assert!(events
        .iter()
        .any(|e| e.action == "user.role_granted" && e.target_id.as_deref() == Some(helper.as_str())));
    assert!(events
        .iter()
        .any(|e| e.action == "user.role_revoked" && e.ip.as_deref() == Some("127.0.0.1")));
    // A facility administrator cannot mint officers.
    let body = json!({ "invitee_name": "X", "role": "officer" });
    let (status, answer) = world
        .server
        .post(
            &format!("/api/v1/organisations/{clinic}/invitations"),
            clinic_admin,
            body,
        )
        .await?;
    assert_eq!(
        (status, answer["error"]["code"].as_str()),
        (422, Some("invalid_input")),
        "{answer}"
    );
    Ok(())
}

async fn each_administrator_lists_the_organisations_they_run(kind: DbKind) -> Result<()> {
    let world = world(kind).await?;
    let station = {
        let (_, all) = world
            .server
            .get("/api/v1/organisations", world.token(Who::SystemAdmin))
            .await?;
        let all = all.as_array().unwrap().clone();
        assert_eq!(
            all.len(),
            3,
            "the system administrator sees every organisation: {all:?}"
        );
        all.iter()
            .find(|o| o["kind"] == "nursing_station")
            .map(|o| o["id"].as_str().unwrap().to_owned())
            .unwrap()
    };
    let mut seen = Vec::new();
    for who in EVERYONE.into_iter().filter(|w| *w != Who::SystemAdmin) {
        let (status, body) = world
            .server
            .get("/api/v1/organisations", world.token(who))
            .await?;
        if who == Who::Anonymous {
            assert_eq!(status, 401);
            continue;
        }
        assert_eq!(status, 200, "{who:?}: {body}");
        let mut ids: Vec<String> = body
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["id"].as_str().unwrap().to_owned())
            .collect();
        ids.sort();
        seen.push((who, ids));
    }
    let sorted = |mut v: Vec<&String>| {
        v.sort();
        v.into_iter().cloned().collect::<Vec<_>>()
    };
    let expected = [
        (Who::Officer, sorted(vec![&world.association, &world.clinic])),
        (Who::ClinicAdmin, vec![world.clinic.clone()]),
        (Who::OtherFacilityAdmin, vec![station]),
        (Who::Doctor, vec![]),
        (Who::OtherNurse, vec![]),
        (Who::Family, vec![]),
        (Who::Volunteer, vec![]),
    ];
    assert_eq!(seen, expected);
    Ok(())
}

async fn an_administrator_revokes_a_lost_device(kind: DbKind) -> Result<()> {
    use base64::Engine as _;
    let world = world(kind).await?;
    let server = &world.server;
    let token = |who| world.token(who);
    let key = base64::engine::general_purpose::STANDARD.encode([7u8; 32]);
    let (status, device) = server
        .post(
            "/api/v1/devices",
            token(Who::Doctor),
            json!({ "name": "訪問用スマホ", "signature_key": key }),
        )
        .await?;
    assert_eq!(status, 200, "{device}");
    let device = device["id"].as_str().unwrap().to_owned();
    let doctor = world
        .people
        .iter()
        .find(|(w, _)| *w == Who::Doctor)
        .map(|(_, p)| p.user_id.clone())
        .unwrap();
    let clinic = &world.clinic;

    // The staff list shows the device by name.
    let (_, staff) = server
        .get(
            &format!("/api/v1/organisations/{clinic}/staff"),
            token(Who::ClinicAdmin),
        )
        .await?;
    let devices_of = |staff: &Value| {
        staff
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["user_id"] == doctor.as_str())
            .unwrap()["devices"]
            .clone()
    };
    let listed = devices_of(&staff);
    assert_eq!(listed[0]["name"], "訪問用スマホ", "{listed}");
    assert!(listed[0]["revoked_at"].is_null());

    let revoke = |org: &str, user: &str, device: &str| {
        format!("/api/v1/organisations/{org}/staff/{user}/devices/{device}/revoke")
    };
    let path = revoke(clinic, &doctor, &device);
    for (who, want) in [
        (Who::OtherFacilityAdmin, 403),
        (Who::Doctor, 403),
        (Who::OtherNurse, 403),
        (Who::Family, 403),
        (Who::Anonymous, 401),
    ] {
        let (status, body) = server.post(&path, token(who), json!({})).await?;
        assert_eq!(status, want, "{who:?}: {body}");
    }
    // Through another facility, or naming someone else's device: not found.
    let station_nurse = world
        .people
        .iter()
        .find(|(w, _)| *w == Who::OtherNurse)
        .map(|(_, p)| p.user_id.clone())
        .unwrap();
    let (status, _) = server
        .post(
            &revoke(clinic, &station_nurse, &device),
            token(Who::ClinicAdmin),
            json!({}),
        )
        .await?;
    assert_eq!(status, 404);
    assert_eq!(
        server.get("/api/v1/me", token(Who::Doctor)).await?.0,
        200,
        "nothing happened yet"
    );

    // The clinic's administrator revokes it: the session bound to it ends at once.
    let (status, body) = server.post(&path, token(Who::ClinicAdmin), json!({})).await?;
    assert_eq!(status, 204, "{body}");
    assert_eq!(server.get("/api/v1/me", token(Who::Doctor)).await?.0, 401);
    let (_, staff) = server
        .get(
            &format!("/api/v1/organisations/{clinic}/staff"),
            token(Who::ClinicAdmin),
        )
        .await?;
    assert!(!devices_of(&staff)[0]["revoked_at"].is_null());
    let (status, _) = server.post(&path, token(Who::ClinicAdmin), json!({})).await?;
    assert_eq!(status, 404, "a revoked device cannot be revoked again");
    Ok(())
}

/// The broadcast endpoints against every role of a world without a broadcast
/// officer: nobody here may send or publish a roster (the association is no secret:
/// 403), the roster is readable within the association's reach only (404 outside),
/// totals are the sending organisation's officers', and the list is everyone's own.
async fn every_role_against_the_broadcast_endpoints(kind: DbKind) -> Result<()> {
    let world = world(kind).await?;
    let association = &world.association;
    // Well-formed but unsigned: refused for who sends it before anything is read.
    let signed = json!({ "payload": "AA==", "signature": "AA==", "signer_key": "AA==" });
    let unknown = "0190a1b2-0000-7000-8000-00000000b0b0";
    // Whom the association's broadcasts reach: its staff, the clinic under it, the
    // family and volunteer of its rooms (when included). Not the system
    // administrator (an operator, no organisation's member), not the station outside.
    let in_scope = |who: Who| !matches!(who, Who::SystemAdmin | Who::OtherFacilityAdmin | Who::OtherNurse);
    let mut wrong = Vec::new();
    for who in EVERYONE {
        let token = world.token(who);
        let checks = [
            (
                "send a broadcast",
                world
                    .server
                    .post(
                        &format!("/api/v1/organisations/{association}/broadcasts"),
                        token,
                        signed.clone(),
                    )
                    .await?
                    .0,
                403,
            ),
            (
                "publish the roster",
                world
                    .server
                    .post(
                        &format!("/api/v1/organisations/{association}/roster"),
                        token,
                        signed.clone(),
                    )
                    .await?
                    .0,
                403,
            ),
            (
                "read the roster",
                world
                    .server
                    .get(&format!("/api/v1/organisations/{association}/roster"), token)
                    .await?
                    .0,
                if in_scope(who) { 200 } else { 404 },
            ),
            (
                "delivery totals",
                world
                    .server
                    .get(
                        &format!("/api/v1/organisations/{association}/broadcasts/{unknown}/receipts"),
                        token,
                    )
                    .await?
                    .0,
                if who == Who::Officer { 404 } else { 403 },
            ),
            (
                "list my broadcasts",
                world.server.get("/api/v1/broadcasts", token).await?.0,
                200,
            ),
            (
                "acknowledge a broadcast",
                world
                    .server
                    .post(
                        &format!("/api/v1/broadcasts/{unknown}/receipt"),
                        token,
                        json!({ "state": "acknowledged" }),
                    )
                    .await?
                    .0,
                404,
            ),
        ];
        for (name, status, expected) in checks {
            let expected = if who == Who::Anonymous { 401 } else { expected };
            if status != expected {
                wrong.push(format!("{who:?} / {name}: got {status}, expected {expected}"));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "access control mismatches:\n{}",
        wrong.join("\n")
    );
    Ok(())
}

on_both_databases!(
    every_role_against_every_admin_endpoint,
    every_role_against_the_broadcast_endpoints,
    administrators_act_only_on_their_own_people,
    each_administrator_lists_the_organisations_they_run,
    an_administrator_revokes_a_lost_device
);
