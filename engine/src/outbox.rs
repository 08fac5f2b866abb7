//! The send-retry rule both clients follow for what they append to a log (posts,
//! era keys, commits). A client sends with an idempotency key, so sending the very
//! same request again is always safe; this decides when it is worth it.
//!
//! * A network failure (no answer; a browser's status 0) or a gateway's 502, 503 or
//!   504 is retried at once, up to [`MAX_SEND_ATTEMPTS`] attempts in all, waiting
//!   [`QUICK_BACKOFF_MS`] × the attempt number before each. After that it waits
//!   [`ROUND_MS`]: a client with a queue (the browser's outbox) tries again then; a
//!   client without one (the native client) reports the error to its caller.
//! * `409 duplicate_post`: the log already holds a post with this post ID, i.e. an
//!   earlier attempt of this very post was stored. Done.
//! * `409 wrong_epoch`: another member's commit won the epoch; catch up and seal
//!   again ([`MAX_RESYNCS`] times in a row, then wait a round).
//! * 429, other 5xx and other 409s: the server is busy or the channel is changing;
//!   a queued post waits a round (the native client reports the error at once).
//! * Anything else (4xx): the request itself is refused; sending it again cannot
//!   help. Fail, and show the server's words.

use serde::Serialize;

/// Attempts of one request before a client without a queue gives up.
pub const MAX_SEND_ATTEMPTS: u32 = 3;
/// The wait before quick retry `n` is `n` × this.
pub const QUICK_BACKOFF_MS: u64 = 200;
/// How long a queued post waits when no quick retry applies (the outbox's round).
pub const ROUND_MS: u64 = 10_000;
/// Catching up and sealing again this often in a row, then waiting a round.
pub const MAX_RESYNCS: u32 = 6;

/// What to do after a failed send.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "OutboxAction"))]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Send the same request again after `delay_ms`.
    Retry,
    /// Catch up with the channel, seal again, then send.
    Resync,
    /// It is stored already: nothing more to send.
    Done,
    /// It will not go through: show the error.
    Fail,
}

/// The decision, as the browser's outbox reads it: `{action, delay_ms?}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "OutboxDecision"))]
pub struct Decision {
    /// What to do.
    pub action: Action,
    /// For [`Action::Retry`]: how long to wait first, in milliseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub delay_ms: Option<u64>,
}

impl Decision {
    const fn of(action: Action) -> Self {
        Self {
            action,
            delay_ms: None,
        }
    }

    const fn retry(delay_ms: u64) -> Self {
        Self {
            action: Action::Retry,
            delay_ms: Some(delay_ms),
        }
    }

    /// Whether to send again now, after a short wait (what a client without a queue
    /// does; it reports the error otherwise).
    pub fn retry_now(&self) -> bool {
        self.action == Action::Retry && self.delay_ms.is_some_and(|d| d < ROUND_MS)
    }
}

/// The rule. `status`: the HTTP status, `None` (or 0) when no answer came; `code`:
/// the server's error code, if it gave one; `attempt`: the failures of this request
/// so far, this one included (1 for the first).
pub fn decide(status: Option<u16>, code: Option<&str>, attempt: u32) -> Decision {
    match code {
        Some("duplicate_post") => return Decision::of(Action::Done),
        Some("wrong_epoch") if attempt <= MAX_RESYNCS => return Decision::of(Action::Resync),
        Some("wrong_epoch") => return Decision::retry(ROUND_MS),
        _ => {}
    }
    match status.filter(|s| *s != 0) {
        None | Some(502..=504) if attempt < MAX_SEND_ATTEMPTS => {
            Decision::retry(QUICK_BACKOFF_MS * u64::from(attempt))
        }
        None | Some(409 | 429 | 500..=599) => Decision::retry(ROUND_MS),
        Some(_) => Decision::of(Action::Fail),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn network_and_gateway_failures_are_retried_quickly_three_times_in_all() {
        for status in [None, Some(0), Some(502), Some(503), Some(504)] {
            assert_eq!(decide(status, None, 1), Decision::retry(200));
            assert_eq!(decide(status, None, 2), Decision::retry(400));
            assert!(decide(status, None, 2).retry_now());
            let third = decide(status, None, 3);
            assert_eq!(third, Decision::retry(ROUND_MS), "then a round");
            assert!(!third.retry_now(), "a client without a queue gives up");
        }
    }

    #[test]
    fn a_stored_post_is_done_an_old_epoch_resyncs_and_refusals_fail() {
        assert_eq!(decide(Some(409), Some("duplicate_post"), 2).action, Action::Done);
        assert_eq!(decide(Some(409), Some("wrong_epoch"), 1).action, Action::Resync);
        assert_eq!(
            decide(Some(409), Some("wrong_epoch"), 7),
            Decision::retry(ROUND_MS)
        );
        for status in [429, 500, 409] {
            let d = decide(Some(status), Some("busy"), 1);
            assert_eq!(d, Decision::retry(ROUND_MS));
            assert!(!d.retry_now());
        }
        for status in [400, 401, 403, 404, 413, 422] {
            assert_eq!(decide(Some(status), Some("invalid"), 1).action, Action::Fail);
        }
    }

    #[test]
    fn decisions_serialise_as_the_outbox_reads_them() {
        let json = |d: Decision| serde_json::to_string(&d).unwrap();
        assert_eq!(json(Decision::retry(200)), r#"{"action":"retry","delay_ms":200}"#);
        assert_eq!(json(Decision::of(Action::Done)), r#"{"action":"done"}"#);
    }
}
