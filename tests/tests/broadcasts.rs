//! Regional broadcasts over HTTP (issue 14), on SQLite and PostgreSQL: the
//! broadcast officer role, the roster of officer keys and its chain rules, sending,
//! who sees what, receipts per organisation and the live notice.
//!
//! Notices are signed here as an officer's device would sign them
//! (`kizuna_crypto::broadcast`) and checked on the receiving side as a client
//! checks them (`kizuna_engine::RosterBook`): the server must hand back exactly the
//! bytes that were signed.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use std::time::Duration;

use anyhow::Result;
use kizuna_crypto::broadcast::{sign_roster_change, RosterChange, SignedBroadcast, SignedRosterChange};
use kizuna_engine::RosterBook;
use kizuna_proto::{OrganisationId, Timestamp};
use kizuna_tests::accounts::Person;
use kizuna_tests::officer::{evacuation_notice, signer, Signer};
use kizuna_tests::ws::{connect, next_json, wait_for};
use kizuna_tests::{on_both_databases, BlobKind, DbKind, TestServer};
use serde_json::{json, Value};

struct World {
    server: TestServer,
    association: String,
    other_city: String,
    clinic: String,
    officer: Signer,
    second_officer: Signer,
    other_officer: Signer,
    admin: Person,
    nurse: Person,
    family: Person,
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
    let admin = server
        .staff(&system, &association, "office.ito", "officer")
        .await?;
    let officer = server
        .staff(&admin, &association, "bo.suzuki", "broadcast_officer")
        .await?;
    let second = server
        .staff(&admin, &association, "bo.tanaka", "broadcast_officer")
        .await?;
    let other = server
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
    let link = server.invite_to_room(&doctor, &room, "family").await?;
    let family = server.register(&link, "family.yamada").await?;
    Ok(World {
        officer: signer(&server, officer, 1).await?,
        second_officer: signer(&server, second, 2).await?,
        other_officer: signer(&server, other, 3).await?,
        server,
        association,
        other_city,
        clinic,
        admin,
        nurse,
        family,
    })
}

fn org(id: &str) -> OrganisationId {
    id.parse().unwrap()
}

fn roster_change(
    organisation: &str,
    version: u64,
    previous: Option<&SignedRosterChange>,
    by: &Signer,
    officers: &[&Signer],
    now: Timestamp,
) -> SignedRosterChange {
    let change = RosterChange {
        organisation: org(organisation),
        version,
        previous: previous.map(SignedRosterChange::hash),
        issued_at: now,
        signed_by: by.officer,
        officers: officers.iter().map(|s| s.officer).collect(),
    };
    sign_roster_change(&change, &by.key).unwrap()
}

async fn post_roster(
    server: &TestServer,
    by: &Signer,
    org: &str,
    change: &SignedRosterChange,
) -> Result<(u16, Value)> {
    let path = format!("/api/v1/organisations/{org}/roster");
    server
        .post(&path, Some(&by.person.token), serde_json::to_value(change)?)
        .await
}

async fn send(server: &TestServer, by: &Person, org: &str, signed: &SignedBroadcast) -> Result<(u16, Value)> {
    let path = format!("/api/v1/organisations/{org}/broadcasts");
    server
        .post(&path, Some(&by.token), serde_json::to_value(signed)?)
        .await
}

async fn listed(server: &TestServer, person: &Person) -> Result<Vec<Value>> {
    let (status, list) = server.get("/api/v1/broadcasts", Some(&person.token)).await?;
    assert_eq!(status, 200, "{list}");
    Ok(list["broadcasts"].as_array().unwrap().clone())
}

/// The association's roster as a client pins it from the server.
async fn pinned(server: &TestServer, person: &Person, org: &str) -> Result<RosterBook> {
    let (status, roster) = server
        .get(
            &format!("/api/v1/organisations/{org}/roster"),
            Some(&person.token),
        )
        .await?;
    assert_eq!(status, 200, "{roster}");
    let mut book = RosterBook::new();
    for change in roster["changes"].as_array().unwrap() {
        book.accept(&serde_json::from_value(change.clone())?).unwrap();
    }
    Ok(book)
}

fn code(answer: &Value) -> Option<&str> {
    answer["error"]["code"].as_str()
}

async fn an_officer_sends_and_a_nurse_under_the_association_verifies_it(kind: DbKind) -> Result<()> {
    let w = world(kind).await?;
    let now = w.server.now();
    let v1 = roster_change(&w.association, 1, None, &w.officer, &[&w.officer], now);
    let (status, answer) = post_roster(&w.server, &w.officer, &w.association, &v1).await?;
    assert_eq!(status, 204, "{answer}");

    let signed = evacuation_notice(&w.association, &w.officer, false, now)?;
    let (status, sent) = send(&w.server, &w.officer.person, &w.association, &signed).await?;
    assert_eq!(status, 201, "{sent}");

    // The nurse in a clinic under the association gets it, byte for byte, and her
    // client finds it official against the roster it pinned.
    let theirs = listed(&w.server, &w.nurse).await?;
    assert_eq!(theirs.len(), 1);
    assert_eq!(theirs[0]["id"], sent["id"]);
    assert_eq!(theirs[0]["severity"], "emergency");
    assert!(
        theirs[0]["receipt"]["delivered_at"].is_i64(),
        "fetching records delivery"
    );
    let book = pinned(&w.server, &w.nurse, &w.association).await?;
    let received: SignedBroadcast = serde_json::from_value(theirs[0]["signed"].clone())?;
    let verdict = book.verify(&received, w.server.now());
    assert!(verdict.is_official(), "{verdict:?}");
    assert_eq!(verdict.broadcast().unwrap().title, "避難指示：みなみ川流域");

    // Families were not included: the family member in the clinic's room sees nothing,
    // and the other city's officer neither.
    assert!(listed(&w.server, &w.family).await?.is_empty());
    assert!(listed(&w.server, &w.other_officer.person).await?.is_empty());
    // The next one includes families: now the family member has it too.
    let with_families = evacuation_notice(&w.association, &w.officer, true, now)?;
    let (status, second) = send(&w.server, &w.officer.person, &w.association, &with_families).await?;
    assert_eq!(status, 201, "{second}");
    let family_list = listed(&w.server, &w.family).await?;
    assert_eq!(family_list.len(), 1);
    assert_eq!(family_list[0]["id"], second["id"]);
    let family_book = pinned(&w.server, &w.family, &w.association).await?;
    let received: SignedBroadcast = serde_json::from_value(family_list[0]["signed"].clone())?;
    assert!(family_book.verify(&received, w.server.now()).is_official());
    assert_eq!(listed(&w.server, &w.nurse).await?.len(), 2, "newest first, both");
    assert_eq!(listed(&w.server, &w.nurse).await?[0]["id"], second["id"]);
    // Sending is audited: who sent what kind of notice, never its text.
    let events = w
        .server
        .db
        .run(|conn| kizuna_storage::audit::recent(conn, 100))
        .await?;
    let sent_entry = events
        .iter()
        .find(|e| e.action == "broadcast.sent" && e.target_id.as_deref() == sent["id"].as_str())
        .expect("the first broadcast is audited");
    assert_eq!(sent_entry.actor, Some(w.officer.officer.user));
    let detail = sent_entry.detail.clone().unwrap_or_default();
    assert!(
        detail.contains("emergency") && detail.contains(&w.association),
        "{detail}"
    );
    assert!(
        !detail.contains("避難") && !detail.contains("みなみ川"),
        "{detail}"
    );
    assert!(events.iter().any(|e| e.action == "broadcast.roster_changed"));
    // Sending the same notice again stores nothing new.
    let (status, again) = send(&w.server, &w.officer.person, &w.association, &with_families).await?;
    assert_eq!((status, code(&again)), (409, Some("duplicate_broadcast")));
    // The other city's officer cannot read this association's roster.
    let (status, _) = w
        .server
        .get(
            &format!("/api/v1/organisations/{}/roster", w.association),
            Some(&w.other_officer.person.token),
        )
        .await?;
    assert_eq!(status, 404);
    w.server.stop().await;
    Ok(())
}

async fn outsiders_and_altered_notices_are_refused(kind: DbKind) -> Result<()> {
    let w = world(kind).await?;
    let now = w.server.now();
    let v1 = roster_change(&w.association, 1, None, &w.officer, &[&w.officer], now);
    assert_eq!(
        post_roster(&w.server, &w.officer, &w.association, &v1).await?.0,
        204
    );

    // A professional who is not an officer, and an officer of another city, are refused.
    let signed = evacuation_notice(&w.association, &w.officer, false, now)?;
    let (status, _) = send(&w.server, &w.nurse, &w.association, &signed).await?;
    assert_eq!(status, 403);
    let theirs = evacuation_notice(&w.association, &w.other_officer, false, now)?;
    let (status, _) = send(&w.server, &w.other_officer.person, &w.association, &theirs).await?;
    assert_eq!(status, 403);
    // The association's officer is nobody at the other city's address.
    let (status, answer) = send(&w.server, &w.officer.person, &w.other_city, &signed).await?;
    assert_eq!(status, 403, "{answer}");

    // The area changed in transit ("流域" → "上流"): refused, nothing stored.
    let mut altered = signed.clone();
    let text = String::from_utf8(altered.payload.clone())?.replace("流域\"", "上流\"");
    assert_ne!(text.as_bytes(), &altered.payload[..]);
    altered.payload = text.into_bytes();
    let (status, answer) = send(&w.server, &w.officer.person, &w.association, &altered).await?;
    assert_eq!(
        (status, code(&answer)),
        (422, Some("broadcast_invalid")),
        "{answer}"
    );
    assert!(
        listed(&w.server, &w.nurse).await?.is_empty(),
        "nothing was stored"
    );

    // A second broadcast officer not on the roster yet: their notice is refused.
    let not_on_roster = evacuation_notice(&w.association, &w.second_officer, false, now)?;
    let (status, answer) = send(
        &w.server,
        &w.second_officer.person,
        &w.association,
        &not_on_roster,
    )
    .await?;
    assert_eq!((status, code(&answer)), (403, Some("broadcast_signer_unknown")));
    // Signed on the officer's device but sent from another session: refused.
    let (status, answer) = send(&w.server, &w.second_officer.person, &w.association, &signed).await?;
    assert_eq!((status, code(&answer)), (403, Some("broadcast_wrong_device")));
    // An expired notice is refused.
    let mut old = now;
    old.0 -= 2 * 86_400_000;
    let expired = evacuation_notice(&w.association, &w.officer, false, old)?;
    let (status, answer) = send(&w.server, &w.officer.person, &w.association, &expired).await?;
    assert_eq!((status, code(&answer)), (422, Some("broadcast_expired")));
    assert!(listed(&w.server, &w.nurse).await?.is_empty());
    w.server.stop().await;
    Ok(())
}

async fn the_roster_follows_its_chain_rules(kind: DbKind) -> Result<()> {
    let mut w = world(kind).await?;
    let now = w.server.now();
    // Version 1 may not list someone who is not a broadcast officer.
    let nurse = signer(&w.server, clone_person(&w.nurse), 9).await?;
    let bad = roster_change(&w.association, 1, None, &w.officer, &[&w.officer, &nurse], now);
    let (status, answer) = post_roster(&w.server, &w.officer, &w.association, &bad).await?;
    assert_eq!((status, code(&answer)), (422, Some("roster_officer_ineligible")));

    let v1 = roster_change(&w.association, 1, None, &w.officer, &[&w.officer], now);
    assert_eq!(
        post_roster(&w.server, &w.officer, &w.association, &v1).await?.0,
        204
    );
    // Another version 1 (the second officer signing one of their own) is a conflict.
    let rival = roster_change(
        &w.association,
        1,
        None,
        &w.second_officer,
        &[&w.second_officer],
        now,
    );
    let (status, answer) = post_roster(&w.server, &w.second_officer, &w.association, &rival).await?;
    assert_eq!((status, code(&answer)), (409, Some("roster_conflict")));
    // Version 2 signed by someone not on version 1: refused.
    let both = [&w.officer, &w.second_officer];
    let unsigned = roster_change(&w.association, 2, Some(&v1), &w.second_officer, &both, now);
    let (status, answer) = post_roster(&w.server, &w.second_officer, &w.association, &unsigned).await?;
    assert_eq!(
        (status, code(&answer)),
        (403, Some("roster_signer_unknown")),
        "{answer}"
    );
    // Signed by the officer on version 1: stored, and a client accepts the chain.
    let v2 = roster_change(&w.association, 2, Some(&v1), &w.officer, &both, now);
    assert_eq!(
        post_roster(&w.server, &w.officer, &w.association, &v2).await?.0,
        204
    );
    let book = pinned(&w.server, &w.nurse, &w.association).await?;
    assert_eq!(book.roster(&org(&w.association)).unwrap().version(), 2);
    // The stored chain is append-only, down to the schema.
    for statement in [
        "UPDATE broadcast_rosters SET signer_key = payload",
        "DELETE FROM broadcast_rosters",
    ] {
        let outcome = w
            .server
            .db
            .run(move |conn| {
                use diesel::RunQueryDsl;
                Ok(diesel::sql_query(statement)
                    .execute(conn)
                    .map_err(kizuna_storage::StorageError::from))
            })
            .await?;
        assert!(
            matches!(outcome, Err(kizuna_storage::StorageError::Refused(_))),
            "{statement}: {outcome:?}"
        );
    }
    assert_eq!(
        pinned(&w.server, &w.nurse, &w.association)
            .await?
            .roster(&org(&w.association))
            .unwrap()
            .version(),
        2
    );
    // The second officer may send now.
    let signed = evacuation_notice(&w.association, &w.second_officer, false, now)?;
    let (status, answer) = send(&w.server, &w.second_officer.person, &w.association, &signed).await?;
    assert_eq!(status, 201, "{answer}");
    // A tampered roster change is refused.
    let mut altered = roster_change(&w.association, 3, Some(&v2), &w.officer, &[&w.officer], now);
    altered.signature[0] ^= 1;
    let (status, answer) = post_roster(&w.server, &w.officer, &w.association, &altered).await?;
    assert_eq!((status, code(&answer)), (422, Some("broadcast_invalid")));

    // The role: granted by the association's administrator through the role change,
    // refused for a facility.
    w.server.reauth(&mut w.admin).await?;
    let grant = json!({ "role": "broadcast_officer", "granted": true });
    let (status, answer) = w
        .server
        .post(
            &format!(
                "/api/v1/organisations/{}/staff/{}/roles",
                w.association, w.admin.user_id
            ),
            Some(&w.admin.token),
            grant.clone(),
        )
        .await?;
    assert_eq!(status, 403, "nobody grants themself a role: {answer}");
    let (status, answer) = w
        .server
        .post(
            &format!(
                "/api/v1/organisations/{}/staff/{}/roles",
                w.association, nurse.officer.user
            ),
            Some(&w.admin.token),
            grant.clone(),
        )
        .await?;
    assert_eq!(status, 404, "the nurse is not the association's staff: {answer}");
    let link = w
        .server
        .invite_staff(&w.admin, &w.association, "bo.ueda", "officer")
        .await?;
    let newcomer = w.server.register(&link, "bo.ueda").await?;
    let (status, answer) = w
        .server
        .post(
            &format!(
                "/api/v1/organisations/{}/staff/{}/roles",
                w.association, newcomer.user_id
            ),
            Some(&w.admin.token),
            grant.clone(),
        )
        .await?;
    assert_eq!(status, 204, "{answer}");
    let (status, answer) = w
        .server
        .post(
            &format!("/api/v1/organisations/{}/invitations", w.clinic),
            Some(&w.admin.token),
            json!({ "invitee_name": "x", "role": "broadcast_officer" }),
        )
        .await?;
    assert_eq!((status, code(&answer)), (422, Some("invalid_input")), "{answer}");
    assert!(answer["error"]["message"]
        .as_str()
        .unwrap()
        .contains("broadcast officers"));
    w.server.stop().await;
    Ok(())
}

fn clone_person(p: &Person) -> Person {
    Person {
        user_id: p.user_id.clone(),
        login_id: p.login_id.clone(),
        password: p.password.clone(),
        key: kizuna_tests::accounts::new_key(),
        token: p.token.clone(),
    }
}

async fn receipts_are_counted_per_organisation_and_notices_arrive_live(kind: DbKind) -> Result<()> {
    let w = world(kind).await?;
    let now = w.server.now();
    let v1 = roster_change(&w.association, 1, None, &w.officer, &[&w.officer], now);
    assert_eq!(
        post_roster(&w.server, &w.officer, &w.association, &v1).await?.0,
        204
    );
    let mut socket = connect(&w.server.url, &w.nurse.token).await?;
    let mut family_socket = connect(&w.server.url, &w.family.token).await?;
    // Let the hello arrive so the sockets are registered.
    let _ = next_json(&mut socket).await;
    let _ = next_json(&mut family_socket).await;

    let signed = evacuation_notice(&w.association, &w.officer, false, now)?;
    let (status, sent) = send(&w.server, &w.officer.person, &w.association, &signed).await?;
    assert_eq!(status, 201, "{sent}");
    let notice = wait_for(&mut socket, "broadcast").await;
    assert_eq!(notice.as_ref().map(|n| &n["id"]), Some(&sent["id"]), "{notice:?}");
    assert!(
        wait_for(&mut family_socket, "broadcast").await.is_none(),
        "families were not included"
    );

    let id = sent["id"].as_str().unwrap();
    assert_eq!(listed(&w.server, &w.nurse).await?.len(), 1);
    let receipt = format!("/api/v1/broadcasts/{id}/receipt");
    let (status, _) = w
        .server
        .post(&receipt, Some(&w.nurse.token), json!({ "state": "acknowledged" }))
        .await?;
    assert_eq!(status, 204);
    let (status, _) = w
        .server
        .post(&receipt, Some(&w.family.token), json!({ "state": "opened" }))
        .await?;
    assert_eq!(status, 404, "not meant for the family member");

    let totals_path = format!("/api/v1/organisations/{}/broadcasts/{id}/receipts", w.association);
    let (status, totals) = w.server.get(&totals_path, Some(&w.officer.person.token)).await?;
    assert_eq!(status, 200, "{totals}");
    let per_org = totals["organisations"].as_array().unwrap();
    let clinic = per_org
        .iter()
        .find(|o| o["organisation"] == w.clinic.as_str())
        .unwrap();
    // The clinic's administrator, nurse and doctor; the family member is not counted.
    assert_eq!(
        (
            &clinic["recipients"],
            &clinic["delivered"],
            &clinic["opened"],
            &clinic["acknowledged"]
        ),
        (&json!(3), &json!(1), &json!(1), &json!(1)),
        "{clinic}"
    );
    let association = per_org
        .iter()
        .find(|o| o["organisation"] == w.association.as_str())
        .unwrap();
    assert_eq!(association["acknowledged"], 0);
    let (status, _) = w.server.get(&totals_path, Some(&w.nurse.token)).await?;
    assert_eq!(status, 403);
    let (status, _) = w.server.get(&totals_path, Some(&w.admin.token)).await?;
    assert_eq!(status, 200, "the association's administrator follows it too");
    w.server.stop().await;
    Ok(())
}

/// Two nodes on one PostgreSQL database: a broadcast sent through one reaches a
/// socket held by the other (NOTIFY carries only the person and the broadcast's ID).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broadcast_through_one_node_reaches_a_socket_on_another() -> Result<()> {
    let w = world(DbKind::Postgres).await?;
    let other = w.server.start_node().await?;
    let now = w.server.now();
    let v1 = roster_change(&w.association, 1, None, &w.officer, &[&w.officer], now);
    assert_eq!(
        post_roster(&w.server, &w.officer, &w.association, &v1).await?.0,
        204
    );
    let url = other.url.clone();
    let mut socket = connect(&url, &w.nurse.token).await?;
    assert_eq!(next_json(&mut socket).await.unwrap()["type"], "hello");
    // Give the other node's listener a moment to be ready.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let signed = evacuation_notice(&w.association, &w.officer, false, now)?;
    let (status, sent) = send(&w.server, &w.officer.person, &w.association, &signed).await?;
    assert_eq!(status, 201, "{sent}");
    let notice = wait_for(&mut socket, "broadcast").await;
    assert_eq!(notice.as_ref().map(|n| &n["id"]), Some(&sent["id"]), "{notice:?}");
    other.stop().await;
    w.server.stop().await;
    Ok(())
}

on_both_databases!(
    an_officer_sends_and_a_nurse_under_the_association_verifies_it,
    outsiders_and_altered_notices_are_refused,
    the_roster_follows_its_chain_rules,
    receipts_are_counted_per_organisation_and_notices_arrive_live,
);
