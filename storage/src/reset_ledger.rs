//! The reset ledger: every identity-verified reset of a person's sign-in, with how
//! their identity was checked and by whom. Append-only (the schema's triggers
//! refuse changes) and exportable for inspections.

use diesel::prelude::*;
use kizuna_proto::{InvitationId, OrganisationId, Timestamp, UserId};

use crate::schema::reset_ledger;
use crate::{DbConn, StorageError};

/// One reset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResetEntry {
    /// Its ID.
    pub id: String,
    /// When.
    pub at: Timestamp,
    /// The facility whose administrator did it.
    pub organisation: OrganisationId,
    /// The person whose sign-in was reset.
    pub user: UserId,
    /// The administrator who checked their identity and reset it.
    pub performed_by: UserId,
    /// How identity was verified: `in_person_photo_id`, `video_call`,
    /// `known_voice_phone` or `other`.
    pub verification_method: String,
    /// What was checked (e.g. "driving licence, photo matched").
    pub verification_note: String,
    /// The recovery link issued.
    pub invitation: InvitationId,
}

#[derive(Queryable, Insertable)]
#[diesel(table_name = reset_ledger)]
struct ResetRow {
    id: String,
    at: Timestamp,
    organisation_id: OrganisationId,
    user_id: UserId,
    performed_by: UserId,
    verification_method: String,
    verification_note: String,
    invitation_id: InvitationId,
}

/// Appends an entry.
pub fn append(conn: &mut DbConn, entry: &ResetEntry) -> Result<(), StorageError> {
    let row = ResetRow {
        id: entry.id.clone(),
        at: entry.at,
        organisation_id: entry.organisation,
        user_id: entry.user,
        performed_by: entry.performed_by,
        verification_method: entry.verification_method.clone(),
        verification_note: entry.verification_note.clone(),
        invitation_id: entry.invitation,
    };
    diesel::insert_into(reset_ledger::table)
        .values(&row)
        .execute(conn)?;
    Ok(())
}

/// A facility's entries, oldest first.
pub fn for_organisation(conn: &mut DbConn, org: OrganisationId) -> Result<Vec<ResetEntry>, StorageError> {
    Ok(reset_ledger::table
        .filter(reset_ledger::organisation_id.eq(org))
        .order((reset_ledger::at.asc(), reset_ledger::id.asc()))
        .load::<ResetRow>(conn)?
        .into_iter()
        .map(|row| ResetEntry {
            id: row.id,
            at: row.at,
            organisation: row.organisation_id,
            user: row.user_id,
            performed_by: row.performed_by,
            verification_method: row.verification_method,
            verification_note: row.verification_note,
            invitation: row.invitation_id,
        })
        .collect())
}
