//! A device's MLS identity: a basic credential naming the user and the device, and the
//! device's Ed25519 key, which signs both its MLS messages and its posts.

use std::fmt;

use openmls::prelude::{BasicCredential, Credential, CredentialType, CredentialWithKey};
use openmls_basic_credential::SignatureKeyPair;

use crate::proto::{DeviceId, UserId};
use crate::random::Random;
use crate::signing::{DeviceSigningKey, DeviceVerifyingKey};

/// Length of a Kizuna credential's identity: user ID (16 bytes) then device ID (16 bytes).
const IDENTITY_LEN: usize = 32;

/// A device's MLS identity and private signature key.
///
/// The MLS leaf key *is* the [`DeviceSigningKey`]: the same Ed25519 seed signs MLS
/// messages and posts, so members verify posts with the key they see in the group
/// ([`crate::mls::MemberInfo::signature_key`]). `Debug` prints `***` for the key.
pub struct DeviceIdentity {
    user: UserId,
    device: DeviceId,
    signing_key: DeviceSigningKey,
    key_pair: SignatureKeyPair,
}

impl DeviceIdentity {
    /// A new identity for `device` of `user`, with a fresh signature key from `rng`.
    pub fn generate(user: UserId, device: DeviceId, rng: &mut dyn Random) -> Self {
        Self::from_signing_key(user, device, DeviceSigningKey::generate(rng))
    }

    /// The identity for an existing device key, e.g. restored from the device's
    /// encrypted key store.
    pub fn from_signing_key(user: UserId, device: DeviceId, signing_key: DeviceSigningKey) -> Self {
        let public = signing_key.verifying_key().to_bytes().to_vec();
        let key_pair = SignatureKeyPair::from_raw(
            super::CIPHERSUITE.signature_algorithm(),
            signing_key.to_bytes().to_vec(),
            public,
        );
        Self {
            user,
            device,
            signing_key,
            key_pair,
        }
    }

    /// The user this device belongs to.
    pub fn user(&self) -> UserId {
        self.user
    }

    /// This device.
    pub fn device(&self) -> DeviceId {
        self.device
    }

    /// The device's private key, for signing posts ([`crate::seal`]).
    pub fn signing_key(&self) -> &DeviceSigningKey {
        &self.signing_key
    }

    /// The device's public key (what the server registers and members check posts with).
    pub fn verifying_key(&self) -> DeviceVerifyingKey {
        self.signing_key.verifying_key()
    }

    /// The 32-byte public signature key, as it appears in the device's MLS leaves.
    pub fn signature_public_key(&self) -> [u8; 32] {
        self.verifying_key().to_bytes()
    }

    /// The MLS basic credential: identity = user ID (16 bytes) || device ID (16 bytes).
    pub fn credential(&self) -> Credential {
        let mut identity = Vec::with_capacity(IDENTITY_LEN);
        identity.extend_from_slice(self.user.as_uuid().as_bytes());
        identity.extend_from_slice(self.device.as_uuid().as_bytes());
        BasicCredential::new(identity).into()
    }

    pub(crate) fn credential_with_key(&self) -> CredentialWithKey {
        CredentialWithKey {
            credential: self.credential(),
            signature_key: self.signature_public_key().to_vec().into(),
        }
    }

    pub(crate) fn signer(&self) -> &SignatureKeyPair {
        &self.key_pair
    }
}

impl Clone for DeviceIdentity {
    fn clone(&self) -> Self {
        Self::from_signing_key(self.user, self.device, self.signing_key.clone())
    }
}

impl fmt::Debug for DeviceIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeviceIdentity")
            .field("user", &self.user)
            .field("device", &self.device)
            .field("signing_key", &"***")
            .finish()
    }
}

/// The user and device a Kizuna credential names, or `None` if the credential is not a
/// basic credential of exactly 32 bytes (user ID || device ID).
pub fn credential_ids(credential: &Credential) -> Option<(UserId, DeviceId)> {
    if credential.credential_type() != CredentialType::Basic {
        return None;
    }
    let basic = BasicCredential::try_from(credential.clone()).ok()?;
    let identity: &[u8; IDENTITY_LEN] = basic.identity().try_into().ok()?;
    let (user, device) = identity.split_at(16);
    let user = uuid::Uuid::from_slice(user).ok()?;
    let device = uuid::Uuid::from_slice(device).ok()?;
    Some((UserId::from_uuid(user), DeviceId::from_uuid(device)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::TestRandom;
    use uuid::Uuid;

    #[test]
    fn credential_names_user_and_device_and_debug_hides_the_key() {
        let (user, device) = (
            UserId::from_uuid(Uuid::from_u128(1)),
            DeviceId::from_uuid(Uuid::from_u128(2)),
        );
        let identity = DeviceIdentity::generate(user, device, &mut TestRandom::new(1));
        assert_eq!(credential_ids(&identity.credential()), Some((user, device)));
        assert!(format!("{identity:?}").contains("***"));
        assert!(
            !format!("{:?}", identity.clone()).contains(&format!("{:?}", identity.signing_key().to_bytes()))
        );
        assert_eq!(
            identity.signature_public_key(),
            identity.signing_key().verifying_key().to_bytes()
        );
    }

    #[test]
    fn other_credentials_are_not_kizuna_devices() {
        assert_eq!(
            credential_ids(&BasicCredential::new(b"alice".to_vec()).into()),
            None
        );
        assert_eq!(credential_ids(&BasicCredential::new(vec![0; 33]).into()), None);
        assert_eq!(
            credential_ids(&Credential::new(CredentialType::X509, vec![0; 32])),
            None
        );
    }

    #[test]
    fn the_mls_key_signs_what_the_post_key_verifies() {
        use openmls_traits::signatures::Signer;
        let identity = DeviceIdentity::generate(
            UserId::from_uuid(Uuid::from_u128(1)),
            DeviceId::from_uuid(Uuid::from_u128(2)),
            &mut TestRandom::new(2),
        );
        let signature: [u8; 64] = identity.signer().sign(b"payload").unwrap().try_into().unwrap();
        assert!(identity.verifying_key().verify(b"payload", &signature));
    }
}
