//! Log generations: how clients notice that a server's logs were restored.
//!
//! Each deployment's logs carry a generation, a random ID made when the database is
//! initialised and again by `kizuna-ops new-generation` after every restore from a
//! backup. A restored log may hand out a seq a client has already seen for another
//! entry; a client that sees a generation other than the one it stored re-reads every
//! channel from the start instead of trusting its old positions.

/// The HTTP response header that carries the generation on every page of log
/// entries (`GET /groups/{group_id}/messages`). The WebSocket `hello` frame carries
/// it as the field `log_generation`.
pub const LOG_GENERATION_HEADER: &str = "kizuna-log-generation";
