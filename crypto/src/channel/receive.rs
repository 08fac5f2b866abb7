//! The receiving side of [`ChannelState`]: log entries in, events out.

use std::collections::{BTreeMap, BTreeSet};

use openmls::prelude::OpenMlsProvider as _;
use openmls_traits::crypto::OpenMlsCrypto as _;
use openmls_traits::types::HpkeCiphertext;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::book::Era;
use super::codec::{self, EraMessage};
use super::error::ChannelError;
use super::state::ChannelState;
use super::{ChannelEvent, LogKind};
use crate::era::EraId;
use crate::mls::member::peek;
use crate::mls::{CommitSummary, Incoming, MemberInfo, CIPHERSUITE};
use crate::post::{open, Expected, OpenedPost, SealedPost};
use crate::proto::DeviceId;

impl ChannelState {
    /// Processes one entry of the channel's log, in log order. `sender` is the log's
    /// `sender_device`.
    ///
    /// * Commits: one this device already applied (its own, echoed, or from before it
    ///   joined) gives [`ChannelEvent::Ignored`]; another member's is merged
    ///   ([`ChannelEvent::Commit`]); one removing this device gives
    ///   [`ChannelEvent::Removed`]. While this device's own commit awaits the server's
    ///   answer, commits give [`ChannelError::PendingCommit`] and change nothing.
    /// * Era keys: [`ChannelEvent::Eras`] with the eras learned; this device's own
    ///   message, or one sent before it joined, is [`ChannelEvent::Ignored`].
    /// * Posts: [`ChannelEvent::Post`] once checked (see [`Self::open_post`]).
    /// * Proposals and kinds newer than this build: [`ChannelEvent::Ignored`].
    ///
    /// After [`ChannelEvent::Removed`] every entry gives [`ChannelError::Inactive`].
    pub fn process(
        &mut self,
        kind: LogKind,
        sender: Option<DeviceId>,
        body: &[u8],
    ) -> Result<ChannelEvent, ChannelError> {
        self.active()?;
        match kind {
            LogKind::Commit => self.process_commit(body),
            LogKind::EraKey => self.process_era_key(sender, body),
            LogKind::Post => {
                let opened = self.open_post(sender, body)?;
                let header = opened.header;
                Ok(ChannelEvent::Post(opened, header))
            }
            // Kizuna clients make no proposals, and a kind newer than this build
            // carries nothing this device could read.
            LogKind::Proposal | LogKind::Unknown => Ok(ChannelEvent::Ignored),
        }
    }

    /// Checks and decrypts a post without changing anything, e.g. one fetched again from
    /// the server or kept from before this device was removed. The post must be for this
    /// room and channel, in an era whose key this device holds, by a device that was a
    /// member while that era was current, under the user its credential names, and
    /// signed with the key that device had then. `sender` (the log's sender device), when
    /// given, must be the author device.
    pub fn open_post(&self, sender: Option<DeviceId>, body: &[u8]) -> Result<OpenedPost, ChannelError> {
        let sealed = SealedPost::from_bytes(body).map_err(|e| ChannelError::malformed("post", e))?;
        let header = sealed.header;
        if (header.room, header.channel) != (self.room, self.channel) {
            return Err(self.wrong_channel());
        }
        if let Some(sender) = sender.filter(|s| *s != header.author_device) {
            return Err(ChannelError::SenderMismatch {
                sender,
                author: header.author_device,
            });
        }
        let era = self
            .book
            .eras
            .get(&header.era)
            .ok_or(ChannelError::UnknownEra(header.era))?;
        let author = era
            .authors
            .get(&header.author_device)
            .ok_or(ChannelError::NotAMemberInEra {
                device: header.author_device,
                era: header.era,
            })?;
        if author.user != header.author_user {
            return Err(ChannelError::WrongUser {
                device: header.author_device,
                user: header.author_user,
            });
        }
        let expected = Expected {
            room: self.room,
            channel: self.channel,
        };
        Ok(open(&sealed, &expected, &era.key, &author.key)?)
    }

    fn process_commit(&mut self, body: &[u8]) -> Result<ChannelEvent, ChannelError> {
        let peeked = peek(body)?;
        if !peeked.handshake {
            return Err(ChannelError::Malformed(
                "commit entry holds an application message".into(),
            ));
        }
        if peeked.epoch < self.epoch() {
            return Ok(ChannelEvent::Ignored);
        }
        if self.member.has_pending_commit() {
            return Err(ChannelError::PendingCommit);
        }
        match self.member.process_incoming(body)? {
            Incoming::Commit(summary) => {
                self.after_commit(&summary);
                if summary.removed_self {
                    self.removed = true;
                    self.newcomers.clear();
                    return Ok(ChannelEvent::Removed);
                }
                Ok(ChannelEvent::Commit(summary))
            }
            // Kizuna clients never send bare proposals; one stored now would be swept into
            // this device's next commit, so it is dropped again.
            Incoming::Proposal { .. } => {
                self.member.clear_pending_proposals()?;
                Err(ChannelError::Malformed("commit entry holds a proposal".into()))
            }
            Incoming::Application { .. } | Incoming::OwnMessage => Err(ChannelError::Malformed(
                "commit entry holds an application message".into(),
            )),
        }
    }

    fn process_era_key(
        &mut self,
        sender: Option<DeviceId>,
        body: &[u8],
    ) -> Result<ChannelEvent, ChannelError> {
        let peeked = peek(body)?;
        if peeked.handshake {
            return Err(ChannelError::Malformed(
                "era-key entry holds a handshake message".into(),
            ));
        }
        // MLS cannot decrypt a device's own messages: recognise them by their bytes.
        if sender == Some(self.member.identity().device()) {
            self.own_echo(body);
            return Ok(ChannelEvent::Ignored);
        }
        if peeked.epoch < self.joined_epoch {
            return Ok(ChannelEvent::Ignored);
        }
        let Incoming::Application { sender, plaintext } = self.member.process_incoming(body)? else {
            return Err(ChannelError::Malformed(
                "era-key entry holds no application data".into(),
            ));
        };
        let plaintext = Zeroizing::new(plaintext);
        let message =
            codec::decode_message(&plaintext).map_err(|e| ChannelError::malformed("era-key message", e))?;
        if (message.room, message.channel) != (self.room, self.channel) {
            return Err(self.wrong_channel());
        }
        self.apply_era_message(message, sender.1, peeked.epoch)
    }

    /// Learns the eras of a message another member sent at MLS epoch `epoch`.
    ///
    /// Authors: for history sent to this device alone, the sender's member lists (this
    /// device was not there to see who was); for the current era, every member that
    /// could read the message (this device's own view of the group, never the
    /// sender's list, so a member cannot slip in authors).
    fn apply_era_message(
        &mut self,
        message: EraMessage,
        sender: DeviceId,
        epoch: u64,
    ) -> Result<ChannelEvent, ChannelError> {
        let own = self.member.identity().device();
        let mut history = Vec::new();
        let mut used_welcome = false;
        if let Some(recipient) = message.recipients.iter().find(|r| r.device == own) {
            if let Some(welcome) = &self.welcome {
                // Only the device that added this one knows it is new here; anyone else
                // addressing it could be trying to plant history or use up the init key.
                if welcome.welcomer.is_some_and(|w| w != sender) {
                    return Err(ChannelError::Malformed(
                        "history from a device other than the one that added this device".into(),
                    ));
                }
                used_welcome = true;
                if let Some(sealed) = &recipient.history {
                    history = self.open_history(&welcome.key, sender, sealed)?;
                }
            }
        }
        // Check everything before changing anything.
        let current = &message.current;
        for era in history.iter().chain([current]) {
            if let Some(known) = self.book.eras.get(&era.id()) {
                if known.key != era.key {
                    return Err(ChannelError::EraConflict(era.id()));
                }
            }
        }
        let current_was_known = self.book.eras.contains_key(&current.id());
        let mut learned = Vec::new();
        for era in history.into_iter().chain([Era {
            key: current.key.clone(),
            started_at: current.started_at,
            authors: BTreeMap::new(),
        }]) {
            let id = era.id();
            if let std::collections::btree_map::Entry::Vacant(slot) = self.book.eras.entry(id) {
                slot.insert(era);
                learned.push(id);
            }
        }
        if used_welcome {
            self.welcome = None;
        }
        self.make_current(current.id(), epoch, current_was_known);
        Ok(ChannelEvent::Eras(learned))
    }

    /// Makes `id` current as carried by a message at MLS epoch `epoch`: every member that
    /// could read that message holds the key and may author posts in it. `known` says the
    /// era was known before the message (re-announced rather than new).
    fn make_current(&mut self, id: EraId, epoch: u64, known: bool) {
        let readers: Vec<MemberInfo> = self
            .member
            .members()
            .into_iter()
            .filter(|m| {
                self.member_since
                    .get(&m.device)
                    .is_some_and(|since| *since <= epoch)
            })
            .collect();
        if let Some(era) = self.book.eras.get_mut(&id) {
            era.add_authors(&readers);
        }
        let removed_since = self.last_removal_epoch > epoch;
        let holders = readers.iter().map(|m| m.device);
        match &mut self.book.current {
            Some(current) if current.id == id => {
                current.holders.extend(holders);
                current.stale |= removed_since;
            }
            // An older era coming back as current may have reached devices removed since:
            // start a new one before the next post.
            _ => self
                .book
                .set_current(id, holders.collect(), removed_since || known),
        }
    }

    /// This device's own era-key message came back from the log: its era becomes current
    /// at this point of the log, as for every other member.
    fn own_echo(&mut self, body: &[u8]) {
        let digest: [u8; 32] = Sha256::digest(body).into();
        let Some(at) = self.unechoed.iter().position(|u| u.digest == digest) else {
            return;
        };
        let Some(sent) = self.unechoed.remove(at) else {
            return;
        };
        if self.book.eras.contains_key(&sent.era) {
            self.make_current(sent.era, sent.epoch, false);
        }
    }

    /// Bookkeeping after a commit was merged (this device's or another member's).
    pub(super) fn after_commit(&mut self, summary: &CommitSummary) {
        let removed: BTreeSet<DeviceId> = summary.removed.iter().map(|(_, d)| *d).collect();
        if !removed.is_empty() {
            self.last_removal_epoch = summary.epoch;
            if let Some(current) = &mut self.book.current {
                current.stale = true;
            }
            self.member_since.retain(|d, _| !removed.contains(d));
            self.newcomers.retain(|n| !removed.contains(&n.device));
        }
        let added: BTreeSet<DeviceId> = summary.added.iter().map(|(_, d)| *d).collect();
        if added.is_empty() {
            return;
        }
        for device in &added {
            self.member_since.insert(*device, summary.epoch);
        }
        // Devices added while an era is current may author posts in it (once sent it).
        let members = self.member.members();
        let current = self.book.current.as_ref().map(|c| c.id);
        if let Some(era) = current.and_then(|id| self.book.eras.get_mut(&id)) {
            era.add_authors(members.iter().filter(|m| added.contains(&m.device)));
        }
    }

    fn open_history(
        &self,
        key: &[u8],
        sender: DeviceId,
        (kem_output, ciphertext): &(Vec<u8>, Vec<u8>),
    ) -> Result<Vec<Era>, ChannelError> {
        let own = self.member.identity().device();
        let (info, aad) = self.history_context(own, sender);
        let input = HpkeCiphertext {
            kem_output: kem_output.clone().into(),
            ciphertext: ciphertext.clone().into(),
        };
        let plaintext = self
            .member
            .provider()
            .crypto()
            .hpke_open(CIPHERSUITE.hpke_config(), &input, key, &info, &aad)
            .map(Zeroizing::new)
            .map_err(|e| ChannelError::malformed("history", format!("{e:?}")))?;
        codec::decode_history(&plaintext, self.room, self.channel, own)
            .map_err(|e| ChannelError::malformed("history", e))
    }
}
