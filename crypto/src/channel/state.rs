//! [`ChannelState`]: one device's view of one room channel.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt;

use openmls::prelude::OpenMlsProvider as _;
use openmls_traits::crypto::OpenMlsCrypto as _;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::book::{Era, EraBook};
use super::codec::{self, Recipient};
use super::error::ChannelError;
use super::{HistoryPolicy, Outgoing, PendingCommit};
use crate::envelope::PostEnvelope;
use crate::era::{EraId, EraKey};
use crate::mls::{
    credential_ids, ChannelMember, CommitSummary, MemberInfo, MlsDevice, MlsError, CIPHERSUITE,
};
use crate::post::{seal, PostHeader};
use crate::proto::{Channel, DeviceId, PostId, RoomId, Timestamp, UserId};
use crate::random::Random;

/// HPKE `info` prefix for history sent to one newcomer.
const HISTORY_INFO: &[u8] = b"kizuna/era-history/v1";
/// How many of its own era-key messages a device remembers until the log echoes them.
const MAX_UNECHOED: usize = 32;

/// A device this device added, waiting for [`ChannelState::share_eras`].
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Newcomer {
    pub(crate) user: UserId,
    pub(crate) device: DeviceId,
    /// HPKE init key of the key package it was added with (public).
    pub(crate) init_key: Vec<u8>,
}

/// What a device added to the channel keeps until the history sent to it arrives.
pub(crate) struct WelcomeKey {
    /// HPKE private init key of the key package the Welcome used.
    pub(crate) key: Zeroizing<Vec<u8>>,
    /// The device that added this one: the only one whose history it accepts.
    pub(crate) welcomer: Option<DeviceId>,
}

/// An era-key message this device sent, until the log echoes it back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Unechoed {
    pub(crate) digest: [u8; 32],
    pub(crate) era: EraId,
    pub(crate) epoch: u64,
}

/// One device's view of one room channel: its MLS membership, the era keys it holds
/// and who may author posts in each era. See the [module documentation](super).
///
/// `Debug` shows the channel, epoch and era IDs, never keys.
pub struct ChannelState {
    pub(crate) member: ChannelMember,
    pub(crate) room: RoomId,
    pub(crate) channel: Channel,
    pub(crate) book: EraBook,
    /// The epoch this device joined at; era-key messages from before it were never
    /// readable by it.
    pub(crate) joined_epoch: u64,
    /// For each current member, the first epoch it could read (from its joining).
    pub(crate) member_since: BTreeMap<DeviceId, u64>,
    /// The epoch entered by the latest commit that removed a device.
    pub(crate) last_removal_epoch: u64,
    /// Devices the pending commit adds.
    pub(crate) pending_newcomers: Vec<Newcomer>,
    /// Devices this device added that have not been sent era keys yet.
    pub(crate) newcomers: Vec<Newcomer>,
    pub(crate) welcome: Option<WelcomeKey>,
    pub(crate) unechoed: VecDeque<Unechoed>,
    pub(crate) removed: bool,
    /// Where each post ID was first seen in the log ([`super::replay`]).
    pub(crate) ledger: super::replay::PostLedger,
}

/// The MLS group ID of a room channel: `"{room}/{channel}"`.
pub(crate) fn group_id_for(room: RoomId, channel: Channel) -> String {
    format!("{room}/{}", channel.as_str())
}

impl ChannelState {
    /// Creates the channel's MLS group with this device as its only member. The group ID
    /// is `"{room}/{channel}"` (channel as [`Channel::as_str`]). Returns the state and the
    /// GroupInfo the server initialises its [`crate::ServerGroupView`] from. The first
    /// [`Self::seal_post`] or [`Self::share_eras`] starts the first era.
    pub fn create(
        device: &MlsDevice,
        room: RoomId,
        channel: Channel,
    ) -> Result<(Self, Vec<u8>), ChannelError> {
        let (member, group_info) = device.create_group(group_id_for(room, channel).as_bytes())?;
        let state = Self::new(member, room, channel, None);
        Ok((state, group_info))
    }

    /// Joins the channel from the Welcome of the member that added this device. Refuses a
    /// Welcome whose group ID is not `"{room}/{channel}"` ([`ChannelError::WrongChannel`]).
    /// The era keys follow in the adder's next era-key message.
    pub fn join(
        device: &MlsDevice,
        room: RoomId,
        channel: Channel,
        welcome: &[u8],
    ) -> Result<Self, ChannelError> {
        let expected = group_id_for(room, channel);
        let joined = device
            .join(welcome, None, Some(expected.as_bytes()))
            .map_err(|e| match e {
                MlsError::WrongGroup => ChannelError::WrongChannel { expected },
                other => other.into(),
            })?;
        let welcome = joined.init_key.map(|key| WelcomeKey {
            key,
            welcomer: joined.welcomer.map(|(_, device)| device),
        });
        Ok(Self::new(joined.member, room, channel, welcome))
    }

    pub(crate) fn new(
        member: ChannelMember,
        room: RoomId,
        channel: Channel,
        welcome: Option<WelcomeKey>,
    ) -> Self {
        let epoch = member.epoch();
        let member_since = member.members().into_iter().map(|m| (m.device, epoch)).collect();
        Self {
            member,
            room,
            channel,
            book: EraBook::default(),
            joined_epoch: epoch,
            member_since,
            last_removal_epoch: 0,
            pending_newcomers: Vec::new(),
            newcomers: Vec::new(),
            welcome,
            unechoed: VecDeque::new(),
            removed: false,
            ledger: Default::default(),
        }
    }

    /// The room and channel a group ID names, if it has the form `"{room}/{channel}"`
    /// (exactly as [`Self::create`] writes it), so a client can route a Welcome.
    pub fn parse_group_id(group_id: &[u8]) -> Option<(RoomId, Channel)> {
        let text = std::str::from_utf8(group_id).ok()?;
        let (room, channel) = text.split_once('/')?;
        let parsed = (room.parse::<RoomId>().ok()?, channel.parse::<Channel>().ok()?);
        // One spelling per channel: no upper-case or braced UUIDs.
        (group_id_for(parsed.0, parsed.1) == text).then_some(parsed)
    }

    /// The MLS group ID, `"{room}/{channel}"`.
    pub fn group_id(&self) -> String {
        group_id_for(self.room, self.channel)
    }

    /// The room.
    pub fn room(&self) -> RoomId {
        self.room
    }

    /// The channel.
    pub fn channel(&self) -> Channel {
        self.channel
    }

    /// The MLS epoch (the server's log epoch for this group).
    pub fn epoch(&self) -> u64 {
        self.member.epoch()
    }

    /// The current members (devices with their users and signature keys).
    pub fn members(&self) -> Vec<MemberInfo> {
        self.member.members()
    }

    /// Whether this device is still a member.
    pub fn is_active(&self) -> bool {
        !self.removed && self.member.is_active()
    }

    /// Whether a commit of this device awaits the server's answer.
    pub fn has_pending_commit(&self) -> bool {
        self.member.has_pending_commit()
    }

    /// The era new posts currently go to, if any.
    pub fn current_era(&self) -> Option<EraId> {
        self.book.current.as_ref().map(|c| c.id)
    }

    /// Every era whose key this device holds.
    pub fn eras(&self) -> Vec<EraId> {
        self.book.eras.keys().copied().collect()
    }

    /// Adds the devices whose key packages (fetched from the server) are given, in one
    /// commit. Send [`PendingCommit::commit`] to the server, then report its answer with
    /// [`Self::commit_accepted`] (and send the Welcome and [`Self::share_eras`]) or
    /// [`Self::commit_rejected`].
    pub fn add_devices(&mut self, key_packages: &[Vec<u8>]) -> Result<PendingCommit, ChannelError> {
        self.ready()?;
        let packages = key_packages
            .iter()
            .map(|bytes| self.member.key_package(bytes))
            .collect::<Result<Vec<_>, _>>()?;
        let newcomers = packages
            .iter()
            .map(|package| {
                let (user, device) =
                    credential_ids(package.leaf_node().credential()).ok_or(MlsError::ForeignCredential)?;
                Ok(Newcomer {
                    user,
                    device,
                    init_key: package.hpke_init_key().as_slice().to_vec(),
                })
            })
            .collect::<Result<Vec<_>, ChannelError>>()?;
        let out = self.member.add_key_packages(&packages)?;
        self.pending_newcomers = newcomers;
        Ok(PendingCommit::from(out))
    }

    /// Removes the given devices in one commit (answer as for [`Self::add_devices`]). Once
    /// accepted, the next post starts a new era, so the removed devices read nothing new.
    pub fn remove_devices(&mut self, devices: &[DeviceId]) -> Result<PendingCommit, ChannelError> {
        self.ready()?;
        let out = self.member.remove_devices(devices)?;
        self.pending_newcomers.clear();
        Ok(PendingCommit::from(out))
    }

    /// The server accepted the pending commit: merges it. After adding devices, send the
    /// Welcome to them and then [`Self::share_eras`]; after a removal, the next post
    /// starts a new era.
    pub fn commit_accepted(&mut self) -> Result<CommitSummary, ChannelError> {
        self.active()?;
        if !self.member.has_pending_commit() {
            return Err(ChannelError::NoPendingCommit);
        }
        let summary = self.member.pending_summary()?;
        self.member.merge_pending_commit()?;
        self.after_commit(&summary);
        let added: BTreeSet<DeviceId> = summary.added.iter().map(|(_, d)| *d).collect();
        let pending = std::mem::take(&mut self.pending_newcomers);
        self.newcomers
            .extend(pending.into_iter().filter(|n| added.contains(&n.device)));
        Ok(summary)
    }

    /// The server refused the pending commit (another commit won the epoch): drops it.
    /// Process the log entries up to the server's epoch, then make the change again.
    /// Does nothing if no commit is pending.
    pub fn commit_rejected(&mut self) -> Result<(), ChannelError> {
        if self.member.has_pending_commit() {
            self.member.clear_pending_commit()?;
        }
        self.pending_newcomers.clear();
        Ok(())
    }

    /// The era-key message to send (log kind `era_key`) right after adding devices (after
    /// [`Self::commit_accepted`] and the Welcome). Every member learns which era is current
    /// from now on; each device this device added also gets the history `policy` allows,
    /// encrypted to it alone (HPKE to the init key of the key package it was added with),
    /// so a family member present in the channel never sees a professional's history.
    ///
    /// * [`HistoryPolicy::Full`]: every era this device holds, each with its member list;
    ///   the current era stays current, or a fresh one starts if there is none or it may
    ///   no longer be used (a removal since it started, or a day old).
    /// * [`HistoryPolicy::FromNow`]: a fresh era starts, so the newcomers read from now on
    ///   and nothing earlier.
    /// * [`HistoryPolicy::SameAsUser`]: the eras the user's other devices were members in
    ///   (a new device of an existing user); the current era carries on as for `Full`.
    ///
    /// Without devices awaiting their keys, it (re)announces the current era.
    pub fn share_eras(
        &mut self,
        policy: HistoryPolicy,
        now: Timestamp,
        rng: &mut dyn Random,
    ) -> Result<Vec<u8>, ChannelError> {
        self.ready()?;
        let members = self.member.members();
        let keep_current = policy != HistoryPolicy::FromNow
            && self
                .book
                .current
                .as_ref()
                .zip(self.book.current_era())
                .is_some_and(|(current, era)| !current.stale && !era.expired(now));
        let fresh = (!keep_current).then(|| Era::new(EraKey::generate(rng), now, &members));
        let current = match (&fresh, self.book.current_era()) {
            (Some(era), _) | (None, Some(era)) => era,
            (None, None) => return Err(ChannelError::State("current era missing")),
        };
        let member_devices: BTreeSet<DeviceId> = members.iter().map(|m| m.device).collect();
        let mut recipients = Vec::new();
        for newcomer in self
            .newcomers
            .iter()
            .filter(|n| member_devices.contains(&n.device))
        {
            let history: Vec<&Era> = match policy {
                HistoryPolicy::FromNow => Vec::new(),
                HistoryPolicy::Full => self.book.eras.values().collect(),
                HistoryPolicy::SameAsUser(user) => self
                    .book
                    .eras
                    .values()
                    .filter(|era| era.authors.values().any(|a| a.user == user))
                    .collect(),
            };
            let history = if history.is_empty() {
                None
            } else {
                Some(self.seal_history(newcomer, &history)?)
            };
            recipients.push(Recipient {
                device: newcomer.device,
                history,
            });
        }
        let message = codec::encode_message(self.room, self.channel, current, &recipients);
        let bytes = self.member.encrypt_application(&message)?;
        // Sent: from here on nothing fails, so the state changes all at once.
        let id = current.id();
        if let Some(era) = fresh {
            self.book.eras.insert(id, era);
        }
        self.book.set_current(id, member_devices, false);
        self.newcomers.clear();
        self.remember_sent(&bytes, id);
        Ok(bytes)
    }

    /// Seals a post under the current era. Starts a new era first (its era-key message in
    /// [`Outgoing::era_key`], to be sent before the post) when there is none, a device
    /// was removed since the current one started, it started 24 h or more before `now`,
    /// or a member cannot read it (added without being sent it). Send both, in order, and
    /// do not drop them: the state already counts the era as sent.
    pub fn seal_post(
        &mut self,
        envelope: &PostEnvelope,
        post: PostId,
        now: Timestamp,
        rng: &mut dyn Random,
    ) -> Result<Outgoing, ChannelError> {
        self.ready()?;
        // Only device IDs here: decoding every member's key costs more than the post.
        let devices = self.member.member_devices();
        let fresh = self
            .book
            .must_rotate(&devices, now)
            .then(|| Era::new(EraKey::generate(rng), now, &self.member.members()));
        let era = match (&fresh, self.book.current_era()) {
            (Some(era), _) | (None, Some(era)) => era,
            (None, None) => return Err(ChannelError::State("current era missing")),
        };
        let identity = self.member.identity();
        let header = PostHeader {
            room: self.room,
            channel: self.channel,
            era: era.id(),
            post,
            author_user: identity.user(),
            author_device: identity.device(),
            sent_at: now,
        };
        let sealed = seal(header, envelope, &era.key, identity.signing_key(), rng)?;
        let era_key = match &fresh {
            Some(era) => {
                let message = codec::encode_message(self.room, self.channel, era, &[]);
                Some(self.member.encrypt_application(&message)?)
            }
            None => None,
        };
        if let (Some(era), Some(bytes)) = (fresh, &era_key) {
            let id = era.id();
            self.book.eras.insert(id, era);
            self.book.set_current(id, devices.into_iter().collect(), false);
            self.remember_sent(bytes, id);
        }
        Ok(Outgoing {
            era_key,
            post: sealed.to_bytes(),
        })
    }

    fn remember_sent(&mut self, bytes: &[u8], era: EraId) {
        if self.unechoed.len() == MAX_UNECHOED {
            self.unechoed.pop_front();
        }
        self.unechoed.push_back(Unechoed {
            digest: Sha256::digest(bytes).into(),
            era,
            epoch: self.epoch(),
        });
    }

    pub(super) fn seal_history(
        &self,
        newcomer: &Newcomer,
        eras: &[&Era],
    ) -> Result<(Vec<u8>, Vec<u8>), ChannelError> {
        let plaintext = codec::encode_history(self.room, self.channel, newcomer.device, eras.iter().copied());
        let (info, aad) = self.history_context(newcomer.device, self.member.identity().device());
        let sealed = self
            .member
            .provider()
            .crypto()
            .hpke_seal(
                CIPHERSUITE.hpke_config(),
                &newcomer.init_key,
                &info,
                &aad,
                &plaintext,
            )
            .map_err(|e| MlsError::mls("seal history", format!("{e:?}")))?;
        Ok((sealed.kem_output.into(), sealed.ciphertext.into()))
    }

    /// HPKE info (protocol label and group) and associated data (recipient and sender),
    /// so history cannot be replayed to another channel, device or from another sender.
    pub(super) fn history_context(&self, recipient: DeviceId, sender: DeviceId) -> (Vec<u8>, Vec<u8>) {
        let mut info = HISTORY_INFO.to_vec();
        info.extend_from_slice(self.group_id().as_bytes());
        let mut aad = recipient.as_uuid().as_bytes().to_vec();
        aad.extend_from_slice(sender.as_uuid().as_bytes());
        (info, aad)
    }

    pub(super) fn wrong_channel(&self) -> ChannelError {
        ChannelError::WrongChannel {
            expected: self.group_id(),
        }
    }

    pub(super) fn active(&self) -> Result<(), ChannelError> {
        if self.is_active() {
            Ok(())
        } else {
            Err(ChannelError::Inactive)
        }
    }

    /// Active and not waiting for the server's answer to a commit.
    fn ready(&self) -> Result<(), ChannelError> {
        self.active()?;
        if self.member.has_pending_commit() {
            return Err(ChannelError::PendingCommit);
        }
        Ok(())
    }
}

impl fmt::Debug for ChannelState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChannelState")
            .field("group", &self.group_id())
            .field("epoch", &self.epoch())
            .field("active", &self.is_active())
            .field("current_era", &self.current_era())
            .field("eras", &self.book.eras.len())
            .field("keys", &"***")
            .finish()
    }
}
