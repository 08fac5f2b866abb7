//! MLS groups (one per room channel) and their ordered logs, the heart of the
//! delivery service.
//!
//! Ordering: every append first *updates* the group's row (`next_seq + 1`, and for
//! a commit `epoch + 1` on condition that the commit is for the current epoch). On
//! PostgreSQL that update takes the row lock, on SQLite the database write lock, so
//! appenders to one group are serialised inside their transactions: sequence numbers
//! have no gaps or duplicates, and of two commits for the same epoch exactly one
//! wins. The loser learns the current epoch, fetches the missing commits and retries.

use diesel::prelude::*;
use kizuna_proto::{BlobId, Channel, DeviceId, LogKind, PostId, RoomId, Timestamp, Urgency, UserId};

use crate::attachments::{self, AttachRefusal};

use crate::schema::{group_log, groups, welcomes};
use crate::{transaction, DbConn, StorageError};

/// The PostgreSQL NOTIFY channel on which appends announce `<group> <seq>` (and
/// other notices `<topic> 0`). A node knows its own appends by the sending
/// backend's process ID ([`crate::Db::is_own_backend`]).
pub const NOTIFY_CHANNEL: &str = "kizuna_log";

/// The settings key of the log generation.
const GENERATION_KEY: &str = "log_generation";

/// The generation of this deployment's logs ([`kizuna_proto::log`]): made at the
/// first use of a fresh database, and anew by [`new_log_generation`] after a restore.
pub fn log_generation(conn: &mut DbConn) -> Result<String, StorageError> {
    crate::settings::get_or_create(conn, GENERATION_KEY, fresh_generation)
}

/// Starts a new log generation (run after restoring the database from a backup):
/// clients that see it re-read every channel from the start. Returns it.
pub fn new_log_generation(conn: &mut DbConn) -> Result<String, StorageError> {
    let generation = fresh_generation();
    crate::settings::set(conn, GENERATION_KEY, &generation)?;
    Ok(generation)
}

fn fresh_generation() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// An MLS group for one channel of a room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// The MLS group ID, as text.
    pub id: String,
    /// The room.
    pub room: RoomId,
    /// The channel.
    pub channel: Channel,
    /// The epoch the server has accepted commits up to.
    pub epoch: i64,
    /// When it was created.
    pub created_at: Timestamp,
}

/// What kind of message a log entry holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    /// An MLS commit (public message): changes the epoch.
    Commit,
    /// An MLS proposal (public message).
    Proposal,
    /// An era key, inside an MLS application message.
    EraKey,
    /// A post sealed under an era key.
    Post,
}

/// The wire kind of a stored entry; `group_log.kind` holds its name.
impl From<EntryKind> for LogKind {
    fn from(kind: EntryKind) -> Self {
        match kind {
            EntryKind::Commit => LogKind::Commit,
            EntryKind::Proposal => LogKind::Proposal,
            EntryKind::EraKey => LogKind::EraKey,
            EntryKind::Post => LogKind::Post,
        }
    }
}

/// A known wire kind as an entry kind; [`LogKind::Unknown`] is never stored.
impl TryFrom<LogKind> for EntryKind {
    type Error = StorageError;
    fn try_from(kind: LogKind) -> Result<Self, StorageError> {
        match kind {
            LogKind::Commit => Ok(EntryKind::Commit),
            LogKind::Proposal => Ok(EntryKind::Proposal),
            LogKind::EraKey => Ok(EntryKind::EraKey),
            LogKind::Post => Ok(EntryKind::Post),
            LogKind::Unknown => Err(StorageError::Corrupt("group_log.kind = \"unknown\"".into())),
        }
    }
}

/// A message to append.
#[derive(Debug, Clone)]
pub struct NewEntry {
    /// What it is.
    pub kind: EntryKind,
    /// The device that sent it.
    pub sender: Option<DeviceId>,
    /// The MLS epoch it was made in (for a commit: the epoch it commits from).
    pub epoch: i64,
    /// The opaque bytes.
    pub body: Vec<u8>,
    /// A key chosen by the client so that a retried send is stored once.
    pub idempotency_key: Option<String>,
    /// For a post: the urgency its sender chose to expose (for notifications).
    pub urgency: Option<Urgency>,
    /// For a post: the post ID from its clear header. At most one entry of a group
    /// holds a given post ID (a unique index), so a replayed post is never stored.
    pub post_id: Option<PostId>,
}

/// A stored log entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEntry {
    /// The group.
    pub group: String,
    /// Its position in the group's log, from 1, without gaps.
    pub seq: i64,
    /// What it is.
    pub kind: EntryKind,
    /// Who sent it.
    pub sender: Option<DeviceId>,
    /// Its epoch.
    pub epoch: i64,
    /// The opaque bytes.
    pub body: Vec<u8>,
    /// When it was stored.
    pub created_at: Timestamp,
    /// For a post: the urgency its sender exposed.
    pub urgency: Option<Urgency>,
}

/// What an append did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Appended {
    /// Stored at this position.
    Stored {
        /// The position.
        seq: i64,
    },
    /// The same idempotency key was stored before, at this position; nothing new stored.
    Duplicate {
        /// The earlier position.
        seq: i64,
    },
    /// A post whose post ID an earlier entry of the group already holds, sent
    /// without that entry's idempotency key: a replay. Nothing stored.
    ReplayedPost {
        /// Where the post with that ID is.
        seq: i64,
    },
    /// A commit for an epoch that is not the group's current one; nothing stored.
    WrongEpoch {
        /// The group's current epoch.
        current: i64,
    },
    /// A post referencing a blob it may not; nothing stored.
    BlobRefused {
        /// The blob.
        blob: BlobId,
        /// Why.
        reason: AttachRefusal,
    },
}

#[derive(Queryable)]
struct GroupRow {
    id: String,
    room_id: RoomId,
    channel: Channel,
    epoch: i64,
    _next_seq: i64,
    created_at: Timestamp,
}

/// Creates a group at epoch 0 with an empty log and the server's public view of it.
pub fn create(conn: &mut DbConn, group: &Group, public_state: &[u8]) -> Result<(), StorageError> {
    diesel::insert_into(groups::table)
        .values((
            groups::id.eq(&group.id),
            groups::room_id.eq(group.room),
            groups::channel.eq(group.channel),
            groups::epoch.eq(group.epoch),
            groups::next_seq.eq(1i64),
            groups::created_at.eq(group.created_at),
            groups::public_state.eq(Some(public_state)),
        ))
        .execute(conn)?;
    Ok(())
}

const GROUP_COLUMNS: (
    groups::id,
    groups::room_id,
    groups::channel,
    groups::epoch,
    groups::next_seq,
    groups::created_at,
) = (
    groups::id,
    groups::room_id,
    groups::channel,
    groups::epoch,
    groups::next_seq,
    groups::created_at,
);

fn group_of(row: GroupRow) -> Group {
    Group {
        id: row.id,
        room: row.room_id,
        channel: row.channel,
        epoch: row.epoch,
        created_at: row.created_at,
    }
}

/// One group by ID.
pub fn get(conn: &mut DbConn, id: &str) -> Result<Group, StorageError> {
    Ok(group_of(
        groups::table
            .find(id)
            .select(GROUP_COLUMNS)
            .first::<GroupRow>(conn)?,
    ))
}

/// What appending to a group needs to know about its sender ([`sending`]).
#[derive(Debug, Clone)]
pub struct Sending {
    /// The group.
    pub group: Group,
    /// The sender is a member of the group's room with access to its channel.
    pub member: bool,
    /// The room is closed (nothing more may be posted).
    pub room_closed: bool,
    /// The device is one of the sender's own and not revoked.
    pub device_live: bool,
}

/// The group `id` with what an append by `user` from `device` must check, in one
/// statement (every post asks). `NotFound` if there is no such group.
pub fn sending(conn: &mut DbConn, id: &str, user: UserId, device: DeviceId) -> Result<Sending, StorageError> {
    use crate::retention::room_closures;
    use crate::schema::{devices, room_members};
    let (row, access, closed, live) = groups::table
        .left_join(
            room_members::table.on(room_members::room_id
                .eq(groups::room_id)
                .and(room_members::user_id.eq(user))),
        )
        .left_join(room_closures::table.on(room_closures::room_id.eq(groups::room_id)))
        .left_join(
            devices::table.on(devices::id
                .eq(device)
                .and(devices::user_id.eq(user))
                .and(devices::revoked_at.is_null())),
        )
        .filter(groups::id.eq(id))
        .select((
            GROUP_COLUMNS,
            (room_members::team_access, room_members::family_access).nullable(),
            room_closures::room_id.nullable(),
            devices::id.nullable(),
        ))
        .first::<(GroupRow, Option<(bool, bool)>, Option<RoomId>, Option<DeviceId>)>(conn)?;
    let group = group_of(row);
    let member = access.is_some_and(|(team, family)| crate::rooms::grants(team, family, group.channel));
    Ok(Sending {
        group,
        member,
        room_closed: closed.is_some(),
        device_live: live.is_some(),
    })
}

/// The group of a room's channel, if its owner has created it.
pub fn for_channel(conn: &mut DbConn, room: RoomId, channel: Channel) -> Result<Option<Group>, StorageError> {
    Ok(groups::table
        .filter(groups::room_id.eq(room))
        .filter(groups::channel.eq(channel))
        .select(GROUP_COLUMNS)
        .first::<GroupRow>(conn)
        .optional()?
        .map(group_of))
}

/// The server's public view of a group and the epoch it is at.
pub fn public_state(conn: &mut DbConn, id: &str) -> Result<(i64, Vec<u8>), StorageError> {
    let (epoch, state) = groups::table
        .find(id)
        .select((groups::epoch, groups::public_state))
        .first::<(i64, Option<Vec<u8>>)>(conn)?;
    let state = state.ok_or_else(|| StorageError::Corrupt(format!("group {id:?} has no public state")))?;
    Ok((epoch, state))
}

/// The position of the group's newest entry (0 for an empty log).
pub fn last_seq(conn: &mut DbConn, id: &str) -> Result<i64, StorageError> {
    let next = groups::table
        .find(id)
        .select(groups::next_seq)
        .first::<i64>(conn)?;
    Ok(next - 1)
}

/// Where an entry sent with this idempotency key landed, if one was.
pub fn seq_of_key(conn: &mut DbConn, group: &str, key: &str) -> Result<Option<i64>, StorageError> {
    existing_seq(conn, group, key)
}

/// Where the entry holding post `post` is, if the group has one.
pub fn seq_of_post(conn: &mut DbConn, group: &str, post: PostId) -> Result<Option<i64>, StorageError> {
    Ok(group_log::table
        .filter(group_log::group_id.eq(group))
        .filter(group_log::post_id.eq(post))
        .select(group_log::seq)
        .first::<i64>(conn)
        .optional()?)
}

fn existing_seq(conn: &mut DbConn, group: &str, key: &str) -> Result<Option<i64>, StorageError> {
    Ok(group_log::table
        .filter(group_log::group_id.eq(group))
        .filter(group_log::idempotency_key.eq(key))
        .select(group_log::seq)
        .first::<i64>(conn)
        .optional()?)
}

/// Appends a message to a group's log (see the module documentation for ordering).
pub fn append(
    conn: &mut DbConn,
    group: &str,
    entry: &NewEntry,
    now: Timestamp,
) -> Result<Appended, StorageError> {
    append_then(conn, group, entry, |conn| {
        append_steps(conn, group, entry, now, |_| Ok(None), |_, _| Ok(()))
    })
}

/// Appends a post by `author` that references `blobs` (attachments uploaded to this
/// group's room channel by the same person and not yet posted): in one transaction
/// the post is stored and the blobs are marked as referenced by it, so they are
/// kept and fetchable by the channel's members.
pub fn append_post(
    conn: &mut DbConn,
    group: &Group,
    entry: &NewEntry,
    author: UserId,
    blobs: &[BlobId],
    now: Timestamp,
) -> Result<Appended, StorageError> {
    append_then(conn, &group.id, entry, |conn| {
        post_steps(conn, group, entry, author, blobs, now)
    })
}

/// [`append_post`]'s statements, in a transaction the caller holds: the claim, the
/// attachments' check, the insert and the attachments' reference.
fn post_steps(
    conn: &mut DbConn,
    group: &Group,
    entry: &NewEntry,
    author: UserId,
    blobs: &[BlobId],
    now: Timestamp,
) -> Result<Appended, StorageError> {
    let (room, channel) = (group.room, group.channel);
    append_steps(
        conn,
        &group.id,
        entry,
        now,
        |conn| {
            let refused = attachments::check_attachable(conn, blobs, room, channel, author)?;
            Ok(refused.map(|(blob, reason)| Appended::BlobRefused { blob, reason }))
        },
        |conn, seq| attachments::attach(conn, blobs, &group.id, seq),
    )
}

/// A post waiting to be appended with others in one transaction ([`append_posts`]).
#[derive(Debug, Clone)]
pub struct PostAppend {
    /// The group (the caller checked the author may post to it).
    pub group: Group,
    /// The post.
    pub entry: NewEntry,
    /// Its author.
    pub author: UserId,
    /// Its attachments.
    pub blobs: Vec<BlobId>,
    /// When it arrived.
    pub now: Timestamp,
}

/// Appends several posts in one transaction (group commit), each as [`append_post`]
/// would. Posts are taken in the order of their groups' IDs (and in arrival order
/// within a group), so two nodes batching the same groups take the groups' locks in
/// the same order and cannot deadlock. Returns each post's outcome in the order
/// given, or the error that stopped the whole transaction (nothing of it was stored
/// then).
///
/// The batch is first tried as it nearly always goes: every post stored, no
/// savepoints, one notice for all of them. If any post fails (a retry or a replay
/// refused by the log's unique indexes, which on PostgreSQL aborts the
/// transaction), that try rolls back whole and the batch is written again with a
/// savepoint per post, so the failing post leaves nothing behind and does not stop
/// the others.
pub fn append_posts(
    conn: &mut DbConn,
    posts: &[PostAppend],
) -> Result<Vec<Result<Appended, StorageError>>, StorageError> {
    let mut order: Vec<usize> = (0..posts.len()).collect();
    order.sort_by(|a, b| posts[*a].group.id.cmp(&posts[*b].group.id));
    let together = transaction(conn, |conn| {
        let mut outcomes: Vec<Option<Appended>> = vec![None; posts.len()];
        let mut stored = Vec::with_capacity(posts.len());
        for &i in &order {
            let p = &posts[i];
            let outcome = post_steps(conn, &p.group, &p.entry, p.author, &p.blobs, p.now)?;
            if let Appended::Stored { seq } = outcome {
                stored.push((p.group.id.as_str(), seq));
            }
            outcomes[i] = Some(outcome);
        }
        announce_entries(conn, &stored)?;
        Ok(outcomes.into_iter().flatten().map(Ok).collect())
    });
    together.or_else(|_| {
        transaction(conn, |conn| {
            let mut outcomes: Vec<Option<Result<Appended, StorageError>>> =
                posts.iter().map(|_| None).collect();
            for &i in &order {
                let p = &posts[i];
                outcomes[i] = Some(append_post(conn, &p.group, &p.entry, p.author, &p.blobs, p.now));
            }
            Ok(outcomes.into_iter().flatten().collect())
        })
    })
}

/// Appends a commit that the server has validated against `public_state` at epoch
/// `entry.epoch`: in the same transaction the group's public view moves on and the
/// welcome is queued for each added device. If another commit took the epoch first,
/// nothing is stored ([`Appended::WrongEpoch`]).
pub fn append_commit(
    conn: &mut DbConn,
    group: &str,
    entry: &NewEntry,
    next_state: &[u8],
    welcome: Option<(&[DeviceId], &[u8])>,
    now: Timestamp,
) -> Result<Appended, StorageError> {
    append_then(conn, group, entry, |conn| {
        append_steps(
            conn,
            group,
            entry,
            now,
            |_| Ok(None),
            |conn, _seq| {
                diesel::update(groups::table.find(group))
                    .set(groups::public_state.eq(Some(next_state)))
                    .execute(conn)?;
                if let Some((devices, body)) = welcome {
                    for device in devices {
                        queue_welcome(conn, *device, group, body, now)?;
                    }
                }
                Ok(())
            },
        )
    })
}

/// The append transaction: `steps` ([`append_steps`] and what the kind of entry
/// adds) and, if the entry was stored, its notice to the other nodes.
///
/// The common path is two statements: the claim and the insert. A retry or a
/// replay is not looked for beforehand: the log's unique indexes (group and
/// idempotency key; group and post ID) refuse the insert, the transaction (or the
/// batch's savepoint) rolls back with its claim, and only then is the earlier
/// entry looked up.
fn append_then(
    conn: &mut DbConn,
    group: &str,
    entry: &NewEntry,
    steps: impl FnOnce(&mut DbConn) -> Result<Appended, StorageError>,
) -> Result<Appended, StorageError> {
    let outcome = transaction(conn, |conn| {
        let outcome = steps(conn)?;
        if let Appended::Stored { seq } = outcome {
            announce_entries(conn, &[(group, seq)])?;
        }
        Ok(outcome)
    });
    let Err(StorageError::Conflict(why)) = outcome else {
        return outcome;
    };
    // The unique indexes stopped the insert (a retry, a replay, or two sends that
    // raced): the same key answers the earlier entry's position.
    earlier(conn, group, entry)?.ok_or(StorageError::Conflict(why))
}

/// The append's statements, in a transaction the caller holds: the claim; `check`,
/// which may refuse the entry once its seq is claimed (under the group's lock, so
/// checks of two appends to a group never interleave); the insert; and `also`. A
/// refusal by the log's unique indexes is the caller's to handle (as `Conflict`).
fn append_steps(
    conn: &mut DbConn,
    group: &str,
    entry: &NewEntry,
    now: Timestamp,
    check: impl FnOnce(&mut DbConn) -> Result<Option<Appended>, StorageError>,
    also: impl FnOnce(&mut DbConn, i64) -> Result<(), StorageError>,
) -> Result<Appended, StorageError> {
    let commit_epoch = (entry.kind == EntryKind::Commit).then_some(entry.epoch);
    let Some(seq) = claim_seq(conn, group, commit_epoch)? else {
        return unclaimed(conn, group, entry);
    };
    if let Some(refused) = check(conn)? {
        unclaim_seq(conn, group, commit_epoch)?;
        return Ok(refused);
    }
    diesel::insert_into(group_log::table)
        .values((
            group_log::group_id.eq(group),
            group_log::seq.eq(seq),
            group_log::kind.eq(LogKind::from(entry.kind)),
            group_log::sender_device.eq(entry.sender),
            group_log::epoch.eq(entry.epoch),
            group_log::body.eq(&entry.body),
            group_log::idempotency_key.eq(&entry.idempotency_key),
            group_log::created_at.eq(now),
            group_log::urgency.eq(entry.urgency),
            group_log::post_id.eq(entry.post_id),
        ))
        .execute(conn)?;
    also(conn, seq)?;
    Ok(Appended::Stored { seq })
}

/// Tells listening nodes (PostgreSQL NOTIFY, `<group> <seq>` each) of entries stored
/// in this transaction, in one statement; delivered when it commits, never before.
/// A topic ([`announce`]) goes as `<topic> 0`. On SQLite there is one node, whose
/// writer hands entries over itself.
fn announce_entries(conn: &mut DbConn, stored: &[(&str, i64)]) -> Result<(), StorageError> {
    let DbConn::Postgres(pg) = conn else {
        return Ok(());
    };
    if stored.is_empty() {
        return Ok(());
    }
    let payloads: Vec<String> = stored
        .iter()
        .map(|(group, seq)| format!("{group} {seq}"))
        .collect();
    diesel::sql_query("SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p")
        .bind::<diesel::sql_types::Text, _>(NOTIFY_CHANNEL)
        .bind::<diesel::sql_types::Array<diesel::sql_types::Text>, _>(payloads)
        .execute(pg)?;
    Ok(())
}

/// The entry the log already holds under `entry`'s idempotency key (a retry) or,
/// failing that, its post ID (a replay).
fn earlier(conn: &mut DbConn, group: &str, entry: &NewEntry) -> Result<Option<Appended>, StorageError> {
    if let Some(key) = &entry.idempotency_key {
        if let Some(seq) = existing_seq(conn, group, key)? {
            return Ok(Some(Appended::Duplicate { seq }));
        }
    }
    if let Some(post) = entry.post_id {
        if let Some(seq) = seq_of_post(conn, group, post)? {
            return Ok(Some(Appended::ReplayedPost { seq }));
        }
    }
    Ok(None)
}

/// Why nothing was claimed: no such group, or a commit for another epoch (unless
/// it is a retry of one already stored).
fn unclaimed(conn: &mut DbConn, group: &str, entry: &NewEntry) -> Result<Appended, StorageError> {
    let current = groups::table
        .find(group)
        .select(groups::epoch)
        .first::<i64>(conn)?;
    Ok(earlier(conn, group, entry)?.unwrap_or(Appended::WrongEpoch { current }))
}

#[derive(QueryableByName)]
struct Claimed {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    seq: i64,
}

/// Takes the group's next seq, and for a commit (`commit_epoch`) moves the epoch on
/// if the commit is for the current one. The update takes the group's row lock
/// (PostgreSQL; SQLite's transactions hold the write lock from their start) until
/// the transaction ends. `None`: no such group, or a commit for another epoch.
fn claim_seq(conn: &mut DbConn, group: &str, commit_epoch: Option<i64>) -> Result<Option<i64>, StorageError> {
    use diesel::sql_types::{BigInt, Text};
    // `$n` is a numbered parameter on PostgreSQL and a named one, bound in order,
    // on SQLite: the same text serves both.
    let claimed = match commit_epoch {
        None => diesel::sql_query(
            "UPDATE groups SET next_seq = next_seq + 1 WHERE id = $1 RETURNING next_seq - 1 AS seq",
        )
        .bind::<Text, _>(group)
        .get_result::<Claimed>(conn),
        Some(epoch) => diesel::sql_query(
            "UPDATE groups SET next_seq = next_seq + 1, epoch = epoch + 1 \
             WHERE id = $1 AND epoch = $2 RETURNING next_seq - 1 AS seq",
        )
        .bind::<Text, _>(group)
        .bind::<BigInt, _>(epoch)
        .get_result::<Claimed>(conn),
    };
    Ok(claimed.optional()?.map(|c| c.seq))
}

/// Gives back a seq [`claim_seq`] took in this transaction, when a check refused the
/// entry. The group's lock is still held, so no other append saw the claim.
fn unclaim_seq(conn: &mut DbConn, group: &str, commit_epoch: Option<i64>) -> Result<(), StorageError> {
    let row = groups::table.find(group);
    match commit_epoch {
        None => diesel::update(row)
            .set(groups::next_seq.eq(groups::next_seq - 1))
            .execute(conn)?,
        Some(_) => diesel::update(row)
            .set((
                groups::next_seq.eq(groups::next_seq - 1),
                groups::epoch.eq(groups::epoch - 1),
            ))
            .execute(conn)?,
    };
    Ok(())
}

type EntryRow = (
    String,
    i64,
    LogKind,
    Option<DeviceId>,
    i64,
    Vec<u8>,
    Timestamp,
    Option<Urgency>,
);

/// The entries after position `after`, in order, at most `limit` of them.
pub fn entries_after(
    conn: &mut DbConn,
    group: &str,
    after: i64,
    limit: i64,
) -> Result<Vec<LogEntry>, StorageError> {
    group_log::table
        .filter(group_log::group_id.eq(group))
        .filter(group_log::seq.gt(after))
        .order(group_log::seq.asc())
        .limit(limit)
        .select((
            group_log::group_id,
            group_log::seq,
            group_log::kind,
            group_log::sender_device,
            group_log::epoch,
            group_log::body,
            group_log::created_at,
            group_log::urgency,
        ))
        .load::<EntryRow>(conn)?
        .into_iter()
        .map(|(group, seq, kind, sender, epoch, body, created_at, urgency)| {
            Ok(LogEntry {
                group,
                seq,
                kind: kind.try_into()?,
                sender,
                epoch,
                body,
                created_at,
                urgency,
            })
        })
        .collect()
}

/// Tells other nodes (PostgreSQL NOTIFY) that a welcome waits for one of `user`'s
/// devices. On SQLite there is one node, which knows already.
pub fn announce_welcome(conn: &mut DbConn, user: kizuna_proto::UserId) -> Result<(), StorageError> {
    announce(conn, &format!("welcome:{user}"))
}

/// Tells other nodes that someone `user` shares a room with has a new member or a
/// device that can now be added: `user`'s clients bring their channels up to date.
pub fn announce_members(conn: &mut DbConn, user: kizuna_proto::UserId) -> Result<(), StorageError> {
    announce(conn, &format!("members:{user}"))
}

pub(crate) fn announce(conn: &mut DbConn, topic: &str) -> Result<(), StorageError> {
    announce_entries(conn, &[(topic, 0)])
}

/// Queues an MLS welcome for a device.
pub fn queue_welcome(
    conn: &mut DbConn,
    device: DeviceId,
    group: &str,
    body: &[u8],
    now: Timestamp,
) -> Result<(), StorageError> {
    diesel::insert_into(welcomes::table)
        .values((
            welcomes::id.eq(uuid::Uuid::new_v4().to_string()),
            welcomes::device_id.eq(device),
            welcomes::group_id.eq(group),
            welcomes::body.eq(body),
            welcomes::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Hands a device its waiting welcomes (group ID and bytes) and marks them fetched.
pub fn take_welcomes(
    conn: &mut DbConn,
    device: DeviceId,
    now: Timestamp,
) -> Result<Vec<(String, Vec<u8>)>, StorageError> {
    transaction(conn, |conn| {
        // Write first, so SQLite takes the write lock before reading (see `append`).
        diesel::update(welcomes::table.filter(welcomes::device_id.eq(device)))
            .set(welcomes::fetched_at.eq(welcomes::fetched_at))
            .execute(conn)?;
        let waiting = welcomes::table
            .filter(welcomes::device_id.eq(device))
            .filter(welcomes::fetched_at.is_null())
            .order(welcomes::created_at.asc())
            .select((welcomes::id, welcomes::group_id, welcomes::body))
            .load::<(String, String, Vec<u8>)>(conn)?;
        let ids: Vec<&String> = waiting.iter().map(|(id, _, _)| id).collect();
        diesel::update(welcomes::table.filter(welcomes::id.eq_any(ids)))
            .set(welcomes::fetched_at.eq(Some(now)))
            .execute(conn)?;
        Ok(waiting
            .into_iter()
            .map(|(_, group, body)| (group, body))
            .collect())
    })
}
