//! MLS (RFC 9420) group layer: one MLS group per room channel, one leaf per device.
//!
//! Everything here is sans-I/O. Each operation returns the bytes the caller must send
//! (to the server, which is the delivery service) and takes the bytes it received.
//!
//! * [`identity`]: [`DeviceIdentity`], the device's MLS basic credential (user ID +
//!   device ID) and its Ed25519 key, the same key that signs posts.
//! * [`device`]: [`MlsDevice`], one per device: key packages, creating and joining
//!   channels, and export/import of the whole MLS state for encrypted persistence.
//! * [`member`]: [`ChannelMember`], one per device per channel: add/remove devices,
//!   process incoming messages in order, encrypt application messages.
//! * [`server_view`]: [`ServerGroupView`], the server's member-less copy of a group that
//!   validates commits against room policy before accepting them.
//!
//! Wire format: commits and proposals travel as MLS *public* messages so the server can
//! read and check them; application messages are always *private*
//! (`MIXED_PLAINTEXT_WIRE_FORMAT_POLICY` on both the create and the join side).
//!
//! Randomness: MLS key generation and HPKE draw from openmls' own provider
//! (`OpenMlsRustCrypto`, a ChaCha20 generator seeded by the operating system), not from
//! [`crate::Random`]; only the device signing key comes from the caller's [`crate::Random`].

pub mod device;
pub mod error;
pub mod identity;
pub mod member;
pub mod server_view;
mod state;
mod wire;

#[cfg(test)]
mod tests;

pub use device::{KeyPackageOut, MlsDevice};
pub use error::{MlsError, ServerViewError};
pub use identity::{credential_ids, DeviceIdentity};
pub use member::{ChannelMember, CommitOutput, CommitSummary, Incoming, MemberInfo};
pub use server_view::{private_message_epoch, ServerGroupView};

use openmls::prelude::{
    Ciphersuite, MlsGroupCreateConfig, MlsGroupJoinConfig, MIXED_PLAINTEXT_WIRE_FORMAT_POLICY,
};

/// The one ciphersuite Kizuna uses: X25519, AES-128-GCM, SHA-256, Ed25519.
pub const CIPHERSUITE: Ciphersuite = Ciphersuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519;

/// How many past epochs' application-message keys a member keeps, so a message sent just
/// before a commit still decrypts after the commit was merged.
const MAX_PAST_EPOCHS: usize = 3;

/// Configuration for creating a group: public handshake messages, private application
/// messages, and the ratchet tree inside Welcome and GroupInfo so joiners and the server
/// need nothing else.
fn create_config() -> MlsGroupCreateConfig {
    MlsGroupCreateConfig::builder()
        .ciphersuite(CIPHERSUITE)
        .wire_format_policy(MIXED_PLAINTEXT_WIRE_FORMAT_POLICY)
        .use_ratchet_tree_extension(true)
        .max_past_epochs(MAX_PAST_EPOCHS)
        .build()
}

/// Configuration for joining a group; must match [`create_config`]'s wire format policy.
fn join_config() -> MlsGroupJoinConfig {
    MlsGroupJoinConfig::builder()
        .wire_format_policy(MIXED_PLAINTEXT_WIRE_FORMAT_POLICY)
        .use_ratchet_tree_extension(true)
        .max_past_epochs(MAX_PAST_EPOCHS)
        .build()
}
