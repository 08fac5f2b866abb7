use kizuna_proto::{BlobId, BroadcastId, DeviceId, OrganisationId, Severity, Timestamp, UserId};
use uuid::Uuid;

use super::*;
use crate::envelope::AttachmentRef;
use crate::signing::DeviceSigningKey;
use crate::testing::TestRandom;

const T0: Timestamp = Timestamp(1_795_633_800_000);
const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;

fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

/// An officer device: its private key and its roster entry.
fn officer(seed: u64) -> (DeviceSigningKey, Officer) {
    let key = DeviceSigningKey::generate(&mut TestRandom::new(seed));
    let officer = Officer {
        user: UserId::from_uuid(id(u128::from(seed) << 8)),
        device: DeviceId::from_uuid(id((u128::from(seed) << 8) + 1)),
        key: key.verifying_key(),
    };
    (key, officer)
}

fn association() -> OrganisationId {
    OrganisationId::from_uuid(id(0xa550c))
}

fn notice(by: Officer) -> Broadcast {
    Broadcast {
        id: BroadcastId::from_uuid(id(0xb0)),
        organisation: association(),
        signed_by: by,
        severity: Severity::Emergency,
        title: "避難指示：○○川 氾濫の恐れ".into(),
        area: "○○市 △△地区（川沿い）".into(),
        body: "△△小学校へ避難してください。\n要支援の方は各事業所から連絡を。".into(),
        issued_at: T0,
        expires_at: Timestamp(T0.millis() + 12 * HOUR),
        attachment: None,
        safety_check: true,
        include_families: true,
    }
}

fn map() -> AttachmentRef {
    AttachmentRef {
        blob: BlobId::from_uuid(id(0x3a9)),
        key: [0x5e; 32],
        sha256: [0x11; 32],
        mime: "image/jpeg".into(),
        size: 180_000,
    }
}

/// What a signature over `payload` under `label` by `key` is: to build notices the
/// public `sign` would refuse to make.
fn raw_signature(label: &[u8], payload: &[u8], key: &DeviceSigningKey) -> Vec<u8> {
    key.sign(&[label, payload].concat()).to_vec()
}

fn resigned(payload: Vec<u8>, key: &DeviceSigningKey) -> SignedBroadcast {
    SignedBroadcast {
        signature: raw_signature(BROADCAST_LABEL, &payload, key),
        payload,
        signer_key: key.verifying_key().to_bytes().to_vec(),
    }
}

#[test]
fn a_signed_broadcast_survives_the_wire_and_opens_to_exactly_what_was_sent() {
    let (key, by) = officer(1);
    let mut sent = notice(by);
    sent.attachment = Some(map());
    let signed = sign(&sent, &key).unwrap();

    let json = serde_json::to_string(&signed).unwrap();
    let wire: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(wire["payload"].is_string() && wire["signature"].is_string());
    assert_eq!(wire["signer_key"], b64::encode(&key.verifying_key().to_bytes()));

    let received: SignedBroadcast = serde_json::from_str(&json).unwrap();
    let (opened, signer) = open(&received).unwrap();
    assert_eq!(opened, sent);
    assert_eq!(signer, key.verifying_key());
    assert_eq!(opened.severity.label_ja(), "緊急");
}

#[test]
fn one_changed_byte_anywhere_in_the_payload_is_refused_as_altered() {
    let (key, by) = officer(2);
    let signed = sign(&notice(by), &key).unwrap();
    for position in 0..signed.payload.len() {
        let mut altered = signed.clone();
        altered.payload[position] ^= 0x01;
        assert_eq!(
            open(&altered),
            Err(BroadcastError::BadSignature),
            "byte {position}"
        );
    }
    // The server's most tempting edits, done properly as JSON: still refused.
    let text = String::from_utf8(signed.payload.clone()).unwrap();
    for (from, to) in [("emergency", "info"), ("△△小学校", "□□中学校")] {
        let mut edited = signed.clone();
        edited.payload = text.replace(from, to).into_bytes();
        assert_eq!(open(&edited), Err(BroadcastError::BadSignature));
        // Shown, if at all, as what it claims, never as verified.
        assert!(edited.claimed().is_some());
    }
}

#[test]
fn missing_truncated_or_foreign_signatures_are_refused() {
    let (key, by) = officer(3);
    let signed = sign(&notice(by), &key).unwrap();

    let mut unsigned = signed.clone();
    unsigned.signature.clear();
    assert_eq!(open(&unsigned), Err(BroadcastError::BadSignature));
    let mut truncated = signed.clone();
    truncated.signature.pop();
    assert_eq!(open(&truncated), Err(BroadcastError::BadSignature));

    // Another key swapped in as the signer: the signature is not that key's.
    let (other, _) = officer(4);
    let mut swapped = signed.clone();
    swapped.signer_key = other.verifying_key().to_bytes().to_vec();
    assert_eq!(open(&swapped), Err(BroadcastError::BadSignature));

    // A signer key that is not a key at all.
    let mut garbage = signed;
    garbage.signer_key = vec![0xff; 31];
    assert!(matches!(open(&garbage), Err(BroadcastError::Malformed(_))));
}

#[test]
fn a_notice_signed_in_another_officers_name_is_refused() {
    let (key_a, _) = officer(5);
    let (_, officer_b) = officer(6);
    // Officer A's client will not sign a notice naming B.
    assert_eq!(
        sign(&notice(officer_b), &key_a).unwrap_err(),
        BroadcastError::SignerMismatch
    );
    // Made by hand and signed by A: the signature verifies, the claim does not.
    let forged = resigned(serde_json::to_vec(&notice(officer_b)).unwrap(), &key_a);
    assert_eq!(open(&forged), Err(BroadcastError::SignerMismatch));
}

#[test]
fn a_roster_signature_cannot_be_passed_off_as_a_broadcast() {
    let (key, by) = officer(7);
    let payload = serde_json::to_vec(&notice(by)).unwrap();
    let mut signed = resigned(payload.clone(), &key);
    signed.signature = raw_signature(ROSTER_LABEL, &payload, &key);
    assert_eq!(open(&signed), Err(BroadcastError::BadSignature));
}

#[test]
fn only_the_canonical_encoding_opens_even_when_the_officer_signed_it() {
    let (key, by) = officer(8);
    let canonical = serde_json::to_vec(&notice(by)).unwrap();
    assert!(open(&resigned(canonical.clone(), &key)).is_ok());

    let text = String::from_utf8(canonical.clone()).unwrap();
    let mut trailing = canonical.clone();
    trailing.push(b' ');
    let variants = [
        trailing,
        serde_json::to_vec_pretty(&notice(by)).unwrap(),
        text.replacen('{', "{\"cancels\":null,", 1).into_bytes(),
        text.replacen('{', "{\"severity\":\"info\",", 1).into_bytes(),
        text.replace("\"title\"", "\"\\u0074itle\"").into_bytes(),
        b"[]".to_vec(),
    ];
    for payload in variants {
        let shown = String::from_utf8_lossy(&payload).into_owned();
        let result = open(&resigned(payload, &key));
        assert!(
            matches!(result, Err(BroadcastError::Malformed(_))),
            "{shown}: {result:?}"
        );
    }
}

#[test]
fn the_content_rules_are_kept_when_signing_and_when_opening() {
    let (key, by) = officer(9);
    let at_limits = Broadcast {
        title: "緊".repeat(MAX_TITLE_CHARS),
        area: "区".repeat(MAX_AREA_CHARS),
        body: "本".repeat(MAX_BODY_CHARS),
        expires_at: Timestamp(T0.millis() + i64::from(MAX_VALIDITY_DAYS) * DAY),
        attachment: Some(map()),
        ..notice(by)
    };
    assert!(open(&sign(&at_limits, &key).unwrap()).is_ok());

    let too_long = |field: &'static str, limit| BroadcastError::TooLong {
        field,
        actual: limit + 1,
        limit,
    };
    let base = || notice(by);
    let cases = [
        (
            Broadcast {
                title: "緊".repeat(MAX_TITLE_CHARS + 1),
                ..base()
            },
            too_long("title", MAX_TITLE_CHARS),
        ),
        (
            Broadcast {
                area: "区".repeat(MAX_AREA_CHARS + 1),
                ..base()
            },
            too_long("area", MAX_AREA_CHARS),
        ),
        (
            Broadcast {
                body: "本".repeat(MAX_BODY_CHARS + 1),
                ..base()
            },
            too_long("body", MAX_BODY_CHARS),
        ),
        (
            Broadcast {
                title: " 　".into(),
                ..base()
            },
            BroadcastError::Empty { field: "title" },
        ),
        (
            Broadcast {
                area: String::new(),
                ..base()
            },
            BroadcastError::Empty { field: "area" },
        ),
        (
            Broadcast {
                title: "避難指示\n（訂正：解除）".into(),
                ..base()
            },
            BroadcastError::ControlCharacter { field: "title" },
        ),
        (
            Broadcast {
                expires_at: T0,
                ..base()
            },
            BroadcastError::ExpiryNotAfterIssue,
        ),
        (
            Broadcast {
                expires_at: Timestamp(T0.millis() + i64::from(MAX_VALIDITY_DAYS) * DAY + 1),
                ..base()
            },
            BroadcastError::ExpiryTooFar {
                days: MAX_VALIDITY_DAYS,
            },
        ),
        (
            Broadcast {
                issued_at: Timestamp(i64::MIN),
                expires_at: Timestamp(i64::MAX),
                ..base()
            },
            BroadcastError::ExpiryTooFar {
                days: MAX_VALIDITY_DAYS,
            },
        ),
        (
            Broadcast {
                attachment: Some(AttachmentRef {
                    mime: "application/pdf".into(),
                    ..map()
                }),
                ..base()
            },
            BroadcastError::AttachmentNotImage {
                mime: "application/pdf".into(),
            },
        ),
    ];
    for (content, expected) in cases {
        assert_eq!(sign(&content, &key).unwrap_err(), expected);
        // Signed anyway by a faulty client: the reader refuses it the same way.
        let signed = resigned(serde_json::to_vec(&content).unwrap(), &key);
        assert_eq!(open(&signed).unwrap_err(), expected);
        assert!(!expected.to_string().is_empty() && !expected.message_ja().is_empty());
    }
    let error = sign(
        &Broadcast {
            expires_at: T0,
            ..base()
        },
        &key,
    )
    .unwrap_err();
    assert_eq!(error.field(), Some("expires_at"));
    assert!(error.message_ja().contains("有効期限"));
}

#[test]
fn an_oversized_payload_is_refused_before_its_signature_is_checked() {
    let (key, _) = officer(10);
    let signed = resigned(vec![b' '; MAX_BROADCAST_BYTES + 1], &key);
    assert_eq!(
        open(&signed),
        Err(BroadcastError::TooLarge {
            actual: MAX_BROADCAST_BYTES + 1,
            limit: MAX_BROADCAST_BYTES,
        })
    );
    assert!(signed.claimed().is_none());
}

#[test]
fn the_wire_form_is_strict() {
    let (key, by) = officer(11);
    let json = serde_json::to_string(&sign(&notice(by), &key).unwrap()).unwrap();
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    let payload = value["payload"].as_str().unwrap();

    let with_extra = json.replacen('{', "{\"verified\":true,", 1);
    assert!(serde_json::from_str::<SignedBroadcast>(&with_extra).is_err());
    // 64 bytes of signature end in "==": without it, the same bytes, refused.
    let signature = value["signature"].as_str().unwrap();
    assert!(signature.ends_with("=="));
    let unpadded = json.replace(signature, signature.trim_end_matches('='));
    assert!(serde_json::from_str::<SignedBroadcast>(&unpadded).is_err());
    let spaced = json.replace(payload, &format!("{} {}", &payload[..4], &payload[4..]));
    assert!(serde_json::from_str::<SignedBroadcast>(&spaced).is_err());
}

#[test]
fn debug_output_shows_no_secret() {
    let (key, by) = officer(12);
    let mut content = notice(by);
    content.attachment = Some(map());
    let signed = sign(&content, &key).unwrap();

    let seed_hex: String = key.to_bytes().iter().map(|b| format!("{b:02x}")).collect();
    let printed = format!("{key:?} {content:?} {signed:?}");
    assert!(printed.contains("DeviceSigningKey(***)"));
    assert!(!printed.contains(&seed_hex));
    // The attachment's key is not secret from the server, but still never logged.
    assert!(!printed.contains("94, 94, 94"), "{printed}");
    // Public keys are fine to print, and help tell officers apart.
    let public_hex: String = by.key.to_bytes().iter().map(|b| format!("{b:02x}")).collect();
    assert!(format!("{signed:?}").contains(&public_hex));
}

/// Version 1 of the association's roster, signed by its first officer.
fn genesis(officers: &[Officer]) -> RosterChange {
    RosterChange {
        organisation: association(),
        version: 1,
        previous: None,
        issued_at: T0,
        signed_by: officers[0],
        officers: officers.to_vec(),
    }
}

#[test]
fn roster_changes_open_to_what_was_signed_and_link_by_hash() {
    let (key_a, a) = officer(20);
    let (_, b) = officer(21);
    let v1 = sign_roster_change(&genesis(&[a, b]), &key_a).unwrap();
    let (opened, hash) = open_roster_change(&v1).unwrap();
    assert_eq!(opened, genesis(&[a, b]));
    assert_eq!(hash, v1.hash());

    let v2 = RosterChange {
        version: 2,
        previous: Some(hash),
        officers: vec![a],
        ..genesis(&[a, b])
    };
    let signed_v2 = sign_roster_change(&v2, &key_a).unwrap();
    let (opened_v2, hash_v2) = open_roster_change(&signed_v2).unwrap();
    assert_eq!(opened_v2.previous, Some(v1.hash()));
    assert_ne!(hash_v2, hash);

    // The fingerprint people compare: eight groups of four hex digits.
    let fingerprint = hash.fingerprint();
    assert_eq!(fingerprint.split(' ').count(), 8);
    assert!(fingerprint.split(' ').all(|g| g.len() == 4));
    assert_eq!(format!("{hash:?}"), format!("RosterHash({fingerprint})"));

    // JSON round trip of the wire form.
    let json = serde_json::to_string(&signed_v2).unwrap();
    assert_eq!(
        serde_json::from_str::<SignedRosterChange>(&json).unwrap(),
        signed_v2
    );
}

#[test]
fn a_first_roster_must_be_signed_by_one_of_its_own_officers() {
    let (key_a, a) = officer(22);
    let (_, b) = officer(23);
    let (key_outsider, outsider) = officer(24);
    let by_outsider = RosterChange {
        signed_by: outsider,
        ..genesis(&[a, b])
    };
    assert_eq!(
        sign_roster_change(&by_outsider, &key_outsider).unwrap_err(),
        BroadcastError::GenesisNotSelfSigned
    );
    let payload = serde_json::to_vec(&by_outsider).unwrap();
    let forged = SignedRosterChange {
        signature: raw_signature(ROSTER_LABEL, &payload, &key_outsider),
        payload,
        signer_key: key_outsider.verifying_key().to_bytes().to_vec(),
    };
    assert_eq!(
        open_roster_change(&forged),
        Err(BroadcastError::GenesisNotSelfSigned)
    );

    // Signed by A but naming B as signer.
    let naming_b = RosterChange {
        signed_by: b,
        ..genesis(&[a, b])
    };
    assert_eq!(
        sign_roster_change(&naming_b, &key_a).unwrap_err(),
        BroadcastError::SignerMismatch
    );
}

#[test]
fn a_broadcast_signature_cannot_be_passed_off_as_a_roster_change() {
    let (key_a, a) = officer(25);
    let payload = serde_json::to_vec(&genesis(&[a])).unwrap();
    let signed = SignedRosterChange {
        signature: raw_signature(BROADCAST_LABEL, &payload, &key_a),
        payload,
        signer_key: key_a.verifying_key().to_bytes().to_vec(),
    };
    assert_eq!(open_roster_change(&signed), Err(BroadcastError::BadSignature));
    let mut altered = sign_roster_change(&genesis(&[a]), &key_a).unwrap();
    let last = altered.payload.len() - 2;
    altered.payload[last] ^= 1;
    assert_eq!(open_roster_change(&altered), Err(BroadcastError::BadSignature));
}

#[test]
fn a_roster_must_be_well_formed() {
    let (key_a, a) = officer(26);
    let (_, b) = officer(27);
    let mut same_device = b;
    same_device.device = a.device;
    let mut same_key = b;
    same_key.key = a.key;
    let previous = Some(RosterHash([7; 32]));
    let cases = [
        (
            RosterChange {
                officers: vec![],
                ..genesis(&[a])
            },
            BroadcastError::NoOfficers,
        ),
        (
            genesis(&[a, same_device]),
            BroadcastError::DuplicateOfficer { device: a.device },
        ),
        (
            genesis(&[a, same_key]),
            BroadcastError::DuplicateOfficer { device: b.device },
        ),
        (
            RosterChange {
                version: 0,
                ..genesis(&[a])
            },
            BroadcastError::BadLink { version: 0 },
        ),
        (
            RosterChange {
                previous,
                ..genesis(&[a])
            },
            BroadcastError::BadLink { version: 1 },
        ),
        (
            RosterChange {
                version: 2,
                ..genesis(&[a])
            },
            BroadcastError::BadLink { version: 2 },
        ),
    ];
    for (change, expected) in cases {
        assert_eq!(sign_roster_change(&change, &key_a).unwrap_err(), expected);
        assert!(expected.code().starts_with("roster_"), "{}", expected.code());
    }
    let many: Vec<Officer> = (0..=MAX_OFFICERS as u64).map(|n| officer(1000 + n).1).collect();
    let (key_first, _) = officer(1000);
    assert_eq!(
        sign_roster_change(&genesis(&many), &key_first).unwrap_err(),
        BroadcastError::TooManyOfficers { limit: MAX_OFFICERS }
    );
}
