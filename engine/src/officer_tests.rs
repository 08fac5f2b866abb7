//! Broadcasts on a device: pins kept in the sealed state, verdicts as shells show
//! them, signing only in this device's own name.

use kizuna_crypto::broadcast::{Broadcast, RosterChange};
use kizuna_crypto::proto::{BroadcastId, DeviceId, OrganisationId, Severity, Timestamp, UserId};
use kizuna_crypto::testing::TestRandom;
use kizuna_crypto::vault::{open_state, seal_state};
use kizuna_crypto::DeviceSigningKey;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::core::{Core, STATE_LABEL};
use crate::officer::{RosterReport, Standing};

const T0: Timestamp = Timestamp(1_795_633_800_000);
const VAULT: [u8; 32] = [7; 32];

fn core(n: u128) -> Core {
    let key = DeviceSigningKey::generate(&mut TestRandom::new(0x0ff1_0000 + n as u64));
    Core::new(
        key,
        UserId::from_uuid(Uuid::from_u128(n << 8)),
        DeviceId::from_uuid(Uuid::from_u128((n << 8) + 1)),
    )
}

fn association() -> OrganisationId {
    OrganisationId::from_uuid(Uuid::from_u128(0xa550c))
}

fn roster_v1(officer: &Core) -> RosterChange {
    RosterChange {
        organisation: association(),
        version: 1,
        previous: None,
        issued_at: T0,
        signed_by: officer.officer(),
        officers: vec![officer.officer()],
    }
}

fn notice(officer: &Core) -> Broadcast {
    Broadcast {
        id: BroadcastId::from_uuid(Uuid::from_u128(0xb0)),
        organisation: association(),
        signed_by: officer.officer(),
        severity: Severity::Emergency,
        title: "避難指示：○○川 氾濫の恐れ".into(),
        area: "○○市 △△地区".into(),
        body: "△△小学校へ避難してください。".into(),
        issued_at: T0,
        expires_at: Timestamp(T0.millis() + 3_600_000),
        attachment: None,
        safety_check: true,
        include_families: false,
    }
}

fn json_of(value: impl serde::Serialize) -> Value {
    serde_json::to_value(value).unwrap()
}

#[test]
fn a_nurse_device_pins_the_roster_verifies_the_notice_and_keeps_the_pin_across_restarts() {
    let officer = core(1);
    let mut nurse = core(2);
    let roster = officer.sign_roster_change(&roster_v1(&officer)).unwrap();
    let reports = nurse.accept_rosters(&[roster]);
    assert!(
        matches!(reports[0], RosterReport::Pinned { version: 1, .. }),
        "{reports:?}"
    );

    let signed = officer.sign_broadcast(&notice(&officer)).unwrap();
    let view = nurse.verify_broadcast(&signed, T0);
    assert_eq!(view.standing, Standing::Official);
    assert_eq!(view.officer, Some(officer.officer()));
    let shown = json_of(&view);
    assert_eq!(shown["standing"], "official");
    assert_eq!(shown["warning"], Value::Null);
    assert_eq!(shown["broadcast"]["title"], "避難指示：○○川 氾濫の恐れ");

    let sealed = nurse.export(&VAULT, &mut TestRandom::new(3)).unwrap();
    let restarted = Core::import(&VAULT, &sealed).unwrap();
    assert_eq!(restarted.rosters(), nurse.rosters());
    assert_eq!(
        restarted.verify_broadcast(&signed, T0).standing,
        Standing::Official
    );
}

#[test]
fn a_device_state_saved_before_broadcasts_existed_opens_with_nothing_pinned() {
    let officer = core(1);
    let nurse = core(2);
    let sealed = nurse.export(&VAULT, &mut TestRandom::new(4)).unwrap();
    let mut saved: Value =
        serde_json::from_slice(&open_state(&VAULT, STATE_LABEL, &sealed).unwrap()).unwrap();
    assert!(saved.as_object_mut().unwrap().remove("rosters").is_some());
    let old = seal_state(
        &VAULT,
        STATE_LABEL,
        saved.to_string().as_bytes(),
        &mut TestRandom::new(5),
    );

    let opened = Core::import(&VAULT, &old).unwrap();
    assert_eq!(opened.officer(), nurse.officer());
    let signed = officer.sign_broadcast(&notice(&officer)).unwrap();
    let view = json_of(opened.verify_broadcast(&signed, T0));
    assert_eq!(view["standing"], "unverified");
    assert_eq!(view["warning"]["code"], "broadcast_no_roster");
}

#[test]
fn an_altered_notice_and_a_forged_roster_are_shown_as_such() {
    let officer = core(1);
    let outsider = core(9);
    let mut nurse = core(2);
    nurse.accept_rosters(&[officer.sign_roster_change(&roster_v1(&officer)).unwrap()]);

    let mut altered = officer.sign_broadcast(&notice(&officer)).unwrap();
    let at = altered.payload.len() / 2;
    altered.payload[at] ^= 1;
    let view = json_of(nurse.verify_broadcast(&altered, T0));
    assert_eq!(view["standing"], "unverified");
    assert_eq!(view["warning"]["code"], "broadcast_altered");
    assert!(view["warning"]["ja"].as_str().unwrap().contains("公式"), "{view}");

    let mut takeover = roster_v1(&outsider);
    takeover.version = 2;
    takeover.previous = Some(nurse.rosters().roster(&association()).unwrap().hash());
    let report = json_of(&nurse.accept_rosters(&[outsider.sign_roster_change(&takeover).unwrap()])[0]);
    assert_eq!(report["outcome"], "refused", "{report}");
    assert_eq!(nurse.rosters().roster(&association()).unwrap().version(), 1);
    assert_eq!(
        json_of(nurse.verify_broadcast(&outsider.sign_broadcast(&notice(&outsider)).unwrap(), T0))
            ["standing"],
        json!("unverified")
    );
}

#[test]
fn a_device_signs_only_in_its_own_name() {
    let officer = core(1);
    let other = core(2);
    let error = officer.sign_broadcast(&notice(&other)).unwrap_err();
    assert_eq!(error.code, "broadcast_not_this_device");
    let error = officer.sign_roster_change(&roster_v1(&other)).unwrap_err();
    assert_eq!(error.code, "broadcast_not_this_device");
}
