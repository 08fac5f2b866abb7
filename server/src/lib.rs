//! The Kizuna server: actix-web HTTP API over the storage crate.
//!
//! Start one with [`app::open_state`] then [`app::serve`]; tests do exactly that on
//! port 0 so several servers can run in one process.

pub mod anomaly;
pub mod app;
pub mod appender;
pub mod audit;
pub mod auth;
pub mod authz;
pub mod bootstrap;
pub mod config;
pub mod error;
pub mod fanout;
pub mod heartbeat;
pub mod invites;
pub mod live;
pub mod metrics;
pub mod notify;
pub mod origin;
pub mod policy;
pub mod refusals;
pub mod routes;
pub mod service;
pub mod slow_body;
pub mod state;
pub mod sweep;
pub mod tokens;

pub use app::{open_state, openapi_document, serve, Running, StartError, Stopper};
pub use config::Config;
pub use state::{system_clock, AppState, Clock};
