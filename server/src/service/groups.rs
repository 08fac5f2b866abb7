//! A room channel's MLS group as the delivery service keeps it: created by the room's
//! owner from a GroupInfo, changed only by commits that the server has validated
//! (signature, epoch, proposals) and checked against room policy, and joined through
//! welcomes queued for the added devices.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use kizuna_crypto::{CommitSummary, ServerGroupView, ServerViewError};
use kizuna_proto::{
    Channel, CommitStored, DeviceId, GroupView, LogKind, NewCommit, NewGroup, RoomId, RoomRole, UserId,
    WelcomeView,
};
use kizuna_storage::groups::{self, Appended, EntryKind, Group, NewEntry};
use kizuna_storage::{devices, rooms, DbConn, StorageError};

use crate::audit::{self, Entry};
use crate::error::{ApiError, Problem};
use crate::policy::{self, Refusal, Roster};
use crate::service::acting::Acting;
use crate::service::delivery::{
    check_idempotency_key, check_sender_device, decode, group_for_member, own_live_device,
};
use crate::state::AppState;

/// The MLS group ID of a room channel: `{room}/{channel}`, fixed so that nobody can
/// register a group under a misleading name.
pub fn group_id_of(room: RoomId, channel: Channel) -> String {
    format!("{room}/{}", channel.as_str())
}

/// A stored group as its members see it.
fn group_view(g: Group) -> GroupView {
    GroupView {
        group_id: g.id,
        room_id: g.room,
        channel: g.channel,
        epoch: g.epoch,
    }
}

fn mls_error(e: ServerViewError) -> ApiError {
    match e {
        ServerViewError::WrongEpoch { current, .. } => ApiError::WrongEpoch {
            current: i64::try_from(current).unwrap_or(i64::MAX),
        },
        other => ApiError::InvalidMls(other.to_string()),
    }
}

/// Runs CPU-bound MLS work off the async workers.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f).await.map_err(ApiError::internal)?
}

/// The new group's public state, if `info` is the GroupInfo of this channel's group
/// at epoch 0 with one member: a live device of `user`.
fn first_public_state(
    info: &[u8],
    group: &str,
    user: UserId,
    own: &[devices::Device],
) -> Result<Vec<u8>, ApiError> {
    let view = ServerGroupView::from_group_info(info, None).map_err(mls_error)?;
    if view.group_id() != group.as_bytes() || view.epoch() != 0 {
        return Err(ApiError::InvalidMls(
            "the GroupInfo must be of this channel's new group, at epoch 0".into(),
        ));
    }
    let only_mine = matches!(view.members().as_slice(),
        [(u, d)] if *u == user && own.iter().any(|x| x.id == *d && x.revoked_at.is_none()));
    if !only_mine {
        return Err(ApiError::InvalidMls(
            "a new group starts with exactly one member: one of your live devices".into(),
        ));
    }
    view.export().map_err(mls_error)
}

/// Registers the MLS group of a room channel: the room's owner, once per channel.
pub async fn create_group(
    state: &AppState,
    user: UserId,
    room: RoomId,
    channel: Channel,
    new: NewGroup,
) -> Result<GroupView, ApiError> {
    let member = state
        .db
        .run(move |conn| rooms::member(conn, room, user))
        .await?
        .ok_or(ApiError::NotFound)?;
    if member.role != RoomRole::Owner {
        return Err(ApiError::Forbidden);
    }
    crate::service::retention::refuse_if_closed(state, room).await?;
    let id = group_id_of(room, channel);
    if new.group_id != id {
        return Err(ApiError::input("group_id", Problem::GroupId { id: id.clone() }));
    }
    let info = decode("group_info", &new.group_info)?;
    let own = state.db.run(move |conn| devices::for_user(conn, user)).await?;
    let expected = id.clone();
    let public_state = blocking(move || first_public_state(&info, &expected, user, &own)).await?;
    let group = Group {
        id,
        room,
        channel,
        epoch: 0,
        created_at: state.now(),
    };
    let stored = group.clone();
    state
        .db
        .run(move |conn| groups::create(conn, &stored, &public_state))
        .await
        .map_err(|e| match e {
            StorageError::Conflict(_) => ApiError::input("group_id", Problem::ChannelHasGroup),
            other => other.into(),
        })?;
    Ok(group_view(group))
}

/// The group of a room channel, for its members.
pub async fn get_group(
    state: &AppState,
    user: UserId,
    room: RoomId,
    channel: Channel,
) -> Result<GroupView, ApiError> {
    let group = group_for_member(state, group_id_of(room, channel), user).await?;
    Ok(group_view(group))
}

/// Who may be in a channel now: members with access and their live devices.
fn roster(conn: &mut DbConn, room: RoomId, channel: Channel) -> Result<Roster, StorageError> {
    let mut roster = Roster::default();
    for member in rooms::members(conn, room)?
        .into_iter()
        .filter(|m| m.can_access(channel))
    {
        let live = devices::for_user(conn, member.user)?
            .into_iter()
            .filter(|d| d.revoked_at.is_none())
            .map(|d| (d.id, d.signature_key))
            .collect();
        roster.allow(member.user, live);
    }
    Ok(roster)
}

/// Validates a commit against the group's public state and room policy; returns
/// what it does and the group's next public state.
fn check(
    group: &str,
    public_state: &[u8],
    commit: &[u8],
    sender: (UserId, DeviceId),
    roster: &Roster,
) -> Result<(CommitSummary, Vec<u8>), ApiError> {
    let mut view = ServerGroupView::import(group.as_bytes(), public_state)
        .map_err(|e| ApiError::internal_in(format!("loading the stored state of group {group:?}"), e))?;
    let summary = view.validate_commit(commit).map_err(mls_error)?;
    policy::check_commit(&summary, sender, roster)?;
    view.accept(commit).map_err(mls_error)?;
    // Each added leaf must carry the key its device registered: a leaf claiming
    // someone's device under another key would let its holder read as them.
    for (user, device) in &summary.added {
        if view.signature_key_of(*device).as_deref() != roster.registered_key(*user, *device) {
            return Err(Refusal::UnregisteredKey { device: *device }.into());
        }
    }
    Ok((summary, view.export().map_err(mls_error)?))
}

/// What a commit's sender finds: the retry of a commit already stored (same
/// idempotency key), or what checking a new one needs.
enum Loaded {
    Retried {
        seq: i64,
        epoch: i64,
    },
    New {
        epoch: i64,
        public_state: Vec<u8>,
        roster: Roster,
    },
}

async fn load(state: &AppState, group: &Group, key: Option<String>) -> Result<Loaded, ApiError> {
    let (id, room, channel) = (group.id.clone(), group.room, group.channel);
    let loaded = state
        .db
        .run(move |conn| {
            let known = key
                .as_deref()
                .map(|k| groups::seq_of_key(conn, &id, k))
                .transpose()?
                .flatten();
            let (epoch, public_state) = groups::public_state(conn, &id)?;
            Ok(match known {
                Some(seq) => Loaded::Retried { seq, epoch },
                None => Loaded::New {
                    epoch,
                    public_state,
                    roster: roster(conn, room, channel)?,
                },
            })
        })
        .await?;
    Ok(loaded)
}

/// A commit checked and ready to store.
struct Checked {
    entry: NewEntry,
    next_state: Vec<u8>,
    added: Vec<(UserId, DeviceId)>,
    welcome: Option<Vec<u8>>,
}

/// Stores a checked commit, its welcome and its audit record in one transaction.
async fn store(
    state: &AppState,
    acting: Acting,
    group: &str,
    checked: Checked,
) -> Result<Appended, ApiError> {
    let (id, now) = (group.to_owned(), state.now());
    let Checked {
        entry,
        next_state,
        added,
        welcome,
    } = checked;
    let devices: Vec<DeviceId> = added.iter().map(|(_, d)| *d).collect();
    let mut welcomed: Vec<UserId> = added.iter().map(|(u, _)| *u).collect();
    welcomed.dedup();
    state
        .write(move |conn| {
            let welcome = welcome.as_deref().map(|w| (devices.as_slice(), w));
            let appended = groups::append_commit(conn, &id, &entry, &next_state, welcome, now)?;
            if let Appended::Stored { .. } = appended {
                let target = format!("{id} epoch {}", entry.epoch + 1);
                let record = Entry::success(
                    acting.user,
                    "group.commit",
                    ("group", target),
                    acting.ip.as_deref(),
                );
                audit::record(conn, now, record)?;
                for person in &welcomed {
                    groups::announce_welcome(conn, *person)?;
                }
            }
            Ok(appended)
        })
        .await
}

/// Appends a commit to a channel's group log after checking it: a public message of
/// this group for its current epoch (else `wrong_epoch`), signed by the sending
/// device, adding only live devices of people who may use the channel and removing
/// only devices of people who left it, revoked devices or the sender's own. The
/// welcome is queued for the added devices, whose people are told.
pub async fn append_commit(
    state: &AppState,
    acting: Acting,
    group_id: String,
    new: NewCommit,
) -> Result<CommitStored, ApiError> {
    let user = acting.user;
    let group = group_for_member(state, group_id, user).await?;
    crate::service::retention::refuse_if_closed(state, group.room).await?;
    check_sender_device(state, user, new.sender_device).await?;
    check_idempotency_key(new.idempotency_key.as_deref())?;
    // The field is named after the kind of entry it carries.
    let commit = decode(LogKind::Commit.as_str(), &new.commit)?;
    let welcome = new.welcome.as_deref().map(|w| decode("welcome", w)).transpose()?;
    let (epoch, public_state, roster) = match load(state, &group, new.idempotency_key.clone()).await? {
        Loaded::New {
            epoch,
            public_state,
            roster,
        } => (epoch, public_state, roster),
        Loaded::Retried { seq, epoch } => {
            return Ok(CommitStored {
                seq,
                epoch,
                duplicate: true,
            })
        }
    };
    let (id, sender, checked_commit) = (group.id.clone(), (user, new.sender_device), commit.clone());
    let (summary, next_state) =
        blocking(move || check(&id, &public_state, &checked_commit, sender, &roster)).await?;
    if !summary.added.is_empty() && welcome.is_none() {
        return Err(ApiError::input("welcome", Problem::WelcomeRequired));
    }
    let entry = NewEntry {
        kind: EntryKind::Commit,
        sender: Some(new.sender_device),
        epoch,
        body: commit,
        idempotency_key: new.idempotency_key,
        urgency: None,
        post_id: None,
    };
    let added = summary.added;
    let checked = Checked {
        entry,
        next_state,
        added: added.clone(),
        welcome,
    };
    match store(state, acting, &group.id, checked).await? {
        Appended::Stored { seq } => {
            // Commits are rare (membership changes): followers read it themselves.
            state.live.mark_stale(&group.id);
            for (person, _) in &added {
                state.live.notify_welcome(*person);
            }
            Ok(CommitStored {
                seq,
                epoch: epoch + 1,
                duplicate: false,
            })
        }
        Appended::Duplicate { seq } => Ok(CommitStored {
            seq,
            epoch,
            duplicate: true,
        }),
        Appended::WrongEpoch { current } => Err(ApiError::WrongEpoch { current }),
        Appended::BlobRefused { .. } | Appended::ReplayedPost { .. } => {
            Err(ApiError::internal("a commit was refused as a post"))
        }
    }
}

/// Hands one of `user`'s live devices the welcomes waiting for it (each once).
pub async fn take_welcomes(
    state: &AppState,
    user: UserId,
    device: DeviceId,
) -> Result<Vec<WelcomeView>, ApiError> {
    let device = own_live_device(state, user, device).await?;
    let now = state.now();
    let welcomes = state
        .db
        .run(move |conn| groups::take_welcomes(conn, device.id, now))
        .await?;
    Ok(welcomes
        .into_iter()
        .map(|(group_id, body)| WelcomeView {
            group_id,
            welcome: STANDARD.encode(body),
        })
        .collect())
}
