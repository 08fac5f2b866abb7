//! A person's devices and their MLS key packages: registering and revoking a
//! device, binding a session to it, uploading key packages, and claiming those of a
//! person one shares a room with (to add their devices to a channel's group).

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use kizuna_proto::{
    ClaimedKeyPackage, DeviceId, KeyPackageBatch, KeyPackageUpload, KeyPackagesLeft, RoomId, Timestamp,
    UserId,
};
use kizuna_storage::devices::{self, Device, KeyPackage};
use kizuna_storage::{rooms, DbConn, StorageError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::audit::{self, Entry};
use crate::error::{ApiError, Problem};
use crate::service::acting::Acting;
use crate::service::delivery::{decode, own_live_device};
use crate::state::AppState;

/// Most devices a person may have.
const MAX_DEVICES: usize = 10;
/// Most key packages in one upload.
const MAX_KEY_PACKAGES: usize = 100;

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

/// Registers a device of the acting person and binds their session to it. Refused
/// (and nothing stored) past [`MAX_DEVICES`] live devices.
pub async fn register_device(
    state: &AppState,
    acting: Acting,
    new: NewDevice,
) -> Result<DeviceView, ApiError> {
    let name = new.name.trim().chars().take(60).collect::<String>();
    if name.is_empty() {
        return Err(ApiError::input("name", Problem::DeviceName));
    }
    let signature_key = decode("signature_key", &new.signature_key)?;
    let now = state.now();
    let device = Device {
        id: DeviceId::from_uuid(uuid::Uuid::new_v4()),
        user: acting.user,
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
            let live = devices::for_user(conn, acting.user)?
                .iter()
                .filter(|d| d.revoked_at.is_none())
                .count();
            if live >= MAX_DEVICES {
                return Err(ApiError::input(
                    "name",
                    Problem::TooManyDevices { max: MAX_DEVICES },
                ));
            }
            devices::register(conn, &stored)?;
            devices::bind_session(conn, &acting.session_id, stored.id)?;
            let target = ("device", stored.id.to_string());
            let entry = Entry::success(acting.user, "device.registered", target, acting.ip.as_deref());
            Ok(audit::record(conn, now, entry)?)
        })
        .await?;
    Ok(DeviceView::from(device))
}

/// A person's devices, revoked ones included.
pub async fn list_devices(state: &AppState, user: UserId) -> Result<Vec<DeviceView>, ApiError> {
    let list = state.db.run(move |conn| devices::for_user(conn, user)).await?;
    Ok(list.into_iter().map(DeviceView::from).collect())
}

/// Revokes one of the acting person's devices: it gets nothing more, the sessions
/// acting for it end at once, and the people sharing a room with them are told.
pub async fn revoke_device(state: &AppState, acting: Acting, device: DeviceId) -> Result<(), ApiError> {
    let device = own_live_device(state, acting.user, device).await?;
    let now = state.now();
    // One transaction: the revocation and its audit record land together.
    let (ended, sharing) = state
        .write(move |conn| {
            let ended = devices::sessions_of(conn, device.id)?;
            devices::revoke(conn, device.id, now)?;
            let target = ("device", device.id.to_string());
            let entry = Entry::success(acting.user, "device.revoked", target, acting.ip.as_deref());
            audit::record(conn, now, entry)?;
            Ok((ended, crate::live::co_members(conn, acting.user)?))
        })
        .await?;
    for session in ended {
        state.live.close_session(&session);
    }
    state.live.notify_all_members(&sharing);
    Ok(())
}

/// Records that a session acts for one of its person's live devices, so that
/// revoking the device ends the session.
pub async fn bind_session(
    state: &AppState,
    user: UserId,
    session: String,
    device: DeviceId,
) -> Result<(), ApiError> {
    let device = own_live_device(state, user, device).await?;
    state
        .db
        .run(move |conn| devices::bind_session(conn, &session, device.id))
        .await?;
    Ok(())
}

fn key_packages(batch: Vec<KeyPackageUpload>) -> Result<Vec<KeyPackage>, ApiError> {
    if batch.is_empty() || batch.len() > MAX_KEY_PACKAGES {
        return Err(ApiError::input(
            "packages",
            Problem::KeyPackageCount {
                max: MAX_KEY_PACKAGES,
            },
        ));
    }
    let mut packages = Vec::with_capacity(batch.len());
    for p in batch {
        let id = p.id.trim().to_owned();
        if id.is_empty() || id.len() > 200 {
            return Err(ApiError::input("id", Problem::KeyPackageId));
        }
        packages.push(KeyPackage {
            id,
            body: decode("body", &p.body)?,
            last_resort: p.last_resort,
        });
    }
    Ok(packages)
}

/// Uploads key packages for one of `user`'s live devices; the people sharing a room
/// with them are told that the device can now be added to their channels.
pub async fn upload_key_packages(
    state: &AppState,
    user: UserId,
    device: DeviceId,
    batch: KeyPackageBatch,
) -> Result<KeyPackagesLeft, ApiError> {
    let device = own_live_device(state, user, device).await?;
    let packages = key_packages(batch.packages)?;
    let now = state.now();
    let (left, sharing) = state
        .write(move |conn| {
            devices::upload_key_packages(conn, device.id, &packages, now).map_err(|e| match e {
                StorageError::Conflict(_) => ApiError::input("id", Problem::KeyPackageIdTaken),
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
    Ok(KeyPackagesLeft { left })
}

/// Whether two people share a room (the condition for adding each other's devices).
fn share_a_room(conn: &mut DbConn, a: UserId, b: UserId) -> Result<bool, StorageError> {
    let a_rooms: Vec<RoomId> = rooms::rooms_of_user(conn, a)?;
    Ok(rooms::rooms_of_user(conn, b)?.iter().any(|r| a_rooms.contains(r)))
}

/// Claims one key package of each live device of `target`, for `me` who shares a
/// room with them (or is them). Anyone else is `not_found`.
pub async fn claim_key_packages(
    state: &AppState,
    me: UserId,
    target: UserId,
) -> Result<Vec<ClaimedKeyPackage>, ApiError> {
    let now = state.now();
    state
        .read(move |conn| {
            if target != me && !share_a_room(conn, me, target)? {
                return Err(ApiError::NotFound);
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
            Ok(claimed)
        })
        .await
}
