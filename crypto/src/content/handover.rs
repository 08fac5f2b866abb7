//! Handovers (申し送り): what the next person must know or do.
//!
//! A handover post names who it is for and may carry a checklist; its body is the
//! note. Whoever picks it up posts a `handover_taken` post naming it
//! ([`PostEnvelope::taken_over`](crate::envelope::PostEnvelope::taken_over)), so the
//! team sees it has been taken care of and by whom
//! ([`Notebook`](super::notebook::Notebook)).

use std::fmt;

use kizuna_proto::{OrgRole, UserId};
use serde::{Deserialize, Serialize};

use super::{check_text, TextProblem};
use crate::envelope::EnvelopeError;

/// Most checklist items in one handover.
pub const MAX_CHECKLIST_ITEMS: usize = 50;
/// Longest checklist item, in UTF-8 bytes.
pub const MAX_CHECKLIST_ITEM_BYTES: usize = 500;

/// The structured part of a handover post. `Debug` hides the checklist text.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct Handover {
    /// Who should take it over.
    pub to: HandoverTarget,
    /// Things to do or check, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<ChecklistItem>,
}

/// Who a handover is for. JSON: `{"kind": "next_visitor"}`,
/// `{"kind": "role", "role": "nurse"}`, `{"kind": "person", "user": "<uuid>"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum HandoverTarget {
    /// Whoever visits the client next, of any profession.
    NextVisitor,
    /// The next visitor of this profession (e.g. the next nurse).
    Role {
        /// The profession.
        role: OrgRole,
    },
    /// One named member of the team.
    Person {
        /// The member.
        user: UserId,
    },
}

/// One line of a handover checklist.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct ChecklistItem {
    /// What to do or check: one line, 1 to [`MAX_CHECKLIST_ITEM_BYTES`] bytes.
    pub text: String,
    /// Already done when the handover was written (e.g. "medication given").
    #[serde(default)]
    // Optional for the UI, which writes checklists too.
    #[cfg_attr(feature = "ts", ts(as = "Option<_>", optional))]
    pub done: bool,
}

impl Handover {
    /// A handover to `to` with no checklist yet.
    pub fn to(to: HandoverTarget) -> Self {
        Self {
            to,
            items: Vec::new(),
        }
    }

    /// Adds an unchecked item.
    pub fn item(mut self, text: impl Into<String>) -> Self {
        self.items.push(ChecklistItem {
            text: text.into(),
            done: false,
        });
        self
    }

    /// Checks the limits: at most [`MAX_CHECKLIST_ITEMS`] items, each a single line
    /// of 1 to [`MAX_CHECKLIST_ITEM_BYTES`] bytes.
    pub fn validate(&self) -> Result<(), EnvelopeError> {
        if self.items.len() > MAX_CHECKLIST_ITEMS {
            return Err(EnvelopeError::TooLarge {
                field: "handover.items",
                actual: self.items.len(),
                limit: MAX_CHECKLIST_ITEMS,
            });
        }
        for (index, item) in self.items.iter().enumerate() {
            match check_text(&item.text, MAX_CHECKLIST_ITEM_BYTES, false) {
                Ok(()) => {}
                Err(TextProblem::TooLong { actual, limit }) => {
                    return Err(EnvelopeError::TooLarge {
                        field: "handover.items.text",
                        actual,
                        limit,
                    })
                }
                Err(TextProblem::Blank) => {
                    return Err(EnvelopeError::Malformed(format!(
                        "handover.items[{index}].text is blank"
                    )))
                }
                Err(TextProblem::ControlCharacter) => {
                    return Err(EnvelopeError::Malformed(format!(
                        "handover.items[{index}].text is not a single line"
                    )))
                }
            }
        }
        Ok(())
    }
}

impl fmt::Debug for Handover {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handover")
            .field("to", &self.to)
            .field("items", &self.items)
            .finish()
    }
}

impl fmt::Debug for ChecklistItem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChecklistItem")
            .field("text", &format_args!("*** ({} bytes)", self.text.len()))
            .field("done", &self.done)
            .finish()
    }
}
