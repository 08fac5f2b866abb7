//! Reconciling a channel's MLS group with the room: who should be in it (members
//! with access to the channel, each live device) against who is (the group's
//! leaves). What to change is the engine's plan ([`kizuna_engine::reconcile::plan`],
//! the browser's too): adds go in one commit per history policy, so the era keys
//! shared right after reach only those entitled to them; removals go first, so a new
//! era starts before anyone else is let in.
//!
//! Commits are made against what this device has seen, without fetching first: the
//! server accepts a commit only for the group's current epoch, so one that is
//! accepted was made on a current view. On `409 wrong_epoch` the commit is dropped,
//! the device catches up and decides again, as often as the engine's send rule
//! ([`kizuna_engine::outbox::decide`], the browser's too) allows.

use std::collections::{BTreeMap, BTreeSet};

use kizuna_crypto::channel::{HistoryPolicy, PendingCommit};
use kizuna_engine::outbox::Action;
use kizuna_engine::reconcile::Plan;
use serde::Serialize;
use serde_json::json;

use crate::api::{b64, segment, unb64};
use crate::channels::{send_decision, SyncReport};
use crate::error::{ClientError, Result};
use crate::wire::{Claimed, LogKind, NewCommit};
use crate::{now, Channel, Client, DeviceId, Member, RoomId, UserId};

/// What a reconcile changed in one channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReconcileReport {
    /// The room.
    pub room: RoomId,
    /// The channel.
    pub channel: Channel,
    /// Devices added.
    pub added: Vec<(UserId, DeviceId)>,
    /// Devices removed.
    pub removed: Vec<(UserId, DeviceId)>,
    /// Members with live devices that had no key package to add them with.
    pub without_key_packages: Vec<UserId>,
    /// How often another member's commit won the epoch first (then this device synced
    /// and tried again).
    pub conflicts: u32,
    /// The epoch at the end.
    pub epoch: u64,
}

impl Client {
    /// Makes the channel's MLS members match the room: adds every live device of each
    /// member who may use the channel (professionals get the full history, family and
    /// volunteers from now on) and removes devices of people no longer in the channel
    /// and revoked devices. Commits against what this device has seen; if another
    /// member committed first, syncs and tries again.
    pub async fn reconcile(&mut self, room: RoomId, channel: Channel) -> Result<ReconcileReport> {
        self.require_session()?;
        let id = self.active_group(room, channel)?;
        let mut report = ReconcileReport {
            room,
            channel,
            added: Vec::new(),
            removed: Vec::new(),
            without_key_packages: Vec::new(),
            conflicts: 0,
            epoch: 0,
        };
        let mut attempts = 0;
        loop {
            let id = self.active_group(room, channel).map(|_| id.clone())?;
            let members = self.members(room).await?;
            let plan = self.reconcile_plan(room, channel, &members)?;
            let Some(state) = self.channels.get_mut(&id) else {
                return Err(ClientError::NotInChannel { room, channel });
            };

            let (pending, policy) = if !plan.remove.is_empty() {
                (state.remove_devices(&plan.remove)?, None)
            } else if plan.add.is_empty() {
                report.epoch = state.epoch();
                return Ok(report);
            } else {
                // Full history first; a class whose devices have no key package left
                // is skipped.
                let mut chosen = None;
                for class in &plan.add {
                    let devices: BTreeSet<DeviceId> = class.devices.iter().copied().collect();
                    let users: BTreeSet<UserId> = class.users.iter().copied().collect();
                    let packages = self.claim(&users, &devices, &mut report).await?;
                    if !packages.is_empty() {
                        chosen = Some((HistoryPolicy::from(class.policy), packages));
                        break;
                    }
                }
                let Some(state) = self.channels.get_mut(&id) else {
                    return Err(ClientError::NotInChannel { room, channel });
                };
                let Some((policy, packages)) = chosen else {
                    report.epoch = state.epoch();
                    return Ok(report);
                };
                (state.add_devices(&packages)?, Some(policy))
            };

            attempts += 1;
            match self.submit_commit(&id, &pending).await {
                Ok(()) => {
                    let Some(state) = self.channels.get_mut(&id) else {
                        return Err(ClientError::NotInChannel { room, channel });
                    };
                    let summary = state.commit_accepted()?;
                    report.added.extend(summary.added.iter().copied());
                    report.removed.extend(summary.removed.iter().copied());
                    self.save()?;
                    if let Some(policy) = policy {
                        self.share_eras(&id, policy).await?;
                    }
                }
                Err(e) => {
                    if let Some(state) = self.channels.get_mut(&id) {
                        state.commit_rejected()?;
                    }
                    let resync = send_decision(&e, attempts).is_some_and(|d| d.action == Action::Resync);
                    if !resync {
                        self.save()?;
                        return Err(match e.code() {
                            "wrong_epoch" => ClientError::TooManyConflicts(attempts),
                            _ => e,
                        });
                    }
                    report.conflicts += 1;
                    let mut synced = SyncReport::default();
                    self.sync_group(&id, &mut synced).await?;
                }
            }
        }
    }

    /// The engine's plan for a channel: this device's view of its group against the
    /// room's `members`.
    pub(crate) fn reconcile_plan(&self, room: RoomId, channel: Channel, members: &[Member]) -> Result<Plan> {
        let id = self.active_group(room, channel)?;
        let state = self
            .channels
            .get(&id)
            .ok_or(ClientError::NotInChannel { room, channel })?;
        let current: BTreeMap<DeviceId, UserId> =
            state.members().into_iter().map(|m| (m.device, m.user)).collect();
        let my_user = self.public.user_id.ok_or(ClientError::NotSignedIn)?;
        let me = self.device_id_or_err()?;
        Ok(kizuna_engine::reconcile::plan(
            channel, members, &current, my_user, me,
        ))
    }

    /// Claims one key package per live device of `users`; keeps those of `devices`.
    async fn claim(
        &mut self,
        users: &BTreeSet<UserId>,
        devices: &BTreeSet<DeviceId>,
        report: &mut ReconcileReport,
    ) -> Result<Vec<Vec<u8>>> {
        let mut packages = Vec::new();
        for user in users {
            let path = format!("/users/{}/key-packages/claim", segment(&user.to_string()));
            let claimed: Vec<Claimed> = match self.api.post(&path, &json!({})).await {
                Ok(claimed) => claimed,
                // They left the room meanwhile.
                Err(e) if e.is_not_found() => Vec::new(),
                Err(e) => return Err(e),
            };
            let before = packages.len();
            for c in claimed.into_iter().filter(|c| devices.contains(&c.device_id)) {
                packages.push(unb64("key_package", &c.key_package)?);
            }
            if packages.len() == before && !report.without_key_packages.contains(user) {
                report.without_key_packages.push(*user);
            }
        }
        Ok(packages)
    }

    /// Sends a commit (and its welcome) to the server, retrying the very same request
    /// if the connection broke (the idempotency key makes that safe).
    async fn submit_commit(&mut self, id: &str, pending: &PendingCommit) -> Result<()> {
        let body = NewCommit {
            sender_device: self.device_id_or_err()?,
            commit: b64(&pending.commit),
            welcome: pending.welcome.as_deref().map(b64),
            idempotency_key: Some(uuid::Uuid::new_v4().to_string()),
        };
        let path = format!("/groups/{}/commits", segment(id));
        self.send_retrying::<_, serde::de::IgnoredAny>(&path, &body)
            .await
            .map(|_| ())
    }

    /// After adding devices: sends the era keys the policy allows, as an MLS
    /// application message only current members can open.
    async fn share_eras(&mut self, id: &str, policy: HistoryPolicy) -> Result<()> {
        let mut rng = self.rng;
        let Some(state) = self.channels.get_mut(id) else {
            return Ok(());
        };
        let message = state.share_eras(policy, now(), &mut rng)?;
        let epoch = state.epoch();
        // The new era (if the policy started one) must survive a crash before others
        // can receive posts under it.
        self.save()?;
        self.send_message(id, LogKind::EraKey, epoch, &message, None)
            .await?;
        Ok(())
    }
}
