//! One device's membership in one channel's MLS group.
//!
//! Sans-I/O: every operation returns the bytes to send; the caller sends them to the
//! server and reports back. A commit this device makes stays *pending* until the server
//! accepts it ([`ChannelMember::merge_pending_commit`]) or answers "wrong epoch"
//! ([`ChannelMember::clear_pending_commit`], then process the missing commits and try
//! again). Incoming commits must be processed in the server's order, without gaps.

use std::fmt;
use std::sync::Arc;

use openmls::prelude::{
    Credential, KeyPackage, LeafNodeIndex, MlsGroup, MlsMessageBodyIn, MlsMessageOut, OpenMlsProvider as _,
    ProcessedMessageContent, ProtocolMessage, ProtocolVersion, StagedCommit,
};
use openmls_rust_crypto::OpenMlsRustCrypto;

use super::error::MlsError;
use super::identity::{credential_ids, DeviceIdentity};
use super::wire;
use crate::proto::{DeviceId, UserId};
use crate::signing::DeviceVerifyingKey;

/// A member of a channel's group, as every member sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberInfo {
    /// The person.
    pub user: UserId,
    /// Their device (one MLS leaf).
    pub device: DeviceId,
    /// The device's signature key: it signs the device's MLS messages and posts.
    pub signature_key: DeviceVerifyingKey,
}

/// What a commit changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitSummary {
    /// The epoch the group was in before the commit.
    pub epoch_from: u64,
    /// The epoch the commit moves the group into.
    pub epoch: u64,
    /// Who made the commit (`None` for a commit not sent by a member).
    pub committer: Option<(UserId, DeviceId)>,
    /// Devices added, in commit order.
    pub added: Vec<(UserId, DeviceId)>,
    /// Devices removed, in commit order.
    pub removed: Vec<(UserId, DeviceId)>,
    /// Whether this device itself was removed (it can no longer use the channel).
    pub removed_self: bool,
}

/// The bytes to send for a commit this device made.
#[derive(Clone, PartialEq, Eq)]
pub struct CommitOutput {
    /// The commit (an MLS public message), for the server and every member.
    pub commit: Vec<u8>,
    /// The Welcome for added devices (only when devices are added).
    pub welcome: Option<Vec<u8>>,
    /// The GroupInfo of the new epoch, ratchet tree inside, for the server (re-sync,
    /// late joiners).
    pub group_info: Option<Vec<u8>>,
    /// What the commit changes, as the server will see it.
    pub summary: CommitSummary,
}

impl fmt::Debug for CommitOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CommitOutput")
            .field("commit", &format_args!("{} bytes", self.commit.len()))
            .field("welcome", &self.welcome.as_ref().map(Vec::len))
            .field("group_info", &self.group_info.as_ref().map(Vec::len))
            .field("summary", &self.summary)
            .finish()
    }
}

/// What an incoming message turned out to be.
#[derive(Clone, PartialEq, Eq)]
pub enum Incoming {
    /// A commit, already merged: the member is now in `summary.epoch`.
    Commit(CommitSummary),
    /// A decrypted application message (e.g. era keys for the channel).
    Application {
        /// The device that sent it.
        sender: (UserId, DeviceId),
        /// The plaintext.
        plaintext: Vec<u8>,
    },
    /// A proposal, stored until a commit covers it.
    Proposal {
        /// The device that sent it, if it was a member.
        sender: Option<(UserId, DeviceId)>,
    },
    /// This device's own application message, echoed back: nothing to do.
    OwnMessage,
}

impl fmt::Debug for Incoming {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Commit(summary) => f.debug_tuple("Commit").field(summary).finish(),
            Self::Application { sender, plaintext } => f
                .debug_struct("Application")
                .field("sender", sender)
                .field("plaintext", &format_args!("*** ({} bytes)", plaintext.len()))
                .finish(),
            Self::Proposal { sender } => f.debug_struct("Proposal").field("sender", sender).finish(),
            Self::OwnMessage => f.write_str("OwnMessage"),
        }
    }
}

/// One device in one channel's MLS group. Made by [`crate::mls::MlsDevice::create_group`]
/// or [`crate::mls::MlsDevice::join_from_welcome`]; shares the device's store.
pub struct ChannelMember {
    identity: DeviceIdentity,
    provider: Arc<OpenMlsRustCrypto>,
    group: MlsGroup,
}

impl ChannelMember {
    pub(crate) fn new(identity: DeviceIdentity, provider: Arc<OpenMlsRustCrypto>, group: MlsGroup) -> Self {
        Self {
            identity,
            provider,
            group,
        }
    }

    /// The group (channel) ID.
    pub fn group_id(&self) -> &[u8] {
        self.group.group_id().as_slice()
    }

    /// The current epoch; all members that processed the same commits agree on it.
    pub fn epoch(&self) -> u64 {
        self.group.epoch().as_u64()
    }

    /// Whether this device is still a member (false once a commit removed it).
    pub fn is_active(&self) -> bool {
        self.group.is_active()
    }

    /// Whether a commit of this device awaits the server's answer.
    pub fn has_pending_commit(&self) -> bool {
        self.group.pending_commit().is_some()
    }

    /// The current members. Leaves that are not Kizuna devices are left out (they cannot
    /// get in through this crate: commits adding them are refused).
    pub fn members(&self) -> Vec<MemberInfo> {
        self.group
            .members()
            .filter_map(|m| {
                let (user, device) = credential_ids(&m.credential)?;
                let key: [u8; 32] = m.signature_key.as_slice().try_into().ok()?;
                Some(MemberInfo {
                    user,
                    device,
                    signature_key: DeviceVerifyingKey::from_bytes(&key).ok()?,
                })
            })
            .collect()
    }

    /// The current members' device IDs only: cheaper than [`Self::members`], which also
    /// decodes every signature key.
    pub(crate) fn member_devices(&self) -> Vec<DeviceId> {
        self.group
            .members()
            .filter_map(|m| credential_ids(&m.credential).map(|(_, device)| device))
            .collect()
    }

    /// The current GroupInfo with the ratchet tree, signed by this device: what the
    /// server (re)initialises its view from.
    pub fn group_info(&self) -> Result<Vec<u8>, MlsError> {
        let info = self
            .group
            .export_group_info(self.provider.crypto(), self.identity.signer(), true)
            .map_err(|e| MlsError::mls("export group info", e))?;
        wire::encode(&info).map_err(|e| MlsError::mls("encode group info", e))
    }

    /// Adds the devices whose key packages (as fetched from the server) are given, in one
    /// commit. The commit stays pending until [`Self::merge_pending_commit`].
    pub fn add_devices<B: AsRef<[u8]>>(&mut self, key_packages: &[B]) -> Result<CommitOutput, MlsError> {
        let key_packages = key_packages
            .iter()
            .map(|bytes| self.key_package(bytes.as_ref()))
            .collect::<Result<Vec<_>, _>>()?;
        self.add_key_packages(&key_packages)
    }

    /// [`Self::add_devices`] with key packages already decoded by [`Self::key_package`].
    pub(crate) fn add_key_packages(&mut self, key_packages: &[KeyPackage]) -> Result<CommitOutput, MlsError> {
        if key_packages.is_empty() {
            return Err(MlsError::EmptyInput);
        }
        let (commit, welcome, group_info) = self
            .group
            .add_members(self.provider.as_ref(), self.identity.signer(), key_packages)
            .map_err(|e| MlsError::mls("add members", e))?;
        self.output(&commit, Some(&welcome), group_info.map(MlsMessageOut::from))
    }

    /// Removes the given devices in one commit (pending until
    /// [`Self::merge_pending_commit`]). To leave, another member must remove this device.
    pub fn remove_devices(&mut self, devices: &[DeviceId]) -> Result<CommitOutput, MlsError> {
        if devices.is_empty() {
            return Err(MlsError::EmptyInput);
        }
        let leaves = devices
            .iter()
            .map(|device| {
                self.group
                    .members()
                    .find(|m| credential_ids(&m.credential).is_some_and(|(_, d)| d == *device))
                    .map(|m| m.index)
                    .ok_or(MlsError::NotAMember(*device))
            })
            .collect::<Result<Vec<LeafNodeIndex>, _>>()?;
        let (commit, welcome, group_info) = self
            .group
            .remove_members(self.provider.as_ref(), self.identity.signer(), &leaves)
            .map_err(|e| MlsError::mls("remove members", e))?;
        self.output(&commit, welcome.as_ref(), group_info.map(MlsMessageOut::from))
    }

    /// Applies this device's pending commit once the server accepted it. Returns the new
    /// epoch. Does nothing if no commit is pending.
    pub fn merge_pending_commit(&mut self) -> Result<u64, MlsError> {
        self.group
            .merge_pending_commit(self.provider.as_ref())
            .map_err(|e| MlsError::mls("merge pending commit", e))?;
        Ok(self.epoch())
    }

    /// Drops this device's pending commit after the server refused it (another commit
    /// won the epoch). Process the winner's commit, then commit again.
    pub fn clear_pending_commit(&mut self) -> Result<(), MlsError> {
        self.group
            .clear_pending_commit(self.provider.storage())
            .map_err(|e| MlsError::mls("clear pending commit", e))
    }

    /// Drops every stored proposal (Kizuna commits carry their changes inline; a stray
    /// proposal would otherwise be swept into this device's next commit).
    pub(crate) fn clear_pending_proposals(&mut self) -> Result<(), MlsError> {
        self.group
            .clear_pending_proposals(self.provider.storage())
            .map_err(|e| MlsError::mls("clear proposals", e))
    }

    /// Encrypts an application message (e.g. era keys) for the current members.
    pub fn encrypt_application(&mut self, plaintext: &[u8]) -> Result<Vec<u8>, MlsError> {
        if !self.group.is_active() {
            return Err(MlsError::Evicted);
        }
        let message = self
            .group
            .create_message(self.provider.as_ref(), self.identity.signer(), plaintext)
            .map_err(|e| MlsError::mls("encrypt application message", e))?;
        wire::encode(&message).map_err(|e| MlsError::mls("encode application message", e))
    }

    /// Processes one message from the channel's ordered log. Commits are merged at once
    /// (they must arrive in order); application messages are decrypted.
    pub fn process_incoming(&mut self, bytes: &[u8]) -> Result<Incoming, MlsError> {
        let message: ProtocolMessage =
            match wire::decode(bytes).map_err(|e| MlsError::malformed("group message", e))? {
                MlsMessageBodyIn::PublicMessage(m) => m.into(),
                MlsMessageBodyIn::PrivateMessage(m) => m.into(),
                other => {
                    return Err(MlsError::Malformed {
                        expected: "group message",
                        reason: format!("got a {}", wire::kind(&other)),
                    })
                }
            };
        if message.group_id() != self.group.group_id() {
            return Err(MlsError::WrongGroup);
        }
        if !self.group.is_active() {
            return Err(MlsError::Evicted);
        }
        let current = self.epoch();
        if message.is_handshake_message() && message.epoch().as_u64() != current {
            return Err(MlsError::WrongEpoch {
                message: message.epoch().as_u64(),
                current,
            });
        }
        let processed = self
            .group
            .process_message(self.provider.as_ref(), message)
            .map_err(|e| MlsError::mls("process message", e))?;
        let sender = credential_ids(processed.credential());
        match processed.into_content() {
            ProcessedMessageContent::ApplicationMessage(message) => Ok(Incoming::Application {
                sender: sender.ok_or(MlsError::ForeignCredential)?,
                plaintext: message.into_bytes(),
            }),
            ProcessedMessageContent::ProposalMessage(proposal)
            | ProcessedMessageContent::ExternalJoinProposalMessage(proposal) => {
                self.group
                    .store_pending_proposal(self.provider.storage(), *proposal)
                    .map_err(|e| MlsError::mls("store proposal", e))?;
                Ok(Incoming::Proposal { sender })
            }
            ProcessedMessageContent::StagedCommitMessage(staged) => {
                let summary = summarize(&staged, current, sender, Some(self.identity.device()), |leaf| {
                    self.group.member(leaf)
                })
                .ok_or(MlsError::ForeignCredential)?;
                self.group
                    .merge_staged_commit(self.provider.as_ref(), *staged)
                    .map_err(|e| MlsError::mls("merge commit", e))?;
                Ok(Incoming::Commit(summary))
            }
            ProcessedMessageContent::OwnPendingCommit => {
                let summary = self.pending_summary()?;
                self.merge_pending_commit()?;
                Ok(Incoming::Commit(summary))
            }
            ProcessedMessageContent::OwnPrivateMessage => Ok(Incoming::OwnMessage),
        }
    }

    /// Decodes and validates a key package: signature, lifetime, and a Kizuna credential.
    pub(crate) fn key_package(&self, bytes: &[u8]) -> Result<KeyPackage, MlsError> {
        let key_package = match wire::decode(bytes).map_err(|e| MlsError::malformed("key package", e))? {
            MlsMessageBodyIn::KeyPackage(key_package) => key_package,
            other => {
                return Err(MlsError::Malformed {
                    expected: "key package",
                    reason: format!("got a {}", wire::kind(&other)),
                })
            }
        };
        let key_package = key_package
            .validate(self.provider.crypto(), ProtocolVersion::Mls10)
            .map_err(|e| MlsError::mls("validate key package", e))?;
        if credential_ids(key_package.leaf_node().credential()).is_none() {
            return Err(MlsError::ForeignCredential);
        }
        Ok(key_package)
    }

    /// What this device's pending commit changes.
    pub(crate) fn pending_summary(&self) -> Result<CommitSummary, MlsError> {
        let staged = self.group.pending_commit().ok_or(MlsError::Mls {
            operation: "summarise commit",
            reason: "no pending commit".to_owned(),
        })?;
        let own = Some((self.identity.user(), self.identity.device()));
        summarize(staged, self.epoch(), own, Some(self.identity.device()), |leaf| {
            self.group.member(leaf)
        })
        .ok_or(MlsError::ForeignCredential)
    }

    /// The device's identity (the channel layer signs posts with its key).
    pub(crate) fn identity(&self) -> &DeviceIdentity {
        &self.identity
    }

    /// The device's crypto provider (HPKE for history sent to one newcomer).
    pub(crate) fn provider(&self) -> &OpenMlsRustCrypto {
        &self.provider
    }

    fn output(
        &self,
        commit: &MlsMessageOut,
        welcome: Option<&MlsMessageOut>,
        group_info: Option<MlsMessageOut>,
    ) -> Result<CommitOutput, MlsError> {
        let encode = |m: &MlsMessageOut| wire::encode(m).map_err(|e| MlsError::mls("encode commit", e));
        Ok(CommitOutput {
            commit: encode(commit)?,
            welcome: welcome.map(encode).transpose()?,
            group_info: group_info.as_ref().map(encode).transpose()?,
            summary: self.pending_summary()?,
        })
    }
}

impl fmt::Debug for ChannelMember {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChannelMember")
            .field("identity", &self.identity)
            .field("epoch", &self.epoch())
            .field("secrets", &"***")
            .finish()
    }
}

/// What can be read from a group message without processing it: its epoch, and whether
/// it is a handshake message (commit or proposal) or an application message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Peeked {
    /// The epoch the message was made in.
    pub(crate) epoch: u64,
    /// Commit or proposal (public message), as opposed to application data.
    pub(crate) handshake: bool,
}

/// Reads the clear part of a group message (public or private) without decrypting it.
pub(crate) fn peek(bytes: &[u8]) -> Result<Peeked, MlsError> {
    let message: ProtocolMessage =
        match wire::decode(bytes).map_err(|e| MlsError::malformed("group message", e))? {
            MlsMessageBodyIn::PublicMessage(m) => m.into(),
            MlsMessageBodyIn::PrivateMessage(m) => m.into(),
            other => {
                return Err(MlsError::Malformed {
                    expected: "group message",
                    reason: format!("got a {}", wire::kind(&other)),
                })
            }
        };
    Ok(Peeked {
        epoch: message.epoch().as_u64(),
        handshake: message.is_handshake_message(),
    })
}

/// Who a staged commit adds and removes. `leaf` looks up the credential at a leaf index
/// in the group *before* the commit (merging blanks removed leaves).
///
/// `None` if a credential involved is not a Kizuna device's, or if the committer's new
/// leaf (update path) names another user or device than the committer.
pub(crate) fn summarize<'a>(
    staged: &StagedCommit,
    epoch_from: u64,
    committer: Option<(UserId, DeviceId)>,
    own_device: Option<DeviceId>,
    leaf: impl Fn(LeafNodeIndex) -> Option<&'a Credential>,
) -> Option<CommitSummary> {
    let added = staged
        .add_proposals()
        .map(|p| credential_ids(p.add_proposal().key_package().leaf_node().credential()))
        .collect::<Option<Vec<_>>>()?;
    let removed = staged
        .remove_proposals()
        .map(|p| leaf(p.remove_proposal().removed()).and_then(credential_ids))
        .collect::<Option<Vec<_>>>()?;
    if let Some(leaf) = staged.update_path_leaf_node() {
        if credential_ids(leaf.credential()) != committer {
            return None;
        }
    }
    Some(CommitSummary {
        epoch_from,
        epoch: staged.epoch().as_u64(),
        committer,
        removed_self: own_device.is_some_and(|own| removed.iter().any(|(_, d)| *d == own)),
        added,
        removed,
    })
}
