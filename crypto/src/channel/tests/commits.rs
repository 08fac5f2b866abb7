//! Commits: echoes, other members' changes, removal, pending commits and races.

use super::*;
use crate::mls::MlsError;

#[test]
fn own_commits_echo_as_ignored_and_other_members_commits_are_merged() {
    let mut rng = TestRandom::new(30);
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
    assert_eq!(
        doctor.sync(&log),
        vec![Ok(ChannelEvent::Ignored), Ok(ChannelEvent::Ignored)],
        "its own commit and era keys"
    );
    nurse.read(&log);
    let helper = add(
        &mut log,
        &mut nurse,
        vec![device(3)],
        HistoryPolicy::Full,
        T0,
        &mut rng,
    )
    .remove(0);
    let events = doctor.sync(&log);
    let Ok(ChannelEvent::Commit(summary)) = &events[0] else {
        panic!("{events:?}")
    };
    assert_eq!(summary.added, vec![(helper.user(), helper.id())]);
    assert_eq!(summary.committer, Some((nurse.user(), nurse.id())));
    assert_eq!((summary.epoch_from, summary.epoch), (1, 2));
    assert_eq!(events[1], Ok(ChannelEvent::Eras(vec![])));
    assert_eq!(doctor.state.epoch(), 2);
    assert_eq!(doctor.state.members().len(), 3);
    // Replaying an applied commit is harmless.
    assert_eq!(
        doctor
            .state
            .process(LogKind::Commit, Some(nurse.id()), &log.entries[2].body),
        Ok(ChannelEvent::Ignored)
    );
}

#[test]
fn a_removed_device_is_told_so_and_can_do_nothing_more() {
    let mut rng = TestRandom::new(31);
    let (mut log, mut doctor) = channel(device(1), Channel::Team);
    let mut helper = add(
        &mut log,
        &mut doctor,
        vec![device(3)],
        HistoryPolicy::Full,
        T0,
        &mut rng,
    )
    .remove(0);
    helper.read(&log);
    helper.say(&mut log, "still here", T0, &mut rng);
    remove(&mut log, &mut doctor, &[helper.id()]);
    doctor.say(&mut log, "after", hours(1), &mut rng);
    let results = helper.sync(&log);
    assert!(matches!(&results[0], Ok(ChannelEvent::Post(p, _)) if p.envelope.body == "still here"));
    assert_eq!(results[1], Ok(ChannelEvent::Removed));
    assert!(results[2..].iter().all(|r| *r == Err(ChannelError::Inactive)));
    assert_eq!(
        helper.state.add_devices(&[key_package(&device(9))]).unwrap_err(),
        ChannelError::Inactive
    );
    assert_eq!(
        helper
            .state
            .share_eras(HistoryPolicy::Full, T0, &mut rng)
            .unwrap_err(),
        ChannelError::Inactive
    );
    // What it could read before stays readable on this device.
    assert_eq!(open_all(&helper, &log)[0], Ok("still here".to_owned()));
}

#[test]
fn a_removed_device_added_back_joins_again_and_reads_from_then_on() {
    let mut rng = TestRandom::new(35);
    let (mut log, mut doctor) = channel(device(1), Channel::Family);
    let helper = add(
        &mut log,
        &mut doctor,
        vec![device(3)],
        HistoryPolicy::FromNow,
        T0,
        &mut rng,
    )
    .remove(0);
    let Member {
        device: helper_device,
        state: mut old,
        ..
    } = helper;
    remove(&mut log, &mut doctor, &[helper_device.identity().device()]);
    for entry in &log.entries[log.entries.len() - 1..] {
        drop(old.process(entry.kind, entry.sender, &entry.body));
    }
    assert!(!old.is_active());
    doctor.say(&mut log, "while away", hours(1), &mut rng);
    // Re-invited: the same device is added again with a fresh key package.
    let mut back = add(
        &mut log,
        &mut doctor,
        vec![helper_device],
        HistoryPolicy::FromNow,
        hours(2),
        &mut rng,
    )
    .remove(0);
    doctor.say(&mut log, "welcome back", hours(3), &mut rng);
    assert_eq!(back.read(&log), vec!["welcome back".to_owned()]);
    assert!(
        open_all(&back, &log).iter().any(|r| r.is_err()),
        "nothing from while it was away"
    );
}

#[test]
fn while_a_commit_is_pending_posting_sharing_and_other_commits_wait() {
    let mut rng = TestRandom::new(32);
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
    doctor.read(&log);
    let pending = doctor.state.add_devices(&[key_package(&device(4))]).unwrap();
    assert!(doctor.state.has_pending_commit());
    let envelope = PostEnvelope::new(ContentType::Note, "x");
    let post = PostId::from_uuid(Uuid::from_u128(5));
    assert_eq!(
        doctor.state.seal_post(&envelope, post, T0, &mut rng),
        Err(ChannelError::PendingCommit)
    );
    assert_eq!(
        doctor.state.share_eras(HistoryPolicy::Full, T0, &mut rng),
        Err(ChannelError::PendingCommit)
    );
    assert_eq!(
        doctor.state.remove_devices(&[nurse.id()]).unwrap_err(),
        ChannelError::PendingCommit
    );
    // Meanwhile the nurse posts, and her commit wins the epoch.
    nurse.say(&mut log, "posted meanwhile", T0, &mut rng);
    let hers = nurse.state.add_devices(&[key_package(&device(5))]).unwrap();
    log.commit(&nurse, &hers).unwrap();
    nurse.state.commit_accepted().unwrap();
    assert!(log.commit(&doctor, &pending).is_err(), "wrong epoch");
    let results = doctor.sync(&log);
    assert!(matches!(&results[0], Ok(ChannelEvent::Post(p, _)) if p.envelope.body == "posted meanwhile"));
    assert_eq!(results[1], Err(ChannelError::PendingCommit));
    assert_eq!(doctor.state.epoch(), 1, "nothing applied");
    // Settle, then catch up.
    doctor.state.commit_rejected().unwrap();
    assert!(!doctor.state.has_pending_commit());
    let entry = log.entries.last().unwrap();
    assert!(matches!(
        doctor.state.process(entry.kind, entry.sender, &entry.body),
        Ok(ChannelEvent::Commit(_))
    ));
    assert_eq!(doctor.state.commit_accepted(), Err(ChannelError::NoPendingCommit));
    assert_eq!(doctor.state.epoch(), 2);
}

#[test]
fn concurrent_commits_the_loser_catches_up_recommits_and_both_agree() {
    let mut rng = TestRandom::new(33);
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
    doctor.read(&log);
    let (therapist, pharmacist) = (device(4), device(6));
    let doctors = doctor.state.add_devices(&[key_package(&therapist)]).unwrap();
    let nurses = nurse.state.add_devices(&[key_package(&pharmacist)]).unwrap();
    assert_eq!(doctors.summary.epoch_from, nurses.summary.epoch_from);

    // The server takes the doctor's; the nurse is told "wrong epoch".
    log.commit(&doctor, &doctors).unwrap();
    doctor.state.commit_accepted().unwrap();
    let therapist_joins_at = log.entries.len();
    let share = doctor
        .state
        .share_eras(HistoryPolicy::Full, T0, &mut rng)
        .unwrap();
    log.append(LogKind::EraKey, &doctor, share);
    assert!(matches!(
        log.commit(&nurse, &nurses),
        Err(ServerViewError::WrongEpoch {
            message: 1,
            current: 2
        })
    ));
    nurse.state.commit_rejected().unwrap();
    assert!(matches!(nurse.sync(&log)[0], Ok(ChannelEvent::Commit(_))));
    // The nurse commits again, with a fresh key package of the pharmacist's.
    let retry = nurse.state.add_devices(&[key_package(&pharmacist)]).unwrap();
    log.commit(&nurse, &retry).unwrap();
    nurse.state.commit_accepted().unwrap();
    let pharmacist_joins_at = log.entries.len();
    let share = nurse.state.share_eras(HistoryPolicy::Full, T0, &mut rng).unwrap();
    log.append(LogKind::EraKey, &nurse, share);

    let mut therapist = Member {
        state: ChannelState::join(
            &therapist,
            room(),
            Channel::Team,
            doctors.welcome.as_ref().unwrap(),
        )
        .unwrap(),
        device: therapist,
        seen: therapist_joins_at,
    };
    let mut pharmacist = Member {
        state: ChannelState::join(
            &pharmacist,
            room(),
            Channel::Team,
            retry.welcome.as_ref().unwrap(),
        )
        .unwrap(),
        device: pharmacist,
        seen: pharmacist_joins_at,
    };
    for member in [&mut doctor, &mut nurse, &mut therapist, &mut pharmacist] {
        member.read(&log);
        assert_eq!(member.state.epoch(), 3);
        assert_eq!(member.state.members().len(), 4);
    }
    assert_eq!(log.view.epoch(), 3);
    pharmacist.say(&mut log, "prescription updated", hours(1), &mut rng);
    for member in [&mut doctor, &mut nurse, &mut therapist] {
        assert_eq!(member.read(&log), vec!["prescription updated"]);
    }
}

#[test]
fn garbage_entries_are_errors_not_panics_and_change_nothing() {
    let mut rng = TestRandom::new(34);
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
    doctor.say(&mut log, "real", T0, &mut rng);
    let samples: Vec<Vec<u8>> = log.entries.iter().map(|e| e.body.clone()).collect();
    let mut inputs: Vec<Vec<u8>> = vec![vec![], vec![0], vec![1; 40], vec![0xff; 300]];
    for sample in &samples {
        for cut in [1, 5, sample.len() / 2, sample.len() - 1] {
            inputs.push(sample[..cut].to_vec());
        }
        let mut longer = sample.clone();
        longer.push(0);
        inputs.push(longer);
    }
    let epoch = nurse.state.epoch();
    for input in &inputs {
        for kind in [LogKind::Commit, LogKind::EraKey, LogKind::Post] {
            let result = nurse.state.process(kind, Some(doctor.id()), input);
            assert!(result.is_err(), "{kind:?} {input:?}: {result:?}");
        }
        assert!(ChannelState::import(&nurse.device, input).is_err());
        assert!(ChannelState::join(&nurse.device, room(), Channel::Team, input).is_err());
        assert!(nurse.state.add_devices(std::slice::from_ref(input)).is_err());
    }
    // An entry of the wrong kind is refused too.
    assert!(matches!(
        nurse
            .state
            .process(LogKind::Commit, Some(doctor.id()), &samples[1]),
        Err(ChannelError::Malformed(_))
    ));
    assert!(matches!(
        nurse
            .state
            .process(LogKind::EraKey, Some(doctor.id()), &samples[0]),
        Err(ChannelError::Malformed(_))
    ));
    assert_eq!(nurse.state.epoch(), epoch);
    assert_eq!(nurse.read(&log), vec!["real"]);
}

#[test]
fn welcomes_are_routed_by_group_id_and_refused_for_another_channel() {
    let room = room();
    let id = format!("{room}/family");
    assert_eq!(
        ChannelState::parse_group_id(id.as_bytes()),
        Some((room, Channel::Family))
    );
    for bad in [
        id.to_uppercase(),
        format!("{room}/Family"),
        format!("{room}/family/x"),
        format!("{room}"),
        format!("{{{room}}}/team"),
        "/team".to_owned(),
    ] {
        assert_eq!(ChannelState::parse_group_id(bad.as_bytes()), None, "{bad}");
    }
    assert_eq!(ChannelState::parse_group_id(&[0xff, b'/']), None);

    let (mut log, mut doctor) = channel(device(1), Channel::Family);
    let nurse = device(2);
    let pending = doctor.state.add_devices(&[key_package(&nurse)]).unwrap();
    log.commit(&doctor, &pending).unwrap();
    let welcome = pending.welcome.unwrap();
    assert_eq!(
        ChannelState::join(&nurse, room, Channel::Team, &welcome).unwrap_err(),
        ChannelError::WrongChannel {
            expected: format!("{room}/team")
        }
    );
    // The refused Welcome consumed its (one-time) key package, like any processed Welcome.
    assert!(matches!(
        ChannelState::join(&nurse, room, Channel::Family, &welcome),
        Err(ChannelError::Mls(MlsError::Mls { .. }))
    ));
}
