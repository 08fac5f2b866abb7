//! Organisations (facilities, associations, cities) and people's memberships in them.

use diesel::prelude::*;
use kizuna_proto::{OrgRole, OrganisationId, OrganisationKind, Timestamp, UserId};

use crate::error::{parse_id, parse_stored};
use crate::schema::{memberships, organisations};
use crate::{DbConn, StorageError};

/// A facility, association or city.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organisation {
    /// Its ID.
    pub id: OrganisationId,
    /// Its name as people know it.
    pub name: String,
    /// What kind of body it is.
    pub kind: OrganisationKind,
    /// The association or city it belongs to, if any.
    pub parent: Option<OrganisationId>,
    /// When it was registered.
    pub created_at: Timestamp,
}

#[derive(Queryable, Insertable)]
#[diesel(table_name = organisations)]
struct OrganisationRow {
    id: String,
    name: String,
    kind: String,
    parent_id: Option<String>,
    created_at: i64,
}

impl TryFrom<OrganisationRow> for Organisation {
    type Error = StorageError;
    fn try_from(row: OrganisationRow) -> Result<Self, StorageError> {
        Ok(Organisation {
            id: parse_id("organisations.id", &row.id)?,
            name: row.name,
            kind: parse_stored("organisations.kind", &row.kind)?,
            parent: row
                .parent_id
                .as_deref()
                .map(|p| parse_id("organisations.parent_id", p))
                .transpose()?,
            created_at: Timestamp(row.created_at),
        })
    }
}

/// Registers an organisation.
pub fn create(conn: &mut DbConn, org: &Organisation) -> Result<(), StorageError> {
    let row = OrganisationRow {
        id: org.id.to_string(),
        name: org.name.clone(),
        kind: org.kind.as_str().to_owned(),
        parent_id: org.parent.map(|p| p.to_string()),
        created_at: org.created_at.millis(),
    };
    diesel::insert_into(organisations::table)
        .values(&row)
        .execute(conn)?;
    Ok(())
}

/// One organisation by ID.
pub fn get(conn: &mut DbConn, id: OrganisationId) -> Result<Organisation, StorageError> {
    organisations::table
        .find(id.to_string())
        .first::<OrganisationRow>(conn)?
        .try_into()
}

/// Every organisation, by name.
pub fn list(conn: &mut DbConn) -> Result<Vec<Organisation>, StorageError> {
    organisations::table
        .order((organisations::name.asc(), organisations::id.asc()))
        .load::<OrganisationRow>(conn)?
        .into_iter()
        .map(Organisation::try_from)
        .collect()
}

/// A person's role in an organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    /// The person.
    pub user: UserId,
    /// The organisation.
    pub organisation: OrganisationId,
    /// Their role there.
    pub role: OrgRole,
    /// Since when.
    pub created_at: Timestamp,
}

#[derive(Queryable, Insertable)]
#[diesel(table_name = memberships)]
struct MembershipRow {
    user_id: String,
    organisation_id: String,
    role: String,
    created_at: i64,
}

impl TryFrom<MembershipRow> for Membership {
    type Error = StorageError;
    fn try_from(row: MembershipRow) -> Result<Self, StorageError> {
        Ok(Membership {
            user: parse_id("memberships.user_id", &row.user_id)?,
            organisation: parse_id("memberships.organisation_id", &row.organisation_id)?,
            role: parse_stored("memberships.role", &row.role)?,
            created_at: Timestamp(row.created_at),
        })
    }
}

/// Gives a person a role in an organisation. A person may hold several roles.
pub fn add_membership(conn: &mut DbConn, membership: &Membership) -> Result<(), StorageError> {
    let row = MembershipRow {
        user_id: membership.user.to_string(),
        organisation_id: membership.organisation.to_string(),
        role: membership.role.as_str().to_owned(),
        created_at: membership.created_at.millis(),
    };
    diesel::insert_into(memberships::table)
        .values(&row)
        .execute(conn)?;
    Ok(())
}

/// Takes a role away. Returns whether there was one to take.
pub fn remove_membership(
    conn: &mut DbConn,
    user: UserId,
    organisation: OrganisationId,
    role: OrgRole,
) -> Result<bool, StorageError> {
    let removed =
        diesel::delete(memberships::table.find((user.to_string(), organisation.to_string(), role.as_str())))
            .execute(conn)?;
    Ok(removed > 0)
}

/// Every role a person holds, in any organisation.
pub fn memberships_of_user(conn: &mut DbConn, user: UserId) -> Result<Vec<Membership>, StorageError> {
    memberships::table
        .filter(memberships::user_id.eq(user.to_string()))
        .order((memberships::organisation_id.asc(), memberships::role.asc()))
        .load::<MembershipRow>(conn)?
        .into_iter()
        .map(Membership::try_from)
        .collect()
}

/// Everyone with a role in an organisation.
pub fn members_of(conn: &mut DbConn, organisation: OrganisationId) -> Result<Vec<Membership>, StorageError> {
    memberships::table
        .filter(memberships::organisation_id.eq(organisation.to_string()))
        .order((memberships::user_id.asc(), memberships::role.asc()))
        .load::<MembershipRow>(conn)?
        .into_iter()
        .map(Membership::try_from)
        .collect()
}
