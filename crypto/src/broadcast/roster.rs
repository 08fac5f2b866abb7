//! Signed changes to a regional organisation's roster of officer keys.
//!
//! A client trusts a broadcast only if its key is on the organisation's roster, and it
//! learns the roster from the server. So that the server cannot simply add a key of its
//! own, the roster is a hash chain of signed changes: version 1 is signed by one of its
//! own officers and is pinned by a client the first time it sees it; every later
//! version names the hash of the one before and must be signed by a key on it. This
//! module signs and opens single changes and checks their shape; which key may sign
//! which version is decided against the pinned roster in the engine
//! (`kizuna_engine::broadcast::RosterBook`).

use std::collections::HashSet;
use std::fmt;

use kizuna_proto::{OrganisationId, Timestamp};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::signing::{DeviceSigningKey, DeviceVerifyingKey};

use super::b64;
use super::content::Officer;
use super::error::BroadcastError;
use super::signed::{claimed, debug_signed, open_payload, sign_payload};

/// Prefix of the message a roster change's signature covers; distinct from
/// broadcasts', so a signed notice can never be passed off as a roster change.
pub const ROSTER_LABEL: &[u8] = b"kizuna/roster/v1/signature\0";
/// Prefix of the bytes hashed into a [`RosterHash`].
const HASH_LABEL: &[u8] = b"kizuna/roster/v1/hash\0";
/// Most officer devices one roster may list.
pub const MAX_OFFICERS: usize = 100;
/// Largest payload of a roster change, in bytes ([`MAX_OFFICERS`] officers fit).
pub const MAX_ROSTER_BYTES: usize = 64 * 1024;

/// The SHA-256 that links a roster change to the one before it, computed over the
/// exact signed payload (with its own label). People can compare it, shown as a
/// [`fingerprint`](Self::fingerprint), with what the organisation publishes elsewhere.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(transparent)]
pub struct RosterHash(pub [u8; 32]);

impl RosterHash {
    /// The hash of one roster change's payload.
    pub fn of_payload(payload: &[u8]) -> Self {
        let mut hasher = Sha256::new();
        hasher.update(HASH_LABEL);
        hasher.update(payload);
        Self(hasher.finalize().into())
    }

    /// The first 16 bytes as eight groups of four hex digits, for people to read out
    /// and compare (e.g. `3f2a 09c1 …`).
    pub fn fingerprint(&self) -> String {
        let groups: Vec<String> = self.0[..16]
            .chunks(2)
            .map(|pair| format!("{:02x}{:02x}", pair[0], pair[1]))
            .collect();
        groups.join(" ")
    }
}

impl fmt::Debug for RosterHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RosterHash({})", self.fingerprint())
    }
}

/// One version of an organisation's roster: the complete list of officer devices
/// whose keys may sign its broadcasts, from this version on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct RosterChange {
    /// The regional organisation whose roster this is.
    pub organisation: OrganisationId,
    /// 1 for the first roster, then one more for each change.
    pub version: u64,
    /// The hash of the previous version's payload; `None` exactly for version 1.
    pub previous: Option<RosterHash>,
    /// When the signing device made the change (shown with it; not trusted for order,
    /// which the version gives).
    pub issued_at: Timestamp,
    /// Who signed the change: one of `officers` for version 1, otherwise an officer of
    /// the previous version.
    pub signed_by: Officer,
    /// Every officer device of this version.
    pub officers: Vec<Officer>,
}

impl RosterChange {
    /// Checks the shape: at least one and at most [`MAX_OFFICERS`] officers, no device
    /// or key twice, the version linked correctly, version 1 signed by one of its own.
    pub fn validate(&self) -> Result<(), BroadcastError> {
        if self.officers.is_empty() {
            return Err(BroadcastError::NoOfficers);
        }
        if self.officers.len() > MAX_OFFICERS {
            return Err(BroadcastError::TooManyOfficers { limit: MAX_OFFICERS });
        }
        let (mut devices, mut keys) = (HashSet::new(), HashSet::new());
        for officer in &self.officers {
            if !devices.insert(officer.device) || !keys.insert(officer.key.to_bytes()) {
                return Err(BroadcastError::DuplicateOfficer {
                    device: officer.device,
                });
            }
        }
        let linked = match self.version {
            0 => false,
            1 => self.previous.is_none(),
            _ => self.previous.is_some(),
        };
        if !linked {
            return Err(BroadcastError::BadLink {
                version: self.version,
            });
        }
        if self.version == 1 && !self.officers.contains(&self.signed_by) {
            return Err(BroadcastError::GenesisNotSelfSigned);
        }
        Ok(())
    }

    /// The officer listed with this device's key, if any.
    pub fn officer_with_key(&self, key: &DeviceVerifyingKey) -> Option<&Officer> {
        self.officers.iter().find(|officer| officer.key == *key)
    }
}

/// A roster change as it travels and is stored; same shape as a signed broadcast.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct SignedRosterChange {
    /// The [`RosterChange`] as canonical JSON, exactly as signed.
    #[serde(with = "b64")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub payload: Vec<u8>,
    /// Ed25519 signature over [`ROSTER_LABEL`] ‖ payload (64 bytes).
    #[serde(with = "b64")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub signature: Vec<u8>,
    /// The signing device's public key (32 bytes).
    #[serde(with = "b64")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub signer_key: Vec<u8>,
}

impl SignedRosterChange {
    /// The hash the next version must name as its `previous`.
    pub fn hash(&self) -> RosterHash {
        RosterHash::of_payload(&self.payload)
    }

    /// The change the payload claims, unchecked: for saying what was refused, never
    /// for trusting it.
    pub fn claimed(&self) -> Option<RosterChange> {
        claimed(&self.payload, MAX_ROSTER_BYTES)
    }
}

impl fmt::Debug for SignedRosterChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        debug_signed(f, "SignedRosterChange", &self.payload, &self.signer_key)
    }
}

/// Signs a roster change with the key of the officer it names as `signed_by`.
pub fn sign_roster_change(
    change: &RosterChange,
    key: &DeviceSigningKey,
) -> Result<SignedRosterChange, BroadcastError> {
    change.validate()?;
    let (payload, signature) = sign_payload(ROSTER_LABEL, change, &change.signed_by, key)?;
    Ok(SignedRosterChange {
        payload,
        signature: signature.to_vec(),
        signer_key: key.verifying_key().to_bytes().to_vec(),
    })
}

/// Opens a roster change: signature over the exact bytes, strict canonical parse, the
/// named signer is the key that signed, and the shape rules. Returns the change and
/// its hash. Whether the signer may change *this* roster is the engine's check.
pub fn open_roster_change(signed: &SignedRosterChange) -> Result<(RosterChange, RosterHash), BroadcastError> {
    let (change, key): (RosterChange, _) = open_payload(
        ROSTER_LABEL,
        MAX_ROSTER_BYTES,
        &signed.payload,
        &signed.signature,
        &signed.signer_key,
    )?;
    if change.signed_by.key != key {
        return Err(BroadcastError::SignerMismatch);
    }
    change.validate()?;
    Ok((change, signed.hash()))
}
