//! Backups to an S3 bucket with Object Lock, as an operator runs them against a real
//! S3 emulator (moto): a care team's posts and photo go to `s3://bucket/prefix`, the
//! deployment is wiped, `restore` brings everything back and `drill` passes; every
//! file is locked until the generation's time plus the lock days, so a locked
//! generation cannot be deleted early (not even by a direct version delete) and
//! `--keep` leaves it, saying until when; a bucket without Object Lock is refused
//! with what to do.
//!
//! Needs `KIZUNA_TEST_S3_ENDPOINT` (set by `ops/test.sh`); without it each test
//! prints why and passes without running.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use std::time::Duration;

use anyhow::Result;
use kizuna_client::{Channel, Client, ContentType, NewPhoto, PostEnvelope};
use kizuna_tests::backup::{new_blobs, text, unix_seconds, BackupKey, Deployment};
use kizuna_tests::care::{testdata, Team, FIXTURE_PHOTO};
use kizuna_tests::{on_both_databases, BlobKind, DbKind, TestServer, ORIGIN};

const CANNOT_RUN: i32 = 69;
const PREFIX: &str = "kizuna";

/// The emulator, or `None` (with the reason printed) when the suite runs without one.
fn endpoint() -> Option<String> {
    let endpoint = std::env::var("KIZUNA_TEST_S3_ENDPOINT").ok();
    if endpoint.is_none() {
        println!("skipped: KIZUNA_TEST_S3_ENDPOINT is not set (./ops/test.sh starts an S3 emulator)");
    }
    endpoint
}

/// A new bucket; with versioning and Object Lock if `locked`.
async fn bucket(endpoint: &str, locked: bool) -> Result<String> {
    let name = format!("kizuna-b-{}", uuid::Uuid::new_v4().simple());
    let mut request = reqwest::Client::new().put(format!("{endpoint}/{name}"));
    if locked {
        request = request.header("x-amz-bucket-object-lock-enabled", "true");
    }
    let response = request.send().await?;
    anyhow::ensure!(
        response.status().is_success(),
        "creating {name}: {}",
        response.status()
    );
    Ok(name)
}

/// A request with the operator's backup key. moto does not check signatures, so
/// the key's ID in an `Authorization` header stands for a request signed with it
/// (without one, moto answers object requests 403 as anonymous).
fn as_operator(request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
    request.header(
        "authorization",
        "AWS4-HMAC-SHA256 Credential=kizuna-backup/20261205/us-east-1/s3/aws4_request, \
         SignedHeaders=host, Signature=0",
    )
}

fn get(url: String) -> reqwest::RequestBuilder {
    as_operator(reqwest::Client::new().get(url))
}

/// The values of every `<tag>` in an S3 XML answer.
fn tags(xml: &str, tag: &str) -> Vec<String> {
    let (open, close) = (format!("<{tag}>"), format!("</{tag}>"));
    xml.split(&open)
        .skip(1)
        .filter_map(|part| part.split_once(&close).map(|(value, _)| value.to_owned()))
        .collect()
}

/// The generations in the bucket (current objects), sorted.
async fn generations(endpoint: &str, bucket: &str) -> Result<Vec<String>> {
    let prefix = format!("{PREFIX}/generations/");
    let url = format!("{endpoint}/{bucket}?list-type=2&prefix={prefix}&delimiter=/");
    let xml = get(url).send().await?.text().await?;
    let mut names: Vec<String> = tags(&xml, "Prefix")
        .iter()
        .filter_map(|p| p.strip_prefix(&prefix)?.strip_suffix('/').map(str::to_owned))
        .collect();
    names.sort();
    Ok(names)
}

fn env(endpoint: &str) -> [(&str, &str); 4] {
    [
        ("KIZUNA_BACKUP_S3_ENDPOINT", endpoint),
        ("AWS_ACCESS_KEY_ID", "kizuna-backup"),
        ("AWS_SECRET_ACCESS_KEY", "kizuna-backup-secret"),
        ("AWS_REGION", "us-east-1"),
    ]
}

/// Runs a backup that must succeed; returns stdout and the generation's name.
fn backup(
    deployment: &Deployment,
    key: &BackupKey,
    endpoint: &str,
    to: &str,
    extra: &[&str],
) -> Result<(String, String)> {
    let mut args = vec!["backup", "--to", to, "--recipient", &key.recipient];
    args.extend_from_slice(extra);
    let out = deployment.ops_env(&args, &env(endpoint))?;
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "backup: {stdout}{}", text(&out.stderr));
    let generation = stdout
        .lines()
        .find_map(|l| l.strip_prefix("backup ")?.split_whitespace().next())
        .expect("the first line names the generation")
        .to_owned();
    Ok((stdout, generation))
}

async fn post_photo(team: &mut Team, caption: &str) -> Result<()> {
    let photo = NewPhoto {
        original: testdata(FIXTURE_PHOTO),
        caption: caption.into(),
        ..NewPhoto::default()
    };
    team.nurse.post_photo(team.room, Channel::Team, photo).await?;
    Ok(())
}

async fn backup_to_s3_wipe_restore_then_clients_read_every_post_and_photo(kind: DbKind) -> Result<()> {
    let Some(endpoint) = endpoint() else { return Ok(()) };
    let bucket = bucket(&endpoint, true).await?;
    let to = format!("s3://{bucket}/{PREFIX}");
    let old = Deployment::new(kind)?;
    let mut team = Team::start(kind, BlobKind::Local, old.configure()).await?;
    let marker = format!("仙骨部の褥瘡 S3 backup marker {}", uuid::Uuid::new_v4());
    let texts = [format!("{marker} 1"), format!("{marker} 2"), "熱なし".to_owned()];
    for body in &texts {
        let note = PostEnvelope::new(ContentType::Note, body);
        team.doctor.post(team.room, Channel::Team, &note).await?;
    }
    post_photo(&mut team, "褥瘡の写真").await?;
    team.doctor.sync().await?;
    let photo = team
        .doctor
        .read(team.room, Channel::Team)
        .iter()
        .find_map(|p| p.envelope.photo.clone())
        .expect("the doctor sees the photo");
    let image = team.doctor.fetch_attachment(&photo.image).await?;
    let stored_blobs = team.server.blobs.ids().await?.len();

    let key = BackupKey::new(&old)?;
    let (out, generation) = backup(&old, &key, &endpoint, &to, &["--keep", "7"])?;
    assert_eq!(new_blobs(&out), Some(stored_blobs), "{out}");
    assert_eq!(
        generations(&endpoint, &bucket).await?,
        std::slice::from_ref(&generation)
    );

    // The dump in the bucket is age ciphertext, locked for 35 days from the generation's time.
    let dump = format!("{endpoint}/{bucket}/{PREFIX}/generations/{generation}/database.age");
    let response = get(dump).send().await?;
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(header("x-amz-object-lock-mode"), "COMPLIANCE");
    let until = unix_seconds(&header("x-amz-object-lock-retain-until-date")).expect("a retain-until date");
    let taken = unix_seconds(&generation).expect("the generation names its time");
    assert_eq!(
        until - taken,
        35 * 86_400,
        "locked 35 days from the generation's time"
    );
    let bytes = response.bytes().await?;
    assert!(
        bytes.starts_with(b"age-encryption.org/v1"),
        "encrypted for the operator"
    );
    assert!(!String::from_utf8_lossy(&bytes).contains(&marker));

    // The deployment is lost.
    let doctor_state = team.doctor.state_path().to_owned();
    let nurse_state = team.nurse.state_path().to_owned();
    let Team {
        server,
        dir: states,
        room,
        doctor,
        nurse,
        family,
    } = team;
    drop((doctor, nurse, family));
    server.stop().await;
    std::fs::remove_dir_all(&old.data_dir)?;
    drop(old);

    let new = Deployment::new(kind)?;
    let identity = key.identity.display().to_string();
    let source = ["--from", to.as_str(), "--identity", identity.as_str()];
    let out = new.ops_env(&[&["restore"], &source[..]].concat(), &env(&endpoint))?;
    assert!(
        out.status.success(),
        "restore: {}{}",
        text(&out.stdout),
        text(&out.stderr)
    );

    let server = TestServer::start_with(kind, BlobKind::Local, new.configure()).await?;
    assert_eq!(server.blobs.ids().await?.len(), stored_blobs);
    let mut nurse = Client::open_or_create(&nurse_state, Some(&server.url), Some(ORIGIN))?;
    assert!(
        nurse.sync().await?.restored,
        "the nurse is told the server was restored"
    );
    let read: Vec<String> = nurse
        .read(room, Channel::Team)
        .iter()
        .map(|p| p.envelope.body.clone())
        .collect();
    for body in &texts {
        assert!(read.contains(body), "{body} is back: {read:?}");
    }
    let mut doctor = Client::open_or_create(&doctor_state, Some(&server.url), Some(ORIGIN))?;
    assert!(doctor.sync().await?.restored);
    let photo_again = doctor
        .read(room, Channel::Team)
        .iter()
        .find_map(|p| p.envelope.photo.clone())
        .expect("the photo post is back");
    assert_eq!(doctor.fetch_attachment(&photo_again.image).await?, image);

    // The monthly drill reads the same bucket.
    let out = new.ops_env(&[&["drill"], &source[..]].concat(), &env(&endpoint))?;
    assert!(
        out.status.success(),
        "drill: {}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert!(
        text(&out.stdout).contains("drill passed"),
        "{}",
        text(&out.stdout)
    );
    drop(states);
    Ok(())
}

on_both_databases!(backup_to_s3_wipe_restore_then_clients_read_every_post_and_photo);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_locked_generation_cannot_be_deleted_early_and_pruning_says_so() -> Result<()> {
    let Some(endpoint) = endpoint() else { return Ok(()) };
    let bucket = bucket(&endpoint, true).await?;
    let to = format!("s3://{bucket}/{PREFIX}");
    let deployment = Deployment::new(DbKind::Sqlite)?;
    let mut team = Team::start(DbKind::Sqlite, BlobKind::Local, deployment.configure()).await?;
    post_photo(&mut team, "lock").await?;
    let key = BackupKey::new(&deployment)?;

    // Locked for 35 days; then one locked for 2 seconds only; then --keep 1.
    let (_, locked) = backup(&deployment, &key, &endpoint, &to, &[])?;
    let (_, short) = backup(&deployment, &key, &endpoint, &to, &["--s3-lock-seconds", "2"])?;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let (out, newest) = backup(&deployment, &key, &endpoint, &to, &["--keep", "1"])?;
    let until = format!(
        "locked until {}",
        get(format!(
            "{endpoint}/{bucket}/{PREFIX}/generations/{locked}/manifest.age"
        ))
        .send()
        .await?
        .headers()
        .get("x-amz-object-lock-retain-until-date")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
    );
    assert!(
        out.contains(&format!("kept old generation {locked}: {until}")),
        "the locked generation is named with its date: {out}"
    );
    assert!(
        out.contains("Pruned 1 old generation(s)"),
        "the expired one goes: {out}"
    );
    assert_eq!(generations(&endpoint, &bucket).await?, [locked.clone(), newest]);
    assert!(!out.contains(&short), "{out}");

    // Deleting the locked manifest's version directly is refused, and it stays.
    let manifest = format!("{endpoint}/{bucket}/{PREFIX}/generations/{locked}/manifest.age");
    let http = reqwest::Client::new();
    let versions = format!("{endpoint}/{bucket}?versions&prefix={PREFIX}/generations/{locked}/manifest.age");
    let listing = get(versions).send().await?.text().await?;
    let version = tags(&listing, "VersionId").into_iter().next().expect("a version");
    let response = as_operator(http.delete(format!("{manifest}?versionId={version}")))
        .send()
        .await?;
    assert!(!response.status().is_success(), "refused: {}", response.status());
    assert!(response.text().await?.contains("AccessDenied"));
    let head = as_operator(http.head(&manifest)).send().await?;
    assert!(head.status().is_success(), "still there: {}", head.status());
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bucket_without_object_lock_is_refused_with_what_to_do() -> Result<()> {
    let Some(endpoint) = endpoint() else { return Ok(()) };
    let deployment = Deployment::new(DbKind::Sqlite)?;
    let key = BackupKey::new(&deployment)?;
    let run = |to: &str, env: &[(&str, &str)]| {
        deployment.ops_env(&["backup", "--to", to, "--recipient", &key.recipient], env)
    };

    let plain = bucket(&endpoint, false).await?;
    let out = run(&format!("s3://{plain}/{PREFIX}"), &env(&endpoint))?;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(CANNOT_RUN), "{stderr}");
    for words in [
        "Object Lock",
        "put-bucket-versioning",
        "put-object-lock-configuration",
        "オブジェクトロック",
    ] {
        assert!(stderr.contains(words), "{words}: {stderr}");
    }
    assert!(
        generations(&endpoint, &plain).await?.is_empty(),
        "nothing written"
    );

    // Versioning alone is not enough.
    let versioning = "<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>";
    as_operator(reqwest::Client::new().put(format!("{endpoint}/{plain}?versioning")))
        .body(versioning)
        .send()
        .await?;
    let out = run(&format!("s3://{plain}/{PREFIX}"), &env(&endpoint))?;
    assert_eq!(out.status.code(), Some(CANNOT_RUN));
    assert!(
        text(&out.stderr).contains("does not have Object Lock enabled"),
        "{}",
        text(&out.stderr)
    );

    // Without credentials it says which variables to set.
    let out = run(
        &format!("s3://{plain}"),
        &[("KIZUNA_BACKUP_S3_ENDPOINT", &endpoint)],
    )?;
    assert_eq!(out.status.code(), Some(CANNOT_RUN));
    assert!(
        text(&out.stderr).contains("AWS_ACCESS_KEY_ID"),
        "{}",
        text(&out.stderr)
    );
    Ok(())
}
