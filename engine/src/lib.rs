//! Kizuna's client engine: everything both clients decide, without I/O.
//!
//! In the shape of matrix-sdk-crypto: log entries and server answers go in, events
//! and requests to send come out. The native client (`kizuna-client`, async over
//! HTTP and WebSocket) and the browser client (`kizuna-client-web`, wasm-bindgen
//! bindings for the TypeScript UI) are shells over it: they fetch, send and store,
//! and follow the same rules because there is one copy of them.
//!
//! * [`Slot`]: one room channel; [`Slot::ingest`] reads its log (order, gaps, the
//!   stall rule, posts waiting for their era key) into [`Event`]s; sealing posts and
//!   membership commits.
//! * [`Core`]: the device (key packages, welcomes, creating channels, its whole state
//!   sealed in one blob).
//! * [`reconcile::plan`]: which devices a channel's group gains or loses.
//! * [`outbox::decide`]: when a failed send is sent again.
//! * [`care`]: photos, attachments, envelope checks and the care notebook.
//! * [`broadcast`]: regional broadcasts: the pinned officer rosters ([`RosterBook`])
//!   and whether a notice is official ([`Verdict`]).
//! * [`export`]: a room's record as JSON, CSV (vitals) or a FHIR R4 Bundle.
//! * [`EngineError`]: every failure, with a code and both languages.
//!
//! The wire types (log entries, room members, key packages, …) are `kizuna_proto`'s.

pub mod broadcast;
pub mod care;
pub mod codec;
#[cfg(any(test, feature = "conformance"))]
pub mod conformance;
mod core;
pub mod error;
mod events;
pub mod export;
mod ingest;
pub mod officer;
pub mod outbox;
mod policy;
pub mod reconcile;
mod slot;
#[cfg(test)]
mod test_random;

pub use crate::core::Core;
pub use broadcast::{RosterBook, RosterError, RosterUpdate, Unverified, Verdict};
pub use error::EngineError;
pub use events::{
    Accepted, ChannelRef, CommitRequest, Event, Joined, Member, ReceivedPost, SealedPost, WelcomeProblem, Who,
};
pub use ingest::MAX_WAITING;
pub use kizuna_crypto as crypto;
pub use kizuna_proto as proto;
pub use officer::{BroadcastView, RosterReport, Standing};
pub use policy::Policy;
pub use reconcile::Plan;
pub use slot::Slot;

#[cfg(test)]
#[path = "broadcast_tests.rs"]
mod broadcast_tests;
#[cfg(test)]
#[path = "officer_tests.rs"]
mod officer_tests;
#[cfg(test)]
#[path = "slot_tests.rs"]
mod slot_tests;
