//! Sealed invitee names: who a room invitation is for, kept by the server only as
//! ciphertext under a key derived from the link's token.
//!
//! The database holds only the token's hash, so a copy of the database, a dump or a
//! backup cannot derive the key. The inviter's device seals the name with the token
//! of the link it was just given; the invitee's device derives the same key from the
//! link it opened and shows the name. (The server itself makes the token and sees it
//! when the link is redeemed, so this protects the name at rest, not from a server
//! that is malicious while it runs.)
//!
//! The name is padded to a fixed length, so the ciphertext says nothing about it.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::random::Random;

/// First byte of a sealed invitee name.
pub const WIRE_VERSION: u8 = 1;
/// HKDF salt and AEAD associated data: the purpose, so the key is used for nothing else.
const CONTEXT: &[u8] = b"kizuna invitation name";
/// Plaintext length after padding (a name has at most 100 characters: 400 bytes).
const PADDED_LEN: usize = 512;
/// Longest name, in characters.
pub const MAX_NAME_CHARS: usize = 100;
/// Length of every sealed invitee name.
pub const SEALED_LEN: usize = 1 + 24 + PADDED_LEN + 16;

/// Why a name could not be sealed or opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvitationNameError {
    /// The name is empty, too long or holds control characters.
    #[error("a name has 1 to {MAX_NAME_CHARS} characters")]
    InvalidName,
    /// The bytes are not a sealed name for this link (other link, altered, garbage).
    #[error("the invitee's name cannot be opened with this link")]
    Malformed,
}

/// HMAC-SHA-256 (RFC 2104).
fn hmac(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut block = Zeroizing::new([0u8; 64]);
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let mut inner = Sha256::new();
    inner.update(block.iter().map(|b| b ^ 0x36).collect::<Vec<u8>>());
    inner.update(message);
    let inner = inner.finalize();
    let mut outer = Sha256::new();
    outer.update(block.iter().map(|b| b ^ 0x5c).collect::<Vec<u8>>());
    outer.update(inner);
    outer.finalize().into()
}

/// HKDF-SHA-256 (RFC 5869) of the link token, 32 bytes: extract with the context as
/// salt, expand with the context as info.
fn key_for(token: &str) -> Zeroizing<[u8; 32]> {
    let prk = Zeroizing::new(hmac(CONTEXT, token.trim().as_bytes()));
    let mut info = CONTEXT.to_vec();
    info.push(1);
    Zeroizing::new(hmac(&*prk, &info))
}

fn check(name: &str) -> Result<&str, InvitationNameError> {
    let name = name.trim();
    let chars = name.chars().count();
    if chars == 0 || chars > MAX_NAME_CHARS || name.chars().any(char::is_control) {
        return Err(InvitationNameError::InvalidName);
    }
    Ok(name)
}

/// Seals `name` for the link whose token is `token` (the part after `#/invite/`).
pub fn seal_invitee_name(
    token: &str,
    name: &str,
    rng: &mut dyn Random,
) -> Result<Vec<u8>, InvitationNameError> {
    let name = check(name)?;
    let mut plaintext = Zeroizing::new(Vec::with_capacity(PADDED_LEN));
    let len = u16::try_from(name.len()).map_err(|_| InvitationNameError::InvalidName)?;
    plaintext.extend_from_slice(&len.to_be_bytes());
    plaintext.extend_from_slice(name.as_bytes());
    plaintext.resize(PADDED_LEN, 0);
    let mut nonce = [0u8; 24];
    rng.fill(&mut nonce);
    let key = key_for(token);
    let ciphertext = XChaCha20Poly1305::new((&*key).into())
        .encrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: &plaintext,
                aad: CONTEXT,
            },
        )
        .map_err(|_| InvitationNameError::InvalidName)?;
    let mut out = Vec::with_capacity(SEALED_LEN);
    out.push(WIRE_VERSION);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&ciphertext);
    Ok(out)
}

/// Opens a sealed name with the token of the link that was opened.
pub fn open_invitee_name(token: &str, sealed: &[u8]) -> Result<String, InvitationNameError> {
    if sealed.len() != SEALED_LEN || sealed[0] != WIRE_VERSION {
        return Err(InvitationNameError::Malformed);
    }
    let (nonce, ciphertext) = sealed[1..].split_at(24);
    let key = key_for(token);
    let plaintext = XChaCha20Poly1305::new((&*key).into())
        .decrypt(
            XNonce::from_slice(nonce),
            Payload {
                msg: ciphertext,
                aad: CONTEXT,
            },
        )
        .map(Zeroizing::new)
        .map_err(|_| InvitationNameError::Malformed)?;
    let len = usize::from(u16::from_be_bytes([plaintext[0], plaintext[1]]));
    let name = plaintext.get(2..2 + len).ok_or(InvitationNameError::Malformed)?;
    if plaintext[2 + len..].iter().any(|b| *b != 0) {
        return Err(InvitationNameError::Malformed);
    }
    let name = std::str::from_utf8(name).map_err(|_| InvitationNameError::Malformed)?;
    check(name)
        .map(str::to_owned)
        .map_err(|_| InvitationNameError::Malformed)
}

/// Whether bytes have the shape of a sealed name (what the server can check).
pub fn is_sealed_invitee_name(bytes: &[u8]) -> bool {
    bytes.len() == SEALED_LEN && bytes[0] == WIRE_VERSION
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::testing::TestRandom;

    const TOKEN: &str = "q3X0m8Vd2hL9pK4tR7yW1zB6nC5sE0aJ3fG8uI2oP4k";

    #[test]
    fn hmac_matches_rfc_4231_case_2() {
        let mac = hmac(b"Jefe", b"what do ya want for nothing?");
        let hex: String = mac.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn the_invitee_reads_the_name_and_no_other_link_does() {
        let sealed = seal_invitee_name(TOKEN, " 山田太郎 ", &mut TestRandom::new(1)).unwrap();
        assert_eq!(sealed.len(), SEALED_LEN);
        assert!(is_sealed_invitee_name(&sealed));
        assert_eq!(open_invitee_name(TOKEN, &sealed).unwrap(), "山田太郎");
        let other = "Z3X0m8Vd2hL9pK4tR7yW1zB6nC5sE0aJ3fG8uI2oP4k";
        assert_eq!(
            open_invitee_name(other, &sealed),
            Err(InvitationNameError::Malformed)
        );
        let mut altered = sealed.clone();
        altered[40] ^= 1;
        assert_eq!(
            open_invitee_name(TOKEN, &altered),
            Err(InvitationNameError::Malformed)
        );
        assert_eq!(
            open_invitee_name(TOKEN, &sealed[..100]),
            Err(InvitationNameError::Malformed)
        );
    }

    #[test]
    fn every_name_seals_to_the_same_length_and_never_in_clear() {
        let short = seal_invitee_name(TOKEN, "A", &mut TestRandom::new(2)).unwrap();
        let long = seal_invitee_name(TOKEN, &"長".repeat(100), &mut TestRandom::new(3)).unwrap();
        assert_eq!(short.len(), long.len());
        let marker = "marker-name-7781";
        let sealed = seal_invitee_name(TOKEN, marker, &mut TestRandom::new(4)).unwrap();
        assert!(!sealed.windows(marker.len()).any(|w| w == marker.as_bytes()));
    }

    #[test]
    fn names_that_no_one_could_read_are_refused() {
        let mut rng = TestRandom::new(5);
        for bad in ["", "   ", &"x".repeat(101), "a\u{7}b"] {
            assert_eq!(
                seal_invitee_name(TOKEN, bad, &mut rng),
                Err(InvitationNameError::InvalidName),
                "{bad:?}"
            );
        }
    }
}
