//! Security alerts (issue 16), on SQLite and PostgreSQL: the alert job reads the
//! audit log of a real server, raises each alert once for the facility of the
//! person concerned, and tells that facility's administrator by Web Push (to a
//! loopback push endpoint that decrypts it) and e-mail (a loopback SMTP server),
//! without a name. Only that facility's administrators see and close them.
//!
//! Failed sign-ins, sign-in hours and devices go through the real endpoints; room
//! reads, downloads and break-glass sign-ins are written to the audit log as the
//! server writes them (their own suites drive those endpoints).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use std::time::Duration;

use anyhow::Result;
use kizuna_proto::UserId;
use kizuna_server::audit::{self, Entry};
use kizuna_server::config::Config;
use kizuna_tests::accounts::{Person, GOOD_PASSWORD};
use kizuna_tests::mls::TestDevice;
use kizuna_tests::push::{PushEndpoint, Subscriber};
use kizuna_tests::smtp::SmtpServer;
use kizuna_tests::{on_both_databases, BlobKind, DbKind, TestServer};
use serde_json::{json, Value};

struct World {
    server: TestServer,
    push: PushEndpoint,
    smtp: SmtpServer,
    clinic: String,
    other: String,
    admin: Person,
    other_admin: Person,
    nurse: Person,
    phone: Subscriber,
}

const ADMIN_MAIL: &str = "admin@example.jp";

async fn world(db: DbKind) -> Result<World> {
    let push = PushEndpoint::start().await?;
    let smtp = SmtpServer::start().await?;
    let smtp_url = smtp.url();
    let server = TestServer::start_with(db, BlobKind::Local, move |c: &mut Config| {
        c.smtp_url = Some(smtp_url.into());
        c.mail_from = Some("Kizuna <kizuna@example.jp>".into());
        c.push_endpoint_hosts = vec!["127.0.0.1".into()];
        c.push_allow_http = true;
        c.alerts.scan_interval_secs = 1;
        c.alerts.rooms_opened = 3;
        c.alerts.downloads = 3;
    })
    .await?;
    let root = server.bootstrap_admin().await?;
    let clinic = server.organisation(&root, "Clinic", "clinic", None).await?;
    let other = server.organisation(&root, "Other", "clinic", None).await?;
    let admin = server
        .staff(&root, &clinic, "clinic-admin", "facility_admin")
        .await?;
    let other_admin = server
        .staff(&root, &other, "other-admin", "facility_admin")
        .await?;
    let nurse = server.staff(&root, &clinic, "hanako", "nurse").await?;
    let (status, key) = server.get("/api/v1/push/key", Some(&admin.token)).await?;
    assert_eq!(status, 200, "{key}");
    push.expect_vapid_key(key["vapid_public_key"].as_str().unwrap());
    let phone = push.subscriber("admin-phone");
    let (status, body) = server
        .post("/api/v1/me/push-subscriptions", Some(&admin.token), phone.body())
        .await?;
    assert_eq!(status, 201, "{body}");
    let settings = json!({"push": "urgent", "email": "urgent", "email_address": ADMIN_MAIL});
    let response = server
        .http
        .put(server.at("/api/v1/me/notifications"))
        .bearer_auth(&admin.token)
        .json(&settings)
        .send()
        .await?;
    assert_eq!(response.status(), 200);
    Ok(World {
        server,
        push,
        smtp,
        clinic,
        other,
        admin,
        other_admin,
        nurse,
        phone,
    })
}

impl World {
    /// Lets the records settle (the job leaves the last 10 s for the next scan)
    /// and the job run.
    async fn scan(&self) {
        self.server.advance(Duration::from_secs(11));
        tokio::time::sleep(Duration::from_millis(2500)).await;
    }

    async fn alerts(&self, org: &str, token: &str, state: &str) -> Result<(u16, Value)> {
        self.server
            .get(
                &format!("/api/v1/organisations/{org}/alerts?state={state}"),
                Some(token),
            )
            .await
    }

    async fn open(&self) -> Result<Vec<Value>> {
        let (status, body) = self.alerts(&self.clinic, &self.admin.token, "open").await?;
        assert_eq!(status, 200, "{body}");
        Ok(body.as_array().unwrap().clone())
    }

    /// Writes an audit record as the server does, at the server's time.
    async fn audit(&self, actor: UserId, action: &'static str, target: (&'static str, String)) -> Result<()> {
        let now = self.server.now();
        self.server
            .db
            .run(move |conn| audit::record(conn, now, Entry::success(actor, action, target, None)))
            .await?;
        Ok(())
    }

    fn nurse_id(&self) -> UserId {
        self.nurse.user_id.parse().unwrap()
    }
}

/// The push is `{"v":1,"kind":"security_alert","room":null,"count":N}` and names no one.
fn assert_security_push(json: &Value, count: i64) {
    assert_eq!(
        json,
        &json!({"v": 1, "kind": "security_alert", "room": null, "count": count})
    );
}

async fn failed_sign_ins_raise_one_alert_for_the_persons_facility(db: DbKind) -> Result<()> {
    let mut w = world(db).await?;
    // Four failures: below the threshold (five in ten minutes).
    // A minute apart: the sign-in throttle's delays (from the fourth) have passed.
    for _ in 0..4 {
        w.server.advance(Duration::from_secs(60));
        let (status, body) = w.server.sign_in(&mut w.nurse, "Wrong#pass1").await?;
        assert_eq!(status, 401, "{body}");
    }
    w.scan().await;
    assert!(w.open().await?.is_empty(), "four failures raise nothing");
    assert!(w.push.pushed_to(&w.phone).is_empty());

    for _ in 0..2 {
        w.server.advance(Duration::from_secs(60));
        let (status, body) = w.server.sign_in(&mut w.nurse, "Wrong#pass1").await?;
        assert_eq!(status, 401, "{body}");
    }
    w.scan().await;
    let pushed = w.push.wait_for(&w.phone, 1).await?;
    assert_security_push(&pushed[0].json(), 1);
    assert!(!pushed[0].plaintext.contains("hanako"));
    let mail = &w.smtp.wait_for(ADMIN_MAIL, 1).await?[0];
    assert!(mail.subject().contains("セキュリティ通知"), "{}", mail.subject());
    assert!(!mail.data.contains("hanako"), "the e-mail names no one");

    let open = w.open().await?;
    assert_eq!(open.len(), 1, "{open:?}");
    let alert = &open[0];
    assert_eq!(alert["kind"], "failed_sign_ins");
    assert_eq!(alert["person"]["login_id"], "hanako");
    assert_eq!(alert["person"]["user_id"], w.nurse.user_id.as_str());
    assert_eq!(alert["count"], 6, "the burst's six failures: {alert}");
    assert_eq!(alert["detail"]["window_minutes"], 10);

    // Once: another scan raises nothing more.
    w.scan().await;
    assert_eq!(w.open().await?.len(), 1);
    assert_eq!(w.push.pushed_to(&w.phone).len(), 1);

    // Another facility's administrator sees none of it; a nurse may not look.
    let (status, body) = w.alerts(&w.other, &w.other_admin.token, "open").await?;
    assert_eq!((status, body), (200, json!([])));
    let (status, body) = w.alerts(&w.clinic, &w.other_admin.token, "open").await?;
    assert_eq!(status, 403, "{body}");
    w.server.advance(Duration::from_secs(60));
    let (status, body) = w.server.sign_in(&mut w.nurse, GOOD_PASSWORD).await?;
    assert_eq!(status, 200, "{body}");
    let (status, body) = w.alerts(&w.clinic, &w.nurse.token, "open").await?;
    assert_eq!(status, 403, "{body}");

    // Closing needs a note, and only the facility's administrators may.
    let id = alert["id"].as_str().unwrap();
    let close = format!("/api/v1/organisations/{}/alerts/{id}/close", w.clinic);
    let (status, body) = w
        .server
        .post(&close, Some(&w.admin.token), json!({"note": "  "}))
        .await?;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("invalid_input")),
        "{body}"
    );
    let note = json!({"note": "本人に電話で確認。パスワードを忘れていた"});
    let (status, body) = w.server.post(&close, Some(&w.nurse.token), note.clone()).await?;
    assert_eq!(status, 403, "{body}");
    let other_close = format!("/api/v1/organisations/{}/alerts/{id}/close", w.other);
    let (status, body) = w
        .server
        .post(&other_close, Some(&w.other_admin.token), note.clone())
        .await?;
    assert_eq!(status, 404, "not another facility's alert: {body}");
    let (status, closed) = w.server.post(&close, Some(&w.admin.token), note).await?;
    assert_eq!(status, 200, "{closed}");
    assert_eq!(
        closed["closed"]["note"],
        "本人に電話で確認。パスワードを忘れていた"
    );
    assert_eq!(closed["closed"]["by"]["login_id"], "clinic-admin");
    assert!(w.open().await?.is_empty());
    let (status, listed) = w.alerts(&w.clinic, &w.admin.token, "closed").await?;
    assert_eq!(status, 200);
    assert_eq!(listed[0]["id"], id);
    assert_eq!(
        listed[0]["closed"]["note"],
        "本人に電話で確認。パスワードを忘れていた"
    );
    let audited = w
        .server
        .db
        .run(|conn| kizuna_storage::audit::recent(conn, 100))
        .await?;
    let record = audited
        .iter()
        .find(|r| r.action == "alert.closed")
        .expect("closing is audited");
    assert_eq!(record.actor, Some(w.admin.user_id.parse()?));
    assert_eq!(record.target_id.as_deref(), Some(id));
    assert!(w.push.failures().is_empty(), "{:?}", w.push.failures());
    Ok(())
}

/// Moves the server's clock forward to the next `hour`:10 UTC.
fn to_hour(server: &TestServer, hour: i64) {
    let now = server.now().0;
    let day = 24 * 3_600_000;
    let target = now - now.rem_euclid(day) + hour * 3_600_000 + 600_000;
    let target = if target <= now { target + day } else { target };
    server.advance(Duration::from_millis((target - now) as u64));
}

async fn a_sign_in_at_an_unusual_hour_alerts_once_there_is_history(db: DbKind) -> Result<()> {
    let mut w = world(db).await?;
    // Ten mornings at 09:10 in Japan (00:10 UTC).
    for _ in 0..10 {
        to_hour(&w.server, 0);
        let (status, body) = w.server.sign_in(&mut w.nurse, GOOD_PASSWORD).await?;
        assert_eq!(status, 200, "{body}");
    }
    w.server.sign_in(&mut w.admin, GOOD_PASSWORD).await?;
    w.scan().await;
    assert!(w.open().await?.is_empty(), "usual mornings raise nothing");
    // 03:10 in Japan.
    to_hour(&w.server, 18);
    w.server.sign_in(&mut w.nurse, GOOD_PASSWORD).await?;
    w.server.sign_in(&mut w.admin, GOOD_PASSWORD).await?;
    w.scan().await;
    w.push.wait_for(&w.phone, 1).await?;
    let open = w.open().await?;
    assert_eq!(open.len(), 1, "{open:?}");
    assert_eq!(open[0]["kind"], "unusual_hour");
    assert_eq!(open[0]["person"]["login_id"], "hanako");
    assert_eq!(open[0]["detail"]["hour_utc"], 18);
    assert_eq!(open[0]["detail"]["usual_hours_utc"], json!([0]));
    Ok(())
}

async fn a_second_device_alerts_and_the_first_does_not(db: DbKind) -> Result<()> {
    let w = world(db).await?;
    TestDevice::register(&w.server, &w.nurse, 1, 0).await?;
    w.scan().await;
    assert!(w.open().await?.is_empty(), "a first device is expected");
    TestDevice::register(&w.server, &w.nurse, 2, 0).await?;
    w.scan().await;
    w.push.wait_for(&w.phone, 1).await?;
    let open = w.open().await?;
    assert_eq!(open.len(), 1, "{open:?}");
    assert_eq!(open[0]["kind"], "new_device");
    assert_eq!(open[0]["person"]["login_id"], "hanako");
    Ok(())
}

async fn many_rooms_many_downloads_and_break_glass_each_alert_once(db: DbKind) -> Result<()> {
    let w = world(db).await?;
    let nurse = w.nurse_id();
    let rooms: Vec<String> = (0..3).map(|_| uuid::Uuid::new_v4().to_string()).collect();
    // Two rooms read again and again, two downloads: below the thresholds (three).
    for _ in 0..4 {
        for room in &rooms[..2] {
            w.audit(nurse, "room.read", ("room", room.clone())).await?;
        }
    }
    for _ in 0..2 {
        w.audit(nurse, "blob.download", ("room", rooms[0].clone()))
            .await?;
    }
    w.scan().await;
    assert!(w.open().await?.is_empty(), "below the thresholds");

    w.audit(nurse, "room.read", ("room", rooms[2].clone())).await?;
    w.audit(nurse, "blob.download", ("room", rooms[0].clone()))
        .await?;
    w.audit(nurse, "emergency.sign_in", ("user", nurse.to_string()))
        .await?;
    w.scan().await;
    let pushed = w.push.wait_for(&w.phone, 1).await?;
    assert_security_push(&pushed[0].json(), 3);
    let open = w.open().await?;
    let mut kinds: Vec<&str> = open.iter().map(|a| a["kind"].as_str().unwrap()).collect();
    kinds.sort_unstable();
    assert_eq!(kinds, ["break_glass", "bulk_downloads", "many_rooms"], "{open:?}");
    for alert in &open {
        assert_eq!(alert["person"]["login_id"], "hanako");
    }
    let rooms_alert = open.iter().find(|a| a["kind"] == "many_rooms").unwrap();
    assert_eq!(rooms_alert["count"], 3);
    let (status, theirs) = w.alerts(&w.other, &w.other_admin.token, "open").await?;
    assert_eq!((status, theirs), (200, json!([])));

    // More of the same burst extends its alert; nothing new is raised.
    w.audit(nurse, "blob.download", ("room", rooms[0].clone()))
        .await?;
    w.scan().await;
    let open = w.open().await?;
    assert_eq!(open.len(), 3);
    let downloads = open.iter().find(|a| a["kind"] == "bulk_downloads").unwrap();
    assert_eq!(downloads["count"], 4);
    assert_eq!(w.push.pushed_to(&w.phone).len(), 1);
    Ok(())
}

/// A device that follows 300 rooms writes 300 reads at once (one per subscription),
/// more than one scan's batch of 500 with the other person's. The scan reads each
/// person's window once per batch, not once per record, and still counts exactly:
/// one alert, every different room, extended across the batches.
async fn a_burst_longer_than_a_batch_is_one_alert_counted_across_batches(db: DbKind) -> Result<()> {
    let w = world(db).await?;
    let nurse = w.nurse_id();
    let admin: UserId = w.admin.user_id.parse().unwrap();
    let rooms: Vec<String> = (0..300).map(|_| uuid::Uuid::new_v4().to_string()).collect();
    let now = w.server.now();
    w.server
        .db
        .run(move |conn| {
            for room in &rooms {
                for (who, target) in [(nurse, room.clone()), (admin, rooms[0].clone())] {
                    audit::record(
                        conn,
                        now,
                        Entry::success(who, "room.read", ("room", target), None),
                    )?;
                }
            }
            Ok(())
        })
        .await?;
    w.scan().await;
    let open = w.open().await?;
    assert_eq!(open.len(), 1, "{open:?}");
    assert_eq!(open[0]["kind"], "many_rooms");
    assert_eq!(open[0]["person"]["login_id"], "hanako");
    assert_eq!(open[0]["count"], 300, "every different room, across both batches");
    assert_eq!(w.push.wait_for(&w.phone, 1).await?.len(), 1);
    Ok(())
}

on_both_databases!(
    a_burst_longer_than_a_batch_is_one_alert_counted_across_batches,
    failed_sign_ins_raise_one_alert_for_the_persons_facility,
    a_sign_in_at_an_unusual_hour_alerts_once_there_is_history,
    a_second_device_alerts_and_the_first_does_not,
    many_rooms_many_downloads_and_break_glass_each_alert_once,
);
