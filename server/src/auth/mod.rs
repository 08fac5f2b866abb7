//! Two-factor authentication: passwords (Argon2id, guideline rules), WebAuthn,
//! sessions and brute-force throttling.

pub mod password;
pub mod reauth;
pub mod session;
pub mod throttle;
pub mod webauthn;

use std::time::Duration;

use kizuna_proto::Timestamp;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::ApiError;
use crate::state::AppState;
use kizuna_storage::ceremonies::{self, Ceremony};

pub use password::PasswordCost;

/// How long a WebAuthn ceremony may take.
pub const CEREMONY_TTL: Duration = Duration::from_secs(600);

/// The Argon2id cost in force.
pub fn cost(state: &AppState) -> PasswordCost {
    PasswordCost {
        memory_kib: state.config.argon2_memory_kib,
        iterations: state.config.argon2_iterations,
        ..PasswordCost::default()
    }
}

/// Hashes a password off the async runtime (Argon2id takes tens of milliseconds).
pub async fn hash(state: &AppState, password: String) -> Result<String, ApiError> {
    let cost = cost(state);
    tokio::task::spawn_blocking(move || password::hash_password(&password, &cost))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)
}

/// Verifies a password off the async runtime. With no stored hash, spends the same
/// time on a dummy so the answer's timing does not tell whether the account exists.
pub async fn verify(state: &AppState, password: String, stored: Option<String>) -> Result<bool, ApiError> {
    let cost = cost(state);
    tokio::task::spawn_blocking(move || match stored {
        Some(phc) => password::verify_password(&password, &phc),
        None => {
            password::dummy_verify(&cost);
            false
        }
    })
    .await
    .map_err(ApiError::internal)
}

/// Turns a password rule violation into the API error.
pub fn rejected(problem: password::PasswordProblem) -> ApiError {
    ApiError::from(problem)
}

/// Stores a ceremony's state and returns its ID.
pub async fn start_ceremony<T: Serialize>(
    state: &AppState,
    kind: &'static str,
    user: Option<kizuna_proto::UserId>,
    data: &T,
) -> Result<String, ApiError> {
    let now = state.now();
    let ceremony = Ceremony {
        id: crate::tokens::new_token().expose().clone(),
        kind: kind.to_owned(),
        user,
        state: serde_json::to_string(data).map_err(ApiError::internal)?,
        created_at: now,
        expires_at: now.plus(CEREMONY_TTL),
    };
    let id = ceremony.id.clone();
    state
        .db
        .run(move |conn| ceremonies::start(conn, &ceremony))
        .await?;
    Ok(id)
}

/// Takes a ceremony (single use) and reads its state.
pub async fn take_ceremony<T: DeserializeOwned>(
    state: &AppState,
    id: String,
    kind: &'static str,
) -> Result<(Ceremony, T), ApiError> {
    let now: Timestamp = state.now();
    let ceremony = state
        .db
        .run(move |conn| ceremonies::take(conn, &id, kind, now))
        .await?
        .ok_or(ApiError::CeremonyInvalid)?;
    let data = serde_json::from_str(&ceremony.state).map_err(ApiError::internal)?;
    Ok((ceremony, data))
}
