//! The WASM API as the UI calls it, run by `wasm-bindgen-test` under Node:
//!
//! ```text
//! CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=target/tools/bin/wasm-bindgen-test-runner \
//!   cargo test -p kizuna-client-web --target wasm32-unknown-unknown
//! ```
//!
//! Every value crosses the boundary the way it does for the TypeScript UI: JS objects
//! in, JS objects, `Uint8Array`s and JSON-message `Error`s out.
#![cfg(target_arch = "wasm32")]
// A test file: clippy.toml allows these in `#[test]`s, not in `#[wasm_bindgen_test]` helpers.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use image::codecs::jpeg::JpegEncoder;
use image::ExtendedColorType;
use js_sys::{Array, Reflect, Uint8Array, JSON};
use kizuna_client_web::{
    notebook, open_attachment, prepare_photo, seal_attachment, validate_envelope, version, Device, DeviceKey,
};
use serde_json::{json, Value};
use wasm_bindgen::{JsCast, JsError, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

use common::{js, json_of};

const ROOM: &str = "0190a1b2-0000-7000-8000-000000000100";
const DOCTOR: &str = "0190a1b2-0000-7000-8000-000000000001";
const NURSE: &str = "0190a1b2-0000-7000-8000-000000000002";
const NOW: f64 = 1_800_000_000_000.0;

fn get(value: &JsValue, key: &str) -> JsValue {
    Reflect::get(value, &JsValue::from_str(key)).unwrap()
}

fn bytes(value: &JsValue, key: &str) -> Vec<u8> {
    get(value, key)
        .dyn_into::<Uint8Array>()
        .expect("a Uint8Array")
        .to_vec()
}

/// The JSON message of an error thrown across the boundary.
fn error_of(error: JsError) -> Value {
    let error: js_sys::Error = JsValue::from(error).dyn_into().unwrap();
    serde_json::from_str(&String::from(error.message())).unwrap()
}

fn uuid(n: u32) -> String {
    format!("0190a1b2-0000-7000-8000-{n:012}")
}

/// The server's log of one channel, as `GET /groups/{g}/messages` returns it.
#[derive(Default)]
struct Log(Vec<Value>);

impl Log {
    fn append(&mut self, kind: &str, sender: &str, body: &Value) {
        let seq = self.0.len() + 1;
        self.0.push(
            json!({"seq": seq, "kind": kind, "sender_device": sender, "epoch": 0,
                           "body": body, "stored_at": NOW + seq as f64}),
        );
    }

    fn from(&self, seq: usize) -> JsValue {
        js(&Value::Array(self.0[seq - 1..].to_vec()))
    }
}

fn device(user: &str, device: &str) -> Device {
    let key = DeviceKey::generate().unwrap();
    assert_eq!(key.signature_key().len(), 44, "32 bytes, base64");
    Device::create(key, user, device).unwrap()
}

fn events_of(channel: &kizuna_client_web::Channel, entries: JsValue) -> Vec<Value> {
    let events = channel.ingest(entries).unwrap();
    assert!(Array::is_array(&events));
    json_of(&events).as_array().unwrap().clone()
}

#[wasm_bindgen_test]
fn version_is_the_workspace_version() {
    assert_eq!(version(), env!("CARGO_PKG_VERSION"));
}

/// The doctor opens the team channel and adds the nurse's device from a claimed key
/// package; the nurse joins from the welcome. Returns the log so far.
fn team() -> (Log, Device, Device) {
    let (doctor_device, nurse_device) = (uuid(11), uuid(22));
    let doctor = device(DOCTOR, &doctor_device);
    let nurse = device(NURSE, &nurse_device);
    assert_eq!(nurse.device_id().unwrap(), nurse_device);

    let group = json_of(&doctor.create_channel(ROOM, "team").unwrap());
    assert_eq!(group["group_id"], format!("{ROOM}/team"));
    assert!(group["group_info"].as_str().unwrap().len() > 100);
    let team = doctor.channel(ROOM, "team").unwrap().expect("created");

    let packages = json_of(&nurse.generate_key_packages(2, true).unwrap());
    assert_eq!(packages.as_array().unwrap().len(), 3);
    assert_eq!(packages[2]["last_resort"], true);
    let claimed = json!([{"device_id": nurse_device, "key_package": packages[0]["body"]}]);
    let request = json_of(&team.add_devices(js(&claimed), js(&json!("full"))).unwrap());
    assert_eq!(request["added"][0]["device"], nurse_device);

    let mut log = Log::default();
    log.append("commit", &doctor_device, &request["commit"]);
    let accepted = json_of(&team.commit_accepted(NOW).unwrap());
    assert!(accepted["era_key"].is_string(), "{accepted}");
    log.append("era_key", &doctor_device, &accepted["era_key"]);

    let welcomes = json!([{"group_id": group["group_id"], "welcome": request["welcome"]}]);
    let joined = json_of(&nurse.process_welcomes(js(&welcomes)).unwrap());
    assert_eq!(joined["joined"][0]["channel"], "team", "{joined}");
    assert_eq!(joined["problems"], json!([]));
    (log, doctor, nurse)
}

#[wasm_bindgen_test]
fn a_post_sealed_by_one_device_is_opened_by_the_other_and_a_tampered_copy_refused() {
    let (mut log, doctor, nurse) = team();
    let team = doctor.channel(ROOM, "team").unwrap().unwrap();
    let note =
        json!({"version": 1, "content_type": "note", "body": "訪問完了、服薬確認済み", "urgency": "soon"});
    let sealed = team.seal_post(&note.to_string(), &uuid(9001), NOW, None).unwrap();
    let sealed = json_of(&sealed);
    assert_eq!(
        (sealed["era_key"].clone(), sealed["urgency"].clone()),
        (Value::Null, json!("soon"))
    );
    log.append("post", &uuid(11), &sealed["post"]);

    let nurse_team = nurse.channel(ROOM, "team").unwrap().unwrap();
    let events = events_of(&nurse_team, log.from(1));
    let kinds: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["eras", "post"], "{events:?}");
    let post = &events[1];
    assert_eq!(post["envelope"]["body"], "訪問完了、服薬確認済み");
    assert_eq!(
        (post["seq"].clone(), post["author_user"].clone()),
        (json!(3), json!(DOCTOR))
    );
    assert_eq!(nurse_team.last_seq().unwrap(), 3.0);

    // One byte of the ciphertext changed on the way: refused, named, not shown.
    let mut altered = base64_decode(sealed["post"].as_str().unwrap());
    let last = altered.len() - 1;
    altered[last] ^= 0x40;
    log.append("post", &uuid(11), &json!(base64_encode(&altered)));
    let events = events_of(&nurse_team, log.from(4));
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(
        (events[0]["type"].clone(), events[0]["seq"].clone()),
        (json!("problem"), json!(4))
    );
    assert_eq!(events[0]["code"], "post_bad_signature", "{events:?}");
    assert!(!events[0]["ja"].as_str().unwrap().is_empty());

    // The notebook takes the post events as JSON, as the UI caches them.
    let posts = JSON::stringify(&js(&json!([post]))).unwrap();
    let book = json_of(&notebook(&String::from(posts)).unwrap());
    assert_eq!(
        book["entries"][0]["current"]["envelope"]["body"],
        "訪問完了、服薬確認済み"
    );
    assert_eq!(book["entries"][0]["effective_urgency"], "soon");
}

#[wasm_bindgen_test]
fn the_device_survives_export_and_import_and_errors_arrive_as_json() {
    let (log, _doctor, nurse) = team();
    let nurse_team = nurse.channel(ROOM, "team").unwrap().unwrap();
    events_of(&nurse_team, log.from(1));
    let key = [42u8; 32];
    let sealed = nurse.export_state(&key).unwrap();
    let restored = Device::import_state(&key, &sealed).unwrap();
    assert_eq!(restored.user_id().unwrap(), NURSE);
    let info = json_of(&restored.channel(ROOM, "team").unwrap().unwrap().info().unwrap());
    assert_eq!(
        (info["last_seq"].clone(), info["active"].clone()),
        (json!(2), json!(true))
    );
    assert_eq!(info["members"].as_array().unwrap().len(), 2);
    assert_eq!(
        json_of(&restored.channels().unwrap())[0]["group_id"],
        format!("{ROOM}/team")
    );

    let wrong = error_of(Device::import_state(&[1u8; 32], &sealed).err().unwrap());
    assert_eq!(wrong["code"], "state_invalid");
    assert!(wrong["ja"].as_str().unwrap().contains("保存データ"));
    let short_key = error_of(nurse.export_state(&[0u8; 16]).err().unwrap());
    assert_eq!(short_key["code"], "invalid_input");
    let bad_id = error_of(
        Device::create(DeviceKey::generate().unwrap(), "nobody", &uuid(1))
            .err()
            .unwrap(),
    );
    assert_eq!(bad_id["code"], "invalid_input");
    assert!(restored.channel(ROOM, "family").unwrap().is_none());
    let bad_policy = error_of(
        nurse_team
            .add_devices(js(&json!([])), js(&json!("all")))
            .err()
            .unwrap(),
    );
    assert_eq!(bad_policy["code"], "invalid_input");
}

/// A small camera-like JPEG.
fn jpeg(width: u32, height: u32) -> Vec<u8> {
    let pixels: Vec<u8> = (0..width * height)
        .flat_map(|i| {
            [
                (i % width * 255 / width) as u8,
                (i / width * 255 / height) as u8,
                90,
            ]
        })
        .collect();
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, 90)
        .encode(&pixels, width, height, ExtendedColorType::Rgb8)
        .unwrap();
    out
}

#[wasm_bindgen_test]
fn a_photo_is_prepared_sealed_and_opened_and_a_damaged_file_refused() {
    let options = js(&json!({"max_edge": 160, "thumb_edge": 48}));
    let photo = prepare_photo(&jpeg(320, 200), options).unwrap();
    let (width, height) = (get(&photo, "width").as_f64(), get(&photo, "height").as_f64());
    assert_eq!((width, height), (Some(160.0), Some(100.0)));
    assert_eq!(get(&photo, "thumb_width").as_f64(), Some(48.0));
    let image = bytes(&photo, "image");
    assert_eq!(&image[..2], &[0xFF, 0xD8], "a JPEG");
    assert!(!bytes(&photo, "thumbnail").is_empty());
    let not_a_photo = error_of(prepare_photo(b"GIF89a....", JsValue::UNDEFINED).err().unwrap());
    assert!(
        not_a_photo["code"].as_str().unwrap().starts_with("photo_"),
        "{not_a_photo}"
    );

    let sealed = seal_attachment(&image, "image/jpeg").unwrap();
    let ciphertext = bytes(&sealed, "ciphertext");
    let reference = get(&sealed, "reference");
    let described = json_of(&reference);
    assert_eq!(described["size"], image.len());
    assert_eq!(described["key"].as_array().unwrap().len(), 32);
    assert_eq!(open_attachment(&ciphertext, reference.clone()).unwrap(), image);

    let mut damaged = ciphertext.clone();
    damaged[40] ^= 1;
    let error = error_of(open_attachment(&damaged, reference.clone()).err().unwrap());
    assert_eq!(error["code"], "attachment_damaged");
    assert!(error["ja"].as_str().unwrap().contains("改ざん"));

    // The reference travels inside a photo post; the envelope checks the dimensions.
    let envelope = json!({"version": 1, "content_type": "photo", "body": "仙骨部",
        "photo": {"image": described, "thumbnail": described, "width": 160, "height": 100,
                  "thumb_width": 48, "thumb_height": 30}});
    assert_eq!(
        json_of(&validate_envelope(&envelope.to_string(), None).unwrap())["ok"],
        true
    );
}

#[wasm_bindgen_test]
fn the_vitals_form_is_told_which_field_is_impossible() {
    let vitals = |t: f64| {
        json!({"version": 1, "content_type": "vitals", "body": "",
               "vitals": {"measured_at": 1_800_000_000_000_i64, "temperature_c": t}})
        .to_string()
    };
    let refused = json_of(&validate_envelope(&vitals(365.0), None).unwrap());
    assert_eq!(
        (refused["ok"].clone(), refused["field"].clone()),
        (json!(false), json!("temperature_c"))
    );
    assert!(refused["ja"].as_str().unwrap().contains("小数点"), "{refused}");
    let flagged =
        json_of(&validate_envelope(&vitals(38.6), Some(r#"{"temperature_c":{"max":37.5}}"#.into())).unwrap());
    assert_eq!(flagged["ok"], true);
    assert_eq!(flagged["out_of_range"][0]["measurement"], "temperature");
    assert_eq!(flagged["urgency"], "urgent");
}

fn base64_encode(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn base64_decode(text: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.decode(text).unwrap()
}
