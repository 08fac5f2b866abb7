//! Regional broadcasts on this device: the rosters it has pinned (kept in its sealed
//! state with everything else), the verdict on each notice it receives, and, on an
//! officer's device, signing notices and roster changes with the device's own key
//! (the key of its MLS credential; there is no other key to lose or escrow).
//!
//! The views here are what a shell shows or stores as JSON: both clients give people
//! the same verdict in the same words.

use kizuna_crypto::broadcast::{self, Broadcast, Officer, RosterChange, SignedBroadcast, SignedRosterChange};
use kizuna_crypto::DeviceIdentity;
use kizuna_proto::Timestamp;
use serde::Serialize;

use crate::broadcast::{RosterBook, RosterError, RosterUpdate, Verdict};
use crate::core::Core;
use crate::error::EngineError;

/// How a shell shows one notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    /// The organisation's current notice: banner, full screen for 緊急.
    Official,
    /// Genuine but past its expiry: with past notices only.
    Expired,
    /// Not official: marked as such, with the warning.
    Unverified,
}

/// One received notice as a shell shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BroadcastView {
    /// Official, expired or unverified.
    pub standing: Standing,
    /// What it says (for an unverified notice: what it claims), if readable at all.
    pub broadcast: Option<Broadcast>,
    /// The officer on the roster who signed it (official and expired only).
    pub officer: Option<Officer>,
    /// Why it is expired or not official, in both languages; `None` when official.
    pub warning: Option<EngineError>,
}

impl From<Verdict> for BroadcastView {
    fn from(verdict: Verdict) -> Self {
        let warning = verdict.warning();
        match verdict {
            Verdict::Official { broadcast, officer } => Self {
                standing: Standing::Official,
                broadcast: Some(broadcast),
                officer: Some(officer),
                warning,
            },
            Verdict::Expired { broadcast, officer } => Self {
                standing: Standing::Expired,
                broadcast: Some(broadcast),
                officer: Some(officer),
                warning,
            },
            Verdict::Unverified { broadcast, .. } => Self {
                standing: Standing::Unverified,
                broadcast,
                officer: None,
                warning,
            },
        }
    }
}

/// What reading one roster change did, as a shell reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
// An officer holds a decompressed Ed25519 key (~200 bytes); a report is made once per
// roster change and handed straight to a shell, so boxing it would buy nothing.
#[allow(clippy::large_enum_variant)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum RosterReport {
    /// First sight: pinned. Show the fingerprint to compare with the organisation's.
    Pinned {
        /// The version pinned (1).
        version: u64,
        /// The officer devices.
        officers: Vec<Officer>,
        /// For people to compare out of band.
        fingerprint: String,
    },
    /// The next version was accepted: show who was added and removed.
    Changed {
        /// The version now pinned.
        version: u64,
        /// Who signed the change.
        signed_by: Officer,
        /// Officer devices added.
        added: Vec<Officer>,
        /// Officer devices removed.
        removed: Vec<Officer>,
    },
    /// Seen before: nothing changed.
    Unchanged {
        /// The version pinned.
        version: u64,
    },
    /// Refused; the pinned roster stays as it was.
    Refused {
        /// Why, in both languages.
        error: EngineError,
    },
}

impl From<Result<RosterUpdate, RosterError>> for RosterReport {
    fn from(result: Result<RosterUpdate, RosterError>) -> Self {
        match result {
            Ok(RosterUpdate::Pinned {
                officers,
                fingerprint,
                ..
            }) => Self::Pinned {
                version: 1,
                officers,
                fingerprint,
            },
            Ok(RosterUpdate::Changed {
                version,
                signed_by,
                added,
                removed,
                ..
            }) => Self::Changed {
                version,
                signed_by,
                added,
                removed,
            },
            Ok(RosterUpdate::Unchanged { version, .. }) => Self::Unchanged { version },
            Err(error) => Self::Refused { error: error.into() },
        }
    }
}

impl RosterBook {
    /// Reads roster changes, oldest first: one report each, as a shell shows them.
    pub fn accept_all(&mut self, changes: &[SignedRosterChange]) -> Vec<RosterReport> {
        changes.iter().map(|change| self.accept(change).into()).collect()
    }

    /// [`RosterBook::verify`], as a shell shows it.
    pub fn view(&self, signed: &SignedBroadcast, now: Timestamp) -> BroadcastView {
        self.verify(signed, now).into()
    }
}

impl Core {
    /// The rosters this device has pinned.
    pub fn rosters(&self) -> &RosterBook {
        &self.rosters
    }

    /// Reads one organisation's roster changes, oldest first (`GET
    /// /organisations/{o}/roster`): one report each. Export the state afterwards, so a
    /// pin survives a restart.
    pub fn accept_rosters(&mut self, changes: &[SignedRosterChange]) -> Vec<RosterReport> {
        self.rosters.accept_all(changes)
    }

    /// The verdict on a received notice at `now`, against the rosters pinned now.
    pub fn verify_broadcast(&self, signed: &SignedBroadcast, now: Timestamp) -> BroadcastView {
        self.rosters.view(signed, now)
    }

    /// This device as an officer: the signer it names in what it signs.
    pub fn officer(&self) -> Officer {
        officer(self.mls.identity())
    }

    /// Signs a notice with this device's key ([`sign_broadcast`]).
    pub fn sign_broadcast(&self, content: &Broadcast) -> Result<SignedBroadcast, EngineError> {
        sign_broadcast(self.mls.identity(), content)
    }

    /// Signs a roster change with this device's key ([`sign_roster_change`]).
    pub fn sign_roster_change(&self, change: &RosterChange) -> Result<SignedRosterChange, EngineError> {
        sign_roster_change(self.mls.identity(), change)
    }
}

/// The device `identity` as an officer: the signer it names in what it signs.
pub fn officer(identity: &DeviceIdentity) -> Officer {
    Officer {
        user: identity.user(),
        device: identity.device(),
        key: identity.verifying_key(),
    }
}

/// Signs a notice with the device's key (the key of its MLS credential). The notice
/// must name this device as its signer, so nobody signs in another's name by mistake.
pub fn sign_broadcast(
    identity: &DeviceIdentity,
    content: &Broadcast,
) -> Result<SignedBroadcast, EngineError> {
    check_signer(identity, &content.signed_by)?;
    Ok(broadcast::sign(content, identity.signing_key())?)
}

/// Signs a roster change with the device's key (an officer on the version before, or
/// on version 1 itself); it must name this device as its signer.
pub fn sign_roster_change(
    identity: &DeviceIdentity,
    change: &RosterChange,
) -> Result<SignedRosterChange, EngineError> {
    check_signer(identity, &change.signed_by)?;
    Ok(broadcast::sign_roster_change(change, identity.signing_key())?)
}

fn check_signer(identity: &DeviceIdentity, named: &Officer) -> Result<(), EngineError> {
    if *named == officer(identity) {
        return Ok(());
    }
    Err(EngineError::new(
        "broadcast_not_this_device",
        "A notice or roster change must name this device as its signer. Sign it on the device it names.",
        "お知らせや名簿の変更には、この端末を署名者として記載してください。記載した端末で署名してください。",
    ))
}
