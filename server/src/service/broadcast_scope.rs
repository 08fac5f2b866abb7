//! Whom a regional broadcast reaches.
//!
//! A broadcast is sent by an association or city to itself and every organisation
//! registered under it, transitively (`organisations.parent_id`): the staff of all of
//! them receive it. Families and volunteers in the rooms of those organisations
//! receive it only when the officer included them. A professional who is in a room as
//! an outsider receives it through their own organisation's place in the tree, not
//! through the room.
//!
//! The tree is loaded whole for each use case: organisations number in the
//! thousands at most, and one query beats a recursive one written twice (SQLite and
//! PostgreSQL) for the same answer.

use std::collections::{BTreeSet, HashMap, HashSet};

use kizuna_proto::{OrganisationId, RoomRole, UserId};
use kizuna_storage::broadcasts::StoredBroadcast;
use kizuna_storage::orgs::{self, Organisation};
use kizuna_storage::users::{self, UserStatus};
use kizuna_storage::{rooms, DbConn, StorageError};

/// Every organisation with its parent and children.
pub struct OrgTree {
    orgs: HashMap<OrganisationId, Organisation>,
    children: HashMap<OrganisationId, Vec<OrganisationId>>,
}

impl OrgTree {
    /// Loads every organisation.
    pub fn load(conn: &mut DbConn) -> Result<Self, StorageError> {
        let mut children: HashMap<OrganisationId, Vec<OrganisationId>> = HashMap::new();
        let mut all = HashMap::new();
        for org in orgs::list(conn)? {
            if let Some(parent) = org.parent {
                children.entry(parent).or_default().push(org.id);
            }
            all.insert(org.id, org);
        }
        Ok(Self { orgs: all, children })
    }

    /// The organisation's name, for the officer's per-organisation totals.
    pub fn name(&self, org: OrganisationId) -> String {
        self.orgs.get(&org).map(|o| o.name.clone()).unwrap_or_default()
    }

    /// `org` and every organisation above it (its association or city, and theirs).
    pub fn with_ancestors(&self, org: OrganisationId) -> Vec<OrganisationId> {
        let mut seen = HashSet::new();
        let mut chain = Vec::new();
        let mut next = Some(org);
        // `seen` guards against a cycle a hand-edited database could hold.
        while let Some(id) = next.filter(|id| seen.insert(*id)) {
            chain.push(id);
            next = self.orgs.get(&id).and_then(|o| o.parent);
        }
        chain
    }

    /// `root` and every organisation registered under it, transitively, `root` first.
    pub fn scope(&self, root: OrganisationId) -> Vec<OrganisationId> {
        let mut seen = HashSet::from([root]);
        let mut order = vec![root];
        let mut index = 0;
        while let Some(id) = order.get(index).copied() {
            index += 1;
            for child in self.children.get(&id).into_iter().flatten() {
                if seen.insert(*child) {
                    order.push(*child);
                }
            }
        }
        order
    }
}

/// Where one person stands: the organisations whose broadcasts reach them as staff,
/// and those whose broadcasts reach them as a family member or volunteer.
#[derive(Debug, Default)]
pub struct Reach {
    as_staff: BTreeSet<OrganisationId>,
    as_family: BTreeSet<OrganisationId>,
}

impl Reach {
    /// Works out `user`'s reach from their staff roles and their family and
    /// volunteer places in rooms.
    pub fn of(conn: &mut DbConn, tree: &OrgTree, user: UserId) -> Result<Self, StorageError> {
        let mut reach = Reach::default();
        for membership in orgs::memberships_of_user(conn, user)? {
            reach
                .as_staff
                .extend(tree.with_ancestors(membership.organisation));
        }
        for room in rooms::rooms_of_user(conn, user)? {
            let family = rooms::member(conn, room, user)?
                .is_some_and(|m| matches!(m.role, RoomRole::Family | RoomRole::Volunteer));
            if family {
                let org = rooms::get(conn, room)?.organisation;
                reach.as_family.extend(tree.with_ancestors(org));
            }
        }
        Ok(reach)
    }

    /// Every organisation that could have sent this person a broadcast.
    pub fn senders(&self) -> Vec<OrganisationId> {
        self.as_staff.union(&self.as_family).copied().collect()
    }

    /// Whether the broadcast is meant for this person.
    pub fn receives(&self, broadcast: &StoredBroadcast) -> bool {
        let org = broadcast.organisation_id;
        self.as_staff.contains(&org) || (broadcast.include_families && self.as_family.contains(&org))
    }

    /// Whether this person may read `org`'s roster: anyone its broadcasts could reach.
    pub fn may_read_roster(&self, org: OrganisationId) -> bool {
        self.as_staff.contains(&org) || self.as_family.contains(&org)
    }
}

/// The people a broadcast of `root` reaches, per organisation in scope (`root`
/// first), active accounts only. One person may be counted under several organisations (staff of two, or
/// staff of one and family in another's room).
pub fn recipients(
    conn: &mut DbConn,
    tree: &OrgTree,
    root: OrganisationId,
    include_families: bool,
) -> Result<Vec<(OrganisationId, BTreeSet<UserId>)>, StorageError> {
    let mut per_org = Vec::new();
    for org in tree.scope(root) {
        let mut people: BTreeSet<UserId> = orgs::members_of(conn, org)?.into_iter().map(|m| m.user).collect();
        if include_families {
            people.extend(
                rooms::members_of_organisation_rooms(conn, org)?
                    .into_iter()
                    .filter(|m| matches!(m.role, RoomRole::Family | RoomRole::Volunteer))
                    .map(|m| m.user),
            );
        }
        per_org.push((org, people));
    }
    // Suspended people and leavers are not recipients: they cannot sign in to read it.
    let everyone: Vec<UserId> = per_org
        .iter()
        .flat_map(|(_, people)| people.iter().copied())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let active: HashSet<UserId> = users::get_many(conn, &everyone)?
        .into_iter()
        .filter(|u| u.status == UserStatus::Active)
        .map(|u| u.id)
        .collect();
    for (_, people) in &mut per_org {
        people.retain(|p| active.contains(p));
    }
    Ok(per_org)
}
