//! The era book: every era key a device holds for one channel, who may author posts in
//! each era, and which era is current. Pure data and rules, no MLS, so the rules read
//! (and test) on their own.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use crate::era::{EraId, EraKey};
use crate::mls::MemberInfo;
use crate::proto::{DeviceId, Timestamp, UserId};
use crate::signing::DeviceVerifyingKey;

/// How long an era stays current at most: the first post after this starts a new one.
pub const ERA_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);

/// An era said to start further in the future than this (a member's clock is far off)
/// counts as expired, so a wrong clock cannot keep one key in use indefinitely.
const MAX_FUTURE_START: Duration = Duration::from_secs(60 * 60);

/// A device allowed to author posts in an era, as recorded from its MLS credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Author {
    /// The user the credential names.
    pub(crate) user: UserId,
    /// The device's signature key in the group.
    pub(crate) key: DeviceVerifyingKey,
}

/// One era: its key, when it started, and the devices that were members while it was
/// current (the only ones whose posts in it are accepted).
#[derive(Clone)]
pub(crate) struct Era {
    pub(crate) key: EraKey,
    pub(crate) started_at: Timestamp,
    pub(crate) authors: BTreeMap<DeviceId, Author>,
}

impl Era {
    /// A new era whose authors are `members`.
    pub(crate) fn new(key: EraKey, started_at: Timestamp, members: &[MemberInfo]) -> Self {
        let mut era = Self {
            key,
            started_at,
            authors: BTreeMap::new(),
        };
        era.add_authors(members.iter());
        era
    }

    pub(crate) fn id(&self) -> EraId {
        self.key.id()
    }

    /// Records `members` as authors. A device already recorded keeps its first key: the
    /// key it had when it was a member in this era.
    pub(crate) fn add_authors<'a>(&mut self, members: impl IntoIterator<Item = &'a MemberInfo>) {
        for member in members {
            self.authors.entry(member.device).or_insert(Author {
                user: member.user,
                key: member.signature_key,
            });
        }
    }

    /// Whether the era may no longer be used for new posts at `now`.
    pub(crate) fn expired(&self, now: Timestamp) -> bool {
        now >= self.started_at.plus(ERA_LIFETIME) || self.started_at > now.plus(MAX_FUTURE_START)
    }
}

/// The era new posts go to, and what this device knows about who holds its key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Current {
    pub(crate) id: EraId,
    /// Members known to hold the key: those who could read the message that carried it.
    /// A member outside this set (added since) cannot read posts in it.
    pub(crate) holders: BTreeSet<DeviceId>,
    /// A device was removed since the key was sent (it may hold the key), or the era
    /// came back as current after a while: a new era must start before the next post.
    pub(crate) stale: bool,
}

/// Every era of one channel this device holds.
#[derive(Clone, Default)]
pub(crate) struct EraBook {
    pub(crate) eras: BTreeMap<EraId, Era>,
    pub(crate) current: Option<Current>,
}

impl EraBook {
    /// The current era's record.
    pub(crate) fn current_era(&self) -> Option<&Era> {
        self.current.as_ref().and_then(|c| self.eras.get(&c.id))
    }

    /// Whether the next post needs a new era: there is none; a device was removed since
    /// it started; it is a day old; or a member does not hold its key.
    pub(crate) fn must_rotate(&self, members: &[DeviceId], now: Timestamp) -> bool {
        let (Some(current), Some(era)) = (&self.current, self.current_era()) else {
            return true;
        };
        current.stale || era.expired(now) || members.iter().any(|m| !current.holders.contains(m))
    }

    /// Makes `id` current, held by `holders`.
    pub(crate) fn set_current(&mut self, id: EraId, holders: BTreeSet<DeviceId>, stale: bool) {
        self.current = Some(Current { id, holders, stale });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signing::DeviceSigningKey;
    use crate::testing::TestRandom;
    use uuid::Uuid;

    fn member(n: u128) -> MemberInfo {
        MemberInfo {
            user: UserId::from_uuid(Uuid::from_u128(n)),
            device: DeviceId::from_uuid(Uuid::from_u128(100 + n)),
            signature_key: DeviceSigningKey::generate(&mut TestRandom::new(n as u64)).verifying_key(),
        }
    }

    #[test]
    fn an_era_expires_after_a_day_or_when_dated_far_ahead() {
        let start = Timestamp(1_800_000_000_000);
        let era = Era::new(EraKey::generate(&mut TestRandom::new(1)), start, &[member(1)]);
        assert!(!era.expired(start));
        assert!(!era.expired(start.plus(ERA_LIFETIME - Duration::from_millis(1))));
        assert!(era.expired(start.plus(ERA_LIFETIME)));
        // A clock a few minutes behind the era's creator is fine; hours behind is not.
        assert!(!era.expired(Timestamp(start.0 - 5 * 60 * 1000)));
        assert!(era.expired(Timestamp(start.0 - 2 * 60 * 60 * 1000)));
    }

    #[test]
    fn rotation_is_due_without_an_era_after_a_removal_or_for_a_member_without_the_key() {
        let (a, b) = (member(1), member(2));
        let now = Timestamp(1_800_000_000_000);
        let mut book = EraBook::default();
        assert!(book.must_rotate(&[a.device], now));
        let era = Era::new(
            EraKey::generate(&mut TestRandom::new(2)),
            now,
            std::slice::from_ref(&a),
        );
        let id = era.id();
        book.eras.insert(id, era);
        book.set_current(id, [a.device].into(), false);
        assert!(!book.must_rotate(&[a.device], now));
        assert!(book.must_rotate(&[a.device, b.device], now), "b cannot read it");
        book.set_current(id, [a.device, b.device].into(), true);
        assert!(book.must_rotate(&[a.device, b.device], now), "a removal happened");
    }

    #[test]
    fn an_author_keeps_the_key_it_had_in_the_era() {
        let a = member(1);
        let mut era = Era::new(
            EraKey::generate(&mut TestRandom::new(3)),
            Timestamp(0),
            std::slice::from_ref(&a),
        );
        let mut rekeyed = a.clone();
        rekeyed.signature_key = member(9).signature_key;
        era.add_authors([&rekeyed]);
        assert_eq!(era.authors[&a.device].key, a.signature_key);
    }
}
