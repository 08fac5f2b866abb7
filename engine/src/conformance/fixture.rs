//! The author's side of every scenario: devices made with the engine itself, and a
//! small stand-in for the server's log of one channel (with the server's commit
//! check), so the entries a reader is fed are the bytes a server would hold.
//!
//! The engine's own tests (`slot_tests.rs`) build on the same pieces.

use kizuna_crypto::proto::{Channel, DeviceId, PostId, RoomId, Timestamp, UserId};
use kizuna_crypto::testing::TestRandom;
use kizuna_crypto::{ContentType, DeviceSigningKey, PostEnvelope, ServerGroupView};
use kizuna_proto::{ClaimedKeyPackage, LogEntry, LogKind, Welcome};
use uuid::Uuid;

use crate::codec::unb64;
use crate::error::EngineError;
use crate::events::{CommitRequest, SealedPost};
use crate::policy::Policy;
use crate::{Core, Slot};

/// 2027-01-15T08:00:00Z: when every scenario starts.
pub const T0: Timestamp = Timestamp(1_800_000_000_000);
/// One hour in milliseconds.
pub const HOUR: i64 = 3_600_000;

/// A fixed UUID, so failures name the same IDs on every run.
pub fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

/// User `n`.
pub fn user(n: u128) -> UserId {
    UserId::from_uuid(id(n))
}

/// Device `n`.
pub fn device_id(n: u128) -> DeviceId {
    DeviceId::from_uuid(id(n))
}

/// The room every scenario plays in.
pub fn room() -> RoomId {
    RoomId::from_uuid(id(0x100))
}

/// The group ID of the room's team channel, where every scenario plays.
pub fn group() -> String {
    format!("{}/team", room())
}

/// A plain note.
pub fn note(text: &str) -> PostEnvelope {
    PostEnvelope::new(ContentType::Note, text)
}

/// Post ID `n`.
pub fn post_id(n: u128) -> PostId {
    PostId::from_uuid(id(0x9000 + n))
}

/// A time `hours` after [`T0`].
pub fn later(hours: i64) -> Timestamp {
    Timestamp(T0.0 + hours * HOUR)
}

/// Why a fixture could not be built: a bug in the suite, not in a shell.
pub fn fixture_error(what: &str, detail: impl std::fmt::Display) -> EngineError {
    EngineError::new(
        "fixture",
        format!("The conformance fixture failed ({what}: {detail})."),
        format!("適合性テストの準備に失敗しました（{what}：{detail}）。"),
    )
}

/// Where the fixture's deterministic random streams start: far from the small seeds
/// other tests count up from, so no two streams in one process coincide (two devices
/// drawing the same era key would know each other's eras).
const SEEDS: u64 = 0x6b69_7a75_6e61_0000;

/// The deterministic random stream `n` of the fixtures.
pub fn stream(n: u64) -> TestRandom {
    TestRandom::new(SEEDS + n)
}

/// A device made with the engine, with a deterministic signing key (stream `seed`).
pub fn author(user_n: u128, device_n: u128, seed: u64) -> Core {
    let key = DeviceSigningKey::generate(&mut stream(seed));
    Core::new(key, user(user_n), device_id(device_n))
}

/// This device's ID.
pub fn me(core: &Core) -> DeviceId {
    core.identity().device()
}

/// The team channel of `core`.
pub fn team_slot(core: &mut Core) -> Result<&mut Slot, EngineError> {
    let group = group();
    core.channel_mut(&group)
        .ok_or_else(|| EngineError::unknown_channel(&group))
}

/// The server's side of one channel: its log, and its view of the group, which
/// refuses a commit that does not apply (as the server does).
pub struct Log {
    /// The entries, `seq` 1, 2, … in order.
    pub entries: Vec<LogEntry>,
    view: ServerGroupView,
}

impl Log {
    /// The log of a group just registered with `group_info` (base64).
    pub fn new(group_info: &str) -> Result<Self, EngineError> {
        let bytes = unb64("group info", group_info)?;
        let view = ServerGroupView::from_group_info(&bytes, None)
            .map_err(|e| fixture_error("server view of the group", e))?;
        Ok(Self {
            entries: Vec::new(),
            view,
        })
    }

    /// The seq the next entry gets.
    pub fn next_seq(&self) -> i64 {
        self.entries.last().map_or(1, |e| e.seq + 1)
    }

    /// Appends an entry as the server stores it; its seq.
    pub fn append(&mut self, kind: LogKind, sender: DeviceId, body: &str, at: Timestamp) -> i64 {
        let seq = self.next_seq();
        self.entries.push(LogEntry {
            seq,
            kind,
            sender_device: Some(sender),
            epoch: 0,
            body: body.into(),
            stored_at: at,
            urgency: None,
        });
        seq
    }

    /// Appends a commit the server accepts (it must apply to the server's view).
    pub fn commit(&mut self, sender: DeviceId, request: &CommitRequest) -> Result<i64, EngineError> {
        self.view
            .accept(&unb64("commit", &request.commit)?)
            .map_err(|e| fixture_error("server check of a commit", e))?;
        Ok(self.append(LogKind::Commit, sender, &request.commit, T0))
    }

    /// Appends a sealed post as its author sends it: the era key first (if any), then
    /// the post. The post's seq.
    pub fn post(&mut self, sender: DeviceId, sealed: &SealedPost, at: Timestamp) -> i64 {
        if let Some(era_key) = &sealed.era_key {
            self.append(LogKind::EraKey, sender, era_key, at);
        }
        self.append(LogKind::Post, sender, &sealed.post, at)
    }

    /// The entries from `seq` on (as `GET …/messages?after={seq - 1}` returns them).
    pub fn from(&self, seq: i64) -> Vec<LogEntry> {
        self.entries.iter().filter(|e| e.seq >= seq).cloned().collect()
    }

    /// The entries `first..=last`.
    pub fn range(&self, first: i64, last: i64) -> Vec<LogEntry> {
        self.entries
            .iter()
            .filter(|e| (first..=last).contains(&e.seq))
            .cloned()
            .collect()
    }
}

/// A device to add: its ID and one of its key packages (base64).
#[derive(Debug, Clone)]
pub struct Newcomer {
    /// The device.
    pub device: DeviceId,
    /// A key package it made.
    pub key_package: String,
}

impl Newcomer {
    /// A device made with the engine and one of its key packages.
    pub fn made(core: &Core) -> Result<Self, EngineError> {
        let package = core
            .key_packages(1, false)?
            .into_iter()
            .next()
            .ok_or_else(|| fixture_error("key packages", "none made"))?;
        Ok(Self {
            device: me(core),
            key_package: package.body,
        })
    }
}

/// The doctor's device and the team channel's log, as a server holds it.
pub struct Team {
    /// The doctor's device (user 1, device 11), the channel's creator.
    pub doctor: Core,
    /// The channel's log.
    pub log: Log,
    /// The doctor's randomness.
    pub rng: TestRandom,
}

impl Team {
    /// The doctor creates the team channel and adds `newcomers` in one commit (seq 1)
    /// with full history; the era keys follow (seq 2). Returns the team and the
    /// welcome for the newcomers.
    pub fn with(newcomers: &[Newcomer]) -> Result<(Self, Welcome), EngineError> {
        let mut doctor = author(1, 11, 11);
        let (group_id, group_info) = doctor.create_channel(room(), Channel::Team)?;
        if group_id != group() {
            return Err(fixture_error("group ID", group_id));
        }
        let mut team = Self {
            log: Log::new(&group_info)?,
            doctor,
            rng: stream(2),
        };
        let request = team.add(newcomers, Policy::Full)?;
        let welcome = request
            .welcome
            .ok_or_else(|| fixture_error("welcome", "an add made none"))?;
        Ok((
            team,
            Welcome {
                group_id: group(),
                welcome,
            },
        ))
    }

    /// The doctor's device ID.
    pub fn doctor_id(&self) -> DeviceId {
        me(&self.doctor)
    }

    /// The doctor adds devices in one commit, accepted by the server, and sends the
    /// era keys the policy allows.
    pub fn add(&mut self, newcomers: &[Newcomer], policy: Policy) -> Result<CommitRequest, EngineError> {
        let claimed: Vec<ClaimedKeyPackage> = newcomers
            .iter()
            .map(|n| ClaimedKeyPackage {
                device_id: n.device,
                key_package: n.key_package.clone(),
            })
            .collect();
        let sender = self.doctor_id();
        let request = team_slot(&mut self.doctor)?.add_devices(&claimed, policy)?;
        self.log.commit(sender, &request)?;
        let accepted = team_slot(&mut self.doctor)?.commit_accepted(T0, &mut self.rng)?;
        let era_key = accepted
            .era_key
            .ok_or_else(|| fixture_error("era keys", "an add shared none"))?;
        self.log.append(LogKind::EraKey, sender, &era_key, T0);
        Ok(request)
    }

    /// The doctor removes devices in one commit, accepted by the server.
    pub fn remove(&mut self, devices: &[DeviceId]) -> Result<i64, EngineError> {
        let sender = self.doctor_id();
        let request = team_slot(&mut self.doctor)?.remove_devices(devices)?;
        let seq = self.log.commit(sender, &request)?;
        team_slot(&mut self.doctor)?.commit_accepted(T0, &mut self.rng)?;
        Ok(seq)
    }

    /// The doctor seals a note at `at` (an era older than a day is replaced first)
    /// without sending it.
    pub fn seal(&mut self, text: &str, post: PostId, at: Timestamp) -> Result<SealedPost, EngineError> {
        team_slot(&mut self.doctor)?.seal_post(&note(text), post, at, None, &mut self.rng)
    }

    /// The doctor posts a note at `at`: the post's seq.
    pub fn post(&mut self, text: &str, post: PostId, at: Timestamp) -> Result<i64, EngineError> {
        let sealed = self.seal(text, post, at)?;
        let sender = self.doctor_id();
        Ok(self.log.post(sender, &sealed, at))
    }
}
