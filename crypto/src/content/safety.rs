//! A safety-check answer (安否確認, issue 14) as the care team writes it: the full
//! answer, for the team, inside an end-to-end encrypted post in the room's team
//! channel.
//!
//! The server gets a coarse copy separately (the status and the kind of need, no
//! text); everything that names or describes the client (the body's note, where
//! they evacuated to) exists only here, in the ciphertext.

use std::fmt;

use kizuna_proto::{BroadcastId, SafetyNeed, SafetyStatus};
use serde::{Deserialize, Serialize};

use super::{check_text, TextProblem};
use crate::envelope::EnvelopeError;

/// Longest "evacuated to" text, in UTF-8 bytes: a place, not a letter.
pub const MAX_PLACE_BYTES: usize = 500;

/// The structured part of a safety-check answer post; its body is the team's note
/// (may be empty). `Debug` hides the place.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct SafetyReport {
    /// The broadcast whose check this answers.
    pub broadcast: BroadcastId,
    /// How the client is.
    pub status: SafetyStatus,
    /// With 要支援 only: what kind of support.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub need: Option<SafetyNeed>,
    /// With 避難済み only: where they are now (a shelter, a relative's home).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub evacuated_to: Option<String>,
}

impl SafetyReport {
    /// An answer with no need and no place; add them with the fields.
    pub fn new(broadcast: BroadcastId, status: SafetyStatus) -> Self {
        Self {
            broadcast,
            status,
            need: None,
            evacuated_to: None,
        }
    }

    /// A need only with 要支援, a place only with 避難済み, and the place one line of
    /// 1 to [`MAX_PLACE_BYTES`] bytes.
    pub fn validate(&self) -> Result<(), EnvelopeError> {
        if self.need.is_some() && self.status != SafetyStatus::NeedsSupport {
            return Err(EnvelopeError::Malformed(
                "safety.need is only for needs_support".into(),
            ));
        }
        let Some(place) = &self.evacuated_to else {
            return Ok(());
        };
        if self.status != SafetyStatus::Evacuated {
            return Err(EnvelopeError::Malformed(
                "safety.evacuated_to is only for evacuated".into(),
            ));
        }
        match check_text(place, MAX_PLACE_BYTES, false) {
            Ok(()) => Ok(()),
            Err(TextProblem::TooLong { actual, limit }) => Err(EnvelopeError::TooLarge {
                field: "safety.evacuated_to",
                actual,
                limit,
            }),
            Err(TextProblem::Blank) => Err(EnvelopeError::Malformed(
                "safety.evacuated_to is blank (leave it out)".into(),
            )),
            Err(TextProblem::ControlCharacter) => Err(EnvelopeError::Malformed(
                "safety.evacuated_to is not a single line".into(),
            )),
        }
    }
}

impl fmt::Debug for SafetyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SafetyReport")
            .field("broadcast", &self.broadcast)
            .field("status", &self.status)
            .field("need", &self.need)
            .field(
                "evacuated_to",
                &self
                    .evacuated_to
                    .as_ref()
                    .map(|p| format!("*** ({} bytes)", p.len())),
            )
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::envelope::{ContentType, PostEnvelope};
    use kizuna_proto::PostId;

    fn post() -> PostId {
        PostId::from_uuid(uuid::Uuid::from_u128(7))
    }

    fn report(status: SafetyStatus) -> SafetyReport {
        SafetyReport::new(BroadcastId::from_uuid(uuid::Uuid::from_u128(1)), status)
    }

    #[test]
    fn an_answer_round_trips_and_hides_the_place_in_debug() {
        let mut answer = report(SafetyStatus::Evacuated);
        answer.evacuated_to = Some("市立第二小学校 体育館".into());
        let envelope = PostEnvelope::safety(answer, "長女宅へ移動予定");
        envelope.validate(post()).unwrap();
        let bytes = envelope.to_json().unwrap();
        assert_eq!(PostEnvelope::from_json(&bytes, post()).unwrap(), envelope);
        let shown = format!("{envelope:?}");
        assert!(!shown.contains("小学校") && !shown.contains("長女"), "{shown}");
        assert_eq!(envelope.content_type, ContentType::SafetyAnswer);
    }

    #[test]
    fn a_need_or_place_that_does_not_fit_the_status_is_refused() {
        let mut safe_with_need = report(SafetyStatus::Safe);
        safe_with_need.need = Some(SafetyNeed::Medical);
        assert!(safe_with_need.validate().is_err());
        let mut safe_with_place = report(SafetyStatus::Safe);
        safe_with_place.evacuated_to = Some("避難所".into());
        assert!(safe_with_place.validate().is_err());
        let mut blank_place = report(SafetyStatus::Evacuated);
        blank_place.evacuated_to = Some("  ".into());
        assert!(blank_place.validate().is_err());
        let mut long_place = report(SafetyStatus::Evacuated);
        long_place.evacuated_to = Some("あ".repeat(200));
        assert!(matches!(
            long_place.validate(),
            Err(EnvelopeError::TooLarge { .. })
        ));
        let mut support = report(SafetyStatus::NeedsSupport);
        support.need = Some(SafetyNeed::Medical);
        support.validate().unwrap();
    }

    #[test]
    fn the_payload_belongs_to_its_content_type_only() {
        let mut note = PostEnvelope::new(ContentType::Note, "x");
        note.safety = Some(Box::new(report(SafetyStatus::Safe)));
        assert!(note.validate(post()).is_err());
        let bare = PostEnvelope::new(ContentType::SafetyAnswer, "x");
        assert!(bare.validate(post()).is_err());
    }
}
