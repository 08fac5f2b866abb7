//! Issue 14: "Broadcast payload readable on a slow link: the banner data under 2 KB".
//!
//! The web banner (`web/src/broadcasts/banner.ts`) shows the newest official notice:
//! its severity, title and area, and for 緊急 a full screen with the body. It reads
//! them from `GET /broadcasts` (`engine/broadcasts.ts`), one entry per notice with
//! the signed notice inside, because the device must check the signature before it
//! shows anything. So what a recipient's client downloads for one banner is one
//! entry of that list, as JSON; these tests send notices through a real server, read
//! the list as a nurse's client does and measure the bytes, as sent (`identity`) and
//! compressed (`gzip`, which browsers ask for).
//!
//! Run with `--nocapture` to see the sizes (recorded in `benchmarks/broadcast.md`).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use anyhow::Result;
use kizuna_crypto::broadcast::{
    sign, sign_roster_change, Broadcast, RosterChange, SignedBroadcast, MAX_AREA_CHARS, MAX_BODY_CHARS,
    MAX_TITLE_CHARS,
};
use kizuna_proto::{BroadcastId, OrganisationId, Severity, Timestamp};
use kizuna_tests::accounts::Person;
use kizuna_tests::officer::{signer, Signer};
use kizuna_tests::{on_both_databases, BlobKind, DbKind, TestServer};
use serde_json::{json, Value};

/// The budget for the banner's data.
const BANNER_BUDGET: usize = 2048;

/// A realistic 緊急 notice: a river evacuation order opening a safety check, worded as a
/// medical association's disaster office would word it (title 26, area 27, body 157
/// characters).
const TITLE: &str = "【緊急】みなみ川 氾濫危険 避難指示（警戒レベル4）";
const AREA: &str = "みなみ市 川沿町・中島町・西田町（みなみ川 右岸流域）";
const BODY: &str = "みなみ川の水位が氾濫危険水位を超えました。流域の在宅療養中の利用者の安否を確認し、\
この画面の安否確認に回答してください。人工呼吸器・在宅酸素・透析の方を優先し、\
避難が必要な方は要支援で回答してください。避難所：みなみ市立第一小学校体育館（非常用電源あり）。\
医師会災害対策本部 0120-000-000（24時間）。";

struct World {
    server: TestServer,
    association: String,
    clinic: String,
    officer: Signer,
    nurse: Person,
}

async fn world(kind: DbKind) -> Result<World> {
    let server = TestServer::start(kind, BlobKind::Local).await?;
    let system = server.bootstrap_admin().await?;
    let association = server
        .organisation(&system, "みなみ県医師会", "association", None)
        .await?;
    let clinic = server
        .organisation(
            &system,
            "みなみ訪問看護ステーション",
            "clinic",
            Some(&association),
        )
        .await?;
    let officer = server
        .staff(&system, &association, "bo.suzuki", "broadcast_officer")
        .await?;
    let nurse = server.staff(&system, &clinic, "nurse.sato", "nurse").await?;
    let officer = signer(&server, officer, 1).await?;
    let change = RosterChange {
        organisation: org(&association),
        version: 1,
        previous: None,
        issued_at: server.now(),
        signed_by: officer.officer,
        officers: vec![officer.officer],
    };
    let (status, answer) = server
        .post(
            &format!("/api/v1/organisations/{association}/roster"),
            Some(&officer.person.token),
            serde_json::to_value(sign_roster_change(&change, &officer.key).unwrap())?,
        )
        .await?;
    assert_eq!(status, 204, "{answer}");
    Ok(World {
        server,
        association,
        clinic,
        officer,
        nurse,
    })
}

fn org(id: &str) -> OrganisationId {
    id.parse().unwrap()
}

/// A 緊急 notice from the association's officer opening a safety check.
fn notice(w: &World, title: &str, area: &str, body: &str) -> Broadcast {
    let now = w.server.now();
    Broadcast {
        id: BroadcastId::from_uuid(uuid::Uuid::new_v4()),
        organisation: org(&w.association),
        signed_by: w.officer.officer,
        severity: Severity::Emergency,
        title: title.into(),
        area: area.into(),
        body: body.into(),
        issued_at: now,
        expires_at: Timestamp(now.0 + 12 * 3_600_000),
        attachment: None,
        safety_check: true,
        include_families: false,
    }
}

async fn send(w: &World, content: &Broadcast) -> Result<SignedBroadcast> {
    let signed = sign(content, &w.officer.key).unwrap();
    let (status, sent) = w
        .server
        .post(
            &format!("/api/v1/organisations/{}/broadcasts", w.association),
            Some(&w.officer.person.token),
            serde_json::to_value(&signed)?,
        )
        .await?;
    assert_eq!(status, 201, "{sent}");
    Ok(signed)
}

/// What the nurse's client downloads for `GET /broadcasts`: the body's bytes as sent
/// when asking for `encoding`.
async fn list_bytes(w: &World, encoding: &str) -> Result<Vec<u8>> {
    nurse_gets(w, "/api/v1/broadcasts", encoding).await
}

/// The body of `GET path` for the nurse, as sent when asking for `encoding`.
async fn nurse_gets(w: &World, path: &str, encoding: &str) -> Result<Vec<u8>> {
    let response = w
        .server
        .http
        .get(w.server.at(path))
        .bearer_auth(&w.nurse.token)
        .header("accept-encoding", encoding)
        .send()
        .await?;
    assert_eq!(response.status(), 200);
    let compressed = response
        .headers()
        .get("content-encoding")
        .is_some_and(|e| e == "gzip");
    assert_eq!(compressed, encoding == "gzip", "{encoding} honoured");
    Ok(response.bytes().await?.to_vec())
}

/// The banner fields of a notice as the device has them after checking it: what
/// `banner.ts` shows (severity, title, area) and what it keys and judges it by (ID,
/// sender, expiry), as JSON.
fn banner_fields(content: &Broadcast) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "id": content.id,
        "organisation": content.organisation,
        "severity": content.severity,
        "title": content.title,
        "area": content.area,
        "expires_at": content.expires_at,
    }))
    .unwrap()
}

/// One realistic 緊急 notice with a safety check, listed to a nurse under the
/// association: the list with that one entry, as her client downloads it, stays
/// under 2 KB, as sent and compressed.
async fn a_realistic_emergency_notice_downloads_in_under_2_kb(kind: DbKind) -> Result<()> {
    let w = world(kind).await?;
    // The nurse's client's room, which the safety prompt under the banner asks about.
    w.server.room(&w.nurse, &w.clinic).await?;
    let content = notice(&w, TITLE, AREA, BODY);
    let signed = send(&w, &content).await?;
    let plain = list_bytes(&w, "identity").await?;
    let list: Value = serde_json::from_slice(&plain)?;
    let entries = list["broadcasts"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{list}");
    assert_eq!(
        entries[0]["signed"],
        serde_json::to_value(&signed)?,
        "the notice exactly as signed"
    );
    let gzip = list_bytes(&w, "gzip").await?;
    println!(
        "realistic 緊急 notice (title {} / area {} / body {} chars): payload {} B, \
         list JSON {} B as sent, {} B gzip; banner fields {} B",
        TITLE.chars().count(),
        AREA.chars().count(),
        BODY.chars().count(),
        signed.payload.len(),
        plain.len(),
        gzip.len(),
        banner_fields(&content).len(),
    );
    assert!(
        plain.len() < BANNER_BUDGET,
        "GET /broadcasts with one notice is {} bytes as sent, over the {BANNER_BUDGET}-byte budget",
        plain.len()
    );
    assert!(gzip.len() < BANNER_BUDGET, "{} bytes gzip", gzip.len());
    // Measured for the record: the safety prompt's own fetch, for her one room.
    let rooms = format!("/api/v1/broadcasts/{}/safety/rooms", content.id);
    let prompt = nurse_gets(&w, &rooms, "identity").await?;
    let prompt_value: Value = serde_json::from_slice(&prompt)?;
    assert_eq!(
        prompt_value["rooms"].as_array().map(Vec::len),
        Some(1),
        "{prompt_value}"
    );
    println!(
        "the safety prompt's GET …/safety/rooms for one room: {} B as sent",
        prompt.len()
    );
    w.server.stop().await;
    Ok(())
}

/// `count` different characters of four bytes each in UTF-8 (CJK Extension B, as in
/// 𠮷田), so that neither length nor compression flatters the worst case.
fn four_byte_text(count: usize, start: u32) -> String {
    (0..count as u32)
        .map(|i| char::from_u32(0x20000 + (start + i * 37) % 0xA6D0).unwrap())
        .collect()
}

/// The title and area limits are what a phone banner can show: at their longest,
/// in characters that take four bytes each, the banner's fields still fit in 2 KB.
/// The wire entry carrying them (the signed payload in base64, with the signer's
/// key and the list's own fields) is measured and printed too, and so is a notice
/// whose body is also at its limit: the device needs the whole signed notice to
/// check it, body included, before the banner shows anything.
async fn the_longest_title_and_area_the_limits_allow_fit_the_banner_budget(kind: DbKind) -> Result<()> {
    let w = world(kind).await?;
    let (title, area) = (
        four_byte_text(MAX_TITLE_CHARS, 0),
        four_byte_text(MAX_AREA_CHARS, 5_000),
    );
    assert_eq!(title.len() + area.len(), 4 * (MAX_TITLE_CHARS + MAX_AREA_CHARS));
    let content = notice(&w, &title, &area, "");
    let signed = send(&w, &content).await?;
    let fields = banner_fields(&content);
    let plain = list_bytes(&w, "identity").await?;
    let gzip = list_bytes(&w, "gzip").await?;
    println!(
        "longest title ({MAX_TITLE_CHARS}) and area ({MAX_AREA_CHARS}) in 4-byte characters, \
         empty body: banner fields {} B; payload {} B, list JSON {} B as sent, {} B gzip",
        fields.len(),
        signed.payload.len(),
        plain.len(),
        gzip.len(),
    );
    assert!(
        fields.len() < BANNER_BUDGET,
        "the banner fields alone are {} bytes at the limits",
        fields.len()
    );

    // The same with the body at its limit too. The list now holds both notices, so
    // the new entry is the difference.
    let body = four_byte_text(MAX_BODY_CHARS, 20_000);
    let longest = send(&w, &notice(&w, &title, &area, &body)).await?;
    let both = list_bytes(&w, "identity").await?;
    let both_gzip = list_bytes(&w, "gzip").await?;
    println!(
        "every limit at once (body {MAX_BODY_CHARS} 4-byte characters): payload {} B, \
         its list entry {} B as sent; the list of both {} B as sent, {} B gzip",
        longest.payload.len(),
        // The entry and the comma before the earlier one.
        both.len() - plain.len() - 1,
        both.len(),
        both_gzip.len(),
    );
    w.server.stop().await;
    Ok(())
}

on_both_databases!(
    a_realistic_emergency_notice_downloads_in_under_2_kb,
    the_longest_title_and_area_the_limits_allow_fit_the_banner_budget,
);
