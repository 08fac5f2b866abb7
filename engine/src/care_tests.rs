use image::codecs::jpeg::JpegEncoder;
use image::ExtendedColorType;
use kizuna_crypto::proto::Urgency;
use serde_json::json;

use super::*;
use crate::test_random::OsRandom;

/// A small camera-like JPEG: a gradient, `width`×`height`.
fn jpeg(width: u32, height: u32) -> Vec<u8> {
    let pixels: Vec<u8> = (0..width * height)
        .flat_map(|i| {
            let (x, y) = (i % width, i / width);
            [(x * 255 / width) as u8, (y * 255 / height) as u8, 128]
        })
        .collect();
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, 90)
        .encode(&pixels, width, height, ExtendedColorType::Rgb8)
        .unwrap();
    out
}

#[test]
fn photos_are_resized_thumbnailed_and_refused_when_not_photos() {
    let options = PhotoOptionsIn {
        max_edge: Some(100),
        thumb_edge: Some(40),
        ..PhotoOptionsIn::default()
    };
    let photo = prepare_photo(&jpeg(200, 120), options).unwrap();
    assert_eq!((photo.width, photo.height), (100, 60));
    assert_eq!((photo.thumb_width, photo.thumb_height), (40, 24));
    assert!(photo.image.0.starts_with(&[0xFF, 0xD8]) && photo.thumbnail.0.starts_with(&[0xFF, 0xD8]));
    let error = prepare_photo(b"hello", PhotoOptionsIn::default()).unwrap_err();
    assert_eq!(error.code, "photo_not_an_image");
    assert!(error.ja.contains("写真ではありません"));
}

#[test]
fn attachments_round_trip_and_damage_is_refused() {
    let mut rng = OsRandom::checked().unwrap();
    let file = b"wound photo bytes ".repeat(10_000);
    let sealed = seal_attachment(&file, "image/jpeg", &mut rng).unwrap();
    assert_eq!(sealed.reference.size, file.len() as u64);
    assert!(!sealed.ciphertext.0.windows(11).any(|w| w == b"wound photo"));
    assert_eq!(
        open_attachment(&sealed.ciphertext.0, &sealed.reference).unwrap(),
        file
    );

    let mut altered = sealed.ciphertext.0.clone();
    altered[100] ^= 1;
    assert_eq!(
        open_attachment(&altered, &sealed.reference).unwrap_err().code,
        "attachment_damaged"
    );
    let cut = &sealed.ciphertext.0[..sealed.ciphertext.0.len() - 10];
    assert_eq!(
        open_attachment(cut, &sealed.reference).unwrap_err().code,
        "attachment_truncated"
    );
    let other = seal_attachment(b"another file", "image/jpeg", &mut rng).unwrap();
    assert_ne!(other.reference.blob, sealed.reference.blob);
    let error = open_attachment(&other.ciphertext.0, &sealed.reference).unwrap_err();
    assert!(error.code.starts_with("attachment_"), "{error:?}");
    assert_eq!(
        seal_attachment(b"x", "image/jpeg\r\n", &mut rng)
            .unwrap_err()
            .code,
        "invalid_input"
    );
}

fn vitals(temperature: f64) -> String {
    json!({"version": 1, "content_type": "vitals", "body": "",
           "vitals": {"measured_at": 1_800_000_000_000_i64, "temperature_c": temperature}})
    .to_string()
}

#[test]
fn envelopes_are_checked_before_sending_naming_the_field() {
    let Validation::Invalid { error, .. } = validate_envelope(&vitals(50.0), None) else {
        panic!("50 °C is impossible")
    };
    assert_eq!(
        (error.code, error.field.as_deref()),
        ("invalid_vitals", Some("temperature_c"))
    );
    assert!(!error.ja.is_empty());

    let Validation::Valid { unusual, urgency, .. } = validate_envelope(&vitals(38.4), None) else {
        panic!("38.4 °C is possible")
    };
    assert_eq!(
        unusual.iter().map(|f| f.measurement).collect::<Vec<_>>(),
        ["temperature"]
    );
    assert_eq!(urgency, None);
    let Validation::Valid {
        out_of_range,
        urgency,
        ..
    } = validate_envelope(&vitals(38.4), Some(r#"{"temperature_c":{"max":37.5}}"#))
    else {
        panic!()
    };
    assert_eq!((out_of_range.len(), urgency), (1, Some(Urgency::Urgent)));

    let Validation::Invalid { error, .. } =
        validate_envelope(r#"{"version":1,"content_type":"vitals","body":""}"#, None)
    else {
        panic!()
    };
    assert_eq!(
        (error.code, error.field.as_deref()),
        ("invalid_post", Some("vitals"))
    );
    let Validation::Invalid { error, .. } = validate_envelope("{", None) else {
        panic!()
    };
    assert_eq!(error.code, "invalid_post");
    let json = serde_json::to_value(validate_envelope(&vitals(36.5), None)).unwrap();
    assert_eq!(json["ok"], true);
}

#[test]
fn the_notebook_applies_amendments_take_overs_and_thresholds() {
    let doctor = "00000000-0000-0000-0000-000000000001";
    let nurse = "00000000-0000-0000-0000-000000000002";
    let p = |n: u32| format!("00000000-0000-0000-0000-0000000090{n:02}");
    let post = |seq: i64, id: String, author: &str, envelope: serde_json::Value| {
        json!({"type": "post", "seq": seq, "post_id": id, "author_user": author, "author_device": author,
               "sent_at": 1_800_000_000_000_i64 + seq, "stored_at": 0, "exposed_urgency": null, "envelope": envelope})
    };
    let posts = json!([
        post(
            1,
            p(1),
            doctor,
            json!({"version":1,"content_type":"thresholds","body":"",
            "thresholds":{"temperature_c":{"max":37.5}}})
        ),
        post(2, p(2), nurse, serde_json::from_str(&vitals(38.0)).unwrap()),
        post(
            3,
            p(3),
            nurse,
            json!({"version":1,"content_type":"note","body":"typo"})
        ),
        post(
            4,
            p(4),
            nurse,
            json!({"version":1,"content_type":"note","body":"fixed","amendment_of":p(3)})
        ),
        post(
            5,
            p(5),
            doctor,
            json!({"version":1,"content_type":"note","body":"not mine","amendment_of":p(3)})
        ),
        post(
            6,
            p(6),
            doctor,
            json!({"version":1,"content_type":"handover","body":"夜間",
            "handover":{"to":{"kind":"next_visitor"}}})
        ),
    ]);
    let book = notebook(&posts.to_string()).unwrap();
    assert_eq!(book.entries.len(), 4);
    let vitals_entry = &book.entries[1];
    assert_eq!(vitals_entry.effective_urgency, Urgency::Urgent);
    assert!(vitals_entry.alert.as_ref().unwrap().shown_as_urgent);
    assert_eq!(vitals_entry.readings[0].measurement, "temperature");
    assert_eq!(vitals_entry.readings[0].value, 38.0);
    let note = &book.entries[2];
    assert_eq!(
        (
            note.amended,
            note.current.envelope.body.as_str(),
            note.history.len()
        ),
        (true, "fixed", 2)
    );
    assert_eq!(book.rejected.len(), 1, "only the author amends");
    assert!(!book.rejected[0].ja.is_empty());
    assert_eq!(book.open_handovers, [book.entries[3].post_id]);
    assert!(book.thresholds.is_some());
    assert_eq!(notebook("[{}]").unwrap_err().code, "invalid_input");
}
