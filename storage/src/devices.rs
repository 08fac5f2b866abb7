//! Devices (one MLS leaf each) and their one-time MLS key packages.

use diesel::prelude::*;
use kizuna_proto::{DeviceId, Timestamp, UserId};

use crate::schema::{devices, key_packages, session_devices, sessions};
use crate::{DbConn, StorageError};

/// A person's device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    /// Its ID (also in its MLS credential).
    pub id: DeviceId,
    /// Whose it is.
    pub user: UserId,
    /// A name its owner recognises ("iPhone", "clinic PC").
    pub name: String,
    /// The device's public MLS signature key.
    pub signature_key: Vec<u8>,
    /// When it was registered.
    pub created_at: Timestamp,
    /// When it was revoked, if it was.
    pub revoked_at: Option<Timestamp>,
}

#[derive(Queryable, Insertable)]
#[diesel(table_name = devices)]
struct DeviceRow {
    id: DeviceId,
    user_id: UserId,
    name: String,
    signature_key: Vec<u8>,
    created_at: Timestamp,
    revoked_at: Option<Timestamp>,
}

impl From<DeviceRow> for Device {
    fn from(row: DeviceRow) -> Self {
        Device {
            id: row.id,
            user: row.user_id,
            name: row.name,
            signature_key: row.signature_key,
            created_at: row.created_at,
            revoked_at: row.revoked_at,
        }
    }
}

/// Registers a device.
pub fn register(conn: &mut DbConn, device: &Device) -> Result<(), StorageError> {
    let row = DeviceRow {
        id: device.id,
        user_id: device.user,
        name: device.name.clone(),
        signature_key: device.signature_key.clone(),
        created_at: device.created_at,
        revoked_at: device.revoked_at,
    };
    diesel::insert_into(devices::table).values(&row).execute(conn)?;
    Ok(())
}

/// One device by ID.
pub fn get(conn: &mut DbConn, id: DeviceId) -> Result<Device, StorageError> {
    Ok(devices::table.find(id).first::<DeviceRow>(conn)?.into())
}

/// A person's devices, revoked ones included, oldest first.
pub fn for_user(conn: &mut DbConn, user: UserId) -> Result<Vec<Device>, StorageError> {
    Ok(devices::table
        .filter(devices::user_id.eq(user))
        .order((devices::created_at.asc(), devices::id.asc()))
        .load::<DeviceRow>(conn)?
        .into_iter()
        .map(Device::from)
        .collect())
}

/// Revokes a device: it gets nothing more, its unused key packages are dropped and
/// every session acting for it ends. Returns whether it was live.
pub fn revoke(conn: &mut DbConn, id: DeviceId, now: Timestamp) -> Result<bool, StorageError> {
    let revoked = diesel::update(devices::table.find(id).filter(devices::revoked_at.is_null()))
        .set(devices::revoked_at.eq(Some(now)))
        .execute(conn)?;
    diesel::delete(key_packages::table.filter(key_packages::device_id.eq(id))).execute(conn)?;
    let bound = session_devices::table
        .filter(session_devices::device_id.eq(id))
        .select(session_devices::session_id);
    diesel::update(
        sessions::table
            .filter(sessions::id.eq_any(bound))
            .filter(sessions::revoked_at.is_null()),
    )
    .set(sessions::revoked_at.eq(Some(now)))
    .execute(conn)?;
    Ok(revoked > 0)
}

/// Records that a session acts for a device, so that revoking the device ends it.
pub fn bind_session(conn: &mut DbConn, session: &str, device: DeviceId) -> Result<(), StorageError> {
    diesel::delete(session_devices::table.find(session)).execute(conn)?;
    diesel::insert_into(session_devices::table)
        .values((
            session_devices::session_id.eq(session),
            session_devices::device_id.eq(device),
        ))
        .execute(conn)?;
    Ok(())
}

/// The device a session acts for, if it is bound to one.
pub fn of_session(conn: &mut DbConn, session: &str) -> Result<Option<DeviceId>, StorageError> {
    Ok(session_devices::table
        .find(session)
        .select(session_devices::device_id)
        .first(conn)
        .optional()?)
}

/// The sessions acting for a device (to close their live connections).
pub fn sessions_of(conn: &mut DbConn, device: DeviceId) -> Result<Vec<String>, StorageError> {
    Ok(session_devices::table
        .filter(session_devices::device_id.eq(device))
        .select(session_devices::session_id)
        .load(conn)?)
}

/// Revokes all of a person's devices (a leaver). Returns the IDs revoked.
pub fn revoke_all(conn: &mut DbConn, user: UserId, now: Timestamp) -> Result<Vec<DeviceId>, StorageError> {
    let live: Vec<DeviceId> = for_user(conn, user)?
        .into_iter()
        .filter(|d| d.revoked_at.is_none())
        .map(|d| d.id)
        .collect();
    for id in &live {
        revoke(conn, *id, now)?;
    }
    Ok(live)
}

/// One uploaded key package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyPackage {
    /// Its ID (e.g. the hash reference of the package).
    pub id: String,
    /// The serialised MLS key package.
    pub body: Vec<u8>,
    /// Kept and handed out again when the one-time packages run out.
    pub last_resort: bool,
}

/// Stores key packages for a live device. A new last-resort package replaces the old one.
pub fn upload_key_packages(
    conn: &mut DbConn,
    device: DeviceId,
    packages: &[KeyPackage],
    now: Timestamp,
) -> Result<(), StorageError> {
    if get(conn, device)?.revoked_at.is_some() {
        return Err(StorageError::Refused("the device has been revoked".into()));
    }
    if packages.iter().any(|p| p.last_resort) {
        diesel::delete(
            key_packages::table
                .filter(key_packages::device_id.eq(device))
                .filter(key_packages::last_resort.eq(true)),
        )
        .execute(conn)?;
    }
    for package in packages {
        diesel::insert_into(key_packages::table)
            .values((
                key_packages::id.eq(&package.id),
                key_packages::device_id.eq(device),
                key_packages::body.eq(&package.body),
                key_packages::last_resort.eq(package.last_resort),
                key_packages::created_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Hands out one key package of a live device: an unused one-time package (marked
/// used so nobody gets it again), else its last-resort package, else `None`.
pub fn claim_key_package(
    conn: &mut DbConn,
    device: DeviceId,
    now: Timestamp,
) -> Result<Option<Vec<u8>>, StorageError> {
    if get(conn, device)?.revoked_at.is_some() {
        return Ok(None);
    }
    // Another claimant may take the same package between the read and the update;
    // the conditional update then changes nothing and we try the next one.
    for _ in 0..16 {
        let candidate = key_packages::table
            .filter(key_packages::device_id.eq(device))
            .filter(key_packages::last_resort.eq(false))
            .filter(key_packages::claimed_at.is_null())
            .order(key_packages::created_at.asc())
            .select((key_packages::id, key_packages::body))
            .first::<(String, Vec<u8>)>(conn)
            .optional()?;
        let Some((id, body)) = candidate else { break };
        let claimed = diesel::update(
            key_packages::table
                .find(&id)
                .filter(key_packages::claimed_at.is_null()),
        )
        .set(key_packages::claimed_at.eq(Some(now)))
        .execute(conn)?;
        if claimed == 1 {
            return Ok(Some(body));
        }
    }
    Ok(key_packages::table
        .filter(key_packages::device_id.eq(device))
        .filter(key_packages::last_resort.eq(true))
        .select(key_packages::body)
        .first::<Vec<u8>>(conn)
        .optional()?)
}

/// How many unused one-time packages a device has left (so it can upload more).
pub fn key_packages_left(conn: &mut DbConn, device: DeviceId) -> Result<i64, StorageError> {
    Ok(key_packages::table
        .filter(key_packages::device_id.eq(device))
        .filter(key_packages::last_resort.eq(false))
        .filter(key_packages::claimed_at.is_null())
        .count()
        .get_result(conn)?)
}
