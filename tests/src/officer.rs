//! A broadcast officer as the tests and benchmarks act for one: a person with a
//! registered device whose key signs notices and roster changes.

use anyhow::{Context, Result};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use kizuna_crypto::broadcast::{sign, Broadcast, Officer, SignedBroadcast};
use kizuna_crypto::DeviceSigningKey;
use kizuna_proto::{BroadcastId, DeviceId, Severity, Timestamp, UserId};
use serde_json::json;

use crate::accounts::Person;
use crate::TestServer;

/// A person with a registered device whose key signs, their session bound to it.
pub struct Signer {
    /// The person (their session acts for the device).
    pub person: Person,
    /// The device as a roster lists it.
    pub officer: Officer,
    /// The device's private key.
    pub key: DeviceSigningKey,
}

/// Registers a device for `person` whose key comes from `seed`.
pub async fn signer(server: &TestServer, person: Person, seed: u8) -> Result<Signer> {
    let key = DeviceSigningKey::from_bytes(&[seed; 32]);
    let body =
        json!({ "name": "officer phone", "signature_key": STANDARD.encode(key.verifying_key().to_bytes()) });
    let (status, device) = server.post("/api/v1/devices", Some(&person.token), body).await?;
    anyhow::ensure!(status == 200, "device refused: {status} {device}");
    let officer = Officer {
        user: person.user_id.parse::<UserId>()?,
        device: device["id"].as_str().context("device id")?.parse::<DeviceId>()?,
        key: key.verifying_key(),
    };
    Ok(Signer { person, officer, key })
}

/// An evacuation order with a safety check from `organisation`, signed by `by`'s
/// device, valid for a day from `now`.
pub fn evacuation_notice(
    organisation: &str,
    by: &Signer,
    include_families: bool,
    now: Timestamp,
) -> Result<SignedBroadcast> {
    let content = Broadcast {
        id: BroadcastId::from_uuid(uuid::Uuid::new_v4()),
        organisation: organisation.parse()?,
        signed_by: by.officer,
        severity: Severity::Emergency,
        title: "避難指示：みなみ川流域".into(),
        area: "みなみ市 みなみ川 流域".into(),
        body: "利用者の避難状況を確認してください。".into(),
        issued_at: now,
        expires_at: Timestamp(now.0 + 86_400_000),
        attachment: None,
        safety_check: true,
        include_families,
    };
    Ok(sign(&content, &by.key)?)
}
