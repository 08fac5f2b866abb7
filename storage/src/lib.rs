//! Kizuna's persistence layer.
//!
//! * [`Db`]: a pool of database connections over **one** diesel schema and one code
//!   path for SQLite (the embedded default) and PostgreSQL (production), via
//!   `#[derive(diesel::MultiConnection)]`. Migrations are embedded per backend and
//!   applied when the pool opens. Blocking diesel calls run on tokio's blocking
//!   pool ([`Db::run`]) so request handlers never stall the async runtime.
//! * [`BlobStore`]: encrypted attachments in a local directory or an
//!   S3-compatible bucket, streamed in and out with size limits.
//!
//! This crate knows nothing of HTTP.

pub mod alerts;
pub mod attachments;
pub mod audit;
pub mod blobs;
pub mod broadcast_maps;
pub mod broadcasts;
pub mod ceremonies;
mod conn;
pub mod credentials;
mod db;
pub mod devices;
pub mod emergency;
mod error;
pub mod groups;
pub mod invitations;
pub mod notifications;
pub mod orgs;
pub mod reads;
pub mod reset_ledger;
pub mod retention;
pub mod rooms;
pub mod safety;
mod schema;
pub mod sessions;
pub mod settings;
pub mod throttle;
mod typed;
pub mod users;

pub use blobs::{BlobError, BlobLocation, BlobStore, S3Location, StoredBlob};
pub use conn::{refusable_transaction, transaction, DbConn};
pub use db::{Backend, Db, DbHealth, DbOptions, PoolStatus, DEFAULT_ACQUIRE_TIMEOUT};
pub use error::StorageError;
