//! Randomness for the engine's own tests: a distinct deterministic stream per call,
//! so two devices made in one test get different keys.

use std::sync::atomic::{AtomicU64, Ordering};

use kizuna_crypto::testing::TestRandom;

static NEXT: AtomicU64 = AtomicU64::new(1);

/// Stands in for the clients' platform generators.
pub(crate) struct OsRandom;

impl OsRandom {
    /// A fresh stream; never fails (the signature matches the clients').
    pub(crate) fn checked() -> Result<TestRandom, std::convert::Infallible> {
        Ok(TestRandom::new(NEXT.fetch_add(1, Ordering::Relaxed)))
    }
}
