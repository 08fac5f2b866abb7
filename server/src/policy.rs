//! Room policy for MLS commits. The room's membership in the database is the
//! authority (only owners and delegates change it, through invitations and
//! removals); a channel's MLS group must follow it. So a commit may add only live
//! devices of people who may use the channel, and may remove a device only if it
//! was revoked, its owner left the channel, or it is one of the committer's own.
//! Family members and volunteers never have team access (a schema constraint), so
//! nobody can add them to the `team` channel.

use std::collections::HashMap;

use kizuna_crypto::CommitSummary;
use kizuna_proto::{DeviceId, UserId};

/// Who may be in one channel's group right now.
#[derive(Debug, Default)]
pub struct Roster {
    /// Per person: their live devices and each one's registered signature key.
    people: HashMap<UserId, Vec<(DeviceId, Vec<u8>)>>,
}

impl Roster {
    /// Records a room member who may use the channel, with their live devices and
    /// the signature keys those devices registered.
    pub fn allow(&mut self, user: UserId, live_devices: Vec<(DeviceId, Vec<u8>)>) {
        self.people.insert(user, live_devices);
    }

    fn may_hold(&self, user: UserId, device: DeviceId) -> bool {
        self.registered_key(user, device).is_some()
    }

    /// The signature key `device` of `user` registered, if it is live and its owner
    /// may use the channel.
    pub fn registered_key(&self, user: UserId, device: DeviceId) -> Option<&[u8]> {
        self.people
            .get(&user)?
            .iter()
            .find(|(d, _)| *d == device)
            .map(|(_, key)| key.as_slice())
    }
}

/// Why room policy refuses a commit. Its wording, in English and Japanese, is in
/// the error catalogue (`crate::error`), which makes it a `commit_not_allowed`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The commit was made by another device than the one sending it.
    NotCommitter,
    /// It adds a device that is not a live device of someone in the channel.
    NotInChannel {
        /// The device's owner.
        user: UserId,
        /// The device.
        device: DeviceId,
    },
    /// It removes a device of someone still in the channel (not the committer).
    StillInChannel {
        /// The device's owner.
        user: UserId,
        /// The device.
        device: DeviceId,
    },
    /// It adds a device under another signature key than the one it registered.
    UnregisteredKey {
        /// The device.
        device: DeviceId,
    },
}

/// Checks a validated commit against the roster. `sender` is the signed-in person and
/// the device they say they send from.
pub fn check_commit(
    summary: &CommitSummary,
    sender: (UserId, DeviceId),
    roster: &Roster,
) -> Result<(), Refusal> {
    if summary.committer != Some(sender) {
        return Err(Refusal::NotCommitter);
    }
    if let Some((user, device)) = summary.added.iter().find(|(u, d)| !roster.may_hold(*u, *d)) {
        return Err(Refusal::NotInChannel {
            user: *user,
            device: *device,
        });
    }
    if let Some((user, device)) = summary
        .removed
        .iter()
        .find(|(u, d)| *u != sender.0 && roster.may_hold(*u, *d))
    {
        return Err(Refusal::StillInChannel {
            user: *user,
            device: *device,
        });
    }
    Ok(())
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

    fn summary(added: &[u128], removed: &[u128]) -> CommitSummary {
        CommitSummary {
            epoch_from: 3,
            epoch: 4,
            committer: Some((user(1), device(1))),
            added: added.iter().map(|n| (user(*n), device(*n))).collect(),
            removed: removed.iter().map(|n| (user(*n), device(*n))).collect(),
            removed_self: false,
        }
    }

    fn roster() -> Roster {
        let mut roster = Roster::default();
        roster.allow(user(1), vec![(device(1), vec![1; 32])]);
        roster.allow(user(2), vec![(device(2), vec![2; 32])]);
        roster
    }

    #[test]
    fn members_add_live_devices_of_people_in_the_channel() {
        assert_eq!(
            check_commit(&summary(&[2], &[]), (user(1), device(1)), &roster()),
            Ok(())
        );
    }

    #[test]
    fn nobody_adds_someone_outside_the_channel() {
        // user 3 is not in the roster: e.g. a family member and the team channel.
        let refused = check_commit(&summary(&[3], &[]), (user(1), device(1)), &roster());
        assert_eq!(
            refused,
            Err(Refusal::NotInChannel {
                user: user(3),
                device: device(3)
            })
        );
    }

    #[test]
    fn a_revoked_device_is_not_added() {
        let mut roster = roster();
        roster.allow(user(2), vec![]);
        assert!(check_commit(&summary(&[2], &[]), (user(1), device(1)), &roster).is_err());
    }

    #[test]
    fn only_leavers_revoked_or_own_devices_are_removed() {
        let sender = (user(1), device(1));
        assert!(
            check_commit(&summary(&[], &[2]), sender, &roster()).is_err(),
            "a member who is still in the channel stays"
        );
        assert_eq!(
            check_commit(&summary(&[], &[3]), sender, &roster()),
            Ok(()),
            "someone no longer in the channel goes"
        );
        let mut own = summary(&[], &[]);
        own.removed = vec![(user(1), device(9))];
        assert_eq!(
            check_commit(&own, sender, &roster()),
            Ok(()),
            "one's own other device goes"
        );
    }

    #[test]
    fn the_commit_must_come_from_the_sending_device() {
        assert!(check_commit(&summary(&[2], &[]), (user(1), device(7)), &roster()).is_err());
        let mut anonymous = summary(&[], &[]);
        anonymous.committer = None;
        assert!(check_commit(&anonymous, (user(1), device(1)), &roster()).is_err());
    }
}
