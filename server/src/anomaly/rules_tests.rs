use kizuna_proto::AuditId;
use uuid::Uuid;

use super::*;

/// Midnight UTC.
const BASE: i64 = 1_799_971_200_000;

fn user(n: u128) -> UserId {
    UserId::from_uuid(Uuid::from_u128(n))
}

fn record(n: u128, at_ms: i64, action: &str, actor: Option<UserId>, outcome: &str) -> AuditRecord {
    AuditRecord {
        id: AuditId::from_uuid(Uuid::from_u128(n)),
        at: Timestamp(BASE + at_ms),
        actor,
        action: action.into(),
        target_kind: None,
        target_id: None,
        ip: Some("192.0.2.7".into()),
        outcome: outcome.into(),
        detail: None,
    }
}

fn failure(n: u128, at_ms: i64, who: Option<UserId>) -> AuditRecord {
    let mut r = record(n, at_ms, actions::SIGN_IN, who, "failure");
    r.target_kind = Some("login_id".into());
    r.target_id = Some(who.map_or(format!("unknown-{n}"), |u| format!("user-{u}")));
    r
}

fn check_of(kind: AlertKind, record: &AuditRecord) -> Check {
    checks(record)
        .into_iter()
        .find(|c| c.kind == kind)
        .unwrap_or_else(|| panic!("no {kind:?} check for {record:?}"))
}

/// What the job would do: the history the look asks for, newest first.
fn judge(check: &Check, all: &[AuditRecord], limits: &AlertsConfig) -> Option<Finding> {
    let Some(look) = check.look(limits) else {
        return check.judge(&[], limits);
    };
    let mut history: Vec<AuditRecord> = all
        .iter()
        .filter(|r| look.actions.contains(&r.action.as_str()))
        .filter(|r| look.outcome.is_none_or(|o| r.outcome == o))
        .filter(|r| r.at >= look.from && r.at <= look.to)
        .filter(|r| match &check.subject {
            Subject::Person(u) => r.actor == Some(*u),
            Subject::Address(ip) => r.ip.as_deref() == Some(ip),
        })
        .cloned()
        .collect();
    history.sort_by_key(|r| std::cmp::Reverse((r.at, r.id)));
    history.truncate(look.limit as usize);
    check.judge(&history, limits)
}

#[test]
fn five_failures_in_ten_minutes_on_one_account_alert_and_four_do_not() {
    let limits = AlertsConfig::default();
    let hanako = Some(user(1));
    let failures: Vec<_> = (0..5).map(|i| failure(i, i as i64 * 60_000, hanako)).collect();
    let fourth = check_of(AlertKind::FailedSignIns, &failures[3]);
    assert_eq!(
        judge(&fourth, &failures, &limits),
        None,
        "four is below the threshold"
    );
    let fifth = check_of(AlertKind::FailedSignIns, &failures[4]);
    let found = judge(&fifth, &failures, &limits).expect("five in ten minutes");
    assert_eq!(found.subject, Subject::Person(user(1)));
    assert_eq!(
        (found.count, found.first_at, found.last_at),
        (5, failures[0].at, failures[4].at)
    );
    assert_eq!(found.detail["window_minutes"], 10);
    assert_eq!(found.people, vec![user(1)]);
}

#[test]
fn failures_spread_wider_than_the_window_raise_nothing() {
    let limits = AlertsConfig::default();
    let who = Some(user(1));
    // One every three minutes: never five within ten minutes.
    let failures: Vec<_> = (0..12).map(|i| failure(i, i as i64 * 180_000, who)).collect();
    for f in &failures {
        assert_eq!(
            judge(&check_of(AlertKind::FailedSignIns, f), &failures, &limits),
            None
        );
    }
}

#[test]
fn a_lock_alerts_whatever_the_count() {
    let limits = AlertsConfig::default();
    let mut locked = failure(1, 0, Some(user(1)));
    locked.action = actions::LOCKED.into();
    let found = judge(
        &check_of(AlertKind::FailedSignIns, &locked),
        &[locked.clone()],
        &limits,
    )
    .unwrap();
    assert_eq!((found.count, &found.detail["locked"]), (1, &json!(true)));
}

#[test]
fn failures_from_one_address_count_across_accounts_and_name_the_known_ones() {
    let limits = AlertsConfig {
        failed_sign_ins_per_address: 6,
        ..AlertsConfig::default()
    };
    // Unknown login IDs (no actor) and two real accounts, from one address.
    let mut all: Vec<_> = (0..4).map(|i| failure(i, i as i64 * 1000, None)).collect();
    all.push(failure(10, 5000, Some(user(1))));
    all.push(failure(11, 6000, Some(user(2))));
    let last = check_of(AlertKind::FailedSignInsFromAddress, &all[5]);
    let found = judge(&last, &all, &limits).unwrap();
    assert_eq!(found.subject, Subject::Address("192.0.2.7".into()));
    assert_eq!(found.count, 6);
    assert_eq!(found.people, vec![user(1), user(2)]);
    assert_eq!(
        found.detail["accounts"], 6,
        "four unknown login IDs and the two accounts"
    );
    assert_eq!(
        judge(
            &check_of(AlertKind::FailedSignInsFromAddress, &all[4]),
            &all,
            &limits
        ),
        None
    );
}

#[test]
fn a_success_or_an_unrelated_record_asks_for_no_burst_check() {
    let ok = record(1, 0, actions::SIGN_IN, Some(user(1)), "success");
    let kinds: Vec<_> = checks(&ok).into_iter().map(|c| c.kind).collect();
    assert_eq!(kinds, vec![AlertKind::UnusualHour]);
    assert!(checks(&record(2, 0, "room.created", Some(user(1)), "success")).is_empty());
    assert!(checks(&record(3, 0, actions::ROOM_READ, None, "success")).is_empty());
}

fn sign_ins_at(hours: &[i64], days: i64) -> Vec<AuditRecord> {
    let mut out = Vec::new();
    let mut n = 100;
    for day in 0..days {
        for hour in hours {
            n += 1;
            out.push(record(
                n,
                day * 24 * HOUR_MS + hour * HOUR_MS + 5 * MINUTE_MS,
                actions::SIGN_IN,
                Some(user(1)),
                "success",
            ));
        }
    }
    out
}

#[test]
fn a_sign_in_far_from_the_usual_hours_alerts_once_there_is_history() {
    let limits = AlertsConfig::default();
    // Mornings at 00:05 and 01:05 UTC (09:05 and 10:05 in Japan) for ten days.
    let mut all = sign_ins_at(&[0, 1], 10);
    let night = record(
        1,
        10 * 24 * HOUR_MS + 18 * HOUR_MS,
        actions::SIGN_IN,
        Some(user(1)),
        "success",
    );
    all.push(night.clone());
    let found = judge(&check_of(AlertKind::UnusualHour, &night), &all, &limits).unwrap();
    assert_eq!(found.detail["hour_utc"], 18);
    assert_eq!(found.detail["usual_hours_utc"], json!([0, 1]));
    assert_eq!(found.count, 1);

    // An hour next to a usual one is not unusual.
    let early = record(
        2,
        10 * 24 * HOUR_MS + 23 * HOUR_MS + 50 * MINUTE_MS,
        actions::SIGN_IN,
        Some(user(1)),
        "success",
    );
    all.push(early.clone());
    assert_eq!(
        judge(&check_of(AlertKind::UnusualHour, &early), &all, &limits),
        None
    );
}

#[test]
fn too_little_history_judges_no_hour() {
    let limits = AlertsConfig::default();
    let mut all = sign_ins_at(&[0], 9);
    let night = record(
        1,
        9 * 24 * HOUR_MS + 15 * HOUR_MS,
        actions::SIGN_IN,
        Some(user(1)),
        "success",
    );
    all.push(night.clone());
    assert_eq!(
        judge(&check_of(AlertKind::UnusualHour, &night), &all, &limits),
        None,
        "nine past sign-ins < ten"
    );
}

#[test]
fn only_the_last_sign_ins_make_the_usual_hours() {
    let limits = AlertsConfig {
        unusual_hour_history: 10,
        ..AlertsConfig::default()
    };
    // Long ago at 15:00 UTC, lately at 00:00 UTC only.
    let mut all = sign_ins_at(&[15], 20);
    for r in sign_ins_at(&[0], 10) {
        let mut later = r.clone();
        later.at = Timestamp(r.at.0 + 30 * 24 * HOUR_MS);
        later.id = AuditId::from_uuid(Uuid::from_u128(r.id.as_uuid().as_u128() + 1000));
        all.push(later);
    }
    let night = record(
        1,
        40 * 24 * HOUR_MS + 15 * HOUR_MS,
        actions::SIGN_IN,
        Some(user(1)),
        "success",
    );
    all.push(night.clone());
    let found = judge(&check_of(AlertKind::UnusualHour, &night), &all, &limits);
    assert!(found.is_some(), "15:00 stopped being usual");
}

fn room_read(n: u128, at_ms: i64, room: u128) -> AuditRecord {
    let mut r = record(n, at_ms, actions::ROOM_READ, Some(user(1)), "success");
    r.target_kind = Some("room".into());
    r.target_id = Some(Uuid::from_u128(room).to_string());
    r
}

#[test]
fn many_different_rooms_alert_but_one_room_opened_often_does_not() {
    let limits = AlertsConfig {
        rooms_opened: 5,
        ..AlertsConfig::default()
    };
    let same: Vec<_> = (0..30).map(|i| room_read(i, i as i64 * 1000, 7)).collect();
    assert_eq!(
        judge(&check_of(AlertKind::ManyRooms, &same[29]), &same, &limits),
        None
    );
    let many: Vec<_> = (0..5).map(|i| room_read(i, i as i64 * 1000, i)).collect();
    let found = judge(&check_of(AlertKind::ManyRooms, &many[4]), &many, &limits).unwrap();
    assert_eq!(found.count, 5);
    assert_eq!(
        judge(&check_of(AlertKind::ManyRooms, &many[3]), &many, &limits),
        None
    );
}

#[test]
fn many_downloads_alert() {
    let limits = AlertsConfig {
        downloads: 3,
        ..AlertsConfig::default()
    };
    let all: Vec<_> = (0..3)
        .map(|i| {
            record(
                i,
                i as i64 * 1000,
                actions::BLOB_DOWNLOAD,
                Some(user(1)),
                "success",
            )
        })
        .collect();
    assert_eq!(
        judge(&check_of(AlertKind::BulkDownloads, &all[1]), &all, &limits),
        None
    );
    assert_eq!(
        judge(&check_of(AlertKind::BulkDownloads, &all[2]), &all, &limits)
            .unwrap()
            .count,
        3
    );
}

#[test]
fn a_second_device_alerts_and_the_first_does_not() {
    let limits = AlertsConfig::default();
    let first = record(1, 0, actions::DEVICE_REGISTERED, Some(user(1)), "success");
    let second = record(2, 1000, actions::DEVICE_REGISTERED, Some(user(1)), "success");
    let all = [first.clone(), second.clone()];
    assert_eq!(
        judge(&check_of(AlertKind::NewDevice, &first), &all, &limits),
        None
    );
    assert!(judge(&check_of(AlertKind::NewDevice, &second), &all, &limits).is_some());
}

#[test]
fn every_break_glass_sign_in_alerts_and_says_whether_it_got_in() {
    let limits = AlertsConfig::default();
    let used = record(1, 0, actions::EMERGENCY_SIGN_IN, Some(user(1)), "success");
    let refused = record(2, 0, actions::EMERGENCY_SIGN_IN, Some(user(1)), "failure");
    let found = judge(&check_of(AlertKind::BreakGlass, &used), &[], &limits).unwrap();
    assert_eq!(found.detail["signed_in"], true);
    let found = judge(&check_of(AlertKind::BreakGlass, &refused), &[], &limits).unwrap();
    assert_eq!(found.detail["signed_in"], false);
}

#[test]
fn kinds_round_trip_their_names() {
    for kind in AlertKind::ALL {
        assert_eq!(AlertKind::parse(kind.as_str()), Some(kind));
    }
    assert_eq!(AlertKind::parse("other"), None);
}

#[test]
fn the_default_thresholds_are_usable_and_nonsense_is_refused() {
    assert_eq!(AlertsConfig::default().problem(), None);
    let bad = AlertsConfig {
        unusual_hour_min_history: 50,
        ..AlertsConfig::default()
    };
    assert!(bad.problem().unwrap().contains("unusual_hour_min_history"));
    let bad = AlertsConfig {
        failed_sign_ins: 0,
        ..AlertsConfig::default()
    };
    assert!(bad.problem().unwrap().contains("failed_sign_ins"));
}
