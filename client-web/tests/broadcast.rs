//! Regional broadcasts through the browser core, as the UI calls it (issue 14): an
//! officer's device signs its association's roster and an emergency notice; a nurse's
//! device pins the roster on first sight, shows the notice as official, keeps the pin
//! across a restart, and marks an altered notice unverified. Run by
//! `wasm-bindgen-test` under Node:
//!
//! ```text
//! CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=target/tools/bin/wasm-bindgen-test-runner \
//!   cargo test --locked -p kizuna-client-web --target wasm32-unknown-unknown --test broadcast
//! ```
#![cfg(target_arch = "wasm32")]
// A test file: clippy.toml allows these in `#[test]`s, not in `#[wasm_bindgen_test]` helpers.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use kizuna_client_web::{Device, DeviceKey};
use serde_json::{json, Value};
use wasm_bindgen::{JsCast, JsError, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

use common::{js, json_of};

const ASSOCIATION: &str = "0190a1b2-0000-7000-8000-0000000a550c";
const NOTICE: &str = "0190a1b2-0000-7000-8000-0000000000b0";
const NOW: f64 = 1_800_000_000_000.0;
const VAULT: [u8; 32] = [5; 32];

fn uuid(n: u32) -> String {
    format!("0190a1b2-0000-7000-8000-{n:012}")
}

fn device(n: u32) -> Device {
    Device::create(DeviceKey::generate().unwrap(), &uuid(n), &uuid(100 + n)).unwrap()
}

/// The JSON message of an error thrown across the boundary.
fn error_of(error: JsError) -> Value {
    let error: js_sys::Error = JsValue::from(error).dyn_into().unwrap();
    serde_json::from_str(&String::from(error.message())).unwrap()
}

fn roster_v1(officer: &Value) -> Value {
    json!({
        "organisation": ASSOCIATION,
        "version": 1,
        "previous": null,
        "issued_at": NOW,
        "signed_by": officer,
        "officers": [officer],
    })
}

fn emergency(signed_by: &Value) -> Value {
    json!({
        "id": NOTICE,
        "organisation": ASSOCIATION,
        "signed_by": signed_by,
        "severity": "emergency",
        "title": "避難指示：○○川 氾濫の恐れ",
        "area": "○○市 △△地区",
        "body": "△△小学校へ避難してください。",
        "issued_at": NOW,
        "expires_at": NOW + 3_600_000.0,
        "attachment": null,
        "safety_check": true,
        "include_families": false,
    })
}

#[wasm_bindgen_test]
fn a_nurse_pins_the_officers_roster_and_sees_the_notice_as_official_until_it_is_altered() {
    let officer = device(1);
    let nurse = device(2);
    let me = json_of(&officer.officer().unwrap());
    assert_eq!(me["user"], uuid(1));
    assert_eq!(me["device"], uuid(101));
    assert_eq!(me["key"].as_array().map(Vec::len), Some(32), "{me}");

    let roster = officer.sign_roster_change(js(&roster_v1(&me))).unwrap();
    let notice = json_of(&officer.sign_broadcast(js(&emergency(&me))).unwrap());
    assert_eq!(
        STANDARD
            .decode(notice["signature"].as_str().unwrap())
            .unwrap()
            .len(),
        64,
        "{notice}"
    );

    // Before any roster is pinned, nothing is official.
    let unpinned = json_of(&nurse.verify_broadcast(js(&notice), NOW).unwrap());
    assert_eq!(unpinned["standing"], "unverified", "{unpinned}");
    assert_eq!(unpinned["officer"], Value::Null);

    let reports = json_of(&nurse.accept_rosters(js(&json!([json_of(&roster)]))).unwrap());
    let pinned = &reports[0];
    assert_eq!(reports.as_array().map(Vec::len), Some(1), "{reports}");
    assert_eq!(pinned["outcome"], "pinned", "{reports}");
    assert_eq!(pinned["version"], 1);
    assert_eq!(pinned["officers"], json!([me]));
    let fingerprint = pinned["fingerprint"].as_str().unwrap();
    assert_eq!(fingerprint.split(' ').count(), 8, "{fingerprint}");
    assert!(
        fingerprint
            .split(' ')
            .all(|group| group.len() == 4 && group.chars().all(|c| c.is_ascii_hexdigit())),
        "{fingerprint}"
    );

    let view = json_of(&nurse.verify_broadcast(js(&notice), NOW).unwrap());
    assert_eq!(view["standing"], "official", "{view}");
    assert_eq!(view["broadcast"]["title"], "避難指示：○○川 氾濫の恐れ");
    assert_eq!(view["broadcast"]["severity"], "emergency");
    assert_eq!(view["officer"], me);
    assert_eq!(view["warning"], Value::Null);

    // The pin is in the sealed state: a restarted device still trusts the roster.
    let sealed = nurse.export_state(&VAULT).unwrap();
    let restarted = Device::import_state(&VAULT, &sealed).unwrap();
    let again = json_of(&restarted.verify_broadcast(js(&notice), NOW).unwrap());
    assert_eq!(again["standing"], "official", "{again}");
    let seen = json_of(&restarted.accept_rosters(js(&json!([json_of(&roster)]))).unwrap());
    assert_eq!(seen[0]["outcome"], "unchanged", "{seen}");

    // One byte of the payload changed on the way: never official.
    let mut payload = STANDARD.decode(notice["payload"].as_str().unwrap()).unwrap();
    let at = payload.len() / 2;
    payload[at] ^= 0x01;
    let mut altered = notice.clone();
    altered["payload"] = json!(STANDARD.encode(&payload));
    let refused = json_of(&restarted.verify_broadcast(js(&altered), NOW).unwrap());
    assert_eq!(refused["standing"], "unverified", "{refused}");
    assert_eq!(refused["officer"], Value::Null);
    assert_eq!(refused["warning"]["code"], "broadcast_altered", "{refused}");
    assert!(refused["warning"]["ja"].as_str().is_some_and(|ja| !ja.is_empty()));
}

#[wasm_bindgen_test]
fn an_officer_device_signs_only_in_its_own_name() {
    let officer = device(3);
    let nurse = device(4);
    let someone_else = json_of(&nurse.officer().unwrap());

    let error = error_of(
        officer
            .sign_broadcast(js(&emergency(&someone_else)))
            .err()
            .unwrap(),
    );
    assert_eq!(error["code"], "broadcast_not_this_device", "{error}");
    assert!(error["ja"].as_str().is_some_and(|ja| !ja.is_empty()));

    let roster = roster_v1(&someone_else);
    let error = error_of(officer.sign_roster_change(js(&roster)).err().unwrap());
    assert_eq!(error["code"], "broadcast_not_this_device", "{error}");

    let malformed = error_of(officer.sign_broadcast(js(&json!({"title": "x"}))).err().unwrap());
    assert_eq!(malformed["code"], "invalid_input", "{malformed}");
}
