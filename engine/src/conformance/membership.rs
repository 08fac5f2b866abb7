//! Scenarios of changing the group (the rules in `reconcile.rs`): which devices the
//! reader's channel should lose and gain, with which history, by the reader's role.

use kizuna_proto::{RoomMember, RoomRole};

use super::fixture::{author, device_id, user, Newcomer, Team};
use super::outcome::{AddSeen, Outcome, PlanSeen};
use super::scenarios::{Reader, Scenario, Script, Step};
use crate::error::EngineError;
use crate::policy::Policy;

pub(super) fn scenarios() -> Vec<Scenario> {
    vec![Scenario {
        name: "reconcile plans: leavers out first, then adds by history policy",
        build: plans,
    }]
}

fn member(user_n: u128, role: RoomRole, devices: &[u128]) -> RoomMember {
    RoomMember {
        user_id: user(user_n),
        display_name: String::new(),
        role,
        team_access: true,
        family_access: true,
        devices: devices.iter().map(|d| device_id(*d)).collect(),
        emergency: false,
    }
}

fn add(policy: Policy, user_n: u128, devices: &[u128]) -> AddSeen {
    AddSeen {
        policy,
        users: vec![user(user_n)],
        devices: devices.iter().map(|d| device_id(*d)).collect(),
    }
}

/// The group holds the doctor (11), the reader (22), a device of someone who left the
/// room (99) and the first device of a family member (61). The room also has a
/// professional (44), the family member's second device (62) and a volunteer (77).
fn plans(reader: &Reader, key_package: &str) -> Result<Script, EngineError> {
    let leaver = author(9, 99, 99);
    let family = author(6, 61, 61);
    let (_team, welcome) = Team::with(&[
        reader.newcomer(key_package),
        Newcomer::made(&leaver)?,
        Newcomer::made(&family)?,
    ])?;
    let room = |reader_role: RoomRole, reader_devices: &[u128]| {
        vec![
            member(1, RoomRole::Owner, &[11]),
            member(2, reader_role, reader_devices),
            member(4, RoomRole::Professional, &[44]),
            member(6, RoomRole::Family, &[61, 62]),
            member(7, RoomRole::Volunteer, &[77]),
        ]
    };
    let plan = |add: Vec<AddSeen>| {
        vec![Outcome::Plan(PlanSeen {
            remove: vec![device_id(99)],
            add,
        })]
    };
    let family_history = Policy::SameAsUser(user(6));
    Ok(Script {
        welcome: Some(welcome),
        steps: vec![
            // A professional adds everyone: full history for professionals, what the
            // family member's other device reads, and from now on for the volunteer.
            Step::Plan {
                members: room(RoomRole::Professional, &[22]),
                expect: plan(vec![
                    add(Policy::Full, 4, &[44]),
                    add(family_history, 6, &[62]),
                    add(Policy::FromNow, 7, &[77]),
                ]),
            },
            // Family hold only part of the history: they leave professionals to others.
            Step::Plan {
                members: room(RoomRole::Family, &[22]),
                expect: plan(vec![
                    add(family_history, 6, &[62]),
                    add(Policy::FromNow, 7, &[77]),
                ]),
            },
            // The list no longer names the reader's own device (revoked meanwhile): it
            // never removes itself.
            Step::Plan {
                members: room(RoomRole::Professional, &[]),
                expect: plan(vec![
                    add(Policy::Full, 4, &[44]),
                    add(family_history, 6, &[62]),
                    add(Policy::FromNow, 7, &[77]),
                ]),
            },
        ],
    })
}
