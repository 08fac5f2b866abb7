//! [`ChannelState::export`] and [`ChannelState::import`]: era keys and bookkeeping as
//! bytes (the MLS secrets travel separately, in [`MlsDevice::export_state`]).
//!
//! Format: `KZCHAN` and a version byte; room and channel; the epoch joined at and the
//! MLS epoch at export (checked against the device's MLS state on import); a flag byte
//! (bit 0: removed); the epoch of the latest removal; per current member its device and
//! first readable epoch; the era table ([`super::codec`]); the current era (flag, ID,
//! stale flag, holders); the devices awaiting era keys and those the pending commit
//! adds (user, device, HPKE init key); the Welcome init key and the device that sent
//! it; this device's era-key messages not yet echoed (digest, era, epoch); the posts
//! seen and where (post ID, seq). Version 1 (before replay detection) ends before
//! the posts seen; it is still read.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use zeroize::Zeroizing;

use super::book::{Current, EraBook};
use super::codec::{self, FormatError, ReadExt, Writer};
use super::error::ChannelError;
use super::replay::PostLedger;
use super::state::{group_id_for, ChannelState, Newcomer, Unechoed, WelcomeKey};
use crate::era::EraId;
use crate::mls::MlsDevice;
use crate::proto::{Channel, DeviceId, PostId, RoomId, UserId};
use crate::wire::Reader;

const MAGIC: &[u8; 7] = b"KZCHAN\x02";
/// Exports made before replay detection: no post ledger; read as an empty one.
const MAGIC_V1: &[u8; 7] = b"KZCHAN\x01";

impl ChannelState {
    /// The era keys and bookkeeping (not the MLS state, which [`MlsDevice::export_state`]
    /// covers) as plaintext bytes, wiped when dropped. Store them encrypted
    /// ([`crate::vault::seal_state`]), together with the device's MLS state from the same
    /// moment.
    pub fn export(&self) -> Result<Zeroizing<Vec<u8>>, ChannelError> {
        let newcomers_len = |list: &[Newcomer]| list.iter().map(|n| 36 + n.init_key.len()).sum::<usize>();
        let capacity = MAGIC.len()
            + 17
            + 8 * 3
            + 1
            + 4
            + 24 * self.member_since.len()
            + codec::eras_len(self.book.eras.values())
            + 1
            + self
                .book
                .current
                .as_ref()
                .map_or(0, |c| 21 + 16 * c.holders.len())
            + 8
            + newcomers_len(&self.newcomers)
            + newcomers_len(&self.pending_newcomers)
            + 2
            + self.welcome.as_ref().map_or(0, |w| 20 + w.key.len())
            + 4
            + 56 * self.unechoed.len()
            + 4
            + 24 * self.ledger.seen.len();
        let mut out = Writer::with_capacity(capacity);
        out.bytes(MAGIC);
        out.room_channel(self.room, self.channel);
        out.u64(self.joined_epoch);
        out.u64(self.epoch());
        out.u8(u8::from(self.removed));
        out.u64(self.last_removal_epoch);
        out.u32(self.member_since.len());
        for (device, since) in &self.member_since {
            out.device(*device);
            out.u64(*since);
        }
        codec::write_eras(&mut out, self.book.eras.values());
        match &self.book.current {
            None => out.u8(0),
            Some(current) => {
                out.u8(1);
                out.bytes(current.id.as_bytes());
                out.u8(u8::from(current.stale));
                out.u32(current.holders.len());
                for device in &current.holders {
                    out.device(*device);
                }
            }
        }
        for list in [&self.newcomers, &self.pending_newcomers] {
            out.u32(list.len());
            for newcomer in list {
                out.bytes(newcomer.user.as_uuid().as_bytes());
                out.device(newcomer.device);
                out.var(&newcomer.init_key);
            }
        }
        match &self.welcome {
            None => out.u8(0),
            Some(welcome) => {
                out.u8(1);
                out.var(&welcome.key);
                match welcome.welcomer {
                    None => out.u8(0),
                    Some(device) => {
                        out.u8(1);
                        out.device(device);
                    }
                }
            }
        }
        out.u32(self.unechoed.len());
        for sent in &self.unechoed {
            out.bytes(&sent.digest);
            out.bytes(sent.era.as_bytes());
            out.u64(sent.epoch);
        }
        out.u32(self.ledger.seen.len());
        for (post, seq) in &self.ledger.seen {
            out.bytes(post.as_uuid().as_bytes());
            out.i64(*seq);
        }
        Ok(out.finish())
    }

    /// Restores a channel from [`Self::export`] and the device's MLS state (restored with
    /// [`MlsDevice::import_state`] from the same moment); the group is loaded with
    /// [`MlsDevice::load_group`]. Refuses bytes that are not an export, and an export
    /// whose epoch differs from the MLS state's (the two were saved at different times).
    pub fn import(device: &MlsDevice, bytes: &[u8]) -> Result<Self, ChannelError> {
        let saved = read(bytes).map_err(|e| match e {
            FormatError::Decode(_) => ChannelError::State("truncated or damaged channel state"),
            FormatError::Invalid(why) => ChannelError::State(why),
        })?;
        let member = device
            .load_group(group_id_for(saved.state.room, saved.state.channel).as_bytes())?
            .ok_or(ChannelError::State("the device's MLS state has no such channel"))?;
        if member.epoch() != saved.epoch {
            return Err(ChannelError::State(
                "channel state and MLS state were saved at different epochs",
            ));
        }
        let s = saved.state;
        Ok(ChannelState {
            member,
            room: s.room,
            channel: s.channel,
            book: s.book,
            joined_epoch: s.joined_epoch,
            member_since: s.member_since,
            last_removal_epoch: s.last_removal_epoch,
            pending_newcomers: s.pending_newcomers,
            newcomers: s.newcomers,
            welcome: s.welcome,
            unechoed: s.unechoed,
            removed: s.removed,
            ledger: s.ledger,
        })
    }
}

/// An exported channel before its MLS group is attached.
struct Saved {
    state: PartialState,
    epoch: u64,
}

/// [`ChannelState`] minus the MLS member, which [`ChannelState::import`] adds.
struct PartialState {
    room: RoomId,
    channel: Channel,
    book: EraBook,
    joined_epoch: u64,
    member_since: BTreeMap<DeviceId, u64>,
    last_removal_epoch: u64,
    pending_newcomers: Vec<Newcomer>,
    newcomers: Vec<Newcomer>,
    welcome: Option<WelcomeKey>,
    unechoed: VecDeque<Unechoed>,
    removed: bool,
    ledger: PostLedger,
}

fn read(bytes: &[u8]) -> Result<Saved, FormatError> {
    let mut r = Reader::new(bytes);
    let magic = r.array::<7>()?;
    if magic != *MAGIC && magic != *MAGIC_V1 {
        return Err(FormatError::Invalid(
            "not an exported channel state of a supported version",
        ));
    }
    let (room, channel) = r.room_channel()?;
    let joined_epoch = r.u64()?;
    let epoch = r.u64()?;
    let removed = match r.u8()? {
        0 => false,
        1 => true,
        _ => return Err(FormatError::Invalid("bad flags")),
    };
    let last_removal_epoch = r.u64()?;
    let mut member_since = BTreeMap::new();
    for _ in 0..r.u32()? {
        member_since.insert(r.device()?, r.u64()?);
    }
    let eras: BTreeMap<EraId, _> = codec::read_eras(&mut r)?
        .into_iter()
        .map(|era| (era.id(), era))
        .collect();
    let current = match r.u8()? {
        0 => None,
        1 => {
            let id = EraId(r.uuid()?);
            let stale = r.u8()? != 0;
            let mut holders = BTreeSet::new();
            for _ in 0..r.u32()? {
                holders.insert(r.device()?);
            }
            if !eras.contains_key(&id) {
                return Err(FormatError::Invalid("current era missing from the era table"));
            }
            Some(Current { id, holders, stale })
        }
        _ => return Err(FormatError::Invalid("bad current-era flag")),
    };
    let mut lists = [Vec::new(), Vec::new()];
    for list in &mut lists {
        for _ in 0..r.u32()? {
            list.push(Newcomer {
                user: UserId::from_uuid(r.uuid()?),
                device: r.device()?,
                init_key: r.var()?.to_vec(),
            });
        }
    }
    let [newcomers, pending_newcomers] = lists;
    let welcome = match r.u8()? {
        0 => None,
        1 => {
            let key = Zeroizing::new(r.var()?.to_vec());
            let welcomer = match r.u8()? {
                0 => None,
                1 => Some(r.device()?),
                _ => return Err(FormatError::Invalid("bad welcomer flag")),
            };
            Some(WelcomeKey { key, welcomer })
        }
        _ => return Err(FormatError::Invalid("bad welcome flag")),
    };
    let mut unechoed = VecDeque::new();
    for _ in 0..r.u32()? {
        unechoed.push_back(Unechoed {
            digest: r.array()?,
            era: EraId(r.uuid()?),
            epoch: r.u64()?,
        });
    }
    let mut ledger = PostLedger::default();
    if magic == *MAGIC {
        for _ in 0..r.u32()? {
            let post = PostId::from_uuid(r.uuid()?);
            ledger.seen.insert(post, r.i64()?);
        }
    }
    r.finish()?;
    Ok(Saved {
        state: PartialState {
            room,
            channel,
            book: EraBook { eras, current },
            joined_epoch,
            member_since,
            last_removal_epoch,
            pending_newcomers,
            newcomers,
            welcome,
            unechoed,
            removed,
            ledger,
        },
        epoch,
    })
}
