//! Errors of the channel layer. Every variant means "this input changed nothing": the
//! state is only updated once an operation has fully succeeded.

use crate::era::EraId;
use crate::mls::MlsError;
use crate::post::{OpenError, SealError};
use crate::proto::{DeviceId, PostId, UserId};

/// Why a channel operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChannelError {
    /// The MLS layer refused the operation or the message (bad bytes, wrong epoch,
    /// commit out of order, invalid signature, ...).
    #[error(transparent)]
    Mls(#[from] MlsError),
    /// This device does not hold the key of the post's era: not received yet (keep the
    /// post and retry after the next [`crate::channel::ChannelEvent::Eras`]), or from
    /// before this device joined and withheld by policy.
    #[error("no key for era {0}")]
    UnknownEra(EraId),
    /// The post's author device was not a member of the channel while its era was
    /// current, so it cannot have written it (e.g. a removed device posting in a new era,
    /// or a device nobody added).
    #[error("device {device} was not a member in era {era}")]
    NotAMemberInEra {
        /// The device named as author.
        device: DeviceId,
        /// The post's era.
        era: EraId,
    },
    /// The post names a device and a user that do not belong together: the device's
    /// credential in the group names another user.
    #[error("device {device} does not belong to user {user}")]
    WrongUser {
        /// The device named as author.
        device: DeviceId,
        /// The user named as author.
        user: UserId,
    },
    /// The log says one device sent the post but the post is signed as another's: a post
    /// re-sent by someone other than its author, or a server error.
    #[error("post by device {author} was sent by device {sender}")]
    SenderMismatch {
        /// The sender the log recorded.
        sender: DeviceId,
        /// The author the post names.
        author: DeviceId,
    },
    /// The post, era-key message or Welcome belongs to another room or channel (moved or
    /// replayed by the server, or routed wrongly by the caller).
    #[error("belongs to another room or channel than {expected}")]
    WrongChannel {
        /// This channel's group ID, `{room}/{channel}`.
        expected: String,
    },
    /// A genuine post that this device already saw at another position of the log: a
    /// replay (its exact bytes sent again as a new message). Do not show it twice;
    /// report it as tampered.
    #[error("post {post} at #{seq} is a replay of #{first_seq}")]
    ReplayedPost {
        /// The post's ID.
        post: PostId,
        /// Where it was first seen.
        first_seq: i64,
        /// Where it was seen again.
        seq: i64,
    },
    /// The post failed its cryptographic or content checks (bad signature, altered,
    /// invalid envelope).
    #[error(transparent)]
    Post(#[from] OpenError),
    /// The post could not be sealed (envelope over limits, invalid references).
    #[error(transparent)]
    Seal(#[from] SealError),
    /// Bytes are not a well-formed post or era-key message, or a log entry has the wrong
    /// kind of content.
    #[error("malformed {0}")]
    Malformed(String),
    /// An era-key message gives another key for an era this device already holds. Only a
    /// buggy or malicious member does that; the message is refused as a whole.
    #[error("conflicting key for era {0}")]
    EraConflict(EraId),
    /// This device was removed from the channel: it can no longer process entries, send
    /// or commit (posts it already holds keys for still open with
    /// [`crate::channel::ChannelState::open_post`]).
    #[error("this device is no longer a member of the channel")]
    Inactive,
    /// A commit of this device awaits the server's answer: report it with
    /// [`crate::channel::ChannelState::commit_accepted`] or
    /// [`crate::channel::ChannelState::commit_rejected`] first.
    #[error("a commit awaits the server's answer")]
    PendingCommit,
    /// [`crate::channel::ChannelState::commit_accepted`] was called with no commit pending.
    #[error("no commit is pending")]
    NoPendingCommit,
    /// Saved state could not be written or read back: not an export, truncated, altered,
    /// wrong key or label, or not matching the device's MLS state.
    #[error("invalid saved channel state: {0}")]
    State(&'static str),
}

impl ChannelError {
    /// Whether the post only lacks its era's key, so it may open once more era keys have
    /// arrived (as opposed to being bad for good).
    pub fn is_unknown_era(&self) -> bool {
        matches!(self, Self::UnknownEra(_) | Self::Post(OpenError::UnknownEra(_)))
    }

    pub(crate) fn malformed(what: &str, error: impl std::fmt::Display) -> Self {
        Self::Malformed(format!("{what}: {error}"))
    }
}
