//! Organisations (facilities, associations, cities) and people's memberships in them.

use diesel::prelude::*;
use kizuna_proto::{OrgRole, OrganisationId, OrganisationKind, Timestamp, UserId};

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
    id: OrganisationId,
    name: String,
    kind: OrganisationKind,
    parent_id: Option<OrganisationId>,
    created_at: Timestamp,
}

impl From<OrganisationRow> for Organisation {
    fn from(row: OrganisationRow) -> Self {
        Organisation {
            id: row.id,
            name: row.name,
            kind: row.kind,
            parent: row.parent_id,
            created_at: row.created_at,
        }
    }
}

/// Registers an organisation.
pub fn create(conn: &mut DbConn, org: &Organisation) -> Result<(), StorageError> {
    let row = OrganisationRow {
        id: org.id,
        name: org.name.clone(),
        kind: org.kind,
        parent_id: org.parent,
        created_at: org.created_at,
    };
    diesel::insert_into(organisations::table)
        .values(&row)
        .execute(conn)?;
    Ok(())
}

/// One organisation by ID.
pub fn get(conn: &mut DbConn, id: OrganisationId) -> Result<Organisation, StorageError> {
    Ok(organisations::table
        .find(id)
        .first::<OrganisationRow>(conn)?
        .into())
}

/// Every organisation, by name.
pub fn list(conn: &mut DbConn) -> Result<Vec<Organisation>, StorageError> {
    Ok(organisations::table
        .order((organisations::name.asc(), organisations::id.asc()))
        .load::<OrganisationRow>(conn)?
        .into_iter()
        .map(Organisation::from)
        .collect())
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
    user_id: UserId,
    organisation_id: OrganisationId,
    role: OrgRole,
    created_at: Timestamp,
}

impl From<MembershipRow> for Membership {
    fn from(row: MembershipRow) -> Self {
        Membership {
            user: row.user_id,
            organisation: row.organisation_id,
            role: row.role,
            created_at: row.created_at,
        }
    }
}

/// Gives a person a role in an organisation. A person may hold several roles.
pub fn add_membership(conn: &mut DbConn, membership: &Membership) -> Result<(), StorageError> {
    let row = MembershipRow {
        user_id: membership.user,
        organisation_id: membership.organisation,
        role: membership.role,
        created_at: membership.created_at,
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
    let removed = diesel::delete(memberships::table.find((user, organisation, role))).execute(conn)?;
    Ok(removed > 0)
}

/// Every role a person holds, in any organisation.
pub fn memberships_of_user(conn: &mut DbConn, user: UserId) -> Result<Vec<Membership>, StorageError> {
    Ok(memberships::table
        .filter(memberships::user_id.eq(user))
        .order((memberships::organisation_id.asc(), memberships::role.asc()))
        .load::<MembershipRow>(conn)?
        .into_iter()
        .map(Membership::from)
        .collect())
}

/// Everyone with a role in an organisation.
pub fn members_of(conn: &mut DbConn, organisation: OrganisationId) -> Result<Vec<Membership>, StorageError> {
    Ok(memberships::table
        .filter(memberships::organisation_id.eq(organisation))
        .order((memberships::user_id.asc(), memberships::role.asc()))
        .load::<MembershipRow>(conn)?
        .into_iter()
        .map(Membership::from)
        .collect())
}
