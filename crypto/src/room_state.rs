//! Sealed room state: what a room is called (and any other descriptive field), sealed
//! on a member's device so the server stores only ciphertext.
//!
//! A room's display name is usually the client's name (山田花子様): personal health
//! information in home care. The server keeps one [`SealedRoomState`] per room and
//! hands it to the room's members with the room list; their devices open it with the
//! era keys of the room's family channel, which every member of the room is in (team,
//! family and volunteers alike).
//!
//! * The record is encrypted under an era key with XChaCha20-Poly1305; the clear header
//!   (room, channel, era, author, revision, time) is the associated data and is signed
//!   with the author device's key together with nonce and ciphertext, under labels of
//!   its own, so a room state can never pass as a post nor a post as a room state.
//! * The plaintext is padded to a fixed [`PADDED_LEN`], so the ciphertext's length says
//!   nothing about the name's.
//! * Openers check the author the way posts are checked ([`ChannelState::open_room_state`]):
//!   a device that was a member of the channel while the era was current, under the
//!   user its credential names.
//! * A family member who joins later receives only eras from their joining on, so the
//!   state is sealed again under the channel's current era whenever it has moved on
//!   (any member who can open it does this; the revision orders the versions and the
//!   server takes each revision once).

use std::fmt;

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::channel::ChannelState;
use crate::era::{EraId, EraKey};
use crate::proto::{Channel, DeviceId, RoomId, Timestamp, UserId};
use crate::random::Random;
use crate::signing::{DeviceSigningKey, DeviceVerifyingKey};
use crate::wire::{channel_code, channel_from_code, DecodeError, Reader};

/// First byte of a sealed room state.
pub const WIRE_VERSION: u8 = 1;
/// Associated-data prefix: names the record type, distinct from every post label.
const AD_CONTEXT: &[u8] = b"kizuna/room-state/v1/ad";
/// Signature prefix, distinct from the AD prefix and from the post's.
const SIGNATURE_CONTEXT: &[u8] = b"kizuna/room-state/v1/signature";
/// Every room state's plaintext is padded to exactly this many bytes.
pub const PADDED_LEN: usize = 1024;
/// Longest room name, in characters.
pub const MAX_NAME_CHARS: usize = 100;
const TAG_LEN: usize = 16;
/// Length of the clear header: room, channel byte, era, author user and device,
/// revision and time.
const HEADER_LEN: usize = 16 + 1 + 16 + 16 + 16 + 8 + 8;
/// Length of every sealed room state on the wire.
pub const SEALED_LEN: usize = 1 + HEADER_LEN + 24 + 64 + PADDED_LEN + TAG_LEN;

/// What members see of a room, and the server never does.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoomState {
    /// The room's display name (often the client's name).
    pub name: String,
}

impl fmt::Debug for RoomState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RoomState { name: *** }")
    }
}

impl RoomState {
    /// A state with this name, trimmed; refused if empty or longer than
    /// [`MAX_NAME_CHARS`].
    pub fn named(name: &str) -> Result<Self, RoomStateError> {
        let name = name.trim();
        let chars = name.chars().count();
        if chars == 0 || chars > MAX_NAME_CHARS || name.chars().any(char::is_control) {
            return Err(RoomStateError::InvalidName);
        }
        Ok(Self {
            name: name.to_owned(),
        })
    }

    fn to_padded(&self) -> Result<Zeroizing<Vec<u8>>, RoomStateError> {
        Self::named(&self.name)?;
        let json = Zeroizing::new(serde_json::to_vec(self).map_err(|_| RoomStateError::InvalidName)?);
        let len = u16::try_from(json.len()).map_err(|_| RoomStateError::InvalidName)?;
        if json.len() + 2 > PADDED_LEN {
            return Err(RoomStateError::InvalidName);
        }
        let mut out = Zeroizing::new(Vec::with_capacity(PADDED_LEN));
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(&json);
        out.resize(PADDED_LEN, 0);
        Ok(out)
    }

    fn from_padded(bytes: &[u8]) -> Result<Self, RoomStateError> {
        let (len, rest) = bytes.split_at_checked(2).ok_or(RoomStateError::Malformed)?;
        let len = usize::from(u16::from_be_bytes([len[0], len[1]]));
        let (json, padding) = rest.split_at_checked(len).ok_or(RoomStateError::Malformed)?;
        if padding.iter().any(|b| *b != 0) {
            return Err(RoomStateError::Malformed);
        }
        let state: Self = serde_json::from_slice(json).map_err(|_| RoomStateError::Malformed)?;
        Self::named(&state.name).map_err(|_| RoomStateError::Malformed)
    }
}

/// The clear part of a sealed room state: what the server checks and orders by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoomStateHeader {
    /// The room.
    pub room: RoomId,
    /// The channel whose era key seals it (the family channel: every member is in it).
    pub channel: Channel,
    /// The era whose key seals it.
    pub era: EraId,
    /// Who sealed it.
    pub author_user: UserId,
    /// The device that sealed and signed it.
    pub author_device: DeviceId,
    /// 1 for the first state of a room, one more for every later one.
    pub revision: u64,
    /// When it was sealed (the author's clock).
    pub sealed_at: Timestamp,
}

impl RoomStateHeader {
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.room.as_uuid().as_bytes());
        out.push(channel_code(self.channel));
        out.extend_from_slice(self.era.as_bytes());
        out.extend_from_slice(self.author_user.as_uuid().as_bytes());
        out.extend_from_slice(self.author_device.as_uuid().as_bytes());
        out.extend_from_slice(&self.revision.to_be_bytes());
        out.extend_from_slice(&self.sealed_at.millis().to_be_bytes());
    }

    fn decode(reader: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Self {
            room: RoomId::from_uuid(reader.uuid()?),
            channel: channel_from_code(reader.array::<1>()?[0])?,
            era: EraId(reader.uuid()?),
            author_user: UserId::from_uuid(reader.uuid()?),
            author_device: DeviceId::from_uuid(reader.uuid()?),
            revision: u64::from_be_bytes(reader.array()?),
            sealed_at: Timestamp(i64::from_be_bytes(reader.array()?)),
        })
    }

    fn associated_data(&self) -> Vec<u8> {
        let mut ad = Vec::with_capacity(AD_CONTEXT.len() + HEADER_LEN);
        ad.extend_from_slice(AD_CONTEXT);
        self.encode(&mut ad);
        ad
    }
}

/// A room state as the server stores it: clear header, nonce, signature, ciphertext.
/// Always exactly [`SEALED_LEN`] bytes on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedRoomState {
    /// Authenticated clear metadata.
    pub header: RoomStateHeader,
    /// The XChaCha20-Poly1305 nonce.
    pub nonce: [u8; 24],
    /// The author device's Ed25519 signature over label, header, nonce and ciphertext.
    pub signature: [u8; 64],
    /// The padded state, encrypted (tag included).
    pub ciphertext: Vec<u8>,
}

impl SealedRoomState {
    /// The wire form: version, header, nonce, signature, ciphertext.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(SEALED_LEN);
        out.push(WIRE_VERSION);
        self.header.encode(&mut out);
        out.extend_from_slice(&self.nonce);
        out.extend_from_slice(&self.signature);
        out.extend_from_slice(&self.ciphertext);
        out
    }

    /// Parses the wire form, strictly: only [`SEALED_LEN`] bytes of a known version.
    /// Checks the shape only (the server does this much); opening checks the rest.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut reader = Reader::new(bytes);
        let [version] = reader.array::<1>()?;
        if version != WIRE_VERSION {
            return Err(DecodeError::UnsupportedVersion(version));
        }
        let header = RoomStateHeader::decode(&mut reader)?;
        let nonce = reader.array()?;
        let signature = reader.array()?;
        let ciphertext = reader.take(PADDED_LEN + TAG_LEN)?.to_vec();
        reader.finish()?;
        Ok(Self {
            header,
            nonce,
            signature,
            ciphertext,
        })
    }

    fn signed_message(header: &RoomStateHeader, nonce: &[u8; 24], ciphertext: &[u8]) -> Vec<u8> {
        let ad = header.associated_data();
        let mut message = Vec::with_capacity(SIGNATURE_CONTEXT.len() + ad.len() + 24 + ciphertext.len());
        message.extend_from_slice(SIGNATURE_CONTEXT);
        message.extend_from_slice(&ad);
        message.extend_from_slice(nonce);
        message.extend_from_slice(ciphertext);
        message
    }
}

/// A room state that passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenedRoomState {
    /// Its authenticated header (author, era, revision).
    pub header: RoomStateHeader,
    /// The state.
    pub state: RoomState,
}

/// Why a room state could not be sealed or opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoomStateError {
    /// The name is empty, too long or holds control characters.
    #[error("a room name has 1 to {MAX_NAME_CHARS} characters")]
    InvalidName,
    /// The channel has no current era yet: start one (share the era keys) first.
    #[error("the channel has no era yet")]
    NoEra,
    /// The bytes are not a sealed room state.
    #[error("not a sealed room state: {0}")]
    Decode(#[from] DecodeError),
    /// The state belongs to another room or channel.
    #[error("room state for another room or channel")]
    WrongRoom,
    /// This device does not hold the era's key (not yet received, or from before it
    /// joined): another member seals the state again under the current era.
    #[error("no key for era {0}")]
    UnknownEra(EraId),
    /// The author was not a member while the era was current, or not as that user.
    #[error("room state by a device that was not a member in its era")]
    NotAMember,
    /// The signature does not verify: forged or altered.
    #[error("bad signature")]
    BadSignature,
    /// Decryption failed or the plaintext is not a room state.
    #[error("room state does not decrypt")]
    Malformed,
}

/// Seals `state` as described by `header` under `era_key` (whose ID must be
/// `header.era`), signed with `signer`.
pub fn seal(
    header: RoomStateHeader,
    state: &RoomState,
    era_key: &EraKey,
    signer: &DeviceSigningKey,
    rng: &mut dyn Random,
) -> Result<SealedRoomState, RoomStateError> {
    if header.era != era_key.id() {
        return Err(RoomStateError::UnknownEra(header.era));
    }
    let plaintext = state.to_padded()?;
    let mut nonce = [0u8; 24];
    rng.fill(&mut nonce);
    let ciphertext = era_key
        .seal(&nonce, &plaintext, &header.associated_data())
        .ok_or(RoomStateError::Malformed)?;
    let signature = signer.sign(&SealedRoomState::signed_message(&header, &nonce, &ciphertext));
    Ok(SealedRoomState {
        header,
        nonce,
        signature,
        ciphertext,
    })
}

/// Checks the signature against `author_key` (the author device's key in the era),
/// then decrypts. The caller checks room, channel and that the author belongs.
pub fn open(
    sealed: &SealedRoomState,
    era_key: &EraKey,
    author_key: &DeviceVerifyingKey,
) -> Result<RoomState, RoomStateError> {
    if era_key.id() != sealed.header.era {
        return Err(RoomStateError::UnknownEra(sealed.header.era));
    }
    if sealed.ciphertext.len() != PADDED_LEN + TAG_LEN {
        return Err(RoomStateError::Malformed);
    }
    let message = SealedRoomState::signed_message(&sealed.header, &sealed.nonce, &sealed.ciphertext);
    if !author_key.verify(&message, &sealed.signature) {
        return Err(RoomStateError::BadSignature);
    }
    let plaintext = era_key
        .open(
            &sealed.nonce,
            &sealed.ciphertext,
            &sealed.header.associated_data(),
        )
        .ok_or(RoomStateError::Malformed)?;
    RoomState::from_padded(&plaintext)
}

impl ChannelState {
    /// Seals `state` as revision `revision` of this channel's room under the current
    /// era, signed by this device. [`RoomStateError::NoEra`] if no era has started
    /// yet: start one with [`ChannelState::share_eras`] and send it first.
    pub fn seal_room_state(
        &self,
        state: &RoomState,
        revision: u64,
        now: Timestamp,
        rng: &mut dyn Random,
    ) -> Result<Vec<u8>, RoomStateError> {
        let era = self.book.current_era().ok_or(RoomStateError::NoEra)?;
        let identity = self.member.identity();
        let header = RoomStateHeader {
            room: self.room,
            channel: self.channel,
            era: era.id(),
            author_user: identity.user(),
            author_device: identity.device(),
            revision,
            sealed_at: now,
        };
        Ok(seal(header, state, &era.key, identity.signing_key(), rng)?.to_bytes())
    }

    /// Opens a room state of this channel's room: sealed under an era this device
    /// holds, by a device that was a member while that era was current, as the user
    /// its credential names, with the key it had then.
    pub fn open_room_state(&self, bytes: &[u8]) -> Result<OpenedRoomState, RoomStateError> {
        let sealed = SealedRoomState::from_bytes(bytes)?;
        let header = sealed.header;
        if (header.room, header.channel) != (self.room, self.channel) {
            return Err(RoomStateError::WrongRoom);
        }
        let era = self
            .book
            .eras
            .get(&header.era)
            .ok_or(RoomStateError::UnknownEra(header.era))?;
        let author = era
            .authors
            .get(&header.author_device)
            .filter(|a| a.user == header.author_user)
            .ok_or(RoomStateError::NotAMember)?;
        let state = open(&sealed, &era.key, &author.key)?;
        Ok(OpenedRoomState { header, state })
    }

    /// Whether a room state sealed under `era` should be sealed again: the channel's
    /// current era is another one (a newcomer may hold only the current one).
    pub fn room_state_outdated(&self, era: EraId) -> bool {
        self.book.current.as_ref().is_some_and(|c| c.id != era)
    }
}

#[cfg(test)]
#[path = "room_state_tests.rs"]
mod tests;
