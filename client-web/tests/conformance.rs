//! The browser core under the engine's conformance suite (`kizuna_engine::conformance`),
//! the same scenarios the native client runs (`client/src/conformance_tests.rs`),
//! through the exported wasm-bindgen API exactly as the TypeScript UI calls it: plain
//! JS objects in (`Device.process_welcomes`, `Channel.ingest`, `plan_reconcile`,
//! `outboxDecision`), and the `ChannelEvent`s, `Channel.info()`, plans and decisions
//! that come back read into the suite's outcomes. Run by `wasm-bindgen-test` in Node:
//!
//! ```text
//! CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=target/tools/bin/wasm-bindgen-test-runner \
//!   cargo test --locked -p kizuna-client-web --target wasm32-unknown-unknown --test conformance
//! ```
#![cfg(target_arch = "wasm32")]
// A test file: clippy.toml allows these in `#[test]`s, not in `#[wasm_bindgen_test]` helpers.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use kizuna_client_web::{outbox_decision, Channel, Device, DeviceKey};
use kizuna_engine::conformance::{assert_conforms, Failure, Outcome, PlanSeen, Send, Shell, Sight};
use kizuna_engine::proto::{DeviceId, LogEntry, RoomMember, UserId, Welcome};
use serde_json::{json, Value};
use wasm_bindgen_test::wasm_bindgen_test;

use common::{js, json_of};

fn seq(event: &Value, key: &str) -> i64 {
    event[key]
        .as_i64()
        .unwrap_or_else(|| panic!("no {key} in {event}"))
}

fn code(event: &Value) -> Option<String> {
    Some(
        event["code"]
            .as_str()
            .unwrap_or_else(|| panic!("no code in {event}"))
            .to_owned(),
    )
}

/// One `ChannelEvent` as an outcome; `eras` are not one (a post they release is).
fn outcome(event: &Value) -> Option<Outcome> {
    Some(match event["type"].as_str().unwrap_or_default() {
        "post" => Outcome::Post {
            seq: seq(event, "seq"),
            body: event["envelope"]["body"].as_str().unwrap().to_owned(),
        },
        "commit" => Outcome::Commit {
            seq: seq(event, "seq"),
            epoch: event["epoch"].as_u64().unwrap(),
        },
        "eras" => return None,
        "removed" => Outcome::Removed,
        "waiting" => Outcome::Waiting {
            seq: seq(event, "seq"),
        },
        "problem" => Outcome::Problem {
            seq: seq(event, "seq"),
            code: code(event),
        },
        "stalled" => Outcome::Stalled {
            seq: seq(event, "seq"),
            code: code(event),
        },
        "gap" => Outcome::Gap {
            after: seq(event, "after"),
            next: seq(event, "next"),
        },
        other => panic!("a ChannelEvent the UI would not know: {other:?} in {event}"),
    })
}

/// The browser core with one device.
struct Browser {
    device: Device,
    channel: Option<Channel>,
}

impl Browser {
    fn new(user: UserId, device: DeviceId) -> Self {
        let key = DeviceKey::generate().unwrap();
        Self {
            device: Device::create(key, &user.to_string(), &device.to_string()).unwrap(),
            channel: None,
        }
    }

    fn channel(&self) -> &Channel {
        self.channel.as_ref().expect("the scenario joined a channel")
    }
}

impl Shell for Browser {
    fn sight(&self) -> Sight {
        Sight::ALL
    }

    fn key_package(&mut self) -> String {
        let packages = json_of(&self.device.generate_key_packages(1, false).unwrap());
        packages[0]["body"].as_str().unwrap().to_owned()
    }

    fn join(&mut self, welcome: &Welcome) {
        let welcomes = json!([serde_json::to_value(welcome).unwrap()]);
        let report = json_of(&self.device.process_welcomes(js(&welcomes)).unwrap());
        assert_eq!(report["problems"], json!([]), "{report}");
        let joined = &report["joined"][0];
        let (room, channel) = (
            joined["room"].as_str().unwrap(),
            joined["channel"].as_str().unwrap(),
        );
        self.channel = self.device.channel(room, channel).unwrap();
    }

    fn ingest(&mut self, entries: &[LogEntry]) -> Vec<Outcome> {
        let entries = serde_json::to_value(entries).unwrap();
        let events = json_of(&self.channel().ingest(js(&entries)).unwrap());
        let mut seen: Vec<Outcome> = events.as_array().unwrap().iter().filter_map(outcome).collect();
        let info = json_of(&self.channel().info().unwrap());
        seen.push(Outcome::Channel {
            last_seq: seq(&info, "last_seq"),
            epoch: info["epoch"].as_u64().unwrap(),
            waiting: usize::try_from(info["waiting"].as_u64().unwrap()).unwrap(),
            active: info["active"].as_bool().unwrap(),
        });
        seen
    }

    fn plan(&mut self, members: &[RoomMember]) -> PlanSeen {
        let members = serde_json::to_value(members).unwrap();
        let plan = json_of(&self.channel().plan_reconcile(js(&members)).unwrap());
        serde_json::from_value(plan.clone()).unwrap_or_else(|e| panic!("{e}: {plan}"))
    }

    fn send_failed(&mut self, failure: &Failure) -> Send {
        let decision = json_of(
            &outbox_decision(failure.status, failure.code.map(str::to_owned), failure.attempt).unwrap(),
        );
        match decision["action"].as_str().unwrap_or_default() {
            "retry" => Send::Retry {
                delay_ms: decision["delay_ms"].as_u64().unwrap(),
            },
            "resync" => Send::Resync,
            "done" => Send::Done,
            "fail" => Send::Fail,
            other => panic!("an outbox action the UI would not know: {other:?} in {decision}"),
        }
    }
}

#[wasm_bindgen_test]
fn the_browser_core_passes_the_conformance_suite() {
    let steps = assert_conforms(&mut Browser::new);
    assert!(steps >= 40, "only {steps} steps compared");
}
