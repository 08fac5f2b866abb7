//! When notifications go: a post appended (at once, per each member's settings),
//! the digest and escalation job, and broadcast notices. Each public function
//! either spawns its work (request paths) or is the job itself (the periodic task
//! and tests with a moved clock call it).

use futures_util::stream::{self, StreamExt};
use std::sync::Arc;
use std::time::Duration;

use kizuna_proto::{RoomId, Timestamp, Urgency, UserId};
use kizuna_storage::groups::{self, Group};
use kizuna_storage::notifications::{self, PendingDigest, UrgentPost};
use kizuna_storage::users::UserStatus;
use kizuna_storage::{devices, reads, users, DbConn, StorageError};

use super::mail::Mail;
use super::{PushKind, PushPayload};
use crate::service::notification_settings::{EmailLevel, Preferences, PushLevel};
use crate::state::AppState;

/// A room's escalation time when its managers never set one.
pub const DEFAULT_ESCALATION_MINUTES: i64 = 30;
/// Urgent posts older than this are not escalated any more (the longest
/// escalation time, plus time for a node that was down to catch up).
const ESCALATION_LOOKBACK: Duration = Duration::from_secs((1440 + 24 * 60) * 60);

/// How many people one event notifies at a time: a regional broadcast reaches
/// thousands, and each push service answers in tens to hundreds of milliseconds, so
/// one after another would take minutes; a few dozen at once keeps memory and the
/// push services' rate limits in bounds.
const SENDERS: usize = 32;

/// One person to notify, with the settings in force for them.
struct Recipient {
    user: UserId,
    prefs: Preferences,
    /// False when they are known to have no push subscription (a post's
    /// notifications then skip looking for one).
    may_have_push: bool,
}

/// The channel's members who may read it, active, other than `except`.
fn readers(conn: &mut DbConn, group: &Group, except: Option<UserId>) -> Result<Vec<Recipient>, StorageError> {
    Ok(
        notifications::channel_readers(conn, group.room, group.channel, except)?
            .into_iter()
            .map(|r| Recipient {
                user: r.user,
                prefs: Preferences::of(r.settings),
                may_have_push: r.subscribed,
            })
            .collect(),
    )
}

/// Everyone a post to one channel may notify (its active members who may read
/// it), read once for all the posts of a writer's batch to that channel.
pub struct ChannelReaders(Vec<Recipient>);

impl ChannelReaders {
    /// Reads them for `group`.
    pub fn of(conn: &mut DbConn, group: &Group) -> Result<Arc<Self>, StorageError> {
        Ok(Arc::new(Self(readers(conn, group, None)?)))
    }
}

/// A post was appended to `group` by `author`: notify the channel's other members,
/// off the request path. `readers` are the channel's, if the writer read them
/// already; a post nobody is to hear of now (no push wanted, no digest) costs
/// nothing more.
pub fn post_appended(
    state: &AppState,
    group: Group,
    author: UserId,
    urgency: Option<Urgency>,
    readers: Option<Arc<ChannelReaders>>,
) {
    let now = state.now();
    let urgent = urgency == Some(Urgency::Urgent);
    if let Some(known) = &readers {
        let others = || known.0.iter().filter(|r| r.user != author);
        let work = if urgent {
            others().any(|r| r.prefs.urgent_now(now))
        } else {
            others().any(|r| r.prefs.email == EmailLevel::Digest || wants_post_push(r, now))
        };
        if !work {
            return;
        }
    }
    let state = state.clone();
    tokio::spawn(async move {
        if let Err(e) = notify_post(&state, group, author, urgent, readers, now).await {
            tracing::warn!(error = %e, "notifying a new post failed");
        }
    });
}

/// Whether a non-urgent post pushes to `r` now.
fn wants_post_push(r: &Recipient, now: Timestamp) -> bool {
    r.prefs.push == PushLevel::All && !r.prefs.is_quiet(now) && r.may_have_push
}

async fn notify_post(
    state: &AppState,
    group: Group,
    author: UserId,
    urgent: bool,
    readers: Option<Arc<ChannelReaders>>,
    now: Timestamp,
) -> Result<(), StorageError> {
    let room = group.room;
    let readers = match readers {
        Some(known) => known,
        None => state.db.run(move |conn| ChannelReaders::of(conn, &group)).await?,
    };
    let recipients: Vec<&Recipient> = readers.0.iter().filter(|r| r.user != author).collect();
    let digest: Vec<UserId> = recipients
        .iter()
        .filter(|r| !urgent && r.prefs.email == EmailLevel::Digest)
        .map(|r| r.user)
        .collect();
    if !digest.is_empty() {
        state
            .db
            .run(move |conn| {
                for user in digest {
                    notifications::add_to_digest(conn, user, room, now)?;
                }
                Ok(())
            })
            .await?;
    }
    stream::iter(recipients)
        .for_each_concurrent(SENDERS, |r| async move {
            if urgent {
                urgent_to(state, r, PushKind::Urgent, Mail::Urgent, room, 1, now).await;
            } else if wants_post_push(r, now) {
                let payload = PushPayload::new(PushKind::Posts, Some(room), 1);
                state.notifier.push(&state.db, r.user, payload).await;
            }
        })
        .await;
    Ok(())
}

/// An urgent notification to one person: push and e-mail per their settings,
/// held back in their quiet hours unless they want urgent ones then too.
async fn urgent_to(
    state: &AppState,
    r: &Recipient,
    kind: PushKind,
    mail: Mail,
    room: RoomId,
    count: i64,
    now: Timestamp,
) {
    if !r.prefs.urgent_now(now) {
        return;
    }
    if r.prefs.push != PushLevel::Off {
        state
            .notifier
            .push(&state.db, r.user, PushPayload::new(kind, Some(room), count))
            .await;
    }
    if r.prefs.email != EmailLevel::Off {
        if let Some(address) = &r.prefs.email_address {
            state.notifier.mail(address, mail).await;
        }
    }
}

/// A broadcast notice reached `recipients`: a push to each (as urgent as an
/// urgent post for quiet hours), off the request path.
pub fn broadcast_sent(state: &AppState, recipients: Vec<UserId>) {
    let state = state.clone();
    tokio::spawn(async move {
        let state = &state;
        stream::iter(recipients)
            .for_each_concurrent(SENDERS, |user| async move {
                let stored = state
                    .db
                    .run(move |conn| notifications::settings(conn, user))
                    .await;
                let prefs = match stored {
                    Ok(stored) => Preferences::of(stored),
                    Err(e) => {
                        tracing::warn!(error = %e, "loading notification settings failed");
                        return;
                    }
                };
                if prefs.push != PushLevel::Off && prefs.urgent_now(state.now()) {
                    let payload = PushPayload::new(PushKind::Broadcast, None, 1);
                    state.notifier.push(&state.db, user, payload).await;
                }
            })
            .await;
    });
}

/// What one run of the job did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SweepReport {
    /// Digests sent.
    pub digests: usize,
    /// Urgent posts escalated.
    pub escalated: usize,
}

/// One run of the notification job: due digests, then due escalations. Safe to run
/// on every node at once (each digest and escalation is claimed in the database).
pub async fn sweep(state: &AppState) -> Result<SweepReport, StorageError> {
    Ok(SweepReport {
        digests: send_digests(state).await?,
        escalated: escalate(state).await?,
    })
}

/// Runs [`sweep`] every `notification_sweep_interval_secs`.
pub fn spawn(state: AppState) {
    let interval = Duration::from_secs(state.config.notification_sweep_interval_secs);
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            if let Err(e) = sweep(&state).await {
                tracing::warn!(error = %e, "notification job failed; will retry");
            }
        }
    });
}

/// Sends each digest whose time has come (`digest_minutes` after its first post),
/// outside the person's quiet hours.
async fn send_digests(state: &AppState) -> Result<usize, StorageError> {
    let now = state.now();
    let pending = state.db.run(notifications::pending_digests).await?;
    let mut sent = 0;
    for PendingDigest { user, since } in pending {
        let (active, prefs) = state
            .db
            .run(move |conn| {
                let active = users::get(conn, user)?.status == UserStatus::Active;
                Ok((active, Preferences::of(notifications::settings(conn, user)?)))
            })
            .await?;
        // A suspended person's digest waits for their return (a leaver's is deleted
        // with their settings when the account is disabled).
        if !active {
            continue;
        }
        let wanted = prefs.email == EmailLevel::Digest && prefs.email_address.is_some();
        if wanted && (now.0 < since.0 + prefs.digest_minutes * 60_000 || prefs.is_quiet(now)) {
            continue;
        }
        let taken = state
            .db
            .run(move |conn| notifications::take_digest(conn, user))
            .await?;
        let (Some((posts, rooms)), true, Some(address)) = (taken, wanted, prefs.email_address) else {
            continue;
        };
        state.notifier.mail(&address, Mail::Digest { posts, rooms }).await;
        sent += 1;
    }
    Ok(sent)
}

/// Escalates each urgent post that some of its readers have not read after the
/// room's escalation time: once per post, to those readers (`escalation`) and to
/// its author (`unread_report` with how many have not read it).
pub async fn escalate(state: &AppState) -> Result<usize, StorageError> {
    let now = state.now();
    let (from, to) = (
        now.minus(ESCALATION_LOOKBACK),
        now.minus(Duration::from_secs(5 * 60)),
    );
    let posts = state
        .db
        .run(move |conn| notifications::urgent_posts_to_escalate(conn, from, to))
        .await?;
    let mut escalated = 0;
    for post in posts {
        let Some((room, author, unread)) = state.db.run(move |conn| claim_if_due(conn, &post, now)).await?
        else {
            continue;
        };
        for r in &unread {
            urgent_to(state, r, PushKind::Escalation, Mail::Escalation, room, 1, now).await;
        }
        if let Some(author) = author {
            let count = unread.len();
            urgent_to(
                state,
                &author,
                PushKind::UnreadReport,
                Mail::UnreadReport { unread: count },
                room,
                count as i64,
                now,
            )
            .await;
        }
        escalated += 1;
    }
    Ok(escalated)
}

type Due = (RoomId, Option<Recipient>, Vec<Recipient>);

/// When `post` is past its room's escalation time and someone has not read it:
/// claims it (once per post) and returns its room, author and unread readers.
fn claim_if_due(conn: &mut DbConn, post: &UrgentPost, now: Timestamp) -> Result<Option<Due>, StorageError> {
    let group = groups::get(conn, &post.group)?;
    let minutes = notifications::escalation(conn, group.room)?.unwrap_or(Some(DEFAULT_ESCALATION_MINUTES));
    let Some(minutes) = minutes else { return Ok(None) };
    if now.0 < post.created_at.0 + minutes * 60_000 {
        return Ok(None);
    }
    let author = match post.sender {
        Some(device) => Some(devices::get(conn, device)?.user),
        None => None,
    };
    let positions = reads::positions(conn, &group.id)?;
    let read = |user: UserId| positions.iter().any(|p| p.user == user && p.seq >= post.seq);
    let unread: Vec<Recipient> = readers(conn, &group, author)?
        .into_iter()
        .filter(|r| !read(r.user))
        .collect();
    if !notifications::claim_escalation(conn, &post.group, post.seq, now)? || unread.is_empty() {
        return Ok(None);
    }
    let author = match author {
        Some(user) if users::get(conn, user)?.status == UserStatus::Active => Some(Recipient {
            user,
            prefs: Preferences::of(notifications::settings(conn, user)?),
            may_have_push: true,
        }),
        _ => None,
    };
    Ok(Some((group.room, author, unread)))
}
