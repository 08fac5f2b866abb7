//! What a shell reports, normalised so two shells can be compared: the posts a person
//! sees, the entries refused, where reading stopped and why, the plan to change the
//! group, what happens after a failed send.

use kizuna_proto::{DeviceId, UserId};
use serde::Deserialize;

use crate::outbox::{Action, Decision, ROUND_MS};
use crate::policy::Policy;
use crate::reconcile::Plan;

/// One thing a shell reported. Ingesting reports events (each with its log position)
/// and, last, one [`Outcome::Channel`]; a plan and a send decision are one outcome each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A post shown, with its text.
    Post {
        /// Its log position.
        seq: i64,
        /// The envelope's `body`.
        body: String,
    },
    /// Another member's commit applied.
    Commit {
        /// Its log position.
        seq: i64,
        /// The epoch after it.
        epoch: u64,
    },
    /// A post kept until its era key arrives.
    Waiting {
        /// Its log position.
        seq: i64,
    },
    /// An entry refused and skipped; reading went on.
    Problem {
        /// Its log position.
        seq: i64,
        /// The engine's error code (`None` where the shell keeps no codes).
        code: Option<String>,
    },
    /// A commit that cannot be applied: nothing after it was read.
    Stalled {
        /// Its log position.
        seq: i64,
        /// The engine's error code (`None` where the shell keeps no codes).
        code: Option<String>,
    },
    /// Entries are missing: reading stopped after `after`.
    Gap {
        /// The last position read.
        after: i64,
        /// The first position given after it.
        next: i64,
    },
    /// This device was removed from the channel: it reads nothing more.
    Removed,
    /// Where the channel stands after ingesting.
    Channel {
        /// The last log position processed (fetch after it).
        last_seq: i64,
        /// The MLS epoch.
        epoch: u64,
        /// How many posts wait for their era key.
        waiting: usize,
        /// Whether this device is still a member.
        active: bool,
    },
    /// What to change so the group matches the room.
    Plan(PlanSeen),
    /// What happens after a failed send.
    Send(Send),
}

/// A reconcile plan as both shells hand it out (the JSON the browser's
/// `plan_reconcile` returns reads into it).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PlanSeen {
    /// Devices to remove in one commit (first).
    pub remove: Vec<DeviceId>,
    /// Devices to add, one commit per history policy, in order.
    pub add: Vec<AddSeen>,
}

/// Devices to add under one history policy.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct AddSeen {
    /// The history they get.
    pub policy: Policy,
    /// Whose key packages to claim.
    pub users: Vec<UserId>,
    /// Which devices.
    pub devices: Vec<DeviceId>,
}

impl From<&Plan> for PlanSeen {
    fn from(plan: &Plan) -> Self {
        Self {
            remove: plan.remove.clone(),
            add: plan
                .add
                .iter()
                .map(|c| AddSeen {
                    policy: c.policy,
                    users: c.users.clone(),
                    devices: c.devices.clone(),
                })
                .collect(),
        }
    }
}

/// What a shell does after a failed send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Send {
    /// Sends the same request again after `delay_ms`.
    Retry {
        /// The wait first.
        delay_ms: u64,
    },
    /// Catches up with the channel, seals again and sends.
    Resync,
    /// It was stored already: nothing more to send.
    Done,
    /// It will not go through: the error is shown.
    Fail,
    /// A shell without a queue: the error goes to its caller now.
    Report,
}

impl From<Decision> for Send {
    fn from(decision: Decision) -> Self {
        match decision.action {
            Action::Retry => Self::Retry {
                delay_ms: decision.delay_ms.unwrap_or(0),
            },
            Action::Resync => Self::Resync,
            Action::Done => Self::Done,
            Action::Fail => Self::Fail,
        }
    }
}

/// What a shell can report at all. What it cannot is left out of the comparison for
/// it (on both sides); everything else must match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sight {
    /// It keeps the engine's error codes of refused entries and stalls.
    pub codes: bool,
    /// It reports other members' commits one by one (else only the epoch they lead
    /// to, in [`Outcome::Channel`]).
    pub commits: bool,
    /// It queues failed sends: it waits a round, resyncs, fails or finishes as the
    /// rule says. A shell without a queue retries only quick retries and hands every
    /// other failure to its caller ([`Send::Report`]).
    pub queue: bool,
}

impl Sight {
    /// A shell that reports everything the engine says.
    pub const ALL: Sight = Sight {
        codes: true,
        commits: true,
        queue: true,
    };
}

impl Outcome {
    /// The outcome as a shell with `sight` can report it; `None` if it cannot at all.
    pub fn seen_with(&self, sight: Sight) -> Option<Outcome> {
        let code = |code: &Option<String>| code.clone().filter(|_| sight.codes);
        Some(match self {
            Self::Commit { .. } if !sight.commits => return None,
            Self::Problem { seq, code: c } => Self::Problem {
                seq: *seq,
                code: code(c),
            },
            Self::Stalled { seq, code: c } => Self::Stalled {
                seq: *seq,
                code: code(c),
            },
            Self::Send(send) if !sight.queue => Self::Send(match send {
                Send::Retry { delay_ms } if *delay_ms < ROUND_MS => *send,
                _ => Send::Report,
            }),
            other => other.clone(),
        })
    }

    /// The log position it is about, for ordering (after every entry: the channel,
    /// plans and sends).
    fn position(&self) -> (i64, u8) {
        match self {
            Self::Waiting { seq } => (*seq, 0),
            Self::Post { seq, .. } => (*seq, 1),
            Self::Commit { seq, .. } => (*seq, 2),
            Self::Problem { seq, .. } => (*seq, 3),
            Self::Stalled { seq, .. } => (*seq, 4),
            Self::Gap { next, .. } => (*next, 5),
            Self::Removed => (i64::MAX, 0),
            Self::Channel { .. } => (i64::MAX, 1),
            Self::Plan(_) => (i64::MAX, 2),
            Self::Send(_) => (i64::MAX, 3),
        }
    }
}

/// The outcomes as a shell with `sight` reports them, in log order. Two shells list
/// the same things in different orders (the native client keeps posts and problems
/// apart), and every outcome carries its position, so order is by position.
pub(crate) fn as_seen(outcomes: &[Outcome], sight: Sight) -> Vec<Outcome> {
    let mut seen: Vec<Outcome> = outcomes.iter().filter_map(|o| o.seen_with(sight)).collect();
    seen.sort_by_key(Outcome::position);
    seen
}

/// What `expected` has that `reported` lacks, and the reverse (both in [`as_seen`]
/// order).
pub(crate) fn diff(expected: &[Outcome], reported: &[Outcome]) -> (Vec<Outcome>, Vec<Outcome>) {
    let (mut missing, mut unexpected) = (Vec::new(), Vec::new());
    let (mut e, mut r) = (expected.iter().peekable(), reported.iter().peekable());
    loop {
        match (e.peek(), r.peek()) {
            (None, None) => break,
            (Some(a), Some(b)) if a == b => {
                e.next();
                r.next();
            }
            (Some(a), Some(b)) if a.position() == b.position() => {
                missing.extend(e.next().cloned());
                unexpected.extend(r.next().cloned());
            }
            (Some(a), Some(b)) if a.position() < b.position() => missing.extend(e.next().cloned()),
            (Some(_), None) => missing.extend(e.next().cloned()),
            (_, Some(_)) => unexpected.extend(r.next().cloned()),
        }
    }
    (missing, unexpected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shell_without_codes_or_a_queue_is_compared_on_what_it_can_report() {
        let native = Sight {
            codes: false,
            commits: false,
            queue: false,
        };
        let stalled = Outcome::Stalled {
            seq: 3,
            code: Some("invalid_input".into()),
        };
        assert_eq!(
            stalled.seen_with(native),
            Some(Outcome::Stalled { seq: 3, code: None })
        );
        assert_eq!(Outcome::Commit { seq: 3, epoch: 2 }.seen_with(native), None);
        let quick = Outcome::Send(Send::Retry { delay_ms: 200 });
        assert_eq!(quick.seen_with(native), Some(quick.clone()));
        for later in [
            Send::Retry { delay_ms: ROUND_MS },
            Send::Resync,
            Send::Done,
            Send::Fail,
        ] {
            assert_eq!(
                Outcome::Send(later).seen_with(native),
                Some(Outcome::Send(Send::Report))
            );
        }
        assert_eq!(stalled.seen_with(Sight::ALL), Some(stalled));
    }

    #[test]
    fn the_diff_names_what_is_missing_and_what_is_extra() {
        let post = |seq| Outcome::Post {
            seq,
            body: "x".into(),
        };
        let expected = as_seen(
            &[post(4), post(3), Outcome::Gap { after: 4, next: 6 }],
            Sight::ALL,
        );
        let reported = as_seen(&[post(3), post(4), post(6)], Sight::ALL);
        assert_eq!(
            diff(&expected, &reported),
            (vec![Outcome::Gap { after: 4, next: 6 }], vec![post(6)])
        );
    }
}
