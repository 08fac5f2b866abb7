//! Attachment encryption: chunked AEAD, so memory stays flat whatever the file size.
//!
//! Every file gets its own random 32-byte [`AttachmentKey`]; the post that carries the
//! file holds the key and the SHA-256 of the plaintext ([`crate::AttachmentRef`]), so
//! sharing a post shares only its files, and the server stores nothing it can read.
//!
//! The format is the STREAM construction (Hoang, Reyhanitabar, Rogaway, Vizár 2015:
//! "Online Authenticated-Encryption and its Nonce-Reuse Misuse-Resistance"), as
//! implemented by `aead::stream::StreamBE32` over XChaCha20-Poly1305:
//!
//! ```text
//! header   = "KZATTCH" ‖ version (1) ‖ nonce prefix (19 random bytes)     27 bytes
//! chunk i  = XChaCha20-Poly1305(key, nonce = prefix ‖ i (u32 BE) ‖ last flag,
//!                               aad = header, 64 KiB of plaintext) ‖ tag  64 KiB + 16
//! ```
//!
//! Only the final chunk is sealed with the last flag set (an empty file is one empty
//! final chunk), so a reader detects a truncated file, a dropped, repeated or reordered
//! chunk, and bytes appended after the end: each changes some chunk's nonce and the tag
//! no longer verifies. The API is sans-I/O and incremental: the caller feeds bytes as
//! they come from disk or the network and sends on what comes out.
//!
//! ```
//! # use kizuna_crypto::attachment::*;
//! # use kizuna_crypto::Random;
//! # struct Os; impl Random for Os { fn fill(&mut self, b: &mut [u8]) { b.fill(7) } }
//! # let mut rng = Os;
//! let photo = b"\xFF\xD8\xFF\xE0 ... a JPEG ...".repeat(10_000);
//! let key = AttachmentKey::generate(&mut rng);
//!
//! // Sender: header, then whatever `push` returns, then what `finish` returns.
//! let mut sealer = AttachmentSealer::new(&key, &mut rng);
//! let mut upload = sealer.header().to_vec();
//! for piece in photo.chunks(1 << 20) {
//!     upload.extend(sealer.push(piece)?);
//! }
//! let (tail, sealed) = sealer.finish()?;
//! upload.extend(tail);
//! assert_eq!(sealed.ciphertext_len, ciphertext_len(photo.len() as u64)?);
//!
//! // Receiver: plaintext comes out as chunks verify; trust it only once `finish` is Ok.
//! let mut opener = AttachmentOpener::new(&key);
//! let mut file = Vec::new();
//! for piece in upload.chunks(1 << 20) {
//!     file.extend(opener.push(piece)?);
//! }
//! // The final chunk can only be told apart at the end: `finish` returns its plaintext.
//! file.extend(opener.finish(&sealed.sha256_of_plaintext, sealed.plaintext_len)?);
//! assert_eq!(file, photo);
//! # Ok::<(), AttachmentError>(())
//! ```

use std::fmt;

use chacha20poly1305::aead::stream::{NewStream, StreamBE32, StreamPrimitive};
use chacha20poly1305::aead::KeyInit;
use chacha20poly1305::XChaCha20Poly1305;
use sha2::{Digest, Sha256};
use zeroize::Zeroize;

use crate::random::Random;

/// Plaintext bytes per chunk. Memory use of sealing and opening is a small multiple
/// of this, independent of the file size.
pub const CHUNK_LEN: usize = 64 * 1024;
/// Bytes of the Poly1305 tag after each chunk.
pub const TAG_LEN: usize = 16;
/// Bytes of the header before the first chunk.
pub const HEADER_LEN: usize = MAGIC.len() + 1 + NONCE_PREFIX_LEN;
/// Version byte written by this code.
pub const FORMAT_VERSION: u8 = 1;
/// The largest plaintext the format can carry: the STREAM counter is 32 bits
/// (about 256 TiB; a limit for the format, not a policy).
pub const MAX_PLAINTEXT_LEN: u64 = u32::MAX as u64 * CHUNK_LEN as u64;

/// Format name: the first bytes of every sealed attachment.
const MAGIC: &[u8; 7] = b"KZATTCH";
/// XChaCha20's 24-byte nonce minus STREAM-BE32's 4-byte counter and 1-byte last flag.
const NONCE_PREFIX_LEN: usize = 19;
/// Bytes of one sealed chunk other than the last.
const SEALED_CHUNK_LEN: usize = CHUNK_LEN + TAG_LEN;

type Stream = StreamBE32<XChaCha20Poly1305>;

/// The random key of one attachment. Wiped on drop; `Debug` prints `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct AttachmentKey([u8; 32]);

impl AttachmentKey {
    /// A fresh random key; use a new one for every file.
    pub fn generate(rng: &mut dyn Random) -> Self {
        let mut key = [0u8; 32];
        rng.fill(&mut key);
        Self(key)
    }

    /// Rebuilds a key received in a post ([`crate::AttachmentRef::key`]).
    pub fn from_bytes(key: [u8; 32]) -> Self {
        Self(key)
    }

    /// The key bytes, to be put into the post's [`crate::AttachmentRef`] (which is
    /// itself encrypted under the era key). Nothing else should need them.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    fn stream(&self, nonce_prefix: &[u8; NONCE_PREFIX_LEN]) -> Stream {
        Stream::from_aead(XChaCha20Poly1305::new((&self.0).into()), nonce_prefix.into())
    }
}

impl Drop for AttachmentKey {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl fmt::Debug for AttachmentKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AttachmentKey(***)")
    }
}

/// Why an attachment could not be sealed or opened. Every variant of opening means
/// "do not show or save this file".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AttachmentError {
    /// The bytes do not start with an attachment header: not a Kizuna attachment, or
    /// the wrong file was fetched.
    #[error("this is not a Kizuna attachment: ask the sender to post it again")]
    NotAnAttachment,
    /// The header names a format version this code does not know.
    #[error("this attachment uses format version {0}, which this app does not know: update Kizuna")]
    UnsupportedVersion(u8),
    /// A chunk did not verify: bytes were changed, chunks dropped, repeated, reordered
    /// or appended, or the key is not this file's. (The cipher cannot tell these apart.)
    #[error("the file is damaged or was altered: ask the sender to post it again")]
    Damaged,
    /// The ciphertext ends early: every chunk received verified, but the final one
    /// never came (typically an interrupted download).
    #[error("the file is incomplete (the transfer was cut short): download it again")]
    Truncated,
    /// The file decrypted, but it is not the one the post describes (its SHA-256 or
    /// size differ).
    #[error("the file does not match the post that refers to it: ask the sender to post it again")]
    HashMismatch,
    /// Larger than the format allows or than the caller's limit.
    #[error("the file is too large (over {limit} bytes): choose a smaller file")]
    TooLarge {
        /// The limit in plaintext bytes.
        limit: u64,
    },
}

impl AttachmentError {
    /// A stable snake_case code, for logs and the client's error mapping.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotAnAttachment => "attachment_not_an_attachment",
            Self::UnsupportedVersion(_) => "attachment_unsupported_version",
            Self::Damaged => "attachment_damaged",
            Self::Truncated => "attachment_truncated",
            Self::HashMismatch => "attachment_hash_mismatch",
            Self::TooLarge { .. } => "attachment_too_large",
        }
    }

    /// The message in Japanese (the `Display` text is the English one).
    pub fn message_ja(&self) -> String {
        match self {
            Self::NotAnAttachment => {
                "Kizuna の添付ファイルではありません。送信者にもう一度投稿してもらってください。".into()
            }
            Self::UnsupportedVersion(v) => format!(
                "この添付ファイルは形式バージョン {v} で、このアプリでは開けません。Kizuna を更新してください。"
            ),
            Self::Damaged => {
                "ファイルが壊れているか、改ざんされています。送信者にもう一度投稿してもらってください。".into()
            }
            Self::Truncated => {
                "ファイルが途中までしか届いていません（転送が中断されました）。もう一度ダウンロードしてください。"
                    .into()
            }
            Self::HashMismatch => {
                "ファイルが投稿の内容と一致しません。送信者にもう一度投稿してもらってください。".into()
            }
            Self::TooLarge { limit } => {
                format!("ファイルが大きすぎます（上限 {limit} バイト）。小さいファイルを選んでください。")
            }
        }
    }
}

/// The size of the sealed form of a `plaintext_len`-byte file, header included: what an
/// upload declares as its Content-Length before sealing starts.
pub fn ciphertext_len(plaintext_len: u64) -> Result<u64, AttachmentError> {
    if plaintext_len > MAX_PLAINTEXT_LEN {
        return Err(AttachmentError::TooLarge {
            limit: MAX_PLAINTEXT_LEN,
        });
    }
    // An empty file is still one (empty, final) chunk.
    let chunks = plaintext_len.div_ceil(CHUNK_LEN as u64).max(1);
    Ok(HEADER_LEN as u64 + plaintext_len + chunks * TAG_LEN as u64)
}

/// What the sender puts into the post next to the key ([`crate::AttachmentRef`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sealed {
    /// SHA-256 of the plaintext; the receiver checks it after decrypting.
    pub sha256_of_plaintext: [u8; 32],
    /// Plaintext size in bytes.
    pub plaintext_len: u64,
    /// Sealed size in bytes, header included (= [`ciphertext_len`] of the plaintext).
    pub ciphertext_len: u64,
}

/// Encrypts one file incrementally.
///
/// The sealed file is [`header`](Self::header), then every output of
/// [`push`](Self::push) in order, then the output of [`finish`](Self::finish). At most
/// one chunk (64 KiB) of plaintext is held back between calls: the final chunk must be
/// sealed as final, so a full chunk waits until more input (or `finish`) shows whether
/// it was the last.
pub struct AttachmentSealer {
    stream: Stream,
    header: [u8; HEADER_LEN],
    position: u32,
    pending: Vec<u8>,
    hasher: Sha256,
    plaintext_len: u64,
}

impl AttachmentSealer {
    /// Starts sealing a file under `key`; `rng` supplies the nonce prefix.
    pub fn new(key: &AttachmentKey, rng: &mut dyn Random) -> Self {
        let mut prefix = [0u8; NONCE_PREFIX_LEN];
        rng.fill(&mut prefix);
        let mut header = [0u8; HEADER_LEN];
        header[..MAGIC.len()].copy_from_slice(MAGIC);
        header[MAGIC.len()] = FORMAT_VERSION;
        header[MAGIC.len() + 1..].copy_from_slice(&prefix);
        Self {
            stream: key.stream(&prefix),
            header,
            position: 0,
            pending: Vec::with_capacity(CHUNK_LEN),
            hasher: Sha256::new(),
            plaintext_len: 0,
        }
    }

    /// The first bytes of the sealed file; send them before anything `push` returns.
    pub fn header(&self) -> [u8; HEADER_LEN] {
        self.header
    }

    /// Feeds plaintext; returns the sealed chunks now complete (possibly none).
    ///
    /// Fails only past [`MAX_PLAINTEXT_LEN`].
    pub fn push(&mut self, mut plaintext: &[u8]) -> Result<Vec<u8>, AttachmentError> {
        let too_large = AttachmentError::TooLarge {
            limit: MAX_PLAINTEXT_LEN,
        };
        let total = u64::try_from(plaintext.len())
            .ok()
            .and_then(|len| self.plaintext_len.checked_add(len))
            .filter(|total| *total <= MAX_PLAINTEXT_LEN)
            .ok_or(too_large)?;
        self.hasher.update(plaintext);
        self.plaintext_len = total;

        // Chunks that can go out now: everything but the last full-or-partial chunk.
        let held = self.pending.len();
        let available = held + plaintext.len();
        let ready_chunks = available.saturating_sub(1) / CHUNK_LEN;
        let mut out = Vec::with_capacity(ready_chunks * SEALED_CHUNK_LEN);
        for _ in 0..ready_chunks {
            let take = CHUNK_LEN - self.pending.len();
            let (head, rest) = plaintext.split_at(take);
            self.pending.extend_from_slice(head);
            plaintext = rest;
            self.seal_pending(false, &mut out)?;
        }
        self.pending.extend_from_slice(plaintext);
        Ok(out)
    }

    /// Seals the final chunk; returns it with what the post needs to know.
    pub fn finish(mut self) -> Result<(Vec<u8>, Sealed), AttachmentError> {
        let mut out = Vec::with_capacity(self.pending.len() + TAG_LEN);
        self.seal_pending(true, &mut out)?;
        let sealed = Sealed {
            sha256_of_plaintext: self.hasher.finalize().into(),
            plaintext_len: self.plaintext_len,
            ciphertext_len: ciphertext_len(self.plaintext_len)?,
        };
        Ok((out, sealed))
    }

    /// Seals `pending` as chunk number `position`, appends it to `out`, and empties
    /// `pending` (keeping its allocation).
    fn seal_pending(&mut self, last: bool, out: &mut Vec<u8>) -> Result<(), AttachmentError> {
        let too_large = AttachmentError::TooLarge {
            limit: MAX_PLAINTEXT_LEN,
        };
        // The cipher fails only on absurd lengths; both are beyond the format's limit.
        self.stream
            .encrypt_in_place(self.position, last, &self.header, &mut self.pending)
            .map_err(|_| too_large.clone())?;
        out.extend_from_slice(&self.pending);
        self.pending.clear();
        if !last {
            self.position = self.position.checked_add(1).ok_or(too_large)?;
        }
        Ok(())
    }
}

impl fmt::Debug for AttachmentSealer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AttachmentSealer")
            .field("chunks_sealed", &self.position)
            .field("plaintext_len", &self.plaintext_len)
            .finish_non_exhaustive()
    }
}

/// Decrypts one file incrementally.
///
/// Each chunk's plaintext is returned as soon as it verifies, so it can be written out
/// without holding the file in memory; but only [`finish`](Self::finish) returning `Ok`
/// proves the file is complete and the one the post refers to. Until then, treat the
/// plaintext as provisional (e.g. write it to a temporary file). After an error every
/// later call returns the same error.
pub struct AttachmentOpener {
    key: AttachmentKey,
    state: OpenerState,
    /// Received bytes not yet decrypted: the header until it is complete, then at most
    /// one sealed chunk plus the current input.
    pending: Vec<u8>,
    scratch: Vec<u8>,
    hasher: Sha256,
    plaintext_len: u64,
    ciphertext_len: u64,
    limit: u64,
}

enum OpenerState {
    Header,
    Chunks {
        stream: Box<Stream>,
        header: [u8; HEADER_LEN],
        position: u32,
    },
    Failed(AttachmentError),
}

impl AttachmentOpener {
    /// Starts opening a file sealed under `key`.
    pub fn new(key: &AttachmentKey) -> Self {
        Self::with_limit(key, MAX_PLAINTEXT_LEN)
    }

    /// Like [`new`](Self::new), but refuses with [`AttachmentError::TooLarge`] as soon
    /// as the plaintext would exceed `max_plaintext_len`: pass the size the post states
    /// so a server sending endless bytes is cut off early.
    pub fn with_limit(key: &AttachmentKey, max_plaintext_len: u64) -> Self {
        Self {
            key: key.clone(),
            state: OpenerState::Header,
            pending: Vec::new(),
            scratch: Vec::with_capacity(SEALED_CHUNK_LEN),
            hasher: Sha256::new(),
            plaintext_len: 0,
            ciphertext_len: 0,
            limit: max_plaintext_len.min(MAX_PLAINTEXT_LEN),
        }
    }

    /// Feeds sealed bytes; returns the plaintext of the chunks that verified.
    pub fn push(&mut self, ciphertext: &[u8]) -> Result<Vec<u8>, AttachmentError> {
        if let OpenerState::Failed(error) = &self.state {
            return Err(error.clone());
        }
        let result = self.push_inner(ciphertext);
        if let Err(error) = &result {
            self.fail(error.clone());
        }
        result
    }

    /// Ends the file: verifies the final chunk, then that the plaintext has
    /// `expected_len` bytes and SHA-256 `expected_sha256` (both from the post).
    ///
    /// Returns the final chunk's plaintext (up to 64 KiB, possibly empty): it is held
    /// back until now because only the end of the input shows which chunk is the last.
    /// Append it to what `push` returned.
    pub fn finish(
        mut self,
        expected_sha256: &[u8; 32],
        expected_len: u64,
    ) -> Result<Vec<u8>, AttachmentError> {
        if let OpenerState::Failed(error) = &self.state {
            return Err(error.clone());
        }
        // Fewer bytes than the post's size implies: a cut-off transfer. Checked first
        // because a cut inside a chunk would otherwise look like damage.
        if ciphertext_len(expected_len).is_ok_and(|expected| self.ciphertext_len < expected) {
            return Err(AttachmentError::Truncated);
        }
        let tail = self.finish_inner()?;
        if self.plaintext_len != expected_len {
            return Err(AttachmentError::HashMismatch);
        }
        self.check_hash(expected_sha256)?;
        Ok(tail)
    }

    fn check_hash(&mut self, expected_sha256: &[u8; 32]) -> Result<(), AttachmentError> {
        let actual: [u8; 32] = std::mem::take(&mut self.hasher).finalize().into();
        // Not a secret comparison: the hash is of plaintext the caller now holds.
        if actual != *expected_sha256 {
            return Err(AttachmentError::HashMismatch);
        }
        Ok(())
    }

    fn fail(&mut self, error: AttachmentError) {
        self.state = OpenerState::Failed(error);
        self.pending = Vec::new();
    }

    fn push_inner(&mut self, ciphertext: &[u8]) -> Result<Vec<u8>, AttachmentError> {
        self.ciphertext_len = self.ciphertext_len.saturating_add(ciphertext.len() as u64);
        let over = ciphertext_len(self.limit).map_or(true, |max| self.ciphertext_len > max);
        if over {
            return Err(AttachmentError::TooLarge { limit: self.limit });
        }
        self.pending.extend_from_slice(ciphertext);
        self.read_header()?;
        let OpenerState::Chunks {
            stream,
            header,
            position,
        } = &mut self.state
        else {
            return Ok(Vec::new());
        };

        // A full-size chunk may be the final one: decrypt it only once bytes beyond
        // it show that it is not.
        let ready = self.pending.len().saturating_sub(1) / SEALED_CHUNK_LEN;
        let mut out = Vec::with_capacity(ready * CHUNK_LEN);
        for sealed in self.pending.chunks_exact(SEALED_CHUNK_LEN).take(ready) {
            self.scratch.clear();
            self.scratch.extend_from_slice(sealed);
            stream
                .decrypt_in_place(*position, false, header, &mut self.scratch)
                .map_err(|_| AttachmentError::Damaged)?;
            *position = position.checked_add(1).ok_or(AttachmentError::TooLarge {
                limit: MAX_PLAINTEXT_LEN,
            })?;
            out.extend_from_slice(&self.scratch);
        }
        self.pending.drain(..ready * SEALED_CHUNK_LEN);
        self.take_plaintext(&out)?;
        Ok(out)
    }

    /// Parses the header once enough bytes are in; refuses a wrong magic as early as
    /// the bytes seen contradict it.
    fn read_header(&mut self) -> Result<(), AttachmentError> {
        if !matches!(self.state, OpenerState::Header) {
            return Ok(());
        }
        let seen = self.pending.len().min(MAGIC.len());
        if self.pending[..seen] != MAGIC[..seen] {
            return Err(AttachmentError::NotAnAttachment);
        }
        if self.pending.len() <= MAGIC.len() {
            return Ok(());
        }
        let version = self.pending[MAGIC.len()];
        if version != FORMAT_VERSION {
            return Err(AttachmentError::UnsupportedVersion(version));
        }
        if self.pending.len() < HEADER_LEN {
            return Ok(());
        }
        let mut header = [0u8; HEADER_LEN];
        header.copy_from_slice(&self.pending[..HEADER_LEN]);
        let mut prefix = [0u8; NONCE_PREFIX_LEN];
        prefix.copy_from_slice(&header[MAGIC.len() + 1..]);
        self.pending.drain(..HEADER_LEN);
        self.state = OpenerState::Chunks {
            stream: Box::new(self.key.stream(&prefix)),
            header,
            position: 0,
        };
        Ok(())
    }

    /// Counts and hashes verified plaintext, enforcing the limit.
    fn take_plaintext(&mut self, plaintext: &[u8]) -> Result<(), AttachmentError> {
        self.plaintext_len += plaintext.len() as u64;
        if self.plaintext_len > self.limit {
            return Err(AttachmentError::TooLarge { limit: self.limit });
        }
        self.hasher.update(plaintext);
        Ok(())
    }

    /// Decrypts what is left as the final chunk.
    fn finish_inner(&mut self) -> Result<Vec<u8>, AttachmentError> {
        let state = std::mem::replace(&mut self.state, OpenerState::Header);
        let (stream, header, position) = match state {
            OpenerState::Failed(error) => return Err(error),
            // Not even a whole header arrived.
            OpenerState::Header => return Err(AttachmentError::Truncated),
            OpenerState::Chunks {
                stream,
                header,
                position,
            } => (stream, header, position),
        };
        if self.pending.len() < TAG_LEN {
            // Cut off before or inside the final chunk's tag.
            return Err(AttachmentError::Truncated);
        }
        let mut last = std::mem::take(&mut self.pending);
        let sealed = last.clone();
        if stream
            .decrypt_in_place(position, true, &header, &mut last)
            .is_ok()
        {
            self.take_plaintext(&last)?;
            return Ok(last);
        }
        // A chunk that verifies as *not* final means the file was cut at a chunk
        // boundary; anything else is damage.
        let mut probe = sealed;
        if stream
            .decrypt_in_place(position, false, &header, &mut probe)
            .is_ok()
        {
            return Err(AttachmentError::Truncated);
        }
        Err(AttachmentError::Damaged)
    }
}

impl fmt::Debug for AttachmentOpener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AttachmentOpener")
            .field("plaintext_len", &self.plaintext_len)
            .field("ciphertext_len", &self.ciphertext_len)
            .finish_non_exhaustive()
    }
}

/// A whole file sealed in one call by [`seal_all`].
#[derive(Debug)]
pub struct SealedAttachment {
    /// The file's fresh key, for the post's [`crate::AttachmentRef`].
    pub key: AttachmentKey,
    /// The complete sealed file, header included: what is uploaded.
    pub ciphertext: Vec<u8>,
    /// Hash and sizes, for the post.
    pub sealed: Sealed,
}

/// Seals a file held in memory under a fresh key (e.g. a prepared photo).
pub fn seal_all(plaintext: &[u8], rng: &mut dyn Random) -> Result<SealedAttachment, AttachmentError> {
    let key = AttachmentKey::generate(rng);
    let mut sealer = AttachmentSealer::new(&key, rng);
    let capacity = ciphertext_len(plaintext.len() as u64)?;
    let mut ciphertext = Vec::with_capacity(usize::try_from(capacity).unwrap_or(0));
    ciphertext.extend_from_slice(&sealer.header());
    ciphertext.extend(sealer.push(plaintext)?);
    let (tail, sealed) = sealer.finish()?;
    ciphertext.extend(tail);
    Ok(SealedAttachment {
        key,
        ciphertext,
        sealed,
    })
}

/// Opens a sealed file held in memory and checks it against the post's SHA-256.
pub fn open_all(
    ciphertext: &[u8],
    key: &AttachmentKey,
    expected_sha256: &[u8; 32],
) -> Result<Vec<u8>, AttachmentError> {
    let mut opener = AttachmentOpener::new(key);
    let mut plaintext = opener.push(ciphertext)?;
    plaintext.extend(opener.finish_inner()?);
    opener.check_hash(expected_sha256)?;
    Ok(plaintext)
}

#[cfg(test)]
#[path = "attachment_tests.rs"]
mod tests;
