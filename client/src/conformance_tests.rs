//! The native shell under the engine's conformance suite
//! (`kizuna_engine::conformance`), the same scenarios the browser core runs in
//! `client-web/tests/conformance.rs`.
//!
//! Entries go through [`Client::ingest`], the path every fetched page and live entry
//! takes (`process_entries`), and what the client reports (its `SyncReport`, its
//! saved channel position, epoch and waiting posts) is read back as outcomes. The
//! device is set up and joined the way registration and `sync` do it, without a
//! server. The native client keeps no error codes and no per-commit events, and has
//! no send queue: the suite leaves those out of its comparison ([`Sight`]).
//!
//! ```text
//! cargo test -p kizuna-client --locked --lib conformance
//! ```

use std::collections::BTreeSet;

use kizuna_crypto::{DeviceIdentity, DeviceSigningKey, MlsDevice};
use kizuna_engine::conformance::{assert_conforms, Failure, Outcome, PlanSeen, Send, Shell, Sight};
use kizuna_proto::{LogEntry, RoomMember, Welcome};
use tempfile::TempDir;

use super::{group_id, quick_retry, SyncReport};
use crate::api::b64;
use crate::error::ClientError;
use crate::wire::WelcomeView;
use crate::{Channel, Client, DeviceId, OsRandom, RoomId, UserId};

/// A native client with one device, its state in a temporary directory.
struct Native {
    client: Client,
    /// The reader's channel, once joined.
    channel: Option<(RoomId, Channel)>,
    _dir: TempDir,
}

impl Native {
    /// A signed-up device (as `ensure_device` leaves it), never connected to a server.
    fn new(user: UserId, device: DeviceId) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let server = "http://127.0.0.1:9";
        let mut client = Client::create(&dir.path().join("reader.kizuna"), server, server).unwrap();
        let key = DeviceSigningKey::generate(&mut OsRandom);
        client.public.user_id = Some(user);
        client.public.device_id = Some(device);
        client.device = Some(MlsDevice::new(DeviceIdentity::from_signing_key(
            user, device, key,
        )));
        client.save().unwrap();
        Self {
            client,
            channel: None,
            _dir: dir,
        }
    }

    fn joined(&self) -> (RoomId, Channel, String) {
        let (room, channel) = self.channel.expect("the scenario joined a channel");
        (room, channel, group_id(room, channel))
    }

    fn waiting_seqs(&self, group: &str) -> BTreeSet<i64> {
        self.client
            .secrets
            .waiting
            .get(group)
            .map(|w| w.iter().map(|e| e.seq).collect())
            .unwrap_or_default()
    }
}

/// One of the client's problem lines (`SyncReport::problems`) as an outcome.
fn problem_line(group: &str, line: &str) -> Outcome {
    let rest = line
        .strip_prefix(group)
        .unwrap_or_else(|| panic!("a problem of another channel: {line}"));
    let number = |text: &str| -> i64 {
        let digits: String = text.chars().take_while(char::is_ascii_digit).collect();
        digits
            .parse()
            .unwrap_or_else(|_| panic!("no position in {line:?}"))
    };
    if let Some(gap) = rest.strip_prefix(": entries after #") {
        let (_, next) = gap
            .split_once("the next given is #")
            .unwrap_or_else(|| panic!("a gap without its next position: {line:?}"));
        return Outcome::Gap {
            after: number(gap),
            next: number(next),
        };
    }
    let entry = rest
        .strip_prefix(" #")
        .unwrap_or_else(|| panic!("a problem line the adapter cannot read: {line:?}"));
    let seq = number(entry);
    if entry.contains(": commit cannot be applied") {
        Outcome::Stalled { seq, code: None }
    } else {
        Outcome::Problem { seq, code: None }
    }
}

impl Shell for Native {
    fn sight(&self) -> Sight {
        Sight {
            codes: false,
            commits: false,
            queue: false,
        }
    }

    fn key_package(&mut self) -> String {
        let packages = self
            .client
            .device()
            .unwrap()
            .generate_key_packages(1, false)
            .unwrap();
        // As `top_up_key_packages`: the private keys are saved before a package leaves.
        self.client.save().unwrap();
        b64(&packages[0].bytes)
    }

    fn join(&mut self, welcome: &Welcome) {
        let view = WelcomeView {
            group_id: welcome.group_id.clone(),
            welcome: welcome.welcome.clone(),
        };
        self.channel = Some(self.client.join(&view).unwrap());
        self.client.save().unwrap();
    }

    fn ingest(&mut self, entries: &[LogEntry]) -> Vec<Outcome> {
        let (room, channel, group) = self.joined();
        let waiting_before = self.waiting_seqs(&group);
        let report: SyncReport = self.client.ingest(room, channel, entries).unwrap();
        let mut seen: Vec<Outcome> = report
            .posts
            .iter()
            .map(|p| Outcome::Post {
                seq: p.seq,
                body: p.envelope.body.clone(),
            })
            .collect();
        seen.extend(report.problems.iter().map(|line| problem_line(&group, line)));
        if report.lost.contains(&(room, channel)) {
            seen.push(Outcome::Removed);
        }
        // The client reports no waiting posts; it keeps them. Those kept now that were
        // not before are the ones this step made wait.
        let waiting = self.waiting_seqs(&group);
        seen.extend(
            waiting
                .difference(&waiting_before)
                .map(|&seq| Outcome::Waiting { seq }),
        );
        let meta = &self.client.public.groups[&group];
        seen.push(Outcome::Channel {
            last_seq: meta.last_seq,
            epoch: self.client.epoch(room, channel).unwrap(),
            waiting: waiting.len(),
            active: meta.active,
        });
        seen
    }

    /// The plan `Client::reconcile` makes (its own function, from the group as this
    /// client holds it).
    fn plan(&mut self, members: &[RoomMember]) -> PlanSeen {
        let (room, channel, _) = self.joined();
        PlanSeen::from(&self.client.reconcile_plan(room, channel, members).unwrap())
    }

    /// What `send_retrying` does with the error the client makes of the answer.
    fn send_failed(&mut self, failure: &Failure) -> Send {
        let error = match (failure.status, failure.code) {
            (None, _) => ClientError::Network("connection refused".to_owned()),
            (Some(status), Some(code)) => ClientError::from_answer(
                status,
                &serde_json::json!({"error": {"code": code, "message": "refused"}}).to_string(),
            ),
            (Some(status), None) => ClientError::from_answer(status, "<html>Bad Gateway</html>"),
        };
        match quick_retry(&error, failure.attempt) {
            Some(delay) => Send::Retry {
                delay_ms: u64::try_from(delay.as_millis()).unwrap(),
            },
            None => Send::Report,
        }
    }
}

#[test]
fn the_native_client_passes_the_conformance_suite() {
    let steps = assert_conforms(&mut Native::new);
    assert!(steps >= 40, "only {steps} steps compared");
}

#[test]
fn the_conformance_adapter_reads_every_kind_of_problem_line() {
    let group = "g/team";
    assert_eq!(
        problem_line(group, "g/team #4: commit cannot be applied: body is not base64"),
        Outcome::Stalled { seq: 4, code: None }
    );
    assert_eq!(
        problem_line(group, "g/team #12 (post): replayed copy of post #3"),
        Outcome::Problem { seq: 12, code: None }
    );
    assert_eq!(
        problem_line(
            group,
            "g/team: entries after #3 are missing (the next given is #5); sync again"
        ),
        Outcome::Gap { after: 3, next: 5 }
    );
}
