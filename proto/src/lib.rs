//! Wire types shared by the Kizuna server, the operator CLI and the clients.
//!
//! This crate must stay free of server dependencies (no actix, tokio, diesel or
//! object_store) so that the browser client can compile it to WebAssembly. The one
//! exception is opt-in: the `diesel` feature (off by default, used only by
//! kizuna-storage) adds SQL conversions for the typed IDs, times and vocabularies.

pub mod ids;
pub mod log;
pub mod redact;
pub mod roles;
pub mod safety;
pub mod severity;
#[cfg(feature = "diesel")]
mod sql;
pub mod time;
pub mod wire;

pub use ids::{AuditId, BlobId, BroadcastId, DeviceId, InvitationId, OrganisationId, PostId, RoomId, UserId};
pub use log::LOG_GENERATION_HEADER;
pub use redact::Redacted;
pub use roles::{Channel, OrgRole, OrganisationKind, RoomRole, Urgency};
pub use safety::{SafetyNeed, SafetyStatus};
pub use severity::Severity;
pub use time::Timestamp;
pub use wire::{
    ClaimedKeyPackage, CommitStored, GroupView, KeyPackageBatch, KeyPackageUpload, KeyPackagesLeft, LogEntry,
    LogKind, MessageStored, NewCommit, NewGroup, NewMessage, RoomMember, Stored, Welcome, WelcomeView,
};
