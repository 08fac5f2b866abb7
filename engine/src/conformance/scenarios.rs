//! The scenarios, each stated once: what the author side puts in the log (or the room
//! member list, or which send failed) and what the reader's shell must report.
//!
//! Reading a log (`reading.rs`): posts in order; entries delivered again; a
//! replayed post; a gap; a post waiting for its era key; the waiting queue's cap; a
//! commit whose body is not base64 and one that is not a commit (both stall); entries
//! of unknown kinds; a tampered post and one that is not base64 (refused, reading goes
//! on); another member's commit; this device removed. Changing the group
//! (`membership.rs`): reconcile plans by role and history policy. Sending
//! (`sending.rs`): what follows each kind of failed send.

use kizuna_proto::{DeviceId, LogEntry, RoomMember, UserId, Welcome};

use super::fixture::{device_id, user, Newcomer};
use super::outcome::Outcome;
use crate::error::EngineError;

/// The reader device every scenario gives to the shell under test: device 22 of user 2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reader {
    /// The reader's user.
    pub user: UserId,
    /// The reader's device.
    pub device: DeviceId,
}

impl Default for Reader {
    fn default() -> Self {
        Self {
            user: user(2),
            device: device_id(22),
        }
    }
}

impl Reader {
    /// The reader as a device to add, with the key package its shell made.
    pub fn newcomer(&self, key_package: &str) -> Newcomer {
        Newcomer {
            device: self.device,
            key_package: key_package.to_owned(),
        }
    }
}

/// One scenario: a name and how to build it for a reader whose shell made
/// `key_package`.
pub struct Scenario {
    /// Its name, as mismatches report it.
    pub name: &'static str,
    /// Builds the author's side and the steps.
    pub build: fn(&Reader, &str) -> Result<Script, EngineError>,
}

/// A scenario built: the welcome the reader joins with (if it plays in a channel) and
/// the steps, in order.
pub struct Script {
    /// The reader's welcome to the team channel.
    pub welcome: Option<Welcome>,
    /// The steps.
    pub steps: Vec<Step>,
}

/// A failed send: the HTTP status (`None`: no answer), the server's error code (if it
/// gave one) and how many times this request has failed, this one included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Failure {
    /// The HTTP status, `None` when no answer came.
    pub status: Option<u16>,
    /// The server's error code, if its answer had one.
    pub code: Option<&'static str>,
    /// The failures of this request so far, this one included.
    pub attempt: u32,
}

/// One step and what it must bring.
pub enum Step {
    /// Entries fetched from the log.
    Ingest {
        /// The entries, as the server sends them.
        entries: Vec<LogEntry>,
        /// The events, then one [`Outcome::Channel`].
        expect: Vec<Outcome>,
    },
    /// The room's member list: what to change in the group.
    Plan {
        /// `GET /rooms/{room}/members`.
        members: Vec<RoomMember>,
        /// One [`Outcome::Plan`].
        expect: Vec<Outcome>,
    },
    /// A send failed.
    Send {
        /// How.
        failure: Failure,
        /// One [`Outcome::Send`].
        expect: Vec<Outcome>,
    },
}

impl Step {
    /// What the step must bring.
    pub fn expect(&self) -> &[Outcome] {
        match self {
            Self::Ingest { expect, .. } | Self::Plan { expect, .. } | Self::Send { expect, .. } => expect,
        }
    }

    /// The step in words, for mismatch reports.
    pub fn describe(&self) -> String {
        match self {
            Self::Ingest { entries, .. } => match (entries.first(), entries.last()) {
                (Some(first), Some(last)) => format!(
                    "ingest {} entries, seq {}..={}",
                    entries.len(),
                    first.seq,
                    last.seq
                ),
                _ => "ingest no entries".to_owned(),
            },
            Self::Plan { members, .. } => format!("plan for {} room members", members.len()),
            Self::Send { failure, .. } => format!(
                "send failed: status {:?}, code {:?}, attempt {}",
                failure.status, failure.code, failure.attempt
            ),
        }
    }
}

/// Every scenario, in the order they run.
pub fn all() -> Vec<Scenario> {
    let mut all = super::reading::scenarios();
    all.extend(super::membership::scenarios());
    all.extend(super::sending::scenarios());
    all
}

/// Shorthands for the outcomes the scenarios expect.
pub(crate) mod expect {
    use super::Outcome;

    pub(crate) fn post(seq: i64, body: &str) -> Outcome {
        Outcome::Post {
            seq,
            body: body.to_owned(),
        }
    }

    pub(crate) fn waiting(seq: i64) -> Outcome {
        Outcome::Waiting { seq }
    }

    pub(crate) fn commit(seq: i64, epoch: u64) -> Outcome {
        Outcome::Commit { seq, epoch }
    }

    pub(crate) fn problem(seq: i64, code: &str) -> Outcome {
        Outcome::Problem {
            seq,
            code: Some(code.to_owned()),
        }
    }

    pub(crate) fn stalled(seq: i64, code: &str) -> Outcome {
        Outcome::Stalled {
            seq,
            code: Some(code.to_owned()),
        }
    }

    pub(crate) fn gap(after: i64, next: i64) -> Outcome {
        Outcome::Gap { after, next }
    }

    /// An active channel read up to `last_seq`, at `epoch`, with `waiting` posts kept.
    pub(crate) fn channel(last_seq: i64, epoch: u64, waiting: usize) -> Outcome {
        Outcome::Channel {
            last_seq,
            epoch,
            waiting,
            active: true,
        }
    }
}
