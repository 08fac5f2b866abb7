//! What a regional broadcast says, and the rules its content keeps.

use kizuna_proto::{BroadcastId, DeviceId, OrganisationId, Severity, Timestamp, UserId};
use serde::{Deserialize, Serialize};

use crate::envelope::{AttachmentRef, MAX_MIME_BYTES};
use crate::signing::DeviceVerifyingKey;

use super::error::BroadcastError;

/// Longest title, in characters: what a banner on a phone can show.
pub const MAX_TITLE_CHARS: usize = 120;
/// Longest body, in characters.
pub const MAX_BODY_CHARS: usize = 4000;
/// Longest description of the area concerned, in characters.
pub const MAX_AREA_CHARS: usize = 200;
/// Longest a notice stays current, in days. A notice meant for longer is sent again:
/// an old notice that never expires could be replayed as if it were news.
pub const MAX_VALIDITY_DAYS: u32 = 30;
const MAX_VALIDITY_MILLIS: i64 = MAX_VALIDITY_DAYS as i64 * 86_400_000;

/// One officer device of a regional organisation: who, on which device, with which
/// public key. The unit of a roster, and the signer named inside every notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct Officer {
    /// The officer.
    pub user: UserId,
    /// The officer's device whose key signs.
    pub device: DeviceId,
    /// That device's Ed25519 public key (the MLS credential key).
    pub key: DeviceVerifyingKey,
}

/// A regional broadcast: what a medical association or a city tells every care team
/// (and, if chosen, families and volunteers) in its region.
///
/// It holds no client's data, so it is not end-to-end encrypted: the server reads it
/// to deliver and list it. What protects it is the officer device's signature over
/// exactly these fields, so a server that is compromised or misconfigured can neither
/// change a word, the severity or the expiry, nor invent a notice in an officer's name.
///
/// Unknown fields are refused: a field an older client ignored (say, a future
/// "cancels") could change what a notice means, so a change of meaning needs a new
/// signature label instead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct Broadcast {
    /// Chosen by the officer's client before signing.
    pub id: BroadcastId,
    /// The regional organisation sending it, whose roster must hold the signer.
    pub organisation: OrganisationId,
    /// Who signed it, on which device, with which key. Checked against the key that
    /// actually signed when the notice is opened.
    pub signed_by: Officer,
    /// How serious it is (情報 / 注意 / 警戒 / 緊急).
    pub severity: Severity,
    /// One line, at most [`MAX_TITLE_CHARS`].
    pub title: String,
    /// The area concerned, in words (e.g. "○○市 △△川 流域"), one line, at most
    /// [`MAX_AREA_CHARS`].
    pub area: String,
    /// The text, at most [`MAX_BODY_CHARS`]; may be empty when the title says it all.
    pub body: String,
    /// When the officer's device signed it.
    pub issued_at: Timestamp,
    /// After this, clients list it as past rather than current; at most
    /// [`MAX_VALIDITY_DAYS`] after `issued_at`.
    pub expires_at: Timestamp,
    /// An image through the photo pipeline (typically an evacuation map). Its key
    /// travels in this unencrypted notice, so the server can read the image too: the
    /// encryption here is the pipeline's, not secrecy. The signed SHA-256 and size are
    /// what matter: the server cannot swap the map.
    pub attachment: Option<AttachmentRef>,
    /// Whether the notice opens a safety check (安否確認) in every room in scope.
    pub safety_check: bool,
    /// Whether families and welfare volunteers receive it, not only the care teams.
    pub include_families: bool,
}

impl Broadcast {
    /// Checks the content rules: title and area present and on one line, lengths,
    /// the expiry after issue and within [`MAX_VALIDITY_DAYS`], an image attachment.
    /// Run before signing and again after opening, so a notice that breaks the rules
    /// is refused whoever made it.
    pub fn validate(&self) -> Result<(), BroadcastError> {
        one_line("title", &self.title, MAX_TITLE_CHARS)?;
        one_line("area", &self.area, MAX_AREA_CHARS)?;
        check_length("body", &self.body, MAX_BODY_CHARS)?;
        let validity = i128::from(self.expires_at.millis()) - i128::from(self.issued_at.millis());
        if validity <= 0 {
            return Err(BroadcastError::ExpiryNotAfterIssue);
        }
        if validity > i128::from(MAX_VALIDITY_MILLIS) {
            return Err(BroadcastError::ExpiryTooFar {
                days: MAX_VALIDITY_DAYS,
            });
        }
        if let Some(attachment) = &self.attachment {
            if !attachment.mime.starts_with("image/") || attachment.mime.len() > MAX_MIME_BYTES {
                return Err(BroadcastError::AttachmentNotImage {
                    mime: attachment.mime.chars().take(MAX_MIME_BYTES).collect(),
                });
            }
        }
        Ok(())
    }

    /// Whether the notice is past its expiry at `now` (a parameter: the core never
    /// reads the clock).
    pub fn is_expired(&self, now: Timestamp) -> bool {
        now >= self.expires_at
    }
}

/// A required one-line field: not blank, no control characters, not too long.
fn one_line(field: &'static str, text: &str, limit: usize) -> Result<(), BroadcastError> {
    if text.trim().is_empty() {
        return Err(BroadcastError::Empty { field });
    }
    if text.chars().any(char::is_control) {
        return Err(BroadcastError::ControlCharacter { field });
    }
    check_length(field, text, limit)
}

fn check_length(field: &'static str, text: &str, limit: usize) -> Result<(), BroadcastError> {
    let actual = text.chars().count();
    if actual > limit {
        return Err(BroadcastError::TooLong { field, actual, limit });
    }
    Ok(())
}
