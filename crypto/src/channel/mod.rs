//! One device's view of one room channel: MLS membership plus era keys.
//!
//! [`ChannelState`] ties the MLS group of a channel ([`crate::mls`]) to the era keys its
//! posts are encrypted under ([`crate::era`], [`crate::post`]). Sans-I/O like the rest of
//! the crate: each call returns the bytes to send and takes the log entries received,
//! with the time and randomness passed in.
//!
//! # Eras
//!
//! An era key is a random 256-bit key with an ID, created by a member and delivered to
//! the channel as an MLS application message (log kind `era_key`). A new era starts on
//! every removal and at least every 24 h (the first post after expiry starts it), and
//! also when a member could not read the current one (added without being sent it).
//! Two members may start eras at the same time: receivers keep both keys, and the
//! current era is the last one in log order (a sender uses its own until the log says
//! otherwise, so all devices agree once they have read the same log).
//!
//! Per era, a device records the devices that were members while it was current (the
//! members who could read the message that made it current, plus devices added while it
//! was), with the signature key each had. A post is accepted only if its author device
//! is in its era's set, under the user its credential names, and its signature verifies
//! against the recorded key. So a removed device, which gets no key of later eras,
//! cannot post in them, and nobody can post as another device.
//!
//! # History
//!
//! Whoever adds devices sends [`ChannelState::share_eras`] right after the Welcome. It
//! tells every member the era that is current from now on, and gives each added device
//! the history [`HistoryPolicy`] allows, HPKE-encrypted to the init key of the key
//! package it was added with: inside the MLS message every member can read, but only
//! that device can open its part. So adding a professional to the family channel with
//! full history does not hand the family the professional's history. A newcomer takes
//! the member lists of history eras from the device that added it (it was not there to
//! see them), and only from that device.
//!
//! # Commits
//!
//! A commit this device makes stays pending until the server answers
//! ([`ChannelState::commit_accepted`] / [`ChannelState::commit_rejected`]). Meanwhile
//! [`ChannelState::seal_post`], [`ChannelState::share_eras`], new commits and processing
//! other commits return [`ChannelError::PendingCommit`] (posts and era keys can still be
//! processed): settle first, then go on. A removal marks that the next post starts a new
//! era.
//!
//! # Persistence
//!
//! [`ChannelState::export`] covers the era keys and bookkeeping; the MLS secrets are in
//! [`crate::MlsDevice::export_state`]. Export both at the same moment and keep them
//! encrypted ([`crate::vault::seal_state`]); import the device first, then each channel.
//!
//! # Limits
//!
//! * A device removed while an era was current keeps that era's key, so it can still
//!   read posts sent in it and sign posts into it (as itself only); the server refuses
//!   its uploads, and the next post starts an era it never gets.
//! * A newcomer cannot read posts sealed in an era whose key message was sent at an
//!   epoch before it joined while the adder had not seen it yet (a race with the add);
//!   the next post starts an era it can read.
//! * History member lists come from the adder; a newcomer has to trust them.

mod book;
mod codec;
mod error;
mod persist;
mod receive;
mod replay;
mod state;

#[cfg(test)]
mod tests;

use std::fmt;

pub use book::ERA_LIFETIME;
pub use error::ChannelError;
pub use state::ChannelState;

use crate::era::EraId;
use crate::mls::{CommitOutput, CommitSummary};
use crate::post::{OpenedPost, PostHeader};
/// The kind of a group-log entry: the one vocabulary in `kizuna_proto`.
pub use crate::proto::LogKind;
use crate::proto::UserId;

/// Which earlier eras the devices just added receive ([`ChannelState::share_eras`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HistoryPolicy {
    /// Every era this device holds: professionals read the whole history.
    Full,
    /// None: family and volunteers read from their joining on.
    FromNow,
    /// The eras in which a device of this user was a member: a new device of an existing
    /// user reads what the user's other devices could, no more (useful for family
    /// members and volunteers; for professionals `Full` gives the same or more).
    SameAsUser(UserId),
}

/// What to send for a post: the era-key message first (log kind `era_key`) if the post
/// starts a new era, then the post (log kind `post`).
#[derive(Clone, PartialEq, Eq)]
pub struct Outgoing {
    /// The MLS application message carrying the new era's key, if one started.
    pub era_key: Option<Vec<u8>>,
    /// The sealed post.
    pub post: Vec<u8>,
}

impl fmt::Debug for Outgoing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Outgoing")
            .field(
                "era_key",
                &self.era_key.as_ref().map(|b| format!("{} bytes", b.len())),
            )
            .field("post", &format_args!("{} bytes", self.post.len()))
            .finish()
    }
}

/// A commit awaiting the server's answer, and what to send with it.
#[derive(Clone, PartialEq, Eq)]
pub struct PendingCommit {
    /// The commit (an MLS public message), log kind `commit`.
    pub commit: Vec<u8>,
    /// The Welcome for the added devices, to deliver once the commit is accepted.
    pub welcome: Option<Vec<u8>>,
    /// What the commit changes, as the server will see it.
    pub summary: CommitSummary,
    /// The GroupInfo of the new epoch (ratchet tree inside), for the server to re-sync
    /// its view from if needed.
    pub group_info: Option<Vec<u8>>,
}

impl From<CommitOutput> for PendingCommit {
    fn from(out: CommitOutput) -> Self {
        Self {
            commit: out.commit,
            welcome: out.welcome,
            summary: out.summary,
            group_info: out.group_info,
        }
    }
}

impl fmt::Debug for PendingCommit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingCommit")
            .field("commit", &format_args!("{} bytes", self.commit.len()))
            .field("welcome", &self.welcome.as_ref().map(Vec::len))
            .field("summary", &self.summary)
            .finish_non_exhaustive()
    }
}

/// What processing a log entry did.
// Posts are by far the most common event and are consumed at once; boxing them would
// cost an allocation per post to save stack space on the rare commit events.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChannelEvent {
    /// Another member's commit was merged.
    Commit(CommitSummary),
    /// Era keys learned (possibly none new, e.g. the current era re-announced). Retry
    /// posts that failed with [`ChannelError::UnknownEra`].
    Eras(Vec<EraId>),
    /// A post that passed every check.
    Post(OpenedPost, PostHeader),
    /// This device was removed from the channel. It is inactive from now on.
    Removed,
    /// Nothing to do: this device's own message echoed back, a commit already applied,
    /// or an era-key message from before this device joined.
    Ignored,
}
