//! Regional broadcasts on the receiving side: which officer keys a client trusts for
//! each regional organisation ([`RosterBook`]), and whether a broadcast is official
//! ([`RosterBook::verify`]). One copy of these rules for both clients, so the CLI and
//! the browser say the same thing about the same notice.
//!
//! The server delivers broadcasts and roster changes but must not be able to speak for
//! an association: it could be compromised, or simply wrong. `kizuna_crypto::broadcast`
//! makes a notice tamper-evident (signature over the exact bytes); this module decides
//! whose signature counts:
//!
//! * **Pinning on first sight.** The first roster a client sees for an organisation
//!   (always version 1, self-signed by one of its officers) is pinned. After that, a
//!   change is accepted only if it is the next version, names the hash of the pinned
//!   one, and is signed by an officer on the pinned one. Anything else (unsigned, signed
//!   by an outsider or a removed officer, a skipped version, an older version, a second
//!   different change of the same version) is refused and the pinned roster stays.
//! * **The limit of pinning.** A client whose very first contact is with an already
//!   compromised server pins whatever roster it is shown; the fingerprint in
//!   [`RosterUpdate::Pinned`] is there to be compared with what the organisation
//!   publishes out of band. And any one officer key on the roster can change it, so a
//!   stolen officer device must be removed quickly; every change is reported
//!   ([`RosterUpdate::Changed`]) for the client to show.
//! * **Verdicts.** A notice is [`Verdict::Official`] only if it opens (intact, canonical,
//!   signed by the key it names, within the content rules), its key is on the pinned
//!   roster of the organisation it claims, under the same user and device, and it has
//!   not expired. Everything else is [`Verdict::Unverified`] with the reason, never
//!   dropped silently: people should see that someone tried to send a notice in the
//!   association's name.
//! * **Expiry.** An intact notice past its expiry is [`Verdict::Expired`]: genuine, but
//!   not current. It belongs in the list of past notices, never in a banner, a full
//!   screen alert or a safety prompt, because a server could otherwise replay last
//!   year's 緊急 to frighten a region. It is not "unverified" either: calling a genuine
//!   notice unverified would teach people to ignore that warning.
//! * **Removed officers.** A notice is checked against the roster pinned *now*, so
//!   notices signed by an officer who has since been removed no longer verify: the
//!   time inside a notice is the signer's claim, and a removed key (lost, stolen) must
//!   not be able to back-date new ones. Clients that want the verdict given at receipt
//!   keep it with the notice.

use std::collections::BTreeMap;
use std::fmt;

use kizuna_crypto::broadcast::{
    self, Broadcast, BroadcastError, Officer, RosterChange, RosterHash, SignedBroadcast, SignedRosterChange,
};
use kizuna_crypto::proto::{DeviceId, OrganisationId, Timestamp, UserId};
use serde::{Deserialize, Serialize};

use crate::error::EngineError;

/// One organisation's roster as this client has pinned it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PinnedRoster {
    change: RosterChange,
    hash: RosterHash,
}

impl PinnedRoster {
    /// The version pinned; a shell asks the server for changes after it.
    pub fn version(&self) -> u64 {
        self.change.version
    }

    /// The officer devices whose keys count for the organisation.
    pub fn officers(&self) -> &[Officer] {
        &self.change.officers
    }

    /// The hash of the pinned change (its [`RosterHash::fingerprint`] is for people).
    pub fn hash(&self) -> RosterHash {
        self.hash
    }

    /// The pinned change itself.
    pub fn change(&self) -> &RosterChange {
        &self.change
    }
}

/// The pinned rosters of every regional organisation this client has seen, by
/// organisation. Serialisable, so each client keeps it inside its sealed state: a
/// roster the client forgot would be pinned afresh from whatever the server says.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RosterBook {
    rosters: BTreeMap<OrganisationId, PinnedRoster>,
}

/// What accepting a roster change did, for the client to show.
// Made once per roster change and shown at once; boxing the officer would only make
// the variants harder to match on.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RosterUpdate {
    /// First sight: version 1 is now pinned. Show the fingerprint so it can be compared
    /// with the one the organisation publishes.
    Pinned {
        /// The organisation.
        organisation: OrganisationId,
        /// Its officer devices.
        officers: Vec<Officer>,
        /// The pinned change's fingerprint.
        fingerprint: String,
    },
    /// The next version was accepted.
    Changed {
        /// The organisation.
        organisation: OrganisationId,
        /// The version now pinned.
        version: u64,
        /// Who made the change (an officer of the previous version).
        signed_by: Officer,
        /// Officer devices that may now sign.
        added: Vec<Officer>,
        /// Officer devices that no longer may.
        removed: Vec<Officer>,
    },
    /// The very change already pinned, seen again: nothing to do.
    Unchanged {
        /// The organisation.
        organisation: OrganisationId,
        /// The version pinned.
        version: u64,
    },
}

/// Why a roster change was refused. The pinned roster is never changed by a refusal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RosterError {
    /// The change does not open: unsigned, altered, malformed, or badly shaped.
    Invalid(BroadcastError),
    /// Nothing is pinned for the organisation and this is not version 1: the chain
    /// must be read from its start.
    NotFirstVersion {
        /// The version offered.
        version: u64,
    },
    /// The change is not signed by an officer on the pinned roster (an outsider, or an
    /// officer who was removed).
    NotSignedByRoster {
        /// The person who signed it.
        user: UserId,
        /// The device that signed it.
        device: DeviceId,
    },
    /// Versions were skipped: the changes in between must be accepted first.
    VersionSkip {
        /// The version pinned.
        pinned: u64,
        /// The version offered.
        offered: u64,
    },
    /// An older version than the pinned one: refused, a roster never goes back.
    Rollback {
        /// The version pinned.
        pinned: u64,
        /// The version offered.
        offered: u64,
    },
    /// A different change with the version already pinned: someone holds a second,
    /// conflicting history of this roster.
    Conflict {
        /// The version.
        version: u64,
    },
    /// The next version, but it does not build on the pinned one.
    PreviousMismatch {
        /// The version offered.
        version: u64,
    },
}

impl RosterError {
    /// A stable snake_case code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Invalid(BroadcastError::BadSignature | BroadcastError::SignerMismatch) => {
                "roster_bad_signature"
            }
            Self::Invalid(BroadcastError::Malformed(_) | BroadcastError::TooLarge { .. }) => {
                "roster_malformed"
            }
            Self::Invalid(_) => "roster_invalid",
            Self::NotFirstVersion { .. } => "roster_not_first_version",
            Self::NotSignedByRoster { .. } => "roster_not_signed_by_officer",
            Self::VersionSkip { .. } => "roster_version_skip",
            Self::Rollback { .. } => "roster_rollback",
            Self::Conflict { .. } => "roster_conflict",
            Self::PreviousMismatch { .. } => "roster_previous_mismatch",
        }
    }

    /// The message in Japanese (the `Display` text is the English one).
    pub fn message_ja(&self) -> String {
        let why = match self {
            Self::Invalid(e) => e.message_ja(),
            Self::NotFirstVersion { version } => {
                format!("最初の名簿（版 1）より前に版 {version} が届きました。名簿を最初から同期してください")
            }
            Self::NotSignedByRoster { user, device } => {
                format!("登録済みの担当者の署名ではありません（署名者 {user}、端末 {device}）")
            }
            Self::VersionSkip { pinned, offered } => {
                format!("版 {pinned} の次に版 {offered} が届きました。間の版を先に同期してください")
            }
            Self::Rollback { pinned, offered } => {
                format!("版 {pinned} を登録済みのところに古い版 {offered} が届きました")
            }
            Self::Conflict { version } => {
                format!("登録済みの版 {version} と内容の異なる版 {version} が届きました")
            }
            Self::PreviousMismatch { version } => {
                format!("版 {version} は登録済みの名簿に続くものではありません")
            }
        };
        format!("担当者名簿の変更を拒否しました：{why}。登録済みの名簿はそのままです。")
    }
}

impl fmt::Display for RosterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Roster change refused: ")?;
        match self {
            Self::Invalid(e) => write!(f, "{e}")?,
            Self::NotFirstVersion { version } => write!(
                f,
                "version {version} arrived before version 1; sync the roster from its start"
            )?,
            Self::NotSignedByRoster { user, device } => write!(
                f,
                "it is not signed by an officer on the pinned roster (signed by {user} on device {device})"
            )?,
            Self::VersionSkip { pinned, offered } => write!(
                f,
                "version {offered} follows pinned version {pinned}; sync the versions in between first"
            )?,
            Self::Rollback { pinned, offered } => {
                write!(f, "version {offered} is older than the pinned version {pinned}")?
            }
            Self::Conflict { version } => write!(f, "it differs from the version {version} already pinned")?,
            Self::PreviousMismatch { version } => {
                write!(f, "version {version} does not build on the pinned roster")?
            }
        }
        f.write_str(". The pinned roster is unchanged.")
    }
}

impl std::error::Error for RosterError {}

/// What a client may make of one received broadcast.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Intact, signed by an officer on the organisation's pinned roster, current: show
    /// it as the organisation's notice (banner; full screen for 緊急).
    Official {
        /// The notice.
        broadcast: Broadcast,
        /// The officer who signed it, as on the roster.
        officer: Officer,
    },
    /// Official, but past its expiry: list it with past notices, marked as expired;
    /// never as a banner, an alert or a safety prompt.
    Expired {
        /// The notice.
        broadcast: Broadcast,
        /// The officer who signed it, as on the roster.
        officer: Officer,
    },
    /// Not official. If shown at all, show it marked as unverified, with the reason.
    Unverified {
        /// What it claims, if it can be read at all: untrusted.
        broadcast: Option<Broadcast>,
        /// Why it is not official.
        reason: Unverified,
    },
}

/// Why a broadcast is not official.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unverified {
    /// The signature does not verify: changed after signing (by the server or on the
    /// way), or never signed by the key it carries.
    Altered,
    /// It names another officer than the one whose key signed it.
    SignerMismatch,
    /// Signed by a key that is not on the pinned roster of the organisation it claims
    /// (an outsider, another organisation's officer, or a removed officer).
    UnknownKey,
    /// No roster is pinned for the organisation it claims: sync that roster, then check
    /// again.
    NoRoster,
    /// Intact and signed, but it breaks the rules for notices (a faulty client).
    Invalid(BroadcastError),
    /// Not a notice at all (bad base64, not the canonical JSON, unknown fields, …).
    Malformed(String),
}

impl Unverified {
    /// A stable snake_case code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Altered => "broadcast_altered",
            Self::SignerMismatch => "broadcast_signer_mismatch",
            Self::UnknownKey => "broadcast_unknown_key",
            Self::NoRoster => "broadcast_no_roster",
            Self::Invalid(_) => "broadcast_invalid",
            Self::Malformed(_) => "broadcast_malformed",
        }
    }

    /// What happened and what to do, in English.
    pub fn en(&self) -> String {
        let why = match self {
            Self::Altered => "it was changed after the officer signed it, or forged".to_owned(),
            Self::SignerMismatch => "it is signed in another officer's name".to_owned(),
            Self::UnknownKey => {
                "it is signed by a key that is not on the organisation's officer roster".to_owned()
            }
            Self::NoRoster => {
                "the organisation's officer roster is not known yet; it is checked again after the next sync"
                    .to_owned()
            }
            Self::Invalid(e) => format!("it breaks the rules for notices ({e})"),
            Self::Malformed(detail) => format!("it cannot be read ({detail})"),
        };
        format!("Not an official notice: {why}. Do not act on it without checking with the organisation.")
    }

    /// The same, in Japanese.
    pub fn ja(&self) -> String {
        let why = match self {
            Self::Altered => "担当者の署名後に内容が変更されたか、偽造されています".to_owned(),
            Self::SignerMismatch => "別の担当者の名前で署名されています".to_owned(),
            Self::UnknownKey => "発信元の担当者名簿にない鍵で署名されています".to_owned(),
            Self::NoRoster => {
                "発信元の担当者名簿をまだ取得していません。次の同期の後で再確認します".to_owned()
            }
            Self::Invalid(e) => format!("お知らせの規則に反しています（{}）", e.message_ja()),
            Self::Malformed(detail) => format!("読み取れません（{detail}）"),
        };
        format!("公式のお知らせとして確認できません：{why}。発信元に確認するまで従わないでください。")
    }
}

impl Verdict {
    /// The notice, official or not; `None` if it could not be read.
    pub fn broadcast(&self) -> Option<&Broadcast> {
        match self {
            Self::Official { broadcast, .. } | Self::Expired { broadcast, .. } => Some(broadcast),
            Self::Unverified { broadcast, .. } => broadcast.as_ref(),
        }
    }

    /// Whether it may be shown as the organisation's current notice.
    pub fn is_official(&self) -> bool {
        matches!(self, Self::Official { .. })
    }

    /// What to tell people beside the notice: `None` for an official one, otherwise
    /// why it is expired or not official, in both languages.
    pub fn warning(&self) -> Option<EngineError> {
        match self {
            Self::Official { .. } => None,
            Self::Expired { broadcast, .. } => {
                let at = broadcast.expires_at.to_rfc3339();
                Some(EngineError::new(
                    "broadcast_expired",
                    format!("This notice expired at {at}; it is kept for reference."),
                    format!("このお知らせは {at} に期限が切れました。記録として残しています。"),
                ))
            }
            Self::Unverified { reason, .. } => Some(reason.into()),
        }
    }
}

impl RosterBook {
    /// An empty book: nothing pinned yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The roster pinned for `organisation`, if any.
    pub fn roster(&self, organisation: &OrganisationId) -> Option<&PinnedRoster> {
        self.rosters.get(organisation)
    }

    /// Takes in one roster change from the server, in version order: pins version 1 on
    /// first sight, accepts the next version if an officer on the pinned one signed it
    /// and it names the pinned one's hash, ignores the pinned change seen again, and
    /// refuses everything else, leaving the pinned roster as it was.
    pub fn accept(&mut self, signed: &SignedRosterChange) -> Result<RosterUpdate, RosterError> {
        let (change, hash) = broadcast::open_roster_change(signed).map_err(RosterError::Invalid)?;
        let organisation = change.organisation;
        let Some(pinned) = self.rosters.get(&organisation) else {
            if change.version != 1 {
                return Err(RosterError::NotFirstVersion {
                    version: change.version,
                });
            }
            let update = RosterUpdate::Pinned {
                organisation,
                officers: change.officers.clone(),
                fingerprint: hash.fingerprint(),
            };
            self.rosters.insert(organisation, PinnedRoster { change, hash });
            return Ok(update);
        };
        let (pinned_version, offered) = (pinned.version(), change.version);
        if offered == pinned_version {
            if hash == pinned.hash {
                return Ok(RosterUpdate::Unchanged {
                    organisation,
                    version: offered,
                });
            }
            return Err(RosterError::Conflict { version: offered });
        }
        if offered < pinned_version {
            return Err(RosterError::Rollback {
                pinned: pinned_version,
                offered,
            });
        }
        if offered - pinned_version > 1 {
            return Err(RosterError::VersionSkip {
                pinned: pinned_version,
                offered,
            });
        }
        if !pinned.officers().contains(&change.signed_by) {
            return Err(RosterError::NotSignedByRoster {
                user: change.signed_by.user,
                device: change.signed_by.device,
            });
        }
        if change.previous != Some(pinned.hash) {
            return Err(RosterError::PreviousMismatch { version: offered });
        }
        let added = difference(&change.officers, pinned.officers());
        let removed = difference(pinned.officers(), &change.officers);
        let update = RosterUpdate::Changed {
            organisation,
            version: offered,
            signed_by: change.signed_by,
            added,
            removed,
        };
        self.rosters.insert(organisation, PinnedRoster { change, hash });
        Ok(update)
    }

    /// Whether a received broadcast is official at `now` (the caller's clock; the
    /// engine never reads one). See the module documentation for each verdict.
    pub fn verify(&self, signed: &SignedBroadcast, now: Timestamp) -> Verdict {
        let unverified = |reason| Verdict::Unverified {
            broadcast: signed.claimed(),
            reason,
        };
        let (content, key) = match broadcast::open(signed) {
            Ok(opened) => opened,
            Err(BroadcastError::BadSignature) => return unverified(Unverified::Altered),
            Err(BroadcastError::SignerMismatch) => return unverified(Unverified::SignerMismatch),
            Err(e @ (BroadcastError::Malformed(_) | BroadcastError::TooLarge { .. })) => {
                return unverified(Unverified::Malformed(e.to_string()))
            }
            Err(e) => return unverified(Unverified::Invalid(e)),
        };
        let reason = match self.rosters.get(&content.organisation) {
            None => Unverified::NoRoster,
            Some(roster) => match roster.change.officer_with_key(&key) {
                None => Unverified::UnknownKey,
                Some(officer) if *officer != content.signed_by => Unverified::SignerMismatch,
                Some(officer) => {
                    let officer = *officer;
                    return if content.is_expired(now) {
                        Verdict::Expired {
                            broadcast: content,
                            officer,
                        }
                    } else {
                        Verdict::Official {
                            broadcast: content,
                            officer,
                        }
                    };
                }
            },
        };
        Verdict::Unverified {
            broadcast: Some(content),
            reason,
        }
    }

    /// [`verify`](Self::verify) for a broadcast as the server's JSON carries it: JSON
    /// that is not a signed broadcast is [`Unverified::Malformed`], not an error, so a
    /// shell shows every notice it received in one way.
    pub fn verify_json(&self, json: &str, now: Timestamp) -> Verdict {
        match serde_json::from_str::<SignedBroadcast>(json) {
            Ok(signed) => self.verify(&signed, now),
            Err(e) => Verdict::Unverified {
                broadcast: None,
                reason: Unverified::Malformed(e.to_string()),
            },
        }
    }
}

/// The officers in `a` that are not in `b` (same user, device and key).
fn difference(a: &[Officer], b: &[Officer]) -> Vec<Officer> {
    a.iter().filter(|officer| !b.contains(officer)).copied().collect()
}
