//! Randomness as a parameter.
//!
//! The core never reaches for an RNG on its own: the caller passes one in. Native
//! clients and the browser implement [`Random`] with the operating system's generator;
//! tests pass a deterministic one (see `testing`), so every output of the core can be
//! reproduced byte for byte. Keeping the trait this small also keeps `getrandom` and
//! the `rand` version churn out of the core's dependency tree.

/// A source of cryptographically secure random bytes.
///
/// Implementations used outside tests must be a CSPRNG seeded by the operating system:
/// era keys, signing keys and nonces are drawn from it.
pub trait Random {
    /// Fills `buf` entirely with random bytes.
    fn fill(&mut self, buf: &mut [u8]);
}

impl<R: Random + ?Sized> Random for &mut R {
    fn fill(&mut self, buf: &mut [u8]) {
        (**self).fill(buf);
    }
}
