//! Encryption at rest for exported state: a device's MLS state
//! ([`crate::MlsDevice::export_state`]) and its channels
//! ([`crate::ChannelState::export`]), stored in the browser or on disk.
//!
//! XChaCha20-Poly1305 under a 32-byte key the caller derives (e.g. from a WebAuthn PRF
//! output), with a random 24-byte nonce. Format: `KZVAULT`, a version byte, the nonce,
//! then the ciphertext with its tag. The associated data is the magic, the version and a
//! caller label (e.g. `b"kizuna-client-state"`), so a blob saved for one purpose cannot
//! be passed off as another's.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use zeroize::Zeroizing;

use crate::channel::ChannelError;
use crate::random::Random;

/// Format name and version: the first eight bytes of every sealed blob.
const HEADER: &[u8; 8] = b"KZVAULT\x01";
const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;

fn associated_data(label: &[u8]) -> Vec<u8> {
    let mut ad = Vec::with_capacity(HEADER.len() + label.len());
    ad.extend_from_slice(HEADER);
    ad.extend_from_slice(label);
    ad
}

/// Encrypts `plaintext` under `key`, bound to `label`; `rng` supplies the nonce.
///
/// Infallible in practice: the cipher only refuses plaintexts over 256 GiB, and then
/// the header alone is returned, which [`open_state`] refuses.
pub fn seal_state(key: &[u8; 32], label: &[u8], plaintext: &[u8], rng: &mut dyn Random) -> Vec<u8> {
    let mut nonce = [0u8; NONCE_LEN];
    rng.fill(&mut nonce);
    let cipher = XChaCha20Poly1305::new(key.into());
    let ad = associated_data(label);
    let ciphertext = cipher
        .encrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: plaintext,
                aad: &ad,
            },
        )
        .unwrap_or_default();
    let mut out = Vec::with_capacity(HEADER.len() + NONCE_LEN + ciphertext.len());
    out.extend_from_slice(HEADER);
    if !ciphertext.is_empty() {
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ciphertext);
    }
    out
}

/// Decrypts what [`seal_state`] produced with the same key and label. Every failure is
/// an error, never a panic: not a sealed state, another version, truncated, and (one
/// error, as the cipher cannot tell them apart) wrong key, wrong label or altered bytes.
pub fn open_state(key: &[u8; 32], label: &[u8], sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, ChannelError> {
    let rest = match sealed.strip_prefix(&HEADER[..HEADER.len() - 1]) {
        Some([]) => return Err(ChannelError::State("sealed state truncated")),
        Some([1, rest @ ..]) => rest,
        Some(_) => return Err(ChannelError::State("sealed state of an unsupported version")),
        None => return Err(ChannelError::State("not a sealed state")),
    };
    if rest.len() < NONCE_LEN + TAG_LEN {
        return Err(ChannelError::State("sealed state truncated"));
    }
    let (nonce, ciphertext) = rest.split_at(NONCE_LEN);
    let cipher = XChaCha20Poly1305::new(key.into());
    let ad = associated_data(label);
    cipher
        .decrypt(
            XNonce::from_slice(nonce),
            Payload {
                msg: ciphertext,
                aad: &ad,
            },
        )
        .map(Zeroizing::new)
        .map_err(|_| ChannelError::State("sealed state does not open: wrong key or label, or altered"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::TestRandom;

    const LABEL: &[u8] = b"kizuna-client-state";

    #[test]
    fn sealed_state_opens_with_the_same_key_and_label_only() {
        let mut rng = TestRandom::new(1);
        let key = [7u8; 32];
        let plaintext = b"era keys and MLS secrets".repeat(10);
        let sealed = seal_state(&key, LABEL, &plaintext, &mut rng);
        assert!(sealed.starts_with(b"KZVAULT\x01"));
        assert!(
            !sealed.windows(8).any(|w| w == &plaintext[..8]),
            "no plaintext in the blob"
        );
        assert_eq!(
            open_state(&key, LABEL, &sealed).unwrap().as_slice(),
            plaintext.as_slice()
        );
        // Same input, fresh nonce: different bytes.
        assert_ne!(seal_state(&key, LABEL, &plaintext, &mut rng), sealed);
        // Empty plaintexts round-trip too.
        let empty = seal_state(&key, LABEL, b"", &mut rng);
        assert!(open_state(&key, LABEL, &empty).unwrap().is_empty());

        let wrong = ChannelError::State("sealed state does not open: wrong key or label, or altered");
        assert_eq!(open_state(&[8u8; 32], LABEL, &sealed), Err(wrong.clone()));
        assert_eq!(open_state(&key, b"kizuna-other", &sealed), Err(wrong.clone()));
        for at in [8, 8 + NONCE_LEN, sealed.len() / 2, sealed.len() - 1] {
            let mut altered = sealed.clone();
            altered[at] ^= 1;
            assert_eq!(open_state(&key, LABEL, &altered), Err(wrong.clone()), "byte {at}");
        }
    }

    #[test]
    fn truncated_foreign_and_newer_blobs_are_errors_not_panics() {
        let key = [7u8; 32];
        let sealed = seal_state(&key, LABEL, b"state", &mut TestRandom::new(2));
        for cut in 0..sealed.len() {
            assert!(open_state(&key, LABEL, &sealed[..cut]).is_err(), "cut at {cut}");
        }
        let mut longer = sealed.clone();
        longer.push(0);
        assert!(open_state(&key, LABEL, &longer).is_err());
        let mut newer = sealed.clone();
        newer[7] = 2;
        assert_eq!(
            open_state(&key, LABEL, &newer),
            Err(ChannelError::State("sealed state of an unsupported version"))
        );
        assert_eq!(
            open_state(&key, LABEL, b"KZMLS1 not a vault"),
            Err(ChannelError::State("not a sealed state"))
        );
    }
}
