//! Security alerts (issue 16): anomalies in the audit log, raised to the
//! administrators of the facilities concerned.
//!
//! * [`rules`]: the rules, without I/O (a record in, the history it needs, a
//!   finding out), with their unit tests.
//! * [`job`]: the periodic scan on every node (cursor, rules, alerts, notifications).
//! * [`history`]: the job's history reads, each subject's window read once per
//!   batch.
//! * [`config`]: the `[alerts]` thresholds.
//!
//! What an administrator sees and does with an alert is `service::alerts`.

pub mod config;
pub mod history;
pub mod job;
pub mod rules;
