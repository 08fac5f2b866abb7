//! The suite on the bare engine (the reference every shell must match), and proof that
//! it catches the drift issue 13 found: a shell that skips a commit it cannot read.

use std::collections::BTreeSet;

use kizuna_crypto::DeviceSigningKey;
use kizuna_proto::{DeviceId, LogEntry, RoomMember, UserId, Welcome};

use super::fixture::{stream, team_slot};
use super::*;
use crate::{outbox, Core, Event};

/// The engine with no shell around it: [`Slot::ingest`](crate::Slot::ingest)'s
/// events as they are. With `skip_bad_commits`, it steps over a commit that stalls,
/// as the native client once did.
struct Bare {
    core: Core,
    skip_bad_commits: bool,
}

impl Bare {
    fn new(user: UserId, device: DeviceId, skip_bad_commits: bool) -> Self {
        let key = DeviceSigningKey::generate(&mut stream(22));
        Self {
            core: Core::new(key, user, device),
            skip_bad_commits,
        }
    }
}

fn outcomes(events: Vec<Event>) -> Vec<Outcome> {
    events
        .into_iter()
        .filter_map(|event| match event {
            Event::Post(p) => Some(Outcome::Post {
                seq: p.seq,
                body: p.envelope.body,
            }),
            Event::Commit { seq, epoch, .. } => Some(Outcome::Commit { seq, epoch }),
            Event::Eras { .. } => None,
            Event::Removed { .. } => Some(Outcome::Removed),
            Event::Waiting { seq } => Some(Outcome::Waiting { seq }),
            Event::Problem { seq, error, .. } => Some(Outcome::Problem {
                seq,
                code: Some(error.code.to_owned()),
            }),
            Event::Stalled { seq, error, .. } => Some(Outcome::Stalled {
                seq,
                code: Some(error.code.to_owned()),
            }),
            Event::Gap { after, next } => Some(Outcome::Gap { after, next }),
        })
        .collect()
}

impl Shell for Bare {
    fn sight(&self) -> Sight {
        Sight::ALL
    }

    fn key_package(&mut self) -> String {
        self.core.key_packages(1, false).unwrap().remove(0).body
    }

    fn join(&mut self, welcome: &Welcome) {
        let joined = self.core.join(std::slice::from_ref(welcome));
        assert!(joined.problems.is_empty(), "{:?}", joined.problems);
    }

    fn ingest(&mut self, entries: &[LogEntry]) -> Vec<Outcome> {
        let slot = team_slot(&mut self.core).unwrap();
        let mut seen = outcomes(slot.ingest(entries));
        while let (true, Some(Outcome::Stalled { seq, .. })) = (self.skip_bad_commits, seen.last().cloned()) {
            seen.pop();
            slot.last_seq = seq;
            seen.extend(outcomes(slot.ingest(entries)));
        }
        seen.push(Outcome::Channel {
            last_seq: slot.last_seq(),
            epoch: slot.state().epoch(),
            waiting: slot.waiting(),
            active: slot.state().is_active(),
        });
        seen
    }

    fn plan(&mut self, members: &[RoomMember]) -> PlanSeen {
        let (user, device) = (self.core.identity().user(), self.core.identity().device());
        PlanSeen::from(&team_slot(&mut self.core).unwrap().plan(members, user, device))
    }

    fn send_failed(&mut self, failure: &Failure) -> Send {
        outbox::decide(failure.status, failure.code, failure.attempt).into()
    }
}

#[test]
fn the_bare_engine_passes_every_scenario() {
    let steps = assert_conforms(&mut |user, device| Bare::new(user, device, false));
    assert!(steps >= 40, "only {steps} steps");
}

#[test]
fn a_shell_that_skips_an_unreadable_commit_fails_the_suite() {
    let run = run_all(&mut |user, device| Bare::new(user, device, true));
    let failed: BTreeSet<&str> = run.mismatches.iter().map(|m| m.scenario).collect();
    assert_eq!(
        failed,
        BTreeSet::from([
            "a commit whose body is not base64 stalls the log",
            "a commit that cannot be applied stalls the log",
        ])
    );
    let report = run.mismatches[0].to_string();
    assert!(
        report.contains("- expected Stalled") && report.contains("+ reported Post"),
        "{report}"
    );
}
