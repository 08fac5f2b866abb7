//! Device signature keys. Every post is signed by its author's device, so authorship is
//! provable and neither the server nor another member can forge or alter a post.
//!
//! Ed25519, because MLS ciphersuite 1 (the one Kizuna uses) signs with Ed25519: the
//! device's MLS credential key can sign posts too, and members already know it.

use std::fmt;

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::random::Random;

/// A device's private signing key. Wiped on drop; `Debug` prints `***`.
#[derive(Clone)]
pub struct DeviceSigningKey(SigningKey);

impl DeviceSigningKey {
    /// A fresh random key.
    pub fn generate(rng: &mut dyn Random) -> Self {
        let mut seed = Zeroizing::new([0u8; 32]);
        rng.fill(seed.as_mut());
        Self(SigningKey::from_bytes(&seed))
    }

    /// The key from its 32-byte seed (RFC 8032 private key), e.g. the device's MLS
    /// signature private key or one restored from the device's key store.
    pub fn from_bytes(seed: &[u8; 32]) -> Self {
        Self(SigningKey::from_bytes(seed))
    }

    /// The 32-byte seed, for the device's own (encrypted) key store. Wiped when the
    /// returned value is dropped.
    pub fn to_bytes(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.0.to_bytes())
    }

    /// The public half, which other members use to check this device's posts.
    pub fn verifying_key(&self) -> DeviceVerifyingKey {
        DeviceVerifyingKey(self.0.verifying_key())
    }

    /// Signs `message` (deterministic Ed25519: the same message gives the same signature).
    pub(crate) fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.0.sign(message).to_bytes()
    }
}

impl fmt::Debug for DeviceSigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DeviceSigningKey(***)")
    }
}

/// The 32 bytes given to [`DeviceVerifyingKey::from_bytes`] are not a valid Ed25519
/// public key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not a valid Ed25519 public key")]
pub struct InvalidVerifyingKey;

/// A device's public signature key. Serialises as its 32 bytes; only valid curve
/// points deserialise, so a bad key is caught when it arrives, not at first use.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(as = "[u8; 32]"))]
#[serde(try_from = "[u8; 32]", into = "[u8; 32]")]
pub struct DeviceVerifyingKey(VerifyingKey);

impl DeviceVerifyingKey {
    /// Parses and checks a 32-byte compressed Ed25519 public key.
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<Self, InvalidVerifyingKey> {
        VerifyingKey::from_bytes(bytes)
            .map(Self)
            .map_err(|_| InvalidVerifyingKey)
    }

    /// The 32-byte compressed public key.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.0.to_bytes()
    }

    /// Whether `signature` is this key's signature over `message`. Uses the strict
    /// check (rejects small-order keys and non-canonical signatures), so one post has
    /// exactly one valid signature and cannot be re-encoded into a "different" post.
    pub(crate) fn verify(&self, message: &[u8], signature: &[u8; 64]) -> bool {
        self.0
            .verify_strict(message, &Signature::from_bytes(signature))
            .is_ok()
    }
}

impl TryFrom<[u8; 32]> for DeviceVerifyingKey {
    type Error = InvalidVerifyingKey;
    fn try_from(bytes: [u8; 32]) -> Result<Self, Self::Error> {
        Self::from_bytes(&bytes)
    }
}

impl From<DeviceVerifyingKey> for [u8; 32] {
    fn from(key: DeviceVerifyingKey) -> Self {
        key.to_bytes()
    }
}

impl fmt::Debug for DeviceVerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DeviceVerifyingKey(")?;
        for byte in self.0.as_bytes() {
            write!(f, "{byte:02x}")?;
        }
        f.write_str(")")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::TestRandom;

    #[test]
    fn debug_never_prints_the_private_key() {
        let key = DeviceSigningKey::generate(&mut TestRandom::new(1));
        assert_eq!(format!("{key:?}"), "DeviceSigningKey(***)");
        assert_eq!(format!("{:?}", Some(&key)), "Some(DeviceSigningKey(***))");
    }

    #[test]
    fn a_key_restored_from_its_bytes_signs_for_the_same_public_key() {
        let key = DeviceSigningKey::generate(&mut TestRandom::new(2));
        let restored = DeviceSigningKey::from_bytes(&key.to_bytes());
        assert_eq!(restored.verifying_key(), key.verifying_key());
        let signature = restored.sign(b"hello");
        assert!(key.verifying_key().verify(b"hello", &signature));
        assert!(!key.verifying_key().verify(b"hellp", &signature));
    }

    #[test]
    fn public_keys_round_trip_and_invalid_points_are_refused() {
        let public = DeviceSigningKey::generate(&mut TestRandom::new(3)).verifying_key();
        let json = serde_json::to_string(&public).unwrap();
        assert_eq!(serde_json::from_str::<DeviceVerifyingKey>(&json).unwrap(), public);
        // y = 2 is not on the curve: there is no x with (2, x) on edwards25519.
        let mut bad = [0u8; 32];
        bad[0] = 2;
        assert_eq!(DeviceVerifyingKey::from_bytes(&bad), Err(InvalidVerifyingKey));
        assert!(serde_json::from_str::<DeviceVerifyingKey>(&serde_json::to_string(&bad).unwrap()).is_err());
    }
}
