//! A refused request leaves nothing behind: every write it made before the refusal is
//! rolled back (issue 12, item 7). On SQLite and PostgreSQL, over real HTTP with real
//! WebAuthn ceremonies.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use anyhow::Result;
use kizuna_tests::accounts::{new_key, origin, token_of, GOOD_PASSWORD};
use kizuna_tests::{on_both_databases, BlobKind, DbKind, TestServer};
use serde_json::{json, Value};
use webauthn_authenticator_rs::WebauthnAuthenticator;
use webauthn_rs_proto::CreationChallengeResponse;

/// Runs the WebAuthn half of a registration: `begin` with `login_id`, then the
/// authenticator's answer, ready to be sent to `finish`.
async fn begun_registration(server: &TestServer, link: &str, login_id: &str) -> Result<Value> {
    let (status, begun) = server
        .register_begin(&token_of(link)?, login_id, GOOD_PASSWORD)
        .await?;
    assert_eq!(status, 200, "{begun}");
    let options: CreationChallengeResponse = serde_json::from_value(begun["options"].clone())?;
    let credential = new_key()
        .do_registration(origin(), options)
        .map_err(|e| anyhow::anyhow!("authenticator: {e:?}"))?;
    Ok(json!({ "ceremony_id": begun["ceremony_id"], "credential": credential }))
}

/// Two people, each with their own link, choose the same login ID at the same moment.
/// One gets it; the other is told it is taken, and their link still works, so they can
/// choose another. Before the fix the refusal committed the link's consumption and
/// the second person was locked out until someone issued a new link.
async fn losing_a_race_for_a_login_id_keeps_the_link(kind: DbKind) -> Result<()> {
    let server = TestServer::start(kind, BlobKind::Local).await?;
    let admin = server.bootstrap_admin().await?;
    let clinic = server
        .organisation(&admin, "みなみ訪問看護ステーション", "nursing_station", None)
        .await?;
    let first_link = server
        .invite_staff(&admin, &clinic, "佐藤 看護師", "nurse")
        .await?;
    let second_link = server
        .invite_staff(&admin, &clinic, "佐藤 准看護師", "nurse")
        .await?;
    // Both pass `begin`: the login ID is still free when each of them asks.
    let first = begun_registration(&server, &first_link, "nurse.sato").await?;
    let second = begun_registration(&server, &second_link, "nurse.sato").await?;

    let finish = "/api/v1/invitations/register/finish";
    let (a, b) = tokio::join!(
        server.post(finish, None, first),
        server.post(finish, None, second)
    );
    let (a, b) = (a?, b?);
    let (winner, loser_answer, loser_link) = match (a.0, b.0) {
        (200, _) => (a, b, &second_link),
        (_, 200) => (b, a, &first_link),
        _ => panic!("nobody got the login ID: {a:?} {b:?}"),
    };
    assert_eq!(winner.0, 200, "{}", winner.1);
    assert_eq!(
        (loser_answer.0, loser_answer.1["error"]["code"].as_str()),
        (409, Some("login_id_taken")),
        "{}",
        loser_answer.1
    );

    // The loser's link is still good: it inspects as valid and registers another ID.
    let (status, inspected) = server
        .post(
            "/api/v1/invitations/inspect",
            None,
            json!({ "token": token_of(loser_link)? }),
        )
        .await?;
    assert_eq!(
        status, 200,
        "the refused registration burned the link: {inspected}"
    );
    let person = server.register(loser_link, "nurse.sato2").await?;
    let (status, me) = server.get("/api/v1/me", Some(&person.token)).await?;
    assert_eq!((status, me["login_id"].as_str()), (200, Some("nurse.sato2")));
    Ok(())
}

on_both_databases!(losing_a_race_for_a_login_id_keeps_the_link);
