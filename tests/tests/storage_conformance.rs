//! One storage conformance suite, run against SQLite and PostgreSQL alike. Every
//! test gets a database of its own, so the suite runs in parallel.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use std::time::Duration;

use anyhow::Result;
use diesel::RunQueryDsl;
use kizuna_proto::{
    AuditId, InvitationId, OrgRole, OrganisationId, OrganisationKind, RoomId, RoomRole, Timestamp, UserId,
};
use kizuna_storage::audit::{self, AuditEvent, Outcome};
use kizuna_storage::invitations::{self, Invitation, InvitationKind};
use kizuna_storage::orgs::{self, Membership, Organisation};
use kizuna_storage::rooms::{self, Room, RoomMember};
use kizuna_storage::users::{self, User, UserStatus};
use kizuna_storage::{Db, StorageError};
use kizuna_tests::{on_both_databases, DbKind, TestDb};
use uuid::Uuid;

const T0: Timestamp = Timestamp(1_795_600_000_000);

fn org(name: &str, kind: OrganisationKind) -> Organisation {
    Organisation {
        id: OrganisationId::from_uuid(Uuid::new_v4()),
        name: name.into(),
        kind,
        parent: None,
        created_at: T0,
    }
}

fn user(login: &str) -> User {
    User {
        id: UserId::from_uuid(Uuid::new_v4()),
        login_id: login.into(),
        display_name: format!("{login} さん"),
        is_system_admin: false,
        status: UserStatus::Active,
        created_at: T0,
        last_sign_in_at: None,
        birth_date: None,
    }
}

fn member(room: RoomId, user: UserId, role: RoomRole, team: bool, family: bool) -> RoomMember {
    RoomMember {
        room,
        user,
        role,
        team_access: team,
        family_access: family,
        added_by: None,
        added_at: T0,
    }
}

/// A clinic with a doctor, and the doctor's room for one client.
async fn clinic_with_room(db: &Db) -> Result<(Organisation, User, Room)> {
    let clinic = org("みなみ診療所", OrganisationKind::Clinic);
    let doctor = user("dr.tanaka");
    let room = Room::new(RoomId::from_uuid(Uuid::new_v4()), clinic.id, doctor.id, T0);
    let (c, d, r) = (clinic.clone(), doctor.clone(), room.clone());
    db.run(move |conn| {
        orgs::create(conn, &c)?;
        users::create(conn, &d)?;
        rooms::create(conn, &r)?;
        rooms::add_member(conn, &member(r.id, d.id, RoomRole::Owner, true, true))
    })
    .await?;
    Ok((clinic, doctor, room))
}

async fn migrations_apply_from_empty_and_reopen_keeps_data(kind: DbKind) -> Result<()> {
    let test_db = TestDb::new(kind)?;
    let db = test_db.open()?;
    let clinic = org("あおば訪問看護ステーション", OrganisationKind::NursingStation);
    let c = clinic.clone();
    db.run(move |conn| orgs::create(conn, &c)).await?;
    drop(db);
    // Opening again applies nothing new and finds the row written before.
    let db = test_db.open()?;
    let id = clinic.id;
    let read = db.run(move |conn| orgs::get(conn, id)).await?;
    assert_eq!(read, clinic);
    assert_eq!(
        db.backend_name(),
        if kind == DbKind::Sqlite {
            "sqlite"
        } else {
            "postgresql"
        }
    );
    Ok(())
}

async fn organisations_and_memberships(kind: DbKind) -> Result<()> {
    let db = TestDb::new(kind)?;
    let db_handle = db.open()?;
    let association = org("県医師会", OrganisationKind::Association);
    let mut clinic = org("みなみ診療所", OrganisationKind::Clinic);
    clinic.parent = Some(association.id);
    let doctor = user("dr.tanaka");
    let (a, c, d) = (association.clone(), clinic.clone(), doctor.clone());
    let (listed, of_user, of_clinic) = db_handle
        .run(move |conn| {
            orgs::create(conn, &a)?;
            orgs::create(conn, &c)?;
            users::create(conn, &d)?;
            for role in [OrgRole::Doctor, OrgRole::FacilityAdmin] {
                orgs::add_membership(
                    conn,
                    &Membership {
                        user: d.id,
                        organisation: c.id,
                        role,
                        created_at: T0,
                    },
                )?;
            }
            Ok((
                orgs::list(conn)?,
                orgs::memberships_of_user(conn, d.id)?,
                orgs::members_of(conn, c.id)?,
            ))
        })
        .await?;
    assert_eq!(listed.len(), 2);
    assert_eq!(
        listed.iter().find(|o| o.id == clinic.id).map(|o| o.parent),
        Some(Some(association.id))
    );
    let mut roles: Vec<OrgRole> = of_user.iter().map(|m| m.role).collect();
    roles.sort_by_key(|r| r.as_str());
    assert_eq!(roles, vec![OrgRole::Doctor, OrgRole::FacilityAdmin]);
    assert_eq!(of_clinic.len(), 2);

    // The same role twice is a conflict; a role in an organisation that does not
    // exist is refused (foreign keys are enforced on SQLite too).
    let (d, c) = (doctor.id, clinic.id);
    let duplicate = db_handle
        .run(move |conn| {
            orgs::add_membership(
                conn,
                &Membership {
                    user: d,
                    organisation: c,
                    role: OrgRole::Doctor,
                    created_at: T0,
                },
            )
        })
        .await;
    assert!(
        matches!(duplicate, Err(StorageError::Conflict(_))),
        "{duplicate:?}"
    );
    let ghost = OrganisationId::from_uuid(Uuid::new_v4());
    let dangling = db_handle
        .run(move |conn| {
            orgs::add_membership(
                conn,
                &Membership {
                    user: d,
                    organisation: ghost,
                    role: OrgRole::Nurse,
                    created_at: T0,
                },
            )
        })
        .await;
    assert!(matches!(dangling, Err(StorageError::Refused(_))), "{dangling:?}");

    let removed = db_handle
        .run(move |conn| orgs::remove_membership(conn, d, c, OrgRole::FacilityAdmin))
        .await?;
    assert!(removed);
    let left = db_handle
        .run(move |conn| orgs::memberships_of_user(conn, d))
        .await?;
    assert_eq!(
        left.iter().map(|m| m.role).collect::<Vec<_>>(),
        vec![OrgRole::Doctor]
    );
    let missing = db_handle.run(move |conn| orgs::get(conn, ghost)).await;
    assert!(matches!(missing, Err(StorageError::NotFound)));
    Ok(())
}

async fn login_ids_are_unique_and_leavers_stay_disabled(kind: DbKind) -> Result<()> {
    let test_db = TestDb::new(kind)?;
    let db = test_db.open()?;
    let nurse = user("nurse.sato");
    let mut admin = user("admin");
    admin.is_system_admin = true;
    let (n, a) = (nurse.clone(), admin.clone());
    db.run(move |conn| {
        users::create(conn, &n)?;
        users::create(conn, &a)
    })
    .await?;
    let twin = user("nurse.sato");
    let clash = db.run(move |conn| users::create(conn, &twin)).await;
    assert!(matches!(clash, Err(StorageError::Conflict(_))), "{clash:?}");

    let found = db.run(|conn| users::find_by_login(conn, "nurse.sato")).await?;
    assert_eq!(found.as_ref().map(|u| u.id), Some(nurse.id));
    assert_eq!(db.run(|conn| users::find_by_login(conn, "nobody")).await?, None);

    let id = nurse.id;
    db.run(move |conn| users::set_status(conn, id, UserStatus::Suspended))
        .await?;
    db.run(move |conn| users::set_status(conn, id, UserStatus::Active))
        .await?;
    db.run(move |conn| users::set_status(conn, id, UserStatus::Disabled))
        .await?;
    let again = db
        .run(move |conn| users::set_status(conn, id, UserStatus::Active))
        .await;
    assert!(
        matches!(again, Err(StorageError::Refused(_))),
        "a leaver came back: {again:?}"
    );
    assert_eq!(
        db.run(move |conn| users::get(conn, id)).await?.status,
        UserStatus::Disabled
    );

    assert!(db.run(users::system_admin_exists).await?);
    let admin_id = admin.id;
    db.run(move |conn| users::set_status(conn, admin_id, UserStatus::Disabled))
        .await?;
    assert!(
        !db.run(users::system_admin_exists).await?,
        "a disabled administrator still counted"
    );
    Ok(())
}

async fn rooms_keep_family_out_of_the_team_channel(kind: DbKind) -> Result<()> {
    let test_db = TestDb::new(kind)?;
    let db = test_db.open()?;
    let (clinic, doctor, room) = clinic_with_room(&db).await?;
    let daughter = user("family.yamada");
    let volunteer = user("minsei.ito");
    let (d, v, r) = (daughter.clone(), volunteer.clone(), room.id);
    db.run(move |conn| {
        users::create(conn, &d)?;
        users::create(conn, &v)?;
        rooms::add_member(conn, &member(r, d.id, RoomRole::Family, false, true))
    })
    .await?;

    // The schema itself refuses team access for family and volunteers.
    let vid = volunteer.id;
    let refused = db
        .run(move |conn| rooms::add_member(conn, &member(r, vid, RoomRole::Volunteer, true, true)))
        .await;
    assert!(matches!(refused, Err(StorageError::Refused(_))), "{refused:?}");
    let did = daughter.id;
    let twice = db
        .run(move |conn| rooms::add_member(conn, &member(r, did, RoomRole::Family, false, true)))
        .await;
    assert!(matches!(twice, Err(StorageError::Conflict(_))), "{twice:?}");

    let members = db.run(move |conn| rooms::members(conn, r)).await?;
    assert_eq!(members.len(), 2);
    let family = db
        .run(move |conn| rooms::member(conn, r, did))
        .await?
        .expect("daughter is a member");
    assert!(family.can_access(kizuna_proto::Channel::Family));
    assert!(!family.can_access(kizuna_proto::Channel::Team));
    let owner = members
        .iter()
        .find(|m| m.user == doctor.id)
        .expect("doctor is a member");
    assert_eq!(owner.role, RoomRole::Owner);
    assert!(owner.can_access(kizuna_proto::Channel::Team));

    let cid = clinic.id;
    let listed = db
        .run(move |conn| rooms::list_for_organisation(conn, cid))
        .await?;
    assert_eq!(listed, vec![room.clone()]);
    assert!(db.run(move |conn| rooms::remove_member(conn, r, did)).await?);
    assert!(!db.run(move |conn| rooms::remove_member(conn, r, did)).await?);
    assert_eq!(db.run(move |conn| rooms::member(conn, r, did)).await?, None);
    Ok(())
}

async fn invitations_are_one_time_and_expire(kind: DbKind) -> Result<()> {
    let test_db = TestDb::new(kind)?;
    let db = test_db.open()?;
    let make = |hash: &str, expires: Timestamp| Invitation {
        id: InvitationId::from_uuid(Uuid::new_v4()),
        token_hash: hash.into(),
        kind: InvitationKind::BootstrapAdmin,
        organisation: None,
        room: None,
        role: None,
        invitee_name: Some("初代管理者".into()),
        created_by: None,
        created_at: T0,
        expires_at: expires,
        used_at: None,
        target_user: None,
        sealed_invitee_name: None,
        used_by: None,
    };
    let live = make("aa11", T0.plus(Duration::from_secs(3600)));
    let stale = make("bb22", T0.plus(Duration::from_secs(60)));
    let (l, s) = (live.clone(), stale.clone());
    db.run(move |conn| {
        invitations::create(conn, &l)?;
        invitations::create(conn, &s)
    })
    .await?;

    let later = T0.plus(Duration::from_secs(120));
    let pending = db
        .run(move |conn| invitations::pending(conn, InvitationKind::BootstrapAdmin, later))
        .await?;
    assert_eq!(pending.iter().map(|i| i.id).collect::<Vec<_>>(), vec![live.id]);
    let found = db
        .run(|conn| invitations::find_by_token_hash(conn, "aa11"))
        .await?;
    assert_eq!(found.as_ref().map(|i| i.id), Some(live.id));
    assert!(found.is_some_and(|i| i.is_usable(later)));

    let (lid, sid) = (live.id, stale.id);
    let redeemer = UserId::from_uuid(Uuid::new_v4());
    assert!(
        !db.run(move |conn| invitations::consume(conn, sid, redeemer, later))
            .await?,
        "expired link redeemed"
    );
    assert!(
        db.run(move |conn| invitations::consume(conn, lid, redeemer, later))
            .await?
    );
    let someone_else = UserId::from_uuid(Uuid::new_v4());
    assert!(
        !db.run(move |conn| invitations::consume(conn, lid, someone_else, later))
            .await?,
        "link redeemed twice"
    );
    let used = db
        .run(|conn| invitations::find_by_token_hash(conn, "aa11"))
        .await?
        .expect("still stored");
    assert_eq!(used.used_at, Some(later));
    assert_eq!(used.used_by, Some(redeemer), "the first redeemer stays recorded");
    assert!(!used.is_usable(later));

    let fresh = make("cc33", T0.plus(Duration::from_secs(3600)));
    let f = fresh.clone();
    db.run(move |conn| invitations::create(conn, &f)).await?;
    let ended = db
        .run(move |conn| invitations::expire_pending(conn, InvitationKind::BootstrapAdmin, later))
        .await?;
    assert_eq!(ended, 1);
    assert!(db
        .run(move |conn| invitations::pending(conn, InvitationKind::BootstrapAdmin, later))
        .await?
        .is_empty());
    let clash = make("cc33", T0);
    let duplicate = db.run(move |conn| invitations::create(conn, &clash)).await;
    assert!(
        matches!(duplicate, Err(StorageError::Conflict(_))),
        "{duplicate:?}"
    );
    Ok(())
}

async fn audit_log_is_append_only(kind: DbKind) -> Result<()> {
    let test_db = TestDb::new(kind)?;
    let db = test_db.open()?;
    let event = |action: &str, at: Timestamp| AuditEvent {
        id: AuditId::from_uuid(Uuid::new_v4()),
        at,
        actor: Some(UserId::from_uuid(Uuid::new_v4())),
        action: action.into(),
        target_kind: Some("user".into()),
        target_id: Some("u1".into()),
        ip: Some("192.0.2.7".into()),
        outcome: Outcome::Failure,
        detail: Some("{\"reason\":\"wrong password\"}".into()),
    };
    let first = event("auth.sign_in", T0);
    let second = event("auth.lock", T0.plus(Duration::from_secs(1)));
    let (a, b) = (first.clone(), second.clone());
    db.run(move |conn| {
        audit::append(conn, &a)?;
        audit::append(conn, &b)
    })
    .await?;
    assert_eq!(
        db.run(|conn| audit::recent(conn, 10)).await?,
        vec![second.clone(), first.clone()]
    );

    for statement in [
        "UPDATE audit_log SET outcome = 'success'",
        "DELETE FROM audit_log",
    ] {
        let result = db
            .run(move |conn| {
                diesel::sql_query(statement)
                    .execute(conn)
                    .map_err(StorageError::from)
            })
            .await;
        assert!(
            matches!(result, Err(StorageError::Refused(_))),
            "{statement}: {result:?}"
        );
    }
    assert_eq!(
        db.run(|conn| audit::recent(conn, 10)).await?.len(),
        2,
        "audit rows changed"
    );
    Ok(())
}

async fn concurrent_writers_all_succeed(kind: DbKind) -> Result<()> {
    let test_db = TestDb::new(kind)?;
    let db = test_db.open()?;
    let mut tasks = Vec::new();
    for writer in 0..8 {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            for n in 0..25 {
                let o = org(&format!("facility {writer}-{n}"), OrganisationKind::HelperOffice);
                db.run(move |conn| orgs::create(conn, &o)).await?;
            }
            Ok::<_, StorageError>(())
        }));
    }
    for task in tasks {
        task.await??;
    }
    assert_eq!(db.run(orgs::list).await?.len(), 200);
    let status = db.pool_status();
    assert!(status.open >= 1 && status.open <= status.max, "{status:?}");
    Ok(())
}

/// On SQLite a transaction that reads and then writes must wait for other writers,
/// not fail with "database is locked" (the outermost transaction is `BEGIN
/// IMMEDIATE`), and no update is lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_read_then_write_transactions_wait_their_turn() -> Result<()> {
    let test_db = TestDb::new(DbKind::Sqlite)?;
    let db = test_db.open()?;
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            for _ in 0..25 {
                db.run(|conn| {
                    kizuna_storage::transaction(conn, |conn| {
                        kizuna_storage::throttle::record_failure(conn, "login:shared", Timestamp(1), None)
                    })
                })
                .await?;
            }
            Ok::<_, StorageError>(())
        }));
    }
    for task in tasks {
        task.await??;
    }
    let failures = db
        .run(|conn| kizuna_storage::throttle::get(conn, "login:shared"))
        .await?;
    assert_eq!(failures.count, 200, "every read-then-write counted once");
    Ok(())
}

on_both_databases!(
    migrations_apply_from_empty_and_reopen_keeps_data,
    organisations_and_memberships,
    login_ids_are_unique_and_leavers_stay_disabled,
    rooms_keep_family_out_of_the_team_channel,
    invitations_are_one_time_and_expire,
    audit_log_is_append_only,
    concurrent_writers_all_succeed,
);
