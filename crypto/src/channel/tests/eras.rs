//! Eras: when they start, who may post in them, and what receivers refuse.

use super::*;
use crate::channel::book::Era;
use crate::channel::codec;
use crate::era::EraKey;
use crate::mls::MemberInfo;
use crate::post::{seal, OpenError, PostHeader, SealedPost};

/// Doctor (1) creates the team channel and adds nurse (2) and helper (3) with full history.
fn team(rng: &mut TestRandom) -> (Log, Member, Member, Member) {
    let (mut log, mut doctor) = channel(device(1), Channel::Team);
    let mut added = add(
        &mut log,
        &mut doctor,
        vec![device(2), device(3)],
        HistoryPolicy::Full,
        T0,
        rng,
    );
    let helper = added.pop().unwrap();
    let nurse = added.pop().unwrap();
    (log, doctor, nurse, helper)
}

#[test]
fn members_read_each_others_posts_and_era_keys_travel_once() {
    let mut rng = TestRandom::new(1);
    let (mut log, mut doctor, mut nurse, mut helper) = team(&mut rng);
    // The share after the add already started the first era: no second one for the post.
    assert_eq!(nurse.sync(&log).len(), 1);
    let era = nurse.state.current_era().unwrap();
    assert_eq!(doctor.state.current_era(), Some(era));
    assert!(!doctor.say(&mut log, "訪問しました / visited, BP 128/82", hours(1), &mut rng));
    assert!(!nurse.say(&mut log, "wound dressing changed", hours(2), &mut rng));
    assert_eq!(
        helper.read(&log),
        vec!["訪問しました / visited, BP 128/82", "wound dressing changed"]
    );
    assert_eq!(
        doctor.read(&log),
        vec!["訪問しました / visited, BP 128/82", "wound dressing changed"]
    );
    let ChannelEvent::Post(opened, header) = nurse
        .state
        .process(LogKind::Post, Some(doctor.id()), &log.entries[2].body)
        .unwrap()
    else {
        panic!()
    };
    assert_eq!(
        (header.author_user, header.author_device, header.era),
        (doctor.user(), doctor.id(), era)
    );
    assert_eq!(opened.header, header);

    let printed = format!("{:?}", doctor.state);
    assert!(printed.contains("/team") && printed.contains("***"), "{printed}");
    let key = doctor.state.book.eras[&era].key.secret();
    assert!(!printed.contains(&format!("{key:?}")[1..20]), "{printed}");
}

#[test]
fn the_first_post_in_a_new_channel_starts_the_first_era() {
    let mut rng = TestRandom::new(2);
    let (mut log, mut doctor) = channel(device(1), Channel::Team);
    assert_eq!(doctor.state.current_era(), None);
    assert!(doctor.say(&mut log, "room opened", T0, &mut rng));
    assert_eq!(log.entries.len(), 2);
    assert!(!doctor.say(&mut log, "second note", T0, &mut rng));
    assert_eq!(doctor.sync(&log).into_iter().filter(|r| r.is_ok()).count(), 3);
    assert_eq!(doctor.state.eras().len(), 1);
}

#[test]
fn a_removal_starts_a_new_era_that_the_removed_device_cannot_read() {
    let mut rng = TestRandom::new(3);
    let (mut log, mut doctor, mut nurse, mut helper) = team(&mut rng);
    doctor.say(&mut log, "before", hours(1), &mut rng);
    helper.read(&log);
    let old_era = helper.state.current_era().unwrap();
    // The helper leaves the care team; a copy of its state keeps the old keys.
    let helper_copy = ChannelState::import(&helper.device, &helper.state.export().unwrap()).unwrap();
    remove(&mut log, &mut doctor, &[helper.id()]);
    assert!(doctor.say(&mut log, "after", hours(2), &mut rng), "new era");
    let new_era = doctor.state.current_era().unwrap();
    assert_ne!(new_era, old_era);
    assert_eq!(nurse.read(&log), vec!["before", "after"]);

    // The helper learns it was removed, then reads nothing more.
    let results = helper.sync(&log);
    assert_eq!(results[0], Ok(ChannelEvent::Removed));
    assert!(results[1..].iter().all(|r| *r == Err(ChannelError::Inactive)));
    assert!(!helper.state.is_active());
    let after = &log.entries.last().unwrap().body;
    assert_eq!(
        helper_copy.open_post(None, after),
        Err(ChannelError::UnknownEra(new_era))
    );
    assert_eq!(
        helper.state.open_post(None, after),
        Err(ChannelError::UnknownEra(new_era))
    );
    assert!(helper
        .state
        .seal_post(
            &PostEnvelope::new(ContentType::Note, "x"),
            PostId::from_uuid(Uuid::nil()),
            hours(3),
            &mut rng
        )
        .is_err());

    // Even holding the new key, the helper could not post in the new era: it was not a
    // member while the era was current.
    let stolen = doctor.state.book.eras[&new_era].key.clone();
    let forged = forge(&helper, new_era, &stolen, &mut rng);
    assert_eq!(
        nurse.state.process(LogKind::Post, Some(helper.id()), &forged),
        Err(ChannelError::NotAMemberInEra {
            device: helper.id(),
            era: new_era
        })
    );
}

/// A post by `author` in `era`, sealed with `key` and signed by the author's own key.
fn forge(author: &Member, era: EraId, key: &EraKey, rng: &mut TestRandom) -> Vec<u8> {
    forge_as(author, author.user(), era, key, rng)
}

fn forge_as(author: &Member, user: UserId, era: EraId, key: &EraKey, rng: &mut TestRandom) -> Vec<u8> {
    let header = PostHeader {
        room: room(),
        channel: author.state.channel(),
        era,
        post: PostId::from_uuid(Uuid::from_u128(77)),
        author_user: user,
        author_device: author.id(),
        sent_at: hours(5),
    };
    let envelope = PostEnvelope::new(ContentType::Note, "forged");
    seal(
        header,
        &envelope,
        key,
        author.device.identity().signing_key(),
        rng,
    )
    .unwrap()
    .to_bytes()
}

#[test]
fn a_day_old_era_is_replaced_by_the_first_post_after_it_expires() {
    let mut rng = TestRandom::new(4);
    let (mut log, mut doctor, mut nurse, _) = team(&mut rng);
    nurse.read(&log);
    assert!(!nurse.say(&mut log, "morning", hours(23), &mut rng));
    assert!(
        nurse.say(&mut log, "next morning", hours(24), &mut rng),
        "24 h: new era"
    );
    assert!(!nurse.say(&mut log, "later", hours(25), &mut rng));
    assert_eq!(doctor.read(&log), vec!["morning", "next morning", "later"]);
    assert_eq!(doctor.state.eras().len(), 2);
    assert_eq!(doctor.state.current_era(), nurse.state.current_era());
}

#[test]
fn concurrent_eras_are_both_kept_and_the_last_in_log_order_is_current() {
    let mut rng = TestRandom::new(5);
    let (mut log, mut doctor, mut nurse, mut helper) = team(&mut rng);
    nurse.read(&log);
    doctor.read(&log);
    // A day later doctor and nurse post at the same moment: both start an era.
    assert!(doctor.say(&mut log, "from the doctor", hours(30), &mut rng));
    assert!(nurse.say(&mut log, "from the nurse", hours(30), &mut rng));
    let (doctor_era, nurse_era) = (
        doctor.state.current_era().unwrap(),
        nurse.state.current_era().unwrap(),
    );
    assert_ne!(doctor_era, nurse_era);
    for member in [&mut doctor, &mut nurse, &mut helper] {
        assert_eq!(member.read(&log), vec!["from the doctor", "from the nurse"]);
        assert_eq!(member.state.current_era(), Some(nurse_era), "last in log order");
        assert!(member.state.eras().contains(&doctor_era));
    }
    // Everyone agrees, so the doctor's next post needs no new era.
    assert!(!doctor.say(&mut log, "agreed", hours(31), &mut rng));
    assert_eq!(helper.read(&log), vec!["agreed"]);
}

#[test]
fn a_member_added_without_era_keys_gets_a_new_era_with_the_next_post() {
    let mut rng = TestRandom::new(6);
    let (mut log, mut doctor, mut nurse, _) = team(&mut rng);
    nurse.read(&log);
    // The doctor adds a therapist, but its client never sends the era keys.
    let therapist_device = device(4);
    let pending = doctor
        .state
        .add_devices(&[key_package(&therapist_device)])
        .unwrap();
    log.commit(&doctor, &pending).unwrap();
    doctor.state.commit_accepted().unwrap();
    let welcome = pending.welcome.unwrap();
    let mut therapist = Member {
        state: ChannelState::join(&therapist_device, room(), Channel::Team, &welcome).unwrap(),
        device: therapist_device,
        seen: log.entries.len(),
    };
    nurse.read(&log);
    assert!(
        nurse.say(&mut log, "for everyone", hours(1), &mut rng),
        "therapist lacks the key"
    );
    assert_eq!(therapist.read(&log), vec!["for everyone"]);
}

#[test]
fn posts_from_outside_their_era_under_another_name_or_key_are_refused() {
    let mut rng = TestRandom::new(7);
    let (log, doctor, mut nurse, mut helper) = team(&mut rng);
    nurse.read(&log);
    helper.read(&log);
    let era = nurse.state.current_era().unwrap();
    let key = nurse.state.book.eras[&era].key.clone();
    // The helper signs a post naming the doctor as the author user.
    let renamed = forge_as(&helper, doctor.user(), era, &key, &mut rng);
    assert_eq!(
        nurse.state.open_post(None, &renamed),
        Err(ChannelError::WrongUser {
            device: helper.id(),
            user: doctor.user()
        })
    );
    // The helper signs a post naming the doctor's device.
    let mut sealed = SealedPost::from_bytes(&forge(&helper, era, &key, &mut rng)).unwrap();
    sealed.header.author_device = doctor.id();
    sealed.header.author_user = doctor.user();
    assert_eq!(
        nurse.state.open_post(None, &sealed.to_bytes()),
        Err(ChannelError::Post(OpenError::BadSignature))
    );
    // A device that never was a member.
    let outsider = Member {
        device: device(9),
        state: ChannelState::create(&device(9), room(), Channel::Team).unwrap().0,
        seen: 0,
    };
    assert_eq!(
        nurse
            .state
            .open_post(None, &forge(&outsider, era, &key, &mut rng)),
        Err(ChannelError::NotAMemberInEra {
            device: outsider.id(),
            era
        })
    );
    // The genuine post still opens.
    assert!(nurse
        .state
        .open_post(Some(helper.id()), &forge(&helper, era, &key, &mut rng))
        .is_ok());
    drop(log);
}

#[test]
fn posts_replayed_into_another_room_or_channel_sent_by_another_device_or_altered_are_refused() {
    let mut rng = TestRandom::new(8);
    let (mut log, mut doctor, mut nurse, _) = team(&mut rng);
    nurse.read(&log);
    doctor.say(&mut log, "team only", hours(1), &mut rng);
    let post = log.entries.last().unwrap().body.clone();
    // The same people have a family channel; the server replays the team post there.
    let (mut family_log, mut doctor_f) = channel(device(1), Channel::Family);
    let mut nurse_f = add(
        &mut family_log,
        &mut doctor_f,
        vec![device(2)],
        HistoryPolicy::Full,
        T0,
        &mut rng,
    )
    .remove(0);
    nurse_f.read(&family_log);
    let wrong = Err(ChannelError::WrongChannel {
        expected: format!("{}/family", room()),
    });
    assert_eq!(
        nurse_f.state.process(LogKind::Post, Some(doctor.id()), &post),
        wrong
    );
    // ... or into another room's team channel.
    let mut other = SealedPost::from_bytes(&post).unwrap();
    other.header.room = RoomId::from_uuid(Uuid::from_u128(0x200));
    assert!(matches!(
        nurse.state.open_post(None, &other.to_bytes()),
        Err(ChannelError::WrongChannel { .. })
    ));
    // Re-sent by the nurse as if it were hers to send.
    assert_eq!(
        nurse.state.process(LogKind::Post, Some(nurse.id()), &post),
        Err(ChannelError::SenderMismatch {
            sender: nurse.id(),
            author: doctor.id()
        })
    );
    // Any altered byte: header, nonce, signature or ciphertext.
    for at in [1, 20, 120, 150, 200, post.len() - 1] {
        let mut altered = post.clone();
        altered[at] ^= 0x01;
        let result = nurse.state.process(LogKind::Post, Some(doctor.id()), &altered);
        assert!(
            matches!(
                result,
                Err(ChannelError::Post(OpenError::BadSignature)
                    | ChannelError::UnknownEra(_)
                    | ChannelError::NotAMemberInEra { .. }
                    | ChannelError::WrongChannel { .. }
                    | ChannelError::Malformed(_))
            ),
            "byte {at}: {result:?}"
        );
    }
    assert_eq!(nurse.read(&log), vec!["team only"]);
}

#[test]
fn era_key_messages_for_another_channel_or_in_another_format_are_refused() {
    let mut rng = TestRandom::new(9);
    let (mut log, mut doctor, mut nurse, _) = team(&mut rng);
    nurse.read(&log);
    doctor.read(&log);
    let era = Era::new(EraKey::generate(&mut rng), T0, &doctor.state.members());
    let elsewhere = codec::encode_message(room(), Channel::Family, &era, &[]);
    let message = doctor.state.member.encrypt_application(&elsewhere).unwrap();
    assert_eq!(
        nurse.state.process(LogKind::EraKey, Some(doctor.id()), &message),
        Err(ChannelError::WrongChannel {
            expected: format!("{}/team", room())
        })
    );
    let mut newer = codec::encode_message(room(), Channel::Team, &era, &[]).to_vec();
    newer[5] = 2;
    let message = doctor.state.member.encrypt_application(&newer).unwrap();
    assert!(matches!(
        nurse.state.process(LogKind::EraKey, Some(doctor.id()), &message),
        Err(ChannelError::Malformed(_))
    ));
    assert!(!nurse.state.eras().contains(&era.id()));
    // A message re-keying a known era is refused as a whole.
    let known = nurse.state.current_era().unwrap();
    let rekeyed = Era::new(EraKey::from_parts(known, [9; 32]), T0, &[]);
    let message = doctor
        .state
        .member
        .encrypt_application(&codec::encode_message(room(), Channel::Team, &rekeyed, &[]))
        .unwrap();
    assert_eq!(
        nurse.state.process(LogKind::EraKey, Some(doctor.id()), &message),
        Err(ChannelError::EraConflict(known))
    );
    assert!(!doctor.say(&mut log, "still fine", hours(1), &mut rng));
    assert_eq!(nurse.read(&log), vec!["still fine"]);
}

#[test]
fn the_era_table_round_trips_and_refuses_damage() {
    let mut rng = TestRandom::new(10);
    let members: Vec<MemberInfo> = [device(1), device(2)]
        .iter()
        .map(|d| MemberInfo {
            user: d.identity().user(),
            device: d.identity().device(),
            signature_key: d.identity().verifying_key(),
        })
        .collect();
    let eras = [
        Era::new(EraKey::generate(&mut rng), T0, &members),
        Era::new(EraKey::generate(&mut rng), hours(24), &members[1..]),
    ];
    let mut out = codec::Writer::with_capacity(codec::eras_len(&eras));
    codec::write_eras(&mut out, &eras);
    let bytes = out.finish();
    assert_eq!(bytes.len(), codec::eras_len(&eras), "sized exactly");
    let back = codec::read_eras(&mut crate::wire::Reader::new(&bytes)).unwrap();
    assert_eq!(back.len(), 2);
    for (a, b) in eras.iter().zip(&back) {
        assert!(a.key == b.key && a.started_at == b.started_at && a.authors == b.authors);
    }
    for cut in 0..bytes.len() {
        let mut reader = crate::wire::Reader::new(&bytes[..cut]);
        assert!(codec::read_eras(&mut reader)
            .and_then(|_| Ok(reader.finish()?))
            .is_err());
    }
}

#[test]
fn proposals_and_kinds_newer_than_this_build_change_nothing() {
    let mut rng = TestRandom::new(7);
    let (mut log, mut doctor, mut nurse, _helper) = team(&mut rng);
    nurse.sync(&log);
    let era = nurse.state.current_era();
    for kind in [LogKind::Proposal, LogKind::Unknown] {
        let event = nurse
            .state
            .process(kind, Some(doctor.id()), b"whatever a newer server sends");
        assert!(matches!(event, Ok(ChannelEvent::Ignored)), "{kind}: {event:?}");
    }
    assert_eq!(nurse.state.current_era(), era);
    assert!(!doctor.say(&mut log, "still readable", hours(1), &mut rng));
    assert_eq!(nurse.read(&log), vec!["still readable"]);
}
