//! The WebAuthn relying party, configured from the server's settings, and the
//! decoy credentials that make sign-in for an unknown login ID look like sign-in
//! for a real one.

use std::sync::Arc;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use kizuna_storage::{settings, Db, StorageError};
use rand::RngCore;
use webauthn_rs::fake::{FakePasskeyDistribution, WebauthnFakeCredentialGenerator};
use webauthn_rs::prelude::{Passkey, RequestChallengeResponse};
use webauthn_rs::{Webauthn, WebauthnBuilder};
use webauthn_rs_proto::{AllowCredentials, PublicKeyCredentialRequestOptions, UserVerificationPolicy};

use crate::config::Config;

/// Everything the server needs for WebAuthn ceremonies.
#[derive(Clone)]
pub struct Relying {
    /// The relying party.
    pub webauthn: Arc<Webauthn>,
    fakes: Arc<WebauthnFakeCredentialGenerator<FakePasskeyDistribution>>,
    rp_id: String,
}

/// Why the relying party could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum RelyingError {
    /// The configuration does not make a valid relying party.
    #[error("WebAuthn configuration: {0}. Check public_url, webauthn_rp_id and webauthn_origins.")]
    Config(String),
    /// The shared decoy key could not be read or stored.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl Relying {
    /// Builds the relying party from the configuration, with the decoy key shared
    /// by all nodes through the database.
    pub fn new(config: &Config, db: &Db) -> Result<Self, RelyingError> {
        let (rp_id, origins) = config
            .webauthn()
            .map_err(|e| RelyingError::Config(e.to_string()))?;
        let first = origins
            .first()
            .ok_or_else(|| RelyingError::Config("no origin".into()))?;
        let mut builder = WebauthnBuilder::new(&rp_id, first)
            .map_err(|e| RelyingError::Config(e.to_string()))?
            .rp_name("Kizuna");
        for origin in origins.iter().skip(1) {
            builder = builder.append_allowed_origin(origin);
        }
        let webauthn = builder.build().map_err(|e| RelyingError::Config(e.to_string()))?;
        let key = db.run_blocking(|conn| {
            settings::get_or_create(conn, "webauthn_decoy_hmac_key", || {
                let mut key = [0u8; 32];
                rand::rng().fill_bytes(&mut key);
                STANDARD.encode(key)
            })
        })?;
        let key = STANDARD
            .decode(key)
            .map_err(|e| RelyingError::Config(format!("stored decoy key: {e}")))?;
        let fakes =
            WebauthnFakeCredentialGenerator::new(&key).map_err(|e| RelyingError::Config(e.to_string()))?;
        Ok(Self {
            webauthn: Arc::new(webauthn),
            fakes: Arc::new(fakes),
            rp_id,
        })
    }

    /// A sign-in challenge for a login ID that has no usable account. It lists
    /// decoy credential IDs derived from the login ID (the same every time, with
    /// the sizes and counts real authenticators have), so the answer does not
    /// reveal that the account does not exist.
    pub fn decoy_challenge(&self, login_id: &str) -> RequestChallengeResponse {
        // The generator may draw zero credentials, but a real account always has at
        // least one; draw again (deterministically) rather than give that away.
        let ids = (0..16u8)
            .map(|round| {
                let mut seed = login_id.as_bytes().to_vec();
                if round > 0 {
                    seed.extend_from_slice(&[0, round]);
                }
                self.fakes.generate(&seed).unwrap_or_default()
            })
            .find(|ids| !ids.is_empty())
            .unwrap_or_default();
        let mut challenge = vec![0u8; 32];
        rand::rng().fill_bytes(&mut challenge);
        RequestChallengeResponse {
            public_key: PublicKeyCredentialRequestOptions {
                challenge,
                timeout: Some(300_000),
                rp_id: self.rp_id.clone(),
                allow_credentials: ids
                    .into_iter()
                    .map(|id| AllowCredentials {
                        type_: "public-key".into(),
                        id: id.to_vec(),
                        transports: None,
                    })
                    .collect(),
                user_verification: UserVerificationPolicy::Required,
                hints: None,
                extensions: None,
            },
            mediation: None,
        }
    }
}

/// Reads a stored passkey.
pub fn parse_passkey(json: &str) -> Option<Passkey> {
    serde_json::from_str(json).ok()
}

/// A credential ID as text (base64url, as WebAuthn and the database use it).
pub fn credential_id(raw: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
}
