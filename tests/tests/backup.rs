//! Backups as an operator runs them, on SQLite and PostgreSQL: a care team posts
//! notes and a photo; `kizuna-ops backup` writes an encrypted generation; the
//! deployment is wiped; `kizuna-ops restore` brings it back into an empty one; the
//! team's clients read every post and the photo again and are told the server was
//! restored. Later backups copy only new blobs, old generations are pruned with the
//! copies only they used, `drill` passes on a good backup and names the damage in a
//! bad one, and the backup directory never holds a post in clear.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use std::path::Path;

use anyhow::Result;
use kizuna_client::{Channel, Client, ContentType, NewPhoto, PostEnvelope};
use kizuna_tests::backup::{flip_byte, names, new_blobs, text, unflip_byte, BackupKey, Deployment};
use kizuna_tests::care::{testdata, Team, FIXTURE_PHOTO};
use kizuna_tests::scan::{needles, scan_dir};
use kizuna_tests::{on_both_databases, BlobKind, DbKind, TestServer, ORIGIN};

const DAMAGED: i32 = 65;
const CANNOT_RUN: i32 = 69;

fn note(text: &str) -> PostEnvelope {
    PostEnvelope::new(ContentType::Note, text)
}

async fn post_photo(team: &mut Team, caption: &str) -> Result<()> {
    team.nurse
        .post_photo(
            team.room,
            Channel::Team,
            NewPhoto {
                original: testdata(FIXTURE_PHOTO),
                caption: caption.into(),
                ..NewPhoto::default()
            },
        )
        .await?;
    Ok(())
}

fn backup(deployment: &Deployment, key: &BackupKey, to: &Path, keep: &str) -> Result<String> {
    let out = deployment.ops(&[
        "backup",
        "--to",
        &to.display().to_string(),
        "--recipient",
        &key.recipient,
        "--keep",
        keep,
    ])?;
    assert!(
        out.status.success(),
        "backup: {}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    Ok(text(&out.stdout))
}

fn source_args<'a>(command: &'a str, from: &'a str, identity: &'a str) -> [&'a str; 5] {
    [command, "--from", from, "--identity", identity]
}

async fn backup_wipe_restore_then_clients_read_every_post_and_photo(kind: DbKind) -> Result<()> {
    let old = Deployment::new(kind)?;
    let mut team = Team::start(kind, BlobKind::Local, old.configure()).await?;
    let marker = format!("仙骨部の褥瘡 backup marker {}", uuid::Uuid::new_v4());
    let texts = [format!("{marker} 1"), format!("{marker} 2"), "熱なし".to_owned()];
    for body in &texts {
        team.doctor.post(team.room, Channel::Team, &note(body)).await?;
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
    assert!(stored_blobs >= 2, "the photo and its thumbnail are stored");

    let key = BackupKey::new(&old)?;
    let backups = tempfile::tempdir()?;
    let out = backup(&old, &key, backups.path(), "7")?;
    assert_eq!(new_blobs(&out), Some(stored_blobs), "{out}");
    let files = scan_dir(backups.path(), &needles(&marker))?;
    assert!(files > stored_blobs, "the scan read the backup's files");

    // The deployment is lost: server, data directory and database.
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
    let (from, identity) = (
        backups.path().display().to_string(),
        key.identity.display().to_string(),
    );
    let out = new.ops(&source_args("restore", &from, &identity))?;
    assert!(
        out.status.success(),
        "restore: {}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert!(
        text(&out.stdout).contains("new log generation"),
        "{}",
        text(&out.stdout)
    );

    let server = TestServer::start_with(kind, BlobKind::Local, new.configure()).await?;
    assert_eq!(server.blobs.ids().await?.len(), stored_blobs);
    let mut nurse = Client::open_or_create(&nurse_state, Some(&server.url), Some(ORIGIN))?;
    let report = nurse.sync().await?;
    assert!(report.restored, "the nurse is told the server was restored");
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
    // fetch_attachment checks the size and SHA-256 the post names.
    assert_eq!(doctor.fetch_attachment(&photo_again.image).await?, image);
    assert_eq!(
        nurse.fetch_attachment(&photo_again.thumbnail).await?,
        doctor.fetch_attachment(&photo.thumbnail).await?
    );

    // Restoring again over the deployment now in use is refused, in words.
    let out = new.ops(&source_args("restore", &from, &identity))?;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    assert!(
        text(&out.stderr).contains("restore only into an empty"),
        "{}",
        text(&out.stderr)
    );
    drop(states);
    Ok(())
}

async fn later_backups_copy_only_new_blobs_and_old_generations_are_pruned(kind: DbKind) -> Result<()> {
    let deployment = Deployment::new(kind)?;
    let mut team = Team::start(kind, BlobKind::Local, deployment.configure()).await?;
    post_photo(&mut team, "1").await?;
    let first_photo: Vec<_> = team.server.blobs.ids().await?;
    let key = BackupKey::new(&deployment)?;
    let backups = tempfile::tempdir()?;
    let (blobs_dir, generations_dir) = (backups.path().join("blobs"), backups.path().join("generations"));

    let out = backup(&deployment, &key, backups.path(), "2")?;
    assert_eq!(new_blobs(&out), Some(first_photo.len()), "{out}");
    post_photo(&mut team, "2").await?;
    let out = backup(&deployment, &key, backups.path(), "2")?;
    assert_eq!(
        new_blobs(&out),
        Some(2),
        "only the new photo and thumbnail: {out}"
    );
    let all = team.server.blobs.ids().await?.len();
    assert_eq!(names(&blobs_dir).len(), all);

    // The first photo's blobs leave the store: the generation that still has them
    // keeps their copies until it is pruned itself.
    for id in &first_photo {
        team.server.blobs.delete(*id).await?;
    }
    let first_generations = names(&generations_dir);
    let out = backup(&deployment, &key, backups.path(), "2")?;
    assert_eq!(new_blobs(&out), Some(0), "{out}");
    let generations = names(&generations_dir);
    assert_eq!(generations.len(), 2, "{generations:?}");
    assert!(
        !generations.contains(&first_generations[0]),
        "the oldest is pruned"
    );
    assert_eq!(
        names(&blobs_dir).len(),
        all,
        "the second generation still uses them"
    );
    let out = backup(&deployment, &key, backups.path(), "2")?;
    assert!(
        out.contains(&format!("and {} unused blob copies", first_photo.len())),
        "{out}"
    );
    assert_eq!(names(&generations_dir).len(), 2);
    assert_eq!(names(&blobs_dir).len(), all - first_photo.len());
    Ok(())
}

async fn drill_passes_on_a_good_backup_and_names_the_damage(kind: DbKind) -> Result<()> {
    let deployment = Deployment::new(kind)?;
    let mut team = Team::start(kind, BlobKind::Local, deployment.configure()).await?;
    team.doctor.post(team.room, Channel::Team, &note("drill")).await?;
    post_photo(&mut team, "drill").await?;
    let key = BackupKey::new(&deployment)?;
    let backups = tempfile::tempdir()?;
    let from = backups.path().display().to_string();
    let identity = key.identity.display().to_string();
    let drill = |identity: &str| deployment.ops(&source_args("drill", &from, identity));

    // No backup yet: the drill cannot run, and says so.
    let out = drill(&identity)?;
    assert_eq!(out.status.code(), Some(CANNOT_RUN), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("no complete backup"),
        "{}",
        text(&out.stderr)
    );

    backup(&deployment, &key, backups.path(), "7")?;
    let out = drill(&identity)?;
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

    // One byte of one blob copy.
    let copy = backups
        .path()
        .join("blobs")
        .join(&names(&backups.path().join("blobs"))[0]);
    let undo = flip_byte(&copy)?;
    let out = drill(&identity)?;
    assert_eq!(out.status.code(), Some(DAMAGED), "{}", text(&out.stdout));
    let copy_name = copy.file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        text(&out.stdout).contains("DAMAGED: blob") && text(&out.stdout).contains(&copy_name),
        "{}",
        text(&out.stdout)
    );
    unflip_byte(&copy, undo)?;

    // One byte of the database dump.
    let generation = names(&backups.path().join("generations"))[0].clone();
    let dump = backups
        .path()
        .join("generations")
        .join(generation)
        .join("database.age");
    let undo = flip_byte(&dump)?;
    let out = drill(&identity)?;
    assert_eq!(out.status.code(), Some(DAMAGED), "{}", text(&out.stdout));
    assert!(
        text(&out.stdout).contains("DAMAGED: the database dump"),
        "{}",
        text(&out.stdout)
    );
    unflip_byte(&dump, undo)?;
    assert!(drill(&identity)?.status.success(), "repaired, it passes again");

    // Another operator's key opens nothing, and says which key to use.
    let other = BackupKey::new(&deployment)?;
    for command in ["drill", "restore"] {
        let out = deployment.ops(&source_args(
            command,
            &from,
            &other.identity.display().to_string(),
        ))?;
        assert_eq!(
            out.status.code(),
            Some(CANNOT_RUN),
            "{command}: {}",
            text(&out.stderr)
        );
        assert!(
            text(&out.stderr).contains("made for another key") && text(&out.stderr).contains("鍵が違います"),
            "{command}: {}",
            text(&out.stderr)
        );
    }
    Ok(())
}

on_both_databases!(
    backup_wipe_restore_then_clients_read_every_post_and_photo,
    later_backups_copy_only_new_blobs_and_old_generations_are_pruned,
    drill_passes_on_a_good_backup_and_names_the_damage,
);
