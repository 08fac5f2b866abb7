//! The delivery service over HTTP: devices and their key packages, the MLS group of
//! each room channel, and its ordered log. Bodies are opaque MLS bytes (base64 in
//! JSON); the server only orders, stores and routes them, to members of the channel.

use actix_web::{delete, get, post, web, HttpRequest, HttpResponse};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use kizuna_proto::{BlobId, DeviceId, PostId, RoomId, Timestamp, Urgency, UserId};
use kizuna_storage::attachments::AttachRefusal;
use kizuna_storage::devices::{self, Device, KeyPackage};
use kizuna_storage::groups::{self, Appended, EntryKind, Group, NewEntry};
use kizuna_storage::rooms;
use kizuna_storage::{DbConn, StorageError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::audit::{self, Entry};
use crate::auth::session::{self, Authenticated};
use crate::error::ApiError;
use crate::state::AppState;

/// Most devices a person may have.
const MAX_DEVICES: usize = 10;
/// Most key packages in one upload.
const MAX_KEY_PACKAGES: usize = 100;
/// Largest MLS message or key package, in bytes (before base64).
pub(crate) const MAX_MESSAGE_BYTES: usize = 256 * 1024;
/// Most entries in one page of a log.
const MAX_PAGE: i64 = 500;

pub(crate) fn decode(field: &'static str, text: &str) -> Result<Vec<u8>, ApiError> {
    let bytes = STANDARD
        .decode(text)
        .map_err(|_| ApiError::invalid(field, "send standard base64", "標準の base64 で送ってください"))?;
    if bytes.is_empty() || bytes.len() > MAX_MESSAGE_BYTES {
        return Err(ApiError::invalid(
            field,
            format!("must be 1 to {MAX_MESSAGE_BYTES} bytes"),
            format!("1〜{MAX_MESSAGE_BYTES} バイトにしてください"),
        ));
    }
    Ok(bytes)
}

/// A device to register.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDevice {
    /// A name its owner recognises.
    pub name: String,
    /// The device's public MLS signature key, base64.
    pub signature_key: String,
}

/// A registered device.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeviceView {
    /// Its ID (put it in the device's MLS credential).
    pub id: DeviceId,
    /// Its name.
    pub name: String,
    /// When it was registered.
    pub created_at: Timestamp,
    /// When it was revoked.
    pub revoked_at: Option<Timestamp>,
}

impl From<Device> for DeviceView {
    fn from(d: Device) -> Self {
        Self {
            id: d.id,
            name: d.name,
            created_at: d.created_at,
            revoked_at: d.revoked_at,
        }
    }
}

/// Registers this browser, app or CLI as one of my devices.
#[utoipa::path(
    tag = "delivery",
    request_body = NewDevice,
    responses((status = 200, body = DeviceView), (status = 401, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody))
)]
#[post("/devices")]
pub async fn register_device(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    body: web::Json<NewDevice>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let name = body.name.trim().chars().take(60).collect::<String>();
    if name.is_empty() {
        return Err(ApiError::invalid(
            "name",
            "give the device a name",
            "端末の名前を入力してください",
        ));
    }
    let signature_key = decode("signature_key", &body.signature_key)?;
    let (user, now, ip) = (auth.user.id, state.now(), session::client_ip(&req));
    let session_id = auth.session_id.clone();
    let device = Device {
        id: DeviceId::from_uuid(uuid::Uuid::new_v4()),
        user,
        name,
        signature_key,
        created_at: now,
        revoked_at: None,
    };
    let stored = device.clone();
    // One transaction: a refusal (too many devices) leaves nothing behind, and two
    // registrations racing cannot both pass the count.
    state
        .write(move |conn| {
            let live = devices::for_user(conn, user)?
                .iter()
                .filter(|d| d.revoked_at.is_none())
                .count();
            if live >= MAX_DEVICES {
                return Err(ApiError::invalid(
                    "name",
                    format!("at most {MAX_DEVICES} devices: revoke one you no longer use"),
                    format!("端末は {MAX_DEVICES} 台までです。使っていない端末を削除してください"),
                ));
            }
            devices::register(conn, &stored)?;
            devices::bind_session(conn, &session_id, stored.id)?;
            audit::record(
                conn,
                now,
                Entry::success(
                    user,
                    "device.registered",
                    ("device", stored.id.to_string()),
                    ip.as_deref(),
                ),
            )?;
            Ok(())
        })
        .await?;
    Ok(HttpResponse::Ok().json(DeviceView::from(device)))
}

/// My devices, revoked ones included.
#[utoipa::path(tag = "delivery", responses((status = 200, body = [DeviceView]), (status = 401, body = crate::error::ErrorBody)))]
#[get("/me/devices")]
pub async fn list_devices(state: web::Data<AppState>, auth: Authenticated) -> Result<HttpResponse, ApiError> {
    let user = auth.user.id;
    let list = state.db.run(move |conn| devices::for_user(conn, user)).await?;
    Ok(HttpResponse::Ok().json(list.into_iter().map(DeviceView::from).collect::<Vec<_>>()))
}

pub(crate) async fn own_live_device(
    state: &AppState,
    user: UserId,
    device: DeviceId,
) -> Result<Device, ApiError> {
    let found = state.db.run(move |conn| devices::get(conn, device)).await;
    match found {
        Ok(d) if d.user == user && d.revoked_at.is_none() => Ok(d),
        Ok(_) | Err(StorageError::NotFound) => Err(ApiError::NotFound),
        Err(e) => Err(e.into()),
    }
}

/// Revokes one of my devices (e.g. a lost phone): it gets nothing more, and the
/// sessions acting for it end at once.
#[utoipa::path(
    tag = "delivery",
    params(("device_id" = DeviceId, Path, description = "The device")),
    responses((status = 204), (status = 401, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody))
)]
#[delete("/me/devices/{device_id}")]
pub async fn revoke_device(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    path: web::Path<DeviceId>,
) -> Result<HttpResponse, ApiError> {
    auth.require_fresh(&state)?;
    let device = own_live_device(&state, auth.user.id, path.into_inner()).await?;
    let (user, now, ip) = (auth.user.id, state.now(), session::client_ip(&req));
    // One transaction: the revocation and its audit record land together.
    let ended = state
        .write(move |conn| {
            let ended = devices::sessions_of(conn, device.id)?;
            devices::revoke(conn, device.id, now)?;
            audit::record(
                conn,
                now,
                Entry::success(
                    user,
                    "device.revoked",
                    ("device", device.id.to_string()),
                    ip.as_deref(),
                ),
            )?;
            Ok((ended, crate::live::co_members(conn, user)?))
        })
        .await?;
    let (ended, sharing) = ended;
    for session in ended {
        state.live.close_session(&session);
    }
    state.live.notify_all_members(&sharing);
    Ok(HttpResponse::NoContent().finish())
}

/// Says that this session acts for one of my devices (call after each sign-in), so
/// that revoking the device ends the session.
#[utoipa::path(
    tag = "delivery",
    params(("device_id" = DeviceId, Path, description = "My device")),
    responses((status = 204), (status = 401, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody))
)]
#[post("/devices/{device_id}/session")]
pub async fn bind_session(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<DeviceId>,
) -> Result<HttpResponse, ApiError> {
    let device = own_live_device(&state, auth.user.id, path.into_inner()).await?;
    let session = auth.session_id.clone();
    state
        .db
        .run(move |conn| devices::bind_session(conn, &session, device.id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// One key package to upload.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KeyPackageUpload {
    /// Its ID (e.g. its hash reference), unique.
    pub id: String,
    /// The serialised MLS key package, base64.
    pub body: String,
    /// Keep it for when one-time packages run out.
    #[serde(default)]
    pub last_resort: bool,
}

/// A batch of key packages.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KeyPackageBatch {
    /// The packages.
    pub packages: Vec<KeyPackageUpload>,
}

/// How many one-time packages are left.
#[derive(Debug, Serialize, ToSchema)]
pub struct KeyPackagesLeft {
    /// Unused one-time packages.
    pub left: i64,
}

/// Uploads one-time key packages (and optionally a last-resort one) for my device.
#[utoipa::path(
    tag = "delivery",
    params(("device_id" = DeviceId, Path, description = "My device")),
    request_body = KeyPackageBatch,
    responses((status = 200, body = KeyPackagesLeft), (status = 401, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody))
)]
#[post("/devices/{device_id}/key-packages")]
pub async fn upload_key_packages(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<DeviceId>,
    body: web::Json<KeyPackageBatch>,
) -> Result<HttpResponse, ApiError> {
    let device = own_live_device(&state, auth.user.id, path.into_inner()).await?;
    let batch = body.into_inner().packages;
    if batch.is_empty() || batch.len() > MAX_KEY_PACKAGES {
        return Err(ApiError::invalid(
            "packages",
            format!("send 1 to {MAX_KEY_PACKAGES} packages"),
            format!("1〜{MAX_KEY_PACKAGES} 個送ってください"),
        ));
    }
    let mut packages = Vec::with_capacity(batch.len());
    for p in batch {
        let id = p.id.trim().to_owned();
        if id.is_empty() || id.len() > 200 {
            return Err(ApiError::invalid(
                "id",
                "give each package an ID of 1 to 200 characters",
                "IDは1〜200文字にしてください",
            ));
        }
        packages.push(KeyPackage {
            id,
            body: decode("body", &p.body)?,
            last_resort: p.last_resort,
        });
    }
    let (now, user) = (state.now(), auth.user.id);
    let (left, sharing) = state
        .write(move |conn| {
            devices::upload_key_packages(conn, device.id, &packages, now).map_err(|e| match e {
                StorageError::Conflict(_) => ApiError::invalid(
                    "id",
                    "a package with this ID was uploaded before",
                    "同じIDのパッケージが既にあります",
                ),
                other => other.into(),
            })?;
            // The device can now be added to its person's channels: tell the
            // people in their rooms (a new device's first packages, or a top-up).
            Ok((
                devices::key_packages_left(conn, device.id)?,
                crate::live::co_members(conn, user)?,
            ))
        })
        .await?;
    state.live.notify_all_members(&sharing);
    Ok(HttpResponse::Ok().json(KeyPackagesLeft { left }))
}

/// A device's key package, handed out once.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClaimedKeyPackage {
    /// The device.
    pub device_id: DeviceId,
    /// The key package, base64.
    pub key_package: String,
}

/// Whether two people share a room (the condition for adding each other's devices).
fn share_a_room(conn: &mut DbConn, a: UserId, b: UserId) -> Result<bool, StorageError> {
    let a_rooms: Vec<RoomId> = rooms::rooms_of_user(conn, a)?;
    Ok(rooms::rooms_of_user(conn, b)?.iter().any(|r| a_rooms.contains(r)))
}

/// Claims one key package of each live device of a person I share a room with, to
/// add them to a channel's MLS group.
#[utoipa::path(
    tag = "delivery",
    params(("user_id" = UserId, Path, description = "The person to add")),
    responses((status = 200, body = [ClaimedKeyPackage]), (status = 401, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody))
)]
#[post("/users/{user_id}/key-packages/claim")]
pub async fn claim_key_packages(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<UserId>,
) -> Result<HttpResponse, ApiError> {
    let (me, target, now) = (auth.user.id, path.into_inner(), state.now());
    let claimed = state
        .db
        .run(move |conn| {
            if target != me && !share_a_room(conn, me, target)? {
                return Ok(None);
            }
            let mut claimed = Vec::new();
            for device in devices::for_user(conn, target)?
                .into_iter()
                .filter(|d| d.revoked_at.is_none())
            {
                if let Some(body) = devices::claim_key_package(conn, device.id, now)? {
                    claimed.push(ClaimedKeyPackage {
                        device_id: device.id,
                        key_package: STANDARD.encode(body),
                    });
                }
            }
            Ok(Some(claimed))
        })
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(HttpResponse::Ok().json(claimed))
}

/// An idempotency key is 1 to 100 characters.
pub(crate) fn check_idempotency_key(key: Option<&str>) -> Result<(), ApiError> {
    if key.is_some_and(|k| k.is_empty() || k.len() > 100) {
        return Err(ApiError::invalid(
            "idempotency_key",
            "1 to 100 characters",
            "1〜100文字にしてください",
        ));
    }
    Ok(())
}

/// Loads a group and checks that the caller may use its channel.
pub(crate) async fn group_for_member(
    state: &AppState,
    group: String,
    user: UserId,
) -> Result<Group, ApiError> {
    let found = state
        .db
        .run(move |conn| {
            let group = match groups::get(conn, &group) {
                Ok(g) => g,
                Err(StorageError::NotFound) => return Ok(None),
                Err(e) => return Err(e),
            };
            let member = rooms::member(conn, group.room, user)?;
            Ok(member.filter(|m| m.can_access(group.channel)).map(|_| group))
        })
        .await?;
    // Not a member, or not of this channel: the group does not exist for them.
    found.ok_or(ApiError::NotFound)
}

/// A message for a group's log.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMessage {
    /// `commit`, `proposal`, `era_key` or `post`.
    pub kind: String,
    /// The sending device (mine).
    pub sender_device: DeviceId,
    /// The MLS epoch it was made in (a commit: the epoch it commits from).
    pub epoch: i64,
    /// The opaque MLS message, base64.
    pub body: String,
    /// A key chosen by the client so that a retried send is stored once.
    pub idempotency_key: Option<String>,
    /// For a post: the urgency the sender chooses to expose so members' devices can
    /// be told "urgent" without content. Omit to keep it private.
    #[serde(default)]
    pub urgency: Option<Urgency>,
    /// For a post: the attachments it references (uploaded to this channel by the
    /// sender and not yet posted). Only these stay; others are swept.
    #[serde(default)]
    pub blobs: Vec<BlobId>,
}

/// Most attachments (ciphertext blobs: a photo and its thumbnail are two) per post.
const MAX_BLOBS_PER_POST: usize = 40;

/// Where a message landed.
#[derive(Debug, Serialize, ToSchema)]
pub struct MessageStored {
    /// Its position in the group's log.
    pub seq: i64,
    /// Whether an earlier send with the same idempotency key was found instead.
    pub duplicate: bool,
}

/// Appends an era-key message or a post to a channel's group log. A post whose post
/// ID the log already holds is refused (`409 duplicate_post`): a replay. A retry
/// with the same idempotency key answers the original's position instead.
#[utoipa::path(
    tag = "delivery",
    params(("group_id" = String, Path, description = "The MLS group")),
    request_body = NewMessage,
    responses(
        (status = 200, body = MessageStored),
        (status = 401, body = crate::error::ErrorBody),
        (status = 404, description = "No such group for this person", body = crate::error::ErrorBody),
        (status = 409, description = "duplicate_post: the log already holds a post with this post ID", body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody),
    )
)]
#[post("/groups/{group_id}/messages")]
pub async fn append_message(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<String>,
    body: web::Json<NewMessage>,
) -> Result<HttpResponse, ApiError> {
    let group = group_for_member(&state, path.into_inner(), auth.user.id).await?;
    let body = body.into_inner();
    let kind = match body.kind.as_str() {
        "era_key" => EntryKind::EraKey,
        "post" => EntryKind::Post,
        "commit" => {
            return Err(ApiError::invalid(
                "kind",
                "send commits to /groups/{group_id}/commits, where they are checked",
                "コミットは /groups/{group_id}/commits に送ってください",
            ))
        }
        _ => {
            return Err(ApiError::invalid(
                "kind",
                "use era_key or post",
                "era_key または post を指定してください",
            ))
        }
    };
    own_live_device(&state, auth.user.id, body.sender_device)
        .await
        .map_err(|_| {
            ApiError::invalid(
                "sender_device",
                "send from one of your live devices",
                "ご自身の有効な端末から送ってください",
            )
        })?;
    check_idempotency_key(body.idempotency_key.as_deref())?;
    let bytes = decode("body", &body.body)?;
    let post_id = match kind {
        EntryKind::Post => Some(check_post_header(
            &bytes,
            &group,
            auth.user.id,
            body.sender_device,
        )?),
        _ => {
            if body.urgency.is_some() || !body.blobs.is_empty() {
                return Err(ApiError::invalid(
                    "urgency",
                    "urgency and blobs belong to posts only",
                    "urgency と blobs は投稿にだけ付けられます",
                ));
            }
            kizuna_crypto::mls::private_message_epoch(group.id.as_bytes(), &bytes)
                .map_err(|e| ApiError::InvalidMls(e.to_string()))?;
            None
        }
    };
    let mut blobs = body.blobs;
    blobs.sort_unstable();
    blobs.dedup();
    if blobs.len() > MAX_BLOBS_PER_POST {
        return Err(ApiError::invalid(
            "blobs",
            format!("a post may reference at most {MAX_BLOBS_PER_POST} files; split it"),
            format!(
                "1件の投稿に付けられるファイルは {MAX_BLOBS_PER_POST} 個までです。分けて投稿してください"
            ),
        ));
    }
    let entry = NewEntry {
        kind,
        sender: Some(body.sender_device),
        epoch: body.epoch,
        body: bytes,
        idempotency_key: body.idempotency_key,
        urgency: body.urgency,
        post_id,
    };
    let (author, now) = (auth.user.id, state.now());
    let target = group.clone();
    let appended = state
        .db
        .run(move |conn| groups::append_post(conn, &target, &entry, author, &blobs, now))
        .await?;
    let stored = match appended {
        Appended::Stored { seq } => {
            state.live.notify_group(&group.id, seq);
            MessageStored {
                seq,
                duplicate: false,
            }
        }
        Appended::Duplicate { seq } => MessageStored { seq, duplicate: true },
        Appended::ReplayedPost { .. } => return Err(ApiError::DuplicatePost),
        Appended::WrongEpoch { current } => return Err(ApiError::WrongEpoch { current }),
        Appended::BlobRefused { blob, reason } => return Err(blob_refused(blob, reason)),
    };
    Ok(HttpResponse::Ok().json(stored))
}

fn blob_refused(blob: BlobId, reason: AttachRefusal) -> ApiError {
    let (en, ja) = match reason {
        AttachRefusal::NotStored => (
            "was not uploaded (or not completely); upload it again",
            "アップロードされていません（途中で止まりました）。もう一度アップロードしてください",
        ),
        AttachRefusal::OtherChannel => (
            "was uploaded to another room or channel",
            "別のルームまたはチャンネルにアップロードされたものです",
        ),
        AttachRefusal::NotYours => ("was uploaded by someone else", "他の人がアップロードしたものです"),
        AttachRefusal::AlreadyPosted => ("belongs to another post already", "既に別の投稿に付いています"),
    };
    ApiError::invalid(
        "blobs",
        format!("file {blob} {en}"),
        format!("ファイル {blob} は{ja}"),
    )
}

/// A post's clear header must name this room and channel and the sender as its
/// author: a post cannot be filed under someone else's name or in another room.
/// (Receivers check the same and the signature; this keeps bad posts out of logs.)
/// Returns the post ID, which the log keeps unique per group (no replays).
fn check_post_header(
    bytes: &[u8],
    group: &Group,
    user: UserId,
    device: DeviceId,
) -> Result<PostId, ApiError> {
    let sealed = kizuna_crypto::SealedPost::from_bytes(bytes)
        .map_err(|e| ApiError::InvalidMls(format!("not a sealed post: {e}")))?;
    let header = sealed.header;
    if header.room != group.room || header.channel != group.channel {
        return Err(ApiError::invalid(
            "body",
            "the post is addressed to another room or channel",
            "投稿の宛先が別のルームまたはチャンネルです",
        ));
    }
    if header.author_user != user || header.author_device != device {
        return Err(ApiError::invalid(
            "body",
            "the post's author must be you, on the sending device",
            "投稿者は送信している本人・端末でなければなりません",
        ));
    }
    Ok(header.post)
}

/// Which part of a log to fetch.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct LogQuery {
    /// Entries after this position (0 for the start).
    pub after: Option<i64>,
    /// At most this many (default and maximum 500).
    pub limit: Option<i64>,
}

/// One log entry.
#[derive(Debug, Serialize, ToSchema)]
pub struct LogEntryView {
    /// Its position.
    pub seq: i64,
    /// `commit`, `proposal`, `era_key` or `post`.
    pub kind: String,
    /// The sending device.
    pub sender_device: Option<DeviceId>,
    /// Its epoch.
    pub epoch: i64,
    /// The opaque bytes, base64.
    pub body: String,
    /// When the server stored it.
    pub stored_at: Timestamp,
    /// For a post: the urgency its sender exposed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub urgency: Option<Urgency>,
}

pub(crate) fn entry_view(e: groups::LogEntry) -> LogEntryView {
    let kind = match e.kind {
        EntryKind::Commit => "commit",
        EntryKind::Proposal => "proposal",
        EntryKind::EraKey => "era_key",
        EntryKind::Post => "post",
    };
    LogEntryView {
        seq: e.seq,
        kind: kind.to_owned(),
        sender_device: e.sender,
        epoch: e.epoch,
        body: STANDARD.encode(&e.body),
        stored_at: e.created_at,
        urgency: e.urgency,
    }
}

/// Fetches a channel's log after a position (to catch up after a reconnect). Every
/// page carries the log generation in the `Kizuna-Log-Generation` header: when it
/// differs from the one the client stored, the server was restored from a backup and
/// the client re-reads from the start.
#[utoipa::path(
    tag = "delivery",
    params(("group_id" = String, Path, description = "The MLS group"), LogQuery),
    responses((status = 200, body = [LogEntryView]), (status = 401, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody))
)]
#[get("/groups/{group_id}/messages")]
pub async fn fetch_messages(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<String>,
    query: web::Query<LogQuery>,
) -> Result<HttpResponse, ApiError> {
    let group = group_for_member(&state, path.into_inner(), auth.user.id).await?;
    let after = query.after.unwrap_or(0).max(0);
    let limit = query.limit.unwrap_or(MAX_PAGE).clamp(1, MAX_PAGE);
    let (generation, entries) = state
        .db
        .run(move |conn| {
            Ok((
                groups::log_generation(conn)?,
                groups::entries_after(conn, &group.id, after, limit)?,
            ))
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((kizuna_proto::LOG_GENERATION_HEADER, generation))
        .json(entries.into_iter().map(entry_view).collect::<Vec<_>>()))
}
