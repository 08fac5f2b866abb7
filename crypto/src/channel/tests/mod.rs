//! What users notice, with real MLS between several devices in one process and a small
//! in-memory "server": an ordered log and a [`ServerGroupView`] that lets the first
//! commit of each epoch win.

mod commits;
mod eras;
mod history;
mod persist;

use uuid::Uuid;

use super::*;
use crate::envelope::{ContentType, PostEnvelope};
use crate::mls::{DeviceIdentity, MlsDevice, ServerGroupView, ServerViewError};
use crate::proto::{Channel, DeviceId, PostId, RoomId, Timestamp, UserId};
use crate::testing::TestRandom;

/// 2027-01-15T08:00:00Z, a visit in the morning.
const T0: Timestamp = Timestamp(1_800_000_000_000);

fn room() -> RoomId {
    RoomId::from_uuid(Uuid::from_u128(0x100))
}

fn hours(h: u64) -> Timestamp {
    T0.plus(std::time::Duration::from_secs(h * 3600))
}

/// Device `device` of user `user`.
fn device_of(user: u128, device: u128) -> MlsDevice {
    MlsDevice::new(DeviceIdentity::generate(
        UserId::from_uuid(Uuid::from_u128(user)),
        DeviceId::from_uuid(Uuid::from_u128(device)),
        &mut TestRandom::new(device as u64),
    ))
}

/// The one device of user `n`.
fn device(n: u128) -> MlsDevice {
    device_of(n, 1000 + n)
}

fn key_package(device: &MlsDevice) -> Vec<u8> {
    device.generate_key_packages(1, false).unwrap().remove(0).bytes
}

#[derive(Debug, Clone)]
struct Entry {
    kind: LogKind,
    sender: Option<DeviceId>,
    body: Vec<u8>,
}

/// The server's side of one channel: the ordered log and its view of the group.
struct Log {
    entries: Vec<Entry>,
    view: ServerGroupView,
}

impl Log {
    fn append(&mut self, kind: LogKind, sender: &Member, body: Vec<u8>) {
        self.entries.push(Entry {
            kind,
            sender: Some(sender.id()),
            body,
        });
    }

    /// Offers a commit; appends it if it wins its epoch.
    fn commit(&mut self, sender: &Member, pending: &PendingCommit) -> Result<(), ServerViewError> {
        self.view.accept(&pending.commit)?;
        self.append(LogKind::Commit, sender, pending.commit.clone());
        Ok(())
    }

    /// Appends what `seal_post` returned, era key first.
    fn send(&mut self, sender: &Member, outgoing: Outgoing) {
        if let Some(era_key) = outgoing.era_key {
            self.append(LogKind::EraKey, sender, era_key);
        }
        self.append(LogKind::Post, sender, outgoing.post);
    }
}

/// One device in the channel, with how far it has read the log.
struct Member {
    device: MlsDevice,
    state: ChannelState,
    seen: usize,
}

impl Member {
    fn id(&self) -> DeviceId {
        self.device.identity().device()
    }

    fn user(&self) -> UserId {
        self.device.identity().user()
    }

    /// Processes every new log entry, in order.
    fn sync(&mut self, log: &Log) -> Vec<Result<ChannelEvent, ChannelError>> {
        let results = log.entries[self.seen..]
            .iter()
            .map(|e| self.state.process(e.kind, e.sender, &e.body))
            .collect();
        self.seen = log.entries.len();
        results
    }

    /// [`Self::sync`], expecting every entry to be fine; returns the bodies of the posts.
    fn read(&mut self, log: &Log) -> Vec<String> {
        self.sync(log)
            .into_iter()
            .filter_map(|r| match r.unwrap() {
                ChannelEvent::Post(opened, _) => Some(opened.envelope.body),
                _ => None,
            })
            .collect()
    }

    /// Seals and sends a note; returns whether it started an era.
    fn say(&mut self, log: &mut Log, text: &str, now: Timestamp, rng: &mut TestRandom) -> bool {
        let outgoing = self.seal(text, now, rng);
        let started = outgoing.era_key.is_some();
        log.send(self, outgoing);
        started
    }

    fn seal(&mut self, text: &str, now: Timestamp, rng: &mut TestRandom) -> Outgoing {
        let mut id = [0u8; 16];
        crate::Random::fill(rng, &mut id);
        let post = PostId::from_uuid(Uuid::from_bytes(id));
        self.state
            .seal_post(&PostEnvelope::new(ContentType::Note, text), post, now, rng)
            .unwrap()
    }
}

/// `creator` creates the channel; the server starts its view from the GroupInfo.
fn channel(creator: MlsDevice, channel: Channel) -> (Log, Member) {
    let (state, group_info) = ChannelState::create(&creator, room(), channel).unwrap();
    let log = Log {
        entries: Vec::new(),
        view: ServerGroupView::from_group_info(&group_info, None).unwrap(),
    };
    let member = Member {
        device: creator,
        state,
        seen: 0,
    };
    (log, member)
}

/// `adder` adds `devices` in one commit, delivers the Welcome and shares eras under
/// `policy`; the newcomers start reading the log after the commit.
fn add(
    log: &mut Log,
    adder: &mut Member,
    devices: Vec<MlsDevice>,
    policy: HistoryPolicy,
    now: Timestamp,
    rng: &mut TestRandom,
) -> Vec<Member> {
    adder.sync(log).into_iter().for_each(|r| drop(r.unwrap()));
    let packages: Vec<Vec<u8>> = devices.iter().map(key_package).collect();
    let pending = adder.state.add_devices(&packages).unwrap();
    log.commit(adder, &pending).unwrap();
    adder.state.commit_accepted().unwrap();
    let joined_at = log.entries.len();
    let share = adder.state.share_eras(policy, now, rng).unwrap();
    log.append(LogKind::EraKey, adder, share);
    let welcome = pending.welcome.unwrap();
    devices
        .into_iter()
        .map(|device| {
            let state = ChannelState::join(&device, room(), adder.state.channel(), &welcome).unwrap();
            Member {
                device,
                state,
                seen: joined_at,
            }
        })
        .collect()
}

/// `remover` removes `devices`; the commit goes to the log.
fn remove(log: &mut Log, remover: &mut Member, devices: &[DeviceId]) {
    remover.sync(log).into_iter().for_each(|r| drop(r.unwrap()));
    let pending = remover.state.remove_devices(devices).unwrap();
    log.commit(remover, &pending).unwrap();
    remover.state.commit_accepted().unwrap();
}

/// Opens every post in the log with `member`'s state (history, out of log order).
fn open_all(member: &Member, log: &Log) -> Vec<Result<String, ChannelError>> {
    log.entries
        .iter()
        .filter(|e| e.kind == LogKind::Post)
        .map(|e| member.state.open_post(e.sender, &e.body).map(|p| p.envelope.body))
        .collect()
}
