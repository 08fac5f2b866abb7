//! Test helpers: a deterministic [`Random`], so tests and other crates' fixtures get
//! the same keys, nonces and ciphertexts on every run.
//!
//! Compiled for this crate's own tests and, for other crates, behind the `testing`
//! feature. Never use it for real keys: anyone who knows the seed knows every byte.

use sha2::{Digest, Sha256};

use crate::random::Random;

/// A deterministic byte stream: SHA-256 of (domain, seed, block counter), concatenated.
///
/// Not a CSPRNG anyone should rely on, but unpredictable enough that tests do not
/// accidentally pass because of structure in the "random" bytes (e.g. all zeros).
#[derive(Debug, Clone)]
pub struct TestRandom {
    seed: u64,
    counter: u64,
    block: [u8; 32],
    used: usize,
}

impl TestRandom {
    /// A stream determined entirely by `seed`.
    pub fn new(seed: u64) -> Self {
        Self {
            seed,
            counter: 0,
            block: [0; 32],
            used: 32,
        }
    }

    fn refill(&mut self) {
        let mut hasher = Sha256::new();
        hasher.update(b"kizuna/test-random");
        hasher.update(self.seed.to_be_bytes());
        hasher.update(self.counter.to_be_bytes());
        self.block = hasher.finalize().into();
        self.counter = self.counter.wrapping_add(1);
        self.used = 0;
    }
}

impl Random for TestRandom {
    fn fill(&mut self, buf: &mut [u8]) {
        for byte in buf {
            if self.used == self.block.len() {
                self.refill();
            }
            *byte = self.block[self.used];
            self.used += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_bytes_different_seed_different_bytes() {
        let (mut a, mut b, mut c) = (TestRandom::new(7), TestRandom::new(7), TestRandom::new(8));
        let (mut x, mut y, mut z) = ([0u8; 100], [0u8; 100], [0u8; 100]);
        a.fill(&mut x);
        b.fill(&mut y);
        c.fill(&mut z);
        assert_eq!(x, y);
        assert_ne!(x, z);
        assert_ne!(x, [0u8; 100]);
    }
}
