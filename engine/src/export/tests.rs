#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use kizuna_crypto::content::{
    BloodPressure, ChecklistItem, Consciousness, Excretion, Handover, HandoverTarget, MealIntake,
    PhotoContent, Vitals,
};
use kizuna_crypto::{AttachmentRef, ContentType, PostEnvelope};
use kizuna_proto::{BlobId, PostId, Timestamp};
use serde_json::{json, Value};

use super::*;

const NURSE: &str = "00000000-0000-4000-8000-000000000001";
const DAUGHTER: &str = "00000000-0000-4000-8000-000000000002";
const GONE: &str = "00000000-0000-4000-8000-000000000003";
const ROOM: &str = "00000000-0000-4000-8000-0000000000aa";
/// 2026-11-25T10:00:00Z.
const T0: i64 = 1_795_600_800_000;
const HOUR: i64 = 3_600_000;

fn post_id(n: u8) -> PostId {
    format!("00000000-0000-4000-8000-0000000001{n:02x}")
        .parse()
        .unwrap()
}

fn post(n: u8, author: &str, at: i64, envelope: PostEnvelope) -> Value {
    json!({
        "seq": i64::from(n),
        "post_id": post_id(n),
        "author_user": author,
        "sent_at": at,
        "envelope": envelope,
    })
}

fn vitals(at: i64, temperature: f64) -> Vitals {
    let mut v = Vitals::at(Timestamp(at));
    v.temperature_c = Some(temperature);
    v.blood_pressure = Some(BloodPressure {
        systolic_mmhg: 132,
        diastolic_mmhg: 84,
    });
    v.pulse_per_min = Some(78);
    v.spo2_percent = Some(96);
    v
}

fn photo() -> PhotoContent {
    let reference = |n: u8| AttachmentRef {
        blob: BlobId::from_uuid(uuid::Uuid::from_u128(u128::from(n))),
        key: [7; 32],
        sha256: [n; 32],
        mime: "image/jpeg".into(),
        size: 1234,
    };
    PhotoContent {
        image: reference(1),
        thumbnail: reference(2),
        width: 800,
        height: 600,
        thumb_width: 80,
        thumb_height: 60,
        body_site: Some("仙骨部".into()),
        same_wound_as: None,
    }
}

/// A room with a note, two vitals posts (the first corrected), a handover taken
/// over, a photo and a post outside the range.
fn input() -> Value {
    let mut richer = vitals(T0 + 2 * HOUR, 36.4);
    richer.meal_intake = Some(MealIntake::Tenths(7));
    richer.excretion = Some(Excretion {
        urine_count: Some(4),
        stool_count: Some(1),
        notes: Some("=軟便, \"少量\"".into()),
    });
    richer.consciousness = Some(Consciousness::Jcs(10));
    richer.remarks = Some("入浴後".into());
    let mut handover = Handover::to(HandoverTarget::NextVisitor);
    handover.items.push(ChecklistItem {
        text: "軟膏を塗る".into(),
        done: false,
    });
    let posts = vec![
        post(1, NURSE, T0, PostEnvelope::new(ContentType::Note, "訪問しました")),
        post(
            2,
            NURSE,
            T0 + HOUR,
            PostEnvelope::vitals(vitals(T0 + HOUR, 38.9), "発熱"),
        ),
        post(3, NURSE, T0 + 2 * HOUR, PostEnvelope::vitals(richer, "")),
        post(
            4,
            NURSE,
            T0 + 3 * HOUR,
            PostEnvelope::vitals(vitals(T0 + HOUR, 37.9), "訂正: 37.9").amending(post_id(2)),
        ),
        post(
            5,
            NURSE,
            T0 + 4 * HOUR,
            PostEnvelope::handover(handover, "夕方の訪問へ"),
        ),
        post(
            6,
            GONE,
            T0 + 5 * HOUR,
            PostEnvelope::taken_over(post_id(5), "了解"),
        ),
        post(7, NURSE, T0 + 6 * HOUR, PostEnvelope::photo(photo(), "褥瘡")),
        post(
            8,
            NURSE,
            T0 + 100 * HOUR,
            PostEnvelope::new(ContentType::Note, "範囲外"),
        ),
    ];
    json!({
        "room_id": ROOM,
        "client_name": "鈴木 花子",
        "from": T0,
        "to": T0 + 24 * HOUR,
        "exported_at": T0 + 200 * HOUR,
        "exported_by": NURSE,
        "members": [
            { "user_id": NURSE, "display_name": "看護師 佐藤", "role": "professional", "devices": [] },
            { "user_id": DAUGHTER, "display_name": "娘 恵子", "role": "family" },
        ],
        "channels": [{
            "channel": "team",
            "posts": posts,
            "reads": [
                { "user_id": NURSE, "seq": 8, "read_at": T0 },
                { "user_id": DAUGHTER, "seq": 4 },
            ],
        }],
    })
}

fn build(format: Format) -> String {
    export(&input().to_string(), format).unwrap()
}

#[test]
fn the_json_record_keeps_every_version_and_only_the_range() {
    let record: Value = serde_json::from_str(&build(Format::Json)).unwrap();
    assert_eq!(record["format"], "kizuna-export");
    assert_eq!(record["version"], 1);
    assert_eq!(record["room"]["client_name"], "鈴木 花子");
    let entries = record["entries"].as_array().unwrap();
    let kinds: Vec<&str> = entries.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        ["note", "vitals", "vitals", "handover", "photo"],
        "post 8 is out of range"
    );
    let corrected = &entries[1];
    assert_eq!(corrected["amended"], true);
    assert_eq!(corrected["history"].as_array().unwrap().len(), 2);
    assert_eq!(corrected["history"][0]["vitals"]["temperature_c"], 38.9);
    assert_eq!(corrected["current"]["vitals"]["temperature_c"], 37.9);
    assert_eq!(corrected["author"]["display_name"], "看護師 佐藤");
    // The daughter read up to seq 4: the corrected version, not the handover.
    assert_eq!(corrected["read_by"], json!([NURSE, DAUGHTER]));
    assert_eq!(entries[3]["read_by"], json!([NURSE]));
    // A former member is named by ID.
    assert_eq!(entries[3]["taken_over"]["by"]["display_name"], GONE);
    assert_eq!(entries[3]["taken_over"]["by"]["role"], Value::Null);
    let photo = &entries[4]["current"]["photo"];
    assert_eq!(photo["file"], format!("media/{}.jpg", post_id(7)));
    assert_eq!(photo["sha256"], "01".repeat(32));
    // No key of any attachment is in the export.
    assert!(!build(Format::Json).contains("\"key\""));
}

#[test]
fn the_csv_has_one_row_per_vitals_post_with_units_and_local_time() {
    let csv = build(Format::Csv);
    assert!(csv.starts_with('\u{feff}'), "BOM");
    let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').split("\r\n").collect();
    assert_eq!(lines.len(), 4, "header, two rows, final empty: {lines:?}");
    assert!(lines[0]
        .starts_with("測定日時 / Measured at,記録者 / Recorded by,役割 / Role,体温 (°C) / Temperature (°C)"));
    assert!(lines[0].contains("血圧（上） (mmHg) / Systolic blood pressure (mmHg)"));
    // The corrected reading, at 20:00 Japan time.
    assert!(
        lines[1].starts_with("2026-11-25T20:00:00+09:00,看護師 佐藤,専門職 / professional,37.9,132,84,78,96,,,,,,,,,,,,訂正: 37.9,訂正あり / corrected,"),
        "{}",
        lines[1]
    );
    // Meal intake in percent, JCS, counts, quoted and defused text.
    assert!(
        lines[2].contains(",70,,,JCS 10,4,1,\"'=軟便, \"\"少量\"\"\",入浴後,,,"),
        "{}",
        lines[2]
    );
}

#[test]
fn the_fhir_bundle_codes_vitals_and_links_corrections() {
    let bundle: Value = serde_json::from_str(&build(Format::Fhir)).unwrap();
    assert_eq!(bundle["resourceType"], "Bundle");
    assert_eq!(bundle["type"], "collection");
    let entries = bundle["entry"].as_array().unwrap();
    let of = |t: &str| -> Vec<&Value> {
        entries
            .iter()
            .map(|e| &e["resource"])
            .filter(|r| r["resourceType"] == t)
            .collect()
    };
    for e in entries {
        assert_eq!(
            e["fullUrl"],
            format!("urn:uuid:{}", e["resource"]["id"].as_str().unwrap())
        );
    }
    let mut urls: Vec<&str> = entries.iter().map(|e| e["fullUrl"].as_str().unwrap()).collect();
    urls.sort_unstable();
    urls.dedup();
    assert_eq!(urls.len(), entries.len(), "every fullUrl is unique");
    assert_eq!(of("Patient")[0]["name"][0]["text"], "鈴木 花子");
    assert_eq!(of("Practitioner").len(), 1);
    assert_eq!(of("RelatedPerson").len(), 1);
    assert_eq!(of("CareTeam")[0]["participant"].as_array().unwrap().len(), 2);
    // Note, handover, take-over.
    let communications = of("Communication");
    assert_eq!(communications.len(), 3);
    assert_eq!(communications[0]["id"], post_id(1).to_string());
    let take_over = communications
        .iter()
        .find(|c| c["id"] == post_id(6).to_string())
        .unwrap();
    assert_eq!(
        take_over["inResponseTo"][0]["reference"],
        format!("urn:uuid:{}", post_id(5))
    );
    assert_eq!(take_over["sender"]["identifier"]["value"], GONE);
    let observations = of("Observation");
    let panels: Vec<&&Value> = observations
        .iter()
        .filter(|o| o["code"]["coding"][0]["code"] == "85354-9")
        .collect();
    assert_eq!(panels.len(), 3, "original, correction, second post");
    assert_eq!(panels[0]["status"], "entered-in-error");
    assert_eq!(panels[1]["status"], "corrected");
    assert_eq!(panels[1]["component"][0]["code"]["coding"][0]["code"], "8480-6");
    assert_eq!(panels[1]["component"][1]["code"]["coding"][0]["code"], "8462-4");
    assert_eq!(panels[1]["component"][1]["valueQuantity"]["code"], "mm[Hg]");
    let temperature: Vec<&&Value> = observations
        .iter()
        .filter(|o| o["code"]["coding"][0]["code"] == "8310-5")
        .collect();
    assert_eq!(
        temperature[1]["valueQuantity"],
        json!({ "value": 37.9, "unit": "°C", "system": "http://unitsofmeasure.org", "code": "Cel" })
    );
    assert_eq!(temperature[1]["category"][0]["coding"][0]["code"], "vital-signs");
    let provenance = of("Provenance");
    assert_eq!(provenance.len(), 1);
    let targets = provenance[0]["target"].as_array().unwrap();
    assert!(targets
        .iter()
        .any(|t| t["reference"] == format!("urn:uuid:{}", temperature[1]["id"].as_str().unwrap())));
    let revised = provenance[0]["entity"].as_array().unwrap();
    assert!(revised.iter().all(|e| e["role"] == "revision"));
    assert!(revised
        .iter()
        .any(|e| e["what"]["reference"] == format!("urn:uuid:{}", temperature[0]["id"].as_str().unwrap())));
    let media = of("Media");
    assert_eq!(media[0]["content"]["url"], format!("media/{}.jpg", post_id(7)));
    assert_eq!(media[0]["content"]["contentType"], "image/jpeg");
    assert_eq!(media[0]["createdDateTime"], "2026-11-25T16:00:00Z");
    // The same input always gives the same bundle.
    assert_eq!(build(Format::Fhir), build(Format::Fhir));
}

#[test]
fn bad_input_is_refused_with_what_to_do() {
    assert_eq!("xml".parse::<Format>().unwrap_err().code, "invalid_input");
    let mut reversed = input();
    reversed["from"] = json!(T0 + HOUR);
    reversed["to"] = json!(T0);
    let e = export(&reversed.to_string(), Format::Json).unwrap_err();
    assert!(e.ja.contains("期間"), "{e:?}");
    assert_eq!(export("{}", Format::Json).unwrap_err().code, "invalid_input");
}

#[test]
fn derived_ids_are_stable_and_distinct() {
    let base = uuid::Uuid::from_u128(42);
    assert_eq!(derived_uuid(&base, "a"), derived_uuid(&base, "a"));
    assert_ne!(derived_uuid(&base, "a"), derived_uuid(&base, "b"));
    assert_ne!(derived_uuid(&base, "a"), base);
    assert_eq!(derived_uuid(&base, "a").get_version_num(), 8);
    assert_eq!(local_time(Timestamp(T0), -90), "2026-11-25T08:30:00-01:30");
    assert_eq!(local_time(Timestamp(T0), 0), "2026-11-25T10:00:00Z");
}
