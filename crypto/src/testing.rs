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

/// A PNG that declares `width`×`height` 8-bit RGB pixels in a valid header and then
/// has an empty data chunk: what a decompression bomb looks like to a decoder before
/// it allocates. The photo pipeline must refuse it from the header alone.
pub fn png_header_only(width: u32, height: u32) -> Vec<u8> {
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    let mut png = b"\x89PNG\r\n\x1A\n".to_vec();
    png.extend_from_slice(&13u32.to_be_bytes());
    png.extend_from_slice(&ihdr);
    png.extend_from_slice(&png_crc32(&ihdr).to_be_bytes());
    png.extend_from_slice(&0u32.to_be_bytes());
    png.extend_from_slice(b"IDAT");
    png.extend_from_slice(&png_crc32(b"IDAT").to_be_bytes());
    png
}

/// The CRC-32 PNG chunks carry (ISO 3309, reflected, polynomial 0xEDB88320).
pub fn png_crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
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
