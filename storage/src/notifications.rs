//! Notifications (issue 15): each person's notification settings, their browsers'
//! Web Push subscriptions, the posts waiting for their e-mail digest, each room's
//! escalation time and the urgent posts already escalated.
//!
//! Nothing here can hold what a post says: levels, times, counts and IDs. The push
//! keys are the browser's (a subscription's `p256dh` and `auth`), kept as
//! [`Redacted`] so they never reach a log line.

use diesel::prelude::*;
use kizuna_proto::{Channel, DeviceId, Redacted, RoomId, Timestamp, UserId};

use crate::schema::{
    digest_pending, escalations_sent, group_log, notification_settings, push_subscriptions, room_escalation,
};
use crate::schema::{room_members, users};
use crate::users::UserStatus;
use crate::{transaction, DbConn, StorageError};

/// A person's stored notification settings (absent: the defaults).
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Insertable)]
#[diesel(table_name = notification_settings)]
pub struct NotificationSettings {
    /// Whose.
    pub user_id: UserId,
    /// `off`, `urgent` or `all`.
    pub push: String,
    /// `off`, `urgent` or `digest`.
    pub email: String,
    /// Where e-mail goes.
    pub email_address: Option<String>,
    /// Minutes between digests.
    pub digest_minutes: i64,
    /// Start of the quiet hours, in minutes after local midnight.
    pub quiet_start: Option<i64>,
    /// End of the quiet hours, in minutes after local midnight.
    pub quiet_end: Option<i64>,
    /// The person's local time minus UTC, in minutes.
    pub utc_offset_minutes: i64,
    /// Whether urgent posts notify during the quiet hours.
    pub urgent_in_quiet_hours: bool,
    /// When they were last changed.
    pub updated_at: Timestamp,
}

/// The settings `user` stored, if any.
pub fn settings(conn: &mut DbConn, user: UserId) -> Result<Option<NotificationSettings>, StorageError> {
    Ok(notification_settings::table
        .find(user)
        .first::<NotificationSettings>(conn)
        .optional()?)
}

/// A member who may read a channel, as a post's notifications need them.
#[derive(Debug, Clone)]
pub struct ChannelReader {
    /// Who.
    pub user: UserId,
    /// Their stored settings (absent: the defaults).
    pub settings: Option<NotificationSettings>,
    /// Whether they have a push subscription.
    pub subscribed: bool,
}

/// The active members of `room` who may read `channel`, other than `except`:
/// everything a post's notifications need, in one query, because it runs for every
/// post.
pub fn channel_readers(
    conn: &mut DbConn,
    room: RoomId,
    channel: Channel,
    except: Option<UserId>,
) -> Result<Vec<ChannelReader>, StorageError> {
    let subscribed = diesel::dsl::exists(
        push_subscriptions::table.filter(push_subscriptions::user_id.eq(room_members::user_id)),
    );
    let rows: Vec<(UserId, bool, bool, Option<NotificationSettings>, bool)> = room_members::table
        .inner_join(users::table.on(users::id.eq(room_members::user_id)))
        .left_join(notification_settings::table.on(notification_settings::user_id.eq(room_members::user_id)))
        .filter(room_members::room_id.eq(room))
        .filter(users::status.eq(UserStatus::Active.as_str()))
        .select((
            room_members::user_id,
            room_members::team_access,
            room_members::family_access,
            notification_settings::all_columns.nullable(),
            subscribed,
        ))
        .order(room_members::user_id.asc())
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter(|(user, team, family, _, _)| {
            crate::rooms::grants(*team, *family, channel) && Some(*user) != except
        })
        .map(|(user, _, _, settings, subscribed)| ChannelReader {
            user,
            settings,
            subscribed,
        })
        .collect())
}

/// Stores `settings`, replacing the person's earlier ones.
pub fn put_settings(conn: &mut DbConn, settings: &NotificationSettings) -> Result<(), StorageError> {
    transaction(conn, |conn| {
        diesel::delete(notification_settings::table.find(settings.user_id)).execute(conn)?;
        diesel::insert_into(notification_settings::table)
            .values(settings)
            .execute(conn)?;
        Ok(())
    })
}

/// One browser's push subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushSubscription {
    /// Its ID.
    pub id: String,
    /// Whose browser.
    pub user: UserId,
    /// The push service's URL for this browser.
    pub endpoint: String,
    /// The browser's P-256 public key (base64url, uncompressed point).
    pub p256dh: Redacted<String>,
    /// The browser's 16-byte authentication secret (base64url).
    pub auth: Redacted<String>,
}

type SubscriptionRow = (String, UserId, String, String, String);

fn subscription(row: SubscriptionRow) -> PushSubscription {
    let (id, user, endpoint, p256dh, auth) = row;
    PushSubscription {
        id,
        user,
        endpoint,
        p256dh: Redacted::new(p256dh),
        auth: Redacted::new(auth),
    }
}

const SUBSCRIPTION_COLUMNS: (
    push_subscriptions::id,
    push_subscriptions::user_id,
    push_subscriptions::endpoint,
    push_subscriptions::p256dh,
    push_subscriptions::auth,
) = (
    push_subscriptions::id,
    push_subscriptions::user_id,
    push_subscriptions::endpoint,
    push_subscriptions::p256dh,
    push_subscriptions::auth,
);

/// Stores `sub` and returns its ID. The same endpoint again (the browser
/// subscribing anew) keeps its ID and takes the new keys; an endpoint another
/// person subscribed (someone else signed in on that browser) moves to `sub.user`.
pub fn subscribe(conn: &mut DbConn, sub: &PushSubscription, now: Timestamp) -> Result<String, StorageError> {
    transaction(conn, |conn| {
        let existing = push_subscriptions::table
            .filter(push_subscriptions::endpoint.eq(&sub.endpoint))
            .select(SUBSCRIPTION_COLUMNS)
            .first::<SubscriptionRow>(conn)
            .optional()?
            .map(subscription);
        if let Some(old) = existing {
            if old.user == sub.user {
                diesel::update(push_subscriptions::table.find(&old.id))
                    .set((
                        push_subscriptions::p256dh.eq(sub.p256dh.expose()),
                        push_subscriptions::auth.eq(sub.auth.expose()),
                    ))
                    .execute(conn)?;
                return Ok(old.id);
            }
            diesel::delete(push_subscriptions::table.find(&old.id)).execute(conn)?;
        }
        diesel::insert_into(push_subscriptions::table)
            .values((
                push_subscriptions::id.eq(&sub.id),
                push_subscriptions::user_id.eq(sub.user),
                push_subscriptions::endpoint.eq(&sub.endpoint),
                push_subscriptions::p256dh.eq(sub.p256dh.expose()),
                push_subscriptions::auth.eq(sub.auth.expose()),
                push_subscriptions::created_at.eq(now),
            ))
            .execute(conn)?;
        Ok(sub.id.clone())
    })
}

/// Removes `user`'s subscription for `endpoint`. False when they have none there
/// (someone else's endpoint is not theirs to remove).
pub fn unsubscribe(conn: &mut DbConn, user: UserId, endpoint: &str) -> Result<bool, StorageError> {
    let removed = diesel::delete(
        push_subscriptions::table
            .filter(push_subscriptions::user_id.eq(user))
            .filter(push_subscriptions::endpoint.eq(endpoint)),
    )
    .execute(conn)?;
    Ok(removed > 0)
}

/// Removes a subscription the push service says is gone (404/410).
pub fn forget_subscription(conn: &mut DbConn, id: &str) -> Result<(), StorageError> {
    diesel::delete(push_subscriptions::table.find(id)).execute(conn)?;
    Ok(())
}

/// Every subscription of `user` (one per browser).
pub fn subscriptions_of(conn: &mut DbConn, user: UserId) -> Result<Vec<PushSubscription>, StorageError> {
    Ok(push_subscriptions::table
        .filter(push_subscriptions::user_id.eq(user))
        .order(push_subscriptions::created_at.asc())
        .select(SUBSCRIPTION_COLUMNS)
        .load::<SubscriptionRow>(conn)?
        .into_iter()
        .map(subscription)
        .collect())
}

/// Removes everything notifications keep about `user` (a leaver).
pub fn forget_user(conn: &mut DbConn, user: UserId) -> Result<(), StorageError> {
    transaction(conn, |conn| {
        diesel::delete(push_subscriptions::table.filter(push_subscriptions::user_id.eq(user)))
            .execute(conn)?;
        diesel::delete(digest_pending::table.filter(digest_pending::user_id.eq(user))).execute(conn)?;
        diesel::delete(notification_settings::table.find(user)).execute(conn)?;
        Ok(())
    })
}

/// Counts one more post in `room` for `user`'s next digest.
pub fn add_to_digest(
    conn: &mut DbConn,
    user: UserId,
    room: RoomId,
    now: Timestamp,
) -> Result<(), StorageError> {
    let add = |conn: &mut DbConn| {
        transaction(conn, |conn| {
            let counted = diesel::update(digest_pending::table.find((user, room)))
                .set(digest_pending::posts.eq(digest_pending::posts + 1))
                .execute(conn)?;
            if counted == 0 {
                diesel::insert_into(digest_pending::table)
                    .values((
                        digest_pending::user_id.eq(user),
                        digest_pending::room_id.eq(room),
                        digest_pending::posts.eq(1),
                        digest_pending::first_at.eq(now),
                    ))
                    .execute(conn)?;
            }
            Ok(())
        })
    };
    // Two posts for one person at once may both try the first insert; the loser's
    // retry then finds the row.
    match add(conn) {
        Err(StorageError::Conflict(_)) => add(conn),
        outcome => outcome,
    }
}

/// A person with posts waiting for their digest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PendingDigest {
    /// Who.
    pub user: UserId,
    /// When the oldest waiting post came.
    pub since: Timestamp,
}

/// Everyone with posts waiting for a digest.
pub fn pending_digests(conn: &mut DbConn) -> Result<Vec<PendingDigest>, StorageError> {
    Ok(digest_pending::table
        .group_by(digest_pending::user_id)
        .select((
            digest_pending::user_id,
            diesel::dsl::min(digest_pending::first_at),
        ))
        .load::<(UserId, Option<Timestamp>)>(conn)?
        .into_iter()
        .filter_map(|(user, since)| since.map(|since| PendingDigest { user, since }))
        .collect())
}

/// Takes `user`'s waiting posts for a digest: how many posts in how many rooms.
/// `None` when another node took them first.
pub fn take_digest(conn: &mut DbConn, user: UserId) -> Result<Option<(i64, i64)>, StorageError> {
    transaction(conn, |conn| {
        let rows: Vec<(RoomId, i64)> = digest_pending::table
            .filter(digest_pending::user_id.eq(user))
            .select((digest_pending::room_id, digest_pending::posts))
            .load(conn)?;
        let taken =
            diesel::delete(digest_pending::table.filter(digest_pending::user_id.eq(user))).execute(conn)?;
        if rows.is_empty() || taken == 0 {
            return Ok(None);
        }
        let posts = rows.iter().map(|(_, n)| n).sum();
        Ok(Some((posts, rows.len() as i64)))
    })
}

/// A room's escalation setting: `None` when never set (the default applies),
/// `Some(None)` when turned off.
pub fn escalation(conn: &mut DbConn, room: RoomId) -> Result<Option<Option<i64>>, StorageError> {
    Ok(room_escalation::table
        .find(room)
        .select(room_escalation::minutes)
        .first::<Option<i64>>(conn)
        .optional()?)
}

/// Sets a room's escalation time (`None`: off).
pub fn set_escalation(conn: &mut DbConn, room: RoomId, minutes: Option<i64>) -> Result<(), StorageError> {
    transaction(conn, |conn| {
        diesel::delete(room_escalation::table.find(room)).execute(conn)?;
        diesel::insert_into(room_escalation::table)
            .values((
                room_escalation::room_id.eq(room),
                room_escalation::minutes.eq(minutes),
            ))
            .execute(conn)?;
        Ok(())
    })
}

/// An urgent post not yet escalated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrgentPost {
    /// Its channel's group.
    pub group: String,
    /// Its position.
    pub seq: i64,
    /// The device that sent it.
    pub sender: Option<DeviceId>,
    /// When it was stored.
    pub created_at: Timestamp,
}

/// Urgent posts stored in `[from, to]` that were not escalated yet, oldest first.
pub fn urgent_posts_to_escalate(
    conn: &mut DbConn,
    from: Timestamp,
    to: Timestamp,
) -> Result<Vec<UrgentPost>, StorageError> {
    let done = escalations_sent::table
        .filter(escalations_sent::group_id.eq(group_log::group_id))
        .filter(escalations_sent::seq.eq(group_log::seq));
    Ok(group_log::table
        .filter(group_log::urgency.eq(kizuna_proto::Urgency::Urgent))
        .filter(group_log::created_at.ge(from))
        .filter(group_log::created_at.le(to))
        .filter(diesel::dsl::not(diesel::dsl::exists(done)))
        .order(group_log::created_at.asc())
        .select((
            group_log::group_id,
            group_log::seq,
            group_log::sender_device,
            group_log::created_at,
        ))
        .load::<(String, i64, Option<DeviceId>, Timestamp)>(conn)?
        .into_iter()
        .map(|(group, seq, sender, created_at)| UrgentPost {
            group,
            seq,
            sender,
            created_at,
        })
        .collect())
}

/// Claims an urgent post's escalation. False when it was claimed before (by this
/// node or another): escalation happens once per post.
pub fn claim_escalation(
    conn: &mut DbConn,
    group: &str,
    seq: i64,
    now: Timestamp,
) -> Result<bool, StorageError> {
    // In a transaction of its own (a savepoint when nested), so a lost race does
    // not abort the caller's PostgreSQL transaction.
    let inserted = transaction(conn, |conn| {
        Ok(diesel::insert_into(escalations_sent::table)
            .values((
                escalations_sent::group_id.eq(group),
                escalations_sent::seq.eq(seq),
                escalations_sent::sent_at.eq(now),
            ))
            .execute(conn)?)
    });
    match inserted {
        Ok(_) => Ok(true),
        Err(StorageError::Conflict(_)) => Ok(false),
        Err(e) => Err(e),
    }
}
