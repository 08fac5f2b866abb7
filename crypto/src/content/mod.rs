//! Typed care content: what a post's payload means, beyond its free text.
//!
//! A [`PostEnvelope`](crate::envelope::PostEnvelope) carries at most one typed
//! payload, matching its content type:
//!
//! | content type | payload | body |
//! | --- | --- | --- |
//! | `note` | — | the text |
//! | `handover` | [`Handover`] (who for, checklist) | the handover note |
//! | `handover_taken` | `taken_over`: the handover's [`PostId`](kizuna_proto::PostId) | an optional note |
//! | `vitals` | [`Vitals`] | optional free text |
//! | `photo` | [`PhotoContent`] | the caption |
//! | `thresholds` | [`Thresholds`] | optional reason ("per Dr. Sato") |
//! | `safety_answer` | [`SafetyReport`] (the check, status, need, where to) | the team's note, may be empty |
//!
//! Every type refuses unknown fields and checks its values (units are fixed by field
//! name; impossible vital signs are refused with a message saying which field and
//! why, in English and Japanese). Every type's `Debug` hides patient values.
//!
//! [`Notebook`] is the pure logic a client uses to show a channel as the care
//! notebook (連絡帳): amendments applied (and kept), handovers marked as taken over,
//! and vitals flagged against the thresholds in force when they were posted.
//! [`Measurement::loinc`] gives the codes the FHIR export uses.

mod bounds;
pub mod handover;
pub mod loinc;
pub mod notebook;
pub mod photo;
pub mod safety;
pub mod thresholds;
pub mod vitals;

#[cfg(test)]
mod tests;

pub use handover::{ChecklistItem, Handover, HandoverTarget};
pub use loinc::{Loinc, LoincPanel, Measurement, BP_PANEL};
pub use notebook::{Entry, Notebook, NotebookPost, Rejection};
pub use photo::PhotoContent;
pub use safety::SafetyReport;
pub use thresholds::{Range, Thresholds};
pub use vitals::{
    Assessment, BloodPressure, Consciousness, Excretion, Flag, MealIntake, Reading, Vitals, VitalsAlert,
    VitalsError,
};

/// What is wrong with a piece of free text inside a payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TextProblem {
    /// Empty or only whitespace: leave the field out instead.
    Blank,
    /// Over the limit, in UTF-8 bytes.
    TooLong { actual: usize, limit: usize },
    /// A control character (other than a line break or tab in multi-line text).
    ControlCharacter,
}

/// Checks a free-text field: not blank, at most `limit` bytes, and no control
/// characters except `\n` and `\t` where `multiline`. Refusing control characters
/// keeps the JSON escaping overhead at two bytes per byte at most, which is what
/// lets every payload fit beside a worst-case body in
/// [`MAX_ENVELOPE_BYTES`](crate::envelope::MAX_ENVELOPE_BYTES).
pub(crate) fn check_text(text: &str, limit: usize, multiline: bool) -> Result<(), TextProblem> {
    if text.len() > limit {
        return Err(TextProblem::TooLong {
            actual: text.len(),
            limit,
        });
    }
    if text.trim().is_empty() {
        return Err(TextProblem::Blank);
    }
    let allowed = |c: char| multiline && (c == '\n' || c == '\t');
    if text.chars().any(|c| c.is_control() && !allowed(c)) {
        return Err(TextProblem::ControlCharacter);
    }
    Ok(())
}
