//! Regional broadcasts (issue 14): each organisation's roster of officer keys (an
//! append-only chain of signed changes), the broadcasts themselves (stored once,
//! whatever the number of recipients) and per-person receipts (delivered, opened,
//! acknowledged).
//!
//! Signed bytes are kept exactly as the officer's device made them: clients check
//! the signatures themselves, so the server must hand back the very bytes it got.

use diesel::prelude::*;
use kizuna_proto::{BroadcastId, DeviceId, OrganisationId, Severity, Timestamp, UserId};

use crate::schema::{broadcast_receipts, broadcast_rosters, broadcasts};
use crate::{transaction, DbConn, StorageError};

/// One version of an organisation's roster, as signed.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Insertable)]
#[diesel(table_name = broadcast_rosters)]
pub struct RosterEntry {
    /// Whose roster.
    pub organisation_id: OrganisationId,
    /// 1, then one more per change.
    pub version: i64,
    /// The hash the next version must name as its previous one.
    pub hash: Vec<u8>,
    /// The signed payload, byte for byte.
    pub payload: Vec<u8>,
    /// The signature over it.
    pub signature: Vec<u8>,
    /// The public key that signed it.
    pub signer_key: Vec<u8>,
    /// The device that signed it.
    pub signer_device_id: DeviceId,
    /// When the server stored it.
    pub created_at: Timestamp,
}

/// Appends a roster version. Two versions with one number for one organisation
/// cannot both be stored (the primary key): the loser gets [`StorageError::Conflict`].
pub fn append_roster(conn: &mut DbConn, entry: &RosterEntry) -> Result<(), StorageError> {
    diesel::insert_into(broadcast_rosters::table)
        .values(entry)
        .execute(conn)?;
    Ok(())
}

/// The newest roster version of an organisation, if it has one.
pub fn current_roster(conn: &mut DbConn, org: OrganisationId) -> Result<Option<RosterEntry>, StorageError> {
    Ok(broadcast_rosters::table
        .filter(broadcast_rosters::organisation_id.eq(org))
        .order(broadcast_rosters::version.desc())
        .first::<RosterEntry>(conn)
        .optional()?)
}

/// Every roster version of an organisation, oldest first.
pub fn roster(conn: &mut DbConn, org: OrganisationId) -> Result<Vec<RosterEntry>, StorageError> {
    Ok(broadcast_rosters::table
        .filter(broadcast_rosters::organisation_id.eq(org))
        .order(broadcast_rosters::version.asc())
        .load::<RosterEntry>(conn)?)
}

/// A broadcast as stored: the clear columns the server routes and lists by (read
/// from the signed payload after checking it) and the signed form itself.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Insertable)]
#[diesel(table_name = broadcasts)]
pub struct StoredBroadcast {
    /// Its ID (chosen by the officer's device, inside the signed payload).
    pub id: BroadcastId,
    /// The organisation that sent it.
    pub organisation_id: OrganisationId,
    /// How serious it is.
    pub severity: Severity,
    /// When the server accepted it.
    pub sent_at: Timestamp,
    /// When it stops being current.
    pub expires_at: Timestamp,
    /// Whether families and volunteers in rooms in scope receive it.
    pub include_families: bool,
    /// Whether it opens a safety check.
    pub safety_check: bool,
    /// The officer who signed it.
    pub signer_user_id: UserId,
    /// The device that signed it.
    pub signer_device_id: DeviceId,
    /// The signed payload, byte for byte.
    pub payload: Vec<u8>,
    /// The signature over it.
    pub signature: Vec<u8>,
    /// The public key that signed it.
    pub signer_key: Vec<u8>,
}

/// Stores a broadcast. An ID already stored is [`StorageError::Conflict`].
pub fn insert(conn: &mut DbConn, broadcast: &StoredBroadcast) -> Result<(), StorageError> {
    diesel::insert_into(broadcasts::table)
        .values(broadcast)
        .execute(conn)?;
    Ok(())
}

/// One broadcast, if it exists.
pub fn get(conn: &mut DbConn, id: BroadcastId) -> Result<Option<StoredBroadcast>, StorageError> {
    Ok(broadcasts::table
        .find(id)
        .first::<StoredBroadcast>(conn)
        .optional()?)
}

/// The broadcasts sent by any of `orgs`, newest first, at most `limit`.
pub fn sent_by(
    conn: &mut DbConn,
    orgs: &[OrganisationId],
    limit: i64,
) -> Result<Vec<StoredBroadcast>, StorageError> {
    Ok(broadcasts::table
        .filter(broadcasts::organisation_id.eq_any(orgs))
        .order((broadcasts::sent_at.desc(), broadcasts::id.desc()))
        .limit(limit)
        .load::<StoredBroadcast>(conn)?)
}

/// One person's receipt of one broadcast.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct Receipt {
    /// Which broadcast.
    pub broadcast_id: BroadcastId,
    /// Whose receipt.
    pub user_id: UserId,
    /// When their client first fetched it.
    pub delivered_at: Timestamp,
    /// When they first opened it.
    pub opened_at: Option<Timestamp>,
    /// When they acknowledged it.
    pub acknowledged_at: Option<Timestamp>,
}

/// How far a person has got with a broadcast.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReceiptState {
    /// Their client has it.
    Delivered,
    /// They opened it.
    Opened,
    /// They acknowledged it.
    Acknowledged,
}

/// Records that `user` reached `state` for `broadcast` at `now`. Each time is set
/// once and never moved; reaching a later state also sets the earlier ones still
/// missing (an acknowledged notice was opened and delivered). Returns the receipt.
pub fn record(
    conn: &mut DbConn,
    broadcast: BroadcastId,
    user: UserId,
    state: ReceiptState,
    now: Timestamp,
) -> Result<Receipt, StorageError> {
    // Two devices of one person fetching at once may both try the first insert; the
    // loser's retry then finds the row.
    match record_once(conn, broadcast, user, state, now) {
        Err(StorageError::Conflict(_)) => record_once(conn, broadcast, user, state, now),
        outcome => outcome,
    }
}

fn record_once(
    conn: &mut DbConn,
    broadcast: BroadcastId,
    user: UserId,
    state: ReceiptState,
    now: Timestamp,
) -> Result<Receipt, StorageError> {
    transaction(conn, |conn| {
        let mine = broadcast_receipts::table.find((broadcast, user));
        if mine.first::<Receipt>(conn).optional()?.is_none() {
            diesel::insert_into(broadcast_receipts::table)
                .values((
                    broadcast_receipts::broadcast_id.eq(broadcast),
                    broadcast_receipts::user_id.eq(user),
                    broadcast_receipts::delivered_at.eq(now),
                ))
                .execute(conn)?;
        }
        if matches!(state, ReceiptState::Opened | ReceiptState::Acknowledged) {
            diesel::update(mine.filter(broadcast_receipts::opened_at.is_null()))
                .set(broadcast_receipts::opened_at.eq(Some(now)))
                .execute(conn)?;
        }
        if state == ReceiptState::Acknowledged {
            diesel::update(mine.filter(broadcast_receipts::acknowledged_at.is_null()))
                .set(broadcast_receipts::acknowledged_at.eq(Some(now)))
                .execute(conn)?;
        }
        Ok(mine.first::<Receipt>(conn)?)
    })
}

/// Every receipt of a broadcast.
pub fn receipts(conn: &mut DbConn, broadcast: BroadcastId) -> Result<Vec<Receipt>, StorageError> {
    Ok(broadcast_receipts::table
        .filter(broadcast_receipts::broadcast_id.eq(broadcast))
        .order(broadcast_receipts::user_id.asc())
        .load::<Receipt>(conn)?)
}

/// `user`'s receipts of the given broadcasts.
pub fn receipts_of(
    conn: &mut DbConn,
    user: UserId,
    ids: &[BroadcastId],
) -> Result<Vec<Receipt>, StorageError> {
    Ok(broadcast_receipts::table
        .filter(broadcast_receipts::user_id.eq(user))
        .filter(broadcast_receipts::broadcast_id.eq_any(ids))
        .load::<Receipt>(conn)?)
}

/// Tells the other nodes (PostgreSQL NOTIFY, delivered on commit) that broadcast
/// `id` was sent: one notification whatever the number of recipients, which each
/// node works out itself. Only the ID travels. On SQLite there is one node, which
/// knows already.
pub fn announce(conn: &mut DbConn, id: BroadcastId) -> Result<(), StorageError> {
    crate::groups::announce(conn, &format!("broadcast:{id}"))
}
