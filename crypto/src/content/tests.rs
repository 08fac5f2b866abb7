//! Tests of the typed payloads: vitals bounds, thresholds, payload matching, JSON
//! round trips and redacted `Debug`. The notebook has its own tests.

use kizuna_proto::{BlobId, OrgRole, PostId, Timestamp, UserId};
use uuid::Uuid;

use super::*;
use crate::envelope::{
    AttachmentRef, ContentType, EnvelopeError, PostEnvelope, Urgency, MAX_ATTACHMENTS, MAX_BODY_BYTES,
    MAX_ENVELOPE_BYTES, MAX_MENTIONS,
};

const MEASURED: Timestamp = Timestamp(1_795_633_800_000);

fn post(n: u128) -> PostId {
    PostId::from_uuid(Uuid::from_u128(n))
}

fn at() -> Vitals {
    Vitals::at(MEASURED)
}

/// Vitals with one change; a pulse is there so that only the change is judged.
fn with(change: impl FnOnce(&mut Vitals)) -> Vitals {
    let mut vitals = Vitals {
        pulse_per_min: Some(70),
        ..at()
    };
    change(&mut vitals);
    vitals
}

fn full_vitals() -> Vitals {
    Vitals {
        temperature_c: Some(36.8),
        blood_pressure: Some(BloodPressure {
            systolic_mmhg: 128,
            diastolic_mmhg: 82,
        }),
        pulse_per_min: Some(72),
        spo2_percent: Some(97),
        respiratory_rate_per_min: Some(16),
        weight_kg: Some(48.5),
        blood_glucose_mg_dl: Some(110),
        meal_intake: Some(MealIntake::Tenths(7)),
        fluid_intake_ml: Some(1200),
        excretion: Some(Excretion {
            urine_count: Some(6),
            stool_count: Some(1),
            notes: Some("普通便 / normal stool".into()),
        }),
        pain_0_10: Some(2),
        consciousness: Some(Consciousness::Alert),
        remarks: Some("入浴後 / after bathing".into()),
        ..at()
    }
}

fn jpeg(n: u128) -> AttachmentRef {
    AttachmentRef {
        blob: BlobId::from_uuid(Uuid::from_u128(n)),
        key: [0xab; 32],
        sha256: [0x11; 32],
        mime: "image/jpeg".into(),
        size: 123_456,
    }
}

fn photo_content() -> PhotoContent {
    PhotoContent {
        image: jpeg(1),
        thumbnail: jpeg(2),
        width: 4000,
        height: 3000,
        thumb_width: 320,
        thumb_height: 240,
        body_site: Some("仙骨部 sacrum".into()),
        same_wound_as: Some(post(77)),
    }
}

fn thresholds() -> Thresholds {
    Thresholds {
        temperature_c: Some(Range::at_most(37.5)),
        spo2_percent: Some(Range::at_least(92)),
        systolic_mmhg: Some(Range::between(100, 160)),
        ..Thresholds::default()
    }
}

/// The error `validate` gives, which must be one.
fn refused(vitals: &Vitals) -> VitalsError {
    match vitals.validate() {
        Err(error) => error,
        Ok(_) => panic!("accepted {vitals:?}"),
    }
}

fn round_trip(envelope: &PostEnvelope) -> PostEnvelope {
    let bytes = envelope.to_json().unwrap();
    PostEnvelope::from_json(&bytes, post(1)).unwrap()
}

// ---- vitals: impossible, unusual, normal ----

#[test]
fn normal_vitals_are_accepted_without_flags() {
    assert_eq!(full_vitals().validate(), Ok(Assessment::default()));
}

#[test]
fn a_fahrenheit_temperature_is_refused_with_a_hint_to_enter_celsius() {
    let error = refused(&Vitals {
        temperature_c: Some(98.6),
        ..at()
    });
    assert_eq!(error.field, "temperature_c");
    assert_eq!(
        error.en,
        "Temperature 98.6 °C is not possible (allowed 25–45 °C). Did you enter °F? Enter °C."
    );
    assert!(
        error.ja.contains("98.6") && error.ja.contains("華氏"),
        "{}",
        error.ja
    );

    let missing_point = refused(&Vitals {
        temperature_c: Some(365.0),
        ..at()
    });
    assert!(missing_point.en.contains("decimal point"), "{}", missing_point.en);
}

#[test]
fn an_unusual_temperature_is_accepted_and_flagged() {
    let assessment = Vitals {
        temperature_c: Some(38.5),
        ..at()
    }
    .validate()
    .unwrap();
    assert_eq!(assessment.unusual.len(), 1);
    let flag = &assessment.unusual[0];
    assert_eq!(flag.measurement, Measurement::Temperature);
    assert_eq!(flag.en, "Temperature 38.5 °C is high (usual 35.0–37.9 °C).");
    assert!(flag.ja.contains("高値"), "{}", flag.ja);

    // The edges: 38.0 is unusual, 37.9 and 35.0 are not, 34.9 is.
    let flagged = |t: f64| {
        !Vitals {
            temperature_c: Some(t),
            ..at()
        }
        .validate()
        .unwrap()
        .unusual
        .is_empty()
    };
    assert!(flagged(38.0) && !flagged(37.9) && !flagged(35.0) && flagged(34.9));
}

#[test]
fn not_a_number_is_refused() {
    for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        assert_eq!(
            refused(&Vitals {
                temperature_c: Some(bad),
                ..at()
            })
            .field,
            "temperature_c"
        );
        assert_eq!(
            refused(&Vitals {
                weight_kg: Some(bad),
                ..at()
            })
            .field,
            "weight_kg"
        );
    }
}

#[test]
fn diastolic_at_or_above_systolic_is_refused() {
    for (systolic_mmhg, diastolic_mmhg) in [(80, 120), (90, 90)] {
        let error = refused(&Vitals {
            blood_pressure: Some(BloodPressure {
                systolic_mmhg,
                diastolic_mmhg,
            }),
            ..at()
        });
        assert_eq!(error.field, "blood_pressure.diastolic_mmhg");
        assert!(error.en.contains("swapped"), "{}", error.en);
    }
}

#[test]
fn each_impossible_reading_names_its_field() {
    let bp = |systolic_mmhg, diastolic_mmhg| BloodPressure {
        systolic_mmhg,
        diastolic_mmhg,
    };
    let excretion = |urine_count| Excretion {
        urine_count,
        stool_count: None,
        notes: None,
    };
    let cases: Vec<(Vitals, &str, &str)> = vec![
        (
            with(|v| v.spo2_percent = Some(101)),
            "spo2_percent",
            "cannot exceed 100",
        ),
        (with(|v| v.spo2_percent = Some(40)), "spo2_percent", "oximeter"),
        (
            with(|v| v.pulse_per_min = Some(400)),
            "pulse_per_min",
            "20–300 /min",
        ),
        (
            with(|v| v.respiratory_rate_per_min = Some(2)),
            "respiratory_rate_per_min",
            "3–80 /min",
        ),
        (
            with(|v| v.blood_glucose_mg_dl = Some(6)),
            "blood_glucose_mg_dl",
            "mmol/L",
        ),
        (with(|v| v.weight_kg = Some(52_000.0)), "weight_kg", "grams"),
        (
            with(|v| v.fluid_intake_ml = Some(25_000)),
            "fluid_intake_ml",
            "0–20000 mL",
        ),
        (with(|v| v.pain_0_10 = Some(11)), "pain_0_10", "0 (none) to 10"),
        (
            with(|v| v.meal_intake = Some(MealIntake::Tenths(11))),
            "meal_intake.tenths",
            "0 to 10",
        ),
        (
            with(|v| v.meal_intake = Some(MealIntake::Percent(120))),
            "meal_intake.percent",
            "0 to 100",
        ),
        (
            with(|v| v.blood_pressure = Some(bp(350, 80))),
            "blood_pressure.systolic_mmhg",
            "40–300 mmHg",
        ),
        (
            with(|v| v.excretion = Some(excretion(Some(60)))),
            "excretion.urine_count",
            "Urine count 60 is not possible (allowed 0–50)",
        ),
        (
            with(|v| v.excretion = Some(excretion(None))),
            "excretion",
            "empty",
        ),
        (with(|v| v.remarks = Some("  ".into())), "remarks", "blank"),
        (
            with(|v| v.remarks = Some("x".repeat(2001))),
            "remarks",
            "too long",
        ),
        (
            with(|v| v.remarks = Some("a\u{7}b".into())),
            "remarks",
            "control character",
        ),
        (at(), "vitals", "at least one measurement"),
    ];
    for (vitals, field, says) in cases {
        let error = refused(&vitals);
        assert_eq!(error.field, field, "{}", error.en);
        assert!(error.en.contains(says), "{field}: {}", error.en);
        assert!(!error.ja.is_empty());
    }
    let multiline = with(|v| v.remarks = Some("1行目\n2行目".into()));
    assert!(multiline.validate().is_ok(), "line breaks are fine in remarks");
}

#[test]
fn jcs_must_be_a_scale_score_and_ten_or_more_is_flagged() {
    for bad in [0, 4, 15, 301] {
        let error = refused(&Vitals {
            consciousness: Some(Consciousness::Jcs(bad)),
            ..at()
        });
        assert_eq!(error.field, "consciousness.jcs");
        assert!(error.en.contains("\"alert\""), "{}", error.en);
    }
    let flags = |c| {
        Vitals {
            consciousness: Some(c),
            ..at()
        }
        .validate()
        .unwrap()
        .unusual
        .len()
    };
    assert_eq!(flags(Consciousness::Alert), 0);
    assert_eq!(flags(Consciousness::Jcs(3)), 0);
    assert_eq!(flags(Consciousness::Jcs(10)), 1);
    assert_eq!(flags(Consciousness::Jcs(300)), 1);
}

#[test]
fn unusual_readings_are_flagged_in_measurement_order() {
    let vitals = Vitals {
        spo2_percent: Some(88),
        pulse_per_min: Some(130),
        blood_glucose_mg_dl: Some(60),
        pain_0_10: Some(8),
        respiratory_rate_per_min: Some(20),
        ..at()
    };
    let flagged: Vec<Measurement> = vitals
        .validate()
        .unwrap()
        .unusual
        .iter()
        .map(|f| f.measurement)
        .collect();
    assert_eq!(
        flagged,
        [
            Measurement::Pulse,
            Measurement::Spo2,
            Measurement::BloodGlucose,
            Measurement::Pain
        ]
    );
}

#[test]
fn a_measurement_time_in_seconds_is_refused_with_a_hint() {
    let error = refused(&Vitals {
        pulse_per_min: Some(70),
        ..Vitals::at(Timestamp(1_795_633_800))
    });
    assert_eq!(error.field, "measured_at");
    assert!(error.en.contains("milliseconds"), "{}", error.en);
}

#[test]
fn measurements_list_every_reading_with_export_codes() {
    let vitals = full_vitals();
    let listed = vitals.measurements();
    let kinds: Vec<Measurement> = listed.iter().map(|(m, _)| *m).collect();
    assert_eq!(kinds, Measurement::ALL);
    let quantity = |wanted: Measurement| {
        listed.iter().find_map(|(m, r)| match r {
            Reading::Quantity(v) if *m == wanted => Some(*v),
            _ => None,
        })
    };
    assert_eq!(quantity(Measurement::Temperature), Some(36.8));
    assert_eq!(quantity(Measurement::Systolic), Some(128.0));
    assert_eq!(quantity(Measurement::Diastolic), Some(82.0));
    assert_eq!(
        quantity(Measurement::MealIntake),
        Some(70.0),
        "7 tenths as percent"
    );
    assert!(listed.contains(&(
        Measurement::Consciousness,
        Reading::Consciousness(Consciousness::Alert)
    )));
    let coded = listed.iter().filter(|(m, _)| m.loinc().is_some()).count();
    assert_eq!(coded, 9);
}

// ---- JSON: units by field name, types, shapes ----

#[test]
fn a_wrong_unit_field_name_or_a_wrong_type_is_refused() {
    let parse = |vitals: &str| {
        let json = format!(
            r#"{{"version":1,"content_type":"vitals","body":"","vitals":{{"measured_at":1795633800000,{vitals}}}}}"#
        );
        PostEnvelope::from_json(json.as_bytes(), post(1))
    };
    assert!(parse(r#""temperature_c":36.8"#).is_ok());
    for bad in [
        r#""temperature_f":98.6"#,
        r#""temperature_c":"36.8""#,
        r#""pulse_per_min":72.5"#,
        r#""pulse_per_min":-5"#,
        r#""spo2_percent":300"#,
        r#""blood_pressure":{"systolic":120,"diastolic":80}"#,
        r#""meal_intake":{"quarters":3}"#,
        r#""meal_intake":7"#,
        r#""consciousness":"asleep""#,
        r#""consciousness":{"gcs":15}"#,
    ] {
        assert!(
            matches!(parse(bad), Err(EnvelopeError::Malformed(_))),
            "{bad} was accepted"
        );
    }
    // An impossible value parses but is refused, with the vitals message intact.
    match parse(r#""temperature_c":98.6"#) {
        Err(EnvelopeError::Vitals(error)) => {
            assert_eq!(error.field, "temperature_c");
            let shown = EnvelopeError::Vitals(error).to_string();
            assert!(
                shown.contains("temperature") || shown.contains("Temperature"),
                "{shown}"
            );
            assert!(shown.contains("°F"), "{shown}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn payload_json_looks_as_documented() {
    let json = |envelope: &PostEnvelope| String::from_utf8(envelope.to_json().unwrap()).unwrap();
    let vitals = PostEnvelope::vitals(
        Vitals {
            meal_intake: Some(MealIntake::Tenths(7)),
            consciousness: Some(Consciousness::Jcs(10)),
            ..at()
        },
        "",
    );
    let text = json(&vitals);
    assert!(text.contains(r#""meal_intake":{"tenths":7}"#), "{text}");
    assert!(text.contains(r#""consciousness":{"jcs":10}"#), "{text}");
    assert!(text.contains(r#""urgency":"normal""#), "{text}");
    assert!(
        !text.contains("temperature_c"),
        "absent readings are left out: {text}"
    );

    let handover = PostEnvelope::handover(Handover::to(HandoverTarget::Role { role: OrgRole::Nurse }), "");
    assert!(json(&handover).contains(r#""to":{"kind":"role","role":"nurse"}"#));
    assert!(
        json(&PostEnvelope::new(ContentType::Note, "x").with_urgency(Urgency::Soon))
            .contains(r#""urgency":"soon""#)
    );
    let thresholds = json(&PostEnvelope::thresholds(thresholds(), ""));
    assert!(
        thresholds.contains(r#""spo2_percent":{"min":92}"#),
        "{thresholds}"
    );

    // Older writers without urgency read as normal.
    let old = br#"{"version":1,"content_type":"note","body":"x"}"#;
    assert_eq!(
        PostEnvelope::from_json(old, post(1)).unwrap().urgency,
        Urgency::Normal
    );
}

#[test]
fn every_content_type_survives_a_json_round_trip() {
    let user = UserId::from_uuid(Uuid::from_u128(5));
    let envelopes = [
        PostEnvelope::new(ContentType::Note, "訪問完了").with_urgency(Urgency::Urgent),
        PostEnvelope::handover(
            Handover::to(HandoverTarget::Person { user })
                .item("夕方の血糖測定 / evening glucose")
                .item("軟膏塗布"),
            "申し送り",
        ),
        PostEnvelope::handover(Handover::to(HandoverTarget::NextVisitor), "次の方へ"),
        PostEnvelope::taken_over(post(40), "引き継ぎました"),
        PostEnvelope::vitals(full_vitals(), "").amending(post(41)),
        PostEnvelope::photo(photo_content(), "傷の様子"),
        PostEnvelope::thresholds(thresholds(), "Dr. Sato"),
        PostEnvelope::thresholds(Thresholds::default(), "cleared"),
    ];
    for envelope in &envelopes {
        assert_eq!(&round_trip(envelope), envelope, "{:?}", envelope.content_type);
    }
}

// ---- envelope: exactly the payload the type needs ----

#[test]
fn the_payload_must_match_the_content_type() {
    let message = |envelope: &PostEnvelope| match envelope.validate(post(1)) {
        Err(EnvelopeError::Malformed(message)) => message,
        other => panic!("{other:?}"),
    };
    for content_type in [
        ContentType::Handover,
        ContentType::HandoverTaken,
        ContentType::Vitals,
        ContentType::Photo,
        ContentType::Thresholds,
        ContentType::SafetyAnswer,
    ] {
        let missing = message(&PostEnvelope::new(content_type, "x"));
        assert!(missing.contains("needs the field"), "{missing}");
    }
    assert_eq!(
        message(&PostEnvelope::new(ContentType::Vitals, "x")),
        "a vitals post needs the field `vitals`"
    );
    let mut note_with_vitals = PostEnvelope::new(ContentType::Note, "x");
    note_with_vitals.vitals = Some(Box::new(full_vitals()));
    assert_eq!(
        message(&note_with_vitals),
        "field `vitals` is not allowed in a note post"
    );
    let mut two = PostEnvelope::vitals(full_vitals(), "");
    two.thresholds = Some(Box::new(thresholds()));
    assert!(message(&two).contains("`thresholds`"));
    assert!(message(&PostEnvelope::taken_over(post(1), "")).contains("itself"));
}

#[test]
fn handover_limits_are_enforced() {
    let validate = |handover: Handover| PostEnvelope::handover(handover, "x").validate(post(1));
    let mut many = Handover::to(HandoverTarget::NextVisitor);
    for i in 0..handover::MAX_CHECKLIST_ITEMS {
        many = many.item(format!("item {i}"));
    }
    assert_eq!(validate(many.clone()), Ok(()));
    assert!(matches!(
        validate(many.item("one too many")),
        Err(EnvelopeError::TooLarge {
            field: "handover.items",
            ..
        })
    ));
    let long = Handover::to(HandoverTarget::NextVisitor).item("あ".repeat(167));
    assert!(matches!(
        validate(long),
        Err(EnvelopeError::TooLarge {
            field: "handover.items.text",
            ..
        })
    ));
    for bad in ["", "   ", "line one\nline two"] {
        match validate(Handover::to(HandoverTarget::NextVisitor).item(bad)) {
            Err(EnvelopeError::Malformed(message)) => {
                assert!(message.starts_with("handover.items[0].text"), "{message}")
            }
            other => panic!("{bad:?}: {other:?}"),
        }
    }
}

#[test]
fn photo_checks_name_the_field() {
    let refused = |change: &dyn Fn(&mut PhotoContent)| {
        let mut photo = photo_content();
        change(&mut photo);
        match PostEnvelope::photo(photo, "").validate(post(1)) {
            Err(EnvelopeError::Malformed(message)) => message,
            Err(EnvelopeError::TooLarge { field, .. }) => field.to_owned(),
            other => panic!("{other:?}"),
        }
    };
    assert_eq!(PostEnvelope::photo(photo_content(), "").validate(post(1)), Ok(()));
    assert!(refused(&|p| p.image.mime = "image/png".into()).starts_with("photo.image.mime"));
    assert!(refused(&|p| p.thumbnail.mime = "image/heic".into()).starts_with("photo.thumbnail"));
    assert!(refused(&|p| p.width = 0).starts_with("photo.width"));
    assert!(refused(&|p| p.height = 20_001).starts_with("photo.height"));
    assert!(refused(&|p| p.thumb_width = 5000).contains("larger than the image"));
    assert_eq!(
        refused(&|p| p.body_site = Some("x".repeat(101))),
        "photo.body_site"
    );
    assert!(refused(&|p| p.body_site = Some(String::new())).starts_with("photo.body_site"));
    assert!(refused(&|p| p.same_wound_as = Some(post(1))).starts_with("photo.same_wound_as"));
}

#[test]
fn the_largest_possible_handover_still_fits_the_envelope_limit() {
    // Worst cases for JSON escaping: control characters in the body (6 bytes each)
    // and quotes in single-line checklist items (2 bytes each).
    let mut handover = Handover::to(HandoverTarget::NextVisitor);
    for _ in 0..handover::MAX_CHECKLIST_ITEMS {
        handover = handover.item("\"".repeat(handover::MAX_CHECKLIST_ITEM_BYTES));
    }
    let mut envelope = PostEnvelope::handover(handover, "\u{1}".repeat(MAX_BODY_BYTES));
    envelope.attachments = vec![jpeg(9); MAX_ATTACHMENTS];
    envelope.mentions = vec![UserId::from_uuid(Uuid::from_u128(u128::MAX)); MAX_MENTIONS];
    envelope.reply_to = Some(post(2));
    envelope.amendment_of = Some(post(3));
    assert_eq!(envelope.validate(post(1)), Ok(()));
    let size = envelope.to_json().unwrap().len();
    assert!(size <= MAX_ENVELOPE_BYTES, "{size}");
}

// ---- thresholds ----

#[test]
fn readings_outside_the_thresholds_are_flagged_and_make_the_post_urgent() {
    let vitals = Vitals {
        temperature_c: Some(37.6),
        spo2_percent: Some(92),
        blood_pressure: Some(BloodPressure {
            systolic_mmhg: 95,
            diastolic_mmhg: 60,
        }),
        ..at()
    };
    let out: Vec<(Measurement, String)> = thresholds()
        .check(&vitals)
        .into_iter()
        .map(|f| (f.measurement, f.en))
        .collect();
    assert_eq!(
        out,
        [
            (
                Measurement::Temperature,
                "Temperature 37.6 °C is above this client's threshold (37.5 °C).".to_owned()
            ),
            (
                Measurement::Systolic,
                "Systolic blood pressure 95 mmHg is below this client's threshold (100 mmHg).".to_owned()
            ),
        ],
        "SpO2 92 equals the minimum and does not alert"
    );

    let alert = vitals.alert(Some(&thresholds()));
    assert!(alert.shown_as_urgent);
    assert_eq!(alert.out_of_range.len(), 2);
    assert!(
        alert.unusual.is_empty(),
        "37.6 °C and 95 mmHg are not unusual for anyone"
    );

    // Unusual for anyone, but no thresholds set: flagged, not urgent.
    let feverish = Vitals {
        temperature_c: Some(38.4),
        ..at()
    };
    let alert = feverish.alert(None);
    assert_eq!((alert.unusual.len(), alert.shown_as_urgent), (1, false));
}

#[test]
fn thresholds_must_be_possible_and_ordered() {
    assert_eq!(thresholds().validate(), Ok(()));
    assert_eq!(Thresholds::default().validate(), Ok(()), "clearing is allowed");
    let cases = [
        (
            Thresholds {
                pulse_per_min: Some(Range::between(120, 50)),
                ..Thresholds::default()
            },
            "thresholds.pulse_per_min",
            "above its maximum",
        ),
        (
            Thresholds {
                temperature_c: Some(Range::at_most(99.5)),
                ..Thresholds::default()
            },
            "thresholds.temperature_c",
            "°F",
        ),
        (
            Thresholds {
                weight_kg: Some(Range { min: None, max: None }),
                ..Thresholds::default()
            },
            "thresholds.weight_kg",
            "neither",
        ),
        (
            Thresholds {
                spo2_percent: Some(Range::at_least(120)),
                ..Thresholds::default()
            },
            "thresholds.spo2_percent",
            "cannot exceed 100",
        ),
    ];
    for (thresholds, field, says) in cases {
        let error = thresholds.validate().unwrap_err();
        assert_eq!(error.field, field);
        assert!(error.en.contains(says), "{}", error.en);
        assert!(matches!(
            PostEnvelope::thresholds(thresholds, "").validate(post(1)),
            Err(EnvelopeError::Thresholds(_))
        ));
    }
}

// ---- Debug hides patient values ----

#[test]
fn debug_output_shows_no_patient_values() {
    let vitals = Vitals {
        temperature_c: Some(39.7),
        weight_kg: Some(43.25),
        ..full_vitals()
    };
    let handover = Handover::to(HandoverTarget::NextVisitor).item("褥瘡の処置 wound care");
    let flag = vitals.alert(Some(&thresholds()));
    let error = refused(&Vitals {
        temperature_c: Some(98.6),
        ..at()
    });
    let printed = [
        format!("{vitals:?}"),
        format!("{:?}", PostEnvelope::vitals(vitals.clone(), "")),
        format!("{:?}", vitals.measurements()),
        format!("{flag:?}"),
        format!("{error:?}"),
        format!("{:?}", EnvelopeError::Vitals(error.clone())),
        format!("{:?}", PostEnvelope::handover(handover, "")),
        format!("{:?}", PostEnvelope::photo(photo_content(), "")),
        format!("{:?}", thresholds()),
    ];
    for text in printed {
        for secret in [
            "39.7",
            "43.25",
            "128",
            "82",
            "72",
            "97",
            "110",
            "1200",
            "普通便",
            "入浴後",
            "褥瘡",
            "wound care",
            "仙骨",
            "37.5",
            "92",
            "98.6",
            "Tenths",
            "171",
        ] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
    }
    // What is useful for debugging stays.
    let shown = format!("{vitals:?}");
    assert!(
        shown.contains("Temperature") && shown.contains("Weight"),
        "{shown}"
    );
}
