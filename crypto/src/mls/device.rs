//! One device's MLS state: its identity, its key packages, and every channel it belongs
//! to, in one in-memory store that can be exported for encrypted persistence.
//!
//! The store is per device rather than per channel because a key package is published
//! before anyone knows which channel it will be used for: the Welcome that consumes it
//! must be processed with the store that holds its private keys.

use std::fmt;
use std::sync::Arc;

use openmls::prelude::tls_codec::Deserialize as _;
use openmls::prelude::{
    Capabilities, ExtensionType, GroupId, KeyPackage, KeyPackageBundle, MlsGroup, MlsMessageBodyIn,
    MlsMessageOut, OpenMlsProvider as _, RatchetTreeIn, StagedWelcome,
};
use openmls_rust_crypto::OpenMlsRustCrypto;
use openmls_traits::storage::StorageProvider as _;
use zeroize::Zeroizing;

use super::error::MlsError;
use super::identity::{credential_ids, DeviceIdentity};
use super::member::ChannelMember;
use super::{create_config, join_config, state, wire, CIPHERSUITE};
use crate::proto::{DeviceId, UserId};

/// A key package ready to upload: the server hands each one out once (the last-resort
/// one repeatedly) to whoever adds this device to a channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyPackageOut {
    /// The key package reference (RFC 9420 `KeyPackageRef`, a hash): the server's key
    /// for deleting it once used.
    pub id: Vec<u8>,
    /// The key package as an MLS message (`mls_key_package` wire format).
    pub bytes: Vec<u8>,
    /// Whether the package may be used more than once (when no other is left).
    pub last_resort: bool,
}

/// What [`MlsDevice::join`] hands the channel layer.
pub(crate) struct Joined {
    /// The new member.
    pub(crate) member: ChannelMember,
    /// The HPKE private init key of the key package the Welcome was for (wiped on drop).
    pub(crate) init_key: Option<Zeroizing<Vec<u8>>>,
    /// The device that added this one (sent the Welcome).
    pub(crate) welcomer: Option<(UserId, DeviceId)>,
}

/// A device's MLS state. Cheap to share between its [`ChannelMember`]s, which keep a
/// handle on the same store.
pub struct MlsDevice {
    identity: DeviceIdentity,
    provider: Arc<OpenMlsRustCrypto>,
}

impl MlsDevice {
    /// A device with no key packages and no channels yet.
    pub fn new(identity: DeviceIdentity) -> Self {
        Self {
            identity,
            provider: Arc::new(OpenMlsRustCrypto::default()),
        }
    }

    /// The device's identity.
    pub fn identity(&self) -> &DeviceIdentity {
        &self.identity
    }

    /// Generates `n` key packages to upload. Their private keys stay in this device's
    /// store until a Welcome uses them. With `last_resort`, the packages are marked as
    /// last-resort (RFC 9420 §16.8: reusable when the one-time ones have run out).
    pub fn generate_key_packages(&self, n: usize, last_resort: bool) -> Result<Vec<KeyPackageOut>, MlsError> {
        (0..n)
            .map(|_| {
                let builder = KeyPackage::builder();
                let builder = if last_resort {
                    // The leaf must declare support for the extension it carries.
                    builder
                        .leaf_node_capabilities(
                            Capabilities::builder()
                                .extensions(vec![ExtensionType::LastResort])
                                .build(),
                        )
                        .mark_as_last_resort()
                } else {
                    builder
                };
                let bundle = builder
                    .build(
                        CIPHERSUITE,
                        self.provider.as_ref(),
                        self.identity.signer(),
                        self.identity.credential_with_key(),
                    )
                    .map_err(|e| MlsError::mls("build key package", e))?;
                let key_package = bundle.key_package().clone();
                let id = key_package
                    .hash_ref(self.provider.crypto())
                    .map_err(|e| MlsError::mls("hash key package", e))?
                    .as_slice()
                    .to_vec();
                let bytes = wire::encode(&MlsMessageOut::from(key_package))
                    .map_err(|e| MlsError::mls("encode key package", e))?;
                Ok(KeyPackageOut {
                    id,
                    bytes,
                    last_resort,
                })
            })
            .collect()
    }

    /// Creates the MLS group of a channel with this device as its only member. Returns
    /// the member and the GroupInfo (ratchet tree inside) the server initialises its
    /// [`crate::mls::ServerGroupView`] from.
    pub fn create_group(&self, group_id: &[u8]) -> Result<(ChannelMember, Vec<u8>), MlsError> {
        let group = MlsGroup::new_with_group_id(
            self.provider.as_ref(),
            self.identity.signer(),
            &create_config(),
            GroupId::from_slice(group_id),
            self.identity.credential_with_key(),
        )
        .map_err(|e| MlsError::mls("create group", e))?;
        let member = self.member(group);
        let group_info = member.group_info()?;
        Ok((member, group_info))
    }

    /// Joins a channel from the Welcome a member sent (through the server) when adding
    /// this device. `ratchet_tree` is only needed if the Welcome carries no tree (Kizuna
    /// clients always include it). Refuses groups with members that are not Kizuna
    /// devices.
    pub fn join_from_welcome(
        &self,
        welcome: &[u8],
        ratchet_tree: Option<&[u8]>,
    ) -> Result<ChannelMember, MlsError> {
        self.join(welcome, ratchet_tree, None).map(|joined| joined.member)
    }

    /// Joins from a Welcome, refusing it (before anything is stored) unless the group ID is
    /// `expected_group` when given. Also returns what the channel layer needs to accept
    /// history sent to this device alone: the private init key of the key package the
    /// Welcome used (openmls deletes it from the store while joining) and who added us.
    pub(crate) fn join(
        &self,
        welcome: &[u8],
        ratchet_tree: Option<&[u8]>,
        expected_group: Option<&[u8]>,
    ) -> Result<Joined, MlsError> {
        let welcome = match wire::decode(welcome).map_err(|e| MlsError::malformed("welcome", e))? {
            MlsMessageBodyIn::Welcome(welcome) => welcome,
            other => {
                return Err(MlsError::Malformed {
                    expected: "welcome",
                    reason: format!("got a {}", wire::kind(&other)),
                })
            }
        };
        let ratchet_tree = ratchet_tree
            .map(RatchetTreeIn::tls_deserialize_exact)
            .transpose()
            .map_err(|e| MlsError::malformed("ratchet tree", e))?;
        // Read the init key before openmls consumes the key package.
        let mut init_key = None;
        for secrets in welcome.secrets() {
            let bundle: Option<KeyPackageBundle> = self
                .provider
                .storage()
                .key_package(&secrets.new_member())
                .map_err(|e| MlsError::mls("read key package", e))?;
            if let Some(bundle) = bundle {
                init_key = Some(Zeroizing::new(bundle.init_private_key().to_vec()));
                break;
            }
        }
        if let Some(expected) = expected_group {
            self.forget_if_evicted(expected)?;
        }
        let staged =
            StagedWelcome::new_from_welcome(self.provider.as_ref(), &join_config(), welcome, ratchet_tree)
                .map_err(|e| MlsError::mls("process welcome", e))?;
        if expected_group.is_some_and(|expected| staged.group_context().group_id().as_slice() != expected) {
            return Err(MlsError::WrongGroup);
        }
        if staged.members().any(|m| credential_ids(&m.credential).is_none()) {
            return Err(MlsError::ForeignCredential);
        }
        let welcomer = staged
            .welcome_sender()
            .ok()
            .and_then(|leaf| credential_ids(leaf.credential()));
        let group = staged
            .into_group(self.provider.as_ref())
            .map_err(|e| MlsError::mls("join group", e))?;
        Ok(Joined {
            member: self.member(group),
            init_key,
            welcomer,
        })
    }

    /// Drops the stored state of a group this device was removed from, so that it can
    /// be added back (a person removed and re-invited). A group it is still in stays.
    fn forget_if_evicted(&self, group_id: &[u8]) -> Result<(), MlsError> {
        let stored = MlsGroup::load(self.provider.storage(), &GroupId::from_slice(group_id))
            .map_err(|e| MlsError::mls("load group", e))?;
        if let Some(mut group) = stored.filter(|g| !g.is_active()) {
            group
                .delete(self.provider.storage())
                .map_err(|e| MlsError::mls("delete old group", e))?;
        }
        Ok(())
    }

    /// The channel with this group ID from the device's store (e.g. after
    /// [`MlsDevice::import_state`]), or `None` if the device is not in it.
    pub fn load_group(&self, group_id: &[u8]) -> Result<Option<ChannelMember>, MlsError> {
        let group = MlsGroup::load(self.provider.storage(), &GroupId::from_slice(group_id))
            .map_err(|e| MlsError::mls("load group", e))?;
        Ok(group.map(|group| self.member(group)))
    }

    /// The device's whole MLS state (unused key packages, every channel's secrets) as
    /// bytes, to be stored encrypted. Wiped from memory when dropped. Channels must be
    /// reloaded with [`MlsDevice::load_group`] after an import.
    pub fn export_state(&self) -> Result<Zeroizing<Vec<u8>>, MlsError> {
        state::export(self.provider.storage()).map_err(|e| MlsError::State(e.0))
    }

    /// Restores a device from [`MlsDevice::export_state`] and its identity.
    pub fn import_state(identity: DeviceIdentity, state: &[u8]) -> Result<Self, MlsError> {
        let device = Self::new(identity);
        state::import(device.provider.storage(), state).map_err(|e| MlsError::State(e.0))?;
        Ok(device)
    }

    fn member(&self, group: MlsGroup) -> ChannelMember {
        ChannelMember::new(self.identity.clone(), Arc::clone(&self.provider), group)
    }
}

impl fmt::Debug for MlsDevice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MlsDevice")
            .field("identity", &self.identity)
            .field("state", &"***")
            .finish()
    }
}
