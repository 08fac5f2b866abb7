//! The care notebook end to end through the native client against the real server:
//! vitals with the client's thresholds, a wound photo from a real JPEG with EXIF and
//! GPS, a handover taken over, read receipts, an amendment, and who may fetch which
//! attachment. Run on SQLite with the local blob directory and on PostgreSQL with the
//! S3-compatible store, so both databases and both stores carry real photos.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use anyhow::Result;
use kizuna_client::{Channel, ClientError, NewPhoto};
use kizuna_crypto::content::{
    BloodPressure, Handover, HandoverTarget, Measurement, Range, Thresholds, Vitals,
};
use kizuna_crypto::{ContentType, EnvelopeError, PostEnvelope};
use kizuna_proto::{Timestamp, Urgency};
use kizuna_tests::care::{blob_bytes, testdata, Team, FIXTURE_PHOTO};
use kizuna_tests::{BlobKind, DbKind};

fn wound_photo() -> Vec<u8> {
    testdata(FIXTURE_PHOTO)
}

/// Strings the fixture's EXIF carries (camera, description, date, comment).
const EXIF_STRINGS: [&[u8]; 4] = [
    b"KizunaTestCam",
    b"patient home",
    b"2026:11:20 10:15:00",
    b"test fixture",
];

/// The JPEG segments before the image data: (marker, payload).
fn jpeg_segments(jpeg: &[u8]) -> Vec<(u8, &[u8])> {
    assert_eq!(&jpeg[..2], [0xFF, 0xD8], "not a JPEG");
    let mut segments = Vec::new();
    let mut at = 2;
    while at + 4 <= jpeg.len() && jpeg[at] == 0xFF {
        let marker = jpeg[at + 1];
        let len = usize::from(u16::from_be_bytes([jpeg[at + 2], jpeg[at + 3]]));
        segments.push((marker, &jpeg[at + 4..at + 2 + len]));
        if marker == 0xDA {
            break; // start of scan: image data follows
        }
        at += 2 + len;
    }
    segments
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

async fn team(db: DbKind, blobs: BlobKind) -> Result<Team> {
    Team::start(db, blobs, |_| {}).await
}

fn vitals(temperature: f64) -> Vitals {
    let mut v = Vitals::at(Timestamp(1_795_633_800_000));
    v.temperature_c = Some(temperature);
    v.blood_pressure = Some(BloodPressure {
        systolic_mmhg: 132,
        diastolic_mmhg: 84,
    });
    v.pulse_per_min = Some(78);
    v.spo2_percent = Some(96);
    v
}

async fn the_care_notebook_works_end_to_end(db: DbKind, blobs: BlobKind) -> Result<()> {
    let Team {
        server,
        room,
        mut doctor,
        mut nurse,
        mut family,
        dir: _dir,
        ..
    } = team(db, blobs).await?;
    let team = Channel::Team;

    // The doctor sets the client's alert thresholds in the team channel.
    let thresholds = Thresholds {
        temperature_c: Some(Range::at_most(37.5)),
        spo2_percent: Some(Range::at_least(93)),
        ..Thresholds::default()
    };
    doctor
        .post_content(room, team, &PostEnvelope::thresholds(thresholds, "微熱に注意"))
        .await?;
    nurse.sync().await?;

    // The nurse records two visits' vitals: one fever over the threshold, one normal.
    let fever_seq = nurse
        .post_content(room, team, &PostEnvelope::vitals(vitals(38.2), "午後から発熱"))
        .await?;
    let normal_seq = nurse
        .post_content(room, team, &PostEnvelope::vitals(vitals(36.6), "変わりなし"))
        .await?;
    // Only the coarse flag is in clear: urgent for the fever, nothing for the normal one.
    let path = format!("/api/v1/groups/{room}%2Fteam/messages?after=0");
    let (status, log) = server.get(&path, doctor.session_token()).await?;
    assert_eq!(status, 200);
    let urgency_at =
        |seq: i64| log.as_array().unwrap().iter().find(|e| e["seq"] == seq).unwrap()["urgency"].clone();
    assert_eq!(urgency_at(fever_seq), "urgent");
    assert!(urgency_at(normal_seq).is_null());

    // A photo from the camera, with GPS and camera tags in its EXIF.
    let original = wound_photo();
    let (photo_seq, sent) = nurse
        .post_photo(
            room,
            team,
            NewPhoto {
                original: original.clone(),
                caption: "仙骨部の褥瘡 / sacral pressure sore".into(),
                body_site: Some("仙骨部".into()),
                ..NewPhoto::default()
            },
        )
        .await?;

    // A handover to the next visitor.
    let handover = Handover::to(HandoverTarget::NextVisitor)
        .item("ガーゼ交換 / change the dressing")
        .item("水分摂取を確認 / check fluid intake");
    let handover_seq = nurse
        .post_content(room, team, &PostEnvelope::handover(handover, "明日の訪問へ"))
        .await?;

    // The doctor receives everything.
    doctor.sync().await?;
    let notebook = doctor.notebook(room, team);
    let at_seq = |seq: i64| {
        notebook
            .entries()
            .into_iter()
            .find(|e| e.original.seq == seq)
            .unwrap_or_else(|| panic!("no entry at {seq}"))
    };
    let fever = at_seq(fever_seq);
    let alert = fever.alert.clone().expect("vitals are assessed");
    assert!(alert.shown_as_urgent);
    assert!(alert
        .out_of_range
        .iter()
        .any(|f| f.measurement == Measurement::Temperature));
    assert_eq!(fever.effective_urgency(), Urgency::Urgent);
    let normal = at_seq(normal_seq);
    assert!(normal.alert.as_ref().is_some_and(|a| a.out_of_range.is_empty()));
    assert_eq!(normal.effective_urgency(), Urgency::Normal);

    // The photo: fetched, decrypted, checked; upright, resized, with no metadata.
    let photo = at_seq(photo_seq)
        .current
        .envelope
        .photo
        .clone()
        .expect("a photo post");
    assert_eq!(Some(&photo), sent.photo.as_ref());
    assert_eq!(
        (photo.width, photo.height),
        (1536, 2048),
        "upright and downscaled"
    );
    let image = doctor.fetch_attachment(&photo.image).await?;
    let thumbnail = doctor.fetch_attachment(&photo.thumbnail).await?;
    for (name, jpeg) in [("image", &image), ("thumbnail", &thumbnail)] {
        for (marker, payload) in jpeg_segments(jpeg) {
            assert!(
                !(0xE1..=0xEF).contains(&marker),
                "{name} keeps an APP{} segment",
                marker - 0xE0
            );
            assert!(!contains(payload, b"Exif"), "{name} keeps EXIF");
        }
        for tag in EXIF_STRINGS {
            assert!(
                !contains(jpeg, tag),
                "{name} keeps {:?}",
                String::from_utf8_lossy(tag)
            );
        }
    }
    let decoded = image::load_from_memory(&image)?;
    assert_eq!((decoded.width(), decoded.height()), (1536, 2048));
    let thumb = image::load_from_memory(&thumbnail)?;
    assert_eq!(
        (thumb.width(), thumb.height()),
        (photo.thumb_width, photo.thumb_height)
    );
    assert!(thumb.width().max(thumb.height()) <= 320);

    // What the store holds is ciphertext: no JPEG start, no JFIF or EXIF header, no
    // run of the sent image.
    let stored = server.blobs.ids().await?;
    assert_eq!(stored.len(), 2, "the image and its thumbnail");
    for id in stored {
        let bytes = blob_bytes(&server.blobs, id).await?;
        assert_ne!(&bytes[..2], [0xFF, 0xD8], "blob {id} starts like a JPEG");
        for marker in [&b"JFIF\0"[..], b"Exif\0\0", &image[..64], &original[..64]] {
            assert!(!contains(&bytes, marker), "blob {id} holds plaintext");
        }
    }

    // Family members cannot fetch the team channel's photo.
    let blob_path = format!("/api/v1/blobs/{}", photo.image.blob);
    let (status, _) = server.get(&blob_path, family.session_token()).await?;
    assert_eq!(status, 404);
    assert!(family.fetch_attachment(&photo.image).await.is_err());

    // The doctor takes the handover over; the nurse sees it taken.
    let handover_post = at_seq(handover_seq).original.post;
    doctor
        .take_over(room, team, handover_post, "了解しました")
        .await?;
    nurse.sync().await?;
    let nurse_book = nurse.notebook(room, team);
    let taken = nurse_book.entry(handover_post).expect("the handover");
    assert_eq!(taken.taken_over.map(|(who, _)| who), doctor.user_id());
    assert!(nurse_book.open_handovers().is_empty());

    // Read receipts: the doctor has not read the urgent vitals, then has.
    let unread = nurse.unread_by(room, team, fever_seq).await?;
    assert_eq!(
        unread.iter().map(|r| r.user_id).collect::<Vec<_>>(),
        vec![doctor.user_id().unwrap()],
        "the author is not asked to read their own post"
    );
    let last = doctor.read(room, team).last().unwrap().seq;
    assert_eq!(doctor.mark_read(room, team, last).await?, last);
    // Reading an older post on another device does not move the position back.
    assert_eq!(doctor.mark_read(room, team, fever_seq).await?, last);
    assert!(nurse.unread_by(room, team, fever_seq).await?.is_empty());
    let reads = nurse.reads(room, team).await?;
    let doctor_read = reads
        .iter()
        .find(|r| Some(r.user_id) == doctor.user_id())
        .unwrap();
    assert_eq!(doctor_read.seq, last);
    assert!(
        reads.iter().all(|r| Some(r.user_id) != family.user_id()),
        "family is not a reader of the team channel"
    );
    // The family sees nobody's reading of the team channel, and cannot mark it.
    for path in [
        format!("/api/v1/groups/{room}%2Fteam/reads"),
        format!("/api/v1/groups/{room}%2Fteam/posts/{fever_seq}/unread"),
    ] {
        assert_eq!(server.get(&path, family.session_token()).await?.0, 404, "{path}");
    }
    let marked = server
        .http
        .put(server.at(&format!("/api/v1/groups/{room}%2Fteam/read")))
        .bearer_auth(family.session_token().unwrap())
        .json(&serde_json::json!({ "seq": 1 }))
        .send()
        .await?;
    assert_eq!(marked.status().as_u16(), 404);
    // Positions that are not in the log are refused.
    let err = doctor.mark_read(room, team, last + 100).await.unwrap_err();
    assert_eq!(err.status(), Some(422));

    // The nurse corrects the fever reading: the notebook shows the correction, with
    // the original one tap away.
    let fever_post = fever.original.post;
    nurse
        .amend(
            room,
            team,
            fever_post,
            PostEnvelope::vitals(vitals(37.2), "体温を再測定"),
        )
        .await?;
    doctor.sync().await?;
    let book = doctor.notebook(room, team);
    let amended = book.entry(fever_post).unwrap();
    assert!(amended.is_amended());
    assert_eq!(amended.history.len(), 2);
    assert_eq!(
        amended.history[0].envelope.vitals.as_ref().unwrap().temperature_c,
        Some(38.2)
    );
    assert_eq!(
        amended.current.envelope.vitals.as_ref().unwrap().temperature_c,
        Some(37.2)
    );
    assert!(
        !amended.alert.as_ref().unwrap().shown_as_urgent,
        "37.2 is within the threshold"
    );

    // A family member's amendment of someone else's post is not applied.
    family
        .post_content(
            room,
            Channel::Family,
            &PostEnvelope::new(ContentType::Note, "母は元気です"),
        )
        .await?;
    let family_post = family.read(room, Channel::Family).last().unwrap().post;
    doctor.sync().await?;
    doctor
        .amend(
            room,
            Channel::Family,
            family_post,
            PostEnvelope::new(ContentType::Note, "書き換え"),
        )
        .await?;
    family.sync().await?;
    let family_book = family.notebook(room, Channel::Family);
    let entry = family_book.entry(family_post).unwrap();
    assert_eq!(
        entry.current.envelope.body, "母は元気です",
        "only the author amends"
    );
    assert_eq!(family_book.rejected().len(), 1);
    server.stop().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn care_notebook_sqlite_local_blobs() -> Result<()> {
    the_care_notebook_works_end_to_end(DbKind::Sqlite, BlobKind::Local).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn care_notebook_postgres_s3_blobs() -> Result<()> {
    the_care_notebook_works_end_to_end(DbKind::Postgres, BlobKind::S3).await
}

/// Bad input stays on the device with a clear error: nothing is uploaded or posted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_photos_and_impossible_vitals_are_refused_before_sending() -> Result<()> {
    let Team {
        server,
        room,
        mut nurse,
        dir: _dir,
        ..
    } = team(DbKind::Sqlite, BlobKind::Local).await?;
    let team = Channel::Team;
    let before = nurse.read(room, team).len();
    let jpeg = wound_photo();
    let png_bomb = kizuna_crypto::testing::png_header_only(100_000, 100_000);
    let cases: [(&str, Vec<u8>, &str); 4] = [
        ("truncated", jpeg[..jpeg.len() / 2].to_vec(), "photo_damaged"),
        ("png bomb", png_bomb, "photo_too_large"),
        (
            "text named .jpg",
            b"this is not a photo".to_vec(),
            "photo_not_an_image",
        ),
        ("empty", Vec::new(), "photo_empty"),
    ];
    for (name, original, code) in cases {
        let err = nurse
            .post_photo(
                room,
                team,
                NewPhoto {
                    original,
                    ..NewPhoto::default()
                },
            )
            .await
            .expect_err(name);
        assert!(matches!(err, ClientError::Photo(_)), "{name}: {err:?}");
        assert_eq!(err.code(), code, "{name}");
        let (en, ja) = err.messages();
        assert!(!en.is_empty() && !ja.is_empty());
    }
    // °F typed into a °C field, and a diastolic above the systolic.
    let mut fahrenheit = vitals(36.5);
    fahrenheit.temperature_c = Some(98.6);
    let mut inverted = vitals(36.5);
    inverted.blood_pressure = Some(BloodPressure {
        systolic_mmhg: 80,
        diastolic_mmhg: 120,
    });
    for (name, v, field) in [
        ("fahrenheit", fahrenheit, "temperature_c"),
        ("inverted", inverted, "blood_pressure.diastolic_mmhg"),
    ] {
        let err = nurse
            .post_content(room, team, &PostEnvelope::vitals(v, ""))
            .await
            .expect_err(name);
        let ClientError::Envelope(EnvelopeError::Vitals(problem)) = &err else {
            panic!("{name}: {err:?}");
        };
        assert_eq!(problem.field, field, "{name}");
        let (en, ja) = err.messages();
        assert!(
            en.contains("Nothing was sent") && ja.contains("送信していません"),
            "{en} / {ja}"
        );
    }
    assert_eq!(nurse.read(room, team).len(), before, "nothing was posted");
    assert!(server.blobs.ids().await?.is_empty(), "nothing was uploaded");
    server.stop().await;
    Ok(())
}
