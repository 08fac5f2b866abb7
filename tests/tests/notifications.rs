//! Content-free notifications and escalation (issue 15), on SQLite and PostgreSQL:
//! real Web Push to a loopback push endpoint that checks the VAPID token and
//! decrypts the RFC 8291 payload itself, and real e-mail to a loopback SMTP server.
//!
//! The care team (`care::Team`): the doctor owns the room and posts; the nurse is
//! in both channels; the family member in the family channel only.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use std::time::Duration;

use anyhow::Result;
use kizuna_client::{Channel, Client, ContentType, PostEnvelope, RoomRole};
use kizuna_crypto::broadcast::{sign_roster_change, RosterChange};
use kizuna_proto::{Timestamp, Urgency, UserId};
use kizuna_server::config::Config;
use kizuna_storage::notifications as stored;
use kizuna_tests::accounts::{answer, Person, GOOD_PASSWORD};
use kizuna_tests::care::Team;
use kizuna_tests::mls::urlencode;
use kizuna_tests::officer::{evacuation_notice, signer, Signer};
use kizuna_tests::push::{PushEndpoint, Subscriber};
use kizuna_tests::smtp::SmtpServer;
use kizuna_tests::{on_both_databases, BlobKind, DbKind, TestServer, ORIGIN};
use serde_json::{json, Value};

/// Words that must never leave in a notification: the post's text, the client's
/// (room's) name and the author's name.
const MARKER: &str = "転倒-MARKER-7f3a";
const SECRETS: [&str; 3] = [MARKER, "Suzuki-san", "Dr Tanaka"];

struct Kit {
    team: Team,
    push: PushEndpoint,
    smtp: SmtpServer,
}

/// The server may push to the loopback endpoint (plain http) and runs its job
/// every second.
fn loopback_push(c: &mut Config) {
    c.push_endpoint_hosts = vec!["127.0.0.1".into()];
    c.push_allow_http = true;
    c.notification_sweep_interval_secs = 1;
}

/// [`loopback_push`], and e-mail through `smtp`.
fn notifying(smtp: &SmtpServer) -> impl FnOnce(&mut Config) {
    let smtp_url = smtp.url();
    move |c| {
        c.smtp_url = Some(smtp_url.into());
        c.mail_from = Some("Kizuna <kizuna@example.jp>".into());
        loopback_push(c);
    }
}

/// Tells `push` the server's VAPID key, as `/push/key` gives it to `token`.
async fn expect_vapid(server: &TestServer, push: &PushEndpoint, token: &str) -> Result<()> {
    let (status, key) = server.get("/api/v1/push/key", Some(token)).await?;
    assert_eq!(status, 200, "{key}");
    push.expect_vapid_key(key["vapid_public_key"].as_str().unwrap());
    Ok(())
}

async fn kit(db: DbKind) -> Result<Kit> {
    let push = PushEndpoint::start().await?;
    let smtp = SmtpServer::start().await?;
    let team = Team::start(db, BlobKind::Local, notifying(&smtp)).await?;
    expect_vapid(&team.server, &push, &token(&team.nurse)).await?;
    Ok(Kit { team, push, smtp })
}

async fn send(
    server: &TestServer,
    method: reqwest::Method,
    path: &str,
    token: &str,
    body: Value,
) -> Result<(u16, Value)> {
    let request = server
        .http
        .request(method, server.at(path))
        .bearer_auth(token)
        .json(&body);
    answer(request.send().await?).await
}

async fn put(server: &TestServer, path: &str, token: &str, body: Value) -> Result<(u16, Value)> {
    send(server, reqwest::Method::PUT, path, token, body).await
}

async fn subscribe(server: &TestServer, token: &str, sub: &Subscriber) -> Result<String> {
    let (status, body) = server
        .post("/api/v1/me/push-subscriptions", Some(token), sub.body())
        .await?;
    assert_eq!(status, 201, "{body}");
    Ok(body["id"].as_str().unwrap().to_owned())
}

async fn settings(server: &TestServer, token: &str, body: Value) -> Result<Value> {
    let (status, answer) = put(server, "/api/v1/me/notifications", token, body).await?;
    assert_eq!(status, 200, "{answer}");
    Ok(answer)
}

fn token(client: &kizuna_client::Client) -> String {
    client.session_token().unwrap().to_owned()
}

fn note(text: &str, urgency: Urgency) -> PostEnvelope {
    let envelope = PostEnvelope::new(ContentType::Note, text);
    if urgency == Urgency::Normal {
        envelope
    } else {
        envelope.with_urgency(urgency)
    }
}

/// Lets the senders finish whatever they would have sent.
async fn settle() {
    tokio::time::sleep(Duration::from_millis(1500)).await;
}

fn assert_content_free(text: &str) {
    for secret in SECRETS {
        assert!(!text.contains(secret), "{secret:?} leaked into {text:?}");
    }
}

/// The payload is `{"v":1,"kind","room","count"}` and nothing else (`room` null
/// when it is about no room).
fn assert_payload(json: &Value, kind: &str, room: Option<&str>, count: i64) {
    let mut keys: Vec<_> = json.as_object().unwrap().keys().cloned().collect();
    keys.sort();
    assert_eq!(keys, ["count", "kind", "room", "v"], "{json}");
    assert_eq!(
        (
            &json["v"],
            json["kind"].as_str(),
            &json["room"],
            json["count"].as_i64()
        ),
        (&json!(1), Some(kind), &json!(room), Some(count)),
        "{json}"
    );
}

async fn an_urgent_post_reaches_the_nurse_and_says_nothing(db: DbKind) -> Result<()> {
    let Kit { mut team, push, smtp } = kit(db).await?;
    let (server, room) = (&team.server, team.room);
    let (nurse, doctor) = (token(&team.nurse), token(&team.doctor));
    let (phone, laptop, doctors) = (
        push.subscriber("nurse-phone"),
        push.subscriber("nurse-laptop"),
        push.subscriber("doctor"),
    );
    let id = subscribe(server, &nurse, &phone).await?;
    assert_eq!(
        subscribe(server, &nurse, &phone).await?,
        id,
        "one subscription per endpoint"
    );
    subscribe(server, &nurse, &laptop).await?;
    subscribe(server, &doctor, &doctors).await?;
    let defaults = server.get("/api/v1/me/notifications", Some(&nurse)).await?.1;
    assert_eq!(
        defaults,
        json!({"push": "urgent", "email": "off", "email_address": null, "digest_minutes": 60, "quiet_hours": null, "utc_offset_minutes": 540, "urgent_in_quiet_hours": true, "email_available": true})
    );
    settings(
        server,
        &nurse,
        json!({"push": "urgent", "email": "urgent", "email_address": "nurse@example.jp"}),
    )
    .await?;
    settings(
        server,
        &doctor,
        json!({"push": "all", "email": "urgent", "email_address": "doctor@example.jp"}),
    )
    .await?;

    team.doctor
        .post_content(room, Channel::Team, &note(MARKER, Urgency::Urgent))
        .await?;
    let room_id = room.to_string();
    for sub in [&phone, &laptop] {
        let pushed = push.wait_for(sub, 1).await?;
        assert_payload(&pushed[0].json(), "urgent", Some(&room_id), 1);
        assert_content_free(&pushed[0].plaintext);
        assert_eq!(pushed[0].urgency.as_deref(), Some("high"));
    }
    let mail = &smtp.wait_for("nurse@example.jp", 1).await?[0];
    assert!(
        mail.subject().contains("至急") && mail.subject().contains("urgent"),
        "{}",
        mail.subject()
    );
    assert!(mail.body().contains(ORIGIN), "{}", mail.body());
    assert_content_free(&mail.data);
    assert_content_free(&mail.body());
    settle().await;
    assert!(
        push.pushed_to(&doctors).is_empty(),
        "the author is not notified of their own post"
    );
    assert!(smtp.mails_to("doctor@example.jp").is_empty());
    assert_eq!(push.pushed_to(&phone).len(), 1, "once per post and device");
    assert_eq!(
        smtp.mails_to("nurse@example.jp").len(),
        1,
        "one mail per person, not per device"
    );

    // A routine post: the nurse asked for urgent pushes only.
    team.doctor
        .post_content(room, Channel::Team, &note("定期訪問", Urgency::Normal))
        .await?;
    settle().await;
    assert_eq!(
        push.pushed_to(&phone).len(),
        1,
        "no push for a routine post with push \"urgent\""
    );

    // Everything off: nothing at all.
    settings(server, &nurse, json!({"push": "off", "email": "off"})).await?;
    team.doctor
        .post_content(room, Channel::Team, &note("至急2", Urgency::Urgent))
        .await?;
    settle().await;
    assert_eq!(push.pushed_to(&phone).len(), 1);
    assert_eq!(smtp.mails_to("nurse@example.jp").len(), 1);
    assert!(push.failures().is_empty(), "{:?}", push.failures());
    Ok(())
}

/// Local (UTC+9) HH:MM of `at` moved by `minutes`.
fn local(at: Timestamp, minutes: i64) -> String {
    let m = (at.0.div_euclid(60_000) + 540 + minutes).rem_euclid(1440);
    format!("{:02}:{:02}", m / 60, m % 60)
}

async fn the_digest_counts_and_waits_for_quiet_hours_to_end(db: DbKind) -> Result<()> {
    let Kit { mut team, push, smtp } = kit(db).await?;
    let (room, nurse, doctor) = (team.room, token(&team.nurse), token(&team.doctor));
    let server = &team.server;
    let (status, off) = put(
        server,
        &format!("/api/v1/rooms/{room}/escalation"),
        &doctor,
        json!({"minutes": null}),
    )
    .await?;
    assert_eq!((status, &off), (200, &json!({"minutes": null})));
    let phone = push.subscriber("nurse-phone");
    subscribe(server, &nurse, &phone).await?;
    settings(
        server,
        &nurse,
        json!({"push": "all", "email": "digest", "email_address": "nurse@example.jp", "digest_minutes": 15}),
    )
    .await?;

    team.doctor
        .post_content(room, Channel::Team, &note(MARKER, Urgency::Normal))
        .await?;
    team.doctor
        .post_content(room, Channel::Family, &note("ご家族へ", Urgency::Normal))
        .await?;
    let pushed = push.wait_for(&phone, 2).await?;
    assert_payload(&pushed[0].json(), "posts", Some(&room.to_string()), 1);
    assert_eq!(pushed[0].urgency.as_deref(), Some("normal"));
    settle().await;
    assert!(
        smtp.mails_to("nurse@example.jp").is_empty(),
        "the digest waits digest_minutes"
    );
    team.server.advance(Duration::from_secs(16 * 60));
    let mail = &smtp.wait_for("nurse@example.jp", 1).await?[0];
    assert!(
        mail.subject().contains("2 件") && mail.subject().contains("2 new posts"),
        "{}",
        mail.subject()
    );
    assert!(
        mail.body().contains("1 件のルーム") && mail.body().contains("in 1 rooms"),
        "{}",
        mail.body()
    );
    assert_content_free(&mail.data);
    settle().await;
    assert_eq!(smtp.mails_to("nurse@example.jp").len(), 1, "one digest");

    // Quiet hours from an hour ago to three hours from now, urgent ones held too.
    let now = team.server.now();
    let quiet = json!({"start": local(now, -60), "end": local(now, 180)});
    settings(&team.server, &nurse, json!({"push": "all", "email": "digest", "email_address": "nurse@example.jp", "digest_minutes": 15, "quiet_hours": quiet, "urgent_in_quiet_hours": false})).await?;
    team.doctor
        .post_content(room, Channel::Team, &note("夜間の記録", Urgency::Normal))
        .await?;
    team.doctor
        .post_content(room, Channel::Team, &note("至急1", Urgency::Urgent))
        .await?;
    team.server.advance(Duration::from_secs(20 * 60));
    settle().await;
    assert_eq!(push.pushed_to(&phone).len(), 2, "nothing pushed in quiet hours");
    assert_eq!(
        smtp.mails_to("nurse@example.jp").len(),
        1,
        "the digest and the urgent mail are held"
    );

    // Urgent ones allowed in quiet hours: they come at once; the digest still waits.
    settings(&team.server, &nurse, json!({"push": "all", "email": "digest", "email_address": "nurse@example.jp", "digest_minutes": 15, "quiet_hours": quiet, "urgent_in_quiet_hours": true})).await?;
    team.doctor
        .post_content(room, Channel::Team, &note("至急2", Urgency::Urgent))
        .await?;
    let pushed = push.wait_for(&phone, 3).await?;
    assert_eq!(pushed[2].json()["kind"], "urgent");
    let mails = smtp.wait_for("nurse@example.jp", 2).await?;
    assert!(mails[1].subject().contains("至急"), "{}", mails[1].subject());
    settle().await;
    assert_eq!(smtp.mails_to("nurse@example.jp").len(), 2);

    // After the quiet hours the held digest goes.
    team.server.advance(Duration::from_secs(3 * 60 * 60));
    let mails = smtp.wait_for("nurse@example.jp", 3).await?;
    assert!(mails[2].subject().contains("1 件"), "{}", mails[2].subject());
    assert!(push.failures().is_empty(), "{:?}", push.failures());
    Ok(())
}

async fn an_unread_urgent_post_escalates_once(db: DbKind) -> Result<()> {
    let Kit { mut team, push, smtp } = kit(db).await?;
    let (room, nurse, doctor, family) = (
        team.room,
        token(&team.nurse),
        token(&team.doctor),
        token(&team.family),
    );
    let server = &team.server;
    let path = format!("/api/v1/rooms/{room}/escalation");
    assert_eq!(
        server.get(&path, Some(&family)).await?.1,
        json!({"minutes": 30}),
        "the default"
    );
    for who in [&nurse, &family] {
        let (status, body) = put(server, &path, who, json!({"minutes": 10})).await?;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (403, Some("forbidden")),
            "only the room's owner and delegates"
        );
    }
    for bad in [json!({"minutes": 4}), json!({"minutes": 1441})] {
        let (status, body) = put(server, &path, &doctor, bad).await?;
        assert_eq!(status, 422, "{body}");
    }
    assert_eq!(
        put(server, &path, &doctor, json!({"minutes": 10})).await?,
        (200, json!({"minutes": 10}))
    );
    assert_eq!(server.get(&path, Some(&nurse)).await?.1, json!({"minutes": 10}));
    let (n, f, d) = (
        push.subscriber("nurse"),
        push.subscriber("family"),
        push.subscriber("doctor"),
    );
    subscribe(server, &nurse, &n).await?;
    subscribe(server, &family, &f).await?;
    subscribe(server, &doctor, &d).await?;
    settings(
        server,
        &doctor,
        json!({"push": "urgent", "email": "urgent", "email_address": "doctor@example.jp"}),
    )
    .await?;

    let seq = team
        .doctor
        .post_content(room, Channel::Family, &note(MARKER, Urgency::Urgent))
        .await?;
    push.wait_for(&n, 1).await?;
    push.wait_for(&f, 1).await?;
    let group = urlencode(&format!("{room}/family"));
    let (status, body) = put(
        &team.server,
        &format!("/api/v1/groups/{group}/read"),
        &family,
        json!({"seq": seq}),
    )
    .await?;
    assert_eq!(status, 200, "{body}");

    team.server.advance(Duration::from_secs(9 * 60));
    settle().await;
    assert_eq!(push.pushed_to(&n).len(), 1, "not before the room's time");
    team.server.advance(Duration::from_secs(2 * 60));
    let again = push.wait_for(&n, 2).await?;
    assert_payload(&again[1].json(), "escalation", Some(&room.to_string()), 1);
    let report = push.wait_for(&d, 1).await?;
    assert_payload(&report[0].json(), "unread_report", Some(&room.to_string()), 1);
    assert_content_free(&report[0].plaintext);
    let mail = &smtp.wait_for("doctor@example.jp", 1).await?[0];
    assert!(
        mail.body().contains("1 人") && mail.body().contains("1 people"),
        "{}",
        mail.body()
    );
    assert_content_free(&mail.data);
    // More runs of the job: nothing again, and nothing to the one who read it.
    team.server.advance(Duration::from_secs(20 * 60));
    settle().await;
    settle().await;
    assert_eq!(push.pushed_to(&n).len(), 2, "once per post");
    assert_eq!(push.pushed_to(&d).len(), 1, "once per post");
    assert_eq!(push.pushed_to(&f).len(), 1, "the family member read it");
    let (_, unread) = team
        .server
        .get(
            &format!("/api/v1/groups/{group}/posts/{seq}/unread"),
            Some(&doctor),
        )
        .await?;
    let names: Vec<_> = unread
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["user_id"].clone())
        .collect();
    assert_eq!(names, [json!(team.nurse.user_id().unwrap().to_string())]);
    assert!(push.failures().is_empty(), "{:?}", push.failures());
    Ok(())
}

async fn subscriptions_and_settings_refuse_bad_input(db: DbKind) -> Result<()> {
    let Kit { mut team, push, .. } = kit(db).await?;
    let (room, nurse, family) = (team.room, token(&team.nurse), token(&team.family));
    let server = &team.server;
    let nurse_id = team.nurse.user_id().unwrap();
    let stored = |server: &TestServer| {
        let db = server.db.clone();
        async move {
            db.run(move |conn| kizuna_storage::notifications::subscriptions_of(conn, nurse_id))
                .await
                .map(|s| s.len())
        }
    };
    assert_eq!(server.get("/api/v1/push/key", None).await?.0, 401);
    let good = push.subscriber("nurse");
    for endpoint in [
        "https://evil.example.com/push/1",
        "ftp://127.0.0.1/push",
        "http://127.0.0.1.evil.example/x",
        "not a url",
    ] {
        let mut body = good.body();
        body["endpoint"] = json!(endpoint);
        let (status, answer) = server
            .post("/api/v1/me/push-subscriptions", Some(&nurse), body)
            .await?;
        assert_eq!(
            (status, answer["error"]["code"].as_str()),
            (422, Some("push_endpoint_not_allowed")),
            "{endpoint}"
        );
    }
    let mut bad_keys = good.body();
    bad_keys["keys"]["p256dh"] = json!("bm90IGEga2V5");
    let (status, answer) = server
        .post("/api/v1/me/push-subscriptions", Some(&nurse), bad_keys)
        .await?;
    assert_eq!(status, 422, "{answer}");
    assert!(
        answer["error"]["message"].as_str().unwrap().starts_with("keys"),
        "{answer}"
    );
    for body in [json!({"endpoint": good.endpoint}), json!([]), json!({"keys": 1})] {
        let (status, answer) = server
            .post("/api/v1/me/push-subscriptions", Some(&nurse), body)
            .await?;
        assert_eq!(status, 400, "{answer}");
    }
    assert_eq!(stored(server).await?, 0, "nothing stored");

    for (body, field) in [
        (
            json!({"push": "urgent", "email": "off", "digest_minutes": 14}),
            "digest_minutes",
        ),
        (
            json!({"push": "urgent", "email": "off", "quiet_hours": {"start": "25:00", "end": "07:00"}}),
            "quiet_hours.start",
        ),
        (
            json!({"push": "urgent", "email": "off", "quiet_hours": {"start": "07:00", "end": "07:00"}}),
            "quiet_hours",
        ),
        (json!({"push": "urgent", "email": "urgent"}), "email_address"),
        (
            json!({"push": "urgent", "email": "urgent", "email_address": "not-an-address"}),
            "email_address",
        ),
        (
            json!({"push": "urgent", "email": "off", "utc_offset_minutes": 100000}),
            "utc_offset_minutes",
        ),
    ] {
        let (status, answer) = put(server, "/api/v1/me/notifications", &nurse, body).await?;
        assert_eq!(status, 422, "{answer}");
        assert!(
            answer["error"]["message"].as_str().unwrap().starts_with(field),
            "{answer}"
        );
    }
    for body in [
        json!({"push": "loud", "email": "off"}),
        json!({"push": "urgent"}),
        json!({"push": "urgent", "email": "off", "extra": 1}),
    ] {
        assert_eq!(
            put(server, "/api/v1/me/notifications", &nurse, body).await?.0,
            400
        );
    }

    // Someone else's subscription cannot be removed.
    subscribe(server, &nurse, &good).await?;
    let endpoint = json!({"endpoint": good.endpoint});
    let (status, _) = send(
        server,
        reqwest::Method::DELETE,
        "/api/v1/me/push-subscriptions",
        &family,
        endpoint.clone(),
    )
    .await?;
    assert_eq!(status, 404);
    assert_eq!(stored(server).await?, 1);
    assert_eq!(
        send(
            server,
            reqwest::Method::DELETE,
            "/api/v1/me/push-subscriptions",
            &nurse,
            endpoint.clone()
        )
        .await?
        .0,
        204
    );
    assert_eq!(stored(server).await?, 0);

    // A push service answering 410 Gone: the subscription goes.
    subscribe(server, &nurse, &good).await?;
    push.answer_with(410);
    team.doctor
        .post_content(room, Channel::Team, &note("至急", Urgency::Urgent))
        .await?;
    for _ in 0..100 {
        if stored(&team.server).await? == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(stored(&team.server).await?, 0, "a gone subscription is removed");

    // A server without a mail server: e-mail stays off and says so.
    let plain = TestServer::start(db, BlobKind::Local).await?;
    let admin = plain.bootstrap_admin().await?;
    let (_, view) = plain.get("/api/v1/me/notifications", Some(&admin.token)).await?;
    assert_eq!(view["email_available"], false);
    let (status, answer) = put(
        &plain,
        "/api/v1/me/notifications",
        &admin.token,
        json!({"push": "urgent", "email": "urgent", "email_address": "a@example.jp"}),
    )
    .await?;
    assert_eq!(
        (status, answer["error"]["code"].as_str()),
        (422, Some("email_unavailable"))
    );
    let (status, answer) = plain
        .post("/api/v1/me/push-subscriptions", Some(&admin.token), good.body())
        .await?;
    assert_eq!(
        (status, answer["error"]["code"].as_str()),
        (422, Some("push_endpoint_not_allowed")),
        "loopback and http are not allowed by default"
    );
    Ok(())
}

/// The words of the broadcast notices below, which no push may carry.
const NOTICE_WORDS: [&str; 3] = ["避難指示", "みなみ川", "避難状況"];

/// A notice from `by`'s device for `org`, as in the broadcast suite.
async fn send_notice(server: &TestServer, org: &str, by: &Signer, include_families: bool) -> Result<()> {
    let signed = evacuation_notice(org, by, include_families, server.now())?;
    let (status, sent) = server
        .post(
            &format!("/api/v1/organisations/{org}/broadcasts"),
            Some(&by.person.token),
            serde_json::to_value(&signed)?,
        )
        .await?;
    assert_eq!(status, 201, "{sent}");
    Ok(())
}

fn assert_broadcast_push(pushed: &kizuna_tests::push::Pushed) {
    assert_payload(&pushed.json(), "broadcast", None, 1);
    assert_eq!(pushed.urgency.as_deref(), Some("high"));
    for word in NOTICE_WORDS {
        assert!(
            !pushed.plaintext.contains(word),
            "{word:?} leaked into {:?}",
            pushed.plaintext
        );
    }
}

async fn a_broadcast_pushes_to_its_recipients_but_not_its_sender(db: DbKind) -> Result<()> {
    let push = PushEndpoint::start().await?;
    let server = TestServer::start_with(db, BlobKind::Local, loopback_push).await?;
    let system = server.bootstrap_admin().await?;
    let association = server
        .organisation(&system, "みなみ県医師会", "association", None)
        .await?;
    let clinic = server
        .organisation(&system, "みなみ診療所", "clinic", Some(&association))
        .await?;
    let office = server
        .staff(&system, &association, "office.ito", "officer")
        .await?;
    let officer = |login: &'static str| server.staff(&office, &association, login, "broadcast_officer");
    let first = signer(&server, officer("bo.suzuki").await?, 1).await?;
    let second = signer(&server, officer("bo.tanaka").await?, 2).await?;
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
    expect_vapid(&server, &push, &nurse.token).await?;
    let roster = RosterChange {
        organisation: association.parse()?,
        version: 1,
        previous: None,
        issued_at: server.now(),
        signed_by: first.officer,
        officers: vec![first.officer, second.officer],
    };
    let (status, body) = server
        .post(
            &format!("/api/v1/organisations/{association}/roster"),
            Some(&first.person.token),
            serde_json::to_value(sign_roster_change(&roster, &first.key)?)?,
        )
        .await?;
    assert_eq!(status, 204, "{body}");
    let subscriber = |name: &str, person: &Person| {
        let sub = push.subscriber(name);
        let (server, token) = (&server, person.token.clone());
        async move { subscribe(server, &token, &sub).await.map(|_| sub) }
    };
    let n = subscriber("nurse", &nurse).await?;
    let d = subscriber("doctor", &doctor).await?;
    let f = subscriber("family", &family).await?;
    let o = subscriber("officer", &first.person).await?;

    // Families not included: the clinic's staff get it; the family member and
    // the officer who sent it do not.
    send_notice(&server, &association, &first, false).await?;
    assert_broadcast_push(&push.wait_for(&n, 1).await?[0]);
    assert_broadcast_push(&push.wait_for(&d, 1).await?[0]);
    settle().await;
    assert!(push.pushed_to(&f).is_empty(), "families were not included");
    assert!(push.pushed_to(&o).is_empty(), "the sender is not notified");
    assert_eq!(push.pushed_to(&n).len(), 1, "once per notice");

    // Push off: nothing. Families included, from the other officer: the family
    // member and the first officer get this one.
    settings(&server, &doctor.token, json!({"push": "off", "email": "off"})).await?;
    send_notice(&server, &association, &second, true).await?;
    assert_broadcast_push(&push.wait_for(&f, 1).await?[0]);
    assert_broadcast_push(&push.wait_for(&o, 1).await?[0]);
    assert_broadcast_push(&push.wait_for(&n, 2).await?[1]);
    settle().await;
    assert_eq!(push.pushed_to(&d).len(), 1, "nothing with push \"off\"");
    assert!(push.failures().is_empty(), "{:?}", push.failures());
    Ok(())
}

/// A staff member of `org` with a device of their own, invited by `admin`.
async fn staff_client(
    server: &TestServer,
    admin: &Person,
    (org, dir): (&str, &std::path::Path),
    login: &str,
    role: &str,
) -> Result<Client> {
    let link = server.invite_staff(admin, org, login, role).await?;
    let mut client = Client::create(&dir.join(format!("{login}.kizuna")), &server.url, ORIGIN)?;
    client.register(&link, login, GOOD_PASSWORD, None).await?;
    Ok(client)
}

/// What is kept for `user` once a routine post has reached their waiting digest
/// (the post is counted off the request path), or after 10 s.
async fn digest_waiting(server: &TestServer, user: UserId) -> Result<(usize, bool, bool)> {
    for _ in 0..100 {
        if kept_for(server, user).await?.2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    kept_for(server, user).await
}

/// What the database keeps about `user`'s notifications: how many push
/// subscriptions, whether settings are stored, whether posts wait for a digest.
async fn kept_for(server: &TestServer, user: UserId) -> Result<(usize, bool, bool)> {
    Ok(server
        .db
        .run(move |conn| {
            Ok((
                stored::subscriptions_of(conn, user)?.len(),
                stored::settings(conn, user)?.is_some(),
                stored::pending_digests(conn)?.iter().any(|p| p.user == user),
            ))
        })
        .await?)
}

async fn a_leaver_s_settings_and_subscriptions_are_deleted(db: DbKind) -> Result<()> {
    let (push, smtp) = (PushEndpoint::start().await?, SmtpServer::start().await?);
    let server = TestServer::start_with(db, BlobKind::Local, notifying(&smtp)).await?;
    let system = server.bootstrap_admin().await?;
    let org = server.organisation(&system, "Clinic", "clinic", None).await?;
    let mut office = server
        .staff(&system, &org, "office.minami", "facility_admin")
        .await?;
    let dir = tempfile::tempdir()?;
    let at = (org.as_str(), dir.path());
    let mut doctor = staff_client(&server, &office, at, "dr.tanaka", "doctor").await?;
    let mut nurse = staff_client(&server, &office, at, "nurse.sato", "nurse").await?;
    let room = doctor.create_room(org.parse()?, "Suzuki-san").await?.id;
    let invitation = doctor.invite(room, "nurse.sato", RoomRole::Professional).await?;
    nurse.accept_invitation(&invitation.link).await?;
    doctor.refresh().await?;
    nurse.sync().await?;
    let (nurse_id, doctor_id) = (nurse.user_id().unwrap(), doctor.user_id().unwrap());
    let (nurses, doctors) = (token(&nurse), token(&doctor));
    expect_vapid(&server, &push, &nurses).await?;
    let phone = push.subscriber("nurse-phone");
    subscribe(&server, &nurses, &phone).await?;
    subscribe(&server, &doctors, &push.subscriber("doctor")).await?;
    settings(&server, &doctors, json!({"push": "urgent", "email": "off"})).await?;
    settings(
        &server,
        &nurses,
        json!({"push": "urgent", "email": "digest", "email_address": "nurse@example.jp", "digest_minutes": 15}),
    )
    .await?;

    // While on the staff: an urgent post reaches the nurse's phone and mailbox,
    // and a routine one waits for her digest.
    doctor
        .post_content(room, Channel::Team, &note("至急1", Urgency::Urgent))
        .await?;
    push.wait_for(&phone, 1).await?;
    smtp.wait_for("nurse@example.jp", 1).await?;
    doctor
        .post_content(room, Channel::Team, &note("定期訪問", Urgency::Normal))
        .await?;
    assert_eq!(digest_waiting(&server, nurse_id).await?, (1, true, true));

    // Suspended for a while: her digest waits past its time and comes once she is
    // back, and her settings stay.
    server.reauth(&mut office).await?;
    let actions = format!("/api/v1/organisations/{org}/staff/{nurse_id}/actions");
    let (status, body) = server
        .post(&actions, Some(&office.token), json!({"action": "suspend"}))
        .await?;
    assert_eq!(status, 204, "{body}");
    server.advance(Duration::from_secs(16 * 60));
    settle().await;
    settle().await;
    assert_eq!(
        smtp.mails_to("nurse@example.jp").len(),
        1,
        "no digest while suspended"
    );
    assert_eq!(kept_for(&server, nurse_id).await?, (1, true, true));
    server.reauth(&mut office).await?;
    let (status, body) = server
        .post(&actions, Some(&office.token), json!({"action": "reactivate"}))
        .await?;
    assert_eq!(status, 204, "{body}");
    smtp.wait_for("nurse@example.jp", 2).await?;
    assert_eq!(
        kept_for(&server, nurse_id).await?,
        (1, true, false),
        "the digest went"
    );
    doctor
        .post_content(room, Channel::Team, &note("夕方の訪問", Urgency::Normal))
        .await?;
    assert_eq!(digest_waiting(&server, nurse_id).await?, (1, true, true));

    // She leaves: the facility administrator disables her account.
    server.reauth(&mut office).await?;
    let (status, body) = server
        .post(&actions, Some(&office.token), json!({"action": "disable"}))
        .await?;
    assert_eq!(status, 204, "{body}");
    assert_eq!(
        kept_for(&server, nurse_id).await?,
        (0, false, false),
        "subscriptions, settings and the waiting digest are gone"
    );
    assert_eq!(
        kept_for(&server, doctor_id).await?,
        (1, true, false),
        "only the leaver's"
    );

    // An urgent post in her room, past the digest's time and the room's
    // escalation time: nothing reaches her phone or her mailbox.
    doctor
        .post_content(room, Channel::Team, &note("至急2", Urgency::Urgent))
        .await?;
    settle().await;
    server.advance(Duration::from_secs(31 * 60));
    settle().await;
    settle().await;
    assert_eq!(push.pushed_to(&phone).len(), 1, "nothing after leaving");
    assert_eq!(
        smtp.mails_to("nurse@example.jp").len(),
        2,
        "no digest, no urgent mail"
    );

    // A leaver cannot be re-enabled, so nothing could bring her settings back.
    server.reauth(&mut office).await?;
    let (status, body) = server
        .post(&actions, Some(&office.token), json!({"action": "reactivate"}))
        .await?;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("invalid_input")),
        "{body}"
    );
    assert_eq!(
        server.get("/api/v1/me/notifications", Some(&nurses)).await?.0,
        401
    );
    assert_eq!(kept_for(&server, nurse_id).await?, (0, false, false));
    assert!(push.failures().is_empty(), "{:?}", push.failures());
    Ok(())
}

on_both_databases!(
    an_urgent_post_reaches_the_nurse_and_says_nothing,
    the_digest_counts_and_waits_for_quiet_hours_to_end,
    an_unread_urgent_post_escalates_once,
    subscriptions_and_settings_refuse_bad_input,
    a_broadcast_pushes_to_its_recipients_but_not_its_sender,
    a_leaver_s_settings_and_subscriptions_are_deleted,
);
