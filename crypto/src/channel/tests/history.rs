//! History: professionals added later read everything; family from their joining on.

use super::*;
use crate::channel::codec::{self, Recipient};

#[test]
fn a_professional_added_later_reads_every_earlier_post() {
    let mut rng = TestRandom::new(20);
    let (mut log, mut doctor) = channel(device(1), Channel::Team);
    let mut added = add(
        &mut log,
        &mut doctor,
        vec![device(2), device(3)],
        HistoryPolicy::Full,
        T0,
        &mut rng,
    );
    let (mut helper, mut nurse) = (added.pop().unwrap(), added.pop().unwrap());
    nurse.read(&log);
    helper.read(&log);
    helper.say(&mut log, "era 1, by the helper", hours(1), &mut rng);
    remove(&mut log, &mut doctor, &[helper.id()]);
    doctor.say(&mut log, "era 2, after the helper left", hours(2), &mut rng);
    nurse.read(&log);
    nurse.say(&mut log, "era 3, next day", hours(30), &mut rng);
    assert_eq!(nurse.state.eras().len(), 3);

    // A second nurse joins; the first nurse adds her with full history.
    let mut nurse2 = add(
        &mut log,
        &mut nurse,
        vec![device(4)],
        HistoryPolicy::Full,
        hours(31),
        &mut rng,
    )
    .remove(0);
    let events = nurse2.sync(&log);
    let Ok(ChannelEvent::Eras(learned)) = &events[0] else {
        panic!("{events:?}")
    };
    assert_eq!(learned.len(), 3);
    assert_eq!(
        open_all(&nurse2, &log),
        vec![
            Ok("era 1, by the helper".to_owned()),
            Ok("era 2, after the helper left".to_owned()),
            Ok("era 3, next day".to_owned())
        ],
        "including the removed helper's post"
    );
    // The share did not start an era: it is the day's era, and now everyone holds it.
    assert_eq!(
        doctor.read(&log),
        vec!["era 2, after the helper left", "era 3, next day"]
    );
    assert!(!doctor.say(&mut log, "welcome", hours(32), &mut rng));
    assert!(!nurse2.say(&mut log, "thank you", hours(32), &mut rng));
    assert_eq!(nurse2.read(&log), vec!["welcome", "thank you"]);
    assert_eq!(doctor.read(&log), vec!["welcome", "thank you"]);
}

#[test]
fn family_added_later_reads_from_joining_on_and_nothing_earlier() {
    let mut rng = TestRandom::new(21);
    let (mut log, mut doctor) = channel(device(1), Channel::Family);
    doctor.say(&mut log, "before the family joined", T0, &mut rng);
    let before_era = doctor.state.current_era().unwrap();
    let mut daughter = add(
        &mut log,
        &mut doctor,
        vec![device(5)],
        HistoryPolicy::FromNow,
        hours(1),
        &mut rng,
    )
    .remove(0);
    assert_ne!(
        doctor.state.current_era(),
        Some(before_era),
        "FromNow starts an era"
    );
    doctor.say(&mut log, "after", hours(2), &mut rng);
    assert_eq!(daughter.read(&log), vec!["after"]);
    assert_eq!(
        open_all(&daughter, &log),
        vec![Err(ChannelError::UnknownEra(before_era)), Ok("after".to_owned())]
    );
    assert!(open_all(&daughter, &log)[0]
        .as_ref()
        .unwrap_err()
        .is_unknown_era());
    // Processing the whole log from the start changes nothing: commits and era keys from
    // before it joined are skipped, posts stay closed.
    let mut again = Member {
        state: ChannelState::import(&daughter.device, &daughter.state.export().unwrap()).unwrap(),
        device: daughter.device,
        seen: 0,
    };
    let results = again.sync(&log);
    assert_eq!(
        results[0],
        Ok(ChannelEvent::Ignored),
        "the doctor's first era key"
    );
    assert_eq!(results[1], Err(ChannelError::UnknownEra(before_era)));
    assert_eq!(results[2], Ok(ChannelEvent::Ignored), "the commit that added her");
}

#[test]
fn full_history_sent_to_a_professional_stays_hidden_from_family_in_the_channel() {
    let mut rng = TestRandom::new(22);
    let (mut log, mut doctor) = channel(device(1), Channel::Family);
    doctor.say(&mut log, "before the family joined", T0, &mut rng);
    let mut daughter = add(
        &mut log,
        &mut doctor,
        vec![device(5)],
        HistoryPolicy::FromNow,
        hours(1),
        &mut rng,
    )
    .remove(0);
    doctor.say(&mut log, "with the family", hours(2), &mut rng);
    daughter.read(&log);
    // A nurse joins the family channel with full history, in the same MLS message the
    // daughter reads.
    let mut nurse = add(
        &mut log,
        &mut doctor,
        vec![device(2)],
        HistoryPolicy::Full,
        hours(3),
        &mut rng,
    )
    .remove(0);
    nurse.read(&log);
    assert_eq!(
        open_all(&nurse, &log),
        vec![
            Ok("before the family joined".to_owned()),
            Ok("with the family".to_owned())
        ]
    );
    let results = daughter.sync(&log);
    assert_eq!(results.last(), Some(&Ok(ChannelEvent::Eras(vec![]))));
    assert!(open_all(&daughter, &log)[0]
        .as_ref()
        .unwrap_err()
        .is_unknown_era());
    assert_eq!(daughter.state.eras().len(), 1);
}

#[test]
fn a_new_device_of_an_existing_user_reads_what_the_user_could() {
    let mut rng = TestRandom::new(23);
    let (mut log, mut doctor) = channel(device(1), Channel::Family);
    doctor.say(&mut log, "before the family joined", T0, &mut rng);
    let mut phone = add(
        &mut log,
        &mut doctor,
        vec![device_of(5, 51)],
        HistoryPolicy::FromNow,
        hours(1),
        &mut rng,
    )
    .remove(0);
    doctor.say(&mut log, "first day", hours(2), &mut rng);
    doctor.say(&mut log, "second day", hours(30), &mut rng);
    phone.read(&log);
    // The daughter's phone adds her new tablet (any member's client could).
    let user = phone.user();
    let mut tablet = add(
        &mut log,
        &mut phone,
        vec![device_of(5, 52)],
        HistoryPolicy::SameAsUser(user),
        hours(31),
        &mut rng,
    )
    .remove(0);
    tablet.read(&log);
    let opened = open_all(&tablet, &log);
    assert!(opened[0].as_ref().unwrap_err().is_unknown_era());
    assert_eq!(
        opened[1..],
        [Ok("first day".to_owned()), Ok("second day".to_owned())]
    );
    assert!(!tablet.say(&mut log, "from my tablet", hours(32), &mut rng));
    assert_eq!(
        doctor.read(&log),
        vec!["first day", "second day", "from my tablet"]
    );
}

#[test]
fn history_is_accepted_only_from_the_device_that_added_the_newcomer() {
    let mut rng = TestRandom::new(24);
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
    doctor.say(&mut log, "old", T0, &mut rng);
    nurse.read(&log);
    doctor.read(&log);

    let therapist_device = device(4);
    let pending = doctor
        .state
        .add_devices(&[key_package(&therapist_device)])
        .unwrap();
    log.commit(&doctor, &pending).unwrap();
    doctor.state.commit_accepted().unwrap();
    let joined_at = log.entries.len();
    // The nurse saw the key package too and slips in a "history" of her own first.
    nurse.read(&log);
    let newcomer = doctor.state.newcomers[0].clone();
    let fake = crate::channel::book::Era::new(crate::EraKey::generate(&mut rng), T0, &nurse.state.members());
    let sealed = nurse.state.seal_history(&newcomer, &[&fake]).unwrap();
    let current = nurse.state.book.current_era().unwrap().clone();
    let message = codec::encode_message(
        room(),
        Channel::Team,
        &current,
        &[Recipient {
            device: newcomer.device,
            history: Some(sealed),
        }],
    );
    let bytes = nurse.state.member.encrypt_application(&message).unwrap();
    log.append(LogKind::EraKey, &nurse, bytes);
    let share = doctor
        .state
        .share_eras(HistoryPolicy::Full, T0, &mut rng)
        .unwrap();
    log.append(LogKind::EraKey, &doctor, share);

    let mut therapist = Member {
        state: ChannelState::join(
            &therapist_device,
            room(),
            Channel::Team,
            pending.welcome.as_ref().unwrap(),
        )
        .unwrap(),
        device: therapist_device,
        seen: joined_at,
    };
    let results = therapist.sync(&log);
    assert!(
        matches!(results[0], Err(ChannelError::Malformed(_))),
        "{results:?}"
    );
    assert!(matches!(&results[1], Ok(ChannelEvent::Eras(learned)) if learned.len() == 1));
    assert!(!therapist.state.eras().contains(&fake.id()));
    assert_eq!(open_all(&therapist, &log), vec![Ok("old".to_owned())]);
}
