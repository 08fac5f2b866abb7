//! The server's view of a channel's MLS group: it is not a member (it has no epoch
//! secrets), but it tracks the public state (ratchet tree, group context) so it can
//! check every commit's signature and proposals, see who is added and removed, and
//! apply room policy *before* accepting the commit into the channel's ordered log.
//!
//! Between requests the server keeps the view as bytes ([`ServerGroupView::export`],
//! [`ServerGroupView::import`]): the same storage dump as a client's MLS state, but with
//! nothing secret in it (the tree, the group context, the transcript hashes).
//!
//! What the server cannot check (it holds no epoch secrets): the membership tag, the confirmation tag
//! and the encrypted path secrets. A commit altered only there passes here and is then
//! rejected by members; the server's copy is an epoch ahead and must be re-synced from
//! a fresh GroupInfo ([`ServerGroupView::from_group_info`]). Hence authenticated
//! transport from members to the server.

use std::fmt;

use openmls::prelude::tls_codec::Deserialize as _;
use openmls::prelude::{
    GroupId, MlsMessageBodyIn, OpenMlsProvider as _, ProcessedMessageContent, ProposalStore, PublicGroup,
    RatchetTreeIn,
};
use openmls_rust_crypto::OpenMlsRustCrypto;

use super::error::ServerViewError;
use super::identity::credential_ids;
use super::member::{summarize, CommitSummary};
use super::{state, wire, CIPHERSUITE};
use crate::proto::{DeviceId, UserId};

/// A group as the delivery service sees it. Sans-I/O: the server crate stores it
/// ([`Self::export`]) and loads it ([`Self::import`]) and serialises access per group.
pub struct ServerGroupView {
    provider: OpenMlsRustCrypto,
    group: PublicGroup,
}

impl ServerGroupView {
    /// Starts tracking a group from a member's GroupInfo (as made by
    /// [`crate::mls::MlsDevice::create_group`], [`crate::mls::ChannelMember::group_info`]
    /// or a commit's [`crate::mls::CommitOutput::group_info`]). The ratchet tree is taken
    /// from the GroupInfo unless given separately. Checks the GroupInfo's signature and
    /// the tree, and that every member is a Kizuna device.
    pub fn from_group_info(group_info: &[u8], ratchet_tree: Option<&[u8]>) -> Result<Self, ServerViewError> {
        let group_info =
            match wire::decode(group_info).map_err(|e| ServerViewError::malformed("group info", e))? {
                MlsMessageBodyIn::GroupInfo(info) => info,
                other => {
                    return Err(ServerViewError::Malformed {
                        expected: "group info",
                        reason: format!("got a {}", wire::kind(&other)),
                    })
                }
            };
        if group_info.ciphersuite() != CIPHERSUITE {
            return Err(ServerViewError::Malformed {
                expected: "group info",
                reason: format!("unsupported ciphersuite {:?}", group_info.ciphersuite()),
            });
        }
        let tree = match ratchet_tree {
            Some(bytes) => RatchetTreeIn::tls_deserialize_exact(bytes)
                .map_err(|e| ServerViewError::malformed("ratchet tree", e))?,
            None => group_info
                .extensions()
                .ratchet_tree()
                .map(|extension| extension.ratchet_tree().clone())
                .ok_or(ServerViewError::MissingRatchetTree)?,
        };
        let provider = OpenMlsRustCrypto::default();
        let (group, _) = PublicGroup::from_external(
            provider.crypto(),
            provider.storage(),
            tree,
            group_info,
            ProposalStore::new(),
        )
        .map_err(|e| ServerViewError::mls("load group info", e))?;
        Self::checked(provider, group)
    }

    /// The view as bytes, to store between requests (e.g. next to the group's log
    /// position). Contains only public group state. Deterministic: the same view gives the
    /// same bytes.
    pub fn export(&self) -> Result<Vec<u8>, ServerViewError> {
        state::export(self.provider.storage())
            .map(|bytes| bytes.to_vec())
            .map_err(|e| ServerViewError::State(e.0))
    }

    /// Restores a view from [`Self::export`]. `group_id` is the group the caller expects
    /// (the key it stored the bytes under); bytes of another group, truncated or
    /// otherwise damaged bytes are an error.
    pub fn import(group_id: &[u8], bytes: &[u8]) -> Result<Self, ServerViewError> {
        let provider = OpenMlsRustCrypto::default();
        state::import(provider.storage(), bytes).map_err(|e| ServerViewError::State(e.0))?;
        let group = PublicGroup::load(provider.storage(), &GroupId::from_slice(group_id))
            .map_err(|e| ServerViewError::mls("load group view", e))?
            .ok_or(ServerViewError::State("no view of this group in the saved bytes"))?;
        if group.group_context().ciphersuite() != CIPHERSUITE {
            return Err(ServerViewError::State("unsupported ciphersuite"));
        }
        Self::checked(provider, group)
    }

    fn checked(provider: OpenMlsRustCrypto, group: PublicGroup) -> Result<Self, ServerViewError> {
        let view = Self { provider, group };
        if view
            .group
            .members()
            .any(|m| credential_ids(&m.credential).is_none())
        {
            return Err(ServerViewError::ForeignCredential);
        }
        Ok(view)
    }

    /// The group (channel) ID.
    pub fn group_id(&self) -> &[u8] {
        self.group.group_id().as_slice()
    }

    /// The epoch the server is at: the only epoch it accepts commits for.
    pub fn epoch(&self) -> u64 {
        self.group.group_context().epoch().as_u64()
    }

    /// The current members' users and devices, in leaf order.
    pub fn members(&self) -> Vec<(UserId, DeviceId)> {
        self.group
            .members()
            .filter_map(|m| credential_ids(&m.credential))
            .collect()
    }

    /// The signature public key of a member device's leaf, if it is a member. The
    /// server compares it with the key the device registered, so nobody can add a
    /// leaf that claims someone else's device under another key.
    pub fn signature_key_of(&self, device: DeviceId) -> Option<Vec<u8>> {
        self.group
            .members()
            .find(|m| credential_ids(&m.credential).is_some_and(|(_, d)| d == device))
            .map(|m| m.signature_key)
    }

    /// Checks a commit without applying it: well-formed public message, this group,
    /// current epoch, valid signature and proposals. Returns who it adds and removes so
    /// the server can apply room policy before [`Self::accept`].
    pub fn validate_commit(&self, commit: &[u8]) -> Result<CommitSummary, ServerViewError> {
        self.stage(commit).map(|(summary, _)| summary)
    }

    /// Validates (as [`Self::validate_commit`]) and applies a commit: the group moves to
    /// the next epoch, and any other commit for the old epoch is refused from now on
    /// ([`ServerViewError::WrongEpoch`]).
    pub fn accept(&mut self, commit: &[u8]) -> Result<CommitSummary, ServerViewError> {
        let (summary, staged) = self.stage(commit)?;
        self.group
            .merge_commit(self.provider.storage(), staged)
            .map_err(|e| ServerViewError::mls("merge commit", e))?;
        Ok(summary)
    }

    fn stage(
        &self,
        commit: &[u8],
    ) -> Result<(CommitSummary, openmls::prelude::StagedCommit), ServerViewError> {
        let message = match wire::decode(commit).map_err(|e| ServerViewError::malformed("commit", e))? {
            MlsMessageBodyIn::PublicMessage(message) => message,
            MlsMessageBodyIn::PrivateMessage(_) => return Err(ServerViewError::NotPublic),
            other => {
                return Err(ServerViewError::Malformed {
                    expected: "commit",
                    reason: format!("got a {}", wire::kind(&other)),
                })
            }
        };
        if message.group_id() != self.group.group_id() {
            return Err(ServerViewError::WrongGroup);
        }
        let current = self.epoch();
        if message.epoch().as_u64() != current {
            return Err(ServerViewError::WrongEpoch {
                message: message.epoch().as_u64(),
                current,
            });
        }
        let processed = self
            .group
            .process_message(self.provider.crypto(), message)
            .map_err(|e| ServerViewError::mls("validate commit", e))?;
        let committer = credential_ids(processed.credential());
        let ProcessedMessageContent::StagedCommitMessage(staged) = processed.into_content() else {
            return Err(ServerViewError::NotACommit);
        };
        let summary = summarize(&staged, current, committer, None, |leaf| {
            self.group.leaf(leaf).map(|node| node.credential())
        })
        .ok_or(ServerViewError::ForeignCredential)?;
        Ok((summary, *staged))
    }
}

/// Checks that `bytes` are an MLS private (application) message of `group_id` and
/// returns its epoch. The server cannot decrypt it; it keeps garbage and other groups'
/// messages out of a channel's log.
pub fn private_message_epoch(group_id: &[u8], bytes: &[u8]) -> Result<u64, ServerViewError> {
    match wire::decode(bytes).map_err(|e| ServerViewError::malformed("private message", e))? {
        MlsMessageBodyIn::PrivateMessage(message) => {
            if message.group_id().as_slice() != group_id {
                return Err(ServerViewError::WrongGroup);
            }
            Ok(message.epoch().as_u64())
        }
        other => Err(ServerViewError::Malformed {
            expected: "private message",
            reason: format!("got a {}", wire::kind(&other)),
        }),
    }
}

impl fmt::Debug for ServerGroupView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerGroupView")
            .field("epoch", &self.epoch())
            .field("members", &self.group.members().count())
            .finish()
    }
}
