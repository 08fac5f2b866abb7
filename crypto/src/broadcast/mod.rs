//! Regional broadcasts (disaster mode, issue 14): notices a medical association or a
//! city sends to every care team in its region, signed on the officer's device, and
//! the roster of officer keys that says whose signature counts.
//!
//! # Threat
//!
//! A broadcast holds no client's data, so it is not end-to-end encrypted: the server
//! stores it once and delivers it to everyone in scope. The server is exactly what must
//! not be able to speak for the association: a compromised or misconfigured server that
//! could change "evacuate to the school" into another place, downgrade 緊急 to 情報,
//! extend an expiry or invent a notice would be worse than no notice. So:
//!
//! * every notice is signed with the officer device's Ed25519 key (the same key as its
//!   MLS credential) over the exact bytes sent, under a label of its own
//!   ([`BROADCAST_LABEL`]); [`open`] checks the signature *before* parsing and accepts
//!   only the one canonical encoding, so an altered byte anywhere is refused;
//! * the notice names its signer (user, device, key) inside the signed bytes, and
//!   [`open`] refuses it unless that key is the one that signed, so one officer cannot
//!   sign in another's name;
//! * which keys speak for an organisation is its *roster* ([`RosterChange`]), itself a
//!   signed hash chain: the server can deliver a roster change but cannot make one,
//!   because each version must be signed by a key on the version before.
//!
//! # Trust on first sight, and its limit
//!
//! A client pins version 1 of a roster the first time it sees it, and from then on
//! accepts only changes signed by a key already on it (`kizuna_engine::broadcast`).
//! That protects every client that pinned the genuine roster. It cannot protect a
//! client whose very first contact was with a server that was already compromised: that
//! client would pin the attacker's roster. Such a fork is not silent (clients that
//! pinned the genuine roster refuse the attacker's version 1 as a conflict), and the
//! [`RosterHash::fingerprint`] can be compared with one the organisation publishes out
//! of band (a letter, its website). Also, any single key on the roster may change it:
//! a stolen officer device can rewrite the roster until it is noticed in the audit.
//!
//! # Layout
//!
//! * [`content`]: [`Broadcast`] and [`Officer`], and the content rules.
//! * [`signed`]: the wire form [`SignedBroadcast`], [`sign`] and [`open`].
//! * [`roster`]: [`RosterChange`], [`SignedRosterChange`], [`RosterHash`].
//! * [`BroadcastError`]: every refusal, in English and Japanese.

mod b64;
pub mod content;
mod error;
pub mod roster;
pub mod signed;

#[cfg(test)]
mod tests;

pub use content::{Broadcast, Officer, MAX_AREA_CHARS, MAX_BODY_CHARS, MAX_TITLE_CHARS, MAX_VALIDITY_DAYS};
pub use error::BroadcastError;
pub use roster::{
    open_roster_change, sign_roster_change, RosterChange, RosterHash, SignedRosterChange, MAX_OFFICERS,
    MAX_ROSTER_BYTES, ROSTER_LABEL,
};
pub use signed::{open, sign, SignedBroadcast, BROADCAST_LABEL, MAX_BROADCAST_BYTES};
