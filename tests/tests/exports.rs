//! Exports end to end: a real room (notes, vitals, a correction, a handover taken
//! over, a wound photo, a family note, read positions) exported with `kizuna export`
//! in every format, the FHIR bundle parsed by a real FHIR R4 library (Python
//! `fhir.resources`, its R4B models), the JSON checked against
//! docs/export.schema.json (Python `jsonschema`), the CSV read back, and an
//! `--all-rooms` export interrupted and resumed without a photo twice.
//!
//! Python: `KIZUNA_TEST_PYTHON` (ops/test.sh sets it to target/venv-fhir/bin/python),
//! else target/venv-fhir/bin/python if it exists.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use kizuna_client::{Channel, ClientError, NewPhoto, PostEnvelope, RoomId};
use kizuna_crypto::content::{BloodPressure, Excretion, Handover, HandoverTarget, MealIntake, Vitals};
use kizuna_crypto::ContentType;
use kizuna_proto::Timestamp;
use kizuna_tests::care::{testdata, Team, FIXTURE_PHOTO};
use kizuna_tests::{BlobKind, DbKind};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// Checks a FHIR R4 bundle with fhir.resources (R4B models: the R4 resources used
/// here, Media included, are the same) resource by resource, and a record against
/// the JSON Schema. argv: bundle file, record file, schema file.
const VALIDATE: &str = r#"
import json, sys
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
import jsonschema

bundle_text = open(sys.argv[1], encoding="utf-8").read()
bundle = Bundle.model_validate_json(bundle_text)
assert bundle.type == "collection", bundle.type
counts = {}
for entry in json.loads(bundle_text)["entry"]:
    resource = entry["resource"]
    kind = resource["resourceType"]
    get_fhir_model_class(kind).model_validate(resource)
    counts[kind] = counts.get(kind, 0) + 1
record = json.load(open(sys.argv[2], encoding="utf-8"))
schema = json.load(open(sys.argv[3], encoding="utf-8"))
jsonschema.Draft202012Validator.check_schema(schema)
jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(record)
print(json.dumps(counts, sort_keys=True))
"#;

fn python() -> Result<PathBuf> {
    if let Some(path) = std::env::var_os("KIZUNA_TEST_PYTHON") {
        return Ok(PathBuf::from(path));
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/venv-fhir/bin/python");
    anyhow::ensure!(
        venv.exists(),
        "no Python with fhir.resources: run the suite with ./ops/test.sh, or set KIZUNA_TEST_PYTHON \
         to a Python with fhir.resources==8.3.0 and jsonschema installed"
    );
    Ok(venv)
}

/// Runs the validator; returns the resource counts it printed.
fn validate(bundle: &Path, record: &Path) -> Result<Value> {
    let schema = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/export.schema.json");
    let output = std::process::Command::new(python()?)
        .arg("-c")
        .arg(VALIDATE)
        .args([bundle, record, &schema])
        .output()
        .context("running the FHIR validator")?;
    anyhow::ensure!(
        output.status.success(),
        "validation failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    Ok(serde_json::from_slice(&output.stdout)?)
}

/// Runs `kizuna` in-process: success, stdout, stderr.
async fn kizuna(args: &[&str]) -> (bool, String, String) {
    let mut stdin = std::io::Cursor::new(Vec::new());
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    let mut io = kizuna_client::cli::Io {
        stdin: &mut stdin,
        stdout: &mut stdout,
        stderr: &mut stderr,
        password_env: None,
    };
    let code = kizuna_client::cli::run(std::iter::once("kizuna").chain(args.iter().copied()), &mut io).await;
    (
        code == std::process::ExitCode::SUCCESS,
        String::from_utf8(stdout).unwrap(),
        String::from_utf8(stderr).unwrap(),
    )
}

/// A calendar day `days` from today in Japan time, as `YYYY-MM-DD`.
fn japan_day(days: i64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis();
    let at = i64::try_from(now).unwrap() + (9 * 3600 + days * 86_400) * 1000;
    Timestamp(at).to_rfc3339()[..10].to_owned()
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

fn vitals(temperature: f64) -> Vitals {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis();
    let mut v = Vitals::at(Timestamp(i64::try_from(now).unwrap() - 3_600_000));
    v.temperature_c = Some(temperature);
    v.blood_pressure = Some(BloodPressure {
        systolic_mmhg: 132,
        diastolic_mmhg: 84,
    });
    v.pulse_per_min = Some(78);
    v.spo2_percent = Some(96);
    v.meal_intake = Some(MealIntake::Tenths(7));
    v.excretion = Some(Excretion {
        urine_count: Some(4),
        stool_count: None,
        notes: None,
    });
    v
}

/// The room: what the export must hold.
struct Room {
    room: RoomId,
    second: RoomId,
    vitals: kizuna_client::PostId,
    photo: kizuna_client::PostId,
}

async fn fill(team: &mut Team) -> Result<Room> {
    let (room, ch) = (team.room, Channel::Team);
    let nurse = &mut team.nurse;
    nurse.sync().await?;
    let post_id = |client: &kizuna_client::Client, channel, seq: i64| {
        client
            .read(room, channel)
            .iter()
            .find(|p| p.seq == seq)
            .map(|p| p.post)
            .unwrap()
    };
    nurse
        .post_content(
            room,
            ch,
            &PostEnvelope::new(ContentType::Note, "訪問しました。食欲あり"),
        )
        .await?;
    let vitals_seq = nurse
        .post_content(room, ch, &PostEnvelope::vitals(vitals(38.9), "発熱"))
        .await?;
    let vitals_post = post_id(&*nurse, ch, vitals_seq);
    nurse
        .amend(
            room,
            ch,
            vitals_post,
            PostEnvelope::vitals(vitals(37.9), "訂正: 37.9"),
        )
        .await?;
    let handover = Handover::to(HandoverTarget::NextVisitor).item("ガーゼ交換 / change the dressing");
    let handover_seq = nurse
        .post_content(room, ch, &PostEnvelope::handover(handover, "明日の訪問へ"))
        .await?;
    let handover_post = post_id(&*nurse, ch, handover_seq);
    let (photo_seq, _) = nurse
        .post_photo(
            room,
            ch,
            NewPhoto {
                original: testdata(FIXTURE_PHOTO),
                caption: "仙骨部の褥瘡".into(),
                body_site: Some("仙骨部".into()),
                ..NewPhoto::default()
            },
        )
        .await?;
    let photo = post_id(&*nurse, ch, photo_seq);
    let last = nurse.read(room, ch).last().map(|p| p.seq).unwrap();
    nurse.mark_read(room, ch, last).await?;
    team.family.sync().await?;
    team.family
        .post_content(
            room,
            Channel::Family,
            &PostEnvelope::new(ContentType::Note, "母は元気です"),
        )
        .await?;
    let doctor = &mut team.doctor;
    doctor.sync().await?;
    doctor.take_over(room, ch, handover_post, "了解しました").await?;
    // A second room of the doctor's, with a photo of its own.
    let org = doctor.rooms().await?[0].organisation_id;
    let second = doctor.create_room(org, "Tanaka-san").await?.id;
    doctor.refresh().await?;
    doctor
        .post_photo(
            second,
            ch,
            NewPhoto {
                original: testdata(FIXTURE_PHOTO),
                caption: "右踵".into(),
                ..NewPhoto::default()
            },
        )
        .await?;
    Ok(Room {
        room,
        second,
        vitals: vitals_post,
        photo,
    })
}

async fn exports_are_complete_valid_fhir_and_resumable(db: DbKind, blobs: BlobKind) -> Result<()> {
    let mut team = Team::start(db, blobs, |_| {}).await?;
    let made = fill(&mut team).await?;
    let out = tempfile::tempdir()?;
    let state = team.doctor.state_path().to_str().unwrap().to_owned();
    let state = state.as_str();
    let room = made.room.to_string();
    let room = room.as_str();
    let (from, to) = (japan_day(-1), japan_day(1));
    let (from, to) = (from.as_str(), to.as_str());

    // One file per format, over a period that holds everything.
    let file = |name: &str| out.path().join(name);
    for (format, name) in [
        ("json", "record.json"),
        ("csv", "vitals.csv"),
        ("fhir", "fhir.json"),
    ] {
        let path = file(name);
        let (ok, stdout, stderr) = kizuna(&[
            "--state",
            state,
            "export",
            "--room",
            room,
            "--format",
            format,
            "--from",
            from,
            "--to",
            to,
            "--out",
            path.to_str().unwrap(),
        ])
        .await;
        assert!(ok, "{format}: {stderr}");
        assert!(stdout.contains("Exported"), "{stdout}");
    }

    // The JSON record: every entry, the correction's history, the take-over, reads.
    let record: Value = serde_json::from_str(&std::fs::read_to_string(file("record.json"))?)?;
    assert_eq!(record["room"]["client_name"], "Suzuki-san");
    let entries = record["entries"].as_array().unwrap();
    let kinds: Vec<(&str, &str)> = entries
        .iter()
        .map(|e| (e["channel"].as_str().unwrap(), e["kind"].as_str().unwrap()))
        .collect();
    for expected in [
        ("team", "note"),
        ("team", "vitals"),
        ("team", "handover"),
        ("team", "photo"),
        ("family", "note"),
    ] {
        assert!(kinds.contains(&expected), "{expected:?} in {kinds:?}");
    }
    let corrected = entries
        .iter()
        .find(|e| e["post_id"] == made.vitals.to_string())
        .unwrap();
    assert_eq!(corrected["amended"], true);
    assert_eq!(corrected["history"][0]["vitals"]["temperature_c"], 38.9);
    assert_eq!(corrected["current"]["vitals"]["temperature_c"], 37.9);
    assert_eq!(corrected["author"]["display_name"], "nurse.sato");
    let nurse_id = team.nurse.user_id().unwrap().to_string();
    assert!(
        corrected["read_by"]
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u == &nurse_id),
        "the nurse read it"
    );
    let handover = entries.iter().find(|e| e["kind"] == "handover").unwrap();
    assert_eq!(handover["taken_over"]["by"]["display_name"], "Dr Tanaka");
    let raw = std::fs::read_to_string(file("record.json"))?;
    assert!(!raw.contains("\"key\""), "no attachment key is exported");

    // The CSV: BOM, both languages, the corrected reading with its units.
    let csv = std::fs::read_to_string(file("vitals.csv"))?;
    let csv = csv
        .strip_prefix('\u{feff}')
        .context("the CSV starts with a BOM")?;
    let lines: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 2, "the header and one vitals post: {lines:?}");
    let header: Vec<&str> = lines[0].split(',').collect();
    let row: Vec<&str> = lines[1].split(',').collect();
    let cell = |title: &str| {
        let i = header
            .iter()
            .position(|h| h.starts_with(title))
            .unwrap_or_else(|| panic!("{title}"));
        row[i]
    };
    assert_eq!(cell("体温 (°C) / Temperature (°C)"), "37.9");
    assert_eq!(cell("血圧（上） (mmHg)"), "132");
    assert_eq!(cell("血圧（下） (mmHg)"), "84");
    assert_eq!(cell("脈拍 (/min)"), "78");
    assert_eq!(cell("SpO2 (%)"), "96");
    assert_eq!(cell("食事摂取量 (%)"), "70");
    assert_eq!(cell("排尿 (回)"), "4");
    assert_eq!(cell("記録者 / Recorded by"), "nurse.sato");
    assert_eq!(cell("役割 / Role"), "専門職 / professional");
    assert_eq!(cell("訂正 / Corrected"), "訂正あり / corrected");
    assert!(cell("測定日時 / Measured at").ends_with("+09:00"));

    // FHIR: a real R4 library parses every resource; the record matches the schema.
    let counts = validate(&file("fhir.json"), &file("record.json"))?;
    assert_eq!(counts["Patient"], 1);
    assert_eq!(counts["CareTeam"], 1);
    assert_eq!(counts["Media"], 1);
    assert_eq!(counts["Provenance"], 1, "one correction");
    assert_eq!(
        counts["Communication"], 4,
        "note, handover, take-over, family note: {counts}"
    );
    let bundle: Value = serde_json::from_str(&std::fs::read_to_string(file("fhir.json"))?)?;
    let resources: Vec<&Value> = bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["resource"])
        .collect();
    let panel = resources
        .iter()
        .find(|r| r["code"]["coding"][0]["code"] == "85354-9" && r["status"] == "corrected")
        .expect("the corrected blood pressure panel");
    assert_eq!(panel["component"][0]["code"]["coding"][0]["code"], "8480-6");
    assert_eq!(panel["component"][1]["code"]["coding"][0]["code"], "8462-4");
    let media = resources.iter().find(|r| r["resourceType"] == "Media").unwrap();
    assert_eq!(media["content"]["url"], format!("media/{}.jpg", made.photo));
    assert_eq!(media["id"], made.photo.to_string());

    // A period with nothing in it exports an empty record.
    let empty = file("empty.json");
    let (ok, _, stderr) = kizuna(&[
        "--state",
        state,
        "export",
        "--room",
        room,
        "--format",
        "json",
        "--from",
        "2001-01-01",
        "--to",
        "2001-01-31",
        "--out",
        empty.to_str().unwrap(),
    ])
    .await;
    assert!(ok, "{stderr}");
    let empty: Value = serde_json::from_str(&std::fs::read_to_string(&empty)?)?;
    assert_eq!(empty["entries"], serde_json::json!([]));

    // Every room, then an interruption (a room's marker and one photo gone), resumed.
    let all = out.path().join("all");
    let (ok, _, stderr) = kizuna(&["--state", state, "export", "--all-rooms", all.to_str().unwrap()]).await;
    assert!(ok, "{stderr}");
    assert!(stderr.contains("2/2 rooms, 2 photos"), "{stderr}");
    let first = all.join(made.room.to_string());
    let second = all.join(made.second.to_string());
    for folder in [&first, &second] {
        for name in ["record.json", "vitals.csv", "fhir.json", ".export-complete"] {
            assert!(folder.join(name).exists(), "{}/{name}", folder.display());
        }
    }
    let photo = first.join(format!("media/{}.jpg", made.photo));
    let bytes = std::fs::read(&photo)?;
    assert_eq!(&bytes[..2], [0xFF, 0xD8], "a decrypted JPEG");
    let exported: Value = serde_json::from_str(&std::fs::read_to_string(first.join("record.json"))?)?;
    let entry = exported["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "photo")
        .unwrap();
    assert_eq!(entry["current"]["photo"]["sha256"], sha256_hex(&bytes));
    validate(&first.join("fhir.json"), &first.join("record.json"))?;

    std::fs::remove_file(first.join(".export-complete"))?;
    std::fs::remove_file(&photo)?;
    let untouched = std::fs::metadata(second.join("record.json"))?.modified()?;
    let (ok, _, stderr) = kizuna(&["--state", state, "export", "--all-rooms", all.to_str().unwrap()]).await;
    assert!(ok, "{stderr}");
    assert!(
        stderr.contains("2/2 rooms, 1 photos"),
        "only the missing photo again: {stderr}"
    );
    assert_eq!(std::fs::read(&photo)?, bytes);
    assert!(first.join(".export-complete").exists());
    assert_eq!(
        std::fs::metadata(second.join("record.json"))?.modified()?,
        untouched,
        "a finished room is skipped"
    );
    for folder in [&first, &second] {
        let media: Vec<String> = std::fs::read_dir(folder.join("media"))?
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(media.len(), 1, "one photo, no copies or leftovers: {media:?}");
    }

    // Every export is an access record for the facility's administrators: the room,
    // the format and the period, never the content.
    let events = team
        .server
        .db
        .run(|conn| kizuna_storage::audit::recent(conn, 500))
        .await?;
    let exports: Vec<Value> = events
        .iter()
        .filter(|e| e.action == "room.export" && e.target_id.as_deref() == Some(room))
        .map(|e| serde_json::from_str(e.detail.as_deref().unwrap_or("null")).unwrap())
        .collect();
    for format in ["json", "csv", "fhir", "all"] {
        assert!(
            exports.iter().any(|d| d["format"] == format),
            "a {format} export recorded: {exports:?}"
        );
    }
    assert!(exports.iter().all(|d| d.get("device").is_some()), "{exports:?}");
    // Someone outside a room cannot claim an export of it (the nurse is not in the
    // doctor's second room): it looks like a room that does not exist.
    let refused = team.nurse.record_export(made.second, "json", None, None).await;
    assert!(
        matches!(refused, Err(ClientError::Server { status: 404, .. })),
        "{refused:?}"
    );
    team.server.stop().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exports_sqlite_local_blobs() -> Result<()> {
    exports_are_complete_valid_fhir_and_resumable(DbKind::Sqlite, BlobKind::Local).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exports_postgres_s3() -> Result<()> {
    exports_are_complete_valid_fhir_and_resumable(DbKind::Postgres, BlobKind::S3).await
}
