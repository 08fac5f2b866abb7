//! Padding of a post's plaintext to a size bucket, so its ciphertext tells the server
//! (and anyone who copies the database) how big the post is only roughly.
//!
//! Without it, a note's ciphertext is exactly its text length plus a constant, and the
//! server learns every note's length: enough to tell "熱なし" from a long report of a
//! fall. With it, the ciphertext length is one of a few bucket sizes:
//!
//! * **1 KiB at least.** The encoded envelope of a note is ~140 bytes plus its text,
//!   and Japanese takes 3 bytes a character, so one bucket holds every note up to
//!   ~290 Japanese (~880 ASCII) characters: nearly all day-to-day notes, vital signs
//!   and handovers look the same.
//! * **Powers of two up to 64 KiB**, then **multiples of 64 KiB**. Doubling leaks
//!   only the order of magnitude of longer posts and costs at most twice the size
//!   (posts are small; photos travel as attachments). Above 64 KiB a doubling would
//!   waste up to half a megabyte for little gain, so the steps become linear (at most
//!   12.5 % overhead at the largest envelope).
//!
//! Scheme (ISO/IEC 7816-4): the plaintext, one `0x80` byte, then zero bytes up to the
//! bucket size. Padding sits inside the AEAD, so it is authenticated; on opening it is
//! removed strictly: the padded length must be exactly a bucket size and everything
//! after the last `0x80` must be zero, else the post is refused (a sender that pads
//! differently, or a buggy one, is noticed rather than tolerated).

use crate::envelope::MAX_ENVELOPE_BYTES;

/// The smallest bucket.
pub const MIN_BUCKET: usize = 1024;
/// Buckets double up to this size, then grow by it.
pub const LINEAR_STEP: usize = 64 * 1024;
/// The largest padded plaintext: the bucket of the largest envelope plus its marker.
pub const MAX_PADDED: usize = bucket(MAX_ENVELOPE_BYTES + 1);

const MARKER: u8 = 0x80;

/// The bucket a padded plaintext of at least `len` bytes (marker included) fills.
pub const fn bucket(len: usize) -> usize {
    if len <= MIN_BUCKET {
        return MIN_BUCKET;
    }
    if len <= LINEAR_STEP {
        return len.next_power_of_two();
    }
    len.div_ceil(LINEAR_STEP) * LINEAR_STEP
}

/// `plaintext`, the marker and zeros up to its bucket.
pub fn pad(plaintext: &[u8]) -> Vec<u8> {
    let size = bucket(plaintext.len() + 1);
    let mut padded = Vec::with_capacity(size);
    padded.extend_from_slice(plaintext);
    padded.push(MARKER);
    padded.resize(size, 0);
    padded
}

/// Why padding was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PaddingError {
    /// The padded length is not a bucket size.
    #[error("padded length {0} is not a bucket size")]
    NotABucket(usize),
    /// No marker, or a non-zero byte after it.
    #[error("malformed padding")]
    Malformed,
}

/// The plaintext inside `padded`, checked strictly (see the module documentation).
pub fn unpad(padded: &[u8]) -> Result<&[u8], PaddingError> {
    if padded.len() != bucket(padded.len()) {
        return Err(PaddingError::NotABucket(padded.len()));
    }
    let end = padded
        .iter()
        .rposition(|b| *b != 0)
        .ok_or(PaddingError::Malformed)?;
    if padded[end] != MARKER {
        return Err(PaddingError::Malformed);
    }
    Ok(&padded[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_double_from_one_kib_then_step_by_64_kib() {
        assert_eq!(bucket(0), 1024);
        assert_eq!(bucket(1024), 1024);
        assert_eq!(bucket(1025), 2048);
        assert_eq!(bucket(40_000), 65_536);
        assert_eq!(bucket(65_536), 65_536);
        assert_eq!(bucket(65_537), 131_072);
        assert_eq!(bucket(131_073), 196_608);
        assert_eq!(MAX_PADDED, 9 * 65_536);
    }

    #[test]
    fn padding_round_trips_and_is_removed_strictly() {
        for len in [0, 1, 1023, 1024, 5000, 65_535, 65_536, 200_000] {
            let plaintext: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
            let padded = pad(&plaintext);
            assert_eq!(padded.len(), bucket(len + 1));
            assert_eq!(unpad(&padded).unwrap(), plaintext.as_slice());
        }
        // A plaintext ending in zeros keeps them: the marker says where it ends.
        assert_eq!(unpad(&pad(b"ab\0\0")).unwrap(), b"ab\0\0");
        let mut padded = pad(b"{}");
        padded[1000] = 1;
        assert_eq!(unpad(&padded), Err(PaddingError::Malformed));
        assert_eq!(unpad(&[0; 1024]), Err(PaddingError::Malformed));
        assert_eq!(unpad(&pad(b"{}")[..1000]), Err(PaddingError::NotABucket(1000)));
        let mut wrong_marker = pad(b"{}");
        wrong_marker[2] = 0x81;
        assert_eq!(unpad(&wrong_marker), Err(PaddingError::Malformed));
    }
}
