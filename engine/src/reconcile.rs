//! Which devices a channel's group should gain or lose, from the room's member list
//! (`GET /rooms/{room}/members`). Both clients follow this plan; they differ only
//! in how they claim key packages and send the commits.
//!
//! * Removals first, in one commit: devices of people who may no longer use the
//!   channel and revoked devices (never this device), so a new era starts before
//!   anyone else is let in.
//! * Then adds, one commit per history policy (an era-key message applies one policy
//!   to every device its commit added), full history first: professionals (owners,
//!   delegates) read everything; family and volunteers read from their joining on, or,
//!   for another device of someone already in the channel, what their other devices
//!   could.
//! * Someone who only holds history from their own joining on (family, volunteers)
//!   leaves adding professionals to those who hold all of it.

use std::collections::{BTreeMap, BTreeSet};

use kizuna_proto::{Channel, DeviceId, RoomMember, RoomRole, UserId};
use serde::Serialize;

use crate::policy::Policy;
use crate::slot::Slot;

/// Devices to add under one history policy, in one commit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AddClass {
    /// The history the newcomers get (pass it to `add_devices`).
    pub policy: Policy,
    /// Whose key packages to claim (`POST /users/{u}/key-packages/claim`).
    pub users: Vec<UserId>,
    /// Which devices to add: keep only the claimed packages of these.
    pub devices: Vec<DeviceId>,
}

/// What to change, in order: `remove` (one commit) if not empty, else the first class
/// of `add` whose devices have key packages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "ReconcilePlan"))]
pub struct Plan {
    /// Devices to remove in one commit.
    pub remove: Vec<DeviceId>,
    /// Devices to add, one commit per class, full history first.
    pub add: Vec<AddClass>,
}

impl Plan {
    /// Nothing to do.
    pub fn is_empty(&self) -> bool {
        self.remove.is_empty() && self.add.is_empty()
    }
}

fn policy_for(role: RoomRole, user: UserId, already_in: bool) -> Policy {
    match role {
        RoomRole::Owner | RoomRole::Delegate | RoomRole::Professional => Policy::Full,
        RoomRole::Family | RoomRole::Volunteer if already_in => Policy::SameAsUser(user),
        RoomRole::Family | RoomRole::Volunteer => Policy::FromNow,
    }
}

impl Slot {
    /// The plan for this channel's group as it is now, seen by device `me` of user
    /// `my_user`.
    pub fn plan(&self, members: &[RoomMember], my_user: UserId, me: DeviceId) -> Plan {
        let current: BTreeMap<DeviceId, UserId> = self
            .state
            .members()
            .into_iter()
            .map(|m| (m.device, m.user))
            .collect();
        plan(self.state.channel(), members, &current, my_user, me)
    }
}

/// The plan for `channel`, whose group currently holds `current` (device → user), as
/// seen by device `me` of user `my_user`.
pub fn plan(
    channel: Channel,
    members: &[RoomMember],
    current: &BTreeMap<DeviceId, UserId>,
    my_user: UserId,
    me: DeviceId,
) -> Plan {
    let present: BTreeSet<UserId> = current.values().copied().collect();
    let wanted: BTreeMap<DeviceId, (UserId, Policy)> = members
        .iter()
        .filter(|m| m.may_use(channel))
        .flat_map(|m| {
            let policy = policy_for(m.role, m.user_id, present.contains(&m.user_id));
            m.devices.iter().map(move |d| (*d, (m.user_id, policy)))
        })
        .collect();
    let remove: Vec<DeviceId> = current
        .keys()
        .filter(|d| **d != me && !wanted.contains_key(d))
        .copied()
        .collect();
    let my_role = members.iter().find(|m| m.user_id == my_user).map(|m| m.role);
    let partial_history = matches!(my_role, Some(RoomRole::Family | RoomRole::Volunteer));
    let mut add: Vec<AddClass> = Vec::new();
    for (device, (user, policy)) in &wanted {
        if current.contains_key(device) || (partial_history && *policy == Policy::Full) {
            continue;
        }
        let class = match add.iter_mut().find(|c| c.policy == *policy) {
            Some(class) => class,
            None => {
                add.push(AddClass {
                    policy: *policy,
                    users: Vec::new(),
                    devices: Vec::new(),
                });
                let last = add.len() - 1;
                &mut add[last]
            }
        };
        if !class.users.contains(user) {
            class.users.push(*user);
        }
        class.devices.push(*device);
    }
    // Stable: full history first, the rest in first-seen order.
    add.sort_by_key(|c| c.policy != Policy::Full);
    Plan { remove, add }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn user(n: u128) -> UserId {
        UserId::from_uuid(Uuid::from_u128(n))
    }

    fn device(n: u128) -> DeviceId {
        DeviceId::from_uuid(Uuid::from_u128(1000 + n))
    }

    fn member(n: u128, role: RoomRole, team: bool, devices: &[u128]) -> RoomMember {
        RoomMember {
            user_id: user(n),
            display_name: String::new(),
            role,
            team_access: team,
            family_access: true,
            devices: devices.iter().map(|d| device(*d)).collect(),
            emergency: false,
        }
    }

    #[test]
    fn professionals_get_full_history_family_from_now_and_leavers_go() {
        let members = [
            member(1, RoomRole::Owner, true, &[1]),
            member(2, RoomRole::Professional, true, &[2]),
            member(3, RoomRole::Family, false, &[3]),
        ];
        // The group holds me (1) and a device of someone who left (9).
        let current = BTreeMap::from([(device(1), user(1)), (device(9), user(9))]);
        let team = plan(Channel::Team, &members, &current, user(1), device(1));
        assert_eq!(team.remove, vec![device(9)]);
        assert_eq!(team.add.len(), 1, "family has no team access");
        assert_eq!(
            (team.add[0].policy, team.add[0].devices.clone()),
            (Policy::Full, vec![device(2)])
        );

        let current = BTreeMap::from([(device(1), user(1))]);
        let family = plan(Channel::Family, &members, &current, user(1), device(1));
        assert!(family.remove.is_empty());
        assert_eq!(
            family
                .add
                .iter()
                .map(|c| (c.policy, c.devices.clone()))
                .collect::<Vec<_>>(),
            vec![
                (Policy::Full, vec![device(2)]),
                (Policy::FromNow, vec![device(3)])
            ]
        );
    }

    #[test]
    fn a_second_device_of_a_family_member_reads_what_the_first_could() {
        let members = [
            member(1, RoomRole::Owner, true, &[1]),
            member(3, RoomRole::Family, false, &[3, 4]),
        ];
        let current = BTreeMap::from([(device(1), user(1)), (device(3), user(3))]);
        let p = plan(Channel::Family, &members, &current, user(1), device(1));
        assert_eq!(p.add[0].policy, Policy::SameAsUser(user(3)));
        assert_eq!(
            (p.add[0].users.clone(), p.add[0].devices.clone()),
            (vec![user(3)], vec![device(4)])
        );
    }

    #[test]
    fn family_leaves_adding_professionals_to_others_and_never_removes_itself() {
        let members = [
            member(1, RoomRole::Owner, true, &[1]),
            member(2, RoomRole::Professional, true, &[2]),
            member(3, RoomRole::Family, false, &[3]),
            member(5, RoomRole::Volunteer, false, &[5]),
        ];
        let current = BTreeMap::from([(device(1), user(1)), (device(3), user(3))]);
        let p = plan(Channel::Family, &members, &current, user(3), device(3));
        assert_eq!(
            p.add
                .iter()
                .map(|c| (c.policy, c.devices.clone()))
                .collect::<Vec<_>>(),
            vec![(Policy::FromNow, vec![device(5)])]
        );
        // Even when the list no longer names this device (revoked meanwhile).
        let members = [member(1, RoomRole::Owner, true, &[])];
        let p = plan(
            Channel::Team,
            &members,
            &BTreeMap::from([(device(7), user(1))]),
            user(1),
            device(7),
        );
        assert!(p.is_empty());
    }
}
