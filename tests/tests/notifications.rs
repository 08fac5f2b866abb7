//! Content-free notifications and escalation (issue 15), on SQLite and PostgreSQL:
//! real Web Push to a loopback push endpoint that checks the VAPID token and
//! decrypts the RFC 8291 payload itself, and real e-mail to a loopback SMTP server.
//!
//! The care team (`care::Team`): the doctor owns the room and posts; the nurse is
//! in both channels; the family member in the family channel only.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use std::time::Duration;

use anyhow::Result;
use kizuna_client::{Channel, ContentType, PostEnvelope};
use kizuna_proto::{Timestamp, Urgency};
use kizuna_tests::accounts::answer;
use kizuna_tests::care::Team;
use kizuna_tests::mls::urlencode;
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

async fn kit(db: DbKind) -> Result<Kit> {
    let push = PushEndpoint::start().await?;
    let smtp = SmtpServer::start().await?;
    let smtp_url = smtp.url();
    let team = Team::start(db, BlobKind::Local, |c| {
        c.smtp_url = Some(smtp_url.into());
        c.mail_from = Some("Kizuna <kizuna@example.jp>".into());
        c.push_endpoint_hosts = vec!["127.0.0.1".into()];
        c.push_allow_http = true;
        c.notification_sweep_interval_secs = 1;
    })
    .await?;
    let token = team.nurse.session_token().unwrap().to_owned();
    let (status, key) = team.server.get("/api/v1/push/key", Some(&token)).await?;
    assert_eq!(status, 200, "{key}");
    push.expect_vapid_key(key["vapid_public_key"].as_str().unwrap());
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

fn assert_payload(json: &Value, kind: &str, room: &str, count: i64) {
    let mut keys: Vec<_> = json.as_object().unwrap().keys().cloned().collect();
    keys.sort();
    assert_eq!(keys, ["count", "kind", "room", "v"], "{json}");
    assert_eq!(
        (
            json["v"].as_i64(),
            json["kind"].as_str(),
            json["room"].as_str(),
            json["count"].as_i64()
        ),
        (Some(1), Some(kind), Some(room), Some(count))
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
        assert_payload(&pushed[0].json(), "urgent", &room_id, 1);
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
    assert_payload(&pushed[0].json(), "posts", &room.to_string(), 1);
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
    assert_payload(&again[1].json(), "escalation", &room.to_string(), 1);
    let report = push.wait_for(&d, 1).await?;
    assert_payload(&report[0].json(), "unread_report", &room.to_string(), 1);
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

on_both_databases!(
    an_urgent_post_reaches_the_nurse_and_says_nothing,
    the_digest_counts_and_waits_for_quiet_hours_to_end,
    an_unread_urgent_post_escalates_once,
    subscriptions_and_settings_refuse_bad_input,
);
