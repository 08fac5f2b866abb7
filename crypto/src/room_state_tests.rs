#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use uuid::Uuid;

use super::*;
use crate::channel::{HistoryPolicy, LogKind};
use crate::envelope::{ContentType, PostEnvelope};
use crate::mls::{DeviceIdentity, MlsDevice};
use crate::proto::PostId;
use crate::testing::TestRandom;

const T0: Timestamp = Timestamp(1_800_000_000_000);
const NAME: &str = "山田花子様 (marker 4417)";

fn room() -> RoomId {
    RoomId::from_uuid(Uuid::from_u128(0x100))
}

fn device(n: u128) -> MlsDevice {
    MlsDevice::new(DeviceIdentity::generate(
        UserId::from_uuid(Uuid::from_u128(n)),
        DeviceId::from_uuid(Uuid::from_u128(1000 + n)),
        &mut TestRandom::new(n as u64),
    ))
}

struct Log(Vec<(LogKind, DeviceId, Vec<u8>)>);

struct Member {
    device: MlsDevice,
    state: ChannelState,
    seen: usize,
}

impl Member {
    fn sync(&mut self, log: &Log) {
        for (kind, sender, body) in &log.0[self.seen..] {
            self.state.process(*kind, Some(*sender), body).unwrap();
        }
        self.seen = log.0.len();
    }

    fn id(&self) -> DeviceId {
        self.device.identity().device()
    }
}

/// The owner creates the family channel and starts its first era.
fn owner(log: &mut Log, rng: &mut TestRandom) -> Member {
    let device = device(1);
    let (mut state, _) = ChannelState::create(&device, room(), Channel::Family).unwrap();
    assert_eq!(
        state.seal_room_state(&RoomState::named(NAME).unwrap(), 1, T0, rng),
        Err(RoomStateError::NoEra),
        "nothing to seal under before the first era"
    );
    let era = state.share_eras(HistoryPolicy::Full, T0, rng).unwrap();
    log.0.push((LogKind::EraKey, device.identity().device(), era));
    Member {
        device,
        state,
        seen: log.0.len(),
    }
}

fn add(
    log: &mut Log,
    adder: &mut Member,
    newcomer: MlsDevice,
    policy: HistoryPolicy,
    rng: &mut TestRandom,
) -> Member {
    adder.sync(log);
    let package = newcomer.generate_key_packages(1, false).unwrap().remove(0).bytes;
    let pending = adder.state.add_devices(&[package]).unwrap();
    log.0.push((LogKind::Commit, adder.id(), pending.commit.clone()));
    adder.state.commit_accepted().unwrap();
    let joined_at = log.0.len();
    let share = adder.state.share_eras(policy, T0, rng).unwrap();
    log.0.push((LogKind::EraKey, adder.id(), share));
    adder.seen = log.0.len();
    let state = ChannelState::join(&newcomer, room(), Channel::Family, &pending.welcome.unwrap()).unwrap();
    let mut member = Member {
        device: newcomer,
        state,
        seen: joined_at,
    };
    member.sync(log);
    member
}

#[test]
fn members_open_the_name_and_a_family_member_who_joins_later_once_it_is_sealed_again() {
    let mut rng = TestRandom::new(7);
    let mut log = Log(Vec::new());
    let mut owner = owner(&mut log, &mut rng);
    let sealed = owner
        .state
        .seal_room_state(&RoomState::named(NAME).unwrap(), 1, T0, &mut rng)
        .unwrap();
    assert_eq!(sealed.len(), SEALED_LEN);
    assert!(
        !sealed.windows(6).any(|w| w == "山田".as_bytes()),
        "the name is not in the sealed bytes"
    );
    let opened = owner.state.open_room_state(&sealed).unwrap();
    assert_eq!(opened.state.name, NAME);
    assert_eq!(opened.header.revision, 1);

    // A professional added with the whole history reads it.
    let nurse = add(&mut log, &mut owner, device(2), HistoryPolicy::Full, &mut rng);
    assert_eq!(nurse.state.open_room_state(&sealed).unwrap().state.name, NAME);

    // A family member reads from their joining on: a new era, which they hold alone.
    let family = add(&mut log, &mut owner, device(3), HistoryPolicy::FromNow, &mut rng);
    assert!(matches!(
        family.state.open_room_state(&sealed),
        Err(RoomStateError::UnknownEra(_))
    ));
    // The owner sees the state is under an older era and seals it again.
    let era = SealedRoomState::from_bytes(&sealed).unwrap().header.era;
    assert!(owner.state.room_state_outdated(era));
    let again = owner
        .state
        .seal_room_state(&opened.state, 2, T0, &mut rng)
        .unwrap();
    let new_era = SealedRoomState::from_bytes(&again).unwrap().header.era;
    assert!(!owner.state.room_state_outdated(new_era));
    assert_eq!(family.state.open_room_state(&again).unwrap().state.name, NAME);
    assert_eq!(
        owner.state.open_room_state(&again).unwrap().state.name,
        NAME,
        "the sealer reads its own"
    );
    let mut nurse = nurse;
    nurse.sync(&log);
    assert_eq!(nurse.state.open_room_state(&again).unwrap().header.revision, 2);
}

#[test]
fn a_tampered_misplaced_or_forged_state_is_refused() {
    let mut rng = TestRandom::new(8);
    let mut log = Log(Vec::new());
    let mut owner = owner(&mut log, &mut rng);
    let sealed = owner
        .state
        .seal_room_state(&RoomState::named(NAME).unwrap(), 1, T0, &mut rng)
        .unwrap();

    let mut altered = sealed.clone();
    *altered.last_mut().unwrap() ^= 1;
    assert_eq!(
        owner.state.open_room_state(&altered),
        Err(RoomStateError::BadSignature)
    );
    let mut renumbered = sealed.clone();
    renumbered[1 + 16 + 1 + 16 + 16 + 16 + 7] ^= 1; // the revision's last byte
    assert_eq!(
        owner.state.open_room_state(&renumbered),
        Err(RoomStateError::BadSignature)
    );
    assert!(matches!(
        owner.state.open_room_state(&sealed[..sealed.len() - 1]),
        Err(RoomStateError::Decode(_))
    ));

    // Another room's channel does not take it.
    let other_device = device(5);
    let other_room = RoomId::from_uuid(Uuid::from_u128(0x200));
    let (other, _) = ChannelState::create(&other_device, other_room, Channel::Family).unwrap();
    assert_eq!(other.open_room_state(&sealed), Err(RoomStateError::WrongRoom));

    // A device outside the channel in that era cannot pass off a state as a member's.
    let outsider = device(6);
    let era = owner.state.current_era().unwrap();
    let header = RoomStateHeader {
        room: room(),
        channel: Channel::Family,
        era,
        author_user: outsider.identity().user(),
        author_device: outsider.identity().device(),
        revision: 2,
        sealed_at: T0,
    };
    let key = owner.state.book.eras[&era].key.clone();
    let forged = seal(
        header,
        &RoomState::named("偽の名前").unwrap(),
        &key,
        outsider.identity().signing_key(),
        &mut rng,
    )
    .unwrap()
    .to_bytes();
    assert_eq!(
        owner.state.open_room_state(&forged),
        Err(RoomStateError::NotAMember)
    );

    // A room state is not a post and a post is not a room state.
    assert!(owner.state.open_post(Some(owner.id()), &sealed).is_err());
    let post = owner
        .state
        .seal_post(
            &PostEnvelope::new(ContentType::Note, "訪問完了"),
            PostId::from_uuid(Uuid::from_u128(9)),
            T0,
            &mut rng,
        )
        .unwrap()
        .post;
    assert!(matches!(
        owner.state.open_room_state(&post),
        Err(RoomStateError::Decode(_))
    ));
}

#[test]
fn every_name_seals_to_the_same_length_and_bad_names_are_refused() {
    let mut rng = TestRandom::new(9);
    let mut log = Log(Vec::new());
    let owner = owner(&mut log, &mut rng);
    let short = owner
        .state
        .seal_room_state(&RoomState::named("A").unwrap(), 1, T0, &mut rng)
        .unwrap();
    let long = owner
        .state
        .seal_room_state(&RoomState::named(&"𠮷".repeat(100)).unwrap(), 1, T0, &mut rng)
        .unwrap();
    assert_eq!(short.len(), long.len());
    for bad in ["", "  ", "a\nb"] {
        assert_eq!(RoomState::named(bad), Err(RoomStateError::InvalidName));
    }
    assert_eq!(
        RoomState::named(&"x".repeat(101)),
        Err(RoomStateError::InvalidName)
    );
    assert_eq!(
        format!("{:?}", RoomState::named(NAME).unwrap()),
        "RoomState { name: *** }"
    );
}
