//! Errors of the MLS layer. Every decoder of outside bytes returns one of these, never
//! panics. openmls' own errors are generic over the storage backend, so they are kept
//! as text (`reason`) next to the operation that failed.

use crate::proto::DeviceId;

/// What went wrong on a device (key packages, joining, committing, processing).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MlsError {
    /// The bytes are not a well-formed MLS message of the kind this call expects.
    #[error("malformed MLS input (expected {expected}): {reason}")]
    Malformed {
        /// What the call expected, e.g. "key package" or "welcome".
        expected: &'static str,
        /// Why decoding failed.
        reason: String,
    },
    /// The message belongs to another MLS group (another channel).
    #[error("the message belongs to another group")]
    WrongGroup,
    /// A handshake message (commit or proposal) for an epoch other than the member's
    /// current one: commits must be processed in order, without gaps.
    #[error("message for epoch {message}, but the group is at epoch {current}")]
    WrongEpoch {
        /// The epoch the message was made for.
        message: u64,
        /// The member's current epoch.
        current: u64,
    },
    /// A member's credential does not carry a Kizuna user ID and device ID.
    #[error("a credential does not name a Kizuna user and device")]
    ForeignCredential,
    /// The device to remove is not a member of the group.
    #[error("device {0} is not a member of the group")]
    NotAMember(DeviceId),
    /// No key packages or devices were given.
    #[error("nothing to add or remove")]
    EmptyInput,
    /// This device has been removed from the group and can no longer use it.
    #[error("this device is no longer a member of the group")]
    Evicted,
    /// openmls refused the operation (invalid signature, pending commit, unknown key
    /// package, decryption failure, ...).
    #[error("MLS {operation} failed: {reason}")]
    Mls {
        /// The operation that failed, e.g. "process message".
        operation: &'static str,
        /// openmls' description of the failure.
        reason: String,
    },
    /// Exported state could not be read back.
    #[error("invalid saved MLS state: {0}")]
    State(&'static str),
}

impl MlsError {
    pub(crate) fn mls(operation: &'static str, error: impl std::fmt::Display) -> Self {
        Self::Mls {
            operation,
            reason: error.to_string(),
        }
    }

    pub(crate) fn malformed(expected: &'static str, error: impl std::fmt::Display) -> Self {
        Self::Malformed {
            expected,
            reason: error.to_string(),
        }
    }
}

/// What went wrong in the server's view of a group.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ServerViewError {
    /// The bytes are not a well-formed MLS message of the kind this call expects.
    #[error("malformed MLS input (expected {expected}): {reason}")]
    Malformed {
        /// What the call expected, e.g. "group info".
        expected: &'static str,
        /// Why decoding failed.
        reason: String,
    },
    /// The message is an MLS private message; the server can only check public
    /// (plaintext) commits.
    #[error("commits must be sent as MLS public messages")]
    NotPublic,
    /// The message is a valid public message but not a commit (e.g. a proposal).
    #[error("the message is not a commit")]
    NotACommit,
    /// The message belongs to another MLS group.
    #[error("the message belongs to another group")]
    WrongGroup,
    /// The commit was made for another epoch: another commit won this epoch. The sender
    /// should fetch the missing commits, process them and try again.
    #[error("commit for epoch {message}, but the group is at epoch {current}")]
    WrongEpoch {
        /// The epoch the commit was made for.
        message: u64,
        /// The group's current epoch on the server.
        current: u64,
    },
    /// A credential in the group or the commit does not name a Kizuna user and device.
    #[error("a credential does not name a Kizuna user and device")]
    ForeignCredential,
    /// The GroupInfo carries no ratchet tree and none was given.
    #[error("the group info carries no ratchet tree")]
    MissingRatchetTree,
    /// openmls rejected the message or the group info (bad signature, invalid
    /// proposals, invalid tree, ...).
    #[error("MLS {operation} failed: {reason}")]
    Mls {
        /// The operation that failed.
        operation: &'static str,
        /// openmls' description of the failure.
        reason: String,
    },
    /// A saved view ([`crate::mls::ServerGroupView::export`]) could not be written or
    /// read back: not an export, truncated, altered, or of another group.
    #[error("invalid saved group view: {0}")]
    State(&'static str),
}

impl ServerViewError {
    pub(crate) fn mls(operation: &'static str, error: impl std::fmt::Display) -> Self {
        Self::Mls {
            operation,
            reason: error.to_string(),
        }
    }

    pub(crate) fn malformed(expected: &'static str, error: impl std::fmt::Display) -> Self {
        Self::Malformed {
            expected,
            reason: error.to_string(),
        }
    }
}
