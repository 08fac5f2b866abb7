//! A doctor's and a nurse's browser devices over a tiny in-memory log with the
//! server's commit check, through the same calls the JS classes make.

use kizuna_crypto::proto::{DeviceId, Timestamp, UserId};
use kizuna_crypto::{DeviceSigningKey, PostEnvelope};

use super::*;
use kizuna_proto::{ClaimedKeyPackage as Claimed, LogKind};

use crate::codec::{b64, unb64};
use crate::conformance::fixture::{group, id, me, note, post_id, Log, Newcomer, Team, HOUR, T0};
use crate::test_random::OsRandom;

fn device(user: u128, device: u128) -> Core {
    let key = DeviceSigningKey::generate(&mut OsRandom::checked().unwrap());
    Core::new(key, UserId::from_uuid(id(user)), DeviceId::from_uuid(id(device)))
}

fn slot(core: &mut Core) -> &mut Slot {
    core.channels.get_mut(&group()).unwrap()
}

fn bodies(events: &[Event]) -> Vec<(i64, String)> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Post(p) => Some((p.seq, p.envelope.body.clone())),
            _ => None,
        })
        .collect()
}

/// The doctor creates the team channel and adds the nurse (full history); the nurse
/// joins from the welcome (the conformance suite's fixture, with the engine as reader).
fn team() -> (Log, Core, Core) {
    let mut nurse = device(2, 22);
    let packages = nurse.key_packages(2, true).unwrap();
    assert_eq!(
        packages.iter().map(|p| p.last_resort).collect::<Vec<_>>(),
        [false, false, true]
    );
    assert!(packages.iter().all(|p| p.id.len() == 64 && !p.body.is_empty()));
    let (team, welcome) = Team::with(&[Newcomer {
        device: me(&nurse),
        key_package: packages[0].body.clone(),
    }])
    .unwrap();
    let joined = nurse.join(&[welcome]);
    assert!(joined.problems.is_empty(), "{:?}", joined.problems);
    assert_eq!(joined.joined[0].group_id, group());
    let mut doctor = team.doctor;
    assert!(slot(&mut doctor).members().iter().any(|m| m.device == me(&nurse)));
    (team.log, doctor, nurse)
}

#[test]
fn the_nurse_reads_the_doctors_post_once_and_refuses_a_tampered_copy() {
    let mut rng = OsRandom::checked().unwrap();
    let (mut log, mut doctor, mut nurse) = team();
    let sealed = slot(&mut doctor)
        .seal_post(&note("訪問完了 / visit done"), post_id(1), T0, None, &mut rng)
        .unwrap();
    assert_eq!(
        (sealed.era_key.as_ref(), sealed.urgency),
        (None, None),
        "the shared era is current"
    );
    log.post(me(&doctor), &sealed, T0);

    let events = slot(&mut nurse).ingest(&log.entries);
    assert!(matches!(events[0], Event::Eras { seq: 2, .. }), "{events:?}");
    assert_eq!(bodies(&events), [(3, "訪問完了 / visit done".to_owned())]);
    let Event::Post(post) = &events[1] else { panic!() };
    assert_eq!((post.post_id, post.author_device), (post_id(1), me(&doctor)));
    assert_eq!(slot(&mut nurse).last_seq, 3);
    // Redelivered entries change nothing.
    assert!(slot(&mut nurse).ingest(&log.entries).is_empty());

    // The server (or the network) alters the post: refused, and the log goes on.
    let mut bytes = unb64("post", &sealed.post).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    log.append(LogKind::Post, me(&doctor), &b64(&bytes), T0);
    let events = slot(&mut nurse).ingest(&log.entries[3..]);
    let [Event::Problem { seq: 4, error, .. }] = events.as_slice() else {
        panic!("{events:?}")
    };
    assert_eq!(error.code, "post_bad_signature");
    assert!(error.ja.contains("拒否"));
    assert_eq!(slot(&mut nurse).last_seq, 4);
    // The doctor's own device reads its own post too.
    assert_eq!(
        bodies(&slot(&mut doctor).ingest(&log.entries)),
        [(3, "訪問完了 / visit done".to_owned())]
    );
}

#[test]
fn a_replayed_post_is_shown_once_and_reported_even_after_a_restore_of_the_device() {
    let mut rng = OsRandom::checked().unwrap();
    let (mut log, mut doctor, mut nurse) = team();
    let sealed = slot(&mut doctor)
        .seal_post(&note("熱なし"), post_id(2), T0, None, &mut rng)
        .unwrap();
    log.post(me(&doctor), &sealed, T0);
    assert_eq!(
        bodies(&slot(&mut nurse).ingest(&log.entries)),
        [(3, "熱なし".to_owned())]
    );

    // The browser closes and opens again; then the server replays the post's exact
    // bytes as a new entry.
    let key = [7u8; 32];
    let mut nurse = Core::import(&key, &nurse.export(&key, &mut rng).unwrap()).unwrap();
    log.append(LogKind::Post, me(&doctor), &sealed.post, T0);
    let events = slot(&mut nurse).ingest(&log.entries);
    let [Event::Problem { seq: 4, error, .. }] = events.as_slice() else {
        panic!("{events:?}")
    };
    assert_eq!(error.code, "post_replayed");
    assert!(error.en.contains("#3") && error.ja.contains("再送"), "{error:?}");
    assert_eq!(slot(&mut nurse).last_seq, 4);

    // A new log generation: the channel reads from the start again, and the post at
    // its first position opens as before.
    slot(&mut nurse).restart_log();
    assert_eq!(slot(&mut nurse).last_seq, 0);
    let events = slot(&mut nurse).ingest(&log.entries);
    assert_eq!(bodies(&events), [(3, "熱なし".to_owned())]);
    assert!(
        matches!(events.last(), Some(Event::Problem { seq: 4, .. })),
        "{events:?}"
    );
}

#[test]
fn gaps_stop_ingesting_and_a_bad_commit_stalls_the_log() {
    let (mut log, _doctor, mut nurse) = team();
    let mut later = log.entries[1].clone();
    later.seq = 9;
    assert_eq!(
        slot(&mut nurse).ingest(&[later]),
        [Event::Gap { after: 0, next: 9 }]
    );
    assert_eq!(slot(&mut nurse).last_seq, 0);

    log.append(LogKind::Proposal, DeviceId::from_uuid(id(5)), "AA==", T0);
    log.append(
        LogKind::Commit,
        DeviceId::from_uuid(id(5)),
        &b64(b"not a commit"),
        T0,
    );
    log.append(LogKind::Post, DeviceId::from_uuid(id(5)), &b64(b"never read"), T0);
    let events = slot(&mut nurse).ingest(&log.entries);
    assert!(
        matches!(events.last(), Some(Event::Stalled { seq: 4, .. })),
        "{events:?}"
    );
    assert_eq!(
        slot(&mut nurse).last_seq,
        3,
        "the proposal is skipped, the commit is not"
    );
}

#[test]
fn a_post_ahead_of_its_era_key_waits_and_opens_when_the_key_arrives() {
    let mut rng = OsRandom::checked().unwrap();
    let (mut log, mut doctor, mut nurse) = team();
    slot(&mut nurse).ingest(&log.entries);
    // A day later the first post starts a new era; the two arrive out of order.
    let day = Timestamp(T0.0 + 25 * HOUR);
    let sealed = slot(&mut doctor)
        .seal_post(&note("翌日"), post_id(2), day, None, &mut rng)
        .unwrap();
    let era_key = sealed.era_key.clone().expect("a day-old era is replaced");
    log.append(LogKind::Post, me(&doctor), &sealed.post, day);
    log.append(LogKind::EraKey, me(&doctor), &era_key, day);
    let events = slot(&mut nurse).ingest(&log.entries);
    assert!(matches!(events[0], Event::Waiting { seq: 3 }), "{events:?}");
    assert_eq!(bodies(&events), [(3, "翌日".to_owned())]);
    assert_eq!(slot(&mut nurse).waiting(), 0);
}

#[test]
fn the_state_survives_export_and_import_with_the_right_key_only() {
    let mut rng = OsRandom::checked().unwrap();
    let (mut log, mut doctor, mut nurse) = team();
    slot(&mut nurse).ingest(&log.entries);
    let key = [7u8; 32];
    let sealed = nurse.export(&key, &mut rng).unwrap();
    assert!(!sealed.windows(4).any(|w| w == b"team"), "sealed, not plain JSON");
    assert_eq!(
        Core::import(&[8u8; 32], &sealed).err().map(|e| e.code),
        Some("state_invalid")
    );
    let mut restored = Core::import(&key, &sealed).unwrap();
    assert_eq!(slot(&mut restored).last_seq, 2);
    assert_eq!(restored.channel_list().len(), 1);

    let post = slot(&mut doctor)
        .seal_post(&note("after restore"), post_id(3), T0, None, &mut rng)
        .unwrap();
    log.post(me(&doctor), &post, T0);
    assert_eq!(
        bodies(&slot(&mut restored).ingest(&log.entries)),
        [(3, "after restore".to_owned())]
    );
    // And the restored nurse can post.
    let reply = slot(&mut restored)
        .seal_post(&note("了解"), post_id(4), T0, None, &mut rng)
        .unwrap();
    log.post(me(&restored), &reply, T0);
    assert_eq!(
        bodies(&slot(&mut doctor).ingest(&log.entries)).last().unwrap().1,
        "了解"
    );
}

#[test]
fn swapped_key_packages_and_pending_commits_are_refused_and_removal_ends_reading() {
    let mut rng = OsRandom::checked().unwrap();
    let (mut log, mut doctor, mut nurse) = team();
    slot(&mut nurse).ingest(&log.entries);
    let third = device(3, 33);
    let package = third.key_packages(1, false).unwrap().remove(0).body;
    let swapped = [Claimed {
        device_id: DeviceId::from_uuid(id(99)),
        key_package: package.clone(),
    }];
    let error = slot(&mut doctor).add_devices(&swapped, Policy::Full).unwrap_err();
    assert_eq!(error.code, "key_package_mismatch");
    assert!(
        !slot(&mut doctor).state.has_pending_commit(),
        "nothing left pending"
    );

    // While a removal awaits the server, posting waits.
    let request = slot(&mut doctor).remove_devices(&[me(&nurse)]).unwrap();
    let error = slot(&mut doctor)
        .seal_post(&note("x"), post_id(5), T0, None, &mut rng)
        .unwrap_err();
    assert_eq!(error.code, "pending_commit");
    log.commit(me(&doctor), &request).unwrap();
    let accepted = slot(&mut doctor).commit_accepted(T0, &mut rng).unwrap();
    assert_eq!((accepted.removed.len(), accepted.era_key), (1, None));
    let post = slot(&mut doctor)
        .seal_post(&note("secret"), post_id(6), T0, None, &mut rng)
        .unwrap();
    assert!(post.era_key.is_some(), "a removal starts a new era");
    log.post(me(&doctor), &post, T0);

    let events = slot(&mut nurse).ingest(&log.entries);
    assert!(
        events.iter().any(|e| matches!(e, Event::Removed { seq: 3 })),
        "{events:?}"
    );
    assert!(bodies(&events).is_empty());
    assert!(
        slot(&mut nurse).ingest(&log.entries).is_empty(),
        "nothing after removal"
    );
}

#[test]
fn vitals_outside_the_thresholds_go_out_as_urgent_with_their_blobs_named() {
    let mut rng = OsRandom::checked().unwrap();
    let (_log, mut doctor, _nurse) = team();
    let vitals: PostEnvelope = serde_json::from_str(
        r#"{"version":1,"content_type":"vitals","body":"","vitals":{"measured_at":1800000000000,"temperature_c":38.4}}"#,
    )
    .unwrap();
    let thresholds = crate::care::parse_thresholds(r#"{"temperature_c":{"max":37.5}}"#).unwrap();
    let sealed = slot(&mut doctor)
        .seal_post(&vitals, post_id(7), T0, Some(&thresholds), &mut rng)
        .unwrap();
    assert_eq!(sealed.urgency, Some(kizuna_crypto::proto::Urgency::Urgent));
    let sealed = slot(&mut doctor)
        .seal_post(&vitals, post_id(8), T0, None, &mut rng)
        .unwrap();
    assert_eq!((sealed.urgency, sealed.blobs.len()), (None, 0));
}
