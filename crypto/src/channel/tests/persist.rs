//! Saving and restoring a device: MLS state and channel state, encrypted at rest.

use super::*;
use crate::vault::{open_state, seal_state};

const LABEL: &[u8] = b"kizuna-client-state";

#[test]
fn a_restored_device_reads_old_posts_and_sends_new_ones() {
    let mut rng = TestRandom::new(40);
    let (mut log, mut doctor) = channel(device(1), Channel::Team);
    let mut nurse = add(
        &mut log,
        &mut doctor,
        vec![device(2)],
        HistoryPolicy::Full,
        T0,
        &mut rng,
    )
    .remove(0);
    doctor.say(&mut log, "day one", T0, &mut rng);
    doctor.say(&mut log, "day two", hours(25), &mut rng);
    assert_eq!(nurse.read(&log), vec!["day one", "day two"]);

    // The nurse's browser saves everything under a key from her passkey, then closes.
    let vault_key = [0x42; 32];
    let mls = seal_state(&vault_key, LABEL, &nurse.device.export_state().unwrap(), &mut rng);
    let channel = seal_state(&vault_key, LABEL, &nurse.state.export().unwrap(), &mut rng);
    let identity = nurse.device.identity().clone();
    let seen = nurse.seen;
    drop(nurse);

    doctor.say(&mut log, "while she was away", hours(26), &mut rng);
    let device = MlsDevice::import_state(identity, &open_state(&vault_key, LABEL, &mls).unwrap()).unwrap();
    let state = ChannelState::import(&device, &open_state(&vault_key, LABEL, &channel).unwrap()).unwrap();
    let mut nurse = Member { device, state, seen };
    assert_eq!(
        open_all(&nurse, &log),
        vec![
            Ok("day one".to_owned()),
            Ok("day two".to_owned()),
            Ok("while she was away".to_owned())
        ]
    );
    assert_eq!(nurse.read(&log), vec!["while she was away"]);
    assert!(
        !nurse.say(&mut log, "back again", hours(27), &mut rng),
        "same era as before"
    );
    assert_eq!(
        doctor.read(&log),
        vec!["day one", "day two", "while she was away", "back again"]
    );
    // Export is deterministic and complete.
    let again = ChannelState::import(&nurse.device, &nurse.state.export().unwrap()).unwrap();
    assert_eq!(
        again.export().unwrap().as_slice(),
        nurse.state.export().unwrap().as_slice()
    );
}

#[test]
fn a_newcomer_saved_before_its_history_arrived_still_opens_it() {
    let mut rng = TestRandom::new(41);
    let (mut log, mut doctor) = channel(device(1), Channel::Team);
    doctor.say(&mut log, "history", T0, &mut rng);
    let nurse_device = device(2);
    let pending = doctor.state.add_devices(&[key_package(&nurse_device)]).unwrap();
    log.commit(&doctor, &pending).unwrap();
    doctor.state.commit_accepted().unwrap();
    // The doctor's client restarts between the Welcome and sharing the eras.
    let doctor_mls = doctor.device.export_state().unwrap();
    let doctor_channel = doctor.state.export().unwrap();
    let doctor_device = MlsDevice::import_state(doctor.device.identity().clone(), &doctor_mls).unwrap();
    doctor.state = ChannelState::import(&doctor_device, &doctor_channel).unwrap();
    doctor.device = doctor_device;
    // So does the nurse's, right after joining.
    let joined = ChannelState::join(
        &nurse_device,
        room(),
        Channel::Team,
        pending.welcome.as_ref().unwrap(),
    )
    .unwrap();
    let nurse_mls = nurse_device.export_state().unwrap();
    let nurse_device = MlsDevice::import_state(nurse_device.identity().clone(), &nurse_mls).unwrap();
    let state = ChannelState::import(&nurse_device, &joined.export().unwrap()).unwrap();
    let mut nurse = Member {
        device: nurse_device,
        state,
        seen: log.entries.len(),
    };
    let share = doctor
        .state
        .share_eras(HistoryPolicy::Full, T0, &mut rng)
        .unwrap();
    log.append(LogKind::EraKey, &doctor, share);
    nurse.read(&log);
    assert_eq!(open_all(&nurse, &log), vec![Ok("history".to_owned())]);
    // The init key is gone once used.
    assert!(nurse.state.welcome.is_none());
}

#[test]
fn import_refuses_damaged_state_and_state_from_another_moment() {
    let mut rng = TestRandom::new(42);
    let (mut log, mut doctor) = channel(device(1), Channel::Team);
    let mut nurse = add(
        &mut log,
        &mut doctor,
        vec![device(2)],
        HistoryPolicy::Full,
        T0,
        &mut rng,
    )
    .remove(0);
    nurse.read(&log);
    let old_mls = nurse.device.export_state().unwrap();
    let old_channel = nurse.state.export().unwrap();
    for cut in 0..old_channel.len() {
        assert!(
            ChannelState::import(&nurse.device, &old_channel[..cut]).is_err(),
            "cut {cut}"
        );
    }
    let mut longer = old_channel.to_vec();
    longer.push(0);
    assert!(ChannelState::import(&nurse.device, &longer).is_err());

    // A commit later, the MLS state moved on but the old channel export did not.
    let _ = add(
        &mut log,
        &mut doctor,
        vec![device(3)],
        HistoryPolicy::Full,
        T0,
        &mut rng,
    );
    nurse.read(&log);
    assert_eq!(
        ChannelState::import(&nurse.device, &old_channel).unwrap_err(),
        ChannelError::State("channel state and MLS state were saved at different epochs")
    );
    let old_device = MlsDevice::import_state(nurse.device.identity().clone(), &old_mls).unwrap();
    assert!(ChannelState::import(&old_device, &nurse.state.export().unwrap()).is_err());
    // A device that is not in the channel at all.
    assert_eq!(
        ChannelState::import(&device(7), &old_channel).unwrap_err(),
        ChannelError::State("the device's MLS state has no such channel")
    );
}

#[test]
fn replayed_posts_are_refused_after_a_restart_and_positions_can_be_forgotten() {
    let mut rng = TestRandom::new(43);
    let (mut log, mut doctor) = channel(device(1), Channel::Team);
    let mut nurse = add(
        &mut log,
        &mut doctor,
        vec![device(2)],
        HistoryPolicy::Full,
        T0,
        &mut rng,
    )
    .remove(0);
    doctor.say(&mut log, "熱なし", T0, &mut rng);
    assert_eq!(nurse.read(&log), vec!["熱なし"]);
    let entry = log.entries.last().unwrap().clone();
    let Ok(ChannelEvent::Post(opened, _)) =
        nurse.state.process_at(100, entry.kind, entry.sender, &entry.body)
    else {
        panic!("the post opens");
    };
    let post = opened.header.post;
    // Reading the same position again is not a replay.
    assert!(nurse
        .state
        .process_at(100, entry.kind, entry.sender, &entry.body)
        .is_ok());
    // The same post at another position is, also after a save and restore.
    let exported = nurse.state.export().unwrap();
    nurse.state = ChannelState::import(&nurse.device, &exported).unwrap();
    assert_eq!(
        nurse.state.process_at(101, entry.kind, entry.sender, &entry.body),
        Err(ChannelError::ReplayedPost {
            post,
            first_seq: 100,
            seq: 101
        })
    );
    // A renumbered (restored) log: positions start over.
    nurse.state.restart_log();
    assert!(nurse
        .state
        .process_at(101, entry.kind, entry.sender, &entry.body)
        .is_ok());
}
