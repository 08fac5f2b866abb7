//! The delivery service's storage, on SQLite and PostgreSQL: devices, one-time key
//! packages, group logs with gapless ordering, epoch-checked commits, idempotent
//! sends, welcomes.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use anyhow::Result;
use kizuna_proto::{Channel, DeviceId, OrganisationId, OrganisationKind, RoomId, Timestamp, UserId};
use kizuna_storage::devices::{self, Device, KeyPackage};
use kizuna_storage::groups::{self, Appended, EntryKind, Group, NewEntry, PostAppend};
use kizuna_storage::orgs::{self, Organisation};
use kizuna_storage::rooms::{self, Room};
use kizuna_storage::users::{self, User, UserStatus};
use kizuna_storage::{Db, StorageError};
use kizuna_tests::{on_both_databases, DbKind, TestDb};
use uuid::Uuid;

const T0: Timestamp = Timestamp(1_795_600_000_000);

/// A user with one device, and a room with a team group.
async fn setup(db: &Db) -> Result<(UserId, DeviceId, String)> {
    let org = Organisation {
        id: OrganisationId::from_uuid(Uuid::new_v4()),
        name: "Clinic".into(),
        kind: OrganisationKind::Clinic,
        parent: None,
        created_at: T0,
    };
    let user = User {
        id: UserId::from_uuid(Uuid::new_v4()),
        login_id: format!("dr.{}", Uuid::new_v4().simple()),
        display_name: "Dr".into(),
        is_system_admin: false,
        status: UserStatus::Active,
        created_at: T0,
        last_sign_in_at: None,
        birth_date: None,
    };
    let device = Device {
        id: DeviceId::from_uuid(Uuid::new_v4()),
        user: user.id,
        name: "phone".into(),
        signature_key: vec![7; 32],
        created_at: T0,
        revoked_at: None,
    };
    let room = Room::new(RoomId::from_uuid(Uuid::new_v4()), org.id, user.id, T0);
    let group = Group {
        id: format!("g-{}", Uuid::new_v4().simple()),
        room: room.id,
        channel: Channel::Team,
        epoch: 0,
        created_at: T0,
    };
    let (u, d, g) = (user.id, device.id, group.id.clone());
    db.run(move |conn| {
        orgs::create(conn, &org)?;
        users::create(conn, &user)?;
        devices::register(conn, &device)?;
        rooms::create(conn, &room)?;
        groups::create(conn, &group, b"public state")
    })
    .await?;
    Ok((u, d, g))
}

fn post(device: DeviceId, body: &str, key: Option<&str>) -> NewEntry {
    NewEntry {
        kind: EntryKind::Post,
        sender: Some(device),
        epoch: 0,
        body: body.as_bytes().to_vec(),
        idempotency_key: key.map(str::to_owned),
        urgency: None,
        post_id: None,
    }
}

/// A user with one device and two rooms: their team groups.
async fn two_groups(db: &Db) -> Result<(UserId, DeviceId, Group, Group)> {
    let (author, device, first) = setup(db).await?;
    let (_, _, second) = setup(db).await?;
    let (first, second) = db
        .run(move |conn| Ok((groups::get(conn, &first)?, groups::get(conn, &second)?)))
        .await?;
    Ok((author, device, first, second))
}

/// Posts by `author`, as the writer batches them.
fn batch(author: UserId, posts: Vec<(&Group, NewEntry)>) -> Vec<PostAppend> {
    posts
        .into_iter()
        .map(|(group, entry)| PostAppend {
            group: group.clone(),
            entry,
            author,
            blobs: Vec::new(),
            now: T0,
        })
        .collect()
}

async fn key_packages_are_handed_out_once(kind: DbKind) -> Result<()> {
    let test_db = TestDb::new(kind)?;
    let db = test_db.open()?;
    let (_, device, _) = setup(&db).await?;
    let packages = vec![
        KeyPackage {
            id: "kp1".into(),
            body: b"one".to_vec(),
            last_resort: false,
        },
        KeyPackage {
            id: "kp2".into(),
            body: b"two".to_vec(),
            last_resort: false,
        },
        KeyPackage {
            id: "kp-lr".into(),
            body: b"last".to_vec(),
            last_resort: true,
        },
    ];
    db.run(move |conn| devices::upload_key_packages(conn, device, &packages, T0))
        .await?;
    assert_eq!(
        db.run(move |conn| devices::key_packages_left(conn, device))
            .await?,
        2
    );
    let mut handed = Vec::new();
    for _ in 0..4 {
        handed.push(
            db.run(move |conn| devices::claim_key_package(conn, device, T0))
                .await?
                .unwrap(),
        );
    }
    assert_eq!(
        handed,
        vec![
            b"one".to_vec(),
            b"two".to_vec(),
            b"last".to_vec(),
            b"last".to_vec()
        ]
    );
    assert_eq!(
        db.run(move |conn| devices::key_packages_left(conn, device))
            .await?,
        0
    );

    // A revoked device hands out nothing and accepts no more packages.
    assert!(db.run(move |conn| devices::revoke(conn, device, T0)).await?);
    assert_eq!(
        db.run(move |conn| devices::claim_key_package(conn, device, T0))
            .await?,
        None
    );
    let more = vec![KeyPackage {
        id: "kp3".into(),
        body: b"three".to_vec(),
        last_resort: false,
    }];
    let refused = db
        .run(move |conn| devices::upload_key_packages(conn, device, &more, T0))
        .await;
    assert!(matches!(refused, Err(StorageError::Refused(_))), "{refused:?}");
    Ok(())
}

async fn concurrent_claims_never_share_a_package(kind: DbKind) -> Result<()> {
    let test_db = TestDb::new(kind)?;
    let db = test_db.open()?;
    let (_, device, _) = setup(&db).await?;
    let packages: Vec<KeyPackage> = (0..20)
        .map(|i| KeyPackage {
            id: format!("kp{i}"),
            body: format!("p{i}").into_bytes(),
            last_resort: false,
        })
        .collect();
    db.run(move |conn| devices::upload_key_packages(conn, device, &packages, T0))
        .await?;
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            db.run(move |conn| devices::claim_key_package(conn, device, T0))
                .await
        }));
    }
    let mut got = Vec::new();
    for task in tasks {
        got.push(task.await??.unwrap());
    }
    got.sort();
    got.dedup();
    assert_eq!(got.len(), 20, "a key package was handed out twice");
    Ok(())
}

async fn logs_are_ordered_without_gaps(kind: DbKind) -> Result<()> {
    let test_db = TestDb::new(kind)?;
    let db = test_db.open()?;
    let (_, device, group) = setup(&db).await?;
    let mut tasks = Vec::new();
    for writer in 0..8 {
        let (db, group) = (db.clone(), group.clone());
        tasks.push(tokio::spawn(async move {
            for n in 0..25 {
                let entry = post(device, &format!("{writer}-{n}"), None);
                let g = group.clone();
                let outcome = db.run(move |conn| groups::append(conn, &g, &entry, T0)).await?;
                assert!(matches!(outcome, Appended::Stored { .. }), "{outcome:?}");
            }
            Ok::<_, StorageError>(())
        }));
    }
    for task in tasks {
        task.await??;
    }
    let g = group.clone();
    let all = db
        .run(move |conn| groups::entries_after(conn, &g, 0, 1000))
        .await?;
    let seqs: Vec<i64> = all.iter().map(|e| e.seq).collect();
    assert_eq!(
        seqs,
        (1..=200).collect::<Vec<_>>(),
        "gaps or duplicates in the log"
    );
    // Paging resumes exactly where a client stopped.
    let g = group.clone();
    let page = db
        .run(move |conn| groups::entries_after(conn, &g, 150, 20))
        .await?;
    assert_eq!(page.first().map(|e| e.seq), Some(151));
    assert_eq!(page.len(), 20);
    assert_eq!(page[0].sender, Some(device));
    Ok(())
}

/// Group commit: posts written together in one transaction each get the outcome
/// they would have had alone, in order, and one that fails stops none of the others.
async fn a_batch_of_posts_is_stored_as_if_one_by_one(kind: DbKind) -> Result<()> {
    let test_db = TestDb::new(kind)?;
    let db = test_db.open()?;
    let (author, device, first_group, second_group) = two_groups(&db).await?;
    let (first, second) = (first_group.id.clone(), second_group.id.clone());
    let missing = Group {
        id: "no-such-group".into(),
        ..first_group.clone()
    };
    let posts = batch(
        author,
        vec![
            (&first_group, post(device, "a", Some("k1"))),
            (&second_group, post(device, "b", None)),
            (&missing, post(device, "lost", None)),
            (&first_group, post(device, "a again", Some("k1"))),
            (&first_group, post(device, "c", None)),
        ],
    );
    let outcomes = db.run(move |conn| groups::append_posts(conn, &posts)).await?;
    assert!(
        matches!(outcomes[0], Ok(Appended::Stored { seq: 1 })),
        "{outcomes:?}"
    );
    assert!(
        matches!(outcomes[1], Ok(Appended::Stored { seq: 1 })),
        "{outcomes:?}"
    );
    assert!(matches!(outcomes[2], Err(StorageError::NotFound)), "{outcomes:?}");
    assert!(
        matches!(outcomes[3], Ok(Appended::Duplicate { seq: 1 })),
        "{outcomes:?}"
    );
    assert!(
        matches!(outcomes[4], Ok(Appended::Stored { seq: 2 })),
        "{outcomes:?}"
    );
    let bodies = db
        .run(move |conn| groups::entries_after(conn, &first, 0, 10))
        .await?
        .into_iter()
        .map(|e| String::from_utf8(e.body).unwrap())
        .collect::<Vec<_>>();
    assert_eq!(bodies, ["a", "c"], "the first group's log, in arrival order");
    let others = db
        .run(move |conn| groups::entries_after(conn, &second, 0, 10))
        .await?;
    assert_eq!(others.len(), 1);
    Ok(())
}

/// On PostgreSQL every stored post of a batch is announced to the other nodes once,
/// in log order, and only once it is committed: a batch that falls back to a
/// savepoint per post (here for a retry in it) announces the posts it stored, not
/// the ones its first try rolled back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_nodes_hear_of_each_stored_post_once() -> Result<()> {
    use diesel::{Connection, PgConnection, RunQueryDsl};
    let test_db = TestDb::new(DbKind::Postgres)?;
    let db = test_db.open()?;
    let mut listener = PgConnection::establish(&test_db.url)?;
    diesel::sql_query(format!("LISTEN {}", groups::NOTIFY_CHANNEL)).execute(&mut listener)?;
    let (author, device, first_group, second_group) = two_groups(&db).await?;
    let (first, second) = (first_group.id.clone(), second_group.id.clone());
    let clean = batch(
        author,
        vec![
            (&second_group, post(device, "b1", None)),
            (&first_group, post(device, "a1", Some("k1"))),
            (&first_group, post(device, "a2", None)),
        ],
    );
    let with_retry = batch(
        author,
        vec![
            (&first_group, post(device, "a3", None)),
            (&first_group, post(device, "a1 again", Some("k1"))),
            (&second_group, post(device, "b2", None)),
        ],
    );
    let outcomes = db.run(move |conn| groups::append_posts(conn, &clean)).await?;
    assert!(
        outcomes.iter().all(|o| matches!(o, Ok(Appended::Stored { .. }))),
        "{outcomes:?}"
    );
    let outcomes = db
        .run(move |conn| groups::append_posts(conn, &with_retry))
        .await?;
    assert!(
        matches!(
            outcomes[..],
            [
                Ok(Appended::Stored { seq: 3 }),
                Ok(Appended::Duplicate { seq: 1 }),
                Ok(Appended::Stored { seq: 2 })
            ]
        ),
        "{outcomes:?}"
    );
    // Reading a row makes the connection take in what the server sent it.
    diesel::sql_query("SELECT 1").execute(&mut listener)?;
    let heard: Vec<String> = listener
        .notifications_iter()
        .map(|n| n.map(|n| n.payload))
        .collect::<Result<_, _>>()?;
    let seqs_of = |group: &str| -> Vec<i64> {
        heard
            .iter()
            .filter_map(|h| h.strip_prefix(group)?.strip_prefix(' ')?.parse().ok())
            .collect()
    };
    assert_eq!(seqs_of(&first), [1, 2, 3], "{heard:?}");
    assert_eq!(seqs_of(&second), [1, 2], "{heard:?}");
    assert_eq!(heard.len(), 5, "nothing announced twice: {heard:?}");
    Ok(())
}

async fn retried_sends_are_stored_once(kind: DbKind) -> Result<()> {
    let test_db = TestDb::new(kind)?;
    let db = test_db.open()?;
    let (_, device, group) = setup(&db).await?;
    let mut outcomes = Vec::new();
    // The same send three times, two of them racing.
    let mut tasks = Vec::new();
    for _ in 0..3 {
        let (db, group) = (db.clone(), group.clone());
        let entry = post(device, "vitals 36.8", Some("client-key-1"));
        tasks.push(tokio::spawn(async move {
            db.run(move |conn| groups::append(conn, &group, &entry, T0)).await
        }));
    }
    for task in tasks {
        outcomes.push(task.await??);
    }
    let stored: Vec<_> = outcomes
        .iter()
        .filter(|o| matches!(o, Appended::Stored { .. }))
        .collect();
    assert_eq!(stored.len(), 1, "{outcomes:?}");
    assert!(
        outcomes
            .iter()
            .all(|o| matches!(o, Appended::Stored { seq: 1 } | Appended::Duplicate { seq: 1 })),
        "{outcomes:?}"
    );
    let g = group.clone();
    assert_eq!(
        db.run(move |conn| groups::entries_after(conn, &g, 0, 10))
            .await?
            .len(),
        1
    );
    Ok(())
}

async fn a_post_id_is_stored_once_per_group_even_when_sends_race(kind: DbKind) -> Result<()> {
    let test_db = TestDb::new(kind)?;
    let db = test_db.open()?;
    let (_, device, group) = setup(&db).await?;
    let post_id = kizuna_proto::PostId::from_uuid(uuid::Uuid::from_u128(0xfeed));
    // One post's bytes sent as four different messages (four idempotency keys), as a
    // replaying client or two nodes would: exactly one is stored.
    let mut tasks = Vec::new();
    for n in 0..4 {
        let (db, group) = (db.clone(), group.clone());
        let mut entry = post(device, "the same sealed post", Some(&format!("key-{n}")));
        entry.post_id = Some(post_id);
        tasks.push(tokio::spawn(async move {
            db.run(move |conn| groups::append(conn, &group, &entry, T0)).await
        }));
    }
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.push(task.await??);
    }
    let stored = outcomes
        .iter()
        .filter(|o| matches!(o, Appended::Stored { seq: 1 }))
        .count();
    assert_eq!(stored, 1, "{outcomes:?}");
    assert!(
        outcomes
            .iter()
            .all(|o| matches!(o, Appended::Stored { seq: 1 } | Appended::ReplayedPost { seq: 1 })),
        "{outcomes:?}"
    );
    // A retry with the winner's key still answers its position, not a refusal.
    let winner = (0..4)
        .map(|n| format!("key-{n}"))
        .zip(&outcomes)
        .find(|(_, o)| matches!(o, Appended::Stored { .. }))
        .map(|(k, _)| k)
        .unwrap();
    let mut retry = post(device, "the same sealed post", Some(&winner));
    retry.post_id = Some(post_id);
    let g = group.clone();
    assert_eq!(
        db.run(move |conn| groups::append(conn, &g, &retry, T0)).await?,
        Appended::Duplicate { seq: 1 }
    );
    // Another post and other groups are not affected.
    let mut other = post(device, "another post", None);
    other.post_id = Some(kizuna_proto::PostId::from_uuid(uuid::Uuid::from_u128(0xbeef)));
    let g = group.clone();
    assert_eq!(
        db.run(move |conn| groups::append(conn, &g, &other, T0)).await?,
        Appended::Stored { seq: 2 }
    );
    Ok(())
}

async fn of_two_commits_for_one_epoch_exactly_one_wins(kind: DbKind) -> Result<()> {
    let test_db = TestDb::new(kind)?;
    let db = test_db.open()?;
    let (_, device, group) = setup(&db).await?;
    let commit = |epoch: i64, body: &str| NewEntry {
        kind: EntryKind::Commit,
        sender: Some(device),
        epoch,
        body: body.as_bytes().to_vec(),
        idempotency_key: None,
        urgency: None,
        post_id: None,
    };
    for round in 0..10i64 {
        let a = {
            let (db, g, c) = (db.clone(), group.clone(), commit(round, "a"));
            tokio::spawn(async move { db.run(move |conn| groups::append(conn, &g, &c, T0)).await })
        };
        let b = {
            let (db, g, c) = (db.clone(), group.clone(), commit(round, "b"));
            tokio::spawn(async move { db.run(move |conn| groups::append(conn, &g, &c, T0)).await })
        };
        let (a, b) = (a.await??, b.await??);
        let winners = [a, b]
            .iter()
            .filter(|o| matches!(o, Appended::Stored { .. }))
            .count();
        assert_eq!(winners, 1, "round {round}: {a:?} {b:?}");
        let loser = if matches!(a, Appended::Stored { .. }) {
            b
        } else {
            a
        };
        assert_eq!(
            loser,
            Appended::WrongEpoch { current: round + 1 },
            "the loser must learn the new epoch"
        );
    }
    let g = group.clone();
    assert_eq!(db.run(move |conn| groups::get(conn, &g)).await?.epoch, 10);
    // A stale commit is refused and stores nothing.
    let (g, stale) = (group.clone(), commit(3, "stale"));
    assert_eq!(
        db.run(move |conn| groups::append(conn, &g, &stale, T0)).await?,
        Appended::WrongEpoch { current: 10 }
    );
    let g = group.clone();
    assert_eq!(
        db.run(move |conn| groups::entries_after(conn, &g, 0, 100))
            .await?
            .len(),
        10
    );
    let missing = db
        .run(move |conn| groups::append(conn, "no-such-group", &post(device, "x", None), T0))
        .await;
    assert!(matches!(missing, Err(StorageError::NotFound)), "{missing:?}");
    Ok(())
}

async fn welcomes_wait_for_their_device(kind: DbKind) -> Result<()> {
    let test_db = TestDb::new(kind)?;
    let db = test_db.open()?;
    let (_, device, group) = setup(&db).await?;
    let g = group.clone();
    db.run(move |conn| groups::queue_welcome(conn, device, &g, b"welcome-bytes", T0))
        .await?;
    let first = db
        .run(move |conn| groups::take_welcomes(conn, device, T0))
        .await?;
    assert_eq!(first, vec![(group.clone(), b"welcome-bytes".to_vec())]);
    assert!(
        db.run(move |conn| groups::take_welcomes(conn, device, T0))
            .await?
            .is_empty(),
        "welcome delivered twice"
    );
    Ok(())
}

/// A post refused after its seq was claimed (an attachment it may not reference), a
/// retry and a replay leave no gap: the next post takes the next seq. A commit sent
/// again after the epoch moved on answers its first position, not a wrong epoch.
async fn refusals_and_retries_leave_no_gap(kind: DbKind) -> Result<()> {
    let test_db = TestDb::new(kind)?;
    let db = test_db.open()?;
    let (author, device, group_id) = setup(&db).await?;
    let g = group_id.clone();
    let group = db.run(move |conn| groups::get(conn, &g)).await?;
    let append = |entry: NewEntry, blobs: Vec<kizuna_proto::BlobId>| {
        let (db, group) = (db.clone(), group.clone());
        async move {
            db.run(move |conn| groups::append_post(conn, &group, &entry, author, &blobs, T0))
                .await
        }
    };
    let replayed = kizuna_proto::PostId::from_uuid(Uuid::from_u128(7));
    let with_id = |body: &str, key: &str| NewEntry {
        post_id: Some(replayed),
        ..post(device, body, Some(key))
    };
    assert_eq!(
        append(with_id("first", "k1"), vec![]).await?,
        Appended::Stored { seq: 1 }
    );
    let unknown_blob = kizuna_proto::BlobId::from_uuid(Uuid::new_v4());
    assert!(matches!(
        append(post(device, "photo", Some("k2")), vec![unknown_blob]).await?,
        Appended::BlobRefused { .. }
    ));
    assert_eq!(
        append(with_id("first again", "k1"), vec![]).await?,
        Appended::Duplicate { seq: 1 }
    );
    assert_eq!(
        append(with_id("replay", "k3"), vec![]).await?,
        Appended::ReplayedPost { seq: 1 }
    );
    assert_eq!(
        append(post(device, "second", None), vec![]).await?,
        Appended::Stored { seq: 2 }
    );

    let commit = NewEntry {
        kind: EntryKind::Commit,
        epoch: 0,
        ..post(device, "commit", Some("c1"))
    };
    let (g, c) = (group_id.clone(), commit.clone());
    assert_eq!(
        db.run(move |conn| groups::append(conn, &g, &c, T0)).await?,
        Appended::Stored { seq: 3 }
    );
    let g = group_id.clone();
    assert_eq!(
        db.run(move |conn| groups::append(conn, &g, &commit, T0)).await?,
        Appended::Duplicate { seq: 3 },
        "a retried commit learns where it is, not that the epoch moved on"
    );
    let g = group_id.clone();
    let stored = db.run(move |conn| groups::entries_after(conn, &g, 0, 10)).await?;
    let seqs: Vec<i64> = stored.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, [1, 2, 3]);
    let g = group_id.clone();
    let after = db.run(move |conn| groups::get(conn, &g)).await?;
    assert_eq!(after.epoch, 1, "one commit moved the epoch once");
    Ok(())
}

on_both_databases!(
    key_packages_are_handed_out_once,
    concurrent_claims_never_share_a_package,
    logs_are_ordered_without_gaps,
    a_batch_of_posts_is_stored_as_if_one_by_one,
    retried_sends_are_stored_once,
    a_post_id_is_stored_once_per_group_even_when_sends_race,
    of_two_commits_for_one_epoch_exactly_one_wins,
    welcomes_wait_for_their_device,
    refusals_and_retries_leave_no_gap,
);
