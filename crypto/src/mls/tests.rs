//! What users notice: a care team's devices share a channel, see the same epoch, read
//! each other's messages; the server checks commits and lets exactly one win per epoch;
//! a removed device reads nothing new; bad bytes give errors, never panics.

use uuid::Uuid;

use super::*;
use crate::proto::{DeviceId, UserId};
use crate::testing::TestRandom;

const CHANNEL: &[u8] = b"room-1/team";

fn device(n: u128) -> MlsDevice {
    let identity = DeviceIdentity::generate(
        UserId::from_uuid(Uuid::from_u128(n)),
        DeviceId::from_uuid(Uuid::from_u128(1000 + n)),
        &mut TestRandom::new(n as u64),
    );
    MlsDevice::new(identity)
}

fn ids(device: &MlsDevice) -> (UserId, DeviceId) {
    (device.identity().user(), device.identity().device())
}

fn key_package(device: &MlsDevice) -> Vec<u8> {
    device.generate_key_packages(1, false).unwrap().remove(0).bytes
}

/// Sends `text` from `from` and returns what `to` decrypts.
fn relay(from: &mut ChannelMember, to: &mut ChannelMember, text: &[u8]) -> Result<Incoming, MlsError> {
    let message = from.encrypt_application(text).unwrap();
    to.process_incoming(&message)
}

struct Team {
    doctor: MlsDevice,
    nurse: MlsDevice,
    helper: MlsDevice,
    doctor_m: ChannelMember,
    nurse_m: ChannelMember,
    helper_m: ChannelMember,
    server: ServerGroupView,
}

/// The doctor creates the channel and adds the nurse and the helper in one commit.
fn team() -> Team {
    let (doctor, nurse, helper) = (device(1), device(2), device(3));
    let (mut doctor_m, group_info) = doctor.create_group(CHANNEL).unwrap();
    let mut server = ServerGroupView::from_group_info(&group_info, None).unwrap();
    assert_eq!(server.members(), vec![ids(&doctor)]);

    let out = doctor_m
        .add_devices(&[key_package(&nurse), key_package(&helper)])
        .unwrap();
    let checked = server.validate_commit(&out.commit).unwrap();
    assert_eq!(checked.added, vec![ids(&nurse), ids(&helper)]);
    assert_eq!((checked.epoch_from, checked.epoch), (0, 1));
    assert_eq!(checked.committer, Some(ids(&doctor)));
    assert_eq!(server.epoch(), 0, "validating must not change the server's state");
    assert_eq!(out.summary, checked);
    assert_eq!(server.accept(&out.commit).unwrap(), checked);
    assert_eq!(server.epoch(), 1);
    assert_eq!(doctor_m.merge_pending_commit().unwrap(), 1);

    let welcome = out.welcome.unwrap();
    let nurse_m = nurse.join_from_welcome(&welcome, None).unwrap();
    let helper_m = helper.join_from_welcome(&welcome, None).unwrap();
    Team {
        doctor,
        nurse,
        helper,
        doctor_m,
        nurse_m,
        helper_m,
        server,
    }
}

#[test]
fn doctor_nurse_and_helper_share_a_channel_and_read_each_other() {
    let mut t = team();
    assert_eq!(
        [t.doctor_m.epoch(), t.nurse_m.epoch(), t.helper_m.epoch()],
        [1, 1, 1]
    );
    let everyone = vec![ids(&t.doctor), ids(&t.nurse), ids(&t.helper)];
    for member in [&t.doctor_m, &t.nurse_m, &t.helper_m] {
        let seen: Vec<_> = member.members().iter().map(|m| (m.user, m.device)).collect();
        assert_eq!(seen, everyone);
    }
    assert_eq!(t.server.members(), everyone);
    // The leaf key is the post-signing key.
    let nurse_in_group = t
        .doctor_m
        .members()
        .into_iter()
        .find(|m| m.device == t.nurse.identity().device());
    assert_eq!(
        nurse_in_group.unwrap().signature_key,
        t.nurse.identity().verifying_key()
    );

    let era_keys = b"era keys for the team channel";
    for (from, to) in [(0, 1), (1, 2)] {
        let members = [&mut t.doctor_m, &mut t.nurse_m, &mut t.helper_m];
        let message = members[from].encrypt_application(era_keys).unwrap();
        let got = members[to].process_incoming(&message).unwrap();
        let Incoming::Application { plaintext, .. } = got else {
            panic!("{got:?}")
        };
        assert_eq!(plaintext, era_keys);
    }
    let got = relay(&mut t.helper_m, &mut t.doctor_m, b"visit done").unwrap();
    assert_eq!(
        got,
        Incoming::Application {
            sender: ids(&t.helper),
            plaintext: b"visit done".to_vec()
        }
    );
    // Application messages are private: the server cannot take them for commits.
    let message = t.doctor_m.encrypt_application(b"secret").unwrap();
    assert_eq!(
        t.server.validate_commit(&message),
        Err(ServerViewError::NotPublic)
    );
}

#[test]
fn the_first_commit_of_an_epoch_wins_and_the_loser_recommits() {
    let mut t = team();
    let (phone, tablet) = (device(4), device(5));
    let nurse_out = t.nurse_m.add_devices(&[key_package(&phone)]).unwrap();
    let helper_out = t.helper_m.add_devices(&[key_package(&tablet)]).unwrap();
    assert!(
        t.server.validate_commit(&helper_out.commit).is_ok(),
        "both are valid on their own"
    );

    t.server.accept(&nurse_out.commit).unwrap();
    t.nurse_m.merge_pending_commit().unwrap();
    assert_eq!(
        t.server.accept(&helper_out.commit),
        Err(ServerViewError::WrongEpoch {
            message: 1,
            current: 2
        })
    );

    // The helper drops its commit, catches up, and commits again.
    assert!(t.helper_m.has_pending_commit());
    t.helper_m.clear_pending_commit().unwrap();
    assert!(!t.helper_m.has_pending_commit());
    let Incoming::Commit(summary) = t.helper_m.process_incoming(&nurse_out.commit).unwrap() else {
        panic!()
    };
    assert_eq!(summary.added, vec![ids(&phone)]);
    assert_eq!(summary.committer, Some(ids(&t.nurse)));
    assert_eq!(summary.epoch, 2);
    let retry = t.helper_m.add_devices(&[key_package(&tablet)]).unwrap();
    assert_eq!(t.server.accept(&retry.commit).unwrap().added, vec![ids(&tablet)]);
    t.helper_m.merge_pending_commit().unwrap();

    // The others process both commits in the server's order.
    for commit in [&nurse_out.commit, &retry.commit] {
        assert!(matches!(
            t.doctor_m.process_incoming(commit).unwrap(),
            Incoming::Commit(_)
        ));
    }
    assert!(matches!(
        t.nurse_m.process_incoming(&retry.commit).unwrap(),
        Incoming::Commit(_)
    ));
    // A commit out of order is refused, not misapplied.
    assert_eq!(
        t.doctor_m.process_incoming(&nurse_out.commit),
        Err(MlsError::WrongEpoch {
            message: 1,
            current: 3
        })
    );
    let mut phone_m = phone
        .join_from_welcome(nurse_out.welcome.as_ref().unwrap(), None)
        .unwrap();
    phone_m.process_incoming(&retry.commit).unwrap();
    let mut tablet_m = tablet
        .join_from_welcome(retry.welcome.as_ref().unwrap(), None)
        .unwrap();
    let epochs: Vec<u64> = [&t.doctor_m, &t.nurse_m, &t.helper_m, &phone_m, &tablet_m]
        .iter()
        .map(|m| m.epoch())
        .collect();
    assert_eq!(epochs, vec![3; 5]);
    assert_eq!(t.server.epoch(), 3);
    assert!(matches!(
        relay(&mut tablet_m, &mut phone_m, b"hi").unwrap(),
        Incoming::Application { .. }
    ));
}

#[test]
fn a_removed_device_cannot_read_what_is_sent_after_its_removal() {
    let mut t = team();
    let out = t
        .doctor_m
        .remove_devices(&[t.helper.identity().device()])
        .unwrap();
    assert_eq!(
        t.server.validate_commit(&out.commit).unwrap().removed,
        vec![ids(&t.helper)]
    );
    t.server.accept(&out.commit).unwrap();
    assert_eq!(t.server.members(), vec![ids(&t.doctor), ids(&t.nurse)]);
    t.doctor_m.merge_pending_commit().unwrap();
    let Incoming::Commit(summary) = t.nurse_m.process_incoming(&out.commit).unwrap() else {
        panic!()
    };
    assert_eq!(
        (summary.removed, summary.removed_self),
        (vec![ids(&t.helper)], false)
    );

    let after = t.doctor_m.encrypt_application(b"new era key").unwrap();
    assert!(matches!(
        t.nurse_m.process_incoming(&after).unwrap(),
        Incoming::Application { .. }
    ));
    // Without the removal commit the helper is an epoch behind: no keys for this message.
    assert!(t.helper_m.process_incoming(&after).is_err());
    // With it, the helper learns it was removed, and still reads nothing.
    let Incoming::Commit(summary) = t.helper_m.process_incoming(&out.commit).unwrap() else {
        panic!()
    };
    assert!(summary.removed_self);
    assert!(!t.helper_m.is_active());
    assert_eq!(t.helper_m.process_incoming(&after), Err(MlsError::Evicted));
    assert!(t.helper_m.encrypt_application(b"x").is_err());
    assert_eq!(
        t.doctor_m
            .remove_devices(&[t.helper.identity().device()])
            .unwrap_err(),
        MlsError::NotAMember(t.helper.identity().device())
    );
}

#[test]
fn garbage_truncated_and_foreign_bytes_are_errors_not_panics() {
    let mut t = team();
    let out = t.doctor_m.add_devices(&[key_package(&device(6))]).unwrap();
    let commit = out.commit.clone();
    let application = t.nurse_m.encrypt_application(b"hello").unwrap();
    let (mut other_m, _) = device(7).create_group(b"another channel").unwrap();
    let other_commit = other_m.add_devices(&[key_package(&device(8))]).unwrap().commit;

    let mut rng = TestRandom::new(99);
    let mut inputs: Vec<Vec<u8>> = vec![vec![], vec![0], vec![0, 1], vec![0xff; 64]];
    for len in [1, 10, 100, 1000] {
        let mut bytes = vec![0u8; len];
        crate::Random::fill(&mut rng, &mut bytes);
        inputs.push(bytes);
    }
    for source in [&commit, &application, &out.welcome.clone().unwrap()] {
        for cut in [1, 2, 4, 10, source.len() / 2, source.len() - 1] {
            inputs.push(source[..cut].to_vec());
        }
        let mut flipped = source.clone();
        let middle = flipped.len() / 2;
        flipped[middle] ^= 0x55;
        inputs.push(flipped);
        let mut longer = source.clone();
        longer.push(0);
        inputs.push(longer);
    }
    for bytes in &inputs {
        assert!(t.nurse_m.process_incoming(bytes).is_err(), "{bytes:?}");
        assert!(t.server.validate_commit(bytes).is_err());
        assert!(t.server.accept(bytes).is_err());
        assert!(ServerGroupView::from_group_info(bytes, None).is_err());
        assert!(t.nurse.join_from_welcome(bytes, None).is_err());
        assert!(t.nurse_m.add_devices(&[bytes]).is_err());
        assert!(MlsDevice::import_state(t.nurse.identity().clone(), bytes).is_err());
    }
    assert_eq!(
        t.nurse_m.process_incoming(&other_commit),
        Err(MlsError::WrongGroup)
    );
    assert_eq!(
        t.server.validate_commit(&other_commit),
        Err(ServerViewError::WrongGroup)
    );
    assert!(matches!(
        t.server.validate_commit(&out.welcome.unwrap()),
        Err(ServerViewError::Malformed { .. })
    ));
    // Nothing above changed anyone's state.
    assert_eq!((t.server.epoch(), t.nurse_m.epoch()), (1, 1));
    assert_eq!(t.server.accept(&commit).unwrap().epoch, 2);
    assert!(matches!(
        t.nurse_m.process_incoming(&commit).unwrap(),
        Incoming::Commit(_)
    ));
}

#[test]
fn a_device_restored_from_exported_state_keeps_reading_the_channel() {
    let mut t = team();
    let state = t.nurse.export_state().unwrap();
    assert_eq!(
        state.as_slice(),
        t.nurse.export_state().unwrap().as_slice(),
        "deterministic"
    );
    let restored = MlsDevice::import_state(t.nurse.identity().clone(), &state).unwrap();
    let mut nurse_again = restored.load_group(CHANNEL).unwrap().unwrap();
    assert_eq!(nurse_again.epoch(), 1);
    assert!(restored.load_group(b"no such channel").unwrap().is_none());
    let got = relay(&mut t.doctor_m, &mut nurse_again, b"after restore").unwrap();
    assert!(matches!(got, Incoming::Application { .. }));
    assert_eq!(format!("{restored:?}").matches("***").count(), 2);
}

#[test]
fn key_packages_come_with_ids_and_last_resort_ones_are_marked() {
    let doctor = device(1);
    let packages = doctor.generate_key_packages(3, false).unwrap();
    assert_eq!(packages.len(), 3);
    assert!(packages.iter().all(|p| !p.last_resort && p.id.len() == 32));
    assert_ne!(packages[0].id, packages[1].id);
    let last = doctor.generate_key_packages(1, true).unwrap();
    assert!(last[0].last_resort);
    // A last-resort package can be used for two channels.
    let nurse = device(2);
    for channel in [b"a".as_slice(), b"b"] {
        let (mut m, _) = nurse.create_group(channel).unwrap();
        let out = m.add_devices(&[&last[0].bytes]).unwrap();
        m.merge_pending_commit().unwrap();
        doctor.join_from_welcome(&out.welcome.unwrap(), None).unwrap();
    }
}

#[test]
fn the_server_view_survives_export_and_import_between_requests() {
    let mut t = team();
    let saved = t.server.export().unwrap();
    assert_eq!(saved, t.server.export().unwrap(), "deterministic");
    let mut restored = ServerGroupView::import(CHANNEL, &saved).unwrap();
    assert_eq!(restored.epoch(), 1);
    assert_eq!(restored.members(), t.server.members());
    assert_eq!(restored.group_id(), CHANNEL);

    // The restored view checks and applies the next commit like the original.
    let phone = device(6);
    let out = t.doctor_m.add_devices(&[key_package(&phone)]).unwrap();
    assert_eq!(
        restored.validate_commit(&out.commit).unwrap().added,
        vec![ids(&phone)]
    );
    assert_eq!(restored.accept(&out.commit).unwrap(), out.summary);
    t.doctor_m.merge_pending_commit().unwrap();

    // Saved again after the commit: the old epoch's commits are refused, the next is taken.
    let mut again = ServerGroupView::import(CHANNEL, &restored.export().unwrap()).unwrap();
    assert_eq!(again.epoch(), 2);
    assert_eq!(
        again.accept(&out.commit),
        Err(ServerViewError::WrongEpoch {
            message: 1,
            current: 2
        })
    );
    let removal = t
        .doctor_m
        .remove_devices(&[t.helper.identity().device()])
        .unwrap();
    assert_eq!(
        again.accept(&removal.commit).unwrap().removed,
        vec![ids(&t.helper)]
    );
    assert_eq!(again.epoch(), 3);
    assert!(!again.members().contains(&ids(&t.helper)));

    // Damaged or foreign bytes are errors.
    for cut in (0..saved.len()).step_by(97) {
        assert!(
            ServerGroupView::import(CHANNEL, &saved[..cut]).is_err(),
            "cut {cut}"
        );
    }
    let mut longer = saved.clone();
    longer.push(0);
    assert!(ServerGroupView::import(CHANNEL, &longer).is_err());
    assert_eq!(
        ServerGroupView::import(b"another channel", &saved).unwrap_err(),
        ServerViewError::State("no view of this group in the saved bytes")
    );
    assert!(ServerGroupView::import(CHANNEL, b"garbage").is_err());
}
