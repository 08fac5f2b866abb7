//! A room channel's MLS group as the delivery service keeps it: created by the room's
//! owner from a GroupInfo, changed only by commits that the server has validated
//! (signature, epoch, proposals) and checked against room policy, and joined through
//! welcomes queued for the added devices.

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use kizuna_crypto::{CommitSummary, ServerGroupView, ServerViewError};
use kizuna_proto::{Channel, DeviceId, RoomId, RoomRole, UserId};
use kizuna_storage::groups::{self, Appended, EntryKind, Group, NewEntry};
use kizuna_storage::{devices, rooms, DbConn, StorageError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::audit::{self, Entry};
use crate::auth::session::{self, Authenticated};
use crate::error::ApiError;
use crate::policy::{self, Roster};
use crate::routes::delivery::{decode, group_for_member, own_live_device};
use crate::state::AppState;

/// The MLS group ID of a room channel: `{room}/{channel}`, fixed so that nobody can
/// register a group under a misleading name.
pub fn group_id_of(room: RoomId, channel: Channel) -> String {
    format!("{room}/{}", channel.as_str())
}

/// A channel's group to create.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewGroup {
    /// The MLS group ID: must be `{room_id}/{channel}`.
    pub group_id: String,
    /// The GroupInfo (ratchet tree inside) of the new group, base64: epoch 0, the
    /// caller's device its only member.
    pub group_info: String,
}

/// A channel's group.
#[derive(Debug, Serialize, ToSchema)]
pub struct GroupView {
    /// The MLS group ID.
    pub group_id: String,
    /// The room.
    pub room_id: RoomId,
    /// The channel.
    pub channel: Channel,
    /// The epoch the server has accepted commits up to.
    pub epoch: i64,
}

impl From<Group> for GroupView {
    fn from(g: Group) -> Self {
        Self {
            group_id: g.id,
            room_id: g.room,
            channel: g.channel,
            epoch: g.epoch,
        }
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

/// Registers the MLS group of a room channel (the room's owner, once per channel).
#[utoipa::path(
    tag = "delivery",
    params(("room_id" = RoomId, Path, description = "The room"), ("channel" = Channel, Path, description = "team or family")),
    request_body = NewGroup,
    responses((status = 200, body = GroupView), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody))
)]
#[post("/rooms/{room_id}/channels/{channel}/group")]
pub async fn create_group(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(RoomId, Channel)>,
    body: web::Json<NewGroup>,
) -> Result<HttpResponse, ApiError> {
    let (room, channel) = path.into_inner();
    let user = auth.user.id;
    let member = state
        .db
        .run(move |conn| rooms::member(conn, room, user))
        .await?
        .ok_or(ApiError::NotFound)?;
    if member.role != RoomRole::Owner {
        return Err(ApiError::Forbidden);
    }
    let body = body.into_inner();
    let id = group_id_of(room, channel);
    if body.group_id != id {
        return Err(ApiError::invalid(
            "group_id",
            format!("the group of this channel must be called {id}"),
            format!("このチャンネルのグループIDは {id} にしてください"),
        ));
    }
    let info = decode("group_info", &body.group_info)?;
    let devices = state.db.run(move |conn| devices::for_user(conn, user)).await?;
    let expected = id.clone();
    let public_state = web::block(move || -> Result<Vec<u8>, ApiError> {
        let view = ServerGroupView::from_group_info(&info, None).map_err(mls_error)?;
        if view.group_id() != expected.as_bytes() || view.epoch() != 0 {
            return Err(ApiError::InvalidMls(
                "the GroupInfo must be of this channel's new group, at epoch 0".into(),
            ));
        }
        let only_mine = matches!(view.members().as_slice(),
            [(u, d)] if *u == user && devices.iter().any(|x| x.id == *d && x.revoked_at.is_none()));
        if !only_mine {
            return Err(ApiError::InvalidMls(
                "a new group starts with exactly one member: one of your live devices".into(),
            ));
        }
        view.export().map_err(mls_error)
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))??;
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
            StorageError::Conflict(_) => ApiError::invalid(
                "group_id",
                "this channel already has a group",
                "このチャンネルには既にグループがあります",
            ),
            other => other.into(),
        })?;
    Ok(HttpResponse::Ok().json(GroupView::from(group)))
}

/// The group of a room channel, for its members.
#[utoipa::path(
    tag = "delivery",
    params(("room_id" = RoomId, Path, description = "The room"), ("channel" = Channel, Path, description = "team or family")),
    responses((status = 200, body = GroupView), (status = 401, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody))
)]
#[get("/rooms/{room_id}/channels/{channel}/group")]
pub async fn get_group(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(RoomId, Channel)>,
) -> Result<HttpResponse, ApiError> {
    let (room, channel) = path.into_inner();
    let group = group_for_member(&state, group_id_of(room, channel), auth.user.id).await?;
    Ok(HttpResponse::Ok().json(GroupView::from(group)))
}

/// A commit for a group.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCommit {
    /// The committing device (mine).
    pub sender_device: DeviceId,
    /// The MLS commit (a public message), base64.
    pub commit: String,
    /// The MLS welcome for the devices it adds, base64 (required when it adds some).
    pub welcome: Option<String>,
    /// A key chosen by the client so that a retried send is stored once.
    pub idempotency_key: Option<String>,
}

/// Where a commit landed.
#[derive(Debug, Serialize, ToSchema)]
pub struct CommitStored {
    /// Its position in the group's log.
    pub seq: i64,
    /// The group's epoch after it.
    pub epoch: i64,
    /// Whether an earlier send with the same idempotency key was found instead.
    pub duplicate: bool,
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
        .map_err(|e| ApiError::Internal(format!("stored state of group {group:?} does not load: {e}")))?;
    let summary = view.validate_commit(commit).map_err(mls_error)?;
    policy::check_commit(&summary, sender, roster)
        .map_err(|r| ApiError::CommitNotAllowed { en: r.en, ja: r.ja })?;
    view.accept(commit).map_err(mls_error)?;
    // Each added leaf must carry the key its device registered: a leaf claiming
    // someone's device under another key would let its holder read as them.
    for (user, device) in &summary.added {
        if view.signature_key_of(*device).as_deref() != roster.registered_key(*user, *device) {
            return Err(ApiError::CommitNotAllowed {
                en: format!("device {device} is added with a key it did not register"),
                ja: format!("端末 {device} が登録されていない鍵で追加されています"),
            });
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

/// Appends a commit to a channel's group log after checking it: a public message of
/// this group for its current epoch (else `409 wrong_epoch`: fetch the missing
/// commits and retry), signed by the sending device, adding only live devices of
/// people who may use the channel and removing only devices of people who left it,
/// revoked devices or the sender's own. The welcome is queued for the added devices.
#[utoipa::path(
    tag = "delivery",
    params(("group_id" = String, Path, description = "The MLS group")),
    request_body = NewCommit,
    responses(
        (status = 200, body = CommitStored),
        (status = 401, body = crate::error::ErrorBody),
        (status = 403, description = "commit_not_allowed", body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody),
        (status = 409, description = "wrong_epoch", body = crate::error::ErrorBody),
        (status = 422, description = "invalid_mls or invalid_input", body = crate::error::ErrorBody),
    )
)]
#[post("/groups/{group_id}/commits")]
pub async fn append_commit(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Json<NewCommit>,
) -> Result<HttpResponse, ApiError> {
    let group = group_for_member(&state, path.into_inner(), auth.user.id).await?;
    let body = body.into_inner();
    let user = auth.user.id;
    own_live_device(&state, user, body.sender_device)
        .await
        .map_err(|_| {
            ApiError::invalid(
                "sender_device",
                "send from one of your live devices",
                "ご自身の有効な端末から送ってください",
            )
        })?;
    crate::routes::delivery::check_idempotency_key(body.idempotency_key.as_deref())?;
    let commit = decode("commit", &body.commit)?;
    let welcome = body
        .welcome
        .as_deref()
        .map(|w| decode("welcome", w))
        .transpose()?;
    let (id, key) = (group.id.clone(), body.idempotency_key.clone());
    let (room, channel) = (group.room, group.channel);
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
    let (epoch, public_state, roster) = match loaded {
        Loaded::New {
            epoch,
            public_state,
            roster,
        } => (epoch, public_state, roster),
        Loaded::Retried { seq, epoch } => {
            return Ok(HttpResponse::Ok().json(CommitStored {
                seq,
                epoch,
                duplicate: true,
            }));
        }
    };
    let (id, sender, checked_commit) = (group.id.clone(), (user, body.sender_device), commit.clone());
    let (summary, next_state) =
        web::block(move || check(&id, &public_state, &checked_commit, sender, &roster))
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))??;
    let added: Vec<DeviceId> = summary.added.iter().map(|(_, d)| *d).collect();
    if !added.is_empty() && welcome.is_none() {
        return Err(ApiError::invalid(
            "welcome",
            "a commit that adds devices needs their welcome",
            "端末を追加するコミットにはウェルカムが必要です",
        ));
    }
    let entry = NewEntry {
        kind: EntryKind::Commit,
        sender: Some(body.sender_device),
        epoch,
        body: commit,
        idempotency_key: body.idempotency_key,
        urgency: None,
        post_id: None,
    };
    let (id, now, ip) = (group.id.clone(), state.now(), session::client_ip(&req));
    let mut welcomed: Vec<UserId> = summary.added.iter().map(|(u, _)| *u).collect();
    welcomed.dedup();
    let appended = state
        .db
        .run(move |conn| {
            let welcome = welcome.as_deref().map(|w| (added.as_slice(), w));
            let appended = groups::append_commit(conn, &id, &entry, &next_state, welcome, now)?;
            if let Appended::Stored { .. } = appended {
                let target = format!("{id} epoch {}", entry.epoch + 1);
                audit::record(
                    conn,
                    now,
                    Entry::success(user, "group.commit", ("group", target), ip.as_deref()),
                )?;
                for person in &welcomed {
                    groups::announce_welcome(conn, *person)?;
                }
            }
            Ok(appended)
        })
        .await?;
    let stored = match appended {
        Appended::Stored { seq } => {
            state.live.notify_group(&group.id, seq);
            for (person, _) in &summary.added {
                state.live.notify_welcome(*person);
            }
            CommitStored {
                seq,
                epoch: epoch + 1,
                duplicate: false,
            }
        }
        Appended::Duplicate { seq } => CommitStored {
            seq,
            epoch,
            duplicate: true,
        },
        Appended::WrongEpoch { current } => return Err(ApiError::WrongEpoch { current }),
        Appended::BlobRefused { .. } | Appended::ReplayedPost { .. } => {
            return Err(ApiError::Internal("a commit was refused as a post".into()))
        }
    };
    Ok(HttpResponse::Ok().json(stored))
}

/// A welcome waiting for a device.
#[derive(Debug, Serialize, ToSchema)]
pub struct WelcomeView {
    /// The group it lets the device join.
    pub group_id: String,
    /// The MLS welcome, base64.
    pub welcome: String,
}

/// Hands one of my devices the welcomes waiting for it (each once).
#[utoipa::path(
    tag = "delivery",
    params(("device_id" = DeviceId, Path, description = "My device")),
    responses((status = 200, body = [WelcomeView]), (status = 401, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody))
)]
#[get("/devices/{device_id}/welcomes")]
pub async fn take_welcomes(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<DeviceId>,
) -> Result<HttpResponse, ApiError> {
    let device = own_live_device(&state, auth.user.id, path.into_inner()).await?;
    let now = state.now();
    let welcomes = state
        .db
        .run(move |conn| groups::take_welcomes(conn, device.id, now))
        .await?;
    let views: Vec<WelcomeView> = welcomes
        .into_iter()
        .map(|(group_id, body)| WelcomeView {
            group_id,
            welcome: STANDARD.encode(body),
        })
        .collect();
    Ok(HttpResponse::Ok().json(views))
}
