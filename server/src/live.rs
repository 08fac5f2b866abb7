//! Live connections (WebSockets) on this node, indexed by person and session, so
//! that ending a session or disabling a leaver closes their open connections at
//! once, and by the groups they follow, so that a new entry wakes only the
//! connections that follow its group and carries its frame with it: the entry is
//! read (or built) once per node, and the same bytes go to every socket. A
//! node-wide heartbeat ([`crate::heartbeat`]) re-checks the sessions, which covers
//! sessions ended through another node.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};

use bytestring::ByteString;
use kizuna_proto::{BroadcastId, UserId};
use tokio::sync::{broadcast, mpsc, watch};

/// The pseudo-group of a "re-read everything" notification.
pub const RESYNC: &str = "*";

/// Prefix of the pseudo-group `welcome:<user>`: "a welcome waits for one of this
/// person's devices".
pub const WELCOME_PREFIX: &str = "welcome:";

/// Prefix of the pseudo-group `members:<user>`: "someone in one of this person's
/// rooms joined or has a new device": their clients reconcile their channels.
pub const MEMBERS_PREFIX: &str = "members:";

/// Prefix of the pseudo-group `broadcast:<id>`: "regional broadcast `id` was
/// sent". Published once per broadcast (and once through NOTIFY for the other
/// nodes, `kizuna_storage::broadcasts::announce`), not once per recipient: each
/// connection asks [`Live::broadcast_recipients`] whether its person is one.
pub const BROADCAST_PREFIX: &str = "broadcast:";

/// Prefix of the pseudo-group `safety:<user>:<broadcast>`: "the safety check of
/// `broadcast` changed; `user` follows its dashboard". One per officer following
/// the sending organisation (a handful), so a connection only compares the prefix
/// with its own person; it carries IDs only.
pub const SAFETY_PREFIX: &str = "safety:";

/// Prefix of the pseudo-group `alert:<admin>:<account>`: "emergency account
/// `account` of a facility `admin` administers signed in, or tried to". Carries
/// IDs only; the connection compares the prefix with its own person.
pub const ALERT_PREFIX: &str = "alert:";

/// How many broadcasts' recipient sets a node keeps (a broadcast's notice is
/// handled within moments of its sending; older sets are dropped).
const KEPT_RECIPIENT_SETS: usize = 32;

/// The people a broadcast reaches, worked out once per node: by the node that
/// stored it, or by the first connection that needs it on another node.
pub type RecipientSet = Arc<tokio::sync::OnceCell<Arc<HashSet<UserId>>>>;

/// Close code: the session ended (signed out, revoked, expired, account disabled).
pub const CLOSE_SESSION_ENDED: u16 = 4401;
/// Close code: removed from a room (reconnect to follow the remaining ones).
pub const CLOSE_REMOVED: u16 = 4403;
/// Close code: the client did not read fast enough and was disconnected.
pub const CLOSE_TOO_SLOW: u16 = 4408;
/// Close code (RFC 6455 "going away"): this node is shutting down; reconnect, to
/// another node behind the load balancer.
pub const CLOSE_GOING_AWAY: u16 = 1001;

/// This person already has the most live connections allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooManyConnections;

/// How many group notifications a slow connection may fall behind before it
/// re-reads its groups from the database instead.
const NOTIFY_BACKLOG: usize = 4096;

/// What reaches a connection about a group it follows: one allocation per entry on
/// the node, shared by every follower. A connection's queue holds only the
/// pointer, so its first block (allocated whole when the queue is made, 32 slots)
/// costs each idle socket 256 bytes instead of 2 KiB.
pub type Push = Arc<Pushed>;

/// An entry or a gap, as [`Push`] carries it.
#[derive(Debug)]
pub enum Pushed {
    /// Entry `seq` of `group`, as the frame every follower sends as it is.
    Entry {
        /// The group.
        group: Arc<str>,
        /// Its position in the group's log.
        seq: i64,
        /// The `{"type":"entry",…}` frame, built once per node.
        frame: ByteString,
    },
    /// The group has entries this node could not carry: read them from the database.
    Stale(Arc<str>),
}

struct Conn {
    user: UserId,
    session: String,
    closed: watch::Sender<u16>,
    push: mpsc::UnboundedSender<Push>,
    follows: Vec<Arc<str>>,
}

#[derive(Default)]
struct Inner {
    next: u64,
    conns: HashMap<u64, Conn>,
    /// How many of `conns` each person has (the per-person limit is checked on
    /// every registration; counting over all connections took the opening of
    /// 20,000 sockets quadratic time).
    per_user: HashMap<UserId, usize>,
    /// The connections following each group.
    followers: HashMap<Arc<str>, Vec<u64>>,
    /// Recipients of recent broadcasts, oldest first.
    broadcasts: VecDeque<(BroadcastId, RecipientSet)>,
    /// Broadcasts this node already told its connections about, oldest first: the
    /// sending node tells them at once and then hears its own NOTIFY again.
    announced: VecDeque<BroadcastId>,
    /// Set once the node shuts down: later connections are closed as they register.
    going_away: bool,
}

/// The registry of this node's live connections, and the node's stream of "group G
/// has a new entry at seq N" notifications that connections fan out from.
#[derive(Clone)]
pub struct Live {
    inner: Arc<Mutex<Inner>>,
    groups: broadcast::Sender<(String, i64)>,
}

impl Default for Live {
    fn default() -> Self {
        let (groups, _) = broadcast::channel(NOTIFY_BACKLOG);
        Self {
            inner: Arc::default(),
            groups,
        }
    }
}

/// A registered connection. Its receiver turns to a close code (non-zero) when it
/// must close; dropping it unregisters the connection.
pub struct Registration {
    live: Live,
    id: u64,
    /// Becomes the close code to send when the connection must close.
    pub closed: watch::Receiver<u16>,
    /// New entries of the groups this connection follows.
    pub pushes: mpsc::UnboundedReceiver<Push>,
}

impl Registration {
    /// This connection's number on the node ([`Live::follow`]).
    pub fn id(&self) -> u64 {
        self.id
    }
}

impl Inner {
    fn drop_follower(&mut self, group: &str, id: u64) {
        if let Some(ids) = self.followers.get_mut(group) {
            ids.retain(|i| *i != id);
            if ids.is_empty() {
                self.followers.remove(group);
            }
        }
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        if let Ok(mut inner) = self.live.inner.lock() {
            if let Some(conn) = inner.conns.remove(&self.id) {
                for group in &conn.follows {
                    inner.drop_follower(group, self.id);
                }
                if let Some(held) = inner.per_user.get_mut(&conn.user) {
                    *held = held.saturating_sub(1);
                    if *held == 0 {
                        inner.per_user.remove(&conn.user);
                    }
                }
            }
        }
    }
}

impl Live {
    /// Registers a connection of `user` made with session `session`, unless they
    /// already have `max_per_user` live connections on this node.
    pub fn register(
        &self,
        user: UserId,
        session: &str,
        max_per_user: usize,
    ) -> Result<Registration, TooManyConnections> {
        let (tx, rx) = watch::channel(0);
        let (push, pushes) = mpsc::unbounded_channel();
        let id = match self.inner.lock() {
            Ok(mut inner) => {
                if inner.per_user.get(&user).copied().unwrap_or(0) >= max_per_user {
                    return Err(TooManyConnections);
                }
                *inner.per_user.entry(user).or_default() += 1;
                inner.next += 1;
                let id = inner.next;
                if inner.going_away {
                    let _ = tx.send(CLOSE_GOING_AWAY);
                }
                let conn = Conn {
                    user,
                    session: session.to_owned(),
                    closed: tx,
                    push,
                    follows: Vec::new(),
                };
                inner.conns.insert(id, conn);
                id
            }
            // A poisoned lock means a panic elsewhere; close this connection at once.
            Err(_) => {
                let _ = tx.send(CLOSE_SESSION_ENDED);
                0
            }
        };
        Ok(Registration {
            live: self.clone(),
            id,
            closed: rx,
            pushes,
        })
    }

    fn close_where(&self, code: u16, matches: impl Fn(&UserId, &str) -> bool) -> usize {
        let Ok(inner) = self.inner.lock() else { return 0 };
        let mut closed = 0;
        for conn in inner.conns.values() {
            if matches(&conn.user, &conn.session) {
                let _ = conn.closed.send(code);
                closed += 1;
            }
        }
        closed
    }

    /// Closes every connection on this node with [`CLOSE_GOING_AWAY`], now and as
    /// later ones register: the node is shutting down. Returns how many were open.
    pub fn close_all(&self) -> usize {
        let Ok(mut inner) = self.inner.lock() else {
            return 0;
        };
        inner.going_away = true;
        for conn in inner.conns.values() {
            let _ = conn.closed.send(CLOSE_GOING_AWAY);
        }
        inner.conns.len()
    }

    /// How many connections are open on this node.
    pub fn open_connections(&self) -> usize {
        self.inner.lock().map_or(0, |inner| inner.conns.len())
    }

    /// Closes every connection of a person (their account was disabled). Returns how many.
    pub fn close_user(&self, user: UserId) -> usize {
        self.close_where(CLOSE_SESSION_ENDED, |u, _| *u == user)
    }

    /// Closes every connection of a person removed from a room: they reconnect and
    /// follow only the groups they still belong to. Returns how many.
    pub fn close_removed(&self, user: UserId) -> usize {
        self.close_where(CLOSE_REMOVED, |u, _| *u == user)
    }

    /// Tells a person's connections that a welcome waits for one of their devices.
    pub fn notify_welcome(&self, user: UserId) {
        let _ = self.groups.send((format!("{WELCOME_PREFIX}{user}"), 0));
    }

    /// Tells a person's connections that a room of theirs has a new member or device.
    pub fn notify_members(&self, user: UserId) {
        let _ = self.groups.send((format!("{MEMBERS_PREFIX}{user}"), 0));
    }

    /// Tells this node's connections that broadcast `id` was sent; each one checks
    /// [`Live::broadcast_recipients`] before telling its person.
    pub fn notify_broadcast(&self, id: BroadcastId) {
        let Ok(mut inner) = self.inner.lock() else {
            return;
        };
        if inner.announced.contains(&id) {
            return;
        }
        inner.announced.push_back(id);
        while inner.announced.len() > KEPT_RECIPIENT_SETS {
            inner.announced.pop_front();
        }
        drop(inner);
        let _ = self.groups.send((format!("{BROADCAST_PREFIX}{id}"), 0));
    }

    /// Passes on a notice another node (or this one) announced through the
    /// database: a broadcast once per node ([`Live::notify_broadcast`]), anything
    /// else as is. (New log entries go through [`Live::publish`].)
    pub fn notify_announced(&self, topic: &str) {
        match topic
            .strip_prefix(BROADCAST_PREFIX)
            .map(str::parse::<BroadcastId>)
        {
            Some(Ok(id)) => self.notify_broadcast(id),
            _ => {
                let _ = self.groups.send((topic.to_owned(), 0));
            }
        }
    }

    /// Tells `officer`'s connections on this node that the safety check of broadcast
    /// `id` changed, so their dashboard refreshes.
    pub fn notify_safety(&self, officer: UserId, id: BroadcastId) {
        let _ = self.groups.send((format!("{SAFETY_PREFIX}{officer}:{id}"), 0));
    }

    /// Tells `admin`'s connections on this node that emergency account `account`
    /// signed in or tried to.
    pub fn notify_alert(&self, admin: UserId, account: UserId) {
        let _ = self.groups.send((format!("{ALERT_PREFIX}{admin}:{account}"), 0));
    }

    /// The (possibly not yet worked out) recipient set of broadcast `id` on this node.
    pub fn broadcast_recipients(&self, id: BroadcastId) -> RecipientSet {
        let Ok(mut inner) = self.inner.lock() else {
            return RecipientSet::default();
        };
        if let Some((_, set)) = inner.broadcasts.iter().find(|(b, _)| *b == id) {
            return set.clone();
        }
        let set = RecipientSet::default();
        inner.broadcasts.push_back((id, set.clone()));
        while inner.broadcasts.len() > KEPT_RECIPIENT_SETS {
            inner.broadcasts.pop_front();
        }
        set
    }

    /// Tells everyone sharing a room with `people` (themselves included) that
    /// membership changed; `sharing` comes from [`co_members`].
    pub fn notify_all_members(&self, sharing: &[UserId]) {
        for user in sharing {
            self.notify_members(*user);
        }
    }

    /// Starts passing connection `id` the new entries of `group`. Call before
    /// reading the group's backlog, so nothing falls between the two.
    pub fn follow(&self, id: u64, group: &str) {
        let Ok(mut inner) = self.inner.lock() else {
            return;
        };
        let inner = &mut *inner;
        let Some(conn) = inner.conns.get_mut(&id) else {
            return;
        };
        if conn.follows.iter().any(|g| &**g == group) {
            return;
        }
        let key: Arc<str> = inner
            .followers
            .get_key_value(group)
            .map_or_else(|| Arc::from(group), |(k, _)| k.clone());
        conn.follows.push(key.clone());
        inner.followers.entry(key).or_default().push(id);
    }

    /// Stops passing connection `id` the entries of `group`.
    pub fn unfollow(&self, id: u64, group: &str) {
        if let Ok(mut inner) = self.inner.lock() {
            if let Some(conn) = inner.conns.get_mut(&id) {
                conn.follows.retain(|g| &**g != group);
            }
            inner.drop_follower(group, id);
        }
    }

    /// Hands entry `seq` of `group` (its frame, built once) to the connections on
    /// this node that follow the group, and to no others.
    pub fn publish(&self, group: &str, seq: i64, frame: &ByteString) {
        self.to_followers(group, |group| Pushed::Entry {
            group,
            seq,
            frame: frame.clone(),
        });
    }

    /// Tells the connections following `group` to read its new entries from the
    /// database (this node could not carry them).
    pub fn mark_stale(&self, group: &str) {
        self.to_followers(group, Pushed::Stale);
    }

    fn to_followers(&self, group: &str, pushed: impl FnOnce(Arc<str>) -> Pushed) {
        let Ok(inner) = self.inner.lock() else {
            return;
        };
        let Some((key, ids)) = inner.followers.get_key_value(group) else {
            return;
        };
        let push = Arc::new(pushed(key.clone()));
        for id in ids {
            if let Some(conn) = inner.conns.get(id) {
                // A connection that ended is dropped from the map when it unregisters.
                let _ = conn.push.send(push.clone());
            }
        }
    }

    /// Whether any connection on this node follows `group`.
    pub fn follows(&self, group: &str) -> bool {
        self.inner
            .lock()
            .is_ok_and(|inner| inner.followers.contains_key(group))
    }

    /// The sessions behind this node's connections, each once.
    pub fn sessions(&self) -> Vec<String> {
        let Ok(inner) = self.inner.lock() else {
            return Vec::new();
        };
        let unique: HashSet<&str> = inner.conns.values().map(|c| c.session.as_str()).collect();
        unique.into_iter().map(str::to_owned).collect()
    }

    /// Asks every live connection to re-read all its groups (after notifications
    /// may have been lost).
    pub fn resync(&self) {
        let _ = self.groups.send((RESYNC.to_owned(), 0));
    }

    /// Listens for group notifications.
    pub fn group_notifications(&self) -> broadcast::Receiver<(String, i64)> {
        self.groups.subscribe()
    }

    /// Closes every connection made with a session. Returns how many.
    pub fn close_session(&self, session: &str) -> usize {
        self.close_where(CLOSE_SESSION_ENDED, |_, s| s == session)
    }
}

/// Everyone who shares a room with `user` (`user` too), each once; announced to the
/// other nodes in the same breath (call inside the transaction that made the change,
/// then hand the list to [`Live::notify_all_members`] once it committed).
pub fn co_members(
    conn: &mut kizuna_storage::DbConn,
    user: UserId,
) -> Result<Vec<UserId>, kizuna_storage::StorageError> {
    let mut people = std::collections::BTreeSet::from([user]);
    for room in kizuna_storage::rooms::rooms_of_user(conn, user)? {
        people.extend(
            kizuna_storage::rooms::members(conn, room)?
                .into_iter()
                .map(|m| m.user),
        );
    }
    for person in &people {
        kizuna_storage::groups::announce_members(conn, *person)?;
    }
    Ok(people.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closing_a_user_reaches_only_their_connections() {
        let live = Live::default();
        let (a, b) = (
            UserId::from_uuid(uuid::Uuid::new_v4()),
            UserId::from_uuid(uuid::Uuid::new_v4()),
        );
        let a1 = live.register(a, "s1", 5).unwrap();
        let a2 = live.register(a, "s2", 5).unwrap();
        let b1 = live.register(b, "s3", 5).unwrap();
        assert_eq!(live.close_user(a), 2);
        assert!(*a1.closed.borrow() == CLOSE_SESSION_ENDED && *a2.closed.borrow() == CLOSE_SESSION_ENDED);
        assert_eq!(*b1.closed.borrow(), 0);
        assert_eq!(live.close_session("s3"), 1);
        drop(b1);
        assert_eq!(live.close_session("s3"), 0, "a dropped registration is forgotten");
    }

    #[test]
    fn a_broadcast_reaches_this_node_s_connections_once_though_announced_twice() {
        // The sending node tells its connections at once, then hears its own NOTIFY.
        let live = Live::default();
        let mut heard = live.group_notifications();
        let id = BroadcastId::from_uuid(uuid::Uuid::new_v4());
        live.notify_broadcast(id);
        live.notify_announced(&format!("{BROADCAST_PREFIX}{id}"));
        live.notify_announced("members:x");
        assert_eq!(heard.try_recv().unwrap(), (format!("{BROADCAST_PREFIX}{id}"), 0));
        assert_eq!(
            heard.try_recv().unwrap(),
            ("members:x".to_owned(), 0),
            "other notices pass as they are"
        );
        assert!(heard.try_recv().is_err(), "the broadcast was passed on once");
    }

    #[test]
    fn shutting_down_closes_every_connection_and_any_that_comes_later() {
        let live = Live::default();
        let a = UserId::from_uuid(uuid::Uuid::new_v4());
        let first = live.register(a, "s1", 5).unwrap();
        assert_eq!(live.close_all(), 1);
        assert_eq!(*first.closed.borrow(), CLOSE_GOING_AWAY);
        let late = live.register(a, "s2", 5).unwrap();
        assert_eq!(*late.closed.borrow(), CLOSE_GOING_AWAY);
    }

    #[test]
    fn a_broadcasts_recipients_are_worked_out_once_and_old_ones_dropped() {
        let live = Live::default();
        let first = BroadcastId::from_uuid(uuid::Uuid::new_v4());
        let set = live.broadcast_recipients(first);
        let person = UserId::from_uuid(uuid::Uuid::new_v4());
        set.set(Arc::new(HashSet::from([person]))).unwrap();
        let again = live.broadcast_recipients(first);
        assert!(again.get().is_some_and(|s| s.contains(&person)), "the same set");
        for _ in 0..KEPT_RECIPIENT_SETS {
            live.broadcast_recipients(BroadcastId::from_uuid(uuid::Uuid::new_v4()));
        }
        assert!(live.broadcast_recipients(first).get().is_none(), "forgotten");
    }

    #[test]
    fn an_entry_reaches_only_the_connections_following_its_group() {
        let live = Live::default();
        let a = UserId::from_uuid(uuid::Uuid::new_v4());
        let mut team = live.register(a, "s1", 5).unwrap();
        let mut family = live.register(a, "s2", 5).unwrap();
        live.follow(team.id(), "room/team");
        live.follow(team.id(), "room/team");
        live.follow(family.id(), "room/family");
        assert!(live.follows("room/team") && !live.follows("room/other"));
        live.publish("room/team", 3, &ByteString::from_static("frame"));
        match &*team.pushes.try_recv().unwrap() {
            Pushed::Entry { group, seq, frame } => {
                assert_eq!((&**group, *seq, &**frame), ("room/team", 3, "frame"));
            }
            other => panic!("expected an entry, got {other:?}"),
        }
        assert!(team.pushes.try_recv().is_err(), "followed twice, told once");
        assert!(
            family.pushes.try_recv().is_err(),
            "another group's follower is not woken"
        );
        live.unfollow(team.id(), "room/team");
        live.mark_stale("room/team");
        assert!(team.pushes.try_recv().is_err(), "no longer following");
        drop(family);
        assert!(
            !live.follows("room/family"),
            "a closed connection follows nothing"
        );
    }

    #[test]
    fn each_person_has_a_connection_limit() {
        let live = Live::default();
        let a = UserId::from_uuid(uuid::Uuid::new_v4());
        let first = live.register(a, "s1", 2).unwrap();
        let _second = live.register(a, "s1", 2).unwrap();
        assert!(live.register(a, "s1", 2).is_err(), "a third is refused");
        let b = UserId::from_uuid(uuid::Uuid::new_v4());
        assert!(live.register(b, "s2", 2).is_ok(), "another person's count apart");
        drop(first);
        assert!(live.register(a, "s1", 2).is_ok(), "a closed one frees its place");
    }
}
