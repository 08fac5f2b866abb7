//! Sealing and opening posts.
//!
//! A post travels as a [`SealedPost`]: a cleartext [`PostHeader`] (the metadata the
//! server needs to route and store it), the [`PostEnvelope`] encrypted under the
//! channel's current era key with XChaCha20-Poly1305, and the author device's Ed25519
//! signature over all of it.
//!
//! * The header is the AEAD's associated data, so a ciphertext cannot be moved to
//!   another room, channel, era, post ID, author or time without failing to decrypt.
//! * The signature covers header, nonce and ciphertext, so only the author's device
//!   could have produced the post; members who hold the era key cannot forge posts in
//!   someone else's name, and the server cannot alter anything.
//! * Receivers check the signature *before* decrypting, so forged input never reaches
//!   the AEAD or the JSON parser.
//! * Nonces are 24 random bytes (XChaCha), safe to draw at random for any number of
//!   posts under one key, so no nonce counter needs to be kept in sync across devices.
//! * The plaintext is padded to a size bucket before encryption ([`padding`]), so the
//!   ciphertext length says little about the post's length.
//!
//! # Versions
//!
//! The first byte of the encoding is the format version, bound into the associated
//! data and the signature (a post cannot be passed off as the other version):
//!
//! * **2** (written by this code): padded plaintext.
//! * **1** (read only, posts stored before padding): unpadded plaintext.

use kizuna_proto::{Channel, DeviceId, PostId, RoomId, Timestamp, UserId};
use zeroize::Zeroizing;

use crate::envelope::{EnvelopeError, PostEnvelope, MAX_ENVELOPE_BYTES};
use crate::era::{EraId, EraKey, EraKeyring};
use crate::post::padding::MAX_PADDED;
use crate::random::Random;
use crate::signing::{DeviceSigningKey, DeviceVerifyingKey};
use crate::wire::{self, DecodeError, Reader, HEADER_LEN};

#[path = "post_padding.rs"]
pub mod padding;

/// First byte of a sealed post's encoding, as written by this code (padded plaintext).
pub const WIRE_VERSION: u8 = 2;
/// The version of posts sealed before padding: still read, never written.
pub const UNPADDED_WIRE_VERSION: u8 = 1;
/// Prefixes of the associated data per version: they name the protocol and version,
/// so these bytes can never be mistaken for another message type's or version's.
const AD_CONTEXT_V1: &[u8] = b"kizuna/post/v1/ad";
const AD_CONTEXT_V2: &[u8] = b"kizuna/post/v2/ad";
/// Prefixes of the signed message, distinct from the AD prefixes so a post signature
/// can never be replayed as a signature over anything else the device key signs (MLS
/// uses its own labels).
const SIGNATURE_CONTEXT_V1: &[u8] = b"kizuna/post/v1/signature";
const SIGNATURE_CONTEXT_V2: &[u8] = b"kizuna/post/v2/signature";
/// Poly1305 tag length: every ciphertext is at least this long.
const TAG_LEN: usize = 16;
/// Longest ciphertext a valid post can have (the largest bucket).
pub const MAX_CIPHERTEXT_BYTES: usize = MAX_PADDED + TAG_LEN;

/// Who posted what, where and when. Sent in clear: the server needs it to route,
/// order and authorise posts. Bound to the ciphertext and the signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PostHeader {
    /// The room the post belongs to.
    pub room: RoomId,
    /// The channel inside the room.
    pub channel: Channel,
    /// The era whose key encrypts the post.
    pub era: EraId,
    /// The post's ID, chosen by the author's client.
    pub post: PostId,
    /// The author.
    pub author_user: UserId,
    /// The author's device, whose key signs the post.
    pub author_device: DeviceId,
    /// When the author's device sent it.
    pub sent_at: Timestamp,
}

impl PostHeader {
    /// The AEAD associated data of a post of format `version`: context prefix and
    /// canonical header.
    fn associated_data(&self, version: u8) -> Vec<u8> {
        let context = if version == UNPADDED_WIRE_VERSION {
            AD_CONTEXT_V1
        } else {
            AD_CONTEXT_V2
        };
        let mut ad = Vec::with_capacity(context.len() + HEADER_LEN);
        ad.extend_from_slice(context);
        wire::encode_header(self, &mut ad);
        ad
    }
}

/// A post as it travels and is stored: header, nonce, ciphertext and signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedPost {
    /// The format version ([`WIRE_VERSION`], or [`UNPADDED_WIRE_VERSION`] for a post
    /// stored before padding), authenticated with the header.
    pub version: u8,
    /// Cleartext metadata, authenticated by the AEAD and the signature.
    pub header: PostHeader,
    /// The XChaCha20-Poly1305 nonce.
    pub nonce: [u8; 24],
    /// The encrypted [`PostEnvelope`], tag included.
    pub ciphertext: Vec<u8>,
    /// The author device's Ed25519 signature over a context prefix, the header, the
    /// nonce and the ciphertext.
    pub signature: [u8; 64],
}

impl SealedPost {
    /// The wire encoding: version byte, header, nonce, signature, ciphertext length
    /// (u32, big-endian) and ciphertext.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(1 + HEADER_LEN + 24 + 64 + 4 + self.ciphertext.len());
        out.push(self.version);
        wire::encode_header(&self.header, &mut out);
        out.extend_from_slice(&self.nonce);
        out.extend_from_slice(&self.signature);
        // Ciphertexts are capped far below 4 GiB, so the length always fits; saturating
        // keeps this function total anyway (the result would then fail to decode).
        let len = u32::try_from(self.ciphertext.len()).unwrap_or(u32::MAX);
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(&self.ciphertext);
        out
    }

    /// Parses the wire encoding. Strict: unknown versions, truncation, oversized or
    /// undersized ciphertexts and trailing bytes are all errors. Checks only the
    /// shape; [`open`] checks the cryptography.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut reader = Reader::new(bytes);
        let [version] = reader.array::<1>()?;
        if version != WIRE_VERSION && version != UNPADDED_WIRE_VERSION {
            return Err(DecodeError::UnsupportedVersion(version));
        }
        let header = wire::decode_header(&mut reader)?;
        let nonce = reader.array()?;
        let signature = reader.array()?;
        let len = usize::try_from(u32::from_be_bytes(reader.array()?)).unwrap_or(usize::MAX);
        if len > MAX_CIPHERTEXT_BYTES {
            return Err(DecodeError::TooLarge {
                len,
                max: MAX_CIPHERTEXT_BYTES,
            });
        }
        if len < TAG_LEN {
            return Err(DecodeError::TooShort);
        }
        let ciphertext = reader.take(len)?.to_vec();
        reader.finish()?;
        Ok(Self {
            version,
            header,
            nonce,
            ciphertext,
            signature,
        })
    }

    /// What the author signs: context prefix, associated data, nonce, ciphertext. All
    /// but the ciphertext are fixed-length, so the concatenation is unambiguous.
    fn signed_message(version: u8, header: &PostHeader, nonce: &[u8; 24], ciphertext: &[u8]) -> Vec<u8> {
        let context = if version == UNPADDED_WIRE_VERSION {
            SIGNATURE_CONTEXT_V1
        } else {
            SIGNATURE_CONTEXT_V2
        };
        let ad = header.associated_data(version);
        let mut message = Vec::with_capacity(context.len() + ad.len() + 24 + ciphertext.len());
        message.extend_from_slice(context);
        message.extend_from_slice(&ad);
        message.extend_from_slice(nonce);
        message.extend_from_slice(ciphertext);
        message
    }
}

/// Where the receiver expects the post to belong: the room and channel it fetched or
/// was pushed the post for. A post that says otherwise is refused, so the server
/// cannot move posts between rooms or from the team channel to the family channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expected {
    /// The room being read.
    pub room: RoomId,
    /// The channel being read.
    pub channel: Channel,
}

/// A post that passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenedPost {
    /// The authenticated header.
    pub header: PostHeader,
    /// The decrypted, validated content.
    pub envelope: PostEnvelope,
}

/// Why a post could not be sealed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    /// The header names a different era from the key given; the post would be
    /// unreadable for everyone.
    #[error("header names era {header} but the key is for era {key}")]
    EraMismatch {
        /// Era in the header.
        header: EraId,
        /// Era of the key.
        key: EraId,
    },
    /// The envelope is not one receivers would accept (version, limits, references).
    #[error(transparent)]
    Envelope(#[from] EnvelopeError),
    /// A failure that indicates a bug in this library, not bad input.
    #[error("internal error: {0}")]
    Internal(&'static str),
}

/// Why a received post was refused. Every variant means "do not show this post".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OpenError {
    /// The post belongs to another room than the one being read.
    #[error("post belongs to room {found}, expected {expected}")]
    WrongRoom {
        /// The room being read.
        expected: RoomId,
        /// The room the header names.
        found: RoomId,
    },
    /// The post belongs to another channel of the room (e.g. team vs family).
    #[error("post belongs to the {found} channel, expected {expected}")]
    WrongChannel {
        /// The channel being read.
        expected: Channel,
        /// The channel the header names.
        found: Channel,
    },
    /// This device does not hold the key of the post's era (not yet received, or the
    /// member joined after it and policy withholds it).
    #[error("no key for era {0}")]
    UnknownEra(EraId),
    /// The signature does not verify against the author device's key: forged,
    /// altered in transit, or attributed to the wrong device.
    #[error("bad signature")]
    BadSignature,
    /// The signature is valid but decryption failed: the author sealed it under a
    /// different key than the era's (a buggy or malicious author).
    #[error("decryption failed")]
    DecryptFailed,
    /// The signature and decryption are fine but the padding is not (the author's
    /// client padded wrongly or was made to): refused rather than guessed at.
    #[error("bad padding: {0}")]
    BadPadding(#[from] padding::PaddingError),
    /// The ciphertext is longer than any valid post.
    #[error("ciphertext too large: {len} > {max}")]
    TooLarge {
        /// Its length.
        len: usize,
        /// Largest allowed.
        max: usize,
    },
    /// The decrypted envelope is invalid (unsupported version, over limits, bad JSON).
    #[error(transparent)]
    Envelope(#[from] EnvelopeError),
}

/// Encrypts and signs `envelope` as the post described by `header`.
///
/// `era_key` must be the channel's current era key and `header.era` its ID; `signer`
/// is the author device's key; `rng` supplies the nonce.
pub fn seal(
    header: PostHeader,
    envelope: &PostEnvelope,
    era_key: &EraKey,
    signer: &DeviceSigningKey,
    rng: &mut dyn Random,
) -> Result<SealedPost, SealError> {
    if header.era != era_key.id() {
        return Err(SealError::EraMismatch {
            header: header.era,
            key: era_key.id(),
        });
    }
    // Refuse to send what receivers would refuse to show.
    envelope.validate(header.post)?;
    let plaintext = Zeroizing::new(envelope.to_json()?);
    if plaintext.len() > MAX_ENVELOPE_BYTES {
        return Err(EnvelopeError::TooLarge {
            field: "envelope",
            actual: plaintext.len(),
            limit: MAX_ENVELOPE_BYTES,
        }
        .into());
    }
    let padded = Zeroizing::new(padding::pad(&plaintext));
    let mut nonce = [0u8; 24];
    rng.fill(&mut nonce);
    let ciphertext = era_key
        .seal(&nonce, &padded, &header.associated_data(WIRE_VERSION))
        .ok_or(SealError::Internal("AEAD refused a bounded plaintext"))?;
    let signature = signer.sign(&SealedPost::signed_message(
        WIRE_VERSION,
        &header,
        &nonce,
        &ciphertext,
    ));
    Ok(SealedPost {
        version: WIRE_VERSION,
        header,
        nonce,
        ciphertext,
        signature,
    })
}

/// Checks and decrypts a received post.
///
/// In order: the post is for the `expected` room and channel; this device holds the
/// era's key; the signature verifies against `author_key` (the key of
/// `sealed.header.author_device`, which the caller looks up from the channel's MLS
/// membership); the ciphertext decrypts; the envelope is valid.
pub fn open(
    sealed: &SealedPost,
    expected: &Expected,
    era_keys: &(impl EraKeyring + ?Sized),
    author_key: &DeviceVerifyingKey,
) -> Result<OpenedPost, OpenError> {
    let header = sealed.header;
    if header.room != expected.room {
        return Err(OpenError::WrongRoom {
            expected: expected.room,
            found: header.room,
        });
    }
    if header.channel != expected.channel {
        return Err(OpenError::WrongChannel {
            expected: expected.channel,
            found: header.channel,
        });
    }
    // The id check guards against a keyring that hands back the wrong key.
    let era_key = era_keys
        .era_key(&header.era)
        .filter(|key| key.id() == header.era)
        .ok_or(OpenError::UnknownEra(header.era))?;
    // `SealedPost` fields are public, so a value not built by `from_bytes` may be
    // oversized; bound the work before hashing it for the signature.
    if sealed.ciphertext.len() > MAX_CIPHERTEXT_BYTES {
        return Err(OpenError::TooLarge {
            len: sealed.ciphertext.len(),
            max: MAX_CIPHERTEXT_BYTES,
        });
    }
    let message = SealedPost::signed_message(sealed.version, &header, &sealed.nonce, &sealed.ciphertext);
    if !author_key.verify(&message, &sealed.signature) {
        return Err(OpenError::BadSignature);
    }
    let plaintext = era_key
        .open(
            &sealed.nonce,
            &sealed.ciphertext,
            &header.associated_data(sealed.version),
        )
        .ok_or(OpenError::DecryptFailed)?;
    let plaintext = if sealed.version == UNPADDED_WIRE_VERSION {
        &plaintext[..]
    } else {
        padding::unpad(&plaintext)?
    };
    let envelope = PostEnvelope::from_json(plaintext, header.post)?;
    Ok(OpenedPost { header, envelope })
}

#[cfg(test)]
#[path = "post_tests.rs"]
mod tests;
