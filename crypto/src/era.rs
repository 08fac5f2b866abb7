//! Era keys: the symmetric keys posts are encrypted under.
//!
//! Plain MLS deletes its keys after use (forward secrecy), but care records must stay
//! readable for years and reach members who join later. So each room channel has a
//! sequence of *eras*; a member creates a random key per era and distributes it to the
//! channel inside MLS. A new era starts whenever a member is removed (and at least
//! daily), so a removed member cannot read what is posted after they left.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use serde::{Deserialize, Serialize};
use uuid::Uuid;
use zeroize::{Zeroize, Zeroizing};

use crate::random::Random;

/// Names one era of one room channel. Random (a version-4 UUID), so it reveals
/// nothing about when or by whom the era was started.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct EraId(pub Uuid);

impl EraId {
    /// A fresh random era ID.
    pub fn generate(rng: &mut dyn Random) -> Self {
        let mut bytes = [0u8; 16];
        rng.fill(&mut bytes);
        Self(uuid::Builder::from_random_bytes(bytes).into_uuid())
    }

    /// The 16 bytes of the UUID, as bound into a post's associated data.
    pub fn as_bytes(&self) -> &[u8; 16] {
        self.0.as_bytes()
    }
}

impl fmt::Display for EraId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl fmt::Debug for EraId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EraId({})", self.0)
    }
}

/// A 256-bit symmetric key for one era, with its ID.
///
/// Serialisable so it can travel inside an MLS application message and be stored
/// (encrypted) on the device. The key bytes are wiped when the value is dropped and
/// never appear in `Debug` output.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EraKey {
    id: EraId,
    key: [u8; 32],
}

impl EraKey {
    /// Starts a new era: a fresh ID and a fresh random key.
    pub fn generate(rng: &mut dyn Random) -> Self {
        let id = EraId::generate(rng);
        let mut key = [0u8; 32];
        rng.fill(&mut key);
        Self { id, key }
    }

    /// Rebuilds an era key from its parts, e.g. when it arrives by another route than
    /// serde. Takes the key by value so the caller's copy can be dropped right away.
    pub fn from_parts(id: EraId, key: [u8; 32]) -> Self {
        Self { id, key }
    }

    /// Which era this key belongs to.
    pub fn id(&self) -> EraId {
        self.id
    }

    /// The key bytes; kept crate-private so only the AEAD ever sees them.
    pub(crate) fn secret(&self) -> &[u8; 32] {
        &self.key
    }

    /// Encrypts `plaintext` under this era's key (XChaCha20-Poly1305) with `ad` as
    /// associated data. What posts and sealed room state share.
    pub(crate) fn seal(&self, nonce: &[u8; 24], plaintext: &[u8], ad: &[u8]) -> Option<Vec<u8>> {
        XChaCha20Poly1305::new((&self.key).into())
            .encrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: plaintext,
                    aad: ad,
                },
            )
            .ok()
    }

    /// Decrypts what [`EraKey::seal`] made; `None` when the key, the nonce, the
    /// associated data or the ciphertext do not match.
    pub(crate) fn open(&self, nonce: &[u8; 24], ciphertext: &[u8], ad: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        XChaCha20Poly1305::new((&self.key).into())
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: ad,
                },
            )
            .ok()
            .map(Zeroizing::new)
    }
}

impl Drop for EraKey {
    fn drop(&mut self) {
        self.key.zeroize();
    }
}

impl fmt::Debug for EraKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EraKey")
            .field("id", &self.id)
            .field("key", &format_args!("***"))
            .finish()
    }
}

/// Somewhere to find the key of an era when opening a post: a slice, a map, or a
/// client's own key store. A trait rather than a closure so stores can hand out
/// references to keys they hold without lifetime gymnastics.
pub trait EraKeyring {
    /// The key of era `id`, if this device holds it.
    fn era_key(&self, id: &EraId) -> Option<&EraKey>;
}

impl EraKeyring for EraKey {
    fn era_key(&self, id: &EraId) -> Option<&EraKey> {
        (self.id == *id).then_some(self)
    }
}

impl EraKeyring for [EraKey] {
    fn era_key(&self, id: &EraId) -> Option<&EraKey> {
        self.iter().find(|key| key.id == *id)
    }
}

impl<S: std::hash::BuildHasher> EraKeyring for HashMap<EraId, EraKey, S> {
    fn era_key(&self, id: &EraId) -> Option<&EraKey> {
        self.get(id)
    }
}

impl EraKeyring for BTreeMap<EraId, EraKey> {
    fn era_key(&self, id: &EraId) -> Option<&EraKey> {
        self.get(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::TestRandom;

    #[test]
    fn debug_shows_the_era_but_never_the_key() {
        let key = EraKey::generate(&mut TestRandom::new(1));
        let printed = format!("{key:?}");
        assert!(printed.contains(&key.id().to_string()), "{printed}");
        assert!(printed.contains("***"), "{printed}");
        assert_eq!(printed, format!("EraKey {{ id: {:?}, key: *** }}", key.id()));
    }

    #[test]
    fn serialised_key_comes_back_identical() {
        let key = EraKey::generate(&mut TestRandom::new(2));
        let json = serde_json::to_string(&key).unwrap();
        let back: EraKey = serde_json::from_str(&json).unwrap();
        assert_eq!(back, key);
    }

    #[test]
    fn eras_are_fresh_and_keyrings_find_them_by_id() {
        let mut rng = TestRandom::new(3);
        let (a, b) = (EraKey::generate(&mut rng), EraKey::generate(&mut rng));
        assert_ne!(a.id(), b.id());
        assert_ne!(a.secret(), b.secret());
        assert_eq!(a.id().0.get_version_num(), 4);

        let slice = [a.clone(), b.clone()];
        assert_eq!(slice[..].era_key(&b.id()), Some(&b));
        let map: HashMap<_, _> = slice.iter().map(|k| (k.id(), k.clone())).collect();
        assert_eq!(map.era_key(&a.id()), Some(&a));
        assert_eq!(a.era_key(&b.id()), None);
        assert_eq!(slice[..1].era_key(&b.id()), None);
    }
}
