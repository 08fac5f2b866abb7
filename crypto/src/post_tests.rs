//! Tests of sealing and opening: what a member would notice if any check were missing.

use uuid::Uuid;

use super::*;
use crate::content::{Handover, HandoverTarget};
use crate::envelope::{AttachmentRef, ContentType, MAX_BODY_BYTES};
use crate::testing::TestRandom;
use kizuna_proto::BlobId;

struct Fixture {
    rng: TestRandom,
    era: EraKey,
    signer: DeviceSigningKey,
    header: PostHeader,
    envelope: PostEnvelope,
}

fn fixture(seed: u64) -> Fixture {
    let mut rng = TestRandom::new(seed);
    let era = EraKey::generate(&mut rng);
    let signer = DeviceSigningKey::generate(&mut rng);
    let header = PostHeader {
        room: RoomId::from_uuid(Uuid::from_u128(1)),
        channel: Channel::Team,
        era: era.id(),
        post: PostId::from_uuid(Uuid::from_u128(2)),
        author_user: UserId::from_uuid(Uuid::from_u128(3)),
        author_device: DeviceId::from_uuid(Uuid::from_u128(4)),
        sent_at: Timestamp(1_795_633_800_000),
    };
    let mut envelope = PostEnvelope::handover(
        Handover::to(HandoverTarget::NextVisitor).item("夕食後の服薬 / evening medication"),
        "体温 37.8℃、夕食は半分。Fever 37.8, ate half.",
    );
    envelope.reply_to = Some(PostId::from_uuid(Uuid::from_u128(5)));
    envelope.mentions.push(UserId::from_uuid(Uuid::from_u128(6)));
    envelope.attachments.push(AttachmentRef {
        blob: BlobId::from_uuid(Uuid::from_u128(7)),
        key: [0x42; 32],
        sha256: [0x24; 32],
        mime: "image/jpeg".into(),
        size: 2_000_000,
    });
    Fixture {
        rng,
        era,
        signer,
        header,
        envelope,
    }
}

impl Fixture {
    fn seal(&mut self) -> SealedPost {
        seal(
            self.header,
            &self.envelope,
            &self.era,
            &self.signer,
            &mut self.rng,
        )
        .unwrap()
    }

    fn expected(&self) -> Expected {
        Expected {
            room: self.header.room,
            channel: self.header.channel,
        }
    }

    fn open(&self, sealed: &SealedPost) -> Result<OpenedPost, OpenError> {
        open(sealed, &self.expected(), &self.era, &self.signer.verifying_key())
    }
}

#[test]
fn a_sealed_post_opens_to_the_same_content_after_the_wire() {
    let mut f = fixture(1);
    let bytes = f.seal().to_bytes();
    let opened = f.open(&SealedPost::from_bytes(&bytes).unwrap()).unwrap();
    assert_eq!(opened.header, f.header);
    assert_eq!(opened.envelope, f.envelope);
    // The server sees the header but never the text.
    let needle = "Fever".as_bytes();
    assert!(!bytes.windows(needle.len()).any(|w| w == needle));
}

#[test]
fn a_post_replayed_into_another_room_or_channel_is_refused() {
    let mut f = fixture(2);
    let sealed = f.seal();
    let key = f.signer.verifying_key();
    let other_room = RoomId::from_uuid(Uuid::from_u128(99));

    // Delivered unchanged to the wrong room or channel: caught by the header check.
    let elsewhere = Expected {
        room: other_room,
        channel: Channel::Team,
    };
    assert!(matches!(
        open(&sealed, &elsewhere, &f.era, &key),
        Err(OpenError::WrongRoom { .. })
    ));
    let family = Expected {
        room: f.header.room,
        channel: Channel::Family,
    };
    assert!(matches!(
        open(&sealed, &family, &f.era, &key),
        Err(OpenError::WrongChannel { .. })
    ));

    // Header rewritten to match where it is replayed: caught by the signature.
    let mut moved = sealed.clone();
    moved.header.room = other_room;
    assert_eq!(
        open(&moved, &elsewhere, &f.era, &key),
        Err(OpenError::BadSignature)
    );
    let mut moved = sealed.clone();
    moved.header.channel = Channel::Family;
    assert_eq!(open(&moved, &family, &f.era, &key), Err(OpenError::BadSignature));

    // Any other header field rewritten (post ID, author, time): same.
    let rewrites: [fn(&mut PostHeader); 4] = [
        |h| h.post = PostId::from_uuid(Uuid::from_u128(100)),
        |h| h.author_user = UserId::from_uuid(Uuid::from_u128(101)),
        |h| h.author_device = DeviceId::from_uuid(Uuid::from_u128(102)),
        |h| h.sent_at = Timestamp(h.sent_at.0 + 1),
    ];
    for rewrite in rewrites {
        let mut altered = sealed.clone();
        rewrite(&mut altered.header);
        assert_eq!(f.open(&altered), Err(OpenError::BadSignature));
    }
}

#[test]
fn one_flipped_bit_anywhere_is_refused() {
    let mut f = fixture(3);
    let bytes = f.seal().to_bytes();
    for bit in 0..bytes.len() * 8 {
        let mut altered = bytes.clone();
        altered[bit / 8] ^= 1 << (bit % 8);
        let result = SealedPost::from_bytes(&altered).map(|sealed| f.open(&sealed));
        assert!(
            !matches!(result, Ok(Ok(_))),
            "bit {bit} flipped and still accepted"
        );
    }

    // Flips in nonce, ciphertext and signature are caught by the signature, before
    // the AEAD or the JSON parser ever see the bytes.
    let sealed = f.seal();
    let mut altered = sealed.clone();
    altered.nonce[23] ^= 0x80;
    assert_eq!(f.open(&altered), Err(OpenError::BadSignature));
    let mut altered = sealed.clone();
    altered.ciphertext[0] ^= 1;
    assert_eq!(f.open(&altered), Err(OpenError::BadSignature));
    let mut altered = sealed.clone();
    altered.signature[10] ^= 4;
    assert_eq!(f.open(&altered), Err(OpenError::BadSignature));
}

#[test]
fn a_post_checked_against_another_devices_key_is_refused() {
    let mut f = fixture(4);
    let sealed = f.seal();
    let impostor = DeviceSigningKey::generate(&mut TestRandom::new(400)).verifying_key();
    assert_eq!(
        open(&sealed, &f.expected(), &f.era, &impostor),
        Err(OpenError::BadSignature)
    );

    // Someone holding the era key re-signs the post as themselves: still refused
    // under the real author's key.
    let mut forged = sealed.clone();
    let forger = DeviceSigningKey::generate(&mut TestRandom::new(401));
    forged.signature = forger.sign(&SealedPost::signed_message(
        forged.version,
        &forged.header,
        &forged.nonce,
        &forged.ciphertext,
    ));
    assert_eq!(f.open(&forged), Err(OpenError::BadSignature));
}

#[test]
fn unknown_or_wrong_era_keys_are_refused() {
    let mut f = fixture(5);
    let sealed = f.seal();
    let key = f.signer.verifying_key();
    let other_era = EraKey::generate(&mut TestRandom::new(500));
    assert_eq!(
        open(&sealed, &f.expected(), &other_era, &key),
        Err(OpenError::UnknownEra(f.header.era))
    );
    let none: [EraKey; 0] = [];
    assert_eq!(
        open(&sealed, &f.expected(), &none[..], &key),
        Err(OpenError::UnknownEra(f.header.era))
    );

    // A key that claims the right era but holds other bytes.
    let impostor_key = EraKey::from_parts(f.era.id(), [7; 32]);
    assert_eq!(
        open(&sealed, &f.expected(), &impostor_key, &key),
        Err(OpenError::DecryptFailed)
    );

    // After the era rotates, older posts still open from a keyring holding both eras.
    let keyring = [other_era, f.era.clone()];
    assert_eq!(
        open(&sealed, &f.expected(), &keyring[..], &key).unwrap().envelope,
        f.envelope
    );
}

#[test]
fn seal_refuses_what_receivers_would_refuse() {
    let mut f = fixture(6);
    let other_era = EraKey::generate(&mut TestRandom::new(600));
    let result = seal(f.header, &f.envelope, &other_era, &f.signer, &mut f.rng);
    assert!(matches!(result, Err(SealError::EraMismatch { .. })));

    let long = PostEnvelope::new(ContentType::Note, "x".repeat(MAX_BODY_BYTES + 1));
    let result = seal(f.header, &long, &f.era, &f.signer, &mut f.rng);
    assert!(matches!(
        result,
        Err(SealError::Envelope(EnvelopeError::TooLarge { field: "body", .. }))
    ));

    let mut future = f.envelope.clone();
    future.version = 2;
    let result = seal(f.header, &future, &f.era, &f.signer, &mut f.rng);
    assert_eq!(
        result,
        Err(SealError::Envelope(EnvelopeError::UnsupportedVersion(2)))
    );

    // The largest body allowed, all control characters (6 JSON bytes each), still seals.
    let worst = PostEnvelope::new(ContentType::Note, "\u{1}".repeat(MAX_BODY_BYTES));
    let sealed = seal(f.header, &worst, &f.era, &f.signer, &mut f.rng).unwrap();
    let decoded = SealedPost::from_bytes(&sealed.to_bytes()).unwrap();
    assert_eq!(f.open(&decoded).unwrap().envelope, worst);
}

#[test]
fn every_truncation_and_random_garbage_is_an_error_not_a_panic() {
    let mut f = fixture(7);
    let bytes = f.seal().to_bytes();
    for len in 0..bytes.len() {
        assert!(
            SealedPost::from_bytes(&bytes[..len]).is_err(),
            "prefix of {len} bytes accepted"
        );
    }
    let mut longer = bytes.clone();
    longer.push(0);
    assert_eq!(
        SealedPost::from_bytes(&longer),
        Err(DecodeError::TrailingBytes(1))
    );
    let mut newer = bytes.clone();
    newer[0] = 3;
    assert_eq!(
        SealedPost::from_bytes(&newer),
        Err(DecodeError::UnsupportedVersion(3))
    );

    let mut rng = TestRandom::new(700);
    for _ in 0..5_000 {
        let mut len = [0u8; 2];
        rng.fill(&mut len);
        let mut garbage = vec![0u8; usize::from(u16::from_be_bytes(len)) % 600];
        rng.fill(&mut garbage);
        if let Ok(sealed) = SealedPost::from_bytes(&garbage) {
            assert!(f.open(&sealed).is_err());
        }
        // Garbage shaped like a post (right version, channel and length) gets past
        // the decoder and must then be refused by `open`.
        if garbage.len() >= 1 + HEADER_LEN + 24 + 64 + 4 + TAG_LEN {
            garbage[0] = WIRE_VERSION;
            garbage[17] = 1;
            let ct_len = garbage.len() - (1 + HEADER_LEN + 24 + 64 + 4);
            let at = 1 + HEADER_LEN + 24 + 64;
            garbage[at..at + 4].copy_from_slice(&u32::try_from(ct_len).unwrap().to_be_bytes());
            let sealed = SealedPost::from_bytes(&garbage).unwrap();
            let expected = Expected {
                room: sealed.header.room,
                channel: Channel::Team,
            };
            let keyring = EraKey::from_parts(sealed.header.era, [1; 32]);
            assert!(open(&sealed, &expected, &keyring, &f.signer.verifying_key()).is_err());
        }
    }
}

#[test]
fn oversized_ciphertexts_are_refused_before_any_work() {
    let f = fixture(8);
    let mut bytes = Vec::new();
    bytes.push(WIRE_VERSION);
    wire::encode_header(&f.header, &mut bytes);
    bytes.extend_from_slice(&[0; 24 + 64]);
    bytes.extend_from_slice(&u32::MAX.to_be_bytes());
    assert!(matches!(
        SealedPost::from_bytes(&bytes),
        Err(DecodeError::TooLarge { .. })
    ));

    let sealed = SealedPost {
        version: WIRE_VERSION,
        header: f.header,
        nonce: [0; 24],
        ciphertext: vec![0; MAX_CIPHERTEXT_BYTES + 1],
        signature: [0; 64],
    };
    assert!(matches!(f.open(&sealed), Err(OpenError::TooLarge { .. })));
}

#[test]
fn the_same_seed_gives_the_same_bytes_and_nonces_are_fresh() {
    let (mut a, mut b) = (fixture(9), fixture(9));
    let first = a.seal();
    assert_eq!(first.to_bytes(), b.seal().to_bytes());
    let second = a.seal();
    assert_ne!(first.nonce, second.nonce);
    assert_ne!(first.ciphertext, second.ciphertext);
    assert_ne!(first.to_bytes(), fixture(10).seal().to_bytes());
}

#[test]
fn debug_output_of_posts_shows_no_content_or_keys() {
    let mut f = fixture(11);
    let sealed = f.seal();
    let opened = f.open(&sealed).unwrap();
    let printed = format!("{opened:?} {:?} {:?}", f.era, f.signer);
    assert!(!printed.contains("Fever"), "{printed}");
    assert!(!printed.contains("66, 66"), "{printed}"); // the attachment key, 0x42 bytes
    assert!(!printed.contains(&format!("{:?}", f.era.secret())), "{printed}");
}

/// Seals `plaintext` exactly as given (no padding added), as format `version`: what a
/// buggy or hostile author's client could send, validly encrypted and signed.
fn seal_raw(f: &mut Fixture, version: u8, plaintext: &[u8]) -> SealedPost {
    let mut nonce = [0u8; 24];
    f.rng.fill(&mut nonce);
    let ciphertext = f
        .era
        .seal(&nonce, plaintext, &f.header.associated_data(version))
        .unwrap();
    let signature = f.signer.sign(&SealedPost::signed_message(
        version,
        &f.header,
        &nonce,
        &ciphertext,
    ));
    SealedPost {
        version,
        header: f.header,
        nonce,
        ciphertext,
        signature,
    }
}

#[test]
fn notes_of_1_100_and_200_characters_have_ciphertexts_of_one_length() {
    let mut f = fixture(20);
    let mut lengths = Vec::new();
    for text in [
        "熱".to_owned(),
        "a".repeat(100),
        "あ".repeat(100),
        "b".repeat(200),
        "体温正常、食事全量。".repeat(20),
    ] {
        f.envelope = PostEnvelope::new(ContentType::Note, text.clone());
        let sealed = f.seal();
        assert_eq!(f.open(&sealed).unwrap().envelope.body, text);
        lengths.push(sealed.ciphertext.len());
    }
    assert!(lengths.iter().all(|l| *l == lengths[0]), "{lengths:?}");
    assert_eq!(lengths[0], padding::MIN_BUCKET + TAG_LEN);
    // A long report lands in a bigger bucket, but one shared with other long ones.
    f.envelope = PostEnvelope::new(ContentType::Note, "x".repeat(3000));
    let long = f.seal().ciphertext.len();
    f.envelope = PostEnvelope::new(ContentType::Note, "y".repeat(3900));
    assert_eq!(f.seal().ciphertext.len(), long);
    assert_eq!(long, 4096 + TAG_LEN);
}

#[test]
fn tampered_or_missing_padding_is_refused_even_when_signed() {
    let mut f = fixture(21);
    let json = f.envelope.to_json().unwrap();
    // The right padding, as `seal` makes it, opens.
    let good = seal_raw(&mut f, WIRE_VERSION, &padding::pad(&json));
    assert_eq!(f.open(&good).unwrap().envelope, f.envelope);
    // A non-zero byte in the padding.
    let mut padded = padding::pad(&json);
    let last = padded.len() - 1;
    padded[last] = 7;
    let tampered = seal_raw(&mut f, WIRE_VERSION, &padded);
    assert!(matches!(f.open(&tampered), Err(OpenError::BadPadding(_))));
    // No padding at all in a padded-format post.
    let unpadded = seal_raw(&mut f, WIRE_VERSION, &json);
    assert!(matches!(f.open(&unpadded), Err(OpenError::BadPadding(_))));
    // Padding that is not a bucket size (the length would leak again).
    let mut short = padding::pad(&json);
    short.truncate(json.len() + 10);
    let odd = seal_raw(&mut f, WIRE_VERSION, &short);
    assert!(matches!(f.open(&odd), Err(OpenError::BadPadding(_))));
}

#[test]
fn posts_stored_before_padding_still_open_and_versions_cannot_be_swapped() {
    let mut f = fixture(22);
    let json = f.envelope.to_json().unwrap();
    let legacy = seal_raw(&mut f, UNPADDED_WIRE_VERSION, &json);
    let bytes = legacy.to_bytes();
    assert_eq!(bytes[0], 1);
    let opened = f.open(&SealedPost::from_bytes(&bytes).unwrap()).unwrap();
    assert_eq!(opened.envelope, f.envelope);

    // Relabelling a padded post as the old format (so padding would be read as
    // content), or the reverse, breaks the signature.
    let mut relabelled = f.seal().to_bytes();
    relabelled[0] = UNPADDED_WIRE_VERSION;
    let relabelled = SealedPost::from_bytes(&relabelled).unwrap();
    assert_eq!(f.open(&relabelled), Err(OpenError::BadSignature));
    let mut upgraded = bytes;
    upgraded[0] = WIRE_VERSION;
    let upgraded = SealedPost::from_bytes(&upgraded).unwrap();
    assert_eq!(f.open(&upgraded), Err(OpenError::BadSignature));
}
