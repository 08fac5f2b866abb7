//! Randomness for the crypto core: the operating system's generator through `rand`'s
//! thread-local CSPRNG (ChaCha, seeded and periodically reseeded from the OS).

use rand::RngCore;

/// [`kizuna_crypto::Random`] backed by `rand::rng()`.
#[derive(Debug, Default, Clone, Copy)]
pub struct OsRandom;

impl kizuna_crypto::Random for OsRandom {
    fn fill(&mut self, buf: &mut [u8]) {
        rand::rng().fill_bytes(buf);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kizuna_crypto::Random;

    #[test]
    fn two_draws_differ() {
        let (mut a, mut b) = ([0u8; 32], [0u8; 32]);
        OsRandom.fill(&mut a);
        OsRandom.fill(&mut b);
        assert_ne!(a, b);
        assert_ne!(a, [0u8; 32]);
    }
}
