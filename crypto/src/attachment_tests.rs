//! Tests of attachment sealing and opening: every way a stored file can be cut, shuffled,
//! extended or altered must be refused with a clear error, never a panic.

use chacha20poly1305::aead::stream::EncryptorBE32;
use chacha20poly1305::aead::Payload;

use super::*;
use crate::testing::TestRandom;

const SIZES: [usize; 6] = [0, 1, CHUNK_LEN - 1, CHUNK_LEN, CHUNK_LEN + 1, 3 * CHUNK_LEN + 5];

/// Recognisable plaintext: a JPEG start, then text and a counter pattern.
fn file(len: usize) -> Vec<u8> {
    let mut bytes = b"\xFF\xD8\xFF\xE1\x00\x10Exif\x00\x00 wound photo of patient ".to_vec();
    let mut i = 0u32;
    while bytes.len() < len {
        bytes.extend_from_slice(format!("row {i} GPS 35.681236N ").as_bytes());
        i += 1;
    }
    bytes.truncate(len);
    bytes
}

fn seal_in_pieces(key: &AttachmentKey, plaintext: &[u8], piece: usize, seed: u64) -> (Vec<u8>, Sealed) {
    let mut rng = TestRandom::new(seed);
    let mut sealer = AttachmentSealer::new(key, &mut rng);
    let mut out = sealer.header().to_vec();
    for part in plaintext.chunks(piece) {
        let sealed = sealer.push(part).unwrap();
        assert!(
            sealed.len().is_multiple_of(SEALED_CHUNK_LEN),
            "only whole chunks come out early"
        );
        assert!(sealer.pending.len() <= CHUNK_LEN, "holds back at most one chunk");
        out.extend(sealed);
    }
    let (tail, sealed) = sealer.finish().unwrap();
    out.extend(tail);
    (out, sealed)
}

fn open_in_pieces(
    key: &AttachmentKey,
    ciphertext: &[u8],
    piece: usize,
    sha256: &[u8; 32],
    len: u64,
) -> Result<Vec<u8>, AttachmentError> {
    let mut opener = AttachmentOpener::new(key);
    let mut out = Vec::new();
    for part in ciphertext.chunks(piece.max(1)) {
        out.extend(opener.push(part)?);
        assert!(opener.pending.len() <= SEALED_CHUNK_LEN + piece);
    }
    out.extend(opener.finish(sha256, len)?);
    Ok(out)
}

/// A sealed 3-chunk-plus file and what opening it needs.
fn sample() -> (AttachmentKey, Vec<u8>, Vec<u8>, Sealed) {
    let key = AttachmentKey::generate(&mut TestRandom::new(1));
    let plaintext = file(3 * CHUNK_LEN + 5);
    let (sealed_file, sealed) = seal_in_pieces(&key, &plaintext, 10_000, 2);
    (key, plaintext, sealed_file, sealed)
}

fn open_both_ways(key: &AttachmentKey, ciphertext: &[u8], sealed: &Sealed) -> [AttachmentError; 3] {
    [
        open_all(ciphertext, key, &sealed.sha256_of_plaintext).unwrap_err(),
        open_in_pieces(
            key,
            ciphertext,
            4096,
            &sealed.sha256_of_plaintext,
            sealed.plaintext_len,
        )
        .unwrap_err(),
        open_in_pieces(
            key,
            ciphertext,
            1 << 20,
            &sealed.sha256_of_plaintext,
            sealed.plaintext_len,
        )
        .unwrap_err(),
    ]
}

fn chunk_range(i: usize) -> std::ops::Range<usize> {
    HEADER_LEN + i * SEALED_CHUNK_LEN..HEADER_LEN + (i + 1) * SEALED_CHUNK_LEN
}

#[test]
fn round_trips_at_every_boundary_size_and_piece_size() {
    for len in SIZES {
        let plaintext = file(len);
        let key = AttachmentKey::generate(&mut TestRandom::new(len as u64));
        for piece in [1 << 20, CHUNK_LEN, 1000, 7] {
            let (ciphertext, sealed) = seal_in_pieces(&key, &plaintext, piece, 9);
            assert_eq!(
                ciphertext.len() as u64,
                ciphertext_len(len as u64).unwrap(),
                "len {len}"
            );
            assert_eq!(sealed.ciphertext_len, ciphertext.len() as u64);
            assert_eq!(sealed.plaintext_len, len as u64);
            assert_eq!(
                sealed.sha256_of_plaintext,
                <[u8; 32]>::from(Sha256::digest(&plaintext))
            );
            for open_piece in [1 << 20, SEALED_CHUNK_LEN, 999, 1] {
                if open_piece == 1 && len > CHUNK_LEN + 1 {
                    continue; // byte-at-a-time over 64 KiB+ is slow and adds nothing
                }
                let opened = open_in_pieces(
                    &key,
                    &ciphertext,
                    open_piece,
                    &sealed.sha256_of_plaintext,
                    len as u64,
                )
                .unwrap();
                assert_eq!(opened, plaintext, "len {len}, pieces {piece}/{open_piece}");
            }
            assert_eq!(
                open_all(&ciphertext, &key, &sealed.sha256_of_plaintext).unwrap(),
                plaintext
            );
        }
        let all = seal_all(&plaintext, &mut TestRandom::new(3)).unwrap();
        assert_eq!(all.ciphertext.len() as u64, all.sealed.ciphertext_len);
        assert_eq!(
            open_all(&all.ciphertext, &all.key, &all.sealed.sha256_of_plaintext).unwrap(),
            plaintext
        );
    }
}

#[test]
fn is_the_standard_stream_be32_construction() {
    // Interoperability: any STREAM-BE32 implementation over XChaCha20-Poly1305 with
    // the header as associated data reads these files.
    let (key, plaintext, ciphertext, _) = sample();
    let header = &ciphertext[..HEADER_LEN];
    let prefix = &header[MAGIC.len() + 1..];
    let mut reference =
        EncryptorBE32::from_aead(XChaCha20Poly1305::new(key.as_bytes().into()), prefix.into());
    let mut expected = header.to_vec();
    let mut chunks = plaintext.chunks(CHUNK_LEN).peekable();
    while let Some(chunk) = chunks.next() {
        let payload = Payload {
            msg: chunk,
            aad: header,
        };
        if chunks.peek().is_some() {
            expected.extend(reference.encrypt_next(payload).unwrap());
        } else {
            expected.extend(reference.encrypt_last(payload).unwrap());
            break;
        }
    }
    assert_eq!(ciphertext, expected);
}

#[test]
fn fresh_nonce_prefix_per_file_and_no_plaintext_in_the_ciphertext() {
    let key = AttachmentKey::generate(&mut TestRandom::new(1));
    let plaintext = file(3 * CHUNK_LEN + 5);
    let (a, _) = seal_in_pieces(&key, &plaintext, 1 << 20, 10);
    let (b, _) = seal_in_pieces(&key, &plaintext, 1 << 20, 11);
    assert_ne!(a[HEADER_LEN..], b[HEADER_LEN..]);
    for sealed in [&a, &b] {
        for needle in [&b"\xFF\xD8\xFF"[..], b"Exif", b"GPS", b"patient", b"row 1"] {
            assert!(
                !sealed.windows(needle.len()).any(|w| w == needle),
                "{needle:?} leaked"
            );
        }
    }
}

#[test]
fn a_flipped_byte_anywhere_is_refused() {
    let (key, _, ciphertext, sealed) = sample();
    let mut positions: Vec<usize> = (0..HEADER_LEN + 40).collect();
    positions.extend((HEADER_LEN..ciphertext.len()).step_by(4999));
    for i in 0..4 {
        let end = chunk_range(i).end.min(ciphertext.len());
        positions.extend([end - 1, end - TAG_LEN, end - TAG_LEN - 1]);
    }
    for at in positions {
        let mut altered = ciphertext.clone();
        altered[at] ^= 0x01;
        let expected = match at {
            _ if at < MAGIC.len() => AttachmentError::NotAnAttachment,
            _ if at == MAGIC.len() => AttachmentError::UnsupportedVersion(FORMAT_VERSION ^ 1),
            _ => AttachmentError::Damaged,
        };
        for error in open_both_ways(&key, &altered, &sealed) {
            assert_eq!(error, expected, "byte {at}");
        }
    }
}

#[test]
fn truncation_is_reported_as_an_incomplete_file() {
    let (key, _, ciphertext, sealed) = sample();
    // At a chunk boundary: every chunk received verifies, the final one is missing.
    for chunks in [1, 2, 3] {
        let cut = &ciphertext[..chunk_range(chunks - 1).end];
        assert_eq!(
            open_both_ways(&key, cut, &sealed),
            [const { AttachmentError::Truncated }; 3]
        );
    }
    // Inside a chunk or the header: the expected size tells.
    for cut_at in [
        0,
        5,
        HEADER_LEN,
        HEADER_LEN + 1,
        HEADER_LEN + 70_000,
        ciphertext.len() - 1,
    ] {
        let cut = &ciphertext[..cut_at];
        let error =
            open_in_pieces(&key, cut, 4096, &sealed.sha256_of_plaintext, sealed.plaintext_len).unwrap_err();
        assert_eq!(error, AttachmentError::Truncated, "cut at {cut_at}");
        // Without the size, a cut inside a chunk looks like damage; still refused.
        assert!(open_all(cut, &key, &sealed.sha256_of_plaintext).is_err());
    }
}

#[test]
fn dropped_swapped_repeated_and_appended_chunks_are_refused() {
    let (key, _, ciphertext, sealed) = sample();
    let chunk = |i: usize| &ciphertext[chunk_range(i).start..chunk_range(i).end.min(ciphertext.len())];
    let header = &ciphertext[..HEADER_LEN];
    let cases: Vec<(&str, Vec<u8>)> = vec![
        (
            "dropped middle chunk",
            [header, chunk(0), chunk(2), chunk(3)].concat(),
        ),
        (
            "swapped chunks",
            [header, chunk(1), chunk(0), chunk(2), chunk(3)].concat(),
        ),
        (
            "repeated chunk",
            [header, chunk(0), chunk(0), chunk(1), chunk(2), chunk(3)].concat(),
        ),
        ("one byte appended", [&ciphertext[..], b"x"].concat()),
        ("a chunk appended", [&ciphertext[..], chunk(1)].concat()),
        ("final chunk repeated", [&ciphertext[..], chunk(3)].concat()),
        (
            "final chunk moved up",
            [header, chunk(0), chunk(3), chunk(1), chunk(2)].concat(),
        ),
    ];
    for (what, altered) in cases {
        for error in open_both_ways(&key, &altered, &sealed) {
            assert_eq!(error, AttachmentError::Damaged, "{what}");
        }
    }
}

#[test]
fn wrong_key_wrong_hash_wrong_size_and_foreign_bytes_are_refused() {
    let (key, _, ciphertext, sealed) = sample();
    let other = AttachmentKey::generate(&mut TestRandom::new(99));
    assert_eq!(
        open_both_ways(&other, &ciphertext, &sealed),
        [const { AttachmentError::Damaged }; 3]
    );

    let mut wrong_hash = sealed.sha256_of_plaintext;
    wrong_hash[0] ^= 1;
    assert_eq!(
        open_all(&ciphertext, &key, &wrong_hash),
        Err(AttachmentError::HashMismatch)
    );
    let err = open_in_pieces(&key, &ciphertext, 4096, &wrong_hash, sealed.plaintext_len);
    assert_eq!(err, Err(AttachmentError::HashMismatch));
    let err = open_in_pieces(
        &key,
        &ciphertext,
        4096,
        &sealed.sha256_of_plaintext,
        sealed.plaintext_len - 1,
    );
    assert_eq!(err, Err(AttachmentError::HashMismatch));

    let jpeg = file(100_000);
    assert_eq!(
        open_all(&jpeg, &key, &sealed.sha256_of_plaintext),
        Err(AttachmentError::NotAnAttachment)
    );
    assert_eq!(
        open_all(b"", &key, &sealed.sha256_of_plaintext),
        Err(AttachmentError::Truncated)
    );
    let mut future = ciphertext.clone();
    future[MAGIC.len()] = 2;
    assert_eq!(
        open_all(&future, &key, &sealed.sha256_of_plaintext),
        Err(AttachmentError::UnsupportedVersion(2))
    );
}

#[test]
fn after_an_error_the_opener_stays_failed() {
    let (key, _, mut ciphertext, sealed) = sample();
    ciphertext[HEADER_LEN + 3] ^= 0xFF;
    let mut opener = AttachmentOpener::new(&key);
    assert_eq!(opener.push(&ciphertext[..100_000]), Err(AttachmentError::Damaged));
    assert_eq!(opener.push(&ciphertext[100_000..]), Err(AttachmentError::Damaged));
    assert_eq!(
        opener.finish(&sealed.sha256_of_plaintext, sealed.plaintext_len),
        Err(AttachmentError::Damaged)
    );
}

#[test]
fn a_limit_cuts_off_oversized_files_early() {
    let (key, _, ciphertext, sealed) = sample();
    let mut opener = AttachmentOpener::with_limit(&key, 1000);
    let error = opener.push(&ciphertext[..HEADER_LEN + 1017]).unwrap_err();
    assert_eq!(error, AttachmentError::TooLarge { limit: 1000 });
    let mut opener = AttachmentOpener::with_limit(&key, sealed.plaintext_len);
    let mut out = opener.push(&ciphertext).unwrap();
    out.extend(
        opener
            .finish(&sealed.sha256_of_plaintext, sealed.plaintext_len)
            .unwrap(),
    );
    assert_eq!(out.len() as u64, sealed.plaintext_len);

    assert!(ciphertext_len(MAX_PLAINTEXT_LEN).is_ok());
    assert_eq!(
        ciphertext_len(MAX_PLAINTEXT_LEN + 1),
        Err(AttachmentError::TooLarge {
            limit: MAX_PLAINTEXT_LEN
        })
    );
}

#[test]
fn keys_never_print_and_errors_say_what_to_do_in_both_languages() {
    let key = AttachmentKey::from_bytes([0xAB; 32]);
    let printed = format!("{key:?} {:?}", AttachmentOpener::new(&key));
    assert!(printed.contains("***"));
    assert!(!printed.to_lowercase().contains("ab, ab") && !printed.contains("171"));

    let all = [
        AttachmentError::NotAnAttachment,
        AttachmentError::UnsupportedVersion(9),
        AttachmentError::Damaged,
        AttachmentError::Truncated,
        AttachmentError::HashMismatch,
        AttachmentError::TooLarge { limit: 5 },
    ];
    let codes: std::collections::HashSet<_> = all.iter().map(AttachmentError::code).collect();
    assert_eq!(codes.len(), all.len());
    for error in all {
        let (en, ja) = (error.to_string(), error.message_ja());
        assert!(en.contains(": "), "{en} should say what to do next");
        assert!(ja.contains("ください"), "{ja} should say what to do next");
    }
    assert_eq!(
        AttachmentError::Damaged.to_string(),
        "the file is damaged or was altered: ask the sender to post it again"
    );
}
