//! A broadcast officer as the tests and benchmarks act for one: a person with a
//! registered device whose key signs notices and roster changes.

use anyhow::{Context, Result};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use kizuna_crypto::broadcast::Officer;
use kizuna_crypto::DeviceSigningKey;
use kizuna_proto::{DeviceId, UserId};
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
