//! The use cases of the server, one function each, apart from HTTP.
//!
//! A handler extracts its input, calls one function here and answers with what it
//! returns. Each function takes what it needs (the state or a connection, the acting
//! person, the typed input), owns its transaction through [`AppState::write`] (any
//! `Err` rolls back everything it wrote) and returns `Result<T, ApiError>`: the error
//! catalogue in [`crate::error`] is the domain error, so a refusal reads the same
//! to a client whichever route reached it.
//!
//! Route modules never import each other; what two of them share lives here.
//!
//! [`AppState::write`]: crate::state::AppState::write
//! [`ApiError`]: crate::error::ApiError

pub mod access_history;
pub mod account;
pub mod acting;
pub mod alerts;
pub mod blobs;
pub mod broadcast_maps;
pub mod broadcast_scope;
pub mod broadcasts;
pub mod delivery;
pub mod devices;
pub mod emergency;
pub mod exports;
pub mod groups;
pub mod health;
pub mod invitations;
pub mod notification_settings;
pub mod notifications;
pub mod people;
pub mod reads;
pub mod registration;
pub mod resets;
pub mod retention;
pub mod room_state;
pub mod rooms;
pub mod safety;
pub mod sign_in;
pub mod staff;
