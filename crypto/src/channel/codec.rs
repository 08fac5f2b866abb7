//! Byte encodings of the channel layer: the era-key message (inside an MLS application
//! message), the history sent to one newcomer (inside HPKE inside that message), and
//! the era table shared by both and by [`super::ChannelState::export`].
//!
//! Binary, fixed-width and versioned, read with the bounds-checked [`Reader`]: a channel
//! that has lived for years holds thousands of eras, so history travels as a member
//! table plus, per era, indices into it (2 KB for 30 members, then ~60 bytes per era)
//! rather than a JSON list of members per era.
//!
//! Era table: member count (u32), per member user ID, device ID and Ed25519 key (16 +
//! 16 + 32 bytes); era count (u32), per era ID (16), key (32), start (i64 ms), author
//! count (u32) and that many member indices (u32). Integers are big-endian.

use std::collections::{BTreeMap, BTreeSet};

use kizuna_proto::{Channel, DeviceId, RoomId, Timestamp, UserId};
use zeroize::Zeroizing;

use super::book::{Author, Era};
use crate::era::{EraId, EraKey};
use crate::signing::DeviceVerifyingKey;
use crate::wire::{channel_code, channel_from_code, DecodeError, Reader};

/// First bytes of an era-key message: format name and version.
const MESSAGE_MAGIC: &[u8; 6] = b"KZERA\x01";
/// First bytes of a history plaintext.
const HISTORY_MAGIC: &[u8; 6] = b"KZHIS\x01";

/// An append-only buffer that is wiped when dropped (it holds era keys).
pub(crate) struct Writer(Zeroizing<Vec<u8>>);

impl Writer {
    /// A buffer of `capacity` bytes. Callers size it for the whole output so it never
    /// reallocates (a reallocation would leave an unwiped copy of the keys behind).
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        Self(Zeroizing::new(Vec::with_capacity(capacity)))
    }

    pub(crate) fn bytes(&mut self, bytes: &[u8]) {
        self.0.extend_from_slice(bytes);
    }

    pub(crate) fn u8(&mut self, value: u8) {
        self.0.push(value);
    }

    pub(crate) fn u32(&mut self, value: usize) {
        // Counts here are of devices, eras and small byte strings: far below 2^32.
        let value = u32::try_from(value).unwrap_or(u32::MAX);
        self.bytes(&value.to_be_bytes());
    }

    pub(crate) fn u64(&mut self, value: u64) {
        self.bytes(&value.to_be_bytes());
    }

    pub(crate) fn i64(&mut self, value: i64) {
        self.bytes(&value.to_be_bytes());
    }

    /// A length-prefixed byte string.
    pub(crate) fn var(&mut self, bytes: &[u8]) {
        self.u32(bytes.len());
        self.bytes(bytes);
    }

    pub(crate) fn device(&mut self, device: DeviceId) {
        self.bytes(device.as_uuid().as_bytes());
    }

    pub(crate) fn room_channel(&mut self, room: RoomId, channel: Channel) {
        self.bytes(room.as_uuid().as_bytes());
        self.u8(channel_code(channel));
    }

    pub(crate) fn finish(self) -> Zeroizing<Vec<u8>> {
        self.0
    }
}

/// Reads what [`Writer`] wrote.
pub(crate) trait ReadExt {
    fn u8(&mut self) -> Result<u8, DecodeError>;
    fn u32(&mut self) -> Result<usize, DecodeError>;
    fn u64(&mut self) -> Result<u64, DecodeError>;
    fn i64(&mut self) -> Result<i64, DecodeError>;
    fn var(&mut self) -> Result<&[u8], DecodeError>;
    fn device(&mut self) -> Result<DeviceId, DecodeError>;
    fn room_channel(&mut self) -> Result<(RoomId, Channel), DecodeError>;
}

impl ReadExt for Reader<'_> {
    fn u8(&mut self) -> Result<u8, DecodeError> {
        Ok(self.array::<1>()?[0])
    }

    fn u32(&mut self) -> Result<usize, DecodeError> {
        usize::try_from(u32::from_be_bytes(self.array()?)).map_err(|_| DecodeError::Truncated)
    }

    fn u64(&mut self) -> Result<u64, DecodeError> {
        Ok(u64::from_be_bytes(self.array()?))
    }

    fn i64(&mut self) -> Result<i64, DecodeError> {
        Ok(i64::from_be_bytes(self.array()?))
    }

    fn var(&mut self) -> Result<&[u8], DecodeError> {
        let len = self.u32()?;
        self.take(len)
    }

    fn device(&mut self) -> Result<DeviceId, DecodeError> {
        Ok(DeviceId::from_uuid(self.uuid()?))
    }

    fn room_channel(&mut self) -> Result<(RoomId, Channel), DecodeError> {
        let room = RoomId::from_uuid(self.uuid()?);
        let channel = channel_from_code(self.u8()?)?;
        Ok((room, channel))
    }
}

/// Why bytes are not a valid era table or message (beyond truncation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FormatError {
    Decode(DecodeError),
    Invalid(&'static str),
}

impl From<DecodeError> for FormatError {
    fn from(e: DecodeError) -> Self {
        Self::Decode(e)
    }
}

impl std::fmt::Display for FormatError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Decode(e) => e.fmt(f),
            Self::Invalid(why) => f.write_str(why),
        }
    }
}

const MEMBER_LEN: usize = 16 + 16 + 32;
const ERA_FIXED_LEN: usize = 16 + 32 + 8 + 4;

/// Exact encoded size of an era table.
pub(crate) fn eras_len<'a>(eras: impl IntoIterator<Item = &'a Era>) -> usize {
    let mut members = BTreeSet::new();
    let mut len = 8;
    for era in eras {
        len += ERA_FIXED_LEN + 4 * era.authors.len();
        members.extend(era.authors.iter().map(|(d, a)| (*d, a.user, a.key.to_bytes())));
    }
    len + MEMBER_LEN * members.len()
}

/// Writes an era table.
pub(crate) fn write_eras<'a>(out: &mut Writer, eras: impl IntoIterator<Item = &'a Era> + Clone) {
    let mut index = BTreeMap::new();
    for era in eras.clone() {
        for (device, author) in &era.authors {
            let next = index.len();
            index
                .entry((*device, author.user, author.key.to_bytes()))
                .or_insert(next);
        }
    }
    let mut table: Vec<_> = index.iter().collect();
    table.sort_by_key(|(_, i)| **i);
    out.u32(table.len());
    for ((device, user, key), _) in table {
        out.bytes(user.as_uuid().as_bytes());
        out.device(*device);
        out.bytes(key);
    }
    let eras: Vec<&Era> = eras.into_iter().collect();
    out.u32(eras.len());
    for era in eras {
        out.bytes(era.id().as_bytes());
        out.bytes(era.key.secret());
        out.i64(era.started_at.millis());
        out.u32(era.authors.len());
        for (device, author) in &era.authors {
            let i = index
                .get(&(*device, author.user, author.key.to_bytes()))
                .copied()
                .unwrap_or(0);
            out.u32(i);
        }
    }
}

/// Reads an era table. Refuses invalid keys, out-of-range indices, a device twice in one
/// era, an era twice, and a member twice in the table.
pub(crate) fn read_eras(reader: &mut Reader<'_>) -> Result<Vec<Era>, FormatError> {
    let count = reader.u32()?;
    let mut members = Vec::new();
    let mut seen = BTreeSet::new();
    for _ in 0..count {
        let user = UserId::from_uuid(reader.uuid()?);
        let device = reader.device()?;
        let key_bytes: [u8; 32] = reader.array()?;
        let key = DeviceVerifyingKey::from_bytes(&key_bytes)
            .map_err(|_| FormatError::Invalid("invalid device key in era table"))?;
        if !seen.insert((device, user, key_bytes)) {
            return Err(FormatError::Invalid("member listed twice in era table"));
        }
        members.push((device, Author { user, key }));
    }
    let count = reader.u32()?;
    let mut eras = Vec::new();
    let mut ids = BTreeSet::new();
    for _ in 0..count {
        let id = EraId(reader.uuid()?);
        let key = Zeroizing::new(reader.array::<32>()?);
        let started_at = Timestamp(reader.i64()?);
        let mut authors = BTreeMap::new();
        for _ in 0..reader.u32()? {
            let (device, author) = members
                .get(reader.u32()?)
                .ok_or(FormatError::Invalid("era author index out of range"))?;
            if authors.insert(*device, *author).is_some() {
                return Err(FormatError::Invalid("device listed twice in one era"));
            }
        }
        if !ids.insert(id) {
            return Err(FormatError::Invalid("era listed twice"));
        }
        eras.push(Era {
            key: EraKey::from_parts(id, *key),
            started_at,
            authors,
        });
    }
    Ok(eras)
}

/// One newcomer's part of an era-key message: the history policy allows it, HPKE-sealed
/// to the init key of the key package it was added with (so only it can read it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Recipient {
    pub(crate) device: DeviceId,
    /// HPKE `kem_output` and ciphertext, or `None` when the policy gives no history.
    pub(crate) history: Option<(Vec<u8>, Vec<u8>)>,
}

/// An era-key message: the era that is current from now on, for every member, and the
/// history for newly added devices.
pub(crate) struct EraMessage {
    pub(crate) room: RoomId,
    pub(crate) channel: Channel,
    pub(crate) current: Era,
    pub(crate) recipients: Vec<Recipient>,
}

/// Encodes an era-key message: magic, room and channel, an era table holding exactly
/// the current era, recipient count (u32), per recipient device ID, a flag byte and, if
/// set, HPKE `kem_output` and ciphertext (each length-prefixed).
pub(crate) fn encode_message(
    room: RoomId,
    channel: Channel,
    current: &Era,
    recipients: &[Recipient],
) -> Zeroizing<Vec<u8>> {
    let recipients_len: usize = recipients
        .iter()
        .map(|r| 17 + r.history.as_ref().map_or(0, |(k, c)| 8 + k.len() + c.len()))
        .sum();
    let mut out = Writer::with_capacity(MESSAGE_MAGIC.len() + 17 + eras_len([current]) + 4 + recipients_len);
    out.bytes(MESSAGE_MAGIC);
    out.room_channel(room, channel);
    write_eras(&mut out, [current]);
    out.u32(recipients.len());
    for recipient in recipients {
        out.device(recipient.device);
        match &recipient.history {
            None => out.u8(0),
            Some((kem_output, ciphertext)) => {
                out.u8(1);
                out.var(kem_output);
                out.var(ciphertext);
            }
        }
    }
    out.finish()
}

/// Decodes an era-key message. The caller checks room and channel.
pub(crate) fn decode_message(bytes: &[u8]) -> Result<EraMessage, FormatError> {
    let mut reader = Reader::new(bytes);
    if reader.array::<6>()? != *MESSAGE_MAGIC {
        return Err(FormatError::Invalid(
            "not an era-key message of a supported version",
        ));
    }
    let (room, channel) = reader.room_channel()?;
    let mut eras = read_eras(&mut reader)?;
    let current = match (eras.pop(), eras.is_empty()) {
        (Some(era), true) => era,
        _ => {
            return Err(FormatError::Invalid(
                "an era-key message carries exactly one current era",
            ))
        }
    };
    let mut recipients = Vec::new();
    let mut devices = BTreeSet::new();
    for _ in 0..reader.u32()? {
        let device = reader.device()?;
        let history = match reader.u8()? {
            0 => None,
            1 => Some((reader.var()?.to_vec(), reader.var()?.to_vec())),
            _ => return Err(FormatError::Invalid("bad recipient flag")),
        };
        if !devices.insert(device) {
            return Err(FormatError::Invalid("recipient listed twice"));
        }
        recipients.push(Recipient { device, history });
    }
    reader.finish()?;
    Ok(EraMessage {
        room,
        channel,
        current,
        recipients,
    })
}

/// Encodes the history for one newcomer: magic, room and channel, the recipient, and
/// an era table.
pub(crate) fn encode_history<'a>(
    room: RoomId,
    channel: Channel,
    recipient: DeviceId,
    eras: impl IntoIterator<Item = &'a Era> + Clone,
) -> Zeroizing<Vec<u8>> {
    let mut out = Writer::with_capacity(HISTORY_MAGIC.len() + 17 + 16 + eras_len(eras.clone()));
    out.bytes(HISTORY_MAGIC);
    out.room_channel(room, channel);
    out.device(recipient);
    write_eras(&mut out, eras);
    out.finish()
}

/// Decodes a newcomer's history, checking it is for this room, channel and device.
pub(crate) fn decode_history(
    bytes: &[u8],
    room: RoomId,
    channel: Channel,
    recipient: DeviceId,
) -> Result<Vec<Era>, FormatError> {
    let mut reader = Reader::new(bytes);
    if reader.array::<6>()? != *HISTORY_MAGIC {
        return Err(FormatError::Invalid("not an era history of a supported version"));
    }
    if reader.room_channel()? != (room, channel) || reader.device()? != recipient {
        return Err(FormatError::Invalid("history for another channel or device"));
    }
    let eras = read_eras(&mut reader)?;
    reader.finish()?;
    Ok(eras)
}
