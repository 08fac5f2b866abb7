//! The pinned officer rosters and the verdicts on broadcasts, as a client meets them.

use kizuna_crypto::broadcast::{
    sign, sign_roster_change, Broadcast, BroadcastError, Officer, RosterChange, SignedBroadcast,
    SignedRosterChange,
};
use kizuna_crypto::proto::{BroadcastId, DeviceId, OrganisationId, Severity, Timestamp, UserId};
use kizuna_crypto::testing::TestRandom;
use kizuna_crypto::DeviceSigningKey;
use uuid::Uuid;

use crate::broadcast::{RosterBook, RosterError, RosterUpdate, Unverified, Verdict};
use crate::error::EngineError;

const T0: Timestamp = Timestamp(1_795_633_800_000);
const HOUR: i64 = 3_600_000;

/// An officer device: its private key and its roster entry.
struct Device {
    key: DeviceSigningKey,
    officer: Officer,
}

fn device(seed: u64) -> Device {
    let key = DeviceSigningKey::generate(&mut TestRandom::new(seed));
    let officer = Officer {
        user: UserId::from_uuid(Uuid::from_u128(u128::from(seed) << 8)),
        device: DeviceId::from_uuid(Uuid::from_u128((u128::from(seed) << 8) + 1)),
        key: key.verifying_key(),
    };
    Device { key, officer }
}

fn association() -> OrganisationId {
    OrganisationId::from_uuid(Uuid::from_u128(0xa550c))
}

fn city() -> OrganisationId {
    OrganisationId::from_uuid(Uuid::from_u128(0xc17))
}

fn notice(organisation: OrganisationId, by: Officer) -> Broadcast {
    Broadcast {
        id: BroadcastId::from_uuid(Uuid::from_u128(0xb0)),
        organisation,
        signed_by: by,
        severity: Severity::Emergency,
        title: "避難指示：○○川 氾濫の恐れ".into(),
        area: "○○市 △△地区".into(),
        body: "△△小学校へ避難してください。".into(),
        issued_at: T0,
        expires_at: Timestamp(T0.millis() + 12 * HOUR),
        attachment: None,
        safety_check: true,
        include_families: false,
    }
}

fn signed_notice(organisation: OrganisationId, by: &Device) -> SignedBroadcast {
    sign(&notice(organisation, by.officer), &by.key).unwrap()
}

/// A roster change of `organisation`, signed by `by`.
fn change(
    organisation: OrganisationId,
    version: u64,
    previous: Option<&SignedRosterChange>,
    by: &Device,
    officers: &[&Device],
) -> SignedRosterChange {
    let change = RosterChange {
        organisation,
        version,
        previous: previous.map(SignedRosterChange::hash),
        issued_at: T0,
        signed_by: by.officer,
        officers: officers.iter().map(|d| d.officer).collect(),
    };
    sign_roster_change(&change, &by.key).unwrap()
}

/// A book that pinned the association's roster of officers A and B.
fn pinned(a: &Device, b: &Device) -> (RosterBook, SignedRosterChange) {
    let v1 = change(association(), 1, None, a, &[a, b]);
    let mut book = RosterBook::new();
    book.accept(&v1).unwrap();
    (book, v1)
}

fn reason(verdict: &Verdict) -> Option<&Unverified> {
    match verdict {
        Verdict::Unverified { reason, .. } => Some(reason),
        _ => None,
    }
}

#[test]
fn a_notice_from_an_officer_on_the_pinned_roster_is_official() {
    let (a, b) = (device(1), device(2));
    let (book, _) = pinned(&a, &b);
    let verdict = book.verify(&signed_notice(association(), &b), T0);
    assert_eq!(
        verdict,
        Verdict::Official {
            broadcast: notice(association(), b.officer),
            officer: b.officer,
        }
    );
    assert!(verdict.is_official());
    assert_eq!(verdict.warning(), None);
    // As the shells receive it: JSON from the server.
    let json = serde_json::to_string(&signed_notice(association(), &a)).unwrap();
    assert!(book.verify_json(&json, T0).is_official());
}

#[test]
fn a_notice_changed_by_one_byte_is_unverified_as_altered() {
    let (a, b) = (device(3), device(4));
    let (book, _) = pinned(&a, &b);
    let mut altered = signed_notice(association(), &a);
    let text = String::from_utf8(altered.payload.clone()).unwrap();
    // The server points people to another shelter.
    altered.payload = text.replace("△△小学校", "□□小学校").into_bytes();
    let verdict = book.verify(&altered, T0);
    assert_eq!(reason(&verdict), Some(&Unverified::Altered));
    assert!(!verdict.is_official());
    // What it claims can still be shown, marked as unverified.
    assert!(verdict.broadcast().unwrap().body.contains("□□小学校"));
    let warning = verdict.warning().unwrap();
    assert_eq!(warning.code, "broadcast_altered");
    assert!(warning.ja.contains("改ざん") || warning.ja.contains("変更"));

    let mut flipped = signed_notice(association(), &a);
    flipped.payload[10] ^= 1;
    assert_eq!(reason(&book.verify(&flipped, T0)), Some(&Unverified::Altered));
}

#[test]
fn a_notice_signed_by_a_key_not_on_the_roster_is_unverified() {
    let (a, b, outsider) = (device(5), device(6), device(7));
    let (book, _) = pinned(&a, &b);
    // Well signed, by a key of its own: what a server inventing a notice would do.
    let forged = signed_notice(association(), &outsider);
    let verdict = book.verify(&forged, T0);
    assert_eq!(reason(&verdict), Some(&Unverified::UnknownKey));
    assert_eq!(verdict.warning().unwrap().code, "broadcast_unknown_key");

    // An officer of the association is not an officer of the city.
    let mut book = book;
    book.accept(&change(city(), 1, None, &outsider, &[&outsider]))
        .unwrap();
    assert_eq!(
        reason(&book.verify(&signed_notice(city(), &a), T0)),
        Some(&Unverified::UnknownKey)
    );
    assert!(book.verify(&signed_notice(city(), &outsider), T0).is_official());
}

#[test]
fn a_notice_claiming_another_officer_is_refused() {
    let (a, b) = (device(8), device(9));
    let (book, _) = pinned(&a, &b);
    // Officer A signs with A's key but names B's account and device.
    let claims_b = Officer {
        key: a.officer.key,
        ..b.officer
    };
    let signed = sign(&notice(association(), claims_b), &a.key).unwrap();
    assert_eq!(
        reason(&book.verify(&signed, T0)),
        Some(&Unverified::SignerMismatch)
    );

    // A's signature presented with B's key: the signature is not B's.
    let mut swapped = signed_notice(association(), &a);
    swapped.signer_key = b.officer.key.to_bytes().to_vec();
    assert_eq!(reason(&book.verify(&swapped, T0)), Some(&Unverified::Altered));
}

#[test]
fn without_a_pinned_roster_nothing_is_official_until_the_roster_arrives() {
    let (a, b) = (device(10), device(11));
    let signed = signed_notice(association(), &a);
    let mut book = RosterBook::new();
    let verdict = book.verify(&signed, T0);
    assert_eq!(reason(&verdict), Some(&Unverified::NoRoster));
    assert_eq!(verdict.broadcast(), Some(&notice(association(), a.officer)));
    book.accept(&change(association(), 1, None, &a, &[&a, &b]))
        .unwrap();
    assert!(book.verify(&signed, T0).is_official());
}

#[test]
fn an_expired_notice_is_genuine_but_not_current() {
    let (a, b) = (device(12), device(13));
    let (book, _) = pinned(&a, &b);
    let signed = signed_notice(association(), &a);
    let expiry = notice(association(), a.officer).expires_at;
    assert!(book.verify(&signed, Timestamp(expiry.millis() - 1)).is_official());
    let verdict = book.verify(&signed, expiry);
    assert!(matches!(verdict, Verdict::Expired { officer, .. } if officer == a.officer));
    assert!(!verdict.is_official());
    let warning = verdict.warning().unwrap();
    assert_eq!(warning.code, "broadcast_expired");
    assert!(warning.en.contains(&expiry.to_rfc3339()) && warning.ja.contains("期限"));
}

#[test]
fn unreadable_or_unsigned_notices_are_unverified_with_the_reason() {
    let (a, b) = (device(14), device(15));
    let (book, _) = pinned(&a, &b);
    for json in [
        "",
        "{}",
        "{\"payload\":\"***\",\"signature\":\"\",\"signer_key\":\"\"}",
    ] {
        let verdict = book.verify_json(json, T0);
        assert!(
            matches!(reason(&verdict), Some(Unverified::Malformed(_))),
            "{json}"
        );
        assert_eq!(verdict.broadcast(), None);
        assert_eq!(verdict.warning().unwrap().code, "broadcast_malformed");
    }
    let mut unsigned = signed_notice(association(), &a);
    unsigned.signature.clear();
    assert_eq!(reason(&book.verify(&unsigned, T0)), Some(&Unverified::Altered));
}

#[test]
fn first_sight_pins_version_one_and_seeing_it_again_changes_nothing() {
    let (a, b) = (device(16), device(17));
    let v1 = change(association(), 1, None, &a, &[&a, &b]);
    let mut book = RosterBook::new();
    assert_eq!(
        book.accept(&v1),
        Ok(RosterUpdate::Pinned {
            organisation: association(),
            officers: vec![a.officer, b.officer],
            fingerprint: v1.hash().fingerprint(),
        })
    );
    assert_eq!(
        book.accept(&v1),
        Ok(RosterUpdate::Unchanged {
            organisation: association(),
            version: 1,
        })
    );
    let roster = book.roster(&association()).unwrap();
    assert_eq!((roster.version(), roster.hash()), (1, v1.hash()));

    // A second, different version 1 (the server's own roster) after pinning: refused.
    let intruder = device(18);
    let before = book.clone();
    let fake = change(association(), 1, None, &intruder, &[&intruder]);
    assert_eq!(book.accept(&fake), Err(RosterError::Conflict { version: 1 }));
    assert_eq!(book, before);
}

#[test]
fn the_first_roster_seen_must_be_version_one() {
    let (a, b) = (device(19), device(20));
    let v1 = change(association(), 1, None, &a, &[&a, &b]);
    let v2 = change(association(), 2, Some(&v1), &a, &[&a]);
    let mut book = RosterBook::new();
    assert_eq!(book.accept(&v2), Err(RosterError::NotFirstVersion { version: 2 }));
    assert_eq!(book, RosterBook::new());
}

#[test]
fn a_chain_is_accepted_in_order_and_reports_who_was_added_and_removed() {
    let (a, b, c) = (device(21), device(22), device(23));
    let (mut book, v1) = pinned(&a, &b);
    let v2 = change(association(), 2, Some(&v1), &a, &[&a, &b, &c]);
    assert_eq!(
        book.accept(&v2),
        Ok(RosterUpdate::Changed {
            organisation: association(),
            version: 2,
            signed_by: a.officer,
            added: vec![c.officer],
            removed: vec![],
        })
    );
    // The new officer may sign the next change, removing A.
    let v3 = change(association(), 3, Some(&v2), &c, &[&b, &c]);
    assert_eq!(
        book.accept(&v3),
        Ok(RosterUpdate::Changed {
            organisation: association(),
            version: 3,
            signed_by: c.officer,
            added: vec![],
            removed: vec![a.officer],
        })
    );
    assert_eq!(book.roster(&association()).unwrap().version(), 3);
    // A's notices no longer count; C's do.
    assert_eq!(
        reason(&book.verify(&signed_notice(association(), &a), T0)),
        Some(&Unverified::UnknownKey)
    );
    assert!(book.verify(&signed_notice(association(), &c), T0).is_official());
}

#[test]
fn a_skipped_version_or_a_rollback_is_refused_and_the_roster_stays() {
    let (a, b) = (device(24), device(25));
    let (mut book, v1) = pinned(&a, &b);
    let v2 = change(association(), 2, Some(&v1), &a, &[&a]);
    let v3 = change(association(), 3, Some(&v2), &a, &[&a, &b]);

    let before = book.clone();
    assert_eq!(
        book.accept(&v3),
        Err(RosterError::VersionSkip {
            pinned: 1,
            offered: 3
        })
    );
    assert_eq!(book, before);

    book.accept(&v2).unwrap();
    let at_v2 = book.clone();
    assert_eq!(
        book.accept(&v1),
        Err(RosterError::Rollback {
            pinned: 2,
            offered: 1
        })
    );
    assert_eq!(book, at_v2);
    // B, removed in v2, signs nothing official any more, even after the attempt.
    assert_eq!(
        reason(&book.verify(&signed_notice(association(), &b), T0)),
        Some(&Unverified::UnknownKey)
    );
}

#[test]
fn a_change_signed_by_a_removed_or_foreign_key_is_refused_and_the_roster_stays() {
    let (a, b, outsider) = (device(26), device(27), device(28));
    let (mut book, v1) = pinned(&a, &b);
    let v2 = change(association(), 2, Some(&v1), &a, &[&a]);
    book.accept(&v2).unwrap();
    let at_v2 = book.clone();

    // B was removed in v2 and tries to put itself back.
    let by_removed = change(association(), 3, Some(&v2), &b, &[&a, &b]);
    assert_eq!(
        book.accept(&by_removed),
        Err(RosterError::NotSignedByRoster {
            user: b.officer.user,
            device: b.officer.device,
        })
    );
    // An outsider (the server's own key) adds itself.
    let by_outsider = change(association(), 3, Some(&v2), &outsider, &[&a, &outsider]);
    assert_eq!(
        book.accept(&by_outsider),
        Err(RosterError::NotSignedByRoster {
            user: outsider.officer.user,
            device: outsider.officer.device,
        })
    );
    // Unsigned.
    let mut unsigned = change(association(), 3, Some(&v2), &a, &[&a, &outsider]);
    unsigned.signature.clear();
    assert_eq!(
        book.accept(&unsigned),
        Err(RosterError::Invalid(BroadcastError::BadSignature))
    );
    // Signed by A, then altered to add the outsider.
    let genuine = change(association(), 3, Some(&v2), &a, &[&a]);
    let mut altered = genuine.clone();
    let last = altered.payload.len() - 3;
    altered.payload[last] ^= 1;
    assert_eq!(
        book.accept(&altered),
        Err(RosterError::Invalid(BroadcastError::BadSignature))
    );
    assert_eq!(book, at_v2);
    assert!(book.accept(&genuine).is_ok());
}

#[test]
fn the_next_version_must_build_on_the_pinned_one() {
    let (a, b) = (device(29), device(30));
    let (mut book, v1) = pinned(&a, &b);
    // Signed by A, but built on a version 1 this client never pinned.
    let other_v1 = change(association(), 1, None, &a, &[&a]);
    let v2 = change(association(), 2, Some(&other_v1), &a, &[&a, &b]);
    let before = book.clone();
    assert_eq!(
        book.accept(&v2),
        Err(RosterError::PreviousMismatch { version: 2 })
    );
    assert_eq!(book, before);
    assert!(book
        .accept(&change(association(), 2, Some(&v1), &a, &[&a, &b]))
        .is_ok());
}

#[test]
fn the_book_survives_being_saved_and_restored() {
    let (a, b, c) = (device(31), device(32), device(33));
    let (mut book, v1) = pinned(&a, &b);
    let v2 = change(association(), 2, Some(&v1), &b, &[&b, &c]);
    book.accept(&v2).unwrap();
    book.accept(&change(city(), 1, None, &c, &[&c])).unwrap();

    let saved = serde_json::to_string(&book).unwrap();
    let mut restored: RosterBook = serde_json::from_str(&saved).unwrap();
    assert_eq!(restored, book);
    // The restored book keeps enforcing the same roster.
    assert!(restored
        .verify(&signed_notice(association(), &c), T0)
        .is_official());
    assert_eq!(
        reason(&restored.verify(&signed_notice(association(), &a), T0)),
        Some(&Unverified::UnknownKey)
    );
    assert_eq!(
        restored.accept(&v1),
        Err(RosterError::Rollback {
            pinned: 2,
            offered: 1
        })
    );
    let v3 = change(association(), 3, Some(&v2), &c, &[&c]);
    assert!(matches!(
        restored.accept(&v3),
        Ok(RosterUpdate::Changed { version: 3, .. })
    ));
    // A saved book with a field this code does not know is refused, not half-read.
    let tampered = saved.replacen('{', "{\"trusted\":true,", 1);
    assert!(serde_json::from_str::<RosterBook>(&tampered).is_err());
}

#[test]
fn debug_output_prints_public_keys_only() {
    let (a, b) = (device(34), device(35));
    let (book, _) = pinned(&a, &b);
    let printed = format!("{book:?} {:?}", a.key);
    let seed_hex: String = a.key.to_bytes().iter().map(|x| format!("{x:02x}")).collect();
    assert!(!printed.contains(&seed_hex));
    assert!(printed.contains("DeviceSigningKey(***)"));
    let public_hex: String = a
        .officer
        .key
        .to_bytes()
        .iter()
        .map(|x| format!("{x:02x}"))
        .collect();
    assert!(printed.contains(&public_hex));
}

#[test]
fn every_refusal_has_a_code_and_both_languages() {
    let officer = device(36).officer;
    let roster_errors = [
        RosterError::Invalid(BroadcastError::BadSignature),
        RosterError::Invalid(BroadcastError::Malformed("x".into())),
        RosterError::Invalid(BroadcastError::NoOfficers),
        RosterError::NotFirstVersion { version: 2 },
        RosterError::NotSignedByRoster {
            user: officer.user,
            device: officer.device,
        },
        RosterError::VersionSkip {
            pinned: 1,
            offered: 3,
        },
        RosterError::Rollback {
            pinned: 2,
            offered: 1,
        },
        RosterError::Conflict { version: 1 },
        RosterError::PreviousMismatch { version: 2 },
    ];
    let mut codes = Vec::new();
    for e in roster_errors {
        let error = EngineError::from(e);
        assert!(error.code.starts_with("roster_"), "{}", error.code);
        assert!(error.en.starts_with("Roster change refused") && error.en.contains("unchanged"));
        assert!(error.ja.starts_with("担当者名簿の変更を拒否しました") && error.ja.contains("そのまま"));
        codes.push(error.code);
    }
    let reasons = [
        Unverified::Altered,
        Unverified::SignerMismatch,
        Unverified::UnknownKey,
        Unverified::NoRoster,
        Unverified::Invalid(BroadcastError::ExpiryNotAfterIssue),
        Unverified::Malformed("x".into()),
    ];
    for reason in &reasons {
        let error = EngineError::from(reason);
        assert!(error.en.starts_with("Not an official notice"));
        assert!(error.ja.starts_with("公式のお知らせとして確認できません"));
        codes.push(error.code);
    }
    let distinct: std::collections::HashSet<_> = codes.iter().collect();
    assert_eq!(distinct.len(), codes.len(), "{codes:?}");

    // A sender's mistake names the field to correct.
    let error = EngineError::from(BroadcastError::TooLong {
        field: "title",
        actual: 121,
        limit: 120,
    });
    assert_eq!(
        (error.code, error.field.as_deref()),
        ("broadcast_too_long", Some("title"))
    );
}
