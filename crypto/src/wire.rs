//! The byte-level encoding of sealed posts: fixed-width fields in a fixed order, so
//! there is exactly one encoding of each header (what the signature and the AEAD bind
//! must not depend on a serialiser's choices) and decoding is a bounds-checked walk
//! that can fail but never panic.

use kizuna_proto::{Channel, DeviceId, PostId, RoomId, Timestamp, UserId};
use uuid::Uuid;

use crate::era::EraId;
use crate::post::PostHeader;

/// Length of an encoded [`PostHeader`]: five UUIDs, the era, one channel byte and the
/// timestamp.
pub(crate) const HEADER_LEN: usize = 16 + 1 + 16 + 16 + 16 + 16 + 8;

/// Why bytes are not a sealed post.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The input ends before the post does.
    #[error("sealed post truncated")]
    Truncated,
    /// The first byte names a wire format this client does not know.
    #[error("unsupported sealed post format {0}")]
    UnsupportedVersion(u8),
    /// The channel byte is not a known channel.
    #[error("unknown channel code {0}")]
    UnknownChannel(u8),
    /// The ciphertext is longer than any valid post.
    #[error("sealed post ciphertext too large: {len} > {max}")]
    TooLarge {
        /// Declared ciphertext length.
        len: usize,
        /// Largest allowed.
        max: usize,
    },
    /// The ciphertext is too short to hold even the authentication tag.
    #[error("sealed post ciphertext too short")]
    TooShort,
    /// Bytes follow the end of the post; refused so one post has one encoding.
    #[error("{0} unexpected bytes after the sealed post")]
    TrailingBytes(usize),
}

/// Stable one-byte codes for channels. Exhaustive on purpose: a new channel will not
/// compile until it has a code.
pub(crate) fn channel_code(channel: Channel) -> u8 {
    match channel {
        Channel::Team => 1,
        Channel::Family => 2,
    }
}

pub(crate) fn channel_from_code(code: u8) -> Result<Channel, DecodeError> {
    match code {
        1 => Ok(Channel::Team),
        2 => Ok(Channel::Family),
        other => Err(DecodeError::UnknownChannel(other)),
    }
}

/// Appends the canonical encoding of `header` to `out`.
pub(crate) fn encode_header(header: &PostHeader, out: &mut Vec<u8>) {
    out.extend_from_slice(header.room.as_uuid().as_bytes());
    out.push(channel_code(header.channel));
    out.extend_from_slice(header.era.as_bytes());
    out.extend_from_slice(header.post.as_uuid().as_bytes());
    out.extend_from_slice(header.author_user.as_uuid().as_bytes());
    out.extend_from_slice(header.author_device.as_uuid().as_bytes());
    out.extend_from_slice(&header.sent_at.millis().to_be_bytes());
}

/// Reads a header written by [`encode_header`].
pub(crate) fn decode_header(reader: &mut Reader<'_>) -> Result<PostHeader, DecodeError> {
    Ok(PostHeader {
        room: RoomId::from_uuid(reader.uuid()?),
        channel: channel_from_code(reader.array::<1>()?[0])?,
        era: EraId(reader.uuid()?),
        post: PostId::from_uuid(reader.uuid()?),
        author_user: UserId::from_uuid(reader.uuid()?),
        author_device: DeviceId::from_uuid(reader.uuid()?),
        sent_at: Timestamp(i64::from_be_bytes(reader.array()?)),
    })
}

/// A cursor over untrusted bytes; every read is bounds-checked.
pub(crate) struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Self { rest: bytes }
    }

    /// The next `len` bytes.
    pub(crate) fn take(&mut self, len: usize) -> Result<&'a [u8], DecodeError> {
        let (head, rest) = self.rest.split_at_checked(len).ok_or(DecodeError::Truncated)?;
        self.rest = rest;
        Ok(head)
    }

    /// The next `N` bytes as an array.
    pub(crate) fn array<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    pub(crate) fn uuid(&mut self) -> Result<Uuid, DecodeError> {
        Ok(Uuid::from_bytes(self.array()?))
    }

    /// Fails unless every byte has been read.
    pub(crate) fn finish(self) -> Result<(), DecodeError> {
        match self.rest.len() {
            0 => Ok(()),
            extra => Err(DecodeError::TrailingBytes(extra)),
        }
    }
}
