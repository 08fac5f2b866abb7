//! One-time link tokens: 256 random bits for the holder, a SHA-256 hash for the
//! database. The hash is enough to find the row, useless to redeem it.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use kizuna_proto::Redacted;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// A fresh random token, base64url without padding (43 characters).
pub fn new_token() -> Redacted<String> {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    Redacted::new(URL_SAFE_NO_PAD.encode(bytes))
}

/// The hex SHA-256 of a token, as stored.
pub fn hash_token(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_hashes_are_stable() {
        let a = new_token();
        let b = new_token();
        assert_ne!(a.expose(), b.expose());
        assert_eq!(a.expose().len(), 43);
        assert_eq!(hash_token(a.expose()), hash_token(a.expose()));
        assert_ne!(hash_token(a.expose()), hash_token(b.expose()));
        assert_eq!(
            hash_token("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
