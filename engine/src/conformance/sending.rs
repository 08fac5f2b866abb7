//! Scenarios of failed sends (the rule in `outbox.rs`): what follows each kind of
//! failure, for posts, era keys and commits alike.

use super::outcome::{Outcome, Send};
use super::scenarios::{Failure, Reader, Scenario, Script, Step};
use crate::error::EngineError;
use crate::outbox::{QUICK_BACKOFF_MS, ROUND_MS};

pub(super) fn scenarios() -> Vec<Scenario> {
    vec![Scenario {
        name: "failed sends: retried, resynced, done or failed by the answer",
        build: failed_sends,
    }]
}

fn step(status: Option<u16>, code: Option<&'static str>, attempt: u32, then: Send) -> Step {
    Step::Send {
        failure: Failure {
            status,
            code,
            attempt,
        },
        expect: vec![Outcome::Send(then)],
    }
}

fn failed_sends(_reader: &Reader, _key_package: &str) -> Result<Script, EngineError> {
    let quick = |attempt: u64| Send::Retry {
        delay_ms: QUICK_BACKOFF_MS * attempt,
    };
    let round = Send::Retry { delay_ms: ROUND_MS };
    Ok(Script {
        welcome: None,
        steps: vec![
            // Another member's commit won the epoch: catch up and seal again, then,
            // after six resyncs in a row, wait a round.
            step(Some(409), Some("wrong_epoch"), 1, Send::Resync),
            step(Some(409), Some("wrong_epoch"), 6, Send::Resync),
            step(Some(409), Some("wrong_epoch"), 7, round),
            // An earlier attempt of this very post was stored.
            step(Some(409), Some("duplicate_post"), 2, Send::Done),
            // Busy, or broken for now: a round.
            step(Some(429), Some("rate_limited"), 1, round),
            step(Some(500), Some("internal"), 1, round),
            step(Some(409), Some("channel_busy"), 1, round),
            // No answer, or a gateway's: quick retries, then a round.
            step(None, None, 1, quick(1)),
            step(None, None, 2, quick(2)),
            step(None, None, 3, round),
            step(Some(503), None, 1, quick(1)),
            step(Some(502), None, 2, quick(2)),
            step(Some(504), None, 3, round),
            // Refused as such: sending it again cannot help.
            step(Some(400), Some("invalid_input"), 1, Send::Fail),
            step(Some(403), Some("forbidden"), 1, Send::Fail),
            step(Some(413), Some("too_large"), 1, Send::Fail),
        ],
    })
}
