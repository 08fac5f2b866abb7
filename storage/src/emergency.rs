//! Disaster declarations and break-glass (emergency) accounts (issue 14).
//!
//! A regional organisation declares a disaster for itself and everything under it;
//! a facility's sealed emergency accounts can sign in only while such a declaration
//! covers the facility, or after two of its administrators approved. The rules are
//! the server's (`service::emergency`); this module only stores.

use std::fmt;
use std::str::FromStr;

use diesel::prelude::*;
use kizuna_proto::{OrganisationId, Timestamp, UserId};

use crate::schema::{disaster_declarations, emergency_accounts, emergency_approvals};
use crate::{DbConn, StorageError};

/// Where an emergency account stands (see the migration for the meaning of each).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmergencyState {
    /// An enrolment link is out; no credentials yet.
    AwaitingEnrolment,
    /// Enrolled and sealed: signs in only while admitted.
    Sealed,
    /// Signed in during the current admission.
    InUse,
    /// Used, and the admission ended: must be enrolled afresh.
    NeedsReseal,
}

impl EmergencyState {
    /// The stored name.
    pub const fn as_str(self) -> &'static str {
        match self {
            EmergencyState::AwaitingEnrolment => "awaiting_enrolment",
            EmergencyState::Sealed => "sealed",
            EmergencyState::InUse => "in_use",
            EmergencyState::NeedsReseal => "needs_reseal",
        }
    }
}

impl fmt::Display for EmergencyState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for EmergencyState {
    type Err = StorageError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [
            EmergencyState::AwaitingEnrolment,
            EmergencyState::Sealed,
            EmergencyState::InUse,
            EmergencyState::NeedsReseal,
        ]
        .into_iter()
        .find(|state| state.as_str() == s)
        .ok_or_else(|| StorageError::Corrupt(format!("emergency account state {s:?}")))
    }
}

/// A facility's emergency account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmergencyAccount {
    /// The account (an ordinary user row with a staff membership).
    pub user: UserId,
    /// The facility whose safe holds its sheet and key.
    pub facility: OrganisationId,
    /// What the facility calls it ("緊急用1").
    pub label: String,
    /// Where it stands.
    pub state: EmergencyState,
    /// The administrator who prepared it.
    pub created_by: UserId,
    /// When.
    pub created_at: Timestamp,
    /// When it was last sealed (enrolled).
    pub sealed_at: Option<Timestamp>,
    /// Two administrators approved use until then.
    pub approved_until: Option<Timestamp>,
}

type Row = (
    UserId,
    OrganisationId,
    String,
    String,
    UserId,
    Timestamp,
    Option<Timestamp>,
    Option<Timestamp>,
);

fn from_row(row: Row) -> Result<EmergencyAccount, StorageError> {
    let (user, facility, label, state, created_by, created_at, sealed_at, approved_until) = row;
    Ok(EmergencyAccount {
        user,
        facility,
        label,
        state: state.parse()?,
        created_by,
        created_at,
        sealed_at,
        approved_until,
    })
}

/// Stores a new emergency account.
pub fn create(conn: &mut DbConn, account: &EmergencyAccount) -> Result<(), StorageError> {
    diesel::insert_into(emergency_accounts::table)
        .values((
            emergency_accounts::user_id.eq(account.user),
            emergency_accounts::facility_id.eq(account.facility),
            emergency_accounts::label.eq(&account.label),
            emergency_accounts::state.eq(account.state.as_str()),
            emergency_accounts::created_by.eq(account.created_by),
            emergency_accounts::created_at.eq(account.created_at),
            emergency_accounts::sealed_at.eq(account.sealed_at),
            emergency_accounts::approved_until.eq(account.approved_until),
        ))
        .execute(conn)?;
    Ok(())
}

/// The emergency account `user`, if `user` is one.
pub fn get(conn: &mut DbConn, user: UserId) -> Result<Option<EmergencyAccount>, StorageError> {
    emergency_accounts::table
        .find(user)
        .first::<Row>(conn)
        .optional()?
        .map(from_row)
        .transpose()
}

/// A facility's emergency accounts, oldest first.
pub fn of_facility(
    conn: &mut DbConn,
    facility: OrganisationId,
) -> Result<Vec<EmergencyAccount>, StorageError> {
    emergency_accounts::table
        .filter(emergency_accounts::facility_id.eq(facility))
        .order((
            emergency_accounts::created_at.asc(),
            emergency_accounts::user_id.asc(),
        ))
        .load::<Row>(conn)?
        .into_iter()
        .map(from_row)
        .collect()
}

/// Every account currently signed in under an admission (for the sweep when a
/// declaration ends).
pub fn in_use(conn: &mut DbConn) -> Result<Vec<EmergencyAccount>, StorageError> {
    emergency_accounts::table
        .filter(emergency_accounts::state.eq(EmergencyState::InUse.as_str()))
        .load::<Row>(conn)?
        .into_iter()
        .map(from_row)
        .collect()
}

/// Which of `users` are emergency accounts.
pub fn among(conn: &mut DbConn, users: &[UserId]) -> Result<Vec<UserId>, StorageError> {
    Ok(emergency_accounts::table
        .filter(emergency_accounts::user_id.eq_any(users))
        .select(emergency_accounts::user_id)
        .load(conn)?)
}

/// Moves an account to `state`; `sealed_at` is set when sealing. Clears any
/// approval window unless the account is in use.
pub fn set_state(
    conn: &mut DbConn,
    user: UserId,
    state: EmergencyState,
    now: Timestamp,
) -> Result<(), StorageError> {
    let row = emergency_accounts::table.find(user);
    diesel::update(row)
        .set(emergency_accounts::state.eq(state.as_str()))
        .execute(conn)?;
    if state == EmergencyState::Sealed {
        diesel::update(row)
            .set(emergency_accounts::sealed_at.eq(Some(now)))
            .execute(conn)?;
    }
    if state != EmergencyState::InUse {
        diesel::update(row)
            .set(emergency_accounts::approved_until.eq(None::<Timestamp>))
            .execute(conn)?;
    }
    Ok(())
}

/// Opens the account until `until` (two administrators approved).
pub fn set_approved_until(conn: &mut DbConn, user: UserId, until: Timestamp) -> Result<(), StorageError> {
    diesel::update(emergency_accounts::table.find(user))
        .set(emergency_accounts::approved_until.eq(Some(until)))
        .execute(conn)?;
    Ok(())
}

/// Closes an approval window early (an administrator ended the use).
pub fn close_window(conn: &mut DbConn, user: UserId) -> Result<(), StorageError> {
    diesel::update(emergency_accounts::table.find(user))
        .set(emergency_accounts::approved_until.eq(None::<Timestamp>))
        .execute(conn)?;
    Ok(())
}

/// Records `by`'s approval of `user`'s use at `now` (again: the time moves).
pub fn approve(conn: &mut DbConn, user: UserId, by: UserId, now: Timestamp) -> Result<(), StorageError> {
    let mine = emergency_approvals::table.find((user, by));
    let updated = diesel::update(mine)
        .set(emergency_approvals::approved_at.eq(now))
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(emergency_approvals::table)
            .values((
                emergency_approvals::user_id.eq(user),
                emergency_approvals::approved_by.eq(by),
                emergency_approvals::approved_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The administrators who approved `user`'s use at or after `since`.
pub fn approvers_since(
    conn: &mut DbConn,
    user: UserId,
    since: Timestamp,
) -> Result<Vec<UserId>, StorageError> {
    Ok(emergency_approvals::table
        .filter(emergency_approvals::user_id.eq(user))
        .filter(emergency_approvals::approved_at.ge(since))
        .select(emergency_approvals::approved_by)
        .load(conn)?)
}

/// Forgets `user`'s pending approvals (consumed, or the account was resealed).
pub fn clear_approvals(conn: &mut DbConn, user: UserId) -> Result<(), StorageError> {
    diesel::delete(emergency_approvals::table.filter(emergency_approvals::user_id.eq(user))).execute(conn)?;
    Ok(())
}

/// A declared disaster.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct Declaration {
    /// Its ID.
    pub id: String,
    /// The regional organisation that declared it (it covers everything under it).
    pub organisation: OrganisationId,
    /// Who declared it.
    pub declared_by: UserId,
    /// When.
    pub declared_at: Timestamp,
    /// Who ended it.
    pub ended_by: Option<UserId>,
    /// When; none while it lasts.
    pub ended_at: Option<Timestamp>,
}

/// Stores a new open declaration (`Conflict` when `organisation` already has one).
pub fn declare(conn: &mut DbConn, declaration: &Declaration) -> Result<(), StorageError> {
    diesel::insert_into(disaster_declarations::table)
        .values((
            disaster_declarations::id.eq(&declaration.id),
            disaster_declarations::organisation_id.eq(declaration.organisation),
            disaster_declarations::declared_by.eq(declaration.declared_by),
            disaster_declarations::declared_at.eq(declaration.declared_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// The open declarations of any of `orgs`.
pub fn open_declarations(
    conn: &mut DbConn,
    orgs: &[OrganisationId],
) -> Result<Vec<Declaration>, StorageError> {
    Ok(disaster_declarations::table
        .filter(disaster_declarations::organisation_id.eq_any(orgs))
        .filter(disaster_declarations::ended_at.is_null())
        .order(disaster_declarations::declared_at.asc())
        .load(conn)?)
}

/// Ends `organisation`'s open declaration; returns it, or none if there was none.
pub fn end_declaration(
    conn: &mut DbConn,
    organisation: OrganisationId,
    by: UserId,
    now: Timestamp,
) -> Result<Option<Declaration>, StorageError> {
    let Some(open) = open_declarations(conn, &[organisation])?.into_iter().next() else {
        return Ok(None);
    };
    diesel::update(disaster_declarations::table.find(&open.id))
        .set((
            disaster_declarations::ended_by.eq(Some(by)),
            disaster_declarations::ended_at.eq(Some(now)),
        ))
        .execute(conn)?;
    Ok(Some(Declaration {
        ended_by: Some(by),
        ended_at: Some(now),
        ..open
    }))
}

/// Tells the other nodes (PostgreSQL NOTIFY, delivered on commit) that emergency
/// account `account` signed in or tried to, for facility administrator `admin`'s
/// screens. Only IDs travel.
pub fn announce_alert(conn: &mut DbConn, admin: UserId, account: UserId) -> Result<(), StorageError> {
    crate::groups::announce(conn, &format!("alert:{admin}:{account}"))
}
