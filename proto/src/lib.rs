//! Wire types shared by the Kizuna server, the operator CLI and the clients.
//!
//! This crate must stay free of server dependencies (no actix, tokio, diesel or
//! object_store) so that the browser client can compile it to WebAssembly.

pub mod ids;
pub mod log;
pub mod redact;
pub mod roles;
pub mod time;

pub use ids::{AuditId, BlobId, DeviceId, InvitationId, OrganisationId, PostId, RoomId, UserId};
pub use log::LOG_GENERATION_HEADER;
pub use redact::Redacted;
pub use roles::{Channel, OrgRole, OrganisationKind, RoomRole, Urgency};
pub use time::Timestamp;
